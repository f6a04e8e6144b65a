//! File descriptors with ownership: an [`OwnedFd`] closes on drop; a [`BorrowedFd`] cannot outlive it.

use crate::{arch, nr};
use core::marker::PhantomData;

/// A file descriptor this process owns; closed when dropped.
#[derive(Debug, PartialEq, Eq)]
pub struct OwnedFd(i32);

/// A file descriptor borrowed from an owner for `'a`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BorrowedFd<'a> {
    raw: i32,
    owner: PhantomData<&'a OwnedFd>,
}

impl OwnedFd {
    /// Takes ownership of a descriptor the kernel just returned, or one inherited by convention
    /// (the standard streams; systemd's `LISTEN_FDS` from fd 3 on, sd_listen_fds(3)).
    pub fn from_raw(raw: i32) -> OwnedFd {
        OwnedFd(raw)
    }

    /// Borrows the descriptor.
    #[inline]
    pub fn as_fd(&self) -> BorrowedFd<'_> {
        BorrowedFd {
            raw: self.0,
            owner: PhantomData,
        }
    }

    /// The raw number, for logs and for passing across exec.
    pub fn raw(&self) -> i32 {
        self.0
    }

    /// Gives up ownership without closing (the descriptor stays open).
    pub fn into_raw(self) -> i32 {
        let raw = self.0;
        core::mem::forget(self);
        raw
    }
}

impl Drop for OwnedFd {
    fn drop(&mut self) {
        // close(2): never retried, even on EINTR — on Linux the descriptor is released regardless.
        // SAFETY: close takes an integer; we own the descriptor and never use it again.
        unsafe { arch::syscall1(nr::CLOSE, self.0 as usize) };
    }
}

impl BorrowedFd<'static> {
    /// Standard input.
    pub const STDIN: BorrowedFd<'static> = BorrowedFd {
        raw: 0,
        owner: PhantomData,
    };
    /// Standard output: the access log.
    pub const STDOUT: BorrowedFd<'static> = BorrowedFd {
        raw: 1,
        owner: PhantomData,
    };
    /// Standard error: start-up messages and errors.
    pub const STDERR: BorrowedFd<'static> = BorrowedFd {
        raw: 2,
        owner: PhantomData,
    };
}

impl BorrowedFd<'static> {
    /// Borrows a descriptor by number for the rest of the process: for a panic handler that must
    /// answer on the connection it finds in a global. Closing it elsewhere is an I/O error, not
    /// memory unsafety (the kernel checks every fd it is given).
    pub const fn borrow_raw(raw: i32) -> BorrowedFd<'static> {
        BorrowedFd {
            raw,
            owner: PhantomData,
        }
    }
}

impl BorrowedFd<'_> {
    /// The raw number.
    #[inline]
    pub fn raw(self) -> i32 {
        self.raw
    }
}

/// Closes a descriptor this process holds a copy of but whose owner will never run again here:
/// a forked child closing the parent's listener before it serves, never returning to the scope
/// that owns it. Elsewhere, drop the [`OwnedFd`].
pub fn close_inherited(fd: BorrowedFd<'_>) {
    // SAFETY: close takes an integer; the caller never uses `fd` again in this process.
    unsafe { arch::syscall1(nr::CLOSE, fd.raw() as usize) };
}

/// Sets or clears `O_NONBLOCK` on a descriptor (fcntl(2) `F_GETFL`/`F_SETFL`).
pub fn set_nonblocking(fd: BorrowedFd<'_>, on: bool) -> crate::Result<()> {
    const F_GETFL: usize = 3;
    const F_SETFL: usize = 4;
    const O_NONBLOCK: usize = 0o4_000;
    // SAFETY: integer arguments only.
    let flags =
        crate::Errno::check(unsafe { arch::syscall2(nr::FCNTL, fd.raw() as usize, F_GETFL) })?;
    let flags = if on {
        flags | O_NONBLOCK
    } else {
        flags & !O_NONBLOCK
    };
    // SAFETY: integer arguments only.
    crate::Errno::check(unsafe { arch::syscall3(nr::FCNTL, fd.raw() as usize, F_SETFL, flags) })
        .map(drop)
}
