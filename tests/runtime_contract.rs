//! The runtime contract, sentence by sentence: spawning outside a runtime,
//! blocking calls inside one, join handles (result, abort, detach), what
//! dropping a runtime or a `par` future cancels, and the cooperative
//! budget. One property per test, beside the focused `runtime_*` suites.

mod support;

use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use hoare::chan::{bounded, unbounded, RecvError};
use hoare::Runtime;
use support::{expect_panic, panic_message, within, DropCounter};

#[test]
fn spawn_outside_a_runtime_panics_mentioning_runtime() {
    let m = expect_panic(|| {
        drop(hoare::spawn(async {}));
    });
    assert!(m.contains("runtime"), "{m}");
}

#[test]
fn workers_zero_is_invalid_input_naming_workers() {
    let Err(err) = Runtime::builder().workers(0).build() else {
        panic!("workers(0) must fail")
    };
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    assert!(err.to_string().contains("workers"), "{err}");
}

#[test]
fn run_and_block_on_from_a_process_panic_pointing_to_await() {
    within(20, || {
        hoare::run(async {
            for which in 0..3 {
                let h = hoare::spawn(async move {
                    match which {
                        0 => hoare::block_on(async {}),
                        1 => hoare::run(async {}),
                        _ => {
                            let (_tx, rx) = unbounded::<u8>();
                            let _ = rx.iter().next();
                        }
                    }
                });
                let e = h.await.unwrap_err();
                assert!(e.is_panic());
                let m = panic_message(&*e.into_panic());
                assert!(m.contains(".await"), "case {which}: {m}");
            }
        });
    });
}

#[test]
fn the_main_future_need_not_be_send() {
    let rc = Rc::new(5);
    let v = hoare::run(async move {
        hoare::yield_now().await;
        *rc
    });
    assert_eq!(v, 5);
    let rt = Runtime::new().unwrap();
    let rc = Rc::new(6);
    assert_eq!(rt.block_on(async move { *rc }), 6);
    let rc = Rc::new(7);
    assert_eq!(hoare::block_on(async move { *rc }), 7);
}

#[test]
fn join_handle_results_abort_and_is_finished() {
    within(20, || {
        let rt = Runtime::builder().workers(2).build().unwrap();
        rt.block_on(async {
            let h = hoare::spawn(async { 40 + 2 });
            assert_eq!(h.await.unwrap(), 42);
            // abort a pending process
            let (_tx, rx) = bounded::<()>(0);
            let h = hoare::spawn(async move {
                let _ = rx.recv().await;
            });
            hoare::yield_now().await;
            h.abort();
            let e = h.await.unwrap_err();
            assert!(e.is_cancelled() && !e.is_panic());
            assert!(!e.to_string().is_empty());
            let _ = format!("{e:?}");
            // abort after it finished: still Ok
            let h = hoare::spawn(async { 1 });
            while !h.is_finished() {
                hoare::yield_now().await;
            }
            h.abort();
            assert_eq!(h.await.unwrap(), 1);
            // Debug without T: Debug
            struct Opaque;
            let h = hoare::spawn(async { Opaque });
            let _ = format!("{h:?}");
            let _ = h.await;
        });
    });
}

#[test]
fn a_panic_comes_back_through_the_handle_and_others_go_on() {
    hoare::run(async {
        let bad = hoare::spawn(async { panic!("process failed: 17") });
        let good = hoare::spawn(async { 3 });
        let e = bad.await.unwrap_err();
        assert!(e.is_panic());
        assert!(panic_message(&*e.into_panic()).contains("17"));
        assert_eq!(good.await.unwrap(), 3);
    });
}

#[test]
fn handle_awaited_after_runtime_dropped_is_cancelled() {
    let rt = Runtime::builder().workers(1).build().unwrap();
    let (_tx, rx) = bounded::<()>(0);
    let h = rt.spawn(async move {
        let _ = rx.recv().await;
    });
    drop(rt);
    let e = hoare::block_on(h).unwrap_err();
    assert!(e.is_cancelled());
}

