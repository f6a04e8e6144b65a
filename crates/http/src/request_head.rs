//! The request head parser: request-line and header section (RFC 9112 §2–§5).
//!
//! [`parse_request`] is stateless: the server calls it on everything received
//! so far and gets [`Parsed::Partial`] (read more), a complete
//! [`RequestHead`] with the offset of the first body byte, or a
//! [`ParseError`] that names the broken grammar rule and the status to answer.
//!
//! The grammar is strict: nothing is repaired, guessed or silently skipped,
//! except the empty lines RFC 9112 §2.2 asks servers to tolerate before the
//! request-line. Every strict prefix of a valid request parses as `Partial`
//! (unless a [`ParseLimits`] value is already exceeded), so a server can never
//! reject a request just because it arrived in small pieces.

use crate::authority;
use crate::chars::{field_value_run, target_run, token_run, trim_ows};

/// How many empty lines (CRLF) before the request-line are skipped.
///
/// RFC 9112 §2.2 asks a server to ignore "at least one" such line, for clients
/// that send an extra CRLF after a POST body. A few are tolerated; an endless
/// stream of them is not a request and is rejected.
pub const MAX_LEADING_EMPTY_LINES: usize = 4;

/// A request method (RFC 9110 §9).
///
/// Methods are case-sensitive (RFC 9110 §9.1): `get` is not `GET` but an
/// unknown method, [`Method::Other`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Method {
    /// `GET` (RFC 9110 §9.3.1).
    Get,
    /// `HEAD` (RFC 9110 §9.3.2).
    Head,
    /// `POST` (RFC 9110 §9.3.3).
    Post,
    /// `PUT` (RFC 9110 §9.3.4).
    Put,
    /// `DELETE` (RFC 9110 §9.3.5).
    Delete,
    /// `CONNECT` (RFC 9110 §9.3.6).
    Connect,
    /// `OPTIONS` (RFC 9110 §9.3.7).
    Options,
    /// `TRACE` (RFC 9110 §9.3.8).
    Trace,
    /// `PATCH` (RFC 5789).
    Patch,
    /// Any other syntactically valid method token; the raw name is in
    /// [`RequestHead::method_raw`]. A server that does not implement it
    /// answers 501 (RFC 9110 §9.1).
    Other,
}

impl Method {
    /// Maps a method token to a known method; any other bytes map to
    /// [`Method::Other`] (the token syntax itself is checked by the parser).
    #[inline]
    pub fn from_bytes(token: &[u8]) -> Method {
        match token {
            b"GET" => Method::Get,
            b"HEAD" => Method::Head,
            b"POST" => Method::Post,
            b"PUT" => Method::Put,
            b"DELETE" => Method::Delete,
            b"CONNECT" => Method::Connect,
            b"OPTIONS" => Method::Options,
            b"TRACE" => Method::Trace,
            b"PATCH" => Method::Patch,
            _ => Method::Other,
        }
    }

    /// The method's name as sent on the wire, or `""` for [`Method::Other`].
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Head => "HEAD",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
            Method::Connect => "CONNECT",
            Method::Options => "OPTIONS",
            Method::Trace => "TRACE",
            Method::Patch => "PATCH",
            Method::Other => "",
        }
    }
}

/// One header field line, borrowed from the request buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header<'b> {
    /// The field name as received (a token; compare it ASCII case-insensitively,
    /// RFC 9110 §5.1).
    pub name: &'b [u8],
    /// The field value with leading and trailing OWS removed (RFC 9112 §5.1).
    pub value: &'b [u8],
}

impl<'b> Header<'b> {
    /// An empty header, to initialise the caller's header array.
    pub const EMPTY: Header<'b> = Header {
        name: &[],
        value: &[],
    };
}

