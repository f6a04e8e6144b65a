//! The README tells the truth: its flag list is the binary's `--help`, its sandbox tables are the
//! filter's allow-lists, its benchmark and size tables are the generated ones.

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
        .chain(verbosel::raw::sandbox::ALLOWED_HEAP)
        .chain(verbosel::raw::sandbox::ALLOWED_FOLDER)
        .chain(verbosel::raw::sandbox::ALLOWED_DATA);
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

#[test]
fn readme_size_table_is_the_generated_one() {
    // Every binary's size for x86_64 and aarch64, as bench/tools/size.sh last built them
    // (bench/tools/readme.sh copies the block; no figure in it is typed).
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let sizes = std::fs::read_to_string(root.join("bench/results/size.md")).unwrap();
    let block = |text: &str| {
        let (begin, end) = ("<!-- sizes:begin -->", "<!-- sizes:end -->");
        text.find(begin)
            .zip(text.find(end))
            .map(|(a, b)| text[a..b].to_string())
    };
    let generated = block(&sizes).expect("bench/results/size.md has the sizes block");
    assert!(generated.contains("| `verbosel` |") && generated.contains("aarch64"));
    assert_eq!(
        block(&readme()).as_deref(),
        Some(generated.as_str()),
        "README's size table differs from bench/results/size.md: run bench/tools/readme.sh"
    );
}
