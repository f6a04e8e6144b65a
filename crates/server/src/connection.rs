//! One connection, from its first byte to its close, in its own process.
//!
//! ```text
//! loop:  wait for a request (idle timeout) ─ read until the head parses (head deadline)
//!        ─ framing (RFC 9112 §6) ─ route ─ read the body (body deadline) ─ handler writes the
//!        response (one writev) ─ log ─ keep-alive? move past this request (pipelining) : close
//! ```
//!
//! Deadlines need no event loop and no signals: before each blocking read that belongs to a
//! deadline, SO_RCVTIMEO is set to the time left, so a client trickling one byte every few seconds
//! still meets the deadline. In the common case — a whole request in one read — no timer call is
//! made at all.

use crate::app::{App, Dispatch};
use crate::config::Config;
use crate::log;
use crate::request::{MAX_QUERY_PARAMS, Request};
use crate::response::{self, Out, Response};
use core::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use verbosel_http::date::imf_fixdate;
use verbosel_http::{
    Body, Chunked, ChunkedDecoder, Header, Method, Parsed, RequestHead, Target, analyze,
    parse_request,
};
use verbosel_router::MAX_PARAMS;
use verbosel_sys::net::{self, SocketAddr};
use verbosel_sys::time::{self, Timespec};
use verbosel_sys::{BorrowedFd, Errno, io};

/// The connection a panic handler should answer on (-1: none), and whether a response has
/// already started on it (then a 500 cannot be sent; the connection is just closed).
pub(crate) static PANIC_FD: AtomicI32 = AtomicI32::new(-1);
pub(crate) static PANIC_STARTED: AtomicBool = AtomicBool::new(false);

/// Set by the SIGTERM/SIGINT handler: finish the request in flight, then close.
pub(crate) static DRAINING: AtomicBool = AtomicBool::new(false);
/// True while the connection waits for the next request with nothing in flight: then a SIGTERM
/// ends the process at once (see `signals::on_terminate`).
pub(crate) static IDLE: AtomicBool = AtomicBool::new(false);

/// Header fields one request may carry, at most (431 beyond): the array lives on the stack.
const HEADER_SLOTS: usize = verbosel_http::Limits::MAX_HEADERS;

/// Why reading stopped.
enum ReadEnd {
    /// The peer closed its side.
    Closed,
    /// The deadline passed.
    TimedOut,
    /// The socket failed (reset, or a signal asked us to stop while idle).
    Failed,
}

/// The socket's current SO_RCVTIMEO, so it is only changed when it must be.
struct RecvTimeout {
    current_ms: u64,
}

/// Reads into `buf` within `deadline_ms` (monotonic ms; `None`: block for the socket's current
/// timeout, which the caller has set).
fn read_within(
    fd: BorrowedFd<'_>,
    buf: &mut [u8],
    deadline_ms: Option<u64>,
    rt: &mut RecvTimeout,
) -> Result<usize, ReadEnd> {
    loop {
        if let Some(deadline) = deadline_ms {
            let now = time::monotonic().as_millis();
            if now >= deadline {
                return Err(ReadEnd::TimedOut);
            }
            let left = deadline - now;
            // Only lower the timeout when it would overshoot the deadline by more than a little;
            // that spares a setsockopt per read for ordinary slow requests.
            if rt.current_ms > left + left / 8 || rt.current_ms + 1000 < left.min(rt.current_ms * 2)
            {
                if net::set_timeout(fd, net::SO_RCVTIMEO, left.max(1)).is_err() {
                    return Err(ReadEnd::Failed);
                }
                rt.current_ms = left.max(1);
            }
        }
        match io::read(fd, buf) {
            Ok(0) => return Err(ReadEnd::Closed),
            Ok(n) => return Ok(n),
            Err(Errno::EINTR) => continue,
            Err(Errno::EAGAIN) => {
                if deadline_ms.is_none() {
                    return Err(ReadEnd::TimedOut);
                }
            }
            Err(_) => return Err(ReadEnd::Failed),
        }
    }
}

/// Per-connection state that outlives one request.
struct Conn<'a> {
    app: &'a App,
    cfg: &'a Config,
    peer: Option<SocketAddr>,
    date_sec: i64,
    date: [u8; 29],
}

impl Conn<'_> {
    /// The Date header, formatted once per second (RFC 9110 §6.6.1); the clock read is a vDSO
    /// call, not a syscall.
    fn now(&mut self) -> Timespec {
        let now = time::realtime();
        if now.sec != self.date_sec {
            self.date_sec = now.sec;
            self.date = imf_fixdate(now.sec as u64);
        }
        now
    }
}

