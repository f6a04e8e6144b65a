//! The CPU limit, per request: a handler stuck in a loop is stopped, and a keep-alive connection
//! that lives long is never cut off for what its earlier requests used. The clock itself is
//! `verbosel_rt`'s (`watch_cpu`: a SIGXCPU handler, which safe code cannot install); this module
//! chooses the limits and what a runaway's client is told.
//!
//! The soft RLIMIT_CPU is one request's budget and the hard limit [`BUDGETS_PER_PROCESS`] of them:
//! a runaway request is stopped after at most two budgets of CPU, with a 500 if nothing was sent
//! yet; near the hard limit the process retires (`Connection: close` after the response in
//! flight), never cutting a response in the middle.

use crate::flags::{NOTHING_IN_FLIGHT, RESPONSE_STARTED};
use verbosel_rt::{CpuBudget, watch_cpu};
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

/// Arms the per-request limit in a connection process (before its sandbox: rt_sigaction is not
/// allowed after it).
pub(crate) fn install(soft: u64, hard: u64) -> verbosel_sys::Result<()> {
    watch_cpu(CpuBudget {
        budget_secs: soft,
        hard_secs: hard,
        idle: NOTHING_IN_FLIGHT.atomic(),
        response_started: RESPONSE_STARTED.atomic(),
        answer: crate::answers::INTERNAL_ERROR,
        exit_code: EXIT_CPU_LIMIT,
    })
}

/// A request begins.
#[inline(always)]
pub(crate) fn request_started() {
    verbosel_rt::cpu_request_started();
}

/// Whether the process is near its CPU hard limit: the connection closes after the response in
/// flight.
pub(crate) fn retiring() -> bool {
    verbosel_rt::cpu_retiring()
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
