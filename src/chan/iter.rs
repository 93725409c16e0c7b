//! The iterators over a [`Receiver`] besides [`Iter`](super::Iter):
//! [`TryIter`] (what is ready now) and [`IntoIter`] (blocking, by value).

use std::fmt;

use super::Receiver;
use crate::runtime::context::assert_may_block;

/// The iterator of [`Receiver::try_iter`]: yields the messages ready now,
/// then `None`. It never waits.
///
/// ```
/// let (tx, rx) = hoare::chan::unbounded();
/// tx.try_send(1).unwrap();
/// tx.try_send(2).unwrap();
/// let ready: hoare::chan::TryIter<'_, i32> = rx.try_iter();
/// assert_eq!(ready.collect::<Vec<_>>(), [1, 2]);
/// ```
pub struct TryIter<'a, T> {
    receiver: &'a Receiver<T>,
}

impl<T> Iterator for TryIter<'_, T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        self.receiver.try_recv().ok()
    }
}

impl<T> fmt::Debug for TryIter<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TryIter")
            .field("receiver", self.receiver)
            .finish()
    }
}

/// The blocking iterator of `Receiver::into_iter` (a `for` loop over a
/// `Receiver` by value): yields messages until the channel is closed and
/// empty, like [`Receiver::iter`].
///
/// ```
/// let (tx, rx) = hoare::chan::bounded(2);
/// std::thread::spawn(move || {
///     for word in ["a", "b", "c"] {
///         tx.send_blocking(word).unwrap();
///     }
/// });
/// let words: hoare::chan::IntoIter<&str> = rx.into_iter();
/// assert_eq!(words.collect::<Vec<_>>(), ["a", "b", "c"]);
/// ```
pub struct IntoIter<T> {
    receiver: Receiver<T>,
}

impl<T> Iterator for IntoIter<T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        self.receiver.recv_blocking().ok()
    }
}

impl<T> fmt::Debug for IntoIter<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IntoIter")
            .field("receiver", &self.receiver)
            .finish()
    }
}

impl<T> IntoIterator for Receiver<T> {
    type Item = T;
    type IntoIter = IntoIter<T>;

    /// A blocking iterator that owns the receiver.
    ///
    /// # Panics
    ///
    /// As [`Receiver::iter`]: from a hoare process on a runtime worker, or
    /// inside a simulation.
    #[track_caller]
    fn into_iter(self) -> IntoIter<T> {
        assert_may_block("Receiver::into_iter");
        IntoIter { receiver: self }
    }
}

impl<T> Receiver<T> {
    /// An iterator over the messages ready now: it yields them, then ends
    /// (at the first `try_recv` that finds nothing). It never waits, so it
    /// may be used anywhere, in processes too.
    ///
    /// ```
    /// let (tx, rx) = hoare::chan::bounded(4);
    /// for i in 0..3 {
    ///     tx.try_send(i).unwrap();
    /// }
    /// assert_eq!(rx.try_iter().sum::<i32>(), 3);
    /// assert_eq!(rx.try_iter().next(), None); // drained; tx is still open
    /// ```
    pub fn try_iter(&self) -> TryIter<'_, T> {
        TryIter { receiver: self }
    }
}
