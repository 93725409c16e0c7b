//! A process's record of what it waits on: one pointer-sized word in its
//! task header, written on the slow path of a wait and read by dumps.
//!
//! # Cost
//!
//! A wait that returns `Pending` already pays for registering a waker;
//! recording it adds one store of an encoded [`Wait`] into this word (no
//! allocation, no lock, no text). A select waiting on several channels
//! records its waits in the process's list: one uncontended lock for all
//! of them. A poll starts by clearing the word (a
//! load and a store to a header line the state transition just touched).
//! Operations that do not wait touch nothing here.
//!
//! # The word
//!
//! The low [`TAG_BITS`] bits say what the rest holds:
//!
//! * [`EMPTY`]: nothing noted since the poll began (a process blocked like
//!   this waits on a future outside hoare);
//! * [`RECV`], [`SEND`], [`SLEEP`], [`JOIN`], [`FOREVER`]: one wait,
//!   encoded in the upper bits (see [`encode`]);
//! * [`LIST`]: a pointer to the process's [`WaitList`], which holds the
//!   waits noted during the last poll (a select over several channels,
//!   or a wait whose facts do not fit in the word);
//! * [`STALE_LIST`]: the same pointer, its contents from an earlier poll.
//!
//! Once a process has needed a list it keeps it (the word is `LIST` or
//! `STALE_LIST` for the rest of its life), so the list is allocated once
//! per process, not per wait, and is freed with the task block.
//!
//! # Who touches what
//!
//! Only the thread polling the process (holding `RUNNING`) writes the
//! word and the list; readers (dumps, on any thread) load the word and
//! lock the list. The word's stores are `Release` and its loads
//! `Acquire`, so a reader that finds a list pointer also sees the list's
//! initialisation. A reader follows the pointer only while the block is
//! alive: dumps read processes linked in a live list, under the shard
//! lock, and the list's reference to the block is dropped only after it
//! is unlinked. The list's `Mutex` makes each read of it consistent; a
//! dump is a snapshot, and the process may move on right after.

use std::num::NonZeroUsize;

use super::super::wait::{ChannelFacts, ChannelKind, Wait};
use crate::sync::atomic::{AtomicPtr, Ordering};
use crate::sync::Mutex;
use crate::time::Instant;

/// Bits of the word that hold the tag.
const TAG_BITS: u32 = 3;
/// Mask of the tag bits.
const TAG: usize = (1 << TAG_BITS) - 1;
/// Nothing noted since the poll began.
const EMPTY: usize = 0;
/// One receive; payload: channel kind, capacity and id.
const RECV: usize = 1;
/// One send; payload as [`RECV`].
const SEND: usize = 2;
/// One sleep; payload: the deadline in nanoseconds.
const SLEEP: usize = 3;
/// One join; payload: the process id.
const JOIN: usize = 4;
/// A select with every arm disabled; no payload.
const FOREVER: usize = 5;
/// A pointer to the [`WaitList`] of the last poll.
const LIST: usize = 6;
/// A pointer to the [`WaitList`], holding nothing of the last poll.
const STALE_LIST: usize = 7;

/// Bits above the tag.
const PAYLOAD_BITS: u32 = usize::BITS - TAG_BITS;
/// Bits of a channel payload that say its kind.
const KIND_BITS: u32 = 2;
/// Bits of a channel payload for a bounded channel's capacity.
const CAPACITY_BITS: u32 = 16;
/// Bits of a channel payload for its id (43 on 64-bit targets).
const CHANNEL_BITS: u32 = PAYLOAD_BITS - KIND_BITS - CAPACITY_BITS;

/// The waits of one poll that do not fit in the word.
#[repr(align(8))]
struct WaitList {
    waits: Mutex<Vec<Wait>>,
}

/// The record of one process (a field of its task header).
pub(crate) struct WaitSlot {
    word: AtomicPtr<()>,
}

impl WaitSlot {
    /// Nothing noted yet.
    pub(crate) fn new() -> Self {
        WaitSlot {
            word: AtomicPtr::new(std::ptr::null_mut()),
        }
    }

