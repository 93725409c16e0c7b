//! The bounded flavour: a fixed ring of slots, lock-free on the fast path.
//!
//! # Algorithm
//!
//! Dmitry Vyukov's bounded MPMC queue: each slot carries a *stamp* saying
//! whose turn it is. `head` and `tail` are positions that pack an index and
//! a lap count; a slot at position `p` is free for the sender at `tail ==
//! p` when its stamp equals `p`, and full for the receiver at `head == p`
//! when its stamp equals `p + 1`. A sender claims a slot with one CAS on
//! `tail`, writes the message, and publishes it by storing the stamp
//! `p + 1` (Release); a receiver claims with one CAS on `head`, reads, and
//! frees the slot for the next lap by storing `p + one_lap`. An
//! uncontended send or receive is therefore two atomic loads, one CAS and
//! one store, with no lock and no allocation.
//!
//! The stamps, laps and packing follow crossbeam-channel's array flavour
//! (`crossbeam-channel/src/flavors/array.rs`, MIT/Apache-2.0 like hoare),
//! itself built on Vyukov's queue; the code and the words are ours.
//!
//! Departures from the textbook queue:
//!
//! * **Close** sets a mark bit in `tail` (one `fetch_or`), so a sender
//!   either claimed its slot before the close (and its message will be
//!   received or discarded) or sees the mark and fails with its value.
//! * **Waiting.** Receivers that find the ring empty and senders that find
//!   it full register in a [`WaitQueue`]; every successful send notifies
//!   one waiting receiver, every receive one waiting sender. The `SeqCst`
//!   accesses to `head`/`tail` and to the queue's `is_empty` flag close
//!   the store-buffer race described in [`WaitQueue`].
//! * **Versions.** `(head, tail)` only grows (modulo laps), so the pair is
//!   the version a select's double collect compares.
//! * **Spacing.** As in crossbeam, `head` and `tail` sit on cache lines
//!   of their own, so that senders and receivers working on different
//!   slots do not invalidate each other's line; padded rather than
//!   aligned (`spaced.rs`), so that the ring's box is a plain `malloc`.
//!   Capacities of at most `zero::SMALL_CAPACITY` are not rings: they
//!   share the rendezvous flavour's lock (see `zero.rs`).
//!
//! # Who frees the messages
//!
//! While receivers exist, messages leave only through a receive. When the
//! last `Receiver` is dropped, [`Ring::discard_all`] runs once (the
//! handle count guarantees no receive is in progress) and drops every
//! message from `head` up to the marked `tail`, waiting for senders that
//! claimed a slot before the mark to finish writing. Whatever is left when
//! the channel itself is freed is dropped by `Drop`, which has `&mut self`.

use std::mem::MaybeUninit;
use std::task::Poll;

use crossbeam_utils::Backoff;

use super::error::{TryRecvError, TrySendError};
use super::inline_waiter::{InlineWaiter, Observed};
use super::spaced::Spaced;
use super::waiter::{Entry, Registration, SendRegistration, Token, WaitQueue};
use crate::sync::atomic::{AtomicUsize, Ordering};
use crate::sync::{spin_loop, Arc, UnsafeCell};

/// A position at least 128 bytes from the next field (`spaced.rs`).
fn spaced(value: usize) -> Spaced<AtomicUsize> {
    Spaced::new(AtomicUsize::new(value))
}

/// One place in the ring.
struct Slot<T> {
    /// Whose turn it is (see the module docs).
    stamp: AtomicUsize,
    message: UnsafeCell<MaybeUninit<T>>,
}

/// A bounded channel's shared state.
///
/// `repr(C)`: `head`, `tail` and the fields after them (read by both
/// sides, and the wait queues) stay in this order, each spaced from the
/// next (`spaced.rs`).
#[repr(C)]
pub(crate) struct Ring<T> {
    /// Next position to receive from.
    head: Spaced<AtomicUsize>,
    /// Next position to send to, with `mark_bit` set once closed.
    tail: Spaced<AtomicUsize>,
    buffer: Box<[Slot<T>]>,
    /// The smallest power of two above every index: the close mark.
    mark_bit: usize,
    /// Adding `one_lap` to a position moves it to the same index one lap on.
    one_lap: usize,
    /// Senders waiting for room, each offering its value in its entry or
    /// inline waiter.
    senders: WaitQueue<SendRegistration<T>>,
    /// Receivers waiting for a message.
    receivers: WaitQueue<Registration>,
}

