//! The task state word: lifecycle flags and a reference count in one atomic.
//!
//! Every decision about a process (may I poll it? must I queue it? who
//! drops the output? who may touch the join waker? who frees the block?)
//! is one atomic transition of this word, so two threads can never both
//! think they won. The layout and the transitions follow the task state
//! machines of tokio (`runtime/task/state.rs`) and async-task
//! (`src/state.rs`); the names are ours.
//!
//! Low bits are flags, the rest is the number of references:
//!
//! * one held by the `JoinHandle` (until it is dropped),
//! * one held by the list of the runtime's live processes (until the
//!   process completes or the runtime shuts down),
//! * one held by a `Notified` (the process sits in a run queue) or by the
//!   thread polling it,
//! * one per `Waker`.
//!
//! Invariants:
//!
//! * `RUNNING` and `COMPLETE` are never both set.
//! * At most one `Notified` reference exists. It exists exactly when
//!   `NOTIFIED` is set and `RUNNING` is not, except that a process
//!   cancelled by shutdown while queued keeps its stale `Notified` (which
//!   then finds `COMPLETE` and is dropped).
//! * While `JOIN_WAKER` is set and the process is not complete, only the
//!   runtime side reads the join-waker slot; while it is clear, only the
//!   `JoinHandle` writes it.

use std::fmt;

use crate::sync::atomic::{AtomicUsize, Ordering};

/// A thread is polling the future (or dropping it to cancel the process).
const RUNNING: usize = 1 << 0;
/// The future is gone; the output (or the error) is stored or was taken.
const COMPLETE: usize = 1 << 1;
/// A wake-up arrived: the process is queued, or the thread polling it
/// will queue it again when the poll returns.
const NOTIFIED: usize = 1 << 2;
/// The process must be cancelled at its next yield (abort or shutdown).
const CANCELLED: usize = 1 << 3;
/// The `JoinHandle` still exists and wants the output.
const JOIN_INTEREST: usize = 1 << 4;
/// The join waker slot holds a waker owned by the runtime side.
const JOIN_WAKER: usize = 1 << 5;
/// Number of flag bits below the reference count.
const REF_SHIFT: usize = 6;
/// One reference.
const REF_ONE: usize = 1 << REF_SHIFT;
/// Mask of the flag bits.
const FLAGS: usize = REF_ONE - 1;

/// A new process: queued once (its first `Notified`), with a `JoinHandle`
/// and an entry in the runtime's list of live processes.
const INITIAL: usize = (3 * REF_ONE) | NOTIFIED | JOIN_INTEREST;

/// The atomic state word of one process.
pub(crate) struct State(AtomicUsize);

/// A copy of the state word at one instant.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Snapshot(usize);

/// What the thread that popped a `Notified` must do.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum TransitionToRunning {
    /// Poll the future; the `Notified` reference is now the poller's.
    Success,
    /// Cancel the process (drop its future); the reference is the poller's.
    Cancelled,
    /// Nothing to run (completed by shutdown); the reference was dropped.
    Failed,
    /// As `Failed`, and that was the last reference: free the block.
    Dealloc,
}

/// What the poller must do after the future returned `Pending`.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum TransitionToIdle {
    /// Done; the poller's reference was dropped.
    Ok,
    /// Woken during the poll: queue it again with the poller's reference.
    OkNotified,
    /// As `Ok`, and that was the last reference: free the block.
    OkDealloc,
    /// Cancelled during the poll: still `RUNNING`, cancel it now.
    Cancelled,
}

/// What a wake that consumed a waker's reference must do.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum TransitionToNotified {
    /// Nothing (already queued, running or complete); reference dropped.
    DoNothing,
    /// Queue the process; the waker's reference became the `Notified`.
    Submit,
    /// The reference dropped was the last one: free the block.
    Dealloc,
}

impl State {
    /// The state of a freshly spawned process.
    pub(crate) fn new() -> Self {
        State(AtomicUsize::new(INITIAL))
    }

