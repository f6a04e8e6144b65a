//! Cookies (RFC 6265): the pairs of the `Cookie` header a user agent sends (§4.2.1, §5.4), and
//! a `Set-Cookie` header written to the server grammar of §4.1.1, so that what a handler asks
//! for is what every user agent stores. A value that would break the header (a `;`, a CR, a
//! space, a quote) is refused, never escaped or cut: [`SetCookie::write`] says which part is
//! wrong.

use crate::chars::{is_ows, is_token};
use crate::date::imf_fixdate;
use verbosel_digits::{DECIMAL_DIGITS, decimal};

/// The most octets of name and value together a user agent keeps: larger cookies are ignored
/// (RFC 6265 §6.1 asks user agents for at least 4096 bytes per cookie; RFC 6265bis §5.6 drops a
/// cookie whose name and value exceed 4096), so such a cookie is refused here, not sent to
/// be lost.
pub const MAX_NAME_VALUE: usize = 4096;

/// The longest attribute value (Path, Domain) a user agent keeps (RFC 6265bis §5.6: longer
/// attributes are ignored, which would silently widen the cookie's scope).
pub const MAX_ATTRIBUTE_VALUE: usize = 1024;

/// The last second an IMF-fixdate can say (9999-12-31 23:59:59 GMT): its year has four digits.
pub const LAST_EXPIRES: u64 = 253_402_300_799;

/// The `(name, value)` pairs of one `Cookie` header value (`a=1; b="2"`), in order.
///
/// User agents send `cookie-pair *( ";" SP cookie-pair )` (§4.2.1); parsed leniently as §5.4
/// builds it and as proxies rewrite it: whitespace around pairs, names and values is trimmed,
/// a value in double quotes loses them, and a piece without `=` (a nameless cookie, which some
/// user agents send as its bare value) is skipped. Names are compared case-sensitively by
/// callers: `SID` and `sid` are two cookies.
pub fn cookie_pairs(value: &[u8]) -> CookiePairs<'_> {
    CookiePairs { rest: Some(value) }
}

/// The iterator [`cookie_pairs`] returns.
#[derive(Clone, Debug)]
pub struct CookiePairs<'c> {
    rest: Option<&'c [u8]>,
}

impl<'c> Iterator for CookiePairs<'c> {
    type Item = (&'c [u8], &'c [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let rest = self.rest?;
            let (piece, tail) = match rest.iter().position(|&b| b == b';') {
                Some(semi) => (&rest[..semi], Some(&rest[semi + 1..])),
                None => (rest, None),
            };
            self.rest = tail;
            let Some(eq) = piece.iter().position(|&b| b == b'=') else {
                continue;
            };
            let name = trim(&piece[..eq]);
            if name.is_empty() {
                continue;
            }
            let mut value = trim(&piece[eq + 1..]);
            if let [b'"', inner @ .., b'"'] = value {
                value = inner;
            }
            return Some((name, value));
        }
    }
}

/// `s` without leading and trailing spaces and tabs.
fn trim(mut s: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = s {
        if !is_ows(*first) {
            break;
        }
        s = rest;
    }
    while let [rest @ .., last] = s {
        if !is_ows(*last) {
            break;
        }
        s = rest;
    }
    s
}

/// The value of the cookie `name` across every `Cookie` header line a request carries (HTTP/1.1
/// clients send one, but RFC 9110 §5.3 lets a proxy split it): the first pair with that
/// name, as user agents list the most specific path first (§5.4 step 2).
pub fn find_cookie<'c>(lines: impl IntoIterator<Item = &'c [u8]>, name: &[u8]) -> Option<&'c [u8]> {
    lines
        .into_iter()
        .flat_map(cookie_pairs)
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v)
}

/// The `SameSite` attribute (RFC 6265bis §4.1.2.7): whether the cookie goes with requests that
/// other sites start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SameSite {
    /// Only with requests from this site.
    Strict,
    /// Also with top-level navigations from other sites (the user agents' default).
    Lax,
    /// With every request; user agents require `Secure` with it, so [`SetCookie`] does too.
    None,
}

