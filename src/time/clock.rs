//! The clock seam: where `Instant::now()` and timers come from.
//!
//! Every reading of the time and every timer registration in hoare goes
//! through [`current`] (or [`now`]), never to the OS clock or the timer
//! thread directly. A thread's clock is:
//!
//! * the **real clock** ([`ClockHandle::Real`]): the OS monotonic clock,
//!   with timers on the process-wide timer thread (`driver.rs`), started on
//!   first registration. This is the default everywhere: OS threads,
//!   `block_on`, hoare runtimes, other executors.
//! * an **override** ([`ClockHandle::Custom`]) installed on this thread
//!   with [`enter`] until the returned guard is dropped.
//!
//! # For the simulation
//!
//! A simulation implements [`Clock`] for its virtual clock (reusing
//! [`TimerQueue`](super::queue::TimerQueue) for its timers if it likes,
//! firing the timers due at one instant in a seeded order) and calls
//! [`enter`] on its thread for the length of the run. From then on
//! `Instant::now()` is virtual time, and `sleep`, `timeout`, `after` and
//! `tick` register their timers with it. A timer remembers the clock it
//! was created on ([`ClockHandle`] is captured by `Sleep` and by the
//! channel timers), so it stays on that clock wherever it is polled.
//! Virtual instants are built with `Instant::from_nanos`, starting at
//! `instant::ORIGIN_NANOS`.
//!
//! A virtual clock fires a timer by popping it and calling
//! [`TimerAction::fire`] then [`TimerQueue::settle`](super::queue::TimerQueue::settle)
//! with the result, with no lock held across `fire`; it must only do so
//! once its `now()` has reached the timer's deadline (a `Sleep` that is
//! polled again checks `now() >= deadline`). A timer with deadline
//! `Instant::NEVER` never fires: it cannot wake anyone, so deadlock
//! detection may ignore it, and likewise a `tick` whose channel nobody
//! waits on.

use std::cell::RefCell;
use std::fmt;
use std::sync::Arc as StdArc;
use std::task::Waker;

use super::driver;
use super::instant::Instant;
use super::queue::{TimerAction, TimerKey};
use crate::sync::thread_local;

/// A source of time and a home for timers.
///
/// Implementations must be monotonic (`now()` never goes back) and must
/// fire a timer only once `now()` has reached its deadline.
pub(crate) trait Clock: Send + Sync {
    /// The current time.
    fn now(&self) -> Instant;

    /// Arms a timer that runs `action` once `deadline` has been reached.
    fn insert(&self, deadline: Instant, action: TimerAction) -> TimerKey;

    /// Makes the pending timer `key` wake `waker`. Returns `false` if the
    /// timer is no longer pending (it fired, or was removed).
    fn set_waker(&self, key: TimerKey, waker: &Waker) -> bool;

    /// Cancels the timer `key` if it is still pending: it will never fire.
    fn remove(&self, key: TimerKey);
}

/// A thread's clock, captured by the timers created on it.
///
/// The clock objects are process-wide state shared through `std`'s `Arc`
/// (a trait object): like the timer thread itself, they are not modelled
/// under loom.
#[derive(Clone)]
pub(crate) enum ClockHandle {
    /// The OS clock and the process-wide timer thread.
    Real,
    /// An override installed with [`enter`] (the simulation's).
    Custom(StdArc<dyn Clock>),
}

impl ClockHandle {
    /// The current time on this clock.
    pub(crate) fn now(&self) -> Instant {
        match self {
            ClockHandle::Real => Instant::real_now(),
            ClockHandle::Custom(clock) => clock.now(),
        }
    }

    /// See [`Clock::insert`].
    pub(crate) fn insert(&self, deadline: Instant, action: TimerAction) -> TimerKey {
        match self {
            ClockHandle::Real => driver::system().insert(deadline, action),
            ClockHandle::Custom(clock) => clock.insert(deadline, action),
        }
    }

    /// See [`Clock::set_waker`].
    pub(crate) fn set_waker(&self, key: TimerKey, waker: &Waker) -> bool {
        match self {
            ClockHandle::Real => driver::system().set_waker(key, waker),
            ClockHandle::Custom(clock) => clock.set_waker(key, waker),
        }
    }

    /// See [`Clock::remove`].
    pub(crate) fn remove(&self, key: TimerKey) {
        match self {
            ClockHandle::Real => driver::system().remove(key),
            ClockHandle::Custom(clock) => clock.remove(key),
        }
    }
}

impl fmt::Debug for ClockHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClockHandle::Real => f.write_str("Real"),
            ClockHandle::Custom(_) => f.write_str("Custom(..)"),
        }
    }
}

thread_local! {
    static OVERRIDE: RefCell<Option<StdArc<dyn Clock>>> = RefCell::new(None);
}

