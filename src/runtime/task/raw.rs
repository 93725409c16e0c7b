//! The task block: one allocation per process, and the code that drives it.
//!
//! A process lives in a single heap block, a [`Cell`]: a [`Header`] that
//! does not depend on the future's type (state word, vtable, scheduler,
//! join waker, links of the runtime's list of live processes), followed by
//! the future's [`Stage`] (the future itself, then its output). Code that
//! only has a `NonNull<Header>` (wakers, queues, the `JoinHandle`) reaches
//! the typed parts through the [`Vtable`], whose functions are
//! instantiated once per future type. This is the shape of async-task's
//! `RawTask` and tokio's `RawTask`/`Harness`.
//!
//! Ownership of the stage:
//!
//! * only the thread that holds `RUNNING` touches the future;
//! * after `COMPLETE`, the `JoinHandle` alone takes or drops the output,
//!   unless it was dropped before completion: then the completing thread
//!   drops the output (it saw no `JOIN_INTEREST`);
//! * the block is freed by whoever drops the last reference.
//!
//! The stage stores no tag saying what it holds: `COMPLETE` says it (see
//! [`Stage`]), and a block pays no word for a tag.
//!
//! User code (a future's `poll` or `Drop`, an output's `Drop`, the join
//! waker) may panic; each such call is wrapped in `catch_unwind` so that a
//! panic never leaves the state word half-updated.

use std::alloc::Layout;
use std::any::Any;
use std::future::Future;
use std::mem::ManuallyDrop;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::ptr::NonNull;
use std::task::{Context, Poll, Waker};

use super::block_cache;
use super::join::JoinError;
use super::origin::Origin;
use super::state::{State, TransitionToIdle, TransitionToRunning};
use super::wait_slot::WaitSlot;
use super::waker::{borrowed_waker, CompactWaker};
use super::{Notified, Owner, OwnerRef};
use crate::runtime::scheduler::owned::Links;
use crate::sync::atomic::{AtomicU64, Ordering};
use crate::sync::UnsafeCell;

/// The part of a process block that does not depend on the future type.
pub(crate) struct Header {
    /// Lifecycle flags and reference count.
    pub(crate) state: State,
    /// The typed operations on this block.
    pub(crate) vtable: &'static Vtable,
    /// The runtime or simulation this process belongs to: where a wake
    /// queues it.
    pub(crate) owner: Owner,
    /// Unique within the runtime; picks the shard of the live list.
    pub(crate) id: u64,
    /// Links of the runtime's list of live processes; guarded by the lock
    /// of the list's shard (see `owned.rs`).
    pub(crate) links: UnsafeCell<Links>,
    /// The waker of the task awaiting the `JoinHandle`, in one word; who
    /// may touch it is decided by `JOIN_WAKER` (see `state.rs`).
    pub(crate) join_waker: UnsafeCell<Option<CompactWaker>>,
    /// Spawn site and name, for dumps and reports (immutable).
    pub(crate) origin: Origin,
    /// What the last poll waited on, for dumps (see `wait_slot.rs`).
    pub(crate) waiting: WaitSlot,
    /// When the last poll returned `Pending` (nanoseconds of
    /// `time::Instant`), for `ProcessInfo::blocked_for`: the coarse clock
    /// of a runtime, the virtual clock of a host. Written by the poller
    /// before it lets the process go idle, read by dumps. Relaxed both
    /// ways: the idle transition's `Release` (`transition_to_idle`) and a
    /// dump's `Acquire` load of the state word order it.
    pub(crate) blocked_since: AtomicU64,
}

/// Operations that need the future's type.
pub(crate) struct Vtable {
    /// Runs one `Notified` reference: poll, cancel or drop it.
    pub(crate) run: unsafe fn(NonNull<Header>),
    /// Cancels the process at shutdown, consuming one reference.
    pub(crate) shutdown: unsafe fn(NonNull<Header>),
    /// Writes `Poll::Ready(output)` to `*dst` (a
    /// `Poll<Result<T, JoinError>>`) if complete, else registers the waker.
    pub(crate) try_read_output: unsafe fn(NonNull<Header>, *mut (), &Waker),
    /// The `JoinHandle` is dropped; consumes its reference.
    pub(crate) drop_join_handle: unsafe fn(NonNull<Header>),
    /// Frees the block.
    pub(crate) dealloc: unsafe fn(NonNull<Header>),
}