/// The request-target (RFC 9112 §3.2), split into its parts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target<'b> {
    /// `origin-form = absolute-path [ "?" query ]` (RFC 9112 §3.2.1), the usual
    /// form: `/index.html?x=1`.
    Origin {
        /// The raw, still percent-encoded path; always starts with `/`.
        path: &'b [u8],
        /// The raw query after the first `?`, if there was a `?`.
        query: Option<&'b [u8]>,
    },
    /// `absolute-form = absolute-URI` (RFC 9112 §3.2.2), as sent to proxies;
    /// a server must accept it for any method. Only `http` and `https` are
    /// accepted.
    Absolute {
        /// `http` or `https`, in the case received.
        scheme: &'b [u8],
        /// The validated `uri-host [ ":" port ]`; takes the place of the Host
        /// field (RFC 9112 §3.2.2).
        authority: &'b [u8],
        /// The raw path; `/` when the URI has an empty path (RFC 9112 §3.2.1).
        path: &'b [u8],
        /// The raw query after the first `?`, if there was a `?`.
        query: Option<&'b [u8]>,
    },
    /// `authority-form = uri-host ":" port` (RFC 9112 §3.2.3), only with CONNECT.
    Authority(&'b [u8]),
    /// `asterisk-form = "*"` (RFC 9112 §3.2.4), only with OPTIONS.
    Asterisk,
}

impl<'b> Target<'b> {
    /// The raw path of an origin- or absolute-form target.
    pub fn path(&self) -> Option<&'b [u8]> {
        match *self {
            Target::Origin { path, .. } | Target::Absolute { path, .. } => Some(path),
            Target::Authority(_) | Target::Asterisk => None,
        }
    }

    /// The raw query of an origin- or absolute-form target, if it had a `?`.
    pub fn query(&self) -> Option<&'b [u8]> {
        match *self {
            Target::Origin { query, .. } | Target::Absolute { query, .. } => query,
            Target::Authority(_) | Target::Asterisk => None,
        }
    }
}

/// The protocol version of the request-line (RFC 9112 §2.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    /// The major version; the parser only returns 1.
    pub major: u8,
    /// The minor version, 0–9. Any minor above 1 is treated as 1.1
    /// (RFC 9110 §2.5: answer with the highest minor version we support).
    pub minor: u8,
}

impl Version {
    /// HTTP/1.0.
    pub const HTTP_10: Version = Version { major: 1, minor: 0 };
    /// HTTP/1.1.
    pub const HTTP_11: Version = Version { major: 1, minor: 1 };

    /// Whether the HTTP/1.1 rules apply (persistent connections by default,
    /// Host required, chunked allowed): true for 1.1 and any later 1.x.
    #[inline]
    pub fn is_http11(self) -> bool {
        self.major == 1 && self.minor >= 1
    }
}

/// Size limits enforced while parsing, also on incomplete input so a server
/// can stop reading as soon as a request cannot fit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParseLimits {
    /// Longest request-line, without its CRLF; beyond it: 414.
    pub max_request_line: usize,
    /// Longest head (leading empty lines, request-line, fields and the final
    /// empty line); beyond it: 431.
    pub max_head: usize,
    /// Most header field lines; beyond it: 431.
    pub max_headers: usize,
}

impl ParseLimits {
    /// 8 KiB request-line: RFC 9112 §3 recommends supporting request-lines of
    /// at least 8000 octets, and it is what common servers allow for a URI.
    pub const MAX_REQUEST_LINE: usize = 8 * 1024;
    /// 16 KiB head: room for an 8 KiB request-line plus a browser's cookies and
    /// the usual dozen fields, while a child process's read buffer stays small.
    pub const MAX_HEAD: usize = 16 * 1024;
    /// 64 field lines: browsers send about 15, proxies add a few; far more is
    /// an attack on the per-field work, not a real request.
    pub const MAX_HEADERS: usize = 64;

    /// The limits above.
    pub const DEFAULT: ParseLimits = ParseLimits {
        max_request_line: ParseLimits::MAX_REQUEST_LINE,
        max_head: ParseLimits::MAX_HEAD,
        max_headers: ParseLimits::MAX_HEADERS,
    };
}

impl Default for ParseLimits {
    fn default() -> Self {
        ParseLimits::DEFAULT
    }
}

/// A parsed request head, borrowing the input buffer (`'b`) and the caller's
/// header array (`'h`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestHead<'b, 'h> {
    /// The method, or [`Method::Other`] for an unknown token.
    pub method: Method,
    /// The method token as received.
    pub method_raw: &'b [u8],
    /// The request-target, split by form.
    pub target: Target<'b>,
    /// The request-target as received.
    pub target_raw: &'b [u8],
    /// The protocol version (major is always 1).
    pub version: Version,
    /// The header field lines in the order received.
    pub headers: &'h [Header<'b>],
}

