//! Deterministic simulation: seeded schedules, virtual time, deadlock
//! reports, replay.
//!
//! A simulation runs a program's processes on one OS thread. At every step
//! a generator seeded by the run's seed picks which runnable process to
//! poll next, and it also makes every `select!` choice; a seeded run's
//! poll completes at most one channel operation, so the schedule may
//! switch processes at each. When every process is blocked, virtual time
//! jumps to the next timer. The same seed and the
//! same program give the same schedule, the same choices, the same virtual
//! times and the same trace fingerprint, on every run and every machine.
//! Code under test is not rewritten for it: `hoare::spawn`, `select!`,
//! `hoare::time` and channels work unchanged inside.
//!
//! ```
//! use hoare::{chan, sim};
//! use std::time::Duration;
//!
//! async fn program() -> Vec<u32> {
//!     let (tx, rx) = chan::bounded::<u32>(0);
//!     for i in 1..=3 {
//!         let tx = tx.clone();
//!         hoare::spawn(async move { tx.send(i).await.unwrap() });
//!     }
//!     drop(tx);
//!     hoare::time::sleep(Duration::from_secs(3600)).await; // virtual: instant
//!     let mut order = Vec::new();
//!     while let Ok(v) = rx.recv().await {
//!         order.push(v);
//!     }
//!     order
//! }
//!
//! let (order, trace) = sim::Builder::new().seed(7).run_traced(program());
//! assert_eq!(order.len(), 3);
//! // The same seed replays the same run, event for event.
//! let (again, replay) = sim::Builder::new().seed(7).run_traced(program());
//! assert_eq!(order, again);
//! assert_eq!(trace.fingerprint(), replay.fingerprint());
//! ```
//!
//! # Rules
//!
//! * **Closed world.** A wake that comes from another OS thread (a channel
//!   shared with the outside) fails the run with
//!   [`SimError::ForeignWake`] naming the channel; `Runtime::new` and the
//!   blocking calls panic inside a simulation.
//! * **Deadlock.** When every process is blocked and no pending timer can
//!   wake one of them (a `tick` nobody waits on does not count), the run
//!   fails: [`Builder::run`] panics with a report that contains the word
//!   `deadlock` and names each blocked process and what it waits on;
//!   [`Builder::try_run`] returns [`SimError::Deadlock`].
//! * **Panics.** A process's panic fails the run ([`SimError::Panic`],
//!   naming the process, seed and step) when its `JoinHandle` was dropped,
//!   or is still not awaited when the run ends. A panic awaited through the
//!   `JoinHandle` is an ordinary `JoinError`.
//! * **End.** When the main future finishes, processes still blocked are
//!   dropped and listed in the trace; that is not an error.
//! * **Livelock.** More than [`Builder::max_steps`] polls fail the run.
//! * **Virtual time.** Timers due at the same instant fire in an order
//!   drawn from the seed.
//!
//! [`check`] runs many seeds and reports the first failing one as
//! `HOARE_SEED=N`, which replays with `Builder::new().seed(N)`.
//!
//! # Choices, tokens, exploration, shrinking
//!
//! Every choice of a run (the next process, a select's arm order, the
//! order of same-instant timers, `buggify!`) has a default; a run's
//! [`Trace::schedule`] token lists its deviations from the defaults and
//! [`Builder::replay`] reruns it exactly. [`explore`] searches the
//! schedules within a bound on deviations, with partial-order reduction;
//! `check` and `explore` shrink a failing schedule before reporting it
//! ([`Builder::shrink`]) and report its token as `HOARE_SCHEDULE=<token>`.
//! `assert_always!`, `assert_sometimes!`, `assert_unreachable!` and
//! `buggify!` (at the crate root) state what must hold in every run, in
//! some run, in no run, and inject rare behaviour; [`Builder::faults`]
//! has the simulation inject faults of its own (spurious wake-ups,
//! processes held back, timer jitter).

