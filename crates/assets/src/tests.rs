//! Tables for lookup and for every rule of `respond`.

use super::*;

const fn digits_body() -> [u8; 1000] {
    let mut b = [0u8; 1000];
    let mut i = 0;
    while i < b.len() {
        b[i] = b'0' + (i % 10) as u8;
        i += 1;
    }
    b
}
static BODY: [u8; 1000] = digits_body();
const ETAG: &str = "\"0123456789abcdef\"";
const GZIP_ETAG: &str = "\"0123456789abcdef-gzip\"";
/// RFC 9110's example instant, Sun, 06 Nov 1994 08:49:37 GMT.
const MODIFIED: u64 = 784_111_777;

const fn asset(path: &'static str, body: &'static [u8], gzip: Option<&'static [u8]>) -> Asset {
    Asset {
        path,
        mime: "text/plain; charset=utf-8",
        etag: ETAG,
        last_modified: "Sun, 06 Nov 1994 08:49:37 GMT",
        modified_unix: MODIFIED,
        body,
        gzip,
        cache_control: "public, max-age=3600",
    }
}

static ASSET: Asset = asset("/a.txt", &BODY, Some(b"GZ"));
static PLAIN: Asset = asset("/p.txt", &BODY, None);
static EMPTY: Asset = asset("/e.txt", b"", None);

static FILES: [Asset; 8] = [
    asset("/404.html", b"not found", None),
    asset("/app.js", b"js", Some(b"gz")),
    asset("/docs-old.txt", b"old", None),
    asset("/docs.txt", b"docs.txt", None),
    asset("/docs/index.html", b"docs index", None),
    asset("/docs/intro.html", b"intro", None),
    asset("/empty.txt", b"", None),
    asset("/index.html", b"home", None),
];
static SITE: Assets = Assets {
    files: &FILES,
    not_found: Some(&FILES[0]),
};

#[test]
fn table_is_sorted() {
    assert!(FILES.windows(2).all(|w| w[0].path < w[1].path));
}

#[test]
fn lookups() {
    let found = |p: &str| Lookup::Found(SITE.get(p.as_bytes()).unwrap());
    let cases: &[(&str, Lookup)] = &[
        ("/", found("/index.html")),
        ("/index.html", found("/index.html")),
        ("/docs/", found("/docs/index.html")),
        ("/docs/index.html", found("/docs/index.html")),
        ("/docs/intro.html", found("/docs/intro.html")),
        ("/docs.txt", found("/docs.txt")),
        ("/docs-old.txt", found("/docs-old.txt")),
        ("/404.html", found("/404.html")),
        ("/empty.txt", found("/empty.txt")),
        ("/docs", Lookup::RedirectToDir),
        ("/docs/intro.html/", Lookup::NotFound),
        ("/app.js/", Lookup::NotFound),
        ("/docs/intro", Lookup::NotFound),
        ("/doc", Lookup::NotFound),
        ("/doc/", Lookup::NotFound),
        ("/nope", Lookup::NotFound),
        ("/nope/", Lookup::NotFound),
        ("/index.htmlx", Lookup::NotFound),
        ("/INDEX.HTML", Lookup::NotFound),
        ("//", Lookup::NotFound),
        ("index.html", Lookup::NotFound),
        ("", Lookup::NotFound),
    ];
    for &(path, expected) in cases {
        assert_eq!(SITE.lookup(path.as_bytes()), expected, "{path}");
    }
    assert_eq!(SITE.not_found.map(|a| a.path), Some("/404.html"));
}

#[test]
fn empty_table_finds_nothing() {
    const NONE: Assets = Assets::empty();
    assert_eq!(NONE.lookup(b"/"), Lookup::NotFound);
    assert_eq!(NONE.lookup(b"/x"), Lookup::NotFound);
    assert!(NONE.not_found.is_none());
}

