//! One connection, from its first byte to its close, in its own process: a state machine.
//!
//! ```text
//!            ┌──────────────────────── keep-alive: the next request ───────────────────────┐
//!            ▼                                                                             │
//!   AwaitRequest ──bytes──▶ ReadHead ──head complete──▶ [ReadBody] ──▶ Answer ──────────────┤
//!       │                    │  ▲  more bytes                                              │
//!       │ idle timeout,      └──┘                                                          ▼
//!       │ peer closed        error answered (4xx/5xx) ──▶ Linger ──────────────────────▶ Close
//!       └──────────────────────────────────────────────────────────────────────────────▶ Close
//! ```
//!
//! Each state is a method that returns the next one; [`serve`] runs them until `Close`. A
//! parsed head borrows the input buffer, so the states that need it, `ReadBody` (only for a
//! body that did not arrive with its head) and `Answer`, run inside the call that parsed it
//! ([`Connection::read_head`]): the head is parsed and the route planned once per request.
//!
//! Memory ([`Buffers`]): requests arrive in `input`, which holds a whole head (and, usually, the
//! whole body and pipelined requests after it, all answered from where they lie). A body still
//! arriving when its head is complete is gathered in `body`, a region of its own, so reading it
//! never disturbs the head it belongs to. `scratch` holds decoded parameters and paths.
//!
//! Deadlines need no event loop and no signals: before each blocking read that belongs to a
//! deadline, SO_RCVTIMEO is set to the time left, so a client trickling one byte every few seconds
//! still meets the deadline. In the common case — a whole request in one read — no timer call is
//! made at all.

use crate::answers;
use crate::app::{App, Plan};
use crate::config::{Config, Redirect};
use crate::files::FileSources;
use crate::flags::{DRAINING, NOTHING_IN_FLIGHT, RESPONSE_STARTED};
use crate::log;
use crate::request::Request;
use crate::response::Response;
use crate::writer::{self, Exchange, ResponseWriter};
use verbosel_http::date::{IMF_FIXDATE_LEN, imf_fixdate};
use verbosel_http::{
    Body, Chunked, ChunkedDecoder, Framing, Header, Method, ParseLimits, Parsed, RequestHead,
    analyze, parse_request,
};
use verbosel_sys::net::{self, SocketAddr};
use verbosel_sys::time::{self, Timespec};
use verbosel_sys::{BorrowedFd, Errno, io};

/// Header fields one request may carry, at most (431 beyond): the array lives on the stack.
const HEADER_SLOTS: usize = ParseLimits::MAX_HEADERS;

/// Scratch space reserved at the end of the working memory: decoded parameters, normalised
/// paths, lingering-close reads. It holds a whole request line, so decoding always fits.
pub(crate) const SCRATCH: usize = 16 * 1024;

/// Where a connection is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum State {
    /// Waiting for the first byte of a request: the head timeout for the first one, from
    /// accept; the idle timeout after, when a SIGTERM may end the process at once.
    AwaitRequest,
    /// Part of a head has arrived; more is read within the head deadline, then the request is
    /// read to its end and answered (`ReadBody`, `Answer`).
    ReadHead,
    /// An error was answered: half-close and drain, so the client reads the answer.
    Linger,
    /// Done: the caller closes the socket.
    Close,
}

/// The connection's working memory, split once.
struct Buffers<'m> {
    input: &'m mut [u8],
    body: &'m mut [u8],
    scratch: &'m mut [u8],
}