#[test]
fn dropping_the_runtime_drops_pending_processes_and_timers() {
    let drops = Arc::new(AtomicUsize::new(0));
    let fired = Arc::new(AtomicBool::new(false));
    {
        let rt = Runtime::builder().workers(2).build().unwrap();
        for i in 0..10 {
            let d = DropCounter::new(i, &drops);
            let (_tx, rx) = bounded::<()>(0);
            rt.spawn(async move {
                let _keep = d;
                let _ = rx.recv().await;
                std::future::pending::<()>().await;
            });
        }
        let f = fired.clone();
        rt.spawn(async move {
            hoare::time::sleep(Duration::from_millis(200)).await;
            f.store(true, Ordering::SeqCst);
        });
        rt.block_on(hoare::yield_now());
    }
    assert_eq!(drops.load(Ordering::SeqCst), 10);
    std::thread::sleep(Duration::from_millis(300));
    assert!(!fired.load(Ordering::SeqCst));
}

#[test]
fn dropping_a_runtime_inside_its_own_process_panics() {
    within(20, || {
        let rt = Arc::new(Runtime::builder().workers(1).build().unwrap());
        let inner = rt.clone();
        let h = rt.spawn(async move {
            drop(inner);
        });
        // Either the drop panics in the process, or (if this handle was the
        // last owner) the test's own drop below runs outside; both must
        // not hang.
        let r = rt.block_on(h);
        if let Err(e) = r {
            assert!(e.is_panic());
        }
    });
}

#[test]
fn par_results_in_order_empty_and_first_failure() {
    within(20, || {
        hoare::run(async {
            let v = hoare::par((0..10u32).map(|i| async move {
                hoare::time::sleep(Duration::from_millis((10 - i) as u64)).await;
                i * 2
            }))
            .await
            .unwrap();
            assert_eq!(v, (0..10).map(|i| i * 2).collect::<Vec<_>>());
            let empty: Vec<std::future::Ready<u8>> = Vec::new();
            assert_eq!(hoare::par(empty).await.unwrap(), Vec::<u8>::new());
            // first failure aborts the rest, which are dropped before par returns
            let drops = Arc::new(AtomicUsize::new(0));
            let futs: Vec<std::pin::Pin<Box<dyn std::future::Future<Output = u8> + Send>>> =
                vec![Box::pin(async { panic!("one fails") }), {
                    let d = DropCounter::new(1, &drops);
                    Box::pin(async move {
                        let _d = d;
                        std::future::pending::<u8>().await
                    })
                }];
            let e = hoare::par(futs).await.unwrap_err();
            assert!(e.is_panic());
            assert_eq!(drops.load(Ordering::SeqCst), 1);
        });
    });
}

#[test]
fn cooperative_budget_lets_others_run_on_one_worker() {
    within(30, || {
        let rt = Runtime::builder().workers(1).build().unwrap();
        rt.block_on(async {
            let stop = Arc::new(AtomicBool::new(false));
            let s = stop.clone();
            let spinner = hoare::spawn(async move {
                let (tx, rx) = unbounded::<u8>();
                let mut n = 0u64;
                while !s.load(Ordering::SeqCst) {
                    tx.send(1).await.unwrap();
                    rx.recv().await.unwrap();
                    n += 1;
                }
                n
            });
            let s = stop.clone();
            let stopper = hoare::spawn(async move { s.store(true, Ordering::SeqCst) });
            stopper.await.unwrap();
            assert!(spinner.await.unwrap() > 0);
        });
    });
}

#[test]
fn spawn_panic_message_is_clear_in_plain_thread_too() {
    let m = expect_panic(|| drop(hoare::spawn(async {})));
    assert!(m.contains("runtime"));
}

