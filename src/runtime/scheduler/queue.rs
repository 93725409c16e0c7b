//! A worker's local run queue: a bounded ring, owner at one end, thieves
//! taking half at the other.
//!
//! The algorithm is the steal-half ring of Go's scheduler (`runqput`,
//! `runqget`, `runqgrab`) in the form tokio gave it (`queue.rs`): the
//! owner pushes at `tail` and pops at the head; a thief claims the oldest
//! half in one compare-and-swap and then copies it into its own queue.
//!
//! `head` packs two indices: `real`, the next slot to pop, and `steal`,
//! the start of a range a thief is still copying out (equal to `real` when
//! no theft is in progress). Indices are `u32` and wrap; slots are index
//! modulo the capacity.
//!
//! Invariants:
//!
//! * only the owner writes `tail` and writes slots; it writes slot `tail`
//!   only while `tail - steal < CAPACITY`, so slots a thief is copying
//!   are never overwritten;
//! * at most one theft is in progress (a thief backs off if
//!   `steal != real`);
//! * every process pushed is popped, stolen, moved to the injection queue
//!   or dropped with the queue, exactly once (each index range is claimed
//!   by one successful compare-and-swap).
//!
//! Where it departs from Go: on overflow half of the queue moves to the
//! injection queue in one batch (as in Go and tokio), but while a theft is
//! in progress the single new process goes there instead.

use std::mem::MaybeUninit;

use super::inject::Inject;
use crate::runtime::task::Notified;
use crate::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use crate::sync::{Arc, UnsafeCell, LOCAL_QUEUE_CAPACITY};

const CAPACITY: u32 = LOCAL_QUEUE_CAPACITY as u32;
const MASK: u32 = CAPACITY - 1;

struct Inner {
    /// `steal << 32 | real`.
    head: AtomicU64,
    tail: AtomicU32,
    slots: Box<[UnsafeCell<MaybeUninit<Notified>>]>,
}

// SAFETY: slots are handed between threads only under the index protocol
// above; `Notified` is `Send`.
unsafe impl Send for Inner {}
// SAFETY: as above: concurrent access to a slot is ruled out by the
// claims on `head` and `tail`.
unsafe impl Sync for Inner {}

/// The owner's end. Only the worker that owns the queue uses it.
pub(crate) struct Local(Arc<Inner>);

/// The thieves' end.
pub(crate) struct Steal(Arc<Inner>);

/// A new empty queue.
pub(crate) fn new() -> (Local, Steal) {
    assert!(CAPACITY.is_power_of_two() && CAPACITY >= 2);
    let slots = (0..CAPACITY)
        .map(|_| UnsafeCell::new(MaybeUninit::uninit()))
        .collect();
    let inner = Arc::new(Inner {
        head: AtomicU64::new(0),
        tail: AtomicU32::new(0),
        slots,
    });
    (Local(inner.clone()), Steal(inner))
}

fn pack(steal: u32, real: u32) -> u64 {
    (u64::from(steal) << 32) | u64::from(real)
}

fn unpack(head: u64) -> (u32, u32) {
    ((head >> 32) as u32, head as u32)
}

impl Inner {
    /// Moves the process out of slot `index`.
    ///
    /// # Safety
    ///
    /// The caller has claimed `index` (it holds a written, not yet taken
    /// slot exclusively).
    unsafe fn take(&self, index: u32) -> Notified {
        // SAFETY: claimed and initialised, guaranteed by the caller.
        self.slots[(index & MASK) as usize].with(|ptr| unsafe { (*ptr).assume_init_read() })
    }

    /// Writes `task` into slot `index`.
    ///
    /// # Safety
    ///
    /// The caller owns the queue and slot `index` is free (see the
    /// invariants in the module docs).
    unsafe fn put(&self, index: u32, task: Notified) {
        // SAFETY: a free slot, written only by its owner (the caller).
        self.slots[(index & MASK) as usize].with_mut(|ptr| unsafe { (*ptr).write(task) });
    }

