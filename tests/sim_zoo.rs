//! The bug zoo (`benches/zoo/`, measured by `cargo bench --bench zoo`)
//! cannot rot: every planted bug is found by at least one of the
//! simulation's strategies within a few seeds, and the control program
//! never fails. The schedules depend on the seed alone, so the outcome is
//! the same in debug and release builds.

#[allow(dead_code)]
#[path = "../benches/zoo/mod.rs"]
mod zoo;

use hoare::sim::{Builder, Strategy};

const SEEDS: u64 = 200;
const STRATEGIES: [Strategy; 3] = [
    Strategy::Random,
    Strategy::Pct { depth: 2 },
    Strategy::Pct { depth: 3 },
];

fn failures(bug: &zoo::Bug, strategy: Strategy) -> usize {
    (0..SEEDS)
        .filter(|&seed| {
            Builder::new()
                .seed(seed)
                .strategy(strategy)
                .max_steps(100_000)
                .try_run((bug.hoare)())
                .is_err()
        })
        .count()
}

#[test]
fn every_planted_bug_is_found_and_not_on_every_schedule() {
    for bug in zoo::ZOO.iter().filter(|bug| !bug.control) {
        let found: Vec<usize> = STRATEGIES.iter().map(|&s| failures(bug, s)).collect();
        eprintln!(
            "{}: {found:?} failing of {SEEDS} (random, PCT d2, PCT d3)",
            bug.name
        );
        assert!(
            found.iter().any(|&n| n > 0),
            "{}: no strategy found the bug in {SEEDS} seeds",
            bug.name
        );
        assert!(
            found.iter().any(|&n| n < SEEDS as usize),
            "{}: fails on every schedule, so it is not a concurrency bug",
            bug.name
        );
    }
}

#[test]
fn the_control_never_fails() {
    for bug in zoo::ZOO.iter().filter(|bug| bug.control) {
        for strategy in STRATEGIES {
            assert_eq!(
                failures(bug, strategy),
                0,
                "{} under {strategy:?}",
                bug.name
            );
        }
    }
}
