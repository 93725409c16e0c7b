//! The locked flavour: rendezvous (`bounded(0)`) and small buffers
//! (`bounded(1)`, `bounded(2)`), one lock over the waiters and the buffer.
//!
//! # Algorithm
//!
//! Two FIFO queues of waiters, waiting senders and waiting receivers, and a
//! buffer of up to `capacity` values (none for a rendezvous), under one
//! lock: the shape of Go's `hchan` (`runtime/chan.go`) and crossbeam's zero
//! flavour; kanal (`src/internal.rs`) runs its bounded channels the same
//! way, with waiters living in the waiting futures. The code and the
//! words are ours. Receivers start waiting only while the buffer is
//! empty, senders only while it is full: an arriving operation first
//! tries the buffer or the oldest waiter of the other queue, and waits
//! only if neither can serve.
//!
//! * **Send** (`send_locked`). On a rendezvous: hand the value to the
//!   oldest waiting receiver, else wait. On a buffered channel: put the
//!   value in the buffer if there is room and wake the oldest waiting
//!   receiver for it (*notification*, below), else wait. An async receive
//!   or a select arm is only notified: a dropped receive never holds a
//!   value, so one sender's values are received in the order sent and
//!   the buffer never holds more than `capacity` values (checked in debug
//!   builds). A blocking receive is handed the oldest buffered value
//!   instead (below), which it never gives back.
//! * **Receive** (`receive_locked`): take the oldest buffered value, then
//!   move the oldest waiting sender's offer into the freed place and
//!   complete that sender (Go's rule: the room goes to the senders that
//!   waited for it, in order, under the same lock hold, so no later send
//!   can take it first); the moved offer is buffered like a sent value,
//!   so the oldest receiver still waiting is notified of it. With
//!   nothing buffered, take a waiting sender's offer (a rendezvous); else
//!   wait.
//! * **Notification** (buffered channels). The sender takes the oldest
//!   waiting receiver out of its queue and wakes it without handing it
//!   anything: a select arm's token is selected with its slot empty (as
//!   `close` does), a plain receive's inline waiter is marked `NOTIFIED`.
//!   (A blocking receive is handed a value instead: next item.)
//!   The receiver then receives again under the lock; if someone faster
//!   took the value, it waits again (a plain receive at the head of the
//!   queue, where it was). Receivers may thus wait while the buffer holds
//!   values that notified receivers have not yet come for, and senders
//!   may wait behind a full buffer at the same time.
//! * **Hand-off to a blocking receive** (buffered channels). The blocking
//!   forms (`recv_blocking`, `recv_timeout`, `recv_deadline`, the
//!   blocking iterator) wait as a plain receive that keeps what it is
//!   handed ([`Kind::Keeping`], `chan::keeping`): run to completion,
//!   or at a deadline withdrawn by a call that returns a value handed to
//!   it meanwhile instead of giving it back. When such a receiver is the
//!   oldest waiting one where a notification would go (after a send
//!   buffered its value, after the refill, when a notification is passed
//!   on), it is taken out of its queue and handed the *oldest* buffered
//!   value (the one just buffered if the buffer held no other), and
//!   completed (`DONE`) under the lock. Its thread, once woken, returns
//!   the value without taking the lock again, and no faster thread can
//!   take it first (the cost of notifying OS threads: a woken thread
//!   often found the value gone and slept again). The value is received
//!   at the hand-off and never re-enters the buffer, so values still
//!   leave the buffer in the order they entered it (one sender's order
//!   holds), the buffer never holds more than `capacity`, and queue order
//!   holds: a blocking receiver behind an older async one waits its turn.
//!   The place the hand-off frees goes at once to the oldest waiting
//!   sender, whose offer is moved in and completed (Go's rule, as in a
//!   receive), and the next waiting receiver is notified of that offer,
//!   which may be another blocking receive, and so on: senders still wait
//!   only while the buffer is full, and no later send takes their place.
//! * **Pass the wake on.** A notified receiver that goes away without
//!   receiving (its future, select or stream is dropped) notifies the next
//!   waiting receiver in its place if the buffer still holds a value
//!   (`pass_on_notification`): each buffered value that a waiting
//!   receiver could take has a notified receiver coming for it, so no
//!   wake-up is lost.
//! * **Hand-off to a waiting receiver** (rendezvous). The sender puts its
//!   value in the receiver entry's slot, then claims the entry's token
//!   ([`Entry::try_select`]); if the claim fails (the receiver's select
//!   completed elsewhere, or it withdrew), the sender takes the value back
//!   and tries the next receiver. A successful claim completes the send at
//!   once: the receiver finds the value in its slot when it is polled.
//! * **Taking from a waiting sender.** The receiver takes the value out of
//!   the sender entry's slot, then claims the token; on failure it puts the
//!   value back and tries the next sender.
//! * **Given-back values** (rendezvous). A receive that was handed a value
//!   can be dropped before it returns it (its future, select or stream is
//!   dropped; never a blocking receive, which keeps it). The value is then given to the next waiting receiver, or
//!   kept in the buffer, which later receives drain first: a sent value is
//!   never lost. The buffer of a rendezvous holds only such values, in
//!   the order they were given back; sends never buffer there. Invariant:
//!   the buffer of a rendezvous is non-empty only while no receiver waits.
//! * **Close** selects every select arm's entry without touching slots;
//!   each then retries, and sees the channel closed (senders get their
//!   value back). A plain operation's inline waiter is marked `CLOSED`
//!   instead: a plain send finds its offer still in its slot and fails
//!   with it, a plain receive finds its slot empty and receives again,
//!   taking a buffered value or failing. Buffered values stay for the
//!   receivers.
//! * **Order of given-back values** (rendezvous). Values given back by
//!   receives dropped after a hand-off are kept in the order the receives
//!   were dropped, not the order they were sent: two receives handed 1
//!   and then 2 and dropped in the reverse order leave 2 before 1; and a
//!   value received meanwhile by another receive comes before the
//!   given-back one. The public docs state this exception to per-sender
//!   order, for rendezvous channels only.
//!
//! * **Two kinds of waiter.** A select arm (and the receiver's stream)
//!   registers an [`Entry`] under its token, and is completed by winning
//!   the token. A plain `send`/`recv` future (and a blocking receive)
//!   registers a pointer to the [`InlineWaiter`] inside it (the protocol
//!   of [`super::inline_waiter`]), completed (or notified) under the lock
//!   with no token: the queue holds both side by side, in arrival order,
//!   and every step above treats them alike (a plain waiter in a queue is
//!   always still waiting), except the hand-off to a blocking receive.
//!
//! # Why small buffers live here
//!
//! On the lock-free ring (`array.rs`) a waiting operation registers an
//! entry and is woken to retry, which costs a token, an allocation and a
//! second pass over the ring per wait; with one or two places, most
//! operations of a busy channel wait. Here a waiting send is completed in
//! place by the receive that frees its place, and a waiting receive waits
//! inside its future with no token or allocation and is woken to take the
//! value under one short lock (a blocking one is completed in place, as a
//! waiting send is). Larger buffers keep the ring, whose operations
//! mostly do not wait.
//!
//! All slot accesses here happen under the lock, which is rule 2 of the
//! slot protocol in [`super::waiter`] and of [`super::inline_waiter`].
//! `version` counts state changes under the lock for a select's double
//! collect.

