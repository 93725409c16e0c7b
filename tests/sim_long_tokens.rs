//! Replay tokens of long runs fit in an environment variable: a seeded
//! run of a million steps that deviates at most of them (the explicit
//! form would take about 4 MB) has a token of a few dozen characters that
//! reruns it exactly, with the same fingerprint and the same token; one
//! that does not fit the program fails with `SimError::ReplayMismatch`.
//!
//! The runs have a million steps in release builds (CI's release step
//! runs this file) and a tenth of that in debug builds, still far past
//! the length where the explicit form stops fitting.

mod support;

use std::panic::catch_unwind;

use hoare::chan;
use hoare::sim::{Builder, SimError, Strategy, Trace};

/// Linux's limit on one environment string (`MAX_ARG_STRLEN`) is 128 KiB;
/// a token stays well under half of it.
const TOKEN_LIMIT: usize = 64 * 1024;

/// The steps of a long run: a million in release builds.
fn long_run_steps() -> u64 {
    support::scale(1_000_000) as u64
}

/// Three processes that yield `steps / 3` times each and pass a value on
/// a channel every 100 yields, with the main future counting what
/// arrives: two or three processes are runnable at nearly every step.
async fn yielders(steps: u64) -> u64 {
    let (tx, rx) = chan::unbounded::<u64>();
    for _ in 0..3 {
        let tx = tx.clone();
        hoare::spawn(async move {
            for i in 0..steps / 3 {
                hoare::yield_now().await;
                if i % 100 == 0 {
                    tx.send(i).await.unwrap();
                }
            }
        });
    }
    drop(tx);
    let mut count = 0;
    while rx.recv().await.is_ok() {
        count += 1;
    }
    hoare::sim::observe(&count);
    count
}

fn long_builder() -> Builder {
    Builder::new().max_steps(20 * long_run_steps())
}

/// Runs `builder` on a long run, checks its token's size, replays the
/// token and checks that the replay is the same run with the same token.
fn long_run_replays_from_a_short_token(builder: Builder) -> (Trace, String) {
    let steps = long_run_steps();
    support::within(120, move || {
        let (count, trace) = builder.run_traced(yielders(steps));
        assert!(trace.steps() >= steps, "{} steps", trace.steps());
        assert!(
            trace.preemptions() > trace.steps() / 2,
            "the run deviates at most steps: {} deviations in {} steps",
            trace.preemptions(),
            trace.steps()
        );
        let token = trace.schedule();
        assert!(token.len() < TOKEN_LIMIT, "{} characters", token.len());
        assert!(token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b)));
        let (again, replayed) = long_builder().replay(&token).run_traced(yielders(steps));
        assert_eq!(again, count);
        assert_eq!(replayed.fingerprint(), trace.fingerprint());
        assert_eq!(replayed.steps(), trace.steps());
        assert_eq!(
            replayed.schedule(),
            token,
            "a replay's token is the token replayed"
        );
        (trace, token)
    })
}

#[test]
fn a_million_step_random_run_has_a_short_token_that_replays_the_same_run() {
    let (_, token) = long_run_replays_from_a_short_token(long_builder().seed(7));
    assert!(token.starts_with("v2.s.random.7."), "{token}");
}

#[test]
fn a_million_step_pct_run_has_a_short_token_that_replays_the_same_run() {
    let (_, token) = long_run_replays_from_a_short_token(
        long_builder().seed(3).strategy(Strategy::Pct { depth: 3 }),
    );
    assert!(token.starts_with("v2.s.pct3.3."), "{token}");
}

#[test]
fn a_long_run_with_faults_names_its_mode_in_its_seeded_token() {
    let steps = support::scale(100_000) as u64;
    support::within(120, move || {
        let builder = long_builder().seed(5).faults(true);
        let (_, trace) = builder.run_traced(yielders(steps));
        let token = trace.schedule();
        assert!(token.starts_with("v2.sf.random.5."), "{token}");
        let (_, replayed) = long_builder().replay(&token).run_traced(yielders(steps));
        assert_eq!(replayed.fingerprint(), trace.fingerprint());
        assert_eq!(replayed.schedule(), token);
    });
}

#[test]
fn a_short_seeded_run_keeps_the_explicit_token() {
    let (_, trace) = Builder::new().seed(7).run_traced(yielders(30));
    let token = trace.schedule();
    assert!(token.starts_with("v1.s."), "{token}");
    let (_, replayed) = Builder::new().replay(&token).run_traced(yielders(30));
    assert_eq!(replayed.schedule(), token);
}

#[test]
fn a_long_explore_schedule_has_a_short_token_that_replays_the_same_run() {
    // `explore`'s reduction takes time quadratic in a run's length, so
    // its runs here are shorter than the seeded ones.
    let steps = support::scale(20_000) as u64;
    support::within(120, move || {
        // The main future and a worker each yield `steps / 2` times; the
        // default schedule runs the main future to its end first, so the
        // worker finishes first only after a preemption.
        let program = move || async move {
            let worker = hoare::spawn(async move {
                for _ in 0..steps / 2 {
                    hoare::yield_now().await;
                }
            });
            for _ in 0..steps / 2 {
                hoare::yield_now().await;
            }
            assert!(!worker.is_finished(), "the worker finished first");
        };
        let error = long_builder()
            .max_preemptions(Some(1))
            .max_schedules(20)
            .try_explore(program)
            .expect_err("a preemption lets the worker finish first");
        assert!(matches!(error, SimError::Panic { .. }), "{error}");
        let token = error.schedule().unwrap().to_string();
        assert!(token.starts_with("v1."), "{token}");
        assert!(token.len() < 100, "{token}");
        let (result, trace) = long_builder().replay(&token).try_run_traced(program());
        assert!(matches!(result, Err(SimError::Panic { .. })));
        assert!(trace.steps() >= steps, "{} steps", trace.steps());
        assert_eq!(trace.schedule(), token);
        let (_, again) = long_builder().replay(&token).try_run_traced(program());
        assert_eq!(again.fingerprint(), trace.fingerprint());
    });
}

