//! Waiters: how an operation waits on a channel, and how exactly one
//! counterpart completes it.
//!
//! # The protocol
//!
//! An operation that cannot complete at once (a `recv` on an empty channel,
//! a `send` with no room, or a `select!` none of whose arms is ready)
//! *registers*: it puts an entry in the wait queue of every channel it
//! waits on. All entries of one operation share one [`Token`], and each
//! entry names the *arm* (the index of the operation within its select; 0
//! for a plain `send`/`recv`) it stands for. An operation that exchanges a
//! value through its entry (either side of a rendezvous, a sender waiting
//! on a full bounded channel) registers an [`Entry`], a shared allocation
//! with a slot. A receive on a buffered channel is only ever told to retry,
//! so it registers a [`Registration`], held by value in the queue: it
//! allocates nothing, and with the thread's recycled token (see
//! [`Token::recycle`]) a select arm waits with no allocation at all.
//!
//! A plain `send`/`recv` future on a rendezvous or small channel, and a
//! plain `recv` future on a ring or list, do not use tokens: each waits
//! with an inline waiter inside itself, decided by one lock alone (the
//! channel's, or on a ring or list this queue's: see
//! [`super::inline_waiter`] and the inline impl of [`WaitQueue`] below).
//! A plain `send` on a ring waits inline too, in the ring's queue of
//! senders ([`SendRegistration`]). Select arms and the receiver's stream
//! use tokens; the queues hold both kinds side by side.
//!
//! Within one wait, a token's state word leaves `WAITING` once, for good
//! (a token is reset to `WAITING` for a later wait only by
//! [`Token::acquire`], after [`Token::recycle`] found that no queue, entry
//! or counterpart refers to it any more). The only other move is the
//! owner's short `UPDATING` detour while it replaces its waker:
//!
//! ```text
//!            counterpart: try_select(arm)
//!   WAITING ─────────────────────────────▶ SELECTED(arm)
//!    │  ▲ │
//!    │  │ │ owner: try_abort
//!    │  │ ▼
//!    │  │ ABORTED
//!    ▼  │ owner: set_waker (CAS in, store back)
//!   UPDATING
//! ```
//!
//! * A **counterpart** (a sender finding a waiting receiver, a receiver
//!   freeing room, `close`) pops an entry from a wait queue *while holding
//!   that queue's lock* and calls [`Token::try_select`]. Exactly one call
//!   on a token can succeed; every other counterpart sees the CAS fail,
//!   drops the entry from its queue and moves on to the next entry. This is
//!   what makes a select waiting on many channels complete exactly once.
//! * The **owner** (the future that registered) either observes
//!   `SELECTED(arm)` and finishes that arm, or withdraws with
//!   [`Token::try_abort`]; if the abort fails, a counterpart got there
//!   first and the owner must honour that selection (or pass it on).
//!
//! What `SELECTED(arm)` means depends on the channel:
//!
//! * **Rendezvous channels hand off.** A sender that selects a waiting
//!   receiver has already put its value in the receiver entry's `slot`; a
//!   receiver that selects a waiting sender has already taken the value out
//!   of the sender entry's `slot`. `SELECTED` then means "done". (`close`
//!   also selects waiters, without touching slots: an owner that finds its
//!   receive slot empty, or its send slot still full, retries its operation
//!   and sees the channel closed.)
//! * **Buffered channels notify receivers.** For a waiting receiver,
//!   `SELECTED` means "a message may be there": the owner retries its
//!   receive. If another receive took the message first, the owner simply
//!   waits again; no value sits in a receiver's entry.
//! * **Bounded channels hand a waiting sender's value on, as Go does.** A
//!   waiting sender offers its value in its entry's slot. A receive that
//!   frees a slot selects the first waiting sender and, under the queue's
//!   lock, moves its value into the ring (rule 4), so the freed slot never
//!   looks free to a send that did not wait, and the woken sender has
//!   nothing left to do but return. If the ring was refilled in between,
//!   the value stays in the slot and the owner retries.
//!
//! # Who may touch a slot
//!
//! An [`Entry`]'s `slot` (rendezvous channels, and bounded channels' waiting
//! senders) is accessed
//!
//! 1. by the owner while the entry is not registered anywhere (before
//!    registering, or after removing it from its queue), or
//! 2. by a counterpart while holding the lock of the channel the entry is
//!    registered with, and only *before* its `try_select` CAS (putting back
//!    what it moved if the CAS fails), or
//! 3. by the owner after it has observed (with `Acquire`) that its token was
//!    selected for this entry's arm. The selecting counterpart finished
//!    with the slot before its `Release` CAS, and it removed the entry from
//!    its queue, so no one else can reach the slot any more.
//! 4. (bounded channels' waiting senders) by the counterpart that selected
//!    the entry, *after* its successful CAS but before it releases the
//!    queue's lock: it moves the offered value into the ring, or leaves it
//!    there if the ring is full. The owner then reads the slot only after
//!    taking and releasing that lock ([`WaitQueue::sync`]), or after
//!    removing its entries with [`WaitQueue::unregister_synced`].
//!
//! These never overlap, which is what the `unsafe` slot accessors rely on.
//!
//! # Who may touch a token's waker
//!
//! A token's waker sits in a plain cell, not behind a lock: a lock would
//! cost every wait six atomic read-modify-writes (to store the waker, to
//! wake it and to clear it), a sixth of its time. The cell is accessed
//!
//! 1. by the owner while the token is not shared: [`Token::new`],
//!    [`Token::acquire`] (a spare token, unique since [`Token::recycle`]
//!    proved it with `Arc::get_mut`) and [`Token::recycle`];
//! 2. by the owner while it holds the token in `UPDATING`
//!    ([`Token::set_waker`]): its CAS from `WAITING` shut every
//!    counterpart out, and its `Release` store back to `WAITING` publishes
//!    the new waker to the `Acquire` CAS of the counterpart that selects
//!    the token later;
//! 3. by the one counterpart whose [`Token::try_select`] succeeded
//!    ([`Token::wake`] takes the waker): the state has left `WAITING` for
//!    good, so rule 2 cannot apply any more, and the counterpart still
//!    holds a reference to the token, so rule 1 cannot either.
//!
//! A counterpart whose CAS finds `UPDATING` waits (spinning, then
//! yielding) until the owner is done: a `will_wake` check, or storing a
//! waker cloned before the window, under no lock of ours; no foreign code
//! runs inside the window (a waker's `clone` before it, the old waker's
//! drop after it). It may hold a queue's lock meanwhile, which the owner
//! never takes inside the window.
//!
//! # Passing a wake-up on
//!
//! An owner that was selected but does not consume (its select is dropped,
//! or it completed through another arm first) must not swallow the event:
//! a rendezvous receiver gives the handed-off value back to the channel,
//! and a buffered waiter notifies the next waiter of the same queue.

