//! Loom models of the channel flavours and the select commit.
//!
//! Each model drives the real channel code (compiled with `--cfg loom`, so
//! every atomic, lock and park goes through loom) and checks one invariant
//! over every interleaving loom explores within the preemption bound.
#![cfg(loom)]

use std::future::Future;
use std::pin::Pin;

use hoare::chan::{self, RecvError, SendError, Sender, TryRecvError};
use loom::thread;

/// A send of `value` on `tx` as a future: the plain one, or a select with
/// one send arm (which waits on a ring with a token and an entry where
/// the plain send waits inline).
fn sending(
    tx: &Sender<u32>,
    value: u32,
    select: bool,
) -> Pin<Box<dyn Future<Output = Result<(), SendError<u32>>> + '_>> {
    if select {
        Box::pin(async move {
            hoare::select! { send(tx, value) -> sent => sent }
        })
    } else {
        Box::pin(tx.send(value))
    }
}

/// Bounded(1), one sender sending two values, one receiver: both arrive, in
/// order, and neither side sleeps through the other's progress (a lost
/// wake-up would leave a thread parked forever, which loom reports as a
/// deadlock). `bounded(1)` is the locked flavour of `zero.rs` with a
/// buffer of one: the first value is buffered, waking a waiting receive,
/// the second waits for the first to leave.
///
/// Shown able to fail: dropping the wake-up of a send's notification of a
/// waiting receive (`send_locked` in `zero.rs`) leaves the receiver
/// parked (loom deadlock).
#[test]
fn bounded_one_spsc_no_lost_message_or_wakeup() {
    spsc_no_lost_message_or_wakeup(1);
}

/// [`bounded_one_spsc_no_lost_message_or_wakeup`] on `bounded(3)`, the
/// ring of `array.rs`.
///
/// Shown able to fail (both tried): removing the
/// `receivers.notify_one_after_seqcst_rmw()` call after a successful push
/// in `array.rs`, or removing the `fence(SeqCst)` that loom keeps in
/// `WaitQueue::notify_one_after_seqcst_rmw` (the send's claim of
/// `tail` stands in for it outside loom), makes loom report a thread
/// parked forever.
#[test]
fn spsc_on_a_ring_of_three_no_lost_message_or_wakeup() {
    spsc_no_lost_message_or_wakeup(3);
}

fn spsc_no_lost_message_or_wakeup(capacity: usize) {
    loom::model(move || {
        let (tx, rx) = chan::bounded::<u32>(capacity);
        // Kept open until both values are received: the close when the
        // sending thread ends would wake a receiver whose wake-up a send
        // lost, and hide the loss.
        let keep_open = tx.clone();
        let sender = thread::spawn(move || {
            tx.send_blocking(1).unwrap();
            tx.send_blocking(2).unwrap();
        });
        assert_eq!(rx.recv_blocking(), Ok(1));
        assert_eq!(rx.recv_blocking(), Ok(2));
        sender.join().unwrap();
        drop(keep_open);
        assert_eq!(rx.recv_blocking(), Err(RecvError));
    });
}

/// Rendezvous: a sender and a receiver meet exactly once, whichever
/// arrives first.
///
/// Shown able to fail: making a plain receive ignore a waiting sender
/// (`Rendezvous::poll_recv` skipping `take_from_sender`, so a receiver that
/// arrives second registers too) leaves both parked (loom deadlock).
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
///
/// Shown able to fail: skipping `receivers.notify_one()` after a push in
/// `list.rs` (the inline reservation of `Linked::try_send`, which this
/// one send takes) leaves the receiver parked (loom deadlock). The model keeps
/// a sender alive so that a close cannot wake the receiver instead.
#[test]
fn unbounded_send_wakes_waiting_receiver() {
    loom::model(|| {
        let (tx, rx) = chan::unbounded::<u32>();
        let sender = {
            let tx = tx.clone();
            thread::spawn(move || tx.try_send(3).unwrap())
        };
        assert_eq!(rx.recv_blocking(), Ok(3));
        sender.join().unwrap();
        drop(tx);
    });
}

/// Close racing a waiting receiver: the receiver wakes and sees either the
/// message sent before the close or the close itself; it never sleeps.
///
/// Shown able to fail: skipping the wake-up of a waiting plain receive in
/// `Rendezvous::close` (`zero.rs`, which `bounded(1)` uses) leaves the
/// receiver parked (loom deadlock).
#[test]
fn close_wakes_a_waiting_receiver() {
    close_wakes_a_waiting_receiver_with(1);
}

/// [`close_wakes_a_waiting_receiver`] on `bounded(3)`, a ring.
///
/// Shown able to fail: skipping `receivers.notify_all()` in
/// `array::Ring::close` leaves the receiver parked (loom deadlock).
#[test]
fn close_wakes_a_waiting_receiver_on_a_ring_of_three() {
    close_wakes_a_waiting_receiver_with(3);
}

