//! [`spawn_blocking`]: running blocking code on threads apart from the
//! workers.
//!
//! # Design
//!
//! A closure is run by a **pool of OS threads**, one process-wide pool
//! shared by every runtime and by callers outside any runtime. The pool
//! grows on demand: a job that finds no idle thread starts a new one (up to
//! [`MAX_THREADS`]; beyond that jobs queue), and a thread idle for
//! [`KEEP_ALIVE`] retires. Pool threads are never joined, so dropping a
//! runtime never waits for a closure that is running.
//!
//! The caller's [`JoinHandle`] is that of an ordinary **process**, spawned
//! with the task harness, whose future waits on a one-message channel that
//! the pool thread fills with the closure's outcome. So the handle behaves
//! as every other: it resolves to the output, to a panic (the pool thread
//! catches it and the process resumes it, so the harness reports it as a
//! `JoinError` with `is_panic()`), or to a cancellation. The process runs
//! on the caller's runtime; outside any runtime it runs on a hidden
//! one-worker runtime started on first use (the pool's threads only block,
//! so they cannot host it).
//!
//! * **Abort.** `JoinHandle::abort` cancels the process, which drops the
//!   channel's receiver and so closes the channel. A pool thread looks at
//!   the channel before it starts a closure and skips it if it is closed:
//!   only a closure that has not started is cancelled. A running one runs
//!   to the end and its output is dropped on the pool thread.
//! * **Simulation.** Inside a simulation there are no other threads: the
//!   closure runs inline, on the simulation's thread, as the first (and
//!   only) step of a process. It must not wait on anything the simulation
//!   drives.

use std::collections::VecDeque;
use std::future::Future;
use std::io;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use super::task::Origin;
use super::{context, hooks, JoinHandle, Runtime};
use crate::chan;
use crate::sync::{Arc, Condvar, Mutex, OnceLock};

/// The most threads the pool runs at once; further jobs queue.
const MAX_THREADS: usize = 512;
/// How long a pool thread waits for work before it retires.
const KEEP_ALIVE: Duration = Duration::from_secs(10);

/// A closure queued for a pool thread.
type Job = Box<dyn FnOnce() + Send>;

/// Runs `f` on a thread apart from the runtime's workers, for code that
/// blocks (file or socket I/O, a long computation, a C library call), and
/// gives a [`JoinHandle`] for its result.
///
/// Works inside a runtime (the handle is a process of that runtime) and
/// outside one (a plain thread, `hoare::block_on`). A panic in `f` comes
/// back as a [`JoinError`](super::JoinError) with `is_panic()`.
/// [`JoinHandle::abort`] cancels `f` only if it has not started; dropping
/// a runtime does not wait for closures that are running. Inside a
/// simulation `f` runs inline, on the simulation's thread, as one step: it
/// must not wait on anything the simulation drives.
///
/// # Panics
///
/// If the pool needs a new thread and the operating system refuses to
/// start one while the pool has none.
///
/// ```
/// hoare::run(async {
///     let handle = hoare::spawn_blocking(|| {
///         std::thread::sleep(std::time::Duration::from_millis(1)); // blocks a pool thread
///         6 * 7
///     });
///     assert_eq!(handle.await.unwrap(), 42);
///
///     let failing = hoare::spawn_blocking(|| panic!("boom"));
///     assert!(failing.await.unwrap_err().is_panic());
/// });
/// ```
#[track_caller]
pub fn spawn_blocking<F, R>(f: F) -> JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let origin = Origin::new(std::panic::Location::caller(), None);
    let (f, origin) = match hooks::try_spawn(Inline(Some(f)), origin) {
        Ok(handle) => return handle,
        Err((Inline(f), origin)) => (
            f.expect("hoare: an inline closure was taken before it ran"),
            origin,
        ),
    };
    spawn_on(pool(), f, origin)
}

