//! The CPU limit, per request: a handler stuck in a loop is stopped, and a keep-alive connection
//! that lives long is never cut off for what its earlier requests used.
//!
//! RLIMIT_CPU counts a whole process, so the kernel's own limit is only the backstop: the soft
//! limit is one request's budget, and past it the kernel sends SIGXCPU once per further second
//! of CPU (and moves the soft limit along itself, setrlimit(2)), until the hard limit, where it
//! sends SIGKILL. Those signals are the ticks of a clock that only runs while the process
//! computes. At each tick the handler asks: is the request in flight the one that was in flight
//! at the last tick ([`flags::REQUESTS`] has not moved)? After a budget's worth of ticks with the
//! same request, it is a runaway: it gets a 500 if nothing was sent yet, and the process ends.
//! A request that uses less than its budget is never stopped; a runaway is stopped after at
//! most two budgets of CPU. Near the hard limit the process retires: the connection closes
//! after the response in flight (`Connection: close`), never in the middle of one.
//!
//! The cost per request is one counter increment; no system call, no timer.

use crate::flags::{
    CPU_BUDGET, CPU_HARD, CPU_LAST_SEEN, CPU_SAME_REQUEST, CPU_TICKS, NOTHING_IN_FLIGHT, REQUESTS,
    RETIRE,
};
use verbosel_sys::process::exit_group;
use verbosel_sys::signal::{Handler, SA_RESTART, SIGXCPU, SigSet, sigaction};

/// Budgets of CPU one connection process may use in all (the hard limit): 16 minutes at the
/// default budget of 60 s, a few million ordinary requests. Past it the process retires
/// gracefully; the limit is the backstop for a process that no longer follows its own rules.
pub const BUDGETS_PER_PROCESS: u64 = 16;

/// The exit code of a connection process stopped for a runaway request.
pub(crate) const EXIT_CPU_LIMIT: i32 = 102;

/// The soft and hard RLIMIT_CPU for a per-request budget of `budget` seconds, within the hard
/// limit this process may set (`ceiling`).
pub(crate) fn rlimits(budget: u64, ceiling: u64) -> (u64, u64) {
    let hard = budget.saturating_mul(BUDGETS_PER_PROCESS).min(ceiling);
    (budget.min(hard / 2).max(1).min(hard), hard)
}

/// Arms the per-request limit in a connection process (before its sandbox: sigaction is not
/// allowed after it).
pub(crate) fn install(soft: u64, hard: u64) -> verbosel_sys::Result<()> {
    CPU_BUDGET.set_word(soft.min(i32::MAX as u64) as i32);
    CPU_HARD.set_word(hard.min(i32::MAX as u64) as i32);
    // No request has been seen at a tick yet: the first tick counts as a new request.
    CPU_LAST_SEEN.set_word(-1);
    sigaction(SIGXCPU, Handler::Call(on_tick), SA_RESTART, SigSet::EMPTY)
}

/// A request begins.
#[inline(always)]
pub(crate) fn request_started() {
    REQUESTS.set_word(REQUESTS.word().wrapping_add(1) & i32::MAX);
}

/// One CPU-second past the budget. Only atomics, write and exit_group: async-signal-safe.
extern "C" fn on_tick(_sig: i32) {
    let seen = REQUESTS.word();
    if seen != CPU_LAST_SEEN.word() || NOTHING_IN_FLIGHT.is_set() {
        CPU_LAST_SEEN.set_word(seen);
        CPU_SAME_REQUEST.set_word(0);
    } else {
        CPU_SAME_REQUEST.set_word(CPU_SAME_REQUEST.word() + 1);
    }
    let budget = CPU_BUDGET.word();
    if CPU_SAME_REQUEST.word() >= budget {
        crate::answer_500_if_nothing_started();
        crate::log::error(&[b"a request used more than its CPU limit: its process is stopped"]);
        exit_group(EXIT_CPU_LIMIT);
    }
    // CPU used so far: the budget, then one second per tick. Retire while a whole budget (and
    // the second this tick may be late) is still left below the hard limit.
    let ticks = CPU_TICKS.word() + 1;
    CPU_TICKS.set_word(ticks);
    if budget + ticks + budget + 1 >= CPU_HARD.word() {
        RETIRE.set(true);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hard_limit_leaves_room_for_the_budget() {
        assert_eq!(rlimits(60, u64::MAX), (60, 960));
        assert_eq!(rlimits(1, u64::MAX), (1, 16));
        // A lower hard limit inherited from the environment: the budget shrinks to fit twice.
        assert_eq!(rlimits(60, 100), (50, 100));
        assert_eq!(rlimits(60, 1), (1, 1));
    }
}
