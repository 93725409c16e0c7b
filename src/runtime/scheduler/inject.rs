//! The injection queue: the runtime's one global run queue.
//!
//! Processes arrive here when they are spawned or woken from outside a
//! worker (the `run` caller's thread, a foreign OS thread, a timer), and
//! when a worker's local queue overflows. Every worker takes from it
//! regularly (every [`super::worker::INJECT_INTERVAL`] ticks, and whenever
//! its local queue is empty), so nothing here starves.
//!
//! It is a `VecDeque` under a mutex, as in Go's global run queue; the
//! length is mirrored in an atomic so that workers can look without
//! locking. Once closed (at shutdown) it refuses new processes, which
//! breaks the cycle "runtime -> queue -> process -> runtime" for good.

use std::collections::VecDeque;

use super::queue::Local;
use crate::runtime::task::Notified;
use crate::sync::atomic::{AtomicUsize, Ordering};
use crate::sync::{Mutex, LOCAL_QUEUE_CAPACITY};

pub(crate) struct Inject {
    queue: Mutex<Queue>,
    /// Number of queued processes; written under the lock, read without.
    len: AtomicUsize,
}

struct Queue {
    tasks: VecDeque<Notified>,
    closed: bool,
}

impl Inject {
    pub(crate) fn new() -> Self {
        Inject {
            queue: Mutex::new(Queue {
                tasks: VecDeque::new(),
                closed: false,
            }),
            len: AtomicUsize::new(0),
        }
    }

    /// Whether the queue looks empty. A hint: the caller that must not miss
    /// a push issues a `SeqCst` fence first (see `idle.rs`).
    pub(crate) fn is_empty(&self) -> bool {
        // Acquire: pairs with the Release stores below, so a non-zero
        // length is followed by a pop that finds the process.
        self.len.load(Ordering::Acquire) == 0
    }

    /// Queues `task`; gives it back if the queue is closed.
    pub(crate) fn push(&self, task: Notified) -> Result<(), Notified> {
        let mut queue = self.queue.lock();
        if queue.closed {
            return Err(task);
        }
        queue.tasks.push_back(task);
        // Release: see `is_empty`.
        self.len.store(queue.tasks.len(), Ordering::Release);
        Ok(())
    }

    /// Queues every task of `batch` (a local queue's overflow). If the queue
    /// is closed they are dropped.
    pub(crate) fn push_batch(&self, batch: impl Iterator<Item = Notified>) {
        let mut queue = self.queue.lock();
        if queue.closed {
            drop(queue);
            batch.for_each(drop);
            return;
        }
        queue.tasks.extend(batch);
        // Release: see `is_empty`.
        self.len.store(queue.tasks.len(), Ordering::Release);
    }

    /// Takes the oldest process.
    pub(crate) fn pop(&self) -> Option<Notified> {
        if self.is_empty() {
            return None;
        }
        let mut queue = self.queue.lock();
        let task = queue.tasks.pop_front();
        // Release: see `is_empty`.
        self.len.store(queue.tasks.len(), Ordering::Release);
        task
    }

    /// Takes the oldest process to run now, and moves a fair share of the
    /// rest (the backlog divided among `workers`, at most half a local
    /// queue) into `local`, so workers do not come back to the lock for
    /// every process.
    pub(crate) fn pop_into(&self, local: &Local, workers: usize) -> Option<Notified> {
        if self.is_empty() {
            return None;
        }
        let mut queue = self.queue.lock();
        let first = queue.tasks.pop_front()?;
        let share = (queue.tasks.len() / workers.max(1))
            .min(LOCAL_QUEUE_CAPACITY / 2)
            .min(local.free_slots());
        for _ in 0..share {
            let Some(task) = queue.tasks.pop_front() else {
                break;
            };
            if let Err(task) = local.try_push_back(task) {
                queue.tasks.push_front(task);
                break;
            }
        }
        // Release: see `is_empty`.
        self.len.store(queue.tasks.len(), Ordering::Release);
        Some(first)
    }

    /// Closes the queue and returns what it held, to be dropped by the
    /// caller outside the lock (dropping a process may wake another).
    pub(crate) fn close(&self) -> VecDeque<Notified> {
        let mut queue = self.queue.lock();
        queue.closed = true;
        // Release: see `is_empty`.
        self.len.store(0, Ordering::Release);
        std::mem::take(&mut queue.tasks)
    }
}
