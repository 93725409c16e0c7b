//! What a simulation did, step by step, and its fingerprint.
//!
//! A [`Trace`] is the list of [`Event`]s of one run. Events name processes
//! by their per-simulation number and spawn location, times by their
//! virtual offset from the start of the run, and never contain addresses,
//! so two runs of the same program with the same seed give equal traces.
//! The fingerprint is FNV-1a (64-bit) over the events' text, one line each,
//! then, if the run made observations ([`observe`](super::observe) and the
//! outcomes of `assert_always!`/`assert_sometimes!`), a line with their own
//! FNV-1a digest: a fixed algorithm, not `DefaultHasher`, so it is stable
//! across Rust versions and machines. A run that observes nothing has the
//! fingerprint of its events alone.

use std::fmt;
use std::time::Duration;

use super::footprint::Footprints;
use super::schedule::{ChoicePoint, Mode, Schedule, SeededRun, EXPLICIT_LIMIT};
use super::strategy::Strategy;

/// The seeded run a trace is of: a seeded run, or the replay of a seeded
/// token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Seeded {
    pub(crate) strategy: Strategy,
    pub(crate) seed: u64,
    /// Whether the run replayed a seeded token (its own token is then of
    /// the seeded form whatever its length, so that it equals the token).
    pub(crate) from_token: bool,
}

/// One thing that happened in a simulation.
///
/// ```
/// use hoare::sim::{Builder, Event};
///
/// let (_, trace) = Builder::new().run_traced(async {
///     hoare::spawn(async {}).await.unwrap();
/// });
/// let spawns = trace.events().iter().filter(|e| matches!(e, Event::Spawn { .. })).count();
/// assert_eq!(spawns, 2); // the main future and its child
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// A process was spawned.
    Spawn {
        /// The new process's number (`0` is the main future).
        process: u64,
        /// Where `hoare::spawn` was called.
        location: String,
    },
    /// A process was polled at a step.
    Poll {
        /// The step number.
        step: u64,
        /// The process polled.
        process: u64,
    },
    /// A process finished.
    Complete {
        /// The process.
        process: u64,
    },
    /// A process panicked.
    Panic {
        /// The process.
        process: u64,
        /// The panic message.
        message: String,
    },
    /// A `select!` chose the next arm of its order: which of the arms not
    /// yet placed, counted in written order from 0 (the first ready arm
    /// of the order is taken).
    Choice {
        /// Which of the arms not yet placed comes next.
        value: u64,
    },
    /// Virtual time jumped forward, because every process was blocked.
    Advance {
        /// The new virtual time, since the start of the run.
        to: Duration,
    },
    /// A timer fired.
    Timer {
        /// Its deadline, since the start of the run.
        deadline: Duration,
    },
    /// A fault (`Builder::faults`): a waiting process was woken though
    /// nothing it waits on happened.
    SpuriousWake {
        /// The process woken.
        process: u64,
    },
    /// A fault (`Builder::faults`): a runnable process is not polled for
    /// the next steps (fewer if nothing else can run).
    Held {
        /// The process held back.
        process: u64,
        /// For how many steps at most.
        steps: u64,
    },
    /// A fault (`Builder::faults`): virtual time jumps past the earliest
    /// deadline, so the timers due fire late.
    Jitter {
        /// How late.
        late: Duration,
    },
    /// The main future finished while this process was still blocked; it
    /// was dropped.
    Dropped {
        /// The process.
        process: u64,
        /// What it was waiting on.
        waiting_on: String,
    },
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::Spawn { process, location } => write!(f, "spawn p{process} at {location}"),
            Event::Poll { step, process } => write!(f, "step {step}: poll p{process}"),
            Event::Complete { process } => write!(f, "p{process} finished"),
            Event::Panic { process, message } => write!(f, "p{process} panicked: {message}"),
            Event::Choice { value } => write!(f, "select tries arm {value} first"),
            Event::Advance { to } => write!(f, "time advances to {to:?}"),
            Event::Timer { deadline } => write!(f, "timer due at {deadline:?} fires"),
            Event::SpuriousWake { process } => write!(f, "fault: p{process} woken spuriously"),
            Event::Held { process, steps } => {
                write!(f, "fault: p{process} held back for up to {steps} steps")
            }
            Event::Jitter { late } => write!(f, "fault: timers fire {late:?} late"),
            Event::Dropped {
                process,
                waiting_on,
            } => {
                write!(f, "p{process} dropped at the end, waiting on {waiting_on}")
            }
        }
    }
}

/// The events of one simulation run. `Display` prints one event per
/// line.
///
/// ```
/// let (_, trace) = hoare::sim::Builder::new().seed(1).run_traced(async {
///     let (tx, rx) = hoare::chan::bounded(0);
///     hoare::spawn(async move { tx.send(1).await.unwrap() });
///     rx.recv().await.unwrap()
/// });
/// assert_eq!(trace.to_string().lines().count(), trace.events().len());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Trace {
    events: Vec<Event>,
    /// Every choice point of the run, in order.
    points: Vec<ChoicePoint>,
    steps: u64,
    /// The run's mode, which its token names.
    mode: Mode,
    /// The seeded run this was, if any: a long one's token names it.
    seeded: Option<Seeded>,
    /// What each step touched, when recorded (`explore`).
    footprints: Option<Footprints>,
    /// FNV-1a over the run's observations (`observe`, assertion
    /// outcomes), one line each; `None` if it made none.
    observed: Option<u64>,
}

