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
