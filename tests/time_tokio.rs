//! Port of tokio's time tests (`time_sleep.rs`, `time_timeout.rs`,
//! `time_interval.rs`) and Go's `time.After`/`Ticker` behaviours to
//! `hoare::time`, on the runtime, outside it, and under the simulation.

mod support;

use std::task::Poll;
use std::thread;
use std::time::Duration;

use hoare::chan::TryRecvError;
use hoare::time::{after, sleep, tick, timeout, Instant};
use support::{poll_once, within};

const MS: Duration = Duration::from_millis(1);

/// Completes at once: a zero sleep is already due, so a second is far
/// more than it ever needs, on the runtime and in `block_on`.
#[test]
fn immediate_sleep_completes() {
    within(10, || {
        hoare::run(async {
            let now = Instant::now();
            sleep(Duration::ZERO).await;
            assert!(now.elapsed() < Duration::from_secs(1));
        });
        let now = Instant::now();
        hoare::block_on(sleep(Duration::ZERO));
        assert!(now.elapsed() < Duration::from_secs(1));
    });
}

#[test]
fn delayed_sleep_waits_at_least_its_duration() {
    for d in [1u64, 5, 20] {
        let d = Duration::from_millis(d);
        hoare::run(async move {
            let start = Instant::now();
            sleep(d).await;
            assert!(start.elapsed() >= d, "woke early");
        });
        let start = std::time::Instant::now();
        hoare::block_on(sleep(d));
        assert!(start.elapsed() >= d);
    }
}

#[test]
fn many_short_sleeps_in_processes() {
    within(30, || {
        hoare::run(async {
            let hs: Vec<_> = (0..100)
                .map(|i| {
                    hoare::spawn(async move {
                        for _ in 0..5 {
                            sleep(Duration::from_micros(100 * (i % 7))).await;
                        }
                        i
                    })
                })
                .collect();
            for (i, h) in hs.into_iter().enumerate() {
                assert_eq!(h.await.unwrap() as usize, i);
            }
        });
    });
}

#[test]
fn sleep_is_reset_able_and_reports_deadline() {
    hoare::block_on(async {
        let mut s = Box::pin(sleep(Duration::from_secs(3600)));
        assert!(!s.is_elapsed());
        assert!(poll_once(&mut s).is_pending());
        let now = Instant::now();
        s.as_mut().reset(now);
        s.as_mut().await;
        assert!(s.is_elapsed());
        assert!(s.deadline() <= Instant::now());
    });
}

#[test]
fn timeout_polls_the_future_first() {
    // tokio's simultaneous_deadline_future_completion / completed_future_past_deadline
    hoare::block_on(async {
        assert_eq!(timeout(Duration::ZERO, async { 7 }).await, Ok(7));
        assert_eq!(timeout(Duration::ZERO, std::future::ready(1)).await, Ok(1));
    });
}

#[test]
fn timeout_elapses_on_a_pending_future() {
    hoare::run(async {
        let (_tx, rx) = hoare::chan::bounded::<()>(0);
        let start = Instant::now();
        let r = timeout(5 * MS, rx.recv()).await;
        assert!(r.is_err());
        assert!(start.elapsed() >= 5 * MS);
        let e = r.unwrap_err();
        assert!(!e.to_string().is_empty());
        let _ = format!("{e:?}");
    });
}

#[test]
fn future_completes_before_deadline() {
    hoare::run(async {
        let (tx, rx) = hoare::chan::bounded::<u8>(0);
        hoare::spawn(async move { tx.send(3).await.unwrap() });
        assert_eq!(timeout(Duration::from_secs(30), rx.recv()).await, Ok(Ok(3)));
    });
}

#[test]
fn very_large_durations_do_not_panic() {
    hoare::block_on(async {
        assert_eq!(timeout(Duration::MAX, async { 1 }).await, Ok(1));
        let mut s = Box::pin(sleep(Duration::MAX));
        assert!(poll_once(&mut s).is_pending());
        let a = after(Duration::MAX);
        let got = hoare::select! {
            recv(a) -> _ => false,
            default => true,
        };
        assert!(got);
    });
}

#[test]
fn timeout_is_cancellation_safe_for_recv() {
    hoare::block_on(async {
        let (tx, rx) = hoare::chan::bounded::<u32>(1);
        assert!(timeout(MS, rx.recv()).await.is_err());
        tx.try_send(1).unwrap();
        assert_eq!(rx.try_recv(), Ok(1), "the timed-out recv took nothing");
    });
}

#[test]
fn after_delivers_once_and_stays_open() {
    within(20, || {
        let a = after(2 * MS);
        // nobody receives yet; the value is buffered when it fires
        while a.is_empty() {
            thread::sleep(MS);
        }
        thread::sleep(5 * MS);
        assert_eq!(a.len(), 1);
        let t = a.try_recv().unwrap();
        assert!(t <= Instant::now());
        assert_eq!(a.try_recv(), Err(TryRecvError::Empty));
        assert!(!a.is_closed());
        // In a loop, a fired `after` never turns ready with Err.
        let chosen = hoare::block_on(async {
            hoare::select! {
                recv(a) -> _ => "after",
                recv(after(5 * MS)) -> _ => "fresh",
            }
        });
        assert_eq!(chosen, "fresh");
    });
}