#[test]
fn compare_joined_agrees_with_concatenation() {
    let words: [&[u8]; 9] = [
        b"", b"/", b"/a", b"/a/", b"/a/b", b"/a.b", b"/ab", b"/a-", b"index",
    ];
    for a in words {
        for p in words {
            for s in words {
                let joined: Vec<u8> = [p, s].concat();
                assert_eq!(
                    compare_joined(a, p, s),
                    a.cmp(&joined[..]),
                    "{a:?} {p:?} {s:?}"
                );
            }
        }
    }
}

/// What a reply's body is, for readable tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Body {
    Empty,
    Identity,
    Gzip,
    Part(usize, usize),
}

fn run(asset: &'static Asset, c: Conditions) -> (u16, Body, ContentRange) {
    let r = respond(asset, &c);
    let body = if r.body.is_empty() {
        Body::Empty
    } else if r.gzip {
        assert_eq!(Some(r.body), asset.gzip);
        Body::Gzip
    } else if r.status == 206 {
        // The part must be a sub-slice of the identity body, at the position Content-Range names.
        let start = r.body.as_ptr() as usize - asset.body.as_ptr() as usize;
        assert_eq!(r.body, &asset.body[start..start + r.body.len()]);
        Body::Part(start, start + r.body.len() - 1)
    } else {
        assert_eq!(r.body, asset.body);
        Body::Identity
    };
    assert_eq!(r.vary_accept_encoding, asset.gzip.is_some());
    if r.gzip {
        assert_eq!(r.status, 200, "only full responses are gzip-coded");
    }
    (r.status, body, r.content_range)
}

const NONE: ContentRange = ContentRange::None;
const IMF_EQUAL: &[u8] = b"Sun, 06 Nov 1994 08:49:37 GMT";
const IMF_BEFORE: &[u8] = b"Sun, 06 Nov 1994 08:49:36 GMT";
const IMF_AFTER: &[u8] = b"Sun, 06 Nov 1994 08:49:38 GMT";
const OTHER: &[u8] = b"\"ffffffffffffffff\"";
const WEAK_SAME: &[u8] = b"W/\"0123456789abcdef\"";

fn c() -> Conditions<'static> {
    Conditions::default()
}

