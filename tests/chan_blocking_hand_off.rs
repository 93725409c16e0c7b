//! On the small buffered channels (`bounded(1)`, `bounded(2)`) a send
//! hands its value (the oldest buffered one) straight to a waiting
//! blocking receive (`recv_blocking`, `recv_timeout`), which keeps what it
//! is handed: a timed-out receive that was handed a value returns it.
//! Async receives, which may be dropped, are only notified. Whatever mix
//! of receives waits, every message is received exactly once, one
//! sender's messages are received in the order sent, and `len()` never
//! exceeds the capacity. The place a hand-off frees goes to the oldest
//! waiting sender at once (Go's rule), so no later send takes it.

mod support;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use hoare::chan::{self, RecvTimeoutError, TrySendError};
use support::ledger::{Ledger, Tracked};
use support::{poll_once, scale, within};

const SENDERS: usize = 3;

/// One message: its sender, its number among that sender's messages, and
/// its ledger entry.
struct Message {
    sender: usize,
    seq: usize,
    tracked: Tracked,
}

/// What the receivers share: the highest number of each sender received
/// so far (0: none; numbers start at 1), and whether `len()` was ever seen
/// over the capacity.
struct Order {
    latest: Vec<AtomicUsize>,
    capacity: usize,
    over_capacity: AtomicBool,
}

impl Order {
    fn new(capacity: usize) -> Arc<Self> {
        Arc::new(Order {
            latest: (0..SENDERS).map(|_| AtomicUsize::new(0)).collect(),
            capacity,
            over_capacity: AtomicBool::new(false),
        })
    }

    /// The highest numbers received so far, read before a receive starts.
    fn before(&self) -> Vec<usize> {
        self.latest
            .iter()
            .map(|l| l.load(Ordering::SeqCst))
            .collect()
    }

    /// A receive that started when `before` was read got `message`: it
    /// must come after every message of its sender received before the
    /// receive started (per-sender FIFO; equal would be a duplicate).
    fn received(&self, before: &[usize], message: Message, len: usize) {
        assert!(
            message.seq > before[message.sender],
            "sender {}: message {} received after its message {} was",
            message.sender,
            message.seq,
            before[message.sender]
        );
        self.latest[message.sender].fetch_max(message.seq, Ordering::SeqCst);
        if len > self.capacity {
            self.over_capacity.store(true, Ordering::SeqCst);
        }
        message.tracked.deliver();
    }
}

/// How a receiver thread receives.
#[derive(Clone, Copy, Debug)]
enum Receive {
    /// `recv_timeout` with a timeout of a microsecond: most calls time
    /// out, many as a value is handed to them.
    TinyTimeout,
    /// `recv_blocking`.
    Blocking,
    /// An async `recv` polled once, then either dropped (a timeout, a
    /// losing select branch) or run to completion with `block_on`.
    AsyncOrDropped,
}

/// `SENDERS` threads send `per_sender` messages each with `send_blocking`
/// on `bounded(capacity)`; one receiver thread per entry of `receivers`
/// receives until the channel is closed. Checks exactly-once delivery,
/// per-sender order and `len() <= capacity`.
fn mixed_receivers(capacity: usize, receivers: &'static [Receive], per_sender: usize) {
    within(120, move || {
        let ledger = Ledger::new(SENDERS * per_sender);
        let order = Order::new(capacity);
        let (tx, rx) = chan::bounded::<Message>(capacity);
        thread::scope(|scope| {
            for sender in 0..SENDERS {
                let tx = tx.clone();
                let ledger = ledger.clone();
                scope.spawn(move || {
                    for seq in 1..=per_sender {
                        let id = sender * per_sender + seq - 1;
                        let message = Message {
                            sender,
                            seq,
                            tracked: ledger.message(id),
                        };
                        assert!(tx.send_blocking(message).is_ok(), "the receivers stay");
                        ledger.completed(id);
                    }
                });
            }
            drop(tx);
            for (index, &how) in receivers.iter().enumerate() {
                let rx = rx.clone();
                let order = order.clone();
                scope.spawn(move || loop {
                    let before = order.before();
                    let got = match how {
                        Receive::TinyTimeout => match rx.recv_timeout(Duration::from_micros(1)) {
                            Ok(message) => Some(message),
                            Err(RecvTimeoutError::Timeout) => continue,
                            Err(RecvTimeoutError::Closed) => None,
                        },
                        Receive::Blocking => rx.recv_blocking().ok(),
                        Receive::AsyncOrDropped => {
                            let mut recv = Box::pin(rx.recv());
                            match poll_once(&mut recv) {
                                std::task::Poll::Ready(got) => got.ok(),
                                std::task::Poll::Pending if index % 2 == 0 => continue,
                                std::task::Poll::Pending => hoare::block_on(recv).ok(),
                            }
                        }
                    };
                    match got {
                        Some(message) => order.received(&before, message, rx.len()),
                        None => break,
                    }
                });
            }
            drop(rx);
        });
        ledger.assert_each_once("mixed receivers");
        assert!(
            !order.over_capacity.load(Ordering::SeqCst),
            "len() exceeded the capacity {capacity}"
        );
    });
}

#[test]
fn timed_out_receives_with_tiny_timeouts_receive_every_message_exactly_once() {
    const TIMED: &[Receive] = &[Receive::TinyTimeout; 6];
    for capacity in [0, 1, 2] {
        mixed_receivers(capacity, TIMED, scale(20_000));
    }
}

#[test]
fn one_senders_messages_keep_their_order_with_blocking_and_async_receivers_mixed() {
    const MIXED: &[Receive] = &[
        Receive::Blocking,
        Receive::AsyncOrDropped,
        Receive::TinyTimeout,
        Receive::AsyncOrDropped,
        Receive::Blocking,
    ];
    for capacity in [1, 2] {
        mixed_receivers(capacity, MIXED, scale(20_000));
    }
}

