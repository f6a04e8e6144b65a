//! Logging: the access log on stdout, everything else on stderr. Each line is built in a stack
//! buffer and written with a single write(2): lines from many processes never interleave, because
//! writes of up to PIPE_BUF bytes to a pipe are atomic (pipe(7)) and each line is far shorter.
//!
//! A log line never holds a connection hostage: when stdout or stderr is a pipe (or a terminal),
//! the server writes to it through a non-blocking open file description of its own, so a reader
//! that stalls makes a write fail with EAGAIN instead of blocking. The line is then dropped whole
//! (a pipe write of at most PIPE_BUF bytes is all or nothing), counted in memory every process
//! shares, and the episode is reported on stderr once when it begins and once when it ends.

use core::sync::atomic::{AtomicI32, AtomicU8, Ordering};
use verbosel_digits::{DECIMAL_DIGITS, decimal, hex_digit};
use verbosel_http::RequestHead;
use verbosel_sys::net::SocketAddr;
use verbosel_sys::{BorrowedFd, Errno, io};

/// Longest log line; longer request targets are cut to fit.
pub const LINE_CAPACITY: usize = 768;

/// A line being built.
pub(crate) struct Line {
    buf: [u8; LINE_CAPACITY],
    len: usize,
}

impl Line {
    pub(crate) fn new() -> Line {
        Line {
            buf: [0; LINE_CAPACITY],
            len: 0,
        }
    }

    #[inline(never)] // dozens of callers
    pub(crate) fn put(&mut self, bytes: &[u8]) -> &mut Self {
        // Keep room for the newline: the last byte is never filled here.
        let free = self.buf[..LINE_CAPACITY - 1]
            .get_mut(self.len..)
            .unwrap_or_default();
        let take = bytes.len().min(free.len());
        free[..take].copy_from_slice(&bytes[..take]);
        self.len += take;
        self
    }

    /// Appends bytes that came from the network: control bytes, quotes and backslashes are
    /// escaped, so a request cannot forge log lines.
    pub(crate) fn put_escaped(&mut self, bytes: &[u8]) -> &mut Self {
        for &b in bytes {
            if (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\' {
                self.put(&[b]);
            } else {
                self.put(&[b'\\', b'x', hex_digit(b >> 4), hex_digit(b)]);
            }
        }
        self
    }

    #[inline(never)] // eleven callers
    pub(crate) fn num(&mut self, n: u64) -> &mut Self {
        let mut d = [0u8; DECIMAL_DIGITS];
        self.put(decimal(n, &mut d))
    }

    pub(crate) fn addr(&mut self, a: Option<SocketAddr>) -> &mut Self {
        match a {
            None => self.put(b"-"),
            Some(SocketAddr::V4(ip, _)) => self.ipv4(ip),
            // IPv4-mapped (::ffff:a.b.c.d), as seen on a dual-stack socket: log the IPv4 form.
            Some(SocketAddr::V6(ip, _, _))
                if ip[..10] == [0; 10] && ip[10] == 0xff && ip[11] == 0xff =>
            {
                self.ipv4([ip[12], ip[13], ip[14], ip[15]])
            }
            Some(SocketAddr::V6(ip, _, _)) => self.ipv6(ip),
        }
    }

    /// An IPv6 address in RFC 5952 form: lower-case hex without leading zeros (§4.1, §4.3), the
    /// longest run of two or more zero groups as `::`, the first of equal runs (§4.2).
    fn ipv6(&mut self, ip: [u8; 16]) -> &mut Self {
        let mut words = [0u16; 8];
        for (w, pair) in words.iter_mut().zip(ip.chunks_exact(2)) {
            *w = u16::from_be_bytes([pair[0], pair[1]]);
        }
        // The longest run of zero groups: (start, length).
        let (mut best, mut run) = ((0, 0), (0, 0));
        for (i, &w) in words.iter().enumerate() {
            run = if w == 0 {
                (run.0, run.1 + 1)
            } else {
                (i + 1, 0)
            };
            if run.1 > best.1 {
                best = run;
            }
        }
        let (gap, gap_len) = if best.1 >= 2 { best } else { (8, 0) };
        let mut i = 0;
        while i < 8 {
            if i == gap {
                self.put(b"::");
                i += gap_len;
                continue;
            }
            if i > 0 && i != gap + gap_len {
                self.put(b":");
            }
            let w = words.get(i).copied().unwrap_or(0);
            let mut started = false;
            for shift in [12u16, 8, 4, 0] {
                let d = (w >> shift) & 15;
                if d != 0 || started || shift == 0 {
                    self.put(&[hex_digit(d as u8)]);
                    started = true;
                }
            }
            i += 1;
        }
        self
    }