#[test]
fn try_ops_and_default_selects_never_hit_the_budget() {
    within(20, || {
        hoare::run(async {
            let h = hoare::spawn(async {
                let (tx, rx) = unbounded::<u32>();
                for i in 0..20_000 {
                    tx.try_send(i).unwrap();
                    let got = hoare::select! {
                        recv(rx) -> m => m.unwrap(),
                        default => panic!("default taken at {i} with a ready arm (budget?)"),
                    };
                    assert_eq!(got, i);
                    tx.try_send(i).unwrap();
                    assert_eq!(rx.try_recv(), Ok(i), "try_recv must not see Empty");
                }
            });
            h.await.unwrap();
        });
    });
}

#[test]
fn dropping_a_join_handle_detaches() {
    within(20, || {
        hoare::run(async {
            let (tx, rx) = bounded::<u8>(0);
            drop(hoare::spawn(async move {
                hoare::time::sleep(Duration::from_millis(2)).await;
                tx.send(5).await.unwrap();
            }));
            assert_eq!(rx.recv().await, Ok(5));
        });
    });
}

#[test]
fn dropping_a_par_future_aborts_its_processes() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    within(20, || {
        hoare::run(async {
            let drops = Arc::new(AtomicUsize::new(0));
            let futs: Vec<_> = (0..4)
                .map(|i| {
                    let d = support::DropCounter::new(i, &drops);
                    async move {
                        let _d = d;
                        std::future::pending::<()>().await
                    }
                })
                .collect();
            let r = hoare::time::timeout(Duration::from_millis(5), hoare::par(futs)).await;
            assert!(r.is_err());
            let deadline = std::time::Instant::now() + Duration::from_secs(10);
            while drops.load(Ordering::SeqCst) < 4 {
                assert!(
                    std::time::Instant::now() < deadline,
                    "par's processes not aborted"
                );
                hoare::time::sleep(Duration::from_millis(1)).await;
            }
        });
    });
}

#[test]
fn abort_a_process_blocked_on_a_rendezvous_send_unsends_the_value() {
    within(20, || {
        hoare::run(async {
            let (tx, rx) = bounded::<u8>(0);
            let h = hoare::spawn(async move {
                let _ = tx.send(1).await;
                std::future::pending::<()>().await;
            });
            hoare::time::sleep(Duration::from_millis(2)).await;
            h.abort();
            assert!(h.await.unwrap_err().is_cancelled());
            assert_eq!(
                rx.recv().await,
                Err(RecvError),
                "the sender went with the process"
            );
        });
    });
}

#[test]
fn block_on_after_a_block_on_that_panicked_is_still_woken() {
    // A blocking wait borrows the thread's cached parker; a panic in the
    // future gives it back for the next wait, which must still be woken
    // by a counterpart on another thread.
    let got = within(30, || {
        let panicked = std::panic::catch_unwind(|| {
            hoare::block_on(async { panic!("the future panics") });
        });
        assert!(panicked.is_err(), "the panic comes back out of block_on");
        let (tx, rx) = bounded::<u8>(0);
        let sender = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            tx.send_blocking(7).expect("the receiver waits");
        });
        let got = hoare::block_on(rx.recv());
        sender.join().expect("the sender finishes");
        got
    });
    assert_eq!(got, Ok(7));
}

#[test]
fn block_on_inside_a_block_on_future_on_a_thread_receives_both() {
    // The inner wait runs while the outer one borrows the thread's
    // cached parker (it gets a parker of its own); each is woken by its
    // counterpart on another thread, the inner first.
    let (inner, outer) = within(30, || {
        let (inner_tx, inner_rx) = bounded::<u8>(0);
        let (outer_tx, outer_rx) = bounded::<u8>(0);
        let sender = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            inner_tx.send_blocking(1).expect("the inner wait receives");
            std::thread::sleep(Duration::from_millis(20));
            outer_tx.send_blocking(2).expect("the outer wait receives");
        });
        let got = hoare::block_on(async {
            let inner = hoare::block_on(inner_rx.recv());
            let outer = outer_rx.recv().await;
            (inner, outer)
        });
        sender.join().expect("the sender finishes");
        got
    });
    assert_eq!((inner, outer), (Ok(1), Ok(2)));
}
