//! The sandbox of every connection process, seen from outside: /proc shows the seccomp filter,
//! no_new_privs and the rlimits; a handler that tries open, execve, socket or fork dies alone and
//! the server keeps serving; the privilege drop when started as root.

mod support;
use std::io::Write;
use std::net::TcpStream;
use support::{Response, Server, TIMEOUT, is_root, read_response, read_to_close, wait_until};

const MISBEHAVE: &str = "examples/misbehave";

/// The two ways a connection gets its process: fork after accept, and the default spare pool.
const ON_DEMAND: &[&str] = &["--spare", "0"];
const SPARE_POOL: &[&str] = &[];

/// Opens `n` connections to the landing site at once and asks each, keeping it open, which
/// process serves it (`/stats.json` reports the pid). Returns the connections (to keep the
/// processes alive while /proc is read) and the pids.
fn serving_children(s: &Server, n: usize) -> (Vec<TcpStream>, Vec<i32>) {
    let mut conns: Vec<TcpStream> = (0..n).map(|_| s.connect()).collect();
    let mut pids = Vec::new();
    for c in &mut conns {
        c.write_all(b"GET /stats.json HTTP/1.1\r\nHost: t\r\n\r\n")
            .unwrap();
        let json = read_response(c).text();
        let pid: i32 = json
            .split("\"pid\":")
            .nth(1)
            .and_then(|r| r.trim_end_matches('}').trim().parse().ok())
            .unwrap_or_else(|| panic!("no pid in {json}"));
        pids.push(pid);
    }
    let kids = s.children();
    for p in &pids {
        assert!(
            kids.contains(p),
            "{p} is not a child of the server ({kids:?})"
        );
    }
    let mut distinct = pids.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), n, "connections shared a process: {pids:?}");
    (conns, pids)
}

fn status_field(pid: i32, field: &str) -> String {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")))
        .unwrap_or_else(|| panic!("no {field} in /proc/{pid}/status"))
        .trim()
        .to_string()
}

/// (soft, hard) of one row of /proc/<pid>/limits, e.g. "Max open files".
fn limit(pid: i32, name: &str) -> (String, String) {
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).unwrap();
    let row = limits
        .lines()
        .find_map(|l| l.strip_prefix(name))
        .unwrap_or_else(|| panic!("no {name:?} in\n{limits}"));
    let mut f = row.split_whitespace();
    (f.next().unwrap().to_string(), f.next().unwrap().to_string())
}

fn finite(v: &str) -> u64 {
    v.parse()
        .unwrap_or_else(|_| panic!("{v:?} is not a finite limit"))
}

// ---------------------------------------------------------------------------------------------
// /proc shows the sandbox

fn seccomp_and_no_new_privs(mode: &[&str]) {
    let mut args = vec!["--quiet"];
    args.extend_from_slice(mode);
    let s = Server::start("verbosel", &args);
    let (_conns, pids) = serving_children(&s, 3);
    for pid in pids {
        assert_eq!(status_field(pid, "Seccomp"), "2", "child {pid}");
        assert_eq!(status_field(pid, "NoNewPrivs"), "1", "child {pid}");
    }
}

#[test]
fn every_connection_process_runs_under_a_seccomp_filter_with_no_new_privs_fork_per_connection() {
    seccomp_and_no_new_privs(ON_DEMAND);
}

#[test]
fn every_connection_process_runs_under_a_seccomp_filter_with_no_new_privs_spare_pool() {
    seccomp_and_no_new_privs(SPARE_POOL);
}

fn tight_rlimits(mode: &[&str]) {
    let mut args = vec!["--quiet"];
    args.extend_from_slice(mode);
    let s = Server::start("verbosel", &args);
    let (_conns, pids) = serving_children(&s, 3);
    for pid in pids {
        let (soft, hard) = limit(pid, "Max open files");
        assert!(
            finite(&soft) <= 64 && finite(&hard) <= 64,
            "child {pid}: open files {soft}/{hard}"
        );
        // The harness's stdout and stderr are pipes: no file may be written at all.
        assert_eq!(
            limit(pid, "Max file size"),
            ("0".into(), "0".into()),
            "child {pid}"
        );
        assert_eq!(
            limit(pid, "Max processes"),
            ("0".into(), "0".into()),
            "child {pid}"
        );
        let (soft, hard) = limit(pid, "Max cpu time");
        assert!(
            finite(&soft) > 0 && finite(&hard) >= finite(&soft),
            "child {pid}: cpu {soft}/{hard}"
        );
    }
}

