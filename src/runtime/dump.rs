//! [`Dump`]: a snapshot of a runtime's live processes and what each waits
//! on, for a program that seems stuck.
//!
//! Nothing is collected while processes run: a wait leaves a few facts in
//! its process's task header (`task::wait_slot`), the spawn site and name
//! sit there from the spawn (`task::origin`), and whether a process is
//! blocked follows from its state word (idle and not woken since). A dump
//! walks the live list (`scheduler::owned`) shard by shard under its
//! locks, copies those facts, and only then makes text of them.
//!
//! A dump is a snapshot: a process may be woken while it is taken, so two
//! processes may show a moment apart.

use std::fmt;
use std::panic::Location;

use super::scheduler::owned::OwnedTasks;
use super::task::raw::Header;
use super::task::state::Snapshot;
use super::wait::{Wait, UNKNOWN};
use super::{context, hooks};
use crate::time::Instant;

/// The live processes of a runtime (or simulation) at one moment, in spawn
/// order: what each waits on, and where it was spawned.
///
/// `Display` prints one block per process, starting with `p<id>`:
///
/// ```text
/// 2 live processes, 2 blocked
/// p1 "left", spawned at examples/stuck.rs:27, blocked on
///     recv on channel #2 (rendezvous)
/// p2 "right", spawned at examples/stuck.rs:34, blocked on
///     recv on channel #1 (rendezvous)
/// ```
///
/// ```
/// hoare::run(async {
///     let (_tx, rx) = hoare::chan::bounded::<()>(0);
///     let waiting = hoare::runtime::ProcessBuilder::new()
///         .name("waiter")
///         .spawn(async move { rx.recv().await });
///     let start = std::time::Instant::now();
///     while !hoare::runtime::dump().processes().iter().any(|p| p.is_blocked()) {
///         assert!(start.elapsed().as_secs() < 10, "the process never blocked");
///         hoare::yield_now().await;
///     }
///     let dump = hoare::runtime::dump();
///     let waiter = &dump.processes()[0];
///     assert_eq!(waiter.name(), Some("waiter"));
///     assert!(waiter.waits_on()[0].starts_with("recv on channel #"));
///     assert!(dump.to_string().contains(r#""waiter""#));
///     waiting.abort();
/// });
/// ```
#[derive(Clone, Debug)]
pub struct Dump {
    processes: Vec<ProcessInfo>,
}

/// One live process in a [`Dump`].
#[derive(Clone, Debug)]
pub struct ProcessInfo {
    id: u64,
    name: Option<String>,
    spawned_at: &'static Location<'static>,
    blocked: bool,
    waits_on: Vec<String>,
    /// The earliest sleep it waits on, if blocked in one (for stall reports).
    wakes_at: Option<Instant>,
}

/// A snapshot of the current runtime's processes: the runtime whose
/// process, or whose main future, is calling; inside a simulation, the
/// simulation's processes.
///
/// # Panics
///
/// Outside a runtime and a simulation (on a plain OS thread): use
/// [`Runtime::dump`](super::Runtime::dump) there.
///
/// ```
/// hoare::run(async {
///     assert!(hoare::runtime::dump().processes().is_empty());
/// });
/// ```
#[track_caller]
pub fn dump() -> Dump {
    if let Some(dump) = hooks::dump() {
        return dump;
    }
    match context::current_scheduler() {
        Some(scheduler) => Dump::of(&scheduler.owned),
        None => panic!(
            "hoare::runtime::dump called outside a runtime and a simulation: call it from a \
             process or from the future given to hoare::run / Runtime::block_on, or use \
             Runtime::dump"
        ),
    }
}

impl Dump {
    /// The processes linked in `owned`, in spawn order.
    pub(crate) fn of(owned: &OwnedTasks) -> Dump {
        let mut facts = Vec::new();
        owned.for_each(|header| facts.extend(Facts::read(header)));
        facts.sort_by_key(|facts| facts.id);
        Dump {
            processes: facts.into_iter().map(Facts::into_info).collect(),
        }
    }

    /// Every live process, in spawn order (the main future is not one).
    pub fn processes(&self) -> &[ProcessInfo] {
        &self.processes
    }