// SAFETY: messages cross threads through the slots (so `T: Send` is
// needed); each slot's message is accessed by one thread at a time, as
// the stamp protocol hands it from the sender that claimed it to the
// receiver that claimed it.
unsafe impl<T: Send> Send for Ring<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Sync for Ring<T> {}

/// What a failed non-blocking attempt saw.
enum Blocked {
    /// Full (send) or empty (receive).
    Wait,
    /// Closed (and, for a receive, empty).
    Closed,
}

/// The offsets of `head`, `tail` and the first field after them, for
/// `spaced.rs`'s tests.
#[cfg(all(test, not(loom)))]
pub(super) fn spaced_offsets() -> [usize; 3] {
    use std::mem::offset_of;
    [
        offset_of!(Ring<u64>, head),
        offset_of!(Ring<u64>, tail),
        offset_of!(Ring<u64>, buffer),
    ]
}

impl<T> Ring<T> {
    /// A ring of `cap` slots (`cap >= 1`), or the allocator's refusal of
    /// its buffer (reported by `bounded`, instead of an abort).
    pub(crate) fn new(cap: usize) -> Result<Self, std::collections::TryReserveError> {
        assert!(cap > 0, "hoare: a bounded ring needs at least one slot");
        let mark_bit = (cap + 1).next_power_of_two();
        let one_lap = mark_bit * 2;
        let mut buffer = Vec::new();
        buffer.try_reserve_exact(cap)?;
        buffer.extend((0..cap).map(|index| Slot {
            stamp: AtomicUsize::new(index),
            message: UnsafeCell::new(MaybeUninit::uninit()),
        }));
        let buffer = buffer.into_boxed_slice();
        Ok(Ring {
            head: spaced(0),
            tail: spaced(0),
            buffer,
            mark_bit,
            one_lap,
            senders: WaitQueue::new(),
            receivers: WaitQueue::new(),
        })
    }

    /// The position after `position`.
    fn next(&self, position: usize) -> usize {
        let index = position & (self.mark_bit - 1);
        let lap = position & !(self.one_lap - 1);
        if index + 1 < self.buffer.len() {
            position + 1
        } else {
            lap.wrapping_add(self.one_lap)
        }
    }

