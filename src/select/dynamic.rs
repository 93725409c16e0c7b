//! The dynamic select: a set of operations built at run time.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::chan::operation::{RecvArm, SendArm};
use crate::chan::selection::{self, Arm, Arms, Waiting};
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
///
/// ```
/// use hoare::chan;
/// use hoare::select::{Select, Selected};
///
/// let (tx, rx) = chan::bounded::<u8>(1);
/// let mut sel = Select::new();
/// sel.send(&tx, 1);
/// match hoare::block_on(sel.select()) {
///     (0, Selected::Send(Ok(()))) => assert_eq!(rx.try_recv(), Ok(1)),
///     other => panic!("unexpected {other:?}"),
/// }
/// ```
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
    ///
    /// ```
    /// let mut sel = hoare::select::Select::<u8>::new();
    /// assert!(sel.try_select().is_none()); // nothing to choose from
    /// ```
    pub fn new() -> Self {
        Select {
            arms: Vec::new(),
            biased: false,
        }
    }

    /// Chooses among ready operations in the order they were added
    /// (occam's `PRI ALT`) instead of at random.
    ///
    /// ```
    /// use hoare::chan;
    /// use hoare::select::Select;
    ///
    /// let (a_tx, a) = chan::bounded(1);
    /// let (b_tx, b) = chan::bounded(1);
    /// a_tx.try_send("a").unwrap();
    /// b_tx.try_send("b").unwrap();
    /// let mut sel = Select::new().biased();
    /// sel.recv(&a);
    /// sel.recv(&b);
    /// // Both are ready; the first added wins.
    /// assert_eq!(sel.try_select().map(|(index, _)| index), Some(0));
    /// ```
    pub fn biased(mut self) -> Self {
        self.biased = true;
        self
    }

    /// Adds a receive on `receiver`; returns the operation's index.
    ///
    /// ```
    /// use hoare::select::{Select, Selected};
    ///
    /// let (tx, rx) = hoare::chan::bounded(1);
    /// tx.try_send(5).unwrap();
    /// let mut sel = Select::new();
    /// let index = sel.recv(&rx);
    /// let (chosen, op) = sel.try_select().unwrap();
    /// assert_eq!(chosen, index);
    /// assert!(matches!(op, Selected::Recv(Ok(5))));
    /// ```
    pub fn recv(&mut self, receiver: &'a Receiver<T>) -> usize {
        self.arms
            .push(DynamicArm::Recv(RecvArm::new(Some(receiver.shared()))));
        self.arms.len() - 1
    }

    /// Adds a send of `value` on `sender`; returns the operation's index.
    ///
    /// ```
    /// use hoare::select::Select;
    ///
    /// let (full_tx, _full_rx) = hoare::chan::bounded(1);
    /// full_tx.try_send(0).unwrap();
    /// let (free_tx, free_rx) = hoare::chan::bounded(1);
    /// let mut sel = Select::new();
    /// sel.send(&full_tx, 1);
    /// let free = sel.send(&free_tx, 2);
    /// assert_eq!(sel.try_select().map(|(index, _)| index), Some(free));
    /// assert_eq!(free_rx.try_recv(), Ok(2));
    /// ```
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
    ///
    /// ```
    /// use hoare::select::Select;
    ///
    /// let (tx, rx) = hoare::chan::bounded::<u8>(1);
    /// let mut sel = Select::new();
    /// sel.recv(&rx);
    /// assert!(sel.try_select().is_none());
    /// tx.try_send(1).unwrap();
    /// assert!(sel.try_select().is_some());
    /// ```
    pub fn try_select(&mut self) -> Option<(usize, Selected<T>)> {
        let index = selection::select_now(&mut self.arms[..], self.biased)?;
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
    ///
    /// ```
    /// use hoare::select::{Select, Selected};
    ///
    /// hoare::run(async {
    ///     let (tx, rx) = hoare::chan::bounded(0);
    ///     hoare::spawn(async move { tx.send('!').await.unwrap() });
    ///     let mut sel = Select::new();
    ///     sel.recv(&rx);
    ///     let (_, op) = sel.select().await; // waits for the process
    ///     assert!(matches!(op, Selected::Recv(Ok('!'))));
    /// });
    /// ```
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

/// The future of [`Select::select`]: resolves to the index of the
/// operation that happened and its outcome. Dropping it before then
/// withdraws every operation (nothing is taken or sent).
///
/// ```
/// use hoare::select::{Select, SelectFuture};
///
/// let (tx, rx) = hoare::chan::bounded(1);
/// tx.try_send(3).unwrap();
/// let mut sel = Select::new();
/// sel.recv(&rx);
/// let future: SelectFuture<'_, i32> = sel.select();
/// assert_eq!(hoare::block_on(future).0, 0);
/// ```
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
        match selection::poll_select(
            &mut this.select.arms[..],
            &mut this.waiting,
            biased,
            true,
            &mut false,
            cx,
        ) {
            Poll::Ready(index) => Poll::Ready((index, this.select.arms[index].take_selected())),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<T> Drop for SelectFuture<'_, T> {
    fn drop(&mut self) {
        selection::cancel(&mut self.select.arms[..], &mut self.waiting);
    }
}

impl<T> fmt::Debug for SelectFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SelectFuture")
            .field("select", &self.select)
            .finish()
    }
}
