//! Finding `clock_gettime` in the vDSO, the small shared object the kernel maps into every process
//! (vdso(7)). Its address arrives in the auxiliary vector as `AT_SYSINFO_EHDR`. Without it, every
//! Date header would cost a syscall.
//!
//! The image is read as a byte slice, and every table the lookup walks (program headers, the
//! dynamic section, the hash, symbol, string and version tables) is bounded against it; the ELF
//! header, the symbol's type, binding, visibility and section, and its version are checked as
//! rustix does (and the kernel's own `tools/testing/selftests/vDSO/parse_vdso.c`). Anything
//! unexpected means "no vDSO", and `time::clock_gettime` makes the syscall instead.

use crate::arch;
use crate::time::Timespec;
use core::ffi::c_void;
use core::sync::atomic::{AtomicPtr, Ordering};

/// `int clock_gettime(clockid_t, struct timespec *)`, the C ABI the vDSO exports.
pub(crate) type ClockGettime = unsafe extern "C" fn(i32, *mut Timespec) -> i32;

static CLOCK_GETTIME: AtomicPtr<c_void> = AtomicPtr::new(core::ptr::null_mut());

/// The vDSO's `clock_gettime`, if [`init`] found one.
pub(crate) fn clock_gettime() -> Option<ClockGettime> {
    let f = CLOCK_GETTIME.load(Ordering::Relaxed);
    if f.is_null() {
        return None;
    }
    // SAFETY: only `init` stores here, and only the address of the vDSO's clock_gettime, a
    // function with this signature (checked by name, version, type and section).
    Some(unsafe { core::mem::transmute::<*mut c_void, ClockGettime>(f) })
}

/// The bytes that are certainly mapped at `AT_SYSINFO_EHDR` before the image's own headers say
/// more: one page, the smallest Linux has. The ELF header and program headers must lie in it.
const FIRST_PAGE: usize = 4096;

/// The largest image believed: the x86_64 vDSO is two pages. A header claiming more than a
/// mebibyte is not the kernel's, and reading that far could leave the mapping.
const MAX_IMAGE: usize = 1 << 20;

/// Records the vDSO's `clock_gettime`, given `AT_SYSINFO_EHDR` from the auxiliary vector. Leaves
/// the syscall in charge when the image is missing or anything in it is off.
///
/// # Safety
/// `base` must be 0 or the address the kernel passed as `AT_SYSINFO_EHDR`: the start of a mapped
/// ELF image, at least one page long, whose first `PT_LOAD` segment says how long it is.
pub unsafe fn init(base: usize) {
    if base == 0 {
        return;
    }
    let start = core::ptr::with_exposed_provenance::<u8>(base);
    // SAFETY: the kernel maps at least one page at `base`, and nothing writes it.
    let head = unsafe { core::slice::from_raw_parts(start, FIRST_PAGE) };
    let Some(len) = image_len(head) else {
        return;
    };
    // SAFETY: the image's own program headers (checked by `image_len`) say the kernel mapped
    // `len` bytes from `base`, and nothing writes them.
    let image = unsafe { core::slice::from_raw_parts(start, len) };
    let (name, version) = arch::VDSO_CLOCK_GETTIME;
    if let Some(found) = lookup(image, name, version) {
        let f = start.wrapping_add(found.entry).cast_mut().cast::<c_void>();
        CLOCK_GETTIME.store(f, Ordering::Relaxed);
    }
}