    /// Sends without waiting; notifies a waiting receiver on success.
    #[inline(always)]
    pub(crate) fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        match self.push(value) {
            Ok(()) => {
                // `push` ended with its SeqCst claim of `tail`, the store
                // half of the race; a waiting receiver re-checks `tail`
                // (`recv_ready`).
                self.receivers.notify_one_after_seqcst_rmw();
                Ok(())
            }
            Err((value, Blocked::Wait)) => Err(TrySendError::Full(value)),
            Err((value, Blocked::Closed)) => Err(TrySendError::Closed(value)),
        }
    }

    /// After a receive freed a slot: if a sender waits, select it and move
    /// its offered value into the ring at once (under the senders' lock,
    /// rule 4 of the waiter protocol), so the freed slot goes to the first
    /// waiting sender. A send that did not wait can still take the slot in
    /// the instant between the receive freeing it and this hand-off; the
    /// selected sender then finds its value still offered, and registers
    /// again at the front of the queue, keeping its place.
    ///
    /// Called right after a successful `pop`, whose SeqCst claim of `head`
    /// is the store half of the race with a registering sender, which
    /// re-checks `head` (`send_ready`).
    fn hand_off_from_sender(&self) {
        let moved = self
            .senders
            .hand_off_first_after_seqcst_rmw(|value| self.push(value).map_err(|(value, _)| value));
        if moved {
            self.receivers.notify_one();
        }
    }

    #[inline(always)]
    fn push(&self, value: T) -> Result<(), (T, Blocked)> {
        let backoff = Backoff::new();
        // Relaxed: only a starting guess; the stamp load below decides.
        let mut tail = self.tail.load(Ordering::Relaxed);
        loop {
            if tail & self.mark_bit != 0 {
                return Err((value, Blocked::Closed));
            }
            let index = tail & (self.mark_bit - 1);
            let slot = &self.buffer[index];
            // Acquire pairs with the receiver's Release stamp store that
            // freed this slot, so its read of the old message is done.
            let stamp = slot.stamp.load(Ordering::Acquire);
            if tail == stamp {
                // The slot is free for this lap: try to claim it.
                let new_tail = self.next(tail);
                // SeqCst: part of the store-buffer race with waiting
                // receivers (see `WaitQueue`), and the version a select's
                // double collect reads.
                match self.tail.compare_exchange_weak(
                    tail,
                    new_tail,
                    Ordering::SeqCst,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => {
                        // SAFETY: the CAS made this thread the only owner of
                        // the slot until it stores the new stamp.
                        slot.message
                            .with_mut(|message| unsafe { (*message).write(value) });
                        // Release publishes the message to the receiver's
                        // Acquire stamp load.
                        slot.stamp.store(tail + 1, Ordering::Release);
                        return Ok(());
                    }
                    Err(current) => {
                        tail = current;
                        backoff.spin();
                    }
                }
            } else if stamp.wrapping_add(self.one_lap) == tail + 1 {
                // The slot still holds last lap's message: full, unless a
                // receive is finishing right now.
                // SeqCst: orders the head load after our stamp load, as a
                // full check must not see an older head than the stamp.
                let head = self.head.load(Ordering::SeqCst);
                if head.wrapping_add(self.one_lap) == tail {
                    return Err((value, Blocked::Wait));
                }
                backoff.spin();
                spin_loop();
                tail = self.tail.load(Ordering::Relaxed);
            } else {
                // Another sender claimed the slot and is writing: wait.
                backoff.snooze();
                spin_loop();
                tail = self.tail.load(Ordering::Relaxed);
            }
        }
    }

    /// Receives without waiting; notifies a waiting sender on success.
    #[inline(always)]
    pub(crate) fn try_recv(&self) -> Result<T, TryRecvError> {
        match self.pop() {
            Ok(value) => {
                self.hand_off_from_sender();
                Ok(value)
            }
            Err(Blocked::Wait) => Err(TryRecvError::Empty),
            Err(Blocked::Closed) => Err(TryRecvError::Closed),
        }
    }

    #[inline(always)]
    fn pop(&self) -> Result<T, Blocked> {
        let backoff = Backoff::new();
        // Relaxed: only a starting guess; the stamp load below decides.
        let mut head = self.head.load(Ordering::Relaxed);
        loop {
            let index = head & (self.mark_bit - 1);
            let slot = &self.buffer[index];
            // Acquire pairs with the sender's Release stamp store, making
            // the message it wrote visible.
            let stamp = slot.stamp.load(Ordering::Acquire);
            if head + 1 == stamp {
                let new_head = self.next(head);
                // SeqCst: the senders' side of the store-buffer race with
                // waiting senders, and the select's version.
                match self.head.compare_exchange_weak(
                    head,
                    new_head,
                    Ordering::SeqCst,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => {
                        // SAFETY: the CAS made this thread the only owner of
                        // the slot, whose message the stamp says is written.
                        let value = slot
                            .message
                            .with(|message| unsafe { (*message).assume_init_read() });
                        // Release: the next lap's sender must see our read done.
                        slot.stamp
                            .store(head.wrapping_add(self.one_lap), Ordering::Release);
                        return Ok(value);
                    }
                    Err(current) => {
                        head = current;
                        backoff.spin();
                    }
                }
            } else if stamp == head {
                // SeqCst: the waiter's re-check side of the store-buffer
                // race; must not read an older tail than the stamp implies.
                let tail = self.tail.load(Ordering::SeqCst);
                if tail & !self.mark_bit == head {
                    return Err(if tail & self.mark_bit != 0 {
                        Blocked::Closed
                    } else {
                        Blocked::Wait
                    });
                }
                // A sender claimed the slot and is still writing.
                backoff.spin();
                spin_loop();
                head = self.head.load(Ordering::Relaxed);
            } else {
                backoff.snooze();
                spin_loop();
                head = self.head.load(Ordering::Relaxed);
            }
        }
    }

    /// Whether a receive would not wait now (a message, or closed).
    pub(crate) fn recv_ready(&self) -> bool {
        // SeqCst: the re-check load after registering (see `WaitQueue`).
        let tail = self.tail.load(Ordering::SeqCst);
        let head = self.head.load(Ordering::SeqCst);
        tail & self.mark_bit != 0 || tail & !self.mark_bit != head
    }

    /// Whether a send would not wait now (room, or closed).
    pub(crate) fn send_ready(&self) -> bool {
        // SeqCst: as in `recv_ready`.
        let tail = self.tail.load(Ordering::SeqCst);
        let head = self.head.load(Ordering::SeqCst);
        tail & self.mark_bit != 0 || head.wrapping_add(self.one_lap) != tail
    }

    /// Registers `token`'s operation as a waiting receiver (arm `arm`,
    /// simulation channel `channel`); `false` (and not registered) if a
    /// receive could proceed now.
    pub(crate) fn register_recv(&self, token: &Arc<Token>, arm: usize, channel: u64) -> bool {
        self.receivers
            .register_unless(Registration::new(token, arm, channel), token, || {
                self.recv_ready()
            })
    }

    /// Registers a waiting sender, at the front of the queue if `first`;
    /// `false` (and not registered) if a send could proceed now.
    pub(crate) fn register_send(&self, entry: &Arc<Entry<T>>, first: bool) -> bool {
        self.senders
            .register_at(SendRegistration::Entry(entry.clone()), first);
        if self.send_ready() {
            // Synced: a receive may have selected the entry meanwhile and
            // be moving its value; the caller reads the slot next.
            self.senders.unregister_synced(entry.token());
            return false;
        }
        true
    }

    /// The waiting receivers.
    pub(crate) fn receivers(&self) -> &WaitQueue<Registration> {
        &self.receivers
    }

    /// The waiting senders.
    pub(crate) fn senders(&self) -> &WaitQueue<SendRegistration<T>> {
        &self.senders
    }

    /// Closes the channel; `true` if this call closed it. Wakes every waiter.
    pub(crate) fn close(&self) -> bool {
        // SeqCst: a version change every select's double collect sees, and
        // ordered before the wake-ups below.
        let tail = self.tail.fetch_or(self.mark_bit, Ordering::SeqCst);
        let closed_now = tail & self.mark_bit == 0;
        if closed_now {
            // Both queues, even if a waker panics while the first is woken
            // (each queue wakes all of its own: `waiter::wake_each`).
            let senders = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                self.senders.notify_all()
            }));
            self.receivers.notify_all();
            if let Err(panic) = senders {
                std::panic::resume_unwind(panic);
            }
        }
        closed_now
    }

    /// Whether the channel is closed.
    pub(crate) fn is_closed(&self) -> bool {
        // SeqCst: one total order with `close`, so a `true` here means the
        // close's wake-ups are under way.
        self.tail.load(Ordering::SeqCst) & self.mark_bit != 0
    }

    /// Drops every buffered message. Called once, when the last receiver
    /// is gone (after `close`), so no receive races with it.
    pub(crate) fn discard_all(&self) {
        let backoff = Backoff::new();
        // SeqCst: after the close mark, so no new slot can be claimed.
        let tail = self.tail.load(Ordering::SeqCst) & !self.mark_bit;
        // Relaxed: no receiver exists any more, so head is ours alone.
        let mut head = self.head.load(Ordering::Relaxed);
        while head != tail {
            let index = head & (self.mark_bit - 1);
            let slot = &self.buffer[index];
            // Acquire pairs with the sender's Release stamp store.
            let stamp = slot.stamp.load(Ordering::Acquire);
            if head + 1 == stamp {
                // SAFETY: the stamp says the message is written, and with no
                // receivers left nobody else reads this slot. The value is
                // moved out, so the slot is logically empty from here on.
                let message = slot
                    .message
                    .with_mut(|message| unsafe { (*message).assume_init_read() });
                slot.stamp
                    .store(head.wrapping_add(self.one_lap), Ordering::Release);
                head = self.next(head);
                // Release: `len` and `Drop` read head after this. Head is
                // published before the message is dropped, so a `Drop` impl
                // that panics unwinds with the channel consistent: this
                // message is gone, the rest are still between head and
                // tail and `Ring::drop` drops each of them once.
                self.head.store(head, Ordering::Release);
                drop(message);
            } else {
                // A sender claimed this slot before the close mark and is
                // still writing its message.
                backoff.snooze();
                spin_loop();
            }
        }
    }

    /// The number of buffered messages (a snapshot).
    pub(crate) fn len(&self) -> usize {
        loop {
            // SeqCst: tail and head must belong to one moment; the re-read of
            // tail below checks that they do.
            let tail = self.tail.load(Ordering::SeqCst);
            let head = self.head.load(Ordering::SeqCst);
            if self.tail.load(Ordering::SeqCst) == tail {
                let head_index = head & (self.mark_bit - 1);
                let tail_index = tail & (self.mark_bit - 1);
                return if head_index < tail_index {
                    tail_index - head_index
                } else if head_index > tail_index {
                    self.buffer.len() - head_index + tail_index
                } else if tail & !self.mark_bit == head {
                    0
                } else {
                    self.buffer.len()
                };
            }
        }
    }

    /// The ring's size.
    pub(crate) fn capacity(&self) -> usize {
        self.buffer.len()
    }

    /// The state version for a select's double collect.
    pub(crate) fn version(&self) -> (usize, usize) {
        // SeqCst: the double collect is a snapshot argument over several
        // channels; it needs one total order of these loads.
        (
            self.head.load(Ordering::SeqCst),
            self.tail.load(Ordering::SeqCst),
        )
    }
}

