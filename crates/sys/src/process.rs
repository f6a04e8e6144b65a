//! Processes and identity: fork(2), exit_group(2), wait4(2), kill(2), getpid(2), setuid(2)…

use crate::arch::{self, Arg};
use crate::{Errno, Result, nr};
use core::sync::atomic::{AtomicBool, Ordering};

pub use crate::arch::exit_group;

/// Which side of a fork we are on.
#[derive(Debug, PartialEq, Eq)]
pub enum Fork {
    /// The new process.
    Child,
    /// The original process, with the child's pid.
    Parent(i32),
}

/// Whether this process is known to have one thread, for ever: see [`assume_single_threaded`].
static SINGLE_THREADED: AtomicBool = AtomicBool::new(false);

/// Records that this process has exactly one thread and will never have another, which is what
/// makes [`fork`] safe to call. `verbosel_rt` calls it first thing in `_start`.
///
/// # Safety
/// No other thread may exist now, and none may ever be created. Nothing in this crate creates
/// one (it offers no `clone` with `CLONE_VM` or `CLONE_THREAD`), so code that did would have to
/// make its own raw system call — in `unsafe` code, whose author then answers for every later
/// `fork`.
pub unsafe fn assume_single_threaded() {
    SINGLE_THREADED.store(true, Ordering::Relaxed);
}

/// Whether [`assume_single_threaded`] was called (not under the test harness, which runs tests
/// on several threads).
pub fn is_single_threaded() -> bool {
    SINGLE_THREADED.load(Ordering::Relaxed)
}

fn fork_result(pid: usize) -> Fork {
    if pid == 0 {
        Fork::Child
    } else {
        Fork::Parent(pid as i32)
    }
}

/// `pid_t fork(void);` without the single-thread check.
///
/// # Safety
/// The process must be single-threaded. fork(2) copies only the calling thread: any lock another
/// thread held, and any data it was half-way through changing, would stay that way in the
/// child's copy of memory for ever (fork(2), "Notes"; the child of a multi-threaded process may
/// only make async-signal-safe calls, signal-safety(7)).
///
/// x86_64 makes the fork(2) system call; the generic table (aarch64) has none, and makes
/// `clone(SIGCHLD, 0, …)`, which is the same call in the kernel (`kernel_clone` with only the
/// exit signal set) and what a libc's `fork()` makes everywhere.
#[inline]
pub unsafe fn fork_unchecked() -> Result<Fork> {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: fork takes no arguments; the caller guarantees there is no other thread whose
    // state the child's copy of memory could catch half-way.
    let pid = unsafe { arch::syscall0(nr::FORK) }.result()?;
    #[cfg(not(target_arch = "x86_64"))]
    // SAFETY: as above.
    let pid = unsafe { clone_sigchld() }?;
    Ok(fork_result(pid))
}

/// `pid_t fork(void);` — the child gets a copy-on-write copy of the address space, so keep the
/// parent's small: fork's cost grows with the pages the parent has touched.
///
/// Safe because it checks [`fork_unchecked`]'s one condition: it fails with `EPERM` unless the
/// process is known to be single-threaded ([`assume_single_threaded`], which `verbosel_rt`'s
/// start-up calls). Every verbosel binary is; a test harness with its threads is not.
#[inline]
pub fn fork() -> Result<Fork> {
    if !is_single_threaded() {
        return Err(Errno::EPERM);
    }
    // SAFETY: the process is single-threaded, checked just above.
    unsafe { fork_unchecked() }
}

/// `clone(SIGCHLD, 0, …)`: fork(2) as clone(2) spells it, which is what a libc's `fork()` calls.
/// verbosel forks with [`fork`]; the sandbox tests use this to check that this form is killed too.
/// Checked like [`fork`], for the same reason. On aarch64, whose table has no fork(2), this is
/// what [`fork`] makes too.
#[inline]
pub fn clone_fork() -> Result<Fork> {
    if !is_single_threaded() {
        return Err(Errno::EPERM);
    }
    // SAFETY: the process is single-threaded (checked above).
    let pid = unsafe { clone_sigchld() }?;
    Ok(fork_result(pid))
}

