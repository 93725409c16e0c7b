//! `Builder::faults(true)`: the simulation's own faults (spurious wake-ups,
//! processes held back, timer jitter) catch code that relies on what real
//! runtimes do not promise, each fault is a recorded choice that replays
//! from the token, and with faults off a run is what it was.

use std::future::{poll_fn, Future};
use std::pin::pin;
use std::task::Poll;
use std::time::Duration;

use hoare::sim::{Builder, Event, SimError, Strategy};

/// A receiver that treats its next wake as "the message is here": after
/// its first `Pending` it polls the `recv` once more and panics if that is
/// not ready. Correct only if nothing wakes it spuriously.
async fn recv_trusting_the_wake(rx: &hoare::chan::Receiver<u32>) -> u32 {
    let mut recv = pin!(rx.recv());
    let mut waited = false;
    poll_fn(|cx| match recv.as_mut().poll(cx) {
        Poll::Ready(value) => Poll::Ready(value.unwrap()),
        Poll::Pending if waited => panic!("woken, but no message"),
        Poll::Pending => {
            waited = true;
            Poll::Pending
        }
    })
    .await
}

/// The sender works a while (yields) before it sends: steps in which the
/// receiver waits.
async fn trusting_program() -> u32 {
    let (tx, rx) = hoare::chan::bounded::<u32>(0);
    hoare::spawn(async move {
        for _ in 0..20 {
            hoare::yield_now().await;
        }
        tx.send(7).await.unwrap();
    });
    recv_trusting_the_wake(&rx).await
}

fn failing_seeds(faults: bool, seeds: u64) -> usize {
    (0..seeds)
        .filter(|&seed| {
            Builder::new()
                .seed(seed)
                .faults(faults)
                .try_run(trusting_program())
                .is_err()
        })
        .count()
}

#[test]
fn code_that_trusts_a_wake_is_caught_with_faults_and_not_without() {
    assert_eq!(failing_seeds(false, 200), 0);
    let with_faults = failing_seeds(true, 200);
    assert!(with_faults > 0, "no seed woke the receiver spuriously");
    let error = (0..200)
        .find_map(|seed| {
            Builder::new()
                .seed(seed)
                .faults(true)
                .try_run(trusting_program())
                .err()
        })
        .expect("a failing seed");
    assert!(
        matches!(&error, SimError::Panic { message, .. } if message.contains("woken, but no message")),
        "{error}"
    );
}

#[test]
fn explore_finds_the_spurious_wake_bug_only_with_faults() {
    let explored = Builder::new()
        .try_explore(trusting_program)
        .expect("without faults every schedule passes");
    assert!(explored.complete());
    let error = Builder::new()
        .faults(true)
        .try_explore(trusting_program)
        .expect_err("with faults a spurious wake is a choice explore takes");
    let token = error.schedule().expect("a failing schedule has a token");
    assert!(token.starts_with("v1.f."), "{token}");
    let replayed = Builder::new().replay(token).try_run(trusting_program());
    assert!(matches!(replayed, Err(SimError::Panic { .. })));
}

/// Processes that wait on channels, a select, a join and timers: every
/// kind of fault has somewhere to land.
async fn busy_program() -> Vec<u64> {
    let (tx, rx) = hoare::chan::bounded::<u64>(1);
    let (tick_tx, tick_rx) = hoare::chan::unbounded::<()>();
    let mut workers = Vec::new();
    for id in 0..3u64 {
        let tx = tx.clone();
        let tick_tx = tick_tx.clone();
        workers.push(hoare::spawn(async move {
            for round in 0..4 {
                hoare::time::sleep(Duration::from_millis(1 + id)).await;
                tx.send(id * 10 + round).await.unwrap();
                let _ = tick_tx.send(()).await;
            }
        }));
    }
    drop(tx);
    drop(tick_tx);
    let start = hoare::time::Instant::now();
    let mut got = Vec::new();
    loop {
        hoare::select! {
            recv(rx) -> value => match value {
                Ok(value) => got.push(value),
                Err(_) => break,
            },
            recv(tick_rx) -> _ => {},
        }
    }
    for worker in workers {
        worker.await.unwrap();
    }
    got.push(start.elapsed().as_micros() as u64);
    got
}

fn fault_counts(events: &[Event]) -> [usize; 3] {
    let mut counts = [0; 3];
    for event in events {
        match event {
            Event::SpuriousWake { .. } => counts[0] += 1,
            Event::Held { .. } => counts[1] += 1,
            Event::Jitter { .. } => counts[2] += 1,
            _ => {}
        }
    }
    counts
}