/// Serves one connection until it closes. `mem` is the process's working memory.
pub(crate) fn serve(
    app: &App,
    cfg: &Config,
    fd: BorrowedFd<'_>,
    peer: Option<SocketAddr>,
    mem: &mut [u8],
) {
    PANIC_FD.store(fd.raw(), Ordering::Relaxed);
    PANIC_STARTED.store(false, Ordering::Relaxed);
    let buf_len = (cfg.max_head + cfg.max_body as usize).min(mem.len() - SCRATCH);
    let (buf, scratch) = mem.split_at_mut(buf_len);
    let limits = cfg.limits();
    let mut conn = Conn {
        app,
        cfg,
        peer,
        date_sec: -1,
        date: [0; 29],
    };
    // The listener's SO_RCVTIMEO (the head timeout) is inherited by accepted sockets.
    let mut rt = RecvTimeout {
        current_ms: cfg.header_timeout_ms,
    };
    // Bytes received and not yet consumed, from the start of `buf`: a pipelined request left
    // over from the previous one is moved to the front before it is parsed.
    let mut filled = 0usize;
    let mut first = true;
    loop {
        let mut t0 = Timespec::default();
        let mut head_deadline: Option<u64> = None;
        if filled == 0 {
            if first {
                // Wait for the first request for at most the head timeout, from accept.
                head_deadline = Some(time::monotonic().as_millis() + cfg.header_timeout_ms);
            } else {
                if rt.current_ms != cfg.idle_timeout_ms {
                    if net::set_timeout(fd, net::SO_RCVTIMEO, cfg.idle_timeout_ms).is_err() {
                        return;
                    }
                    rt.current_ms = cfg.idle_timeout_ms;
                }
                IDLE.store(true, Ordering::SeqCst);
                if DRAINING.load(Ordering::SeqCst) {
                    return;
                }
            }
            let got = read_within(fd, &mut buf[..], None, &mut rt);
            IDLE.store(false, Ordering::SeqCst);
            match got {
                Ok(n) => filled = n,
                // Idle connections and clients that never sent a byte are closed silently.
                Err(_) => return,
            }
        }
        if cfg.access_log {
            t0 = conn.now();
        }
        let mut headers = [Header::EMPTY; HEADER_SLOTS];
        let headers = &mut headers[..cfg.max_headers.min(HEADER_SLOTS)];
        // Filled only if the head needs more than one read (declared here to outlive `head`).
        let mut slow_headers;
        // 1. The head. Usually it arrived whole in the first read: parse once and go on.
        let (head, body_off) = match parse_request(&buf[..filled], headers, &limits) {
            Ok(Parsed::Complete(done)) => done,
            Err(e) => {
                conn.now();
                return fail(&mut conn, fd, e.status(), e.reason(), scratch);
            }
            Ok(Parsed::Partial) => {
                // More reads, each bounded by what is left of the head deadline. Completeness is
                // probed with a scratch header array; the head is parsed for keeps once at the
                // end, so the buffer stays writable while it fills.
                let deadline = *head_deadline
                    .get_or_insert(time::monotonic().as_millis() + cfg.header_timeout_ms);
                loop {
                    match read_within(fd, &mut buf[filled..], Some(deadline), &mut rt) {
                        Ok(n) => filled += n,
                        Err(ReadEnd::TimedOut) => {
                            conn.now();
                            return fail(
                                &mut conn,
                                fd,
                                408,
                                "the request head took too long",
                                scratch,
                            );
                        }
                        Err(_) => return,
                    }
                    let mut probe = [Header::EMPTY; HEADER_SLOTS];
                    match parse_request(
                        &buf[..filled],
                        &mut probe[..cfg.max_headers.min(HEADER_SLOTS)],
                        &limits,
                    ) {
                        Ok(Parsed::Complete(_)) => break,
                        Ok(Parsed::Partial) => {}
                        Err(e) => {
                            conn.now();
                            return fail(&mut conn, fd, e.status(), e.reason(), scratch);
                        }
                    }
                }
                slow_headers = [Header::EMPTY; HEADER_SLOTS];
                match parse_request(
                    &buf[..filled],
                    &mut slow_headers[..cfg.max_headers.min(HEADER_SLOTS)],
                    &limits,
                ) {
                    Ok(Parsed::Complete(done)) => done,
                    _ => return,
                }
            }
        };
        first = false;
        conn.now();
        // 2. Framing: where the body ends, keep-alive, 100-continue (RFC 9112 §6, §9.3).
        let framing = match analyze(&head) {
            Ok(f) => f,
            Err(e) => return fail(&mut conn, fd, e.status(), e.reason(), scratch),
        };
        let (body_kind, keep_alive, expect_continue) =
            (framing.body, framing.keep_alive, framing.expect_continue);
        let method = head.method;
        if method == Method::Other || method == Method::Connect {
            // RFC 9110 §9.1: an unrecognised method is 501; CONNECT tunnels are not implemented.
            return fail(&mut conn, fd, 501, "method not implemented", scratch);
        }
        // 3. Where does it go? Decide before reading any body: a 404 or 413 need not wait for it.
        let plan = app.plan(&head);
        let body_start = body_off;
        let have = filled - body_start;
        let body_len: u64 = match body_kind {
            Body::None => 0,
            Body::Length(n) => n,
            Body::Chunked => u64::MAX,
        };
        if matches!(plan, Dispatch::Handler(..))
            && body_kind != Body::Chunked
            && body_len > cfg.max_body
        {
            return fail(&mut conn, fd, 413, "request body too large", scratch);
        }
        if let Dispatch::Handler(_) = plan {
            if body_kind == Body::None && app.requires_length(method) {
                return fail(
                    &mut conn,
                    fd,
                    411,
                    "a body with Content-Length or chunked encoding is required",
                    scratch,
                );
            }
        }
        let fast = match body_kind {
            Body::None => true,
            Body::Length(n) => (have as u64) >= n,
            Body::Chunked => false,
        };
        let consumed_end: usize;
        let mut out = Out {
            fd,
            head_only: method == Method::Head,
            keep_alive: keep_alive && !DRAINING.load(Ordering::Relaxed),
            http10: head.version.minor == 0,
            date: conn.date,
            extra: app.extra_headers,
            status: 0,
            bytes: 0,
            failed: false,
            started: false,
        };
        if fast {
            // The whole request is in the buffer: answer straight from the parsed head.
            let end = body_start + body_len as usize;
            consumed_end = end;
            let body = &buf[body_start..end];
            dispatch(&mut conn, &head, plan, body, &mut out, scratch);
            log_request(&conn, &head, &out, t0);
        } else {
            // The body is still arriving. Requests routed nowhere are answered without it and
            // the connection closes (the unread body must not be taken for the next request).
            if !matches!(plan, Dispatch::Handler(_)) {
                out.keep_alive = false;
                dispatch(&mut conn, &head, plan, &[], &mut out, scratch);
                log_request(&conn, &head, &out, t0);
                response::linger(fd, scratch);
                return;
            }
            // RFC 9110 §10.1.1: the client waits for this before sending the body.
            if expect_continue
                && have == 0
                && io::write_all(fd, b"HTTP/1.1 100 Continue\r\n\r\n").is_err()
            {
                return;
            }
            let deadline = time::monotonic().as_millis() + cfg.body_timeout_ms;
            let (decoded_len, end) = match body_kind {
                Body::Chunked => {
                    let mut dec = ChunkedDecoder::new(body_start);
                    loop {
                        match dec.decode(buf, filled, cfg.max_body) {
                            Ok(Chunked::Done { body_len, end }) => break (body_len, end),
                            Ok(Chunked::NeedMore) => {}
                            Err(e) => return fail(&mut conn, fd, e.status(), e.reason(), scratch),
                        }
                        if filled == buf.len() {
                            filled = dec.compact(buf, filled);
                            if filled == buf.len() {
                                return fail(&mut conn, fd, 413, "request body too large", scratch);
                            }
                        }
                        match read_within(fd, &mut buf[filled..], Some(deadline), &mut rt) {
                            Ok(n) => filled += n,
                            Err(ReadEnd::TimedOut) => {
                                conn.now();
                                return fail(
                                    &mut conn,
                                    fd,
                                    408,
                                    "the request body took too long",
                                    scratch,
                                );
                            }
                            Err(_) => return,
                        }
                    }
                }
                _ => {
                    let want = body_start + body_len as usize;
                    while filled < want {
                        match read_within(fd, &mut buf[filled..], Some(deadline), &mut rt) {
                            Ok(n) => filled += n,
                            Err(ReadEnd::TimedOut) => {
                                conn.now();
                                return fail(
                                    &mut conn,
                                    fd,
                                    408,
                                    "the request body took too long",
                                    scratch,
                                );
                            }
                            Err(_) => return,
                        }
                    }
                    (body_len as usize, want)
                }
            };
            consumed_end = end;
            conn.now();
            out.date = conn.date;
            // The head is parsed again from the same bytes: the first parse's borrow of the buffer
            // had to end for the body to be read into it. This path is for bodies that arrive in
            // more than one read, where a second parse of the head is the smaller cost.
            let mut headers = [Header::EMPTY; HEADER_SLOTS];
            let headers = &mut headers[..cfg.max_headers.min(HEADER_SLOTS)];
            let head = match parse_request(&buf[..body_start], headers, &limits) {
                Ok(Parsed::Complete((h, _))) => h,
                _ => return,
            };
            let plan = app.plan(&head);
            let body = &buf[body_start..body_start + decoded_len];
            dispatch(&mut conn, &head, plan, body, &mut out, scratch);
            log_request(&conn, &head, &out, t0);
        }
        if out.failed || !out.keep_alive || DRAINING.load(Ordering::Relaxed) {
            return;
        }
        let start = consumed_end;
        if start == filled {
            filled = 0;
        } else {
            buf.copy_within(start..filled, 0);
            filled -= start;
        }
    }
}

