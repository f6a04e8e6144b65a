//! Request paths for routing and static files: percent-decoding (RFC 3986
//! §2.1) and dot-segment removal (RFC 3986 §5.2.4). Query strings and form
//! values are [`crate::form`]'s.
//!
//! [`normalize`] is the gate in front of the file system: it decodes exactly
//! once and refuses, rather than repairs, every path that tries to leave the
//! root or smuggle a separator, so `/%2e%2e/etc/passwd` is an error and
//! `/%252e%252e/` stays the literal name `%2e%2e`.

use crate::authority::pct_pair;

/// Why a path, query or form component was rejected. All map to 400.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PathError {
    /// A `%` not followed by two hex digits (RFC 3986 §2.1).
    BadPercentEncoding,
    /// The output buffer is too small for the decoded result.
    OutputTooSmall,
    /// The path does not start with `/` (origin-form, RFC 9112 §3.2.1).
    NotAbsolute,
    /// A `..` segment would climb above the root.
    AboveRoot,
    /// `%2F` decodes to `/`: a separator hidden from the router and the
    /// dot-segment check, so it is refused.
    EncodedSlash,
    /// A backslash, raw or encoded: a separator on some file systems and a
    /// classic traversal vector.
    Backslash,
    /// A decoded NUL or other control byte (`%00`–`%1F`, `%7F`): truncates
    /// names in C APIs and corrupts logs.
    ControlByte,
}

impl PathError {
    /// The status code to answer with (always 400).
    pub fn status(self) -> u16 {
        400
    }

    /// A short human explanation for the error response body.
    pub fn reason(self) -> &'static str {
        match self {
            PathError::BadPercentEncoding => "invalid percent-encoding",
            PathError::OutputTooSmall => "path too long",
            PathError::NotAbsolute => "path must start with /",
            PathError::AboveRoot => "path climbs above the root",
            PathError::EncodedSlash => "encoded slash in path",
            PathError::Backslash => "backslash in path",
            PathError::ControlByte => "control character in path",
        }
    }
}

impl core::fmt::Display for PathError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.reason())
    }
}

/// Decodes the percent-encoded byte at `input[i]` (a `%`).
#[inline]
fn decode_at(input: &[u8], i: usize) -> Result<u8, PathError> {
    match input.get(i + 1..i + 3) {
        Some(&[hi, lo]) => pct_pair(hi, lo).ok_or(PathError::BadPercentEncoding),
        _ => Err(PathError::BadPercentEncoding),
    }
}

/// Decodes `input` into `out`, mapping `+` to space first if `plus_is_space`.
pub(crate) fn decode_into<'o>(
    input: &[u8],
    out: &'o mut [u8],
    plus_is_space: bool,
) -> Result<&'o [u8], PathError> {
    let mut i = 0;
    let mut n = 0;
    while i < input.len() {
        let b = match input[i] {
            b'%' => {
                let d = decode_at(input, i)?;
                i += 3;
                d
            }
            b'+' if plus_is_space => {
                i += 1;
                b' '
            }
            b => {
                i += 1;
                b
            }
        };
        *out.get_mut(n).ok_or(PathError::OutputTooSmall)? = b;
        n += 1;
    }
    // Every one of the `n` bytes went through `get_mut`, so this never fails.
    out.get(..n).ok_or(PathError::OutputTooSmall)
}

/// Percent-decodes `input` into `out` (RFC 3986 §2.1), once.
///
/// Every `%` must start a `%XX` triplet of hex digits; other bytes are copied.
/// The result is never longer than the input.
pub fn percent_decode<'o>(input: &[u8], out: &'o mut [u8]) -> Result<&'o [u8], PathError> {
    decode_into(input, out, false)
}