    /// A poll begins: forget what the last one noted. Called by the
    /// thread holding `RUNNING`.
    #[inline]
    pub(crate) fn begin_poll(&self) {
        // Relaxed: only this thread writes the word.
        let word = self.word.load(Ordering::Relaxed);
        if !word.is_null() {
            // A list is kept (marked stale: LIST | 1 == STALE_LIST), a
            // single wait dropped.
            let cleared = if word.addr() & TAG >= LIST {
                word.map_addr(|addr| addr | STALE_LIST)
            } else {
                std::ptr::null_mut()
            };
            self.store(cleared);
        }
    }

    /// The process being polled waits on `waits` (too). Called by the
    /// thread holding `RUNNING`.
    #[inline]
    pub(crate) fn record(&self, waits: impl IntoIterator<Item = Wait>) {
        let mut waits = waits.into_iter();
        let Some(first) = waits.next() else { return };
        // Relaxed: only this thread writes the word.
        let word = self.word.load(Ordering::Relaxed);
        if matches!(word.addr() & TAG, LIST | STALE_LIST) {
            // A process that once needed its list (a select) keeps it: the
            // waits of this call go in under one lock, not one each.
            self.add_to_list(word, std::iter::once(first).chain(waits));
            return;
        }
        // The fast path: the poll's first wait, and it fits in the word.
        match encode(first) {
            Some(encoded) if word.is_null() => self.store(encoded),
            _ => self.record_one(first),
        }
        for wait in waits {
            self.record_one(wait);
        }
    }

    /// [`WaitSlot::record`] of one channel operation whose word is `word`
    /// ([`channel_word`]): on a slot with nothing noted in this poll (the
    /// common case) one store, with no [`Wait`] made; else `wait` gives
    /// the facts for the general path.
    ///
    /// (A `Wait` made by the caller and handed down by value is written a
    /// field at a time and read back as a whole by the callee, a load
    /// that spans several stores and so waits for them to reach the
    /// cache: a few percent of a rendezvous round trip.)
    #[inline]
    pub(crate) fn record_word(&self, word: *mut (), wait: impl FnOnce() -> Wait) {
        // Relaxed: only this thread writes the word.
        if self.word.load(Ordering::Relaxed).is_null() {
            self.store(word);
        } else {
            self.record_one(wait());
        }
    }

    /// [`WaitSlot::record`] of one wait, on any word.
    #[inline(never)]
    fn record_one(&self, wait: Wait) {
        // Relaxed: only this thread writes the word.
        let word = self.word.load(Ordering::Relaxed);
        match word.addr() & TAG {
            EMPTY => match encode(wait) {
                Some(encoded) => self.store(encoded),
                None => self.store_new_list(vec![wait]),
            },
            LIST | STALE_LIST => self.add_to_list(word, [wait]),
            _ => {
                let first = decode(word).expect("a single wait is decodable");
                self.store_new_list(vec![first, wait]);
            }
        }
    }

    /// Adds `waits` to the list `word` points to, under one lock: to this
    /// poll's waits (`LIST`), or in place of an earlier poll's
    /// (`STALE_LIST`, which becomes `LIST`).
    fn add_to_list(&self, word: *mut (), waits: impl IntoIterator<Item = Wait>) {
        let stale = word.addr() & TAG == STALE_LIST;
        {
            let mut list = list(word).waits.lock();
            if stale {
                list.clear();
            }
            list.extend(waits);
        }
        if stale {
            self.store(word.map_addr(|addr| addr & !TAG | LIST));
        }
    }

    /// What the last poll noted: `None` if nothing (a future outside
    /// hoare). Called under the live list's shard lock (module docs).
    pub(crate) fn read(&self) -> Option<Vec<Wait>> {
        // Acquire: pairs with the Release stores, so a list pointer comes
        // with the list it points to.
        let word = self.word.load(Ordering::Acquire);
        match word.addr() & TAG {
            EMPTY | STALE_LIST => None,
            LIST => Some(list(word).waits.lock().clone()),
            _ => decode(word).map(|wait| vec![wait]),
        }
    }

    #[inline]
    fn store(&self, word: *mut ()) {
        // Release: see `read`.
        self.word.store(word, Ordering::Release);
    }

    fn store_new_list(&self, waits: Vec<Wait>) {
        let list = Box::into_raw(Box::new(WaitList {
            waits: Mutex::new(waits),
        }));
        // The list is 8-aligned, so its low bits are free for the tag.
        self.store(list.cast::<()>().map_addr(|addr| addr | LIST));
    }
}

