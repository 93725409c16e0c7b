//! Inline waiters: a plain `send`/`recv` future waits inside itself.
//!
//! # Why
//!
//! A `select!` waits on several channels at once and needs one shared
//! [`Token`](super::waiter::Token) that exactly one counterpart can win
//! (see [`super::waiter`]). A plain `send` or `recv` waits on one channel:
//! the channel's own lock already decides who completes it. Its waiter
//! therefore needs no token and no allocation: it is an [`InlineWaiter`]
//! held by value inside the pinned future, and the channel's queue holds a
//! pointer to it ([`InlineRef`]). A plain `recv` on a ring or a list waits
//! the same way, as an `InlineWaiter<()>` in that channel's queue of
//! receives, whose lock plays the channel lock's part below
//! (`Registration::Inline` in `waiter.rs`); it is only ever notified or
//! closed. A plain `send` on a full ring waits in the ring's queue of
//! senders (`SendRegistration::Inline`), its value offered in the slot: a
//! receive that frees a place moves the offer into the ring and completes
//! it (`InlineRef::offer_into`), or, if the place was taken meanwhile,
//! leaves the offer in the slot and the waiter waiting, first in line.
//! On a rendezvous channel a counterpart
//! hands the value straight into the waiter's slot (or takes the offered
//! value out of it) and wakes the owner, who then returns without
//! touching the channel again: one short lock for each side of a meeting.
//! On a buffered channel a send puts its value in the buffer and wakes
//! the oldest waiting receive (`NOTIFIED` below), which takes it from the
//! buffer; a blocking receive is handed the oldest buffered value. This
//! is the shape of Go's
//! `sudog` (a goroutine's waiter lives on its stack) and of kanal's
//! `AsyncSignal` (the signal lives in the pinned future); the code and the
//! words are ours.
//!
//! # States
//!
//! ```text
//!          owner, under the lock: register
//!   IDLE ──────────────────────────────────▶ WAITING
//!    ▲                                          │ │
//!    │ owner, under the lock: unlink            │ │ counterpart, under the
//!    └──────────────────────────────────────────┘ │ lock: complete / close
//!                                                 ▼
//!                                      DONE | CLOSED | NOTIFIED
//!                                                 │
//!   IDLE ◀────────────────────────────────────────┘
//!          owner, without the lock: reset (after reading the outcome)
//! ```
//!
//! * `IDLE`: not in any queue. Only the owner touches the waiter (a
//!   send future keeps its value in the slot until its first poll).
//! * `WAITING`: its pointer sits in exactly one queue of one channel.
//! * `DONE`: a counterpart completed it: a receive's slot holds the value
//!   handed to it; a send's offer was taken (on a ring: moved into it).
//! * `CLOSED`: the channel closed while it waited: a receive's slot is
//!   empty, a send's slot still holds its offer.
//! * `NOTIFIED` (a receive on a buffered channel): a send put a
//!   value in the channel's buffer and took this receive out of the queue
//!   to wake it; the slot is empty. The owner's next poll receives again
//!   under the lock, and waits again if someone else took the value
//!   first. An owner dropped in this state passes the notification on to
//!   the next waiting receive if the buffer still holds a value, so no
//!   buffered value is left with its receivers asleep. Nothing is handed
//!   to a waiting async receive on a buffered channel: a dropped receive
//!   never holds a value, and one sender's values stay in the buffer in
//!   order. A blocking receive, which keeps what it is handed (its
//!   withdrawal at a deadline returns it), is handed the oldest buffered
//!   value and marked `DONE` instead (`zero.rs`, "Hand-off to a blocking
//!   receive"). A send waiting on a ring is not notified: a receive that
//!   frees a place hands its offer off instead. (Were it notified, by a
//!   `notify_one` on the ring's queue of senders, it would try again,
//!   first in line, its offer still in its slot: `Ring::poll_send_inline`.)
//!
//! Every transition into or out of `WAITING` happens under the lock of the
//! channel whose queue holds (or will hold) the pointer; the owner may read
//! the state without the lock. The one move made without it is the
//! owner's reset from `DONE`, `CLOSED` or `NOTIFIED` back to `IDLE`, once
//! it has read the outcome: the waiter is then in no queue and no
//! counterpart holds its pointer, so no one else reads the state.
//!
//! # Who may touch the slot and the waker
//!
//! 1. The owner, while the state is `IDLE`, `DONE`, `CLOSED` or
//!    `NOTIFIED` as it observed with an `Acquire` load: the waiter is in
//!    no queue, and the counterpart that completed it stored the state
//!    with `Release` as its very last access to the waiter.
//! 2. Anyone holding the channel's lock while the state is `WAITING` (the
//!    owner replacing its waker, a counterpart completing it). A
//!    counterpart takes the pointer out of the queue, finishes with the
//!    slot, takes the waker *out*, and only then stores `DONE`, `CLOSED`
//!    or `NOTIFIED`. It wakes, after unlocking, with the waker it took out:
//!    once the state has left `WAITING` the owner may return and free the
//!    waiter at any moment, so nothing may reach the waiter after that
//!    store.
//!
//! # Cancellation: one owner per drop path
//!
//! The future's drop is the only place the waiter is freed. If it finds
//! the state `WAITING`, it takes the channel's lock and looks again: still
//! `WAITING` means no counterpart has the pointer, so it unlinks it (and a
//! send's offer was never sent); anything else means a counterpart already
//! finished with it, under that same lock, and the drop handles the
//! outcome as a poll would: a receive on a rendezvous channel gives a
//! handed-off value back to the channel, a notified receive passes the
//! notification on. The waiter is never freed while its pointer is in a
//! queue.
//!
//! # Waking and foreign code
//!
//! A waker's `clone` and `drop` are foreign code; none runs under a
//! channel lock. The owner clones its waker before taking the lock to
//! register, and when a later poll brings a different waker it clones it
//! outside the lock and swaps it in under the lock, dropping the old one
//! after unlocking. A counterpart takes the waker out under the lock
//! and wakes it after unlocking.