/// `clone(SIGCHLD, 0, 0, 0, 0)`: a new process with a copy of this one's memory.
///
/// # Safety
/// As for [`fork_unchecked`]: the process must be single-threaded.
#[inline(always)]
unsafe fn clone_sigchld() -> Result<usize> {
    const SIGCHLD: usize = 17;
    // SAFETY: no CLONE_VM, no new stack, no tid pointers: a plain fork; the caller guarantees
    // a single thread, so the child's copy of memory is consistent.
    unsafe {
        arch::syscall5(
            nr::CLONE,
            Arg::int(SIGCHLD),
            Arg::NULL,
            Arg::NULL,
            Arg::NULL,
            Arg::NULL,
        )
    }
    .result()
}

/// How a child ended, decoded from wait4's status word (see wait(2), `WIFEXITED` and friends).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// It called exit with this code.
    Code(i32),
    /// A signal killed it (`SIGSYS` means the seccomp filter did).
    Signal(i32),
}

impl Exit {
    fn decode(status: i32) -> Exit {
        if status & 0x7f == 0 {
            Exit::Code((status >> 8) & 0xff)
        } else {
            Exit::Signal(status & 0x7f)
        }
    }
}

/// `WNOHANG`: return at once when no child has exited.
pub const WNOHANG: u32 = 1;

/// `pid_t wait4(pid_t pid, int *wstatus, int options, struct rusage *rusage);` for any child.
/// `Ok(None)` means WNOHANG found no exited child.
pub fn wait_any(options: u32) -> Result<Option<(i32, Exit)>> {
    let mut status: i32 = 0;
    // SAFETY: the kernel writes one int into `status`; rusage is NULL.
    let pid = unsafe {
        arch::syscall4(
            nr::WAIT4,
            Arg::signed(-1),
            Arg::by_mut(&mut status),
            Arg::int(options as usize),
            Arg::NULL,
        )
    }
    .result()?;
    Ok(if pid == 0 {
        None
    } else {
        Some((pid as i32, Exit::decode(status)))
    })
}

/// `int kill(pid_t pid, int sig);`
pub fn kill(pid: i32, sig: i32) -> Result<()> {
    // SAFETY: integer arguments only.
    unsafe { arch::syscall2_readonly(nr::KILL, Arg::signed(pid as isize), Arg::int(sig as usize)) }
        .result()
        .map(drop)
}

/// `pid_t getpid(void);`
pub fn getpid() -> i32 {
    // SAFETY: no arguments; cannot fail; writes no memory.
    unsafe { arch::syscall0_readonly(nr::GETPID) }.value() as i32
}

/// `pid_t getppid(void);`
pub fn getppid() -> i32 {
    // SAFETY: no arguments; cannot fail; writes no memory.
    unsafe { arch::syscall0_readonly(nr::GETPPID) }.value() as i32
}

/// `uid_t geteuid(void);`
pub fn geteuid() -> u32 {
    // SAFETY: no arguments; cannot fail; writes no memory.
    unsafe { arch::syscall0_readonly(nr::GETEUID) }.value() as u32
}

/// Drops every supplementary group, then sets the real, effective and saved gid and uid: the
/// order matters, since after setuid a process can no longer change its groups (setgroups(2)).
pub fn drop_privileges(uid: u32, gid: u32) -> Result<()> {
    // SAFETY: setgroups(0, NULL) passes no memory; setgid/setuid take integers.
    unsafe {
        arch::syscall2_readonly(nr::SETGROUPS, Arg::int(0), Arg::NULL).result()?;
        arch::syscall1_readonly(nr::SETGID, Arg::int(gid as usize)).result()?;
        arch::syscall1_readonly(nr::SETUID, Arg::int(uid as usize)).result()?;
    }
    Ok(())
}