    /// The current state.
    pub(crate) fn load(&self) -> Snapshot {
        // Acquire: pairs with the AcqRel transitions below, so a reader that
        // sees COMPLETE also sees the stored output.
        Snapshot(self.0.load(Ordering::Acquire))
    }

    /// Applies `f` atomically; `f` returns the new state (or `None` to leave
    /// it) and a result. Returns the result.
    fn transition<R>(&self, mut f: impl FnMut(Snapshot) -> (Option<Snapshot>, R)) -> R {
        let mut current = self.0.load(Ordering::Acquire);
        loop {
            let (next, result) = f(Snapshot(current));
            let Some(next) = next else { return result };
            // AcqRel: every transition both publishes this thread's writes to
            // the task block (future, output, waker slot) and acquires those
            // of the thread that made the previous transition.
            match self
                .0
                .compare_exchange_weak(current, next.0, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return result,
                Err(actual) => current = actual,
            }
        }
    }

    /// A queued process is about to be polled by the holder of its
    /// `Notified` reference.
    pub(crate) fn transition_to_running(&self) -> TransitionToRunning {
        self.transition(|s| {
            if s.is_running() || s.is_complete() {
                let next = s.ref_dec();
                let action = if next.ref_count() == 0 {
                    TransitionToRunning::Dealloc
                } else {
                    TransitionToRunning::Failed
                };
                return (Some(next), action);
            }
            let next = Snapshot((s.0 & !NOTIFIED) | RUNNING);
            let action = if s.is_cancelled() {
                TransitionToRunning::Cancelled
            } else {
                TransitionToRunning::Success
            };
            (Some(next), action)
        })
    }

    /// The poll returned `Pending`.
    pub(crate) fn transition_to_idle(&self) -> TransitionToIdle {
        self.transition(|s| {
            debug_assert!(s.is_running());
            if s.is_cancelled() {
                return (None, TransitionToIdle::Cancelled);
            }
            let next = Snapshot(s.0 & !RUNNING);
            if s.is_notified() {
                return (Some(next), TransitionToIdle::OkNotified);
            }
            let next = next.ref_dec();
            let action = if next.ref_count() == 0 {
                TransitionToIdle::OkDealloc
            } else {
                TransitionToIdle::Ok
            };
            (Some(next), action)
        })
    }

    /// The future finished (or was dropped): `RUNNING` becomes `COMPLETE`.
    /// Returns the state before.
    pub(crate) fn transition_to_complete(&self) -> Snapshot {
        // AcqRel: publishes the stored output to the JoinHandle (which loads
        // with Acquire) and to whoever drops the last reference.
        let previous = Snapshot(self.0.fetch_xor(RUNNING | COMPLETE, Ordering::AcqRel));
        debug_assert!(previous.is_running() && !previous.is_complete());
        previous
    }

    /// A wake through a waker whose reference it consumes (`Waker::wake`).
    pub(crate) fn transition_to_notified_by_val(&self) -> TransitionToNotified {
        self.transition(|s| {
            if s.is_running() {
                // The poller queues it again; it holds its own reference.
                let next = Snapshot(s.0 | NOTIFIED).ref_dec();
                debug_assert!(next.ref_count() > 0);
                (Some(next), TransitionToNotified::DoNothing)
            } else if s.is_complete() || s.is_notified() {
                let next = s.ref_dec();
                let action = if next.ref_count() == 0 {
                    TransitionToNotified::Dealloc
                } else {
                    TransitionToNotified::DoNothing
                };
                (Some(next), action)
            } else {
                (Some(Snapshot(s.0 | NOTIFIED)), TransitionToNotified::Submit)
            }
        })
    }

    /// A wake through a borrowed waker (`Waker::wake_by_ref`). Returns
    /// whether the caller must queue the process (a new `Notified`
    /// reference was counted for it).
    pub(crate) fn transition_to_notified_by_ref(&self) -> bool {
        self.transition(|s| {
            if s.is_running() {
                if s.is_notified() {
                    return (None, false);
                }
                (Some(Snapshot(s.0 | NOTIFIED)), false)
            } else if s.is_complete() || s.is_notified() {
                (None, false)
            } else {
                (Some(Snapshot(s.0 | NOTIFIED).ref_inc()), true)
            }
        })
    }

