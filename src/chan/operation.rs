//! Channel operations as select arms: the glue between the flavours and
//! the wait engine.
//!
//! [`RecvArm`] and [`SendArm`] implement the engine's [`Arm`] for one
//! channel of any flavour; the receiver's stream is a one-arm selection
//! built from a [`RecvArm`]. The plain `recv`/`send` futures and their
//! blocking forms wait inline instead (`inline_waiter`), and the
//! flavours serve both kinds of waiter side by side.
//!
//! Each flavour holds its own arm protocol (register, withdraw, finish,
//! pass on), in the "arm protocol" section of `zero.rs`, `array.rs` and
//! `list.rs`; this file keeps an arm's state between polls and sends each
//! step to its flavour. The states are named by [`RecvWait`] and
//! [`SendState`].

use super::error::{RecvError, SendError, TryRecvError, TrySendError};
use super::selection::Arm;
use super::waiter::{Entry, Token};
use super::{Channel, Flavour};
use crate::runtime::wait::Wait;
use crate::sync::Arc;

/// Where a receive arm's registration stands between polls.
#[derive(Default)]
pub(crate) enum RecvWait<T> {
    /// Not registered anywhere.
    #[default]
    Idle,
    /// Registered on a rendezvous channel: the entry whose slot a sender
    /// fills.
    Slot(Arc<Entry<T>>),
    /// Registered on a buffered channel: a `Registration` of the token
    /// sits in the receivers' queue (it needs no slot).
    Queued,
}

/// Receives from one channel.
pub struct RecvArm<'a, T> {
    /// `None`: the arm is guarded off.
    channel: Option<&'a Channel<T>>,
    wait: RecvWait<T>,
    result: Option<Result<T, RecvError>>,
}

impl<'a, T> RecvArm<'a, T> {
    /// An arm on `channel`, or a disabled arm for `None`.
    pub(crate) fn new(channel: Option<&'a Channel<T>>) -> Self {
        RecvArm {
            channel,
            wait: RecvWait::Idle,
            result: None,
        }
    }

    /// Restores a registration kept between polls (the receiver's stream).
    pub(crate) fn with_wait(channel: &'a Channel<T>, wait: RecvWait<T>) -> Self {
        RecvArm {
            channel: Some(channel),
            wait,
            result: None,
        }
    }

    /// Gives up the registration to keep it between polls.
    pub(crate) fn into_wait(self) -> RecvWait<T> {
        self.wait
    }

    /// The result, once the arm completed.
    pub fn take_result(&mut self) -> Option<Result<T, RecvError>> {
        self.result.take()
    }

    /// The arm's channel. Its `Channel` methods tell a listening host that
    /// the step touched it; the arm protocol's steps that reach the flavour
    /// directly (register, withdraw, finish, pass on) say so themselves.
    #[inline]
    fn channel(&self) -> &'a Channel<T> {
        self.channel
            .expect("hoare: a disabled select arm was driven")
    }

    /// [`Self::channel`], noting the touch for a listening host.
    fn touched_channel(&self) -> &'a Channel<T> {
        let channel = self.channel();
        channel.touch();
        channel
    }
}

impl<T> Arm for RecvArm<'_, T> {
    fn enabled(&self) -> bool {
        self.channel.is_some()
    }

    #[inline(always)]
    fn attempt(&mut self) -> bool {
        let Some(channel) = self.channel else {
            return false;
        };
        match channel.try_recv() {
            Ok(value) => self.result = Some(Ok(value)),
            Err(TryRecvError::Closed) => self.result = Some(Err(RecvError)),
            Err(TryRecvError::Empty) => return false,
        }
        true
    }

    fn version(&self) -> (usize, usize) {
        self.channel().version()
    }

    fn register(&mut self, token: &Arc<Token>, index: usize) -> bool {
        let channel = self.touched_channel();
        channel.watch();
        let id = channel.id();
        self.wait = match &channel.flavour {
            Flavour::Zero(zero) => match zero.wait_recv(token, index, id) {
                Some(entry) => RecvWait::Slot(entry),
                None => RecvWait::Idle,
            },
            Flavour::Array(array) if array.wait_recv(token, index, id) => RecvWait::Queued,
            Flavour::List(list) if list.wait_recv(token, index, id) => RecvWait::Queued,
            Flavour::Array(_) | Flavour::List(_) => RecvWait::Idle,
        };
        !matches!(self.wait, RecvWait::Idle)
    }

    fn unregister(&mut self, token: &Token) {
        // Every arm is asked, the disabled ones too: only a registered arm
        // has anything to withdraw.
        let wait = std::mem::take(&mut self.wait);
        if matches!(wait, RecvWait::Idle) {
            return;
        }
        match (wait, &self.touched_channel().flavour) {
            (RecvWait::Slot(entry), Flavour::Zero(zero)) => zero.withdraw_recv(&entry),
            (RecvWait::Queued, Flavour::Array(array)) => array.withdraw_recv(token),
            (RecvWait::Queued, Flavour::List(list)) => list.withdraw_recv(token),
            _ => {}
        }
    }

    fn finish(&mut self) -> bool {
        // The counterpart that selected us removed our registration. A
        // buffered channel can select the token in the instant between
        // registering and rolling back a registration that found the channel
        // ready; the retry below is right then too.
        if let RecvWait::Slot(entry) = std::mem::take(&mut self.wait) {
            self.touched_channel();
            if let Some(value) = super::zero::Rendezvous::finish_recv(&entry) {
                self.result = Some(Ok(value));
                return true;
            }
        }
        // A buffered notification, or a close: do the receive now.
        self.attempt()
    }

    fn pass_on(&mut self) {
        match (
            std::mem::take(&mut self.wait),
            &self.touched_channel().flavour,
        ) {
            (RecvWait::Slot(entry), Flavour::Zero(zero)) => zero.pass_on_recv(&entry),
            (_, Flavour::Zero(_)) => {}
            (_, Flavour::Array(array)) => array.pass_on_recv(),
            (_, Flavour::List(list)) => list.pass_on_recv(),
        }
    }

    fn discard(&mut self) {}

    #[inline]
    fn wait(&self) -> Option<Wait> {
        Some(Wait::Recv(self.channel?.facts()))
    }
}

