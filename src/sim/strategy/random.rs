//! Uniform random choices from the seed.
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
}

impl Random {
    pub(crate) fn new(seed: u64) -> Self {
        Random {
            processes: SimRng::new(seed, 0),
            arms: SimRng::new(seed, 1),
            timers: SimRng::new(seed, 2),
            buggify: SimRng::new(seed, 3),
            faults: SimRng::new(seed, 4),
        }
    }

    /// The stream the next process is drawn from (PCT draws its
    /// priorities and change points from it).
    pub(crate) fn process_stream(&mut self) -> &mut SimRng {
        &mut self.processes
    }
}

impl Random {
    /// A fault with probability `1 / odds`: one of the options after the
    /// first (0, no fault), uniformly.
    fn fault(&mut self, odds: usize, options: usize) -> usize {
        match self.faults.below(odds) {
            0 => 1 + self.faults.below(options - 1),
            _ => 0,
        }
    }
}

impl Scheduler for Random {
    fn choose(&mut self, request: &Request<'_>) -> Result<u64, String> {
        let n = request.options.len();
        let index = match request.kind {
            Kind::Process => self.processes.below(n),
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