use std::cell::Cell;

use std::task::{Poll, RawWaker, RawWakerVTable, Waker};

use super::error::{RecvError, SendError, TryRecvError, TrySendError};
use super::fifo::Fifo;
use super::inline_waiter::{InlineWaiter, Observed};
use super::queued::{Kind, Queued as Waiter};
use super::waiter::{wake_each, Entry, Token};
use crate::runtime::task::waker::is_process_waker;
use crate::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};
use crate::sync::{Arc, Mutex, MutexGuard};

/// The largest capacity built on this flavour: a buffer of a value or two
/// under the lock (see "Small buffers" in the module docs).
pub(crate) const SMALL_CAPACITY: usize = 2;

/// A rendezvous or small buffered channel's shared state.
///
/// The last three fields share one word (`footprint.rs` pins the size).
pub(crate) struct Rendezvous<T> {
    inner: Mutex<Inner<T>>,
    /// The channel's number, named to a simulation by every wake-up the
    /// channel makes (`Woken::wake`, `runtime::hooks::waking_from_channel`).
    id: u64,
    /// Bumped (under the lock) on every change a select could observe.
    version: AtomicUsize,
    /// How many sent values the buffer takes before a send waits.
    capacity: SmallCapacity,
    /// Mirrors `inner.closed`, for lock-free `is_closed`.
    closed: AtomicBool,
    /// Mirrors, for lock-free reads, `inner.buffer.len()` (the
    /// [`BUFFERED`] bits, saturated; `len`, the blocking forms' spin) and
    /// whether receivers ([`RECEIVERS_WAIT`]) and senders
    /// ([`SENDERS_WAIT`]) are queued (the hints of [`WaitWaker`]).
    mirror: AtomicU32,
}

/// The bit of [`Rendezvous::mirror`] set while receivers are queued.
const RECEIVERS_WAIT: u32 = 1 << 31;
/// The bit of [`Rendezvous::mirror`] set while senders are queued.
const SENDERS_WAIT: u32 = 1 << 30;
/// The bits of [`Rendezvous::mirror`] that count buffered values.
const BUFFERED: u32 = SENDERS_WAIT - 1;

/// A capacity this flavour serves, in one byte. Its unused values give
/// [`super::Flavour`] its tag, so a channel pays no word for it.
#[derive(Clone, Copy)]
#[repr(u8)]
enum SmallCapacity {
    Rendezvous = 0,
    One = 1,
    Two = 2,
}

const _: () = assert!(SmallCapacity::Two as usize == SMALL_CAPACITY);

impl SmallCapacity {
    /// `capacity` as a small capacity, if this flavour serves it.
    fn new(capacity: usize) -> Option<Self> {
        match capacity {
            0 => Some(SmallCapacity::Rendezvous),
            1 => Some(SmallCapacity::One),
            2 => Some(SmallCapacity::Two),
            _ => None,
        }
    }
}

/// Whom to wake once the lock is released, as one [`Waker`] (two words,
/// so it moves in registers, not through the stack): a plain operation's
/// own waker, taken out of its inline waiter; a selected arm's entry
/// ([`Woken::arm`]); or several, in the order they were completed or
/// notified ([`Woken::many`]: blocking receives handed values, each with
/// the waiting sender whose offer refilled the place it freed, and the
/// receiver notified last; allocated only then). None of these wakers
/// leaves this module: each is woken (or dropped) right after unlocking.
struct Woken(Waker);

impl Woken {
    /// A plain waiter's waker, as [`InlineWaiter`]'s completions return
    /// it (a waiting waiter always holds one; `None` would be a bug, and
    /// wakes nobody in release builds).
    fn inline(waker: Option<Waker>) -> Self {
        debug_assert!(
            waker.is_some(),
            "hoare: a waiting plain operation without a waker"
        );
        Woken(waker.unwrap_or_else(|| Waker::noop().clone()))
    }

    /// A selected arm's entry: waking it wakes the select (its token's
    /// waker).
    fn arm<T>(entry: Arc<Entry<T>>) -> Self {
        let data = Arc::into_raw(entry).cast::<()>();
        // SAFETY: `EntryWaker::<T>::VTABLE`'s functions take `data` for
        // what it is, an `Arc<Entry<T>>` turned into a pointer, and each
        // gives that reference back exactly once (wake, drop) or makes a
        // new one (clone). A `Waker` promises to be sendable and shareable
        // and to outlive any borrow, which an `Entry<T>` is only for
        // `T: Send + 'static`; this one is never sent, shared or kept:
        // `Woken` is private to this module, has no `Clone`, and each is
        // woken or dropped by the function that made it, on its thread,
        // right after unlocking.
        Woken(unsafe { Waker::from_raw(RawWaker::new(data, &EntryWaker::<T>::VTABLE)) })
    }

    /// Several to wake, in order, each even if an earlier one's wake
    /// panics.
    fn many(all: Vec<Woken>) -> Self {
        let data = Box::into_raw(Box::new(all)).cast::<()>();
        // SAFETY: as in `arm`, for a boxed `Vec<Woken>`.
        Woken(unsafe { Waker::from_raw(RawWaker::new(data, &MANY_VTABLE)) })
    }

    /// Wakes, naming the channel to a simulation.
    #[inline]
    fn wake(self, channel: u64) {
        crate::runtime::hooks::waking_from_channel(channel, || self.0.wake());
    }
}

/// The waker functions of [`Woken::arm`], for an `Arc<Entry<T>>` behind
/// the data pointer.
struct EntryWaker<T>(std::marker::PhantomData<T>);

