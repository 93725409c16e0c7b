//! `Runtime::block_on`: the caller's thread runs the main future, and
//! the processes that the main future wakes.
//!
//! The calling thread is not a worker, but like Go's main goroutine it
//! hands off to the processes it talks to on its own thread: a process
//! woken while the main future is polled lands in this thread's LIFO slot
//! and is run here as soon as the main future returns `Pending`, also when
//! it returned `Pending` only to yield for its budget (up to
//! [`LIFO_CAP`](super::scheduler::worker::LIFO_CAP) in a row; then it goes to the
//! injection queue). So a main future that sends to a process and awaits
//! its reply does both halves on one core, without waking a worker.
//!
//! Before the thread parks (nothing left to run and the main future not
//! woken) or leaves, its LIFO slot is moved to the injection queue, so no
//! woken process is stranded. The main future itself never leaves this
//! thread, so it need not be `Send`. It is polled with blocking allowed;
//! the processes run here are polled with blocking forbidden, as on a
//! worker.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc as StdArc;
use std::task::{Context, Poll, Wake, Waker};

use super::budget;
use super::coarse_clock;
use super::context::ForbidBlocking;
use super::context::{self, ThreadContext};
use super::park::Parker;
use super::scheduler::worker::LIFO_CAP;
use super::scheduler::Scheduler;
use crate::sync::atomic::{AtomicBool, Ordering};
use crate::sync::Arc;

/// How the main future's waker reaches the `block_on` thread.
struct MainSignal {
    /// Set by a wake, cleared just before the main future is polled.
    woken: AtomicBool,
    parker: Parker,
}

impl MainSignal {
    fn wake(&self) {
        // AcqRel: Release publishes the waker's writes to the main thread
        // (Acquire in `take_woken`); only the first wake unparks.
        if !self.woken.swap(true, Ordering::AcqRel) {
            self.parker.unpark();
        }
    }

    fn take_woken(&self) -> bool {
        // Acquire: pairs with the Release in `wake`.
        self.woken.swap(false, Ordering::Acquire)
    }

    fn is_woken(&self) -> bool {
        // Acquire: pairs with the Release in `wake`.
        self.woken.load(Ordering::Acquire)
    }
}

struct MainWaker(Arc<MainSignal>);

impl Wake for MainWaker {
    fn wake(self: StdArc<Self>) {
        self.0.wake();
    }

    fn wake_by_ref(self: &StdArc<Self>) {
        self.0.wake();
    }
}

/// Runs `future` to completion on this thread as `shared`'s main future.
pub(crate) fn drive_main_future<F: Future>(shared: &Arc<Scheduler>, future: F) -> F::Output {
    let cx = ThreadContext::block_on_caller(shared.clone());
    let _entered = context::enter(&cx);
    let signal = Arc::new(MainSignal {
        woken: AtomicBool::new(true),
        parker: Parker::new(),
    });
    let waker = Waker::from(StdArc::new(MainWaker(signal.clone())));
    let mut task_cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    coarse_clock::refresh();
    loop {
        if signal.take_woken() {
            let polled = {
                let _allow = ForbidBlocking::allow();
                budget::with_budget(|| future.as_mut().poll(&mut task_cx))
            };
            if let Poll::Ready(output) = polled {
                cx.flush_lifo();
                return output;
            }
        }
        run_woken_processes(&cx, &signal);
        if !signal.is_woken() {
            cx.flush_lifo();
            signal.parker.park_spinning();
            coarse_clock::refresh();
        }
    }
}

/// Runs the processes the main future (and they in turn) woke, until the
/// main future is woken, the slot is empty, or the cap is reached.
///
/// The first runs even if the main future is woken already: a main future
/// that yields for its budget wakes itself, and a process it woke would
/// otherwise wait in this thread's LIFO slot, where no worker sees it,
/// until the main future waits for real (which one that keeps sending on
/// an unbounded channel may never do).
fn run_woken_processes(cx: &ThreadContext, signal: &MainSignal) {
    let mut runs = 0;
    loop {
        let Some(task) = cx.take_lifo() else { return };
        if runs == LIFO_CAP {
            cx.shared.schedule_remote(task);
            return;
        }
        runs += 1;
        cx.shared.progress.other_ran();
        context::run_process(task);
        if signal.is_woken() {
            return;
        }
    }
}
