//! Signals: rt_sigaction(2), rt_sigprocmask(2), ppoll(2).

use crate::arch::{self, Arg};
use crate::{BorrowedFd, Errno, Result, nr, time::Timespec};
use core::marker::PhantomData;
use core::sync::atomic::{AtomicI32, AtomicPtr, Ordering};

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

/// What a signal does, in the forms that are safe to install.
///
/// A handler runs between any two instructions of the program, so it must be async-signal-safe
/// (signal-safety(7)): touch nothing the interrupted code may be half-way through changing, call
/// nothing that is not reentrant, never allocate. A safe Rust function can break that (it could
/// call into an allocator the interrupted code is inside of), so installing an arbitrary
/// function is the `unsafe` [`sigaction`]. The handlers behind these actions are this crate's
/// own, and do only what is safe in a handler: atomic loads and stores, and `exit_group`.
#[derive(Clone, Copy)]
pub enum Action {
    /// The default action (usually: die).
    Default,
    /// Discard the signal.
    Ignore,
    /// Run a handler that does nothing: the signal's only effect is to interrupt a blocking
    /// call, which fails with EINTR (ppoll(2) always does, whatever `SA_RESTART` says).
    Interrupt,
    /// Store the signal's number into `flag` (so one flag can say which of several signals
    /// came); then, if `exit_if` is given and nonzero, end the process with exit code 0 (a
    /// process idle between requests has nothing to finish).
    SetFlag {
        /// Set to the signal's number (never 0) when the signal arrives.
        flag: &'static AtomicI32,
        /// Checked after `flag` is set: nonzero ends the process.
        exit_if: Option<&'static AtomicI32>,
    },
}

/// `SA_RESTART`: restart interrupted syscalls instead of failing them with EINTR.
pub const SA_RESTART: u64 = 0x1000_0000;
const SA_RESTORER: u64 = 0x0400_0000;
const SIG_DFL: usize = 0;
const SIG_IGN: usize = 1;

/// The kernel's `struct sigaction` on x86_64 and aarch64 (not libc's: handler, flags, restorer,
/// mask; aarch64 has the generic one, `SA_RESTORER` included).
#[repr(C)]
struct KernelSigaction {
    handler: usize,
    flags: u64,
    restorer: usize,
    mask: u64,
}

/// The flags of [`Action::SetFlag`], per signal number (the standard signals, 1 to 31), read by
/// [`on_signal_set_flag`]. Each pointer is null or the address of a `&'static AtomicI32`.
struct FlagAction {
    flag: AtomicPtr<AtomicI32>,
    exit_if: AtomicPtr<AtomicI32>,
}

/// The standard signals; real-time signals (32 and up) take no [`Action::SetFlag`].
const STANDARD_SIGNALS: usize = 32;

static FLAG_ACTIONS: [FlagAction; STANDARD_SIGNALS] = [const {
    FlagAction {
        flag: AtomicPtr::new(core::ptr::null_mut()),
        exit_if: AtomicPtr::new(core::ptr::null_mut()),
    }
}; STANDARD_SIGNALS];

/// The handler behind [`Action::SetFlag`]: atomics and `exit_group` only.
extern "C" fn on_signal_set_flag(sig: i32) {
    let Some(action) = FLAG_ACTIONS.get(sig as usize) else {
        return;
    };
    // SAFETY: `set_action` stores only null or addresses of `&'static AtomicI32` here.
    if let Some(flag) = unsafe { action.flag.load(Ordering::Acquire).as_ref() } {
        flag.store(sig, Ordering::SeqCst);
    }
    // SAFETY: as above.
    if let Some(exit_if) = unsafe { action.exit_if.load(Ordering::Acquire).as_ref() }
        && exit_if.load(Ordering::SeqCst) != 0
    {
        crate::process::exit_group(0);
    }
}

/// The handler behind [`Action::Interrupt`].
extern "C" fn on_signal_interrupt(_sig: i32) {}

/// Sets what `sig` does, blocking `mask` while a handler runs. Without `SA_RESTART` in `flags`,
/// a blocking call interrupted by the signal fails with EINTR, which is how the server's loops
/// notice a signal. [`Action::SetFlag`] takes only the standard signals (EINVAL otherwise).
pub fn set_action(sig: i32, action: Action, flags: u64, mask: SigSet) -> Result<()> {
    let handler = match action {
        Action::Default => SIG_DFL,
        Action::Ignore => SIG_IGN,
        Action::Interrupt => on_signal_interrupt as *const () as usize,
        Action::SetFlag { flag, exit_if } => {
            let slot = FLAG_ACTIONS.get(sig as usize).ok_or(Errno::EINVAL)?;
            let ptr = |f: &'static AtomicI32| f as *const AtomicI32 as *mut AtomicI32;
            slot.flag.store(ptr(flag), Ordering::Release);
            slot.exit_if.store(
                exit_if.map_or(core::ptr::null_mut(), ptr),
                Ordering::Release,
            );
            on_signal_set_flag as *const () as usize
        }
    };
    // SAFETY: SIG_DFL, SIG_IGN or one of this module's handlers, which only touch atomics and
    // may call exit_group: async-signal-safe.
    unsafe { install(sig, handler, flags, mask) }
}

