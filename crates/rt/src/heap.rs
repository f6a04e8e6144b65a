//! The heap: the global allocator of apps built with verbosel's `alloc` feature, so that
//! handlers can use `Vec`, `String`, `format!` and `BTreeMap`.
//!
//! Pages come from the kernel (mmap(2)); what is freed is reused, so that one keep-alive
//! connection serving a million requests, each allocating and freeing, stays the same size:
//!
//! - Small blocks (up to [`SMALL_MAX`] bytes) come in [`CLASSES`] size classes, four per doubling.
//!   Each class has a free list threaded through its free blocks, and carves new blocks from a
//!   slab of [`SLAB`] bytes that it takes when the list is empty. Memory a class took stays with
//!   that class: the workload of one request repeats, so the next request finds its blocks on
//!   the lists.
//! - Large blocks are runs of whole pages. A freed run is kept for reuse (merged with the kept
//!   runs beside it) while the kept runs stay within [`RUN_CACHE`] bytes and [`RUN_SLOTS`]
//!   slots; anything beyond goes back to the kernel (munmap(2)). A large block grows in place
//!   when a kept run follows it or the kernel can extend it (mremap(2) without moving), and
//!   otherwise moves by mremap, which moves page tables rather than bytes.
//!
//! Alignment: a small block of a power-of-two class is aligned to its size (slabs are
//! page-aligned), every small block to 16; a request aligned to more than 16 takes the
//! power-of-two class that covers both its size and its alignment. Large blocks are
//! page-aligned; a request aligned to more than a page is mapped with room to spare and the
//! pages either side of the aligned block are unmapped. Zero-size requests (which the
//! `GlobalAlloc` contract forbids its callers) get a valid 16-byte block. A request larger than
//! the address space, or past the limit, gets null: in a `no_std` program `handle_alloc_error`
//! turns that into a panic in the handler (its message is formatted, so stderr shows
//! "(formatted message)" at `alloc/src/alloc.rs`), the framework answers 500 if nothing was sent
//! yet, and the parent logs the exit. Code that asks first (`Vec::try_reserve`) gets an `Err`
//! instead, and no panic.
//!
//! # The limit
//!
//! The heap maps at most its limit ([`HEAP_LIMIT`] for the global heap, which `verbosel::main!`
//! declares), counting slabs, live large blocks and kept runs alike. The sandbox's RLIMIT_AS
//! (64 MiB for the whole process) would stop a runaway handler too, but later and less cleanly:
//! a heap that took all of it leaves the stack no room to grow, and a stack that cannot grow is
//! a SIGSEGV, not a panic with a 500. The own limit also holds under `--no-sandbox`.
//!
//! # Processes, signals, threads
//!
//! The heap's state is a static, so every process has its own: a connection process forked
//! from the parent starts from the parent's heap (empty, as the framework never allocates in
//! the parent; if an app's `main` does, the child inherits a consistent copy, because fork
//! happens between two calls, never inside one). With `--reuse`, one process serves many
//! connections in turn and its heap lives on between them: statics may keep allocations, and
//! freed memory serves the next connection.
//!
//! A connection process has one thread, and verbosel's signal handlers never allocate. The heap
//! still does not rely on either: a call that finds another one in progress (a signal handler
//! that allocates, a thread someone made with raw clone(2)) fails — null, or a leak for a
//! `dealloc` — instead of waiting for a lock that can never be released or corrupting the lists.

use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;
use core::ptr::{self, null_mut};
use core::sync::atomic::{AtomicBool, Ordering};
use verbosel_sys::pages;

/// The global heap's limit: the bytes it may map in one process (one connection's, or with
/// `--reuse` one worker's). Half the sandbox's 64 MiB address space: the rest is for the
/// binary, the 1 MiB request buffer and a stack of up to 8 MiB (RLIMIT_STACK's usual value),
/// which must still be able to grow when the handler panics.
pub const HEAP_LIMIT: usize = 32 << 20;

/// The largest small block; larger requests are page runs. Half a page: a run of one page for
/// a 2 KiB block would waste half of it, a 2 KiB class wastes nothing.
pub const SMALL_MAX: usize = 2048;

/// The number of small size classes.
pub const CLASSES: usize = 24;

/// Block sizes of the small classes: multiples of 16 (every block is 16-aligned), four classes
/// per doubling above 64 bytes, so a block wastes at most about a fifth of itself.
const CLASS_SIZES: [usize; CLASSES] = [
    16, 32, 48, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384, 448, 512, 640, 768, 896, 1024,
    1280, 1536, 1792, 2048,
];