use std::marker::PhantomPinned;
use std::ptr::NonNull;
use std::task::Waker;

use crate::sync::atomic::{AtomicU32, Ordering};
use crate::sync::UnsafeCell;

/// Not in any queue.
const IDLE: u32 = 0;
/// In one channel's queue, waiting for a counterpart.
const WAITING: u32 = 1;
/// Completed by a counterpart (value handed over, or offer taken).
const DONE: u32 = 2;
/// Woken by the channel's close, not completed.
const CLOSED: u32 = 3;
/// A waiting receive on a buffered channel, taken out of its queue and
/// woken because a value was buffered: it receives again, under the lock.
const NOTIFIED: u32 = 4;

/// What the owner observes of its waiter (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Observed {
    /// Not registered.
    Idle,
    /// Registered, not yet completed.
    Waiting,
    /// Completed by a counterpart.
    Done,
    /// Woken by a close.
    Closed,
    /// A receive woken by a send that buffered a value (buffered channels
    /// only): its slot is empty, it receives again.
    Notified,
}

/// A plain operation's waiter, held inside its pinned future.
pub(crate) struct InlineWaiter<T> {
    /// 32 bits: with a receive's empty slot on a buffered channel
    /// (`InlineWaiter<()>`) it shares a word, which keeps the plain
    /// `recv` future at 56 bytes.
    state: AtomicU32,
    /// A waiting receive's handed-off value, or a waiting send's offer.
    slot: UnsafeCell<Option<T>>,
    /// The waker of the owner's latest poll, while registered.
    waker: UnsafeCell<Option<Waker>>,
    /// Queues point at the waiter: it must not move once registered.
    _pinned: PhantomPinned,
}

// SAFETY: the waiter moves a `T` between threads through `slot` (so
// `T: Send` is required); its cells are accessed under the rules of "Who
// may touch the slot and the waker", never by two threads at once.
unsafe impl<T: Send> Send for InlineWaiter<T> {}
// SAFETY: as above: a shared reference reaches the cells only under
// those rules.
unsafe impl<T: Send> Sync for InlineWaiter<T> {}

impl<T> InlineWaiter<T> {
    /// An idle waiter; a send's `offer` waits in the slot until the first
    /// poll offers it.
    pub(crate) fn new(offer: Option<T>) -> Self {
        InlineWaiter {
            state: AtomicU32::new(IDLE),
            slot: UnsafeCell::new(offer),
            waker: UnsafeCell::new(None),
            _pinned: PhantomPinned,
        }
    }

    /// The state, as the owner sees it without the lock.
    #[inline]
    pub(crate) fn observe(&self) -> Observed {
        // Acquire pairs with the counterpart's Release store of `DONE` or
        // `CLOSED`, its last access to the waiter (rule 1).
        match self.state.load(Ordering::Acquire) {
            IDLE => Observed::Idle,
            WAITING => Observed::Waiting,
            DONE => Observed::Done,
            CLOSED => Observed::Closed,
            _ => Observed::Notified,
        }
    }

