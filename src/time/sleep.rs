//! [`Sleep`]: a future that completes at a deadline.
//!
//! A `Sleep` captures its clock and computes its deadline when created,
//! and touches the timer queue only when it must wait:
//!
//! * **poll, deadline reached**: `Ready`, deregistering the timer if it
//!   has not fired yet;
//! * **first poll that must wait**: registers a timer holding a clone of
//!   the waker;
//! * **later polls**: hand the clock the newest waker (the clock skips the
//!   clone when `will_wake` says it is the same task). If the clock answers
//!   that the timer already fired, the deadline has passed: `Ready`. That
//!   answer, not a second reading of the clock, is what closes the race
//!   with a timer that fires between the reading and the hand-over, which
//!   would otherwise have woken only the previous waker;
//! * **drop**: removes a pending timer, so a dropped `Sleep` never fires
//!   and leaves nothing behind in the queue.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::clock::{self, ClockHandle};
use super::instant::Instant;
use super::queue::{TimerAction, TimerKey};

/// A future that completes once its deadline has been reached; made by
/// [`sleep`](fn@super::sleep) and [`sleep_until`](super::sleep_until).
///
/// It is `Unpin`, so it can be polled through `&mut` (in a `select!`
/// loop, say) and [`reset`](Sleep::reset) to a new deadline. Dropping it
/// cancels its timer.
///
/// ```
/// use hoare::time::{sleep, Instant};
/// use std::time::Duration;
///
/// hoare::block_on(async {
///     let mut nap = sleep(Duration::from_secs(3600));
///     // Changed our mind: wake in a millisecond instead.
///     nap.reset(Instant::now() + Duration::from_millis(1));
///     (&mut nap).await;
///     assert!(nap.is_elapsed());
/// });
/// ```
#[must_use = "futures do nothing unless polled or `.await`ed"]
pub struct Sleep {
    deadline: Instant,
    clock: ClockHandle,
    /// The registered timer, once a poll had to wait.
    timer: Option<TimerKey>,
}

impl Sleep {
    /// A sleep until `deadline` on the current thread's clock.
    pub(crate) fn until(deadline: Instant) -> Sleep {
        Sleep {
            deadline,
            clock: clock::current(),
            timer: None,
        }
    }

    /// The instant this sleep completes at.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let deadline = hoare::time::Instant::now() + Duration::from_secs(1);
    /// assert_eq!(hoare::time::sleep_until(deadline).deadline(), deadline);
    /// ```
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Whether the deadline has been reached.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// assert!(hoare::time::sleep(Duration::ZERO).is_elapsed());
    /// assert!(!hoare::time::sleep(Duration::from_secs(60)).is_elapsed());
    /// ```
    pub fn is_elapsed(&self) -> bool {
        self.clock.now() >= self.deadline
    }

    /// Moves the deadline to `deadline` (earlier or later), as if the
    /// sleep had been made anew; a completed sleep can be reused this way.
    ///
    /// ```
    /// use hoare::time::{sleep, Instant};
    /// use std::time::Duration;
    ///
    /// let mut timer = sleep(Duration::from_secs(60));
    /// let sooner = Instant::now() + Duration::from_millis(1);
    /// timer.reset(sooner);
    /// assert_eq!(timer.deadline(), sooner);
    /// hoare::block_on(&mut timer);
    /// ```
    pub fn reset(&mut self, deadline: Instant) {
        self.deregister();
        self.deadline = deadline;
    }

    fn deregister(&mut self) {
        if let Some(key) = self.timer.take() {
            self.clock.remove(key);
        }
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        if this.clock.now() >= this.deadline {
            this.deregister();
            return Poll::Ready(());
        }
        match this.timer {
            None => {
                let action = TimerAction::Wake(cx.waker().clone());
                this.timer = Some(this.clock.insert(this.deadline, action));
            }
            Some(key) => {
                if !this.clock.set_waker(key, cx.waker()) {
                    this.timer = None;
                    return Poll::Ready(());
                }
            }
        }
        let deadline = this.deadline;
        let sleep = || [crate::runtime::wait::Wait::Sleep { deadline }];
        crate::runtime::hooks::note_waiting(cx.waker(), sleep);
        Poll::Pending
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        self.deregister();
    }
}

