//! Relocating a static-PIE binary before any Rust code reads a relocated word.
//!
//! A position-independent executable is linked as if it were loaded at address 0; the kernel
//! maps it at a random base instead (ASLR). Code reaches its own data relative to the instruction
//! pointer, so it runs anywhere; but a *stored* address — a `&'static str` inside a static, a
//! vtable, a table of handlers, a GOT entry — holds the link-time value until someone adds the
//! base. Without an interpreter that someone is us: glibc's static-PIE start files call
//! `_dl_relocate_static_pie`, origin relocates in its `_start`, and so does this module.
//!
//! The program headers come from the auxiliary vector (`AT_PHDR`, `AT_PHNUM`); the base is where
//! the kernel put them minus where `PT_PHDR` says they were linked (or, in a binary GNU ld made,
//! which has no `PT_PHDR`, where they follow the ELF header at the start of the first segment);
//! `PT_DYNAMIC` leads to the relocation tables. Two encodings exist and both are applied: `DT_RELA` (24-byte entries, the
//! default) and `DT_RELR` (the packed form `-z pack-relative-relocs` makes of relative
//! relocations only). The only type accepted is the architecture's relative relocation
//! (`arch::R_RELATIVE`, "base + addend"): a static binary has no symbols to look up, and anything
//! else means the link went wrong — a test checks every release binary at build time, and this
//! code refuses at run time too, with a message and exit code 127. A binary with no `PT_DYNAMIC`
//! (linked `-static`, not static-PIE) has nothing to relocate.
//!
//! Until the relocation is done this code must not read any stored address. `_start` calls it
//! directly (by symbol, not through the GOT), before anything else. It uses no statics, no
//! `&'static` tables, no formatting and no panics (wrapping arithmetic, no indexing), and calls no
//! function of another crate that is not inlined into it: debug builds call those through the
//! GOT, which is one of the things being relocated. (A debug build's check for a misaligned
//! pointer does reach core through the GOT, but only to report a misalignment, and the kernel's
//! tables are aligned.) Pointers are made with `as` casts rather
//! than core's generic helpers for the same reason. It writes through
//! `arch::relocation_store`, which the compiler cannot see into.

use verbosel_sys::arch;
use verbosel_sys::{BorrowedFd, io, process};

// Auxiliary vector entries (getauxval(3)), program header and dynamic tags (elf(5)).
const AT_NULL: usize = 0;
const AT_PHDR: usize = 3;
const AT_PHENT: usize = 4;
const AT_PHNUM: usize = 5;
const PT_LOAD: u32 = 1;
const PT_DYNAMIC: u32 = 2;
const PT_PHDR: u32 = 6;
const DT_NULL: usize = 0;
const DT_RELA: usize = 7;
const DT_RELASZ: usize = 8;
const DT_RELAENT: usize = 9;
const DT_REL: usize = 17;
const DT_TEXTREL: usize = 22;
const DT_FLAGS: usize = 30;
const DT_RELRSZ: usize = 35;
const DT_RELR: usize = 36;
const DT_RELRENT: usize = 37;
const DF_TEXTREL: usize = 0x4;
const WORD: usize = size_of::<usize>();
const RELA_SIZE: usize = 3 * WORD;
/// `sizeof(Elf64_Ehdr)`.
const EHDR_SIZE: usize = 64;

/// The exit code of a binary that cannot relocate itself: a build defect, reported before
/// `main` could misbehave with unrelocated pointers.
pub(crate) const EXIT_BAD_RELOCATION: i32 = 127;

/// Ends the process with a message: `what` names the defect, briefly (the bytes are in every
/// binary, and tests/pie.rs keeps every release binary from ever printing them).
#[cold]
fn refuse(what: &[u8]) -> ! {
    io::write_before_relocation(BorrowedFd::STDERR, b"cannot relocate: ");
    io::write_before_relocation(BorrowedFd::STDERR, what);
    io::write_before_relocation(BorrowedFd::STDERR, b"\n");
    process::exit_group(EXIT_BAD_RELOCATION)
}

