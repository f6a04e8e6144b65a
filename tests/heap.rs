//! The heap (verbosel's `alloc` feature) in a real server: examples/heap, whose handlers use
//! `Vec`, `String`, `format!` and `BTreeMap`, built as a user would build it and served over
//! real sockets. One keep-alive connection serving 100,000 requests stays the same size; a
//! request that allocates past the limit gets a 500 and the server goes on; with `--reuse`,
//! the heap lives on from one connection to the next.

mod support;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;
use support::{Response, Server, TIMEOUT, read_response, wait_until};

/// examples/heap, built once per test process in release (100,000 requests take a few seconds
/// there, and much longer unoptimised), into its own target directory.
fn heap_app() -> &'static PathBuf {
    static EXE: OnceLock<PathBuf> = OnceLock::new();
    EXE.get_or_init(|| {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| root.join("target"))
            .join("heap");
        let status = Command::new(env!("CARGO"))
            .args([
                "build",
                "--quiet",
                "--release",
                "-p",
                "verbosel-example-heap",
            ])
            .current_dir(&root)
            .env("CARGO_TARGET_DIR", &target)
            .status()
            .expect("cargo build");
        assert!(status.success(), "examples/heap did not build");
        target.join("release/heap")
    })
}

fn start(args: &[&str]) -> Server {
    Server::start_path(heap_app(), args)
}

/// One keep-alive request and its response's body.
fn ask(c: &mut TcpStream, path: &str) -> (u16, String) {
    c.write_all(format!("GET {path} HTTP/1.1\r\nHost: t\r\n\r\n").as_bytes())
        .unwrap();
    let r = read_response(c);
    (r.status, r.text())
}

/// Resident memory of a process, in KiB (proc(5): VmRSS in /proc/PID/status).
fn rss_kib(pid: i32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no VmRSS in {status}"))
}

/// The request the memory test repeats: a few dozen words, so the handler builds a tree of a
/// few dozen keys, a sorted list and a JSON body of some hundred bytes, then frees them.
const WORDS: &str = "/words?text=the+quick+brown+fox+jumps+over+the+lazy+dog+and+the+dog+sleeps+on+while+a+quick+cat+watches+the+fox+run+past+the+old+barn+door+near+the+river+bank";

/// How the answer to `WORDS` begins: every word counted, the most frequent first.
const ANSWER: &str = r#"{"words":31,"distinct":23,"counts":[["the",6],["dog",2],["fox",2],"#;

/// Requests sent at once on the connection before reading their responses: pipelining keeps
/// 100,000 requests to a few seconds on loopback.
const BATCH: usize = 100;

/// Sends `BATCH` copies of the request and reads exactly their responses, which all have the
/// length of `one` (the Date header is fixed-width), and checks each is the expected 200.
fn batch(c: &mut TcpStream, request: &[u8], one: usize, body: &str, buf: &mut Vec<u8>) {
    c.write_all(&request.repeat(BATCH)).unwrap();
    buf.resize(one * BATCH, 0);
    if let Err(e) = c.read_exact(buf) {
        panic!("{e}: the connection ended before {BATCH} responses");
    }
    for r in buf.chunks(one) {
        assert!(
            r.starts_with(b"HTTP/1.1 200 OK\r\n"),
            "{:?}",
            String::from_utf8_lossy(r)
        );
        assert!(
            r.ends_with(body.as_bytes()),
            "{:?}",
            String::from_utf8_lossy(r)
        );
    }
}

#[test]
fn one_keep_alive_connection_serving_100000_allocating_requests_stays_the_same_size() {
    let s = start(&["--quiet"]);
    let mut c = s.connect();
    let (status, pid) = ask(&mut c, "/pid");
    assert_eq!(status, 200);
    let pid: i32 = pid.trim().parse().unwrap();
    // The process serving this connection is one of the server's children.
    assert!(s.children().contains(&pid), "{pid} is not a child");
    let request = format!("GET {WORDS} HTTP/1.1\r\nHost: t\r\n\r\n").into_bytes();
    // One response, to learn its exact length and body.
    c.write_all(&request).unwrap();
    let mut raw = Vec::new();
    let first = loop {
        let mut chunk = [0u8; 4096];
        let n = c.read(&mut chunk).unwrap();
        assert!(n > 0, "closed");
        raw.extend_from_slice(&chunk[..n]);
        if let Some(r) = Response::parse(&raw) {
            break r;
        }
    };
    assert_eq!((first.status, first.rest.len()), (200, 0));
    let body = first.text();
    assert!(body.starts_with(ANSWER), "{body}");
    let one = raw.len();
    let mut buf = Vec::new();
    let early = rss_kib(pid);
    // The first batch: the heap takes its slabs, and the request buffer and the stack reach
    // the depth a batch of pipelined requests takes them to.
    batch(&mut c, &request, one, &body, &mut buf);
    let settled = rss_kib(pid);
    for _ in 1..100_000 / BATCH {
        batch(&mut c, &request, one, &body, &mut buf);
    }
    let end = rss_kib(pid);
    eprintln!(
        "RSS of connection process {pid}: {early} KiB after 2 requests, {settled} KiB after \
         {}, {end} KiB after {}",
        2 + BATCH,
        2 + 100_000
    );
    assert!(
        end <= settled + 64,
        "RSS grew from {settled} KiB to {end} KiB over 100,000 requests"
    );
    // Still the same process, still serving.
    assert_eq!(ask(&mut c, "/pid"), (200, format!("{pid}\n")));
}