    /// `JoinHandle::abort`. Returns whether the caller must queue the
    /// process so a worker cancels it (a `Notified` reference was counted).
    pub(crate) fn transition_to_notified_and_cancel(&self) -> bool {
        self.transition(|s| {
            if s.is_complete() || s.is_cancelled() {
                (None, false)
            } else if s.is_running() || s.is_notified() {
                // The poller, or whoever pops the queued Notified, sees it.
                (Some(Snapshot(s.0 | NOTIFIED | CANCELLED)), false)
            } else {
                (Some(Snapshot(s.0 | NOTIFIED | CANCELLED).ref_inc()), true)
            }
        })
    }

    /// The runtime shuts down. Returns `true` if the caller now holds
    /// `RUNNING` and must cancel the process itself; otherwise the thread
    /// polling it (if any) cancels it when its poll returns.
    pub(crate) fn transition_to_shutdown(&self) -> bool {
        self.transition(|s| {
            if s.is_complete() || (s.is_running() && s.is_cancelled()) {
                (None, false)
            } else if s.is_running() {
                (Some(Snapshot(s.0 | CANCELLED)), false)
            } else {
                (Some(Snapshot(s.0 | RUNNING | CANCELLED)), true)
            }
        })
    }

    /// The `JoinHandle` stores a waker it wrote into the slot. Fails (with
    /// the current state) if the process completed meanwhile.
    pub(crate) fn set_join_waker(&self) -> Result<Snapshot, Snapshot> {
        self.transition(|s| {
            debug_assert!(s.is_join_interested() && !s.is_join_waker_set());
            if s.is_complete() {
                return (None, Err(s));
            }
            let next = Snapshot(s.0 | JOIN_WAKER);
            (Some(next), Ok(next))
        })
    }

    /// The `JoinHandle` takes the waker slot back to replace the waker.
    /// Fails (with the current state) if the process completed meanwhile.
    pub(crate) fn unset_join_waker(&self) -> Result<Snapshot, Snapshot> {
        self.transition(|s| {
            debug_assert!(s.is_join_interested() && s.is_join_waker_set());
            if s.is_complete() {
                return (None, Err(s));
            }
            let next = Snapshot(s.0 & !JOIN_WAKER);
            (Some(next), Ok(next))
        })
    }

    /// The runtime side has called the join waker after completion and
    /// gives the slot back. Returns the state before.
    pub(crate) fn unset_join_waker_after_complete(&self) -> Snapshot {
        // AcqRel: the JoinHandle, or its drop, touches the slot only after
        // observing JOIN_WAKER clear; this publishes our read of the slot.
        let previous = Snapshot(self.0.fetch_and(!JOIN_WAKER, Ordering::AcqRel));
        debug_assert!(previous.is_complete() && previous.is_join_waker_set());
        previous
    }

    /// The `JoinHandle` is dropped. Returns `(before, after)`: if `before`
    /// is complete the handle drops the output; if `after` has no join
    /// waker the handle owns the slot and drops its waker.
    pub(crate) fn transition_to_join_handle_dropped(&self) -> (Snapshot, Snapshot) {
        self.transition(|s| {
            debug_assert!(s.is_join_interested());
            let mut next = s.0 & !JOIN_INTEREST;
            if !s.is_complete() {
                next &= !JOIN_WAKER;
            }
            (Some(Snapshot(next)), (s, Snapshot(next)))
        })
    }

    /// A new reference (a cloned waker).
    pub(crate) fn ref_inc(&self) {
        // Relaxed: the new reference is made from an existing one, which
        // keeps the block alive; nothing is published by counting.
        let previous = self.0.fetch_add(REF_ONE, Ordering::Relaxed);
        if previous > isize::MAX as usize {
            // As `Arc` does: a count this high means leaked references.
            std::process::abort();
        }
    }

    /// Drops one reference. Returns whether it was the last one.
    pub(crate) fn ref_dec(&self) -> bool {
        self.ref_dec_by(1)
    }

