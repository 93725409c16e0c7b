//! The receive of the blocking forms on the locked flavour: a plain
//! receive that keeps what it is handed.
//!
//! `recv_blocking` runs its receive to completion, and `recv_timeout` /
//! `recv_deadline`, at the deadline, take a value handed to it in that
//! instant and return it (the timeout lost the race) instead of giving it
//! back. Such a receive never drops a value it was handed, so a send on
//! a small buffered channel may complete it under the lock, value and
//! all ([`zero`](super::zero), "Hand-off to a blocking receive"): its
//! thread, once woken, returns without taking the lock again, and no
//! faster thread can take the value first. An async `recv` future may be
//! dropped holding a value, so it is only notified (see
//! `tests/chan_fifo_senders.rs` for why).

use std::future::Future;
use std::mem::ManuallyDrop;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::inline_waiter::{InlineWaiter, Observed};
use super::{drop_inline, poll_inline, rendezvous, Channel, Op, RecvError};

/// A receive on a locked-flavour channel (`bounded(0)` to `bounded(2)`)
/// that keeps what it is handed: the owner either polls it to completion
/// or calls [`KeepingRecv::withdraw`], which returns a value handed to it.
/// Its drop without that (an unwinding owner) drops such a value: it was
/// received.
pub(super) struct KeepingRecv<'a, T> {
    channel: &'a Channel<T>,
    /// Dropped by hand, after the channel forgets it (see `drop_inline`).
    waiter: ManuallyDrop<InlineWaiter<T>>,
}

impl<'a, T> KeepingRecv<'a, T> {
    /// A receive on `channel`, which must be of the locked flavour.
    pub(super) fn new(channel: &'a Channel<T>) -> Self {
        KeepingRecv {
            channel,
            waiter: ManuallyDrop::new(InlineWaiter::new(None)),
        }
    }

    /// Withdraws a pending receive (its deadline passed): the value a send
    /// handed it meanwhile, if one did, or `None`.
    pub(super) fn withdraw(self: Pin<&mut Self>) -> Option<T> {
        // SAFETY: nothing is moved out of the future: the waiter is used
        // where it lies.
        let this = unsafe { self.get_unchecked_mut() };
        // Touched for exploration, as in `drop_inline`.
        if this.waiter.observe() != Observed::Idle {
            this.channel.touch();
        }
        rendezvous(this.channel).cancel_recv(&this.waiter, true);
        if this.waiter.observe() != Observed::Done {
            return None;
        }
        // SAFETY: slot rule 1: observed `DONE` (Acquire); the waiter is in
        // no queue.
        let value = unsafe { this.waiter.take() };
        this.waiter.reset();
        value
    }
}

impl<T> Future for KeepingRecv<'_, T> {
    type Output = Result<T, RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: as in `withdraw`.
        let this = unsafe { self.get_unchecked_mut() };
        let waiter = &this.waiter;
        poll_inline(
            this.channel,
            rendezvous(this.channel),
            cx,
            Op::Recv,
            |zero, waker| {
                // SAFETY: `waiter` is pinned in this future, serves this
                // channel only, and `Drop` cancels it before freeing it.
                unsafe { zero.poll_recv(waiter, waker, true) }
            },
        )
    }
}

impl<T> Drop for KeepingRecv<'_, T> {
    fn drop(&mut self) {
        let channel = self.channel;
        drop_inline(channel, &mut self.waiter, |waiter| {
            rendezvous(channel).cancel_recv(waiter, true)
        });
    }
}