use std::fmt;

use crossbeam_utils::Backoff;
use std::task::Waker;

use super::fifo::Fifo;
use super::inline_waiter::{InlineRef, InlineWaiter, Observed};
use crate::sync::atomic::{fence, AtomicBool, AtomicUsize, Ordering};
use crate::sync::{spin_loop, Arc, Mutex, UnsafeCell};

crate::sync::thread_local! {
    /// This thread's spare token (see [`Token::recycle`]).
    static SPARE_TOKEN: std::cell::Cell<Option<Arc<Token>>> = std::cell::Cell::new(None);
}

/// The token is still waiting: no counterpart has completed it.
const WAITING: usize = 0;
/// Still waiting, but the owner is replacing its waker: counterparts wait
/// until it is back to `WAITING` (see "Who may touch a token's waker").
const UPDATING: usize = 1;
/// The owner withdrew before any counterpart selected it.
const ABORTED: usize = 2;
/// `SELECTED(arm)` is stored as `arm + SELECTED_BASE`.
const SELECTED_BASE: usize = 3;

/// The decision point shared by every registration of one waiting
/// operation (see the module docs for the state machine).
pub struct Token {
    state: AtomicUsize,
    /// The waker of the owner's latest poll (the newest waker wins). See
    /// "Who may touch a token's waker" in the module docs.
    waker: UnsafeCell<Option<Waker>>,
}

// SAFETY: the waker cell is accessed under the rules of "Who may touch a
// token's waker" in the module docs, never by two threads at once; `Waker`
// is `Send + Sync`, so the token may move and be shared between threads.
unsafe impl Send for Token {}
// SAFETY: as above.
unsafe impl Sync for Token {}

impl Token {
    /// A fresh token in the `WAITING` state, waking `waker` when selected.
    pub(crate) fn new(waker: &Waker) -> Self {
        Token {
            state: AtomicUsize::new(WAITING),
            waker: UnsafeCell::new(Some(waker.clone())),
        }
    }

    /// A token in the `WAITING` state waking `waker`: this thread's spare
    /// one if it has one (see [`Token::recycle`]), else a new allocation.
    pub(crate) fn acquire(waker: &Waker) -> Arc<Token> {
        if let Some(token) = SPARE_TOKEN.try_with(|spare| spare.take()).ok().flatten() {
            // Relaxed and a plain write: the token is unique (only
            // unique tokens are kept, and `Arc::get_mut` acquired every
            // earlier user's release of it), so no other thread can see
            // these writes before the `Arc` is shared again, which
            // publishes them.
            token.state.store(WAITING, Ordering::Relaxed);
            // SAFETY: waker rule 1: the token is unique (see above).
            token
                .waker
                .with_mut(|slot| unsafe { *slot = Some(waker.clone()) });
            return token;
        }
        Arc::new(Token::new(waker))
    }

    /// Owner side, once a selection is over: keeps `token` as this
    /// thread's spare if nothing else refers to it any more (no queue, no
    /// counterpart), saving the next wait an allocation; else drops it.
    pub(crate) fn recycle(mut token: Arc<Token>) {
        if let Some(unique) = Arc::get_mut(&mut token) {
            // Drop the waker now: a spare must not keep a task alive.
            // SAFETY: waker rule 1: `get_mut` proved the token unique.
            unique.waker.with_mut(|slot| unsafe { *slot = None });
            let _ = SPARE_TOKEN.try_with(|spare| spare.set(Some(token)));
        }
    }

