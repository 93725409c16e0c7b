//! One waiting operation in a queue of the locked flavour (`zero.rs`), in
//! one word.
//!
//! A queue entry is a select arm's [`Entry`] (a counted `Arc`), or a
//! pointer to a plain operation's [`InlineWaiter`] inside its pinned
//! future, which may keep what it is handed or not. As an enum that is
//! two words (a tag and a pointer); here it is one pointer whose two low
//! bits carry the kind. Both pointees are aligned to at least 8 (checked
//! below), so those bits are always free. Every process waiting on a
//! shared channel owns one entry, so the word saves 8 bytes per waiting
//! process.
//!
//! The word owns what its kind owns: an arm's word holds the reference
//! `Arc::into_raw` gave up, which [`Queued::into_kind`] or the drop takes
//! back; an inline word owns nothing (the queue's pointer, whose rules are
//! [`super::inline_waiter`]'s).

use std::collections::VecDeque;
use std::marker::PhantomData;
use std::ptr::NonNull;

use super::inline_waiter::{InlineRef, InlineWaiter};
use super::waiter::{Entry, Token};
use crate::sync::Arc;

/// The kind bits.
const KIND: usize = 0b11;
const ARM: usize = 0;
const INLINE: usize = 1;
const KEEPING: usize = 2;

/// A queue entry, in one word (module docs).
pub(super) struct Queued<T> {
    word: NonNull<()>,
    /// Owns an `Arc<Entry<T>>` or points at an `InlineWaiter<T>`: the auto
    /// traits follow the kinds (and the impls below).
    _kinds: PhantomData<Kind<T>>,
}

/// What a [`Queued`] entry is, unpacked.
pub(super) enum Kind<T> {
    /// A select arm, registered under its token (the protocol of
    /// [`super::waiter`]).
    Arm(Arc<Entry<T>>),
    /// A plain `send`/`recv`, waiting inside its pinned future (the
    /// protocol of [`super::inline_waiter`]). Every waiter of this kind in
    /// a queue is `WAITING`: each of its transitions happens under the
    /// lock, with its removal from the queue.
    Inline(InlineRef<T>),
    /// A plain receive that keeps what it is handed: the blocking forms
    /// (`recv_blocking`, `recv_timeout`, ...), which never drop a future
    /// that holds a value (a timed-out one returns it). An [`Self::Inline`]
    /// waiter otherwise; on a buffered channel it is handed the oldest
    /// buffered value instead of being notified (`zero.rs`'s module docs).
    Keeping(InlineRef<T>),
}

// SAFETY: a `Queued<T>` is one of its kinds in another form: it may go
// to another thread exactly when they may. (`Kind<T>` is `Send` when both
// `Arc<Entry<T>>` and `InlineRef<T>` are, which `PhantomData` carries;
// `Sync` is not needed: entries are reached only under the lock.)
unsafe impl<T> Send for Queued<T> where Kind<T>: Send {}

impl<T> Queued<T> {
    const _ALIGNED: () = assert!(
        std::mem::align_of::<Entry<T>>() > KIND && std::mem::align_of::<InlineWaiter<T>>() > KIND,
        "hoare: a queue entry's kind bits must be free in both of its pointers"
    );

    /// Packs `kind` into one word.
    pub(super) fn new(kind: Kind<T>) -> Self {
        #[allow(clippy::let_unit_value)]
        let () = Self::_ALIGNED;
        let (pointer, bits) = match kind {
            Kind::Arm(entry) => (Arc::into_raw(entry).cast::<()>().cast_mut(), ARM),
            Kind::Inline(waiter) => (waiter.into_ptr().as_ptr().cast::<()>(), INLINE),
            Kind::Keeping(waiter) => (waiter.into_ptr().as_ptr().cast::<()>(), KEEPING),
        };
        let word = pointer.map_addr(|addr| addr | bits);
        Queued {
            word: NonNull::new(word).expect("hoare: a queue entry's pointer is not null"),
            _kinds: PhantomData,
        }
    }

