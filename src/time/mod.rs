//! Time: sleeping, timeouts, and timers that deliver on channels.
//!
//! ```
//! use hoare::time::{self, Instant};
//! use std::time::Duration;
//!
//! hoare::block_on(async {
//!     let start = Instant::now();
//!     time::sleep(Duration::from_millis(10)).await;
//!     assert!(start.elapsed() >= Duration::from_millis(10));
//!
//!     let never = std::future::pending::<()>();
//!     assert!(time::timeout(Duration::from_millis(1), never).await.is_err());
//!
//!     let fired = time::after(Duration::from_millis(1));
//!     assert!(fired.recv().await.unwrap() >= start);
//! });
//! ```
//!
//! * [`sleep`](fn@sleep) / [`sleep_until`]: a [`Sleep`] future, done at a deadline.
//! * [`timeout`](fn@timeout) / [`timeout_at`]: a future or [`Elapsed`]; the future is
//!   polled before the clock is looked at.
//! * [`after`]: a channel that receives one [`Instant`] when the duration
//!   has passed (Go's `time.After`). To time out a *send* exactly, use a
//!   `select!` with an `after` arm: its commit decides whether the value
//!   went.
//! * [`tick`]: a channel that receives an [`Instant`] every period,
//!   dropping ticks a slow receiver missed (Go's `time.Ticker`).
//!
//! # Where the time comes from
//!
//! Timers work everywhere, with no runtime: on OS threads, in
//! [`block_on`](fn@crate::block_on), in hoare processes and in other
//! executors (tokio, smol). A process-wide timer thread, started on first
//! use, fires every real-clock timer. All readings of the clock and all
//! timer registrations go through one seam (`clock.rs`), which a
//! simulation overrides per thread to run the same code on virtual time.
//!
//! # Algorithm
//!
//! Pending timers sit in a binary min-heap keyed by `(deadline,
//! registration number)` over a slab, with lazy cancellation bounded by
//! compaction (`queue.rs`): `O(log n)` to register, `O(1)` to cancel,
//! 100,000 pending timers are routine. The timer thread parks until the
//! earliest deadline and is unparked only by a registration that comes
//! before it (`driver.rs`). All real-clock timers share the driver's one
//! lock, held for `O(log n)` work and never while a waker runs; sharding
//! it per worker is the next step if it ever shows up in a profile.
//!
//! Files: `instant.rs` (the timeline), `clock.rs` (the seam), `queue.rs`
//! (the heap), `driver.rs` (the timer thread), `sleep.rs`, `timeout.rs`,
//! `channel.rs` (`after` and `tick`).
//!
//! # Guarantees
//!
//! * A sleep completes no earlier than its deadline; timers fire in
//!   deadline order, and timers due at the same instant fire in the order
//!   they were registered (on the real clock; a simulation draws that
//!   order from its seed).
//! * A `Sleep` registers its timer on the first poll that has to wait,
//!   keeps the newest waker, and removes its timer when dropped: a dropped
//!   sleep never fires, and dropping a runtime, which drops its processes,
//!   leaves none of their timers behind.
//! * Durations too large for the clock saturate to a deadline that is
//!   never reached: `sleep(Duration::MAX)` waits forever, it does not
//!   overflow.
//! * `after` and `tick` channels are never closed by their timer; the
//!   timer stops when every receiver is gone.

mod channel;
// The simulation plugs in through these three.
pub(crate) mod clock;
pub(crate) mod driver;
pub(crate) mod instant;
pub(crate) mod queue;
mod sleep;
mod timeout;

use std::future::{Future, IntoFuture};
use std::time::Duration;

use crate::chan::{self, Receiver};

pub use instant::Instant;
pub use sleep::Sleep;
pub use timeout::Elapsed;

/// A future that completes once `duration` has passed (measured from this
/// call, on the current thread's clock).
///
/// A duration too large for the clock (such as `Duration::MAX`) makes a
/// sleep that never completes.
///
/// ```
/// use hoare::time::{sleep, Instant};
/// use std::time::Duration;
///
/// hoare::run(async {
///     let start = Instant::now();
///     sleep(Duration::from_millis(10)).await;
///     assert!(start.elapsed() >= Duration::from_millis(10));
/// });
/// ```
pub fn sleep(duration: Duration) -> Sleep {
    Sleep::until(clock::now().saturating_add(duration))
}

