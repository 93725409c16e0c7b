//! The unbounded flavour: a lock-free FIFO of linked blocks; sends never
//! wait.
//!
//! The algorithm is crossbeam-channel's list flavour
//! (`crossbeam-channel/src/flavors/list.rs`, MIT/Apache-2.0 like hoare):
//! its slot bits `READ`/`DESTROY`, indices counted in laps with a
//! sentinel offset, the `MARK_BIT` on `head`, and 31-slot blocks. The code
//! and the words are ours; where it departs (the close mark, waiting
//! receivers in a wait queue, a separate `written` flag) is said below.
//!
//! # Algorithm
//!
//! Messages live in blocks of [`BLOCK_CAP`] slots chained by `next`
//! pointers. Two positions, `head` (the next slot to receive from) and
//! `tail` (the next slot to send into), each hold a monotonic *index* and
//! the block that index falls in. An index counts slots in laps of
//! [`LAP`] = `BLOCK_CAP + 1`: offsets `0..BLOCK_CAP` are real slots, and
//! offset `BLOCK_CAP` is a sentinel meaning "this block is finished and
//! the next one is being installed". Indices are stored shifted left by
//! one; the low bit of `tail` is the *closed* mark.
//!
//! * **Send** reserves a slot by a compare-and-swap of `tail.index` from `i`
//!   to `i + 1`, then writes the message and sets the slot's `written` flag
//!   with a plain release store. The flag has a byte of its own, apart from
//!   the `READ`/`DESTROY` state the readers share (crossbeam keeps all three
//!   bits in one word, so its sender needs a read-modify-write there): a send
//!   costs one locked instruction, the reservation. No one but the slot's
//!   sender writes the flag, and it is the sender's last access to the block.
//!   The sender that reserves a block's last slot has allocated the next
//!   block beforehand; it publishes it (`tail.block`, then `tail.index` past
//!   the sentinel, then the old block's `next`). While `tail` sits on a
//!   sentinel, other senders wait: the window is a few instructions long.
//!   Allocation is amortised: one block per `BLOCK_CAP` messages.
//! * **Receive** checks `head` against `tail` (equal: empty, or closed if
//!   the mark is set; once `tail` is seen in a later block, `head` carries
//!   `MARK_BIT` until the end of its block and skips the check, since
//!   every slot up to there is reserved), reserves a slot by a
//!   compare-and-swap of
//!   `head.index`, waits for the slot's `written` flag (the sender may sit
//!   between its reservation and its write) and reads the message. The
//!   receiver that reserves a block's last slot moves `head` to the next
//!   block.
//! * **Freeing a block** needs every reader of its slots to be done. The
//!   reader of the last slot starts the destruction: it walks the other
//!   slots, and at the first one whose `READ` bit is not yet set it sets
//!   `DESTROY` and stops; that slot's reader, on setting `READ`, sees
//!   `DESTROY` and carries the walk on from there. Whoever finishes the
//!   walk frees the block, or rather keeps it as the channel's one
//!   *spare* (cleared) if the spare is empty; a sender that needs a new
//!   block takes the spare before it allocates (a swap). So the owner of
//!   a block's memory is, at every moment, exactly one of: the channel
//!   (blocks at or after `head`, and the spare), the reader that finishes
//!   the walk, or the sender that took the spare until it installs it.
//!   Reuse adds no case a freed block did not have: `malloc` may return
//!   the same address too, and no thread touches a block through a stale
//!   pointer (a reservation's compare-and-swap on the index comes first).
//! * **Close** sets the mark on `tail` by a compare-and-swap that waits
//!   out a sentinel, so the installing sender's plain store of the next
//!   index cannot erase it. A send whose reservation came first is
//!   received or dropped with the channel; one that comes after fails.
//!
//! Waiting receivers sit in a [`WaitQueue`]; each send notifies one. The
//! store-buffer race between a receiver that registers and then re-checks
//! `tail`, and a sender that advances `tail` and then looks for waiters,
//! is closed by the `SeqCst` reservation here, the receiver's `SeqCst`
//! re-check and the `SeqCst` fence of `WaitQueue::register` (a sender
//! needs no fence of its own after its `SeqCst` compare-and-swap:
//! `WaitQueue::notify_one_after_seqcst_rmw`).

