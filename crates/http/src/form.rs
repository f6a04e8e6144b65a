//! Query strings and form values (`application/x-www-form-urlencoded`, the
//! WHATWG URL Standard §5): splitting `a=1&b=2` into pairs and decoding each
//! name and value, where `+` is a space.

use crate::path::{PathError, decode_into};

/// Decodes an `application/x-www-form-urlencoded` name or value: `+` becomes
/// a space, then `%XX` is decoded (so `%2B` stays a literal `+`).
pub fn form_decode<'o>(input: &[u8], out: &'o mut [u8]) -> Result<&'o [u8], PathError> {
    decode_into(input, out, true)
}

/// Why a form field named in [`form_value`] cannot be given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormError {
    /// Its value is not valid percent-encoding, or does not decode to UTF-8.
    Undecodable,
    /// Its decoded value does not fit the caller's buffer.
    TooLong,
    /// The request's body is not `application/x-www-form-urlencoded` (a server's request
    /// view says so; [`form_value`] itself never does).
    NotAForm,
}

impl FormError {
    /// A short human explanation, for a 400's body.
    pub fn reason(self) -> &'static str {
        match self {
            FormError::Undecodable => "a form value that is not percent-encoded UTF-8",
            FormError::TooLong => "a form value longer than its buffer",
            FormError::NotAForm => "the body is not application/x-www-form-urlencoded",
        }
    }
}

/// The value of the first field named `name` in an `application/x-www-form-urlencoded` body
/// (or query), decoded into `out`: `None` if no field has that name, `Some(Err(..))` if it
/// does and its value cannot be decoded or does not fit. Names are compared decoded
/// (`full%20name=` and `full+name=` are both `full name`), without a buffer.
pub fn form_value<'o>(
    form: &[u8],
    name: &str,
    out: &'o mut [u8],
) -> Option<Result<&'o str, FormError>> {
    let (_, raw) = query_pairs(form).find(|(n, _)| decodes_to(n, name.as_bytes()))?;
    Some(match form_decode(raw, out) {
        Ok(bytes) => core::str::from_utf8(bytes).map_err(|_| FormError::Undecodable),
        Err(PathError::OutputTooSmall) => Err(FormError::TooLong),
        Err(_) => Err(FormError::Undecodable),
    })
}

/// Whether the form-encoded `raw` decodes to exactly `want`; a bad `%` never matches.
fn decodes_to(raw: &[u8], want: &[u8]) -> bool {
    let mut i = 0;
    let mut want = want.iter();
    while i < raw.len() {
        let b = match raw[i] {
            b'%' => match raw.get(i + 1..i + 3) {
                Some(&[hi, lo]) => match crate::authority::pct_pair(hi, lo) {
                    Some(b) => {
                        i += 3;
                        b
                    }
                    None => return false,
                },
                _ => return false,
            },
            b'+' => {
                i += 1;
                b' '
            }
            b => {
                i += 1;
                b
            }
        };
        if want.next() != Some(&b) {
            return false;
        }
    }
    want.next().is_none()
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
    fn form_values_by_name() {
        let body =
            b"name=Ada+Lovelace&msg=caf%C3%A9%21&full%20name=x&e=&bad=%ff&worse=%zz&name=2nd";
        let mut out = [0u8; 64];
        let table: &[(&str, Option<Result<&str, FormError>>)] = &[
            ("name", Some(Ok("Ada Lovelace"))),
            ("msg", Some(Ok("café!"))),
            ("full name", Some(Ok("x"))),
            ("e", Some(Ok(""))),
            ("bad", Some(Err(FormError::Undecodable))),
            ("worse", Some(Err(FormError::Undecodable))),
            ("nam", None),
            ("names", None),
            ("Name", None),
            ("", None),
        ];
        for &(name, want) in table {
            assert_eq!(form_value(body, name, &mut out), want, "{name}");
        }
        // A value that does not fit is said so; one that just fits is given.
        let mut four = [0u8; 4];
        assert_eq!(
            form_value(b"a=12345", "a", &mut four),
            Some(Err(FormError::TooLong))
        );
        assert_eq!(form_value(b"a=1%2034", "a", &mut four), Some(Ok("1 34")));
        // Names with a bad escape match nothing (and do not stop the search).
        assert_eq!(form_value(b"%zz=1&a=2", "a", &mut out), Some(Ok("2")));
        assert_eq!(form_value(b"a%=1", "a%", &mut out), None);
        assert_eq!(form_value(b"", "a", &mut out), None);
    }

    #[test]
    fn decoded_name_comparison() {
        let table: &[(&[u8], &str, bool)] = &[
            (b"a", "a", true),
            (b"a+b", "a b", true),
            (b"a%20b", "a b", true),
            (b"a%2Bb", "a+b", true),
            (b"a%2bb", "a+b", true),
            (b"%C3%A9", "é", true),
            (b"a", "ab", false),
            (b"ab", "a", false),
            (b"a%2", "a", false),
            (b"a%", "a%", false),
            (b"", "", true),
        ];
        for &(raw, want, same) in table {
            assert_eq!(decodes_to(raw, want.as_bytes()), same, "{raw:?} {want}");
        }
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
