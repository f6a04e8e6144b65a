//! What a handler sees of a request: a read-only view borrowing the connection's buffer, with
//! its path parameters and query decoded once, into scratch space.

use verbosel_http::{Header, Method, RequestHead, Target, Version};
use verbosel_router::{MAX_PARAMS, Params};
use verbosel_sys::net::SocketAddr;

/// Query parameters decoded per request, at most: enough for any form; beyond, `query_raw`.
pub const MAX_QUERY_PARAMS: usize = 16;

/// A request, as a handler sees it. Everything borrows the connection's read buffer (and a
/// scratch buffer for decoded values): nothing is allocated or copied.
pub struct Request<'a> {
    method: Method,
    path: &'a [u8],
    query: Option<&'a [u8]>,
    version: Version,
    headers: &'a [Header<'a>],
    body: &'a [u8],
    params: [(&'static str, &'a str); MAX_PARAMS],
    nparams: usize,
    queries: [(&'a str, &'a str); MAX_QUERY_PARAMS],
    nqueries: usize,
    peer: Option<SocketAddr>,
}

/// Why a request cannot reach its handler (answered 400).
pub(crate) const BAD_PARAMETER: &str = "a path parameter is not valid percent-encoded UTF-8";

impl<'a> Request<'a> {
    /// The handler's view of a parsed request, before its parameters are decoded (see
    /// [`Request::decode`]). Inlined, so the request is built where it is used, not copied there.
    #[inline(always)]
    pub(crate) fn new(
        head: &RequestHead<'a, 'a>,
        body: &'a [u8],
        peer: Option<SocketAddr>,
    ) -> Request<'a> {
        let (path, query) = match head.target {
            Target::Origin { path, query } | Target::Absolute { path, query, .. } => (path, query),
            _ => (&b"*"[..], None),
        };
        Request {
            method: head.method,
            path,
            query,
            version: head.version,
            headers: head.headers,
            body,
            params: [("", ""); MAX_PARAMS],
            nparams: 0,
            queries: [("", ""); MAX_QUERY_PARAMS],
            nqueries: 0,
            peer,
        }
    }

    /// Decodes `params` (raw, from the router) and the query into `scratch`, which holds at
    /// least the request line (decoding never lengthens). A path parameter that is not valid
    /// percent-encoded UTF-8 is refused.
    pub(crate) fn decode(
        &mut self,
        params: &Params<'a>,
        scratch: &'a mut [u8],
    ) -> Result<(), &'static str> {
        let rest = self.decode_params(params, scratch)?;
        if let Some(q) = self.query {
            self.decode_query(q, rest);
        }
        Ok(())
    }

    /// Decodes the path parameters; returns the scratch space left.
    fn decode_params(
        &mut self,
        params: &Params<'a>,
        mut rest: &'a mut [u8],
    ) -> Result<&'a mut [u8], &'static str> {
        for ((name, raw), slot) in params.iter().zip(self.params.iter_mut()) {
            let (dst, tail) = rest.split_at_mut_checked(raw.len()).ok_or(BAD_PARAMETER)?;
            rest = tail;
            let decoded = verbosel_http::percent_decode(raw, dst).map_err(|_| BAD_PARAMETER)?;
            *slot = (
                name,
                core::str::from_utf8(decoded).map_err(|_| BAD_PARAMETER)?,
            );
            self.nparams += 1;
        }
        Ok(rest)
    }

    /// Decodes the query's pairs as form values, up to [`MAX_QUERY_PARAMS`]; pairs that are
    /// not valid encoded UTF-8 are skipped.
    fn decode_query(&mut self, query: &'a [u8], mut rest: &'a mut [u8]) {
        for (k, v) in verbosel_http::query_pairs(query) {
            let Some(slot) = self.queries.get_mut(self.nqueries) else {
                return;
            };
            let Some((kd, tail)) = rest.split_at_mut_checked(k.len()) else {
                return;
            };
            let Some((vd, tail)) = tail.split_at_mut_checked(v.len()) else {
                return;
            };
            rest = tail;
            let text = |raw, dst| {
                verbosel_http::form_decode(raw, dst)
                    .ok()
                    .and_then(|d| core::str::from_utf8(d).ok())
            };
            if let (Some(key), Some(val)) = (text(k, kd), text(v, vd)) {
                *slot = (key, val);
                self.nqueries += 1;
            }
        }
    }

    /// The method (`HEAD` requests reach `GET` handlers as `Method::Head`).
    pub fn method(&self) -> Method {
        self.method
    }

    /// The path as received, still percent-encoded, without the query (`/hello/Ada%20Lovelace`).
    pub fn path(&self) -> &'a str {
        // The parser admits only visible ASCII in a request-target.
        core::str::from_utf8(self.path).unwrap_or("")
    }

    /// A path parameter, percent-decoded: for the pattern `/hello/:name` and the path
    /// `/hello/Ada%20Lovelace`, `param("name")` is `Some("Ada Lovelace")`.
    pub fn param(&self, name: &str) -> Option<&'a str> {
        self.params
            .iter()
            .take(self.nparams)
            .find(|(n, _)| *n == name)
            .map(|(_, v)| *v)
    }

    /// A query parameter, decoded as a form value (`+` is a space): the first one named `name`.
    /// Pairs whose encoding is invalid are skipped; [`Request::query_raw`] has them all.
    pub fn query(&self, name: &str) -> Option<&'a str> {
        self.queries
            .iter()
            .take(self.nqueries)
            .find(|(n, _)| *n == name)
            .map(|(_, v)| *v)
    }

    /// Every decoded query parameter, in order.
    pub fn queries(&self) -> impl Iterator<Item = (&'a str, &'a str)> + '_ {
        self.queries.iter().take(self.nqueries).copied()
    }

    /// The raw query string, without the `?`.
    pub fn query_raw(&self) -> Option<&'a [u8]> {
        self.query
    }

    /// The value of the first header field named `name` (ASCII case-insensitive, RFC 9110 §5.1).
    pub fn header(&self, name: &str) -> Option<&'a [u8]> {
        let headers: &'a [Header<'a>] = self.headers;
        headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name.as_bytes()))
            .map(|h| h.value)
    }

    /// The value of header `name` as text, if it is valid UTF-8.
    pub fn header_str(&self, name: &str) -> Option<&'a str> {
        self.header(name).and_then(|v| core::str::from_utf8(v).ok())
    }

    /// Every header field in order, as `(name, value)`.
    pub fn headers(&self) -> impl Iterator<Item = (&'a [u8], &'a [u8])> + '_ {
        self.headers.iter().map(|h| (h.name, h.value))
    }

    /// The body, complete and de-chunked (bounded by the configured maximum).
    pub fn body(&self) -> &'a [u8] {
        self.body
    }

    /// The body as text, if it is valid UTF-8.
    pub fn body_str(&self) -> Option<&'a str> {
        core::str::from_utf8(self.body).ok()
    }

    /// The HTTP version the client spoke.
    pub fn version(&self) -> Version {
        self.version
    }

    /// The client's address.
    pub fn peer(&self) -> Option<SocketAddr> {
        self.peer
    }
}
