//! Finding `__vdso_clock_gettime` in the vDSO, the small shared object the kernel maps into every
//! process (vdso(7)). Its address arrives in the auxiliary vector as `AT_SYSINFO_EHDR`. We walk its
//! ELF program headers to the dynamic section, then its symbol table, comparing names: a few dozen
//! symbols, once at start-up. Without it, every Date header would cost a syscall.

use crate::time::Timespec;
use core::sync::atomic::{AtomicUsize, Ordering};

type ClockGettime = unsafe extern "C" fn(i32, *mut Timespec) -> i32;

static CLOCK_GETTIME: AtomicUsize = AtomicUsize::new(0);

pub(crate) fn clock_gettime() -> Option<ClockGettime> {
    let addr = CLOCK_GETTIME.load(Ordering::Relaxed);
    if addr == 0 {
        return None;
    }
    // SAFETY: only `init` stores here, and only the address of the vDSO's clock_gettime.
    Some(unsafe { core::mem::transmute::<usize, ClockGettime>(addr) })
}

const PT_LOAD: u32 = 1;
const PT_DYNAMIC: u32 = 2;
const DT_NULL: i64 = 0;
const DT_HASH: i64 = 4;
const DT_STRTAB: i64 = 5;
const DT_SYMTAB: i64 = 6;
const SHN_UNDEF: u16 = 0;
const SYMBOL: &[u8] = b"__vdso_clock_gettime\0";

/// Records the vDSO's `clock_gettime`, given `AT_SYSINFO_EHDR` from the auxiliary vector.
///
/// # Safety
/// `base` must be 0 or the address the kernel passed as `AT_SYSINFO_EHDR`: a mapped ELF image.
pub unsafe fn init(base: usize) {
    if base == 0 {
        return;
    }
    // SAFETY: the caller guarantees `base` is the mapped vDSO image; `lookup` reads only within
    // the structures that image's own headers describe.
    if let Some(addr) = unsafe { lookup(base) } {
        CLOCK_GETTIME.store(addr, Ordering::Relaxed);
    }
}

/// # Safety
/// `base` must point at a mapped ELF64 image.
unsafe fn lookup(base: usize) -> Option<usize> {
    // SAFETY (whole function): every read is at an offset the ELF headers give, inside the image
    // the kernel mapped; reads are unaligned-safe.
    unsafe {
        let rd16 = |a: usize| core::ptr::read_unaligned(a as *const u16);
        let rd32 = |a: usize| core::ptr::read_unaligned(a as *const u32);
        let rd64 = |a: usize| core::ptr::read_unaligned(a as *const u64);
        if rd32(base) != 0x464c_457f {
            return None; // not "\x7fELF"
        }
        let phoff = rd64(base + 32) as usize;
        let phentsize = rd16(base + 54) as usize;
        let phnum = rd16(base + 56) as usize;
        let mut load_bias: Option<usize> = None;
        let mut dynamic = 0usize;
        for i in 0..phnum {
            let ph = base + phoff + i * phentsize;
            let p_type = rd32(ph);
            let p_offset = rd64(ph + 8) as usize;
            let p_vaddr = rd64(ph + 16) as usize;
            if p_type == PT_LOAD && load_bias.is_none() {
                load_bias = Some(base.wrapping_add(p_offset).wrapping_sub(p_vaddr));
            } else if p_type == PT_DYNAMIC {
                dynamic = base + p_offset;
            }
        }
        let bias = load_bias?;
        if dynamic == 0 {
            return None;
        }
        let (mut strtab, mut symtab, mut hash) = (0usize, 0usize, 0usize);
        let mut d = dynamic;
        loop {
            let tag = rd64(d) as i64;
            let val = rd64(d + 8) as usize;
            match tag {
                DT_NULL => break,
                DT_STRTAB => strtab = bias.wrapping_add(val),
                DT_SYMTAB => symtab = bias.wrapping_add(val),
                DT_HASH => hash = bias.wrapping_add(val),
                _ => {}
            }
            d += 16;
        }
        if strtab == 0 || symtab == 0 || hash == 0 {
            return None;
        }
        // DT_HASH: nbucket, nchain, ...; nchain is the number of symbols.
        let count = rd32(hash + 4) as usize;
        for i in 0..count {
            // Elf64_Sym: st_name u32, st_info u8, st_other u8, st_shndx u16, st_value u64, st_size u64
            let sym = symtab + i * 24;
            let name = strtab + rd32(sym) as usize;
            let shndx = rd16(sym + 6);
            let value = rd64(sym + 8) as usize;
            if shndx == SHN_UNDEF || value == 0 {
                continue;
            }
            let mut j = 0;
            while j < SYMBOL.len() && *((name + j) as *const u8) == SYMBOL[j] {
                j += 1;
            }
            if j == SYMBOL.len() {
                return Some(bias.wrapping_add(value));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn finds_clock_gettime_in_this_process() {
        unsafe extern "C" {
            fn getauxval(t: u64) -> u64;
        }
        // SAFETY: glibc's getauxval(AT_SYSINFO_EHDR = 33) returns the vDSO base or 0.
        let base = unsafe { getauxval(33) } as usize;
        // SAFETY: `base` came from the kernel's auxiliary vector.
        unsafe { super::init(base) };
        if base != 0 {
            assert!(
                super::clock_gettime().is_some(),
                "vDSO present but symbol not found"
            );
            let t = crate::time::realtime();
            assert!(t.sec > 1_700_000_000);
        }
    }
}
