//! examples/guestbook, a verbosel app with crates from crates.io (serde, serde_json), built in
//! its own workspace as a user would build it and run over real sockets with a fresh data
//! folder: 50 entries posted at once over 50 connections are all kept, whole, across a restart
//! and across a SIGKILL of every process in the middle of a burst; bad bodies get a 400 with a
//! reason and change nothing.
//!
//! The build needs crates.io (or a cargo cache that holds serde and serde_json): without it the
//! tests print SKIPPED, which `.ci/run` counts as a failure.

mod support;
use std::io::Write;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use support::{Response, Server, read_response};

/// The guestbook's binary, built once per test process (release, in its own target directory);
/// `None` when its crates cannot be fetched.
fn guestbook() -> Option<&'static PathBuf> {
    static EXE: OnceLock<Option<PathBuf>> = OnceLock::new();
    EXE.get_or_init(|| {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let project = root.join("examples/guestbook");
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| root.join("target"))
            .join("guestbook");
        let fetched = std::process::Command::new(env!("CARGO"))
            .args(["fetch", "--locked", "--quiet"])
            .current_dir(&project)
            .status()
            .expect("cargo fetch");
        if !fetched.success() {
            return None;
        }
        let status = std::process::Command::new(env!("CARGO"))
            .args(["build", "--quiet", "--release", "--locked"])
            .current_dir(&project)
            .env("CARGO_TARGET_DIR", &target)
            .status()
            .expect("cargo build");
        assert!(status.success(), "examples/guestbook did not build");
        Some(target.join("release/guestbook"))
    })
    .as_ref()
}

/// The binary, or a loud SKIPPED.
fn built() -> Option<&'static PathBuf> {
    let exe = guestbook();
    if exe.is_none() {
        support::skipped(
            "examples/guestbook needs serde and serde_json from crates.io, which cannot be fetched",
        );
    }
    exe
}

/// A fresh folder for one test, writable by the user the server runs as.
fn fresh_folder(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("verbosel-guestbook-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    if support::is_root() {
        std::os::unix::fs::chown(&dir, Some(65534), Some(65534)).unwrap();
    }
    dir
}

fn start(exe: &Path, dir: &Path) -> Server {
    Server::start_path(exe, &["--quiet", "--data", dir.to_str().unwrap()])
}

/// `POST /api/entries` with `body` on a connection of its own.
fn post(s: &Server, body: &str) -> Response {
    let mut c = s.connect();
    post_on(&mut c, body)
}

fn post_on(c: &mut TcpStream, body: &str) -> Response {
    c.write_all(
        format!(
            "POST /api/entries HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .as_bytes(),
    )
    .unwrap();
    read_response(c)
}

/// One stored entry.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Entry {
    id: u64,
    name: String,
    message: String,
}

/// Parses the guestbook's JSON: an array of objects with `id` (a number), `name` and `message`
/// (strings), nothing else. Strict: any other text is an error (a torn file would be one).
fn parse_entries(json: &str) -> Result<Vec<Entry>, String> {
    let mut p = Json {
        s: json.as_bytes(),
        i: 0,
    };
    let mut out = Vec::new();
    p.expect(b'[')?;
    if p.peek() == Some(b']') {
        p.i += 1;
    } else {
        loop {
            p.expect(b'{')?;
            let (mut id, mut name, mut message) = (None, None, None);
            loop {
                let key = p.string()?;
                p.expect(b':')?;
                match key.as_str() {
                    "id" => id = Some(p.number()?),
                    "name" => name = Some(p.string()?),
                    "message" => message = Some(p.string()?),
                    k => return Err(format!("unknown key {k}")),
                }
                match p.next()? {
                    b',' => continue,
                    b'}' => break,
                    b => return Err(format!("unexpected {:?} at {}", b as char, p.i)),
                }
            }
            out.push(Entry {
                id: id.ok_or("no id")?,
                name: name.ok_or("no name")?,
                message: message.ok_or("no message")?,
            });
            match p.next()? {
                b',' => continue,
                b']' => break,
                b => return Err(format!("unexpected {:?} at {}", b as char, p.i)),
            }
        }
    }
    if p.i != p.s.len() {
        return Err(format!("trailing bytes at {}", p.i));
    }
    Ok(out)
}

