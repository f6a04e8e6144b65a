//! What a handler writes: a [`Response`] builder that ends in exactly one [`Sent`].
//!
//! The head is formatted into a small stack buffer and goes out with the body in one `writev`:
//! a static body is never copied. A handler must return `Sent`, and only this module can make
//! one, so a handler that forgets to answer does not compile.

use core::fmt;
use verbosel_digits::{DECIMAL_DIGITS, HEX_DIGITS, decimal, hex, hex_digit};
use verbosel_http::date::IMF_FIXDATE_LEN;
use verbosel_http::response_head::HeadWriter;
use verbosel_http::status::forbids_body;
use verbosel_sys::io::{IoSlice, writev};
use verbosel_sys::{BorrowedFd, net};
use verbosel_sys::{Errno, time};

/// Room for the response head: status line, the fixed headers and a handler's own.
pub const HEAD_CAPACITY: usize = 1536;

/// Room for headers a handler adds (beyond what gets dropped, the response goes out without them).
pub const HANDLER_HEADERS_CAPACITY: usize = 512;

/// Body parts one `send_parts` call may gather.
pub const MAX_PARTS: usize = 14;

/// Room for text formatted with [`Response::format`].
pub const FORMAT_CAPACITY: usize = 4096;

/// Proof that a response was sent. Only [`Response`] can make one.
#[must_use]
pub struct Sent(());

/// The connection's output state, shared by every response on it.
pub(crate) struct Out<'f> {
    pub fd: BorrowedFd<'f>,
    /// HEAD request: headers as for GET, no body (RFC 9110 §9.3.2).
    pub head_only: bool,
    /// Whether the connection stays open after this response.
    pub keep_alive: bool,
    /// The client spoke HTTP/1.0: no chunked encoding, explicit `Connection: keep-alive`.
    pub http10: bool,
    pub date: [u8; IMF_FIXDATE_LEN],
    /// Header lines the app adds to every response (security headers), each ending in CRLF.
    pub extra: &'static [u8],
    /// What went out, for the access log.
    pub status: u16,
    pub bytes: u64,
    /// A write failed: the client is gone.
    pub failed: bool,
    /// How long one response may take to write, in ms, however slowly the client reads.
    pub send_timeout_ms: u64,
    /// Header lines the handler added (kept here, not in `Response`, so that passing a
    /// `Response` by value copies a pointer, not a buffer: stack pages are memory per connection).
    pub lines: [u8; HANDLER_HEADERS_CAPACITY],
    pub lines_len: usize,
}

impl<'f> Out<'f> {
    /// The output state for one response on `fd`: keep-alive and the client's version are
    /// filled in by the caller once the request is known.
    #[inline(never)] // five callers; the struct is mostly a zeroed header buffer
    pub(crate) fn new(
        fd: BorrowedFd<'f>,
        date: [u8; IMF_FIXDATE_LEN],
        extra: &'static [u8],
        send_timeout_ms: u64,
    ) -> Out<'f> {
        Out {
            fd,
            head_only: false,
            keep_alive: false,
            http10: false,
            date,
            extra,
            status: 0,
            bytes: 0,
            failed: false,
            send_timeout_ms,
            lines: [0; HANDLER_HEADERS_CAPACITY],
            lines_len: 0,
        }
    }
}

/// How the body is framed.
pub(crate) enum Length {
    Fixed(u64),
    Chunked,
    /// HTTP/1.0 streaming: the body ends when the connection closes.
    UntilClose,
}

const FIXED: &[u8] = b"Server: verbosel\r\nX-Powered-By: raw-syscalls\r\n";