#[test]
fn every_connection_process_has_tight_rlimits_fork_per_connection() {
    tight_rlimits(ON_DEMAND);
}

#[test]
fn every_connection_process_has_tight_rlimits_spare_pool() {
    tight_rlimits(SPARE_POOL);
}

#[test]
fn every_worker_is_sandboxed_in_reuse_mode_too() {
    let s = Server::start("verbosel", &["--quiet", "--reuse", "3"]);
    let (_conns, pids) = serving_children(&s, 3);
    for pid in pids {
        assert_eq!(status_field(pid, "Seccomp"), "2", "worker {pid}");
        assert_eq!(status_field(pid, "NoNewPrivs"), "1", "worker {pid}");
        let (soft, hard) = limit(pid, "Max open files");
        assert!(
            finite(&soft) <= 64 && finite(&hard) <= 64,
            "worker {pid}: open files {soft}/{hard}"
        );
        assert_eq!(
            limit(pid, "Max processes"),
            ("0".into(), "0".into()),
            "worker {pid}"
        );
    }
}

/// When the access log goes to a regular file, a file-size limit of 0 would kill every connection
/// process with SIGXFSZ at its first log line: then the limit must allow the log, and the log works.
#[test]
fn with_the_log_in_a_regular_file_connection_processes_can_still_write_it() {
    let path =
        std::env::temp_dir().join(format!("verbosel-sandbox-log-{}.txt", std::process::id()));
    let file = std::fs::File::create(&path).unwrap();
    let mut cmd = std::process::Command::new(support::bin("verbosel"));
    cmd.args(["--port", "0", "--spare", "0"])
        .stdin(std::process::Stdio::null());
    cmd.stdout(file).stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let mut err = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    while !line.contains("listening on") {
        line.clear();
        if std::io::BufRead::read_line(&mut err, &mut line).unwrap() == 0 {
            let _ = child.kill();
            panic!("the server did not start");
        }
    }
    let port: u16 = line
        .split("listening on ")
        .nth(1)
        .and_then(|r| r.split(',').next())
        .and_then(|a| a.rsplit(':').next())
        .and_then(|p| p.parse().ok())
        .unwrap();
    let mut c = TcpStream::connect(("127.0.0.1", port)).unwrap();
    c.set_read_timeout(Some(TIMEOUT)).unwrap();
    c.write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        .unwrap();
    let raw = read_to_close(&mut c);
    let logged = wait_until(TIMEOUT, || {
        std::fs::read_to_string(&path)
            .unwrap_or_default()
            .contains("GET /healthz")
    });
    // Stop it: SIGTERM, so that it reaps its own children.
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let stopped = wait_until(TIMEOUT, || matches!(child.try_wait(), Ok(Some(_))));
    if !stopped {
        let _ = child.kill();
        let _ = child.wait();
    }
    let log = std::fs::read_to_string(&path).unwrap_or_default();
    let _ = std::fs::remove_file(&path);
    let r = Response::parse(&raw)
        .unwrap_or_else(|| panic!("no response: {:?}", String::from_utf8_lossy(&raw)));
    assert_eq!(r.status, 200);
    assert!(logged, "no access-log line in the file: {log:?}");
}

// ---------------------------------------------------------------------------------------------
// Forbidden system calls kill only the process that makes them

/// Asks `route` of a server that already serves another, kept-alive connection; checks that the
/// offender alone died (closed with no response, logged as SIGSYS) and everything else goes on.
fn forbidden_call_kills_only_its_child(s: &Server, route: &str) {
    let before = s
        .stderr_text()
        .matches("killed by the sandbox (SIGSYS)")
        .count();
    let mut bystander = s.connect();
    bystander
        .write_all(b"GET /ok HTTP/1.1\r\nHost: t\r\n\r\n")
        .unwrap();
    assert_eq!(read_response(&mut bystander).status, 200);

    let raw = s.exchange(
        format!("GET {route} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n").as_bytes(),
    );
    assert!(
        raw.is_empty(),
        "{route} answered: {:?}",
        String::from_utf8_lossy(&raw)
    );
    let logged = wait_until(TIMEOUT, || {
        s.stderr_text()
            .matches("killed by the sandbox (SIGSYS)")
            .count()
            > before
    });
    assert!(
        logged,
        "{route}: no SIGSYS in the log:\n{}",
        s.stderr_text()
    );

    // The other connection's process lives on, and new connections are served.
    bystander
        .write_all(b"GET /ok HTTP/1.1\r\nHost: t\r\n\r\n")
        .unwrap();
    assert_eq!(
        read_response(&mut bystander).status,
        200,
        "{route} took a bystander down"
    );
    let r = s.get("/ok");
    assert_eq!((r.status, r.text().as_str()), (200, "ok"), "after {route}");
}