    fn ipv4(&mut self, ip: [u8; 4]) -> &mut Self {
        for (i, o) in ip.iter().enumerate() {
            if i > 0 {
                self.put(b".");
            }
            self.num(*o as u64);
        }
        self
    }

    pub(crate) fn bytes(&mut self) -> &[u8] {
        let end = self.len.min(LINE_CAPACITY - 1);
        self.buf[end] = b'\n';
        &self.buf[..=end]
    }

    /// Writes the line to `fd` in one call (errors ignored: logging must never stop serving).
    pub(crate) fn write_to(&mut self, fd: BorrowedFd<'_>) {
        let _ = io::write(fd, self.bytes());
    }
}

/// Makes stdout and stderr non-blocking for this server's processes only, when they are pipes
/// or terminals: each is reopened through /proc/self/fd, which gives a new open file description
/// of the same pipe or terminal, non-blocking, and put in place with dup3. Other processes that
/// share the original description (a shell, a log collector) are not affected. Regular files
/// never stall and stay as they are; sockets cannot be reopened this way and stay blocking; so
/// does everything when /proc is not mounted.
pub(crate) fn make_writes_nonblocking() {
    const O_WRONLY: u32 = 0o1;
    const O_NOCTTY: u32 = 0o400;
    let flags = O_WRONLY | O_NOCTTY | io::O_NONBLOCK | io::O_CLOEXEC;
    for (fd, path) in [
        (BorrowedFd::STDOUT, c"/proc/self/fd/1"),
        (BorrowedFd::STDERR, c"/proc/self/fd/2"),
    ] {
        if verbosel_sys::fs::is_seekable(fd) {
            continue;
        }
        if let Ok(own) = verbosel_sys::fs::open(path, flags) {
            let _ = io::dup_onto(own.as_fd(), fd);
        }
    }
}

/// Access-log lines dropped because stdout's reader did not keep up: counters in memory every
/// process of the server shares (mapped by the parent before the first fork).
#[derive(Clone, Copy)]
pub(crate) struct Drops {
    /// Lines dropped in the current episode.
    count: &'static AtomicI32,
    /// Whether an episode is going on (its start was reported).
    episode: &'static AtomicI32,
}

impl Drops {
    /// Counters over two shared words.
    pub(crate) fn new(count: &'static AtomicI32, episode: &'static AtomicI32) -> Drops {
        Drops { count, episode }
    }

    /// Writes one access-log line to stdout; drops it if the reader is not keeping up.
    fn write(&self, line: &[u8]) {
        loop {
            match io::write(BorrowedFd::STDOUT, line) {
                Err(Errno::EINTR) => continue,
                Err(Errno::EAGAIN) => return self.dropped(),
                _ => break,
            }
        }
        if self.episode.load(Ordering::Relaxed) != 0 && self.episode.swap(0, Ordering::AcqRel) != 0
        {
            let n = self.count.swap(0, Ordering::AcqRel).max(0) as u64;
            let mut digits = [0u8; DECIMAL_DIGITS];
            error(&[
                b"access log: ",
                decimal(n, &mut digits),
                b" lines dropped while stdout's reader was not keeping up",
            ]);
        }
    }

    fn dropped(&self) {
        self.count.fetch_add(1, Ordering::AcqRel);
        if self.episode.swap(1, Ordering::AcqRel) == 0 {
            error(&[
                b"access log: stdout's reader is not keeping up: dropping lines until it does",
            ]);
        }
    }
}

/// Longest program name kept for the stderr prefix; a longer `App::name` is cut there.
pub const MAX_PROGRAM_NAME: usize = 32;

/// The app's name, the prefix of every stderr line, copied here once at start-up (before any
/// fork, so every process has it): bytes in atomics, which a static can hold without `unsafe`.
static PROGRAM_NAME: [AtomicU8; MAX_PROGRAM_NAME] = [const { AtomicU8::new(0) }; MAX_PROGRAM_NAME];
static PROGRAM_NAME_LEN: AtomicU8 = AtomicU8::new(0);

/// Sets the prefix of every line on stderr to `name`.
pub(crate) fn set_program_name(name: &str) {
    let mut n = 0;
    for (slot, &b) in PROGRAM_NAME.iter().zip(name.as_bytes()) {
        slot.store(b, Ordering::Relaxed);
        n += 1;
    }
    PROGRAM_NAME_LEN.store(n as u8, Ordering::Release);
}