impl<'m> Buffers<'m> {
    /// `input` holds a whole head and one byte more (so a head that fills it is known to be
    /// too large); `body` a whole body plus what one read into it may bring beyond its end.
    fn split(mem: &'m mut [u8], cfg: &Config) -> Option<Buffers<'m>> {
        let usable = mem.len().checked_sub(SCRATCH)?;
        let input_len = (cfg.max_head + 1).min(usable / 2);
        let body_len = (cfg.max_body as usize + input_len).min(usable - input_len);
        let (input, rest) = mem.split_at_mut_checked(input_len)?;
        let (body, rest) = rest.split_at_mut_checked(body_len)?;
        let scratch = rest.get_mut(..SCRATCH)?;
        Some(Buffers {
            input,
            body,
            scratch,
        })
    }
}

/// What an answered request leaves behind for the next one.
enum Next {
    /// Keep the connection: `consumed` bytes of `input` were this request; `carried`, bytes of
    /// the next request that arrived in `body` after this one's body.
    KeepAlive {
        consumed: usize,
        carried: Option<(usize, usize)>,
    },
    /// Close, after lingering (an error was answered, or a body was left unread).
    Linger,
    /// Close at once.
    Close,
}

/// Why a body was not read to its end.
enum BodyEnd {
    /// Answer with this status and reason, then linger.
    Refused(u16, &'static str),
    /// The client is gone, or the connection failed: close.
    Closed,
}

/// Why reading stopped.
enum ReadEnd {
    /// The peer closed its side.
    Closed,
    /// The deadline passed.
    TimedOut,
    /// The socket failed (reset, or a signal asked us to stop while idle).
    Failed,
}

/// Per-connection state that outlives one request.
struct Connection<'a> {
    app: &'a App,
    files: Option<&'a FileSources<'a>>,
    cfg: &'a Config,
    /// The access log's dropped-line counters, shared by every process.
    drops: log::Drops,
    limits: ParseLimits,
    fd: BorrowedFd<'a>,
    peer: Option<SocketAddr>,
    /// The Date header, formatted once per second.
    date: [u8; IMF_FIXDATE_LEN],
    date_sec: i64,
    /// The socket's current SO_RCVTIMEO in ms, so it is only changed when it must be.
    recv_timeout_ms: u64,
    /// Bytes received into `input` and not yet consumed (a pipelined request left over from the
    /// previous one was moved to the front).
    filled: usize,
    /// No request has been read yet (the first may take the head timeout from accept).
    first: bool,
    /// The deadline of a head that has started to arrive but is not complete yet.
    head_deadline: Option<u64>,
    /// When the current request began, for the access log.
    started: Timespec,
}

/// Serves one connection until it closes. `mem` is the process's working memory.
pub(crate) fn serve(
    app: &App,
    files: Option<&FileSources<'_>>,
    cfg: &Config,
    drops: log::Drops,
    fd: BorrowedFd<'_>,
    peer: Option<SocketAddr>,
    mem: &mut [u8],
) {
    let Some(mut bufs) = Buffers::split(mem, cfg) else {
        return;
    };
    let mut conn = Connection {
        app,
        files,
        cfg,
        drops,
        limits: cfg.parse_limits(),
        fd,
        peer,
        date: [0; IMF_FIXDATE_LEN],
        date_sec: -1,
        // The listener's SO_RCVTIMEO (the head timeout) is inherited by accepted sockets.
        recv_timeout_ms: cfg.header_timeout_ms,
        filled: 0,
        first: true,
        head_deadline: None,
        started: Timespec::default(),
    };
    let mut state = State::AwaitRequest;
    loop {
        state = match state {
            State::AwaitRequest => conn.await_request(&mut bufs),
            State::ReadHead => conn.read_head(&mut bufs),
            State::Linger => conn.linger(bufs.scratch),
            State::Close => return,
        };
    }
}

impl Connection<'_> {
    /// `AwaitRequest`: a pipelined request already in the buffer starts now; otherwise wait for
    /// the first bytes of the next one.
    fn await_request(&mut self, bufs: &mut Buffers<'_>) -> State {
        if self.filled > 0 {
            self.mark_start();
            return State::ReadHead;
        }
        if self.first {
            self.head_deadline = Some(time::monotonic_ms() + self.cfg.header_timeout_ms);
        } else {
            // Later requests get the idle timeout, after which the connection closes silently.
            if !self.set_recv_timeout(self.cfg.idle_timeout_ms) {
                return State::Close;
            }
            NOTHING_IN_FLIGHT.set(true);
            if DRAINING.is_set() {
                return State::Close;
            }
        }
        let got = self.read(bufs.input, None);
        NOTHING_IN_FLIGHT.set(false);
        match got {
            Ok(n) => {
                self.filled = n;
                self.mark_start();
                State::ReadHead
            }
            Err(_) => State::Close,
        }
    }

