//! The channel calls users reach for: `try_iter`, iterating a `Receiver`,
//! `same_channel`, `recv_many`/`try_recv_many`, `Sender::closed` and
//! `WeakSender`.

mod support;

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::Poll;
use std::thread;
use std::time::Duration;

use hoare::chan::{self, IntoIter, Receiver, Sender, TryIter, WeakSender};
use support::{channel, counting_waker, poll_once, poll_with, DropCounter as Counted, FLAVOURS};

const PATIENCE: Duration = Duration::from_secs(10);

fn send_sync<T: Send + Sync>() {}

#[test]
fn try_iter_yields_what_is_ready_then_ends_without_waiting() {
    for cap in [Some(8), None] {
        let (tx, rx) = channel(cap);
        for i in 0..5 {
            tx.try_send(i).unwrap();
        }
        let ready: TryIter<'_, i32> = rx.try_iter();
        assert_eq!(ready.collect::<Vec<_>>(), [0, 1, 2, 3, 4]);
        assert_eq!(rx.try_iter().next(), None);
        tx.try_send(5).unwrap();
        assert_eq!(rx.try_iter().collect::<Vec<_>>(), [5]);
    }
    // A rendezvous channel with no waiting sender has nothing ready.
    let (_tx, rx) = chan::bounded::<u8>(0);
    assert_eq!(rx.try_iter().next(), None);
}

#[test]
fn try_iter_works_inside_a_process() {
    let got = hoare::run(async {
        let (tx, rx) = chan::unbounded();
        tx.send(1).await.unwrap();
        tx.send(2).await.unwrap();
        hoare::spawn(async move { rx.try_iter().collect::<Vec<_>>() })
            .await
            .unwrap()
    });
    assert_eq!(got, [1, 2]);
}

#[test]
fn for_loop_over_a_receiver_by_reference_and_by_value_blocks_until_closed_and_drained() {
    for cap in FLAVOURS {
        let (tx, rx) = channel(cap);
        let producer = thread::spawn({
            let tx = tx.clone();
            move || {
                for i in 0..4 {
                    tx.send_blocking(i).unwrap();
                }
            }
        });
        drop(tx);
        let mut by_ref = Vec::new();
        for v in &rx {
            by_ref.push(v);
            if by_ref.len() == 2 {
                break;
            }
        }
        let rest: IntoIter<i32> = rx.into_iter();
        let mut all = by_ref;
        all.extend(rest);
        assert_eq!(all, [0, 1, 2, 3], "{cap:?}");
        producer.join().unwrap();
    }
}

#[test]
fn into_iter_drops_the_receiver_with_the_iterator() {
    let (tx, rx) = chan::bounded::<u8>(1);
    let iter = rx.into_iter();
    assert!(!tx.is_closed());
    drop(iter);
    assert!(tx.is_closed());
}

#[test]
fn same_channel_tells_handles_of_one_channel_from_another() {
    let (tx, rx) = chan::bounded::<u8>(1);
    let (tx2, rx2) = chan::bounded::<u8>(1);
    assert!(tx.same_channel(&tx) && tx.same_channel(&tx.clone()));
    assert!(rx.same_channel(&rx.clone()));
    assert!(!tx.same_channel(&tx2));
    assert!(!rx.same_channel(&rx2));
    assert!(tx.downgrade().upgrade().unwrap().same_channel(&tx));
}

#[test]
fn recv_many_with_limit_zero_returns_zero_at_once() {
    let (_tx, rx) = chan::bounded::<u8>(0);
    let mut buf = Vec::new();
    let mut fut = Box::pin(rx.recv_many(&mut buf, 0));
    assert_eq!(poll_once(&mut fut), Poll::Ready(0));
}

#[test]
fn recv_many_appends_up_to_limit_and_returns_how_many() {
    hoare::run(async {
        let (tx, rx) = chan::bounded(8);
        for i in 0..6 {
            tx.send(i).await.unwrap();
        }
        let mut buf = vec![100];
        assert_eq!(rx.recv_many(&mut buf, 4).await, 4);
        assert_eq!(rx.recv_many(&mut buf, 4).await, 2);
        assert_eq!(buf, [100, 0, 1, 2, 3, 4, 5]);
        drop(tx);
        assert_eq!(rx.recv_many(&mut buf, 4).await, 0);
    });
}

