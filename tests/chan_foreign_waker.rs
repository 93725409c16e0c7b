//! Wakers are foreign code: a waiting operation re-polled with a new
//! waker clones it, and that clone may panic or send on the very channel
//! being waited on. Neither may wedge the channel or the thread.

mod support;

use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};

use hoare::chan::{self, Sender};
use support::within;

const NOOP: RawWakerVTable =
    RawWakerVTable::new(|p| RawWaker::new(p, &NOOP), |_| {}, |_| {}, |_| {});

/// A waker whose `clone` sends 1 on the `Sender<u8>` its data points at.
const SENDING: RawWakerVTable = RawWakerVTable::new(
    |data| {
        // SAFETY: `data` is a leaked `Sender<u8>` (below).
        let sender = unsafe { &*(data as *const Sender<u8>) };
        let _ = sender.try_send(1);
        RawWaker::new(data, &NOOP)
    },
    |_| {},
    |_| {},
    |_| {},
);

static PANIC_ON_CLONE: AtomicBool = AtomicBool::new(true);

/// A waker whose first `clone` panics.
const PANICKING: RawWakerVTable = RawWakerVTable::new(
    |data| {
        if PANIC_ON_CLONE.swap(false, Ordering::SeqCst) {
            panic!("a waker's clone panicked");
        }
        RawWaker::new(data, &NOOP)
    },
    |_| {},
    |_| {},
    |_| {},
);

fn noop_waker() -> Waker {
    // SAFETY: every function of `NOOP` does nothing with the data.
    unsafe { Waker::from_raw(RawWaker::new(std::ptr::null(), &NOOP)) }
}

#[test]
fn a_waker_whose_clone_sends_on_the_waited_channel_does_not_wedge_it() {
    within(10, || {
        let (tx, rx) = chan::bounded::<u8>(0);
        let sender: &'static Sender<u8> = Box::leak(Box::new(tx.clone()));
        // SAFETY: `SENDING` reads the data as the leaked sender and never
        // frees it.
        let sending = unsafe {
            Waker::from_raw(RawWaker::new(
                sender as *const Sender<u8> as *const (),
                &SENDING,
            ))
        };
        let mut recv = pin!(rx.recv());
        let first = recv.as_mut().poll(&mut Context::from_waker(&noop_waker()));
        assert!(first.is_pending(), "nothing was sent yet");
        // The re-poll stores the new waker, cloning it: the clone hands 1
        // to this very receive.
        let second = recv.as_mut().poll(&mut Context::from_waker(&sending));
        let third = recv.as_mut().poll(&mut Context::from_waker(&noop_waker()));
        assert!(
            matches!(
                (second, third),
                (Poll::Ready(Ok(1)), _) | (Poll::Pending, Poll::Ready(Ok(1)))
            ),
            "the value sent from the clone is received"
        );
    });
}

#[test]
fn a_waker_whose_clone_panics_leaves_the_channel_usable() {
    within(10, || {
        let (tx, rx) = chan::bounded::<u8>(0);
        // SAFETY: `PANICKING` never reads the data.
        let panicking = unsafe { Waker::from_raw(RawWaker::new(std::ptr::null(), &PANICKING)) };
        {
            let mut recv = Box::pin(rx.recv());
            let first = recv.as_mut().poll(&mut Context::from_waker(&noop_waker()));
            assert!(first.is_pending());
            let repoll = catch_unwind(AssertUnwindSafe(|| {
                recv.as_mut().poll(&mut Context::from_waker(&panicking))
            }));
            assert!(repoll.is_err(), "the clone's panic comes out of the poll");
            // Dropping the waiting receive withdraws it cleanly.
        }
        // The channel still works: a sender and a receiver meet.
        let sender = std::thread::spawn(move || tx.send_blocking(7));
        let received = rx.recv_blocking();
        let sent = sender.join();
        assert_eq!(
            (received, sent.map_err(|_| "the sender panicked")),
            (Ok(7), Ok(Ok(())))
        );
    });
}

/// A waker whose `wake` panics; its clones do too.
struct PanicsOnWake;

impl std::task::Wake for PanicsOnWake {
    fn wake(self: std::sync::Arc<Self>) {
        panic!("a waker's wake panicked");
    }
}

/// A waker that counts its wakes.
struct CountsWakes(std::sync::atomic::AtomicUsize);

impl std::task::Wake for CountsWakes {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// Whichever flavour, a close whose first wake-up panics still wakes
/// every other waiter (they are closed, and would otherwise sleep for
/// ever), then passes the panic on to the closer.
#[test]
fn a_panicking_wake_in_close_does_not_strand_the_other_waiters() {
    use std::sync::Arc;
    for capacity in [Some(0), Some(1), Some(3), None] {
        let (tx, rx) = match capacity {
            Some(n) => chan::bounded::<u8>(n),
            None => chan::unbounded::<u8>(),
        };
        let rx2 = rx.clone();
        let counter = Arc::new(CountsWakes(std::sync::atomic::AtomicUsize::new(0)));
        let bad = Waker::from(Arc::new(PanicsOnWake));
        let good = Waker::from(counter.clone());
        let mut first = Box::pin(rx.recv());
        let mut second = Box::pin(rx2.recv());
        assert!(first
            .as_mut()
            .poll(&mut Context::from_waker(&bad))
            .is_pending());
        assert!(second
            .as_mut()
            .poll(&mut Context::from_waker(&good))
            .is_pending());
        let mut closed = Box::pin(tx.closed());
        assert!(closed
            .as_mut()
            .poll(&mut Context::from_waker(&bad))
            .is_pending());
        let mut closed_too = Box::pin(tx.closed());
        assert!(closed_too
            .as_mut()
            .poll(&mut Context::from_waker(&good))
            .is_pending());
        let outcome = catch_unwind(AssertUnwindSafe(|| tx.close()));
        assert!(
            outcome.is_err(),
            "{capacity:?}: the wake's panic reaches the closer"
        );
        assert_eq!(
            counter.0.load(Ordering::SeqCst),
            2,
            "{capacity:?}: the other receive and the other `closed()` are woken"
        );
        let noop = noop_waker();
        let mut cx = Context::from_waker(&noop);
        assert!(matches!(second.as_mut().poll(&mut cx), Poll::Ready(Err(_))));
        assert!(closed_too.as_mut().poll(&mut cx).is_ready());
    }
}
