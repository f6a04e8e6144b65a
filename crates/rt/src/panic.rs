//! The panic handler's body: location and message to stderr, exit code 101 (Rust's convention).

use core::panic::PanicInfo;
use verbosel_digits::decimal;
use verbosel_sys::{BorrowedFd, io, process};

/// Writes to stderr, ignoring errors: there is nobody left to tell.
pub fn write_stderr(parts: &[&[u8]]) {
    for p in parts {
        let _ = io::write_all(BorrowedFd::STDERR, p);
    }
}

/// Prints `panicked at FILE:LINE:COL: MESSAGE` to stderr and exits the process with code 101.
///
/// Only messages without format arguments are printed verbatim (`PanicMessage::as_str`);
/// formatting the others would link all of `core::fmt` into every binary, so they print as
/// "(formatted message)" — the location still says exactly where.
pub fn panic(info: &PanicInfo<'_>) -> ! {
    let mut line = [0u8; verbosel_digits::DECIMAL_DIGITS];
    let mut col = [0u8; verbosel_digits::DECIMAL_DIGITS];
    let (file, l, c) = match info.location() {
        Some(loc) => (loc.file().as_bytes(), loc.line(), loc.column()),
        None => (&b"<unknown>"[..], 0, 0),
    };
    let msg = info.message().as_str().unwrap_or("(formatted message)");
    write_stderr(&[
        b"panicked at ",
        file,
        b":",
        decimal(u64::from(l), &mut line),
        b":",
        decimal(u64::from(c), &mut col),
        b": ",
        msg.as_bytes(),
        b"\n",
    ]);
    process::exit_group(101)
}
