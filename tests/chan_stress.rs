//! Many threads on one channel: nothing lost, nothing doubled, no hang.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::Poll;
use std::thread;

use support::{channel, poll_once, DropCounter, FLAVOURS};

const PRODUCERS: u64 = 8;
const CONSUMERS: usize = 8;
const PER_PRODUCER: u64 = 5_000;

#[test]
fn mpmc_8x8_delivers_every_message_exactly_once() {
    for cap in FLAVOURS {
        let (tx, rx) = channel::<u64>(cap);
        let producers: Vec<_> = (0..PRODUCERS)
            .map(|p| {
                let tx = tx.clone();
                thread::spawn(move || {
                    for i in 0..PER_PRODUCER {
                        tx.send_blocking(p * 1_000_000 + i).unwrap();
                    }
                })
            })
            .collect();
        drop(tx);
        let consumers: Vec<_> = (0..CONSUMERS)
            .map(|_| {
                let rx = rx.clone();
                thread::spawn(move || {
                    rx.iter()
                        .fold((0u64, 0u64), |(sum, count), v| (sum + v, count + 1))
                })
            })
            .collect();
        drop(rx);
        producers.into_iter().for_each(|h| h.join().unwrap());
        let (sum, count) = consumers
            .into_iter()
            .map(|h| h.join().unwrap())
            .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
        let expected: u64 = (0..PRODUCERS)
            .map(|p| (0..PER_PRODUCER).map(|i| p * 1_000_000 + i).sum::<u64>())
            .sum();
        assert_eq!(count, PRODUCERS * PER_PRODUCER, "{cap:?}");
        assert_eq!(sum, expected, "{cap:?}");
    }
}

/// Receivers that poll a receive once and then drop it, racing senders:
/// every value sent is received exactly once or dropped with the channel.
#[test]
fn dropped_pending_receives_lose_and_duplicate_nothing() {
    for cap in FLAVOURS {
        let drops = Arc::new(AtomicUsize::new(0));
        let received = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = channel::<DropCounter>(cap);
        const SENDS: usize = 4 * 3_000;
        let senders: Vec<_> = (0..4)
            .map(|p| {
                let tx = tx.clone();
                let drops = drops.clone();
                thread::spawn(move || {
                    for i in 0..SENDS / 4 {
                        tx.send_blocking(DropCounter::new(p * 100_000 + i, &drops))
                            .unwrap();
                    }
                })
            })
            .collect();
        drop(tx);
        let receivers: Vec<_> = (0..4)
            .map(|r| {
                let rx = rx.clone();
                let received = received.clone();
                thread::spawn(move || loop {
                    if r % 2 == 0 {
                        // Abandon a pending receive now and then.
                        let mut recv = rx.recv();
                        match poll_once(&mut recv) {
                            Poll::Ready(Ok(_value)) => {
                                received.fetch_add(1, Ordering::SeqCst);
                                continue;
                            }
                            Poll::Ready(Err(_)) => break,
                            Poll::Pending => drop(recv),
                        }
                    }
                    match rx.recv_blocking() {
                        Ok(_value) => {
                            received.fetch_add(1, Ordering::SeqCst);
                        }
                        Err(_) => break,
                    }
                })
            })
            .collect();
        senders.into_iter().for_each(|h| h.join().unwrap());
        receivers.into_iter().for_each(|h| h.join().unwrap());
        let leftover = rx.len();
        drop(rx);
        assert_eq!(
            received.load(Ordering::SeqCst) + leftover,
            SENDS,
            "{cap:?}: received + buffered"
        );
        assert_eq!(
            drops.load(Ordering::SeqCst),
            SENDS,
            "{cap:?}: every value dropped exactly once"
        );
    }
}

/// Senders that poll a send once and drop it, racing receivers: a value is
/// either received (its send happened) or dropped unsent, never both.
#[test]
fn dropped_pending_sends_lose_and_duplicate_nothing() {
    for cap in [Some(0), Some(1), Some(4)] {
        let drops = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = channel::<DropCounter>(cap);
        let attempts = Arc::new(AtomicUsize::new(0));
        let completed = Arc::new(AtomicUsize::new(0));
        let senders: Vec<_> = (0..4)
            .map(|p| {
                let tx = tx.clone();
                let drops = drops.clone();
                let attempts = attempts.clone();
                let completed = completed.clone();
                thread::spawn(move || {
                    for i in 0..2_000 {
                        attempts.fetch_add(1, Ordering::SeqCst);
                        let mut send = tx.send(DropCounter::new(p * 100_000 + i, &drops));
                        match poll_once(&mut send) {
                            Poll::Ready(result) => {
                                if result.is_ok() {
                                    completed.fetch_add(1, Ordering::SeqCst);
                                }
                            }
                            // Abandon every other pending send; finish the rest.
                            Poll::Pending if i % 2 == 0 => drop(send),
                            Poll::Pending => {
                                if hoare::block_on(send).is_ok() {
                                    completed.fetch_add(1, Ordering::SeqCst);
                                }
                            }
                        }
                    }
                })
            })
            .collect();
        drop(tx);
        let received = Arc::new(AtomicUsize::new(0));
        let receivers: Vec<_> = (0..3)
            .map(|_| {
                let rx = rx.clone();
                let received = received.clone();
                thread::spawn(move || {
                    while let Ok(value) = rx.recv_blocking() {
                        drop(value);
                        received.fetch_add(1, Ordering::SeqCst);
                    }
                })
            })
            .collect();
        drop(rx);
        senders.into_iter().for_each(|h| h.join().unwrap());
        receivers.into_iter().for_each(|h| h.join().unwrap());
        assert_eq!(
            drops.load(Ordering::SeqCst),
            attempts.load(Ordering::SeqCst),
            "{cap:?}: each value dropped once"
        );
        let received = received.load(Ordering::SeqCst);
        assert!(
            received >= completed.load(Ordering::SeqCst),
            "{cap:?}: every completed send was received"
        );
        assert!(received <= attempts.load(Ordering::SeqCst));
    }
}

/// Ping-pong between two threads over rendezvous channels many times: a
/// lost wake-up would hang here.
#[test]
fn rendezvous_ping_pong_never_hangs() {
    let (ping_tx, ping_rx) = hoare::chan::bounded::<u32>(0);
    let (pong_tx, pong_rx) = hoare::chan::bounded::<u32>(0);
    let echo = thread::spawn(move || {
        for value in ping_rx.iter() {
            pong_tx.send_blocking(value + 1).unwrap();
        }
    });
    for i in 0..20_000 {
        ping_tx.send_blocking(i).unwrap();
        assert_eq!(pong_rx.recv_blocking(), Ok(i + 1));
    }
    drop(ping_tx);
    echo.join().unwrap();
}
