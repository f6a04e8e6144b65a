//! The release binaries as the kernel sees them: static position-independent executables (ELF
//! type DYN, no interpreter, no shared libraries) whose only relocations are the relative ones
//! verbosel_rt applies in `_start`, so the kernel loads each run at its own random address.
//! This is the build-time check of the relocator's one assumption: a relocation of any other
//! type in any release binary fails it.

mod support;
use support::{
    Server, TIMEOUT, assert_static_pie, load_address, release_bin_dir, relocation_defects,
    wait_until,
};

/// Every binary the workspace builds: the site and the examples.
const BINARIES: [&str; 5] = [
    "verbosel",
    "examples/hello",
    "examples/api",
    "examples/static-site",
    "examples/misbehave",
];

#[test]
fn every_release_binary_is_static_pie_with_only_relative_relocations() {
    for name in BINARIES {
        if !assert_static_pie(&release_bin_dir().join(name)) {
            return;
        }
    }
}

#[test]
fn every_debug_binary_is_static_pie_too() {
    // The integration tests run the debug builds: the relocator is exercised there as well.
    for name in BINARIES {
        if !assert_static_pie(&support::bin(name)) {
            return;
        }
    }
}

#[test]
fn the_relocation_check_refuses_every_other_type() {
    for (_, relative) in support::RELATIVE_RELOCATIONS {
        refuses_every_type_but(relative);
    }
}

fn refuses_every_type_but(relative: &str) {
    let ok = format!(
        "\nRelocation section '.rela.dyn' at offset 0x1c8 contains 1 entry:\n    \
         Offset             Info             Type               Symbol's Value  Symbol's Name + Addend\n\
         000000000000e0b8  0000000000000008 {relative}                 3510\n\n\
         Relocation section '.relr.dyn' at offset 0x1e0 contains 2 entries:\n  \
         4 offsets\n000000000000dc58\n000000000000dc68\n"
    );
    assert_eq!(relocation_defects(&ok, relative), Vec::<String>::new());
    for other in [
        "R_X86_64_64",
        "R_X86_64_GLOB_DAT",
        "R_X86_64_IRELATIVE",
        "R_X86_64_RELATIVE",
        "R_AARCH64_ABS64",
        "R_AARCH64_GLOB_DAT",
        "R_AARCH64_IRELATIVE",
        "R_AARCH64_RELATIVE",
    ] {
        if other == relative {
            continue;
        }
        let bad = ok.replacen(relative, other, 1);
        assert_eq!(
            relocation_defects(&bad, relative).len(),
            1,
            "{other} accepted"
        );
    }
    let plt = "Relocation section '.rela.plt' at offset 0x36c0 contains 1 entry:\n  \
               Offset          Info           Type           Sym. Value    Sym. Name + Addend\n\
               000000004018  000200000007 R_X86_64_JUMP_SLOT 0000000000000000 memcpy + 0\n";
    assert_eq!(relocation_defects(plt, relative).len(), 1);
}

#[test]
fn the_same_binary_runs_at_a_different_address_each_time() {
    let exe = release_bin_dir().join("examples/hello");
    let first = Server::start_path(&exe, &["--quiet"]);
    let second = Server::start_path(&exe, &["--quiet"]);
    let (a, b) = (
        load_address(first.pid(), &exe),
        load_address(second.pid(), &exe),
    );
    // Linked at 0, loaded elsewhere: the relocator moved every stored address.
    assert!(a != 0 && b != 0);
    if support::emulated() {
        // qemu-user (7.2) loads every position-independent binary at one guest address
        // (0x55_0000_0000 for aarch64): no randomness to see, but the relocator ran all the same.
        eprintln!("NOT UNDER EMULATION: a random base; both runs are at {a:#x}");
    } else {
        // With 28 bits of randomness (vm.mmap_rnd_bits) two equal bases would be a 1 in 2^28
        // event; a fixed address, as a non-PIE ET_EXEC has, would make every run equal.
        assert_ne!(a, b, "both runs loaded hello at {a:#x}");
    }
    // Every connection process is a fork: it shares its parent's layout. (Read from a spare
    // before any request: a spare that has served exits.)
    assert!(
        wait_until(TIMEOUT, || !first.children().is_empty()),
        "no spare"
    );
    let spare = first.children()[0];
    assert_eq!(load_address(spare, &exe), a);
    // And both run, relocated.
    assert_eq!(first.get("/hello/pie").text(), "Hello, pie!");
    assert_eq!(second.get("/hello/pie").text(), "Hello, pie!");
}