    /// Counterpart side: claims the token for `arm`. Exactly one call
    /// (among all `try_select` and `try_abort` calls) succeeds.
    pub(crate) fn try_select(&self, arm: usize) -> bool {
        let backoff = Backoff::new();
        loop {
            // AcqRel: the Release half publishes the slot write (or take)
            // that the counterpart did before this CAS to the owner's
            // Acquire load in `selected`; the Acquire half orders our later
            // reads (the waker, in `wake`) after the owner's registration
            // and after its `set_waker`'s Release store.
            match self.state.compare_exchange(
                WAITING,
                arm + SELECTED_BASE,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return true,
                // The owner is replacing its waker: a few instructions,
                // unless its thread was preempted in them (then yield).
                Err(UPDATING) => {
                    backoff.snooze();
                    spin_loop();
                }
                Err(_) => return false,
            }
        }
    }

    /// Owner side: withdraws. `Err(arm)` if a counterpart selected the
    /// token first; the owner must then finish or pass on that arm.
    pub(crate) fn try_abort(&self) -> Result<(), usize> {
        // Acquire on failure pairs with the Release of the winning
        // `try_select`, making its slot work visible to the owner.
        // The owner calls this, never while it holds `UPDATING` (which it
        // leaves before any foreign code runs), so a failure means
        // `SELECTED`.
        match self
            .state
            .compare_exchange(WAITING, ABORTED, Ordering::AcqRel, Ordering::Acquire)
        {
            Ok(_) => Ok(()),
            Err(state) => {
                debug_assert!(state >= SELECTED_BASE, "withdrawn while {state}");
                Err(state - SELECTED_BASE)
            }
        }
    }

    /// Owner side: the arm this token was selected for, if any.
    pub(crate) fn selected(&self) -> Option<usize> {
        // Acquire pairs with the Release of the winning `try_select`.
        let state = self.state.load(Ordering::Acquire);
        state.checked_sub(SELECTED_BASE)
    }

    /// Whether the token can still be selected.
    pub(crate) fn is_waiting(&self) -> bool {
        // Acquire: a stale answer only costs a failed CAS later.
        matches!(self.state.load(Ordering::Acquire), WAITING | UPDATING)
    }

    /// Owner side: records the waker of the latest poll. The owner must
    /// check [`Token::selected`] again afterwards: a counterpart that took
    /// the old waker before this store has already woken that one.
    ///
    /// Inside the `UPDATING` window the owner runs only its own
    /// straight-line code: a `will_wake` (pointer comparisons), or storing
    /// a waker cloned before the window. A waker's `clone` is foreign
    /// code: one that panics must not leave the token in `UPDATING` (every
    /// counterpart would wait for ever), and one that sends on the channel
    /// being waited on must not find its own token in `UPDATING` on the
    /// one thread that could end it.
    pub(crate) fn set_waker(&self, waker: &Waker) {
        if !self.begin_update() {
            // Selected: the counterpart owns the waker now (waker rule 3).
            return;
        }
        // SAFETY: waker rule 2: `UPDATING` shuts every counterpart out.
        let same = self
            .waker
            .with(|slot| unsafe { matches!(&*slot, Some(current) if current.will_wake(waker)) });
        // Release: our read of the cell happens before the take of the
        // counterpart whose `try_select` CAS (Acquire) moves on from here.
        self.state.store(WAITING, Ordering::Release);
        if same {
            return;
        }
        let new = waker.clone();
        if !self.begin_update() {
            // Selected meanwhile: the old waker was woken; the caller's
            // re-check of `selected` sees it. `new` is not needed.
            return;
        }
        // SAFETY: waker rule 2, as above.
        let replaced = self.waker.with_mut(|slot| unsafe { (*slot).replace(new) });
        // Release: publishes the new waker to the counterpart whose
        // `try_select` CAS (Acquire) moves the state on from here.
        self.state.store(WAITING, Ordering::Release);
        // The old waker's drop is foreign code too: after the window.
        drop(replaced);
    }

    /// Owner side: moves the token from `WAITING` to `UPDATING`; `false`
    /// if a counterpart selected it.
    fn begin_update(&self) -> bool {
        // Exclusion comes from the CAS itself: a counterpart's CAS can
        // succeed only from `WAITING`, so not while we hold `UPDATING`,
        // and every counterpart access to the cell follows a successful
        // CAS of its own. Acquire is not needed for that; it is kept so
        // that the cell access below reads as ordered after the CAS.
        self.state
            .compare_exchange(WAITING, UPDATING, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
    }

    /// Counterpart side, after a successful `try_select` and outside any
    /// channel lock: wakes the owner.
    pub(crate) fn wake(&self) {
        // SAFETY: waker rule 3: our `try_select` succeeded, and we hold a
        // reference to the token.
        let waker = self.waker.with_mut(|slot| unsafe { (*slot).take() });
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token")
            .field("state", &self.state.load(Ordering::Relaxed))
            .finish()
    }
}

/// One registration of a waiting operation in one channel's wait queue.
pub(crate) struct Entry<T> {
    token: Arc<Token>,
    arm: usize,
    /// The channel's number inside a simulation (0 outside one), named in
    /// the report of a wake from outside the simulation.
    channel: u64,
    /// The value a waiting sender offers (rendezvous and bounded), or the
    /// value handed to a waiting rendezvous receiver. See "Who may touch a
    /// slot".
    slot: UnsafeCell<Option<T>>,
}

// SAFETY: an `Entry` moves a `T` between threads through `slot`, so it is
// `Send`/`Sync` when `T: Send`; concurrent access to `slot` is excluded by
// the protocol in the module docs, and `token` is `Sync`.
unsafe impl<T: Send> Send for Entry<T> {}
// SAFETY: as above: `&Entry` only reaches `slot` under the protocol's
// exclusion rules, never concurrently.
unsafe impl<T: Send> Sync for Entry<T> {}

impl<T> Entry<T> {
    /// A registration of `token`'s operation for `arm`, with `value` (a
    /// waiting rendezvous sender's offer) in the slot.
    pub(crate) fn new(token: Arc<Token>, arm: usize, channel: u64, value: Option<T>) -> Arc<Self> {
        Arc::new(Entry {
            token,
            arm,
            channel,
            slot: UnsafeCell::new(value),
        })
    }

