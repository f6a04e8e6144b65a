use super::*;
use crate::crc32::crc32;
use crate::testdata;

/// Inflates into a buffer of exactly `size` bytes, and again through the smallest streaming
/// window, and checks both agree with `size` and `crc`.
fn both_ways(stream: &[u8], size: usize, crc: u32) -> Vec<u8> {
    let mut out = vec![0u8; size];
    let done = inflate(stream, &mut out).unwrap();
    assert_eq!(
        done,
        Inflated {
            consumed: stream.len(),
            written: size
        }
    );
    assert_eq!(crc32(&out), crc);
    let mut window = vec![0u8; MIN_WINDOW_LEN];
    let checked = inflate_check(stream, &mut window, size).unwrap();
    assert_eq!(
        checked,
        Checked {
            consumed: stream.len(),
            size,
            crc32: crc
        }
    );
    out
}

#[test]
fn hand_made_streams() {
    // A stored block holding "hi": BFINAL=1 BTYPE=00, LEN=2, NLEN=!2.
    assert_eq!(
        both_ways(&[0x01, 0x02, 0x00, 0xFD, 0xFF, b'h', b'i'], 2, crc32(b"hi")),
        b"hi"
    );
    // A fixed-code block for "a" (`printf a | gzip -9`, without the gzip framing).
    assert_eq!(both_ways(&[0x4B, 0x04, 0x00], 1, crc32(b"a")), b"a");
    // An empty fixed block (BFINAL=1, BTYPE=01, end-of-block): what zlib writes for no input.
    assert_eq!(both_ways(&[0x03, 0x00], 0, 0), b"");
}

#[test]
fn refuses_malformed_streams() {
    let cases: &[(&str, &[u8], InflateError)] = &[
        ("empty input", &[], InflateError::Truncated),
        (
            "reserved block type",
            &[0x07],
            InflateError::ReservedBlockType,
        ),
        (
            "LEN/NLEN mismatch",
            &[0x01, 0x02, 0x00, 0xFD, 0xFE, b'h', b'i'],
            InflateError::StoredLengthMismatch,
        ),
        (
            "stored block cut short",
            &[0x01, 0x05, 0x00, 0xFA, 0xFF, b'h', b'i'],
            InflateError::Truncated,
        ),
        (
            "stored header cut short",
            &[0x01, 0x05, 0x00],
            InflateError::Truncated,
        ),
        // A fixed block whose first symbol is a copy (length 3: code 257 = 0000001, distance 1).
        (
            "copy before any output",
            &[0x03, 0x02, 0x00],
            InflateError::DistanceTooFar,
        ),
        // Not final, and nothing after it.
        ("no final block", &[0x02, 0x00], InflateError::Truncated),
        // Dynamic header: HLIT = 257 + 31 = 288 codes.
        (
            "too many literal/length codes",
            &[0x05 | 31 << 3, 0x00, 0x00],
            InflateError::TooManyCodes,
        ),
        // Dynamic header with HCLEN = 4 whose code lengths (16, 17, 18, 0) are all 1 bit.
        (
            "over-subscribed code-length code",
            &[0x05, 0x00, 0x92, 0x04],
            InflateError::OversubscribedCode,
        ),
    ];
    for &(name, stream, want) in cases {
        let mut out = [0u8; 64];
        assert_eq!(inflate(stream, &mut out), Err(want), "{name}");
        let mut window = vec![0u8; MIN_WINDOW_LEN];
        assert_eq!(inflate_check(stream, &mut window, 64), Err(want), "{name}");
    }
}

#[test]
fn round_trips_the_build_helpers_encoder() {
    for (name, input) in testdata::inputs() {
        let packed = verbosel_build::deflate(&input);
        assert!(
            both_ways(&packed, input.len(), crc32(&input)) == input,
            "{name}"
        );
    }
}

