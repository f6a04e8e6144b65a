//! Deterministic test inputs shared by the DEFLATE and gzip tests, and the decoders they check the
//! output with: verbosel-zip's inflater (the workspace's one), as a `Vec` for the tests' ease.

/// Inflates a whole raw DEFLATE stream, which must end exactly at the end of `data`.
pub fn inflate(data: &[u8]) -> Result<Vec<u8>, &'static str> {
    let mut window = vec![0u8; verbosel_zip::MIN_WINDOW_LEN];
    let size = verbosel_zip::inflate_check(data, &mut window, usize::MAX)
        .map_err(|e| e.reason())?
        .size;
    let mut out = vec![0u8; size];
    let done = verbosel_zip::inflate(data, &mut out).map_err(|e| e.reason())?;
    if done.consumed != data.len() {
        return Err("trailing bytes after the final block");
    }
    Ok(out)
}

/// Decodes a single-member gzip file and checks its CRC-32 and ISIZE (RFC 1952 §2.3).
pub fn gunzip(data: &[u8]) -> Result<Vec<u8>, &'static str> {
    if data.len() < 18 || data[..4] != [0x1F, 0x8B, 8, 0] {
        return Err("not a gzip member without optional fields");
    }
    let out = inflate(&data[10..data.len() - 8])?;
    let trailer = &data[data.len() - 8..];
    if trailer[..4] != verbosel_zip::crc32(&out).to_le_bytes() {
        return Err("CRC-32 mismatch");
    }
    if trailer[4..] != (out.len() as u32).to_le_bytes() {
        return Err("ISIZE mismatch");
    }
    Ok(out)
}

/// xorshift64 (Marsaglia 2003): a few lines, reproducible, good enough to make incompressible bytes.
pub struct XorShift(pub u64);

impl XorShift {
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
}

pub fn random_bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut rng = XorShift(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    (0..len).map(|_| (rng.next_u64() >> 56) as u8).collect()
}

/// Pseudo-English: words drawn from a small vocabulary with sentence punctuation and markup, so
/// that it has the repetition profile of a real page rather than a single repeated phrase.
pub fn generated_text(len: usize) -> Vec<u8> {
    const WORDS: &[&str] = &[
        "the",
        "server",
        "process",
        "request",
        "response",
        "header",
        "kernel",
        "fork",
        "socket",
        "static",
        "binary",
        "without",
        "runtime",
        "connection",
        "keep-alive",
        "and",
        "of",
        "a",
        "to",
        "is",
        "every",
        "its",
        "own",
        "page",
        "cache",
        "byte",
        "range",
        "gzip",
        "window",
        "Huffman",
        "literal",
        "distance",
        "length",
        "block",
        "stream",
        "deflate",
        "encoder",
    ];
    let mut rng = XorShift(0x2545_F491_4F6C_DD1D);
    let mut out = Vec::with_capacity(len + 64);
    let mut sentence = 0;
    while out.len() < len {
        if sentence == 0 {
            out.extend_from_slice(b"<p class=\"para\">");
        }
        let w = WORDS[(rng.next_u64() % WORDS.len() as u64) as usize];
        out.extend_from_slice(w.as_bytes());
        sentence += 1;
        if sentence > 6 && rng.next_u64().is_multiple_of(5) {
            out.extend_from_slice(b".</p>\n");
            sentence = 0;
        } else {
            out.push(b' ');
        }
    }
    out.truncate(len);
    out
}

pub const HTML: &str = "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
<title>A page</title>\n<link rel=\"stylesheet\" href=\"/style.css\">\n</head>\n<body>\n\
<h1>Embedded pages</h1>\n<p>The quick brown fox jumps over the lazy dog. The quick brown fox \
jumps over the lazy dog again, because repetition is what LZ77 finds.</p>\n<ul>\n\
<li><a href=\"/one.html\">One</a></li>\n<li><a href=\"/two.html\">Two</a></li>\n\
<li><a href=\"/three.html\">Three</a></li>\n</ul>\n</body>\n</html>\n";

/// Every input the round-trip tests run, with a name for failure messages.
pub fn inputs() -> Vec<(&'static str, Vec<u8>)> {
    let all_bytes: Vec<u8> = (0..=255u8).collect();
    let mut runs = vec![0u8; 70_000];
    runs.extend(std::iter::repeat_n(b'z', 1000));
    runs.extend((0..5000u32).map(|i| (i % 3) as u8));
    // A random chunk repeated: the copies reach back across block boundaries (blocks close every
    // 16 Ki symbols, and the first copy alone is 20,000 literals), and the whole exceeds 64 KiB.
    let chunk = random_bytes(20_000, 3);
    let mut repeated = Vec::new();
    for _ in 0..5 {
        repeated.extend_from_slice(&chunk);
        repeated.extend_from_slice(b"--separator--");
    }
    // Text and noise interleaved: blocks alternate between Huffman-coded and stored.
    let mut mixed = Vec::new();
    for k in 0..6 {
        mixed.extend_from_slice(&generated_text(30_000));
        mixed.extend_from_slice(&random_bytes(40_000, k));
    }
    vec![
        ("empty", Vec::new()),
        ("one byte", vec![b'A']),
        ("two bytes", vec![0, 0]),
        ("all 256 byte values", all_bytes.clone()),
        ("all byte values four times", all_bytes.repeat(4)),
        ("long runs", runs),
        ("random 1000", random_bytes(1000, 1)),
        ("random 100k", random_bytes(100_000, 2)),
        ("english html", HTML.as_bytes().to_vec()),
        ("generated text 300k", generated_text(300_000)),
        ("repeated random > 64 KiB", repeated),
        ("text and noise", mixed),
    ]
}
