//! Uniform random choices from the seed.
//!
//! The next process is drawn uniformly among the runnable ones, with one
//! exception: a process that has just yielded (`yield_now`, woken by
//! itself) is passed over at the next step with probability 3/4 when
//! another process can run, as a real run queue puts a yielding task
//! behind the others (and as PCT demotes it). A yield says "let the others
//! move first"; honouring it mostly makes the interleavings a program
//! marks with a yield (work between two steps that wait) likely instead
//! of a coin toss, and the remaining 1/4 keeps the schedules in which the
//! yielder goes on at once (on a multi-threaded runtime the others may not
//! have started). A poll that ends because its budget is spent (seeded
//! runs give each poll one channel operation, `executor`) is not a yield.
//!
//! Each kind of choice draws from its own stream of the seed's
//! [`SimRng`], so that, say, adding a `buggify!` leaves the schedule of the
//! processes as it was: stream 0 picks the next process uniformly among the
//! runnable ones, stream 1 a select's arm order (each
//! position uniformly among the arms left, so a uniform permutation), stream 2 the next
//! of the timers due at one instant uniformly (a uniform order of the
//! ties), stream 3 the `buggify!` draws (a site is enabled with
//! probability 1/2, an enabled site's draw is true with probability 1/4),
//! stream 4 the faults of `Builder::faults` (a spurious wake before a step
//! with probability 1/32, a process held back with probability 1/64, a
//! time jump late with probability 1/4; the one affected, or how late,
//! uniform among the options). Option 0 of a fault is "no fault".

use super::{Request, Scheduler};
use crate::sim::rng::SimRng;
use crate::sim::schedule::Kind;

/// The uniform scheduler of one seeded run.
pub(crate) struct Random {
    processes: SimRng,
    arms: SimRng,
    timers: SimRng,
    buggify: SimRng,
    faults: SimRng,
    /// The process that yielded in the last step, if any.
    yielded: Option<u64>,
}

impl Random {
    pub(crate) fn new(seed: u64) -> Self {
        Random {
            processes: SimRng::new(seed, 0),
            arms: SimRng::new(seed, 1),
            timers: SimRng::new(seed, 2),
            buggify: SimRng::new(seed, 3),
            faults: SimRng::new(seed, 4),
            yielded: None,
        }
    }

    /// The stream the next process is drawn from (PCT draws its
    /// priorities and change points from it).
    pub(crate) fn process_stream(&mut self) -> &mut SimRng {
        &mut self.processes
    }
}

impl Random {
    /// The index of the next process among `options`: uniform, but
    /// passing over the process that just yielded, when another can run,
    /// with probability 3/4.
    fn pick(&mut self, options: &[u64]) -> usize {
        let yielded = self.yielded.take();
        match yielded.and_then(|p| options.iter().position(|&o| o == p)) {
            Some(skip) if options.len() > 1 && self.processes.below(4) != 0 => {
                let index = self.processes.below(options.len() - 1);
                index + usize::from(index >= skip)
            }
            _ => self.processes.below(options.len()),
        }
    }

    /// A fault with probability `1 / odds`: one of the options after the
    /// first (0, no fault), uniformly.
    fn fault(&mut self, odds: usize, options: usize) -> usize {
        if options < 2 {
            return 0;
        }
        match self.faults.below(odds) {
            0 => 1 + self.faults.below(options - 1),
            _ => 0,
        }
    }
}

impl Scheduler for Random {
    fn on_yield(&mut self, process: u64) {
        self.yielded = Some(process);
    }

    fn choose(&mut self, request: &Request<'_>) -> Result<u64, String> {
        let n = request.options.len();
        let index = match request.kind {
            Kind::Process => self.pick(request.options),
            Kind::Arm => self.arms.below(n),
            Kind::Timer => self.timers.below(n),
            Kind::BuggifySite => self.buggify.below(2),
            Kind::BuggifyDraw => usize::from(self.buggify.below(4) == 0),
            Kind::Wake => self.fault(32, n),
            Kind::Hold => self.fault(64, n),
            Kind::Jitter => self.fault(4, n),
        };
        Ok(request.options[index])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pick(random: &mut Random, options: &[u64]) -> u64 {
        random
            .choose(&Request {
                kind: Kind::Process,
                options,
                default: options[0],
                step: 1,
                index: Some(0),
            })
            .unwrap()
    }

    #[test]
    fn a_process_that_yielded_is_mostly_passed_over_once_when_another_can_run() {
        let mut random = Random::new(3);
        let mut again = 0;
        for _ in 0..1000 {
            random.on_yield(11);
            again += usize::from(pick(&mut random, &[10, 11, 12]) == 11);
        }
        // 1/4 of the time uniform over three: 1/12 of 1000, about 83.
        assert!((40..130).contains(&again), "{again}");
        random.on_yield(11);
        assert_eq!(pick(&mut random, &[11]), 11);
        let picks: Vec<u64> = (0..100).map(|_| pick(&mut random, &[10, 11])).collect();
        assert!(picks.contains(&11), "the pass-over lasts one step");
    }

    #[test]
    fn random_picks_every_option() {
        let mut random = Random::new(1);
        let options = [10, 11, 12];
        let mut seen = [false; 3];
        for step in 0..100 {
            let request = Request {
                kind: Kind::Process,
                options: &options,
                default: 10,
                step,
                index: Some(step),
            };
            seen[(random.choose(&request).unwrap() - 10) as usize] = true;
        }
        assert_eq!(seen, [true; 3]);
    }
}
