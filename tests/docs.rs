//! The README tells the truth: its flag list is the binary's `--help`, its sandbox tables are the
//! filter's allow-lists, and its size figures are within reach of the current build.

mod support;
use std::path::PathBuf;
use std::process::Command;

fn readme() -> String {
    std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap()
}

#[test]
fn readme_flags_are_the_help_output() {
    let out = Command::new(support::bin("verbosel"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    assert!(
        readme().contains(help.trim_end()),
        "README's flag list differs from --help:\n{help}"
    );
}

#[test]
fn readme_sandbox_table_is_the_allow_list() {
    let readme = readme();
    let sandbox = verbosel::raw::sandbox::ALLOWED
        .iter()
        .chain(verbosel::raw::sandbox::ALLOWED_HEAP);
    // By name, with each architecture's number (verbosel_sys::nr has one table for each).
    use verbosel::raw::sys::nr::{aarch64, x86_64};
    for (name, why) in sandbox {
        let x86 = x86_64::TABLE.number(name).unwrap();
        let arm = aarch64::TABLE.number(name).unwrap();
        let row = format!("| `{name}` | {x86} | {arm} | {why} |");
        assert!(readme.contains(&row), "README lacks {row}");
    }
}

#[test]
fn readme_benchmark_tables_are_the_last_run() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let Ok(table) = std::fs::read_to_string(root.join("bench/results/latest.md")) else {
        assert!(
            readme().contains("Not yet measured"),
            "no results, yet the README quotes some"
        );
        return;
    };
    let body = table
        .split_once('\n')
        .map(|(_, rest)| rest)
        .unwrap_or(&table)
        .trim();
    let readme = readme();
    let block = &readme
        [readme.find("<!-- bench:begin -->").unwrap()..readme.find("<!-- bench:end -->").unwrap()];
    assert!(
        block.contains(body),
        "README's benchmark section differs from bench/results/latest.md: run bench/tools/readme.sh"
    );
}
