//! The worker loop: find a process, run it, run what it woke, repeat;
//! steal when out of work; park when there is nothing to steal.
//!
//! Order of looking for work, per tick:
//!
//! 1. every [`INJECT_INTERVAL`]th tick, the injection queue first, so a
//!    busy local queue cannot starve it (Go checks its global queue every
//!    61 schedules; so do we); the coarse clock is refreshed then too;
//! 2. the local queue, then the injection queue (taking a fair share of
//!    its backlog into the local queue);
//! 3. as a *searcher* (see `idle.rs`): half of another worker's queue,
//!    from a random victim onwards, if what waits there would otherwise
//!    wait long (see `watch.rs`), then the injection queue again;
//! 4. if some queue held processes that are likely to run soon where they
//!    are, watch: stay a searcher, sleep up to a window, and look again;
//! 5. otherwise park.
//!
//! After each poll the worker runs the process in its LIFO slot (the one
//! the polled process woke), up to [`LIFO_CAP`] in a row; then the slot's
//! process goes to the back of the local queue, so a pair of processes
//! that keep waking each other cannot starve the rest.

use std::time::Duration;

use super::queue::Local;
use super::watch::{Verdict, Watch};
use super::Scheduler;
use crate::runtime::coarse_clock;
use crate::runtime::context::{self, ThreadContext};
use crate::runtime::task::Notified;
use crate::sync::atomic::{fence, Ordering};
use crate::sync::Arc;

/// Every this many ticks, the injection queue is looked at first.
pub(crate) const INJECT_INTERVAL: u32 = 61;

/// Consecutive runs from the LIFO slot before it yields to the queue.
pub(crate) const LIFO_CAP: usize = 3;

/// Runs worker `index` of `shared` until the runtime shuts down.
pub(crate) fn run(shared: Arc<Scheduler>, index: usize, local: Local) {
    let cx = ThreadContext::worker(shared.clone(), local);
    let _entered = context::enter(&cx);
    let local = cx
        .local
        .as_ref()
        .expect("a worker context has a local queue");
    let mut worker = Worker {
        shared: &shared,
        cx: &cx,
        local,
        index,
        tick: 0,
        searching: false,
        random: (index as u32).wrapping_mul(0x9E37_79B9) | 1,
        watches: vec![Watch::default(); shared.remotes.len()],
    };
    worker.run_loop();
}

struct Worker<'a> {
    shared: &'a Scheduler,
    cx: &'a ThreadContext,
    local: &'a Local,
    index: usize,
    tick: u32,
    /// Counted as searching in `Idle`.
    searching: bool,
    /// xorshift state: where to start looking for a victim.
    random: u32,
    /// This worker's notes on each other worker's queue.
    watches: Vec<Watch>,
}

/// What a search found.
enum Search {
    Found(Notified),
    /// Only processes likely to run soon where they are queued: look
    /// again after this long.
    Young(Duration),
    Nothing,
}