impl Drop for WaitSlot {
    fn drop(&mut self) {
        // Unsynchronised: `&mut self` is the only access left. (Under loom
        // an atomic load here would be a scheduling point, and a thread
        // parker's slot is dropped among the thread-locals at a thread's
        // end, in no fixed order: the model would not replay.)
        #[cfg(not(loom))]
        let word = *self.word.get_mut();
        #[cfg(loom)]
        let word = self.word.with_mut(|word| *word);
        if matches!(word.addr() & TAG, LIST | STALE_LIST) {
            let list = word.map_addr(|addr| addr & !TAG).cast::<WaitList>();
            // SAFETY: the list was made by `Box::into_raw` in
            // `store_new_list` and is owned by this slot, which is being
            // dropped with its task block: no reader can reach it any more.
            drop(unsafe { Box::from_raw(list) });
        }
    }
}

/// The list a `LIST` or `STALE_LIST` word points to.
fn list<'a>(word: *mut ()) -> &'a WaitList {
    let list = word.map_addr(|addr| addr & !TAG).cast::<WaitList>();
    // SAFETY: a list word points to the slot's `WaitList`, which lives as
    // long as the task block; callers are the polling thread or a reader
    // that keeps the block alive (module docs).
    unsafe { &*list }
}

/// The word [`encode`] gives a receive (`recv`) or a send on a channel
/// whose facts packed into `packed` ([`pack_channel`]), made without a
/// [`Wait`].
#[inline]
pub(crate) fn channel_word(recv: bool, packed: NonZeroUsize) -> *mut () {
    let tag = if recv { RECV } else { SEND };
    std::ptr::without_provenance_mut(packed.get() << TAG_BITS | tag)
}

/// The word for `wait`, if its facts fit.
#[inline]
fn encode(wait: Wait) -> Option<*mut ()> {
    let (tag, payload) = match wait {
        Wait::Recv(channel) => (RECV, channel.payload()?.get()),
        Wait::Send(channel) => (SEND, channel.payload()?.get()),
        Wait::Sleep { deadline } => (SLEEP, fit(deadline.as_nanos(), PAYLOAD_BITS)?),
        Wait::Join { process } => (JOIN, fit(process, PAYLOAD_BITS)?),
        Wait::Forever => (FOREVER, 0),
    };
    Some(std::ptr::without_provenance_mut(payload << TAG_BITS | tag))
}

/// A single wait's word back as facts.
fn decode(word: *mut ()) -> Option<Wait> {
    let payload = word.addr() >> TAG_BITS;
    Some(match word.addr() & TAG {
        RECV => Wait::Recv(unpack_channel(payload)),
        SEND => Wait::Send(unpack_channel(payload)),
        SLEEP => Wait::Sleep {
            deadline: Instant::from_nanos(payload as u64),
        },
        JOIN => Wait::Join {
            process: payload as u64,
        },
        FOREVER => Wait::Forever,
        _ => return None,
    })
}

/// `value` if it fits in `bits` bits.
#[inline]
fn fit(value: u64, bits: u32) -> Option<usize> {
    let value = usize::try_from(value).ok()?;
    (bits >= usize::BITS || value >> bits == 0).then_some(value)
}

/// The payload for a wait on channel `channel` of `kind`, if it fits:
/// `id << (KIND + CAPACITY) | capacity << KIND | kind`. Computed once per
/// channel ([`ChannelFacts::new`]).
pub(crate) fn pack_channel(channel: u64, kind: ChannelKind) -> Option<NonZeroUsize> {
    let (kind, capacity) = match kind {
        ChannelKind::Rendezvous => (0, 0),
        ChannelKind::Bounded(capacity) => (1, fit(capacity as u64, CAPACITY_BITS)?),
        ChannelKind::Unbounded => (2, 0),
    };
    let channel = fit(channel, CHANNEL_BITS)?;
    NonZeroUsize::new(channel << (KIND_BITS + CAPACITY_BITS) | capacity << KIND_BITS | kind)
}

fn unpack_channel(payload: usize) -> ChannelFacts {
    match NonZeroUsize::new(payload) {
        Some(packed) => ChannelFacts::packed(packed, false),
        // A rendezvous channel numbered 0: never made, but decodable.
        None => ChannelFacts::new(0, ChannelKind::Rendezvous),
    }
}

