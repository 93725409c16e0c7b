//! Stall reports: a watchdog that notices when a runtime stops making
//! progress, and reports what its processes wait on.
//!
//! # The rule
//!
//! A runtime is *stalled* when, for the set duration, no process of it has
//! been polled, at least one is blocked, and no timer that would wake a
//! blocked process is due before the duration would pass again: neither
//! the deadline of a `sleep` it is in, nor the next delivery of an `after`
//! or `tick` channel it receives on (alone or in a select; the real
//! clock's timer queue says when). A timer due that soon is progress on
//! its way: with `stall_report(1 s)`, a process in
//! `select! { recv(rx) .., recv(after(1500 ms)) .. }` is not reported at
//! 1 s; if it is still stuck once the timer fired and it ran, the stall is
//! reported a duration after that. A timer due later than that (an hour's
//! sleep beside a process stuck for good) does not hide a stall.
//!
//! A process whose one poll runs for the duration (it computes, or blocks
//! its thread, without yielding) stops the counters too: no poll has
//! started. If others are blocked meanwhile, that is a stall like any
//! other, and the report names the process still being polled (the dump
//! shows it `running`): it is likely what the others wait for. A long
//! poll while nothing is blocked is busy work, not a stall. The report is made once per stall: after
//! one, the next comes only once some process has been polled again.
//!
//! # Cost
//!
//! Progress is a count of polls, [`Progress`], plus the process-wide count
//! of wake-ups of threads asleep in hoare (`blocked_threads::wakes`,
//! bumped only after a thread slept): each worker bumps its own
//! cache-padded counter once per poll (a load and a store,
//! `Relaxed`, to a line no other thread writes); the threads inside
//! `block_on` share one counter. The watchdog thread sleeps in steps of a
//! quarter of the duration and sums the counters; it takes a [`Dump`]
//! only when they stood still for the whole duration. It is started only
//! when a stall report was asked for, and stops (and is joined) when the
//! runtime drops.

use std::io::Write;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Duration;

use crossbeam_utils::CachePadded;

use super::dump::Dump;
use super::scheduler::Scheduler;
use crate::sync::atomic::{AtomicU64, Ordering};
use crate::sync::Arc;

/// How long without progress makes a stall when only `on_stall` is set.
pub(crate) const DEFAULT_STALL: Duration = Duration::from_secs(10);

/// What to do with a stall's dump.
pub(crate) type OnStall = std::sync::Arc<dyn Fn(&Dump) + Send + Sync + 'static>;

/// Counts of polls, per thread that polls (module docs).
pub(crate) struct Progress {
    workers: Box<[CachePadded<AtomicU64>]>,
    others: CachePadded<AtomicU64>,
}

impl Progress {
    pub(crate) fn new(workers: usize) -> Self {
        Progress {
            workers: (0..workers)
                .map(|_| CachePadded::new(AtomicU64::new(0)))
                .collect(),
            others: CachePadded::new(AtomicU64::new(0)),
        }
    }

    /// Worker `index` ran processes. Only that worker writes its counter.
    #[inline]
    pub(crate) fn worker_ran(&self, index: usize) {
        let count = &self.workers[index];
        // Relaxed: a counter read only to see whether it moved; a load and
        // a store suffice, since this worker is its only writer.
        count.store(
            count.load(Ordering::Relaxed).wrapping_add(1),
            Ordering::Relaxed,
        );
    }

    /// A thread inside `block_on` ran a process.
    pub(crate) fn other_ran(&self) {
        // Relaxed: as above; several `block_on` threads may share it.
        self.others.fetch_add(1, Ordering::Relaxed);
    }

    /// The sum of the counters: it moves whenever a process is polled.
    fn total(&self) -> u64 {
        // Relaxed: a late view only delays a report by one look.
        let workers = self
            .workers
            .iter()
            .map(|count| count.load(Ordering::Relaxed));
        workers.fold(self.others.load(Ordering::Relaxed), u64::wrapping_add)
    }
}

