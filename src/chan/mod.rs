//! Typed channels: rendezvous, bounded and unbounded, MPMC.
//!
//! ```
//! use hoare::chan;
//!
//! let (tx, rx) = chan::bounded::<&str>(0); // a rendezvous channel
//! let sender = std::thread::spawn(move || tx.send_blocking("hello").unwrap());
//! assert_eq!(rx.recv_blocking(), Ok("hello"));
//! sender.join().unwrap();
//! ```
//!
//! # Flavours
//!
//! One [`Sender`]/[`Receiver`] pair fronts three implementations:
//!
//! * [`bounded(0)`](bounded): **rendezvous** (`zero.rs`). A send completes
//!   when a receive takes its value: the two meet.
//! * [`bounded(1)`](bounded), [`bounded(2)`](bounded): the same locked
//!   state with a **small buffer** of `n` values (`zero.rs`, Go's `hchan`
//!   shape): a send buffers its value and wakes the oldest waiting
//!   receive, a receive that frees a place refills it from the first
//!   waiting sender.
//! * [`bounded(n)`](bounded), `n > 2`: a **ring** of `n` slots
//!   (`array.rs`), lock-free on the fast path, head and tail cache-padded.
//! * [`unbounded()`](unbounded): a lock-free queue of linked blocks of 31
//!   slots (`list.rs`), one allocation per block; sends never wait.
//!
//! Waiting is the same for all of them: an operation that cannot proceed
//! registers an entry carrying a token in the channel's wait queue, and a
//! counterpart must win the token to complete it (`waiter.rs` states the
//! protocol). That is what lets a `select!` wait on many channels and be
//! completed by exactly one counterpart. The one exception is a plain
//! `send`/`recv` future on a rendezvous or small channel (`bounded(n)`,
//! `n <= 2`): it waits inside itself, and the channel's lock alone decides
//! who completes it (`inline_waiter.rs`). Those two futures are therefore `!Unpin`: pin
//! them (`std::pin::pin!`, `Box::pin`) to poll them by hand.
//!
//! # Semantics
//!
//! * **Order.** Messages from one sender arrive in the order sent; waiting
//!   receivers and waiting senders are served in the order they started
//!   waiting. On a bounded channel, a receive that frees a slot while
//!   senders wait moves the first waiting sender's value into it at once
//!   (Go's rule), so the room goes to the senders that waited for it, not
//!   to a later `try_send`. (A send racing the receive itself can take the
//!   slot in the instant before the hand-off; the waiting sender then
//!   waits again at the head of the queue.) A sender whose value was moved
//!   has sent, even if its future is dropped before it is polled again.
//!   One exception, on rendezvous channels (`bounded(0)`, where a send
//!   hands its value straight to a waiting receive): a receive that was
//!   handed a value and is then dropped before returning it (cancelled by
//!   a timeout, or a losing `select!` branch) gives the value back to the
//!   channel, and messages received in the meantime, or given back by
//!   other such receives dropped earlier, may come before it. Buffered
//!   channels hand nothing to a waiting receive: a send buffers its value
//!   and wakes the receive, which takes it from the buffer, so a dropped
//!   receive never holds a message and a buffered channel never holds
//!   more than its capacity.
//! * **Close.** [`Sender::close`], [`Receiver::close`], or the drop of the
//!   last `Sender` closes the channel: sends fail with their value, and
//!   receivers get every buffered message, then `Err(RecvError)`. The drop
//!   of the last `Receiver` closes it too and drops the buffered messages.
//! * **Nothing lost, nothing doubled.** Every message sent successfully is
//!   received exactly once or dropped exactly once with the channel, even
//!   when `send`/`recv` futures or selects are dropped mid-wait. A value
//!   handed to a receive that is then dropped goes to the next waiting
//!   receiver or stays buffered (`len()` counts it, and may then exceed
//!   the capacity for a while).
//! * **No runtime needed.** Channels work in hoare processes, in other
//!   executors' tasks, and from OS threads through the `_blocking` methods,
//!   all mixed on one channel.

mod array;
pub(crate) mod choice;
mod closed;
mod error;
mod fifo;
#[cfg(test)]
mod footprint;
mod handles;
mod inline_waiter;
mod iter;
mod keeping;
mod list;
mod many;
pub(crate) mod operation;
mod queued;
mod receiver_word;
pub(crate) mod selection;
mod spaced;
mod timed;
pub(crate) mod waiter;
mod weak;
mod zero;

use std::fmt;
use std::future::Future;
use std::mem::ManuallyDrop;
use std::num::NonZeroUsize;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::stream::{FusedStream, Stream};

pub use error::{
    RecvError, RecvTimeoutError, SendError, SendTimeoutError, TryRecvError, TrySendError,
};
pub use iter::{IntoIter, TryIter};
pub use weak::WeakSender;

use crate::runtime::block_on::run_parked_operation;
use crate::runtime::context::assert_may_block;
use crate::runtime::context::enter_blocking;
use crate::runtime::task::wait_slot::{self, pack_channel};
use crate::runtime::wait::{ChannelFacts, ChannelKind, Wait};
#[cfg(not(loom))]
use crate::runtime::watched_channels;
use crate::sync::{Arc, BLOCKING_SPINS};
use inline_waiter::{InlineWaiter, Observed};
use keeping::KeepingRecv;
use operation::RecvArm;
use receiver_word::{ReceiverWord, StreamState};
use selection::One;

/// The implementation behind a channel.
///
/// The enum is as large and as aligned as its largest variant, and every
/// channel pays for it in its `Arc`. The ring and the linked list keep
/// their head and tail at least 128 bytes apart (`spaced.rs`: some 300
/// to 400 bytes each), so they are boxed: inline, they would make every
/// channel, a rendezvous one included, that much larger where it needs
/// about 240 bytes. The price is one more
/// pointer to follow on their operations, a load that hits the same cache
/// line every time. The locked state of rendezvous and small channels
/// sits inline.
pub(crate) enum Flavour<T> {
    /// `bounded(n)`, `n <= zero::SMALL_CAPACITY`: one lock over the
    /// waiters and a buffer of `n` values.
    Zero(zero::Rendezvous<T>),
    /// `bounded(n)`, `n > zero::SMALL_CAPACITY`.
    Array(Box<array::Ring<T>>),
    /// `unbounded()`.
    List(Box<list::Linked<T>>),
}

/// What every handle of one channel shares.
///
/// `repr(C)`, in this order: the flavour, which every operation touches,
/// stays at the offset it had before the registry's link was added (40
/// bytes in), after the few words a wait reads and nobody writes.
#[repr(C)]
pub(crate) struct Channel<T> {
    /// The channel's number, unique within its domain (see `domain`), as
    /// waits on the channel name it (dumps, reports) with its kind
    /// ([`Channel::facts`]).
    id: u64,
    /// The id and kind packed for a wait slot (`ChannelFacts::packed`),
    /// computed once: a wait that returns `Pending` stores this word.
    packed: Option<NonZeroUsize>,
    /// The channel's place in the dumps' registry of channels waited on
    /// (`runtime::watched_channels`): listed by the first wait on it. Not
    /// under loom: no model takes a dump.
    #[cfg(not(loom))]
    link: watched_channels::Link,
    pub(crate) flavour: Flavour<T>,
    /// Live `Sender`s and `Receiver`s: the last sender to go closes the
    /// channel, the last receiver closes and drains it.
    handles: handles::Handles,
    /// Pending `Sender::closed` futures, woken by the close.
    close_waiters: closed::CloseWaiters,
    /// The numbering `id` belongs to (`runtime::hooks::domain` where the
    /// channel was made): 0 outside a simulation, else the simulation's.
    domain: u64,
}

impl<T> Drop for Channel<T> {
    fn drop(&mut self) {
        // Before any field is dropped: from here on no dump may probe it.
        #[cfg(not(loom))]
        watched_channels::unlist(&self.link);
    }
}

