//! The simulation's executor: one thread, one seeded choice per step.
//!
//! # The loop
//!
//! 1. Move the processes woken since the last step (by channel operations,
//!    timers, `JoinHandle`s) into the runnable set. A process that woke
//!    itself while it ran has yielded (PCT demotes it).
//! 2. If nothing is runnable: jump virtual time to the earliest timer that
//!    can wake someone and fire what is due (ties in seeded order); if no
//!    such timer exists, the run is deadlocked.
//! 3. Otherwise the strategy picks one runnable process (seeded), and it is
//!    polled once, with blocking calls forbidden and the cooperative budget
//!    set, as on a runtime worker. A seeded run's budget is one channel
//!    operation (the next one finds it spent and yields), so the schedule
//!    can switch at every operation; `explore`'s is the runtime's. Which
//!    one a run used is its [`Mode`], which its token names. A yield
//!    caused by the spent budget is not reported to the strategy as one.
//!
//! With faults (`Builder::faults`), three more choices: before a step, a
//! spurious wake of a waiting process (through the waker its last wait
//! noted); before a step with two or more runnable processes, holding one
//! back for [`HOLD_STEPS`] steps; at a jump of virtual time, how late (up
//! to [`JITTER_QUARTERS`] quarter-milliseconds) the timers fire.
//!
//! The run ends when the main future completes (processes still blocked
//! are dropped and listed in the trace), or fails: deadlock, a panic nobody
//! observed, the step limit, or a wake from another OS thread.
//!
//! # Determinism
//!
//! Processes, channels and steps are numbered per simulation; the
//! scheduler, the `select!` choices and the order of simultaneous timers
//! draw from separate streams of [`SimRng`] derived from the seed; every
//! collection iterated here is ordered (`Vec`, `BTreeMap`). Nothing reads
//! the wall clock or an address. So the same seed and the same program give
//! the same run.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::pin;
use std::ptr::NonNull;
use std::sync::Arc as StdArc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::ThreadId;

use super::clock::VirtualClock;
use super::error::SimError;
use super::footprint::{Footprint, Footprints, Object, StepRecord};
use super::schedule::{Deviation, Kind, Mode, Recorder, Schedule, Token};
use super::strategy::{self, Strategy};
use super::trace::{Event, Seeded, Trace};
use crate::chan::choice;
use crate::runtime::budget;
use crate::runtime::context::{ForbidBlocking, NoBlocking};
use crate::runtime::dump::Dump;
use crate::runtime::hooks::{self, Host, Touched};
use crate::runtime::scheduler::owned::OwnedTasks;
use crate::runtime::task::raw::Header;
use crate::runtime::task::{self, Notified, Origin, Supervisor, Task};
use crate::runtime::wait;
use crate::sync::atomic::{AtomicBool, Ordering};
use crate::sync::{thread_local, Mutex};
use crate::time::clock as time_clock;

/// The settings of one run.
#[derive(Clone, Debug)]
pub(crate) struct Config {
    pub(crate) seed: u64,
    pub(crate) strategy: Strategy,
    pub(crate) max_steps: u64,
    /// The token to replay instead of seeded choices.
    pub(crate) replay: Option<Token>,
    /// Deviations to take, defaults after them (`explore`, shrinking):
    /// used instead of seeded choices when there is no `replay`.
    pub(crate) prefix: Option<Vec<Deviation>>,
    /// Whether a `prefix` deviation that does not fit is dropped instead
    /// of failing the run (shrinking).
    pub(crate) lenient: bool,
    /// Whether to record what each step touched (`explore`).
    pub(crate) footprints: bool,
    /// `explore`'s bound on deviations per schedule (`None`: unbounded).
    pub(crate) max_preemptions: Option<usize>,
    /// `explore` stops after this many schedules.
    pub(crate) max_schedules: u64,
    /// Whether `explore` applies its partial-order reduction (tests compare
    /// it with the full search).
    pub(crate) reduce: bool,
    /// Whether the simulation injects faults (`Builder::faults`).
    pub(crate) faults: bool,
    /// The mode of a `prefix` run when it is not `explore`'s (shrinking:
    /// the failing run's).
    pub(crate) mode: Option<Mode>,
}

impl Config {
    /// The run's mode: a replay's is its token's; a seeded run switches at
    /// every channel operation; `explore` (a prefix) keeps a poll going
    /// until its process waits, so that its bound counts the preemptions
    /// that matter.
    fn mode(&self) -> Mode {
        match (&self.replay, &self.prefix, self.mode) {
            (Some(token), _, _) => token.mode(),
            (None, Some(_), Some(mode)) => mode,
            (None, Some(_), None) => Mode {
                fine: false,
                faults: self.faults,
            },
            (None, None, _) => Mode {
                fine: true,
                faults: self.faults,
            },
        }
    }