impl Out<'_> {
    /// Writes a head and (unless HEAD or a bodiless status) the body parts, in one writev.
    pub(crate) fn write(
        &mut self,
        status: u16,
        ctype: Option<&[u8]>,
        len: Length,
        lines: &[u8],
        body: &[&[u8]],
    ) {
        let mut head = [0u8; HEAD_CAPACITY];
        let mut w = HeadWriter::new(&mut head, status);
        w.header(b"Date", &self.date).raw(FIXED);
        if let Some(ct) = ctype {
            w.header(b"Content-Type", ct);
        }
        match len {
            // RFC 9110 §8.6: no Content-Length in 1xx/204; a 304 describes the selected
            // representation, so it is simply omitted there too.
            Length::Fixed(_) if forbids_body(status) => {}
            Length::Fixed(n) => {
                w.header_u64(b"Content-Length", n);
            }
            Length::Chunked => {
                w.header(b"Transfer-Encoding", b"chunked");
            }
            Length::UntilClose => self.keep_alive = false,
        }
        // A SIGTERM that arrived while the handler ran: this is the connection's last response,
        // and it says so (RFC 9112 §9.6), so the client sends nothing more on it.
        if crate::connection::DRAINING.is_set() {
            self.keep_alive = false;
        }
        if !self.keep_alive {
            w.header(b"Connection", b"close");
        } else if self.http10 {
            w.header(b"Connection", b"keep-alive");
        }
        w.raw(self.extra)
            .raw(self.lines.get(..self.lines_len).unwrap_or_default())
            .raw(lines);
        let Some(head) = w.finish().and_then(|n| head.get(..n)) else {
            self.failed = true;
            return;
        };
        let mut iov = [IoSlice::EMPTY; MAX_PARTS + 1];
        iov[0] = IoSlice::new(head);
        let mut count = 1;
        let mut body_len = 0u64;
        if !self.head_only && !forbids_body(status) {
            for part in body.iter().take(MAX_PARTS) {
                iov[count] = IoSlice::new(part);
                body_len += part.len() as u64;
                count += 1;
            }
        }
        self.status = status;
        crate::connection::PANIC_STARTED.set(true);
        match send_all(self.fd, &mut iov[..count], self.send_timeout_ms) {
            Ok(()) => self.bytes += body_len,
            Err(()) => self.failed = true,
        }
    }

    /// Writes raw bytes (a chunk of a streamed body).
    fn write_raw(&mut self, parts: &[&[u8]]) {
        if self.failed {
            return;
        }
        let mut iov = [IoSlice::EMPTY; 4];
        for (slot, p) in iov.iter_mut().zip(parts) {
            *slot = IoSlice::new(p);
        }
        if send_all(
            self.fd,
            &mut iov[..parts.len().min(4)],
            self.send_timeout_ms,
        )
        .is_err()
        {
            self.failed = true;
        }
    }
}

/// Writes every buffer, within `timeout_ms` for the whole call. A client that reads a few bytes at
/// a time cannot stretch it: each blocking writev is bounded by SO_SNDTIMEO, and after a short
/// write SO_SNDTIMEO is lowered to the time left (and put back afterwards). The usual case,
/// everything accepted by the first writev, costs one vDSO clock read and no extra syscall.
fn send_all(fd: BorrowedFd<'_>, bufs: &mut [IoSlice<'_>], timeout_ms: u64) -> Result<(), ()> {
    let deadline = time::monotonic_ms() + timeout_ms;
    let mut lowered = false;
    let mut first = 0;
    let result = loop {
        while first < bufs.len() && bufs[first].is_empty() {
            first += 1;
        }
        if first == bufs.len() {
            break Ok(());
        }
        match writev(fd, &bufs[first..]) {
            Ok(0) => break Err(()),
            Ok(mut n) => {
                for b in bufs[first..].iter_mut() {
                    let take = n.min(b.len());
                    b.advance(take);
                    n -= take;
                    if n == 0 {
                        break;
                    }
                }
                if bufs[first..].iter().all(|b| b.is_empty()) {
                    break Ok(());
                }
                // A short write: the client's window is full, and the clock is running.
                let now = time::monotonic_ms();
                if now >= deadline
                    || net::set_timeout(fd, net::SO_SNDTIMEO, deadline - now).is_err()
                {
                    break Err(());
                }
                lowered = true;
            }
            Err(Errno::EINTR) => {}
            Err(_) => break Err(()),
        }
    };
    if lowered && result.is_ok() {
        let _ = net::set_timeout(fd, net::SO_SNDTIMEO, timeout_ms);
    }
    result
}

/// A response being built. Builder methods take and return it by value; a terminal method
/// (`send`, `text`, `html`, `json`, `redirect`, `empty`, `stream`…) writes it and returns [`Sent`].
pub struct Response<'r, 'f> {
    out: &'r mut Out<'f>,
    status: u16,
}

impl<'r, 'f> Response<'r, 'f> {
    pub(crate) fn new(out: &'r mut Out<'f>) -> Response<'r, 'f> {
        out.lines_len = 0;
        Response { out, status: 200 }
    }

    /// Sets the status code (default 200).
    pub fn status(mut self, code: u16) -> Self {
        self.status = code;
        self
    }

