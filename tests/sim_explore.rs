//! `explore`: a bounded depth-first search over schedules with
//! partial-order reduction, proving small programs and finding planted
//! bugs with a token that replays them.

use std::time::Duration;

use hoare::chan;
use hoare::sim::{self, Builder, SimError};

async fn ping_pong() {
    let (ping, ping_rx) = chan::bounded::<u32>(0);
    let (pong, pong_rx) = chan::bounded::<u32>(0);
    hoare::spawn(async move {
        while let Ok(n) = ping_rx.recv().await {
            pong.send(n + 1).await.unwrap();
        }
    });
    for n in 0..3 {
        ping.send(n).await.unwrap();
        assert_eq!(pong_rx.recv().await, Ok(n + 1));
    }
}

#[test]
fn a_correct_ping_pong_is_proven_in_a_handful_of_schedules() {
    for bound in [Some(2), None] {
        let explored = Builder::new().max_preemptions(bound).explore(ping_pong);
        assert!(explored.complete(), "{explored}");
        assert!(explored.schedules() <= 10, "bound {bound:?}: {explored}");
    }
}

/// `processes` processes, each sending twice on its own channel with a
/// yield in between; the main future sleeps until they are done.
async fn independent(processes: u32) {
    let mut receivers = Vec::new();
    for _ in 0..processes {
        let (tx, rx) = chan::unbounded::<u32>();
        receivers.push(rx);
        hoare::spawn(async move {
            tx.send(1).await.unwrap();
            hoare::yield_now().await;
            tx.send(2).await.unwrap();
        });
    }
    hoare::time::sleep(Duration::from_secs(1)).await;
    for rx in receivers {
        assert_eq!(rx.try_iter_sum(), 3);
    }
}

trait SumAll {
    fn try_iter_sum(&self) -> u32;
}

impl SumAll for chan::Receiver<u32> {
    fn try_iter_sum(&self) -> u32 {
        let mut sum = 0;
        while let Ok(v) = self.try_recv() {
            sum += v;
        }
        sum
    }
}

#[test]
fn independent_processes_need_far_fewer_schedules_than_their_interleavings() {
    // 4 processes of 2 steps each: 8! / 2^4 = 2520 interleavings.
    for bound in [Some(2), None] {
        let explored = Builder::new()
            .max_preemptions(bound)
            .max_schedules(2520)
            .explore(|| independent(4));
        assert!(explored.complete(), "{explored}");
        assert!(explored.schedules() <= 5, "bound {bound:?}: {explored}");
    }
}

/// Two withdrawals of 80 from a balance of 100 kept in a channel: each
/// checks the balance, awaits something else, then takes the money. The
/// check and the act are not one step: both can pass the check.
async fn check_then_act() {
    let (put, take) = chan::bounded::<i64>(1);
    put.send(100).await.unwrap();
    let mut workers = Vec::new();
    for _ in 0..2 {
        let (put, take) = (put.clone(), take.clone());
        workers.push(hoare::spawn(async move {
            let balance = take.recv().await.unwrap();
            put.send(balance).await.unwrap(); // only looked
            hoare::yield_now().await;
            if balance >= 80 {
                let now = take.recv().await.unwrap();
                assert!(now >= 80, "overdraft: took 80 from {now}");
                put.send(now - 80).await.unwrap();
            }
        }));
    }
    for worker in workers {
        worker.await.unwrap();
    }
}

#[test]
fn a_planted_check_then_act_bug_is_found_and_its_token_replays_it() {
    let error = Builder::new()
        .try_explore(check_then_act)
        .expect_err("two checks before either act overdraw");
    let SimError::Panic { ref message, .. } = error else {
        panic!("expected the overdraft panic, got {error}");
    };
    assert!(message.contains("overdraft"), "{message}");
    assert_eq!(error.seed(), 0, "an explored schedule has no seed");
    let token = error.schedule().expect("a token").to_string();
    let again = Builder::new()
        .replay(&token)
        .try_run(check_then_act())
        .expect_err("the token replays the failure");
    assert_eq!(again.to_string(), error.to_string());
}

