//! The deterministic simulation (`hoare::sim`).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use hoare::chan;
use hoare::sim::{self, SimError, Strategy};
use hoare::time::{self, Instant};

/// A racy program: three processes append their id to a shared log through
/// a channel, in whatever order the schedule lets them.
async fn racy() -> Vec<u32> {
    let (tx, rx) = chan::unbounded::<u32>();
    let mut handles = Vec::new();
    for id in 0..3 {
        let tx = tx.clone();
        handles.push(hoare::spawn(async move {
            for step in 0..3 {
                hoare::yield_now().await;
                tx.send(id * 10 + step).await.unwrap();
            }
        }));
    }
    drop(tx);
    for handle in handles {
        handle.await.unwrap();
    }
    let mut log = Vec::new();
    while let Ok(v) = rx.recv().await {
        log.push(v);
    }
    log
}

#[test]
fn the_same_seed_gives_the_same_run() {
    for seed in [0, 1, 42, 9999] {
        let (a, trace_a) = sim::Builder::new().seed(seed).run_traced(racy());
        let (b, trace_b) = sim::Builder::new().seed(seed).run_traced(racy());
        assert_eq!(a, b);
        assert_eq!(trace_a.to_string(), trace_b.to_string());
        assert_eq!(trace_a.fingerprint(), trace_b.fingerprint());
    }
}

#[test]
fn different_seeds_explore_different_interleavings() {
    let outcomes: std::collections::BTreeSet<Vec<u32>> = (0..50)
        .map(|seed| sim::Builder::new().seed(seed).run(racy()))
        .collect();
    assert!(
        outcomes.len() > 10,
        "only {} distinct outcomes over 50 seeds",
        outcomes.len()
    );
}

#[test]
fn select_choices_come_from_the_seed() {
    let program = || async {
        let (a_tx, a_rx) = chan::bounded::<u8>(1);
        let (b_tx, b_rx) = chan::bounded::<u8>(1);
        let mut picks = Vec::new();
        for _ in 0..20 {
            a_tx.try_send(0).ok();
            b_tx.try_send(1).ok();
            picks.push(
                hoare::select! { recv(a_rx) -> m => m.unwrap(), recv(b_rx) -> m => m.unwrap() },
            );
        }
        picks
    };
    let first = sim::Builder::new().seed(3).run(program());
    assert_eq!(first, sim::Builder::new().seed(3).run(program()));
    assert!(first.contains(&0) && first.contains(&1));
    let differs = (4..20).any(|seed| sim::Builder::new().seed(seed).run(program()) != first);
    assert!(differs, "select choices do not depend on the seed");
}

#[test]
fn an_hour_of_virtual_sleep_returns_at_once() {
    let wall = std::time::Instant::now();
    let elapsed = sim::Builder::new().seed(1).run(async {
        let start = Instant::now();
        time::sleep(Duration::from_secs(3600)).await;
        start.elapsed()
    });
    assert_eq!(elapsed, Duration::from_secs(3600));
    assert!(
        wall.elapsed() < Duration::from_secs(5),
        "virtual time must not wait"
    );
}

#[test]
fn after_tick_and_timeout_run_on_virtual_time() {
    sim::Builder::new().seed(2).run(async {
        let start = Instant::now();
        let fired = time::after(Duration::from_millis(250))
            .recv()
            .await
            .unwrap();
        assert_eq!(fired - start, Duration::from_millis(250));
        let ticks = time::tick(Duration::from_secs(1));
        for n in 1..=3 {
            let at = ticks.recv().await.unwrap();
            // The ticker started at 250 ms, so tick n comes n seconds later.
            assert_eq!(
                at - start,
                Duration::from_millis(250) + Duration::from_secs(n)
            );
        }
        let (_tx, rx) = chan::bounded::<u8>(0);
        let result = time::timeout(Duration::from_secs(5), rx.recv()).await;
        assert!(result.is_err(), "a receive nobody answers times out");
        assert_eq!(
            start.elapsed(),
            Duration::from_millis(250) + Duration::from_secs(3) + Duration::from_secs(5)
        );
    });
}

#[test]
fn timers_due_together_fire_in_a_seeded_order() {
    let program = || async {
        let (tx, rx) = chan::unbounded::<u8>();
        for id in 0..4u8 {
            let tx = tx.clone();
            hoare::spawn(async move {
                time::sleep(Duration::from_secs(1)).await;
                tx.send(id).await.unwrap();
            });
        }
        drop(tx);
        let mut order = Vec::new();
        while let Ok(id) = rx.recv().await {
            order.push(id);
        }
        order
    };
    let orders: std::collections::BTreeSet<Vec<u8>> = (0..30)
        .map(|seed| sim::Builder::new().seed(seed).run(program()))
        .collect();
    assert!(
        orders.len() > 1,
        "simultaneous timers always fired in one order"
    );
}

#[test]
fn deadlock_is_reported_with_the_blocked_processes() {
    let result = sim::Builder::new().seed(0).try_run(async {
        let (tx, rx) = chan::bounded::<u8>(0);
        let (_keep, never) = chan::bounded::<u8>(0);
        hoare::spawn(async move {
            let _ = never.recv().await;
            drop(tx);
        });
        rx.recv().await
    });
    match result {
        Err(SimError::Deadlock { blocked, .. }) => {
            assert_eq!(blocked.len(), 2, "{blocked:?}");
            let report = format!("{blocked:?}");
            assert!(report.contains("recv on channel #1"), "{report}");
            assert!(report.contains("recv on channel #2"), "{report}");
            assert!(
                report.contains("sim_determinism.rs"),
                "spawn location missing: {report}"
            );
        }
        other => panic!("expected a deadlock, got {other:?}"),
    }
}