struct Json<'a> {
    s: &'a [u8],
    i: usize,
}

impl Json<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }
    fn next(&mut self) -> Result<u8, String> {
        let b = self.peek().ok_or("unexpected end")?;
        self.i += 1;
        Ok(b)
    }
    fn expect(&mut self, want: u8) -> Result<(), String> {
        match self.next()? {
            b if b == want => Ok(()),
            b => Err(format!(
                "want {:?}, got {:?} at {}",
                want as char, b as char, self.i
            )),
        }
    }
    fn number(&mut self) -> Result<u64, String> {
        let start = self.i;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.i += 1;
        }
        std::str::from_utf8(&self.s[start..self.i])
            .unwrap()
            .parse()
            .map_err(|e| format!("bad number at {start}: {e}"))
    }
    fn string(&mut self) -> Result<String, String> {
        self.expect(b'"')?;
        let mut out = String::new();
        loop {
            match self.next()? {
                b'"' => return Ok(out),
                b'\\' => match self.next()? {
                    b'"' => out.push('"'),
                    b'\\' => out.push('\\'),
                    b'/' => out.push('/'),
                    b'n' => out.push('\n'),
                    b'r' => out.push('\r'),
                    b't' => out.push('\t'),
                    b'u' => {
                        let hex =
                            std::str::from_utf8(self.s.get(self.i..self.i + 4).ok_or("short \\u")?)
                                .map_err(|e| e.to_string())?;
                        let c = u32::from_str_radix(hex, 16).map_err(|e| e.to_string())?;
                        out.push(char::from_u32(c).ok_or("a surrogate")?);
                        self.i += 4;
                    }
                    b => return Err(format!("bad escape {:?}", b as char)),
                },
                b => {
                    // Copy a whole UTF-8 sequence.
                    let len = match b {
                        0x00..=0x7f => 1,
                        0xc0..=0xdf => 2,
                        0xe0..=0xef => 3,
                        _ => 4,
                    };
                    let bytes = self
                        .s
                        .get(self.i - 1..self.i - 1 + len)
                        .ok_or("short UTF-8")?;
                    out.push_str(std::str::from_utf8(bytes).map_err(|e| e.to_string())?);
                    self.i += len - 1;
                }
            }
        }
    }
}

fn listed(s: &Server) -> Vec<Entry> {
    let r = s.get("/api/entries");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/json"));
    parse_entries(&r.text()).unwrap_or_else(|e| panic!("{e}: {}", r.text()))
}

