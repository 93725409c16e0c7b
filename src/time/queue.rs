//! The timer queue: pending timers in deadline order.
//!
//! # Algorithm
//!
//! A binary min-heap of `(deadline, sequence number, slot)` keys over a
//! slab of slots that own the timers' actions, with lazy cancellation (the
//! classic alternative to a hierarchical timing wheel, Varghese and Lauck
//! 1987; a heap keeps exact deadlines and makes "the next deadline" free).
//!
//! * **Insert** takes a vacant slot (or grows the slab), stamps it with a
//!   fresh sequence number and pushes the key: `O(log n)`.
//! * **Cancel** empties the slot: `O(1)`. Its key stays in the heap,
//!   *stale*: a key is live only while its slot holds an action stamped
//!   with the key's sequence number. Sequence numbers are never reused, so
//!   a stale key can never match a later occupant of its slot.
//! * **Pop** takes keys off the top while their deadline has passed,
//!   skipping stale ones.
//! * **Compaction** bounds the stale keys: when the heap holds more than
//!   twice as many keys as there are pending timers (and more than
//!   [`COMPACT_MIN`]), it is rebuilt from the live keys, `O(n)` after at
//!   least `n/2` cancellations, so `O(1)` amortised per cancellation. When
//!   the last pending timer leaves, heap and slab are emptied outright.
//!
//! Every key in the heap names a slot inside the slab: the slab never
//! shrinks except when both are emptied together.
//!
//! Ties are broken by sequence number, so timers due at the same instant
//! pop in the order they were registered.
//!
//! # Channel timers
//!
//! `after` and `tick` timers own a `Sender` (see `channel.rs`). Nobody
//! cancels them: they are *abandoned* when every `Receiver` is dropped,
//! which closes the channel. A fired `after` timer is *retired*, not
//! dropped: its `Sender` must outlive the delivery, or the channel would
//! close and a `recv` would turn ready with an error. Abandoned channel
//! timers, pending or retired, are removed by a sweep that runs when the
//! number of channel timers reaches [`ChannelSweep::threshold`], which is at
//! least twice the number left by the previous sweep and at least half the
//! slab: a sweep costs `O(slots)` and comes after `Ω(slots)` channel
//! inserts, and abandoned channel timers are bounded by the live ones.
//!
//! # Who drops what
//!
//! The queue is used under its owner's lock (the timer thread's driver, or
//! a simulation). Dropping a `Waker` or a `Sender` runs foreign code (the
//! last `Sender` closes its channel and wakes receivers), so nothing is
//! dropped inside the queue: cancelled and swept actions go to a garbage
//! list that the owner takes with [`TimerQueue::take_garbage`] and drops
//! after unlocking.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::task::Waker;

use super::channel::Delivery;
use super::instant::Instant;

/// Below this many heap keys, stale keys are left for `pop_due` to skip.
const COMPACT_MIN: usize = 64;

/// The smallest number of channel timers that triggers a sweep.
const SWEEP_MIN: usize = 64;

/// Names one registered timer: valid until the timer fires or is removed,
/// then matches nothing, ever.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TimerKey {
    slot: u32,
    seq: u64,
}

/// What a timer does when it fires.
#[derive(Debug)]
pub(crate) enum TimerAction {
    /// Wake a task (a `Sleep` future's latest waker).
    Wake(Waker),
    /// Send the firing time on a channel (`after`, `tick`).
    Deliver(Delivery),
}

/// What becomes of a timer after it fired.
#[derive(Debug)]
pub(crate) enum Fired {
    /// Nothing left to do.
    Done,
    /// Arm it again for this deadline (a `tick`).
    Rearm(Instant, TimerAction),
    /// Keep it, unarmed, until its channel is abandoned (an `after`).
    Retire(TimerAction),
}

impl TimerAction {
    /// Runs the action for a timer due at `deadline`, found due at `now`.
    /// Runs foreign code (wakers, channel wake-ups): call it unlocked.
    pub(crate) fn fire(self, deadline: Instant, now: Instant) -> Fired {
        match self {
            TimerAction::Wake(waker) => {
                waker.wake();
                Fired::Done
            }
            TimerAction::Deliver(delivery) => delivery.deliver(deadline, now),
        }
    }

    /// Whether no one can observe this action any more (a channel timer
    /// whose receivers are all gone).
    fn is_abandoned(&self) -> bool {
        match self {
            TimerAction::Wake(_) => false,
            TimerAction::Deliver(delivery) => delivery.is_abandoned(),
        }
    }

