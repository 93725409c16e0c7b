//! A receiver's one word: its channel, and its registration as a
//! `Stream` once it has one to keep.
//!
//! Most receivers are never polled as streams, and a receiver that a
//! process owns lies in its task block (ARCHITECTURE.md, "What an idle
//! process costs"), so the stream's registration between polls does not
//! take a word of every receiver. The word holds the channel's `Arc` (as
//! `Arc::into_raw`); the first `poll_next` that has a registration to keep
//! moves that `Arc` into a box beside it ([`ReceiverWord::keep`]), and the
//! word then points at the box, with the [`STREAMING`] bit set. Both
//! targets are at least 8-aligned, so the low bit is free. The box lives
//! as long as the receiver.

use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::ops::Deref;
use std::ptr::NonNull;

use super::operation::RecvWait;
use super::selection::Waiting;
use super::Channel;
use crate::sync::Arc;

/// The tag bit of a word that points at a [`Streaming`] box.
const STREAMING: usize = 1;

const _: () = assert!(
    std::mem::align_of::<Channel<()>>() > STREAMING
        && std::mem::align_of::<Streaming<()>>() > STREAMING,
    "a receiver word's tag bit must be free in both of its pointers"
);

/// A receiver's state as a stream between polls.
pub(super) struct StreamState<T> {
    /// Where the pending `poll_next` is registered.
    pub(super) wait: RecvWait<T>,
    pub(super) waiting: Waiting,
    /// The stream returned `None`: the channel is closed and drained.
    pub(super) ended: bool,
}

impl<T> StreamState<T> {
    pub(super) fn new() -> Self {
        StreamState {
            wait: RecvWait::default(),
            waiting: Waiting::new(),
            ended: false,
        }
    }
}

/// A receiver polled as a stream: its channel, and what it keeps between
/// polls.
struct Streaming<T> {
    shared: Arc<Channel<T>>,
    state: StreamState<T>,
}

/// The channel of one receiver, and its stream state once it has one
/// (module docs). Dereferences to the channel.
pub(super) struct ReceiverWord<T> {
    word: NonNull<()>,
    /// Owns the channel's `Arc`, alone or in the box (which holds it).
    _owns: PhantomData<Box<Streaming<T>>>,
}

// SAFETY: the word owns an `Arc<Channel<T>>` or a `Box<Streaming<T>>`
// (which holds one and a `StreamState<T>`): it may move to another thread
// when they may.
unsafe impl<T> Send for ReceiverWord<T>
where
    Arc<Channel<T>>: Send,
    StreamState<T>: Send,
{
}
// SAFETY: as above; `&ReceiverWord` reads the channel through a shared
// reference (`Deref`) and the stream state through a shared reference
// (`kept`, for `is_terminated`) or `&mut` (`split`): sharing the word
// across threads shares `&Channel<T>` and `&StreamState<T>`, which the
// bounds below allow.
unsafe impl<T> Sync for ReceiverWord<T>
where
    Arc<Channel<T>>: Sync,
    StreamState<T>: Sync,
{
}

impl<T> ReceiverWord<T> {
    /// A word holding `shared`, with no stream state.
    pub(super) fn new(shared: Arc<Channel<T>>) -> Self {
        let raw = Arc::into_raw(shared).cast_mut().cast::<()>();
        ReceiverWord {
            word: NonNull::new(raw).expect("an Arc's pointer is not null"),
            _owns: PhantomData,
        }
    }

    /// The stream box, if the word points at one.
    fn streaming(&self) -> Option<*mut Streaming<T>> {
        let ptr = self.word.as_ptr();
        (ptr.addr() & STREAMING != 0).then(|| {
            ptr.map_addr(|addr| addr & !STREAMING)
                .cast::<Streaming<T>>()
        })
    }

    /// The untagged word: the channel, from `Arc::into_raw`.
    fn channel_ptr(&self) -> *const Channel<T> {
        self.word.as_ptr().cast::<Channel<T>>()
    }