    /// The shared token.
    pub(crate) fn token(&self) -> &Arc<Token> {
        &self.token
    }

    /// Whether this entry belongs to the operation owning `token`.
    pub(crate) fn belongs_to(&self, token: &Token) -> bool {
        std::ptr::eq(Arc::as_ptr(&self.token), token)
    }

    /// Counterpart side: claims this entry's operation for its arm.
    pub(crate) fn try_select(&self) -> bool {
        self.token.try_select(self.arm)
    }

    /// Takes the value out of the slot.
    ///
    /// # Safety
    ///
    /// The caller has exclusive access to the slot under one of the four
    /// rules of "Who may touch a slot" in the module docs.
    pub(crate) unsafe fn take(&self) -> Option<T> {
        // SAFETY: exclusive access is the caller's contract.
        self.slot.with_mut(|slot| unsafe { (*slot).take() })
    }

    /// Puts `value` in the (empty) slot.
    ///
    /// # Safety
    ///
    /// As for [`Entry::take`].
    pub(crate) unsafe fn put(&self, value: T) {
        // SAFETY: exclusive access is the caller's contract.
        self.slot.with_mut(|slot| unsafe {
            debug_assert!((*slot).is_none(), "hoare: a waiter slot was filled twice");
            *slot = Some(value);
        })
    }
}

/// Runs `wake` on each of `items`, all of them even if one panics: a
/// waker's `wake` is foreign code, and a waiter that a close has already
/// selected (or an inline waiter it has already closed) sleeps for ever if
/// it is not woken. The first panic is resumed once every item was woken.
pub(crate) fn wake_each<I: IntoIterator>(items: I, mut wake: impl FnMut(I::Item)) {
    let mut first_panic = None;
    for item in items {
        let woken = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| wake(item)));
        if let Err(panic) = woken {
            first_panic.get_or_insert(panic);
        }
    }
    if let Some(panic) = first_panic {
        std::panic::resume_unwind(panic);
    }
}

/// Wakes `token`'s owner on behalf of `channel` (named to the simulation,
/// which reports a wake from outside it).
fn wake_from(token: &Token, channel: u64) {
    wake_naming(channel, || token.wake());
}

/// Runs `wake` on behalf of `channel`, named to the simulation when the
/// channel has a number in one (not 0).
fn wake_naming(channel: u64, wake: impl FnOnce()) {
    if channel == 0 {
        wake();
    } else {
        crate::runtime::hooks::waking_from_channel(channel, wake);
    }
}

/// What a [`WaitQueue`] holds for one waiting operation.
pub(crate) trait Waiter: Sized {
    /// A registration claimed by a counterpart, to wake once the queue's
    /// lock is released.
    type Claimed;
    /// Counterpart side: claims the operation this registration stands
    /// for (a token's [`Token::try_select`]; an inline waiter is marked
    /// notified, or closed if `closing`, and gives up its waker). `None`
    /// if the operation completed elsewhere or withdrew: the registration
    /// is stale and is dropped.
    ///
    /// # Safety
    ///
    /// The caller holds the lock of the queue that held `self` and took
    /// it out of the queue under the same lock hold.
    unsafe fn claim(self, closing: bool) -> Option<Self::Claimed>;
    /// Wakes the owner of a claimed registration, after unlocking.
    fn wake(claimed: Self::Claimed);
    /// Whether this registration belongs to the operation owning `token`.
    fn of_token(&self, token: &Token) -> bool;
}

impl<T> Waiter for Arc<Entry<T>> {
    type Claimed = Self;

    unsafe fn claim(self, _closing: bool) -> Option<Self> {
        self.try_select().then_some(self)
    }

    fn wake(entry: Self) {
        wake_from(&entry.token, entry.channel);
    }

    fn of_token(&self, token: &Token) -> bool {
        self.belongs_to(token)
    }
}

/// A waiting receive on a buffered channel, held in the queue by value
/// (it needs no slot: a woken receive takes the message from the channel
/// itself), so registering allocates nothing.
pub(crate) enum Registration {
    /// A select arm (or a receiver's stream) waiting under a token.
    Token {
        token: Arc<Token>,
        arm: usize,
        /// The channel's number, named to a simulation by the wake.
        channel: u64,
    },
    /// A plain `recv` future waiting inside itself (see
    /// [`super::inline_waiter`]); the queue's lock is the waiter's
    /// channel lock.
    Inline {
        waiter: InlineRef<()>,
        /// As for `Token`.
        channel: u64,
    },
}

