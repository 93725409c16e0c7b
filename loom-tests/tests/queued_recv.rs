//! Loom models of a plain `recv` future waiting inline on a ring
//! (`bounded(3)`) or a list (`unbounded()`): the future holds an inline
//! waiter, the channel's queue of waiting receives points at it, a send
//! notifies it and it receives from the channel (`Registration::Inline`
//! in `src/chan/waiter.rs`, `Buffered` in `src/chan/mod.rs`).
//!
//! Each model drives the real channel code and checks one invariant: a
//! notified receive that is dropped passes the notification on, its
//! withdrawal unlinks its own waiter only (a select waiting beside it
//! still gets the value), the newest waker is the one woken, a close
//! wakes a waiting receive, and a notified receive whose value was taken
//! by a faster one waits again. The waiter's drop asserts under loom that no
//! queue still points at it. The register-then-re-check race with a send
//! is covered by `channels::spsc_on_a_ring_of_three_no_lost_message_or_wakeup`
//! and `channels::unbounded_send_wakes_waiting_receiver`, whose
//! `recv_blocking` polls the same future.
#![cfg(loom)]

use std::future::Future;
use std::task::{Context, Poll, Waker};

use hoare::chan::{self, Receiver, RecvError, Sender};
use loom::thread;
use loom_tests::ThreadWaker;

/// A bounded ring of three, or an unbounded list.
#[derive(Clone, Copy)]
enum Flavour {
    Ring,
    List,
}

fn channel(flavour: Flavour) -> (Sender<u32>, Receiver<u32>) {
    match flavour {
        Flavour::Ring => chan::bounded(3),
        Flavour::List => chan::unbounded(),
    }
}

/// Two plain receives wait in one queue (both polled on this thread, the
/// first one first), and a send of 9 from another thread races the first
/// one's drop: the second gets 9. A first receive that the send notified
/// before its drop passes the notification on; otherwise this thread
/// sleeps on the second's waker beside the value. (Both register before
/// anything else runs, and no thread spins: with a `recv_blocking` in
/// another thread, whose spin yields, loom's longest executions on a ring
/// passed its limit of branches, with the waits before this protocol
/// too.)
fn dropped_plain_receive_beside_a_waiting_one(flavour: Flavour) {
    let (tx, rx) = channel(flavour);
    let (handle, waker) = ThreadWaker::for_current_thread();
    let mut first = Box::pin(rx.recv());
    let mut second = Box::pin(rx.recv());
    assert!(first
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
        .is_pending());
    let mut wakes = handle.wakes();
    assert!(second
        .as_mut()
        .poll(&mut Context::from_waker(&waker))
        .is_pending());
    let sender = {
        let tx = tx.clone();
        thread::spawn(move || tx.try_send(9).unwrap())
    };
    drop(first);
    let got = loop {
        handle.park_until(|handle| handle.wakes() > wakes);
        wakes = handle.wakes();
        if let Poll::Ready(got) = second.as_mut().poll(&mut Context::from_waker(&waker)) {
            break got;
        }
    };
    assert_eq!(got, Ok(9));
    sender.join().unwrap();
    drop(tx);
}

/// [`dropped_plain_receive_beside_a_waiting_one`] on a ring.
///
/// Shown able to fail: not passing the notification on in
/// `Buffered::cancel_recv` (its `ring.pass_on_recv()` removed) leaves the
/// second receive asleep beside the buffered value (loom deadlock).
#[test]
fn notified_plain_receive_on_a_ring_dropped_passes_the_wake_on() {
    loom::model(|| dropped_plain_receive_beside_a_waiting_one(Flavour::Ring));
}

/// [`dropped_plain_receive_beside_a_waiting_one`] on a list.
///
/// Shown able to fail: the same change for the list
/// (`list.pass_on_recv()` removed) (loom deadlock).
#[test]
fn notified_plain_receive_on_a_list_dropped_passes_the_wake_on() {
    loom::model(|| dropped_plain_receive_beside_a_waiting_one(Flavour::List));
}

/// A plain receive and a receiving select wait in one ring's queue, and
/// the plain one is dropped before the send: its withdrawal unlinks only
/// its own waiter, so the select still waits and gets the value.
///
/// Shown able to fail: making `WaitQueue::withdraw_inline` unlink every
/// entry (its `retain` keeping none) strands the select's registration,
/// and the select sleeps beside the value (loom deadlock).
#[test]
fn plain_receive_dropped_beside_a_waiting_select_strands_nobody() {
    loom::model(|| {
        let (tx, rx) = channel(Flavour::Ring);
        // Registered before the select starts.
        let mut plain = Box::pin(rx.recv());
        assert!(plain
            .as_mut()
            .poll(&mut Context::from_waker(Waker::noop()))
            .is_pending());
        let select = {
            let rx = rx.clone();
            thread::spawn(move || {
                hoare::block_on(async {
                    hoare::select! { recv(rx) -> m => m.unwrap() }
                })
            })
        };
        drop(plain);
        assert_eq!(tx.send_blocking(1), Ok(()));
        assert_eq!(select.join().unwrap(), 1);
    });
}

