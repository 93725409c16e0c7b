//! Replay tokens: every run has one, it reruns the run exactly, it is
//! canonical, and one that does not fit the program fails the run.

use std::panic::catch_unwind;
use std::time::Duration;

use hoare::chan;
use hoare::sim::{Builder, SimError, Strategy, Trace};

/// Processes racing on a channel, a select over two ready arms, timers due
/// at one instant and a buggify site: every kind of choice.
async fn every_kind_of_choice() -> Vec<u32> {
    let (tx, rx) = chan::unbounded();
    for i in 0..3 {
        let tx = tx.clone();
        hoare::spawn(async move {
            if hoare::buggify!() {
                hoare::yield_now().await;
            }
            tx.send(i).await.unwrap();
        });
    }
    let (a, b) = (chan::bounded(1), chan::bounded(1));
    a.0.send(10).await.unwrap();
    b.0.send(20).await.unwrap();
    let first = hoare::select! {
        recv(a.1) -> v => v.unwrap(),
        recv(b.1) -> v => v.unwrap(),
    };
    let (t1, t2) = (
        hoare::time::after(Duration::from_millis(5)),
        hoare::time::after(Duration::from_millis(5)),
    );
    let timer = hoare::select! {
        recv(t1) -> _ => 1,
        recv(t2) -> _ => 2,
    };
    drop(tx);
    let mut order = vec![first, timer];
    while let Ok(v) = rx.recv().await {
        order.push(v);
    }
    order
}

fn traced(builder: Builder) -> (Vec<u32>, Trace) {
    builder.run_traced(every_kind_of_choice())
}

fn allowed(token: &str) -> bool {
    token
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'-')
}

#[test]
fn every_seeded_run_replays_from_its_token_with_the_same_fingerprint() {
    for strategy in [Strategy::Random, Strategy::Pct { depth: 2 }] {
        for seed in 0..50 {
            let (out, trace) = traced(Builder::new().seed(seed).strategy(strategy));
            let token = trace.schedule();
            assert!(token.starts_with("v1.") && allowed(&token), "{token}");
            let (again, replayed) = traced(Builder::new().replay(&token));
            assert_eq!(out, again, "seed {seed} {strategy:?}");
            assert_eq!(
                trace.fingerprint(),
                replayed.fingerprint(),
                "seed {seed} {strategy:?}"
            );
            assert_eq!(
                replayed.schedule(),
                token,
                "a replay's token is the token replayed"
            );
            assert_eq!(replayed.preemptions(), trace.preemptions());
            assert_eq!(replayed.steps(), trace.steps());
        }
    }
}

#[test]
fn the_seeds_explore_every_kind_of_choice() {
    let outcomes: std::collections::BTreeSet<(u32, u32)> = (0..200)
        .map(|seed| {
            let out = traced(Builder::new().seed(seed)).0;
            (out[0], out[1])
        })
        .collect();
    assert_eq!(
        outcomes.len(),
        4,
        "both select arms and both timer orders: {outcomes:?}"
    );
}

/// The token of the default schedule of `make()`: no deviations, and as
/// many choice points as the program makes with the defaults.
fn default_token<F: std::future::Future>(make: impl Fn() -> F) -> String {
    (0..10_000)
        .map(|total| format!("v1.{total}"))
        .find(|token| {
            Builder::new()
                .replay(token)
                .try_run_traced(make())
                .0
                .is_ok()
        })
        .expect("the default schedule makes fewer than 10,000 choices")
}

#[test]
fn the_default_schedule_has_no_deviations() {
    let token = default_token(every_kind_of_choice);
    let (out, trace) = traced(Builder::new().replay(&token));
    assert_eq!(trace.preemptions(), 0);
    assert_eq!(&out[..2], &[10, 1], "written order, registration order");
    assert_eq!(
        &out[2..],
        &[0, 1, 2],
        "the lowest-numbered runnable process first"
    );
}

#[test]
fn steps_count_every_poll_with_the_main_future() {
    let (_, trace) = Builder::new().seed(1).run_traced(async {
        hoare::spawn(async {}).await.unwrap();
    });
    let polls = trace
        .events()
        .iter()
        .filter(|e| matches!(e, hoare::sim::Event::Poll { .. }))
        .count();
    assert_eq!(trace.steps(), polls as u64);
    assert_eq!(trace.steps(), 3, "main, the child, main again");
}

