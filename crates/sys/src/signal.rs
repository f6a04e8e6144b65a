//! Signals: rt_sigaction(2), rt_sigprocmask(2), ppoll(2).

use crate::{BorrowedFd, Errno, Result, arch, nr, time::Timespec};

/// Hangup.
pub const SIGHUP: i32 = 1;
/// Interrupt (Ctrl-C): treated like SIGTERM.
pub const SIGINT: i32 = 2;
/// Quit (Ctrl-\\).
pub const SIGQUIT: i32 = 3;
/// User-defined signal 1.
pub const SIGUSR1: i32 = 10;
/// User-defined signal 2.
pub const SIGUSR2: i32 = 12;
/// Kill (cannot be caught): the end of the grace period.
pub const SIGKILL: i32 = 9;
/// Write to a socket the peer closed: ignored, so a vanished client is an EPIPE, never a death.
pub const SIGPIPE: i32 = 13;
/// Alarm clock.
pub const SIGALRM: i32 = 14;
/// Termination request: graceful shutdown.
pub const SIGTERM: i32 = 15;
/// A child exited.
pub const SIGCHLD: i32 = 17;
/// CPU time limit exceeded (RLIMIT_CPU).
pub const SIGXCPU: i32 = 24;
/// Bad system call: what a seccomp filter's `SECCOMP_RET_KILL_PROCESS` delivers.
pub const SIGSYS: i32 = 31;
/// Segmentation fault.
pub const SIGSEGV: i32 = 11;
/// Abort.
pub const SIGABRT: i32 = 6;

/// A set of signals, the kernel's 64-bit `sigset_t`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(transparent)]
pub struct SigSet(u64);

impl SigSet {
    /// The empty set.
    pub const EMPTY: SigSet = SigSet(0);

    /// Adds a signal.
    pub const fn with(self, sig: i32) -> SigSet {
        SigSet(self.0 | 1 << (sig - 1))
    }
}

/// What to do when a signal arrives.
#[derive(Clone, Copy)]
pub enum Handler {
    /// The default action (usually: die).
    Default,
    /// Discard the signal.
    Ignore,
    /// Run this function. It runs between two instructions of the program, so it may only touch
    /// atomics and make async-signal-safe calls (signal-safety(7)).
    Call(extern "C" fn(i32)),
}

/// `SA_RESTART`: restart interrupted syscalls instead of failing them with EINTR.
pub const SA_RESTART: u64 = 0x1000_0000;
const SA_RESTORER: u64 = 0x0400_0000;

/// The kernel's `struct sigaction` on x86_64 (not libc's: handler, flags, restorer, mask).
#[repr(C)]
struct KernelSigaction {
    handler: usize,
    flags: u64,
    restorer: usize,
    mask: u64,
}

/// Installs `handler` for `sig`, blocking `mask` while it runs. Without `SA_RESTART` in `flags`,
/// a blocking call interrupted by the signal fails with EINTR, which is how the server's loops
/// notice a signal.
pub fn sigaction(sig: i32, handler: Handler, flags: u64, mask: SigSet) -> Result<()> {
    let act = KernelSigaction {
        handler: match handler {
            Handler::Default => 0,
            Handler::Ignore => 1,
            Handler::Call(f) => f as *const () as usize,
        },
        flags: flags | SA_RESTORER,
        restorer: arch::restore_rt as *const () as usize,
        mask: mask.0,
    };
    // SAFETY: `act` is a valid kernel sigaction whose restorer issues rt_sigreturn; the handler is
    // a Rust `extern "C" fn(i32)`, which the kernel calls with the signal number.
    Errno::check(unsafe {
        arch::syscall4(
            nr::RT_SIGACTION,
            sig as usize,
            &act as *const KernelSigaction as usize,
            0,
            8,
        )
    })
    .map(drop)
}

/// `SIG_BLOCK`, `SIG_UNBLOCK`, `SIG_SETMASK` for [`sigprocmask`].
pub const SIG_BLOCK: u32 = 0;
/// Remove the set from the mask.
pub const SIG_UNBLOCK: u32 = 1;
/// Replace the mask.
pub const SIG_SETMASK: u32 = 2;

/// `rt_sigprocmask(how, set, oldset)`: returns the previous mask.
pub fn sigprocmask(how: u32, set: SigSet) -> Result<SigSet> {
    let mut old = SigSet(0);
    // SAFETY: both pointers are to valid 8-byte sigsets for the call's duration.
    Errno::check(unsafe {
        arch::syscall4(
            nr::RT_SIGPROCMASK,
            how as usize,
            &set as *const SigSet as usize,
            &mut old as *mut SigSet as usize,
            8,
        )
    })?;
    Ok(old)
}

/// `POLLIN`: data (or a connection to accept) is waiting.
pub const POLLIN: i16 = 1;

/// One entry of a poll set, the kernel's `struct pollfd`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct PollFd {
    fd: i32,
    events: i16,
    /// What happened.
    pub revents: i16,
}

impl PollFd {
    /// Watches `fd` for `events`.
    pub fn new(fd: BorrowedFd<'_>, events: i16) -> PollFd {
        PollFd {
            fd: fd.raw(),
            events,
            revents: 0,
        }
    }
}

/// `ppoll(fds, nfds, timeout, sigmask)`: waits for an fd event, a signal or the timeout, with
/// `mask` installed as the signal mask for the wait only. Blocking a signal everywhere else and
/// unblocking it only here closes the race between checking a flag and going to sleep.
pub fn ppoll(fds: &mut [PollFd], timeout: Option<Timespec>, mask: SigSet) -> Result<usize> {
    let ts = timeout.map(|t| [t.sec, t.nsec]);
    let ts_ptr = match &ts {
        Some(t) => t.as_ptr() as usize,
        None => 0,
    };
    // SAFETY: `fds` is a valid array of pollfd of the given length; `ts` (if any) and `mask` are
    // valid for the call's duration.
    Errno::check(unsafe {
        arch::syscall5(
            nr::PPOLL,
            fds.as_mut_ptr() as usize,
            fds.len(),
            ts_ptr,
            &mask as *const SigSet as usize,
            8,
        )
    })
}
