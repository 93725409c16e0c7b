//! A free slot made by a receive while senders wait belongs to the first
//! waiting sender: the receive moves that sender's value into the ring at
//! once, so a send that never waited cannot take the slot (tokio's
//! `send_recv_buffer_limited` and Go's buffered-channel rule).

mod support;

use std::task::Poll;

use hoare::chan::{self, TrySendError};
use support::poll_once;

#[test]
fn try_send_cannot_take_the_slot_freed_for_a_waiting_sender() {
    let (tx, rx) = chan::bounded::<u32>(1);
    tx.try_send(1).unwrap();
    let mut waiting = Box::pin(tx.send(2));
    assert!(poll_once(&mut waiting).is_pending());
    assert_eq!(rx.try_recv(), Ok(1));
    // The woken sender's value already fills the freed slot.
    assert_eq!(tx.try_send(1337), Err(TrySendError::Full(1337)));
    assert!(matches!(poll_once(&mut waiting), Poll::Ready(Ok(()))));
    assert_eq!(rx.try_recv(), Ok(2));
    assert_eq!(tx.try_send(3), Ok(()));
}

#[test]
fn a_receive_moves_the_first_waiting_senders_value_into_the_ring() {
    let (tx, rx) = chan::bounded::<u32>(1);
    tx.try_send(0).unwrap();
    let mut first = Box::pin(tx.send(1));
    let mut second = Box::pin(tx.send(2));
    assert!(poll_once(&mut first).is_pending());
    assert!(poll_once(&mut second).is_pending());
    assert_eq!(rx.try_recv(), Ok(0));
    // The first sender's value is in the ring already: the channel is full,
    // and dropping that sender now loses nothing.
    assert!(tx.is_full());
    drop(first);
    assert!(tx.try_send(9).is_err());
    assert_eq!(rx.try_recv(), Ok(1));
    assert!(matches!(poll_once(&mut second), Poll::Ready(Ok(()))));
    assert_eq!(rx.try_recv(), Ok(2));
    assert_eq!(tx.try_send(4), Ok(()));
}

#[test]
fn with_nobody_waiting_a_freed_slot_is_free_for_anyone() {
    let (tx, rx) = chan::bounded::<u32>(2);
    tx.try_send(1).unwrap();
    tx.try_send(2).unwrap();
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(tx.try_send(3), Ok(()));
    let got: Vec<u32> = (0..2).map(|_| rx.try_recv().unwrap()).collect();
    assert_eq!(got, [2, 3]);
}

#[test]
fn waiting_senders_fill_freed_slots_in_the_order_they_waited() {
    let (tx, rx) = chan::bounded::<u32>(2);
    tx.try_send(0).unwrap();
    tx.try_send(1).unwrap();
    let mut waiters: Vec<_> = (10..14).map(|v| Box::pin(tx.send(v))).collect();
    for waiter in &mut waiters {
        assert!(poll_once(waiter).is_pending());
    }
    let mut received = Vec::new();
    for _ in 0..6 {
        received.push(rx.try_recv().unwrap());
        // A fresh send after every receive finds the freed slot refilled.
        assert!(tx.try_send(99).is_err() || received.len() > 4);
        for waiter in &mut waiters {
            let _ = poll_once(waiter);
        }
    }
    assert_eq!(received, [0, 1, 10, 11, 12, 13]);
}

#[test]
fn a_value_moved_before_the_close_is_sent_and_received() {
    let (tx, rx) = chan::bounded::<u32>(1);
    tx.try_send(0).unwrap();
    let mut waiting = Box::pin(tx.send(1));
    assert!(poll_once(&mut waiting).is_pending());
    assert_eq!(rx.try_recv(), Ok(0));
    rx.close();
    assert_eq!(tx.try_send(5), Err(TrySendError::Closed(5)));
    assert!(matches!(poll_once(&mut waiting), Poll::Ready(Ok(()))));
    assert_eq!(
        rx.try_recv(),
        Ok(1),
        "sent before the close: drained after it"
    );
    assert!(rx.try_recv().unwrap_err().is_closed());
}

