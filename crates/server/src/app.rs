//! An app: a route table, optional embedded assets, defaults for the [`Config`], and `run`.

use crate::config::Config;
use crate::request::Request;
use crate::response::{Length, Out, Response, Sent};
use verbosel_assets::{Asset, Assets, Conditions, ContentRange, Lookup};
use verbosel_http::{Method, RequestHead, Target};
use verbosel_router::{Match, MethodSet, Params};

/// Syscalls an app may add to the sandbox with [`App::allow_syscalls`]: the room for 16 extra
/// numbers in a connection process's filter, less the spare's own `accept4`.
pub const MAX_EXTRA_SYSCALLS: usize = 15;

/// A request handler: reads the [`Request`], answers through the [`Response`].
pub type Handler = fn(&Request<'_>, Response<'_, '_>) -> Sent;

/// One route: method, pattern, handler.
pub type Route = verbosel_router::Route<Handler>;

/// A route for `GET` (and `HEAD`).
pub const fn get(pattern: &'static str, handler: Handler) -> Route {
    Route::new(Method::Get, pattern, handler)
}

/// A route for `POST`.
pub const fn post(pattern: &'static str, handler: Handler) -> Route {
    Route::new(Method::Post, pattern, handler)
}

/// A route for `PUT`.
pub const fn put(pattern: &'static str, handler: Handler) -> Route {
    Route::new(Method::Put, pattern, handler)
}

/// A route for `PATCH`.
pub const fn patch(pattern: &'static str, handler: Handler) -> Route {
    Route::new(Method::Patch, pattern, handler)
}

/// A route for `DELETE`.
pub const fn delete(pattern: &'static str, handler: Handler) -> Route {
    Route::new(Method::Delete, pattern, handler)
}

/// The built-in health check's path (answered `200 ok`, text/plain, unless the app routes it).
pub const HEALTHZ: &[u8] = b"/healthz";

/// Security headers sent with every response unless the app chooses its own with
/// [`App::headers`]: no MIME sniffing, no framing by other sites, no referrer leaks, and a
/// content security policy that allows only the server's own resources.
pub const DEFAULT_HEADERS: &str = "X-Content-Type-Options: nosniff\r\n\
X-Frame-Options: DENY\r\n\
Referrer-Policy: no-referrer\r\n\
Content-Security-Policy: default-src 'self'; frame-ancestors 'none'\r\n";

/// A web application: what the server runs.
pub struct App {
    /// The name shown by `--help` and `--version`.
    pub name: &'static str,
    /// The version shown by `--version`.
    pub version: &'static str,
    /// Routes, matched in order.
    pub routes: &'static [Route],
    /// Embedded files served for GET/HEAD when no route matches.
    pub assets: Option<&'static Assets>,
    /// The static-file server, present only in apps that have assets: reached through a function
    /// pointer set by [`App::assets`], so an app without assets does not carry its code.
    serve_static: Option<StaticFn>,
    /// Defaults for the configuration (the command line overrides them).
    pub config: Config,
    /// Header lines added to every response, each ending in CRLF.
    pub extra_headers: &'static [u8],
    /// System calls beyond the sandbox's allow-list that this app's handlers make.
    pub allow_syscalls: &'static [usize],
    /// Whether POST, PUT and PATCH without Content-Length or chunked framing are refused with
    /// 411 Length Required (RFC 9110 §15.5.12).
    pub require_length: bool,
}

type StaticFn =
    fn(&'static Assets, &RequestHead<'_, '_>, &[u8], Option<&[u8]>, &mut Out<'_>, &mut [u8]);

/// What the server will do with a request, decided from its head alone. (Built once per
/// request on the stack and matched at once, so the size of the largest variant is no concern.)
#[allow(clippy::large_enum_variant)]
pub enum Dispatch<'r> {
    /// Call a handler.
    Handler(Found<'r>),
    /// Serve from the embedded assets (or 404).
    Static,
    /// 404.
    NotFound,
    /// 405 with Allow.
    MethodNotAllowed(MethodSet),
    /// An OPTIONS request answered by the server: 204 with Allow.
    Options(MethodSet),
    /// The built-in health check, `/healthz`, for apps that do not route it themselves.
    Health,
}

/// A matched route.
pub struct Found<'r> {
    /// The handler.
    pub handler: Handler,
    /// Raw path parameters.
    pub params: Params<'r>,
}

