//! The timer thread: drives real-clock timers everywhere.
//!
//! One [`Driver`] per process ([`system`]), started on the first timer
//! registration, serves every thread that uses the real clock: OS threads,
//! `block_on`, hoare runtimes, tokio or any other executor. It owns a
//! [`TimerQueue`] under a mutex, and a thread that fires what is due and
//! parks on a [`Parker`] until the next deadline.
//!
//! # The wake-up protocol
//!
//! `State::thread_wakes_at` says when the timer thread will next look at
//! the queue on its own:
//!
//! * while it fires timers it is [`Instant::START`]: it will look again
//!   before parking, so nobody needs to wake it;
//! * before it parks it sets it, under the lock, to the earliest pending
//!   deadline, or [`Instant::NEVER`] if there is none.
//!
//! A registration whose deadline is earlier lowers `thread_wakes_at` to it
//! under the same lock, and unparks the thread after unlocking. The parker
//! keeps a wake-up that arrives before the thread parks, so none is lost;
//! lowering the field means a burst of earlier registrations unparks once.
//!
//! # Invariants
//!
//! * No foreign code runs under the lock: wakers are woken, and removed
//!   wakers and senders dropped, only after unlocking (see the queue's
//!   "who drops what").
//! * A timer fires only once `Instant::real_now()` has reached its
//!   deadline, and timers due together fire in registration order.
//! * A panic in a waker is caught and does not stop the timer thread
//!   (the panic hook has already reported it).
//!
//! The global driver lives for the whole process; a private one (tests)
//! stops its thread when dropped.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::task::Waker;
use std::time::Duration;

use super::clock::Clock;
use super::instant::Instant;
use super::queue::{Fired, TimerAction, TimerKey, TimerQueue};
use crate::runtime::park::Parker;
use crate::sync::{thread, Arc, Mutex, OnceLock};

/// The longest the timer thread parks at once; bounds how long a deadline
/// far in the future is held in a single OS timed wait.
const MAX_PARK: Duration = Duration::from_secs(3600);

/// The process-wide driver of the real clock, started on first use.
pub(crate) fn system() -> &'static Driver {
    SYSTEM.get_or_init(Driver::start)
}

/// The process-wide driver, if some timer has started it.
static SYSTEM: OnceLock<Driver> = OnceLock::new();

/// The earliest deadline of a pending `after` or `tick` timer of the real
/// clock that delivers to a channel `wanted` accepts (the stall watchdog
/// asks about the channels its blocked processes receive on). `None` if
/// there is none, or no real-clock timer was ever made. Walks the queue
/// under its lock: for rare callers only.
pub(crate) fn earliest_delivery(wanted: impl Fn(u64) -> bool) -> Option<Instant> {
    let driver = SYSTEM.get()?;
    driver.with_queue(|state| {
        state
            .queue
            .earliest_where(|action| action.delivers_to().is_some_and(&wanted))
    })
}

/// A timer queue and the thread that fires it.
#[derive(Debug)]
pub(crate) struct Driver {
    shared: Arc<TimerState>,
}

#[derive(Debug)]
struct TimerState {
    state: Mutex<State>,
    parker: Parker,
}

#[derive(Debug)]
struct State {
    queue: TimerQueue,
    /// When the timer thread will next look at the queue (module docs).
    thread_wakes_at: Instant,
    /// Set when the driver is dropped: the thread exits.
    shutdown: bool,
}

impl Driver {
    /// Creates a driver and starts its timer thread.
    ///
    /// # Panics
    ///
    /// If the OS refuses to start a thread.
    pub(crate) fn start() -> Driver {
        let shared = Arc::new(TimerState {
            state: Mutex::new(State {
                queue: TimerQueue::new(),
                thread_wakes_at: Instant::START,
                shutdown: false,
            }),
            parker: Parker::new(),
        });
        let for_thread = shared.clone();
        spawn_timer_thread(move || run(&for_thread));
        Driver { shared }
    }

    /// Moves the model clock forward by `by` and wakes the timer thread,
    /// as the timeout of its park would: loom has no time of its own, and
    /// a park's timeout never elapses there.
    #[cfg(loom)]
    pub(crate) fn elapse(&self, by: Duration) {
        crate::sync::advance_clock(u64::try_from(by.as_nanos()).unwrap_or(u64::MAX));
        self.shared.parker.unpark();
    }

    /// Pending timers (armed, neither fired nor cancelled).
    #[cfg(test)]
    pub(crate) fn pending(&self) -> usize {
        self.shared.state.lock().queue.len()
    }

    /// Runs `f` on the queue under the lock, then drops the garbage it
    /// left after unlocking.
    fn with_queue<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        let mut state = self.shared.state.lock();
        let result = f(&mut state);
        let garbage = state.queue.take_garbage();
        drop(state);
        drop(garbage);
        result
    }
}

impl Clock for Driver {
    fn now(&self) -> Instant {
        Instant::real_now()
    }

    fn insert(&self, deadline: Instant, action: TimerAction) -> TimerKey {
        let (key, wake_thread) = self.with_queue(|state| {
            let key = state.queue.insert(deadline, action);
            let wake_thread = deadline < state.thread_wakes_at;
            if wake_thread {
                state.thread_wakes_at = deadline;
            }
            (key, wake_thread)
        });
        if wake_thread {
            self.shared.parker.unpark();
        }
        key
    }