    /// Drops `count` references. Returns whether they were the last ones.
    pub(crate) fn ref_dec_by(&self, count: usize) -> bool {
        // AcqRel: Release publishes this holder's uses of the block, Acquire
        // (for the last holder) sees every other holder's before freeing it.
        let previous = self.0.fetch_sub(count * REF_ONE, Ordering::AcqRel);
        debug_assert!(previous >> REF_SHIFT >= count);
        previous >> REF_SHIFT == count
    }
}

impl Snapshot {
    pub(crate) fn is_running(self) -> bool {
        self.0 & RUNNING != 0
    }
    pub(crate) fn is_complete(self) -> bool {
        self.0 & COMPLETE != 0
    }
    pub(crate) fn is_notified(self) -> bool {
        self.0 & NOTIFIED != 0
    }
    pub(crate) fn is_cancelled(self) -> bool {
        self.0 & CANCELLED != 0
    }
    pub(crate) fn is_join_interested(self) -> bool {
        self.0 & JOIN_INTEREST != 0
    }
    pub(crate) fn is_join_waker_set(self) -> bool {
        self.0 & JOIN_WAKER != 0
    }
    pub(crate) fn ref_count(self) -> usize {
        self.0 >> REF_SHIFT
    }
    fn ref_inc(self) -> Snapshot {
        Snapshot(self.0 + REF_ONE)
    }
    fn ref_dec(self) -> Snapshot {
        debug_assert!(self.ref_count() > 0);
        Snapshot(self.0 - REF_ONE)
    }
}

impl fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("State")
            .field("running", &self.is_running())
            .field("complete", &self.is_complete())
            .field("notified", &self.is_notified())
            .field("cancelled", &self.is_cancelled())
            .field("join_interest", &self.is_join_interested())
            .field("join_waker", &self.is_join_waker_set())
            .field("refs", &self.ref_count())
            .field("flags", &format_args!("{:#b}", self.0 & FLAGS))
            .finish()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn new_process_is_queued_once_with_three_references() {
        let state = State::new();
        let s = state.load();
        assert!(s.is_notified() && s.is_join_interested() && !s.is_running());
        assert_eq!(s.ref_count(), 3);
    }

    #[test]
    fn wake_during_poll_requeues_with_the_pollers_reference() {
        let state = State::new();
        assert_eq!(state.transition_to_running(), TransitionToRunning::Success);
        assert!(!state.transition_to_notified_by_ref());
        assert_eq!(state.transition_to_idle(), TransitionToIdle::OkNotified);
        let s = state.load();
        assert!(s.is_notified() && !s.is_running());
        assert_eq!(s.ref_count(), 3);
    }

    #[test]
    fn wake_of_idle_process_counts_a_new_notified_reference() {
        let state = State::new();
        state.transition_to_running();
        assert_eq!(state.transition_to_idle(), TransitionToIdle::Ok);
        assert_eq!(state.load().ref_count(), 2);
        assert!(state.transition_to_notified_by_ref());
        assert!(
            !state.transition_to_notified_by_ref(),
            "second wake is coalesced"
        );
        assert_eq!(state.load().ref_count(), 3);
    }

    #[test]
    fn abort_of_idle_process_queues_it_cancelled() {
        let state = State::new();
        state.transition_to_running();
        state.transition_to_idle();
        assert!(state.transition_to_notified_and_cancel());
        assert_eq!(
            state.transition_to_running(),
            TransitionToRunning::Cancelled
        );
    }

    #[test]
    fn abort_after_completion_changes_nothing() {
        let state = State::new();
        state.transition_to_running();
        state.transition_to_complete();
        assert!(!state.transition_to_notified_and_cancel());
        assert!(!state.load().is_cancelled());
    }

    #[test]
    fn join_waker_cannot_be_set_after_completion() {
        let state = State::new();
        state.transition_to_running();
        state.transition_to_complete();
        assert!(state.set_join_waker().is_err());
    }

    #[test]
    fn last_reference_is_reported() {
        let state = State::new();
        assert!(!state.ref_dec());
        assert!(state.ref_dec_by(2));
    }
}
