//! Entity-tag lists and comparison (RFC 9110 §8.8.3, §13.1.1, §13.1.2).

/// How two entity-tags are compared (RFC 9110 §8.8.3.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Comparison {
    /// Both tags strong and their opaque-tags equal: If-Match and If-Range.
    Strong,
    /// Opaque-tags equal whatever the `W/` prefixes: If-None-Match.
    Weak,
}

/// An entity-tag split into its weakness and its opaque-tag (the quoted part, quotes included).
pub(crate) fn split(tag: &[u8]) -> (bool, &[u8]) {
    match tag.strip_prefix(b"W/") {
        Some(opaque) => (true, opaque),
        None => (false, tag),
    }
}

/// Whether two entity-tags match under `how`.
pub(crate) fn tags_match(a: &[u8], b: &[u8], how: Comparison) -> bool {
    let (a_weak, a_opaque) = split(a);
    let (b_weak, b_opaque) = split(b);
    a_opaque == b_opaque && (how == Comparison::Weak || (!a_weak && !b_weak))
}

/// Whether an If-Match or If-None-Match field value matches the current entity-tag `etag`.
///
/// The value is `"*"` (any current representation: since the asset exists, it matches) or a list
/// of entity-tags (`1#entity-tag`, elements separated by commas with optional whitespace, empty
/// elements tolerated as §5.6.1 requires). Parsing stops at the first malformed element; tags
/// before it still count, nothing after it does, so garbage never produces a match by accident.
pub(crate) fn list_matches(field: &[u8], etag: &[u8], how: Comparison) -> bool {
    let field = trim_ows(field);
    if field == b"*" {
        return true;
    }
    let mut rest = field;
    loop {
        rest = skip_separators(rest);
        if rest.is_empty() {
            return false;
        }
        let Some((tag, after)) = entity_tag(rest) else {
            return false;
        };
        if tags_match(tag, etag, how) {
            return true;
        }
        let after = trim_leading_ows(after);
        if !after.is_empty() && after[0] != b',' {
            return false;
        }
        rest = after;
    }
}

/// Parses one `entity-tag = [ weak ] opaque-tag` at the start of `s`; returns it and the rest.
/// `etagc` is `%x21 / %x23-7E / obs-text`: any visible byte except the double quote.
pub(crate) fn entity_tag(s: &[u8]) -> Option<(&[u8], &[u8])> {
    let start = if s.starts_with(b"W/") { 2 } else { 0 };
    if s.get(start) != Some(&b'"') {
        return None;
    }
    let mut i = start + 1;
    while let Some(&b) = s.get(i) {
        match b {
            b'"' => return Some((&s[..=i], &s[i + 1..])),
            0x21 | 0x23..=0x7E | 0x80..=0xFF => i += 1,
            _ => return None,
        }
    }
    None
}

/// OWS = *( SP / HTAB ) (RFC 9110 §5.6.3).
pub(crate) fn is_ows(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

pub(crate) fn trim_leading_ows(mut s: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = s {
        if !is_ows(*first) {
            break;
        }
        s = rest;
    }
    s
}

pub(crate) fn trim_ows(mut s: &[u8]) -> &[u8] {
    s = trim_leading_ows(s);
    while let [rest @ .., last] = s {
        if !is_ows(*last) {
            break;
        }
        s = rest;
    }
    s
}

fn skip_separators(mut s: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = s {
        if !is_ows(*first) && *first != b',' {
            break;
        }
        s = rest;
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use Comparison::{Strong, Weak};

    const TAG: &str = "\"0123456789abcdef\"";

    #[test]
    fn comparison_table_of_rfc_9110_8_8_3_2() {
        // The four rows of the example table.
        let rows: [(&[u8], &[u8], bool, bool); 4] = [
            (b"W/\"1\"", b"W/\"1\"", false, true),
            (b"W/\"1\"", b"W/\"2\"", false, false),
            (b"W/\"1\"", b"\"1\"", false, true),
            (b"\"1\"", b"\"1\"", true, true),
        ];
        for (a, b, strong, weak) in rows {
            assert_eq!(tags_match(a, b, Strong), strong);
            assert_eq!(tags_match(a, b, Weak), weak);
        }
    }

    #[test]
    fn lists() {
        let cases: &[(&[u8], Comparison, bool)] = &[
            (b"*", Strong, true),
            (b"  *  ", Weak, true),
            (b"\"0123456789abcdef\"", Strong, true),
            (b"\"0123456789abcdef\"", Weak, true),
            (b"W/\"0123456789abcdef\"", Strong, false),
            (b"W/\"0123456789abcdef\"", Weak, true),
            (b"\"other\", \"0123456789abcdef\"", Strong, true),
            (b"\"other\",W/\"0123456789abcdef\"", Weak, true),
            (b", ,\t\"other\" ,  \"0123456789abcdef\" ,", Weak, true),
            (b"\"other\"", Weak, false),
            (b"\"0123456789ABCDEF\"", Weak, false),
            (b"0123456789abcdef", Weak, false),
            (b"\"0123456789abcdef", Weak, false),
            (b"w/\"0123456789abcdef\"", Weak, false),
            (b"\"a b\", \"0123456789abcdef\"", Weak, false),
            (b"\"other\" garbage \"0123456789abcdef\"", Weak, false),
            (b"\"x\" \"0123456789abcdef\"", Weak, false),
            (b"", Weak, false),
            (b"*, \"x\"", Weak, false),
        ];
        for &(field, how, expected) in cases {
            assert_eq!(
                list_matches(field, TAG.as_bytes(), how),
                expected,
                "{:?} {how:?}",
                core::str::from_utf8(field).unwrap()
            );
        }
    }
}
