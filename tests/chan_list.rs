//! The unbounded flavour's linked blocks: messages crossing block
//! boundaries keep their order and count, buffered messages are dropped
//! exactly once (also when one of them panics while being dropped), and a
//! block of large messages is not built on the stack.

mod support;

use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;

use hoare::chan::{self, TryRecvError};
use support::DropCounter;

#[test]
fn order_and_len_across_many_blocks() {
    let (tx, rx) = chan::unbounded();
    for i in 0..1000u32 {
        tx.try_send(i).unwrap();
        assert_eq!(rx.len(), i as usize + 1);
    }
    for i in 0..500u32 {
        assert_eq!(rx.try_recv(), Ok(i));
    }
    assert_eq!(rx.len(), 500);
    for i in 1000..1100u32 {
        tx.try_send(i).unwrap();
    }
    assert_eq!(tx.len(), 600);
    let rest: Vec<u32> = (0..600).map(|_| rx.try_recv().unwrap()).collect();
    assert_eq!(rest, (500..1100).collect::<Vec<_>>());
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    assert!(rx.is_empty());
    drop(tx);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

#[test]
fn buffered_messages_are_dropped_once_when_the_last_receiver_goes() {
    for sent in [0usize, 1, 30, 31, 32, 62, 63, 100, 1000] {
        for received in [0usize, 1, 31, 40] {
            let received = received.min(sent);
            let drops = Arc::new(AtomicUsize::new(0));
            let (tx, rx) = chan::unbounded();
            for id in 0..sent {
                tx.try_send(DropCounter::new(id, &drops)).unwrap();
            }
            for _ in 0..received {
                drop(rx.try_recv().unwrap());
            }
            assert_eq!(drops.load(Ordering::SeqCst), received);
            drop(rx); // discards the rest now, the sender still alive
            assert_eq!(
                drops.load(Ordering::SeqCst),
                sent,
                "sent {sent}, received {received}"
            );
            assert!(tx.try_send(DropCounter::new(usize::MAX, &drops)).is_err());
            drop(tx);
            // The failed send's value came back and was dropped by us.
            assert_eq!(drops.load(Ordering::SeqCst), sent + 1);
        }
    }
}

#[test]
fn messages_left_when_both_handles_go_are_dropped_once() {
    let drops = Arc::new(AtomicUsize::new(0));
    {
        let (tx, rx) = chan::unbounded();
        for id in 0..77 {
            tx.try_send(DropCounter::new(id, &drops)).unwrap();
        }
        drop(rx.try_recv().unwrap());
        drop(tx);
        drop(rx);
    }
    assert_eq!(drops.load(Ordering::SeqCst), 77);
}

struct Bomb {
    explode: bool,
    drops: Arc<AtomicUsize>,
}

impl Drop for Bomb {
    fn drop(&mut self) {
        self.drops.fetch_add(1, Ordering::SeqCst);
        if self.explode {
            panic!("a message's Drop panicked");
        }
    }
}

#[test]
fn a_panicking_drop_while_discarding_drops_nothing_twice() {
    let drops = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = chan::unbounded();
    for id in 0..70 {
        tx.try_send(Bomb {
            explode: id == 40,
            drops: drops.clone(),
        })
        .unwrap();
    }
    let quiet = panic::take_hook();
    panic::set_hook(Box::new(|_| {}));
    let outcome = panic::catch_unwind(AssertUnwindSafe(move || drop(rx)));
    panic::set_hook(quiet);
    assert!(
        outcome.is_err(),
        "the panic comes out of the receiver's drop"
    );
    drop(tx); // the channel itself goes: it drops what discarding left
    assert_eq!(
        drops.load(Ordering::SeqCst),
        70,
        "every message dropped exactly once"
    );
}

#[test]
fn a_block_of_large_messages_is_not_built_on_the_stack() {
    // 31 slots of 64 KiB: about 2 MiB, the size of a test thread's stack.
    let handle = thread::Builder::new()
        .stack_size(1 << 20)
        .spawn(|| {
            let (tx, rx) = chan::unbounded::<Box<[u8; 64 << 10]>>();
            tx.try_send(Box::new([7; 64 << 10])).unwrap();
            let (big_tx, big_rx) = chan::unbounded::<[u8; 64 << 10]>();
            assert!(big_rx.is_empty());
            drop(big_tx);
            assert_eq!(rx.try_recv().unwrap()[0], 7);
        })
        .unwrap();
    handle.join().unwrap();
}

#[test]
fn concurrent_senders_and_receivers_across_blocks_lose_and_duplicate_nothing() {
    const SENDERS: u64 = 4;
    const PER_SENDER: u64 = 50_000;
    let (tx, rx) = chan::unbounded::<u64>();
    let senders: Vec<_> = (0..SENDERS)
        .map(|s| {
            let tx = tx.clone();
            thread::spawn(move || {
                for i in 0..PER_SENDER {
                    tx.send_blocking(s * PER_SENDER + i).unwrap();
                }
            })
        })
        .collect();
    drop(tx);
    let receivers: Vec<_> = (0..3)
        .map(|_| {
            let rx = rx.clone();
            thread::spawn(move || {
                let mut last = vec![None::<u64>; SENDERS as usize];
                let (mut count, mut sum) = (0u64, 0u64);
                for value in rx.iter() {
                    let sender = (value / PER_SENDER) as usize;
                    // Per-sender FIFO holds for each receiver's view too.
                    assert!(last[sender].is_none_or(|previous| previous < value));
                    last[sender] = Some(value);
                    count += 1;
                    sum += value;
                }
                (count, sum)
            })
        })
        .collect();
    drop(rx);
    senders.into_iter().for_each(|s| s.join().unwrap());
    let (count, sum) = receivers
        .into_iter()
        .map(|r| r.join().unwrap())
        .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    let n = SENDERS * PER_SENDER;
    assert_eq!((count, sum), (n, n * (n - 1) / 2));
}
