//! Wakers of processes: a pointer to the task block, one reference each.
//!
//! Cloning a waker increments the reference count; dropping it decrements
//! it; waking sets `NOTIFIED` and, if the process was idle, hands a
//! `Notified` reference to the scheduler. No allocation, from any thread:
//! a wake from outside the runtime goes to the injection queue (see
//! `scheduler.rs`).
//!
//! [`CompactWaker`] keeps any waker in one word, for the join-waker slot
//! of a task header.

use std::mem::ManuallyDrop;
use std::ptr::NonNull;
use std::task::{RawWaker, RawWakerVTable, Waker};

use super::raw::Header;
use super::state::TransitionToNotified;
use super::Notified;
use super::Owner;

static WAKER_VTABLE: RawWakerVTable =
    RawWakerVTable::new(clone_waker, wake_by_val, wake_by_ref, drop_waker);

/// A waker for the process at `header` that does not own a reference.
///
/// # Safety
///
/// The returned waker must not be dropped (wrap it in `ManuallyDrop`), and
/// the caller must keep a reference alive while it is in use. Clones of it
/// are ordinary wakers with their own reference.
pub(crate) unsafe fn borrowed_waker(header: NonNull<Header>) -> Waker {
    let raw = RawWaker::new(header.as_ptr() as *const (), &WAKER_VTABLE);
    // SAFETY: the vtable functions below uphold the RawWaker contract for
    // a data pointer to a live task header.
    unsafe { Waker::from_raw(raw) }
}

/// A waker for the process at `header` that owns one of its references:
/// dropping it gives the reference back.
///
/// # Safety
///
/// The caller owns a reference to the live block at `header` and hands it
/// to the waker.
unsafe fn owned_waker(header: NonNull<Header>) -> Waker {
    let raw = RawWaker::new(header.as_ptr() as *const (), &WAKER_VTABLE);
    // SAFETY: as in `borrowed_waker`; the reference is the waker's.
    unsafe { Waker::from_raw(raw) }
}

/// The header a waker's data pointer designates.
///
/// # Safety
///
/// `data` comes from one of this module's wakers, whose reference keeps
/// the block alive.
unsafe fn header<'a>(data: *const ()) -> &'a Header {
    // SAFETY: guaranteed by the caller.
    unsafe { &*(data as *const Header) }
}

/// The block pointer a waker's data pointer is, with the provenance it was
/// made with: a pointer rebuilt from a `&Header` would cover the header
/// alone, not the whole block that `Notified::from_raw` and `dealloc` reach.
fn block(data: *const ()) -> NonNull<Header> {
    NonNull::new(data.cast::<Header>().cast_mut()).expect("a waker's header is not null")
}

/// `RawWakerVTable::clone`: one more reference.
unsafe fn clone_waker(data: *const ()) -> RawWaker {
    // SAFETY: a live waker keeps the block alive.
    unsafe { header(data) }.state.ref_inc();
    RawWaker::new(data, &WAKER_VTABLE)
}

/// `RawWakerVTable::wake`: consumes the waker's reference.
unsafe fn wake_by_val(data: *const ()) {
    // SAFETY: the waker's reference keeps the block alive until we give it up.
    let header_ref = unsafe { header(data) };
    let ptr = block(data);
    match header_ref.state.transition_to_notified_by_val() {
        TransitionToNotified::DoNothing => {}
        TransitionToNotified::Submit => {
            // SAFETY: the waker's reference became the Notified reference.
            let task = unsafe { Notified::from_raw(ptr) };
            Owner::schedule(task, false);
        }
        // SAFETY: the waker's reference was the last one.
        TransitionToNotified::Dealloc => unsafe { (header_ref.vtable.dealloc)(ptr) },
    }
}

/// `RawWakerVTable::wake_by_ref`.
unsafe fn wake_by_ref(data: *const ()) {
    // SAFETY: the borrowed waker's reference keeps the block alive.
    let header_ref = unsafe { header(data) };
    if header_ref.state.transition_to_notified_by_ref() {
        // SAFETY: the transition counted a new reference for the Notified.
        let task = unsafe { Notified::from_raw(block(data)) };
        Owner::schedule(task, false);
    }
}

/// `RawWakerVTable::drop`: gives up the waker's reference.
unsafe fn drop_waker(data: *const ()) {
    // SAFETY: the waker's reference keeps the block alive until here.
    let header_ref = unsafe { header(data) };
    if header_ref.state.ref_dec() {
        // SAFETY: that was the last reference.
        unsafe { (header_ref.vtable.dealloc)(block(data)) };
    }
}

/// The process `waker` wakes, if it is one of this module's wakers: a
/// process's own waker, as its poll hands it down to the futures it
/// awaits. `None` for the wakers of other executors, of the main future,
/// and of combinators that wrap a process's waker in their own.
pub(crate) fn process_of(waker: &Waker) -> Option<&Header> {
    if !std::ptr::eq(waker.vtable(), &WAKER_VTABLE) {
        return None;
    }
    // SAFETY: a waker with this vtable was made here, so its data is a
    // task header; the waker's reference (or, for the borrowed waker, the
    // poller's) keeps the block alive while `waker` is borrowed.
    Some(unsafe { header(waker.data()) })
}