#[test]
fn every_fault_is_in_the_trace_counts_as_a_deviation_and_replays_bit_for_bit() {
    let mut seen = [0; 3];
    for strategy in [Strategy::Random, Strategy::Pct { depth: 2 }] {
        for seed in 0..40 {
            let builder = Builder::new().seed(seed).strategy(strategy).faults(true);
            let (out, trace) = builder.run_traced(busy_program());
            let counts = fault_counts(trace.events());
            for kind in 0..3 {
                seen[kind] += counts[kind];
            }
            let faults: usize = counts.iter().sum();
            assert!(trace.preemptions() >= faults as u64, "seed {seed}");
            let token = trace.schedule();
            assert!(token.starts_with("v1.sf."), "{token}");
            let (again, replayed) = Builder::new().replay(&token).run_traced(busy_program());
            assert_eq!(out, again, "seed {seed}");
            assert_eq!(replayed.fingerprint(), trace.fingerprint(), "seed {seed}");
            assert_eq!(replayed.events(), trace.events(), "seed {seed}");
            assert_eq!(replayed.schedule(), token, "seed {seed}");
            let (_, rerun) = builder.run_traced(busy_program());
            assert_eq!(rerun.fingerprint(), trace.fingerprint(), "seed {seed}");
        }
    }
    assert!(
        seen.iter().all(|&n| n > 0),
        "(spurious wakes, holds, jitters) seen: {seen:?}"
    );
}

#[test]
fn jitter_fires_a_timer_never_early_and_at_most_one_millisecond_late() {
    let program = || async {
        let start = hoare::time::Instant::now();
        hoare::time::sleep(Duration::from_millis(10)).await;
        start.elapsed()
    };
    let mut late = 0;
    for seed in 0..100 {
        let slept = Builder::new().seed(seed).faults(true).run(program());
        assert!(
            slept >= Duration::from_millis(10) && slept <= Duration::from_millis(11),
            "seed {seed}: {slept:?}"
        );
        late += usize::from(slept > Duration::from_millis(10));
        let exact = Builder::new().seed(seed).run(program());
        assert_eq!(
            exact,
            Duration::from_millis(10),
            "seed {seed} without faults"
        );
    }
    assert!(late > 0, "no seed fired the timer late");
}

#[test]
fn faults_off_is_the_default_and_draws_nothing() {
    for strategy in [Strategy::Random, Strategy::Pct { depth: 3 }] {
        for seed in 0..40 {
            let (a, plain) = Builder::new()
                .seed(seed)
                .strategy(strategy)
                .run_traced(busy_program());
            let (b, off) = Builder::new()
                .seed(seed)
                .strategy(strategy)
                .faults(false)
                .run_traced(busy_program());
            assert_eq!(a, b);
            assert_eq!(plain.fingerprint(), off.fingerprint(), "seed {seed}");
            assert_eq!(plain.schedule(), off.schedule(), "seed {seed}");
            assert_eq!(fault_counts(off.events()), [0, 0, 0]);
            assert!(off.schedule().starts_with("v1.s."));
        }
    }
}

/// The fingerprint of one seeded run, written down: a change that moves
/// the schedules of runs without faults (say, drawing for faults that are
/// off) changes it and must say so here.
#[test]
fn a_seeded_run_without_faults_keeps_its_fingerprint() {
    let (_, trace) = Builder::new().seed(42).run_traced(busy_program());
    assert_eq!(trace.fingerprint(), PINNED_FINGERPRINT);
}

const PINNED_FINGERPRINT: u64 = 8_903_370_072_529_109_009;

#[test]
fn check_with_faults_reports_a_replay_that_keeps_them() {
    let outcome = std::panic::catch_unwind(|| Builder::new().faults(true).check(trusting_program));
    let payload = outcome.expect_err("check must find the spurious wake");
    let text = payload
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default();
    assert!(text.contains(".faults(true))"), "{text}");
    let token = text
        .split("HOARE_SCHEDULE=")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("the report holds a token");
    // The shrunk schedule may be at explore's granularity (`f`) or a
    // seeded run's (`sf`); either way it keeps the faults.
    let mode = token.split('.').nth(1).unwrap_or_default();
    assert!(mode == "f" || mode == "sf", "{token}");
    let replayed = Builder::new().replay(token).try_run(trusting_program());
    assert!(matches!(replayed, Err(SimError::Panic { .. })), "{token}");
}