    /// Adds a header. A name that is not a token, or a value with CR, LF or NUL, is dropped: a
    /// value that came from a request can never inject a header.
    pub fn header(self, name: &str, value: &str) -> Self {
        let (n, v) = (name.as_bytes(), value.as_bytes());
        let valid = !n.is_empty()
            && verbosel_http::chars::is_token(n)
            && !v.iter().any(|&b| b == b'\r' || b == b'\n' || b == 0);
        let need = n.len() + 2 + v.len() + 2;
        let len = self.out.lines_len;
        if valid && len + need <= self.out.lines.len() {
            let mut at = len;
            for part in [n, b": ", v, b"\r\n"] {
                self.out.lines[at..at + part.len()].copy_from_slice(part);
                at += part.len();
            }
            self.out.lines_len = at;
        }
        self
    }

    /// Tells the connection to close after this response (`Connection: close`).
    pub fn close(self) -> Self {
        self.out.keep_alive = false;
        self
    }

    /// Sends `body` with this content type.
    pub fn send(self, content_type: &str, body: &[u8]) -> Sent {
        self.send_parts(content_type, &[body])
    }

    /// Sends the concatenation of `parts` (at most [`MAX_PARTS`]) without copying them:
    /// `res.send_parts("text/plain", &[b"Hello, ", name.as_bytes(), b"!"])`.
    pub fn send_parts(self, content_type: &str, parts: &[&[u8]]) -> Sent {
        let parts = &parts[..parts.len().min(MAX_PARTS)];
        let len: u64 = parts.iter().map(|p| p.len() as u64).sum();
        self.out.write(
            self.status,
            Some(content_type.as_bytes()),
            Length::Fixed(len),
            b"",
            parts,
        );
        Sent(())
    }

    /// Sends plain UTF-8 text.
    pub fn text(self, body: &str) -> Sent {
        self.send("text/plain; charset=utf-8", body.as_bytes())
    }

    /// Sends the concatenation of text parts.
    pub fn text_parts(self, parts: &[&str]) -> Sent {
        let mut bytes: [&[u8]; MAX_PARTS] = [&[]; MAX_PARTS];
        let n = parts.len().min(MAX_PARTS);
        for (b, p) in bytes.iter_mut().zip(parts) {
            *b = p.as_bytes();
        }
        self.send_parts("text/plain; charset=utf-8", &bytes[..n])
    }

    /// Sends HTML.
    pub fn html(self, body: &str) -> Sent {
        self.send("text/html; charset=utf-8", body.as_bytes())
    }

    /// Sends JSON (the caller provides the serialized text).
    pub fn json(self, body: &str) -> Sent {
        self.send("application/json", body.as_bytes())
    }

    /// Sends the concatenation of JSON fragments.
    pub fn json_parts(self, parts: &[&[u8]]) -> Sent {
        self.send_parts("application/json", parts)
    }

    /// Sends text formatted with `format_args!` into a fixed buffer of [`FORMAT_CAPACITY`] bytes
    /// (longer output is cut there). Pulls `core::fmt` into the binary: a few KB.
    pub fn format(self, content_type: &str, args: fmt::Arguments<'_>) -> Sent {
        struct Buf {
            bytes: [u8; FORMAT_CAPACITY],
            len: usize,
        }
        impl fmt::Write for Buf {
            fn write_str(&mut self, s: &str) -> fmt::Result {
                let take = s.len().min(self.bytes.len() - self.len);
                self.bytes[self.len..self.len + take].copy_from_slice(&s.as_bytes()[..take]);
                self.len += take;
                Ok(())
            }
        }
        let mut buf = Buf {
            bytes: [0; FORMAT_CAPACITY],
            len: 0,
        };
        let _ = fmt::write(&mut buf, args);
        self.send(content_type, &buf.bytes[..buf.len])
    }

    /// Sends a status with an empty body (e.g. 204).
    pub fn empty(self) -> Sent {
        self.out
            .write(self.status, None, Length::Fixed(0), b"", &[]);
        Sent(())
    }

    /// Redirects to `location` with `code` (301, 302, 303, 307 or 308).
    pub fn redirect(self, code: u16, location: &str) -> Sent {
        self.status(code)
            .header("Location", location)
            .send_parts("text/plain; charset=utf-8", &[b"redirecting\n"])
    }

