//! Query strings and form values (`application/x-www-form-urlencoded`, the
//! WHATWG URL Standard §5): splitting `a=1&b=2` into pairs and decoding each
//! name and value, where `+` is a space.

use crate::path::{PathError, decode_into};

/// Decodes an `application/x-www-form-urlencoded` name or value: `+` becomes
/// a space, then `%XX` is decoded (so `%2B` stays a literal `+`).
pub fn form_decode<'o>(input: &[u8], out: &'o mut [u8]) -> Result<&'o [u8], PathError> {
    decode_into(input, out, true)
}

/// Splits a raw query string into `(name, value)` pairs on `&` and the first
/// `=` of each pair, without decoding (use [`form_decode`] on each part).
/// Empty pairs (`a=1&&b=2`) are skipped; a pair without `=` has an empty value.
pub fn query_pairs(query: &[u8]) -> QueryPairs<'_> {
    QueryPairs { rest: Some(query) }
}

/// Iterator returned by [`query_pairs`].
#[derive(Clone, Debug)]
pub struct QueryPairs<'q> {
    rest: Option<&'q [u8]>,
}

impl<'q> Iterator for QueryPairs<'q> {
    type Item = (&'q [u8], &'q [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let rest = self.rest?;
            let (pair, tail) = match rest.iter().position(|&b| b == b'&') {
                Some(amp) => (&rest[..amp], Some(&rest[amp + 1..])),
                None => (rest, None),
            };
            self.rest = tail;
            if pair.is_empty() {
                continue;
            }
            return Some(match pair.iter().position(|&b| b == b'=') {
                Some(eq) => (&pair[..eq], &pair[eq + 1..]),
                None => (pair, &pair[pair.len()..]),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use PathError::*;

    #[test]
    fn form_decoding() {
        let mut out = [0u8; 64];
        let ok: &[(&[u8], &[u8])] = &[
            (b"a+b", b"a b"),
            (b"a%2Bb", b"a+b"),
            (b"++", b"  "),
            (b"%2B+%20", b"+  "),
            (b"caf%C3%A9", "café".as_bytes()),
        ];
        for &(input, want) in ok {
            assert_eq!(form_decode(input, &mut out), Ok(want));
        }
        assert_eq!(form_decode(b"%+1", &mut out), Err(BadPercentEncoding));
    }

    #[test]
    fn query_splitting() {
        let pairs = |q: &'static [u8]| query_pairs(q).collect::<Vec<_>>();
        assert_eq!(pairs(b""), vec![]);
        assert_eq!(pairs(b"a=1"), vec![(&b"a"[..], &b"1"[..])]);
        assert_eq!(
            pairs(b"a=1&b=2&&c&d=&=e&f=g=h&"),
            vec![
                (&b"a"[..], &b"1"[..]),
                (b"b", b"2"),
                (b"c", b""),
                (b"d", b""),
                (b"", b"e"),
                (b"f", b"g=h"),
            ]
        );
        assert_eq!(pairs(b"&&&"), vec![]);
        assert_eq!(pairs(b"q=a%26b+c"), vec![(&b"q"[..], &b"a%26b+c"[..])]);
    }
}