/// Where a send arm's value is.
pub(crate) enum SendState<T> {
    /// The arm holds the value and is not registered. `first_in_line`: a
    /// bounded send that was selected but lost the freed slot to a send
    /// that never waited; it waits again at the head of the queue.
    Holding { value: T, first_in_line: bool },
    /// The value is offered in an entry registered with the channel (a
    /// rendezvous or bounded channel); a receive may take it.
    Offered(Arc<Entry<T>>),
    /// No value: sent, handed back in the result, discarded, or the arm is
    /// guarded off.
    Empty,
}

/// Sends one value on one channel.
pub struct SendArm<'a, T> {
    /// `None`: the arm is guarded off.
    channel: Option<&'a Channel<T>>,
    state: SendState<T>,
    result: Option<Result<(), SendError<T>>>,
}

impl<'a, T> SendArm<'a, T> {
    /// An arm sending `value` on `channel`, or a disabled arm for `None`.
    pub(crate) fn new(channel: Option<&'a Channel<T>>, value: Option<T>) -> Self {
        let state = match value {
            Some(value) => SendState::Holding {
                value,
                first_in_line: false,
            },
            None => SendState::Empty,
        };
        SendArm {
            channel,
            state,
            result: None,
        }
    }

    /// The result, once the arm completed.
    pub fn take_result(&mut self) -> Option<Result<(), SendError<T>>> {
        self.result.take()
    }

    /// The arm's channel. Its `Channel` methods tell a listening host that
    /// the step touched it; the arm protocol's steps that reach the flavour
    /// directly (register, withdraw, finish, pass on) say so themselves.
    #[inline]
    fn channel(&self) -> &'a Channel<T> {
        self.channel
            .expect("hoare: a disabled select arm was driven")
    }

    /// [`Self::channel`], noting the touch for a listening host.
    fn touched_channel(&self) -> &'a Channel<T> {
        let channel = self.channel();
        channel.touch();
        channel
    }

    /// Takes the held value (and whether it waits first in line), leaving
    /// the arm empty; `None` (state unchanged) if the arm holds none.
    ///
    /// The fields are read one by one, not as one copy of the whole state:
    /// the state was usually written just before (the future was made and
    /// polled at once) by a store per field, and a load spanning several
    /// stores cannot be forwarded from them; it waits for the stores to
    /// reach the cache.
    #[inline(always)]
    fn take_held(&mut self) -> Option<(T, bool)> {
        let SendState::Holding {
            value,
            first_in_line,
        } = &mut self.state
        else {
            return None;
        };
        let first_in_line = *first_in_line;
        // SAFETY: the state holds `value`; it is overwritten just below
        // without being dropped, so the value is moved out exactly once.
        let value = unsafe { std::ptr::read(value) };
        // SAFETY: `self.state` is valid for writes; the old state's only
        // field with a destructor, `value`, was moved out above.
        unsafe { std::ptr::write(&mut self.state, SendState::Empty) };
        Some((value, first_in_line))
    }

    /// Takes the registered offer, leaving the arm empty; `None` (state
    /// unchanged) if the arm offers nothing.
    fn take_offer(&mut self) -> Option<Arc<Entry<T>>> {
        if !matches!(self.state, SendState::Offered(_)) {
            return None;
        }
        match std::mem::replace(&mut self.state, SendState::Empty) {
            SendState::Offered(entry) => Some(entry),
            _ => unreachable!("matched as offered just above"),
        }
    }

    /// Holds `value` again (not registered).
    fn hold(&mut self, value: T, first_in_line: bool) {
        self.state = SendState::Holding {
            value,
            first_in_line,
        };
    }

    /// Sends `value` now; `false` (holding the value) if there is no room.
    #[inline(always)]
    fn send_now(&mut self, value: T, first_in_line: bool) -> bool {
        match self.channel().try_send(value) {
            Ok(()) => self.result = Some(Ok(())),
            Err(TrySendError::Closed(value)) => self.result = Some(Err(SendError(value))),
            Err(TrySendError::Full(value)) => {
                self.hold(value, first_in_line);
                return false;
            }
        }
        true
    }

    /// What is left of a selected offer: `None` if a receive took it
    /// (sent), the value if not.
    fn offer_left(&self, entry: &Entry<T>) -> Option<T> {
        match &self.touched_channel().flavour {
            Flavour::Zero(_) => super::zero::Rendezvous::offer_left(entry),
            Flavour::Array(array) => array.offer_left(entry),
            Flavour::List(_) => unreachable!("a send on an unbounded channel never waits"),
        }
    }

    /// Records what a bounded channel's `wait_send` did; `true` if the arm
    /// is now registered.
    #[allow(clippy::type_complexity)]
    fn settle_ring_wait(
        &mut self,
        waiting: Result<Arc<Entry<T>>, Result<T, Arc<Entry<T>>>>,
    ) -> bool {
        match waiting {
            Ok(entry) => {
                self.state = SendState::Offered(entry);
                true
            }
            Err(Ok(value)) => {
                self.hold(value, false);
                false
            }
            // A receive selected us and moved the value meanwhile: the
            // engine will find the token selected and `finish`.
            Err(Err(entry)) => {
                self.state = SendState::Offered(entry);
                false
            }
        }
    }
}

