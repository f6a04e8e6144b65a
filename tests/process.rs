//! The process model over real sockets and signals: panics, killed children, backpressure,
//! graceful shutdown, fork and fd exhaustion, flags, the access log, no zombies. Each test starts
//! its own server on a free port and stops it (the harness kills what is left).

mod support;
use std::io::Write;
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use support::{
    Response, Server, TIMEOUT, children_of, command, free_port, proc_state, read_response,
    read_to_close, server_command, server_words, wait_until,
};

const MISBEHAVE: &str = "examples/misbehave";

/// The two ways a connection gets its process: fork after accept, and the default spare pool.
const MODES: [(&str, &[&str]); 2] = [
    ("--spare 0", &["--spare", "0"]),
    ("default spare pool", &[]),
];

/// User plus system CPU time of a process, in clock ticks (proc(5): fields 14 and 15).
fn cpu_ticks(pid: i32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    // `after` starts at field 3 (state), so field n is f[n - 3].
    f.get(11).and_then(|u| u.parse::<u64>().ok()).unwrap_or(0)
        + f.get(12).and_then(|s| s.parse::<u64>().ok()).unwrap_or(0)
}

fn clock_ticks_per_sec() -> u64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100)
}

/// The child busy in a handler (/sleep, /spin busy-wait): running, with CPU time behind it.
/// Spares blocked in accept() sleep, and a freshly forked spare has used next to no CPU.
fn busy_child(s: &Server) -> i32 {
    busy_child_of(s.pid())
}

fn busy_child_of(parent: i32) -> i32 {
    let mut found = None;
    let ok = wait_until(TIMEOUT, || {
        found = children_of(parent)
            .into_iter()
            .find(|&c| proc_state(c) == Some('R') && cpu_ticks(c) >= 5);
        found.is_some()
    });
    assert!(
        ok,
        "no child is busy in the handler; children: {:?}",
        children_of(parent)
    );
    found.unwrap()
}

fn get_at(addr: SocketAddr, path: &str) -> Response {
    let mut c = TcpStream::connect(addr).unwrap_or_else(|e| panic!("connect {addr}: {e}"));
    c.set_read_timeout(Some(TIMEOUT)).unwrap();
    c.write_all(format!("GET {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n").as_bytes())
        .unwrap();
    let raw = read_to_close(&mut c);
    Response::parse(&raw)
        .unwrap_or_else(|| panic!("bad response: {:?}", String::from_utf8_lossy(&raw)))
}

fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

/// Waits until the server's stderr contains `needle`; returns the whole text.
fn stderr_shows(s: &Server, needle: &str) -> String {
    let ok = wait_until(TIMEOUT, || s.stderr_text().contains(needle));
    let text = s.stderr_text();
    assert!(ok, "stderr never said {needle:?}:\n{text}");
    text
}

/// No child of the server is a zombie, and `expected` children are left (within a while: a child
/// that just exited is a zombie until the parent's next turn of its loop).
fn settles_without_zombies(s: &Server, expected: usize) {
    let ok = wait_until(TIMEOUT, || {
        let kids = s.children();
        kids.len() == expected && kids.iter().all(|&c| proc_state(c) != Some('Z'))
    });
    let states: Vec<_> = s.children().iter().map(|&c| (c, proc_state(c))).collect();
    assert!(
        ok,
        "expected {expected} live children and no zombie, got {states:?}"
    );
}

/// A uid of its own for each test that counts processes per user (RLIMIT_NPROC): unlikely to be
/// anyone else's, and different for each test and each test process.
fn private_uid(k: u32) -> u32 {
    30_000 + (std::process::id() % 5_000) * 4 + k
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(2) == Some("0"))
}

// ---------------------------------------------------------------------------------------------
// Panics

#[test]
fn a_panic_in_main_exits_101_with_the_location_on_stderr() {
    let out = command(MISBEHAVE).arg("--panic-now").output().unwrap();
    assert_eq!(out.status.code(), Some(101), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("panicked at"), "{err}");
    assert!(err.contains("misbehave.rs:"), "no file:line in {err}");
    assert!(
        err.contains("panicked at start-up on purpose"),
        "no message in {err}"
    );
}

#[test]
fn a_panicking_handler_answers_500_is_logged_and_the_server_keeps_serving() {
    let s = Server::start(MISBEHAVE, &["--quiet"]);
    let r = s.get("/panic");
    assert_eq!(r.status, 500, "{r:?}");
    let log = stderr_shows(&s, "panicked (exit 101)");
    assert!(log.contains("this handler panics on purpose"), "{log}");
    assert_eq!(s.get("/ok").status, 200);
}

#[test]
fn a_panic_after_the_response_started_truncates_it_without_a_500() {
    let s = Server::start(MISBEHAVE, &["--quiet"]);
    let raw = s.exchange(b"GET /panic-mid-stream HTTP/1.1\r\nHost: t\r\n\r\n");
    let text = String::from_utf8_lossy(&raw);
    assert!(text.starts_with("HTTP/1.1 200 "), "{text}");
    assert!(
        !text.contains(" 500 "),
        "a 500 after a started response: {text}"
    );
    assert!(text.contains("partial"), "{text}");
    // The chunked body never ends: a client can tell the response is incomplete.
    assert!(Response::parse(&raw).is_none(), "looks complete: {text}");
    stderr_shows(&s, "panicked (exit 101)");
    assert_eq!(s.get("/ok").status, 200);
}

// ---------------------------------------------------------------------------------------------
// A child killed mid-request