use std::mem::MaybeUninit;

use crossbeam_utils::Backoff;

use super::error::{TryRecvError, TrySendError};
use super::spaced::Spaced;
use super::waiter::{Registration, Token, WaitQueue};
use crate::sync::atomic::{AtomicBool, AtomicPtr, AtomicU8, AtomicUsize, Ordering};
use crate::sync::{spin_loop, Arc, UnsafeCell};

/// Slots per block (a lap is one more: the sentinel).
#[cfg(not(loom))]
const BLOCK_CAP: usize = 31;
/// Tiny blocks under loom, so that models cross block boundaries.
#[cfg(loom)]
const BLOCK_CAP: usize = 2;
/// Indices per block: the slots and the sentinel.
const LAP: usize = BLOCK_CAP + 1;
/// Indices are stored shifted by this many bits.
const SHIFT: usize = 1;
/// The closed mark, in `tail.index`; in `head.index`, "`tail` is in a later
/// block" (see `try_recv`).
const MARK_BIT: usize = 1;

/// Slot state: the message has been read.
const READ: u8 = 1;
/// Slot state: the block's destruction stopped here, waiting for this
/// slot's reader to carry it on.
const DESTROY: u8 = 2;

/// A block: the `written` flags first, then the messages, then the
/// `READ`/`DESTROY` states. One array each, not one struct per slot: a
/// `u64` message then takes 8 bytes of the block, not 16 (a value and two
/// flag bytes, padded): 320 bytes for 31 messages instead of 504, so a
/// long queue has fewer pages to fault in and fewer cache lines to pass
/// through. The messages sit between the two flag arrays so that a
/// sender's `written` stores and a receiver's `state` swaps fall on
/// different cache lines even when both work in the same block (for
/// messages of 3 bytes or more: 31 of them span a cache line).
#[repr(C)]
struct Block<T> {
    next: AtomicPtr<Block<T>>,
    /// Per slot, the message has been written: set once, by the slot's
    /// sender.
    written: [AtomicBool; BLOCK_CAP],
    messages: [UnsafeCell<MaybeUninit<T>>; BLOCK_CAP],
    /// Per slot, `READ` and `DESTROY`: the slot's reader and the block's
    /// destroyer.
    state: [AtomicU8; BLOCK_CAP],
}

/// One slot of a block: its message and its two flags.
struct Slot<'a, T> {
    message: &'a UnsafeCell<MaybeUninit<T>>,
    written: &'a AtomicBool,
    state: &'a AtomicU8,
}

impl<T> Block<T> {
    /// A zeroed block: null `next`, every slot empty.
    #[cfg(not(loom))]
    fn new() -> Box<Block<T>> {
        let layout = std::alloc::Layout::new::<Block<T>>();
        // SAFETY: the layout has a non-zero size (`next` at least), and all
        // zero bytes are a valid `Block`: a null pointer, slot states of 0,
        // and uninitialised messages. Allocating in place (not `Box::new`)
        // keeps a block of large messages off the stack.
        unsafe {
            let raw = std::alloc::alloc_zeroed(layout).cast::<Block<T>>();
            if raw.is_null() {
                std::alloc::handle_alloc_error(layout);
            }
            Box::from_raw(raw)
        }
    }

    /// A fresh block (loom's atomics are not plain memory, so no zeroing).
    #[cfg(loom)]
    fn new() -> Box<Block<T>> {
        Box::new(Block {
            next: AtomicPtr::new(std::ptr::null_mut()),
            written: std::array::from_fn(|_| AtomicBool::new(false)),
            messages: std::array::from_fn(|_| UnsafeCell::new(MaybeUninit::uninit())),
            state: std::array::from_fn(|_| AtomicU8::new(0)),
        })
    }

