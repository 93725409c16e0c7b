//! The compact layouts of an idle process, on every path: the one-word
//! `Receiver` in each state (its stream registration boxed with the
//! channel's `Arc`), the task stage without a tag (abort racing
//! completion, panicking drops of a future or an output), and the join
//! waker in one word (a process's own waker, a foreign one, one dropped
//! while stored). CI runs it under valgrind.

use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use futures_core::stream::{FusedStream, Stream};
use hoare::chan::{self, Receiver};
use support::{counting_waker, CountingWaker};

mod support;

// ---- compile-time: Receiver's auto traits --------------------------------

fn assert_send<T: Send>() {}
fn assert_sync<T: Sync>() {}
fn assert_unpin<T: Unpin>() {}

/// Ambiguous (fails to compile) if the type is `Send`.
trait AmbiguousIfSend<A> {
    fn some_item() {}
}
impl<T: ?Sized> AmbiguousIfSend<()> for T {}
impl<T: ?Sized + Send> AmbiguousIfSend<u8> for T {}
/// Ambiguous (fails to compile) if the type is `Sync`.
trait AmbiguousIfSync<A> {
    fn some_item() {}
}
impl<T: ?Sized> AmbiguousIfSync<()> for T {}
impl<T: ?Sized + Sync> AmbiguousIfSync<u8> for T {}

#[test]
fn receiver_auto_traits_are_unchanged() {
    assert_send::<Receiver<u8>>();
    assert_sync::<Receiver<u8>>();
    assert_unpin::<Receiver<u8>>();
    assert_send::<Receiver<std::cell::Cell<u8>>>();
    assert_unpin::<Receiver<Rc<u8>>>();
    assert_unpin::<Receiver<std::marker::PhantomPinned>>();
    <Receiver<Rc<u8>> as AmbiguousIfSend<_>>::some_item();
    <Receiver<Rc<u8>> as AmbiguousIfSync<_>>::some_item();
    assert_send::<chan::IntoIter<u8>>();
}

// ---- Receiver: each state --------------------------------------------------

fn poll_next<T>(rx: &mut Receiver<T>, waker: &Waker) -> Poll<Option<T>> {
    Pin::new(rx).poll_next(&mut Context::from_waker(waker))
}

/// A receiver whose stream registration is kept (boxed).
fn streaming<T>(capacity: usize) -> (chan::Sender<T>, Receiver<T>, Arc<CountingWaker>, Waker) {
    let (tx, mut rx) = chan::bounded::<T>(capacity);
    let (c, w) = counting_waker();
    assert!(poll_next(&mut rx, &w).is_pending());
    (tx, rx, c, w)
}

#[test]
fn streaming_receiver_clone_drop_closes_once_for_each_flavour() {
    for capacity in [0, 1, 2, 3, 64] {
        let (tx, rx, c, _w) = streaming::<String>(capacity);
        let plain = rx.clone();
        assert!(plain.same_channel(&rx) && rx.same_channel(&plain));
        let dbg_s = format!("{rx:?}");
        let dbg_p = format!("{plain:?}");
        assert_eq!(dbg_s, dbg_p, "Debug of a streaming and a plain receiver");
        assert!(dbg_s.contains("id: "), "{dbg_s}");
        drop(rx); // withdraws the registration; channel stays open
        assert!(!tx.is_closed(), "capacity {capacity}");
        tx.try_send("a".to_string())
            .or_else(|e| if capacity == 0 { Ok(()) } else { Err(e) })
            .unwrap();
        assert_eq!(
            c.wakes.load(Ordering::SeqCst),
            0,
            "a dropped registration woken"
        );
        drop(plain);
        assert!(tx.is_closed(), "capacity {capacity}");
        assert!(tx.try_send("b".to_string()).is_err());
    }
}

#[test]
fn streaming_receiver_ends_and_is_terminated() {
    let (tx, mut rx, c, w) = streaming::<Box<u32>>(1);
    assert!(!rx.is_terminated());
    tx.try_send(Box::new(7)).unwrap();
    assert!(c.wakes.load(Ordering::SeqCst) >= 1);
    assert_eq!(poll_next(&mut rx, &w), Poll::Ready(Some(Box::new(7))));
    drop(tx);
    assert_eq!(poll_next(&mut rx, &w), Poll::Ready(None));
    assert!(rx.is_terminated());
    let clone = rx.clone();
    assert!(!clone.is_terminated(), "a clone starts its own stream");
    assert_eq!(rx.into_iter().count(), 0);
    drop(clone);
}

