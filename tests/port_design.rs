//! The documented contract, sentence by sentence: behaviours not already exercised by
//! the peer-suite ports (runtime, misuse, simulation rules, error texts,
//! rendezvous leftovers, budget).

mod port_util;

use std::any::Any;
use std::panic::{self, AssertUnwindSafe};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use hoare::chan::{bounded, unbounded, RecvError, SendError, TryRecvError, TrySendError};
use hoare::sim::{self, SimError, Strategy};
use hoare::Runtime;
use port_util::{poll_once, within, DropCounter};

fn msg(payload: Box<dyn Any + Send>) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        String::new()
    }
}

fn panic_message(f: impl FnOnce()) -> String {
    msg(panic::catch_unwind(AssertUnwindSafe(f)).expect_err("expected a panic"))
}

// ---- section 2: processes and the runtime ----

#[test]
fn spawn_outside_a_runtime_panics_mentioning_runtime() {
    let m = panic_message(|| {
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
                let m = msg(e.into_panic());
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
        assert!(msg(e.into_panic()).contains("17"));
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

// ---- section 3: channels ----

#[test]
#[should_panic(expected = "capacity")]
fn huge_capacity_panics_naming_it() {
    let _ = bounded::<u64>(usize::MAX / 2);
}

#[test]
fn error_display_texts_name_the_condition() {
    assert!(SendError(1).to_string().contains("closed"));
    assert!(TrySendError::Full(1).to_string().contains("full"));
    assert!(TrySendError::Closed(1).to_string().contains("closed"));
    assert!(RecvError.to_string().contains("closed"));
    assert!(TryRecvError::Empty.to_string().contains("empty"));
    assert!(TryRecvError::Closed.to_string().contains("closed"));
    assert_ne!(TryRecvError::Empty, TryRecvError::Closed);
    assert_eq!(TrySendError::Full(2).into_inner(), 2);
    assert_eq!(TrySendError::Closed(3).into_inner(), 3);
    assert!(TryRecvError::Empty.is_empty() && !TryRecvError::Empty.is_closed());
    // `?` into Box<dyn Error>
    fn f() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let (tx, rx) = bounded::<String>(0);
        drop(rx);
        tx.try_send("x".into())?;
        Ok(())
    }
    assert!(f().unwrap_err().to_string().contains("closed"));
}

#[test]
fn rendezvous_value_of_a_dropped_matched_receive_is_never_lost() {
    let (tx, rx) = bounded::<i32>(0);
    let mut fut = Box::pin(rx.recv());
    assert!(poll_once(&mut fut).is_pending());
    assert_eq!(tx.try_send(9), Ok(()));
    drop(fut);
    assert_eq!(rx.len(), 1, "left in the channel");
    assert_eq!(tx.len(), 1);
    assert_eq!(rx.try_recv(), Ok(9));
    assert_eq!(rx.len(), 0);
    // with a second waiting receiver it goes there
    let mut a = Box::pin(rx.recv());
    let mut b = Box::pin(rx.recv());
    assert!(poll_once(&mut a).is_pending());
    assert!(poll_once(&mut b).is_pending());
    tx.try_send(10).unwrap();
    drop(a);
    match poll_once(&mut b) {
        Poll::Ready(v) => assert_eq!(v, Ok(10)),
        Poll::Pending => {
            drop(b);
            assert_eq!(rx.try_recv(), Ok(10));
        }
    }
}

#[test]
fn leftover_is_dropped_once_when_the_channel_goes() {
    let drops = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = bounded::<DropCounter>(0);
    let mut fut = Box::pin(rx.recv());
    assert!(poll_once(&mut fut).is_pending());
    assert!(tx.try_send(DropCounter::new(1, &drops)).is_ok());
    drop(fut);
    assert_eq!(drops.load(Ordering::SeqCst), 0);
    drop(rx);
    assert_eq!(drops.load(Ordering::SeqCst), 1);
    drop(tx);
    assert_eq!(drops.load(Ordering::SeqCst), 1);
}

#[test]
fn close_from_either_side_and_clones() {
    for cap in [Some(0usize), Some(2), None] {
        let (tx, rx) = port_util::channel::<i32>(cap);
        let tx2 = tx.clone();
        drop(tx);
        assert!(!rx.is_closed(), "one sender remains");
        if cap != Some(0) {
            tx2.try_send(1).unwrap();
        }
        assert!(rx.close());
        assert!(!tx2.close());
        assert!(tx2.is_closed());
        if cap != Some(0) {
            assert_eq!(rx.try_recv(), Ok(1));
        }
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
        assert_eq!(tx2.try_send(2), Err(TrySendError::Closed(2)));
    }
}

#[test]
fn debug_output_of_handles() {
    let (tx, rx) = bounded::<Vec<u8>>(3);
    let s = format!("{tx:?} {rx:?}");
    assert!(!s.is_empty());
}

// ---- section 4: select ----

#[test]
fn select_operands_by_value_ref_and_double_ref() {
    let (tx, rx) = unbounded::<u8>();
    tx.try_send(1).unwrap();
    tx.try_send(2).unwrap();
    tx.try_send(3).unwrap();
    let r = &rx;
    let rr = &r;
    hoare::block_on(async {
        let a = hoare::select! { recv(rx) -> m => m.unwrap() };
        let b = hoare::select! { recv(r) -> m => m.unwrap() };
        let c = hoare::select! { recv(rr) -> m => m.unwrap() };
        assert_eq!((a, b, c), (1, 2, 3));
        let t = &tx;
        hoare::select! { send(t, 4) -> r => r.unwrap() };
        hoare::select! { send(&t, 5) -> r => r.unwrap() };
    });
    assert_eq!(rx.iter().take(2).collect::<Vec<_>>(), vec![4, 5]);
}

#[test]
fn pending_select_dropped_loses_and_duplicates_nothing() {
    let drops = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = bounded::<DropCounter>(0);
    let (tx2, rx2) = bounded::<DropCounter>(0);
    {
        let mut fut = Box::pin(async {
            hoare::select! {
                recv(rx) -> m => m.map(|m| m.id),
                send(tx2, DropCounter::new(7, &drops)) -> r => r.map(|_| 7).map_err(|_| RecvError),
            }
        });
        assert!(poll_once(&mut fut).is_pending());
        // A rendezvous send matches the waiting select...
        assert!(tx.try_send(DropCounter::new(1, &drops)).is_ok());
        // ...which is dropped before it runs.
    }
    // The unsent select value was dropped; the matched one is kept.
    assert_eq!(drops.load(Ordering::SeqCst), 1);
    assert_eq!(rx.try_recv().map(|m| m.id), Ok(1));
    assert!(rx2.try_recv().is_err());
    assert_eq!(drops.load(Ordering::SeqCst), 2);
}

#[test]
fn all_guarded_off_select_is_a_deadlock_in_the_simulation() {
    let r = sim::Builder::new().seed(0).try_run(async {
        let (_tx, rx) = bounded::<u8>(1);
        let off = false;
        hoare::select! { recv(rx) -> _ if off => () }
    });
    assert!(matches!(r, Err(SimError::Deadlock { .. })), "{r:?}");
    let r = sim::Builder::new().seed(0).try_run(async {
        hoare::select! {}
    });
    assert!(matches!(r, Err(SimError::Deadlock { .. })));
    let r = sim::Builder::new()
        .seed(0)
        .try_run(async { hoare::Select::<u8>::new().select().await });
    assert!(matches!(r, Err(SimError::Deadlock { .. })));
}

#[test]
fn select_choice_in_the_simulation_follows_the_seed() {
    let prog = || async {
        let (tx1, rx1) = bounded::<u8>(64);
        let (tx2, rx2) = bounded::<u8>(64);
        let mut choices = Vec::new();
        for _ in 0..32 {
            tx1.try_send(1).unwrap();
            tx2.try_send(2).unwrap();
            choices.push(hoare::select! {
                recv(rx1) -> m => m.unwrap(),
                recv(rx2) -> m => m.unwrap(),
            });
        }
        choices
    };
    let a = sim::Builder::new().seed(5).run(prog());
    let b = sim::Builder::new().seed(5).run(prog());
    let c = sim::Builder::new().seed(6).run(prog());
    assert_eq!(a, b);
    assert_ne!(a, c, "2^-32 chance of a false failure");
}

// ---- section 6: simulation ----

#[test]
fn deadlock_report_names_blocked_processes() {
    let prog = || async {
        let (_tx, rx) = bounded::<u8>(0);
        let (tx2, _rx2) = bounded::<u8>(0);
        hoare::spawn(async move {
            let _ = tx2.send(1).await;
        });
        let _ = rx.recv().await;
    };
    let r = sim::Builder::new().seed(1).try_run(prog());
    match r {
        Err(e @ SimError::Deadlock { .. }) => {
            let text = e.to_string();
            assert!(text.contains("deadlock"), "{text}");
            if let SimError::Deadlock { blocked, .. } = e {
                assert_eq!(blocked.len(), 2, "main and the process: {blocked:?}");
            }
        }
        other => panic!("expected a deadlock, got {other:?}"),
    }
    let m = panic_message(|| sim::Builder::new().seed(1).run(prog()));
    assert!(m.contains("deadlock"), "{m}");
}

#[test]
fn a_tick_nobody_waits_on_does_not_hide_a_deadlock() {
    let r = sim::Builder::new().seed(2).try_run(async {
        let _t = hoare::time::tick(Duration::from_secs(1));
        let (_tx, rx) = bounded::<u8>(0);
        let _ = rx.recv().await;
    });
    assert!(matches!(r, Err(SimError::Deadlock { .. })), "{r:?}");
}

#[test]
fn unobserved_panic_fails_the_run_observed_one_does_not() {
    let r = sim::Builder::new().seed(3).try_run(async {
        drop(hoare::spawn(async { panic!("lost panic 99") }));
        hoare::time::sleep(Duration::from_secs(1)).await;
    });
    match r {
        Err(e @ SimError::Panic { .. }) => {
            assert!(e.to_string().contains("lost panic 99"), "{e}");
            if let SimError::Panic { message, .. } = e {
                assert!(message.contains("lost panic 99"));
            }
        }
        other => panic!("expected a panic error, got {other:?}"),
    }
    // never awaited before the end: fails too
    let r = sim::Builder::new().seed(3).try_run(async {
        let h = hoare::spawn(async { panic!("unawaited") });
        hoare::time::sleep(Duration::from_secs(1)).await;
        drop(h);
    });
    assert!(matches!(r, Err(SimError::Panic { .. })));
    let r = sim::Builder::new().seed(3).try_run(async {
        let h = hoare::spawn(async { panic!("seen") });
        h.await.unwrap_err().is_panic()
    });
    assert!(matches!(r, Ok(true)));
}

#[test]
fn main_finishing_with_blocked_processes_is_not_an_error() {
    let (v, trace) = sim::Builder::new().seed(4).run_traced(async {
        let (tx, rx) = bounded::<u8>(0);
        hoare::spawn(async move {
            let _ = rx.recv().await;
        });
        hoare::yield_now().await;
        drop(tx.clone());
        std::mem::forget(tx); // keep it open: the process stays blocked
        1
    });
    assert_eq!(v, 1);
    assert!(!trace.events().is_empty());
}

#[test]
fn step_limit_fails_a_livelock() {
    let r = sim::Builder::new().seed(5).max_steps(1000).try_run(async {
        let stop = Arc::new(AtomicBool::new(false));
        let s = stop.clone();
        hoare::spawn(async move {
            while !s.load(Ordering::SeqCst) {
                hoare::yield_now().await;
            }
        });
        loop {
            hoare::yield_now().await;
        }
    });
    assert!(r.is_err(), "exceeding max_steps fails the run");
    let _: Result<(), _> = r.map(|_: ()| ());
}

#[test]
fn pct_depth_zero_is_refused_and_pct_replays() {
    let refused = panic::catch_unwind(|| {
        sim::Builder::new()
            .strategy(Strategy::Pct { depth: 0 })
            .try_run(async {})
    });
    assert!(matches!(refused, Err(_) | Ok(Err(_))));
    let prog = || async {
        let (tx, rx) = unbounded::<u32>();
        for i in 0..4 {
            let tx = tx.clone();
            hoare::spawn(async move {
                for j in 0..3 {
                    tx.send(i * 10 + j).await.unwrap();
                    hoare::yield_now().await;
                }
            });
        }
        drop(tx);
        rx.iter_async().await
    };
    for seed in 0..5 {
        let b = sim::Builder::new()
            .seed(seed)
            .strategy(Strategy::Pct { depth: 3 });
        let (x, tx) = b.run_traced(prog());
        let (y, ty) = b.run_traced(prog());
        assert_eq!(x, y);
        assert_eq!(tx.fingerprint(), ty.fingerprint());
    }
}

trait CollectAsync<T> {
    async fn iter_async(&self) -> Vec<T>;
}
impl<T> CollectAsync<T> for hoare::chan::Receiver<T> {
    async fn iter_async(&self) -> Vec<T> {
        let mut v = Vec::new();
        while let Ok(x) = self.recv().await {
            v.push(x);
        }
        v
    }
}

#[test]
fn runtime_new_inside_a_simulation_panics() {
    let r = sim::Builder::new().seed(6).try_run(async {
        let _ = Runtime::new();
    });
    assert!(matches!(r, Err(SimError::Panic { .. })), "{r:?}");
}

#[test]
fn a_wake_from_another_thread_fails_the_run() {
    within(20, || {
        let (tx, rx) = bounded::<u8>(0);
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            let _ = tx.send_blocking(1);
        });
        let r = sim::Builder::new()
            .seed(7)
            .try_run(async move { rx.recv().await });
        assert!(r.is_err(), "{r:?}");
        t.join().unwrap();
    });
}