    /// The seeded run this is, if any (a seeded token's replay is one):
    /// what a long run's token names instead of its choices.
    fn seeded(&self) -> Option<Seeded> {
        match (&self.replay, &self.prefix) {
            (None, None) => Some(Seeded {
                strategy: self.strategy,
                seed: self.seed,
                from_token: false,
            }),
            (Some(Token::Seeded(run)), _) => Some(Seeded {
                strategy: run.strategy,
                seed: run.seed,
                from_token: true,
            }),
            _ => None,
        }
    }

    /// The seed errors report: 0 for a run without one (a replay).
    fn reported_seed(&self) -> u64 {
        match (&self.replay, &self.prefix) {
            (None, None) => self.seed,
            _ => 0,
        }
    }
}

/// The part of a simulation that wakers (which must be `Send + Sync`) and
/// the task harness reach.
pub(crate) struct SimShared {
    /// The simulation's thread: a wake from any other is a foreign wake.
    thread: ThreadId,
    /// Processes woken since the executor last looked; `true` for a yield.
    woken: Mutex<Vec<(Notified, bool)>>,
    /// Whether the main future was woken.
    main_woken: AtomicBool,
    /// The live processes (the task harness leaves this list on completion).
    pub(crate) owned: OwnedTasks,
    /// Processes that completed since the executor last looked.
    completed: Mutex<Vec<u64>>,
    /// The first wake that came from another thread, described.
    foreign_wake: Mutex<Option<String>>,
    /// Processes that panicked: number, message, step; and whether anyone
    /// saw the panic through its `JoinHandle`.
    panics: Mutex<BTreeMap<u64, PanicRecord>>,
}

struct PanicRecord {
    message: String,
    step: u64,
    observed: bool,
    detached: bool,
}

impl SimShared {
    fn new() -> Self {
        SimShared {
            thread: std::thread::current().id(),
            woken: Mutex::new(Vec::new()),
            main_woken: AtomicBool::new(true),
            owned: OwnedTasks::new(),
            completed: Mutex::new(Vec::new()),
            foreign_wake: Mutex::new(None),
            panics: Mutex::new(BTreeMap::new()),
        }
    }

    fn check_thread(&self) {
        if std::thread::current().id() != self.thread {
            let channel = hooks::waking_channel();
            let source = if channel == 0 {
                format!(
                    "a waker called on thread {:?}",
                    std::thread::current().name().unwrap_or("<unnamed>")
                )
            } else {
                format!("channel #{channel}")
            };
            self.foreign_wake.lock().get_or_insert(source);
        }
    }

    /// The first panic that nobody can observe any more (`at_end`: also
    /// those whose handle was simply never awaited).
    fn unobserved_panic(&self, at_end: bool) -> Option<(u64, String, u64)> {
        let panics = self.panics.lock();
        panics
            .iter()
            .find(|(_, record)| !record.observed && (record.detached || at_end))
            .map(|(process, record)| (*process, record.message.clone(), record.step))
    }
}

/// What the task harness reports of the simulation's processes.
impl Supervisor for SimShared {
    fn schedule(&self, task: Notified, is_yield: bool) {
        self.check_thread();
        let process = task.header().id;
        with_context(|cx| {
            if let Some(cx) = cx {
                cx.touched(Object::Process(process));
            }
        });
        self.woken.lock().push((task, is_yield));
    }

    fn remove_live(&self, header: NonNull<Header>, process: u64) -> bool {
        with_context(|cx| {
            if let Some(cx) = cx {
                cx.touched(Object::Join(process));
            }
        });
        let held = self.owned.remove(header);
        self.completed.lock().push(process);
        held
    }

    fn on_panic(&self, process: u64, message: String, join_interested: bool) {
        let step = with_context(|cx| cx.map(|cx| cx.step.get()).unwrap_or(0));
        with_context(|cx| {
            if let Some(cx) = cx {
                cx.trace.borrow_mut().push(Event::Panic {
                    process,
                    message: message.clone(),
                });
            }
        });
        self.panics.lock().insert(
            process,
            PanicRecord {
                message,
                step,
                observed: false,
                detached: !join_interested,
            },
        );
    }

    fn on_panic_observed(&self, process: u64) {
        if let Some(record) = self.panics.lock().get_mut(&process) {
            record.observed = true;
        }
    }

    /// A panic its dropped `JoinHandle` never returned is now lost.
    fn on_join_dropped(&self, process: u64) {
        if let Some(record) = self.panics.lock().get_mut(&process) {
            record.detached = true;
        }
    }
}

/// The main future's waker.
struct SimMainWaker(StdArc<SimShared>);

impl Wake for SimMainWaker {
    fn wake(self: StdArc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &StdArc<Self>) {
        self.0.check_thread();
        with_context(|cx| {
            if let Some(cx) = cx {
                cx.touched(Object::Process(0));
            }
        });
        // SeqCst: read by the executor on the same thread in the common case;
        // across threads the foreign wake already fails the run.
        self.0.main_woken.store(true, Ordering::SeqCst);
    }
}

