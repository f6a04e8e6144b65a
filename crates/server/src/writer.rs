//! The response writer: a head formatted into a stack buffer and sent with the body in one
//! `writev` (a static body is never copied), every response within the send deadline, and a
//! handler's mistakes answered with a 500 and a log line instead of being dropped in silence.

use crate::flags::{DRAINING, RESPONSE_STARTED};
use crate::log;
use verbosel_digits::{DECIMAL_DIGITS, decimal};
use verbosel_http::date::IMF_FIXDATE_LEN;
use verbosel_http::response_head::HeadWriter;
use verbosel_http::status::forbids_body;
use verbosel_sys::io::{IoSlice, sendfile, writev};
use verbosel_sys::{BorrowedFd, Errno, net, time};

/// Room for the response head: status line, the fixed headers, the app's lines, the operator's
/// (`--header`, at most `config::MAX_HEADER_FLAG_BYTES`) and a handler's own.
pub const HEAD_CAPACITY: usize = 2048;

/// Room for headers a handler adds. More is a handler error: the response becomes a 500.
pub const HANDLER_HEADERS_CAPACITY: usize = 512;

/// Body parts one response may gather into its `writev` (the head takes one more slot).
pub const MAX_PARTS: usize = 14;

/// The handler error of a body in more than [`MAX_PARTS`] pieces.
pub(crate) const TOO_MANY_PARTS: &str = "more than MAX_PARTS body parts";

/// Header lines every response carries after Date.
const FIXED: &[u8] = b"Server: verbosel\r\nX-Powered-By: raw-syscalls\r\n";

/// What the request decided about its response before anyone answers it.
#[derive(Clone, Copy)]
pub(crate) struct Exchange {
    /// HEAD request: headers as for GET, no body (RFC 9110 §9.3.2).
    pub head_only: bool,
    /// Whether the connection may stay open after this response.
    pub keep_alive: bool,
    /// The client spoke HTTP/1.0: no chunked encoding, explicit `Connection: keep-alive`.
    pub http10: bool,
}

/// How a body is framed.
pub(crate) enum Length {
    Fixed(u64),
    Chunked,
    /// HTTP/1.0 streaming: the body ends when the connection closes.
    UntilClose,
}

/// A header line's name and value, as `--header` gives them.
pub(crate) type HeaderLine = (&'static [u8], &'static [u8]);

/// No body.
pub(crate) const EMPTY: &[&[u8]] = &[];

/// One response's writer, made per request with what the request decided.
pub(crate) struct ResponseWriter<'f> {
    fd: BorrowedFd<'f>,
    date: [u8; IMF_FIXDATE_LEN],
    /// Header lines the app adds to every response (security headers), each ending in CRLF.
    extra: &'static [u8],
    /// Header lines the operator adds to every response (`--header`), validated at start-up.
    site_headers: &'f [HeaderLine],
    /// How long one response may take to write, in ms, however slowly the client reads.
    send_timeout_ms: u64,
    exchange: Exchange,
    status: u16,
    bytes: u64,
    failed: bool,
    /// Header lines the handler added (kept here, not in `Response`, so that passing a
    /// `Response` by value copies a pointer, not a buffer: stack pages are memory per connection).
    lines: [u8; HANDLER_HEADERS_CAPACITY],
    lines_len: usize,
    /// A handler's mistake found before its response went out.
    fault: Option<&'static str>,
}

