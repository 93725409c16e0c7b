//! The timed blocking forms: `send_timeout`, `send_deadline`,
//! `recv_timeout`, `recv_deadline`.
//!
//! Each is the plain async operation driven by the
//! thread's parker, exactly as `send_blocking` and `recv_blocking` are,
//! except that the parker sleeps at most until the deadline
//! (`Parker::park_timeout`).
//!
//! # Exactness
//!
//! * The operation is tried before the clock is read, so a ready channel
//!   (or a closed one) answers even with a deadline in the past.
//! * `Timeout` is returned only after a poll made once the deadline had
//!   passed still found the operation pending: never early.
//! * On timeout the waiting operation is withdrawn through the normal
//!   cancel path (the future's withdrawal: on a rendezvous channel its
//!   inline waiter is unlinked under the channel's lock, elsewhere
//!   `selection::cancel` makes one transition of the operation's token),
//!   which decides whether a counterpart got there first. A send
//!   whose value a receiver took in that instant (a rendezvous hand-off,
//!   or a value moved into a freed slot of a bounded ring) has been sent:
//!   the arm no longer holds the value and the call returns `Ok(())`. A
//!   send that still holds its value returns `Timeout(value)`: it was not
//!   sent. On `bounded(0)` to `bounded(2)` a receive that was handed a
//!   value in that instant returns it, `Ok(value)`: the timeout lost the
//!   race (`chan::keeping`; this lets sends hand values to blocking
//!   receives). On larger and unbounded channels a receive woken in that
//!   instant passes the wake-up on, so nothing is lost.
//!
//! Like the other blocking methods, these are refused (with a panic that
//! points to the async form) inside a process on a runtime worker and in
//! a simulation.

use std::future::Future;
use std::pin::{pin, Pin};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use super::error::{RecvError, RecvTimeoutError, SendTimeoutError};
use super::keeping::KeepingRecv;
use super::{Flavour, Receiver, SendFuture, Sender};
use crate::runtime::blocked_threads::Recording;
use crate::runtime::context::assert_may_block;
use crate::runtime::context::enter_blocking_region;
use crate::runtime::park::with_thread_parker;

/// Polls `future` until it completes or `deadline` (if any) has passed.
/// `None` when a poll after the deadline still found it pending; the
/// caller then withdraws it. The first poll uses a no-op waker, so an
/// operation that completes at once never touches a parker (as in
/// `run_parked_operation`); a registration made with it is re-made with
/// the real waker on the next poll, which re-checks the channel.
fn poll_until<F: Future>(mut future: Pin<&mut F>, deadline: Option<Instant>) -> Option<F::Output> {
    if let Poll::Ready(output) = future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        return Some(output);
    }
    with_thread_parker(|thread| {
        let _recording = Recording::start(thread);
        loop {
            if let Poll::Ready(output) = thread.poll(future.as_mut()) {
                return Some(output);
            }
            match deadline {
                None => thread.sleep(),
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        return None;
                    }
                    thread.sleep_timeout(deadline - now);
                }
            }
        }
    })
}

/// `now + timeout`, or no deadline at all when that is beyond what an
/// `Instant` can represent (the wait is then unbounded in practice).
fn deadline_after(timeout: Duration) -> Option<Instant> {
    Instant::now().checked_add(timeout)
}

impl<T> Sender<T> {
    /// Sends `value`, parking the calling OS thread until it is sent or
    /// `timeout` has passed.
    ///
    /// The send is tried first, so a channel with room (or closed) answers
    /// at once whatever the timeout. `Err(Timeout(value))` means the value
    /// was **not** sent; `Ok(())` means it was, even if that happened as
    /// the time ran out.
    ///
    /// # Panics
    ///
    /// When called from a hoare process on a runtime worker, or inside a
    /// simulation: use `send(value).await` there (with a select on
    /// `time::after` for a deadline).
    ///
    /// ```
    /// use std::time::Duration;
    /// use hoare::chan::{self, SendTimeoutError};
    ///
    /// let (tx, rx) = chan::bounded(0); // rendezvous: nobody receives yet
    /// let err = tx.send_timeout("late", Duration::from_millis(10)).unwrap_err();
    /// assert_eq!(err, SendTimeoutError::Timeout("late"));
    /// let consumer = std::thread::spawn(move || rx.recv_blocking());
    /// assert_eq!(tx.send_timeout("met", Duration::from_secs(10)), Ok(()));
    /// assert_eq!(consumer.join().unwrap(), Ok("met"));
    /// ```
    #[track_caller]
    pub fn send_timeout(&self, value: T, timeout: Duration) -> Result<(), SendTimeoutError<T>> {
        assert_may_block("Sender::send_timeout");
        self.send_until(value, deadline_after(timeout))
    }

