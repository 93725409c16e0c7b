//! Where a simulation may switch processes: a seeded run at every channel
//! operation (each poll completes at most one), `explore` only where a
//! process waits or yields; a poll cut short by the budget is not a yield
//! (PCT keeps the process's priority).

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use hoare::sim::{Builder, Strategy};

/// Two producers each send three messages on an unbounded channel (never
/// full: no send waits); the receiver records the order.
async fn producers() -> String {
    let (tx, rx) = hoare::chan::unbounded::<char>();
    for name in ['a', 'b'] {
        let tx = tx.clone();
        hoare::spawn(async move {
            for _ in 0..3 {
                tx.send(name).await.unwrap();
            }
        });
    }
    drop(tx);
    let mut order = String::new();
    while let Ok(name) = rx.recv().await {
        order.push(name);
    }
    order
}

fn interleaved(order: &str) -> bool {
    order != "aaabbb" && order != "bbbaaa"
}

#[test]
fn a_seeded_run_may_switch_between_two_ready_channel_operations() {
    let orders: BTreeSet<String> = (0..200)
        .map(|seed| Builder::new().seed(seed).run(producers()))
        .collect();
    assert!(orders.iter().any(|order| interleaved(order)), "{orders:?}");
    let (order, trace) = Builder::new().seed(3).run_traced(producers());
    let token = trace.schedule();
    assert!(token.starts_with("v1.s."), "{token}");
    assert_eq!(Builder::new().replay(&token).run(producers()), order);
}

#[test]
fn explore_switches_only_where_a_process_waits() {
    let orders = Arc::new(Mutex::new(BTreeSet::new()));
    let seen = orders.clone();
    let explored = Builder::new().max_preemptions(None).explore(move || {
        let seen = seen.clone();
        async move {
            let order = producers().await;
            seen.lock().unwrap().insert(order);
        }
    });
    assert!(explored.complete());
    let orders = orders.lock().unwrap();
    assert_eq!(
        *orders,
        BTreeSet::from(["aaabbb".to_string(), "bbbaaa".to_string()])
    );
}

#[test]
fn pct_keeps_the_priority_of_a_process_whose_budget_ran_out() {
    // Depth 1: no change points; the highest-priority producer runs until
    // it finishes, its polls cut short by the budget but never demoted.
    for seed in 0..100 {
        let order = Builder::new()
            .seed(seed)
            .strategy(Strategy::Pct { depth: 1 })
            .run(producers());
        assert!(!interleaved(&order), "seed {seed}: {order}");
    }
}

/// A process whose channel operations are always ready never waits: in
/// the runtime its poll ends after `PROCESS_BUDGET` (128) operations, and
/// that cut is its yield. A seeded run cuts its polls after each
/// operation; the 128th cut in a row still counts as the yield, so under
/// PCT (depth 1: no change points) a spinning process that holds the top
/// priority is demoted and the process that stops it gets to run.
#[test]
fn pct_demotes_a_process_whose_operations_are_always_ready_after_a_budget_of_them() {
    for seed in 0..50 {
        let spins = Builder::new()
            .seed(seed)
            .strategy(Strategy::Pct { depth: 1 })
            .max_steps(10_000)
            .try_run(async {
                let (stop_tx, stop_rx) = hoare::chan::bounded::<()>(1);
                let spinner = hoare::spawn(async move {
                    let (tx, rx) = hoare::chan::unbounded::<u32>();
                    let mut spins = 0u64;
                    // `try_recv` never waits and never counts as an
                    // operation: only the send and the receive do.
                    while stop_rx.try_recv().is_err() {
                        tx.send(1).await.unwrap();
                        rx.recv().await.unwrap();
                        spins += 1;
                    }
                    spins
                });
                hoare::spawn(async move { stop_tx.send(()).await.unwrap() });
                spinner.await.unwrap()
            });
        assert!(spins.is_ok(), "seed {seed}: {:?}", spins.err());
    }
}

/// Steps at the runtime's granularity count toward `max_steps`: one
/// process sending and then receiving 5,000 messages without ever waiting
/// takes 10,000 one-operation polls in a seeded run, but only about 80 of
/// the runtime's polls, so `max_steps(1000)` lets it finish; a process
/// that yields forever still fails at the bound.
#[test]
fn max_steps_counts_polls_at_the_runtime_granularity_in_a_seeded_run() {
    let (received, trace) = Builder::new()
        .seed(3)
        .max_steps(1000)
        .try_run_traced(async {
            let (tx, rx) = hoare::chan::unbounded::<u32>();
            for i in 0..5000 {
                tx.send(i).await.unwrap();
            }
            let mut received = 0;
            for _ in 0..5000 {
                received += u64::from(rx.recv().await.is_ok());
            }
            received
        });
    assert_eq!(received.unwrap(), 5000);
    assert!(trace.steps() >= 10_000, "{} steps", trace.steps());
    let spin = Builder::new().seed(3).max_steps(1000).try_run(async {
        loop {
            hoare::yield_now().await;
        }
    });
    assert!(
        matches!(
            spin,
            Err(hoare::sim::SimError::StepLimit {
                max_steps: 1000,
                ..
            })
        ),
        "{spin:?}"
    );
}
