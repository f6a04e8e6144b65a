//! Micro-benchmark: parse (and frame) a typical browser navigation request.
//!
//! Run with `cargo bench -p verbosel-http --bench parse`. Prints the median of
//! several rounds in nanoseconds per request (and the fastest round); std
//! only, no harness.

use std::hint::black_box;
use std::time::Instant;

use verbosel_http::{Header, ParseLimits, Parsed, analyze, parse_request};

/// A Chrome navigation request as captured from a real browser session,
/// with the host renamed: 12 fields.
const CHROME_GET: &[u8] = b"GET /blog/2024/zero-copy-parsing?ref=home HTTP/1.1\r\n\
Host: www.example.com\r\n\
Connection: keep-alive\r\n\
sec-ch-ua: \"Chromium\";v=\"124\", \"Google Chrome\";v=\"124\", \"Not-A.Brand\";v=\"99\"\r\n\
sec-ch-ua-mobile: ?0\r\n\
sec-ch-ua-platform: \"Linux\"\r\n\
Upgrade-Insecure-Requests: 1\r\n\
User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36\r\n\
Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8\r\n\
Sec-Fetch-Mode: navigate\r\n\
Referer: https://www.example.com/\r\n\
Accept-Encoding: gzip, deflate, br, zstd\r\n\
Accept-Language: en-US,en;q=0.9\r\n\
\r\n";

const ITERATIONS: u32 = 200_000;
const ROUNDS: usize = 15;

/// "median X ns (min Y ns)": the median is the headline figure; the minimum
/// shows the uncontended cost when other processes share the cores.
fn summary(mut samples: Vec<f64>) -> String {
    samples.sort_by(f64::total_cmp);
    format!(
        "median {:.1} ns/request (min {:.1})",
        samples[samples.len() / 2],
        samples[0]
    )
}

fn round<F: FnMut()>(mut f: F) -> f64 {
    let start = Instant::now();
    for _ in 0..ITERATIONS {
        f();
    }
    start.elapsed().as_nanos() as f64 / f64::from(ITERATIONS)
}

fn main() {
    let mut headers = [Header::EMPTY; 32];
    let (head, _) = match parse_request(CHROME_GET, &mut headers, &ParseLimits::DEFAULT) {
        Ok(Parsed::Complete(c)) => c,
        other => panic!("benchmark request does not parse: {other:?}"),
    };
    let fields = head.headers.len();
    analyze(&head).expect("benchmark request frames");

    let parse_only: Vec<f64> = (0..ROUNDS)
        .map(|_| {
            round(|| {
                let mut headers = [Header::EMPTY; 32];
                let r = parse_request(black_box(CHROME_GET), &mut headers, &ParseLimits::DEFAULT);
                black_box(&r);
            })
        })
        .collect();
    let parse_and_frame: Vec<f64> = (0..ROUNDS)
        .map(|_| {
            round(|| {
                let mut headers = [Header::EMPTY; 32];
                if let Ok(Parsed::Complete((head, _))) =
                    parse_request(black_box(CHROME_GET), &mut headers, &ParseLimits::DEFAULT)
                {
                    black_box(analyze(&head)).ok();
                }
            })
        })
        .collect();

    println!(
        "request: {} bytes, {} header fields; {} rounds x {} iterations",
        CHROME_GET.len(),
        fields,
        ROUNDS,
        ITERATIONS
    );
    println!("parse_request:           {}", summary(parse_only));
    println!("parse_request + analyze: {}", summary(parse_and_frame));
}
