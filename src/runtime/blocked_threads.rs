//! OS threads asleep in hoare (a `_blocking` or timed channel call,
//! `hoare::block_on`), listed while they sleep so that dumps can name
//! them beside the processes.
//!
//! # How a thread is seen
//!
//! Each thread's parker (`park::ThreadParker`) has a [`WaitSlot`], the
//! same record a process has. While a blocking wait polls its future, this
//! thread's [`Recording`] points at that parker, and a wait noted with the
//! parker's waker (`hooks::note_waiting`, which finds no process behind
//! it) is recorded in the parker's slot. When the wait is about to sleep
//! (after its brief spin), it lists itself here: its name, the time, and
//! its slot; it leaves the list when it wakes (and lists itself again,
//! with a fresh time, if it must sleep again), so a listed thread is
//! asleep and its time is that sleep's.
//!
//! # Cost
//!
//! Nothing on an operation that completes without sleeping. A blocking
//! wait that sleeps pays, once, a clock read, the thread's name, and an
//! insertion and a removal under one process-wide lock: small beside the
//! futex sleep and wake it is about to pay.
//!
//! # Who frees what
//!
//! An entry points at a slot in the thread's parker. The thread removes
//! its entry (under the lock) before its wait returns, so before the
//! parker can be reused or dropped; dumps read slots only under the lock.

use std::cell::Cell;
use std::marker::PhantomData;
use std::task::Waker;
use std::thread::ThreadId;

use super::park::ThreadParker;
use super::task::wait_slot::WaitSlot;
use super::wait::Wait;
use crate::sync::{thread_local, ProcessCounter, ProcessLock};
use crate::time::Instant;

/// One sleeping thread.
struct Entry {
    /// Distinct per listing, to find the entry again.
    serial: u64,
    id: ThreadId,
    name: Option<String>,
    since: Instant,
    slot: *const WaitSlot,
}

// SAFETY: `slot` is only dereferenced under the registry's lock while the
// entry is listed, and the slot outlives its listing (module docs); the
// slot itself is `Sync` (atomics, and a lock around its list).
unsafe impl Send for Entry {}

static SLEEPING: ProcessLock<Vec<Entry>> = ProcessLock::new(Vec::new());

/// Counts the wake-ups of threads asleep in hoare, for the stall
/// watchdogs: a thread that wakes from a blocking wait (its timer fired,
/// or a process answered it) is progress, as a poll of a process is.
static WAKES: ProcessCounter = ProcessCounter::new();

/// A thread asleep in hoare woke up (counted only after a sleep, never on
/// a wait that completes without one).
pub(crate) fn woke() {
    WAKES.next();
}

/// How many times threads asleep in hoare have woken so far (it moves
/// whenever one does).
pub(crate) fn wakes() -> u64 {
    WAKES.peek()
}

thread_local! {
    /// The parker whose blocking wait is polling its future on this
    /// thread, if any (see [`Recording`]).
    static RECORDING: Cell<*const ThreadParker> = Cell::new(std::ptr::null());
}

/// What a dump copies of one sleeping thread.
pub(crate) struct ThreadFacts {
    pub(crate) id: ThreadId,
    pub(crate) name: Option<String>,
    pub(crate) since: Instant,
    /// `None`: nothing hoare knows (a `block_on` of a foreign future).
    pub(crate) waits: Option<Vec<Wait>>,
}

/// While alive, waits noted with `thread`'s waker on this thread are
/// recorded in its slot.
pub(crate) struct Recording<'a> {
    previous: *const ThreadParker,
    /// The recording borrows the parker, so the parker outlives it.
    _thread: PhantomData<&'a ThreadParker>,
}

impl<'a> Recording<'a> {
    /// Starts recording for `thread` (borrowed for as long as the
    /// recording lives).
    #[inline]
    pub(crate) fn start(thread: &'a ThreadParker) -> Recording<'a> {
        let previous = RECORDING.with(|current| current.replace(thread));
        Recording {
            previous,
            _thread: PhantomData,
        }
    }
}

impl Drop for Recording<'_> {
    #[inline]
    fn drop(&mut self) {
        RECORDING.with(|current| current.set(self.previous));
    }
}

/// Records `waits` for the blocking wait recording on this thread, if
/// `waker` is its parker's (a wait noted with any other waker that is not
/// a process's is nobody's we know).
#[inline(never)]
pub(crate) fn note_waiting(waker: &Waker, waits: impl IntoIterator<Item = Wait>) {
    let thread = RECORDING.with(Cell::get);
    if thread.is_null() {
        return;
    }
    // SAFETY: a non-null pointer was set by a live `Recording`, which
    // borrows its parker (`Recording::start`), so the parker is alive;
    // only this thread reads it.
    let thread = unsafe { &*thread };
    if waker.will_wake(&thread.waker) {
        thread.waiting.record(waits);
    }
}

/// Keeps a thread listed; unlists it when dropped. It borrows the slot it
/// lists, so the slot outlives the listing.
pub(crate) struct Listed<'a> {
    serial: u64,
    _slot: PhantomData<&'a WaitSlot>,
}

/// Lists this thread as asleep on what `slot` records, from now. Not
/// under loom (no model takes a dump): a listing that lists nothing.
pub(crate) fn list(slot: &WaitSlot) -> Listed<'_> {
    static SERIALS: ProcessCounter = ProcessCounter::new();
    let serial = SERIALS.next();
    if cfg!(loom) {
        return Listed {
            serial: 0,
            _slot: PhantomData,
        };
    }
    let current = std::thread::current();
    let since = Instant::real_now();
    SLEEPING.lock().push(Entry {
        serial,
        id: current.id(),
        name: current.name().map(str::to_owned),
        since,
        slot,
    });
    Listed {
        serial,
        _slot: PhantomData,
    }
}

impl Drop for Listed<'_> {
    fn drop(&mut self) {
        if self.serial == 0 {
            return;
        }
        let mut sleeping = SLEEPING.lock();
        if let Some(index) = sleeping.iter().position(|e| e.serial == self.serial) {
            sleeping.swap_remove(index);
        }
    }
}

/// The threads listed now, oldest first.
pub(crate) fn snapshot() -> Vec<ThreadFacts> {
    let sleeping = SLEEPING.lock();
    let mut facts: Vec<(u64, ThreadFacts)> = sleeping
        .iter()
        .map(|entry| {
            // SAFETY: listed, so the slot is alive while we hold the lock
            // (module docs).
            let slot = unsafe { &*entry.slot };
            let facts = ThreadFacts {
                id: entry.id,
                name: entry.name.clone(),
                since: entry.since,
                waits: slot.read(),
            };
            (entry.serial, facts)
        })
        .collect();
    drop(sleeping);
    facts.sort_by_key(|(serial, _)| *serial);
    facts.into_iter().map(|(_, facts)| facts).collect()
}
