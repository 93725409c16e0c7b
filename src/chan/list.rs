//! The unbounded flavour: a growable FIFO; sends never wait.
//!
//! # Algorithm
//!
//! Messages live in a `VecDeque` (a ring that doubles when full, so
//! allocation is amortised) behind a short critical section: a send or a
//! receive holds the lock for one push or pop. Receivers that find the
//! queue empty wait in a [`WaitQueue`]; each send notifies one of them.
//!
//! The lock-free alternative (crossbeam's list of blocks) is faster under
//! contention and is the planned replacement; this version's virtue is
//! that its correctness is evident. The rest of the crate sees only the
//! methods below, so the replacement is local to this file.
//!
//! No store-buffer race exists here: a receiver registers, then re-checks
//! the queue under the lock; a sender pushes under the lock, then reads
//! the wait queue's `is_empty`. Whichever takes the lock second sees the
//! other's write.

use std::collections::VecDeque;

use super::error::{TryRecvError, TrySendError};
use super::waiter::{Entry, WaitQueue};
use crate::sync::atomic::{AtomicUsize, Ordering};
use crate::sync::{Arc, Mutex};

/// An unbounded channel's shared state.
pub(crate) struct Channel<T> {
    queue: Mutex<Queue<T>>,
    /// Bumped under the lock on every push, pop and close; the select's
    /// version, and (low bit aside) nothing else.
    version: AtomicUsize,
    /// Mirrors `queue.messages.len()` for lock-free `len`.
    length: AtomicUsize,
    /// Receivers waiting for a message.
    receivers: WaitQueue<T>,
}

struct Queue<T> {
    messages: VecDeque<T>,
    closed: bool,
}

impl<T> Channel<T> {
    /// A new, open, empty channel.
    pub(crate) fn new() -> Self {
        Channel {
            queue: Mutex::new(Queue {
                messages: VecDeque::new(),
                closed: false,
            }),
            version: AtomicUsize::new(0),
            length: AtomicUsize::new(0),
            receivers: WaitQueue::new(),
        }
    }

    /// Records a state change (with the lock held).
    fn changed(&self, queue: &Queue<T>) {
        // SeqCst: versions of several channels are read in one total order
        // by a select's double collect.
        self.version.fetch_add(1, Ordering::SeqCst);
        // Relaxed: `len` is a snapshot; the lock orders the real state.
        self.length.store(queue.messages.len(), Ordering::Relaxed);
    }

    /// Sends; fails only when closed.
    pub(crate) fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        {
            let mut queue = self.queue.lock();
            if queue.closed {
                return Err(TrySendError::Closed(value));
            }
            queue.messages.push_back(value);
            self.changed(&queue);
        }
        self.receivers.notify_one();
        Ok(())
    }

    /// Receives without waiting.
    pub(crate) fn try_recv(&self) -> Result<T, TryRecvError> {
        let mut queue = self.queue.lock();
        match queue.messages.pop_front() {
            Some(value) => {
                self.changed(&queue);
                Ok(value)
            }
            None if queue.closed => Err(TryRecvError::Closed),
            None => Err(TryRecvError::Empty),
        }
    }

    /// Whether a receive would not wait now.
    pub(crate) fn recv_ready(&self) -> bool {
        let queue = self.queue.lock();
        queue.closed || !queue.messages.is_empty()
    }

    /// Registers a waiting receiver; `false` (and not registered) if a
    /// receive could proceed now.
    pub(crate) fn register_recv(&self, entry: &Arc<Entry<T>>) -> bool {
        self.receivers.register(entry.clone());
        if self.recv_ready() {
            self.receivers.unregister(entry.token());
            return false;
        }
        true
    }

    /// The waiting receivers.
    pub(crate) fn receivers(&self) -> &WaitQueue<T> {
        &self.receivers
    }

    /// Closes the channel; `true` if this call closed it. Wakes every waiter.
    pub(crate) fn close(&self) -> bool {
        {
            let mut queue = self.queue.lock();
            if queue.closed {
                return false;
            }
            queue.closed = true;
            self.changed(&queue);
        }
        self.receivers.notify_all();
        true
    }

    /// Drops every buffered message (the last receiver is gone).
    pub(crate) fn discard_all(&self) {
        let messages = {
            let mut queue = self.queue.lock();
            let messages = std::mem::take(&mut queue.messages);
            self.changed(&queue);
            messages
        };
        drop(messages);
    }

    /// Whether the channel is closed.
    pub(crate) fn is_closed(&self) -> bool {
        self.queue.lock().closed
    }

    /// Buffered messages, a snapshot.
    pub(crate) fn len(&self) -> usize {
        // Relaxed: a snapshot by definition.
        self.length.load(Ordering::Relaxed)
    }

    /// The state version for a select's double collect.
    pub(crate) fn version(&self) -> (usize, usize) {
        // SeqCst: see `changed`.
        (self.version.load(Ordering::SeqCst), 0)
    }
}
