//! `check`: run a simulated program under many seeds.

use std::future::Future;

use super::assertions::Coverage;
use super::executor::Config;
use super::{executor, shrink, Builder, SimError, Trace};

/// Runs `make()` as a simulation under seeds `0..N` and panics at the first
/// failing seed (a panic, a deadlock, a livelock, a failed assertion) with
/// a message that holds the seed as `HOARE_SEED=<seed>`, the run's token as
/// `HOARE_SCHEDULE=<token>`, the command that replays it and the run a
/// step a line.
///
/// * `N` comes from the environment variable `HOARE_SIM_ITERS` (default
///   1000).
/// * With `HOARE_SEED=<seed>` set, only that seed runs; with
///   `HOARE_SCHEDULE=<token>` set, only that schedule.
/// * The failing schedule is shrunk before it is reported (fewer
///   deviations and steps, the same failure; see `Builder::shrink`),
///   unless `HOARE_SHRINK=0`; `HOARE_SEED` replays it as found.
/// * Over all the runs, an `assert_sometimes!` executed but never true
///   fails the check (in a single-run mode it is only reported); how often
///   each one held is printed.
/// * With `HOARE_CHECK_DETERMINISM=1`, each seed runs twice and the check
///   fails if the two traces' fingerprints differ (the program has a source
///   of nondeterminism the simulation does not control). The fingerprint
///   covers the schedule (which process ran at each step, every choice,
///   every virtual time) and the run's observations: every outcome of
///   `assert_always!`/`assert_sometimes!`, and every value passed to
///   [`observe`](super::observe). Data a program computes but neither
///   asserts on nor observes is not compared.
/// * A failing seed is always run a second time before it is reported, and
///   the report says whether that run failed the same way with the same
///   fingerprint ("replayed") or not.
///
/// The reported seed replays with `hoare::sim::Builder::new().seed(N)`.
///
/// ```
/// hoare::sim::check(|| async {
///     let (tx, rx) = hoare::chan::bounded::<u8>(1);
///     hoare::spawn(async move { tx.send(1).await.unwrap() });
///     assert_eq!(rx.recv().await, Ok(1));
/// });
/// ```
#[track_caller]
pub fn check<F, Fut>(make: F)
where
    F: Fn() -> Fut,
    Fut: Future,
{
    check_with(&Builder::new(), make);
}

fn env_number(name: &str) -> Option<u64> {
    let value = std::env::var(name).ok()?;
    match value.trim().parse() {
        Ok(number) => Some(number),
        Err(_) => panic!("hoare::sim::check: {name}={value:?} is not a number"),
    }
}

/// The schedule `HOARE_SCHEDULE` names, if set.
pub(crate) fn env_schedule() -> Option<String> {
    let token = std::env::var("HOARE_SCHEDULE").ok()?;
    let token = token.trim();
    (!token.is_empty()).then(|| token.to_string())
}

/// The name of the running test (libtest names each test's thread after
/// it), for the replay command.
pub(crate) fn test_name() -> String {
    std::thread::current()
        .name()
        .unwrap_or("<test name>")
        .to_string()
}

/// The report of a failing run found by `caller` (`check` or `explore`):
/// the failure once, its token as `HOARE_SCHEDULE=<token>` (and the seed
/// where there is one), the replay command, and the trace a step a line
/// (of a very long run, its first and last steps: `Trace::without_messages`).
pub(crate) fn failure_report(
    caller: &str,
    seed: Option<&str>,
    error: &SimError,
    trace: &Trace,
    shrunk: Option<&str>,
) -> String {
    let token = trace.schedule();
    let shrunk = shrunk.map(|line| format!("{line}\n")).unwrap_or_default();
    let seed = seed.map(|seed| format!("{seed} ")).unwrap_or_default();
    format!(
        "hoare::sim::{caller} failed with {seed}HOARE_SCHEDULE={token}\n\
         {error}\n\
         ({} steps, {} deviations from the default schedule)\n\
         {shrunk}\
         replay it with: {command}\n\
         or in code: hoare::sim::Builder::new().replay(\"{token}\").run(..)\n\
         the run, a step a line:\n{}",
        trace.steps(),
        trace.preemptions(),
        trace.without_messages(),
        command = replay_command(&token),
    )
}

/// The command that reruns the failing schedule: `cargo test` of this very
/// test when a test harness runs it (libtest names each test's thread after
/// the test), else this program run again with the token in its
/// environment.
fn replay_command(token: &str) -> String {
    let test = test_name();
    if test == "main" || test == "<test name>" {
        return format!(
            "HOARE_SCHEDULE={token} set in the environment of the command that ran this program"
        );
    }
    format!(
        "HOARE_SCHEDULE={token} cargo test{target} {test} -- --exact",
        target = cargo_target()
    )
}

/// The `cargo test` options that select the running test binary: `--lib`
/// for the crate's unit tests, `--test NAME` for an integration test
/// (cargo names its binary `NAME-<hash>`), `--release` when built
/// optimised; empty when the binary is not recognised.
pub(crate) fn cargo_target() -> String {
    let release = if cfg!(debug_assertions) {
        ""
    } else {
        " --release"
    };
    let Some(stem) = std::env::current_exe().ok().and_then(|exe| {
        exe.file_stem()
            .map(|stem| stem.to_string_lossy().into_owned())
    }) else {
        return release.to_string();
    };
    let name = match stem.rsplit_once('-') {
        Some((name, hash)) if hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()) => {
            name
        }
        _ => return release.to_string(),
    };
    if name == env!("CARGO_CRATE_NAME") {
        format!("{release} --lib")
    } else {
        format!("{release} --test {name}")
    }
}