// ELF constants (the System V gABI, elf(5)).
const ELFCLASS64: u8 = 2;
#[cfg(target_endian = "little")]
const ELFDATA_NATIVE: u8 = 1;
#[cfg(target_endian = "big")]
const ELFDATA_NATIVE: u8 = 2;
const EV_CURRENT: u8 = 1;
const ELFOSABI_SYSV: u8 = 0;
const ELFOSABI_LINUX: u8 = 3;
const ET_DYN: u16 = 3;
const EHDR_SIZE: usize = 64;
const PHDR_SIZE: usize = 56;
const DYN_SIZE: usize = 16;
const SYM_SIZE: usize = 24;
const PT_LOAD: u32 = 1;
const PT_DYNAMIC: u32 = 2;
const DT_NULL: u64 = 0;
const DT_HASH: u64 = 4;
const DT_STRTAB: u64 = 5;
const DT_SYMTAB: u64 = 6;
const DT_STRSZ: u64 = 10;
const DT_SYMENT: u64 = 11;
const DT_VERSYM: u64 = 0x6fff_fff0;
const DT_VERDEF: u64 = 0x6fff_fffc;
const DT_VERDEFNUM: u64 = 0x6fff_fffd;
const STT_NOTYPE: u8 = 0;
const STT_FUNC: u8 = 2;
const STB_GLOBAL: u8 = 1;
const STB_WEAK: u8 = 2;
const STV_DEFAULT: u8 = 0;
const SHN_UNDEF: u16 = 0;
const VER_FLG_BASE: u16 = 1;
const VERSYM_HIDDEN: u16 = 0x8000;
/// Version definitions walked at most, when the image does not say how many (DT_VERDEFNUM): the
/// kernel's vDSO has two.
const MAX_VERDEFS: usize = 16;

/// The `N` bytes at `at`, if all of them are inside the image: one bounds check per record (a
/// header, a symbol), after which its fields are read at constant offsets.
fn bytes<const N: usize>(image: &[u8], at: usize) -> Option<[u8; N]> {
    image.get(at..at.checked_add(N)?)?.try_into().ok()
}

/// A field of a record already read. Inlined with a constant `at`, its bounds check folds away.
#[inline(always)]
fn field<const N: usize, const W: usize>(record: &[u8; N], at: usize) -> [u8; W] {
    let mut out = [0; W];
    if let Some(src) = record.get(at..at + W) {
        out.copy_from_slice(src);
    }
    out
}
#[inline(always)]
fn f16<const N: usize>(record: &[u8; N], at: usize) -> u16 {
    u16::from_ne_bytes(field(record, at))
}
#[inline(always)]
fn f32<const N: usize>(record: &[u8; N], at: usize) -> u32 {
    u32::from_ne_bytes(field(record, at))
}
#[inline(always)]
fn f64<const N: usize>(record: &[u8; N], at: usize) -> u64 {
    u64::from_ne_bytes(field(record, at))
}
/// A 64-bit field as an offset or address (always fits on a 64-bit target).
#[inline(always)]
fn fsize<const N: usize>(record: &[u8; N], at: usize) -> usize {
    f64(record, at) as usize
}
fn u16_at(image: &[u8], at: usize) -> Option<u16> {
    bytes(image, at).map(u16::from_ne_bytes)
}
fn u32_at(image: &[u8], at: usize) -> Option<u32> {
    bytes(image, at).map(u32::from_ne_bytes)
}

/// The first `PT_LOAD` segment: where the image's addresses start, and how far its bytes go.
#[derive(Clone, Copy)]
struct Load {
    offset: usize,
    vaddr: usize,
    filesz: usize,
}

impl Load {
    /// The image offset of link-time address `vaddr`, if it lies inside the segment and the image.
    fn offset_of(self, vaddr: usize, image_len: usize) -> Option<usize> {
        let within = vaddr.checked_sub(self.vaddr)?;
        if within >= self.filesz {
            return None;
        }
        let at = self.offset.checked_add(within)?;
        (at < image_len).then_some(at)
    }
}