/// Whether `waker` is a process's own. Its clone and drop only count a
/// reference of the task block: no foreign code runs, so a channel may
/// clone it under its lock, once it knows it will wait.
pub(crate) fn is_process_waker(waker: &Waker) -> bool {
    process_of(waker).is_some()
}

/// A waker in one word (the join-waker slot of a task header, where an
/// `Option<Waker>` would take two).
///
/// A process's own waker, as a process awaiting another's `JoinHandle`
/// leaves it, is kept as its data pointer (the task header) and holds that
/// waker's reference; any other waker is boxed, and the box's pointer
/// carries the [`BOXED`] bit. Both targets are at least 8-aligned, so the
/// low bit is free. Only a process's waker avoids the box: the main
/// future's and other executors' wakers pay one small allocation per
/// store.
pub(crate) struct CompactWaker(NonNull<()>);

/// The tag bit of a boxed [`CompactWaker`].
const BOXED: usize = 1;

const _: () = assert!(
    std::mem::align_of::<Header>() > BOXED && std::mem::align_of::<Waker>() > BOXED,
    "a compact waker's tag bit must be free in both of its pointers"
);

// SAFETY: a compact waker owns a `Waker` (boxed, or as a process waker's
// data pointer and reference), and `Waker` is `Send + Sync`.
unsafe impl Send for CompactWaker {}
// SAFETY: as above; `&CompactWaker` only wakes by reference and compares.
unsafe impl Sync for CompactWaker {}

impl CompactWaker {
    /// A clone of `waker`, in one word.
    pub(crate) fn new(waker: &Waker) -> Self {
        let waker = waker.clone();
        let data = if process_of(&waker).is_some() {
            // The clone's reference now belongs to the word.
            ManuallyDrop::new(waker).data().cast_mut()
        } else {
            Box::into_raw(Box::new(waker))
                .cast::<()>()
                .map_addr(|addr| addr | BOXED)
        };
        CompactWaker(NonNull::new(data).expect("a waker's header or box is not null"))
    }

    /// The boxed waker, if this is not a process's own.
    fn boxed(&self) -> Option<*mut Waker> {
        let ptr = self.0.as_ptr();
        (ptr.addr() & BOXED != 0).then(|| ptr.map_addr(|addr| addr & !BOXED).cast::<Waker>())
    }

    /// Runs `f` with the waker, without giving up its reference.
    fn with<R>(&self, f: impl FnOnce(&Waker) -> R) -> R {
        match self.boxed() {
            // SAFETY: a tagged pointer was made from a `Box<Waker>` in
            // `new`, freed only when the word drops.
            Some(boxed) => f(unsafe { &*boxed }),
            None => {
                // SAFETY: an untagged word is a process's header, kept
                // alive by the reference the word holds (`new`); the
                // rebuilt waker is never dropped, so it gives back no
                // reference.
                let waker = ManuallyDrop::new(unsafe { borrowed_waker(self.0.cast()) });
                f(&waker)
            }
        }
    }

    /// `Waker::wake_by_ref`.
    pub(crate) fn wake_by_ref(&self) {
        self.with(Waker::wake_by_ref);
    }

    /// `Waker::will_wake`: whether `other` wakes the same task.
    pub(crate) fn will_wake(&self, other: &Waker) -> bool {
        self.with(|waker| waker.will_wake(other))
    }
}

impl Drop for CompactWaker {
    fn drop(&mut self) {
        match self.boxed() {
            // SAFETY: made by `Box::into_raw` in `new`, owned by this word,
            // which is dropped once.
            Some(boxed) => drop(unsafe { Box::from_raw(boxed) }),
            // SAFETY: the word holds the waker's reference (`new`) and
            // hands it to the rebuilt waker, which gives it back as it
            // drops.
            None => drop(unsafe { owned_waker(self.0.cast()) }),
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use std::future::poll_fn;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::task::{Poll, Wake};

    use super::*;

    /// Counts its wakes.
    struct Counting(AtomicUsize);

    impl Wake for Counting {
        fn wake(self: Arc<Self>) {
            self.wake_by_ref();
        }
        fn wake_by_ref(self: &Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn a_compact_foreign_waker_wakes_compares_and_gives_back_its_clone() {
        let counting = Arc::new(Counting(AtomicUsize::new(0)));
        let waker = Waker::from(counting.clone());
        let compact = CompactWaker::new(&waker);
        assert!(compact.boxed().is_some());
        assert_eq!(Arc::strong_count(&counting), 3);
        assert!(compact.will_wake(&waker));
        assert!(!compact.will_wake(&Waker::noop().clone()));
        compact.wake_by_ref();
        assert_eq!(counting.0.load(Ordering::SeqCst), 1);
        drop(compact);
        assert_eq!(Arc::strong_count(&counting), 2);
    }

    #[test]
    fn a_compact_process_waker_is_unboxed_and_holds_one_reference() {
        let process = crate::run(async {
            crate::spawn(async {
                poll_fn(|cx| {
                    let header = process_of(cx.waker()).expect("a process's own waker");
                    let before = header.state.load().ref_count();
                    let compact = CompactWaker::new(cx.waker());
                    assert!(compact.boxed().is_none());
                    assert_eq!(header.state.load().ref_count(), before + 1);
                    assert!(compact.will_wake(cx.waker()));
                    drop(compact);
                    assert_eq!(header.state.load().ref_count(), before);
                    Poll::Ready(())
                })
                .await;
            })
            .await
        });
        assert!(process.is_ok());
    }
}
