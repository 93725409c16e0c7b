//! Timers that deliver on a channel: [`after`](super::after) and
//! [`tick`](super::tick), after Go's `time.After` and `time.Ticker`.
//!
//! Each makes a `bounded(1)` channel and registers a [`Delivery`] holding
//! the `Sender` with the clock. When it fires, the delivery `try_send`s
//! the firing time:
//!
//! * `Ok`: delivered, whether or not anyone is receiving yet (the buffer
//!   holds it);
//! * `Full` (a `tick` whose receiver has not taken the last tick): the
//!   tick is dropped, as Go's ticker drops ticks for a slow receiver;
//! * `Closed`: every `Receiver` is gone. The timer stops: a `tick` is not
//!   re-armed, and its `Sender` is dropped.
//!
//! A `tick` re-arms itself for the next multiple of its period after the
//! previous deadline that lies in the future, so a late timer thread does
//! not deliver a burst and the phase does not drift. An `after` is
//! *retired*: the queue keeps its `Sender` until the channel is abandoned,
//! because the timer never closes the channel (after its one value it
//! stays open and empty, so `recv(after(d))` in a `select!` loop does not
//! turn ready with an error). Abandoned channel timers, pending or
//! retired, are swept by the queue (see `queue.rs`), so they do not pile
//! up even though no one cancels them explicitly.

use std::time::Duration;

use super::instant::Instant;
use super::queue::{Fired, TimerAction};
use crate::chan::{Sender, TrySendError};

/// A channel timer's `Sender` and, for a `tick`, its period.
#[derive(Debug)]
pub(crate) struct Delivery {
    sender: Sender<Instant>,
    period: Option<Duration>,
}

impl Delivery {
    /// The delivery of an `after`: one value.
    pub(crate) fn once(sender: Sender<Instant>) -> TimerAction {
        TimerAction::Deliver(Delivery {
            sender,
            period: None,
        })
    }

    /// The delivery of a `tick`: a value every `period` (non-zero).
    pub(crate) fn every(sender: Sender<Instant>, period: Duration) -> TimerAction {
        debug_assert!(!period.is_zero());
        TimerAction::Deliver(Delivery {
            sender,
            period: Some(period),
        })
    }

    /// Whether every `Receiver` is gone.
    pub(crate) fn is_abandoned(&self) -> bool {
        self.sender.is_closed()
    }

    /// The number of the channel it delivers to.
    pub(crate) fn channel(&self) -> u64 {
        self.sender.shared().id()
    }

    /// Whether a receive (or a select) is waiting on the channel now.
    pub(crate) fn has_waiting_receiver(&self) -> bool {
        self.sender.has_waiting_receivers()
    }

    /// Sends `now` for the timer due at `deadline` (module docs).
    pub(crate) fn deliver(self, deadline: Instant, now: Instant) -> Fired {
        match self.sender.try_send(now) {
            Err(TrySendError::Closed(_)) => Fired::Done,
            Ok(()) | Err(TrySendError::Full(_)) => match self.period {
                None => Fired::Retire(TimerAction::Deliver(self)),
                Some(period) => {
                    Fired::Rearm(next_tick(deadline, period, now), TimerAction::Deliver(self))
                }
            },
        }
    }
}

/// The first `deadline + k * period` (k >= 1) after `now`.
pub(crate) fn next_tick(deadline: Instant, period: Duration, now: Instant) -> Instant {
    let behind = now.saturating_duration_since(deadline).as_nanos();
    let period_nanos = period.as_nanos();
    let periods = behind / period_nanos + 1;
    match u64::try_from(periods * period_nanos) {
        Ok(nanos) => deadline.saturating_add(Duration::from_nanos(nanos)),
        Err(_) => Instant::NEVER,
    }
}

#[cfg(test)]
mod tests {
    use super::next_tick;
    use crate::chan::TryRecvError;
    use crate::time::clock::enter;
    use crate::time::clock::tests::ManualClock;
    use crate::time::driver::Driver;
    use crate::time::instant::ORIGIN_NANOS;
    use crate::time::{after, tick, Instant};
    use std::sync::Arc;
    use std::time::Duration;

    const SECOND: Duration = Duration::from_secs(1);

