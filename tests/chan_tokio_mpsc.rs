//! Port of tokio's `tests/sync_mpsc.rs` (and flume's async tests) to
//! hoare's async channel API, run on hoare's runtime, on `block_on` and
//! inside tokio.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::Poll;
use std::thread;

use hoare::chan::{bounded, unbounded, RecvError, SendError, TryRecvError, TrySendError};
use support::{next, panic_message, poll_once, within, DropCounter};

#[test]
fn send_recv_with_buffer() {
    hoare::run(async {
        let (tx, rx) = bounded::<i32>(16);
        tx.send(1).await.unwrap();
        tx.send(2).await.unwrap();
        drop(tx);
        assert_eq!(rx.recv().await, Ok(1));
        assert_eq!(rx.recv().await, Ok(2));
        assert_eq!(rx.recv().await, Err(RecvError));
    });
}

#[test]
fn async_send_recv_across_processes() {
    hoare::run(async {
        let (tx, rx) = bounded::<i32>(16);
        let h = hoare::spawn(async move {
            tx.send(1).await.unwrap();
            tx.send(2).await.unwrap();
        });
        assert_eq!(rx.recv().await, Ok(1));
        assert_eq!(rx.recv().await, Ok(2));
        assert_eq!(rx.recv().await, Err(RecvError));
        h.await.unwrap();
    });
}

#[test]
fn send_past_capacity_is_pending_until_recv() {
    let (tx, rx) = bounded::<i32>(1);
    let mut first = Box::pin(tx.send(1));
    assert_eq!(poll_once(&mut first), Poll::Ready(Ok(())));
    let mut second = Box::pin(tx.send(2));
    assert!(poll_once(&mut second).is_pending());
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(poll_once(&mut second), Poll::Ready(Ok(())));
    assert_eq!(rx.try_recv(), Ok(2));
}

#[test]
fn send_recv_unbounded_and_stream() {
    hoare::run(async {
        let (tx, mut rx) = unbounded::<i32>();
        tx.send(1).await.unwrap();
        tx.try_send(2).unwrap();
        assert_eq!(next(&mut rx).await, Some(1));
        assert_eq!(next(&mut rx).await, Some(2));
        drop(tx);
        assert_eq!(next(&mut rx).await, None);
        assert_eq!(next(&mut rx).await, None, "fused");
        use futures_core::stream::FusedStream;
        assert!(rx.is_terminated());
    });
}

#[test]
fn stream_size_hint_and_clone_registration() {
    let (tx, rx) = unbounded::<i32>();
    let mut a = rx.clone();
    let mut b = rx;
    tx.try_send(1).unwrap();
    tx.try_send(2).unwrap();
    hoare::block_on(async {
        let x = next(&mut a).await.unwrap();
        let y = next(&mut b).await.unwrap();
        assert_eq!((x, y), (1, 2));
    });
}

#[test]
fn no_t_bounds_needed_for_unwrap() {
    struct NoImpls;
    hoare::block_on(async {
        let (tx, rx) = bounded::<NoImpls>(100);
        tx.send(NoImpls).await.unwrap();
        tx.try_send(NoImpls).unwrap();
        rx.recv().await.unwrap();
        rx.try_recv().unwrap();
        // Debug of the handles and errors without T: Debug
        let _ = format!("{tx:?} {rx:?}");
        drop(rx);
        let e = tx.send(NoImpls).await.unwrap_err();
        let _ = format!("{e:?} {e}");
        let e = tx.try_send(NoImpls).unwrap_err();
        assert!(e.is_closed());
    });
}

#[test]
fn receiver_close_gets_err_when_idle_and_senders_fail() {
    hoare::block_on(async {
        let (tx, rx) = bounded::<i32>(1);
        tx.send(1).await.unwrap();
        assert!(rx.close());
        assert!(!rx.close(), "second close returns false");
        assert!(tx.is_closed() && rx.is_closed());
        assert_eq!(tx.send(2).await, Err(SendError(2)));
        assert_eq!(rx.recv().await, Ok(1), "buffered before close");
        assert_eq!(rx.recv().await, Err(RecvError));
    });
}

