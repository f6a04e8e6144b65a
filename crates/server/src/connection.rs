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
use core::sync::atomic::Ordering;
use verbosel_http::date::imf_fixdate;
use verbosel_http::{
    Body, Chunked, ChunkedDecoder, Header, Method, Parsed, RequestHead, Target, analyze,
    parse_request,
};
use verbosel_router::MAX_PARAMS;
use verbosel_sys::net::{self, SocketAddr};
use verbosel_sys::time::{self, Timespec};
use verbosel_sys::{BorrowedFd, Errno, io};

/// A per-process flag in the connection memory's first page (see `verbosel_rt::flag`): a
/// connection process writes these, and keeping them there spares it a dirty page.
pub(crate) struct Flag(usize);

impl Flag {
    pub(crate) fn load(&self, o: Ordering) -> i32 {
        verbosel_rt::flag(self.0).load(o)
    }
    pub(crate) fn store(&self, v: i32, o: Ordering) {
        verbosel_rt::flag(self.0).store(v, o)
    }
    pub(crate) fn is_set(&self) -> bool {
        self.load(Ordering::SeqCst) != 0
    }
    pub(crate) fn set(&self, on: bool) {
        self.store(on as i32, Ordering::SeqCst)
    }
    /// Sets the flag; returns whether it was already set.
    pub(crate) fn test_and_set(&self) -> bool {
        verbosel_rt::flag(self.0).swap(1, Ordering::SeqCst) != 0
    }
}

/// The connection a panic handler should answer on, plus one (0: none).
pub(crate) static PANIC_FD: Flag = Flag(0);
/// Whether a response has started on it (then a 500 cannot be sent; the connection is closed).
pub(crate) static PANIC_STARTED: Flag = Flag(1);
/// Set by the SIGTERM/SIGINT handler: finish the request in flight, then close.
pub(crate) static DRAINING: Flag = Flag(2);
/// Set while the process waits for the next request (or, a spare, for a connection) with nothing
/// in flight: then a SIGTERM ends it at once (see `signals::on_terminate`).
pub(crate) static IDLE: Flag = Flag(3);

