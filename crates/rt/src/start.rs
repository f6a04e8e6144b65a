//! From `_start` to `main`.
//!
//! The initial stack, as the kernel leaves it (System V x86-64 ABI §3.4.1):
//!
//! ```text
//!   sp -> argc
//!         argv[0] .. argv[argc-1]   pointers to NUL-terminated strings
//!         NULL
//!         envp[0] .. envp[n-1]      "NAME=value"
//!         NULL
//!         auxv: (type, value) pairs, ending with (AT_NULL, 0)
//!         ... the strings themselves, higher up
//! ```

use crate::env::Env;
use verbosel_sys::{process, time};

const AT_NULL: usize = 0;
const AT_SYSINFO_EHDR: usize = 33;

/// Runs `main` and exits with its return value.
///
/// # Safety
/// `sp` must be the initial stack pointer the kernel passed to `_start`, after the relocator ran.
pub unsafe fn start(sp: *const usize, main: fn(Env) -> i32) -> ! {
    // `_start` has already run the relocator (`relocate.rs`): every stored address holds its
    // run-time value, and this is ordinary Rust.
    // SAFETY: the layout above is guaranteed by the kernel for the initial stack.
    let (argc, argv, envp, auxv) = unsafe {
        let argc = *sp;
        let argv = sp.wrapping_add(1);
        let envp = argv.wrapping_add(argc).wrapping_add(1);
        let mut p = envp;
        while *p != 0 {
            p = p.wrapping_add(1);
        }
        (argc, argv, envp, p.wrapping_add(1))
    };
    // SAFETY: the kernel starts a process with one thread, and nothing in sys or rt can start
    // another (see `assume_single_threaded`).
    unsafe { process::assume_single_threaded() };
    let mut aux = auxv;
    // SAFETY: auxv is (type, value) pairs ending with AT_NULL.
    unsafe {
        while *aux != AT_NULL {
            if *aux == AT_SYSINFO_EHDR {
                time::init_vdso(*aux.add(1));
            }
            aux = aux.add(2);
        }
    }
    crate::inherited::claim_at_start();
    // SAFETY: argv holds argc strings then NULL, envp is NULL-terminated, both for the process's
    // whole life (the kernel's layout).
    let env = unsafe { Env::new(argc, argv.cast(), envp.cast()) };
    process::exit_group(main(env))
}
