//! Which workers are idle, and the rule for waking one.
//!
//! Waking a parked worker costs microseconds on these machines, so hoare
//! wakes one only when there is queued work that a busy worker cannot take
//! in time (a spawn, a push to the injection queue, a second process on a
//! local queue), and only if no worker is already searching for work: a
//! searcher will find it. This is the "spinning M" rule of Go's scheduler
//! (`wakep`, `resetspinning`) and tokio's `idle.rs`.
//!
//! One atomic word counts the *unparked* workers and, among them, the
//! *searching* ones (looking for work to steal); a mutex-protected list
//! holds the parked workers' indices.
//!
//! No lost wake-up: a worker parks by (1) adding itself to the list and
//! decrementing the counts, then (2) looking at every queue once more if
//! it was the last searcher. A producer (1) makes its work visible, then
//! (2) reads the counts to decide whether to wake someone. Both sides put
//! a `SeqCst` fence between their two steps, so at least one of them sees
//! the other's first step: the work is found by the last searcher, or a
//! worker is woken for it.
//!
//! At most half the workers search at once (more would only contend on
//! the queues they steal from).

use crate::sync::atomic::{fence, AtomicUsize, Ordering};
use crate::sync::Mutex;

/// Bits of the state word that count unparked workers.
const UNPARKED_MASK: usize = 0xFFFF;
/// Shift of the searching workers' count.
const SEARCHING_SHIFT: usize = 16;
/// One searching worker.
const ONE_SEARCHING: usize = 1 << SEARCHING_SHIFT;
/// Largest number of workers the state word can count.
pub(crate) const MAX_WORKERS: usize = UNPARKED_MASK;

pub(crate) struct Idle {
    /// `searching << SEARCHING_SHIFT | unparked`.
    state: AtomicUsize,
    /// Indices of parked workers.
    sleepers: Mutex<Vec<usize>>,
    workers: usize,
}

fn searching(state: usize) -> usize {
    state >> SEARCHING_SHIFT
}

fn unparked(state: usize) -> usize {
    state & UNPARKED_MASK
}

impl Idle {
    /// All `workers` start unparked and not searching.
    pub(crate) fn new(workers: usize) -> Self {
        assert!(workers <= MAX_WORKERS);
        Idle {
            state: AtomicUsize::new(workers),
            sleepers: Mutex::new(Vec::with_capacity(workers)),
            workers,
        }
    }

    /// Whether a producer of new work should wake a worker: nobody is
    /// searching and somebody is parked.
    fn should_wake(&self) -> bool {
        let state = self.state.load(Ordering::SeqCst);
        searching(state) == 0 && unparked(state) < self.workers
    }

    /// Called after making work visible. Returns the index of a parked
    /// worker to unpark (already counted as unparked and searching), if
    /// one should be woken.
    pub(crate) fn worker_to_notify(&self) -> Option<usize> {
        // SeqCst fence: orders the caller's push before our read of the
        // counts; pairs with the fence in `transition_worker_to_parked`'s
        // caller (see the module docs).
        fence(Ordering::SeqCst);
        if !self.should_wake() {
            return None;
        }
        let mut sleepers = self.sleepers.lock();
        if !self.should_wake() {
            return None;
        }
        let index = sleepers.pop()?;
        // SeqCst: part of the total order the wake-up rule relies on.
        self.state.fetch_add(ONE_SEARCHING | 1, Ordering::SeqCst);
        Some(index)
    }

    /// A worker without work wants to look for some. Refused (returns
    /// false) when half the workers already search.
    pub(crate) fn transition_worker_to_searching(&self) -> bool {
        let state = self.state.load(Ordering::SeqCst);
        if 2 * searching(state) >= self.workers {
            return false;
        }
        self.state.fetch_add(ONE_SEARCHING, Ordering::SeqCst);
        true
    }

    /// A searching worker found work. Returns whether it was the last
    /// searcher (then it should wake another if more work is queued).
    pub(crate) fn transition_worker_from_searching(&self) -> bool {
        let previous = self.state.fetch_sub(ONE_SEARCHING, Ordering::SeqCst);
        debug_assert!(searching(previous) > 0);
        searching(previous) == 1
    }

    /// Worker `index` parks. Returns whether it was the last searcher; it
    /// must then issue a `SeqCst` fence and look at every queue again.
    pub(crate) fn transition_worker_to_parked(&self, index: usize, was_searching: bool) -> bool {
        let mut sleepers = self.sleepers.lock();
        let delta = 1 + if was_searching { ONE_SEARCHING } else { 0 };
        let previous = self.state.fetch_sub(delta, Ordering::SeqCst);
        sleepers.push(index);
        was_searching && searching(previous) == 1
    }

    /// Whether worker `index` is still in the parked list (a wake-up that
    /// did not come from `worker_to_notify` was spurious).
    pub(crate) fn is_parked(&self, index: usize) -> bool {
        self.sleepers.lock().contains(&index)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn no_worker_is_woken_while_one_searches() {
        let idle = Idle::new(2);
        assert!(!idle.transition_worker_to_parked(0, false));
        assert!(idle.transition_worker_to_searching());
        assert_eq!(idle.worker_to_notify(), None);
        assert!(idle.transition_worker_from_searching());
        assert_eq!(idle.worker_to_notify(), Some(0));
        assert!(!idle.is_parked(0));
    }

    #[test]
    fn at_most_half_the_workers_search() {
        let idle = Idle::new(4);
        assert!(idle.transition_worker_to_searching());
        assert!(idle.transition_worker_to_searching());
        assert!(!idle.transition_worker_to_searching());
    }

    #[test]
    fn nobody_is_woken_when_all_workers_are_busy() {
        let idle = Idle::new(3);
        assert_eq!(idle.worker_to_notify(), None);
    }

    #[test]
    fn last_searcher_to_park_is_told_to_look_again() {
        let idle = Idle::new(2);
        assert!(idle.transition_worker_to_searching());
        assert!(idle.transition_worker_to_parked(1, true));
        assert!(idle.is_parked(1));
    }
}