/// What the code running inside a simulation can reach on its thread.
pub(crate) struct SimContext {
    pub(crate) shared: StdArc<SimShared>,
    step: Cell<u64>,
    /// The process being polled (0 = main).
    current: Cell<u64>,
    next_process: Cell<u64>,
    next_channel: Cell<u64>,
    trace: RefCell<Trace>,
    /// Live processes: what each last waited on.
    processes: RefCell<BTreeMap<u64, ProcessInfo>>,
    /// Every process's name, kept after it finishes (for panic reports).
    names: RefCell<BTreeMap<u64, String>>,
    /// Processes spawned during the current step, for the scheduler.
    spawned: RefCell<Vec<u64>>,
    /// The first `assert_always!`/`assert_unreachable!` that failed.
    assertion: RefCell<Option<AssertionFailure>>,
    /// `buggify!` call sites (`file:line:column`) and whether each is
    /// enabled for this run.
    buggify_sites: RefCell<BTreeMap<String, bool>>,
    /// Every choice of the run goes through it.
    recorder: RefCell<Recorder>,
    /// What the steps touched, when recorded (`explore`).
    footprints: Option<RefCell<Footprints>>,
    /// What the current step touched so far.
    footprint: RefCell<Footprint>,
    /// Whether faults are injected (the run's mode).
    faults: bool,
    /// The index of the first choice point of the select order drawn and
    /// not yet settled (see `SelectChoices`).
    select_points: Cell<Option<usize>>,
}

/// A failed assertion, as recorded when it fired.
struct AssertionFailure {
    name: String,
    message: String,
    process: u64,
    step: u64,
}

struct ProcessInfo {
    waiting_on: String,
    /// The waker of its last wait, kept only with faults (a spurious
    /// wake calls it); cleared when the process is polled again.
    waker: Option<Waker>,
}

impl SimContext {
    /// Notes that the current step touched `object` (when recording).
    fn touched(&self, object: Object) {
        if self.footprints.is_some() {
            self.footprint.borrow_mut().objects.insert(object);
        }
    }

    /// Notes that the current step depends on every other.
    fn touched_everything(&self) {
        if self.footprints.is_some() {
            self.footprint.borrow_mut().global = true;
        }
    }

    /// Closes the record of step `process` just polled.
    fn end_step(&self, process: u64, after_jump: bool) {
        if self.select_points.take().is_some() {
            self.touched_everything();
        }
        if let Some(footprints) = &self.footprints {
            let mut footprint = self.footprint.take();
            footprint.objects.insert(Object::Process(process));
            footprints.borrow_mut().steps.push(StepRecord {
                process,
                footprint,
                after_jump,
            });
        }
    }

    fn name(&self, process: u64) -> String {
        match self.names.borrow().get(&process) {
            Some(name) => name.clone(),
            None => "the main future (p0)".to_string(),
        }
    }
}

/// What the fine mode's one-operation polls add up to, at the runtime's
/// granularity. A seeded run ends a poll after one channel operation (so
/// its schedule can switch there); the runtime ends one after
/// `PROCESS_BUDGET` of them, and that cut is the yield a process that is
/// always ready makes. So in the fine mode a process's
/// `PROCESS_BUDGET`-th budget-cut poll in a row counts as a yield (PCT
/// drops it to the lowest priority, as it would the same process's cut
/// in the runtime), and only polls at the runtime's granularity count
/// toward `max_steps`: the polls that end otherwise, and every
/// `PROCESS_BUDGET`-th cut in a row. A program that pumps a million
/// messages is not a livelock; one that spins on ready operations still
/// is, after `PROCESS_BUDGET` times as many polls.
#[derive(Default)]
struct Granularity {
    /// Per process, its polls in a row that ended on a spent budget.
    streaks: BTreeMap<u64, u32>,
    /// Steps counted toward `max_steps`.
    counted: u64,
}

impl Granularity {
    /// Accounts for a poll of `process`; returns the process whose coming
    /// self-wake is not a yield (`spent` of the loop), if any.
    fn after_poll(&mut self, process: u64, out_of_budget: bool, fine: bool) -> Option<u64> {
        if !fine || !out_of_budget {
            self.streaks.remove(&process);
            self.counted += 1;
            return out_of_budget.then_some(process);
        }
        let in_a_row = self.streaks.entry(process).or_insert(0);
        *in_a_row += 1;
        if *in_a_row >= budget::PROCESS_BUDGET {
            self.streaks.remove(&process);
            self.counted += 1;
            None
        } else {
            Some(process)
        }
    }
}

thread_local! {
    static CURRENT: RefCell<Option<std::rc::Rc<SimContext>>> = RefCell::new(None);
}

