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