/// Decodes and normalises a raw origin-form path into `out`.
///
/// The path is percent-decoded once, then `.` segments are dropped, `..`
/// segments remove the segment before them (RFC 3986 §5.2.4), and empty
/// segments (`//`) collapse. A trailing `/` is kept, and a final `.` or `..`
/// leaves one (`/a/b/..` → `/a/`). The result starts with `/`, has no `.` or
/// `..` segment, and is never longer than `raw_path`, so an `out` of
/// `raw_path.len()` bytes always suffices.
///
/// Refused rather than repaired: a `..` above the root, a decoded `/` (`%2F`),
/// a backslash raw or decoded, a decoded NUL or other control byte, and
/// invalid percent-encoding.
pub fn normalize<'o>(raw_path: &[u8], out: &'o mut [u8]) -> Result<&'o [u8], PathError> {
    let Some((b'/', rest)) = raw_path.split_first() else {
        return Err(PathError::NotAbsolute);
    };
    *out.first_mut().ok_or(PathError::OutputTooSmall)? = b'/';
    // `out[..len]` always ends with '/' between segments.
    let mut len = 1;
    let mut segments = rest.split(|&b| b == b'/').peekable();
    while let Some(raw) = segments.next() {
        let last = segments.peek().is_none();
        // `get`, not indexing: `len` never passes the output written so far, and saying so
        // without a panic path keeps core's panic machinery out of every binary.
        let seg_len = decode_segment(raw, out.get_mut(len..).unwrap_or_default())?;
        match out
            .get(len..len + seg_len)
            .ok_or(PathError::OutputTooSmall)?
        {
            // Empty segments collapse; "." names the current directory.
            b"" | b"." => {}
            b".." => {
                if len == 1 {
                    return Err(PathError::AboveRoot);
                }
                // Drop the previous segment, keeping the '/' before it.
                len = out
                    .get(..len - 1)
                    .and_then(|done| done.iter().rposition(|&b| b == b'/'))
                    .map_or(1, |slash| slash + 1);
            }
            _ => {
                len += seg_len;
                if !last {
                    *out.get_mut(len).ok_or(PathError::OutputTooSmall)? = b'/';
                    len += 1;
                }
            }
        }
    }
    out.get(..len).ok_or(PathError::OutputTooSmall)
}

/// Writes a normalised path (as [`normalize`] returns it) into `out` as a URI path: bytes
/// outside `pchar` and `/` (RFC 3986 §3.3) are percent-encoded, so the result is safe in a
/// `Location` header and means the same path again. `None` if `out` is too small.
///
/// A normalised path starts with exactly one `/` and never holds `//`, so the result is never a
/// network-path reference (`//host/…`, RFC 3986 §4.2) that a browser would take for another
/// host.
pub fn encode_path<'o>(path: &[u8], out: &'o mut [u8]) -> Option<&'o [u8]> {
    let mut n = 0;
    for &b in path {
        if b == b'/' || b == b':' || b == b'@' || crate::chars::REG_NAME.has(b) {
            *out.get_mut(n)? = b;
            n += 1;
        } else {
            let triplet = [b'%', hex_upper(b >> 4), hex_upper(b & 15)];
            out.get_mut(n..n + 3)?.copy_from_slice(&triplet);
            n += 3;
        }
    }
    out.get(..n)
}

/// An upper-case hex digit (RFC 3986 §2.1: producers should use upper case).
fn hex_upper(nibble: u8) -> u8 {
    verbosel_digits::hex_digit(nibble).to_ascii_uppercase()
}

