//! File descriptors with ownership (I/O safety, as std's `std::os::fd` and rustix have it): an
//! [`OwnedFd`] is the one owner of an open descriptor and closes it when dropped; a
//! [`BorrowedFd`] cannot outlive its owner.
//!
//! Safe code gets descriptors only from the calls that create them (`socket`, `accept4`, `pipe2`,
//! `open`), so it can neither close nor act on a descriptor it does not own. Turning a raw number
//! into an owner or a borrow, and closing a raw number, are `unsafe`: the caller promises what
//! the type would otherwise prove. The descriptors a process inherits have their own honest
//! constructors: the standard streams below, and systemd's socket in `verbosel_rt`.

use crate::arch::{self, Arg};
use crate::{Result, nr};
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
    /// Takes ownership of a raw descriptor: the kernel's return value from a call that creates
    /// one, or a descriptor inherited at start-up that nothing has claimed.
    ///
    /// # Safety
    /// `raw` must be open, and nothing else may own it: it is closed when the result is dropped,
    /// so any other owner would close (or use) a number that may by then name another file.
    ///
    /// ```compile_fail,E0133
    /// // Safe code cannot make an owner out of a number (error: call to unsafe function).
    /// let stdout = verbosel_sys::OwnedFd::from_raw(1);
    /// ```
    #[inline]
    pub unsafe fn from_raw(raw: i32) -> OwnedFd {
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

    /// The raw number, for logs.
    pub fn raw(&self) -> i32 {
        self.0
    }

    /// Gives up ownership without closing: the descriptor stays open for the rest of the process
    /// (safe, as leaking memory is: nothing can close it without an owner).
    pub fn into_raw(self) -> i32 {
        let raw = self.0;
        core::mem::forget(self);
        raw
    }

    /// Keeps the descriptor open for the rest of the process and borrows it for as long: no
    /// owner is left that could close it (a folder opened at start-up, used by every
    /// connection process).
    pub fn leak(self) -> BorrowedFd<'static> {
        let raw = self.into_raw();
        // SAFETY: `raw` was open and owned by `self`, whose ownership ends here without a
        // close; safe code can close only through an owner, and none exists any more, so it
        // stays open for the life of the process (the same argument as `STDIN`'s below).
        unsafe { BorrowedFd::borrow_raw(raw) }
    }
}

impl Drop for OwnedFd {
    fn drop(&mut self) {
        // SAFETY: we own the descriptor and this is its last use.
        unsafe { close(self.0) };
    }
}

/// `int close(int fd);` — never retried, even on EINTR: on Linux the descriptor is released
/// regardless (close(2), "Dealing with error returns"). Dropping an [`OwnedFd`] calls this.
///
/// # Safety
/// `raw` must be open and owned by the caller, and never used again: another owner (or a later
/// call that reuses the number) would otherwise act on whatever file the number names next.
///
/// ```compile_fail,E0133
/// // Safe code cannot close a number it does not own (error: call to unsafe function).
/// verbosel_sys::fd::close(0);
/// ```
pub unsafe fn close(raw: i32) {
    // SAFETY: an integer argument; the caller owns the descriptor. close writes no memory of ours.
    let _ = unsafe { arch::syscall1_readonly(nr::CLOSE, Arg::signed(raw as isize)) };
}

/// The standard streams, borrowed for the whole process.
///
/// Honest because the start-up code makes them so: a process started by `verbosel_rt` (or by
/// std's runtime, for tests) opens `/dev/null` on any of 0, 1, 2 found closed before `main`
/// ([`open_standard_streams`]), and nothing can close them afterwards: closing takes an owner,
/// safe code gets owners only of descriptors the kernel creates, and the kernel never hands out
/// a number that is still open.
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