/// Scratch space reserved at the end of the working memory: decoded parameters, normalised
/// paths, lingering-close reads.
pub(crate) const SCRATCH: usize = 16 * 1024;

/// Answers an error and closes, lingering so the client can read the answer.
#[inline(never)]
fn fail(conn: &mut Conn<'_>, fd: BorrowedFd<'_>, status: u16, reason: &str, scratch: &mut [u8]) {
    let mut out = Out {
        fd,
        head_only: false,
        keep_alive: false,
        http10: false,
        date: conn.date,
        extra: conn.app.extra_headers,
        status: 0,
        bytes: 0,
        failed: false,
        started: false,
    };
    if conn.date_sec < 0 {
        conn.now();
        out.date = conn.date;
    }
    response::error(&mut out, status, reason, b"");
    if conn.cfg.access_log {
        log::access(conn.peer, None, b"-", status, out.bytes, 0, &conn.date);
    }
    response::linger(fd, scratch);
}

/// Builds the handler's view of the request and runs whatever the plan says.
fn dispatch(
    conn: &mut Conn<'_>,
    head: &RequestHead<'_, '_>,
    plan: Dispatch<'_>,
    body: &[u8],
    out: &mut Out<'_>,
    scratch: &mut [u8],
) {
    let (path, query) = match &head.target {
        Target::Origin { path, query } => (*path, *query),
        Target::Absolute { path, query, .. } => (*path, *query),
        _ => (&b"*"[..], None),
    };
    match plan {
        Dispatch::Handler(m) => {
            let mut req = Request {
                method: head.method,
                path,
                query,
                version: head.version,
                headers: head.headers,
                body,
                params: [("", ""); MAX_PARAMS],
                nparams: 0,
                queries: [("", ""); MAX_QUERY_PARAMS],
                nqueries: 0,
                peer: conn.peer,
            };
            let mut rest: &mut [u8] = scratch;
            for (name, raw) in m.params.iter() {
                let (dst, tail) = core::mem::take(&mut rest).split_at_mut(raw.len());
                rest = tail;
                match verbosel_http::percent_decode(raw, dst)
                    .ok()
                    .and_then(|v| core::str::from_utf8(v).ok())
                {
                    Some(v) => {
                        req.params[req.nparams] = (name, v);
                        req.nparams += 1;
                    }
                    None => {
                        return response::error(
                            out,
                            400,
                            "a path parameter is not valid percent-encoded UTF-8",
                            b"",
                        );
                    }
                }
            }
            if let Some(q) = query {
                for (k, v) in verbosel_http::query_pairs(q) {
                    if req.nqueries == MAX_QUERY_PARAMS || rest.len() < k.len() + v.len() {
                        break;
                    }
                    let (kd, tail) = core::mem::take(&mut rest).split_at_mut(k.len());
                    let (vd, tail) = tail.split_at_mut(v.len());
                    rest = tail;
                    let key = verbosel_http::form_decode(k, kd)
                        .ok()
                        .and_then(|k| core::str::from_utf8(k).ok());
                    let val = verbosel_http::form_decode(v, vd)
                        .ok()
                        .and_then(|v| core::str::from_utf8(v).ok());
                    if let (Some(key), Some(val)) = (key, val) {
                        req.queries[req.nqueries] = (key, val);
                        req.nqueries += 1;
                    }
                }
            }
            let _ = (m.handler)(&req, Response::new(out));
        }
        other => conn.app.answer(other, head, path, query, out, scratch),
    }
}

#[inline(never)]
fn log_request(conn: &Conn<'_>, head: &RequestHead<'_, '_>, out: &Out<'_>, t0: Timespec) {
    if !conn.cfg.access_log {
        return;
    }
    let now = time::realtime();
    let micros = now.as_micros().saturating_sub(t0.as_micros());
    let forwarded = if conn.cfg.trust_proxy {
        head.header(b"x-forwarded-for")
    } else {
        None
    };
    log::access_head(
        conn.peer, forwarded, head, out.status, out.bytes, micros, &conn.date,
    );
}