    fn bits(&self) -> usize {
        self.word.as_ptr().addr() & KIND
    }

    /// The pointer without its kind bits (with its provenance).
    fn pointer(&self) -> *mut () {
        self.word.as_ptr().map_addr(|addr| addr & !KIND)
    }

    /// Unpacks the entry, handing over what it owns.
    pub(super) fn into_kind(self) -> Kind<T> {
        let this = std::mem::ManuallyDrop::new(self);
        let pointer = this.pointer();
        match this.bits() {
            // SAFETY: an arm's word came from `Arc::into_raw` in `new`, and
            // its reference is taken back once: `this` is not dropped.
            ARM => Kind::Arm(unsafe { Arc::from_raw(pointer.cast_const().cast::<Entry<T>>()) }),
            // SAFETY: an inline word came from `InlineRef::into_ptr`.
            INLINE => Kind::Inline(unsafe { InlineRef::from_ptr(inline_pointer(pointer)) }),
            // SAFETY: as above.
            KEEPING => Kind::Keeping(unsafe { InlineRef::from_ptr(inline_pointer(pointer)) }),
            _ => unreachable!("hoare: a queue entry with unknown kind bits"),
        }
    }

    /// The select arm's entry, if this is an arm.
    fn entry(&self) -> Option<&Entry<T>> {
        // SAFETY: an arm's word holds a counted reference to the entry
        // (`new`), alive while `self` is.
        (self.bits() == ARM).then(|| unsafe { &*self.pointer().cast_const().cast::<Entry<T>>() })
    }

    /// Whether this waiter could still be completed by an operation of the
    /// select owning `own` (`None` for a plain operation): a select never
    /// meets itself.
    pub(super) fn can_meet(&self, own: Option<&Token>) -> bool {
        match self.entry() {
            Some(entry) => {
                own.is_none_or(|own| !entry.belongs_to(own)) && entry.token().is_waiting()
            }
            None => true,
        }
    }

    /// Whether this is a registration of the select owning `token`.
    pub(super) fn belongs_to(&self, token: &Token) -> bool {
        self.entry().is_some_and(|entry| entry.belongs_to(token))
    }

    /// Whether this is a plain operation's pointer to `waiter` (of either
    /// inline kind).
    pub(super) fn points_at(&self, waiter: &InlineWaiter<T>) -> bool {
        self.bits() != ARM && std::ptr::eq(self.pointer().cast_const().cast(), waiter)
    }
}

/// An inline word's pointer, never null.
fn inline_pointer<T>(pointer: *mut ()) -> NonNull<InlineWaiter<T>> {
    NonNull::new(pointer.cast()).expect("hoare: a queue entry's pointer is not null")
}

impl<T> Drop for Queued<T> {
    fn drop(&mut self) {
        if self.bits() == ARM {
            // SAFETY: as in `into_kind`; `self` is not used again.
            drop(unsafe { Arc::from_raw(self.pointer().cast_const().cast::<Entry<T>>()) });
        }
    }
}

/// A FIFO queue of waiters whose oldest waiter lives inline, in the
/// channel's state: most queues of the locked flavour never hold more
/// than one waiter (a process parked on its own channel, one side of a
/// ping-pong), so the common wait allocates nothing and its push and pop
/// touch no line beyond the channel's own. Later waiters go to a boxed
/// `VecDeque` behind it, allocated when a second waiter comes and kept
/// (as a `VecDeque` keeps its capacity): the queue is two words in the
/// channel. Invariant: `first` is empty only if `rest` is.
pub(super) struct WaiterQueue<T> {
    first: Option<Queued<T>>,
    // Boxed on purpose: one word here instead of a `VecDeque`'s four.
    #[allow(clippy::box_collection)]
    rest: Option<Box<VecDeque<Queued<T>>>>,
}

impl<T> WaiterQueue<T> {
    /// An empty queue; allocates nothing.
    pub(super) const fn new() -> Self {
        WaiterQueue {
            first: None,
            rest: None,
        }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.first.is_none()
    }

