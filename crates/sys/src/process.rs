//! Processes and identity: fork(2), exit_group(2), wait4(2), kill(2), getpid(2), setuid(2)…

use crate::{Errno, Result, arch, nr};

pub use crate::arch::exit_group;

/// Which side of a fork we are on.
#[derive(Debug, PartialEq, Eq)]
pub enum Fork {
    /// The new process.
    Child,
    /// The original process, with the child's pid.
    Parent(i32),
}

/// `pid_t fork(void);` — the child gets a copy-on-write copy of the address space, so keep the
/// parent's small: fork's cost grows with the pages the parent has touched.
#[inline]
pub fn fork() -> Result<Fork> {
    // SAFETY: fork takes no arguments; both processes continue with valid memory.
    let pid = Errno::check(unsafe { arch::syscall0(nr::FORK) })?;
    Ok(if pid == 0 {
        Fork::Child
    } else {
        Fork::Parent(pid as i32)
    })
}

/// `clone(SIGCHLD, 0, …)`: fork(2) as clone(2) spells it, which is what a libc's `fork()` calls.
/// verbosel forks with [`fork`]; the sandbox tests use this to check that this form is killed too.
#[inline]
pub fn clone_fork() -> Result<Fork> {
    const SIGCHLD: usize = 17;
    // SAFETY: no CLONE_VM, no new stack, no tid pointers: a plain fork, both processes continue
    // with their own copy of valid memory.
    let pid = Errno::check(unsafe { arch::syscall5(nr::CLONE, SIGCHLD, 0, 0, 0, 0) })?;
    Ok(if pid == 0 {
        Fork::Child
    } else {
        Fork::Parent(pid as i32)
    })
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
    let pid = Errno::check(unsafe {
        arch::syscall4(
            nr::WAIT4,
            -1isize as usize,
            &mut status as *mut i32 as usize,
            options as usize,
            0,
        )
    })?;
    Ok(if pid == 0 {
        None
    } else {
        Some((pid as i32, Exit::decode(status)))
    })
}

/// `int kill(pid_t pid, int sig);`
pub fn kill(pid: i32, sig: i32) -> Result<()> {
    // SAFETY: integer arguments only.
    Errno::check(unsafe { arch::syscall2(nr::KILL, pid as isize as usize, sig as usize) }).map(drop)
}

/// `pid_t getpid(void);`
pub fn getpid() -> i32 {
    // SAFETY: no arguments; cannot fail.
    unsafe { arch::syscall0(nr::GETPID) as i32 }
}

/// `pid_t getppid(void);`
pub fn getppid() -> i32 {
    // SAFETY: no arguments; cannot fail.
    unsafe { arch::syscall0(nr::GETPPID) as i32 }
}

/// `uid_t geteuid(void);`
pub fn geteuid() -> u32 {
    // SAFETY: no arguments; cannot fail.
    unsafe { arch::syscall0(nr::GETEUID) as u32 }
}

/// Drops every supplementary group, then sets the real, effective and saved gid and uid: the
/// order matters, since after setuid a process can no longer change its groups (setgroups(2)).
pub fn drop_privileges(uid: u32, gid: u32) -> Result<()> {
    // SAFETY: setgroups(0, NULL) passes no memory; setgid/setuid take integers.
    unsafe {
        Errno::check(arch::syscall2(nr::SETGROUPS, 0, 0))?;
        Errno::check(arch::syscall1(nr::SETGID, gid as usize))?;
        Errno::check(arch::syscall1(nr::SETUID, uid as usize))?;
    }
    Ok(())
}

/// `PR_SET_NO_NEW_PRIVS`: execve can never grant privileges again; required for an unprivileged
/// process to install a seccomp filter (prctl(2)).
pub const PR_SET_NO_NEW_PRIVS: u32 = 38;
/// `PR_SET_PDEATHSIG`: the signal a process gets when its parent dies.
pub const PR_SET_PDEATHSIG: u32 = 1;

/// `int prctl(int option, unsigned long arg2, ...);` with one integer argument.
pub fn prctl(option: u32, arg: usize) -> Result<()> {
    // SAFETY: the options used here take integers, not pointers.
    Errno::check(unsafe { arch::syscall5(nr::PRCTL, option as usize, arg, 0, 0, 0) }).map(drop)
}

/// `int execve(const char *path, char *const argv[], char *const envp[]);` with empty argv and
/// envp. verbosel itself never starts programs; this exists so tests can prove the sandbox stops
/// a handler that tries.
pub fn execve(path: &core::ffi::CStr) -> Result<()> {
    let empty: [usize; 1] = [0];
    // SAFETY: `path` is NUL-terminated; argv and envp point at a NULL-terminated empty array.
    Errno::check(unsafe {
        arch::syscall3(
            nr::EXECVE,
            path.as_ptr() as usize,
            empty.as_ptr() as usize,
            empty.as_ptr() as usize,
        )
    })
    .map(drop)
}

/// `sched_setscheduler(0, SCHED_BATCH, {0})`: this process (and every child it forks after)
/// becomes a batch task, which the scheduler does not let preempt the running task on wake-up
/// (sched(7)): more work per context switch, longer waits at the tail.
pub fn set_batch_scheduling() -> Result<()> {
    const SCHED_BATCH: usize = 3;
    let param: i32 = 0;
    // SAFETY: `param` is a valid `struct sched_param` (one int) for the call's duration.
    Errno::check(unsafe {
        arch::syscall3(
            nr::SCHED_SETSCHEDULER,
            0,
            SCHED_BATCH,
            &param as *const i32 as usize,
        )
    })
    .map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_wait_status() {
        assert_eq!(Exit::decode(101 << 8), Exit::Code(101));
        assert_eq!(Exit::decode(31), Exit::Signal(31));
        assert_eq!(Exit::decode(9 | 0x80), Exit::Signal(9));
    }
}
