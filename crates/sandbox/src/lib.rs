//! A sandbox per connection: after fork, before it reads a byte from the network, a connection
//! process lowers its resource limits, sets `PR_SET_NO_NEW_PRIVS` and installs a seccomp-BPF
//! filter that allows only the system calls serving needs. Anything else kills the process
//! (`SECCOMP_RET_KILL_PROCESS`), and the parent logs the `SIGSYS` death.
//!
//! The filter (see seccomp(2), "Filter programs"), one instruction per line:
//!
//! ```text
//!   load  seccomp_data.arch
//!   if != AUDIT_ARCH_X86_64     → kill      (a 32-bit syscall entry would use other numbers)
//!   load  seccomp_data.nr
//!   if >= 0x4000_0000           → kill      (the x32 ABI: same numbers, another table)
//!   if >  the highest allowed   → kill
//!   a binary search over the allowed numbers, sorted: `if >= k` splits, `if == nr → allow`
//!   at the leaves
//!   kill
//!   allow
//! ```
//!
//! Why a search and not one test per call: when a filter is installed, the kernel runs it once
//! for every system call number to fill its action cache (`seccomp_cache_prepare`, with
//! interrupts off). With one test per call, every forbidden number walks the whole list; that
//! walk was most of the cost of installing the filter, and installing it is a large part of a
//! short connection process's life (`bench/tools/seccomp_attach.c`).
//!
//! It never inspects arguments, so the kernel's seccomp action cache can answer for each allowed
//! call without running the program at all (Linux ≥ 5.11): the filter costs nothing measurable.
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use verbosel_sys::process::{PR_SET_NO_NEW_PRIVS, prctl};
use verbosel_sys::resource::{
    RLIMIT_AS, RLIMIT_CORE, RLIMIT_CPU, RLIMIT_FSIZE, RLIMIT_NOFILE, RLIMIT_NPROC, Rlimit,
    setrlimit,
};
use verbosel_sys::seccomp::{SockFilter, set_mode_filter};
use verbosel_sys::{Errno, Result};

/// The system calls a connection process makes, and why. This table is the documentation:
/// the README lists it line by line.
pub const ALLOWED: &[(&str, usize, &str)] = &[
    ("read", 0, "read the request from the socket"),
    (
        "write",
        1,
        "write a response, the access-log line, a panic message",
    ),
    ("writev", 20, "write a response head and body in one call"),
    ("close", 3, "close the connection"),
    (
        "shutdown",
        48,
        "half-close after an error so the client reads the answer before the FIN",
    ),
    (
        "setsockopt",
        54,
        "move SO_RCVTIMEO/SO_SNDTIMEO to the next deadline",
    ),
    (
        "getpid",
        39,
        "let a handler say which process served it (the landing page does)",
    ),
    (
        "clock_gettime",
        228,
        "the Date header and the log's duration, when the vDSO falls back to a syscall",
    ),
    (
        "rt_sigreturn",
        15,
        "return from the SIGTERM handler (graceful shutdown)",
    ),
    (
        "restart_syscall",
        219,
        "resume a call interrupted by a signal",
    ),
    ("exit", 60, "end the process"),
    ("exit_group", 231, "end the process"),
];

/// The extra call of a spare (the default mode, and `--reuse`): it locks itself down while it
/// waits, before it accepts. A one-shot spare closes the listener right after its one accept.
pub const ALLOWED_SPARE: &[(&str, usize, &str)] = &[(
    "accept4",
    288,
    "take a connection: once for a spare, repeatedly with --reuse",
)];

/// The calls of the heap, which apps built with verbosel's `alloc` feature have (and only they:
/// the filter of every other app is [`ALLOWED`] alone). The filter does not look at arguments,
/// so `mmap` could also map executable memory; code that an attacker already runs needs no such
/// help, and no file can be mapped, as none can be opened.
pub const ALLOWED_HEAP: &[(&str, usize, &str)] = &[
    ("mmap", 9, "take pages for the heap"),
    ("munmap", 11, "give freed pages back to the kernel"),
    (
        "mremap",
        25,
        "grow a large block in place, or move it without copying its bytes",
    ),
];