impl<T> EntryWaker<T> {
    const VTABLE: RawWakerVTable =
        RawWakerVTable::new(Self::clone, Self::wake, Self::wake_by_ref, Self::drop);

    /// The entry behind `data`, without taking over its reference.
    ///
    /// # Safety
    ///
    /// `data` came from `Arc::into_raw` of an `Arc<Entry<T>>` whose
    /// reference is still held by the waker being called.
    unsafe fn borrow(data: *const ()) -> std::mem::ManuallyDrop<Arc<Entry<T>>> {
        // SAFETY: the caller's contract; `ManuallyDrop` leaves the
        // waker's reference to the waker.
        std::mem::ManuallyDrop::new(unsafe { Arc::from_raw(data.cast::<Entry<T>>()) })
    }

    unsafe fn clone(data: *const ()) -> RawWaker {
        // SAFETY: the waker calling us holds `data`'s reference.
        let entry = unsafe { Self::borrow(data) };
        let data = Arc::into_raw(Arc::clone(&entry)).cast::<()>();
        RawWaker::new(data, &Self::VTABLE)
    }

    // The token is woken directly: `Woken::wake` already names the
    // channel (the entry's own) to a simulation.
    unsafe fn wake(data: *const ()) {
        // SAFETY: waking by value gives the waker's reference to us.
        let entry = unsafe { Arc::from_raw(data.cast::<Entry<T>>()) };
        entry.token().wake();
    }

    unsafe fn wake_by_ref(data: *const ()) {
        // SAFETY: as in `clone`.
        unsafe { Self::borrow(data) }.token().wake();
    }

    unsafe fn drop(data: *const ()) {
        // SAFETY: dropping the waker gives its reference to us.
        drop(unsafe { Arc::from_raw(data.cast::<Entry<T>>()) });
    }
}

/// The waker functions of [`Woken::many`], for a `Box<Vec<Woken>>` behind
/// the data pointer.
const MANY_VTABLE: RawWakerVTable = RawWakerVTable::new(
    |data| {
        // SAFETY: the waker calling us owns the box behind `data`.
        let all = unsafe { &*data.cast::<Vec<Woken>>() };
        let copy: Vec<Woken> = all.iter().map(|woken| Woken(woken.0.clone())).collect();
        RawWaker::new(Box::into_raw(Box::new(copy)).cast::<()>(), &MANY_VTABLE)
    },
    |data| {
        // SAFETY: waking by value gives the box to us.
        let all = unsafe { Box::from_raw(data.cast::<Vec<Woken>>().cast_mut()) };
        wake_each(*all, |woken| woken.0.wake());
    },
    |data| {
        // SAFETY: the waker calling us owns the box behind `data`.
        let all = unsafe { &*data.cast::<Vec<Woken>>() };
        wake_each(all.iter(), |woken| woken.0.wake_by_ref());
    },
    |data| {
        // SAFETY: dropping the waker gives the box to us.
        drop(unsafe { Box::from_raw(data.cast::<Vec<Woken>>().cast_mut()) });
    },
);

/// Whom a receive wakes after unlocking: the sender whose offer it took
/// (or moved into the freed place), and on a buffered channel the
/// receiver notified of that moved offer.
struct Wakes {
    sender: Option<Woken>,
    receiver: Option<Woken>,
}

impl Wakes {
    /// Wakes both, the second even if the first one's wake panics.
    #[inline]
    fn wake(self, channel: u64) {
        match self {
            Wakes {
                sender,
                receiver: None,
            } => {
                if let Some(sender) = sender {
                    sender.wake(channel);
                }
            }
            Wakes { sender, receiver } => wake_each(sender.into_iter().chain(receiver), |woken| {
                woken.wake(channel)
            }),
        }
    }
}

struct Inner<T> {
    senders: Fifo<Waiter<T>>,
    receivers: Fifo<Waiter<T>>,
    /// On a buffered channel, the values sent into room, in the order
    /// sent (never more than `capacity`); on a rendezvous, the values
    /// given back by dropped receives (see the module docs). The oldest
    /// value lives inline: `bounded(1)` allocates no buffer, and its
    /// send and receive touch no memory outside the channel (a separate
    /// `VecDeque` buffer was one more cache line to move between the two
    /// sides' cores per message; the cost is one `T` inline in every
    /// channel, `footprint.rs`).
    buffer: Fifo<T>,
    closed: bool,
}

impl<T> Rendezvous<T> {
    /// A new, open channel, number `id`, with room for `capacity` values
    /// (at most [`SMALL_CAPACITY`]; 0: a rendezvous).
    pub(crate) fn new(id: u64, capacity: usize) -> Self {
        let capacity = SmallCapacity::new(capacity)
            .expect("hoare: a capacity above SMALL_CAPACITY on the locked flavour");
        Rendezvous {
            id,
            capacity,
            inner: Mutex::new(Inner {
                senders: Fifo::new(),
                receivers: Fifo::new(),
                buffer: Fifo::new(),
                closed: false,
            }),
            closed: AtomicBool::new(false),
            mirror: AtomicU32::new(0),
            version: AtomicUsize::new(0),
        }
    }