/// The future's place in the block: the future, then its result. Which
/// of them it holds follows from the state word, not from a tag:
///
/// * before `COMPLETE`, the future; the poll or cancellation that ends it
///   (holding `RUNNING`) drops it in place and stores the result before
///   it sets `COMPLETE`;
/// * from `COMPLETE` on, the result: `Some` until its owner (above) takes
///   or drops it, `None` after.
pub(crate) union Stage<F: Future> {
    future: ManuallyDrop<F>,
    output: ManuallyDrop<Option<Result<F::Output, JoinError>>>,
}

/// The whole block. `repr(C)` puts the header first, so a pointer to the
/// cell is a pointer to its header.
#[repr(C)]
pub(crate) struct Cell<F: Future> {
    header: Header,
    stage: UnsafeCell<Stage<F>>,
}

impl<F> Cell<F>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    const VTABLE: Vtable = Vtable {
        run: run::<F>,
        shutdown: shutdown::<F>,
        try_read_output: try_read_output::<F>,
        drop_join_handle: drop_join_handle::<F>,
        dealloc: dealloc::<F>,
    };

    /// Allocates the block of a new process (state: see `State::new`).
    pub(crate) fn allocate(future: F, owner: Owner, id: u64, origin: Origin) -> NonNull<Header> {
        let layout = Layout::new::<Cell<F>>();
        let block = block_cache::allocate(layout).cast::<Cell<F>>();
        let cell = Cell {
            header: Header {
                state: State::new(),
                vtable: &Self::VTABLE,
                owner,
                id,
                links: UnsafeCell::new(Links::default()),
                join_waker: UnsafeCell::new(None),
                origin,
                waiting: WaitSlot::new(),
                blocked_since: AtomicU64::new(0),
            },
            stage: UnsafeCell::new(Stage {
                future: ManuallyDrop::new(future),
            }),
        };
        // SAFETY: `block` is fresh memory for a `Cell<F>` (its layout),
        // ours alone; `dealloc` gives it back.
        unsafe { block.as_ptr().write(cell) };
        block.cast::<Header>()
    }
}

/// The typed block behind `header`.
///
/// # Safety
///
/// `header` must point into a live `Cell<F>` with this very `F`.
unsafe fn cell<'a, F: Future>(header: NonNull<Header>) -> &'a Cell<F> {
    // SAFETY: the caller guarantees the block is a live `Cell<F>`; the
    // header is its first field (`repr(C)`), so the cast is exact.
    unsafe { header.cast::<Cell<F>>().as_ref() }
}

/// Drops the future where it lies, catching a panic from its
/// destructor; the caller then stores the result with [`store_output`]
/// whether or not the drop panicked (tokio's harness keeps the same
/// "drop, then write" order).
///
/// A running future is pinned: it may hold references into itself (a
/// `select!` keeps its arms and the selection that points at them in one
/// async frame), so it must be dropped in place, never moved out first.
///
/// # Safety
///
/// The caller holds `RUNNING` and the stage holds the future (the process
/// is not complete).
unsafe fn drop_future<F: Future>(cell: &Cell<F>) -> std::thread::Result<()> {
    cell.stage.with_mut(|stage| {
        // SAFETY: exclusive access to a stage holding the future (caller);
        // it is dropped where it lies, so a pinned future never moves. A
        // destructor that panics has dropped it as far as it got: it is
        // not dropped again, the result is written over it.
        catch_unwind(AssertUnwindSafe(|| unsafe {
            ManuallyDrop::drop(&mut (*stage).future)
        }))
    })
}

/// Stores the result over a dropped future.
///
/// # Safety
///
/// The caller holds `RUNNING` and has dropped the future
/// ([`drop_future`]); it sets `COMPLETE` afterwards.
unsafe fn store_output<F: Future>(cell: &Cell<F>, output: Option<Result<F::Output, JoinError>>) {
    let stage = Stage {
        output: ManuallyDrop::new(output),
    };
    // SAFETY: exclusive access (caller); the future was dropped, so
    // nothing is overwritten that still needs a drop.
    cell.stage
        .with_mut(|ptr| unsafe { std::ptr::write(ptr, stage) });
}

