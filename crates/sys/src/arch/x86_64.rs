//! x86_64 Linux system call convention (see syscall(2), "Architecture calling conventions"):
//! the number goes in `rax`; arguments in `rdi`, `rsi`, `rdx`, `r10`, `r8`, `r9`; the `syscall`
//! instruction clobbers `rcx` (return address) and `r11` (saved flags, restored on return);
//! the result comes back in `rax`.
use super::{Arg, Ret};
use core::arch::asm;

/// `EM_X86_64`: the `e_machine` of this architecture's ELF images (the vDSO's header is checked
/// against it).
pub const ELF_MACHINE: u16 = 62;

/// `R_X86_64_RELATIVE` (x86-64 psABI §4.4.1): "base + addend", the only relocation a static-PIE
/// verbosel binary may carry (its relocator refuses every other type, and a test checks the
/// release binaries at build time).
pub const R_RELATIVE: u32 = 8;

/// The vDSO's `clock_gettime` and the symbol version it is exported under (vdso(7), "x86-64
/// functions").
pub const VDSO_CLOCK_GETTIME: (&[u8], &[u8]) = (b"__vdso_clock_gettime", b"LINUX_2.6");

/// Emits `syscallN` and `syscallN_readonly` for one argument count. The readonly variant tells
/// the compiler the kernel only reads memory (`options(readonly)`): values it holds in registers
/// stay valid across the call. Use it for calls whose pointers are all input (write, bind,
/// sigaction with no old action) or that take no pointers at all.
macro_rules! syscalls {
    ($(#[$doc:meta])* $name:ident, $readonly:ident $(, $arg:ident => $reg:tt)*) => {
        $(#[$doc])*
        ///
        /// # Safety
        /// The caller upholds the contract of syscall `nr` (valid pointers and lengths, open
        /// descriptors), and every pointer argument is valid for what the kernel does with it.
        #[inline(always)]
        pub unsafe fn $name(nr: usize, $($arg: Arg<'_>),*) -> Ret {
            let ret;
            // SAFETY: the caller upholds the syscall's contract; the asm touches only the
            // declared registers (rcx and r11 are clobbered by `syscall` itself).
            unsafe {
                asm!("syscall", inlateout("rax") nr => ret, $(in($reg) $arg.reg(),)*
                     lateout("rcx") _, lateout("r11") _, options(nostack, preserves_flags));
            }
            Ret(ret)
        }

        /// As the plain variant, for calls that do not write the caller's memory.
        ///
        /// # Safety
        /// As for the plain variant, and the call must not write any memory of this process.
        #[inline(always)]
        pub unsafe fn $readonly(nr: usize, $($arg: Arg<'_>),*) -> Ret {
            let ret;
            // SAFETY: as for the plain variant; the caller promises the kernel only reads.
            unsafe {
                asm!("syscall", inlateout("rax") nr => ret, $(in($reg) $arg.reg(),)*
                     lateout("rcx") _, lateout("r11") _,
                     options(nostack, preserves_flags, readonly));
            }
            Ret(ret)
        }
    };
}

syscalls!(
    /// A system call without arguments.
    syscall0, syscall0_readonly
);
syscalls!(
    /// A system call with one argument (`rdi`).
    syscall1, syscall1_readonly, a0 => "rdi"
);
syscalls!(
    /// A system call with two arguments (`rdi`, `rsi`).
    syscall2, syscall2_readonly, a0 => "rdi", a1 => "rsi"
);
syscalls!(
    /// A system call with three arguments (`rdi`, `rsi`, `rdx`).
    syscall3, syscall3_readonly, a0 => "rdi", a1 => "rsi", a2 => "rdx"
);
syscalls!(
    /// A system call with four arguments (`rdi`, `rsi`, `rdx`, `r10`: not `rcx`, which
    /// `syscall` overwrites).
    syscall4, syscall4_readonly, a0 => "rdi", a1 => "rsi", a2 => "rdx", a3 => "r10"
);
syscalls!(
    /// A system call with five arguments (`rdi`, `rsi`, `rdx`, `r10`, `r8`).
    syscall5, syscall5_readonly, a0 => "rdi", a1 => "rsi", a2 => "rdx", a3 => "r10", a4 => "r8"
);
syscalls!(
    /// A system call with six arguments (`rdi`, `rsi`, `rdx`, `r10`, `r8`, `r9`).
    syscall6, syscall6_readonly, a0 => "rdi", a1 => "rsi", a2 => "rdx", a3 => "r10", a4 => "r8",
    a5 => "r9"
);

/// `exit_group` never returns: a separate entry lets the compiler know.
#[inline(always)]
pub fn exit_group(code: i32) -> ! {
    // SAFETY: exit_group(2) takes an integer and does not return; no memory is passed.
    unsafe {
        asm!("syscall", in("rax") crate::nr::EXIT_GROUP, in("rdi") code as isize as usize,
             options(noreturn, nostack));
    }
}

/// The signal restorer: the kernel makes a handler "return" here, and `rt_sigreturn` restores the
/// interrupted context from the frame on the stack (see sigreturn(2); libc's `__restore_rt`).
///
/// # Safety
/// Never call it: only the kernel jumps here, with a signal frame on the stack.
#[unsafe(naked)]
pub unsafe extern "C" fn restore_rt() -> ! {
    core::arch::naked_asm!(
        "mov eax, {rt_sigreturn}",
        "syscall",
        "ud2",
        rt_sigreturn = const crate::nr::RT_SIGRETURN,
    )
}

/// Emits the process entry point `_start`, which calls `$relocate(sp)` and then `$entry(sp)` with
/// the initial stack pointer.
///
/// At entry the kernel leaves `rsp` pointing at `argc` (see the picture in `verbosel_rt::start`).
/// `_start` clears the frame pointer (the outermost frame, per the x86-64 psABI §3.4.1), keeps
/// `rsp` in `rbx` (callee-saved, so it survives the first call), realigns the stack to 16 bytes so
/// each `call` leaves it ABI-aligned, and calls the relocator, then `$entry`, which never returns.
///
/// Both are reached by `call` to the symbol itself (PC-relative), never through the GOT: until
/// the relocator has run, a GOT entry holds a link-time address (debug builds call functions of
/// other crates through the GOT).
#[doc(hidden)]
#[macro_export]
macro_rules! start_trampoline {
    ($relocate:path, $entry:path) => {
        #[unsafe(naked)]
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn _start() -> ! {
            ::core::arch::naked_asm!(
                "xor ebp, ebp",
                "mov rbx, rsp",
                "and rsp, -16",
                "mov rdi, rbx",
                "call {relocate}",
                "mov rdi, rbx",
                "call {entry}",
                "ud2",
                relocate = sym $relocate,
                entry = sym $entry,
            )
        }
    };
}

/// Copies `n` bytes forward with `rep movsb`, which modern x86-64 cores (ERMS, "enhanced rep
/// movsb") run at full speed; the C memory functions in `verbosel-rt` use it.
///
/// # Safety
/// `dest` and `src` must be valid for `n` bytes, and `dest` must not lie inside
/// `src + 1 .. src + n` (a forward copy).
#[inline(always)]
pub unsafe fn copy_forward(dest: *mut u8, src: *const u8, n: usize) {
    // SAFETY: the caller guarantees the ranges; rep movsb touches exactly n bytes at rdi/rsi.
    unsafe {
        asm!("rep movsb", inout("rcx") n => _, inout("rdi") dest => _, inout("rsi") src => _,
             options(nostack, preserves_flags));
    }
}

/// Copies `n` bytes backward (for overlapping moves to a higher address): `std; rep movsb; cld`.
///
/// # Safety
/// `dest` and `src` must be valid for `n` bytes.
#[inline(always)]
pub unsafe fn copy_backward(dest: *mut u8, src: *const u8, n: usize) {
    if n == 0 {
        return;
    }
    // SAFETY: with the direction flag set, rep movsb copies from the last byte down; the flag is
    // cleared again, as the ABI requires on return.
    unsafe {
        asm!("std", "rep movsb", "cld", inout("rcx") n => _,
             inout("rdi") dest.add(n - 1) => _, inout("rsi") src.add(n - 1) => _,
             options(nostack));
    }
}

/// Fills `n` bytes with `byte` using `rep stosb`.
///
/// # Safety
/// `dest` must be valid for `n` bytes.
#[inline(always)]
pub unsafe fn fill(dest: *mut u8, byte: u8, n: usize) {
    // SAFETY: the caller guarantees the range; rep stosb writes exactly n bytes at rdi.
    unsafe {
        asm!("rep stosb", inout("rcx") n => _, inout("rdi") dest => _, in("al") byte,
             options(nostack, preserves_flags));
    }
}

/// Reads one word of the binary's own data for the start-up relocator, in assembly: before the
/// relocation is applied the word holds a link-time value no Rust code may see as its real one.
///
/// # Safety
/// `addr` must be valid for an aligned 8-byte read.
#[inline(always)]
pub unsafe fn relocation_load(addr: *const usize) -> usize {
    let value;
    // SAFETY: the caller guarantees the address; the asm reads exactly that word.
    unsafe {
        asm!("mov {value}, qword ptr [{addr}]", addr = in(reg) addr, value = lateout(reg) value,
             options(nostack, preserves_flags, readonly));
    }
    value
}

/// Writes one relocated word, in assembly: the word may belong to an immutable static (a
/// vtable, a table of `&str`), and a store the compiler cannot see is the only way to write it
/// without claiming, in Rust's terms, to mutate immutable memory. The relocator runs before any
/// Rust code reads such a static.
///
/// # Safety
/// `addr` must be valid for an aligned 8-byte write, in a writable mapping, and no Rust code may
/// have read the word yet.
#[inline(always)]
pub unsafe fn relocation_store(addr: *mut usize, value: usize) {
    // SAFETY: the caller guarantees the address and that nothing has read the word.
    unsafe {
        asm!("mov qword ptr [{addr}], {value}", addr = in(reg) addr, value = in(reg) value,
             options(nostack, preserves_flags));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_instructions_copy_move_and_fill() {
        let mut buf: Vec<u8> = (0..64).collect();
        // Overlapping move to a higher address must copy backward.
        // SAFETY: both ranges lie inside `buf` (8..48 and 0..40 of 64 bytes).
        unsafe { copy_backward(buf.as_mut_ptr().add(8), buf.as_ptr(), 40) };
        assert_eq!(&buf[8..48], &(0..40).collect::<Vec<u8>>()[..]);
        assert_eq!(&buf[..8], &(0..8).collect::<Vec<u8>>()[..]);
        // Overlapping move to a lower address is a forward copy.
        let mut buf: Vec<u8> = (0..64).collect();
        // SAFETY: 0..40 and 8..48 of 64 bytes; a move to a lower address may copy forward.
        unsafe { copy_forward(buf.as_mut_ptr(), buf.as_ptr().add(8), 40) };
        assert_eq!(&buf[..40], &(8..48).collect::<Vec<u8>>()[..]);
        // SAFETY: 3..8 of 64 bytes.
        unsafe { fill(buf.as_mut_ptr().add(3), 0xAB, 5) };
        assert_eq!(&buf[2..9], &[10, 0xAB, 0xAB, 0xAB, 0xAB, 0xAB, 16]);
        // SAFETY: zero bytes: nothing is read or written.
        unsafe { copy_backward(buf.as_mut_ptr(), buf.as_ptr(), 0) };
    }
}