#[test]
#[should_panic(expected = "deadlock")]
fn run_panics_on_deadlock() {
    sim::Builder::new().run(async {
        let (_tx, rx) = chan::bounded::<u8>(0);
        let _ = rx.recv().await;
    });
}

#[test]
fn a_tick_nobody_waits_on_does_not_prevent_deadlock_detection() {
    let result = sim::Builder::new().try_run(async {
        let _ticks = time::tick(Duration::from_secs(1));
        let (_tx, rx) = chan::bounded::<u8>(0);
        let _ = rx.recv().await;
    });
    assert!(
        matches!(result, Err(SimError::Deadlock { .. })),
        "{result:?}"
    );
}

#[test]
fn an_unobserved_panic_fails_the_run() {
    let result = sim::Builder::new().seed(5).try_run(async {
        drop(hoare::spawn(async { panic!("boom in a process") }));
        time::sleep(Duration::from_secs(1)).await;
    });
    match result {
        Err(SimError::Panic {
            message,
            process,
            seed,
            ..
        }) => {
            assert!(message.contains("boom in a process"));
            assert!(process.contains("p1"), "{process}");
            assert_eq!(seed, 5);
        }
        other => panic!("expected a panic failure, got {other:?}"),
    }
}

#[test]
fn a_panic_awaited_through_its_join_handle_is_an_ordinary_error() {
    let caught = sim::Builder::new().run(async {
        let handle = hoare::spawn(async { panic!("handled") });
        handle.await.unwrap_err().is_panic()
    });
    assert!(caught);
}

#[test]
fn a_panic_never_awaited_fails_at_the_end() {
    let result = sim::Builder::new().try_run(async {
        let handle = hoare::spawn(async { panic!("ignored") });
        hoare::yield_now().await;
        hoare::yield_now().await;
        // Still holding the handle, never awaited, when the run ends.
        Some(handle)
    });
    assert!(
        matches!(result, Err(SimError::Panic { .. })),
        "{:?}",
        result.err()
    );
}

#[test]
fn processes_blocked_at_the_end_are_dropped_and_traced() {
    let drops = Arc::new(AtomicUsize::new(0));
    struct Guard(Arc<AtomicUsize>);
    impl Drop for Guard {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    let counter = drops.clone();
    let (_, trace) = sim::Builder::new().run_traced(async move {
        let (tx, rx) = chan::bounded::<u8>(0);
        let guard = Guard(counter);
        hoare::spawn(async move {
            let _guard = guard;
            let _ = rx.recv().await;
        });
        hoare::yield_now().await;
        drop(tx.clone());
        std::mem::forget(tx);
    });
    assert_eq!(drops.load(Ordering::SeqCst), 1);
    assert!(trace.to_string().contains("dropped at the end"), "{trace}");
}

#[test]
fn the_step_limit_turns_a_livelock_into_a_failure() {
    let result = sim::Builder::new().max_steps(1_000).try_run(async {
        loop {
            hoare::yield_now().await;
        }
    });
    assert!(
        matches!(
            result,
            Err(SimError::StepLimit {
                max_steps: 1_000,
                ..
            })
        ),
        "{result:?}"
    );
}

#[test]
fn a_wake_from_another_thread_fails_the_run() {
    let (tx, rx) = chan::bounded::<u8>(0);
    let sender = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(50));
        let _ = tx.send_blocking(1);
    });
    let result = sim::Builder::new().try_run(async move {
        let _ = rx.recv().await;
    });
    sender.join().unwrap();
    // The receive blocks; either the outside send arrives (a foreign wake)
    // or the simulation already saw a deadlock: never a silent success.
    assert!(result.is_err());
}

#[test]
#[should_panic(expected = "simulation")]
fn blocking_inside_a_simulation_panics() {
    sim::Builder::new().run(async {
        let (_tx, rx) = chan::bounded::<u8>(1);
        let _ = rx.recv_blocking();
    });
}

#[test]
#[should_panic(expected = "simulation")]
fn a_runtime_inside_a_simulation_panics() {
    sim::Builder::new().run(async {
        let _ = hoare::Runtime::new();
    });
}

#[test]
#[should_panic(expected = "depth")]
fn pct_depth_zero_is_refused() {
    let _ = sim::Builder::new().strategy(Strategy::Pct { depth: 0 });
}

#[test]
fn check_finds_a_lost_update_and_reports_a_replayable_seed() {
    // Two processes read-modify-write a counter held in a channel of one
    // slot, with a yield between read and write: some schedules lose an
    // update.
    let program = || async {
        let counter = Arc::new(std::sync::Mutex::new(0u32));
        let mut handles = Vec::new();
        for _ in 0..2 {
            let counter = counter.clone();
            handles.push(hoare::spawn(async move {
                let read = *counter.lock().unwrap();
                hoare::yield_now().await;
                *counter.lock().unwrap() = read + 1;
            }));
        }
        for handle in handles {
            handle.await.unwrap();
        }
        assert_eq!(*counter.lock().unwrap(), 2, "lost update");
    };
    let failure = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| sim::check(program)))
        .expect_err("check must find the lost update");
    let message = failure
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default();
    let seed: u64 = message
        .split("HOARE_SEED=")
        .nth(1)
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|digits| digits.parse().ok())
        .unwrap_or_else(|| panic!("no HOARE_SEED in {message:?}"));
    assert!(message.contains("lost update"), "{message}");
    let replay = sim::Builder::new().seed(seed).try_run(program());
    assert!(
        matches!(replay, Err(SimError::Panic { .. })),
        "seed {seed} must replay the failure"
    );
}