    /// Owner side: takes what the slot holds.
    ///
    /// # Safety
    ///
    /// Rule 1 or 2 of the module docs: the state is not `WAITING` as the
    /// owner observed it, or the caller holds the channel's lock.
    pub(crate) unsafe fn take(&self) -> Option<T> {
        // SAFETY: exclusive access is the caller's contract.
        self.slot.with_mut(|slot| unsafe { (*slot).take() })
    }

    /// Owner side, after observing `DONE`, `CLOSED` or `NOTIFIED` (and
    /// taking what the slot held): ready for another registration.
    pub(crate) fn reset(&self) {
        // Relaxed: only the owner reads the state while it is `IDLE`, and
        // the registration that leaves `IDLE` again happens under the lock.
        self.state.store(IDLE, Ordering::Relaxed);
    }

    /// Owner side, after observing `outcome` (`DONE` or `CLOSED`) on a
    /// send's waiter: the send's result, `Err` with its offer if the close
    /// woke it (the offer stays in the slot until then), and the waiter
    /// reset for another registration.
    pub(crate) fn finish_send(&self, outcome: Observed) -> Result<(), T> {
        debug_assert!(
            matches!(outcome, Observed::Done | Observed::Closed),
            "hoare: a send finished while {outcome:?}"
        );
        let result = match outcome {
            Observed::Closed => {
                // SAFETY: rule 1: the owner observed `CLOSED` (Acquire),
                // and the close left the offer in the slot.
                let offer = unsafe { self.take() };
                Err(offer.expect("hoare: a send woken by the close keeps its offer"))
            }
            _ => Ok(()),
        };
        self.reset();
        result
    }

    /// Owner side, under the channel's lock: fills the slot with `offer`
    /// (a send's value; `None` for a receive), stores `waker`, and marks
    /// the waiter `WAITING`. The caller then pushes [`Self::as_ref`] onto
    /// a queue before unlocking.
    ///
    /// # Safety
    ///
    /// The caller holds the lock of the channel whose queue will hold the
    /// waiter, the waiter is `IDLE`, and it will not move until it is
    /// `IDLE` again or dropped (it is pinned).
    pub(crate) unsafe fn register(&self, offer: Option<T>, waker: Waker) {
        // Nothing is overwritten: a value or a waker dropped here would
        // drop under the caller's lock (foreign code), and a value would
        // be lost. Every path empties both before the waiter is idle again
        // (a waiter unlinked by a withdrawal is not registered again).
        self.slot.with_mut(|slot| {
            // SAFETY: rule 1: the waiter is idle, in no queue.
            let slot = unsafe { &mut *slot };
            debug_assert!(slot.is_none(), "hoare: a waiter registered over a value");
            *slot = offer;
        });
        self.waker.with_mut(|slot| {
            // SAFETY: as above.
            let slot = unsafe { &mut *slot };
            debug_assert!(slot.is_none(), "hoare: a waiter registered over a waker");
            *slot = Some(waker);
        });
        // Relaxed: counterparts read the state only under the lock we hold.
        self.state.store(WAITING, Ordering::Relaxed);
    }

    /// Owner side, under the channel's lock, after taking the pointer out
    /// of its queue: back to `IDLE`.
    ///
    /// # Safety
    ///
    /// The caller holds the channel's lock and removed the waiter from its
    /// queue.
    pub(crate) unsafe fn unlink(&self) {
        // Relaxed: as in `register`.
        self.state.store(IDLE, Ordering::Relaxed);
    }

    /// Owner side, after [`Self::unlink`] (the waiter idle, in no queue):
    /// takes back the waker it registered, to drop outside the lock. A
    /// withdrawn waiter that registers again must not register over it.
    ///
    /// # Safety
    ///
    /// Rule 1: the state is `IDLE` as the owner left it.
    pub(crate) unsafe fn take_waker(&self) -> Option<Waker> {
        // SAFETY: the caller's contract (rule 1).
        self.waker.with_mut(|slot| unsafe { (*slot).take() })
    }

    /// Owner side, under the channel's lock while `WAITING`: whether the
    /// stored waker would wake the same task as `waker`.
    ///
    /// # Safety
    ///
    /// The caller holds the channel's lock and the state is `WAITING`.
    pub(crate) unsafe fn will_wake(&self, waker: &Waker) -> bool {
        // SAFETY: rule 2: the caller holds the lock while `WAITING`.
        self.waker
            .with(|slot| unsafe { matches!(&*slot, Some(current) if current.will_wake(waker)) })
    }

