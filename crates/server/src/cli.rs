//! One command-line parser for the site and every app: flags and environment over a [`Config`].
//! A bad flag or value is a one-line error and exit code 2 (the convention of getopt users),
//! never a panic.

use crate::config::{Config, MAX_BODY_CAPACITY, MAX_CONNS_LIMIT, Mode};
#[cfg(feature = "site")]
use crate::config::{MAX_HEADER_FLAG_BYTES, Redirect};
use verbosel_rt::Env;
use verbosel_sys::net::SocketAddr;

/// What the command line asks for.
#[derive(Debug, PartialEq, Eq)]
pub enum Action {
    /// Run the server.
    Serve,
    /// Print help and exit 0.
    Help,
    /// Print the version and exit 0.
    Version,
    /// GET /healthz on the local server; exit 0 if it answers 200, else 1.
    Healthcheck,
    /// Print every file the server would serve, and from which source; exit 0.
    List,
}

/// A usage error: the message names the flag and what was wrong.
#[derive(Debug, PartialEq, Eq)]
pub struct Usage {
    /// What went wrong, e.g. `invalid value for --port: "80a"`.
    pub what: &'static str,
    /// The offending argument.
    pub arg: &'static [u8],
}

/// The help text after `Usage: PROGRAM`: every flag with its default. Kept beside the parser so
/// they cannot drift apart unnoticed (a test checks that every flag the parser knows appears here).
pub const HELP: &str = concat!(
    " [OPTIONS]

Serves HTTP/1.1, one process per connection.

Options:
  --bind ADDR            address to listen on: IPv4, IPv6 or [::] (dual stack) [default: 0.0.0.0]
  --port N               TCP port; 0 picks a free one [default: 8080, or $PORT]
  --max-conns N          connection processes at most; more wait in the backlog [default: 1024]
  --spare N              children forked ahead, waiting in accept(); 0 = fork after accept [default: 8]
  --reuse N              each child serves up to N connections in turn (less isolation) [default: off]
  --idle-timeout SECS    keep-alive idle timeout [default: 65]
  --header-timeout SECS  deadline for a whole request head [default: 10]
  --body-timeout SECS    deadline for a whole request body [default: 30]
  --send-timeout SECS    deadline for writing one response to a slow reader [default: 30]
  --grace SECS           on SIGTERM, time for requests in flight before they are killed [default: 10]
  --max-body BYTES       largest request body, at most 1048576 [default: 65536]
  --cpu-limit SECS       CPU time one request may use before its process is stopped [default: 60]
  --quiet                no access log on stdout
  --trust-proxy          log the client address the proxy in front appended to X-Forwarded-For
  --trust-proxy-hops N   behind N trusted proxies: the address N entries from the right [default: 1]
  --user UID[:GID]       when started as root, run as this user after binding [default: 65534:65534]
  --no-sandbox           do not lock connection processes down (debugging only)
  --batch                schedule as SCHED_BATCH: more throughput under load, longer tail latency
",
    help_site!(),
    help_data!(),
    "  --healthcheck          GET /healthz on the local port; exit 0 if it answers 200, else 1
  --list                 print every file served and where it comes from, then exit
  --help                 print this help
  --version              print the version

Signals:
  TERM, INT, HUP, QUIT   stop gracefully: requests in flight finish within --grace
  USR1, USR2             ignored (the logs are stdout and stderr: nothing to reopen)

Environment:
  PORT                   the port, when --port is not given
  LISTEN_FDS, LISTEN_PID systemd socket activation: serve the socket passed as fd 3
"
);