/// Takes the result out, leaving `None`; `None` if it was taken before.
/// The result is not pinned, so it may move out.
///
/// # Safety
///
/// The process is complete and the caller owns its result (see the
/// module docs).
unsafe fn take_output<F: Future>(cell: &Cell<F>) -> Option<Result<F::Output, JoinError>> {
    // SAFETY: a complete process's stage holds its result (`Stage`), and
    // the caller owns it.
    cell.stage
        .with_mut(|stage| unsafe { (*(*stage).output).take() })
}

/// Drops the result if it is still there, catching a panic from its
/// destructor.
///
/// # Safety
///
/// As [`take_output`].
unsafe fn drop_output<F: Future>(cell: &Cell<F>) -> std::thread::Result<()> {
    // SAFETY: as the caller's.
    let output = unsafe { take_output(cell) };
    catch_unwind(AssertUnwindSafe(|| drop(output)))
}

/// `Vtable::run`.
///
/// # Safety
///
/// `header` is a `Cell<F>`; the caller gives up one `Notified` reference.
unsafe fn run<F>(header: NonNull<Header>)
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    // SAFETY: `header` is a `Cell<F>` (caller) and our reference keeps it alive.
    let cell = unsafe { cell::<F>(header) };
    match cell.header.state.transition_to_running() {
        // SAFETY: `header` is a `Cell<F>`; we now hold RUNNING and the
        // Notified reference.
        TransitionToRunning::Success => unsafe { poll_future::<F>(header) },
        // SAFETY: as above.
        TransitionToRunning::Cancelled => unsafe { cancel::<F>(header) },
        TransitionToRunning::Failed => {}
        // SAFETY: the last reference was ours; nobody else can reach the block.
        TransitionToRunning::Dealloc => unsafe { dealloc::<F>(header) },
    }
}

/// Polls the future once and acts on the result.
///
/// Takes the block's pointer, not a `&Cell<F>`: this may free the block,
/// which a reference argument would have to outlive (so do [`cancel`] and
/// [`complete`]).
///
/// # Safety
///
/// `header` is a `Cell<F>`; the caller holds `RUNNING` and one reference,
/// both handed over.
unsafe fn poll_future<F>(header: NonNull<Header>)
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    // SAFETY: `header` is a `Cell<F>` (caller), alive thanks to the
    // reference we hold; `cell` is not used after that reference is given
    // up.
    let cell = unsafe { cell::<F>(header) };
    // SAFETY: the poller's reference outlives the borrowed waker (which is
    // never dropped, so it does not give back a reference it does not own).
    let waker = ManuallyDrop::new(unsafe { borrowed_waker(header) });
    let mut cx = Context::from_waker(&waker);
    cell.header.waiting.begin_poll();
    let polled = catch_unwind(AssertUnwindSafe(|| {
        cell.stage.with_mut(|stage| {
            // SAFETY: RUNNING gives exclusive access to the stage, and it
            // holds the future: `transition_to_running` never runs a
            // complete process (`Stage`).
            let future = unsafe { &mut *(*stage).future };
            // SAFETY: the block never moves and is freed only after the
            // future is dropped in place, so the future never moves.
            unsafe { Pin::new_unchecked(future) }.poll(&mut cx)
        })
    }));
    let output = match polled {
        Ok(Poll::Pending) => {
            stamp_blocked_since(&cell.header);
            match cell.header.state.transition_to_idle() {
                TransitionToIdle::Ok => {}
                TransitionToIdle::OkNotified => {
                    // SAFETY: the poller's reference becomes the Notified one.
                    let task = unsafe { Notified::from_raw(header) };
                    Owner::schedule(task, true);
                }
                // SAFETY: that was the last reference.
                TransitionToIdle::OkDealloc => unsafe { dealloc::<F>(header) },
                // SAFETY: still RUNNING, with the poller's reference.
                TransitionToIdle::Cancelled => unsafe { cancel::<F>(header) },
            }
            return;
        }
        Ok(Poll::Ready(output)) => Ok(output),
        Err(payload) => Err(JoinError::panic(&cell.header, payload)),
    };
    // SAFETY: still RUNNING, and not complete. A panic from the future's
    // drop (after its own panic) is ignored: the first panic is the one
    // reported.
    let _ = unsafe { drop_future(cell) };
    // SAFETY: still RUNNING; the future was just dropped.
    unsafe { store_output(cell, Some(output)) };
    // SAFETY: RUNNING and the poller's reference are handed over.
    unsafe { complete::<F>(header) };
}