    /// Sends `value`, parking the calling OS thread until it is sent or
    /// the clock reaches `deadline`. See [`Sender::send_timeout`].
    ///
    /// # Panics
    ///
    /// As [`Sender::send_timeout`].
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// use hoare::chan::{self, SendTimeoutError};
    ///
    /// let (tx, rx) = chan::bounded(1);
    /// // The send is tried before the clock: a past deadline still sends
    /// // when there is room.
    /// assert_eq!(tx.send_deadline(1, Instant::now()), Ok(()));
    /// let deadline = Instant::now() + Duration::from_millis(10);
    /// assert_eq!(tx.send_deadline(2, deadline), Err(SendTimeoutError::Timeout(2)));
    /// assert!(Instant::now() >= deadline);
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// ```
    #[track_caller]
    pub fn send_deadline(&self, value: T, deadline: Instant) -> Result<(), SendTimeoutError<T>> {
        assert_may_block("Sender::send_deadline");
        self.send_until(value, Some(deadline))
    }

    fn send_until(&self, value: T, deadline: Option<Instant>) -> Result<(), SendTimeoutError<T>> {
        // As in `send_blocking`: wakes go to the workers while we block.
        let _region = enter_blocking_region();
        let value = match self.shared.spin_send(value) {
            Ok(outcome) => return outcome.map_err(SendTimeoutError::from),
            Err(value) => value,
        };
        let mut future = pin!(self.send(value));
        if let Some(outcome) = poll_until(future.as_mut(), deadline) {
            return outcome.map_err(SendTimeoutError::from);
        }
        withdraw_send(future.as_mut())
    }
}

/// The deadline of a pending send passed: withdraws it. Whether a receiver
/// took the value meanwhile is decided by the withdrawal (module docs):
/// `Ok(())` if it did (the value was sent), else the value back.
fn withdraw_send<T>(mut future: Pin<&mut SendFuture<'_, T>>) -> Result<(), SendTimeoutError<T>> {
    match future.as_mut().withdraw() {
        Some(value) if future.is_closed() => Err(SendTimeoutError::Closed(value)),
        Some(value) => Err(SendTimeoutError::Timeout(value)),
        None => Ok(()),
    }
}

impl<T> Receiver<T> {
    /// Receives a message, parking the calling OS thread until one is
    /// available or `timeout` has passed.
    ///
    /// The receive is tried first, so a buffered message (or a closed,
    /// drained channel) answers at once whatever the timeout. A message
    /// handed to the waiting receive as the time runs out is returned,
    /// `Ok`: `Timeout` means nothing was received.
    ///
    /// # Panics
    ///
    /// When called from a hoare process on a runtime worker, or inside a
    /// simulation: use `recv().await` there (with a select on
    /// `time::after` for a deadline).
    ///
    /// ```
    /// use std::time::Duration;
    /// use hoare::chan::{self, RecvTimeoutError};
    ///
    /// let (tx, rx) = chan::bounded(1);
    /// assert_eq!(rx.recv_timeout(Duration::from_millis(10)), Err(RecvTimeoutError::Timeout));
    /// std::thread::spawn(move || tx.send_blocking(7).unwrap());
    /// assert_eq!(rx.recv_timeout(Duration::from_secs(10)), Ok(7));
    /// ```
    #[track_caller]
    pub fn recv_timeout(&self, timeout: Duration) -> Result<T, RecvTimeoutError> {
        assert_may_block("Receiver::recv_timeout");
        self.recv_until(deadline_after(timeout))
    }

    /// Receives a message, parking the calling OS thread until one is
    /// available or the clock reaches `deadline`. See
    /// [`Receiver::recv_timeout`].
    ///
    /// # Panics
    ///
    /// As [`Receiver::recv_timeout`].
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// use hoare::chan::{self, RecvTimeoutError};
    ///
    /// let (tx, rx) = chan::unbounded();
    /// tx.try_send("ready").unwrap();
    /// assert_eq!(rx.recv_deadline(Instant::now()), Ok("ready")); // tried first
    /// let deadline = Instant::now() + Duration::from_millis(10);
    /// assert_eq!(rx.recv_deadline(deadline), Err(RecvTimeoutError::Timeout));
    /// assert!(Instant::now() >= deadline);
    /// ```
    #[track_caller]
    pub fn recv_deadline(&self, deadline: Instant) -> Result<T, RecvTimeoutError> {
        assert_may_block("Receiver::recv_deadline");
        self.recv_until(Some(deadline))
    }

