//! Byte-range requests (RFC 9110 §14.1, §14.2): parsing one `bytes=` range and resolving it against
//! a representation length.

use crate::etag::{trim_leading_ows, trim_ows};

/// One `range-spec` of a `bytes` Range field (RFC 9110 §14.1.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RangeSpec {
    /// `first-` or `first-last` (inclusive).
    FromTo { first: u64, last: Option<u64> },
    /// `-n`: the last n bytes.
    Suffix(u64),
}

/// What a Range field asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RangeRequest {
    /// Exactly one valid range.
    One(RangeSpec),
    /// Several ranges: answered with the whole representation, which §14.2 allows ("A server MAY
    /// ignore the Range header field"), instead of a multipart/byteranges body.
    Several,
    /// Not a valid `bytes` ranges-specifier (other unit, bad syntax, `last < first`): ignored.
    Invalid,
}

/// Parses a Range field value.
pub(crate) fn parse(field: &[u8]) -> RangeRequest {
    let field = trim_ows(field);
    // range-unit is case-insensitive (§14.1); no whitespace around "=" in the grammar.
    let Some(set) = field
        .get(..6)
        .filter(|unit| unit.eq_ignore_ascii_case(b"bytes="))
        .map(|_| &field[6..])
    else {
        return RangeRequest::Invalid;
    };
    let mut found = None;
    let mut count = 0;
    // 1#range-spec: comma-separated, OWS around commas, empty elements ignored (§5.6.1).
    for element in set.split(|&b| b == b',') {
        let element = trim_ows(element);
        if element.is_empty() {
            continue;
        }
        let Some(spec) = range_spec(element) else {
            return RangeRequest::Invalid;
        };
        found = Some(spec);
        count += 1;
    }
    match (count, found) {
        (1, Some(spec)) => RangeRequest::One(spec),
        (0, _) => RangeRequest::Invalid,
        _ => RangeRequest::Several,
    }
}

fn range_spec(s: &[u8]) -> Option<RangeSpec> {
    if let Some(suffix) = s.strip_prefix(b"-") {
        return Some(RangeSpec::Suffix(number(suffix)?));
    }
    let dash = s.iter().position(|&b| b == b'-')?;
    let first = number(&s[..dash])?;
    let last_digits = &s[dash + 1..];
    let last = if last_digits.is_empty() {
        None
    } else {
        Some(number(last_digits)?)
    };
    // "A range-spec is invalid if the last-pos value is present and less than the first-pos" (§14.1.1).
    if last.is_some_and(|last| last < first) {
        return None;
    }
    Some(RangeSpec::FromTo { first, last })
}

/// `1*DIGIT`, saturating at `u64::MAX`: a position beyond any length behaves like "past the end",
/// which is what an enormous number means, instead of wrapping around to a small one.
fn number(d: &[u8]) -> Option<u64> {
    if d.is_empty() || trim_leading_ows(d).len() != d.len() {
        return None;
    }
    let mut n: u64 = 0;
    for &b in d {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n.saturating_mul(10).saturating_add(u64::from(b - b'0'));
    }
    Some(n)
}

