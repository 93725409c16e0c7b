//! How a simulation run fails.

use std::error::Error;
use std::fmt;

/// Why a simulation run failed. `Display` gives the full report; the
/// value holds no panic payload, so it is `Send + Sync`.
///
/// ```
/// use hoare::sim::{Builder, SimError};
///
/// let error = Builder::new().seed(3).try_run(async {
///     let (tx, rx) = hoare::chan::bounded::<u8>(0);
///     let _keep_open = tx;
///     rx.recv().await // waits forever: nobody else will send
/// });
/// match error {
///     Err(report @ SimError::Deadlock { .. }) => {
///         assert_eq!(report.seed(), 3);
///         assert!(report.to_string().contains("deadlock"));
///     }
///     other => panic!("expected a deadlock, got {other:?}"),
/// }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SimError {
    /// Every process was blocked and no pending timer could wake one.
    Deadlock {
        /// The seed of the run.
        seed: u64,
        /// The step at which it was detected.
        step: u64,
        /// Each blocked process: its name (number and spawn location) and
        /// what it waits on.
        blocked: Vec<(String, String)>,
        /// The run's replay token (see [`SimError::schedule`]).
        schedule: String,
    },
    /// A process panicked and no one awaited its `JoinHandle` to see it
    /// (or the main future panicked).
    Panic {
        /// The panic message.
        message: String,
        /// The process: its number and spawn location, or `main`.
        process: String,
        /// The seed of the run.
        seed: u64,
        /// The step at which it panicked.
        step: u64,
        /// The run's replay token (see [`SimError::schedule`]).
        schedule: String,
    },
    /// The run took more steps than `Builder::max_steps` allows (a
    /// livelock, or a bound set too low).
    StepLimit {
        /// The seed of the run.
        seed: u64,
        /// The limit that was reached.
        max_steps: u64,
        /// The processes polled in the last steps before the limit, most
        /// polled first, each with how many of those steps it took: the
        /// ones spinning.
        recent: String,
        /// The run's replay token (see [`SimError::schedule`]).
        schedule: String,
    },
    /// A process of the simulation was woken from another OS thread (a
    /// channel or waker shared with the world outside): the run could not
    /// be deterministic.
    ForeignWake {
        /// The seed of the run.
        seed: u64,
        /// What woke it (the channel, if known).
        source: String,
        /// The run's replay token (see [`SimError::schedule`]).
        schedule: String,
    },
    /// An `assert_always!` whose condition was false, or an
    /// `assert_unreachable!` that was reached. It fails the run also when
    /// its panic was caught or awaited as a `JoinError`.
    Assertion {
        /// The assertion's name (its key).
        name: String,
        /// The message: the name, formatted with its arguments if any.
        message: String,
        /// The process it fired in: its number and spawn location, or
        /// `main`.
        process: String,
        /// The seed of the run.
        seed: u64,
        /// The step at which it fired.
        step: u64,
        /// The run's replay token (see [`SimError::schedule`]).
        schedule: String,
    },
    /// A replayed schedule does not fit the program: it names a process
    /// that is not runnable or an option that does not exist, runs out
    /// before the run ends, or has choices left over when it ends.
    ReplayMismatch {
        /// The step at which the mismatch showed.
        step: u64,
        /// What did not fit.
        reason: String,
        /// The token of the run as far as it went.
        schedule: String,
    },
    /// Over all the runs of an `explore` (or a `check`), an
    /// `assert_sometimes!` was executed but its condition never held.
    Coverage {
        /// The assertion's name.
        name: String,
        /// How many times it was executed.
        executed: u64,
    },
}

impl SimError {
    /// The seed of the failed run.
    ///
    /// ```
    /// let error = hoare::sim::Builder::new().seed(11).max_steps(10).try_run(async {
    ///     loop {
    ///         hoare::yield_now().await;
    ///     }
    /// });
    /// assert_eq!(error.unwrap_err().seed(), 11);
    /// ```
    pub fn seed(&self) -> u64 {
        match self {
            SimError::Deadlock { seed, .. }
            | SimError::Panic { seed, .. }
            | SimError::StepLimit { seed, .. }
            | SimError::ForeignWake { seed, .. }
            | SimError::Assertion { seed, .. } => *seed,
            SimError::ReplayMismatch { .. } | SimError::Coverage { .. } => 0,
        }
    }

