//! Who makes a run's choices: one [`Scheduler`] per strategy, each in its
//! own small file (shuttle's layout): [`random`] (uniform), [`pct`]
//! (priorities with change points), [`replay`] (a token's deviations,
//! defaults elsewhere; `explore` drives it with the prefixes it tries)
//! and [`rerun`] (a seeded token: the seeded strategy again, held to the
//! token's count of choices).
//! The executor knows the trait, not the strategies; every decision goes
//! through the [`Recorder`](super::schedule::Recorder), which keeps the
//! choice points a token is made of.
//!
//! Where a seeded run may switch matters as much as how it picks: the
//! executor gives each poll of a seeded run a budget of one channel
//! operation, so a process whose operations are all ready still offers a
//! switch after each (an interaction point: it touched a channel another
//! process may touch), rather than running a burst of them as one step.
//! Both strategies choose there: Random picks anew, PCT runs the
//! highest-priority runnable process, so a process woken by another's
//! operation takes over at once if it ranks higher; PCT's change points,
//! drawn over steps, take effect where a process hands over (it waits or
//! yields), not between two of its ready operations. `explore` keeps the
//! coarser steps (a poll
//! runs until its process waits), so its deviation bound counts the
//! switches that matter; a token names which granularity it replays.

mod pct;
mod random;
mod replay;
mod rerun;

pub(crate) use random::Random;
pub(crate) use replay::Replay;

use super::schedule::{Deviation, Kind, Token};

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
    /// Each step picks uniformly among the runnable processes, except
    /// that a process that has just yielded is passed over, with
    /// probability 3/4, when another can run (a run queue puts a yielder
    /// behind the others).
    #[default]
    Random,
    /// Probabilistic Concurrency Testing with bug depth `depth` (`>= 1`)
    /// (Burckhardt et al. 2010): random priorities, the highest runnable
    /// one polled at every step; at each change point, the process polled
    /// last drops below the rest, once it stops by itself (it waits or
    /// yields); a yielding process drops to the lowest priority.
    Pct {
        /// The depth of the bugs to look for: `depth - 1` priority change
        /// points per window.
        depth: usize,
    },
}

/// One choice to make.
pub(crate) struct Request<'a> {
    pub(crate) kind: Kind,
    /// The options, in the order offered (not empty).
    pub(crate) options: &'a [u64],
    pub(crate) default: u64,
    /// The step of the run.
    pub(crate) step: u64,
    /// The index of this choice point among the run's, or `None` when
    /// there is a single option (not a choice point).
    pub(crate) index: Option<u64>,
}

/// Makes the choices of one run.
pub(crate) trait Scheduler {
    /// The option to take, or why the schedule being replayed does not fit.
    fn choose(&mut self, request: &Request<'_>) -> Result<u64, String>;
    /// A process was spawned (or the main future started).
    fn on_spawn(&mut self, _process: u64) {}
    /// A process yielded (woke itself while it ran).
    fn on_yield(&mut self, _process: u64) {}
    /// The run is over after `points` choice points; a replayed schedule
    /// with choices left over does not fit.
    fn finish(&mut self, _points: u64) -> Result<(), String> {
        Ok(())
    }
}

/// The scheduler of a seeded run of `strategy`.
pub(crate) fn seeded(strategy: Strategy, seed: u64) -> Box<dyn Scheduler> {
    match strategy {
        Strategy::Random => Box::new(Random::new(seed)),
        Strategy::Pct { depth } => Box::new(pct::Pct::new(depth, Random::new(seed))),
    }
}

/// The scheduler that replays `token` exactly: its deviations, or its
/// seeded run held to its count of choices.
pub(crate) fn replay(token: &Token) -> Box<dyn Scheduler> {
    match token {
        Token::Explicit(schedule) => Box::new(Replay::new(
            schedule.deviations.clone(),
            Some(schedule.total),
        )),
        Token::Seeded(run) => {
            Box::new(rerun::Rerun::new(seeded(run.strategy, run.seed), run.total))
        }
    }
}

/// The scheduler that takes `deviations` and the defaults after them;
/// `lenient`: dropping those that do not fit.
pub(crate) fn prefix(deviations: &[Deviation], lenient: bool) -> Box<dyn Scheduler> {
    match lenient {
        true => Box::new(Replay::lenient(deviations.to_vec())),
        false => Box::new(Replay::new(deviations.to_vec(), None)),
    }
}
