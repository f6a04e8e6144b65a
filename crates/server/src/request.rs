//! What a handler sees of a request: a read-only view borrowing the connection's buffer, with
//! its path parameters and query decoded once, into scratch space.

use verbosel_http::{FormError, Header, Method, RequestHead, Target, Version};
use verbosel_router::{MAX_PARAMS, Params};
use verbosel_sys::net::SocketAddr;

/// Query parameters one request may carry: enough for any form (a request with more is
/// refused with 414, never cut short); the decoded pairs live on the stack.
pub const MAX_QUERY_PARAMS: usize = 16;

/// Why a request cannot reach its handler: a status and a reason.
pub(crate) type Refused = (u16, &'static str);

/// A query parameter whose value (or name) is not valid percent-encoded UTF-8: what the client
/// sent, undecoded, for the handler to report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Undecodable<'a> {
    /// The value as received, still encoded.
    pub raw: &'a str,
}

const TOO_MANY_QUERY_PARAMS: Refused = (414, "more than 16 query parameters");

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
    /// Bit `i`: query pair `i` did not decode; it holds the raw text.
    undecodable: u32,
    peer: Option<SocketAddr>,
    #[cfg(feature = "data")]
    data: Option<verbosel_sys::BorrowedFd<'a>>,
}

const BAD_PARAMETER: Refused = (400, "a path parameter is not valid percent-encoded UTF-8");

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
            undecodable: 0,
            peer,
            #[cfg(feature = "data")]
            data: None,
        }
    }

    /// Decodes `params` (raw, from the router) and the query into `scratch`, which holds at
    /// least the request line (decoding never lengthens). A path parameter that is not valid
    /// percent-encoded UTF-8 is refused (400), and so are more than [`MAX_QUERY_PARAMS`] query
    /// parameters (414).
    pub(crate) fn decode(
        &mut self,
        params: &Params<'a>,
        scratch: &'a mut [u8],
    ) -> Result<(), Refused> {
        let rest = self.decode_params(params, scratch)?;
        match self.query {
            Some(q) => self.decode_query(q, rest),
            None => Ok(()),
        }
    }

    /// Decodes the path parameters; returns the scratch space left.
    fn decode_params(
        &mut self,
        params: &Params<'a>,
        mut rest: &'a mut [u8],
    ) -> Result<&'a mut [u8], Refused> {
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

    /// Decodes the query's pairs as form values. More than [`MAX_QUERY_PARAMS`] pairs is an
    /// error (414); a name or value that is not valid percent-encoded UTF-8 is kept as received
    /// and marked, so that [`Request::query`] can say so.
    fn decode_query(&mut self, query: &'a [u8], mut rest: &'a mut [u8]) -> Result<(), Refused> {
        for (k, v) in verbosel_http::query_pairs(query) {
            let slot = self
                .queries
                .get_mut(self.nqueries)
                .ok_or(TOO_MANY_QUERY_PARAMS)?;
            // The scratch space holds the whole request line: decoding, never longer, fits.
            let (kd, tail) = rest
                .split_at_mut_checked(k.len())
                .ok_or(TOO_MANY_QUERY_PARAMS)?;
            let (vd, tail) = tail
                .split_at_mut_checked(v.len())
                .ok_or(TOO_MANY_QUERY_PARAMS)?;
            rest = tail;
            match (form_text(k, kd), form_text(v, vd)) {
                (Some(key), Some(val)) => *slot = (key, val),
                (key, _) => {
                    // The raw bytes are ASCII (the parser admits nothing else in a target).
                    let raw = |b| core::str::from_utf8(b).unwrap_or("");
                    *slot = (key.unwrap_or(raw(k)), raw(v));
                    self.undecodable |= 1 << self.nqueries;
                }
            }
            self.nqueries += 1;
        }
        Ok(())
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
    /// `None` if there is none; `Some(Err(..))` if its value is not valid percent-encoded UTF-8
    /// (`?q=%ff`): present, and wrong, which a handler usually answers with a 400.
    pub fn query(&self, name: &str) -> Option<Result<&'a str, Undecodable<'a>>> {
        let i = self.queries().position(|(n, _)| n == name)?;
        self.query_at(i)
    }

    fn query_at(&self, i: usize) -> Option<Result<&'a str, Undecodable<'a>>> {
        let (_, value) = *self.queries.get(i)?;
        Some(if self.undecodable >> i & 1 == 0 {
            Ok(value)
        } else {
            Err(Undecodable { raw: value })
        })
    }

    /// Every query parameter in order, as `(name, value)`, the value as in [`Request::query`].
    pub fn queries(
        &self,
    ) -> impl Iterator<Item = (&'a str, Result<&'a str, Undecodable<'a>>)> + '_ {
        (0..self.nqueries).filter_map(|i| Some((self.queries.get(i)?.0, self.query_at(i)?)))
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

    /// The cookie `name` (RFC 6265 §5.4), from every `Cookie` header line: the first pair with
    /// that name, compared case-sensitively, its value as sent (without surrounding quotes,
    /// not decoded). `Some(Err(raw))` if the value is not UTF-8.
    pub fn cookie(&self, name: &str) -> Option<Result<&'a str, &'a [u8]>> {
        let value = verbosel_http::find_cookie(self.cookie_lines(), name.as_bytes())?;
        Some(core::str::from_utf8(value).map_err(|_| value))
    }

    /// Every cookie the request carries, in order, as `(name, value)` bytes.
    pub fn cookies(&self) -> impl Iterator<Item = (&'a [u8], &'a [u8])> + '_ {
        self.cookie_lines().flat_map(verbosel_http::cookie_pairs)
    }

    fn cookie_lines(&self) -> impl Iterator<Item = &'a [u8]> + '_ {
        let headers: &'a [Header<'a>] = self.headers;
        headers
            .iter()
            .filter(|h| h.name.eq_ignore_ascii_case(b"cookie"))
            .map(|h| h.value)
    }

    /// The field `name` of an `application/x-www-form-urlencoded` body (an HTML form's POST),
    /// decoded into `out` (`+` is a space, then `%XX`): the first field with that name. `None`
    /// if the body has no such field; `Some(Err(FormError::NotAForm))` if the body is not of
    /// that type; `Some(Err(..))` if the value is not percent-encoded UTF-8 or does not fit
    /// `out` (a buffer as long as the body always fits). Each an answer for a 400.
    pub fn form<'o>(&self, name: &str, out: &'o mut [u8]) -> Option<Result<&'o str, FormError>> {
        if !self.is_form() {
            return Some(Err(FormError::NotAForm));
        }
        verbosel_http::form_value(self.body, name, out)
    }

    /// Whether the body is `application/x-www-form-urlencoded` (the media type compared
    /// case-insensitively, parameters such as `charset` ignored: RFC 9110 §8.3.1).
    fn is_form(&self) -> bool {
        let Some(ctype) = self.header("content-type") else {
            return false;
        };
        let essence = ctype.split(|&b| b == b';').next().unwrap_or_default();
        verbosel_http::chars::trim_ows(essence)
            .eq_ignore_ascii_case(b"application/x-www-form-urlencoded")
    }

    /// The HTTP version the client spoke.
    pub fn version(&self) -> Version {
        self.version
    }

    /// The app's data folder (`--data DIR` or `App::data`), if it has one: files kept across
    /// requests and restarts, and the only place a handler can reach. (With the `data`
    /// feature.)
    #[cfg(feature = "data")]
    pub fn data(&self) -> Option<crate::data::DataFolder<'a>> {
        self.data.map(crate::data::DataFolder::new)
    }

    /// Hands the request the data folder (the connection does, when the app has one).
    #[cfg(feature = "data")]
    pub(crate) fn with_data(&mut self, dir: Option<verbosel_sys::BorrowedFd<'a>>) {
        self.data = dir;
    }

    /// The client's address.
    pub fn peer(&self) -> Option<SocketAddr> {
        self.peer
    }
}

/// A form-encoded name or value decoded into `dst`, if it is valid percent-encoding of UTF-8.
fn form_text<'a>(raw: &[u8], dst: &'a mut [u8]) -> Option<&'a str> {
    verbosel_http::form_decode(raw, dst)
        .ok()
        .and_then(|d| core::str::from_utf8(d).ok())
}
