//! A static route table: `(method, pattern) → handler`, matched in declaration order.
//!
//! Patterns are `/`-separated segments: a literal (`hello`), a parameter that takes one non-empty
//! segment (`:name`), or a tail that takes the rest of the path, possibly empty (`*path`, last
//! only). Matching runs on the raw request path: literal segments compare after percent-decoding
//! (so `/h%65llo` is `/hello`), and parameters are captured still encoded — the caller decodes
//! them, because a `%2F` inside a parameter is data, not a separator.
//!
//! `GET` routes answer `HEAD` too (RFC 9110 §9.3.2: HEAD is GET without the body). A path that
//! matches some route but not for this method is "method not allowed", with the set of methods
//! that would have matched, for the `Allow` header (RFC 9110 §15.5.6).
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use verbosel_digits::hex_value;
use verbosel_http::Method;

/// The most parameters one pattern may bind: enough for any sane URL design, small enough to keep
/// the capture array on the stack.
pub const MAX_PARAMS: usize = 8;

/// One entry of a route table.
#[derive(Clone, Copy)]
pub struct Route<H> {
    /// The method this route answers (`Get` also answers `HEAD`).
    pub method: Method,
    /// The pattern, e.g. `/hello/:name`.
    pub pattern: &'static str,
    /// What the server calls.
    pub handler: H,
}

impl<H> Route<H> {
    /// A route for `method` and `pattern`.
    pub const fn new(method: Method, pattern: &'static str, handler: H) -> Route<H> {
        Route {
            method,
            pattern,
            handler,
        }
    }
}

/// Path parameters captured by a match: names from the pattern, raw (undecoded) values from the path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Params<'p> {
    names: [&'static str; MAX_PARAMS],
    values: [&'p [u8]; MAX_PARAMS],
    len: usize,
}

impl<'p> Params<'p> {
    /// No parameters.
    pub const EMPTY: Params<'static> = Params {
        names: [""; MAX_PARAMS],
        values: [&[]; MAX_PARAMS],
        len: 0,
    };

    /// The raw value of parameter `name`.
    pub fn get(&self, name: &str) -> Option<&'p [u8]> {
        self.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    /// `(name, raw value)` pairs in pattern order.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &'p [u8])> + '_ {
        let values = self.values.iter().copied();
        self.names.iter().copied().zip(values).take(self.len)
    }

    /// How many parameters were captured.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when the pattern had no parameters.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// A set of methods, for the `Allow` header.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MethodSet(u16);

/// The methods a route table can name, in the order `Allow` lists them.
const ALL: [Method; 8] = [
    Method::Get,
    Method::Head,
    Method::Post,
    Method::Put,
    Method::Patch,
    Method::Delete,
    Method::Options,
    Method::Trace,
];

impl MethodSet {
    fn bit(m: Method) -> u16 {
        match ALL.iter().position(|&a| a == m) {
            Some(i) => 1 << i,
            None => 0,
        }
    }

    /// Adds a method (`GET` brings `HEAD` along).
    pub fn insert(&mut self, m: Method) {
        self.0 |= Self::bit(m);
        if m == Method::Get {
            self.0 |= Self::bit(Method::Head);
        }
    }

    /// True if `m` is in the set.
    pub fn contains(&self, m: Method) -> bool {
        Self::bit(m) & self.0 != 0
    }

    /// True if no method is in the set.
    pub fn is_empty(&self) -> bool {
        self.0 == 0
    }

    /// The methods in `Allow` order.
    pub fn iter(&self) -> impl Iterator<Item = Method> + '_ {
        ALL.iter().copied().filter(move |m| self.contains(*m))
    }

    /// Writes `GET, HEAD, POST` into `out`; returns the bytes written.
    pub fn write_allow(&self, out: &mut [u8]) -> usize {
        let mut n = 0;
        for m in self.iter() {
            let s = m.as_str().as_bytes();
            let sep: &[u8] = if n == 0 { b"" } else { b", " };
            if n + sep.len() + s.len() > out.len() {
                break;
            }
            out[n..n + sep.len()].copy_from_slice(sep);
            n += sep.len();
            out[n..n + s.len()].copy_from_slice(s);
            n += s.len();
        }
        n
    }
}