#[test]
fn explore_panics_with_the_token_and_an_exact_replay_command() {
    let outcome = std::panic::catch_unwind(|| sim::explore(check_then_act));
    let payload = outcome.expect_err("explore must fail");
    let report = payload
        .downcast_ref::<String>()
        .expect("a formatted report");
    let token = report
        .split("HOARE_SCHEDULE=")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("the report names HOARE_SCHEDULE=<token>");
    assert!(token.starts_with("v1."), "{report}");
    assert!(report.contains("-- --exact"), "{report}");
    assert!(Builder::new()
        .replay(token)
        .try_run(check_then_act())
        .is_err());
}

#[test]
fn the_bound_limits_the_search() {
    // The overdraft needs one preemption: with none allowed it is not found.
    let explored = Builder::new()
        .max_preemptions(Some(0))
        .explore(check_then_act);
    assert_eq!(explored.schedules(), 1, "{explored}");
    assert!(explored.complete());
    assert!(Builder::new()
        .max_preemptions(Some(1))
        .try_explore(check_then_act)
        .is_err());
}

#[test]
fn max_schedules_stops_the_search_incomplete() {
    let explored = Builder::new()
        .max_preemptions(None)
        .max_schedules(2)
        .explore(|| async {
            let (tx, rx) = chan::unbounded();
            for i in 0..3 {
                let tx = tx.clone();
                hoare::spawn(async move { tx.send(i).await.unwrap() });
            }
            drop(tx);
            while rx.recv().await.is_ok() {}
        });
    assert_eq!(explored.schedules(), 2);
    assert!(!explored.complete());
    assert!(explored.to_string().contains("not complete"), "{explored}");
}

#[test]
fn a_sometimes_that_never_held_fails_try_explore_with_coverage() {
    let result = Builder::new().try_explore(|| async {
        let (tx, rx) = chan::bounded::<u8>(1);
        hoare::spawn(async move { tx.send(1).await.unwrap() });
        let got = rx.recv().await.unwrap();
        hoare::assert_sometimes!(got == 2, "a two arrives");
        hoare::assert_sometimes!(got == 1, "a one arrives");
    });
    match result {
        Err(SimError::Coverage { name, .. }) => assert_eq!(name, "a two arrives"),
        other => panic!("expected SimError::Coverage, got {other:?}"),
    }
}

#[test]
fn every_select_arm_and_timer_order_is_explored() {
    let seen = std::sync::Mutex::new(std::collections::BTreeSet::new());
    let explored = Builder::new().explore(|| async {
        // Two ready arms: which one a select takes is a choice.
        let (left, left_rx) = chan::bounded(1);
        let (right, right_rx) = chan::bounded(1);
        left.try_send("left").unwrap();
        right.try_send("right").unwrap();
        let arm = hoare::select! {
            recv(left_rx) -> v => v.unwrap(),
            recv(right_rx) -> v => v.unwrap(),
        };
        // Two sleeps due at one instant: which wakes first is a choice.
        let (done, done_rx) = chan::unbounded();
        for name in ["first", "second"] {
            let done = done.clone();
            hoare::spawn(async move {
                hoare::time::sleep(Duration::from_millis(5)).await;
                done.send(name).await.unwrap();
            });
        }
        let woke = done_rx.recv().await.unwrap();
        seen.lock().unwrap().insert((arm, woke));
    });
    assert!(explored.complete());
    let seen = seen.into_inner().unwrap();
    assert_eq!(seen.len(), 4, "both arms and both wake orders: {seen:?}");
}

#[test]
#[should_panic(expected = "not deterministic")]
fn a_program_that_changes_between_runs_is_refused() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    Builder::new().max_preemptions(None).explore(|| async {
        let processes = 2 + RUNS.fetch_add(1, Ordering::SeqCst) % 3;
        let (tx, rx) = chan::unbounded();
        for i in 0..processes {
            let tx = tx.clone();
            hoare::spawn(async move { tx.send(i).await.unwrap() });
        }
        drop(tx);
        while rx.recv().await.is_ok() {}
    });
}