    /// `ReadHead`: parse what has arrived. Complete: the request is routed, its body read if
    /// need be, and answered, all from this one parse. Incomplete: read more within the head
    /// deadline and parse again from the start next time (the parser is fast, and the deadline
    /// bounds how often).
    fn read_head(&mut self, bufs: &mut Buffers<'_>) -> State {
        let mut slots = [Header::EMPTY; HEADER_SLOTS];
        let headers = slots.get_mut(..self.cfg.max_headers).unwrap_or(&mut [][..]);
        // `filled` never passes the buffer's end (reads go into `input[filled..]`).
        let Some(received) = bufs.input.get(..self.filled) else {
            return State::Close;
        };
        let next = match parse_request(received, headers, &self.limits) {
            Ok(Parsed::Complete((head, body_start))) => {
                self.head_deadline = None;
                self.first = false;
                self.request(&head, received, body_start, bufs.body, bufs.scratch)
            }
            Ok(Parsed::Partial) => return self.read_more_head(bufs.input),
            Err(e) => return self.fail(e.status(), e.reason()),
        };
        match next {
            Next::KeepAlive { consumed, carried } => self.next_request(bufs, consumed, carried),
            Next::Linger => State::Linger,
            Next::Close => State::Close,
        }
    }

    /// More of an incomplete head, within the head deadline.
    fn read_more_head(&mut self, input: &mut [u8]) -> State {
        let deadline = *self
            .head_deadline
            .get_or_insert(time::monotonic_ms() + self.cfg.header_timeout_ms);
        let Some(free) = input.get_mut(self.filled..) else {
            return State::Close;
        };
        match self.read(free, Some(deadline)) {
            Ok(n) => {
                self.filled += n;
                State::ReadHead
            }
            Err(ReadEnd::TimedOut) => self.fail(408, "the request head took too long"),
            Err(_) => State::Close,
        }
    }

    /// A complete head: framing (RFC 9112 §6), the plan, the body, the answer, the log line.
    /// `received` is the input so far; the head ends at `body_start`.
    fn request(
        &mut self,
        head: &RequestHead<'_, '_>,
        received: &[u8],
        body_start: usize,
        body_buf: &mut [u8],
        scratch: &mut [u8],
    ) -> Next {
        self.tick();
        let framing = match analyze(head) {
            Ok(f) => f,
            Err(e) => return self.fail_request(head, e.status(), e.reason()),
        };
        if matches!(head.method, Method::Other | Method::Connect) {
            // RFC 9110 §9.1: an unrecognised method is 501; CONNECT tunnels are not implemented.
            return self.fail_request(head, 501, "method not implemented");
        }
        let plan = match self.redirect(head, scratch) {
            Some(r) => Plan::Redirect(r),
            // A folder given at run time (--root) serves what the app's routes do not, in an
            // app that has no files of its own too.
            None => match self.app.plan(head) {
                Plan::NotFound if self.files.is_some() && head.target.path().is_some() => {
                    Plan::Files
                }
                plan => plan,
            },
        };
        let to_handler = matches!(plan, Plan::Handler(..));
        let body_len = match framing.body {
            Body::Length(n) => n,
            Body::None | Body::Chunked => 0,
        };
        if to_handler && body_len > self.cfg.max_body {
            return self.fail_request(head, 413, "request body too large");
        }
        if to_handler && framing.body == Body::None && self.app.requires_length(head.method) {
            return self.fail_request(
                head,
                411,
                "a body with Content-Length or chunked encoding is required",
            );
        }
        let mut exchange = Exchange {
            head_only: head.method == Method::Head,
            keep_alive: framing.keep_alive && !DRAINING.is_set(),
            http10: head.version.minor == 0,
        };
        let arrived = received.get(body_start..).unwrap_or_default();
        if framing.body != Body::Chunked && arrived.len() as u64 >= body_len {
            // The whole request is in the buffer: answer straight from it.
            let end = body_start + body_len as usize;
            let body = received.get(body_start..end).unwrap_or_default();
            let kept = Next::KeepAlive {
                consumed: end,
                carried: None,
            };
            return self.answer(head, &plan, body, exchange, scratch, kept);
        }
        if !to_handler {
            // Requests routed nowhere are answered without their body, and the connection closes
            // (an unread body must never be taken for the next request).
            exchange.keep_alive = false;
            self.answer(head, &plan, &[], exchange, scratch, Next::Linger);
            return Next::Linger;
        }
        match self.read_body(&framing, arrived, body_buf) {
            Ok((len, end, filled)) => {
                self.tick();
                let body = body_buf.get(..len).unwrap_or_default();
                let kept = Next::KeepAlive {
                    consumed: received.len(),
                    carried: (end < filled).then_some((end, filled)),
                };
                self.answer(head, &plan, body, exchange, scratch, kept)
            }
            Err(BodyEnd::Refused(status, reason)) => self.fail_request(head, status, reason),
            Err(BodyEnd::Closed) => Next::Close,
        }
    }

