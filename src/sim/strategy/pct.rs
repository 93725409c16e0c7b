//! PCT: which process runs next by priorities.
//!
//! Probabilistic Concurrency Testing (Burckhardt, Kothari, Musuvathi and
//! Nagarakatte, "A Randomized Scheduler with Probabilistic Guarantees of
//! Finding Bugs", ASPLOS 2010): every process gets a random priority when
//! it is spawned, the highest-priority runnable process always runs, and at
//! `depth - 1` randomly chosen steps (the change points) the process
//! running there drops below every initial priority. The paper proves that
//! a bug of depth `d` among `n` processes in a run of `k` steps is found
//! with probability at least `1 / (n * k^(d-1))` per run, for change points
//! drawn over the run's known length `k`.
//!
//! Departures from the paper, all so that a seed alone fixes the run; with
//! them the paper's bound is not claimed for this scheduler (it finds
//! shallow bugs far more often than uniform random in practice:
//! `tests/sim_pct.rs`, and the bug zoo in `benches/zoo/`):
//!
//! * **Run length.** The change points must be spread over the real length
//!   of a run, which is not known in advance (a `Builder::run` is given one
//!   future, so there is no pilot run to measure). The run is cut into
//!   windows of doubling length (32 steps, then 64, ...), and `depth - 1`
//!   distinct change points are drawn uniformly in each window from the
//!   seed's own stream. A run of `k` steps thus sees change points spread
//!   over its whole length, about `(depth - 1) * log2(k / 16)` of them
//!   rather than the paper's `depth - 1`; the schedule depends on nothing
//!   but the seed and the program.
//! * **Yields.** A process that yields (wakes itself while it runs) drops
//!   to the lowest priority, as in shuttle's PCT: otherwise a spinning
//!   process would keep the highest priority and starve the rest. A poll
//!   that ends because its budget is spent (a seeded run's poll completes
//!   one channel operation) is not a yield and keeps the priority.
//! * **Steps and change points.** A step of a seeded run is one channel
//!   operation at most, and the highest-priority runnable process runs at
//!   every step, so a process woken by another's send takes over at once
//!   if it ranks higher. A change point takes effect at the first step, at
//!   or after it, where the process polled last stopped by itself (it
//!   waits, or it yielded), and drops that process (the paper's and
//!   shuttle's rule: the running process is the one demoted). So a change
//!   point lands where a process hands over, between two of its
//!   interactions, and never cuts a process between two operations that
//!   are both ready. (Demoting the process about to run instead would
//!   spend change points undoing the demotion of a yield: the yielder runs
//!   again at once.)

use std::collections::BTreeMap;

use super::{Random, Request, Scheduler};
use crate::sim::schedule::Kind;

/// The first PCT window's length in steps.
const FIRST_WINDOW: u64 = 32;

/// PCT's state for one run; choices other than the next process are
/// Random's.
pub(crate) struct Pct {
    random: Random,
    depth: usize,
    priorities: BTreeMap<u64, u64>,
    /// Priorities given at change points and to yielding processes: below
    /// every initial priority, and decreasing.
    next_low: u64,
    window_end: u64,
    window_length: u64,
    change_points: Vec<u64>,
    /// Change points reached that have not yet taken effect (they wait
    /// for a step after a process stopped by itself).
    due: usize,
    /// The process polled at the last step.
    last: Option<u64>,
    /// Whether the process polled last yielded.
    yielded: bool,
}

impl Pct {
    /// PCT of bug depth `depth` (`>= 1`), drawing from `random`'s streams.
    pub(crate) fn new(depth: usize, random: Random) -> Self {
        assert!(
            depth >= 1,
            "hoare::sim: Strategy::Pct {{ depth: 0 }} is meaningless; use a depth of 1 or more"
        );
        Pct {
            random,
            depth,
            priorities: BTreeMap::new(),
            next_low: 1 << 32,
            window_end: 0,
            window_length: FIRST_WINDOW / 2,
            change_points: Vec::new(),
            due: 0,
            last: None,
            yielded: false,
        }
    }