impl App {
    /// An app with these routes and the default configuration.
    pub const fn new(routes: &'static [Route]) -> App {
        App {
            name: "verbosel",
            version: env!("CARGO_PKG_VERSION"),
            routes,
            assets: None,
            serve_static: None,
            config: Config::DEFAULT,
            extra_headers: DEFAULT_HEADERS.as_bytes(),
            allow_syscalls: &[],
            require_length: true,
        }
    }

    /// Names the program (for `--help` and `--version`).
    pub const fn name(mut self, name: &'static str, version: &'static str) -> App {
        self.name = name;
        self.version = version;
        self
    }

    /// Serves these embedded files when no route matches.
    pub const fn assets(mut self, assets: &'static Assets) -> App {
        self.assets = Some(assets);
        self.serve_static = Some(serve_static);
        self
    }

    /// Sets the configuration defaults.
    pub const fn config(mut self, config: Config) -> App {
        self.config = config;
        self
    }

    /// Replaces [`DEFAULT_HEADERS`]: header lines, each ending in `\r\n`.
    pub const fn headers(mut self, lines: &'static str) -> App {
        self.extra_headers = lines.as_bytes();
        self
    }

    /// Extends the sandbox's allow-list with these syscall numbers, for handlers that need more
    /// (say, `openat` and `read` of a file). Every addition is a hole: keep it small. More than
    /// [`MAX_EXTRA_SYSCALLS`] fails to compile when the app is a `static` (a panic at run time
    /// otherwise). Name them by `verbosel::raw::sys::nr::OPENAT` and so on, never by a literal:
    /// each architecture numbers calls differently, and `nr` has the numbers of the one being
    /// built (a call it lacks there does not compile).
    pub const fn allow_syscalls(mut self, nrs: &'static [usize]) -> App {
        assert!(
            nrs.len() <= MAX_EXTRA_SYSCALLS,
            "more extra syscalls than MAX_EXTRA_SYSCALLS"
        );
        self.allow_syscalls = nrs;
        self
    }

    /// Whether POST/PUT/PATCH without framing get 411 (default: yes).
    pub const fn require_length(mut self, yes: bool) -> App {
        self.require_length = yes;
        self
    }

    pub(crate) fn requires_length(&self, m: Method) -> bool {
        self.require_length && matches!(m, Method::Post | Method::Put | Method::Patch)
    }

    fn all_methods(&self) -> MethodSet {
        let mut set = MethodSet::default();
        for r in self.routes {
            set.insert(r.method);
        }
        if self.assets.is_some() {
            set.insert(Method::Get);
        }
        set.insert(Method::Options);
        set
    }

    /// Decides what to do with a request from its head.
    pub(crate) fn plan<'r>(&self, head: &RequestHead<'r, '_>) -> Dispatch<'r> {
        let path = match &head.target {
            Target::Origin { path, .. } | Target::Absolute { path, .. } => *path,
            Target::Asterisk => return Dispatch::Options(self.all_methods()),
            Target::Authority(_) => return Dispatch::NotFound,
        };
        match verbosel_router::route(self.routes, head.method, path) {
            Match::Found { route, params } => Dispatch::Handler(Found {
                handler: route.handler,
                params,
            }),
            Match::MethodNotAllowed(mut set) => {
                if head.method == Method::Options {
                    set.insert(Method::Options);
                    Dispatch::Options(set)
                } else {
                    Dispatch::MethodNotAllowed(set)
                }
            }
            // Every app answers the health check that `--healthcheck`, the image's HEALTHCHECK and
            // the orchestrators' probes ask for, unless it routes /healthz itself.
            Match::NotFound if path == HEALTHZ => Dispatch::Health,
            Match::NotFound if self.assets.is_some() => Dispatch::Static,
            Match::NotFound => Dispatch::NotFound,
        }
    }

