//! x86_64 Linux system call convention (see syscall(2), "Architecture calling conventions"):
//! the number goes in `rax`; arguments in `rdi`, `rsi`, `rdx`, `r10`, `r8`, `r9`; the `syscall`
//! instruction clobbers `rcx` (return address) and `r11` (saved flags, restored on return);
//! the result comes back in `rax`.
#![allow(missing_docs)]

use core::arch::asm;

/// # Safety
/// The caller must uphold the contract of syscall `nr` (valid pointers, lengths, fds).
#[inline(always)]
pub unsafe fn syscall0(nr: usize) -> usize {
    let ret;
    // SAFETY: the caller upholds the syscall's contract; the asm only touches declared registers.
    unsafe {
        asm!("syscall", inlateout("rax") nr => ret, lateout("rcx") _, lateout("r11") _,
             options(nostack, preserves_flags));
    }
    ret
}

/// # Safety
/// The caller must uphold the contract of syscall `nr`.
#[inline(always)]
pub unsafe fn syscall1(nr: usize, a0: usize) -> usize {
    let ret;
    // SAFETY: as for `syscall0`.
    unsafe {
        asm!("syscall", inlateout("rax") nr => ret, in("rdi") a0, lateout("rcx") _,
             lateout("r11") _, options(nostack, preserves_flags));
    }
    ret
}

/// # Safety
/// The caller must uphold the contract of syscall `nr`.
#[inline(always)]
pub unsafe fn syscall2(nr: usize, a0: usize, a1: usize) -> usize {
    let ret;
    // SAFETY: as for `syscall0`.
    unsafe {
        asm!("syscall", inlateout("rax") nr => ret, in("rdi") a0, in("rsi") a1,
             lateout("rcx") _, lateout("r11") _, options(nostack, preserves_flags));
    }
    ret
}

/// # Safety
/// The caller must uphold the contract of syscall `nr`.
#[inline(always)]
pub unsafe fn syscall3(nr: usize, a0: usize, a1: usize, a2: usize) -> usize {
    let ret;
    // SAFETY: as for `syscall0`.
    unsafe {
        asm!("syscall", inlateout("rax") nr => ret, in("rdi") a0, in("rsi") a1, in("rdx") a2,
             lateout("rcx") _, lateout("r11") _, options(nostack, preserves_flags));
    }
    ret
}

/// # Safety
/// The caller must uphold the contract of syscall `nr`.
#[inline(always)]
pub unsafe fn syscall4(nr: usize, a0: usize, a1: usize, a2: usize, a3: usize) -> usize {
    let ret;
    // SAFETY: as for `syscall0`.
    unsafe {
        asm!("syscall", inlateout("rax") nr => ret, in("rdi") a0, in("rsi") a1, in("rdx") a2,
             in("r10") a3, lateout("rcx") _, lateout("r11") _, options(nostack, preserves_flags));
    }
    ret
}

/// # Safety
/// The caller must uphold the contract of syscall `nr`.
#[inline(always)]
pub unsafe fn syscall5(nr: usize, a0: usize, a1: usize, a2: usize, a3: usize, a4: usize) -> usize {
    let ret;
    // SAFETY: as for `syscall0`.
    unsafe {
        asm!("syscall", inlateout("rax") nr => ret, in("rdi") a0, in("rsi") a1, in("rdx") a2,
             in("r10") a3, in("r8") a4, lateout("rcx") _, lateout("r11") _,
             options(nostack, preserves_flags));
    }
    ret
}

/// # Safety
/// The caller must uphold the contract of syscall `nr`.
#[inline(always)]
pub unsafe fn syscall6(
    nr: usize,
    a0: usize,
    a1: usize,
    a2: usize,
    a3: usize,
    a4: usize,
    a5: usize,
) -> usize {
    let ret;
    // SAFETY: as for `syscall0`.
    unsafe {
        asm!("syscall", inlateout("rax") nr => ret, in("rdi") a0, in("rsi") a1, in("rdx") a2,
             in("r10") a3, in("r8") a4, in("r9") a5, lateout("rcx") _, lateout("r11") _,
             options(nostack, preserves_flags));
    }
    ret
}

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
    core::arch::naked_asm!("mov eax, 15", "syscall", "ud2")
}

/// Emits the process entry point `_start`, which calls `$entry(sp)` with the initial stack pointer.
///
/// At entry the kernel leaves `rsp` pointing at `argc` (see the picture in `verbosel_rt::start`).
/// `_start` clears the frame pointer (the outermost frame, per the x86-64 psABI §3.4.1), passes `rsp`
/// in `rdi`, realigns the stack to 16 bytes so the `call` leaves it ABI-aligned, and calls `$entry`,
/// which never returns.
#[doc(hidden)]
#[macro_export]
macro_rules! start_trampoline {
    ($entry:path) => {
        #[unsafe(naked)]
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn _start() -> ! {
            ::core::arch::naked_asm!(
                "xor ebp, ebp",
                "mov rdi, rsp",
                "and rsp, -16",
                "call {entry}",
                "ud2",
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_instructions_copy_move_and_fill() {
        let mut buf: Vec<u8> = (0..64).collect();
        // Overlapping move to a higher address must copy backward.
        unsafe { copy_backward(buf.as_mut_ptr().add(8), buf.as_ptr(), 40) };
        assert_eq!(&buf[8..48], &(0..40).collect::<Vec<u8>>()[..]);
        assert_eq!(&buf[..8], &(0..8).collect::<Vec<u8>>()[..]);
        // Overlapping move to a lower address is a forward copy.
        let mut buf: Vec<u8> = (0..64).collect();
        unsafe { copy_forward(buf.as_mut_ptr(), buf.as_ptr().add(8), 40) };
        assert_eq!(&buf[..40], &(8..48).collect::<Vec<u8>>()[..]);
        unsafe { fill(buf.as_mut_ptr().add(3), 0xAB, 5) };
        assert_eq!(&buf[2..9], &[10, 0xAB, 0xAB, 0xAB, 0xAB, 0xAB, 16]);
        unsafe { copy_backward(buf.as_mut_ptr(), buf.as_ptr(), 0) };
    }
}