fn close_wakes_a_waiting_receiver_with(capacity: usize) {
    loom::model(move || {
        let (tx, rx) = chan::bounded::<u32>(capacity);
        let closer = thread::spawn(move || {
            tx.close();
        });
        assert_eq!(rx.recv_blocking(), Err(RecvError));
        closer.join().unwrap();
    });
}

/// Dropping the last receiver while a sender pushes: every value that was
/// accepted is dropped exactly once (counted), none twice.
///
/// Shown able to fail: forgetting the buffer that
/// `Rendezvous::discard_all` took out (`zero.rs`, which `bounded(2)`
/// uses) instead of dropping it leaves a value undropped (the count).
#[test]
fn last_receiver_drop_drops_buffered_values_once() {
    last_receiver_drop_drops_buffered_values_once_with(2);
}

/// [`last_receiver_drop_drops_buffered_values_once`] on `bounded(3)`, a
/// ring.
///
/// Shown able to fail: not storing the advanced `head` at the end of
/// `array::Ring::discard_all` makes the channel's `Drop` drop the
/// discarded values again (a double drop: the model run aborts, in the
/// allocator or on the failed count).
#[test]
fn last_receiver_drop_drops_buffered_values_once_on_a_ring_of_three() {
    last_receiver_drop_drops_buffered_values_once_with(3);
}