/// The numbers of [`ALLOWED`], taken out at compile time: the names and reasons are for people
/// (the README, the tests) and stay out of the binary.
pub const ALLOWED_NRS: [usize; ALLOWED.len()] = numbers(ALLOWED);

/// The numbers of [`ALLOWED_SPARE`], likewise.
pub const ALLOWED_SPARE_NRS: [usize; ALLOWED_SPARE.len()] = numbers(ALLOWED_SPARE);

/// The numbers of [`ALLOWED_HEAP`], likewise.
pub const ALLOWED_HEAP_NRS: [usize; ALLOWED_HEAP.len()] = numbers(ALLOWED_HEAP);

const fn numbers<const N: usize>(table: &[(&str, usize, &str)]) -> [usize; N] {
    let mut out = [0; N];
    let mut i = 0;
    while i < N {
        out[i] = table[i].1;
        i += 1;
    }
    out
}

/// Longest filter we build: the fixed instructions plus one test per allowed call.
pub const MAX_FILTER: usize = 64;

const AUDIT_ARCH_X86_64: u32 = 0xc000_003e;
const X32_SYSCALL_BIT: u32 = 0x4000_0000;
const RET_KILL_PROCESS: u32 = 0x8000_0000;
const RET_ALLOW: u32 = 0x7fff_0000;
// Classic BPF opcodes (linux/bpf_common.h).
const LD_W_ABS: u16 = 0x20; // BPF_LD | BPF_W | BPF_ABS (0x00 | 0x00 | 0x20)
const JMP_JEQ_K: u16 = 0x05 | 0x10;
const JMP_JGT_K: u16 = 0x05 | 0x20;
const JMP_JGE_K: u16 = 0x05 | 0x30;
const RET_K: u16 = 0x06;
// offsetof(struct seccomp_data, nr) and (…, arch).
const OFFSET_NR: u32 = 0;
const OFFSET_ARCH: u32 = 4;

fn insn(code: u16, jt: u8, jf: u8, k: u32) -> SockFilter {
    SockFilter { code, jt, jf, k }
}

/// At most this many calls are tested one after another (a leaf of the search); above it the
/// search splits in two.
const LEAF: usize = 3;

/// Instructions the search over `sorted` takes: one equality test per call at a leaf, one split
/// per inner node.
fn search_len(sorted: &[u32]) -> usize {
    if sorted.len() <= LEAF {
        sorted.len()
    } else {
        let mid = sorted.len() / 2;
        1 + search_len(&sorted[..mid]) + search_len(&sorted[mid..])
    }
}

/// Emits the search over `sorted` at `out[*at..]`; every path ends in a jump to `kill_at` or
/// `allow_at`. Jumps only go forward, as classic BPF requires. `None` if `out` is too short,
/// which `build`'s length check rules out.
fn emit_search(
    sorted: &[u32],
    out: &mut [SockFilter],
    at: &mut usize,
    kill_at: usize,
    allow_at: usize,
) -> Option<()> {
    if sorted.len() <= LEAF {
        for (i, &nr) in sorted.iter().enumerate() {
            let here = *at;
            let miss = if i + 1 == sorted.len() {
                kill_at - here - 1
            } else {
                0
            };
            *out.get_mut(here)? = insn(JMP_JEQ_K, (allow_at - here - 1) as u8, miss as u8, nr);
            *at += 1;
        }
        return Some(());
    }
    let mid = sorted.len() / 2;
    // `nr >= sorted[mid]`: the upper half, laid out after the lower one.
    *out.get_mut(*at)? = insn(JMP_JGE_K, search_len(&sorted[..mid]) as u8, 0, sorted[mid]);
    *at += 1;
    emit_search(&sorted[..mid], out, at, kill_at, allow_at)?;
    emit_search(&sorted[mid..], out, at, kill_at, allow_at)
}