/// [`spawn_blocking`] outside a simulation, on `pool`.
fn spawn_on<F, R>(pool: &Arc<Pool>, f: F, origin: Origin) -> JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let (outcome_tx, outcome_rx) = chan::bounded(1);
    let waiting = async move {
        match outcome_rx.recv().await {
            Ok(Ok(output)) => output,
            // The pool thread caught it; the harness catches it again here
            // and hands it to the JoinHandle.
            Ok(Err(payload)) => resume_unwind(payload),
            Err(chan::RecvError) => {
                panic!("hoare::spawn_blocking: the closure was dropped without being run")
            }
        }
    };
    let in_runtime = context::with_current(|cx| cx.is_some());
    let handle = if in_runtime {
        context::spawn(waiting, origin).expect("hoare: the current runtime vanished during a spawn")
    } else {
        standalone().spawn(waiting)
    };
    let job = move || {
        // A closed channel: the process was cancelled (aborted, or its
        // runtime dropped) before the closure started. Skip it.
        if outcome_tx.is_closed() {
            return;
        }
        let outcome = catch_unwind(AssertUnwindSafe(f));
        // Fails only if the process was cancelled meanwhile: the output is
        // dropped here.
        let _ = outcome_tx.try_send(outcome);
    };
    if let Err(error) = Pool::submit(pool, Box::new(job)) {
        panic!(
            "hoare::spawn_blocking could not start a thread for its pool: {error}; \
             lower the number of threads the program uses"
        );
    }
    handle
}

/// The runtime that hosts the processes of `spawn_blocking` calls made
/// outside any runtime.
fn standalone() -> &'static Runtime {
    static STANDALONE: OnceLock<Runtime> = OnceLock::new();
    STANDALONE.get_or_init(|| {
        Runtime::builder()
            .workers(1)
            .thread_name("hoare-blocking-join")
            .build()
            .unwrap_or_else(|error| {
                panic!("hoare::spawn_blocking could not start its runtime thread: {error}")
            })
    })
}

/// The process-wide pool, started on first use.
fn pool() -> &'static Arc<Pool> {
    static POOL: OnceLock<Arc<Pool>> = OnceLock::new();
    POOL.get_or_init(|| Arc::new(Pool::new(MAX_THREADS, KEEP_ALIVE)))
}

/// A closure run as a process's only step (inside a simulation).
struct Inline<F>(Option<F>);

// The closure is moved out by value, never pinned.
impl<F> Unpin for Inline<F> {}

impl<F: FnOnce() -> R, R> Future for Inline<F> {
    type Output = R;

    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<R> {
        let f = self
            .get_mut()
            .0
            .take()
            .expect("hoare: a spawn_blocking process was polled after it completed");
        Poll::Ready(f())
    }
}

/// A pool of threads that run [`Job`]s.
///
/// # Bookkeeping (all under `state`'s lock)
///
/// * `threads`: pool threads alive (or being started).
/// * `idle`: threads waiting for work that no submit has claimed yet. A
///   submit that finds one claims it (`idle -= 1`, `notified += 1`) and
///   notifies the condition variable; otherwise it starts a thread.
/// * `notified`: claims not yet taken. A waiting thread that wakes and
///   finds one takes it and goes to the queue; one that finds none keeps
///   waiting, or retires once it has waited [`KEEP_ALIVE`] (leaving
///   `idle` itself).
///
/// A claimed thread may find the queue empty (a busy thread that finished
/// took the job first): it simply waits again.
struct Pool {
    state: Mutex<PoolState>,
    work: Condvar,
    max_threads: usize,
    keep_alive: Duration,
}

#[derive(Default)]
struct PoolState {
    queue: VecDeque<Job>,
    threads: usize,
    idle: usize,
    notified: usize,
}

impl Pool {
    fn new(max_threads: usize, keep_alive: Duration) -> Self {
        Pool {
            state: Mutex::new(PoolState::default()),
            work: Condvar::new(),
            max_threads,
            keep_alive,
        }
    }

    /// Queues `job` and makes sure a thread will run it. `Err` only if a
    /// thread was needed, could not be started, and no thread is left to
    /// run the queue (the job is then dropped).
    fn submit(pool: &Arc<Pool>, job: Job) -> io::Result<()> {
        let mut state = pool.state.lock();
        state.queue.push_back(job);
        if state.idle > 0 {
            state.idle -= 1;
            state.notified += 1;
            drop(state);
            pool.work.notify_one();
            return Ok(());
        }
        if state.threads >= pool.max_threads {
            // A busy thread takes it when it finishes.
            return Ok(());
        }
        state.threads += 1;
        drop(state);
        let worker = pool.clone();
        match spawn_thread(move || worker.work_loop()) {
            Ok(()) => Ok(()),
            Err(error) => {
                let mut state = pool.state.lock();
                state.threads -= 1;
                if state.threads > 0 {
                    // Another thread will reach the queue.
                    return Ok(());
                }
                let orphans = std::mem::take(&mut state.queue);
                drop(state);
                drop(orphans);
                Err(error)
            }
        }
    }

