//! Loom models of the hand-off to a blocking receive on a small buffered
//! channel (`bounded(1)`, `bounded(2)`: the locked flavour of
//! `src/chan/zero.rs`, "Hand-off to a blocking receive").
//!
//! The blocking forms (`recv_blocking`, `recv_timeout`) wait as a plain
//! receive that keeps what it is handed: a send completes it under the
//! lock with the oldest buffered value, where an async `recv` is only
//! notified and takes the value itself later. Each model drives the real
//! channel code and checks one invariant: the handed value arrives and its
//! receiver wakes, a timed-out receive returns a value handed to it in
//! that instant, one sender's values keep their order with a blocking and
//! an async receiver racing, and a close racing a hand-off loses nothing.
#![cfg(loom)]

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use hoare::chan::{self, RecvError, RecvTimeoutError};
use loom::sync::atomic::{AtomicU32, Ordering};
use loom::sync::Arc;
use loom::thread;
use loom_tests::{DropCounter, ThreadWaker};

/// On `bounded(1)` a blocking receive waits and a send finds it: the send
/// hands it the value under the lock and wakes it; the receive returns
/// the value without taking it from the buffer again (whichever came
/// first, the receive gets it).
///
/// Shown able to fail: notifying the blocking receive instead of handing
/// it the value it was woken for (`waiter.hand_over(value)` in
/// `notify_one_receiver` made `waiter.notify()`, dropping the value) leaves
/// it waiting again with nothing buffered (loom deadlock).
#[test]
fn blocking_receive_on_bounded_one_is_handed_the_value() {
    loom::model(|| {
        let (tx, rx) = chan::bounded::<u32>(1);
        let receiver = thread::spawn(move || rx.recv_blocking());
        tx.try_send(7).unwrap();
        assert_eq!(receiver.join().unwrap(), Ok(7));
    });
}

/// `recv_timeout` on `bounded(1)` with a zero timeout races a send: the
/// value is returned by the timed-out receive if it was handed to it (as
/// the deadline passed, too), else received later from the channel;
/// never both, never neither, and dropped exactly once.
///
/// Shown able to fail: the withdrawal ignoring a value handed to the
/// receive (`KeepingRecv::withdraw` returning `None` whatever the waiter
/// holds) drops a sent value unreceived (the model's count).
#[test]
fn timed_out_receive_returns_the_value_handed_to_it() {
    loom::model(|| {
        let drops = DropCounter::new();
        let (tx, rx) = chan::bounded(1);
        let later_rx = rx.clone();
        let receiver = thread::spawn(move || match rx.recv_timeout(Duration::ZERO) {
            Ok(value) => {
                drop(value);
                true
            }
            Err(RecvTimeoutError::Timeout) => false,
            Err(RecvTimeoutError::Closed) => panic!("the channel was kept open"),
        });
        assert!(tx.try_send(drops.value()).is_ok(), "bounded(1) has room");
        let timed = receiver.join().unwrap();
        let later = later_rx.try_recv().map(drop).is_ok();
        assert_eq!(
            usize::from(timed) + usize::from(later),
            1,
            "received by the timed receive: {timed}, later: {later}"
        );
        assert!(later_rx.is_empty());
        drop(tx);
        assert_eq!(drops.drops(), 1);
    });
}

/// An async `recv` (polled by hand, so it may wait notified) and a
/// `recv_blocking` race for the values 1 then 2 of one sender: each gets
/// one, and the async receive never gets 1 in a poll that began after the
/// blocking one had received 2 (one sender's values are received in the
/// order sent). `len` never exceeds the capacity.
fn blocking_and_async_receivers_keep_one_senders_order(capacity: usize) {
    let (tx, rx) = chan::bounded::<u32>(capacity);
    let blocking_got = Arc::new(AtomicU32::new(0));
    let async_rx = rx.clone();
    let seen_by_async = blocking_got.clone();
    let async_receiver = thread::spawn(move || {
        let (woken, waker) = ThreadWaker::for_current_thread();
        let mut recv = pin!(async_rx.recv());
        loop {
            // Read before the poll: a value received by the blocking
            // receive before this poll began.
            let before = seen_by_async.load(Ordering::SeqCst);
            let wakes = woken.wakes();
            match recv.as_mut().poll(&mut Context::from_waker(&waker)) {
                Poll::Ready(got) => return (before, got.unwrap()),
                Poll::Pending => woken.park_until(|woken| woken.wakes() > wakes),
            }
        }
    });
    let blocking_rx = rx.clone();
    let publish = blocking_got.clone();
    let blocking_receiver = thread::spawn(move || {
        let got = blocking_rx.recv_blocking().unwrap();
        publish.store(got, Ordering::SeqCst);
        got
    });
    for value in [1, 2] {
        tx.send_blocking(value).unwrap();
        assert!(rx.len() <= capacity, "len {} over {capacity}", rx.len());
    }
    let (before, async_got) = async_receiver.join().unwrap();
    let blocking = blocking_receiver.join().unwrap();
    let mut both = [async_got, blocking];
    both.sort();
    assert_eq!(both, [1, 2], "each value received once");
    assert!(
        !(before == 2 && async_got == 1),
        "1 was received after 2, which was sent after it"
    );
}

