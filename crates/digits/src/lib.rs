//! Numbers as ASCII digits, written and read: one decimal formatter, one hexadecimal formatter
//! and one hex-digit decoder for every crate of verbosel.
//!
//! Why a crate of its own: the runtime's panic handler (`verbosel-rt`, which depends only on
//! `verbosel-sys`) prints line numbers, the HTTP engine (`verbosel-http`, which depends on
//! nothing) writes status codes, lengths and chunk sizes, and the server logs pids and counters.
//! The lowest place all of them can reach without depending on one another is a leaf below them
//! all: this one. Each function has no panic path (no indexing the compiler cannot prove), so
//! none of them links `core::panicking` into a binary.
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

/// Digits of the longest `u64`, `18446744073709551615`.
pub const DECIMAL_DIGITS: usize = 20;

/// Hex digits of the longest `u64`.
pub const HEX_DIGITS: usize = 16;

/// Formats `n` in decimal into `buf` and returns the digits (a slice of `buf`).
#[inline(never)] // many callers; a copy at each costs more than the call
pub fn decimal(mut n: u64, buf: &mut [u8; DECIMAL_DIGITS]) -> &[u8] {
    // Digits from the right; iterators, not indexes, so there is nothing to bounds-check.
    let mut start = buf.len();
    for slot in buf.iter_mut().rev() {
        *slot = b'0' + (n % 10) as u8;
        n /= 10;
        start -= 1;
        if n == 0 {
            break;
        }
    }
    buf.get(start..).unwrap_or_default()
}

/// Formats `n` in lower-case hexadecimal into `buf` and returns the digits (chunk sizes,
/// RFC 9112 §7.1).
pub fn hex(mut n: u64, buf: &mut [u8; HEX_DIGITS]) -> &[u8] {
    let mut start = buf.len();
    for slot in buf.iter_mut().rev() {
        *slot = hex_digit(n as u8);
        n >>= 4;
        start -= 1;
        if n == 0 {
            break;
        }
    }
    buf.get(start..).unwrap_or_default()
}

/// The lower-case hex digit for the low four bits of `nibble` (escapes: `\x0a`, `\u001f`, `%2F`).
#[inline]
pub fn hex_digit(nibble: u8) -> u8 {
    match nibble & 15 {
        d @ 0..=9 => b'0' + d,
        d => b'a' + d - 10,
    }
}

/// The value of a hexadecimal digit, either case (RFC 5234 `HEXDIG`, as RFC 3986 §2.1 and
/// RFC 9112 §7.1 accept it), or `None` for any other byte.
#[inline]
pub fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_writes_every_digit() {
        let mut d = [0u8; DECIMAL_DIGITS];
        for (n, text) in [
            (0, "0"),
            (7, "7"),
            (10, "10"),
            (4_294_967_295, "4294967295"),
            (u64::MAX, "18446744073709551615"),
        ] {
            assert_eq!(decimal(n, &mut d), text.as_bytes());
        }
    }

    #[test]
    fn hex_writes_and_reads_every_digit() {
        let mut h = [0u8; HEX_DIGITS];
        assert_eq!(hex(0, &mut h), b"0");
        assert_eq!(hex(0x1f40, &mut h), b"1f40");
        assert_eq!(hex(u64::MAX, &mut h), b"ffffffffffffffff");
        for b in 0..=255u8 {
            assert_eq!(
                hex_value(b),
                (b as char).to_digit(16).map(|d| d as u8),
                "{b}"
            );
        }
        for n in 0..16u8 {
            assert_eq!(hex_value(hex_digit(n)), Some(n));
        }
        assert_eq!(hex_digit(0x3a), b'a');
    }
}