/// Runs `attempt` until it gives an outcome (`Ok`), at most
/// `BLOCKING_SPINS + 1` times (the facade decides how many; one extra try
/// under loom), handing what a failed try gave back (`Err`) to the next
/// one and finally to the caller. Between tries it pauses
/// (`sync::blocking_pause`): doubling busy-waits, cut short once `ready`
/// (a look without the lock; `|| false` where there is none) says the
/// next try may succeed, then yields of the core (the counterpart may
/// share it). A receiver on another core usually frees room (or a sender
/// delivers) within a microsecond, while registering, parking and being
/// woken costs both sides several. Gives up early once `others_wait`:
/// what comes next belongs to them.
fn spin<S, R>(
    mut state: S,
    mut attempt: impl FnMut(S) -> Result<R, S>,
    others_wait: impl Fn() -> bool,
    ready: impl Fn() -> bool,
) -> Result<R, S> {
    for round in 0..=BLOCKING_SPINS {
        state = match attempt(state) {
            Ok(outcome) => return Ok(outcome),
            Err(state) => state,
        };
        if round == BLOCKING_SPINS || others_wait() {
            break;
        }
        crate::sync::blocking_pause(round, &ready);
    }
    Err(state)
}

/// A try of a blocking send's spin: `Ok` with the outcome if the send
/// completed or the channel is closed, the value back if it is full.
fn outcome_of_try_send<T>(
    tried: Result<(), TrySendError<T>>,
) -> Result<Result<(), SendError<T>>, T> {
    match tried {
        Ok(()) => Ok(Ok(())),
        Err(TrySendError::Closed(back)) => Ok(Err(SendError(back))),
        Err(TrySendError::Full(back)) => Err(back),
    }
}

/// A try of a blocking receive's spin, as [`outcome_of_try_send`].
fn outcome_of_try_recv<T>(tried: Result<T, TryRecvError>) -> Result<Result<T, RecvError>, ()> {
    match tried {
        Ok(value) => Ok(Ok(value)),
        Err(TryRecvError::Closed) => Ok(Err(RecvError)),
        Err(TryRecvError::Empty) => Err(()),
    }
}

impl<T> Channel<T> {
    /// The first phase of `send_blocking`: on a buffered channel, tries the
    /// send a few times (see [`spin`]). `Ok` with the outcome if the send
    /// completed or the channel closed; `Err` with the value if the caller
    /// must wait. It stops as soon as a try finds other senders waiting:
    /// room freed now is theirs, in order. On the small locked channel a
    /// try first looks at the buffer without the lock
    /// (`zero::Rendezvous::looks_full`) and takes the lock only if the send
    /// may succeed; a try that only looked fails as `Full` and notes
    /// nothing, so the spin goes on. A rendezvous channel goes straight to
    /// waiting: a send there needs a receiver that is already waiting,
    /// which the wait finds.
    fn spin_send(&self, value: T) -> Result<Result<(), SendError<T>>, T> {
        let senders = match &self.flavour {
            Flavour::Zero(channel) if channel.capacity() == 0 => return Err(value),
            // The small channel notes whether senders wait under the lock
            // its try takes anyway.
            Flavour::Zero(channel) => {
                let others_wait = std::cell::Cell::new(false);
                return spin(
                    value,
                    |value| {
                        self.touch();
                        // A full buffer seen without the lock fails the
                        // try as a try under it would: the spin pauses and
                        // leaves the lock to the receive that makes room.
                        let tried = if channel.looks_full() {
                            Err(TrySendError::Full(value))
                        } else {
                            channel.try_send_noting(value, Some(&others_wait))
                        };
                        outcome_of_try_send(tried)
                    },
                    || others_wait.get(),
                    || !channel.looks_full(),
                );
            }
            Flavour::Array(channel) => Some(channel.senders()),
            Flavour::List(_) => None,
        };
        spin(
            value,
            |value| outcome_of_try_send(self.try_send(value)),
            || senders.is_some_and(|queue| queue.has_waiters()),
            || false,
        )
    }

    /// The first phase of `recv_blocking`, as [`Channel::spin_send`]:
    /// `Some` with the outcome, or `None` if the caller must wait. It stops
    /// as soon as a try finds other receivers waiting: the next message is
    /// theirs. On the small locked channel a try first looks at the buffer
    /// without the lock (`zero::Rendezvous::looks_empty`), as in
    /// `spin_send`.
    fn spin_recv(&self) -> Option<Result<T, RecvError>> {
        match &self.flavour {
            Flavour::Zero(channel) if channel.capacity() == 0 => return None,
            // As in `spin_send`.
            Flavour::Zero(channel) => {
                let others_wait = std::cell::Cell::new(false);
                return spin(
                    (),
                    |()| {
                        self.touch();
                        // As in `spin_send`: an empty buffer seen without
                        // the lock leaves the lock to the send that fills it.
                        let tried = if channel.looks_empty() {
                            Err(TryRecvError::Empty)
                        } else {
                            channel.try_recv_noting(Some(&others_wait))
                        };
                        outcome_of_try_recv(tried)
                    },
                    || others_wait.get(),
                    || !channel.looks_empty(),
                )
                .ok();
            }
            _ => {}
        }
        spin(
            (),
            |()| outcome_of_try_recv(self.try_recv()),
            || self.has_waiting_receivers(),
            || false,
        )
        .ok()
    }

