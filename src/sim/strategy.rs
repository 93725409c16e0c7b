//! Which runnable process runs next: uniform random, or PCT.
//!
//! # PCT
//!
//! Probabilistic Concurrency Testing (Burckhardt, Kothari, Musuvathi and
//! Nagarakatte, "A Randomized Scheduler with Probabilistic Guarantees of
//! Finding Bugs", ASPLOS 2010): every process gets a random priority when
//! it is spawned, the highest-priority runnable process always runs, and at
//! `depth - 1` randomly chosen steps (the change points) the process
//! running there drops below every initial priority. A bug of depth `d`
//! among `n` processes in a run of `k` steps is found with probability at
//! least `1 / (n * k^(d-1))` per run.
//!
//! Departures from the paper, both so that a seed alone fixes the run:
//!
//! * **Run length.** The change points must be spread over the real length
//!   of a run, which is not known in advance (a `Builder::run` is given one
//!   future, so there is no pilot run to measure). The run is cut into
//!   windows of doubling length (32 steps, then 64, ...), and `depth - 1`
//!   change points are drawn uniformly in each window from the seed's own
//!   stream. A run of `k` steps thus sees change points spread over its
//!   whole length, at most `log2(k)` times as many as the paper's; the
//!   schedule depends on nothing but the seed and the program.
//! * **Yields.** A process that yields (wakes itself while it runs) drops
//!   to the lowest priority, as in shuttle's PCT: otherwise a spinning
//!   process would keep the highest priority and starve the rest.

use std::collections::BTreeMap;

use super::rng::SimRng;

/// How a simulation picks the next process to poll.
///
/// ```
/// use hoare::sim::{Builder, Strategy};
///
/// for strategy in [Strategy::Random, Strategy::Pct { depth: 2 }] {
///     let out = Builder::new().strategy(strategy).run(async {
///         hoare::spawn(async { 1 }).await.unwrap()
///     });
///     assert_eq!(out, 1);
/// }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Strategy {
    /// Each step picks uniformly among the runnable processes.
    #[default]
    Random,
    /// Probabilistic Concurrency Testing with bug depth `depth` (`>= 1`).
    Pct {
        /// The depth of the bugs to look for: `depth - 1` priority change
        /// points per window.
        depth: usize,
    },
}

/// The first PCT window's length in steps.
const FIRST_WINDOW: u64 = 32;

/// The scheduler state of one run.
pub(crate) struct Scheduler {
    rng: SimRng,
    pct: Option<Pct>,
}

struct Pct {
    depth: usize,
    priorities: BTreeMap<u64, u64>,
    /// Priorities given at change points and to yielding processes: below
    /// every initial priority, and decreasing.
    next_low: u64,
    window_end: u64,
    window_length: u64,
    change_points: Vec<u64>,
}

impl Scheduler {
    /// The scheduler for `strategy`, drawing from `rng`.
    pub(crate) fn new(strategy: Strategy, rng: SimRng) -> Self {
        let pct = match strategy {
            Strategy::Random => None,
            Strategy::Pct { depth } => {
                assert!(depth >= 1, "hoare::sim: Strategy::Pct {{ depth: 0 }} is meaningless; use a depth of 1 or more");
                Some(Pct {
                    depth,
                    priorities: BTreeMap::new(),
                    next_low: 1 << 32,
                    window_end: 0,
                    window_length: FIRST_WINDOW / 2,
                    change_points: Vec::new(),
                })
            }
        };
        Scheduler { rng, pct }
    }

    /// A process was spawned (or the main future started).
    pub(crate) fn on_spawn(&mut self, process: u64) {
        if let Some(pct) = &mut self.pct {
            // Initial priorities sit above 2^32; ties broken by the number.
            let priority = (1 << 33) + (self.rng.next_u64() >> 31);
            pct.priorities.insert(process, priority);
        }
    }

    /// A process yielded: under PCT it drops to the lowest priority.
    pub(crate) fn on_yield(&mut self, process: u64) {
        if let Some(pct) = &mut self.pct {
            pct.next_low -= 1;
            pct.priorities.insert(process, pct.next_low);
        }
    }

    /// Picks the index in `runnable` (process numbers) to poll at `step`.
    pub(crate) fn pick(&mut self, runnable: &[u64], step: u64) -> usize {
        debug_assert!(!runnable.is_empty());
        let Some(pct) = &mut self.pct else {
            return self.rng.below(runnable.len());
        };
        if step > pct.window_end {
            pct.window_length *= 2;
            let start = pct.window_end + 1;
            pct.window_end += pct.window_length;
            pct.change_points = (1..pct.depth)
                .map(|_| start + self.rng.next_u64() % pct.window_length)
                .collect();
        }
        let highest = |pct: &Pct| {
            (0..runnable.len())
                .max_by_key(|&index| {
                    (
                        pct.priorities.get(&runnable[index]).copied().unwrap_or(0),
                        runnable[index],
                    )
                })
                .expect("runnable is not empty")
        };
        let mut chosen = highest(pct);
        if pct.change_points.contains(&step) {
            pct.next_low -= 1;
            pct.priorities.insert(runnable[chosen], pct.next_low);
            chosen = highest(pct);
        }
        chosen
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_picks_every_index() {
        let mut scheduler = Scheduler::new(Strategy::Random, SimRng::new(1, 0));
        let mut seen = [false; 3];
        for step in 0..100 {
            seen[scheduler.pick(&[10, 11, 12], step)] = true;
        }
        assert_eq!(seen, [true; 3]);
    }

    #[test]
    fn pct_depth_one_runs_the_highest_priority_process_until_it_yields() {
        let mut scheduler = Scheduler::new(Strategy::Pct { depth: 1 }, SimRng::new(5, 0));
        for process in 0..3 {
            scheduler.on_spawn(process);
        }
        let first = scheduler.pick(&[0, 1, 2], 1);
        for step in 2..50 {
            assert_eq!(scheduler.pick(&[0, 1, 2], step), first);
        }
        scheduler.on_yield(first as u64);
        assert_ne!(scheduler.pick(&[0, 1, 2], 50), first);
    }

    #[test]
    #[should_panic(expected = "depth")]
    fn pct_depth_zero_is_refused() {
        let _ = Scheduler::new(Strategy::Pct { depth: 0 }, SimRng::new(0, 0));
    }
}
