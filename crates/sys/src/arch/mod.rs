//! The architecture layer: raw syscall entry points and naked trampolines.
//!
//! Exactly one submodule is compiled, chosen by `target_arch`; it provides `syscall0`..`syscall6`
//! (each returns the kernel's raw return value, `-4095..=-1` meaning `-errno`), `exit_group`, the
//! signal restorer `restore_rt`, and the `start_trampoline!` macro that emits a naked `_start`.
//! x86_64 comes first; an aarch64 port needs its own file here and its numbers in `nr`.

#[cfg(target_arch = "x86_64")]
mod x86_64;
#[cfg(target_arch = "x86_64")]
pub use x86_64::*;

#[cfg(not(target_arch = "x86_64"))]
compile_error!("verbosel supports x86_64 Linux for now (see crates/sys/src/arch/mod.rs)");
