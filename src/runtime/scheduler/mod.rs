//! The state a runtime's threads share, and where each runnable process goes.
//!
//! Placement rules (the heart of the scheduler's performance):
//!
//! * A process woken on one of the runtime's own threads goes into that
//!   thread's LIFO slot and runs next there; **no idle worker is woken**
//!   for it, since the waking thread is about to be free. Only a process
//!   displaced from the slot (a second wake in the same poll) is queued
//!   where others can take it, and then an idle worker is woken.
//! * A process that yields (`yield_now`, spent budget) goes to the back
//!   of its worker's local queue; an idle worker is woken only if that
//!   queue already held other work.
//! * A spawned process goes to the spawning worker's local queue, or to
//!   the injection queue if spawned from elsewhere; either way an idle
//!   worker is woken if nobody is searching.
//! * A process woken from any other thread (an OS thread, a timer, a
//!   worker of another runtime) goes to the injection queue and one idle
//!   worker is woken.
//! * An idle worker takes from another's local queue only when what waits
//!   there would otherwise wait long (`watch.rs`); meanwhile it *watches*:
//!   it stays counted as searching (so pushes wake nobody else) and sleeps
//!   between looks. A push to the injection queue, or one that makes a
//!   local queue long, wakes every watcher at once.
//!
//! Shutdown: [`Scheduler::begin_shutdown`] raises the flag, closes the
//! injection queue and unparks every worker; after the workers are gone,
//! [`Scheduler::cancel_all`] drops every process that is still alive.

pub(crate) mod idle;
pub(crate) mod inject;
pub(crate) mod owned;
pub(crate) mod queue;
pub(crate) mod watch;
pub(crate) mod worker;

use std::future::Future;

use crate::runtime::context;
use crate::runtime::park::Parker;
use crate::runtime::stall::Progress;
use crate::runtime::task::{self, JoinHandle, Notified, Origin};
use crate::sync::atomic::{fence, AtomicBool, AtomicU64, AtomicUsize, Ordering};
use crate::sync::Arc;
use idle::Idle;
use inject::Inject;
use owned::OwnedTasks;
use queue::{Local, Steal};

/// What other threads may touch of one worker.
pub(crate) struct Remote {
    /// The thieves' end of its local queue.
    pub(crate) steal: Steal,
    /// Where it sleeps when idle.
    pub(crate) parker: Parker,
    /// Whether it is watching (sleeping between two looks at a short
    /// queue, see `watch.rs`): a push that should not wait for its next
    /// look unparks it.
    pub(crate) watching: AtomicBool,
}

/// A runtime's shared state.
pub(crate) struct Scheduler {
    pub(crate) inject: Inject,
    pub(crate) remotes: Box<[Remote]>,
    pub(crate) idle: Idle,
    pub(crate) owned: OwnedTasks,
    /// Polls counted for stall reports (`runtime::stall`).
    pub(crate) progress: Progress,
    shutdown: AtomicBool,
    next_id: AtomicU64,
    /// How many workers are watching.
    watchers: AtomicUsize,
    /// Under loom, which has no time: whether idle workers watch short
    /// queues (a model's choice, `__loom::Workers::watching`) rather than
    /// take from them at once.
    #[cfg(loom)]
    pub(crate) watch_short_queues: bool,
}

impl Scheduler {
    /// The state of a runtime with `workers` workers, and the owners' ends
    /// of their local queues.
    pub(crate) fn new(workers: usize) -> (Arc<Scheduler>, Vec<Local>) {
        let (locals, remotes): (Vec<Local>, Vec<Remote>) = (0..workers)
            .map(|_| {
                let (local, steal) = queue::new();
                (
                    local,
                    Remote {
                        steal,
                        parker: Parker::new(),
                        watching: AtomicBool::new(false),
                    },
                )
            })
            .unzip();
        let shared = Scheduler {
            inject: Inject::new(),
            remotes: remotes.into_boxed_slice(),
            idle: Idle::new(workers),
            owned: OwnedTasks::new(),
            progress: Progress::new(workers),
            shutdown: AtomicBool::new(false),
            next_id: AtomicU64::new(1),
            watchers: AtomicUsize::new(0),
            #[cfg(loom)]
            watch_short_queues: false,
        };
        (Arc::new(shared), locals)
    }

    /// Number of workers.
    pub(crate) fn workers(&self) -> usize {
        self.remotes.len()
    }

    /// Whether the runtime is shutting down.
    pub(crate) fn is_shutdown(&self) -> bool {
        // Acquire: pairs with the SeqCst store in `begin_shutdown`; a worker
        // that sees it exits.
        self.shutdown.load(Ordering::Acquire)
    }

