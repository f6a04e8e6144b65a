//! The generator end to end: a temporary folder becomes generated Rust source, which is checked as
//! text and then compiled with `rustc` against `crates/assets` and run, so the table is known to
//! build and to serve what the folder holds.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, UNIX_EPOCH};
use verbosel_build::{Site, sha256, to_hex};

/// RFC 9110's example instant, Sun, 06 Nov 1994 08:49:37 GMT.
const MTIME: u64 = 784_111_777;

/// A fresh folder under the system temporary directory, unique per test and process.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("verbosel-build-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(root: &Path, rel: &str, body: &[u8]) {
    let path = root.join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(&path, body).unwrap();
    let file = fs::File::options().write(true).open(&path).unwrap();
    file.set_modified(UNIX_EPOCH + Duration::from_secs(MTIME))
        .unwrap();
}

fn text(n: usize) -> Vec<u8> {
    let line = b"body { margin: 0 auto; padding: 1rem; font-family: system-ui, sans-serif; }\n";
    line.iter().copied().cycle().take(n).collect()
}

/// Builds the sample site and returns (site folder, output folder), named after the test.
fn sample_site(test: &str) -> (PathBuf, PathBuf) {
    let root = temp_dir(&format!("{test}-www"));
    write(
        &root,
        "index.html",
        b"<!doctype html><title>Home</title><p>@@SYSCALLS@@ syscalls</p>",
    );
    write(
        &root,
        "404.html",
        b"<!doctype html><title>Not found</title>",
    );
    write(&root, "app.3f9a1c2b.js", &text(5000));
    write(&root, "style.css", &text(3000));
    write(&root, "logo.png", &[0x89, b'P', b'N', b'G', 1, 2, 3, 4]);
    write(
        &root,
        "docs/index.html",
        b"<!doctype html><title>Docs</title>",
    );
    write(&root, "empty.txt", b"");
    write(&root, ".hidden", b"secret");
    write(&root, ".git/config", b"[core]");
    let out = temp_dir(&format!("{test}-out"));
    (root, out)
}

fn generate(root: &Path, out: &Path, runtime: &str) -> String {
    let mut site = Site::from_dir(root).unwrap();
    site.add_file("/bench.json", b"{\"rps\":1}".to_vec());
    site.replace_in("/index.html", "@@SYSCALLS@@", "42");
    site.runtime_path(runtime);
    site.write_rust(out.join("assets.rs")).unwrap();
    fs::read_to_string(out.join("assets.rs")).unwrap()
}

/// The text of the entry for `path` in the generated source.
fn entry<'a>(source: &'a str, path: &str) -> &'a str {
    let start = source
        .find(&format!("path: {path:?},"))
        .unwrap_or_else(|| panic!("no entry for {path}"));
    let end = source[start..].find("},\n").unwrap() + start;
    &source[start..end]
}

