//! When an idle worker takes processes from a busy one: at once from a
//! long queue or from a worker stuck in a long poll, never from a chain of
//! processes handing messages to each other in short turns.
//!
//! The tests take one lock each: a test spinning on one core would slow
//! the other's workers, and the rule is about time.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use hoare::Runtime;

/// Long enough for any machine to give the idle worker a turn; a failure
/// reports instead of hanging.
const DEADLINE: Duration = Duration::from_secs(20);

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn alone() -> MutexGuard<'static, ()> {
    ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn two_workers() -> Runtime {
    Runtime::builder().workers(2).build().expect("a runtime")
}

/// Spins inside one poll until `flag` is set or the deadline passes;
/// returns whether it was set.
fn spin_until(flag: &AtomicBool) -> bool {
    let start = Instant::now();
    while !flag.load(Ordering::Acquire) {
        if start.elapsed() > DEADLINE {
            return false;
        }
        std::hint::spin_loop();
    }
    true
}

#[test]
fn a_process_queued_behind_a_long_poll_is_taken_by_the_idle_worker() {
    let _alone = alone();
    let runtime = two_workers();
    let set = Arc::new(AtomicBool::new(false));
    let ran = runtime.block_on(async move {
        // Spawned by a process, both go to its worker's own queue: the
        // spinner is popped first, the setter waits behind it unless the
        // other worker takes it.
        hoare::spawn(async move {
            let spinner = {
                let set = set.clone();
                hoare::spawn(async move { spin_until(&set) })
            };
            let setter = hoare::spawn(async move { set.store(true, Ordering::Release) });
            let ran = spinner.await.expect("the spinner");
            setter.await.expect("the setter");
            ran
        })
        .await
        .expect("the parent")
    });
    assert!(
        ran,
        "the process behind a poll spinning for {DEADLINE:?} was never run by the idle worker"
    );
}

#[test]
fn two_processes_computing_in_yielding_turns_run_on_both_workers() {
    let _alone = alone();
    let runtime = two_workers();
    let running = Arc::new(AtomicUsize::new(0));
    let both = Arc::new(AtomicBool::new(false));
    runtime.block_on({
        let both = both.clone();
        async move {
            hoare::spawn(async move {
                let computers: Vec<_> = (0..2)
                    .map(|_| {
                        let running = running.clone();
                        let both = both.clone();
                        hoare::spawn(async move {
                            let start = Instant::now();
                            while !both.load(Ordering::Acquire) && start.elapsed() < DEADLINE {
                                // One turn: 200 µs of work with the other
                                // process's turn counted as overlapping.
                                if running.fetch_add(1, Ordering::AcqRel) == 1 {
                                    both.store(true, Ordering::Release);
                                }
                                let turn = Instant::now();
                                while turn.elapsed() < Duration::from_micros(200) {
                                    std::hint::spin_loop();
                                }
                                running.fetch_sub(1, Ordering::AcqRel);
                                hoare::yield_now().await;
                            }
                        })
                    })
                    .collect();
                for computer in computers {
                    computer.await.expect("a computer");
                }
            })
            .await
            .expect("the parent")
        }
    });
    assert!(
        both.load(Ordering::Acquire),
        "two processes taking turns of 200 µs on one worker's queue never ran at the same time in {DEADLINE:?}"
    );
}

/// Release builds only (CI runs this file in release too): the rule is
/// calibrated in time (a wait of 2 µs), and a debug build's channel
/// operations are some ten times slower, so there a chain's turns are
/// long enough for the idle worker to take part of it, as the rule says.
#[cfg(not(debug_assertions))]
mod chain {
    use std::collections::HashMap;
    use std::thread::ThreadId;

    use hoare::chan;

    use super::{alone, two_workers};

    /// The share of `threads` taken by the most frequent thread.
    fn largest_share(threads: &[ThreadId]) -> f64 {
        let mut counts = HashMap::new();
        for thread in threads {
            *counts.entry(*thread).or_insert(0usize) += 1;
        }
        let most = counts.values().copied().max().unwrap_or(0);
        most as f64 / threads.len().max(1) as f64
    }

    /// One run of the chain: the share of the receiver's messages, in the
    /// second half (the start, with spawns spread by the injection queue,
    /// is allowed to settle), taken on its most used worker.
    fn chain_share() -> f64 {
        const MESSAGES: usize = 200_000;
        let runtime = two_workers();
        let threads = runtime.block_on(async {
            let (tx, rx) = chan::bounded::<usize>(1);
            for _ in 0..4 {
                let tx = tx.clone();
                hoare::spawn(async move {
                    for value in 0..MESSAGES / 4 {
                        tx.send(value).await.expect("the receiver is here");
                    }
                });
            }
            drop(tx);
            hoare::spawn(async move {
                let mut threads = Vec::with_capacity(MESSAGES);
                while rx.recv().await.is_ok() {
                    threads.push(std::thread::current().id());
                }
                threads
            })
            .await
            .expect("the receiver")
        });
        assert_eq!(threads.len(), MESSAGES);
        largest_share(&threads[MESSAGES / 2..])
    }

    /// Two workers sharing the chain give about 50%. A worker preempted by
    /// the OS for longer than a window is rightly relieved, and the chain
    /// may then stay split: so the best of three runs counts.
    #[test]
    fn four_senders_and_a_receiver_on_bounded_1_stay_on_one_worker() {
        let _alone = alone();
        let shares: Vec<f64> = (0..3).map(|_| chain_share()).collect();
        assert!(
            shares.iter().any(|&share| share > 0.75),
            "in three runs the receiver of a chain took {:?}% of its messages on its most used worker; a chain should stay on one",
            shares.iter().map(|share| (share * 100.0).round()).collect::<Vec<_>>()
        );
    }
}
