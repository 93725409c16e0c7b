//! `check`: run a simulated program under many seeds.

use std::future::Future;

use super::{executor, Builder};

/// Runs `make()` as a simulation under seeds `0..N` and panics at the first
/// failing seed (a panic, a deadlock, a livelock) with a message that holds
/// the seed as `HOARE_SEED=<seed>` and the command that replays it.
///
/// * `N` comes from the environment variable `HOARE_SIM_ITERS` (default
///   1000).
/// * With `HOARE_SEED=<seed>` set, only that seed runs.
/// * With `HOARE_CHECK_DETERMINISM=1`, each seed runs twice and the check
///   fails if the two traces' fingerprints differ (the program has a source
///   of nondeterminism the simulation does not control).
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

#[track_caller]
pub(crate) fn check_with<F, Fut>(builder: &Builder, make: F)
where
    F: Fn() -> Fut,
    Fut: Future,
{
    let seeds: Vec<u64> = match env_number("HOARE_SEED") {
        Some(seed) => vec![seed],
        None => (0..env_number("HOARE_SIM_ITERS").unwrap_or(1000)).collect(),
    };
    let twice = std::env::var("HOARE_CHECK_DETERMINISM").is_ok_and(|value| value.trim() == "1");
    let test = std::thread::current()
        .name()
        .unwrap_or("<test name>")
        .to_string();
    for seed in seeds {
        let config = builder.clone().seed(seed).config().clone();
        let (result, trace) = executor::run(&config, make());
        if let Err(error) = result {
            panic!(
                "hoare::sim::check failed with HOARE_SEED={seed} ({:?}):\n{error}\n\
                 replay it with: HOARE_SEED={seed} cargo test {test} -- --exact\n\
                 or in code: hoare::sim::Builder::new().seed({seed}).strategy(hoare::sim::Strategy::{:?}).run(..)",
                config.strategy, config.strategy
            );
        }
        if twice {
            let (_, again) = executor::run(&config, make());
            if again.fingerprint() != trace.fingerprint() {
                panic!(
                    "hoare::sim::check: HOARE_SEED={seed} is not deterministic: two runs gave \
                     trace fingerprints {:#x} and {:#x}; the program has a source of \
                     nondeterminism outside the simulation (threads, wall-clock time, \
                     HashMap order, I/O)",
                    trace.fingerprint(),
                    again.fingerprint()
                );
            }
        }
    }
}