/// The checked ELF header: where the program headers are, and how many.
fn program_headers(image: &[u8]) -> Option<(usize, usize)> {
    let ehdr: [u8; EHDR_SIZE] = bytes(image, 0)?;
    let [
        0x7f,
        b'E',
        b'L',
        b'F',
        class,
        data,
        version,
        osabi,
        abiversion,
        ..,
    ] = ehdr
    else {
        return None;
    };
    if class != ELFCLASS64
        || data != ELFDATA_NATIVE
        || version != EV_CURRENT
        || !(osabi == ELFOSABI_SYSV || osabi == ELFOSABI_LINUX)
        || abiversion != 0
        || f16(&ehdr, 16) != ET_DYN
        || f16(&ehdr, 18) != arch::ELF_MACHINE
        || f32(&ehdr, 20) != u32::from(EV_CURRENT)
        || usize::from(f16(&ehdr, 54)) != PHDR_SIZE
    {
        return None;
    }
    let phoff = fsize(&ehdr, 32);
    let phnum = usize::from(f16(&ehdr, 56));
    // The whole table must be inside the image (and start past the header, 8-aligned).
    let end = phoff.checked_add(phnum.checked_mul(PHDR_SIZE)?)?;
    (phoff >= EHDR_SIZE && phoff % 8 == 0 && phnum > 0 && end <= image.len())
        .then_some((phoff, phnum))
}

/// Program header `i`'s (type, offset, vaddr, filesz).
fn program_header(image: &[u8], phoff: usize, i: usize) -> Option<(u32, usize, usize, usize)> {
    let ph: [u8; PHDR_SIZE] = bytes(image, phoff.checked_add(i.checked_mul(PHDR_SIZE)?)?)?;
    Some((f32(&ph, 0), fsize(&ph, 8), fsize(&ph, 16), fsize(&ph, 32)))
}

/// The image's length as its first `PT_LOAD` segment (which must map the header) describes it,
/// read from the first page alone. `None` if the header is not a vDSO's or the length is absurd.
fn image_len(first_page: &[u8]) -> Option<usize> {
    let (phoff, phnum) = program_headers(first_page)?;
    let load = (0..phnum)
        .filter_map(|i| program_header(first_page, phoff, i))
        .find(|&(ty, ..)| ty == PT_LOAD)?;
    let (_, offset, _, filesz) = load;
    let len = offset.checked_add(filesz)?;
    (offset == 0 && (EHDR_SIZE..=MAX_IMAGE).contains(&len)).then_some(len)
}

/// The NUL-terminated string at `at` in the string table `strtab`.
fn string_at(strtab: &[u8], at: usize) -> Option<&[u8]> {
    let s = strtab.get(at..)?;
    let end = s.iter().position(|&b| b == 0)?;
    s.get(..end)
}

/// What the lookup found: where in the image the function and its symbol entry are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Found {
    /// The function's offset from the image's start.
    entry: usize,
    /// The offset of its `Elf64_Sym` (for the tests, which corrupt it).
    symbol: usize,
}

