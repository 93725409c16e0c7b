//! Loom models of the runtime: task state, run queue, worker parking.
//!
//! They drive the real scheduler through the public API, with one worker
//! thread (under loom a runtime thread is a modelled thread), or through
//! `hoare::__loom::Workers`, which runs real worker loops on loom threads
//! and lets the model play a busy worker, so a two-worker race stays small
//! enough for the suite's bound. Each checks one invariant over every
//! interleaving within the preemption bound.
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

/// The main future of `Runtime::block_on` wakes a process and waits for
/// its answer: the process, woken on the main thread, runs there from the
/// LIFO slot as soon as the main future returns `Pending` (or on the
/// worker, if it was not yet waiting), and its answer wakes the main
/// future, whose thread either sees the wake before parking or is
/// unparked by it. No process is stranded and no wake-up lost.
///
/// Shown able to fail: making `MainSignal::wake` unpark only on a second
/// wake (`if self.woken.swap(..)` instead of `if !self.woken.swap(..)`)
/// leaves the main thread parked once the answer comes from the worker
/// (loom deadlock).
#[test]
fn process_woken_by_the_main_future_answers_it() {
    loom::model(|| {
        let runtime = Runtime::builder().workers(1).build().unwrap();
        let (request_tx, request_rx) = hoare::chan::bounded::<u32>(1);
        let (reply_tx, reply_rx) = hoare::chan::bounded::<u32>(1);
        let server = runtime.spawn(async move {
            let request = request_rx.recv().await.unwrap();
            reply_tx.send(request * 2).await.unwrap();
        });
        let reply = runtime.block_on(async {
            request_tx.send(3).await.unwrap();
            reply_rx.recv().await
        });
        assert_eq!(reply, Ok(6));
        runtime.block_on(server).unwrap();
    });
}

/// The main future wakes a process and finishes in the same poll: the
/// process sits in the main thread's LIFO slot, which is handed to the
/// injection queue (and a worker woken for it) before `block_on` returns,
/// so the process still runs.
///
/// Shown able to fail: making `ThreadContext::flush_lifo` drop the slot's
/// process instead of queueing it strands the process; joining it then
/// never finishes (loom deadlock).
#[test]
fn process_woken_as_the_main_future_finishes_is_handed_to_a_worker() {
    loom::model(|| {
        let runtime = Runtime::builder().workers(1).build().unwrap();
        let (tx, rx) = hoare::chan::bounded::<u32>(1);
        let receiver = runtime.spawn(async move { rx.recv().await });
        runtime.block_on(async { tx.try_send(4).unwrap() });
        assert_eq!(runtime.block_on(receiver).unwrap(), Ok(4));
    });
}

/// Two real workers, both with nothing to do, search, give up and park
/// while the main thread spawns a process from outside the runtime (a
/// push to the injection queue): whichever point of the two workers'
/// parking the push lands at, one of them runs the process (the last
/// searcher's re-check of the injection queue, or the spawn's
/// notification of a parked worker through `Idle::worker_to_notify`), and
/// its output reaches the main thread.
///
/// Shown able to fail: `loom-tests/mutations.toml` entry
/// `two_parking_workers_skip_the_injection_recheck`.
#[test]
fn process_injected_while_two_workers_park_is_run() {
    loom::model(|| {
        let mut workers = hoare::__loom::Workers::new(2);
        workers.start(0);
        workers.start(1);
        let handle = workers.spawn(async { 9 });
        assert_eq!(hoare::block_on(handle).unwrap(), 9);
    });
}

/// Two workers, one busy with a process queued behind it that the other
/// only watches (under loom a watch lasts until something wakes it: there
/// is no time to end it): a process spawned from another thread, which
/// goes to the injection queue, wakes the watcher and is run. The pusher
/// sees the watcher's flag, or the watcher's last look before it sleeps
/// sees the push (`Scheduler::wake_watchers`, `Worker::watch`).
///
/// Shown able to fail: `loom-tests/mutations.toml` entry
/// `a_watching_worker_is_woken_by_an_injected_process`.
#[test]
fn a_watching_worker_is_woken_by_an_injected_process() {
    loom::model(|| {
        let mut workers = hoare::__loom::Workers::watching(2);
        workers.start(1);
        let busy = workers.play(0);
        // Queued on the busy worker's own queue, which nobody pops: the
        // idle worker watches it.
        let queued = hoare::spawn(async {});
        let injector = workers.injector();
        let outside = loom::thread::spawn(move || {
            let handle = injector.spawn(async { 4 });
            hoare::block_on(handle).unwrap()
        });
        assert_eq!(outside.join().unwrap(), 4);
        drop(queued);
        drop(busy);
    });
}