    /// `ReadBody`: a body that did not arrive whole with its head, gathered in `body_buf` within
    /// the body deadline (de-chunked in place). `arrived` is what came with the head. Returns
    /// the body's length, where it ended in `body_buf` and how much of `body_buf` is filled.
    fn read_body(
        &mut self,
        framing: &Framing<'_>,
        arrived: &[u8],
        body_buf: &mut [u8],
    ) -> Result<(usize, usize, usize), BodyEnd> {
        // RFC 9110 §10.1.1: the client waits for this before sending the body.
        if framing.expect_continue
            && arrived.is_empty()
            && io::write_all(self.fd, b"HTTP/1.1 100 Continue\r\n\r\n").is_err()
        {
            return Err(BodyEnd::Closed);
        }
        let mut filled = arrived.len();
        match body_buf.get_mut(..filled) {
            Some(dst) => dst.copy_from_slice(arrived),
            None => return Err(BodyEnd::Refused(413, "request body too large")),
        }
        let deadline = time::monotonic_ms() + self.cfg.body_timeout_ms;
        if let Body::Length(len) = framing.body {
            let len = len as usize;
            while filled < len {
                let free = body_buf.get_mut(filled..len).ok_or(BodyEnd::Closed)?;
                filled += self.read_body_bytes(free, deadline)?;
            }
            return Ok((len, len, len));
        }
        // Chunked: each read brings at most one input buffer's worth, so whatever follows the
        // body (a pipelined request) fits in the input buffer when it is carried over.
        let mut dec = ChunkedDecoder::new(0);
        loop {
            match dec.decode(body_buf, filled, self.cfg.max_body) {
                Ok(Chunked::Done { body_len, end }) => return Ok((body_len, end, filled)),
                Ok(Chunked::NeedMore) => {}
                Err(e) => return Err(BodyEnd::Refused(e.status(), e.reason())),
            }
            if filled == body_buf.len() {
                filled = dec.compact(body_buf, filled);
                if filled == body_buf.len() {
                    return Err(BodyEnd::Refused(413, "request body too large"));
                }
            }
            let step = self.limits.max_head + 1;
            let free = body_buf.get_mut(filled..).ok_or(BodyEnd::Closed)?;
            let free = free
                .get_mut(..step.min(free.len()))
                .ok_or(BodyEnd::Closed)?;
            filled += self.read_body_bytes(free, deadline)?;
        }
    }

    /// One read of body bytes within the body deadline.
    fn read_body_bytes(&mut self, free: &mut [u8], deadline: u64) -> Result<usize, BodyEnd> {
        match self.read(free, Some(deadline)) {
            Ok(n) => Ok(n),
            Err(ReadEnd::TimedOut) => Err(BodyEnd::Refused(408, "the request body took too long")),
            Err(_) => Err(BodyEnd::Closed),
        }
    }