/// # The arm protocol
///
/// How a select arm (`chan::operation`) waits on a bounded channel. A
/// waiting receive queues a [`Registration`] (no slot: when woken, it
/// takes the message from the ring itself). A waiting send queues an
/// [`Entry`] that offers its value: a receive that frees a slot moves the
/// first waiting sender's value into the ring under the senders' lock
/// (slot rule 4 of [`super::waiter`]), so the freed slot goes to the
/// senders that waited, in order.
impl<T> Ring<T> {
    /// Registers a waiting receive of `token` (arm `index` of channel
    /// number `channel`); `false` (not registered) if a receive could
    /// proceed now.
    pub(crate) fn wait_recv(&self, token: &Arc<Token>, index: usize, channel: u64) -> bool {
        self.register_recv(token, index, channel)
    }

    /// Withdraws a waiting receive of `token` that was not selected.
    pub(crate) fn withdraw_recv(&self, token: &Token) {
        self.receivers.unregister(token);
    }

    /// A woken receive goes away without receiving: the notification goes
    /// to the next waiting receiver.
    pub(crate) fn pass_on_recv(&self) {
        self.receivers.notify_one();
    }

    /// Registers a waiting send of `value`, at the head of the queue if
    /// `first_in_line` (a send that was selected but lost the freed slot to
    /// a send that never waited keeps its place). `Ok(entry)`: registered.
    /// `Err(Ok(value))`: a send could proceed now. `Err(Err(entry))`: not
    /// registered, but a receive selected the entry and moved its value in
    /// meanwhile (the caller finds its token selected).
    #[allow(clippy::type_complexity)]
    pub(crate) fn wait_send(
        &self,
        token: &Arc<Token>,
        index: usize,
        channel: u64,
        value: T,
        first_in_line: bool,
    ) -> Result<Arc<Entry<T>>, Result<T, Arc<Entry<T>>>> {
        let entry = Entry::new(token.clone(), index, channel, Some(value));
        if self.register_send(&entry, first_in_line) {
            return Ok(entry);
        }
        // SAFETY: slot rule 1: `register_send` removed the entry under the
        // queue's lock, after any receive that selected it was done.
        match unsafe { entry.take() } {
            Some(value) => Err(Ok(value)),
            None => Err(Err(entry)),
        }
    }

