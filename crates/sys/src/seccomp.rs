//! seccomp(2) filter installation. The filter program itself is built in safe code by the
//! `verbosel-sandbox` crate; this module only hands it to the kernel.

use crate::arch::{self, Arg};
use crate::{Errno, Result, nr};

/// One classic-BPF instruction, the kernel's `struct sock_filter` (linux/filter.h).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SockFilter {
    /// Opcode.
    pub code: u16,
    /// Jump offset if true.
    pub jt: u8,
    /// Jump offset if false.
    pub jf: u8,
    /// Operand.
    pub k: u32,
}

impl SockFilter {
    /// An all-zero instruction, for filling program arrays.
    pub const EMPTY: SockFilter = SockFilter {
        code: 0,
        jt: 0,
        jf: 0,
        k: 0,
    };
}

#[repr(C)]
struct SockFprog {
    len: u16,
    filter: *const SockFilter,
}

const SECCOMP_SET_MODE_FILTER: usize = 1;
const SECCOMP_GET_ACTION_AVAIL: usize = 2;

/// `SECCOMP_RET_KILL_PROCESS`: the filter's answer that kills the whole process with `SIGSYS`
/// (Linux 4.14 and later).
pub const RET_KILL_PROCESS: u32 = 0x8000_0000;
/// `SECCOMP_RET_ALLOW`: the filter's answer that lets the call through.
pub const RET_ALLOW: u32 = 0x7fff_0000;

/// `seccomp(SECCOMP_GET_ACTION_AVAIL, 0, &action)`: whether this kernel can install a filter
/// that answers `action`, asked without installing anything. `ENOSYS` means no seccomp at all: a
/// kernel built without it, or qemu's user-mode emulator, which does not implement the call
/// (qemu 7.2 fails `SECCOMP_SET_MODE_FILTER` with `ENOSYS` too, and `prctl(PR_SET_SECCOMP)`
/// with `EINVAL`); `EOPNOTSUPP` means a kernel too old to know the action.
pub fn action_available(action: u32) -> Result<()> {
    // SAFETY: the kernel reads one u32 from `action` and writes nothing of ours.
    unsafe {
        arch::syscall3_readonly(
            nr::SECCOMP,
            Arg::int(SECCOMP_GET_ACTION_AVAIL),
            Arg::int(0),
            Arg::by_ref(&action),
        )
    }
    .result()
    .map(drop)
}

/// Installs a seccomp filter on the calling process (the caller must have set
/// `PR_SET_NO_NEW_PRIVS` first, or hold CAP_SYS_ADMIN). Filters stack and cannot be removed.
pub fn set_mode_filter(program: &[SockFilter]) -> Result<()> {
    if program.is_empty() || program.len() > u16::MAX as usize {
        return Err(Errno::EINVAL);
    }
    let prog = SockFprog {
        len: program.len() as u16,
        filter: program.as_ptr(),
    };
    // SAFETY: `prog` points at `len` valid instructions; the kernel copies the program and
    // writes nothing of ours.
    unsafe {
        arch::syscall3_readonly(
            nr::SECCOMP,
            Arg::int(SECCOMP_SET_MODE_FILTER),
            Arg::int(0),
            Arg::by_ref(&prog),
        )
    }
    .result()
    .map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    const EOPNOTSUPP: Errno = Errno(95);

    /// Whether these tests run under qemu's user-mode emulator (`.ci/run` says so with
    /// `VERBOSEL_TEST_RUNNER`, as it does for the integration tests).
    fn emulated() -> bool {
        std::env::var("VERBOSEL_TEST_RUNNER").is_ok_and(|r| r.contains("qemu"))
    }

    #[test]
    fn this_kernel_can_kill_a_process_from_a_filter() {
        if emulated() {
            // What qemu-user (7.2) does with seccomp: the call is not implemented, so no filter
            // can be installed (and a server refuses to start with its sandbox on).
            assert_eq!(action_available(RET_KILL_PROCESS), Err(Errno::ENOSYS));
            // A filter that allows everything, so that nothing changes if qemu ever installs it.
            let allow_all = [SockFilter {
                code: 0x06,
                jt: 0,
                jf: 0,
                k: RET_ALLOW,
            }];
            assert_eq!(set_mode_filter(&allow_all), Err(Errno::ENOSYS));
            return;
        }
        // The test host has seccomp (the sandbox tests rely on it); an unknown action does not.
        assert_eq!(action_available(RET_KILL_PROCESS), Ok(()));
        assert_eq!(action_available(RET_ALLOW), Ok(()));
        assert_eq!(action_available(0x1234_0000), Err(EOPNOTSUPP));
    }
}
