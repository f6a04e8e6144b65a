//! Message framing of a complete request head: where the body ends, whether
//! the connection persists, whether the client waits for `100 Continue`, and
//! which host the request is for (RFC 9112 §6, §9.3; RFC 9110 §7.2, §10.1.1).
//!
//! Ambiguous framing is the root of request smuggling, so every doubtful case
//! is an error rather than a guess.

use crate::authority::is_valid_host_field;
use crate::chars::{is_token, trim_ows};
use crate::request_head::{RequestHead, Target};

/// How the request body is delimited (RFC 9112 §6.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Body {
    /// Neither Content-Length nor Transfer-Encoding: no body (RFC 9112 §6.3
    /// rule 6).
    None,
    /// Exactly this many bytes follow the head (may be 0).
    Length(u64),
    /// A chunked body follows; decode it with [`crate::ChunkedDecoder`].
    Chunked,
}

/// What [`analyze`] found out about a request's framing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Framing<'b> {
    /// How the body is delimited.
    pub body: Body,
    /// Whether the connection may carry another request after this one
    /// (RFC 9112 §9.3).
    pub keep_alive: bool,
    /// Whether the client sent `Expect: 100-continue` in an HTTP/1.1 request
    /// and waits for an interim `100 Continue` before sending the body
    /// (RFC 9110 §10.1.1). The server may skip the 100 when there is no body
    /// or when it answers with a final status first.
    pub expect_continue: bool,
    /// The request's host (`uri-host [ ":" port ]`): the authority of an
    /// absolute-form target (which overrides Host, RFC 9112 §3.2.2), else the
    /// Host field value (possibly empty), else `None` for an HTTP/1.0 request
    /// without Host.
    pub host: Option<&'b [u8]>,
}

/// Why a head's framing was rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FramingError {
    /// An HTTP/1.1 request without Host (RFC 9112 §3.2).
    MissingHost,
    /// More than one Host field line (RFC 9112 §3.2).
    DuplicateHost,
    /// A Host value that is not `uri-host [ ":" port ]` (RFC 9112 §3.2,
    /// RFC 9110 §7.2).
    BadHost,
    /// Content-Length is not `1*DIGIT`, overflows, or several values differ
    /// (RFC 9110 §8.6, RFC 9112 §6.3).
    BadContentLength,
    /// Both Transfer-Encoding and Content-Length (RFC 9112 §6.1, §6.3): a
    /// smuggling vector, rejected.
    ContentLengthWithTransferEncoding,
    /// Transfer-Encoding in an HTTP/1.0 request (RFC 9112 §6.1: its framing
    /// must be treated as faulty).
    TransferEncodingInHttp10,
    /// Transfer-Encoding whose final coding is not chunked, or with chunked
    /// more than once (RFC 9112 §6.1, §6.3).
    ChunkedNotFinal,
    /// A Transfer-Encoding value that is empty or not a list of tokens, or
    /// parameters on chunked (RFC 9112 §6.1, §7).
    BadTransferEncoding,
    /// A transfer coding other than chunked (RFC 9112 §6.1: 501).
    UnknownTransferCoding,
    /// An expectation other than 100-continue (RFC 9110 §10.1.1: 417).
    UnsupportedExpectation,
    /// A Connection value that is not a list of tokens (RFC 9110 §7.6.1).
    BadConnection,
}

impl FramingError {
    /// The status code to answer with: 400, 417 or 501.
    pub fn status(self) -> u16 {
        match self {
            FramingError::UnknownTransferCoding => 501,
            FramingError::UnsupportedExpectation => 417,
            _ => 400,
        }
    }