/// Why a `Set-Cookie` header cannot be written as asked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CookieError {
    /// The name is not a token (RFC 9110 §5.6.2), or is empty.
    Name,
    /// The value has a byte outside cookie-octet (§4.1.1): a control, space, `"`, `,`, `;`,
    /// `\` or non-ASCII byte. Encode such values first (base64url, percent-encoding).
    Value,
    /// Name and value together exceed [`MAX_NAME_VALUE`].
    TooLarge,
    /// The path does not start with `/`, has a control byte or `;`, or exceeds
    /// [`MAX_ATTRIBUTE_VALUE`].
    Path,
    /// The domain is not a host name (RFC 1034 §3.5 as RFC 1123 §2.1 relaxes it: labels of
    /// letters, digits and inner hyphens, at most 63 each), or exceeds [`MAX_ATTRIBUTE_VALUE`].
    Domain,
    /// `Max-Age` is 0: the grammar asks for a positive number; [`SetCookie::removal`] is how a
    /// cookie is removed.
    MaxAge,
    /// `Expires` past [`LAST_EXPIRES`].
    Expires,
    /// `SameSite=None` without `Secure`, which user agents reject.
    SameSiteNoneWithoutSecure,
    /// A `__Secure-` name without `Secure`, or a `__Host-` name without `Secure`, with a
    /// `Domain`, or with a path other than `/` (RFC 6265bis §4.1.3): user agents reject those.
    Prefix,
    /// The header does not fit the buffer it is written into.
    TooLong,
}

impl CookieError {
    /// A short human explanation, for a log line.
    pub fn reason(self) -> &'static str {
        match self {
            CookieError::Name => "a cookie name that is not a token",
            CookieError::Value => {
                "a cookie value with a byte outside cookie-octet (RFC 6265 §4.1.1)"
            }
            CookieError::TooLarge => "a cookie whose name and value exceed 4096 bytes",
            CookieError::Path => "a cookie Path that does not start with / or has a control or ;",
            CookieError::Domain => "a cookie Domain that is not a host name",
            CookieError::MaxAge => "a cookie Max-Age of 0 (use SetCookie::removal)",
            CookieError::Expires => "a cookie Expires past the year 9999",
            CookieError::SameSiteNoneWithoutSecure => "a cookie with SameSite=None but not Secure",
            CookieError::Prefix => "a __Secure- or __Host- cookie without what its prefix requires",
            CookieError::TooLong => "a Set-Cookie header longer than its buffer",
        }
    }
}

impl core::fmt::Display for CookieError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.reason())
    }
}

/// A `Set-Cookie` header being built: `SetCookie::new("sid", "abc").path("/").http_only()`.
/// Nothing is checked until it is written ([`SetCookie::write`], or the server's
/// `Response::cookie`), which refuses anything that would break the header or that user agents
/// would reject.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SetCookie<'a> {
    name: &'a str,
    value: &'a str,
    path: Option<&'a str>,
    domain: Option<&'a str>,
    max_age: Option<u64>,
    expires: Option<u64>,
    http_only: bool,
    secure: bool,
    same_site: Option<SameSite>,
}

