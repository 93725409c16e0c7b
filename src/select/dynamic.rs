//! The dynamic select: a set of operations built at run time.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::driver::{self, Arm, Arms, Waiting};
use crate::chan::operation::{RecvArm, SendArm};
use crate::chan::{Receiver, RecvError, SendError, Sender};

/// A selection over operations known only at run time (fan-in over a
/// `Vec<Receiver<T>>`, say), on channels of one message type. The same
/// rules as [`select!`](crate::select!) apply: exactly one operation
/// happens, ready operations are chosen uniformly at random (or in the
/// order added, with [`Select::biased`]), and waiting is cancellation-safe.
///
/// ```
/// use hoare::chan;
/// use hoare::select::{Select, Selected};
///
/// let channels: Vec<_> = (0..4).map(|_| chan::bounded::<u32>(1)).collect();
/// channels[2].0.try_send(42).unwrap();
/// let mut sel = Select::new();
/// for (_, rx) in &channels {
///     sel.recv(rx);
/// }
/// let (index, op) = hoare::block_on(sel.select());
/// assert_eq!(index, 2);
/// assert!(matches!(op, Selected::Recv(Ok(42))));
/// ```
pub struct Select<'a, T> {
    arms: Vec<DynamicArm<'a, T>>,
    biased: bool,
}

/// The outcome of the operation a [`Select`] chose.
pub enum Selected<T> {
    /// A receive completed: the message, or `Err` if the channel is closed.
    Recv(Result<T, RecvError>),
    /// A send completed: `Ok`, or `Err` with the value if the channel is closed.
    Send(Result<(), SendError<T>>),
}

impl<T> fmt::Debug for Selected<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Selected::Recv(Ok(_)) => f.write_str("Recv(Ok(..))"),
            Selected::Recv(Err(error)) => write!(f, "Recv(Err({error:?}))"),
            Selected::Send(Ok(())) => f.write_str("Send(Ok(()))"),
            Selected::Send(Err(error)) => write!(f, "Send(Err({error:?}))"),
        }
    }
}

enum DynamicArm<'a, T> {
    Recv(RecvArm<'a, T>),
    Send(SendArm<'a, T>),
}

impl<T> DynamicArm<'_, T> {
    fn arm(&mut self) -> &mut dyn Arm {
        match self {
            DynamicArm::Recv(arm) => arm,
            DynamicArm::Send(arm) => arm,
        }
    }

    fn arm_ref(&self) -> &dyn Arm {
        match self {
            DynamicArm::Recv(arm) => arm,
            DynamicArm::Send(arm) => arm,
        }
    }

    fn take_selected(&mut self) -> Selected<T> {
        const NO_RESULT: &str = "hoare: a select operation completed without a result";
        match self {
            DynamicArm::Recv(arm) => Selected::Recv(arm.take_result().expect(NO_RESULT)),
            DynamicArm::Send(arm) => Selected::Send(arm.take_result().expect(NO_RESULT)),
        }
    }
}

impl<T> Arms for [DynamicArm<'_, T>] {
    fn count(&self) -> usize {
        self.len()
    }
    fn arm(&mut self, index: usize) -> &mut dyn Arm {
        self[index].arm()
    }
    fn arm_ref(&self, index: usize) -> &dyn Arm {
        self[index].arm_ref()
    }
}

impl<'a, T> Select<'a, T> {
    /// An empty selection (choosing at random among ready operations).
    pub fn new() -> Self {
        Select {
            arms: Vec::new(),
            biased: false,
        }
    }

    /// Chooses among ready operations in the order they were added
    /// (occam's `PRI ALT`) instead of at random.
    pub fn biased(mut self) -> Self {
        self.biased = true;
        self
    }

    /// Adds a receive on `receiver`; returns the operation's index.
    pub fn recv(&mut self, receiver: &'a Receiver<T>) -> usize {
        self.arms
            .push(DynamicArm::Recv(RecvArm::new(Some(receiver.shared()))));
        self.arms.len() - 1
    }

    /// Adds a send of `value` on `sender`; returns the operation's index.
    pub fn send(&mut self, sender: &'a Sender<T>, value: T) -> usize {
        self.arms.push(DynamicArm::Send(SendArm::new(
            Some(sender.shared()),
            Some(value),
        )));
        self.arms.len() - 1
    }

    /// Completes a ready operation without waiting, or `None` if (at some
    /// instant during the call) none was ready. Unsent values stay in the
    /// selection for a later try or [`Select::select`]; an operation that
    /// completed is not tried again.
    pub fn try_select(&mut self) -> Option<(usize, Selected<T>)> {
        let index = driver::select_now(&mut self.arms[..], self.biased)?;
        let selected = self.arms[index].take_selected();
        // A completed receive must not run again.
        if let DynamicArm::Recv(_) = self.arms[index] {
            self.arms[index] = DynamicArm::Recv(RecvArm::new(None));
        }
        Some((index, selected))
    }

    /// Waits until one operation completes; its index and outcome. With
    /// no operation, waits forever (like Go's `select {}`). Unsent values
    /// of the other operations are dropped.
    pub fn select(self) -> SelectFuture<'a, T> {
        SelectFuture {
            select: self,
            waiting: Waiting::new(),
        }
    }
}

impl<T> Default for Select<'_, T> {
    fn default() -> Self {
        Select::new()
    }
}

impl<T> fmt::Debug for Select<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Select")
            .field("operations", &self.arms.len())
            .field("biased", &self.biased)
            .finish()
    }
}

/// The future of [`Select::select`].
#[must_use = "futures do nothing unless awaited"]
pub struct SelectFuture<'a, T> {
    select: Select<'a, T>,
    waiting: Waiting,
}

impl<T> Unpin for SelectFuture<'_, T> {}

impl<T> Future for SelectFuture<'_, T> {
    type Output = (usize, Selected<T>);

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let biased = this.select.biased;
        match driver::poll_select(&mut this.select.arms[..], &mut this.waiting, biased, cx) {
            Poll::Ready(index) => Poll::Ready((index, this.select.arms[index].take_selected())),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<T> Drop for SelectFuture<'_, T> {
    fn drop(&mut self) {
        driver::cancel(&mut self.select.arms[..], &mut self.waiting);
    }
}

impl<T> fmt::Debug for SelectFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SelectFuture")
            .field("select", &self.select)
            .finish()
    }
}