#[test]
fn preconditions() {
    let same = ETAG.as_bytes();
    let cases: &[(&str, Conditions, u16, Body)] = &[
        ("no conditions", c(), 200, Body::Identity),
        // If-Match: strong comparison, `*` (§13.1.1).
        (
            "If-Match same",
            Conditions {
                if_match: Some(same),
                ..c()
            },
            200,
            Body::Identity,
        ),
        (
            "If-Match *",
            Conditions {
                if_match: Some(b"*"),
                ..c()
            },
            200,
            Body::Identity,
        ),
        (
            "If-Match list",
            Conditions {
                if_match: Some(b"\"x\", \"0123456789abcdef\""),
                ..c()
            },
            200,
            Body::Identity,
        ),
        (
            "If-Match other",
            Conditions {
                if_match: Some(OTHER),
                ..c()
            },
            412,
            Body::Empty,
        ),
        (
            "If-Match weak same",
            Conditions {
                if_match: Some(WEAK_SAME),
                ..c()
            },
            412,
            Body::Empty,
        ),
        (
            "If-Match garbage",
            Conditions {
                if_match: Some(b"nonsense"),
                ..c()
            },
            412,
            Body::Empty,
        ),
        (
            "If-Match empty",
            Conditions {
                if_match: Some(b""),
                ..c()
            },
            412,
            Body::Empty,
        ),
        // If-Unmodified-Since (§13.1.4).
        (
            "IUS before",
            Conditions {
                if_unmodified_since: Some(IMF_BEFORE),
                ..c()
            },
            412,
            Body::Empty,
        ),
        (
            "IUS equal",
            Conditions {
                if_unmodified_since: Some(IMF_EQUAL),
                ..c()
            },
            200,
            Body::Identity,
        ),
        (
            "IUS after",
            Conditions {
                if_unmodified_since: Some(IMF_AFTER),
                ..c()
            },
            200,
            Body::Identity,
        ),
        (
            "IUS invalid ignored",
            Conditions {
                if_unmodified_since: Some(b"yesterday"),
                ..c()
            },
            200,
            Body::Identity,
        ),
        (
            "IUS ignored with If-Match",
            Conditions {
                if_match: Some(same),
                if_unmodified_since: Some(IMF_BEFORE),
                ..c()
            },
            200,
            Body::Identity,
        ),
        (
            "IUS before, If-Match fails",
            Conditions {
                if_match: Some(OTHER),
                if_unmodified_since: Some(IMF_AFTER),
                ..c()
            },
            412,
            Body::Empty,
        ),
        // If-None-Match: weak comparison (§13.1.2).
        (
            "INM same",
            Conditions {
                if_none_match: Some(same),
                ..c()
            },
            304,
            Body::Empty,
        ),
        (
            "INM weak same",
            Conditions {
                if_none_match: Some(WEAK_SAME),
                ..c()
            },
            304,
            Body::Empty,
        ),
        (
            "INM *",
            Conditions {
                if_none_match: Some(b"*"),
                ..c()
            },
            304,
            Body::Empty,
        ),
        (
            "INM list",
            Conditions {
                if_none_match: Some(b"\"a\", W/\"b\", \"0123456789abcdef\""),
                ..c()
            },
            304,
            Body::Empty,
        ),
        (
            "INM other",
            Conditions {
                if_none_match: Some(OTHER),
                ..c()
            },
            200,
            Body::Identity,
        ),
        // If-Modified-Since (§13.1.3), in the three date forms.
        (
            "IMS equal",
            Conditions {
                if_modified_since: Some(IMF_EQUAL),
                ..c()
            },
            304,
            Body::Empty,
        ),
        (
            "IMS after",
            Conditions {
                if_modified_since: Some(IMF_AFTER),
                ..c()
            },
            304,
            Body::Empty,
        ),
        (
            "IMS before",
            Conditions {
                if_modified_since: Some(IMF_BEFORE),
                ..c()
            },
            200,
            Body::Identity,
        ),
        (
            "IMS rfc850",
            Conditions {
                if_modified_since: Some(b"Sunday, 06-Nov-94 08:49:37 GMT"),
                ..c()
            },
            304,
            Body::Empty,
        ),
        (
            "IMS asctime",
            Conditions {
                if_modified_since: Some(b"Sun Nov  6 08:49:37 1994"),
                ..c()
            },
            304,
            Body::Empty,
        ),
        (
            "IMS with spaces",
            Conditions {
                if_modified_since: Some(b" Sun, 06 Nov 1994 08:49:37 GMT "),
                ..c()
            },
            304,
            Body::Empty,
        ),
        (
            "IMS invalid ignored",
            Conditions {
                if_modified_since: Some(b"Sun, 06 Nov 1994"),
                ..c()
            },
            200,
            Body::Identity,
        ),
        (
            "IMS list ignored",
            Conditions {
                if_modified_since: Some(
                    b"Sun, 06 Nov 1994 08:49:37 GMT, Sun, 06 Nov 1994 08:49:37 GMT",
                ),
                ..c()
            },
            200,
            Body::Identity,
        ),
        // Precedence (§13.2.2).
        (
            "IMS ignored with INM (no match)",
            Conditions {
                if_none_match: Some(OTHER),
                if_modified_since: Some(IMF_AFTER),
                ..c()
            },
            200,
            Body::Identity,
        ),
        (
            "INM match wins over old IMS",
            Conditions {
                if_none_match: Some(same),
                if_modified_since: Some(IMF_BEFORE),
                ..c()
            },
            304,
            Body::Empty,
        ),
        (
            "If-Match failure before INM",
            Conditions {
                if_match: Some(OTHER),
                if_none_match: Some(same),
                ..c()
            },
            412,
            Body::Empty,
        ),
        (
            "IUS failure before INM",
            Conditions {
                if_unmodified_since: Some(IMF_BEFORE),
                if_none_match: Some(same),
                ..c()
            },
            412,
            Body::Empty,
        ),
        (
            "IUS failure before IMS",
            Conditions {
                if_unmodified_since: Some(IMF_BEFORE),
                if_modified_since: Some(IMF_AFTER),
                ..c()
            },
            412,
            Body::Empty,
        ),
        (
            "If-Match passes, INM matches",
            Conditions {
                if_match: Some(same),
                if_none_match: Some(same),
                ..c()
            },
            304,
            Body::Empty,
        ),
        (
            "304 before Range",
            Conditions {
                if_none_match: Some(same),
                range: Some(b"bytes=0-9"),
                ..c()
            },
            304,
            Body::Empty,
        ),
        (
            "412 before Range",
            Conditions {
                if_match: Some(OTHER),
                range: Some(b"bytes=0-9"),
                ..c()
            },
            412,
            Body::Empty,
        ),
        (
            "304 not gzip: the gzip representation's own tag matches",
            Conditions {
                if_none_match: Some(GZIP_ETAG.as_bytes()),
                accept_encoding: Some(b"gzip"),
                ..c()
            },
            304,
            Body::Empty,
        ),
        (
            "the identity tag does not validate the gzip representation",
            Conditions {
                if_none_match: Some(same),
                accept_encoding: Some(b"gzip"),
                ..c()
            },
            200,
            Body::Gzip,
        ),
        (
            "nor the gzip tag the identity one",
            Conditions {
                if_none_match: Some(GZIP_ETAG.as_bytes()),
                ..c()
            },
            200,
            Body::Identity,
        ),
        (
            "If-Match with the gzip tag, for a client that accepts gzip",
            Conditions {
                if_match: Some(GZIP_ETAG.as_bytes()),
                accept_encoding: Some(b"gzip"),
                ..c()
            },
            200,
            Body::Gzip,
        ),
        (
            "a range selects the identity representation: its tag gives 304",
            Conditions {
                if_none_match: Some(same),
                accept_encoding: Some(b"gzip"),
                range: Some(b"bytes=0-9"),
                ..c()
            },
            304,
            Body::Empty,
        ),
        (
            "IMS not modified, INM absent, Range",
            Conditions {
                if_modified_since: Some(IMF_EQUAL),
                range: Some(b"bytes=0-9"),
                ..c()
            },
            304,
            Body::Empty,
        ),
    ];
    for (name, conditions, status, body) in cases {
        assert_eq!(run(&ASSET, *conditions), (*status, *body, NONE), "{name}");
    }
}