#[test]
fn recv_many_waits_for_the_first_message() {
    for cap in FLAVOURS {
        let (tx, rx) = channel::<u32>(cap);
        let mut buf = Vec::new();
        let (wakes, waker) = counting_waker();
        let mut fut = Box::pin(rx.recv_many(&mut buf, 3));
        assert_eq!(poll_with(&mut fut, &waker), Poll::Pending, "{cap:?}");
        let sender = thread::spawn(move || tx.send_blocking(9));
        let deadline = std::time::Instant::now() + PATIENCE;
        while wakes.wakes.load(Ordering::SeqCst) == 0 {
            assert!(std::time::Instant::now() < deadline, "{cap:?}: never woken");
            thread::yield_now();
        }
        assert_eq!(poll_with(&mut fut, &waker), Poll::Ready(1), "{cap:?}");
        drop(fut);
        assert_eq!(buf, [9]);
        sender.join().unwrap().unwrap();
    }
}

#[test]
fn dropping_a_waiting_recv_many_loses_no_message() {
    let drops = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = chan::bounded::<Counted>(0);
    let mut buf = Vec::new();
    let mut fut = Box::pin(rx.recv_many(&mut buf, 4));
    assert!(poll_once(&mut fut).is_pending());
    let sender = thread::spawn({
        let drops = drops.clone();
        move || tx.send_blocking(Counted::new(1, &drops)).is_ok()
    });
    thread::sleep(Duration::from_millis(20));
    drop(fut);
    // Whether or not the value reached the dropped future, it is not lost:
    // the next receive gets it.
    let got = rx.recv_timeout(PATIENCE).unwrap();
    assert_eq!(got.id, 1);
    assert!(sender.join().unwrap());
    drop(got);
    assert_eq!(drops.load(Ordering::SeqCst), 1);
}

#[test]
fn try_recv_many_never_waits() {
    for cap in FLAVOURS {
        let (tx, rx) = channel::<u8>(cap);
        let mut buf = Vec::new();
        assert_eq!(rx.try_recv_many(&mut buf, 10), 0);
        if cap != Some(0) {
            tx.try_send(1).unwrap();
            assert_eq!(rx.try_recv_many(&mut buf, 10), 1);
            assert_eq!(rx.try_recv_many(&mut buf, 0), 0);
        }
        drop(tx);
        assert_eq!(rx.try_recv_many(&mut buf, 10), 0);
    }
}

#[test]
fn closed_completes_when_close_is_called_or_every_receiver_is_gone() {
    for cap in FLAVOURS {
        // close() from either side.
        let (tx, rx) = channel::<u8>(cap);
        let (wakes, waker) = counting_waker();
        let mut fut = Box::pin(tx.closed());
        assert!(poll_with(&mut fut, &waker).is_pending());
        rx.close();
        assert_eq!(wakes.wakes.load(Ordering::SeqCst), 1, "{cap:?}: not woken");
        assert!(poll_with(&mut fut, &waker).is_ready());
        drop(fut);
        // The last receiver's drop, with a clone around first.
        let (tx, rx) = channel::<u8>(cap);
        let rx2 = rx.clone();
        let (wakes, waker) = counting_waker();
        let mut fut = Box::pin(tx.closed());
        assert!(poll_with(&mut fut, &waker).is_pending());
        drop(rx);
        assert!(poll_with(&mut fut, &waker).is_pending());
        drop(rx2);
        assert_eq!(wakes.wakes.load(Ordering::SeqCst), 1);
        assert!(poll_with(&mut fut, &waker).is_ready());
    }
}

#[test]
fn closed_is_ready_at_once_on_a_closed_channel() {
    let (tx, rx) = chan::unbounded::<u8>();
    tx.close();
    let mut fut = Box::pin(tx.closed());
    assert!(poll_once(&mut fut).is_ready());
    drop(rx);
}

