//! Panics, aborts and the runtime's end: what a `JoinHandle` reports.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use hoare::Runtime;
use support::mailbox::{Mailbox, Never};
use support::{panic_message, DropCounter};

#[test]
fn panic_in_a_process_comes_back_through_its_handle_and_others_go_on() {
    let runtime = Runtime::builder().workers(2).build().unwrap();
    runtime.block_on(async {
        let bad = hoare::spawn(async {
            panic!("boom in a process");
        });
        let good = hoare::spawn(async { 7 });
        let error = bad.await.unwrap_err();
        assert!(error.is_panic() && !error.is_cancelled());
        assert!(error.to_string().contains("boom in a process"), "{error}");
        assert_eq!(panic_message(&*error.into_panic()), "boom in a process");
        assert_eq!(good.await.unwrap(), 7);
    });
    // The runtime still works after the panic.
    assert_eq!(runtime.block_on(runtime.spawn(async { 1 })).unwrap(), 1);
}

#[test]
fn a_panicking_process_drops_what_it_owns() {
    let drops = Arc::new(AtomicUsize::new(0));
    let owned = DropCounter::new(0, &drops);
    let error = hoare::run(async move {
        hoare::spawn(async move {
            let _owned = owned;
            panic!("with a value on the stack");
        })
        .await
    })
    .unwrap_err();
    assert!(error.is_panic());
    assert_eq!(drops.load(Ordering::SeqCst), 1);
}

#[test]
fn abort_cancels_a_pending_process_and_drops_its_future() {
    let drops = Arc::new(AtomicUsize::new(0));
    let owned = DropCounter::new(0, &drops);
    let runtime = Runtime::builder().workers(2).build().unwrap();
    let handle = runtime.spawn(async move {
        let _owned = owned;
        Never.await;
    });
    std::thread::sleep(Duration::from_millis(10));
    handle.abort();
    let error = runtime.block_on(handle).unwrap_err();
    assert!(error.is_cancelled() && !error.is_panic());
    assert_eq!(drops.load(Ordering::SeqCst), 1);
}

#[test]
fn abort_before_first_poll_cancels() {
    let runtime = Runtime::builder().workers(1).build().unwrap();
    let error = runtime.block_on(async {
        let handle = hoare::spawn(async { 5 });
        handle.abort();
        handle.await
    });
    // Spawned from the main future, the process may already have run on
    // the worker; if it did not, it was cancelled.
    match error {
        Ok(value) => assert_eq!(value, 5),
        Err(error) => assert!(error.is_cancelled()),
    }
}

#[test]
fn abort_of_a_finished_process_still_gives_ok() {
    let runtime = Runtime::builder().workers(1).build().unwrap();
    let handle = runtime.spawn(async { 9 });
    while !handle.is_finished() {
        std::thread::yield_now();
    }
    handle.abort();
    assert_eq!(runtime.block_on(handle).unwrap(), 9);
}

#[test]
fn abort_takes_effect_at_the_next_yield() {
    let runtime = Runtime::builder().workers(2).build().unwrap();
    let started = Mailbox::new();
    let gate = Mailbox::<()>::new();
    let (started_tx, gate_rx) = (started.clone(), gate.clone());
    let polls = Arc::new(AtomicUsize::new(0));
    let counted = polls.clone();
    let handle = runtime.spawn(async move {
        started_tx.put(());
        gate_rx.take().await;
        counted.fetch_add(1, Ordering::SeqCst);
    });
    runtime.block_on(started.take());
    // Once the process waits on the gate, it has reached its yield.
    while !gate.has_waiter() {
        std::thread::yield_now();
    }
    handle.abort();
    gate.put(());
    assert!(runtime.block_on(handle).unwrap_err().is_cancelled());
    assert_eq!(
        polls.load(Ordering::SeqCst),
        0,
        "the process never resumed after the abort"
    );
}

#[test]
fn join_handle_awaited_after_its_runtime_was_dropped_is_cancelled() {
    let runtime = Runtime::builder().workers(2).build().unwrap();
    let handle = runtime.spawn(Never);
    drop(runtime);
    assert!(handle.is_finished());
    let error = hoare::block_on(handle).unwrap_err();
    assert!(error.is_cancelled());
}

#[test]
fn dropping_a_runtime_inside_its_own_process_panics() {
    let runtime = Arc::new(Runtime::builder().workers(1).build().unwrap());
    let inner = runtime.clone();
    let (sent, received) = std::sync::mpsc::channel();
    let holder = runtime.spawn(async move {
        // Wait until the outside has let go, so this drop is the last one.
        while Arc::strong_count(&inner) > 1 {
            hoare::yield_now().await;
        }
        drop(inner);
    });
    std::thread::spawn(move || {
        let result = hoare::block_on(holder);
        let _ = sent.send(result.map_err(|error| panic_message(&*error.into_panic())));
    });
    drop(runtime);
    let message = received
        .recv_timeout(Duration::from_secs(10))
        .unwrap()
        .unwrap_err();
    assert!(
        message.contains("inside one of its own processes"),
        "{message}"
    );
}

#[test]
fn into_panic_of_a_cancelled_error_panics_with_advice() {
    let runtime = Runtime::builder().workers(1).build().unwrap();
    let handle = runtime.spawn(Never);
    handle.abort();
    let error = runtime.block_on(handle).unwrap_err();
    assert!(format!("{error:?}").contains("Cancelled"));
    let panic =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| error.into_panic())).unwrap_err();
    assert!(panic_message(&*panic).contains("is_panic"));
}
