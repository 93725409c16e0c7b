//! A `join` arm: "a process finished" as an operation of a selection.
//!
//! `select! { join(handle) -> result => .. }` races a process's end
//! against channels and timers, with every rule of a select: exactly one
//! arm happens, and an arm not chosen has no effect, so a `JoinHandle`
//! whose arm lost still gives its result later.
//!
//! The arm is ready once the process has finished (completed, panicked or
//! been cancelled); its readiness never goes back, which is why a constant
//! version serves the double collect of `default`. To wait, the arm leaves
//! a waker in the handle's join-waker slot that selects the selection's
//! token for this arm and wakes its owner; the output is taken only by the
//! arm that was chosen, when it finishes.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc as StdArc;
use std::task::{Context, Poll, Wake, Waker};

use crate::chan::selection::Arm;
use crate::chan::waiter::Token;
use crate::runtime::wait::Wait;
use crate::runtime::{JoinError, JoinHandle};
use crate::sync::Arc;

/// Waits for one process to finish.
pub struct JoinArm<'a, T> {
    /// `None`: the arm is guarded off.
    handle: Option<&'a mut JoinHandle<T>>,
    /// A completion waker is in the handle's slot.
    registered: bool,
    result: Option<Result<T, JoinError>>,
}

impl<'a, T> JoinArm<'a, T> {
    /// An arm on `handle`, or a disabled arm for `None`.
    pub(crate) fn new(handle: Option<&'a mut JoinHandle<T>>) -> Self {
        JoinArm {
            handle,
            registered: false,
            result: None,
        }
    }

    /// The result, once the arm completed.
    pub fn take_result(&mut self) -> Option<Result<T, JoinError>> {
        self.result.take()
    }

    fn handle(&mut self) -> &mut JoinHandle<T> {
        self.handle
            .as_deref_mut()
            .expect("hoare: a disabled select arm was driven")
    }
}

/// The waker a waiting `join` arm leaves with its process: on completion
/// it claims the selection's token for the arm and wakes the owner.
struct CompletionWaker {
    token: Arc<Token>,
    index: usize,
}

impl Wake for CompletionWaker {
    fn wake(self: StdArc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &StdArc<Self>) {
        if self.token.try_select(self.index) {
            self.token.wake();
        }
    }
}

impl<T> Arm for JoinArm<'_, T> {
    fn enabled(&self) -> bool {
        self.handle.is_some()
    }

    fn attempt(&mut self) -> bool {
        let Some(handle) = self.handle.as_deref_mut() else {
            return false;
        };
        if !handle.is_finished() {
            return false;
        }
        // Finished: the poll reads the output at once (and panics, saying
        // so, if the handle already returned it).
        let mut cx = Context::from_waker(Waker::noop());
        match Future::poll(Pin::new(handle), &mut cx) {
            Poll::Ready(result) => {
                self.result = Some(result);
                true
            }
            Poll::Pending => false,
        }
    }

    fn version(&self) -> (usize, usize) {
        // Readiness only ever turns on: a "not finished" seen by the try
        // pass held at that instant, whatever the versions say.
        (0, 0)
    }

    fn register(&mut self, token: &Arc<Token>, index: usize) -> bool {
        let waker = Waker::from(StdArc::new(CompletionWaker {
            token: token.clone(),
            index,
        }));
        self.registered = self.handle().wake_on_completion(&waker);
        self.registered
    }

    fn unregister(&mut self, _token: &Token) {
        if std::mem::take(&mut self.registered) {
            self.handle().forget_waker();
        }
    }

    fn finish(&mut self) -> bool {
        // Selected by the completion waker: the process has finished.
        self.registered = false;
        self.attempt()
    }

    fn pass_on(&mut self) {
        // Nothing was consumed: the handle still holds the output.
        self.registered = false;
    }

    fn discard(&mut self) {}

    fn wait(&self) -> Option<Wait> {
        Some(Wait::Join {
            process: self.handle.as_ref()?.id(),
        })
    }
}