/// The class of every request size up to [`SMALL_MAX`], by `(size - 1) / 16`: the smallest
/// class that holds it.
const CLASS_OF: [u8; SMALL_MAX / 16] = class_table();

const fn class_table() -> [u8; SMALL_MAX / 16] {
    let mut table = [0u8; SMALL_MAX / 16];
    let (mut i, mut c) = (0, 0);
    while i < table.len() {
        while CLASS_SIZES[c] < (i + 1) * 16 {
            c += 1;
        }
        table[i] = c as u8;
        i += 1;
    }
    table
}

/// What a small class takes when its free list is empty: 16 KiB (four 4 KiB pages), or one
/// page where pages are larger (aarch64's 16 and 64 KiB pages). Whole pages
/// keep power-of-two blocks aligned to their size; 16 KiB leaves little of a slab unused for
/// any class (16,384 is a multiple of most class sizes; 1,536 leaves the most, 1,024 bytes).
/// Carving is lazy, so a class that needs one block touches one page of its slab, not four.
pub const SLAB: usize = 16 << 10;

/// Freed page runs are kept for reuse up to this many bytes in all; beyond it they go back to
/// the kernel. A handler that builds a large page or body on every request finds the runs of
/// the last one, without a system call or a page fault per page.
pub const RUN_CACHE: usize = 1 << 20;

/// Kept runs, at most. Adjacent runs merge, so this bounds fragments, not memory.
pub const RUN_SLOTS: usize = 16;

/// A run of free pages kept for reuse (`len == 0`: an empty slot).
#[derive(Clone, Copy)]
struct Run {
    addr: usize,
    len: usize,
}

/// Where a small class carves its next block: `next..end` of its current slab.
#[derive(Clone, Copy)]
struct Carve {
    next: usize,
    end: usize,
}

/// The heap's bookkeeping. Every pointer in it is to memory it mapped.
struct State {
    /// Bytes the heap may have mapped at once.
    limit: usize,
    /// Bytes mapped now: slabs, live large blocks and kept runs.
    mapped: usize,
    /// Free blocks of each class, each holding the address of the next in its first word.
    free: [usize; CLASSES],
    carve: [Carve; CLASSES],
    runs: [Run; RUN_SLOTS],
    /// Bytes in `runs`.
    kept: usize,
    /// A page size to assume instead of the kernel's, so that the tests can run the heap with
    /// aarch64's 16 and 64 KiB pages on any host (0: the kernel's).
    #[cfg(test)]
    page_override: usize,
}

/// A heap: as `#[global_allocator]` it serves the whole process (see the module's
/// documentation); as a plain value it is what the tests exercise.
pub struct Heap {
    /// Set while a call is inside; a second call that finds it set fails instead.
    busy: AtomicBool,
    state: UnsafeCell<State>,
}

// SAFETY: the state is only reached through `Heap::with`, which hands out its one `&mut` to
// whoever swaps `busy` from false to true and takes it back before clearing `busy`: at most one
// caller, on any thread, is ever inside.
unsafe impl Sync for Heap {}

impl Heap {
    /// An empty heap that will map at most `limit` bytes.
    pub const fn new(limit: usize) -> Heap {
        Heap {
            busy: AtomicBool::new(false),
            state: UnsafeCell::new(State {
                limit,
                mapped: 0,
                free: [0; CLASSES],
                carve: [Carve { next: 0, end: 0 }; CLASSES],
                runs: [Run { addr: 0, len: 0 }; RUN_SLOTS],
                kept: 0,
                #[cfg(test)]
                page_override: 0,
            }),
        }
    }

    /// An empty heap that takes `page` for the page size (a multiple of the kernel's).
    #[cfg(test)]
    pub(crate) fn with_page(limit: usize, page: usize) -> Heap {
        let heap = Heap::new(limit);
        heap.with(|s| s.page_override = page);
        heap
    }

    /// Bytes the heap has mapped now (slabs, live large blocks and kept runs); `None` if a call
    /// is in progress.
    pub fn mapped(&self) -> Option<usize> {
        self.with(|s| s.mapped)
    }

    /// Bytes of freed page runs kept for reuse; `None` if a call is in progress.
    pub fn kept(&self) -> Option<usize> {
        self.with(|s| s.kept)
    }

