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
pub const ACCEPTING: i32 = 1;
/// A `--reuse` worker is serving a connection; it comes back to `ACCEPTING`.
pub const SERVING: i32 = 2;
/// A one-shot spare took its connection: the slot can be given to another spare.
pub const DONE: i32 = 3;

/// Slots available: the shared page, less the one word for the high-water mark.
pub const SLOTS: usize = COUNTERS - 1;

/// The board, over the shared page: its first word is how many slots have ever been in use (the
/// scan bound), the rest are the slots' states.
pub struct Scoreboard {
    used: &'static AtomicI32,
    states: &'static [AtomicI32],
    /// The parent's private record of which pid holds which slot (0: none), kept out of the
    /// children like the pid table (see `verbosel_sys::shared::private_table`).
    owner: &'static [AtomicI32; SLOTS],
}

// Slots are reached with `get` and iterators, not indexing: a slot number is the parent's own
// bookkeeping, and a wrong one must not be able to bring the parent down.
impl Scoreboard {
    /// Wraps a freshly mapped shared page.
    pub fn new(
        words: &'static [AtomicI32; COUNTERS],
        owner: &'static [AtomicI32; SLOTS],
    ) -> Scoreboard {
        let [used, states @ ..] = words;
        Scoreboard {
            used,
            states,
            owner,
        }
    }

    fn bound(&self) -> usize {
        (self.used.load(Ordering::Acquire) as usize).min(SLOTS)
    }

    /// Sets a slot's state (children: their own slot only).
    pub fn set(&self, slot: usize, state: i32) {
        if let Some(w) = self.states.get(slot) {
            w.store(state, Ordering::Release);
        }
    }

    /// How many spares wait in accept() right now.
    pub fn accepting(&self) -> u32 {
        self.states
            .iter()
            .take(self.bound())
            .filter(|w| w.load(Ordering::Acquire) == ACCEPTING)
            .count() as u32
    }

    /// Parent: takes a free slot for a spare about to be forked, marked accepting.
    pub fn allocate(&self) -> Option<usize> {
        let slot = self.owner.iter().zip(self.states).position(|(o, w)| {
            o.load(Ordering::Relaxed) == 0 && w.load(Ordering::Acquire) == FREE
        })?;
        if slot >= self.bound() {
            self.used.store(slot as i32 + 1, Ordering::Release);
        }
        self.owner.get(slot)?.store(-1, Ordering::Relaxed); // reserved until the fork returns
        self.set(slot, ACCEPTING);
        Some(slot)
    }

    /// Parent: records the forked child's pid in its slot, or frees the slot if fork failed.
    pub fn assign(&self, slot: usize, pid: Option<i32>) {
        match (pid, self.owner.get(slot)) {
            (Some(pid), Some(o)) => o.store(pid, Ordering::Relaxed),
            _ => self.release(slot),
        }
    }

    fn release(&self, slot: usize) {
        if let Some(o) = self.owner.get(slot) {
            o.store(0, Ordering::Relaxed);
        }
        self.set(slot, FREE);
    }

    /// Parent: a child exited; free its slot if it still had one.
    pub fn exited(&self, pid: i32) {
        let bound = self.bound();
        if let Some(s) = self
            .owner
            .iter()
            .take(bound)
            .position(|o| o.load(Ordering::Relaxed) == pid)
        {
            self.release(s);
        }
    }

    /// Parent: frees the slots of one-shot spares that took their connection.
    pub fn collect_done(&self) {
        for (s, w) in self.states.iter().take(self.bound()).enumerate() {
            if w.load(Ordering::Acquire) == DONE {
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
            verbosel_sys::shared::private_table::<SLOTS>().unwrap(),
        );
        let a = board.allocate().unwrap();
        board.assign(a, Some(100));
        let b = board.allocate().unwrap();
        board.assign(b, Some(101));
        assert_ne!(a, b);
        assert_eq!(board.accepting(), 2);
        // A one-shot spare takes a connection; its slot is collected and reused.
        board.set(a, DONE);
        assert_eq!(board.accepting(), 1);
        board.collect_done();
        let c = board.allocate().unwrap();
        assert_eq!(c, a);
        board.assign(c, None); // fork failed
        // A reuse worker goes busy and comes back.
        board.set(b, SERVING);
        assert_eq!(board.accepting(), 0);
        board.set(b, ACCEPTING);
        assert_eq!(board.accepting(), 1);
        // An idle spare killed by a signal: its exit frees the slot, the count stays true.
        board.exited(101);
        assert_eq!(board.accepting(), 0);
        assert_eq!(board.allocate(), Some(a));
    }
}