impl<'b> RequestHead<'b, '_> {
    /// The value of the first field named `name` (ASCII case-insensitive,
    /// RFC 9110 §5.1).
    pub fn header(&self, name: &[u8]) -> Option<&'b [u8]> {
        self.headers_named(name).next()
    }

    /// A list-valued field (`#element` in RFC 9110) as one value: its single
    /// line as received, or, when it was sent on several lines, the lines
    /// joined with `, ` into `out`, which RFC 9110 §5.3 says means the same.
    /// `Err(ListTooLong)` when the joined lines do not fit in `out`.
    pub fn list<'o>(&self, name: &[u8], out: &'o mut [u8]) -> Result<Option<&'o [u8]>, ListTooLong>
    where
        'b: 'o,
    {
        let mut lines = self.headers_named(name);
        let Some(first) = lines.next() else {
            return Ok(None);
        };
        let Some(second) = lines.next() else {
            return Ok(Some(first));
        };
        let mut len = 0;
        for (i, line) in [first, second].into_iter().chain(lines).enumerate() {
            let sep: &[u8] = if i == 0 { b"" } else { b", " };
            for part in [sep, line] {
                out.get_mut(len..len + part.len())
                    .ok_or(ListTooLong)?
                    .copy_from_slice(part);
                len += part.len();
            }
        }
        Ok(out.get(..len))
    }

    /// The values of every field named `name`, in order (ASCII
    /// case-insensitive, RFC 9110 §5.1).
    pub fn headers_named<'n>(&self, name: &'n [u8]) -> HeadersNamed<'b, '_, 'n> {
        HeadersNamed {
            headers: self.headers.iter(),
            name,
        }
    }
}

/// A list field's lines do not fit, joined, in the buffer given to
/// [`RequestHead::list`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ListTooLong;

/// Iterator over the values of the fields with one name; see
/// [`RequestHead::headers_named`].
#[derive(Clone, Debug)]
pub struct HeadersNamed<'b, 'h, 'n> {
    headers: core::slice::Iter<'h, Header<'b>>,
    name: &'n [u8],
}

impl<'b> Iterator for HeadersNamed<'b, '_, '_> {
    type Item = &'b [u8];

    fn next(&mut self) -> Option<&'b [u8]> {
        let name = self.name;
        self.headers
            .by_ref()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value)
    }
}

/// The outcome of parsing input that may be incomplete.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Parsed<T> {
    /// The input held a complete item.
    Complete(T),
    /// The input so far is a valid prefix; read more and parse again.
    Partial,
}

impl<T> Parsed<T> {
    /// Whether this is [`Parsed::Complete`].
    pub fn is_complete(&self) -> bool {
        matches!(self, Parsed::Complete(_))
    }

    /// The complete item, if any.
    pub fn complete(self) -> Option<T> {
        match self {
            Parsed::Complete(t) => Some(t),
            Parsed::Partial => None,
        }
    }
}

/// Why a request head was rejected: one variant per grammar rule or limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ParseError {
    /// More than [`MAX_LEADING_EMPTY_LINES`] empty lines before the
    /// request-line (RFC 9112 §2.2).
    TooManyEmptyLines,
    /// The method is empty or not a token (RFC 9112 §3.1, RFC 9110 §9.1).
    BadMethod,
    /// The request-target is empty, contains a byte outside visible ASCII, a
    /// `#`, `"`, `<` or `>`, or an absolute-form target is malformed (RFC 9112 §3.2).
    BadTarget,
    /// The target's form does not suit the method: `*` without OPTIONS,
    /// authority-form without CONNECT, or CONNECT without authority-form
    /// (RFC 9112 §3.2.3–§3.2.4).
    TargetFormMismatch,
    /// The version is not exactly `HTTP/` DIGIT `.` DIGIT, or the request-line
    /// does not end right after it (RFC 9112 §2.3, §3).
    BadVersion,
    /// A well-formed version with a major version other than 1 (RFC 9110 §15.6.6).
    UnsupportedVersion,
    /// The request-line is longer than [`ParseLimits::max_request_line`] (RFC 9112 §3).
    UriTooLong,
    /// A LF not preceded by CR (RFC 9112 §2.2: lines end with CRLF).
    BareLf,
    /// A CR not followed by LF (RFC 9112 §2.2).
    BareCr,
    /// A line starting with SP or HTAB: obsolete line folding, or whitespace
    /// between the request-line and the first field (RFC 9112 §2.2, §5.2).
    ObsFold,
    /// A field line starting with `:` (RFC 9112 §5: field-name = token).
    EmptyHeaderName,
    /// A field name containing a non-token byte (RFC 9110 §5.1).
    BadHeaderName,
    /// Whitespace between a field name and its colon (RFC 9112 §5.1).
    WhitespaceBeforeColon,
    /// A field line without a colon (RFC 9112 §5).
    MissingColon,
    /// A field value containing NUL, another CTL or DEL (RFC 9110 §5.5).
    BadHeaderValue,
    /// The head is longer than [`ParseLimits::max_head`] (RFC 6585 §5).
    HeadTooLarge,
    /// More field lines than [`ParseLimits::max_headers`] or the caller's header
    /// array holds (RFC 6585 §5).
    TooManyHeaders,
}

