//! Port of crossbeam-channel's `tests/array.rs` behaviours to hoare's
//! bounded (ring) channels, blocking API from OS threads.

mod support;

use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;

use hoare::chan::{bounded, RecvError, SendError, TryRecvError, TrySendError};
use support::{panic_message, scale, shapes, within, DropCounter, PanicOnDrop, Rng};

#[test]
fn smoke() {
    let (tx, rx) = bounded(1);
    tx.try_send(7).unwrap();
    assert_eq!(rx.try_recv(), Ok(7));
    tx.send_blocking(8).unwrap();
    assert_eq!(rx.recv_blocking(), Ok(8));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
}

#[test]
fn capacity() {
    for i in 1..10 {
        let (tx, rx) = bounded::<()>(i);
        assert_eq!(tx.capacity(), Some(i));
        assert_eq!(rx.capacity(), Some(i));
    }
}

#[test]
fn len_empty_full() {
    let (tx, rx) = bounded(2);
    assert_eq!((tx.len(), tx.is_empty(), tx.is_full()), (0, true, false));
    assert_eq!((rx.len(), rx.is_empty(), rx.is_full()), (0, true, false));
    tx.send_blocking(()).unwrap();
    assert_eq!((tx.len(), tx.is_empty(), tx.is_full()), (1, false, false));
    assert_eq!((rx.len(), rx.is_empty(), rx.is_full()), (1, false, false));
    tx.send_blocking(()).unwrap();
    assert_eq!((tx.len(), tx.is_empty(), tx.is_full()), (2, false, true));
    assert_eq!((rx.len(), rx.is_empty(), rx.is_full()), (2, false, true));
    rx.recv_blocking().unwrap();
    assert_eq!((tx.len(), tx.is_empty(), tx.is_full()), (1, false, false));
    assert_eq!((rx.len(), rx.is_empty(), rx.is_full()), (1, false, false));
}

#[test]
fn try_recv_then_blocked_then_closed() {
    within(20, || {
        let (tx, rx) = bounded(100);
        let (go_tx, go_rx) = bounded::<()>(0);
        thread::scope(|s| {
            s.spawn(|| {
                assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
                go_rx.recv_blocking().unwrap(); // the sender may start
                go_rx.recv_blocking().unwrap(); // the value is in
                assert_eq!(rx.try_recv(), Ok(7));
                go_rx.recv_blocking().unwrap(); // the sender is gone
                assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
            });
            s.spawn(move || {
                go_tx.send_blocking(()).unwrap();
                tx.send_blocking(7).unwrap();
                go_tx.send_blocking(()).unwrap();
                drop(tx);
                go_tx.send_blocking(()).unwrap();
            });
        });
    });
}

#[test]
fn recv_blocks_until_sent_then_sees_close() {
    within(20, || {
        let (tx, rx) = bounded(100);
        thread::scope(|s| {
            s.spawn(|| {
                assert_eq!(rx.recv_blocking(), Ok(7));
                assert_eq!(rx.recv_blocking(), Ok(8));
                assert_eq!(rx.recv_blocking(), Ok(9));
                assert_eq!(rx.recv_blocking(), Err(RecvError));
            });
            s.spawn(move || {
                for i in 7..10 {
                    thread::yield_now();
                    tx.send_blocking(i).unwrap();
                }
            });
        });
    });
}

#[test]
fn try_send_full_then_room_then_closed() {
    within(20, || {
        let (tx, rx) = bounded(1);
        assert_eq!(tx.try_send(1), Ok(()));
        assert_eq!(tx.try_send(2), Err(TrySendError::Full(2)));
        thread::scope(|s| {
            s.spawn(|| assert_eq!(rx.recv_blocking(), Ok(1)));
        });
        assert_eq!(tx.try_send(3), Ok(()));
        assert_eq!(rx.recv_blocking(), Ok(3));
        drop(rx);
        assert_eq!(tx.try_send(4), Err(TrySendError::Closed(4)));
    });
}

#[test]
fn send_blocks_on_full_until_received() {
    within(20, || {
        let (tx, rx) = bounded(1);
        let (closed_tx, closed_rx) = bounded::<()>(0);
        thread::scope(|s| {
            s.spawn(|| {
                tx.send_blocking(7).unwrap();
                tx.send_blocking(8).unwrap(); // blocks until 7 is taken
                tx.send_blocking(9).unwrap();
                closed_rx.recv_blocking().unwrap();
                assert_eq!(tx.send_blocking(10), Err(SendError(10)));
            });
            s.spawn(|| {
                assert_eq!(rx.recv_blocking(), Ok(7));
                assert_eq!(rx.recv_blocking(), Ok(8));
                assert_eq!(rx.recv_blocking(), Ok(9));
                rx.close();
                closed_tx.send_blocking(()).unwrap();
            });
        });
    });
}

