//! `hoare::yield_now`: let the other processes run.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Gives up the worker once: the process goes to the **back** of its
/// worker's run queue (not to the LIFO slot), so every other runnable
/// process on that worker runs before it resumes. In the future given to
/// `hoare::run`, it lets the processes that future woke run first.
///
/// ```
/// hoare::run(async {
///     hoare::yield_now().await;
/// });
/// ```
pub async fn yield_now() {
    YieldNow { yielded: false }.await
}

struct YieldNow {
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        // A process woken while it runs is queued at the back when its poll
        // returns (see `task/raw.rs`), which is exactly a yield.
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
