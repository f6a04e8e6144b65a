//! Private memory by the page, for the allocator: mmap(2) of anonymous pages, munmap(2) of any
//! page range of them, mremap(2) to grow or move one.
//!
//! Lengths are byte counts the caller has rounded to whole pages of [`size`]; addresses are the
//! ones these functions returned (or page-aligned parts of them).

use crate::arch::{self, Arg};
use crate::{Result, nr};

/// The smallest page of the architectures verbosel runs on, and x86_64's only one: 4 KiB.
pub const MIN_PAGE: usize = 4096;

/// The largest page Linux has on them: aarch64 kernels are built for 4, 16 or 64 KiB pages.
pub const MAX_PAGE: usize = 64 << 10;

/// The page size: the granule of every call here. x86_64 has one, 4 KiB.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
pub fn size() -> usize {
    MIN_PAGE
}

/// The page size: the granule of every call here. An aarch64 kernel is built for one of 4 KiB
/// (most Graviton and Ampere distributions), 16 KiB (the Raspberry Pi 5's kernel) or 64 KiB
/// (some enterprise distributions), and says which in the auxiliary vector (`AT_PAGESZ`), which
/// `verbosel-rt`'s start-up records here with [`set_size`] before `main`. Before that, 4 KiB.
#[cfg(not(target_arch = "x86_64"))]
#[inline]
pub fn size() -> usize {
    match PAGE_SIZE.load(core::sync::atomic::Ordering::Relaxed) {
        0 => MIN_PAGE,
        n => n,
    }
}

#[cfg(not(target_arch = "x86_64"))]
static PAGE_SIZE: core::sync::atomic::AtomicUsize = core::sync::atomic::AtomicUsize::new(0);

/// Records the page size the kernel passed in the auxiliary vector (`AT_PAGESZ`). A value that
/// is not a power of two from [`MIN_PAGE`] to [`MAX_PAGE`] is not a page size Linux has on these
/// architectures, and is ignored. (x86_64 has one page size, and ignores this.)
pub fn set_size(bytes: usize) {
    #[cfg(not(target_arch = "x86_64"))]
    if bytes.is_power_of_two() && (MIN_PAGE..=MAX_PAGE).contains(&bytes) {
        PAGE_SIZE.store(bytes, core::sync::atomic::Ordering::Relaxed);
    }
    #[cfg(target_arch = "x86_64")]
    let _ = bytes;
}

const PROT_READ_WRITE: usize = 0x1 | 0x2;
const MAP_PRIVATE_ANONYMOUS: usize = 0x02 | 0x20;
const MREMAP_MAYMOVE: usize = 1;

/// `mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)`: `len` bytes of
/// fresh, zero-filled, page-aligned memory that nothing else refers to. Fails with ENOMEM when
/// the address space (RLIMIT_AS) or the machine has no room.
pub fn map(len: usize) -> Result<*mut u8> {
    // SAFETY: a new anonymous mapping at an address the kernel picks; no existing memory is
    // touched.
    let addr = unsafe {
        arch::syscall6(
            nr::MMAP,
            Arg::NULL,
            Arg::int(len),
            Arg::int(PROT_READ_WRITE),
            Arg::int(MAP_PRIVATE_ANONYMOUS),
            Arg::signed(-1),
            Arg::int(0),
        )
    }
    .pointer()?;
    Ok(addr.cast())
}

/// `munmap(addr, len)`: gives pages back to the kernel.
///
/// # Safety
/// `addr..addr + len` must be page-aligned memory of this process that nothing refers to any
/// more: a later access faults, or reads another mapping made there since.
pub unsafe fn unmap(addr: *mut u8, len: usize) -> Result<()> {
    // SAFETY: the caller guarantees that the range is no longer used.
    unsafe { arch::syscall2(nr::MUNMAP, Arg::raw(addr), Arg::int(len)) }
        .result()
        .map(drop)
}

/// `mremap(addr, old_len, new_len, may_move ? MREMAP_MAYMOVE : 0)`: resizes a mapping, keeping
/// its contents; the pages added are zero-filled. Without `may_move` it grows only in place
/// (ENOMEM when the pages after it are taken). With it, the kernel may move the pages to a new
/// address (page tables, not bytes: nothing is copied). Fails with EFAULT when the range is not
/// one mapping.
///
/// # Safety
/// `addr..addr + old_len` must be page-aligned memory of this process mapped by [`map`]. When
/// `may_move`, nothing may refer to the old addresses afterwards.
pub unsafe fn remap(
    addr: *mut u8,
    old_len: usize,
    new_len: usize,
    may_move: bool,
) -> Result<*mut u8> {
    let flags = if may_move { MREMAP_MAYMOVE } else { 0 };
    // SAFETY: the caller guarantees the range is ours and, if it may move, unused elsewhere.
    let new = unsafe {
        arch::syscall4(
            nr::MREMAP,
            Arg::raw(addr),
            Arg::int(old_len),
            Arg::int(new_len),
            Arg::int(flags),
        )
    }
    .pointer()?;
    Ok(new.cast())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Errno;

    /// The page size the kernel gave this test process, recorded as start-up would.
    pub(crate) fn record_page_size() -> usize {
        unsafe extern "C" {
            fn getauxval(t: u64) -> u64;
        }
        // SAFETY: glibc's getauxval(AT_PAGESZ = 6) returns the page size.
        set_size(unsafe { getauxval(6) } as usize);
        size()
    }

    #[test]
    fn pages_map_grow_move_and_unmap() {
        let page = record_page_size();
        let p = map(2 * page).unwrap();
        assert_eq!(p as usize % page, 0);
        // SAFETY: the two pages were just mapped, writable, and are ours alone.
        unsafe {
            assert_eq!(*p.add(2 * page - 1), 0);
            *p = 7;
            *p.add(2 * page - 1) = 9;
            let q = remap(p, 2 * page, 64 * page, true).unwrap();
            assert_eq!((*q, *q.add(2 * page - 1), *q.add(64 * page - 1)), (7, 9, 0));
            unmap(q.add(page), 63 * page).unwrap();
            assert_eq!(*q, 7);
            unmap(q, page).unwrap();
        }
        assert_eq!(map(usize::MAX - page + 1), Err(Errno::ENOMEM));
    }

    #[test]
    fn only_page_sizes_linux_has_are_recorded() {
        let before = record_page_size();
        for bogus in [0, 1, 4095, 12288, 128 << 10] {
            set_size(bogus);
            assert_eq!(size(), before, "{bogus}");
        }
    }
}
