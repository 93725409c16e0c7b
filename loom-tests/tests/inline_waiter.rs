//! Loom models of the inline waiter: a plain `send`/`recv` future on a
//! rendezvous or small buffered channel (`bounded(0)` to `bounded(2)`)
//! waits inside itself, and the channel's queue points at it
//! (`src/chan/inline_waiter.rs` states the protocol).
//!
//! Each model drives the real channel code and checks one invariant: a
//! hand-off in either direction completes both sides, a waiter dropped
//! while a counterpart completes it loses nothing, doubles nothing and is
//! never freed while a queue points at it (the waiter's drop asserts
//! that under loom), a select arm and a plain operation meet in one queue,
//! a close wakes every waiting plain operation, and on a buffered channel
//! a notified receive that is dropped passes the notification on.
#![cfg(loom)]

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use hoare::chan::{self, RecvError, SendError, SendTimeoutError, TryRecvError};
use loom::thread;
use loom_tests::DropCounter;

/// A plain receive that waits is handed the value straight into its
/// waiter by the send that finds it (and if the send comes first, the
/// receive takes the waiting send's offer): both complete, with the value,
/// whichever arrives first.
///
/// Shown able to fail: completing the receive as closed instead of done in
/// `InlineRef::hand_over` (`self.finish(DONE)` made
/// `self.finish(CLOSED)`) makes the woken receive wait again beside a
/// sender that has finished (loom deadlock).
#[test]
fn waiting_plain_receive_is_handed_the_value() {
    loom::model(|| {
        let (tx, rx) = chan::bounded::<u32>(0);
        let receiver = thread::spawn(move || rx.recv_blocking());
        assert_eq!(tx.send_blocking(5), Ok(()));
        assert_eq!(receiver.join().unwrap(), Ok(5));
    });
}

/// A plain send that waits offers its value in its waiter; the receive
/// that finds it takes the offer and completes the send: both complete,
/// with the value, whichever arrives first.
///
/// Shown able to fail: completing the send as closed instead of done in
/// `InlineRef::take_offer` makes the woken send look for its offer to give
/// back, which the receive took (a panic: "a send woken by the close keeps
/// its offer").
#[test]
fn waiting_plain_send_is_taken_by_a_receive() {
    loom::model(|| {
        let (tx, rx) = chan::bounded::<u32>(0);
        let sender = thread::spawn(move || tx.send_blocking(6));
        assert_eq!(rx.recv_blocking(), Ok(6));
        assert_eq!(sender.join().unwrap(), Ok(()));
    });
}

/// A waiting plain send is dropped while a receive takes its offer: the
/// value is received once or dropped once with the future, never both,
/// never neither, and the future never frees a waiter a queue still
/// points at (the waiter's drop checks that under loom).
///
/// Shown able to fail: skipping the unlink in `Rendezvous::cancel_send`
/// (its check under the lock, `if waiter.observe() == Observed::Waiting`,
/// made `if false`) frees the waiter while the queue points at it (the
/// waiter's drop assertion).
#[test]
fn dropped_plain_send_is_sent_once_or_not_at_all() {
    loom::model(|| {
        let drops = DropCounter::new();
        let (tx, rx) = chan::bounded(0);
        let value = drops.value();
        let sending = tx.clone();
        let sender = thread::spawn(move || {
            let tx = sending;
            let mut send = pin!(tx.send(value));
            let polled = send.as_mut().poll(&mut Context::from_waker(Waker::noop()));
            // Register (or, if the receive waits already, complete), then
            // give up.
            matches!(polled, Poll::Ready(Ok(())))
        });
        let received = rx.try_recv();
        let sent_at_once = sender.join().unwrap();
        match received {
            Ok(value) => {
                assert!(!sent_at_once, "a value received twice");
                drop(value);
            }
            Err(TryRecvError::Empty) => {}
            Err(TryRecvError::Closed) => panic!("the channel is open while tx lives"),
        }
        drop(tx);
        assert_eq!(drops.drops(), 1, "the value is received or dropped, once");
    });
}

/// A plain receive waits, and its thread drops it while a plain send hands
/// it a value: the value goes back into the channel (the next receive gets
/// it), never lost.
///
/// Shown able to fail: dropping the handed-off value in
/// `Rendezvous::cancel_recv` instead of giving it back
/// (`give_back_locked`) loses it in the interleaving where the hand-off
/// wins the race with the drop (the model's assertion).
#[test]
fn dropped_plain_receive_gives_the_value_back() {
    loom::model(|| {
        let (tx, rx) = chan::bounded::<u32>(0);
        let receiver = rx.clone();
        let waiter = thread::spawn(move || {
            let mut recv = pin!(receiver.recv());
            let polled = recv.as_mut().poll(&mut Context::from_waker(Waker::noop()));
            polled.is_ready()
        });
        let sent = tx.try_send(4).is_ok();
        let got_directly = waiter.join().unwrap();
        if sent && !got_directly {
            assert_eq!(rx.try_recv(), Ok(4), "the dropped receive's value stays");
        } else {
            assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
        }
    });
}