/// Reads a word the kernel or the linker left in memory that is never relocated (the auxiliary
/// vector, program headers, the dynamic section, the relocation tables).
///
/// # Safety
/// `addr` must be valid for an aligned word read.
#[inline(always)]
unsafe fn word(addr: usize) -> usize {
    // SAFETY: the caller guarantees the address.
    unsafe { *(addr as *const usize) }
}

/// Applies the binary's relocations. `_start` calls it with the initial stack pointer, before
/// `verbosel_rt::start`.
///
/// # Safety
/// `sp` must be the initial stack pointer the kernel passed to `_start` (argc, argv, envp, auxv:
/// the picture in `start.rs`), and no code may have read a relocated word yet.
pub unsafe extern "C" fn relocate(sp: *const usize) {
    // Past argc, argv and its NULL, envp and its NULL, to the auxiliary vector.
    // SAFETY: the kernel's initial stack layout.
    let argc = unsafe { word(sp as usize) };
    let mut aux = (sp as usize).wrapping_add(argc.wrapping_add(2).wrapping_mul(WORD));
    // SAFETY: as above: envp is NULL-terminated.
    while unsafe { word(aux) } != 0 {
        aux = aux.wrapping_add(WORD);
    }
    aux = aux.wrapping_add(WORD);
    let (mut phdr, mut phent, mut phnum) = (0, 0, 0);
    loop {
        // SAFETY: the auxiliary vector is (type, value) pairs ending with AT_NULL.
        let (kind, value) = unsafe { (word(aux), word(aux.wrapping_add(WORD))) };
        match kind {
            AT_NULL => break,
            AT_PHDR => phdr = value,
            AT_PHENT => phent = value,
            AT_PHNUM => phnum = value,
            _ => {}
        }
        aux = aux.wrapping_add(2 * WORD);
    }
    if phdr == 0 || phent < 56 {
        refuse(b"no AT_PHDR");
    }
    // Elf64_Phdr: p_type u32, p_flags u32, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align.
    let (mut linked_phdr, mut dynamic, mut first_load) = (None, None, None);
    let mut i = 0;
    while i < phnum {
        let ph = phdr.wrapping_add(i.wrapping_mul(phent));
        // SAFETY: the kernel passes the address of the mapped program header table in AT_PHDR,
        // with AT_PHNUM entries of AT_PHENT bytes.
        let (p_type, p_offset, p_vaddr) = unsafe {
            (
                word(ph) as u32,
                word(ph.wrapping_add(WORD)),
                word(ph.wrapping_add(2 * WORD)),
            )
        };
        match p_type {
            PT_PHDR => linked_phdr = Some(p_vaddr),
            PT_DYNAMIC => dynamic = Some(p_vaddr),
            PT_LOAD if p_offset == 0 => first_load = Some(p_vaddr),
            _ => {}
        }
        i = i.wrapping_add(1);
    }
    let Some(dynamic) = dynamic else {
        return; // a static executable at its link address: nothing to relocate
    };
    // GNU ld (the aarch64 cross linker) writes no PT_PHDR into a static-PIE; the program headers
    // are still where the ELF header says, right after it, in the segment that maps the start of
    // the file. Found there, checked (the magic, and e_phoff saying so), or refused.
    let linked_phdr = match (linked_phdr, first_load) {
        (Some(linked), _) => linked,
        // SAFETY: checked by `headers_follow_the_elf_header` before the header's words are used;
        // the words just before the program headers are mapped if the header is there, and the
        // kernel maps the first page of the file whole, headers and all.
        (None, Some(vaddr)) if unsafe { headers_follow_the_elf_header(phdr) } => {
            vaddr.wrapping_add(EHDR_SIZE)
        }
        _ => refuse(b"no PT_PHDR"),
    };
    let base = phdr.wrapping_sub(linked_phdr);

    let (mut rela, mut rela_size, mut rela_entry) = (0, 0, RELA_SIZE);
    let (mut relr, mut relr_size) = (0, 0);
    let mut d = base.wrapping_add(dynamic);
    loop {
        // SAFETY: PT_DYNAMIC is mapped (it is inside a PT_LOAD) and ends with DT_NULL.
        let (tag, value) = unsafe { (word(d), word(d.wrapping_add(WORD))) };
        match tag {
            DT_NULL => break,
            DT_RELA => rela = base.wrapping_add(value),
            DT_RELASZ => rela_size = value,
            DT_RELAENT => rela_entry = value,
            DT_RELR => relr = base.wrapping_add(value),
            DT_RELRSZ => relr_size = value,
            DT_RELRENT if value != WORD => refuse(b"entry size"),
            DT_REL => refuse(b"DT_REL"),
            DT_TEXTREL => refuse(b"DT_TEXTREL"),
            DT_FLAGS if value & DF_TEXTREL != 0 => refuse(b"DF_TEXTREL"),
            _ => {}
        }
        d = d.wrapping_add(2 * WORD);
    }
    if rela_entry != RELA_SIZE {
        refuse(b"entry size");
    }
    // SAFETY: the tables the dynamic section names are mapped; every word they point at is in
    // the binary's writable segment (-z text keeps relocations out of code), and nothing has read
    // one yet (the caller's promise).
    unsafe {
        apply_rela(base, rela, rela_size);
        apply_relr(base, relr, relr_size);
    }
}