fn sigkill_mid_request(mode: &[&str]) {
    let mut args = vec!["--quiet"];
    args.extend_from_slice(mode);
    let s = Server::start(MISBEHAVE, &args);
    let mut c = s.connect();
    c.write_all(b"GET /sleep?ms=5000 HTTP/1.1\r\nHost: t\r\n\r\n")
        .unwrap();
    let victim = busy_child(&s);
    assert!(
        Command::new("kill")
            .args(["-KILL", &victim.to_string()])
            .status()
            .unwrap()
            .success()
    );
    // The client sees the connection end with no response.
    assert!(read_to_close(&mut c).is_empty());
    // Reaped: gone from /proc (a zombie would still be there), and logged.
    assert!(
        wait_until(TIMEOUT, || proc_state(victim).is_none()),
        "{victim} is {:?}",
        proc_state(victim)
    );
    stderr_shows(&s, "killed by signal 9");
    assert_eq!(s.get("/ok").status, 200);
    // The process that served /ok may be a zombie for an instant, until the parent's next turn.
    assert!(wait_until(TIMEOUT, || s
        .children()
        .iter()
        .all(|&c| proc_state(c) != Some('Z'))));
}

#[test]
fn a_child_killed_mid_request_is_reaped_and_the_server_keeps_serving_fork_per_connection() {
    sigkill_mid_request(&["--spare", "0"]);
}

#[test]
fn a_child_killed_mid_request_is_reaped_and_the_server_keeps_serving_spare_pool() {
    sigkill_mid_request(&[]);
}

// ---------------------------------------------------------------------------------------------
// Backpressure

fn max_conns_4(mode: &[&str]) {
    // A long head timeout: the four held connections must not time out during the test.
    let mut args = vec!["--quiet", "--max-conns", "4", "--header-timeout", "120"];
    args.extend_from_slice(mode);
    let s = Server::start(MISBEHAVE, &args);
    let pid = s.pid();
    let peak = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let watcher = {
        let (peak, stop) = (peak.clone(), stop.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                peak.fetch_max(children_of(pid).len(), Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(2));
            }
        })
    };
    // Four clients take the four slots with a head that never ends (a connection that has sent
    // nothing is not accepted yet: TCP_DEFER_ACCEPT).
    let mut conns: Vec<TcpStream> = (0..4).map(|_| s.connect()).collect();
    for c in &mut conns {
        c.write_all(b"GET /ok HTTP/1.1\r\n").unwrap();
    }
    // Give the server every chance to take more than it may: four are taken, for seconds.
    assert!(
        wait_until(TIMEOUT, || s.children().len() == 4),
        "children: {:?}",
        s.children()
    );
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(s.children().len(), 4);
    conns.extend((0..6).map(|_| s.connect()));
    // The last six wait in the backlog. Their requests are sent, and nobody answers them yet.
    for c in &mut conns[4..] {
        c.write_all(b"GET /ok HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
            .unwrap();
    }
    std::thread::sleep(Duration::from_millis(300));
    for c in &conns[4..] {
        c.set_nonblocking(true).unwrap();
        let mut b = [0u8; 1];
        match c.peek(&mut b) {
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            other => {
                panic!("a queued connection was answered while all four slots were held: {other:?}")
            }
        }
        c.set_nonblocking(false).unwrap();
    }
    // Free one slot: the queued connections are served, one after the other, through it.
    let first = conns.remove(0);
    let _ = first.shutdown(Shutdown::Both);
    drop(first);
    for (i, c) in conns[3..].iter_mut().enumerate() {
        let raw = read_to_close(c);
        let r = Response::parse(&raw)
            .unwrap_or_else(|| panic!("queued #{i}: {:?}", String::from_utf8_lossy(&raw)));
        assert_eq!((r.status, r.text().as_str()), (200, "ok"));
    }
    stop.store(true, Ordering::Relaxed);
    watcher.join().unwrap();
    let peak = peak.load(Ordering::Relaxed);
    assert!(peak <= 4, "saw {peak} children with --max-conns 4");
    assert_eq!(peak, 4);
}

#[test]
fn max_conns_4_never_makes_more_than_four_children_and_serves_the_queue_fork_per_connection() {
    max_conns_4(&["--spare", "0"]);
}

#[test]
fn max_conns_4_never_makes_more_than_four_children_and_serves_the_queue_spare_pool() {
    max_conns_4(&[]);
}

// ---------------------------------------------------------------------------------------------
// Graceful shutdown

fn drains_on(sig: i32, mode: &[&str]) {
    let grace = 10;
    let grace_s = grace.to_string();
    let mut args = vec!["--quiet", "--grace", &grace_s];
    args.extend_from_slice(mode);
    let mut s = Server::start(MISBEHAVE, &args);
    // An idle keep-alive connection, having served one request.
    let mut idle = s.connect();
    idle.write_all(b"GET /ok HTTP/1.1\r\nHost: t\r\n\r\n")
        .unwrap();
    assert_eq!(read_response(&mut idle).status, 200);
    // A request in flight.
    let mut busy = s.connect();
    busy.write_all(b"GET /sleep?ms=1500 HTTP/1.1\r\nHost: t\r\n\r\n")
        .unwrap();
    busy_child(&s);
    let t0 = Instant::now();
    s.signal(sig);
    let raw = read_to_close(&mut busy);
    let r = Response::parse(&raw)
        .unwrap_or_else(|| panic!("in-flight request: {:?}", String::from_utf8_lossy(&raw)));
    assert_eq!((r.status, r.text().as_str()), (200, "slept"));
    assert!(
        read_to_close(&mut idle).is_empty(),
        "the idle connection got bytes instead of a close"
    );
    let st = s
        .wait_exit(Duration::from_secs(grace + 5))
        .expect("the server did not exit");
    let took = t0.elapsed();
    assert_eq!(st.code(), Some(0), "{st:?}");
    assert!(
        took < Duration::from_secs(grace),
        "took {took:?}, grace is {grace}s"
    );
    // The reader of stderr may lag the exit a little: wait for the last line.
    let log = stderr_shows(&s, "stopped");
    assert!(!log.contains("grace period over"), "{log}");
}