/// Installs `handler` for `sig`, blocking `mask` while it runs (rt_sigaction(2)).
///
/// # Safety
/// `handler` runs between any two instructions of the program, on its stack, so it must be
/// async-signal-safe (signal-safety(7)): it may touch only atomics (and memory no other code
/// uses), make only async-signal-safe calls (no allocation, nothing that takes a lock or is not
/// reentrant), and must not panic. [`set_action`] installs handlers that are, safely.
pub unsafe fn sigaction(
    sig: i32,
    handler: extern "C" fn(i32),
    flags: u64,
    mask: SigSet,
) -> Result<()> {
    // SAFETY: the caller guarantees the handler is async-signal-safe.
    unsafe { install(sig, handler as *const () as usize, flags, mask) }
}

/// # Safety
/// `handler` is SIG_DFL, SIG_IGN or an async-signal-safe `extern "C" fn(i32)`.
unsafe fn install(sig: i32, handler: usize, flags: u64, mask: SigSet) -> Result<()> {
    let act = KernelSigaction {
        handler,
        flags: flags | SA_RESTORER,
        restorer: arch::restore_rt as *const () as usize,
        mask: mask.0,
    };
    // SAFETY: `act` is a valid kernel sigaction whose restorer issues rt_sigreturn; the handler
    // is the caller's promise; the old action is not asked for (NULL), so the kernel only reads.
    unsafe {
        arch::syscall4_readonly(
            nr::RT_SIGACTION,
            Arg::int(sig as usize),
            Arg::by_ref(&act),
            Arg::NULL,
            Arg::int(size_of::<SigSet>()),
        )
    }
    .result()
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
    unsafe {
        arch::syscall4(
            nr::RT_SIGPROCMASK,
            Arg::int(how as usize),
            Arg::by_ref(&set),
            Arg::by_mut(&mut old),
            Arg::int(size_of::<SigSet>()),
        )
    }
    .result()?;
    Ok(old)
}

/// `POLLIN`: data (or a connection to accept) is waiting.
pub const POLLIN: i16 = 1;

/// One entry of a poll set, the kernel's `struct pollfd`, borrowing its descriptor for `'fd`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct PollFd<'fd> {
    pub(crate) fd: i32,
    events: i16,
    /// What happened.
    pub revents: i16,
    owner: PhantomData<BorrowedFd<'fd>>,
}

impl<'fd> PollFd<'fd> {
    /// Watches `fd` for `events`.
    pub fn new(fd: BorrowedFd<'fd>, events: i16) -> PollFd<'fd> {
        PollFd {
            fd: fd.raw(),
            events,
            revents: 0,
            owner: PhantomData,
        }
    }
}

impl PollFd<'static> {
    /// An entry for descriptor 0 with no events, for filling arrays inside this crate (which
    /// then asks only about numbers, see `fd::which_open`).
    pub(crate) const EMPTY: PollFd<'static> = PollFd {
        fd: 0,
        events: 0,
        revents: 0,
        owner: PhantomData,
    };
}

/// `ppoll(fds, nfds, timeout, sigmask)`: waits for an fd event, a signal or the timeout, with
/// `mask` installed as the signal mask for the wait only. Blocking a signal everywhere else and
/// unblocking it only here closes the race between checking a flag and going to sleep.
pub fn ppoll(fds: &mut [PollFd<'_>], timeout: Option<Timespec>, mask: SigSet) -> Result<usize> {
    let ts = timeout.as_ref().map_or(Arg::NULL, Arg::by_ref);
    let len = fds.len();
    // SAFETY: `fds` is a valid array of pollfd of the given length, whose descriptors are
    // borrowed; `ts` (if any) and `mask` are valid for the call's duration.
    unsafe {
        arch::syscall5(
            nr::PPOLL,
            Arg::by_mut(fds),
            Arg::int(len),
            ts,
            Arg::by_ref(&mask),
            Arg::int(size_of::<SigSet>()),
        )
    }
    .result()
}
