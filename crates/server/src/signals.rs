//! Signal handling. The handlers are `verbosel_sys`'s own (`signal::Action`): they only store to
//! atomics and call exit_group, which is async-signal-safe (signal-safety(7)), so installing them
//! is safe code; the loops notice signals through EINTR and flags.

use crate::connection::{DRAINING, IDLE};
use verbosel_sys::signal::{
    Action, SA_RESTART, SIGCHLD, SIGINT, SIGPIPE, SIGTERM, SigSet, set_action,
};

/// The signals the parent blocks everywhere except inside ppoll, so a signal can never slip in
/// between checking a flag and going to sleep.
pub(crate) const WATCHED: SigSet = SigSet::EMPTY.with(SIGCHLD).with(SIGTERM).with(SIGINT);

/// Installs the handlers. SIGPIPE is ignored: a write to a vanished client is an EPIPE error,
/// never a death (this is inherited by every child).
///
/// SIGTERM and SIGINT start draining: they set DRAINING, and a connection process that is idle
/// between requests (IDLE set) has nothing in flight and exits at once; one mid-request finishes
/// it first. The same handler serves the parent (inherited across fork), where IDLE is never set.
/// SIGCHLD only interrupts the parent's ppoll, and the loop reaps.
pub(crate) fn install() -> verbosel_sys::Result<()> {
    set_action(SIGPIPE, Action::Ignore, 0, SigSet::EMPTY)?;
    let drain = Action::SetFlag {
        flag: DRAINING.atomic(),
        exit_if: Some(IDLE.atomic()),
    };
    set_action(SIGTERM, drain, SA_RESTART, SigSet::EMPTY)?;
    set_action(SIGINT, drain, SA_RESTART, SigSet::EMPTY)?;
    set_action(SIGCHLD, Action::Interrupt, SA_RESTART, SigSet::EMPTY)
}
