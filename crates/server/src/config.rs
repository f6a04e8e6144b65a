//! Everything an operator or an app can tune, with the reason for each default.

use verbosel_sys::net::SocketAddr;

/// How connections are given processes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Fork after accept: the parent accepts, each connection gets a new child.
    OnDemand,
    /// Keep this many children forked ahead of time, each blocked in accept(); each serves one
    /// connection and exits, and the parent forks its replacement off the request's path.
    Spare(u32),
    /// Like `Spare`, but each child serves up to this many connections in turn before it exits
    /// (Apache's MaxConnectionsPerChild): faster connection setup, weaker isolation.
    Reuse {
        /// Idle workers kept waiting in accept().
        spare: u32,
        /// Connections a worker serves before it exits.
        connections: u32,
    },
}

/// Server configuration: defaults, then the app's choices, then the command line.
#[derive(Clone, Copy, Debug)]
pub struct Config {
    /// Address to listen on. Default `0.0.0.0`: every IPv4 interface.
    pub bind: SocketAddr,
    /// Connection processes at most; at the limit the parent stops accepting and the kernel's
    /// listen backlog holds new connections until a child exits.
    pub max_conns: u32,
    /// How connections get processes.
    pub mode: Mode,
    /// Keep-alive idle timeout in ms. Default 65 s: longer than an AWS ALB's 60 s idle timeout, so
    /// a balancer never sends a request on a connection we are closing.
    pub idle_timeout_ms: u64,
    /// Whole-request-head deadline in ms, from the first byte of a request (or from accept for
    /// the first request). A client trickling a byte every few seconds is cut off here.
    pub header_timeout_ms: u64,
    /// Whole-body deadline in ms, from the end of the head.
    pub body_timeout_ms: u64,
    /// Deadline for writing one response, in ms (a client that never reads).
    pub send_timeout_ms: u64,
    /// Seconds to let in-flight requests finish after SIGTERM before killing what is left.
    /// Default 10 s: under ECS's and Kubernetes' 30 s stop timeouts.
    pub grace_secs: u64,
    /// Largest request body accepted (413 beyond); at most [`MAX_BODY_CAPACITY`].
    pub max_body: u64,
    /// Longest request line (414 beyond).
    pub max_request_line: usize,
    /// Largest request head (431 beyond).
    pub max_head: usize,
    /// Most header fields (431 beyond).
    pub max_headers: usize,
    /// Write one access-log line per request on stdout.
    pub access_log: bool,
    /// Trusted proxies in front of the server (0: none). With N, the access log names the client
    /// by the address the Nth proxy from the server appended to X-Forwarded-For.
    pub trust_proxy_hops: u32,
    /// Lock every connection process down with seccomp and rlimits.
    pub sandbox: bool,
    /// When started as root: the uid and gid to drop to after binding.
    pub user: (u32, u32),
    /// CPU seconds one request may use (`--cpu-limit`): a handler stuck in a loop is stopped
    /// (within twice this, with a 500), while a connection whose many requests add up to more is
    /// never cut off (see `cpu_limit`).
    pub cpu_secs: u64,
    /// Run every process as SCHED_BATCH: more requests per second under load, a longer tail.
    pub batch: bool,
    /// A folder handlers may create, read, write and rename files beneath, and nothing else
    /// (`--data DIR`, or [`Config::data`]; see `data.rs`).
    pub data: Option<&'static [u8]>,
    /// The data folder, opened by `App::run` before the first fork.
    pub(crate) data_dir: Option<verbosel_sys::BorrowedFd<'static>>,
    /// What static-site users set: a folder to serve, headers, redirects, a fallback page.
    pub site: Site,
}

/// Header lines `--header` may add, at most: room enough for CORS and a policy or two. (None in
/// a build without the `site` feature, whose command line has no `--header`.)
pub const MAX_HEADER_FLAGS: usize = if cfg!(feature = "site") { 16 } else { 0 };

