//! Processes as tasks: one heap block each, driven through a state word.
//!
//! * [`state`]: the atomic state word and its named transitions.
//! * [`raw`]: the block (header + future/output) and the code that polls,
//!   cancels and completes it.
//! * [`waker`]: wakers that are just a pointer and a reference count.
//! * [`join`]: [`JoinHandle`] and [`JoinError`].
//! * [`origin`]: where a process was spawned, and its name.
//! * [`wait_slot`]: what a process waits on, for dumps.
//!
//! The scheduler sees a process only through the reference types below:
//! a [`Notified`] is the one reference that may run it (it sits in a run
//! queue), a [`Task`] is any other counted reference (the list of live
//! processes holds one).

pub(crate) mod block_cache;
pub(crate) mod join;
pub(crate) mod origin;
pub(crate) mod raw;
pub(crate) mod state;
pub(crate) mod wait_slot;
pub(crate) mod waker;

use std::future::Future;
use std::ptr::NonNull;
use std::task::Waker;

pub use join::{JoinError, JoinHandle};
pub(crate) use origin::Origin;
use raw::{Cell, Header};

use crate::runtime::scheduler::Scheduler;
use crate::runtime::wait::Wait;
use crate::sync::Arc;

/// Who runs a process: where a wake queues it, and whose list of live
/// processes it leaves when it completes.
///
/// One word of the task header, a tagged pointer: untagged, the raw
/// `Arc<Scheduler>` of a runtime; with the [`HOSTED`] bit, a box holding
/// a host's `Arc<dyn Supervisor>` (the simulation; see `runtime::hooks`).
/// A `std` `Arc` there, since a trait object cannot sit in loom's; no loom
/// model runs a host. The box costs a host one small allocation per
/// process, so that a runtime's process does not pay a second word for
/// the trait object's vtable and the enum's tag. Both targets are at
/// least 8-aligned, so the low bit is free. Never changes once made.
pub(crate) struct Owner(NonNull<()>);

/// The tag bit of a hosted [`Owner`].
const HOSTED: usize = 1;

const _: () = assert!(
    std::mem::align_of::<Scheduler>() > HOSTED
        && std::mem::align_of::<std::sync::Arc<dyn Supervisor>>() > HOSTED,
    "an owner's tag bit must be free in both of its pointers"
);