#[test]
fn len_never_exceeds_capacity_while_blocking_receives_are_handed_values() {
    for capacity in [1usize, 2] {
        let (tx, rx) = chan::bounded::<usize>(capacity);
        let done = AtomicBool::new(false);
        let messages = scale(50_000);
        let received = AtomicUsize::new(0);
        thread::scope(|scope| {
            let watcher = scope.spawn(|| {
                let mut worst = 0;
                while !done.load(Ordering::SeqCst) {
                    worst = worst.max(rx.len());
                    thread::yield_now();
                }
                worst
            });
            for _ in 0..2 {
                scope.spawn(|| {
                    while rx.recv_blocking().is_ok() {
                        received.fetch_add(1, Ordering::SeqCst);
                    }
                });
            }
            for value in 0..messages {
                tx.send_blocking(value).unwrap();
            }
            tx.close();
            while received.load(Ordering::SeqCst) < messages {
                thread::yield_now();
            }
            done.store(true, Ordering::SeqCst);
            let worst = watcher.join().unwrap();
            assert!(worst <= capacity, "bounded({capacity}): len() was {worst}");
        });
    }
}

/// Lets a thread that called `recv_blocking` finish its spin and queue
/// behind the async receive already waiting. If it is late, the two tests
/// below still pass (the blocking receive then takes the value itself):
/// a slow machine can hide the fault they look for, never fake one.
fn settle() {
    thread::sleep(Duration::from_millis(300));
}

/// On an empty `bounded(1)`: the async receive `a` waits, a blocking
/// receive K (the returned thread) waits behind it, and 1 is sent, which
/// notifies `a` (out of the queue) and leaves K first in line.
fn async_then_blocking_receive_notified_of_one<'a>(
    tx: &chan::Sender<u32>,
    rx: &'a chan::Receiver<u32>,
    a: &mut (impl std::future::Future<Output = Result<u32, chan::RecvError>> + Unpin + 'a),
) -> thread::JoinHandle<Result<u32, chan::RecvError>> {
    assert!(poll_once(a).is_pending(), "A waits");
    let k = thread::spawn({
        let rx = rx.clone();
        move || rx.recv_blocking()
    });
    settle(); // K waits behind A
    tx.try_send(1).unwrap();
    k
}

/// A notified async receive is dropped; the pass-on hands the buffered
/// value to the blocking receive behind it, and the waiting sender's offer
/// moves into the freed place at once.
#[test]
fn a_pass_on_to_a_blocking_receive_moves_the_waiting_senders_offer_into_the_freed_place() {
    within(30, || {
        let (tx, rx) = chan::bounded::<u32>(1);
        let mut a = Box::pin(rx.recv());
        let k = async_then_blocking_receive_notified_of_one(&tx, &rx, &mut a);
        let tx2 = tx.clone();
        let mut s = Box::pin(tx2.send(2));
        assert!(
            poll_once(&mut s).is_pending(),
            "S waits: the buffer is full"
        );
        drop(a); // pass-on: K is handed 1
        assert_eq!(k.join().unwrap(), Ok(1));
        assert!(
            poll_once(&mut s).is_ready(),
            "the send still waits although the buffer has room"
        );
        assert!(matches!(tx.try_send(3), Err(TrySendError::Full(3))));
        assert_eq!(rx.try_recv(), Ok(2));
    });
}

/// The same through a receive's refill: the moved offer is handed on to a
/// blocking receive, and the next waiting sender's offer takes the place
/// at once, so a later `try_send` finds the buffer full.
#[test]
fn a_refill_handed_to_a_blocking_receive_refills_again_before_a_later_send() {
    within(30, || {
        let (tx, rx) = chan::bounded::<u32>(1);
        let mut a = Box::pin(rx.recv());
        let k = async_then_blocking_receive_notified_of_one(&tx, &rx, &mut a);
        let (tx2, tx3) = (tx.clone(), tx.clone());
        let mut s2 = Box::pin(tx2.send(2));
        assert!(poll_once(&mut s2).is_pending());
        let mut s3 = Box::pin(tx3.send(3));
        assert!(poll_once(&mut s3).is_pending());
        assert_eq!(rx.try_recv(), Ok(1)); // refill: 2 moved in, handed to K
        assert_eq!(k.join().unwrap(), Ok(2));
        assert!(poll_once(&mut s2).is_ready());
        assert!(
            matches!(tx.try_send(4), Err(TrySendError::Full(4))),
            "try_send(4) took the place S3 waited for"
        );
        assert!(poll_once(&mut s3).is_ready());
        assert_eq!(poll_once(&mut a), std::task::Poll::Ready(Ok(3)));
    });
}

/// A deadline already passed still returns a buffered value, or a waiting
/// sender's offer on a rendezvous: the operation is tried first.
#[test]
fn recv_deadline_now_returns_what_is_there() {
    within(30, || {
        for cap in [1usize, 2] {
            let (tx, rx) = chan::bounded::<u32>(cap);
            tx.try_send(7).unwrap();
            assert_eq!(rx.recv_deadline(std::time::Instant::now()), Ok(7));
        }
        let (tx, rx) = chan::bounded::<u32>(0);
        let s = thread::spawn(move || tx.send_blocking(9));
        // Until the sender waits, `Timeout` is the right answer.
        let got = loop {
            match rx.recv_deadline(std::time::Instant::now()) {
                Err(RecvTimeoutError::Timeout) => thread::sleep(Duration::from_millis(5)),
                other => break other,
            }
        };
        assert_eq!(got, Ok(9));
        s.join().unwrap().unwrap();
    });
}
