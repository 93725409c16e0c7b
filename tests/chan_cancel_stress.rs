//! Nothing lost, nothing doubled, under cancellation: receives and sends
//! (plain, under `timeout`, and in selects) raced against timeouts on
//! every flavour, on the multi-worker runtime and under many simulation
//! seeds (`HOARE_SIM_SEEDS` per flavour and strategy; CI runs 200).

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use hoare::chan::{Receiver, RecvError, Sender};
use hoare::time::{after, sleep, timeout};
use hoare::JoinHandle;
use support::ledger::{Ledger, Tracked};
use support::{scale, sim_seeds, within, FLAVOURS};

const N: usize = 2000;

/// A receive that a timer may cancel: consumer 0 selects against an
/// `after` arm, the others receive under `timeout`. `None`: the timer won.
async fn recv_racing_a_timer<T: Send>(
    consumer: usize,
    rx: &Receiver<T>,
    tick: Duration,
) -> Option<Result<T, RecvError>> {
    if consumer == 0 {
        hoare::select! {
            recv(rx) -> m => Some(m),
            recv(after(tick)) -> _ => None,
        }
    } else {
        timeout(tick, rx.recv()).await.ok()
    }
}

/// Joins every process; a panic in one fails the test.
async fn join_all(processes: impl IntoIterator<Item = JoinHandle<()>>) {
    for process in processes {
        process.await.unwrap();
    }
}

/// Producers send 0..n (each value once, retrying after timeouts);
/// consumers receive with timeouts and selects; every value must be seen
/// exactly once.
async fn exchange(cap: Option<usize>, n: usize, tick: Duration) -> Vec<usize> {
    let (tx, rx): (Sender<usize>, Receiver<usize>) = support::channel(cap);
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
                        // whether the value went (the time contract: to
                        // time out a send exactly, select with `after`).
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
                let got = recv_racing_a_timer(c, &rx, tick).await;
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
    join_all(producers.into_iter().chain(consumers)).await;
    seen.iter().map(|c| c.load(Ordering::SeqCst)).collect()
}

/// Producers send fresh messages with a plain `send` under `timeout` and
/// abandon it when the timeout elapses; consumers receive with timeouts
/// and selects. A send that timed out may or may not have gone (a receive
/// can move its value between the timeout's last poll and the drop), so
/// nothing is retried; the ledger checks that each message made was
/// received exactly once or dropped unsent exactly once.
async fn plain_sends_under_timeout(cap: Option<usize>, n: usize, tick: Duration) -> Arc<Ledger> {
    let ledger = Ledger::new(n);
    let (tx, rx): (Sender<Tracked>, Receiver<Tracked>) = support::channel(cap);
    let next = Arc::new(AtomicUsize::new(0));
    let mut producers = Vec::new();
    for _ in 0..3 {
        let (tx, next, ledger) = (tx.clone(), next.clone(), ledger.clone());
        producers.push(hoare::spawn(async move {
            loop {
                let id = next.fetch_add(1, Ordering::SeqCst);
                if id >= n {
                    return;
                }
                match timeout(tick, tx.send(ledger.message(id))).await {
                    Ok(result) => {
                        result.expect("the consumers outlive the producers");
                        ledger.completed(id);
                    }
                    Err(_elapsed) => hoare::yield_now().await,
                }
            }
        }));
    }
    drop(tx);
    let mut consumers = Vec::new();
    for c in 0..3 {
        let rx = rx.clone();
        consumers.push(hoare::spawn(async move {
            loop {
                let got = recv_racing_a_timer(c, &rx, tick).await;
                match got {
                    Some(Ok(message)) => {
                        let id = message.id;
                        message.deliver();
                        if id % 5 == 0 {
                            // A slow consumer now and then, so that sends
                            // time out (on virtual time too).
                            sleep(tick * 2).await;
                        }
                    }
                    Some(Err(_)) => return,
                    None => hoare::yield_now().await,
                }
            }
        }));
    }
    drop(rx);
    join_all(producers.into_iter().chain(consumers)).await;
    ledger
}

#[test]
fn runtime_every_value_exactly_once_under_cancellation() {
    for cap in FLAVOURS {
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
    for cap in FLAVOURS {
        for seed in 0..sim_seeds(100) {
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
    for cap in FLAVOURS {
        for seed in 0..sim_seeds(50) {
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

#[test]
fn runtime_plain_sends_under_timeout_each_value_exactly_once() {
    for cap in FLAVOURS {
        let ledger = within(60, move || {
            hoare::run(plain_sends_under_timeout(
                cap,
                scale(N * 5),
                Duration::from_micros(50),
            ))
        });
        ledger.assert_each_once(&format!("flavour {cap:?}"));
    }
}

#[test]
fn simulation_plain_sends_under_timeout_each_value_exactly_once() {
    within(60, || {
        for cap in FLAVOURS {
            for seed in 0..sim_seeds(100) {
                let ledger = hoare::sim::Builder::new()
                    .seed(seed)
                    .run(plain_sends_under_timeout(cap, 50, Duration::from_millis(1)));
                ledger.assert_each_once(&format!("flavour {cap:?} seed {seed}"));
            }
        }
    });
}