#[test]
fn sigterm_lets_the_request_in_flight_finish_closes_idle_connections_and_exits_0() {
    drains_on(15, &[]);
}

#[test]
fn sigterm_lets_the_request_in_flight_finish_closes_idle_connections_and_exits_0_fork_per_connection()
 {
    drains_on(15, &["--spare", "0"]);
}

#[test]
fn sigint_lets_the_request_in_flight_finish_closes_idle_connections_and_exits_0() {
    drains_on(2, &[]);
}

#[test]
fn a_response_finished_during_shutdown_announces_connection_close() {
    let s = Server::start(MISBEHAVE, &["--quiet", "--grace", "10"]);
    let mut busy = s.connect();
    busy.write_all(b"GET /sleep?ms=1500 HTTP/1.1\r\nHost: t\r\n\r\n")
        .unwrap();
    busy_child(&s);
    s.signal(15);
    let raw = read_to_close(&mut busy);
    let r = Response::parse(&raw)
        .unwrap_or_else(|| panic!("in-flight request: {:?}", String::from_utf8_lossy(&raw)));
    assert_eq!(r.status, 200);
    // RFC 9112 §9.6: a server about to close says so, so the client sends nothing more on it.
    assert!(
        r.header("connection")
            .is_some_and(|v| v.eq_ignore_ascii_case("close")),
        "{r:?}"
    );
}

#[test]
fn sigterm_drains_and_exits_0_as_pid_1_of_a_pid_namespace() {
    // PID 1 ignores every signal it has no handler for: the container case.
    if !is_root() {
        eprintln!("skipped: a new pid namespace needs root");
        return;
    }
    let mut cmd = Command::new("unshare");
    cmd.args(["--pid", "--fork", "--"])
        .args(server_words(MISBEHAVE));
    cmd.args(["--port", "0", "--quiet"]);
    let mut s = Server::start_cmd(cmd);
    stderr_shows(&s, ", pid 1,");
    // `unshare` forks the server; signal the server itself.
    let server = s.children()[0];
    let mut busy = s.connect();
    busy.write_all(b"GET /sleep?ms=1000 HTTP/1.1\r\nHost: t\r\n\r\n")
        .unwrap();
    busy_child_of(server);
    assert!(
        Command::new("kill")
            .args(["-TERM", &server.to_string()])
            .status()
            .unwrap()
            .success()
    );
    let raw = read_to_close(&mut busy);
    let r = Response::parse(&raw)
        .unwrap_or_else(|| panic!("in-flight request: {:?}", String::from_utf8_lossy(&raw)));
    assert_eq!((r.status, r.text().as_str()), (200, "slept"));
    // unshare exits with its child's status.
    let st = s.wait_exit(TIMEOUT).expect("PID 1 ignored SIGTERM");
    assert_eq!(st.code(), Some(0), "{st:?}");
}

/// Kills, when dropped, those of `pids` that still run our fixture (checked by their command
/// line, so that a reused pid is never hit).
struct KillLeftovers(Vec<i32>);

impl Drop for KillLeftovers {
    fn drop(&mut self) {
        for &p in &self.0 {
            let cmdline = std::fs::read(format!("/proc/{p}/cmdline")).unwrap_or_default();
            if String::from_utf8_lossy(&cmdline).contains("misbehave") {
                let _ = Command::new("kill")
                    .args(["-KILL", &p.to_string()])
                    .status();
            }
        }
    }
}

#[test]
fn spares_do_not_outlive_a_parent_killed_with_sigkill() {
    let mut s = Server::start(MISBEHAVE, &["--quiet"]);
    assert!(
        wait_until(TIMEOUT, || s.children().len() == 8),
        "{:?}",
        s.children()
    );
    let spares = KillLeftovers(s.children());
    let port = s.port;
    s.child.kill().unwrap();
    s.child.wait().unwrap();
    let gone = wait_until(Duration::from_secs(5), || {
        spares
            .0
            .iter()
            .all(|&p| proc_state(p).is_none_or(|st| st == 'Z'))
    });
    assert!(gone, "spares outlived their parent: {:?}", spares.0);
    // Nobody holds the port any more: a restarted server could bind it.
    assert!(std::net::TcpListener::bind(("0.0.0.0", port)).is_ok());
}

#[test]
fn sigterm_kills_stragglers_after_the_grace_period() {
    let mut s = Server::start(MISBEHAVE, &["--quiet", "--grace", "1"]);
    let mut c = s.connect();
    c.write_all(b"GET /spin HTTP/1.1\r\nHost: t\r\n\r\n")
        .unwrap();
    let straggler = busy_child(&s);
    s.signal(15);
    let st = s
        .wait_exit(Duration::from_secs(8))
        .expect("not stopped within a few seconds of a 1 s grace");
    assert_eq!(st.code(), Some(0), "{st:?}");
    assert!(read_to_close(&mut c).is_empty());
    stderr_shows(&s, "grace period over: killing 1");
    assert!(wait_until(TIMEOUT, || proc_state(straggler).is_none()));
}

