//! Byte classes used by the HTTP and URI grammars.
//!
//! Each class is a 256-bit set computed at compile time: a check is a shift and
//! a mask, with no branches on the byte's value, and the five classes take 160
//! bytes of the binary instead of the 1,280 of five `[bool; 256]` tables.

/// A set of bytes, one bit per byte value.
#[derive(Clone, Copy)]
pub struct ByteClass([u32; 8]);

impl ByteClass {
    /// Whether `b` is in the class.
    #[inline(always)]
    pub const fn has(&self, b: u8) -> bool {
        self.0[(b >> 5) as usize] >> (b & 31) & 1 != 0
    }
}

/// Builds a class from a predicate; `const` so the sets are built by the
/// compiler, not at run time.
macro_rules! byte_table {
    (|$b:ident| $pred:expr) => {{
        let mut bits = [0u32; 8];
        let mut i = 0;
        while i < 256 {
            let $b = i as u8;
            if $pred {
                bits[i >> 5] |= 1 << (i & 31);
            }
            i += 1;
        }
        ByteClass(bits)
    }};
}

/// `tchar` (RFC 9110 §5.6.2): the characters of a token, as used by methods,
/// field names, transfer codings and connection options.
///
/// ```text
/// tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." /
///         "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
/// ```
pub static TCHAR: ByteClass = byte_table!(|b| b.is_ascii_alphanumeric()
    || matches!(
        b,
        b'!' | b'#'
            | b'$'
            | b'%'
            | b'&'
            | b'\''
            | b'*'
            | b'+'
            | b'-'
            | b'.'
            | b'^'
            | b'_'
            | b'`'
            | b'|'
            | b'~'
    ));

/// Bytes allowed in a request-target: visible ASCII `0x21..=0x7E` except `#`,
/// `"`, `<` and `>`.
///
/// A fragment is never sent in a request-target (RFC 9112 §3.2 builds the
/// target from URI components that exclude it), so `#` is rejected. SP ends the
/// target (RFC 9112 §3); CTLs, DEL and non-ASCII bytes are not URI characters
/// (RFC 3986 §2) and are rejected rather than guessed at. `"`, `<` and `>` are
/// not URI characters either and RFC 9112 §3.2 says a server SHOULD answer 400
/// to such a target; browsers always percent-encode them. (`{ } | ^ \` and the
/// backtick are also outside RFC 3986 but browsers send them raw in queries, so
/// they are tolerated.)
pub static TARGET: ByteClass =
    byte_table!(|b| b >= 0x21 && b <= 0x7E && !matches!(b, b'#' | b'"' | b'<' | b'>'));

/// Bytes allowed inside a field value (RFC 9110 §5.5): VCHAR, SP, HTAB and
/// obs-text (`0x80..=0xFF`). NUL, CR, LF, the other CTLs and DEL are invalid.
pub static FIELD_VALUE: ByteClass = byte_table!(|b| (b >= 0x20 && b != 0x7F) || b == b'\t');

/// Hexadecimal digits (RFC 5234 Appendix B.1 `HEXDIG`, accepted in either case
/// as RFC 9112 §7.1 and RFC 3986 §2.1 require).
pub static HEXDIG: ByteClass = byte_table!(|b| b.is_ascii_hexdigit());

/// `unreserved / sub-delims` of RFC 3986 §2.2–§2.3: the characters of a
/// `reg-name` (RFC 3986 §3.2.2) apart from `pct-encoded`.
pub static REG_NAME: ByteClass = byte_table!(|b| b.is_ascii_alphanumeric()
    || matches!(
        b,
        b'-' | b'.'
            | b'_'
            | b'~'
            | b'!'
            | b'$'
            | b'&'
            | b'\''
            | b'('
            | b')'
            | b'*'
            | b'+'
            | b','
            | b';'
            | b'='
    ));

/// Eight bytes read at once: the scanners below test a whole word for the
/// presence of any invalid byte, and fall back to the tables only for a word
/// that has one. Plain integer arithmetic, no `unsafe`.
const WORD: usize = 8;
const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// Whether any byte of `x` is below `n` (`n <= 0x80`). Exact as a yes/no test:
/// a borrow can only start at a byte that is really below `n`.
#[inline(always)]
fn any_below(x: u64, n: u8) -> bool {
    x.wrapping_sub(ONES * u64::from(n)) & !x & HIGHS != 0
}

/// Whether any byte of `x` equals `b`.
#[inline(always)]
fn any_equal(x: u64, b: u8) -> bool {
    let v = x ^ (ONES * u64::from(b));
    v.wrapping_sub(ONES) & !v & HIGHS != 0
}

#[inline(always)]
fn word_at(buf: &[u8], i: usize) -> Option<u64> {
    let bytes: [u8; WORD] = buf.get(i..i + WORD)?.try_into().ok()?;
    Some(u64::from_le_bytes(bytes))
}

/// The end of the run of [`FIELD_VALUE`] bytes in `buf` starting at `from`.
// Out of line, like `target_run`: inlined into the parser, the word scans compiled
// (opt-level "s") to about 9% more instructions per request (callgrind, the parse benchmark).
#[inline(never)]
pub fn field_value_run(buf: &[u8], from: usize) -> usize {
    let mut i = from;
    // A word is all valid when no byte is a CTL (< 0x20) or DEL; a word with
    // HTAB takes the byte path, which accepts it.
    while let Some(x) = word_at(buf, i) {
        if any_below(x, 0x20) || any_equal(x, 0x7F) {
            break;
        }
        i += WORD;
    }
    while i < buf.len() && FIELD_VALUE.has(buf[i]) {
        i += 1;
    }
    i
}