#[test]
fn a_request_past_the_heap_limit_gets_a_500_and_the_next_connection_is_served() {
    // With the sandbox (RLIMIT_AS 64 MiB) and without it: the heap's own limit (32 MiB) is the
    // one that stops the request either way.
    for args in [&["--quiet"][..], &["--quiet", "--no-sandbox"]] {
        let s = start(args);
        // Within the limit: grown by mremap, 64 KiB at a time, to 8 MiB, then freed.
        let r = s.get("/grow?mib=8");
        assert_eq!(
            (r.status, r.text().as_str()),
            (200, "grew to 8 MiB\n"),
            "{args:?}"
        );
        // Past it: the allocation fails, the handler panics, the client gets a 500.
        let r = s.get("/grow?mib=40");
        assert_eq!(r.status, 500, "{args:?} {r:?}");
        assert!(
            wait_until(TIMEOUT, || s.stderr_text().contains("panicked (exit 101)")),
            "{args:?}: the parent did not log the exit: {}",
            s.stderr_text()
        );
        // The next connection is served, by another process.
        let r = s.get(WORDS);
        assert_eq!(r.status, 200, "{args:?}");
        assert!(r.text().starts_with(ANSWER), "{args:?}");
    }
}

#[test]
fn with_reuse_the_heap_and_what_statics_keep_live_on_from_one_connection_to_the_next() {
    // Workers that serve up to 4 connections each, in turn. Which worker takes a connection is
    // the kernel's choice: the test follows each by its pid.
    let s = start(&["--quiet", "--spare", "1", "--reuse", "4"]);
    let mut kept_by: std::collections::HashMap<String, usize> = Default::default();
    for _ in 0..8 {
        let mut c = s.connect();
        let (_, pid) = ask(&mut c, "/pid");
        // Each connection keeps 100,000 bytes for good and does some allocating work: the
        // heap carries what the earlier connections of its process kept, and reuses what they
        // freed.
        let kept = kept_by.entry(pid).or_default();
        *kept += 100_000;
        assert_eq!(
            ask(&mut c, "/keep?bytes=100000"),
            (200, format!("{kept}\n"))
        );
        for _ in 0..50 {
            let (status, body) = ask(&mut c, WORDS);
            assert_eq!(status, 200);
            assert!(body.starts_with(ANSWER), "{body}");
        }
        assert_eq!(ask(&mut c, "/grow?mib=4").0, 200);
    }
    assert!(
        kept_by.values().any(|&k| k > 100_000),
        "no process served two connections: {kept_by:?}"
    );
}

#[test]
fn a_response_can_own_its_body() {
    // `send_owned` with a `Vec<u8>` the handler built: every byte in order, framed by its
    // length, on a keep-alive connection that goes on; HEAD gets the length and no body.
    let s = start(&["--quiet"]);
    let mut c = s.connect();
    for bytes in [0usize, 1, 251, 70_000] {
        c.write_all(format!("GET /owned?bytes={bytes} HTTP/1.1\r\nHost: t\r\n\r\n").as_bytes())
            .unwrap();
        let r = read_response(&mut c);
        assert_eq!(r.status, 200);
        assert_eq!(r.header("content-length"), Some(bytes.to_string().as_str()));
        let want: Vec<u8> = (0..bytes).map(|i| (i % 251) as u8).collect();
        assert!(r.body == want, "{bytes} bytes: the body differs");
    }
    let raw = s.exchange(b"HEAD /owned?bytes=300 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    let r = Response::parse_framed(&raw, true).unwrap();
    assert_eq!((r.status, r.header("content-length")), (200, Some("300")));
    assert!(r.body.is_empty());
    // String bodies: `json_owned` and `text_owned`.
    assert_eq!(ask(&mut c, "/pid").0, 200);
    let (status, body) = ask(&mut c, WORDS);
    assert_eq!(status, 200);
    assert!(body.starts_with(ANSWER), "{body}");
}