#[test]
fn ranges() {
    let bytes = |start, end| ContentRange::Bytes {
        start,
        end,
        total: 1000,
    };
    let unsatisfied = ContentRange::Unsatisfied { total: 1000 };
    let cases: &[(&[u8], u16, Body, ContentRange)] = &[
        (b"bytes=0-99", 206, Body::Part(0, 99), bytes(0, 99)),
        (b"bytes=-100", 206, Body::Part(900, 999), bytes(900, 999)),
        (b"bytes=100-", 206, Body::Part(100, 999), bytes(100, 999)),
        (b"bytes=0-0", 206, Body::Part(0, 0), bytes(0, 0)),
        (b"bytes=999-", 206, Body::Part(999, 999), bytes(999, 999)),
        (b"bytes=0-", 206, Body::Part(0, 999), bytes(0, 999)),
        (
            b"bytes=500-5000",
            206,
            Body::Part(500, 999),
            bytes(500, 999),
        ),
        (b"bytes=-5000", 206, Body::Part(0, 999), bytes(0, 999)),
        (b"Bytes=1-2", 206, Body::Part(1, 2), bytes(1, 2)),
        (b"bytes=1000-", 416, Body::Empty, unsatisfied),
        (b"bytes=1000-2000", 416, Body::Empty, unsatisfied),
        (b"bytes=-0", 416, Body::Empty, unsatisfied),
        (b"bytes=5-2", 200, Body::Gzip, NONE),
        (b"bytes=0-99,200-299", 200, Body::Gzip, NONE),
        (b"items=0-1", 200, Body::Gzip, NONE),
        (b"bytes=abc", 200, Body::Gzip, NONE),
        (
            b"bytes=0-99999999999999999999",
            206,
            Body::Part(0, 999),
            bytes(0, 999),
        ),
        (
            b"bytes=99999999999999999999-",
            416,
            Body::Empty,
            unsatisfied,
        ),
        (
            b"bytes=-99999999999999999999",
            206,
            Body::Part(0, 999),
            bytes(0, 999),
        ),
        (
            b"bytes=18446744073709551615-18446744073709551615",
            416,
            Body::Empty,
            unsatisfied,
        ),
    ];
    for &(range, status, ref body, content_range) in cases {
        // The client accepts gzip; a served range is still the identity body.
        let conditions = Conditions {
            range: Some(range),
            accept_encoding: Some(b"gzip"),
            ..c()
        };
        assert_eq!(
            run(&ASSET, conditions),
            (status, *body, content_range),
            "{}",
            core::str::from_utf8(range).unwrap()
        );
    }
}

