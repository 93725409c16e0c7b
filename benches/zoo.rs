//! The bug zoo: how often each strategy of `hoare::sim`, and of shuttle,
//! finds each planted bug. Prints one Markdown table.
//!
//! ```text
//! cargo bench --bench zoo                 # every row (a minute or two)
//! cargo bench --bench zoo -- lost notify  # rows whose name contains "lost" or "notify"
//! ```
//!
//! The table goes to stdout. shuttle's random scheduler writes every
//! failing seed to stderr as it goes (`2>/dev/null` keeps only the table).
//!
//! The programs live in `benches/zoo/`, one file per bug with the hoare and
//! the shuttle version side by side (`tests/sim_zoo.rs` runs the hoare ones
//! too, so the zoo cannot rot). Columns:
//!
//! * **hoare random, hoare PCT d2, hoare PCT d3**: of the seeds 0..1000,
//!   how many fail (`hoare::sim::Builder::seed(s).strategy(..).try_run`,
//!   `Strategy::Random` or `Strategy::Pct { depth }`).
//! * **shuttle random**: the same seeds, each as its own one-iteration
//!   `Runner` with `RandomScheduler::new_from_seed(s, 1)`.
//! * **shuttle PCT d2, shuttle PCT d3**: the same seeds, each with its own
//!   `PctScheduler::new_from_seed(s, depth, 2)`: of the seeds, how many
//!   seeds' PCT schedule fails. shuttle's PCT spends its first iteration on
//!   a pilot run, oldest thread first and yields demoted, the same
//!   schedule for every seed, to learn the length of a run; the seed's PCT
//!   schedule is the second iteration. A failing pilot stops shuttle's
//!   `Runner` before the second, so the scheduler is shared and a second
//!   `Runner` runs the seed's PCT schedule from where the first stopped.
//!   `(pilot fails)`: the pilot fails too (one fixed schedule, for every
//!   seed): a shuttle user running PCT finds the bug in the first
//!   iteration, whatever the seed.
//! * **shuttle DFS**: `DfsScheduler::new(Some(100_000), false)`: the
//!   number of the first failing execution; for the control, whether the
//!   search exhausted the schedules and in how many executions.
//! * **hoare explore**: `hoare::sim::Builder::try_explore` (partial-order
//!   reduction): the number of the first failing schedule at the default
//!   bound of 2 deviations, or, for a bug that needs more, counted over the
//!   searches at bound 2, 3 and unbounded, with the bound that found it;
//!   for the control, whether the unbounded search completed and in how
//!   many schedules.
//!
//! A failure is a panic (an assertion, or an `unwrap` of a failed
//! operation) or a deadlock. Each run sits in `catch_unwind` with a silent
//! panic hook (restored afterwards). "–": shuttle cannot express the bug
//! (no `select!`, no timers). The last row is the time each column took.

#[path = "zoo/mod.rs"]
mod zoo;

use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hoare::sim::{self, Strategy};
use shuttle::scheduler::{DfsScheduler, PctScheduler, RandomScheduler, Scheduler};
use shuttle::{Config, FailurePersistence, MaxSteps, Runner};

use zoo::{HoareProgram, ZOO};

/// Seeds 0..SEEDS for every sampling column.
const SEEDS: u64 = 1000;
/// The most executions shuttle's DFS may take.
const DFS_MAX: usize = 100_000;
/// Steps per run, for both tools (every zoo program needs far fewer).
const MAX_STEPS: usize = 100_000;
/// The PCT depths measured.
const DEPTHS: [usize; 2] = [2, 3];

const COLUMNS: [&str; 8] = [
    "hoare random",
    "hoare PCT d2",
    "hoare PCT d3",
    "hoare explore",
    "shuttle random",
    "shuttle PCT d2",
    "shuttle PCT d3",
    "shuttle DFS",
];

