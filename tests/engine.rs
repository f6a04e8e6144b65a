//! The HTTP/1.1 engine over real TCP (issue 3): keep-alive, pipelining, HEAD, chunked bodies,
//! `Expect: 100-continue`, every error status with its trigger, the head deadline against a
//! slowloris client, requests arriving a byte at a time, and the headers every response carries.
//! Plus the `hello` and `api` examples' promised behaviour (issue 4).
//!
//! Every request here is raw bytes on a socket and every response is parsed as a strict client
//! would (`support::Response::parse_framed`). Deadlines are only checked against generous upper
//! bounds: the machine is shared, so nothing asserts how fast anything is.

mod support;
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::{Duration, Instant};
use support::{Response, Server, TIMEOUT};

/// An upper bound for "the server cut the client off", far above the deadlines configured in
/// these tests (1–2 s), so a loaded machine does not make a test flaky.
const CUT_OFF_BOUND: Duration = Duration::from_secs(10);

/// A longest plausible error body: a status line's worth of text, not a page.
const SHORT_BODY: usize = 200;

fn api(extra: &[&str]) -> Server {
    let mut args = vec!["--quiet"];
    args.extend_from_slice(extra);
    Server::start("examples/api", &args)
}

fn hello() -> Server {
    Server::start("examples/hello", &["--quiet"])
}

/// A client connection that reads responses one at a time and keeps whatever follows them.
struct Client {
    s: TcpStream,
    buf: Vec<u8>,
}

impl Client {
    fn new(server: &Server) -> Client {
        let s = server.connect();
        s.set_nodelay(true).unwrap();
        Client { s, buf: Vec::new() }
    }

    fn send(&mut self, bytes: &[u8]) {
        self.s.write_all(bytes).unwrap();
    }

    /// Reads more bytes; false on end of stream (or a reset, which ends it too).
    fn fill(&mut self) -> bool {
        let mut chunk = [0u8; 65536];
        match self.s.read(&mut chunk) {
            Ok(0) => false,
            Ok(n) => {
                self.buf.extend_from_slice(&chunk[..n]);
                true
            }
            Err(e) if e.kind() == ErrorKind::ConnectionReset => false,
            // SO_RCVTIMEO reads fail with EINTR when this process gets any signal, and a child
            // being stopped (support's Drop sends SIGSTOP to servers) is enough: retry.
            Err(e) if e.kind() == ErrorKind::Interrupted => true,
            Err(e) => panic!("read: {e}; have {:?}", String::from_utf8_lossy(&self.buf)),
        }
    }

    /// The next response: strictly framed by Content-Length or chunked (complete up to its last
    /// chunk), or bodiless (HEAD, 1xx, 204, 304).
    fn response(&mut self, head_only: bool) -> Response {
        loop {
            if let Some(end) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let r = Response::parse_framed(&self.buf, head_only);
                let bodiless = head_only
                    || matches!(r.as_ref().map(|r| r.status), Some(100..=199 | 204 | 304));
                let framed = bodiless
                    || r.as_ref().is_some_and(|r| {
                        r.header("content-length").is_some()
                            || r.header("transfer-encoding") == Some("chunked")
                    });
                let head = String::from_utf8_lossy(&self.buf[..end]).into_owned();
                assert!(
                    r.is_none() || framed,
                    "a response that is neither bodiless nor framed: {head}"
                );
                if let Some(r) = r {
                    self.buf = r.rest.clone();
                    return Response {
                        rest: Vec::new(),
                        ..r
                    };
                }
            }
            assert!(
                self.fill(),
                "connection closed before a whole response: {:?}",
                String::from_utf8_lossy(&self.buf)
            );
        }
    }

    /// Asserts that nothing more arrives and the server closes the connection.
    fn expect_close(&mut self) {
        assert!(
            self.buf.is_empty(),
            "unexpected bytes after the response: {:?}",
            String::from_utf8_lossy(&self.buf)
        );
        while self.fill() {}
        assert!(
            self.buf.is_empty(),
            "unexpected bytes before the close: {:?}",
            String::from_utf8_lossy(&self.buf)
        );
    }
}

/// Sends `request` on a new connection, half-closes, and reads until the server closes.
fn exchange(server: &Server, request: &[u8]) -> Vec<u8> {
    let mut c = Client::new(server);
    c.send(request);
    let _ = c.s.shutdown(Shutdown::Write);
    while c.fill() {}
    c.buf
}

/// `GET path` with `Connection: close`, parsed.
fn get_close(server: &Server, path: &str) -> Response {
    let raw = exchange(
        server,
        format!("GET {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n").as_bytes(),
    );
    Response::parse(&raw).unwrap_or_else(|| {
        panic!(
            "bad response to {path}: {:?}",
            String::from_utf8_lossy(&raw)
        )
    })
}

fn content_length(r: &Response) -> Option<usize> {
    r.header("content-length").map(|v| {
        v.parse()
            .unwrap_or_else(|_| panic!("bad Content-Length {v:?}"))
    })
}

fn says_close(r: &Response) -> bool {
    r.header("connection")
        .is_some_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case("close")))
}

/// The checks every error answer must pass: the status, `Connection: close`, a short body that
/// Content-Length describes exactly, nothing after it, and the server closing the connection on
/// its own (the client keeps its side open). Returns the response for further checks.
fn expect_error(server: &Server, request: &[u8], status: u16) -> Response {
    expect_error_of(server, request, &[status])
}

/// As [`expect_error`], where more than one status is a right answer.
fn expect_error_of(server: &Server, request: &[u8], allowed: &[u16]) -> Response {
    let mut c = Client::new(server);
    c.send(request);
    let r = c.response(false);
    let shown = String::from_utf8_lossy(&request[..request.len().min(120)]).into_owned();
    let status = r.status;
    assert!(
        allowed.contains(&status),
        "request {shown:?} got {status} {:?}, expected one of {allowed:?}",
        r.text()
    );
    assert!(
        says_close(&r),
        "{status} without Connection: close: {:?}",
        r.headers
    );
    assert!(
        !r.body.is_empty() && r.body.len() < SHORT_BODY,
        "{status} body not short: {:?}",
        r.text()
    );
    assert!(
        r.text().starts_with(&status.to_string()),
        "{status} body does not name the status: {:?}",
        r.text()
    );
    assert_eq!(content_length(&r), Some(r.body.len()));
    c.expect_close();
    r
}

fn get(path: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nHost: t\r\n\r\n")
}

