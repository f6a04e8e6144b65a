//! Handlers that allocate, with verbosel's `alloc` feature (the heap is `main!`'s global
//! allocator).
//!
//! ```text
//! GET /words?text=…     → 200 JSON: the words of `text` counted (Vec, String, format!, BTreeMap)
//! GET /grow?mib=N       → 200 after growing a buffer to N MiB; past the heap's limit, a 500
//! GET /keep?bytes=N     → 200: keeps N bytes for the life of the process (a static's allocation)
//! GET /pid              → 200: the process serving this connection
//! GET /owned?bytes=N    → 200: N bytes built in a `Vec<u8>` the response takes (an owned body)
//! ```
#![no_std]
#![no_main]

extern crate alloc;

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;
use alloc::{format, vec};
use core::fmt::Write;
use core::sync::atomic::{AtomicUsize, Ordering};
use verbosel::raw::sys::process;
use verbosel::{App, Request, Response, Sent, get};

/// Counts the words of `text`: every request allocates a tree, its keys, a sorted list and the
/// JSON it answers with, and frees them all when it returns.
fn words(req: &Request, res: Response) -> Sent {
    let Ok(text) = req.query("text").unwrap_or(Ok("")) else {
        return res
            .status(400)
            .text("text is not valid percent-encoded UTF-8\n");
    };
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for word in text.split_whitespace() {
        *counts.entry(word.to_lowercase()).or_insert(0) += 1;
    }
    let mut by_count: Vec<(&String, &usize)> = counts.iter().collect();
    by_count.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let mut json = format!(
        "{{\"words\":{},\"distinct\":{},\"counts\":[",
        text.split_whitespace().count(),
        counts.len()
    );
    for (i, (word, n)) in by_count.iter().enumerate() {
        let sep = if i == 0 { "" } else { "," };
        let _ = write!(json, "{sep}[\"{}\",{n}]", escape(word));
    }
    json.push_str("]}");
    res.json_owned(json)
}

/// A JSON string's contents (RFC 8259 §7).
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// Grows a buffer 64 KiB at a time, writing every byte, to `mib` MiB: past the heap's limit
/// the allocation fails, which is a panic, which is a 500.
fn grow(req: &Request, res: Response) -> Sent {
    let mib: usize = req
        .query("mib")
        .and_then(|m| m.ok()?.parse().ok())
        .unwrap_or(1);
    let mut buf: Vec<u8> = Vec::new();
    let chunk = [0x5a_u8; 64 * 1024];
    while buf.len() < mib << 20 {
        buf.extend_from_slice(&chunk);
    }
    res.text_owned(format!("grew to {} MiB\n", buf.len() >> 20))
}

/// Bytes kept by `/keep` in this process so far.
static KEPT: AtomicUsize = AtomicUsize::new(0);

/// Keeps `bytes` for good, as a cache in a static would: with `--reuse`, the next connection
/// served by this process finds the heap as this one left it.
fn keep(req: &Request, res: Response) -> Sent {
    let bytes: usize = req
        .query("bytes")
        .and_then(|b| b.ok()?.parse().ok())
        .unwrap_or(0);
    let _ = vec![1u8; bytes].leak();
    let total = KEPT.fetch_add(bytes, Ordering::Relaxed) + bytes;
    res.text_owned(format!("{total}\n"))
}

fn pid(_req: &Request, res: Response) -> Sent {
    res.text_owned(format!("{}\n", process::getpid()))
}

/// `bytes` bytes counting up from 0 (mod 251, so that a misplaced byte shows), in a vector the
/// response owns and frees once it is sent.
fn owned(req: &Request, res: Response) -> Sent {
    let bytes: usize = req
        .query("bytes")
        .and_then(|b| b.ok()?.parse().ok())
        .unwrap_or(0);
    let body: Vec<u8> = (0..bytes).map(|i| (i % 251) as u8).collect();
    res.send_owned("application/octet-stream", body)
}

static APP: App = App::new(&[
    get("/words", words),
    get("/grow", grow),
    get("/keep", keep),
    get("/pid", pid),
    get("/owned", owned),
])
.name("heap", "0.1.0");

verbosel::main!(|env| APP.run(env));