    /// A short human explanation for the error response body.
    pub fn reason(self) -> &'static str {
        match self {
            FramingError::MissingHost => "missing Host header field",
            FramingError::DuplicateHost => "more than one Host header field",
            FramingError::BadHost => "invalid Host header field",
            FramingError::BadContentLength => "invalid Content-Length",
            FramingError::ContentLengthWithTransferEncoding => {
                "both Content-Length and Transfer-Encoding"
            }
            FramingError::TransferEncodingInHttp10 => "Transfer-Encoding in an HTTP/1.0 request",
            FramingError::ChunkedNotFinal => "chunked must be the final transfer coding, once",
            FramingError::BadTransferEncoding => "invalid Transfer-Encoding",
            FramingError::UnknownTransferCoding => "transfer coding not implemented",
            FramingError::UnsupportedExpectation => "expectation not supported",
            FramingError::BadConnection => "invalid Connection header field",
        }
    }
}

impl core::fmt::Display for FramingError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.reason())
    }
}

/// The non-empty elements of a comma-separated list value, OWS-trimmed.
///
/// RFC 9110 §5.6.1: recipients must accept and ignore empty list elements.
fn list_elements(value: &[u8]) -> impl Iterator<Item = &[u8]> {
    value
        .split(|&b| b == b',')
        .map(trim_ows)
        .filter(|e| !e.is_empty())
}

/// The fields that decide framing, found in one pass over the head.
#[derive(Default)]
struct FramingFields<'b> {
    host: Option<&'b [u8]>,
    host_count: usize,
    content_length: Option<u64>,
    transfer_encoding: bool,
    expect_continue: bool,
    close: bool,
    keep_alive: bool,
}

/// Determines the framing of a complete request head.
pub fn analyze<'b>(head: &RequestHead<'b, '_>) -> Result<Framing<'b>, FramingError> {
    let http11 = head.version.is_http11();
    let mut f = FramingFields::default();
    for h in head.headers {
        // The length test first keeps the common, irrelevant fields cheap.
        let name = h.name;
        match name.len() {
            4 if name.eq_ignore_ascii_case(b"host") => {
                f.host_count += 1;
                f.host.get_or_insert(h.value);
            }
            6 if name.eq_ignore_ascii_case(b"expect") => expect(h.value, &mut f)?,
            10 if name.eq_ignore_ascii_case(b"connection") => connection(h.value, &mut f)?,
            14 if name.eq_ignore_ascii_case(b"content-length") => {
                content_length(h.value, &mut f.content_length)?;
            }
            17 if name.eq_ignore_ascii_case(b"transfer-encoding") => f.transfer_encoding = true,
            _ => {}
        }
    }

    // RFC 9112 §3.2: exactly one valid Host in HTTP/1.1 (at most one in 1.0);
    // an absolute-form target's authority replaces it (RFC 9112 §3.2.2).
    if f.host_count > 1 {
        return Err(FramingError::DuplicateHost);
    }
    match f.host {
        None if http11 => return Err(FramingError::MissingHost),
        Some(value) if !is_valid_host_field(value) => return Err(FramingError::BadHost),
        _ => {}
    }
    let host = match head.target {
        Target::Absolute { authority, .. } => Some(authority),
        _ => f.host,
    };

    // RFC 9112 §6.3: Transfer-Encoding (chunked last) or Content-Length,
    // never both, else no body.
    let body = if f.transfer_encoding {
        if !http11 {
            return Err(FramingError::TransferEncodingInHttp10);
        }
        if f.content_length.is_some() {
            return Err(FramingError::ContentLengthWithTransferEncoding);
        }
        transfer_encoding(head)?
    } else {
        f.content_length.map_or(Body::None, Body::Length)
    };

    Ok(Framing {
        body,
        // RFC 9112 §9.3: HTTP/1.1 persists unless "close"; HTTP/1.0 only with
        // "keep-alive" (RFC 9112 Appendix C.2.2).
        keep_alive: !f.close && (http11 || f.keep_alive),
        // An HTTP/1.0 client cannot understand 100, so its expectation is
        // ignored (RFC 9110 §10.1.1).
        expect_continue: f.expect_continue && http11,
        host,
    })
}