    /// `Answer`: the handler, the files or a built-in answer, then the access-log line. Returns
    /// `kept` (where this request ends) if the connection stays open.
    fn answer(
        &mut self,
        head: &RequestHead<'_, '_>,
        plan: &Plan<'_>,
        body: &[u8],
        exchange: Exchange,
        scratch: &mut [u8],
        kept: Next,
    ) -> Next {
        // Per request, not per connection: a panic in this request gets its 500 unless this
        // request's own response has started (earlier responses on the connection are whole).
        RESPONSE_STARTED.set(false);
        crate::cpu_limit::request_started();
        let mut w = self.writer(exchange);
        match plan {
            Plan::Handler(handler, params) => {
                let mut req = Request::new(head, body, self.peer);
                #[cfg(feature = "data")]
                req.with_data(self.cfg.data_dir);
                match req.decode(params, scratch) {
                    Ok(()) => {
                        let _ = handler(&req, Response::new(&mut w));
                    }
                    Err((status, reason)) => writer::error(&mut w, status, reason, b""),
                }
            }
            Plan::Files => match self.files {
                Some(files) => files.serve(head, &mut w, scratch),
                None => answers::not_found(&mut w),
            },
            Plan::NotFound => answers::not_found(&mut w),
            Plan::MethodNotAllowed(set) => answers::allow(&mut w, 405, *set),
            Plan::Options(set) => answers::allow(&mut w, 204, *set),
            Plan::Health => answers::health(&mut w, head.method),
            Plan::Redirect(r) => answers::redirect(&mut w, r, head.target.query()),
        }
        self.log(Some(head), w.status(), w.bytes());
        if w.keeps_alive() { kept } else { Next::Close }
    }

    /// After a request answered on a kept connection: move past it (a pipelined request goes to
    /// the front of the input), then wait for the next one.
    fn next_request(
        &mut self,
        bufs: &mut Buffers<'_>,
        consumed: usize,
        carried: Option<(usize, usize)>,
    ) -> State {
        // Draining, or retiring near the CPU hard limit: this was the last request.
        if DRAINING.is_set() || crate::cpu_limit::retiring() {
            return State::Close;
        }
        if consumed >= self.filled {
            self.filled = 0;
        } else if verbosel_http::move_down(bufs.input, 0, consumed, self.filled) {
            self.filled -= consumed;
        } else {
            return State::Close;
        }
        if let Some((from, to)) = carried {
            // Bytes that arrived after a body gathered in the body buffer: the input was all
            // this request's, so they start the input afresh.
            let (Some(src), Some(dst)) = (bufs.body.get(from..to), bufs.input.get_mut(..to - from))
            else {
                return State::Close;
            };
            dst.copy_from_slice(src);
            self.filled = to - from;
        }
        State::AwaitRequest
    }

    /// `Linger`: after an error the client may still be sending (a body we refused): half-close,
    /// then read and discard for a moment, so that our answer is not destroyed by a TCP reset
    /// when the kernel closes a socket with unread data (RFC 9112 §9.6, "lingering close").
    #[inline(never)]
    fn linger(&mut self, scratch: &mut [u8]) -> State {
        /// How long to keep draining: enough for a client to read our answer and stop sending.
        const LINGER_MS: u64 = 2000;
        /// How much to drain at most before giving up and closing anyway.
        const LINGER_BYTES: usize = 256 * 1024;
        if net::shutdown(self.fd, net::SHUT_WR).is_err() {
            return State::Close;
        }
        // A total deadline, not a per-read timeout: a client that keeps trickling bytes must not
        // keep this process (and its --max-conns slot) alive.
        let deadline = time::monotonic_ms() + LINGER_MS;
        let mut drained = 0;
        while drained < LINGER_BYTES {
            match self.read(scratch, Some(deadline)) {
                Ok(n) => drained += n,
                Err(_) => break,
            }
        }
        State::Close
    }

    /// Answers an error and goes on to `Linger`. (It reads the clock itself: the Date header
    /// must be current, and an error path can spare the vDSO call.)
    fn fail(&mut self, status: u16, reason: &str) -> State {
        self.answer_error(None, status, reason);
        State::Linger
    }