impl Trace {
    pub(crate) fn push(&mut self, event: Event) {
        self.events.push(event);
    }

    /// Adds one observation (a line of text) to the run's data digest.
    pub(crate) fn observe(&mut self, line: &str) {
        let mut hash = self.observed.unwrap_or(FNV_OFFSET);
        fnv_line(&mut hash, line.bytes());
        self.observed = Some(hash);
    }

    /// The run is over: its choice points, its number of steps, its mode,
    /// and the seeded run it was, if any.
    pub(crate) fn finish(
        &mut self,
        points: Vec<ChoicePoint>,
        steps: u64,
        mode: Mode,
        seeded: Option<Seeded>,
    ) {
        self.points = points;
        self.steps = steps;
        self.mode = mode;
        self.seeded = seeded;
    }

    /// The mode the run was made in (shrinking replays in it).
    pub(crate) fn mode(&self) -> Mode {
        self.mode
    }

    pub(crate) fn set_footprints(&mut self, footprints: Footprints) {
        self.footprints = Some(footprints);
    }

    pub(crate) fn footprints(&self) -> Option<&Footprints> {
        self.footprints.as_ref()
    }

    /// The run's choice points, in order.
    pub(crate) fn points(&self) -> &[ChoicePoint] {
        &self.points
    }

    /// The run's replay token: `Builder::new().replay(&token)` reruns
    /// exactly this run, with the same fingerprint, on any machine. It uses
    /// only `[A-Za-z0-9._-]`, starts with a version tag, and is canonical:
    /// a replay's own token is the token replayed. It has one of two forms:
    ///
    /// * **Explicit** (`v1.`): the run's mode when it has one (`s.` for a
    ///   seeded run, which may switch at every channel operation; `f.`
    ///   with faults; `sf.` both; none for `explore`'s runs), then only the
    ///   run's deviations from the default choices, run-length encoded:
    ///   about four characters per deviation, whatever the run's length.
    ///   `explore`'s schedules, shrunk schedules and seeded runs with up to
    ///   about 4,000 deviations (16 KiB) have this form.
    /// * **Seeded** (`v2.`): for a seeded run (either strategy) whose
    ///   explicit token would be longer than 16 KiB, and for the replay of
    ///   such a token: the mode, the strategy, the seed, the number of
    ///   choice points and the trace fingerprint, such as
    ///   `v2.s.pct3.7.1795478.57dfbeabb20145b5`, a few dozen characters
    ///   however long the run. It replays by running that seeded strategy
    ///   again; a run that makes another number of choices, or ends with
    ///   another fingerprint (the program changed, or another version of
    ///   hoare's strategies chooses otherwise), fails with
    ///   [`SimError::ReplayMismatch`](super::SimError::ReplayMismatch).
    ///
    /// A seeded run of a million steps among two or three busy processes
    /// deviates at nearly every step, so its explicit token would take
    /// about 4 MB; its seeded token fits an environment variable
    /// (`HOARE_SCHEDULE`), whose limit on Linux is 128 KiB.
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
    ///     let mut order = Vec::new();
    ///     while let Ok(i) = rx.recv().await {
    ///         order.push(i);
    ///     }
    ///     order
    /// };
    /// let (order, trace) = Builder::new().seed(12).run_traced(program());
    /// let token = trace.schedule();
    /// assert!(token.starts_with("v1."));
    /// let (again, replayed) = Builder::new().replay(&token).run_traced(program());
    /// assert_eq!(order, again);
    /// assert_eq!(trace.fingerprint(), replayed.fingerprint());
    /// assert_eq!(replayed.schedule(), token);
    /// ```
    pub fn schedule(&self) -> String {
        let explicit = Schedule {
            mode: self.mode,
            ..Schedule::of(&self.points)
        }
        .token();
        match self.seeded {
            Some(seeded) if seeded.from_token || explicit.len() > EXPLICIT_LIMIT => SeededRun {
                mode: self.mode,
                strategy: seeded.strategy,
                seed: seeded.seed,
                total: self.points.len() as u64,
                fingerprint: self.fingerprint(),
            }
            .token(),
            _ => explicit,
        }
    }

    /// How many of the run's choices were not the default (preemptions
    /// among them): the measure `Builder::max_preemptions` bounds.
    ///
    /// ```
    /// let (_, trace) = hoare::sim::Builder::new().replay("v1.0").run_traced(async {});
    /// assert_eq!(trace.preemptions(), 0);
    /// ```
    pub fn preemptions(&self) -> u64 {
        self.points
            .iter()
            .filter(|point| point.is_deviation())
            .count() as u64
    }

