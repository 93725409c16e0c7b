//! Stress shapes that crossbeam's suites run on every flavour: one body,
//! called with each file's capacity (`None`: unbounded) and count.

use std::any::Any;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;

use hoare::chan::{Receiver, RecvError, Sender};

use super::{channel, within, DropCounter};

/// A receiving thread takes `steps` messages while a sending thread sends
/// `steps` [`DropCounter`]s (counting into `drops`) with the blocking
/// forms; returns once both are done.
pub fn exchange_drop_counters(
    tx: &Sender<DropCounter>,
    rx: &Receiver<DropCounter>,
    steps: usize,
    drops: &Arc<AtomicUsize>,
) {
    thread::scope(|s| {
        s.spawn(|| {
            for _ in 0..steps {
                rx.recv_blocking().unwrap();
            }
        });
        s.spawn(|| {
            for i in 0..steps {
                tx.send_blocking(DropCounter::new(i, drops)).unwrap();
            }
        });
    });
}

/// One sender, one receiver, `count` messages: all arrive, in order, and
/// then the channel reports closed.
pub fn spsc_in_order(cap: Option<usize>, count: usize) {
    within(60, move || {
        let (tx, rx) = channel(cap);
        thread::scope(|s| {
            s.spawn(|| {
                for i in 0..count {
                    assert_eq!(rx.recv_blocking(), Ok(i));
                }
                assert_eq!(rx.recv_blocking(), Err(RecvError));
            });
            s.spawn(move || {
                for i in 0..count {
                    tx.send_blocking(i).unwrap();
                }
            });
        });
    });
}

/// Four senders each send `0..count`, four receivers take `count` each:
/// every value arrives exactly four times.
pub fn mpmc_every_message_once(cap: Option<usize>, count: usize) {
    let threads = 4;
    within(60, move || {
        let (tx, rx) = channel::<usize>(cap);
        let seen: Vec<AtomicUsize> = (0..count).map(|_| AtomicUsize::new(0)).collect();
        thread::scope(|s| {
            for _ in 0..threads {
                s.spawn(|| {
                    for _ in 0..count {
                        let n = rx.recv_blocking().unwrap();
                        seen[n].fetch_add(1, Ordering::SeqCst);
                    }
                });
            }
            for _ in 0..threads {
                s.spawn(|| {
                    for i in 0..count {
                        tx.send_blocking(i).unwrap();
                    }
                });
            }
        });
        for c in &seen {
            assert_eq!(c.load(Ordering::SeqCst), threads);
        }
    });
}

/// `count` fresh channels, each used for one message between two threads.
pub fn stress_oneshot(cap: Option<usize>, count: usize) {
    within(60, move || {
        for _ in 0..count {
            let (tx, rx) = channel(cap);
            thread::scope(|s| {
                s.spawn(|| rx.recv_blocking().unwrap());
                s.spawn(|| tx.send_blocking(0).unwrap());
            });
        }
    });
}

/// `count` channels sent through one another: each receiver travels as a
/// boxed `dyn Any` on the channel before it, and comes out whole.
pub fn channel_through_channel(cap: Option<usize>, count: usize) {
    type Boxed = Box<dyn Any + Send>;
    within(20, move || {
        let (tx, rx) = channel::<Boxed>(cap);
        thread::scope(|s| {
            s.spawn(move || {
                let mut tx = tx;
                for _ in 0..count {
                    let (new_tx, new_rx) = channel::<Boxed>(cap);
                    tx.send_blocking(Box::new(new_rx)).unwrap();
                    tx = new_tx;
                }
            });
            s.spawn(move || {
                let mut rx = rx;
                for _ in 0..count {
                    rx = *rx
                        .recv_blocking()
                        .unwrap()
                        .downcast::<Receiver<Boxed>>()
                        .unwrap();
                }
            });
        });
    });
}
