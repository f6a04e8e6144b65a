//! verbosel's server: the process model, from `listen` to `exit`.
//!
//! Read it in this order: [`App::run`] (here) parses flags and opens the listener; `supervisor`
//! is the parent loop (accept or keep spares, fork, reap, shut down); `connection` is one
//! connection's process, a state machine (read the head, read the body, answer, linger, close);
//! `app` plans each request (a handler, files, or a built-in answer in `answers`); `request`
//! and `response` are what handlers see, `files` what sources of files implement, and `writer`
//! sends every response. `flags` are the process-wide flags they all share.
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(feature = "alloc")]
extern crate alloc;

mod answers;
pub mod app;
#[cfg(any(feature = "site", feature = "data"))]
mod c_path;
pub mod cli;
pub mod config;
mod connection;
mod cpu_limit;
#[cfg(feature = "data")]
pub mod data;
pub mod files;
mod flags;
mod folders;
mod healthcheck;
pub mod listener;
mod log;
pub mod request;
pub mod response;
mod scoreboard;
mod signals;
mod supervisor;
mod writer;

pub use app::{App, Handler, Route, delete, get, patch, post, put};
pub use config::{Config, Mode};
#[cfg(feature = "data")]
pub use data::DataFolder;
pub use request::{Request, Undecodable};
pub use response::{Response, Sent, Stream, json_escape};
pub use verbosel_http::{CookieError, FormError, SameSite, SetCookie};

use verbosel_rt::Env;
use verbosel_sys::io::write_all;
use verbosel_sys::{BorrowedFd, process};

impl App {
    /// Parses the command line over this app's configuration, then serves until SIGTERM.
    /// Returns the process exit code: 0 after a graceful stop, 1 when the server cannot start,
    /// 2 for a usage error.
    pub fn run(&self, env: Env) -> i32 {
        // Before anything is logged: every line names this app, and no log write may ever
        // block a process.
        log::set_program_name(self.name);
        log::make_writes_nonblocking();
        let mut cfg = self.config.within_limits();
        let action = match cli::parse(&env, &mut cfg) {
            Ok(a) => a,
            Err(u) => {
                log::error(&[u.what.as_bytes(), b": ", u.arg, b" (see --help)"]);
                return 2;
            }
        };
        match action {
            cli::Action::Help => {
                for part in ["Usage: ", self.name, cli::HELP] {
                    let _ = write_all(BorrowedFd::STDOUT, part.as_bytes());
                }
                return 0;
            }
            cli::Action::Version => {
                for part in [self.name, " ", self.version, "\n"] {
                    let _ = write_all(BorrowedFd::STDOUT, part.as_bytes());
                }
                return 0;
            }
            cli::Action::Healthcheck => return healthcheck::run(&cfg),
            cli::Action::Serve | cli::Action::List => {}
        }
        // The archive appended to the executable: found, mapped and validated here, before the
        // port is taken, the first fork and any sandbox; a malformed one stops the server.
        let appended = match self.open_archive.map(|open| open()) {
            None | Some(Ok(None)) => None,
            Some(Ok(Some(a))) => Some(a),
            Some(Err(refused)) => {
                refused.report();
                return 2;
            }
        };
        let appended_source = appended.as_ref().map(|a| a as &dyn files::FileSource);
        if action == cli::Action::List {
            if let Some(a) = &appended {
                a.describe(BorrowedFd::STDOUT);
            }
            if let Some(sources) = self.file_sources(None, appended_source) {
                files::list(&sources, BorrowedFd::STDOUT);
            }
            return 0;
        }
        // A sandbox that cannot be installed would fail in every connection process, after the
        // port is taken: say so once, before.
        if cfg.sandbox
            && let Err(e) = verbosel_sandbox::available()
        {
            log::error(&[
                b"cannot lock connection processes down: seccomp filters are unavailable (",
                e.name().as_bytes(),
                b"): a kernel without seccomp, or an emulator such as qemu-user; --no-sandbox serves without the sandbox",
            ]);
            return 1;
        }
        // The folders (--root, --data) and their confinement, before the port is taken.
        let folders = match folders::open(&cfg) {
            Ok(f) => f,
            Err(code) => return code,
        };
        cfg.data_dir = folders.data;
        // Every source of files is set up here, once, before the first fork.
        let mut files = self.file_sources(folders.served(), appended_source);
        if let Some(path) = cfg.site.fallback {
            let found = files.as_mut().is_some_and(|f| f.set_fallback(path).is_ok());
            if !found {
                log::error(&[b"invalid --fallback: ", path, b" (no file there)"]);
                return 2;
            }
        }
        let (listener, passed) = match listener::open(&cfg, &env) {
            Ok(l) => l,
            Err((what, e)) => {
                log::error(&[what.as_bytes(), b": ", e.name().as_bytes()]);
                return 1;
            }
        };
        let bound = verbosel_sys::net::getsockname(listener.as_fd()).unwrap_or(cfg.bind);
        // Bind first (port 80 needs root), then give root up for good.
        if process::geteuid() == 0 {
            let (uid, gid) = cfg.user;
            if let Err(e) = process::drop_privileges(uid, gid) {
                log::error(&[b"cannot drop privileges: ", e.name().as_bytes()]);
                return 1;
            }
        }
        if cfg.batch
            && let Err(e) = process::set_batch_scheduling()
        {
            log::error(&[b"cannot switch to SCHED_BATCH: ", e.name().as_bytes()]);
        }
        // The signals are handled before "listening on" is printed: whoever starts the server and
        // signals it as soon as it reads that line (a test, a supervisor) must never meet a
        // signal's default action, which for SIGUSR1 and SIGHUP is to end the process.
        if !signals::install_in_parent() {
            log::error(&[b"cannot install signal handlers"]);
            return 1;
        }
        announce(self, &cfg, bound, passed);
        supervisor::run(
            self,
            files.as_ref(),
            folders.confine.as_ref(),
            &cfg,
            listener,
        )
    }
}