    /// How many polls the run made, the main future's included.
    ///
    /// ```
    /// let (_, trace) = hoare::sim::Builder::new().run_traced(async {
    ///     hoare::yield_now().await;
    /// });
    /// assert_eq!(trace.steps(), 2);
    /// ```
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// The events in order.
    ///
    /// ```
    /// let (_, trace) = hoare::sim::Builder::new().run_traced(async {});
    /// assert!(matches!(trace.events()[0], hoare::sim::Event::Spawn { process: 0, .. }));
    /// ```
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    /// A 64-bit FNV-1a hash of the events' text (one per line) and of the
    /// run's observations ([`observe`](super::observe), assertion outcomes):
    /// equal for equal runs, on every machine.
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
    /// let one = Builder::new().seed(4).run_traced(program()).1.fingerprint();
    /// let two = Builder::new().seed(4).run_traced(program()).1.fingerprint();
    /// assert_eq!(one, two);
    /// ```
    pub fn fingerprint(&self) -> u64 {
        let mut hash = FNV_OFFSET;
        for event in &self.events {
            fnv_line(&mut hash, event.to_string().bytes());
        }
        if let Some(observed) = self.observed {
            fnv_line(&mut hash, format!("observed {observed:016x}").bytes());
        }
        hash
    }
}

const FNV_OFFSET: u64 = 0xCBF2_9CE4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01B3;

/// Feeds one line (its bytes and a newline) into an FNV-1a hash.
fn fnv_line(hash: &mut u64, bytes: impl Iterator<Item = u8>) {
    for byte in bytes.chain(std::iter::once(b'\n')) {
        *hash ^= u64::from(byte);
        *hash = hash.wrapping_mul(FNV_PRIME);
    }
}

/// How many events a failure report prints at most (see
/// [`Trace::without_messages`]).
pub(crate) const REPORTED_EVENTS: usize = 2_000;

impl Trace {
    /// One event a line, a panic's message left out (a failure report
    /// prints it once, above). A run of more than [`REPORTED_EVENTS`]
    /// events shows its first and last `REPORTED_EVENTS / 2` with one line
    /// between saying how many are left out: a million-step failure would
    /// otherwise print a million lines. [`Trace::events`] and `Display`
    /// always give them all.
    pub(crate) fn without_messages(&self) -> String {
        let line = |event: &Event| match event {
            Event::Panic { process, .. } => format!("p{process} panicked (the message is above)\n"),
            event => format!("{event}\n"),
        };
        let mut text = String::new();
        if self.events.len() <= REPORTED_EVENTS {
            self.events
                .iter()
                .for_each(|event| text.push_str(&line(event)));
            return text;
        }
        let half = REPORTED_EVENTS / 2;
        let (first, rest) = self.events.split_at(half);
        let last = &rest[rest.len() - half..];
        first.iter().for_each(|event| text.push_str(&line(event)));
        text.push_str(&format!(
            "... {} events left out here (replay the token and print its Trace to see them all)\n",
            self.events.len() - 2 * half
        ));
        last.iter().for_each(|event| text.push_str(&line(event)));
        text
    }
}

impl fmt::Display for Trace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for event in &self.events {
            writeln!(f, "{event}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_depends_on_every_event_and_their_order() {
        let mut a = Trace::default();
        a.push(Event::Poll {
            step: 1,
            process: 0,
        });
        a.push(Event::Poll {
            step: 2,
            process: 1,
        });
        let mut b = Trace::default();
        b.push(Event::Poll {
            step: 1,
            process: 1,
        });
        b.push(Event::Poll {
            step: 2,
            process: 0,
        });
        assert_ne!(a.fingerprint(), b.fingerprint());
        assert_eq!(a.fingerprint(), a.clone().fingerprint());
        assert_eq!(a.to_string(), "step 1: poll p0\nstep 2: poll p1\n");
    }

    fn polls(count: usize) -> Trace {
        let mut trace = Trace::default();
        for step in 1..=count {
            trace.push(Event::Poll {
                step: step as u64,
                process: 0,
            });
        }
        trace
    }

    #[test]
    fn a_report_prints_every_event_of_a_short_run() {
        let trace = polls(REPORTED_EVENTS);
        assert_eq!(trace.without_messages(), trace.to_string());
    }

    #[test]
    fn a_report_of_a_long_run_prints_its_first_and_last_events_and_counts_the_rest() {
        let trace = polls(REPORTED_EVENTS + 10);
        let report = trace.without_messages();
        let lines: Vec<&str> = report.lines().collect();
        assert_eq!(lines.len(), REPORTED_EVENTS + 1);
        assert_eq!(lines[0], "step 1: poll p0");
        assert_eq!(
            lines[REPORTED_EVENTS / 2],
            "... 10 events left out here (replay the token and print its Trace to see them all)"
        );
        assert_eq!(
            *lines.last().unwrap(),
            format!("step {}: poll p0", REPORTED_EVENTS + 10)
        );
        assert_eq!(trace.to_string().lines().count(), REPORTED_EVENTS + 10);
    }

    #[test]
    fn fnv1a_of_the_empty_trace_is_the_offset_basis() {
        assert_eq!(Trace::default().fingerprint(), 0xCBF2_9CE4_8422_2325);
    }
}
