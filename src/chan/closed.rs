//! [`Sender::closed`]: waiting for a channel to close.
//!
//! Every channel keeps a list of the wakers of pending `closed()` futures
//! ([`CloseWaiters`]), woken by the call that closes the channel
//! (`Channel::close`, reached by `close()` and by the drop of the last
//! `Sender` or the last `Receiver`).
//!
//! # No lost wake-up
//!
//! A future registers its waker, then looks at the channel again; the
//! closer marks the channel closed, then wakes the list. Both sides are
//! `SeqCst` (the flavours' close marks and `is_closed` loads are, and so
//! are the list's `registered` count updates and loads), so in the one
//! total order of those operations either the closer's look at the count
//! comes after the registration (and it wakes the future), or the
//! future's second look at the channel comes after the close mark (and it
//! completes at once). The count lets a close that nobody waits for skip
//! the lock.
//!
//! # Cancellation
//!
//! A dropped future removes its entry; an entry already taken by the
//! closer is simply gone. Nothing else is held.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use super::{Channel, Sender};
use crate::sync::atomic::{AtomicUsize, Ordering};
use crate::sync::Mutex;

/// The wakers of a channel's pending `closed()` futures.
pub(crate) struct CloseWaiters {
    /// How many entries `list` holds: lets `wake_all` skip the lock.
    registered: AtomicUsize,
    list: Mutex<WaiterList>,
}

#[derive(Default)]
struct WaiterList {
    next_key: u64,
    entries: Vec<(u64, Waker)>,
}

impl CloseWaiters {
    /// An empty list.
    pub(crate) fn new() -> Self {
        CloseWaiters {
            registered: AtomicUsize::new(0),
            list: Mutex::new(WaiterList::default()),
        }
    }

    /// Stores `waker` under `key` (assigning a key on first use), or
    /// replaces the waker stored there (the newest waker wins).
    fn register(&self, key: &mut Option<u64>, waker: &Waker) {
        let mut list = self.list.lock();
        if let Some(key) = *key {
            if let Some((_, stored)) = list.entries.iter_mut().find(|(k, _)| *k == key) {
                if !stored.will_wake(waker) {
                    stored.clone_from(waker);
                }
                return;
            }
        }
        let new_key = list.next_key;
        list.next_key += 1;
        list.entries.push((new_key, waker.clone()));
        // SeqCst: before the caller's second look at the channel (module
        // docs).
        self.registered.fetch_add(1, Ordering::SeqCst);
        *key = Some(new_key);
    }

    /// Removes the entry under `key`, if the closer has not taken it.
    fn unregister(&self, key: u64) {
        let removed = {
            let mut list = self.list.lock();
            let position = list.entries.iter().position(|(k, _)| *k == key);
            position.map(|position| list.entries.swap_remove(position))
        };
        if removed.is_some() {
            // Relaxed: only the fast path of `wake_all` reads the count,
            // and an entry gone from the list needs no wake-up.
            self.registered.fetch_sub(1, Ordering::Relaxed);
        }
        // The waker (foreign code) is dropped here, outside the lock.
        drop(removed);
    }

    /// Wakes every registered future. Called once, after the channel's
    /// close mark is set.
    pub(crate) fn wake_all(&self) {
        // SeqCst: after the close mark (module docs).
        if self.registered.load(Ordering::SeqCst) == 0 {
            return;
        }
        let entries = std::mem::take(&mut self.list.lock().entries);
        self.registered.fetch_sub(entries.len(), Ordering::Relaxed);
        // Wake outside the lock.
        super::waiter::wake_each(entries, |(_, waker)| waker.wake());
    }
}

/// The future of [`Sender::closed`].
struct Closed<'a, T> {
    shared: &'a Channel<T>,
    /// Our entry in the channel's [`CloseWaiters`], once registered.
    key: Option<u64>,
}

impl<T> Future for Closed<'_, T> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        if this.shared.is_closed() {
            return Poll::Ready(());
        }
        this.shared
            .close_waiters
            .register(&mut this.key, cx.waker());
        // Register, then re-check (module docs).
        if this.shared.is_closed() {
            return Poll::Ready(());
        }
        Poll::Pending
    }
}

impl<T> Drop for Closed<'_, T> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            self.shared.close_waiters.unregister(key);
        }
    }
}

impl<T> fmt::Debug for Closed<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Closed")
            .field("registered", &self.key.is_some())
            .finish()
    }
}

impl<T> Sender<T> {
    /// Completes once the channel is closed: [`close`](Sender::close) was
    /// called (on any handle), or every [`Receiver`](super::Receiver) is
    /// gone. A producer can use it to stop work nobody will receive.
    ///
    /// It waits without polling in a loop: the close wakes it. Dropping
    /// the future before it completes is harmless.
    ///
    /// ```
    /// hoare::run(async {
    ///     let (tx, rx) = hoare::chan::bounded::<u32>(1);
    ///     let watcher = hoare::spawn(async move {
    ///         tx.closed().await;
    ///         "the receivers left"
    ///     });
    ///     drop(rx); // the last receiver closes the channel
    ///     assert_eq!(watcher.await.unwrap(), "the receivers left");
    /// });
    /// ```
    pub fn closed(&self) -> impl Future<Output = ()> + '_ {
        Closed {
            shared: &self.shared,
            key: None,
        }
    }
}
