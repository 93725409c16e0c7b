//! Loom models of the channel flavours and the select commit.
//!
//! Each model drives the real channel code (compiled with `--cfg loom`, so
//! every atomic, lock and park goes through loom) and checks one invariant
//! over every interleaving loom explores within the preemption bound.
#![cfg(loom)]

use hoare::chan::{self, RecvError, TryRecvError};
use loom::thread;

/// Bounded(1), one sender sending two values, one receiver: both arrive, in
/// order, and neither side sleeps through the other's progress (a lost
/// wake-up would leave a thread parked forever, which loom reports as a
/// deadlock).
///
/// Shown able to fail (both tried): removing the `receivers.notify_one()`
/// call after a successful push in `array.rs`, or removing the two
/// `fence(SeqCst)` calls of `WaitQueue::register`/`notify_one`, makes loom
/// report both threads parked forever.
#[test]
fn bounded_one_spsc_no_lost_message_or_wakeup() {
    loom::model(|| {
        let (tx, rx) = chan::bounded::<u32>(1);
        let sender = thread::spawn(move || {
            tx.send_blocking(1).unwrap();
            tx.send_blocking(2).unwrap();
        });
        assert_eq!(rx.recv_blocking(), Ok(1));
        assert_eq!(rx.recv_blocking(), Ok(2));
        sender.join().unwrap();
        assert_eq!(rx.recv_blocking(), Err(RecvError));
    });
}

/// Rendezvous: a sender and a receiver meet exactly once, whichever
/// arrives first.
///
/// Shown able to fail: making `hand_to_receiver` skip the token claim
/// (`try_select`) lets a value be handed to a receiver that already left.
#[test]
fn rendezvous_meets_once() {
    loom::model(|| {
        let (tx, rx) = chan::bounded::<u32>(0);
        let sender = thread::spawn(move || tx.send_blocking(7));
        assert_eq!(rx.recv_blocking(), Ok(7));
        assert_eq!(sender.join().unwrap(), Ok(()));
    });
}

/// Unbounded: a send racing a waiting receiver is never missed.
#[test]
fn unbounded_send_wakes_waiting_receiver() {
    loom::model(|| {
        let (tx, rx) = chan::unbounded::<u32>();
        let sender = thread::spawn(move || tx.try_send(3).unwrap());
        assert_eq!(rx.recv_blocking(), Ok(3));
        sender.join().unwrap();
    });
}

/// Close racing a waiting receiver: the receiver wakes and sees either the
/// message sent before the close or the close itself; it never sleeps.
///
/// Shown able to fail: skipping `receivers.notify_all()` in
/// `array::Channel::close` leaves the receiver parked (loom deadlock).
#[test]
fn close_wakes_a_waiting_receiver() {
    loom::model(|| {
        let (tx, rx) = chan::bounded::<u32>(1);
        let closer = thread::spawn(move || {
            tx.close();
        });
        assert_eq!(rx.recv_blocking(), Err(RecvError));
        closer.join().unwrap();
    });
}

/// Dropping the last receiver while a sender pushes: every value that was
/// accepted is dropped exactly once (counted), none twice.
#[test]
fn last_receiver_drop_drops_buffered_values_once() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    struct Counted(Arc<AtomicUsize>);
    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    loom::model(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = chan::bounded::<Counted>(2);
        let sender = {
            let drops = drops.clone();
            thread::spawn(move || {
                let _ = tx.try_send(Counted(drops.clone()));
                let _ = tx.try_send(Counted(drops));
            })
        };
        drop(rx);
        sender.join().unwrap();
        assert_eq!(drops.load(Ordering::SeqCst), 2);
    });
}

/// Two selects race for one message on a bounded channel: exactly one of
/// them gets it, and the other sees the channel closed afterwards.
#[test]
fn two_selects_race_for_one_message() {
    loom::model(|| {
        let (tx, rx) = chan::bounded::<u32>(1);
        let rx2 = rx.clone();
        tx.try_send(5).unwrap();
        drop(tx);
        let other = thread::spawn(move || {
            hoare::block_on(async {
                hoare::select! { recv(rx2) -> m => m.ok() }
            })
        });
        let mine = hoare::block_on(async {
            hoare::select! { recv(rx) -> m => m.ok() }
        });
        let theirs = other.join().unwrap();
        assert_eq!(mine.into_iter().chain(theirs).collect::<Vec<_>>(), vec![5]);
    });
}

/// A sending select meets a receiving select on a rendezvous channel:
/// both complete, with the value.
#[test]
fn sending_select_meets_receiving_select() {
    loom::model(|| {
        let (tx, rx) = chan::bounded::<u32>(0);
        let sender = thread::spawn(move || {
            hoare::block_on(async {
                hoare::select! { send(tx, 9) -> r => r.is_ok() }
            })
        });
        let got = hoare::block_on(async {
            hoare::select! { recv(rx) -> m => m.unwrap() }
        });
        assert_eq!(got, 9);
        assert!(sender.join().unwrap());
    });
}

/// A rendezvous receive that is dropped while a sender hands it a value:
/// the value is received by the next receive, never lost.
///
/// Shown able to fail: dropping the value in `RecvArm::pass_on` instead of
/// calling `give_back` loses it in the interleaving where the hand-off
/// wins the race with the drop.
#[test]
fn dropped_rendezvous_receive_gives_the_value_back() {
    use std::future::Future;
    use std::pin::pin;
    use std::task::{Context, Waker};

    loom::model(|| {
        let (tx, rx) = chan::bounded::<u32>(0);
        let receiver = rx.clone();
        let waiter = thread::spawn(move || {
            let mut recv = pin!(receiver.recv());
            let mut cx = Context::from_waker(Waker::noop());
            // Register, then give up.
            let polled = recv.as_mut().poll(&mut cx);
            polled.is_ready()
        });
        let sent = tx.try_send(4).is_ok();
        let got_directly = waiter.join().unwrap();
        if sent && !got_directly {
            assert_eq!(
                rx.try_recv(),
                Ok(4),
                "the dropped receive's value stays in the channel"
            );
        } else {
            assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
        }
    });
}
