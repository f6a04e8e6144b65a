//! A folder at run time (`--root DIR`) over real sockets: traversal in every spelling, symbolic
//! links out of the folder, Landlock against a path our code would never form, files that
//! shrink mid-response, a sparse gigabyte with flat memory, `.gz` siblings, the listing, and the
//! static-site flags (`--header`, `--redirect`, `--fallback`) with their errors at start.

mod support;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::time::Duration;
use support::{Response, Server, TIMEOUT};

const HELLO: &str = "examples/hello";
const MISBEHAVE: &str = "examples/misbehave";

/// What a file outside the served folder holds: no response may ever contain it.
const SECRET: &str = "TOP-SECRET-OUTSIDE-THE-ROOT";

/// A folder tree for one test, removed when dropped:
///
/// ```text
/// T/secret.txt                 SECRET (outside the served folder)
/// T/outside/secret.txt         SECRET
/// T/site/index.html            the site
/// T/site/404.html              the custom 404
/// T/site/style.css (+ .gz)     a file with a gzip sibling
/// T/site/docs/guide.html       a file in a folder without index.html
/// T/site/docs/<script>.html    a name to escape in the listing
/// T/site/.env, T/site/.git/config    hidden
/// T/site/passwd -> /etc/passwd, T/site/out -> ../outside, T/site/up -> ..  links out
/// T/site/inner -> docs/guide.html    a link that stays inside
/// ```
struct Tree(PathBuf);

