//! Private memory by the page, for the allocator: mmap(2) of anonymous pages, munmap(2) of any
//! page range of them, mremap(2) to grow or move one.
//!
//! Lengths are byte counts the caller has rounded to whole pages; addresses are the ones these
//! functions returned (or page-aligned parts of them).

use crate::arch::{self, Arg};
use crate::{Result, nr};

/// The page size on x86_64 (and the granule of every call here).
pub const PAGE: usize = 4096;

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

    #[test]
    fn pages_map_grow_move_and_unmap() {
        let p = map(2 * PAGE).unwrap();
        assert_eq!(p as usize % PAGE, 0);
        // SAFETY: the two pages were just mapped, writable, and are ours alone.
        unsafe {
            assert_eq!(*p.add(2 * PAGE - 1), 0);
            *p = 7;
            *p.add(2 * PAGE - 1) = 9;
            let q = remap(p, 2 * PAGE, 64 * PAGE, true).unwrap();
            assert_eq!((*q, *q.add(2 * PAGE - 1), *q.add(64 * PAGE - 1)), (7, 9, 0));
            unmap(q.add(PAGE), 63 * PAGE).unwrap();
            assert_eq!(*q, 7);
            unmap(q, PAGE).unwrap();
        }
        assert_eq!(map(usize::MAX - PAGE + 1), Err(Errno::ENOMEM));
    }
}
