//! The parent process: it accepts (or keeps children ready to), forks, counts and reaps, and
//! shuts down gracefully. It never reads a request: a crash, a leak or a hang in one connection
//! dies with that connection's process, and the parent's address space stays a few pages, which
//! keeps fork cheap.
//!
//! All waiting happens in one place, `ppoll`, with SIGCHLD, SIGTERM and SIGINT unblocked only
//! there: a child's exit or a stop request always wakes the loop, with no race between checking
//! and sleeping, and without an event loop.

use crate::app::App;
use crate::config::{Config, Mode};
use crate::connection;
use crate::files::FileSources;
use crate::flags::{DRAINING, NOTHING_IN_FLIGHT};
use crate::log;
use crate::scoreboard::{self, Scoreboard};
use crate::signals;
use core::sync::atomic::{AtomicI32, Ordering};
use verbosel_digits::{DECIMAL_DIGITS, decimal};
use verbosel_rt::answer_panics_on;
use verbosel_sys::io::{self, O_CLOEXEC, O_NONBLOCK};
use verbosel_sys::landlock::Ruleset;
use verbosel_sys::net::{self, SocketAddr};
use verbosel_sys::process::{self, Exit, Fork, WNOHANG};
use verbosel_sys::signal::{self, POLLIN, PollFd, SIG_SETMASK, SIGKILL, SIGSYS, SIGTERM, SigSet};
use verbosel_sys::time::{self, Timespec};
use verbosel_sys::{BorrowedFd, Errno, OwnedFd, fd};

/// After a failed accept or fork (no fds, no processes, no memory), wait this long before trying
/// again: long enough not to spin, short enough to recover quickly when the pressure lifts.
pub const BACKOFF_MS: u64 = 100;

/// Pid table slots: twice the largest `--max-conns`, so linear probing stays short.
const SLOTS: usize = 2 * crate::config::MAX_CONNS_LIMIT as usize;

/// The live children's pids, in an open-addressing table the parent keeps out of its children
/// (`private_table`, `MADV_DONTFORK`): it writes here after every fork, and a page written after a
/// fork would otherwise stay behind in each child as a private copy nobody uses.
struct Pids(&'static [AtomicI32; SLOTS]);

fn slot(pid: i32) -> usize {
    (pid as usize) % SLOTS
}

impl Pids {
    /// Records `pid`; false if every slot is taken (which `max_conns`, at most
    /// [`MAX_CONNS_LIMIT`](crate::config::MAX_CONNS_LIMIT), half the slots, never allows).
    fn insert(&self, pid: i32) -> bool {
        let mut i = slot(pid);
        for _ in 0..SLOTS {
            if self.0[i].load(Ordering::Relaxed) == 0 {
                self.0[i].store(pid, Ordering::Relaxed);
                return true;
            }
            i = (i + 1) % SLOTS;
        }
        false
    }

    fn find(&self, pid: i32) -> Option<usize> {
        let mut i = slot(pid);
        for _ in 0..SLOTS {
            match self.0[i].load(Ordering::Relaxed) {
                0 => return None,
                v if v == pid => return Some(i),
                _ => i = (i + 1) % SLOTS,
            }
        }
        None
    }

    /// Removes `pid`; false if it was not there. Backward-shift deletion keeps probe chains intact.
    fn remove(&self, pid: i32) -> bool {
        let Some(mut i) = self.find(pid) else {
            return false;
        };
        self.0[i].store(0, Ordering::Relaxed);
        let mut j = i;
        loop {
            j = (j + 1) % SLOTS;
            let v = self.0[j].load(Ordering::Relaxed);
            if v == 0 {
                return true;
            }
            let home = slot(v);
            // Move v back into the hole unless its home lies between the hole and its position.
            let between = if i <= j {
                i < home && home <= j
            } else {
                i < home || home <= j
            };
            if !between {
                self.0[i].store(v, Ordering::Relaxed);
                self.0[j].store(0, Ordering::Relaxed);
                i = j;
            }
        }
    }

    /// Every live child.
    fn iter(&self) -> impl Iterator<Item = i32> + '_ {
        self.0
            .iter()
            .map(|s| s.load(Ordering::Relaxed))
            .filter(|&v| v != 0)
    }
}