impl ParseError {
    /// The status code to answer with: 400, 414, 431 or 505.
    pub fn status(self) -> u16 {
        match self {
            ParseError::UriTooLong => 414,
            ParseError::HeadTooLarge | ParseError::TooManyHeaders => 431,
            ParseError::UnsupportedVersion => 505,
            _ => 400,
        }
    }

    /// A short human explanation for the error response body.
    pub fn reason(self) -> &'static str {
        match self {
            ParseError::TooManyEmptyLines => "too many empty lines before the request-line",
            ParseError::BadMethod => "invalid method",
            ParseError::BadTarget => "invalid request-target",
            ParseError::TargetFormMismatch => "request-target form not allowed for this method",
            ParseError::BadVersion => "invalid HTTP version",
            ParseError::UnsupportedVersion => "HTTP version not supported",
            ParseError::UriTooLong => "request-line too long",
            ParseError::BareLf => "line ends with LF without CR",
            ParseError::BareCr => "CR not followed by LF",
            ParseError::ObsFold => "obsolete line folding is not accepted",
            ParseError::EmptyHeaderName => "empty header field name",
            ParseError::BadHeaderName => "invalid header field name",
            ParseError::WhitespaceBeforeColon => "whitespace between field name and colon",
            ParseError::MissingColon => "header field line without a colon",
            ParseError::BadHeaderValue => "invalid byte in header field value",
            ParseError::HeadTooLarge => "request header section too large",
            ParseError::TooManyHeaders => "too many header fields",
        }
    }
}

impl core::fmt::Display for ParseError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.reason())
    }
}

/// A complete request-line (RFC 9112 §3) and the offset just past its CRLF.
struct RequestLine<'b> {
    method: Method,
    method_raw: &'b [u8],
    target: Target<'b>,
    target_raw: &'b [u8],
    version: Version,
    end: usize,
}

/// A complete head: the request-line, the number of fields stored, and the
/// offset just past the empty line that ends the head.
struct HeadParts<'b> {
    line: RequestLine<'b>,
    field_count: usize,
    body_start: usize,
}