/// What an [`Owner`] points at, borrowed from it.
pub(crate) enum OwnerRef<'a> {
    /// A runtime's work-stealing scheduler.
    Runtime(&'a Scheduler),
    /// A host that schedules its processes itself.
    Hosted(&'a std::sync::Arc<dyn Supervisor>),
}

// SAFETY: an owner holds one counted reference to a `Scheduler` (`Send +
// Sync`) or a `Box<std::sync::Arc<dyn Supervisor>>` (the trait requires
// `Send + Sync`), and hands out only shared borrows of them.
unsafe impl Send for Owner {}
// SAFETY: as above; `&Owner` only reads the immutable word.
unsafe impl Sync for Owner {}

/// A host's side of the processes it owns: the task harness reports
/// their wakes, completions and panics to it.
pub(crate) trait Supervisor: Send + Sync {
    /// Queues a woken process (`is_yield`: it woke itself).
    fn schedule(&self, task: Notified, is_yield: bool);
    /// The completed process `header` (number `id`) leaves the host's live
    /// list; whether the list held a reference to it.
    fn remove_live(&self, header: NonNull<Header>, id: u64) -> bool;
    /// Process `id` finished with a panic; `join_interested`: its
    /// `JoinHandle` still exists.
    fn on_panic(&self, id: u64, message: String, join_interested: bool);
    /// A `JoinHandle` returned the panic of process `id` to its owner.
    fn on_panic_observed(&self, id: u64);
    /// The `JoinHandle` of process `id` was dropped.
    fn on_join_dropped(&self, id: u64);
}

impl Owner {
    /// A process run by `scheduler`'s runtime; takes over the reference.
    pub(crate) fn runtime(scheduler: Arc<Scheduler>) -> Owner {
        let raw = Arc::into_raw(scheduler).cast_mut().cast::<()>();
        Owner(NonNull::new(raw).expect("an Arc's pointer is not null"))
    }

    /// A process run by the host `supervisor`.
    pub(crate) fn hosted(supervisor: std::sync::Arc<dyn Supervisor>) -> Owner {
        let raw = Box::into_raw(Box::new(supervisor)).cast::<()>();
        let tagged = NonNull::new(raw.map_addr(|addr| addr | HOSTED));
        Owner(tagged.expect("a box's pointer is not null"))
    }

    /// Which kind of owner this is, and a borrow of it.
    #[inline]
    pub(crate) fn get(&self) -> OwnerRef<'_> {
        let raw = self.0.as_ptr();
        if raw.addr() & HOSTED == 0 {
            // SAFETY: an untagged word is the raw `Arc<Scheduler>` that
            // `runtime` took over; its reference lives as long as `self`.
            OwnerRef::Runtime(unsafe { &*raw.cast::<Scheduler>() })
        } else {
            let boxed = raw.map_addr(|addr| addr & !HOSTED);
            // SAFETY: a tagged word is the box made by `hosted`, freed only
            // when `self` drops.
            OwnerRef::Hosted(unsafe { &*boxed.cast::<std::sync::Arc<dyn Supervisor>>() })
        }
    }

    /// The runtime's scheduler, if a runtime owns the process, as an
    /// address to compare, with no count taken (a wake queued from a
    /// thread whose context holds that runtime's `Arc`, one of its workers
    /// or a `block_on` caller, needs none).
    pub(crate) fn scheduler_address(&self) -> Option<*const Scheduler> {
        let raw = self.0.as_ptr();
        (raw.addr() & HOSTED == 0).then(|| raw.cast_const().cast::<Scheduler>())
    }

    /// A new counted reference to the runtime's scheduler, if a runtime
    /// owns the process.
    pub(crate) fn scheduler(&self) -> Option<Arc<Scheduler>> {
        let raw = self.0.as_ptr();
        if raw.addr() & HOSTED != 0 {
            return None;
        }
        // The stored word itself, not a `&Scheduler` made from it: only the
        // pointer `Arc::into_raw` returned has provenance over the Arc's
        // counts, which `increment_strong_count` writes.
        let raw = raw.cast_const().cast::<Scheduler>();
        // SAFETY: an untagged word is the pointer `Arc::into_raw` returned
        // in `runtime`, with its provenance; `self` keeps that reference
        // alive during the increment, and the new reference is handed to
        // `from_raw` at once.
        Some(unsafe {
            Arc::increment_strong_count(raw);
            Arc::from_raw(raw)
        })
    }

    /// Queues a woken process with its owner (`is_yield`: it woke itself).
    pub(crate) fn schedule(task: Notified, is_yield: bool) {
        match task.header().owner.get() {
            OwnerRef::Runtime(_) => Scheduler::schedule(task, is_yield),
            OwnerRef::Hosted(supervisor) => {
                // Keep the host's side alive past the push.
                let supervisor = supervisor.clone();
                supervisor.schedule(task, is_yield);
            }
        }
    }

    /// The completed process `header` leaves the live list; whether the
    /// list held a reference to it.
    pub(crate) fn remove_live(&self, header: NonNull<Header>, id: u64) -> bool {
        match self.get() {
            OwnerRef::Runtime(shared) => shared.owned.remove(header),
            OwnerRef::Hosted(supervisor) => supervisor.remove_live(header, id),
        }
    }

    /// The host's side, if a host owns the process.
    pub(crate) fn supervisor(&self) -> Option<&dyn Supervisor> {
        match self.get() {
            OwnerRef::Runtime(_) => None,
            OwnerRef::Hosted(supervisor) => Some(&**supervisor),
        }
    }
}

impl Drop for Owner {
    fn drop(&mut self) {
        let raw = self.0.as_ptr();
        if raw.addr() & HOSTED == 0 {
            // SAFETY: the reference `runtime` took over, given back once.
            drop(unsafe { Arc::from_raw(raw.cast::<Scheduler>().cast_const()) });
        } else {
            let boxed = raw.map_addr(|addr| addr & !HOSTED);
            // SAFETY: the box `hosted` made, owned by this owner and freed
            // once.
            drop(unsafe { Box::from_raw(boxed.cast::<std::sync::Arc<dyn Supervisor>>()) });
        }
    }
}

/// A counted reference to a process block.
pub(crate) struct Task {
    header: NonNull<Header>,
}

// SAFETY: a process's future and output are `Send` (required by
// `allocate`), and the header is only mutated through atomics or under the
// protocol of the state word, so a reference may move between threads.
unsafe impl Send for Task {}

/// The reference that may run a process: it was queued by a wake (or by
/// the spawn) and `NOTIFIED` is set for it.
pub(crate) struct Notified(Task);