/// The id a channel payload ([`pack_channel`]) holds.
pub(crate) fn unpack_id(payload: usize) -> u64 {
    (payload >> (KIND_BITS + CAPACITY_BITS)) as u64
}

/// The kind a channel payload ([`pack_channel`]) holds.
pub(crate) fn unpack_kind(payload: usize) -> ChannelKind {
    let capacity = (payload >> KIND_BITS) & ((1 << CAPACITY_BITS) - 1);
    match payload & ((1 << KIND_BITS) - 1) {
        0 => ChannelKind::Rendezvous,
        1 => ChannelKind::Bounded(capacity),
        _ => ChannelKind::Unbounded,
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    fn channel(channel: u64, kind: ChannelKind) -> Wait {
        Wait::Recv(ChannelFacts::new(channel, kind))
    }

    #[test]
    fn every_single_wait_round_trips_through_the_word() {
        let waits = [
            channel(3, ChannelKind::Rendezvous),
            Wait::Send(ChannelFacts::new(
                (1 << CHANNEL_BITS) - 1,
                ChannelKind::Bounded((1 << CAPACITY_BITS) - 1),
            )),
            channel(7, ChannelKind::Unbounded),
            Wait::Sleep {
                deadline: Instant::from_nanos(123_456_789),
            },
            Wait::Join { process: 42 },
            Wait::Forever,
        ];
        for wait in waits {
            let word = encode(wait).expect("fits");
            assert_eq!(decode(word), Some(wait));
        }
    }

    #[test]
    fn facts_too_large_for_the_word_go_to_the_list() {
        let slot = WaitSlot::new();
        let big = Wait::Send(ChannelFacts::new(
            9,
            ChannelKind::Bounded(1 << CAPACITY_BITS),
        ));
        slot.record([big]);
        assert_eq!(slot.read(), Some(vec![big]));
    }

    #[test]
    fn a_second_wait_in_one_poll_joins_the_first_and_a_new_poll_forgets_both() {
        let slot = WaitSlot::new();
        slot.begin_poll();
        assert_eq!(slot.read(), None, "nothing noted: a future outside hoare");
        let (a, b) = (
            channel(1, ChannelKind::Rendezvous),
            channel(2, ChannelKind::Unbounded),
        );
        slot.record([a]);
        assert_eq!(slot.read(), Some(vec![a]));
        slot.record([b]);
        assert_eq!(slot.read(), Some(vec![a, b]));
        slot.begin_poll();
        assert_eq!(slot.read(), None);
        slot.record([b]);
        assert_eq!(slot.read(), Some(vec![b]), "the list is reused");
    }

    #[test]
    fn a_channel_word_is_the_word_of_its_wait_and_decodes_to_it() {
        for kind in [
            ChannelKind::Rendezvous,
            ChannelKind::Bounded(1),
            ChannelKind::Bounded(1024),
            ChannelKind::Unbounded,
        ] {
            for id in [1, 2, 77, 1 << 20] {
                let packed = pack_channel(id, kind).expect("small ids and capacities pack");
                let facts = ChannelFacts::packed(packed, false);
                for (recv, wait) in [(true, Wait::Recv(facts)), (false, Wait::Send(facts))] {
                    let word = channel_word(recv, packed);
                    assert_eq!(Some(word), encode(wait), "{kind:?} #{id}");
                    assert_eq!(decode(word), Some(wait), "{kind:?} #{id}");
                }
            }
        }
    }

    #[test]
    fn record_word_stores_on_an_empty_slot_and_lists_a_second_wait() {
        let slot = WaitSlot::new();
        let first = ChannelFacts::packed(pack_channel(3, ChannelKind::Rendezvous).unwrap(), false);
        let second = ChannelFacts::packed(pack_channel(4, ChannelKind::Bounded(1)).unwrap(), false);
        slot.record_word(channel_word(true, first.payload().unwrap()), || {
            panic!("an empty slot takes the word without the facts")
        });
        slot.record_word(channel_word(false, second.payload().unwrap()), || {
            Wait::Send(second)
        });
        assert_eq!(
            slot.read(),
            Some(vec![Wait::Recv(first), Wait::Send(second)])
        );
    }
}