/// A plain send and a receiving select meet on one channel, whichever
/// waits: the select's registration check counts a waiting plain send as
/// a counterpart, and a plain send finds a waiting select's entry.
///
/// Shown able to fail: making `Waiter::can_meet` in `zero.rs` ignore plain
/// waiters (`Waiter::Inline(_) | Waiter::Keeping(_) => false`) lets the
/// select register beside a waiting plain send, and both wait for ever
/// (loom deadlock).
///
/// Shown able to fail: making a select's future skip its try pass for
/// good once `first_try` found no arm ready (`if !*tried` in
/// `selection::poll_select`, instead of taking the flag) leaves a select
/// whose registration met the waiting send retrying its registration for
/// ever (loom: maximum number of branches exceeded).
#[test]
fn plain_send_meets_a_receiving_select() {
    loom::model(|| {
        let (tx, rx) = chan::bounded::<u32>(0);
        let sender = thread::spawn(move || tx.send_blocking(8));
        let got = hoare::block_on(async {
            hoare::select! { recv(rx) -> m => m.unwrap() }
        });
        assert_eq!(got, 8);
        assert_eq!(sender.join().unwrap(), Ok(()));
    });
}

/// A plain receive and a receiving select wait in the same rendezvous
/// queue, and the plain one is dropped: its cancellation unlinks only its
/// own waiter, so the select still waits and gets the value; if the plain
/// receive was handed the value before its drop, it gave it back, and the
/// value is received once (here a second send completes the select).
///
/// Shown able to fail: making `Rendezvous::cancel_recv` unlink every
/// waiter of the queue (its `retain` keeping none) strands the select's
/// entry, and the select sleeps beside a waiting send (loom deadlock).
#[test]
fn plain_receive_dropped_beside_a_waiting_select_strands_nobody() {
    loom::model(|| {
        let (tx, rx) = chan::bounded::<u32>(0);
        let plain_rx = rx.clone();
        let plain = thread::spawn(move || {
            let mut recv = pin!(plain_rx.recv());
            let polled = recv.as_mut().poll(&mut Context::from_waker(Waker::noop()));
            // Wait (or take the value at once), then give up.
            matches!(polled, Poll::Ready(Ok(_)))
        });
        let select = thread::spawn(move || {
            hoare::block_on(async {
                hoare::select! { recv(rx) -> m => m.unwrap() }
            })
        });
        assert_eq!(tx.send_blocking(1), Ok(()));
        let plain_took_it = plain.join().unwrap();
        if plain_took_it {
            assert_eq!(tx.send_blocking(2), Ok(()));
        }
        let got = select.join().unwrap();
        assert_eq!(got, if plain_took_it { 2 } else { 1 });
    });
}

/// The close (the last sender's drop) wakes a waiting plain receive,
/// which then fails: it never sleeps through the close.
///
/// Shown able to fail: skipping plain waiters in `Rendezvous::close`
/// (an arm `Waiter::Inline(_) | Waiter::Keeping(_) => None` put first)
/// leaves the receive parked (loom deadlock).
#[test]
fn close_wakes_a_waiting_plain_receive() {
    loom::model(|| {
        let (tx, rx) = chan::bounded::<u32>(0);
        let receiver = thread::spawn(move || rx.recv_blocking());
        drop(tx);
        assert_eq!(receiver.join().unwrap(), Err(RecvError));
    });
}

/// The close (the last receiver's drop) wakes a waiting plain send, which
/// fails with its value back.
///
/// Shown able to fail: the same change as for
/// `close_wakes_a_waiting_plain_receive` leaves the send parked (loom
/// deadlock). Publishing the outcome before taking the waker out
/// (`InlineWaiter::finish` storing the state first) lets the send return
/// and free its waiter while the closer still reads the waker: the
/// waiter's drop touches its cells under loom, and loom reports the race.
#[test]
fn close_wakes_a_waiting_plain_send_with_its_value() {
    loom::model(|| {
        let (tx, rx) = chan::bounded::<u32>(0);
        let sender = thread::spawn(move || tx.send_blocking(3));
        drop(rx);
        assert_eq!(sender.join().unwrap(), Err(SendError(3)));
    });
}

/// A send whose deadline has passed withdraws (`SendFuture::withdraw`)
/// while a receive takes its offer: the send reports `Ok` exactly when
/// the receive got the value, and the value is dropped exactly once.
#[test]
fn timed_send_withdrawing_races_a_receive() {
    loom::model(|| {
        let drops = DropCounter::new();
        let (tx, rx) = chan::bounded(0);
        let value = drops.value();
        let keep_open = tx.clone();
        let sender = thread::spawn(move || match tx.send_timeout(value, Duration::ZERO) {
            Ok(()) => true,
            Err(SendTimeoutError::Timeout(value)) => {
                drop(value);
                false
            }
            Err(SendTimeoutError::Closed(_)) => panic!("the channel was kept open"),
        });
        let received = rx.try_recv();
        let sent = sender.join().unwrap();
        match received {
            Ok(value) => {
                assert!(sent, "received, but the send reported a timeout");
                drop(value);
            }
            Err(TryRecvError::Empty) => assert!(!sent, "reported sent, never received"),
            Err(TryRecvError::Closed) => panic!("the channel was kept open"),
        }
        drop(keep_open);
        assert_eq!(drops.drops(), 1);
    });
}

