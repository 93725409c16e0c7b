//! Loom models of the run queues: a worker's local steal-half ring and the
//! injection queue.
//!
//! The processes queued here are empty ones made by a `Scheduler` with no
//! worker threads; a model only moves them between queues and checks, by
//! their ids, that each is taken exactly once.
#![cfg(loom)]

use std::sync::Arc;

use hoare::__loom::{local_queue, LocalQueue, Runnable, Scheduler, LOCAL_QUEUE_CAPACITY};
use loom::thread;

/// Ids of `tasks`, sorted; panics on a duplicate.
fn ids(tasks: Vec<Runnable>) -> Vec<u64> {
    let mut ids: Vec<u64> = tasks.iter().map(Runnable::id).collect();
    ids.sort_unstable();
    let before = ids.len();
    ids.dedup();
    assert_eq!(ids.len(), before, "a process was taken twice");
    ids
}

fn drain(queue: &LocalQueue) -> Vec<Runnable> {
    std::iter::from_fn(|| queue.pop()).collect()
}

/// Owner pops and pushes while a thief steals half, with the ring's
/// indices about to wrap: every process is taken exactly once (by the
/// owner or the thief), none is lost.
///
/// Shown able to fail: weakening the thief's claim in
/// `Steal::claim_and_copy` to read `tail` with `Relaxed` instead of
/// `Acquire` makes loom report a read of a slot racing its write
/// (causality violation on the `UnsafeCell`).
#[test]
fn local_queue_owner_racing_a_thief_takes_each_process_once() {
    assert_eq!(LOCAL_QUEUE_CAPACITY, 4);
    loom::model(|| {
        let scheduler = Arc::new(Scheduler::new());
        let (owner, stealer) = local_queue();
        // Move the indices on so the pushes below wrap around the ring.
        for _ in 0..3 {
            owner.try_push(scheduler.runnable()).ok().unwrap();
            drop(owner.pop().unwrap());
        }
        let early = scheduler.runnable();
        let late: Vec<Runnable> = (0..2).map(|_| scheduler.runnable()).collect();
        let mut expected: Vec<u64> = late.iter().map(Runnable::id).collect();
        expected.push(early.id());
        owner.try_push(early).ok().unwrap();
        let thief = thread::spawn(move || {
            let (mine, _) = local_queue();
            let first = stealer.steal_into(&mine);
            let mut taken: Vec<Runnable> = first.into_iter().collect();
            taken.extend(drain(&mine));
            taken
        });
        // These pushes race the theft and cross the end of the ring.
        for task in late {
            owner.try_push(task).ok().unwrap();
        }
        let mut taken: Vec<Runnable> = owner.pop().into_iter().collect();
        taken.extend(drain(&owner));
        taken.extend(thief.join().unwrap());
        expected.sort_unstable();
        assert_eq!(ids(taken), expected);
    });
}

/// The owner overflows its full queue (half of it moves to the injection
/// queue) while a thief steals: every process ends up exactly once in the
/// owner's queue, the thief's, or the injection queue.
///
/// Shown able to fail: ignoring a failed compare-and-swap in
/// `push_overflow` (claiming the half even though a thief moved `head`)
/// lets the thief and the overflow take the same processes (loom: a
/// process taken twice).
#[test]
fn local_queue_overflow_racing_a_thief_loses_nothing() {
    loom::model(|| {
        let scheduler = Arc::new(Scheduler::new());
        let (owner, stealer) = local_queue();
        let mut expected = Vec::new();
        for _ in 0..LOCAL_QUEUE_CAPACITY {
            let task = scheduler.runnable();
            expected.push(task.id());
            owner.try_push(task).ok().unwrap();
        }
        let extra = scheduler.runnable();
        expected.push(extra.id());
        let thief = thread::spawn(move || {
            let (mine, _) = local_queue();
            let mut taken: Vec<Runnable> = stealer.steal_into(&mine).into_iter().collect();
            taken.extend(drain(&mine));
            taken
        });
        owner.push(extra, &scheduler);
        let mut taken = drain(&owner);
        taken.extend(thief.join().unwrap());
        taken.extend(std::iter::from_fn(|| scheduler.pop()));
        expected.sort_unstable();
        assert_eq!(ids(taken), expected);
    });
}

/// Two thieves race for the same queue while its owner pops: at most one
/// theft runs at a time and every process is taken exactly once.
///
/// Shown able to fail: removing the "another theft is in progress" check
/// (`steal != real`) in `claim_and_copy` lets the second thief end the
/// first one's theft early, and the owner's pushes then overwrite slots
/// the first thief is still reading (loom: concurrent `UnsafeCell` access).
#[test]
fn two_thieves_and_the_owner_take_each_process_once() {
    loom_tests::model_with_bound(2, || {
        let scheduler = Arc::new(Scheduler::new());
        let (owner, stealer) = local_queue();
        let stealer = Arc::new(stealer);
        let mut expected = Vec::new();
        for _ in 0..3 {
            let task = scheduler.runnable();
            expected.push(task.id());
            owner.try_push(task).ok().unwrap();
        }
        let thieves: Vec<_> = (0..2)
            .map(|_| {
                let stealer = stealer.clone();
                thread::spawn(move || {
                    let (mine, _) = local_queue();
                    let mut taken: Vec<Runnable> = stealer.steal_into(&mine).into_iter().collect();
                    taken.extend(drain(&mine));
                    taken
                })
            })
            .collect();
        let late: Vec<Runnable> = (0..2).map(|_| scheduler.runnable()).collect();
        expected.extend(late.iter().map(Runnable::id));
        let mut taken: Vec<Runnable> = owner.pop().into_iter().collect();
        // Pushes that reuse slots the thieves may still be copying from.
        for task in late {
            if let Err(task) = owner.try_push(task) {
                taken.push(task);
            }
        }
        for thief in thieves {
            taken.extend(thief.join().unwrap());
        }
        taken.extend(drain(&owner));
        expected.sort_unstable();
        assert_eq!(ids(taken), expected);
    });
}

/// The injection queue: two threads push while a third pops (directly and
/// with a share moved into a local queue): every process comes out exactly
/// once, and the queue is empty (and says so) once all are taken.
///
/// Shown able to fail only grossly: it is a `VecDeque` under a mutex, so
/// weakening orderings changes nothing; skipping the `len` publication in
/// `Inject::push` makes `pop` miss the process (the model panics).
#[test]
fn injection_queue_concurrent_push_and_pop_loses_nothing() {
    loom::model(|| {
        let scheduler = Arc::new(Scheduler::new());
        let first = scheduler.runnable();
        let second = scheduler.runnable();
        let mut expected = vec![first.id(), second.id()];
        let pushers: Vec<_> = [first, second]
            .into_iter()
            .map(|task| {
                let scheduler = scheduler.clone();
                thread::spawn(move || scheduler.push(task).ok().unwrap())
            })
            .collect();
        let (local, _) = local_queue();
        let mut taken: Vec<Runnable> = scheduler.pop_into(&local).into_iter().collect();
        taken.extend(scheduler.pop());
        for pusher in pushers {
            pusher.join().unwrap();
        }
        taken.extend(std::iter::from_fn(|| scheduler.pop()));
        taken.extend(drain(&local));
        expected.sort_unstable();
        assert_eq!(ids(taken), expected);
        assert!(scheduler.inject_is_empty());
    });
}
