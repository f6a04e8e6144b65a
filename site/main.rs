//! The verbosel landing site: the project's own page, served from the binary.
#![no_std]
#![no_main]

use core::sync::atomic::{AtomicU64, Ordering};
use verbosel::raw::digits::decimal;
use verbosel::raw::sys::{fs, process};
use verbosel::{App, Request, Response, Sent, get};

mod www {
    include!(concat!(env!("OUT_DIR"), "/assets.rs"));
}

/// The running binary's size, measured once at start-up from /proc/self/exe: the figure on the
/// page is the size of the very program that serves it.
static BINARY_BYTES: AtomicU64 = AtomicU64::new(0);

/// Live figures for the page's stats bar.
fn stats(_req: &Request, res: Response) -> Sent {
    let (mut size, mut count, mut pid) = ([0u8; 20], [0u8; 20], [0u8; 20]);
    res.header("Cache-Control", "no-store").json_parts(&[
        b"{\"binary_bytes\":",
        decimal(BINARY_BYTES.load(Ordering::Relaxed), &mut size),
        b",\"syscalls\":",
        decimal(verbosel::raw::sys::SYSCALLS.len() as u64, &mut count),
        b",\"pid\":",
        decimal(process::getpid() as u64, &mut pid),
        b"}",
    ])
}

// `/healthz` is built in: every verbosel app answers it (see `verbosel_server::app::HEALTHZ`).
static APP: App = App::new(&[get("/stats.json", stats)])
    .name("verbosel", env!("CARGO_PKG_VERSION"))
    .assets(&www::ASSETS);

verbosel::main!(|env| {
    if let Ok(exe) = fs::open(c"/proc/self/exe", fs::O_RDONLY_CLOEXEC) {
        BINARY_BYTES.store(fs::size(exe.as_fd()).unwrap_or(0), Ordering::Relaxed);
    }
    APP.run(env)
});