#[test]
fn sigterm_reaches_every_idle_spare_and_none_is_left_behind() {
    let mut s = Server::start(MISBEHAVE, &["--quiet"]);
    assert!(
        wait_until(TIMEOUT, || s.children().len() == 8),
        "{:?}",
        s.children()
    );
    let spares = s.children();
    s.signal(15);
    let st = s.wait_exit(TIMEOUT).expect("no exit");
    assert_eq!(st.code(), Some(0));
    for p in spares {
        assert!(
            wait_until(TIMEOUT, || proc_state(p).is_none()),
            "spare {p} outlived the server"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Fork failure (RLIMIT_NPROC) and fd exhaustion (RLIMIT_NOFILE)

/// The end of a failure episode is logged. A server may wait for a quiet spell before it calls
/// the pressure over (one success between two failures is no recovery): keep serving for a while
/// (2 s, a request every 100 ms), then expect the line.
fn recovery_logged(s: &Server) -> String {
    let end = Instant::now() + Duration::from_secs(2);
    while Instant::now() < end && !s.stderr_text().contains("recovered after") {
        assert_eq!(s.get("/ok").status, 200);
        std::thread::sleep(Duration::from_millis(100));
    }
    stderr_shows(s, "recovered after")
}

/// The server under `prlimit` (util-linux), which sets the limits and execs it: the pid stays.
/// As root it also binds, then drops to `uid` (RLIMIT_NPROC does not bind root), and counts only
/// its own processes.
fn start_limited(limit: &str, uid: u32, args: &[&str]) -> Server {
    let mut cmd = Command::new("prlimit");
    cmd.arg(limit)
        .arg("--")
        .args(server_words(MISBEHAVE))
        .args(["--port", "0", "--quiet"]);
    cmd.args(["--user", &format!("{uid}:{uid}")]).args(args);
    Server::start_cmd(cmd)
}

/// The NPROC tests need the server to run as a user of its own; only root can arrange that.
fn need_root(what: &str) -> bool {
    if !is_root() {
        eprintln!("skipped: {what} needs root (to run the server as a uid of its own)");
    }
    is_root()
}

/// The NPROC tests count on one task per process: qemu-user runs each emulated process as two
/// (the program's thread and qemu's own RCU thread), so the limits mean other things there.
fn nproc_counts_processes() -> bool {
    !support::not_under_emulation("RLIMIT_NPROC counts tasks, and qemu-user has two per process")
}

#[test]
fn fork_failure_keeps_the_listener_answers_503_logs_once_and_recovers_fork_per_connection() {
    if !need_root("RLIMIT_NPROC") || !nproc_counts_processes() {
        return;
    }
    // The server plus two children: the third fork fails with EAGAIN.
    let s = start_limited(
        "--nproc=3:3",
        private_uid(0),
        &["--spare", "0", "--header-timeout", "120"],
    );
    let holders: Vec<TcpStream> = (0..2).map(|_| s.connect()).collect();
    assert!(
        wait_until(TIMEOUT, || s.children().len() == 2),
        "{:?}",
        s.children()
    );
    for _ in 0..5 {
        let r = s.get("/ok");
        assert_eq!(r.status, 503, "{r:?}");
    }
    assert!(
        proc_state(s.pid()).is_some_and(|st| st != 'Z'),
        "the parent died"
    );
    let log = stderr_shows(&s, "fork failed: EAGAIN");
    assert_eq!(count(&log, "fork failed"), 1, "logged per event:\n{log}");
    // The limit eases as the holders' processes exit.
    drop(holders);
    assert!(
        wait_until(TIMEOUT, || s.children().is_empty()),
        "{:?}",
        s.children()
    );
    assert_eq!(s.get("/ok").status, 200);
    let log = recovery_logged(&s);
    assert_eq!(count(&log, "fork failed"), 1, "{log}");
}

#[test]
fn fork_failure_in_the_spare_pool_keeps_the_listener_and_recovers() {
    if !need_root("RLIMIT_NPROC") || !nproc_counts_processes() {
        return;
    }
    // Two spares fit under the limit, not eight: the pool cannot fill.
    let s = start_limited("--nproc=3:3", private_uid(1), &["--header-timeout", "120"]);
    stderr_shows(&s, "fork failed: EAGAIN");
    assert!(
        wait_until(TIMEOUT, || s.children().len() == 2),
        "{:?}",
        s.children()
    );
    let holders: Vec<TcpStream> = (0..2).map(|_| s.connect()).collect();
    // Both spares are busy; a third connection waits in the backlog.
    let mut queued = s.connect();
    queued
        .write_all(b"GET /ok HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    assert!(proc_state(s.pid()).is_some_and(|st| st != 'Z'));
    drop(holders);
    let raw = read_to_close(&mut queued);
    let r = Response::parse(&raw).unwrap_or_else(|| panic!("{:?}", String::from_utf8_lossy(&raw)));
    assert_eq!(r.status, 200);
    assert_eq!(s.get("/ok").status, 200);
}

#[test]
fn fork_failure_in_the_spare_pool_is_logged_once_not_per_connection() {
    if !need_root("RLIMIT_NPROC") || !nproc_counts_processes() {
        return;
    }
    let s = start_limited("--nproc=3:3", private_uid(2), &[]);
    stderr_shows(&s, "fork failed: EAGAIN");
    for _ in 0..5 {
        assert_eq!(s.get("/ok").status, 200);
    }
    std::thread::sleep(Duration::from_millis(500));
    let log = s.stderr_text();
    // The pressure never lifted (the pool never reached 8): one line, not one per connection.
    assert_eq!(count(&log, "fork failed"), 1, "logged per event:\n{log}");
}

/// Raises the running server's open-file soft limit. As root without CAP_SYS_RESOURCE (a
/// container), prlimit(2) on another user's process is refused; the server's own uid may.
fn ease_nofile(pid: i32, uid: u32) {
    let mut cmd = if is_root() {
        let mut c = Command::new("setpriv");
        c.args([
            format!("--reuid={uid}"),
            format!("--regid={uid}"),
            "--clear-groups".into(),
            "prlimit".into(),
        ]);
        c
    } else {
        Command::new("prlimit")
    };
    let st = cmd
        .args(["--pid", &pid.to_string(), "--nofile=64:64"])
        .status()
        .unwrap();
    assert!(st.success(), "could not raise the server's RLIMIT_NOFILE");
}

/// fds 0-2 and the listener (3) fill a soft limit of 4: every accept fails with EMFILE.
fn start_out_of_fds(uid: u32) -> Server {
    start_limited("--nofile=4:64", uid, &["--spare", "0"])
}

#[test]
fn fd_exhaustion_in_the_parent_is_survived_logged_once_and_recovered_from() {
    let uid = private_uid(3);
    let s = start_out_of_fds(uid);
    let mut c = s.connect();
    c.write_all(b"GET /ok HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        .unwrap();
    stderr_shows(&s, "accept failed: EMFILE");
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        proc_state(s.pid()).is_some_and(|st| st != 'Z'),
        "the parent died"
    );
    ease_nofile(s.pid(), uid);
    let raw = read_to_close(&mut c);
    let r = Response::parse(&raw).unwrap_or_else(|| panic!("{:?}", String::from_utf8_lossy(&raw)));
    assert_eq!(r.status, 200);
    assert_eq!(s.get("/ok").status, 200);
    let log = recovery_logged(&s);
    assert_eq!(count(&log, "accept failed"), 1, "{log}");
}

#[test]
fn fd_exhaustion_backs_off_instead_of_spinning() {
    let uid = private_uid(3);
    let s = start_out_of_fds(uid);
    let mut c = s.connect();
    c.write_all(b"GET /ok HTTP/1.1\r\nHost: t\r\n\r\n").unwrap();
    stderr_shows(&s, "accept failed: EMFILE");
    let hz = clock_ticks_per_sec();
    let before = cpu_ticks(s.pid());
    std::thread::sleep(Duration::from_secs(3));
    let used = cpu_ticks(s.pid()) - before;
    // Ten wake-ups a second cost next to nothing (a tick or two); a loop that never sleeps burns
    // a CPU, or whatever share a loaded machine leaves it. The bound is generous: a tenth.
    assert!(
        used < 3 * hz / 10,
        "the parent used {used} ticks of CPU in 3 s ({hz} Hz) while backing off"
    );
}

#[test]
fn sigterm_stops_the_server_even_while_accept_fails_with_emfile() {
    let uid = private_uid(3);
    let mut s = start_out_of_fds(uid);
    let mut c = s.connect();
    c.write_all(b"GET /ok HTTP/1.1\r\nHost: t\r\n\r\n").unwrap();
    stderr_shows(&s, "accept failed: EMFILE");
    s.signal(15);
    let st = s
        .wait_exit(Duration::from_secs(10))
        .expect("SIGTERM did not stop the server within its grace period");
    assert_eq!(st.code(), Some(0));
}

// ---------------------------------------------------------------------------------------------
// Health check and addresses

#[test]
fn healthcheck_exits_0_against_a_live_server() {
    let s = Server::start("verbosel", &["--quiet"]);
    let st = command("verbosel")
        .args(["--healthcheck", "--port", &s.port.to_string()])
        .status()
        .unwrap();
    assert_eq!(st.code(), Some(0));
}

#[test]
fn healthcheck_exits_1_when_nothing_listens() {
    let port = free_port();
    let out = command("verbosel")
        .args(["--healthcheck", "--port", &port.to_string()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
}

#[test]
fn healthcheck_follows_bind_to_an_ipv6_address() {
    let s = Server::start("verbosel", &["--quiet", "--bind", "::1"]);
    let st = command("verbosel")
        .args([
            "--healthcheck",
            "--bind",
            "::1",
            "--port",
            &s.port.to_string(),
        ])
        .status()
        .unwrap();
    assert_eq!(st.code(), Some(0));
}

#[test]
fn bind_ipv6_loopback_serves_ipv6() {
    let s = Server::start("verbosel", &["--quiet", "--bind", "::1"]);
    let r = get_at(
        SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, s.port)),
        "/healthz",
    );
    assert_eq!((r.status, r.text().as_str()), (200, "ok"));
}

#[test]
fn bind_dual_stack_accepts_ipv4_and_ipv6() {
    let s = Server::start("verbosel", &["--quiet", "--bind", "[::]"]);
    for ip in [
        std::net::IpAddr::from([127, 0, 0, 1]),
        std::net::Ipv6Addr::LOCALHOST.into(),
    ] {
        let r = get_at(SocketAddr::new(ip, s.port), "/healthz");
        assert_eq!((r.status, r.text().as_str()), (200, "ok"), "over {ip}");
    }
}

// ---------------------------------------------------------------------------------------------
// Timeouts

#[test]
fn idle_timeout_closes_an_idle_keep_alive_connection() {
    let s = Server::start(MISBEHAVE, &["--quiet", "--idle-timeout", "1"]);
    let mut c = s.connect();
    c.write_all(b"GET /ok HTTP/1.1\r\nHost: t\r\n\r\n").unwrap();
    assert_eq!(read_response(&mut c).status, 200);
    // Closed silently once idle for a second (the read timeout is 20 s: a close, not a timeout).
    assert!(read_to_close(&mut c).is_empty());
}

#[test]
fn header_timeout_answers_408_to_a_head_that_never_ends() {
    let s = Server::start(MISBEHAVE, &["--quiet", "--header-timeout", "1"]);
    let mut c = s.connect();
    c.write_all(b"GET /ok HTTP/1.1\r\nHost: t\r\n").unwrap();
    let raw = read_to_close(&mut c);
    let r = Response::parse(&raw).unwrap_or_else(|| panic!("{:?}", String::from_utf8_lossy(&raw)));
    assert_eq!(r.status, 408);
}

#[test]
fn a_silent_connection_takes_no_process_until_it_speaks() {
    // TCP_DEFER_ACCEPT: with fork after accept, a connection that has sent nothing is not
    // accepted, so no process is forked for it; the kernel holds it for about a second.
    let s = Server::start(MISBEHAVE, &["--quiet", "--spare", "0"]);
    let silent: Vec<TcpStream> = (0..5).map(|_| s.connect()).collect();
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(s.children(), Vec::<i32>::new(), "forked for silent clients");
    // Data makes a connection acceptable at once; the silent ones still wait.
    let mut c = s.connect();
    c.write_all(b"GET /ok HTTP/1.1\r\nHost: t\r\n\r\n").unwrap();
    assert_eq!(read_response(&mut c).status, 200);
    assert!(s.children().len() <= 1, "children: {:?}", s.children());
    drop(silent);
}

#[test]
fn a_silent_connection_is_accepted_late_then_closed_by_the_head_timeout() {
    // Deferred, never lost: after the kernel stops deferring, the ordinary head deadline applies
    // and the connection is closed without an answer (nothing was asked).
    let s = Server::start(MISBEHAVE, &["--quiet", "--header-timeout", "1"]);
    let mut c = s.connect();
    assert!(read_to_close(&mut c).is_empty());
    // A request sent late on a deferred connection is still answered.
    let mut late = s.connect();
    std::thread::sleep(Duration::from_millis(1500));
    late.write_all(b"GET /ok HTTP/1.1\r\nHost: t\r\n\r\n")
        .unwrap();
    assert_eq!(read_response(&mut late).status, 200);
}

// ---------------------------------------------------------------------------------------------
// The access log

fn access_lines(s: &Server, n: usize) -> Vec<String> {
    assert!(
        wait_until(TIMEOUT, || s.stdout_lines().len() >= n),
        "stdout: {:?}",
        s.stdout_lines()
    );
    s.stdout_lines()
}

/// `client [date] "request line" status bytes durationus`, split into its parts.
fn parse_access(line: &str) -> (String, String, u16, u64, u64) {
    let (client, rest) = line.split_once(" [").unwrap_or_else(|| panic!("{line:?}"));
    let (_date, rest) = rest
        .split_once("] \"")
        .unwrap_or_else(|| panic!("{line:?}"));
    let (request, rest) = rest
        .rsplit_once("\" ")
        .unwrap_or_else(|| panic!("{line:?}"));
    let f: Vec<&str> = rest.split(' ').collect();
    assert_eq!(f.len(), 3, "{line:?}");
    let micros = f[2]
        .strip_suffix("us")
        .unwrap_or_else(|| panic!("duration without us: {line:?}"));
    (
        client.to_string(),
        request.to_string(),
        f[0].parse().unwrap_or_else(|_| panic!("{line:?}")),
        f[1].parse().unwrap_or_else(|_| panic!("{line:?}")),
        micros.parse().unwrap_or_else(|_| panic!("{line:?}")),
    )
}

#[test]
fn the_access_log_has_one_line_per_request_with_client_request_status_bytes_and_duration() {
    let s = Server::start(MISBEHAVE, &[]);
    let mut c = s.connect();
    c.write_all(b"GET /ok HTTP/1.1\r\nHost: t\r\n\r\n").unwrap();
    let a = read_response(&mut c);
    c.write_all(b"GET /ok?x=1 HTTP/1.1\r\nHost: t\r\n\r\n")
        .unwrap();
    let b = read_response(&mut c);
    c.write_all(b"GET /nope HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        .unwrap();
    let raw = read_to_close(&mut c);
    let nope = Response::parse(&raw).unwrap();
    let lines = access_lines(&s, 3);
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(s.stdout_lines().len(), 3, "{lines:#?}");
    let want = [
        ("GET /ok HTTP/1.1", &a),
        ("GET /ok?x=1 HTTP/1.1", &b),
        ("GET /nope HTTP/1.1", &nope),
    ];
    for (line, (request, r)) in lines.iter().zip(want) {
        let (client, req, status, bytes, _us) = parse_access(line);
        assert_eq!(client, "127.0.0.1", "{line}");
        assert_eq!(req, request, "{line}");
        assert_eq!(status, r.status, "{line}");
        assert_eq!(bytes, r.body.len() as u64, "{line}");
        assert!(line.contains(" GMT] "), "no date in {line}");
    }
}

#[test]
fn access_log_lines_from_many_processes_never_interleave() {
    let s = Server::start(MISBEHAVE, &[]);
    let port = s.port;
    let threads: Vec<_> = (0..4)
        .map(|_| {
            std::thread::spawn(move || {
                for _ in 0..10 {
                    get_at(SocketAddr::from(([127, 0, 0, 1], port)), "/ok");
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let lines = access_lines(&s, 40);
    assert_eq!(lines.len(), 40);
    for l in &lines {
        assert_eq!(parse_access(l).1, "GET /ok HTTP/1.1", "{l}");
    }
}

#[test]
fn quiet_prints_no_access_log() {
    let s = Server::start(MISBEHAVE, &["--quiet"]);
    for _ in 0..3 {
        assert_eq!(s.get("/ok").status, 200);
    }
    // Each line is written before the process closes the connection; allow the reader a moment.
    std::thread::sleep(Duration::from_millis(300));
    assert!(s.stdout_lines().is_empty(), "{:?}", s.stdout_lines());
}

fn logged_client(args: &[&str]) -> String {
    let s = Server::start(MISBEHAVE, args);
    s.exchange(b"GET /ok HTTP/1.1\r\nHost: t\r\nX-Forwarded-For: 203.0.113.7, 10.0.0.1\r\nConnection: close\r\n\r\n");
    parse_access(&access_lines(&s, 1)[0]).0
}

#[test]
fn trust_proxy_logs_the_forwarded_client() {
    assert_eq!(logged_client(&["--trust-proxy"]), "203.0.113.7");
}

#[test]
fn without_trust_proxy_x_forwarded_for_is_not_believed() {
    assert_eq!(logged_client(&[]), "127.0.0.1");
}

// ---------------------------------------------------------------------------------------------
// Flags and environment

#[test]
fn bad_flags_exit_2_with_a_one_line_error() {
    for args in [
        &["--port", "abc"][..],
        &["--nope"],
        &["--max-conns", "0"],
        &["--grace"],
        &["--bind", "1.2.3"],
    ] {
        let out = command("verbosel").args(args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err:?}");
        assert!(
            err.trim().len() > 10 && !err.contains("panicked"),
            "{args:?}: {err:?}"
        );
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn every_numeric_flag_takes_its_range_and_names_it_when_refused() {
    // (flag, lowest, highest): the ranges --help and the errors promise.
    for (flag, min, max) in [
        ("--max-conns", 1u64, 32_768u64),
        ("--spare", 0, 4096),
        ("--reuse", 1, 1 << 30),
        ("--idle-timeout", 1, 86_400),
        ("--header-timeout", 1, 86_400),
        ("--body-timeout", 1, 86_400),
        ("--send-timeout", 1, 86_400),
        ("--grace", 0, 3600),
        ("--max-body", 0, 1_048_576),
    ] {
        // --help after the flag: the whole line is parsed first, then help is printed.
        for ok in [min, max] {
            let out = command("verbosel")
                .args([flag, &ok.to_string(), "--help"])
                .output()
                .unwrap();
            assert_eq!(out.status.code(), Some(0), "{flag} {ok}");
        }
        let mut bad = vec![max + 1];
        if min > 0 {
            bad.push(min - 1);
        }
        for v in bad {
            let out = command("verbosel")
                .args([flag, &v.to_string(), "--help"])
                .output()
                .unwrap();
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{flag} {v}");
            assert!(
                err.contains(&format!("invalid {flag} (")),
                "{flag} {v}: {err}"
            );
            assert!(err.contains(&v.to_string()), "{flag} {v}: {err}");
        }
    }
}

#[test]
fn a_bad_value_is_named_in_the_error() {
    for (args, bad) in [
        (&["--port", "abc"][..], "abc"),
        (&["--max-conns", "0"], "0"),
        (&["--bind", "1.2.3"], "1.2.3"),
    ] {
        let out = command("verbosel").args(args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2));
        assert!(err.contains(bad), "{args:?}: {err:?} does not name {bad:?}");
    }
}

#[test]
fn a_bad_port_environment_variable_exits_2() {
    let out = command("verbosel").env("PORT", "xyz").output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "{err:?}");
    assert!(err.contains("PORT") && err.contains("xyz"), "{err:?}");
}

#[test]
fn help_lists_every_flag_with_its_default_and_exits_0() {
    let out = command("verbosel").arg("--help").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let help = String::from_utf8_lossy(&out.stdout);
    for flag in [
        "--bind",
        "--port",
        "--max-conns",
        "--spare",
        "--reuse",
        "--idle-timeout",
        "--header-timeout",
        "--grace",
        "--quiet",
        "--trust-proxy",
        "--user",
        "--no-sandbox",
        "--healthcheck",
        "--help",
        "--version",
    ] {
        let line = help
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{flag} ")))
            .unwrap_or_else(|| panic!("--help lacks {flag}:\n{help}"));
        // A flag that takes a value (`--port N`: one space, an upper-case word) says its default.
        let after = &line.trim_start()[flag.len()..];
        let takes_value =
            after.starts_with(' ') && after[1..].starts_with(|c: char| c.is_ascii_uppercase());
        assert!(!takes_value || line.contains("default"), "{line}");
    }
    assert!(help.contains("PORT"), "{help}");
}

#[test]
fn version_prints_the_version_and_exits_0() {
    let out = command("verbosel").arg("--version").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("verbosel {}\n", env!("CARGO_PKG_VERSION"))
    );
}

/// Two distinct ports free a moment ago.
fn two_free_ports() -> (u16, u16) {
    let a = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap();
    let b = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap();
    (
        a.local_addr().unwrap().port(),
        b.local_addr().unwrap().port(),
    )
}

#[test]
fn the_port_environment_variable_is_used() {
    let port = free_port();
    let mut cmd = server_command("verbosel");
    cmd.arg("--quiet").env("PORT", port.to_string());
    let s = Server::start_cmd(cmd);
    assert_eq!(s.port, port);
    assert_eq!(s.get("/healthz").status, 200);
}

#[test]
fn the_port_flag_beats_the_environment() {
    let (env_port, flag_port) = two_free_ports();
    let mut cmd = server_command("verbosel");
    cmd.args(["--quiet", "--port", &flag_port.to_string()])
        .env("PORT", env_port.to_string());
    let s = Server::start_cmd(cmd);
    assert_eq!(s.port, flag_port);
    assert_eq!(s.get("/healthz").status, 200);
    assert!(
        TcpStream::connect(("127.0.0.1", env_port)).is_err(),
        "something listens on $PORT too"
    );
}

/// The standard streams are inherited, and may be closed: the runtime opens /dev/null on them
/// before main, so the start-up line goes nowhere instead of into whatever socket or file the
/// process opened next with the lowest free number (what `BorrowedFd::STDERR` relies on).
#[test]
fn a_server_started_with_its_standard_streams_closed_serves_and_they_are_dev_null() {
    let port = free_port();
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(r#"port=$1; shift; exec "$@" --port "$port" --quiet 0<&- 1>&- 2>&-"#)
        .arg("sh")
        .arg(port.to_string())
        .args(server_words("examples/hello"))
        .spawn()
        .expect("start sh");
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let up = wait_until(TIMEOUT, || TcpStream::connect(addr).is_ok());
    let streams: Vec<String> = (0..3)
        .map(|n| {
            std::fs::read_link(format!("/proc/{}/fd/{n}", child.id()))
                .map(|p| p.display().to_string())
                .unwrap_or_else(|e| e.to_string())
        })
        .collect();
    let healthz = up.then(|| get_at(addr, "/healthz").status);
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        up,
        "the server did not start with its standard streams closed"
    );
    assert_eq!(healthz, Some(200));
    assert_eq!(streams, ["/dev/null"; 3]);
}

// ---------------------------------------------------------------------------------------------
// No zombies, ever

fn no_zombies_after_200(mode: &[&str], children_left: usize) {
    let mut args = vec!["--quiet"];
    args.extend_from_slice(mode);
    let s = Server::start("verbosel", &args);
    let port = s.port;
    let threads: Vec<_> = (0..4)
        .map(|_| {
            std::thread::spawn(move || {
                for _ in 0..50 {
                    let r = get_at(SocketAddr::from(([127, 0, 0, 1], port)), "/healthz");
                    assert_eq!(r.status, 200);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    settles_without_zombies(&s, children_left);
}

#[test]
fn no_zombies_after_200_connections_fork_per_connection() {
    no_zombies_after_200(MODES[0].1, 0);
}

#[test]
fn no_zombies_after_200_connections_spare_pool() {
    no_zombies_after_200(MODES[1].1, 8);
}

#[test]
fn a_hard_fd_limit_below_the_sandboxs_is_respected_not_fought() {
    // The sandbox wants RLIMIT_NOFILE 16; under a hard limit of 8 it must settle for 8, not fail
    // with EPERM in every child (which once meant a fork storm and a log line per attempt).
    if support::not_without_the_sandbox("the sandbox's own RLIMIT_NOFILE") {
        return;
    }
    for mode in [&["--spare", "8"][..], &["--spare", "0"][..]] {
        let mut cmd = Command::new("prlimit");
        cmd.args(["--nofile=8:8", "--"])
            .args(server_words("verbosel"))
            .args(["--port", "0", "--quiet"])
            .args(mode);
        let s = Server::start_cmd(cmd);
        for _ in 0..5 {
            let r = s.get("/healthz");
            assert_eq!((r.status, r.text().as_str()), (200, "ok"), "{mode:?}");
        }
        let log = s.stderr_text();
        assert_eq!(log.lines().count(), 1, "{mode:?}: {log}");
    }
}

/// A server asked for its sandbox where seccomp filters cannot be installed (a kernel built
/// without seccomp, qemu's user-mode emulator) refuses to start, saying why and what to do,
/// before it binds: otherwise every connection process would fail to lock itself down.
#[test]
fn every_server_refuses_to_start_without_the_sandbox_it_was_asked_for() {
    if support::emulated() {
        // qemu-user implements neither seccomp(2) nor PR_SET_SECCOMP.
        for name in ["verbosel", "examples/hello"] {
            let out = command(name).args(["--port", "0"]).output().unwrap();
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(1), "{name}: {err}");
            assert!(
                err.contains("seccomp filters are unavailable (ENOSYS)")
                    && err.contains("--no-sandbox serves without the sandbox"),
                "{name}: {err}"
            );
            assert!(!err.contains("listening on"), "{name}: {err}");
        }
    } else {
        // This kernel has seccomp: the same binary starts, sandbox on.
        let mut cmd = command("verbosel");
        cmd.args(["--port", "0", "--quiet"]);
        let s = Server::start_cmd(cmd);
        assert!(
            s.stderr_text().contains(", sandbox on"),
            "{}",
            s.stderr_text()
        );
    }
}