    /// Locks the state; every mutation through the guard bumps `version`
    /// via [`Rendezvous::changed`].
    fn lock(&self) -> MutexGuard<'_, Inner<T>> {
        self.inner.lock()
    }

    /// [`Self::lock`] for the polls of plain `send`/`recv` futures: a held
    /// lock is waited for with a backoff ([`Mutex::lock_with_backoff`]).
    /// When the workers of a runtime share a busy channel, a poll that
    /// retried at once would take the lock, and the state's cache lines
    /// with it, from the other core on nearly every operation; backing
    /// off lets that core run several operations in a row. The other
    /// paths keep the plain lock: the tries of a `_blocking` operation's
    /// spin (`try_send_noting`, `try_recv_noting`) usually contend with
    /// the one thread they wait for, whose next step needs them, so a
    /// backoff there only delays both (measured: `spsc-1-os` took twice
    /// as long with it).
    fn lock_for_poll(&self) -> MutexGuard<'_, Inner<T>> {
        self.inner.lock_with_backoff()
    }

    /// Records a state change (called with the lock held).
    fn changed(&self, inner: &Inner<T>) {
        // SeqCst: the double collect reads versions of several channels in
        // one total order. Written under the lock, so never concurrently.
        self.version.fetch_add(1, Ordering::SeqCst);
        // Relaxed: a snapshot for `len` and hints; the lock orders the real state.
        let mirror = inner.buffer.len().min(BUFFERED as usize) as u32
            | if inner.receivers.is_empty() {
                0
            } else {
                RECEIVERS_WAIT
            }
            | if inner.senders.is_empty() {
                0
            } else {
                SENDERS_WAIT
            };
        self.mirror.store(mirror, Ordering::Relaxed);
        // On a buffered channel only blocking receives are handed values,
        // and they never give them back: the buffer holds at most
        // `capacity` values.
        debug_assert!(
            self.capacity() == 0 || inner.buffer.len() <= self.capacity(),
            "hoare: a buffered channel holds more than its capacity"
        );
    }

    /// Wakes the oldest waiting receiver after a value was buffered (a
    /// buffered channel only; the buffer is not empty), taking it out of
    /// its queue: a select arm's token is selected with an empty slot, an
    /// inline waiter is marked `NOTIFIED`; either receives again, from the
    /// buffer. A receiver that keeps what it is handed is instead handed
    /// the oldest buffered value and completed (module docs: "Hand-off to
    /// a blocking receive"). Returns whom to wake after unlocking; `None`
    /// if no receiver waits. The caller records the change.
    #[inline(always)]
    fn notify_receiver(&self, inner: &mut Inner<T>) -> Option<Woken> {
        let (receiver, sender) = self.notify_one_receiver(inner)?;
        let Some(sender) = sender else {
            return Some(receiver);
        };
        Some(self.notify_receivers_after_hand_off(inner, receiver, sender))
    }

    /// The rest of [`Self::notify_receiver`] once a blocking receive was
    /// handed a value and `sender`'s offer took its place: that offer is
    /// buffered like a sent value, so the next waiting receiver is
    /// notified of it, and so on while blocking receives take values with
    /// senders waiting. Out of line: only blocking receives come here.
    #[cold]
    #[inline(never)]
    fn notify_receivers_after_hand_off(
        &self,
        inner: &mut Inner<T>,
        receiver: Woken,
        sender: Woken,
    ) -> Woken {
        let mut all = vec![receiver, sender];
        while let Some((receiver, sender)) = self.notify_one_receiver(inner) {
            all.push(receiver);
            match sender {
                Some(sender) => all.push(sender),
                None => break,
            }
        }
        Woken::many(all)
    }

    /// One step of [`Self::notify_receiver`]: whom to wake for the
    /// oldest waiting receiver, and, if it was a blocking receive handed
    /// the oldest buffered value, the waiting sender whose offer was moved
    /// into the place that freed (Go's rule, as in `receive_locked`: room
    /// goes to the senders that waited for it, in order, under the same
    /// lock hold, so no later send takes it first).
    #[inline(always)]
    fn notify_one_receiver(&self, inner: &mut Inner<T>) -> Option<(Woken, Option<Woken>)> {
        while let Some(waiter) = inner.receivers.pop_front() {
            match waiter.into_kind() {
                Kind::Inline(waiter) => {
                    // SAFETY: we hold the lock and took the waiter out of
                    // its queue under it.
                    return Some((Woken::inline(unsafe { waiter.notify() }), None));
                }
                Kind::Keeping(waiter) => {
                    // The oldest value, not the one just buffered: values
                    // leave the buffer in the order they entered it.
                    let value = inner
                        .buffer
                        .pop_front()
                        .expect("hoare: a receiver is woken for a buffered value");
                    // SAFETY: as above.
                    let receiver = Woken::inline(unsafe { waiter.hand_over(value) });
                    let sender = self.take_from_sender(inner).map(|(offer, sender)| {
                        inner.buffer.push_back(offer);
                        sender
                    });
                    return Some((receiver, sender));
                }
                // The slot stays empty; a failed claim means the select
                // completed elsewhere or withdrew: try the next receiver.
                Kind::Arm(entry) => {
                    if entry.try_select() {
                        return Some((Woken::arm(entry), None));
                    }
                }
            }
        }
        None
    }

    /// A notified receiver goes away without receiving: if the buffer
    /// still holds a value, the next waiting receiver is notified in its
    /// place, so no buffered value is left with its receivers asleep.
    fn pass_on_notification(&self) {
        let mut inner = self.lock();
        let woken = self.pass_on_notification_locked(&mut inner);
        drop(inner);
        if let Some(woken) = woken {
            woken.wake(self.id);
        }
    }

    /// [`Self::pass_on_notification`] under the lock: whom to wake after
    /// unlocking.
    fn pass_on_notification_locked(&self, inner: &mut Inner<T>) -> Option<Woken> {
        if inner.buffer.is_empty() {
            return None;
        }
        let woken = self.notify_receiver(inner)?;
        self.changed(inner);
        Some(woken)
    }

    /// Gives `value` to the oldest waiting receiver. On success returns the
    /// entry to wake (after unlocking); otherwise gives the value back.
    fn hand_to_receiver(&self, inner: &mut Inner<T>, mut value: T) -> Result<Woken, T> {
        while let Some(waiter) = inner.receivers.pop_front() {
            let entry = match waiter.into_kind() {
                Kind::Arm(entry) => entry,
                Kind::Inline(waiter) | Kind::Keeping(waiter) => {
                    // SAFETY: we hold the lock and took the waiter out of
                    // its queue under it.
                    let waker = unsafe { waiter.hand_over(value) };
                    self.changed(inner);
                    return Ok(Woken::inline(waker));
                }
            };
            // SAFETY: rule 2: we hold the lock of the channel the entry is
            // registered with, and touch the slot before the CAS.
            unsafe { entry.put(value) };
            if entry.try_select() {
                self.changed(inner);
                return Ok(Woken::arm(entry));
            }
            // SAFETY: rule 2 again: the CAS failed, we put back what we moved.
            value = unsafe { entry.take() }.expect("hoare: a rendezvous slot lost its value");
        }
        // Only withdrawn entries were dropped: nothing a select sees changed.
        Err(value)
    }

    /// Takes the value of the oldest waiting sender, returning it with the
    /// entry to wake (after unlocking). The caller records the change
    /// (once per lock hold: a select's double collect needs to see that
    /// the version moved, not by how much).
    #[inline(always)]
    fn take_from_sender(&self, inner: &mut Inner<T>) -> Option<(T, Woken)> {
        while let Some(waiter) = inner.senders.pop_front() {
            let entry = match waiter.into_kind() {
                Kind::Arm(entry) => entry,
                // Only receivers keep what they are handed.
                Kind::Inline(waiter) | Kind::Keeping(waiter) => {
                    // SAFETY: we hold the lock and took the waiter out of
                    // its queue under it.
                    let (value, waker) = unsafe { waiter.take_offer() };
                    return Some((value, Woken::inline(waker)));
                }
            };
            // SAFETY: rule 2: under the lock, before the CAS.
            let Some(value) = (unsafe { entry.take() }) else {
                // A sender's entry always holds its offer while registered.
                continue;
            };
            if entry.try_select() {
                return Some((value, Woken::arm(entry)));
            }
            // SAFETY: rule 2: the CAS failed, put the value back for its owner.
            unsafe { entry.put(value) };
        }
        None
    }

    /// A send under the lock of an open channel: `Ok` with whom to wake
    /// after unlocking, or the value back: the send must wait. On a
    /// rendezvous it hands `value` to the oldest waiting receiver; on a
    /// buffered channel it buffers `value` if there is room and notifies
    /// the oldest waiting receiver, which takes a value from the buffer
    /// when it is polled (nothing is handed to a receive that may be
    /// dropped, so one sender's values stay in order), or if that receiver
    /// is a blocking one hands it the oldest buffered value.
    #[inline(always)]
    fn send_locked(&self, inner: &mut Inner<T>, value: T) -> Result<Option<Woken>, T> {
        if self.capacity() == 0 {
            return self.hand_to_receiver(inner, value).map(Some);
        }
        if inner.buffer.len() >= self.capacity() {
            return Err(value);
        }
        inner.buffer.push_back(value);
        let woken = self.notify_receiver(inner);
        self.changed(inner);
        Ok(woken)
    }

    /// A receive under the lock: the oldest buffered value, whose place
    /// then takes the offer of the oldest waiting sender (Go's rule: the
    /// room goes to the senders that waited for it, in order), or else a
    /// waiting sender's offer (a rendezvous); with whom to wake after
    /// unlocking. `None` if there is nothing to receive.
    #[inline(always)]
    fn receive_locked(&self, inner: &mut Inner<T>) -> Option<(T, Wakes)> {
        let Some(value) = inner.buffer.pop_front() else {
            let (value, woken) = self.take_from_sender(inner)?;
            self.changed(inner);
            return Some((
                value,
                Wakes {
                    sender: Some(woken),
                    receiver: None,
                },
            ));
        };
        let mut wakes = Wakes {
            sender: None,
            receiver: None,
        };
        if inner.buffer.len() < self.capacity() {
            if let Some((offer, sender)) = self.take_from_sender(inner) {
                inner.buffer.push_back(offer);
                wakes.sender = Some(sender);
                // The moved offer is buffered like a sent value: a receiver
                // still waiting (others were notified of the values before
                // it) is notified of it.
                wakes.receiver = self.notify_receiver(inner);
            }
        }
        self.changed(inner);
        Some((value, wakes))
    }

    /// Sends if a receiver is waiting or the buffer has room.
    pub(crate) fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        self.try_send_noting(value, None)
    }

    /// [`Self::try_send`]; for the spin of a blocking send, a send that
    /// finds the buffer full also notes in `others_wait` whether other
    /// senders wait (the spin then stops: the room is theirs), under the
    /// same lock hold rather than a second one.
    pub(crate) fn try_send_noting(
        &self,
        value: T,
        others_wait: Option<&Cell<bool>>,
    ) -> Result<(), TrySendError<T>> {
        let mut inner = self.lock();
        if inner.closed {
            return Err(TrySendError::Closed(value));
        }
        match self.send_locked(&mut inner, value) {
            Ok(woken) => {
                drop(inner);
                if let Some(woken) = woken {
                    woken.wake(self.id);
                }
                Ok(())
            }
            Err(value) => {
                if let Some(others_wait) = others_wait {
                    others_wait.set(inner.senders.iter().any(|sender| sender.can_meet(None)));
                }
                Err(TrySendError::Full(value))
            }
        }
    }

    /// Receives a buffered value, or from a waiting sender.
    pub(crate) fn try_recv(&self) -> Result<T, TryRecvError> {
        self.try_recv_noting(None)
    }

    /// [`Self::try_recv`]; for the spin of a blocking receive, a receive
    /// that finds nothing also notes in `others_wait` whether other
    /// receivers wait (the next value is theirs), under the same lock
    /// hold.
    pub(crate) fn try_recv_noting(
        &self,
        others_wait: Option<&Cell<bool>>,
    ) -> Result<T, TryRecvError> {
        let mut inner = self.lock();
        if let Some((value, wakes)) = self.receive_locked(&mut inner) {
            drop(inner);
            wakes.wake(self.id);
            return Ok(value);
        }
        if inner.closed {
            return Err(TryRecvError::Closed);
        }
        if let Some(others_wait) = others_wait {
            others_wait.set(
                inner
                    .receivers
                    .iter()
                    .any(|receiver| receiver.can_meet(None)),
            );
        }
        Err(TryRecvError::Empty)
    }

    /// For the spin of a blocking send on a buffered channel: whether the
    /// lock-free mirrors say the buffer is full and the channel open, so
    /// that a try now would fail. A snapshot, possibly stale either way:
    /// the spin counts it as a failed try (`Full`) and pauses, never as an
    /// outcome; the tries under the lock, and the wait, decide. A spinning thread
    /// that took the lock for every try would keep taking it from the
    /// very receive it waits for: with four sending and four receiving
    /// OS threads on `bounded(1)` and two cores (`hot_paths mpmc-1-os`),
    /// the spin's tries kept the lock so busy that many operations
    /// outlasted the busy rounds and yielded the core: 1.0 to 1.6 context
    /// switches per message, 0.13 to 0.16 with this look first.
    pub(crate) fn looks_full(&self) -> bool {
        debug_assert_ne!(
            self.capacity(),
            0,
            "hoare: a rendezvous has no buffer to look at"
        );
        // Relaxed: a hint (see above); `mirror` and `closed` are written
        // under the lock, which orders the state a try then sees.
        (self.mirror.load(Ordering::Relaxed) & BUFFERED) as usize >= self.capacity()
            && !self.closed.load(Ordering::Relaxed)
    }

    /// For the spin of a blocking receive on a buffered channel: whether
    /// the lock-free mirrors say the buffer is empty and the channel open,
    /// so that a try now would fail, as [`Self::looks_full`]. On a buffered
    /// channel no sender waits beside an empty buffer (a receive that
    /// frees a place refills it from the oldest waiting sender under the
    /// same lock hold), so an empty buffer is all a receive could take.
    pub(crate) fn looks_empty(&self) -> bool {
        debug_assert_ne!(
            self.capacity(),
            0,
            "hoare: a rendezvous has no buffer to look at"
        );
        // Relaxed: as in `looks_full`.
        self.mirror.load(Ordering::Relaxed) & BUFFERED == 0 && !self.closed.load(Ordering::Relaxed)
    }

    /// For a plain receive's choice of when to clone a foreign waker
    /// ([`WaitWaker`]): whether the lock-free mirror says a value is
    /// buffered (on a rendezvous, one given back by a dropped receive) or
    /// a sender waits, so that the receive will not wait. A hint, possibly
    /// stale either way.
    #[inline(always)]
    fn looks_receivable(&self) -> bool {
        // Relaxed: as in `looks_full`.
        self.mirror.load(Ordering::Relaxed) & (BUFFERED | SENDERS_WAIT) != 0
    }

    /// For a plain send, as [`Self::looks_receivable`]: whether the mirror
    /// says a receiver waits or the buffer has room.
    #[inline(always)]
    fn looks_sendable(&self) -> bool {
        // Relaxed: as in `looks_full`.
        let mirror = self.mirror.load(Ordering::Relaxed);
        mirror & RECEIVERS_WAIT != 0 || ((mirror & BUFFERED) as usize) < self.capacity()
    }

    /// Registers a waiting receiver, unless a receive could proceed now
    /// (`false`). A sender entry of `entry`'s own select does not count: a
    /// select never meets itself.
    pub(crate) fn register_recv(&self, entry: &Arc<Entry<T>>) -> bool {
        let mut inner = self.lock();
        let own = Some(&**entry.token());
        let ready = inner.closed
            || !inner.buffer.is_empty()
            || inner.senders.iter().any(|sender| sender.can_meet(own));
        if ready {
            return false;
        }
        inner
            .receivers
            .push_back(Waiter::new(Kind::Arm(entry.clone())));
        self.changed(&inner);
        true
    }

    /// Registers a waiting sender whose offer is already in `entry`'s slot,
    /// unless a send could proceed now (`false`; the offer stays in the
    /// slot for the caller to take back).
    pub(crate) fn register_send(&self, entry: &Arc<Entry<T>>) -> bool {
        let mut inner = self.lock();
        let own = Some(&**entry.token());
        // A buffered channel's send needs room; receivers may wait while
        // the buffer is full (notified of the values in it, not yet
        // polled), and nothing is handed to them.
        let ready = inner.closed
            || if self.capacity() == 0 {
                inner
                    .receivers
                    .iter()
                    .any(|receiver| receiver.can_meet(own))
            } else {
                inner.buffer.len() < self.capacity()
            };
        if ready {
            return false;
        }
        inner
            .senders
            .push_back(Waiter::new(Kind::Arm(entry.clone())));
        self.changed(&inner);
        true
    }

    /// Removes the receiver entries of `token`'s operation.
    pub(crate) fn unregister_recv(&self, token: &Token) {
        let mut inner = self.lock();
        let before = inner.receivers.len();
        inner.receivers.retain(|waiter| !waiter.belongs_to(token));
        if inner.receivers.len() != before {
            self.changed(&inner);
        }
    }

    /// Removes the sender entries of `token`'s operation. Their offers stay
    /// in the entries' slots, which the owner may now take (rule 1).
    pub(crate) fn unregister_send(&self, token: &Token) {
        let mut inner = self.lock();
        let before = inner.senders.len();
        inner.senders.retain(|waiter| !waiter.belongs_to(token));
        if inner.senders.len() != before {
            self.changed(&inner);
        }
    }

    /// A receive on a rendezvous that was handed `value` will not return
    /// it: give it to the next waiting receiver, or keep it for the next
    /// receive.
    pub(crate) fn give_back(&self, value: T) {
        let mut inner = self.lock();
        let woken = self.give_back_locked(&mut inner, value);
        drop(inner);
        if let Some(woken) = woken {
            woken.wake(self.id);
        }
    }

    /// [`Self::give_back`] under the lock: whom to wake after unlocking.
    fn give_back_locked(&self, inner: &mut Inner<T>, value: T) -> Option<Woken> {
        // Only a rendezvous hands values to receives that may give them
        // back (a blocking receive keeps what it is handed).
        debug_assert_eq!(
            self.capacity(),
            0,
            "hoare: a value handed over on a buffered channel"
        );
        match self.hand_to_receiver(inner, value) {
            Ok(woken) => Some(woken),
            // After the values given back earlier: a rendezvous buffers
            // nothing else.
            Err(value) => {
                inner.buffer.push_back(value);
                self.changed(inner);
                None
            }
        }
    }

    /// Closes the channel; `true` if this call closed it. Wakes every waiter.
    pub(crate) fn close(&self) -> bool {
        let woken: Vec<Woken> = {
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
                .take_all()
                .chain(inner.receivers.take_all())
                .collect();
            self.changed(inner);
            waiters
                .into_iter()
                .filter_map(|waiter| match waiter.into_kind() {
                    Kind::Arm(entry) => entry.try_select().then_some(Woken::arm(entry)),
                    Kind::Inline(waiter) | Kind::Keeping(waiter) => {
                        // SAFETY: we hold the lock and drained the waiter
                        // out of its queue under it.
                        Some(Woken::inline(unsafe { waiter.close() }))
                    }
                })
                .collect()
        };
        wake_each(woken, |woken| woken.wake(self.id));
        true
    }

    /// Drops every buffered value (the last receiver is gone), outside
    /// the lock: a value's drop is foreign code.
    pub(crate) fn discard_all(&self) {
        let buffer = {
            let mut inner = self.lock();
            let buffer = std::mem::replace(&mut inner.buffer, Fifo::new());
            self.changed(&inner);
            buffer
        };
        drop(buffer);
    }

    /// Whether the channel is closed.
    pub(crate) fn is_closed(&self) -> bool {
        // SeqCst: pairs with the store in `close`.
        self.closed.load(Ordering::SeqCst)
    }

    /// Left-over values (see the module docs), a snapshot.
    pub(crate) fn len(&self) -> usize {
        // Relaxed: a snapshot by definition.
        (self.mirror.load(Ordering::Relaxed) & BUFFERED) as usize
    }

    /// The state version for a select's double collect.
    pub(crate) fn version(&self) -> (usize, usize) {
        // SeqCst: see `changed`.
        (self.version.load(Ordering::SeqCst), 0)
    }

    /// How many sent values the buffer takes (0: a rendezvous).
    pub(crate) fn capacity(&self) -> usize {
        self.capacity as usize
    }

    /// Whether a receiver is waiting.
    pub(crate) fn has_waiting_receivers(&self) -> bool {
        self.lock()
            .receivers
            .iter()
            .any(|receiver| receiver.can_meet(None))
    }
}

