//! read(2), write(2), writev(2), shutdown(2)-free plain I/O.

use crate::arch::{self, Arg};
use crate::{BorrowedFd, Errno, OwnedFd, Result, nr};
use core::marker::PhantomData;

/// `ssize_t read(int fd, void *buf, size_t count);`
#[inline]
pub fn read(fd: BorrowedFd<'_>, buf: &mut [u8]) -> Result<usize> {
    let len = buf.len();
    // SAFETY: the kernel writes at most `len` bytes into memory we exclusively borrow.
    unsafe { arch::syscall3(nr::READ, Arg::fd(fd), Arg::by_mut(buf), Arg::int(len)) }.result()
}

/// `ssize_t write(int fd, const void *buf, size_t count);`
#[inline]
pub fn write(fd: BorrowedFd<'_>, buf: &[u8]) -> Result<usize> {
    // SAFETY: the kernel reads at most `buf.len()` bytes from memory we borrow, and writes none.
    unsafe {
        arch::syscall3_readonly(
            nr::WRITE,
            Arg::fd(fd),
            Arg::by_ref(buf),
            Arg::int(buf.len()),
        )
    }
    .result()
}

/// Writes what one write(2) takes of `buf` and ignores the outcome. Inlined all the way down to
/// the `syscall` instruction, so it calls no function: the relocator's messages use it, before a
/// function of another crate can be reached (debug builds call those through the GOT, which the
/// relocator has yet to fill in).
#[inline(always)]
pub fn write_before_relocation(fd: BorrowedFd<'_>, buf: &[u8]) {
    // SAFETY: the kernel reads at most `buf.len()` bytes from memory we borrow, and writes none.
    let _ = unsafe {
        arch::syscall3_readonly(
            nr::WRITE,
            Arg::fd(fd),
            Arg::by_ref(buf),
            Arg::int(buf.len()),
        )
    };
}

/// `O_NONBLOCK` for [`pipe2`].
pub const O_NONBLOCK: u32 = 0o4_000;
/// `O_CLOEXEC` for [`pipe2`].
pub const O_CLOEXEC: u32 = 0o2_000_000;

/// `int pipe2(int pipefd[2], int flags);` — returns (read end, write end).
pub fn pipe2(flags: u32) -> Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0i32; 2];
    // SAFETY: the kernel writes two ints into `fds`.
    unsafe { arch::syscall2(nr::PIPE2, Arg::by_mut(&mut fds), Arg::int(flags as usize)) }
        .result()?;
    // SAFETY: pipe2 succeeded: both numbers are new descriptors that nothing else owns.
    Ok(unsafe { (OwnedFd::from_raw(fds[0]), OwnedFd::from_raw(fds[1])) })
}

/// `int dup3(int oldfd, int newfd, int flags);` with no flags: makes `target` refer to the open
/// file description of `fd` (closing what `target` referred to), for this process only.
pub fn dup_onto(fd: BorrowedFd<'_>, target: BorrowedFd<'_>) -> Result<()> {
    // SAFETY: integer arguments only; `target` stays open (now on `fd`'s description).
    unsafe { arch::syscall3_readonly(nr::DUP3, Arg::fd(fd), Arg::fd(target), Arg::int(0)) }
        .result()
        .map(drop)
}

