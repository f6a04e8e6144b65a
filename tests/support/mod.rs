//! Shared by the integration tests: real binaries on real sockets.
//!
//! `cargo test` compiles the package's binaries with `panic = "unwind"` (its test profile ignores
//! `panic = "abort"`), and those builds only compile. So the tests build the binaries the way a
//! user does — `cargo build`, dev profile, `panic = "abort"` — into their own target directory
//! (`target/integration`), once per test process, and start them from there.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, channel};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Generous: CI shares a noisy 2-core machine.
pub const TIMEOUT: Duration = Duration::from_secs(20);

/// Polls `f` every 10 ms until it holds or `within` passes.
pub fn wait_until(within: Duration, mut f: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + within;
    loop {
        if f() {
            return true;
        }
        if Instant::now() >= end {
            return false;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Says loudly that a test could not run here and why. `.ci/run` fails when any test printed
/// this: a skipped test is not a passed one.
pub fn skipped(why: &str) {
    eprintln!("SKIPPED: {why}");
}

/// Whether the tests run as root (some need to: a pid namespace, a uid of their own).
pub fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(2) == Some("0"))
}

/// The target the binaries are built for: the host's, or `VERBOSEL_TEST_TARGET` (a target
/// triple such as `aarch64-unknown-linux-gnu`, whose binaries run under `VERBOSEL_TEST_RUNNER`).
/// `.ci/run` runs the engine, process and assets tests that way against the aarch64 build.
pub fn target() -> Option<String> {
    std::env::var("VERBOSEL_TEST_TARGET")
        .ok()
        .filter(|t| !t.is_empty())
}

/// The command that runs the binaries, if they cannot run directly: `VERBOSEL_TEST_RUNNER`,
/// split at spaces (`qemu-aarch64-static`).
pub fn runner() -> Option<Vec<String>> {
    let runner = std::env::var("VERBOSEL_TEST_RUNNER").ok()?;
    let words: Vec<String> = runner.split_whitespace().map(String::from).collect();
    (!words.is_empty()).then_some(words)
}

/// Whether the binaries run under an emulator (see [`runner`]).
pub fn emulated() -> bool {
    runner().is_some()
}

/// Whether the servers under test run with `--no-sandbox`: `VERBOSEL_TEST_SANDBOX=off`, as under
/// qemu's user-mode emulator, which implements no seccomp (a server asked for its sandbox there
/// refuses to start; `every_server_refuses_to_start_without_the_sandbox_it_was_asked_for` in
/// tests/process.rs checks that it says so).
pub fn sandbox_off() -> bool {
    std::env::var("VERBOSEL_TEST_SANDBOX").is_ok_and(|v| v == "off")
}

/// Whether a test must stop because it cannot run under emulation (then it prints why: a
/// deliberate exclusion, listed in the README, not a missing tool).
pub fn not_under_emulation(why: &str) -> bool {
    if emulated() {
        eprintln!("NOT UNDER EMULATION: {why}");
    }
    emulated()
}

/// Whether a test must stop because it is about the sandbox, which is off (see [`sandbox_off`]).
pub fn not_without_the_sandbox(why: &str) -> bool {
    if sandbox_off() {
        eprintln!("NOT WITHOUT THE SANDBOX: {why}");
    }
    sandbox_off()
}

/// Builds the binaries of the workspace's root package (`--bins --examples`) with `profile`
/// flags, for [`target`], into `target/integration`, and returns the directory they land in.
fn build_binaries(profile: &[&str], profile_dir: &str) -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
        .join("integration");
    let mut cmd = Command::new(env!("CARGO"));
    cmd.args(["build", "--quiet", "--bins", "--examples"])
        .args(profile)
        .current_dir(&root)
        .env("CARGO_TARGET_DIR", &dir);
    let mut out = dir;
    if let Some(target) = target() {
        cmd.args(["--target", &target]);
        out = out.join(target);
    }
    let status = cmd.status().expect("run cargo build");
    assert!(
        status.success(),
        "cargo build {profile:?} of the binaries failed"
    );
    out.join(profile_dir)
}

/// The directory holding the freshly built binaries (`verbosel`, `examples/hello`, …).
pub fn bin_dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    // A lock file keeps parallel test binaries from building at the same time.
    DIR.get_or_init(|| build_binaries(&[], "debug"))
}

/// Path of a binary: "verbosel" or "examples/hello".
pub fn bin(name: &str) -> PathBuf {
    bin_dir().join(name)
}

