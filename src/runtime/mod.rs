//! Processes and the work-stealing runtime that runs them.
//!
//! A *process* is a spawned future (`Send + 'static`) living in one heap
//! block with its output and a state word (`task`). A `Runtime` runs
//! processes on `n` worker threads, one per core by default:
//!
//! * each worker has a bounded local run queue (a steal-half ring as in
//!   Go and tokio: `queue`) and a LIFO slot for the process woken last
//!   by the one it runs, which runs next on the same worker, up to a cap;
//! * a global injection queue (`inject`) takes spawns and wakes from
//!   outside the workers, and local overflow; workers check it every 61
//!   ticks and whenever their local queue is empty;
//! * idle workers steal half of a victim's queue, then park (`idle`,
//!   `park`); a producer wakes one only if nobody is searching, and a
//!   process woken into a LIFO slot wakes nobody (`scheduler`);
//! * the thread that calls `run` or `Runtime::block_on` runs the main
//!   future, and the processes the main future wakes (`main_thread`);
//! * a cooperative budget (`budget`) makes a process whose channels are
//!   always ready yield after a bounded number of operations.
//!
//! Observability: [`Runtime::dump`] and [`dump`] list the live processes,
//! each with its name ([`ProcessBuilder`]), spawn site, and what it waits
//! on (`dump`, `wait`; the facts are left by each wait in the task header,
//! `task::wait_slot`); [`Builder::stall_report`] starts a watchdog that
//! prints a dump when the runtime stops making progress (`stall`).
//!
//! Dropping a runtime stops it: workers are told to exit and are joined,
//! then every process still alive is cancelled (its future dropped on the
//! dropping thread), so nothing leaks and every `JoinHandle` resolves
//! (with a cancellation error).

pub(crate) mod block_on;
pub(crate) mod blocked_threads;
pub(crate) mod blocking;
pub(crate) mod budget;
pub(crate) mod builder;
pub(crate) mod coarse_clock;
pub(crate) mod context;
pub(crate) mod dump;
pub(crate) mod hooks;
pub(crate) mod main_thread;
pub(crate) mod par;
pub(crate) mod park;
pub(crate) mod process_builder;
pub(crate) mod scheduler;
pub(crate) mod stall;
pub(crate) mod task;
pub(crate) mod wait;
pub(crate) mod watched_channels;
pub(crate) mod yield_now;

use std::fmt;
use std::future::Future;
use std::io;
use std::panic::Location;

pub use block_on::block_on;
pub use blocking::spawn_blocking;
pub use builder::Builder;
pub use dump::{dump, ChannelInfo, Dump, Party, ProcessInfo, ThreadInfo};
pub use par::par;
pub use process_builder::ProcessBuilder;
pub use task::{JoinError, JoinHandle};
pub use yield_now::yield_now;

use crate::sync::{thread, Arc};
use context::assert_may_block;
use scheduler::Scheduler;
use task::Origin;

/// A work-stealing runtime: worker threads that run processes.
///
/// ```
/// let runtime = hoare::Runtime::new().unwrap();
/// let handle = runtime.spawn(async { 1 + 1 });
/// assert_eq!(runtime.block_on(handle).unwrap(), 2);
/// ```
///
/// Dropping it stops the workers and cancels every process still alive.
pub struct Runtime {
    shared: Arc<Scheduler>,
    threads: Vec<thread::JoinHandle<()>>,
    /// Set by `Builder::stall_report` / `on_stall`.
    watchdog: Option<stall::Watchdog>,
}

impl Runtime {
    /// A runtime with one worker per core.
    ///
    /// # Errors
    ///
    /// When a worker thread cannot be started.
    ///
    /// # Panics
    ///
    /// Inside a hoare simulation (use `hoare::spawn` there).
    ///
    /// ```
    /// let runtime = hoare::Runtime::new().unwrap();
    /// assert_eq!(runtime.block_on(async { "hello" }), "hello");
    /// ```
    #[track_caller]
    pub fn new() -> io::Result<Runtime> {
        Builder::new().build()
    }

    /// A [`Builder`] to choose the number of workers and their threads.
    ///
    /// ```
    /// let runtime = hoare::Runtime::builder().workers(1).build().unwrap();
    /// assert_eq!(runtime.block_on(async { 5 }), 5);
    /// ```
    pub fn builder() -> Builder {
        Builder::new()
    }

