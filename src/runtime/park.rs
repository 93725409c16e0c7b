//! Parking a thread until it is woken: the one blocking primitive.
//!
//! A [`Parker`] holds a `notified` flag under a mutex with a condition
//! variable. `unpark` sets the flag and signals; `park` waits until the
//! flag is set, then clears it. Setting the flag under the same lock the
//! parker checks it under is what rules out a lost wake-up: an `unpark`
//! that comes before `park` leaves the flag set, and `park` returns at once.
//!
//! `hoare::block_on` and the `_blocking` channel methods park on one of
//! these through a [`Waker`] built from it; the runtime's idle workers park
//! on their own.

use std::sync::Arc as StdArc;
use std::task::{Wake, Waker};
use std::time::Duration;

use crate::sync::{Arc, Condvar, Mutex};

/// A thread parker with a sticky wake-up token.
#[derive(Debug, Default)]
pub(crate) struct Parker {
    notified: Mutex<bool>,
    condvar: Condvar,
}

impl Parker {
    /// A parker with no pending wake-up.
    pub(crate) fn new() -> Self {
        Parker {
            notified: Mutex::new(false),
            condvar: Condvar::new(),
        }
    }

    /// Blocks until [`Parker::unpark`] has been called since the last
    /// return from `park` (returns at once if it already was).
    pub(crate) fn park(&self) {
        let mut notified = self.notified.lock();
        while !*notified {
            notified = self.condvar.wait(notified);
        }
        *notified = false;
    }

    /// Like [`Parker::park`], but returns after `timeout` at the latest.
    /// Returns whether it was woken (rather than timed out).
    pub(crate) fn park_timeout(&self, timeout: Duration) -> bool {
        let mut notified = self.notified.lock();
        if !*notified {
            notified = self.condvar.wait_for(notified, timeout);
        }
        std::mem::replace(&mut *notified, false)
    }

    /// Wakes the parked thread, or makes its next `park` return at once.
    pub(crate) fn unpark(&self) {
        let mut notified = self.notified.lock();
        if !*notified {
            *notified = true;
            drop(notified);
            self.condvar.notify_one();
        }
    }
}

/// A [`Waker`] that unparks one [`Parker`].
pub(crate) struct ParkWaker(pub(crate) Arc<Parker>);

impl Wake for ParkWaker {
    fn wake(self: StdArc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &StdArc<Self>) {
        self.0.unpark();
    }
}

/// A waker that unparks `parker`.
pub(crate) fn waker_for(parker: Arc<Parker>) -> Waker {
    Waker::from(StdArc::new(ParkWaker(parker)))
}