#[test]
fn a_switch_away_from_a_runnable_process_is_one_deviation() {
    let program = || async {
        hoare::spawn(async {});
        hoare::yield_now().await; // main stays runnable: p1 runs only by a preemption
    };
    let (_, default) = Builder::new()
        .replay(&default_token(program))
        .run_traced(program());
    assert_eq!(default.preemptions(), 0);
    let (_, preempted) = Builder::new().replay("v1.0p1.0").run_traced(program());
    assert_eq!(preempted.preemptions(), 1);
    assert_eq!(preempted.schedule(), "v1.0p1.0");
}

#[test]
#[should_panic(expected = "is not a replay token")]
fn a_malformed_token_panics_in_replay() {
    let _ = Builder::new().replay("v1.3q");
}

#[test]
fn a_token_naming_a_process_that_is_not_runnable_is_a_mismatch() {
    let result = Builder::new().replay("v1.0p9.0").try_run(async {
        hoare::spawn(async {});
        hoare::yield_now().await;
    });
    match result {
        Err(error @ SimError::ReplayMismatch { .. }) => {
            assert!(error.to_string().contains("p9 is not runnable"), "{error}");
            assert_eq!(error.seed(), 0);
        }
        other => panic!("expected a mismatch, got {other:?}"),
    }
}

fn assert_mismatch(token: &str) {
    let result = Builder::new().replay(token).try_run(every_kind_of_choice());
    assert!(
        matches!(result, Err(SimError::ReplayMismatch { .. })),
        "{token}: {result:?}"
    );
}

#[test]
fn a_token_that_runs_out_early_is_a_mismatch() {
    assert_mismatch("v1.1");
}

#[test]
fn a_token_with_choices_left_over_is_a_mismatch() {
    let (_, trace) = traced(Builder::new().seed(4));
    let token = trace.schedule();
    let (head, last) = token.rsplit_once('.').unwrap();
    assert_mismatch(&format!("{head}.{}", last.parse::<u64>().unwrap() + 5));
}

#[test]
fn a_failed_run_carries_its_token_and_replays_to_the_same_failure() {
    let program = || async {
        let (tx, rx) = chan::bounded::<u8>(1);
        let racer = hoare::spawn(async move { tx.send(1).await.unwrap() });
        hoare::yield_now().await;
        if rx.try_recv().is_ok() {
            panic!("the racer won");
        }
        racer.await.unwrap();
    };
    let error = (0..100)
        .find_map(|seed| Builder::new().seed(seed).try_run(program()).err())
        .expect("some seed lets the racer win");
    let token = error
        .schedule()
        .expect("a run's error has a token")
        .to_string();
    let again = Builder::new()
        .replay(&token)
        .try_run(program())
        .unwrap_err();
    assert_eq!(again.schedule(), Some(token.as_str()));
    assert!(matches!(again, SimError::Panic { ref message, .. } if message == "the racer won"));
    assert_eq!(again.seed(), 0, "a replay has no seed");
}

#[test]
fn check_reports_the_token_and_a_replay_command() {
    let outcome = catch_unwind(|| {
        hoare::sim::check(|| async {
            let (tx, rx) = chan::bounded::<u8>(1);
            hoare::spawn(async move { tx.send(1).await.unwrap() });
            hoare::yield_now().await;
            assert!(rx.try_recv().is_err(), "the sender went first");
        })
    });
    let payload = outcome.expect_err("some seed lets the sender go first");
    let report = payload
        .downcast_ref::<String>()
        .expect("a formatted report")
        .clone();
    let token = report
        .split("HOARE_SCHEDULE=")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("the report names HOARE_SCHEDULE=<token>");
    assert!(token.starts_with("v1.") && allowed(token), "{report}");
    assert!(report.contains("HOARE_SEED="), "{report}");
    assert!(report.contains("-- --exact"), "{report}");
    assert_eq!(
        report.matches("the sender went first").count(),
        1,
        "{report}"
    );
}
