//! aarch64 Linux system call convention (see syscall(2), "Architecture calling conventions"):
//! the number goes in `x8`; arguments in `x0`..`x5`; `svc #0` enters the kernel, which returns
//! the result in `x0` and preserves every other register and the condition flags.
use super::{Arg, Ret};
use core::arch::asm;

/// `EM_AARCH64`: the `e_machine` of this architecture's ELF images (the vDSO's header is checked
/// against it).
pub const ELF_MACHINE: u16 = 183;

/// `R_AARCH64_RELATIVE` (ELF for the Arm 64-bit Architecture, "Dynamic relocations"): the load
/// base plus the addend, the only relocation a static-PIE verbosel binary may carry (its
/// relocator refuses every other type, and a test checks the release binaries at build time).
pub const R_RELATIVE: u32 = 1027;

/// The vDSO's `clock_gettime` and the symbol version it is exported under (vdso(7), "ARM64
/// functions").
pub const VDSO_CLOCK_GETTIME: (&[u8], &[u8]) = (b"__kernel_clock_gettime", b"LINUX_2.6.39");

/// Emits `syscallN` and `syscallN_readonly` for one argument count (at least one: the first
/// argument shares `x0` with the result). The readonly variant tells the compiler the kernel
/// only reads memory (`options(readonly)`), as on x86_64.
macro_rules! syscalls {
    ($(#[$doc:meta])* $name:ident, $readonly:ident, $a0:ident $(, $arg:ident => $reg:tt)*) => {
        $(#[$doc])*
        ///
        /// # Safety
        /// The caller upholds the contract of syscall `nr` (valid pointers and lengths, open
        /// descriptors), and every pointer argument is valid for what the kernel does with it.
        #[inline(always)]
        pub unsafe fn $name(nr: usize, $a0: Arg<'_>, $($arg: Arg<'_>),*) -> Ret {
            let ret;
            // SAFETY: the caller upholds the syscall's contract; `svc` changes only `x0`.
            unsafe {
                asm!("svc 0", in("x8") nr, inlateout("x0") $a0.reg() => ret,
                     $(in($reg) $arg.reg(),)* options(nostack, preserves_flags));
            }
            Ret(ret)
        }

        /// As the plain variant, for calls that do not write the caller's memory.
        ///
        /// # Safety
        /// As for the plain variant, and the call must not write any memory of this process.
        #[inline(always)]
        pub unsafe fn $readonly(nr: usize, $a0: Arg<'_>, $($arg: Arg<'_>),*) -> Ret {
            let ret;
            // SAFETY: as for the plain variant; the caller promises the kernel only reads.
            unsafe {
                asm!("svc 0", in("x8") nr, inlateout("x0") $a0.reg() => ret,
                     $(in($reg) $arg.reg(),)* options(nostack, preserves_flags, readonly));
            }
            Ret(ret)
        }
    };
}

/// A system call without arguments.
///
/// # Safety
/// The caller upholds the contract of syscall `nr`.
#[inline(always)]
pub unsafe fn syscall0(nr: usize) -> Ret {
    let ret;
    // SAFETY: the caller upholds the syscall's contract; `svc` changes only `x0`.
    unsafe {
        asm!("svc 0", in("x8") nr, lateout("x0") ret, options(nostack, preserves_flags));
    }
    Ret(ret)
}

/// As [`syscall0`], for calls that do not write the caller's memory.
///
/// # Safety
/// As for [`syscall0`], and the call must not write any memory of this process.
#[inline(always)]
pub unsafe fn syscall0_readonly(nr: usize) -> Ret {
    let ret;
    // SAFETY: as for `syscall0`; the caller promises the kernel only reads.
    unsafe {
        asm!("svc 0", in("x8") nr, lateout("x0") ret,
             options(nostack, preserves_flags, readonly));
    }
    Ret(ret)
}

