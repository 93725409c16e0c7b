//! Port of crossbeam-channel's `tests/zero.rs` behaviours to hoare's
//! rendezvous channels (`bounded(0)`).

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::Poll;
use std::thread;

use hoare::chan::{bounded, RecvError, SendError, TryRecvError, TrySendError};
use support::{poll_once, scale, shapes, within, DropCounter, Rng};

/// Spins (yielding) until `tx.try_send(v)` succeeds: it does exactly when a
/// receiver waits.
fn send_when_receiver_waits<T>(tx: &hoare::chan::Sender<T>, mut v: T) {
    loop {
        match tx.try_send(v) {
            Ok(()) => return,
            Err(TrySendError::Full(back)) => {
                v = back;
                thread::yield_now();
            }
            Err(TrySendError::Closed(_)) => panic!("closed"),
        }
    }
}

#[test]
fn smoke() {
    let (tx, rx) = bounded::<i32>(0);
    assert_eq!(tx.try_send(7), Err(TrySendError::Full(7)));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
}

#[test]
fn capacity_len_empty_full() {
    let (tx, rx) = bounded::<()>(0);
    assert_eq!(tx.capacity(), Some(0));
    assert_eq!(rx.capacity(), Some(0));
    assert_eq!((tx.len(), tx.is_empty(), tx.is_full()), (0, true, true));
    assert_eq!((rx.len(), rx.is_empty(), rx.is_full()), (0, true, true));
    within(20, move || {
        thread::scope(|s| {
            s.spawn(|| tx.send_blocking(()).unwrap());
            s.spawn(|| rx.recv_blocking().unwrap());
        });
        assert_eq!((tx.len(), tx.is_empty(), tx.is_full()), (0, true, true));
    });
}

#[test]
fn try_recv_succeeds_once_a_sender_waits() {
    within(20, || {
        let (tx, rx) = bounded(0);
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
        thread::scope(|s| {
            s.spawn(|| {
                let v = loop {
                    match rx.try_recv() {
                        Ok(v) => break v,
                        Err(TryRecvError::Empty) => thread::yield_now(),
                        Err(TryRecvError::Closed) => panic!("closed early"),
                    }
                };
                assert_eq!(v, 7);
                loop {
                    match rx.try_recv() {
                        Err(TryRecvError::Closed) => break,
                        Err(TryRecvError::Empty) => thread::yield_now(),
                        Ok(_) => panic!("extra value"),
                    }
                }
            });
            s.spawn(move || {
                tx.send_blocking(7).unwrap();
            });
        });
    });
}

#[test]
fn try_send_succeeds_exactly_when_a_receive_is_pending() {
    let (tx, rx) = bounded::<i32>(0);
    assert_eq!(tx.try_send(1), Err(TrySendError::Full(1)));
    let mut fut = Box::pin(rx.recv());
    assert!(poll_once(&mut fut).is_pending());
    assert_eq!(tx.try_send(2), Ok(()));
    assert_eq!(tx.try_send(3), Err(TrySendError::Full(3)));
    assert_eq!(poll_once(&mut fut), Poll::Ready(Ok(2)));
    drop(fut);
    assert_eq!(tx.try_send(4), Err(TrySendError::Full(4)));
    drop(rx);
    assert_eq!(tx.try_send(5), Err(TrySendError::Closed(5)));
}

#[test]
fn try_send_succeeds_when_a_select_with_a_recv_arm_waits() {
    let (tx, rx) = bounded::<i32>(0);
    let (_other_tx, other_rx) = bounded::<i32>(0);
    let mut fut = Box::pin(async {
        hoare::select! {
            recv(other_rx) -> _ => None,
            recv(rx) -> m => Some(m.unwrap()),
        }
    });
    assert_eq!(tx.try_send(1), Err(TrySendError::Full(1)));
    assert!(poll_once(&mut fut).is_pending());
    assert_eq!(tx.try_send(2), Ok(()));
    assert_eq!(poll_once(&mut fut), Poll::Ready(Some(2)));
}