    /// Answers everything that is not a handler call.
    pub(crate) fn answer(
        &self,
        plan: Dispatch<'_>,
        head: &RequestHead<'_, '_>,
        path: &[u8],
        query: Option<&[u8]>,
        out: &mut Out<'_>,
        scratch: &mut [u8],
    ) {
        match plan {
            Dispatch::Handler(_) => {}
            Dispatch::NotFound => not_found(self.assets, out),
            Dispatch::MethodNotAllowed(set) => allow(out, 405, set),
            Dispatch::Options(set) => allow(out, 204, set),
            Dispatch::Health if matches!(head.method, Method::Get | Method::Head) => {
                out.write(
                    200,
                    Some(b"text/plain; charset=utf-8"),
                    Length::Fixed(2),
                    b"Cache-Control: no-store\r\n",
                    &[b"ok"],
                );
            }
            Dispatch::Health => {
                let mut set = MethodSet::default();
                set.insert(Method::Get);
                set.insert(Method::Options);
                allow(
                    out,
                    if head.method == Method::Options {
                        204
                    } else {
                        405
                    },
                    set,
                );
            }
            Dispatch::Static => match (self.assets, self.serve_static) {
                (Some(assets), Some(serve)) => serve(assets, head, path, query, out, scratch),
                _ => not_found(self.assets, out),
            },
        }
    }
}

#[inline(never)]
fn not_found(assets: Option<&'static Assets>, out: &mut Out<'_>) {
    match assets.and_then(|a| a.not_found) {
        Some(page) => {
            out.write(
                404,
                Some(page.mime.as_bytes()),
                Length::Fixed(page.body.len() as u64),
                b"Cache-Control: no-cache\r\n",
                &[page.body],
            );
        }
        None => {
            let body = b"404 Not Found\n";
            out.write(
                404,
                Some(b"text/plain; charset=utf-8"),
                Length::Fixed(body.len() as u64),
                b"",
                &[body],
            );
        }
    }
}