#[test]
fn streaming_receiver_into_iter_and_weak_sender() {
    let (tx, rx, _c, _w) = streaming::<Vec<u8>>(2);
    let weak = tx.downgrade();
    tx.try_send(vec![1]).unwrap();
    drop(tx);
    let strong = weak.upgrade();
    assert!(strong.is_none());
    let got: Vec<_> = rx.into_iter().collect();
    assert_eq!(got, vec![vec![1]]);
    assert!(weak.upgrade().is_none());
}

#[test]
fn streaming_receiver_moved_between_threads_while_registered() {
    for capacity in [0, 1, 2, 8] {
        let (tx, mut rx, c, w) = streaming::<Arc<u64>>(capacity);
        let value = Arc::new(5);
        let sender = {
            let value = value.clone();
            std::thread::spawn(move || tx.send_blocking(value).unwrap())
        };
        let got = std::thread::spawn(move || loop {
            match poll_next(&mut rx, &w) {
                Poll::Ready(v) => break (v, rx),
                Poll::Pending => std::thread::yield_now(),
            }
        })
        .join()
        .unwrap();
        sender.join().unwrap();
        assert_eq!(got.0.as_deref(), Some(&5));
        let _ = c;
        drop(got);
        assert_eq!(Arc::strong_count(&value), 1, "capacity {capacity}");
    }
}

#[test]
fn dropping_a_registered_stream_gives_back_a_handed_value() {
    // A rendezvous sender waiting while the stream is registered.
    for _ in 0..200 {
        let (tx, rx, _c, _w) = streaming::<Arc<u8>>(0);
        let value = Arc::new(1);
        let v2 = value.clone();
        let t = std::thread::spawn(move || tx.send_blocking(v2).is_ok());
        std::thread::yield_now();
        drop(rx);
        let _ = t.join().unwrap();
        assert_eq!(Arc::strong_count(&value), 1);
    }
}

// ---- tasks: the stage and the join waker ---------------------------------

struct PanicOnDrop(Arc<AtomicUsize>);
impl Drop for PanicOnDrop {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
        panic!("drop panics");
    }
}

fn pending_forever() -> impl Future<Output = ()> {
    poll_fn(|_| Poll::Pending)
}

async fn yield_now() {
    let mut yielded = false;
    poll_fn(|cx| {
        if yielded {
            Poll::Ready(())
        } else {
            yielded = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    })
    .await
}

#[test]
fn abort_with_a_panicking_future_drop_reports_the_panic() {
    let drops = Arc::new(AtomicUsize::new(0));
    let d = drops.clone();
    let err = hoare::run(async move {
        let guard = PanicOnDrop(d);
        let handle = hoare::spawn(async move {
            let _g = guard;
            pending_forever().await
        });
        yield_now().await;
        handle.abort();
        handle.await
    })
    .unwrap_err();
    assert!(err.is_panic(), "{err:?}");
    assert_eq!(drops.load(Ordering::SeqCst), 1);
}

#[test]
fn abort_racing_completion_many_times() {
    hoare::run(async {
        for i in 0..2000u64 {
            let output = Arc::new(i);
            let o = output.clone();
            let handle = hoare::spawn(async move {
                if i % 2 == 0 {
                    yield_now().await;
                }
                o
            });
            if i % 3 == 0 {
                yield_now().await;
            }
            handle.abort();
            match handle.await {
                Ok(o) => assert_eq!(*o, i),
                Err(e) => assert!(e.is_cancelled()),
            }
            assert_eq!(Arc::strong_count(&output), 1);
        }
    });
}

#[test]
fn output_whose_drop_panics_dropped_with_the_join_handle() {
    let drops = Arc::new(AtomicUsize::new(0));
    let d = drops.clone();
    hoare::run(async move {
        let handle = hoare::spawn(async move { PanicOnDrop(d) });
        while !handle.is_finished() {
            yield_now().await;
        }
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(handle)));
        assert!(r.is_err());
    });
    assert_eq!(drops.load(Ordering::SeqCst), 1);
    // And when nobody joins: the process drops it itself.
    let drops = Arc::new(AtomicUsize::new(0));
    let d = drops.clone();
    let d2 = drops.clone();
    // Waits as long as the process takes (under valgrind, seconds);
    // `within` fails the test rather than let it hang.
    support::within(120, move || {
        hoare::run(async move {
            let drops = d2;
            drop(hoare::spawn(async move {
                yield_now().await;
                PanicOnDrop(d)
            }));
            while drops.load(Ordering::SeqCst) == 0 {
                hoare::time::sleep(std::time::Duration::from_millis(1)).await;
            }
        })
    });
    assert_eq!(drops.load(Ordering::SeqCst), 1);
}

