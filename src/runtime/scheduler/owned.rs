//! The list of a runtime's live processes, so shutdown can drop them all.
//!
//! A process blocked forever on a channel sits in no run queue; only its
//! wakers (inside channels, perhaps inside its own future) point to it.
//! To drop every pending process when the runtime is dropped, each one is
//! linked into this list from spawn until it completes. The list holds one
//! reference to each process.
//!
//! It is an intrusive doubly linked list (the links live in the task
//! header, so linking allocates nothing), split into shards by process id
//! so that spawns and completions on different workers rarely meet on a
//! lock. Closing the list (at shutdown) refuses later spawns: those are
//! cancelled at once.
//!
//! Drop paths: a process leaves the list either when it completes (its
//! completing thread calls [`OwnedTasks::remove`] and drops the list's
//! reference) or when the list is closed ([`OwnedTasks::close_and_drain`]
//! hands the reference to the shutdown code). Whether the process is
//! still linked, read only under the shard lock, decides which of the two
//! happens: a process is linked exactly when it is its shard's head or has
//! a `prev` (the links carry no flag of their own, which would cost the
//! header a word).

use std::ptr::NonNull;

use crate::runtime::task::raw::Header;
use crate::runtime::task::Task;
use crate::sync::Mutex;

/// Number of shards (a power of two).
const SHARDS: usize = 32;

/// A process's place in the list. Guarded by the lock of the shard that
/// `Header::id` selects. `prev` is `None` for the shard's head and for a
/// process not linked (see [`OwnedTasks::remove`]).
#[derive(Default)]
pub(crate) struct Links {
    prev: Option<NonNull<Header>>,
    next: Option<NonNull<Header>>,
}

struct Shard {
    head: Option<NonNull<Header>>,
    closed: bool,
}

// SAFETY: the pointers are task blocks kept alive by the list's
// references; they are only followed under the shard's lock.
unsafe impl Send for Shard {}

/// The live processes of one runtime.
pub(crate) struct OwnedTasks {
    shards: Box<[Mutex<Shard>]>,
}

/// The links of `header`.
///
/// # Safety
///
/// The caller holds the lock of `header`'s shard, and `header` is live.
unsafe fn links<'a>(header: NonNull<Header>) -> &'a mut Links {
    // SAFETY: the links are only accessed under the shard lock, which the
    // caller holds, so this access is exclusive.
    unsafe { header.as_ref() }
        .links
        .with_mut(|ptr| unsafe { &mut *ptr })
}

impl OwnedTasks {
    pub(crate) fn new() -> Self {
        let shards = (0..SHARDS)
            .map(|_| {
                Mutex::new(Shard {
                    head: None,
                    closed: false,
                })
            })
            .collect();
        OwnedTasks { shards }
    }

    fn shard(&self, header: NonNull<Header>) -> &Mutex<Shard> {
        // SAFETY: the caller's reference keeps the block alive.
        let id = unsafe { header.as_ref() }.id;
        &self.shards[id as usize & (SHARDS - 1)]
    }

    /// Links a new process, taking over `task` (the list's reference).
    /// Fails, giving it back, if the list is closed (runtime shut down).
    pub(crate) fn bind(&self, task: Task) -> Result<(), Task> {
        let header = task.header_ptr();
        let mut shard = self.shard(header).lock();
        if shard.closed {
            return Err(task);
        }
        // SAFETY: we hold the shard lock; `header` is live (our reference).
        let new = unsafe { links(header) };
        debug_assert!(new.prev.is_none() && shard.head != Some(header));
        new.prev = None;
        new.next = shard.head;
        if let Some(old_head) = shard.head {
            // SAFETY: same shard lock; linked blocks are alive (list refs).
            unsafe { links(old_head) }.prev = Some(header);
        }
        shard.head = Some(header);
        drop(shard);
        let _ = task.into_raw();
        Ok(())
    }

    /// Unlinks `header` if it is still linked. Returns whether it was: the
    /// list's reference then belongs to the caller.
    pub(crate) fn remove(&self, header: NonNull<Header>) -> bool {
        let mut shard = self.shard(header).lock();
        // SAFETY: shard lock held; the caller keeps `header` alive.
        let this = unsafe { links(header) };
        // Linked: the head, or after another process (`prev`). Unlinking
        // clears `prev` and moves the head off this process, so a second
        // call (or one after `close_and_drain`) finds it unlinked.
        if this.prev.is_none() && shard.head != Some(header) {
            return false;
        }
        let (prev, next) = (this.prev.take(), this.next.take());
        match prev {
            // SAFETY: linked neighbours are alive and in this shard.
            Some(prev) => unsafe { links(prev) }.next = next,
            None => shard.head = next,
        }
        if let Some(next) = next {
            // SAFETY: as above.
            unsafe { links(next) }.prev = prev;
        }
        true
    }

    /// Calls `visit` with every linked process, one shard at a time under
    /// its lock: a process visited is alive (the list holds a reference to
    /// it) until the shard is unlocked. `visit` must not spawn, complete
    /// or lock another shard.
    pub(crate) fn for_each(&self, mut visit: impl FnMut(&Header)) {
        for shard in self.shards.iter() {
            let shard = shard.lock();
            let mut next = shard.head;
            while let Some(header) = next {
                // SAFETY: shard lock held; linked blocks are alive (list refs).
                next = unsafe { links(header) }.next;
                // SAFETY: as above: the list's reference keeps it alive.
                visit(unsafe { header.as_ref() });
            }
        }
    }

    /// Closes the list (later binds fail) and unlinks every process,
    /// handing over the list's references.
    pub(crate) fn close_and_drain(&self) -> Vec<Task> {
        let mut drained = Vec::new();
        for shard in self.shards.iter() {
            let mut shard = shard.lock();
            shard.closed = true;
            while let Some(header) = shard.head {
                // SAFETY: shard lock held; the head is alive (list ref).
                let this = unsafe { links(header) };
                shard.head = this.next.take();
                this.prev = None;
                if let Some(next) = shard.head {
                    // SAFETY: as above.
                    unsafe { links(next) }.prev = None;
                }
                // SAFETY: the list's reference is handed to the caller.
                drained.push(unsafe { Task::from_raw(header) });
            }
        }
        drained
    }
}