impl Registration {
    /// A registration of `token`'s operation for `arm` on `channel`.
    pub(crate) fn new(token: &Arc<Token>, arm: usize, channel: u64) -> Self {
        Registration::Token {
            token: token.clone(),
            arm,
            channel,
        }
    }
}

/// A claimed [`Registration`]: what to wake after unlocking.
pub(crate) enum ClaimedRegistration {
    Token(Arc<Token>, u64),
    Inline(Option<Waker>, u64),
}

impl Waiter for Registration {
    type Claimed = ClaimedRegistration;

    unsafe fn claim(self, closing: bool) -> Option<ClaimedRegistration> {
        match self {
            Registration::Token {
                token,
                arm,
                channel,
            } => token
                .try_select(arm)
                .then_some(ClaimedRegistration::Token(token, channel)),
            Registration::Inline { waiter, channel } => {
                // SAFETY: the caller holds the queue's lock and took the
                // pointer out of the queue: the waiter is `WAITING` (only
                // a transition under this lock takes it out of `WAITING`,
                // together with its pointer), so its owner keeps it alive
                // and in place.
                let waker = unsafe {
                    if closing {
                        waiter.close()
                    } else {
                        waiter.notify()
                    }
                };
                Some(ClaimedRegistration::Inline(waker, channel))
            }
        }
    }

    fn wake(claimed: ClaimedRegistration) {
        match claimed {
            ClaimedRegistration::Token(token, channel) => wake_from(&token, channel),
            ClaimedRegistration::Inline(waker, channel) => wake_inline(waker, channel),
        }
    }

    fn of_token(&self, owner: &Token) -> bool {
        matches!(self, Registration::Token { token, .. } if std::ptr::eq(&**token, owner))
    }
}

/// Wakes the owner of a claimed inline waiter with the waker taken out of
/// it, after unlocking.
fn wake_inline(waker: Option<Waker>, channel: u64) {
    debug_assert!(
        waker.is_some(),
        "hoare: a waiting plain operation without a waker"
    );
    if let Some(waker) = waker {
        wake_naming(channel, || waker.wake());
    }
}

/// A waiting send on a ring: a select arm's [`Entry`], which offers its
/// value in the entry's slot, or a plain `send` future's inline waiter,
/// which offers it in the waiter's slot. A receive that frees a place
/// moves the first one's offer into the ring
/// ([`WaitQueue::hand_off_first_after_seqcst_rmw`]).
pub(crate) enum SendRegistration<T> {
    Entry(Arc<Entry<T>>),
    /// A plain `send` future waiting inside itself (see
    /// [`super::inline_waiter`]); the queue's lock is the waiter's channel
    /// lock.
    Inline {
        waiter: InlineRef<T>,
        /// The channel's number, named to a simulation by the wake.
        channel: u64,
    },
}

/// A claimed [`SendRegistration`]: what to wake after unlocking.
pub(crate) enum ClaimedSend<T> {
    Entry(Arc<Entry<T>>),
    Inline(Option<Waker>, u64),
}

impl<T> Waiter for SendRegistration<T> {
    type Claimed = ClaimedSend<T>;

    unsafe fn claim(self, closing: bool) -> Option<ClaimedSend<T>> {
        match self {
            SendRegistration::Entry(entry) => {
                entry.try_select().then_some(ClaimedSend::Entry(entry))
            }
            SendRegistration::Inline { waiter, channel } => {
                // SAFETY: as for `Registration::Inline`: under the queue's
                // lock, taken out of the queue, so `WAITING`. Its offer
                // stays in its slot: closed, the owner fails with it;
                // notified, it tries again.
                let waker = unsafe {
                    if closing {
                        waiter.close()
                    } else {
                        waiter.notify()
                    }
                };
                Some(ClaimedSend::Inline(waker, channel))
            }
        }
    }

    fn wake(claimed: ClaimedSend<T>) {
        match claimed {
            ClaimedSend::Entry(entry) => wake_from(&entry.token, entry.channel),
            ClaimedSend::Inline(waker, channel) => wake_inline(waker, channel),
        }
    }

    fn of_token(&self, token: &Token) -> bool {
        matches!(self, SendRegistration::Entry(entry) if entry.belongs_to(token))
    }
}

/// A queue entry that can stand for an [`InlineWaiter<X>`]: a buffered
/// channel's waiting receive (`X = ()`) or a ring's waiting send (`X = T`,
/// the offer).
pub(crate) trait InlineEntry<X>: Waiter {
    /// The entry for `waiter`, waiting on channel number `channel`.
    fn inline(waiter: InlineRef<X>, channel: u64) -> Self;
    /// Whether this entry stands for `waiter`.
    fn is_inline(&self, waiter: &InlineWaiter<X>) -> bool;
}

impl InlineEntry<()> for Registration {
    fn inline(waiter: InlineRef<()>, channel: u64) -> Self {
        Registration::Inline { waiter, channel }
    }