#[test]
fn recv_blocking_from_threads() {
    within(20, || {
        let (tx, rx) = bounded(0);
        thread::scope(|s| {
            s.spawn(|| {
                assert_eq!(rx.recv_blocking(), Ok(7));
                assert_eq!(rx.recv_blocking(), Ok(8));
                assert_eq!(rx.recv_blocking(), Ok(9));
                assert_eq!(rx.recv_blocking(), Err(RecvError));
            });
            s.spawn(move || {
                send_when_receiver_waits(&tx, 7);
                tx.send_blocking(8).unwrap();
                tx.send_blocking(9).unwrap();
            });
        });
    });
}

#[test]
fn send_blocking_waits_for_receivers() {
    within(20, || {
        let (tx, rx) = bounded(0);
        thread::scope(|s| {
            s.spawn(|| {
                tx.send_blocking(7).unwrap();
                tx.send_blocking(8).unwrap();
                tx.send_blocking(9).unwrap();
                assert_eq!(tx.send_blocking(10), Err(SendError(10)));
            });
            s.spawn(|| {
                assert_eq!(rx.recv_blocking(), Ok(7));
                assert_eq!(rx.recv_blocking(), Ok(8));
                assert_eq!(rx.recv_blocking(), Ok(9));
                assert!(rx.close());
                assert!(!rx.close());
            });
        });
    });
}

#[test]
fn send_after_receivers_gone_fails() {
    let (tx, rx) = bounded(0);
    drop(rx);
    assert_eq!(tx.send_blocking(4), Err(SendError(4)));
    assert_eq!(tx.try_send(5), Err(TrySendError::Closed(5)));
}

