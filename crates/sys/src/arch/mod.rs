//! The architecture layer: raw syscall entry points, naked trampolines, and what start-up needs to
//! know about the architecture's ELF (its machine number, its relative relocation type).
//!
//! Exactly one submodule is compiled, chosen by `target_arch`; it provides `syscall0`..`syscall6`
//! and their `_readonly` variants, `exit_group`, the signal restorer `restore_rt`, the
//! `start_trampoline!` macro that emits a naked `_start`, the relocator's `relocation_load` and
//! `relocation_store`, the memory functions' `copy_forward`, `copy_backward` and `fill`, and the
//! constants `ELF_MACHINE`, `R_RELATIVE` and `VDSO_CLOCK_GETTIME`. Two architectures: x86_64
//! and aarch64 (their system call numbers are in `nr`). The argument and return types below are
//! shared by both.

use crate::{BorrowedFd, Errno, Result};
use core::ffi::c_void;
use core::marker::PhantomData;

#[cfg(target_arch = "aarch64")]
mod aarch64;
#[cfg(target_arch = "aarch64")]
pub use aarch64::*;
#[cfg(target_arch = "x86_64")]
mod x86_64;
#[cfg(target_arch = "x86_64")]
pub use x86_64::*;

#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
compile_error!("verbosel supports x86_64 and aarch64 Linux (see crates/sys/src/arch/mod.rs)");

/// One argument register of a system call.
///
/// It holds a pointer, as rustix's `ArgReg` does: an address handed to the kernel stays a
/// pointer all the way into the `asm!`, so the compiler sees the kernel receive the pointer (and
/// its provenance), not an integer it was cast to. Plain numbers are pointers without provenance.
/// The lifetime ties the argument to the borrow it was made from: an `Arg` naming a buffer cannot
/// outlive the buffer.
#[repr(transparent)]
#[derive(Clone, Copy)]
pub struct Arg<'a> {
    reg: *mut c_void,
    borrow: PhantomData<&'a ()>,
}

impl<'a> Arg<'a> {
    /// A number (flags, a length, a count): no memory.
    #[inline(always)]
    pub const fn int(n: usize) -> Arg<'static> {
        Arg {
            reg: core::ptr::without_provenance_mut(n),
            borrow: PhantomData,
        }
    }

    /// A signed number, sign-extended to the register as the kernel reads it (`-1` for "any
    /// child", `AT_FDCWD`).
    #[inline(always)]
    pub const fn signed(n: isize) -> Arg<'static> {
        Arg::int(n as usize)
    }

    /// The null pointer ("no such argument" to the kernel).
    pub const NULL: Arg<'static> = Arg::int(0);

    /// A descriptor, borrowed for as long as the argument lives.
    #[inline(always)]
    pub fn fd(fd: BorrowedFd<'a>) -> Arg<'a> {
        Arg::signed(fd.raw() as isize)
    }

    /// Memory the kernel only reads (a buffer to write out, a `struct sockaddr` to bind to).
    #[inline(always)]
    pub fn by_ref<T: ?Sized>(r: &'a T) -> Arg<'a> {
        Arg {
            reg: (r as *const T).cast_mut().cast(),
            borrow: PhantomData,
        }
    }

    /// Memory the kernel may write (a buffer to read into, a status word).
    #[inline(always)]
    pub fn by_mut<T: ?Sized>(r: &'a mut T) -> Arg<'a> {
        Arg {
            reg: (r as *mut T).cast(),
            borrow: PhantomData,
        }
    }

    /// An address that no Rust reference covers (a mapping the kernel just made). Making one is
    /// safe; passing it to a syscall is the caller's `unsafe` promise, as for every argument.
    #[inline(always)]
    pub fn raw<T>(p: *mut T) -> Arg<'a> {
        Arg {
            reg: p.cast(),
            borrow: PhantomData,
        }
    }

    /// The register's value, for the `asm!` operand.
    #[inline(always)]
    fn reg(self) -> *mut c_void {
        self.reg
    }
}

/// The return register of a system call: a value, an address (mmap), or `-errno` in
/// `-4095..=-1`. Kept as a pointer for the address case; read it with one of its methods.
#[repr(transparent)]
#[derive(Clone, Copy, Debug)]
#[must_use]
pub struct Ret(*mut c_void);

impl Ret {
    /// The value, or the error the kernel returned.
    #[inline(always)]
    pub fn result(self) -> Result<usize> {
        Errno::check(self.0.addr())
    }

    /// The returned address (mmap(2)), or the error.
    #[inline(always)]
    pub fn pointer(self) -> Result<*mut c_void> {
        self.result().map(|_| self.0)
    }

    /// The value of a call that cannot fail (getpid(2)).
    #[inline(always)]
    pub fn value(self) -> usize {
        self.0.addr()
    }
}
