//! Program start-up without libc.
//!
//! A binary built on verbosel has no C runtime: the kernel jumps to `_start`, which this crate's
//! [`entry!`] macro emits into the binary together with the panic handler. From there
//! [`start`] finds `argc`, `argv`, `envp` and the auxiliary vector on the initial stack, locates the
//! vDSO so that reading the clock costs no syscall, runs `main`, and exits with its code.
//!
//! The crate also defines the memory functions that compiled Rust code calls (`memcpy`, `memmove`,
//! `memset`, `memcmp`, `bcmp`, `strlen`): `compiler_builtins` does not provide them on these
//! targets; and on aarch64 `getauxval`, which compiler-builtins' atomics ask (see `auxv.rs`).
//!
//! # Safety
//!
//! `unsafe` lives here and in `verbosel-sys` only. The start-up code trusts the stack layout the
//! kernel guarantees (System V ABI, §3.4.1 "Initial Stack and Register State"); the mem functions
//! trust their callers, the compiler, to pass valid ranges — the C contract; the heap trusts its
//! callers to keep `GlobalAlloc`'s contract, and the kernel to map what mmap(2) says it mapped.
//!
//! Start-up also establishes what `verbosel-sys`'s safe API relies on, before `main`: the process
//! has one thread (`process::assume_single_threaded`), the standard streams are open, and the
//! descriptors it inherited are recorded, to be claimed once ([`take_listen_fd`]).
#![cfg_attr(not(test), no_std)]
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

mod auxv;
mod cpu;
mod env;
#[cfg(any(test, feature = "alloc"))]
mod heap;
mod inherited;
mod mem;
mod memory;
mod panic;
mod relocate;
mod start;

pub use cpu::{CpuBudget, cpu_request_started, cpu_retiring, watch_cpu};
pub use env::Env;
#[cfg(any(test, feature = "alloc"))]
pub use heap::{HEAP_LIMIT, Heap};
pub use inherited::take_listen_fd;
pub use memory::{CONNECTION_MEMORY, FLAGS, connection_memory, flag};
pub use panic::{answer_panics_on, panic, with_panic_connection, write_stderr};
pub use start::start;

#[doc(hidden)]
pub use relocate::relocate as __relocate;

#[doc(hidden)]
pub use verbosel_sys as sys;

/// Emits the program's entry points into the binary crate: `_start`, the panic handler and
/// (for debug builds of `panic = "abort"` binaries) the `rust_eh_personality` stub.
///
/// `$main` is a `fn(Env) -> i32` (a path or a non-capturing closure); its return value is the exit
/// code. A binary that forgets this macro fails to compile with "`#[panic_handler]` function
/// required", never with a link error.
///
/// `$on_panic` (optional) runs first when the program panics — the server uses it to answer a
/// 500 on the connection — then the message and location go to stderr and the process exits 101.
#[macro_export]
macro_rules! entry {
    ($main:expr) => {
        $crate::entry!($main, |_info: &::core::panic::PanicInfo<'_>| {});
    };
    ($main:expr, $on_panic:expr) => {
        $crate::sys::start_trampoline!($crate::__relocate, __verbosel_start);

        #[doc(hidden)]
        extern "C" fn __verbosel_start(sp: *const usize) -> ! {
            let main: fn($crate::Env) -> i32 = $main;
            // SAFETY: `sp` is the initial stack pointer, passed by `_start` straight from the kernel.
            unsafe { $crate::start(sp, main) }
        }

        #[cfg(panic = "abort")]
        #[panic_handler]
        fn __verbosel_panic(info: &::core::panic::PanicInfo<'_>) -> ! {
            let on_panic: fn(&::core::panic::PanicInfo<'_>) = $on_panic;
            on_panic(info);
            $crate::panic(info)
        }

        // The prebuilt libcore names the unwinding personality even though `panic = "abort"`
        // never unwinds (without LTO the reference survives); an empty definition satisfies the
        // linker.
        #[cfg(panic = "abort")]
        #[unsafe(no_mangle)]
        extern "C" fn rust_eh_personality() {}

        // `cargo test` compiles every binary and example of the package with `panic = "unwind"`
        // (the test profile ignores `panic = "abort"`), and unwinding needs std's personality
        // routine. Such a build only has to compile: tests run binaries built normally.
        #[cfg(panic = "unwind")]
        extern crate std;
    };
}
