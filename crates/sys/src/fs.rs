//! Files, only at start-up (the sandbox forbids them in connection processes): openat(2), lseek(2).

use crate::{BorrowedFd, Errno, OwnedFd, Result, arch, nr};
use core::ffi::CStr;

const AT_FDCWD: isize = -100;
/// `O_RDONLY | O_CLOEXEC`.
pub const O_RDONLY_CLOEXEC: u32 = 0o2_000_000;

/// `int openat(AT_FDCWD, const char *path, int flags);`
pub fn open(path: &CStr, flags: u32) -> Result<OwnedFd> {
    // SAFETY: `path` is NUL-terminated and valid for the call; flags and mode are integers.
    let fd = Errno::check(unsafe {
        arch::syscall4(
            nr::OPENAT,
            AT_FDCWD as usize,
            path.as_ptr() as usize,
            flags as usize,
            0,
        )
    })?;
    Ok(OwnedFd::from_raw(fd as i32))
}

/// The size of an open file: `lseek(fd, 0, SEEK_END)`.
pub fn size(fd: BorrowedFd<'_>) -> Result<u64> {
    const SEEK_END: usize = 2;
    // SAFETY: integer arguments only.
    Errno::check(unsafe { arch::syscall3(nr::LSEEK, fd.raw() as usize, 0, SEEK_END) })
        .map(|n| n as u64)
}

/// Whether `fd` is seekable (a regular file or a block device): `lseek(fd, 0, SEEK_CUR)`, which
/// fails with ESPIPE on pipes, sockets and terminals and does not move the offset.
pub fn is_seekable(fd: BorrowedFd<'_>) -> bool {
    const SEEK_CUR: usize = 1;
    // SAFETY: integer arguments only.
    Errno::check(unsafe { arch::syscall3(nr::LSEEK, fd.raw() as usize, 0, SEEK_CUR) }).is_ok()
}