#[test]
fn generated_source_lists_the_folder_sorted_with_headers() {
    let (root, out) = sample_site("text");
    let source = generate(&root, &out, "verbosel_assets");

    assert!(source.starts_with("// @generated"));
    assert!(
        source.contains("pub static ASSETS: verbosel_assets::Assets = verbosel_assets::Assets {")
    );
    assert!(source.contains("static VERBOSEL_ASSET_FILES: [verbosel_assets::Asset; 8] = ["));
    // Sorted bytewise, dotfiles skipped, the generated file included.
    let order = [
        "/404.html",
        "/app.3f9a1c2b.js",
        "/bench.json",
        "/docs/index.html",
        "/empty.txt",
        "/index.html",
        "/logo.png",
        "/style.css",
    ];
    let positions: Vec<usize> = order
        .iter()
        .map(|p| source.find(&format!("path: {p:?},")).unwrap())
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]));
    assert!(!source.contains("hidden") && !source.contains(".git"));
    assert!(source.contains("not_found: Some(&VERBOSEL_ASSET_FILES[0]),"));

    let index = entry(&source, "/index.html");
    assert!(index.contains("mime: \"text/html; charset=utf-8\","));
    assert!(index.contains("cache_control: \"no-cache\","));
    let replaced = b"<!doctype html><title>Home</title><p>42 syscalls</p>";
    let etag = format!("etag: \"\\\"{}\\\"\",", &to_hex(&sha256(replaced))[..16]);
    assert!(index.contains(&etag), "{index}\n{etag}");
    // Substituted content is new as of this build, not as of the file.
    assert!(!index.contains(&format!("modified_unix: {MTIME},")));

    let css = entry(&source, "/style.css");
    assert!(css.contains("last_modified: \"Sun, 06 Nov 1994 08:49:37 GMT\","));
    assert!(css.contains(&format!("modified_unix: {MTIME},")));
    assert!(css.contains("cache_control: \"public, max-age=3600\","));
    assert!(css.contains("gzip: Some(include_bytes!("));

    let js = entry(&source, "/app.3f9a1c2b.js");
    assert!(js.contains("mime: \"text/javascript; charset=utf-8\","));
    assert!(js.contains("cache_control: \"public, max-age=31536000, immutable\","));

    let png = entry(&source, "/logo.png");
    assert!(png.contains("mime: \"image/png\","));
    assert!(png.contains("gzip: None,"), "PNG is not compressible");
    assert!(
        entry(&source, "/empty.txt").contains("gzip: None,"),
        "gzip would be larger"
    );
    assert!(
        entry(&source, "/404.html").contains("gzip: None,"),
        "a 40-byte page does not shrink"
    );
    assert!(entry(&source, "/bench.json").contains("mime: \"application/json\","));

    // The bodies beside the source hold the final bytes.
    let body_of = |e: &str, key: &str| {
        let start = e.find(&format!("{key}include_bytes!(\"")).unwrap() + key.len() + 16;
        let end = e[start..].find('"').unwrap() + start;
        fs::read(&e[start..end]).unwrap()
    };
    assert_eq!(body_of(index, "body: "), replaced);
    assert_eq!(body_of(css, "body: "), text(3000));
    let gz = body_of(css, "gzip: Some(");
    assert!(gz.len() < 300 && gz.starts_with(&[0x1F, 0x8B]));
    if let Ok(mut child) = Command::new("gzip")
        .arg("-dc")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
    {
        use std::io::Write;
        child.stdin.take().unwrap().write_all(&gz).unwrap();
        let output = child.wait_with_output().unwrap();
        assert!(output.status.success());
        assert_eq!(output.stdout, text(3000));
    } else {
        eprintln!("SKIPPED: the gzip -dc check: gzip is not installed");
    }

    // Default runtime path is the facade's.
    let out2 = temp_dir("out-default");
    let site = Site::from_dir(&root).unwrap();
    site.write_rust(out2.join("table.rs")).unwrap();
    let default = fs::read_to_string(out2.join("table.rs")).unwrap();
    assert!(default.contains("pub static ASSETS: verbosel::assets::Assets"));
    assert!(out2.join("table-bodies").is_dir());

    let _ = fs::remove_dir_all(&root);
    let _ = fs::remove_dir_all(&out);
    let _ = fs::remove_dir_all(&out2);
}

/// Runs in a child process (see the next test) so that setting SOURCE_DATE_EPOCH does not leak
/// into the other tests of this binary.
#[test]
fn source_date_epoch_child() {
    if std::env::var_os("VERBOSEL_BUILD_SDE_CHILD").is_none() {
        return;
    }
    let root = temp_dir("sde-www");
    write(&root, "a.txt", b"a");
    let out = temp_dir("sde-out");
    let mut site = Site::from_dir(&root).unwrap();
    site.add_file("/b.txt", b"b".to_vec());
    site.write_rust(out.join("assets.rs")).unwrap();
    let source = fs::read_to_string(out.join("assets.rs")).unwrap();
    for path in ["/a.txt", "/b.txt"] {
        let e = entry(&source, path);
        assert!(e.contains("modified_unix: 1000000000,"), "{e}");
        assert!(
            e.contains("last_modified: \"Sun, 09 Sep 2001 01:46:40 GMT\","),
            "{e}"
        );
    }
    let _ = fs::remove_dir_all(&root);
    let _ = fs::remove_dir_all(&out);
}