    fn recv_until(&self, deadline: Option<Instant>) -> Result<T, RecvTimeoutError> {
        let _region = enter_blocking_region();
        if let Some(outcome) = self.shared.spin_recv() {
            return outcome.map_err(RecvTimeoutError::from);
        }
        let outcome = match self.shared.flavour {
            Flavour::Zero(_) => {
                let mut future = pin!(KeepingRecv::new(&self.shared));
                // At the deadline, a value handed to the receive in that
                // instant is received: the timeout lost the race.
                poll_until(future.as_mut(), deadline).or_else(|| future.withdraw().map(Ok))
            }
            // Dropping the pending future withdraws it; a value handed to
            // it meanwhile is passed on, never lost.
            _ => poll_until(pin!(self.recv()), deadline),
        };
        match outcome {
            Some(outcome) => outcome.map_err(|RecvError| RecvTimeoutError::Closed),
            None => Err(RecvTimeoutError::Timeout),
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use std::pin::Pin;
    use std::task::{Context, Poll, Waker};

    use super::*;
    use crate::chan;

    /// Polls `future` once; it must be pending (registered).
    fn register<T>(future: Pin<&mut SendFuture<'_, T>>) {
        let poll = future.poll(&mut Context::from_waker(Waker::noop()));
        assert!(matches!(poll, Poll::Pending), "the send should wait");
    }

    #[test]
    fn a_rendezvous_send_taken_as_its_deadline_passes_reports_ok() {
        let (tx, rx) = chan::bounded(0);
        let mut send = Box::pin(tx.send(7));
        register(send.as_mut());
        // A receiver takes the value from the waiting send...
        assert_eq!(rx.try_recv(), Ok(7));
        // ... in the instant before the timed-out send withdraws.
        assert_eq!(withdraw_send(send.as_mut()), Ok(()));
    }

    #[test]
    fn a_bounded_send_moved_into_a_freed_slot_as_its_deadline_passes_reports_ok() {
        let (tx, rx) = chan::bounded(1);
        tx.try_send(1).unwrap();
        let mut send = Box::pin(tx.send(2));
        register(send.as_mut());
        // The receive frees the slot and moves the waiting value into it.
        assert_eq!(rx.try_recv(), Ok(1));
        assert_eq!(withdraw_send(send.as_mut()), Ok(()));
        assert_eq!(rx.try_recv(), Ok(2));
    }

    #[test]
    fn a_send_nobody_took_reports_timeout_with_its_value_and_sends_nothing() {
        for cap in [0, 1] {
            let (tx, rx) = chan::bounded(cap);
            for i in 0..cap {
                tx.try_send(i).unwrap();
            }
            let mut send = Box::pin(tx.send(9));
            register(send.as_mut());
            assert_eq!(
                withdraw_send(send.as_mut()),
                Err(SendTimeoutError::Timeout(9))
            );
            drop(send);
            assert_eq!(
                rx.try_iter().collect::<Vec<_>>(),
                (0..cap).collect::<Vec<_>>()
            );
        }
    }

    #[test]
    fn a_receive_handed_a_value_as_its_deadline_passes_returns_it() {
        for cap in [0, 1, 2] {
            let (tx, rx) = chan::bounded(cap);
            let mut recv = Box::pin(KeepingRecv::new(&rx.shared));
            let poll = recv.as_mut().poll(&mut Context::from_waker(Waker::noop()));
            assert!(matches!(poll, Poll::Pending), "the receive should wait");
            // A send hands its value to the waiting receive...
            tx.try_send(5).unwrap();
            // ... in the instant before the timed-out receive withdraws.
            assert_eq!(recv.as_mut().withdraw(), Some(5), "bounded({cap})");
            drop(recv);
            assert!(rx.is_empty(), "bounded({cap}): nothing was given back");
        }
    }

    #[test]
    fn a_receive_nobody_handed_a_value_withdraws_with_nothing() {
        let (tx, rx) = chan::bounded::<u8>(1);
        let mut recv = Box::pin(KeepingRecv::new(&rx.shared));
        let poll = recv.as_mut().poll(&mut Context::from_waker(Waker::noop()));
        assert!(matches!(poll, Poll::Pending), "the receive should wait");
        assert_eq!(recv.as_mut().withdraw(), None);
        drop(recv);
        // Withdrawn: the next value stays buffered for the next receive.
        tx.try_send(6).unwrap();
        assert_eq!(rx.try_recv(), Ok(6));
    }

    #[test]
    fn a_send_woken_by_a_close_as_its_deadline_passes_reports_closed() {
        let (tx, rx) = chan::bounded(0);
        let mut send = Box::pin(tx.send(3));
        register(send.as_mut());
        rx.close();
        assert_eq!(
            withdraw_send(send.as_mut()),
            Err(SendTimeoutError::Closed(3))
        );
    }
}
