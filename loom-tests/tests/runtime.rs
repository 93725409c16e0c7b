//! Loom models of the runtime: task state, run queue, worker parking.
//!
//! They drive the real scheduler through the public API, with one worker
//! thread (under loom a runtime thread is a modelled thread), and check
//! one invariant each over every interleaving within the preemption bound.
#![cfg(loom)]

use hoare::Runtime;

/// A process spawned from the main thread while the only worker goes to
/// park is still run, and its output reaches the main thread's
/// `block_on` (no lost wake-up between the injection queue, the idle
/// bookkeeping and the worker's parker, nor between the task's completion
/// and the join waker).
///
/// Shown able to fail: removing the re-check of the queues after the last
/// searcher parks (`Worker::park`) makes loom report a deadlock.
#[test]
fn process_pushed_while_the_worker_parks_is_run() {
    loom::model(|| {
        let runtime = Runtime::builder().workers(1).build().unwrap();
        let handle = runtime.spawn(async { 7 });
        assert_eq!(runtime.block_on(handle).unwrap(), 7);
    });
}

/// The parker: an `unpark` racing `park` is never lost, whether it comes
/// before the owner parks, while it is deciding to sleep, or while it
/// sleeps.
///
/// Shown able to fail: dropping the `lock.lock()` that `unpark` takes
/// before `notify_one` lets the notification fall between the owner's
/// `PARKED` store and its wait (loom deadlock).
#[test]
fn unpark_racing_park_is_never_lost() {
    loom::model(|| {
        let parker = loom::sync::Arc::new(hoare::__loom::Parker::new());
        let unparker = {
            let parker = parker.clone();
            loom::thread::spawn(move || parker.unpark())
        };
        parker.park();
        unparker.join().unwrap();
    });
}

/// A process waiting on a channel is woken by a send from a foreign
/// thread (its wake goes to the injection queue) while the only worker
/// goes to park: the worker is woken and runs it.
///
/// Shown able to fail: removing the `SeqCst` fence in
/// `Idle::worker_to_notify` lets the producer read stale idle counts and
/// wake nobody while the worker, not yet seeing the push, parks (loom
/// deadlock).
#[test]
fn foreign_wake_while_the_worker_parks_is_run() {
    loom::model(|| {
        let runtime = Runtime::builder().workers(1).build().unwrap();
        let (tx, rx) = hoare::chan::bounded::<u32>(1);
        let handle = runtime.spawn(async move { rx.recv().await });
        let sender = loom::thread::spawn(move || tx.try_send(3).unwrap());
        assert_eq!(runtime.block_on(handle).unwrap(), Ok(3));
        sender.join().unwrap();
    });
}

/// Two workers, one busy: a process spawned on the busy worker's local
/// queue while the other worker searches (finds nothing), gives up and
/// parks is still run by the second worker: either its re-check as the
/// last searcher finds the queued process, or the spawn's notification
/// sees it parked and wakes it (the `SeqCst` fences in `Worker::park` and
/// `Idle::worker_to_notify`). With the first half of
/// `process_pushed_while_the_worker_parks_is_run` (a push to the injection
/// queue) and `task.rs`'s join models, this covers what a process
/// spawning a process on a two-worker runtime relies on, at the suite's
/// bound.
///
/// Shown able to fail: making the last searcher skip the re-check of the
/// queues when it parks (`Worker::park`) leaves the process in the busy
/// worker's queue with the other worker parked (loom deadlock).
#[test]
fn process_spawned_on_a_busy_worker_is_stolen_by_the_one_that_parks() {
    loom::model(|| {
        let mut workers = hoare::__loom::Workers::new(2);
        workers.start(1);
        let busy = workers.play(0);
        let handle = hoare::spawn(async { 5 });
        assert_eq!(hoare::block_on(handle).unwrap(), 5);
        drop(busy);
    });
}