impl fmt::Debug for Sleep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sleep")
            .field("deadline", &self.deadline)
            .field("registered", &self.timer.is_some())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::clock::tests::ManualClock;
    use crate::time::clock::{enter, Clock};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::task::{Wake, Waker};
    use std::time::Duration;

    struct Counter(AtomicUsize);

    impl Wake for Counter {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn counting_waker() -> (Arc<Counter>, Waker) {
        let counter = Arc::new(Counter(AtomicUsize::new(0)));
        (counter.clone(), Waker::from(counter))
    }

    #[test]
    fn sleep_is_send_sync_and_unpin() {
        fn assert_traits<T: Send + Sync + Unpin + fmt::Debug>() {}
        assert_traits::<Sleep>();
    }

    #[test]
    fn sleep_on_a_virtual_clock_completes_when_time_advances() {
        let clock = ManualClock::new();
        let _guard = enter(clock.clone());
        let (counter, waker) = counting_waker();
        let mut cx = Context::from_waker(&waker);
        let mut sleep = crate::time::sleep(Duration::from_secs(60));
        assert!(Pin::new(&mut sleep).poll(&mut cx).is_pending());
        assert_eq!(clock.pending(), 1);
        clock.advance(Duration::from_secs(59));
        assert_eq!(counter.0.load(Ordering::SeqCst), 0);
        clock.advance(Duration::from_secs(1));
        assert_eq!(counter.0.load(Ordering::SeqCst), 1);
        assert!(Pin::new(&mut sleep).poll(&mut cx).is_ready());
        assert_eq!(clock.pending(), 0);
    }

    #[test]
    fn repoll_with_a_new_waker_moves_the_registration() {
        let clock = ManualClock::new();
        let _guard = enter(clock.clone());
        let (first, first_waker) = counting_waker();
        let (second, second_waker) = counting_waker();
        let mut sleep = crate::time::sleep(Duration::from_secs(1));
        assert!(Pin::new(&mut sleep)
            .poll(&mut Context::from_waker(&first_waker))
            .is_pending());
        assert!(Pin::new(&mut sleep)
            .poll(&mut Context::from_waker(&second_waker))
            .is_pending());
        assert_eq!(clock.pending(), 1, "re-polling does not register twice");
        clock.advance(Duration::from_secs(1));
        assert_eq!(first.0.load(Ordering::SeqCst), 0);
        assert_eq!(second.0.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn dropped_sleep_deregisters_and_never_wakes() {
        let clock = ManualClock::new();
        let _guard = enter(clock.clone());
        let (counter, waker) = counting_waker();
        let mut sleep = crate::time::sleep(Duration::from_secs(1));
        assert!(Pin::new(&mut sleep)
            .poll(&mut Context::from_waker(&waker))
            .is_pending());
        drop(sleep);
        assert_eq!(clock.pending(), 0);
        clock.advance(Duration::from_secs(2));
        assert_eq!(counter.0.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn fired_timer_makes_the_next_poll_ready_even_with_a_new_waker() {
        // The clock's "already fired" answer completes the sleep, so a
        // timer that fires between the clock reading and the waker
        // hand-over cannot strand the new waker.
        let clock = ManualClock::new();
        let _guard = enter(clock.clone());
        let (_, first_waker) = counting_waker();
        let (_, second_waker) = counting_waker();
        let mut sleep = crate::time::sleep(Duration::from_secs(1));
        assert!(Pin::new(&mut sleep)
            .poll(&mut Context::from_waker(&first_waker))
            .is_pending());
        let key = sleep.timer.unwrap();
        clock.advance(Duration::from_secs(1));
        assert!(!clock.set_waker(key, &second_waker));
        assert!(Pin::new(&mut sleep)
            .poll(&mut Context::from_waker(&second_waker))
            .is_ready());
    }

    #[test]
    fn sleep_of_duration_max_registers_without_overflow_and_stays_pending() {
        let clock = ManualClock::new();
        let _guard = enter(clock.clone());
        let (counter, waker) = counting_waker();
        let mut sleep = crate::time::sleep(Duration::MAX);
        assert_eq!(sleep.deadline(), Instant::NEVER);
        assert!(Pin::new(&mut sleep)
            .poll(&mut Context::from_waker(&waker))
            .is_pending());
        clock.advance(Duration::from_secs(1_000_000_000));
        assert_eq!(counter.0.load(Ordering::SeqCst), 0);
        assert!(!sleep.is_elapsed());
    }

    #[test]
    fn reset_moves_the_deadline_and_drops_the_old_timer() {
        let clock = ManualClock::new();
        let _guard = enter(clock.clone());
        let (counter, waker) = counting_waker();
        let mut sleep = crate::time::sleep(Duration::from_secs(10));
        assert!(Pin::new(&mut sleep)
            .poll(&mut Context::from_waker(&waker))
            .is_pending());
        sleep.reset(Instant::now() + Duration::from_secs(1));
        assert_eq!(clock.pending(), 0);
        assert!(Pin::new(&mut sleep)
            .poll(&mut Context::from_waker(&waker))
            .is_pending());
        clock.advance(Duration::from_secs(1));
        assert_eq!(counter.0.load(Ordering::SeqCst), 1);
        assert!(Pin::new(&mut sleep)
            .poll(&mut Context::from_waker(&waker))
            .is_ready());
    }
}