#[test]
fn a_close_fails_the_senders_still_waiting_with_their_values() {
    let (tx, rx) = chan::bounded::<u32>(1);
    tx.try_send(0).unwrap();
    let mut waiting = Box::pin(tx.send(1));
    assert!(poll_once(&mut waiting).is_pending());
    tx.close();
    match poll_once(&mut waiting) {
        Poll::Ready(Err(error)) => assert_eq!(error.into_inner(), 1),
        other => panic!("expected the value back, got {other:?}"),
    }
    assert_eq!(rx.try_recv(), Ok(0));
}

// ---- buffered channels hand nothing to a waiting receive ----
//
// A send on a buffered channel puts its value in the buffer and wakes the
// oldest waiting receive, which takes a value from the buffer when it is
// polled: a receive dropped meanwhile (a timeout, a losing `select!`
// branch) holds no value, so one sender's messages keep their order and
// the buffer never holds more than the capacity. A woken receive that is
// dropped without receiving passes the wake on to the next waiting one.

/// One sender's messages, sent with `try_send` while a receive waits and
/// then dropped after another receive took the first message.
fn one_senders_messages_around_a_dropped_waiting_receive(cap: usize) {
    let (tx, rx) = chan::bounded::<u32>(cap);
    let mut cancelled = Box::pin(rx.recv());
    assert!(poll_once(&mut cancelled).is_pending()); // waits, under a timeout say
    let sent: Vec<u32> = (1..=cap as u32 + 1)
        .filter(|&v| tx.try_send(v).is_ok())
        .collect();
    assert_eq!(
        sent.len(),
        cap,
        "a bounded({cap}) channel takes {cap} values"
    );
    let mut got: Vec<u32> = rx.try_recv().ok().into_iter().collect(); // another receive
    drop(cancelled); // the timeout fires
    while let Ok(v) = rx.try_recv() {
        got.push(v);
    }
    assert_eq!(got, sent, "one sender's messages in the order sent");
}

#[test]
fn a_dropped_waiting_receive_never_reorders_one_senders_messages_on_bounded_one() {
    one_senders_messages_around_a_dropped_waiting_receive(1);
}

#[test]
fn a_dropped_waiting_receive_never_reorders_one_senders_messages_on_bounded_two() {
    one_senders_messages_around_a_dropped_waiting_receive(2);
}

#[test]
fn len_never_exceeds_capacity_after_waiting_receives_are_dropped() {
    for cap in 1..=3usize {
        let (tx, rx) = chan::bounded::<u32>(cap);
        let mut waiting: Vec<_> = (0..=cap).map(|_| Box::pin(rx.recv())).collect();
        for receive in &mut waiting {
            assert!(poll_once(receive).is_pending());
        }
        for v in 0..cap as u32 + 2 {
            let _ = tx.try_send(v);
            assert!(rx.len() <= cap, "bounded({cap}): len() {}", rx.len());
        }
        drop(waiting);
        assert_eq!(
            rx.len(),
            cap,
            "bounded({cap}): the sent values stay buffered"
        );
        assert!(tx.is_full());
        assert_eq!(tx.try_send(99), Err(TrySendError::Full(99)));
        let got: Vec<u32> = std::iter::from_fn(|| rx.try_recv().ok()).collect();
        assert_eq!(got, (0..cap as u32).collect::<Vec<_>>());
    }
}

#[test]
fn a_woken_receive_dropped_without_receiving_passes_the_wake_to_the_next_waiting_receive() {
    for cap in [1usize, 2] {
        let (tx, rx) = chan::bounded::<u32>(cap);
        let mut first = Box::pin(rx.recv());
        let mut second = Box::pin(rx.recv());
        let (woken, waker) = support::counting_waker();
        assert!(poll_once(&mut first).is_pending());
        assert!(support::poll_with(&mut second, &waker).is_pending());
        tx.try_send(7).unwrap(); // wakes `first`, the oldest
        assert_eq!(woken.wakes.load(std::sync::atomic::Ordering::SeqCst), 0);
        drop(first); // woken, never polled: the wake goes on to `second`
        assert_eq!(woken.wakes.load(std::sync::atomic::Ordering::SeqCst), 1);
        assert_eq!(poll_once(&mut second), Poll::Ready(Ok(7)));
    }
}