    /// Whether firing this timer can wake a waiting process: a sleep
    /// always can; a channel timer only if a receiver waits on its channel.
    pub(crate) fn can_wake_someone(&self) -> bool {
        match self {
            TimerAction::Wake(_) => true,
            TimerAction::Deliver(delivery) => delivery.has_waiting_receiver(),
        }
    }

    /// The channel a channel timer delivers to (`None` for a sleep).
    pub(crate) fn delivers_to(&self) -> Option<u64> {
        match self {
            TimerAction::Wake(_) => None,
            TimerAction::Deliver(delivery) => Some(delivery.channel()),
        }
    }

    /// Whether this is a channel timer (counted for sweeps).
    fn is_channel(&self) -> bool {
        match self {
            TimerAction::Wake(_) => false,
            TimerAction::Deliver(_) => true,
        }
    }
}

/// One slab entry. Vacant when `action` is `None`.
#[derive(Debug)]
struct Slot {
    /// Sequence number of the timer that occupies (or last occupied) it.
    seq: u64,
    action: Option<TimerAction>,
}

/// A heap key; ordered by deadline, then registration order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct HeapKey {
    deadline: Instant,
    seq: u64,
    slot: u32,
}

/// When the next sweep of abandoned channel timers runs (module docs).
#[derive(Debug)]
struct ChannelSweep {
    /// Channel timers pending in slots.
    pending: usize,
    /// Sweep when `pending + retired.len()` reaches this.
    threshold: usize,
}

/// Pending timers ordered by `(deadline, registration order)`.
#[derive(Debug)]
pub(crate) struct TimerQueue {
    slots: Vec<Slot>,
    vacant: Vec<u32>,
    heap: BinaryHeap<Reverse<HeapKey>>,
    /// Occupied slots.
    pending: usize,
    next_seq: u64,
    /// Fired `after` timers kept for their `Sender` (module docs).
    retired: Vec<TimerAction>,
    sweep: ChannelSweep,
    /// Actions removed under the owner's lock, to drop after unlocking.
    garbage: Vec<TimerAction>,
}

impl Default for TimerQueue {
    fn default() -> Self {
        TimerQueue::new()
    }
}

impl TimerQueue {
    /// An empty queue.
    pub(crate) fn new() -> Self {
        TimerQueue {
            slots: Vec::new(),
            vacant: Vec::new(),
            heap: BinaryHeap::new(),
            pending: 0,
            next_seq: 0,
            retired: Vec::new(),
            sweep: ChannelSweep {
                pending: 0,
                threshold: SWEEP_MIN,
            },
            garbage: Vec::new(),
        }
    }

    /// Pending (armed, not cancelled) timers.
    #[cfg_attr(not(test), allow(dead_code))] // for tests and the simulation
    pub(crate) fn len(&self) -> usize {
        self.pending
    }

    /// Keys in the heap, stale ones included (bounded by compaction).
    #[cfg(test)]
    pub(crate) fn heap_len(&self) -> usize {
        self.heap.len()
    }

    /// Slots in the slab, vacant ones included.
    #[cfg(test)]
    pub(crate) fn slab_len(&self) -> usize {
        self.slots.len()
    }

    /// Fired `after` timers still held for their receivers.
    #[cfg(test)]
    pub(crate) fn retired_len(&self) -> usize {
        self.retired.len()
    }

    /// Arms a timer that runs `action` once `deadline` has passed.
    pub(crate) fn insert(&mut self, deadline: Instant, action: TimerAction) -> TimerKey {
        let is_channel = action.is_channel();
        let seq = self.next_seq;
        self.next_seq += 1;
        let slot = match self.vacant.pop() {
            Some(slot) => {
                self.slots[slot as usize] = Slot {
                    seq,
                    action: Some(action),
                };
                slot
            }
            None => {
                let slot = u32::try_from(self.slots.len())
                    .expect("hoare::time: more than u32::MAX timers pending at once");
                self.slots.push(Slot {
                    seq,
                    action: Some(action),
                });
                slot
            }
        };
        self.heap.push(Reverse(HeapKey {
            deadline,
            seq,
            slot,
        }));
        self.pending += 1;
        if is_channel {
            self.sweep.pending += 1;
            self.sweep_if_due();
        }
        TimerKey { slot, seq }
    }