/// Writes a line to stderr: `PROGRAM: message`.
#[inline(never)]
pub(crate) fn error(parts: &[&[u8]]) {
    let mut l = Line::new();
    let mut name = [0u8; MAX_PROGRAM_NAME];
    let len = PROGRAM_NAME_LEN.load(Ordering::Acquire) as usize;
    for (b, slot) in name.iter_mut().zip(&PROGRAM_NAME).take(len) {
        *b = slot.load(Ordering::Relaxed);
    }
    let name: &[u8] = match name.get(..len) {
        Some(n) if !n.is_empty() => n,
        _ => b"verbosel",
    };
    l.put(name).put(b": ");
    for p in parts {
        l.put(p);
    }
    l.write_to(BorrowedFd::STDERR);
}

/// One access-log line: `client [date] "request line" status bytes duration`; the request line
/// is `-` for a request that could not be parsed.
#[inline(never)]
pub(crate) fn access(
    drops: Drops,
    client: Option<SocketAddr>,
    head: Option<&RequestHead<'_, '_>>,
    status: u16,
    bytes: u64,
    micros: u64,
    date: &[u8],
) {
    let mut l = Line::new();
    l.addr(client);
    l.put(b" [").put(date).put(b"] \"");
    match head {
        Some(head) => {
            let target = head.target_raw;
            l.put_escaped(head.method_raw).put(b" ");
            l.put_escaped(&target[..target.len().min(512)]);
            // The version as received (HTTP/1.5 is answered as 1.1, and logged as sent).
            let v = head.version;
            l.put(b" HTTP/")
                .put(&[b'0' + v.major % 10, b'.', b'0' + v.minor % 10])
                .put(b"\" ");
        }
        None => {
            l.put(b"-\" ");
        }
    }
    l.num(status as u64)
        .put(b" ")
        .num(bytes)
        .put(b" ")
        .num(micros)
        .put(b"us");
    drops.write(l.bytes());
}

/// Proxies in front of the server, at most, for `--trust-proxy-hops`.
pub const MAX_PROXY_HOPS: u64 = 16;

/// The client's address as the `hops`-th trusted proxy from the server saw it: the `hops`-th
/// entry from the right of `X-Forwarded-For`, read as one list across all its field lines
/// (RFC 9110 §5.3), empty entries skipped (§5.6.1). A proxy appends the address it received from
/// to whatever the client sent, so only entries from the right are trustworthy; the leftmost is
/// the client's own word. `None` (log the peer) if there is no such entry or it is not an IP
/// address: nothing a client writes can shift or blank the log's fields.
#[inline(never)] // only with --trust-proxy; shares parse_ip with the command line
pub(crate) fn forwarded_client(head: &RequestHead<'_, '_>, hops: u32) -> Option<SocketAddr> {
    // Two passes over the entries: count them, then take the one `hops` from the right.
    let (count, _) = forwarded_entry(head, usize::MAX);
    let (_, entry) = forwarded_entry(head, count.checked_sub(hops as usize)?);
    crate::cli::parse_ip(entry?)
}

