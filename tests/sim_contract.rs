//! The simulation's contract, sentence by sentence: what counts as a
//! deadlock and how it is reported, unobserved panics, step limits, PCT,
//! misuse inside a simulation (blocking calls, a nested runtime, wakes
//! from other threads), virtual time, and seeds that replay.

mod support;

use std::panic;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use hoare::chan::{bounded, unbounded, RecvError};
use hoare::sim::{self, SimError, Strategy};
use hoare::Runtime;
use support::{expect_panic, within};

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
    let m = expect_panic(|| sim::Builder::new().seed(1).run(prog()));
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
    let m = expect_panic(|| sim::check(prog));
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

#[test]
fn blocking_calls_inside_a_simulation_panic_pointing_to_await() {
    for which in 0..4 {
        let r = sim::Builder::new().seed(1).try_run(async move {
            let (tx, rx) = unbounded::<u8>();
            tx.try_send(1).unwrap();
            match which {
                0 => drop(rx.recv_blocking()),
                1 => drop(tx.send_blocking(1)),
                2 => hoare::block_on(async {}),
                _ => drop(rx.iter().next()),
            }
        });
        match r {
            Err(SimError::Panic { message, .. }) => {
                assert!(message.contains(".await"), "case {which}: {message}")
            }
            other => panic!("case {which}: expected a panic error, got {other:?}"),
        }
    }
}

#[test]
fn selects_meet_on_a_rendezvous_in_a_simulation() {
    for seed in 0..50 {
        let (a, b) = sim::Builder::new().seed(seed).run(async {
            let (tx, rx) = bounded::<u32>(0);
            let (_tx2, rx2) = bounded::<u32>(0);
            let (tx3, _rx3) = bounded::<u32>(0);
            let h = hoare::spawn(async move {
                hoare::select! {
                    recv(rx) -> m => m.unwrap(),
                    recv(rx2) -> _ => 0,
                }
            });
            let sent = hoare::select! {
                send(tx, 7) -> r => { r.unwrap(); 7 }
                send(tx3, 8) -> _ => 8,
            };
            (sent, h.await.unwrap())
        });
        assert_eq!((a, b), (7, 7), "seed {seed}");
    }
}

#[test]
fn timers_in_a_simulation_do_not_sleep_for_real() {
    within(20, || {
        let v = sim::Builder::new().seed(9).run(async {
            let (tx, rx) = bounded::<u8>(0);
            hoare::spawn(async move {
                hoare::time::sleep(Duration::from_secs(86_400)).await;
                tx.send(1).await.unwrap();
            });
            hoare::select! {
                recv(rx) -> m => m.unwrap(),
                recv(hoare::time::after(Duration::from_secs(2 * 86_400))) -> _ => 0,
            }
        });
        assert_eq!(v, 1);
    });
}

#[test]
fn spawn_in_simulation_and_joins() {
    let v = sim::Builder::new().seed(10).run(async {
        let hs: Vec<_> = (0..20u32)
            .map(|i| hoare::spawn(async move { i * i }))
            .collect();
        let mut s = 0;
        for h in hs {
            s += h.await.unwrap();
        }
        s
    });
    assert_eq!(v, (0..20u32).map(|i| i * i).sum());
}

#[test]
fn a_process_that_panics_closes_its_senders_in_a_simulation() {
    let r = sim::Builder::new().seed(11).try_run(async {
        let (tx, rx) = bounded::<u8>(0);
        let h = hoare::spawn(async move {
            let _tx = tx;
            panic!("bye");
        });
        let got = rx.recv().await;
        let _ = h.await;
        got
    });
    assert_eq!(r.ok(), Some(Err(RecvError)));
}

/// Inside a simulation a select's arm order is a uniform permutation drawn
/// from the seed, so ready arms are chosen with equal probability even when
/// some arms are not ready (an order that rotated from a random first arm
/// would give the arm after an idle one twice the share).
#[test]
fn a_simulated_select_is_fair_among_the_ready_arms() {
    let mut counts = [0usize; 3];
    for seed in 0..3000 {
        let arm = hoare::sim::Builder::new().seed(seed).run(async {
            let (a_tx, a) = hoare::chan::bounded::<()>(1);
            a_tx.try_send(()).unwrap();
            let (_b_tx, b) = hoare::chan::bounded::<()>(1);
            let (c_tx, c) = hoare::chan::bounded::<()>(1);
            c_tx.try_send(()).unwrap();
            hoare::select! {
                recv(a) -> _ => 0,
                recv(b) -> _ => 1,
                recv(c) -> _ => 2,
            }
        });
        counts[arm] += 1;
    }
    assert_eq!(counts[1], 0, "the arm that is never ready is never chosen");
    // Binomial(3000, 1/2): sd about 27; 1350..=1650 is more than 5 sd wide.
    assert!(
        (1350..=1650).contains(&counts[0]),
        "ready arms chosen {counts:?}: not uniform"
    );
}

/// A livelock's report names the processes that kept running in the last
/// steps before the limit.
#[test]
fn a_livelock_report_names_the_processes_that_kept_running() {
    let error = sim::Builder::new()
        .seed(1)
        .max_steps(500)
        .try_run(async {
            hoare::spawn(async {
                loop {
                    hoare::yield_now().await;
                }
            });
            loop {
                hoare::yield_now().await;
            }
        })
        .unwrap_err();
    assert!(matches!(error, SimError::StepLimit { max_steps: 500, .. }));
    let report = error.to_string();
    assert!(report.contains("polled in the last steps"), "{report}");
    assert!(
        report.contains("process p1 (spawned at tests/sim_contract.rs"),
        "{report}"
    );
    assert!(report.contains("the main future (p0)"), "{report}");
}

/// A process that waits on a channel made outside the simulation (which
/// a thread outside might mean to feed) is reported as such, with what to
/// do, not as a plain deadlock.
#[test]
fn a_wait_on_a_channel_made_outside_the_simulation_says_so() {
    let (outside_tx, outside_rx) = bounded::<u32>(0);
    let error = sim::Builder::new()
        .try_run(async move {
            let handle = hoare::spawn(async move { outside_rx.recv().await });
            handle.await.unwrap().unwrap()
        })
        .unwrap_err();
    let report = error.to_string();
    assert!(report.contains("deadlock"), "{report}");
    assert!(report.contains("made outside the simulation"), "{report}");
    assert!(report.contains("closed world"), "{report}");
    drop(outside_tx);

    // A channel made inside is not flagged.
    let error = sim::Builder::new()
        .try_run(async {
            let (_tx, rx) = bounded::<u32>(0);
            rx.recv().await.unwrap()
        })
        .unwrap_err();
    assert!(!error.to_string().contains("made outside"), "{error}");
}