    #[inline(always)]
    pub(crate) fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        self.touch();
        match &self.flavour {
            Flavour::Zero(channel) => channel.try_send(value),
            Flavour::Array(channel) => channel.try_send(value),
            Flavour::List(channel) => channel.try_send(value),
        }
    }

    #[inline(always)]
    pub(crate) fn try_recv(&self) -> Result<T, TryRecvError> {
        self.touch();
        match &self.flavour {
            Flavour::Zero(channel) => channel.try_recv(),
            Flavour::Array(channel) => channel.try_recv(),
            Flavour::List(channel) => channel.try_recv(),
        }
    }

    #[inline]
    pub(crate) fn version(&self) -> (usize, usize) {
        self.touch();
        match &self.flavour {
            Flavour::Zero(channel) => channel.version(),
            Flavour::Array(channel) => channel.version(),
            Flavour::List(channel) => channel.version(),
        }
    }

    fn close(&self) -> bool {
        self.touch();
        // The flavour's wake-ups run wakers, foreign code that may panic:
        // the `closed()` futures are woken all the same, then the panic
        // goes on to the caller (the close itself is done by then).
        let closed =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match &self.flavour {
                Flavour::Zero(channel) => channel.close(),
                Flavour::Array(channel) => channel.close(),
                Flavour::List(channel) => channel.close(),
            }));
        // A panic came from a wake-up, after the flavour was marked closed
        // by this call (a call that finds it closed wakes no one).
        if closed.as_ref().map_or(true, |closed_now| *closed_now) {
            self.close_waiters.wake_all();
        }
        match closed {
            Ok(closed_now) => closed_now,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    }

    fn discard_all(&self) {
        match &self.flavour {
            Flavour::Zero(channel) => channel.discard_all(),
            Flavour::Array(channel) => channel.discard_all(),
            Flavour::List(channel) => channel.discard_all(),
        }
    }

    fn is_closed(&self) -> bool {
        self.touch();
        match &self.flavour {
            Flavour::Zero(channel) => channel.is_closed(),
            Flavour::Array(channel) => channel.is_closed(),
            Flavour::List(channel) => channel.is_closed(),
        }
    }

    fn len(&self) -> usize {
        self.touch();
        self.flavour_len()
    }

    /// The number of buffered messages, without telling a host.
    fn flavour_len(&self) -> usize {
        match &self.flavour {
            Flavour::Zero(channel) => channel.len(),
            Flavour::Array(channel) => channel.len(),
            Flavour::List(channel) => channel.len(),
        }
    }

    fn capacity(&self) -> Option<usize> {
        match &self.flavour {
            Flavour::Zero(channel) => Some(channel.capacity()),
            Flavour::Array(channel) => Some(channel.capacity()),
            Flavour::List(_) => None,
        }
    }

    fn is_full(&self) -> bool {
        self.touch();
        match &self.flavour {
            Flavour::Zero(channel) => channel.len() >= channel.capacity(),
            Flavour::Array(channel) => channel.len() == channel.capacity(),
            Flavour::List(_) => false,
        }
    }

    /// Whether a receive or select waits on the channel (a snapshot).
    pub(crate) fn has_waiting_receivers(&self) -> bool {
        match (&self.flavour, self.receiver_queue()) {
            (Flavour::Zero(channel), _) => channel.has_waiting_receivers(),
            (_, Some(queue)) => queue.has_waiters(),
            (_, None) => false,
        }
    }

    /// The queue of waiting receives of a buffered channel (a rendezvous
    /// channel keeps its waiters under its own lock: `None`).
    pub(crate) fn receiver_queue(&self) -> Option<&waiter::WaitQueue<waiter::Registration>> {
        self.touch();
        match &self.flavour {
            Flavour::Zero(_) => None,
            Flavour::Array(channel) => Some(channel.receivers()),
            Flavour::List(channel) => Some(channel.receivers()),
        }
    }

    /// Lists the channel for dumps (see `runtime::watched_channels`), once:
    /// a wait is about to register on it. Its later waits pay one load.
    /// Not under loom: no model takes a dump.
    #[inline]
    pub(crate) fn watch(&self) {
        #[cfg(not(loom))]
        if !self.link.is_listed() {
            self.watch_first();
        }
    }

    #[cfg(not(loom))]
    #[cold]
    #[inline(never)]
    fn watch_first(&self) {
        // Derived from the whole channel, so that the probe may step back
        // from the link to the channel.
        let channel: *const Self = self;
        let link = channel
            .wrapping_byte_add(std::mem::offset_of!(Self, link))
            .cast::<watched_channels::Link>();
        // SAFETY: `link` is this channel's link, with the channel's
        // provenance; the channel sits in its `Arc` and never moves, and
        // its `Drop` unlists it before any field is dropped.
        unsafe { watched_channels::list(link) };
    }

    /// The registry's probe (`watched_channels::Probe`): the channel's
    /// domain, id and length.
    ///
    /// # Safety
    ///
    /// `link` is the `link` field of a `Channel<T>`, with provenance over
    /// the whole channel, and the channel has not begun to drop and cannot
    /// meanwhile (the registry's lock). It may be called on any thread,
    /// whatever `T`: it reads counters and never touches a message. It
    /// takes no lock of the channel (every flavour's `len` is lock-free):
    /// the registry's lock is taken by `watch` on paths that may hold a
    /// channel's lock, so a probe that took one could deadlock.
    #[cfg(not(loom))]
    unsafe fn probe(link: *const watched_channels::Link) -> watched_channels::Reading {
        let channel = link
            .wrapping_byte_sub(std::mem::offset_of!(Self, link))
            .cast::<Self>();
        // SAFETY: the caller's contract: `link` lies in a live channel.
        let channel = unsafe { &*channel };
        watched_channels::Reading {
            domain: channel.domain,
            id: channel.id,
            len: channel.flavour_len(),
        }
    }

    /// The channel's number.
    #[inline]
    pub(crate) fn id(&self) -> u64 {
        self.id
    }

    /// The channel as a wait names it (made on a wait's slow path, when it
    /// returns `Pending`): a copy of the packed word. It does not read the
    /// flavour, whose lines the channel's counterparts keep writing. Out
    /// of line: inlined into the operations' `poll`, the hottest code of a
    /// channel, its handful of instructions cost some 3-4% more CPU time
    /// per ping-pong round trip (measured).
    #[inline(never)]
    pub(crate) fn facts(&self) -> ChannelFacts {
        let outside = self.domain == 0;
        match self.packed {
            Some(packed) => ChannelFacts::packed(packed, outside),
            None => self.spelled_facts(),
        }
    }

    /// [`Channel::facts`] of a channel whose id and kind do not pack.
    #[cold]
    #[inline(never)]
    fn spelled_facts(&self) -> ChannelFacts {
        ChannelFacts::new(self.id, Channel::kind(&self.flavour)).made_outside(self.domain == 0)
    }

    /// Tells a listening host (the simulation's exploration) that the
    /// process being polled uses this channel.
    #[inline]
    pub(crate) fn touch(&self) {
        crate::runtime::hooks::touch(crate::runtime::hooks::Touched::Channel(self.id()));
    }

    /// The shape of a channel of `flavour`, as dumps and reports name it.
    fn kind(flavour: &Flavour<T>) -> ChannelKind {
        match flavour {
            Flavour::Zero(channel) if channel.capacity() == 0 => ChannelKind::Rendezvous,
            Flavour::Zero(channel) => ChannelKind::Bounded(channel.capacity()),
            Flavour::Array(channel) => ChannelKind::Bounded(channel.capacity()),
            Flavour::List(_) => ChannelKind::Unbounded,
        }
    }

    /// A short name for `Debug` output and reports.
    fn flavour_name(&self) -> &'static str {
        match &self.flavour {
            Flavour::Zero(channel) if channel.capacity() == 0 => "rendezvous",
            Flavour::Zero(_) => "bounded",
            Flavour::Array(_) => "bounded",
            Flavour::List(_) => "unbounded",
        }
    }
}

/// A channel of `flavour` numbered `id` (`runtime::hooks::next_channel_id`).
fn new_channel<T>(id: u64, flavour: Flavour<T>) -> (Sender<T>, Receiver<T>) {
    let shared = Arc::new(Channel {
        id,
        domain: crate::runtime::hooks::domain(),
        packed: pack_channel(id, Channel::kind(&flavour)),
        handles: handles::Handles::new(),
        close_waiters: closed::CloseWaiters::new(),
        #[cfg(not(loom))]
        link: watched_channels::Link::new(Channel::<T>::probe),
        flavour,
    });
    (
        Sender {
            shared: shared.clone(),
        },
        Receiver::from_shared(shared),
    )
}

/// A channel with room for `cap` buffered messages; `bounded(0)` is a
/// rendezvous channel, where each send meets a receive.
///
/// Every channel's shared block has room for one message inline (the
/// buffer of `bounded(1)`, the first of `bounded(2)`), so that a small
/// channel allocates nothing more and its hand-offs touch no memory
/// outside it: for messages of hundreds of bytes or more, send a `Box`.
///
/// # Panics
///
/// If a buffer of `cap` messages of type `T` would exceed `isize::MAX`
/// bytes, or the allocator cannot provide it; the message names the
/// capacity.
///
/// ```
/// let (tx, rx) = hoare::chan::bounded(2);
/// tx.try_send(1).unwrap();
/// tx.try_send(2).unwrap();
/// assert!(tx.try_send(3).unwrap_err().is_full());
/// assert_eq!(rx.try_recv(), Ok(1));
/// ```
#[track_caller]
pub fn bounded<T>(cap: usize) -> (Sender<T>, Receiver<T>) {
    if cap <= zero::SMALL_CAPACITY {
        let id = crate::runtime::hooks::next_channel_id();
        return new_channel(id, Flavour::Zero(zero::Rendezvous::new(id, cap)));
    }
    let slot_size = std::mem::size_of::<T>().max(1) + std::mem::size_of::<usize>();
    let fits = cap
        .checked_mul(slot_size)
        .is_some_and(|bytes| bytes <= isize::MAX as usize);
    assert!(
        fits,
        "hoare::chan::bounded({cap}): a buffer of {cap} messages of {} bytes each would exceed \
         isize::MAX bytes; use a smaller capacity or chan::unbounded()",
        std::mem::size_of::<T>()
    );
    match array::Ring::new(cap).map(|ring| Flavour::Array(Box::new(ring))) {
        Ok(flavour) => new_channel(crate::runtime::hooks::next_channel_id(), flavour),
        Err(error) => panic!(
            "hoare::chan::bounded({cap}): the buffer for {cap} messages of {} bytes each could \
             not be allocated ({error}); use a smaller capacity or chan::unbounded()",
            std::mem::size_of::<T>()
        ),
    }
}