/// The words that run the binary at `path`: the path itself, after the [`runner`] if any. For
/// commands that take a program to run (`prlimit … --`, `unshare … --`).
pub fn exec_words(path: &std::path::Path) -> Vec<std::ffi::OsString> {
    let mut words: Vec<std::ffi::OsString> = runner()
        .unwrap_or_default()
        .into_iter()
        .map(Into::into)
        .collect();
    words.push(path.into());
    words
}

/// A command that runs the binary at `path` (under the [`runner`], if any).
pub fn command_path(path: &std::path::Path) -> Command {
    let words = exec_words(path);
    let mut cmd = Command::new(&words[0]);
    cmd.args(&words[1..]);
    cmd
}

/// A command that runs the binary `name` (see [`bin`]), for one-shot runs (`--help`,
/// `--healthcheck`, bad flags).
pub fn command(name: &str) -> Command {
    command_path(&bin(name))
}

/// The words that start the server `name`: [`exec_words`], then `--no-sandbox` where the
/// sandbox cannot run (see [`sandbox_off`]).
pub fn server_words(name: &str) -> Vec<std::ffi::OsString> {
    let mut words = exec_words(&bin(name));
    if sandbox_off() {
        words.push("--no-sandbox".into());
    }
    words
}

/// A command that starts the server `name` (see [`server_words`]).
pub fn server_command(name: &str) -> Command {
    let words = server_words(name);
    let mut cmd = Command::new(&words[0]);
    cmd.args(&words[1..]);
    cmd
}

/// The directory holding the release builds of the binaries, built as `cargo build --release`
/// makes them (into `target/integration/release`), once per test process.
pub fn release_bin_dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| build_binaries(&["--release"], "release"))
}

/// `readelf ARGS path`'s output, or `None` (after a loud SKIPPED line) when readelf is missing.
pub fn readelf(args: &str, path: &std::path::Path) -> Option<String> {
    match Command::new("readelf").arg(args).arg(path).output() {
        Ok(out) => {
            assert!(out.status.success(), "readelf {args} {}", path.display());
            Some(String::from_utf8_lossy(&out.stdout).into_owned())
        }
        Err(_) => {
            eprintln!("SKIPPED: readelf is not installed (apt-get install binutils)");
            None
        }
    }
}

/// The relative relocation of each architecture, as readelf names it, by the `Machine:` line of
/// `readelf -h`: the only type a static-PIE verbosel binary may carry (verbosel_rt's relocator
/// applies nothing else).
pub const RELATIVE_RELOCATIONS: [(&str, &str); 2] = [
    ("X86-64", "R_X86_64_RELATIVE"),
    ("AArch64", "R_AARCH64_RELATIVE"),
];

/// The relative relocation type of the machine `readelf -hW` describes.
pub fn relative_relocation(readelf_h: &str) -> &'static str {
    let machine = readelf_h
        .lines()
        .find_map(|l| l.trim_start().strip_prefix("Machine:"))
        .unwrap_or_default();
    RELATIVE_RELOCATIONS
        .iter()
        .find(|(m, _)| machine.contains(m))
        .map(|&(_, r)| r)
        .unwrap_or_else(|| panic!("a machine verbosel does not build for: {machine}"))
}

/// What is wrong with a binary's relocations, from `readelf -rW`: every entry of a REL/RELA
/// section must be the `relative` type; a RELR section (`.relr.dyn`) holds nothing else by
/// definition. Empty when all is well.
pub fn relocation_defects(readelf_r: &str, relative: &str) -> Vec<String> {
    let mut defects = Vec::new();
    let mut section = String::new();
    let mut packed = false;
    for line in readelf_r.lines() {
        if let Some(rest) = line.strip_prefix("Relocation section '") {
            section = rest.split('\'').next().unwrap_or_default().to_string();
            packed = section.starts_with(".relr");
            continue;
        }
        let mut cols = line.split_whitespace();
        let (Some(offset), Some(_info), Some(kind)) = (cols.next(), cols.next(), cols.next())
        else {
            continue;
        };
        if packed || !offset.chars().all(|c| c.is_ascii_hexdigit()) {
            continue;
        }
        if kind != relative {
            defects.push(format!("{section}: {}", line.trim()));
        }
    }
    defects
}