mod assertions;
mod check;
mod clock;
mod error;
pub(crate) mod executor;
mod explore;
mod footprint;
mod rng;
mod schedule;
mod shrink;
mod strategy;
mod trace;

use std::future::Future;

/// What the coverage and fault-injection macros expand to; not a public
/// API.
#[doc(hidden)]
pub mod __private {
    pub use super::assertions::{always, buggify, sometimes, unreachable};
}

pub use check::check;
pub use error::SimError;
pub use explore::Explored;
pub use strategy::Strategy;
pub use trace::{Event, Trace};

use executor::Config;
use schedule::Token;

/// Records `value` (its `Debug` text) as an observation of the running
/// simulation; outside a simulation it does nothing (and formats nothing).
///
/// A trace's [`fingerprint`](Trace::fingerprint) covers the schedule and
/// the run's observations. Observe the data a program computes (a result,
/// the order of a list built from a `HashMap`) and two runs of a seed that
/// schedule alike but compute different data get different fingerprints:
/// `HOARE_CHECK_DETERMINISM=1` then fails the `check`, and a failing seed
/// whose data differs on its second run is reported as not replayed. The
/// outcomes of `assert_always!` and `assert_sometimes!` are observed
/// without a call.
///
/// ```
/// use hoare::sim::Builder;
///
/// let run = |data: u32| Builder::new().seed(1).run_traced(async move {
///     hoare::sim::observe(&data);
/// }).1.fingerprint();
/// assert_eq!(run(7), run(7));
/// assert_ne!(run(7), run(8)); // the same schedule, other data
/// ```
pub fn observe<T: std::fmt::Debug + ?Sized>(value: &T) {
    executor::observe(|| format!("observe {value:?}"));
}

/// Runs `make()` under every schedule within two deviations from the
/// default schedule, up to partial-order reduction, and panics at the
/// first failing one with its token (`HOARE_SCHEDULE=<token>`) and a replay
/// command. See [`Builder::explore`], [`Builder::max_preemptions`] and
/// [`Builder::max_schedules`]; with `HOARE_SCHEDULE` set, only that
/// schedule runs.
///
/// The search is depth first over the run's choices (which process is
/// polled next, a select's arm order, same-instant timers, `buggify!`)
/// with dynamic partial-order reduction: schedules that differ only in the
/// order of independent steps (steps that touch no common channel, join
/// handle or waiting process) are run once. State shared through
/// `Arc<Mutex<_>>`, atomics or statics is invisible to the reduction: a
/// race through it may be missed. [`Explored::complete`] says whether the
/// search finished before `max_schedules`.
///
/// ```
/// let explored = hoare::sim::explore(|| async {
///     let (ping, ping_rx) = hoare::chan::bounded::<u32>(0);
///     let (pong, pong_rx) = hoare::chan::bounded::<u32>(0);
///     hoare::spawn(async move {
///         while let Ok(n) = ping_rx.recv().await {
///             pong.send(n + 1).await.unwrap();
///         }
///     });
///     for n in 0..3 {
///         ping.send(n).await.unwrap();
///         assert_eq!(pong_rx.recv().await, Ok(n + 1));
///     }
/// });
/// assert!(explored.complete());
/// ```
#[track_caller]
pub fn explore<F, Fut>(make: F) -> Explored
where
    F: Fn() -> Fut,
    Fut: Future,
{
    Builder::new().explore(make)
}

/// The default bound on polls per run.
const DEFAULT_MAX_STEPS: u64 = 1_000_000;

/// Configures and runs one simulation.
///
/// ```
/// use hoare::sim::{Builder, Strategy};
///
/// let sum = Builder::new()
///     .seed(42)
///     .strategy(Strategy::Pct { depth: 2 })
///     .max_steps(10_000)
///     .run(async {
///         let (tx, rx) = hoare::chan::unbounded();
///         for i in 1..=3 {
///             let tx = tx.clone();
///             hoare::spawn(async move { tx.send(i).await.unwrap() });
///         }
///         drop(tx);
///         let mut sum = 0;
///         while let Ok(i) = rx.recv().await {
///             sum += i;
///         }
///         sum
///     });
/// assert_eq!(sum, 6);
/// ```
#[derive(Clone, Debug)]
pub struct Builder {
    config: Config,
}