/// A channel without a bound: sends never wait (they fail only once the
/// channel is closed). Its shared block has room for one message inline,
/// as every channel's (see [`bounded`]).
///
/// ```
/// let (tx, rx) = hoare::chan::unbounded();
/// for i in 0..1000 {
///     tx.try_send(i).unwrap();
/// }
/// assert_eq!(rx.len(), 1000);
/// ```
pub fn unbounded<T>() -> (Sender<T>, Receiver<T>) {
    new_channel(
        crate::runtime::hooks::next_channel_id(),
        Flavour::List(Box::new(list::Linked::new())),
    )
}

/// The sending half of a channel. Cloning makes another sender of the same
/// channel; the channel closes when the last one is dropped.
///
/// ```
/// let (tx, rx) = hoare::chan::unbounded();
/// let workers: Vec<_> = (0..3)
///     .map(|id| {
///         let tx = tx.clone();
///         std::thread::spawn(move || tx.send_blocking(id).unwrap())
///     })
///     .collect();
/// drop(tx); // the clones keep the channel open until they finish
/// workers.into_iter().for_each(|w| w.join().unwrap());
/// let mut ids: Vec<i32> = rx.iter().collect(); // ends when the last sender is gone
/// ids.sort();
/// assert_eq!(ids, [0, 1, 2]);
/// ```
pub struct Sender<T> {
    shared: Arc<Channel<T>>,
}

/// The receiving half of a channel. Cloning makes another receiver of the
/// same channel (each message goes to one of them); the channel closes and
/// drops its buffered messages when the last one is dropped.
///
/// A `Receiver` is also a [`Stream`] of messages that ends when the channel
/// is closed and empty; each clone has its own stream registration.
///
/// ```
/// let (tx, rx) = hoare::chan::bounded(4);
/// let rx2 = rx.clone();
/// for i in 0..4 {
///     tx.try_send(i).unwrap();
/// }
/// // Each message goes to exactly one receiver.
/// let a = rx.try_recv().unwrap();
/// let b = rx2.try_recv().unwrap();
/// assert_eq!((a, b), (0, 1));
/// assert_eq!(rx.len(), 2);
/// ```
pub struct Receiver<T> {
    /// The channel, and the stream's registration between polls once the
    /// first `poll_next` has one to keep, in one word
    /// (`receiver_word.rs`): a receiver a process owns lies in its task
    /// block.
    shared: ReceiverWord<T>,
}

impl<T> Sender<T> {
    /// Sends `value`, waiting for room (or, on a rendezvous channel, for a
    /// receiver). Fails, giving the value back, if the channel is closed.
    ///
    /// Cancellation-safe: dropping the future before it completes leaves
    /// the value unsent (and drops it), or — if a receiver had already
    /// taken it — sent exactly once.
    ///
    /// ```
    /// hoare::run(async {
    ///     let (tx, rx) = hoare::chan::bounded(0); // rendezvous
    ///     let sender = hoare::spawn(async move { tx.send("hi").await });
    ///     assert_eq!(rx.recv().await, Ok("hi"));
    ///     assert!(sender.await.unwrap().is_ok());
    /// });
    /// ```
    pub fn send(&self, value: T) -> SendFuture<'_, T> {
        SendFuture {
            channel: &self.shared,
            waiter: ManuallyDrop::new(InlineWaiter::new(Some(value))),
        }
    }

    /// Sends `value` if that is possible without waiting: there is room in
    /// the buffer, or (rendezvous) a receiver is already waiting.
    ///
    /// ```
    /// use hoare::chan::{self, TrySendError};
    ///
    /// let (tx, rx) = chan::bounded(1);
    /// assert_eq!(tx.try_send(1), Ok(()));
    /// assert_eq!(tx.try_send(2), Err(TrySendError::Full(2)));
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// ```
    pub fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        self.shared.try_send(value)
    }

    /// Sends `value`, parking the calling OS thread until it is taken or
    /// there is room.
    ///
    /// # Panics
    ///
    /// When called from a hoare process on a runtime worker, or inside a
    /// simulation: use `send(value).await` there.
    ///
    /// ```
    /// let (tx, rx) = hoare::chan::bounded(0);
    /// let consumer = std::thread::spawn(move || rx.recv_blocking());
    /// tx.send_blocking(9).unwrap(); // returns once the consumer took it
    /// assert_eq!(consumer.join().unwrap(), Ok(9));
    /// ```
    #[track_caller]
    pub fn send_blocking(&self, value: T) -> Result<(), SendError<T>> {
        // Wakes caused by the spin go to the workers too: this thread may
        // block next and must not keep a woken process in its LIFO slot.
        let region = enter_blocking("Sender::send_blocking");
        let value = match self.shared.spin_send(value) {
            Ok(outcome) => return outcome,
            Err(value) => value,
        };
        run_parked_operation(&region, self.send(value))
    }

    /// The shared state, for select arms.
    pub(crate) fn shared(&self) -> &Channel<T> {
        &self.shared
    }

    /// Whether a receive or select waits on the channel (a snapshot).
    pub(crate) fn has_waiting_receivers(&self) -> bool {
        self.shared.has_waiting_receivers()
    }

    /// Closes the channel; `true` if this call closed it (`false` if it
    /// was closed already). See the module docs for what closing does.
    ///
    /// ```
    /// let (tx, rx) = hoare::chan::bounded(2);
    /// tx.try_send(1).unwrap();
    /// assert!(tx.close());
    /// assert!(!tx.close()); // already closed
    /// assert!(tx.try_send(2).unwrap_err().is_closed());
    /// assert_eq!(rx.try_recv(), Ok(1)); // closing drains, then errors
    /// assert!(rx.try_recv().unwrap_err().is_closed());
    /// ```
    pub fn close(&self) -> bool {
        self.shared.close()
    }

    /// Whether the channel is closed.
    ///
    /// ```
    /// let (tx, rx) = hoare::chan::bounded::<u8>(1);
    /// assert!(!tx.is_closed());
    /// drop(rx);
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.shared.is_closed()
    }

    /// The number of buffered messages (a snapshot).
    ///
    /// ```
    /// let (tx, rx) = hoare::chan::bounded(4);
    /// tx.try_send('a').unwrap();
    /// tx.try_send('b').unwrap();
    /// assert_eq!(tx.len(), 2);
    /// # drop(rx);
    /// ```
    pub fn len(&self) -> usize {
        self.shared.len()
    }

    /// Whether no message is buffered (a snapshot).
    ///
    /// ```
    /// let (tx, rx) = hoare::chan::unbounded();
    /// assert!(tx.is_empty());
    /// tx.try_send(()).unwrap();
    /// assert!(!tx.is_empty());
    /// # drop(rx);
    /// ```
    pub fn is_empty(&self) -> bool {
        self.shared.len() == 0
    }

    /// Whether the buffer is full (a snapshot; always for a rendezvous
    /// channel, never for an unbounded one).
    ///
    /// ```
    /// let (tx, rx) = hoare::chan::bounded(1);
    /// assert!(!tx.is_full());
    /// tx.try_send(1).unwrap();
    /// assert!(tx.is_full());
    /// assert!(hoare::chan::bounded::<u8>(0).0.is_full());
    /// # drop(rx);
    /// ```
    pub fn is_full(&self) -> bool {
        self.shared.is_full()
    }

    /// The buffer's size: `Some(0)` for rendezvous, `None` if unbounded.
    ///
    /// ```
    /// use hoare::chan;
    ///
    /// assert_eq!(chan::bounded::<u8>(0).0.capacity(), Some(0));
    /// assert_eq!(chan::bounded::<u8>(8).0.capacity(), Some(8));
    /// assert_eq!(chan::unbounded::<u8>().0.capacity(), None);
    /// ```
    pub fn capacity(&self) -> Option<usize> {
        self.shared.capacity()
    }
}