#[test]
fn after_value_is_the_fire_instant() {
    let start = Instant::now();
    let a = after(3 * MS);
    let fired = a.recv_blocking().unwrap();
    assert!(fired >= start + 3 * MS);
}

#[test]
fn tick_delivers_periodically_and_drops_missed_ticks() {
    within(20, || {
        let t = tick(MS);
        let first = t.recv_blocking().unwrap();
        let second = t.recv_blocking().unwrap();
        assert!(second > first);
        assert_eq!(t.capacity(), Some(1));
        // A slow receiver: at most one tick is kept.
        thread::sleep(20 * MS);
        assert!(t.len() <= 1);
        assert!(t.recv_blocking().is_ok());
        assert!(!t.is_closed());
    });
}

#[test]
#[should_panic(expected = "period")]
fn tick_zero_panics_naming_the_period() {
    let _ = tick(Duration::ZERO);
}

#[test]
fn time_works_outside_any_runtime_and_inside_tokio() {
    within(20, || {
        // plain OS thread
        let a = after(MS);
        a.recv_blocking().unwrap();
        // tokio
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            sleep(MS).await;
            assert!(timeout(MS, std::future::pending::<()>()).await.is_err());
            let t = tick(MS);
            t.recv().await.unwrap();
            t.recv().await.unwrap();
        });
    });
}

#[test]
fn instant_arithmetic() {
    let a = Instant::now();
    let b = a + Duration::from_secs(2);
    assert!(b > a);
    assert_eq!(b - a, Duration::from_secs(2));
    assert_eq!(b.duration_since(a), Duration::from_secs(2));
    assert_eq!(a.saturating_duration_since(b), Duration::ZERO);
    assert_eq!(a.checked_duration_since(b), None);
}

#[test]
fn sim_virtual_time_jumps_to_the_next_timer() {
    within(20, || {
        let wall = std::time::Instant::now();
        let elapsed = hoare::sim::Builder::new().seed(1).run(async {
            let start = Instant::now();
            sleep(Duration::from_secs(3600)).await;
            start.elapsed()
        });
        assert!(elapsed >= Duration::from_secs(3600));
        assert!(elapsed < Duration::from_secs(3601));
        assert!(
            wall.elapsed() < Duration::from_secs(10),
            "virtual, not real"
        );
    });
}

#[test]
fn sim_timeout_after_and_tick_use_virtual_time() {
    let out = hoare::sim::Builder::new().seed(3).run(async {
        let start = Instant::now();
        let (_tx, rx) = hoare::chan::bounded::<()>(0);
        assert!(timeout(Duration::from_secs(60), rx.recv()).await.is_err());
        let t1 = start.elapsed();
        let a = after(Duration::from_secs(10));
        a.recv().await.unwrap();
        let t2 = start.elapsed();
        let t = tick(Duration::from_secs(1));
        for _ in 0..3 {
            t.recv().await.unwrap();
        }
        (t1, t2, start.elapsed())
    });
    assert_eq!(out.0, Duration::from_secs(60));
    assert_eq!(out.1, Duration::from_secs(70));
    assert_eq!(out.2, Duration::from_secs(73));
}

#[test]
fn sim_same_instant_timers_fire_in_seeded_order() {
    let mut seen = std::collections::HashSet::new();
    for seed in 0..40 {
        let order = hoare::sim::Builder::new().seed(seed).run(async {
            let (tx, rx) = hoare::chan::unbounded::<u8>();
            for id in 0..2u8 {
                let tx = tx.clone();
                hoare::spawn(async move {
                    sleep(Duration::from_secs(1)).await;
                    tx.send(id).await.unwrap();
                });
            }
            drop(tx);
            let a = rx.recv().await.unwrap();
            let b = rx.recv().await.unwrap();
            (a, b)
        });
        seen.insert(order);
        // replays
        let again = hoare::sim::Builder::new().seed(seed).run(async {
            let (tx, rx) = hoare::chan::unbounded::<u8>();
            for id in 0..2u8 {
                let tx = tx.clone();
                hoare::spawn(async move {
                    sleep(Duration::from_secs(1)).await;
                    tx.send(id).await.unwrap();
                });
            }
            drop(tx);
            let a = rx.recv().await.unwrap();
            let b = rx.recv().await.unwrap();
            (a, b)
        });
        assert_eq!(order, again);
    }
    assert_eq!(seen.len(), 2, "both orders happen across seeds");
}

#[test]
fn pending_sleep_polled_once_then_dropped_is_fine() {
    let mut s = Box::pin(sleep(Duration::from_secs(1)));
    assert!(poll_once(&mut s).is_pending());
    drop(s);
    let mut s = Box::pin(sleep(Duration::ZERO));
    // A zero sleep may need the timer thread once; it completes quickly.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while poll_once(&mut s) == Poll::Pending {
        assert!(std::time::Instant::now() < deadline);
        thread::yield_now();
    }
}
