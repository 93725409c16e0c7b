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
        TimerAction::Deliver(Delivery { sender, period: None })
    }

    /// The delivery of a `tick`: a value every `period` (non-zero).
    pub(crate) fn every(sender: Sender<Instant>, period: Duration) -> TimerAction {
        debug_assert!(!period.is_zero());
        TimerAction::Deliver(Delivery { sender, period: Some(period) })
    }

    /// Whether every `Receiver` is gone.
    pub(crate) fn is_abandoned(&self) -> bool {
        self.sender.is_closed()
    }

    /// Sends `now` for the timer due at `deadline` (module docs).
    pub(crate) fn deliver(self, deadline: Instant, now: Instant) -> Fired {
        match self.sender.try_send(now) {
            Err(TrySendError::Closed(_)) => Fired::Done,
            Ok(()) | Err(TrySendError::Full(_)) => match self.period {
                None => Fired::Retire(TimerAction::Deliver(self)),
                Some(period) => Fired::Rearm(next_tick(deadline, period, now), TimerAction::Deliver(self)),
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
    use super::*;
    use crate::time::instant::ORIGIN_NANOS;

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