/// Failures that repeat under pressure are logged when they start, as a reminder now and then,
/// and when they end — not once per event: a fork bomb's worth of identical lines helps nobody.
struct Trouble {
    what: &'static str,
    errno: Errno,
    count: u64,
    /// Monotonic ms of the last failure and of the last line logged about this episode.
    last_failure: u64,
    last_log: u64,
}

/// While failures go on, a reminder at most this often.
const TROUBLE_REMINDER_MS: u64 = 60_000;
/// An episode ends after this long without a failure: one success between two failures (a
/// process slot freed and taken again under a lasting limit) is not a recovery.
const TROUBLE_QUIET_MS: u64 = 1_000;

impl Trouble {
    const NONE: Trouble = Trouble {
        what: "",
        errno: Errno(0),
        count: 0,
        last_failure: 0,
        last_log: 0,
    };

    fn hit(&mut self, what: &'static str, errno: Errno) {
        let now = time::monotonic_ms();
        let new = self.count == 0 || self.what != what || self.errno != errno;
        if new {
            log::error(&[
                what.as_bytes(),
                b" failed: ",
                errno.name().as_bytes(),
                b"; backing off and retrying",
            ]);
            self.last_log = now;
        } else if now - self.last_log >= TROUBLE_REMINDER_MS {
            let mut n = [0u8; DECIMAL_DIGITS];
            log::error(&[
                what.as_bytes(),
                b" still failing: ",
                errno.name().as_bytes(),
                b", ",
                decimal(self.count, &mut n),
                b" attempts so far",
            ]);
            self.last_log = now;
        }
        self.what = what;
        self.errno = errno;
        self.count += 1;
        self.last_failure = now;
    }

    fn clear(&mut self) {
        if self.count > 0 && time::monotonic_ms() - self.last_failure >= TROUBLE_QUIET_MS {
            let mut n = [0u8; DECIMAL_DIGITS];
            log::error(&[
                b"recovered after ",
                decimal(self.count, &mut n),
                b" failed attempts at ",
                self.what.as_bytes(),
            ]);
            self.count = 0;
        }
    }
}

struct Parent<'a> {
    app: &'a App,
    /// The sources of files, set up before the first fork.
    files: Option<&'a FileSources<'a>>,
    /// With `--root` or `--data`: the Landlock ruleset each connection process enforces on itself (built
    /// once, here in the parent; a child makes only the one landlock_restrict_self).
    confine: Option<&'a Ruleset>,
    /// The access log's dropped-line counters, in memory shared with every child.
    log_drops: log::Drops,
    cfg: &'a Config,
    /// This process's copy of the listener; `None` once it is closed here (a forked child takes
    /// its copy out and drops it, the parent does at shutdown).
    listener: Option<OwnedFd>,
    /// The pipe on which spares report "accepted" (read end, write end).
    notify: Option<(OwnedFd, OwnedFd)>,
    live: u32,
    trouble: Trouble,
    /// Connection processes that could not enter their sandbox (a setting the process may not
    /// make, such as a hard limit below the sandbox's): one episode, logged and backed off.
    sandbox_trouble: Trouble,
    /// The connection processes' resource limits, decided once here rather than in every child.
    limits: verbosel_sandbox::ResourceLimits,
    /// The parent's own pid, for children to notice it is gone.
    pid: i32,
    /// Which spares wait in accept(), in memory shared with them.
    board: Scoreboard,
    /// Whether the spare pool has been filled once (see `step_spare`).
    started: bool,
    /// No spares are forked before this monotonic ms (after a spare's accept failed).
    backoff_until: u64,
    pids: Pids,
}