#[test]
fn check_reports_a_replayable_seed() {
    let prog = || async {
        let (tx1, rx1) = bounded::<u8>(1);
        let (tx2, rx2) = bounded::<u8>(1);
        let mut ones = 0;
        for _ in 0..4 {
            tx1.try_send(1).unwrap();
            tx2.try_send(2).unwrap();
            let v = hoare::select! {
                recv(rx1) -> m => m.unwrap(),
                recv(rx2) -> m => m.unwrap(),
            };
            if v == 1 {
                ones += 1;
            }
            let _ = rx1.try_recv();
            let _ = rx2.try_recv();
        }
        assert!(ones < 4, "bug found");
    };
    let m = panic_message(|| sim::check(prog));
    let at = m.find("HOARE_SEED=").expect("the report names the seed");
    let seed: u64 = m[at + "HOARE_SEED=".len()..]
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect::<String>()
        .parse()
        .unwrap();
    let r = sim::Builder::new().seed(seed).try_run(prog());
    assert!(
        matches!(r, Err(SimError::Panic { .. })),
        "seed {seed} replays the failure"
    );
}

#[test]
fn trace_display_is_one_event_a_line_and_replays() {
    // One program (one source location for its spawn): the fingerprint
    // includes spawn locations, so a textual copy elsewhere differs.
    let prog = || async {
        let (tx, rx) = bounded::<u8>(0);
        hoare::spawn(async move { tx.send(1).await.unwrap() });
        rx.recv().await.unwrap();
    };
    let ((), trace) = sim::Builder::new().seed(8).run_traced(prog());
    let text = trace.to_string();
    assert_eq!(text.lines().count(), trace.events().len());
    let ((), again) = sim::Builder::new().seed(8).run_traced(prog());
    assert_eq!(trace.fingerprint(), again.fingerprint());
    assert_eq!(text, again.to_string());
    assert!(!text.contains("0x"), "no addresses in the trace");
}