#[test]
fn closed_is_not_woken_by_sends_and_receives() {
    let (tx, rx) = chan::bounded::<u8>(1);
    let (wakes, waker) = counting_waker();
    let mut fut = Box::pin(tx.closed());
    assert!(poll_with(&mut fut, &waker).is_pending());
    tx.try_send(1).unwrap();
    rx.try_recv().unwrap();
    assert_eq!(wakes.wakes.load(Ordering::SeqCst), 0);
    assert!(poll_with(&mut fut, &waker).is_pending());
}

#[test]
fn dropped_closed_futures_leave_nothing_behind_and_others_still_wake() {
    let (tx, rx) = chan::bounded::<u8>(1);
    let (wakes, waker) = counting_waker();
    for _ in 0..100 {
        let mut dropped = Box::pin(tx.closed());
        assert!(poll_once(&mut dropped).is_pending());
    }
    let mut kept = Box::pin(tx.closed());
    assert!(poll_with(&mut kept, &waker).is_pending());
    drop(rx);
    assert_eq!(wakes.wakes.load(Ordering::SeqCst), 1);
    assert!(poll_with(&mut kept, &waker).is_ready());
}

#[test]
fn closed_wakes_a_process_when_a_thread_drops_the_last_receiver() {
    for _ in 0..50 {
        hoare::run(async {
            let (tx, rx) = chan::bounded::<u8>(0);
            let watcher = hoare::spawn(async move { tx.closed().await });
            let dropper = thread::spawn(move || drop(rx));
            hoare::time::timeout(PATIENCE, watcher)
                .await
                .expect("closed() missed the close")
                .unwrap();
            dropper.join().unwrap();
        });
    }
}

#[test]
fn closed_and_recv_many_futures_are_send() {
    fn is_send<F: Future + Send>(_: &F) {}
    let (tx, rx) = chan::bounded::<u8>(1);
    is_send(&tx.closed());
    let mut buf = Vec::new();
    is_send(&rx.recv_many(&mut buf, 4));
}

#[test]
fn weak_sender_does_not_keep_the_channel_open() {
    for cap in FLAVOURS {
        let (tx, rx) = channel::<u8>(cap);
        let weak: WeakSender<u8> = tx.downgrade();
        let weak2 = weak.clone();
        assert!(!rx.is_closed());
        drop(tx);
        assert!(rx.is_closed(), "{cap:?}");
        assert!(weak.upgrade().is_none());
        assert!(weak2.upgrade().is_none());
        assert_eq!(rx.try_recv(), Err(chan::TryRecvError::Closed));
    }
}

#[test]
fn an_upgraded_sender_keeps_the_channel_open_like_any_sender() {
    let (tx, rx) = chan::unbounded::<u8>();
    let weak = tx.downgrade();
    let upgraded: Sender<u8> = weak.upgrade().unwrap();
    drop(tx);
    assert!(!rx.is_closed());
    upgraded.try_send(3).unwrap();
    drop(upgraded);
    assert!(rx.is_closed());
    assert!(weak.upgrade().is_none());
    assert_eq!(rx.try_recv(), Ok(3));
}

#[test]
fn upgrade_racing_the_last_sender_never_reopens_a_closed_channel() {
    for _ in 0..200 {
        let (tx, rx) = chan::unbounded::<u8>();
        let weak = tx.downgrade();
        let upgrader = thread::spawn(move || {
            let mut upgraded = 0;
            while let Some(sender) = weak.upgrade() {
                upgraded += 1;
                drop(sender);
                if upgraded > 10_000 {
                    break;
                }
            }
            weak.upgrade().is_none()
        });
        drop(tx);
        let gone = upgrader.join().unwrap();
        // Either the upgrader gave up while tx's drop waited, or it saw the
        // channel gone; once gone, it stays gone.
        if gone {
            assert!(rx.is_closed());
        }
        let _ = rx;
    }
}

#[test]
fn weak_sender_has_the_promised_traits() {
    struct Opaque;
    send_sync::<WeakSender<u8>>();
    let (tx, _rx) = chan::bounded::<Opaque>(1);
    let weak = tx.downgrade();
    assert!(format!("{weak:?}").contains("WeakSender"));
    let _clone: WeakSender<Opaque> = weak.clone();
    send_sync::<TryIter<'static, u8>>();
    send_sync::<IntoIter<u8>>();
    let _: fn(Receiver<u8>) -> IntoIter<u8> = IntoIterator::into_iter;
}