impl<'f> ResponseWriter<'f> {
    /// The writer for one response on `fd`.
    #[inline(never)] // several callers; the struct is mostly a zeroed header buffer
    pub(crate) fn new(
        fd: BorrowedFd<'f>,
        date: [u8; IMF_FIXDATE_LEN],
        (extra, site_headers): (&'static [u8], &'f [HeaderLine]),
        send_timeout_ms: u64,
        exchange: Exchange,
    ) -> ResponseWriter<'f> {
        ResponseWriter {
            fd,
            date,
            extra,
            site_headers,
            send_timeout_ms,
            exchange,
            status: 0,
            bytes: 0,
            failed: false,
            lines: [0; HANDLER_HEADERS_CAPACITY],
            lines_len: 0,
            fault: None,
        }
    }

    /// The status sent (0 if nothing was).
    pub(crate) fn status(&self) -> u16 {
        self.status
    }

    /// Body bytes sent.
    pub(crate) fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Whether the connection can carry another request after this response.
    pub(crate) fn keeps_alive(&self) -> bool {
        self.exchange.keep_alive
            && !self.failed
            && !DRAINING.is_set()
            && !crate::cpu_limit::retiring()
    }

    /// Whether the request was HEAD.
    pub(crate) fn head_only(&self) -> bool {
        self.exchange.head_only
    }

    /// Whether the client spoke HTTP/1.0.
    pub(crate) fn http10(&self) -> bool {
        self.exchange.http10
    }

    /// Whether a write failed (the client is gone).
    pub(crate) fn failed(&self) -> bool {
        self.failed
    }

    /// Asks for `Connection: close` and no further request.
    pub(crate) fn close(&mut self) {
        self.exchange.keep_alive = false;
    }

    /// Adds a header line from a handler. A name that is not a token, a value with CR, LF or
    /// NUL (RFC 9110 §5.5), or more than [`HANDLER_HEADERS_CAPACITY`] bytes of them is a
    /// handler error: nothing is injected, and the response becomes a logged 500.
    pub(crate) fn add_header(&mut self, name: &[u8], value: &[u8]) {
        let valid = verbosel_http::chars::is_token(name)
            && !value.iter().any(|&b| b == b'\r' || b == b'\n' || b == 0);
        if !valid {
            return self.fault("a header name that is not a token, or CR/LF/NUL in a value");
        }
        let mut at = self.lines_len;
        for part in [name, b": ", value, b"\r\n"] {
            match self.lines.get_mut(at..at + part.len()) {
                Some(dst) => dst.copy_from_slice(part),
                None => return self.fault("the handler's headers exceed HANDLER_HEADERS_CAPACITY"),
            }
            at += part.len();
        }
        self.lines_len = at;
    }

    /// Records a handler mistake; the first one is the one reported.
    pub(crate) fn fault(&mut self, what: &'static str) {
        debug_assert!(
            self.status == 0,
            "a handler fault after the response started"
        );
        self.fault.get_or_insert(what);
    }

    /// Writes a head and (unless HEAD or a bodiless status) the body's parts in one gather
    /// write, within the send deadline. A head that cannot be sent as asked (a handler fault, or
    /// more than [`HEAD_CAPACITY`]) is logged and answered with a 500 instead.
    pub(crate) fn write(
        &mut self,
        status: u16,
        ctype: Option<&[u8]>,
        len: Length,
        lines: &[u8],
        body: &[&[u8]],
    ) {
        if body.len() > MAX_PARTS {
            self.fault(TOO_MANY_PARTS);
        }
        let mut buf = [0u8; HEAD_CAPACITY];
        let Some(n) = self.head_or_500(&mut buf, status, ctype, &len, lines) else {
            return;
        };
        let head = buf.get(..n).unwrap_or_default();
        let body = if self.exchange.head_only || forbids_body(status) {
            EMPTY
        } else {
            body
        };
        let sent = self.send_parts(head, body);
        self.sent(status, sent, body.iter().map(|p| p.len() as u64).sum());
    }

    /// As [`ResponseWriter::write`], with `len` bytes of `file` from `offset` as the body, sent
    /// with sendfile(2) after the head. Only sources of files use it, so only apps that serve
    /// files link it.
    pub(crate) fn write_file_region(
        &mut self,
        status: u16,
        ctype: Option<&[u8]>,
        lines: &[u8],
        (file, offset, len): (BorrowedFd<'_>, u64, u64),
    ) {
        let mut buf = [0u8; HEAD_CAPACITY];
        let Some(n) = self.head_or_500(&mut buf, status, ctype, &Length::Fixed(len), lines) else {
            return;
        };
        let head = buf.get(..n).unwrap_or_default();
        let len = if self.exchange.head_only || forbids_body(status) {
            0
        } else {
            len
        };
        let sent = self
            .send_parts(head, EMPTY)
            .and_then(|()| send_region(self.fd, file, offset, len, self.send_timeout_ms));
        self.sent(status, sent, len);
    }

    /// Records what went out.
    fn sent(&mut self, status: u16, sent: Result<(), ()>, body: u64) {
        self.status = status;
        match sent {
            Ok(()) => self.bytes += body,
            Err(()) => self.failed = true,
        }
    }

    /// The head's length in `buf`; or, when it cannot be sent as asked, `None`, after the
    /// logged 500 that goes in its place. Marks the response as started.
    fn head_or_500(
        &mut self,
        buf: &mut [u8],
        status: u16,
        ctype: Option<&[u8]>,
        len: &Length,
        lines: &[u8],
    ) -> Option<usize> {
        let head = match self.fault {
            Some(_) => None,
            None => self.head(buf, status, ctype, len, lines),
        };
        let Some(n) = head else {
            if status == 500 && self.lines_len == 0 && lines.is_empty() {
                // Not even a bare 500 fits: the app's own header lines are too long.
                log::error(&[b"the app's headers exceed HEAD_CAPACITY: no answer can be sent"]);
                self.failed = true;
            } else {
                self.write_500(
                    self.fault
                        .unwrap_or("the response head exceeds HEAD_CAPACITY"),
                );
            }
            return None;
        };
        RESPONSE_STARTED.set(true);
        Some(n)
    }

    /// Formats the head into `buf`; `None` if it does not fit.
    fn head(
        &mut self,
        buf: &mut [u8],
        status: u16,
        ctype: Option<&[u8]>,
        len: &Length,
        lines: &[u8],
    ) -> Option<usize> {
        let mut w = HeadWriter::new(buf, status);
        w.header(b"Date", &self.date).raw(FIXED);
        if let Some(ct) = ctype {
            w.header(b"Content-Type", ct);
        }
        match len {
            // RFC 9110 §8.6: no Content-Length in 1xx/204; a 304 describes the selected
            // representation, so it is simply omitted there too.
            Length::Fixed(_) if forbids_body(status) => {}
            Length::Fixed(n) => {
                w.header_u64(b"Content-Length", *n);
            }
            Length::Chunked => {
                w.header(b"Transfer-Encoding", b"chunked");
            }
            Length::UntilClose => self.exchange.keep_alive = false,
        }
        // A SIGTERM that arrived while the handler ran, or a process retiring near its CPU hard
        // limit: this is the connection's last response, and it says so (RFC 9112 §9.6), so the
        // client sends nothing more on it.
        if DRAINING.is_set() || crate::cpu_limit::retiring() {
            self.exchange.keep_alive = false;
        }
        if !self.exchange.keep_alive {
            w.header(b"Connection", b"close");
        } else if self.exchange.http10 {
            w.header(b"Connection", b"keep-alive");
        }
        // A 304 carries the validators and cache fields of the 200 it stands for, and no other
        // representation metadata (RFC 9110 §15.4.5): not the app's security headers, which a
        // cache keeps from the stored response it freshens (RFC 9111 §4.3.4).
        if status != 304 {
            w.raw(self.extra);
        }
        // The operator's --header lines go on every response, a 304 too, as nginx's add_header
        // does for it: they are asked for by name (CORS, Cache-Control) and a cache that
        // freshens a stored response takes them from the 304 (RFC 9111 §4.3.4).
        for (name, value) in self.site_headers {
            w.header(name, value);
        }
        w.raw(self.lines.get(..self.lines_len).unwrap_or_default())
            .raw(lines);
        w.finish()
    }

    /// The answer to a response that could not be sent as asked: a logged 500 that closes.
    #[inline(never)]
    fn write_500(&mut self, why: &'static str) {
        log::error(&[b"handler error: ", why.as_bytes(), b"; answered 500"]);
        self.fault = None;
        self.lines_len = 0;
        self.exchange.keep_alive = false;
        let body = b"500 Internal Server Error\n";
        self.write(
            500,
            Some(b"text/plain; charset=utf-8"),
            Length::Fixed(body.len() as u64),
            b"",
            &[body],
        );
    }

    /// The head and up to [`MAX_PARTS`] body parts in one gather write.
    fn send_parts(&self, head: &[u8], parts: &[&[u8]]) -> Result<(), ()> {
        let mut iov = [IoSlice::EMPTY; MAX_PARTS + 1];
        let [first, rest @ ..] = &mut iov;
        *first = IoSlice::new(head);
        for (slot, part) in rest.iter_mut().zip(parts) {
            *slot = IoSlice::new(part);
        }
        let count = 1 + parts.len().min(MAX_PARTS);
        send_all(
            self.fd,
            iov.get_mut(..count).unwrap_or_default(),
            self.send_timeout_ms,
        )
    }

    /// Writes raw bytes after the head (a chunk of a streamed body); counts `body` bytes.
    pub(crate) fn write_raw(&mut self, parts: &[&[u8]], body: u64) {
        if self.failed {
            return;
        }
        let mut iov = [IoSlice::EMPTY; 4];
        let mut count = 0;
        for (slot, p) in iov.iter_mut().zip(parts) {
            *slot = IoSlice::new(p);
            count += 1;
        }
        match send_all(
            self.fd,
            iov.get_mut(..count).unwrap_or_default(),
            self.send_timeout_ms,
        ) {
            Ok(()) => self.bytes += body,
            Err(()) => self.failed = true,
        }
    }
}