fn with_context<R>(f: impl FnOnce(Option<&SimContext>) -> R) -> R {
    CURRENT.with(|current| f(current.borrow().as_deref()))
}

/// Records a failed `assert_always!` or a reached `assert_unreachable!` in
/// the run (the first one counts); `false` outside a simulation.
pub(crate) fn fail_assertion(name: &str, message: &str) -> bool {
    with_context(|cx| {
        let Some(cx) = cx else {
            return false;
        };
        let mut slot = cx.assertion.borrow_mut();
        if slot.is_none() {
            *slot = Some(AssertionFailure {
                name: name.to_string(),
                message: message.to_string(),
                process: cx.current.get(),
                step: cx.step.get(),
            });
        }
        true
    })
}

/// Adds `line` to the running simulation's data digest (part of the
/// trace's fingerprint); `false` outside a simulation.
pub(crate) fn observe(line: impl FnOnce() -> String) -> bool {
    with_context(|cx| {
        let Some(cx) = cx else {
            return false;
        };
        cx.trace.borrow_mut().observe(&line());
        true
    })
}

/// A `buggify!` draw at `file:line:column`: `false` outside a simulation;
/// inside, the site is enabled for the run with probability 1/2 (decided
/// at its first draw) and an enabled site is `true` with probability 1/4.
pub(crate) fn buggify(file: &str, line: u32, column: u32) -> bool {
    with_context(|cx| {
        let Some(cx) = cx else {
            return false;
        };
        let site = format!("{file}:{line}:{column}");
        let step = cx.step.get();
        let mut recorder = cx.recorder.borrow_mut();
        cx.touched_everything();
        let enabled = *cx
            .buggify_sites
            .borrow_mut()
            .entry(site)
            .or_insert_with(|| recorder.choose(Kind::BuggifySite, &[0, 1], 0, step) == 1);
        enabled && recorder.choose(Kind::BuggifyDraw, &[0, 1], 0, step) == 1
    })
}

/// The simulation's source of `select!` choices: each position of a
/// selection's arm order is a choice of the run, recorded in the trace.
///
/// The selection then says whether the order mattered. If it did, the
/// step counts as dependent with every other (another order could have
/// touched other channels). If not (every order gives the same run), the
/// order's choice points are marked inert, so `explore` tries no other
/// option there, and the step keeps its own footprint. A selection that
/// never says (it panicked) is taken to have mattered when its step ends.
struct SelectChoices;

impl choice::Source for SelectChoices {
    fn next(&mut self, arms: usize) -> usize {
        with_context(|cx| {
            let Some(cx) = cx else {
                return 0;
            };
            if cx.select_points.get().is_none() {
                cx.select_points
                    .set(Some(cx.recorder.borrow().point_count()));
            }
            let options: Vec<u64> = (0..arms as u64).collect();
            let first = cx
                .recorder
                .borrow_mut()
                .choose(Kind::Arm, &options, 0, cx.step.get());
            cx.trace.borrow_mut().push(Event::Choice { value: first });
            first as usize
        })
    }

    fn settled(&mut self, mattered: bool) {
        with_context(|cx| {
            let Some(cx) = cx else {
                return;
            };
            let Some(first) = cx.select_points.take() else {
                return;
            };
            match mattered {
                true => cx.touched_everything(),
                false => cx.recorder.borrow_mut().mark_inert(first),
            }
        });
    }
}

/// What the parts report to the simulation through `runtime::hooks`.
impl Host for SimContext {
    /// Channels are numbered per simulation.
    fn next_channel_id(&self) -> u64 {
        let id = self.next_channel.get() + 1;
        self.next_channel.set(id);
        id
    }

    /// Shown in deadlock reports and in the trace of processes dropped at
    /// the end.
    fn note_waiting(&self, waker: &Waker, describe: &dyn Fn() -> String) {
        let process = self.current.get();
        if let Some(info) = self.processes.borrow_mut().get_mut(&process) {
            info.waiting_on = describe();
            if self.faults {
                info.waker = Some(waker.clone());
            }
        }
    }

    fn admit(&self, origin: &Origin) -> (task::Owner, u64) {
        let process = self.next_process.get() + 1;
        self.next_process.set(process);
        if let Some(footprints) = &self.footprints {
            footprints
                .borrow_mut()
                .spawned_during
                .insert(process, self.step.get());
        }
        let at = origin.location();
        let site = format!("{}:{}", at.file(), at.line());
        let (named, location) = match origin.name() {
            Some(name) => (format!(" {name:?}"), format!("{site} ({name:?})")),
            None => (String::new(), site.clone()),
        };
        self.trace
            .borrow_mut()
            .push(Event::Spawn { process, location });
        self.names.borrow_mut().insert(
            process,
            format!("process p{process}{named} (spawned at {site})"),
        );
        self.processes.borrow_mut().insert(
            process,
            ProcessInfo {
                waiting_on: "nothing yet (never polled)".into(),
                waker: None,
            },
        );
        self.spawned.borrow_mut().push(process);
        (task::Owner::Hosted(self.shared.clone()), process)
    }