    /// Makes the pending timer `key` wake `waker` (cloned only if it would
    /// not wake the same task). Returns `false` if `key` is no longer
    /// pending: it fired or was removed.
    pub(crate) fn set_waker(&mut self, key: TimerKey, waker: &Waker) -> bool {
        let Some(slot) = self.occupied_mut(key) else {
            return false;
        };
        if let Some(TimerAction::Wake(current)) = &mut slot.action {
            if !current.will_wake(waker) {
                let old = std::mem::replace(current, waker.clone());
                self.garbage.push(TimerAction::Wake(old));
            }
        }
        true
    }

    /// Cancels the timer `key` if it is still pending; its action goes to
    /// the garbage. Returns whether it was pending.
    pub(crate) fn remove(&mut self, key: TimerKey) -> bool {
        if self.occupied_mut(key).is_none() {
            return false;
        }
        let action = self.vacate(key.slot);
        self.garbage.push(action);
        self.compact_if_due();
        true
    }

    /// The earliest deadline of a pending timer, dropping stale keys from
    /// the top of the heap on the way.
    pub(crate) fn next_deadline(&mut self) -> Option<Instant> {
        while let Some(&Reverse(top)) = self.heap.peek() {
            if self.is_live(top) {
                return Some(top.deadline);
            }
            self.heap.pop();
        }
        None
    }

    /// The earliest deadline of a pending timer whose action satisfies
    /// `wanted` (the simulation asks for timers that can wake someone).
    pub(crate) fn earliest_where(
        &self,
        mut wanted: impl FnMut(&TimerAction) -> bool,
    ) -> Option<Instant> {
        self.heap
            .iter()
            .filter(|Reverse(key)| self.is_live(*key))
            .filter(|Reverse(key)| {
                let slot = &self.slots[key.slot as usize];
                slot.action.as_ref().is_some_and(&mut wanted)
            })
            .map(|Reverse(key)| key.deadline)
            .min()
    }

    /// Removes and returns the next timer due at `now` (deadline `<=
    /// now`), earliest deadline first, ties in registration order.
    pub(crate) fn pop_due(&mut self, now: Instant) -> Option<(Instant, TimerAction)> {
        while let Some(&Reverse(top)) = self.heap.peek() {
            if top.deadline > now {
                return None;
            }
            self.heap.pop();
            if self.is_live(top) {
                let action = self.vacate(top.slot);
                return Some((top.deadline, action));
            }
        }
        None
    }

    /// Applies what a fired timer asked for (see [`Fired`]).
    pub(crate) fn settle(&mut self, fired: Fired) {
        match fired {
            Fired::Done => {}
            Fired::Rearm(deadline, action) => {
                self.insert(deadline, action);
            }
            Fired::Retire(action) => {
                self.retired.push(action);
                self.sweep_if_due();
            }
        }
    }

    /// Actions removed since the last call; drop them after unlocking.
    pub(crate) fn take_garbage(&mut self) -> Vec<TimerAction> {
        std::mem::take(&mut self.garbage)
    }

    fn is_live(&self, key: HeapKey) -> bool {
        let slot = &self.slots[key.slot as usize];
        slot.seq == key.seq && slot.action.is_some()
    }

    fn occupied_mut(&mut self, key: TimerKey) -> Option<&mut Slot> {
        self.slots
            .get_mut(key.slot as usize)
            .filter(|slot| slot.seq == key.seq && slot.action.is_some())
    }

    /// Empties an occupied slot and returns its action. The last pending
    /// timer leaving empties heap and slab: every key left is stale.
    fn vacate(&mut self, slot: u32) -> TimerAction {
        let action = self.slots[slot as usize]
            .action
            .take()
            .expect("hoare::time: vacating a vacant timer slot");
        if action.is_channel() {
            self.sweep.pending -= 1;
        }
        self.pending -= 1;
        if self.pending == 0 {
            self.slots.clear();
            self.vacant.clear();
            self.heap.clear();
        } else {
            self.vacant.push(slot);
        }
        action
    }

    /// Rebuilds the heap from its live keys when stale ones outnumber them.
    fn compact_if_due(&mut self) {
        if self.heap.len() > COMPACT_MIN && self.heap.len() > 2 * self.pending {
            let slots = &self.slots;
            self.heap.retain(|&Reverse(key)| {
                let slot = &slots[key.slot as usize];
                slot.seq == key.seq && slot.action.is_some()
            });
        }
    }

