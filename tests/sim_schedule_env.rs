//! `HOARE_SCHEDULE` and `HOARE_SEED` in the environment make `check` and
//! `explore` run one schedule alone. One test in its own binary: it sets
//! process-wide environment variables, which tests running in parallel
//! would see.

use std::sync::atomic::{AtomicU64, Ordering};

use hoare::chan;
use hoare::sim::{self, Builder};

static RUNS: AtomicU64 = AtomicU64::new(0);

async fn racer() -> bool {
    RUNS.fetch_add(1, Ordering::SeqCst);
    let (tx, rx) = chan::bounded::<u8>(1);
    hoare::spawn(async move { tx.send(1).await.unwrap() });
    hoare::yield_now().await;
    let early = rx.try_recv().is_ok();
    hoare::assert_sometimes!(early, "the sender ran first");
    early
}

fn runs_of(f: impl FnOnce()) -> u64 {
    RUNS.store(0, Ordering::SeqCst);
    f();
    RUNS.load(Ordering::SeqCst)
}

#[test]
fn one_schedule_from_the_environment_runs_alone_and_reports_without_failing() {
    // The default schedule: the main future keeps running, the sender
    // never goes first, so the sometimes never holds in this one run.
    let (_, trace) = Builder::new().replay("v1.0p1.0").run_traced(async {
        racer().await;
    });
    let preempting = trace.schedule();
    let default_token = (0..100)
        .map(|total| format!("v1.{total}"))
        .find(|token| Builder::new().replay(token).try_run(racer()).is_ok())
        .expect("the default schedule");

    std::env::set_var("HOARE_SCHEDULE", &default_token);
    assert_eq!(
        runs_of(|| sim::check(|| async { assert!(!racer().await) })),
        1
    );
    assert_eq!(
        runs_of(|| {
            sim::explore(|| async { assert!(!racer().await) });
        }),
        1
    );

    std::env::set_var("HOARE_SCHEDULE", &preempting);
    let failed = std::panic::catch_unwind(|| sim::check(|| async { assert!(!racer().await) }));
    let report = failed.expect_err("the preempting schedule fails");
    let report = report.downcast_ref::<String>().unwrap();
    assert!(
        report.contains(&format!("HOARE_SCHEDULE={preempting}")),
        "{report}"
    );
    std::env::remove_var("HOARE_SCHEDULE");

    // One seed: one run, or two under `HOARE_CHECK_DETERMINISM=1`, which
    // runs each seed twice to compare the traces.
    let runs_per_seed = match std::env::var("HOARE_CHECK_DETERMINISM").as_deref() {
        Ok(value) if value.trim() == "1" => 2,
        _ => 1,
    };
    std::env::set_var("HOARE_SEED", "0");
    assert_eq!(
        runs_of(|| sim::check(|| async {
            racer().await;
        })),
        runs_per_seed
    );
    std::env::remove_var("HOARE_SEED");

    assert!(
        runs_of(|| sim::check(|| async {
            racer().await;
        })) > 1
    );
}