    /// Picks the index in `runnable` (process numbers) to poll at `step`.
    fn pick(&mut self, runnable: &[u64], step: u64) -> usize {
        debug_assert!(!runnable.is_empty());
        if step > self.window_end {
            self.window_length *= 2;
            let start = self.window_end + 1;
            self.window_end += self.window_length;
            let rng = self.random.process_stream();
            // Distinct points: two change points on one step would be one.
            let wanted = (self.depth - 1).min(self.window_length as usize);
            let mut points = Vec::with_capacity(wanted);
            while points.len() < wanted {
                let point = start + rng.next_u64() % self.window_length;
                if !points.contains(&point) {
                    points.push(point);
                }
            }
            self.change_points = points;
        }
        if self.change_points.contains(&step) {
            self.due += 1;
        }
        // The process polled last stopped by itself if it is not runnable
        // (it waits) or it yielded; otherwise its budget cut it short.
        let yielded = std::mem::take(&mut self.yielded);
        let stopped = self.last.filter(|last| yielded || !runnable.contains(last));
        if let (Some(last), true) = (stopped, self.due > 0) {
            self.due -= 1;
            self.next_low -= 1;
            self.priorities.insert(last, self.next_low);
        }
        let chosen = (0..runnable.len())
            .max_by_key(|&index| {
                (
                    self.priorities.get(&runnable[index]).copied().unwrap_or(0),
                    runnable[index],
                )
            })
            .expect("runnable is not empty");
        self.last = Some(runnable[chosen]);
        chosen
    }
}

impl Scheduler for Pct {
    fn choose(&mut self, request: &Request<'_>) -> Result<u64, String> {
        match request.kind {
            Kind::Process => Ok(request.options[self.pick(request.options, request.step)]),
            _ => self.random.choose(request),
        }
    }

    /// Initial priorities sit above 2^32; ties broken by the number.
    fn on_spawn(&mut self, process: u64) {
        let priority = (1 << 33) + (self.random.process_stream().next_u64() >> 31);
        self.priorities.insert(process, priority);
    }

    /// A process that yielded drops to the lowest priority.
    fn on_yield(&mut self, process: u64) {
        self.yielded = true;
        self.next_low -= 1;
        self.priorities.insert(process, self.next_low);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pick(pct: &mut Pct, step: u64) -> u64 {
        let options = [0, 1, 2];
        pct.choose(&Request {
            kind: Kind::Process,
            options: &options,
            default: 0,
            step,
            index: Some(step),
        })
        .unwrap()
    }

    #[test]
    fn depth_one_runs_the_highest_priority_process_until_it_yields() {
        let mut pct = Pct::new(1, Random::new(5));
        for process in 0..3 {
            pct.on_spawn(process);
        }
        let first = pick(&mut pct, 1);
        for step in 2..50 {
            assert_eq!(pick(&mut pct, step), first);
        }
        pct.on_yield(first);
        assert_ne!(pick(&mut pct, 50), first);
    }

    #[test]
    fn a_change_point_waits_until_the_process_polled_last_stops_and_demotes_it() {
        let mut pct = Pct::new(2, Random::new(5));
        pct.window_end = 1000;
        pct.window_length = 1000;
        pct.change_points = vec![2];
        pct.priorities.insert(0, 1 << 34);
        pct.priorities.insert(1, 1 << 33);
        let mut choose = |options: &[u64], step| {
            pct.choose(&Request {
                kind: Kind::Process,
                options,
                default: options[0],
                step,
                index: Some(step),
            })
            .unwrap()
        };
        assert_eq!(choose(&[0, 1], 1), 0);
        // The change point's step: 0 is still runnable (its budget cut
        // it short), so it keeps running.
        assert_eq!(choose(&[0, 1], 2), 0);
        // 0 waits: the change point takes effect and demotes it.
        assert_eq!(choose(&[1], 3), 1);
        assert_eq!(choose(&[0, 1], 4), 1);
        assert_eq!(choose(&[0, 1], 5), 1);
    }

    #[test]
    #[should_panic(expected = "depth")]
    fn depth_zero_is_refused() {
        let _ = Pct::new(0, Random::new(0));
    }
}