#[test]
fn send_after_receivers_gone_fails() {
    let (tx, rx) = bounded(100);
    tx.send_blocking(1).unwrap();
    tx.send_blocking(2).unwrap();
    tx.send_blocking(3).unwrap();
    drop(rx);
    assert_eq!(tx.send_blocking(4), Err(SendError(4)));
    assert_eq!(tx.try_send(5), Err(TrySendError::Closed(5)));
    assert!(tx.is_closed());
}

#[test]
fn recv_after_senders_gone_drains_first() {
    let (tx, rx) = bounded(100);
    tx.send_blocking(1).unwrap();
    tx.send_blocking(2).unwrap();
    tx.send_blocking(3).unwrap();
    drop(tx);
    assert_eq!(rx.recv_blocking(), Ok(1));
    assert_eq!(rx.recv_blocking(), Ok(2));
    assert_eq!(rx.recv_blocking(), Ok(3));
    assert_eq!(rx.recv_blocking(), Err(RecvError));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

#[test]
fn len_tracks_every_step_and_never_exceeds_capacity() {
    let cap = 50;
    let count = scale(25_000);
    let (tx, rx) = bounded(cap);
    assert_eq!(tx.len(), 0);
    for _ in 0..cap / 10 {
        for i in 0..50 {
            tx.send_blocking(i).unwrap();
            assert_eq!(tx.len(), i + 1);
        }
        for i in 0..50 {
            rx.recv_blocking().unwrap();
            assert_eq!(rx.len(), 50 - i - 1);
        }
    }
    for i in 0..cap {
        tx.send_blocking(i).unwrap();
        assert_eq!(rx.len(), i + 1);
    }
    for _ in 0..cap {
        rx.recv_blocking().unwrap();
    }
    assert_eq!(rx.len(), 0);
    within(60, move || {
        thread::scope(|s| {
            s.spawn(|| {
                for i in 0..count {
                    assert_eq!(rx.recv_blocking(), Ok(i));
                    assert!(rx.len() <= cap);
                }
            });
            s.spawn(|| {
                for i in 0..count {
                    tx.send_blocking(i).unwrap();
                    assert!(tx.len() <= cap);
                }
            });
        });
    });
}

#[test]
fn dropping_receiver_wakes_blocked_sender() {
    within(20, || {
        let (tx, rx) = bounded(1);
        tx.send_blocking(1).unwrap();
        let (ready_tx, ready_rx) = bounded::<()>(0);
        thread::scope(|s| {
            s.spawn(move || {
                ready_tx.send_blocking(()).unwrap();
                assert_eq!(tx.send_blocking(2), Err(SendError(2)));
            });
            ready_rx.recv_blocking().unwrap();
            drop(rx);
        });
    });
}

#[test]
fn dropping_sender_wakes_blocked_receiver() {
    within(20, || {
        let (tx, rx) = bounded::<i32>(1);
        let (ready_tx, ready_rx) = bounded::<()>(0);
        thread::scope(|s| {
            s.spawn(move || {
                ready_tx.send_blocking(()).unwrap();
                assert_eq!(rx.recv_blocking(), Err(RecvError));
            });
            ready_rx.recv_blocking().unwrap();
            drop(tx);
        });
    });
}

#[test]
fn spsc_in_order() {
    shapes::spsc_in_order(Some(3), scale(100_000));
}

#[test]
fn mpmc_every_message_once() {
    shapes::mpmc_every_message_once(Some(3), scale(25_000));
}

#[test]
fn stress_oneshot() {
    shapes::stress_oneshot(Some(1), scale(2_000));
}

#[test]
fn stress_iter_request_response() {
    let count = scale(100_000);
    within(60, move || {
        let (request_tx, request_rx) = bounded(1);
        let (response_tx, response_rx) = bounded(1);
        thread::scope(|s| {
            s.spawn(move || {
                let mut got = 0;
                loop {
                    while let Ok(x) = response_rx.try_recv() {
                        got += x;
                        if got == count {
                            return; // drops request_tx: the iterator ends
                        }
                    }
                    request_tx.send_blocking(()).unwrap();
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
    let mut rng = Rng::new(1);
    for _ in 0..runs {
        let steps = rng.below(500);
        let additional = rng.below(50);
        let drops = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = bounded::<DropCounter>(50);
        within(20, {
            let drops = drops.clone();
            move || {
                shapes::exchange_drop_counters(&tx, &rx, steps, &drops);
                for i in 0..additional {
                    tx.send_blocking(DropCounter::new(i, &drops)).unwrap();
                }
                assert_eq!(drops.load(Ordering::SeqCst), steps);
                drop(tx);
                drop(rx);
            }
        });
        assert_eq!(drops.load(Ordering::SeqCst), steps + additional);
    }
}

#[test]
fn drops_on_last_receiver_while_senders_live() {
    let drops = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = bounded::<DropCounter>(8);
    for i in 0..5 {
        tx.try_send(DropCounter::new(i, &drops)).unwrap();
    }
    let rx2 = rx.clone();
    drop(rx);
    assert_eq!(drops.load(Ordering::SeqCst), 0, "another receiver remains");
    drop(rx2);
    assert_eq!(drops.load(Ordering::SeqCst), 5);
    let err = tx.try_send(DropCounter::new(9, &drops)).unwrap_err();
    assert!(err.is_closed());
    drop(err);
    assert_eq!(drops.load(Ordering::SeqCst), 6);
    drop(tx);
    assert_eq!(drops.load(Ordering::SeqCst), 6);
}

#[test]
fn linearizable_try_recv_after_own_send() {
    let count = scale(25_000);
    let threads = 4;
    within(60, move || {
        let (tx, rx) = bounded(threads);
        thread::scope(|s| {
            for _ in 0..threads {
                s.spawn(|| {
                    for _ in 0..count {
                        tx.send_blocking(0).unwrap();
                        rx.try_recv().unwrap();
                    }
                });
            }
        });
    });
}

#[test]
fn fairness_between_two_ready_channels() {
    let count = 10_000;
    let (tx1, rx1) = bounded::<()>(count);
    let (tx2, rx2) = bounded::<()>(count);
    for _ in 0..count {
        tx1.try_send(()).unwrap();
        tx2.try_send(()).unwrap();
    }
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
}

#[test]
fn fairness_with_duplicate_arms() {
    let count = 10_000;
    let (tx, rx) = bounded::<()>(count);
    for _ in 0..count {
        tx.try_send(()).unwrap();
    }
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
}

#[test]
fn recv_inside_send_arm_value_is_evaluated_on_entry() {
    let (tx, rx) = bounded::<i32>(1);
    tx.try_send(7).unwrap();
    // The value expression takes 7 out (on entry), so the send arm has room.
    let sent = hoare::block_on(async {
        hoare::select! {
            send(tx, rx.try_recv().unwrap() + 1) -> r => { r.unwrap(); true }
        }
    });
    assert!(sent);
    assert_eq!(rx.try_recv(), Ok(8));
}

#[test]
fn channel_through_channel() {
    shapes::channel_through_channel(Some(1), scale(1000));
}

#[test]
fn panicking_drop_in_discard_is_not_a_double_drop() {
    // The last receiver goes while the senders live: `discard_all`.
    for panic_at in 0..3 {
        let (tx, rx) = bounded::<PanicOnDrop>(3);
        let counts: Vec<Arc<AtomicUsize>> = (0..3).map(|_| Arc::new(AtomicUsize::new(0))).collect();
        for (i, c) in counts.iter().enumerate() {
            tx.try_send(PanicOnDrop {
                drops: c.clone(),
                panics: i == panic_at,
            })
            .unwrap();
        }
        let result = panic::catch_unwind(AssertUnwindSafe(move || drop(rx)));
        assert_eq!(panic_message(&*result.unwrap_err()), "first drop");
        assert_eq!(counts[panic_at].load(Ordering::SeqCst), 1);
        drop(tx); // frees the channel: the rest are dropped now at the latest
        for c in &counts {
            assert_eq!(
                c.load(Ordering::SeqCst),
                1,
                "every message dropped exactly once"
            );
        }
    }
}

#[test]
fn panicking_drop_when_channel_freed_drops_the_rest_once() {
    // Both ends gone, the sender last.
    let (tx, rx) = bounded::<PanicOnDrop>(2);
    let a = Arc::new(AtomicUsize::new(0));
    let b = Arc::new(AtomicUsize::new(0));
    tx.try_send(PanicOnDrop {
        drops: a.clone(),
        panics: true,
    })
    .unwrap();
    tx.try_send(PanicOnDrop {
        drops: b.clone(),
        panics: false,
    })
    .unwrap();
    drop(tx);
    let result = panic::catch_unwind(AssertUnwindSafe(move || drop(rx)));
    assert_eq!(panic_message(&*result.unwrap_err()), "first drop");
    assert_eq!(a.load(Ordering::SeqCst), 1);
    assert_eq!(b.load(Ordering::SeqCst), 1);
    // The channel stays usable-looking for nobody; just check no leak of
    // later messages in a fresh one either.
    let flag = AtomicBool::new(true);
    assert!(flag.load(Ordering::SeqCst));
}

#[test]
fn panicking_drop_after_wraparound() {
    // Head and tail in the middle of the ring, wrapped.
    let (tx, rx) = bounded::<PanicOnDrop>(3);
    let counts: Vec<Arc<AtomicUsize>> = (0..5).map(|_| Arc::new(AtomicUsize::new(0))).collect();
    for c in &counts[..2] {
        tx.try_send(PanicOnDrop {
            drops: c.clone(),
            panics: false,
        })
        .unwrap();
    }
    drop(rx.try_recv().unwrap());
    drop(rx.try_recv().unwrap());
    for (i, c) in counts[2..].iter().enumerate() {
        tx.try_send(PanicOnDrop {
            drops: c.clone(),
            panics: i == 1,
        })
        .unwrap();
    }
    let result = panic::catch_unwind(AssertUnwindSafe(move || drop(rx)));
    assert!(result.is_err());
    drop(tx);
    for c in &counts {
        assert_eq!(c.load(Ordering::SeqCst), 1);
    }
}
