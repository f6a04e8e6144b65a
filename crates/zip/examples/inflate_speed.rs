//! Inflate throughput on real files: each file is compressed with the build helper's DEFLATE
//! encoder (or read as a ZIP archive's deflated entries), then inflated many times.
//!
//! ```text
//! cargo run --release -p verbosel-zip --example inflate_speed -- [--runs N] FILE...
//! ```
//! A file ending in `.zip` contributes its deflated entries as they are (zlib's or InfoZIP's
//! DEFLATE, not ours). Prints, over all inputs together, the median of N runs for: `inflate`
//! into a buffer of the exact size, `inflate_check` (sliding 64 KiB window and CRC-32, what
//! validation does), and CRC-32 alone. MB/s are of inflated output (10^6 bytes per second).

use std::time::Instant;
use verbosel_zip::{Archive, Limits, MIN_WINDOW_LEN, Method, crc32, inflate, inflate_check};

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut runs = 15;
    if let Some(i) = args.iter().position(|a| a == "--runs") {
        runs = args[i + 1].parse().expect("--runs N");
        args.drain(i..i + 2);
    }
    let mut streams: Vec<(Vec<u8>, usize)> = Vec::new();
    for path in &args {
        let data = std::fs::read(path).expect(path);
        if path.ends_with(".zip") {
            let archive = Archive::find(&data)
                .expect("valid archive")
                .expect("an archive");
            let mut memory = vec![0u64; archive.index_words()];
            let mut scratch = vec![0u8; MIN_WINDOW_LEN];
            let index = archive
                .validate(&Limits::DEFAULT, &mut memory, &mut scratch)
                .expect("valid archive");
            for entry in index.iter() {
                if entry.method == Method::Deflated {
                    streams.push((entry.data.to_vec(), entry.size));
                }
            }
        } else {
            streams.push((verbosel_build::deflate(&data), data.len()));
        }
    }
    let total: usize = streams.iter().map(|s| s.1).sum();
    let packed: usize = streams.iter().map(|s| s.0.len()).sum();
    println!(
        "{} streams, {total} bytes inflated from {packed} ({:.1}%), median of {runs} runs",
        streams.len(),
        100.0 * packed as f64 / total.max(1) as f64
    );
    let mut outs: Vec<Vec<u8>> = streams.iter().map(|s| vec![0u8; s.1]).collect();
    let mut window = vec![0u8; MIN_WINDOW_LEN];

    let flat = median(runs, || {
        for ((stream, _), out) in streams.iter().zip(outs.iter_mut()) {
            inflate(stream, out).expect("inflates");
        }
    });
    let check = median(runs, || {
        for (stream, size) in &streams {
            inflate_check(stream, &mut window, *size).expect("inflates");
        }
    });
    let crc = median(runs, || {
        for out in &outs {
            std::hint::black_box(crc32(out));
        }
    });
    for (name, secs) in [
        ("inflate (into a buffer)", flat),
        ("inflate_check (window + CRC-32)", check),
        ("crc32 alone", crc),
    ] {
        println!(
            "{name:<34} {:>8.1} MB/s  ({:.2} ms per pass)",
            total as f64 / 1e6 / secs,
            secs * 1e3
        );
    }
}

fn median(runs: usize, mut f: impl FnMut()) -> f64 {
    f();
    let mut times: Vec<f64> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed().as_secs_f64()
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}