/// The outcome of routing one request (matched at once, so variant sizes do not matter).
#[allow(clippy::large_enum_variant)]
pub enum Match<'r, 'p, H> {
    /// A route matched: call its handler with these parameters.
    Found {
        /// The matched route.
        route: &'r Route<H>,
        /// Its captured parameters.
        params: Params<'p>,
    },
    /// Some route has this path, none this method: 405 with `Allow`.
    MethodNotAllowed(MethodSet),
    /// No route has this path: 404.
    NotFound,
}

/// Finds the first route matching `method` and `path` (the raw path, without the query).
pub fn route<'r, 'p, H>(
    routes: &'r [Route<H>],
    method: Method,
    path: &'p [u8],
) -> Match<'r, 'p, H> {
    let mut allowed = MethodSet::default();
    for r in routes {
        if let Some(params) = match_pattern(r.pattern.as_bytes(), path) {
            if r.method == method || (r.method == Method::Get && method == Method::Head) {
                return Match::Found { route: r, params };
            }
            allowed.insert(r.method);
        }
    }
    if allowed.is_empty() {
        Match::NotFound
    } else {
        Match::MethodNotAllowed(allowed)
    }
}

/// The methods any route allows for `path` (for `OPTIONS`).
pub fn allowed<H>(routes: &[Route<H>], path: &[u8]) -> MethodSet {
    let mut allowed = MethodSet::default();
    for r in routes {
        if match_pattern(r.pattern.as_bytes(), path).is_some() {
            allowed.insert(r.method);
        }
    }
    allowed
}

/// Matches one pattern against a raw path, capturing parameters.
pub fn match_pattern<'p>(pattern: &'static [u8], path: &'p [u8]) -> Option<Params<'p>> {
    let mut params = Params {
        names: [""; MAX_PARAMS],
        values: [&[]; MAX_PARAMS],
        len: 0,
    };
    let (mut pat, mut rest) = (pattern, path);
    loop {
        if pat.is_empty() || rest.is_empty() {
            return if pat.is_empty() && rest.is_empty() {
                Some(params)
            } else {
                None
            };
        }
        // Both start with '/' at this point (patterns and origin-form paths are absolute).
        if pat[0] != b'/' || rest[0] != b'/' {
            return None;
        }
        let (pseg, pnext) = split_segment(&pat[1..]);
        if let Some(name) = pseg.strip_prefix(b"*") {
            // A tail takes everything after the slash, possibly nothing.
            push(&mut params, name, &rest[1..])?;
            return if pnext.is_empty() { Some(params) } else { None };
        }
        let (seg, next) = split_segment(&rest[1..]);
        if let Some(name) = pseg.strip_prefix(b":") {
            if seg.is_empty() {
                return None;
            }
            push(&mut params, name, seg)?;
        } else if !literal_eq(pseg, seg) {
            return None;
        }
        pat = pnext;
        rest = next;
    }
}

fn split_segment(s: &[u8]) -> (&[u8], &[u8]) {
    match s.iter().position(|&b| b == b'/') {
        Some(i) => (&s[..i], &s[i..]),
        None => (s, &[]),
    }
}

fn push<'p>(params: &mut Params<'p>, name: &'static [u8], value: &'p [u8]) -> Option<()> {
    let i = params.len;
    if i >= MAX_PARAMS {
        return None;
    }
    params.names[i] = core::str::from_utf8(name).ok()?;
    params.values[i] = value;
    params.len = i + 1;
    Some(())
}

