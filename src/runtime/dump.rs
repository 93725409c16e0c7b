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
//! Around the processes, a dump lists the OS threads asleep in blocking
//! hoare calls (`blocked_threads`: each lists itself when it goes to
//! sleep) and, for every channel some process or thread waits on, its
//! shape, its length (read through `watched_channels`, which lists a
//! channel at the first wait on it) and who waits on each side. How long
//! a process has been blocked comes from a stamp its poller leaves when
//! the poll returns `Pending`, taken from the coarse clock
//! (`coarse_clock`), so a wait reads no clock.
//!
//! A dump is a snapshot: a process may be woken while it is taken, so two
//! processes may show a moment apart.

mod report;

use std::collections::{BTreeMap, HashSet};
use std::panic::Location;
use std::thread::ThreadId;
use std::time::Duration;

use super::blocked_threads::{self, ThreadFacts};
use super::scheduler::owned::OwnedTasks;
use super::task::raw::Header;
use super::task::state::Snapshot;
use super::wait::{ChannelKind, Wait, UNKNOWN};
use super::{context, hooks, watched_channels};
use crate::sync::atomic::Ordering;
use crate::time::Instant;

/// The live processes of a runtime (or simulation) at one moment, in spawn
/// order: what each waits on, for how long, and where it was spawned; the
/// OS threads asleep in blocking hoare calls; and every channel waited
/// on, with its length and who waits on each side.
///
/// `Display` prints it for a person; [`processes`](Dump::processes),
/// [`threads`](Dump::threads) and [`channels`](Dump::channels) give the
/// same facts to code. One block per process, starting with `p<id>`,
/// then one per thread, then one line per channel:
///
/// ```text
/// 2 live processes, 2 blocked
/// p1 "left", spawned at examples/stuck.rs:63, blocked for 3ms on
///     recv on channel #1 (rendezvous)
/// p2 "right", spawned at examples/stuck.rs:69, blocked for 3ms on
///     recv on channel #2 (rendezvous)
/// channels waited on:
/// channel #1 (rendezvous), 0 buffered; receivers waiting: p1; senders waiting: none
/// channel #2 (rendezvous), 0 buffered; receivers waiting: p2; senders waiting: none
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
    threads: Vec<ThreadInfo>,
    channels: Vec<ChannelInfo>,
    /// What the listed threads wait on, for the stall rule's timers.
    thread_waits: Vec<Wait>,
}

/// One live process in a [`Dump`].
#[derive(Clone, Debug)]
pub struct ProcessInfo {
    id: u64,
    name: Option<String>,
    spawned_at: &'static Location<'static>,
    running: bool,
    blocked: bool,
    blocked_for: Option<Duration>,
    waits_on: Vec<String>,
    /// The facts behind `waits_on` (for the channel section and stalls).
    waits: Vec<Wait>,
}

/// An OS thread asleep in a blocking hoare call (`send_blocking`,
/// `recv_blocking`, their timed forms, `hoare::block_on`), in a
/// [`Dump`] of a runtime. Every such thread of the program is listed,
/// whichever runtime (if any) its channels serve; a simulation's dump
/// lists none.
#[derive(Clone, Debug)]
pub struct ThreadInfo {
    id: ThreadId,
    name: Option<String>,
    blocked_for: Duration,
    waits_on: Vec<String>,
}

/// A channel someone waits on, in a [`Dump`]: its shape, how full it is,
/// and who waits on each side.
#[derive(Clone, Debug)]
pub struct ChannelInfo {
    id: u64,
    kind: ChannelKind,
    len: Option<usize>,
    receivers: Vec<Party>,
    senders: Vec<Party>,
}

