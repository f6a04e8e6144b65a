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
//! (unless a [`Limits`] value is already exceeded), so a server can never
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
pub struct Limits {
    /// Longest request-line, without its CRLF; beyond it: 414.
    pub max_request_line: usize,
    /// Longest head (leading empty lines, request-line, fields and the final
    /// empty line); beyond it: 431.
    pub max_head: usize,
    /// Most header field lines; beyond it: 431.
    pub max_headers: usize,
}

impl Limits {
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
    pub const DEFAULT: Limits = Limits {
        max_request_line: Limits::MAX_REQUEST_LINE,
        max_head: Limits::MAX_HEAD,
        max_headers: Limits::MAX_HEADERS,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
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

    /// The values of every field named `name`, in order (ASCII
    /// case-insensitive, RFC 9110 §5.1).
    pub fn headers_named<'n>(&self, name: &'n [u8]) -> HeadersNamed<'b, '_, 'n> {
        HeadersNamed {
            headers: self.headers.iter(),
            name,
        }
    }
}

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
    /// The request-line is longer than [`Limits::max_request_line`] (RFC 9112 §3).
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
    /// The head is longer than [`Limits::max_head`] (RFC 6585 §5).
    HeadTooLarge,
    /// More field lines than [`Limits::max_headers`] or the caller's header
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

/// A complete head: the parsed parts, the number of fields stored, and the
/// offset just past the empty line that ends the head.
struct HeadParts<'b> {
    method: Method,
    method_raw: &'b [u8],
    target: Target<'b>,
    target_raw: &'b [u8],
    version: Version,
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
/// use verbosel_http::{Header, Limits, Method, Parsed, parse_request};
///
/// let buf = b"GET /hello?x=1 HTTP/1.1\r\nHost: example.com\r\n\r\n";
/// let mut headers = [Header::EMPTY; 16];
/// let Ok(Parsed::Complete((head, body_start))) =
///     parse_request(buf, &mut headers, &Limits::DEFAULT)
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
/// assert_eq!(parse_request(&buf[..20], &mut headers, &Limits::DEFAULT), Ok(Parsed::Partial));
/// ```
pub fn parse_request<'b, 'h>(
    buf: &'b [u8],
    headers: &'h mut [Header<'b>],
    limits: &Limits,
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
        method: parts.method,
        method_raw: parts.method_raw,
        target: parts.target,
        target_raw: parts.target_raw,
        version: parts.version,
        // `parse_head` counts only the fields it stored, so this never fails.
        headers: headers
            .get(..parts.field_count)
            .ok_or(ParseError::TooManyHeaders)?,
    };
    Ok(Parsed::Complete((head, parts.body_start)))
}

