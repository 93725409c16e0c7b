//! The channels someone has waited on, so that a dump can say how full
//! each is.
//!
//! A dump learns which channels are waited on from the waiters (processes'
//! wait slots, blocked threads' records), as ids. To add a channel's
//! length it must reach the channel itself; a wait slot holds no pointer
//! (it would not keep the channel alive). So a channel enters this
//! registry the first time an operation registers a wait on it
//! (`chan::operation`), and leaves it when it is dropped; channels nobody
//! ever waited on, and operations that do not wait, never touch it.
//!
//! # Cost
//!
//! Per channel that ever waited: one insertion under a process-wide lock
//! (one of [`SHARDS`], picked by address), one removal when it drops, and
//! an entry of two words in a hash map (some 20 to 35 bytes with the
//! map's spare room). A wait
//! on a channel already listed costs one `Relaxed` load of the channel's
//! flag.
//!
//! # Who frees what
//!
//! An entry holds a raw pointer to a channel. The channel's `Drop` removes
//! its entry under the shard lock *before* any field is dropped, and a
//! dump calls an entry's probe only under that lock, so a probe never
//! runs on a channel being freed. The probe reads the channel's own
//! counters and locks, never a message, so it may run on any thread
//! whatever the message type (`chan::Channel::probe`).
//!
//! Ids are unique within a domain: 0 for channels made outside a
//! simulation (numbered process-wide), a simulation's own number for its
//! channels (numbered per simulation, see `hooks::domain`).

use std::collections::HashMap;

use super::wait::ChannelFacts;
use crate::sync::ProcessLock;

/// Independent locks, so that threads registering different channels
/// rarely meet.
const SHARDS: usize = 8;

/// What a dump may ask a listed channel: its facts and its length.
///
/// # Safety
///
/// Called with the address the channel registered itself at, under the
/// shard lock (module docs).
pub(crate) type Probe = unsafe fn(*const ()) -> (ChannelFacts, usize);

/// The channels listed in one shard: those of domain 0 (the common case,
/// and the one a program with many channels has) by address alone, two
/// words an entry; those of a simulation with their domain.
#[derive(Default)]
struct Listed {
    plain: HashMap<usize, Probe>,
    hosted: HashMap<usize, (u64, Probe)>,
}

type Shard = ProcessLock<Option<Listed>>;

static LISTED: [Shard; SHARDS] = [const { ProcessLock::new(None) }; SHARDS];

fn shard(address: usize) -> &'static Shard {
    // Channels are heap blocks of a few hundred bytes: the bits above the
    // allocator's alignment spread them.
    &LISTED[(address >> 7) % SHARDS]
}

/// Lists the channel at `address` (in `domain`), read by `probe`. Listing
/// it again replaces the entry.
pub(crate) fn watch(address: usize, domain: u64, probe: Probe) {
    let mut shard = shard(address).lock();
    let listed = shard.get_or_insert_with(Listed::default);
    if domain == 0 {
        listed.plain.insert(address, probe);
    } else {
        listed.hosted.insert(address, (domain, probe));
    }
}

/// Removes the channel at `address`; called by its `Drop`, before any of
/// its fields is dropped.
pub(crate) fn unwatch(address: usize) {
    if let Some(listed) = shard(address).lock().as_mut() {
        if listed.plain.remove(&address).is_none() {
            listed.hosted.remove(&address);
        }
    }
}

/// The length of each listed channel of `domain` whose id `wanted` names.
pub(crate) fn lengths(domain: u64, wanted: impl Fn(u64) -> bool) -> HashMap<u64, usize> {
    let mut lengths = HashMap::new();
    for shard in &LISTED {
        let shard = shard.lock();
        let Some(listed) = shard.as_ref() else {
            continue;
        };
        let probes: Box<dyn Iterator<Item = (&usize, &Probe)>> = if domain == 0 {
            Box::new(listed.plain.iter())
        } else {
            Box::new(
                listed
                    .hosted
                    .iter()
                    .filter(|(_, (of, _))| *of == domain)
                    .map(|(address, (_, probe))| (address, probe)),
            )
        };
        for (&address, probe) in probes {
            // SAFETY: the entry is listed, so the channel has not begun to
            // drop, and cannot while we hold its shard's lock (module docs).
            let (facts, len) = unsafe { probe(address as *const ()) };
            if wanted(facts.id) {
                lengths.insert(facts.id, len);
            }
        }
    }
    lengths
}