    /// Owner side, under the channel's lock while `WAITING`: stores the
    /// newest waker, returning the old one (to drop after unlocking).
    ///
    /// # Safety
    ///
    /// As for [`Self::will_wake`].
    pub(crate) unsafe fn replace_waker(&self, waker: Waker) -> Option<Waker> {
        // SAFETY: rule 2.
        self.waker
            .with_mut(|slot| unsafe { (*slot).replace(waker) })
    }

    /// Owner side: the waiter is polled again while it waits; stores
    /// `waker` if it is not the one stored (the newest waker wins).
    /// `lock` takes the lock that guards this waiter's queue (the
    /// channel's, or a ring's or list's queue of receives). `true` if
    /// still waiting; `false` if a counterpart completed, notified or
    /// closed it meanwhile (the caller looks at it again).
    pub(crate) fn keep_newest_waker<G>(&self, lock: impl Fn() -> G, waker: &Waker) -> bool {
        {
            let _guard = lock();
            if self.observe() != Observed::Waiting {
                return false;
            }
            // SAFETY: rule 2: under the lock, while `WAITING`.
            if unsafe { self.will_wake(waker) } {
                return true;
            }
        }
        // A different waker: cloned outside the lock (foreign code).
        let new = waker.clone();
        let old = {
            let _guard = lock();
            if self.observe() != Observed::Waiting {
                return false;
            }
            // SAFETY: rule 2, as above.
            unsafe { self.replace_waker(new) }
        };
        // The old waker's drop is foreign code too: after unlocking.
        drop(old);
        true
    }

    /// The pointer a queue holds while the waiter waits.
    pub(crate) fn as_ref(&self) -> InlineRef<T> {
        InlineRef(NonNull::from(self))
    }
}

impl<T> Drop for InlineWaiter<T> {
    fn drop(&mut self) {
        // The owner's cancellation unlinks a waiting waiter before freeing
        // it ("Cancellation"); a queue left pointing here would be a
        // use-after-free. Checked in debug builds and under loom.
        if cfg!(any(debug_assertions, loom)) {
            assert_ne!(
                self.observe(),
                Observed::Waiting,
                "hoare: an inline waiter was freed while a queue points at it"
            );
        }
        // Under loom, freeing the waiter counts as a write to its cells, so
        // a counterpart that touches them after publishing the outcome (the
        // use-after-free this protocol exists to rule out) is a race loom
        // reports; dropping the fields alone is invisible to it.
        #[cfg(loom)]
        {
            self.slot.with_mut(|_| ());
            self.waker.with_mut(|_| ());
        }
    }
}

impl<T> std::fmt::Debug for InlineWaiter<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InlineWaiter")
            .field("state", &self.observe())
            .finish()
    }
}

/// A queue's pointer to a registered [`InlineWaiter`].
pub(crate) struct InlineRef<T>(NonNull<InlineWaiter<T>>);

// SAFETY: the pointer is dereferenced only under the lock of the channel
// whose queue holds it, while the waiter is `WAITING` (so its owner keeps
// it alive and in place: see "Cancellation"); the waiter is `Send + Sync`
// for `T: Send`.
unsafe impl<T: Send> Send for InlineRef<T> {}

impl<T> InlineRef<T> {
    /// The pointer, for a queue that packs it (`chan::queued`).
    pub(crate) fn into_ptr(self) -> NonNull<InlineWaiter<T>> {
        self.0
    }

    /// The reference [`Self::into_ptr`] gave up.
    ///
    /// # Safety
    ///
    /// `pointer` came from [`Self::into_ptr`], and the reference it was is
    /// not used again.
    pub(crate) unsafe fn from_ptr(pointer: NonNull<InlineWaiter<T>>) -> Self {
        InlineRef(pointer)
    }

    /// Whether this is the pointer to `waiter`.
    pub(crate) fn points_at(&self, waiter: &InlineWaiter<T>) -> bool {
        std::ptr::eq(self.0.as_ptr().cast_const(), waiter)
    }