/// Bytes of `--header` lines in all (`Name: value\r\n` each), at most: they ride in every
/// response head, whose capacity (`writer::HEAD_CAPACITY`) also holds the app's and the
/// handler's lines.
pub const MAX_HEADER_FLAG_BYTES: usize = 512;

/// `--redirect` rules, at most: each request is compared against every one. (None without the
/// `site` feature.)
pub const MAX_REDIRECT_FLAGS: usize = if cfg!(feature = "site") { 32 } else { 0 };

/// One `--redirect`: requests for exactly `from` (the normalised path) get `status` with
/// `Location: to`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Redirect {
    /// The path redirected, as a normalised path (`/old`, `/docs/`).
    pub from: &'static [u8],
    /// Where to: a path (`/new`) or an absolute `http(s)://` URL.
    pub to: &'static [u8],
    /// 301 (the default), 302, 303, 307 or 308.
    pub status: u16,
}

/// The static-site settings (`--root`, `--listing`, `--fallback`, `--header`, `--redirect`).
/// Every value borrows from the command line, which lives as long as the process.
#[derive(Clone, Copy, Debug)]
pub struct Site {
    /// A folder to serve files from, read-only, before the app's own files (`--root`).
    pub root: Option<&'static [u8]>,
    /// Answer a folder without `index.html` with a listing of its files (`--listing`).
    pub listing: bool,
    /// The file a GET for a missing path gets, with 200, when the client accepts text/html
    /// (`--fallback`): a single-page app's `index.html`.
    pub fallback: Option<&'static [u8]>,
    /// Header lines added to every response (`--header`): name and value.
    pub headers: [(&'static [u8], &'static [u8]); MAX_HEADER_FLAGS],
    /// How many of `headers` are set.
    pub header_count: usize,
    /// Redirects (`--redirect`), compared in order.
    pub redirects: [Redirect; MAX_REDIRECT_FLAGS],
    /// How many of `redirects` are set.
    pub redirect_count: usize,
}

impl Site {
    /// Nothing set.
    pub const NONE: Site = Site {
        root: None,
        listing: false,
        fallback: None,
        headers: [(&[], &[]); MAX_HEADER_FLAGS],
        header_count: 0,
        redirects: [Redirect {
            from: &[],
            to: &[],
            status: 0,
        }; MAX_REDIRECT_FLAGS],
        redirect_count: 0,
    };

    /// The `--header` lines, in order.
    pub fn headers(&self) -> &[(&'static [u8], &'static [u8])] {
        self.headers.get(..self.header_count).unwrap_or_default()
    }

    /// The `--redirect` rules, in order.
    pub fn redirects(&self) -> &[Redirect] {
        self.redirects
            .get(..self.redirect_count)
            .unwrap_or_default()
    }

    /// The first redirect for the normalised path `path`.
    pub fn redirect_for(&self, path: &[u8]) -> Option<&Redirect> {
        self.redirects().iter().find(|r| r.from == path)
    }
}

/// The request buffer's capacity for a body: the ceiling for `max_body`. The buffer is static
/// memory in each child; pages a request never touches cost nothing.
pub const MAX_BODY_CAPACITY: u64 = 1024 * 1024;

/// Connection processes at most, by default: about 1024 × ~40 KB of kernel and user memory.
pub const DEFAULT_MAX_CONNS: u32 = 1024;

/// The most connection processes the parent can track (its pid table has twice as many slots).
pub const MAX_CONNS_LIMIT: u32 = 32_768;

/// The default listen port, the original's.
pub const DEFAULT_PORT: u16 = 8080;

/// Unprivileged user and group to run as when started as root: `nobody`/`nogroup` (65534) on
/// Debian, Alpine and in Kubernetes' conventions.
pub const NOBODY: (u32, u32) = (65534, 65534);