/// Builds the filter program for `allowed` syscall numbers into `out`; returns its length, or
/// `None` for an empty list or one too long for the program (or its 8-bit jumps).
/// Pure: the table tests below run the program it builds.
pub fn build(allowed: &[usize], out: &mut [SockFilter; MAX_FILTER]) -> Option<usize> {
    if allowed.is_empty() || allowed.len() > MAX_FILTER {
        return None;
    }
    let mut sorted = [0u32; MAX_FILTER];
    let mut n = 0;
    for &nr in allowed {
        let nr = u32::try_from(nr).ok()?;
        // Insertion into the sorted prefix, skipping duplicates.
        // `n < allowed.len() <= MAX_FILTER` here, so neither `get` fails.
        let prefix = sorted.get(..n)?;
        let pos = prefix.partition_point(|&x| x < nr);
        if prefix.get(pos) == Some(&nr) {
            continue;
        }
        // `nr` goes in at `pos`; the numbers above it move up one place.
        let mut carry = nr;
        for slot in sorted.get_mut(pos..=n)? {
            core::mem::swap(slot, &mut carry);
        }
        n += 1;
    }
    let sorted = sorted.get(..n)?;
    let len = 6 + search_len(sorted) + 2;
    if len > MAX_FILTER {
        return None;
    }
    let (kill_at, allow_at) = (len - 2, len - 1);
    out[0] = insn(LD_W_ABS, 0, 0, OFFSET_ARCH);
    out[1] = insn(JMP_JEQ_K, 1, 0, AUDIT_ARCH_X86_64);
    out[2] = insn(RET_K, 0, 0, RET_KILL_PROCESS);
    out[3] = insn(LD_W_ABS, 0, 0, OFFSET_NR);
    // x32 syscall numbers have this bit set; above the highest allowed number nothing is.
    out[4] = insn(JMP_JGE_K, (kill_at - 5) as u8, 0, X32_SYSCALL_BIT);
    out[5] = insn(JMP_JGT_K, (kill_at - 6) as u8, 0, *sorted.last()?);
    let mut at = 6;
    emit_search(sorted, &mut out[..], &mut at, kill_at, allow_at)?;
    *out.get_mut(kill_at)? = insn(RET_K, 0, 0, RET_KILL_PROCESS);
    *out.get_mut(allow_at)? = insn(RET_K, 0, 0, RET_ALLOW);
    Some(len)
}

/// Resource limits for a connection process.
#[derive(Clone, Copy, Debug)]
pub struct ResourceLimits {
    /// Open files: the connection, the standard streams, room for nothing else much.
    pub open_files: u64,
    /// CPU seconds before the first SIGXCPU (then one every further second of CPU, setrlimit(2)).
    pub cpu_soft_secs: u64,
    /// CPU seconds at which the kernel kills the process (SIGKILL).
    pub cpu_hard_secs: u64,
    /// Address space in bytes: a runaway recursion or allocation dies here.
    pub address_space: u64,
    /// Largest file the process may write. 0 (no file writes at all) unless the logs on
    /// stdout/stderr are themselves regular files, which the process must be able to append to.
    pub file_size: u64,
}

/// File descriptors a connection process may hold: stdin/out/err, the connection, and a few
/// spare for a handler that was explicitly allowed to open files.
pub const OPEN_FILES: u64 = 16;

/// Address space a connection process may map: the binary, the stack and the 1 MiB request
/// buffer fit many times over.
pub const ADDRESS_SPACE: u64 = 64 * 1024 * 1024;

