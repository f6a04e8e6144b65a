//! Resource limits: prlimit64(2) on the calling process.

use crate::arch::{self, Arg};
use crate::{Result, nr};

/// CPU seconds; the soft limit sends SIGXCPU.
pub const RLIMIT_CPU: u32 = 0;
/// Largest file the process may create: 0 forbids writing files at all.
pub const RLIMIT_FSIZE: u32 = 1;
/// Core dump size.
pub const RLIMIT_CORE: u32 = 4;
/// Processes of the real user: 0 forbids fork.
pub const RLIMIT_NPROC: u32 = 6;
/// Open file descriptors.
pub const RLIMIT_NOFILE: u32 = 7;
/// Address space in bytes.
pub const RLIMIT_AS: u32 = 9;

/// A soft and a hard limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C)]
pub struct Rlimit {
    /// What the kernel enforces now.
    pub soft: u64,
    /// The ceiling an unprivileged process may raise the soft limit to.
    pub hard: u64,
}

/// `RLIM_INFINITY`.
pub const INFINITY: u64 = u64::MAX;

/// Sets a limit of this process; returns the previous one.
pub fn setrlimit(resource: u32, limit: Rlimit) -> Result<Rlimit> {
    let mut old = Rlimit { soft: 0, hard: 0 };
    // SAFETY: both pointers are to valid `struct rlimit64` for the call's duration.
    unsafe {
        arch::syscall4(
            nr::PRLIMIT64,
            Arg::int(0),
            Arg::int(resource as usize),
            Arg::by_ref(&limit),
            Arg::by_mut(&mut old),
        )
    }
    .result()?;
    Ok(old)
}

/// Reads a limit of this process.
pub fn getrlimit(resource: u32) -> Result<Rlimit> {
    let mut old = Rlimit { soft: 0, hard: 0 };
    // SAFETY: `old` is a valid `struct rlimit64`; the new-limit pointer is NULL.
    unsafe {
        arch::syscall4(
            nr::PRLIMIT64,
            Arg::int(0),
            Arg::int(resource as usize),
            Arg::NULL,
            Arg::by_mut(&mut old),
        )
    }
    .result()?;
    Ok(old)
}
