//! [`Instant`]: a point on hoare's clock.
//!
//! An `Instant` is a count of nanoseconds on a `u64` timeline, not a
//! wrapped `std::time::Instant`, so that a virtual clock (the simulation's)
//! can produce one as easily as the real clock can. On the real clock,
//! [`ORIGIN_NANOS`] is the moment hoare first read the time in this
//! process; the timeline starts about 36 years before it, so subtracting
//! any realistic duration from `now()` works, and it ends about 548 years
//! after it.
//!
//! Arithmetic saturates instead of panicking: `now() + Duration::MAX` is
//! [`Instant::NEVER`], the end of the timeline, which no clock reaches, so
//! a timer with that deadline never fires. Subtraction saturates at the
//! start of the timeline, and `a - b` with `b > a` is zero, as with
//! `std::time::Instant`.

use std::fmt;
use std::ops::{Add, AddAssign, Sub, SubAssign};
use std::time::Duration;

/// Where the real clock's first reading lands on the timeline: 2^60 ns,
/// about 36.5 years, so instants somewhat before the first reading exist.
/// A virtual clock starts here too, so its instants look like real ones.
pub(crate) const ORIGIN_NANOS: u64 = 1 << 60;

/// A measurement of hoare's monotonic clock: the real clock normally, the
/// simulation's virtual clock inside a simulation.
///
/// Like `std::time::Instant`, it is opaque and only useful compared with
/// another `Instant` or combined with a [`Duration`]. Unlike it, arithmetic
/// never panics: it saturates at the ends of the timeline (see
/// [`Instant::checked_add`] for the non-saturating forms).
///
/// ```
/// use hoare::time::Instant;
/// use std::time::Duration;
///
/// let start = Instant::now();
/// let deadline = start + Duration::from_millis(5);
/// assert!(deadline > start);
/// assert_eq!(deadline - start, Duration::from_millis(5));
/// assert_eq!(start - deadline, Duration::ZERO);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant {
    nanos: u64,
}

impl Instant {
    /// The end of the timeline: no clock reaches it, so a timer due then
    /// never fires. Saturating arithmetic lands here.
    pub(crate) const NEVER: Instant = Instant { nanos: u64::MAX };

    /// The start of the timeline.
    pub(crate) const START: Instant = Instant { nanos: 0 };

    /// The current time on the current thread's clock (virtual inside a
    /// simulation).
    ///
    /// ```
    /// use hoare::time::Instant;
    /// use std::time::Duration;
    ///
    /// // In a simulation the clock is virtual: an hour's sleep takes no time.
    /// let slept = hoare::sim::Builder::new().run(async {
    ///     let start = Instant::now();
    ///     hoare::time::sleep(Duration::from_secs(3600)).await;
    ///     Instant::now() - start
    /// });
    /// assert_eq!(slept, Duration::from_secs(3600));
    /// ```
    pub fn now() -> Instant {
        super::clock::now()
    }

    /// Time elapsed since `self` on the current thread's clock; zero if
    /// `self` is in the future.
    ///
    /// ```
    /// let start = hoare::time::Instant::now();
    /// std::thread::sleep(std::time::Duration::from_millis(2));
    /// assert!(start.elapsed() >= std::time::Duration::from_millis(2));
    /// ```
    pub fn elapsed(&self) -> Duration {
        Instant::now().saturating_duration_since(*self)
    }

    /// Time from `earlier` to `self`; zero if `earlier` is later than
    /// `self` (as `std::time::Instant::duration_since` does).
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let a = hoare::time::Instant::now();
    /// let b = a + Duration::from_secs(1);
    /// assert_eq!(b.duration_since(a), Duration::from_secs(1));
    /// assert_eq!(a.duration_since(b), Duration::ZERO);
    /// ```
    pub fn duration_since(&self, earlier: Instant) -> Duration {
        self.saturating_duration_since(earlier)
    }

    /// Time from `earlier` to `self`, or `None` if `earlier` is later.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let a = hoare::time::Instant::now();
    /// let b = a + Duration::from_millis(3);
    /// assert_eq!(b.checked_duration_since(a), Some(Duration::from_millis(3)));
    /// assert_eq!(a.checked_duration_since(b), None);
    /// ```
    pub fn checked_duration_since(&self, earlier: Instant) -> Option<Duration> {
        self.nanos
            .checked_sub(earlier.nanos)
            .map(Duration::from_nanos)
    }

    /// Time from `earlier` to `self`, or zero if `earlier` is later.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let a = hoare::time::Instant::now();
    /// let b = a + Duration::from_millis(3);
    /// assert_eq!(a.saturating_duration_since(b), Duration::ZERO);
    /// ```
    pub fn saturating_duration_since(&self, earlier: Instant) -> Duration {
        Duration::from_nanos(self.nanos.saturating_sub(earlier.nanos))
    }

    /// `self + duration`, or `None` past the end of the timeline.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let now = hoare::time::Instant::now();
    /// assert!(now.checked_add(Duration::from_secs(1)).is_some());
    /// assert_eq!(now.checked_add(Duration::MAX), None);
    /// ```
    pub fn checked_add(&self, duration: Duration) -> Option<Instant> {
        let nanos = u64::try_from(duration.as_nanos()).ok()?;
        self.nanos.checked_add(nanos).map(|nanos| Instant { nanos })
    }