/// Parses a request head from `buf`.
///
/// On success returns the head and the offset of the first body byte (which
/// is also where a pipelined next request begins when there is no body).
/// Field lines are stored in `headers`; at most `min(headers.len(),
/// limits.max_headers)` are accepted. Returns [`Parsed::Partial`] when `buf`
/// is a valid but incomplete prefix, and an error as soon as the input can no
/// longer become a valid request or a limit is exceeded, even before the head
/// is complete.
///
/// ```
/// use verbosel_http::{Header, ParseLimits, Method, Parsed, parse_request};
///
/// let buf = b"GET /hello?x=1 HTTP/1.1\r\nHost: example.com\r\n\r\n";
/// let mut headers = [Header::EMPTY; 16];
/// let Ok(Parsed::Complete((head, body_start))) =
///     parse_request(buf, &mut headers, &ParseLimits::DEFAULT)
/// else {
///     panic!("complete request expected");
/// };
/// assert_eq!(head.method, Method::Get);
/// assert_eq!(head.target.path(), Some(&b"/hello"[..]));
/// assert_eq!(head.header(b"host"), Some(&b"example.com"[..]));
/// assert_eq!(body_start, buf.len());
///
/// // A prefix is never an error: read more and parse again.
/// let mut headers = [Header::EMPTY; 16];
/// assert_eq!(parse_request(&buf[..20], &mut headers, &ParseLimits::DEFAULT), Ok(Parsed::Partial));
/// ```
pub fn parse_request<'b, 'h>(
    buf: &'b [u8],
    headers: &'h mut [Header<'b>],
    limits: &ParseLimits,
) -> Result<Parsed<(RequestHead<'b, 'h>, usize)>, ParseError> {
    // Parsing only the first `max_head` bytes enforces the head limit without
    // a check per byte: a head that is still incomplete there is too large.
    let view = &buf[..buf.len().min(limits.max_head)];
    let Some(parts) = parse_head(view, headers, limits)? else {
        return if buf.len() > limits.max_head {
            Err(ParseError::HeadTooLarge)
        } else {
            Ok(Parsed::Partial)
        };
    };
    let headers: &'h [Header<'b>] = headers;
    let head = RequestHead {
        method: parts.line.method,
        method_raw: parts.line.method_raw,
        target: parts.line.target,
        target_raw: parts.line.target_raw,
        version: parts.line.version,
        // `parse_head` counts only the fields it stored, so this never fails.
        headers: headers
            .get(..parts.field_count)
            .ok_or(ParseError::TooManyHeaders)?,
    };
    Ok(Parsed::Complete((head, parts.body_start)))
}

/// `Partial` for an unfinished request-line, or 414 if it is already too long.
/// A final CR may still be the start of the line's CRLF, so it is not counted.
fn unfinished_line(buf: &[u8], line_start: usize, limits: &ParseLimits) -> Result<(), ParseError> {
    let mut len = buf.len() - line_start;
    if buf.last() == Some(&b'\r') {
        len -= 1;
    }
    if len > limits.max_request_line {
        Err(ParseError::UriTooLong)
    } else {
        Ok(())
    }
}

/// Parses the head in its three steps; `Ok(None)` means `buf` is an
/// incomplete valid prefix.
fn parse_head<'b>(
    buf: &'b [u8],
    headers: &mut [Header<'b>],
    limits: &ParseLimits,
) -> Result<Option<HeadParts<'b>>, ParseError> {
    let Some(line_start) = skip_empty_lines(buf)? else {
        return Ok(None);
    };
    let Some(line) = request_line(buf, line_start, limits)? else {
        return Ok(None);
    };
    let Some((field_count, body_start)) = field_lines(buf, line.end, headers, limits)? else {
        return Ok(None);
    };
    Ok(Some(HeadParts {
        line,
        field_count,
        body_start,
    }))
}

/// RFC 9112 §2.2: empty lines received before the request-line are ignored
/// (a few of them). Returns where the request-line starts.
fn skip_empty_lines(buf: &[u8]) -> Result<Option<usize>, ParseError> {
    let mut pos = 0;
    let mut empty_lines = 0;
    loop {
        match buf.get(pos) {
            None => return Ok(None),
            Some(b'\r') => match buf.get(pos + 1) {
                None => return Ok(None),
                Some(b'\n') => {
                    empty_lines += 1;
                    if empty_lines > MAX_LEADING_EMPTY_LINES {
                        return Err(ParseError::TooManyEmptyLines);
                    }
                    pos += 2;
                }
                Some(_) => return Err(ParseError::BareCr),
            },
            Some(b'\n') => return Err(ParseError::BareLf),
            Some(_) => return Ok(Some(pos)),
        }
    }
}

/// `request-line = method SP request-target SP HTTP-version` (RFC 9112 §3),
/// with exactly one SP between the parts, starting at `line_start`.
fn request_line<'b>(
    buf: &'b [u8],
    line_start: usize,
    limits: &ParseLimits,
) -> Result<Option<RequestLine<'b>>, ParseError> {
    let len = buf.len();
    let method_end = token_run(buf, line_start);
    if method_end == len {
        unfinished_line(buf, line_start, limits)?;
        return Ok(None);
    }
    let method_raw = match (buf.get(line_start..method_end), buf.get(method_end)) {
        (Some(method), Some(b' ')) if !method.is_empty() => method,
        _ => return Err(ParseError::BadMethod),
    };

    let target_start = method_end + 1;
    let target_end = target_run(buf, target_start);
    if target_end == len {
        unfinished_line(buf, line_start, limits)?;
        return Ok(None);
    }
    let target_raw = match (buf.get(target_start..target_end), buf.get(target_end)) {
        (Some(target), Some(b' ')) if !target.is_empty() => target,
        _ => return Err(ParseError::BadTarget),
    };

    let Some((version, end)) = http_version(buf, line_start, target_end + 1, limits)? else {
        return Ok(None);
    };
    let method = Method::from_bytes(method_raw);
    let target = parse_target(method, target_raw)?;
    Ok(Some(RequestLine {
        method,
        method_raw,
        target,
        target_raw,
        version,
        end,
    }))
}