/// Compares a literal pattern segment with a raw path segment, decoding `%XX` in the path.
fn literal_eq(lit: &[u8], raw: &[u8]) -> bool {
    let (mut i, mut j) = (0, 0);
    while i < lit.len() {
        if j >= raw.len() {
            return false;
        }
        let b = if raw[j] == b'%' && j + 2 < raw.len() {
            match (hex_value(raw[j + 1]), hex_value(raw[j + 2])) {
                (Some(h), Some(l)) => {
                    j += 3;
                    h << 4 | l
                }
                _ => return false,
            }
        } else {
            j += 1;
            raw[j - 1]
        };
        if b != lit[i] {
            return false;
        }
        i += 1;
    }
    j == raw.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROUTES: &[Route<u8>] = &[
        Route::new(Method::Get, "/", 0),
        Route::new(Method::Get, "/hello/:name", 1),
        Route::new(Method::Post, "/items", 2),
        Route::new(Method::Get, "/items", 3),
        Route::new(Method::Delete, "/items/:id", 4),
        Route::new(Method::Get, "/static/*path", 5),
        Route::new(Method::Get, "/a/:x/b/:y", 6),
    ];

    fn found(method: Method, path: &str) -> Option<(u8, Vec<(String, String)>)> {
        match route(ROUTES, method, path.as_bytes()) {
            Match::Found { route, params } => Some((
                route.handler,
                params
                    .iter()
                    .map(|(n, v)| (n.to_string(), String::from_utf8(v.to_vec()).unwrap()))
                    .collect(),
            )),
            _ => None,
        }
    }

    #[test]
    fn table() {
        let p = |v: &[(&str, &str)]| {
            v.iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect()
        };
        type Want = Option<(u8, Vec<(String, String)>)>;
        let cases: &[(Method, &str, Want)] = &[
            (Method::Get, "/", Some((0, vec![]))),
            (Method::Head, "/", Some((0, vec![]))),
            (
                Method::Get,
                "/hello/Ada%20Lovelace",
                Some((1, p(&[("name", "Ada%20Lovelace")]))),
            ),
            (Method::Get, "/hello/", None),
            (Method::Get, "/hello", None),
            (Method::Get, "/hello/a/b", None),
            (Method::Get, "/h%65llo/x", Some((1, p(&[("name", "x")])))),
            (Method::Get, "/h%6", None),
            (Method::Post, "/items", Some((2, vec![]))),
            (Method::Get, "/items", Some((3, vec![]))),
            (Method::Delete, "/items/7", Some((4, p(&[("id", "7")])))),
            (Method::Get, "/static/", Some((5, p(&[("path", "")])))),
            (
                Method::Get,
                "/static/css/site.css",
                Some((5, p(&[("path", "css/site.css")]))),
            ),
            (Method::Get, "/static", None),
            (
                Method::Get,
                "/a/1/b/2",
                Some((6, p(&[("x", "1"), ("y", "2")]))),
            ),
            (Method::Get, "/a/1/b/", None),
            (Method::Get, "", None),
            (Method::Get, "//", None),
            (Method::Get, "/items/", None),
        ];
        for (m, path, want) in cases {
            assert_eq!(&found(*m, path), want, "{m:?} {path}");
        }
    }

    #[test]
    fn method_not_allowed_lists_allow() {
        match route(ROUTES, Method::Delete, b"/hello/x") {
            Match::MethodNotAllowed(set) => {
                let mut out = [0u8; 64];
                let n = set.write_allow(&mut out);
                assert_eq!(&out[..n], b"GET, HEAD");
            }
            _ => panic!("expected 405"),
        }
        match route(ROUTES, Method::Put, b"/items") {
            Match::MethodNotAllowed(set) => {
                let mut out = [0u8; 64];
                let n = set.write_allow(&mut out);
                assert_eq!(&out[..n], b"GET, HEAD, POST");
            }
            _ => panic!("expected 405"),
        }
        assert!(matches!(
            route(ROUTES, Method::Get, b"/nope"),
            Match::NotFound
        ));
        assert_eq!(allowed(ROUTES, b"/nope"), MethodSet::default());
    }

    #[test]
    fn too_many_params_do_not_match() {
        const MANY: &[Route<u8>] = &[Route::new(Method::Get, "/:a/:b/:c/:d/:e/:f/:g/:h/:i", 0)];
        assert!(matches!(
            route(MANY, Method::Get, b"/1/2/3/4/5/6/7/8/9"),
            Match::NotFound
        ));
    }
}
