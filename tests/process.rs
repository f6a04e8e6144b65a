//! The process model over real sockets and signals: panics, killed children, backpressure,
//! graceful shutdown, fork and fd exhaustion, flags, the access log, no zombies. Each test starts
//! its own server on a free port and stops it (the harness kills what is left).

mod support;
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::process::Command;

use std::time::{Duration, Instant};
use support::{
    Response, Server, TIMEOUT, bin, children_of, command, free_port, is_root, proc_state,
    read_response, read_to_close, server_command, server_words, wait_until,
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
    assert!(k < 8);
    30_000 + (std::process::id() % 4_000) * 8 + k
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

/// "A 500 whenever nothing was sent yet" holds for every request, not only a connection's
/// first: after a 200 on the same keep-alive connection, and after another connection served
/// by the same `--reuse` process.
#[test]
fn a_panic_in_a_later_request_still_answers_500() {
    let s = Server::start(MISBEHAVE, &["--quiet"]);
    let mut c = s.connect();
    c.write_all(b"GET /ok HTTP/1.1\r\nHost: t\r\n\r\n").unwrap();
    assert_eq!(read_response(&mut c).status, 200);
    c.write_all(b"GET /panic HTTP/1.1\r\nHost: t\r\n\r\n")
        .unwrap();
    let raw = read_to_close(&mut c);
    let r = Response::parse(&raw).unwrap_or_else(|| panic!("{:?}", String::from_utf8_lossy(&raw)));
    assert_eq!(r.status, 500);
    // One process for every connection: the second connection's panic comes after the first's
    // response in the same process.
    let reuse = Server::start(
        MISBEHAVE,
        &[
            "--quiet",
            "--reuse",
            "100",
            "--spare",
            "1",
            "--max-conns",
            "1",
        ],
    );
    assert_eq!(reuse.get("/ok").status, 200);
    assert_eq!(reuse.get("/panic").status, 500);
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

/// What a handler gets wrong never goes out silently dropped: a header that could inject
/// others, more header lines than there is room for, a head larger than its buffer. The client
/// gets a 500 (nothing was sent yet), and stderr says why; the connection process goes on.
#[test]
fn a_handler_mistake_is_answered_500_and_logged_not_dropped() {
    let s = Server::start(MISBEHAVE, &["--quiet"]);
    for (route, why) in [
        ("/bad-header", "CR/LF/NUL in a value"),
        ("/bad-cookie", "outside cookie-octet"),
        ("/many-headers", "HANDLER_HEADERS_CAPACITY"),
        ("/huge-head", "HEAD_CAPACITY"),
    ] {
        let raw = s.exchange(format!("GET {route} HTTP/1.1\r\nHost: t\r\n\r\n").as_bytes());
        let text = String::from_utf8_lossy(&raw);
        let r = Response::parse(&raw).unwrap_or_else(|| panic!("{route}: {text:?}"));
        assert_eq!(r.status, 500, "{route}: {text}");
        assert!(!text.contains("injected"), "{route}: {text}");
        assert!(!text.contains("sent anyway"), "{route}: {text}");
        let log = stderr_shows(&s, why);
        assert!(log.contains("handler error: "), "{log}");
    }
    assert_eq!(s.get("/ok").status, 200);
}

/// Why the CPU-limit tests stop under emulation: qemu-user translates as it runs, so the CPU
/// time a request burns is qemu's as much as the program's, and the figures they check by the
/// clock tick mean other things there.
const CPU_UNDER_QEMU: &str = "CPU time under qemu-user counts its translator too";

/// The CPU limit is per request: a keep-alive connection whose requests add up to several
/// limits is served to the end (it once died by SIGXCPU mid-pipeline, queued requests
/// unanswered), while one request that runs away is still stopped, with a 500.
#[test]
fn a_connection_outlives_the_cpu_limit_and_a_runaway_request_is_still_stopped() {
    if support::not_under_emulation(CPU_UNDER_QEMU) {
        return;
    }
    let s = Server::start(MISBEHAVE, &["--quiet", "--spare", "0", "--cpu-limit", "1"]);
    let mut c = s.connect();
    // Eight pipelined requests of 400 ms of CPU each: over three times the limit in all, and
    // none near it alone.
    let one = "GET /burn?ms=400 HTTP/1.1\r\nHost: t\r\n\r\n";
    c.write_all(one.repeat(8).as_bytes()).unwrap();
    for i in 0..8 {
        let r = read_response(&mut c);
        assert_eq!((r.status, r.text().as_str()), (200, "burnt"), "request {i}");
    }
    let child = s.children()[0];
    let used = cpu_ticks(child);
    let hz = clock_ticks_per_sec();
    assert!(
        used >= 3 * hz,
        "the connection used only {used} ticks of CPU ({hz} Hz)"
    );
    // A request that never ends is stopped within twice the limit, and answered 500.
    c.write_all(b"GET /spin HTTP/1.1\r\nHost: t\r\n\r\n")
        .unwrap();
    let raw = read_to_close(&mut c);
    let r = Response::parse(&raw).unwrap_or_else(|| panic!("{:?}", String::from_utf8_lossy(&raw)));
    assert_eq!(r.status, 500);
    stderr_shows(&s, "used more than its CPU limit");
    assert_eq!(s.get("/ok").status, 200);
}

/// Near its CPU hard limit (here inherited, 4 s, so it comes soon) a connection process retires:
/// the response in flight is finished and says `Connection: close`, and no response is ever cut
/// off by the kernel's SIGKILL.
#[test]
fn near_its_cpu_hard_limit_a_connection_retires_between_responses() {
    if support::not_under_emulation(CPU_UNDER_QEMU) {
        return;
    }
    let mut cmd = Command::new("prlimit");
    cmd.args(["--cpu=4:4", "--"]).arg(bin(MISBEHAVE)).args([
        "--port",
        "0",
        "--quiet",
        "--spare",
        "0",
        "--cpu-limit",
        "1",
    ]);
    let s = Server::start_cmd(cmd);
    let mut c = s.connect();
    let one = "GET /burn?ms=400 HTTP/1.1\r\nHost: t\r\n\r\n";
    c.write_all(one.repeat(12).as_bytes()).unwrap();
    let raw = read_to_close(&mut c);
    let responses = Response::parse_all(&raw);
    assert!(
        responses.len() >= 3 && responses.len() < 12,
        "{} responses",
        responses.len()
    );
    for r in &responses {
        assert_eq!((r.status, r.text().as_str()), (200, "burnt"));
    }
    let last = responses.last().unwrap();
    assert_eq!(last.header("connection"), Some("close"), "{last:?}");
    assert!(last.rest.is_empty(), "bytes after the last response");
    assert_eq!(s.get("/ok").status, 200);
    let log = s.stderr_text();
    assert!(!log.contains("killed by signal"), "{log}");
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

/// `--max-conns 4` under an exact count: the server runs as a uid of its own whose process limit
/// is the server plus four (RLIMIT_NPROC), so a fifth connection process could not be forked,
/// and an attempt would be logged ("fork failed"). No sampling of /proc can miss one.
fn max_conns_4(mode: &[&str], uid: u32) {
    if !need_root("counting connection processes with RLIMIT_NPROC") || !nproc_counts_processes() {
        return;
    }
    // A long head timeout: the four held connections must not time out during the test.
    let mut args = vec!["--max-conns", "4", "--header-timeout", "120"];
    args.extend_from_slice(mode);
    let s = start_limited("--nproc=5:5", uid, &args);
    // Four clients take the four slots with a head that never ends (a connection that has sent
    // nothing is not accepted yet: TCP_DEFER_ACCEPT).
    let mut conns: Vec<TcpStream> = (0..4).map(|_| s.connect()).collect();
    for c in &mut conns {
        c.write_all(b"GET /ok HTTP/1.1\r\n").unwrap();
    }
    assert!(
        wait_until(TIMEOUT, || s.children().len() == 4),
        "children: {:?}",
        s.children()
    );
    // Six more wait in the backlog, their requests sent.
    conns.extend((0..6).map(|_| s.connect()));
    for c in &mut conns[4..] {
        c.write_all(b"GET /ok HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
            .unwrap();
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
    let log = s.stderr_text();
    assert!(
        !log.contains("fork failed"),
        "the server tried to fork a fifth connection process:\n{log}"
    );
}

#[test]
fn max_conns_4_never_makes_more_than_four_children_and_serves_the_queue_fork_per_connection() {
    max_conns_4(&["--spare", "0"], private_uid(4));
}

#[test]
fn max_conns_4_never_makes_more_than_four_children_and_serves_the_queue_spare_pool() {
    max_conns_4(&[], private_uid(5));
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

/// SIGHUP (a closed terminal, many supervisors' "stop") and SIGQUIT stop gracefully, like
/// SIGTERM, and say which signal it was.
#[test]
fn sighup_and_sigquit_stop_gracefully_and_say_so() {
    for (sig, name) in [(1, "SIGHUP"), (3, "SIGQUIT")] {
        let mut s = Server::start(MISBEHAVE, &["--quiet"]);
        assert_eq!(s.get("/ok").status, 200);
        s.signal(sig);
        let st = s.wait_exit(TIMEOUT).expect("the server did not stop");
        assert_eq!(st.code(), Some(0), "{name}: {st:?}");
        let log = stderr_shows(&s, "stopped");
        assert!(log.contains(&format!("{name}: stopping")), "{log}");
    }
}

/// SIGUSR1 and SIGUSR2 (nginx reopens its log files on SIGUSR1) are ignored: the logs are stdout
/// and stderr, there is nothing to reopen, and the server keeps serving.
#[test]
fn sigusr1_and_sigusr2_are_ignored() {
    let s = Server::start(MISBEHAVE, &["--quiet"]);
    for sig in [10, 12] {
        s.signal(sig);
    }
    for _ in 0..3 {
        assert_eq!(s.get("/ok").status, 200);
    }
    assert!(proc_state(s.pid()).is_some_and(|st| st != 'Z'));
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
        support::skipped("a new pid namespace needs root");
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
    // Nobody holds the port any more: a restarted server could bind it. (Under qemu-user a
    // process whose main thread is a zombie may still hold its files an instant longer, in
    // qemu's own thread: hence the wait.)
    assert!(wait_until(TIMEOUT, || std::net::TcpListener::bind((
        "0.0.0.0", port
    ))
    .is_ok()));
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
        support::skipped(&format!(
            "{what} needs root (to run the server as a uid of its own)"
        ));
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
    drop(holders);
    let raw = read_to_close(&mut queued);
    let r = Response::parse(&raw).unwrap_or_else(|| panic!("{:?}", String::from_utf8_lossy(&raw)));
    assert_eq!(r.status, 200);
    assert!(
        proc_state(s.pid()).is_some_and(|st| st != 'Z'),
        "the parent died"
    );
    assert_eq!(s.get("/ok").status, 200);
}

#[test]
fn fork_failure_in_the_spare_pool_is_logged_once_not_per_connection() {
    if !need_root("RLIMIT_NPROC") || !nproc_counts_processes() {
        return;
    }
    let mut s = start_limited("--nproc=3:3", private_uid(2), &[]);
    stderr_shows(&s, "fork failed: EAGAIN");
    for _ in 0..5 {
        assert_eq!(s.get("/ok").status, 200);
    }
    // Stopped, so that its log is complete.
    s.stop();
    let log = s.stderr_text();
    // The pressure never lifted (the pool never reached 8): one line, not one per connection.
    assert_eq!(count(&log, "fork failed"), 1, "logged per event:\n{log}");
}

/// A sandbox that cannot be entered: the log goes to a regular file, so a connection process
/// must keep RLIMIT_FSIZE unlimited, and the hard limit (set by `prlimit`, which an unprivileged
/// process cannot raise) forbids it. Every spare then fails before it serves; the parent must
/// say so once and back off, not log each child and fork its replacement at once.
#[test]
fn a_sandbox_that_cannot_be_entered_is_logged_once_and_backed_off() {
    if support::not_without_the_sandbox("the sandbox's own file limit is what fails here") {
        return;
    }
    if Command::new("strace").arg("-V").output().is_err() {
        return support::skipped("counting forks needs strace (apt-get install strace)");
    }
    let log = std::env::temp_dir().join(format!("verbosel-fsize-{}.log", std::process::id()));
    let trace = std::env::temp_dir().join(format!("verbosel-fsize-{}.strace", std::process::id()));
    let file = std::fs::File::create(&log).unwrap();
    // strace (without -f) records the forks of the server process alone: an exact count.
    let mut cmd = Command::new("strace");
    cmd.arg("-qq")
        .args(["-e", "trace=fork,clone,clone3", "-o"])
        .arg(&trace)
        .args(["--", "prlimit", "--fsize=1000000:1000000", "--"])
        .arg(bin(MISBEHAVE))
        .args(["--port", "0", "--spare", "2"]);
    let s = Server::start_cmd_with_stdout(cmd, file.into());
    // The failure shows, however it is reported (EPERM is 1: exit code 110 + 1).
    assert!(wait_until(TIMEOUT, || {
        let t = s.stderr_text();
        t.contains("entering the sandbox failed") || t.contains("exited with 111")
    }));
    // Measured over a window: how many processes the parent forks while the failure lasts.
    std::thread::sleep(Duration::from_secs(3));
    let forks = std::fs::read_to_string(&trace)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.starts_with("fork(") || l.starts_with("clone"))
        .count();
    let text = s.stderr_text();
    drop(s);
    let _ = std::fs::remove_file(&log);
    let _ = std::fs::remove_file(&trace);
    assert_eq!(
        count(&text, "entering the sandbox failed: EPERM; backing off"),
        1,
        "not logged once:\n{text}"
    );
    assert_eq!(count(&text, "exited with"), 0, "logged per child:\n{text}");
    // Without back-off the pool re-forks each failed spare at once: thousands in 3 s.
    assert!(forks <= 30, "{forks} forks in about 3 s:\n{text}");
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
    // Data makes a connection acceptable at once; the silent ones still wait. (Accepted
    // connections come out of the queue in order: had the silent ones been acceptable, they
    // would have been taken, and forked for, before this one was answered.)
    let mut c = s.connect();
    c.write_all(b"GET /ok HTTP/1.1\r\nHost: t\r\n\r\n").unwrap();
    assert_eq!(read_response(&mut c).status, 200);
    assert!(
        s.children().len() <= 1,
        "forked for silent clients: {:?}",
        s.children()
    );
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
    let mut s = Server::start(MISBEHAVE, &[]);
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
    // Stopped, so that the log is complete: exactly three lines.
    s.stop();
    let lines = s.stdout_lines();
    assert_eq!(lines.len(), 3, "{lines:#?}");
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
    let mut s = Server::start(MISBEHAVE, &["--quiet"]);
    for _ in 0..3 {
        assert_eq!(s.get("/ok").status, 200);
    }
    // Stopped, so that everything it would have written is there.
    s.stop();
    assert!(s.stdout_lines().is_empty(), "{:?}", s.stdout_lines());
}

/// The client address logged for requests carrying `fields` (header lines), one server with
/// `args`, one request each.
fn logged_clients(args: &[&str], fields: &[&str]) -> Vec<String> {
    let mut s = Server::start(MISBEHAVE, args);
    for f in fields {
        let req = format!("GET /ok HTTP/1.1\r\nHost: t\r\n{f}Connection: close\r\n\r\n");
        assert_eq!(
            Response::parse(&s.exchange(req.as_bytes())).unwrap().status,
            200
        );
    }
    s.stop();
    let lines = s.stdout_lines();
    assert_eq!(lines.len(), fields.len(), "{lines:?}");
    lines.iter().map(|l| parse_access(l).0).collect()
}

/// Behind one trusted proxy, the address it appended (the rightmost), validated as an IP
/// address; the entries to its left are whatever the client wrote. Anything not an address
/// falls back to the peer, so no value can shift the log's fields or leave one empty.
#[test]
fn trust_proxy_logs_the_address_the_proxy_appended() {
    let cases = [
        ("X-Forwarded-For: 203.0.113.7, 10.0.0.1\r\n", "10.0.0.1"),
        (
            "X-Forwarded-For: spoofed by the client, 198.51.100.2\r\n",
            "198.51.100.2",
        ),
        (
            "X-Forwarded-For: 192.0.2.1\r\nX-Forwarded-For: 192.0.2.9\r\n",
            "192.0.2.9",
        ),
        ("X-Forwarded-For: 10.0.0.1 - - [forged]\r\n", "127.0.0.1"),
        ("X-Forwarded-For:\r\n", "127.0.0.1"),
        ("X-Forwarded-For: 203.0.113.7,\r\n", "203.0.113.7"),
        ("", "127.0.0.1"),
    ];
    let fields: Vec<&str> = cases.iter().map(|c| c.0).collect();
    let logged = logged_clients(&["--trust-proxy"], &fields);
    for ((field, want), got) in cases.iter().zip(&logged) {
        assert_eq!(got, want, "{field:?}");
    }
}

/// Behind N proxies (`--trust-proxy-hops N`), the address N entries in from the right.
#[test]
fn trust_proxy_hops_counts_in_from_the_right() {
    let field = "X-Forwarded-For: 192.0.2.66, 203.0.113.7, 10.0.0.1\r\n";
    assert_eq!(
        logged_clients(
            &["--trust-proxy-hops", "2"],
            &[field, "X-Forwarded-For: 10.0.0.1\r\n"]
        ),
        ["203.0.113.7", "127.0.0.1"]
    );
}

#[test]
fn without_trust_proxy_x_forwarded_for_is_not_believed() {
    let field = "X-Forwarded-For: 203.0.113.7, 10.0.0.1\r\n";
    assert_eq!(logged_clients(&[], &[field]), ["127.0.0.1"]);
}

/// A stalled reader of the access log never stalls the server: with stdout a pipe nobody reads,
/// it keeps answering (a pipe holds 64 KiB, some 800 lines; this sends 3,000 requests), says on
/// stderr once that it drops lines, and once the reader catches up, how many. Every line that
/// was written is whole.
#[test]
fn a_stalled_access_log_reader_never_stalls_the_server() {
    const REQUESTS: usize = 3000;
    let (mut reader, writer) = std::io::pipe().unwrap();
    let mut cmd = support::server_command(MISBEHAVE);
    cmd.args(["--port", "0", "--spare", "0"]);
    let mut s = Server::start_cmd_with_stdout(cmd, writer.into());
    let started = Instant::now();
    let mut c = s.connect();
    let one = "GET /ok HTTP/1.1\r\nHost: t\r\n\r\n";
    // Pipelined in batches; the answers are read as they come (several per read).
    let mut pending = Vec::new();
    let mut chunk = [0u8; 65536];
    for _ in 0..REQUESTS / 100 {
        c.write_all(one.repeat(100).as_bytes()).unwrap();
        let mut answered = 0;
        while answered < 100 {
            let n = c.read(&mut chunk).unwrap();
            assert!(n > 0, "closed after {answered} answers of a batch");
            pending.extend_from_slice(&chunk[..n]);
            while let Some(r) = Response::parse(&pending) {
                assert_eq!(r.status, 200);
                pending = r.rest;
                answered += 1;
            }
        }
    }
    eprintln!(
        "{REQUESTS} requests answered in {:?} with the log's reader stalled",
        started.elapsed()
    );
    let log = stderr_shows(&s, "dropping");
    assert_eq!(count(&log, "dropping"), 1, "{log}");
    // The reader catches up: from now on it reads everything. Once it has made room, the next
    // line is written and the episode's count reported; until then requests go on (one at a
    // time, each answered), and their lines may still be dropped.
    let catching_up = std::thread::spawn(move || {
        let mut all = Vec::new();
        reader.read_to_end(&mut all).unwrap();
        all
    });
    let mut sent = REQUESTS;
    let reported = wait_until(TIMEOUT, || {
        c.write_all(one.as_bytes()).unwrap();
        assert_eq!(read_response(&mut c).status, 200);
        sent += 1;
        s.stderr_text().contains("lines dropped")
    });
    let log = stderr_shows(&s, "lines dropped");
    assert!(reported, "{log}");
    drop(c);
    s.stop();
    let drained = catching_up.join().unwrap();
    let text = String::from_utf8(drained).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    for l in &lines {
        assert_eq!(parse_access(l).1, "GET /ok HTTP/1.1", "a torn line: {l:?}");
    }
    let dropped: usize = log
        .split("access log: ")
        .filter_map(|p| p.split(" lines dropped").next()?.parse::<usize>().ok())
        .sum();
    assert!(dropped > 0, "{log}");
    assert_eq!(lines.len() + dropped, sent, "{log}");
}

/// Every line the server writes on stderr carries the app's name (App::name), not the
/// framework's: here `misbehave`, for its start-up line, a handler error, a panic report and
/// the stop.
#[test]
fn every_stderr_line_names_the_app() {
    let mut s = Server::start(MISBEHAVE, &["--quiet"]);
    assert_eq!(s.get("/bad-header").status, 500);
    assert_eq!(s.get("/panic").status, 500);
    stderr_shows(&s, "panicked (exit 101)");
    s.stop();
    let log = s.stderr_text();
    for line in log.lines().filter(|l| !l.starts_with("panicked at ")) {
        assert!(line.starts_with("misbehave: "), "{line:?} in\n{log}");
    }
}

/// The access log says what was received: the version as sent, and the request line of every
/// answer given once the head was read (408 for a body that stopped, 413, 501), not `-`.
#[test]
fn the_access_log_has_the_request_line_as_received() {
    let mut s = Server::start(MISBEHAVE, &["--body-timeout", "1"]);
    let requests: [(&[u8], &str, u16); 5] = [
        (
            b"GET /ok HTTP/1.5\r\nHost: t\r\nConnection: close\r\n\r\n",
            "GET /ok HTTP/1.5",
            200,
        ),
        (
            b"GET /ok HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc",
            "GET /ok HTTP/1.1",
            408,
        ),
        (
            b"GET /ok HTTP/1.1\r\nHost: t\r\nContent-Length: 99999999\r\n\r\n",
            "GET /ok HTTP/1.1",
            413,
        ),
        (
            b"BREW /ok HTTP/1.1\r\nHost: t\r\n\r\n",
            "BREW /ok HTTP/1.1",
            501,
        ),
        (
            b"GET /ok HTTP/1.1\r\nHost: t\r\nBad Field: x\r\n\r\n",
            "-",
            400,
        ),
    ];
    for (request, _, status) in requests {
        let mut c = s.connect();
        c.write_all(request).unwrap();
        // No half-close: the body that never comes must time out on the server's side.
        let raw = read_to_close(&mut c);
        let r =
            Response::parse(&raw).unwrap_or_else(|| panic!("{:?}", String::from_utf8_lossy(&raw)));
        assert_eq!(r.status, status, "{:?}", String::from_utf8_lossy(request));
    }
    s.stop();
    let lines = s.stdout_lines();
    assert_eq!(lines.len(), requests.len(), "{lines:#?}");
    for (line, (_, logged, status)) in lines.iter().zip(requests) {
        let (_, request_line, logged_status, _, _) = parse_access(line);
        assert_eq!(
            (request_line.as_str(), logged_status),
            (logged, status),
            "{line}"
        );
    }
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
