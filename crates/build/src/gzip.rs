//! gzip file format (RFC 1952): one member wrapping a DEFLATE stream.

use crate::deflate::deflate;
use verbosel_zip::crc32;

/// Member header magic (RFC 1952 §2.3.1: ID1, ID2).
const MAGIC: [u8; 2] = [0x1F, 0x8B];
/// CM = 8: DEFLATE, the only method defined.
const METHOD_DEFLATE: u8 = 8;
/// XFL = 2: "compressor used maximum compression, slowest algorithm".
const XFL_MAXIMUM: u8 = 2;
/// OS = 255: unknown. The output then does not depend on the machine that ran the build.
const OS_UNKNOWN: u8 = 255;

/// Compresses `data` as a single gzip member with no optional fields (FLG = 0) and the given MTIME
/// (RFC 1952 §2.3.1; 0 means "no time stamp"). The output is deterministic.
pub fn gzip(data: &[u8], mtime: u32) -> Vec<u8> {
    let compressed = deflate(data);
    let mut out = Vec::with_capacity(compressed.len() + 18);
    out.extend_from_slice(&MAGIC);
    out.push(METHOD_DEFLATE);
    out.push(0); // FLG: no FTEXT, FHCRC, FEXTRA, FNAME or FCOMMENT
    out.extend_from_slice(&mtime.to_le_bytes());
    out.push(XFL_MAXIMUM);
    out.push(OS_UNKNOWN);
    out.extend_from_slice(&compressed);
    out.extend_from_slice(&crc32(data).to_le_bytes());
    // ISIZE is the input size modulo 2^32 (§2.3.1).
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdata;
    use crate::testdata::gunzip;
    use std::io::Write;
    use std::process::{Command, Stdio};

    /// Decompresses with an external tool: `gzip -dc`, else Python's gzip module. `None` if neither
    /// can be started.
    fn external_gunzip(data: &[u8]) -> Option<Vec<u8>> {
        let tools: [(&str, &[&str]); 2] = [
            ("gzip", &["-dc"]),
            (
                "python3",
                &[
                    "-c",
                    "import gzip,sys; sys.stdout.buffer.write(gzip.decompress(sys.stdin.buffer.read()))",
                ],
            ),
        ];
        for (program, args) in tools {
            let Ok(mut child) = Command::new(program)
                .args(args)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
            else {
                continue;
            };
            // Feed stdin from a thread: the child may fill its stdout pipe before reading all input.
            let mut stdin = child.stdin.take().unwrap();
            let input = data.to_vec();
            let writer = std::thread::spawn(move || stdin.write_all(&input));
            let output = child.wait_with_output().unwrap();
            writer.join().unwrap().unwrap();
            assert!(
                output.status.success(),
                "{program} rejected our output: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            return Some(output.stdout);
        }
        None
    }

    #[test]
    fn header_and_trailer_fields() {
        let z = gzip(b"hello", 0x0102_0304);
        assert_eq!(&z[..10], &[0x1F, 0x8B, 8, 0, 4, 3, 2, 1, 2, 255]);
        assert_eq!(&z[z.len() - 8..z.len() - 4], &crc32(b"hello").to_le_bytes());
        assert_eq!(&z[z.len() - 4..], &5u32.to_le_bytes());
    }

    #[test]
    fn round_trips_through_the_test_inflater() {
        for (name, input) in testdata::inputs() {
            assert_eq!(
                gunzip(&gzip(&input, 0)).as_deref(),
                Ok(&input[..]),
                "{name}"
            );
        }
    }

    #[test]
    fn round_trips_through_system_gunzip() {
        for (name, input) in testdata::inputs() {
            let Some(out) = external_gunzip(&gzip(&input, 1_700_000_000)) else {
                eprintln!("SKIPPED: neither `gzip` nor `python3` is installed");
                return;
            };
            assert!(out == input, "{name}: external gunzip disagrees");
        }
    }

    #[test]
    fn deterministic_for_equal_input_and_mtime() {
        let text = testdata::generated_text(10_000);
        assert_eq!(gzip(&text, 5), gzip(&text, 5));
    }
}
