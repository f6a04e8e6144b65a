//! Validation of `uri-host [ ":" port ]`, the shape shared by the Host field
//! (RFC 9110 §7.2), the authority of an absolute-form target and the
//! authority-form target of CONNECT (RFC 9112 §3.2.2–§3.2.3).

use crate::chars::{REG_NAME, is_hex_digit};
use verbosel_digits::hex_value;

/// The largest TCP port; a longer or larger port is not a port.
const MAX_PORT: u32 = 65_535;

/// A host and its optional port, split out of a validated authority.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HostPort<'a> {
    /// `uri-host` (RFC 3986 §3.2.2): a reg-name, an IPv4 address, or an
    /// IP-literal including its square brackets. May be empty.
    pub host: &'a [u8],
    /// The decimal port after the `:`, if a `:` was present (may be empty,
    /// since RFC 3986 §3.2.3 defines `port = *DIGIT`).
    pub port: Option<&'a [u8]>,
}

/// Splits and validates `uri-host [ ":" port ]` (RFC 3986 §3.2.2–§3.2.3).
///
/// Userinfo (`user@host`) is rejected: RFC 9110 §4.2.4 deprecates it and asks
/// recipients to treat it as an error. IPv6 zone identifiers are not URI
/// syntax (RFC 3986) and are rejected. A port, when present, must be at most
/// 65535. Returns `None` for anything invalid.
pub fn split_host_port(value: &[u8]) -> Option<HostPort<'_>> {
    let (host, rest) = if value.first() == Some(&b'[') {
        let close = value.iter().position(|&b| b == b']')?;
        let (host, rest) = value.split_at(close + 1);
        let [b'[', literal @ .., b']'] = host else {
            return None;
        };
        if !is_ip_literal(literal) {
            return None;
        }
        (host, rest)
    } else {
        let end = value.iter().position(|&b| b == b':').unwrap_or(value.len());
        let (host, rest) = value.split_at(end);
        if !is_reg_name(host) {
            return None;
        }
        (host, rest)
    };
    let port = match rest.split_first() {
        None => None,
        Some((b':', port)) if is_port(port) => Some(port),
        Some(_) => return None,
    };
    Some(HostPort { host, port })
}

/// Whether `value` is a valid Host field value: `uri-host [ ":" port ]`,
/// where the empty value is allowed (RFC 9112 §3.2: a client sends an empty
/// Host when the target URI has no authority).
pub fn is_valid_host_field(value: &[u8]) -> bool {
    split_host_port(value).is_some()
}

/// Whether `value` is a valid authority for an `http`/`https` absolute-form
/// target: like a Host value but the host must not be empty (RFC 9110 §4.2.1).
pub fn is_valid_http_authority(value: &[u8]) -> bool {
    matches!(split_host_port(value), Some(hp) if !hp.host.is_empty())
}

/// Whether `value` is an authority-form target (RFC 9112 §3.2.3):
/// `uri-host ":" port` with a non-empty host and a non-empty port.
pub fn is_authority_form(value: &[u8]) -> bool {
    matches!(
        split_host_port(value),
        Some(HostPort { host, port: Some(port) }) if !host.is_empty() && !port.is_empty()
    )
}

/// `port = *DIGIT` (RFC 3986 §3.2.3), bounded to a real TCP port.
fn is_port(port: &[u8]) -> bool {
    if port.len() > 5 || !port.iter().all(u8::is_ascii_digit) {
        return false;
    }
    port.iter().fold(0u32, |n, &d| n * 10 + u32::from(d - b'0')) <= MAX_PORT
}

/// `reg-name = *( unreserved / pct-encoded / sub-delims )` (RFC 3986 §3.2.2).
/// Every IPv4address also matches this rule.
fn is_reg_name(s: &[u8]) -> bool {
    let mut i = 0;
    while i < s.len() {
        let b = s[i];
        if b == b'%' {
            let valid =
                matches!(s.get(i + 1..i + 3), Some([h, l]) if is_hex_digit(*h) && is_hex_digit(*l));
            if !valid {
                return false;
            }
            i += 3;
        } else if REG_NAME.has(b) {
            i += 1;
        } else {
            return false;
        }
    }
    true
}

/// The inside of `IP-literal = "[" ( IPv6address / IPvFuture ) "]"`.
fn is_ip_literal(s: &[u8]) -> bool {
    if matches!(s.first(), Some(b'v' | b'V')) {
        is_ipv_future(s)
    } else {
        is_ipv6(s)
    }
}

/// `IPvFuture = "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" )`.
fn is_ipv_future(s: &[u8]) -> bool {
    let Some(dot) = s.iter().position(|&b| b == b'.') else {
        return false;
    };
    // `s` starts with the "v" (see `is_ip_literal`), so `dot` is at least 1.
    let (Some(version), Some(rest)) = (s.get(1..dot), s.get(dot + 1..)) else {
        return false;
    };
    !version.is_empty()
        && version.iter().all(|&b| is_hex_digit(b))
        && !rest.is_empty()
        && rest.iter().all(|&b| b == b':' || REG_NAME.has(b))
}

