//! The coarse clock: the real clock as last read by someone who was
//! reading it anyway, for stamps that must cost nothing.
//!
//! A process that goes idle stamps its task header with the time (for
//! `ProcessInfo::blocked_for`). Reading the OS clock there would put a
//! system-clock read on every wait of every process; instead the stamp is
//! this clock: one process-wide word, refreshed
//!
//! * by every worker every `INJECT_INTERVAL` (61) scheduling ticks, where
//!   it already looks at the injection queue, and when it starts and
//!   whenever it wakes from parking;
//! * by the `run` caller's thread when it starts and wakes from parking;
//! * by the stall watchdog at each look.
//!
//! # Precision
//!
//! A reading is never later than the truth, so a duration measured from a
//! stamp to the real clock is never shorter than the time that really
//! passed. It is longer by at most the age of the reading when the stamp
//! was taken: the time since the stamping thread last refreshed it, that
//! is, at most the length of 61 polls on a busy worker (a poll that runs
//! for long without yielding delays the refresh by as much), and nothing
//! on a worker that just woke up. Refreshes by several threads may store
//! an older reading over a newer one; that only errs on the same side.

use crate::sync::ProcessGauge;
use crate::time::Instant;

/// Nanoseconds of `time::Instant` at the latest refresh.
static COARSE_NANOS: ProcessGauge = ProcessGauge::new(0);

/// Reads the real clock into the coarse one.
#[inline]
pub(crate) fn refresh() {
    COARSE_NANOS.set(Instant::real_now().as_nanos());
}

/// The coarse clock's reading: an `Instant` at or before the real clock's
/// now (module docs).
#[inline]
pub(crate) fn now() -> Instant {
    Instant::from_nanos(COARSE_NANOS.get())
}
