//! Shrinking: `check`, `explore` and `Builder::shrink` report a failing
//! schedule with no more deviations and steps that fails the same way.

use std::panic::catch_unwind;

use hoare::chan;
use hoare::sim::{self, Builder, SimError};

/// Two increments of a counter kept in a channel; each reads, awaits,
/// writes. With noise: three processes that only yield.
async fn lost_update() {
    let (cell, cell_rx) = chan::bounded::<u32>(1);
    cell.send(0).await.unwrap();
    let mut workers = Vec::new();
    for _ in 0..2 {
        let (cell, cell_rx) = (cell.clone(), cell_rx.clone());
        workers.push(hoare::spawn(async move {
            let seen = cell_rx.recv().await.unwrap();
            cell.send(seen).await.unwrap();
            hoare::yield_now().await;
            let _ = cell_rx.recv().await.unwrap();
            cell.send(seen + 1).await.unwrap();
        }));
    }
    for _ in 0..3 {
        hoare::spawn(async {
            for _ in 0..3 {
                hoare::yield_now().await;
            }
        });
    }
    for worker in workers {
        worker.await.unwrap();
    }
    assert_eq!(cell_rx.recv().await, Ok(2), "an increment was lost");
}

fn failing_seeds() -> Vec<u64> {
    (0..60)
        .filter(|&seed| Builder::new().seed(seed).try_run(lost_update()).is_err())
        .collect()
}

#[test]
fn a_shrunk_schedule_fails_the_same_way_and_is_no_larger() {
    let seeds = failing_seeds();
    assert!(!seeds.is_empty(), "some seed loses an update");
    for seed in seeds {
        let (result, found) = Builder::new().seed(seed).try_run_traced(lost_update());
        let message = match result {
            Err(SimError::Panic { message, .. }) => message,
            other => panic!("seed {seed}: expected the lost update, got {other:?}"),
        };
        let shrunk = Builder::new()
            .seed(seed)
            .shrink(lost_update)
            .expect("it fails");
        assert!(shrunk.preemptions() <= found.preemptions(), "seed {seed}");
        assert!(shrunk.steps() <= found.steps(), "seed {seed}");
        let again = Builder::new()
            .replay(&shrunk.schedule())
            .try_run(lost_update());
        assert!(
            matches!(&again, Err(SimError::Panic { message: m, .. }) if *m == message),
            "seed {seed}: the shrunk token replays {again:?}"
        );
    }
}

#[test]
fn shrinking_removes_the_deviations_that_do_not_matter() {
    let (mut found, mut shrunk) = (0, 0);
    for seed in failing_seeds() {
        found += Builder::new()
            .seed(seed)
            .try_run_traced(lost_update())
            .1
            .preemptions();
        shrunk += Builder::new()
            .seed(seed)
            .shrink(lost_update)
            .unwrap()
            .preemptions();
    }
    assert!(
        shrunk * 2 < found,
        "{found} deviations found, {shrunk} after shrinking"
    );
}

#[test]
fn a_passing_run_has_nothing_to_shrink() {
    assert!(Builder::new().seed(3).shrink(|| async {}).is_none());
}

#[test]
fn a_deadlock_shrinks_to_the_same_blocked_spawn_sites() {
    let program = || async {
        let (tx, rx) = chan::bounded::<u8>(0);
        let (noise, noise_rx) = chan::unbounded::<u8>();
        for i in 0..3 {
            let noise = noise.clone();
            hoare::spawn(async move { noise.send(i).await.unwrap() });
        }
        let _keep = (tx, noise, noise_rx);
        hoare::spawn(async move { rx.recv().await });
        std::future::pending::<()>().await;
    };
    let seed = (0..50)
        .find(|&seed| {
            Builder::new()
                .seed(seed)
                .try_run_traced(program())
                .1
                .preemptions()
                > 0
        })
        .expect("some seed deviates");
    let (found, _) = Builder::new().seed(seed).try_run_traced(program());
    let shrunk = Builder::new()
        .seed(seed)
        .shrink(program)
        .expect("it deadlocks");
    let again = Builder::new().replay(&shrunk.schedule()).try_run(program());
    let sites = |error: &SimError| match error {
        SimError::Deadlock { blocked, .. } => {
            let mut sites: Vec<String> = blocked
                .iter()
                .map(|(name, _)| {
                    name.split("spawned at ")
                        .nth(1)
                        .unwrap_or("main")
                        .to_string()
                })
                .collect();
            sites.sort();
            sites
        }
        other => panic!("expected a deadlock, got {other}"),
    };
    assert_eq!(sites(&again.unwrap_err()), sites(&found.unwrap_err()));
    assert_eq!(
        shrunk.preemptions(),
        0,
        "the deadlock needs no deviation:\n{shrunk}"
    );
}

