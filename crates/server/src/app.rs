//! An app: a route table, optional embedded files, defaults for the [`Config`], and the plan
//! for each request (which handler, or files, or a built-in answer), decided from its head.

use crate::config::Config;
use crate::files::archive::OpenArchive;
use crate::files::{FileSource, FileSources, ServeFiles};
use crate::request::Request;
use crate::response::{Response, Sent};
use verbosel_assets::Assets;
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

/// Whether a raw request path is [`HEALTHZ`].
fn is_healthz(path: &[u8]) -> bool {
    // Byte for byte first: only a path with a `%` needs the router's decoding comparison.
    path == HEALTHZ
        || (path.contains(&b'%') && verbosel_router::match_pattern(HEALTHZ, path).is_some())
}

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
    files: Option<&'static dyn FileSource>,
    /// The HTTP part of serving files, present only in apps that have some: reached through a
    /// function pointer set by [`App::assets`], so an app without files does not carry its code.
    serve_files: Option<ServeFiles>,
    /// Finds and validates the archive appended to the executable, at start-up: set by
    /// [`App::archive`] (and [`App::assets`]), so an app without it does not carry the reader.
    pub(crate) open_archive: Option<OpenArchive>,
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

/// What the server will do with a request, decided from its head alone, before any body is
/// read (a 404 or a 413 need not wait for one). Built once per request on the stack and matched
/// at once, so the size of the largest variant is no concern.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Plan<'r> {
    /// Call a handler with the route's raw path parameters.
    Handler(Handler, Params<'r>),
    /// Look in the app's files (which answer 404 themselves).
    Files,
    /// 404.
    NotFound,
    /// 405 with Allow.
    MethodNotAllowed(MethodSet),
    /// An OPTIONS request answered by the server: 204 with Allow.
    Options(MethodSet),
    /// The built-in health check, `/healthz`, for apps that do not route it themselves.
    Health,
    /// An operator's `--redirect` for this path (decided by the connection, before the routes).
    Redirect(crate::config::Redirect),
}

impl App {
    /// An app with these routes and the default configuration.
    pub const fn new(routes: &'static [Route]) -> App {
        App {
            name: "verbosel",
            version: env!("CARGO_PKG_VERSION"),
            routes,
            files: None,
            serve_files: None,
            open_archive: None,
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

    /// Serves these embedded files when no route matches, and (like [`App::archive`]) the files
    /// of a ZIP archive appended to the executable, before them.
    pub const fn assets(mut self, assets: &'static Assets) -> App {
        self.files = Some(assets);
        self.archive()
    }

    /// Serves the files of a ZIP archive appended to the executable (`zip`, Python's `zipfile`;
    /// README, "No Rust?") when no route matches. Validated whole at start-up: a malformed archive
    /// stops the server with exit code 2. Apps with [`App::assets`] have it already; an app of
    /// routes only opts in with this call, and otherwise does not carry the reader (about 30 KB).
    pub const fn archive(mut self) -> App {
        self.open_archive = Some(crate::files::archive::open);
        self.serve_files = Some(crate::files::serve);
        self
    }

    /// The sources of files this app serves from, in lookup order, built once at start-up: a
    /// folder given at run time (`--root`), then `appended` (the archive at the end of the
    /// executable, if any), then the compiled-in files. `None` when it serves no files.
    pub(crate) fn file_sources<'s>(
        &self,
        folder: Option<&'s dyn FileSource>,
        appended: Option<&'s dyn FileSource>,
    ) -> Option<FileSources<'s>> {
        #[cfg(feature = "site")]
        let serve = self.serve_files.unwrap_or(crate::files::serve);
        // Without the folder source, only apps with files of their own link the serving code.
        #[cfg(not(feature = "site"))]
        let serve = self.serve_files?;
        let mut sources = FileSources::new(serve);
        let mut any = false;
        for source in [folder, appended, self.files].into_iter().flatten() {
            sources.push(source).ok()?;
            any = true;
        }
        any.then_some(sources)
    }

    /// Sets the configuration defaults, each brought within its limit
    /// ([`Config::within_limits`]).
    pub const fn config(mut self, config: Config) -> App {
        self.config = config.within_limits();
        self
    }

    /// Gives handlers a data folder ([`Request::data`]): `dir`, relative to the working
    /// directory the server starts in, or absolute. `--data DIR` overrides it. (With the
    /// `data` feature.)
    #[cfg(feature = "data")]
    pub const fn data(mut self, dir: &'static str) -> App {
        self.config = self.config.data(dir);
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
        if self.files.is_some() {
            set.insert(Method::Get);
        }
        set.insert(Method::Options);
        set
    }

