//! What a handler writes: a [`Response`] builder that ends in exactly one [`Sent`].
//!
//! The builder only collects; the response writer (`writer`) formats the head and sends it
//! with the body in one `writev`. A handler must return `Sent`, and only this module can make
//! one, so a handler that forgets to answer does not compile.

use crate::writer::{EMPTY, Length, ResponseWriter, TOO_MANY_PARTS};
use core::fmt;
use verbosel_digits::{HEX_DIGITS, hex, hex_digit};
use verbosel_http::{CookieError, SetCookie};

pub use crate::writer::{HANDLER_HEADERS_CAPACITY, HEAD_CAPACITY, MAX_PARTS};

/// Room for text formatted with [`Response::format`].
pub const FORMAT_CAPACITY: usize = 4096;

/// Proof that a response was sent. Only [`Response`] can make one.
#[must_use]
pub struct Sent(());

/// A response being built. Builder methods take and return it by value; a terminal method
/// (`send`, `text`, `html`, `json`, `redirect`, `empty`, `stream`…) writes it and returns [`Sent`].
pub struct Response<'r, 'f> {
    out: &'r mut ResponseWriter<'f>,
    status: u16,
}

impl<'r, 'f> Response<'r, 'f> {
    pub(crate) fn new(out: &'r mut ResponseWriter<'f>) -> Response<'r, 'f> {
        Response { out, status: 200 }
    }

    /// Sets the status code (default 200).
    pub fn status(mut self, code: u16) -> Self {
        self.status = code;
        self
    }

    /// Adds a header. A name that is not a token, a value with CR, LF or NUL, or more than
    /// [`HANDLER_HEADERS_CAPACITY`] bytes of headers is a mistake in the handler: nothing is
    /// injected, the client gets a 500 instead of this response, and stderr says why.
    pub fn header(self, name: &str, value: &str) -> Self {
        self.out.add_header(name.as_bytes(), value.as_bytes());
        self
    }

    /// Adds a `Set-Cookie` header (RFC 6265 §4.1). A cookie that [`SetCookie::check`] refuses
    /// (a value that would break the header, an attribute user agents would reject) is a
    /// mistake in the handler, as with [`Response::header`]: the client gets a 500 instead of
    /// this response, and stderr says why. Check first to answer such input with a 400.
    pub fn cookie(self, cookie: &SetCookie<'_>) -> Self {
        let mut buf = [0u8; HANDLER_HEADERS_CAPACITY];
        match cookie.write(&mut buf) {
            Ok(value) => self.out.add_header(b"Set-Cookie", value),
            Err(CookieError::TooLong) => self
                .out
                .fault("the handler's headers exceed HANDLER_HEADERS_CAPACITY"),
            Err(e) => self.out.fault(e.reason()),
        }
        self
    }

    /// Tells the connection to close after this response (`Connection: close`).
    pub fn close(self) -> Self {
        self.out.close();
        self
    }

    /// Sends `body` with this content type.
    pub fn send(self, content_type: &str, body: &[u8]) -> Sent {
        self.send_parts(content_type, &[body])
    }

    /// Sends the concatenation of `parts` (at most [`MAX_PARTS`]; more is a handler error, a
    /// logged 500) without copying them:
    /// `res.send_parts("text/plain", &[b"Hello, ", name.as_bytes(), b"!"])`.
    pub fn send_parts(self, content_type: &str, parts: &[&[u8]]) -> Sent {
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
        if parts.len() > MAX_PARTS {
            self.out.fault(TOO_MANY_PARTS);
        }
        for (b, p) in bytes.iter_mut().zip(parts) {
            *b = p.as_bytes();
        }
        let n = parts.len().min(MAX_PARTS);
        self.send_parts(
            "text/plain; charset=utf-8",
            bytes.get(..n).unwrap_or_default(),
        )
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

    /// Sends a body the response takes ownership of (`alloc` feature): a `Vec<u8>`, or a
    /// `String` (`Into<Vec<u8>>` takes its bytes without copying them). The bytes go out in
    /// the same single `writev` as a borrowed body's, and are freed once they are sent, so a
    /// handler can build its answer and return it in one expression:
    /// `res.send_owned("text/csv", rows.join("\n"))`.
    #[cfg(feature = "alloc")]
    pub fn send_owned(self, content_type: &str, body: impl Into<alloc::vec::Vec<u8>>) -> Sent {
        let body: alloc::vec::Vec<u8> = body.into();
        self.send(content_type, &body)
    }

    /// Sends owned UTF-8 text (`alloc` feature), as [`Response::text`].
    #[cfg(feature = "alloc")]
    pub fn text_owned(self, body: alloc::string::String) -> Sent {
        self.send_owned("text/plain; charset=utf-8", body)
    }

    /// Sends owned HTML (`alloc` feature), as [`Response::html`].
    #[cfg(feature = "alloc")]
    pub fn html_owned(self, body: alloc::string::String) -> Sent {
        self.send_owned("text/html; charset=utf-8", body)
    }

    /// Sends owned JSON text (`alloc` feature), as [`Response::json`]: what `serde_json::to_string`
    /// or `to_vec` returns.
    #[cfg(feature = "alloc")]
    pub fn json_owned(self, body: impl Into<alloc::vec::Vec<u8>>) -> Sent {
        self.send_owned("application/json", body)
    }

    /// Sends a status with an empty body (e.g. 204).
    pub fn empty(self) -> Sent {
        self.out
            .write(self.status, None, Length::Fixed(0), b"", EMPTY);
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
        let len = if self.out.http10() {
            Length::UntilClose
        } else {
            Length::Chunked
        };
        let chunked = matches!(len, Length::Chunked);
        self.out
            .write(self.status, Some(content_type.as_bytes()), len, b"", EMPTY);
        Stream {
            out: self.out,
            chunked,
        }
    }
}

/// A body being streamed; end it with [`Stream::finish`].
pub struct Stream<'r, 'f> {
    out: &'r mut ResponseWriter<'f>,
    chunked: bool,
}

impl Stream<'_, '_> {
    /// Sends the next piece of the body (empty pieces are skipped: an empty chunk would end it).
    pub fn write(&mut self, data: &[u8]) -> &mut Self {
        if self.out.head_only() || data.is_empty() {
            return self;
        }
        let n = data.len() as u64;
        if self.chunked {
            let mut h = [0u8; HEX_DIGITS];
            let size = hex(n, &mut h);
            self.out.write_raw(&[size, b"\r\n", data, b"\r\n"], n);
        } else {
            self.out.write_raw(&[data], n);
        }
        self
    }

    /// Whether the client is still there.
    pub fn is_open(&self) -> bool {
        !self.out.failed()
    }

    /// Ends the body.
    pub fn finish(self) -> Sent {
        if self.chunked && !self.out.head_only() {
            self.out.write_raw(&[b"0\r\n\r\n"], 0);
        }
        Sent(())
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