#[test]
fn recv_after_senders_gone_fails() {
    let (tx, rx) = bounded::<i32>(0);
    drop(tx);
    assert_eq!(rx.recv_blocking(), Err(RecvError));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

#[test]
fn len_is_always_zero_under_traffic() {
    let count = scale(25_000);
    within(60, move || {
        let (tx, rx) = bounded(0);
        assert_eq!(tx.len(), 0);
        thread::scope(|s| {
            s.spawn(|| {
                for i in 0..count {
                    assert_eq!(rx.recv_blocking(), Ok(i));
                    assert_eq!(rx.len(), 0);
                }
            });
            s.spawn(|| {
                for i in 0..count {
                    tx.send_blocking(i).unwrap();
                    assert_eq!(tx.len(), 0);
                }
            });
        });
        assert_eq!(rx.len(), 0);
    });
}

#[test]
fn dropping_receiver_wakes_blocked_sender() {
    within(20, || {
        let (tx, rx) = bounded(0);
        thread::scope(|s| {
            s.spawn(move || {
                assert_eq!(tx.send_blocking(1), Err(SendError(1)));
            });
            for _ in 0..100 {
                thread::yield_now();
            }
            drop(rx);
        });
    });
}

#[test]
fn dropping_sender_wakes_blocked_receiver() {
    within(20, || {
        let (tx, rx) = bounded::<i32>(0);
        thread::scope(|s| {
            s.spawn(move || {
                assert_eq!(rx.recv_blocking(), Err(RecvError));
            });
            thread::yield_now();
            drop(tx);
        });
    });
}

#[test]
fn close_wakes_a_blocked_rendezvous_sender_with_its_value() {
    within(20, || {
        let (tx, rx) = bounded::<String>(0);
        thread::scope(|s| {
            let h = s.spawn(|| tx.send_blocking("v".to_string()));
            // Give the sender a chance to block, then close from the
            // receiving side.
            for _ in 0..100 {
                thread::yield_now();
            }
            rx.close();
            match h.join().unwrap() {
                Err(SendError(v)) => assert_eq!(v, "v"),
                Ok(()) => panic!("nobody received"),
            }
        });
    });
}

#[test]
fn spsc_in_order() {
    shapes::spsc_in_order(Some(0), scale(100_000));
}

#[test]
fn mpmc_every_message_once() {
    shapes::mpmc_every_message_once(Some(0), scale(25_000));
}

#[test]
fn stress_oneshot() {
    shapes::stress_oneshot(Some(0), scale(2_000));
}

#[test]
fn stress_iter_request_response() {
    let count = scale(10_000);
    within(60, move || {
        let (request_tx, request_rx) = bounded(0);
        let (response_tx, response_rx) = bounded(0);
        thread::scope(|s| {
            s.spawn(move || {
                let mut got = 0;
                loop {
                    while let Ok(x) = response_rx.try_recv() {
                        got += x;
                        if got == count {
                            return;
                        }
                    }
                    // The other side answers each request on a rendezvous,
                    // so take the answer with a blocking receive.
                    request_tx.send_blocking(()).unwrap();
                    got += response_rx.recv_blocking().unwrap();
                    if got == count {
                        return;
                    }
                }
            });
            for () in request_rx.iter() {
                if response_tx.send_blocking(1).is_err() {
                    break;
                }
            }
        });
    });
}

#[test]
fn drops_each_message_exactly_once() {
    let runs = scale(100);
    let mut rng = Rng::new(2);
    for _ in 0..runs {
        let steps = rng.below(500);
        let drops = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = bounded::<DropCounter>(0);
        within(20, {
            let drops = drops.clone();
            move || {
                shapes::exchange_drop_counters(&tx, &rx, steps, &drops);
                assert_eq!(drops.load(Ordering::SeqCst), steps);
                drop(tx);
                drop(rx);
                assert_eq!(drops.load(Ordering::SeqCst), steps);
            }
        });
    }
}

#[test]
fn fairness_between_two_rendezvous_channels() {
    let count = scale(10_000).max(1000);
    within(60, move || {
        let (tx1, rx1) = bounded::<()>(0);
        let (tx2, rx2) = bounded::<()>(0);
        thread::scope(|s| {
            s.spawn(|| {
                let mut hits = [0usize; 2];
                hoare::block_on(async {
                    for _ in 0..count {
                        hoare::select! {
                            recv(rx1) -> _ => hits[0] += 1,
                            recv(rx2) -> _ => hits[1] += 1,
                        }
                    }
                });
                assert!(hits.iter().all(|&h| h >= count / 4), "{hits:?}");
            });
            let mut hits = [0usize; 2];
            hoare::block_on(async {
                for _ in 0..count {
                    hoare::select! {
                        send(tx1, ()) -> _ => hits[0] += 1,
                        send(tx2, ()) -> _ => hits[1] += 1,
                    }
                }
            });
            assert!(hits.iter().all(|&h| h >= count / 4), "{hits:?}");
        });
    });
}

#[test]
fn fairness_with_duplicate_recv_arms() {
    let count = scale(10_000).max(1000);
    within(60, move || {
        let (tx, rx) = bounded::<()>(0);
        thread::scope(|s| {
            s.spawn(|| {
                for _ in 0..count {
                    tx.send_blocking(()).unwrap();
                }
            });
            let mut hits = [0usize; 5];
            hoare::block_on(async {
                for _ in 0..count {
                    hoare::select! {
                        recv(rx) -> _ => hits[0] += 1,
                        recv(rx) -> _ => hits[1] += 1,
                        recv(rx) -> _ => hits[2] += 1,
                        recv(rx) -> _ => hits[3] += 1,
                        recv(rx) -> _ => hits[4] += 1,
                    }
                }
            });
            assert!(hits.iter().all(|&h| h >= count / 10), "{hits:?}");
        });
    });
}

#[test]
fn recv_in_send_arm_on_rendezvous() {
    within(20, || {
        let (tx, rx) = bounded::<()>(0);
        thread::scope(|s| {
            s.spawn(|| {
                tx.send_blocking(()).unwrap();
                assert_eq!(rx.recv_blocking(), Ok(()));
            });
            // The send arm's value expression receives first (on entry).
            hoare::block_on(async {
                hoare::select! {
                    send(tx, assert_eq!(rx.recv().await, Ok(()))) -> r => r.unwrap(),
                }
            });
        });
    });
}

#[test]
fn channel_through_channel() {
    shapes::channel_through_channel(Some(0), scale(1000));
}
