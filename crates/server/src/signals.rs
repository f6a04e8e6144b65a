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

use crate::flags::{DRAINING, NOTHING_IN_FLIGHT};
use verbosel_sys::signal::{
    Action, SA_RESTART, SIGCHLD, SIGHUP, SIGINT, SIGPIPE, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2,
    SigSet, set_action,
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

/// Blocks [`WATCHED`] (the parent unblocks it only inside ppoll) and installs the actions
/// ([`install`]); false if either fails.
pub(crate) fn install_in_parent() -> bool {
    verbosel_sys::signal::sigprocmask(verbosel_sys::signal::SIG_BLOCK, WATCHED).is_ok()
        && install().is_ok()
}

/// Installs the handlers, all of them `verbosel_sys`'s own (`signal::Action`): they only store
/// to atomics and call exit_group, which is async-signal-safe (signal-safety(7)), so this is
/// safe code. SIGPIPE is ignored: a write to a vanished client is an EPIPE error, never a death
/// (this is inherited by every child).
///
/// A stopping signal stores its number in DRAINING; a connection process that is idle between
/// requests (NOTHING_IN_FLIGHT set) has nothing in flight and exits at once, one mid-request
/// finishes it first. The same action serves the parent (inherited across fork), where
/// NOTHING_IN_FLIGHT is never set. SIGCHLD only interrupts the parent's ppoll, and the loop reaps.
pub(crate) fn install() -> verbosel_sys::Result<()> {
    for sig in [SIGPIPE, SIGUSR1, SIGUSR2] {
        set_action(sig, Action::Ignore, 0, SigSet::EMPTY)?;
    }
    let drain = Action::SetFlag {
        flag: DRAINING.atomic(),
        exit_if: Some(NOTHING_IN_FLIGHT.atomic()),
    };
    for sig in STOPPING {
        set_action(sig, drain, SA_RESTART, SigSet::EMPTY)?;
    }
    set_action(SIGCHLD, Action::Interrupt, SA_RESTART, SigSet::EMPTY)
}
