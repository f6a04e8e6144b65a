//! Files, only at start-up (the sandbox forbids them in connection processes): openat(2), lseek(2).

use crate::arch::{self, Arg};
use crate::{BorrowedFd, OwnedFd, Result, nr};
use core::ffi::CStr;

const AT_FDCWD: isize = -100;
/// `O_RDONLY | O_CLOEXEC`.
pub const O_RDONLY_CLOEXEC: u32 = 0o2_000_000;
/// `O_RDWR | O_CLOEXEC`.
pub const O_RDWR_CLOEXEC: u32 = 0o2_000_002;

/// `int openat(AT_FDCWD, const char *path, int flags);`
pub fn open(path: &CStr, flags: u32) -> Result<OwnedFd> {
    // SAFETY: `path` is NUL-terminated and valid for the call; flags and mode are integers; the
    // kernel only reads the path.
    let fd = unsafe {
        arch::syscall4_readonly(
            nr::OPENAT,
            Arg::signed(AT_FDCWD),
            Arg::by_ref(path),
            Arg::int(flags as usize),
            Arg::int(0),
        )
    }
    .result()?;
    // SAFETY: openat succeeded: a new descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw(fd as i32) })
}

/// The size of an open file: `lseek(fd, 0, SEEK_END)`.
pub fn size(fd: BorrowedFd<'_>) -> Result<u64> {
    const SEEK_END: usize = 2;
    // SAFETY: integer arguments only.
    unsafe { arch::syscall3_readonly(nr::LSEEK, Arg::fd(fd), Arg::int(0), Arg::int(SEEK_END)) }
        .result()
        .map(|n| n as u64)
}

/// Whether `fd` is seekable (a regular file or a block device): `lseek(fd, 0, SEEK_CUR)`, which
/// fails with ESPIPE on pipes, sockets and terminals and does not move the offset.
pub fn is_seekable(fd: BorrowedFd<'_>) -> bool {
    const SEEK_CUR: usize = 1;
    // SAFETY: integer arguments only.
    unsafe { arch::syscall3_readonly(nr::LSEEK, Arg::fd(fd), Arg::int(0), Arg::int(SEEK_CUR)) }
        .result()
        .is_ok()
}
