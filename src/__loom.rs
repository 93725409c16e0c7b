//! Internals that the loom models in `loom-tests/` drive directly.
//!
//! Compiled only under `--cfg loom` and hidden from the docs: this is not
//! public API. Each item is a thin wrapper that forwards to the real code
//! (the crate-private types cannot be named outside the crate), so a model
//! checks exactly what the runtime and the channels run.
//!
//! * [`Scheduler`]: a runtime's shared state with no worker threads, so a
//!   model plays the worker itself: it spawns processes, pops them from
//!   the injection queue and runs them (the task harness: state word,
//!   wakers, `JoinHandle`, abort).
//! * [`LocalQueue`] and [`Stealer`]: the two ends of a worker's local run
//!   queue ([`LOCAL_QUEUE_CAPACITY`] slots under loom).
//! * [`Workers`]: a runtime's shared state with several worker slots,
//!   whose real worker loops the model starts one by one on loom threads;
//!   the model plays a slot it did not start (spawns land on that slot's
//!   local queue, as on a busy worker) or spawns from outside every worker
//!   (into the injection queue).
//! * [`Parker`]: the one blocking primitive.
//! * [`TimerDriver`]: a private timer thread and its queue, on the model
//!   clock, which only the model moves.
//! * [`Token`] and [`WaitQueue`]: a channel operation's decision point and
//!   a buffered channel's queue of waiting operations.

use std::future::Future;
use std::task::Waker;

use crate::chan::waiter;
use crate::runtime::park;
use crate::runtime::scheduler::queue::{self, Local, Steal};
use crate::runtime::scheduler::worker;
use crate::runtime::scheduler::Scheduler as RuntimeScheduler;
use crate::runtime::task::{Notified, Origin};
use crate::runtime::{context, JoinHandle};
use crate::sync::Arc;
use crate::time::clock::Clock;
use crate::time::instant::Instant;
use crate::time::queue::{TimerAction, TimerKey};

/// Slots of a local run queue under loom.
pub const LOCAL_QUEUE_CAPACITY: usize = crate::sync::LOCAL_QUEUE_CAPACITY;

/// A runtime's shared state (injection queue, idle bookkeeping, live
/// list) with one worker slot that no thread runs: the model is the worker.
/// Dropping it shuts the runtime down, cancelling what is still alive.
pub struct Scheduler {
    shared: Arc<RuntimeScheduler>,
}

impl Scheduler {
    /// A scheduler with one (unstarted) worker.
    #[allow(clippy::new_without_default)]
    pub fn new() -> Scheduler {
        let (shared, _locals) = RuntimeScheduler::new(1);
        Scheduler { shared }
    }

    /// Spawns `future`; its first `Notified` goes to the injection queue.
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        spawn_on(&self.shared, future)
    }

    /// A runnable process that does nothing, for the queue models.
    pub fn runnable(&self) -> Runnable {
        drop(self.spawn(async {}));
        self.pop()
            .expect("a spawned process is in the injection queue")
    }

    /// Takes the oldest process of the injection queue.
    pub fn pop(&self) -> Option<Runnable> {
        self.shared.inject.pop().map(Runnable)
    }

    /// Queues `task` on the injection queue (as a wake from outside the
    /// workers does). Gives it back if the queue is closed.
    pub fn push(&self, task: Runnable) -> Result<(), Runnable> {
        self.shared.inject.push(task.0).map_err(Runnable)
    }

    /// Takes the oldest process of the injection queue and moves a share
    /// of the rest into `local`.
    pub fn pop_into(&self, local: &LocalQueue) -> Option<Runnable> {
        self.shared.inject.pop_into(&local.0, 1).map(Runnable)
    }

    /// Whether the injection queue looks empty.
    pub fn inject_is_empty(&self) -> bool {
        self.shared.inject.is_empty()
    }

    /// Runs every process in the injection queue, and what they wake,
    /// until it is empty. Returns how many runs there were.
    pub fn run_until_idle(&self) -> usize {
        let mut runs = 0;
        while let Some(task) = self.pop() {
            task.run();
            runs += 1;
        }
        runs
    }
}

impl Drop for Scheduler {
    fn drop(&mut self) {
        self.shared.begin_shutdown();
        self.shared.cancel_all();
    }
}

/// A runtime's shared state with `workers` worker slots and no threads
/// yet. [`Workers::start`] runs a slot's real worker loop on a loom
/// thread; [`Workers::play`] makes the calling thread a slot's worker
/// that never runs anything (a worker busy with one long poll), so what
/// it spawns waits in its local queue for a thief. Dropping it shuts the
/// runtime down, joins the started workers and cancels what is left.
pub struct Workers {
    shared: Arc<RuntimeScheduler>,
    locals: Vec<Option<Local>>,
    threads: Vec<crate::sync::thread::JoinHandle<()>>,
}

