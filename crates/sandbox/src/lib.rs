//! A sandbox per connection: after fork, before it reads a byte from the network, a connection
//! process lowers its resource limits, sets `PR_SET_NO_NEW_PRIVS` and installs a seccomp-BPF
//! filter that allows only the system calls serving needs. Anything else kills the process
//! (`SECCOMP_RET_KILL_PROCESS`), and the parent logs the `SIGSYS` death.
//!
//! The filter (see seccomp(2), "Filter programs"), one instruction per line:
//!
//! ```text
//!   load  seccomp_data.arch
//!   if != the architecture built for → kill   (AUDIT_ARCH_X86_64 or AUDIT_ARCH_AARCH64: a
//!                                              32-bit entry, int 0x80 or AArch32, numbers
//!                                              calls by another table)
//!   load  seccomp_data.nr
//!   if >  the highest allowed   → kill      (x32 calls, numbered from 0x4000_0000, too)
//!   a binary search over the allowed numbers, sorted: `if >= k` splits, `if == nr → allow`
//!   at the leaves
//!   kill
//!   allow
//! ```
//!
//! The allow-lists below name calls; the numbers are those of the architecture being built,
//! from `verbosel_sys::nr` (x86_64's and aarch64's tables number every call differently). The
//! tests build and run the program for both architectures' numbers, whichever the host is.
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

use verbosel_sys::nr::{self, Table};
use verbosel_sys::process::{PR_SET_NO_NEW_PRIVS, prctl};
use verbosel_sys::resource::{
    RLIMIT_AS, RLIMIT_CORE, RLIMIT_CPU, RLIMIT_FSIZE, RLIMIT_NOFILE, RLIMIT_NPROC, Rlimit,
    setrlimit,
};
use verbosel_sys::seccomp::{RET_ALLOW, RET_KILL_PROCESS, SockFilter, set_mode_filter};
use verbosel_sys::{Errno, Result};

/// One row of an allow-list: a system call by name, and why a connection process needs it. Its
/// number is the architecture's (`verbosel_sys::nr`); a name the architecture's table lacks is
/// a compile error.
pub type Allowed = (&'static str, &'static str);

/// The system calls a connection process makes, and why. This table is the documentation:
/// the README lists it line by line, with each architecture's number.
pub const ALLOWED: &[Allowed] = &[
    ("read", "read the request from the socket"),
    (
        "write",
        "write a response, the access-log line, a panic message",
    ),
    ("writev", "write a response head and body in one call"),
    ("close", "close the connection"),
    (
        "shutdown",
        "half-close after an error so the client reads the answer before the FIN",
    ),
    (
        "setsockopt",
        "move SO_RCVTIMEO/SO_SNDTIMEO to the next deadline",
    ),
    (
        "getpid",
        "let a handler say which process served it (the landing page does)",
    ),
    (
        "clock_gettime",
        "the Date header and the log's duration, when the vDSO falls back to a syscall",
    ),
    (
        "rt_sigreturn",
        "return from the SIGTERM handler (graceful shutdown)",
    ),
    ("restart_syscall", "resume a call interrupted by a signal"),
    ("exit", "end the process"),
    ("exit_group", "end the process"),
];

/// The extra call of a spare (the default mode, and `--reuse`): it locks itself down while it
/// waits, before it accepts. A one-shot spare closes the listener right after its one accept.
pub const ALLOWED_SPARE: &[Allowed] = &[(
    "accept4",
    "take a connection: once for a spare, repeatedly with --reuse",
)];

/// The calls of the heap, which apps built with verbosel's `alloc` feature have (and only they:
/// the filter of every other app is [`ALLOWED`] alone). The filter does not look at arguments,
/// so `mmap` could also map executable memory; code that an attacker already runs needs no such
/// help, and no file can be mapped, as none can be opened.
pub const ALLOWED_HEAP: &[Allowed] = &[
    ("mmap", "take pages for the heap"),
    ("munmap", "give freed pages back to the kernel"),
    (
        "mremap",
        "grow a large block in place, or move it without copying its bytes",
    ),
];

/// The calls of a connection process that serves a folder (`--root`), and only of those: the
/// filter of every other server is without them. What they may reach is the folder alone:
/// the process has restricted itself with Landlock before this filter is installed, and opens
/// files only beneath the folder's descriptor (openat2's `RESOLVE_BENEATH`). No other call that
/// names a path is allowed (no `openat`, no `execve`).
pub const ALLOWED_FOLDER: &[Allowed] = &[
    (
        "openat2",
        "with --root: open a file beneath the folder (RESOLVE_BENEATH; Landlock allows reading there only)",
    ),
    (
        "statx",
        "with --root: a file's type, size, inode and time (the ETag, Content-Length, Last-Modified)",
    ),
    (
        "sendfile",
        "with --root: send a file's bytes from the kernel, memory flat whatever the size",
    ),
    (
        "getdents64",
        "with --root --listing: read a folder's names for its listing",
    ),
];