    fn touch(&self, object: Touched) {
        self.touched(object.into());
    }

    fn start(&self, live: Task, notified: Notified) {
        if let Err(live) = self.shared.owned.bind(live) {
            drop(live);
        }
        self.shared.schedule(notified, false);
    }

    fn dump(&self) -> Dump {
        Dump::of(&self.shared.owned)
    }
}

/// Installs the context for the run, as this thread's simulation and as
/// its host (`runtime::hooks`); removes both on drop.
struct Installed(hooks::Installed);

impl Installed {
    fn new(cx: std::rc::Rc<SimContext>) -> Self {
        let host = match hooks::install(cx.clone()) {
            Ok(host) => host,
            Err(_) => panic!(
                "hoare::sim: a simulation cannot run inside another simulation on the same thread"
            ),
        };
        CURRENT.with(|current| *current.borrow_mut() = Some(cx));
        Installed(host)
    }
}

impl Drop for Installed {
    fn drop(&mut self) {
        let cx = CURRENT.with(|current| current.borrow_mut().take());
        drop(cx);
    }
}

/// What the runnable set holds.
enum Runnable {
    Main,
    Process(u64, Notified),
}

impl Runnable {
    fn process(&self) -> u64 {
        match self {
            Runnable::Main => 0,
            Runnable::Process(process, _) => *process,
        }
    }
}

/// Runs `future` as the main process of a simulation under `config`.
pub(crate) fn run<F: Future>(config: &Config, future: F) -> (Result<F::Output, SimError>, Trace) {
    let mode = config.mode();
    let shared = StdArc::new(SimShared::new());
    let cx = std::rc::Rc::new(SimContext {
        shared: shared.clone(),
        step: Cell::new(0),
        current: Cell::new(0),
        next_process: Cell::new(0),
        next_channel: Cell::new(0),
        trace: RefCell::new(Trace::default()),
        processes: RefCell::new(BTreeMap::new()),
        names: RefCell::new(BTreeMap::new()),
        spawned: RefCell::new(Vec::new()),
        assertion: RefCell::new(None),
        buggify_sites: RefCell::new(BTreeMap::new()),
        recorder: RefCell::new(Recorder::new(match (&config.replay, &config.prefix) {
            (Some(token), _) => strategy::replay(token),
            (None, Some(prefix)) => strategy::prefix(prefix, config.lenient),
            (None, None) => strategy::seeded(config.strategy, config.seed),
        })),
        footprints: config
            .footprints
            .then(|| RefCell::new(Footprints::default())),
        footprint: RefCell::new(Footprint::default()),
        faults: mode.faults,
        select_points: Cell::new(None),
    });
    cx.processes.borrow_mut().insert(
        0,
        ProcessInfo {
            waiting_on: "nothing yet".into(),
            waker: None,
        },
    );
    cx.trace.borrow_mut().push(Event::Spawn {
        process: 0,
        location: "main".into(),
    });
    let installed = Installed::new(cx.clone());
    let clock = StdArc::new(VirtualClock::new());
    let clock_guard = time_clock::enter(clock.clone());
    let no_blocking = ForbidBlocking::enter(NoBlocking::Simulation);
    let (result, _) = choice::with_source(Box::new(SelectChoices), || {
        drive(config, mode, &cx, &shared, &clock, future)
    });
    // Drop what is left while the simulation's context is still installed:
    // destructors of processes may use channels and timers.
    let leftover_panic = shut_down(&cx, &shared, &clock);
    drop(no_blocking);
    drop(clock_guard);
    drop(installed);
    let seed = config.reported_seed();
    cx.recorder.borrow_mut().finish(cx.step.get());
    let mismatch = cx.recorder.borrow().mismatch().cloned();
    let result = match (mismatch, failed_assertion(&cx, seed), result) {
        (Some((step, reason)), _, _) => Err(SimError::ReplayMismatch {
            step,
            reason,
            schedule: String::new(),
        }),
        (None, Some(error), _) => Err(error),
        (None, None, Err(error)) => Err(error),
        (None, None, Ok(output)) => match leftover_panic {
            Some((process, message, step)) => Err(SimError::Panic {
                message,
                process: cx.name(process),
                seed,
                step,
                schedule: String::new(),
            }),
            None => Ok(output),
        },
    };
    let mut trace = cx.trace.replace(Trace::default());
    let recorder = cx
        .recorder
        .replace(Recorder::new(strategy::replay(&Token::Explicit(
            Schedule {
                mode,
                deviations: Vec::new(),
                total: 0,
            },
        ))));
    trace.finish(recorder.into_points(), cx.step.get(), mode, config.seeded());
    // A seeded token's replay made its count of choices (else a mismatch
    // is already noted); that it made the same run shows in the trace.
    let result = match (&config.replay, result) {
        (Some(Token::Seeded(run)), result)
            if !matches!(result, Err(SimError::ReplayMismatch { .. }))
                && trace.fingerprint() != run.fingerprint =>
        {
            Err(SimError::ReplayMismatch {
                step: cx.step.get(),
                reason: format!(
                    "the seeded run made the token's {} choices but ended with the trace \
                     fingerprint {:016x}, not the token's {:016x}; the program, or hoare's \
                     seeded strategies, changed since the token was made",
                    run.total,
                    trace.fingerprint(),
                    run.fingerprint
                ),
                schedule: String::new(),
            })
        }
        (_, result) => result,
    };
    if let Some(footprints) = &cx.footprints {
        trace.set_footprints(footprints.take());
    }
    let token = trace.schedule();
    (result.map_err(|error| error.with_schedule(token)), trace)
}