    fn is_inline(&self, waiter: &InlineWaiter<()>) -> bool {
        matches!(self, Registration::Inline { waiter: pointer, .. } if pointer.points_at(waiter))
    }
}

impl<T> InlineEntry<T> for SendRegistration<T> {
    fn inline(waiter: InlineRef<T>, channel: u64) -> Self {
        SendRegistration::Inline { waiter, channel }
    }

    fn is_inline(&self, waiter: &InlineWaiter<T>) -> bool {
        matches!(self, SendRegistration::Inline { waiter: pointer, .. } if pointer.points_at(waiter))
    }
}

/// A FIFO of waiting operations for a buffered channel: receivers waiting
/// for a message, or senders waiting for room.
///
/// `is_empty` mirrors the queue so the common case (nobody waiting) costs
/// a counterpart one load instead of a lock. The race it must not lose is
/// the classic store-buffer one: a waiter stores "registered" then loads
/// the channel state, while a counterpart stores the channel state (a new
/// message) then loads `is_empty`. A `SeqCst` fence sits between the store
/// and the load on both sides ([`WaitQueue::register`] ends with one,
/// [`WaitQueue::notify_one`] starts with one; a counterpart whose store
/// was a `SeqCst` read-modify-write needs none,
/// [`WaitQueue::notify_one_after_seqcst_rmw`]), so at least one side sees
/// the other: either the counterpart sees the registration and notifies,
/// or the waiter's re-check sees the new state and does not sleep.
pub(crate) struct WaitQueue<W> {
    entries: Mutex<Fifo<W>>,
    is_empty: AtomicBool,
}

impl<W: Waiter> WaitQueue<W> {
    /// An empty queue.
    pub(crate) fn new() -> Self {
        WaitQueue {
            entries: Mutex::new(Fifo::new()),
            is_empty: AtomicBool::new(true),
        }
    }

    /// Appends `entry`. The caller re-checks the channel state afterwards.
    pub(crate) fn register(&self, entry: W) {
        self.register_at(entry, false);
    }

    /// [`register`](Self::register), at the front of the queue when `first`
    /// (a bounded channel's sender whose hand-off failed keeps its place).
    pub(crate) fn register_at(&self, entry: W, first: bool) {
        let mut entries = self.entries.lock();
        if first {
            entries.push_front(entry);
        } else {
            entries.push_back(entry);
        }
        // SeqCst: the store half of the waiter's side of the store-buffer
        // race described on the type.
        self.is_empty.store(false, Ordering::SeqCst);
        drop(entries);
        // Orders the store above before the caller's re-check loads; pairs
        // with the fence in `notify_one`.
        fence(Ordering::SeqCst);
    }

    /// Registers `entry` (an operation of `token`), then re-checks the
    /// channel with `ready`, as the store-buffer race described on the type
    /// requires: if the operation could proceed after all, withdraws the
    /// entry again. `true` if it stays registered.
    pub(crate) fn register_unless(
        &self,
        entry: W,
        token: &Token,
        ready: impl FnOnce() -> bool,
    ) -> bool {
        self.register(entry);
        if ready() {
            self.unregister(token);
            return false;
        }
        true
    }

    /// Whether some operation may be waiting (a snapshot; entries of
    /// operations that completed elsewhere may still count).
    pub(crate) fn has_waiters(&self) -> bool {
        // SeqCst: one order with `register`'s store; a snapshot anyway.
        !self.is_empty.load(Ordering::SeqCst)
    }

    /// Removes every entry of the operation owning `token`.
    pub(crate) fn unregister(&self, token: &Token) {
        // SeqCst: a stale `true` would only skip work on an empty queue.
        if self.is_empty.load(Ordering::SeqCst) {
            return;
        }
        self.unregister_synced(token);
    }

    /// Selects and wakes the first entry whose token can still be
    /// selected (entries of completed or withdrawn operations are dropped
    /// on the way).
    #[inline]
    pub(crate) fn notify_one(&self) {
        // Orders the caller's channel-state store before the load below;
        // pairs with the fence in `register`.
        fence(Ordering::SeqCst);
        // SeqCst: the load half of the counterpart's side of the
        // store-buffer race.
        if self.is_empty.load(Ordering::SeqCst) {
            return;
        }
        self.select_first();
    }