/// Checks one static-PIE binary, of either architecture: ELF type DYN, no interpreter, a
/// PT_DYNAMIC and the program headers' link address (what the relocator finds itself by: a
/// PT_PHDR, as lld writes, or the headers right after the ELF header at the start of the file,
/// as GNU ld leaves them), no shared libraries, no text relocations, only relative relocations.
/// Returns false (after SKIPPED) when readelf is missing.
pub fn assert_static_pie(path: &std::path::Path) -> bool {
    let name = path.display();
    let Some(header) = readelf("-hW", path) else {
        return false;
    };
    assert!(
        header
            .lines()
            .any(|l| l.trim_start().starts_with("Type:") && l.contains("DYN")),
        "{name} is not position-independent (ELF type DYN):\n{header}"
    );
    let segments = readelf("-lW", path).unwrap();
    assert!(
        !segments.contains("INTERP"),
        "{name} has an interpreter:\n{segments}"
    );
    let has = |kind: &str| {
        segments
            .lines()
            .any(|l| l.split_whitespace().next() == Some(kind))
    };
    assert!(has("DYNAMIC"), "{name} lacks PT_DYNAMIC:\n{segments}");
    let headers_after_ehdr = header.contains("Start of program headers:          64 ")
        && segments.lines().any(|l| {
            let cols: Vec<&str> = l.split_whitespace().collect();
            cols.first() == Some(&"LOAD") && cols.get(1) == Some(&"0x000000")
        });
    assert!(
        has("PHDR") || headers_after_ehdr,
        "{name}: the relocator cannot find where its program headers were linked:\n{header}\n{segments}"
    );
    let dynamic = readelf("-dW", path).unwrap();
    assert!(
        !dynamic.contains("NEEDED"),
        "{name} needs shared libraries:\n{dynamic}"
    );
    assert!(
        !dynamic.contains("TEXTREL"),
        "{name} relocates its code:\n{dynamic}"
    );
    let defects = relocation_defects(&readelf("-rW", path).unwrap(), relative_relocation(&header));
    assert!(
        defects.is_empty(),
        "{name} carries relocations verbosel_rt does not apply:\n{}",
        defects.join("\n")
    );
    true
}

/// Where a running process's binary `exe` is loaded: the start of its lowest mapping
/// (/proc/PID/maps, proc(5)), the ELF header's address. Under qemu's user-mode emulator the
/// process is qemu, which maps the binary it runs like any file (its code not executable by the
/// host): the mapping is there all the same, by the binary's path.
pub fn load_address(pid: i32, exe: &std::path::Path) -> u64 {
    let exe = exe.canonicalize().expect("the binary's path");
    let maps = std::fs::read_to_string(format!("/proc/{pid}/maps")).expect("/proc/PID/maps");
    let line = maps
        .lines()
        .find(|l| {
            let cols: Vec<&str> = l.split_whitespace().collect();
            cols.len() >= 6 && std::path::Path::new(cols[5]) == exe
        })
        .unwrap_or_else(|| panic!("no mapping of {} in:\n{maps}", exe.display()));
    let start = line.split('-').next().unwrap();
    u64::from_str_radix(start, 16).unwrap()
}

/// A server process started for one test; stopped (SIGKILL) when dropped, if still running.
pub struct Server {
    pub child: Child,
    pub port: u16,
    pub stderr: Arc<Mutex<Vec<String>>>,
    pub stdout: Arc<Mutex<Vec<String>>>,
    /// Set when stdout and stderr have reached their end: every process that held them (the
    /// server and all its children) has exited, so what they wrote is complete.
    pub ended: Arc<AtomicUsize>,
}

fn collect(
    stream: impl Read + Send + 'static,
    sink: Arc<Mutex<Vec<String>>>,
    first: Option<std::sync::mpsc::Sender<String>>,
    ended: Arc<AtomicUsize>,
) {
    std::thread::spawn(move || {
        let _ended = Ended(ended);
        let mut first = first;
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            // Into the sink first: when `start` returns, stderr_text() has the start-up line.
            sink.lock().unwrap().push(line.clone());
            if let Some(tx) = &first
                && line.contains("listening on")
            {
                let _ = tx.send(line);
                first = None;
            }
        }
    });
}

/// Counts a reader's end when dropped (also when its thread unwinds).
struct Ended(Arc<AtomicUsize>);

impl Drop for Ended {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

impl Server {
    /// Starts `name` with `--port 0` plus `args`, and waits for its "listening on" line.
    pub fn start(name: &str, args: &[&str]) -> Server {
        Server::start_with(name, args, &[])
    }

    /// Starts a binary by path (a user's crate, built elsewhere).
    pub fn start_path(path: &std::path::Path, args: &[&str]) -> Server {
        let mut cmd = command_path(path);
        if sandbox_off() {
            cmd.arg("--no-sandbox");
        }
        Server::spawn(cmd, args, &[])
    }

    /// As `start`, with extra environment variables.
    pub fn start_with(name: &str, args: &[&str], env: &[(&str, &str)]) -> Server {
        Server::spawn(server_command(name), args, env)
    }