/// Header fields one request may carry, at most (431 beyond): the array lives on the stack.
const HEADER_SLOTS: usize = verbosel_http::ParseLimits::MAX_HEADERS;

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
            let now = time::monotonic_ms();
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
    PANIC_FD.store(fd.raw() + 1, Ordering::Relaxed);
    PANIC_STARTED.set(false);
    let buf_len = (cfg.max_head + cfg.max_body as usize).min(mem.len() - SCRATCH);
    let (buf, scratch) = mem.split_at_mut(buf_len);
    let limits = cfg.parse_limits();
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
    // over from the previous one was moved to the front.
    let mut filled = 0usize;
    let mut first = true;
    // The deadline of a request head that has started to arrive but is not complete yet.
    let mut head_deadline: Option<u64> = None;
    let mut t0 = Timespec::default();
    loop {
        if head_deadline.is_none() && filled == 0 {
            // Waiting for a new request. The first one may take the head timeout, from accept;
            // later ones the idle timeout, after which the connection closes silently.
            if first {
                head_deadline = Some(time::monotonic_ms() + cfg.header_timeout_ms);
            } else {
                if rt.current_ms != cfg.idle_timeout_ms {
                    if net::set_timeout(fd, net::SO_RCVTIMEO, cfg.idle_timeout_ms).is_err() {
                        return;
                    }
                    rt.current_ms = cfg.idle_timeout_ms;
                }
                IDLE.set(true);
                if DRAINING.is_set() {
                    return;
                }
            }
            let got = read_within(fd, &mut buf[..], None, &mut rt);
            IDLE.set(false);
            match got {
                Ok(n) => filled = n,
                Err(_) => return,
            }
            if cfg.access_log {
                t0 = conn.now();
            }
        } else if head_deadline.is_none() && cfg.access_log {
            // A pipelined request already in the buffer starts now.
            t0 = conn.now();
        }
        // 1. The head. Usually it arrived whole in one read and is parsed once. Otherwise read
        // more within what is left of the head deadline and parse again from the start on the
        // next pass (the parser is fast, and the deadline bounds how often).
        let mut headers = [Header::EMPTY; HEADER_SLOTS];
        let headers = &mut headers[..cfg.max_headers.min(HEADER_SLOTS)];
        // `filled` never passes the buffer's end (reads go into `buf[filled..]`); `get` says so
        // without a panic path.
        let Some(received) = buf.get(..filled) else {
            return;
        };
        let (head, body_start) = match parse_request(received, headers, &limits) {
            Ok(Parsed::Complete(done)) => done,
            Err(e) => {
                return fail(&mut conn, fd, e.status(), e.reason(), scratch);
            }
            Ok(Parsed::Partial) => {
                let deadline =
                    *head_deadline.get_or_insert(time::monotonic_ms() + cfg.header_timeout_ms);
                match read_within(fd, &mut buf[filled..], Some(deadline), &mut rt) {
                    Ok(n) => filled += n,
                    Err(ReadEnd::TimedOut) => {
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
                continue;
            }
        };
        head_deadline = None;
        first = false;
        conn.now();
        // 2. Framing: where the body ends, keep-alive, 100-continue (RFC 9112 §6, §9.3).
        let framing = match analyze(&head) {
            Ok(f) => f,
            Err(e) => return fail(&mut conn, fd, e.status(), e.reason(), scratch),
        };
        let method = head.method;
        if method == Method::Other || method == Method::Connect {
            // RFC 9110 §9.1: an unrecognised method is 501; CONNECT tunnels are not implemented.
            return fail(&mut conn, fd, 501, "method not implemented", scratch);
        }
        // 3. Where does it go? Decided before any body is read: a 404 or a 413 need not wait.
        let plan = app.plan(&head);
        let to_handler = matches!(plan, Dispatch::Handler(_));
        let body_len: u64 = match framing.body {
            Body::None => 0,
            Body::Length(n) => n,
            Body::Chunked => 0,
        };
        if to_handler && body_len > cfg.max_body {
            return fail(&mut conn, fd, 413, "request body too large", scratch);
        }
        if to_handler && framing.body == Body::None && app.requires_length(method) {
            return fail(
                &mut conn,
                fd,
                411,
                "a body with Content-Length or chunked encoding is required",
                scratch,
            );
        }
        let mut out = Out::new(fd, conn.date, app.extra_headers, cfg.send_timeout_ms);
        out.head_only = method == Method::Head;
        out.keep_alive = framing.keep_alive && !DRAINING.is_set();
        out.http10 = head.version.minor == 0;
        let whole = framing.body != Body::Chunked && ((filled - body_start) as u64) >= body_len;
        let consumed = if whole {
            // 4. The whole request is in the buffer: answer straight from the parsed head.
            let end = body_start + body_len as usize;
            let Some(body) = buf.get(body_start..end) else {
                return;
            };
            dispatch(&mut conn, &head, plan, body, &mut out, scratch);
            log_request(&conn, &head, &out, t0);
            end
        } else if !to_handler {
            // Requests routed nowhere are answered without their body, and the connection closes
            // (an unread body must never be taken for the next request).
            out.keep_alive = false;
            dispatch(&mut conn, &head, plan, &[], &mut out, scratch);
            log_request(&conn, &head, &out, t0);
            response::linger(fd, scratch);
            return;
        } else {
            let expect_continue = framing.expect_continue && filled == body_start;
            let chunked = framing.body == Body::Chunked;
            match body_then_dispatch(
                &mut conn,
                fd,
                buf,
                filled,
                body_start,
                chunked,
                body_len,
                expect_continue,
                &mut rt,
                &mut out,
                scratch,
                t0,
            ) {
                Some((end, now_filled)) => {
                    filled = now_filled;
                    end
                }
                None => return,
            }
        };
        if out.failed || !out.keep_alive || DRAINING.is_set() {
            return;
        }
        // 5. Keep-alive: move past this request; a pipelined one goes to the front.
        if consumed == filled {
            filled = 0;
        } else if verbosel_http::move_down(buf, 0, consumed, filled) {
            filled -= consumed;
        } else {
            return;
        }
    }
}

/// A request whose body is still arriving: read it within the body deadline (de-chunking in
/// place), then parse the head again from the same bytes and dispatch. The head is parsed twice
/// only here: its first parse borrowed the buffer, and the body has to be read into it. Returns
/// the end of the request in the buffer and the new fill level, or `None` to close.
#[inline(never)]
#[allow(clippy::too_many_arguments)]
fn body_then_dispatch(
    conn: &mut Conn<'_>,
    fd: BorrowedFd<'_>,
    buf: &mut [u8],
    mut filled: usize,
    body_start: usize,
    chunked: bool,
    body_len: u64,
    expect_continue: bool,
    rt: &mut RecvTimeout,
    out: &mut Out<'_>,
    scratch: &mut [u8],
    t0: Timespec,
) -> Option<(usize, usize)> {
    let cfg = conn.cfg;
    // RFC 9110 §10.1.1: the client waits for this before sending the body.
    if expect_continue && io::write_all(fd, b"HTTP/1.1 100 Continue\r\n\r\n").is_err() {
        return None;
    }
    let deadline = time::monotonic_ms() + cfg.body_timeout_ms;
    let timed_out = |conn: &mut Conn<'_>, scratch: &mut [u8]| {
        fail(conn, fd, 408, "the request body took too long", scratch);
        None
    };
    let (decoded_len, end) = if chunked {
        let mut dec = ChunkedDecoder::new(body_start);
        loop {
            match dec.decode(buf, filled, cfg.max_body) {
                Ok(Chunked::Done { body_len, end }) => break (body_len, end),
                Ok(Chunked::NeedMore) => {}
                Err(e) => {
                    fail(conn, fd, e.status(), e.reason(), scratch);
                    return None;
                }
            }
            if filled == buf.len() {
                filled = dec.compact(buf, filled);
                if filled == buf.len() {
                    fail(conn, fd, 413, "request body too large", scratch);
                    return None;
                }
            }
            match read_within(fd, buf.get_mut(filled..)?, Some(deadline), rt) {
                Ok(n) => filled += n,
                Err(ReadEnd::TimedOut) => return timed_out(conn, scratch),
                Err(_) => return None,
            }
        }
    } else {
        let want = body_start + body_len as usize;
        while filled < want {
            match read_within(fd, buf.get_mut(filled..)?, Some(deadline), rt) {
                Ok(n) => filled += n,
                Err(ReadEnd::TimedOut) => return timed_out(conn, scratch),
                Err(_) => return None,
            }
        }
        (body_len as usize, want)
    };
    conn.now();
    out.date = conn.date;
    let mut headers = [Header::EMPTY; HEADER_SLOTS];
    let headers = &mut headers[..cfg.max_headers.min(HEADER_SLOTS)];
    let (head_bytes, rest) = buf.split_at_checked(body_start)?;
    let body = rest.get(..decoded_len)?;
    let Ok(Parsed::Complete((head, _))) = parse_request(head_bytes, headers, &cfg.parse_limits())
    else {
        return None;
    };
    let plan = conn.app.plan(&head);
    dispatch(conn, &head, plan, body, out, scratch);
    log_request(conn, &head, out, t0);
    Some((end, filled))
}

