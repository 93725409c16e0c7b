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
    },
    /// The run took more steps than `Builder::max_steps` allows (a
    /// livelock, or a bound set too low).
    StepLimit {
        /// The seed of the run.
        seed: u64,
        /// The limit that was reached.
        max_steps: u64,
    },
    /// A process of the simulation was woken from another OS thread (a
    /// channel or waker shared with the world outside): the run could not
    /// be deterministic.
    ForeignWake {
        /// The seed of the run.
        seed: u64,
        /// What woke it (the channel, if known).
        source: String,
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
            SimError::Coverage { .. } => 0,
        }
    }
}

impl fmt::Display for SimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SimError::Deadlock {
                seed,
                step,
                blocked,
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
            } => write!(
                f,
                "hoare simulation: {process} panicked at step {step} (seed {seed}): {message}"
            ),
            SimError::StepLimit { seed, max_steps } => write!(
                f,
                "hoare simulation exceeded {max_steps} steps (seed {seed}): a livelock, or raise \
                 Builder::max_steps"
            ),
            SimError::ForeignWake { seed, source } => write!(
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
            } => write!(
                f,
                "hoare simulation: assertion {name:?} failed in {process} at step {step} (seed \
                 {seed}): {message}"
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
