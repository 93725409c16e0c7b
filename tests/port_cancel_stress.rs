//! Nothing lost, nothing doubled, under cancellation: receives and sends
//! (plain and in selects) raced against timeouts on every flavour, on the
//! multi-worker runtime and under many simulation seeds.

mod port_util;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use hoare::chan::{Receiver, Sender};
use hoare::time::{after, timeout};
use port_util::{scale, within, FLAVS};

const N: usize = 2000;

/// Producers send 0..n (each value once, retrying after timeouts);
/// consumers receive with timeouts and selects; every value must be seen
/// exactly once.
async fn exchange(cap: Option<usize>, n: usize, tick: Duration) -> Vec<usize> {
    let (tx, rx): (Sender<usize>, Receiver<usize>) = port_util::channel(cap);
    let seen: Arc<Vec<AtomicUsize>> = Arc::new((0..n).map(|_| AtomicUsize::new(0)).collect());
    let next = Arc::new(AtomicUsize::new(0));
    let mut producers = Vec::new();
    for p in 0..3 {
        let (tx, next) = (tx.clone(), next.clone());
        producers.push(hoare::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= n {
                    return;
                }
                loop {
                    if p == 0 {
                        // A select with a timeout arm: its commit decides
                        // whether the value went (see `hoare::time::timeout`'s docs).
                        let sent = hoare::select! {
                            send(tx, i) -> r => { r.unwrap(); true }
                            recv(after(tick)) -> _ => false,
                        };
                        if sent {
                            break;
                        }
                    } else if p == 1 && cap != Some(0) {
                        // The same with `biased;` and the send written
                        // first. (A plain send under `timeout` would not
                        // do: a bounded channel's receive moves a waiting
                        // sender's value into the ring, so a send can be
                        // done between the timeout's last poll and the
                        // drop, and a retry would duplicate it.)
                        let sent = hoare::select! {
                            biased;
                            send(tx, i) -> r => { r.unwrap(); true }
                            recv(after(tick)) -> _ => false,
                        };
                        if sent {
                            break;
                        }
                    } else {
                        // A plain send under `timeout` is not exact (a
                        // rendezvous partner may take the value between
                        // the last poll and the drop), so it cannot be
                        // retried; instead retry `try_send`, which is.
                        match tx.try_send(i) {
                            Ok(()) => break,
                            Err(e) => assert!(e.is_full()),
                        }
                    }
                    hoare::yield_now().await;
                }
            }
        }));
    }
    drop(tx);
    let mut consumers = Vec::new();
    for c in 0..3 {
        let (rx, seen) = (rx.clone(), seen.clone());
        consumers.push(hoare::spawn(async move {
            loop {
                let got = if c == 0 {
                    hoare::select! {
                        recv(rx) -> m => Some(m),
                        recv(after(tick)) -> _ => None,
                    }
                } else {
                    timeout(tick, rx.recv()).await.ok()
                };
                match got {
                    Some(Ok(v)) => {
                        seen[v].fetch_add(1, Ordering::SeqCst);
                    }
                    Some(Err(_)) => return,
                    None => hoare::yield_now().await,
                }
            }
        }));
    }
    drop(rx);
    for h in producers {
        h.await.unwrap();
    }
    for h in consumers {
        h.await.unwrap();
    }
    seen.iter().map(|c| c.load(Ordering::SeqCst)).collect()
}

#[test]
fn runtime_every_value_exactly_once_under_cancellation() {
    for cap in FLAVS {
        let counts = within(60, move || {
            hoare::run(exchange(cap, scale(N * 5), Duration::from_micros(50)))
        });
        for (v, c) in counts.iter().enumerate() {
            assert_eq!(*c, 1, "flavour {cap:?}: value {v} seen {c} times");
        }
    }
}

#[test]
fn simulation_every_value_exactly_once_under_cancellation() {
    for cap in FLAVS {
        for seed in 0..scale(100) as u64 {
            let counts = hoare::sim::Builder::new().seed(seed).run(exchange(
                cap,
                50,
                Duration::from_millis(1),
            ));
            for (v, c) in counts.iter().enumerate() {
                assert_eq!(
                    *c, 1,
                    "flavour {cap:?} seed {seed}: value {v} seen {c} times"
                );
            }
        }
    }
}

#[test]
fn simulation_pct_every_value_exactly_once_under_cancellation() {
    for cap in FLAVS {
        for seed in 0..scale(50) as u64 {
            let counts = hoare::sim::Builder::new()
                .seed(seed)
                .strategy(hoare::sim::Strategy::Pct { depth: 3 })
                .run(exchange(cap, 30, Duration::from_millis(1)));
            assert!(
                counts.iter().all(|&c| c == 1),
                "flavour {cap:?} seed {seed}: {counts:?}"
            );
        }
    }
}