/// Scratch space reserved at the end of the working memory: decoded parameters, normalised
/// paths, lingering-close reads.
pub(crate) const SCRATCH: usize = 16 * 1024;

/// Answers an error and closes, lingering so the client can read the answer. (It reads the clock
/// itself: the Date header must be current, and an error path can spare the vDSO call.)
#[inline(never)]
fn fail(conn: &mut Conn<'_>, fd: BorrowedFd<'_>, status: u16, reason: &str, scratch: &mut [u8]) {
    conn.now();
    let mut out = Out::new(
        fd,
        conn.date,
        conn.app.extra_headers,
        conn.cfg.send_timeout_ms,
    );
    response::error(&mut out, status, reason, b"");
    if conn.cfg.access_log {
        log::access(conn.peer, None, None, status, out.bytes, 0, &conn.date);
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
                // The scratch space holds the whole request line and decoding never lengthens a
                // parameter; no room would be reported like an invalid parameter.
                let decoded = match core::mem::take(&mut rest).split_at_mut_checked(raw.len()) {
                    Some((dst, tail)) => {
                        rest = tail;
                        verbosel_http::percent_decode(raw, dst)
                            .ok()
                            .and_then(|v| core::str::from_utf8(v).ok())
                    }
                    None => None,
                };
                match decoded {
                    // The router matches at most MAX_PARAMS, the array's length.
                    Some(v) => {
                        if let Some(slot) = req.params.get_mut(req.nparams) {
                            *slot = (name, v);
                            req.nparams += 1;
                        }
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
                    if req.nqueries == MAX_QUERY_PARAMS {
                        break;
                    }
                    // Out of scratch space: the remaining pairs are left to `query_raw`.
                    let room = core::mem::take(&mut rest).split_at_mut_checked(k.len());
                    let Some((kd, vd, tail)) = room.and_then(|(kd, tail)| {
                        let (vd, tail) = tail.split_at_mut_checked(v.len())?;
                        Some((kd, vd, tail))
                    }) else {
                        break;
                    };
                    rest = tail;
                    let key = verbosel_http::form_decode(k, kd)
                        .ok()
                        .and_then(|k| core::str::from_utf8(k).ok());
                    let val = verbosel_http::form_decode(v, vd)
                        .ok()
                        .and_then(|v| core::str::from_utf8(v).ok());
                    if let (Some(key), Some(val), Some(slot)) =
                        (key, val, req.queries.get_mut(req.nqueries))
                    {
                        *slot = (key, val);
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
    log::access(
        conn.peer,
        forwarded,
        Some(head),
        out.status,
        out.bytes,
        micros,
        &conn.date,
    );
}