    /// [`notify_one`](Self::notify_one) for a counterpart whose store half of
    /// the race was a `SeqCst` read-modify-write (the unbounded channel's
    /// reservation of `tail`, the ring's claim of `tail` or `head`), which the
    /// waiter's re-check loads with `SeqCst`. No fence is needed then: the
    /// waiter's side is a `SeqCst` store, a `SeqCst` fence and a `SeqCst` load,
    /// this side a `SeqCst` read-modify-write and a `SeqCst` load, and the
    /// C++20 model Rust follows puts all of them in one total order S
    /// consistent with program order ([atomics.order]/4), in which the two
    /// loads cannot both come before the other side's store: at least one side
    /// sees the other. In full: say the sender's reservation `Ws` (on `tail`)
    /// and load `Rs` (of `is_empty`), the waiter's store `Wr` (of `is_empty`)
    /// and re-check `Rr` (of `tail`) both miss. `Rr` reads a `tail` before
    /// `Ws`, so it is coherence-ordered before `Ws`, and both being `SeqCst`,
    /// `Rr` precedes `Ws` in S; likewise `Rs` precedes `Wr`. Program order
    /// gives `Ws` before `Rs` and `Wr` before `Rr`: the cycle `Ws < Rs < Wr <
    /// Rr < Ws` in S, which cannot be. Nothing between the reservation and the
    /// load matters (the slot's write, a block's installation, a ring slot's
    /// stamp): a re-check that sees the reservation waits for the write. No
    /// test can show this; the argument is the check. On x86 this saves a
    /// locked instruction per send (the read-modify-write is locked either
    /// way). loom models `SeqCst` accesses as acquire/release
    /// (tokio-rs/loom#180), so under loom the fence stays and the models
    /// check that form of the same protocol.
    #[inline]
    pub(crate) fn notify_one_after_seqcst_rmw(&self) {
        #[cfg(loom)]
        fence(Ordering::SeqCst);
        // SeqCst: the load half of this side of the store-buffer race.
        if self.is_empty.load(Ordering::SeqCst) {
            return;
        }
        self.select_first();
    }

    /// The rest of [`notify_one`](Self::notify_one), once the queue
    /// looked non-empty: out of line, so the common case (nobody waiting)
    /// stays a fence and a load in the caller.
    #[inline(never)]
    fn select_first(&self) {
        let chosen = {
            let mut entries = self.entries.lock();
            let mut chosen = None;
            while let Some(entry) = entries.pop_front() {
                // SAFETY: under the lock, taken out of the queue.
                if let Some(claimed) = unsafe { entry.claim(false) } {
                    chosen = Some(claimed);
                    break;
                }
            }
            self.is_empty.store(entries.is_empty(), Ordering::SeqCst);
            chosen
        };
        if let Some(claimed) = chosen {
            W::wake(claimed);
        }
    }

    /// Waits until no counterpart is inside this queue's critical section
    /// (takes and releases the lock): after it, a counterpart that selected
    /// one of our entries has finished with the entry's slot.
    pub(crate) fn sync(&self) {
        drop(self.entries.lock());
    }

    /// [`unregister`](Self::unregister), always taking the lock, so that a
    /// counterpart that popped the entry meanwhile has finished with it.
    pub(crate) fn unregister_synced(&self, token: &Token) {
        let mut entries = self.entries.lock();
        entries.retain(|entry| !entry.of_token(token));
        self.is_empty.store(entries.is_empty(), Ordering::SeqCst);
    }

    /// Selects and wakes every waiting entry (the channel closed).
    pub(crate) fn notify_all(&self) {
        let drained: Vec<_> = {
            let mut entries = self.entries.lock();
            self.is_empty.store(true, Ordering::SeqCst);
            entries
                .take_all()
                // SAFETY: under the lock, taken out of the queue.
                .filter_map(|entry| unsafe { entry.claim(true) })
                .collect()
        };
        wake_each(drained, W::wake);
    }
}

/// # Plain operations waiting inline
///
/// A plain `recv` future on a buffered channel, and a plain `send` future
/// on a ring, wait with an [`InlineWaiter`] inside themselves, registered
/// here as [`Registration::Inline`] or [`SendRegistration::Inline`]: the
/// waiter protocol of [`super::inline_waiter`], with this queue's lock as
/// the channel lock (every move into or out of `WAITING` happens under
/// it). A send notifies a waiting receive (`NOTIFIED`) and the owner
/// receives again from the channel; a receive that frees a place moves a
/// waiting send's offer into the ring and completes it (`DONE`,
/// [`WaitQueue::hand_off_first_after_seqcst_rmw`]); a close marks either
/// `CLOSED`. No token, no `Arc`: a wait and its wake-up each take this
/// lock once.
impl<W> WaitQueue<W> {
    /// Owner side: registers `waiter` (offering `offer`: a send's value,
    /// `None` for a receive) to be woken through `waker`, at the front if
    /// `first` (a notified receive that lost the value to a faster one,
    /// or a notified send, keeps its place), then re-checks the channel
    /// with `ready`, as the store-buffer race described on the type
    /// requires; if the operation could proceed after all, withdraws it.
    /// `true` if it stays registered. `waker` was cloned before the lock
    /// (a foreign waker's clone is foreign code).
    ///
    /// # Safety
    ///
    /// `waiter` is idle with an empty slot, pinned, serves this queue
    /// only, and its owner withdraws it ([`Self::withdraw_inline`]) before
    /// freeing it while it waits.
    pub(crate) unsafe fn register_inline_unless<X>(
        &self,
        waiter: &InlineWaiter<X>,
        offer: Option<X>,
        waker: Waker,
        channel: u64,
        first: bool,
        ready: impl FnOnce() -> bool,
    ) -> bool
    where
        W: InlineEntry<X>,
    {
        {
            let mut entries = self.entries.lock();
            // SAFETY: we hold the queue's lock, the waiter is idle and
            // pinned (the caller's contract).
            unsafe { waiter.register(offer, waker) };
            let entry = W::inline(waiter.as_ref(), channel);
            if first {
                entries.push_front(entry);
            } else {
                entries.push_back(entry);
            }
            // SeqCst: as in `register_at`.
            self.is_empty.store(false, Ordering::SeqCst);
        }
        // As in `register_at`: pairs with the fence in `notify_one`.
        fence(Ordering::SeqCst);
        if ready() {
            self.withdraw_inline(waiter);
            return false;
        }
        true
    }