impl Worker<'_> {
    fn run_loop(&mut self) {
        coarse_clock::refresh();
        while !self.shared.is_shutdown() {
            self.tick = self.tick.wrapping_add(1);
            if let Some(task) = self.next_task() {
                self.run_task(task);
            } else {
                match self.steal_work() {
                    Search::Found(task) => self.run_task(task),
                    Search::Young(window) => self.watch(window),
                    Search::Nothing => self.park(),
                }
            }
        }
        if self.searching {
            self.shared.idle.transition_worker_from_searching();
        }
    }

    fn next_task(&mut self) -> Option<Notified> {
        if self.tick.is_multiple_of(INJECT_INTERVAL) {
            coarse_clock::refresh();
            if let Some(task) = self.shared.inject.pop() {
                return Some(task);
            }
        }
        self.local.pop().or_else(|| {
            self.shared
                .inject
                .pop_into(self.local, self.shared.workers())
        })
    }

    fn next_random(&mut self) -> u32 {
        let mut x = self.random;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.random = x;
        x
    }

    /// Looks for work in other workers' queues, as a searcher. Returns
    /// `Nothing` if refused (enough workers search), or if nothing was
    /// queued anywhere or a steal the rule allowed found nothing left;
    /// `Young` with the shortest window if only queues it should watch
    /// held processes.
    fn steal_work(&mut self) -> Search {
        if !self.searching {
            if !self.shared.idle.transition_worker_to_searching() {
                return Search::Nothing;
            }
            self.searching = true;
        }
        let remotes = &self.shared.remotes;
        let start = self.next_random() as usize % remotes.len();
        let mut young: Option<Duration> = None;
        let mut now = None;
        for offset in 0..remotes.len() {
            let victim = (start + offset) % remotes.len();
            if victim == self.index {
                continue;
            }
            let (head, len) = remotes[victim].steal.head_and_len();
            let clock = || *now.get_or_insert_with(std::time::Instant::now);
            let verdict = self.watches[victim].look(head, len, clock);
            // Under loom (no time) a model may have every short queue
            // watched forever, so that only a wake ends a watch.
            #[cfg(loom)]
            let verdict = if self.shared.watch_short_queues && len < super::watch::TAKE_AT_LEN {
                if len == 0 {
                    Verdict::Empty
                } else {
                    Verdict::Young
                }
            } else {
                verdict
            };
            match verdict {
                Verdict::Empty => continue,
                Verdict::Young => {
                    let window = self.watches[victim].window();
                    young = Some(young.map_or(window, |shortest| shortest.min(window)));
                    continue;
                }
                Verdict::Take => {}
            }
            if let Some(task) = remotes[victim].steal.steal_into(self.local) {
                self.watches[victim].taken();
                return Search::Found(task);
            }
        }
        match self
            .shared
            .inject
            .pop_into(self.local, self.shared.workers())
        {
            Some(task) => Search::Found(task),
            None => young.map_or(Search::Nothing, Search::Young),
        }
    }

    /// Sleeps up to `window` between two looks at queues whose processes
    /// are likely to run soon where they are (see `watch.rs`). The worker
    /// stays a searcher, so pushes wake no other worker meanwhile; a push
    /// to the injection queue, a local queue grown long, or shutdown
    /// unparks it early.
    fn watch(&mut self, window: Duration) {
        self.shared.set_watching(self.index, true);
        // SeqCst fence: pairs with the one a pusher issues before it reads
        // the watchers' count (`Scheduler::wake_watchers`).
        fence(Ordering::SeqCst);
        if self.shared.inject.is_empty() && !self.shared.is_shutdown() {
            self.shared.remotes[self.index].parker.park_timeout(window);
        }
        self.shared.set_watching(self.index, false);
    }

    /// Runs `task`, then what it woke (the LIFO slot), up to the cap.
    fn run_task(&mut self, task: Notified) {
        if self.searching {
            self.searching = false;
            // The last searcher found work: wake another worker if more is
            // queued, since producers woke nobody while we searched.
            if self.shared.idle.transition_worker_from_searching() && self.shared.has_visible_work()
            {
                self.shared.notify_parked();
            }
        }
        self.shared.progress.worker_ran(self.index);
        context::run_process(task);
        let mut lifo_runs = 0;
        while let Some(next) = self.cx.take_lifo() {
            if lifo_runs == LIFO_CAP {
                let other_work = !self.local.is_empty();
                self.local.push_back(next, &self.shared.inject);
                if other_work {
                    self.shared.notify_local_push(self.local.len());
                }
                return;
            }
            lifo_runs += 1;
            // Counted per poll, so that the stall watchdog's "no poll
            // started for the duration" holds of each one.
            self.shared.progress.worker_ran(self.index);
            context::run_process(next);
        }
    }

    /// Sleeps until woken for work (or for shutdown).
    fn park(&mut self) {
        let was_searching = std::mem::take(&mut self.searching);
        let was_last_searcher = self
            .shared
            .idle
            .transition_worker_to_parked(self.index, was_searching);
        if was_last_searcher {
            // SeqCst fence: pairs with the one in `Idle::worker_to_notify`:
            // either a producer saw us parked and wakes a worker, or we see
            // its work here.
            fence(Ordering::SeqCst);
            if self.shared.has_visible_work() {
                self.shared.notify_parked();
            }
        }
        let parker = &self.shared.remotes[self.index].parker;
        loop {
            if self.shared.is_shutdown() {
                return;
            }
            // Spinning first: a worker that just ran out of work is usually
            // handed some within a microsecond by a process on another
            // worker, and its `unpark` is then one atomic swap instead of a
            // futex wake on both sides.
            parker.park_spinning();
            coarse_clock::refresh();
            if self.shared.is_shutdown() {
                return;
            }
            if !self.shared.idle.is_parked(self.index) {
                // Woken by `worker_to_notify`, which counted us searching.
                self.searching = true;
                return;
            }
        }
    }
}