    fn len(&self) -> u32 {
        self.head_and_len().1
    }

    /// The head index (wrapping: how many processes were ever taken) and
    /// the number queued, a snapshot.
    fn head_and_len(&self) -> (u32, u32) {
        // Acquire on both: pair with the Release stores of the owner (tail)
        // and of poppers/thieves (head).
        let (_, real) = unpack(self.head.load(Ordering::Acquire));
        (real, self.tail.load(Ordering::Acquire).wrapping_sub(real))
    }
}

impl Local {
    /// The owner's tail: only the owner writes it, so a relaxed read sees
    /// the latest value.
    fn tail(&self) -> u32 {
        self.0.tail.load(Ordering::Relaxed)
    }

    /// Number of queued processes (exact for the owner, up to thefts).
    pub(crate) fn len(&self) -> usize {
        self.0.len() as usize
    }

    /// Whether no process is queued.
    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many processes can be pushed without overflowing.
    pub(crate) fn free_slots(&self) -> usize {
        // Acquire: pairs with the Release that ends a theft, after which
        // the stolen slots are free.
        let (steal, _) = unpack(self.0.head.load(Ordering::Acquire));
        (CAPACITY - self.tail().wrapping_sub(steal)) as usize
    }

    /// Pushes `task` if there is room; gives it back otherwise.
    pub(crate) fn try_push_back(&self, task: Notified) -> Result<(), Notified> {
        let tail = self.tail();
        // Acquire: see `free_slots`.
        let (steal, _) = unpack(self.0.head.load(Ordering::Acquire));
        if tail.wrapping_sub(steal) >= CAPACITY {
            return Err(task);
        }
        // SAFETY: we own the queue and slot `tail` is free (checked above).
        unsafe { self.0.put(tail, task) };
        // Release: publishes the slot to thieves, who read `tail` with Acquire.
        self.0.tail.store(tail.wrapping_add(1), Ordering::Release);
        Ok(())
    }

    /// Pushes `task`; on overflow, moves half of the queue (and `task`) to
    /// the injection queue.
    pub(crate) fn push_back(&self, mut task: Notified, inject: &Inject) {
        loop {
            task = match self.try_push_back(task) {
                Ok(()) => return,
                Err(task) => task,
            };
            // Acquire: see `free_slots`.
            let (steal, real) = unpack(self.0.head.load(Ordering::Acquire));
            if steal != real {
                // A thief is about to free half the queue; do not wait for it.
                if let Err(task) = inject.push(task) {
                    drop(task);
                }
                return;
            }
            match self.push_overflow(task, real, inject) {
                Ok(()) => return,
                Err(back) => task = back,
            }
        }
    }

    /// Moves the oldest half and `task` to the injection queue. Fails if a
    /// pop or theft moved the head meanwhile.
    fn push_overflow(&self, task: Notified, real: u32, inject: &Inject) -> Result<(), Notified> {
        let half = CAPACITY / 2;
        let claimed = pack(real.wrapping_add(half), real.wrapping_add(half));
        // Relaxed would do for the slots (we wrote them ourselves); Release
        // keeps the claim ordered after those writes for thieves that read
        // `head` with Acquire.
        if self
            .0
            .head
            .compare_exchange(
                pack(real, real),
                claimed,
                Ordering::Release,
                Ordering::Relaxed,
            )
            .is_err()
        {
            return Err(task);
        }
        // SAFETY: the compare-and-swap gave us slots `real..real + half`.
        let batch = (0..half).map(|i| unsafe { self.0.take(real.wrapping_add(i)) });
        inject.push_batch(batch.chain(std::iter::once(task)));
        Ok(())
    }

