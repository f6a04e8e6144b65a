//! The spare pool's scoreboard (Apache prefork's word): one slot per spare, in memory shared with
//! the children, saying whether that spare waits in accept(), serves, or has moved on.
//!
//! The parent allocates a slot before it forks a spare and frees it when the child exits (or,
//! for a one-shot spare, as soon as it has taken its connection). Children write only their own
//! slot. Counting idle spares is a scan of the slots in use — a handful in practice — so the
//! parent never has to be told of each accept: a child wakes it (one byte on a pipe) only when
//! the pool runs low, and exits wake it anyway (SIGCHLD).

use core::sync::atomic::{AtomicI32, Ordering};
use verbosel_sys::shared::COUNTERS;

/// A free slot.
pub const FREE: i32 = 0;
/// The spare waits in accept().
pub const IDLE: i32 = 1;
/// A `--reuse` worker is serving a connection; it comes back to `IDLE`.
pub const BUSY: i32 = 2;
/// A one-shot spare took its connection: the slot can be given to another spare.
pub const DONE: i32 = 3;

/// Slots available: the shared page, less the one word for the high-water mark.
pub const SLOTS: usize = COUNTERS - 1;

/// The board: `words[0]` is how many slots have ever been in use (the scan bound), `words[1 + s]`
/// is slot `s`'s state.
pub struct Scoreboard {
    words: &'static [AtomicI32; COUNTERS],
    /// The parent's private record of which pid holds which slot (0: none), kept out of the
    /// children like the pid table (see `verbosel_sys::shared::private_table`).
    owner: &'static [AtomicI32],
}

impl Scoreboard {
    /// Wraps a freshly mapped shared page.
    pub fn new(words: &'static [AtomicI32; COUNTERS], owner: &'static [AtomicI32]) -> Scoreboard {
        Scoreboard {
            words,
            owner: &owner[..SLOTS.min(owner.len())],
        }
    }

    fn bound(&self) -> usize {
        (self.words[0].load(Ordering::Acquire) as usize).min(SLOTS)
    }

    /// Sets a slot's state (children: their own slot only).
    pub fn set(&self, slot: usize, state: i32) {
        self.words[1 + slot].store(state, Ordering::Release);
    }

    /// How many spares wait in accept() right now.
    pub fn idle(&self) -> u32 {
        (0..self.bound())
            .filter(|&s| self.words[1 + s].load(Ordering::Acquire) == IDLE)
            .count() as u32
    }

    /// Parent: takes a free slot for a spare about to be forked, marked idle.
    pub fn allocate(&self) -> Option<usize> {
        let slot = (0..SLOTS).find(|&s| {
            self.owner[s].load(Ordering::Relaxed) == 0
                && self.words[1 + s].load(Ordering::Acquire) == FREE
        })?;
        if slot >= self.bound() {
            self.words[0].store(slot as i32 + 1, Ordering::Release);
        }
        self.owner[slot].store(-1, Ordering::Relaxed); // reserved until the fork returns
        self.set(slot, IDLE);
        Some(slot)
    }

    /// Parent: records the forked child's pid in its slot, or frees the slot if fork failed.
    pub fn assign(&self, slot: usize, pid: Option<i32>) {
        match pid {
            Some(pid) => self.owner[slot].store(pid, Ordering::Relaxed),
            None => self.release(slot),
        }
    }

    fn release(&self, slot: usize) {
        self.owner[slot].store(0, Ordering::Relaxed);
        self.set(slot, FREE);
    }

    /// Parent: a child exited; free its slot if it still had one.
    pub fn exited(&self, pid: i32) {
        if let Some(s) = (0..self.bound()).find(|&s| self.owner[s].load(Ordering::Relaxed) == pid) {
            self.release(s);
        }
    }

    /// Parent: frees the slots of one-shot spares that took their connection.
    pub fn collect_done(&self) {
        for s in 0..self.bound() {
            if self.words[1 + s].load(Ordering::Acquire) == DONE {
                self.release(s);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_cycle_through_their_states() {
        let board = Scoreboard::new(
            verbosel_sys::shared::shared_counters().unwrap(),
            verbosel_sys::shared::private_table(SLOTS).unwrap(),
        );
        let a = board.allocate().unwrap();
        board.assign(a, Some(100));
        let b = board.allocate().unwrap();
        board.assign(b, Some(101));
        assert_ne!(a, b);
        assert_eq!(board.idle(), 2);
        // A one-shot spare takes a connection; its slot is collected and reused.
        board.set(a, DONE);
        assert_eq!(board.idle(), 1);
        board.collect_done();
        let c = board.allocate().unwrap();
        assert_eq!(c, a);
        board.assign(c, None); // fork failed
        // A reuse worker goes busy and comes back.
        board.set(b, BUSY);
        assert_eq!(board.idle(), 0);
        board.set(b, IDLE);
        assert_eq!(board.idle(), 1);
        // An idle spare killed by a signal: its exit frees the slot, the count stays true.
        board.exited(101);
        assert_eq!(board.idle(), 0);
        assert_eq!(board.allocate(), Some(a));
    }
}
