//! The connection's working memory: one static buffer in `.bss`.
//!
//! Pages of `.bss` cost nothing until written, and after fork each process writes its own copy,
//! so a child that serves a 300-byte request touches one page of this megabyte, not all of it —
//! the difference between 10,000 connections fitting in memory or not. A stack array would be
//! zero-filled (touched) on every use, and safe Rust has no uninitialised buffers.

use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicI32, Ordering};

/// Bytes of working memory a connection process gets: request head and body, plus scratch space
/// for decoded parameters.
pub const CONNECTION_MEMORY: usize = 1024 * 1024 + 64 * 1024;

/// Per-process flags kept in the same page as the start of the buffer (see [`flag`]).
pub const FLAGS: usize = 15;

/// The flags, then the buffer, page-aligned: a child that writes its flags and reads a small
/// request dirties one page of this, not two.
#[repr(C, align(4096))]
struct Memory {
    taken: AtomicI32,
    /// The connection the panic handler answers on, plus one (0: none); see `panic.rs`.
    panic_fd: AtomicI32,
    /// The per-request CPU budget's state; see `cpu.rs`.
    cpu: crate::cpu::CpuWatch,
    flags: [AtomicI32; FLAGS],
    bytes: UnsafeCell<[u8; CONNECTION_MEMORY]>,
}

// SAFETY: `bytes` is only reached through `connection_memory`, which hands out the single `&mut`
// at most once per process (guarded by `taken`); the flags are atomics.
unsafe impl Sync for Memory {}

static MEMORY: Memory = Memory {
    taken: AtomicI32::new(0),
    panic_fd: AtomicI32::new(0),
    cpu: crate::cpu::CpuWatch::new(),
    flags: [const { AtomicI32::new(0) }; FLAGS],
    bytes: UnsafeCell::new([0; CONNECTION_MEMORY]),
};

/// Per-process flag `i` (`i < FLAGS`), zero at start. These are what a connection process writes
/// besides its buffer and stack (its connection's fd for the panic handler, "idle", "draining");
/// kept here rather than in statics of their own so that they share the buffer's first page
/// instead of dirtying one more page per connection process (10,000 connections, 40 MB).
pub fn flag(i: usize) -> &'static AtomicI32 {
    &MEMORY.flags[i]
}

/// The panic handler's connection slot (see `panic::answer_panics_on`).
pub(crate) fn panic_fd() -> &'static AtomicI32 {
    &MEMORY.panic_fd
}

/// The CPU budget's state (see `cpu.rs`).
pub(crate) fn cpu_watch() -> &'static crate::cpu::CpuWatch {
    &MEMORY.cpu
}

/// The process's connection memory, the first time it is asked for; `None` afterwards.
///
/// A forked child has its own copy of `TAKEN` and of the memory, so each connection process can
/// take it once (the parent never does).
pub fn connection_memory() -> Option<&'static mut [u8]> {
    if MEMORY.taken.swap(1, Ordering::AcqRel) != 0 {
        return None;
    }
    // SAFETY: `taken` guarantees this is the only reference ever created in this process.
    Some(unsafe { &mut *MEMORY.bytes.get() })
}