/// Writes all of `buf`, retrying short writes and EINTR.
pub fn write_all(fd: BorrowedFd<'_>, mut buf: &[u8]) -> Result<()> {
    while !buf.is_empty() {
        match write(fd, buf) {
            Ok(0) => return Err(Errno::EPIPE),
            // The kernel never reports more than it was given; `get` says so without a panic path.
            Ok(n) => buf = buf.get(n..).unwrap_or_default(),
            Err(Errno::EINTR) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// One buffer of a gather write, laid out as the kernel's `struct iovec`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct IoSlice<'a> {
    base: *const u8,
    len: usize,
    data: PhantomData<&'a [u8]>,
}

impl<'a> IoSlice<'a> {
    /// Wraps a byte slice.
    #[inline]
    pub const fn new(buf: &'a [u8]) -> IoSlice<'a> {
        IoSlice {
            base: buf.as_ptr(),
            len: buf.len(),
            data: PhantomData,
        }
    }

    /// An empty slice, for filling arrays.
    pub const EMPTY: IoSlice<'static> = IoSlice::new(&[]);

    /// The bytes.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when there are no bytes.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Drops the first `n` bytes (after a short write).
    #[inline]
    pub fn advance(&mut self, n: usize) {
        let n = if n > self.len { self.len } else { n };
        // SAFETY: `n <= len`, so the new base stays inside (or one past) the borrowed slice.
        self.base = unsafe { self.base.add(n) };
        self.len -= n;
    }
}

/// `ssize_t writev(int fd, const struct iovec *iov, int iovcnt);`
#[inline]
pub fn writev(fd: BorrowedFd<'_>, bufs: &[IoSlice<'_>]) -> Result<usize> {
    // SAFETY: `IoSlice` is `struct iovec`; each one borrows its bytes for the call's duration;
    // the kernel only reads them.
    unsafe {
        arch::syscall3_readonly(
            nr::WRITEV,
            Arg::fd(fd),
            Arg::by_ref(bufs),
            Arg::int(bufs.len()),
        )
    }
    .result()
}

/// Writes every buffer completely, retrying short writes (which happen when the peer's receive
/// window is full) and EINTR. Returns the total written.
pub fn writev_all(fd: BorrowedFd<'_>, bufs: &mut [IoSlice<'_>]) -> Result<usize> {
    let total: usize = bufs.iter().map(|b| b.len).sum();
    let mut first = 0;
    let mut left = total;
    while left > 0 {
        while first < bufs.len() && bufs[first].len == 0 {
            first += 1;
        }
        match writev(fd, &bufs[first..]) {
            Ok(0) => return Err(Errno::EPIPE),
            Ok(mut n) => {
                left -= n;
                for b in bufs[first..].iter_mut() {
                    let take = if n < b.len { n } else { b.len };
                    b.advance(take);
                    n -= take;
                    if n == 0 {
                        break;
                    }
                }
            }
            Err(Errno::EINTR) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(total)
}

/// `ssize_t sendfile(int out_fd, int in_fd, off_t *offset, size_t count);` — copies up to
/// `count` bytes of `in_fd` from `*offset` to `out_fd` inside the kernel, and advances `*offset`
/// by what it copied (sendfile(2); the file offset of `in_fd` itself does not move).
pub fn sendfile(
    out: BorrowedFd<'_>,
    input: BorrowedFd<'_>,
    offset: &mut u64,
    count: usize,
) -> Result<usize> {
    // SAFETY: `offset` is a u64 (`off_t` on this target) we exclusively borrow for the call;
    // the kernel reads and updates it and touches no other memory of ours.
    unsafe {
        arch::syscall4(
            nr::SENDFILE,
            Arg::fd(out),
            Arg::fd(input),
            Arg::by_mut(offset),
            Arg::int(count),
        )
    }
    .result()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writev_all_writes_every_part_in_order() {
        let mut fds = [0i32; 2];
        // The test harness runs with std: a pipe from std's libc is the simplest peer.
        unsafe extern "C" {
            fn pipe(fds: *mut i32) -> i32;
        }
        // SAFETY: `fds` has room for two ints.
        assert_eq!(unsafe { pipe(fds.as_mut_ptr()) }, 0);
        // SAFETY: pipe() just created both; nothing else owns them.
        let (r, w) = unsafe { (OwnedFd::from_raw(fds[0]), OwnedFd::from_raw(fds[1])) };
        let mut parts = [
            IoSlice::new(b"HTTP/1.1 "),
            IoSlice::EMPTY,
            IoSlice::new(b"200 OK"),
        ];
        assert_eq!(writev_all(w.as_fd(), &mut parts), Ok(15));
        let mut buf = [0u8; 32];
        let n = read(r.as_fd(), &mut buf).unwrap();
        assert_eq!(&buf[..n], b"HTTP/1.1 200 OK");
        drop(w);
        assert_eq!(read(r.as_fd(), &mut buf), Ok(0));
    }
}