#[test]
fn source_date_epoch_overrides_file_times() {
    let status = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "source_date_epoch_child", "--test-threads=1"])
        .env("VERBOSEL_BUILD_SDE_CHILD", "1")
        .env("SOURCE_DATE_EPOCH", "1000000000")
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn output_is_deterministic() {
    let (root, out) = sample_site("determinism");
    let mut site = Site::from_dir(&root).unwrap();
    site.runtime_path("verbosel_assets");
    site.write_rust(out.join("assets.rs")).unwrap();
    let first = fs::read(out.join("assets.rs")).unwrap();
    let first_gz = fs::read(out.join("assets-bodies/0001.gz")).unwrap();
    site.write_rust(out.join("assets.rs")).unwrap();
    assert_eq!(fs::read(out.join("assets.rs")).unwrap(), first);
    assert_eq!(
        fs::read(out.join("assets-bodies/0001.gz")).unwrap(),
        first_gz
    );
    let _ = fs::remove_dir_all(&root);
    let _ = fs::remove_dir_all(&out);
}

/// Compiles the generated table with `rustc` together with `crates/assets` (built from its source
/// files, with the one crate it uses, `crates/digits`: the build helper may not depend on the
/// runtime crate) and runs lookups against it.
#[test]
fn generated_source_compiles_against_the_runtime_crate() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_string());
    let (root, out) = sample_site("rustc");
    generate(&root, &out, "verbosel_assets");

    let rlib = |name: &str, src: &Path, externs: &[&str]| {
        let mut cmd = Command::new(&rustc);
        cmd.args([
            "--edition",
            "2024",
            "--crate-type",
            "rlib",
            "--crate-name",
            name,
        ])
        .arg(src)
        .arg("--out-dir")
        .arg(&out)
        .arg("-L")
        .arg(&out);
        for e in externs {
            cmd.args(["--extern", e]);
        }
        let built = cmd.output().unwrap();
        assert!(
            built.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&built.stderr)
        );
    };
    rlib("verbosel_digits", &crates.join("digits/src/lib.rs"), &[]);
    rlib(
        "verbosel_assets",
        &crates.join("assets/src/lib.rs"),
        &["verbosel_digits"],
    );

    let main = out.join("main.rs");
    fs::write(
        &main,
        format!(
            r#"#![deny(warnings)]
include!({:?});
use verbosel_assets::{{Conditions, Lookup, respond}};
fn found(path: &[u8]) -> &'static verbosel_assets::Asset {{
    match ASSETS.lookup(path) {{
        Lookup::Found(a) => a,
        other => panic!("{{other:?}}"),
    }}
}}
fn main() {{
    assert_eq!(found(b"/").path, "/index.html");
    assert_eq!(found(b"/docs/").path, "/docs/index.html");
    assert_eq!(ASSETS.lookup(b"/docs"), Lookup::RedirectToDir);
    assert_eq!(ASSETS.lookup(b"/.hidden"), Lookup::NotFound);
    assert_eq!(ASSETS.not_found.map(|a| a.path), Some("/404.html"));
    let css = found(b"/style.css");
    let gz = Conditions {{ accept_encoding: Some(b"gzip"), ..Default::default() }};
    let reply = respond(css, &gz);
    assert!(reply.gzip && reply.vary_accept_encoding && reply.body.len() < css.body.len());
    let again = Conditions {{ if_none_match: Some(css.etag.as_bytes()), ..Default::default() }};
    assert_eq!(respond(css, &again).status, 304);
    print!("{{}} files; {{}}", ASSETS.files.len(), core::str::from_utf8(found(b"/").body).unwrap());
}}
"#,
            out.join("assets.rs").to_str().unwrap()
        ),
    )
    .unwrap();
    let exe = out.join("check");
    let bin = Command::new(&rustc)
        .args(["--edition", "2024", "--crate-type", "bin"])
        .arg(&main)
        .arg("--extern")
        .arg(format!(
            "verbosel_assets={}",
            out.join("libverbosel_assets.rlib").display()
        ))
        .arg("-L")
        .arg(&out)
        .arg("-o")
        .arg(&exe)
        .output()
        .unwrap();
    assert!(
        bin.status.success(),
        "{}",
        String::from_utf8_lossy(&bin.stderr)
    );
    let run = Command::new(&exe).output().unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert_eq!(
        String::from_utf8(run.stdout).unwrap(),
        "8 files; <!doctype html><title>Home</title><p>42 syscalls</p>"
    );
    let _ = fs::remove_dir_all(&root);
    let _ = fs::remove_dir_all(&out);
}
