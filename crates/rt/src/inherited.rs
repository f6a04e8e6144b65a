//! The descriptors a process inherits, claimed at start-up before `main` runs (when every open
//! descriptor is inherited, since the process has not created one yet): the standard streams,
//! which must be open for `BorrowedFd::STDOUT` and its kind to be honest, and systemd's listening
//! socket, which nothing owns until the program takes it.

use core::sync::atomic::{AtomicBool, Ordering};
use verbosel_sys::{OwnedFd, fd, process};

/// systemd's first passed descriptor (`SD_LISTEN_FDS_START`, sd_listen_fds(3)). verbosel serves
/// one socket, so only this one is recorded.
const LISTEN_FDS_START: i32 = 3;

/// The exit code when the standard streams cannot be made valid (no `/dev/null` to open on a
/// closed one): there is then nobody to tell, and no honest `STDERR` to tell it on.
const EXIT_NO_STANDARD_STREAMS: i32 = 127;

/// Whether descriptor 3 was open at start-up and has not been taken.
static LISTEN_FD: AtomicBool = AtomicBool::new(false);

/// Opens `/dev/null` on any closed standard stream and records whether fd 3 was inherited.
/// One ppoll(2) in the common case.
pub(crate) fn claim_at_start() {
    let Ok([stdin, stdout, stderr, listen]) = fd::which_open::<4>() else {
        process::exit_group(EXIT_NO_STANDARD_STREAMS)
    };
    if fd::open_standard_streams([stdin, stdout, stderr]).is_err() {
        process::exit_group(EXIT_NO_STANDARD_STREAMS)
    }
    LISTEN_FD.store(listen, Ordering::Relaxed);
}

/// systemd's listening socket: descriptor 3, if it was open when the process started, once.
///
/// The caller checks that it is meant for this process (`LISTEN_PID` is our pid and `LISTEN_FDS`
/// is at least 1, sd_listen_fds(3)) before taking it. An inherited descriptor that nothing in the
/// process has claimed has no owner, so taking it cannot create a second one; a number the
/// process opened itself is never handed out here, because only what was open before `main` is.
pub fn take_listen_fd() -> Option<OwnedFd> {
    if !LISTEN_FD.swap(false, Ordering::Relaxed) {
        return None;
    }
    // SAFETY: fd 3 was open at start-up, before the process created any descriptor, so it was
    // inherited; the swap above hands it out at most once, so nothing else owns it.
    Some(unsafe { OwnedFd::from_raw(LISTEN_FDS_START) })
}
