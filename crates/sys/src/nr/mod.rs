//! System call numbers: one table per architecture, the names shared.
//!
//! x86_64 has a table of its own (`arch/x86/entry/syscalls/syscall_64.tbl` in the kernel);
//! aarch64, like every architecture ported since 2012, uses the generic one
//! (`include/uapi/asm-generic/unistd.h`). The generic table numbers every call differently, and
//! leaves out the calls that a newer one replaces: there is no `fork` (`clone` with `SIGCHLD`),
//! `open` (`openat`), `poll` (`ppoll`), `dup2` (`dup3`), `pipe` (`pipe2`), `alarm`, `select`
//! (`pselect6`) or `epoll_wait` (`epoll_pwait`). Calls added since Linux 5.1 (numbers from 403 up,
//! such as `openat2` 437 and `landlock_create_ruleset` 444) have one number everywhere.
//!
//! Both tables are always compiled, as data: the sandbox's tests build and run the seccomp
//! filter for each architecture on any host. `nr::READ` and friends are the numbers of the
//! architecture being built ([`NATIVE`]).
//!
//! # Adding a call
//!
//! One line in each architecture's file, the same name in both (the kernel's `__NR_` name in
//! upper case), the number from that architecture's table:
//!
//! ```text
//! x86_64.rs      FLOCK = 73,        OPENAT2 = 437,
//! aarch64.rs     FLOCK = 32,        OPENAT2 = 437,
//! ```
//!
//! The wrapper then names `nr::FLOCK`, and the sandbox's allow-list names `"flock"`. A call
//! that one table lacks (`FORK` on aarch64) is a compile error wherever code names it while
//! building for that architecture: code must not assume an x86_64-only call. The test
//! `every_number_is_the_kernel_headers` checks every line against the kernel's uapi headers
//! (Debian's `linux-libc-dev` and `linux-libc-dev-arm64-cross`).
#![allow(missing_docs)] // each constant is the kernel's `__NR_` name: that is its documentation

pub mod aarch64;
pub mod x86_64;

#[cfg(target_arch = "aarch64")]
pub use aarch64::*;
#[cfg(target_arch = "x86_64")]
pub use x86_64::*;

/// One architecture's system calls: the numbers verbosel uses there, and what seccomp calls the
/// architecture.
#[derive(Debug)]
pub struct Table {
    /// The architecture, as Rust's `target_arch` names it.
    pub arch: &'static str,
    /// `AUDIT_ARCH_*` (linux/audit.h): the `arch` field of `struct seccomp_data` for a call made
    /// through this table, which a seccomp filter must check before it trusts a number.
    pub audit_arch: u32,
    /// Every call verbosel's code can make there, by name (upper case, as in the table's source)
    /// and number, in the order of the table's source.
    pub calls: &'static [(&'static str, usize)],
}

impl Table {
    /// The number of the call `name` (in any case: `"read"` or `"READ"`), or `None` when
    /// verbosel does not make that call on this architecture.
    pub const fn number(&self, name: &str) -> Option<usize> {
        let mut i = 0;
        while i < self.calls.len() {
            if name.eq_ignore_ascii_case(self.calls[i].0) {
                return Some(self.calls[i].1);
            }
            i += 1;
        }
        None
    }

    /// The table of the architecture `target_arch` names (as a build script reads it from
    /// `CARGO_CFG_TARGET_ARCH`), if verbosel supports it.
    pub fn of(target_arch: &str) -> Option<&'static Table> {
        ALL.into_iter().find(|t| t.arch == target_arch)
    }
}

/// The table of the architecture being built.
pub const NATIVE: &Table = &TABLE;

/// Every architecture's table.
pub const ALL: [&Table; 2] = [&x86_64::TABLE, &aarch64::TABLE];