fn main() {
    // Every factory call of the explore column is then one schedule.
    std::env::set_var("HOARE_SHRINK", "0");
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|arg| !arg.starts_with('-'))
        .map(|arg| arg.to_lowercase())
        .collect();
    let rows: Vec<_> = ZOO
        .iter()
        .filter(|bug| {
            filters.is_empty() || filters.iter().any(|f| bug.name.to_lowercase().contains(f))
        })
        .collect();

    let hook = panic::take_hook();
    panic::set_hook(Box::new(|_| {}));
    let mut times = [Duration::ZERO; COLUMNS.len()];
    let mut table = Vec::new();
    for bug in &rows {
        let mut cells = Vec::new();
        let mut timed = |column: usize, cell: &mut dyn FnMut() -> String| {
            let start = Instant::now();
            cells.push(cell());
            times[column] += start.elapsed();
        };
        timed(0, &mut || {
            per_thousand(|seed| hoare_fails(bug.hoare, Strategy::Random, seed))
        });
        for (i, depth) in DEPTHS.into_iter().enumerate() {
            timed(1 + i, &mut || {
                per_thousand(|seed| hoare_fails(bug.hoare, Strategy::Pct { depth }, seed))
            });
        }
        timed(3, &mut || hoare_explore(bug.hoare, bug.control));
        match bug.shuttle {
            Some(program) => {
                timed(4, &mut || {
                    per_thousand(|seed| {
                        shuttle_fails(RandomScheduler::new_from_seed(seed, 1), program)
                    })
                });
                for (i, depth) in DEPTHS.into_iter().enumerate() {
                    timed(5 + i, &mut || shuttle_pct(program, depth));
                }
                timed(7, &mut || shuttle_dfs(program, bug.control));
            }
            None => cells.extend((4..COLUMNS.len()).map(|_| "–".to_string())),
        }
        table.push((bug.name, cells));
        eprintln!("measured: {}", bug.name);
    }
    panic::set_hook(hook);

    println!(
        "| bug (failing schedules per {SEEDS} seeds) | {} |",
        COLUMNS.join(" | ")
    );
    println!("|---|{}", "---:|".repeat(COLUMNS.len()));
    for (name, cells) in &table {
        println!("| {name} | {} |", cells.join(" | "));
    }
    let times: Vec<String> = times
        .iter()
        .map(|time| format!("{:.2} s", time.as_secs_f64()))
        .collect();
    println!("| *time per column* | {} |", times.join(" | "));
}

/// How many of the seeds 0..SEEDS fail, as a cell.
fn per_thousand(mut fails: impl FnMut(u64) -> bool) -> String {
    (0..SEEDS).filter(|&seed| fails(seed)).count().to_string()
}

/// One hoare run: `true` if it failed (an error, or a panic that escaped).
fn hoare_fails(program: fn() -> HoareProgram, strategy: Strategy, seed: u64) -> bool {
    let run = panic::catch_unwind(|| {
        sim::Builder::new()
            .seed(seed)
            .strategy(strategy)
            .max_steps(MAX_STEPS as u64)
            .try_run(program())
    });
    !matches!(run, Ok(Ok(())))
}

fn shuttle_config() -> Config {
    let mut config = Config::new();
    config.failure_persistence = FailurePersistence::None;
    config.max_steps = MaxSteps::FailAfter(MAX_STEPS);
    config.silence_warnings = true;
    config
}

/// One shuttle run of one iteration: `true` if it failed.
fn shuttle_fails(scheduler: impl Scheduler + 'static, program: fn()) -> bool {
    let runner = Runner::new(scheduler, shuttle_config());
    panic::catch_unwind(AssertUnwindSafe(|| runner.run(program))).is_err()
}

/// shuttle's PCT, per seed: its pilot iteration (the same schedule for
/// every seed), then the seed's PCT schedule. The cell counts the seeds
/// whose PCT schedule fails, and says so when the pilot fails: a failing
/// pilot stops shuttle's `Runner` before the PCT schedule, so the
/// scheduler is shared ([`Shared`]) and a second `Runner` takes it on
/// from where the first stopped, to run the seed's PCT schedule, exactly
/// as the first would have after a passing pilot.
fn shuttle_pct(program: fn(), depth: usize) -> String {
    let mut failures = 0;
    let mut pilot_failures = 0;
    for seed in 0..SEEDS {
        let scheduler = Shared(Arc::new(Mutex::new(PctScheduler::new_from_seed(
            seed, depth, 2,
        ))));
        let iterations = Arc::new(AtomicUsize::new(0));
        let run = |scheduler: Shared<PctScheduler>| {
            let counter = iterations.clone();
            let runner = Runner::new(scheduler, shuttle_config());
            panic::catch_unwind(AssertUnwindSafe(|| {
                runner.run(move || {
                    counter.fetch_add(1, Ordering::Relaxed);
                    program();
                })
            }))
            .is_err()
        };
        let mut failed = run(scheduler.clone());
        if failed && iterations.load(Ordering::Relaxed) == 1 {
            pilot_failures += 1;
            failed = run(scheduler);
        }
        failures += usize::from(failed);
    }
    match pilot_failures {
        0 => failures.to_string(),
        _ if pilot_failures == SEEDS as usize => format!("{failures} (pilot fails)"),
        _ => format!("{failures} (pilot fails for {pilot_failures})"),
    }
}

