//! Channel operations as select arms: the glue between the flavours and
//! the selection driver.
//!
//! [`RecvArm`] and [`SendArm`] implement the driver's [`Arm`] for one
//! channel of any flavour. The plain `recv`/`send` futures are one-arm
//! selections built from them, so blocking, async and select forms share
//! one implementation of waiting.

use super::error::{RecvError, SendError, TryRecvError, TrySendError};
use super::selection::Arm;
use super::waiter::{Entry, Token};
use super::{Channel, Flavour};
use crate::sync::Arc;

/// How a waiting receive is registered, kept between polls.
pub(crate) struct RecvWait<T> {
    /// On a rendezvous channel: the entry whose slot a sender fills.
    entry: Option<Arc<Entry<T>>>,
    /// On a buffered channel: whether a [`Registration`] of the token sits
    /// in the receivers' queue (it needs no slot, so no entry).
    ///
    /// [`Registration`]: super::waiter::Registration
    queued: bool,
}

impl<T> Default for RecvWait<T> {
    fn default() -> Self {
        RecvWait {
            entry: None,
            queued: false,
        }
    }
}

/// Receives from one channel.
pub struct RecvArm<'a, T> {
    shared: Option<&'a Channel<T>>,
    wait: RecvWait<T>,
    result: Option<Result<T, RecvError>>,
}

impl<'a, T> RecvArm<'a, T> {
    /// An arm on `shared`, or a disabled arm for `None`.
    pub(crate) fn new(shared: Option<&'a Channel<T>>) -> Self {
        RecvArm {
            shared,
            wait: RecvWait::default(),
            result: None,
        }
    }

    /// Restores a registration kept between polls (the receiver's stream).
    pub(crate) fn with_wait(shared: &'a Channel<T>, wait: RecvWait<T>) -> Self {
        RecvArm {
            shared: Some(shared),
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

    fn shared(&self) -> &'a Channel<T> {
        let shared = self
            .shared
            .expect("hoare: a disabled select arm was driven");
        shared.touch();
        shared
    }
}

impl<T> Arm for RecvArm<'_, T> {
    fn enabled(&self) -> bool {
        self.shared.is_some()
    }

    #[inline]
    fn attempt(&mut self) -> bool {
        match self.shared().try_recv() {
            Ok(value) => self.result = Some(Ok(value)),
            Err(TryRecvError::Closed) => self.result = Some(Err(RecvError)),
            Err(TryRecvError::Empty) => return false,
        }
        true
    }

    fn version(&self) -> (usize, usize) {
        self.shared().version()
    }

    fn register(&mut self, token: &Arc<Token>, index: usize) -> bool {
        let shared = self.shared();
        match &shared.flavour {
            Flavour::Zero(channel) => {
                let entry = Entry::new(token.clone(), index, shared.id, None);
                let registered = channel.register_recv(&entry);
                if registered {
                    self.wait.entry = Some(entry);
                }
                registered
            }
            Flavour::Array(channel) => {
                self.wait.queued = channel.register_recv(token, index, shared.id);
                self.wait.queued
            }
            Flavour::List(channel) => {
                self.wait.queued = channel.register_recv(token, index, shared.id);
                self.wait.queued
            }
        }
    }

    fn unregister(&mut self, token: &Token) {
        if let Some(entry) = self.wait.entry.take() {
            if let Flavour::Zero(channel) = &self.shared().flavour {
                channel.unregister_recv(entry.token());
            }
        }
        if std::mem::take(&mut self.wait.queued) {
            if let Some(queue) = self.shared().receiver_queue() {
                queue.unregister(token);
            }
        }
    }

    fn finish(&mut self) -> bool {
        // The counterpart that selected us removed our registration.
        self.wait.queued = false;
        // A buffered channel can select the token in the instant between
        // registering and rolling back a registration that found the channel
        // ready; the retry below is right then too.
        let entry = self.wait.entry.take();
        if let (Flavour::Zero(_), Some(entry)) = (&self.shared().flavour, entry) {
            // SAFETY: slot rule 3: the driver saw our token selected for this
            // arm, and the selecting sender finished with the slot first.
            if let Some(value) = unsafe { entry.take() } {
                self.result = Some(Ok(value));
                return true;
            }
        }
        // A buffered notification, or a close: do the receive now.
        self.attempt()
    }

    fn pass_on(&mut self) {
        self.wait.queued = false;
        let entry = self.wait.entry.take();
        match &self.shared().flavour {
            Flavour::Zero(channel) => {
                // SAFETY: slot rule 3, as in `finish`.
                if let Some(value) = entry.and_then(|entry| unsafe { entry.take() }) {
                    channel.give_back(value);
                }
            }
            Flavour::Array(channel) => channel.receivers().notify_one(),
            Flavour::List(channel) => channel.receivers().notify_one(),
        }
    }

    fn discard(&mut self) {}

    fn describe(&self) -> String {
        match self.shared {
            Some(shared) => format!("recv on {}", shared.describe()),
            None => "a disabled recv arm".to_string(),
        }
    }
}

/// Sends one value on one channel.
pub struct SendArm<'a, T> {
    shared: Option<&'a Channel<T>>,
    /// The value while not offered (always, on buffered channels; while not
    /// registered, on a rendezvous channel, whose registration holds it).
    value: Option<T>,
    entry: Option<Arc<Entry<T>>>,
    /// Bounded channels: this send was selected, but its value could not be
    /// moved into the ring (a send that had not waited took the freed slot
    /// first). It waits again at the front of the queue, keeping its place.
    first_in_line: bool,
    result: Option<Result<(), SendError<T>>>,
}

