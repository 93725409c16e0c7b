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

/// Dropping a `JoinHandle` while its process completes on the worker frees
/// the output exactly once and the task block once (loom checks for leaks
/// of its own `Arc`s and for conflicting accesses to the stage cell).
///
/// Not shown able to fail in this form: with the worker in the loop the
/// race is rarely reached within the bound, and a breakage of the drop
/// path (the handle re-reading the state instead of using its snapshot)
/// passed here; `join_handle_drop_racing_completion_drops_the_output_once`
/// in `task.rs` catches that breakage.
#[test]
fn join_handle_drop_races_completion() {
    loom::model(|| {
        let runtime = Runtime::builder().workers(1).build().unwrap();
        let output = std::sync::Arc::new(());
        let probe = output.clone();
        let handle = runtime.spawn(async move { output });
        drop(handle);
        drop(runtime);
        assert_eq!(std::sync::Arc::strong_count(&probe), 1);
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

/// Two workers: a process spawned by a process lands on the first
/// worker's local queue while the other worker searches and parks; it is
/// run (by either worker) and its output reaches the main thread.
///
/// Shown able to fail: making the last searcher skip the re-check of the
/// queues when it parks (`Worker::park`) leaves the spawned process in a
/// queue with both workers parked (loom deadlock). Run at preemption
/// bound 1: three threads and two workers' loops are costly.
#[test]
fn process_spawned_by_a_process_with_two_workers_is_run() {
    loom_tests::model_with_bound(1, || {
        let runtime = Runtime::builder().workers(2).build().unwrap();
        let handle = runtime.spawn(async { hoare::spawn(async { 5 }).await.unwrap() });
        assert_eq!(runtime.block_on(handle).unwrap(), 5);
    });
}