/// Stamps `header` with the time its poll returned `Pending`: the coarse
/// clock's reading on a runtime (a load of one shared word, no clock
/// read), the host's clock inside a host (the simulation's virtual time).
#[inline]
fn stamp_blocked_since(header: &Header) {
    let now = match header.owner.get() {
        OwnerRef::Runtime(_) => crate::runtime::coarse_clock::now(),
        OwnerRef::Hosted(_) => crate::time::clock::now(),
    };
    // Relaxed: see the field.
    header
        .blocked_since
        .store(now.as_nanos(), Ordering::Relaxed);
}

/// Drops the future and stores the cancellation error.
///
/// # Safety
///
/// `header` is a `Cell<F>`; the caller holds `RUNNING` and one reference,
/// both handed over.
unsafe fn cancel<F>(header: NonNull<Header>)
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    // SAFETY: `header` is a `Cell<F>` (caller), alive thanks to the
    // reference we hold until `complete` takes it over.
    let cell = unsafe { cell::<F>(header) };
    // SAFETY: RUNNING gives exclusive access to the stage; not complete.
    let error = match unsafe { drop_future(cell) } {
        Ok(()) => JoinError::cancelled(&cell.header),
        Err(payload) => JoinError::panic(&cell.header, payload),
    };
    // SAFETY: as above; the future was just dropped.
    unsafe { store_output(cell, Some(Err(error))) };
    // SAFETY: RUNNING and the reference are handed over.
    unsafe { complete::<F>(header) };
}

/// Publishes the result: wakes the `JoinHandle`'s task (or drops the
/// output if nobody wants it), leaves the live list, drops references.
///
/// # Safety
///
/// `header` is a `Cell<F>`; the caller holds `RUNNING` and one reference,
/// both handed over, and has stored the result in the stage.
unsafe fn complete<F>(header: NonNull<Header>)
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    // SAFETY: `header` is a `Cell<F>` (caller), alive thanks to the
    // reference we hold; `cell` is not used after the last `ref_dec`.
    let cell = unsafe { cell::<F>(header) };
    let header_ref = &cell.header;
    // A host hears of every panic (`Supervisor::on_panic`); read the
    // message while RUNNING still gives us the stage.
    let panic_message = header_ref.owner.supervisor().and_then(|_| {
        cell.stage.with(|stage| {
            // SAFETY: RUNNING gives exclusive access to the stage, which
            // holds the result just stored.
            match unsafe { &*(*stage).output } {
                Some(Err(error)) => error.panic_message(),
                _ => None,
            }
        })
    });
    let snapshot = header_ref.state.transition_to_complete();
    if let (Some(supervisor), Some(message)) = (header_ref.owner.supervisor(), panic_message) {
        supervisor.on_panic(header_ref.id, message, snapshot.is_join_interested());
    }
    let _ = catch_unwind(AssertUnwindSafe(|| {
        if !snapshot.is_join_interested() {
            // SAFETY: complete, and the JoinHandle was dropped before
            // completion, so it will never touch the output: we own it.
            let _ = unsafe { drop_output(cell) };
        } else if snapshot.is_join_waker_set() {
            header_ref.join_waker.with(|slot| {
                // SAFETY: JOIN_WAKER is set, so the JoinHandle does not
                // write the slot until we clear it below.
                if let Some(waker) = unsafe { &*slot } {
                    waker.wake_by_ref();
                }
            });
            let after = header_ref.state.unset_join_waker_after_complete();
            if !after.is_join_interested() {
                // SAFETY: the JoinHandle was dropped while we held the slot;
                // it left the waker to us.
                header_ref
                    .join_waker
                    .with_mut(|slot| unsafe { *slot = None });
            }
        }
    }));
    let list_reference = header_ref.owner.remove_live(header, header_ref.id);
    let references = 1 + usize::from(list_reference);
    if header_ref.state.ref_dec_by(references) {
        // SAFETY: those were the last references.
        unsafe { dealloc::<F>(header) };
    }
}

