//! Port of flume's async tests (`tests/async.rs`, `tests/stream.rs`) to
//! hoare's async channel API: disconnects, dropped receives, wakers, streams.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use hoare::chan::{bounded, unbounded, RecvError, SendError, TrySendError};
use support::{counting_waker, next, poll_once, within};

#[test]
fn async_recv_and_send_disconnect() {
    within(20, || {
        hoare::run(async {
            let (tx, rx) = bounded::<i32>(0);
            let h = hoare::spawn(async move { tx.send(42).await });
            assert_eq!(rx.recv().await, Ok(42));
            assert_eq!(h.await.unwrap(), Ok(()));
            let (tx, rx) = bounded::<i32>(0);
            let h = hoare::spawn(async move { rx.recv().await });
            hoare::time::sleep(Duration::from_millis(2)).await;
            drop(tx);
            assert_eq!(h.await.unwrap(), Err(RecvError));
            let (tx, rx) = bounded::<i32>(0);
            let h = hoare::spawn(async move { tx.send(42).await });
            hoare::time::sleep(Duration::from_millis(2)).await;
            drop(rx);
            assert_eq!(h.await.unwrap(), Err(SendError(42)));
        });
    });
}

#[test]
fn async_recv_drop_recv() {
    within(20, || {
        hoare::run(async {
            let (tx, rx) = bounded::<i32>(10);
            let r = hoare::time::timeout(Duration::from_millis(5), rx.recv()).await;
            assert!(r.is_err());
            let rx2 = rx.clone();
            let h = hoare::spawn(async move { rx2.recv().await });
            hoare::yield_now().await;
            tx.send(42).await.unwrap();
            assert_eq!(h.await.unwrap(), Ok(42));
            assert!(rx.try_recv().is_err());
        });
    });
}

#[test]
fn one_hundred_thousand_no_drop_or_reorder() {
    within(30, || {
        hoare::run(async {
            for cap in [Some(0usize), Some(16), None] {
                let n = if cap == Some(0) { 20_000 } else { 100_000 };
                let (tx, rx) = support::channel::<usize>(cap);
                let h = hoare::spawn(async move {
                    for i in 0..n {
                        tx.send(i).await.unwrap();
                    }
                });
                for i in 0..n {
                    assert_eq!(rx.recv().await, Ok(i));
                }
                h.await.unwrap();
            }
        });
    });
}

#[test]
fn parallel_async_receivers_each_message_once() {
    within(30, || {
        hoare::run(async {
            let (tx, rx) = unbounded::<usize>();
            let seen = Arc::new(AtomicUsize::new(0));
            let hs: Vec<_> = (0..100)
                .map(|_| {
                    let (rx, seen) = (rx.clone(), seen.clone());
                    hoare::spawn(async move {
                        rx.recv().await.unwrap();
                        seen.fetch_add(1, Ordering::SeqCst);
                    })
                })
                .collect();
            hoare::yield_now().await;
            for i in 0..100 {
                tx.send(i).await.unwrap();
            }
            for h in hs {
                h.await.unwrap();
            }
            assert_eq!(seen.load(Ordering::SeqCst), 100);
            assert!(rx.is_empty());
        });
    });
}

#[test]
fn change_waker_newest_wins() {
    let (tx, rx) = bounded::<i32>(1);
    let (c1, w1) = counting_waker();
    let (c2, w2) = counting_waker();
    let mut fut = Box::pin(rx.recv());
    assert!(fut
        .as_mut()
        .poll(&mut Context::from_waker(&w1))
        .is_pending());
    assert!(fut
        .as_mut()
        .poll(&mut Context::from_waker(&w2))
        .is_pending());
    tx.try_send(1).unwrap();
    assert_eq!(c1.wakes.load(Ordering::SeqCst), 0);
    assert_eq!(c2.wakes.load(Ordering::SeqCst), 1);
    assert_eq!(poll_once(&mut fut), Poll::Ready(Ok(1)));
    // the same for a pending send, on a full channel
    tx.try_send(3).unwrap();
    let mut send = Box::pin(tx.send(2));
    assert!(send
        .as_mut()
        .poll(&mut Context::from_waker(&w1))
        .is_pending());
    assert!(send
        .as_mut()
        .poll(&mut Context::from_waker(&w2))
        .is_pending());
    assert_eq!(rx.try_recv(), Ok(3));
    // The receive made room: the send's newest waker is woken, the old not.
    assert_eq!(c2.wakes.load(Ordering::SeqCst), 2);
    assert_eq!(c1.wakes.load(Ordering::SeqCst), 0);
}

use std::future::Future;

#[test]
fn stream_clones_have_their_own_registration() {
    let (tx, rx) = unbounded::<i32>();
    let mut a = rx.clone();
    let mut b = rx.clone();
    let (ca, wa) = counting_waker();
    let (cb, wb) = counting_waker();
    use futures_core::Stream;
    use std::pin::Pin;
    assert!(Pin::new(&mut a)
        .poll_next(&mut Context::from_waker(&wa))
        .is_pending());
    assert!(Pin::new(&mut b)
        .poll_next(&mut Context::from_waker(&wb))
        .is_pending());
    tx.try_send(1).unwrap();
    tx.try_send(2).unwrap();
    // Two registrations, two messages: each clone's own waker is woken once.
    assert_eq!(ca.wakes.load(Ordering::SeqCst), 1, "a's registration");
    assert_eq!(cb.wakes.load(Ordering::SeqCst), 1, "b's registration");
    let mut got = Vec::new();
    for s in [&mut a, &mut b] {
        if let Poll::Ready(Some(v)) = Pin::new(s).poll_next(&mut Context::from_waker(&wa)) {
            got.push(v);
        }
    }
    while let Ok(v) = rx.try_recv() {
        got.push(v);
    }
    got.sort();
    assert_eq!(got, vec![1, 2], "each message once");
    drop(tx);
    hoare::block_on(async {
        assert_eq!(next(&mut a).await, None);
        assert_eq!(next(&mut b).await, None);
    });
}

#[test]
fn dropping_a_stream_clone_with_a_pending_registration_passes_values_on() {
    let (tx, rx) = bounded::<i32>(0);
    let mut a = rx.clone();
    {
        use futures_core::Stream;
        let mut pinned = std::pin::Pin::new(&mut a);
        assert!(pinned
            .as_mut()
            .poll_next(&mut Context::from_waker(std::task::Waker::noop()))
            .is_pending());
    }
    // rendezvous: the pending stream poll counts as a waiting receiver
    let sent = tx.try_send(5);
    drop(a);
    if sent.is_ok() {
        assert_eq!(
            rx.try_recv(),
            Ok(5),
            "value handed to the dropped stream is not lost"
        );
    } else {
        assert!(matches!(sent, Err(TrySendError::Full(5))));
    }
}