/// The numbers of [`ALLOWED_FOLDER`], likewise.
pub const ALLOWED_FOLDER_NRS: [usize; ALLOWED_FOLDER.len()] = numbers(ALLOWED_FOLDER, nr::NATIVE);

/// The calls of a connection process whose app has a data folder (`--data DIR`), and only of
/// those: the filter of every other server is without them. What they may reach is DIR alone:
/// the process has restricted itself with Landlock (read-write beneath DIR, nothing anywhere
/// else) before this filter is installed, and the helpers open files beneath DIR's descriptor
/// only (openat2's `RESOLVE_BENEATH`). No other call that names a path is allowed (no
/// `openat`, no `execve`).
pub const ALLOWED_DATA: &[Allowed] = &[
    (
        "openat2",
        "with --data: open or create a file beneath the data folder (RESOLVE_BENEATH; Landlock allows nothing elsewhere)",
    ),
    (
        "fsync",
        "with --data: make a written file, then its folder's new entry, durable before answering",
    ),
    (
        "flock",
        "with --data: one connection process at a time in a read-modify-write",
    ),
    (
        "renameat2",
        "with --data: replace a file atomically by renaming a complete temporary file over it",
    ),
    (
        "unlinkat",
        "with --data: remove a file (or a temporary one a failed write left)",
    ),
    (
        "mkdirat",
        "with --data: make a folder beneath the data folder",
    ),
];

/// The numbers of [`ALLOWED_DATA`], likewise.
pub const ALLOWED_DATA_NRS: [usize; ALLOWED_DATA.len()] = numbers(ALLOWED_DATA, nr::NATIVE);

/// The numbers of [`ALLOWED`] on the architecture being built, looked up at compile time: the
/// names and reasons are for people (the README, the tests) and stay out of the binary.
pub const ALLOWED_NRS: [usize; ALLOWED.len()] = numbers(ALLOWED, nr::NATIVE);

/// The numbers of [`ALLOWED_SPARE`], likewise.
pub const ALLOWED_SPARE_NRS: [usize; ALLOWED_SPARE.len()] = numbers(ALLOWED_SPARE, nr::NATIVE);

/// The numbers of [`ALLOWED_HEAP`], likewise.
pub const ALLOWED_HEAP_NRS: [usize; ALLOWED_HEAP.len()] = numbers(ALLOWED_HEAP, nr::NATIVE);

/// The numbers of an allow-list's calls in `arch`'s table, in the list's order. In a `const`, a
/// call the table lacks stops the build.
pub const fn numbers<const N: usize>(list: &[Allowed], arch: &Table) -> [usize; N] {
    let mut out = [0; N];
    let mut i = 0;
    while i < N {
        out[i] = match arch.number(list[i].0) {
            Some(nr) => nr,
            None => panic!("an allowed system call is missing from verbosel_sys::nr"),
        };
        i += 1;
    }
    out
}

/// Longest filter we build: the fixed instructions plus one test per allowed call.
pub const MAX_FILTER: usize = 64;

/// x86_64's x32 ABI numbers its calls from here (`__X32_SYSCALL_BIT`). No allowed number may
/// reach it, so the filter's "above the highest allowed" test kills every x32 call; on aarch64
/// no call is numbered this high at all.
const X32_SYSCALL_BIT: u32 = 0x4000_0000;
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