/// Serves an embedded file: GET and HEAD, validators, ranges, gzip (see `verbosel-assets`).
fn serve_static(
    assets: &'static Assets,
    head: &RequestHead<'_, '_>,
    raw_path: &[u8],
    query: Option<&[u8]>,
    out: &mut Out<'_>,
    scratch: &mut [u8],
) {
    // Percent-decoding and dot-segment removal into a fixed buffer; anything that climbs
    // above the root is refused here and never looked up.
    let path = match verbosel_http::normalize(raw_path, scratch) {
        Ok(p) => p,
        Err(e) => return crate::response::error(out, e.status(), e.reason(), b""),
    };
    let asset: &'static Asset = match assets.lookup(path) {
        Lookup::Found(a) => a,
        Lookup::RedirectToDir => {
            // 308 keeps the method (RFC 9110 §15.4.9); the raw path is already URL-safe.
            let mut loc = [0u8; 512];
            let q = query.unwrap_or(b"");
            let need = raw_path.len() + 1 + if q.is_empty() { 0 } else { q.len() + 1 };
            if need + 12 > loc.len() {
                return crate::response::error(out, 414, "path too long to redirect", b"");
            }
            let mut n = 0;
            for part in [&b"Location: "[..], raw_path, b"/"] {
                loc[n..n + part.len()].copy_from_slice(part);
                n += part.len();
            }
            if !q.is_empty() {
                for part in [&b"?"[..], q] {
                    loc[n..n + part.len()].copy_from_slice(part);
                    n += part.len();
                }
            }
            loc[n..n + 2].copy_from_slice(b"\r\n");
            n += 2;
            let body = b"moved: add a trailing slash\n";
            return out.write(
                308,
                Some(b"text/plain; charset=utf-8"),
                Length::Fixed(body.len() as u64),
                &loc[..n],
                &[body],
            );
        }
        Lookup::NotFound => return not_found(Some(assets), out),
    };
    if !matches!(head.method, Method::Get | Method::Head) {
        let mut set = MethodSet::default();
        set.insert(Method::Get);
        set.insert(Method::Options);
        return allow(
            out,
            if head.method == Method::Options {
                204
            } else {
                405
            },
            set,
        );
    }
    let c = Conditions {
        if_match: head.header(b"if-match"),
        if_none_match: head.header(b"if-none-match"),
        if_modified_since: head.header(b"if-modified-since"),
        if_unmodified_since: head.header(b"if-unmodified-since"),
        range: head.header(b"range"),
        if_range: head.header(b"if-range"),
        accept_encoding: head.header(b"accept-encoding"),
    };
    let reply = verbosel_assets::respond(asset, &c);
    let mut lines = [0u8; 512];
    let mut n = 0;
    let mut put = |parts: &[&[u8]]| {
        for p in parts {
            if n + p.len() <= lines.len() {
                lines[n..n + p.len()].copy_from_slice(p);
                n += p.len();
            }
        }
    };
    put(&[
        b"ETag: ",
        asset.etag.as_bytes(),
        b"\r\nLast-Modified: ",
        asset.last_modified.as_bytes(),
        b"\r\n",
    ]);
    put(&[
        b"Cache-Control: ",
        asset.cache_control.as_bytes(),
        b"\r\nAccept-Ranges: bytes\r\n",
    ]);
    if reply.vary_accept_encoding {
        put(&[b"Vary: Accept-Encoding\r\n"]);
    }
    if reply.gzip {
        put(&[b"Content-Encoding: gzip\r\n"]);
    }
    let mut cr = [0u8; ContentRange::MAX_LEN];
    if let Some(len) = reply.content_range.encode(&mut cr) {
        put(&[b"Content-Range: ", &cr[..len], b"\r\n"]);
    }
    let ctype: Option<&[u8]> = if reply.status == 416 {
        Some(b"text/plain; charset=utf-8")
    } else {
        Some(asset.mime.as_bytes())
    };
    out.write(
        reply.status,
        ctype,
        Length::Fixed(reply.body.len() as u64),
        &lines[..n],
        &[reply.body],
    );
}

#[inline(never)]
fn allow(out: &mut Out<'_>, status: u16, set: MethodSet) {
    let mut line = [0u8; 96];
    line[..7].copy_from_slice(b"Allow: ");
    let n = 7 + set.write_allow(&mut line[7..94]);
    line[n..n + 2].copy_from_slice(b"\r\n");
    if status == 405 {
        let body = b"405 Method Not Allowed\n";
        out.write(
            405,
            Some(b"text/plain; charset=utf-8"),
            Length::Fixed(body.len() as u64),
            &line[..n + 2],
            &[body],
        );
    } else {
        out.write(status, None, Length::Fixed(0), &line[..n + 2], &[]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_extra_syscalls_up_to_the_limit() {
        let app = App::new(&[]).allow_syscalls(&[0; MAX_EXTRA_SYSCALLS]);
        assert_eq!(app.allow_syscalls.len(), MAX_EXTRA_SYSCALLS);
    }

    #[test]
    #[should_panic(expected = "MAX_EXTRA_SYSCALLS")]
    fn refuses_more_extra_syscalls_than_the_filter_has_room_for() {
        let _ = App::new(&[]).allow_syscalls(&[0; MAX_EXTRA_SYSCALLS + 1]);
    }
}
