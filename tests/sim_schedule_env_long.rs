//! `HOARE_SCHEDULE=<token>` of a long seeded run, set in the environment
//! of a process, makes `check` and `explore` run that schedule alone. The
//! test runs its own binary again as a child with the variable set, as a
//! user pastes a report's replay command; the child test does its work
//! only when the variable is set.

mod support;

use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};

use hoare::sim::Builder;

/// Linux's limit on one environment string (`MAX_ARG_STRLEN`).
const ENV_STRING_LIMIT: usize = 128 * 1024;

static RUNS: AtomicU64 = AtomicU64::new(0);

/// The steps of the long run: a million in release builds.
fn steps() -> u64 {
    support::scale(1_000_000) as u64
}

/// Three processes yielding `steps / 3` times each.
async fn yielders(steps: u64) {
    RUNS.fetch_add(1, Ordering::SeqCst);
    let workers: Vec<_> = (0..3)
        .map(|_| {
            hoare::spawn(async move {
                for _ in 0..steps / 3 {
                    hoare::yield_now().await;
                }
            })
        })
        .collect();
    for worker in workers {
        worker.await.unwrap();
    }
}

fn builder() -> Builder {
    Builder::new().max_steps(20 * steps())
}

/// The child: replays `HOARE_SCHEDULE` through `check` and `explore`,
/// once each, and through `Builder::replay`, whose token must be the
/// variable's.
#[test]
fn child_runs_the_schedule_in_its_environment_alone() {
    let Ok(token) = std::env::var("HOARE_SCHEDULE") else {
        return;
    };
    RUNS.store(0, Ordering::SeqCst);
    builder().check(|| yielders(steps()));
    assert_eq!(
        RUNS.load(Ordering::SeqCst),
        1,
        "check ran the schedule alone"
    );
    let explored = builder().explore(|| yielders(steps()));
    assert_eq!(explored.schedules(), 1, "explore ran the schedule alone");
    let (_, trace) = builder().replay(&token).run_traced(yielders(steps()));
    assert_eq!(trace.schedule(), token);
    println!("replayed {} steps", trace.steps());
}

/// Runs the child test with `HOARE_SCHEDULE=token`; its success and output.
fn child(token: &str) -> (bool, String) {
    let output = Command::new(std::env::current_exe().unwrap())
        .args([
            "child_runs_the_schedule_in_its_environment_alone",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("HOARE_SCHEDULE", token)
        .output()
        .expect("the test binary runs again as a child");
    let text = String::from_utf8_lossy(&output.stdout) + String::from_utf8_lossy(&output.stderr);
    (output.status.success(), text.into_owned())
}

#[test]
fn a_long_runs_token_in_a_childs_environment_replays_it() {
    support::within(120, || {
        let (_, trace) = builder().seed(21).run_traced(yielders(steps()));
        let token = trace.schedule();
        assert!(
            token.len() < ENV_STRING_LIMIT / 2,
            "{} characters",
            token.len()
        );
        let (passed, output) = child(&token);
        assert!(passed, "the child failed:\n{output}");
        assert!(
            output.contains(&format!("replayed {} steps", trace.steps())),
            "{output}"
        );

        // A token of another run fails the child with the mismatch.
        let items: Vec<&str> = token.split('.').collect();
        let forged = [items[..5].join("."), "0123456789abcdef".into()].join(".");
        let (passed, output) = child(&forged);
        assert!(!passed, "a forged token passed:\n{output}");
        assert!(output.contains("does not fit the program"), "{output}");
        assert!(output.contains("fingerprint"), "{output}");
    });
}
