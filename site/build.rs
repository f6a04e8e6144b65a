//! Builds the landing site: embeds site/www with the build's own figures filled in.
//!
//! Figures on the page come from the build itself (the syscall table, the accept loop's source)
//! or from the last committed benchmark run (bench/results/latest.json); nothing is typed by hand.

use std::{env, fs, path::Path};

fn main() {
    // A static position-independent executable with our own `_start`: no C start files, no
    // libc, no dynamic loader, and loaded at a random address (verbosel_rt relocates it before
    // any Rust code runs). Then, for size only: relative relocations packed (DT_RELR, 8 bytes per
    // run of pointers instead of 24 per pointer), no unwind tables (nothing unwinds with
    // panic = "abort"), no RELRO page padding, no build-id note.
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/rt/link/no-unwind-tables.ld");
    for kind in ["bins", "examples"] {
        println!("cargo::rustc-link-arg-{kind}=-nostartfiles");
        println!("cargo::rustc-link-arg-{kind}=-static-pie");
        println!(
            "cargo::rustc-link-arg-{kind}=-Wl,-z,pack-relative-relocs,-z,norelro,--build-id=none,-T,{}",
            script.display()
        );
    }

    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Path::new(&env::var("OUT_DIR").expect("OUT_DIR")).to_path_buf();
    let loop_src = root.join("crates/server/src/supervisor.rs");
    let bench = root.join("bench/results/latest.json");
    println!("cargo::rerun-if-changed={}", loop_src.display());
    println!("cargo::rerun-if-changed={}", bench.display());

    let mut site = verbosel_build::Site::from_dir(root.join("site/www")).expect("site/www");
    let figures = verbosel_build::bench::Figures::load(&bench);
    // The table of the architecture being built for (this script runs on the build machine).
    let arch = env::var("CARGO_CFG_TARGET_ARCH").expect("CARGO_CFG_TARGET_ARCH");
    let table = verbosel_sys::nr::Table::of(&arch).expect("a supported target_arch");
    site.replace_in(
        "/index.html",
        "@@SYSCALLS@@",
        &table.calls.len().to_string(),
    );
    site.replace_in(
        "/index.html",
        "@@ACCEPT_LOOP@@",
        &escape(&accept_loop(&loop_src)),
    );
    site.replace_in("/index.html", "@@BINARY_SIZE@@", &figures.binary_size());
    site.replace_in("/index.html", "@@COLD_START@@", &figures.cold_start());
    site.replace_in("/index.html", "@@BENCH@@", &figures.html());
    site.write_rust(out.join("assets.rs"))
        .expect("write assets.rs");

    // The static-site example embeds its own folder.
    let example = verbosel_build::Site::from_dir(root.join("examples/static-site/www"))
        .expect("examples/static-site/www");
    example
        .write_rust(out.join("static-site.rs"))
        .expect("write static-site.rs");
}

/// The accept loop, between the `page:accept-loop` markers, without its indentation.
fn accept_loop(path: &Path) -> String {
    let src = fs::read_to_string(path).expect("supervisor.rs");
    let begin = src.find("// page:accept-loop:begin").expect("begin marker");
    let end = src.find("// page:accept-loop:end").expect("end marker");
    let body = &src[begin..end];
    let body = &body[body.find('\n').map_or(0, |i| i + 1)..];
    body.lines()
        .map(|l| l.strip_prefix("    ").unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n")
        .trim_end()
        .to_string()
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