/// The help's lines for the static-site flags, in a build with the `site` feature.
#[cfg(feature = "site")]
macro_rules! help_site {
    () => {
        "  --root DIR             serve the files in DIR before the app's own, read-only; each connection
                         process is confined to DIR with Landlock [default: off]
  --listing              with --root: answer a folder that has no index.html with a list of its files
  --fallback PATH        a GET for a missing path, from a client that accepts text/html, gets the
                         file PATH with 200 (a single-page app's /index.html) [default: off]
  --header 'NAME: VALUE' add this header line to every response; repeatable (16 at most)
  --redirect FROM=TO     answer requests for the path FROM with 301 to TO (a path or http(s) URL);
                         CODE:FROM=TO picks 302, 303, 307 or 308 instead; repeatable (32 at most)
"
    };
}
#[cfg(not(feature = "site"))]
macro_rules! help_site {
    () => {
        ""
    };
}
use help_site;

/// The help's line for `--data`, in a build with the `data` feature.
#[cfg(feature = "data")]
macro_rules! help_data {
    () => {
        "  --data DIR             handlers may create, read, write and rename files in DIR and nowhere
                         else (Landlock) [default: the app's, else none]
"
    };
}
#[cfg(not(feature = "data"))]
macro_rules! help_data {
    () => {
        ""
    };
}
use help_data;

/// A flag that takes a number: its name, its range, the error for a value outside it, and the
/// setting it changes. One table instead of one parsing branch per flag.
struct NumberFlag {
    flag: &'static [u8],
    min: u64,
    max: u64,
    what: &'static str,
    field: Field,
}

/// The settings [`NUMBERS`] change (seconds are stored as milliseconds where `Config` says `_ms`).
#[derive(Clone, Copy)]
enum Field {
    MaxConns,
    Spare,
    Reuse,
    IdleTimeout,
    HeaderTimeout,
    BodyTimeout,
    SendTimeout,
    Grace,
    MaxBody,
    CpuLimit,
    TrustProxyHops,
}

/// Seconds a timeout flag accepts: at least one, at most a day.
const MAX_SECS: u64 = 86_400;

const NUMBERS: [NumberFlag; 11] = [
    NumberFlag {
        flag: b"--max-conns",
        min: 1,
        max: MAX_CONNS_LIMIT as u64,
        what: "invalid --max-conns (1..=32768)",
        field: Field::MaxConns,
    },
    NumberFlag {
        flag: b"--spare",
        min: 0,
        max: 4096,
        what: "invalid --spare (0..=4096)",
        field: Field::Spare,
    },
    NumberFlag {
        flag: b"--reuse",
        min: 1,
        max: 1 << 30,
        what: "invalid --reuse (1 or more)",
        field: Field::Reuse,
    },
    NumberFlag {
        flag: b"--idle-timeout",
        min: 1,
        max: MAX_SECS,
        what: "invalid --idle-timeout (1..=86400 seconds)",
        field: Field::IdleTimeout,
    },
    NumberFlag {
        flag: b"--header-timeout",
        min: 1,
        max: MAX_SECS,
        what: "invalid --header-timeout (1..=86400 seconds)",
        field: Field::HeaderTimeout,
    },
    NumberFlag {
        flag: b"--body-timeout",
        min: 1,
        max: MAX_SECS,
        what: "invalid --body-timeout (1..=86400 seconds)",
        field: Field::BodyTimeout,
    },
    NumberFlag {
        flag: b"--send-timeout",
        min: 1,
        max: MAX_SECS,
        what: "invalid --send-timeout (1..=86400 seconds)",
        field: Field::SendTimeout,
    },
    NumberFlag {
        flag: b"--grace",
        min: 0,
        max: 3600,
        what: "invalid --grace (0..=3600 seconds)",
        field: Field::Grace,
    },
    NumberFlag {
        flag: b"--max-body",
        min: 0,
        max: MAX_BODY_CAPACITY,
        what: "invalid --max-body (0..=1048576)",
        field: Field::MaxBody,
    },
    NumberFlag {
        flag: b"--cpu-limit",
        min: 1,
        max: MAX_SECS,
        what: "invalid --cpu-limit (1..=86400 seconds)",
        field: Field::CpuLimit,
    },
    NumberFlag {
        flag: b"--trust-proxy-hops",
        min: 1,
        max: crate::log::MAX_PROXY_HOPS,
        what: "invalid --trust-proxy-hops (1..=16)",
        field: Field::TrustProxyHops,
    },
];

/// The flags that are not numbers, and what each does.
#[derive(Clone, Copy)]
enum Other {
    Help,
    Version,
    Healthcheck,
    List,
    Quiet,
    TrustProxy,
    NoSandbox,
    Batch,
    Port,
    Bind,
    User,
    #[cfg(feature = "site")]
    Root,
    #[cfg(feature = "site")]
    Listing,
    #[cfg(feature = "site")]
    Fallback,
    #[cfg(feature = "site")]
    Header,
    #[cfg(feature = "site")]
    Redirect,
    #[cfg(feature = "data")]
    Data,
}

/// Every other flag by name; a short form is one more row. One lookup loop over a table is a
/// fraction of the code of a `match` on byte strings, which compares each name inline.
const OTHERS: [(&[u8], Other); 15] = [
    (b"--help", Other::Help),
    (b"-h", Other::Help),
    (b"--version", Other::Version),
    (b"-V", Other::Version),
    (b"--healthcheck", Other::Healthcheck),
    (b"--list", Other::List),
    (b"--quiet", Other::Quiet),
    (b"-q", Other::Quiet),
    (b"--trust-proxy", Other::TrustProxy),
    (b"--no-sandbox", Other::NoSandbox),
    (b"--batch", Other::Batch),
    (b"--port", Other::Port),
    (b"-p", Other::Port),
    (b"--bind", Other::Bind),
    (b"--user", Other::User),
];

/// The static-site flags, in a build with the `site` feature (none without).
#[cfg(feature = "site")]
const SITE_FLAGS: &[(&[u8], Other)] = &[
    (b"--root", Other::Root),
    (b"--listing", Other::Listing),
    (b"--fallback", Other::Fallback),
    (b"--header", Other::Header),
    (b"--redirect", Other::Redirect),
];
#[cfg(not(feature = "site"))]
const SITE_FLAGS: &[(&[u8], Other)] = &[];

/// `--data`, in a build with the `data` feature (none without).
#[cfg(feature = "data")]
const DATA_FLAGS: &[(&[u8], Other)] = &[(b"--data", Other::Data)];
#[cfg(not(feature = "data"))]
const DATA_FLAGS: &[(&[u8], Other)] = &[];

/// Applies `PORT` and the command-line flags to `cfg`.
#[inline(never)]
pub fn parse(env: &Env, cfg: &mut Config) -> Result<Action, Usage> {
    if let Some(p) = env.var(b"PORT") {
        let port = number(p, 0, 65535).ok_or(Usage {
            what: "invalid PORT",
            arg: p,
        })?;
        cfg.bind = cfg.bind.with_port(port as u16);
    }
    let mut action = Action::Serve;
    let mut spare: Option<u32> = None;
    let mut reuse: Option<u32> = None;
    let mut args = env.args();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.iter().position(|&b| b == b'=') {
            Some(i) if arg.starts_with(b"--") => (&arg[..i], Some(&arg[i + 1..])),
            _ => (arg, None),
        };
        let mut value = || -> Result<&'static [u8], Usage> {
            match inline {
                Some(v) => Ok(v),
                None => args.next().ok_or(Usage {
                    what: "missing value for",
                    arg: flag,
                }),
            }
        };
        // A bad value is reported with the value itself: `--port abc` says "abc".
        let bad = |what, v| Usage { what, arg: v };
        if let Some(n) = NUMBERS.iter().find(|n| n.flag == flag) {
            let v = value()?;
            let x = number(v, n.min, n.max).ok_or(bad(n.what, v))?;
            match n.field {
                Field::MaxConns => cfg.max_conns = x as u32,
                Field::Spare => spare = Some(x as u32),
                Field::Reuse => reuse = Some(x as u32),
                Field::IdleTimeout => cfg.idle_timeout_ms = x * 1000,
                Field::HeaderTimeout => cfg.header_timeout_ms = x * 1000,
                Field::BodyTimeout => cfg.body_timeout_ms = x * 1000,
                Field::SendTimeout => cfg.send_timeout_ms = x * 1000,
                Field::Grace => cfg.grace_secs = x,
                Field::MaxBody => cfg.max_body = x,
                Field::CpuLimit => cfg.cpu_secs = x,
                Field::TrustProxyHops => cfg.trust_proxy_hops = x as u32,
            }
            continue;
        }
        let Some(&(_, other)) = OTHERS
            .iter()
            .chain(SITE_FLAGS)
            .chain(DATA_FLAGS)
            .find(|(name, _)| *name == flag)
        else {
            return Err(Usage {
                what: "unknown option",
                arg,
            });
        };
        match other {
            Other::Help => action = Action::Help,
            Other::Version => action = Action::Version,
            Other::Healthcheck => action = Action::Healthcheck,
            Other::List => action = Action::List,
            Other::Quiet => cfg.access_log = false,
            Other::TrustProxy => cfg.trust_proxy_hops = cfg.trust_proxy_hops.max(1),
            Other::NoSandbox => cfg.sandbox = false,
            Other::Batch => cfg.batch = true,
            Other::Port => {
                let v = value()?;
                let port = number(v, 0, 65535).ok_or(bad("invalid --port (0..=65535)", v))?;
                cfg.bind = cfg.bind.with_port(port as u16);
            }
            Other::Bind => {
                let v = value()?;
                let addr = parse_ip(v)
                    .ok_or(bad("invalid --bind address (want IPv4, IPv6 or [::])", v))?;
                cfg.bind = addr.with_port(cfg.bind.port());
            }
            Other::User => {
                let v = value()?;
                cfg.user = parse_user(v).ok_or(bad("invalid --user (want UID or UID:GID)", v))?;
            }
            #[cfg(feature = "site")]
            Other::Root => {
                let v = value()?;
                // Whether it is a folder is checked when it is opened, at start-up.
                if v.is_empty() || v.contains(&0) {
                    return Err(bad("invalid --root (want a folder)", v));
                }
                cfg.site.root = Some(v);
            }
            #[cfg(feature = "site")]
            Other::Listing => cfg.site.listing = true,
            #[cfg(feature = "site")]
            Other::Fallback => {
                let v = value()?;
                cfg.site.fallback = Some(local_path(v).ok_or(bad(
                    "invalid --fallback (want a path such as /index.html)",
                    v,
                ))?);
            }
            #[cfg(feature = "site")]
            Other::Header => {
                let v = value()?;
                let line = parse_header(v).ok_or(bad(
                    "invalid --header (want 'Name: value', a token name and a visible value)",
                    v,
                ))?;
                let site = &mut cfg.site;
                let used: usize = site
                    .headers()
                    .iter()
                    .map(|(n, v)| n.len() + v.len() + 4)
                    .sum();
                let slot = site.headers.get_mut(site.header_count);
                match slot {
                    Some(slot)
                        if used + line.0.len() + line.1.len() + 4 <= MAX_HEADER_FLAG_BYTES =>
                    {
                        *slot = line;
                        site.header_count += 1;
                    }
                    _ => {
                        return Err(bad(
                            "too many --header lines (16, 512 bytes in all, at most)",
                            v,
                        ));
                    }
                }
            }
            #[cfg(feature = "site")]
            Other::Redirect => {
                let v = value()?;
                let rule = parse_redirect(v).ok_or(bad(
                    "invalid --redirect (want /from=/to or CODE:/from=/to, CODE 301, 302, 303, 307 or 308)",
                    v,
                ))?;
                let site = &mut cfg.site;
                match site.redirects.get_mut(site.redirect_count) {
                    Some(slot) => {
                        *slot = rule;
                        site.redirect_count += 1;
                    }
                    None => return Err(bad("too many --redirect rules (32 at most)", v)),
                }
            }
            #[cfg(feature = "data")]
            Other::Data => {
                let v = value()?;
                // Whether it is a folder is checked when it is opened, at start-up.
                if v.is_empty() || v.contains(&0) {
                    return Err(bad("invalid --data (want a folder)", v));
                }
                cfg.data = Some(v);
            }
        }
    }
    let spare_n = spare.unwrap_or(match cfg.mode {
        Mode::OnDemand => 0,
        Mode::Spare(n) | Mode::Reuse { spare: n, .. } => n,
    });
    cfg.mode = match (reuse, spare_n) {
        (Some(connections), n) => Mode::Reuse {
            spare: if n == 0 { 1 } else { n },
            connections,
        },
        (None, 0) => Mode::OnDemand,
        (None, n) => Mode::Spare(n),
    };
    Ok(action)
}

