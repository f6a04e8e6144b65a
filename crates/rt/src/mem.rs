//! The C memory functions the compiler emits calls to. Copies and fills are assembly in
//! `verbosel-sys`, the only crate with it (`rep movsb` / `rep stosb` on x86_64, `ldp`/`stp`
//! loops on aarch64), which LLVM cannot recognise as `memcpy` and turn back into a call to
//! itself; the comparisons use volatile loads for the same reason. (The other way, `#![no_builtins]`, keeps a crate out of LTO, which then drops the
//! symbols it needs.)

// Unit tests run on the host with std, whose libc already provides these symbols; so do the
// `panic = "unwind"` builds that `cargo test` makes of binaries (see `entry!`).
#![cfg(all(not(test), panic = "abort"))]

use core::ptr::read_volatile;
use verbosel_sys::arch;

/// `void *memcpy(void *dest, const void *src, size_t n);`
///
/// # Safety
/// C contract: `dest` and `src` valid for `n` bytes and not overlapping.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcpy(dest: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    // SAFETY: non-overlapping ranges, per the C contract, are safe to copy forward.
    unsafe { arch::copy_forward(dest, src, n) };
    dest
}

/// `void *memmove(void *dest, const void *src, size_t n);`
///
/// # Safety
/// C contract: `dest` and `src` valid for `n` bytes; they may overlap.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memmove(dest: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    // SAFETY: copying forward is safe when dest is below src (or disjoint); otherwise copy
    // backward so no source byte is overwritten before it is read.
    unsafe {
        if (dest as usize) <= (src as usize) || (dest as usize) >= (src as usize) + n {
            arch::copy_forward(dest, src, n);
        } else {
            arch::copy_backward(dest, src, n);
        }
    }
    dest
}

/// `void *memset(void *s, int c, size_t n);`
///
/// # Safety
/// C contract: `s` valid for `n` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memset(s: *mut u8, c: i32, n: usize) -> *mut u8 {
    // SAFETY: the C contract makes the range writable.
    unsafe { arch::fill(s, c as u8, n) };
    s
}

/// `int memcmp(const void *s1, const void *s2, size_t n);`
///
/// # Safety
/// C contract: both valid for `n` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcmp(s1: *const u8, s2: *const u8, n: usize) -> i32 {
    let mut i = 0;
    // SAFETY: every read is below `n`.
    unsafe {
        while i < n {
            let (a, b) = (read_volatile(s1.add(i)), read_volatile(s2.add(i)));
            if a != b {
                return a as i32 - b as i32;
            }
            i += 1;
        }
    }
    0
}

/// `int bcmp(const void *s1, const void *s2, size_t n);` — equality only; LLVM emits it for `==`
/// on slices.
///
/// # Safety
/// C contract: both valid for `n` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bcmp(s1: *const u8, s2: *const u8, n: usize) -> i32 {
    // Its own loop, never a call to memcmp: LLVM rewrites `memcmp(..) != 0` into `bcmp(..)`,
    // which here would be a call to itself.
    let mut i = 0;
    // SAFETY: every read is below `n`.
    unsafe {
        while i < n {
            if read_volatile(s1.add(i)) != read_volatile(s2.add(i)) {
                return 1;
            }
            i += 1;
        }
    }
    0
}

/// `size_t strlen(const char *s);` — LLVM emits it for `CStr::from_ptr`.
///
/// # Safety
/// C contract: `s` is NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn strlen(s: *const u8) -> usize {
    let mut n = 0;
    // SAFETY: the string is NUL-terminated, so every read up to the NUL is valid.
    unsafe {
        while read_volatile(s.add(n)) != 0 {
            n += 1;
        }
    }
    n
}
