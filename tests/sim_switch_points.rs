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
