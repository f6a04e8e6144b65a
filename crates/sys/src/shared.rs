//! Memory shared between the parent and the processes it forks: mmap(2) with
//! `MAP_SHARED | MAP_ANONYMOUS`. The parent maps it before forking; every child sees the same
//! page. The only view offered is an array of atomics, the one safe way for processes to share
//! mutable memory.

use crate::arch::{self, Arg};
use crate::{Result, nr};
use core::sync::atomic::AtomicI32;

/// Counters in the shared mapping.
pub const COUNTERS: usize = 4096;

/// Maps fresh, zeroed memory (16 KiB) shared with every process forked after this call.
pub fn shared_counters() -> Result<&'static [AtomicI32; COUNTERS]> {
    const PROT_READ_WRITE: usize = 0x1 | 0x2;
    const MAP_SHARED_ANONYMOUS: usize = 0x01 | 0x20;
    // SAFETY: a new anonymous mapping of COUNTERS words (16 KiB); no existing memory is touched.
    let addr = unsafe {
        arch::syscall6(
            nr::MMAP,
            Arg::NULL,
            Arg::int(size_of::<[AtomicI32; COUNTERS]>()),
            Arg::int(PROT_READ_WRITE),
            Arg::int(MAP_SHARED_ANONYMOUS),
            Arg::signed(-1),
            Arg::int(0),
        )
    }
    .pointer()?;
    // SAFETY: the mapping is page-aligned, zero-filled (a valid AtomicI32 array: same size and
    // alignment as i32), writable, and never unmapped, so a `'static` shared reference is sound;
    // all access goes through atomics, which is what makes sharing it across processes sound too.
    Ok(unsafe { &*addr.cast::<[AtomicI32; COUNTERS]>() })
}

/// Maps `N` zeroed atomics that this process keeps to itself: `MADV_DONTFORK` leaves them out
/// of every child. The parent's bookkeeping lives here, because a page the parent writes after a
/// fork would otherwise stay behind in the child as the child's own private copy — a page of
/// memory per connection process that nobody uses.
/// The length is part of the type, so indexes the caller bounds by `N` need no run-time check.
pub fn private_table<const N: usize>() -> Result<&'static [AtomicI32; N]> {
    const PROT_READ_WRITE: usize = 0x1 | 0x2;
    const MAP_PRIVATE_ANONYMOUS: usize = 0x02 | 0x20;
    const MADV_DONTFORK: usize = 10;
    let len = size_of::<[AtomicI32; N]>();
    // SAFETY: a new anonymous mapping; no existing memory is touched.
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
    // SAFETY: advice on the mapping just created; its contents are not touched.
    unsafe {
        arch::syscall3_readonly(
            nr::MADVISE,
            Arg::raw(addr),
            Arg::int(len),
            Arg::int(MADV_DONTFORK),
        )
    }
    .result()?;
    // SAFETY: page-aligned, zero-filled, writable, never unmapped; `N` i32-sized atomics fit.
    Ok(unsafe { &*addr.cast::<[AtomicI32; N]>() })
}

#[cfg(test)]
mod tests {
    use core::sync::atomic::Ordering;

    #[test]
    fn a_shared_page_is_zeroed_and_writable() {
        let c = super::shared_counters().unwrap();
        assert!(c.iter().all(|a| a.load(Ordering::Relaxed) == 0));
        c[3].fetch_add(5, Ordering::Relaxed);
        assert_eq!(c[3].load(Ordering::Relaxed), 5);
        let t = super::private_table::<100_000>().unwrap();
        assert_eq!(t.len(), 100_000);
        t[99_999].store(7, Ordering::Relaxed);
        assert_eq!(t[99_999].load(Ordering::Relaxed), 7);
    }
}
