//! [`timeout`](fn@super::timeout): race a future against a deadline.
//!
//! Each poll polls the inner future *first*, then the deadline's
//! [`Sleep`]: a future that is ready wins even when the deadline has
//! passed (so `timeout(Duration::ZERO, ready)` is `Ok`), and the clock is
//! never read for a future that completes on its first poll. When the
//! deadline wins, the inner future is dropped before `Err(Elapsed)` is
//! returned.
//!
//! The deadline is computed when `timeout` is called, not at the first
//! poll. The inner future is pinned inside the returned future, so no
//! `unsafe` pin projection is needed.

use std::error::Error;
use std::fmt;
use std::future::{poll_fn, Future};
use std::pin::{pin, Pin};
use std::task::Poll;

use super::sleep::Sleep;

/// The error of [`timeout`](fn@super::timeout): the deadline passed before
/// the future completed (the future has been dropped).
///
/// ```
/// use hoare::time::{timeout, Elapsed};
/// use std::time::Duration;
///
/// let late: Result<(), Elapsed> =
///     hoare::block_on(timeout(Duration::from_millis(1), std::future::pending()));
/// assert_eq!(late.unwrap_err().to_string(), "deadline has elapsed");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Elapsed(());

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("deadline has elapsed")
    }
}

impl Error for Elapsed {}

/// Runs `future` until it completes or `deadline` completes, whichever is
/// first, the future being polled first each time.
pub(crate) async fn race<F: Future>(mut deadline: Sleep, future: F) -> Result<F::Output, Elapsed> {
    let mut future = pin!(future);
    poll_fn(|cx| {
        if let Poll::Ready(output) = future.as_mut().poll(cx) {
            return Poll::Ready(Ok(output));
        }
        Pin::new(&mut deadline).poll(cx).map(|()| Err(Elapsed(())))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elapsed_is_a_shareable_error() {
        fn assert_traits<T: Error + Send + Sync + Clone + PartialEq + 'static>() {}
        assert_traits::<Elapsed>();
        assert_eq!(Elapsed(()).to_string(), "deadline has elapsed");
    }
}
