//! Looks for an archive at the end of a file and validates it as the server will at start:
//! prints where it is and what it holds, or the problem and the entry it names.
//!
//! ```text
//! cargo run -p verbosel-zip --example zip_check -- FILE...
//! ```
//! Exit status: 0 when every file has a valid archive or none, 2 when one is refused.

use std::io::Write;
use std::time::Instant;
use verbosel_zip::{Archive, Limits, MIN_WINDOW_LEN, Method};

// Writes to stdout, ignoring a closed pipe (`zip_check FILE | head -1`).
macro_rules! say {
    ($($t:tt)*) => {{ let _ = writeln!(std::io::stdout(), $($t)*); }};
}

fn main() {
    let mut status = 0;
    for path in std::env::args().skip(1) {
        let file = std::fs::read(&path).expect(&path);
        match Archive::find(&file) {
            Ok(None) => say!("{path}: no archive ({} bytes)", file.len()),
            Ok(Some(archive)) => {
                let mut memory = vec![0u64; archive.index_words()];
                let mut scratch = vec![0u8; MIN_WINDOW_LEN];
                let mut arena = Vec::new();
                // Each way three times, the median shown: structure (passes 1-3), then the data
                // through the window, then the data inflated into an arena.
                let mut rounds: Vec<[f64; 3]> = Vec::new();
                let mut outcome = Ok(());
                for _ in 0..3 {
                    let t = Instant::now();
                    let unverified = match archive.index(&Limits::DEFAULT, &mut memory) {
                        Ok(u) => u,
                        Err(e) => {
                            outcome = Err(e
                                .entry
                                .map(String::from_utf8_lossy)
                                .unwrap_or_default()
                                .into_owned()
                                + ": "
                                + e.problem.reason());
                            break;
                        }
                    };
                    let structure = t.elapsed().as_secs_f64();
                    arena.resize(unverified.inflated_len(), 0);
                    let t = Instant::now();
                    if let Err(e) = unverified.verify(&mut scratch) {
                        outcome = Err(e
                            .entry
                            .map(String::from_utf8_lossy)
                            .unwrap_or_default()
                            .into_owned()
                            + ": "
                            + e.problem.reason());
                        break;
                    }
                    let windowed = t.elapsed().as_secs_f64();
                    let unverified = archive
                        .index(&Limits::DEFAULT, &mut memory)
                        .expect("as before");
                    let t = Instant::now();
                    unverified.verify_into(&mut arena).expect("as before");
                    rounds.push([structure, windowed, t.elapsed().as_secs_f64()]);
                }
                if let Err(why) = outcome {
                    status = 2;
                    say!("{path}: refused: {why}");
                    continue;
                }
                let ms = |step: usize| {
                    let mut t: Vec<f64> = rounds.iter().map(|r| r[step]).collect();
                    t.sort_by(f64::total_cmp);
                    t[t.len() / 2] * 1e3
                };
                let index = archive
                    .index(&Limits::DEFAULT, &mut memory)
                    .expect("as before");
                let inflated = index.inflated_len();
                let index = index.verify(&mut scratch).expect("as before");
                let dir = archive.central_directory();
                say!(
                    "{path}: archive of {} entries ({} files), central directory at {}..{}, \
                     offsets counted from byte {} ({}){}",
                    archive.entry_count(),
                    index.len(),
                    dir.start,
                    dir.end,
                    archive.base(),
                    if archive.base() == 0 {
                        "start of file"
                    } else {
                        "archive's own start"
                    },
                    if archive.is_zip64() { ", Zip64" } else { "" },
                );
                say!(
                    "  validation (median of 3): structure {:.2} ms; data through the window {:.2} ms, \
                     or inflated into {inflated} bytes of arena {:.2} ms",
                    ms(0),
                    ms(1),
                    ms(2)
                );
                for e in index.iter() {
                    let method = match e.method {
                        Method::Stored => "stored",
                        Method::Deflated => "deflated",
                    };
                    say!(
                        "  /{:<40} {:>9} bytes {:<8} {:>9} in the file, crc {:08x}, mtime {}",
                        String::from_utf8_lossy(e.name),
                        e.size,
                        method,
                        e.data.len(),
                        e.crc32,
                        e.modified
                    );
                }
            }
            Err(e) => {
                status = 2;
                say!("{path}: refused: {}", e.problem.reason());
            }
        }
    }
    std::process::exit(status);
}
