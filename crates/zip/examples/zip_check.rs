//! Looks for an archive at the end of a file and validates it as the server will at start:
//! prints where it is and what it holds, or the problem and the entry it names.
//!
//! ```text
//! cargo run -p verbosel-zip --example zip_check -- FILE...
//! ```
//! Exit status: 0 when every file has a valid archive or none, 2 when one is refused.

use std::io::Write;
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
                let start = std::time::Instant::now();
                match archive.validate(&Limits::DEFAULT, &mut memory, &mut scratch) {
                    Ok(index) => {
                        let dir = archive.central_directory();
                        say!(
                            "{path}: archive of {} entries ({} files), central directory at {}..{}, \
                             offsets counted from byte {} ({}){}, validated in {:.2} ms",
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
                            start.elapsed().as_secs_f64() * 1e3
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
                        let entry = e.entry.map(String::from_utf8_lossy).unwrap_or_default();
                        say!("{path}: refused: {entry}: {}", e.problem.reason());
                    }
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