/// `bounded(2)`: both values fit, so the blocking receive can wait while
/// the async one is notified of 1; the send of 2 then hands the blocking
/// receive the oldest buffered value, 1, not its own.
///
/// Shown able to fail: handing the newest buffered value
/// (`inner.buffer.pop_front()` in `notify_receiver` made `pop_back()`)
/// lets the blocking receive get 2 while 1 waits in the buffer for the
/// async one (the model's order assertion).
#[test]
fn blocking_and_async_receivers_keep_one_senders_order_on_bounded_two() {
    loom::model(|| blocking_and_async_receivers_keep_one_senders_order(2));
}

/// `bounded(1)`: the send of 2 waits behind 1 (buffered, the async
/// receive notified of it) while the blocking receive waits; the receive
/// that takes 1 moves 2 into the freed place and hands it on to the
/// blocking receive, waking it.
///
/// Shown able to fail: dropping the refill's wake-up of the receiver
/// (`wakes.receiver = self.notify_receiver(inner)` in `receive_locked`
/// made `drop(self.notify_receiver(inner))`) leaves the blocking receive
/// asleep with 2 handed to it (loom deadlock).
#[test]
fn blocking_and_async_receivers_keep_one_senders_order_on_bounded_one() {
    loom::model(|| blocking_and_async_receivers_keep_one_senders_order(1));
}

/// A close races a send on `bounded(1)` while a blocking receive waits:
/// the receive gets the value if the send succeeded (handed to it, or
/// buffered before the close, which keeps buffered values), and fails
/// only if the send was refused; it never sleeps through the close.
///
/// Shown able to fail: the close skipping waiters that keep what they are
/// handed (`Waiter::Keeping(_) => None` in `close`) leaves the receive
/// parked after the close (loom deadlock).
#[test]
fn close_racing_a_hand_off_to_a_blocking_receive_loses_nothing() {
    loom::model(|| {
        let (tx, rx) = chan::bounded::<u32>(1);
        let receiver = thread::spawn(move || rx.recv_blocking());
        let closer_tx = tx.clone();
        let closer = thread::spawn(move || {
            closer_tx.close();
        });
        let sent = tx.try_send(5).is_ok();
        closer.join().unwrap();
        let got = receiver.join().unwrap();
        assert_eq!(got, if sent { Ok(5) } else { Err(RecvError) });
    });
}

/// On `bounded(1)`, an async receive waits, then a blocking receive
/// races the main thread, which sends 1 (the async receive is notified),
/// leaves two async sends waiting and receives with `try_recv`. Whichever
/// way it goes (the blocking receive takes a value in its spin, or waits
/// behind the async one and is handed the offer the `try_recv` moved into
/// the freed place), the place each receive frees goes at once to the
/// oldest waiting send: at the end both sends have completed and the
/// async receive gets the last value.
///
/// Shown able to fail: not moving the waiting sender's offer into the
/// place a hand-off to a blocking receive frees (`take_from_sender` in
/// `notify_one_receiver` made `None`) leaves the last send waiting
/// beside an empty buffer (the model's assertion).
#[test]
fn the_place_a_blocking_receive_frees_goes_to_the_waiting_sender() {
    loom::model(|| {
        let (tx, rx) = chan::bounded::<u32>(1);
        // No-op wakers: everything is polled again after the join (loom
        // cannot unpark a thread that waits in `join`).
        let mut cx = Context::from_waker(Waker::noop());
        let mut first = pin!(rx.recv());
        assert!(
            first.as_mut().poll(&mut cx).is_pending(),
            "nothing sent yet"
        );
        let blocking = rx.clone();
        let receiver = thread::spawn(move || blocking.recv_blocking());
        tx.try_send(1).unwrap();
        let mut second = pin!(tx.send(2));
        let mut third = pin!(tx.send(3));
        // Each send polled until it completes (a completed send polled
        // again stays pending).
        let mut second_done = second.as_mut().poll(&mut cx).is_ready();
        let mut third_done = third.as_mut().poll(&mut cx).is_ready();
        let mine = rx.try_recv().expect("a value is buffered");
        let theirs = receiver.join().unwrap().unwrap();
        second_done = second_done || second.as_mut().poll(&mut cx).is_ready();
        third_done = third_done || third.as_mut().poll(&mut cx).is_ready();
        assert!(second_done);
        assert!(
            third_done,
            "a send waits beside {} buffered values",
            rx.len()
        );
        let last = match first.as_mut().poll(&mut cx) {
            Poll::Ready(Ok(value)) => value,
            other => panic!("the async receive got {other:?}"),
        };
        let mut got = [mine, theirs, last];
        got.sort_unstable();
        assert_eq!(got, [1, 2, 3]);
    });
}