#[track_caller]
pub(crate) fn check_with<F, Fut>(builder: &Builder, make: F)
where
    F: Fn() -> Fut,
    Fut: Future,
{
    let coverage = Coverage::start();
    if let Some(token) = env_schedule() {
        let replay = builder.clone().replay(&token);
        let (result, trace) = executor::run(replay.config(), make());
        if let Err(error) = result {
            panic!("{}", failure_report("check", None, &error, &trace, None));
        }
        report_coverage(&coverage, true);
        return;
    }
    let single = env_number("HOARE_SEED");
    let seeds: Vec<u64> = match single {
        Some(seed) => vec![seed],
        None => (0..env_number("HOARE_SIM_ITERS").unwrap_or(1000)).collect(),
    };
    let twice = std::env::var("HOARE_CHECK_DETERMINISM").is_ok_and(|value| value.trim() == "1");
    for seed in seeds {
        let config = builder.clone().seed(seed).config().clone();
        let (result, trace) = executor::run(&config, make());
        if let Err(error) = result {
            // The seed a user will replay is the one verified: run it again.
            let (again, again_trace) = executor::run(&config, make());
            let replayed = replay_verdict(&error, &trace, again.err().as_ref(), &again_trace);
            let faults = if config.faults { ".faults(true)" } else { "" };
            let seed = format!(
                "HOARE_SEED={seed} (also Builder::new().seed({seed}).strategy(Strategy::{:?}){faults})",
                config.strategy
            );
            let (error, trace, summary) = shrink_if_enabled(&config, &make, error, trace);
            let summary = match summary {
                Some(summary) => format!("{replayed}\n{summary}"),
                None => replayed,
            };
            panic!(
                "{}",
                failure_report("check", Some(&seed), &error, &trace, Some(&summary))
            );
        }
        if twice {
            let (_, again) = executor::run(&config, make());
            if again.fingerprint() != trace.fingerprint() {
                panic!(
                    "hoare::sim::check: HOARE_SEED={seed} is not deterministic: two runs gave \
                     trace fingerprints (schedule and observations) {:#x} and {:#x}; the \
                     program has a source of nondeterminism outside the simulation \
                     (threads, wall-clock time, HashMap order, I/O)",
                    trace.fingerprint(),
                    again.fingerprint()
                );
            }
        }
    }
    report_coverage(&coverage, single.is_some());
}

/// Whether a failing seed, run a second time, failed the same way with the
/// same trace: a line for the report.
fn replay_verdict(
    error: &SimError,
    trace: &Trace,
    again: Option<&SimError>,
    again_trace: &Trace,
) -> String {
    let same_failure = again.is_some_and(|again| again.to_string() == error.to_string());
    if same_failure && again_trace.fingerprint() == trace.fingerprint() {
        format!(
            "replayed: a second run of the seed failed the same way (trace fingerprint {:#x})",
            trace.fingerprint()
        )
    } else {
        format!(
            "NOT replayed: a second run of the seed {} (trace fingerprints {:#x} and {:#x}); \
             the program has a source of nondeterminism outside the simulation (threads, \
             wall-clock time, HashMap order, I/O), so the seed may not reproduce the failure",
            match again {
                Some(again) if !same_failure => format!("failed differently: {again}"),
                Some(_) => "failed the same way but with another schedule or other observed data"
                    .to_string(),
                None => "passed".to_string(),
            },
            trace.fingerprint(),
            again_trace.fingerprint()
        )
    }
}

/// Shrinks a failure unless `HOARE_SHRINK=0`: the failure to report, its
/// trace, and what shrinking did.
pub(crate) fn shrink_if_enabled<F, Fut>(
    config: &Config,
    make: &F,
    error: SimError,
    trace: Trace,
) -> (SimError, Trace, Option<String>)
where
    F: Fn() -> Fut,
    Fut: Future,
{
    if !shrink::enabled() {
        return (error, trace, None);
    }
    let shrunk = shrink::shrink(config, make, error, trace);
    let summary = shrunk.summary();
    (shrunk.error, shrunk.trace, Some(summary))
}

/// Prints how often each `assert_sometimes!` held, and fails on one that
/// was executed and never held (only reports it in a single-run mode).
#[track_caller]
pub(crate) fn report_coverage(coverage: &Coverage, single_run: bool) {
    let summary = coverage.summary();
    if !summary.is_empty() {
        eprintln!("hoare::sim coverage:\n{summary}");
    }
    if let Some((name, tally)) = coverage.never_held() {
        if single_run {
            eprintln!(
                "hoare::sim: assert_sometimes!({name:?}) never held in this run (executed {} \
                 times); not a failure when replaying a single run",
                tally.executed
            );
        } else {
            panic!(
                "hoare::sim::check: assert_sometimes!({name:?}) was executed {} times and never \
                 held over all runs: no run reached the state it names; run more seeds \
                 (HOARE_SIM_ITERS) or fix the test",
                tally.executed
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_single_run_reports_a_never_held_sometimes_without_failing() {
        let coverage = Coverage::start();
        crate::sim::Builder::new().run(async {
            crate::assert_sometimes!(false, "never in this run");
        });
        assert_eq!(
            coverage.never_held().map(|(name, _)| name),
            Some("never in this run")
        );
        report_coverage(&coverage, true);
        let outcome = std::panic::catch_unwind(|| report_coverage(&coverage, false));
        assert!(outcome.is_err(), "over many runs it fails");
    }
}
