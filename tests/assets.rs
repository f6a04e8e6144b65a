//! Embedded static sites over real TCP: validators, ranges, gzip, folders, cache policy, and
//! path traversal in every encoding (examples/static-site and the landing site).

mod support;
use std::io::Write;
use std::process::{Command, Stdio};
use support::{Response, Server};

fn request(s: &Server, head: &str) -> Response {
    let raw = s.exchange(format!("{head}\r\nHost: t\r\nConnection: close\r\n\r\n").as_bytes());
    let head_only = head.starts_with("HEAD ");
    Response::parse_framed(&raw, head_only).unwrap_or_else(|| {
        panic!(
            "bad response to {head}: {:?}",
            String::from_utf8_lossy(&raw)
        )
    })
}

fn gunzip(data: &[u8]) -> Vec<u8> {
    let mut child = Command::new("gzip")
        .arg("-dc")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .or_else(|_| {
            Command::new("python3")
                .args(["-c", "import gzip,sys; sys.stdout.buffer.write(gzip.decompress(sys.stdin.buffer.read()))"])
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
        })
        .expect("gzip or python3 to check the gzip body");
    child.stdin.take().unwrap().write_all(data).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "not valid gzip");
    out.stdout
}

#[test]
fn etag_and_if_none_match_give_304_without_a_body() {
    let s = Server::start("examples/static-site", &["--quiet"]);
    let r = request(&s, "GET / HTTP/1.1");
    assert_eq!(r.status, 200);
    let etag = r.header("etag").expect("ETag").to_string();
    assert!(
        etag.starts_with('"') && etag.ends_with('"') && !etag.starts_with("W/"),
        "strong ETag: {etag}"
    );
    let again = request(&s, &format!("GET / HTTP/1.1\r\nIf-None-Match: {etag}"));
    assert_eq!(again.status, 304);
    assert!(
        again.body.is_empty() && again.rest.is_empty(),
        "a 304 carries no body"
    );
    assert_eq!(again.header("etag"), Some(etag.as_str()));
    let other = request(&s, "GET / HTTP/1.1\r\nIf-None-Match: \"nope\"");
    assert_eq!(other.status, 200);
    let since = request(
        &s,
        &format!(
            "GET / HTTP/1.1\r\nIf-Modified-Since: {}",
            r.header("last-modified").unwrap()
        ),
    );
    assert_eq!(since.status, 304);
}

#[test]
fn head_has_the_same_content_length_as_get() {
    let s = Server::start("verbosel", &["--quiet"]);
    for path in ["/", "/style.css", "/app.js"] {
        let get = request(&s, &format!("GET {path} HTTP/1.1"));
        let head = request(&s, &format!("HEAD {path} HTTP/1.1"));
        assert_eq!(get.status, 200);
        assert_eq!(head.status, 200);
        assert_eq!(
            head.header("content-length"),
            get.header("content-length"),
            "{path}"
        );
        assert!(head.rest.is_empty(), "HEAD sent a body for {path}");
        assert_eq!(head.header("etag"), get.header("etag"));
    }
}

#[test]
fn byte_ranges_and_unsatisfiable_ones() {
    let s = Server::start("verbosel", &["--quiet"]);
    let full = request(&s, "GET / HTTP/1.1");
    let total = full.body.len();
    assert!(total > 100);
    assert_eq!(full.header("accept-ranges"), Some("bytes"));
    let r = request(&s, "GET / HTTP/1.1\r\nRange: bytes=0-99");
    assert_eq!(r.status, 206);
    assert_eq!(r.body, &full.body[..100]);
    assert_eq!(
        r.header("content-range"),
        Some(format!("bytes 0-99/{total}").as_str())
    );
    let tail = request(&s, "GET / HTTP/1.1\r\nRange: bytes=-10");
    assert_eq!(
        (tail.status, &tail.body[..]),
        (206, &full.body[total - 10..])
    );
    let past = request(
        &s,
        &format!("GET / HTTP/1.1\r\nRange: bytes={}-", total + 10),
    );
    assert_eq!(past.status, 416);
    assert_eq!(
        past.header("content-range"),
        Some(format!("bytes */{total}").as_str())
    );
}

#[test]
fn gzip_when_accepted_and_it_gunzips_to_the_same_bytes() {
    let s = Server::start("verbosel", &["--quiet"]);
    for path in ["/", "/style.css", "/app.js"] {
        let plain = request(&s, &format!("GET {path} HTTP/1.1"));
        let gz = request(
            &s,
            &format!("GET {path} HTTP/1.1\r\nAccept-Encoding: gzip, deflate, br"),
        );
        assert_eq!(gz.header("content-encoding"), Some("gzip"), "{path}");
        assert_eq!(gz.header("vary"), Some("Accept-Encoding"));
        assert_eq!(plain.header("content-encoding"), None);
        assert!(gz.body.len() < plain.body.len());
        assert_eq!(gunzip(&gz.body), plain.body, "{path}");
        let refused = request(
            &s,
            &format!("GET {path} HTTP/1.1\r\nAccept-Encoding: gzip;q=0"),
        );
        assert_eq!(refused.header("content-encoding"), None);
    }
}

