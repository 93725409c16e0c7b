//! Exact accounting for messages whose send may be abandoned: a
//! [`Tracked`] message records, when it is dropped, whether a receiver had
//! it, so a test can check that each message made was received exactly
//! once or dropped unsent exactly once, never both and never neither; and
//! that every send that reported success was received. A send abandoned
//! after a receive had already moved its value counts as sent.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

/// Where each message ended, by id.
pub struct Ledger {
    /// Dropped after a receiver took it.
    received: Vec<AtomicUsize>,
    /// Dropped without a receiver having it (an abandoned send's value).
    unsent: Vec<AtomicUsize>,
    /// Its send reported success.
    completed: Vec<AtomicBool>,
}

impl Ledger {
    /// A ledger for messages `0..messages`.
    pub fn new(messages: usize) -> Arc<Self> {
        Arc::new(Ledger {
            received: (0..messages).map(|_| AtomicUsize::new(0)).collect(),
            unsent: (0..messages).map(|_| AtomicUsize::new(0)).collect(),
            completed: (0..messages).map(|_| AtomicBool::new(false)).collect(),
        })
    }

    /// Message `id`, not yet received.
    pub fn message(self: &Arc<Self>, id: usize) -> Tracked {
        Tracked {
            id,
            received: false,
            ledger: self.clone(),
        }
    }

    /// Records that the send of message `id` reported success.
    pub fn completed(&self, id: usize) {
        self.completed[id].store(true, Ordering::SeqCst);
    }

    /// Fails unless every message was received or dropped unsent exactly
    /// once, and every completed send was received.
    pub fn assert_each_once(&self, what: &str) {
        for id in 0..self.received.len() {
            let received = self.received[id].load(Ordering::SeqCst);
            let unsent = self.unsent[id].load(Ordering::SeqCst);
            assert_eq!(
                received + unsent,
                1,
                "{what}: message {id} received {received} times, dropped unsent {unsent} times"
            );
            if self.completed[id].load(Ordering::SeqCst) {
                assert_eq!(received, 1, "{what}: message {id}'s send reported success");
            }
        }
    }
}

/// A message that records in its [`Ledger`], when dropped, whether a
/// receiver had it.
pub struct Tracked {
    pub id: usize,
    received: bool,
    ledger: Arc<Ledger>,
}

impl Tracked {
    /// A receiver has it: drops it as received.
    pub fn deliver(mut self) {
        self.received = true;
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        let end = if self.received {
            &self.ledger.received
        } else {
            &self.ledger.unsent
        };
        end[self.id].fetch_add(1, Ordering::SeqCst);
    }
}