/// The start-up line on stderr; tests read the port from it when they ask for port 0.
#[inline(never)]
fn announce(app: &App, cfg: &Config, bound: verbosel_sys::net::SocketAddr, passed: bool) {
    let mut l = log::Line::new();
    l.put(app.name.as_bytes()).put(b": listening on ");
    if let verbosel_sys::net::SocketAddr::V6(..) = bound {
        l.put(b"[").addr(Some(bound)).put(b"]");
    } else {
        l.addr(Some(bound));
    }
    l.put(b":").num(bound.port() as u64);
    if passed {
        l.put(b" (socket from systemd)");
    }
    l.put(b", pid ").num(process::getpid() as u64).put(b", ");
    match cfg.mode {
        Mode::OnDemand => l.put(b"fork per connection"),
        Mode::Spare(n) => l.put(b"spare ").num(n as u64),
        Mode::Reuse { spare, connections } => l
            .put(b"spare ")
            .num(spare as u64)
            .put(b", reuse ")
            .num(connections as u64),
    };
    l.put(b", max-conns ").num(cfg.max_conns as u64);
    l.put(if cfg.sandbox {
        b", sandbox on"
    } else {
        b", SANDBOX OFF"
    });
    l.write_to(BorrowedFd::STDERR);
    if !cfg.sandbox {
        log::error(&[b"WARNING: --no-sandbox: connection processes run without seccomp and rlimits. For debugging only."]);
    }
}

/// Called first by the panic handler: if the panicking process is serving a connection and has
/// not started a response, the client gets a 500 instead of a bare close. Then the panic message
/// goes to stderr and the process exits 101; the server keeps serving.
pub fn on_panic() {
    verbosel_rt::with_panic_connection(|fd| {
        if !flags::RESPONSE_STARTED.test_and_set() {
            let _ = write_all(fd, answers::INTERNAL_ERROR);
        }
    });
}