    /// Slot `offset` (below `BLOCK_CAP`).
    #[inline(always)]
    fn slot(&self, offset: usize) -> Slot<'_, T> {
        Slot {
            message: &self.messages[offset],
            written: &self.written[offset],
            state: &self.state[offset],
        }
    }

    /// Waits until the next block is linked, and returns it.
    fn wait_next(&self) -> *mut Block<T> {
        let backoff = Backoff::new();
        loop {
            // Acquire: pairs with the Release store of `next` by the sender
            // that installed the block, so its initialisation is visible.
            let next = self.next.load(Ordering::Acquire);
            if !next.is_null() {
                return next;
            }
            snooze(&backoff);
        }
    }

    /// Carries on freeing `this` from slot `start`: stops (leaving the job
    /// to that slot's reader) at the first slot not yet read, or frees the
    /// block if every slot from `start` on has been read.
    ///
    /// # Safety
    ///
    /// The caller is the reader of the block's last slot (`start == 0`) or
    /// the reader of slot `start - 1` that found `DESTROY` set: it is the
    /// one thread entitled to continue the walk.
    unsafe fn destroy(this: *mut Block<T>, start: usize, spare: &AtomicPtr<Block<T>>) {
        // The last slot is not visited: its reader is the one who started.
        for index in start..BLOCK_CAP - 1 {
            // SAFETY: the block is alive: it is freed only at the end of
            // this walk, which only we are doing.
            let state = unsafe { &(*this).state[index] };
            // Acquire/AcqRel: pairs with the reader's AcqRel `swap(READ)`
            // so that its read of the message happens before the free.
            if state.load(Ordering::Acquire) & READ == 0
                && state.fetch_or(DESTROY, Ordering::AcqRel) & READ == 0
            {
                // That slot's reader will continue from `index + 1`.
                return;
            }
        }
        // SAFETY: every slot has been read and no one else walks the block;
        // it was allocated by `Block::new` as a `Box`.
        unsafe { Block::recycle(Box::from_raw(this), spare) };
    }

    /// Keeps `block` as the channel's spare if it has none, cleared for
    /// reuse, or frees it.
    ///
    /// A stream of messages then uses two blocks in turn instead of one
    /// `malloc` and one `free` per block, and the `free` of a block
    /// received on another thread than the one that allocated it is a
    /// trip to that thread's arena under its lock in glibc.
    fn recycle(mut block: Box<Block<T>>, spare: &AtomicPtr<Block<T>>) {
        // Relaxed: a hint; the compare-and-swap below decides.
        if !spare.load(Ordering::Relaxed).is_null() {
            return;
        }
        block.clear();
        let raw = Box::into_raw(block);
        // Release: publishes the clearing to the sender that takes the
        // spare (its Acquire swap in `Linked::new_block`).
        if spare
            .compare_exchange(
                std::ptr::null_mut(),
                raw,
                Ordering::Release,
                Ordering::Relaxed,
            )
            .is_err()
        {
            // SAFETY: not published: still ours, from `Box::into_raw`.
            drop(unsafe { Box::from_raw(raw) });
        }
    }

    /// Makes a used block as `Block::new` makes one: null `next`, every
    /// flag clear (the messages were all read, so nothing is left to drop;
    /// their bytes stay as they are, unread until written again).
    #[cfg(not(loom))]
    fn clear(&mut self) {
        *self.next.get_mut() = std::ptr::null_mut();
        for written in &mut self.written {
            *written.get_mut() = false;
        }
        for state in &mut self.state {
            *state.get_mut() = 0;
        }
    }

    /// As above, through loom's atomics.
    #[cfg(loom)]
    fn clear(&mut self) {
        self.next.store(std::ptr::null_mut(), Ordering::Relaxed);
        for written in &self.written {
            written.store(false, Ordering::Relaxed);
        }
        for state in &self.state {
            state.store(0, Ordering::Relaxed);
        }
    }
}

/// A position in the queue: an index and the block it falls in.
struct Position<T> {
    index: AtomicUsize,
    block: AtomicPtr<Block<T>>,
}

/// An unbounded channel's shared state.
///
/// `repr(C)`: `head`, `tail` and the fields after them stay in this
/// order, each at least 128 bytes from the next, so receivers (`head`)
/// and senders (`tail`) do not take each other's cache lines; padded
/// rather than aligned, so that the box is a plain `malloc`
/// (`spaced.rs`).
#[repr(C)]
pub(crate) struct Linked<T> {
    head: Spaced<Position<T>>,
    tail: Spaced<Position<T>>,
    /// Receivers waiting for a message.
    receivers: WaitQueue<Registration>,
    /// A freed block kept for the next one needed, or null
    /// (`Block::recycle`).
    spare: AtomicPtr<Block<T>>,
}