/// Finds the function `name` at version `version` in a vDSO image: a pure function of the bytes.
fn lookup(image: &[u8], name: &[u8], version: &[u8]) -> Option<Found> {
    let (phoff, phnum) = program_headers(image)?;
    let mut load: Option<Load> = None;
    let mut dynamic: Option<(usize, usize)> = None;
    for i in 0..phnum {
        let (ty, offset, vaddr, filesz) = program_header(image, phoff, i)?;
        if ty == PT_LOAD && load.is_none() {
            load = Some(Load {
                offset,
                vaddr,
                filesz,
            });
        } else if ty == PT_DYNAMIC {
            dynamic = Some((offset, filesz));
        }
    }
    let (load, (dyn_off, dyn_len)) = (load?, dynamic?);
    let dynamic = image.get(dyn_off..dyn_off.checked_add(dyn_len)?)?;

    let (mut hash, mut strtab, mut symtab, mut strsz) = (None, None, None, None);
    let (mut versym, mut verdef, mut verdefnum) = (None, None, None);
    let mut terminated = false;
    for entry in dynamic.as_chunks::<DYN_SIZE>().0 {
        let (tag, val) = (f64(entry, 0), fsize(entry, 8));
        let at = || load.offset_of(val, image.len());
        match tag {
            DT_NULL => {
                terminated = true;
                break;
            }
            DT_HASH => hash = Some(at()?),
            DT_STRTAB => strtab = Some(at()?),
            DT_SYMTAB => symtab = Some(at()?),
            DT_STRSZ => strsz = Some(val),
            DT_SYMENT if val != SYM_SIZE => return None,
            DT_VERSYM => versym = Some(at()?),
            DT_VERDEF => verdef = Some(at()?),
            DT_VERDEFNUM => verdefnum = Some(val),
            _ => {}
        }
    }
    if !terminated {
        return None;
    }
    let (hash, symtab, strtab_at) = (hash?, symtab?, strtab?);
    let strtab = match strsz {
        Some(n) => image.get(strtab_at..strtab_at.checked_add(n)?)?,
        None => image.get(strtab_at..)?,
    };
    // DT_HASH: nbucket, nchain, …; nchain is the number of symbols.
    let count = usize::try_from(u32_at(image, hash.checked_add(4)?)?).ok()?;
    let symbols = image.get(symtab..symtab.checked_add(count.checked_mul(SYM_SIZE)?)?)?;
    let versions = Versions {
        image,
        strtab,
        verdef,
        count: verdefnum.unwrap_or(MAX_VERDEFS).min(MAX_VERDEFS),
    };
    for (i, sym) in symbols.as_chunks::<SYM_SIZE>().0.iter().enumerate() {
        // Elf64_Sym: st_name u32, st_info u8, st_other u8, st_shndx u16, st_value u64, st_size.
        let [.., info, other] = field::<SYM_SIZE, 6>(sym, 0);
        let (kind, bind, visibility) = (info & 0xf, info >> 4, other & 0x3);
        if !(kind == STT_FUNC || kind == STT_NOTYPE)
            || !(bind == STB_GLOBAL || bind == STB_WEAK)
            || visibility != STV_DEFAULT
            || f16(sym, 6) == SHN_UNDEF
        {
            continue;
        }
        if string_at(strtab, f32(sym, 0) as usize) != Some(name) {
            continue;
        }
        if let Some(versym) = versym {
            let ver = u16_at(image, versym.checked_add(i.checked_mul(2)?)?)?;
            if !versions.defines(ver, version) {
                return None;
            }
        }
        let entry = load.offset_of(fsize(sym, 8), image.len())?;
        return Some(Found {
            entry,
            symbol: symtab + i * SYM_SIZE,
        });
    }
    None
}

/// The version definitions (`DT_VERDEF`), for checking a symbol's version.
struct Versions<'a> {
    image: &'a [u8],
    strtab: &'a [u8],
    verdef: Option<usize>,
    count: usize,
}