/// Locks the calling process down: rlimits (no new files, no file writes, no new processes,
/// bounded CPU and memory, no core dumps), then no_new_privs, then the filter allowing
/// [`ALLOWED`] (and [`ALLOWED_HEAP`] with the `alloc` feature) plus `extra` syscall numbers. After this returns `Ok`, any other syscall kills the
/// process.
pub fn enter(limits: &ResourceLimits, extra: &[usize]) -> Result<()> {
    let set = |res, soft, hard| setrlimit(res, Rlimit { soft, hard }).map(drop);
    set(RLIMIT_NOFILE, limits.open_files, limits.open_files)?;
    set(RLIMIT_FSIZE, limits.file_size, limits.file_size)?;
    set(RLIMIT_NPROC, 0, 0)?;
    set(RLIMIT_CORE, 0, 0)?;
    // SIGXCPU at the soft limit and every second of CPU after it, SIGKILL at the hard limit
    // (setrlimit(2)): the server counts those seconds per request.
    set(RLIMIT_CPU, limits.cpu_soft_secs, limits.cpu_hard_secs)?;
    set(RLIMIT_AS, limits.address_space, limits.address_space)?;
    prctl(PR_SET_NO_NEW_PRIVS, 1)?;
    let mut nrs = [0usize; MAX_FILTER];
    let mut n = 0;
    for nr in ALLOWED_NRS {
        nrs[n] = nr;
        n += 1;
    }
    #[cfg(feature = "alloc")]
    for nr in ALLOWED_HEAP_NRS {
        nrs[n] = nr;
        n += 1;
    }
    for &nr in extra {
        if n == nrs.len() {
            return Err(Errno::EINVAL);
        }
        nrs[n] = nr;
        n += 1;
    }
    let mut prog = [SockFilter::EMPTY; MAX_FILTER];
    let len = build(&nrs[..n], &mut prog).ok_or(Errno::EINVAL)?;
    set_mode_filter(&prog[..len])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs a classic-BPF program the way the kernel would, for the subset of opcodes we emit.
    fn run(prog: &[SockFilter], arch: u32, nr: u32) -> u32 {
        run_counted(prog, arch, nr).0
    }

    /// The program's result and how many instructions it ran to get there.
    fn run_counted(prog: &[SockFilter], arch: u32, nr: u32) -> (u32, usize) {
        let (mut pc, mut acc, mut steps) = (0usize, 0u32, 0usize);
        loop {
            steps += 1;
            let i = prog[pc];
            match i.code {
                LD_W_ABS => acc = if i.k == OFFSET_ARCH { arch } else { nr },
                JMP_JEQ_K => {
                    pc += if acc == i.k {
                        i.jt as usize
                    } else {
                        i.jf as usize
                    };
                }
                JMP_JGE_K => {
                    pc += if acc >= i.k {
                        i.jt as usize
                    } else {
                        i.jf as usize
                    };
                }
                JMP_JGT_K => {
                    pc += if acc > i.k {
                        i.jt as usize
                    } else {
                        i.jf as usize
                    };
                }
                RET_K => return (i.k, steps),
                _ => panic!("unexpected opcode"),
            }
            pc += 1;
        }
    }

    #[test]
    fn allows_exactly_the_list() {
        let allowed: Vec<usize> = ALLOWED.iter().map(|a| a.1).collect();
        let mut prog = [SockFilter::EMPTY; MAX_FILTER];
        let len = build(&allowed, &mut prog).unwrap();
        let prog = &prog[..len];
        for nr in 0..460u32 {
            let want = if allowed.contains(&(nr as usize)) {
                RET_ALLOW
            } else {
                RET_KILL_PROCESS
            };
            assert_eq!(run(prog, AUDIT_ARCH_X86_64, nr), want, "syscall {nr}");
        }
        // The same numbers through the x32 ABI or from a 32-bit entry are killed.
        assert_eq!(
            run(prog, AUDIT_ARCH_X86_64, X32_SYSCALL_BIT),
            RET_KILL_PROCESS
        );
        assert_eq!(
            run(prog, AUDIT_ARCH_X86_64, X32_SYSCALL_BIT | 59),
            RET_KILL_PROCESS
        );
        assert_eq!(run(prog, 0x4000_0003, 0), RET_KILL_PROCESS);
        // open(2), openat, execve, socket, fork, clone, kill are all outside the list.
        for nr in [2u32, 257, 59, 41, 57, 56, 62] {
            assert_eq!(run(prog, AUDIT_ARCH_X86_64, nr), RET_KILL_PROCESS, "{nr}");
        }
    }

    #[test]
    fn every_call_number_is_decided_in_a_few_instructions() {
        // The kernel runs the program for every number when the filter is installed: that is
        // what the search keeps short. (With one test per call, every forbidden number took 18;
        // the search takes at most 11, about 9 on average over 0..460.)
        let allowed: Vec<usize> = ALLOWED.iter().chain(ALLOWED_SPARE).map(|a| a.1).collect();
        let mut prog = [SockFilter::EMPTY; MAX_FILTER];
        let len = build(&allowed, &mut prog).unwrap();
        let longest = (0..460u32)
            .map(|nr| run_counted(&prog[..len], AUDIT_ARCH_X86_64, nr).1)
            .max()
            .unwrap();
        assert!(longest <= 11, "{longest} instructions for some call");
        // Above the highest allowed number: decided right after loading it.
        assert_eq!(run_counted(&prog[..len], AUDIT_ARCH_X86_64, 400).1, 6);
    }

    #[test]
    fn the_heap_calls_and_a_full_extra_list_still_fit_and_decide_quickly() {
        // The longest list an app can ask for: the heap's calls, a spare's, and the most
        // extras `App::allow_syscalls` takes (15; numbers above the table's, all distinct).
        let mut allowed: Vec<usize> = ALLOWED
            .iter()
            .chain(ALLOWED_SPARE)
            .chain(ALLOWED_HEAP)
            .map(|a| a.1)
            .collect();
        allowed.extend(300..315);
        let mut prog = [SockFilter::EMPTY; MAX_FILTER];
        let len = build(&allowed, &mut prog).unwrap();
        for nr in 0..460u32 {
            let (got, steps) = run_counted(&prog[..len], AUDIT_ARCH_X86_64, nr);
            let want = if allowed.contains(&(nr as usize)) {
                RET_ALLOW
            } else {
                RET_KILL_PROCESS
            };
            assert_eq!(got, want, "syscall {nr}");
            assert!(steps <= 12, "{steps} instructions for {nr}");
        }
    }

    #[test]
    fn builds_the_same_decisions_for_any_order_and_duplicates() {
        let mut prog = [SockFilter::EMPTY; MAX_FILTER];
        for list in [
            &[288usize, 0, 1, 3, 20][..],
            &[3, 3, 20, 1, 0, 288, 1],
            &[42],
            &[0, 1],
        ] {
            let len = build(list, &mut prog).unwrap();
            for nr in 0..460u32 {
                let want = if list.contains(&(nr as usize)) {
                    RET_ALLOW
                } else {
                    RET_KILL_PROCESS
                };
                assert_eq!(
                    run(&prog[..len], AUDIT_ARCH_X86_64, nr),
                    want,
                    "{list:?} {nr}"
                );
            }
        }
        assert!(build(&[], &mut prog).is_none());
    }

    #[test]
    fn refuses_lists_too_long_for_the_program() {
        let many: Vec<usize> = (0..MAX_FILTER).collect();
        let mut prog = [SockFilter::EMPTY; MAX_FILTER];
        assert!(build(&many, &mut prog).is_none());
    }

    #[test]
    fn numbers_match_the_sys_table() {
        for (name, nr, _) in ALLOWED.iter().chain(ALLOWED_SPARE).chain(ALLOWED_HEAP) {
            let known = verbosel_sys::SYSCALLS.iter().find(|(n, _)| n == name);
            assert_eq!(known.map(|k| k.1), Some(*nr), "{name}");
        }
    }

    #[test]
    fn compiled_numbers_are_the_table_in_order() {
        let table: Vec<usize> = ALLOWED
            .iter()
            .chain(ALLOWED_SPARE)
            .chain(ALLOWED_HEAP)
            .map(|a| a.1)
            .collect();
        let compiled: Vec<usize> = ALLOWED_NRS
            .iter()
            .chain(&ALLOWED_SPARE_NRS)
            .chain(&ALLOWED_HEAP_NRS)
            .copied()
            .collect();
        assert_eq!(compiled, table);
    }
}