impl Default for Builder {
    fn default() -> Self {
        Builder::new()
    }
}

impl Builder {
    /// Seed 0, [`Strategy::Random`], at most 1,000,000 steps.
    ///
    /// ```
    /// assert_eq!(hoare::sim::Builder::new().run(async { 1 }), 1);
    /// ```
    pub fn new() -> Self {
        Builder {
            config: Config {
                seed: 0,
                strategy: Strategy::Random,
                max_steps: DEFAULT_MAX_STEPS,
                replay: None,
                prefix: None,
                lenient: false,
                footprints: false,
                max_preemptions: Some(2),
                max_schedules: 100_000,
                reduce: true,
                faults: false,
                mode: None,
            },
        }
    }

    /// The seed that fixes every choice of the run.
    ///
    /// ```
    /// use hoare::sim::Builder;
    ///
    /// // Which of two racing processes sends first is decided by the seed.
    /// let race = |seed| {
    ///     Builder::new().seed(seed).run(async {
    ///         let (tx, rx) = hoare::chan::unbounded();
    ///         for name in ["a", "b"] {
    ///             let tx = tx.clone();
    ///             hoare::spawn(async move { tx.send(name).await.unwrap() });
    ///         }
    ///         rx.recv().await.unwrap()
    ///     })
    /// };
    /// assert_eq!(race(7), race(7)); // the same seed, the same winner
    /// ```
    pub fn seed(mut self, seed: u64) -> Self {
        self.config.seed = seed;
        self
    }

    /// How the next process is picked.
    ///
    /// # Panics
    ///
    /// For `Strategy::Pct { depth: 0 }`: PCT needs a depth of at least 1.
    ///
    /// ```
    /// use hoare::sim::{Builder, Strategy};
    ///
    /// let pct = Builder::new().strategy(Strategy::Pct { depth: 3 });
    /// assert_eq!(pct.run(async { "scheduled by priorities" }), "scheduled by priorities");
    /// ```
    pub fn strategy(mut self, strategy: Strategy) -> Self {
        if let Strategy::Pct { depth: 0 } = strategy {
            panic!("hoare::sim::Builder::strategy: Strategy::Pct {{ depth: 0 }} is refused; the depth of a bug is at least 1");
        }
        self.config.strategy = strategy;
        self
    }

    /// Runs exactly the schedule `token` names (from [`Trace::schedule`],
    /// [`SimError::schedule`] or a report's `HOARE_SCHEDULE=`), instead of
    /// seeded choices: the same program gives the same run and the same
    /// trace fingerprint. A token that does not fit the program fails the
    /// run with [`SimError::ReplayMismatch`]; errors of a replay report
    /// seed 0.
    ///
    /// An explicit token (`v1.`) holds the run's deviations from the
    /// default choices; a seeded token (`v2.`, the token of a seeded run
    /// whose explicit form would exceed 16 KiB) holds the strategy, the
    /// seed, the run's number of choices and its trace fingerprint, and
    /// replays by running that strategy again, failing with
    /// [`SimError::ReplayMismatch`] if the run makes another number of
    /// choices or ends with another fingerprint. Either stays small enough
    /// for an environment variable however long the run
    /// ([`Trace::schedule`] says more).
    ///
    /// # Panics
    ///
    /// If `token` is not a token (the message says what is wrong with it,
    /// and says when it is a token of another version of hoare).
    ///
    /// ```
    /// use hoare::sim::{Builder, SimError};
    ///
    /// let program = || async {
    ///     let (tx, rx) = hoare::chan::bounded(0);
    ///     hoare::spawn(async move { tx.send("hi").await.unwrap() });
    ///     rx.recv().await.unwrap()
    /// };
    /// let (_, trace) = Builder::new().seed(5).run_traced(program());
    /// let token = trace.schedule();
    /// let (_, again) = Builder::new().replay(&token).run_traced(program());
    /// assert_eq!(again.fingerprint(), trace.fingerprint());
    ///
    /// // A token from another program does not fit this one.
    /// let error = Builder::new().replay("v1.0p7.0").try_run(program()).unwrap_err();
    /// assert!(matches!(error, SimError::ReplayMismatch { .. }));
    /// ```
    #[track_caller]
    pub fn replay(mut self, token: &str) -> Self {
        match Token::parse(token) {
            Ok(token) => self.config.replay = Some(token),
            Err(reason) => panic!(
                "hoare::sim::Builder::replay: {token:?} is not a replay token: {reason}; pass \
                 the text of a HOARE_SCHEDULE= report or of Trace::schedule() unchanged"
            ),
        }
        self
    }

