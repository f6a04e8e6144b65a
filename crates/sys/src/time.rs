//! Clocks: clock_gettime(2), through the vDSO when the kernel offers it (no syscall at all),
//! through the syscall otherwise.

use crate::arch::{self, Arg};
use crate::{nr, vdso};

/// A point in time or a duration: seconds and nanoseconds, the kernel's `struct timespec`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timespec {
    /// Whole seconds.
    pub sec: i64,
    /// Nanoseconds, `0..1_000_000_000`.
    pub nsec: i64,
}

impl Timespec {
    /// Microseconds since the clock's epoch.
    pub fn as_micros(&self) -> u64 {
        (self.sec as u64) * 1_000_000 + (self.nsec as u64) / 1000
    }

    /// Milliseconds since the clock's epoch.
    pub fn as_millis(&self) -> u64 {
        (self.sec as u64) * 1000 + (self.nsec as u64) / 1_000_000
    }

    /// A duration of `ms` milliseconds.
    pub fn from_millis(ms: u64) -> Timespec {
        Timespec {
            sec: (ms / 1000) as i64,
            nsec: ((ms % 1000) * 1_000_000) as i64,
        }
    }
}

/// `CLOCK_REALTIME`: wall-clock time, for the Date header and the access log.
pub const CLOCK_REALTIME: i32 = 0;
/// `CLOCK_MONOTONIC`: never jumps; for deadlines and durations.
pub const CLOCK_MONOTONIC: i32 = 1;

/// Reads a clock. Cannot fail for the two clocks above.
#[inline(never)]
pub fn clock_gettime(clock: i32) -> Timespec {
    read_clock(vdso::clock_gettime(), clock)
}

/// Reads a clock through the vDSO's function if there is one, else through the syscall.
#[inline(always)]
pub(crate) fn read_clock(vdso: Option<vdso::ClockGettime>, clock: i32) -> Timespec {
    let mut ts = Timespec::default();
    if let Some(f) = vdso {
        // SAFETY: `f` is the vDSO's `__vdso_clock_gettime`, found by symbol lookup in the image the
        // kernel mapped; it takes (clockid, struct timespec *) with the C ABI.
        if unsafe { f(clock, &mut ts) } == 0 {
            return ts;
        }
    }
    // SAFETY: the kernel writes one `struct timespec` into `ts`.
    let _ = unsafe {
        arch::syscall2(
            nr::CLOCK_GETTIME,
            Arg::int(clock as usize),
            Arg::by_mut(&mut ts),
        )
    };
    ts
}

/// Monotonic "now".
#[inline]
pub fn monotonic() -> Timespec {
    clock_gettime(CLOCK_MONOTONIC)
}

/// Monotonic milliseconds: what every deadline is counted in. Out of line, because a deadline is
/// checked in a dozen places and the clock read plus the unit conversion is ~80 bytes at each.
#[inline(never)]
pub fn monotonic_ms() -> u64 {
    monotonic().as_millis()
}

/// Seconds since the Unix epoch.
#[inline]
pub fn realtime() -> Timespec {
    clock_gettime(CLOCK_REALTIME)
}

pub use crate::vdso::init as init_vdso;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clocks_advance_and_match_std() {
        let a = monotonic();
        let b = monotonic();
        assert!(b >= a);
        let now = realtime().sec as u64;
        let std_now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        assert!(now.abs_diff(std_now) <= 2);
    }
}