/// A plain receive waits with one waker and is polled again with a new
/// one while a send races it: the send wakes the newest waker (or the
/// second poll finds the value), so the owner that waits on the new
/// waker is never left asleep; the old waker is released.
///
/// Shown able to fail: making `InlineWaiter::keep_newest_waker` keep the
/// old waker (`replace_waker` skipped) wakes only the first waker, and
/// the thread parked on the new one sleeps beside the value (loom
/// deadlock).
#[test]
fn plain_receive_polled_with_a_new_waker_is_woken_through_it() {
    loom::model(|| {
        let (tx, rx) = channel(Flavour::List);
        let keep_open = tx.clone();
        let sender = thread::spawn(move || tx.try_send(8).unwrap());
        let (old_handle, old) = {
            // A waker on a thread that never parks on it: its wakes count.
            ThreadWaker::for_current_thread()
        };
        let (new_handle, new) = ThreadWaker::for_current_thread();
        let mut recv = Box::pin(rx.recv());
        let got = match recv.as_mut().poll(&mut Context::from_waker(&old)) {
            Poll::Ready(got) => got,
            Poll::Pending => {
                // Counted before each poll: a wake between the poll and
                // the park is not waited for again.
                let mut wakes = new_handle.wakes();
                let mut outcome = recv.as_mut().poll(&mut Context::from_waker(&new));
                while outcome.is_pending() {
                    new_handle.park_until(|handle| handle.wakes() > wakes);
                    wakes = new_handle.wakes();
                    outcome = recv.as_mut().poll(&mut Context::from_waker(&new));
                }
                match outcome {
                    Poll::Ready(got) => got,
                    Poll::Pending => unreachable!(),
                }
            }
        };
        assert_eq!(got, Ok(8));
        drop(recv);
        // Ours; the waiter's clone went to the send's wake or was
        // replaced and dropped.
        drop(old);
        sender.join().unwrap();
        assert!(
            old_handle.is_released(),
            "the replaced waker is dropped, not kept"
        );
        drop(keep_open);
    });
}

/// The close (the last sender's drop) wakes a plain receive waiting on a
/// list, which then fails: it never sleeps through the close.
///
/// Shown able to fail: making `Registration::claim` skip inline waiters
/// when the queue is closed (returning `None` for them) leaves the
/// receive parked (loom deadlock).
#[test]
fn close_wakes_a_plain_receive_waiting_on_a_list() {
    loom::model(|| {
        let (tx, rx) = channel(Flavour::List);
        let receiver = thread::spawn(move || rx.recv_blocking());
        drop(tx);
        assert_eq!(receiver.join().unwrap(), Err(RecvError));
    });
}

/// A plain receive that a send notified, but whose value a receive that
/// never waited took first (a `try_recv` on another thread), waits again
/// and gets the next value, or the close: it never sleeps beside a value.
/// Every value is received once. (The receive registers before anything
/// else runs.)
fn notified_receive_robbed_of_its_value_waits_again(flavour: Flavour) {
    let (tx, rx) = channel(flavour);
    let (handle, waker) = ThreadWaker::for_current_thread();
    let mut wakes = handle.wakes();
    let mut waiting = Box::pin(rx.recv());
    assert!(waiting
        .as_mut()
        .poll(&mut Context::from_waker(&waker))
        .is_pending());
    let sender = thread::spawn(move || {
        tx.try_send(1).unwrap();
        tx.try_send(2).unwrap();
    });
    let thief = {
        let rx = rx.clone();
        thread::spawn(move || rx.try_recv().ok())
    };
    let got = loop {
        handle.park_until(|handle| handle.wakes() > wakes);
        wakes = handle.wakes();
        if let Poll::Ready(got) = waiting.as_mut().poll(&mut Context::from_waker(&waker)) {
            break got;
        }
    };
    sender.join().unwrap();
    let stolen = thief.join().unwrap();
    drop(waiting);
    let left = rx.try_recv().ok();
    let mut all: Vec<u32> = [got.ok(), stolen, left].into_iter().flatten().collect();
    all.sort_unstable();
    assert_eq!(
        all,
        [1, 2],
        "received {got:?}, stolen {stolen:?}, left {left:?}"
    );
}

/// [`notified_receive_robbed_of_its_value_waits_again`] on a ring.
///
/// Shown able to fail: making a notified receive that finds the channel
/// empty return `Pending` without waiting again (in `poll_buffered_recv`)
/// leaves it asleep beside the second value (loom deadlock).
#[test]
fn notified_receive_on_a_ring_robbed_of_its_value_waits_again() {
    loom::model(|| notified_receive_robbed_of_its_value_waits_again(Flavour::Ring));
}

/// [`notified_receive_robbed_of_its_value_waits_again`] on a list.
///
/// Shown able to fail: the same change (loom deadlock).
#[test]
fn notified_receive_on_a_list_robbed_of_its_value_waits_again() {
    loom::model(|| notified_receive_robbed_of_its_value_waits_again(Flavour::List));
}
