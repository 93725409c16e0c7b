//! Receiving in batches: [`Receiver::recv_many`] and
//! [`Receiver::try_recv_many`].
//!
//! A batch is one ordinary receive (which waits, with every guarantee of
//! `recv`) followed by `try_recv`s for whatever else is ready, so a batch
//! never holds a message anywhere but in `buf`: cancelling `recv_many`
//! while it waits loses nothing, and once it has a message it does not
//! wait again.

use std::future::Future;

use super::Receiver;

impl<T> Receiver<T> {
    /// Waits until at least one message is ready, then appends up to
    /// `limit` ready messages to `buf` and returns how many it appended.
    ///
    /// Returns 0 at once when `limit` is 0, and otherwise only when the
    /// channel is closed and drained. Cancellation-safe: dropping the
    /// future while it waits loses no message.
    ///
    /// ```
    /// hoare::run(async {
    ///     let (tx, rx) = hoare::chan::unbounded();
    ///     for i in 0..5 {
    ///         tx.send(i).await.unwrap();
    ///     }
    ///     drop(tx);
    ///     let mut buf = Vec::new();
    ///     assert_eq!(rx.recv_many(&mut buf, 3).await, 3);
    ///     assert_eq!(rx.recv_many(&mut buf, 3).await, 2);
    ///     assert_eq!(rx.recv_many(&mut buf, 3).await, 0); // closed and drained
    ///     assert_eq!(buf, [0, 1, 2, 3, 4]);
    /// });
    /// ```
    // The signature spells out the future's lifetime, as documented.
    #[allow(clippy::manual_async_fn)]
    pub fn recv_many<'a>(
        &'a self,
        buf: &'a mut Vec<T>,
        limit: usize,
    ) -> impl Future<Output = usize> + 'a {
        async move {
            if limit == 0 {
                return 0;
            }
            let Ok(first) = self.recv().await else {
                return 0;
            };
            buf.push(first);
            1 + self.try_recv_many(buf, limit - 1)
        }
    }

    /// Appends up to `limit` messages that are ready now to `buf` and
    /// returns how many it appended. Never waits.
    ///
    /// ```
    /// let (tx, rx) = hoare::chan::bounded(8);
    /// for i in 0..4 {
    ///     tx.try_send(i).unwrap();
    /// }
    /// let mut buf = vec![-1];
    /// assert_eq!(rx.try_recv_many(&mut buf, 3), 3);
    /// assert_eq!(rx.try_recv_many(&mut buf, 3), 1);
    /// assert_eq!(rx.try_recv_many(&mut buf, 3), 0);
    /// assert_eq!(buf, [-1, 0, 1, 2, 3]);
    /// ```
    pub fn try_recv_many(&self, buf: &mut Vec<T>, limit: usize) -> usize {
        let mut count = 0;
        while count < limit {
            match self.try_recv() {
                Ok(value) => buf.push(value),
                Err(_) => break,
            }
            count += 1;
        }
        count
    }
}