#[cfg(feature = "site")]
/// `--header`'s `Name: value`: the name a token (RFC 9110 §5.1), the value (without the
/// whitespace around it, §5.5) visible characters, spaces and tabs only, and not empty. Names
/// the server itself sets, and framing fields, are refused: a second Content-Length or
/// Transfer-Encoding would make the response ambiguous (RFC 9112 §6.3).
pub(crate) fn parse_header(s: &'static [u8]) -> Option<(&'static [u8], &'static [u8])> {
    const RESERVED: [&[u8]; 5] = [
        b"content-length",
        b"transfer-encoding",
        b"connection",
        b"date",
        b"content-type",
    ];
    let colon = s.iter().position(|&b| b == b':')?;
    let (name, value) = (s.get(..colon)?, s.get(colon + 1..)?);
    let value = verbosel_http::chars::trim_ows(value);
    let visible = |&b: &u8| b == b' ' || b == b'\t' || (0x21..=0x7e).contains(&b) || b >= 0x80;
    (verbosel_http::chars::is_token(name)
        && !value.is_empty()
        && value.iter().all(visible)
        && !RESERVED.iter().any(|r| r.eq_ignore_ascii_case(name)))
    .then_some((name, value))
}

#[cfg(feature = "site")]
/// A path on this server, as `--fallback` and `--redirect` take it: starts with one `/` (never
/// `//`, which a browser reads as another host, RFC 3986 §4.2), visible characters only, no
/// `.` or `..` segment, no query or fragment.
pub(crate) fn local_path(s: &[u8]) -> Option<&[u8]> {
    let ok = s.starts_with(b"/")
        && !s.starts_with(b"//")
        && s.iter()
            .all(|&b| (0x21..=0x7e).contains(&b) && b != b'?' && b != b'#' && b != b'\\')
        && s.split(|&b| b == b'/')
            .all(|seg| seg != b"." && seg != b"..");
    ok.then_some(s)
}