/// A canned error answer: status line, short text body, `Connection: close`.
#[inline(never)]
pub(crate) fn error(w: &mut ResponseWriter<'_>, status: u16, reason: &str, extra_lines: &[u8]) {
    w.close();
    let mut digits = [0u8; DECIMAL_DIGITS];
    let code = decimal(status as u64, &mut digits);
    let phrase = verbosel_http::status::reason(status).as_bytes();
    let body: [&[u8]; 6] = [code, b" ", phrase, b": ", reason.as_bytes(), b"\n"];
    let len: u64 = body.iter().map(|b| b.len() as u64).sum();
    w.write(
        status,
        Some(b"text/plain; charset=utf-8"),
        Length::Fixed(len),
        extra_lines,
        &body,
    );
}

/// Writes every buffer, within `timeout_ms` for the whole call. A client that reads a few bytes at
/// a time cannot stretch it: each blocking writev is bounded by SO_SNDTIMEO, and after a short
/// write SO_SNDTIMEO is lowered to the time left (and put back afterwards). The usual case,
/// everything accepted by the first writev, costs one vDSO clock read and no extra syscall.
fn send_all(fd: BorrowedFd<'_>, bufs: &mut [IoSlice<'_>], timeout_ms: u64) -> Result<(), ()> {
    let mut deadline = Deadline::new(fd, timeout_ms);
    let mut first = 0;
    let result = loop {
        while bufs.get(first).is_some_and(|b| b.is_empty()) {
            first += 1;
        }
        let Some(rest) = bufs.get_mut(first..).filter(|r| !r.is_empty()) else {
            break Ok(());
        };
        match writev(fd, rest) {
            Ok(0) => break Err(()),
            Ok(mut n) => {
                for b in rest.iter_mut() {
                    let take = n.min(b.len());
                    b.advance(take);
                    n -= take;
                    if n == 0 {
                        break;
                    }
                }
                if rest.iter().all(|b| b.is_empty()) {
                    break Ok(());
                }
                // A short write: the client's window is full, and the clock is running.
                if deadline.short_write().is_err() {
                    break Err(());
                }
            }
            Err(Errno::EINTR) => {}
            Err(_) => break Err(()),
        }
    };
    deadline.restore(result)
}