/// Declares one architecture's numbers: a `pub const` per line, and the [`Table`] `TABLE`
/// listing them by name.
macro_rules! table {
    (arch: $arch:literal, audit_arch: $audit:expr; $($name:ident = $nr:literal,)*) => {
        $(pub const $name: usize = $nr;)*

        /// This architecture's table.
        pub const TABLE: super::Table = super::Table {
            arch: $arch,
            audit_arch: $audit,
            calls: &[$((stringify!($name), $nr),)*],
        };
    };
}
use table;

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// `#define __NR_name value` lines of a uapi header, with values that name another macro
    /// (the generic table's `__NR3264_lseek`) resolved.
    fn defines(path: &str) -> Option<HashMap<String, u64>> {
        let text = std::fs::read_to_string(path).ok()?;
        let raw: HashMap<&str, &str> = text
            .lines()
            .filter_map(|l| {
                let mut w = l.split_whitespace();
                (w.next()? == "#define").then_some(())?;
                Some((w.next()?, w.next()?))
            })
            .collect();
        let value = |v: &str| v.parse::<u64>().ok();
        Some(
            raw.iter()
                .filter_map(|(k, v)| {
                    let n = value(v).or_else(|| raw.get(v).and_then(|v| value(v)))?;
                    Some((k.strip_prefix("__NR_")?.to_ascii_uppercase(), n))
                })
                .collect(),
        )
    }

    #[test]
    fn every_number_is_the_kernel_headers() {
        for (table, header, package) in [
            (
                &x86_64::TABLE,
                "/usr/include/x86_64-linux-gnu/asm/unistd_64.h",
                "linux-libc-dev",
            ),
            (
                &aarch64::TABLE,
                "/usr/aarch64-linux-gnu/include/asm-generic/unistd.h",
                "linux-libc-dev-arm64-cross",
            ),
        ] {
            let Some(kernel) = defines(header) else {
                eprintln!("SKIPPED: {header} is missing (apt-get install {package})");
                continue;
            };
            for &(name, nr) in table.calls {
                assert_eq!(
                    kernel.get(name),
                    Some(&(nr as u64)),
                    "{}: {name} = {nr}",
                    table.arch
                );
            }
        }
    }

    #[test]
    fn the_generic_table_lacks_the_calls_it_replaced() {
        // What code above sys must never assume (DESIGN.md): each is named on x86_64 only.
        assert_eq!(x86_64::TABLE.number("fork"), Some(57));
        for old in [
            "fork",
            "open",
            "poll",
            "dup2",
            "pipe",
            "alarm",
            "select",
            "epoll_wait",
        ] {
            assert_eq!(aarch64::TABLE.number(old), None, "{old}");
        }
        // Both tables name the same calls, but for those.
        let names = |t: &Table| t.calls.iter().map(|c| c.0).collect::<Vec<_>>();
        let x86 = names(&x86_64::TABLE);
        let only_x86: Vec<_> = x86
            .iter()
            .filter(|n| aarch64::TABLE.number(n).is_none())
            .collect();
        assert_eq!(only_x86, [&"FORK"]);
        assert!(names(&aarch64::TABLE).iter().all(|n| x86.contains(n)));
    }

    #[test]
    fn names_are_unique_and_found_in_any_case() {
        for table in ALL {
            for (i, &(name, nr)) in table.calls.iter().enumerate() {
                assert_eq!(table.number(name), Some(nr));
                assert_eq!(table.number(&name.to_ascii_lowercase()), Some(nr));
                assert!(table.calls[..i].iter().all(|c| c.0 != name), "{name} twice");
            }
            assert_eq!(Table::of(table.arch).map(|t| t.arch), Some(table.arch));
        }
        assert!(Table::of("riscv64").is_none());
    }

    #[test]
    fn audit_arch_is_the_elf_machine_64_bit_little_endian() {
        // linux/audit.h: AUDIT_ARCH_X86_64 and AUDIT_ARCH_AARCH64.
        const LE64: u32 = 0x8000_0000 | 0x4000_0000;
        assert_eq!(x86_64::TABLE.audit_arch, 62 | LE64);
        assert_eq!(aarch64::TABLE.audit_arch, 183 | LE64);
        assert_eq!(NATIVE.audit_arch, crate::arch::ELF_MACHINE as u32 | LE64);
    }
}
