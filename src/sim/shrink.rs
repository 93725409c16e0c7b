//! Shrinking a failing schedule: fewer deviations, fewer steps, the same
//! failure.
//!
//! A schedule is its list of deviations (see `schedule`); every other
//! choice is the default. Shrinking removes deviations, in the manner of
//! delta debugging (Zeller and Hildebrandt, "Simplifying and isolating
//! failure-inducing input", IEEE TSE 2002): the list is cut into chunks,
//! halves first, then smaller, down to one deviation; each chunk is tried
//! alone, then the list without it. A candidate runs
//! with the remaining deviations at their choice indices and defaults
//! elsewhere; a deviation that no longer fits its choice (the run changed
//! around it) is dropped. A candidate is kept when it fails *the same way*
//! and is smaller: no more deviations and no more steps, and fewer of one
//! of them. The run's own deviations then become the list to shrink.
//!
//! * **The same failure.** A panic: the same message and the same spawn
//!   site of the panicking process. A deadlock: the same set of spawn sites
//!   of the blocked processes. An assertion: the same name. A step limit or
//!   a foreign wake: the same kind of failure.
//! * **Local minimum.** Shrinking ends when a pass removing each single
//!   deviation in turn keeps none: removing any one deviation gives no
//!   smaller failing schedule. Unless the budget of [`BUDGET`] replays ran
//!   out first; the result then only has no more deviations and steps than
//!   the schedule first found.
//!
//! Departures from ddmin: a kept candidate must also be no longer, and the
//! list is re-read from the run it gave (removing one deviation may shift
//! or drop others, since a deviation is kept by its choice index). The
//! minimum is local: a smaller failing schedule may exist that removing
//! one deviation at a time does not reach.
//!
//! So when ddmin leaves more than one deviation, a last phase searches
//! for a failing schedule with at most one, at `explore`'s granularity (a
//! poll runs until its process waits): the default schedule, then each
//! single deviation at each of its choice points in order, within what
//! is left of the budget. A seeded run may switch at every channel
//! operation, so its failure is often first found with many deviations
//! whose one-at-a-time removal gets stuck, while the same failure needs
//! a single preemption at the coarser steps. Such a schedule is reported
//! only if it is smaller (no more deviations, no more steps); with one
//! deviation and a passing default, it is a local minimum too.
//!
//! A shrunk schedule's token has the explicit form (its deviations). If
//! that token is still longer than the explicit form's limit (a long
//! seeded run whose failure needs thousands of deviations) while the run
//! first found had a seeded token, which fits in an environment variable,
//! the first run is reported instead, replayed from its token, and the
//! summary says why: a report's token must be one a user can paste.

use std::collections::BTreeSet;
use std::future::Future;

use super::executor::{self, Config};
use super::schedule::{Deviation, Mode, Schedule, Token, EXPLICIT_LIMIT};
use super::{SimError, Trace};

/// The most replays one shrink may take.
pub(crate) const BUDGET: u32 = 1_000;

/// What a failure is, for "fails the same way".
#[derive(Debug, PartialEq, Eq)]
enum Signature {
    Panic {
        message: String,
        site: String,
    },
    Deadlock {
        sites: BTreeSet<String>,
    },
    Assertion {
        name: String,
    },
    StepLimit,
    ForeignWake,
    /// Never the same as anything (a mismatch, or a kind added later).
    Unique,
}

/// The spawn site in a process's name: `process p3 (spawned at src/x.rs:9)`
/// gives `src/x.rs:9`; the main future gives `main`.
fn site(process: &str) -> String {
    match process.split_once("spawned at ") {
        Some((_, rest)) => rest.trim_end_matches(')').to_string(),
        None => "main".to_string(),
    }
}

impl Signature {
    fn of(error: &SimError) -> Signature {
        match error {
            SimError::Panic {
                message, process, ..
            } => Signature::Panic {
                message: message.clone(),
                site: site(process),
            },
            SimError::Deadlock { blocked, .. } => Signature::Deadlock {
                sites: blocked.iter().map(|(process, _)| site(process)).collect(),
            },
            SimError::Assertion { name, .. } => Signature::Assertion { name: name.clone() },
            SimError::StepLimit { .. } => Signature::StepLimit,
            SimError::ForeignWake { .. } => Signature::ForeignWake,
            _ => Signature::Unique,
        }
    }
}

/// A shrunk failure.
pub(crate) struct Shrunk {
    pub(crate) error: SimError,
    pub(crate) trace: Trace,
    /// The first schedule's deviations and steps.
    pub(crate) from: (u64, u64),
    pub(crate) replays: u32,
    /// Whether the budget ran out before a local minimum.
    pub(crate) exhausted: bool,
    /// Whether the shrunk schedule's token was too long to report, so the
    /// run first found is reported instead.
    pub(crate) oversized: bool,
    /// The deviations of the smallest failing schedule shrinking found.
    pub(crate) smallest: u64,
}

