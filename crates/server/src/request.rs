//! What a handler sees of a request: a read-only view borrowing the connection's buffer.

use verbosel_http::{Header, Method, Version};
use verbosel_router::MAX_PARAMS;
use verbosel_sys::net::SocketAddr;

/// Query parameters decoded per request, at most: enough for any form; beyond, `query_raw`.
pub const MAX_QUERY_PARAMS: usize = 16;

/// A request, as a handler sees it. Everything borrows the connection's read buffer (and a
/// scratch buffer for decoded values): nothing is allocated or copied.
pub struct Request<'a> {
    pub(crate) method: Method,
    pub(crate) path: &'a [u8],
    pub(crate) query: Option<&'a [u8]>,
    pub(crate) version: Version,
    pub(crate) headers: &'a [Header<'a>],
    pub(crate) body: &'a [u8],
    pub(crate) params: [(&'static str, &'a str); MAX_PARAMS],
    pub(crate) nparams: usize,
    pub(crate) queries: [(&'a str, &'a str); MAX_QUERY_PARAMS],
    pub(crate) nqueries: usize,
    pub(crate) peer: Option<SocketAddr>,
}

impl<'a> Request<'a> {
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