syscalls!(
    /// A system call with one argument (`x0`).
    syscall1, syscall1_readonly, a0
);
syscalls!(
    /// A system call with two arguments (`x0`, `x1`).
    syscall2, syscall2_readonly, a0, a1 => "x1"
);
syscalls!(
    /// A system call with three arguments (`x0`..`x2`).
    syscall3, syscall3_readonly, a0, a1 => "x1", a2 => "x2"
);
syscalls!(
    /// A system call with four arguments (`x0`..`x3`).
    syscall4, syscall4_readonly, a0, a1 => "x1", a2 => "x2", a3 => "x3"
);
syscalls!(
    /// A system call with five arguments (`x0`..`x4`).
    syscall5, syscall5_readonly, a0, a1 => "x1", a2 => "x2", a3 => "x3", a4 => "x4"
);
syscalls!(
    /// A system call with six arguments (`x0`..`x5`).
    syscall6, syscall6_readonly, a0, a1 => "x1", a2 => "x2", a3 => "x3", a4 => "x4", a5 => "x5"
);

/// `exit_group` never returns: a separate entry lets the compiler know.
#[inline(always)]
pub fn exit_group(code: i32) -> ! {
    // SAFETY: exit_group(2) takes an integer and does not return; no memory is passed.
    unsafe {
        asm!("svc 0", in("x8") crate::nr::EXIT_GROUP, in("x0") code as isize as usize,
             options(noreturn, nostack));
    }
}

/// The signal restorer: the kernel sets the handler's return address (`x30`) here, and
/// `rt_sigreturn` restores the interrupted context from the frame on the stack (see
/// sigreturn(2); arm64 honours `SA_RESTORER` as x86_64 does, and otherwise returns through the
/// vDSO's trampoline).
///
/// # Safety
/// Never call it: only the kernel jumps here, with a signal frame on the stack.
#[unsafe(naked)]
pub unsafe extern "C" fn restore_rt() -> ! {
    core::arch::naked_asm!(
        "mov x8, #{rt_sigreturn}",
        "svc 0",
        "udf #0",
        rt_sigreturn = const crate::nr::RT_SIGRETURN,
    )
}

/// Emits the process entry point `_start`, which calls `$relocate(sp)` and then `$entry(sp)` with
/// the initial stack pointer.
///
/// At entry the kernel leaves `sp` pointing at `argc` (see the picture in `verbosel_rt::start`),
/// 16-byte aligned as the AArch64 procedure call standard requires at every public interface
/// (AAPCS64 §6.4.5.1), so nothing needs realigning. `_start` clears the frame pointer `x29` and
/// the link register `x30` (the outermost frame, which a backtrace stops at), keeps `sp` in `x19`
/// (callee-saved, so it survives the first call), and calls the relocator, then `$entry`, which
/// never returns.
///
/// Both are reached by `bl` to the symbol itself (PC-relative), never through the GOT: until the
/// relocator has run, a GOT entry holds a link-time address.
#[doc(hidden)]
#[macro_export]
macro_rules! start_trampoline {
    ($relocate:path, $entry:path) => {
        #[unsafe(naked)]
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn _start() -> ! {
            ::core::arch::naked_asm!(
                "mov x29, xzr",
                "mov x30, xzr",
                "mov x19, sp",
                "mov x0, x19",
                "bl {relocate}",
                "mov x0, x19",
                "bl {entry}",
                "udf #0",
                relocate = sym $relocate,
                entry = sym $entry,
            )
        }
    };
}

// The memory functions' loops are written in assembly, where LLVM cannot recognise them as
// `memcpy` or `memset` and turn them back into a call to the very function they implement.
// They move 16 bytes per `ldp`/`stp` pair (Linux lets user code make unaligned accesses to
// normal memory, so neither pointer needs aligning first), then the rest a byte at a time.

/// Copies `n` bytes forward, lowest address first.
///
/// # Safety
/// `dest` and `src` must be valid for `n` bytes, and `dest` must not lie inside
/// `src + 1 .. src + n` (a forward copy).
#[inline(always)]
pub unsafe fn copy_forward(dest: *mut u8, src: *const u8, n: usize) {
    // SAFETY: the caller guarantees the ranges. Each 16-byte step loads before it stores, and a
    // store at `dest` below `src` never reaches bytes still to be loaded.
    unsafe {
        asm!(
            "2:",
            "cmp {n}, #16",
            "b.lo 3f",
            "ldp {a}, {b}, [{src}], #16",
            "stp {a}, {b}, [{dest}], #16",
            "sub {n}, {n}, #16",
            "b 2b",
            "3:",
            "cbz {n}, 4f",
            "ldrb {a:w}, [{src}], #1",
            "strb {a:w}, [{dest}], #1",
            "sub {n}, {n}, #1",
            "b 3b",
            "4:",
            dest = inout(reg) dest => _,
            src = inout(reg) src => _,
            n = inout(reg) n => _,
            a = out(reg) _,
            b = out(reg) _,
            options(nostack),
        );
    }
}