/// Whether the ELF header sits just before the program headers at `phdr`: the magic, and
/// `e_phoff` (at byte 32) equal to the header's size, as both GNU ld and lld lay a file out.
///
/// # Safety
/// `phdr` is `AT_PHDR`: the program headers, mapped from the file's first page, which holds the
/// ELF header too whenever `e_phoff` is [`EHDR_SIZE`].
unsafe fn headers_follow_the_elf_header(phdr: usize) -> bool {
    const ELF_MAGIC: u32 = u32::from_le_bytes(*b"\x7fELF");
    let ehdr = phdr.wrapping_sub(EHDR_SIZE);
    // SAFETY: the caller's promise; both words are inside the 64 bytes before `phdr`.
    unsafe { word(ehdr) as u32 == ELF_MAGIC && word(ehdr.wrapping_add(4 * WORD)) == EHDR_SIZE }
}

/// `Elf64_Rela` entries: r_offset, r_info (symbol << 32 | type), r_addend; each relative one
/// stores base + addend at base + offset.
///
/// # Safety
/// As for [`relocate`]; `table` holds `size` bytes of entries.
unsafe fn apply_rela(base: usize, table: usize, size: usize) {
    let mut at = table;
    let end = table.wrapping_add(size);
    while at < end {
        // SAFETY: inside the table, per the caller.
        let (offset, info, addend) = unsafe {
            (
                word(at),
                word(at.wrapping_add(WORD)),
                word(at.wrapping_add(2 * WORD)),
            )
        };
        if info != arch::R_RELATIVE as usize {
            // A nonzero symbol index, or another type: both need a symbol table we do not have.
            refuse(b"a type other than relative");
        }
        let place = base.wrapping_add(offset) as *mut usize;
        // SAFETY: the place is a word of this binary's writable data, not yet read.
        unsafe { arch::relocation_store(place, base.wrapping_add(addend)) };
        at = at.wrapping_add(RELA_SIZE);
    }
}