#[test]
fn sender_close_gets_err() {
    hoare::block_on(async {
        let (tx, rx) = unbounded::<i32>();
        let tx2 = tx.clone();
        tx.send(1).await.unwrap();
        assert!(tx2.close());
        assert_eq!(tx.send(2).await, Err(SendError(2)));
        assert_eq!(rx.recv().await, Ok(1));
        assert_eq!(rx.recv().await, Err(RecvError));
    });
}

#[test]
fn try_send_fail_then_succeed() {
    let (tx, rx) = bounded::<&str>(1);
    tx.try_send("hello").unwrap();
    let err = tx.try_send("fail").unwrap_err();
    assert!(err.is_full());
    assert_eq!(err.into_inner(), "fail");
    assert_eq!(rx.try_recv(), Ok("hello"));
    tx.try_send("goodbye").unwrap();
    drop(tx);
    assert_eq!(rx.try_recv(), Ok("goodbye"));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

#[test]
fn dropping_rx_closes_channel_and_drops_messages() {
    let msg = Arc::new(());
    let (tx, rx) = bounded::<Arc<()>>(100);
    tx.try_send(msg.clone()).unwrap();
    tx.try_send(msg.clone()).unwrap();
    assert_eq!(Arc::strong_count(&msg), 3);
    drop(rx);
    assert_eq!(Arc::strong_count(&msg), 1);
    assert!(tx.is_closed());
    assert!(tx.try_send(msg.clone()).unwrap_err().is_closed());
    assert_eq!(Arc::strong_count(&msg), 1);
}

#[test]
fn unconsumed_messages_are_dropped_with_the_channel() {
    for cap in [Some(1usize), Some(10), None] {
        let msg = Arc::new(());
        let (tx, rx) = support::channel::<Arc<()>>(cap);
        tx.try_send(msg.clone()).unwrap();
        assert_eq!(Arc::strong_count(&msg), 2);
        drop((tx, rx));
        assert_eq!(Arc::strong_count(&msg), 1);
    }
}

#[test]
fn blocking_recv_and_send_from_threads_against_async_side() {
    within(20, || {
        let (tx, rx) = bounded::<u8>(1);
        let h = thread::spawn(move || {
            assert_eq!(rx.recv_blocking(), Ok(10));
            assert_eq!(rx.recv_blocking(), Ok(11));
        });
        hoare::run(async move {
            tx.send(10).await.unwrap();
            tx.send(11).await.unwrap();
        });
        h.join().unwrap();
        let (tx, rx) = bounded::<u8>(1);
        let h = thread::spawn(move || {
            tx.send_blocking(10).unwrap();
            tx.send_blocking(11).unwrap();
        });
        hoare::run(async move {
            assert_eq!(rx.recv().await, Ok(10));
            assert_eq!(rx.recv().await, Ok(11));
            assert_eq!(rx.recv().await, Err(RecvError));
        });
        h.join().unwrap();
    });
}

#[test]
fn blocking_calls_inside_a_process_panic_pointing_to_await() {
    hoare::run(async {
        let (tx, rx) = bounded::<u8>(1);
        let h = hoare::spawn(async move {
            let _ = rx.recv_blocking();
        });
        let err = h.await.unwrap_err();
        assert!(err.is_panic());
        let msg = panic_message(&*err.into_panic());
        assert!(msg.contains(".await"), "message: {msg}");
        let h = hoare::spawn(async move {
            let _ = tx.send_blocking(1);
        });
        let msg = panic_message(&*h.await.unwrap_err().into_panic());
        assert!(msg.contains(".await"), "message: {msg}");
    });
}

#[test]
fn try_recv_close_while_empty() {
    for cap in [Some(0usize), Some(1), None] {
        let (tx, rx) = support::channel::<()>(cap);
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
        drop(tx);
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    }
}

#[test]
fn try_recv_unbounded_sequence() {
    let (tx, rx) = unbounded::<i32>();
    for i in 0..10 {
        tx.try_send(i).unwrap();
    }
    for i in 0..10 {
        assert_eq!(rx.try_recv(), Ok(i));
    }
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    tx.try_send(99).unwrap();
    drop(tx);
    assert_eq!(rx.try_recv(), Ok(99));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

#[test]
fn pending_recv_is_woken_by_close() {
    let (tx, rx) = bounded::<i32>(4);
    let mut fut = Box::pin(rx.recv());
    assert!(poll_once(&mut fut).is_pending());
    tx.close();
    assert_eq!(poll_once(&mut fut), Poll::Ready(Err(RecvError)));
}

#[test]
fn pending_send_is_woken_by_receiver_drop() {
    let (tx, rx) = bounded::<i32>(1);
    tx.try_send(1).unwrap();
    let mut fut = Box::pin(tx.send(2));
    assert!(poll_once(&mut fut).is_pending());
    drop(rx);
    assert_eq!(poll_once(&mut fut), Poll::Ready(Err(SendError(2))));
}

#[test]
fn dropped_pending_send_never_delivers_its_value() {
    for cap in [Some(0usize), Some(1)] {
        let drops = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = support::channel::<DropCounter>(cap);
        if cap == Some(1) {
            tx.try_send(DropCounter::new(0, &drops)).unwrap();
        }
        let mut fut = Box::pin(tx.send(DropCounter::new(1, &drops)));
        assert!(poll_once(&mut fut).is_pending());
        drop(fut);
        assert_eq!(
            drops.load(Ordering::SeqCst),
            1,
            "unsent value dropped with its future"
        );
        match rx.try_recv() {
            Ok(m) => assert_eq!(m.id, 0),
            Err(e) => assert!(e.is_empty()),
        }
        assert!(rx.try_recv().is_err());
    }
}

#[test]
fn works_inside_tokio_tasks() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        for cap in [Some(0usize), Some(1), None] {
            let (tx, rx) = support::channel::<usize>(cap);
            let h = tokio::spawn(async move {
                for i in 0..1000 {
                    tx.send(i).await.unwrap();
                }
            });
            for i in 0..1000 {
                assert_eq!(rx.recv().await, Ok(i));
            }
            assert_eq!(rx.recv().await, Err(RecvError));
            h.await.unwrap();
        }
    });
}