/// `HTTP-version = "HTTP" "/" DIGIT "." DIGIT`, case-sensitive (RFC 9112
/// §2.3), followed directly by the request-line's CRLF. Returns the version
/// and the offset past the CRLF.
fn http_version(
    buf: &[u8],
    line_start: usize,
    version_start: usize,
    limits: &ParseLimits,
) -> Result<Option<(Version, usize)>, ParseError> {
    let got = buf.get(version_start..).unwrap_or_default();
    for (i, &b) in got.iter().take(8).enumerate() {
        let ok = match i {
            0..=4 => Some(&b) == b"HTTP/".get(i),
            5 | 7 => b.is_ascii_digit(),
            _ => b == b'.',
        };
        if !ok {
            return Err(ParseError::BadVersion);
        }
    }
    match got.get(8) {
        None => {
            unfinished_line(buf, line_start, limits)?;
            return Ok(None);
        }
        Some(b'\r') => {}
        Some(b'\n') => return Err(ParseError::BareLf),
        Some(_) => return Err(ParseError::BadVersion),
    }
    if version_start + 8 - line_start > limits.max_request_line {
        return Err(ParseError::UriTooLong);
    }
    match got.get(9) {
        None => return Ok(None),
        Some(b'\n') => {}
        Some(_) => return Err(ParseError::BareCr),
    }
    let (Some(&major), Some(&minor)) = (got.get(5), got.get(7)) else {
        return Err(ParseError::BadVersion);
    };
    let version = Version {
        major: major - b'0',
        minor: minor - b'0',
    };
    if version.major != 1 {
        return Err(ParseError::UnsupportedVersion);
    }
    Ok(Some((version, version_start + 10)))
}

/// `field-line = field-name ":" OWS field-value OWS`, each ending in CRLF,
/// from `pos` to the empty line that ends the head (RFC 9112 §2.1, §5).
/// Returns how many fields were stored in `headers` and where the body starts.
fn field_lines<'b>(
    buf: &'b [u8],
    mut pos: usize,
    headers: &mut [Header<'b>],
    limits: &ParseLimits,
) -> Result<Option<(usize, usize)>, ParseError> {
    let max_fields = headers.len().min(limits.max_headers);
    let mut count = 0;
    loop {
        match buf.get(pos) {
            None => return Ok(None),
            Some(b'\r') => match buf.get(pos + 1) {
                None => return Ok(None),
                Some(b'\n') => return Ok(Some((count, pos + 2))),
                Some(_) => return Err(ParseError::BareCr),
            },
            Some(b'\n') => return Err(ParseError::BareLf),
            // RFC 9112 §5.2: obs-fold is rejected outside message/http; the same
            // error covers whitespace before the first field (RFC 9112 §2.2).
            Some(b' ' | b'\t') => return Err(ParseError::ObsFold),
            Some(_) => {}
        }
        let Some(name_end) = field_name_end(buf, pos)? else {
            return Ok(None);
        };
        // Refused as soon as the name of one field too many has arrived.
        if count == max_fields {
            return Err(ParseError::TooManyHeaders);
        }
        let Some((value, next)) = field_value(buf, name_end + 1)? else {
            return Ok(None);
        };
        let name = buf.get(pos..name_end).ok_or(ParseError::BadHeaderName)?;
        if let Some(slot) = headers.get_mut(count) {
            *slot = Header { name, value };
        }
        count += 1;
        pos = next;
    }
}

