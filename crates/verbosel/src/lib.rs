//! # verbosel
//!
//! A web framework for Linux that refuses to abstract: no libc, no runtime, no crates. Your
//! binary has its own `_start`, talks to the kernel in raw syscalls, is statically linked, and
//! serves every connection from its own fork()ed process, sandboxed with seccomp.
//!
//! ```ignore
//! #![no_std]
//! #![no_main]
//!
//! use verbosel::{App, Request, Response, Sent, get};
//!
//! fn index(_req: &Request, res: Response) -> Sent {
//!     res.text("Hello, World!")
//! }
//!
//! fn hello(req: &Request, res: Response) -> Sent {
//!     res.text_parts(&["Hello, ", req.param("name").unwrap_or("stranger"), "!"])
//! }
//!
//! static APP: App = App::new(&[get("/", index), get("/hello/:name", hello)]);
//!
//! verbosel::main!(|env| APP.run(env));
//! ```
//!
//! (That example is `examples/hello.rs`, built and tested by `cargo test`; it cannot run as a
//! doctest because a doctest links the C runtime, which brings its own `_start`.)
//!
//! A handler is a plain function: it reads the [`Request`] and answers through the
//! [`Response`], returning the [`Sent`] that only a response can produce. See the README's
//! "Build your own" section for the two-line `build.rs` and the `Cargo.toml` profile settings.
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub use verbosel_assets as assets;
pub use verbosel_http::Method;
pub use verbosel_rt::Env;
#[cfg(feature = "data")]
pub use verbosel_server::DataFolder;
pub use verbosel_server::{
    App, Config, CookieError, FormError, Handler, Mode, Request, Response, Route, SameSite, Sent,
    SetCookie, Stream, Undecodable, delete, get, json_escape, patch, post, put,
};

/// The layers underneath, for programs that want them: raw syscalls, the HTTP parser, the router,
/// the sandbox, the server's modules.
pub mod raw {
    pub use verbosel_digits as digits;
    pub use verbosel_http as http;
    pub use verbosel_router as router;
    pub use verbosel_sandbox as sandbox;
    pub use verbosel_server as server;
    pub use verbosel_sys as sys;
}

/// The heap, with the `alloc` feature: the global allocator [`main!`] declares.
#[cfg(feature = "alloc")]
pub use verbosel_rt::{HEAP_LIMIT, Heap};

#[doc(hidden)]
pub use verbosel_rt as __rt;
#[doc(hidden)]
pub use verbosel_server::on_panic as __on_panic;

/// Declares the program's entry point: emits `_start` and the panic handler into your binary.
///
/// The argument is a `fn(Env) -> i32` — a function path or a closure that captures nothing —
/// whose result is the exit code; usually `|env| APP.run(env)`. A binary without this macro
/// does not compile ("`#[panic_handler]` function required").
///
/// A handler that panics kills only its own connection's process: the client gets a 500 if no
/// response had started, the parent logs the exit code 101, and the server keeps serving.
///
/// With the `alloc` feature it also declares the program's `#[global_allocator]`: a [`Heap`]
/// limited to [`HEAP_LIMIT`] bytes per process. An allocation it refuses is a panic, so the
/// same rule holds: a 500 if nothing was sent yet, and the server keeps serving.
#[macro_export]
macro_rules! main {
    ($main:expr) => {
        $crate::__rt::entry!($main, |_info: &::core::panic::PanicInfo<'_>| {
            $crate::__on_panic()
        });
        $crate::__global_heap!();
    };
}

/// `main!`'s global allocator when the `alloc` feature is on. The feature is this crate's, and a
/// `cfg` inside `main!` would be evaluated in the app's crate instead: hence one definition of
/// this macro per setting. It lives in the binary, never in a library, so test harnesses keep
/// std's allocator.
#[cfg(feature = "alloc")]
#[doc(hidden)]
#[macro_export]
macro_rules! __global_heap {
    () => {
        #[global_allocator]
        static __VERBOSEL_HEAP: $crate::Heap = $crate::Heap::new($crate::HEAP_LIMIT);
    };
}

/// Without the `alloc` feature: nothing, and the binary is what it was.
#[cfg(not(feature = "alloc"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __global_heap {
    () => {};
}
