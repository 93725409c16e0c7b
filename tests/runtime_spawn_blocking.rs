//! `hoare::spawn_blocking`: closures on threads apart from the workers.

mod support;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use hoare::chan;
use hoare::time::timeout;
use support::panic_message;

const PATIENCE: Duration = Duration::from_secs(10);

#[test]
fn the_closure_runs_on_a_thread_that_is_not_a_worker() {
    let runtime = hoare::Runtime::builder()
        .workers(1)
        .thread_name("the-worker")
        .build()
        .unwrap();
    let (worker, closure) = runtime.block_on(async {
        let worker = hoare::spawn(async { thread::current().id() })
            .await
            .unwrap();
        let closure = hoare::spawn_blocking(|| {
            (
                thread::current().id(),
                thread::current().name().map(String::from),
            )
        });
        (worker, timeout(PATIENCE, closure).await.unwrap().unwrap())
    });
    assert_ne!(worker, closure.0);
    assert_ne!(closure.1.as_deref(), Some("the-worker"));
}

#[test]
fn a_blocking_closure_does_not_stall_the_workers() {
    hoare::run(async {
        let (release_tx, release_rx) = chan::bounded::<()>(0);
        let blocked = hoare::spawn_blocking(move || release_rx.recv_timeout(PATIENCE).is_ok());
        // With the closure parked on its pool thread, processes still run.
        let sum = hoare::spawn(async { 20 + 22 }).await.unwrap();
        assert_eq!(sum, 42);
        release_tx.send(()).await.unwrap();
        assert!(timeout(PATIENCE, blocked).await.unwrap().unwrap());
    });
}

#[test]
fn spawn_blocking_works_outside_a_runtime() {
    let handle = hoare::spawn_blocking(|| "outside");
    assert_eq!(
        hoare::block_on(timeout(PATIENCE, handle)).unwrap().unwrap(),
        "outside"
    );
    // From a plain thread too.
    let from_thread = thread::spawn(|| {
        let handle = hoare::spawn_blocking(|| 7);
        hoare::block_on(timeout(PATIENCE, handle)).unwrap().unwrap()
    });
    assert_eq!(from_thread.join().unwrap(), 7);
}

#[test]
fn a_panic_in_the_closure_comes_back_as_a_join_error() {
    let error = hoare::run(async {
        let handle = hoare::spawn_blocking(|| -> u8 { panic!("the closure broke") });
        timeout(PATIENCE, handle).await.unwrap().unwrap_err()
    });
    assert!(error.is_panic() && !error.is_cancelled());
    assert_eq!(panic_message(&*error.into_panic()), "the closure broke");
    // Outside a runtime too.
    let handle = hoare::spawn_blocking(|| -> u8 { panic!("outside broke") });
    let error = hoare::block_on(timeout(PATIENCE, handle))
        .unwrap()
        .unwrap_err();
    assert!(error.is_panic());
}

#[test]
fn abort_does_not_stop_a_closure_that_has_started() {
    let finished = Arc::new(AtomicBool::new(false));
    hoare::run(async {
        let (started_tx, started_rx) = chan::bounded::<()>(1);
        let finished = finished.clone();
        let handle = hoare::spawn_blocking(move || {
            started_tx.send_blocking(()).unwrap();
            thread::sleep(Duration::from_millis(30));
            finished.store(true, Ordering::SeqCst);
        });
        timeout(PATIENCE, started_rx.recv()).await.unwrap().unwrap();
        handle.abort();
        let result = timeout(PATIENCE, handle).await.unwrap();
        // The process waiting for it was cancelled ...
        assert!(result.unwrap_err().is_cancelled());
    });
    // ... but the closure runs to its end.
    let deadline = Instant::now() + PATIENCE;
    while !finished.load(Ordering::SeqCst) {
        assert!(
            Instant::now() < deadline,
            "the started closure never finished"
        );
        thread::sleep(Duration::from_millis(1));
    }
}

#[test]
fn dropping_a_runtime_does_not_wait_for_a_running_closure() {
    let (release_tx, release_rx) = chan::bounded::<()>(0);
    let (started_tx, started_rx) = chan::bounded::<()>(1);
    let runtime = hoare::Runtime::builder().workers(1).build().unwrap();
    // The handle outlives the runtime on purpose: it is awaited after the drop.
    #[allow(clippy::async_yields_async)]
    let handle = runtime.block_on(async move {
        let handle = hoare::spawn_blocking(move || {
            started_tx.send_blocking(()).unwrap();
            // Blocks until released, long after the runtime is gone.
            let _ = release_rx.recv_timeout(PATIENCE);
        });
        timeout(PATIENCE, started_rx.recv()).await.unwrap().unwrap();
        handle
    });
    let start = Instant::now();
    drop(runtime);
    assert!(
        start.elapsed() < PATIENCE / 2,
        "the runtime's drop waited for the closure"
    );
    let result = hoare::block_on(timeout(PATIENCE, handle)).unwrap();
    assert!(result.unwrap_err().is_cancelled());
    let _ = release_tx.try_send(());
}

#[test]
fn many_closures_run_at_once() {
    // More closures than cores, all waiting for each other: the pool grows.
    const N: usize = 16;
    hoare::run(async {
        let barrier = Arc::new(std::sync::Barrier::new(N));
        let handles: Vec<_> = (0..N)
            .map(|i| {
                let barrier = barrier.clone();
                hoare::spawn_blocking(move || {
                    barrier.wait();
                    i
                })
            })
            .collect();
        let mut outputs = Vec::new();
        for handle in handles {
            outputs.push(timeout(PATIENCE, handle).await.unwrap().unwrap());
        }
        assert_eq!(outputs, (0..N).collect::<Vec<_>>());
    });
}

#[test]
fn inside_a_simulation_the_closure_runs_inline_as_one_step() {
    let sim_thread = thread::current().id();
    let (ran_on, output) = hoare::sim::Builder::new().seed(3).run(async move {
        let handle = hoare::spawn_blocking(move || (thread::current().id(), 5));
        let (ran_on, output) = handle.await.unwrap();
        (ran_on, output)
    });
    assert_eq!(ran_on, sim_thread);
    assert_eq!(output, 5);
}

#[test]
fn inside_a_simulation_a_panicking_closure_gives_a_join_error() {
    let is_panic = hoare::sim::Builder::new().run(async {
        let handle = hoare::spawn_blocking(|| -> u8 { panic!("inline broke") });
        handle.await.unwrap_err().is_panic()
    });
    assert!(is_panic);
}
