//! The connection's working memory: one static buffer in `.bss`.
//!
//! Pages of `.bss` cost nothing until written, and after fork each process writes its own copy,
//! so a child that serves a 300-byte request touches one page of this megabyte, not all of it —
//! the difference between 10,000 connections fitting in memory or not. A stack array would be
//! zero-filled (touched) on every use, and safe Rust has no uninitialised buffers.

use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicBool, Ordering};

/// Bytes of working memory a connection process gets: request head and body, plus scratch space
/// for decoded parameters.
pub const CONNECTION_MEMORY: usize = 1024 * 1024 + 64 * 1024;

struct Memory(UnsafeCell<[u8; CONNECTION_MEMORY]>);

// SAFETY: the only access is through `connection_memory`, which hands out the single `&mut`
// at most once per process (guarded by TAKEN).
unsafe impl Sync for Memory {}

static MEMORY: Memory = Memory(UnsafeCell::new([0; CONNECTION_MEMORY]));
static TAKEN: AtomicBool = AtomicBool::new(false);

/// The process's connection memory, the first time it is asked for; `None` afterwards.
///
/// A forked child has its own copy of `TAKEN` and of the memory, so each connection process can
/// take it once (the parent never does).
pub fn connection_memory() -> Option<&'static mut [u8]> {
    if TAKEN.swap(true, Ordering::AcqRel) {
        return None;
    }
    // SAFETY: TAKEN guarantees this is the only reference ever created in this process.
    Some(unsafe { &mut *MEMORY.0.get() })
}
