//! The panic handler's body: location and message to stderr, exit code 101 (Rust's convention).

use core::panic::PanicInfo;
use core::sync::atomic::Ordering;
use verbosel_digits::decimal;
use verbosel_sys::{BorrowedFd, io, process};

/// Runs `f` with `fd` recorded as the connection a panic should be answered on: the panic hook
/// ([`with_panic_connection`]) can then tell the client before the process dies. The record is
/// restored when `f` returns, so it never outlives the borrow.
///
/// Only a single-threaded process records anything (`process::is_single_threaded`, true in every
/// binary `verbosel_rt` starts): the record is process-wide, and with other threads one of them
/// could read it while the owner, on another, drops the descriptor.
pub fn answer_panics_on<R>(fd: BorrowedFd<'_>, f: impl FnOnce() -> R) -> R {
    if !process::is_single_threaded() {
        return f();
    }
    /// Puts the previous record back however `f` ends (a test build unwinds; `panic = "abort"`
    /// never returns here at all).
    struct Restore(i32);
    impl Drop for Restore {
        fn drop(&mut self) {
            crate::memory::panic_fd().store(self.0, Ordering::SeqCst);
        }
    }
    let _restore = Restore(crate::memory::panic_fd().swap(fd.raw() + 1, Ordering::SeqCst));
    f()
}

/// Calls `f` with the connection recorded by [`answer_panics_on`], if the code running now is
/// inside such a call (for the panic hook; elsewhere there is normally nothing recorded).
pub fn with_panic_connection(f: impl FnOnce(BorrowedFd<'_>)) {
    let raw = crate::memory::panic_fd().load(Ordering::SeqCst) - 1;
    if raw < 0 {
        return;
    }
    // SAFETY: a record exists only while `answer_panics_on`'s closure runs, in a
    // single-threaded process; its `fd` argument keeps the owner borrowed (so open) for that
    // whole call. Code that runs now runs inside that call: the closure itself, a signal handler
    // interrupting it, or the panic handler, which never returns into it. So the number is open
    // and owned for as long as `f` can use it.
    f(unsafe { BorrowedFd::borrow_raw(raw) })
}

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

/// `_Unwind_Resume`, which the prebuilt `alloc` library's landing pads call (it is built for
/// unwinding; `core`'s code that apps use has none left after LTO). With `panic = "abort"` no
/// landing pad is ever entered, so this is never called: it only satisfies the linker, as
/// `rust_eh_personality` does in `entry!`. Only with the `alloc` feature, and never where std
/// brings the real one (tests, `panic = "unwind"` builds).
#[cfg(all(feature = "alloc", not(test), panic = "abort"))]
#[unsafe(no_mangle)]
pub extern "C" fn _Unwind_Resume(_exception: *mut u8) -> ! {
    write_stderr(&[b"_Unwind_Resume called in a panic = \"abort\" program\n"]);
    process::exit_group(101)
}