/// RFC 9110 §10.1.1: 100-continue is the only expectation defined; any other
/// gets 417.
fn expect(value: &[u8], f: &mut FramingFields<'_>) -> Result<(), FramingError> {
    for element in list_elements(value) {
        if !element.eq_ignore_ascii_case(b"100-continue") {
            return Err(FramingError::UnsupportedExpectation);
        }
        f.expect_continue = true;
    }
    Ok(())
}

/// `Connection = #connection-option`, each a token (RFC 9110 §7.6.1).
fn connection(value: &[u8], f: &mut FramingFields<'_>) -> Result<(), FramingError> {
    for option in list_elements(value) {
        if !is_token(option) {
            return Err(FramingError::BadConnection);
        }
        if option.eq_ignore_ascii_case(b"close") {
            f.close = true;
        } else if option.eq_ignore_ascii_case(b"keep-alive") {
            f.keep_alive = true;
        }
    }
    Ok(())
}

/// The codings of all Transfer-Encoding fields, one list across field lines
/// (RFC 9110 §5.3): chunked must be final and appear once.
fn transfer_encoding(head: &RequestHead<'_, '_>) -> Result<Body, FramingError> {
    let mut codings = 0;
    let mut chunked = 0;
    let mut last_is_chunked = false;
    let mut unknown = false;
    for value in head.headers_named(b"transfer-encoding") {
        for element in list_elements(value) {
            // transfer-coding = token *( OWS ";" OWS transfer-parameter )
            let (name, params) = match element.iter().position(|&b| b == b';') {
                Some(semi) => (trim_ows(&element[..semi]), true),
                None => (element, false),
            };
            if !is_token(name) {
                return Err(FramingError::BadTransferEncoding);
            }
            codings += 1;
            last_is_chunked = name.eq_ignore_ascii_case(b"chunked");
            if last_is_chunked {
                // RFC 9112 §7: chunked defines no parameters.
                if params {
                    return Err(FramingError::BadTransferEncoding);
                }
                chunked += 1;
            } else {
                unknown = true;
            }
        }
    }
    if codings == 0 {
        return Err(FramingError::BadTransferEncoding);
    }
    // RFC 9112 §6.3: a request whose final coding is not chunked MUST get 400;
    // this takes precedence over the SHOULD-501 for unknown codings (§6.1).
    if !last_is_chunked || chunked > 1 {
        return Err(FramingError::ChunkedNotFinal);
    }
    if unknown {
        return Err(FramingError::UnknownTransferCoding);
    }
    Ok(Body::Chunked)
}

