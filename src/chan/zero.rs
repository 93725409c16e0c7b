//! The rendezvous flavour (`bounded(0)`): a sender and a receiver meet.
//!
//! # Algorithm
//!
//! Two FIFO queues of waiters, waiting senders and waiting receivers, under
//! one lock (the shape of Go's `hchan` and crossbeam's zero flavour). At
//! most one queue holds live waiters at a time: an arriving operation
//! first tries to meet the oldest waiter of the other queue, and waits
//! only if there is none.
//!
//! * **Hand-off to a waiting receiver.** The sender puts its value in the
//!   receiver entry's slot, then claims the entry's token
//!   ([`Entry::try_select`]); if the claim fails (the receiver's select
//!   completed elsewhere, or it withdrew), the sender takes the value back
//!   and tries the next receiver. A successful claim completes the send at
//!   once: the receiver finds the value in its slot when it is polled.
//! * **Taking from a waiting sender.** The receiver takes the value out of
//!   the sender entry's slot, then claims the token; on failure it puts the
//!   value back and tries the next sender.
//! * **Left-overs.** A receive that was handed a value can be dropped
//!   before it returns it (its future, select or stream is dropped). The
//!   value is then given to the next waiting receiver, or kept in
//!   `leftovers`, which later receives drain first: a sent value is never
//!   lost. Invariant: `leftovers` is non-empty only while no receiver
//!   waits (a waiting receiver would have been handed the value).
//! * **Close** selects every waiter without touching slots; each then
//!   retries, and sees the channel closed (senders get their value back).
//!
//! All slot accesses here happen under the lock, which is rule 2 of the
//! slot protocol in [`super::waiter`]. `version` counts state changes under
//! the lock for a select's double collect.

use std::collections::VecDeque;

use super::error::{TryRecvError, TrySendError};
use super::waiter::{Entry, Token};
use crate::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use crate::sync::{Arc, Mutex, MutexGuard};

/// A rendezvous channel's shared state.
pub(crate) struct Rendezvous<T> {
    inner: Mutex<Inner<T>>,
    /// Mirrors `inner.closed`, for lock-free `is_closed`.
    closed: AtomicBool,
    /// Mirrors `inner.leftovers.len()`, for lock-free `len`.
    leftover_count: AtomicUsize,
    /// Bumped (under the lock) on every change a select could observe.
    version: AtomicUsize,
}

/// Appends a waiter. Most rendezvous channels never have more than one
/// waiter on a side: the first registration makes room for one
/// (`push_back` would make room for four), which saves memory per idle
/// channel; more waiters grow the queue as usual.
fn push_waiter<T>(queue: &mut VecDeque<Arc<Entry<T>>>, entry: Arc<Entry<T>>) {
    if queue.capacity() == 0 {
        queue.reserve_exact(1);
    }
    queue.push_back(entry);
}

struct Inner<T> {
    senders: VecDeque<Arc<Entry<T>>>,
    receivers: VecDeque<Arc<Entry<T>>>,
    leftovers: VecDeque<T>,
    closed: bool,
}

impl<T> Rendezvous<T> {
    /// A new, open rendezvous channel.
    pub(crate) fn new() -> Self {
        Rendezvous {
            inner: Mutex::new(Inner {
                senders: VecDeque::new(),
                receivers: VecDeque::new(),
                leftovers: VecDeque::new(),
                closed: false,
            }),
            closed: AtomicBool::new(false),
            leftover_count: AtomicUsize::new(0),
            version: AtomicUsize::new(0),
        }
    }