    /// The failed run's replay token, for [`Builder::replay`]; `None` for
    /// a failure of many runs together ([`SimError::Coverage`]).
    ///
    /// [`Builder::replay`]: super::Builder::replay
    ///
    /// ```
    /// use hoare::sim::Builder;
    ///
    /// let program = || async {
    ///     let (tx, rx) = hoare::chan::bounded::<u8>(0);
    ///     hoare::spawn(async move { tx.send(1).await });
    ///     hoare::spawn(async move { assert_eq!(rx.recv().await, Ok(2), "got the wrong value") });
    /// };
    /// let error = Builder::new().seed(3).try_run(async {
    ///     program().await;
    ///     hoare::time::sleep(std::time::Duration::from_secs(1)).await;
    /// });
    /// let token = error.unwrap_err().schedule().unwrap().to_string();
    /// let again = Builder::new().replay(&token).try_run(async {
    ///     program().await;
    ///     hoare::time::sleep(std::time::Duration::from_secs(1)).await;
    /// });
    /// assert_eq!(again.unwrap_err().schedule(), Some(token.as_str()));
    /// ```
    pub fn schedule(&self) -> Option<&str> {
        match self {
            SimError::Deadlock { schedule, .. }
            | SimError::Panic { schedule, .. }
            | SimError::StepLimit { schedule, .. }
            | SimError::ForeignWake { schedule, .. }
            | SimError::Assertion { schedule, .. }
            | SimError::ReplayMismatch { schedule, .. } => Some(schedule),
            SimError::Coverage { .. } => None,
        }
    }

    /// The same error with the run's token filled in.
    pub(crate) fn with_schedule(mut self, token: String) -> Self {
        match &mut self {
            SimError::Deadlock { schedule, .. }
            | SimError::Panic { schedule, .. }
            | SimError::StepLimit { schedule, .. }
            | SimError::ForeignWake { schedule, .. }
            | SimError::Assertion { schedule, .. }
            | SimError::ReplayMismatch { schedule, .. } => *schedule = token,
            SimError::Coverage { .. } => {}
        }
        self
    }
}

impl fmt::Display for SimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SimError::Deadlock {
                seed,
                step,
                blocked,
                ..
            } => {
                writeln!(
                    f,
                    "hoare simulation deadlock (seed {seed}, step {step}): all processes are \
                     blocked and no timer can wake them"
                )?;
                for (process, waiting_on) in blocked {
                    writeln!(f, "  {process} waits on {waiting_on}")?;
                }
                Ok(())
            }
            SimError::Panic {
                message,
                process,
                seed,
                step,
                ..
            } => write!(
                f,
                "hoare simulation: {process} panicked at step {step} (seed {seed}): {message}"
            ),
            SimError::StepLimit {
                seed,
                max_steps,
                recent,
                ..
            } => write!(
                f,
                "hoare simulation exceeded {max_steps} steps (seed {seed}): a livelock, or raise \
                 Builder::max_steps; polled in the last steps: {recent}"
            ),
            SimError::ForeignWake { seed, source, .. } => write!(
                f,
                "hoare simulation (seed {seed}) was woken from another OS thread by {source}: a \
                 simulation is a closed world; create its channels inside it and do not share \
                 them with threads or runtimes outside"
            ),
            SimError::Assertion {
                name,
                message,
                process,
                seed,
                step,
                ..
            } => write!(
                f,
                "hoare simulation: assertion {name:?} failed in {process} at step {step} (seed \
                 {seed}): {message}"
            ),
            SimError::ReplayMismatch { step, reason, .. } => write!(
                f,
                "hoare simulation: the replayed schedule does not fit the program at step \
                 {step}: {reason}; replay it against the program (and version of it) that \
                 produced it"
            ),
            SimError::Coverage { name, executed } => write!(
                f,
                "hoare simulation: assert_sometimes!({name:?}) was executed {executed} times and \
                 never held: no run reached the state it names; widen the search (more seeds, \
                 a higher preemption bound) or fix the test"
            ),
        }
    }
}

impl Error for SimError {}
