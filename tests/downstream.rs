//! A new user's first build: the crate in tests/downstream is exactly what the README's
//! "Build your own" section tells a user to write. It is built as its own project (outside the
//! workspace, path dependency on verbosel), run, and asked for a page over TCP.

mod support;
use std::path::PathBuf;
use std::process::Command;
use support::Server;

fn downstream() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/downstream")
}

#[test]
fn readme_shows_the_downstream_crate_verbatim() {
    let readme =
        std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("README.md"))
            .unwrap();
    for file in ["Cargo.toml", "build.rs", "src/main.rs"] {
        let text = std::fs::read_to_string(downstream().join(file)).unwrap();
        // The README's copy uses a placeholder path for the dependency.
        let text = text.replace("../../crates/verbosel", "/path/to/verbosel/crates/verbosel");
        assert!(
            readme.contains(text.trim()),
            "README lacks {file} as written:\n{text}"
        );
    }
}

#[test]
fn a_user_crate_builds_static_and_serves() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
        .join("downstream");
    let status = Command::new(env!("CARGO"))
        .args(["build", "--quiet", "--release"])
        .current_dir(downstream())
        .env("CARGO_TARGET_DIR", &target)
        .status()
        .expect("cargo build");
    assert!(status.success(), "the downstream crate did not build");
    let exe = target.join("release/my-app");
    let elf = std::fs::read(&exe).unwrap();
    // The README's release profile makes the small binary: 62,464 bytes when measured, 112,064
    // without it (unoptimised for size, unstripped). The budget leaves room for growth, not for
    // losing the profile.
    const BUDGET: usize = 72 * 1024;
    assert!(
        elf.len() <= BUDGET,
        "the downstream binary is {} bytes, over its budget of {BUDGET}: is the release profile lost?",
        elf.len()
    );
    assert_eq!(&elf[..4], b"\x7fELF");
    // Static-PIE with the README's two link flags (its relocations unpacked, DT_RELA: the
    // relocator's other path), and it serves, so it relocated itself.
    support::assert_static_pie(&exe);
    let s = Server::start_path(&exe, &["--quiet"]);
    let r = s.get("/hello/Ada%20Lovelace");
    assert_eq!(
        (r.status, r.text().as_str()),
        (200, "Hello, Ada Lovelace!\n")
    );
}