/// Copies `n` bytes backward, highest address first (for overlapping moves to a higher address).
///
/// # Safety
/// `dest` and `src` must be valid for `n` bytes.
#[inline(always)]
pub unsafe fn copy_backward(dest: *mut u8, src: *const u8, n: usize) {
    // SAFETY: the caller guarantees the ranges; the pointers start one past the end and every
    // access is below it and at or above the start. A store at `dest` above `src` never
    // reaches bytes still to be loaded.
    unsafe {
        asm!(
            "add {src}, {src}, {n}",
            "add {dest}, {dest}, {n}",
            "2:",
            "cmp {n}, #16",
            "b.lo 3f",
            "ldp {a}, {b}, [{src}, #-16]!",
            "stp {a}, {b}, [{dest}, #-16]!",
            "sub {n}, {n}, #16",
            "b 2b",
            "3:",
            "cbz {n}, 4f",
            "ldrb {a:w}, [{src}, #-1]!",
            "strb {a:w}, [{dest}, #-1]!",
            "sub {n}, {n}, #1",
            "b 3b",
            "4:",
            dest = inout(reg) dest => _,
            src = inout(reg) src => _,
            n = inout(reg) n => _,
            a = out(reg) _,
            b = out(reg) _,
            options(nostack),
        );
    }
}

/// Fills `n` bytes with `byte`.
///
/// # Safety
/// `dest` must be valid for `n` bytes.
#[inline(always)]
pub unsafe fn fill(dest: *mut u8, byte: u8, n: usize) {
    // The byte in all eight lanes of a register.
    let word = (byte as u64).wrapping_mul(0x0101_0101_0101_0101);
    // SAFETY: the caller guarantees the range; every store is inside it.
    unsafe {
        asm!(
            "2:",
            "cmp {n}, #16",
            "b.lo 3f",
            "stp {w}, {w}, [{dest}], #16",
            "sub {n}, {n}, #16",
            "b 2b",
            "3:",
            "cbz {n}, 4f",
            "strb {w:w}, [{dest}], #1",
            "sub {n}, {n}, #1",
            "b 3b",
            "4:",
            dest = inout(reg) dest => _,
            n = inout(reg) n => _,
            w = in(reg) word,
            options(nostack),
        );
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
        asm!("ldr {value}, [{addr}]", addr = in(reg) addr, value = lateout(reg) value,
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
        asm!("str {value}, [{addr}]", addr = in(reg) addr, value = in(reg) value,
             options(nostack, preserves_flags));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_move_and_fill_every_length_and_overlap() {
        // Lengths around the 16-byte step, at every alignment of both pointers.
        for n in [0, 1, 7, 15, 16, 17, 31, 32, 33, 100] {
            for shift in 0..18 {
                let original: Vec<u8> = (0..160).map(|i| i as u8).collect();
                let mut buf = original.clone();
                // Forward, to a lower address (overlapping when shift < n).
                // SAFETY: 20..20+n and 20+shift..20+shift+n lie inside 160 bytes.
                unsafe { copy_forward(buf.as_mut_ptr().add(20), buf.as_ptr().add(20 + shift), n) };
                let mut want = original.clone();
                want.copy_within(20 + shift..20 + shift + n, 20);
                assert_eq!(buf, want, "forward n={n} shift={shift}");
                // Backward, to a higher address.
                let mut buf = original.clone();
                // SAFETY: as above.
                unsafe { copy_backward(buf.as_mut_ptr().add(20 + shift), buf.as_ptr().add(20), n) };
                let mut want = original.clone();
                want.copy_within(20..20 + n, 20 + shift);
                assert_eq!(buf, want, "backward n={n} shift={shift}");
                // Fill.
                let mut buf = original.clone();
                // SAFETY: 20+shift..20+shift+n lie inside 160 bytes.
                unsafe { fill(buf.as_mut_ptr().add(20 + shift), 0xA5, n) };
                let mut want = original.clone();
                want[20 + shift..20 + shift + n].fill(0xA5);
                assert_eq!(buf, want, "fill n={n} shift={shift}");
            }
        }
    }
}