impl<'a> SetCookie<'a> {
    /// A cookie `name=value` that lasts for the browser session, with no other attribute.
    pub const fn new(name: &'a str, value: &'a str) -> SetCookie<'a> {
        SetCookie {
            name,
            value,
            path: None,
            domain: None,
            max_age: None,
            expires: None,
            http_only: false,
            secure: false,
            same_site: None,
        }
    }

    /// The header that removes the cookie `name` set with the same `Path` and `Domain` (add
    /// them): an empty value that expired at the epoch (§3.1's example).
    pub const fn removal(name: &'a str) -> SetCookie<'a> {
        SetCookie::new(name, "").expires(0)
    }

    /// `Path=path`: the cookie goes with requests under `path` only (§5.1.4).
    pub const fn path(mut self, path: &'a str) -> Self {
        self.path = Some(path);
        self
    }

    /// `Domain=domain`: the cookie also goes to the domain's subdomains (without it, to this
    /// host only).
    pub const fn domain(mut self, domain: &'a str) -> Self {
        self.domain = Some(domain);
        self
    }

    /// `Max-Age=seconds`: the cookie lasts that long (positive; user agents prefer it to
    /// `Expires`).
    pub const fn max_age(mut self, seconds: u64) -> Self {
        self.max_age = Some(seconds);
        self
    }

    /// `Expires=<date>`: the cookie lasts until `unix_seconds` (seconds since the epoch).
    pub const fn expires(mut self, unix_seconds: u64) -> Self {
        self.expires = Some(unix_seconds);
        self
    }

    /// `HttpOnly`: scripts in the page cannot read it.
    pub const fn http_only(mut self) -> Self {
        self.http_only = true;
        self
    }

    /// `Secure`: sent over HTTPS only.
    pub const fn secure(mut self) -> Self {
        self.secure = true;
        self
    }

    /// `SameSite=…`.
    pub const fn same_site(mut self, same_site: SameSite) -> Self {
        self.same_site = Some(same_site);
        self
    }

    /// Whether the header can be written as asked: every rule [`SetCookie::write`] applies but
    /// the buffer's size.
    pub fn check(&self) -> Result<(), CookieError> {
        let (name, value) = (self.name.as_bytes(), self.value.as_bytes());
        if !is_token(name) {
            return Err(CookieError::Name);
        }
        if !value.iter().all(|&b| is_cookie_octet(b)) {
            return Err(CookieError::Value);
        }
        if name.len() + value.len() > MAX_NAME_VALUE {
            return Err(CookieError::TooLarge);
        }
        if let Some(path) = self.path
            && !is_path_value(path.as_bytes())
        {
            return Err(CookieError::Path);
        }
        if let Some(domain) = self.domain
            && !is_domain_value(domain.as_bytes())
        {
            return Err(CookieError::Domain);
        }
        if self.max_age == Some(0) {
            return Err(CookieError::MaxAge);
        }
        if self.expires.is_some_and(|e| e > LAST_EXPIRES) {
            return Err(CookieError::Expires);
        }
        if self.same_site == Some(SameSite::None) && !self.secure {
            return Err(CookieError::SameSiteNoneWithoutSecure);
        }
        let secure_prefix = name.starts_with(b"__Secure-") || name.starts_with(b"__Host-");
        let host_prefix = name.starts_with(b"__Host-");
        if (secure_prefix && !self.secure)
            || (host_prefix && (self.domain.is_some() || self.path != Some("/")))
        {
            return Err(CookieError::Prefix);
        }
        Ok(())
    }

    /// Writes the header's value (what follows `Set-Cookie: `) into `out`.
    pub fn write<'o>(&self, out: &'o mut [u8]) -> Result<&'o [u8], CookieError> {
        self.check()?;
        let mut w = Writer { out, len: 0 };
        w.put(&[self.name.as_bytes(), b"=", self.value.as_bytes()])?;
        if let Some(path) = self.path {
            w.put(&[b"; Path=", path.as_bytes()])?;
        }
        if let Some(domain) = self.domain {
            w.put(&[b"; Domain=", domain.as_bytes()])?;
        }
        if let Some(seconds) = self.max_age {
            let mut digits = [0u8; DECIMAL_DIGITS];
            w.put(&[b"; Max-Age=", decimal(seconds, &mut digits)])?;
        }
        if let Some(at) = self.expires {
            w.put(&[b"; Expires=", &imf_fixdate(at)])?;
        }
        if self.http_only {
            w.put(&[b"; HttpOnly"])?;
        }
        if self.secure {
            w.put(&[b"; Secure"])?;
        }
        match self.same_site {
            Some(SameSite::Strict) => w.put(&[b"; SameSite=Strict"])?,
            Some(SameSite::Lax) => w.put(&[b"; SameSite=Lax"])?,
            Some(SameSite::None) => w.put(&[b"; SameSite=None"])?,
            None => {}
        }
        let Writer { out, len } = w;
        out.get(..len).ok_or(CookieError::TooLong)
    }
}

/// Appends to a caller's buffer, refusing what does not fit.
struct Writer<'o> {
    out: &'o mut [u8],
    len: usize,
}

impl Writer<'_> {
    fn put(&mut self, parts: &[&[u8]]) -> Result<(), CookieError> {
        for part in parts {
            let end = self.len + part.len();
            self.out
                .get_mut(self.len..end)
                .ok_or(CookieError::TooLong)?
                .copy_from_slice(part);
            self.len = end;
        }
        Ok(())
    }
}

/// cookie-octet (§4.1.1): visible ASCII but `"`, `,`, `;` and `\`.
fn is_cookie_octet(b: u8) -> bool {
    matches!(b, 0x21 | 0x23..=0x2b | 0x2d..=0x3a | 0x3c..=0x5b | 0x5d..=0x7e)
}

