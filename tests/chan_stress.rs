//! Many threads on one channel: nothing lost, nothing doubled, and a hang
//! fails the test (each runs under a deadline).

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::Poll;
use std::thread;

use support::ledger::{Ledger, Tracked};
use support::{channel, poll_once, within, DropCounter, FLAVOURS};

const PRODUCERS: u64 = 8;
const CONSUMERS: usize = 8;
const PER_PRODUCER: u64 = 5_000;

#[test]
fn mpmc_8x8_delivers_every_message_exactly_once() {
    within(120, || {
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
    });
}

/// Receivers that poll a receive once and then drop it, racing senders:
/// every value sent is received exactly once or dropped with the channel.
#[test]
fn dropped_pending_receives_lose_and_duplicate_nothing() {
    within(120, || {
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
                            let mut recv = Box::pin(rx.recv());
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
    });
}

/// Senders that poll a send once and drop it, racing receivers: every
/// value is either received exactly once (its send happened, even if the
/// send future was dropped after a receive had moved the value) or dropped
/// unsent exactly once, never both; and every send that returned `Ok` was
/// received.
#[test]
fn dropped_pending_sends_lose_and_duplicate_nothing() {
    within(120, || {
        const SENDERS: usize = 4;
        const PER_SENDER: usize = 2_000;
        for cap in [Some(0), Some(1), Some(4)] {
            let ledger = Ledger::new(SENDERS * PER_SENDER);
            let (tx, rx) = channel::<Tracked>(cap);
            let senders: Vec<_> = (0..SENDERS)
                .map(|p| {
                    let tx = tx.clone();
                    let ledger = ledger.clone();
                    thread::spawn(move || {
                        for i in 0..PER_SENDER {
                            let id = p * PER_SENDER + i;
                            let mut send = Box::pin(tx.send(ledger.message(id)));
                            let completed = match poll_once(&mut send) {
                                Poll::Ready(result) => result.is_ok(),
                                // Abandon every other pending send; finish the rest.
                                Poll::Pending if i % 2 == 0 => {
                                    drop(send);
                                    false
                                }
                                Poll::Pending => hoare::block_on(send).is_ok(),
                            };
                            if completed {
                                ledger.completed(id);
                            }
                        }
                    })
                })
                .collect();
            drop(tx);
            let receivers: Vec<_> = (0..3)
                .map(|_| {
                    let rx = rx.clone();
                    thread::spawn(move || {
                        while let Ok(message) = rx.recv_blocking() {
                            message.deliver();
                        }
                    })
                })
                .collect();
            drop(rx);
            senders.into_iter().for_each(|h| h.join().unwrap());
            receivers.into_iter().for_each(|h| h.join().unwrap());
            ledger.assert_each_once(&format!("{cap:?}"));
        }
    });
}

/// Ping-pong between two threads over rendezvous channels many times: a
/// lost wake-up would hang here.
#[test]
fn rendezvous_ping_pong_never_hangs() {
    within(120, || {
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
    });
}