/// `Content-Length = 1*DIGIT` (RFC 9110 §8.6). Several field lines or a list
/// are accepted only when every value is the same number.
fn content_length(value: &[u8], length: &mut Option<u64>) -> Result<(), FramingError> {
    for element in value.split(|&b| b == b',').map(trim_ows) {
        if element.is_empty() {
            return Err(FramingError::BadContentLength);
        }
        let mut n: u64 = 0;
        for &d in element {
            if !d.is_ascii_digit() {
                return Err(FramingError::BadContentLength);
            }
            n = n
                .checked_mul(10)
                .and_then(|n| n.checked_add(u64::from(d - b'0')))
                .ok_or(FramingError::BadContentLength)?;
        }
        match *length {
            Some(previous) if previous != n => return Err(FramingError::BadContentLength),
            _ => *length = Some(n),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request_head::{Header, ParseLimits, Parsed, parse_request};

    /// Parses `head` (which must be a complete head) and analyzes it.
    fn frame(head: &str) -> Result<Framing<'_>, FramingError> {
        let mut headers = [Header::EMPTY; 32];
        let parsed = parse_request(head.as_bytes(), &mut headers, &ParseLimits::DEFAULT);
        match parsed {
            Ok(Parsed::Complete((head, _))) => analyze(&head),
            other => panic!("test head does not parse: {other:?}"),
        }
    }

    fn req11(fields: &str) -> String {
        format!("POST / HTTP/1.1\r\nHost: example.com\r\n{fields}\r\n")
    }

    fn req10(fields: &str) -> String {
        format!("POST / HTTP/1.0\r\n{fields}\r\n")
    }

    #[test]
    fn host_rules() {
        let ok: &[(&str, Option<&[u8]>)] = &[
            (
                "GET / HTTP/1.1\r\nHost: a.example\r\n\r\n",
                Some(b"a.example"),
            ),
            (
                "GET / HTTP/1.1\r\nhOsT: a.example:8080\r\n\r\n",
                Some(b"a.example:8080"),
            ),
            ("GET / HTTP/1.1\r\nHost:\r\n\r\n", Some(b"")),
            (
                "GET / HTTP/1.1\r\nHost: [::1]:80\r\n\r\n",
                Some(b"[::1]:80"),
            ),
            ("GET / HTTP/1.0\r\n\r\n", None),
            ("GET / HTTP/1.0\r\nHost: x\r\n\r\n", Some(b"x")),
            (
                "GET http://proxy.example/p HTTP/1.1\r\nHost: other.example\r\n\r\n",
                Some(b"proxy.example"),
            ),
            ("GET / HTTP/1.2\r\nHost: x\r\n\r\n", Some(b"x")),
        ];
        for (req, host) in ok {
            assert_eq!(frame(req).map(|f| f.host), Ok(*host), "{req:?}");
        }
        let bad: &[(&str, FramingError)] = &[
            ("GET / HTTP/1.1\r\n\r\n", FramingError::MissingHost),
            ("GET / HTTP/1.2\r\n\r\n", FramingError::MissingHost),
            (
                "GET http://a.example/ HTTP/1.1\r\n\r\n",
                FramingError::MissingHost,
            ),
            (
                "GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n",
                FramingError::DuplicateHost,
            ),
            (
                "GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n",
                FramingError::DuplicateHost,
            ),
            (
                "GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n",
                FramingError::DuplicateHost,
            ),
            ("GET / HTTP/1.1\r\nHost: a b\r\n\r\n", FramingError::BadHost),
            ("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", FramingError::BadHost),
            ("GET / HTTP/1.1\r\nHost: u@a\r\n\r\n", FramingError::BadHost),
            (
                "GET / HTTP/1.1\r\nHost: a:99999\r\n\r\n",
                FramingError::BadHost,
            ),
            (
                "GET / HTTP/1.1\r\nHost: a, b\r\n\r\n",
                FramingError::BadHost,
            ),
            (
                "GET / HTTP/1.0\r\nHost: [::1\r\n\r\n",
                FramingError::BadHost,
            ),
        ];
        for (req, err) in bad {
            assert_eq!(frame(req), Err(*err), "{req:?}");
            assert_eq!(err.status(), 400);
        }
    }

    #[test]
    fn content_length_rules() {
        let ok: &[(&str, Body)] = &[
            ("", Body::None),
            ("Content-Length: 0\r\n", Body::Length(0)),
            ("Content-Length: 42\r\n", Body::Length(42)),
            ("content-length:   42  \r\n", Body::Length(42)),
            ("Content-Length: 007\r\n", Body::Length(7)),
            (
                "Content-Length: 42\r\nContent-Length: 42\r\n",
                Body::Length(42),
            ),
            ("Content-Length: 42, 42\r\n", Body::Length(42)),
            ("Content-Length: 42,42,42\r\n", Body::Length(42)),
            (
                "Content-Length: 18446744073709551615\r\n",
                Body::Length(u64::MAX),
            ),
        ];
        for (fields, body) in ok {
            assert_eq!(
                frame(&req11(fields)).map(|f| f.body),
                Ok(*body),
                "{fields:?}"
            );
        }
        let bad = [
            "Content-Length:\r\n",
            "Content-Length: -1\r\n",
            "Content-Length: +1\r\n",
            "Content-Length: 1.0\r\n",
            "Content-Length: 0x10\r\n",
            "Content-Length: 1 2\r\n",
            "Content-Length: 42, 43\r\n",
            "Content-Length: 42,\r\n",
            "Content-Length: ,42\r\n",
            "Content-Length: 42\r\nContent-Length: 43\r\n",
            "Content-Length: 42\r\nContent-Length: \r\n",
            "Content-Length: 18446744073709551616\r\n",
            "Content-Length: 99999999999999999999999\r\n",
            "Content-Length: \"42\"\r\n",
        ];
        for fields in bad {
            let req = req11(fields);
            assert_eq!(
                frame(&req),
                Err(FramingError::BadContentLength),
                "{fields:?}"
            );
        }
    }

    #[test]
    fn transfer_encoding_rules() {
        let ok = [
            "Transfer-Encoding: chunked\r\n",
            "Transfer-Encoding: CHUNKED\r\n",
            "transfer-encoding:chunked \r\n",
            "Transfer-Encoding: , chunked\r\n",
            "Transfer-Encoding: chunked,\r\n",
            "Transfer-Encoding:\r\nTransfer-Encoding: chunked\r\n",
        ];
        for fields in ok {
            assert_eq!(
                frame(&req11(fields)).map(|f| f.body),
                Ok(Body::Chunked),
                "{fields:?}"
            );
        }
        let bad: &[(&str, FramingError, u16)] = &[
            (
                "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n",
                FramingError::ContentLengthWithTransferEncoding,
                400,
            ),
            (
                "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
                FramingError::ContentLengthWithTransferEncoding,
                400,
            ),
            (
                "Transfer-Encoding: chunked, chunked\r\n",
                FramingError::ChunkedNotFinal,
                400,
            ),
            (
                "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
                FramingError::ChunkedNotFinal,
                400,
            ),
            (
                "Transfer-Encoding: chunked, gzip\r\n",
                FramingError::ChunkedNotFinal,
                400,
            ),
            (
                "Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n",
                FramingError::ChunkedNotFinal,
                400,
            ),
            (
                "Transfer-Encoding: gzip\r\n",
                FramingError::ChunkedNotFinal,
                400,
            ),
            (
                "Transfer-Encoding: identity\r\n",
                FramingError::ChunkedNotFinal,
                400,
            ),
            (
                "Transfer-Encoding:\r\n",
                FramingError::BadTransferEncoding,
                400,
            ),
            (
                "Transfer-Encoding: ,\r\n",
                FramingError::BadTransferEncoding,
                400,
            ),
            (
                "Transfer-Encoding: chun ked\r\n",
                FramingError::BadTransferEncoding,
                400,
            ),
            (
                "Transfer-Encoding: \"chunked\"\r\n",
                FramingError::BadTransferEncoding,
                400,
            ),
            (
                "Transfer-Encoding: chunked;a=b\r\n",
                FramingError::BadTransferEncoding,
                400,
            ),
            (
                "Transfer-Encoding: chunked/1\r\n",
                FramingError::BadTransferEncoding,
                400,
            ),
            (
                "Transfer-Encoding: gzip, chunked\r\n",
                FramingError::UnknownTransferCoding,
                501,
            ),
            (
                "Transfer-Encoding: gzip;q=1, chunked\r\n",
                FramingError::UnknownTransferCoding,
                501,
            ),
            (
                "Transfer-Encoding: deflate\r\nTransfer-Encoding: chunked\r\n",
                FramingError::UnknownTransferCoding,
                501,
            ),
        ];
        for (fields, err, status) in bad {
            assert_eq!(frame(&req11(fields)), Err(*err), "{fields:?}");
            assert_eq!(err.status(), *status);
        }
        assert_eq!(
            frame(&req10("Transfer-Encoding: chunked\r\n")),
            Err(FramingError::TransferEncodingInHttp10)
        );
        assert_eq!(
            frame(&req10(
                "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n"
            )),
            Err(FramingError::TransferEncodingInHttp10)
        );
    }

    #[test]
    fn expect_rules() {
        let cases: Vec<(String, Result<bool, FramingError>)> = vec![
            (req11(""), Ok(false)),
            (req11("Expect: 100-continue\r\n"), Ok(true)),
            (req11("Expect: 100-Continue\r\n"), Ok(true)),
            (req11("Expect:\r\n"), Ok(false)),
            (req11("Expect: 100-continue, 100-continue\r\n"), Ok(true)),
            // One list across its lines (RFC 9110 §5.3).
            (req11("Expect:\r\nExpect: 100-continue\r\n"), Ok(true)),
            (
                req11("Expect: 100-continue\r\nExpect: nope\r\n"),
                Err(FramingError::UnsupportedExpectation),
            ),
            (req10("Expect: 100-continue\r\n"), Ok(false)),
            (
                req11("Expect: 200-ok\r\n"),
                Err(FramingError::UnsupportedExpectation),
            ),
            (
                req11("Expect: 100-continue, x\r\n"),
                Err(FramingError::UnsupportedExpectation),
            ),
            (
                req11("Expect: 100-continue=1\r\n"),
                Err(FramingError::UnsupportedExpectation),
            ),
            (
                req10("Expect: foo\r\n"),
                Err(FramingError::UnsupportedExpectation),
            ),
        ];
        for (req, want) in &cases {
            assert_eq!(frame(req).map(|f| f.expect_continue), *want, "{req:?}");
        }
        assert_eq!(FramingError::UnsupportedExpectation.status(), 417);
    }

    #[test]
    fn connection_rules() {
        let cases: Vec<(String, Result<bool, FramingError>)> = vec![
            (req11(""), Ok(true)),
            (req11("Connection: close\r\n"), Ok(false)),
            (req11("Connection: CLOSE\r\n"), Ok(false)),
            (req11("Connection: keep-alive\r\n"), Ok(true)),
            (req11("Connection: Upgrade, close\r\n"), Ok(false)),
            (
                req11("Connection: keep-alive\r\nConnection: close\r\n"),
                Ok(false),
            ),
            (req11("Connection: keep-alive, close\r\n"), Ok(false)),
            (
                req11("Connection: keep-alive\r\nConnection: x, close\r\n"),
                Ok(false),
            ),
            (
                req11("Connection: close\r\nConnection: a b\r\n"),
                Err(FramingError::BadConnection),
            ),
            (req11("Connection: ,,\r\n"), Ok(true)),
            (req10(""), Ok(false)),
            (req10("Connection: keep-alive\r\n"), Ok(true)),
            (req10("Connection: Keep-Alive\r\n"), Ok(true)),
            (req10("Connection: keep-alive, close\r\n"), Ok(false)),
            (
                req11("Connection: a b\r\n"),
                Err(FramingError::BadConnection),
            ),
            (
                req11("Connection: \"close\"\r\n"),
                Err(FramingError::BadConnection),
            ),
        ];
        for (req, want) in &cases {
            assert_eq!(frame(req).map(|f| f.keep_alive), *want, "{req:?}");
        }
    }

    #[test]
    fn every_error_has_status_and_reason() {
        use FramingError::*;
        for e in [
            MissingHost,
            DuplicateHost,
            BadHost,
            BadContentLength,
            ContentLengthWithTransferEncoding,
            TransferEncodingInHttp10,
            ChunkedNotFinal,
            BadTransferEncoding,
            UnknownTransferCoding,
            UnsupportedExpectation,
            BadConnection,
        ] {
            assert!(matches!(e.status(), 400 | 417 | 501));
            assert!(!e.reason().is_empty());
        }
    }
}