    fn wait_until(mut condition: impl FnMut() -> bool, what: &str) {
        let give_up = std::time::Instant::now() + Duration::from_secs(5);
        while !condition() {
            assert!(
                std::time::Instant::now() < give_up,
                "not reached in 5 s: {what}"
            );
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    #[test]
    fn after_delivers_one_value_then_stays_open_and_empty() {
        let clock = ManualClock::new();
        let _guard = enter(clock.clone());
        let start = Instant::now();
        let timer = after(SECOND);
        assert_eq!(timer.try_recv(), Err(TryRecvError::Empty));
        clock.advance(SECOND);
        assert_eq!(timer.try_recv(), Ok(start + SECOND));
        clock.advance(10 * SECOND);
        assert_eq!(timer.try_recv(), Err(TryRecvError::Empty));
        assert!(!timer.is_closed());
        assert_eq!(clock.pending(), 0, "a fired after is not re-armed");
    }

    #[test]
    fn tick_keeps_one_tick_for_a_slow_receiver() {
        let clock = ManualClock::new();
        let _guard = enter(clock.clone());
        let start = Instant::now();
        let ticks = tick(SECOND);
        for _ in 0..10 {
            clock.advance(SECOND);
        }
        assert_eq!(ticks.len(), 1);
        assert_eq!(
            ticks.try_recv(),
            Ok(start + SECOND),
            "the first tick is kept, later ones dropped"
        );
        assert_eq!(ticks.try_recv(), Err(TryRecvError::Empty));
        clock.advance(SECOND);
        assert_eq!(
            ticks.try_recv(),
            Ok(start + 11 * SECOND),
            "ticks resume on the original phase"
        );
    }

    #[test]
    fn tick_stops_rearming_once_its_receivers_are_dropped() {
        let clock = ManualClock::new();
        let _guard = enter(clock.clone());
        let ticks = tick(SECOND);
        let clone = ticks.clone();
        clock.advance(SECOND);
        drop(ticks);
        clock.advance(SECOND);
        assert_eq!(clock.pending(), 1, "one receiver is left");
        drop(clone);
        clock.advance(SECOND);
        assert_eq!(clock.pending(), 0);
    }

    #[test]
    fn abandoned_after_timers_are_swept() {
        let clock = ManualClock::new();
        let _guard = enter(clock.clone());
        for _ in 0..10_000 {
            drop(after(Duration::from_secs(3600)));
        }
        assert!(
            clock.pending() <= 64,
            "{} abandoned timers linger",
            clock.pending()
        );
    }

    #[test]
    fn retired_after_senders_are_swept_when_abandoned() {
        let clock = ManualClock::new();
        let _guard = enter(clock.clone());
        let kept = after(SECOND);
        for _ in 0..10_000 {
            let timer = after(SECOND);
            clock.advance(SECOND);
            drop(timer);
        }
        let retired = clock.retired();
        assert!(retired <= 64, "{retired} retired senders linger");
        assert!(!kept.is_closed(), "a live after channel stays open");
        assert!(kept.try_recv().is_ok());
    }

    #[test]
    fn tick_on_the_timer_thread_stops_when_receiver_dropped() {
        let driver = Arc::new(Driver::start());
        let _guard = enter(driver.clone());
        let ticks = tick(Duration::from_millis(2));
        crate::block_on(async {
            for _ in 0..3 {
                ticks.recv().await.unwrap();
            }
        });
        // The count dips to 0 while the timer thread fires and re-arms.
        wait_until(|| driver.pending() == 1, "the ticker is armed");
        drop(ticks);
        wait_until(|| driver.pending() == 0, "the ticker is disarmed");
        std::thread::sleep(Duration::from_millis(20));
        assert_eq!(driver.pending(), 0, "the ticker does not re-arm itself");
    }

    fn at(millis: u64) -> Instant {
        Instant::from_nanos(ORIGIN_NANOS) + Duration::from_millis(millis)
    }

    #[test]
    fn next_tick_on_time_is_one_period_later() {
        assert_eq!(next_tick(at(10), Duration::from_millis(10), at(10)), at(20));
    }

    #[test]
    fn next_tick_skips_missed_periods_and_keeps_phase() {
        let period = Duration::from_millis(10);
        assert_eq!(next_tick(at(10), period, at(15)), at(20));
        assert_eq!(next_tick(at(10), period, at(20)), at(30));
        assert_eq!(next_tick(at(10), period, at(57)), at(60));
    }

    #[test]
    fn next_tick_saturates_to_never() {
        assert_eq!(next_tick(at(10), Duration::MAX, at(10)), Instant::NEVER);
    }
}
