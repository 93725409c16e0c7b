//! Port of crossbeam-channel's `tests/list.rs` behaviours to hoare's
//! unbounded channels, plus zero-sized messages on every flavour.

mod support;

use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;

use hoare::chan::{bounded, unbounded, RecvError, SendError, TryRecvError, TrySendError};
use support::{scale, shapes, within, DropCounter, PanicOnDrop, Rng};

#[test]
fn smoke() {
    let (tx, rx) = unbounded();
    tx.try_send(7).unwrap();
    assert_eq!(rx.try_recv(), Ok(7));
    tx.send_blocking(8).unwrap();
    assert_eq!(rx.recv_blocking(), Ok(8));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
}

#[test]
fn capacity_is_none_and_never_full() {
    let (tx, rx) = unbounded::<()>();
    assert_eq!(tx.capacity(), None);
    assert_eq!(rx.capacity(), None);
    for i in 0..10_000 {
        assert!(!tx.is_full());
        tx.try_send(()).unwrap();
        assert_eq!(rx.len(), i + 1);
    }
    assert!(!rx.is_full());
    assert!(!rx.is_empty());
}

#[test]
fn len_empty_full() {
    let (tx, rx) = unbounded();
    assert_eq!((tx.len(), tx.is_empty(), tx.is_full()), (0, true, false));
    tx.send_blocking(()).unwrap();
    tx.send_blocking(()).unwrap();
    assert_eq!((rx.len(), rx.is_empty(), rx.is_full()), (2, false, false));
    rx.recv_blocking().unwrap();
    assert_eq!((rx.len(), rx.is_empty(), rx.is_full()), (1, false, false));
    rx.recv_blocking().unwrap();
    assert_eq!((rx.len(), rx.is_empty(), rx.is_full()), (0, true, false));
}

#[test]
fn recv_blocks_until_sent_then_sees_close() {
    within(20, || {
        let (tx, rx) = unbounded();
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
fn try_send_never_full() {
    let (tx, rx) = unbounded();
    for i in 0..1000 {
        assert_eq!(tx.try_send(i), Ok(()));
    }
    drop(rx);
    assert_eq!(tx.try_send(777), Err(TrySendError::Closed(777)));
}

#[test]
fn send_after_receivers_gone_fails() {
    let (tx, rx) = unbounded();
    tx.send_blocking(1).unwrap();
    tx.send_blocking(2).unwrap();
    drop(rx);
    assert_eq!(tx.send_blocking(4), Err(SendError(4)));
    assert_eq!(tx.try_send(5), Err(TrySendError::Closed(5)));
}

#[test]
fn recv_after_senders_gone_drains_first() {
    let (tx, rx) = unbounded();
    for i in 1..=3 {
        tx.send_blocking(i).unwrap();
    }
    drop(tx);
    assert_eq!(rx.iter().collect::<Vec<_>>(), vec![1, 2, 3]);
    assert_eq!(rx.recv_blocking(), Err(RecvError));
}

#[test]
fn len_across_blocks() {
    let count = scale(25_000);
    let (tx, rx) = unbounded();
    for _ in 0..10 {
        for i in 0..200 {
            tx.send_blocking(i).unwrap();
            assert_eq!(tx.len(), i + 1);
        }
        for i in 0..200 {
            assert_eq!(rx.recv_blocking(), Ok(i));
            assert_eq!(rx.len(), 200 - i - 1);
        }
    }
    within(60, move || {
        thread::scope(|s| {
            s.spawn(|| {
                for i in 0..count {
                    assert_eq!(rx.recv_blocking(), Ok(i));
                }
            });
            s.spawn(|| {
                for i in 0..count {
                    tx.send_blocking(i).unwrap();
                }
            });
        });
        assert_eq!(tx.len(), 0);
    });
}

#[test]
fn dropping_sender_wakes_blocked_receiver() {
    within(20, || {
        let (tx, rx) = unbounded::<i32>();
        thread::scope(|s| {
            s.spawn(move || assert_eq!(rx.recv_blocking(), Err(RecvError)));
            for _ in 0..100 {
                thread::yield_now();
            }
            drop(tx);
        });
    });
}

#[test]
fn spsc_and_mpmc() {
    let count = scale(100_000);
    within(60, move || {
        let (tx, rx) = unbounded();
        thread::scope(|s| {
            s.spawn(|| {
                for i in 0..count {
                    assert_eq!(rx.recv_blocking(), Ok(i));
                }
            });
            s.spawn(|| {
                for i in 0..count {
                    tx.send_blocking(i).unwrap();
                }
            });
        });
        let seen: Vec<AtomicUsize> = (0..count).map(|_| AtomicUsize::new(0)).collect();
        thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    for _ in 0..count {
                        seen[rx.recv_blocking().unwrap()].fetch_add(1, Ordering::SeqCst);
                    }
                });
                s.spawn(|| {
                    for i in 0..count {
                        tx.send_blocking(i).unwrap();
                    }
                });
            }
        });
        assert!(seen.iter().all(|c| c.load(Ordering::SeqCst) == 4));
    });
}

