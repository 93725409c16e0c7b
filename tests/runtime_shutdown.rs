//! Dropping a runtime: what happens to the processes still alive.

mod support;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hoare::Runtime;
use support::mailbox::{Mailbox, Never};
use support::DropCounter;

#[test]
fn dropping_a_runtime_with_processes_blocked_forever_returns() {
    let runtime = Runtime::builder().workers(2).build().unwrap();
    for _ in 0..1000 {
        drop(runtime.spawn(Never));
        let mailbox = Mailbox::<u8>::new();
        drop(runtime.spawn(async move {
            // Waits on a mailbox nobody else can reach: its waker is
            // stored inside its own future's state.
            mailbox.take().await;
        }));
    }
    let started = Instant::now();
    drop(runtime);
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn no_process_owned_value_leaks_after_runtime_drop() {
    let drops = Arc::new(AtomicUsize::new(0));
    let runtime = Runtime::builder().workers(2).build().unwrap();
    let mut handles = Vec::new();
    for i in 0..3000 {
        let owned = DropCounter::new(0, &drops);
        let mailbox = Mailbox::<()>::new();
        let handle = runtime.spawn(async move {
            let _owned = owned;
            match i % 3 {
                0 => Never.await,
                1 => mailbox.take().await,
                _ => loop {
                    hoare::yield_now().await;
                },
            }
        });
        if i % 2 == 0 {
            handles.push(handle);
        }
    }
    // Outputs of finished processes are dropped too.
    let output_drops = Arc::new(AtomicUsize::new(0));
    let finished = runtime.spawn({
        let output = DropCounter::new(0, &output_drops);
        async move { output }
    });
    while !finished.is_finished() {
        std::thread::yield_now();
    }
    drop(finished);
    drop(runtime);
    assert_eq!(
        drops.load(Ordering::SeqCst),
        3000,
        "every process's future was dropped once"
    );
    assert_eq!(output_drops.load(Ordering::SeqCst), 1);
    for handle in handles {
        assert!(hoare::block_on(handle).unwrap_err().is_cancelled());
    }
}

#[test]
fn block_on_returns_as_soon_as_its_future_completes() {
    let runtime = Runtime::builder().workers(2).build().unwrap();
    let started = Instant::now();
    runtime.block_on(async {
        for _ in 0..4 {
            drop(hoare::spawn(async {
                loop {
                    hoare::yield_now().await;
                }
            }));
        }
    });
    drop(runtime);
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn runtime_dropped_while_panicking_detaches_instead_of_joining() {
    let release = Arc::new(AtomicBool::new(false));
    let busy_started = Arc::new(AtomicBool::new(false));
    let (release_inner, started_inner) = (release.clone(), busy_started.clone());
    let started = Instant::now();
    let result = std::panic::catch_unwind(move || {
        let runtime = Runtime::builder().workers(1).build().unwrap();
        drop(runtime.spawn(async move {
            started_inner.store(true, Ordering::SeqCst);
            // Never yields until released: joining its worker would hang.
            while !release_inner.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(1));
            }
        }));
        while !busy_started.load(Ordering::SeqCst) {
            std::thread::yield_now();
        }
        panic!("the runtime's owner panics");
    });
    assert!(result.is_err());
    assert!(started.elapsed() < Duration::from_secs(5));
    release.store(true, Ordering::SeqCst);
}
