//! Plumbing for runtime tests that do not depend on channels: a one-value
//! mailbox to pass tokens between processes, and a future that never ends.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

/// A one-value mailbox: `put` stores a value (the slot must be empty),
/// `take().await` waits for it. Just enough to pass tokens between
/// processes without the channel module.
#[derive(Clone, Default)]
pub struct Mailbox<T> {
    inner: Arc<Mutex<(Option<T>, Option<Waker>)>>,
}

impl<T> Mailbox<T> {
    pub fn new() -> Self {
        Mailbox {
            inner: Arc::new(Mutex::new((None, None))),
        }
    }

    pub fn put(&self, value: T) {
        let waker = {
            let mut inner = self.inner.lock().unwrap();
            assert!(inner.0.is_none(), "mailbox already full");
            inner.0 = Some(value);
            inner.1.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Whether a `take` is waiting (its waker is registered).
    pub fn has_waiter(&self) -> bool {
        self.inner.lock().unwrap().1.is_some()
    }

    pub fn take(&self) -> Take<'_, T> {
        Take { mailbox: self }
    }
}

pub struct Take<'a, T> {
    mailbox: &'a Mailbox<T>,
}

impl<T> Future for Take<'_, T> {
    type Output = T;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let mut inner = self.mailbox.inner.lock().unwrap();
        match inner.0.take() {
            Some(value) => Poll::Ready(value),
            None => {
                inner.1 = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

/// A future that never completes (and never registers a waker).
pub struct Never;

impl Future for Never {
    type Output = ();
    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        Poll::Pending
    }
}
