//! What the tests share: the fixtures that testdata/make_fixtures.py wrote, the formulas it made
//! their contents with, and inputs for the inflater.

/// `text(n)` of make_fixtures.py: a head and `n` numbered paragraphs.
pub fn fixture_text(n: usize) -> Vec<u8> {
    let mut out = String::from("<!doctype html>\n<title>fixture</title>\n");
    for i in 0..n {
        out.push_str(&format!(
            "<p>paragraph {i}: the quick brown fox jumps over the lazy dog</p>\n"
        ));
    }
    out.into_bytes()
}

/// `noise(n, seed)` of make_fixtures.py: a 31-bit LCG's bits 16..24.
pub fn fixture_noise(n: usize, seed: u32) -> Vec<u8> {
    let mut x = seed;
    (0..n)
        .map(|_| {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345) & 0x7FFF_FFFF;
            (x >> 16) as u8
        })
        .collect()
}

/// `CSS` of make_fixtures.py.
pub fn fixture_css() -> Vec<u8> {
    let mut out = String::from("body{margin:0}\n");
    for i in 0..100u64 {
        out.push_str(&format!(
            ".c{i}{{color:#{:06x}}}\n",
            i * 2_654_435_761 % 0xFF_FFFF
        ));
    }
    out.into_bytes()
}

/// One raw DEFLATE stream from zlib with what it inflates to.
pub struct ZlibStream {
    pub name: String,
    pub size: usize,
    pub crc32: u32,
    pub stream: &'static [u8],
}

/// The records of testdata/zlib_streams.bin.
pub fn zlib_streams() -> Vec<ZlibStream> {
    let mut d: &'static [u8] = include_bytes!("../testdata/zlib_streams.bin");
    let mut out = Vec::new();
    let u32_at = |b: &[u8], i: usize| u32::from_le_bytes(b[i..i + 4].try_into().unwrap());
    while !d.is_empty() {
        let n = usize::from(d[0]);
        let name = String::from_utf8(d[1..1 + n].to_vec()).unwrap();
        d = &d[1 + n..];
        let (size, crc32, len) = (u32_at(d, 0), u32_at(d, 4), u32_at(d, 8) as usize);
        out.push(ZlibStream {
            name,
            size: size as usize,
            crc32,
            stream: &d[12..12 + len],
        });
        d = &d[12 + len..];
    }
    out
}

/// xorshift64 (Marsaglia 2003): reproducible incompressible bytes.
pub fn random_bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 56) as u8
        })
        .collect()
}

/// Inputs for round trips through the build helper's encoder, named for failure messages.
pub fn inputs() -> Vec<(&'static str, Vec<u8>)> {
    let all_bytes: Vec<u8> = (0..=255u8).collect();
    let mut runs = vec![0u8; 70_000];
    runs.extend(std::iter::repeat_n(b'z', 1000));
    runs.extend((0..5000u32).map(|i| (i % 3) as u8));
    // A random chunk repeated: copies reach back up to 32 KiB, across block boundaries.
    let chunk = random_bytes(20_000, 3);
    let mut repeated = Vec::new();
    for _ in 0..5 {
        repeated.extend_from_slice(&chunk);
        repeated.extend_from_slice(b"--separator--");
    }
    let mut mixed = Vec::new();
    for k in 0..6 {
        mixed.extend_from_slice(&fixture_text(300));
        mixed.extend_from_slice(&random_bytes(40_000, k));
    }
    // Short periods (2..=7 bytes), which copies repeat in place.
    let periods: Vec<u8> = (2..8u8)
        .flat_map(|p| (0..3000u32).map(move |i| b'a' + (i % u32::from(p)) as u8))
        .collect();
    vec![
        ("empty", Vec::new()),
        ("one byte", vec![b'A']),
        ("all 256 byte values", all_bytes.clone()),
        ("all byte values four times", all_bytes.repeat(4)),
        ("long runs", runs),
        ("short periods", periods),
        ("random 100k", random_bytes(100_000, 2)),
        ("text 300k", fixture_text(5000)),
        ("repeated random > 64 KiB", repeated),
        ("text and noise", mixed),
    ]
}
