//! `hoare::par`: occam's PAR over processes.

mod support;

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use hoare::Runtime;
use support::mailbox::{Mailbox, Never};
use support::DropCounter;

#[test]
fn par_gives_results_in_input_order() {
    let results = hoare::run(hoare::par((0..100u64).map(|i| async move {
        // Later inputs finish first.
        for _ in 0..(100 - i) {
            hoare::yield_now().await;
        }
        i * i
    })));
    assert_eq!(
        results.unwrap(),
        (0..100u64).map(|i| i * i).collect::<Vec<_>>()
    );
}

#[test]
fn par_of_nothing_is_an_empty_vec() {
    let results = hoare::run(hoare::par(Vec::<std::future::Ready<u8>>::new()));
    assert_eq!(results.unwrap(), Vec::<u8>::new());
}

#[test]
fn par_failure_aborts_the_rest_and_returns_once_they_are_dropped() {
    let drops = Arc::new(AtomicUsize::new(0));
    let runtime = Runtime::builder().workers(2).build().unwrap();
    let counted = drops.clone();
    let result = runtime.block_on(async move {
        let mut futures: Vec<std::pin::Pin<Box<dyn Future<Output = u32> + Send>>> = Vec::new();
        for _ in 0..10 {
            let owned = DropCounter::new(0, &counted);
            futures.push(Box::pin(async move {
                let _owned = owned;
                Never.await;
                0
            }));
        }
        futures.push(Box::pin(async {
            hoare::yield_now().await;
            panic!("one branch fails");
        }));
        hoare::par(futures).await
    });
    let error = result.unwrap_err();
    assert!(error.is_panic());
    assert_eq!(
        drops.load(Ordering::SeqCst),
        10,
        "every other branch was dropped before par returned"
    );
}

#[test]
fn dropping_the_par_future_aborts_every_branch() {
    let drops = Arc::new(AtomicUsize::new(0));
    let runtime = Runtime::builder().workers(2).build().unwrap();
    let started = Mailbox::new();
    let counted = drops.clone();
    let signal = started.clone();
    runtime.block_on(async move {
        let branches = (0..5).map(|i| {
            let owned = DropCounter::new(0, &counted);
            let signal = signal.clone();
            async move {
                let _owned = owned;
                if i == 0 {
                    signal.put(());
                }
                Never.await;
            }
        });
        let mut par = Box::pin(hoare::par(branches));
        // Poll once so the branches are spawned, then drop the par future.
        std::future::poll_fn(|cx| {
            let _ = par.as_mut().poll(cx);
            std::task::Poll::Ready(())
        })
        .await;
        started.take().await;
        drop(par);
    });
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while drops.load(Ordering::SeqCst) < 5 {
        assert!(
            std::time::Instant::now() < deadline,
            "aborted branches were not dropped"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
}

#[test]
fn par_outside_a_runtime_panics_mentioning_runtime() {
    let panic =
        std::panic::catch_unwind(|| hoare::block_on(hoare::par([async { 1 }]))).unwrap_err();
    assert!(support::panic_message(&*panic).contains("runtime"));
}