impl Config {
    /// The defaults.
    pub const DEFAULT: Config = Config {
        bind: SocketAddr::V4([0, 0, 0, 0], DEFAULT_PORT),
        max_conns: DEFAULT_MAX_CONNS,
        mode: Mode::Spare(8),
        idle_timeout_ms: 65_000,
        header_timeout_ms: 10_000,
        body_timeout_ms: 30_000,
        send_timeout_ms: 30_000,
        grace_secs: 10,
        max_body: 64 * 1024,
        max_request_line: verbosel_http::ParseLimits::MAX_REQUEST_LINE,
        max_head: verbosel_http::ParseLimits::MAX_HEAD,
        max_headers: verbosel_http::ParseLimits::MAX_HEADERS,
        access_log: true,
        trust_proxy_hops: 0,
        sandbox: true,
        user: NOBODY,
        cpu_secs: 60,
        batch: false,
        site: Site::NONE,
        data: None,
        data_dir: None,
    };

    /// Sets the port (builder style, usable in `const`/`static` app definitions).
    pub const fn port(mut self, port: u16) -> Config {
        self.bind = match self.bind {
            SocketAddr::V4(a, _) => SocketAddr::V4(a, port),
            SocketAddr::V6(a, _, s) => SocketAddr::V6(a, port, s),
        };
        self
    }

    /// Sets the largest accepted request body (clamped to [`MAX_BODY_CAPACITY`]).
    pub const fn max_body(mut self, bytes: u64) -> Config {
        self.max_body = if bytes > MAX_BODY_CAPACITY {
            MAX_BODY_CAPACITY
        } else {
            bytes
        };
        self
    }

    /// Sets the idle keep-alive timeout in seconds.
    pub const fn idle_timeout(mut self, secs: u64) -> Config {
        self.idle_timeout_ms = secs * 1000;
        self
    }

    /// Sets the request-head deadline in seconds.
    pub const fn header_timeout(mut self, secs: u64) -> Config {
        self.header_timeout_ms = secs * 1000;
        self
    }

    /// Sets the data folder (`--data` overrides it): a path, relative to the working directory
    /// the server starts in, or absolute. (With the `data` feature; a binary without it refuses
    /// to start when this field is set.)
    #[cfg(feature = "data")]
    pub const fn data(mut self, dir: &'static str) -> Config {
        self.data = Some(dir.as_bytes());
        self
    }

    /// Sets the connection limit (clamped to `1..=`[`MAX_CONNS_LIMIT`]).
    pub const fn max_conns(mut self, n: u32) -> Config {
        self.max_conns = n;
        self.within_limits()
    }

    /// This configuration with every value brought within the limits the server can keep: the
    /// same ranges the command line enforces. [`App::config`](crate::App::config) and `App::run`
    /// apply it, so a value set in code cannot pass where a flag could not.
    pub const fn within_limits(mut self) -> Config {
        const fn clamp(v: u64, min: u64, max: u64) -> u64 {
            if v < min {
                min
            } else if v > max {
                max
            } else {
                v
            }
        }
        self.max_conns = clamp(self.max_conns as u64, 1, MAX_CONNS_LIMIT as u64) as u32;
        self.max_body = clamp(self.max_body, 0, MAX_BODY_CAPACITY);
        // The parser's defaults are also the most the connection memory holds (a head, its
        // request line decoded in the scratch space, the header slots on the stack).
        let head = verbosel_http::ParseLimits::DEFAULT;
        self.max_head = clamp(self.max_head as u64, 1, head.max_head as u64) as usize;
        self.max_request_line =
            clamp(self.max_request_line as u64, 1, self.max_head as u64) as usize;
        self.max_headers = clamp(self.max_headers as u64, 0, head.max_headers as u64) as usize;
        self
    }

    /// The parser limits in the parser's own type.
    pub fn parse_limits(&self) -> verbosel_http::ParseLimits {
        verbosel_http::ParseLimits {
            max_request_line: self.max_request_line,
            max_head: self.max_head,
            max_headers: self.max_headers,
        }
    }
}

impl Default for Config {
    fn default() -> Config {
        Config::DEFAULT
    }
}