#[test]
fn a_seeded_token_of_another_run_fails_with_a_replay_mismatch() {
    let steps = support::scale(100_000) as u64;
    support::within(120, move || {
        let (_, trace) = long_builder().seed(11).run_traced(yielders(steps));
        let token = trace.schedule();
        assert!(token.starts_with("v2."), "{token}");

        // A longer program makes more choices than the token's run.
        let longer = long_builder()
            .replay(&token)
            .try_run(yielders(steps + 300))
            .unwrap_err();
        assert!(
            matches!(&longer, SimError::ReplayMismatch { reason, .. } if reason.contains("more")),
            "{longer}"
        );

        // The same choices with other data: the fingerprints differ.
        let other_data = long_builder()
            .replay(&token)
            .try_run(async move {
                let count = yielders(steps).await;
                hoare::sim::observe("something else");
                count
            })
            .unwrap_err();
        assert!(
            matches!(&other_data, SimError::ReplayMismatch { reason, .. } if reason.contains("fingerprint")),
            "{other_data}"
        );

        // Another count of choices, or another fingerprint, in the token.
        let items: Vec<&str> = token.split('.').collect();
        let total: u64 = items[4].parse().unwrap();
        let fewer = [
            items[..4].join("."),
            (total + 5).to_string(),
            items[5].into(),
        ]
        .join(".");
        let error = long_builder()
            .replay(&fewer)
            .try_run(yielders(steps))
            .unwrap_err();
        assert!(
            matches!(&error, SimError::ReplayMismatch { reason, .. } if reason.contains("ended after")),
            "{error}"
        );
        let forged = [items[..5].join("."), "0123456789abcdef".into()].join(".");
        let error = long_builder()
            .replay(&forged)
            .try_run(yielders(steps))
            .unwrap_err();
        assert!(matches!(&error, SimError::ReplayMismatch { .. }), "{error}");
    });
}

#[test]
fn a_malformed_seeded_token_makes_replay_panic_with_the_reason() {
    for (token, reason) in [
        ("v2.s.random.7.12", "six items"),
        ("v2.s.dfs.7.12.0123456789abcdef", "not a strategy"),
        ("v2.s.pct0.7.12.0123456789abcdef", "not a strategy"),
        ("v2.s.random.7.12.0123", "not a fingerprint"),
        ("v2.x.random.7.12.0123456789abcdef", "mode"),
        ("v9.s.4p2.0", "another version of hoare"),
    ] {
        let panic = catch_unwind(|| Builder::new().replay(token)).unwrap_err();
        let message = panic.downcast_ref::<String>().unwrap();
        assert!(
            message.contains("is not a replay token") && message.contains(reason),
            "{token}: {message}"
        );
    }
}

/// Two workers that take `steps / 2` turns each, counting how often the
/// turn passes from one to the other; the run fails when it passed at
/// least `switches` times. A failure that needs thousands of deviations.
async fn many_switches(steps: u64, switches: u64) {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::Arc;

    let last = Arc::new(AtomicU64::new(0));
    let passed = Arc::new(AtomicU64::new(0));
    let workers: Vec<_> = (1..=2)
        .map(|id| {
            let (last, passed) = (last.clone(), passed.clone());
            hoare::spawn(async move {
                for _ in 0..steps / 2 {
                    if last.swap(id, Ordering::Relaxed) != id {
                        passed.fetch_add(1, Ordering::Relaxed);
                    }
                    hoare::yield_now().await;
                }
            })
        })
        .collect();
    for worker in workers {
        worker.await.unwrap();
    }
    let passed = passed.load(Ordering::Relaxed);
    assert!(passed < switches, "the turn passed too often");
}

#[test]
#[cfg_attr(
    debug_assertions,
    ignore = "a thousand shrinking replays of a long run: CI's release step runs it"
)]
fn a_failure_that_shrinks_to_an_oversized_schedule_reports_the_first_runs_seeded_token() {
    support::within(300, || {
        // Random passes the turn at about half of 12,000 steps; the
        // failure needs 5,000 passes, so every failing schedule has more
        // than 4,096 deviations: an explicit token over 16 KiB.
        let program = || many_switches(12_000, 5_000);
        let (result, first) = Builder::new().seed(0).try_run_traced(program());
        assert!(result.is_err(), "seed 0 fails");
        assert!(first.schedule().starts_with("v2."), "{}", first.schedule());
        // `check` over seed 0 alone: it shrinks the failure and reports it.
        std::env::set_var("HOARE_SIM_ITERS", "1");
        let report = catch_unwind(|| Builder::new().check(program)).expect_err("seed 0 fails");
        std::env::remove_var("HOARE_SIM_ITERS");
        let report = report.downcast_ref::<String>().unwrap();
        let token = report
            .split("HOARE_SCHEDULE=")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap();
        assert!(token.starts_with("v2.s.random.0."), "{token}");
        assert!(
            report.contains("the run first found is reported"),
            "{report:.2000}"
        );
        let error = Builder::new().replay(token).try_run(program()).unwrap_err();
        assert!(matches!(error, SimError::Panic { .. }), "{error}");
    });
}
