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
