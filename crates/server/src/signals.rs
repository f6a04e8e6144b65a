//! Signal handling. Handlers only touch atomics and call exit_group, which are
//! async-signal-safe (signal-safety(7)); the loops notice signals through EINTR and flags.

use crate::flags::{DRAINING, NOTHING_IN_FLIGHT};
use verbosel_sys::process::exit_group;
use verbosel_sys::signal::{
    Handler, SA_RESTART, SIGCHLD, SIGINT, SIGPIPE, SIGTERM, SigSet, sigaction,
};

/// The signals the parent blocks everywhere except inside ppoll, so a signal can never slip in
/// between checking a flag and going to sleep.
pub(crate) const WATCHED: SigSet = SigSet::EMPTY.with(SIGCHLD).with(SIGTERM).with(SIGINT);

/// SIGTERM and SIGINT: start draining. A connection process that is idle between requests has
/// nothing in flight and exits at once; one mid-request finishes it first. The same handler
/// serves the parent (inherited across fork), where NOTHING_IN_FLIGHT is never set.
extern "C" fn on_terminate(_sig: i32) {
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
    sigaction(
        SIGTERM,
        Handler::Call(on_terminate),
        SA_RESTART,
        SigSet::EMPTY,
    )?;
    sigaction(
        SIGINT,
        Handler::Call(on_terminate),
        SA_RESTART,
        SigSet::EMPTY,
    )?;
    sigaction(SIGCHLD, Handler::Call(on_child), SA_RESTART, SigSet::EMPTY)
}