#[cfg(feature = "site")]
/// `--redirect`'s `[CODE:]FROM=TO`: FROM a local path, TO a local path or an `http://` or
/// `https://` URL of visible characters; CODE one of the redirect statuses, 301 by default (the
/// "permanent" of old URLs; 308 also keeps the method, RFC 9110 §15.4.9).
pub(crate) fn parse_redirect(s: &'static [u8]) -> Option<Redirect> {
    let (status, rule) = match s.first() {
        Some(b'/') => (301, s),
        _ => {
            let colon = s.iter().position(|&b| b == b':')?;
            let code = number(s.get(..colon)?, 300, 399)? as u16;
            (code, s.get(colon + 1..)?)
        }
    };
    if !matches!(status, 301 | 302 | 303 | 307 | 308) {
        return None;
    }
    let eq = rule.iter().position(|&b| b == b'=')?;
    let (from, to) = (local_path(rule.get(..eq)?)?, rule.get(eq + 1..)?);
    let url = |scheme: &[u8]| {
        to.strip_prefix(scheme).is_some_and(|rest| {
            !rest.is_empty()
                && !rest.starts_with(b"/")
                && to.iter().all(|&b| (0x21..=0x7e).contains(&b))
        })
    };
    let to_ok = url(b"http://")
        || url(b"https://")
        || (to.starts_with(b"/")
            && !to.starts_with(b"//")
            && to.iter().all(|&b| (0x21..=0x7e).contains(&b) && b != b'\\'));
    to_ok.then_some(Redirect { from, to, status })
}