#[test]
fn stress_oneshot() {
    shapes::stress_oneshot(None, scale(2_000));
}

#[test]
fn drops_each_message_exactly_once() {
    let runs = scale(100);
    let mut rng = Rng::new(3);
    for _ in 0..runs {
        let steps = rng.below(5000);
        let additional = rng.below(500);
        let drops = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = unbounded::<DropCounter>();
        within(20, {
            let drops = drops.clone();
            move || {
                shapes::exchange_drop_counters(&tx, &rx, steps, &drops);
                for i in 0..additional {
                    tx.try_send(DropCounter::new(i, &drops)).unwrap();
                }
                assert_eq!(drops.load(Ordering::SeqCst), steps);
                // Receiver first this time: its drop discards the rest.
                drop(rx);
                assert_eq!(drops.load(Ordering::SeqCst), steps + additional);
                drop(tx);
            }
        });
        assert_eq!(drops.load(Ordering::SeqCst), steps + additional);
    }
}

#[test]
fn linearizable_try_recv_after_own_send() {
    let count = scale(25_000);
    within(60, move || {
        let (tx, rx) = unbounded();
        thread::scope(|s| {
            for _ in 0..4 {
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
fn channel_through_channel() {
    shapes::channel_through_channel(None, scale(1000));
}

#[test]
fn panicking_drop_is_not_a_double_drop() {
    for senders_first in [true, false] {
        let (tx, rx) = unbounded::<PanicOnDrop>();
        let counts: Vec<Arc<AtomicUsize>> = (0..3).map(|_| Arc::new(AtomicUsize::new(0))).collect();
        for (i, c) in counts.iter().enumerate() {
            tx.try_send(PanicOnDrop {
                drops: c.clone(),
                panics: i == 1,
            })
            .unwrap();
        }
        if senders_first {
            drop(tx);
            assert!(panic::catch_unwind(AssertUnwindSafe(move || drop(rx))).is_err());
        } else {
            assert!(panic::catch_unwind(AssertUnwindSafe(move || drop(rx))).is_err());
            drop(tx);
        }
        for c in &counts {
            assert!(c.load(Ordering::SeqCst) <= 1, "double drop");
        }
        assert_eq!(counts[1].load(Ordering::SeqCst), 1);
    }
}

// Go's test/chan/zerosize.go and crossbeam's zero-sized-type tests:
// messages of size zero on every flavour.

#[test]
fn zero_sized_messages_on_every_flavour() {
    for cap in [Some(0usize), Some(1), Some(7), None] {
        let (tx, rx) = support::channel::<()>(cap);
        within(20, move || {
            thread::scope(|s| {
                s.spawn(|| {
                    for _ in 0..1000 {
                        tx.send_blocking(()).unwrap();
                    }
                });
                s.spawn(|| {
                    for _ in 0..1000 {
                        rx.recv_blocking().unwrap();
                    }
                });
            });
            assert_eq!(rx.len(), 0);
        });
    }
    let (tx, rx) = bounded::<[u8; 0]>(3);
    for _ in 0..3 {
        tx.try_send([]).unwrap();
    }
    assert!(tx.is_full());
    assert_eq!(tx.try_send([]), Err(TrySendError::Full([])));
    assert_eq!(rx.len(), 3);
    let (tx, rx) = unbounded::<()>();
    for _ in 0..100_000 {
        tx.try_send(()).unwrap();
    }
    assert_eq!(rx.len(), 100_000);
    drop(tx);
    assert_eq!(rx.iter().count(), 100_000);
}