    /// Locks the state; every mutation through the guard bumps `version`
    /// via [`Rendezvous::changed`].
    fn lock(&self) -> MutexGuard<'_, Inner<T>> {
        self.inner.lock()
    }

    /// Records a state change (called with the lock held).
    fn changed(&self, inner: &Inner<T>) {
        // SeqCst: the double collect reads versions of several channels in
        // one total order. Written under the lock, so never concurrently.
        self.version.fetch_add(1, Ordering::SeqCst);
        // Relaxed: a snapshot for `len`; the lock orders the real state.
        self.leftover_count
            .store(inner.leftovers.len(), Ordering::Relaxed);
    }

    /// Gives `value` to the oldest waiting receiver. On success returns the
    /// entry to wake (after unlocking); otherwise gives the value back.
    fn hand_to_receiver(&self, inner: &mut Inner<T>, mut value: T) -> Result<Arc<Entry<T>>, T> {
        while let Some(entry) = inner.receivers.pop_front() {
            // SAFETY: rule 2: we hold the lock of the channel the entry is
            // registered with, and touch the slot before the CAS.
            unsafe { entry.put(value) };
            if entry.try_select() {
                self.changed(inner);
                return Ok(entry);
            }
            // SAFETY: rule 2 again: the CAS failed, we put back what we moved.
            value = unsafe { entry.take() }.expect("hoare: a rendezvous slot lost its value");
        }
        // Only withdrawn entries were dropped: nothing a select sees changed.
        Err(value)
    }

    /// Takes the value of the oldest waiting sender, returning it with the
    /// entry to wake (after unlocking).
    fn take_from_sender(&self, inner: &mut Inner<T>) -> Option<(T, Arc<Entry<T>>)> {
        while let Some(entry) = inner.senders.pop_front() {
            // SAFETY: rule 2: under the lock, before the CAS.
            let Some(value) = (unsafe { entry.take() }) else {
                // A sender's entry always holds its offer while registered.
                continue;
            };
            if entry.try_select() {
                self.changed(inner);
                return Some((value, entry));
            }
            // SAFETY: rule 2: the CAS failed, put the value back for its owner.
            unsafe { entry.put(value) };
        }
        None
    }

    /// Sends if a receiver is waiting.
    pub(crate) fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        let mut inner = self.lock();
        if inner.closed {
            return Err(TrySendError::Closed(value));
        }
        match self.hand_to_receiver(&mut inner, value) {
            Ok(entry) => {
                drop(inner);
                entry.wake();
                Ok(())
            }
            Err(value) => Err(TrySendError::Full(value)),
        }
    }

    /// Receives a left-over value, or from a waiting sender.
    pub(crate) fn try_recv(&self) -> Result<T, TryRecvError> {
        let mut inner = self.lock();
        if let Some(value) = inner.leftovers.pop_front() {
            self.changed(&inner);
            return Ok(value);
        }
        if let Some((value, entry)) = self.take_from_sender(&mut inner) {
            drop(inner);
            entry.wake();
            return Ok(value);
        }
        if inner.closed {
            Err(TryRecvError::Closed)
        } else {
            Err(TryRecvError::Empty)
        }
    }

    /// Registers a waiting receiver, unless a receive could proceed now
    /// (`false`). A sender entry of `entry`'s own select does not count: a
    /// select never meets itself.
    pub(crate) fn register_recv(&self, entry: &Arc<Entry<T>>) -> bool {
        let mut inner = self.lock();
        let own = entry.token();
        let ready = inner.closed
            || !inner.leftovers.is_empty()
            || inner
                .senders
                .iter()
                .any(|sender| !sender.belongs_to(own) && sender.token().is_waiting());
        if ready {
            return false;
        }
        push_waiter(&mut inner.receivers, entry.clone());
        self.changed(&inner);
        true
    }

    /// Registers a waiting sender whose offer is already in `entry`'s slot,
    /// unless a send could proceed now (`false`; the offer stays in the
    /// slot for the caller to take back).
    pub(crate) fn register_send(&self, entry: &Arc<Entry<T>>) -> bool {
        let mut inner = self.lock();
        let own = entry.token();
        let ready = inner.closed
            || inner
                .receivers
                .iter()
                .any(|receiver| !receiver.belongs_to(own) && receiver.token().is_waiting());
        if ready {
            return false;
        }
        push_waiter(&mut inner.senders, entry.clone());
        self.changed(&inner);
        true
    }

    /// Removes the receiver entries of `token`'s operation.
    pub(crate) fn unregister_recv(&self, token: &Token) {
        let mut inner = self.lock();
        let before = inner.receivers.len();
        inner.receivers.retain(|entry| !entry.belongs_to(token));
        if inner.receivers.len() != before {
            self.changed(&inner);
        }
    }

    /// Removes the sender entries of `token`'s operation. Their offers stay
    /// in the entries' slots, which the owner may now take (rule 1).
    pub(crate) fn unregister_send(&self, token: &Token) {
        let mut inner = self.lock();
        let before = inner.senders.len();
        inner.senders.retain(|entry| !entry.belongs_to(token));
        if inner.senders.len() != before {
            self.changed(&inner);
        }
    }

    /// A receive that was handed `value` will not return it: give it to
    /// the next waiting receiver, or keep it for the next receive.
    pub(crate) fn give_back(&self, value: T) {
        let mut inner = self.lock();
        match self.hand_to_receiver(&mut inner, value) {
            Ok(entry) => {
                drop(inner);
                entry.wake();
            }
            Err(value) => {
                inner.leftovers.push_back(value);
                self.changed(&inner);
            }
        }
    }

    /// Closes the channel; `true` if this call closed it. Wakes every waiter.
    pub(crate) fn close(&self) -> bool {
        let woken: Vec<Arc<Entry<T>>> = {
            let mut inner = self.lock();
            if inner.closed {
                return false;
            }
            inner.closed = true;
            // SeqCst: pairs with the load in `is_closed`; set under the lock.
            self.closed.store(true, Ordering::SeqCst);
            let inner = &mut *inner;
            let waiters: Vec<_> = inner
                .senders
                .drain(..)
                .chain(inner.receivers.drain(..))
                .collect();
            self.changed(inner);
            waiters
                .into_iter()
                .filter(|entry| entry.try_select())
                .collect()
        };
        for entry in woken {
            entry.wake();
        }
        true
    }

    /// Drops every left-over value (the last receiver is gone).
    pub(crate) fn discard_all(&self) {
        let leftovers = {
            let mut inner = self.lock();
            let leftovers = std::mem::take(&mut inner.leftovers);
            self.changed(&inner);
            leftovers
        };
        drop(leftovers);
    }

    /// Whether the channel is closed.
    pub(crate) fn is_closed(&self) -> bool {
        // SeqCst: pairs with the store in `close`.
        self.closed.load(Ordering::SeqCst)
    }

    /// Left-over values (see the module docs), a snapshot.
    pub(crate) fn len(&self) -> usize {
        // Relaxed: a snapshot by definition.
        self.leftover_count.load(Ordering::Relaxed)
    }

    /// The state version for a select's double collect.
    pub(crate) fn version(&self) -> (usize, usize) {
        // SeqCst: see `changed`.
        (self.version.load(Ordering::SeqCst), 0)
    }

    /// Whether a receiver is waiting.
    pub(crate) fn has_waiting_receivers(&self) -> bool {
        self.lock()
            .receivers
            .iter()
            .any(|entry| entry.token().is_waiting())
    }
}