/// Who waits on a channel: a process of the dumped runtime or an OS
/// thread in a blocking call.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Party {
    /// The process `p<id>`.
    Process(u64),
    /// An OS thread, as [`ThreadInfo`] names it.
    Thread {
        /// Its id.
        id: ThreadId,
        /// Its name, if it has one.
        name: Option<String>,
    },
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
        // Inside a host (a simulation), its closed world has no threads.
        let domain = hooks::domain();
        let threads = if domain == 0 {
            blocked_threads::snapshot()
        } else {
            Vec::new()
        };
        // Read after every stamp, so no duration comes out short.
        let now = crate::time::clock::now();
        let processes: Vec<ProcessInfo> = facts.into_iter().map(|f| f.into_info(now)).collect();
        let channels = ChannelInfo::of(domain, &processes, &threads);
        let thread_waits = threads
            .iter()
            .flat_map(|thread| thread.waits.iter().flatten().copied())
            .collect();
        let threads = threads
            .into_iter()
            .map(|thread| ThreadInfo::of(thread, now))
            .collect();
        Dump {
            processes,
            threads,
            channels,
            thread_waits,
        }
    }

    /// A process being polled: in a stall report, one whose poll has run
    /// at least the stall duration.
    pub(crate) fn long_poll(&self) -> Option<&ProcessInfo> {
        self.processes.iter().find(|process| process.running)
    }

    /// Every live process, in spawn order (the main future is not one).
    pub fn processes(&self) -> &[ProcessInfo] {
        &self.processes
    }

    /// The OS threads asleep in blocking hoare calls, longest asleep
    /// first: every such thread of the program in a runtime's dump, none
    /// in a simulation's.
    pub fn threads(&self) -> &[ThreadInfo] {
        &self.threads
    }

    /// Every channel a listed process or thread waits on, by id, with who
    /// waits on each side.
    pub fn channels(&self) -> &[ChannelInfo] {
        &self.channels
    }

    /// Whether the watchdog, having seen no poll start for its duration,
    /// should report: at least one process is blocked, and no timer that
    /// would wake a blocked process or a listed thread is due by `horizon`
    /// (the watchdog passes now plus its duration): not a sleep's
    /// deadline, nor the next delivery of an `after` or `tick` channel one
    /// of them receives on. A timer due that soon is progress on its way;
    /// one due later does not keep a stuck runtime from being reported. A
    /// process still in a poll that began before the duration (it runs
    /// without yielding) is no poll started, and the report names it.
    pub(crate) fn is_stalled_until(&self, horizon: Instant) -> bool {
        let blocked: Vec<&ProcessInfo> = self.processes.iter().filter(|p| p.blocked).collect();
        if blocked.is_empty() {
            return false;
        }
        let waits = || {
            blocked
                .iter()
                .flat_map(|process| &process.waits)
                .chain(&self.thread_waits)
        };
        let sleep_due = waits().any(|wait| match wait {
            Wait::Sleep { deadline } => *deadline <= horizon,
            _ => false,
        });
        if sleep_due {
            return false;
        }
        let received_on: HashSet<u64> = waits()
            .filter_map(|wait| match wait {
                Wait::Recv(channel) => Some(channel.id()),
                _ => None,
            })
            .collect();
        crate::time::driver::earliest_delivery(|id| received_on.contains(&id))
            .is_none_or(|due| due > horizon)
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

    /// Whether it was being polled when the dump was taken (a process that
    /// runs long without yielding shows so in a stall report).
    pub fn is_running(&self) -> bool {
        self.running
    }

    /// How long it has been blocked (since its last poll returned
    /// `Pending`); `None` unless blocked. Never less than the truth, and
    /// more by at most the age of the runtime's coarse clock when the
    /// process blocked: its worker re-reads the clock every 61 scheduling
    /// ticks and when it wakes from parking, so the excess is at most the
    /// time of 61 polls on that worker (typically microseconds). Inside a
    /// simulation, exact, in virtual time.
    pub fn blocked_for(&self) -> Option<Duration> {
        self.blocked_for
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
    /// Being polled when read.
    running: bool,
    /// `None`: runnable; `Some(None)`: blocked outside hoare.
    waits: Option<Option<Vec<Wait>>>,
    /// When its last poll returned `Pending`.
    blocked_since: Instant,
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
        // Relaxed: the Acquire load of the state above ordered it after
        // the poller's store (see `Header::blocked_since`).
        let blocked_since = Instant::from_nanos(header.blocked_since.load(Ordering::Relaxed));
        if waits.is_some() && !idle(header.state.load()) {
            // Woken while we read: runnable now.
            waits = None;
        }
        Some(Facts {
            id: header.id,
            name: header.origin.name().map(str::to_owned),
            spawned_at: header.origin.location(),
            running: before.is_running(),
            waits,
            blocked_since,
        })
    }

    fn into_info(self, now: Instant) -> ProcessInfo {
        let blocked = self.waits.is_some();
        let waits = self.waits.flatten();
        let waits_on = match (&waits, blocked) {
            (_, false) => Vec::new(),
            (None, true) => vec![UNKNOWN.to_string()],
            (Some(waits), true) => waits.iter().map(Wait::to_string).collect(),
        };
        ProcessInfo {
            id: self.id,
            name: self.name,
            spawned_at: self.spawned_at,
            running: self.running && !blocked,
            blocked,
            blocked_for: blocked.then(|| now.saturating_duration_since(self.blocked_since)),
            waits_on,
            waits: waits.unwrap_or_default(),
        }
    }
}