    /// Whether the simulation injects faults of its own where real
    /// runtimes vary (default `false`). Three kinds, each a recorded
    /// choice of the run (its default: no fault), so each shows in the
    /// trace ([`Event::SpuriousWake`], [`Event::Held`], [`Event::Jitter`])
    /// and in the token, counts as a deviation, and replays exactly:
    ///
    /// * **Spurious wake-up.** Before each step, a waiting process (its
    ///   last poll returned `Pending` in a channel operation, `select!`,
    ///   sleep or join) may be woken though nothing it waits on happened,
    ///   as a waker shared with other work, or a stale one, does on a real
    ///   runtime. In a seeded run: with probability 1/32 before each step
    ///   (and again after each such wake), one of the waiting processes,
    ///   each equally likely; only while some process can run (a spurious
    ///   wake while all wait would only postpone a deadlock report). hoare's own futures
    ///   register again and keep waiting; code that treats every wake as
    ///   "ready" is caught.
    /// * **A process held back.** Before each step with at least two
    ///   runnable processes, one of them may be descheduled: not polled
    ///   for the next 16 steps, or until nothing else can run (as a worker
    ///   thread preempted by the OS). In a seeded run: with probability
    ///   1/64 per such step, each runnable process not already held back
    ///   equally likely.
    /// * **Timer jitter.** A timer fires no earlier than its deadline and,
    ///   with faults, up to 1 ms late (the slack the simulation grants a
    ///   real timer): at each jump of virtual time the clock may move 1 to
    ///   4 quarter-milliseconds past the earliest deadline, and every timer
    ///   due by then fires, still in deadline order (ties in the run's
    ///   order). In a seeded run: with probability 1/4 per jump, the
    ///   lateness uniform in 1..=4 quarters.
    ///
    /// Faults are drawn from their own stream of the seed, so the other
    /// choices of a seed do not move; with faults off nothing is drawn and
    /// a run is exactly what it was. Under [`explore`](Builder::explore)
    /// the faults are choices to explore like any other (within the
    /// bound), which multiplies the schedules: explore keeps them off
    /// unless this is set.
    ///
    /// ```
    /// use hoare::sim::{Builder, Event};
    ///
    /// let program = || async {
    ///     let (tx, rx) = hoare::chan::bounded::<u32>(0);
    ///     hoare::spawn(async move {
    ///         for i in 0..50 {
    ///             tx.send(i).await.unwrap();
    ///         }
    ///     });
    ///     let mut sum = 0;
    ///     while let Ok(i) = rx.recv().await {
    ///         sum += i;
    ///     }
    ///     sum
    /// };
    /// let (sum, trace) = Builder::new().seed(3).faults(true).run_traced(program());
    /// assert_eq!(sum, 1225); // hoare's channels tolerate spurious wake-ups
    /// let faults = trace.events().iter().filter(|e| matches!(e, Event::SpuriousWake { .. })).count();
    /// assert!(faults > 0);
    /// let (_, again) = Builder::new().replay(&trace.schedule()).run_traced(program());
    /// assert_eq!(again.fingerprint(), trace.fingerprint());
    /// ```
    pub fn faults(mut self, faults: bool) -> Self {
        self.config.faults = faults;
        self
    }