/// Builds the filter program for `allowed` syscall numbers of the architecture `arch` into
/// `out`; returns its length, or `None` for an empty list, one too long for the program (or its
/// 8-bit jumps), or a number no call has (at or above `0x4000_0000`).
/// Pure: the table tests below run the program it builds, for each architecture.
pub fn build(arch: &Table, allowed: &[usize], out: &mut [SockFilter; MAX_FILTER]) -> Option<usize> {
    if allowed.is_empty() || allowed.len() > MAX_FILTER {
        return None;
    }
    let mut sorted = [0u32; MAX_FILTER];
    let mut n = 0;
    for &nr in allowed {
        let nr = u32::try_from(nr).ok().filter(|&nr| nr < X32_SYSCALL_BIT)?;
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
    let len = 5 + search_len(sorted) + 2;
    if len > MAX_FILTER {
        return None;
    }
    let (kill_at, allow_at) = (len - 2, len - 1);
    out[0] = insn(LD_W_ABS, 0, 0, OFFSET_ARCH);
    out[1] = insn(JMP_JEQ_K, 1, 0, arch.audit_arch);
    out[2] = insn(RET_K, 0, 0, RET_KILL_PROCESS);
    out[3] = insn(LD_W_ABS, 0, 0, OFFSET_NR);
    // Every allowed number is below the x32 bit: this kills x32 calls too.
    out[4] = insn(JMP_JGT_K, (kill_at - 5) as u8, 0, *sorted.last()?);
    let mut at = 5;
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
    let len = build(nr::NATIVE, &nrs[..n], &mut prog).ok_or(Errno::EINVAL)?;
    set_mode_filter(&prog[..len])
}

/// Whether this kernel can lock a process down at all: a seccomp filter that kills
/// (`SECCOMP_RET_KILL_PROCESS`), asked without installing one. A server checks it once at
/// start-up and refuses to serve without the sandbox it was asked for. It fails with `ENOSYS`
/// on a kernel built without seccomp and under qemu's user-mode emulator, which implements
/// neither seccomp(2) nor `PR_SET_SECCOMP`.
pub fn available() -> Result<()> {
    verbosel_sys::seccomp::action_available(RET_KILL_PROCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every architecture's table: each test runs for both, whichever the host is.
    const ARCHES: [&Table; 2] = nr::ALL;

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

    /// The numbers of an allow-list in `arch`'s table.
    fn nrs(arch: &Table, lists: &[&[Allowed]]) -> Vec<usize> {
        lists
            .iter()
            .flat_map(|l| l.iter())
            .map(|(name, _)| arch.number(name).unwrap_or_else(|| panic!("{name}")))
            .collect()
    }

    /// The program for `allowed` on `arch`.
    fn program(arch: &Table, allowed: &[usize]) -> Vec<SockFilter> {
        let mut prog = [SockFilter::EMPTY; MAX_FILTER];
        let len = build(arch, allowed, &mut prog).unwrap();
        prog[..len].to_vec()
    }

    /// Numbers to try: every call of either table, and far past them.
    const TRIED: std::ops::Range<u32> = 0..460;

    #[test]
    fn allows_exactly_the_list_on_each_architecture() {
        for arch in ARCHES {
            let allowed = nrs(arch, &[ALLOWED]);
            let prog = program(arch, &allowed);
            for nr in TRIED {
                let want = if allowed.contains(&(nr as usize)) {
                    RET_ALLOW
                } else {
                    RET_KILL_PROCESS
                };
                assert_eq!(run(&prog, arch.audit_arch, nr), want, "{} {nr}", arch.arch);
            }
            // The calls that would let a connection process out are all outside the list,
            // under this architecture's numbers.
            for name in [
                "openat", "execve", "socket", "connect", "clone", "kill", "prctl", "fork", "mmap",
                "seccomp",
            ] {
                if let Some(nr) = arch.number(name) {
                    let got = run(&prog, arch.audit_arch, nr as u32);
                    assert_eq!(got, RET_KILL_PROCESS, "{} {name}", arch.arch);
                }
            }
        }
    }

    #[test]
    fn a_number_from_another_table_is_killed_even_where_it_means_an_allowed_call() {
        let (x86, arm) = (&nr::x86_64::TABLE, &nr::aarch64::TABLE);
        for (arch, other) in [(x86, arm), (arm, x86)] {
            let prog = program(arch, &nrs(arch, &[ALLOWED, ALLOWED_SPARE]));
            for nr in TRIED {
                // The other architecture's `arch` value, whatever the number.
                assert_eq!(run(&prog, other.audit_arch, nr), RET_KILL_PROCESS);
            }
            // And the 32-bit entries of each (AUDIT_ARCH_I386, AUDIT_ARCH_ARM), where 0 to 460
            // mean other calls again.
            for compat in [0x4000_0003, 0x4000_0028] {
                assert_eq!(run(&prog, compat, 3), RET_KILL_PROCESS);
            }
        }
        // x86_64's x32 ABI: the same arch value, numbers from 0x4000_0000 (x32's read, and
        // its execve).
        let prog = program(x86, &nrs(x86, &[ALLOWED]));
        for nr in [
            X32_SYSCALL_BIT,
            X32_SYSCALL_BIT | 59,
            X32_SYSCALL_BIT | 520,
            u32::MAX,
        ] {
            assert_eq!(run(&prog, x86.audit_arch, nr), RET_KILL_PROCESS, "{nr:#x}");
        }
        // The same calls are allowed by name on both, under different numbers: aarch64's read
        // (63) is x86_64's uname, and killed there.
        assert_eq!(arm.number("read"), Some(63));
        assert_eq!(run(&prog, x86.audit_arch, 63), RET_KILL_PROCESS);
    }

    #[test]
    fn every_call_number_is_decided_in_a_few_instructions() {
        // The kernel runs the program for every number when the filter is installed: that is
        // what the search keeps short. (With one test per call, every forbidden number took 18;
        // the search takes at most 10 on both architectures, 8.1 on average over 0..460 for
        // x86_64's numbers and 7.6 for aarch64's.)
        for arch in ARCHES {
            let prog = program(arch, &nrs(arch, &[ALLOWED, ALLOWED_SPARE]));
            let steps: Vec<usize> = TRIED
                .map(|nr| run_counted(&prog, arch.audit_arch, nr).1)
                .collect();
            let longest = *steps.iter().max().unwrap();
            assert!(longest <= 10, "{}: {longest} instructions", arch.arch);
            let mean = steps.iter().sum::<usize>() as f64 / steps.len() as f64;
            assert!(mean <= 8.5, "{}: {mean} on average", arch.arch);
            // Above the highest allowed number: decided right after loading it.
            assert_eq!(run_counted(&prog, arch.audit_arch, 459).1, 5);
        }
    }

    #[test]
    fn the_heap_calls_and_a_full_extra_list_still_fit_and_decide_quickly() {
        // The longest list an app can ask for: the heap's calls, a spare's, and the most
        // extras `App::allow_syscalls` takes (15; numbers above the table's, all distinct).
        for arch in ARCHES {
            let mut allowed = nrs(arch, &[ALLOWED, ALLOWED_SPARE, ALLOWED_HEAP]);
            allowed.extend(300..315);
            let prog = program(arch, &allowed);
            for nr in TRIED {
                let (got, steps) = run_counted(&prog, arch.audit_arch, nr);
                let want = if allowed.contains(&(nr as usize)) {
                    RET_ALLOW
                } else {
                    RET_KILL_PROCESS
                };
                assert_eq!(got, want, "{} {nr}", arch.arch);
                assert!(steps <= 11, "{steps} instructions for {nr}");
            }
        }
    }

    #[test]
    fn builds_the_same_decisions_for_any_order_and_duplicates() {
        let mut prog = [SockFilter::EMPTY; MAX_FILTER];
        for arch in ARCHES {
            for list in [
                &[288usize, 0, 1, 3, 20][..],
                &[3, 3, 20, 1, 0, 288, 1],
                &[42],
                &[0, 1],
            ] {
                let len = build(arch, list, &mut prog).unwrap();
                for nr in TRIED {
                    let want = if list.contains(&(nr as usize)) {
                        RET_ALLOW
                    } else {
                        RET_KILL_PROCESS
                    };
                    assert_eq!(
                        run(&prog[..len], arch.audit_arch, nr),
                        want,
                        "{list:?} {nr}"
                    );
                }
            }
            assert!(build(arch, &[], &mut prog).is_none());
        }
    }

    #[test]
    fn refuses_lists_too_long_for_the_program_and_numbers_no_call_has() {
        let many: Vec<usize> = (0..MAX_FILTER).collect();
        let mut prog = [SockFilter::EMPTY; MAX_FILTER];
        assert!(build(nr::NATIVE, &many, &mut prog).is_none());
        // An x32 number (or anything past it) would slip under "above the highest allowed".
        for bad in [
            X32_SYSCALL_BIT as usize,
            X32_SYSCALL_BIT as usize | 1,
            1 << 40,
        ] {
            assert!(
                build(nr::NATIVE, &[0, bad], &mut prog).is_none(),
                "{bad:#x}"
            );
        }
    }

    #[test]
    fn every_allowed_call_has_a_number_on_every_architecture() {
        for arch in ARCHES {
            for (name, _) in ALLOWED.iter().chain(ALLOWED_SPARE).chain(ALLOWED_HEAP) {
                assert!(arch.number(name).is_some(), "{}: {name}", arch.arch);
            }
        }
    }

    #[test]
    fn compiled_numbers_are_the_native_table_in_order() {
        let compiled: Vec<usize> = ALLOWED_NRS
            .iter()
            .chain(&ALLOWED_SPARE_NRS)
            .chain(&ALLOWED_HEAP_NRS)
            .copied()
            .collect();
        assert_eq!(
            compiled,
            nrs(nr::NATIVE, &[ALLOWED, ALLOWED_SPARE, ALLOWED_HEAP])
        );
        // Which, for the record, are not the same numbers on the two architectures.
        let x86 = nrs(&nr::x86_64::TABLE, &[ALLOWED]);
        let arm = nrs(&nr::aarch64::TABLE, &[ALLOWED]);
        assert!(x86.iter().zip(&arm).all(|(a, b)| a != b));
    }
}
