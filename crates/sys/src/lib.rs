//! Raw Linux system calls, without libc.
//!
//! Three layers, as in the kernel's nolibc and rustix's `linux_raw` backend:
//!
//! 1. [`arch`]: `syscall0`..`syscall6` in inline assembly for the target architecture (x86_64
//!    or aarch64), and the two naked trampolines a process needs (`_start` and the signal
//!    restorer). Nothing else in the project knows a register. [`nr`] has the system call
//!    numbers, one table per architecture with the names shared.
//! 2. One module per syscall family ([`io`], [`net`], [`process`], [`signal`], [`time`],
//!    [`resource`], [`seccomp`], [`fs`], [`landlock`], [`pages`], [`mapped`]): typed wrappers that read like the man page
//!    signature and return [`Result`], with the kernel's `-errno` decoded in one place
//!    ([`Errno`]).
//! 3. Everything above this crate is safe Rust.
//!
//! # Adding a system call
//!
//! A wrapper in the family's module, written once for every architecture, naming `nr::NAME`;
//! and one line per architecture in `nr/x86_64.rs` and `nr/aarch64.rs` (the same name, each
//! with its table's number: see [`nr`]). If the call takes a struct, check its layout on both
//! (most are the same on the two 64-bit architectures; `struct stat` is not, use `statx`) and
//! its flags (`O_DIRECTORY` and `O_NOFOLLOW` differ between them). A call the sandbox allows
//! also gets a row in `verbosel-sandbox`'s tables, by name: its numbers come from here.
//!
//! # Safety
//!
//! `unsafe` is confined to this crate (and `verbosel-rt`); every `unsafe` block says why it is
//! sound. The safe API keeps safe code safe, as rustix's does:
//!
//! - Arguments reach the arch layer as [`arch::Arg`]s: pointers stay pointers (provenance and
//!   all) and are tied to the borrow they came from; calls that only read memory use the
//!   `_readonly` entry points, so the compiler knows.
//! - Each wrapper passes the kernel only pointers derived from Rust references whose lengths it
//!   passes alongside, or plain integers; no safe function takes an address as a number
//!   ([`process::prctl`] refuses the options that would read one).
//! - I/O safety: a descriptor is owned ([`OwnedFd`]) or borrowed ([`BorrowedFd`]); making either
//!   from a raw number, and closing a raw number, are `unsafe fn`s with a `# Safety` section.
//! - What depends on the process having one thread ([`process::fork`]) checks it: only
//!   `verbosel-rt`'s start-up may declare it ([`process::assume_single_threaded`]), and nothing
//!   here can start a thread.
//! - Signal handlers must be async-signal-safe: [`signal::set_action`] installs only this crate's
//!   own (atomics and `exit_group`); installing any other function is the `unsafe`
//!   [`signal::sigaction`].
#![cfg_attr(not(test), no_std)]
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

pub mod arch;
mod errno;
pub mod fd;
pub mod fs;
pub mod fs_change;
pub mod io;
pub mod landlock;
pub mod mapped;
pub mod net;
pub mod nr;
pub mod pages;
pub mod process;
pub mod resource;
pub mod seccomp;
pub mod shared;
pub mod signal;
pub mod time;
mod vdso;

pub use errno::{Errno, Result, retry_on_intr};
pub use fd::{BorrowedFd, OwnedFd};

/// The names and numbers of every system call verbosel can make on the architecture being built
/// (`nr::NATIVE.calls`). The count of this table is the "syscalls" figure on the landing page.
pub const SYSCALLS: &[(&str, usize)] = nr::NATIVE.calls;
