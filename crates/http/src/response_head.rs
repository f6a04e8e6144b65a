//! Writing a response head into a caller's buffer: status line, header fields, the blank line
//! (RFC 9112 §4, §5). The body never passes through here: the server sends head and body together
//! with one `writev`, so a static page goes from `.rodata` to the socket without a copy.

use crate::status;
use verbosel_digits::{DECIMAL_DIGITS, decimal};

/// Writes a response head into a fixed buffer. Once anything does not fit, every later call is
/// a no-op and [`HeadWriter::finish`] returns `None`: a head never goes out truncated.
pub struct HeadWriter<'a> {
    buf: &'a mut [u8],
    len: usize,
    overflow: bool,
}

impl<'a> HeadWriter<'a> {
    /// Starts an `HTTP/1.1` head with the status line for `code` (RFC 9112 §4: a server sends its
    /// own highest version, 1.1, even to 1.0 clients).
    pub fn new(buf: &'a mut [u8], code: u16) -> HeadWriter<'a> {
        let mut w = HeadWriter {
            buf,
            len: 0,
            overflow: false,
        };
        let mut digits = [0u8; DECIMAL_DIGITS];
        w.put(b"HTTP/1.1 ");
        w.put(decimal(code as u64, &mut digits));
        w.put(b" ");
        w.put(status::reason(code).as_bytes());
        w.put(b"\r\n");
        w
    }

    // Out of line: every header is four of these, and copying inline at each costs more than a call.
    #[inline(never)]
    fn put(&mut self, bytes: &[u8]) {
        if self.overflow {
            return;
        }
        // `get_mut`, not indexing: a head that does not fit is an overflow to report, not a panic.
        match self
            .buf
            .get_mut(self.len..)
            .and_then(|rest| rest.get_mut(..bytes.len()))
        {
            Some(dst) => {
                dst.copy_from_slice(bytes);
                self.len += bytes.len();
            }
            None => self.overflow = true,
        }
    }

    /// Adds `name: value`. Values containing CR, LF or NUL are dropped whole, never sent: a
    /// header value that came from a request must not be able to inject a header (RFC 9110 §5.5).
    pub fn header(&mut self, name: &[u8], value: &[u8]) -> &mut Self {
        if value.iter().any(|&b| b == b'\r' || b == b'\n' || b == 0) {
            return self;
        }
        self.put(name);
        self.put(b": ");
        self.put(value);
        self.put(b"\r\n");
        self
    }

    /// Adds a header with a decimal value (Content-Length).
    pub fn header_u64(&mut self, name: &[u8], value: u64) -> &mut Self {
        let mut digits = [0u8; DECIMAL_DIGITS];
        let v = decimal(value, &mut digits);
        self.put(name);
        self.put(b": ");
        self.put(v);
        self.put(b"\r\n");
        self
    }

    /// Adds pre-formatted header lines (each ending in CRLF), such as a configured set of
    /// security headers.
    pub fn raw(&mut self, lines: &[u8]) -> &mut Self {
        self.put(lines);
        self
    }

    /// Ends the head with the empty line; `None` if it did not fit.
    pub fn finish(mut self) -> Option<usize> {
        self.put(b"\r\n");
        if self.overflow { None } else { Some(self.len) }
    }

    /// Bytes written so far.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True if nothing has been written (never, after `new`).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_a_head() {
        let mut buf = [0u8; 256];
        let mut w = HeadWriter::new(&mut buf, 404);
        w.header(b"Content-Type", b"text/plain")
            .header_u64(b"Content-Length", 13);
        let n = w.finish().unwrap();
        assert_eq!(
            &buf[..n],
            b"HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\n"
        );
    }

    #[test]
    fn refuses_injection_and_overflow() {
        let mut buf = [0u8; 64];
        let mut w = HeadWriter::new(&mut buf, 302);
        w.header(b"Location", b"/x\r\nSet-Cookie: a=b");
        let n = w.finish().unwrap();
        assert_eq!(&buf[..n], b"HTTP/1.1 302 Found\r\n\r\n");
        let mut small = [0u8; 24];
        let mut w = HeadWriter::new(&mut small, 200);
        w.header(b"Server", b"verbosel");
        assert_eq!(w.finish(), None);
    }
}