impl Workers {
    /// The shared state of a runtime with `workers` workers, none started.
    pub fn new(workers: usize) -> Workers {
        let (shared, locals) = RuntimeScheduler::new(workers);
        Workers {
            shared,
            locals: locals.into_iter().map(Some).collect(),
            threads: Vec::new(),
        }
    }

    /// Like [`Workers::new`], but an idle worker watches every short
    /// queue (fewer than 16 processes) instead of taking from it: loom has
    /// no time, so its watch ends only when something wakes it.
    pub fn watching(workers: usize) -> Workers {
        let (mut shared, locals) = RuntimeScheduler::new(workers);
        Arc::get_mut(&mut shared)
            .expect("a new scheduler is not shared yet")
            .watch_short_queues = true;
        Workers {
            shared,
            locals: locals.into_iter().map(Some).collect(),
            threads: Vec::new(),
        }
    }

    /// A handle that spawns on these workers from another thread.
    pub fn injector(&self) -> Injector {
        Injector {
            shared: self.shared.clone(),
        }
    }

    /// Starts worker `index`'s loop (`worker::run`) on a new loom thread.
    pub fn start(&mut self, index: usize) {
        let local = self.take_local(index);
        let shared = self.shared.clone();
        self.threads.push(crate::sync::thread::spawn(move || {
            worker::run(shared, index, local)
        }));
    }

    /// Makes the calling thread worker `index` until the guard is
    /// dropped: `hoare::spawn` then queues on its local queue and wakes a
    /// parked worker if nobody searches, as a process running there does.
    pub fn play(&mut self, index: usize) -> Played {
        let local = self.take_local(index);
        let cx = Box::new(context::ThreadContext::worker(self.shared.clone(), local));
        let entered = context::enter(&cx);
        Played {
            _entered: entered,
            _cx: cx,
        }
    }

    /// Spawns `future` from the calling thread, which is no worker of
    /// this runtime (as `Runtime::spawn` from outside does): its first
    /// `Notified` goes to the injection queue and a parked worker is woken
    /// if nobody searches.
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        spawn_on(&self.shared, future)
    }

    fn take_local(&mut self, index: usize) -> Local {
        self.locals[index]
            .take()
            .expect("each worker slot is started or played once")
    }
}

impl Drop for Workers {
    fn drop(&mut self) {
        self.shared.begin_shutdown();
        for thread in self.threads.drain(..) {
            thread.join().expect("a worker thread panicked");
        }
        self.shared.cancel_all();
    }
}

/// Spawns `future` on `shared` with the caller's location as its spawn
/// site.
#[track_caller]
fn spawn_on<F>(shared: &Arc<RuntimeScheduler>, future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let origin = Origin::new(std::panic::Location::caller(), None);
    RuntimeScheduler::spawn(shared, future, origin)
}

/// Spawns on a [`Workers`] runtime from a thread that is none of its
/// workers: the process goes to the injection queue.
pub struct Injector {
    shared: Arc<RuntimeScheduler>,
}

impl Injector {
    /// As [`Workers::spawn`], from any thread.
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        spawn_on(&self.shared, future)
    }
}

/// The calling thread's turn as a worker (see [`Workers::play`]).
pub struct Played {
    // Declared first, so dropped first: the context outlives its entry.
    _entered: context::Entered,
    _cx: Box<context::ThreadContext>,
}

/// A process's `Notified` reference: the right to run it once.
pub struct Runnable(Notified);

impl Runnable {
    /// The process's id (unique within its scheduler, from 1).
    pub fn id(&self) -> u64 {
        self.0.header().id
    }

    /// Polls the process once (or cancels it, if it was aborted), as a
    /// worker does.
    pub fn run(self) {
        context::run_process(self.0);
    }
}

/// A new local run queue: the owner's end and the thieves' end.
pub fn local_queue() -> (LocalQueue, Stealer) {
    let (local, steal) = queue::new();
    (LocalQueue(local), Stealer(steal))
}

/// The owner's end of a local run queue.
pub struct LocalQueue(Local);

impl LocalQueue {
    /// Pushes `task` if there is room.
    pub fn try_push(&self, task: Runnable) -> Result<(), Runnable> {
        self.0.try_push_back(task.0).map_err(Runnable)
    }

    /// Pushes `task`, moving half the queue to `overflow`'s injection
    /// queue if it is full.
    pub fn push(&self, task: Runnable, overflow: &Scheduler) {
        self.0.push_back(task.0, &overflow.shared.inject);
    }

    /// Pops the oldest process.
    pub fn pop(&self) -> Option<Runnable> {
        self.0.pop().map(Runnable)
    }

