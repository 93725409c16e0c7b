//! Handle identity and weak senders: [`Sender::same_channel`],
//! [`Receiver::same_channel`], [`Sender::downgrade`] and [`WeakSender`].
//!
//! A [`WeakSender`] holds the channel's allocation but is not counted in
//! its `senders` count, so it does not keep the channel open: when the
//! last `Sender` goes, the channel closes as usual.
//! [`WeakSender::upgrade`] makes a `Sender` only while the count is
//! positive, by a compare-and-swap loop that never moves it up from 0.
//! Once the count has reached 0 it never leaves it (every other increment
//! is a `Sender::clone`, made from a live sender), so `upgrade` returns
//! `None` from then on, and the channel, closed by the last sender, is
//! never reopened.

use std::fmt;

use super::{Channel, Receiver, Sender};
use crate::sync::Arc;

/// A sender that does not keep its channel open. Upgrade it to send.
///
/// Made by [`Sender::downgrade`]. Clone, `Send` and `Sync` like `Sender`.
///
/// ```
/// use hoare::chan;
///
/// let (tx, rx) = chan::unbounded::<u8>();
/// let weak: chan::WeakSender<u8> = tx.downgrade();
/// weak.upgrade().unwrap().try_send(1).unwrap();
/// drop(tx); // the last Sender: the channel closes
/// assert!(weak.upgrade().is_none());
/// assert_eq!(rx.try_recv(), Ok(1));
/// assert!(rx.try_recv().unwrap_err().is_closed());
/// ```
pub struct WeakSender<T> {
    shared: Arc<super::Channel<T>>,
}

impl<T> Sender<T> {
    /// Whether `self` and `other` send on the same channel.
    ///
    /// ```
    /// let (tx, _rx) = hoare::chan::bounded::<u8>(1);
    /// let (other, _other_rx) = hoare::chan::bounded::<u8>(1);
    /// assert!(tx.same_channel(&tx.clone()));
    /// assert!(!tx.same_channel(&other));
    /// ```
    pub fn same_channel(&self, other: &Sender<T>) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }

    /// A [`WeakSender`] for this channel, which does not keep it open.
    ///
    /// ```
    /// let (tx, _rx) = hoare::chan::bounded::<u8>(1);
    /// let weak = tx.downgrade();
    /// assert!(weak.upgrade().unwrap().same_channel(&tx));
    /// ```
    pub fn downgrade(&self) -> WeakSender<T> {
        WeakSender {
            shared: self.shared.clone(),
        }
    }
}

impl<T> Receiver<T> {
    /// Whether `self` and `other` receive from the same channel.
    ///
    /// ```
    /// let (_tx, rx) = hoare::chan::unbounded::<u8>();
    /// let (_other_tx, other) = hoare::chan::unbounded::<u8>();
    /// assert!(rx.same_channel(&rx.clone()));
    /// assert!(!rx.same_channel(&other));
    /// ```
    pub fn same_channel(&self, other: &Receiver<T>) -> bool {
        std::ptr::eq::<Channel<T>>(&*self.shared, &*other.shared)
    }
}

impl<T> WeakSender<T> {
    /// A `Sender` for the channel, or `None` once its last `Sender` is
    /// gone (the channel is then closed for good).
    ///
    /// ```
    /// let (tx, rx) = hoare::chan::bounded::<&str>(1);
    /// let weak = tx.downgrade();
    /// let strong = weak.upgrade().expect("tx is alive");
    /// drop(tx);
    /// strong.try_send("still open").unwrap(); // `strong` keeps it open
    /// drop(strong);
    /// assert!(weak.upgrade().is_none());
    /// assert_eq!(rx.try_recv(), Ok("still open"));
    /// ```
    pub fn upgrade(&self) -> Option<Sender<T>> {
        if !self.shared.handles.revive_sender() {
            return None;
        }
        Some(Sender {
            shared: self.shared.clone(),
        })
    }
}

impl<T> Clone for WeakSender<T> {
    fn clone(&self) -> Self {
        WeakSender {
            shared: self.shared.clone(),
        }
    }
}

impl<T> fmt::Debug for WeakSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeakSender")
            .field("flavour", &self.shared.flavour_name())
            .field("senders", &self.shared.handles.senders())
            .finish()
    }
}