fn post(path: &str, body: &str) -> String {
    format!(
        "POST {path} HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

// ---------------------------------------------------------------------------------------------
// Keep-alive (RFC 9112 §9.3)

#[test]
fn http11_keeps_the_connection_open_for_several_requests() {
    let s = api(&[]);
    let mut c = Client::new(&s);
    for id in 1..=5 {
        c.send(get(&format!("/api/items/{id}")).as_bytes());
        let r = c.response(false);
        assert_eq!(r.status, 200);
        assert_eq!(r.text(), format!("{{\"id\":\"{id}\"}}"));
        assert!(
            !says_close(&r),
            "HTTP/1.1 persists by default: {:?}",
            r.headers
        );
    }
}

#[test]
fn connection_close_from_the_client_is_honoured() {
    let s = api(&[]);
    let mut c = Client::new(&s);
    c.send(get("/api/items/1").as_bytes());
    assert_eq!(c.response(false).status, 200);
    c.send(b"GET /api/items/2 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    let r = c.response(false);
    assert_eq!((r.status, r.text().as_str()), (200, r#"{"id":"2"}"#));
    assert!(
        says_close(&r),
        "the response must announce the close: {:?}",
        r.headers
    );
    c.expect_close();
}

#[test]
fn http10_closes_by_default() {
    let s = api(&[]);
    let mut c = Client::new(&s);
    c.send(b"GET /api/items/1 HTTP/1.0\r\n\r\n");
    let r = c.response(false);
    assert_eq!((r.status, r.text().as_str()), (200, r#"{"id":"1"}"#));
    assert!(says_close(&r), "{:?}", r.headers);
    c.expect_close();
}

#[test]
fn http10_keeps_alive_only_when_asked_and_says_so() {
    let s = api(&[]);
    let mut c = Client::new(&s);
    for id in 1..=3 {
        c.send(
            format!("GET /api/items/{id} HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").as_bytes(),
        );
        let r = c.response(false);
        assert_eq!(r.text(), format!("{{\"id\":\"{id}\"}}"));
        assert_eq!(
            r.header("connection")
                .map(str::to_ascii_lowercase)
                .as_deref(),
            Some("keep-alive")
        );
    }
    c.send(b"GET /api/items/9 HTTP/1.0\r\n\r\n");
    let r = c.response(false);
    assert_eq!(r.text(), r#"{"id":"9"}"#);
    assert!(says_close(&r));
    c.expect_close();
}

// ---------------------------------------------------------------------------------------------
// Pipelining (RFC 9112 §9.3.2)

#[test]
fn nine_pipelined_requests_in_one_write_are_answered_in_order() {
    let s = api(&[]);
    let chunked = "POST /api/items HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n\
                   4\r\n{\"k\"\r\n4\r\n:\"c\"\r\n1\r\n}\r\n0\r\n\r\n";
    let requests: Vec<(String, bool, u16, &str)> = vec![
        (get("/api/items/1"), false, 200, r#"{"id":"1"}"#),
        (
            "HEAD /api/items/2 HTTP/1.1\r\nHost: t\r\n\r\n".into(),
            true,
            200,
            "",
        ),
        (
            post("/api/items", r#"{"n":3}"#),
            false,
            201,
            r#"{"created":{"n":3}}"#,
        ),
        (get("/api/search?q=four"), false, 200, r#"{"q":"four"}"#),
        (
            "HEAD /api/search?q=five HTTP/1.1\r\nHost: t\r\n\r\n".into(),
            true,
            200,
            "",
        ),
        (
            post("/api/items", r#"{"n":6}"#),
            false,
            201,
            r#"{"created":{"n":6}}"#,
        ),
        (chunked.into(), false, 201, r#"{"created":{"k":"c"}}"#),
        (get("/no/such/route"), false, 404, "404 Not Found\n"),
        (
            "GET /api/items/9 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n".into(),
            false,
            200,
            r#"{"id":"9"}"#,
        ),
    ];
    let all: String = requests.iter().map(|r| r.0.as_str()).collect();
    let mut c = Client::new(&s);
    c.send(all.as_bytes());
    for (i, (_, head_only, status, body)) in requests.iter().enumerate() {
        let r = c.response(*head_only);
        assert_eq!(
            (r.status, r.text().as_str()),
            (*status, *body),
            "response {i}"
        );
        if *head_only {
            assert!(
                content_length(&r).unwrap() > 0,
                "HEAD announces GET's length"
            );
        }
    }
    c.expect_close();
}

#[test]
fn a_pipeline_longer_than_the_read_buffer_is_answered_in_order() {
    // 2000 requests (~80 KiB) in one write: more than one read buffer's worth, so pipelined
    // heads are split across reads and moved to the front of the buffer many times.
    let s = api(&[]);
    let mut all = String::new();
    for id in 0..2000 {
        all.push_str(&get(&format!("/api/items/{id}")));
    }
    all.push_str("GET /api/items/2000 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    let mut c = Client::new(&s);
    let writer = {
        let mut w = c.s.try_clone().unwrap();
        std::thread::spawn(move || w.write_all(all.as_bytes()).unwrap())
    };
    for id in 0..=2000 {
        let r = c.response(false);
        assert_eq!(r.text(), format!("{{\"id\":\"{id}\"}}"), "response {id}");
    }
    writer.join().unwrap();
    c.expect_close();
}

// ---------------------------------------------------------------------------------------------
// HEAD (RFC 9110 §9.3.2)

/// The headers that may legitimately differ between two responses a moment apart.
fn comparable(r: &Response) -> Vec<(String, String)> {
    let mut h: Vec<_> = r
        .headers
        .iter()
        .filter(|(n, _)| !n.eq_ignore_ascii_case("date") && !n.eq_ignore_ascii_case("connection"))
        .map(|(n, v)| (n.to_ascii_lowercase(), v.clone()))
        .collect();
    h.sort();
    h
}

#[test]
fn head_gets_the_headers_of_get_and_no_body() {
    let s = api(&[]);
    for path in [
        "/api/items",
        "/api/items/7",
        "/api/search?q=x%20y",
        "/nothing-here",
    ] {
        let mut c = Client::new(&s);
        // HEAD then GET on one connection: if HEAD sent any body byte, the GET's response would
        // not start right after HEAD's empty line.
        c.send(format!("HEAD {path} HTTP/1.1\r\nHost: t\r\n\r\nGET {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n").as_bytes());
        let head = c.response(true);
        assert!(
            c.buf.is_empty() || c.buf.starts_with(b"HTTP/1.1 "),
            "bytes after a HEAD response: {:?}",
            String::from_utf8_lossy(&c.buf)
        );
        let full = c.response(false);
        assert_eq!(head.status, full.status, "{path}");
        assert_eq!(content_length(&head), Some(full.body.len()), "{path}");
        assert_eq!(comparable(&head), comparable(&full), "{path}");
        c.expect_close();
    }
}

#[test]
fn head_of_an_embedded_static_file_has_no_body() {
    let s = Server::start("verbosel", &["--quiet"]);
    let mut c = Client::new(&s);
    c.send(
        b"HEAD / HTTP/1.1\r\nHost: t\r\n\r\nGET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
    );
    let head = c.response(true);
    assert!(
        c.buf.is_empty() || c.buf.starts_with(b"HTTP/1.1 "),
        "bytes after a HEAD response"
    );
    let full = c.response(false);
    assert_eq!(head.status, 200);
    assert_eq!(content_length(&head), Some(full.body.len()));
    assert_eq!(comparable(&head), comparable(&full));
    c.expect_close();
}

// ---------------------------------------------------------------------------------------------
// Chunked request bodies (RFC 9112 §7.1)

#[test]
fn a_chunked_body_with_extensions_and_a_trailer_is_decoded_and_the_next_request_follows() {
    let s = api(&[]);
    let mut c = Client::new(&s);
    c.send(
        b"POST /api/items HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n\
          7;name=\"quoted value\"\r\n{\"name\"\r\n\
          3\r\n:\"v\r\n\
          009;x=y ; z\r\nerbosel\"}\r\n\
          0\r\nX-Checksum: none\r\nX-Other: 1\r\n\r\n\
          GET /api/search?q=after+chunks HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
    );
    let r = c.response(false);
    assert_eq!(
        (r.status, r.text().as_str()),
        (201, r#"{"created":{"name":"verbosel"}}"#)
    );
    assert_eq!(r.header("location"), Some("/api/items/4"));
    let next = c.response(false);
    assert_eq!(
        (next.status, next.text().as_str()),
        (200, r#"{"q":"after chunks"}"#)
    );
    c.expect_close();
}

#[test]
fn a_chunked_body_arriving_over_several_writes_is_decoded() {
    let s = api(&[]);
    let mut c = Client::new(&s);
    let parts: [&[u8]; 5] = [
        b"POST /api/items HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n",
        b"2\r\n{\"",
        b"\r\n5\r\nlong\"\r",
        b"\n3;e\r\n:[1\r\n2\r\n]}\r\n0\r\n",
        b"\r\n",
    ];
    for p in parts {
        c.send(p);
        std::thread::sleep(Duration::from_millis(30));
    }
    let r = c.response(false);
    assert_eq!(
        (r.status, r.text().as_str()),
        (201, r#"{"created":{"long":[1]}}"#)
    );
    c.send(get("/api/items/3").as_bytes());
    assert_eq!(c.response(false).text(), r#"{"id":"3"}"#);
}

#[test]
fn the_unread_body_of_an_unrouted_request_is_never_taken_for_the_next_request() {
    let s = api(&[]);
    let smuggled = "GET /api/items/666 HTTP/1.1\r\nHost: t\r\n\r\n";
    // The body arrives with the head: it is skipped, and the connection may persist.
    let mut c = Client::new(&s);
    c.send(
        format!(
            "POST /nowhere HTTP/1.1\r\nHost: t\r\nContent-Length: {}\r\n\r\n{smuggled}",
            smuggled.len()
        )
        .as_bytes(),
    );
    assert_eq!(c.response(false).status, 404);
    c.send(b"GET /api/items/1 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    while c.fill() {}
    let rest = Response::parse_all(&c.buf);
    assert!(
        rest.iter().all(|r| !r.text().contains("666")),
        "a body was served as a request: {:?}",
        String::from_utf8_lossy(&c.buf)
    );
    // The body arrives after the head: the server answers without it and must close.
    let mut c = Client::new(&s);
    c.send(
        format!(
            "POST /nowhere HTTP/1.1\r\nHost: t\r\nContent-Length: {}\r\n\r\n",
            smuggled.len()
        )
        .as_bytes(),
    );
    let r = c.response(false);
    assert_eq!(r.status, 404);
    std::thread::sleep(Duration::from_millis(50));
    let _ = c.s.write_all(smuggled.as_bytes());
    while c.fill() {}
    assert!(
        !String::from_utf8_lossy(&c.buf).contains("666"),
        "a body was served as a request: {:?}",
        String::from_utf8_lossy(&c.buf)
    );
}

// ---------------------------------------------------------------------------------------------
// Expect: 100-continue (RFC 9110 §10.1.1)

#[test]
fn expect_100_continue_gets_an_interim_response_before_the_body_is_sent() {
    let s = api(&[]);
    let mut c = Client::new(&s);
    let body = r#"{"waited":true}"#;
    c.send(format!("POST /api/items HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: {}\r\n\r\n", body.len()).as_bytes());
    let interim = c.response(false);
    assert_eq!(interim.status, 100, "{interim:?}");
    assert!(interim.headers.is_empty() || interim.header("content-length").is_none());
    assert!(
        c.buf.is_empty(),
        "a final response before the body was sent: {:?}",
        String::from_utf8_lossy(&c.buf)
    );
    c.send(body.as_bytes());
    let r = c.response(false);
    assert_eq!(
        (r.status, r.text().as_str()),
        (201, r#"{"created":{"waited":true}}"#)
    );
    assert!(!says_close(&r));
    // The connection carries on.
    c.send(get("/api/items/2").as_bytes());
    assert_eq!(c.response(false).text(), r#"{"id":"2"}"#);
}

#[test]
fn expect_100_continue_to_an_unrouted_path_gets_the_final_status_instead() {
    let s = api(&[]);
    let mut c = Client::new(&s);
    c.send(
        b"POST /nowhere HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 10\r\n\r\n",
    );
    let r = c.response(false);
    assert_eq!(
        r.status, 404,
        "no 100 for a request that will be refused anyway"
    );
    // The body was never read: the connection cannot carry another request.
    assert!(says_close(&r));
    c.expect_close();
}

// ---------------------------------------------------------------------------------------------
// Error statuses: each with its trigger. Every one must close the connection.

macro_rules! error_case {
    ($name:ident, $status:expr, $request:expr) => {
        error_case!($name, &[], $status, $request);
    };
    ($name:ident, $args:expr, $status:expr, $request:expr) => {
        #[test]
        fn $name() {
            let s = api($args);
            let request: Vec<u8> = $request.into();
            expect_error(&s, &request, $status);
        }
    };
}

error_case!(
    error_400_for_bare_lf_line_endings,
    400,
    "GET /api/items HTTP/1.1\nHost: t\n\n"
);
error_case!(
    error_400_for_a_bare_lf_ending_one_field,
    400,
    "GET /api/items HTTP/1.1\r\nHost: t\nX: y\r\n\r\n"
);
error_case!(
    error_400_for_a_bare_cr,
    400,
    "GET /api/items HTTP/1.1\r\nHost: t\rX: y\r\n\r\n"
);
error_case!(
    error_400_for_obs_fold,
    400,
    "GET /api/items HTTP/1.1\r\nHost: t\r\nX-Long: a\r\n  continued\r\n\r\n"
);
error_case!(
    error_400_for_whitespace_before_the_colon,
    400,
    "GET /api/items HTTP/1.1\r\nHost : t\r\n\r\n"
);
error_case!(
    error_400_for_a_missing_host_in_http11,
    400,
    "GET /api/items HTTP/1.1\r\nAccept: */*\r\n\r\n"
);
error_case!(
    error_400_for_two_host_fields,
    400,
    "GET /api/items HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"
);
error_case!(
    error_400_for_an_invalid_host,
    400,
    "GET /api/items HTTP/1.1\r\nHost: a b\r\n\r\n"
);
error_case!(
    error_400_for_a_non_numeric_content_length,
    400,
    "POST /api/items HTTP/1.1\r\nHost: t\r\nContent-Length: 1x\r\n\r\n{}"
);
error_case!(
    error_400_for_a_negative_content_length,
    400,
    "POST /api/items HTTP/1.1\r\nHost: t\r\nContent-Length: -1\r\n\r\n{}"
);
error_case!(
    error_400_for_conflicting_content_lengths,
    400,
    "POST /api/items HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}"
);
error_case!(
    error_400_for_an_overflowing_content_length,
    400,
    "POST /api/items HTTP/1.1\r\nHost: t\r\nContent-Length: 99999999999999999999999\r\n\r\n{}"
);
error_case!(
    error_400_for_content_length_with_transfer_encoding,
    400,
    "POST /api/items HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
);
error_case!(
    error_400_for_transfer_encoding_not_ending_in_chunked,
    400,
    "POST /api/items HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n"
);
error_case!(
    error_400_for_a_nul_in_a_field_value,
    400,
    "GET /api/items HTTP/1.1\r\nHost: t\r\nX: a\0b\r\n\r\n"
);
error_case!(
    error_400_for_a_lowercase_version,
    400,
    "GET /api/items http/1.1\r\nHost: t\r\n\r\n"
);
error_case!(
    error_400_for_two_spaces_in_the_request_line,
    400,
    "GET  /api/items HTTP/1.1\r\nHost: t\r\n\r\n"
);
error_case!(
    error_400_for_a_fragment_in_the_target,
    400,
    "GET /api/items#frag HTTP/1.1\r\nHost: t\r\n\r\n"
);
error_case!(
    error_400_for_a_bad_chunk_size,
    400,
    "POST /api/items HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"
);
error_case!(
    error_400_for_chunk_data_without_its_crlf,
    400,
    "POST /api/items HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}XX0\r\n\r\n"
);
/// A chunk-size past 16 hex digits cannot fit in 64 bits (RFC 9112 §7.1: recipients must not
/// overflow). It is refused before any data is read; the decoder compares each size with the
/// room left under --max-body as its digits arrive, so the refusal is 413 (too large) rather
/// than 400 (malformed) — both stop the request. A size padded past 16 digits with zeros can
/// only be 400.
#[test]
fn error_for_an_overflowing_chunk_size_refuses_before_reading_data() {
    let s = api(&[]);
    expect_error_of(
        &s,
        b"POST /api/items HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\n{}\r\n0\r\n\r\n",
        &[400, 413],
    );
    expect_error(
        &s,
        b"POST /api/items HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n00000000000000002\r\n{}\r\n0\r\n\r\n",
        400,
    );
}
error_case!(
    error_411_for_a_post_without_length,
    411,
    "POST /api/items HTTP/1.1\r\nHost: t\r\n\r\n"
);
error_case!(
    error_413_for_a_content_length_over_max_body,
    &["--max-body", "1024"],
    413,
    "POST /api/items HTTP/1.1\r\nHost: t\r\nContent-Length: 2048\r\n\r\n"
);
error_case!(
    error_413_for_a_content_length_over_max_body_with_the_body_sent,
    &["--max-body", "1024"],
    413,
    format!(
        "POST /api/items HTTP/1.1\r\nHost: t\r\nContent-Length: 4096\r\n\r\n{}",
        "x".repeat(4096)
    )
);
error_case!(
    error_413_for_one_chunk_over_max_body,
    &["--max-body", "1024"],
    413,
    format!(
        "POST /api/items HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n800\r\n{}\r\n0\r\n\r\n",
        "x".repeat(2048)
    )
);
error_case!(
    error_413_for_chunks_adding_up_to_more_than_max_body,
    &["--max-body", "1024"],
    413,
    format!(
        "POST /api/items HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n{}0\r\n\r\n",
        format!("200\r\n{}\r\n", "y".repeat(512)).repeat(3)
    )
);
error_case!(
    error_414_for_a_target_over_8_kib,
    414,
    format!(
        "GET /api/search?q={} HTTP/1.1\r\nHost: t\r\n\r\n",
        "a".repeat(9000)
    )
);
error_case!(
    error_417_for_an_unknown_expectation,
    417,
    "POST /api/items HTTP/1.1\r\nHost: t\r\nExpect: something-else\r\nContent-Length: 2\r\n\r\n{}"
);
error_case!(
    error_431_for_too_many_header_fields,
    431,
    format!(
        "GET /api/items HTTP/1.1\r\nHost: t\r\n{}\r\n",
        (0..100)
            .map(|i| format!("X-F{i}: v\r\n"))
            .collect::<String>()
    )
);
error_case!(
    error_431_for_a_huge_header_field,
    431,
    format!(
        "GET /api/items HTTP/1.1\r\nHost: t\r\nX-Big: {}\r\n\r\n",
        "b".repeat(20_000)
    )
);
error_case!(
    error_501_for_an_unknown_method,
    501,
    "BREW /api/items HTTP/1.1\r\nHost: t\r\n\r\n"
);
error_case!(
    error_501_for_an_unknown_transfer_coding,
    501,
    "POST /api/items HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"
);
error_case!(
    error_505_for_http2_in_the_request_line,
    505,
    "GET /api/items HTTP/2.0\r\nHost: t\r\n\r\n"
);

#[test]
fn error_408_for_a_request_head_left_unfinished() {
    let s = api(&["--header-timeout", "1"]);
    let start = Instant::now();
    let r = expect_error(&s, b"GET /api/items HTTP/1.1\r\nHost: t\r\nX-Part", 408);
    assert!(
        start.elapsed() < CUT_OFF_BOUND,
        "cut off only after {:?}",
        start.elapsed()
    );
    assert!(r.text().contains("took too long"), "{}", r.text());
}

#[test]
fn error_408_for_a_second_request_left_unfinished_on_a_kept_alive_connection() {
    let s = api(&["--header-timeout", "1"]);
    let mut c = Client::new(&s);
    c.send(get("/api/items/1").as_bytes());
    assert_eq!(c.response(false).status, 200);
    let start = Instant::now();
    c.send(b"GET /api/items/2 HTTP/1.1\r\nHo");
    let r = c.response(false);
    assert_eq!(r.status, 408);
    assert!(says_close(&r));
    c.expect_close();
    assert!(
        start.elapsed() < CUT_OFF_BOUND,
        "cut off only after {:?}",
        start.elapsed()
    );
}

#[test]
fn error_408_for_a_request_body_left_unfinished() {
    let s = api(&["--body-timeout", "1"]);
    let start = Instant::now();
    let r = expect_error(
        &s,
        b"POST /api/items HTTP/1.1\r\nHost: t\r\nContent-Length: 20\r\n\r\n{\"partial\":",
        408,
    );
    assert!(
        start.elapsed() < CUT_OFF_BOUND,
        "cut off only after {:?}",
        start.elapsed()
    );
    assert!(r.text().contains("body"), "{}", r.text());
}

#[test]
fn an_idle_kept_alive_connection_is_closed_after_the_idle_timeout() {
    let s = api(&["--idle-timeout", "1"]);
    let mut c = Client::new(&s);
    c.send(get("/api/items/1").as_bytes());
    let r = c.response(false);
    assert!(!says_close(&r));
    // Nothing more is sent: the server closes silently (no 408 for a connection between
    // requests, RFC 9112 §9.5), well within the bound.
    let start = Instant::now();
    c.expect_close();
    assert!(
        start.elapsed() < CUT_OFF_BOUND,
        "closed only after {:?}",
        start.elapsed()
    );
}

#[test]
fn a_connection_that_sends_nothing_is_closed_without_a_response() {
    let s = api(&["--header-timeout", "1"]);
    let mut c = Client::new(&s);
    let start = Instant::now();
    c.expect_close();
    assert!(
        start.elapsed() < CUT_OFF_BOUND,
        "closed only after {:?}",
        start.elapsed()
    );
}

/// 404 and 405 are answers about the resource, not about the message: RFC 9110 lets the
/// connection persist after them (the message was framed correctly). Either way the server's
/// choice must be consistent: `Connection: close` and a close, or a connection that serves the
/// next request.
fn expect_resource_error(s: &Server, request: &str, status: u16) -> Response {
    let mut c = Client::new(s);
    c.send(request.as_bytes());
    let r = c.response(false);
    assert_eq!(r.status, status, "{}", r.text());
    assert!(
        !r.body.is_empty() && r.body.len() < SHORT_BODY,
        "{:?}",
        r.text()
    );
    assert_eq!(content_length(&r), Some(r.body.len()));
    if says_close(&r) {
        c.expect_close();
    } else {
        c.send(b"GET /api/items/5 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
        let next = c.response(false);
        assert_ne!(next.status, 0);
        c.expect_close();
    }
    r
}

#[test]
fn error_404_for_an_unknown_path() {
    let s = api(&[]);
    let r = expect_resource_error(&s, "GET /no/such/thing HTTP/1.1\r\nHost: t\r\n\r\n", 404);
    assert!(r.text().starts_with("404"));
    // A route whose handler refuses the parameter answers 404 too.
    let r = expect_resource_error(&s, "GET /api/items/abc HTTP/1.1\r\nHost: t\r\n\r\n", 404);
    assert_eq!(r.text(), r#"{"error":"no such item"}"#);
}

fn allow_list(r: &Response) -> Vec<String> {
    r.header("allow")
        .unwrap_or_else(|| panic!("no Allow header: {:?}", r.headers))
        .split(',')
        .map(|m| m.trim().to_string())
        .collect()
}

#[test]
fn error_405_with_allow_for_a_path_without_the_method() {
    let s = api(&[]);
    let r = expect_resource_error(&s, "DELETE /api/items HTTP/1.1\r\nHost: t\r\n\r\n", 405);
    let allow = allow_list(&r);
    for m in ["GET", "HEAD", "POST"] {
        assert!(allow.iter().any(|a| a == m), "{m} missing from {allow:?}");
    }
    assert!(!allow.iter().any(|a| a == "DELETE"));
}

/// `Allow` says the same thing wherever it appears (RFC 9110 §10.2.1, §9.3.7): the methods a 405
/// lists are exactly those OPTIONS answers for the same path, OPTIONS included, since the server
/// answers it for every path.
#[test]
fn options_and_the_allow_of_a_405_agree() {
    let s = api(&[]);
    let site = Server::start("verbosel", &["--quiet"]);
    for (server, path) in [
        (&s, "/api/items"),
        (&s, "/api/items/7"),
        (&site, "/healthz"),
        (&site, "/style.css"),
    ] {
        let options = get_close_method(server, "OPTIONS", path);
        assert_eq!(options.status, 204, "{path}");
        let refused = get_close_method(server, "PATCH", path);
        assert_eq!(refused.status, 405, "{path}");
        assert_eq!(allow_list(&refused), allow_list(&options), "{path}");
        assert!(
            allow_list(&options).iter().any(|m| m == "OPTIONS"),
            "{path}"
        );
    }
}

fn get_close_method(s: &Server, method: &str, path: &str) -> Response {
    let raw = exchange(
        s,
        format!(
            "{method} {path} HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        )
        .as_bytes(),
    );
    Response::parse(&raw).unwrap_or_else(|| panic!("{:?}", String::from_utf8_lossy(&raw)))
}

/// Percent-encoded unreserved characters mean the same as their plain form (RFC 3986 §6.2.2.2)
/// for every path the server knows: routes, the built-in health check, embedded files.
#[test]
fn percent_encoded_unreserved_characters_match_everywhere() {
    let s = api(&[]);
    let site = Server::start("verbosel", &["--quiet"]);
    for (server, plain, encoded) in [
        (&s, "/api/items", "/api/%69tems"),
        (&s, "/healthz", "/%68ealthz"),
        (&s, "/healthz", "/heal%74%68z"),
        (&site, "/healthz", "/%68%65%61%6C%74%68%7A"),
        (&site, "/style.css", "/%73tyle.css"),
    ] {
        let a = get_close(server, plain);
        let b = get_close(server, encoded);
        assert_eq!(a.status, 200, "{plain}");
        assert_eq!((b.status, b.body), (a.status, a.body), "{encoded}");
    }
}

/// Query parameters are never dropped in silence: past the documented limit (16) the request is
/// refused with 414, and a value that is not valid percent-encoded UTF-8 reaches the handler as
/// an error it can answer (the api example says 400), not as an absent parameter.
#[test]
fn query_parameters_past_the_limit_or_undecodable_are_never_silently_absent() {
    let s = api(&[]);
    let sixteen: String = (1..16).map(|i| format!("p{i}=x&")).collect();
    let r = get_close(&s, &format!("/api/search?{sixteen}q=found"));
    assert_eq!((r.status, r.text().as_str()), (200, r#"{"q":"found"}"#));
    let r = get_close(&s, &format!("/api/search?{sixteen}p16=x&q=lost"));
    assert_eq!(r.status, 414, "{}", r.text());
    for bad in ["%ff", "%zz", "caf%C3"] {
        let r = get_close(&s, &format!("/api/search?q={bad}"));
        assert_eq!(r.status, 400, "{bad}: {}", r.text());
    }
}

// ---------------------------------------------------------------------------------------------
// Deadlines against slow clients

#[test]
fn a_slowloris_client_is_cut_off_while_others_are_served() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    let s = api(&["--header-timeout", "2"]);
    let mut slow = Client::new(&s);
    let mut writer = slow.s.try_clone().unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let start = Instant::now();
    let trickle = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let head = b"GET /api/items HTTP/1.1\r\nHost: t\r\nX-Slow: ";
            let mut sent = 0usize;
            // One byte every 300 ms: each read is fast, only the whole head is slow.
            while !stop.load(Ordering::Relaxed) && start.elapsed() < TIMEOUT {
                let byte = head.get(sent).copied().unwrap_or(b'a');
                if writer.write_all(&[byte]).is_err() {
                    break;
                }
                sent += 1;
                std::thread::sleep(Duration::from_millis(300));
            }
            sent
        })
    };
    // Meanwhile another client is served normally.
    std::thread::sleep(Duration::from_millis(500));
    let other = get_close(&s, "/api/items/8");
    assert_eq!(
        (other.status, other.text().as_str()),
        (200, r#"{"id":"8"}"#)
    );
    // The slow one gets a 408 (or just a close) well before it could finish.
    while slow.fill() {}
    let elapsed = start.elapsed();
    stop.store(true, Ordering::Relaxed);
    let sent = trickle.join().unwrap();
    assert!(
        elapsed < CUT_OFF_BOUND,
        "the slow client was cut off only after {elapsed:?} ({sent} bytes sent)"
    );
    if !slow.buf.is_empty() {
        let r = Response::parse(&slow.buf).expect("a well-formed response");
        assert_eq!(r.status, 408, "{}", r.text());
        assert!(says_close(&r));
        assert!(r.rest.is_empty());
    }
}

/// The head deadline must free the connection's process, not only answer 408: after the 408 the
/// server half-closes and drains what the client still sends ("lingering close", RFC 9112 §9.6),
/// and that drain must be bounded in total time. With one connection process allowed, a client
/// that keeps trickling after its 408 must not keep the next client waiting.
#[test]
fn a_slowloris_client_cut_off_with_408_does_not_keep_its_process() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    let s = api(&["--spare", "0", "--max-conns", "1", "--header-timeout", "1"]);
    let slow = Client::new(&s);
    let mut writer = slow.s.try_clone().unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let trickle = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let head = b"GET /api/items HTTP/1.1\r\nHost: t\r\nX-Slow: ";
            let start = Instant::now();
            let mut sent = 0usize;
            // Keeps trickling whatever the server says, as an attacker would, for a bounded time.
            while !stop.load(Ordering::Relaxed)
                && start.elapsed() < CUT_OFF_BOUND + Duration::from_secs(2)
            {
                let byte = head.get(sent).copied().unwrap_or(b'a');
                if writer.write_all(&[byte]).is_err() {
                    break;
                }
                sent += 1;
                std::thread::sleep(Duration::from_millis(300));
            }
        })
    };
    let mut slow = slow;
    let r = slow.response(false);
    assert_eq!(r.status, 408);
    // The only connection process has answered; the next client must get its own soon.
    let start = Instant::now();
    let next = get_close(&s, "/api/items/1");
    let waited = start.elapsed();
    stop.store(true, Ordering::Relaxed);
    trickle.join().unwrap();
    assert_eq!(next.status, 200);
    assert!(
        waited < CUT_OFF_BOUND,
        "the next client waited {waited:?} behind a lingering slowloris"
    );
}

#[test]
fn a_request_split_into_one_byte_writes_is_answered() {
    let s = api(&[]);
    let mut c = Client::new(&s);
    let body = r#"{"tiny":"writes"}"#;
    let request = format!(
        "POST /api/items HTTP/1.1\r\nHost: t\r\nContent-Length: {}\r\n\r\n{body}GET /api/search?q=one%20byte HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
        body.len()
    );
    for b in request.bytes() {
        c.send(&[b]);
        std::thread::sleep(Duration::from_millis(2));
    }
    let r = c.response(false);
    assert_eq!(
        (r.status, r.text().as_str()),
        (201, r#"{"created":{"tiny":"writes"}}"#)
    );
    let r = c.response(false);
    assert_eq!((r.status, r.text().as_str()), (200, r#"{"q":"one byte"}"#));
    c.expect_close();
}

#[test]
fn a_chunked_body_split_into_one_byte_writes_is_decoded() {
    let s = api(&[]);
    let mut c = Client::new(&s);
    let request = "POST /api/items HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n\
                   3;a=b\r\n{\"x\r\n6\r\n\":\"yz\"\r\n1\r\n}\r\n0\r\nT: 1\r\n\r\n";
    for b in request.bytes() {
        c.send(&[b]);
        std::thread::sleep(Duration::from_millis(2));
    }
    let r = c.response(false);
    assert_eq!(
        (r.status, r.text().as_str()),
        (201, r#"{"created":{"x":"yz"}}"#)
    );
    c.expect_close();
}

// ---------------------------------------------------------------------------------------------
// What every response carries (RFC 9110 §6.6.1, §8.6, §10.2.4; RFC 9112 §6.1)

/// A varied set of exchanges on `s`, each on its own connection, half-closed after sending.
fn responses(s: &Server, requests: &[&[u8]]) -> Vec<(String, Response)> {
    requests
        .iter()
        .flat_map(|req| {
            let head_only = req.starts_with(b"HEAD ");
            let raw = exchange(s, req);
            let first = String::from_utf8_lossy(
                &req[..req.iter().position(|&b| b == b'\r').unwrap_or(req.len())],
            )
            .into_owned();
            let mut out = Vec::new();
            let mut rest = raw.clone();
            while !rest.is_empty() {
                let r = Response::parse_framed(&rest, head_only).unwrap_or_else(|| {
                    panic!(
                        "unparsable answer to {first}: {:?}",
                        String::from_utf8_lossy(&raw)
                    )
                });
                rest = r.rest.clone();
                out.push((first.clone(), r));
            }
            assert!(!out.is_empty(), "no answer to {first}");
            out
        })
        .collect()
}

const API_REQUESTS: &[&[u8]] = &[
    b"GET /api/items HTTP/1.1\r\nHost: t\r\n\r\n",
    b"HEAD /api/items HTTP/1.1\r\nHost: t\r\n\r\n",
    b"GET /api/items/1 HTTP/1.0\r\n\r\n",
    b"POST /api/items HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\n{}",
    b"POST /api/items HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\n[]",
    b"POST /api/items HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
    b"POST /api/items HTTP/1.1\r\nHost: t\r\n\r\n",
    b"GET /missing HTTP/1.1\r\nHost: t\r\n\r\n",
    b"PUT /api/items HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n",
    b"OPTIONS /api/items HTTP/1.1\r\nHost: t\r\n\r\n",
    b"OPTIONS * HTTP/1.1\r\nHost: t\r\n\r\n",
    b"GET / HTTP/1.1\r\n\r\n",
    b"BREW / HTTP/1.1\r\nHost: t\r\n\r\n",
    b"GET / HTTP/2.0\r\nHost: t\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: t\r\nExpect: nope\r\n\r\n",
];

#[test]
fn every_response_carries_date_server_and_content_length() {
    let s = api(&[]);
    let site = Server::start("verbosel", &["--quiet"]);
    let mut all = responses(&s, API_REQUESTS);
    all.extend(responses(
        &site,
        &[
            b"GET / HTTP/1.1\r\nHost: t\r\n\r\n",
            b"GET /style.css HTTP/1.1\r\nHost: t\r\n\r\n",
            b"GET /nope HTTP/1.1\r\nHost: t\r\n\r\n",
        ],
    ));
    for (req, r) in &all {
        let date = r.header("date").unwrap_or_else(|| panic!("{req}: no Date"));
        assert!(
            date.len() == 29 && date.ends_with(" GMT"),
            "{req}: Date {date:?} is not an IMF-fixdate"
        );
        assert!(
            r.header("server").is_some_and(|v| !v.is_empty()),
            "{req}: no Server"
        );
        if r.status == 204 || (100..200).contains(&r.status) {
            assert!(
                r.header("content-length").is_none(),
                "{req}: Content-Length on a {}",
                r.status
            );
        } else {
            assert!(
                r.header("content-length").is_some(),
                "{req}: no Content-Length on a {}",
                r.status
            );
        }
    }
}

#[test]
fn no_response_has_both_content_length_and_transfer_encoding() {
    let s = api(&[]);
    // Streamed bodies as well as fixed ones: chunked to HTTP/1.1, close-delimited to HTTP/1.0.
    let streamed: &[&[u8]] = &[
        b"GET /api/items.ndjson HTTP/1.1\r\nHost: t\r\n\r\n",
        b"HEAD /api/items.ndjson HTTP/1.1\r\nHost: t\r\n\r\n",
        b"GET /api/items.ndjson HTTP/1.0\r\n\r\n",
        b"GET /api/items.ndjson HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
    ];
    let all = responses(&s, API_REQUESTS)
        .into_iter()
        .chain(responses(&s, streamed));
    let mut chunked = 0;
    for (req, r) in all {
        let te = r.header("transfer-encoding");
        assert!(
            !(r.header("content-length").is_some() && te.is_some()),
            "{req}: both framings: {:?}",
            r.headers
        );
        chunked += usize::from(te.is_some());
    }
    assert_eq!(
        chunked, 2,
        "the HTTP/1.1 GET and HEAD of the stream are chunked"
    );
}

#[test]
fn streamed_bodies_are_complete_chunked_to_http11_and_close_delimited_to_http10() {
    let s = api(&[]);
    let want = "{\"id\":\"1\",\"name\":\"socket\"}\n{\"id\":\"2\",\"name\":\"bind\"}\n{\"id\":\"3\",\"name\":\"listen\"}\n";
    // HTTP/1.1: chunked, ended by the last chunk, and the connection stays usable.
    let mut c = Client::new(&s);
    c.send(b"GET /api/items.ndjson HTTP/1.1\r\nHost: t\r\n\r\nGET /api/items/2 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    let r = c.response(false);
    assert_eq!(r.status, 200);
    assert_eq!(r.header("transfer-encoding"), Some("chunked"));
    assert_eq!(r.text(), want);
    assert_eq!(c.response(false).text(), r#"{"id":"2"}"#);
    c.expect_close();
    // HTTP/1.0 has no chunked coding: the body ends when the connection closes, which the
    // response says, even to a client that asked to keep it alive.
    for req in [
        &b"GET /api/items.ndjson HTTP/1.0\r\n\r\n"[..],
        b"GET /api/items.ndjson HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
    ] {
        let raw = exchange(&s, req);
        let r = Response::parse(&raw).unwrap();
        assert!(r.header("content-length").is_none() && r.header("transfer-encoding").is_none());
        assert!(says_close(&r), "{:?}", r.headers);
        assert_eq!(r.text(), want);
    }
}

#[test]
fn no_content_and_not_modified_responses_carry_no_body() {
    // 204: OPTIONS answered by the server, followed on the same connection by a GET whose
    // status line must come right after the 204's empty line.
    let s = api(&[]);
    for options in ["OPTIONS /api/items HTTP/1.1", "OPTIONS * HTTP/1.1"] {
        let mut c = Client::new(&s);
        c.send(format!("{options}\r\nHost: t\r\n\r\nGET /api/items/4 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n").as_bytes());
        let r = c.response(false);
        assert_eq!(r.status, 204, "{options}");
        assert!(r.header("content-length").is_none() && r.header("transfer-encoding").is_none());
        assert!(
            c.buf.is_empty() || c.buf.starts_with(b"HTTP/1.1 200"),
            "{options}: bytes after a 204: {:?}",
            String::from_utf8_lossy(&c.buf)
        );
        assert!(allow_list(&r).iter().any(|m| m == "GET"));
        assert_eq!(c.response(false).text(), r#"{"id":"4"}"#);
        c.expect_close();
    }
    // 304: a conditional GET of an embedded file with its own ETag.
    let site = Server::start("verbosel", &["--quiet"]);
    let first = get_close(&site, "/style.css");
    assert_eq!(first.status, 200);
    let etag = first
        .header("etag")
        .expect("static files carry an ETag")
        .to_string();
    let mut c = Client::new(&site);
    c.send(format!("GET /style.css HTTP/1.1\r\nHost: t\r\nIf-None-Match: {etag}\r\n\r\nGET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n").as_bytes());
    let r = c.response(false);
    assert_eq!(r.status, 304);
    assert!(r.header("transfer-encoding").is_none());
    assert!(
        c.buf.is_empty() || c.buf.starts_with(b"HTTP/1.1 200"),
        "bytes after a 304: {:?}",
        String::from_utf8_lossy(&c.buf)
    );
    assert_eq!(c.response(false).text(), "ok");
    c.expect_close();
}

// ---------------------------------------------------------------------------------------------
// The examples (issue 4)

#[test]
fn hello_greets_the_world_and_a_percent_decoded_name() {
    let s = hello();
    let r = get_close(&s, "/");
    assert_eq!((r.status, r.text().as_str()), (200, "Hello, World!"));
    let r = get_close(&s, "/hello/Ada%20Lovelace");
    assert_eq!((r.status, r.text().as_str()), (200, "Hello, Ada Lovelace!"));
    assert_eq!(r.header("content-type"), Some("text/plain; charset=utf-8"));
    let r = get_close(&s, "/hello/%C3%A9mile");
    assert_eq!(r.text(), "Hello, émile!");
}

#[test]
fn hello_answers_delete_with_405_and_allow() {
    let s = hello();
    let mut c = Client::new(&s);
    c.send(b"DELETE /hello/x HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    let r = c.response(false);
    assert_eq!(r.status, 405);
    let allow = allow_list(&r);
    assert!(
        allow.iter().any(|m| m == "GET") && allow.iter().any(|m| m == "HEAD"),
        "{allow:?}"
    );
    assert!(!allow.iter().any(|m| m == "DELETE"), "{allow:?}");
    c.expect_close();
}

#[test]
fn api_reads_path_parameters() {
    let s = api(&[]);
    let r = get_close(&s, "/api/items/42");
    assert_eq!((r.status, r.text().as_str()), (200, r#"{"id":"42"}"#));
    assert_eq!(r.header("content-type"), Some("application/json"));
    let r = get_close(&s, "/api/items");
    assert!(r.text().starts_with(r#"{"items":["#));
}

#[test]
fn api_decodes_query_parameters() {
    let s = api(&[]);
    let r = get_close(&s, "/api/search?q=a+b%21");
    assert_eq!((r.status, r.text().as_str()), (200, r#"{"q":"a b!"}"#));
    let r = get_close(&s, "/api/search?x=1&q=%22quoted%22&y=2");
    assert_eq!(r.text(), r#"{"q":"\"quoted\""}"#);
    let r = get_close(&s, "/api/search");
    assert_eq!(r.text(), r#"{"q":""}"#);
}

#[test]
fn api_echoes_a_posted_object_with_201_and_location() {
    let s = api(&[]);
    let raw = exchange(&s, post("/api/items", r#"{"name":"accept4"}"#).as_bytes());
    let r = Response::parse(&raw).unwrap();
    assert_eq!(
        (r.status, r.text().as_str()),
        (201, r#"{"created":{"name":"accept4"}}"#)
    );
    assert_eq!(r.header("location"), Some("/api/items/4"));
}

#[test]
fn api_refuses_a_body_that_is_not_an_object_with_400() {
    let s = api(&[]);
    for body in ["[1,2,3]", "", "not json", "{\u{0}"] {
        let raw = exchange(&s, post("/api/items", body).as_bytes());
        let r = Response::parse(&raw).unwrap();
        assert_eq!(
            (r.status, r.text().as_str()),
            (400, r#"{"error":"send a JSON object"}"#),
            "{body:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Forms and cookies (RFC 6265), in examples/api, without an allocator

/// A POST with this content type and body, on a connection of its own.
fn post_as(s: &Server, path: &str, ctype: &str, body: &str, extra: &str) -> Response {
    let raw = exchange(
        s,
        format!(
            "POST {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Type: {ctype}\r\n\
             {extra}Content-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .as_bytes(),
    );
    Response::parse(&raw).unwrap_or_else(|| panic!("{path}: {:?}", String::from_utf8_lossy(&raw)))
}

#[test]
fn a_form_body_is_read_by_name_decoded() {
    let s = api(&[]);
    const FORM: &str = "application/x-www-form-urlencoded";
    let table: &[(&str, &str, u16, &str)] = &[
        (
            FORM,
            "message=caf%C3%A9+%26+%22tea%22&name=Ada+Lovelace",
            200,
            r#"{"name":"Ada Lovelace","message":"café & \"tea\""}"#,
        ),
        // Parameters and case of the media type do not matter; fields in any order, repeated
        // names take the first.
        (
            "Application/X-WWW-Form-URLEncoded; charset=UTF-8",
            "name=a&name=b&message=",
            200,
            r#"{"name":"a","message":""}"#,
        ),
        (FORM, "name=Ada", 400, "a field is missing\n"),
        (
            FORM,
            "name=%ff&message=x",
            400,
            "a form value that is not percent-encoded UTF-8\n",
        ),
        (
            "application/json",
            r#"{"name":"Ada","message":"x"}"#,
            400,
            "the body is not application/x-www-form-urlencoded\n",
        ),
    ];
    for &(ctype, body, status, want) in table {
        let r = post_as(&s, "/api/form", ctype, body, "");
        assert_eq!((r.status, r.text().as_str()), (status, want), "{body}");
    }
    let long = format!("name={}&message=x", "n".repeat(600));
    let r = post_as(&s, "/api/form", FORM, &long, "");
    assert_eq!(
        (r.status, r.text().as_str()),
        (400, "a field is too long\n")
    );
}

#[test]
fn cookies_are_read_by_name_and_set_with_their_attributes() {
    let s = api(&[]);
    const FORM: &str = "application/x-www-form-urlencoded";
    let r = post_as(&s, "/api/theme", FORM, "theme=dark", "");
    assert_eq!(r.status, 204, "{r:?}");
    assert_eq!(
        r.header("set-cookie"),
        Some("theme=dark; Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax")
    );
    // A value that would break the header is refused with a 400 by the handler's check.
    for bad in [
        "dark%3B+Domain%3Devil.example",
        "a%0D%0AX-Injected%3A+1",
        "two+words",
    ] {
        let r = post_as(&s, "/api/theme", FORM, &format!("theme={bad}"), "");
        assert_eq!(r.status, 400, "{bad}");
        assert!(r.header("set-cookie").is_none(), "{bad}");
        assert!(r.text().contains("cookie-octet"), "{bad}: {}", r.text());
    }
    // Reading: by name, case-sensitive, across every Cookie line, quotes stripped.
    let ask = |cookies: &str| {
        let raw = exchange(
            &s,
            format!("GET /api/theme HTTP/1.1\r\nHost: t\r\nConnection: close\r\n{cookies}\r\n")
                .as_bytes(),
        );
        Response::parse(&raw).unwrap().text()
    };
    let table: &[(&str, &str)] = &[
        ("", "light\n"),
        ("Cookie: theme=dark\r\n", "dark\n"),
        ("Cookie: sid=1; theme=\"blue\"; x=2\r\n", "blue\n"),
        ("Cookie: sid=1\r\nCookie: theme=green\r\n", "green\n"),
        ("Cookie: Theme=dark; themes=x\r\n", "light\n"),
        ("cookie:theme=red;theme=pink\r\n", "red\n"),
    ];
    for &(cookies, want) in table {
        assert_eq!(ask(cookies), want, "{cookies:?}");
    }
}