// SAFETY: messages move between threads through the slots (`T: Send`); the
// slots are reached only by the thread that reserved them (the reservation
// CAS makes that thread unique), and blocks are freed by exactly one thread
// (the destruction walk).
unsafe impl<T: Send> Send for Linked<T> {}
// SAFETY: as for `Send`: every shared access goes through atomics or a
// slot reserved by a unique CAS.
unsafe impl<T: Send> Sync for Linked<T> {}

/// The offsets of `head`, `tail` and the first field after them, for
/// `spaced.rs`'s tests.
#[cfg(all(test, not(loom)))]
pub(super) fn spaced_offsets() -> [usize; 3] {
    use std::mem::offset_of;
    [
        offset_of!(Linked<u64>, head),
        offset_of!(Linked<u64>, tail),
        offset_of!(Linked<u64>, receivers),
    ]
}

fn snooze(backoff: &Backoff) {
    backoff.snooze();
    spin_loop();
}

/// The offset of `index` in its block (`BLOCK_CAP` is the sentinel).
fn offset(index: usize) -> usize {
    (index >> SHIFT) % LAP
}

/// How many messages were reserved before `index`: its position with the
/// sentinels left out.
fn messages_before(index: usize) -> usize {
    let slot = index >> SHIFT;
    (slot / LAP) * BLOCK_CAP + (slot % LAP).min(BLOCK_CAP)
}

impl<T> Linked<T> {
    /// A new, open, empty channel (with its first block).
    pub(crate) fn new() -> Self {
        let first = Box::into_raw(Block::<T>::new());
        Linked {
            head: Spaced::new(Position {
                index: AtomicUsize::new(0),
                block: AtomicPtr::new(first),
            }),
            tail: Spaced::new(Position {
                index: AtomicUsize::new(0),
                block: AtomicPtr::new(first),
            }),
            receivers: WaitQueue::new(),
            spare: AtomicPtr::new(std::ptr::null_mut()),
        }
    }

    /// A cleared block: the spare if there is one, else a new one.
    fn new_block(&self) -> Box<Block<T>> {
        // Relaxed: a hint, to skip the swap when there is no spare.
        if !self.spare.load(Ordering::Relaxed).is_null() {
            // Acquire: pairs with `recycle`'s Release compare-and-swap, so
            // the clearing is visible.
            let spare = self.spare.swap(std::ptr::null_mut(), Ordering::Acquire);
            if !spare.is_null() {
                // SAFETY: `recycle` published a `Box` it owned; the swap
                // made it ours alone.
                return unsafe { Box::from_raw(spare) };
            }
        }
        Block::new()
    }

