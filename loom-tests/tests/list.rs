//! Loom models of the unbounded flavour's linked blocks (`src/chan/list.rs`).
//!
//! Under loom a block holds two slots, so three messages already cross a
//! block boundary: the installation of the next block by the sender of a
//! block's last slot, the move of `head` by its receiver, and the
//! destruction walk that frees a block once every slot has been read.
#![cfg(loom)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use hoare::chan::{self, RecvError};
use loom::thread;

struct Counted(Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// Two senders race for a block's last slot and the first slot of the
/// next: every message is received exactly once, whichever sender installs
/// the new block, and the waiting receiver is always woken.
///
/// Shown able to fail (tried): storing `tail.index` past the sentinel
/// before `tail.block` in `try_send`, so that a sender can pair the new
/// index with the old block, makes the model fail on an access through
/// a stale block (an index past its end, or loom's "unexpected object
/// stored at reference"). Weakening the sender's `Release` store of the
/// slot's `written` flag to `Relaxed` makes it fail on the receiver's
/// unordered read of the message ("Concurrent read and write accesses").
#[test]
fn senders_racing_across_a_block_boundary_lose_nothing() {
    loom::model(|| {
        let (tx, rx) = chan::unbounded::<u32>();
        tx.try_send(0).unwrap();
        let senders: Vec<_> = [1, 2]
            .into_iter()
            .map(|value| {
                let tx = tx.clone();
                thread::spawn(move || tx.try_send(value).unwrap())
            })
            .collect();
        drop(tx);
        let mut got: Vec<u32> = (0..3).map(|_| rx.recv_blocking().unwrap()).collect();
        senders.into_iter().for_each(|s| s.join().unwrap());
        assert_eq!(rx.recv_blocking(), Err(RecvError));
        got.sort_unstable();
        assert_eq!(got, [0, 1, 2]);
    });
}

/// A sender and a receiver stream five messages through two-slot blocks:
/// the first block, freed by the receiver, may come back as the spare to
/// the sender that needs the third, while the receiver works behind it.
/// Every message is received once and in order, whichever block memory
/// carries it.
///
/// Shown able to fail (tried): leaving the `written` flags set when a
/// block is cleared for reuse lets the receiver take a slot of the reused
/// block before its sender has written it; loom reports the unordered
/// accesses to the message ("Concurrent read and write accesses").
#[test]
fn a_block_reused_as_the_spare_carries_each_message_once_in_order() {
    loom::model(|| {
        let (tx, rx) = chan::unbounded::<u32>();
        let sender = thread::spawn(move || {
            for value in 0..5 {
                tx.try_send(value).unwrap();
            }
        });
        let got: Vec<u32> = (0..5).map(|_| rx.recv_blocking().unwrap()).collect();
        sender.join().unwrap();
        assert_eq!(got, [0, 1, 2, 3, 4]);
        assert_eq!(rx.recv_blocking(), Err(RecvError));
    });
}

/// Two receivers race over a block's last slot and the next block: each
/// message is taken once, and the first block is freed exactly once, by
/// whichever reader finishes the destruction walk (a double free or a use
/// after free would crash the model or trip loom's cell tracking).
///
/// Shown able to fail (tried): making `Block::destroy` walk past a slot
/// whose reader is not done (instead of leaving the rest of the walk to
/// it) frees the block twice; the model run dies with "double free
/// detected". (Weakening the reader's `AcqRel` on `READ` to `Relaxed` was
/// tried too and is *not* caught: loom does not track the `Box` free.)
#[test]
fn receivers_racing_across_a_block_boundary_take_each_message_once() {
    loom::model(|| {
        let (tx, rx) = chan::unbounded::<u32>();
        for value in 0..3 {
            tx.try_send(value).unwrap();
        }
        drop(tx);
        let receivers: Vec<_> = (0..2)
            .map(|_| {
                let rx = rx.clone();
                thread::spawn(move || rx.try_recv().ok())
            })
            .collect();
        let mut got: Vec<u32> = receivers
            .into_iter()
            .filter_map(|r| r.join().unwrap())
            .collect();
        while let Ok(value) = rx.try_recv() {
            got.push(value);
        }
        got.sort_unstable();
        assert_eq!(got, [0, 1, 2]);
    });
}

/// Close racing a send into a block's last slot: the send either goes in
/// before the close (and is received) or fails with its value; the close
/// mark is never lost under the sentinel, and every value is dropped
/// exactly once.
///
/// Shown able to fail (tried): letting `close` set the mark while `tail`
/// sits on the sentinel (removing its wait) lets the installing sender's
/// store erase the mark; the receiver then waits on a channel that should
/// be closed, which this model shows only as a run that never finishes.
/// So the entry in `mutations.toml` for that change names the next model,
/// which fails its drop count.
#[test]
fn close_racing_a_send_at_the_block_end_loses_no_mark_and_no_value() {
    loom::model(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = chan::unbounded::<Counted>();
        tx.try_send(Counted(drops.clone())).unwrap();
        let sender = {
            let (tx, drops) = (tx.clone(), drops.clone());
            thread::spawn(move || tx.try_send(Counted(drops)).is_ok())
        };
        let closer = {
            let tx = tx.clone();
            thread::spawn(move || assert!(tx.close()))
        };
        closer.join().unwrap();
        let accepted = sender.join().unwrap();
        assert!(tx.try_send(Counted(drops.clone())).is_err());
        let mut received = 0;
        while rx.recv_blocking().is_ok() {
            received += 1;
        }
        assert_eq!(received, 1 + usize::from(accepted));
        drop((tx, rx));
        assert_eq!(drops.load(Ordering::SeqCst), 3);
    });
}

/// The last receiver is dropped while a sender crosses a block boundary:
/// every accepted value is dropped exactly once, by the discard or by the
/// channel's own drop, and the blocks are freed once.
///
/// Shown able to fail: the same `close` breakage as above (the mark
/// erased under the sentinel) makes this model fail: loom finds a count
/// other than 3, or the run dies on the values dropped twice.
#[test]
fn last_receiver_drop_racing_sends_across_blocks_drops_each_value_once() {
    loom::model(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = chan::unbounded::<Counted>();
        tx.try_send(Counted(drops.clone())).unwrap();
        let sender = {
            let drops = drops.clone();
            thread::spawn(move || {
                let _ = tx.try_send(Counted(drops.clone()));
                let _ = tx.try_send(Counted(drops));
            })
        };
        drop(rx);
        sender.join().unwrap();
        assert_eq!(drops.load(Ordering::SeqCst), 3);
    });
}