/// A spare whose accept() failed (no fds, no memory) exits with this plus the errno, so the
/// parent can log it once and back off instead of forking a replacement straight into the same
/// failure.
const EXIT_ACCEPT_FAILED: i32 = 150;

/// A connection process that could not enter its sandbox exits with this plus the errno
/// (errnos above 38 are reported as 39).
const EXIT_SANDBOX_FAILED: i32 = 110;

/// After the `n`th connection process in a row could not enter its sandbox, no process is
/// forked for this long: [`BACKOFF_MS`], doubling up to 32 times that (3.2 s). Such a failure is
/// a setting, not a passing shortage, so retrying ten times a second would only be a fork storm.
fn sandbox_backoff_ms(n: u64) -> u64 {
    BACKOFF_MS << n.saturating_sub(1).min(5)
}

/// At start-up, how long the first spare runs alone before the rest of the pool is forked.
const RAMP_UP_MS: u64 = 2;

/// Runs the parent loop until SIGTERM/SIGINT, then shuts down gracefully. Returns the exit code.
pub(crate) fn run(
    app: &App,
    files: Option<&FileSources<'_>>,
    confine: Option<&Ruleset>,
    cfg: &Config,
    listener: OwnedFd,
) -> i32 {
    let on_demand = cfg.mode == Mode::OnDemand;
    // The parent polls a non-blocking listener; spares block in accept() and are woken one at a
    // time by the kernel.
    if fd::set_nonblocking(listener.as_fd(), on_demand).is_err() {
        return 1;
    }
    let notify = if on_demand {
        None
    } else {
        match io::pipe2(O_CLOEXEC | O_NONBLOCK) {
            Ok(p) => Some(p),
            Err(e) => {
                log::error(&[b"pipe2 failed: ", e.name().as_bytes()]);
                return 1;
            }
        }
    };
    let log_words = match verbosel_sys::shared::shared_counters() {
        Ok([count, episode, ..]) => log::Drops::new(count, episode),
        Err(e) => {
            log::error(&[b"mmap failed: ", e.name().as_bytes()]);
            return 1;
        }
    };
    let tables = (
        verbosel_sys::shared::shared_counters(),
        verbosel_sys::shared::private_table::<SLOTS>(),
        verbosel_sys::shared::private_table::<{ scoreboard::SLOTS }>(),
    );
    let (shared, pids, owners) = match tables {
        (Ok(c), Ok(p), Ok(o)) => (c, p, o),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => {
            log::error(&[b"mmap failed: ", e.name().as_bytes()]);
            return 1;
        }
    };
    let mut p = Parent {
        app,
        files,
        confine,
        log_drops: log_words,
        cfg,
        listener: Some(listener),
        notify,
        live: 0,
        trouble: Trouble::NONE,
        sandbox_trouble: Trouble::NONE,
        pid: process::getpid(),
        board: Scoreboard::new(shared, owners),
        started: false,
        backoff_until: 0,
        pids: Pids(pids),
        limits: sandbox_limits(cfg),
    };
    let mut backoff = false;
    while !DRAINING.is_set() {
        p.reap();
        let now = time::monotonic_ms();
        let timeout = if backoff {
            Some(Timespec::from_millis(BACKOFF_MS))
        } else {
            (now < p.backoff_until).then(|| Timespec::from_millis(p.backoff_until - now))
        };
        backoff = match cfg.mode {
            Mode::OnDemand => p.step_on_demand(timeout),
            Mode::Spare(n) | Mode::Reuse { spare: n, .. } => p.step_spare(n, timeout),
        };
    }
    // Stop accepting: the kernel refuses new connections once the last copy of the listener is
    // closed (children serving a connection closed theirs after accept).
    drop(p.listener.take());
    p.shutdown();
    0
}