    /// Number of queued processes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether no process is queued.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The thieves' end of a local run queue.
pub struct Stealer(Steal);

impl Stealer {
    /// Steals half of the queue into `dst`, returning one to run now.
    pub fn steal_into(&self, dst: &LocalQueue) -> Option<Runnable> {
        self.0.steal_into(&dst.0).map(Runnable)
    }
}

/// A thread parker with a sticky wake-up token.
#[derive(Default)]
pub struct Parker(park::Parker);

impl Parker {
    /// A parker without a pending wake-up.
    pub fn new() -> Parker {
        Parker(park::Parker::new())
    }

    /// Blocks until unparked (returns at once if a wake-up is pending).
    pub fn park(&self) {
        self.0.park();
    }

    /// As `park`; under loom the timeout never elapses.
    pub fn park_timeout(&self) -> bool {
        self.0.park_timeout(std::time::Duration::from_secs(1))
    }

    /// Wakes the parked thread, or makes its next park return at once.
    pub fn unpark(&self) {
        self.0.unpark();
    }
}

/// A private timer driver: a timer queue and its timer thread (a loom
/// thread). Dropping it stops the thread.
pub struct TimerDriver(crate::time::driver::Driver);

/// A registered timer.
#[derive(Clone, Copy, Debug)]
pub struct Timer(TimerKey);

impl TimerDriver {
    /// Starts a driver and its thread.
    #[allow(clippy::new_without_default)]
    pub fn new() -> TimerDriver {
        TimerDriver(crate::time::driver::Driver::start())
    }

    /// Registers a timer that is already due: it wakes `waker` as soon as
    /// the timer thread looks.
    pub fn insert_due(&self, waker: Waker) -> Timer {
        Timer(self.0.insert(Instant::START, TimerAction::Wake(waker)))
    }

    /// Registers a timer due `after` from now on the model clock (which
    /// only [`TimerDriver::elapse`] moves).
    pub fn insert_after(&self, after: std::time::Duration, waker: Waker) -> Timer {
        Timer(
            self.0
                .insert(Instant::real_now() + after, TimerAction::Wake(waker)),
        )
    }

    /// Moves the model clock forward by `by` and wakes the timer thread,
    /// as the timeout of its park for the next deadline would.
    pub fn elapse(&self, by: std::time::Duration) {
        self.0.elapse(by);
    }

    /// Registers a timer that never comes due.
    pub fn insert_never(&self, waker: Waker) -> Timer {
        Timer(self.0.insert(Instant::NEVER, TimerAction::Wake(waker)))
    }

    /// Hands the timer a new waker. `false` if it already fired (or was
    /// removed).
    pub fn set_waker(&self, timer: Timer, waker: &Waker) -> bool {
        self.0.set_waker(timer.0, waker)
    }

    /// Cancels the timer if it is still pending.
    pub fn remove(&self, timer: Timer) {
        self.0.remove(timer.0);
    }
}

/// The decision point of one waiting channel operation.
pub struct Token(Arc<waiter::Token>);

impl Token {
    /// A waiting token that wakes `waker` when selected.
    pub fn new(waker: &Waker) -> Token {
        Token(Arc::new(waiter::Token::new(waker)))
    }

    /// The arm it was selected for, if any.
    pub fn selected(&self) -> Option<usize> {
        self.0.selected()
    }

    /// Withdraws; `Err(arm)` if it was selected first.
    pub fn try_abort(&self) -> Result<(), usize> {
        self.0.try_abort()
    }

    /// Claims the token for `arm` (as a counterpart does).
    pub fn try_select(&self, arm: usize) -> bool {
        self.0.try_select(arm)
    }

    /// Replaces the waker (as the owner's later poll does).
    pub fn set_waker(&self, waker: &Waker) {
        self.0.set_waker(waker);
    }
}

/// A buffered channel's queue of waiting operations.
pub struct WaitQueue(waiter::WaitQueue<waiter::Registration>);

impl WaitQueue {
    /// An empty queue.
    #[allow(clippy::new_without_default)]
    pub fn new() -> WaitQueue {
        WaitQueue(waiter::WaitQueue::new())
    }

    /// Registers `token` for `arm`; the caller re-checks its condition.
    pub fn register(&self, token: &Token, arm: usize) {
        self.0.register(waiter::Registration::new(&token.0, arm, 0));
    }

    /// Removes `token`'s entries.
    pub fn unregister(&self, token: &Token) {
        self.0.unregister(&token.0);
    }

    /// Selects and wakes the first entry that can still be selected.
    pub fn notify_one(&self) {
        self.0.notify_one();
    }

    /// Selects and wakes every entry.
    pub fn notify_all(&self) {
        self.0.notify_all();
    }
}