    /// A pool thread's life: run queued jobs, wait, retire when idle too
    /// long.
    fn work_loop(&self) {
        let mut state = self.state.lock();
        loop {
            while let Some(job) = state.queue.pop_front() {
                drop(state);
                // The job catches the closure's panic; this catches one from
                // dropping an output nobody awaits, so the thread lives on.
                let _ = catch_unwind(AssertUnwindSafe(job));
                state = self.state.lock();
            }
            state.idle += 1;
            let idle_since = Instant::now();
            loop {
                let waited = idle_since.elapsed();
                if waited >= self.keep_alive {
                    state.idle -= 1;
                    state.threads -= 1;
                    return;
                }
                state = self.work.wait_for(state, self.keep_alive - waited);
                if state.notified > 0 {
                    state.notified -= 1;
                    break;
                }
            }
        }
    }

    /// Threads alive (a snapshot).
    #[cfg(test)]
    fn threads(&self) -> usize {
        self.state.lock().threads
    }
}

#[cfg(not(loom))]
fn spawn_thread(body: impl FnOnce() + Send + 'static) -> io::Result<()> {
    crate::sync::thread::Builder::new()
        .name("hoare-blocking".to_owned())
        .spawn(body)
        .map(drop)
}

#[cfg(loom)]
fn spawn_thread(body: impl FnOnce() + Send + 'static) -> io::Result<()> {
    drop(crate::sync::thread::spawn(body));
    Ok(())
}

#[cfg(all(test, not(loom)))]
mod tests {
    use std::sync::atomic::{AtomicBool, Ordering};

    /// The origin a test's spawns report.
    #[track_caller]
    fn here() -> Origin {
        Origin::new(std::panic::Location::caller(), None)
    }

    use super::*;

    const PATIENCE: Duration = Duration::from_secs(10);

    #[test]
    fn abort_cancels_a_closure_that_has_not_started() {
        let pool = Arc::new(Pool::new(1, KEEP_ALIVE));
        let runtime = Runtime::builder().workers(1).build().unwrap();
        let (release_tx, release_rx) = chan::bounded::<()>(0);
        let (started_tx, started_rx) = chan::bounded::<()>(1);
        let ran_second = Arc::new(AtomicBool::new(false));
        let ran = ran_second.clone();
        runtime.block_on(async {
            // The pool's only thread is busy until released.
            let first = spawn_on(
                &pool,
                move || {
                    started_tx.send_blocking(()).unwrap();
                    release_rx.recv_timeout(PATIENCE).unwrap();
                    "first"
                },
                here(),
            );
            crate::time::timeout(PATIENCE, started_rx.recv())
                .await
                .unwrap()
                .unwrap();
            let second = spawn_on(&pool, move || ran.store(true, Ordering::SeqCst), here());
            second.abort();
            let second = crate::time::timeout(PATIENCE, second).await.unwrap();
            assert!(second.unwrap_err().is_cancelled());
            release_tx.send(()).await.unwrap();
            let first = crate::time::timeout(PATIENCE, first).await.unwrap();
            assert_eq!(first.unwrap(), "first");
        });
        // The thread looks at (and skips) the queued job before it goes idle.
        wait_until_idle(&pool);
        assert!(!ran_second.load(Ordering::SeqCst));
    }

    /// Waits until every pool thread waits for work, with the queue empty.
    fn wait_until_idle(pool: &Pool) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            {
                let state = pool.state.lock();
                if state.queue.is_empty() && state.idle == state.threads {
                    return;
                }
            }
            assert!(Instant::now() < deadline, "the pool never went idle");
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    #[test]
    fn idle_threads_retire_after_keep_alive() {
        let pool = Arc::new(Pool::new(4, Duration::from_millis(20)));
        let handles: Vec<_> = (0..3).map(|i| spawn_on(&pool, move || i, here())).collect();
        let outputs: Vec<i32> = handles
            .into_iter()
            .map(|h| {
                crate::block_on(crate::time::timeout(PATIENCE, h))
                    .unwrap()
                    .unwrap()
            })
            .collect();
        assert_eq!(outputs, [0, 1, 2]);
        assert!(pool.threads() >= 1);
        let deadline = Instant::now() + PATIENCE;
        while pool.threads() > 0 {
            assert!(Instant::now() < deadline, "idle pool threads never retired");
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    #[test]
    fn pool_reuses_an_idle_thread() {
        let pool = Arc::new(Pool::new(4, PATIENCE));
        for i in 0..5 {
            let handle = spawn_on(&pool, move || i * 2, here());
            let output = crate::block_on(crate::time::timeout(PATIENCE, handle));
            assert_eq!(output.unwrap().unwrap(), i * 2);
            wait_until_idle(&pool);
        }
        assert_eq!(pool.threads(), 1);
    }
}