impl Parent<'_> {
    /// Reaps every exited child, without blocking.
    fn reap(&mut self) {
        while let Ok(Some((pid, exit))) = process::wait_any(WNOHANG) {
            if self.pids.remove(pid) {
                self.live -= 1;
                self.board.exited(pid);
            }
            match exit {
                Exit::Code(c) if c >= EXIT_ACCEPT_FAILED => {
                    self.trouble
                        .hit("accept", Errno((c - EXIT_ACCEPT_FAILED) as u16));
                    self.backoff_until = time::monotonic_ms() + BACKOFF_MS;
                }
                Exit::Code(c) if c >= EXIT_SANDBOX_FAILED => {
                    let t = &mut self.sandbox_trouble;
                    t.hit(
                        "entering the sandbox",
                        Errno((c - EXIT_SANDBOX_FAILED) as u16),
                    );
                    self.backoff_until = time::monotonic_ms() + sandbox_backoff_ms(t.count);
                }
                _ => {
                    // A child that got past its sandbox: the episode, if any, may be over.
                    self.sandbox_trouble.clear();
                    report(pid, exit)
                }
            }
        }
    }

    /// Records a new child's pid. The table has room for twice the largest `--max-conns`, so it
    /// cannot be full; if it ever were, the child would still be counted, and reaped by wait4.
    fn track(&self, pid: i32) {
        if !self.pids.insert(pid) {
            log::error(&[b"the pid table is full: a connection process is not tracked"]);
        }
    }

    /// Waits for the next event with the watched signals unblocked. Returns the poll result.
    fn wait(&self, fds: &mut [PollFd], timeout: Option<Timespec>) -> bool {
        matches!(signal::ppoll(fds, timeout, SigSet::EMPTY), Ok(n) if n > 0)
    }

    // The landing page shows the source from here to the end marker, taken at build time.
    // page:accept-loop:begin
    /// Fork-after-accept: wait for a connection, accept a burst, fork a child for each.
    fn step_on_demand(&mut self, timeout: Option<Timespec>) -> bool {
        if self.live >= self.cfg.max_conns {
            // At the limit: the backlog is the queue. Sleep until a child exits.
            self.wait(&mut [], None);
            return false;
        }
        if timeout.is_some() {
            // Backing off after EMFILE/ENFILE/ENOMEM or a failed fork: sleep without watching
            // the listener, which stays readable and would wake us at once (a spin), but with
            // signals open, so a SIGTERM still gets through.
            self.wait(&mut [], timeout);
        } else {
            let Some(listener) = &self.listener else {
                return false;
            };
            let mut fds = [PollFd::new(listener.as_fd(), POLLIN)];
            if !self.wait(&mut fds, None) {
                return false;
            }
        }
        while self.live < self.cfg.max_conns {
            let Some(listener) = &self.listener else {
                return false;
            };
            match net::accept4(listener.as_fd(), net::SOCK_CLOEXEC) {
                Ok((conn, peer)) => {
                    if let Err(e) = self.fork_for(conn, peer) {
                        self.trouble.hit("fork", e);
                        return true;
                    }
                    self.trouble.clear();
                }
                Err(Errno::EAGAIN) => return false,
                Err(Errno::ECONNABORTED) | Err(Errno::EINTR) => {}
                Err(e) => {
                    self.trouble.hit("accept", e);
                    return true;
                }
            }
        }
        false
    }

    fn fork_for(&mut self, conn: OwnedFd, peer: Option<SocketAddr>) -> Result<(), Errno> {
        match process::fork() {
            Ok(Fork::Child) => {
                // The child's copy of the listener is its own to close: a connection process
                // must not keep the port open after the parent closes it at shutdown.
                drop(self.listener.take());
                child(self, conn.as_fd(), peer)
            }
            Ok(Fork::Parent(pid)) => {
                self.track(pid);
                self.live += 1;
                Ok(())
            }
            Err(e) => {
                // No process for this client: say so rather than hang up without a word.
                let _ = io::write(conn.as_fd(), b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\nRetry-After: 1\r\n\r\n");
                Err(e)
            }
        }
    }

    // page:accept-loop:end

    /// Spare pool: keep `n` children waiting in accept(). They count themselves in a shared
    /// counter (one atomic decrement on accept, an increment when a `--reuse` worker goes back to
    /// accept); the parent tops the pool up whenever it wakes — a child exited (SIGCHLD), or the
    /// pool fell to its low-water mark and the child that took it there wrote a byte to the pipe.
    /// So a busy pool costs the parent no wakeup per connection beyond the exits themselves.
    fn step_spare(&mut self, n: u32, timeout: Option<Timespec>) -> bool {
        self.board.collect_done();
        // At start-up the first spare is forked alone and given a moment before the rest: the
        // first request (a health check, a cold start) is then served by a spare that is not
        // competing with seven forks for the CPU.
        let mut budget = if self.live == 0 && !self.started {
            1
        } else {
            n
        };
        let now = time::monotonic_ms();
        if now < self.backoff_until {
            budget = 0;
        }
        while budget > 0 && self.board.accepting() < n && self.live < self.cfg.max_conns {
            budget -= 1;
            let Some(slot) = self.board.allocate() else {
                break;
            };
            match process::fork() {
                Ok(Fork::Child) => spare_child(self, slot, n),
                Ok(Fork::Parent(pid)) => {
                    self.board.assign(slot, Some(pid));
                    self.track(pid);
                    self.live += 1;
                    self.trouble.clear();
                }
                Err(e) => {
                    self.board.assign(slot, None);
                    self.trouble.hit("fork", e);
                    break;
                }
            }
        }
        let timeout = if now < self.backoff_until {
            Some(Timespec::from_millis(self.backoff_until - now))
        } else if self.trouble.count > 0 {
            Some(Timespec::from_millis(BACKOFF_MS))
        } else if !self.started {
            self.started = true;
            Some(Timespec::from_millis(RAMP_UP_MS))
        } else {
            timeout
        };
        let Some((r, _)) = &self.notify else {
            return false;
        };
        let mut fds = [PollFd::new(r.as_fd(), POLLIN)];
        if self.wait(&mut fds, timeout) {
            // The bytes only say "wake up"; drain them.
            let mut buf = [0u8; 256];
            while let Ok(256) = io::read(r.as_fd(), &mut buf) {}
        }
        false
    }

    /// Graceful shutdown: the listener is closed; ask every child to finish, wait up to the
    /// grace period, then kill what is left. Works as PID 1, where signals without handlers
    /// are ignored: ours has handlers.
    #[inline(never)]
    fn shutdown(&mut self) {
        let sig = signals::name(crate::flags::DRAINING.word());
        log::error(&[sig.as_bytes(), b": stopping, requests in flight may finish"]);
        for pid in self.pids.iter() {
            let _ = process::kill(pid, SIGTERM);
        }
        let deadline = time::monotonic_ms() + self.cfg.grace_secs * 1000;
        loop {
            self.reap();
            let now = time::monotonic_ms();
            if self.live == 0 || now >= deadline {
                break;
            }
            self.wait(&mut [], Some(Timespec::from_millis(deadline - now)));
        }
        if self.live > 0 {
            let mut n = [0u8; DECIMAL_DIGITS];
            log::error(&[
                b"grace period over: killing ",
                decimal(self.live as u64, &mut n),
                b" connection processes",
            ]);
            for pid in self.pids.iter() {
                let _ = process::kill(pid, SIGKILL);
            }
            while self.live > 0 {
                match process::wait_any(0) {
                    Ok(Some((pid, _))) => {
                        if self.pids.remove(pid) {
                            self.live -= 1;
                        }
                    }
                    Err(Errno::EINTR) => {}
                    _ => break,
                }
            }
        }
        log::error(&[b"stopped"]);
    }
}