/// A plain receive is handed a value while the channel closes and the
/// receive is dropped, all racing: the value is received once or dropped
/// once, and a receive after the close drains what was given back.
#[test]
fn close_racing_a_hand_off_and_the_receive_drop_loses_nothing() {
    loom::model(|| {
        let drops = DropCounter::new();
        let (tx, rx) = chan::bounded(0);
        let plain_rx = rx.clone();
        let plain = thread::spawn(move || {
            let mut recv = pin!(plain_rx.recv());
            match recv.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
                Poll::Ready(Ok(value)) => {
                    drop(value);
                    1
                }
                _ => 0,
            }
        });
        let closer_tx = tx.clone();
        let closer = thread::spawn(move || {
            closer_tx.close();
        });
        let sent = tx.try_send(drops.value()).is_ok();
        let got_directly = plain.join().unwrap();
        closer.join().unwrap();
        let mut later = 0;
        while let Ok(value) = rx.try_recv() {
            drop(value);
            later += 1;
        }
        assert_eq!(got_directly + later, usize::from(sent));
        assert_eq!(drops.drops(), 1);
    });
}

/// A plain receive that was handed a value and is dropped before returning
/// it gives the value to a second plain receive waiting in the queue.
///
/// Shown able to fail: keeping every given-back value in `leftovers`
/// (`give_back_locked` not trying `hand_to_receiver` first) strands the
/// second receive, which waits with the value beside it (loom deadlock).
#[test]
fn dropped_plain_receive_passes_the_value_to_a_waiting_plain_receive() {
    loom::model(|| dropped_plain_receive_beside_a_waiting_one(0));
}

/// A plain receive polled once and dropped, a second waiting with
/// `recv_blocking`, and a send of 9 (then 10 if the first took 9): the
/// second gets the value the first did not take. On a rendezvous the
/// first may have been handed 9 and gives it back; on a buffered channel
/// it was only notified and passes the notification on.
fn dropped_plain_receive_beside_a_waiting_one(capacity: usize) {
    let (tx, rx) = chan::bounded::<u32>(capacity);
    let first_rx = rx.clone();
    let first = thread::spawn(move || {
        let mut recv = pin!(first_rx.recv());
        recv.as_mut()
            .poll(&mut Context::from_waker(Waker::noop()))
            .is_ready()
    });
    let second = thread::spawn(move || rx.recv_blocking());
    tx.send_blocking(9).unwrap();
    let first_got = first.join().unwrap();
    if first_got {
        tx.send_blocking(10).unwrap();
    }
    let got = second.join().unwrap().unwrap();
    assert_eq!(got, if first_got { 10 } else { 9 });
}

/// On `bounded(1)` a plain receive waits, a send buffers a value and
/// notifies it (nothing is handed to it), and the receive is dropped
/// without polling again: the notification passes on to a second plain
/// receive waiting in the queue, which gets the value; if the first
/// receive took the value at once, a second value goes to the second.
///
/// Shown able to fail: not passing the notification on
/// (`pass_on_notification_locked` acting as if the buffer were empty)
/// leaves the second receive asleep beside the buffered value (loom
/// deadlock).
#[test]
fn notified_plain_receive_dropped_passes_the_wake_on() {
    loom::model(|| dropped_plain_receive_beside_a_waiting_one(1));
}

/// On `bounded(1)` a send buffers its value (notifying the waiting plain
/// receive, if it registered first) while that receive is dropped: the
/// value is received once, by the receive or after its drop, never lost,
/// and the channel never holds more than its one place (nothing was
/// handed over, so nothing is given back).
#[test]
fn send_buffering_races_a_waiting_receive_drop_on_bounded_one() {
    loom::model(|| {
        let (tx, rx) = chan::bounded::<u32>(1);
        let receiver = rx.clone();
        let waiter = thread::spawn(move || {
            let mut recv = pin!(receiver.recv());
            let polled = recv.as_mut().poll(&mut Context::from_waker(Waker::noop()));
            polled.is_ready()
        });
        let sent = tx.try_send(4).is_ok();
        assert!(rx.len() <= 1, "len {} on bounded(1)", rx.len());
        let got_directly = waiter.join().unwrap();
        assert!(rx.len() <= 1, "len {} on bounded(1)", rx.len());
        assert!(sent, "a bounded(1) channel has room for one value");
        if got_directly {
            assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
        } else {
            assert_eq!(rx.try_recv(), Ok(4), "the value stays in the buffer");
        }
    });
}
