//! Media types by file extension (IANA registrations; RFC 9239 for JavaScript), and the
//! Cache-Control policy by kind of file: one table for the build helper (files compiled into the
//! binary) and the server (files appended to it at run time).
//!
//! Pure and allocation-free: the extension is compared case-insensitively in place.
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

/// What a sender that does not know the type may send (RFC 9110 §8.3).
pub const UNKNOWN: &str = "application/octet-stream";

/// Extension (lowercase, without the dot) → Content-Type. Text types carry `charset=utf-8`.
const BY_EXTENSION: &[(&str, &str)] = &[
    ("html", "text/html; charset=utf-8"),
    ("htm", "text/html; charset=utf-8"),
    ("css", "text/css; charset=utf-8"),
    // RFC 9239 §6: text/javascript is the one registered type for JavaScript and modules.
    ("js", "text/javascript; charset=utf-8"),
    ("mjs", "text/javascript; charset=utf-8"),
    ("json", "application/json"),
    ("map", "application/json"),
    ("webmanifest", "application/manifest+json"),
    ("txt", "text/plain; charset=utf-8"),
    ("xml", "application/xml"),
    ("svg", "image/svg+xml"),
    ("png", "image/png"),
    ("jpg", "image/jpeg"),
    ("jpeg", "image/jpeg"),
    ("gif", "image/gif"),
    ("webp", "image/webp"),
    ("avif", "image/avif"),
    ("ico", "image/x-icon"),
    ("woff", "font/woff"),
    ("woff2", "font/woff2"),
    ("ttf", "font/ttf"),
    ("wasm", "application/wasm"),
    ("pdf", "application/pdf"),
    ("mp4", "video/mp4"),
    ("webm", "video/webm"),
];

/// The media type to send as Content-Type for `path`, chosen by its extension, case-insensitively.
/// Text types carry `charset=utf-8`. Unknown extensions give [`UNKNOWN`].
pub fn mime_for(path: &str) -> &'static str {
    mime_for_bytes(path.as_bytes())
}

/// [`mime_for`] for a path that is bytes, as names in a ZIP archive are.
pub fn mime_for_bytes(path: &[u8]) -> &'static str {
    // The extension is what follows the last dot of the last segment; no dot, no extension.
    let name = path.rsplit(|&b| b == b'/').next().unwrap_or(path);
    let Some(dot) = name.iter().rposition(|&b| b == b'.') else {
        return UNKNOWN;
    };
    let ext = name.get(dot + 1..).unwrap_or_default();
    BY_EXTENSION
        .iter()
        .find(|(known, _)| known.as_bytes().eq_ignore_ascii_case(ext))
        .map_or(UNKNOWN, |&(_, mime)| mime)
}

/// Whether a body of this media type is worth gzip-compressing: text and structured text, SVG,
/// WebAssembly and icons (ICO files usually hold uncompressed bitmaps) are; formats that are
/// already compressed (PNG, JPEG, GIF, WebP, AVIF, WOFF/WOFF2, PDF, video) are not.
pub fn is_compressible(mime: &str) -> bool {
    let base = mime.split(';').next().unwrap_or(mime).trim();
    base.starts_with("text/")
        || base.ends_with("+json")
        || base.ends_with("+xml")
        || matches!(
            base,
            "application/json"
                | "application/javascript"
                | "application/xml"
                | "application/wasm"
                | "image/x-icon"
                | "font/ttf"
        )
}

/// Cache-Control for HTML: always revalidate (RFC 9111 §5.2.2.4), since pages name the other files
/// and must be fresh for a new deploy to show.
pub const CACHE_HTML: &str = "no-cache";
/// Cache-Control for fingerprinted names (`app.3f9a1c2b.js`): the name changes with the content, so
/// the response never goes stale (RFC 8246 `immutable`; one year is the customary maximum).
pub const CACHE_FINGERPRINTED: &str = "public, max-age=31536000, immutable";
/// Cache-Control for everything else: an hour of freshness, then revalidation with the ETag.
pub const CACHE_DEFAULT: &str = "public, max-age=3600";

/// Cache-Control for the file at `path` of media type `mime`; see the `CACHE_*` constants.
pub fn cache_control_for(path: &[u8], mime: &str) -> &'static str {
    let name = path.rsplit(|&b| b == b'/').next().unwrap_or(path);
    if mime.starts_with("text/html") {
        CACHE_HTML
    } else if is_fingerprinted(name) {
        CACHE_FINGERPRINTED
    } else {
        CACHE_DEFAULT
    }
}