/// `Vtable::shutdown`.
///
/// # Safety
///
/// `header` is a `Cell<F>`; the caller gives up one reference (the live
/// list's).
unsafe fn shutdown<F>(header: NonNull<Header>)
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    // SAFETY: `header` is a `Cell<F>`, alive thanks to our reference.
    let cell = unsafe { cell::<F>(header) };
    if cell.header.state.transition_to_shutdown() {
        // SAFETY: `header` is a `Cell<F>`; we now hold RUNNING; the
        // reference is handed over.
        unsafe { cancel::<F>(header) };
    } else if cell.header.state.ref_dec() {
        // SAFETY: that was the last reference.
        unsafe { dealloc::<F>(header) };
    }
}

/// `Vtable::try_read_output`.
///
/// # Safety
///
/// `header` is a `Cell<F>` whose `JoinHandle` is the caller; `dst` points
/// to a valid `Poll<Result<F::Output, JoinError>>`.
unsafe fn try_read_output<F>(header: NonNull<Header>, dst: *mut (), waker: &Waker)
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    // SAFETY: the JoinHandle's reference keeps the `Cell<F>` alive.
    let cell = unsafe { cell::<F>(header) };
    if !super::join::can_read_output(&cell.header, waker) {
        return;
    }
    // SAFETY: complete, and the JoinHandle owns the output from now on.
    let result = unsafe { take_output(cell) };
    let Some(result) = result else {
        panic!("hoare: JoinHandle polled again after it returned its result");
    };
    // SAFETY: the caller guarantees `dst` has this type.
    unsafe { *dst.cast::<Poll<Result<F::Output, JoinError>>>() = Poll::Ready(result) };
}

/// `Vtable::drop_join_handle`.
///
/// # Safety
///
/// `header` is a `Cell<F>`; the caller is its `JoinHandle`, giving up its
/// reference.
unsafe fn drop_join_handle<F>(header: NonNull<Header>)
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    // SAFETY: our reference keeps the `Cell<F>` alive.
    let cell = unsafe { cell::<F>(header) };
    let (before, after) = cell.header.state.transition_to_join_handle_dropped();
    let mut output_panic: Option<Box<dyn Any + Send>> = None;
    if before.is_complete() {
        // SAFETY: complete, and the output is the JoinHandle's.
        if let Err(payload) = unsafe { drop_output(cell) } {
            output_panic = Some(payload);
        }
    }
    if !after.is_join_waker_set() {
        // SAFETY: JOIN_WAKER is clear: the runtime side no longer reads the
        // slot, and nobody else writes it.
        cell.header
            .join_waker
            .with_mut(|slot| unsafe { *slot = None });
    }
    if cell.header.state.ref_dec() {
        // SAFETY: that was the last reference.
        unsafe { dealloc::<F>(header) };
    }
    if let Some(payload) = output_panic {
        resume_unwind(payload);
    }
}

/// `Vtable::dealloc`.
///
/// # Safety
///
/// `header` is a `Cell<F>` whose last reference the caller dropped.
unsafe fn dealloc<F: Future>(header: NonNull<Header>) {
    /// Drops the header and frees the block when dropped: after the
    /// stage's drop, or while it unwinds from a destructor that panicked
    /// (as the `Box` this block used to be did).
    struct Release<F: Future>(NonNull<Cell<F>>);
    impl<F: Future> Drop for Release<F> {
        fn drop(&mut self) {
            // SAFETY: the stage is dropped (or its drop unwound) and never
            // touched again; a union of `ManuallyDrop`s has no drop of its
            // own, so this drops the header, once. The block came from
            // `block_cache::allocate` with `Cell<F>`'s layout, and nothing
            // uses it after.
            unsafe {
                std::ptr::drop_in_place(self.0.as_ptr());
                block_cache::free(self.0.cast::<u8>(), Layout::new::<Cell<F>>());
            }
        }
    }
    let block = header.cast::<Cell<F>>();
    let _release = Release(block);
    // SAFETY: written as a `Cell<F>` in `allocate`; no references remain,
    // so nobody else can reach it.
    let cell = unsafe { block.as_ref() };
    // The last reference's release (AcqRel) ordered every earlier write
    // of the state word and the stage before this load.
    let complete = cell.header.state.load().is_complete();
    cell.stage.with_mut(|stage| {
        // SAFETY: nobody else can reach the block. `COMPLETE` says what
        // the stage holds (`Stage`): the result (`None` once taken), or a
        // future that never finished, dropped where it lies.
        unsafe {
            if complete {
                ManuallyDrop::drop(&mut (*stage).output);
            } else {
                ManuallyDrop::drop(&mut (*stage).future);
            }
        }
    });
}