    /// `self - duration`, or `None` before the start of the timeline.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let now = hoare::time::Instant::now();
    /// let later = now + Duration::from_secs(2);
    /// assert_eq!(later.checked_sub(Duration::from_secs(2)), Some(now));
    /// assert_eq!(now.checked_sub(Duration::MAX), None);
    /// ```
    pub fn checked_sub(&self, duration: Duration) -> Option<Instant> {
        let nanos = u64::try_from(duration.as_nanos()).ok()?;
        self.nanos.checked_sub(nanos).map(|nanos| Instant { nanos })
    }

    /// `self + duration`, saturating at the end of the timeline (a
    /// deadline that is never reached).
    pub(crate) fn saturating_add(self, duration: Duration) -> Instant {
        self.checked_add(duration).unwrap_or(Instant::NEVER)
    }

    /// `self - duration`, saturating at the start of the timeline.
    pub(crate) fn saturating_sub(self, duration: Duration) -> Instant {
        self.checked_sub(duration).unwrap_or(Instant::START)
    }

    /// The instant `nanos` nanoseconds into the timeline. A virtual clock
    /// builds its instants with this (starting at [`ORIGIN_NANOS`]).
    pub(crate) const fn from_nanos(nanos: u64) -> Instant {
        Instant { nanos }
    }

    /// Nanoseconds into the timeline (the inverse of `from_nanos`).
    pub(crate) const fn as_nanos(self) -> u64 {
        self.nanos
    }

    /// The real clock: [`ORIGIN_NANOS`] plus the time since hoare first
    /// read the OS monotonic clock in this process (under loom, the
    /// model clock of the `sync` facade).
    pub(crate) fn real_now() -> Instant {
        Instant {
            nanos: ORIGIN_NANOS.saturating_add(crate::sync::clock_nanos()),
        }
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;

    /// Saturates at the end of the timeline (a deadline never reached).
    fn add(self, duration: Duration) -> Instant {
        self.saturating_add(duration)
    }
}

impl AddAssign<Duration> for Instant {
    fn add_assign(&mut self, duration: Duration) {
        *self = *self + duration;
    }
}

impl Sub<Duration> for Instant {
    type Output = Instant;

    /// Saturates at the start of the timeline.
    fn sub(self, duration: Duration) -> Instant {
        self.saturating_sub(duration)
    }
}

impl SubAssign<Duration> for Instant {
    fn sub_assign(&mut self, duration: Duration) {
        *self = *self - duration;
    }
}

impl Sub<Instant> for Instant {
    type Output = Duration;

    /// Zero if `earlier` is later than `self`.
    fn sub(self, earlier: Instant) -> Duration {
        self.saturating_duration_since(earlier)
    }
}

impl fmt::Debug for Instant {
    /// Shown relative to the clock's origin (the first reading of the real
    /// clock, or the start of a simulation), e.g. `Instant(+1.5ms)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if *self == Instant::NEVER {
            return f.write_str("Instant(never)");
        }
        match self.nanos.checked_sub(ORIGIN_NANOS) {
            Some(after) => write!(f, "Instant(+{:?})", Duration::from_nanos(after)),
            None => write!(
                f,
                "Instant(-{:?})",
                Duration::from_nanos(ORIGIN_NANOS - self.nanos)
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instant_has_the_std_traits() {
        fn assert_traits<T: Copy + Ord + std::hash::Hash + fmt::Debug + Send + Sync + Unpin>() {}
        assert_traits::<Instant>();
    }

    #[test]
    fn arithmetic_round_trips() {
        let now = Instant::now();
        let second = Duration::from_secs(1);
        assert_eq!((now + second) - second, now);
        assert_eq!((now + second).duration_since(now), second);
        let mut moving = now;
        moving += second;
        moving -= second;
        assert_eq!(moving, now);
    }

    #[test]
    fn adding_duration_max_saturates_to_never() {
        let now = Instant::now();
        assert_eq!(now + Duration::MAX, Instant::NEVER);
        assert_eq!(now.checked_add(Duration::MAX), None);
        assert_eq!(Instant::NEVER + Duration::from_nanos(1), Instant::NEVER);
    }

    #[test]
    fn subtracting_a_year_from_now_does_not_saturate() {
        let now = Instant::now();
        let year = Duration::from_secs(365 * 24 * 3600);
        assert_eq!(now - (now - year), year);
    }

    #[test]
    fn subtraction_saturates_at_zero() {
        let now = Instant::now();
        let later = now + Duration::from_secs(1);
        assert_eq!(now - later, Duration::ZERO);
        assert_eq!(now.checked_duration_since(later), None);
        assert_eq!(Instant::START - Duration::from_secs(1), Instant::START);
    }

    #[test]
    fn real_clock_is_monotonic() {
        let a = Instant::real_now();
        let b = Instant::real_now();
        assert!(b >= a);
        assert!(a >= Instant::from_nanos(ORIGIN_NANOS));
    }

    #[test]
    fn debug_shows_offset_from_origin() {
        let origin = Instant::from_nanos(ORIGIN_NANOS);
        assert_eq!(
            format!("{:?}", origin + Duration::from_millis(3)),
            "Instant(+3ms)"
        );
        assert_eq!(
            format!("{:?}", origin - Duration::from_secs(2)),
            "Instant(-2s)"
        );
        assert_eq!(format!("{:?}", Instant::NEVER), "Instant(never)");
    }
}
