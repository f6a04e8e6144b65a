//! Memory mapped once at start-up and kept for the life of the process, for data that every
//! connection process reads and none writes: a file mapped read-only (the executable, to serve
//! the archive appended to it) and zeroed memory the parent fills before the first fork. Each is
//! handed out as a `'static` slice because it is never unmapped.

use crate::arch::{self, Arg};
use crate::{BorrowedFd, Result, nr};

const PROT_READ: usize = 0x1;
const PROT_READ_WRITE: usize = 0x1 | 0x2;
const MAP_PRIVATE: usize = 0x02;
const MAP_SHARED_ANONYMOUS: usize = 0x01 | 0x20;

/// `mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0)`: the first `len` bytes of an open file,
/// read-only, for the rest of the process's life (children forked later share the pages).
///
/// Meant for the running executable (`/proc/self/exe`): Linux refuses to open a file that is
/// being executed for writing (ETXTBSY, execve(2)), so the bytes cannot change under the
/// reader. `len` must not exceed the file's size (bytes past its end would fault with SIGBUS).
/// An empty file gives an empty slice without a mapping (mmap(2) refuses a length of 0).
pub fn file_readonly(fd: BorrowedFd<'_>, len: usize) -> Result<&'static [u8]> {
    if len == 0 {
        return Ok(&[]);
    }
    // SAFETY: a new mapping at an address the kernel picks; no existing memory is touched.
    let addr = unsafe {
        arch::syscall6(
            nr::MMAP,
            Arg::NULL,
            Arg::int(len),
            Arg::int(PROT_READ),
            Arg::int(MAP_PRIVATE),
            Arg::fd(fd),
            Arg::int(0),
        )
    }
    .pointer()?;
    // SAFETY: `len` readable bytes at `addr` (any byte value is a valid u8), never unmapped and
    // never written through (PROT_READ); the file cannot be written while it is executed (see
    // above), so nothing changes them behind this shared reference.
    Ok(unsafe { core::slice::from_raw_parts(addr.cast::<u8>(), len) })
}

/// `n` zeroed bytes of shared anonymous memory, kept for good: the parent fills them before it
/// forks, and every child reads the same pages.
///
/// Shared rather than private although no child writes: fork(2) copies the page-table entries
/// of private memory the parent has written, so a private 10 MB table cost every connection
/// process about 28 KiB of page tables (bench/run.sh, `verbosel-zip10m`); the entries of a
/// shared mapping are not copied, and a child faults in only the pages it reads.
pub fn zeroed_bytes(n: usize) -> Result<&'static mut [u8]> {
    let addr = anonymous(n)?;
    // SAFETY: `n` bytes of a fresh zero-filled writable mapping that nothing else refers to and
    // that is never unmapped: a unique `'static` borrow is sound. Other processes see it only
    // after a fork, in which the caller keeps no other live reference to it (the child's copy
    // of the borrow is its own). (n = 0: a dangling, aligned, empty slice.)
    Ok(unsafe { core::slice::from_raw_parts_mut(addr.cast::<u8>(), n) })
}

/// [`zeroed_bytes`] as `n` 64-bit words (zero is a valid `u64`; mappings are page-aligned).
pub fn zeroed_words(n: usize) -> Result<&'static mut [u64]> {
    let bytes = n.checked_mul(8).ok_or(crate::Errno::ENOMEM)?;
    let addr = anonymous(bytes)?;
    // SAFETY: as in `zeroed_bytes`, with `n * 8` bytes at a page-aligned (so 8-aligned) address.
    Ok(unsafe { core::slice::from_raw_parts_mut(addr.cast::<u64>(), n) })
}

/// A fresh anonymous mapping of `len` bytes, or a dangling aligned pointer for `len == 0`.
fn anonymous(len: usize) -> Result<*mut u8> {
    if len == 0 {
        return Ok(core::ptr::NonNull::<u64>::dangling().as_ptr().cast());
    }
    // SAFETY: a new anonymous mapping at an address the kernel picks; no memory is touched.
    let addr = unsafe {
        arch::syscall6(
            nr::MMAP,
            Arg::NULL,
            Arg::int(len),
            Arg::int(PROT_READ_WRITE),
            Arg::int(MAP_SHARED_ANONYMOUS),
            Arg::signed(-1),
            Arg::int(0),
        )
    }
    .pointer()?;
    Ok(addr.cast())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_file_is_mapped_whole_and_memory_comes_zeroed() {
        let path = std::env::temp_dir().join(format!("verbosel-mapped-{}", std::process::id()));
        std::fs::write(&path, b"0123456789").unwrap();
        let c = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
        let fd = crate::fs::open(&c, crate::fs::O_RDONLY_CLOEXEC).unwrap();
        let bytes = super::file_readonly(fd.as_fd(), 10).unwrap();
        let _ = std::fs::remove_file(&path);
        assert_eq!(bytes, b"0123456789");
        assert!(super::file_readonly(fd.as_fd(), 0).unwrap().is_empty());
        let b = super::zeroed_bytes(5000).unwrap();
        assert!(b.iter().all(|&x| x == 0));
        b[4999] = 1;
        let w = super::zeroed_words(1000).unwrap();
        assert!(w.iter().all(|&x| x == 0));
        w[999] = 7;
        assert!(super::zeroed_words(0).unwrap().is_empty());
        assert!(super::zeroed_words(usize::MAX).is_err());
    }
}