impl Shrunk {
    /// One line for a report: what shrinking did.
    pub(crate) fn summary(&self) -> String {
        let (deviations, steps) = self.from;
        if self.oversized {
            return format!(
                "shrinking ({} replays) found no failing schedule whose token is at most {} \
                 characters (its best had {} deviations): the run first found is reported",
                self.replays, EXPLICIT_LIMIT, self.smallest
            );
        }
        let end = if self.exhausted {
            "the replay budget ran out before a local minimum"
        } else {
            "a local minimum: removing any one deviation gives no smaller failing schedule"
        };
        format!(
            "shrunk from {deviations} deviations and {steps} steps to {} and {} in {} replays; {end}",
            self.trace.preemptions(),
            self.trace.steps(),
            self.replays
        )
    }
}

/// Whether `HOARE_SHRINK=0` turns shrinking off.
pub(crate) fn enabled() -> bool {
    std::env::var("HOARE_SHRINK").map_or(true, |value| value.trim() != "0")
}

fn deviations(trace: &Trace) -> Vec<Deviation> {
    Schedule::of(trace.points()).deviations
}

/// Shrinks the failure `error` of the run `trace` of `make()` (run with
/// `config`'s step limit).
pub(crate) fn shrink<F, Fut>(config: &Config, make: &F, error: SimError, trace: Trace) -> Shrunk
where
    F: Fn() -> Fut,
    Fut: Future,
{
    let target = Signature::of(&error);
    let from = (trace.preemptions(), trace.steps());
    let first_token = trace.schedule();
    let mut best = (error, trace);
    let mut replays = 0;
    let mut run = config.clone();
    run.replay = None;
    run.lenient = true;
    run.footprints = false;
    run.mode = Some(best.1.mode());
    let mut chunk = deviations(&best.1).len().div_ceil(2).max(1);
    let exhausted = loop {
        let list = deviations(&best.1);
        if list.is_empty() {
            break false;
        }
        chunk = chunk.min(list.len().div_ceil(2)).max(1);
        let mut improved = false;
        // ddmin's two reductions: to one chunk alone, then to the rest
        // without one chunk.
        let chunks: Vec<(usize, usize)> = (0..list.len())
            .step_by(chunk)
            .map(|start| (start, (start + chunk).min(list.len())))
            .collect();
        let alone = chunks
            .iter()
            .filter(|_| chunks.len() > 1)
            .map(|&(start, end)| list[start..end].to_vec());
        let without = chunks.iter().map(|&(start, end)| {
            let mut rest = list.clone();
            rest.drain(start..end);
            rest
        });
        for candidate in alone.chain(without) {
            if replays >= BUDGET {
                break;
            }
            run.prefix = Some(candidate);
            replays += 1;
            let (result, trace) = executor::run(&run, make());
            if let Err(error) = result {
                let (deviations, steps) = (trace.preemptions(), trace.steps());
                let (best_deviations, best_steps) = (best.1.preemptions(), best.1.steps());
                let smaller = deviations <= best_deviations
                    && steps <= best_steps
                    && (deviations, steps) < (best_deviations, best_steps);
                if smaller && Signature::of(&error) == target {
                    best = (error, trace);
                    improved = true;
                    break;
                }
            }
        }
        if replays >= BUDGET && !improved {
            break true;
        }
        if !improved {
            if chunk == 1 {
                break false;
            }
            chunk = chunk.div_ceil(2);
        }
    };
    if deviations(&best.1).len() > 1 {
        let budget = BUDGET.saturating_sub(replays);
        let (found, spent) = single_deviation(&run, make, &target, &best.1, budget);
        replays += spent;
        if let Some(found) = found {
            best = found;
        }
    }
    let (mut error, mut trace) = best;
    let mut token = trace.schedule();
    let smallest = trace.preemptions();
    let oversized = token.len() > EXPLICIT_LIMIT && first_token.len() <= EXPLICIT_LIMIT;
    if oversized {
        // A long seeded run whose failure needs many deviations: its
        // shrunk schedule has only the explicit form, which may not fit in
        // an environment variable; the first run's seeded token does.
        (error, trace) = first_again(config, make, &first_token);
        token = trace.schedule();
    }
    Shrunk {
        error: error.with_schedule(token),
        trace,
        from,
        replays,
        exhausted,
        oversized,
        smallest,
    }
}

/// The run first found, again, from its token.
fn first_again<F, Fut>(config: &Config, make: &F, token: &str) -> (SimError, Trace)
where
    F: Fn() -> Fut,
    Fut: Future,
{
    let mut run = config.clone();
    run.prefix = None;
    run.lenient = false;
    run.replay = Some(Token::parse(token).expect("a run's own token parses"));
    match executor::run(&run, make()) {
        (Err(error), trace) => (error, trace),
        (Ok(_), _) => panic!(
            "hoare::sim: the failing run {token} passed when replayed for its report; the \
             program has a source of nondeterminism outside the simulation"
        ),
    }
}