#[test]
fn reads_every_zlib_stream() {
    let streams = testdata::zlib_streams();
    assert!(streams.len() > 50, "{}", streams.len());
    for s in &streams {
        let mut out = vec![0u8; s.size];
        let done = inflate(s.stream, &mut out);
        assert_eq!(
            done,
            Ok(Inflated {
                consumed: s.stream.len(),
                written: s.size
            }),
            "{}",
            s.name
        );
        assert_eq!(crc32(&out), s.crc32, "{}", s.name);
        let mut window = vec![0u8; MIN_WINDOW_LEN];
        let checked = inflate_check(s.stream, &mut window, s.size);
        assert_eq!(
            checked,
            Ok(Checked {
                consumed: s.stream.len(),
                size: s.size,
                crc32: s.crc32
            }),
            "{}",
            s.name
        );
    }
    // The contents too, where the formula is known.
    let text = streams
        .iter()
        .find(|s| s.name == "text-level9-whole")
        .unwrap();
    let mut out = vec![0u8; text.size];
    inflate(text.stream, &mut out).unwrap();
    assert!(out == testdata::fixture_text(150));
}

#[test]
fn every_strict_prefix_is_refused() {
    let input = testdata::fixture_text(40);
    for stream in [
        verbosel_build::deflate(&input),
        testdata::zlib_streams()[0].stream.to_vec(),
    ] {
        let mut out = vec![0u8; 1 << 16];
        let full = inflate(&stream, &mut out).unwrap();
        assert_eq!(full.consumed, stream.len());
        for cut in 0..stream.len() {
            assert!(
                inflate(&stream[..cut], &mut out).is_err(),
                "prefix of {cut} bytes"
            );
        }
    }
}

#[test]
fn output_beyond_the_room_is_refused_and_costs_only_the_room() {
    let input = testdata::fixture_text(500);
    let packed = verbosel_build::deflate(&input);
    // One byte short, in a buffer and as a streaming limit.
    let mut out = vec![0u8; input.len() - 1];
    assert_eq!(inflate(&packed, &mut out), Err(InflateError::OutputFull));
    let mut window = vec![0u8; MIN_WINDOW_LEN];
    assert_eq!(
        inflate_check(&packed, &mut window, input.len() - 1),
        Err(InflateError::OutputFull)
    );

    // A bomb: 100 MB of zeros is about 100 KB of DEFLATE (our encoder: ~1 KB per MB). Declared as
    // 1 KB, it is refused after at most that much output; the whole stream is never inflated.
    let bomb = verbosel_build::deflate(&vec![0u8; 100 << 20]);
    assert!(bomb.len() < 200_000, "{}", bomb.len());
    let start = std::time::Instant::now();
    assert_eq!(
        inflate_check(&bomb, &mut window, 1024),
        Err(InflateError::OutputFull)
    );
    let mut small = [0u8; 1024];
    assert_eq!(inflate(&bomb, &mut small), Err(InflateError::OutputFull));
    // No wall-clock assertion (the machine is shared); a failure here would be a hang, not a
    // slow pass. Printed for the curious.
    eprintln!("bomb refused in {:?}", start.elapsed());
}

#[test]
fn trailing_bytes_are_not_consumed() {
    let mut stream = verbosel_build::deflate(b"hello hello hello");
    let len = stream.len();
    stream.extend_from_slice(b"trailing");
    let mut out = [0u8; 17];
    assert_eq!(
        inflate(&stream, &mut out),
        Ok(Inflated {
            consumed: len,
            written: 17
        })
    );
}

#[test]
fn streaming_needs_its_minimum_window() {
    let mut window = vec![0u8; MIN_WINDOW_LEN - 1];
    assert_eq!(
        inflate_check(&[0x03, 0x00], &mut window, 0),
        Err(InflateError::WindowTooSmall)
    );
}

#[test]
fn a_larger_buffer_keeps_the_bytes_it_reports() {
    // Room to spare lets copies move whole words; what is reported written is still exact.
    for (name, input) in testdata::inputs() {
        let packed = verbosel_build::deflate(&input);
        let mut out = vec![0xEEu8; input.len() + 64];
        let done = inflate(&packed, &mut out).unwrap();
        assert_eq!(done.written, input.len(), "{name}");
        assert!(out[..input.len()] == input[..], "{name}");
    }
}