    fn spawn(mut cmd: Command, args: &[&str], env: &[(&str, &str)]) -> Server {
        cmd.args(["--port", "0"]).args(args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        Server::start_cmd(cmd)
    }

    /// Starts a prepared command (no `--port` is added: pass one, or set `PORT`) with piped
    /// stdout/stderr, and waits for its "listening on" line. The command may be a wrapper that
    /// execs the server (`prlimit … -- server …`, `setpriv … server …`): the pid stays the same.
    pub fn start_cmd(cmd: Command) -> Server {
        Server::start_cmd_with_stdout(cmd, Stdio::piped())
    }

    /// As `start_cmd`, with stdout going to `stdout` (a regular file, say) instead of a pipe
    /// the test reads.
    pub fn start_cmd_with_stdout(mut cmd: Command, stdout_to: Stdio) -> Server {
        let name = cmd.get_program().to_string_lossy().into_owned();
        cmd.stdin(Stdio::null())
            .stdout(stdout_to)
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("start server");
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let stdout = Arc::new(Mutex::new(Vec::new()));
        let ended = Arc::new(AtomicUsize::new(0));
        let (tx, rx): (_, Receiver<String>) = channel();
        collect(
            child.stderr.take().unwrap(),
            stderr.clone(),
            Some(tx),
            ended.clone(),
        );
        match child.stdout.take() {
            Some(out) => collect(out, stdout.clone(), None, ended.clone()),
            None => {
                ended.fetch_add(1, Ordering::SeqCst);
            }
        }
        let line = rx.recv_timeout(TIMEOUT).unwrap_or_else(|_| {
            let _ = child.kill();
            panic!("{name} did not start: {:?}", stderr.lock().unwrap())
        });
        let port = line
            .split("listening on ")
            .nth(1)
            .and_then(|rest| rest.split(',').next())
            .and_then(|addr| addr.rsplit(':').next())
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("no port in {line:?}"));
        Server {
            child,
            port,
            stderr,
            stdout,
            ended,
        }
    }

    pub fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    pub fn connect(&self) -> TcpStream {
        let s = TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
        s.set_read_timeout(Some(TIMEOUT)).unwrap();
        s.set_write_timeout(Some(TIMEOUT)).unwrap();
        s
    }

    /// Sends `request` on a new connection, half-closes, and reads until the server closes.
    pub fn exchange(&self, request: &[u8]) -> Vec<u8> {
        let mut s = self.connect();
        s.write_all(request).unwrap();
        let _ = s.shutdown(Shutdown::Write);
        read_to_close(&mut s)
    }

    /// One request on a new connection; returns the parsed response.
    pub fn get(&self, path: &str) -> Response {
        let raw = self.exchange(
            format!("GET {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n").as_bytes(),
        );
        Response::parse(&raw).unwrap_or_else(|| {
            panic!(
                "bad response to {path}: {:?}",
                String::from_utf8_lossy(&raw)
            )
        })
    }

    /// Sends a signal to the server.
    pub fn signal(&self, sig: i32) {
        let ok = Command::new("kill")
            .arg(format!("-{sig}"))
            .arg(self.pid().to_string())
            .status()
            .unwrap()
            .success();
        assert!(ok);
    }

    /// Stops the server with SIGTERM and waits until it and every process it forked are gone
    /// (its stdout and stderr have ended): what it logged is then complete, and a test can
    /// count lines without guessing how long to wait.
    pub fn stop(&mut self) -> std::process::ExitStatus {
        self.signal(15);
        let status = self
            .wait_exit(TIMEOUT)
            .expect("the server did not stop on SIGTERM");
        assert!(
            wait_until(TIMEOUT, || self.ended.load(Ordering::SeqCst) == 2),
            "the server's children still hold its stdout or stderr"
        );
        status
    }