#[test]
fn a_woken_select_receive_dropped_without_receiving_passes_the_wake_to_the_next_waiting_receive() {
    let (tx, rx) = chan::bounded::<u32>(1);
    let (_other_tx, other_rx) = chan::bounded::<u32>(1);
    let mut select = Box::pin(async {
        hoare::select! {
            recv(rx) -> v => v,
            recv(other_rx) -> _ => unreachable!("nothing is sent on the other channel"),
        }
    });
    let mut plain = Box::pin(rx.recv());
    let (woken, waker) = support::counting_waker();
    assert!(poll_once(&mut select).is_pending());
    assert!(support::poll_with(&mut plain, &waker).is_pending());
    tx.try_send(7).unwrap(); // selects the select's arm, the oldest receive
    drop(select);
    assert_eq!(woken.wakes.load(std::sync::atomic::Ordering::SeqCst), 1);
    assert_eq!(poll_once(&mut plain), Poll::Ready(Ok(7)));
}

#[test]
fn a_woken_receive_that_finds_its_value_taken_waits_again_first_in_line() {
    let (tx, rx) = chan::bounded::<u32>(1);
    let mut first = Box::pin(rx.recv());
    let mut second = Box::pin(rx.recv());
    assert!(poll_once(&mut first).is_pending());
    assert!(poll_once(&mut second).is_pending());
    tx.try_send(1).unwrap(); // wakes `first`
    assert_eq!(rx.try_recv(), Ok(1)); // a receive that never waited is faster
    let (woken, waker) = support::counting_waker();
    assert!(support::poll_with(&mut first, &waker).is_pending());
    tx.try_send(2).unwrap(); // `first` waits at the head again: it is woken
    assert_eq!(woken.wakes.load(std::sync::atomic::Ordering::SeqCst), 1);
    assert!(poll_once(&mut second).is_pending());
    assert_eq!(poll_once(&mut first), Poll::Ready(Ok(2)));
}

#[test]
fn a_waiting_senders_value_moved_into_the_buffer_wakes_a_waiting_receive() {
    let (tx, rx) = chan::bounded::<u32>(1);
    let mut first = Box::pin(rx.recv());
    let mut second = Box::pin(rx.recv());
    let (woken, waker) = support::counting_waker();
    assert!(poll_once(&mut first).is_pending());
    assert!(support::poll_with(&mut second, &waker).is_pending());
    tx.try_send(1).unwrap(); // wakes `first`
    let mut send = Box::pin(tx.send(2));
    assert!(poll_once(&mut send).is_pending()); // full: waits
    assert_eq!(poll_once(&mut first), Poll::Ready(Ok(1)));
    // The freed place took the waiting send's 2, which `second` is woken for.
    assert_eq!(woken.wakes.load(std::sync::atomic::Ordering::SeqCst), 1);
    assert!(matches!(poll_once(&mut send), Poll::Ready(Ok(()))));
    assert_eq!(poll_once(&mut second), Poll::Ready(Ok(2)));
}

/// `len()` counts buffered values only: waiting senders and receives
/// change nothing in it (on `bounded(0..=2)`, where one lock-free word
/// mirrors the buffer's length and whether either side has waiters).
#[test]
fn len_counts_buffered_values_only_while_senders_or_receives_wait() {
    for cap in 0..=2usize {
        let (tx, rx) = chan::bounded::<u32>(cap);
        let mut receives: Vec<_> = (0..2).map(|_| Box::pin(rx.recv())).collect();
        for receive in &mut receives {
            assert!(poll_once(receive).is_pending());
        }
        assert_eq!(rx.len(), 0, "bounded({cap}) with receives waiting");
        assert!(rx.is_empty());
        drop(receives);
        for v in 0..cap as u32 {
            tx.try_send(v).unwrap();
        }
        let mut sends: Vec<_> = (0..2).map(|v| Box::pin(tx.send(100 + v))).collect();
        for send in &mut sends {
            assert!(poll_once(send).is_pending());
        }
        assert_eq!(tx.len(), cap, "bounded({cap}) with sends waiting");
        assert!(tx.is_full());
        assert_eq!(tx.is_empty(), cap == 0);
        drop(sends);
        assert_eq!(rx.len(), cap, "bounded({cap}) once the sends are dropped");
    }
}