    /// Withdraws a waiting send that was not selected: its offer back.
    pub(crate) fn withdraw_send(&self, entry: &Entry<T>) -> Option<T> {
        self.senders.unregister_synced(entry.token());
        // SAFETY: slot rule 1: removed from the queue under its lock. The
        // token was not selected for this arm (it is being withdrawn), so no
        // receive moved the value: it is still here.
        unsafe { entry.take() }
    }

    /// What is left of a selected send's offer: `None` if a receive moved
    /// it into the ring (sent); the value if the ring was refilled first or
    /// a close selected the send.
    pub(crate) fn offer_left(&self, entry: &Entry<T>) -> Option<T> {
        // Rule 4: the receive that selected the entry finishes with the slot
        // under the senders' lock; wait it out before looking.
        self.senders.sync();
        // SAFETY: slot rule 4, after `sync`.
        unsafe { entry.take() }
    }
}

/// # A plain send waiting inline
///
/// A plain `send` future that finds the ring full waits with the
/// [`InlineWaiter`] inside itself, its value offered in the waiter's slot
/// and a pointer to it in the queue of senders
/// ([`SendRegistration::Inline`]), under that queue's lock (the inline
/// waiter's channel lock). A receive that frees a place moves the first
/// waiting offer into the ring and completes the send (`DONE`); if the
/// place was taken meanwhile, the offer stays and the send keeps its
/// place at the front (`WaitQueue::hand_off_first_after_seqcst_rmw`). A
/// close marks it `CLOSED`, its offer still in its slot. No token, no
/// entry to allocate.
impl<T> Ring<T> {
    /// Polls a plain send waiting in `waiter`: `full` is its value if a
    /// send found the ring full just now (its waiter idle, its slot
    /// empty); else its value is in the slot (idle) or it waits.
    /// `Ready` with the outcome, or `Pending`, registered (channel number
    /// `id`) to be woken through `waker`.
    ///
    /// # Safety
    ///
    /// `waiter` is pinned, serves this ring's sends only, and its owner
    /// calls [`Self::cancel_send_inline`] before freeing it.
    pub(crate) unsafe fn poll_send_inline(
        &self,
        waiter: &InlineWaiter<T>,
        mut full: Option<T>,
        waker: &std::task::Waker,
        id: u64,
    ) -> Poll<Result<(), T>> {
        // A send woken to try again keeps its place at the front.
        let mut first = false;
        loop {
            match waiter.observe() {
                Observed::Waiting => {
                    if self.senders.keep_newest_waker(waiter, waker) {
                        return Poll::Pending;
                    }
                    // Completed or closed meanwhile: look again.
                    continue;
                }
                outcome @ (Observed::Done | Observed::Closed) => {
                    return Poll::Ready(waiter.finish_send(outcome));
                }
                Observed::Notified => {
                    waiter.reset();
                    first = true;
                }
                Observed::Idle => {}
            }
            let value = match full.take() {
                Some(value) => value,
                None => {
                    // SAFETY: rule 1: idle, in no queue.
                    let value = unsafe { waiter.take() }
                        .expect("hoare: a send future was polled after completion");
                    match self.try_send(value) {
                        Ok(()) => return Poll::Ready(Ok(())),
                        Err(TrySendError::Closed(value)) => return Poll::Ready(Err(value)),
                        Err(TrySendError::Full(value)) => value,
                    }
                }
            };
            // SAFETY: the caller's contract; the waiter is idle with an
            // empty slot (its value is `value`).
            let registered = unsafe {
                self.senders.register_inline_unless(
                    waiter,
                    Some(value),
                    waker.clone(),
                    id,
                    first,
                    || self.send_ready(),
                )
            };
            if registered {
                return Poll::Pending;
            }
            // Withdrawn with its offer in the slot (room, or closed), or a
            // receive moved the offer in meanwhile: look again.
        }
    }