    /// Starts a streamed body: chunked for HTTP/1.1 clients (RFC 9112 §7.1), ended by closing
    /// the connection for HTTP/1.0 ones.
    pub fn stream(self, content_type: &str) -> Stream<'r, 'f> {
        let len = if self.out.http10 {
            Length::UntilClose
        } else {
            Length::Chunked
        };
        let chunked = matches!(len, Length::Chunked);
        self.out
            .write(self.status, Some(content_type.as_bytes()), len, b"", &[]);
        Stream {
            out: self.out,
            chunked,
        }
    }
}

/// A body being streamed; end it with [`Stream::finish`].
pub struct Stream<'r, 'f> {
    out: &'r mut Out<'f>,
    chunked: bool,
}

impl Stream<'_, '_> {
    /// Sends the next piece of the body (empty pieces are skipped: an empty chunk would end it).
    pub fn write(&mut self, data: &[u8]) -> &mut Self {
        if self.out.head_only || data.is_empty() {
            return self;
        }
        if self.chunked {
            let mut h = [0u8; HEX_DIGITS];
            let size = hex(data.len() as u64, &mut h);
            self.out.write_raw(&[size, b"\r\n", data, b"\r\n"]);
        } else {
            self.out.write_raw(&[data]);
        }
        self.out.bytes += data.len() as u64;
        self
    }

    /// Whether the client is still there.
    pub fn is_open(&self) -> bool {
        !self.out.failed
    }

    /// Ends the body.
    pub fn finish(self) -> Sent {
        if self.chunked && !self.out.head_only {
            self.out.write_raw(&[b"0\r\n\r\n"]);
        }
        Sent(())
    }
}

/// A canned error response: status line, short text body, `Connection: close`.
#[inline(never)]
pub(crate) fn error(out: &mut Out<'_>, status: u16, reason: &str, extra_lines: &[u8]) {
    out.keep_alive = false;
    let mut digits = [0u8; DECIMAL_DIGITS];
    let code = decimal(status as u64, &mut digits);
    let phrase = verbosel_http::status::reason(status).as_bytes();
    let body: [&[u8]; 6] = [code, b" ", phrase, b": ", reason.as_bytes(), b"\n"];
    let len: u64 = body.iter().map(|b| b.len() as u64).sum();
    out.write(
        status,
        Some(b"text/plain; charset=utf-8"),
        Length::Fixed(len),
        extra_lines,
        &body,
    );
}

/// After an error the client may still be sending (a body we refused): half-close, then read
/// and discard for a moment, so that our response is not destroyed by a TCP reset when the
/// kernel closes a socket with unread data (RFC 9112 §9.6, "lingering close").
#[inline(never)]
pub(crate) fn linger(fd: BorrowedFd<'_>, scratch: &mut [u8]) {
    /// How long to keep draining: enough for a client to read our answer and stop sending.
    const LINGER_MS: u64 = 2000;
    /// How much to drain at most before giving up and closing anyway.
    const LINGER_BYTES: usize = 256 * 1024;
    if net::shutdown(fd, net::SHUT_WR).is_err() {
        return;
    }
    // A total deadline, not a per-read timeout: a client that keeps trickling bytes must not
    // keep this process (and its --max-conns slot) alive.
    let deadline = verbosel_sys::time::monotonic_ms() + LINGER_MS;
    let mut drained = 0;
    while drained < LINGER_BYTES {
        let now = verbosel_sys::time::monotonic_ms();
        if now >= deadline || net::set_timeout(fd, net::SO_RCVTIMEO, deadline - now).is_err() {
            return;
        }
        match verbosel_sys::io::read(fd, scratch) {
            Ok(0) | Err(_) => return,
            Ok(n) => drained += n,
        }
    }
}

/// Escapes `s` as the inside of a JSON string (RFC 8259 §7) into `out`; `None` if it does not
/// fit. For building JSON from request data without an allocator.
pub fn json_escape<'o>(s: &str, out: &'o mut [u8]) -> Option<&'o str> {
    let mut n = 0;
    for &b in s.as_bytes() {
        let esc: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0..=0x1f => &[b'\\', b'u', b'0', b'0', hex_digit(b >> 4), hex_digit(b)],
            _ => core::slice::from_ref(&b),
        };
        out.get_mut(n..n + esc.len())?.copy_from_slice(esc);
        n += esc.len();
    }
    core::str::from_utf8(&out[..n]).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_json() {
        let mut buf = [0u8; 64];
        assert_eq!(
            json_escape("a\"b\\c\nd\u{1}é", &mut buf),
            Some("a\\\"b\\\\c\\nd\\u0001é")
        );
        let mut small = [0u8; 2];
        assert_eq!(json_escape("abc", &mut small), None);
    }
}