    fn set_waker(&self, key: TimerKey, waker: &Waker) -> bool {
        self.with_queue(|state| state.queue.set_waker(key, waker))
    }

    fn remove(&self, key: TimerKey) {
        self.with_queue(|state| state.queue.remove(key));
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        self.shared.state.lock().shutdown = true;
        self.shared.parker.unpark();
    }
}

#[cfg(not(loom))]
fn spawn_timer_thread(body: impl FnOnce() + Send + 'static) {
    thread::Builder::new()
        .name("hoare-timer".into())
        .spawn(body)
        .unwrap_or_else(|error| panic!("hoare::time: could not start the timer thread: {error}"));
}

#[cfg(loom)]
fn spawn_timer_thread(body: impl FnOnce() + Send + 'static) {
    thread::spawn(body);
}

/// The timer thread's loop: fire what is due, then park until the next
/// deadline or a registration that comes before it.
fn run(shared: &TimerState) {
    let mut due = Vec::new();
    loop {
        let mut state = shared.state.lock();
        if state.shutdown {
            return;
        }
        let now = Instant::real_now();
        while let Some(timer) = state.queue.pop_due(now) {
            due.push(timer);
        }
        if due.is_empty() {
            let next = state.queue.next_deadline();
            state.thread_wakes_at = next.unwrap_or(Instant::NEVER);
            let garbage = state.queue.take_garbage();
            drop(state);
            drop(garbage);
            match next {
                Some(deadline) => {
                    shared.parker.park_timeout(MAX_PARK.min(deadline - now));
                }
                None => shared.parker.park(),
            }
            continue;
        }
        state.thread_wakes_at = Instant::START;
        let garbage = state.queue.take_garbage();
        drop(state);
        drop(garbage);
        fire(shared, now, &mut due);
    }
}

/// Fires `due` (in order) unlocked, then settles the results under the lock.
fn fire(shared: &TimerState, now: Instant, due: &mut Vec<(Instant, TimerAction)>) {
    let mut settle = Vec::new();
    for (deadline, action) in due.drain(..) {
        match catch_unwind(AssertUnwindSafe(|| action.fire(deadline, now))) {
            Ok(Fired::Done) | Err(_) => {}
            Ok(fired) => settle.push(fired),
        }
    }
    if settle.is_empty() {
        return;
    }
    let mut state = shared.state.lock();
    for fired in settle {
        state.queue.settle(fired);
    }
    let garbage = state.queue.take_garbage();
    drop(state);
    drop(garbage);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc as StdArc;
    use std::task::Wake;

    struct Counter(AtomicUsize);

    impl Wake for Counter {
        fn wake(self: StdArc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn wait_until(mut condition: impl FnMut() -> bool) {
        let give_up = std::time::Instant::now() + Duration::from_secs(5);
        while !condition() {
            assert!(
                std::time::Instant::now() < give_up,
                "condition not reached in 5 s"
            );
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    #[test]
    fn driver_fires_a_due_timer_and_forgets_it() {
        let driver = Driver::start();
        let counter = StdArc::new(Counter(AtomicUsize::new(0)));
        let deadline = Instant::real_now() + Duration::from_millis(5);
        driver.insert(deadline, TimerAction::Wake(counter.clone().into()));
        wait_until(|| counter.0.load(Ordering::SeqCst) == 1);
        assert!(Instant::real_now() >= deadline);
        wait_until(|| driver.pending() == 0);
    }

    #[test]
    fn earlier_registration_wakes_a_thread_parked_for_a_later_one() {
        let driver = Driver::start();
        let late = StdArc::new(Counter(AtomicUsize::new(0)));
        let early = StdArc::new(Counter(AtomicUsize::new(0)));
        let now = Instant::real_now();
        driver.insert(
            now + Duration::from_secs(3000),
            TimerAction::Wake(late.clone().into()),
        );
        // Let the thread park until the late deadline.
        std::thread::sleep(Duration::from_millis(20));
        driver.insert(
            now + Duration::from_millis(10),
            TimerAction::Wake(early.clone().into()),
        );
        wait_until(|| early.0.load(Ordering::SeqCst) == 1);
        assert_eq!(late.0.load(Ordering::SeqCst), 0);
        assert_eq!(driver.pending(), 1);
    }

    #[test]
    fn removed_timer_never_fires_on_the_driver() {
        let driver = Driver::start();
        let counter = StdArc::new(Counter(AtomicUsize::new(0)));
        let key = driver.insert(
            Instant::real_now() + Duration::from_millis(20),
            TimerAction::Wake(counter.clone().into()),
        );
        driver.remove(key);
        assert_eq!(driver.pending(), 0);
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(counter.0.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn panicking_waker_does_not_stop_the_timer_thread() {
        struct Panics;
        impl Wake for Panics {
            fn wake(self: StdArc<Self>) {
                panic!("a waker that panics (expected by this test)");
            }
        }
        let driver = Driver::start();
        let counter = StdArc::new(Counter(AtomicUsize::new(0)));
        let now = Instant::real_now();
        driver.insert(
            now + Duration::from_millis(1),
            TimerAction::Wake(StdArc::new(Panics).into()),
        );
        driver.insert(
            now + Duration::from_millis(2),
            TimerAction::Wake(counter.clone().into()),
        );
        wait_until(|| counter.0.load(Ordering::SeqCst) == 1);
    }
}