/// Two producers each send once on their own channel; the main future
/// takes one value from the first, with a `select!` that also waits on a
/// third channel nobody sends on (`idle_arm`), or with a plain `recv`.
async fn first_of_two(idle_arm: bool) {
    let (tx, rx) = chan::bounded::<u32>(1);
    let (other, other_rx) = chan::bounded::<u32>(1);
    let (_idle, idle_rx) = chan::bounded::<u32>(1);
    hoare::spawn(async move { tx.send(1).await.unwrap() });
    hoare::spawn(async move { other.send(2).await.unwrap() });
    let value = match idle_arm {
        true => hoare::select! {
            recv(rx) -> v => v.unwrap(),
            recv(idle_rx) -> v => v.unwrap(),
        },
        false => rx.recv().await.unwrap(),
    };
    assert_eq!(value, 1);
    assert_eq!(other_rx.recv().await, Ok(2));
}

#[test]
fn a_select_arm_on_an_independent_channel_adds_no_schedules() {
    for bound in [Some(2), None] {
        let count = |idle_arm| {
            let explored = Builder::new()
                .max_preemptions(bound)
                .explore(move || first_of_two(idle_arm));
            assert!(explored.complete(), "{explored}");
            explored.schedules()
        };
        let (plain, with_select) = (count(false), count(true));
        assert_eq!(plain, with_select, "bound {bound:?}");
    }
}

#[test]
fn explore_tries_each_buggify_site_enabled_and_each_draw_true_after_the_defaults() {
    let seen = std::sync::Mutex::new(Vec::new());
    let explored = Builder::new().max_preemptions(None).explore(|| async {
        // One site, drawn twice.
        let draws: Vec<bool> = (0..2).map(|_| hoare::buggify!()).collect();
        seen.lock().unwrap().push(draws);
    });
    assert!(explored.complete(), "{explored}");
    let seen = seen.into_inner().unwrap();
    assert_eq!(
        seen[0],
        [false, false],
        "the first schedule takes the defaults"
    );
    let distinct: std::collections::BTreeSet<_> = seen.iter().cloned().collect();
    assert_eq!(distinct.len(), 4, "every pair of draws: {seen:?}");
}

#[test]
fn two_senders_racing_to_a_waiting_select_are_both_explored() {
    for capacity in [0, 1] {
        let won = std::sync::Mutex::new(std::collections::BTreeSet::new());
        let explored = Builder::new().max_preemptions(None).explore(|| async {
            let (a, a_rx) = chan::bounded::<u32>(capacity);
            let (b, b_rx) = chan::bounded::<u32>(capacity);
            hoare::spawn(async move {
                let _ = a.send(1).await;
            });
            hoare::spawn(async move {
                let _ = b.send(2).await;
            });
            // Waits first (the default schedule keeps polling the main
            // future): each sender may be the one that completes it.
            let value = hoare::select! {
                recv(a_rx) -> v => v.unwrap(),
                recv(b_rx) -> v => v.unwrap(),
            };
            won.lock().unwrap().insert(value);
        });
        assert!(explored.complete(), "{explored}");
        let won = won.into_inner().unwrap();
        assert_eq!(won.len(), 2, "capacity {capacity}: {won:?}");
    }
}

/// What one run of [`dropped_wait`] saw: whether the dropped operation
/// had completed at its first poll, what the other process's `try_recv` or
/// `try_send` did, and the value left in the channel at the end.
type DroppedWaitOutcome = (bool, Option<u32>, Option<u32>);

