//! The counts of a channel's live handles: its `Sender`s and its
//! `Receiver`s, in one word.
//!
//! The last `Sender` to go closes the channel; the last `Receiver` closes
//! it and drops what it holds. Each count was a word of its own; sharing
//! one 64-bit word (senders in the low half, receivers in the high half)
//! keeps every channel a word smaller, which is what its allocation needs
//! to fit `malloc`'s next smaller size class. Each operation is still one
//! read-modify-write of one location, so the orderings are those of two
//! separate counters (the other half's updates only add synchronisation).
//!
//! A count is at most [`LIMIT`], far below a half's 2^32, so that a carry
//! can never reach the other half: like `Arc`'s reference count, a clone
//! that finds the count at the limit aborts the process (reaching it
//! takes 2^31 live handles of one channel; a panic would leave the count
//! raised).

use crate::sync::atomic::{AtomicU64, Ordering};

/// One sender, in the word.
const SENDER: u64 = 1;
/// One receiver, in the word.
const RECEIVER: u64 = 1 << 32;
/// The bits of the senders' count.
const SENDERS: u64 = RECEIVER - 1;
/// The most handles of one kind (module docs).
const LIMIT: u64 = 1 << 31;

/// The handle counts of one channel (module docs).
pub(crate) struct Handles {
    word: AtomicU64,
}

impl Handles {
    /// One sender and one receiver.
    pub(crate) fn new() -> Self {
        Handles {
            word: AtomicU64::new(SENDER + RECEIVER),
        }
    }

    /// A new sender is made from a live one.
    pub(crate) fn add_sender(&self) {
        // Relaxed: a new handle is made from a live one, so the count is
        // already positive; nothing is published by the increment.
        let before = self.word.fetch_add(SENDER, Ordering::Relaxed);
        abort_at_limit(before & SENDERS);
    }

    /// A new receiver is made from a live one.
    pub(crate) fn add_receiver(&self) {
        // Relaxed: as for `add_sender`.
        let before = self.word.fetch_add(RECEIVER, Ordering::Relaxed);
        abort_at_limit(before >> 32);
    }

    /// A sender is dropped; whether it was the last.
    pub(crate) fn drop_sender(&self) -> bool {
        // AcqRel: the last sender's close must come after every other
        // sender's sends (Acquire), which they published on release.
        self.word.fetch_sub(SENDER, Ordering::AcqRel) & SENDERS == 1
    }

    /// A receiver is dropped; whether it was the last.
    pub(crate) fn drop_receiver(&self) -> bool {
        // AcqRel: the last receiver's discard must come after every other
        // receiver's receives, which they published on release.
        self.word.fetch_sub(RECEIVER, Ordering::AcqRel) >> 32 == 1
    }

    /// Adds a sender unless none is left (a `WeakSender`'s upgrade);
    /// whether it did.
    pub(crate) fn revive_sender(&self) -> bool {
        // Relaxed throughout: the word's read-modify-writes are totally
        // ordered among themselves, which is all that decides whether we
        // revived the count (we never move it from 0); what the new sender
        // sends is ordered by the channel itself, as for `add_sender`.
        let mut word = self.word.load(Ordering::Relaxed);
        loop {
            let senders = word & SENDERS;
            if senders == 0 {
                return false;
            }
            abort_at_limit(senders);
            match self.word.compare_exchange_weak(
                word,
                word + SENDER,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => return true,
                Err(current) => word = current,
            }
        }
    }

    /// The live senders (a snapshot, for `Debug`).
    pub(crate) fn senders(&self) -> u64 {
        // Relaxed: a snapshot orders nothing.
        self.word.load(Ordering::Relaxed) & SENDERS
    }
}

/// Aborts if a count read before an increment was already at the limit.
#[inline]
fn abort_at_limit(count: u64) {
    if count >= LIMIT {
        std::process::abort();
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn each_kind_of_handle_counts_on_its_own() {
        let handles = Handles::new();
        handles.add_sender();
        handles.add_receiver();
        handles.add_receiver();
        assert_eq!(handles.senders(), 2);
        assert!(!handles.drop_sender());
        assert!(!handles.drop_receiver());
        assert!(!handles.drop_receiver());
        assert!(handles.revive_sender());
        assert!(!handles.drop_sender());
        assert!(handles.drop_sender());
        assert!(!handles.revive_sender());
        assert!(handles.drop_receiver());
    }
}
