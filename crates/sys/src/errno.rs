//! The kernel's error numbers, decoded in one place (errno(3), asm-generic/errno-base.h).

use core::fmt;

/// A Linux error number, as the kernel returned it (`-errno` in the return register).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Errno(pub u16);

/// The result of a system call.
pub type Result<T> = core::result::Result<T, Errno>;

impl Errno {
    /// Operation not permitted.
    pub const EPERM: Errno = Errno(1);
    /// No such file or directory.
    pub const ENOENT: Errno = Errno(2);
    /// No such process.
    pub const ESRCH: Errno = Errno(3);
    /// Interrupted system call: a signal arrived; the caller decides whether to retry.
    pub const EINTR: Errno = Errno(4);
    /// Argument list too long; also a struct argument larger than the kernel knows, with non-zero bytes past its end (landlock_create_ruleset(2), openat2(2)).
    pub const E2BIG: Errno = Errno(7);
    /// Bad file descriptor.
    pub const EBADF: Errno = Errno(9);
    /// No child processes.
    pub const ECHILD: Errno = Errno(10);
    /// Try again: also what a read with SO_RCVTIMEO returns when the timeout expires (socket(7)).
    pub const EAGAIN: Errno = Errno(11);
    /// Out of memory.
    pub const ENOMEM: Errno = Errno(12);
    /// Permission denied.
    pub const EACCES: Errno = Errno(13);
    /// File exists (`O_CREAT | O_EXCL`).
    pub const EEXIST: Errno = Errno(17);
    /// Cross-device link; also what openat2(2) with `RESOLVE_BENEATH` returns for a path that would leave its directory.
    pub const EXDEV: Errno = Errno(18);
    /// Not a directory.
    pub const ENOTDIR: Errno = Errno(20);
    /// Is a directory.
    pub const EISDIR: Errno = Errno(21);
    /// Invalid argument.
    pub const EINVAL: Errno = Errno(22);
    /// The system-wide file table is full.
    pub const ENFILE: Errno = Errno(23);
    /// The process's file descriptor limit is reached.
    pub const EMFILE: Errno = Errno(24);
    /// File too large: past `RLIMIT_FSIZE` (once SIGXFSZ is not fatal), or a limit of ours.
    pub const EFBIG: Errno = Errno(27);
    /// No space left on device.
    pub const ENOSPC: Errno = Errno(28);
    /// Broken pipe: the peer closed (we never let SIGPIPE kill us).
    pub const EPIPE: Errno = Errno(32);
    /// File name too long.
    pub const ENAMETOOLONG: Errno = Errno(36);
    /// Function not implemented.
    pub const ENOSYS: Errno = Errno(38);
    /// Too many levels of symbolic links; also openat2(2)'s answer to a symbolic link or magic link that `RESOLVE_NO_SYMLINKS` / `RESOLVE_NO_MAGICLINKS` forbids.
    pub const ELOOP: Errno = Errno(40);
    /// No message of the desired type; also landlock_create_ruleset(2)'s answer to a ruleset
    /// that handles no right at all.
    pub const ENOMSG: Errno = Errno(42);
    /// Operation not supported (a Landlock the kernel has but was not enabled at boot).
    pub const EOPNOTSUPP: Errno = Errno(95);
    /// Address family not supported.
    pub const EAFNOSUPPORT: Errno = Errno(97);
    /// Address already in use.
    pub const EADDRINUSE: Errno = Errno(98);
    /// Cannot assign the requested address.
    pub const EADDRNOTAVAIL: Errno = Errno(99);
    /// The connection was aborted before accept() took it.
    pub const ECONNABORTED: Errno = Errno(103);
    /// Connection reset by peer.
    pub const ECONNRESET: Errno = Errno(104);
    /// No buffer space available.
    pub const ENOBUFS: Errno = Errno(105);
    /// Connection timed out.
    pub const ETIMEDOUT: Errno = Errno(110);
    /// Connection refused.
    pub const ECONNREFUSED: Errno = Errno(111);

    /// Decodes a raw return value: `-4095..=-1` is an error, anything else a value.
    #[inline(always)]
    pub fn check(raw: usize) -> Result<usize> {
        if raw > (-4096isize) as usize {
            Err(Errno((raw as isize).unsigned_abs() as u16))
        } else {
            Ok(raw)
        }
    }

    /// The symbolic name, for logs (`"EMFILE"`), or `"E?"` for numbers not listed here.
    pub fn name(self) -> &'static str {
        match self.0 {
            1 => "EPERM",
            2 => "ENOENT",
            3 => "ESRCH",
            4 => "EINTR",
            7 => "E2BIG",
            9 => "EBADF",
            10 => "ECHILD",
            11 => "EAGAIN",
            12 => "ENOMEM",
            13 => "EACCES",
            17 => "EEXIST",
            18 => "EXDEV",
            20 => "ENOTDIR",
            21 => "EISDIR",
            22 => "EINVAL",
            23 => "ENFILE",
            24 => "EMFILE",
            27 => "EFBIG",
            28 => "ENOSPC",
            32 => "EPIPE",
            36 => "ENAMETOOLONG",
            38 => "ENOSYS",
            40 => "ELOOP",
            42 => "ENOMSG",
            95 => "EOPNOTSUPP",
            97 => "EAFNOSUPPORT",
            98 => "EADDRINUSE",
            99 => "EADDRNOTAVAIL",
            103 => "ECONNABORTED",
            104 => "ECONNRESET",
            105 => "ENOBUFS",
            110 => "ETIMEDOUT",
            111 => "ECONNREFUSED",
            _ => "E?",
        }
    }
}

impl fmt::Debug for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}({})", self.name(), self.0)
    }
}

/// Retries `f` while it fails with `EINTR`. Explicit, never hidden inside a wrapper; never used
/// for `close` (on Linux the fd is gone even when close reports EINTR).
#[inline]
pub fn retry_on_intr<T>(mut f: impl FnMut() -> Result<T>) -> Result<T> {
    loop {
        match f() {
            Err(Errno::EINTR) => continue,
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_negative_errno_and_values() {
        assert_eq!(Errno::check(-4isize as usize), Err(Errno::EINTR));
        assert_eq!(Errno::check(-4095isize as usize), Err(Errno(4095)));
        assert_eq!(Errno::check(0), Ok(0));
        assert_eq!(Errno::check(-4096isize as usize), Ok(-4096isize as usize));
        assert_eq!(Errno::EMFILE.name(), "EMFILE");
    }
}