/// A scheduler shared between `Runner`s, so that a second `Runner` goes
/// on with the iterations the first did not reach.
struct Shared<S>(Arc<Mutex<S>>);

impl<S> Clone for Shared<S> {
    fn clone(&self) -> Self {
        Shared(self.0.clone())
    }
}

impl<S: Scheduler> Scheduler for Shared<S> {
    fn new_execution(&mut self) -> Option<shuttle::scheduler::Schedule> {
        self.lock().new_execution()
    }

    fn next_task(
        &mut self,
        runnable: &[&shuttle::scheduler::Task],
        current: Option<shuttle::scheduler::TaskId>,
        is_yielding: bool,
    ) -> Option<shuttle::scheduler::TaskId> {
        self.lock().next_task(runnable, current, is_yielding)
    }

    fn next_u64(&mut self) -> u64 {
        self.lock().next_u64()
    }
}

impl<S> Shared<S> {
    /// The scheduler; a failed run's panic does not poison it for the next.
    fn lock(&self) -> std::sync::MutexGuard<'_, S> {
        self.0.lock().unwrap_or_else(|poison| poison.into_inner())
    }
}

/// shuttle's exhaustive search: executions until the first failure, or
/// (for the control) whether it exhausted the schedules.
fn shuttle_dfs(program: fn(), control: bool) -> String {
    let executions = Arc::new(AtomicUsize::new(0));
    let counter = executions.clone();
    let runner = Runner::new(DfsScheduler::new(Some(DFS_MAX), false), shuttle_config());
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
        runner.run(move || {
            counter.fetch_add(1, Ordering::Relaxed);
            program();
        })
    }));
    let executions = executions.load(Ordering::Relaxed);
    match outcome {
        Err(_) if control => format!("failed at {executions} (a bug in the control)"),
        Err(_) => format!("{executions}"),
        Ok(_) if executions < DFS_MAX => format!("exhausted: {executions}"),
        Ok(_) => format!("not exhausted in {executions}"),
    }
}

/// The explore column: for a bug, the number of the first failing
/// schedule of `hoare::sim::Builder::try_explore` (partial-order
/// reduction) at its default bound of 2 deviations; a bug that needs more
/// is searched again at bound 3 and then unbounded, the schedules of every
/// search counted, and the cell names the bound that found it. For the
/// control, whether the unbounded search completed (a proof for every
/// schedule) and in how many schedules. Shrinking is off
/// (`HOARE_SHRINK=0`, set in `main`), so every call of the factory is one
/// schedule of a search.
fn hoare_explore(program: fn() -> HoareProgram, control: bool) -> String {
    let schedules = std::cell::Cell::new(0u64);
    let make = || {
        schedules.set(schedules.get() + 1);
        program()
    };
    let search = |bound: Option<usize>| {
        sim::Builder::new()
            .max_preemptions(bound)
            .max_steps(MAX_STEPS as u64)
            .max_schedules(DFS_MAX as u64)
            .try_explore(make)
    };
    if control {
        return match search(None) {
            Ok(explored) if explored.complete() => format!("complete: {}", explored.schedules()),
            Ok(explored) => format!("incomplete at {}", explored.schedules()),
            Err(_) => format!("control FAILED at {}", schedules.get()),
        };
    }
    for bound in [Some(2), Some(3), None] {
        if search(bound).is_err() {
            return match bound {
                Some(2) => schedules.get().to_string(),
                Some(bound) => format!("{} (bound {bound})", schedules.get()),
                None => format!("{} (unbounded)", schedules.get()),
            };
        }
    }
    format!("not found ({} schedules)", schedules.get())
}