impl<T> Receiver<T> {
    fn from_shared(shared: Arc<Channel<T>>) -> Self {
        Receiver {
            shared: ReceiverWord::new(shared),
        }
    }

    /// Receives a message, waiting until one is available. Fails once the
    /// channel is closed and every buffered message has been received.
    ///
    /// Cancellation-safe: dropping the future never loses a message.
    ///
    /// ```
    /// hoare::run(async {
    ///     let (tx, rx) = hoare::chan::bounded(1);
    ///     hoare::spawn(async move {
    ///         for i in 0..3 {
    ///             tx.send(i).await.unwrap();
    ///         }
    ///     }); // dropping `tx` at the end closes the channel
    ///     let mut got = Vec::new();
    ///     while let Ok(i) = rx.recv().await {
    ///         got.push(i);
    ///     }
    ///     assert_eq!(got, [0, 1, 2]);
    /// });
    /// ```
    pub fn recv(&self) -> RecvFuture<'_, T> {
        let shared = &*self.shared;
        RecvFuture {
            wait: match &shared.flavour {
                Flavour::Zero(zero) => RecvWait::Inline {
                    channel: shared,
                    zero,
                    waiter: ManuallyDrop::new(InlineWaiter::new(None)),
                },
                Flavour::Array(ring) => RecvWait::Queued {
                    channel: shared,
                    buffered: Buffered::Ring(ring),
                    waiter: ManuallyDrop::new(InlineWaiter::new(None)),
                },
                Flavour::List(list) => RecvWait::Queued {
                    channel: shared,
                    buffered: Buffered::List(list),
                    waiter: ManuallyDrop::new(InlineWaiter::new(None)),
                },
            },
        }
    }

    /// Receives a message if one is available now (on a rendezvous
    /// channel: if a sender is already waiting).
    ///
    /// ```
    /// use hoare::chan::{self, TryRecvError};
    ///
    /// let (tx, rx) = chan::bounded(1);
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// tx.try_send(5).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(5));
    /// ```
    pub fn try_recv(&self) -> Result<T, TryRecvError> {
        self.shared.try_recv()
    }

    /// Receives a message, parking the calling OS thread until one is
    /// available.
    ///
    /// # Panics
    ///
    /// When called from a hoare process on a runtime worker, or inside a
    /// simulation: use `recv().await` there.
    ///
    /// ```
    /// let (tx, rx) = hoare::chan::bounded(1);
    /// std::thread::spawn(move || tx.send_blocking("done").unwrap());
    /// assert_eq!(rx.recv_blocking(), Ok("done"));
    /// assert!(rx.recv_blocking().is_err()); // the sender is gone
    /// ```
    #[track_caller]
    pub fn recv_blocking(&self) -> Result<T, RecvError> {
        // As in `send_blocking`.
        let region = enter_blocking("Receiver::recv_blocking");
        if let Some(outcome) = self.shared.spin_recv() {
            return outcome;
        }
        match self.shared.flavour {
            // Runs to completion: it keeps what a send hands it.
            Flavour::Zero(_) => run_parked_operation(&region, KeepingRecv::new(&self.shared)),
            _ => run_parked_operation(&region, self.recv()),
        }
    }

    /// A blocking iterator over messages; it ends when the channel is
    /// closed and empty.
    ///
    /// # Panics
    ///
    /// When called from a hoare process on a runtime worker, or inside a
    /// simulation: use the receiver as a `Stream`, or `recv().await`.
    ///
    /// ```
    /// let (tx, rx) = hoare::chan::unbounded();
    /// std::thread::spawn(move || {
    ///     for i in 1..=4 {
    ///         tx.send_blocking(i).unwrap();
    ///     }
    /// });
    /// assert_eq!(rx.iter().sum::<i32>(), 10);
    /// ```
    #[track_caller]
    pub fn iter(&self) -> Iter<'_, T> {
        assert_may_block("Receiver::iter");
        Iter { receiver: self }
    }

    /// Closes the channel; `true` if this call closed it. Buffered
    /// messages can still be received.
    ///
    /// ```
    /// let (tx, rx) = hoare::chan::bounded(1);
    /// tx.try_send(1).unwrap();
    /// assert!(rx.close());
    /// assert!(tx.try_send(2).is_err());
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// ```
    pub fn close(&self) -> bool {
        self.shared.close()
    }

    /// Whether the channel is closed.
    ///
    /// ```
    /// let (tx, rx) = hoare::chan::bounded::<u8>(1);
    /// assert!(!rx.is_closed());
    /// drop(tx);
    /// assert!(rx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.shared.is_closed()
    }

    /// The number of buffered messages (a snapshot).
    ///
    /// ```
    /// let (tx, rx) = hoare::chan::bounded(4);
    /// tx.try_send('a').unwrap();
    /// tx.try_send('b').unwrap();
    /// assert_eq!(rx.len(), 2);
    /// # drop(rx);
    /// ```
    pub fn len(&self) -> usize {
        self.shared.len()
    }

    /// Whether no message is buffered (a snapshot).
    ///
    /// ```
    /// let (tx, rx) = hoare::chan::unbounded();
    /// assert!(rx.is_empty());
    /// tx.try_send(()).unwrap();
    /// assert!(!rx.is_empty());
    /// # drop(rx);
    /// ```
    pub fn is_empty(&self) -> bool {
        self.shared.len() == 0
    }

    /// Whether the buffer is full (a snapshot; always for a rendezvous
    /// channel, never for an unbounded one).
    ///
    /// ```
    /// let (tx, rx) = hoare::chan::bounded(1);
    /// assert!(!rx.is_full());
    /// tx.try_send(1).unwrap();
    /// assert!(rx.is_full());
    /// assert!(hoare::chan::bounded::<u8>(0).0.is_full());
    /// # drop(rx);
    /// ```
    pub fn is_full(&self) -> bool {
        self.shared.is_full()
    }

    /// The buffer's size: `Some(0)` for rendezvous, `None` if unbounded.
    ///
    /// ```
    /// use hoare::chan;
    ///
    /// assert_eq!(chan::bounded::<u8>(0).1.capacity(), Some(0));
    /// assert_eq!(chan::bounded::<u8>(8).1.capacity(), Some(8));
    /// assert_eq!(chan::unbounded::<u8>().1.capacity(), None);
    /// ```
    pub fn capacity(&self) -> Option<usize> {
        self.shared.capacity()
    }

    /// The shared state, for select arms.
    pub(crate) fn shared(&self) -> &Channel<T> {
        &self.shared
    }

    /// Withdraws the stream's pending registration, passing on anything a
    /// sender handed it meanwhile.
    fn cancel_stream(&mut self) {
        if let (shared, Some(state)) = self.shared.split() {
            let mut arm = RecvArm::with_wait(shared, std::mem::take(&mut state.wait));
            selection::cancel(&mut One(&mut arm), &mut state.waiting);
        }
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.shared.handles.add_sender();
        Sender {
            shared: self.shared.clone(),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        if self.shared.handles.drop_sender() {
            self.shared.close();
        }
    }
}

impl<T> Clone for Receiver<T> {
    fn clone(&self) -> Self {
        self.shared.handles.add_receiver();
        Receiver::from_shared(self.shared.clone_arc())
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        self.cancel_stream();
        if self.shared.handles.drop_receiver() {
            self.shared.close();
            self.shared.discard_all();
        }
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("id", &self.shared.id())
            .field("flavour", &self.shared.flavour_name())
            .field("len", &self.len())
            .field("capacity", &self.capacity())
            .field("closed", &self.is_closed())
            .finish()
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("id", &self.shared.id())
            .field("flavour", &self.shared.flavour_name())
            .field("len", &self.len())
            .field("capacity", &self.capacity())
            .field("closed", &self.is_closed())
            .finish()
    }
}