/// Logs a child that ended abnormally: the parent is the only one left to tell.
#[inline(never)]
fn report(pid: i32, exit: Exit) {
    let mut n = [0u8; DECIMAL_DIGITS];
    let pid_s = decimal(pid as u64, &mut n);
    let mut c = [0u8; DECIMAL_DIGITS];
    match exit {
        Exit::Code(0) => {}
        Exit::Code(101) => log::error(&[b"connection process ", pid_s, b" panicked (exit 101)"]),
        Exit::Code(crate::cpu_limit::EXIT_CPU_LIMIT) => log::error(&[
            b"connection process ",
            pid_s,
            b" stopped: a request used more than its CPU limit (exit 102)",
        ]),
        Exit::Code(code) => log::error(&[
            b"connection process ",
            pid_s,
            b" exited with ",
            decimal(code as u64, &mut c),
        ]),
        Exit::Signal(SIGSYS) => log::error(&[
            b"connection process ",
            pid_s,
            b" killed by the sandbox (SIGSYS): it made a forbidden system call",
        ]),
        // SIGTERM during shutdown and SIGKILL at its end are ours.
        Exit::Signal(SIGTERM) | Exit::Signal(SIGKILL) if DRAINING.is_set() => {}
        Exit::Signal(sig) => log::error(&[
            b"connection process ",
            pid_s,
            b" killed by signal ",
            decimal(sig as u64, &mut c),
        ]),
    }
}