fn drive<F: Future>(
    config: &Config,
    mode: Mode,
    cx: &SimContext,
    shared: &StdArc<SimShared>,
    clock: &VirtualClock,
    future: F,
) -> Result<F::Output, SimError> {
    let seed = config.reported_seed();
    cx.recorder.borrow_mut().on_spawn(0);
    // The process polled last: the default next choice while it is runnable.
    let mut last = 0;
    // The processes polled in the last steps, for a livelock's report.
    let mut recent: std::collections::VecDeque<u64> = std::collections::VecDeque::new();
    // Whether virtual time jumped since the last step.
    let mut jumped = false;
    let mut main = pin!(future);
    let main_waker = Waker::from(StdArc::new(SimMainWaker(shared.clone())));
    let mut runnable: Vec<Runnable> = Vec::new();
    let mut main_queued = false;
    // The process whose last poll ended because its budget was spent: its
    // self-wake is not a yield it asked for.
    let mut spent: Option<u64> = None;
    // Per process, its polls in a row that ended on a spent budget (fine
    // mode; see `Granularity`), and the steps that count toward
    // `max_steps`.
    let mut granularity = Granularity::default();
    // Channel operations a poll may complete: one in the fine mode, so the
    // schedule can switch processes at each.
    let budget_limit = if mode.fine { 1 } else { budget::PROCESS_BUDGET };
    // Processes held back by a fault, and the step until which.
    let mut held: BTreeMap<u64, u64> = BTreeMap::new();
    // Whether a fault was injected since the last step.
    let mut faulted = false;
    loop {
        for process in cx.spawned.borrow_mut().drain(..) {
            cx.recorder.borrow_mut().on_spawn(process);
        }
        let woken = std::mem::take(&mut *shared.woken.lock());
        for (task, is_yield) in woken {
            let process = task.header().id;
            if is_yield && spent != Some(process) {
                cx.recorder.borrow_mut().on_yield(process);
            }
            runnable.push(Runnable::Process(process, task));
        }
        // SeqCst: pairs with the store in `SimMainWaker`.
        if shared.main_woken.swap(false, Ordering::SeqCst) && !main_queued {
            runnable.push(Runnable::Main);
            main_queued = true;
        }
        if let Some(error) = failed_assertion(cx, seed) {
            return Err(error);
        }
        if let Some((step, reason)) = cx.recorder.borrow().mismatch().cloned() {
            return Err(SimError::ReplayMismatch {
                step,
                reason,
                schedule: String::new(),
            });
        }
        if let Some(source) = shared.foreign_wake.lock().take() {
            return Err(SimError::ForeignWake {
                seed,
                source,
                schedule: String::new(),
            });
        }
        if let Some((process, message, step)) = shared.unobserved_panic(false) {
            return Err(SimError::Panic {
                message,
                process: cx.name(process),
                seed,
                step,
                schedule: String::new(),
            });
        }
        if mode.faults && !runnable.is_empty() && spurious_wake(cx, &runnable) {
            faulted = true;
            continue;
        }
        if runnable.is_empty() {
            match clock.next_useful_deadline() {
                Some(deadline) => {
                    let deadline = match mode.faults {
                        true => deadline + jitter(cx),
                        false => deadline,
                    };
                    jumped = true;
                    cx.trace.borrow_mut().push(Event::Advance {
                        to: VirtualClock::offset(deadline),
                    });
                    let step = cx.step.get();
                    let mut next = |remaining: usize| {
                        let options: Vec<u64> = (0..remaining as u64).collect();
                        cx.recorder
                            .borrow_mut()
                            .choose(Kind::Timer, &options, 0, step) as usize
                    };
                    for fired in clock.advance_to(deadline, &mut next) {
                        cx.trace.borrow_mut().push(Event::Timer {
                            deadline: VirtualClock::offset(fired),
                        });
                    }
                    continue;
                }
                None => return Err(deadlock(cx, seed)),
            }
        }
        let step = cx.step.get() + 1;
        if granularity.counted >= config.max_steps {
            return Err(SimError::StepLimit {
                seed,
                max_steps: config.max_steps,
                recent: recently_polled(cx, &recent),
                schedule: String::new(),
            });
        }
        cx.step.set(step);
        let mut processes: Vec<u64> = runnable.iter().map(Runnable::process).collect();
        if mode.faults {
            let (free, held_one) = hold_back(cx, &mut held, processes, step);
            processes = free;
            faulted |= held_one;
        }
        let default = if processes.contains(&last) {
            last
        } else {
            *processes.iter().min().expect("runnable is not empty")
        };
        let process = cx
            .recorder
            .borrow_mut()
            .choose(Kind::Process, &processes, default, step);
        let position = runnable
            .iter()
            .position(|r| r.process() == process)
            .expect("the recorder takes one of the options");
        let chosen = runnable.remove(position);
        last = process;
        if recent.len() == RECENT_STEPS {
            recent.pop_front();
        }
        recent.push_back(process);
        cx.trace.borrow_mut().push(Event::Poll { step, process });
        cx.current.set(process);
        cx.footprint.take();
        if std::mem::take(&mut faulted) {
            // A fault changed who can run: `explore` orders this step
            // against every other, as it does a select's or buggify's
            // choice.
            cx.touched_everything();
        }
        if let Some(info) = cx.processes.borrow_mut().get_mut(&process) {
            info.waiting_on = wait::UNKNOWN.into();
            info.waker = None;
        }
        match chosen {
            Runnable::Main => {
                main_queued = false;
                let mut main_cx = Context::from_waker(&main_waker);
                let (polled, out_of_budget) = budget::with_budget_of(budget_limit, || {
                    catch_unwind(AssertUnwindSafe(|| main.as_mut().poll(&mut main_cx)))
                });
                spent = granularity.after_poll(0, out_of_budget, mode.fine);
                match polled {
                    Ok(Poll::Ready(output)) => {
                        cx.touched_everything();
                        cx.end_step(0, jumped);
                        cx.trace.borrow_mut().push(Event::Complete { process: 0 });
                        return Ok(output);
                    }
                    Ok(Poll::Pending) => {
                        // SeqCst: as in `SimMainWaker`. Woken during its own poll:
                        // the main future yielded.
                        if shared.main_woken.load(Ordering::SeqCst) && !out_of_budget {
                            cx.recorder.borrow_mut().on_yield(0);
                        }
                    }
                    Err(payload) => {
                        let message = panic_message(&*payload);
                        cx.trace.borrow_mut().push(Event::Panic {
                            process: 0,
                            message: message.clone(),
                        });
                        return Err(SimError::Panic {
                            message,
                            process: cx.name(0),
                            seed,
                            step,
                            schedule: String::new(),
                        });
                    }
                }
            }
            Runnable::Process(_, task) => {
                let ((), out_of_budget) = budget::with_budget_of(budget_limit, || task.run());
                spent = granularity.after_poll(process, out_of_budget, mode.fine);
            }
        }
        cx.end_step(process, std::mem::take(&mut jumped));
        let completed = std::mem::take(&mut *shared.completed.lock());
        for process in completed {
            if cx.processes.borrow_mut().remove(&process).is_some() {
                cx.trace.borrow_mut().push(Event::Complete { process });
            }
        }
    }
}