impl Task {
    /// Takes over one reference.
    ///
    /// # Safety
    ///
    /// `header` is a live task block and the caller gives up one reference
    /// it owns.
    pub(crate) unsafe fn from_raw(header: NonNull<Header>) -> Task {
        Task { header }
    }

    /// Gives up ownership of the reference without dropping it.
    pub(crate) fn into_raw(self) -> NonNull<Header> {
        let header = self.header;
        std::mem::forget(self);
        header
    }

    /// The block's header.
    pub(crate) fn header(&self) -> &Header {
        // SAFETY: our reference keeps the block alive.
        unsafe { self.header.as_ref() }
    }

    /// The header pointer (identity; the reference is kept).
    pub(crate) fn header_ptr(&self) -> NonNull<Header> {
        self.header
    }

    /// Cancels the process because its runtime shuts down, consuming this
    /// reference (the live list's).
    pub(crate) fn shutdown(self) {
        let header = self.into_raw();
        // SAFETY: `header` is live; the reference is handed over.
        unsafe { (header.as_ref().vtable.shutdown)(header) }
    }
}

impl Drop for Task {
    fn drop(&mut self) {
        let header = self.header();
        if header.state.ref_dec() {
            // SAFETY: that was the last reference.
            unsafe { (header.vtable.dealloc)(self.header) }
        }
    }
}

impl Notified {
    /// Takes over one `Notified` reference.
    ///
    /// # Safety
    ///
    /// `header` is a live task block, `NOTIFIED` was set for this very
    /// reference, and the caller gives it up.
    pub(crate) unsafe fn from_raw(header: NonNull<Header>) -> Notified {
        // SAFETY: forwarded from the caller.
        Notified(unsafe { Task::from_raw(header) })
    }

    /// The block's header.
    pub(crate) fn header(&self) -> &Header {
        self.0.header()
    }

    /// Runs the process: polls it once (or cancels it, if it was aborted),
    /// consuming this reference. The caller sets up the thread's context
    /// (blocking forbidden, budget).
    pub(crate) fn run(self) {
        let header = self.0.into_raw();
        // SAFETY: `header` is live and we hand over the Notified reference.
        unsafe { (header.as_ref().vtable.run)(header) }
    }
}

/// Allocates a new process running `future` on `scheduler`. Returns its
/// three initial references: for the live list, for the run queue, and
/// the `JoinHandle`.
pub(crate) fn allocate<F>(
    future: F,
    owner: Owner,
    id: u64,
    origin: Origin,
) -> (Task, Notified, JoinHandle<F::Output>)
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let header = Cell::allocate(future, owner, id, origin);
    // SAFETY: the block starts with three references (`State::new`), one
    // for each value returned, and NOTIFIED set for the second.
    unsafe {
        (
            Task::from_raw(header),
            Notified::from_raw(header),
            JoinHandle::from_raw(header),
        )
    }
}

/// Records that the process `waker` wakes waits on `waits` in the poll
/// running now (see `wait_slot.rs`); for a waker that is not a process's
/// own, in the record of the blocking wait it belongs to, if any (see
/// `blocked_threads`).
///
/// Only a process's poller hands its waker down, so only the poller
/// records. (A process's waker cloned and used to poll a hoare future on
/// another thread at the same time could make two writers; the slot then
/// says less than the truth, and may keep a list it allocated twice until
/// the process ends, but stays memory-safe: every access is atomic or
/// under the list's lock.)
#[inline]
pub(crate) fn note_waiting(waker: &Waker, waits: impl IntoIterator<Item = Wait>) {
    match waker::process_of(waker) {
        Some(header) => header.waiting.record(waits),
        None => crate::runtime::blocked_threads::note_waiting(waker, waits),
    }
}

/// [`note_waiting`] of one channel operation: `word` is its slot word
/// (`wait_slot::channel_word`) when the channel's facts pack, and `wait`
/// gives its facts otherwise (only then is a `Wait` made, for a process).
#[inline]
pub(crate) fn note_channel_waiting(
    waker: &Waker,
    word: Option<*mut ()>,
    wait: impl FnOnce() -> Wait,
) {
    match (waker::process_of(waker), word) {
        (Some(header), Some(word)) => header.waiting.record_word(word, wait),
        (Some(header), None) => header.waiting.record([wait()]),
        // Made only if a blocking wait records on this thread: a foreign
        // executor's task (the common case here) records nothing.
        (None, _) => {
            crate::runtime::blocked_threads::note_waiting(waker, std::iter::once_with(wait))
        }
    }
}