    /// The most polls a run may take before it fails as a livelock.
    ///
    /// Polls are counted at the runtime's granularity. A seeded run ends
    /// a poll after each channel operation, so that its schedule can
    /// switch there; the polls that end so count one per
    /// `PROCESS_BUDGET` (128) in a row of the same process, as the runtime
    /// would poll it once for 128 ready operations. A program that pumps a
    /// million messages is not a livelock; one that spins on ready
    /// operations still fails, after 128 times as many polls.
    ///
    /// ```
    /// use hoare::sim::{Builder, SimError};
    ///
    /// let spin = async {
    ///     loop {
    ///         hoare::yield_now().await;
    ///     }
    /// };
    /// let error = Builder::new().max_steps(100).try_run(spin).unwrap_err();
    /// assert!(matches!(error, SimError::StepLimit { max_steps: 100, .. }));
    /// ```
    pub fn max_steps(mut self, max_steps: u64) -> Self {
        self.config.max_steps = max_steps;
        self
    }

    /// Runs `future` as the main process and returns its output.
    ///
    /// # Panics
    ///
    /// If the run fails (see [`SimError`]); the message is the full report
    /// (a deadlock report contains the word `deadlock`).
    ///
    /// ```should_panic
    /// // Nobody ever sends: the simulation reports a deadlock (and panics).
    /// hoare::sim::Builder::new().run(async {
    ///     let (_tx, rx) = hoare::chan::bounded::<u8>(0);
    ///     rx.recv().await
    /// });
    /// ```
    #[track_caller]
    pub fn run<F: Future>(&self, future: F) -> F::Output {
        match self.try_run(future) {
            Ok(output) => output,
            Err(error) => panic!("{error}"),
        }
    }

    /// Runs `future` as the main process; a failed run is an error value.
    ///
    /// ```
    /// use hoare::sim::{Builder, SimError};
    ///
    /// let result = Builder::new().seed(5).try_run(async {
    ///     let (tx, rx) = hoare::chan::bounded::<u8>(0);
    ///     hoare::spawn(async move { tx.send(1).await });
    ///     rx.recv().await.unwrap();
    ///     rx.recv().await // the sender finished: closed, not a deadlock
    /// });
    /// assert!(result.unwrap().is_err());
    ///
    /// let stuck = Builder::new().try_run(std::future::pending::<()>());
    /// assert!(matches!(stuck, Err(SimError::Deadlock { .. })));
    /// ```
    pub fn try_run<F: Future>(&self, future: F) -> Result<F::Output, SimError> {
        executor::run(&self.config, future).0
    }

    /// Runs `future` and returns its output with the run's [`Trace`].
    ///
    /// # Panics
    ///
    /// As [`Builder::run`].
    ///
    /// ```
    /// use hoare::sim::Builder;
    ///
    /// let program = || async {
    ///     let worker = hoare::spawn(async { 2 + 2 });
    ///     worker.await.unwrap()
    /// };
    /// let (four, trace) = Builder::new().seed(9).run_traced(program());
    /// let (_, again) = Builder::new().seed(9).run_traced(program());
    /// assert_eq!(four, 4);
    /// assert_eq!(trace.fingerprint(), again.fingerprint());
    /// ```
    #[track_caller]
    pub fn run_traced<F: Future>(&self, future: F) -> (F::Output, Trace) {
        match executor::run(&self.config, future) {
            (Ok(output), trace) => (output, trace),
            (Err(error), _) => panic!("{error}"),
        }
    }

