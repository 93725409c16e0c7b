//! The bug zoo: small CSP programs with one planted concurrency bug each,
//! written for `hoare::sim` and, where the bug can be expressed there, for
//! shuttle. Each file holds both versions side by side and says in its
//! header what the bug is, which schedule triggers it, and which line is
//! the planted fault (marked `// PLANTED`).
//!
//! A program fails by a panic (an assertion, or an `unwrap` of a failed
//! operation) or by a deadlock; each bug fails on some schedules and passes
//! on others. `control` never fails.
//!
//! Where the two tools can switch matters for reading the numbers: a
//! seeded hoare run may switch processes at every channel operation
//! (each poll completes at most one), where a process waits (a timer, a
//! join) and where it yields (`explore` only where a process waits or
//! yields); shuttle 0.8.1 switches at a thread spawn, a yield, a lock and
//! an unlock, and at a channel operation only where it blocks. Where a bug
//! needs a switch at a point where nothing waits, both versions have an
//! explicit yield there (the "work" between two steps), so that the two
//! programs stay the same.
//!
//! Shared by `benches/zoo.rs` (the table) and `tests/sim_zoo.rs`.

use std::future::Future;
use std::pin::Pin;

mod check_then_act;
mod control;
mod late_reply;
mod lock_order;
mod lost_notify;
mod lost_update;
mod merger_order;
mod premature_close;
mod stale_cache;

/// A hoare program: a fresh future per run.
pub type HoareProgram = Pin<Box<dyn Future<Output = ()> + Send>>;

/// One animal of the zoo.
pub struct Bug {
    /// The row's name (also the name filter of the bench).
    pub name: &'static str,
    /// The hoare version.
    pub hoare: fn() -> HoareProgram,
    /// The shuttle version, `None` where shuttle cannot express the bug
    /// (it has no `select!` and no timers).
    pub shuttle: Option<fn()>,
    /// `true` for the correct control program, which must never fail.
    pub control: bool,
}

/// Every bug, then the control.
pub const ZOO: &[Bug] = &[
    lost_update::BUG,
    check_then_act::BUG,
    lock_order::BUG,
    merger_order::BUG,
    premature_close::BUG,
    premature_close::LATER_ENDS,
    stale_cache::BUG,
    lost_notify::BUG,
    late_reply::BUG,
    control::BUG,
];
