//! Replaying a schedule: the listed deviations where they were taken, the
//! default everywhere else.
//!
//! A token replays with `total` set: the run must make exactly that many
//! choice points, each listed deviation must find a choice of its kind
//! with its option available, and none may be left over; otherwise the
//! run fails with `SimError::ReplayMismatch` (never continues at random).
//! `explore` drives the same scheduler with a prefix and no `total`: past
//! the last deviation, defaults until the run ends. Shrinking drives it
//! *lenient*: a deviation that does not fit the choice at its index (the
//! schedule around it changed when another deviation was removed) is
//! dropped and the default taken.

use super::{Request, Scheduler};
use crate::sim::schedule::{Deviation, Kind};

/// Takes `deviations` in order, defaults elsewhere.
pub(crate) struct Replay {
    deviations: Vec<Deviation>,
    next: usize,
    total: Option<u64>,
    lenient: bool,
}

impl Replay {
    /// Replays `deviations` (ordered by index); `total`: the number of
    /// choice points the run must make, if known.
    pub(crate) fn new(deviations: Vec<Deviation>, total: Option<u64>) -> Self {
        Replay {
            deviations,
            next: 0,
            total,
            lenient: false,
        }
    }

    /// Replays what fits of `deviations`, defaults elsewhere (shrinking).
    pub(crate) fn lenient(deviations: Vec<Deviation>) -> Self {
        Replay {
            lenient: true,
            ..Replay::new(deviations, None)
        }
    }
}

impl Scheduler for Replay {
    fn choose(&mut self, request: &Request<'_>) -> Result<u64, String> {
        let Some(index) = request.index else {
            return Ok(request.default);
        };
        if let Some(total) = self.total {
            if index >= total {
                return Err(format!(
                    "the schedule ran out: it has {total} choices and the program makes more \
                     (choice {index}: {})",
                    request.kind
                ));
            }
        }
        let Some(deviation) = self.deviations.get(self.next).filter(|d| d.index == index) else {
            return Ok(request.default);
        };
        self.next += 1;
        let fits = deviation.kind == request.kind && request.options.contains(&deviation.value);
        if self.lenient && !fits {
            return Ok(request.default);
        }
        if deviation.kind != request.kind {
            return Err(format!(
                "choice {index} of the schedule is {}, but the program chooses {} there",
                deviation.kind, request.kind
            ));
        }
        if !request.options.contains(&deviation.value) {
            let what = match request.kind {
                Kind::Process => format!("process p{} is not runnable", deviation.value),
                _ => format!("option {} does not exist", deviation.value),
            };
            return Err(format!(
                "choice {index} of the schedule ({}): {what}; the options are {:?}",
                request.kind, request.options
            ));
        }
        Ok(deviation.value)
    }

    fn finish(&mut self, points: u64) -> Result<(), String> {
        if self.lenient {
            return Ok(());
        }
        if let Some(deviation) = self.deviations.get(self.next) {
            return Err(format!(
                "the run ended after {points} choices with deviations of the schedule left over \
                 (the next at choice {})",
                deviation.index
            ));
        }
        match self.total {
            Some(total) if points < total => Err(format!(
                "the run ended after {points} choices; the schedule has {total}"
            )),
            _ => Ok(()),
        }
    }
}