impl<'a, T> SendArm<'a, T> {
    /// An arm sending `value` on `shared`, or a disabled arm for `None`.
    pub(crate) fn new(shared: Option<&'a Channel<T>>, value: Option<T>) -> Self {
        SendArm {
            shared,
            value,
            entry: None,
            first_in_line: false,
            result: None,
        }
    }

    /// The result, once the arm completed.
    pub fn take_result(&mut self) -> Option<Result<(), SendError<T>>> {
        self.result.take()
    }

    fn shared(&self) -> &'a Channel<T> {
        let shared = self
            .shared
            .expect("hoare: a disabled select arm was driven");
        shared.touch();
        shared
    }

    /// Sends `value` now; `false` (keeping the value) if there is no room.
    #[inline]
    fn send_now(&mut self, value: T) -> bool {
        match self.shared().try_send(value) {
            Ok(()) => self.result = Some(Ok(())),
            Err(TrySendError::Closed(value)) => self.result = Some(Err(SendError(value))),
            Err(TrySendError::Full(value)) => {
                self.value = Some(value);
                return false;
            }
        }
        true
    }
}

impl<T> Arm for SendArm<'_, T> {
    fn enabled(&self) -> bool {
        self.shared.is_some() && (self.value.is_some() || self.entry.is_some())
    }

    #[inline]
    fn attempt(&mut self) -> bool {
        match self.value.take() {
            Some(value) => self.send_now(value),
            None => false,
        }
    }

    fn version(&self) -> (usize, usize) {
        self.shared().version()
    }

    fn register(&mut self, token: &Arc<Token>, index: usize) -> bool {
        match &self.shared().flavour {
            Flavour::Zero(channel) => {
                let entry = Entry::new(token.clone(), index, self.shared().id, self.value.take());
                if channel.register_send(&entry) {
                    self.entry = Some(entry);
                    return true;
                }
                // SAFETY: slot rule 1: the entry was never registered.
                self.value = unsafe { entry.take() };
                false
            }
            Flavour::Array(channel) => {
                // The entry offers the value: a receive that frees a slot
                // moves it into the ring (waiter rule 4).
                let entry = Entry::new(token.clone(), index, self.shared().id, self.value.take());
                if channel.register_send(&entry, std::mem::take(&mut self.first_in_line)) {
                    self.entry = Some(entry);
                    return true;
                }
                // SAFETY: rule 1: `register_send` removed the entry with the
                // queue's lock, after any receive that selected it was done.
                self.value = unsafe { entry.take() };
                if self.value.is_none() {
                    // A receive selected us and moved the value meanwhile:
                    // the driver will find the token selected and `finish`.
                    self.entry = Some(entry);
                }
                false
            }
            // An unbounded channel always has room: `attempt` never fails
            // there unless closed, which completes the arm.
            Flavour::List(_) => false,
        }
    }

    fn unregister(&mut self, _token: &Token) {
        let Some(entry) = self.entry.take() else {
            return;
        };
        match &self.shared().flavour {
            Flavour::Zero(channel) => {
                channel.unregister_send(entry.token());
                // SAFETY: slot rule 1: the entry is no longer registered, and
                // any counterpart that popped it finished under the lock that
                // `unregister_send` took after it.
                if let Some(value) = unsafe { entry.take() } {
                    self.value = Some(value);
                }
            }
            Flavour::Array(channel) => {
                channel.senders().unregister_synced(entry.token());
                // SAFETY: rule 1: removed from the queue under its lock. Our
                // token was not selected for this arm (we are unregistering
                // it), so no receive moved the value: it is still here.
                if let Some(value) = unsafe { entry.take() } {
                    self.value = Some(value);
                }
            }
            Flavour::List(_) => {}
        }
    }

    fn finish(&mut self) -> bool {
        // As in `RecvArm::finish`, a buffered arm may have no entry left.
        let Some(entry) = self.entry.take() else {
            return self.attempt();
        };
        match &self.shared().flavour {
            Flavour::Zero(_) => {}
            Flavour::Array(channel) => {
                // Rule 4: the receive that selected us finishes with the slot
                // under the senders' lock; wait it out before looking.
                channel.senders().sync();
            }
            Flavour::List(_) => return self.attempt(),
        }
        // SAFETY: slot rule 3 (rendezvous: the selecting receiver finished
        // with the slot before its CAS) or rule 4 (bounded: after `sync`).
        match unsafe { entry.take() } {
            // The receiver took the value (or moved it into the ring): sent.
            None => {
                self.result = Some(Ok(()));
                true
            }
            // Selected by a close, or the ring was refilled: try again, and
            // if it must wait, wait first in line.
            Some(value) => {
                self.first_in_line = matches!(self.shared().flavour, Flavour::Array(_));
                self.send_now(value)
            }
        }
    }

    fn pass_on(&mut self) {
        let entry = self.entry.take();
        match &self.shared().flavour {
            Flavour::Zero(_) => {
                // SAFETY: slot rule 3. A taken value was sent: nothing to pass
                // on. A value still here was never sent; keep it with the arm.
                if let Some(value) = entry.and_then(|entry| unsafe { entry.take() }) {
                    self.value = Some(value);
                }
            }
            Flavour::Array(channel) => {
                channel.senders().sync();
                // SAFETY: slot rule 4, after `sync`. A value moved into the
                // ring was sent; one still here was never sent (the ring was
                // full, or a close selected us), and there is no freed slot to
                // pass on: keep it with the arm, which drops it.
                if let Some(value) = entry.and_then(|entry| unsafe { entry.take() }) {
                    self.value = Some(value);
                }
            }
            Flavour::List(_) => {}
        }
    }

    fn discard(&mut self) {
        self.value = None;
    }

    fn describe(&self) -> String {
        match self.shared {
            Some(shared) => format!("send on {}", shared.describe()),
            None => "a disabled send arm".to_string(),
        }
    }
}