/// The end of the run of [`TARGET`] bytes in `buf` starting at `from`.
#[inline(never)]
pub fn target_run(buf: &[u8], from: usize) -> usize {
    let mut i = from;
    while let Some(x) = word_at(buf, i) {
        if x & HIGHS != 0
            || any_below(x, 0x21)
            || any_equal(x, 0x7F)
            || any_equal(x, b'#')
            || any_equal(x, b'"')
            || any_equal(x, b'<')
            || any_equal(x, b'>')
        {
            break;
        }
        i += WORD;
    }
    while i < buf.len() && TARGET.has(buf[i]) {
        i += 1;
    }
    i
}

/// The end of the run of [`TCHAR`] bytes in `buf` starting at `from`.
#[inline]
pub fn token_run(buf: &[u8], from: usize) -> usize {
    let mut i = from;
    while i < buf.len() && TCHAR.has(buf[i]) {
        i += 1;
    }
    i
}

/// Whether `b` is a `tchar` (RFC 9110 §5.6.2).
#[inline(always)]
pub fn is_tchar(b: u8) -> bool {
    TCHAR.has(b)
}

/// Whether `b` may appear in a request-target (see [`TARGET`]).
#[inline(always)]
pub fn is_target_char(b: u8) -> bool {
    TARGET.has(b)
}

/// Whether `b` may appear in a field value (see [`FIELD_VALUE`]).
#[inline(always)]
pub fn is_field_value_char(b: u8) -> bool {
    FIELD_VALUE.has(b)
}

/// Whether `b` is a hexadecimal digit.
#[inline(always)]
pub fn is_hex_digit(b: u8) -> bool {
    HEXDIG.has(b)
}

/// Whether `b` is optional whitespace, `OWS = *( SP / HTAB )` (RFC 9110 §5.6.3).
#[inline(always)]
pub fn is_ows(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Whether `s` is a non-empty token (RFC 9110 §5.6.2).
#[inline]
pub fn is_token(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(|&b| is_tchar(b))
}

/// `s` without leading and trailing OWS (RFC 9110 §5.6.3).
pub fn trim_ows(mut s: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = s
        && is_ows(*first)
    {
        s = rest;
    }
    while let [rest @ .., last] = s
        && is_ows(*last)
    {
        s = rest;
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn members(class: &ByteClass) -> Vec<u8> {
        (0..=255u8).filter(|&b| class.has(b)).collect()
    }

    #[test]
    fn tchar_is_exactly_rfc9110_token_set() {
        let expected: Vec<u8> = (0..=255u8)
            .filter(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(b))
            .collect();
        assert_eq!(members(&TCHAR), expected);
        for b in b"()<>@,;:\\\"/[]?={} \t\x00\x7f\x80\xff" {
            assert!(!is_tchar(*b), "{b:#x} must not be a tchar");
        }
    }

    #[test]
    fn target_chars() {
        for b in 0..=255u8 {
            let want = (0x21..=0x7e).contains(&b) && !matches!(b, b'#' | b'"' | b'<' | b'>');
            assert_eq!(is_target_char(b), want, "byte {b:#x}");
        }
    }

    #[test]
    fn field_value_chars() {
        for b in 0..=255u8 {
            let want = b == b'\t' || b == b' ' || (0x21..=0x7e).contains(&b) || b >= 0x80;
            assert_eq!(is_field_value_char(b), want, "byte {b:#x}");
        }
        for b in [0u8, b'\r', b'\n', 0x7f, 0x01, 0x1f] {
            assert!(!is_field_value_char(b));
        }
    }

    #[test]
    fn hex() {
        for b in 0..=255u8 {
            assert_eq!(is_hex_digit(b), b.is_ascii_hexdigit());
        }
    }

    #[test]
    fn reg_name_chars() {
        assert_eq!(
            members(&REG_NAME).len(),
            26 * 2 + 10 + 4 + 11,
            "ALPHA DIGIT, 4 unreserved marks, 11 sub-delims"
        );
        for &b in b"@:/?#[]% " {
            assert!(!REG_NAME.has(b));
        }
    }

    #[test]
    fn word_scanners_agree_with_the_tables() {
        let mut rng = crate::test_rng::XorShift(0xA5A5_5A5A_1234_5678);
        for _ in 0..20_000 {
            let len = rng.below(40);
            let buf: Vec<u8> = (0..len)
                .map(|_| {
                    if rng.below(8) == 0 {
                        *rng.pick(b"\t\x00\x1f\x20\x21#\x7e\x7f\x80\xff\r\n")
                    } else {
                        0x21 + rng.below(0x5e) as u8
                    }
                })
                .collect();
            let from = rng.below(len + 1);
            let slow = |t: &ByteClass| (from..len).find(|&i| !t.has(buf[i])).unwrap_or(len);
            assert_eq!(field_value_run(&buf, from), slow(&FIELD_VALUE), "{buf:?}");
            assert_eq!(target_run(&buf, from), slow(&TARGET), "{buf:?}");
            assert_eq!(token_run(&buf, from), slow(&TCHAR), "{buf:?}");
        }
        for b in 0..=255u8 {
            let word = [b; 9];
            assert_eq!(field_value_run(&word, 0) == 9, is_field_value_char(b));
            assert_eq!(target_run(&word, 0) == 9, is_target_char(b));
        }
    }

    #[test]
    fn trimming() {
        assert_eq!(trim_ows(b" \t a b \t"), b"a b");
        assert_eq!(trim_ows(b"   "), b"");
        assert_eq!(trim_ows(b""), b"");
        assert!(is_token(b"GET"));
        assert!(!is_token(b""));
        assert!(!is_token(b"a b"));
    }
}