impl<T> Stream for Receiver<T> {
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let this = self.get_mut();
        // Until it has something to keep, the state lives here; nothing
        // points into it, so it may move into the box afterwards.
        let mut unboxed = None;
        let (shared, kept) = this.shared.split();
        let state = match kept {
            Some(state) => state,
            None => unboxed.insert(StreamState::new()),
        };
        if state.ended {
            return Poll::Ready(None);
        }
        let mut arm = RecvArm::with_wait(shared, std::mem::take(&mut state.wait));
        let polled = match selection::poll_one(&mut arm, &mut state.waiting, cx) {
            Poll::Ready(()) => match arm.take_result() {
                Some(Ok(value)) => return Poll::Ready(Some(value)),
                _ => {
                    state.ended = true;
                    Poll::Ready(None)
                }
            },
            Poll::Pending => {
                state.wait = arm.into_wait();
                Poll::Pending
            }
        };
        if let Some(state) = unboxed {
            this.shared.keep(state);
        }
        polled
    }
}

impl<T> FusedStream for Receiver<T> {
    fn is_terminated(&self) -> bool {
        self.shared.kept().is_some_and(|state| state.ended)
    }
}

/// The future of [`Sender::send`]: resolves to `Ok(())` once the value is
/// buffered or taken, or to `Err(SendError(value))` if the channel closes
/// first.
///
/// ```
/// let (tx, rx) = hoare::chan::bounded(1);
/// let send: hoare::chan::SendFuture<'_, u8> = tx.send(1);
/// assert_eq!(hoare::block_on(send), Ok(()));
/// assert_eq!(rx.try_recv(), Ok(1));
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct SendFuture<'a, T> {
    channel: &'a Channel<T>,
    /// The send's value sits in the waiter's slot from the start. A send
    /// on a rendezvous, small or ring channel that has to wait registers
    /// the waiter, which the channel's queue then points at (see
    /// `inline_waiter`; on a ring, its queue of senders: `array.rs`, "A
    /// plain send waiting inline"): the future is `!Unpin`, and its drop
    /// cancels the waiter before freeing it (by hand, out of line:
    /// [`drop_inline`]). A send on a list never waits; its waiter stays
    /// idle. The flavour is decoded at each poll, not where the future is
    /// made: most sends complete at their first poll.
    waiter: ManuallyDrop<InlineWaiter<T>>,
}

/// The rendezvous state of a channel that a wait on it inline (the
/// receiver's kept stream wait) uses.
fn rendezvous<T>(channel: &Channel<T>) -> &zero::Rendezvous<T> {
    match &channel.flavour {
        Flavour::Zero(zero) => zero,
        _ => unreachable!("hoare: an inline wait on a channel that is not a rendezvous"),
    }
}

/// Which plain operation [`poll_inline`] runs.
#[derive(Clone, Copy)]
enum Op {
    Send,
    Recv,
}

/// Runs one step of a plain operation on a rendezvous channel with the
/// runtime's bookkeeping around it: the cooperative budget, the host's
/// note of the channel touched, and what the process waits on while
/// pending (dumps, deadlock reports). `op` names the operation; the
/// channel's facts are read for it only when the step has to wait, not on
/// a step that completes.
#[inline]
fn poll_inline<T, R>(
    channel: &Channel<T>,
    zero: &zero::Rendezvous<T>,
    cx: &mut Context<'_>,
    op: Op,
    step: impl FnOnce(&zero::Rendezvous<T>, &std::task::Waker) -> Poll<R>,
) -> Poll<R> {
    if crate::runtime::budget::poll_proceed(cx).is_pending() {
        return Poll::Pending;
    }
    channel.touch();
    match step(zero, cx.waker()) {
        Poll::Ready(outcome) => {
            crate::runtime::budget::consume();
            Poll::Ready(outcome)
        }
        Poll::Pending => {
            note_inline_wait(channel, cx, op);
            Poll::Pending
        }
    }
}

/// Records what a plain operation that returns `Pending` waits on, for
/// dumps and deadlock reports.
#[inline]
fn note_inline_wait<T>(channel: &Channel<T>, cx: &Context<'_>, op: Op) {
    channel.watch();
    let word = channel
        .packed
        .map(|packed| wait_slot::channel_word(matches!(op, Op::Recv), packed));
    let wait = match op {
        Op::Recv => Wait::Recv,
        Op::Send => Wait::Send,
    };
    crate::runtime::hooks::note_channel_waiting(cx.waker(), word, || wait(channel.facts()));
}

impl<T> Future for SendFuture<'_, T> {
    type Output = Result<(), SendError<T>>;

    #[inline(always)]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: nothing is moved out of the future: the inline waiter is
        // used where it lies.
        let this = unsafe { self.get_unchecked_mut() };
        let (channel, waiter) = (this.channel, &*this.waiter);
        match &channel.flavour {
            Flavour::Zero(zero) => poll_inline(channel, zero, cx, Op::Send, |zero, waker| {
                // SAFETY: `waiter` is pinned in this future, serves this
                // channel only, and `Drop` cancels it before freeing it.
                unsafe { zero.poll_send(waiter, waker) }
            }),
            Flavour::Array(ring) => poll_ring_send(channel, ring, waiter, cx),
            Flavour::List(list) => poll_list_send(channel, list, waiter, cx),
        }
    }
}

/// A plain send on a list, which never waits: the value goes in, or the
/// channel is closed.
#[inline(always)]
fn poll_list_send<T>(
    channel: &Channel<T>,
    list: &list::Linked<T>,
    waiter: &InlineWaiter<T>,
    cx: &mut Context<'_>,
) -> Poll<Result<(), SendError<T>>> {
    if crate::runtime::budget::poll_proceed(cx).is_pending() {
        return Poll::Pending;
    }
    channel.touch();
    // SAFETY: slot rule 1: a list send's waiter is never registered, so
    // it is idle, in no queue; the value sits in the slot until it is sent.
    let value = unsafe { waiter.take() }.expect("hoare: a send future was polled after completion");
    crate::runtime::budget::consume();
    // A list is never full: `try_send` fails only on a closed channel.
    Poll::Ready(
        list.try_send(value)
            .map_err(|error| SendError(error.into_inner())),
    )
}

/// A plain send on a ring: the budget check and the first try inline,
/// and the end of a send whose offer a receive moved into the ring;
/// waiting out of line ([`wait_ring_send`]).
#[inline(always)]
fn poll_ring_send<T>(
    channel: &Channel<T>,
    ring: &array::Ring<T>,
    waiter: &InlineWaiter<T>,
    cx: &mut Context<'_>,
) -> Poll<Result<(), SendError<T>>> {
    if crate::runtime::budget::poll_proceed(cx).is_pending() {
        return Poll::Pending;
    }
    let mut full = None;
    let observed = waiter.observe();
    if matches!(observed, Observed::Done | Observed::Closed) {
        // A receive that freed a place moved the offer into the ring (the
        // common case of a send that waited), or the close woke the send
        // with its offer still in the slot: the waiter, in no queue, is its
        // owner's alone.
        channel.touch();
        crate::runtime::budget::consume();
        return Poll::Ready(waiter.finish_send(observed).map_err(SendError));
    }
    if observed == Observed::Idle {
        channel.touch();
        // SAFETY: slot rule 1: idle, in no queue; the value sits in the
        // slot until it is sent.
        let value =
            unsafe { waiter.take() }.expect("hoare: a send future was polled after completion");
        match ring.try_send(value) {
            Ok(()) => {
                crate::runtime::budget::consume();
                return Poll::Ready(Ok(()));
            }
            Err(TrySendError::Closed(value)) => {
                crate::runtime::budget::consume();
                return Poll::Ready(Err(SendError(value)));
            }
            Err(TrySendError::Full(value)) => full = Some(value),
        }
    }
    wait_ring_send(channel, ring, waiter, cx, full)
}