/// A decimal number within `min..=max`.
pub(crate) fn number(s: &[u8], min: u64, max: u64) -> Option<u64> {
    if s.is_empty() || s.len() > 19 || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = s.iter().fold(0u64, |n, &d| n * 10 + (d - b'0') as u64);
    (min..=max).contains(&n).then_some(n)
}

/// `--user`: `UID:GID`, `UID` (the group of the same number) or `nobody`.
fn parse_user(s: &[u8]) -> Option<(u32, u32)> {
    match s.iter().position(|&b| b == b':') {
        Some(i) => Some((
            number(&s[..i], 0, u32::MAX as u64)? as u32,
            number(&s[i + 1..], 0, u32::MAX as u64)? as u32,
        )),
        None if s == b"nobody" => Some(crate::config::NOBODY),
        None => {
            let uid = number(s, 0, u32::MAX as u64)? as u32;
            Some((uid, uid))
        }
    }
}

/// Parses `1.2.3.4`, `::1`, `[::]`, `[fe80::1]`.
#[inline(never)] // two callers: --bind and the access log's forwarded client
pub fn parse_ip(s: &[u8]) -> Option<SocketAddr> {
    let s = match s {
        [b'[', inner @ .., b']'] => inner,
        _ => s,
    };
    if s.contains(&b':') {
        parse_v6(s).map(|a| SocketAddr::V6(a, 0, 0))
    } else {
        parse_v4(s).map(|a| SocketAddr::V4(a, 0))
    }
}