    /// Counterpart side: puts `value` in a waiting receive's slot and
    /// completes it; returns the owner's waker, to wake after unlocking.
    ///
    /// # Safety
    ///
    /// The caller holds the lock of the channel whose queue held `self`,
    /// and took it out of that queue under the same lock hold.
    #[must_use = "the owner sleeps until the waker is woken"]
    pub(crate) unsafe fn hand_over(self, value: T) -> Option<Waker> {
        // SAFETY: the owner cannot unlink or free a `WAITING` waiter
        // without the lock we hold; rule 2 for the slot.
        let waiter = unsafe { self.0.as_ref() };
        // SAFETY: rule 2.
        waiter.slot.with_mut(|slot| unsafe { *slot = Some(value) });
        // SAFETY: as above; `waiter` is not used again.
        unsafe { self.finish(DONE) }
    }

    /// Counterpart side: takes a waiting send's offer and completes it.
    ///
    /// # Safety
    ///
    /// As for [`Self::hand_over`].
    #[must_use = "the owner sleeps until the waker is woken"]
    pub(crate) unsafe fn take_offer(self) -> (T, Option<Waker>) {
        // SAFETY: as in `hand_over`.
        let waiter = unsafe { self.0.as_ref() };
        // SAFETY: rule 2.
        let value = waiter
            .slot
            .with_mut(|slot| unsafe { (*slot).take() })
            .expect("hoare: a waiting send's slot holds its offer");
        // SAFETY: as in `hand_over`; `waiter` is not used again.
        (value, unsafe { self.finish(DONE) })
    }

    /// Counterpart side (a receive that freed a place in a ring): takes a
    /// waiting send's offer and gives it to `push`. If `push` takes it,
    /// completes the send and returns its waker (to wake after unlocking);
    /// if `push` gives it back, puts it back in the slot and returns the
    /// pointer, the waiter still `WAITING`, for the caller to queue again
    /// under the same lock hold.
    ///
    /// # Safety
    ///
    /// As for [`Self::hand_over`].
    #[must_use = "the owner sleeps until the waker is woken, or waits in no queue"]
    pub(crate) unsafe fn offer_into(
        self,
        push: impl FnOnce(T) -> Result<(), T>,
    ) -> Result<Option<Waker>, Self> {
        // SAFETY: as in `hand_over`.
        let waiter = unsafe { self.0.as_ref() };
        // SAFETY: rule 2.
        let value = waiter
            .slot
            .with_mut(|slot| unsafe { (*slot).take() })
            .expect("hoare: a waiting send's slot holds its offer");
        match push(value) {
            // SAFETY: as in `hand_over`; `waiter` is not used again.
            Ok(()) => Ok(unsafe { self.finish(DONE) }),
            Err(value) => {
                // SAFETY: rule 2, as above.
                waiter.slot.with_mut(|slot| unsafe { *slot = Some(value) });
                Err(self)
            }
        }
    }

    /// Counterpart side (a send on a buffered channel that buffered its
    /// value): wakes a waiting receive without handing it anything; its
    /// owner receives again, from the buffer.
    ///
    /// # Safety
    ///
    /// As for [`Self::hand_over`].
    #[must_use = "the owner sleeps until the waker is woken"]
    pub(crate) unsafe fn notify(self) -> Option<Waker> {
        // SAFETY: as in `hand_over`.
        unsafe { self.finish(NOTIFIED) }
    }

    /// Counterpart side (`close`): wakes the waiter without completing it.
    ///
    /// # Safety
    ///
    /// As for [`Self::hand_over`].
    #[must_use = "the owner sleeps until the waker is woken"]
    pub(crate) unsafe fn close(self) -> Option<Waker> {
        // SAFETY: as in `hand_over`.
        unsafe { self.finish(CLOSED) }
    }

    /// The counterpart's last steps: takes the waker out (to wake after
    /// unlocking; `None` only if none was registered), then publishes
    /// `state`. Nothing may touch the waiter afterwards, and no reference
    /// to it outlives the store: the owner may free it the moment it sees
    /// the new state, so the store goes through the raw pointer (a `&self`
    /// argument would still be live after it, as in rust-lang/rust#55005).
    ///
    /// # Safety
    ///
    /// As for [`Self::hand_over`].
    unsafe fn finish(self, state: u32) -> Option<Waker> {
        let waiter = self.0.as_ptr();
        // SAFETY: rule 2: the caller holds the lock, the state is `WAITING`,
        // so the owner keeps the waiter alive and in place until the store.
        let waker = unsafe { (*waiter).waker.with_mut(|slot| (*slot).take()) };
        // Release pairs with the owner's Acquire in `observe`: the slot
        // write (or take) and the waker's take happen before it.
        // SAFETY: as above; this store is the last use of the pointer.
        unsafe { (*waiter).state.store(state, Ordering::Release) };
        waker
    }
}