/// # The arm protocol
///
/// How a select arm (`chan::operation`) waits on this flavour. A waiting
/// receive registers an [`Entry`] whose slot a sender fills on a
/// rendezvous (the direct hand-off); on a buffered channel the sender
/// selects the entry with its slot empty (a notification) and the arm
/// receives again. A waiting send registers an entry that holds its
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
    /// close or (on a buffered channel) a send's notification selected it
    /// instead: the arm then receives again.
    pub(crate) fn finish_recv(entry: &Entry<T>) -> Option<T> {
        // SAFETY: slot rule 3: the token was selected for this arm, and the
        // selecting sender finished with the slot before its CAS.
        unsafe { entry.take() }
    }

    /// A selected receive goes away without receiving: on a rendezvous,
    /// the value handed to it goes to the next waiting receiver or stays
    /// in the channel; on a buffered channel, whose sends only notify
    /// (the slot is empty), the notification goes to the next waiting
    /// receiver if a value is still buffered.
    pub(crate) fn pass_on_recv(&self, entry: &Entry<T>) {
        match Self::finish_recv(entry) {
            Some(value) => self.give_back(value),
            None => self.pass_on_notification(),
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

/// The waker a plain operation stores if it must wait, made before the
/// lock is taken. A waker's clone and drop are foreign code and never run
/// under the lock, so another executor's waker is cloned first (and the
/// clone dropped after unlocking if the operation completes at once),
/// unless the channel's lock-free mirror says the operation will complete
/// at once: then the clone is put off ([`WaitWaker::Deferred`]), and made
/// outside the lock, the operation retried, only if it must wait after
/// all. A hoare process's own waker is cloned only once the operation is
/// sure to wait, under the lock: its clone only counts a reference, and
/// an operation that completes at once (most sends to a waiting receive,
/// most receives of a buffered value) then counts none.
enum WaitWaker<'a> {
    Process(&'a Waker),
    Foreign(Waker),
    /// Another executor's waker, not cloned yet: the operation looked
    /// sure to complete without waiting.
    Deferred(&'a Waker),
}

impl<'a> WaitWaker<'a> {
    /// `completes`: whether the channel's mirror says the operation will
    /// not wait (asked for another executor's waker only).
    #[inline(always)]
    fn new(waker: &'a Waker, completes: impl FnOnce() -> bool) -> Self {
        if is_process_waker(waker) {
            WaitWaker::Process(waker)
        } else if completes() {
            WaitWaker::Deferred(waker)
        } else {
            WaitWaker::Foreign(waker.clone())
        }
    }

    /// The waker to store (under the lock: see the type's docs), or
    /// `Err` with the clone to make outside the lock before trying again.
    #[inline(always)]
    fn into_waker(self) -> Result<Waker, &'a Waker> {
        match self {
            WaitWaker::Process(waker) => Ok(waker.clone()),
            WaitWaker::Foreign(waker) => Ok(waker),
            WaitWaker::Deferred(waker) => Err(waker),
        }
    }
}

/// # The plain operations
///
/// How a plain `send`/`recv` future waits on this flavour: with an
/// [`InlineWaiter`] inside the pinned future (the protocol of
/// [`super::inline_waiter`]), which allocates nothing. On a rendezvous a
/// waiting receive is handed the value into its slot (each side of a
/// meeting takes the lock once); on a buffered channel it is notified
/// and takes the value from the buffer under the lock, unless it is a
/// blocking receive, which is handed the value as on a rendezvous. A
/// waiting send's offer is taken out of its slot.
impl<T> Rendezvous<T> {
    /// Polls a plain receive waiting in `waiter`: `Ready` with its outcome,
    /// or `Pending`, registered to be woken through `waker`. `keeps`: the
    /// receive keeps what it is handed (a blocking form; see
    /// [`Kind::Keeping`]), the same on every poll and on its
    /// [`Self::cancel_recv`].
    ///
    /// # Safety
    ///
    /// `waiter` belongs to the future being polled, is pinned (it does not
    /// move until it is dropped), and is used with this channel only; its
    /// owner calls [`Self::cancel_recv`] before freeing it.
    #[inline(always)]
    pub(crate) unsafe fn poll_recv(
        &self,
        waiter: &InlineWaiter<T>,
        waker: &Waker,
        keeps: bool,
    ) -> Poll<Result<T, RecvError>> {
        // A notified receive that finds the value taken by someone faster
        // waits again at the head of the queue: it was the oldest waiter.
        let mut notified = false;
        loop {
            match waiter.observe() {
                Observed::Done => {
                    // SAFETY: slot rule 1: observed `DONE` (Acquire).
                    let value = unsafe { waiter.take() };
                    waiter.reset();
                    return Poll::Ready(Ok(
                        value.expect("hoare: a completed receive holds its value")
                    ));
                }
                // Woken by the close: receive again, which takes a value
                // left over before the close or fails.
                Observed::Closed => waiter.reset(),
                // Woken by a send that buffered a value: receive it.
                Observed::Notified => {
                    waiter.reset();
                    notified = true;
                    // Most often the value is still there: take it without
                    // cloning the waker, which only a new wait needs.
                    let mut inner = self.lock_for_poll();
                    if let Some((value, wakes)) = self.receive_locked(&mut inner) {
                        drop(inner);
                        wakes.wake(self.id);
                        return Poll::Ready(Ok(value));
                    }
                }
                Observed::Waiting => {
                    if self.keep_newest_waker(waiter, waker) {
                        return Poll::Pending;
                    }
                    continue;
                }
                Observed::Idle => {}
            }
            // A foreign waker is cloned outside the lock (its clone is
            // foreign code), unless the receive looks sure to complete; a
            // process's own only once it must wait.
            let mut to_store = WaitWaker::new(waker, || self.looks_receivable());
            let mut inner = self.lock_for_poll();
            loop {
                if let Some((value, wakes)) = self.receive_locked(&mut inner) {
                    drop(inner);
                    wakes.wake(self.id);
                    return Poll::Ready(Ok(value));
                }
                if inner.closed {
                    return Poll::Ready(Err(RecvError));
                }
                match to_store.into_waker() {
                    Ok(waker) => {
                        // SAFETY: we hold the lock, the waiter is idle
                        // (observed above, and only its owner, us, moves
                        // it out of idle), and it is pinned (the caller's
                        // contract).
                        unsafe { waiter.register(None, waker) };
                        break;
                    }
                    Err(waker) => {
                        // It must wait after all: clone outside the lock,
                        // then try again (the waiter is still idle).
                        drop(inner);
                        to_store = WaitWaker::Foreign(waker.clone());
                        inner = self.lock_for_poll();
                    }
                }
            }
            let waiting = Waiter::new(if keeps {
                Kind::Keeping(waiter.as_ref())
            } else {
                Kind::Inline(waiter.as_ref())
            });
            if notified {
                inner.receivers.push_front(waiting);
            } else {
                inner.receivers.push_back(waiting);
            }
            self.changed(&inner);
            return Poll::Pending;
        }
    }

    /// Polls a plain send waiting in `waiter`, whose slot holds the value
    /// to send until a receive takes it.
    ///
    /// # Safety
    ///
    /// As for [`Self::poll_recv`], with [`Self::cancel_send`].
    #[inline(always)]
    pub(crate) unsafe fn poll_send(
        &self,
        waiter: &InlineWaiter<T>,
        waker: &Waker,
    ) -> Poll<Result<(), SendError<T>>> {
        loop {
            match waiter.observe() {
                outcome @ (Observed::Done | Observed::Closed) => {
                    return Poll::Ready(waiter.finish_send(outcome).map_err(SendError));
                }
                Observed::Waiting => {
                    if self.keep_newest_waker(waiter, waker) {
                        return Poll::Pending;
                    }
                    continue;
                }
                Observed::Idle => break,
                Observed::Notified => unreachable!("hoare: only receives are notified"),
            }
        }
        // SAFETY: slot rule 1: the waiter is idle, in no queue.
        let Some(mut value) = (unsafe { waiter.take() }) else {
            // Polled again after it completed: it stays pending, as a
            // completed select arm does.
            return Poll::Pending;
        };
        // As in `poll_recv`: a foreign waker is cloned before locking,
        // unless the send looks sure to complete.
        let mut to_store = WaitWaker::new(waker, || self.looks_sendable());
        let mut inner = self.lock_for_poll();
        loop {
            if inner.closed {
                drop(inner);
                return Poll::Ready(Err(SendError(value)));
            }
            match self.send_locked(&mut inner, value) {
                Ok(woken) => {
                    drop(inner);
                    if let Some(woken) = woken {
                        woken.wake(self.id);
                    }
                    return Poll::Ready(Ok(()));
                }
                Err(unsent) => match to_store.into_waker() {
                    Ok(waker) => {
                        // SAFETY: as in `poll_recv`.
                        unsafe { waiter.register(Some(unsent), waker) };
                        inner
                            .senders
                            .push_back(Waiter::new(Kind::Inline(waiter.as_ref())));
                        self.changed(&inner);
                        return Poll::Pending;
                    }
                    Err(waker) => {
                        // As in `poll_recv`: it must wait after all.
                        drop(inner);
                        to_store = WaitWaker::Foreign(waker.clone());
                        value = unsent;
                        inner = self.lock_for_poll();
                    }
                },
            }
        }
    }

    /// A waiting plain operation is polled again before its counterpart
    /// came: [`InlineWaiter::keep_newest_waker`] under the channel's lock.
    fn keep_newest_waker(&self, waiter: &InlineWaiter<T>, waker: &Waker) -> bool {
        waiter.keep_newest_waker(|| self.lock_for_poll(), waker)
    }

    /// The plain receive owning `waiter` is being dropped (or, if it
    /// `keeps` what it is handed, withdrawn): unlinks it if it still
    /// waits; if a sender handed it a value meanwhile, leaves the value in
    /// the waiter's slot for its owner if it `keeps` it (the waiter stays
    /// `DONE`), and otherwise (a rendezvous) gives the value to the next
    /// waiting receiver or keeps it in the channel; if a send notified it
    /// (a buffered channel), passes the notification on while a value is
    /// buffered.
    pub(crate) fn cancel_recv(&self, waiter: &InlineWaiter<T>, keeps: bool) {
        if waiter.observe() == Observed::Idle {
            return;
        }
        let mut inner = None;
        if waiter.observe() == Observed::Waiting {
            let mut locked = self.lock();
            if waiter.observe() == Observed::Waiting {
                locked
                    .receivers
                    .retain(|receiver| !receiver.points_at(waiter));
                // SAFETY: under the lock, removed from its queue.
                unsafe { waiter.unlink() };
                self.changed(&locked);
                return;
            }
            // Completed while we took the lock: the counterpart finished
            // with the waiter under it; handle the outcome under it too.
            inner = Some(locked);
        }
        match waiter.observe() {
            // The value is the owner's: it takes it from the slot.
            Observed::Done if keeps => return,
            Observed::Done => {}
            Observed::Notified => {
                waiter.reset();
                let mut inner = inner.unwrap_or_else(|| self.lock());
                let woken = self.pass_on_notification_locked(&mut inner);
                drop(inner);
                if let Some(woken) = woken {
                    woken.wake(self.id);
                }
                return;
            }
            Observed::Idle | Observed::Waiting | Observed::Closed => return,
        }
        // SAFETY: slot rule 1: observed `DONE`.
        let Some(value) = (unsafe { waiter.take() }) else {
            return;
        };
        waiter.reset();
        let mut inner = inner.unwrap_or_else(|| self.lock());
        let woken = self.give_back_locked(&mut inner, value);
        drop(inner);
        if let Some(woken) = woken {
            woken.wake(self.id);
        }
    }

    /// The plain send owning `waiter` is being dropped (or withdrawn):
    /// unlinks it if it still waits. Its offer, if not taken, was never
    /// sent; it stays in the waiter's slot, for the caller to take or to
    /// drop with the future, outside the lock.
    pub(crate) fn cancel_send(&self, waiter: &InlineWaiter<T>) {
        if waiter.observe() != Observed::Waiting {
            return;
        }
        let mut inner = self.lock();
        if waiter.observe() == Observed::Waiting {
            inner.senders.retain(|sender| !sender.points_at(waiter));
            // SAFETY: under the lock, removed from its queue.
            unsafe { waiter.unlink() };
            self.changed(&inner);
        }
    }
}