    /// Runs `future` to completion on the calling thread, which meanwhile
    /// also runs the processes that `future` wakes. `future` need not be
    /// `Send`; it may block the thread. Returns as soon as it completes.
    ///
    /// # Panics
    ///
    /// When called from inside a process (it would stall its worker; use
    /// `.await`) or inside a simulation.
    ///
    /// ```
    /// let runtime = hoare::Runtime::new().unwrap();
    /// let (tx, rx) = hoare::chan::bounded(0);
    /// runtime.spawn(async move { tx.send("from a process").await.unwrap() });
    /// // The main future may borrow from the stack and need not be Send.
    /// let local = std::rc::Rc::new(1);
    /// let got = runtime.block_on(async { (rx.recv().await.unwrap(), *local) });
    /// assert_eq!(got, ("from a process", 1));
    /// ```
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        assert_may_block("hoare::Runtime::block_on");
        main_thread::drive_main_future(&self.shared, future)
    }

    /// Spawns `future` as a process on this runtime. It may be called from
    /// any thread; dropping the returned handle detaches the process.
    ///
    /// ```
    /// let runtime = hoare::Runtime::new().unwrap();
    /// let handles: Vec<_> = (0..4u64).map(|i| runtime.spawn(async move { i * i })).collect();
    /// let squares: Vec<u64> = handles.into_iter().map(|h| runtime.block_on(h).unwrap()).collect();
    /// assert_eq!(squares, [0, 1, 4, 9]);
    /// ```
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        Scheduler::spawn(&self.shared, future, Origin::new(Location::caller(), None))
    }

    /// A snapshot of this runtime's live processes: what each waits on,
    /// where it was spawned (see [`Dump`]).
    ///
    /// ```
    /// let runtime = hoare::Runtime::new().unwrap();
    /// let (_tx, rx) = hoare::chan::bounded::<()>(0);
    /// runtime.spawn(async move { rx.recv().await });
    /// let start = std::time::Instant::now();
    /// while !runtime.dump().processes().iter().any(|p| p.is_blocked()) {
    ///     assert!(start.elapsed().as_secs() < 10, "the process never blocked");
    ///     std::thread::yield_now();
    /// }
    /// assert!(runtime.dump().processes()[0].waits_on()[0].starts_with("recv on channel #"));
    /// ```
    pub fn dump(&self) -> Dump {
        Dump::of(&self.shared.owned)
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        // First, so that no stall is reported while the runtime stops.
        drop(self.watchdog.take());
        let inside_own_process = context::is_worker_of(&self.shared);
        self.shared.begin_shutdown();
        if inside_own_process || std::thread::panicking() {
            // Joining would deadlock (our own worker) or could turn a panic
            // into an abort: the workers exit on their own.
            self.threads.clear();
        }
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
        self.shared.cancel_all();
        if inside_own_process && !std::thread::panicking() {
            panic!(
                "a hoare::Runtime was dropped from inside one of its own processes; it cannot \
                 wait for its workers from one of them. Drop it from the thread that created it \
                 (for example after Runtime::block_on returns)"
            );
        }
    }
}

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runtime")
            .field("workers", &self.shared.workers())
            .finish_non_exhaustive()
    }
}

/// Starts a runtime with one worker per core, runs `future` to completion
/// on the calling thread (see [`Runtime::block_on`]), and shuts the
/// runtime down, cancelling the processes still alive.
///
/// ```
/// let answer = hoare::run(async {
///     let child = hoare::spawn(async { 21 * 2 });
///     child.await.unwrap()
/// });
/// assert_eq!(answer, 42);
/// ```
///
/// # Panics
///
/// When called from inside a process (use `.await`), inside a simulation,
/// or if the worker threads cannot be started.
#[track_caller]
pub fn run<F: Future>(future: F) -> F::Output {
    assert_may_block("hoare::run");
    let runtime = Runtime::new()
        .unwrap_or_else(|error| panic!("hoare::run could not start its runtime: {error}"));
    runtime.block_on(future)
}

/// Spawns `future` as a process on the current runtime: the one whose
/// process, or whose main future, is calling.
///
/// # Panics
///
/// Outside a runtime (on a plain OS thread, in `hoare::block_on` without
/// a runtime): start one with [`run`] or [`Runtime::block_on`], or use
/// [`Runtime::spawn`].
///
/// ```
/// hoare::run(async {
///     let (tx, rx) = hoare::chan::unbounded();
///     for id in 0..3 {
///         let tx = tx.clone();
///         hoare::spawn(async move { tx.send(id).await.unwrap() });
///     }
///     drop(tx);
///     let mut ids = Vec::new();
///     while let Ok(id) = rx.recv().await {
///         ids.push(id);
///     }
///     ids.sort();
///     assert_eq!(ids, [0, 1, 2]);
/// });
/// ```
#[track_caller]
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    spawn_here(
        "hoare::spawn",
        future,
        Origin::new(Location::caller(), None),
    )
}

/// Spawns `future` from `origin` on the current simulation or runtime, or
/// panics naming `operation`.
#[track_caller]
pub(crate) fn spawn_here<F>(operation: &str, future: F, origin: Origin) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    // Inside a host (a simulation), the process belongs to it.
    let (future, origin) = match hooks::try_spawn(future, origin) {
        Ok(handle) => return handle,
        Err(back) => back,
    };
    match context::spawn(future, origin) {
        Some(handle) => handle,
        None => panic!(
            "{operation} called outside a runtime: call it from a process or from the future \
             given to hoare::run / Runtime::block_on, or use Runtime::spawn"
        ),
    }
}
