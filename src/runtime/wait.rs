//! What a process waits on: a few copyable facts, and the words reports
//! print for them.
//!
//! Every wait in hoare (a channel operation or a `select!` in
//! `chan::selection`, a `Sleep`, a `JoinHandle`) names what it waits on
//! as one [`Wait`] per operation, when its poll returns `Pending`
//! ([`hooks::note_waiting`](super::hooks::note_waiting)). Facts, not text:
//! a wait stores a few words in its process's task header (see
//! `task::wait_slot`), and text is made only when someone reads a dump or
//! a deadlock report. The words are the same everywhere:
//!
//! | wait | words |
//! | --- | --- |
//! | receive | `recv on channel #3 (rendezvous)` |
//! | send | `send on channel #5 (bounded(1))` |
//! | sleep | `sleep with 1.5s left` |
//! | a `JoinHandle` | `join of p7` |
//! | a select with every arm disabled | `select with every arm disabled (forever)` |
//! | a future outside hoare | `unknown (a future outside hoare)` |
//!
//! A select waits on each of its enabled arms: one fact per arm.

use std::fmt;
use std::num::NonZeroUsize;

use crate::runtime::task::wait_slot;
use crate::time::Instant;

/// The words for a process that waits on something hoare does not know.
pub(crate) const UNKNOWN: &str = "unknown (a future outside hoare)";

/// The shape of a channel, as reports name it. (`pub` only because the
/// `select!` expansion's `Arm` trait names it; not public API.)
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChannelKind {
    /// `bounded(0)`: each send meets a receive.
    Rendezvous,
    /// `bounded(capacity)` with a buffer.
    Bounded(usize),
    /// `unbounded()`.
    Unbounded,
}

/// A channel as a wait names it: its id and kind, packed (when they fit)
/// into the bits a task's wait slot stores, so a wait on a channel records
/// one word the channel computed once. Made by a wait that returns
/// `Pending` (`chan::Channel::facts`): a copy of that word, or, when the
/// id and kind do not fit, both spelled out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChannelFacts {
    named: Named,
    /// Made where no host (simulation) was installed: inside a simulation,
    /// a wait on it may be meant to be fed from outside, which a closed
    /// world cannot do. Not packed: only a host's reports use it.
    pub(crate) outside: bool,
}

/// How [`ChannelFacts`] hold the id and kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Named {
    /// `task::wait_slot`'s payload for the channel (tag bits clear).
    Packed(NonZeroUsize),
    /// Too large for the payload.
    Spelled { id: u64, kind: ChannelKind },
}

impl ChannelFacts {
    pub(crate) fn new(id: u64, kind: ChannelKind) -> ChannelFacts {
        let named = match wait_slot::pack_channel(id, kind) {
            Some(packed) => Named::Packed(packed),
            None => Named::Spelled { id, kind },
        };
        ChannelFacts {
            named,
            outside: false,
        }
    }

    /// The facts of a channel whose id and kind `pack_channel` packed.
    #[inline]
    pub(crate) fn packed(packed: NonZeroUsize, outside: bool) -> ChannelFacts {
        ChannelFacts {
            named: Named::Packed(packed),
            outside,
        }
    }

    /// The same facts, for a channel made where no host was installed if
    /// `outside`.
    pub(crate) fn made_outside(self, outside: bool) -> ChannelFacts {
        ChannelFacts { outside, ..self }
    }

    /// The channel's number.
    pub(crate) fn id(&self) -> u64 {
        match self.named {
            Named::Packed(packed) => wait_slot::unpack_id(packed.get()),
            Named::Spelled { id, .. } => id,
        }
    }

    /// The channel's kind.
    pub(crate) fn kind(&self) -> ChannelKind {
        match self.named {
            Named::Packed(packed) => wait_slot::unpack_kind(packed.get()),
            Named::Spelled { kind, .. } => kind,
        }
    }

    /// The wait slot's payload for the channel, if the facts fit in it.
    #[inline]
    pub(crate) fn payload(&self) -> Option<NonZeroUsize> {
        match self.named {
            Named::Packed(packed) => Some(packed),
            Named::Spelled { .. } => None,
        }
    }
}

/// One operation a blocked process waits on. (`pub` only because the
/// `select!` expansion's `Arm` trait names it; not public API.)
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wait {
    /// A receive on a channel.
    Recv(ChannelFacts),
    /// A send on a channel.
    Send(ChannelFacts),
    /// A sleep until `deadline` (on the clock of the waiting thread).
    Sleep { deadline: Instant },
    /// Awaiting the `JoinHandle` of process `process`.
    Join { process: u64 },
    /// A select whose every arm is disabled: it never completes.
    Forever,
}

impl fmt::Display for ChannelKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChannelKind::Rendezvous => f.write_str("rendezvous"),
            ChannelKind::Bounded(capacity) => write!(f, "bounded({capacity})"),
            ChannelKind::Unbounded => f.write_str("unbounded"),
        }
    }
}

impl fmt::Display for Wait {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Wait::Recv(channel) => {
                write!(f, "recv on channel #{} ({})", channel.id(), channel.kind())
            }
            Wait::Send(channel) => {
                write!(f, "send on channel #{} ({})", channel.id(), channel.kind())
            }
            Wait::Sleep { deadline } => {
                let left = deadline.saturating_duration_since(crate::time::clock::now());
                write!(f, "sleep with {left:?} left")
            }
            Wait::Join { process } => write!(f, "join of p{process}"),
            Wait::Forever => f.write_str("select with every arm disabled (forever)"),
        }
    }
}

/// What a host (a simulation) reports a process waits on: as [`describe`],
/// and a wait on a channel made outside the host says so and what to do,
/// since nothing outside a simulation's closed world can feed it.
pub(crate) fn describe_for_host(waits: impl Iterator<Item = Wait>) -> String {
    let words: Vec<String> = waits
        .map(|wait| match wait {
            Wait::Recv(channel) | Wait::Send(channel) if channel.outside => format!(
                "{wait}, a channel made outside the simulation: a thread or runtime outside \
                 may hold its other end, but a simulation is a closed world (create the \
                 channel and every process that uses it inside the simulation)"
            ),
            wait => wait.to_string(),
        })
        .collect();
    join_words(words)
}

fn join_words(words: Vec<String>) -> String {
    match words.as_slice() {
        [] => UNKNOWN.to_string(),
        [one] => one.clone(),
        many => format!("a select over {}", many.join(", ")),
    }
}