    /// Owner side: takes `waiter` out of the queue if it still waits (it
    /// is idle then, its waker dropped after unlocking); if a counterpart
    /// claimed it first, leaves the outcome (`NOTIFIED`, `CLOSED`) for
    /// the caller to observe.
    pub(crate) fn withdraw_inline<X>(&self, waiter: &InlineWaiter<X>)
    where
        W: InlineEntry<X>,
    {
        if waiter.observe() != Observed::Waiting {
            return;
        }
        {
            let mut entries = self.entries.lock();
            if waiter.observe() != Observed::Waiting {
                return;
            }
            entries.retain(|entry| !entry.is_inline(waiter));
            self.is_empty.store(entries.is_empty(), Ordering::SeqCst);
            // SAFETY: under the lock, removed from the queue.
            unsafe { waiter.unlink() };
        }
        // SAFETY: rule 1 of the inline waiter: idle, in no queue. Its drop
        // is foreign code: outside the lock.
        drop(unsafe { waiter.take_waker() });
    }

    /// Owner side, polled while `waiter` waits: keeps the newest waker
    /// (the owner may have moved to another task's waker), under this
    /// queue's lock. `false` if a counterpart claimed the waiter
    /// meanwhile: the caller observes it.
    pub(crate) fn keep_newest_waker<X>(&self, waiter: &InlineWaiter<X>, waker: &Waker) -> bool {
        waiter.keep_newest_waker(|| self.entries.lock(), waker)
    }
}

impl<T> WaitQueue<SendRegistration<T>> {
    /// After a receive freed a place in the ring (with a `SeqCst`
    /// read-modify-write of `head`, as in
    /// [`notify_one_after_seqcst_rmw`](Self::notify_one_after_seqcst_rmw)):
    /// moves the first waiting send's offer into the ring with `push`,
    /// under this queue's lock, and wakes that send after unlocking.
    /// `true` if an offer was moved in.
    ///
    /// * A select arm's entry is selected first, then its offer moved
    ///   (slot rule 4). If `push` fails (a send that never waited took the
    ///   place in between, or the channel closed), the offer goes back in
    ///   the entry and the selected arm, woken, finds it there and
    ///   registers again at the front.
    /// * A plain send's inline waiter is `WAITING` while it is in the
    ///   queue, and we hold the lock (rule 2 of the inline waiter): its
    ///   offer is taken and pushed, and only a push that succeeds
    ///   completes it (`DONE`). If `push` fails, the offer goes back in its
    ///   slot and the waiter back at the front of the queue, still
    ///   waiting, with no wake-up: the ring is full again, so the next
    ///   receive hands off again, or closed, and the close wakes it.
    pub(crate) fn hand_off_first_after_seqcst_rmw(
        &self,
        push: impl FnOnce(T) -> Result<(), T>,
    ) -> bool {
        #[cfg(loom)]
        fence(Ordering::SeqCst);
        // SeqCst: the load half of this side of the store-buffer race, as
        // in `notify_one_after_seqcst_rmw`.
        if self.is_empty.load(Ordering::SeqCst) {
            return false;
        }
        self.hand_off_first(push)
    }

    /// The rest of [`Self::hand_off_first_after_seqcst_rmw`], out of line.
    #[inline(never)]
    fn hand_off_first(&self, push: impl FnOnce(T) -> Result<(), T>) -> bool {
        let mut moved = false;
        let chosen = {
            let mut entries = self.entries.lock();
            let mut chosen = None;
            while let Some(entry) = entries.pop_front() {
                match entry {
                    SendRegistration::Entry(entry) => {
                        if !entry.try_select() {
                            // Completed elsewhere or withdrawn: stale.
                            continue;
                        }
                        // SAFETY: rule 4: we selected the entry and hold
                        // the queue's lock; the owner reads the slot only
                        // after taking that lock.
                        if let Some(value) = unsafe { entry.take() } {
                            match push(value) {
                                Ok(()) => moved = true,
                                // SAFETY: as above.
                                Err(value) => unsafe { entry.put(value) },
                            }
                        }
                        chosen = Some(ClaimedSend::Entry(entry));
                    }
                    SendRegistration::Inline { waiter, channel } => {
                        // SAFETY: under the queue's lock, taken out of the
                        // queue: `WAITING`, so its owner keeps it in place.
                        match unsafe { waiter.offer_into(push) } {
                            Ok(waker) => {
                                moved = true;
                                chosen = Some(ClaimedSend::Inline(waker, channel));
                            }
                            // Its offer back in its slot: still waiting,
                            // first in line.
                            Err(waiter) => {
                                entries.push_front(SendRegistration::Inline { waiter, channel })
                            }
                        }
                    }
                }
                break;
            }
            self.is_empty.store(entries.is_empty(), Ordering::SeqCst);
            chosen
        };
        if let Some(claimed) = chosen {
            SendRegistration::wake(claimed);
        }
        moved
    }
}
