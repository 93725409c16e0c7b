//! What the current thread is doing, as far as hoare needs to know.
//!
//! Blocking calls (`hoare::run`, `block_on`, the `_blocking` channel
//! methods, `Receiver::iter`) would stall a worker thread, or a whole
//! simulation, if called from inside a process. While a process is being
//! polled, the runtime (or the simulation) marks the thread with
//! [`ForbidBlocking`]; [`assert_may_block`] then panics with a message
//! pointing to `.await` instead of letting the call hang.

use std::cell::Cell;

use crate::sync::thread_local;

/// Why blocking is not allowed on this thread right now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NoBlocking {
    /// A spawned process is being polled on a runtime thread.
    Process,
    /// A simulation is running on this thread.
    Simulation,
}

// loom's `thread_local!` has no `const { .. }` form; keep one spelling for both.
thread_local! {
    static NO_BLOCKING: Cell<Option<NoBlocking>> = Cell::new(None);
}

/// Panics with an actionable message if blocking is forbidden here.
#[track_caller]
pub(crate) fn assert_may_block(operation: &str) {
    let reason = NO_BLOCKING.with(|cell| cell.get());
    match reason {
        None => {}
        Some(NoBlocking::Process) => panic!(
            "{operation} called from a hoare process on a runtime worker thread: \
             it would block the worker and stall every process queued on it; \
             use the async form with `.await` instead"
        ),
        Some(NoBlocking::Simulation) => panic!(
            "{operation} called inside a hoare simulation: it would block the \
             simulation's only thread; use the async form with `.await` instead"
        ),
    }
    // The thread may block now: processes it woke must not wait for it.
    super::current::flush_before_blocking();
}

/// Simulation hook: panics if a simulation runs on this thread. A
/// simulation is a closed world; `Runtime::new` inside one would bring in
/// threads it cannot see or replay. The simulation marks its thread with
/// [`ForbidBlocking::enter`]`(NoBlocking::Simulation)`, which this reads.
#[track_caller]
pub(crate) fn assert_not_in_simulation(operation: &str) {
    if NO_BLOCKING.with(|cell| cell.get()) == Some(NoBlocking::Simulation) {
        panic!(
            "{operation} called inside a hoare simulation: a simulation is a closed world \
             with no other runtime; spawn processes with hoare::spawn instead"
        );
    }
}

/// While alive, blocking calls on this thread panic (see module docs).
#[derive(Debug)]
pub(crate) struct ForbidBlocking {
    previous: Option<NoBlocking>,
}

impl ForbidBlocking {
    /// Forbids blocking on this thread until the guard is dropped.
    pub(crate) fn enter(reason: NoBlocking) -> Self {
        let previous = NO_BLOCKING.with(|cell| cell.replace(Some(reason)));
        ForbidBlocking { previous }
    }

    /// Allows blocking on this thread until the guard is dropped (the
    /// future given to `hoare::run` runs on the caller's thread and may
    /// block it, even while processes are run there in between).
    pub(crate) fn allow() -> Self {
        let previous = NO_BLOCKING.with(|cell| cell.replace(None));
        ForbidBlocking { previous }
    }
}

impl Drop for ForbidBlocking {
    fn drop(&mut self) {
        NO_BLOCKING.with(|cell| cell.set(self.previous));
    }
}
