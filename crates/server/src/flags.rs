//! Process-wide flags: what a connection process, its response writer, its signal handlers and
//! its panic handler tell one another. They live here, below all of them, so that nothing lower
//! on the request path reads a higher module's statics.
//!
//! Each flag is a word in the first page of the connection memory (see `verbosel_rt::flag`): a
//! connection process writes these, and keeping them beside its buffer spares it one more dirty
//! page. Every process has its own copy after fork; the parent uses only [`DRAINING`].

use core::sync::atomic::{AtomicI32, Ordering};

/// One per-process flag.
pub(crate) struct Flag(usize);

impl Flag {
    /// Whether the flag is set.
    pub(crate) fn is_set(&self) -> bool {
        self.word() != 0
    }

    /// Sets or clears the flag.
    pub(crate) fn set(&self, on: bool) {
        self.set_word(on as i32)
    }

    /// Sets the flag; returns whether it was already set.
    pub(crate) fn test_and_set(&self) -> bool {
        verbosel_rt::flag(self.0).swap(1, Ordering::SeqCst) != 0
    }

    /// The flag's word (for the flags that hold a number).
    pub(crate) fn word(&self) -> i32 {
        verbosel_rt::flag(self.0).load(Ordering::SeqCst)
    }

    /// Sets the flag's word.
    pub(crate) fn set_word(&self, v: i32) {
        verbosel_rt::flag(self.0).store(v, Ordering::SeqCst)
    }

    /// The atomic itself, for a signal action that sets it (`signals::install`).
    pub(crate) fn atomic(&self) -> &'static AtomicI32 {
        verbosel_rt::flag(self.0)
    }
}

/// Whether the response to the current request has started: then a panic cannot send a 500
/// (the client already has part of another answer), and the connection is just closed.
pub(crate) static RESPONSE_STARTED: Flag = Flag(1);
/// Set by a stopping signal (SIGTERM, SIGINT, SIGHUP, SIGQUIT) to the signal's number: finish
/// the request in flight, then close. The parent names the signal in its log line.
pub(crate) static DRAINING: Flag = Flag(2);
/// Set while the process waits for the next request (or, a spare, for a connection) with nothing
/// in flight: then a SIGTERM ends it at once (see `signals::install`).
pub(crate) static NOTHING_IN_FLIGHT: Flag = Flag(3);