/// A list-valued field sent on several lines is one list (RFC 9110 §5.3): the answer is the same
/// as for the lines joined with commas, for each field the server reads.
#[test]
fn list_fields_are_read_across_all_their_lines() {
    let s = Server::start("verbosel", &["--quiet"]);
    let etag = request(&s, "GET /style.css HTTP/1.1")
        .header("etag")
        .unwrap()
        .to_string();
    let cases = [
        (
            format!("If-None-Match: \"zz\"\r\nIf-None-Match: {etag}"),
            304,
            None,
        ),
        (format!("If-Match: \"zz\"\r\nIf-Match: {etag}"), 200, None),
        ("If-Match: \"zz\"\r\nIf-Match: \"yy\"".into(), 412, None),
        (
            "Accept-Encoding: br\r\nAccept-Encoding: gzip".into(),
            200,
            Some("gzip"),
        ),
        (
            "Accept-Encoding: gzip;q=0\r\nAccept-Encoding: br".into(),
            200,
            None,
        ),
    ];
    for (fields, status, coding) in cases {
        let r = request(&s, &format!("GET /style.css HTTP/1.1\r\n{fields}"));
        assert_eq!(r.status, status, "{fields:?}");
        assert_eq!(r.header("content-encoding"), coding, "{fields:?}");
    }
}

#[test]
fn folders_redirects_404_page_and_cache_policy() {
    let s = Server::start("examples/static-site", &["--quiet"]);
    let r = request(&s, "GET /docs HTTP/1.1");
    assert_eq!((r.status, r.header("location")), (308, Some("/docs/")));
    let r = request(&s, "GET /docs/ HTTP/1.1");
    assert_eq!(r.status, 200);
    assert!(r.text().contains("<h1>Docs</h1>"));
    assert_eq!(r.header("cache-control"), Some("no-cache"));
    let css = request(&s, "GET /css/site.3f9a1c2b.css HTTP/1.1");
    assert_eq!(
        css.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    assert_eq!(css.header("content-type"), Some("text/css; charset=utf-8"));
    assert_eq!(css.header("x-content-type-options"), Some("nosniff"));
    let missing = request(&s, "GET /nope.html HTTP/1.1");
    assert_eq!(missing.status, 404);
    assert!(missing.text().contains("No such file in this binary."));
    let post = request(&s, "POST /robots.txt HTTP/1.1\r\nContent-Length: 0");
    assert_eq!(post.status, 405);
    assert!(
        post.header("allow")
            .is_some_and(|a| a.contains("GET") && a.contains("HEAD"))
    );
}

/// The folder redirect's Location is built from the normalised path: never a network-path
/// reference (`//host/...`, RFC 3986 §4.2), which a browser would resolve to another host.
#[test]
fn the_folder_redirect_never_leaves_the_site() {
    let s = Server::start("examples/static-site", &["--quiet"]);
    for (target, want) in [
        ("/docs", "/docs/"),
        ("//docs", "/docs/"),
        ("//evil.example/../docs", "/docs/"),
        ("///evil.example/%2e%2e/docs", "/docs/"),
        ("/./docs?x=1", "/docs/?x=1"),
        ("/d%6fcs", "/docs/"),
        ("/css/../docs", "/docs/"),
    ] {
        let r = request(&s, &format!("GET {target} HTTP/1.1"));
        assert_eq!(r.status, 308, "{target}");
        let location = r.header("location").unwrap_or("");
        assert_eq!(location, want, "{target}");
        assert!(!location.starts_with("//"), "{target}: {location}");
    }
}

#[test]
fn traversal_never_escapes_in_any_encoding() {
    let s = Server::start("examples/static-site", &["--quiet"]);
    let targets = [
        "/../../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/%2E%2E/%2E%2E/etc/passwd",
        "/..%2f..%2fetc%2fpasswd",
        "/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/.%2e/.%2e/etc/passwd",
        "/%252e%252e/%252e%252e/etc/passwd",
        "/..%5c..%5cetc%5cpasswd",
        "/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd",
        "/docs/../../etc/passwd",
        "/./../etc/passwd",
        "//../etc/passwd",
        "/etc/passwd%00.html",
        "/%2e%2e",
        "http://t/../../etc/passwd",
    ];
    for t in targets {
        let r = request(&s, &format!("GET {t} HTTP/1.1"));
        assert!(r.status == 400 || r.status == 404, "{t} → {}", r.status);
        assert!(!r.text().contains("root:"), "{t} leaked a file");
    }
}
