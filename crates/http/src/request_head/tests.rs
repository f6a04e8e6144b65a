//! Table and property tests of the request-head parser.

use super::*;
use crate::chars::is_ows;
use crate::test_rng::XorShift;
use ParseError::*;

fn parse<'b>(input: &'b [u8]) -> Result<Parsed<(RequestHead<'b, 'b>, usize)>, ParseError> {
    let headers = Box::leak(Box::new([Header::EMPTY; 64]));
    parse_request(input, headers, &ParseLimits::DEFAULT)
}

fn parse_with<'b>(
    input: &'b [u8],
    limits: ParseLimits,
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
    let origin =
        |path: &'static [u8], query: Option<&'static [u8]>| -> T { Target::Origin { path, query } };
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
    let limits = ParseLimits::DEFAULT;
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

    let small = ParseLimits {
        max_request_line: 16,
        ..ParseLimits::DEFAULT
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
    let limits = ParseLimits {
        max_head: 64,
        ..ParseLimits::DEFAULT
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
    huge.resize(ParseLimits::MAX_HEAD + 1, b'c');
    assert_eq!(parse(&huge), Err(HeadTooLarge));
}

#[test]
fn header_count_limit_is_431() {
    let limits = ParseLimits {
        max_headers: 3,
        ..ParseLimits::DEFAULT
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
        parse_request(three, &mut two, &ParseLimits::DEFAULT),
        Err(TooManyHeaders)
    );
    let mut none: [Header<'_>; 0] = [];
    assert!(
        parse_request(b"GET / HTTP/1.1\r\n\r\n", &mut none, &ParseLimits::DEFAULT)
            .unwrap()
            .is_complete()
    );

    let mut many = b"GET / HTTP/1.1\r\n".to_vec();
    for i in 0..ParseLimits::MAX_HEADERS {
        many.extend_from_slice(format!("X-{i}: {i}\r\n").as_bytes());
    }
    many.extend_from_slice(b"\r\n");
    assert_eq!(complete(&many).0.headers.len(), ParseLimits::MAX_HEADERS);
    let at = many.len() - 2;
    many.splice(at..at, b"Y: 1\r\n".iter().copied());
    assert_eq!(parse_with(&many, ParseLimits::DEFAULT), Err(TooManyHeaders));
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

#[test]
fn a_list_field_is_one_value_across_its_lines() {
    let cases: &[(&str, Result<Option<&str>, ListTooLong>)] = &[
        ("", Ok(None)),
        ("A: x\r\n", Ok(Some("x"))),
        ("A: x\r\nB: y\r\na: z\r\n", Ok(Some("x, z"))),
        ("a: x, y\r\nA:\r\nA: w\r\n", Ok(Some("x, y, , w"))),
        ("A: 0123456789\r\nA: 0123456789\r\n", Err(ListTooLong)),
    ];
    for &(fields, want) in cases {
        let request = format!("GET / HTTP/1.1\r\nHost: h\r\n{fields}\r\n");
        let (head, _) = complete(request.as_bytes());
        let mut out = [0u8; 16];
        let got = head
            .list(b"a", &mut out)
            .map(|v| v.map(|v| core::str::from_utf8(v).unwrap()));
        assert_eq!(got, want, "{fields:?}");
    }
}