/// `IPv6address` (RFC 3986 §3.2.2): eight 16-bit groups of 1–4 hex digits
/// separated by `:`, at most one `::` standing for one or more zero groups,
/// and optionally the last 32 bits written as an IPv4 address.
fn is_ipv6(s: &[u8]) -> bool {
    let mut groups = 0u32;
    let mut elided = false;
    let mut i = 0;
    if s.starts_with(b"::") {
        elided = true;
        i = 2;
        if i == s.len() {
            return true;
        }
    }
    loop {
        let start = i;
        while i < s.len() && is_hex_digit(s[i]) && i - start < 5 {
            i += 1;
        }
        if s.get(i) == Some(&b'.') {
            // An IPv4 tail must run to the end and fills two groups.
            if !is_ipv4(&s[start..]) {
                return false;
            }
            groups += 2;
            break;
        }
        let len = i - start;
        if len == 0 || len > 4 {
            return false;
        }
        groups += 1;
        if i == s.len() {
            break;
        }
        if s.get(i) != Some(&b':') {
            return false;
        }
        i += 1;
        if s.get(i) == Some(&b':') {
            if elided {
                return false;
            }
            elided = true;
            i += 1;
            if i == s.len() {
                break;
            }
        } else if i == s.len() {
            return false;
        }
    }
    if elided { groups <= 7 } else { groups == 8 }
}

/// `IPv4address = dec-octet "." dec-octet "." dec-octet "." dec-octet`
/// where a dec-octet is 0–255 without leading zeros (RFC 3986 §3.2.2).
fn is_ipv4(s: &[u8]) -> bool {
    let mut parts = 0;
    for octet in s.split(|&b| b == b'.') {
        parts += 1;
        let valid = !octet.is_empty()
            && octet.len() <= 3
            && octet.iter().all(u8::is_ascii_digit)
            && !(octet.len() > 1 && octet[0] == b'0')
            && octet
                .iter()
                .fold(0u32, |n, &d| n * 10 + u32::from(d - b'0'))
                <= 255;
        if !valid {
            return false;
        }
    }
    parts == 4
}

/// Decodes a `pct-encoded` triplet's two hex digits; `None` if either is not hex.
pub(crate) fn pct_pair(hi: u8, lo: u8) -> Option<u8> {
    Some((hex_value(hi)? << 4) | hex_value(lo)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_host_fields() {
        for v in [
            &b""[..],
            b"example.com",
            b"example.com:8080",
            b"example.com:",
            b"EXAMPLE.COM:1",
            b"localhost:65535",
            b"127.0.0.1",
            b"127.0.0.1:80",
            b"[::1]",
            b"[::1]:8080",
            b"[::]",
            b"[2001:db8::7]",
            b"[2001:db8:0:0:0:0:2:1]",
            b"[::ffff:192.0.2.128]",
            b"[1:2:3:4:5:6:1.2.3.4]",
            b"[fe80::1:2]:443",
            b"[v1.fe80::a+en1]",
            b"xn--bcher-kva.example",
            b"a%20b",
            b"a_b~c-d",
            b"sub.delims!$&'()*+,;=",
            b"999.999.999.999",
        ] {
            assert!(
                is_valid_host_field(v),
                "{:?} should be valid",
                String::from_utf8_lossy(v)
            );
        }
    }

    #[test]
    fn invalid_host_fields() {
        for v in [
            &b"user@example.com"[..],
            b"example.com:65536",
            b"example.com:123456",
            b"example.com:80:80",
            b"example.com:8a",
            b"example.com:-1",
            b"exa mple.com",
            b"example.com/",
            b"example.com?",
            b"example.com#",
            b"a%2",
            b"a%zz",
            b"[::1",
            b"::1",
            b"[::1]x",
            b"[::1]:x",
            b"[1:2:3:4:5:6:7:8:9]",
            b"[1:2:3:4:5:6:7]",
            b"[1::2::3]",
            b"[12345::]",
            b"[:1]",
            b"[1:]",
            b"[1:2:3:4:5:6:7:1.2.3.4]",
            b"[::1.2.3]",
            b"[::1.2.3.256]",
            b"[::01.2.3.4]",
            b"[fe80::1%25eth0]",
            b"[v.x]",
            b"[v1.]",
            b"[vx.a]",
            b"[]",
            b"\"quoted\"",
            b"a\\b",
            b"\x80host",
        ] {
            assert!(
                !is_valid_host_field(v),
                "{:?} should be invalid",
                String::from_utf8_lossy(v)
            );
        }
    }

    #[test]
    fn split_parts() {
        assert_eq!(
            split_host_port(b"[::1]:8080"),
            Some(HostPort {
                host: b"[::1]",
                port: Some(b"8080")
            })
        );
        assert_eq!(
            split_host_port(b"example.com"),
            Some(HostPort {
                host: b"example.com",
                port: None
            })
        );
    }

    #[test]
    fn authority_forms() {
        assert!(is_authority_form(b"example.com:443"));
        assert!(is_authority_form(b"[::1]:443"));
        assert!(is_authority_form(b"127.0.0.1:1"));
        assert!(!is_authority_form(b"example.com"));
        assert!(!is_authority_form(b"example.com:"));
        assert!(!is_authority_form(b":443"));
        assert!(!is_authority_form(b"/path"));
        assert!(!is_authority_form(b"user@example.com:443"));
        assert!(is_valid_http_authority(b"example.com"));
        assert!(!is_valid_http_authority(b""));
        assert!(!is_valid_http_authority(b":80"));
    }
}