    /// Sends; fails only when closed.
    ///
    /// The common case, a free slot that is not its block's last, is one
    /// reservation tried inline; a block boundary, a lost race or a closed
    /// channel goes on to [`Self::send_slow`] from where this left off.
    #[inline(always)]
    pub(crate) fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        // Acquire (both): pairs with the Release stores of an installing
        // sender, which publish the new block before the index past it.
        let tail = self.tail.index.load(Ordering::Acquire);
        let block = self.tail.block.load(Ordering::Acquire);
        let offset = offset(tail);
        if tail & MARK_BIT != 0 || offset + 1 >= BLOCK_CAP {
            return self.send_slow(value, tail, block);
        }
        // SeqCst: as in `send_slow`.
        match self.tail.index.compare_exchange_weak(
            tail,
            tail + (1 << SHIFT),
            Ordering::SeqCst,
            Ordering::Acquire,
        ) {
            Ok(_) => {
                // SAFETY: the CAS reserved slot `offset` of `block` for us.
                unsafe { Self::write(block, offset, value) };
                // The reservation above was the SeqCst store half.
                self.receivers.notify_one_after_seqcst_rmw();
                Ok(())
            }
            Err(current) => {
                let block = self.tail.block.load(Ordering::Acquire);
                self.send_slow(value, current, block)
            }
        }
    }

    /// The whole send algorithm, from a `tail` index and `block` read as
    /// in [`Self::try_send`]: waits out a sentinel, allocates and installs
    /// the next block for a block's last slot, retries a lost reservation.
    #[inline(never)]
    fn send_slow(
        &self,
        value: T,
        mut tail: usize,
        mut block: *mut Block<T>,
    ) -> Result<(), TrySendError<T>> {
        let backoff = Backoff::new();
        let mut next_block: Option<Box<Block<T>>> = None;
        loop {
            if tail & MARK_BIT != 0 {
                return Err(TrySendError::Closed(value));
            }
            let offset = offset(tail);
            if offset == BLOCK_CAP {
                // The next block is being installed.
                snooze(&backoff);
                // Acquire (both): as in `try_send`.
                tail = self.tail.index.load(Ordering::Acquire);
                block = self.tail.block.load(Ordering::Acquire);
                continue;
            }
            if offset + 1 == BLOCK_CAP && next_block.is_none() {
                // Allocate before reserving: the window during which other
                // senders wait on the sentinel stays short.
                next_block = Some(self.new_block());
            }
            let new_tail = tail + (1 << SHIFT);
            // SeqCst: the reservation is ordered with close's CAS (a send
            // either comes before the mark or fails) and, with the fences of
            // `WaitQueue`, with a receiver's register-then-recheck.
            match self.tail.index.compare_exchange_weak(
                tail,
                new_tail,
                Ordering::SeqCst,
                Ordering::Acquire,
            ) {
                Ok(_) => {
                    if offset + 1 == BLOCK_CAP {
                        let next = next_block.take().expect("allocated above");
                        // SAFETY: we reserved `block`'s last slot just now.
                        unsafe { self.install_next_block(block, new_tail, next) };
                    }
                    // SAFETY: the CAS reserved slot `offset` of `block` for us.
                    unsafe { Self::write(block, offset, value) };
                    break;
                }
                Err(current) => {
                    tail = current;
                    block = self.tail.block.load(Ordering::Acquire);
                    backoff.spin();
                }
            }
        }
        // The reservation (a SeqCst compare-and-swap) was the store half.
        self.receivers.notify_one_after_seqcst_rmw();
        Ok(())
    }

    /// Writes `value` into slot `offset` of `block` and publishes it to
    /// the slot's reader.
    ///
    /// # Safety
    ///
    /// The caller's reservation CAS gave it slot `offset` of `block`.
    #[inline(always)]
    unsafe fn write(block: *mut Block<T>, offset: usize, value: T) {
        // SAFETY: the reservation is ours alone, and the block lives until
        // the slot's reader has read it.
        let slot = unsafe { (*block).slot(offset) };
        // SAFETY: no one reads the slot before `written` is set.
        slot.message.with_mut(|message| unsafe {
            (*message).write(value);
        });
        // Release: pairs with the receiver's Acquire load in `take`,
        // publishing the message. A plain store: no one else writes the
        // flag, and the block cannot be freed before the slot's reader has
        // seen it set (the reader marks `READ` only after that).
        slot.written.store(true, Ordering::Release);
    }

    /// Publishes `next` as the block after `block`, whose last slot the
    /// caller reserved by moving `tail` to `new_tail` (the sentinel): once
    /// per block, out of the send's fast path.
    ///
    /// # Safety
    ///
    /// The caller's reservation CAS moved `tail.index` onto `block`'s
    /// sentinel (`new_tail`); `block` is alive.
    #[cold]
    #[inline(never)]
    unsafe fn install_next_block(
        &self,
        block: *mut Block<T>,
        new_tail: usize,
        next: Box<Block<T>>,
    ) {
        let next = Box::into_raw(next);
        // Release (all three): publish the new block's initialisation to
        // senders (through `tail`) and to receivers (through `next`).
        self.tail.block.store(next, Ordering::Release);
        self.tail
            .index
            .store(new_tail + (1 << SHIFT), Ordering::Release);
        // SAFETY: `block` is alive: it cannot be freed before its last
        // slot, the caller's, has been written and read.
        unsafe { (*block).next.store(next, Ordering::Release) };
    }

    /// Receives without waiting.
    #[inline(always)]
    pub(crate) fn try_recv(&self) -> Result<T, TryRecvError> {
        let backoff = Backoff::new();
        // Acquire (both): pairs with the Release stores of the receiver that
        // moved `head` to a new block.
        let mut head = self.head.index.load(Ordering::Acquire);
        let mut block = self.head.block.load(Ordering::Acquire);
        loop {
            let offset = offset(head);
            if offset == BLOCK_CAP {
                // Another receiver is moving `head` to the next block.
                snooze(&backoff);
                head = self.head.index.load(Ordering::Acquire);
                block = self.head.block.load(Ordering::Acquire);
                continue;
            }
            let mut new_head = head + (1 << SHIFT);
            // `MARK_BIT` in `head` records that `tail` was already in a
            // later block: every slot of this block is reserved by a send,
            // so the receive needs no look at the senders' `tail` line
            // until `head` reaches the next block.
            if head & MARK_BIT == 0 {
                // SeqCst: orders this emptiness check after a waiting
                // receiver's registration (the `WaitQueue` fences).
                let tail = self.tail.index.load(Ordering::SeqCst);
                if head >> SHIFT == tail >> SHIFT {
                    return Err(if tail & MARK_BIT != 0 {
                        TryRecvError::Closed
                    } else {
                        TryRecvError::Empty
                    });
                }
                if (head >> SHIFT) / LAP != (tail >> SHIFT) / LAP {
                    new_head |= MARK_BIT;
                }
            }
            // SeqCst: the select's double collect reads `head` as part of
            // the version; one total order of these changes.
            match self.head.index.compare_exchange_weak(
                head,
                new_head,
                Ordering::SeqCst,
                Ordering::Acquire,
            ) {
                Ok(_) => {
                    if offset + 1 == BLOCK_CAP {
                        // SAFETY: we reserved `block`'s last slot just now.
                        unsafe { self.move_head_to_next_block(block, new_head) };
                    }
                    // SAFETY: the CAS reserved this slot for us alone; the
                    // block is freed only after we mark the slot read (or,
                    // for the last slot, by us).
                    let message = unsafe { self.take(block, offset) };
                    return Ok(message);
                }
                Err(current) => {
                    head = current;
                    block = self.head.block.load(Ordering::Acquire);
                    backoff.spin();
                }
            }
        }
    }

    /// Moves `head` past `block`, whose last slot the caller reserved by
    /// moving `head.index` to `new_head` (the sentinel): once per block,
    /// out of the receive's fast path.
    ///
    /// # Safety
    ///
    /// The caller's reservation CAS moved `head.index` onto `block`'s
    /// sentinel (`new_head`); `block` is alive.
    #[cold]
    #[inline(never)]
    unsafe fn move_head_to_next_block(&self, block: *mut Block<T>, new_head: usize) {
        // SAFETY: `block` lives until its last slot, the caller's, has
        // been read.
        let next = unsafe { (*block).wait_next() };
        // Release (both): publish the block move to other receivers'
        // Acquire loads. The new block starts unmarked: its first receive
        // looks at `tail` again.
        self.head.block.store(next, Ordering::Release);
        self.head
            .index
            .store((new_head & !MARK_BIT) + (1 << SHIFT), Ordering::Release);
    }

    /// Reads the message of a reserved slot and plays the slot's part in
    /// the block's destruction.
    ///
    /// # Safety
    ///
    /// The caller reserved slot `offset` of `block` (a receive CAS); the
    /// block is alive.
    #[inline(always)]
    unsafe fn take(&self, block: *mut Block<T>, offset: usize) -> T {
        // SAFETY: the block is alive (caller).
        let slot = unsafe { (*block).slot(offset) };
        let backoff = Backoff::new();
        // Acquire: pairs with the sender's Release store of `written`.
        while !slot.written.load(Ordering::Acquire) {
            snooze(&backoff);
        }
        // SAFETY: the message is written (`written`) and the slot is ours.
        let message = slot
            .message
            .with(|message| unsafe { (*message).assume_init_read() });
        if offset + 1 == BLOCK_CAP {
            // SAFETY: we read the last slot: we start the destruction.
            unsafe { Block::destroy(block, 0, &self.spare) };
        } else if slot.state.swap(READ, Ordering::AcqRel) & DESTROY != 0 {
            // AcqRel: Release publishes our read to the destroyer; Acquire
            // sees its `DESTROY`. It stopped at us: we carry the walk on.
            // (A swap, not `fetch_or`: the state before is 0 or `DESTROY`,
            // only we set `READ`, and no one reads `DESTROY` after us, so
            // overwriting it loses nothing; x86 does a swap in one
            // instruction and a tested `fetch_or` in a compare-and-swap
            // loop.)
            // SAFETY: we are the reader of slot `offset` that found DESTROY.
            unsafe { Block::destroy(block, offset + 1, &self.spare) };
        }
        message
    }

    /// Whether a receive would not wait now.
    pub(crate) fn recv_ready(&self) -> bool {
        // SeqCst (both): see `try_recv`.
        let tail = self.tail.index.load(Ordering::SeqCst);
        let head = self.head.index.load(Ordering::SeqCst);
        tail & MARK_BIT != 0 || messages_before(head) != messages_before(tail)
    }

    /// Registers `token`'s operation as a waiting receiver (arm `arm`,
    /// simulation channel `channel`); `false` (and not registered) if a
    /// receive could proceed now.
    pub(crate) fn register_recv(&self, token: &Arc<Token>, arm: usize, channel: u64) -> bool {
        self.receivers
            .register_unless(Registration::new(token, arm, channel), token, || {
                self.recv_ready()
            })
    }

    /// The waiting receivers.
    pub(crate) fn receivers(&self) -> &WaitQueue<Registration> {
        &self.receivers
    }

    /// Closes the channel; `true` if this call closed it. Wakes every waiter.
    pub(crate) fn close(&self) -> bool {
        let backoff = Backoff::new();
        // Relaxed: only a starting point for the CAS, which is SeqCst.
        let mut tail = self.tail.index.load(Ordering::Relaxed);
        loop {
            if tail & MARK_BIT != 0 {
                return false;
            }
            if offset(tail) == BLOCK_CAP {
                // An installing sender will overwrite `tail.index` with a
                // plain store: wait for it, or the mark would be lost.
                snooze(&backoff);
                tail = self.tail.index.load(Ordering::Relaxed);
                continue;
            }
            // SeqCst: ordered with every send's reservation (see try_send).
            match self.tail.index.compare_exchange_weak(
                tail,
                tail | MARK_BIT,
                Ordering::SeqCst,
                Ordering::Relaxed,
            ) {
                Ok(_) => break,
                Err(current) => tail = current,
            }
        }
        self.receivers.notify_all();
        true
    }

    /// Drops every buffered message: the last receiver is gone and the
    /// channel is closed (no receive runs, no new send succeeds), or the
    /// channel itself is being dropped.
    ///
    /// `head` is advanced before each message is dropped, so a panicking
    /// `Drop` leaves the channel consistent: the messages after it are
    /// dropped with the channel, and none twice.
    pub(crate) fn discard_all(&self) {
        let backoff = Backoff::new();
        // The closed mark is set: `tail` moves only off a sentinel now.
        // Acquire: pairs with the Release store of an installing sender.
        let tail = loop {
            let tail = self.tail.index.load(Ordering::Acquire);
            if offset(tail) != BLOCK_CAP {
                break tail;
            }
            snooze(&backoff);
        };
        // Acquire (both): the last receiver's moves of `head`.
        let mut head = self.head.index.load(Ordering::Acquire);
        let mut block = self.head.block.load(Ordering::Acquire);
        while head >> SHIFT != tail >> SHIFT {
            let offset = offset(head);
            let next_head = head + (1 << SHIFT);
            if offset == BLOCK_CAP {
                // SAFETY: every slot of `block` has been taken (by receivers
                // long done, or by this loop) and no other thread reaches it.
                let next = unsafe { (*block).wait_next() };
                // Release: as in try_recv.
                self.head.block.store(next, Ordering::Release);
                self.head.index.store(next_head, Ordering::Release);
                // SAFETY: as above; the block came from `Block::new`.
                drop(unsafe { Box::from_raw(block) });
                block = next;
                head = next_head;
                continue;
            }
            // SAFETY: `block` is alive (it is at `head`), and slot `offset`
            // was reserved by a send before the close: wait for its write.
            let slot = unsafe { (*block).slot(offset) };
            // Acquire: as in `take`.
            while !slot.written.load(Ordering::Acquire) {
                snooze(&backoff);
            }
            // Release: as in try_recv; `head` moves before the drop below.
            self.head.index.store(next_head, Ordering::Release);
            head = next_head;
            // SAFETY: written (`written`), and now past `head`: no one else
            // will read or drop it.
            let message = slot
                .message
                .with(|message| unsafe { (*message).assume_init_read() });
            drop(message);
        }
    }

    /// Whether the channel is closed.
    pub(crate) fn is_closed(&self) -> bool {
        // SeqCst: a snapshot that agrees with the order of close and sends.
        self.tail.index.load(Ordering::SeqCst) & MARK_BIT != 0
    }

    /// Buffered messages, a snapshot.
    pub(crate) fn len(&self) -> usize {
        loop {
            // SeqCst (all): `head` read between two equal reads of `tail` is
            // not past it, so the difference is a real snapshot.
            let tail = self.tail.index.load(Ordering::SeqCst);
            let head = self.head.index.load(Ordering::SeqCst);
            if self.tail.index.load(Ordering::SeqCst) == tail {
                return messages_before(tail).wrapping_sub(messages_before(head));
            }
        }
    }

    /// The state version for a select's double collect: any send, receive
    /// or close changes it.
    pub(crate) fn version(&self) -> (usize, usize) {
        // SeqCst: one total order of these loads across channels.
        (
            self.head.index.load(Ordering::SeqCst),
            self.tail.index.load(Ordering::SeqCst),
        )
    }
}