    /// The plain send owning `waiter` is being dropped or withdrawn: takes
    /// it out of the queue if it still waits. Its offer, if it was not
    /// sent (`DONE`), is left in the slot.
    pub(crate) fn cancel_send_inline(&self, waiter: &InlineWaiter<T>) {
        self.senders.withdraw_inline(waiter);
    }
}

impl<T> Drop for Ring<T> {
    fn drop(&mut self) {
        // `&mut self`: no other thread can touch the ring. Messages still
        // between head and tail were never received or discarded.
        // Relaxed: `&mut self` already orders us after every other access.
        let tail = self.tail.load(Ordering::Relaxed) & !self.mark_bit;
        // If a message's `Drop` panics, the guard drops the remaining ones
        // while unwinding, so each message is still dropped exactly once
        // (a second panic there aborts, as for any slice of values).
        struct Rest<'a, T> {
            channel: &'a Ring<T>,
            head: usize,
            tail: usize,
        }
        impl<T> Drop for Rest<'_, T> {
            fn drop(&mut self) {
                while self.head != self.tail {
                    let index = self.head & (self.channel.mark_bit - 1);
                    self.head = self.channel.next(self.head);
                    // Should this message's drop panic, `rest` drops the
                    // ones after it while unwinding.
                    let rest = Rest {
                        channel: self.channel,
                        head: self.head,
                        tail: self.tail,
                    };
                    // SAFETY: every position between head and tail holds a
                    // written message (all senders finished: the channel is
                    // being dropped, so nothing else can touch it), and head
                    // moved past this one before the drop, so no message is
                    // dropped twice even if this drop panics.
                    self.channel.buffer[index]
                        .message
                        .with_mut(|message| unsafe { (*message).assume_init_drop() });
                    std::mem::forget(rest);
                }
            }
        }
        // Relaxed: `&mut self` already orders us after every other access.
        let head = self.head.load(Ordering::Relaxed);
        drop(Rest {
            channel: self,
            head,
            tail,
        });
    }
}
