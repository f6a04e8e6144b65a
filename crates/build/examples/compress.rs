//! Compresses files with this crate's gzip and reports size and time, to compare with `gzip -9`:
//!
//! ```text
//! cargo run --release -p verbosel-build --example compress -- FILE... [--out DIR]
//! ```
//! With `--out DIR`, each result is also written to `DIR/<name>.gz` so it can be checked with
//! `gzip -t` or `gzip -dc`.

use std::time::Instant;

fn main() -> std::io::Result<()> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let out_dir = match args.iter().position(|a| a == "--out") {
        Some(i) if i + 1 < args.len() => {
            let dir = args.remove(i + 1);
            args.remove(i);
            Some(std::path::PathBuf::from(dir))
        }
        _ => None,
    };
    if args.is_empty() {
        eprintln!("usage: compress FILE... [--out DIR]");
        std::process::exit(2);
    }
    for path in &args {
        let data = std::fs::read(path)?;
        let start = Instant::now();
        let packed = verbosel_build::gzip(&data, 0);
        let elapsed = start.elapsed();
        println!(
            "{path}: {} -> {} bytes ({:.1}%) in {:.1} ms ({:.1} MB/s)",
            data.len(),
            packed.len(),
            100.0 * packed.len() as f64 / data.len().max(1) as f64,
            elapsed.as_secs_f64() * 1e3,
            data.len() as f64 / 1e6 / elapsed.as_secs_f64().max(1e-9)
        );
        if let Some(dir) = &out_dir {
            let name = std::path::Path::new(path)
                .file_name()
                .map_or("out".into(), |n| n.to_string_lossy().into_owned());
            std::fs::write(dir.join(format!("{name}.gz")), &packed)?;
        }
    }
    Ok(())
}