/// [`poll_ring_send`] past its first try (`full`: the value, if it found
/// the ring full just now), out of line.
#[inline(never)]
fn wait_ring_send<T>(
    channel: &Channel<T>,
    ring: &array::Ring<T>,
    waiter: &InlineWaiter<T>,
    cx: &mut Context<'_>,
    full: Option<T>,
) -> Poll<Result<(), SendError<T>>> {
    if full.is_none() {
        channel.touch();
    }
    // SAFETY: `waiter` is pinned in the future, serves this ring only, and
    // the future's `Drop` cancels it before freeing it.
    match unsafe { ring.poll_send_inline(waiter, full, cx.waker(), channel.id()) } {
        Poll::Ready(outcome) => {
            crate::runtime::budget::consume();
            Poll::Ready(outcome.map_err(SendError))
        }
        Poll::Pending => {
            note_inline_wait(channel, cx, Op::Send);
            Poll::Pending
        }
    }
}

impl<T> Drop for SendFuture<'_, T> {
    #[inline]
    fn drop(&mut self) {
        let channel = self.channel;
        drop_inline(channel, &mut self.waiter, |waiter| {
            cancel_send_inline(channel, waiter)
        });
    }
}

/// Takes a plain send's waiter out of its channel's queue, or settles what
/// a counterpart did (the flavour's `cancel_send`); a list send's waiter is
/// never in a queue.
fn cancel_send_inline<T>(channel: &Channel<T>, waiter: &InlineWaiter<T>) {
    match &channel.flavour {
        Flavour::Zero(zero) => zero.cancel_send(waiter),
        Flavour::Array(ring) => ring.cancel_send_inline(waiter),
        Flavour::List(_) => {}
    }
}

/// A plain future's drop on a rendezvous channel: `cancel` (the flavour's
/// `cancel_send` or `cancel_recv`) unlinks the waiter or settles what a
/// counterpart did, then the waiter is dropped in place.
///
/// A drop that finds its waiter registered or completed changes the
/// channel (it leaves a queue, or gives a value back), so it touches the
/// channel for the simulation's exploration, as a select arm's withdrawal
/// does: without it `explore` would take the drop for independent of the
/// channel's other operations and miss the schedules that reorder them.
/// An idle waiter (the common case: the future completed, or was never
/// polled) is in no queue and holds nothing to pass on: one check,
/// inline, then its fields are dropped.
#[inline]
fn drop_inline<T, U>(
    channel: &Channel<T>,
    waiter: &mut ManuallyDrop<InlineWaiter<U>>,
    cancel: impl FnOnce(&InlineWaiter<U>),
) {
    if waiter.observe() != Observed::Idle {
        settle_inline(channel, waiter, cancel);
    }
    // SAFETY: only the futures' `drop` calls this, once; the waiter is in
    // no queue any more (`cancel`) and is not used again.
    unsafe { ManuallyDrop::drop(waiter) };
}

/// [`drop_inline`] of a waiter that is not idle, out of line.
#[inline(never)]
fn settle_inline<T, U>(
    channel: &Channel<T>,
    waiter: &InlineWaiter<U>,
    cancel: impl FnOnce(&InlineWaiter<U>),
) {
    channel.touch();
    cancel(waiter);
}

impl<T> SendFuture<'_, T> {
    /// Withdraws a pending send (its deadline passed): `Some(value)` if it
    /// was never sent, `None` if a receiver took it meanwhile (it was
    /// sent). The future is left empty.
    pub(crate) fn withdraw(self: Pin<&mut Self>) -> Option<T> {
        // SAFETY: as in `poll`: nothing moves out of the future.
        let this = unsafe { self.get_unchecked_mut() };
        let channel = this.channel;
        withdraw_inline_send(channel, &this.waiter, |waiter| {
            cancel_send_inline(channel, waiter)
        })
    }

    /// Whether the channel is closed.
    pub(crate) fn is_closed(&self) -> bool {
        self.channel.is_closed()
    }

    /// Whether the future waits (for `Debug`).
    fn waits(&self) -> bool {
        self.waiter.observe() == Observed::Waiting
    }
}

/// [`SendFuture::withdraw`] of a send waiting inline: `cancel` (the
/// flavour's) takes the waiter out of its queue or settles what a
/// counterpart did; `None` if the value was sent, else the offer.
fn withdraw_inline_send<T>(
    channel: &Channel<T>,
    waiter: &InlineWaiter<T>,
    cancel: impl FnOnce(&InlineWaiter<T>),
) -> Option<T> {
    // Touched for exploration, as in `drop_inline`.
    if waiter.observe() != Observed::Idle {
        channel.touch();
    }
    cancel(waiter);
    if waiter.observe() == Observed::Done {
        waiter.reset();
        return None;
    }
    // SAFETY: slot rule 1: `cancel` left the waiter idle (or it was woken
    // by the close): no queue holds it.
    let offer = unsafe { waiter.take() };
    waiter.reset();
    offer
}

impl<T> fmt::Debug for SendFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SendFuture")
            .field("waiting", &self.waits())
            .finish()
    }
}

/// The future of [`Receiver::recv`]: resolves to the next message, or to
/// `Err(RecvError)` once the channel is closed and empty.
///
/// ```
/// let (tx, rx) = hoare::chan::bounded(1);
/// tx.try_send(3).unwrap();
/// let recv: hoare::chan::RecvFuture<'_, u8> = rx.recv();
/// assert_eq!(hoare::block_on(recv), Ok(3));
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct RecvFuture<'a, T> {
    wait: RecvWait<'a, T>,
}

/// How a plain `recv` future waits, chosen by the channel's flavour when
/// the future is made. Either way it waits inside itself, in an inline
/// waiter that the channel's queue points at while it waits (see
/// `inline_waiter`): the future is `!Unpin`, and its drop settles the
/// waiter before freeing it (by hand, as a send future's waiter is).
enum RecvWait<'a, T> {
    /// A rendezvous or small channel: the waiter sits in the channel's
    /// locked queue, and a rendezvous send hands the value into its slot.
    Inline {
        channel: &'a Channel<T>,
        /// `channel`'s rendezvous state, found when the future was made.
        zero: &'a zero::Rendezvous<T>,
        waiter: ManuallyDrop<InlineWaiter<T>>,
    },
    /// A ring or list: the waiter sits in the channel's queue of waiting
    /// receives; a send notifies it, and it receives from the channel
    /// (see [`poll_buffered_recv`]).
    Queued {
        channel: &'a Channel<T>,
        /// `channel`'s flavour, found when the future was made.
        buffered: Buffered<'a, T>,
        /// Holds nothing: a notified receive takes its value from the
        /// channel, so a dropped future never holds one.
        waiter: ManuallyDrop<InlineWaiter<()>>,
    },
}

