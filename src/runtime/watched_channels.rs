//! The channels someone has waited on, so that a dump can say how full
//! each is.
//!
//! A dump learns which channels are waited on from the waiters (processes'
//! wait slots, blocked threads' records), as ids. To add a channel's
//! length it must reach the channel itself; a wait slot holds no pointer
//! (it would not keep the channel alive). So a channel lists itself here
//! the first time an operation registers a wait on it (`chan::operation`),
//! and unlists itself when it is dropped; channels nobody ever waited on,
//! and operations that do not wait, never touch the registry.
//!
//! # The lists
//!
//! The registry is intrusive: every channel carries a [`Link`], and each
//! of [`SHARDS`] lists, picked by the link's address and guarded by its
//! own lock, threads the links of its listed channels. The links follow
//! the Linux kernel's `hlist`: a link points forward to the next link and
//! back to the word that points at it (the list's head, or the previous
//! link's `next`), so a channel unlists itself in constant time, without
//! knowing whether it is first. A link whose back pointer is null is not
//! listed.
//!
//! # Cost
//!
//! Every channel carries its link: three words (forward, back, and the
//! probe that reads the channel). The channel pays for most of it by no
//! longer keeping its kind spelled out beside its id (the packed word a
//! wait records holds it): a channel is one word larger than before the
//! dump, where a hash-map entry cost some 24 bytes. Per channel that ever
//! waited: one lock of a shard at its first wait and
//! one when it drops; no allocation. A wait on a channel already listed
//! costs one `Relaxed` load of its back pointer.
//!
//! # Who frees what
//!
//! A list holds raw pointers to channels. The channel's `Drop` unlists it
//! under the shard lock *before* any field is dropped, and a dump walks a
//! list and calls its probes only under that lock, so a probe never runs
//! on a channel being freed. The probe reads the channel's own counters,
//! never a message and never a lock, so it may run on any thread whatever
//! the message type (`chan::Channel::probe`).
//!
//! Ids are unique within a domain: 0 for channels made outside a
//! simulation (numbered process-wide), a simulation's own number for its
//! channels (numbered per simulation, see `hooks::domain`). A channel
//! keeps the domain it was made in.
//!
//! Not under loom: no model takes a dump, and channels carry no link there.

#[cfg(not(loom))]
pub(crate) use listed::*;

#[cfg(not(loom))]
mod listed {
    use std::collections::HashMap;
    use std::ptr;

    use crate::sync::atomic::{AtomicPtr, Ordering};
    use crate::sync::{ProcessLock, UnsafeCell};

    /// Independent locks, so that threads listing different channels
    /// rarely meet.
    pub(crate) const SHARDS: usize = 8;

    /// What a probe reads of a listed channel.
    pub(crate) struct Reading {
        /// The domain of its id (module docs).
        pub(crate) domain: u64,
        /// Its number.
        pub(crate) id: u64,
        /// How many messages it holds.
        pub(crate) len: usize,
    }

    /// Reads the channel a link lies in.
    ///
    /// # Safety
    ///
    /// Called with a listed link (as [`list`] was given it), under its
    /// shard's lock (module docs).
    pub(crate) type Probe = unsafe fn(*const Link) -> Reading;

    /// A word that points at a link: a list's head or a link's `next`.
    type Anchor = UnsafeCell<*const Link>;

    /// A channel's place in the registry (a field of the channel).
    pub(crate) struct Link {
        /// The next link of the list; guarded by the shard's lock.
        next: Anchor,
        /// The word that points at this link, null while the link is not
        /// listed. Written under the shard's lock; read without it only
        /// to see whether the link is listed.
        back: AtomicPtr<*const Link>,
        /// Reads the channel the link lies in.
        probe: Probe,
    }

    // SAFETY: `next` is read and written only under the shard's lock;
    // `back` is atomic; `probe` is immutable. Nothing in a link belongs to
    // a thread.
    unsafe impl Send for Link {}
    // SAFETY: as for `Send`.
    unsafe impl Sync for Link {}

    impl Link {
        /// A link not listed, for a channel read by `probe`.
        pub(crate) const fn new(probe: Probe) -> Link {
            Link {
                next: UnsafeCell::new(ptr::null()),
                back: AtomicPtr::new(ptr::null_mut()),
                probe,
            }
        }

        /// Whether the link is listed. Without the shard's lock, a hint:
        /// only [`unlist`] clears it, and only [`list`] sets it.
        #[inline]
        pub(crate) fn is_listed(&self) -> bool {
            // Relaxed: a first wait that reads null takes the lock and
            // looks again; a stale non-null value is a listed link (only
            // its own channel's drop unlists it).
            !self.back.load(Ordering::Relaxed).is_null()
        }
    }

