//! Loom models of hoare's lock-free and lock-based parts live in `tests/`;
//! this crate holds only the small helpers they share. Run them with
//! `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 cargo test -p loom-tests --release`.
//!
//! Every model runs at that bound and says in its doc comment the
//! invariant it checks and a change to `src/` that makes it fail; those
//! changes are the entries of `mutations.toml`, and `bash mutate.sh`
//! applies each to a scratch copy and checks that its model then fails.
#![cfg(loom)]

use std::sync::Arc as StdArc;
use std::task::{Wake, Waker};

use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::sync::Arc;

/// Counts how often values made by [`DropCounter::value`] are dropped.
#[derive(Clone, Default)]
pub struct DropCounter(Arc<AtomicUsize>);

/// A value whose drop is counted.
pub struct Counted(Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

impl DropCounter {
    /// A new counter at zero.
    pub fn new() -> Self {
        DropCounter(Arc::new(AtomicUsize::new(0)))
    }

    /// A value that bumps this counter when dropped.
    pub fn value(&self) -> Counted {
        Counted(self.0.clone())
    }

    /// Drops so far.
    pub fn drops(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

/// A waker for a loom thread: counts wakes and unparks the thread, and
/// counts (with unpark) the moment its last clone is released.
pub struct ThreadWaker {
    state: Arc<WakerState>,
}

struct WakerState {
    wakes: AtomicUsize,
    released: AtomicUsize,
    thread: loom::thread::Thread,
}

struct WakeTarget(Arc<WakerState>);

impl Wake for WakeTarget {
    fn wake(self: StdArc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &StdArc<Self>) {
        self.0.wakes.fetch_add(1, Ordering::SeqCst);
        self.0.thread.unpark();
    }
}

impl Drop for WakeTarget {
    fn drop(&mut self) {
        self.0.released.fetch_add(1, Ordering::SeqCst);
        self.0.thread.unpark();
    }
}

impl ThreadWaker {
    /// A waker that unparks the calling loom thread.
    pub fn for_current_thread() -> (ThreadWaker, Waker) {
        let state = Arc::new(WakerState {
            wakes: AtomicUsize::new(0),
            released: AtomicUsize::new(0),
            thread: loom::thread::current(),
        });
        let waker = Waker::from(StdArc::new(WakeTarget(state.clone())));
        (ThreadWaker { state }, waker)
    }

    /// Wakes so far.
    pub fn wakes(&self) -> usize {
        self.state.wakes.load(Ordering::SeqCst)
    }

    /// Whether every clone of the waker has been dropped.
    pub fn is_released(&self) -> bool {
        self.state.released.load(Ordering::SeqCst) == 1
    }

    /// Parks the calling thread (it must be the one the waker unparks)
    /// until `condition` holds.
    pub fn park_until(&self, mut condition: impl FnMut(&Self) -> bool) {
        while !condition(self) {
            loom::thread::park();
        }
    }
}

/// Runs `model` with a preemption bound of `bound` (unless
/// `LOOM_MAX_PREEMPTIONS` asks for less), for models whose state space
/// is too large at the suite's default bound.
pub fn model_with_bound(bound: usize, model: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    let from_env = builder.preemption_bound;
    builder.preemption_bound = Some(from_env.map_or(bound, |env| env.min(bound)));
    builder.check(model);
}
