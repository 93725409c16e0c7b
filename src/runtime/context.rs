//! What the current thread is, as far as hoare needs to know: whether
//! it may block, and which runtime thread it is.
//!
//! # Blocking
//!
//! Blocking calls (`hoare::run`, `block_on`, the `_blocking` channel
//! methods, `Receiver::iter`) would stall a worker thread, or a whole
//! simulation, if called from inside a process. While a process is being
//! polled, the runtime (or the simulation) marks the thread with
//! [`ForbidBlocking`]; [`assert_may_block`] then panics with a message
//! pointing to `.await` instead of letting the call hang.
//!
//! # Runtime threads
//!
//! Each runtime thread (a worker, or a thread inside `Runtime::block_on`)
//! publishes a [`ThreadContext`] in a thread-local while it runs. Wakes,
//! spawns and yields look it up to place processes locally (LIFO slot,
//! local queue) when they happen on one of the process's own runtime
//! threads; everything else goes through the injection queue.
//!
//! The LIFO slot holds the process woken last by the code running on this
//! thread; it runs next here. On a worker the slot is drained after every
//! poll; on a `block_on` thread it is drained while the main future waits,
//! and pushed to the injection queue before the thread parks or blocks
//! (see [`flush_before_blocking`]), so no woken process is stranded.

use std::cell::Cell;
use std::ptr;

use super::scheduler::queue::Local;
use super::scheduler::Scheduler;
use super::task::Notified;
use super::{budget, task};
use crate::sync::{thread_local, Arc};

/// Why blocking is not allowed on this thread right now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NoBlocking {
    /// A spawned process is being polled on a runtime thread.
    Process,
    /// A simulation is running on this thread.
    Simulation,
}

thread_local! {
    static NO_BLOCKING: Cell<Option<NoBlocking>> = Cell::new(None);
}

/// Panics with an actionable message if blocking is forbidden here.
#[track_caller]
pub(crate) fn assert_may_block(operation: &str) {
    check_may_block(operation);
    // The thread may block now: processes it woke must not wait for it.
    super::context::flush_before_blocking();
}

/// [`assert_may_block`] and [`enter_blocking_region`] in one, for the
/// blocking channel operations, which do both on every call: one look at
/// each thread-local.
#[track_caller]
#[inline]
pub(crate) fn enter_blocking(operation: &str) -> BlockingRegion {
    check_may_block(operation);
    // Entering the region flushes the LIFO slot, as `assert_may_block`
    // does.
    enter_blocking_region()
}

/// Panics if blocking is forbidden on this thread.
#[track_caller]
#[inline]
fn check_may_block(operation: &str) {
    if let Some(reason) = NO_BLOCKING.with(|cell| cell.get()) {
        refuse_blocking(operation, reason);
    }
}