    /// Another counted reference to the channel.
    pub(super) fn clone_arc(&self) -> Arc<Channel<T>> {
        match self.streaming() {
            // SAFETY: the box lives as long as the word (module docs).
            Some(streaming) => unsafe { (*streaming).shared.clone() },
            None => {
                // SAFETY: an untagged word is an `Arc::into_raw` whose count
                // the word holds; the rebuilt `Arc` is not dropped, so it
                // gives back nothing.
                let shared = ManuallyDrop::new(unsafe { Arc::from_raw(self.channel_ptr()) });
                Arc::clone(&shared)
            }
        }
    }

    /// The stream state kept between polls, if any.
    pub(super) fn kept(&self) -> Option<&StreamState<T>> {
        // SAFETY: the box lives as long as the word; `&self` gives shared
        // access only.
        self.streaming()
            .map(|streaming| unsafe { &(*streaming).state })
    }

    /// The channel, and the stream state kept between polls, if any.
    pub(super) fn split(&mut self) -> (&Channel<T>, Option<&mut StreamState<T>>) {
        match self.streaming() {
            Some(streaming) => {
                // SAFETY: the box lives as long as the word, and `&mut
                // self` makes this the only access to it; the two borrows
                // are of different fields.
                let (shared, state) = unsafe { (&(*streaming).shared, &mut (*streaming).state) };
                (shared, Some(state))
            }
            // SAFETY: an untagged word is an `Arc::into_raw` whose count the
            // word holds, so the channel lives as long as the word.
            None => (unsafe { &*self.channel_ptr() }, None),
        }
    }

    /// Keeps `state` between polls: the first time, moves the channel's
    /// `Arc` into a box beside it.
    pub(super) fn keep(&mut self, state: StreamState<T>) {
        if let Some(streaming) = self.streaming() {
            // SAFETY: the box lives as long as the word; `&mut self`.
            unsafe { (*streaming).state = state };
            return;
        }
        // SAFETY: an untagged word is an `Arc::into_raw` whose count the
        // word holds; the count moves into the box, which the word then
        // points at instead.
        let shared = unsafe { Arc::from_raw(self.channel_ptr()) };
        let boxed = Box::into_raw(Box::new(Streaming { shared, state }));
        let tagged = boxed.cast::<()>().map_addr(|addr| addr | STREAMING);
        self.word = NonNull::new(tagged).expect("a box pointer is not null");
    }
}

impl<T> Deref for ReceiverWord<T> {
    type Target = Channel<T>;

    #[inline]
    fn deref(&self) -> &Channel<T> {
        match self.streaming() {
            // SAFETY: the box lives as long as the word.
            Some(streaming) => unsafe { &(*streaming).shared },
            // SAFETY: an untagged word is an `Arc::into_raw` whose count the
            // word holds.
            None => unsafe { &*self.channel_ptr() },
        }
    }
}

impl<T> Drop for ReceiverWord<T> {
    fn drop(&mut self) {
        match self.streaming() {
            // SAFETY: made by `Box::into_raw` in `keep`, owned by the word,
            // which is dropped once.
            Some(streaming) => drop(unsafe { Box::from_raw(streaming) }),
            // SAFETY: made by `Arc::into_raw` in `new`; the word's count is
            // given back once.
            None => drop(unsafe { Arc::from_raw(self.channel_ptr()) }),
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn a_receiver_word_holds_one_count_of_its_channel_plain_or_streaming() {
        let (_tx, rx) = super::super::bounded::<u8>(1);
        let shared = rx.shared.clone_arc();
        let before = Arc::strong_count(&shared);
        let mut word = ReceiverWord::new(shared.clone());
        assert_eq!(Arc::strong_count(&shared), before + 1);
        assert!(word.kept().is_none());
        let clone = word.clone_arc();
        assert_eq!(Arc::strong_count(&shared), before + 2);
        drop(clone);
        word.keep(StreamState::new());
        assert!(word.kept().is_some_and(|state| !state.ended));
        assert!(std::ptr::eq::<Channel<u8>>(&*word, &*shared));
        assert_eq!(Arc::strong_count(&shared), before + 1);
        let clone = word.clone_arc();
        assert_eq!(Arc::strong_count(&shared), before + 2);
        drop((clone, word));
        assert_eq!(Arc::strong_count(&shared), before);
    }
}