    /// Runs `f` on the state if no other call is inside.
    fn with<R>(&self, f: impl FnOnce(&mut State) -> R) -> Option<R> {
        if self.busy.swap(true, Ordering::Acquire) {
            return None;
        }
        // SAFETY: `busy` was false and is now set by us: no other reference to the state exists
        // until we clear it below (see the `Sync` impl).
        let r = f(unsafe { &mut *self.state.get() });
        self.busy.store(false, Ordering::Release);
        Some(r)
    }
}

// SAFETY: every block returned is `size` bytes (at least), aligned to `align`, inside memory
// mapped for this heap and used by no other live block (see `State`'s methods); null is returned
// on any failure; `dealloc` and `realloc` take back only what their caller got from this heap,
// per the trait's contract.
unsafe impl GlobalAlloc for Heap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        self.with(|s| s.alloc(layout.size(), layout.align()).0)
            .unwrap_or(null_mut())
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        self.with(|s| {
            let (p, fresh) = s.alloc(layout.size(), layout.align());
            if !p.is_null() && !fresh {
                // SAFETY: `p` is a new block of at least `size` writable bytes.
                unsafe { ptr::write_bytes(p, 0, layout.size()) };
            }
            p
        })
        .unwrap_or(null_mut())
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract: `ptr` is a live block of this heap allocated with
        // `layout`. If another call is inside (never, in a connection process), it leaks.
        self.with(|s| unsafe { s.dealloc(ptr, layout.size(), layout.align()) });
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's contract, as for `dealloc`; `new_size` rounded up to the
        // alignment does not overflow `isize`.
        self.with(|s| unsafe { s.realloc(ptr, layout.size(), layout.align(), new_size) })
            .unwrap_or(null_mut())
    }
}

/// The small class of a request, or `None` for a page run.
fn class_of(size: usize, align: usize) -> Option<usize> {
    if size > SMALL_MAX || align > SMALL_MAX {
        return None;
    }
    // Above 16, only a power-of-two class is sure to be aligned enough: the one that covers
    // both the size and the alignment (at most SMALL_MAX, itself a class).
    let size = if align <= 16 {
        size
    } else {
        size.max(align).next_power_of_two()
    };
    CLASS_OF
        .get(size.saturating_sub(1) / 16)
        .map(|&c| c as usize)
}

impl State {
    /// The granule of everything the heap maps: the kernel's page, 4 KiB on x86_64; on aarch64
    /// 4, 16 or 64 KiB, as start-up read it from the auxiliary vector (`AT_PAGESZ`). A heap
    /// that assumed 4 KiB on a 64 KiB kernel would give a run of 4 KiB back with munmap(2),
    /// which rounds the length up to whole pages: it would unmap its neighbours too.
    #[inline(always)]
    fn page(&self) -> usize {
        #[cfg(test)]
        if self.page_override != 0 {
            return self.page_override;
        }
        pages::size()
    }

    /// `len` rounded up to whole pages (at least one); `None` past the address space.
    fn page_len(&self, len: usize) -> Option<usize> {
        let page = self.page();
        Some(len.max(1).checked_add(page - 1)? & !(page - 1))
    }

    /// The bytes of a small class's slab: [`SLAB`], or one page if a page is larger.
    fn slab_len(&self) -> usize {
        SLAB.max(self.page())
    }

    /// A new block and whether its memory is fresh from the kernel (so already zero); null if
    /// there is no room.
    fn alloc(&mut self, size: usize, align: usize) -> (*mut u8, bool) {
        match class_of(size, align) {
            Some(c) => (self.alloc_small(c), false),
            None => self.alloc_large(size, align),
        }
    }

    fn alloc_small(&mut self, c: usize) -> *mut u8 {
        let (Some(head), Some(&size)) = (self.free.get(c).copied(), CLASS_SIZES.get(c)) else {
            return null_mut();
        };
        if head != 0 {
            // SAFETY: `head` is a free block of this class (pushed by `dealloc`): 16-aligned, at
            // least 16 bytes, its first word the next free block's address.
            self.free[c] = unsafe { (head as *const usize).read() };
            return head as *mut u8;
        }
        let mut carve = self.carve[c];
        if carve.end - carve.next < size {
            let len = self.slab_len();
            let slab = self.pages(len).0;
            if slab.is_null() {
                return null_mut();
            }
            // The rest of the old slab (less than one block) stays unused.
            carve = Carve {
                next: slab as usize,
                end: slab as usize + len,
            };
        }
        let block = carve.next;
        carve.next += size;
        self.carve[c] = carve;
        block as *mut u8
    }