/// The panic of a blocking call where blocking is forbidden.
#[cold]
#[inline(never)]
#[track_caller]
fn refuse_blocking(operation: &str, reason: NoBlocking) -> ! {
    match reason {
        NoBlocking::Process => panic!(
            "{operation} called from a hoare process on a runtime worker thread: \
             it would block the worker and stall every process queued on it; \
             use the async form with `.await` instead"
        ),
        NoBlocking::Simulation => panic!(
            "{operation} called inside a hoare simulation: it would block the \
             simulation's only thread; use the async form with `.await` instead"
        ),
    }
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

/// A runtime thread's view of its runtime.
pub(crate) struct ThreadContext {
    pub(crate) shared: Arc<Scheduler>,
    /// The worker's local queue; `None` on a `block_on` caller's thread.
    pub(crate) local: Option<Local>,
    /// The process to run next on this thread.
    lifo: Cell<Option<Notified>>,
    /// A `block_on` thread inside a blocking call (`hoare::block_on` in
    /// the main future): wakes go to the injection queue meanwhile.
    blocking: Cell<bool>,
}

thread_local! {
    static CURRENT: Cell<*const ThreadContext> = Cell::new(ptr::null());
}

/// While alive, the thread's context is `cx`; restores the previous one.
pub(crate) struct Entered {
    previous: *const ThreadContext,
}

impl Drop for Entered {
    fn drop(&mut self) {
        let _ = CURRENT.try_with(|cell| cell.set(self.previous));
    }
}

/// Publishes `cx` as this thread's context until the guard is dropped.
/// `cx` must outlive the guard (both live in the caller's frame).
pub(crate) fn enter(cx: &ThreadContext) -> Entered {
    Entered {
        previous: CURRENT.with(|cell| cell.replace(cx)),
    }
}

/// Runs `f` with this thread's context, if any. Inlined: a thread-local
/// read and a closure, on every wake and spawn.
#[inline(always)]
pub(crate) fn with_current<R>(f: impl FnOnce(Option<&ThreadContext>) -> R) -> R {
    let cx = CURRENT.try_with(|cell| cell.get()).unwrap_or(ptr::null());
    // SAFETY: a non-null pointer was set by `enter`, whose guard restores
    // the previous value before the context it points to goes away.
    f(unsafe { cx.as_ref() })
}

impl ThreadContext {
    /// The context of worker thread owning `local`.
    pub(crate) fn worker(shared: Arc<Scheduler>, local: Local) -> Self {
        ThreadContext {
            shared,
            local: Some(local),
            lifo: Cell::new(None),
            blocking: Cell::new(false),
        }
    }

    /// The context of a thread inside `Runtime::block_on`.
    pub(crate) fn block_on_caller(shared: Arc<Scheduler>) -> Self {
        ThreadContext {
            shared,
            local: None,
            lifo: Cell::new(None),
            blocking: Cell::new(false),
        }
    }

    /// Takes the process in the LIFO slot.
    pub(crate) fn take_lifo(&self) -> Option<Notified> {
        self.lifo.take()
    }

    /// Moves the LIFO slot's process to the injection queue (and wakes a
    /// worker for it): this thread is about to stop running processes.
    pub(crate) fn flush_lifo(&self) {
        if let Some(task) = self.lifo.take() {
            self.shared.schedule_remote(task);
        }
    }

    /// Places a process woken on this thread (see `scheduler.rs`).
    fn schedule_local(&self, task: Notified, is_yield: bool) {
        let shared = &*self.shared;
        match &self.local {
            Some(local) if is_yield => {
                let other_work = !local.is_empty();
                local.push_back(task, &shared.inject);
                if other_work {
                    shared.notify_local_push(local.len());
                }
            }
            Some(local) => {
                if let Some(displaced) = self.lifo.replace(Some(task)) {
                    local.push_back(displaced, &shared.inject);
                    shared.notify_local_push(local.len());
                }
            }
            None if is_yield || self.blocking.get() => shared.schedule_remote(task),
            None => {
                if let Some(displaced) = self.lifo.replace(Some(task)) {
                    shared.schedule_remote(displaced);
                }
            }
        }
    }
}

impl Drop for ThreadContext {
    fn drop(&mut self) {
        // A worker's leftovers are only references (the live list cancels
        // the processes); a block_on caller hands its LIFO slot on.
        if self.local.is_some() {
            drop(self.lifo.take());
            if let Some(local) = &self.local {
                while let Some(task) = local.pop() {
                    drop(task);
                }
            }
        } else {
            self.flush_lifo();
        }
    }
}

/// Places `task` locally if this thread runs `shared`'s processes;
/// otherwise gives it back for the injection queue. Inlined into every
/// wake (measured: left to the compiler, it was called out of line after
/// an unrelated change to the channels, 4% more instructions a ping-pong
/// round trip).
#[inline(always)]
pub(crate) fn try_schedule_local(
    shared: *const Scheduler,
    task: Notified,
    is_yield: bool,
) -> Result<(), Notified> {
    with_current(|cx| match cx {
        Some(cx) if ptr::eq(&*cx.shared, shared) => {
            cx.schedule_local(task, is_yield);
            Ok(())
        }
        _ => Err(task),
    })
}

/// Queues a newly spawned process.
pub(crate) fn schedule_spawned(shared: &Arc<Scheduler>, task: Notified) {
    let task = with_current(|cx| match cx {
        Some(ThreadContext {
            shared: own,
            local: Some(local),
            ..
        }) if Arc::ptr_eq(own, shared) => {
            local.push_back(task, &shared.inject);
            shared.notify_local_push(local.len());
            None
        }
        _ => Some(task),
    });
    if let Some(task) = task {
        shared.schedule_remote(task);
    }
}

/// Spawns on the runtime this thread belongs to, if any.
pub(crate) fn spawn<F>(future: F, origin: task::Origin) -> Option<task::JoinHandle<F::Output>>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    with_current(|cx| cx.map(|cx| Scheduler::spawn(&cx.shared, future, origin)))
}

/// The runtime this thread belongs to, if any.
pub(crate) fn current_scheduler() -> Option<Arc<Scheduler>> {
    with_current(|cx| cx.map(|cx| cx.shared.clone()))
}

/// Whether this thread is a worker of the runtime `shared`.
pub(crate) fn is_worker_of(shared: &Arc<Scheduler>) -> bool {
    with_current(|cx| cx.is_some_and(|cx| cx.local.is_some() && Arc::ptr_eq(&cx.shared, shared)))
}

/// Polls one process on this runtime thread: blocking calls forbidden,
/// with a fresh cooperative budget.
pub(crate) fn run_process(task: Notified) {
    let _forbid = ForbidBlocking::enter(NoBlocking::Process);
    budget::with_budget(|| task.run());
}

/// Called before this thread blocks (a hoare blocking call in the main
/// future): hands the LIFO slot to the workers.
pub(crate) fn flush_before_blocking() {
    with_current(|cx| {
        if let Some(cx) = cx {
            if cx.local.is_none() {
                cx.flush_lifo();
            }
        }
    });
}

/// While alive, this `block_on` thread is inside a blocking call: its LIFO
/// slot is flushed and wakes go to the injection queue.
pub(crate) struct BlockingRegion {
    previous: Option<bool>,
}

/// Enters a [`BlockingRegion`].
#[inline]
pub(crate) fn enter_blocking_region() -> BlockingRegion {
    let previous = with_current(|cx| {
        let cx = cx?;
        cx.local.is_none().then(|| {
            cx.flush_lifo();
            cx.blocking.replace(true)
        })
    });
    BlockingRegion { previous }
}

impl Drop for BlockingRegion {
    #[inline]
    fn drop(&mut self) {
        if let Some(previous) = self.previous {
            with_current(|cx| {
                if let Some(cx) = cx {
                    cx.blocking.set(previous);
                }
            });
        }
    }
}