#[test]
fn range_of_an_empty_body_is_unsatisfiable() {
    for range in [&b"bytes=0-"[..], b"bytes=-5", b"bytes=0-0"] {
        let r = run(
            &EMPTY,
            Conditions {
                range: Some(range),
                ..c()
            },
        );
        assert_eq!(
            r,
            (416, Body::Empty, ContentRange::Unsatisfied { total: 0 })
        );
    }
    assert_eq!(run(&EMPTY, c()), (200, Body::Empty, NONE));
}

#[test]
fn if_range() {
    let cases: &[(&[u8], u16)] = &[
        (ETAG.as_bytes(), 206),
        (b" \"0123456789abcdef\" ", 206),
        (OTHER, 200),
        (WEAK_SAME, 200),
        (b"\"0123456789abcdef\", \"x\"", 200),
        (IMF_EQUAL, 206),
        (b"Sunday, 06-Nov-94 08:49:37 GMT", 206),
        (IMF_BEFORE, 200),
        (IMF_AFTER, 200),
        (b"garbage", 200),
        (b"", 200),
    ];
    for &(if_range, status) in cases {
        let conditions = Conditions {
            range: Some(b"bytes=0-9"),
            if_range: Some(if_range),
            ..c()
        };
        assert_eq!(
            run(&PLAIN, conditions).0,
            status,
            "{}",
            core::str::from_utf8(if_range).unwrap()
        );
    }
    // Without Range, If-Range is ignored.
    let conditions = Conditions {
        if_range: Some(OTHER),
        ..c()
    };
    assert_eq!(run(&PLAIN, conditions), (200, Body::Identity, NONE));
    // A false If-Range gives the whole representation, gzip-coded if accepted.
    let conditions = Conditions {
        range: Some(b"bytes=0-9"),
        if_range: Some(OTHER),
        accept_encoding: Some(b"gzip"),
        ..c()
    };
    assert_eq!(run(&ASSET, conditions), (200, Body::Gzip, NONE));
}