/// path-value (§4.1.1): any CHAR but controls and `;`; starting with `/`, as §5.2.4 ignores
/// any other (the cookie would get the default path instead of the one asked for).
fn is_path_value(p: &[u8]) -> bool {
    p.first() == Some(&b'/')
        && p.len() <= MAX_ATTRIBUTE_VALUE
        && p.iter().all(|&b| (0x20..0x7f).contains(&b) && b != b';')
}

/// domain-value (§4.1.1): a host name (RFC 1034 §3.5, RFC 1123 §2.1), without a leading dot.
fn is_domain_value(d: &[u8]) -> bool {
    !d.is_empty()
        && d.len() <= MAX_ATTRIBUTE_VALUE.min(253)
        && d.split(|&b| b == b'.').all(|label| {
            (1..=63).contains(&label.len())
                && label
                    .iter()
                    .all(|&b| b.is_ascii_alphanumeric() || b == b'-')
                && label.first() != Some(&b'-')
                && label.last() != Some(&b'-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_header_pairs() {
        let pairs = |v: &'static [u8]| cookie_pairs(v).collect::<Vec<_>>();
        type Pairs = &'static [(&'static [u8], &'static [u8])];
        let table: &[(&[u8], Pairs)] = &[
            (b"", &[]),
            (b"a=1", &[(b"a", b"1")]),
            (b"a=1; b=2", &[(b"a", b"1"), (b"b", b"2")]),
            // Lenient about the separator's space, tabs, stray semicolons.
            (
                b"a=1;b=2;;  c = 3 ;",
                &[(b"a", b"1"), (b"b", b"2"), (b"c", b"3")],
            ),
            (b"\ta=1\t", &[(b"a", b"1")]),
            // Quotes around a value are not part of it (§4.1.1).
            (b"a=\"x y\"", &[(b"a", b"x y")]),
            (b"a=\"", &[(b"a", b"\"")]),
            // Only the first `=` splits; empty values stay; nameless pieces are skipped.
            (b"a=b=c; d=", &[(b"a", b"b=c"), (b"d", b"")]),
            (b"bare; =v; e=5", &[(b"e", b"5")]),
            // Case is kept: two cookies.
            (b"SID=1; sid=2", &[(b"SID", b"1"), (b"sid", b"2")]),
        ];
        for (input, want) in table {
            assert_eq!(
                pairs(input),
                want.to_vec(),
                "{:?}",
                core::str::from_utf8(input)
            );
        }
    }

    #[test]
    fn finds_a_cookie_across_header_lines() {
        let lines: [&[u8]; 2] = [b"a=1; theme=dark", b"sid=xyz; a=2"];
        assert_eq!(find_cookie(lines, b"sid"), Some(&b"xyz"[..]));
        assert_eq!(find_cookie(lines, b"a"), Some(&b"1"[..]));
        assert_eq!(find_cookie(lines, b"theme"), Some(&b"dark"[..]));
        assert_eq!(find_cookie(lines, b"Theme"), None);
        assert_eq!(find_cookie(lines, b"th"), None);
        assert_eq!(find_cookie([], b"a"), None);
    }

    fn written(c: SetCookie<'_>) -> Result<String, CookieError> {
        let mut buf = [0u8; 8192];
        c.write(&mut buf)
            .map(|b| String::from_utf8(b.to_vec()).unwrap())
    }

    #[test]
    fn writes_set_cookie() {
        let table: &[(SetCookie<'_>, &str)] = &[
            (SetCookie::new("sid", "abc123"), "sid=abc123"),
            (SetCookie::new("empty", ""), "empty="),
            (
                SetCookie::new("sid", "a")
                    .path("/app")
                    .domain("example.com")
                    .max_age(3600)
                    .expires(784_111_777)
                    .http_only()
                    .secure()
                    .same_site(SameSite::Strict),
                "sid=a; Path=/app; Domain=example.com; Max-Age=3600; \
                 Expires=Sun, 06 Nov 1994 08:49:37 GMT; HttpOnly; Secure; SameSite=Strict",
            ),
            (
                SetCookie::new("t", "1").same_site(SameSite::Lax),
                "t=1; SameSite=Lax",
            ),
            (
                SetCookie::new("t", "1").secure().same_site(SameSite::None),
                "t=1; Secure; SameSite=None",
            ),
            (
                SetCookie::removal("sid").path("/"),
                "sid=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
            ),
            (
                SetCookie::new("__Host-id", "1").path("/").secure(),
                "__Host-id=1; Path=/; Secure",
            ),
            (
                SetCookie::new("__Secure-id", "1")
                    .domain("a.example")
                    .secure(),
                "__Secure-id=1; Domain=a.example; Secure",
            ),
            (
                SetCookie::new("x", "1").expires(LAST_EXPIRES),
                "x=1; Expires=Fri, 31 Dec 9999 23:59:59 GMT",
            ),
            (
                SetCookie::new("b64", "YWJj-_.~!#$%&'()*+/:<=>?@[]^`{|}"),
                "b64=YWJj-_.~!#$%&'()*+/:<=>?@[]^`{|}",
            ),
        ];
        for (cookie, want) in table {
            assert_eq!(written(*cookie).as_deref(), Ok(*want));
        }
    }

    #[test]
    fn refuses_what_would_break_the_header() {
        use CookieError::*;
        let long_value = "v".repeat(MAX_NAME_VALUE);
        let just_fits = "v".repeat(MAX_NAME_VALUE - 1);
        let long_path = format!("/{}", "p".repeat(MAX_ATTRIBUTE_VALUE));
        let label64 = format!("{}.example", "a".repeat(64));
        let table: &[(SetCookie<'_>, CookieError)] = &[
            (SetCookie::new("", "1"), Name),
            (SetCookie::new("a b", "1"), Name),
            (SetCookie::new("a=b", "1"), Name),
            (SetCookie::new("a;", "1"), Name),
            (SetCookie::new("é", "1"), Name),
            (SetCookie::new("a", "1; Domain=evil.example"), Value),
            (SetCookie::new("a", "1\r\nX-Injected: 1"), Value),
            (SetCookie::new("a", "two words"), Value),
            (SetCookie::new("a", "\"quoted\""), Value),
            (SetCookie::new("a", "a,b"), Value),
            (SetCookie::new("a", "back\\slash"), Value),
            (SetCookie::new("a", "é"), Value),
            (SetCookie::new("a", "\u{7f}"), Value),
            (SetCookie::new("a", &long_value), TooLarge),
            (SetCookie::new("a", "1").path("app"), Path),
            (SetCookie::new("a", "1").path(""), Path),
            (SetCookie::new("a", "1").path("/a;b"), Path),
            (SetCookie::new("a", "1").path("/a\nb"), Path),
            (SetCookie::new("a", "1").path(&long_path), Path),
            (SetCookie::new("a", "1").domain(""), Domain),
            (SetCookie::new("a", "1").domain(".example.com"), Domain),
            (SetCookie::new("a", "1").domain("example.com."), Domain),
            (SetCookie::new("a", "1").domain("a..b"), Domain),
            (SetCookie::new("a", "1").domain("-a.example"), Domain),
            (SetCookie::new("a", "1").domain("a_b.example"), Domain),
            (SetCookie::new("a", "1").domain("a.example; Secure"), Domain),
            (SetCookie::new("a", "1").domain(&label64), Domain),
            (SetCookie::new("a", "1").max_age(0), MaxAge),
            (SetCookie::new("a", "1").expires(LAST_EXPIRES + 1), Expires),
            (
                SetCookie::new("a", "1").same_site(SameSite::None),
                SameSiteNoneWithoutSecure,
            ),
            (SetCookie::new("__Secure-a", "1"), Prefix),
            (SetCookie::new("__Host-a", "1").path("/"), Prefix),
            (SetCookie::new("__Host-a", "1").secure(), Prefix),
            (SetCookie::new("__Host-a", "1").secure().path("/x"), Prefix),
            (
                SetCookie::new("__Host-a", "1")
                    .secure()
                    .path("/")
                    .domain("a.example"),
                Prefix,
            ),
        ];
        for (cookie, want) in table {
            assert_eq!(written(*cookie), Err(*want), "{cookie:?}");
            assert_eq!(cookie.check(), Err(*want), "{cookie:?}");
        }
        // One byte under the limit is fine.
        assert!(written(SetCookie::new("a", &just_fits)).is_ok());
        // A buffer too small is said so, never cut.
        let mut small = [0u8; 8];
        assert_eq!(
            SetCookie::new("sid", "abcdef").write(&mut small),
            Err(TooLong)
        );
        let mut exact = [0u8; 10];
        assert_eq!(
            SetCookie::new("sid", "abcdef").write(&mut exact),
            Ok(&b"sid=abcdef"[..])
        );
    }
}