impl<T> Arm for SendArm<'_, T> {
    fn enabled(&self) -> bool {
        self.channel.is_some() && !matches!(self.state, SendState::Empty)
    }

    #[inline(always)]
    fn attempt(&mut self) -> bool {
        // A disabled arm (no channel) was made without a value: it holds
        // none, so it attempts nothing.
        match self.take_held() {
            Some((value, first_in_line)) => self.send_now(value, first_in_line),
            None => false,
        }
    }

    fn version(&self) -> (usize, usize) {
        self.channel().version()
    }

    fn register(&mut self, token: &Arc<Token>, index: usize) -> bool {
        let channel = self.touched_channel();
        channel.watch();
        let (value, first_in_line) = self
            .take_held()
            .expect("hoare: only a send arm that holds its value registers");
        match &channel.flavour {
            Flavour::Zero(zero) => match zero.wait_send(token, index, channel.id(), value) {
                Ok(entry) => {
                    self.state = SendState::Offered(entry);
                    true
                }
                Err(value) => {
                    self.hold(value, false);
                    false
                }
            },
            Flavour::Array(array) => {
                let waiting = array.wait_send(token, index, channel.id(), value, first_in_line);
                self.settle_ring_wait(waiting)
            }
            // An unbounded channel always has room: `attempt` never fails
            // there unless closed, which completes the arm.
            Flavour::List(_) => {
                self.hold(value, false);
                false
            }
        }
    }

    fn unregister(&mut self, _token: &Token) {
        let Some(entry) = self.take_offer() else {
            return;
        };
        let value = match &self.touched_channel().flavour {
            Flavour::Zero(zero) => zero.withdraw_send(&entry),
            Flavour::Array(array) => array.withdraw_send(&entry),
            Flavour::List(_) => unreachable!("a send on an unbounded channel never waits"),
        };
        if let Some(value) = value {
            self.hold(value, false);
        }
    }

    fn finish(&mut self) -> bool {
        // As in `RecvArm::finish`, a buffered arm may hold its value still.
        let Some(entry) = self.take_offer() else {
            return self.attempt();
        };
        match self.offer_left(&entry) {
            // The receiver took the value (or moved it into the ring): sent.
            None => {
                self.result = Some(Ok(()));
                true
            }
            // Selected by a close, or the ring was refilled: try again, and
            // if it must wait, wait first in line.
            Some(value) => {
                let first_in_line = matches!(self.channel().flavour, Flavour::Array(_));
                self.send_now(value, first_in_line)
            }
        }
    }

    fn pass_on(&mut self) {
        // A taken value was sent: nothing to pass on. A value still offered
        // was never sent (on a bounded channel: the ring was full, or a
        // close selected us, and there is no freed slot to pass on): keep
        // it with the arm, which drops it.
        if let Some(entry) = self.take_offer() {
            if let Some(value) = self.offer_left(&entry) {
                self.hold(value, false);
            }
        }
    }

    fn discard(&mut self) {
        self.state = SendState::Empty;
    }

    #[inline]
    fn wait(&self) -> Option<Wait> {
        Some(Wait::Send(self.channel?.facts()))
    }
}