    /// Waits for the process to exit; returns its status code or None on timeout.
    pub fn wait_exit(&mut self, within: Duration) -> Option<std::process::ExitStatus> {
        let end = Instant::now() + within;
        while Instant::now() < end {
            if let Ok(Some(st)) = self.child.try_wait() {
                return Some(st);
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        None
    }

    /// The direct children of the server process.
    pub fn children(&self) -> Vec<i32> {
        children_of(self.pid())
    }

    pub fn stderr_text(&self) -> String {
        self.stderr.lock().unwrap().join("\n")
    }

    pub fn stdout_lines(&self) -> Vec<String> {
        self.stdout.lock().unwrap().clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            // SIGKILL on the parent alone would orphan its spare children, which block in
            // accept() on the inherited listener for ever. Stop the parent first (it forks no
            // more, and it reaps no one, so no child pid can be reused), kill its children by pid,
            // then the parent.
            let pid = self.pid().to_string();
            let _ = Command::new("kill").args(["-STOP", &pid]).status();
            let kids: Vec<String> = self.children().iter().map(|c| c.to_string()).collect();
            if !kids.is_empty() {
                let _ = Command::new("kill").arg("-KILL").args(&kids).status();
            }
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A TCP port that was free a moment ago on 127.0.0.1 (bound to port 0, then closed), for tests
/// that must name a port themselves (`PORT`, `--healthcheck` against nothing).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind(("127.0.0.1", 0))
        .expect("bind port 0")
        .local_addr()
        .unwrap()
        .port()
}

pub fn children_of(pid: i32) -> Vec<i32> {
    let path = format!("/proc/{pid}/task/{pid}/children");
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .collect()
}

/// Process state letter from /proc (Z = zombie), or None if gone.
pub fn proc_state(pid: i32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat.rsplit(')').next()?.trim().chars().next()
}

/// Reads exactly one response from a keep-alive connection.
pub fn read_response(c: &mut TcpStream) -> Response {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(r) = Response::parse(&buf) {
            return r;
        }
        let n = match c.read(&mut chunk) {
            // As in read_to_close: a timed socket read can fail with EINTR.
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            r => r.unwrap(),
        };
        assert!(n > 0, "closed after {:?}", String::from_utf8_lossy(&buf));
        buf.extend_from_slice(&chunk[..n]);
    }
}

pub fn read_to_close(s: &mut TcpStream) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = [0u8; 65536];
    loop {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break,
            // A socket with SO_RCVTIMEO fails with EINTR, instead of restarting, when any signal
            // wakes the thread, even one that is then ignored: the SIGCHLD of an exiting server
            // can, while another test thread's posix_spawn has every signal blocked (socket(7)).
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => panic!("read: {e} after {:?}", String::from_utf8_lossy(&out)),
        }
    }
    out
}

/// A parsed response.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Bytes after this response (a pipelined next response).
    pub rest: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Parses one response framed by Content-Length or chunked (or to the end), as a strict
    /// client would. `head_only` for responses to HEAD.
    pub fn parse_framed(raw: &[u8], head_only: bool) -> Option<Response> {
        let end = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
        let head = std::str::from_utf8(&raw[..end]).ok()?;
        let mut lines = head.split("\r\n");
        let status_line = lines.next()?;
        let mut parts = status_line.splitn(3, ' ');
        if parts.next()? != "HTTP/1.1" {
            return None;
        }
        let status: u16 = parts.next()?.parse().ok()?;
        let headers: Vec<(String, String)> = lines
            .map(|l| {
                let (n, v) = l.split_once(':')?;
                Some((n.to_string(), v.trim().to_string()))
            })
            .collect::<Option<_>>()?;
        let mut r = Response {
            status,
            headers,
            body: Vec::new(),
            rest: Vec::new(),
        };
        let body = &raw[end + 4..];
        if head_only || status == 204 || status == 304 || (100..200).contains(&status) {
            r.rest = body.to_vec();
        } else if let Some(len) = r.header("content-length") {
            let len: usize = len.parse().ok()?;
            if body.len() < len {
                return None;
            }
            r.body = body[..len].to_vec();
            r.rest = body[len..].to_vec();
        } else if r
            .header("transfer-encoding")
            .is_some_and(|t| t.eq_ignore_ascii_case("chunked"))
        {
            let mut i = 0;
            loop {
                let line_end = body[i..].windows(2).position(|w| w == b"\r\n")? + i;
                let size = usize::from_str_radix(std::str::from_utf8(&body[i..line_end]).ok()?, 16)
                    .ok()?;
                i = line_end + 2;
                if size == 0 {
                    i += 2;
                    break;
                }
                r.body.extend_from_slice(body.get(i..i + size)?);
                i += size + 2;
            }
            r.rest = body.get(i..)?.to_vec();
        } else {
            r.body = body.to_vec();
        }
        Some(r)
    }

    pub fn parse(raw: &[u8]) -> Option<Response> {
        Response::parse_framed(raw, false)
    }

    /// Parses a sequence of responses (pipelining).
    pub fn parse_all(raw: &[u8]) -> Vec<Response> {
        let mut out = Vec::new();
        let mut rest = raw.to_vec();
        while !rest.is_empty() {
            match Response::parse(&rest) {
                Some(r) => {
                    rest = r.rest.clone();
                    out.push(r);
                }
                None => break,
            }
        }
        out
    }
}
