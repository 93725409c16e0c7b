//! `check`'s determinism checks: `HOARE_CHECK_DETERMINISM=1` catches a
//! program whose schedule, or observed data, depends on something outside
//! the simulation,
//! and a failing seed is run again before it is reported, the report
//! saying whether it replayed.
//!
//! One test function: the checks read environment variables, which are
//! process-wide, so they run one after another.

mod support;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use hoare::sim;
use support::expect_panic;

/// A program whose schedule follows a `HashMap`'s iteration order (random
/// per map): each process yields as many times as its key's position.
async fn schedule_follows_hash_order() {
    let map: HashMap<u32, ()> = (0..8).map(|key| (key, ())).collect();
    let (tx, rx) = hoare::chan::unbounded();
    for (position, key) in map.keys().copied().enumerate() {
        let tx = tx.clone();
        hoare::spawn(async move {
            for _ in 0..key * position as u32 {
                hoare::yield_now().await;
            }
            tx.send(key).await.unwrap();
        });
    }
    drop(tx);
    while rx.recv().await.is_ok() {}
}

/// A program that schedules the same way whatever the `HashMap` order,
/// but whose data follows it: the first key in iteration order, sent
/// through a channel and then observed or asserted on as `how` says.
async fn data_follows_hash_order(how: Observe) {
    let map: HashMap<u32, ()> = (0..8).map(|key| (key, ())).collect();
    let (tx, rx) = hoare::chan::bounded(1);
    let first = map.keys().copied().next().unwrap();
    hoare::spawn(async move { tx.send(first).await.unwrap() });
    let first = rx.recv().await.unwrap();
    match how {
        Observe::Nothing => {}
        Observe::Value => sim::observe(&first),
        Observe::Sometimes => hoare::assert_sometimes!(first < 4, "first key is small"),
    }
}

#[derive(Clone, Copy)]
enum Observe {
    Nothing,
    Value,
    Sometimes,
}

#[test]
fn determinism_checks_catch_outside_nondeterminism_and_say_whether_a_seed_replayed() {
    std::env::set_var("HOARE_SIM_ITERS", "20");
    std::env::set_var("HOARE_SHRINK", "0");

    // A schedule that depends on HashMap order is caught.
    std::env::set_var("HOARE_CHECK_DETERMINISM", "1");
    let message = expect_panic(|| sim::check(schedule_follows_hash_order));
    assert!(
        message.contains("is not deterministic"),
        "HashMap-ordered scheduling is reported: {message}"
    );
    // Data that follows HashMap order while the schedule does not is
    // caught once the program observes it or asserts on it, and (as the
    // docs say) not when it does neither.
    for how in [Observe::Value, Observe::Sometimes] {
        let message = expect_panic(|| sim::check(|| data_follows_hash_order(how)));
        assert!(
            message.contains("is not deterministic"),
            "HashMap-ordered observed data is reported: {message}"
        );
    }
    sim::check(|| data_follows_hash_order(Observe::Nothing));
    // Without the check, the same programs pass: the check is what finds them.
    std::env::remove_var("HOARE_CHECK_DETERMINISM");
    sim::check(schedule_follows_hash_order);
    sim::check(|| data_follows_hash_order(Observe::Value));

    // A failing seed that fails again the same way is reported as replayed.
    let message = expect_panic(|| {
        sim::check(|| async {
            let (tx, rx) = hoare::chan::bounded::<u8>(1);
            hoare::spawn(async move { tx.send(1).await.unwrap() });
            hoare::yield_now().await;
            assert!(rx.try_recv().is_err(), "the sender ran first");
        })
    });
    assert!(message.contains("the sender ran first"), "{message}");
    assert!(
        message.contains("\nreplayed: "),
        "a faithful seed replays: {message}"
    );
    // `--release` comes between the two in a release build.
    assert!(
        message.contains("replay it with: HOARE_SCHEDULE=")
            && message.contains(" cargo test ")
            && message.contains("--test sim_determinism_check determinism_checks_"),
        "the replay command names this test binary and test: {message}"
    );

    // A failure that depends on state kept between runs does not replay,
    // and the report says so.
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    let message = expect_panic(|| {
        sim::check(|| async {
            let run = RUNS.fetch_add(1, Ordering::SeqCst);
            assert!(run != 3, "fails on the fourth run only");
        })
    });
    assert!(
        message.contains("fails on the fourth run only"),
        "{message}"
    );
    assert!(
        message.contains("NOT replayed: a second run of the seed passed"),
        "an unfaithful seed is flagged: {message}"
    );

    std::env::remove_var("HOARE_SIM_ITERS");
    std::env::remove_var("HOARE_SHRINK");
}