/// The end of a `field-name` starting at `pos`, where its colon is.
fn field_name_end(buf: &[u8], pos: usize) -> Result<Option<usize>, ParseError> {
    let name_end = token_run(buf, pos);
    match buf.get(name_end) {
        None => Ok(None),
        Some(b':') if name_end == pos => Err(ParseError::EmptyHeaderName),
        Some(b':') => Ok(Some(name_end)),
        // RFC 9112 §5.1: no whitespace between field name and colon; 400.
        Some(b' ' | b'\t') => Err(ParseError::WhitespaceBeforeColon),
        Some(b'\r' | b'\n') => Err(ParseError::MissingColon),
        Some(_) => Err(ParseError::BadHeaderName),
    }
}

/// The `OWS field-value OWS` after a colon, trimmed, and the offset past the
/// line's CRLF.
fn field_value(buf: &[u8], value_start: usize) -> Result<Option<(&[u8], usize)>, ParseError> {
    // The run includes any OWS around the value (SP and HTAB are field-value
    // bytes); it is trimmed below.
    let value_end = field_value_run(buf, value_start);
    match buf.get(value_end) {
        None => return Ok(None),
        Some(b'\r') => match buf.get(value_end + 1) {
            None => return Ok(None),
            Some(b'\n') => {}
            Some(_) => return Err(ParseError::BareCr),
        },
        Some(b'\n') => return Err(ParseError::BareLf),
        Some(_) => return Err(ParseError::BadHeaderValue),
    }
    let value = buf
        .get(value_start..value_end)
        .ok_or(ParseError::BadHeaderValue)?;
    Ok(Some((trim_ows(value), value_end + 2)))
}

/// Splits a raw target by form and checks the form against the method
/// (RFC 9112 §3.2).
fn parse_target(method: Method, raw: &[u8]) -> Result<Target<'_>, ParseError> {
    // RFC 9112 §3.2.3: CONNECT uses authority-form, and only CONNECT does.
    if method == Method::Connect {
        return if authority::is_authority_form(raw) {
            Ok(Target::Authority(raw))
        } else if raw.first() == Some(&b'/') || raw == b"*" || absolute_form(raw).is_some() {
            Err(ParseError::TargetFormMismatch)
        } else {
            Err(ParseError::BadTarget)
        };
    }
    if raw.first() == Some(&b'/') {
        let (path, query) = split_query(raw);
        return Ok(Target::Origin { path, query });
    }
    // RFC 9112 §3.2.4: asterisk-form only with OPTIONS.
    if raw == b"*" {
        return if method == Method::Options {
            Ok(Target::Asterisk)
        } else {
            Err(ParseError::TargetFormMismatch)
        };
    }
    if let Some(target) = absolute_form(raw) {
        return Ok(target);
    }
    if authority::is_authority_form(raw) {
        return Err(ParseError::TargetFormMismatch);
    }
    Err(ParseError::BadTarget)
}

/// `absolute-form` with an `http` or `https` scheme (RFC 9112 §3.2.2,
/// RFC 9110 §4.2): `scheme "://" authority path-abempty [ "?" query ]`.
/// Schemes are case-insensitive (RFC 3986 §3.1).
fn absolute_form(raw: &[u8]) -> Option<Target<'_>> {
    let colon = raw.iter().position(|&b| b == b':')?;
    let (scheme, rest) = raw.split_at_checked(colon)?;
    if !scheme.eq_ignore_ascii_case(b"http") && !scheme.eq_ignore_ascii_case(b"https") {
        return None;
    }
    let rest = rest.strip_prefix(b"://")?;
    let authority_end = rest
        .iter()
        .position(|&b| b == b'/' || b == b'?')
        .unwrap_or(rest.len());
    let (authority, rest) = rest.split_at_checked(authority_end)?;
    if !authority::is_valid_http_authority(authority) {
        return None;
    }
    let (path, query) = split_query(rest);
    // RFC 9112 §3.2.1: an empty path is sent as "/".
    let path = if path.is_empty() { b"/" } else { path };
    Some(Target::Absolute {
        scheme,
        authority,
        path,
        query,
    })
}

/// Splits `path [ "?" query ]` at the first `?`.
fn split_query(s: &[u8]) -> (&[u8], Option<&[u8]>) {
    match s.iter().position(|&b| b == b'?') {
        Some(q) => (&s[..q], Some(&s[q + 1..])),
        None => (s, None),
    }
}

#[cfg(test)]
mod tests;