fn parse_v4(s: &[u8]) -> Option<[u8; 4]> {
    let mut out = [0u8; 4];
    let mut parts = s.split(|&b| b == b'.');
    for o in out.iter_mut() {
        let p = parts.next()?;
        if p.len() > 1 && p[0] == b'0' {
            return None; // no octal ambiguity
        }
        *o = number(p, 0, 255)? as u8;
    }
    parts.next().is_none().then_some(out)
}

fn parse_v6(s: &[u8]) -> Option<[u8; 16]> {
    // Up to eight 16-bit groups, one "::" standing for a run of zero groups (RFC 4291 §2.2).
    let mut head = [0u16; 8];
    let mut tail = [0u16; 8];
    let (mut nh, mut nt) = (0usize, 0usize);
    let double = s.windows(2).position(|w| w == b"::");
    let (left, right) = match double.and_then(|i| s.split_at_checked(i)) {
        Some((left, rest)) => (left, rest.get(2..)),
        None => (s, None),
    };
    let groups = |part: &[u8], out: &mut [u16; 8], n: &mut usize| -> Option<()> {
        if part.is_empty() {
            return Some(());
        }
        for g in part.split(|&b| b == b':') {
            if g.is_empty() || g.len() > 4 || *n == 8 {
                return None;
            }
            let mut v = 0u16;
            for &c in g {
                v = v << 4 | u16::from(verbosel_digits::hex_value(c)?);
            }
            *out.get_mut(*n)? = v;
            *n += 1;
        }
        Some(())
    };
    groups(left, &mut head, &mut nh)?;
    match right {
        Some(r) => {
            groups(r, &mut tail, &mut nt)?;
            if nh + nt > 7 {
                return None;
            }
        }
        None if nh != 8 => return None,
        None => {}
    }
    // The groups after "::" end the address; what lies between is zeros (head's unused slots).
    let mut words = head;
    for (w, t) in words.iter_mut().rev().zip(tail.iter().take(nt).rev()) {
        *w = *t;
    }
    let mut out = [0u8; 16];
    for (pair, w) in out.chunks_exact_mut(2).zip(words) {
        pair.copy_from_slice(&w.to_be_bytes());
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        assert_eq!(
            parse_ip(b"127.0.0.1"),
            Some(SocketAddr::V4([127, 0, 0, 1], 0))
        );
        assert_eq!(parse_ip(b"0.0.0.0"), Some(SocketAddr::V4([0; 4], 0)));
        assert_eq!(parse_ip(b"[::]"), Some(SocketAddr::V6([0; 16], 0, 0)));
        let mut one = [0u8; 16];
        one[15] = 1;
        assert_eq!(parse_ip(b"::1"), Some(SocketAddr::V6(one, 0, 0)));
        let mut ll = [0u8; 16];
        ll[0] = 0xfe;
        ll[1] = 0x80;
        ll[15] = 1;
        assert_eq!(parse_ip(b"[fe80::1]"), Some(SocketAddr::V6(ll, 0, 0)));
        assert!(parse_ip(b"2001:db8:0:0:0:0:0:1").is_some());
        for bad in [
            &b"256.0.0.1"[..],
            b"1.2.3",
            b"1.2.3.4.5",
            b"01.2.3.4",
            b"::1::",
            b"1:2:3:4:5:6:7:8:9",
            b"",
            b"[::",
            b"g::1",
        ] {
            assert_eq!(parse_ip(bad), None, "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn numbers_and_users() {
        assert_eq!(number(b"8080", 0, 65535), Some(8080));
        assert_eq!(number(b"65536", 0, 65535), None);
        assert_eq!(number(b"-1", 0, 65535), None);
        assert_eq!(number(b"99999999999999999999999", 0, u64::MAX), None);
        assert_eq!(parse_user(b"1000:100"), Some((1000, 100)));
        assert_eq!(parse_user(b"nobody"), Some((65534, 65534)));
        assert_eq!(parse_user(b"x"), None);
    }

    #[cfg(feature = "site")]
    #[test]
    fn header_flags() {
        assert_eq!(
            parse_header(b"Access-Control-Allow-Origin: *"),
            Some((&b"Access-Control-Allow-Origin"[..], &b"*"[..]))
        );
        assert_eq!(
            parse_header(b"X-A:\tv w  "),
            Some((&b"X-A"[..], &b"v w"[..]))
        );
        for bad in [
            &b"no colon"[..],
            b"Bad Name: v",
            b": v",
            b"X-Empty:   ",
            b"X-Ctl: a\x01b",
            b"X-Nl: a\r\nSet-Cookie: x",
            b"Content-Length: 5",
            b"transfer-encoding: chunked",
            b"Connection: close",
        ] {
            assert_eq!(parse_header(bad), None, "{}", String::from_utf8_lossy(bad));
        }
    }

    #[cfg(feature = "site")]
    #[test]
    fn redirect_flags() {
        let r =
            |from: &'static [u8], to: &'static [u8], status| Some(Redirect { from, to, status });
        assert_eq!(parse_redirect(b"/old=/new"), r(b"/old", b"/new", 301));
        assert_eq!(
            parse_redirect(b"307:/a/=/b/?x=1"),
            r(b"/a/", b"/b/?x=1", 307)
        );
        assert_eq!(
            parse_redirect(b"308:/blog=https://blog.example/"),
            r(b"/blog", b"https://blog.example/", 308)
        );
        for bad in [
            &b"old=/new"[..],
            b"/old",
            b"/old=",
            b"/old=//evil.example/",
            b"/old=new",
            b"/old=javascript:alert(1)",
            b"/old=https:///x",
            b"/a b=/c",
            b"//old=/new",
            b"/../x=/y",
            b"300:/a=/b",
            b"200:/a=/b",
            b"abc:/a=/b",
            b"/a=/b\r\nX: y",
        ] {
            assert_eq!(
                parse_redirect(bad),
                None,
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
        assert!(local_path(b"/index.html").is_some());
        for bad in [
            &b"index.html"[..],
            b"//x",
            b"/a?b",
            b"/./a",
            b"/a/../b",
            b"/a b",
        ] {
            assert_eq!(local_path(bad), None, "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn help_mentions_every_flag() {
        for (name, _) in OTHERS.iter().chain(SITE_FLAGS).chain(DATA_FLAGS) {
            let name = core::str::from_utf8(name).unwrap();
            if name.starts_with("--") {
                assert!(HELP.contains(&format!("  {name} ")), "help lacks {name}");
            }
        }
        for n in &NUMBERS {
            let flag = core::str::from_utf8(n.flag).unwrap();
            assert!(HELP.contains(&format!("  {flag} ")), "help lacks {flag}");
            assert!(
                n.what.starts_with(&format!("invalid {flag} (")),
                "{}",
                n.what
            );
            assert!(n.min <= n.max, "{flag}");
        }
    }
}