impl ThreadInfo {
    fn of(facts: ThreadFacts, now: Instant) -> ThreadInfo {
        let waits_on = match &facts.waits {
            None => vec![UNKNOWN.to_string()],
            Some(waits) => waits.iter().map(Wait::to_string).collect(),
        };
        ThreadInfo {
            id: facts.id,
            name: facts.name,
            blocked_for: now.saturating_duration_since(facts.since),
            waits_on,
        }
    }

    /// The thread's id.
    pub fn id(&self) -> ThreadId {
        self.id
    }

    /// The thread's name, if it has one.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// How long it has been asleep (since its current sleep began, after
    /// a brief spin; a thread that wakes and must wait again starts a new
    /// sleep, and is not listed while it runs).
    pub fn blocked_for(&self) -> Duration {
        self.blocked_for
    }

    /// What it waits on, in the words of [`ProcessInfo::waits_on`].
    pub fn waits_on(&self) -> &[String] {
        &self.waits_on
    }
}

impl ChannelInfo {
    /// The channels the blocked `processes` and `threads` wait on, by id,
    /// with their lengths from the registry of `domain`.
    fn of(domain: u64, processes: &[ProcessInfo], threads: &[ThreadFacts]) -> Vec<ChannelInfo> {
        let mut channels: BTreeMap<u64, ChannelInfo> = BTreeMap::new();
        let mut add = |waits: &[Wait], party: Party| {
            for wait in waits {
                let (channel, receiving) = match wait {
                    Wait::Recv(channel) => (channel, true),
                    Wait::Send(channel) => (channel, false),
                    _ => continue,
                };
                let info = channels.entry(channel.id()).or_insert_with(|| ChannelInfo {
                    id: channel.id(),
                    kind: channel.kind(),
                    len: None,
                    receivers: Vec::new(),
                    senders: Vec::new(),
                });
                let side = if receiving {
                    &mut info.receivers
                } else {
                    &mut info.senders
                };
                side.push(party.clone());
            }
        };
        for process in processes.iter().filter(|p| p.blocked) {
            add(&process.waits, Party::Process(process.id));
        }
        for thread in threads {
            add(
                thread.waits.as_deref().unwrap_or_default(),
                Party::Thread {
                    id: thread.id,
                    name: thread.name.clone(),
                },
            );
        }
        let lengths = watched_channels::lengths(domain, |id| channels.contains_key(&id));
        for (id, len) in lengths {
            if let Some(info) = channels.get_mut(&id) {
                info.len = Some(len);
            }
        }
        channels.into_values().collect()
    }

    /// The channel's number (`#<id>` in reports; its `Sender`'s and
    /// `Receiver`'s `Debug` shows it too).
    pub fn id(&self) -> u64 {
        self.id
    }

    /// `"rendezvous"`, `"bounded"` or `"unbounded"`.
    pub fn flavour(&self) -> &'static str {
        match self.kind {
            ChannelKind::Rendezvous => "rendezvous",
            ChannelKind::Bounded(_) => "bounded",
            ChannelKind::Unbounded => "unbounded",
        }
    }

    /// As `Sender::capacity`: `Some(0)` for a rendezvous channel, `None`
    /// for an unbounded one.
    pub fn capacity(&self) -> Option<usize> {
        match self.kind {
            ChannelKind::Rendezvous => Some(0),
            ChannelKind::Bounded(capacity) => Some(capacity),
            ChannelKind::Unbounded => None,
        }
    }

    /// How many messages it held when the dump was taken (`Sender::len`);
    /// `None` if the dump could not reach it: it was being dropped, or its
    /// id belongs to another numbering (made outside the simulation being
    /// dumped, or inside a simulation for a runtime's dump).
    pub fn len(&self) -> Option<usize> {
        self.len
    }

    /// Whether it held no message when the dump was taken; `None` as for
    /// [`len`](ChannelInfo::len).
    pub fn is_empty(&self) -> Option<bool> {
        self.len.map(|len| len == 0)
    }

    /// The processes and threads waiting to receive (a select counts on
    /// each channel it waits on).
    pub fn receivers_waiting(&self) -> &[Party] {
        &self.receivers
    }

    /// The processes and threads waiting to send.
    pub fn senders_waiting(&self) -> &[Party] {
        &self.senders
    }
}
