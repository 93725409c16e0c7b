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
}