/// After ddmin: a failing schedule of at most one deviation, at
/// `explore`'s granularity (a poll runs until its process waits), that
/// fails like `target` and is smaller than `best`; tried in order of the
/// default run's choice points, within `budget` replays. Returns it, if
/// found, and the replays spent.
fn single_deviation<F, Fut>(
    run: &Config,
    make: &F,
    target: &Signature,
    best: &Trace,
    budget: u32,
) -> (Option<(SimError, Trace)>, u32)
where
    F: Fn() -> Fut,
    Fut: Future,
{
    let mut probe = run.clone();
    probe.mode = Some(Mode {
        fine: false,
        ..best.mode()
    });
    // A run of `prefix` and its trace; the error if it is the failure
    // looked for and the run is smaller.
    let mut attempt = |prefix: Vec<Deviation>| -> (Option<SimError>, Trace) {
        probe.prefix = Some(prefix);
        let (result, trace) = executor::run(&probe, make());
        let wanted = result.err().filter(|error| {
            Signature::of(error) == *target
                && trace.preemptions() <= best.preemptions()
                && trace.steps() <= best.steps()
                && (trace.preemptions(), trace.steps()) < (best.preemptions(), best.steps())
        });
        (wanted, trace)
    };
    if budget == 0 {
        return (None, 0);
    }
    let mut spent = 1;
    let default = match attempt(Vec::new()) {
        (Some(error), trace) => return (Some((error, trace)), spent),
        (None, trace) => trace,
    };
    for (index, point) in default.points().iter().enumerate() {
        for &value in point.options.iter().filter(|&&o| o != point.default) {
            if spent >= budget {
                return (None, spent);
            }
            spent += 1;
            let deviation = Deviation {
                index: index as u64,
                kind: point.kind,
                value,
            };
            if let (Some(error), trace) = attempt(vec![deviation]) {
                return (Some((error, trace)), spent);
            }
        }
    }
    (None, spent)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chan;
    use crate::sim::Builder;

    /// Senders that each yield once before sending, and a main future
    /// that looks after two yields: a sender is early only by preemptions.
    async fn early_sender() {
        let (tx, rx) = chan::unbounded::<u32>();
        for i in 0..4 {
            let tx = tx.clone();
            crate::spawn(async move {
                crate::yield_now().await;
                tx.send(i).await.unwrap();
            });
        }
        crate::yield_now().await;
        crate::yield_now().await;
        assert!(rx.try_recv().is_err(), "a sender went first");
    }

    #[test]
    fn shrinking_ends_in_a_local_minimum_that_fails_the_same_way() {
        let mut shrunk_some = 0;
        for seed in 0..40 {
            let config = Builder::new().seed(seed).config().clone();
            let (result, trace) = executor::run(&config, early_sender());
            let Err(error) = result else { continue };
            let target = Signature::of(&error);
            let (deviations, steps) = (trace.preemptions(), trace.steps());
            let shrunk = shrink(&config, &early_sender, error, trace);
            assert!(!shrunk.exhausted, "seed {seed}: {}", shrunk.summary());
            assert_eq!(Signature::of(&shrunk.error), target, "seed {seed}");
            assert!(shrunk.trace.preemptions() <= deviations && shrunk.trace.steps() <= steps);
            shrunk_some += usize::from(shrunk.trace.preemptions() < deviations);
            // Local minimum: no single removal fails the same way smaller.
            let list = deviations_of(&shrunk.trace);
            for skip in 0..list.len() {
                let mut candidate = list.clone();
                candidate.remove(skip);
                let mut run = config.clone();
                run.prefix = Some(candidate);
                run.lenient = true;
                run.mode = Some(shrunk.trace.mode());
                let (result, trace) = executor::run(&run, early_sender());
                if let Err(error) = result {
                    let smaller = (trace.preemptions(), trace.steps())
                        < (shrunk.trace.preemptions(), shrunk.trace.steps())
                        && trace.preemptions() <= shrunk.trace.preemptions()
                        && trace.steps() <= shrunk.trace.steps();
                    assert!(
                        !(smaller && Signature::of(&error) == target),
                        "seed {seed}: removing {skip} shrinks further"
                    );
                }
            }
        }
        assert!(
            shrunk_some > 0,
            "some seed's failure had deviations to remove"
        );
    }

    fn deviations_of(trace: &Trace) -> Vec<Deviation> {
        deviations(trace)
    }

    #[test]
    fn the_site_is_the_spawn_location_or_main() {
        assert_eq!(site("process p3 (spawned at src/x.rs:9)"), "src/x.rs:9");
        assert_eq!(site("the main future (p0)"), "main");
    }

    #[test]
    fn panics_are_the_same_failure_only_with_the_same_message_and_site() {
        let panic = |message: &str, process: &str| SimError::Panic {
            message: message.into(),
            process: process.into(),
            seed: 0,
            step: 1,
            schedule: String::new(),
        };
        let a = Signature::of(&panic("boom", "process p1 (spawned at a.rs:1)"));
        assert_eq!(
            a,
            Signature::of(&panic("boom", "process p2 (spawned at a.rs:1)"))
        );
        assert_ne!(
            a,
            Signature::of(&panic("boom", "process p1 (spawned at b.rs:1)"))
        );
        assert_ne!(
            a,
            Signature::of(&panic("bang", "process p1 (spawned at a.rs:1)"))
        );
    }
}