/// How many steps a held-back process is not polled (fault).
const HOLD_STEPS: u64 = 16;

/// The most a timer fires late (fault), in quarter-milliseconds.
const JITTER_QUARTERS: u64 = 4;

/// A fault's choice before a step: wake one of the waiting processes
/// (those whose last poll noted a wait) though nothing happened. `true`
/// if one was woken.
fn spurious_wake(cx: &SimContext, runnable: &[Runnable]) -> bool {
    let waiting: Vec<u64> = cx
        .processes
        .borrow()
        .iter()
        .filter(|(process, info)| {
            info.waker.is_some() && !runnable.iter().any(|r| r.process() == **process)
        })
        .map(|(&process, _)| process)
        .collect();
    let options: Vec<u64> = std::iter::once(0)
        .chain(waiting.iter().map(|p| p + 1))
        .collect();
    let chosen = cx
        .recorder
        .borrow_mut()
        .choose(Kind::Wake, &options, 0, cx.step.get() + 1);
    if chosen == 0 {
        return false;
    }
    let process = chosen - 1;
    let waker = cx
        .processes
        .borrow_mut()
        .get_mut(&process)
        .and_then(|info| info.waker.take());
    cx.trace.borrow_mut().push(Event::SpuriousWake { process });
    if let Some(waker) = waker {
        waker.wake();
    }
    true
}

