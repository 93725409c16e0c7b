//! Loom models of a plain `send` future waiting inline on a full ring
//! (`bounded(3)`): the future holds an inline waiter that offers its
//! value, the ring's queue of senders points at it, and a receive that
//! frees a place moves the first waiting offer into the ring and
//! completes the send (`SendRegistration::Inline` and
//! `WaitQueue::hand_off_first_after_seqcst_rmw` in `src/chan/waiter.rs`,
//! `Ring::poll_send_inline` in `src/chan/array.rs`).
//!
//! Each model drives the real channel code and checks one invariant: a
//! close wakes a waiting send, which fails with its own value; a dropped
//! plain send unlinks its own waiter only; the newest waker is the one
//! woken. The
//! waiter's drop asserts under loom that no queue still points at it.
//! The register-then-re-check race with a receive, the refill racing a
//! send that never waited, and a send dropped while a receive moves its
//! offer, and a send whose offer found the freed place taken keeping its
//! place ahead of a select's send that waited after it, are covered by
//! the ring models of `channels.rs`
//! (`waiting_sender_on_a_full_ring_of_three_is_woken_by_a_receive`,
//! `a_plain_send_whose_offer_was_refused_keeps_its_place_before_a_select`,
//! `freed_slot_of_a_ring_of_three_goes_to_the_waiting_sender_and_strands_nobody`,
//! `dropped_send_future_passes_its_wake_up_on_a_ring_of_three`), whose
//! plain sends and `send_blocking` poll the same future.
#![cfg(loom)]

use std::future::Future;
use std::task::{Context, Poll, Waker};

use hoare::chan::{self, SendError};
use loom::thread;
use loom_tests::ThreadWaker;

/// The close wakes a plain send waiting on a full ring, which fails with
/// the value it offered; the values buffered before the close are still
/// received.
///
/// Shown able to fail: the ring's close not waking its senders
/// (`self.senders.notify_all()` skipped in `Ring::close`) leaves the
/// send parked (loom deadlock).
#[test]
fn close_wakes_a_plain_send_waiting_on_a_ring_which_fails_with_its_value() {
    loom::model(|| {
        let (tx, rx) = chan::bounded::<u32>(3);
        for value in 1..=3 {
            tx.try_send(value).unwrap();
        }
        let sender = {
            let tx = tx.clone();
            thread::spawn(move || tx.send_blocking(4))
        };
        assert!(tx.close());
        assert_eq!(sender.join().unwrap(), Err(SendError(4)));
        let got: Vec<u32> = std::iter::from_fn(|| rx.try_recv().ok()).collect();
        assert_eq!(got, vec![1, 2, 3]);
    });
}

/// A plain send and a select's send wait on one full ring, and the plain
/// one is dropped while a receive frees a place: the plain send's
/// withdrawal unlinks only its own waiter, so the select's send is served
/// (its value arrives), and the dropped send's value arrives at most
/// once.
///
/// Shown able to fail: making `WaitQueue::withdraw_inline` unlink every
/// entry (its `retain` keeping none) strands the select's registration,
/// and the select sleeps beside the free place (loom deadlock).
#[test]
fn plain_send_dropped_beside_a_waiting_select_send_strands_nobody() {
    loom::model(|| {
        let (tx, rx) = chan::bounded::<u32>(3);
        for value in [10, 11, 12] {
            tx.try_send(value).unwrap();
        }
        let mut plain = Box::pin(tx.send(1));
        assert!(plain
            .as_mut()
            .poll(&mut Context::from_waker(Waker::noop()))
            .is_pending());
        let select = {
            let tx = tx.clone();
            thread::spawn(move || {
                hoare::block_on(async {
                    hoare::select! { send(tx, 2) -> sent => sent.is_ok() }
                })
            })
        };
        let receiver = thread::spawn(move || {
            let mut got = Vec::new();
            while got.last() != Some(&2) {
                got.push(rx.recv_blocking().unwrap());
            }
            got
        });
        drop(plain);
        assert!(select.join().unwrap(), "the select's send completed");
        let got = receiver.join().unwrap();
        let with = vec![10, 11, 12, 1, 2];
        let without = vec![10, 11, 12, 2];
        assert!(got == with || got == without, "{got:?}");
    });
}

/// A plain send waits on a full ring with one waker and is polled again
/// with a new one while a receive frees a place: the receive wakes the
/// newest waker (or the second poll finds the send done), so the owner
/// that waits on the new waker is never left asleep; the old waker is
/// released.
///
/// Shown able to fail: making `InlineWaiter::keep_newest_waker` keep the
/// old waker (`replace_waker` skipped) wakes only the first waker, and
/// the thread parked on the new one sleeps (loom deadlock).
#[test]
fn plain_send_polled_with_a_new_waker_is_woken_through_it() {
    loom::model(|| {
        let (tx, rx) = chan::bounded::<u32>(3);
        for value in 1..=3 {
            tx.try_send(value).unwrap();
        }
        let receiver = thread::spawn(move || {
            let got: Vec<u32> = (0..4).map(|_| rx.recv_blocking().unwrap()).collect();
            got
        });
        let (old_handle, old) = ThreadWaker::for_current_thread();
        let (new_handle, new) = ThreadWaker::for_current_thread();
        let mut send = Box::pin(tx.send(4));
        let sent = match send.as_mut().poll(&mut Context::from_waker(&old)) {
            Poll::Ready(sent) => sent,
            Poll::Pending => {
                // Counted before each poll: a wake between the poll and
                // the park is not waited for again.
                let mut wakes = new_handle.wakes();
                let mut outcome = send.as_mut().poll(&mut Context::from_waker(&new));
                while outcome.is_pending() {
                    new_handle.park_until(|handle| handle.wakes() > wakes);
                    wakes = new_handle.wakes();
                    outcome = send.as_mut().poll(&mut Context::from_waker(&new));
                }
                match outcome {
                    Poll::Ready(sent) => sent,
                    Poll::Pending => unreachable!(),
                }
            }
        };
        assert_eq!(sent, Ok(()));
        drop(send);
        drop(old);
        assert_eq!(receiver.join().unwrap(), vec![1, 2, 3, 4]);
        assert!(
            old_handle.is_released(),
            "the replaced waker is dropped, not kept"
        );
    });
}
