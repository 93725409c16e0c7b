//! Loom models of the timer driver: registrations, waker hand-overs and
//! cancellations racing the timer thread (a loom thread here) as it fires
//! due timers and parks.
//!
//! Timers are already due (`Instant::START`), never due, or due at a
//! deadline on the model clock, which under loom starts at zero in each
//! execution and moves only when the model says that time passes
//! (`TimerDriver::elapse`, which also wakes the timer thread as its park's
//! timeout would): no model depends on the machine's real clock.
#![cfg(loom)]

use std::time::Duration;

use hoare::__loom::TimerDriver;
use loom_tests::ThreadWaker;

/// A due timer registered while the timer thread goes to park fires: the
/// registration lowers `thread_wakes_at` and unparks the thread, or the
/// thread sees the timer before it parks.
///
/// Shown able to fail: skipping the `parker.unpark()` in `Driver::insert`
/// leaves the timer thread parked with the timer pending (loom deadlock).
#[test]
fn due_timer_registered_while_the_timer_thread_parks_fires() {
    loom::model(|| {
        let driver = TimerDriver::new();
        let (fired, waker) = ThreadWaker::for_current_thread();
        driver.insert_due(waker);
        fired.park_until(|fired| fired.wakes() == 1);
        drop(driver);
    });
}

/// With the timer thread parked (or parking) for a timer that never comes
/// due, an earlier registration still wakes it and fires; the later timer
/// does not fire.
///
/// Shown able to fail: skipping the `parker.unpark()` in `Driver::insert`
/// leaves the thread parked for the never-due timer (loom deadlock).
#[test]
fn earlier_timer_wakes_the_thread_parked_for_a_later_one() {
    loom::model(|| {
        let driver = TimerDriver::new();
        let (late, late_waker) = ThreadWaker::for_current_thread();
        let (early, early_waker) = ThreadWaker::for_current_thread();
        driver.insert_never(late_waker);
        driver.insert_due(early_waker);
        early.park_until(|early| early.wakes() == 1);
        assert_eq!(late.wakes(), 0);
        drop(driver);
    });
}

/// Handing a due timer a new waker while the thread fires it: if the
/// hand-over succeeded the new waker is woken (and the old one released
/// unwoken), otherwise the old one was woken. A `Sleep` relies on this.
///
/// Shown able to fail: making `TimerQueue::set_waker` answer `true` for a
/// timer that already fired leaves the new waker never woken (loom
/// deadlock).
#[test]
fn new_waker_racing_the_firing_is_woken_or_reported_fired() {
    loom::model(|| {
        let driver = TimerDriver::new();
        let (first, first_waker) = ThreadWaker::for_current_thread();
        let (second, second_waker) = ThreadWaker::for_current_thread();
        let timer = driver.insert_due(first_waker);
        if driver.set_waker(timer, &second_waker) {
            second.park_until(|second| second.wakes() == 1);
            first.park_until(ThreadWaker::is_released);
            assert_eq!(first.wakes(), 0);
        } else {
            first.park_until(|first| first.wakes() == 1);
            assert_eq!(second.wakes(), 0);
        }
        drop(driver);
    });
}

/// Cancelling a due timer while the thread fires it: its action is used
/// exactly once - woken, or dropped unwoken by the cancellation - and a
/// cancelled timer's waker is released without waiting for the thread.
///
/// Shown able to fail: removing the "still pending?" check from
/// `TimerQueue::remove` makes a cancellation that loses the race vacate a
/// slot that is already vacant (loom reports the panic).
#[test]
fn cancelled_timer_racing_its_firing_is_used_once() {
    loom::model(|| {
        let driver = TimerDriver::new();
        let (timer_waker, waker) = ThreadWaker::for_current_thread();
        let timer = driver.insert_due(waker);
        driver.remove(timer);
        timer_waker.park_until(ThreadWaker::is_released);
        assert!(timer_waker.wakes() <= 1);
        assert!(!driver.set_waker(timer, std::task::Waker::noop()));
        drop(driver);
    });
}

/// Real deadlines: two timers due at 10 ms and 20 ms on the model clock,
/// registered while the timer thread parks (for nothing, then for the
/// first deadline). Time passes while it parks: after 10 ms the first
/// fires and the second does not (no timer fires before its deadline);
/// after 10 ms more the second fires. Each fires exactly once.
///
/// Shown able to fail: making `TimerQueue::pop_due` ignore the deadline
/// (`if top.deadline > now` never true) fires the second timer with the
/// first (the model's assertion).
#[test]
fn timer_due_while_the_timer_thread_parks_fires_at_its_deadline_not_before() {
    loom::model(|| {
        let driver = TimerDriver::new();
        let (first, first_waker) = ThreadWaker::for_current_thread();
        let (second, second_waker) = ThreadWaker::for_current_thread();
        driver.insert_after(Duration::from_millis(10), first_waker);
        driver.insert_after(Duration::from_millis(20), second_waker);
        driver.elapse(Duration::from_millis(10));
        first.park_until(|first| first.wakes() == 1);
        assert_eq!(second.wakes(), 0, "the 20 ms timer fired at 10 ms");
        driver.elapse(Duration::from_millis(10));
        second.park_until(|second| second.wakes() == 1);
        drop(driver);
        assert_eq!((first.wakes(), second.wakes()), (1, 1));
    });
}