impl Tree {
    fn new(tag: &str) -> Tree {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        let t = std::env::temp_dir().join(format!(
            "verbosel-root-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&t);
        let site = t.join("site");
        for d in ["outside", "site/docs", "site/.git"] {
            std::fs::create_dir_all(t.join(d)).unwrap();
        }
        let write = |p: &str, body: &[u8]| std::fs::write(t.join(p), body).unwrap();
        write("secret.txt", SECRET.as_bytes());
        write("outside/secret.txt", SECRET.as_bytes());
        write(
            "site/index.html",
            b"<!doctype html><title>root</title><p>from the folder\n",
        );
        write("site/404.html", b"<!doctype html><p>custom not found\n");
        write(
            "site/style.css",
            "body { color: red }\n".repeat(40).as_bytes(),
        );
        write("site/docs/guide.html", b"<p>guide\n");
        write("site/docs/<script>.html", b"<p>escaped\n");
        write("site/.env", SECRET.as_bytes());
        write("site/.git/config", SECRET.as_bytes());
        let gz = std::process::Command::new("gzip")
            .args(["-k", "-9", "-n"])
            .arg(site.join("style.css"))
            .status()
            .expect("gzip, to make the .gz sibling");
        assert!(gz.success());
        let link =
            |target: &str, name: &str| std::os::unix::fs::symlink(target, site.join(name)).unwrap();
        link("/etc/passwd", "passwd");
        link("../outside", "out");
        link("..", "up");
        link("docs/guide.html", "inner");
        link(
            t.join("site/index.html").to_str().unwrap(),
            "absolute-inside",
        );
        Tree(t)
    }

    fn site(&self) -> String {
        self.0.join("site").to_str().unwrap().to_string()
    }
}

impl Drop for Tree {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn request(s: &Server, head: &str) -> Response {
    let raw = s.exchange(format!("{head}\r\nHost: t\r\nConnection: close\r\n\r\n").as_bytes());
    Response::parse_framed(&raw, head.starts_with("HEAD ")).unwrap_or_else(|| {
        panic!(
            "bad response to {head}: {:?}",
            String::from_utf8_lossy(&raw)
        )
    })
}

/// Whether Landlock can confine here (the server refuses `--root` otherwise); prints SKIPPED.
fn landlock_here() -> bool {
    if support::emulated() {
        support::skipped("Landlock and seccomp are not available under qemu-user");
        return false;
    }
    true
}

#[test]
fn traversal_in_every_spelling_never_leaves_the_folder() {
    if !landlock_here() {
        return;
    }
    let t = Tree::new("traversal");
    let s = Server::start(HELLO, &["--quiet", "--root", &t.site()]);
    let targets = [
        "/../secret.txt",
        "/../../../../../../etc/passwd",
        "/./../secret.txt",
        "/docs/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E/secret.txt",
        "/.%2e/secret.txt",
        "/%2e./secret.txt",
        "/..%2fsecret.txt",
        "/..%2Fsecret.txt",
        "/%2e%2e%2fsecret.txt",
        "/docs%2f..%2f..%2fsecret.txt",
        "/..\\secret.txt",
        "/..%5csecret.txt",
        "/..%5Csecret.txt",
        "/%5c..%5csecret.txt",
        "/%252e%252e/secret.txt",
        "/%252e%252e%252fsecret.txt",
        "/%c0%ae%c0%ae/secret.txt",
        "/%c0%ae%c0%ae%c0%afsecret.txt",
        "/%e0%80%ae%e0%80%ae/secret.txt",
        "/..%c0%afsecret.txt",
        "/..%c1%9csecret.txt",
        "/%u002e%u002e/secret.txt",
        "/..;/secret.txt",
        "/secret.txt%00.html",
        "/%00../secret.txt",
        "/.%00./secret.txt",
        "/out/secret.txt",
        "/up/secret.txt",
        "/up/outside/secret.txt",
        "/passwd",
        "/.env",
        "/.git/config",
        "/%2eenv",
        "/%2egit/config",
        "//secret.txt",
        "/",
        "/absolute-inside",
    ];
    for target in targets {
        for method in ["GET", "HEAD"] {
            let raw = s.exchange(
                format!("{method} {target} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
                    .as_bytes(),
            );
            let text = String::from_utf8_lossy(&raw);
            assert!(!text.contains(SECRET), "{method} {target}: {text}");
            assert!(!text.contains("root:x:0:0"), "{method} {target}: {text}");
            assert!(text.starts_with("HTTP/1.1 "), "{method} {target}: {text}");
        }
    }
    // Absolute-form targets go through the same gate.
    for target in ["http://t/../secret.txt", "http://t/%2e%2e/secret.txt"] {
        let raw = s.exchange(format!("GET {target} HTTP/1.1\r\nHost: t\r\n\r\n").as_bytes());
        assert!(!String::from_utf8_lossy(&raw).contains(SECRET), "{target}");
    }
    // What each spelling gets: refused by the normaliser (400) or not found (404); never 200
    // but for the folder's own index.
    for (target, status) in [
        ("/%2e%2e/secret.txt", 400),
        ("/..%2fsecret.txt", 400),
        ("/..%5csecret.txt", 400),
        ("/secret.txt%00.html", 400),
        ("/%252e%252e/secret.txt", 404),
        ("/%c0%ae%c0%ae/secret.txt", 404),
        ("/out/secret.txt", 404),
        ("/up/secret.txt", 404),
        ("/passwd", 404),
        ("/.env", 404),
        ("/%2egit/config", 404),
    ] {
        assert_eq!(
            request(&s, &format!("GET {target} HTTP/1.1")).status,
            status,
            "{target}"
        );
    }
}

#[test]
fn symbolic_links_out_of_the_folder_are_404_and_links_inside_it_are_followed() {
    if !landlock_here() {
        return;
    }
    let t = Tree::new("links");
    let s = Server::start(HELLO, &["--quiet", "--root", &t.site()]);
    // A link to /etc/passwd, to a folder outside, to the folder above: 404 (the custom page).
    for target in ["/passwd", "/out/secret.txt", "/out/", "/up/secret.txt"] {
        let r = request(&s, &format!("GET {target} HTTP/1.1"));
        assert_eq!(r.status, 404, "{target}");
        assert!(
            r.text().contains("custom not found"),
            "{target}: {}",
            r.text()
        );
    }
    // An absolute link is refused even when it names a file inside (RESOLVE_BENEATH judges the
    // link, not where it happens to land); a relative link that stays inside is served.
    assert_eq!(request(&s, "GET /absolute-inside HTTP/1.1").status, 404);
    let inner = request(&s, "GET /inner HTTP/1.1");
    assert_eq!(inner.status, 200);
    assert_eq!(inner.text(), "<p>guide\n");
}

#[test]
fn a_kubernetes_configmap_mount_is_served_through_its_links() {
    if !landlock_here() {
        return;
    }
    // The kubelet's layout (deploy/k8s/static-site/static-site.yaml): each key is a link into `..data`,
    // itself a link to a timestamped folder, all inside the mount.
    let t = Tree::new("configmap");
    let cm = t.0.join("cm");
    std::fs::create_dir_all(cm.join("..2026_12_05_18_00_00.1")).unwrap();
    std::fs::write(
        cm.join("..2026_12_05_18_00_00.1/index.html"),
        b"<p>from a ConfigMap\n",
    )
    .unwrap();
    std::os::unix::fs::symlink("..2026_12_05_18_00_00.1", cm.join("..data")).unwrap();
    std::os::unix::fs::symlink("..data/index.html", cm.join("index.html")).unwrap();
    let s = Server::start(HELLO, &["--quiet", "--root", cm.to_str().unwrap()]);
    let r = request(&s, "GET /index.html HTTP/1.1");
    assert_eq!(
        (r.status, r.text().as_str()),
        (200, "<p>from a ConfigMap\n")
    );
    // The dot-folders themselves are not served by name.
    assert_eq!(request(&s, "GET /..data/index.html HTTP/1.1").status, 404);
}

#[test]
fn a_connection_process_cannot_open_outside_the_folder_by_any_path() {
    if !landlock_here() || support::not_without_the_sandbox("Landlock is part of the sandbox") {
        return;
    }
    let t = Tree::new("landlock");
    let s = Server::start(MISBEHAVE, &["--quiet", "--spare", "0", "--root", &t.site()]);
    // openat2 with no RESOLVE_* flag, by absolute path: what a bug in our own path handling
    // would amount to. The seccomp filter allows openat2 in this mode; Landlock says EACCES.
    let outside = t.0.join("secret.txt");
    for path in [
        outside.to_str().unwrap(),
        "/etc/passwd",
        "/proc/self/environ",
    ] {
        let r = request(&s, &format!("GET /openat2?path={path} HTTP/1.1"));
        assert_eq!((r.status, r.text().as_str()), (200, "EACCES"), "{path}");
    }
    // Through a symbolic link inside the folder, and through a magic link of /proc: the same.
    let via_link = format!("{}/passwd", t.site());
    let r = request(&s, &format!("GET /openat2?path={via_link} HTTP/1.1"));
    assert_eq!(r.text(), "EACCES");
    // Inside, the same call opens.
    let inside = format!("{}/docs/guide.html", t.site());
    let r = request(&s, &format!("GET /openat2?path={inside} HTTP/1.1"));
    assert_eq!(r.text(), "opened");
    // openat itself is still not allowed at all: SIGSYS, and the server says so.
    let raw = s.exchange(b"GET /open HTTP/1.1\r\nHost: t\r\n\r\n");
    assert!(raw.is_empty(), "{:?}", String::from_utf8_lossy(&raw));
    assert!(support::wait_until(TIMEOUT, || s
        .stderr_text()
        .contains("killed by the sandbox (SIGSYS)")));
}

#[test]
fn a_file_that_shrinks_mid_response_closes_the_connection_short() {
    if !landlock_here() {
        return;
    }
    let t = Tree::new("shrink");
    let big = t.0.join("site/big.bin");
    const LEN: u64 = 64 << 20;
    std::fs::write(&big, vec![b'x'; LEN as usize]).unwrap();
    let s = Server::start(HELLO, &["--quiet", "--root", &t.site()]);
    let mut c = s.connect();
    c.write_all(b"GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n")
        .unwrap();
    // Read the head and a little of the body, so the response is in flight.
    let mut got = Vec::new();
    let mut buf = [0u8; 65536];
    while !got.windows(4).any(|w| w == b"\r\n\r\n") || got.len() < 100_000 {
        let n = c.read(&mut buf).unwrap();
        assert!(n > 0, "closed early");
        got.extend_from_slice(&buf[..n]);
    }
    let head_end = got.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    let head = String::from_utf8_lossy(&got[..head_end]).to_string();
    assert!(
        head.contains(&format!("Content-Length: {LEN}\r\n")),
        "{head}"
    );
    std::fs::OpenOptions::new()
        .write(true)
        .open(&big)
        .unwrap()
        .set_len(1 << 20)
        .unwrap();
    let rest = support::read_to_close(&mut c);
    let body = (got.len() - head_end + rest.len()) as u64;
    assert!(
        body < LEN,
        "the connection must close before the promised {LEN} bytes (got {body})"
    );
}

/// The resident set of a process, in KiB (`VmRSS` of /proc/PID/status).
fn rss_kib(pid: i32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The proportional set size of a process, in KiB (`Pss` of /proc/PID/smaps_rollup): its
/// private pages plus its share of those it shares with the parent after fork.
fn pss_kib(pid: i32) -> Option<u64> {
    let rollup = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?;
    let line = rollup.lines().find(|l| l.starts_with("Pss:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Downloads `request`'s response in full, sampling the connection process's RSS as it goes;
/// returns (status line, body bytes, the largest RSS seen, the smallest).
fn download_sampling_rss(s: &Server, request: &str) -> (String, u64, u64, u64) {
    let mut c = s.connect();
    c.write_all(request.as_bytes()).unwrap();
    let mut buf = vec![0u8; 1 << 20];
    let mut head = Vec::new();
    let mut body = 0u64;
    let (mut max, mut min) = (0u64, u64::MAX);
    let mut conn_pid = None;
    let mut reads = 0u64;
    loop {
        let n = match c.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => panic!("read: {e}"),
        };
        reads += 1;
        if head.len() < 4096 && !head.windows(4).any(|w| w == b"\r\n\r\n") {
            head.extend_from_slice(&buf[..n]);
            if let Some(end) = head.windows(4).position(|w| w == b"\r\n\r\n") {
                body += (head.len() - end - 4) as u64;
            }
        } else {
            body += n as u64;
        }
        if conn_pid.is_none() {
            // Fork per connection (--spare 0): the one child is this connection's process.
            conn_pid = s.children().first().copied();
        }
        if reads % 16 == 1
            && let Some(kib) = conn_pid.and_then(rss_kib)
        {
            max = max.max(kib);
            min = min.min(kib);
            if reads % 1024 == 1
                && let Some(pss) = conn_pid.and_then(pss_kib)
            {
                eprintln!("after {body} bytes: VmRSS {kib} KiB, Pss {pss} KiB");
            }
        }
    }
    let status = String::from_utf8_lossy(&head)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string();
    (status, body, max, min)
}

#[test]
fn a_sparse_gigabyte_goes_out_whole_and_by_range_with_flat_memory() {
    if !landlock_here() {
        return;
    }
    let t = Tree::new("sparse");
    const GIB: u64 = 1 << 30;
    std::fs::File::create(t.0.join("site/sparse.bin"))
        .unwrap()
        .set_len(GIB)
        .unwrap();
    let s = Server::start(HELLO, &["--quiet", "--spare", "0", "--root", &t.site()]);
    let whole = "GET /sparse.bin HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
    let (status, body, max, min) = download_sampling_rss(&s, whole);
    assert_eq!((status.as_str(), body), ("HTTP/1.1 200 OK", GIB));
    // Flat: a few hundred KiB whatever the file's size (sendfile copies in the kernel). The
    // bound is far below what buffering even 1% of the file would take.
    assert!(max > 0, "the connection process's RSS was never sampled");
    eprintln!("1 GiB whole: connection process VmRSS {min}..{max} KiB");
    assert!(max <= 4096, "VmRSS reached {max} KiB");
    assert!(max - min <= 1024, "VmRSS grew from {min} to {max} KiB");
    let ranged = "GET /sparse.bin HTTP/1.1\r\nHost: t\r\nRange: bytes=536870912-\r\nConnection: close\r\n\r\n";
    let (status, body, max, min) = download_sampling_rss(&s, ranged);
    assert_eq!(
        (status.as_str(), body),
        ("HTTP/1.1 206 Partial Content", GIB / 2)
    );
    eprintln!("512 MiB range: connection process VmRSS {min}..{max} KiB");
    assert!(max <= 4096 && max - min <= 1024, "VmRSS {min}..{max} KiB");
}

#[test]
fn a_gz_sibling_is_served_to_gzip_clients_with_vary() {
    if !landlock_here() {
        return;
    }
    let t = Tree::new("gzip");
    let s = Server::start(HELLO, &["--quiet", "--root", &t.site()]);
    let original = std::fs::read(t.0.join("site/style.css")).unwrap();
    let gz = std::fs::read(t.0.join("site/style.css.gz")).unwrap();
    let zipped = request(&s, "GET /style.css HTTP/1.1\r\nAccept-Encoding: gzip, br");
    assert_eq!(zipped.status, 200);
    assert_eq!(zipped.header("content-encoding"), Some("gzip"));
    assert_eq!(zipped.header("vary"), Some("Accept-Encoding"));
    assert_eq!(
        zipped.header("content-type"),
        Some("text/css; charset=utf-8")
    );
    assert_eq!(zipped.body, gz);
    let plain = request(&s, "GET /style.css HTTP/1.1");
    assert_eq!(plain.header("content-encoding"), None);
    assert_eq!(plain.header("vary"), Some("Accept-Encoding"));
    assert_eq!(plain.body, original);
    // Each representation has its own tag, and each revalidates to a 304 for its own client
    // (a client without Accept-Encoding is answered without a look for the sibling).
    let (zipped_tag, plain_tag) = (
        zipped.header("etag").unwrap(),
        plain.header("etag").unwrap(),
    );
    assert_ne!(zipped_tag, plain_tag);
    let again = request(
        &s,
        &format!("GET /style.css HTTP/1.1\r\nAccept-Encoding: gzip\r\nIf-None-Match: {zipped_tag}"),
    );
    assert_eq!(
        (again.status, again.header("vary")),
        (304, Some("Accept-Encoding"))
    );
    let again = request(
        &s,
        &format!("GET /style.css HTTP/1.1\r\nIf-None-Match: {plain_tag}"),
    );
    assert_eq!(
        (again.status, again.header("vary")),
        (304, Some("Accept-Encoding"))
    );
    // A file with no sibling varies on nothing.
    let guide = request(&s, "GET /docs/guide.html HTTP/1.1\r\nAccept-Encoding: gzip");
    assert_eq!(guide.header("content-encoding"), None);
    assert_eq!(guide.header("vary"), None);
}

#[test]
fn the_listing_is_opt_in_and_escapes_names() {
    if !landlock_here() {
        return;
    }
    let t = Tree::new("listing");
    let plain = Server::start(HELLO, &["--quiet", "--root", &t.site()]);
    assert_eq!(request(&plain, "GET /docs/ HTTP/1.1").status, 404);
    let s = Server::start(HELLO, &["--quiet", "--root", &t.site(), "--listing"]);
    let r = request(&s, "GET /docs/ HTTP/1.1");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"));
    let html = r.text();
    assert!(
        html.contains("<a href=\"./%3Cscript%3E.html\">&lt;script&gt;.html</a> 11 bytes"),
        "{html}"
    );
    assert!(!html.contains("<script>"), "{html}");
    assert!(
        !html.to_lowercase().contains("<script"),
        "no JavaScript: {html}"
    );
    assert!(html.contains(">guide.html</a> 9 bytes"), "{html}");
    // The escaped link leads to the file.
    assert_eq!(
        request(&s, "GET /docs/%3Cscript%3E.html HTTP/1.1").text(),
        "<p>escaped\n"
    );
    // Hidden names are not listed; a folder with an index.html is its index.
    let top = request(&s, "GET /docs/../ HTTP/1.1");
    assert!(top.text().contains("from the folder"));
    let listing_of_top = Tree::new("listing-top");
    std::fs::remove_file(listing_of_top.0.join("site/index.html")).unwrap();
    let s2 = Server::start(
        HELLO,
        &["--quiet", "--root", &listing_of_top.site(), "--listing"],
    );
    let top = request(&s2, "GET / HTTP/1.1");
    // hello routes "/" itself: the routes come first.
    assert_eq!(top.text(), "Hello, World!");
    let docs = request(&s2, "GET /docs/ HTTP/1.1").text();
    assert!(!docs.contains(".env") && !docs.contains(".git"), "{docs}");
}

#[test]
fn the_folder_serves_like_a_static_server() {
    if !landlock_here() {
        return;
    }
    let t = Tree::new("basics");
    // The landing site: its compiled-in files come after the folder.
    let s = Server::start("verbosel", &["--quiet", "--root", &t.site()]);
    let index = request(&s, "GET / HTTP/1.1");
    assert_eq!(index.status, 200);
    assert!(
        index.text().contains("from the folder"),
        "the folder comes first"
    );
    assert_eq!(
        index.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(index.header("cache-control"), Some("no-cache"));
    // A compiled-in file the folder lacks is still served.
    let compiled = request(&s, "GET /favicon.svg HTTP/1.1");
    assert_eq!(
        compiled.status, 200,
        "the compiled-in assets follow the folder"
    );
    // A folder without its slash: 308 to the slash, never a Location starting with //.
    let folder = request(&s, "GET /docs HTTP/1.1");
    assert_eq!(folder.status, 308);
    assert_eq!(folder.header("location"), Some("/docs/"));
    let sneaky = request(&s, "GET //docs HTTP/1.1");
    assert!(
        !sneaky.header("location").unwrap_or("/").starts_with("//"),
        "{:?}",
        sneaky.header("location")
    );
    // The custom 404 comes from the folder.
    let missing = request(&s, "GET /nope.html HTTP/1.1");
    assert_eq!(missing.status, 404);
    assert!(missing.text().contains("custom not found"));
    // Strong ETag, 304 with no body, HEAD, one range.
    let guide = request(&s, "GET /docs/guide.html HTTP/1.1");
    let etag = guide.header("etag").unwrap().to_string();
    assert!(etag.starts_with('"') && etag.ends_with('"'), "{etag}");
    assert!(guide.header("last-modified").is_some());
    let again = request(
        &s,
        &format!("GET /docs/guide.html HTTP/1.1\r\nIf-None-Match: {etag}"),
    );
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());
    assert_eq!(again.header("content-length"), None);
    let head = request(&s, "HEAD /docs/guide.html HTTP/1.1");
    assert_eq!(head.header("content-length"), Some("9"));
    assert!(head.body.is_empty());
    let range = request(&s, "GET /docs/guide.html HTTP/1.1\r\nRange: bytes=3-7");
    assert_eq!(range.status, 206);
    assert_eq!(range.header("content-range"), Some("bytes 3-7/9"));
    assert_eq!(range.text(), "guide");
    // The ETag changes when the file does.
    std::thread::sleep(Duration::from_millis(20));
    std::fs::write(t.0.join("site/docs/guide.html"), b"<p>GUIDE\n").unwrap();
    let changed = request(&s, "GET /docs/guide.html HTTP/1.1");
    assert_ne!(changed.header("etag"), Some(etag.as_str()));
    assert_eq!(changed.text(), "<p>GUIDE\n");
}

/// Runs `name` with `args` to its exit: (exit code, stderr).
fn run_to_exit(name: &str, args: &[&str]) -> (i32, String) {
    let out = support::server_command(name)
        .args(["--port", "0"])
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

#[test]
fn bad_static_site_flags_exit_2_at_start_naming_the_flag() {
    let t = Tree::new("flags");
    let site = t.site();
    let file = format!("{site}/index.html");
    let cases: &[(&[&str], &str)] = &[
        (
            &["--root", "/nonexistent/verbosel"],
            "invalid --root: /nonexistent/verbosel (ENOENT)",
        ),
        (&["--root", &file], "(ENOTDIR)"),
        (&["--root"], "missing value for: --root"),
        (&["--listing"], "--listing lists folders of --root"),
        (&["--header", "Bad Name: x"], "invalid --header"),
        (&["--header", "X-Empty:"], "invalid --header"),
        (&["--header", "Content-Length: 1"], "invalid --header"),
        (&["--redirect", "/old"], "invalid --redirect"),
        (
            &["--redirect", "/old=//evil.example/"],
            "invalid --redirect",
        ),
        (&["--redirect", "200:/old=/new"], "invalid --redirect"),
        (&["--fallback", "index.html"], "invalid --fallback"),
        (
            &["--root", &site, "--fallback", "/missing.html"],
            "invalid --fallback: /missing.html (no file there)",
        ),
        (
            &["--fallback", "/index.html"],
            "invalid --fallback: /index.html (no file there)",
        ),
    ];
    for (args, says) in cases {
        let (code, err) = run_to_exit(HELLO, args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
    let many: Vec<String> = (0..17).map(|i| format!("X-H{i}: v")).collect();
    let mut args = Vec::new();
    for h in &many {
        args.extend(["--header", h.as_str()]);
    }
    let (code, err) = run_to_exit(HELLO, &args);
    assert_eq!(code, 2);
    assert!(err.contains("too many --header"), "{err}");
}

#[test]
fn header_adds_a_line_to_every_response() {
    let t = Tree::new("header");
    let mut args = vec!["--quiet", "--header", "Access-Control-Allow-Origin: *"];
    args.extend(["--header", "X-Robots-Tag:   noindex  "]);
    let site = t.site();
    if landlock_here() {
        args.extend(["--root", &site]);
    }
    let s = Server::start(HELLO, &args);
    let mut paths = vec!["/", "/nothing-here"];
    if args.contains(&"--root") {
        paths.extend(["/docs/guide.html", "/docs"]);
    }
    for path in paths {
        let r = request(&s, &format!("GET {path} HTTP/1.1"));
        assert_eq!(r.header("access-control-allow-origin"), Some("*"), "{path}");
        assert_eq!(r.header("x-robots-tag"), Some("noindex"), "{path}");
    }
    // Also on the server's own errors.
    let bad = request(&s, "GET /%zz HTTP/1.1");
    assert_eq!(bad.status, 400);
    assert_eq!(bad.header("access-control-allow-origin"), Some("*"));
}

#[test]
fn redirect_answers_old_paths_before_the_routes() {
    let s = Server::start(
        HELLO,
        &[
            "--quiet",
            "--redirect",
            "/old=/new",
            "--redirect",
            "307:/=/elsewhere?x=1",
            "--redirect",
            "308:/blog/=https://blog.example/",
        ],
    );
    let r = request(&s, "GET /old?a=b HTTP/1.1");
    assert_eq!(r.status, 301);
    assert_eq!(r.header("location"), Some("/new?a=b"));
    // Compared normalised: the same path in other spellings.
    assert_eq!(request(&s, "GET /%6Fld HTTP/1.1").status, 301);
    assert_eq!(request(&s, "GET /x/../old HTTP/1.1").status, 301);
    // Before the routes (hello routes "/"); a target with its own query keeps it.
    let root = request(&s, "POST / HTTP/1.1\r\nContent-Length: 0");
    assert_eq!(root.status, 307);
    assert_eq!(root.header("location"), Some("/elsewhere?x=1"));
    let blog = request(&s, "GET /blog/ HTTP/1.1");
    assert_eq!(blog.status, 308);
    assert_eq!(blog.header("location"), Some("https://blog.example/"));
    // Anything else is untouched.
    assert_eq!(request(&s, "GET /older HTTP/1.1").status, 404);
}

#[test]
fn fallback_serves_the_app_page_to_browsers_only() {
    if !landlock_here() {
        return;
    }
    let t = Tree::new("fallback");
    let s = Server::start(
        HELLO,
        &["--quiet", "--root", &t.site(), "--fallback", "/index.html"],
    );
    let browser = request(
        &s,
        "GET /app/settings/profile HTTP/1.1\r\nAccept: text/html,application/xhtml+xml,*/*;q=0.8",
    );
    assert_eq!(browser.status, 200);
    assert!(browser.text().contains("from the folder"));
    assert_eq!(
        browser.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    // A script's fetch and a client with no Accept get the truth.
    let api = request(
        &s,
        "GET /app/settings/profile HTTP/1.1\r\nAccept: application/json",
    );
    assert_eq!(api.status, 404);
    assert_eq!(request(&s, "GET /app/x HTTP/1.1").status, 404);
    // Not for other methods, and never for a hidden file.
    let post = request(
        &s,
        "DELETE /app/x HTTP/1.1\r\nAccept: text/html\r\nContent-Length: 0",
    );
    assert_eq!(post.status, 404);
    let env = request(&s, "GET /.env HTTP/1.1\r\nAccept: text/html");
    assert!(!env.text().contains(SECRET));
}

#[test]
fn a_path_under_the_folder_given_relatively_works_too() {
    if !landlock_here() {
        return;
    }
    let t = Tree::new("relative");
    let cwd = t.0.clone();
    let mut cmd = support::server_command(HELLO);
    cmd.current_dir(&cwd)
        .args(["--port", "0", "--quiet", "--root", "site"]);
    let s = Server::start_cmd(cmd);
    assert_eq!(request(&s, "GET /docs/guide.html HTTP/1.1").status, 200);
}

#[test]
fn without_landlock_root_refuses_to_start_unless_no_sandbox() {
    if !landlock_here() || support::not_without_the_sandbox("the refusal is the sandbox's") {
        return;
    }
    if std::process::Command::new("strace")
        .arg("-V")
        .output()
        .is_err()
    {
        support::skipped(
            "strace is missing (apt-get install strace): it stands in for a kernel without Landlock",
        );
        return;
    }
    let t = Tree::new("no-landlock");
    // strace makes landlock_create_ruleset fail with ENOSYS, as a kernel built without Landlock
    // does (EOPNOTSUPP: built in, not enabled at boot).
    let run = |errno: &str, extra: &[&str]| {
        std::process::Command::new("strace")
            .args([
                "-f",
                "-qq",
                "-o",
                "/dev/null",
                "-e",
                "trace=landlock_create_ruleset",
            ])
            .args([
                "-e",
                &format!("inject=landlock_create_ruleset:error={errno}"),
            ])
            .arg(support::bin(HELLO))
            .args(["--port", "0", "--quiet", "--root", &t.site()])
            .args(extra)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    for errno in ["ENOSYS", "EOPNOTSUPP"] {
        let out = run(errno, &[]).wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(
            err.contains(&format!(
                "cannot confine connection processes to --root with Landlock ({errno})"
            )) && err.contains("--no-sandbox"),
            "{err}"
        );
    }
    // --no-sandbox serves the folder without it (and says the sandbox is off).
    let mut child = run("ENOSYS", &["--no-sandbox"]);
    let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    std::io::BufRead::read_line(&mut stderr, &mut line).unwrap();
    // Stop the server itself (strace's tracee) by its pid, from its start-up line; strace
    // exits with it.
    let pid = line
        .split(", pid ")
        .nth(1)
        .and_then(|rest| rest.split(',').next())
        .and_then(|p| p.parse::<i32>().ok());
    match pid {
        Some(pid) => {
            let _ = std::process::Command::new("kill")
                .args(["-TERM", &pid.to_string()])
                .status();
        }
        None => {
            let _ = child.kill();
        }
    }
    let _ = child.wait();
    assert!(
        line.contains("listening on") && line.contains("SANDBOX OFF"),
        "{line}"
    );
}
