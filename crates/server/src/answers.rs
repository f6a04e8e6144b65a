//! The answers the server gives by itself, without a handler or a file: 404, 405 and OPTIONS
//! with `Allow`, the built-in health check, and the operator's `--redirect`s.

use crate::config::Redirect;
use crate::writer::{EMPTY, Length, ResponseWriter};
use verbosel_http::Method;
use verbosel_router::MethodSet;

/// The whole response a connection gets when its handler panics or runs away before the
/// response started: nothing about the fault, and the connection closes.
pub(crate) const INTERNAL_ERROR: &[u8] = b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 26\r\nConnection: close\r\n\r\n500 Internal Server Error\n";

/// A plain 404.
#[inline(never)]
pub(crate) fn not_found(w: &mut ResponseWriter<'_>) {
    let body = b"404 Not Found\n";
    w.write(
        404,
        Some(b"text/plain; charset=utf-8"),
        Length::Fixed(body.len() as u64),
        b"",
        &[body],
    );
}

/// 405 (with a short body) or 204 (the answer to OPTIONS), with `Allow: {set}`.
#[inline(never)]
pub(crate) fn allow(w: &mut ResponseWriter<'_>, status: u16, set: MethodSet) {
    // "Allow: " and every method the set can hold, with separators, fit in 96 bytes.
    let mut line = [0u8; 96];
    let (name, list) = line.split_at_mut(7);
    name.copy_from_slice(b"Allow: ");
    let n = set.write_allow(list.get_mut(..list.len() - 2).unwrap_or_default());
    if let Some(end) = list.get_mut(n..n + 2) {
        end.copy_from_slice(b"\r\n");
    }
    let line = line.get(..7 + n + 2).unwrap_or_default();
    if status == 405 {
        let body = b"405 Method Not Allowed\n";
        w.write(
            405,
            Some(b"text/plain; charset=utf-8"),
            Length::Fixed(body.len() as u64),
            line,
            &[body],
        );
    } else {
        w.write(status, None, Length::Fixed(0), line, EMPTY);
    }
}

/// The built-in health check, `GET /healthz`: `200 ok`, never cached; other methods get 405
/// (204 for OPTIONS) with `Allow`.
#[inline(never)]
pub(crate) fn health(w: &mut ResponseWriter<'_>, method: Method) {
    if matches!(method, Method::Get | Method::Head) {
        return w.write(
            200,
            Some(b"text/plain; charset=utf-8"),
            Length::Fixed(2),
            b"Cache-Control: no-store\r\n",
            &[b"ok"],
        );
    }
    let mut set = MethodSet::default();
    set.insert(Method::Get);
    set.insert(Method::Options);
    allow(w, if method == Method::Options { 204 } else { 405 }, set);
}

/// Longest `Location` a `--redirect` sends: its target and the request's query.
pub(crate) const MAX_LOCATION: usize = 1024;

/// A `--redirect`: `status` with `Location: to`, and the request's query after it unless `to`
/// has its own. `to` was checked at start-up (a local path or an http(s) URL, visible
/// characters only); a query too long to fit is dropped rather than cut.
#[inline(never)]
pub(crate) fn redirect(w: &mut ResponseWriter<'_>, r: &Redirect, query: Option<&[u8]>) {
    let mut line = [0u8; MAX_LOCATION + 16];
    let mut n = 0;
    let query = query.filter(|q| !q.is_empty() && !r.to.contains(&b'?'));
    let query_len = query.map_or(0, |q| q.len() + 1);
    let keep_query = 10 + r.to.len() + query_len + 2 <= line.len();
    let mut put = |part: &[u8]| {
        if let Some(dst) = line.get_mut(n..n + part.len()) {
            dst.copy_from_slice(part);
            n += part.len();
        }
    };
    put(b"Location: ");
    put(r.to);
    if let Some(q) = query.filter(|_| keep_query) {
        put(b"?");
        put(q);
    }
    put(b"\r\n");
    let body = b"moved\n";
    w.write(
        r.status,
        Some(b"text/plain; charset=utf-8"),
        Length::Fixed(body.len() as u64),
        line.get(..n).unwrap_or_default(),
        &[body],
    );
}