    pub(super) fn len(&self) -> usize {
        usize::from(self.first.is_some()) + self.rest.as_ref().map_or(0, |rest| rest.len())
    }

    /// Appends the newest waiter.
    #[inline]
    pub(super) fn push_back(&mut self, waiter: Queued<T>) {
        if self.first.is_none() {
            self.first = Some(waiter);
        } else {
            self.rest_mut().push_back(waiter);
        }
    }

    /// Puts `waiter` before every other (a notified receive that found
    /// its value taken waits again where it was).
    pub(super) fn push_front(&mut self, waiter: Queued<T>) {
        if let Some(older) = self.first.replace(waiter) {
            self.rest_mut().push_front(older);
        }
    }

    /// Takes the oldest waiter out.
    #[inline]
    pub(super) fn pop_front(&mut self) -> Option<Queued<T>> {
        let oldest = self.first.take()?;
        if let Some(rest) = &mut self.rest {
            self.first = rest.pop_front();
        }
        Some(oldest)
    }

    /// Keeps the waiters for which `keep` holds, in order; drops the
    /// others.
    pub(super) fn retain(&mut self, mut keep: impl FnMut(&Queued<T>) -> bool) {
        let Some(first) = &self.first else {
            return;
        };
        let keep_first = keep(first);
        if let Some(rest) = &mut self.rest {
            rest.retain(&mut keep);
        }
        if !keep_first {
            self.first = self.rest.as_mut().and_then(|rest| rest.pop_front());
        }
    }

    /// The waiters, oldest first.
    pub(super) fn iter(&self) -> impl Iterator<Item = &Queued<T>> {
        self.first
            .iter()
            .chain(self.rest.iter().flat_map(|rest| rest.iter()))
    }

    /// Takes every waiter out, oldest first.
    pub(super) fn take_all(&mut self) -> impl Iterator<Item = Queued<T>> {
        let first = self.first.take();
        let rest = self.rest.as_mut().map(|rest| std::mem::take(&mut **rest));
        first.into_iter().chain(rest.into_iter().flatten())
    }