/// # The arm protocol
///
/// How a select arm (`chan::operation`) waits on an unbounded channel. A
/// send never waits (there is always room). A waiting receive queues a
/// [`Registration`]; when woken it takes the message from the list itself.
impl<T> Linked<T> {
    /// Registers a waiting receive of `token` (arm `index` of channel
    /// number `channel`); `false` (not registered) if a receive could
    /// proceed now.
    pub(crate) fn wait_recv(&self, token: &Arc<Token>, index: usize, channel: u64) -> bool {
        self.register_recv(token, index, channel)
    }

    /// Withdraws a waiting receive of `token` that was not selected.
    pub(crate) fn withdraw_recv(&self, token: &Token) {
        self.receivers.unregister(token);
    }

    /// A woken receive goes away without receiving: the notification goes
    /// to the next waiting receiver.
    pub(crate) fn pass_on_recv(&self) {
        self.receivers.notify_one();
    }
}

impl<T> Drop for Linked<T> {
    fn drop(&mut self) {
        // Every send has finished (`&mut self`), so the walk of
        // `discard_all` never waits here: it drops what is left between
        // head and tail and frees every block it passes.
        self.discard_all();
        // Relaxed: `&mut self` orders us after every other access.
        let block = self.head.block.load(Ordering::Relaxed);
        // SAFETY: the block at `head` is the last one the channel owns
        // (the blocks before it were freed by their readers or by the walk),
        // and it came from `Block::new`.
        drop(unsafe { Box::from_raw(block) });
        let spare = self.spare.load(Ordering::Relaxed);
        if !spare.is_null() {
            // SAFETY: the spare is a `Box` that `recycle` gave the channel.
            drop(unsafe { Box::from_raw(spare) });
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use std::mem::{offset_of, size_of};

    use super::{Block, BLOCK_CAP};

    /// A block of `u64`s holds a message in 8 bytes and its two flags in
    /// one byte each: 320 bytes for 31 messages (10.3 per message, where a
    /// slot struct per message took 16), and the `written` flags lie more
    /// than a cache line away from the `state` bytes.
    #[test]
    fn a_block_of_u64s_takes_ten_bytes_a_message_with_the_flags_apart() {
        let bytes = size_of::<Block<u64>>();
        assert_eq!(
            bytes, 320,
            "next, 31 written flags, 31 u64s, 31 states, padding"
        );
        assert!(
            bytes * 10 <= BLOCK_CAP * 8 * 13,
            "{bytes} B for {BLOCK_CAP} u64s"
        );
        let last_written = offset_of!(Block<u64>, written) + BLOCK_CAP - 1;
        let first_state = offset_of!(Block<u64>, state);
        assert!(
            first_state - last_written >= 64,
            "written flags end at {last_written}, states start at {first_state}"
        );
    }
}
