//! Raw Linux system calls, without libc.
//!
//! Three layers, as in the kernel's nolibc and rustix's `linux_raw` backend:
//!
//! 1. [`arch`]: `syscall0`..`syscall6` in inline assembly for the target architecture, and the
//!    two naked trampolines a process needs (`_start` and the signal restorer). Nothing else in
//!    the project knows a register.
//! 2. One module per syscall family ([`io`], [`net`], [`process`], [`signal`], [`time`],
//!    [`resource`], [`seccomp`], [`fs`], [`pages`]): typed wrappers that read like the man page
//!    signature and return [`Result`], with the kernel's `-errno` decoded in one place
//!    ([`Errno`]).
//! 3. Everything above this crate is safe Rust.
//!
//! # Safety
//!
//! `unsafe` is confined to this crate (and `verbosel-rt`). Each wrapper is safe to call because it
//! only passes the kernel pointers derived from Rust references whose lengths it passes alongside,
//! or plain integers; every `unsafe` block says why it is sound.
#![cfg_attr(not(test), no_std)]
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

pub mod arch;
mod errno;
pub mod fd;
pub mod fs;
pub mod io;
pub mod net;
mod nr;
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

/// The names and numbers of every system call verbosel can make, for documentation and for the
/// sandbox's allow-list. The count of this table is the "syscalls" figure on the landing page.
pub use nr::SYSCALLS;