    #[inline(never)]
    fn answer_error(&mut self, head: Option<&RequestHead<'_, '_>>, status: u16, reason: &str) {
        self.tick();
        let mut w = self.writer(Exchange {
            head_only: false,
            keep_alive: false,
            http10: false,
        });
        writer::error(&mut w, status, reason, b"");
        self.log(head, status, w.bytes());
    }

    /// [`Connection::fail`] for a request whose head was read: its line goes in the log.
    fn fail_request(&mut self, head: &RequestHead<'_, '_>, status: u16, reason: &str) -> Next {
        self.answer_error(Some(head), status, reason);
        Next::Linger
    }

    /// The operator's `--redirect` for this request's path, compared normalised (so `/old`,
    /// `/old/.` and `/%6Fld` are one path); `None` when there is none, or the path does not
    /// normalise (the files or the routes answer that with their 400 or 404).
    fn redirect(&self, head: &RequestHead<'_, '_>, scratch: &mut [u8]) -> Option<Redirect> {
        if crate::config::MAX_REDIRECT_FLAGS == 0 || self.cfg.site.redirect_count == 0 {
            return None;
        }
        let raw = head.target.path()?;
        let buf = scratch.get_mut(..raw.len())?;
        let path = verbosel_http::normalize(raw, buf).ok()?;
        self.cfg.site.redirect_for(path).copied()
    }

    fn writer(&self, exchange: Exchange) -> ResponseWriter<'_> {
        ResponseWriter::new(
            self.fd,
            self.date,
            (self.app.extra_headers, self.cfg.site.headers()),
            self.cfg.send_timeout_ms,
            exchange,
        )
    }

    /// Refreshes the Date header, formatted once per second (RFC 9110 §6.6.1); the clock read is
    /// a vDSO call, not a syscall.
    fn tick(&mut self) -> Timespec {
        let now = time::realtime();
        if now.sec != self.date_sec {
            self.date_sec = now.sec;
            self.date = imf_fixdate(now.sec as u64);
        }
        now
    }

    /// A request begins now (for the access log's duration).
    fn mark_start(&mut self) {
        if self.cfg.access_log {
            self.started = self.tick();
        }
    }

    #[inline(never)]
    fn log(&self, head: Option<&RequestHead<'_, '_>>, status: u16, bytes: u64) {
        if !self.cfg.access_log {
            return;
        }
        let micros = match head {
            Some(_) => time::realtime()
                .as_micros()
                .saturating_sub(self.started.as_micros()),
            None => 0,
        };
        let client = match head {
            Some(h) if self.cfg.trust_proxy_hops > 0 => {
                log::forwarded_client(h, self.cfg.trust_proxy_hops).or(self.peer)
            }
            _ => self.peer,
        };
        log::access(self.drops, client, head, status, bytes, micros, &self.date);
    }

    /// Moves SO_RCVTIMEO to `ms` if it is not there already.
    fn set_recv_timeout(&mut self, ms: u64) -> bool {
        if self.recv_timeout_ms != ms {
            if net::set_timeout(self.fd, net::SO_RCVTIMEO, ms).is_err() {
                return false;
            }
            self.recv_timeout_ms = ms;
        }
        true
    }

    /// Reads into `buf` within `deadline_ms` (monotonic ms; `None`: block for the socket's
    /// current timeout, which the caller has set).
    fn read(&mut self, buf: &mut [u8], deadline_ms: Option<u64>) -> Result<usize, ReadEnd> {
        loop {
            if let Some(deadline) = deadline_ms {
                let now = time::monotonic_ms();
                if now >= deadline {
                    return Err(ReadEnd::TimedOut);
                }
                let left = deadline - now;
                // Only lower the timeout when it would overshoot the deadline by more than a
                // little; that spares a setsockopt per read for ordinary slow requests.
                let current = self.recv_timeout_ms;
                if (current > left + left / 8 || current + 1000 < left.min(current * 2))
                    && !self.set_recv_timeout(left.max(1))
                {
                    return Err(ReadEnd::Failed);
                }
            }
            match io::read(self.fd, buf) {
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
}
