//! The cooperative budget: no process monopolises its worker.
//!
//! While the runtime polls a process it gives the thread a budget of
//! [`PROCESS_BUDGET`] completed channel operations. Every `send`/`recv`
//! future (and a waiting `select!`) checks [`poll_proceed`] first: once the
//! budget is spent, the future wakes itself and returns `Pending`, so the
//! process goes to the back of the run queue even if its channels are
//! always ready. Outside a budgeted poll (OS threads, `block_on`, other
//! executors) the budget is unlimited.
//!
//! The simulation polls with a budget of its own choosing
//! ([`with_budget_of`]: one operation in a seeded run, so its schedule
//! may switch at each) and learns whether the budget ran out, to tell a
//! yield forced by the budget from one the process asked for.
//!
//! `try_*` calls and a `select!` with a `default` arm never consult or
//! spend the budget: they never wait, and a spent budget would make a
//! ready operation look pending.

use std::cell::Cell;
use std::task::{Context, Poll};

use crate::sync::thread_local;

/// Channel operations a process may complete in one poll.
pub(crate) const PROCESS_BUDGET: u32 = 128;

/// `BUDGET` outside a budgeted poll: no limit. A sentinel rather than an
/// `Option`, so that the check and the count on every channel operation
/// are one compare each.
const UNLIMITED: u32 = u32::MAX;

thread_local! {
    /// Operations left in this poll, or [`UNLIMITED`].
    static BUDGET: Cell<u32> = Cell::new(UNLIMITED);
    /// Whether an operation found the budget spent (and so yielded) since
    /// [`with_budget_of`] last began.
    static SPENT: Cell<bool> = Cell::new(false);
}

/// Runs `f` with a fresh budget of [`PROCESS_BUDGET`], restoring the
/// previous budget afterwards (polls may nest: `block_on` inside `run`).
pub(crate) fn with_budget<R>(f: impl FnOnce() -> R) -> R {
    struct Restore(u32);
    impl Drop for Restore {
        fn drop(&mut self) {
            BUDGET.with(|cell| cell.set(self.0));
        }
    }
    let _restore = Restore(BUDGET.with(|cell| cell.replace(PROCESS_BUDGET)));
    f()
}

/// Runs `f` with a fresh budget of `limit` operations, restoring the
/// previous budget afterwards; also returns whether an operation inside
/// found the budget spent and yielded (the simulation tells such a yield
/// from one the process asked for). The runtime's polls use
/// [`with_budget`], which leaves that flag alone: nobody reads it there.
pub(crate) fn with_budget_of<R>(limit: u32, f: impl FnOnce() -> R) -> (R, bool) {
    debug_assert!(limit < UNLIMITED, "a budget of {limit} is no limit");
    struct Restore(u32, bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            BUDGET.with(|cell| cell.set(self.0));
            SPENT.with(|cell| cell.set(self.1));
        }
    }
    let _restore = Restore(
        BUDGET.with(|cell| cell.replace(limit)),
        SPENT.with(|cell| cell.replace(false)),
    );
    let output = f();
    (output, SPENT.with(Cell::get))
}

/// `Ready` if the current process may complete another operation;
/// otherwise wakes the task (so it is polled again soon) and is `Pending`.
#[inline]
pub(crate) fn poll_proceed(cx: &mut Context<'_>) -> Poll<()> {
    if spent() {
        SPENT.with(|cell| cell.set(true));
        cx.waker().wake_by_ref();
        Poll::Pending
    } else {
        Poll::Ready(())
    }
}

/// Whether the current process has spent its budget (its next operation
/// would yield): a check without a waker, for code that then goes on to a
/// poll that yields ([`poll_proceed`]).
#[inline]
pub(crate) fn spent() -> bool {
    BUDGET.with(|cell| cell.get() == 0)
}

/// Records one completed operation against the budget, if there is one.
#[inline]
pub(crate) fn consume() {
    BUDGET.with(|cell| {
        let left = cell.get();
        if left != 0 && left != UNLIMITED {
            cell.set(left - 1);
        }
    });
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::{consume, with_budget_of, BUDGET, UNLIMITED};

    fn left() -> u32 {
        BUDGET.with(std::cell::Cell::get)
    }

    /// `consume` counts a budget down to 0 and stops there, and never
    /// counts an unlimited one.
    #[test]
    fn consume_counts_down_to_zero_and_leaves_unlimited_alone() {
        assert_eq!(left(), UNLIMITED, "a test thread polls without a budget");
        consume();
        assert_eq!(left(), UNLIMITED);
        with_budget_of(2, || {
            consume();
            assert_eq!(left(), 1);
            consume();
            assert_eq!(left(), 0);
            consume();
            assert_eq!(left(), 0, "a spent budget stays spent");
        });
        assert_eq!(left(), UNLIMITED, "the budget is restored");
        with_budget_of(UNLIMITED - 1, || {
            consume();
            assert_eq!(left(), UNLIMITED - 2);
        });
    }
}
