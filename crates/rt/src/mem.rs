//! The C memory functions the compiler emits calls to. Their loops use volatile accesses so that
//! LLVM cannot recognise them as `memcpy` and turn them back into calls to themselves. (The other
//! way, `#![no_builtins]`, keeps a crate out of LTO, which then drops the symbols it needs.)
//!
//! Copies move eight bytes at a time when source and destination share an alignment: response
//! headers and request buffers are small, and the landing page is never copied (it goes to the
//! kernel straight from `.rodata`).

// Unit tests run on the host with std, whose libc already provides these symbols; so do the
// `panic = "unwind"` builds that `cargo test` makes of binaries (see `entry!`).
#![cfg(all(not(test), panic = "abort"))]

use core::ptr::{read_volatile, write_volatile};

/// `void *memcpy(void *dest, const void *src, size_t n);`
///
/// # Safety
/// C contract: `dest` and `src` valid for `n` bytes and not overlapping.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcpy(dest: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    // SAFETY: forward copy is correct for non-overlapping ranges, per the C contract.
    unsafe { copy_forward(dest, src, n) };
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
            copy_forward(dest, src, n);
        } else {
            let mut i = n;
            while i > 0 {
                i -= 1;
                write_volatile(dest.add(i), read_volatile(src.add(i)));
            }
        }
    }
    dest
}

/// # Safety
/// `dest` and `src` valid for `n` bytes; `dest` not inside `src + 1 .. src + n`.
#[inline(always)]
unsafe fn copy_forward(dest: *mut u8, src: *const u8, n: usize) {
    let mut i = 0;
    // SAFETY: every access is below `n`; word accesses happen only at addresses that are 8-byte
    // aligned for both pointers (same misalignment, head bytes copied first).
    unsafe {
        if (dest as usize) % 8 == (src as usize) % 8 {
            while i < n && (dest as usize + i) % 8 != 0 {
                write_volatile(dest.add(i), read_volatile(src.add(i)));
                i += 1;
            }
            while i + 8 <= n {
                write_volatile(
                    dest.add(i) as *mut u64,
                    read_volatile(src.add(i) as *const u64),
                );
                i += 8;
            }
        }
        while i < n {
            write_volatile(dest.add(i), read_volatile(src.add(i)));
            i += 1;
        }
    }
}

/// `void *memset(void *s, int c, size_t n);`
///
/// # Safety
/// C contract: `s` valid for `n` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memset(s: *mut u8, c: i32, n: usize) -> *mut u8 {
    let b = c as u8;
    // Not `[b; 8]`: an array repeat is itself compiled to a memset call in debug builds.
    let w = (b as u64) * 0x0101_0101_0101_0101;
    let mut i = 0;
    // SAFETY: every write is below `n`; word writes are 8-byte aligned.
    unsafe {
        while i < n && (s as usize + i) % 8 != 0 {
            write_volatile(s.add(i), b);
            i += 1;
        }
        while i + 8 <= n {
            write_volatile(s.add(i) as *mut u64, w);
            i += 8;
        }
        while i < n {
            write_volatile(s.add(i), b);
            i += 1;
        }
    }
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
