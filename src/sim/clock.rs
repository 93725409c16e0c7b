//! Virtual time: the simulation's implementation of the time seam.
//!
//! Time stands still while any process can run. When every process is
//! blocked, the executor asks for the earliest pending timer that can wake
//! someone ([`VirtualClock::next_useful_deadline`]: a sleep, or a channel
//! timer whose channel has a waiting receiver; a `tick` nobody waits on
//! does not count), jumps the clock there, and fires every timer due by
//! then. Timers due at the same instant fire in the order the run's
//! scheduler chooses (drawn from the seed in a seeded run; registration
//! order by default), so a program cannot pass by relying on registration
//! order.

use std::task::Waker;
use std::time::Duration;

use crate::sync::Mutex;
use crate::time::clock::Clock;
use crate::time::instant::{Instant, ORIGIN_NANOS};
use crate::time::queue::{TimerAction, TimerKey, TimerQueue};

/// A clock that moves only when the simulation says so.
pub(crate) struct VirtualClock {
    now: Mutex<Instant>,
    timers: Mutex<TimerQueue>,
}

impl VirtualClock {
    /// A clock at the virtual origin with no timers.
    pub(crate) fn new() -> Self {
        VirtualClock {
            now: Mutex::new(Instant::from_nanos(ORIGIN_NANOS)),
            timers: Mutex::new(TimerQueue::new()),
        }
    }

    /// How far `instant` is from the start of the run.
    pub(crate) fn offset(instant: Instant) -> Duration {
        instant.saturating_duration_since(Instant::from_nanos(ORIGIN_NANOS))
    }

    /// The earliest deadline of a pending timer that can wake a process.
    pub(crate) fn next_useful_deadline(&self) -> Option<Instant> {
        let deadline = self
            .timers
            .lock()
            .earliest_where(TimerAction::can_wake_someone)?;
        (deadline != Instant::NEVER).then_some(deadline)
    }

    /// Moves the clock to `deadline` and fires every timer due by then.
    /// Among timers due at the same instant, `next(k)` chooses which of the
    /// `k >= 2` still to fire (in registration order) fires next. Returns
    /// the deadlines fired.
    pub(crate) fn advance_to(
        &self,
        deadline: Instant,
        next: &mut dyn FnMut(usize) -> usize,
    ) -> Vec<Instant> {
        {
            let mut now = self.now.lock();
            if deadline > *now {
                *now = deadline;
            }
        }
        let now = self.now();
        let mut due = Vec::new();
        {
            let mut timers = self.timers.lock();
            while let Some(timer) = timers.pop_due(now) {
                due.push(timer);
            }
        }
        // Order each run of equal deadlines (popped by deadline, then in
        // registration order) by the scheduler's choices.
        let mut start = 0;
        while start < due.len() {
            let mut end = start + 1;
            while end < due.len() && due[end].0 == due[start].0 {
                end += 1;
            }
            for position in start..end - 1 {
                let chosen = position + next(end - position);
                due[position..=chosen].rotate_right(1);
            }
            start = end;
        }
        let mut fired = Vec::with_capacity(due.len());
        for (timer_deadline, action) in due {
            fired.push(timer_deadline);
            // Fired unlocked: the action wakes processes and sends on channels.
            let outcome = action.fire(timer_deadline, now);
            self.timers.lock().settle(outcome);
        }
        let garbage = self.timers.lock().take_garbage();
        drop(garbage);
        fired
    }

    /// Drops every timer (the run is over): their wakers and senders go.
    pub(crate) fn clear(&self) {
        let old = std::mem::take(&mut *self.timers.lock());
        drop(old);
    }
}

impl Clock for VirtualClock {
    fn now(&self) -> Instant {
        *self.now.lock()
    }

    fn insert(&self, deadline: Instant, action: TimerAction) -> TimerKey {
        self.timers.lock().insert(deadline, action)
    }

    fn set_waker(&self, key: TimerKey, waker: &Waker) -> bool {
        self.timers.lock().set_waker(key, waker)
    }

    fn remove(&self, key: TimerKey) {
        let garbage = {
            let mut timers = self.timers.lock();
            timers.remove(key);
            timers.take_garbage()
        };
        drop(garbage);
    }
}