#[test]
fn fifty_entries_posted_at_once_are_all_kept_across_a_restart() {
    let Some(exe) = built() else { return };
    let dir = fresh_folder("fifty");
    let s = start(exe, &dir);
    assert_eq!(listed(&s), vec![]);
    // 50 connections open first, then each sends its POST at the same moment.
    let conns: Vec<TcpStream> = (0..50).map(|_| s.connect()).collect();
    let go = std::sync::Barrier::new(50);
    let answers: Vec<Response> = std::thread::scope(|scope| {
        let workers: Vec<_> = conns
            .into_iter()
            .enumerate()
            .map(|(i, mut c)| {
                let go = &go;
                scope.spawn(move || {
                    let body = format!(
                        r#"{{"name":"guest {i}","message":"hello \"{i}\" from connection {i} — é"}}"#
                    );
                    go.wait();
                    post_on(&mut c, &body)
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    let mut want: Vec<(String, String)> = (0..50)
        .map(|i| {
            (
                format!("guest {i}"),
                format!("hello \"{i}\" from connection {i} — é"),
            )
        })
        .collect();
    want.sort();
    for r in &answers {
        assert_eq!(r.status, 201, "{}", r.text());
        let one = parse_entries(&format!("[{}]", r.text())).unwrap();
        assert_eq!(one.len(), 1);
    }
    let check = |entries: Vec<Entry>| {
        let mut ids: Vec<u64> = entries.iter().map(|e| e.id).collect();
        ids.sort_unstable();
        assert_eq!(ids, (1..=50).collect::<Vec<_>>(), "ids");
        let mut got: Vec<(String, String)> =
            entries.into_iter().map(|e| (e.name, e.message)).collect();
        got.sort();
        assert_eq!(got, want);
    };
    check(listed(&s));
    // The page lists them too, escaped.
    let page = s.get("/");
    assert_eq!(page.status, 200);
    assert!(page.text().contains("<p>50 entries</p>"), "{}", page.text());
    assert!(
        page.text()
            .contains("hello &quot;7&quot; from connection 7")
    );
    // Restarted, with the same folder: still those 50.
    drop(s);
    let s = start(exe, &dir);
    check(listed(&s));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_sigkill_in_a_burst_of_writes_leaves_every_acknowledged_entry_in_a_file_that_parses() {
    let Some(exe) = built() else { return };
    let dir = fresh_folder("kill");
    let s = start(exe, &dir);
    let acknowledged: Arc<Mutex<Vec<String>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    // 8 clients post as fast as they can, each entry on a new connection.
    let clients: Vec<_> = (0..8)
        .map(|t| {
            let addr = s.connect().peer_addr().unwrap();
            let (acknowledged, stop) = (acknowledged.clone(), stop.clone());
            std::thread::spawn(move || {
                for n in 0.. {
                    if stop.load(Ordering::SeqCst) {
                        return;
                    }
                    let name = format!("client {t} entry {n}");
                    let Ok(mut c) = TcpStream::connect(addr) else {
                        return;
                    };
                    let _ = c.set_read_timeout(Some(support::TIMEOUT));
                    let body = format!(r#"{{"name":"{name}","message":"m"}}"#);
                    let req = format!(
                        "POST /api/entries HTTP/1.1\r\nHost: t\r\nContent-Length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    if c.write_all(req.as_bytes()).is_err() {
                        return;
                    }
                    let mut raw = Vec::new();
                    let mut buf = [0u8; 4096];
                    // Read until the response is whole; a reset or an early close ends it.
                    loop {
                        match std::io::Read::read(&mut c, &mut buf) {
                            Ok(0) | Err(_) => break,
                            Ok(k) => raw.extend_from_slice(&buf[..k]),
                        }
                        if Response::parse(&raw).is_some() {
                            break;
                        }
                    }
                    match Response::parse(&raw) {
                        Some(r) if r.status == 201 => acknowledged.lock().unwrap().push(name),
                        Some(r) => panic!("{}: {}", r.status, r.text()),
                        None => return,
                    }
                }
            })
        })
        .collect();
    assert!(
        support::wait_until(support::TIMEOUT, || acknowledged.lock().unwrap().len()
            >= 40),
        "the burst did not get going"
    );
    // SIGKILL for the server and every connection process, mid-burst (Server's drop).
    drop(s);
    stop.store(true, Ordering::SeqCst);
    for c in clients {
        c.join().unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    let text = std::fs::read_to_string(dir.join("entries.json")).unwrap();
    let stored = parse_entries(&text).unwrap_or_else(|e| panic!("a torn file: {e}: {text}"));
    let names: std::collections::HashSet<&str> = stored.iter().map(|e| e.name.as_str()).collect();
    for name in &acknowledged {
        assert!(
            names.contains(name.as_str()),
            "{name} got a 201 and is not stored"
        );
    }
    assert!(stored.len() >= acknowledged.len());
    // A new server on the same folder serves them.
    let s = start(exe, &dir);
    assert_eq!(listed(&s).len(), stored.len());
    assert_eq!(
        post(&s, r#"{"name":"after","message":"the crash"}"#).status,
        201
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bodies_that_are_not_entries_get_a_400_with_a_reason_and_change_nothing() {
    let Some(exe) = built() else { return };
    let dir = fresh_folder("bad");
    let s = start(exe, &dir);
    assert_eq!(post(&s, r#"{"name":"Ada","message":"first"}"#).status, 201);
    let long_message = "x".repeat(5000);
    let too_large = format!(r#"{{"name":"Ada","message":"{long_message}"}}"#);
    let too_large_why = format!("the body is {} bytes, more than 4096", too_large.len());
    let table: &[(&str, &str)] = &[
        ("not json", "not a guestbook entry: expected ident"),
        ("", "not a guestbook entry: EOF while parsing"),
        ("[1,2]", "not a guestbook entry: send a JSON object"),
        (
            r#"["Ada","hi"]"#,
            "not a guestbook entry: send a JSON object",
        ),
        ("42", "not a guestbook entry: send a JSON object"),
        (
            r#"{"name":1,"message":"x"}"#,
            "invalid type: integer `1`, expected a string",
        ),
        (
            r#"{"name":"a","message":null}"#,
            "invalid type: null, expected a string",
        ),
        (r#"{"name":"a"}"#, "missing field `message`"),
        (
            r#"{"name":"a","message":"b","admin":true}"#,
            "unknown field `admin`",
        ),
        (
            r#"{"name":"a","message":"b"} trailing"#,
            "trailing characters",
        ),
        (r#"{"name":"  ","message":"b"}"#, "the name is empty"),
        (r#"{"name":"a","message":""}"#, "the message is empty"),
        (&too_large, &too_large_why),
    ];
    for &(body, why) in table {
        let r = post(&s, body);
        assert_eq!(r.status, 400, "{body:.60}: {}", r.text());
        assert_eq!(r.header("content-type"), Some("application/json"));
        assert!(r.text().starts_with(r#"{"error":""#), "{}", r.text());
        assert!(
            r.text().contains(why),
            "{body:.60}: {} lacks {why}",
            r.text()
        );
    }
    // Past the server's own --max-body (64 KiB by default): 413 before the handler runs.
    let huge = format!(r#"{{"name":"a","message":"{}"}}"#, "y".repeat(70_000));
    assert_eq!(post(&s, &huge).status, 413);
    // Unaffected: the one good entry, and the next one is served.
    let entries = listed(&s);
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].message, "first");
    assert_eq!(post(&s, r#"{"name":"Bea","message":"second"}"#).status, 201);
    assert_eq!(listed(&s).len(), 2);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_json_reader_of_these_tests_refuses_torn_files() {
    let good =
        r#"[{"id":1,"name":"a \"q\" é \u00e9","message":"m"},{"id":2,"name":"b","message":"n"}]"#;
    assert_eq!(parse_entries(good).unwrap().len(), 2);
    assert_eq!(parse_entries(good).unwrap()[0].name, "a \"q\" é é");
    for cut in 1..good.len() {
        if good.is_char_boundary(cut) {
            assert!(parse_entries(&good[..cut]).is_err(), "{}", &good[..cut]);
        }
    }
    assert_eq!(parse_entries("[]").unwrap(), vec![]);
}

#[test]
fn the_html_form_signs_the_book() {
    let Some(exe) = built() else { return };
    let dir = fresh_folder("form");
    let s = start(exe, &dir);
    let page = s.get("/");
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert!(
        page.text()
            .contains("<form method=\"post\" action=\"/entries\">")
    );
    let form = |body: &str| {
        let raw = s.exchange(
            format!(
                "POST /entries HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\
                 Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            )
            .as_bytes(),
        );
        Response::parse(&raw).unwrap()
    };
    let r = form("name=Ada+Lovelace&message=%3Cscript%3Ealert(1)%3C%2Fscript%3E");
    assert_eq!((r.status, r.header("location")), (303, Some("/")));
    let r = form("name=Ada");
    assert_eq!(
        (r.status, r.text().as_str()),
        (400, "the form needs a name and a message\n")
    );
    let page = s.get("/").text();
    assert!(page.contains("<p>1 entries</p>"), "{page}");
    assert!(
        page.contains("<strong>Ada Lovelace</strong>: &lt;script&gt;alert(1)&lt;/script&gt;"),
        "{page}"
    );
    let entries = listed(&s);
    assert_eq!(entries[0].message, "<script>alert(1)</script>");
    let _ = std::fs::remove_dir_all(&dir);
}