/// The number of non-empty X-Forwarded-For entries, and the `index`th of them.
fn forwarded_entry<'b>(head: &RequestHead<'b, '_>, index: usize) -> (usize, Option<&'b [u8]>) {
    let mut count = 0;
    let mut found = None;
    for value in head.headers_named(b"x-forwarded-for") {
        for entry in value.split(|&b| b == b',') {
            let entry = verbosel_http::chars::trim_ows(entry);
            if !entry.is_empty() {
                if count == index {
                    found = Some(entry);
                }
                count += 1;
            }
        }
    }
    (count, found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use verbosel_http::{Header, ParseLimits, Parsed, parse_request};

    #[test]
    fn the_forwarded_client_is_counted_from_the_right_and_must_be_an_address() {
        let cases: &[(&str, u32, Option<[u8; 4]>)] = &[
            (
                "X-Forwarded-For: 1.1.1.1, 2.2.2.2\r\n",
                1,
                Some([2, 2, 2, 2]),
            ),
            (
                "X-Forwarded-For: 1.1.1.1, 2.2.2.2\r\n",
                2,
                Some([1, 1, 1, 1]),
            ),
            ("X-Forwarded-For: 1.1.1.1, 2.2.2.2\r\n", 3, None),
            (
                "X-Forwarded-For: 1.1.1.1\r\nX-Forwarded-For: 2.2.2.2,\r\n",
                1,
                Some([2, 2, 2, 2]),
            ),
            (
                "X-Forwarded-For: 1.1.1.1\r\nX-Forwarded-For: 2.2.2.2,\r\n",
                2,
                Some([1, 1, 1, 1]),
            ),
            ("X-Forwarded-For: ,,\r\n", 1, None),
            ("X-Forwarded-For: 1.1.1.1 extra\r\n", 1, None),
            ("X-Forwarded-For: unknown\r\n", 1, None),
            ("", 1, None),
        ];
        for &(fields, hops, want) in cases {
            let request = format!("GET / HTTP/1.1\r\nHost: h\r\n{fields}\r\n");
            let mut headers = [Header::EMPTY; 8];
            let Ok(Parsed::Complete((head, _))) =
                parse_request(request.as_bytes(), &mut headers, &ParseLimits::DEFAULT)
            else {
                panic!("{request:?}");
            };
            let want = want.map(|ip| SocketAddr::V4(ip, 0));
            assert_eq!(forwarded_client(&head, hops), want, "{fields:?} {hops}");
        }
        let mut v6 = [0u8; 16];
        v6[..2].copy_from_slice(&[0x20, 0x01]);
        v6[15] = 1;
        let request = "GET / HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: [2001::1]\r\n\r\n";
        let mut headers = [Header::EMPTY; 8];
        let Ok(Parsed::Complete((head, _))) =
            parse_request(request.as_bytes(), &mut headers, &ParseLimits::DEFAULT)
        else {
            panic!()
        };
        assert_eq!(forwarded_client(&head, 1), Some(SocketAddr::V6(v6, 0, 0)));
    }

    #[test]
    fn formats_addresses_and_escapes() {
        let mut l = Line::new();
        l.addr(Some(SocketAddr::V4([127, 0, 0, 1], 9))).put(b" ");
        let mut mapped = [0u8; 16];
        mapped[10] = 0xff;
        mapped[11] = 0xff;
        mapped[12..].copy_from_slice(&[10, 0, 0, 2]);
        l.addr(Some(SocketAddr::V6(mapped, 1, 0))).put(b" ");
        let mut one = [0u8; 16];
        one[15] = 1;
        l.addr(Some(SocketAddr::V6(one, 1, 0)))
            .put(b" ")
            .put_escaped(b"a\"b\n");
        assert_eq!(l.bytes(), b"127.0.0.1 10.0.0.2 ::1 a\\x22b\\x0a\n");
    }

    #[test]
    fn ipv6_addresses_are_logged_in_rfc_5952_form() {
        let cases: &[([u16; 8], &str)] = &[
            ([0; 8], "::"),
            ([0, 0, 0, 0, 0, 0, 0, 1], "::1"),
            ([0x2001, 0xdb8, 0, 0, 0, 0, 0, 1], "2001:db8::1"),
            // The longest run of zeros is shortened; the first of two equal runs (§4.2.3).
            ([0x2001, 0xdb8, 0, 0, 1, 0, 0, 1], "2001:db8::1:0:0:1"),
            ([0x2001, 0, 0, 1, 0, 0, 0, 1], "2001:0:0:1::1"),
            // A single zero group is not shortened (§4.2.2); lower case, no leading zeros.
            ([0x2001, 0xdb8, 0, 1, 1, 1, 1, 1], "2001:db8:0:1:1:1:1:1"),
            (
                [0xfe80, 0, 0, 0, 0xABCD, 0x0DEF, 0, 0],
                "fe80::abcd:def:0:0",
            ),
            ([1, 0, 0, 0, 0, 0, 0, 0], "1::"),
        ];
        for &(words, want) in cases {
            let mut ip = [0u8; 16];
            for (pair, w) in ip.chunks_exact_mut(2).zip(words) {
                pair.copy_from_slice(&w.to_be_bytes());
            }
            let mut l = Line::new();
            l.addr(Some(SocketAddr::V6(ip, 0, 0)));
            assert_eq!(
                core::str::from_utf8(l.bytes()).unwrap(),
                format!("{want}\n")
            );
        }
    }

    #[test]
    fn long_lines_are_cut_not_overflowed() {
        let mut l = Line::new();
        for _ in 0..200 {
            l.put(b"0123456789");
        }
        assert_eq!(l.bytes().len(), LINE_CAPACITY);
        assert_eq!(*l.bytes().last().unwrap(), b'\n');
    }
}