/// A spare: sandboxed before it accepts (the set-up happens while it waits, off the request's
/// path), then it waits in accept(), serves, and exits — or, with `--reuse`, goes back to
/// accept() for up to N connections.
fn spare_child(p: &mut Parent<'_>, slot: usize, n: u32) -> ! {
    let (cfg, app) = (p.cfg, p.app);
    // The child's copies of the listener and the pipe are its own: it takes them out of the
    // parent's state, closes the read end now, and the rest once it needs them no more.
    let (Some(listener), Some((r, w))) = (p.listener.take(), p.notify.take()) else {
        process::exit_group(1)
    };
    drop(r);
    // A spare holds the listener: if the parent dies without draining (SIGKILL, the OOM
    // killer), the kernel sends SIGTERM, and an idle spare exits at once instead of keeping the
    // port bound forever. The check after it closes the race with a parent that died first.
    let _ = process::prctl(process::PR_SET_PDEATHSIG, signal::SIGTERM as usize);
    let _ = signal::sigprocmask(SIG_SETMASK, SigSet::EMPTY);
    if process::getppid() != p.pid {
        process::exit_group(0);
    }
    let rounds = match cfg.mode {
        Mode::Reuse { connections, .. } => connections,
        _ => 1,
    };
    if let Err(e) = enter_sandbox(app, cfg, (true, p.confine), &p.limits) {
        process::exit_group(setup_failed(e));
    }
    let Some(mem) = verbosel_rt::connection_memory() else {
        process::exit_group(1)
    };
    // Wake the parent when the pool falls to half (at least: when it is empty), so it forks more
    // in a batch rather than one per connection.
    let low_water = n / 2;
    let mut held = Some((listener, w));
    for round in 0..rounds {
        NOTHING_IN_FLIGHT.set(true);
        if DRAINING.is_set() {
            process::exit_group(0);
        }
        let Some((listener, w)) = &held else {
            process::exit_group(0)
        };
        let accepted = loop {
            match net::accept4(listener.as_fd(), net::SOCK_CLOEXEC) {
                Ok(c) => break c,
                Err(Errno::EINTR) | Err(Errno::ECONNABORTED) | Err(Errno::EAGAIN) => {}
                Err(e) => process::exit_group(
                    EXIT_ACCEPT_FAILED + (e.0 as i32).min(255 - EXIT_ACCEPT_FAILED),
                ),
            }
        };
        NOTHING_IN_FLIGHT.set(false);
        let (conn, peer) = accepted;
        p.board.set(
            slot,
            if rounds == 1 {
                scoreboard::DONE
            } else {
                scoreboard::SERVING
            },
        );
        if p.board.accepting() <= low_water {
            let _ = io::write(w.as_fd(), b"!");
        }
        if rounds == 1 {
            // One connection, then exit: the listener and the pipe are no longer needed.
            held = None;
        }
        answer_panics_on(conn.as_fd(), || {
            connection::serve(app, p.files, cfg, p.log_drops, conn.as_fd(), peer, mem)
        });
        drop(conn);
        // Retiring (near the CPU hard limit): no more connections for this worker.
        if DRAINING.is_set() || crate::cpu_limit::retiring() {
            break;
        }
        if round + 1 < rounds {
            p.board.set(slot, scoreboard::ACCEPTING);
        }
    }
    process::exit_group(0)
}