/// A future that completes once `deadline` has been reached; at once if it
/// already has.
///
/// ```
/// use hoare::time::{sleep_until, Instant};
/// use std::time::Duration;
///
/// let deadline = Instant::now() + Duration::from_millis(5);
/// hoare::block_on(sleep_until(deadline));
/// assert!(Instant::now() >= deadline);
/// ```
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep::until(deadline)
}

/// Runs `future` for at most `duration` (measured from this call):
/// `Ok` with its output if it completes in time, `Err(Elapsed)` otherwise,
/// the future then being dropped.
///
/// Each poll polls `future` before looking at the clock, so a future that
/// is ready gives `Ok` even with `Duration::ZERO`.
///
/// A channel send under `timeout` is not exact: a receiver can take the
/// value of a waiting send (rendezvous) or move it into the buffer (bounded)
/// between the last poll and the drop, so `Err(Elapsed)` does not prove the
/// value was not sent. To time out a send exactly, select over it and an
/// [`after`] arm.
///
/// ```
/// use hoare::time::{timeout, Elapsed};
/// use std::time::Duration;
///
/// hoare::block_on(async {
///     assert_eq!(timeout(Duration::ZERO, async { 7 }).await, Ok(7));
///     let never = std::future::pending::<u32>();
///     let error: Elapsed = timeout(Duration::from_millis(1), never).await.unwrap_err();
///     assert_eq!(error.to_string(), "deadline has elapsed");
/// });
/// ```
pub fn timeout<F: IntoFuture>(
    duration: Duration,
    future: F,
) -> impl Future<Output = Result<F::Output, Elapsed>> {
    timeout::race(sleep(duration), future.into_future())
}

/// Like [`timeout`](fn@timeout), with a deadline instead of a duration.
///
/// ```
/// use hoare::time::{timeout_at, Instant};
/// use std::time::Duration;
///
/// let (_tx, rx) = hoare::chan::bounded::<u8>(0);
/// let deadline = Instant::now() + Duration::from_millis(5);
/// let result = hoare::block_on(timeout_at(deadline, rx.recv()));
/// assert!(result.is_err()); // nobody sent in time
/// ```
pub fn timeout_at<F: IntoFuture>(
    deadline: Instant,
    future: F,
) -> impl Future<Output = Result<F::Output, Elapsed>> {
    timeout::race(sleep_until(deadline), future.into_future())
}

/// A channel that receives one [`Instant`], the time the timer fired, once
/// `duration` has passed (Go's `time.After`).
///
/// The value is delivered when the timer fires whether or not anyone is
/// receiving yet (the channel buffers one value). The timer never closes
/// the channel: after its value it stays open and empty, so a
/// `recv(after(d))` arm in a `select!` loop never turns ready with an
/// error. The timer is forgotten once every `Receiver` is dropped.
///
/// ```
/// use hoare::time::after;
/// use std::time::Duration;
///
/// let timer = after(Duration::from_millis(5));
/// hoare::block_on(async {
///     let fired_at = timer.recv().await.unwrap();
///     println!("fired at {fired_at:?}");
/// });
/// assert!(timer.try_recv().unwrap_err().is_empty());
/// ```
pub fn after(duration: Duration) -> Receiver<Instant> {
    let (sender, receiver) = chan::bounded(1);
    let clock = clock::current();
    let deadline = clock.now().saturating_add(duration);
    clock.insert(deadline, channel::Delivery::once(sender));
    receiver
}

/// A channel that receives an [`Instant`] every `period`, the first one
/// `period` from now (Go's `time.Ticker`).
///
/// The channel buffers one tick; ticks that come while it is full are
/// dropped, so a slow receiver finds at most one waiting and then ticks
/// resume on the original schedule. The timer never closes the channel;
/// it stops once every `Receiver` is dropped.
///
/// # Panics
///
/// If `period` is zero (a ticker that fires continuously): the message
/// names the period.
///
/// ```
/// use hoare::time::tick;
/// use std::time::Duration;
///
/// let ticks = tick(Duration::from_millis(2));
/// hoare::block_on(async {
///     for _ in 0..3 {
///         ticks.recv().await.unwrap();
///     }
/// });
/// drop(ticks); // stops the ticker
/// ```
#[track_caller]
pub fn tick(period: Duration) -> Receiver<Instant> {
    assert!(
        !period.is_zero(),
        "hoare::time::tick called with a period of {period:?}: the period between ticks \
         must be greater than zero"
    );
    let (sender, receiver) = chan::bounded(1);
    let clock = clock::current();
    let deadline = clock.now().saturating_add(period);
    clock.insert(deadline, channel::Delivery::every(sender, period));
    receiver
}