/// This thread's clock: the override installed with [`enter`], if any,
/// else the real clock.
pub(crate) fn current() -> ClockHandle {
    OVERRIDE.with(|cell| match &*cell.borrow() {
        Some(clock) => ClockHandle::Custom(clock.clone()),
        None => ClockHandle::Real,
    })
}

/// The current time on this thread's clock, without cloning the override.
pub(crate) fn now() -> Instant {
    OVERRIDE.with(|cell| match &*cell.borrow() {
        Some(clock) => clock.now(),
        None => Instant::real_now(),
    })
}

/// Makes `clock` this thread's clock until the guard is dropped, which
/// restores the previous one (overrides nest).
#[cfg_attr(not(test), allow(dead_code))] // the simulation's entry point (module docs)
pub(crate) fn enter(clock: StdArc<dyn Clock>) -> ClockGuard {
    let previous = OVERRIDE.with(|cell| cell.replace(Some(clock)));
    ClockGuard { previous }
}

/// Restores the previous clock of this thread when dropped.
#[must_use = "the clock override ends when the guard is dropped"]
pub(crate) struct ClockGuard {
    previous: Option<StdArc<dyn Clock>>,
}

impl Drop for ClockGuard {
    fn drop(&mut self) {
        let previous = self.previous.take();
        let ours = OVERRIDE.with(|cell| cell.replace(previous));
        // Dropped outside the thread-local borrow: a clock's drop may
        // drop timers, and their wakers may look at the clock again.
        drop(ours);
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::sync::Mutex;
    use crate::time::instant::ORIGIN_NANOS;
    use crate::time::queue::TimerQueue;
    use std::time::Duration;

    /// A virtual clock that moves only when told: the shape a simulation's
    /// clock takes.
    #[derive(Default)]
    pub(crate) struct ManualClock {
        nanos: Mutex<u64>,
        queue: Mutex<TimerQueue>,
    }

    impl ManualClock {
        pub(crate) fn new() -> StdArc<ManualClock> {
            StdArc::new(ManualClock {
                nanos: Mutex::new(ORIGIN_NANOS),
                queue: Mutex::default(),
            })
        }

        /// Moves time forward by `by` and fires every timer now due.
        pub(crate) fn advance(&self, by: Duration) {
            let now = {
                let mut nanos = self.nanos.lock();
                *nanos += u64::try_from(by.as_nanos()).unwrap();
                Instant::from_nanos(*nanos)
            };
            loop {
                let due = self.queue.lock().pop_due(now);
                let Some((deadline, action)) = due else { break };
                let fired = action.fire(deadline, now);
                let garbage = {
                    let mut queue = self.queue.lock();
                    queue.settle(fired);
                    queue.take_garbage()
                };
                drop(garbage);
            }
        }

        pub(crate) fn pending(&self) -> usize {
            self.queue.lock().len()
        }

        pub(crate) fn retired(&self) -> usize {
            self.queue.lock().retired_len()
        }
    }

    impl Clock for ManualClock {
        fn now(&self) -> Instant {
            Instant::from_nanos(*self.nanos.lock())
        }

        fn insert(&self, deadline: Instant, action: TimerAction) -> TimerKey {
            let mut queue = self.queue.lock();
            let key = queue.insert(deadline, action);
            let garbage = queue.take_garbage();
            drop(queue);
            drop(garbage);
            key
        }

        fn set_waker(&self, key: TimerKey, waker: &Waker) -> bool {
            let mut queue = self.queue.lock();
            let pending = queue.set_waker(key, waker);
            let garbage = queue.take_garbage();
            drop(queue);
            drop(garbage);
            pending
        }

        fn remove(&self, key: TimerKey) {
            let mut queue = self.queue.lock();
            queue.remove(key);
            let garbage = queue.take_garbage();
            drop(queue);
            drop(garbage);
        }
    }

    #[test]
    fn override_makes_now_virtual_until_guard_dropped() {
        let clock = ManualClock::new();
        let real_before = Instant::now();
        {
            let _guard = enter(clock.clone());
            assert_eq!(Instant::now(), Instant::from_nanos(ORIGIN_NANOS));
            clock.advance(Duration::from_secs(3600));
            assert_eq!(
                Instant::now(),
                Instant::from_nanos(ORIGIN_NANOS) + Duration::from_secs(3600)
            );
            assert!(matches!(current(), ClockHandle::Custom(_)));
        }
        assert!(matches!(current(), ClockHandle::Real));
        assert!(Instant::now() >= real_before);
    }

    #[test]
    fn overrides_nest() {
        let outer = ManualClock::new();
        let inner = ManualClock::new();
        inner.advance(Duration::from_secs(1));
        let _outer_guard = enter(outer.clone());
        {
            let _inner_guard = enter(inner.clone());
            assert_eq!(Instant::now(), inner.now());
        }
        assert_eq!(Instant::now(), outer.now());
    }
}