#[test]
fn join_waker_own_foreign_and_dropped_while_stored() {
    hoare::run(async {
        // A process awaiting another (own waker, unboxed).
        let (tx, rx) = chan::bounded::<u8>(0);
        let inner = hoare::spawn(async move { rx.recv().await.unwrap() });
        let outer = hoare::spawn(async move { inner.await.unwrap() + 1 });
        yield_now().await;
        yield_now().await;
        tx.send(4).await.unwrap();
        assert_eq!(outer.await.unwrap(), 5);

        // A wrapped waker (boxed), replaced by the own one, then the handle
        // dropped while the waker is stored, then the process completes.
        let (tx, rx) = chan::bounded::<u8>(0);
        let target = hoare::spawn(async move { rx.recv().await.unwrap() });
        let waiter = hoare::spawn(async move {
            let mut target = target;
            {
                let (_c, foreign) = counting_waker();
                let mut cx = Context::from_waker(&foreign);
                assert!(Pin::new(&mut target).poll(&mut cx).is_pending());
            }
            poll_fn(|cx| {
                let p = Pin::new(&mut target).poll(cx);
                assert!(p.is_pending());
                Poll::Ready(())
            })
            .await;
            drop(target);
        });
        waiter.await.unwrap();
        tx.send(1).await.unwrap();

        // Wake after completion through the stored own waker, JoinHandle
        // then dropped unread.
        let (tx, rx) = chan::bounded::<u8>(0);
        let target = hoare::spawn(async move { rx.recv().await.unwrap() });
        let waiter = hoare::spawn(async move {
            let mut target = target;
            let early = poll_fn(|cx| Poll::Ready(Pin::new(&mut target).poll(cx).is_ready())).await;
            if early {
                return;
            }
            yield_now().await;
            yield_now().await;
            yield_now().await;
            drop(target);
        });
        tx.send(2).await.unwrap();
        waiter.await.unwrap();
    });
}

#[test]
fn join_handle_awaited_by_a_foreign_executor() {
    let rt = hoare::Runtime::new().unwrap();
    let (tx, rx) = chan::bounded::<u8>(0);
    let handle = rt.spawn(async move { rx.recv().await.unwrap() });
    let t = std::thread::spawn(move || {
        // A minimal foreign executor: park until woken.
        struct Unpark(std::thread::Thread);
        impl Wake for Unpark {
            fn wake(self: Arc<Self>) {
                self.0.unpark()
            }
        }
        let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
        let mut cx = Context::from_waker(&waker);
        let mut handle = handle;
        loop {
            if let Poll::Ready(v) = Pin::new(&mut handle).poll(&mut cx) {
                break v.unwrap();
            }
            std::thread::park();
        }
    });
    std::thread::sleep(std::time::Duration::from_millis(20));
    tx.send_blocking(9).unwrap();
    assert_eq!(t.join().unwrap(), 9);
    drop(rt);
}

#[test]
fn spawn_blocking_joined_by_a_process_and_the_main_future() {
    hoare::run(async {
        let a = hoare::runtime::spawn_blocking(|| Arc::new(3u8));
        let b = hoare::spawn(async move { a.await.unwrap() });
        assert_eq!(*b.await.unwrap(), 3);
        let c = hoare::runtime::spawn_blocking(|| panic!("blocking panics"));
        let e: hoare::runtime::JoinError = c.await.unwrap_err();
        assert!(e.is_panic());
    });
}
