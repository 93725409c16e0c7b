//! Every message created is dropped exactly once, whatever races happen
//! between senders, receivers being dropped, and cancelled receives
//! (crossbeam's `drops` tests, made concurrent).

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use support::{scale, within, DropCounter, FLAVOURS};

#[test]
fn receiver_dropped_while_senders_race() {
    for cap in FLAVOURS {
        for round in 0..scale(200) {
            let drops = Arc::new(AtomicUsize::new(0));
            let created = Arc::new(AtomicUsize::new(0));
            let (tx, rx) = support::channel::<DropCounter>(cap);
            within(20, {
                let (drops, created) = (drops.clone(), created.clone());
                move || {
                    thread::scope(|s| {
                        for _ in 0..2 {
                            let tx = tx.clone();
                            let (drops, created) = (&drops, &created);
                            s.spawn(move || {
                                for i in 0.. {
                                    created.fetch_add(1, Ordering::SeqCst);
                                    let m = DropCounter::new(i, drops);
                                    let r = if i % 2 == 0 {
                                        tx.send_blocking(m).map_err(|e| e.into_inner())
                                    } else {
                                        tx.try_send(m).map_err(|e| e.into_inner())
                                    };
                                    if let Err(m) = r {
                                        drop(m);
                                        if tx.is_closed() {
                                            return;
                                        }
                                    }
                                }
                            });
                        }
                        drop(tx);
                        s.spawn(move || {
                            for _ in 0..(round % 7) {
                                let _ = rx.recv_blocking();
                            }
                            drop(rx);
                        });
                    });
                }
            });
            assert_eq!(
                drops.load(Ordering::SeqCst),
                created.load(Ordering::SeqCst),
                "flavour {cap:?} round {round}"
            );
        }
    }
}

#[test]
fn cancelled_receives_race_with_senders() {
    for cap in FLAVOURS {
        let drops = Arc::new(AtomicUsize::new(0));
        let received = Arc::new(AtomicUsize::new(0));
        let n = scale(20_000);
        within(60, {
            let (drops, received) = (drops.clone(), received.clone());
            move || {
                let (tx, rx) = support::channel::<DropCounter>(cap);
                thread::scope(|s| {
                    let drops2 = drops.clone();
                    s.spawn(move || {
                        for i in 0..n {
                            tx.send_blocking(DropCounter::new(i, &drops2)).unwrap();
                        }
                    });
                    for _ in 0..2 {
                        let (rx, received) = (rx.clone(), received.clone());
                        s.spawn(move || {
                            hoare::block_on(async {
                                loop {
                                    match hoare::time::timeout(Duration::from_micros(20), rx.recv())
                                        .await
                                    {
                                        Ok(Ok(_m)) => {
                                            received.fetch_add(1, Ordering::SeqCst);
                                        }
                                        Ok(Err(_)) => return,
                                        Err(_) => {}
                                    }
                                }
                            })
                        });
                    }
                    drop(rx);
                });
            }
        });
        assert_eq!(received.load(Ordering::SeqCst), n, "flavour {cap:?}");
        assert_eq!(drops.load(Ordering::SeqCst), n, "flavour {cap:?}");
    }
}
