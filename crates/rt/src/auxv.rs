//! The auxiliary vector, for `getauxval(3)`: aarch64 binaries have a caller of it that no libc
//! answers.
//!
//! On aarch64, Rust compiles atomic operations to calls of compiler-builtins' helpers
//! (`__aarch64_cas4_acq` and friends, "outline atomics"), which use the ARMv8.1 LSE instructions
//! when a flag says the CPU has them and load/store-exclusive loops otherwise. The flag is set by
//! a constructor in `.init_array` that asks `getauxval(AT_HWCAP)`, so the linker needs the
//! symbol. verbosel runs no constructors (it has none of its own, and no libc to run them), so
//! the flag stays clear and every atomic takes the exclusive-loop path: correct on every ARMv8
//! core, and the few atomics verbosel makes (a flag set by a signal handler, the parent's
//! bookkeeping) are never contended enough for LSE to matter. The function below is still a real
//! `getauxval`, should anything call it.
//!
//! A test build links glibc, which has its own.
#![cfg(all(target_arch = "aarch64", not(test), panic = "abort"))]

use core::ffi::c_ulong;
use core::sync::atomic::{AtomicPtr, Ordering};

const AT_NULL: usize = 0;

/// The auxiliary vector the kernel passed, once start-up has recorded it.
static AUXV: AtomicPtr<usize> = AtomicPtr::new(core::ptr::null_mut());

/// Records where the auxiliary vector is.
///
/// # Safety
/// `auxv` is the kernel's auxiliary vector: (type, value) pairs ending with `AT_NULL`, which
/// live as long as the process.
pub(crate) unsafe fn record(auxv: *const usize) {
    AUXV.store(auxv.cast_mut(), Ordering::Relaxed);
}

/// `unsigned long getauxval(unsigned long type);`: the value of entry `kind`, or 0 when there is
/// none (glibc then also sets errno to ENOENT; there is no errno here).
#[unsafe(no_mangle)]
pub extern "C" fn getauxval(kind: c_ulong) -> c_ulong {
    let mut aux = AUXV.load(Ordering::Relaxed).cast_const();
    if aux.is_null() {
        return 0;
    }
    // SAFETY: `record`'s contract: pairs ending with AT_NULL, alive for the whole process.
    unsafe {
        while *aux != AT_NULL {
            if *aux == kind as usize {
                return *aux.add(1) as c_ulong;
            }
            aux = aux.add(2);
        }
    }
    0
}