/// The default report: the dump on standard error.
pub(crate) fn report_to_stderr(after: Duration) -> OnStall {
    std::sync::Arc::new(move |dump: &Dump| {
        // A closed stderr is no reason to panic: the write is best-effort.
        let _ = match dump.long_poll() {
            Some(process) => write!(
                std::io::stderr(),
                "hoare: stall: no poll of a process of the runtime has started for \
                 {after:?}, and p{} is still being polled (it runs without yielding):\n{dump}",
                process.id()
            ),
            None => write!(
                std::io::stderr(),
                "hoare: stall: no process of the runtime has been polled for {after:?}, \
                 and some are blocked:\n{dump}"
            ),
        };
    })
}

/// The watchdog thread of one runtime; stops it when dropped.
pub(crate) struct Watchdog {
    stop: std::sync::Arc<Stop>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// The watchdog's stop flag and the condition it sleeps on.
struct Stop {
    stopped: crate::sync::Mutex<bool>,
    signal: crate::sync::Condvar,
}

impl Watchdog {
    /// Starts watching `scheduler`: `report` is called with the dump of
    /// each stall of at least `after`. `None` if the thread cannot start
    /// (the runtime then runs without stall reports).
    pub(crate) fn start(
        scheduler: Arc<Scheduler>,
        after: Duration,
        report: OnStall,
    ) -> Option<Watchdog> {
        let stop = std::sync::Arc::new(Stop {
            stopped: crate::sync::Mutex::new(false),
            signal: crate::sync::Condvar::new(),
        });
        let watch = Watch {
            scheduler,
            after,
            report,
            stop: stop.clone(),
        };
        let thread = std::thread::Builder::new()
            .name("hoare-stall-watchdog".into())
            .spawn(move || watch.run())
            .ok()?;
        Some(Watchdog {
            stop,
            thread: Some(thread),
        })
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        *self.stop.stopped.lock() = true;
        self.stop.signal.notify_one();
        if let Some(thread) = self.thread.take() {
            // The thread catches the report's panics; a join error is
            // nothing left to act on.
            let _ = thread.join();
        }
    }
}

/// What the watchdog thread owns.
struct Watch {
    scheduler: Arc<Scheduler>,
    after: Duration,
    report: OnStall,
    stop: std::sync::Arc<Stop>,
}

impl Watch {
    /// A number that moves whenever a process of the runtime is polled or
    /// a thread asleep in hoare wakes up (a thread whose timer fired, say,
    /// about to answer a process: progress on its way).
    fn progress(&self) -> u64 {
        self.scheduler
            .progress
            .total()
            .wrapping_add(super::blocked_threads::wakes())
    }

    fn run(self) {
        let step = (self.after / 4).max(Duration::from_millis(1));
        let mut seen = self.progress();
        let mut still_since = std::time::Instant::now();
        let mut reported = false;
        let mut stopped = self.stop.stopped.lock();
        loop {
            if *stopped {
                return;
            }
            stopped = self.stop.signal.wait_for(stopped, step);
            if *stopped {
                return;
            }
            super::coarse_clock::refresh();
            let total = self.progress();
            if total != seen {
                (seen, still_since, reported) = (total, std::time::Instant::now(), false);
                continue;
            }
            if reported || still_since.elapsed() < self.after {
                continue;
            }
            let dump = Dump::of(&self.scheduler.owned);
            // A poll that started while the dump was taken is progress, not
            // a process found in a long poll.
            let horizon = crate::time::Instant::real_now() + self.after;
            if self.progress() == seen && dump.is_stalled_until(horizon) {
                reported = true;
                // Unlocked meanwhile, so a slow callback does not hold up a
                // runtime being dropped any longer than the call itself.
                drop(stopped);
                // A panicking callback must not take the watchdog down with
                // it, nor abort: it is reported by the panic hook and ignored.
                let _ = catch_unwind(AssertUnwindSafe(|| (self.report)(&dump)));
                stopped = self.stop.stopped.lock();
            }
        }
    }
}