    /// Runs `future` and returns the outcome together with the trace,
    /// which is kept for failed runs too (to show how a failure came about).
    ///
    /// ```
    /// let (result, trace) = hoare::sim::Builder::new().try_run_traced(async {
    ///     hoare::spawn(async { panic!("a bug") }).await.unwrap();
    /// });
    /// assert!(result.is_err());
    /// println!("how it happened:\n{trace}");
    /// assert!(!trace.events().is_empty());
    /// ```
    pub fn try_run_traced<F: Future>(&self, future: F) -> (Result<F::Output, SimError>, Trace) {
        executor::run(&self.config, future)
    }

    /// Runs `make()` under many seeds, as [`check`] does, with this
    /// builder's strategy and step limit (its seed is ignored).
    ///
    /// ```
    /// use hoare::sim::{Builder, Strategy};
    ///
    /// Builder::new().strategy(Strategy::Pct { depth: 2 }).max_steps(1000).check(|| async {
    ///     let (tx, rx) = hoare::chan::bounded(1);
    ///     hoare::spawn(async move { tx.send(3).await.unwrap() });
    ///     assert_eq!(rx.recv().await, Ok(3));
    /// });
    /// ```
    #[track_caller]
    pub fn check<F, Fut>(&self, make: F)
    where
        F: Fn() -> Fut,
        Fut: Future,
    {
        check::check_with(self, make);
    }

    /// The most deviations from the default schedule (preemptions among
    /// them) that [`Builder::explore`] allows per schedule; `None` for no
    /// bound. Default `Some(2)`.
    ///
    /// ```
    /// use hoare::sim::Builder;
    ///
    /// let program = || async {
    ///     let (tx, rx) = hoare::chan::unbounded();
    ///     for i in 0..3 {
    ///         let tx = tx.clone();
    ///         hoare::spawn(async move { tx.send(i).await.unwrap() });
    ///     }
    ///     drop(tx);
    ///     while rx.recv().await.is_ok() {}
    /// };
    /// let none = Builder::new().max_preemptions(Some(0)).explore(program);
    /// let all = Builder::new().max_preemptions(None).explore(program);
    /// assert_eq!(none.schedules(), 1); // the default schedule alone
    /// assert!(all.complete() && all.schedules() > 1);
    /// ```
    pub fn max_preemptions(mut self, max_preemptions: Option<usize>) -> Self {
        self.config.max_preemptions = max_preemptions;
        self
    }

    /// The most schedules [`Builder::explore`] runs; the search stops there
    /// and is not complete. Default 100,000.
    ///
    /// ```
    /// let explored = hoare::sim::Builder::new()
    ///     .max_preemptions(None)
    ///     .max_schedules(3)
    ///     .explore(|| async {
    ///         let (tx, rx) = hoare::chan::unbounded();
    ///         for i in 0..4 {
    ///             let tx = tx.clone();
    ///             hoare::spawn(async move { tx.send(i).await.unwrap() });
    ///         }
    ///         drop(tx);
    ///         while rx.recv().await.is_ok() {}
    ///     });
    /// assert_eq!(explored.schedules(), 3);
    /// assert!(!explored.complete());
    /// ```
    pub fn max_schedules(mut self, max_schedules: u64) -> Self {
        self.config.max_schedules = max_schedules;
        self
    }

    /// Runs `make()` under every schedule of [`explore`]'s search with this
    /// builder's bound, limit and step limit.
    ///
    /// # Panics
    ///
    /// At the first failing schedule, with a report as [`check`]'s (the
    /// failure, `HOARE_SCHEDULE=<token>`, the replay command, the run a step
    /// a line), or naming an `assert_sometimes!` that was executed and
    /// never held.
    ///
    /// ```
    /// let explored = hoare::sim::Builder::new().max_preemptions(Some(1)).explore(|| async {
    ///     let worker = hoare::spawn(async { 6 * 7 });
    ///     assert_eq!(worker.await.unwrap(), 42);
    /// });
    /// assert!(explored.complete());
    /// ```
    #[track_caller]
    pub fn explore<F, Fut>(&self, make: F) -> Explored
    where
        F: Fn() -> Fut,
        Fut: Future,
    {
        match explore::explore_with(self, &make) {
            Ok(explored) => explored,
            Err(explore::Failure::Run(failure)) => {
                let (error, trace, summary) = *failure;
                panic!(
                    "{}",
                    check::failure_report("explore", None, &error, &trace, summary.as_deref())
                )
            }
            Err(explore::Failure::Coverage(error)) => panic!("hoare::sim::explore: {error}"),
        }
    }