/// `PR_SET_NO_NEW_PRIVS`: execve can never grant privileges again; required for an unprivileged
/// process to install a seccomp filter (prctl(2)).
pub const PR_SET_NO_NEW_PRIVS: u32 = 38;
/// `PR_SET_PDEATHSIG`: the signal a process gets when its parent dies.
pub const PR_SET_PDEATHSIG: u32 = 1;
/// `PR_SET_DUMPABLE`: whether the process may dump core or be ptrace-attached.
pub const PR_SET_DUMPABLE: u32 = 4;

/// The options [`prctl`] passes on: each takes its second argument as a number. Many others take
/// an address the kernel reads or writes (`PR_GET_NAME` writes 16 bytes wherever `arg2` points),
/// which a safe function taking a `usize` must not allow.
const PRCTL_INTEGER_OPTIONS: [u32; 3] = [PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_SET_NO_NEW_PRIVS];

/// `int prctl(int option, unsigned long arg2, ...);` for the options whose argument is a number
/// ([`PR_SET_NO_NEW_PRIVS`], [`PR_SET_PDEATHSIG`], [`PR_SET_DUMPABLE`]); any other option fails
/// with `EINVAL` before reaching the kernel.
pub fn prctl(option: u32, arg: usize) -> Result<()> {
    if !PRCTL_INTEGER_OPTIONS.contains(&option) {
        return Err(Errno::EINVAL);
    }
    // SAFETY: the options used here take integers, not pointers, so nothing of ours is written.
    unsafe {
        arch::syscall5_readonly(
            nr::PRCTL,
            Arg::int(option as usize),
            Arg::int(arg),
            Arg::int(0),
            Arg::int(0),
            Arg::int(0),
        )
    }
    .result()
    .map(drop)
}

/// `int execve(const char *path, char *const argv[], char *const envp[]);` with empty argv and
/// envp. verbosel itself never starts programs; this exists so tests can prove the sandbox stops
/// a handler that tries.
pub fn execve(path: &core::ffi::CStr) -> Result<()> {
    let empty: [usize; 1] = [0];
    // SAFETY: `path` is NUL-terminated; argv and envp point at a NULL-terminated empty array;
    // the kernel reads them (and, on success, replaces the whole process).
    unsafe {
        arch::syscall3_readonly(
            nr::EXECVE,
            Arg::by_ref(path),
            Arg::by_ref(&empty),
            Arg::by_ref(&empty),
        )
    }
    .result()
    .map(drop)
}

/// `sched_setscheduler(0, SCHED_BATCH, {0})`: this process (and every child it forks after)
/// becomes a batch task, which the scheduler does not let preempt the running task on wake-up
/// (sched(7)): more work per context switch, longer waits at the tail.
pub fn set_batch_scheduling() -> Result<()> {
    const SCHED_BATCH: usize = 3;
    let param: i32 = 0;
    // SAFETY: `param` is a valid `struct sched_param` (one int) for the call's duration; the
    // kernel only reads it.
    unsafe {
        arch::syscall3_readonly(
            nr::SCHED_SETSCHEDULER,
            Arg::int(0),
            Arg::int(SCHED_BATCH),
            Arg::by_ref(&param),
        )
    }
    .result()
    .map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fork_refuses_a_process_not_known_to_be_single_threaded() {
        // The test harness runs tests on several threads and never calls
        // assume_single_threaded: the safe fork must not go ahead.
        assert!(!is_single_threaded());
        assert_eq!(fork(), Err(Errno::EPERM));
        assert_eq!(clone_fork(), Err(Errno::EPERM));
    }

    #[test]
    fn prctl_refuses_options_that_take_an_address() {
        const PR_GET_NAME: u32 = 16;
        assert_eq!(prctl(PR_GET_NAME, 8), Err(Errno::EINVAL));
    }

    #[test]
    fn decodes_wait_status() {
        assert_eq!(Exit::decode(101 << 8), Exit::Code(101));
        assert_eq!(Exit::decode(31), Exit::Signal(31));
        assert_eq!(Exit::decode(9 | 0x80), Exit::Signal(9));
    }
}