fn last_receiver_drop_drops_buffered_values_once_with(capacity: usize) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    struct Counted(Arc<AtomicUsize>);
    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    loom::model(move || {
        let drops = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = chan::bounded::<Counted>(capacity);
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
///
/// On `bounded(1)`, the locked flavour of `zero.rs`.
#[test]
fn two_selects_race_for_one_message() {
    two_selects_race_for_one_message_with(1);
}

/// [`two_selects_race_for_one_message`] on `bounded(3)`, a ring.
///
/// Shown able to fail: replacing the compare-and-swap on `head` in
/// `array::Ring::pop` by a plain store lets both selects take the
/// message (the model's assertion).
#[test]
fn two_selects_race_for_one_message_on_a_ring_of_three() {
    two_selects_race_for_one_message_with(3);
}

fn two_selects_race_for_one_message_with(capacity: usize) {
    loom::model(move || {
        let (tx, rx) = chan::bounded::<u32>(capacity);
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
///
/// Shown able to fail: making `zero.rs`'s `register_recv` and
/// `register_send` ignore a waiting counterpart (so both sides register
/// and wait) leaves both parked (loom deadlock).
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

/// A receiving select on a rendezvous channel that is dropped while a
/// sender hands it a value: the value is received by the next receive,
/// never lost. (The plain receive's version of this race is
/// `inline_waiter::dropped_plain_receive_gives_the_value_back`.)
///
/// Shown able to fail: dropping the value in `RecvArm::pass_on` instead of
/// calling `give_back` loses it in the interleaving where the hand-off
/// wins the race with the drop.
#[test]
fn dropped_rendezvous_receive_gives_the_value_back() {
    use std::pin::pin;
    use std::task::{Context, Waker};

    loom::model(|| {
        let (tx, rx) = chan::bounded::<u32>(0);
        let receiver = rx.clone();
        let waiter = thread::spawn(move || {
            let mut select = hoare::Select::new();
            select.recv(&receiver);
            let mut recv = pin!(select.select());
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

/// A `send_blocking` on a full bounded channel first tries again
/// (`BLOCKING_SPINS`, one extra try under loom), handing its value back
/// from a failed try to the next, then waits, and is woken by the receive
/// that makes room (which moves its value into the ring); the receiver's
/// `recv_blocking` spins and waits the same way. The value arrives exactly
/// once, after the one that was there, and neither side sleeps through the
/// other's progress.
///
/// On `bounded(1)` (the locked flavour of `zero.rs`), the receive moves
/// the waiting sender's offer into the freed place and wakes it.
///
/// Shown able to fail, three ways: dropping the wake-up of the sender
/// whose offer a receive moved into the freed place (`receive_locked` in
/// `zero.rs`) leaves the sender parked (loom deadlock); making
/// `spin_send` treat a full channel as a closed one (its `Full` arm
/// answering `Ok(Err(SendError(back)))`) makes the sender report a closed
/// channel (the model's assertion); making `spin_recv` take its
/// lock-free look at an empty buffer (`looks_empty`) for a closed channel
/// (`TryRecvError::Closed` for `Empty`) makes the receiver report a
/// closed channel.
#[test]
fn waiting_sender_on_a_full_channel_is_woken_by_a_receive() {
    waiting_sender_on_a_full_channel_is_woken_by_a_receive_with(1);
}

/// [`waiting_sender_on_a_full_channel_is_woken_by_a_receive`] on
/// `bounded(3)`, a ring.
///
/// Shown able to fail: skipping the hand-off to a waiting sender after a
/// receive (`self.hand_off_from_sender()` in `Ring::try_recv`) leaves the
/// sender parked (loom deadlock). So does a send whose offer was moved
/// into the ring that stays pending at its next poll (`poll_ring_send`'s
/// `Observed::Done` branch returning `Poll::Pending`).
#[test]
fn waiting_sender_on_a_full_ring_of_three_is_woken_by_a_receive() {
    waiting_sender_on_a_full_channel_is_woken_by_a_receive_with(3);
}

fn waiting_sender_on_a_full_channel_is_woken_by_a_receive_with(capacity: usize) {
    loom::model(move || {
        let (tx, rx) = chan::bounded::<u32>(capacity);
        let full: Vec<u32> = (1..=capacity as u32).collect();
        for &value in &full {
            tx.try_send(value).unwrap();
        }
        let last = capacity as u32 + 1;
        let sender = thread::spawn(move || tx.send_blocking(last));
        for value in full.into_iter().chain([last]) {
            assert_eq!(rx.recv_blocking(), Ok(value));
        }
        assert_eq!(sender.join().unwrap(), Ok(()));
    });
}

/// A receive frees the place of a full `bounded(1)` (the locked flavour
/// of `zero.rs`) while a sender waits: the sender completes without any
/// further receive (the freed place went to it: the channel's contract
/// leaves no free room beside a waiting sender), and its value is the
/// next one received.
///
/// Shown able to fail: skipping the refill in `receive_locked` (no
/// waiting sender taken after a buffered value leaves) leaves the sender
/// parked while the main thread joins it (loom deadlock).
#[test]
fn freed_place_is_refilled_from_the_waiting_sender() {
    loom::model(|| {
        let (tx, rx) = chan::bounded::<u32>(1);
        tx.try_send(1).unwrap();
        let sender = {
            let tx = tx.clone();
            thread::spawn(move || tx.send_blocking(2))
        };
        assert_eq!(rx.recv_blocking(), Ok(1));
        assert_eq!(sender.join().unwrap(), Ok(()));
        assert_eq!(rx.try_recv(), Ok(2));
        drop(tx);
    });
}

/// Unbounded: two sends and the drop of the only sender (which closes the
/// channel) race a receiver that waits: it gets both values, in order,
/// then sees the close; it never sleeps through any of the three.
///
/// Shown able to fail: skipping `receivers.notify_all()` in
/// `list::Linked::close` leaves the receiver parked after the last value
/// (loom deadlock).
#[test]
fn unbounded_send_recv_and_close_lose_nothing() {
    loom::model(|| {
        let (tx, rx) = chan::unbounded::<u32>();
        let sender = thread::spawn(move || {
            tx.try_send(1).unwrap();
            tx.try_send(2).unwrap();
        });
        let got: Vec<u32> = std::iter::from_fn(|| rx.recv_blocking().ok()).collect();
        assert_eq!(got, vec![1, 2]);
        sender.join().unwrap();
    });
}

/// A send future waiting on a full channel is dropped while a receive
/// frees the slot and moves the first waiting sender's value into it: the
/// dropped send's value arrives exactly once or not at all (never half),
/// and the other waiting sender is not stranded: its value arrives too.
/// On a ring the plain send waits inline, in the ring's queue of senders;
/// its drop unlinks it under that queue's lock.
#[test]
fn dropped_send_future_passes_its_wake_up_on_a_ring_of_three() {
    dropped_send_future_passes_its_wake_up_on_with(3, false);
}

/// [`dropped_send_future_passes_its_wake_up_on_a_ring_of_three`] with a
/// select's send, which waits on the ring with a token and an entry.
///
/// Shown able to fail: skipping `WaitQueue::sync` in `Ring::offer_left`
/// (before `SendArm::finish` reads its slot) makes loom report the owner
/// reading the slot while the receive is still moving the value (a
/// causality violation on the slot's cell).
#[test]
fn dropped_select_send_passes_its_wake_up_on_a_ring_of_three() {
    dropped_send_future_passes_its_wake_up_on_with(3, true);
}

/// [`dropped_send_future_passes_its_wake_up_on_a_ring_of_three`] on
/// `bounded(1)`, the locked flavour of `zero.rs`, where the send waits
/// inline and its drop unlinks it under the lock.
#[test]
fn dropped_send_future_passes_its_wake_up_on() {
    dropped_send_future_passes_its_wake_up_on_with(1, false);
}

fn dropped_send_future_passes_its_wake_up_on_with(capacity: usize, select: bool) {
    use std::task::{Context, Waker};

    loom::model(move || {
        let (tx, rx) = chan::bounded::<u32>(capacity);
        let full: Vec<u32> = std::iter::once(1).chain(10..9 + capacity as u32).collect();
        for &value in &full {
            tx.try_send(value).unwrap();
        }
        let mut send = sending(&tx, 2, select);
        assert!(send
            .as_mut()
            .poll(&mut Context::from_waker(Waker::noop()))
            .is_pending());
        let waiter = {
            let tx = tx.clone();
            thread::spawn(move || tx.send_blocking(3))
        };
        let receiver = thread::spawn(move || {
            let mut got = Vec::new();
            while got.last() != Some(&3) {
                got.push(rx.recv_blocking().unwrap());
            }
            got
        });
        drop(send);
        let got = receiver.join().unwrap();
        let without: Vec<u32> = full.iter().copied().chain([3]).collect();
        let with: Vec<u32> = full.iter().copied().chain([2, 3]).collect();
        assert!(got == without || got == with, "{got:?}");
        assert_eq!(waiter.join().unwrap(), Ok(()));
    });
}

/// A select waiting to receive, dropped while a send selects it, passes
/// the wake-up on to the other waiting receiver, which gets the message
/// (on `bounded(1)`, the locked flavour of `zero.rs`: the send buffers the
/// value and selects the select's entry with nothing in it, and the
/// select's drop passes the notification on to the next waiting receive).
///
/// Shown able to fail: making `RecvArm::pass_on` do nothing for a selected
/// entry of the locked flavour loses the value; the other receiver sleeps
/// forever (loom deadlock).
#[test]
fn select_dropped_while_being_completed_passes_the_wake_up_on() {
    select_dropped_while_being_completed_passes_the_wake_up_on_with(1);
}

/// [`select_dropped_while_being_completed_passes_the_wake_up_on`] on
/// `bounded(3)`, the padded ring layout.
///
/// Shown able to fail: making `RecvArm::pass_on` do nothing for the padded
/// ring (loom deadlock).
#[test]
fn select_dropped_while_being_completed_passes_the_wake_up_on_a_ring_of_three() {
    select_dropped_while_being_completed_passes_the_wake_up_on_with(3);
}

fn select_dropped_while_being_completed_passes_the_wake_up_on_with(capacity: usize) {
    use std::task::{Context, Waker};

    loom::model(move || {
        let (tx, rx) = chan::bounded::<u32>(capacity);
        let selecting = rx.clone();
        let mut select = Box::pin(async move {
            hoare::select! { recv(selecting) -> m => m.ok() }
        });
        assert!(select
            .as_mut()
            .poll(&mut Context::from_waker(Waker::noop()))
            .is_pending());
        let receiver = thread::spawn(move || rx.recv_blocking());
        // Keep a sender alive: a close would wake the receiver anyway.
        let sender = {
            let tx = tx.clone();
            thread::spawn(move || tx.try_send(5).unwrap())
        };
        drop(select);
        assert_eq!(receiver.join().unwrap(), Ok(5));
        sender.join().unwrap();
        drop(tx);
    });
}

/// Two rendezvous channels get a sender each at once while one select
/// waits on both: exactly one arm fires; the other sender's value stays
/// with it and is received afterwards, so each value arrives once.
///
/// A select's arm order is drawn from the thread's random source, which
/// is seeded with a constant under loom so that every execution of a
/// model makes the same choice (loom replays executions and needs them
/// deterministic). That fixes one order for the unbiased select; the two
/// `biased` models below cover each written order, so both orders of
/// trying and registering the arms are explored.
///
/// Shown able to fail: making `zero.rs` hand a value to a waiting
/// receiver without claiming its token (ignoring a failed `try_select`)
/// lets both senders complete the one select; the second receive then
/// gets nothing (the model's assertion).
#[test]
fn exactly_one_arm_fires_when_two_channels_get_a_message() {
    exactly_one_arm_fires(Order::Random);
}

/// [`exactly_one_arm_fires_when_two_channels_get_a_message`] with the arms
/// tried and registered in written order, `a` first.
#[test]
fn exactly_one_arm_fires_when_two_channels_get_a_message_biased_a_first() {
    exactly_one_arm_fires(Order::AFirst);
}

/// [`exactly_one_arm_fires_when_two_channels_get_a_message`] with the arms
/// tried and registered in written order, `b` first.
#[test]
fn exactly_one_arm_fires_when_two_channels_get_a_message_biased_b_first() {
    exactly_one_arm_fires(Order::BFirst);
}

/// How the select of [`exactly_one_arm_fires`] orders its arms.
#[derive(Clone, Copy)]
enum Order {
    Random,
    AFirst,
    BFirst,
}

fn exactly_one_arm_fires(order: Order) {
    loom::model(move || {
        let (tx_a, rx_a) = chan::bounded::<u32>(0);
        let (tx_b, rx_b) = chan::bounded::<u32>(0);
        let sender_a = thread::spawn(move || tx_a.send_blocking(1));
        let sender_b = thread::spawn(move || tx_b.send_blocking(2));
        let (arm, value) = hoare::block_on(async {
            match order {
                Order::Random => hoare::select! {
                    recv(rx_a) -> m => (0, m.unwrap()),
                    recv(rx_b) -> m => (1, m.unwrap()),
                },
                Order::AFirst => hoare::select! {
                    biased;
                    recv(rx_a) -> m => (0, m.unwrap()),
                    recv(rx_b) -> m => (1, m.unwrap()),
                },
                Order::BFirst => hoare::select! {
                    biased;
                    recv(rx_b) -> m => (1, m.unwrap()),
                    recv(rx_a) -> m => (0, m.unwrap()),
                },
            }
        });
        assert_eq!(value, arm + 1);
        let other = if arm == 0 {
            rx_b.recv_blocking()
        } else {
            rx_a.recv_blocking()
        };
        assert_eq!(other, Ok(2 - arm));
        assert_eq!(sender_a.join().unwrap(), Ok(()));
        assert_eq!(sender_b.join().unwrap(), Ok(()));
    });
}

/// A receive frees the slot of a full `bounded(1)` while one sender waits
/// and another tries a send that never waits: the freed slot goes to the
/// waiting sender (the receive moves its value in; the fresh `try_send`
/// gets the slot only if it came between the receive and the move), the
/// waiting sender is never stranded (it completes as soon as the buffer
/// has room for it), and every accepted value is received exactly once.
///
/// Shown able to fail: dropping the offer that a receive took from the
/// waiting sender to refill the freed place (`receive_locked` in
/// `zero.rs`, which `bounded(1)` uses) loses the waiting sender's value,
/// and the final comparison fails.
#[test]
fn freed_slot_goes_to_the_waiting_sender_and_strands_nobody() {
    freed_slot_goes_to_the_waiting_sender_and_strands_nobody_with(1, false);
}

/// [`freed_slot_goes_to_the_waiting_sender_and_strands_nobody`] on
/// `bounded(3)`, a ring, where the plain send waits inline.
///
/// Shown able to fail: forgetting a waiting send whose offer the
/// refilled ring refused (`WaitQueue::hand_off_first` dropping its
/// pointer instead of queueing it again at the front) leaves the send
/// pending beside a free place (the model's expectation that a waiting
/// sender is pending only while the buffer is full).
#[test]
fn freed_slot_of_a_ring_of_three_goes_to_the_waiting_sender_and_strands_nobody() {
    freed_slot_goes_to_the_waiting_sender_and_strands_nobody_with(3, false);
}

/// [`freed_slot_of_a_ring_of_three_goes_to_the_waiting_sender_and_strands_nobody`]
/// with a select's send (a token and an entry).
///
/// Shown able to fail: dropping the value when the refilled ring refuses
/// it in `WaitQueue::hand_off_first` (instead of putting it back in the
/// entry) loses the waiting sender's value, and the final comparison
/// fails.
#[test]
fn freed_slot_of_a_ring_of_three_goes_to_the_waiting_select_send_and_strands_nobody() {
    freed_slot_goes_to_the_waiting_sender_and_strands_nobody_with(3, true);
}

fn freed_slot_goes_to_the_waiting_sender_and_strands_nobody_with(capacity: usize, select: bool) {
    use std::task::{Context, Poll, Waker};

    loom::model(move || {
        let (tx, rx) = chan::bounded::<u32>(capacity);
        let full: Vec<u32> = std::iter::once(0).chain(10..9 + capacity as u32).collect();
        for &value in &full {
            tx.try_send(value).unwrap();
        }
        let mut waiting = sending(&tx, 1, select);
        let mut poll = move || {
            waiting
                .as_mut()
                .poll(&mut Context::from_waker(Waker::noop()))
        };
        assert!(poll().is_pending());
        let fresh = {
            let tx = tx.clone();
            thread::spawn(move || tx.try_send(2).is_ok())
        };
        let receiver = {
            let rx = rx.clone();
            thread::spawn(move || rx.try_recv())
        };
        let fresh_ok = fresh.join().unwrap();
        let mut got = vec![receiver.join().unwrap().unwrap()];
        loop {
            match poll() {
                Poll::Ready(sent) => {
                    sent.unwrap();
                    break;
                }
                Poll::Pending => got.push(
                    rx.try_recv()
                        .expect("a waiting sender is pending only while the buffer is full"),
                ),
            }
        }
        got.extend(std::iter::from_fn(|| rx.try_recv().ok()));
        let mut expected = full.clone();
        expected.push(1);
        if fresh_ok {
            expected.push(2);
        }
        got.sort_unstable();
        expected.sort_unstable();
        assert_eq!(got, expected);
        assert_eq!(tx.try_send(3), Ok(()), "no promise outlives its sender");
    });
}

/// Two senders wait on a full `bounded(1)`, A registered before B, while a
/// receive frees the slot and a fresh `try_send` races for it. Whether the
/// receive moved A's value into the freed slot or the fresh send took the
/// slot first (A then finds its value still offered and waits again), A
/// keeps its place: its value is received before B's (the channel contract: waiting
/// senders are served in the order they started waiting).
///
/// On `bounded(1)` (the locked flavour of `zero.rs`) the receive refills
/// the freed place under the lock, so no send can take it in between.
///
/// Shown able to fail: a receive refilling the freed place from the
/// newest waiting sender (`take_from_sender` popping the back of the
/// queue) receives B's value before A's (the order assertion).
#[test]
fn a_sender_whose_hand_off_failed_keeps_its_place() {
    a_sender_whose_hand_off_failed_keeps_its_place_with(1, false, false);
}

/// [`a_sender_whose_hand_off_failed_keeps_its_place`] on `bounded(3)`, a
/// ring, where a fresh send can take the freed slot before the receive
/// moves A's value in. A and B are plain sends, waiting inline; the
/// queue keeps A at its front when its offer is refused
/// ([`a_plain_send_whose_offer_was_refused_keeps_its_place_before_a_select`]
/// shows that step able to fail).
#[test]
fn a_sender_whose_hand_off_failed_on_a_ring_of_three_keeps_its_place() {
    a_sender_whose_hand_off_failed_keeps_its_place_with(3, false, false);
}

/// [`a_sender_whose_hand_off_failed_on_a_ring_of_three_keeps_its_place`]
/// with A a select's send: its entry is selected with the offer put back,
/// and the select registers again, first in line.
///
/// Shown able to fail: the select's send registering again at the back
/// of the queue (`first_in_line` false in `SendArm`), behind B, lets B's
/// value in first (the order assertion).
#[test]
fn a_select_send_whose_hand_off_failed_on_a_ring_of_three_keeps_its_place() {
    a_sender_whose_hand_off_failed_keeps_its_place_with(3, true, false);
}

/// A plain send A waits on a full ring, then a select's send B; a receive
/// frees a place while a send that never waits races for it. If the fresh
/// send takes the place first, A's offer goes back to A, which stays
/// first in line without being woken: either way A's value is received
/// before B's (waiting senders are served in the order they started
/// waiting), and every accepted value arrives once.
///
/// Shown able to fail: putting a waiter whose offer was refused back at
/// the end of the queue (`push_back` for the `push_front` in
/// `WaitQueue::hand_off_first`) lets B's value in before A's (the order
/// assertion).
#[test]
fn a_plain_send_whose_offer_was_refused_keeps_its_place_before_a_select() {
    a_sender_whose_hand_off_failed_keeps_its_place_with(3, false, true);
}

/// The order model: A (a select's send if `a_select`) waits on a full
/// `bounded(capacity)`, then B (a select's send if `b_select`).
fn a_sender_whose_hand_off_failed_keeps_its_place_with(
    capacity: usize,
    a_select: bool,
    b_select: bool,
) {
    use std::task::{Context, Poll, Waker};

    loom::model(move || {
        let (tx, rx) = chan::bounded::<u32>(capacity);
        let full: Vec<u32> = std::iter::once(0).chain(10..9 + capacity as u32).collect();
        for &value in &full {
            tx.try_send(value).unwrap();
        }
        let mut a = sending(&tx, 1, a_select);
        let mut b = sending(&tx, 2, b_select);
        let mut cx = Context::from_waker(Waker::noop());
        assert!(a.as_mut().poll(&mut cx).is_pending());
        assert!(b.as_mut().poll(&mut cx).is_pending());
        let fresh = {
            let tx = tx.clone();
            thread::spawn(move || tx.try_send(3).is_ok())
        };
        let receiver = {
            let rx = rx.clone();
            thread::spawn(move || rx.try_recv())
        };
        let fresh_ok = fresh.join().unwrap();
        let mut got = vec![receiver.join().unwrap().unwrap()];
        let (mut a_done, mut b_done) = (false, false);
        loop {
            if !a_done {
                if let Poll::Ready(sent) = a.as_mut().poll(&mut cx) {
                    sent.unwrap();
                    a_done = true;
                }
            }
            if !b_done {
                if let Poll::Ready(sent) = b.as_mut().poll(&mut cx) {
                    sent.unwrap();
                    b_done = true;
                }
            }
            match rx.try_recv() {
                Ok(value) => got.push(value),
                Err(_) if a_done && b_done => break,
                Err(_) => {}
            }
        }
        let position = |value| got.iter().position(|&got| got == value);
        assert!(position(1) < position(2), "A waited first: {got:?}");
        assert_eq!(position(3).is_some(), fresh_ok, "{got:?}");
        assert_eq!(got.len(), full.len() + 2 + usize::from(fresh_ok), "{got:?}");
    });
}

/// A wait's token is kept as the thread's spare once nothing else refers
/// to it, and reused, reset, by the thread's next wait. Two rendezvous
/// channels: a select on A and B is completed by a send on B (whose
/// sender may still hold the select's entry while it wakes it); the same
/// thread then sends on A, and its hand-off may pop the select's stale
/// registration on A before the select withdraws it (its claim fails).
/// The next wait of the select's thread, a one-arm select receiving on A
/// awaited with the thread's waker (a select, because a plain receive on
/// a rendezvous channel waits inline and takes no token), reuses the spare
/// when the select's token was unique: it is completed by the send on A
/// through its own entry and woken through the waker it set; the value is
/// received and nobody sleeps forever.
///
/// Shown able to fail: making `Token::acquire` reuse the spare without
/// storing the new waker (the recycled token keeps none) leaves the
/// receive on A parked after the send completed it (loom deadlock). Not
/// written as a mutation: recycling a token that is still shared (no
/// `Arc::get_mut` check; it needs more than a one-line change). A
/// counterpart claims a token only under the lock of the queue that holds
/// its registration, which the owner takes to withdraw it, so a late
/// holder could only wake the reused token; but the token's waker lives in
/// a plain cell, which that late `wake` would take while the next wait's
/// `acquire` writes it: `get_mut` is what keeps the two apart (waker rule
/// 1 in `chan/waiter.rs`).
#[test]
fn recycled_token_is_never_completed_through_a_stale_registration() {
    loom::model(|| {
        let (tx_a, rx_a) = chan::bounded::<u32>(0);
        let (tx_b, rx_b) = chan::bounded::<u32>(0);
        let sender = thread::spawn(move || {
            tx_b.send_blocking(2).unwrap();
            tx_a.send_blocking(1).unwrap();
        });
        let first = hoare::block_on(async {
            hoare::select! {
                recv(rx_a) -> m => m.unwrap(),
                recv(rx_b) -> m => m.unwrap(),
            }
        });
        assert_eq!(first, 2, "the send on A comes after the one on B");
        let second = hoare::block_on(async {
            hoare::select! { recv(rx_a) -> m => m }
        });
        assert_eq!(second, Ok(1));
        sender.join().unwrap();
    });
}

/// On `bounded(1)` (the locked flavour of `zero.rs`), a value is buffered
/// and a plain receive waits or arrives while the channel closes: the
/// receive gets the value buffered before the close, never
/// `Err(RecvError)` first; the next receive fails.
#[test]
fn close_keeps_the_buffered_value_for_a_waiting_receiver_on_bounded_one() {
    loom::model(|| {
        let (tx, rx) = chan::bounded::<u32>(1);
        let receiver = {
            let rx = rx.clone();
            thread::spawn(move || rx.recv_blocking())
        };
        tx.try_send(5).unwrap();
        tx.close();
        assert_eq!(receiver.join().unwrap(), Ok(5));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    });
}

/// On a full `bounded(1)` (the locked flavour of `zero.rs`) a plain send
/// waits while a receive frees the place and the channel closes: the
/// send either had its offer moved into the freed place (it sent, and
/// the value is received after the buffered one) or fails with its value;
/// the value buffered before the close is received either way.
#[test]
fn close_with_a_value_buffered_and_a_sender_waiting_loses_nothing_on_bounded_one() {
    loom::model(|| {
        let (tx, rx) = chan::bounded::<u32>(1);
        tx.try_send(1).unwrap();
        let sender = {
            let tx = tx.clone();
            thread::spawn(move || tx.send_blocking(2))
        };
        let closer = {
            let tx = tx.clone();
            thread::spawn(move || {
                tx.close();
            })
        };
        assert_eq!(rx.recv_blocking(), Ok(1));
        closer.join().unwrap();
        let sent = sender.join().unwrap();
        let rest: Vec<u32> = std::iter::from_fn(|| rx.try_recv().ok()).collect();
        match sent {
            Ok(()) => assert_eq!(rest, [2]),
            Err(back) => {
                assert_eq!(back.0, 2);
                assert!(rest.is_empty(), "{rest:?}");
            }
        }
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    });
}

/// On a full `bounded(1)` (the locked flavour of `zero.rs`) a select's
/// send arm waits; the receive that frees the place moves the arm's offer
/// into it and completes the select (Go's rule), so the next receive gets
/// the select's value and the select reports it sent.
///
/// Shown able to fail: the refill's wake-up dropped (`receive_locked`
/// dropping the sender it completed) leaves the select asleep (loom
/// deadlock).
#[test]
fn freed_place_is_refilled_from_a_waiting_select_send() {
    loom::model(|| {
        let (tx, rx) = chan::bounded::<u32>(1);
        tx.try_send(1).unwrap();
        let selecting = tx.clone();
        let select = thread::spawn(move || {
            hoare::block_on(async move {
                hoare::select! { send(selecting, 2) -> sent => sent.is_ok() }
            })
        });
        assert_eq!(rx.recv_blocking(), Ok(1));
        assert_eq!(rx.recv_blocking(), Ok(2));
        assert!(select.join().unwrap(), "the select's send completed");
        drop(tx);
        assert_eq!(rx.recv_blocking(), Err(RecvError));
    });
}

/// `bounded(2)` (the locked flavour of `zero.rs`) has two places: two
/// sends complete without waiting while a receive waits or races them,
/// and the receive gets both values in the order sent.
#[test]
fn bounded_two_takes_two_values_without_waiting_and_keeps_their_order() {
    loom::model(|| {
        let (tx, rx) = chan::bounded::<u32>(2);
        let receiver = thread::spawn(move || {
            let first = rx.recv_blocking();
            let second = rx.recv_blocking();
            (first, second)
        });
        assert!(tx.try_send(1).is_ok(), "the first of two places");
        assert!(tx.try_send(2).is_ok(), "the second of two places");
        assert_eq!(receiver.join().unwrap(), (Ok(1), Ok(2)));
    });
}

/// Two plain receives and two sends on `bounded(1)`: both values are
/// received. A receive that read the channel's lock-free mirror as
/// holding a value puts off cloning its waker (another executor's waker:
/// `WaitWaker::Deferred` in `zero.rs`); if the other receive took the
/// value first, it must make that clone after all, outside the lock, and
/// wait with it. The channel stays open to the end, so no close can wake
/// a receive whose waker was lost.
///
/// Shown able to fail: storing a no-op waker instead of the clone made
/// after all (in `Rendezvous::poll_recv`) leaves that receive asleep
/// while the second value waits for it (loom deadlock).
#[test]
fn a_receive_that_put_off_its_waker_clone_waits_with_it() {
    a_receive_that_put_off_its_waker_clone_waits_with_it_on(1);
}

/// [`a_receive_that_put_off_its_waker_clone_waits_with_it`] on a
/// rendezvous, where the mirror's bit for waiting senders is the hint.
///
/// Shown able to fail: as the model on `bounded(1)`.
#[test]
fn a_rendezvous_receive_that_put_off_its_waker_clone_waits_with_it() {
    a_receive_that_put_off_its_waker_clone_waits_with_it_on(0);
}

fn a_receive_that_put_off_its_waker_clone_waits_with_it_on(capacity: usize) {
    loom::model(move || {
        let (tx, rx) = chan::bounded::<u32>(capacity);
        let keep_open = tx.clone();
        let first = {
            let rx = rx.clone();
            thread::spawn(move || hoare::block_on(rx.recv()))
        };
        let second = thread::spawn(move || hoare::block_on(rx.recv()));
        assert_eq!(hoare::block_on(tx.send(1)), Ok(()));
        assert_eq!(hoare::block_on(tx.send(2)), Ok(()));
        let mut got = [
            first.join().unwrap().unwrap(),
            second.join().unwrap().unwrap(),
        ];
        got.sort_unstable();
        assert_eq!(got, [1, 2]);
        drop(keep_open);
    });
}

/// Two plain sends on an empty `bounded(1)` and a receive of both: each
/// send that read the mirror as having room puts off cloning its waker
/// (as in [`a_receive_that_put_off_its_waker_clone_waits_with_it`]); the
/// one that finds the place taken makes the clone after all and waits
/// with it until the receive frees the place.
///
/// Shown able to fail: storing a no-op waker instead of the clone made
/// after all (in `Rendezvous::poll_send`) leaves that send asleep after
/// the receive moved its value into the freed place (loom deadlock).
#[test]
fn a_send_that_put_off_its_waker_clone_waits_with_it() {
    a_send_that_put_off_its_waker_clone_waits_with_it_on(1);
}

/// [`a_send_that_put_off_its_waker_clone_waits_with_it`] on a
/// rendezvous, where the mirror's bit for waiting receivers is the hint.
///
/// Shown able to fail: as the model on `bounded(1)`.
#[test]
fn a_rendezvous_send_that_put_off_its_waker_clone_waits_with_it() {
    a_send_that_put_off_its_waker_clone_waits_with_it_on(0);
}

fn a_send_that_put_off_its_waker_clone_waits_with_it_on(capacity: usize) {
    loom::model(move || {
        let (tx, rx) = chan::bounded::<u32>(capacity);
        let first = {
            let tx = tx.clone();
            thread::spawn(move || hoare::block_on(tx.send(1)))
        };
        let second = {
            let tx = tx.clone();
            thread::spawn(move || hoare::block_on(tx.send(2)))
        };
        let mut got = [
            hoare::block_on(rx.recv()).unwrap(),
            hoare::block_on(rx.recv()).unwrap(),
        ];
        assert_eq!(first.join().unwrap(), Ok(()));
        assert_eq!(second.join().unwrap(), Ok(()));
        got.sort_unstable();
        assert_eq!(got, [1, 2]);
        drop(tx);
    });
}

/// Three plain receives wait on a rendezvous, the middle one is dropped
/// while a sender hands two values over: both sends succeed (two
/// receives still wait, or the dropped one passes its value on), and the
/// two values reach the remaining receives, oldest first. The locked
/// flavour keeps its oldest waiter inline and the later ones behind it
/// (`fifo::Fifo`); withdrawing the middle one must keep the last.
///
/// Shown able to fail: a withdrawal that drops every waiter behind the
/// first (`Fifo::retain` clearing them) leaves the last receive
/// out of the queue, and the second send finds nobody to hand to.
#[test]
fn a_receive_withdrawn_from_the_middle_of_the_queue_strands_nobody() {
    use std::task::{Context, Poll, Waker};

    loom::model(|| {
        let (tx, rx) = chan::bounded::<u32>(0);
        let mut waiting: Vec<_> = (0..3).map(|_| Box::pin(rx.recv())).collect();
        let mut cx = Context::from_waker(Waker::noop());
        for receive in &mut waiting {
            assert!(receive.as_mut().poll(&mut cx).is_pending());
        }
        let middle = waiting.remove(1);
        let sender = thread::spawn(move || (tx.try_send(1), tx.try_send(2)));
        drop(middle);
        assert_eq!(sender.join().unwrap(), (Ok(()), Ok(())));
        let got: Vec<_> = waiting
            .iter_mut()
            .map(|receive| match receive.as_mut().poll(&mut cx) {
                Poll::Ready(Ok(value)) => value,
                other => panic!("a remaining receive got {other:?}"),
            })
            .collect();
        assert_eq!(got, [1, 2]);
    });
}