/// `len` bytes of `file` from `offset`, with sendfile(2), within `timeout_ms`.
fn send_region(
    fd: BorrowedFd<'_>,
    file: BorrowedFd<'_>,
    mut offset: u64,
    len: u64,
    timeout_ms: u64,
) -> Result<(), ()> {
    let end = offset.saturating_add(len);
    let mut deadline = Deadline::new(fd, timeout_ms);
    let result = loop {
        let left = end - offset;
        if left == 0 {
            break Ok(());
        }
        match sendfile(fd, file, &mut offset, left.min(isize::MAX as u64) as usize) {
            // The file ended early (truncated since it was opened): the promised length cannot
            // be kept, and the client must see an incomplete response.
            Ok(0) => break Err(()),
            Ok(_) if offset >= end => break Ok(()),
            Ok(_) => {
                if deadline.short_write().is_err() {
                    break Err(());
                }
            }
            Err(Errno::EINTR) => {}
            Err(_) => break Err(()),
        }
    };
    deadline.restore(result)
}

/// The send deadline of one response: SO_SNDTIMEO lowered to the time left after each short
/// write, and put back when the response is done.
struct Deadline<'f> {
    fd: BorrowedFd<'f>,
    timeout_ms: u64,
    at: u64,
    lowered: bool,
}

impl<'f> Deadline<'f> {
    fn new(fd: BorrowedFd<'f>, timeout_ms: u64) -> Deadline<'f> {
        Deadline {
            fd,
            timeout_ms,
            at: time::monotonic_ms() + timeout_ms,
            lowered: false,
        }
    }

    fn short_write(&mut self) -> Result<(), ()> {
        let now = time::monotonic_ms();
        if now >= self.at || net::set_timeout(self.fd, net::SO_SNDTIMEO, self.at - now).is_err() {
            return Err(());
        }
        self.lowered = true;
        Ok(())
    }

    fn restore(self, result: Result<(), ()>) -> Result<(), ()> {
        if self.lowered && result.is_ok() {
            let _ = net::set_timeout(self.fd, net::SO_SNDTIMEO, self.timeout_ms);
        }
        result
    }
}
