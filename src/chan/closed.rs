//! [`Sender::closed`]: waiting for a channel to close.
//!
//! Every channel keeps a list of the wakers of pending `closed()` futures
//! ([`CloseWaiters`]), woken by the call that closes the channel
//! (`Channel::close`, reached by `close()` and by the drop of the last
//! `Sender` or the last `Receiver`).
//!
//! # The list
//!
//! Most channels never have a `closed()` future, so the list is not part
//! of the channel: the channel holds one pointer, null until the first
//! registration allocates the list and installs it (a compare-and-swap; a
//! registration that loses the race frees its own list and uses the
//! winner's). The list then stays until the channel is dropped, which
//! frees it ([`CloseWaiters`]'s `Drop`: the channel's drop is the only
//! owner, so nobody else can be looking at it).
//!
//! # No lost wake-up
//!
//! A future registers its waker, then looks at the channel again; the
//! closer marks the channel closed, then looks for the list and wakes
//! it. Each side puts a `SeqCst` fence between its write and its look
//! (the store-buffering pattern: without the fences both could miss the
//! other's write; `SeqCst` on the accesses alone would do in C++'s model,
//! but loom models `SeqCst` accesses as acquire/release and only fences
//! as sequentially consistent, so the fences keep the argument inside
//! loom's reach). The two fences are ordered one way or the other. If
//! the closer's comes first, the registering future's second look,
//! after its own fence, sees the close mark and completes at once. If
//! the future's comes first, the closer's look sees the list (installed
//! before that fence) and takes the entries under the list's lock: a
//! registration under that lock before the closer's is taken and woken;
//! one after it follows the closer's unlock, which follows the close
//! mark, so its second look sees the channel closed. A close that nobody
//! waits for pays one fence and one load; `loom-tests/tests/closed.rs`
//! checks the race.
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
use crate::sync::atomic::{fence, AtomicPtr, Ordering};
use crate::sync::Mutex;

/// The wakers of a channel's pending `closed()` futures (module docs).
pub(crate) struct CloseWaiters {
    /// The list, made by the first registration; null until then. Owned:
    /// freed by `drop`.
    list: AtomicPtr<Mutex<WaiterList>>,
}

#[derive(Default)]
struct WaiterList {
    next_key: u64,
    entries: Vec<(u64, Waker)>,
}

impl CloseWaiters {
    /// An empty list (not allocated yet).
    pub(crate) fn new() -> Self {
        CloseWaiters {
            list: AtomicPtr::new(std::ptr::null_mut()),
        }
    }

    /// The list, if a registration made it.
    fn existing(&self) -> Option<&Mutex<WaiterList>> {
        // Acquire: the installer's initialisation of the list. The
        // no-lost-wake-up argument rests on the callers' fences.
        let list = self.list.load(Ordering::Acquire);
        // SAFETY: a non-null pointer is a list installed by `get_or_make`
        // from `Box::into_raw`, freed only when `self` drops.
        unsafe { list.as_ref() }
    }

    /// The list, made and installed if there is none yet.
    fn get_or_make(&self) -> &Mutex<WaiterList> {
        if let Some(list) = self.existing() {
            return list;
        }
        let made = Box::into_raw(Box::new(Mutex::new(WaiterList::default())));
        // Success releases the list's initialisation, failure acquires
        // the winner's; the registration's fence orders the installation
        // before its second look (module docs).
        let list = match self.list.compare_exchange(
            std::ptr::null_mut(),
            made,
            Ordering::AcqRel,
            Ordering::Acquire,
        ) {
            Ok(_) => made,
            Err(winner) => {
                // SAFETY: `made` lost the race and was never shared.
                drop(unsafe { Box::from_raw(made) });
                winner
            }
        };
        // SAFETY: `list` is installed (by us or the winner) and freed
        // only when `self` drops.
        unsafe { &*list }
    }

    /// Stores `waker` under `key` (assigning a key on first use), or
    /// replaces the waker stored there (the newest waker wins).
    fn register(&self, key: &mut Option<u64>, waker: &Waker) {
        let mut list = self.get_or_make().lock();
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
        *key = Some(new_key);
    }

    /// Removes the entry under `key`, if the closer has not taken it.
    fn unregister(&self, key: u64) {
        let Some(list) = self.existing() else {
            return;
        };
        let removed = {
            let mut list = list.lock();
            let position = list.entries.iter().position(|(k, _)| *k == key);
            position.map(|position| list.entries.swap_remove(position))
        };
        // The waker (foreign code) is dropped here, outside the lock.
        drop(removed);
    }

    /// Wakes every registered future. Called once, after the channel's
    /// close mark is set.
    pub(crate) fn wake_all(&self) {
        // Between the close mark and the look for the list (module docs).
        fence(Ordering::SeqCst);
        let Some(list) = self.existing() else {
            return;
        };
        let entries = std::mem::take(&mut list.lock().entries);
        // Wake outside the lock.
        super::waiter::wake_each(entries, |(_, waker)| waker.wake());
    }
}

impl Drop for CloseWaiters {
    fn drop(&mut self) {
        // Acquire: pairs with the installation's release, though `&mut
        // self` already orders every use of the list before this drop.
        let list = self.list.load(Ordering::Acquire);
        if !list.is_null() {
            // SAFETY: installed from `Box::into_raw` by `get_or_make`;
            // `&mut self` means nobody else holds a borrow of it, and it is
            // freed only here, once.
            drop(unsafe { Box::from_raw(list) });
        }
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
        // Register, then re-check, with the fence between (module docs).
        fence(Ordering::SeqCst);
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
