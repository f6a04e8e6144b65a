//! A CPU budget per request: a handler stuck in a loop is stopped, and a keep-alive connection
//! that lives long is never cut off for what its earlier requests used.
//!
//! RLIMIT_CPU counts a whole process, so the kernel's own limit is only the backstop: the soft
//! limit is one request's budget, and past it the kernel sends SIGXCPU once per further second
//! of CPU (and moves the soft limit along itself, setrlimit(2)), until the hard limit, where it
//! sends SIGKILL. Those signals are the ticks of a clock that only runs while the process
//! computes. At each tick the handler asks: is the request in flight the one that was in flight
//! at the last tick (the count [`cpu_request_started`] keeps has not moved)? After a budget's
//! worth of ticks with the same request, it is a runaway: the client gets the caller's answer
//! (a 500) if nothing was sent yet, and the process ends with the caller's exit code. A request
//! that uses less than its budget is never stopped; a runaway is stopped after at most two
//! budgets of CPU. Near the hard limit the process retires ([`cpu_retiring`]): the caller closes
//! the connection after the response in flight, never in the middle of one.
//!
//! The handler is arbitrary code in a signal handler, so it lives here, where `unsafe` may be
//! used to install it; it touches only atomics and calls only write and exit_group, which are
//! async-signal-safe (signal-safety(7)). The cost per request is one counter increment.

use crate::memory::cpu_watch;
use core::sync::atomic::Ordering::SeqCst;
use core::sync::atomic::{AtomicI32, AtomicPtr, AtomicUsize};
use verbosel_sys::signal::{SA_RESTART, SIGXCPU, SigSet};
use verbosel_sys::{io, process};

/// What [`watch_cpu`] needs from the program that arms it.
pub struct CpuBudget {
    /// The soft RLIMIT_CPU the process runs under: one request's budget, in seconds.
    pub budget_secs: u64,
    /// The hard RLIMIT_CPU, in seconds.
    pub hard_secs: u64,
    /// Nonzero while the process has no request in flight (waiting for the next one).
    pub idle: &'static AtomicI32,
    /// Nonzero once a response has started; a runaway sets it and sends `answer` only if it was
    /// zero.
    pub response_started: &'static AtomicI32,
    /// Written to the connection [`crate::answer_panics_on`] recorded, for a runaway whose
    /// response has not started.
    pub answer: &'static [u8],
    /// The exit code of a process stopped for a runaway request.
    pub exit_code: i32,
}

/// The watch's state, in the connection memory's first page (see `memory.rs`).
pub(crate) struct CpuWatch {
    requests: AtomicI32,
    last_seen: AtomicI32,
    same_request: AtomicI32,
    ticks: AtomicI32,
    budget: AtomicI32,
    hard: AtomicI32,
    retire: AtomicI32,
    exit_code: AtomicI32,
    idle: AtomicPtr<AtomicI32>,
    started: AtomicPtr<AtomicI32>,
    answer: AtomicPtr<u8>,
    answer_len: AtomicUsize,
}

impl CpuWatch {
    /// The state before [`watch_cpu`] (for the static that holds it).
    pub(crate) const fn new() -> CpuWatch {
        CpuWatch {
            requests: AtomicI32::new(0),
            last_seen: AtomicI32::new(0),
            same_request: AtomicI32::new(0),
            ticks: AtomicI32::new(0),
            budget: AtomicI32::new(0),
            hard: AtomicI32::new(0),
            retire: AtomicI32::new(0),
            exit_code: AtomicI32::new(0),
            idle: AtomicPtr::new(core::ptr::null_mut()),
            started: AtomicPtr::new(core::ptr::null_mut()),
            answer: AtomicPtr::new(core::ptr::null_mut()),
            answer_len: AtomicUsize::new(0),
        }
    }
}

fn clamp(secs: u64) -> i32 {
    secs.min(i32::MAX as u64) as i32
}

/// Arms the per-request budget in this process: SIGXCPU now runs the watch's handler. Call it
/// before a seccomp filter that forbids rt_sigaction, in a process whose RLIMIT_CPU is
/// `budget_secs`/`hard_secs`.
pub fn watch_cpu(b: CpuBudget) -> verbosel_sys::Result<()> {
    let w = cpu_watch();
    let ptr = |a: &'static AtomicI32| a as *const AtomicI32 as *mut AtomicI32;
    w.budget.store(clamp(b.budget_secs), SeqCst);
    w.hard.store(clamp(b.hard_secs), SeqCst);
    w.exit_code.store(b.exit_code, SeqCst);
    // No request has been seen at a tick yet: the first tick counts as a new request.
    w.last_seen.store(-1, SeqCst);
    w.idle.store(ptr(b.idle), SeqCst);
    w.started.store(ptr(b.response_started), SeqCst);
    w.answer_len.store(b.answer.len(), SeqCst);
    w.answer.store(b.answer.as_ptr() as *mut u8, SeqCst);
    // SAFETY: `on_tick` touches only atomics, reads the `'static` data stored above, and calls
    // write and exit_group: async-signal-safe (signal-safety(7)); it never panics.
    unsafe { verbosel_sys::signal::sigaction(SIGXCPU, on_tick, SA_RESTART, SigSet::EMPTY) }
}

/// A request begins (for the watch: a new request resets its count of ticks).
#[inline(always)]
pub fn cpu_request_started() {
    let r = &cpu_watch().requests;
    r.store(r.load(SeqCst).wrapping_add(1) & i32::MAX, SeqCst);
}

/// Whether the process is near its CPU hard limit: it should close its connection after the
/// response in flight, so that no request starts without its whole budget ahead of it.
pub fn cpu_retiring() -> bool {
    cpu_watch().retire.load(SeqCst) != 0
}

/// One CPU-second past the budget.
extern "C" fn on_tick(_sig: i32) {
    let w = cpu_watch();
    let seen = w.requests.load(SeqCst);
    // SAFETY: `watch_cpu` stores only null or addresses of `&'static AtomicI32` here.
    let idle = unsafe { w.idle.load(SeqCst).as_ref() }.is_some_and(|i| i.load(SeqCst) != 0);
    if seen != w.last_seen.load(SeqCst) || idle {
        w.last_seen.store(seen, SeqCst);
        w.same_request.store(0, SeqCst);
    } else {
        w.same_request.fetch_add(1, SeqCst);
    }
    let budget = w.budget.load(SeqCst);
    if w.same_request.load(SeqCst) >= budget {
        // SAFETY: as above.
        let started = unsafe { w.started.load(SeqCst).as_ref() };
        if started.is_some_and(|s| s.swap(1, SeqCst) == 0) {
            let (p, len) = (w.answer.load(SeqCst), w.answer_len.load(SeqCst));
            if !p.is_null() {
                // SAFETY: `watch_cpu` stored the pointer and length of a `&'static [u8]`
                // (the pointer last, so a non-null one comes with its length).
                let answer = unsafe { core::slice::from_raw_parts(p, len) };
                crate::with_panic_connection(|fd| {
                    let _ = io::write_all(fd, answer);
                });
            }
        }
        process::exit_group(w.exit_code.load(SeqCst));
    }
    // CPU used so far: the budget, then one second per tick. Retire while a whole budget (and
    // the second this tick may be late) is still left below the hard limit.
    let ticks = w.ticks.fetch_add(1, SeqCst) + 1;
    if budget + ticks + budget + 1 >= w.hard.load(SeqCst) {
        w.retire.store(1, SeqCst);
    }
}