impl RangeSpec {
    /// The inclusive byte positions selected from a representation of `length` bytes, or `None` if
    /// the range is unsatisfiable (§14.1.1: `first-pos` at or past the end, a zero suffix, or an
    /// empty representation, which no range can select from).
    pub(crate) fn resolve(self, length: u64) -> Option<(u64, u64)> {
        if length == 0 {
            return None;
        }
        match self {
            RangeSpec::FromTo { first, last } => {
                if first >= length {
                    return None;
                }
                // A last-pos past the end means "to the end" (§14.1.1).
                Some((first, last.map_or(length - 1, |l| l.min(length - 1))))
            }
            RangeSpec::Suffix(0) => None,
            // A suffix longer than the representation selects all of it (§14.1.1).
            RangeSpec::Suffix(n) => Some((length.saturating_sub(n), length - 1)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use RangeRequest::{Invalid, One, Several};
    use RangeSpec::{FromTo, Suffix};

    #[test]
    fn parsing() {
        let cases: &[(&[u8], RangeRequest)] = &[
            (
                b"bytes=0-99",
                One(FromTo {
                    first: 0,
                    last: Some(99),
                }),
            ),
            (b"bytes=-100", One(Suffix(100))),
            (
                b"bytes=100-",
                One(FromTo {
                    first: 100,
                    last: None,
                }),
            ),
            (
                b"bytes=0-0",
                One(FromTo {
                    first: 0,
                    last: Some(0),
                }),
            ),
            (
                b"BYTES=1-2",
                One(FromTo {
                    first: 1,
                    last: Some(2),
                }),
            ),
            (
                b" bytes=1-2 ",
                One(FromTo {
                    first: 1,
                    last: Some(2),
                }),
            ),
            (
                b"bytes= 1-2 ,",
                One(FromTo {
                    first: 1,
                    last: Some(2),
                }),
            ),
            (b"bytes=0-99,200-299", Several),
            (b"bytes=0-99, -1", Several),
            (b"bytes=5-2", Invalid),
            (b"bytes=0-99,5-2", Invalid),
            (b"items=0-1", Invalid),
            (b"bytes 0-1", Invalid),
            (b"bytes =0-1", Invalid),
            (b"bytes=", Invalid),
            (b"bytes=,", Invalid),
            (b"bytes=-", Invalid),
            (b"bytes=a-b", Invalid),
            (b"bytes=1-2-3", Invalid),
            (b"bytes=+1-2", Invalid),
            (b"bytes=1 -2", Invalid),
            (b"bytes=--1", Invalid),
            (b"", Invalid),
            (
                b"bytes=99999999999999999999999-",
                One(FromTo {
                    first: u64::MAX,
                    last: None,
                }),
            ),
            (
                b"bytes=0-99999999999999999999999",
                One(FromTo {
                    first: 0,
                    last: Some(u64::MAX),
                }),
            ),
            (b"bytes=-99999999999999999999999", One(Suffix(u64::MAX))),
        ];
        for &(field, expected) in cases {
            assert_eq!(
                parse(field),
                expected,
                "{:?}",
                core::str::from_utf8(field).unwrap()
            );
        }
    }

    #[test]
    fn resolving() {
        type Case = (RangeSpec, u64, Option<(u64, u64)>);
        let cases: &[Case] = &[
            (
                FromTo {
                    first: 0,
                    last: Some(99),
                },
                1000,
                Some((0, 99)),
            ),
            (
                FromTo {
                    first: 0,
                    last: Some(0),
                },
                1000,
                Some((0, 0)),
            ),
            (
                FromTo {
                    first: 100,
                    last: None,
                },
                1000,
                Some((100, 999)),
            ),
            (
                FromTo {
                    first: 999,
                    last: None,
                },
                1000,
                Some((999, 999)),
            ),
            (
                FromTo {
                    first: 900,
                    last: Some(5000),
                },
                1000,
                Some((900, 999)),
            ),
            (
                FromTo {
                    first: 1000,
                    last: None,
                },
                1000,
                None,
            ),
            (
                FromTo {
                    first: 1000,
                    last: Some(2000),
                },
                1000,
                None,
            ),
            (
                FromTo {
                    first: u64::MAX,
                    last: None,
                },
                1000,
                None,
            ),
            (
                FromTo {
                    first: 0,
                    last: Some(u64::MAX),
                },
                1000,
                Some((0, 999)),
            ),
            (Suffix(100), 1000, Some((900, 999))),
            (Suffix(1000), 1000, Some((0, 999))),
            (Suffix(5000), 1000, Some((0, 999))),
            (Suffix(u64::MAX), 1000, Some((0, 999))),
            (Suffix(0), 1000, None),
            (
                FromTo {
                    first: 0,
                    last: None,
                },
                0,
                None,
            ),
            (Suffix(5), 0, None),
        ];
        for &(spec, len, expected) in cases {
            assert_eq!(spec.resolve(len), expected, "{spec:?} of {len}");
        }
    }
}
