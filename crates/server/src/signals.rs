//! Signal handling. Handlers only touch atomics and call exit_group, which are
//! async-signal-safe (signal-safety(7)); the loops notice signals through EINTR and flags.

//!
//! What each signal does (also in `--help`):
//! - SIGTERM, SIGINT, SIGHUP, SIGQUIT: stop gracefully. Requests in flight finish (within
//!   `--grace`), idle connections close, the parent says which signal it was and exits 0.
//!   SIGHUP is what a closing terminal and several supervisors send to stop a service; SIGQUIT
//!   would otherwise dump core.
//! - SIGUSR1, SIGUSR2: ignored. nginx reopens its log files on SIGUSR1; verbosel's logs are
//!   stdout and stderr, so there is nothing to reopen, and a stray signal must not kill it.
//! - SIGPIPE: ignored (a vanished client is an EPIPE). SIGCHLD: wakes the parent to reap.

use crate::flags::{DRAINING, NOTHING_IN_FLIGHT, STOP_SIGNAL};
use verbosel_sys::process::exit_group;
use verbosel_sys::signal::{
    Handler, SA_RESTART, SIGCHLD, SIGHUP, SIGINT, SIGPIPE, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2,
    SigSet, sigaction,
};

/// The signals that stop the server gracefully.
pub(crate) const STOPPING: [i32; 4] = [SIGTERM, SIGINT, SIGHUP, SIGQUIT];

/// The signals the parent blocks everywhere except inside ppoll, so a signal can never slip in
/// between checking a flag and going to sleep.
pub(crate) const WATCHED: SigSet = SigSet::EMPTY
    .with(SIGCHLD)
    .with(SIGTERM)
    .with(SIGINT)
    .with(SIGHUP)
    .with(SIGQUIT);

/// A stopping signal's name, for the parent's log line.
pub(crate) fn name(sig: i32) -> &'static str {
    match sig {
        SIGTERM => "SIGTERM",
        SIGINT => "SIGINT",
        SIGHUP => "SIGHUP",
        SIGQUIT => "SIGQUIT",
        _ => "a signal",
    }
}

/// SIGTERM, SIGINT, SIGHUP, SIGQUIT: start draining. A connection process that is idle between
/// requests has nothing in flight and exits at once; one mid-request finishes it first. The same
/// handler serves the parent (inherited across fork), where NOTHING_IN_FLIGHT is never set.
extern "C" fn on_terminate(sig: i32) {
    STOP_SIGNAL.set_word(sig);
    DRAINING.set(true);
    if NOTHING_IN_FLIGHT.is_set() {
        exit_group(0);
    }
}

/// SIGCHLD: nothing to do here; its arrival interrupts ppoll, and the loop reaps.
extern "C" fn on_child(_sig: i32) {}

/// Installs the handlers. SIGPIPE is ignored: a write to a vanished client is an EPIPE error,
/// never a death (this is inherited by every child).
pub(crate) fn install() -> verbosel_sys::Result<()> {
    sigaction(SIGPIPE, Handler::Ignore, 0, SigSet::EMPTY)?;
    sigaction(SIGUSR1, Handler::Ignore, 0, SigSet::EMPTY)?;
    sigaction(SIGUSR2, Handler::Ignore, 0, SigSet::EMPTY)?;
    for sig in STOPPING {
        sigaction(sig, Handler::Call(on_terminate), SA_RESTART, SigSet::EMPTY)?;
    }
    sigaction(SIGCHLD, Handler::Call(on_child), SA_RESTART, SigSet::EMPTY)
}