    /// Decides what to do with a request from its head.
    pub(crate) fn plan<'r>(&self, head: &RequestHead<'r, '_>) -> Plan<'r> {
        let path = match &head.target {
            Target::Origin { path, .. } | Target::Absolute { path, .. } => *path,
            Target::Asterisk => return Plan::Options(self.all_methods()),
            Target::Authority(_) => return Plan::NotFound,
        };
        match verbosel_router::route(self.routes, head.method, path) {
            Match::Found { route, params } => Plan::Handler(route.handler, params),
            Match::MethodNotAllowed(mut set) => {
                // The server answers OPTIONS for every path, so every Allow lists it: a 405's
                // and OPTIONS's say the same (RFC 9110 §10.2.1).
                set.insert(Method::Options);
                if head.method == Method::Options {
                    Plan::Options(set)
                } else {
                    Plan::MethodNotAllowed(set)
                }
            }
            // Every app answers the health check that `--healthcheck`, the image's HEALTHCHECK and
            // the orchestrators' probes ask for, unless it routes /healthz itself.
            // Matched like a route (percent-encoded characters equal their plain form, RFC 3986
            // §6.2.2.2), not compared byte by byte: `/%68ealthz` is `/healthz`.
            Match::NotFound if is_healthz(path) => Plan::Health,
            // An app that looks for an appended archive may find files at start-up; if it finds
            // none, the connection answers Plan::Files with a 404.
            Match::NotFound if self.files.is_some() || self.open_archive.is_some() => Plan::Files,
            Match::NotFound => Plan::NotFound,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::MAX_CONNS_LIMIT;
    use verbosel_http::{Header, ParseLimits, Parsed, parse_request};

    fn ok(_req: &Request<'_>, res: Response<'_, '_>) -> Sent {
        res.text("ok")
    }

    static ROUTES: [Route; 3] = [get("/", ok), post("/items", ok), get("/items/:id", ok)];
    static EMPTY: Assets = Assets::empty();

    /// The plan for `request` (a whole head), as a short name.
    fn plan_of(app: &App, request: &str) -> String {
        let mut headers = [Header::EMPTY; 8];
        let Ok(Parsed::Complete((head, _))) =
            parse_request(request.as_bytes(), &mut headers, &ParseLimits::DEFAULT)
        else {
            panic!("{request:?} does not parse");
        };
        let allow = |set: MethodSet| {
            let mut buf = [0u8; 64];
            let n = set.write_allow(&mut buf);
            String::from_utf8_lossy(&buf[..n]).into_owned()
        };
        match app.plan(&head) {
            Plan::Handler(_, params) => format!("handler {:?}", params.get("id")),
            Plan::Files => "files".into(),
            Plan::NotFound => "404".into(),
            Plan::MethodNotAllowed(set) => format!("405 {}", allow(set)),
            Plan::Options(set) => format!("204 {}", allow(set)),
            Plan::Health => "health".into(),
            Plan::Redirect(r) => format!("{} redirect", r.status),
        }
    }

    #[test]
    fn plans_each_request_from_its_head() {
        let routes = App::new(&ROUTES);
        let files = App::new(&ROUTES).assets(&EMPTY);
        let archive = App::new(&ROUTES).archive();
        let cases: &[(&App, &str, &str)] = &[
            (&routes, "GET / HTTP/1.1", "handler None"),
            (&routes, "HEAD /items/7 HTTP/1.1", "handler Some([55])"),
            (&routes, "POST /items HTTP/1.1", "handler None"),
            (&routes, "DELETE /items HTTP/1.1", "405 POST, OPTIONS"),
            (&routes, "OPTIONS /items HTTP/1.1", "204 POST, OPTIONS"),
            (
                &routes,
                "OPTIONS * HTTP/1.1",
                "204 GET, HEAD, POST, OPTIONS",
            ),
            (&routes, "GET /healthz HTTP/1.1", "health"),
            (&routes, "GET /%68ealth%7A HTTP/1.1", "health"),
            (&routes, "GET /missing HTTP/1.1", "404"),
            (&archive, "GET /missing HTTP/1.1", "files"),
            (&files, "GET /missing HTTP/1.1", "files"),
            (&files, "GET /healthz HTTP/1.1", "health"),
            (
                &routes,
                "GET http://h/items/9 HTTP/1.1",
                "handler Some([57])",
            ),
        ];
        for (app, line, want) in cases {
            let request = format!("{line}\r\nHost: h\r\n\r\n");
            assert_eq!(plan_of(app, &request), *want, "{line}");
        }
    }

    #[test]
    fn a_configuration_set_in_code_is_held_to_the_flags_limits() {
        let over = Config {
            max_conns: MAX_CONNS_LIMIT + 1,
            max_body: u64::MAX,
            max_head: usize::MAX,
            max_request_line: usize::MAX,
            max_headers: usize::MAX,
            ..Config::DEFAULT
        };
        let cfg = App::new(&[]).config(over).config;
        assert_eq!(cfg.max_conns, MAX_CONNS_LIMIT);
        assert_eq!(cfg.max_body, crate::config::MAX_BODY_CAPACITY);
        assert_eq!(cfg.max_head, ParseLimits::MAX_HEAD);
        assert_eq!(cfg.max_request_line, ParseLimits::MAX_HEAD);
        assert_eq!(cfg.max_headers, ParseLimits::MAX_HEADERS);
        assert_eq!(Config::DEFAULT.max_conns(0).max_conns, 1);
        assert_eq!(
            Config::DEFAULT.max_conns(u32::MAX).max_conns,
            MAX_CONNS_LIMIT
        );
    }

    #[test]
    #[should_panic(expected = "MAX_EXTRA_SYSCALLS")]
    fn refuses_more_extra_syscalls_than_the_filter_has_room_for() {
        let _ = App::new(&[]).allow_syscalls(&[0; MAX_EXTRA_SYSCALLS + 1]);
    }
}