    /// Whether a process is blocked and none is waiting on a sleep due
    /// before `horizon` (the stall rule).
    pub(crate) fn is_stalled_until(&self, horizon: Instant) -> bool {
        let blocked = self.processes.iter().filter(|p| p.blocked);
        let mut any = false;
        for process in blocked {
            if process.wakes_at.is_some_and(|at| at <= horizon) {
                return false;
            }
            any = true;
        }
        any
    }
}

impl ProcessInfo {
    /// The process's number (`p<id>` in reports), unique in its runtime.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The name given with `ProcessBuilder::name`, if any.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// Where it was spawned (the call of `spawn`).
    pub fn spawned_at(&self) -> &'static Location<'static> {
        self.spawned_at
    }

    /// Whether its last poll returned `Pending` and it has not been woken
    /// since. A process not polled yet is runnable, not blocked.
    pub fn is_blocked(&self) -> bool {
        self.blocked
    }

    /// What it waits on, one entry per operation (several for a select),
    /// in lowercase words: `recv on channel #3 (rendezvous)`, `send on
    /// channel #5 (bounded(1))`, `sleep with 2s left`, `join of p7`,
    /// `select with every arm disabled (forever)`, `unknown (a future
    /// outside hoare)`. Empty unless blocked.
    pub fn waits_on(&self) -> &[String] {
        &self.waits_on
    }
}

/// What a dump copies of one process under the shard lock; text is made
/// after.
struct Facts {
    id: u64,
    name: Option<String>,
    spawned_at: &'static Location<'static>,
    /// `None`: runnable; `Some(None)`: blocked outside hoare.
    waits: Option<Option<Vec<Wait>>>,
}

impl Facts {
    /// The facts of the live process `header`; `None` once it completed
    /// (its `JoinHandle` can return its result).
    fn read(header: &Header) -> Option<Facts> {
        let before = header.state.load();
        if before.is_complete() {
            return None;
        }
        let idle = |s: Snapshot| !s.is_running() && !s.is_notified();
        let mut waits = idle(before).then(|| header.waiting.read());
        if waits.is_some() && !idle(header.state.load()) {
            // Woken while we read: runnable now.
            waits = None;
        }
        Some(Facts {
            id: header.id,
            name: header.origin.name().map(str::to_owned),
            spawned_at: header.origin.location(),
            waits,
        })
    }

    fn into_info(self) -> ProcessInfo {
        let blocked = self.waits.is_some();
        let waits = self.waits.flatten();
        let waits_on = match (&waits, blocked) {
            (_, false) => Vec::new(),
            (None, true) => vec![UNKNOWN.to_string()],
            (Some(waits), true) => waits.iter().map(Wait::to_string).collect(),
        };
        let wakes_at = waits.iter().flatten().filter_map(|wait| match wait {
            Wait::Sleep { deadline } => Some(*deadline),
            _ => None,
        });
        ProcessInfo {
            id: self.id,
            name: self.name,
            spawned_at: self.spawned_at,
            blocked,
            waits_on,
            wakes_at: wakes_at.min(),
        }
    }
}

impl fmt::Display for Dump {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let blocked = self.processes.iter().filter(|p| p.blocked).count();
        match self.processes.len() {
            0 => writeln!(f, "no live processes")?,
            1 => writeln!(f, "1 live process, {blocked} blocked")?,
            n => writeln!(f, "{n} live processes, {blocked} blocked")?,
        }
        for process in &self.processes {
            write!(f, "{process}")?;
        }
        Ok(())
    }
}

/// `p3 "fetcher", spawned at src/main.rs:12, blocked on` and one indented
/// line per wait; or `..., runnable`.
impl fmt::Display for ProcessInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "p{}", self.id)?;
        if let Some(name) = &self.name {
            write!(f, " {name:?}")?;
        }
        let at = self.spawned_at;
        write!(f, ", spawned at {}:{}, ", at.file(), at.line())?;
        if !self.blocked {
            return writeln!(f, "runnable");
        }
        writeln!(f, "blocked on")?;
        for wait in &self.waits_on {
            writeln!(f, "    {wait}")?;
        }
        Ok(())
    }
}