/// A name with a content hash in it: a `.`, eight or more hex digits, then another `.`
/// (`app.3f9a1c2b.js`).
fn is_fingerprinted(name: &[u8]) -> bool {
    name.iter().enumerate().any(|(i, &c)| {
        let rest = name.get(i + 1..).unwrap_or_default();
        let digits = rest.iter().take_while(|d| d.is_ascii_hexdigit()).count();
        c == b'.' && digits >= 8 && rest.get(digits) == Some(&b'.')
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn fingerprints() {
        assert!(is_fingerprinted(b"app.3f9a1c2b.js"));
        assert!(is_fingerprinted(b"style.0123456789abcdef.css"));
        assert!(is_fingerprinted(b"a.DEADBEEF.min.js"));
        assert!(!is_fingerprinted(b"app.3f9a1c2.js"), "seven digits");
        assert!(
            !is_fingerprinted(b"app.3f9a1c2b"),
            "no dot after the digits"
        );
        assert!(!is_fingerprinted(b"app-3f9a1c2b.js"), "dash, not dot");
        assert!(!is_fingerprinted(b"jquery.min.js"));
        assert!(!is_fingerprinted(b"data.3f9a1c2g.js"), "g is not hex");
    }

    use super::*;

    #[test]
    fn by_extension() {
        let cases = [
            ("/index.html", "text/html; charset=utf-8"),
            ("/a/b.HTM", "text/html; charset=utf-8"),
            ("/s.css", "text/css; charset=utf-8"),
            ("/app.js", "text/javascript; charset=utf-8"),
            ("/m.MJS", "text/javascript; charset=utf-8"),
            ("/d.json", "application/json"),
            ("/app.js.map", "application/json"),
            ("/logo.svg", "image/svg+xml"),
            ("/p.png", "image/png"),
            ("/p.jpg", "image/jpeg"),
            ("/p.JPEG", "image/jpeg"),
            ("/p.gif", "image/gif"),
            ("/p.webp", "image/webp"),
            ("/p.avif", "image/avif"),
            ("/favicon.ico", "image/x-icon"),
            ("/f.woff", "font/woff"),
            ("/f.woff2", "font/woff2"),
            ("/f.ttf", "font/ttf"),
            ("/m.wasm", "application/wasm"),
            ("/robots.txt", "text/plain; charset=utf-8"),
            ("/feed.xml", "application/xml"),
            ("/doc.pdf", "application/pdf"),
            ("/v.mp4", "video/mp4"),
            ("/v.webm", "video/webm"),
            ("/site.webmanifest", "application/manifest+json"),
            ("/LICENSE", "application/octet-stream"),
            ("/archive.tar.zst", "application/octet-stream"),
            ("/dir.v2/file", "application/octet-stream"),
        ];
        for (path, mime) in cases {
            assert_eq!(mime_for(path), mime, "{path}");
        }
    }

    #[test]
    fn bytes_and_edge_cases() {
        let cases: &[(&[u8], &str)] = &[
            // Names in an archive need not be UTF-8; the extension still decides.
            (b"docs/caf\xe9.html", "text/html; charset=utf-8"),
            (b"index.html", "text/html; charset=utf-8"),
            (b"", UNKNOWN),
            (b"/", UNKNOWN),
            (b"/.html", "text/html; charset=utf-8"),
            (b"/trailing.", UNKNOWN),
            (b"/a.html/", UNKNOWN),
            (b"/x.htmlx", UNKNOWN),
        ];
        for &(path, mime) in cases {
            assert_eq!(mime_for_bytes(path), mime, "{path:?}");
        }
    }

    #[test]
    fn compressibility() {
        for path in [
            "a.html",
            "a.css",
            "a.js",
            "a.json",
            "a.svg",
            "a.xml",
            "a.wasm",
            "a.txt",
            "a.map",
            "a.webmanifest",
            "a.ico",
        ] {
            assert!(is_compressible(mime_for(path)), "{path}");
        }
        for path in [
            "a.png", "a.jpg", "a.gif", "a.webp", "a.avif", "a.woff", "a.woff2", "a.mp4", "a.webm",
            "a.pdf", "a.bin",
        ] {
            assert!(!is_compressible(mime_for(path)), "{path}");
        }
    }
}