/// A connection's own process: sandbox, then serve, then exit.
fn child(p: &Parent<'_>, conn: BorrowedFd<'_>, peer: Option<SocketAddr>) -> ! {
    let _ = signal::sigprocmask(SIG_SETMASK, SigSet::EMPTY);
    if let Err(e) = enter_sandbox(p.app, p.cfg, (false, p.confine), &p.limits) {
        process::exit_group(setup_failed(e));
    }
    let Some(mem) = verbosel_rt::connection_memory() else {
        process::exit_group(1)
    };
    answer_panics_on(conn, || {
        connection::serve(p.app, p.files, p.cfg, p.log_drops, conn, peer, mem)
    });
    process::exit_group(0)
}

/// Whether stdout or stderr is a regular file (lseek succeeds only on seekable files; pipes,
/// terminals and sockets fail with ESPIPE). Then RLIMIT_FSIZE cannot be 0, or the first log line
/// would kill the process with SIGXFSZ.
fn logs_to_file() -> bool {
    verbosel_sys::fs::is_seekable(BorrowedFd::STDOUT)
        || verbosel_sys::fs::is_seekable(BorrowedFd::STDERR)
}

#[inline(never)]
fn enter_sandbox(
    app: &App,
    cfg: &Config,
    (spare, confine): (bool, Option<&Ruleset>),
    limits: &verbosel_sandbox::ResourceLimits,
) -> verbosel_sys::Result<()> {
    if !cfg.sandbox {
        return Ok(());
    }
    let spare_nrs: &[usize] = if spare {
        &verbosel_sandbox::ALLOWED_SPARE_NRS
    } else {
        &[]
    };
    // With --root or --data: Landlock first (before this process reads a byte, and before the
    // seccomp filter, which does not allow the Landlock calls), then the folders' calls in the
    // filter (openat2 is in both lists; the filter keeps one test for it).
    if let Some(ruleset) = confine {
        process::prctl(process::PR_SET_NO_NEW_PRIVS, 1)?;
        ruleset.restrict_self()?;
    }
    let folder_nrs: &[usize] = if cfg.site.root.is_some() {
        &verbosel_sandbox::ALLOWED_FOLDER_NRS
    } else {
        &[]
    };
    let data_nrs: &[usize] = if cfg!(feature = "data") && cfg.data_dir.is_some() {
        &verbosel_sandbox::ALLOWED_DATA_NRS
    } else {
        &[]
    };
    // The per-request CPU limit rides on the sandbox's RLIMIT_CPU.
    crate::cpu_limit::install(limits.cpu_soft_secs, limits.cpu_hard_secs)?;
    let mut extra = [0usize;
        crate::app::MAX_EXTRA_SYSCALLS
            + 1
            + verbosel_sandbox::ALLOWED_FOLDER.len()
            + verbosel_sandbox::ALLOWED_DATA.len()];
    let mut n = 0;
    for (slot, &nr) in extra.iter_mut().zip(
        spare_nrs
            .iter()
            .chain(folder_nrs)
            .chain(data_nrs)
            .chain(app.allow_syscalls),
    ) {
        *slot = nr;
        n += 1;
    }
    verbosel_sandbox::enter(limits, extra.get(..n).unwrap_or(&extra))
}