/// `Partial` for an unfinished request-line, or 414 if it is already too long.
/// A final CR may still be the start of the line's CRLF, so it is not counted.
fn unfinished_line(buf: &[u8], line_start: usize, limits: &Limits) -> Result<(), ParseError> {
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

/// Parses the head; `Ok(None)` means `buf` is an incomplete valid prefix.
fn parse_head<'b>(
    buf: &'b [u8],
    headers: &mut [Header<'b>],
    limits: &Limits,
) -> Result<Option<HeadParts<'b>>, ParseError> {
    let len = buf.len();
    let mut pos = 0;

    // RFC 9112 §2.2: ignore empty lines received before the request-line.
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
            Some(_) => break,
        }
    }

    // request-line = method SP request-target SP HTTP-version (RFC 9112 §3),
    // with exactly one SP between the parts.
    let line_start = pos;
    let method_end = token_run(buf, pos);
    if method_end == len {
        unfinished_line(buf, line_start, limits)?;
        return Ok(None);
    }
    let method_raw = match (buf.get(pos..method_end), buf.get(method_end)) {
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

    // HTTP-version = "HTTP" "/" DIGIT "." DIGIT, case-sensitive (RFC 9112 §2.3),
    // followed directly by CRLF.
    let version_start = target_end + 1;
    let got = &buf[version_start..];
    for (i, &b) in got.iter().take(8).enumerate() {
        let ok = match i {
            0..=4 => b == b"HTTP/"[i],
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
    let version = Version {
        major: got[5] - b'0',
        minor: got[7] - b'0',
    };
    if version.major != 1 {
        return Err(ParseError::UnsupportedVersion);
    }
    let method = Method::from_bytes(method_raw);
    let target = parse_target(method, target_raw)?;
    pos = version_start + 10;

    // field-line = field-name ":" OWS field-value OWS, each ending in CRLF;
    // the head ends with an empty line (RFC 9112 §2.1, §5).
    let max_fields = headers.len().min(limits.max_headers);
    let mut count = 0;
    loop {
        match buf.get(pos) {
            None => return Ok(None),
            Some(b'\r') => match buf.get(pos + 1) {
                None => return Ok(None),
                Some(b'\n') => {
                    return Ok(Some(HeadParts {
                        method,
                        method_raw,
                        target,
                        target_raw,
                        version,
                        field_count: count,
                        body_start: pos + 2,
                    }));
                }
                Some(_) => return Err(ParseError::BareCr),
            },
            Some(b'\n') => return Err(ParseError::BareLf),
            // RFC 9112 §5.2: obs-fold is rejected outside message/http; the same
            // error covers whitespace before the first field (RFC 9112 §2.2).
            Some(b' ' | b'\t') => return Err(ParseError::ObsFold),
            Some(_) => {}
        }

        let name_end = token_run(buf, pos);
        match buf.get(name_end) {
            None => return Ok(None),
            Some(b':') if name_end == pos => return Err(ParseError::EmptyHeaderName),
            Some(b':') => {}
            // RFC 9112 §5.1: no whitespace between field name and colon; 400.
            Some(b' ' | b'\t') => return Err(ParseError::WhitespaceBeforeColon),
            Some(b'\r' | b'\n') => return Err(ParseError::MissingColon),
            Some(_) => return Err(ParseError::BadHeaderName),
        }
        if count == max_fields {
            return Err(ParseError::TooManyHeaders);
        }
        let name = buf.get(pos..name_end).ok_or(ParseError::BadHeaderName)?;

        // The run includes any OWS around the value (SP and HTAB are field-value
        // bytes); it is trimmed below.
        let value_start = name_end + 1;
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
        if let Some(slot) = headers.get_mut(count) {
            *slot = Header {
                name,
                value: trim_ows(value),
            };
        }
        count += 1;
        pos = value_end + 2;
    }
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
pub(crate) mod tests {
    use super::*;
    use crate::chars::is_ows;
    use ParseError::*;

    fn parse<'b>(input: &'b [u8]) -> Result<Parsed<(RequestHead<'b, 'b>, usize)>, ParseError> {
        let headers = Box::leak(Box::new([Header::EMPTY; 64]));
        parse_request(input, headers, &Limits::DEFAULT)
    }

    fn parse_with<'b>(
        input: &'b [u8],
        limits: Limits,
    ) -> Result<Parsed<(RequestHead<'b, 'b>, usize)>, ParseError> {
        let headers = Box::leak(Box::new([Header::EMPTY; 128]));
        parse_request(input, headers, &limits)
    }

    fn complete<'b>(input: &'b [u8]) -> (RequestHead<'b, 'b>, usize) {
        match parse(input) {
            Ok(Parsed::Complete(c)) => c,
            other => panic!("{:?}: {other:?}", String::from_utf8_lossy(input)),
        }
    }

    /// A valid request: (input, method, raw target, minor version, headers, body offset).
    type ValidCase = (
        &'static [u8],
        Method,
        &'static [u8],
        u8,
        &'static [(&'static [u8], &'static [u8])],
        usize,
    );

    const VALID: &[ValidCase] = &[
        (b"GET / HTTP/1.1\r\n\r\n", Method::Get, b"/", 1, &[], 18),
        (b"GET / HTTP/1.0\r\n\r\n", Method::Get, b"/", 0, &[], 18),
        (b"GET / HTTP/1.2\r\n\r\n", Method::Get, b"/", 2, &[], 18),
        (b"GET / HTTP/1.9\r\n\r\n", Method::Get, b"/", 9, &[], 18),
        (
            b"GET /index.html HTTP/1.1\r\nHost: example.com\r\n\r\n",
            Method::Get,
            b"/index.html",
            1,
            &[(b"Host", b"example.com")],
            47,
        ),
        (
            b"POST /submit?x=1 HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
            Method::Post,
            b"/submit?x=1",
            1,
            &[(b"Host", b"a"), (b"Content-Length", b"5")],
            57,
        ),
        (b"\r\nGET / HTTP/1.1\r\n\r\n", Method::Get, b"/", 1, &[], 20),
        (
            b"\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\n\r\n",
            Method::Get,
            b"/",
            1,
            &[],
            26,
        ),
        (
            b"GET / HTTP/1.1\r\nX:\r\n\r\n",
            Method::Get,
            b"/",
            1,
            &[(b"X", b"")],
            22,
        ),
        (
            b"GET / HTTP/1.1\r\nX:   \t \r\n\r\n",
            Method::Get,
            b"/",
            1,
            &[(b"X", b"")],
            27,
        ),
        (
            b"GET / HTTP/1.1\r\nX: \t a  b \t\r\n\r\n",
            Method::Get,
            b"/",
            1,
            &[(b"X", b"a  b")],
            31,
        ),
        (
            b"GET / HTTP/1.1\r\nX:a\r\n\r\n",
            Method::Get,
            b"/",
            1,
            &[(b"X", b"a")],
            23,
        ),
        (
            b"GET / HTTP/1.1\r\nX: \x80\xff\xc3\xa9\r\n\r\n",
            Method::Get,
            b"/",
            1,
            &[(b"X", b"\x80\xff\xc3\xa9")],
            27,
        ),
        (
            b"GET / HTTP/1.1\r\n!#$%&'*+-.^_`|~09azAZ: v\r\n\r\n",
            Method::Get,
            b"/",
            1,
            &[(b"!#$%&'*+-.^_`|~09azAZ", b"v")],
            44,
        ),
        (
            b"GET / HTTP/1.1\r\nX: a:b:c \"q\" (c) \\ ;,\r\n\r\n",
            Method::Get,
            b"/",
            1,
            &[(b"X", b"a:b:c \"q\" (c) \\ ;,")],
            41,
        ),
        (
            b"GET / HTTP/1.1\r\nA: 1\r\nA: 2\r\na: 3\r\n\r\n",
            Method::Get,
            b"/",
            1,
            &[(b"A", b"1"), (b"A", b"2"), (b"a", b"3")],
            36,
        ),
        (
            b"OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
            Method::Options,
            b"*",
            1,
            &[(b"Host", b"a")],
            31,
        ),
        (
            b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
            Method::Connect,
            b"example.com:443",
            1,
            &[(b"Host", b"example.com:443")],
            59,
        ),
        (
            b"GET http://example.com/a?b HTTP/1.1\r\nHost: example.com\r\n\r\n",
            Method::Get,
            b"http://example.com/a?b",
            1,
            &[(b"Host", b"example.com")],
            58,
        ),
        (
            b"BREW /pot HTTP/1.1\r\n\r\n",
            Method::Other,
            b"/pot",
            1,
            &[],
            22,
        ),
        (b"get / HTTP/1.1\r\n\r\n", Method::Other, b"/", 1, &[], 18),
        (b"HEAD / HTTP/1.1\r\n\r\n", Method::Head, b"/", 1, &[], 19),
        (b"PUT / HTTP/1.1\r\n\r\n", Method::Put, b"/", 1, &[], 18),
        (
            b"DELETE / HTTP/1.1\r\n\r\n",
            Method::Delete,
            b"/",
            1,
            &[],
            21,
        ),
        (b"TRACE / HTTP/1.1\r\n\r\n", Method::Trace, b"/", 1, &[], 20),
        (b"PATCH / HTTP/1.1\r\n\r\n", Method::Patch, b"/", 1, &[], 20),
        (
            b"GET /a%20b/%E2%82%AC?q=%26&r=[1]|{x}^`\\ HTTP/1.1\r\n\r\n",
            Method::Get,
            b"/a%20b/%E2%82%AC?q=%26&r=[1]|{x}^`\\",
            1,
            &[],
            52,
        ),
        (
            b"GET / HTTP/1.1\r\nX: a\r\n\r\nGET / HTTP/1.1\r\n\r\n",
            Method::Get,
            b"/",
            1,
            &[(b"X", b"a")],
            24,
        ),
    ];

    #[test]
    fn valid_requests() {
        for &(input, method, target, minor, headers, offset) in VALID {
            let (head, body) = complete(input);
            let ctx = String::from_utf8_lossy(input);
            assert_eq!(head.method, method, "{ctx}");
            assert_eq!(Method::from_bytes(head.method_raw), method, "{ctx}");
            assert_eq!(head.target_raw, target, "{ctx}");
            assert_eq!(head.version, Version { major: 1, minor }, "{ctx}");
            let got: Vec<(&[u8], &[u8])> = head.headers.iter().map(|h| (h.name, h.value)).collect();
            assert_eq!(got, headers.to_vec(), "{ctx}");
            assert_eq!(body, offset, "{ctx}");
        }
    }

    #[test]
    fn every_strict_prefix_of_a_valid_request_is_partial() {
        for &(input, .., offset) in VALID {
            for end in 0..offset {
                assert_eq!(
                    parse(&input[..end]),
                    Ok(Parsed::Partial),
                    "prefix {:?}",
                    String::from_utf8_lossy(&input[..end])
                );
            }
            // Body bytes after the head never change the head.
            for end in offset..=input.len() {
                assert_eq!(complete(&input[..end]).1, offset);
            }
        }
    }

    /// Invalid requests and the rule they break.
    const INVALID: &[(&[u8], ParseError)] = &[
        // RFC 9112 §2.2: empty lines before the request-line, CRLF only.
        (
            b"\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\n\r\n",
            TooManyEmptyLines,
        ),
        (b"\nGET / HTTP/1.1\r\n\r\n", BareLf),
        (b"\rGET / HTTP/1.1\r\n\r\n", BareCr),
        // Method: 1*tchar then exactly one SP (RFC 9112 §3, RFC 9110 §9.1).
        (b" GET / HTTP/1.1\r\n\r\n", BadMethod),
        (b"\tGET / HTTP/1.1\r\n\r\n", BadMethod),
        (b"G(T / HTTP/1.1\r\n\r\n", BadMethod),
        (b"GE T / HTTP/1.1\r\n\r\n", BadVersion),
        (b"G\x00T / HTTP/1.1\r\n\r\n", BadMethod),
        (b"GET\t/ HTTP/1.1\r\n\r\n", BadMethod),
        (b"GET\r\n\r\n", BadMethod),
        (b"GET:/ HTTP/1.1\r\n\r\n", BadMethod),
        (b"G\xc3\x89T / HTTP/1.1\r\n\r\n", BadMethod),
        (b"[GET] / HTTP/1.1\r\n\r\n", BadMethod),
        // Target: visible ASCII without '#', exactly one SP around it.
        (b"GET  / HTTP/1.1\r\n\r\n", BadTarget),
        (b"GET / /x HTTP/1.1\r\n\r\n", BadVersion),
        (b"GET /#frag HTTP/1.1\r\n\r\n", BadTarget),
        (b"GET /a\x00b HTTP/1.1\r\n\r\n", BadTarget),
        (b"GET /a\x7fb HTTP/1.1\r\n\r\n", BadTarget),
        (b"GET /a\tb HTTP/1.1\r\n\r\n", BadTarget),
        (b"GET /\xc3\xa9 HTTP/1.1\r\n\r\n", BadTarget),
        (b"GET /a\x01 HTTP/1.1\r\n\r\n", BadTarget),
        (b"GET /\r\n\r\n", BadTarget),
        (b"GET /\n\r\n", BadTarget),
        (b"GET / \r\n\r\n", BadVersion),
        (b"GET foo HTTP/1.1\r\n\r\n", BadTarget),
        (b"GET ftp://a/ HTTP/1.1\r\n\r\n", BadTarget),
        (b"GET http:/a/ HTTP/1.1\r\n\r\n", BadTarget),
        (b"GET http:///a HTTP/1.1\r\n\r\n", BadTarget),
        (b"GET http://u@a/ HTTP/1.1\r\n\r\n", BadTarget),
        (b"GET http://a:99999/ HTTP/1.1\r\n\r\n", BadTarget),
        // Target form vs method (RFC 9112 §3.2.3, §3.2.4).
        (b"GET * HTTP/1.1\r\n\r\n", TargetFormMismatch),
        (b"M-SEARCH * HTTP/1.1\r\n\r\n", TargetFormMismatch),
        (b"GET example.com:443 HTTP/1.1\r\n\r\n", TargetFormMismatch),
        (b"CONNECT / HTTP/1.1\r\n\r\n", TargetFormMismatch),
        (b"CONNECT * HTTP/1.1\r\n\r\n", TargetFormMismatch),
        (b"CONNECT http://a:1/ HTTP/1.1\r\n\r\n", TargetFormMismatch),
        (b"CONNECT example.com HTTP/1.1\r\n\r\n", BadTarget),
        (b"CONNECT example.com: HTTP/1.1\r\n\r\n", BadTarget),
        (b"CONNECT u@example.com:443 HTTP/1.1\r\n\r\n", BadTarget),
        // Version: "HTTP/" DIGIT "." DIGIT, case-sensitive (RFC 9112 §2.3).
        (b"GET / http/1.1\r\n\r\n", BadVersion),
        (b"GET / HTTP/1.1 \r\n\r\n", BadVersion),
        (b"GET / HTTP/1.10\r\n\r\n", BadVersion),
        (b"GET / HTTP/11\r\n\r\n", BadVersion),
        (b"GET / HTTP/1\r\n\r\n", BadVersion),
        (b"GET / HTTP/1.\r\n\r\n", BadVersion),
        (b"GET / HTTP/1.x\r\n\r\n", BadVersion),
        (b"GET / HTTP/a.1\r\n\r\n", BadVersion),
        (b"GET / HTTP/1,1\r\n\r\n", BadVersion),
        (b"GET / HTTP /1.1\r\n\r\n", BadVersion),
        (b"GET / HTTPS/1.1\r\n\r\n", BadVersion),
        (b"GET / HTTP/01.1\r\n\r\n", BadVersion),
        (b"GET / HTTP/1.1\x00\r\n\r\n", BadVersion),
        (b"GET / FOO/1.1\r\n\r\n", BadVersion),
        (b"GET / HTTP/2.0\r\n\r\n", UnsupportedVersion),
        (b"GET / HTTP/0.9\r\n\r\n", UnsupportedVersion),
        (b"GET / HTTP/3.0\r\n\r\n", UnsupportedVersion),
        (b"GET / HTTP/9.9\r\n\r\n", UnsupportedVersion),
        // CRLF only (RFC 9112 §2.2).
        (b"GET / HTTP/1.1\n\r\n", BareLf),
        (b"GET / HTTP/1.1\r\r\n", BareCr),
        (b"GET / HTTP/1.1\rX: y\r\n\r\n", BareCr),
        (b"GET / HTTP/1.1\r\nX: y\n\r\n", BareLf),
        (b"GET / HTTP/1.1\r\nX: y\r\r\n", BareCr),
        (b"GET / HTTP/1.1\r\nX: y\rz\r\n\r\n", BareCr),
        (b"GET / HTTP/1.1\r\nX: y\r\n\n", BareLf),
        (b"GET / HTTP/1.1\r\nX: y\r\n\rx", BareCr),
        (b"GET / HTTP/1.1\r\n\n", BareLf),
        (b"GET / HTTP/1.1\r\nX: a\nY: b\r\n\r\n", BareLf),
        // obs-fold and whitespace before the first field (RFC 9112 §2.2, §5.2).
        (b"GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n", ObsFold),
        (b"GET / HTTP/1.1\r\nX: a\r\n\tb\r\n\r\n", ObsFold),
        (b"GET / HTTP/1.1\r\n Host: a\r\n\r\n", ObsFold),
        (b"GET / HTTP/1.1\r\n\tHost: a\r\n\r\n", ObsFold),
        (b"GET / HTTP/1.1\r\n \r\n\r\n", ObsFold),
        // field-name = token; no whitespace before ':' (RFC 9112 §5, §5.1).
        (b"GET / HTTP/1.1\r\n: a\r\n\r\n", EmptyHeaderName),
        (b"GET / HTTP/1.1\r\n:\r\n\r\n", EmptyHeaderName),
        (b"GET / HTTP/1.1\r\nHost : a\r\n\r\n", WhitespaceBeforeColon),
        (
            b"GET / HTTP/1.1\r\nHost\t: a\r\n\r\n",
            WhitespaceBeforeColon,
        ),
        (b"GET / HTTP/1.1\r\nX Y: a\r\n\r\n", WhitespaceBeforeColon),
        (b"GET / HTTP/1.1\r\nHost\r\n\r\n", MissingColon),
        (b"GET / HTTP/1.1\r\nHost\n\r\n", MissingColon),
        (b"GET / HTTP/1.1\r\nHo(st: a\r\n\r\n", BadHeaderName),
        (b"GET / HTTP/1.1\r\nHo\"st: a\r\n\r\n", BadHeaderName),
        (b"GET / HTTP/1.1\r\nX/Y: a\r\n\r\n", BadHeaderName),
        (b"GET / HTTP/1.1\r\nX\x00: a\r\n\r\n", BadHeaderName),
        (b"GET / HTTP/1.1\r\n\x00: a\r\n\r\n", BadHeaderName),
        (b"GET / HTTP/1.1\r\nX\x7f: a\r\n\r\n", BadHeaderName),
        (b"GET / HTTP/1.1\r\n\xc3\xa9: a\r\n\r\n", BadHeaderName),
        (b"GET / HTTP/1.1\r\n{X}: a\r\n\r\n", BadHeaderName),
        // field-value: VCHAR / obs-text with SP/HTAB inside (RFC 9110 §5.5).
        (b"GET / HTTP/1.1\r\nX: a\x00b\r\n\r\n", BadHeaderValue),
        (b"GET / HTTP/1.1\r\nX: \x00\r\n\r\n", BadHeaderValue),
        (b"GET / HTTP/1.1\r\nX: a\x01\r\n\r\n", BadHeaderValue),
        (b"GET / HTTP/1.1\r\nX: a\x1f\r\n\r\n", BadHeaderValue),
        (b"GET / HTTP/1.1\r\nX: a\x7f\r\n\r\n", BadHeaderValue),
        (b"GET / HTTP/1.1\r\nX: a\x0bb\r\n\r\n", BadHeaderValue),
        (b"GET / HTTP/1.1\r\nX: a\x0cb\r\n\r\n", BadHeaderValue),
    ];

    #[test]
    fn invalid_requests() {
        for &(input, err) in INVALID {
            assert_eq!(
                parse(input),
                Err(err),
                "{:?}",
                String::from_utf8_lossy(input)
            );
            let want = match err {
                UnsupportedVersion => 505,
                _ => 400,
            };
            assert_eq!(err.status(), want);
        }
    }

    #[test]
    fn errors_are_detected_before_the_head_is_complete() {
        // A server stops reading as soon as the input cannot become valid.
        for &(input, err) in INVALID {
            let cut = input.len() - 2;
            let early = parse(&input[..cut]);
            assert!(
                early == Err(err) || early == Ok(Parsed::Partial),
                "{:?}: {early:?}",
                String::from_utf8_lossy(input)
            );
        }
        assert_eq!(parse(b"GET /#"), Err(BadTarget));
        assert_eq!(
            parse(b"GET / HTTP/2"),
            Err(BadVersion).or(Ok(Parsed::Partial))
        );
        assert_eq!(parse(b"GET / HTTP/1.1\r\nX\x00"), Err(BadHeaderName));
        assert_eq!(parse(b"GET / HTTP/1.1\r\nA: b\r\n "), Err(ObsFold));
    }

    /// Request targets: (raw target, method, expected form or error).
    #[test]
    fn request_targets() {
        type T = Target<'static>;
        let origin = |path: &'static [u8], query: Option<&'static [u8]>| -> T {
            Target::Origin { path, query }
        };
        let cases: &[(&[u8], Method, Result<T, ParseError>)] = &[
            (b"/", Method::Get, Ok(origin(b"/", None))),
            (b"/a/b/c", Method::Get, Ok(origin(b"/a/b/c", None))),
            (b"/a?", Method::Get, Ok(origin(b"/a", Some(b"")))),
            (b"/a?b=c", Method::Get, Ok(origin(b"/a", Some(b"b=c")))),
            (b"/a?b?c", Method::Get, Ok(origin(b"/a", Some(b"b?c")))),
            (b"/?", Method::Get, Ok(origin(b"/", Some(b"")))),
            (b"//", Method::Get, Ok(origin(b"//", None))),
            (b"/a//b", Method::Get, Ok(origin(b"/a//b", None))),
            (b"/../x", Method::Get, Ok(origin(b"/../x", None))),
            (b"/%2e%2e", Method::Get, Ok(origin(b"/%2e%2e", None))),
            (b"/%zz", Method::Get, Ok(origin(b"/%zz", None))),
            (b"/~user", Method::Get, Ok(origin(b"/~user", None))),
            (b"/a;p=1", Method::Get, Ok(origin(b"/a;p=1", None))),
            (b"/a:b@c", Method::Get, Ok(origin(b"/a:b@c", None))),
            (
                b"/!$&'()*+,;=",
                Method::Get,
                Ok(origin(b"/!$&'()*+,;=", None)),
            ),
            (b"/{}|\\^`", Method::Get, Ok(origin(b"/{}|\\^`", None))),
            (b"/\"", Method::Get, Err(ParseError::BadTarget)),
            (b"/<x>", Method::Get, Err(ParseError::BadTarget)),
            (
                b"/?a=1&b=2",
                Method::Post,
                Ok(origin(b"/", Some(b"a=1&b=2"))),
            ),
            (b"/a", Method::Connect, Err(TargetFormMismatch)),
            (b"*", Method::Options, Ok(Target::Asterisk)),
            (b"*", Method::Get, Err(TargetFormMismatch)),
            (b"*", Method::Other, Err(TargetFormMismatch)),
            (b"**", Method::Options, Err(BadTarget)),
            (b"*/", Method::Options, Err(BadTarget)),
            (
                b"http://example.com",
                Method::Get,
                Ok(Target::Absolute {
                    scheme: b"http",
                    authority: b"example.com",
                    path: b"/",
                    query: None,
                }),
            ),
            (
                b"HTTPS://example.com:8443/a/b?c",
                Method::Post,
                Ok(Target::Absolute {
                    scheme: b"HTTPS",
                    authority: b"example.com:8443",
                    path: b"/a/b",
                    query: Some(b"c"),
                }),
            ),
            (
                b"http://[::1]:80?x",
                Method::Options,
                Ok(Target::Absolute {
                    scheme: b"http",
                    authority: b"[::1]:80",
                    path: b"/",
                    query: Some(b"x"),
                }),
            ),
            (
                b"http://127.0.0.1/",
                Method::Other,
                Ok(Target::Absolute {
                    scheme: b"http",
                    authority: b"127.0.0.1",
                    path: b"/",
                    query: None,
                }),
            ),
            (b"http://", Method::Get, Err(BadTarget)),
            (b"http://:80/", Method::Get, Err(BadTarget)),
            (b"http:", Method::Get, Err(BadTarget)),
            (b"http", Method::Get, Err(BadTarget)),
            (b"http:example.com", Method::Get, Err(BadTarget)),
            (b"mailto:a@b", Method::Get, Err(BadTarget)),
            (b"file:///etc/passwd", Method::Get, Err(BadTarget)),
            (b"ws://a/", Method::Get, Err(BadTarget)),
            (b"http://a%zz/", Method::Get, Err(BadTarget)),
            (b"http://a%/", Method::Get, Err(BadTarget)),
            (b"http://[::1/", Method::Get, Err(BadTarget)),
            (b"http://user:pw@a/", Method::Get, Err(BadTarget)),
            (b"a/b", Method::Get, Err(BadTarget)),
            (b"?a", Method::Get, Err(BadTarget)),
            (b".", Method::Get, Err(BadTarget)),
            (b"../x", Method::Get, Err(BadTarget)),
            (b"\\x", Method::Get, Err(BadTarget)),
            (
                b"example.com:443",
                Method::Connect,
                Ok(Target::Authority(b"example.com:443")),
            ),
            (
                b"[::1]:443",
                Method::Connect,
                Ok(Target::Authority(b"[::1]:443")),
            ),
            (
                b"10.0.0.1:8080",
                Method::Connect,
                Ok(Target::Authority(b"10.0.0.1:8080")),
            ),
            (b"example.com:443", Method::Get, Err(TargetFormMismatch)),
            (b"example.com:443", Method::Options, Err(TargetFormMismatch)),
            (b"example.com", Method::Connect, Err(BadTarget)),
            (b":443", Method::Connect, Err(BadTarget)),
            (b"example.com:443/", Method::Connect, Err(BadTarget)),
            (b"example.com:70000", Method::Connect, Err(BadTarget)),
        ];
        for &(raw, method, ref want) in cases {
            let mut input = Vec::new();
            let name: &[u8] = match method {
                Method::Other => b"FOO",
                m => m.as_str().as_bytes(),
            };
            input.extend_from_slice(name);
            input.push(b' ');
            input.extend_from_slice(raw);
            input.extend_from_slice(b" HTTP/1.1\r\n\r\n");
            let got = parse(&input).map(|p| p.complete().map(|(h, _)| h.target));
            let want = want.map(Some);
            assert_eq!(got, want, "{:?}", String::from_utf8_lossy(&input));
        }
    }

    #[test]
    fn target_accessors() {
        let (head, _) = complete(b"GET /p?q HTTP/1.1\r\n\r\n");
        assert_eq!(head.target.path(), Some(&b"/p"[..]));
        assert_eq!(head.target.query(), Some(&b"q"[..]));
        assert_eq!(Target::Asterisk.path(), None);
        assert_eq!(Target::Authority(b"a:1").query(), None);
    }

    #[test]
    fn methods_round_trip() {
        for m in [
            Method::Get,
            Method::Head,
            Method::Post,
            Method::Put,
            Method::Delete,
            Method::Connect,
            Method::Options,
            Method::Trace,
            Method::Patch,
        ] {
            assert_eq!(Method::from_bytes(m.as_str().as_bytes()), m);
        }
        for other in [&b"get"[..], b"Get", b"GETS", b"PROPFIND", b"", b"POST "] {
            assert_eq!(Method::from_bytes(other), Method::Other);
        }
    }

    #[test]
    fn header_lookup() {
        let (head, _) =
            complete(b"GET / HTTP/1.1\r\nHost: a\r\nAccept: x\r\nACCEPT: y\r\naccept: z\r\n\r\n");
        assert_eq!(head.header(b"host"), Some(&b"a"[..]));
        assert_eq!(head.header(b"HOST"), Some(&b"a"[..]));
        assert_eq!(head.header(b"Accept"), Some(&b"x"[..]));
        assert_eq!(head.header(b"missing"), None);
        let all: Vec<&[u8]> = head.headers_named(b"accept").collect();
        assert_eq!(all, [&b"x"[..], b"y", b"z"]);
        assert_eq!(head.headers_named(b"nope").count(), 0);
    }

    fn request_line_of(len: usize) -> Vec<u8> {
        // "GET " + path + " HTTP/1.1" is `len` bytes long.
        let mut line = b"GET /".to_vec();
        line.resize(len - 9, b'a');
        line.extend_from_slice(b" HTTP/1.1");
        assert_eq!(line.len(), len);
        line
    }

    #[test]
    fn request_line_limit_is_414() {
        let limits = Limits::DEFAULT;
        let max = limits.max_request_line;
        let mut at_limit = request_line_of(max);
        at_limit.extend_from_slice(b"\r\n\r\n");
        assert!(parse_with(&at_limit, limits).unwrap().is_complete());
        // Every prefix of the longest accepted line is Partial.
        for end in [max - 1, max, max + 1, max + 2, max + 3] {
            assert_eq!(parse_with(&at_limit[..end], limits), Ok(Parsed::Partial));
        }

        let mut over = request_line_of(max + 1);
        over.extend_from_slice(b"\r\n\r\n");
        assert_eq!(parse_with(&over, limits), Err(UriTooLong));
        assert_eq!(UriTooLong.status(), 414);
        // Known to be too long before the CRLF arrives.
        assert_eq!(parse_with(&over[..max + 1], limits), Err(UriTooLong));
        assert_eq!(parse_with(&over[..max], limits), Ok(Parsed::Partial));
        // A long line that has not reached the version yet.
        let mut long_target = b"GET /".to_vec();
        long_target.resize(max + 1, b'x');
        assert_eq!(parse_with(&long_target, limits), Err(UriTooLong));
        long_target.pop();
        assert_eq!(parse_with(&long_target, limits), Ok(Parsed::Partial));
        // A long method counts the same way.
        let long_method = vec![b'X'; max + 1];
        assert_eq!(parse_with(&long_method, limits), Err(UriTooLong));

        let small = Limits {
            max_request_line: 16,
            ..Limits::DEFAULT
        };
        assert!(
            parse_with(b"GET /ab HTTP/1.1\r\n\r\n", small)
                .unwrap()
                .is_complete()
        );
        assert_eq!(
            parse_with(b"GET /abc HTTP/1.1\r\n\r\n", small),
            Err(UriTooLong)
        );
        assert_eq!(parse_with(b"GET /abc HTTP/1.1", small), Err(UriTooLong));
        assert_eq!(
            parse_with(b"GET /ab HTTP/1.1\r", small),
            Ok(Parsed::Partial)
        );
    }

    #[test]
    fn head_limit_is_431() {
        let limits = Limits {
            max_head: 64,
            ..Limits::DEFAULT
        };
        // Exactly 64 bytes of head, followed by body bytes.
        let mut req = b"GET / HTTP/1.1\r\nX: ".to_vec();
        req.resize(64 - 4, b'v');
        req.extend_from_slice(b"\r\n\r\nBODY");
        assert_eq!(
            parse_with(&req, limits),
            Ok(Parsed::Complete(complete(&req)))
        );
        assert_eq!(complete(&req).1, 64);
        for end in 0..64 {
            assert_eq!(parse_with(&req[..end], limits), Ok(Parsed::Partial));
        }
        // One byte more and the head no longer fits.
        let mut big = b"GET / HTTP/1.1\r\nX: ".to_vec();
        big.resize(64 - 3, b'v');
        big.extend_from_slice(b"\r\n\r\n");
        assert_eq!(parse_with(&big, limits), Err(HeadTooLarge));
        assert_eq!(parse_with(&big[..65], limits), Err(HeadTooLarge));
        assert_eq!(parse_with(&big[..64], limits), Ok(Parsed::Partial));
        assert_eq!(HeadTooLarge.status(), 431);

        // The default: 16 KiB of fields.
        let mut huge = b"GET / HTTP/1.1\r\nCookie: ".to_vec();
        huge.resize(Limits::MAX_HEAD + 1, b'c');
        assert_eq!(parse(&huge), Err(HeadTooLarge));
    }

    #[test]
    fn header_count_limit_is_431() {
        let limits = Limits {
            max_headers: 3,
            ..Limits::DEFAULT
        };
        let three = b"GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n";
        let (head, _) = parse_with(three, limits).unwrap().complete().unwrap();
        assert_eq!(head.headers.len(), 3);
        let four = b"GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n";
        assert_eq!(parse_with(four, limits), Err(TooManyHeaders));
        assert_eq!(parse_with(&four[..40], limits), Err(TooManyHeaders));
        assert_eq!(TooManyHeaders.status(), 431);

        // The caller's array bounds the count too.
        let mut two = [Header::EMPTY; 2];
        assert_eq!(
            parse_request(three, &mut two, &Limits::DEFAULT),
            Err(TooManyHeaders)
        );
        let mut none: [Header<'_>; 0] = [];
        assert!(
            parse_request(b"GET / HTTP/1.1\r\n\r\n", &mut none, &Limits::DEFAULT)
                .unwrap()
                .is_complete()
        );

        let mut many = b"GET / HTTP/1.1\r\n".to_vec();
        for i in 0..Limits::MAX_HEADERS {
            many.extend_from_slice(format!("X-{i}: {i}\r\n").as_bytes());
        }
        many.extend_from_slice(b"\r\n");
        assert_eq!(complete(&many).0.headers.len(), Limits::MAX_HEADERS);
        let at = many.len() - 2;
        many.splice(at..at, b"Y: 1\r\n".iter().copied());
        assert_eq!(parse_with(&many, Limits::DEFAULT), Err(TooManyHeaders));
    }

    #[test]
    fn every_error_has_a_status_and_reason() {
        let all = [
            TooManyEmptyLines,
            BadMethod,
            BadTarget,
            TargetFormMismatch,
            BadVersion,
            UnsupportedVersion,
            UriTooLong,
            BareLf,
            BareCr,
            ObsFold,
            EmptyHeaderName,
            BadHeaderName,
            WhitespaceBeforeColon,
            MissingColon,
            BadHeaderValue,
            HeadTooLarge,
            TooManyHeaders,
        ];
        for e in all {
            assert!(matches!(e.status(), 400 | 414 | 431 | 505));
            assert!(!e.reason().is_empty());
            assert_eq!(e.to_string(), e.reason());
        }
    }

    /// A small xorshift64 generator: deterministic property tests without crates.
    pub(crate) struct XorShift(pub u64);

    impl XorShift {
        pub fn next(&mut self) -> u64 {
            let mut x = self.0;
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            self.0 = x;
            x
        }

        pub fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }

        pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
            &items[self.below(items.len())]
        }
    }

    /// Random bytes, biased towards the bytes the grammar cares about.
    fn random_input(rng: &mut XorShift, len: usize) -> Vec<u8> {
        const INTERESTING: &[u8] = b"\r\n :\t/?#*%HTTP1.0GETx\x00\x7f\x80\xff";
        (0..len)
            .map(|_| {
                if rng.below(2) == 0 {
                    *rng.pick(INTERESTING)
                } else {
                    rng.next() as u8
                }
            })
            .collect()
    }

    #[test]
    fn property_never_panics_and_offsets_stay_in_bounds() {
        let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
        for _ in 0..20_000 {
            let len = rng.below(80);
            let mut input = random_input(&mut rng, len);
            if rng.below(2) == 0 {
                let mut prefixed = b"GET / HTTP/1.1\r\n".to_vec();
                prefixed.append(&mut input);
                input = prefixed;
            }
            if let Ok(Parsed::Complete((head, offset))) = parse(&input) {
                assert!(offset <= input.len());
                assert_eq!(&input[offset - 2..offset], b"\r\n");
                for h in head.headers {
                    assert!(h.name.iter().all(|&b| crate::chars::is_tchar(b)));
                    assert!(
                        h.value
                            .iter()
                            .all(|&b| crate::chars::is_field_value_char(b))
                    );
                }
            }
        }
    }

    fn random_value(rng: &mut XorShift) -> Vec<u8> {
        let len = rng.below(40);
        let mut v: Vec<u8> = (0..len)
            .map(|_| {
                loop {
                    let b = rng.next() as u8;
                    if crate::chars::is_field_value_char(b) {
                        break b;
                    }
                }
            })
            .collect();
        while v.first().is_some_and(|&b| is_ows(b)) {
            v.remove(0);
        }
        while v.last().is_some_and(|&b| is_ows(b)) {
            v.pop();
        }
        v
    }

    fn random_token(rng: &mut XorShift) -> Vec<u8> {
        let len = 1 + rng.below(20);
        (0..len)
            .map(|_| {
                loop {
                    let b = rng.next() as u8;
                    if crate::chars::is_tchar(b) {
                        break b;
                    }
                }
            })
            .collect()
    }

    #[test]
    fn property_random_valid_requests_round_trip_and_split_anywhere() {
        let mut rng = XorShift(0xDEAD_BEEF_CAFE_F00D);
        for _ in 0..2_000 {
            let method = random_token(&mut rng);
            let path_len = rng.below(30);
            let mut target = vec![b'/'];
            target.extend((0..path_len).map(|_| {
                loop {
                    let b = rng.next() as u8;
                    if is_target_char_for_test(b) {
                        break b;
                    }
                }
            }));
            let minor = b'0' + rng.below(10) as u8;
            let fields: Vec<(Vec<u8>, Vec<u8>)> = (0..rng.below(8))
                .map(|_| (random_token(&mut rng), random_value(&mut rng)))
                .collect();

            let mut input = Vec::new();
            for _ in 0..rng.below(3) {
                input.extend_from_slice(b"\r\n");
            }
            input.extend_from_slice(&method);
            input.push(b' ');
            input.extend_from_slice(&target);
            input.extend_from_slice(b" HTTP/1.");
            input.push(minor);
            input.extend_from_slice(b"\r\n");
            for (name, value) in &fields {
                input.extend_from_slice(name);
                input.push(b':');
                for _ in 0..rng.below(3) {
                    input.push(*rng.pick(b" \t"));
                }
                input.extend_from_slice(value);
                for _ in 0..rng.below(3) {
                    input.push(*rng.pick(b" \t"));
                }
                input.extend_from_slice(b"\r\n");
            }
            input.extend_from_slice(b"\r\n");
            let head_len = input.len();
            input.extend_from_slice(&random_input(&mut rng, 5));

            let method_kind = Method::from_bytes(&method);
            let expect_ok = method_kind != Method::Connect;
            let result = parse(&input);
            if !expect_ok {
                assert_eq!(result, Err(TargetFormMismatch));
                continue;
            }
            let (head, offset) = result.unwrap().complete().unwrap();
            assert_eq!(offset, head_len);
            assert_eq!(head.method_raw, &method[..]);
            assert_eq!(head.method, method_kind);
            assert_eq!(head.target_raw, &target[..]);
            assert_eq!(head.version.minor, minor - b'0');
            let got: Vec<(Vec<u8>, Vec<u8>)> = head
                .headers
                .iter()
                .map(|h| (h.name.to_vec(), h.value.to_vec()))
                .collect();
            assert_eq!(got, fields);

            // Splitting anywhere before the end of the head gives Partial,
            // and the full input gives the same head.
            let cut = rng.below(head_len);
            assert_eq!(parse(&input[..cut]), Ok(Parsed::Partial));
            assert_eq!(
                parse(&input[..head_len]).unwrap().complete().unwrap().0,
                head
            );
        }
    }

    fn is_target_char_for_test(b: u8) -> bool {
        (0x21..=0x7e).contains(&b) && !matches!(b, b'#' | b'"' | b'<' | b'>')
    }
}