fn forbidden(route: &str) {
    let s = Server::start(MISBEHAVE, &["--quiet"]);
    forbidden_call_kills_only_its_child(&s, route);
}

#[test]
fn open_kills_only_that_connection_process() {
    forbidden("/open");
}

#[test]
fn execve_kills_only_that_connection_process() {
    forbidden("/exec");
}

#[test]
fn socket_kills_only_that_connection_process() {
    forbidden("/socket");
}

#[test]
fn fork_kills_only_that_connection_process() {
    forbidden("/fork");
}

#[test]
fn prctl_kills_only_that_connection_process() {
    forbidden("/prctl");
}

#[test]
fn clone_as_fork_kills_only_that_connection_process() {
    forbidden("/clone");
}

#[test]
fn every_forbidden_call_kills_only_its_process_fork_per_connection() {
    let mut args = vec!["--quiet"];
    args.extend_from_slice(ON_DEMAND);
    let s = Server::start(MISBEHAVE, &args);
    for route in ["/open", "/exec", "/socket", "/fork", "/prctl", "/clone"] {
        forbidden_call_kills_only_its_child(&s, route);
    }
}

#[test]
fn no_sandbox_lets_open_through_and_warns_loudly() {
    let s = Server::start(MISBEHAVE, &["--quiet", "--no-sandbox"]);
    let r = s.get("/open");
    assert_eq!((r.status, r.text().as_str()), (200, "opened /etc/passwd"));
    // The reader of stderr may lag a little behind the server.
    wait_until(TIMEOUT, || s.stderr_text().contains("WARNING"));
    let log = s.stderr_text();
    assert!(
        log.contains("WARNING") && log.contains("--no-sandbox"),
        "{log}"
    );
    assert!(log.contains("SANDBOX OFF"), "{log}");
}

// ---------------------------------------------------------------------------------------------
// Privilege drop

#[test]
fn started_as_root_every_connection_process_runs_as_nobody() {
    if !is_root() {
        support::skipped("the privilege drop happens only when the server starts as root");
        return;
    }
    let s = Server::start("verbosel", &["--quiet"]);
    let (_conns, pids) = serving_children(&s, 2);
    for pid in pids.into_iter().chain([s.pid()]) {
        assert_eq!(
            status_field(pid, "Uid"),
            "65534\t65534\t65534\t65534",
            "{pid}"
        );
        assert_eq!(
            status_field(pid, "Gid"),
            "65534\t65534\t65534\t65534",
            "{pid}"
        );
        assert_eq!(
            status_field(pid, "Groups"),
            "",
            "{pid}: supplementary groups kept"
        );
        assert_eq!(status_field(pid, "CapEff"), "0000000000000000", "{pid}");
    }
}

#[test]
fn started_as_root_user_flag_picks_the_uid_and_gid() {
    if !is_root() {
        support::skipped("the privilege drop happens only when the server starts as root");
        return;
    }
    let s = Server::start("verbosel", &["--quiet", "--user", "4242:4343"]);
    let (_conns, pids) = serving_children(&s, 1);
    for pid in [pids[0], s.pid()] {
        assert_eq!(status_field(pid, "Uid"), "4242\t4242\t4242\t4242", "{pid}");
        assert_eq!(status_field(pid, "Gid"), "4343\t4343\t4343\t4343", "{pid}");
    }
    // The connection is served after the drop: the listener was bound first.
    let mut c = s.connect();
    c.write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        .unwrap();
    assert_eq!(Response::parse(&read_to_close(&mut c)).unwrap().status, 200);
}