    /// Sweeps abandoned channel timers once enough have accumulated.
    fn sweep_if_due(&mut self) {
        if self.sweep.pending + self.retired.len() < self.sweep.threshold {
            return;
        }
        // Not a `for` over the initial length: vacating the last pending
        // timer empties the slab.
        let mut slot = 0;
        while slot < self.slots.len() {
            let action = self.slots[slot].action.as_ref();
            if action.is_some_and(TimerAction::is_abandoned) {
                let action = self.vacate(slot as u32);
                self.garbage.push(action);
            }
            slot += 1;
        }
        let (abandoned, kept) = std::mem::take(&mut self.retired)
            .into_iter()
            .partition::<Vec<_>, _>(TimerAction::is_abandoned);
        self.retired = kept;
        self.garbage.extend(abandoned);
        let live = self.sweep.pending + self.retired.len();
        self.sweep.threshold = SWEEP_MIN.max(2 * live).max(self.slots.len() / 2);
        self.compact_if_due();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::instant::ORIGIN_NANOS;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::task::Wake;
    use std::time::Duration;

    /// A waker that records its id in a shared log when woken.
    struct Recorder {
        id: usize,
        log: Arc<std::sync::Mutex<Vec<usize>>>,
    }

    impl Wake for Recorder {
        fn wake(self: Arc<Self>) {
            self.log.lock().unwrap().push(self.id);
        }
    }

    fn recorder(id: usize, log: &Arc<std::sync::Mutex<Vec<usize>>>) -> TimerAction {
        TimerAction::Wake(Waker::from(Arc::new(Recorder {
            id,
            log: log.clone(),
        })))
    }

    struct Counter(AtomicUsize);

    impl Wake for Counter {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn at(millis: u64) -> Instant {
        Instant::from_nanos(ORIGIN_NANOS) + Duration::from_millis(millis)
    }

    fn fire_all_due(queue: &mut TimerQueue, now: Instant) {
        while let Some((deadline, action)) = queue.pop_due(now) {
            let fired = action.fire(deadline, now);
            queue.settle(fired);
        }
    }

    #[test]
    fn timers_pop_in_deadline_order() {
        let log = Arc::default();
        let mut queue = TimerQueue::new();
        for (id, millis) in [(0, 30), (1, 10), (2, 50), (3, 20), (4, 40)] {
            queue.insert(at(millis), recorder(id, &log));
        }
        fire_all_due(&mut queue, at(100));
        assert_eq!(*log.lock().unwrap(), vec![1, 3, 0, 4, 2]);
        assert_eq!(queue.len(), 0);
    }

    #[test]
    fn timers_due_together_pop_in_registration_order() {
        let log = Arc::default();
        let mut queue = TimerQueue::new();
        for id in 0..100 {
            queue.insert(at(5), recorder(id, &log));
        }
        fire_all_due(&mut queue, at(5));
        assert_eq!(*log.lock().unwrap(), (0..100).collect::<Vec<_>>());
    }

    #[test]
    fn timers_not_yet_due_stay_pending() {
        let log = Arc::default();
        let mut queue = TimerQueue::new();
        queue.insert(at(10), recorder(0, &log));
        queue.insert(at(20), recorder(1, &log));
        fire_all_due(&mut queue, at(15));
        assert_eq!(*log.lock().unwrap(), vec![0]);
        assert_eq!(queue.len(), 1);
        assert_eq!(queue.next_deadline(), Some(at(20)));
    }

    #[test]
    fn removed_timer_never_fires() {
        let log = Arc::default();
        let mut queue = TimerQueue::new();
        let first = queue.insert(at(10), recorder(0, &log));
        queue.insert(at(20), recorder(1, &log));
        assert!(queue.remove(first));
        assert!(!queue.remove(first), "a key is removed once");
        assert_eq!(queue.next_deadline(), Some(at(20)));
        fire_all_due(&mut queue, at(100));
        assert_eq!(*log.lock().unwrap(), vec![1]);
        assert_eq!(queue.take_garbage().len(), 1);
    }

    #[test]
    fn hundred_thousand_timers_register_and_cancel() {
        const N: u64 = 100_000;
        let counter = Arc::new(Counter(AtomicUsize::new(0)));
        let waker = Waker::from(counter.clone());
        let mut queue = TimerQueue::new();
        let keys: Vec<_> = (0..N)
            .map(|i| queue.insert(at(1_000 + i % 997), TimerAction::Wake(waker.clone())))
            .collect();
        assert_eq!(queue.len(), N as usize);
        // Cancel in an order unrelated to the deadlines; stale keys stay
        // bounded by compaction throughout.
        for (i, key) in keys.iter().enumerate().rev() {
            assert!(queue.remove(*key));
            let pending = queue.len();
            assert!(
                queue.heap_len() <= (2 * pending).max(COMPACT_MIN) + 1,
                "at {i}"
            );
        }
        assert_eq!(queue.len(), 0);
        assert_eq!(queue.heap_len(), 0);
        assert_eq!(queue.slab_len(), 0);
        assert_eq!(queue.next_deadline(), None);
        fire_all_due(&mut queue, Instant::NEVER);
        assert_eq!(counter.0.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn stale_key_never_matches_a_reused_slot() {
        let log = Arc::default();
        let mut queue = TimerQueue::new();
        queue.insert(at(1), recorder(0, &log));
        let old = queue.insert(at(2), recorder(1, &log));
        assert!(queue.remove(old));
        let new = queue.insert(at(3), recorder(2, &log));
        assert_eq!(new.slot, old.slot, "the vacant slot is reused");
        assert!(!queue.remove(old));
        let waker = Waker::from(Arc::new(Counter(AtomicUsize::new(0))));
        assert!(!queue.set_waker(old, &waker));
        assert!(queue.set_waker(new, &waker));
    }

    #[test]
    fn set_waker_replaces_the_waker_and_reports_fired_timers() {
        let log = Arc::default();
        let mut queue = TimerQueue::new();
        let key = queue.insert(at(10), recorder(0, &log));
        let newer = Waker::from(Arc::new(Recorder {
            id: 1,
            log: log.clone(),
        }));
        assert!(queue.set_waker(key, &newer));
        assert_eq!(
            queue.take_garbage().len(),
            1,
            "the replaced waker is dropped unlocked"
        );
        assert!(queue.set_waker(key, &newer));
        assert!(
            queue.take_garbage().is_empty(),
            "the same waker is not cloned again"
        );
        fire_all_due(&mut queue, at(10));
        assert_eq!(*log.lock().unwrap(), vec![1]);
        assert!(
            !queue.set_waker(key, &newer),
            "a fired timer is no longer pending"
        );
    }

    #[test]
    fn sweep_of_only_abandoned_channel_timers_empties_the_queue() {
        let mut queue = TimerQueue::new();
        for _ in 0..SWEEP_MIN {
            let (sender, receiver) = crate::chan::bounded(1);
            drop(receiver);
            queue.insert(at(10), Delivery::once(sender));
        }
        assert_eq!(queue.len(), 0, "the sweep removed every abandoned timer");
        assert_eq!(queue.slab_len(), 0);
        assert_eq!(queue.take_garbage().len(), SWEEP_MIN);
        assert_eq!(queue.next_deadline(), None);
    }

    #[test]
    fn sweep_survives_emptying_the_slab_before_its_end() {
        fn abandoned() -> TimerAction {
            let (sender, _) = crate::chan::bounded(1);
            Delivery::once(sender)
        }
        let log = Arc::default();
        let mut queue = TimerQueue::new();
        queue.insert(at(10), abandoned());
        let vacant = queue.insert(at(10), recorder(0, &log));
        queue.remove(vacant);
        for _ in 1..SWEEP_MIN {
            queue.settle(Fired::Retire(abandoned()));
        }
        assert_eq!(queue.len(), 0);
        assert_eq!(queue.retired_len(), 0);
    }

    #[test]
    fn sweep_keeps_timers_whose_receivers_live() {
        let mut queue = TimerQueue::new();
        let mut receivers = Vec::new();
        for i in 0..4 * SWEEP_MIN {
            let (sender, receiver) = crate::chan::bounded(1);
            if i % 2 == 0 {
                receivers.push(receiver);
            }
            queue.insert(at(10), Delivery::once(sender));
        }
        assert!(queue.len() >= receivers.len());
        assert!(queue.len() < 4 * SWEEP_MIN, "abandoned timers were swept");
        fire_all_due(&mut queue, at(10));
        assert!(receivers.iter().all(|receiver| receiver.try_recv().is_ok()));
        assert_eq!(
            queue.retired_len(),
            receivers.len(),
            "fired afters keep their senders"
        );
    }

    #[test]
    fn never_deadline_is_not_due_even_at_the_end_of_time() {
        let log = Arc::default();
        let mut queue = TimerQueue::new();
        queue.insert(Instant::NEVER, recorder(0, &log));
        assert!(queue
            .pop_due(Instant::NEVER - Duration::from_nanos(1))
            .is_none());
        assert_eq!(queue.len(), 1);
    }
}