#[test]
fn many_senders_one_receiver_on_runtime() {
    hoare::run(async {
        let (tx, rx) = bounded::<(usize, usize)>(4);
        for p in 0..8 {
            let tx = tx.clone();
            hoare::spawn(async move {
                for i in 0..500 {
                    tx.send((p, i)).await.unwrap();
                }
            });
        }
        drop(tx);
        let mut last = [None::<usize>; 8];
        let mut n = 0;
        while let Ok((p, i)) = rx.recv().await {
            assert!(last[p].is_none_or(|l| l < i), "per-sender FIFO");
            last[p] = Some(i);
            n += 1;
        }
        assert_eq!(n, 8 * 500);
    });
}

#[test]
fn flume_try_send_on_rendezvous_with_pending_async_recv_in_process() {
    hoare::run(async {
        let (tx, rx) = bounded::<i32>(0);
        let (ready_tx, ready_rx) = bounded::<()>(1);
        let h = hoare::spawn(async move {
            ready_tx.send(()).await.unwrap();
            rx.recv().await
        });
        ready_rx.recv().await.unwrap();
        let mut v = 5;
        loop {
            match tx.try_send(v) {
                Ok(()) => break,
                Err(TrySendError::Full(back)) => {
                    v = back;
                    hoare::yield_now().await;
                }
                Err(TrySendError::Closed(_)) => panic!(),
            }
        }
        assert_eq!(h.await.unwrap(), Ok(5));
    });
}