    /// Spawns `future` as a new process.
    pub(crate) fn spawn<F>(this: &Arc<Self>, future: F, origin: Origin) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        // Relaxed: ids only need to be unique.
        let id = this.next_id.fetch_add(1, Ordering::Relaxed);
        let (list_reference, notified, join) =
            task::allocate(future, task::Owner::runtime(this.clone()), id, origin);
        match this.owned.bind(list_reference) {
            Ok(()) => context::schedule_spawned(this, notified),
            Err(list_reference) => {
                // The runtime is shut down: the process is cancelled at once.
                list_reference.shutdown();
                drop(notified);
            }
        }
        join
    }

    /// Queues a process that was woken (`is_yield`: it woke itself, to go
    /// to the back of the queue). The scheduler is the process's own, which
    /// the caller (`Owner::schedule`) checked is a runtime. Inlined into
    /// the wake, as [`context::try_schedule_local`] is.
    #[inline(always)]
    pub(crate) fn schedule(task: Notified, is_yield: bool) {
        let Some(shared) = task.header().owner.scheduler_address() else {
            unreachable!("hoare: a hosted process was queued on a runtime")
        };
        // On a thread whose context holds this runtime's `Arc` (one of its
        // workers, or a `block_on` caller of it) no count is taken: every
        // wake bumping the runtime's one shared count would bounce its
        // cache line between the workers. The address is only compared.
        let task = match context::try_schedule_local(shared, task, is_yield) {
            Ok(()) => return,
            Err(task) => task,
        };
        // Keep the runtime's state alive past the push: once queued, the
        // process may run and be freed (with its reference to it) at once.
        // The process is still ours, so its owner reference keeps the
        // state alive until this count is taken.
        let Some(owner) = task.header().owner.scheduler() else {
            unreachable!("hoare: a hosted process was queued on a runtime")
        };
        owner.schedule_remote(task);
    }

    /// Queues `task` on the injection queue and wakes a worker for it.
    pub(crate) fn schedule_remote(&self, task: Notified) {
        match self.inject.push(task) {
            Ok(()) => {
                self.notify_parked();
                self.wake_watchers();
            }
            // Shut down: the live list cancels the process; drop this reference.
            Err(task) => drop(task),
        }
    }

    /// After a push to a worker's own queue, which now holds `len`
    /// processes: wakes a parked worker if nobody searches, and a watcher
    /// if the queue is now long enough to be taken from at once.
    pub(crate) fn notify_local_push(&self, len: usize) {
        self.notify_parked();
        if len >= watch::TAKE_AT_LEN as usize {
            self.wake_watchers();
        }
    }

    /// Unparks every watching worker, so it looks again now rather than at
    /// the end of its window.
    ///
    /// No lost wake-up: a watcher announces itself (flag, then count), then
    /// issues a `SeqCst` fence before its last look at the injection queue
    /// and its sleep (`Worker::watch`); a pusher pushes, then issues a
    /// `SeqCst` fence (here) before it reads the count. Of two such
    /// fences one comes first, so the watcher sees the push or the pusher
    /// sees the watcher; the parker's token keeps an unpark that comes
    /// before the sleep. A local push missed this way waits at most for
    /// the watcher's next look.
    pub(crate) fn wake_watchers(&self) {
        fence(Ordering::SeqCst);
        // SeqCst: see above.
        if self.watchers.load(Ordering::SeqCst) == 0 {
            return;
        }
        for remote in self.remotes.iter() {
            // SeqCst: as above.
            if remote.watching.load(Ordering::SeqCst) {
                remote.parker.unpark();
            }
        }
    }

    /// Worker `index` starts or ends watching (see [`wake_watchers`]).
    ///
    /// [`wake_watchers`]: Scheduler::wake_watchers
    pub(crate) fn set_watching(&self, index: usize, watching: bool) {
        let remote = &self.remotes[index];
        if watching {
            // SeqCst: the flag, then the count, before the watcher's look
            // (see `wake_watchers`).
            remote.watching.store(true, Ordering::SeqCst);
            self.watchers.fetch_add(1, Ordering::SeqCst);
        } else {
            self.watchers.fetch_sub(1, Ordering::SeqCst);
            remote.watching.store(false, Ordering::SeqCst);
        }
    }

    /// Wakes one parked worker if queued work may otherwise wait.
    pub(crate) fn notify_parked(&self) {
        if let Some(index) = self.idle.worker_to_notify() {
            self.remotes[index].parker.unpark();
        }
    }

    /// Whether some queue holds work another worker could take. The caller
    /// issues a `SeqCst` fence first when a missed push would matter.
    pub(crate) fn has_visible_work(&self) -> bool {
        !self.inject.is_empty() || self.remotes.iter().any(|remote| !remote.steal.is_empty())
    }

    /// Raises the shutdown flag, closes the injection queue (dropping what
    /// it held) and unparks every worker so it sees the flag and exits.
    pub(crate) fn begin_shutdown(&self) {
        // SeqCst: a plain flag; the strongest ordering keeps reasoning simple.
        self.shutdown.store(true, Ordering::SeqCst);
        drop(self.inject.close());
        for remote in self.remotes.iter() {
            remote.parker.unpark();
        }
    }

    /// Cancels every live process (drops its future, runs its destructors)
    /// and refuses new ones. Processes still being polled by a worker that
    /// was not joined are cancelled by that worker when the poll returns.
    pub(crate) fn cancel_all(&self) {
        for task in self.owned.close_and_drain() {
            task.shutdown();
        }
        drop(self.inject.close());
    }
}
