//! The `select!` contract, sentence by sentence, where `select_semantics`
//! does not already cover it: operands by value or reference, a dropped
//! or timed-out select loses and duplicates nothing, close completes a
//! waiting send arm, and fairness among arms completed while it waits.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use hoare::chan::{bounded, unbounded, RecvError, TryRecvError};
use support::{poll_once, DropCounter};

#[test]
fn select_operands_by_value_ref_and_double_ref() {
    let (tx, rx) = unbounded::<u8>();
    tx.try_send(1).unwrap();
    tx.try_send(2).unwrap();
    tx.try_send(3).unwrap();
    let r = &rx;
    let rr = &r;
    hoare::block_on(async {
        let a = hoare::select! { recv(rx) -> m => m.unwrap() };
        let b = hoare::select! { recv(r) -> m => m.unwrap() };
        let c = hoare::select! { recv(rr) -> m => m.unwrap() };
        assert_eq!((a, b, c), (1, 2, 3));
        let t = &tx;
        hoare::select! { send(t, 4) -> r => r.unwrap() };
        hoare::select! { send(&t, 5) -> r => r.unwrap() };
    });
    assert_eq!(rx.iter().take(2).collect::<Vec<_>>(), vec![4, 5]);
}

#[test]
fn pending_select_dropped_loses_and_duplicates_nothing() {
    let drops = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = bounded::<DropCounter>(0);
    let (tx2, rx2) = bounded::<DropCounter>(0);
    {
        let mut fut = Box::pin(async {
            hoare::select! {
                recv(rx) -> m => m.map(|m| m.id),
                send(tx2, DropCounter::new(7, &drops)) -> r => r.map(|_| 7).map_err(|_| RecvError),
            }
        });
        assert!(poll_once(&mut fut).is_pending());
        // A rendezvous send matches the waiting select...
        assert!(tx.try_send(DropCounter::new(1, &drops)).is_ok());
        // ...which is dropped before it runs.
    }
    // The unsent select value was dropped; the matched one is kept.
    assert_eq!(drops.load(Ordering::SeqCst), 1);
    assert_eq!(rx.try_recv().map(|m| m.id), Ok(1));
    assert!(rx2.try_recv().is_err());
    assert_eq!(drops.load(Ordering::SeqCst), 2);
}

#[test]
fn close_completes_a_waiting_select_send_arm_with_its_value() {
    let (tx, rx) = bounded::<String>(0);
    let (_tx2, rx2) = bounded::<String>(0);
    let mut fut = Box::pin(async {
        hoare::select! {
            send(tx, "mine".to_string()) -> r => r.map_err(|e| e.into_inner()),
            recv(rx2) -> _ => Ok(()),
        }
    });
    assert!(poll_once(&mut fut).is_pending());
    rx.close();
    assert_eq!(poll_once(&mut fut), Poll::Ready(Err("mine".to_string())));
}

#[test]
fn a_waiting_select_chooses_fairly_among_arms_completed_later() {
    for cap in [Some(0usize), Some(1), None] {
        let (tx, rx) = support::channel::<u8>(cap);
        let mut hits = [0usize; 2];
        for _ in 0..2000 {
            let mut fut = Box::pin(async {
                hoare::select! {
                    recv(rx) -> _ => 0,
                    recv(rx) -> _ => 1,
                }
            });
            assert!(poll_once(&mut fut).is_pending());
            tx.try_send(1).unwrap();
            match poll_once(&mut fut) {
                Poll::Ready(i) => hits[i] += 1,
                Poll::Pending => panic!("woken select must complete"),
            }
        }
        assert!(hits[0] > 700 && hits[1] > 700, "flavour {cap:?}: {hits:?}");
    }
}

#[test]
fn timed_out_selects_send_nothing_and_drop_their_values_once() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    let drops = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = bounded::<support::DropCounter>(1);
    tx.try_send(support::DropCounter::new(0, &drops)).unwrap();
    hoare::block_on(async {
        let mut sel = hoare::Select::new();
        sel.send(&tx, support::DropCounter::new(1, &drops));
        let r = hoare::time::timeout(Duration::from_millis(2), sel.select()).await;
        assert!(r.is_err());
        assert_eq!(drops.load(Ordering::SeqCst), 1);
        let r = hoare::time::timeout(Duration::from_millis(2), async {
            hoare::select! {
                send(tx, support::DropCounter::new(2, &drops)) -> _ => (),
            }
        })
        .await;
        assert!(r.is_err());
        assert_eq!(drops.load(Ordering::SeqCst), 2);
    });
    assert_eq!(rx.len(), 1);
    assert_eq!(rx.try_recv().unwrap().id, 0);
    assert_eq!(rx.try_recv().map(|m| m.id), Err(TryRecvError::Empty));
}
