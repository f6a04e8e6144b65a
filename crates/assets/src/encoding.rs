//! Accept-Encoding negotiation (RFC 9110 §12.5.3) between the identity body and a gzip variant.

use crate::etag::trim_ows;

/// Weights in thousandths: qvalues have at most three decimals (RFC 9110 §12.4.2).
type Weight = u16;
const Q_MAX: Weight = 1000;

/// Whether the gzip variant should be sent for this Accept-Encoding field value.
///
/// gzip's weight is that of `gzip` or its alias `x-gzip` (§8.4.1.3) if listed, else that of `*`,
/// else 0. Identity's weight is that of `identity` if listed, else `*`'s; unlisted, identity is
/// merely "acceptable" (§12.5.3) and does not outrank an explicit gzip. gzip is chosen when its
/// weight is above zero and identity is not strictly preferred. Codings are case-insensitive tokens,
/// whitespace around `,` and `;` is allowed, and an element with an invalid qvalue is skipped.
///
/// An empty field value means "no coding wanted" (§12.5.3), and this function is not called at all
/// when the header is absent: then identity is sent, since clients that do not ask (curl without
/// `--compressed`, scripts) are not expected to decode gzip, whatever the RFC's "any coding is
/// acceptable" allows.
pub(crate) fn accepts_gzip(field: &[u8]) -> bool {
    let mut gzip: Option<Weight> = None;
    let mut identity: Option<Weight> = None;
    let mut any: Option<Weight> = None;
    for element in field.split(|&b| b == b',') {
        let mut parts = element.split(|&b| b == b';');
        let coding = trim_ows(parts.next().unwrap_or_default());
        if coding.is_empty() {
            continue;
        }
        let mut weight = Some(Q_MAX);
        for param in parts {
            let param = trim_ows(param);
            if param.len() >= 2 && param[..2].eq_ignore_ascii_case(b"q=") {
                weight = qvalue(&param[2..]);
            }
        }
        let Some(weight) = weight else {
            continue;
        };
        let slot = if coding.eq_ignore_ascii_case(b"gzip") || coding.eq_ignore_ascii_case(b"x-gzip")
        {
            &mut gzip
        } else if coding.eq_ignore_ascii_case(b"identity") {
            &mut identity
        } else if coding == b"*" {
            &mut any
        } else {
            continue;
        };
        // A coding listed twice (gzip and x-gzip) counts with its best weight.
        *slot = Some(slot.map_or(weight, |w| w.max(weight)));
    }
    let gzip = gzip.or(any).unwrap_or(0);
    let identity = identity.or(any);
    gzip > 0 && identity.is_none_or(|identity| gzip >= identity)
}

/// `qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )` in thousandths.
fn qvalue(v: &[u8]) -> Option<Weight> {
    let (int, frac) = match v {
        [d, b'.', frac @ ..] => (*d, frac),
        [d] => (*d, &[][..]),
        _ => return None,
    };
    if frac.len() > 3 || !frac.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut thousandths: Weight = 0;
    for i in 0..3 {
        thousandths = thousandths * 10 + frac.get(i).map_or(0, |&d| Weight::from(d - b'0'));
    }
    match int {
        b'0' => Some(thousandths),
        b'1' if thousandths == 0 => Some(Q_MAX),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qvalues() {
        let cases: &[(&[u8], Option<Weight>)] = &[
            (b"1", Some(1000)),
            (b"1.", Some(1000)),
            (b"1.000", Some(1000)),
            (b"0", Some(0)),
            (b"0.5", Some(500)),
            (b"0.05", Some(50)),
            (b"0.001", Some(1)),
            (b"0.000", Some(0)),
            (b"1.001", None),
            (b"0.0001", None),
            (b"2", None),
            (b".5", None),
            (b"", None),
            (b"0.5x", None),
            (b" 0.5", None),
        ];
        for &(v, expected) in cases {
            assert_eq!(
                qvalue(v),
                expected,
                "{:?}",
                core::str::from_utf8(v).unwrap()
            );
        }
    }

    #[test]
    fn negotiation() {
        let cases: &[(&[u8], bool)] = &[
            (b"gzip", true),
            (b"x-gzip", true),
            (b"GZIP", true),
            (b"Gzip", true),
            (b"gzip, deflate, br, zstd", true),
            (b"br;q=1.0, gzip;q=0.8, *;q=0.1", true),
            (b"  deflate ,\tgzip  ", true),
            (b"gzip ; q=0.5", true),
            (b"gzip;Q=0.5", true),
            (b"*", true),
            (b"*;q=0.5", true),
            (b"gzip;q=0.001", true),
            (b"gzip;q=0.5", true),
            (b"gzip;q=0.5, identity;q=0.5", true),
            (b"identity;q=0, gzip;q=0.1", true),
            (b"", false),
            (b" ", false),
            (b",,", false),
            (b"gzip;q=0", false),
            (b"gzip;q=0.000", false),
            (b"*;q=0", false),
            (b"gzip;q=0, *", false),
            (b"*, gzip;q=0", false),
            (b"x-gzip;q=0", false),
            (b"identity;q=1, gzip;q=0.5", false),
            (b"identity, gzip;q=0.9", false),
            (b"*;q=0.5, gzip;q=0.2", false),
            (b"deflate, br", false),
            (b"identity", false),
            (b"gzipx", false),
            (b"gzip;q=abc", false),
            (b"gzip;q=2", false),
            (b"gzip;q=0.5;q=0", false),
            (b"gzip;q=0, x-gzip", true),
        ];
        for &(field, expected) in cases {
            assert_eq!(
                accepts_gzip(field),
                expected,
                "{:?}",
                core::str::from_utf8(field).unwrap()
            );
        }
    }
}