/// # The arm protocol
///
/// How a select arm (`chan::operation`) waits on a rendezvous channel.
/// A waiting receive registers an [`Entry`] whose slot a sender fills (the
/// direct hand-off); a waiting send registers an entry that holds its
/// offer, which a receiver takes. The slot rules cited are those of
/// "Who may touch a slot" in [`super::waiter`].
impl<T> Rendezvous<T> {
    /// Registers a waiting receive of `token` (arm `index` of channel
    /// number `channel`): its entry, or `None` if a receive could proceed
    /// now.
    pub(crate) fn wait_recv(
        &self,
        token: &Arc<Token>,
        index: usize,
        channel: u64,
    ) -> Option<Arc<Entry<T>>> {
        let entry = Entry::new(token.clone(), index, channel, None);
        self.register_recv(&entry).then_some(entry)
    }

    /// Withdraws a waiting receive that was not selected.
    pub(crate) fn withdraw_recv(&self, entry: &Entry<T>) {
        self.unregister_recv(entry.token());
    }

    /// The value handed to a receive selected on this channel; `None` if a
    /// close selected it instead.
    pub(crate) fn finish_recv(entry: &Entry<T>) -> Option<T> {
        // SAFETY: slot rule 3: the token was selected for this arm, and the
        // selecting sender finished with the slot before its CAS.
        unsafe { entry.take() }
    }

    /// A selected receive goes away without returning its value: the value
    /// goes to the next waiting receiver or stays in the channel.
    pub(crate) fn pass_on_recv(&self, entry: &Entry<T>) {
        if let Some(value) = Self::finish_recv(entry) {
            self.give_back(value);
        }
    }

    /// Registers a waiting send of `value`: its entry, or the value back if
    /// a send could proceed now.
    pub(crate) fn wait_send(
        &self,
        token: &Arc<Token>,
        index: usize,
        channel: u64,
        value: T,
    ) -> Result<Arc<Entry<T>>, T> {
        let entry = Entry::new(token.clone(), index, channel, Some(value));
        if self.register_send(&entry) {
            return Ok(entry);
        }
        // SAFETY: slot rule 1: the entry was never registered.
        Err(unsafe { entry.take() }.expect("an offer that was never registered is still there"))
    }

    /// Withdraws a waiting send that was not selected: its offer back.
    pub(crate) fn withdraw_send(&self, entry: &Entry<T>) -> Option<T> {
        self.unregister_send(entry.token());
        // SAFETY: slot rule 1: the entry is no longer registered, and any
        // receiver that popped it finished under the lock that
        // `unregister_send` took after it.
        unsafe { entry.take() }
    }

    /// What is left of a selected send's offer: `None` if a receiver took
    /// the value (sent), the value if a close selected the send instead.
    pub(crate) fn offer_left(entry: &Entry<T>) -> Option<T> {
        // SAFETY: slot rule 3: the selecting receiver finished with the
        // slot before its CAS.
        unsafe { entry.take() }
    }
}