impl Versions<'_> {
    /// Whether version index `ver` (from `DT_VERSYM`) is the definition named `want`. An image
    /// with version indexes but no definitions is refused.
    fn defines(&self, ver: u16, want: &[u8]) -> bool {
        let ver = ver & !VERSYM_HIDDEN;
        let Some(mut def) = self.verdef else {
            return false;
        };
        for _ in 0..self.count {
            // Elf64_Verdef: vd_version u16, vd_flags u16, vd_ndx u16, vd_cnt u16, vd_hash u32,
            // vd_aux u32, vd_next u32; Elf64_Verdaux: vda_name u32, vda_next u32.
            let Some(vd) = bytes::<20>(self.image, def) else {
                return false;
            };
            let (flags, ndx, aux, next) = (f16(&vd, 2), f16(&vd, 4), f32(&vd, 12), f32(&vd, 16));
            if f16(&vd, 0) != 1 {
                return false;
            }
            if flags & VER_FLG_BASE == 0 && ndx & !VERSYM_HIDDEN == ver {
                let name = def
                    .checked_add(aux as usize)
                    .and_then(|a| u32_at(self.image, a))
                    .and_then(|n| string_at(self.strtab, n as usize));
                return name == Some(want);
            }
            if next == 0 {
                return false;
            }
            match def.checked_add(next as usize) {
                Some(n) => def = n,
                None => return false,
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A copy of this process's own vDSO image, or `None` when the kernel maps none.
    fn own_image() -> Option<Vec<u8>> {
        unsafe extern "C" {
            fn getauxval(t: u64) -> u64;
        }
        // SAFETY: glibc's getauxval(AT_SYSINFO_EHDR = 33) returns the vDSO base or 0.
        let base = unsafe { getauxval(33) } as usize;
        if base == 0 {
            return None;
        }
        let start = core::ptr::with_exposed_provenance::<u8>(base);
        // SAFETY: the kernel maps at least a page there, as `init` assumes.
        let head = unsafe { core::slice::from_raw_parts(start, FIRST_PAGE) };
        let len = image_len(head).expect("this kernel's vDSO passes the header checks");
        // SAFETY: its PT_LOAD says `len` bytes are mapped.
        Some(unsafe { core::slice::from_raw_parts(start, len) }.to_vec())
    }

    fn u64_at(image: &[u8], at: usize) -> Option<u64> {
        bytes(image, at).map(u64::from_ne_bytes)
    }

    fn usize_at(image: &[u8], at: usize) -> Option<usize> {
        u64_at(image, at).map(|v| v as usize)
    }

    fn find(haystack: &[u8], needle: &[u8]) -> usize {
        haystack
            .windows(needle.len())
            .position(|w| w == needle)
            .unwrap_or_else(|| panic!("{:?} not in the image", String::from_utf8_lossy(needle)))
    }

    fn look(image: &[u8]) -> Option<Found> {
        let (name, version) = arch::VDSO_CLOCK_GETTIME;
        lookup(image, name, version)
    }

    #[test]
    fn finds_clock_gettime_in_this_process() {
        unsafe extern "C" {
            fn getauxval(t: u64) -> u64;
        }
        // SAFETY: glibc's getauxval(AT_SYSINFO_EHDR = 33) returns the vDSO base or 0.
        let base = unsafe { getauxval(33) } as usize;
        // SAFETY: `base` came from the kernel's auxiliary vector.
        unsafe { init(base) };
        if base != 0 {
            assert!(
                clock_gettime().is_some(),
                "vDSO present but symbol not found"
            );
            let t = crate::time::realtime();
            assert!(t.sec > 1_700_000_000);
        }
    }

    /// Corrupt images, each with what is wrong with it; every one must give `None`.
    fn corrupt_images(good: &[u8]) -> Vec<(String, Vec<u8>)> {
        let found = look(good).expect("the real image has clock_gettime");
        let (name, version) = arch::VDSO_CLOCK_GETTIME;
        let mut name_z = name.to_vec();
        name_z.push(0);
        let mut version_z = version.to_vec();
        version_z.push(0);
        let patched = |what: &str, at: usize, with: &[u8]| {
            let mut img = good.to_vec();
            img[at..at + with.len()].copy_from_slice(with);
            (what.to_string(), img)
        };
        let (phoff, phnum) = program_headers(good).unwrap();
        let dynamic_ph = (0..phnum)
            .map(|i| phoff + i * PHDR_SIZE)
            .find(|&ph| u32_at(good, ph) == Some(PT_DYNAMIC))
            .unwrap();
        let dyn_off = usize_at(good, dynamic_ph + 8).unwrap();
        let dyn_len = usize_at(good, dynamic_ph + 32).unwrap();
        let dyn_entry = |tag: u64| {
            (dyn_off..dyn_off + dyn_len)
                .step_by(DYN_SIZE)
                .find(|&d| u64_at(good, d) == Some(tag))
                .unwrap_or_else(|| panic!("no dynamic tag {tag:#x}"))
        };
        let sym = found.symbol;
        let mut v = vec![
            ("empty".to_string(), Vec::new()),
            ("a header cut short".to_string(), good[..40].to_vec()),
            patched("not ELF", 0, b"\x7fELG"),
            patched("32-bit class", 4, &[1]),
            patched("other byte order", 5, &[3 - ELFDATA_NATIVE]),
            patched("ELF version 0", 6, &[0]),
            patched("another OS ABI", 7, &[9]),
            patched(
                "an executable, not a shared object",
                16,
                &2u16.to_ne_bytes(),
            ),
            patched("another machine", 18, &0xb7u16.to_ne_bytes()),
            patched("program header size 32", 54, &32u16.to_ne_bytes()),
            patched(
                "program headers past the end",
                32,
                &(1u64 << 40).to_ne_bytes(),
            ),
            patched("program headers at u64::MAX", 32, &u64::MAX.to_ne_bytes()),
            patched("65,535 program headers", 56, &u16::MAX.to_ne_bytes()),
            patched(
                "dynamic section past the end",
                dynamic_ph + 8,
                &(good.len() as u64).to_ne_bytes(),
            ),
            patched(
                "dynamic section longer than the image",
                dynamic_ph + 32,
                &u64::MAX.to_ne_bytes(),
            ),
            patched(
                "no DT_NULL in the dynamic section",
                dyn_entry(DT_NULL),
                &DT_SYMENT.to_ne_bytes(),
            ),
            patched(
                "symbol count past the end",
                usize_at(good, dyn_entry(DT_HASH) + 8).unwrap() + 4,
                &u32::MAX.to_ne_bytes(),
            ),
            patched(
                "string table past the end",
                dyn_entry(DT_STRTAB) + 8,
                &(1u64 << 40).to_ne_bytes(),
            ),
            patched(
                "symbol table entries of 16 bytes",
                dyn_entry(DT_SYMENT) + 8,
                &16u64.to_ne_bytes(),
            ),
            patched("the name misspelt", find(good, &name_z), b"X"),
            patched("another version", find(good, &version_z), b"X"),
            patched("the symbol undefined", sym + 6, &SHN_UNDEF.to_ne_bytes()),
            patched("the symbol an object", sym + 4, &[(STB_GLOBAL << 4) | 1]),
            patched("the symbol local", sym + 4, &[STT_FUNC]),
            patched("the symbol hidden", sym + 5, &[2]),
            patched(
                "the symbol's address outside the image",
                sym + 8,
                &(1u64 << 40).to_ne_bytes(),
            ),
        ];
        // Cut right after the symbol's entry's start: its table is no longer all there.
        v.push(("the symbol table cut".to_string(), good[..sym + 8].to_vec()));
        v
    }

    #[test]
    fn corrupt_images_find_nothing_and_leave_the_syscall_in_charge() {
        let Some(good) = own_image() else {
            eprintln!("SKIPPED: this kernel maps no vDSO");
            return;
        };
        for (what, img) in corrupt_images(&good) {
            assert_eq!(look(&img), None, "{what}");
        }
        // With no vDSO function the clock is read by the syscall, and is right.
        let now = crate::time::read_clock(None, crate::time::CLOCK_REALTIME).sec as u64;
        let std_now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        assert!(now.abs_diff(std_now) <= 2);
    }

    #[test]
    fn every_truncation_is_refused_or_still_finds_the_same_function() {
        let Some(good) = own_image() else {
            eprintln!("SKIPPED: this kernel maps no vDSO");
            return;
        };
        let full = look(&good);
        let mut refused = 0;
        for len in 0..good.len() {
            match look(&good[..len]) {
                None => refused += 1,
                found => assert_eq!(found, full, "cut at {len}"),
            }
        }
        // Every cut before the symbol's entry ends loses a table the lookup needs.
        assert!(refused > full.unwrap().symbol, "{refused}");
    }
}