    /// One list and its lock. The head sits beside the lock, not inside
    /// it, so that its address (a listed first link's back pointer) stays
    /// valid from one locking to the next.
    struct Shard {
        lock: ProcessLock<()>,
        head: Anchor,
    }

    // SAFETY: `head` is read and written only while `lock` is held.
    unsafe impl Sync for Shard {}

    static SHARDED: [Shard; SHARDS] = [const {
        Shard {
            lock: ProcessLock::new(()),
            head: UnsafeCell::new(ptr::null()),
        }
    }; SHARDS];

    fn shard(link: *const Link) -> &'static Shard {
        // Channels are heap blocks of a few hundred bytes: the bits above
        // the allocator's alignment spread them.
        &SHARDED[(link.addr() >> 7) % SHARDS]
    }

    /// Lists `link` if it is not listed yet (two first waits may race).
    ///
    /// # Safety
    ///
    /// `link` is the link of a live channel, with provenance over the
    /// whole channel (its probe steps back to it); the channel does not
    /// move, and calls [`unlist`] before any of its fields is dropped.
    pub(crate) unsafe fn list(link: *const Link) {
        let shard = shard(link);
        let _locked = shard.lock.lock();
        // SAFETY: the caller's contract: the channel is alive.
        let listed = unsafe { &*link };
        if listed.is_listed() {
            return;
        }
        shard.head.with_mut(|head| {
            listed.next.with_mut(|next| {
                // SAFETY: the shard's lock guards its head and every
                // listed link's `next`; the first link, if any, is alive
                // (listed, so its channel's drop waits for this lock).
                unsafe {
                    *next = *head;
                    if let Some(first) = (*head).as_ref() {
                        // Relaxed: under the lock (see `is_listed`).
                        first.back.store(next, Ordering::Relaxed);
                    }
                    *head = link;
                }
            });
            // Relaxed: under the lock (see `is_listed`).
            listed.back.store(head, Ordering::Relaxed);
        });
    }

    /// Unlists `link`, if listed; called by its channel's `Drop`, before
    /// any of the channel's fields is dropped.
    pub(crate) fn unlist(link: &Link) {
        // The channel's drop synchronised with every earlier use of the
        // channel (its `Arc`), the `list` that listed it included; no one
        // else clears `back`.
        if !link.is_listed() {
            return;
        }
        let _locked = shard(link).lock.lock();
        // Relaxed: under the lock, which ordered every earlier store.
        let back = link.back.load(Ordering::Relaxed);
        link.next.with(|next| {
            // SAFETY: the shard's lock guards `back` (the head or the
            // previous link's `next`, both alive: the previous link is
            // listed) and the next link, if any, which is listed too.
            unsafe {
                *back = *next;
                if let Some(following) = (*next).as_ref() {
                    // Relaxed: under the lock.
                    following.back.store(back, Ordering::Relaxed);
                }
            }
        });
        // Relaxed: under the lock.
        link.back.store(ptr::null_mut(), Ordering::Relaxed);
    }

    /// The length of each listed channel of `domain` whose id `wanted`
    /// names.
    pub(crate) fn lengths(domain: u64, wanted: impl Fn(u64) -> bool) -> HashMap<u64, usize> {
        let mut lengths = HashMap::new();
        read_each(|reading| {
            if reading.domain == domain && wanted(reading.id) {
                lengths.insert(reading.id, reading.len);
            }
        });
        lengths
    }

    /// Probes every listed channel, one shard at a time under its lock.
    fn read_each(mut read: impl FnMut(Reading)) {
        for shard in &SHARDED {
            let _locked = shard.lock.lock();
            // SAFETY: under the shard's lock.
            let mut link = shard.head.with(|head| unsafe { *head });
            while !link.is_null() {
                // SAFETY: listed, so its channel has not begun to drop, and
                // cannot while we hold its shard's lock (module docs).
                let listed = unsafe { &*link };
                // SAFETY: as just above; `list` was given `link`.
                read(unsafe { (listed.probe)(link) });
                // SAFETY: under the shard's lock.
                link = listed.next.with(|next| unsafe { *next });
            }
        }
    }

    #[cfg(test)]
    mod tests {
        use std::mem::offset_of;
        use std::sync::{Arc, Barrier};

        use super::*;

        /// A stand-in for a channel: what a probe reads, and a link. The
        /// domains below are the tests' own, so that the channels other
        /// tests of this binary list meanwhile are never counted.
        struct Watched {
            domain: u64,
            id: u64,
            len: usize,
            link: Link,
        }

        impl Watched {
            fn new(domain: u64, id: u64, len: usize) -> Watched {
                Watched {
                    domain,
                    id,
                    len,
                    link: Link::new(Watched::probe),
                }
            }

            /// Lists it, as a channel's first wait does.
            fn list(&self) {
                let this: *const Self = self;
                let link = this
                    .wrapping_byte_add(offset_of!(Self, link))
                    .cast::<Link>();
                // SAFETY: the link of a value that does not move while
                // listed (boxed or in an `Arc`) and unlists it on drop.
                unsafe { list(link) };
            }

            unsafe fn probe(link: *const Link) -> Reading {
                let this = link
                    .wrapping_byte_sub(offset_of!(Self, link))
                    .cast::<Self>();
                // SAFETY: `link` lies in a listed, hence live, `Watched`.
                let this = unsafe { &*this };
                Reading {
                    domain: this.domain,
                    id: this.id,
                    len: this.len,
                }
            }
        }

        impl Drop for Watched {
            fn drop(&mut self) {
                unlist(&self.link);
            }
        }

        /// Runs `test` on a thread of its own and fails if it has not
        /// finished within ten seconds: a broken list can loop.
        fn within(test: impl FnOnce() + Send + 'static) {
            let (done, finished) = std::sync::mpsc::channel();
            let runner = std::thread::spawn(move || {
                test();
                let _ = done.send(());
            });
            match finished.recv_timeout(std::time::Duration::from_secs(10)) {
                Ok(()) => runner.join().unwrap(),
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                    std::panic::resume_unwind(runner.join().unwrap_err())
                }
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                    panic!("not finished within 10 s: a list loops")
                }
            }
        }

        /// Every listed `(id, len)` of `domain`, as often as it is listed,
        /// sorted.
        fn listed(domain: u64) -> Vec<(u64, usize)> {
            let mut found = Vec::new();
            read_each(|reading| {
                if reading.domain == domain {
                    found.push((reading.id, reading.len));
                }
            });
            found.sort();
            found
        }

        #[test]
        fn unlisting_first_middle_and_last_links_keeps_every_other_link_listed() {
            within(|| {
                const DOMAIN: u64 = u64::MAX - 1;
                // Enough that every shard holds several.
                let mut watched: Vec<Option<Box<Watched>>> = (0..64)
                    .map(|id| Some(Box::new(Watched::new(DOMAIN, id, id as usize * 10))))
                    .collect();
                for each in watched.iter().flatten() {
                    each.list();
                }
                // The first and the last listed, then the middle, then odd
                // ones in reverse: heads, tails and inner links of each list.
                let order = [0, 63, 31, 32]
                    .into_iter()
                    .chain((1..63).rev().filter(|id| id % 2 == 1 && *id != 31));
                for id in order {
                    watched[id as usize] = None;
                    let expected: Vec<(u64, usize)> = watched
                        .iter()
                        .flatten()
                        .map(|each| (each.id, each.len))
                        .collect();
                    assert_eq!(listed(DOMAIN), expected, "after unlisting {id}");
                }
                drop(watched);
                assert_eq!(listed(DOMAIN), []);
            });
        }

        #[test]
        fn racing_first_waits_list_a_channel_once() {
            within(|| {
                const DOMAIN: u64 = u64::MAX - 2;
                const THREADS: usize = 8;
                for round in 0..50 {
                    let watched = Arc::new(Watched::new(DOMAIN, round, 1));
                    let start = Arc::new(Barrier::new(THREADS));
                    let listers: Vec<_> = (0..THREADS)
                        .map(|_| {
                            let (watched, start) = (watched.clone(), start.clone());
                            std::thread::spawn(move || {
                                start.wait();
                                watched.list();
                            })
                        })
                        .collect();
                    for lister in listers {
                        lister.join().unwrap();
                    }
                    assert_eq!(listed(DOMAIN), [(round, 1)], "round {round}");
                    drop(watched);
                    assert_eq!(listed(DOMAIN), [], "round {round}");
                }
            });
        }

        #[test]
        fn lengths_are_read_within_the_domain_asked_for() {
            within(|| {
                let (one, other) = (u64::MAX - 3, u64::MAX - 4);
                let mine = Box::new(Watched::new(one, 7, 2));
                let theirs = Box::new(Watched::new(other, 7, 5));
                let never_listed = Box::new(Watched::new(one, 8, 3));
                mine.list();
                theirs.list();
                assert_eq!(lengths(one, |_| true), HashMap::from([(7, 2)]));
                assert_eq!(lengths(other, |_| true), HashMap::from([(7, 5)]));
                assert_eq!(lengths(one, |id| id != 7), HashMap::new());
                drop((mine, theirs, never_listed));
            });
        }
    }
}

/// Under loom no channel is listed.
#[cfg(loom)]
pub(crate) fn lengths(
    _domain: u64,
    _wanted: impl Fn(u64) -> bool,
) -> std::collections::HashMap<u64, usize> {
    std::collections::HashMap::new()
}
