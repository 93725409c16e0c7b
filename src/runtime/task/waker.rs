//! Wakers of processes: a pointer to the task block, one reference each.
//!
//! Cloning a waker increments the reference count; dropping it decrements
//! it; waking sets `NOTIFIED` and, if the process was idle, hands a
//! `Notified` reference to the scheduler. No allocation, from any thread:
//! a wake from outside the runtime goes to the injection queue (see
//! `scheduler.rs`).

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
    let ptr = NonNull::from(header_ref);
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
        let task = unsafe { Notified::from_raw(NonNull::from(header_ref)) };
        Owner::schedule(task, false);
    }
}

/// `RawWakerVTable::drop`: gives up the waker's reference.
unsafe fn drop_waker(data: *const ()) {
    // SAFETY: the waker's reference keeps the block alive until here.
    let header_ref = unsafe { header(data) };
    if header_ref.state.ref_dec() {
        // SAFETY: that was the last reference.
        unsafe { (header_ref.vtable.dealloc)(NonNull::from(header_ref)) };
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