    fn alloc_large(&mut self, size: usize, align: usize) -> (*mut u8, bool) {
        let Some(len) = self.page_len(size) else {
            return (null_mut(), false);
        };
        let page = self.page();
        if align <= page {
            return self.pages(len);
        }
        // Map `align - page` more than needed, so that an aligned start is inside, and give the
        // pages before and after the block back. The kept runs are not searched: few are
        // aligned to more than a page.
        let Some(over) = len.checked_add(align - page) else {
            return (null_mut(), false);
        };
        let Some(start) = self.map(over) else {
            return (null_mut(), false);
        };
        let aligned = (start as usize).next_multiple_of(align);
        let head = aligned - start as usize;
        // SAFETY: both ranges are inside the mapping just made, page-aligned (`align` is a
        // multiple of the page), and nothing refers to them.
        unsafe {
            self.unmap(start, head);
            self.unmap((aligned + len) as *mut u8, over - head - len);
        }
        (aligned as *mut u8, true)
    }

    /// # Safety
    /// `ptr` is a live block of this heap allocated with `size` and `align`.
    unsafe fn dealloc(&mut self, ptr: *mut u8, size: usize, align: usize) {
        match class_of(size, align) {
            Some(c) => {
                // SAFETY: the block is ours, free from now on, 16-aligned and at least 16 bytes:
                // its first word can hold the list's link.
                unsafe { (ptr as *mut usize).write(self.free[c]) };
                self.free[c] = ptr as usize;
            }
            // A block's run is its size in pages: `alloc` made it from exactly that.
            None => {
                if let Some(len) = self.page_len(size) {
                    // SAFETY: the caller gives the run up.
                    unsafe { self.release(ptr as usize, len) };
                }
            }
        }
    }

    /// # Safety
    /// As for `dealloc`; and `new_size`, rounded up to `align`, does not overflow `isize`.
    unsafe fn realloc(
        &mut self,
        ptr: *mut u8,
        size: usize,
        align: usize,
        new_size: usize,
    ) -> *mut u8 {
        match (class_of(size, align), class_of(new_size, align)) {
            (Some(a), Some(b)) if a == b => return ptr,
            (None, None) => {
                // SAFETY: the caller's contract: a live large block of `size`.
                if let Some(p) = unsafe { self.resize_large(ptr, size, new_size, align) } {
                    return p;
                }
            }
            _ => {}
        }
        // Elsewhere: a new block, the bytes both hold, and the old one freed.
        let new = self.alloc(new_size, align).0;
        if !new.is_null() {
            // SAFETY: two distinct live blocks, each at least as long as the copy.
            unsafe {
                ptr::copy_nonoverlapping(ptr, new, size.min(new_size));
                self.dealloc(ptr, size, align);
            }
        }
        new
    }

    /// Resizes a large block where it is, or moves it without copying (mremap); `None` when
    /// neither works and the caller must copy.
    ///
    /// # Safety
    /// `ptr` is a live large block of `size` bytes, aligned to `align`.
    unsafe fn resize_large(
        &mut self,
        ptr: *mut u8,
        size: usize,
        new_size: usize,
        align: usize,
    ) -> Option<*mut u8> {
        let (len, new_len) = (self.page_len(size)?, self.page_len(new_size)?);
        let addr = ptr as usize;
        if new_len <= len {
            // SAFETY: the pages past the new end are the block's and are given up.
            unsafe { self.release(addr + new_len, len - new_len) };
            return Some(ptr);
        }
        let more = new_len - len;
        if self.take_kept_at(addr + len, more) {
            return Some(ptr);
        }
        if !self.room_for(more) {
            return None;
        }
        // SAFETY: the block's pages are a mapping of ours (perhaps several, if it was cut from
        // merged runs: then mremap fails with EFAULT and the caller copies). It only moves when
        // its alignment survives a move to another page boundary, and then the caller's old
        // pointer is given up along with the block.
        let moved = unsafe {
            pages::remap(ptr, len, new_len, false)
                .or_else(|_| match align <= self.page() {
                    true => pages::remap(ptr, len, new_len, true),
                    false => Err(verbosel_sys::Errno::EINVAL),
                })
                .ok()?
        };
        self.mapped += more;
        Some(moved)
    }