/// Percent-decodes one path segment into `out`, refusing separators and
/// control bytes; returns the decoded length.
fn decode_segment(raw: &[u8], out: &mut [u8]) -> Result<usize, PathError> {
    let mut i = 0;
    let mut n = 0;
    while i < raw.len() {
        let b = if raw[i] == b'%' {
            let d = decode_at(raw, i)?;
            if d == b'/' {
                return Err(PathError::EncodedSlash);
            }
            i += 3;
            d
        } else {
            i += 1;
            raw[i - 1]
        };
        match b {
            b'\\' => return Err(PathError::Backslash),
            0x00..=0x1F | 0x7F => return Err(PathError::ControlByte),
            _ => {}
        }
        *out.get_mut(n).ok_or(PathError::OutputTooSmall)? = b;
        n += 1;
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_rng::XorShift;
    use PathError::*;

    fn norm(raw: &[u8]) -> Result<Vec<u8>, PathError> {
        let mut out = vec![0u8; raw.len()];
        normalize(raw, &mut out).map(<[u8]>::to_vec)
    }

    #[test]
    fn normalization_table() {
        let cases: &[(&[u8], &[u8])] = &[
            (b"/", b"/"),
            (b"/a", b"/a"),
            (b"/a/", b"/a/"),
            (b"/a/b/c", b"/a/b/c"),
            (b"//", b"/"),
            (b"///a//b///", b"/a/b/"),
            (b"/./", b"/"),
            (b"/.", b"/"),
            (b"/a/.", b"/a/"),
            (b"/a/./b", b"/a/b"),
            (b"/a/..", b"/"),
            (b"/a/../", b"/"),
            (b"/a/b/..", b"/a/"),
            (b"/a/b/../c", b"/a/c"),
            (b"/a/b/c/../../d", b"/a/d"),
            (b"/a/./../b/./c/.", b"/b/c/"),
            (b"/a//../b", b"/b"),
            (b"/a/%2e%2e/b", b"/b"),
            (b"/a/%2E/b", b"/a/b"),
            (b"/a/.%2e/b", b"/b"),
            (b"/...", b"/..."),
            (b"/..a", b"/..a"),
            (b"/a..", b"/a.."),
            (b"/.hidden", b"/.hidden"),
            (b"/a%20b", b"/a b"),
            (b"/%E2%82%AC", "/€".as_bytes()),
            (b"/%252e%252e/x", b"/%2e%2e/x"),
            (b"/%25", b"/%"),
            (b"/a+b", b"/a+b"),
            (b"/a;b=c", b"/a;b=c"),
            (b"/~user/", b"/~user/"),
        ];
        for &(raw, want) in cases {
            assert_eq!(
                norm(raw),
                Ok(want.to_vec()),
                "{:?}",
                String::from_utf8_lossy(raw)
            );
        }
    }

    #[test]
    fn traversal_in_every_encoding_is_refused() {
        let cases: &[(&[u8], PathError)] = &[
            (b"/..", AboveRoot),
            (b"/../", AboveRoot),
            (b"/../x", AboveRoot),
            (b"/../../etc/passwd", AboveRoot),
            (b"/a/../../x", AboveRoot),
            (b"/a/b/../../../x", AboveRoot),
            (b"/./../x", AboveRoot),
            (b"//../x", AboveRoot),
            (b"/%2e%2e/x", AboveRoot),
            (b"/%2E%2E/x", AboveRoot),
            (b"/.%2e/x", AboveRoot),
            (b"/%2e./x", AboveRoot),
            (b"/%2e%2e", AboveRoot),
            (b"/a/%2e%2e/%2e%2e/etc/passwd", AboveRoot),
            (b"/%2E%2E%2Fetc%2Fpasswd", EncodedSlash),
            (b"/..%2f..%2fetc/passwd", EncodedSlash),
            (b"/..%2F", EncodedSlash),
            (b"/a%2fb", EncodedSlash),
            (b"/..\\..\\etc\\passwd", Backslash),
            (b"/..%5c..%5cetc", Backslash),
            (b"/..%5C", Backslash),
            (b"/a\\b", Backslash),
            (b"/%00", ControlByte),
            (b"/index.html%00.png", ControlByte),
            (b"/..%00/", ControlByte),
            (b"/a%0a", ControlByte),
            (b"/a%0D%0ASet-Cookie:x", ControlByte),
            (b"/a%7f", ControlByte),
            (b"/a%1f", ControlByte),
            (b"/%", BadPercentEncoding),
            (b"/%2", BadPercentEncoding),
            (b"/%zz", BadPercentEncoding),
            (b"/%%32%65", BadPercentEncoding),
            (b"/%g0", BadPercentEncoding),
            (b"/%.2e", BadPercentEncoding),
            (b"", NotAbsolute),
            (b"a/b", NotAbsolute),
            (b"../x", NotAbsolute),
            (b"%2f", NotAbsolute),
        ];
        for &(raw, err) in cases {
            assert_eq!(norm(raw), Err(err), "{:?}", String::from_utf8_lossy(raw));
            assert_eq!(err.status(), 400);
            assert!(!err.reason().is_empty());
        }
        // Double encoding decodes once: `%252e%252e` is the name "%2e%2e".
        assert_eq!(
            norm(b"/%252e%252e/%252e%252e/etc"),
            Ok(b"/%2e%2e/%2e%2e/etc".to_vec())
        );
    }

    #[test]
    fn output_buffer_bounds() {
        let mut out = [0u8; 4];
        assert_eq!(normalize(b"/abcd", &mut out), Err(OutputTooSmall));
        assert_eq!(normalize(b"/abc", &mut out), Ok(&b"/abc"[..]));
        assert_eq!(normalize(b"/a%20b", &mut out), Ok(&b"/a b"[..]));
        assert_eq!(normalize(b"/a/b/", &mut out), Err(OutputTooSmall));
        assert_eq!(normalize(b"/", &mut []), Err(OutputTooSmall));
        let mut out = [0u8; 2];
        assert_eq!(percent_decode(b"abc", &mut out), Err(OutputTooSmall));
        assert_eq!(percent_decode(b"%41%42", &mut out), Ok(&b"AB"[..]));
    }

    #[test]
    fn percent_decoding() {
        let mut out = [0u8; 64];
        let ok: &[(&[u8], &[u8])] = &[
            (b"", b""),
            (b"abc", b"abc"),
            (b"a%20b", b"a b"),
            (b"%2F%2f", b"//"),
            (b"%00", b"\0"),
            (b"%ff%FF", b"\xff\xff"),
            (b"%252e", b"%2e"),
            (b"a+b", b"a+b"),
        ];
        for &(input, want) in ok {
            assert_eq!(percent_decode(input, &mut out), Ok(want));
        }
        for bad in [&b"%"[..], b"%a", b"a%", b"%xy", b"%-1", b"% 1"] {
            assert_eq!(percent_decode(bad, &mut out), Err(BadPercentEncoding));
        }
    }

    #[test]
    fn encoded_paths_are_uri_paths_that_mean_the_same() {
        let cases: &[(&[u8], &[u8])] = &[
            (b"/docs", b"/docs"),
            (b"/a b/", b"/a%20b/"),
            (b"/100%", b"/100%25"),
            (b"/caf\xc3\xa9", b"/caf%C3%A9"),
            (b"/a?b#c", b"/a%3Fb%23c"),
            (b"/~u/x:y@z!$&'()*+,;=", b"/~u/x:y@z!$&'()*+,;="),
        ];
        for &(path, want) in cases {
            let mut out = [0u8; 64];
            assert_eq!(encode_path(path, &mut out), Some(want), "{path:?}");
            let mut back = [0u8; 64];
            assert_eq!(normalize(want, &mut back), Ok(path), "{path:?}");
        }
        assert_eq!(encode_path(b"/ab", &mut [0u8; 2]), None);
        assert_eq!(encode_path(b"/ ", &mut [0u8; 3]), None);
    }

    #[test]
    fn property_normalized_paths_are_safe() {
        let mut rng = XorShift(0x5151_2020_ABCD_0001);
        let pieces: &[&[u8]] = &[
            b"/", b"/", b"a", b"b", b".", b"..", b"%2e", b"%2E", b"%2f", b"%5c", b"\\", b"%00",
            b"%25", b"%", b"x%41", b"~", b"%C3%A9",
        ];
        for _ in 0..50_000 {
            let mut raw = b"/".to_vec();
            for _ in 0..rng.below(12) {
                raw.extend_from_slice(pieces[rng.below(pieces.len())]);
            }
            let mut out = vec![0u8; raw.len()];
            if let Ok(path) = normalize(&raw, &mut out) {
                assert!(path.starts_with(b"/"));
                assert!(path.len() <= raw.len());
                assert!(!path.windows(2).any(|w| w == b"//"), "{path:?}");
                for segment in path.split(|&b| b == b'/') {
                    assert!(segment != b".." && segment != b".", "{path:?} from {raw:?}");
                }
                assert!(!path.iter().any(|&b| b == 0 || b == b'\\'));
                // Normalising twice changes nothing once '%' is not re-decoded.
                if !path.contains(&b'%') {
                    let mut again = vec![0u8; path.len()];
                    assert_eq!(normalize(path, &mut again), Ok(path));
                }
            }
        }
    }
}
