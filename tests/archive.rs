//! A site zipped into the release `verbosel` binary, as a user without Rust adds one (README,
//! "No Rust?"): with Python's `zipfile` in append mode, and with InfoZIP (`cat` + `zip -A`, then
//! `zip` adding a file straight into the binary). Each copy is started and its files fetched:
//! identity bytes, the gzip body made of the archive's own DEFLATE data, an ETag per encoding,
//! 304, ranges, the custom 404, and headless Chromium rendering the page with its stylesheet.
//! Malformed archives are refused at start with exit code 2 and the entry named.
//!
//! Tools missing (python3, zip, chromium): the test says SKIPPED and why (`.ci/run` installs
//! them by name and fails on any skip).

mod support;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use support::{Response, Server, TIMEOUT};

fn has(tool: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {tool}"))
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// A fresh folder for one test.
fn workdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("verbosel-archive-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A copy of the release `verbosel` at `to`.
fn copy_release(to: &Path) {
    std::fs::copy(support::release_bin_dir().join("verbosel"), to).unwrap();
}

const STYLE: &str = "body { color: rgb(255, 0, 0); }\n";

/// The site: a page linking a stylesheet and a script, an image, a 404 page; the stylesheet is
/// long enough that both tools deflate it.
fn write_site(dir: &Path) -> Vec<(&'static str, Vec<u8>)> {
    let mut css = STYLE.to_string();
    for i in 0..200 {
        css.push_str(&format!(".c{i} {{ margin: {i}px; }}\n"));
    }
    let files: Vec<(&str, Vec<u8>)> =
        vec![
        (
            "index.html",
            b"<!doctype html><html><head><title>zipped</title>\
              <link rel=\"stylesheet\" href=\"style.css\"><script src=\"app.js\" defer></script>\
              </head><body><h1>Zipped site</h1><img src=\"img.png\" alt=\"\"></body></html>\n"
                .to_vec(),
        ),
        ("style.css", css.into_bytes()),
        (
            "app.js",
            b"document.body.setAttribute('data-color', getComputedStyle(document.body).color);\n"
                .to_vec(),
        ),
        ("img.png", (0..3000u32).map(|i| (i * 7919 % 251) as u8).collect()),
        ("404.html", b"<!doctype html><p>custom not found</p>\n".to_vec()),
    ];
    for (name, bytes) in &files {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
    files
}

fn run(cmd: &mut Command) {
    let out = cmd.output().expect("run a tool");
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn request(s: &Server, path: &str, fields: &str) -> Response {
    let raw = s.exchange(
        format!("GET {path} HTTP/1.1\r\nHost: t\r\n{fields}Connection: close\r\n\r\n").as_bytes(),
    );
    Response::parse(&raw).unwrap_or_else(|| panic!("GET {path}: {raw:?}"))
}

/// Everything the issue asks of a served archive, against the binary at `exe`.
fn check_served(exe: &Path, files: &[(&str, Vec<u8>)], with: &str) {
    let s = Server::start_path(exe, &["--quiet"]);
    for (name, bytes) in files {
        let r = request(&s, &format!("/{name}"), "");
        assert_eq!(r.status, 200, "{with}: /{name}");
        assert_eq!(&r.body, bytes, "{with}: /{name}'s identity bytes");
        assert!(r.header("content-encoding").is_none());
    }
    assert_eq!(
        request(&s, "/", "").body,
        files[0].1,
        "{with}: / is index.html"
    );

    // The stylesheet in gzip: the archive's own DEFLATE stream between a gzip header and trailer.
    let identity = request(&s, "/style.css", "");
    let gz = request(&s, "/style.css", "Accept-Encoding: gzip\r\n");
    assert_eq!(gz.header("content-encoding"), Some("gzip"), "{with}");
    assert_eq!(gzip_decompress(&gz.body), files[1].1, "{with}: gunzipped");
    let bytes = std::fs::read(exe).unwrap();
    let archive = verbosel_zip::Archive::find(&bytes)
        .unwrap()
        .expect("an archive");
    let mut memory = vec![0u64; archive.index_words()];
    let mut scratch = vec![0u8; verbosel_zip::MIN_WINDOW_LEN];
    let index = archive
        .validate(&verbosel_zip::Limits::DEFAULT, &mut memory, &mut scratch)
        .unwrap();
    let entry = index.get(b"/style.css").unwrap();
    assert_eq!(entry.method, verbosel_zip::Method::Deflated, "{with}");
    assert_eq!(
        &gz.body[10..gz.body.len() - 8],
        entry.data,
        "{with}: the DEFLATE payload is the archive's, byte for byte"
    );

    // An ETag per representation; each validates its own with a 304 and no body.
    let (plain_tag, gzip_tag) = (
        identity.header("etag").unwrap().to_string(),
        gz.header("etag").unwrap().to_string(),
    );
    assert_ne!(plain_tag, gzip_tag, "{with}");
    for (ae, tag) in [("", &plain_tag), ("Accept-Encoding: gzip\r\n", &gzip_tag)] {
        let raw = s.exchange(
            format!("GET /style.css HTTP/1.1\r\nHost: t\r\n{ae}If-None-Match: {tag}\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        );
        let text = String::from_utf8_lossy(&raw);
        assert!(text.starts_with("HTTP/1.1 304 "), "{with}: {text}");
        assert!(
            text.ends_with("\r\n\r\n"),
            "{with}: a 304 has no body: {text}"
        );
        assert!(
            text.contains(&format!("\r\nETag: {tag}\r\n")),
            "{with}: {text}"
        );
        assert!(!text.contains("Content-Length"), "{with}: {text}");
    }
    assert!(identity.header("last-modified").is_some());
    assert_eq!(
        identity.header("cache-control"),
        Some("public, max-age=3600")
    );
    assert_eq!(identity.header("x-content-type-options"), Some("nosniff"));

    // A range of the identity bytes.
    let part = request(&s, "/style.css", "Range: bytes=5-20\r\n");
    assert_eq!(part.status, 206, "{with}");
    assert_eq!(part.body, files[1].1[5..=20], "{with}");
    assert_eq!(
        part.header("content-range"),
        Some(format!("bytes 5-20/{}", files[1].1.len()).as_str())
    );
    // HEAD: the same length, no body.
    let raw = s.exchange(b"HEAD /style.css HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    let head = String::from_utf8_lossy(&raw);
    assert!(head.contains(&format!("Content-Length: {}\r\n", files[1].1.len())));
    assert!(head.ends_with("\r\n\r\n"));

    // The site's own 404 page, and the compiled-in landing page still behind it.
    let missing = request(&s, "/no-such-page", "");
    assert_eq!(missing.status, 404, "{with}");
    assert_eq!(missing.body, files[4].1, "{with}: the custom 404");
    assert_eq!(request(&s, "/favicon.svg", "").status, 200, "{with}");

    chromium_renders(&s, with);
}

fn gzip_decompress(gz: &[u8]) -> Vec<u8> {
    let mut child = Command::new("gzip")
        .arg("-dc")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("gzip");
    child.stdin.take().unwrap().write_all(gz).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "gzip -dc refused the body");
    out.stdout
}

fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find(|name| has(name))
        .map(PathBuf::from)
}

/// Headless Chromium loads the page: the script reports the body's computed colour (the
/// stylesheet's red), and Chromium's network log shows every request the page made went to
/// this server.
fn chromium_renders(s: &Server, with: &str) {
    let Some(chrome) = chromium() else {
        support::skipped("chromium is not installed (apt-get install chromium)");
        return;
    };
    let dir = workdir(&format!("chromium-{}", with.replace(' ', "-")));
    let netlog = dir.join("netlog.json");
    let origin = format!("http://127.0.0.1:{}", s.port);
    let dom = Command::new(chrome)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-default-apps",
            "--virtual-time-budget=5000",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", dir.join("profile").display()))
        .arg(format!("--log-net-log={}", netlog.display()))
        .arg(format!("{origin}/"))
        .output()
        .expect("run chromium");
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert!(dom.contains("<h1>Zipped site</h1>"), "{with}: {dom}");
    assert!(
        dom.contains("data-color=\"rgb(255, 0, 0)\""),
        "{with}: the stylesheet was not applied: {dom}"
    );
    let log = std::fs::read_to_string(&netlog).expect("net log");
    let urls: Vec<&str> = log
        .split("\"params\":{")
        .skip(1)
        .map(|p| &p[..p.find("},\"phase\"").unwrap_or(p.len())])
        .filter(|p| p.contains(&format!("\"initiator\":\"{origin}\"")))
        .filter_map(|p| p.split("\"url\":\"").nth(1)?.split('"').next())
        .collect();
    for wanted in ["/style.css", "/app.js", "/img.png"] {
        assert!(
            urls.iter().any(|u| u.ends_with(wanted)),
            "{with}: {wanted} not requested: {urls:?}"
        );
    }
    for u in &urls {
        assert!(
            u.starts_with(&format!("{origin}/")),
            "{with}: the page left the server: {u}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_site_appended_with_pythons_zipfile_is_served() {
    if !has("python3") || !has("gzip") {
        support::skipped("python3 or gzip is not installed (apt-get install python3 gzip)");
        return;
    }
    let dir = workdir("python");
    let site = dir.join("site");
    std::fs::create_dir(&site).unwrap();
    let files = write_site(&site);
    let exe = dir.join("mysite");
    copy_release(&exe);
    run(Command::new("python3").current_dir(&site).arg("-c").arg(format!(
        "import zipfile\n\
         with zipfile.ZipFile({exe:?}, 'a', zipfile.ZIP_DEFLATED) as z:\n\
         \x20   for n in ['index.html', 'style.css', 'app.js', 'img.png', '404.html']: z.write(n)\n",
        exe = exe.display().to_string()
    )));
    check_served(&exe, &files, "python zipfile");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_site_appended_with_infozip_is_served_and_zip_adds_files_to_it() {
    if !has("zip") || !has("gzip") {
        support::skipped("InfoZIP's zip or gzip is not installed (apt-get install zip gzip)");
        return;
    }
    let dir = workdir("infozip");
    let site = dir.join("site");
    std::fs::create_dir(&site).unwrap();
    let files = write_site(&site);
    // All but one file as a zip, appended with cat; `zip -A` makes its offsets count from the
    // start of the file, after which `zip` can add the last file straight into the binary.
    run(Command::new("zip").current_dir(&site).args([
        "-q",
        "-r",
        "../site.zip",
        "index.html",
        "style.css",
        "app.js",
        "img.png",
    ]));
    let exe = dir.join("mysite.com");
    let mut joined = std::fs::read(support::release_bin_dir().join("verbosel")).unwrap();
    joined.extend(std::fs::read(dir.join("site.zip")).unwrap());
    std::fs::write(&exe, joined).unwrap();
    std::fs::set_permissions(&exe, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    run(Command::new("zip").args(["-q", "-A"]).arg(&exe));
    run(Command::new("zip")
        .current_dir(&site)
        .arg("-q")
        .arg(&exe)
        .arg("404.html"));
    check_served(&exe, &files, "infozip");
    // `--list` names every file and where it comes from.
    let list = support::command_path(&exe).arg("--list").output().unwrap();
    assert!(list.status.success());
    let list = String::from_utf8_lossy(&list.stdout);
    assert!(list.contains("/404.html\t"), "{list}");
    assert!(list.contains("/style.css\t"), "{list}");
    assert!(list.contains("appended archive"), "{list}");
    assert!(list.contains("/index.html\t16"), "{list}");
    assert!(
        list.contains("compiled in (hidden: an earlier source has it)"),
        "{list}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A ZIP writer for archives that are wrong on purpose: stored or hand-made DEFLATE entries whose
/// every field the test may set.
#[derive(Clone)]
struct Rec {
    name: Vec<u8>,
    local_name: Option<Vec<u8>>,
    data: Vec<u8>,
    method: u16,
    flags: u16,
    crc: Option<u32>,
    size: Option<u32>,
    csize: Option<u32>,
    /// Point the central record at another record's local header.
    offset_of: Option<usize>,
}

fn rec(name: &[u8], data: &[u8]) -> Rec {
    Rec {
        name: name.to_vec(),
        local_name: None,
        data: data.to_vec(),
        method: 0,
        flags: 0,
        crc: None,
        size: None,
        csize: None,
        offset_of: None,
    }
}

/// DEFLATE of `data` as one stored block (RFC 1951 §3.2.4): valid, and easy to make lie.
fn stored_block(data: &[u8]) -> Vec<u8> {
    let n = data.len() as u16;
    let mut out = vec![0x01];
    out.extend(n.to_le_bytes());
    out.extend((!n).to_le_bytes());
    out.extend(data);
    out
}

/// The archive as bytes to append, offsets counted from `base` (the binary's length).
fn zip_bytes(recs: &[Rec], base: usize, cut_central: bool) -> Vec<u8> {
    let mut out = Vec::new();
    let mut offsets = Vec::new();
    for r in recs {
        offsets.push(base + out.len());
        let name = r.local_name.as_ref().unwrap_or(&r.name);
        let crc = r.crc.unwrap_or_else(|| verbosel_zip::crc32(&r.data));
        out.extend(b"PK\x03\x04");
        out.extend(20u16.to_le_bytes());
        out.extend(r.flags.to_le_bytes());
        out.extend(r.method.to_le_bytes());
        out.extend([0, 0, 0x21, 0]); // time, date: 1980-01-01
        out.extend(crc.to_le_bytes());
        out.extend(r.csize.unwrap_or(r.data.len() as u32).to_le_bytes());
        out.extend(r.size.unwrap_or(r.data.len() as u32).to_le_bytes());
        out.extend((name.len() as u16).to_le_bytes());
        out.extend(0u16.to_le_bytes());
        out.extend(name);
        out.extend(&r.data);
    }
    let central = base + out.len();
    let mut cd = Vec::new();
    for (i, r) in recs.iter().enumerate() {
        let crc = r.crc.unwrap_or_else(|| verbosel_zip::crc32(&r.data));
        cd.extend(b"PK\x01\x02");
        cd.extend(20u16.to_le_bytes());
        cd.extend(20u16.to_le_bytes());
        cd.extend(r.flags.to_le_bytes());
        cd.extend(r.method.to_le_bytes());
        cd.extend([0, 0, 0x21, 0]);
        cd.extend(crc.to_le_bytes());
        cd.extend(r.csize.unwrap_or(r.data.len() as u32).to_le_bytes());
        cd.extend(r.size.unwrap_or(r.data.len() as u32).to_le_bytes());
        cd.extend((r.name.len() as u16).to_le_bytes());
        cd.extend([0u8; 8]); // extra, comment, disk, internal attributes
        cd.extend(0u32.to_le_bytes()); // external attributes
        cd.extend((offsets[r.offset_of.unwrap_or(i)] as u32).to_le_bytes());
        cd.extend(&r.name);
    }
    let cd_len = cd.len() + if cut_central { 64 } else { 0 };
    out.extend(cd);
    out.extend(b"PK\x05\x06");
    out.extend([0u8; 4]);
    out.extend((recs.len() as u16).to_le_bytes());
    out.extend((recs.len() as u16).to_le_bytes());
    out.extend((cd_len as u32).to_le_bytes());
    out.extend((central as u32).to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out
}

#[test]
fn malformed_archives_are_refused_at_start_with_the_entry_named() {
    let ok = rec(b"ok.html", b"<p>fine</p>");
    let text = b"some text that is long enough";
    let mut cases: Vec<(&str, Vec<Rec>, bool, &str)> = Vec::new();
    let mut push = |what, recs: Vec<Rec>, cut, named| cases.push((what, recs, cut, named));
    push(
        "encrypted",
        vec![Rec {
            flags: 1,
            ..rec(b"secret.html", text)
        }],
        false,
        "secret.html",
    );
    push(
        "bzip2",
        vec![Rec {
            method: 12,
            ..rec(b"b.html", text)
        }],
        false,
        "b.html",
    );
    push(
        "climbs out",
        vec![ok.clone(), rec(b"../up.html", text)],
        false,
        "../up.html",
    );
    push(
        "absolute",
        vec![rec(b"/abs.html", text)],
        false,
        "/abs.html",
    );
    push(
        "backslash",
        vec![rec(b"a\\b.html", text)],
        false,
        "a\\x5cb.html",
    );
    push(
        "NUL",
        vec![rec(b"nul\0.html", text)],
        false,
        "nul\\x00.html",
    );
    push(
        "empty segment",
        vec![rec(b"a//b.html", text)],
        false,
        "a//b.html",
    );
    push(
        "duplicate",
        vec![rec(b"dup.html", text), rec(b"dup.html", text)],
        false,
        "dup.html",
    );
    push(
        "overlapping",
        vec![
            rec(b"one.html", text),
            Rec {
                offset_of: Some(0),
                ..rec(b"one.html", text)
            },
        ],
        false,
        "one.html",
    );
    push(
        "runs past the archive",
        vec![Rec {
            csize: Some(1 << 20),
            size: Some(1 << 20),
            ..rec(b"long.html", text)
        }],
        false,
        "long.html",
    );
    push(
        "central and local disagree",
        vec![Rec {
            local_name: Some(b"other.html".to_vec()),
            ..rec(b"named.html", text)
        }],
        false,
        "named.html",
    );
    push(
        "size lies (a bomb declares less than it inflates to)",
        vec![Rec {
            method: 8,
            size: Some(4),
            crc: Some(verbosel_zip::crc32(&text[..4])),
            ..rec(b"bomb.html", &stored_block(text))
        }],
        false,
        "bomb.html",
    );
    push(
        "CRC-32",
        vec![Rec {
            crc: Some(1),
            ..rec(b"crc.html", text)
        }],
        false,
        "crc.html",
    );
    push(
        "corrupt DEFLATE",
        vec![Rec {
            method: 8,
            size: Some(10),
            ..rec(b"bad.html", &[0xff, 0xff, 0xff])
        }],
        false,
        "bad.html",
    );
    push("truncated central directory", vec![ok.clone()], true, "");
    assert!(cases.len() >= 12);

    let dir = workdir("malformed");
    let binary = std::fs::read(support::release_bin_dir().join("verbosel")).unwrap();
    for (what, recs, cut, named) in &cases {
        let exe = dir.join("bad");
        let mut bytes = binary.clone();
        bytes.extend(zip_bytes(recs, binary.len(), *cut));
        std::fs::write(&exe, &bytes).unwrap();
        std::fs::set_permissions(&exe, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
        // Both serving and --list refuse, before any port is taken.
        for args in [&["--port", "0"][..], &["--list"]] {
            let mut child = support::command_path(&exe)
                .args(args)
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            let end = std::time::Instant::now() + TIMEOUT;
            let status = loop {
                if let Some(status) = child.try_wait().unwrap() {
                    break status;
                }
                if std::time::Instant::now() > end {
                    let _ = child.kill();
                    panic!("{what}: still running: the archive was not refused");
                }
                std::thread::sleep(std::time::Duration::from_millis(10));
            };
            let err = std::io::read_to_string(child.stderr.take().unwrap()).unwrap();
            assert_eq!(status.code(), Some(2), "{what} {args:?}: {err}");
            assert!(
                err.contains("archive appended to this executable is refused"),
                "{what}: {err}"
            );
            if !named.is_empty() {
                assert!(
                    err.contains(&format!("entry \"{named}\": ")),
                    "{what}: {err}"
                );
            }
            assert!(!err.contains("listening"), "{what}: {err}");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