impl<'a> BorrowedFd<'a> {
    /// Borrows a raw descriptor for `'a`.
    ///
    /// # Safety
    /// `raw` must be open, and stay open (its owner must not close it) for all of `'a`.
    ///
    /// ```compile_fail,E0133
    /// // Safe code cannot borrow a number either (error: call to unsafe function).
    /// let fd = verbosel_sys::BorrowedFd::borrow_raw(7);
    /// ```
    #[inline]
    pub const unsafe fn borrow_raw(raw: i32) -> BorrowedFd<'a> {
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

/// Which of the descriptors `0..N` are open: one ppoll(2) with a zero timeout, in which a number
/// that is not open reports `POLLNVAL` (poll(2)). For start-up, before the process has created a
/// descriptor of its own: what is open then was inherited.
pub fn which_open<const N: usize>() -> Result<[bool; N]> {
    const POLLNVAL: i16 = 0x20;
    let mut fds = [crate::signal::PollFd::EMPTY; N];
    for (n, p) in (0i32..).zip(fds.iter_mut()) {
        p.fd = n;
    }
    let zero = crate::time::Timespec::default();
    // SAFETY: `fds` is an array of N pollfds the kernel may write revents into; `zero` is a valid
    // timespec; no signal mask (NULL) is passed. Asking about numbers acts on no descriptor.
    unsafe {
        arch::syscall4(
            nr::PPOLL,
            Arg::by_mut(&mut fds),
            Arg::int(N),
            Arg::by_ref(&zero),
            Arg::NULL,
        )
    }
    .result()?;
    Ok(fds.map(|p| p.revents & POLLNVAL == 0))
}

/// Opens `/dev/null` on every standard stream (0, 1, 2) that `open` (from [`which_open`]) says
/// is closed, so that the [`BorrowedFd::STDOUT`]-style constants never name a descriptor the
/// process opens later (std's runtime, and glibc for set-user-ID programs, do the same). Called by
/// `verbosel_rt` at start-up, before `main`.
pub fn open_standard_streams(open: [bool; 3]) -> Result<()> {
    for is_open in open {
        if !is_open {
            // open(2) returns the lowest free number: the lowest closed standard stream, since
            // the ones below it are open by now. It stays open for the process's life.
            let fd = crate::fs::open(c"/dev/null", crate::fs::O_RDWR_CLOEXEC)?;
            let _ = fd.into_raw();
        }
    }
    Ok(())
}

/// Sets or clears `O_NONBLOCK` on a descriptor (fcntl(2) `F_GETFL`/`F_SETFL`).
pub fn set_nonblocking(fd: BorrowedFd<'_>, on: bool) -> Result<()> {
    const F_GETFL: usize = 3;
    const F_SETFL: usize = 4;
    const O_NONBLOCK: usize = 0o4_000;
    // SAFETY: integer arguments only; the descriptor is borrowed, so open.
    let flags =
        unsafe { arch::syscall2_readonly(nr::FCNTL, Arg::fd(fd), Arg::int(F_GETFL)) }.result()?;
    let flags = if on {
        flags | O_NONBLOCK
    } else {
        flags & !O_NONBLOCK
    };
    // SAFETY: integer arguments only.
    unsafe { arch::syscall3_readonly(nr::FCNTL, Arg::fd(fd), Arg::int(F_SETFL), Arg::int(flags)) }
        .result()
        .map(drop)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_standard_streams_are_open_under_the_test_runtime() {
        // std's runtime opened /dev/null on any closed one, as verbosel_rt does.
        assert_eq!(super::which_open::<3>(), Ok([true; 3]));
        assert_eq!(super::open_standard_streams([true; 3]), Ok(()));
    }

    #[test]
    fn which_open_sees_descriptors_this_process_created() {
        let (r, w) = crate::io::pipe2(crate::io::O_CLOEXEC).unwrap();
        assert!(r.raw() < 64 && w.raw() < 64);
        let open = super::which_open::<64>().unwrap();
        assert!(open[r.raw() as usize] && open[w.raw() as usize]);
    }
}