    /// `len` bytes of pages: the start of the lowest kept run that is long enough, else a new
    /// mapping. (Address-ordered first fit: in the reuse test it left about a third less kept
    /// and mapped than best fit, whose leftovers scatter.) The flag says whether the memory is
    /// fresh from the kernel.
    fn pages(&mut self, len: usize) -> (*mut u8, bool) {
        let best = self
            .runs
            .iter_mut()
            .filter(|r| r.len >= len)
            .min_by_key(|r| r.addr);
        if let Some(run) = best {
            let addr = run.addr;
            run.addr += len;
            run.len -= len;
            self.kept -= len;
            return (addr as *mut u8, false);
        }
        match self.map(len) {
            Some(p) => (p, true),
            None => (null_mut(), false),
        }
    }

    /// A new mapping of `len` bytes, within the limit; when the limit or the kernel says no,
    /// the kept runs go back first and it is tried once more.
    fn map(&mut self, len: usize) -> Option<*mut u8> {
        if !self.room_for(len) {
            return None;
        }
        let p = pages::map(len)
            .or_else(|_| match self.kept {
                0 => Err(verbosel_sys::Errno::ENOMEM),
                _ => {
                    self.flush();
                    pages::map(len)
                }
            })
            .ok()?;
        self.mapped += len;
        Some(p)
    }

    /// Whether `len` more bytes fit under the limit, after giving the kept runs back if that
    /// makes the difference.
    fn room_for(&mut self, len: usize) -> bool {
        let fits = |s: &State| s.mapped.checked_add(len).is_some_and(|m| m <= s.limit);
        if !fits(self) && self.kept > 0 {
            self.flush();
        }
        fits(self)
    }

    /// Gives every kept run back to the kernel.
    fn flush(&mut self) {
        for i in 0..RUN_SLOTS {
            let run = core::mem::replace(&mut self.runs[i], Run { addr: 0, len: 0 });
            if run.len > 0 {
                self.kept -= run.len;
                // SAFETY: a kept run is free pages of ours that nothing refers to.
                unsafe { self.unmap(run.addr as *mut u8, run.len) };
            }
        }
    }

    /// Takes `len` bytes from the start of the kept run that begins at `addr`, if there is one
    /// that long: a block ending at `addr` grows into it.
    fn take_kept_at(&mut self, addr: usize, len: usize) -> bool {
        let Some(run) = self
            .runs
            .iter_mut()
            .find(|r| r.len >= len && r.addr == addr)
        else {
            return false;
        };
        run.addr += len;
        run.len -= len;
        self.kept -= len;
        true
    }

    /// Keeps a freed run for reuse, merged with any kept run beside it, or gives it back to the
    /// kernel when the kept runs would pass [`RUN_CACHE`] or [`RUN_SLOTS`].
    ///
    /// # Safety
    /// `addr..addr + len` are page-aligned pages of this heap that nothing refers to.
    unsafe fn release(&mut self, addr: usize, len: usize) {
        if len == 0 {
            return;
        }
        if self.kept + len <= RUN_CACHE && self.keep(addr, len) {
            self.kept += len;
            return;
        }
        // SAFETY: the caller's contract.
        unsafe { self.unmap(addr as *mut u8, len) };
    }

    /// Adds a run to the kept ones; false if it neither merges nor finds an empty slot.
    fn keep(&mut self, addr: usize, len: usize) -> bool {
        let (mut addr, mut len) = (addr, len);
        // Absorb the kept runs just before and just after it (at most one of each), freeing
        // their slots; then it takes a free slot.
        for i in 0..RUN_SLOTS {
            let r = self.runs[i];
            if r.len > 0 && (r.addr + r.len == addr || addr + len == r.addr) {
                addr = addr.min(r.addr);
                len += r.len;
                self.runs[i] = Run { addr: 0, len: 0 };
            }
        }
        // A merge left a slot free; otherwise there may be none.
        match self.runs.iter_mut().find(|r| r.len == 0) {
            Some(slot) => {
                *slot = Run { addr, len };
                true
            }
            None => false,
        }
    }

    /// Gives pages back to the kernel. If it refuses (munmap can fail with ENOMEM when it
    /// would split a mapping past the process's map count), they stay counted as mapped.
    ///
    /// # Safety
    /// As for `pages::unmap`; `len` bytes of this heap's mapped memory.
    unsafe fn unmap(&mut self, addr: *mut u8, len: usize) {
        if len == 0 {
            return;
        }
        // SAFETY: the caller's contract.
        if unsafe { pages::unmap(addr, len) }.is_ok() {
            self.mapped -= len;
        }
    }
}

#[cfg(test)]
mod tests;
