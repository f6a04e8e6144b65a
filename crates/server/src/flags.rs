//! Process-wide flags: what a connection process, its response writer, its signal handlers and
//! its panic handler tell one another. They live here, below all of them, so that nothing lower
//! on the request path reads a higher module's statics.
//!
//! Each flag is a word in the first page of the connection memory (see `verbosel_rt::flag`): a
//! connection process writes these, and keeping them beside its buffer spares it one more dirty
//! page. Every process has its own copy after fork; the parent uses only [`DRAINING`].

use core::sync::atomic::Ordering;

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

    /// The flag's word (for [`PANIC_FD`], which holds a number).
    pub(crate) fn word(&self) -> i32 {
        verbosel_rt::flag(self.0).load(Ordering::SeqCst)
    }

    /// Sets the flag's word.
    pub(crate) fn set_word(&self, v: i32) {
        verbosel_rt::flag(self.0).store(v, Ordering::SeqCst)
    }
}

/// The connection a panic handler should answer on, plus one (0: none).
pub(crate) static PANIC_FD: Flag = Flag(0);
/// Whether the response to the current request has started: then a panic cannot send a 500
/// (the client already has part of another answer), and the connection is just closed.
pub(crate) static RESPONSE_STARTED: Flag = Flag(1);
/// Set by the SIGTERM/SIGINT handler: finish the request in flight, then close.
pub(crate) static DRAINING: Flag = Flag(2);
/// Set while the process waits for the next request (or, a spare, for a connection) with nothing
/// in flight: then a SIGTERM ends it at once (see `signals::on_terminate`).
pub(crate) static NOTHING_IN_FLIGHT: Flag = Flag(3);
/// Requests this process has begun to answer (wrapping): `cpu_limit` tells by it whether the
/// request in flight is the one that was in flight a CPU-second ago.
pub(crate) static REQUESTS: Flag = Flag(4);
/// Set when the process is near its CPU hard limit: the connection closes after the response
/// in flight, so that no request starts without its whole CPU budget ahead of it.
pub(crate) static RETIRE: Flag = Flag(5);
/// `cpu_limit`'s state: the request count at the last SIGXCPU, how many in a row found the
/// same request in flight, how many there have been, the budget and the hard limit in seconds.
pub(crate) static CPU_LAST_SEEN: Flag = Flag(6);
pub(crate) static CPU_SAME_REQUEST: Flag = Flag(7);
pub(crate) static CPU_TICKS: Flag = Flag(8);
pub(crate) static CPU_BUDGET: Flag = Flag(9);
pub(crate) static CPU_HARD: Flag = Flag(10);
/// The signal that asked the parent to stop, for its log line.
pub(crate) static STOP_SIGNAL: Flag = Flag(11);