#[test]
fn content_coding() {
    let cases: &[(&'static Asset, Option<&[u8]>, Body)] = &[
        (&ASSET, Some(b"gzip"), Body::Gzip),
        (&ASSET, Some(b"gzip, deflate, br"), Body::Gzip),
        (&ASSET, Some(b"GZIP"), Body::Gzip),
        (&ASSET, Some(b"gzip;q=0"), Body::Identity),
        (&ASSET, Some(b"*;q=0"), Body::Identity),
        (&ASSET, Some(b"identity;q=1, gzip;q=0.5"), Body::Identity),
        (&ASSET, Some(b""), Body::Identity),
        (&ASSET, None, Body::Identity),
        (&PLAIN, Some(b"gzip"), Body::Identity),
    ];
    for (asset, ae, body) in cases {
        let r = respond(
            asset,
            &Conditions {
                accept_encoding: *ae,
                ..c()
            },
        );
        assert_eq!(r.status, 200);
        assert_eq!(r.gzip, *body == Body::Gzip);
        assert_eq!(
            r.body,
            if r.gzip {
                asset.gzip.unwrap()
            } else {
                asset.body
            }
        );
        assert_eq!(r.vary_accept_encoding, asset.gzip.is_some(), "{ae:?}");
    }
}

#[test]
fn vary_is_sent_on_every_status_for_an_asset_with_gzip() {
    let all = [
        c(),
        Conditions {
            if_none_match: Some(ETAG.as_bytes()),
            ..c()
        },
        Conditions {
            if_match: Some(OTHER),
            ..c()
        },
        Conditions {
            range: Some(b"bytes=0-1"),
            ..c()
        },
        Conditions {
            range: Some(b"bytes=5000-"),
            ..c()
        },
    ];
    let statuses: Vec<u16> = all.iter().map(|k| respond(&ASSET, k).status).collect();
    assert_eq!(statuses, [200, 304, 412, 206, 416]);
    assert!(all.iter().all(|k| respond(&ASSET, k).vary_accept_encoding));
    assert!(all.iter().all(|k| !respond(&PLAIN, k).vary_accept_encoding));
}

#[test]
fn content_range_encoding() {
    let mut buf = [0u8; ContentRange::MAX_LEN];
    let cases: &[(ContentRange, Option<&str>)] = &[
        (ContentRange::None, None),
        (
            ContentRange::Bytes {
                start: 0,
                end: 99,
                total: 1000,
            },
            Some("bytes 0-99/1000"),
        ),
        (ContentRange::Unsatisfied { total: 0 }, Some("bytes */0")),
        (
            ContentRange::Bytes {
                start: u64::MAX - 1,
                end: u64::MAX - 1,
                total: u64::MAX,
            },
            Some("bytes 18446744073709551614-18446744073709551614/18446744073709551615"),
        ),
    ];
    for &(range, expected) in cases {
        let got = range
            .encode(&mut buf)
            .map(|n| core::str::from_utf8(&buf[..n]).unwrap());
        assert_eq!(got, expected);
    }
    let mut small = [0u8; 12];
    assert_eq!(
        ContentRange::Unsatisfied { total: 1000 }.encode(&mut small),
        Some(12)
    );
    assert_eq!(
        ContentRange::Unsatisfied { total: 10000 }.encode(&mut small),
        None
    );
}

#[test]
fn gzip_etag_is_the_identity_tag_with_a_suffix_inside_the_quotes() {
    let mut out = [0u8; MAX_ETAG_LEN];
    assert_eq!(
        gzip_etag(ETAG.as_bytes(), &mut out),
        Some(GZIP_ETAG.as_bytes())
    );
    assert_eq!(gzip_etag(b"W/\"a\"", &mut out), Some(&b"W/\"a-gzip\""[..]));
    // Not a quoted tag, an empty opaque-tag, or a result past MAX_ETAG_LEN: no gzip tag.
    for bad in [&b"abc"[..], b"\"abc", b"\"\"", b"", b"\""] {
        assert_eq!(gzip_etag(bad, &mut out), None, "{bad:?}");
    }
    let long = [b"\"".as_slice(), &[b'a'; MAX_ETAG_LEN - 6], b"\""].concat();
    assert!(gzip_etag(&long, &mut out).is_none());
    let fits = [b"\"".as_slice(), &[b'a'; MAX_ETAG_LEN - 7], b"\""].concat();
    assert_eq!(
        gzip_etag(&fits, &mut out).map(<[u8]>::len),
        Some(MAX_ETAG_LEN)
    );
}
