//! `hoare::block_on`: run one future to completion on the calling thread.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use super::blocked_threads::Recording;
use super::context::{enter_blocking, BlockingRegion};
use super::park::with_thread_parker;

/// Runs `future` to completion on the calling OS thread, parking the
/// thread whenever the future waits. No runtime is needed: channels,
/// `select!` and timers all work here.
///
/// # Panics
///
/// When called from a spawned process on a runtime worker, or inside a
/// simulation, where parking would stall other processes: use `.await`
/// there instead.
///
/// ```
/// use std::time::Duration;
///
/// let (tx, rx) = hoare::chan::bounded(0);
/// std::thread::spawn(move || tx.send_blocking(1).unwrap());
/// let got = hoare::block_on(async {
///     hoare::time::sleep(Duration::from_millis(1)).await;
///     rx.recv().await
/// });
/// assert_eq!(got, Ok(1));
/// ```
#[track_caller]
pub fn block_on<F: Future>(mut future: F) -> F::Output {
    // Inside the main future of `hoare::run`: this thread stops running
    // processes until we return, so wakes must go to the workers.
    let _region = enter_blocking("hoare::block_on");
    // SAFETY: pinned where it lies, in this frame's argument, which the
    // shadowing makes unreachable: the future is never moved again and is
    // dropped in place when this function returns or unwinds. (`pin!`
    // would move it into a temporary first: a `select!` future of a few
    // hundred bytes costs a `memcpy` per call, twice with the move into
    // a helper, and a blocking select loop calls this once a message.)
    let future = unsafe { Pin::new_unchecked(&mut future) };
    park_until_ready(future)
}

/// [`block_on`] for one channel operation (the `_blocking` methods),
/// whose caller already entered the blocking region (for its first tries
/// at the channel): first tried with a no-op waker, so that an operation
/// that completes at once (a message is buffered, there is room) never
/// touches a parker. A channel future that registers a waiter with that
/// waker is polled again with the real one, which replaces it (and
/// rechecks for a completion that came in between), so no wake-up is lost.
pub(crate) fn run_parked_operation<F: Future>(
    _inside: &BlockingRegion,
    mut future: F,
) -> F::Output {
    // SAFETY: as in `block_on`: pinned in place, never moved, dropped here.
    let mut future = unsafe { Pin::new_unchecked(&mut future) };
    if let Poll::Ready(output) = future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        return output;
    }
    park_until_ready(future)
}

/// Polls `future` until it is ready, sleeping on this thread's parker in
/// between; while asleep the thread is listed for dumps, with what the
/// future waits on (`blocked_threads`).
fn park_until_ready<F: Future>(mut future: Pin<&mut F>) -> F::Output {
    with_thread_parker(|thread| {
        let _recording = Recording::start(thread);
        loop {
            if let Poll::Ready(output) = thread.poll(future.as_mut()) {
                return output;
            }
            thread.sleep();
        }
    })
}