/// A fault's choice before step `step`: hold one of the runnable
/// `processes` back for [`HOLD_STEPS`]. Returns the processes the step
/// may poll: those not held back, or all of them (and none held any
/// more) when every one is; and whether one was held back now.
fn hold_back(
    cx: &SimContext,
    held: &mut BTreeMap<u64, u64>,
    processes: Vec<u64>,
    step: u64,
) -> (Vec<u64>, bool) {
    held.retain(|_, until| *until >= step);
    let free: Vec<u64> = processes
        .iter()
        .copied()
        .filter(|p| !held.contains_key(p))
        .collect();
    let mut held_one = false;
    if free.len() >= 2 {
        let options: Vec<u64> = std::iter::once(0)
            .chain(free.iter().map(|p| p + 1))
            .collect();
        let chosen = cx
            .recorder
            .borrow_mut()
            .choose(Kind::Hold, &options, 0, step);
        if chosen > 0 {
            held_one = true;
            held.insert(chosen - 1, step + HOLD_STEPS - 1);
            cx.trace.borrow_mut().push(Event::Held {
                process: chosen - 1,
                steps: HOLD_STEPS,
            });
        }
    }
    let free: Vec<u64> = processes
        .iter()
        .copied()
        .filter(|p| !held.contains_key(p))
        .collect();
    if free.is_empty() {
        held.clear();
        return (processes, held_one);
    }
    (free, held_one)
}

/// A fault's choice at a jump of virtual time: how late the timers due
/// fire (zero by default, at most [`JITTER_QUARTERS`] quarter-milliseconds).
fn jitter(cx: &SimContext) -> std::time::Duration {
    let options: Vec<u64> = (0..=JITTER_QUARTERS).collect();
    let quarters = cx
        .recorder
        .borrow_mut()
        .choose(Kind::Jitter, &options, 0, cx.step.get());
    let late = std::time::Duration::from_micros(250 * quarters);
    if quarters > 0 {
        cx.trace.borrow_mut().push(Event::Jitter { late });
    }
    late
}

/// The run's failed assertion, if one fired: it fails the run whatever
/// became of its panic.
fn failed_assertion(cx: &SimContext, seed: u64) -> Option<SimError> {
    let failure = cx.assertion.borrow();
    let failure = failure.as_ref()?;
    Some(SimError::Assertion {
        name: failure.name.clone(),
        message: failure.message.clone(),
        process: cx.name(failure.process),
        seed,
        step: failure.step,
        schedule: String::new(),
    })
}

/// How many of the last steps a livelock report looks at.
const RECENT_STEPS: usize = 64;

/// The processes polled in `recent` steps, most polled first, with how
/// many of those steps each took.
fn recently_polled(cx: &SimContext, recent: &std::collections::VecDeque<u64>) -> String {
    let mut counts: BTreeMap<u64, usize> = BTreeMap::new();
    for &process in recent {
        *counts.entry(process).or_default() += 1;
    }
    let mut counts: Vec<(u64, usize)> = counts.into_iter().collect();
    counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let parts: Vec<String> = counts
        .iter()
        .map(|&(process, steps)| {
            format!(
                "{} ({steps} of the last {} steps)",
                cx.name(process),
                recent.len()
            )
        })
        .collect();
    parts.join(", ")
}

fn deadlock(cx: &SimContext, seed: u64) -> SimError {
    let blocked = cx
        .processes
        .borrow()
        .iter()
        .map(|(&process, info)| {
            let name = if process == 0 {
                "the main future (p0)".to_string()
            } else {
                cx.name(process)
            };
            (name, info.waiting_on.clone())
        })
        .collect();
    SimError::Deadlock {
        seed,
        step: cx.step.get(),
        blocked,
        schedule: String::new(),
    }
}

/// Drops every process still alive and every timer; lists the dropped
/// processes in the trace. Returns a panic nobody observed, if any.
fn shut_down(
    cx: &SimContext,
    shared: &StdArc<SimShared>,
    clock: &VirtualClock,
) -> Option<(u64, String, u64)> {
    let live: Vec<(u64, String)> = cx
        .processes
        .borrow()
        .iter()
        .filter(|(&process, _)| process != 0)
        .map(|(&process, info)| (process, info.waiting_on.clone()))
        .collect();
    for (process, waiting_on) in live {
        cx.trace.borrow_mut().push(Event::Dropped {
            process,
            waiting_on,
        });
    }
    for task in shared.owned.close_and_drain() {
        task.shutdown();
    }
    for info in cx.processes.borrow_mut().values_mut() {
        info.waker = None;
    }
    drop(std::mem::take(&mut *shared.woken.lock()));
    clock.clear();
    shared.unobserved_panic(true)
}

/// The text of a panic payload.
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_string()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "a panic with a non-string payload".to_string()
    }
}