/// The largest file a handler may write beneath the data folder (RLIMIT_FSIZE).
#[cfg(feature = "data")]
const DATA_MAX_FILE: u64 = crate::data::MAX_FILE;
#[cfg(not(feature = "data"))]
const DATA_MAX_FILE: u64 = 0;

/// The exit code of a connection process that could not enter its sandbox: the parent logs it
/// once and backs off, instead of every child logging it (a log storm) and the pool re-forking
/// straight into the same failure (a fork storm).
fn setup_failed(e: Errno) -> i32 {
    EXIT_SANDBOX_FAILED + (e.0 as i32).min(EXIT_ACCEPT_FAILED - EXIT_SANDBOX_FAILED - 1)
}

/// The limits a connection process sets on itself: verbosel's, lowered to what this process may
/// set (an unprivileged process can lower its hard limits, never raise them).
fn sandbox_limits(cfg: &Config) -> verbosel_sandbox::ResourceLimits {
    use verbosel_sys::resource::{RLIMIT_AS, RLIMIT_CPU, RLIMIT_NOFILE, getrlimit};
    let cap = |res, want: u64| getrlimit(res).map_or(want, |l| want.min(l.hard));
    let (cpu_soft_secs, cpu_hard_secs) =
        crate::cpu_limit::rlimits(cfg.cpu_secs, cap(RLIMIT_CPU, u64::MAX));
    verbosel_sandbox::ResourceLimits {
        open_files: cap(RLIMIT_NOFILE, verbosel_sandbox::OPEN_FILES),
        cpu_soft_secs,
        cpu_hard_secs,
        address_space: cap(RLIMIT_AS, verbosel_sandbox::ADDRESS_SPACE),
        file_size: if logs_to_file() {
            verbosel_sys::resource::INFINITY
        } else if cfg.data_dir.is_some() {
            // Handlers write beneath the data folder, up to this much per file.
            DATA_MAX_FILE
        } else {
            0
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pid_table_survives_collisions_and_deletions() {
        let t = Pids(verbosel_sys::shared::private_table::<SLOTS>().unwrap());
        // Pids that share a home slot, interleaved with others.
        let pids: Vec<i32> = (1..200).map(|i| (i % 7) * SLOTS as i32 + i).collect();
        for &p in &pids {
            assert!(t.insert(p));
        }
        for &p in pids.iter().step_by(3) {
            assert!(t.remove(p), "{p}");
        }
        for (k, &p) in pids.iter().enumerate() {
            assert_eq!(t.find(p).is_some(), k % 3 != 0, "{p}");
        }
        assert_eq!(t.iter().count(), pids.len() - pids.len().div_ceil(3));
        for (k, &p) in pids.iter().enumerate() {
            if k % 3 != 0 {
                assert!(t.remove(p));
            }
        }
        assert_eq!(t.iter().count(), 0);
    }

    #[test]
    fn a_full_pid_table_refuses_instead_of_looping() {
        let t = Pids(verbosel_sys::shared::private_table::<SLOTS>().unwrap());
        for pid in 1..=SLOTS as i32 {
            assert!(t.insert(pid));
        }
        assert!(!t.insert(SLOTS as i32 + 1));
        assert_eq!(t.find(SLOTS as i32 + 1), None);
        assert!(t.remove(7));
        assert!(t.insert(SLOTS as i32 + 1));
    }

    #[test]
    fn sandbox_failures_back_off_longer_each_time_up_to_a_bound() {
        let waits: Vec<u64> = (1..=8).map(sandbox_backoff_ms).collect();
        assert_eq!(waits, [100, 200, 400, 800, 1600, 3200, 3200, 3200]);
    }
}