/// The state of a ring or list channel, for a plain receive waiting in
/// its queue of receives.
enum Buffered<'a, T> {
    Ring(&'a array::Ring<T>),
    List(&'a list::Linked<T>),
}

// By hand: a derive would ask `T: Copy`.
impl<T> Clone for Buffered<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Buffered<'_, T> {}

impl<T> Buffered<'_, T> {
    #[inline(always)]
    fn try_recv(&self) -> Result<T, TryRecvError> {
        match self {
            Buffered::Ring(ring) => ring.try_recv(),
            Buffered::List(list) => list.try_recv(),
        }
    }

    fn recv_ready(&self) -> bool {
        match self {
            Buffered::Ring(ring) => ring.recv_ready(),
            Buffered::List(list) => list.recv_ready(),
        }
    }

    fn receivers(&self) -> &waiter::WaitQueue<waiter::Registration> {
        match self {
            Buffered::Ring(ring) => ring.receivers(),
            Buffered::List(list) => list.receivers(),
        }
    }

    /// Polls a plain receive waiting in `waiter` (`tried`: it is idle or
    /// notified, and a receive found the channel empty just now): `Ready`
    /// with its outcome, or `Pending`, registered (channel number `id`) to
    /// be woken through `waker`.
    ///
    /// # Safety
    ///
    /// `waiter` is pinned, serves this channel's receives only, and its
    /// owner calls [`Self::cancel_recv`] before freeing it.
    #[inline]
    unsafe fn wait_recv(
        &self,
        waiter: &InlineWaiter<()>,
        waker: &std::task::Waker,
        id: u64,
        mut tried: bool,
    ) -> Poll<Result<T, RecvError>> {
        // A notified receive that finds the value taken by someone faster
        // waits again at the head of the queue: it was the oldest waiter.
        let mut notified = false;
        loop {
            match waiter.observe() {
                Observed::Waiting => {
                    if self.receivers().keep_newest_waker(waiter, waker) {
                        return Poll::Pending;
                    }
                    // Claimed meanwhile: look again.
                    continue;
                }
                Observed::Notified => {
                    waiter.reset();
                    notified = true;
                }
                // Woken by the close: receive again, which takes a value
                // left over before the close or fails.
                Observed::Closed => waiter.reset(),
                // Nothing hands a value to a receive on this flavour.
                Observed::Done => unreachable!("hoare: a value handed to a buffered receive"),
                Observed::Idle => {}
            }
            // The waiter is idle here; only the first pass may have tried
            // (a notified one too: it was notified before that try).
            if !std::mem::take(&mut tried) {
                match self.try_recv() {
                    Ok(value) => return Poll::Ready(Ok(value)),
                    Err(TryRecvError::Closed) => return Poll::Ready(Err(RecvError)),
                    Err(TryRecvError::Empty) => {}
                }
            }
            // SAFETY: the caller's contract; the waiter is idle (observed
            // above, and only its owner, us, moves it out of idle).
            let registered = unsafe {
                self.receivers().register_inline_unless(
                    waiter,
                    None,
                    waker.clone(),
                    id,
                    notified,
                    || self.recv_ready(),
                )
            };
            if registered {
                return Poll::Pending;
            }
        }
    }

    /// The plain receive owning `waiter` is being dropped: withdraws it if
    /// it still waits; if a send notified it meanwhile, passes the
    /// notification on to the next waiting receive, so no message is left
    /// with its receivers asleep.
    fn cancel_recv(&self, waiter: &InlineWaiter<()>) {
        self.receivers().withdraw_inline(waiter);
        match waiter.observe() {
            Observed::Notified => {
                waiter.reset();
                match self {
                    Buffered::Ring(ring) => ring.pass_on_recv(),
                    Buffered::List(list) => list.pass_on_recv(),
                }
            }
            Observed::Closed => waiter.reset(),
            Observed::Idle | Observed::Waiting | Observed::Done => {}
        }
    }
}

/// A plain receive's poll on a ring or list, with the runtime's
/// bookkeeping around it (as [`poll_inline`]'s): the budget, the host's
/// note of the channel touched, what the process waits on while pending.
/// The budget check and the first try are inline, also for a receive
/// that a send notified (it was waiting, and takes the value the send
/// buffered: the common case of a receive that waited); waiting, and a
/// notified receive that finds the value taken, are not.
#[inline(always)]
fn poll_buffered_recv<T>(
    channel: &Channel<T>,
    buffered: Buffered<'_, T>,
    waiter: &InlineWaiter<()>,
    cx: &mut Context<'_>,
) -> Poll<Result<T, RecvError>> {
    if crate::runtime::budget::poll_proceed(cx).is_pending() {
        return Poll::Pending;
    }
    match waiter.observe() {
        Observed::Idle => {}
        // A notified waiter is in no queue (the send took it out), so only
        // its owner touches it: it receives before it is reset, and if the
        // value is gone it waits again, first in line (`wait_recv`).
        Observed::Notified => {
            return match try_buffered_recv(channel, buffered) {
                Some(outcome) => {
                    waiter.reset();
                    crate::runtime::budget::consume();
                    Poll::Ready(outcome)
                }
                None => wait_buffered_recv(channel, buffered, waiter, cx, true),
            };
        }
        _ => return wait_buffered_recv(channel, buffered, waiter, cx, false),
    }
    match try_buffered_recv(channel, buffered) {
        Some(outcome) => {
            crate::runtime::budget::consume();
            Poll::Ready(outcome)
        }
        None => wait_buffered_recv(channel, buffered, waiter, cx, true),
    }
}

/// A plain receive's try on a ring or list, noting the touch for a
/// listening host: `None` if the channel is empty.
#[inline(always)]
fn try_buffered_recv<T>(
    channel: &Channel<T>,
    buffered: Buffered<'_, T>,
) -> Option<Result<T, RecvError>> {
    channel.touch();
    match buffered.try_recv() {
        Ok(value) => Some(Ok(value)),
        Err(TryRecvError::Closed) => Some(Err(RecvError)),
        Err(TryRecvError::Empty) => None,
    }
}

/// [`poll_buffered_recv`] past its first try (`tried`: it found the
/// channel empty just now, its waiter idle or notified), out of line.
#[inline(never)]
fn wait_buffered_recv<T>(
    channel: &Channel<T>,
    buffered: Buffered<'_, T>,
    waiter: &InlineWaiter<()>,
    cx: &mut Context<'_>,
    tried: bool,
) -> Poll<Result<T, RecvError>> {
    if !tried {
        channel.touch();
    }
    // SAFETY: `waiter` is pinned in the future, serves this channel only,
    // and the future's `Drop` cancels it before freeing it.
    match unsafe { buffered.wait_recv(waiter, cx.waker(), channel.id(), tried) } {
        Poll::Ready(outcome) => {
            crate::runtime::budget::consume();
            Poll::Ready(outcome)
        }
        Poll::Pending => {
            note_inline_wait(channel, cx, Op::Recv);
            Poll::Pending
        }
    }
}

impl<T> Future for RecvFuture<'_, T> {
    type Output = Result<T, RecvError>;

    #[inline(always)]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: as in `SendFuture::poll`.
        let this = unsafe { self.get_unchecked_mut() };
        match &mut this.wait {
            RecvWait::Inline {
                channel,
                zero,
                waiter,
            } => {
                poll_inline(channel, zero, cx, Op::Recv, |zero, waker| {
                    // SAFETY: as in `SendFuture::poll`.
                    unsafe { zero.poll_recv(waiter, waker, false) }
                })
            }
            RecvWait::Queued {
                channel,
                buffered,
                waiter,
            } => poll_buffered_recv(channel, *buffered, waiter, cx),
        }
    }
}

impl<T> Drop for RecvFuture<'_, T> {
    #[inline]
    fn drop(&mut self) {
        match &mut self.wait {
            RecvWait::Inline {
                channel,
                zero,
                waiter,
            } => {
                drop_inline(channel, waiter, |waiter| zero.cancel_recv(waiter, false));
            }
            RecvWait::Queued {
                channel,
                buffered,
                waiter,
            } => {
                drop_inline(channel, waiter, |waiter| buffered.cancel_recv(waiter));
            }
        }
    }
}

impl<T> fmt::Debug for RecvFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let waits = match &self.wait {
            RecvWait::Inline { waiter, .. } => waiter.observe() == Observed::Waiting,
            RecvWait::Queued { waiter, .. } => waiter.observe() == Observed::Waiting,
        };
        f.debug_struct("RecvFuture")
            .field("waiting", &waits)
            .finish()
    }
}

/// The blocking iterator of [`Receiver::iter`]: yields messages until the
/// channel is closed and empty.
///
/// ```
/// let (tx, rx) = hoare::chan::bounded(3);
/// for word in ["a", "b", "c"] {
///     tx.try_send(word).unwrap();
/// }
/// drop(tx);
/// let words: Vec<&str> = rx.iter().collect();
/// assert_eq!(words, ["a", "b", "c"]);
/// ```
pub struct Iter<'a, T> {
    receiver: &'a Receiver<T>,
}

impl<T> fmt::Debug for Iter<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Iter")
            .field("receiver", self.receiver)
            .finish()
    }
}

impl<'a, T> IntoIterator for &'a Receiver<T> {
    type Item = T;
    type IntoIter = Iter<'a, T>;

    fn into_iter(self) -> Iter<'a, T> {
        self.iter()
    }
}

impl<T> Iterator for Iter<'_, T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        self.receiver.recv_blocking().ok()
    }
}