/// `DT_RELR`: relative relocations packed as words. An even word is an address (link-time) to
/// relocate, and the next place is the word after it; an odd word is a bitmap whose bits 1..63
/// say which of the next 63 words to relocate, after which the next place moves on by 63 words.
/// Each relocated word gets the base added to the addend it already holds.
///
/// # Safety
/// As for [`relocate`]; `table` holds `size` bytes of entries.
unsafe fn apply_relr(base: usize, table: usize, size: usize) {
    let mut at = table;
    let end = table.wrapping_add(size);
    let mut next = 0usize;
    while at < end {
        // SAFETY: inside the table, per the caller.
        let entry = unsafe { word(at) };
        if entry & 1 == 0 {
            // SAFETY: an address of this binary's writable data, not yet read.
            unsafe { add_base(base, base.wrapping_add(entry)) };
            next = base.wrapping_add(entry).wrapping_add(WORD);
        } else {
            let mut bits = entry >> 1;
            let mut place = next;
            while bits != 0 {
                if bits & 1 != 0 {
                    // SAFETY: as above: the bitmap names words after the last address.
                    unsafe { add_base(base, place) };
                }
                bits >>= 1;
                place = place.wrapping_add(WORD);
            }
            next = next.wrapping_add((usize::BITS as usize - 1) * WORD);
        }
        at = at.wrapping_add(WORD);
    }
}

/// Adds the base to the word at `place`.
///
/// # Safety
/// `place` is a word of this binary's writable data that nothing has read yet.
#[inline(always)]
unsafe fn add_base(base: usize, place: usize) {
    let place = place as *mut usize;
    // SAFETY: the caller's promise.
    unsafe {
        let addend = arch::relocation_load(place);
        arch::relocation_store(place, base.wrapping_add(addend));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stand-in for a binary's writable data, "linked at 0": `base` is its run-time address.
    fn image() -> (Vec<usize>, usize) {
        let data: Vec<usize> = (0..200).map(|i| i * 10).collect();
        let base = data.as_ptr() as usize;
        (data, base)
    }

    #[test]
    fn rela_entries_store_base_plus_addend() {
        let (data, base) = image();
        let r = arch::R_RELATIVE as usize;
        let table: [usize; 6] = [8, r, 1000, 3 * 8, r, 7];
        // SAFETY: every place is a word of `data`, which nothing reads until the call returns.
        unsafe { apply_rela(base, table.as_ptr() as usize, size_of_val(&table)) };
        assert_eq!(data[1], base + 1000);
        assert_eq!(data[3], base + 7);
        assert_eq!((data[0], data[2], data[4]), (0, 20, 40));
    }

    #[test]
    fn without_pt_phdr_the_headers_are_found_after_a_checked_elf_header() {
        // A file's first 128 bytes: the ELF header (magic, e_phoff at byte 32), then headers.
        let header = |magic: &[u8; 4], phoff: usize| {
            let mut file = [0usize; 16];
            file[0] = u32::from_le_bytes(*magic) as usize | 2 << 32;
            file[4] = phoff;
            file
        };
        // SAFETY: the 64 bytes before the address passed are `file`'s.
        let found = |file: &[usize; 16]| unsafe {
            headers_follow_the_elf_header(file.as_ptr() as usize + EHDR_SIZE)
        };
        assert!(found(&header(b"\x7fELF", EHDR_SIZE)));
        // Program headers elsewhere, or no ELF header there.
        assert!(!found(&header(b"\x7fELF", 128)));
        assert!(!found(&header(b"\x7fELG", EHDR_SIZE)));
    }

    #[test]
    fn relr_addresses_and_bitmaps_add_the_base_where_they_say() {
        let (data, base) = image();
        // Word 2 by address; then a bitmap for the words after it (3, 4, ...): bits 1 and 3 mean
        // words 3 and 5; a second bitmap starts 63 words on (66...): bit 2 means word 67; then
        // word 150 by address.
        let table: [usize; 4] = [2 * 8, 0b1010 | 1, 0b100 | 1, 150 * 8];
        // SAFETY: as above.
        unsafe { apply_relr(base, table.as_ptr() as usize, size_of_val(&table)) };
        let relocated: Vec<usize> = (0..200).filter(|&i| data[i] != i * 10).collect();
        assert_eq!(relocated, [2, 3, 5, 67, 150]);
        assert!(relocated.iter().all(|&i| data[i] == base + i * 10));
    }
}
