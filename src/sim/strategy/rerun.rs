//! Replaying a seeded token: the seeded strategy runs again, held to the
//! token's count of choice points.
//!
//! A token of the seeded form (`schedule::seeded`) names the strategy, its
//! parameters and the seed rather than the choices, so its replay is the
//! seeded run itself. What makes it a replay and not a new run is the
//! check: the run must make exactly the token's number of choice points
//! (one more fails at once, fewer when the run ends), and the executor
//! compares the trace fingerprint with the token's when the run is over.
//! Either mismatch fails the run with `SimError::ReplayMismatch`.

use super::{Request, Scheduler};

/// A seeded scheduler that may make `total` choices, no more, no fewer.
pub(crate) struct Rerun {
    seeded: Box<dyn Scheduler>,
    total: u64,
}

impl Rerun {
    pub(crate) fn new(seeded: Box<dyn Scheduler>, total: u64) -> Self {
        Rerun { seeded, total }
    }
}

impl Scheduler for Rerun {
    fn choose(&mut self, request: &Request<'_>) -> Result<u64, String> {
        if let Some(index) = request.index.filter(|&index| index >= self.total) {
            return Err(format!(
                "the seeded run ran past the token: the token's run made {} choices and this \
                 one makes more (choice {index}: {}); the program, or hoare's seeded \
                 strategies, changed since the token was made",
                self.total, request.kind
            ));
        }
        self.seeded.choose(request)
    }

    fn on_spawn(&mut self, process: u64) {
        self.seeded.on_spawn(process);
    }

    fn on_yield(&mut self, process: u64) {
        self.seeded.on_yield(process);
    }

    fn finish(&mut self, points: u64) -> Result<(), String> {
        match points < self.total {
            true => Err(format!(
                "the seeded run ended after {points} choices; the token's run made {}",
                self.total
            )),
            false => Ok(()),
        }
    }
}