    /// The queue behind the first waiter, allocated at its first use.
    #[cold]
    fn rest_mut(&mut self) -> &mut VecDeque<Queued<T>> {
        self.rest.get_or_insert_with(Box::default)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use std::task::Waker;

    use super::*;

    #[test]
    fn a_queue_entry_is_one_word() {
        assert_eq!(size_of::<Queued<u64>>(), size_of::<usize>());
        assert_eq!(size_of::<Option<Queued<u64>>>(), size_of::<usize>());
        // The enum it replaces took two.
        assert_eq!(size_of::<Kind<u64>>(), 2 * size_of::<usize>());
    }

    #[test]
    fn each_kind_comes_back_as_it_went_in() {
        let token = Arc::new(Token::new(Waker::noop()));
        let other = Arc::new(Token::new(Waker::noop()));
        let entry = Entry::<u64>::new(token.clone(), 3, 7, None);
        let arm = Queued::new(Kind::Arm(entry.clone()));
        assert_eq!(Arc::strong_count(&entry), 2, "the word holds one count");
        assert!(arm.belongs_to(&token) && !arm.belongs_to(&other));
        assert!(arm.can_meet(None) && arm.can_meet(Some(&other)));
        assert!(!arm.can_meet(Some(&token)), "a select never meets itself");
        match arm.into_kind() {
            Kind::Arm(back) => assert!(Arc::ptr_eq(&back, &entry)),
            _ => panic!("an arm came back as another kind"),
        }
        assert_eq!(
            Arc::strong_count(&entry),
            1,
            "unpacking gave the count back"
        );
        drop(Queued::new(Kind::Arm(entry.clone())));
        assert_eq!(Arc::strong_count(&entry), 1, "dropping gave the count back");

        let waiter = InlineWaiter::<u64>::new(None);
        let elsewhere = InlineWaiter::<u64>::new(None);
        for keeping in [false, true] {
            let word = if keeping {
                Queued::new(Kind::Keeping(waiter.as_ref()))
            } else {
                Queued::new(Kind::Inline(waiter.as_ref()))
            };
            assert!(word.points_at(&waiter) && !word.points_at(&elsewhere));
            assert!(word.can_meet(Some(&token)) && !word.belongs_to(&token));
            match (keeping, word.into_kind()) {
                (false, Kind::Inline(back)) | (true, Kind::Keeping(back)) => {
                    assert_eq!(back.into_ptr(), NonNull::from(&waiter))
                }
                _ => panic!("an inline waiter came back as another kind"),
            }
        }
    }

    /// Plain waiters pointing at `waiters[i]`, to tell queue entries apart.
    fn words(waiters: &[InlineWaiter<u64>]) -> Vec<Queued<u64>> {
        waiters
            .iter()
            .map(|waiter| Queued::new(Kind::Inline(waiter.as_ref())))
            .collect()
    }

    /// Which of `waiters` the queue holds, oldest first.
    fn order(queue: &WaiterQueue<u64>, waiters: &[InlineWaiter<u64>]) -> Vec<usize> {
        queue
            .iter()
            .map(|word| {
                waiters
                    .iter()
                    .position(|waiter| word.points_at(waiter))
                    .expect("a queued word points at one of the waiters")
            })
            .collect()
    }

    #[test]
    fn a_waiter_queue_is_fifo_with_its_oldest_inline() {
        let waiters: Vec<_> = (0..5).map(|_| InlineWaiter::<u64>::new(None)).collect();
        let mut queue = WaiterQueue::new();
        assert!(queue.is_empty() && queue.pop_front().is_none());
        assert_eq!(queue.len(), 0);
        let mut words = words(&waiters).into_iter();
        queue.push_back(words.next().unwrap());
        assert!(queue.rest.is_none(), "one waiter allocates nothing");
        for word in words.by_ref().take(3) {
            queue.push_back(word);
        }
        queue.push_front(words.next().unwrap());
        assert_eq!(order(&queue, &waiters), [4, 0, 1, 2, 3]);
        assert_eq!(queue.len(), 5);
        let popped = queue.pop_front().unwrap();
        assert!(popped.points_at(&waiters[4]));
        assert_eq!(order(&queue, &waiters), [0, 1, 2, 3]);
        queue.retain(|word| !word.points_at(&waiters[0]) && !word.points_at(&waiters[2]));
        assert_eq!(order(&queue, &waiters), [1, 3], "retain keeps the order");
        queue.retain(|word| word.points_at(&waiters[1]));
        assert_eq!(order(&queue, &waiters), [1]);
        assert!(queue.first.is_some() && queue.rest.as_ref().is_some_and(|rest| rest.is_empty()));
        queue.push_back(popped);
        let all: Vec<_> = queue.take_all().collect();
        assert!(all[0].points_at(&waiters[1]) && all[1].points_at(&waiters[4]));
        assert!(queue.is_empty());
        assert_eq!(queue.len(), 0);
        queue.retain(|_| true);
        assert!(queue.is_empty());
    }

    #[test]
    fn a_waiter_queue_drops_the_arms_it_lets_go_of_once() {
        let token = Arc::new(Token::new(Waker::noop()));
        let entries: Vec<_> = (0..3)
            .map(|index| Entry::<u64>::new(token.clone(), index, 7, None))
            .collect();
        let mut queue = WaiterQueue::new();
        for entry in &entries {
            queue.push_back(Queued::new(Kind::Arm(entry.clone())));
        }
        queue.retain(|word| {
            !word
                .entry()
                .is_some_and(|entry| std::ptr::eq(entry, &*entries[0]))
        });
        assert_eq!(Arc::strong_count(&entries[0]), 1, "the first, let go of");
        assert_eq!(Arc::strong_count(&entries[1]), 2, "kept");
        drop(queue);
        assert!(entries.iter().all(|entry| Arc::strong_count(entry) == 1));
    }
}