    /// Pops the oldest process.
    pub(crate) fn pop(&self) -> Option<Notified> {
        // Acquire: pairs with thieves' Release of `head`.
        let mut head = self.0.head.load(Ordering::Acquire);
        let index = loop {
            let (steal, real) = unpack(head);
            if real == self.tail() {
                return None;
            }
            let next_real = real.wrapping_add(1);
            let next = if steal == real {
                pack(next_real, next_real)
            } else {
                pack(steal, next_real)
            };
            // AcqRel: claims slot `real` against thieves (who CAS the same word).
            match self
                .0
                .head
                .compare_exchange_weak(head, next, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => break real,
                Err(actual) => head = actual,
            }
        };
        // SAFETY: the compare-and-swap gave us slot `index`.
        Some(unsafe { self.0.take(index) })
    }
}

impl Steal {
    /// A snapshot for an idle worker deciding whether to steal (see
    /// `watch.rs`): how many processes the owner and thieves have taken
    /// from the queue so far (the head index, wrapping) and how many are
    /// queued.
    pub(crate) fn head_and_len(&self) -> (u32, u32) {
        self.0.head_and_len()
    }

    /// Whether the queue looks empty (a snapshot).
    pub(crate) fn is_empty(&self) -> bool {
        self.0.len() == 0
    }

    /// Steals half of this queue into `dst` (the thief's own queue) and
    /// returns one of the stolen processes to run at once.
    pub(crate) fn steal_into(&self, dst: &Local) -> Option<Notified> {
        if std::ptr::eq(&*self.0, &*dst.0) {
            return None;
        }
        let dst_tail = dst.tail();
        if dst.free_slots() < (CAPACITY / 2) as usize {
            // No room for a half; the thief has work of its own anyway.
            return None;
        }
        let count = self.claim_and_copy(dst, dst_tail);
        if count == 0 {
            return None;
        }
        let last = dst_tail.wrapping_add(count - 1);
        // SAFETY: slot `last` of `dst` was just written by us (its owner)
        // and is not yet published.
        let task = unsafe { dst.0.take(last) };
        if count > 1 {
            // Release: publishes the copied slots to thieves of `dst`.
            dst.0.tail.store(last, Ordering::Release);
        }
        Some(task)
    }

    /// Claims the oldest half of this queue, copies it to `dst` starting at
    /// `dst_tail`, and releases the claim. Returns how many were copied.
    fn claim_and_copy(&self, dst: &Local, dst_tail: u32) -> u32 {
        // Acquire: pairs with the owner's and other thieves' updates of `head`.
        let mut head = self.0.head.load(Ordering::Acquire);
        let (first, count, mut claimed) = loop {
            let (steal, real) = unpack(head);
            if steal != real {
                return 0; // another theft is in progress
            }
            // Acquire: pairs with the owner's Release of `tail`: the slots
            // below it are written.
            let tail = self.0.tail.load(Ordering::Acquire);
            let available = tail.wrapping_sub(real);
            let count = available - available / 2;
            if count == 0 || available > CAPACITY {
                return 0;
            }
            let next = pack(steal, real.wrapping_add(count));
            // AcqRel: claims the range `real..real + count` against the owner
            // and other thieves.
            match self
                .0
                .head
                .compare_exchange_weak(head, next, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => break (real, count, next),
                Err(actual) => head = actual,
            }
        };
        for i in 0..count {
            // SAFETY: the claim gives us these source slots; the destination
            // slots are free (checked by `steal_into`) and `dst` is ours.
            unsafe {
                dst.0
                    .put(dst_tail.wrapping_add(i), self.0.take(first.wrapping_add(i)))
            };
        }
        loop {
            let (_, real) = unpack(claimed);
            // AcqRel: the Release publishes that the claimed slots are read
            // out (the owner's Acquire of `head` then lets it reuse them).
            match self.0.head.compare_exchange_weak(
                claimed,
                pack(real, real),
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return count,
                Err(actual) => claimed = actual,
            }
        }
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Both ends are gone, so no theft is in progress: drop what is left.
        let (_, real) = unpack(self.head.load(Ordering::Acquire));
        let tail = self.tail.load(Ordering::Acquire);
        let mut index = real;
        while index != tail {
            // SAFETY: slots `real..tail` are written and nobody else remains.
            drop(unsafe { self.take(index) });
            index = index.wrapping_add(1);
        }
    }
}