    /// As [`Builder::explore`], with the first failure as an error value:
    /// the failing run's error (whose [`SimError::schedule`] replays it),
    /// or [`SimError::Coverage`].
    ///
    /// ```
    /// use hoare::sim::{Builder, SimError};
    ///
    /// let result = Builder::new().try_explore(|| async {
    ///     let (tx, rx) = hoare::chan::bounded(1);
    ///     hoare::spawn(async move { tx.send(1).await.unwrap() });
    ///     hoare::yield_now().await;
    ///     assert!(rx.try_recv().is_err(), "the sender ran first");
    /// });
    /// let error = result.unwrap_err();
    /// assert!(matches!(error, SimError::Panic { .. }));
    /// assert_eq!(error.seed(), 0); // explore has no seed: its token replays it
    /// let token = error.schedule().unwrap();
    /// assert!(token.starts_with("v1."));
    /// ```
    pub fn try_explore<F, Fut>(&self, make: F) -> Result<Explored, SimError>
    where
        F: Fn() -> Fut,
        Fut: Future,
    {
        explore::explore_with(self, &make).map_err(|failure| match failure {
            explore::Failure::Run(failure) => failure.0,
            explore::Failure::Coverage(error) => error,
        })
    }

    /// Runs `make()` as this builder is configured (its seed and strategy,
    /// or its [`replay`](Builder::replay) token); if the run fails, shrinks
    /// the failing schedule and returns the shrunk run's trace, else
    /// `None`.
    ///
    /// The shrunk schedule fails the same way (a panic: the same message
    /// from a process spawned at the same place; a deadlock: the same
    /// spawn sites blocked; an assertion: the same name), has no more
    /// deviations and no more steps than the run, and is a local minimum
    /// (removing any one deviation gives no smaller failing schedule)
    /// unless 1,000 replays did not suffice. Its token is
    /// [`Trace::schedule`].
    ///
    /// ```
    /// use hoare::sim::Builder;
    ///
    /// let program = || async {
    ///     let (tx, rx) = hoare::chan::unbounded::<u32>();
    ///     for i in 0..4 {
    ///         let tx = tx.clone();
    ///         hoare::spawn(async move { tx.send(i).await.unwrap() });
    ///     }
    ///     hoare::yield_now().await;
    ///     assert!(rx.try_recv().is_err(), "a sender ran before the main future looked");
    /// };
    /// let seed = (0..100).find(|&s| Builder::new().seed(s).try_run(program()).is_err()).unwrap();
    /// let found = Builder::new().seed(seed).try_run_traced(program()).1;
    /// let shrunk = Builder::new().seed(seed).shrink(program).expect("the seed fails");
    /// assert!(shrunk.preemptions() <= found.preemptions());
    /// assert!(shrunk.steps() <= found.steps());
    /// assert_eq!(shrunk.preemptions(), 1); // one preemption at the yield is the bug
    /// assert!(Builder::new().seed(1).shrink(|| async {}).is_none());
    /// ```
    pub fn shrink<F, Fut>(&self, make: F) -> Option<Trace>
    where
        F: Fn() -> Fut,
        Fut: Future,
    {
        let (result, trace) = executor::run(&self.config, make());
        let error = result.err()?;
        Some(shrink::shrink(&self.config, &make, error, trace).trace)
    }

    pub(crate) fn config(&self) -> &Config {
        &self.config
    }
}