/// A process polls one plain operation on a `bounded(capacity)` channel
/// (a send of 1 into a full channel, or a receive from an empty one),
/// yields, and drops it; another yields twice and then makes the
/// counterpart's `try_` operation. Each run records its outcome in `seen`.
fn dropped_wait(
    capacity: usize,
    drop_a_send: bool,
    seen: std::sync::Arc<std::sync::Mutex<std::collections::BTreeSet<DroppedWaitOutcome>>>,
) -> impl std::future::Future<Output = ()> + Send + 'static {
    use std::future::Future;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex};
    use std::task::Poll;
    async move {
        let (tx, rx) = chan::bounded::<u32>(capacity);
        if drop_a_send {
            for value in 0..capacity as u32 {
                tx.try_send(100 + value).unwrap();
            }
        }
        let completed = Arc::new(AtomicBool::new(false));
        let other = Arc::new(Mutex::new(None));
        {
            let (tx, rx, other) = (tx.clone(), rx.clone(), other.clone());
            hoare::spawn(async move {
                hoare::yield_now().await;
                hoare::yield_now().await;
                *other.lock().unwrap() = if drop_a_send {
                    rx.try_recv().ok()
                } else {
                    tx.try_send(1).ok().map(|()| 1)
                };
            });
        }
        {
            let (tx, rx, completed) = (tx.clone(), rx.clone(), completed.clone());
            hoare::spawn(async move {
                if drop_a_send {
                    let mut send = Box::pin(tx.send(1));
                    let ready =
                        std::future::poll_fn(|cx| Poll::Ready(send.as_mut().poll(cx).is_ready()))
                            .await;
                    completed.store(ready, Ordering::SeqCst);
                    hoare::yield_now().await;
                    drop(send);
                } else {
                    let mut recv = Box::pin(rx.recv());
                    let ready =
                        std::future::poll_fn(|cx| Poll::Ready(recv.as_mut().poll(cx).is_ready()))
                            .await;
                    completed.store(ready, Ordering::SeqCst);
                    hoare::yield_now().await;
                    drop(recv);
                }
            });
        }
        hoare::time::sleep(Duration::from_secs(1)).await;
        let mut left = None;
        while let Ok(value) = rx.try_recv() {
            if value < 100 {
                left = Some(value);
            }
        }
        let other = *other.lock().unwrap();
        seen.lock()
            .unwrap()
            .insert((completed.load(Ordering::SeqCst), other, left));
    }
}

/// Dropping a waiting plain send or receive changes its channel (the
/// waiter leaves its queue, or a handed value comes back), so `explore`
/// must order the drop against the channel's other operations: every
/// outcome that seeded random runs reach, the complete search reaches too.
#[test]
fn explore_orders_the_drop_of_a_waiting_send_or_receive_against_the_channels_other_operations() {
    use std::collections::BTreeSet;
    use std::sync::{Arc, Mutex};
    let mut missed = Vec::new();
    for capacity in [0, 1, 2] {
        for drop_a_send in [true, false] {
            let sampled: Arc<Mutex<BTreeSet<DroppedWaitOutcome>>> = Arc::default();
            for seed in 0..200 {
                Builder::new()
                    .seed(seed)
                    .run(dropped_wait(capacity, drop_a_send, sampled.clone()));
            }
            let explored_seen: Arc<Mutex<BTreeSet<DroppedWaitOutcome>>> = Arc::default();
            let explored = Builder::new().max_preemptions(None).explore({
                let seen = explored_seen.clone();
                move || dropped_wait(capacity, drop_a_send, seen.clone())
            });
            assert!(explored.complete(), "{explored}");
            let sampled = sampled.lock().unwrap().clone();
            let explored_seen = explored_seen.lock().unwrap().clone();
            assert!(sampled.len() >= 2, "the sampled runs differ: {sampled:?}");
            if !explored_seen.is_superset(&sampled) {
                missed.push(format!(
                    "bounded({capacity}), dropping a {}: explore ({explored}) missed {:?}",
                    if drop_a_send { "send" } else { "receive" },
                    sampled.difference(&explored_seen).collect::<Vec<_>>()
                ));
            }
        }
    }
    assert!(missed.is_empty(), "{missed:#?}");
}
