//! From `_start` to `main`.
//!
//! The initial stack, as the kernel leaves it (System V x86-64 ABI §3.4.1; the same on aarch64,
//! where the kernel builds it with the same code, `create_elf_tables` in fs/binfmt_elf.c):
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
#[cfg(not(target_arch = "x86_64"))]
const AT_PAGESZ: usize = 6;
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
            match *aux {
                AT_SYSINFO_EHDR => time::init_vdso(*aux.add(1)),
                // x86_64 has one page size; an aarch64 kernel has one of three.
                #[cfg(not(target_arch = "x86_64"))]
                AT_PAGESZ => verbosel_sys::pages::set_size(*aux.add(1)),
                _ => {}
            }
            aux = aux.add(2);
        }
    }
    // SAFETY: the kernel's auxiliary vector, as above, for the life of the process.
    #[cfg(all(target_arch = "aarch64", panic = "abort"))]
    unsafe {
        crate::auxv::record(auxv)
    };
    crate::inherited::claim_at_start();
    // SAFETY: the layout above; checked only in debug builds.
    #[cfg(debug_assertions)]
    unsafe {
        check_stack_layout(sp, argc, argv, envp, auxv)
    };
    // SAFETY: argv holds argc strings then NULL, envp is NULL-terminated, both for the process's
    // whole life (the kernel's layout).
    let env = unsafe { Env::new(argc, argv.cast(), envp.cast()) };
    process::exit_group(main(env))
}

/// Auxiliary vector pairs read at most when checking it: Linux passes a few dozen
/// (`AT_VECTOR_SIZE` in linux/mm_types.h), so a vector without `AT_NULL` this far in is broken.
#[cfg(debug_assertions)]
const MAX_AUXV_PAIRS: usize = 128;

/// A word whose stored value is the address of [`RELOCATION_TARGET`]: right only once the
/// relocator has added the load base to it.
#[cfg(debug_assertions)]
static RELOCATION_PROBE: &u8 = &RELOCATION_TARGET;
#[cfg(debug_assertions)]
static RELOCATION_TARGET: u8 = 0;

/// The start-up stack's shape, checked in debug builds as origin checks it: a kernel or a
/// trampoline that broke the ABI fails here, by name, rather than somewhere in `main`. Release
/// start-up stays small and simple to disassemble.
///
/// # Safety
/// The arguments are what `start` derived from the kernel's initial stack.
#[cfg(debug_assertions)]
unsafe fn check_stack_layout(
    sp: *const usize,
    argc: usize,
    argv: *const usize,
    envp: *const usize,
    auxv: *const usize,
) {
    const AT_PHDR: usize = 3;
    const AT_PAGESZ: usize = 6;
    const AT_BASE: usize = 7;
    debug_assert!(
        core::ptr::eq(RELOCATION_PROBE, &RELOCATION_TARGET),
        "the relocator ran: a stored address holds its run-time value"
    );
    debug_assert!(
        sp.addr().is_multiple_of(16),
        "the initial stack pointer is 16-byte aligned (x86-64 psABI §3.4.1, AAPCS64 §6.4.5.1)"
    );
    // SAFETY: the caller's promise: argv holds argc pointers and a NULL, envp follows it and is
    // NULL-terminated, auxv follows that; every read below stays within them.
    unsafe {
        debug_assert!(
            (0..argc).all(|i| *argv.add(i) != 0),
            "argv holds argc strings"
        );
        debug_assert_eq!(*argv.add(argc), 0, "argv ends with NULL");
        debug_assert_eq!(envp, argv.add(argc + 1), "envp follows argv's NULL");
        let (mut pagesz, mut phdr, mut base, mut end) = (0, 0, usize::MAX, None);
        for i in 0..MAX_AUXV_PAIRS {
            let (kind, value) = (*auxv.add(2 * i), *auxv.add(2 * i + 1));
            match kind {
                AT_NULL => {
                    end = Some(auxv.add(2 * i + 2));
                    break;
                }
                AT_PAGESZ => pagesz = value,
                AT_PHDR => phdr = value,
                AT_BASE => base = value,
                _ => {}
            }
        }
        let Some(end) = end else {
            panic!("the auxiliary vector ends with AT_NULL within MAX_AUXV_PAIRS");
        };
        debug_assert!(
            pagesz.is_power_of_two() && pagesz >= 4096,
            "AT_PAGESZ is a page size"
        );
        debug_assert_ne!(
            phdr, 0,
            "AT_PHDR gives the program headers (the relocator used it)"
        );
        debug_assert_eq!(
            base, 0,
            "no interpreter loaded this static binary (AT_BASE)"
        );
        // The strings live above the vectors that point at them.
        let above = |string: usize| string >= end.addr();
        debug_assert!(
            (0..argc).all(|i| above(*argv.add(i))),
            "argv's strings lie above the auxiliary vector"
        );
        let mut e = envp;
        while *e != 0 {
            debug_assert!(above(*e), "envp's strings lie above the auxiliary vector");
            e = e.add(1);
        }
    }
}