#[test]
fn check_reports_the_shrunk_schedule_with_its_size_and_the_message_once() {
    let outcome = catch_unwind(|| sim::check(lost_update));
    let payload = outcome.expect_err("check finds the lost update");
    let report = payload.downcast_ref::<String>().expect("a report");
    assert!(report.contains("shrunk from"), "{report}");
    assert_eq!(
        report.matches("an increment was lost").count(),
        1,
        "{report}"
    );
    let token = report
        .split("HOARE_SCHEDULE=")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("a token");
    let shrunk = Builder::new().replay(token).try_run_traced(lost_update()).1;
    let size = format!(
        "({} steps, {} deviations",
        shrunk.steps(),
        shrunk.preemptions()
    );
    assert!(report.contains(&size), "{report}");
}

#[test]
fn an_assertion_shrinks_to_the_same_name() {
    let program = || async {
        let (tx, rx) = chan::unbounded::<u8>();
        for i in 0..4 {
            let tx = tx.clone();
            hoare::spawn(async move { tx.send(i).await.unwrap() });
        }
        hoare::yield_now().await;
        hoare::assert_always!(rx.try_recv().is_err(), "main looks first");
    };
    let error = Builder::new()
        .try_explore(program)
        .expect_err("a sender can run first");
    assert!(matches!(&error, SimError::Assertion { name, .. } if name == "main looks first"));
    let token = error.schedule().unwrap();
    let (_, trace) = Builder::new().replay(token).try_run_traced(program());
    assert_eq!(trace.preemptions(), 1);
}

/// A check-then-act race over an account process: two clients each ask
/// the balance, then set it less 80; the second must not pay out too.
async fn overdraft() {
    enum Request {
        Balance(chan::Sender<u32>),
        Set(u32),
    }
    let (requests, inbox) = chan::unbounded::<Request>();
    hoare::spawn(async move {
        let mut balance = 100;
        while let Ok(request) = inbox.recv().await {
            match request {
                Request::Balance(reply) => reply.send(balance).await.unwrap(),
                Request::Set(new) => balance = new,
            }
        }
    });
    let (paid_tx, paid_rx) = chan::unbounded::<u32>();
    for _ in 0..2 {
        let (requests, paid_tx) = (requests.clone(), paid_tx.clone());
        hoare::spawn(async move {
            let (reply, answer) = chan::bounded(1);
            requests.send(Request::Balance(reply)).await.unwrap();
            let balance = answer.recv().await.unwrap();
            if balance >= 80 {
                requests.send(Request::Set(balance - 80)).await.unwrap();
                paid_tx.send(80).await.unwrap();
            }
        });
    }
    drop(paid_tx);
    let mut paid = 0;
    while let Ok(amount) = paid_rx.recv().await {
        paid += amount;
    }
    assert!(paid <= 100, "overdraft: paid out {paid}");
}

#[test]
fn a_seeded_failure_that_one_preemption_causes_shrinks_to_one_deviation() {
    let failing: Vec<u64> = (0..100)
        .filter(|&seed| Builder::new().seed(seed).try_run(overdraft()).is_err())
        .take(5)
        .collect();
    assert!(!failing.is_empty(), "no seed found the overdraft");
    for seed in failing {
        let (_, found) = Builder::new().seed(seed).try_run_traced(overdraft());
        let shrunk = Builder::new()
            .seed(seed)
            .shrink(overdraft)
            .expect("the seed fails");
        assert_eq!(
            shrunk.preemptions(),
            1,
            "seed {seed}: {}",
            shrunk.schedule()
        );
        assert!(shrunk.steps() <= found.steps(), "seed {seed}");
        let replayed = Builder::new()
            .replay(&shrunk.schedule())
            .try_run(overdraft());
        assert!(
            matches!(&replayed, Err(SimError::Panic { message, .. }) if message.contains("overdraft")),
            "seed {seed}"
        );
    }
}
