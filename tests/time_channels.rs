//! `hoare::time::after` and `hoare::time::tick` on the real clock: timers
//! that deliver on channels the timer never closes.

mod support;

use std::time::Duration;

use hoare::chan::TryRecvError;
use hoare::time::{self, Instant};
use support::{expect_panic, wait_until, within};

#[test]
fn after_delivers_one_value_then_stays_open_and_empty() {
    let start = Instant::now();
    let timer = time::after(Duration::from_millis(10));
    let fired_at = hoare::block_on(timer.recv()).unwrap();
    assert!(fired_at >= start + Duration::from_millis(10));
    assert!(start.elapsed() >= Duration::from_millis(10));
    std::thread::sleep(Duration::from_millis(30));
    assert_eq!(
        timer.try_recv(),
        Err(TryRecvError::Empty),
        "not Closed: the timer keeps it open"
    );
    assert!(!timer.is_closed());
    let again = hoare::block_on(time::timeout(Duration::from_millis(20), timer.recv()));
    assert!(again.is_err(), "a second recv waits instead of failing");
}

#[test]
fn after_value_is_buffered_when_nobody_is_receiving_yet() {
    let timer = time::after(Duration::from_millis(5));
    // Nobody receives; the timer thread's send lands in the buffer.
    wait_until(|| timer.len() == 1);
    assert!(timer.try_recv().is_ok());
    assert_eq!(timer.try_recv(), Err(TryRecvError::Empty));
}

#[test]
fn after_with_duration_max_stays_open_and_empty() {
    let timer = time::after(Duration::MAX);
    std::thread::sleep(Duration::from_millis(10));
    assert_eq!(timer.try_recv(), Err(TryRecvError::Empty));
    assert!(!timer.is_closed());
}

/// Promptly: within a second, a bound no loaded machine reaches for a
/// timer already due (the first timer also starts the timer thread).
#[test]
fn after_zero_fires_promptly() {
    let started = std::time::Instant::now();
    let timer = time::after(Duration::ZERO);
    within(10, move || hoare::block_on(timer.recv())).expect("after sends its one value");
    let waited = started.elapsed();
    assert!(
        waited < Duration::from_secs(1),
        "after(0) fired after {waited:?}"
    );
}

#[test]
fn tick_delivers_repeatedly_at_least_a_period_apart() {
    let period = Duration::from_millis(5);
    let start = Instant::now();
    let ticks = time::tick(period);
    hoare::block_on(async {
        let mut previous = start;
        for k in 1..=5u32 {
            let at = ticks.recv().await.unwrap();
            // The k-th tick received fired no earlier than its slot.
            assert!(
                at >= start + k * period,
                "tick {k} at {at:?}, start {start:?}"
            );
            assert!(at > previous);
            previous = at;
        }
    });
    assert!(start.elapsed() >= 5 * period);
}

#[test]
fn tick_drops_ticks_a_slow_receiver_missed() {
    let period = Duration::from_millis(5);
    let ticks = time::tick(period);
    wait_until(|| ticks.len() == 1);
    std::thread::sleep(Duration::from_millis(100)); // about 20 more periods missed
    let mut burst = 0;
    while ticks.try_recv().is_ok() {
        burst += 1;
    }
    // One buffered, and at most one more that landed while draining.
    assert!(
        (1..=2).contains(&burst),
        "a slow receiver found {burst} ticks waiting"
    );
    // Ticking goes on afterwards.
    assert!(hoare::block_on(time::timeout(Duration::from_secs(5), ticks.recv())).is_ok());
}

#[test]
fn tick_values_are_the_firing_times() {
    let start = Instant::now();
    let ticks = time::tick(Duration::from_millis(3));
    let first = hoare::block_on(ticks.recv()).unwrap();
    assert!(first >= start + Duration::from_millis(3));
    assert!(first <= Instant::now());
}

#[test]
fn tick_of_zero_panics_naming_the_period() {
    let message = expect_panic(|| {
        time::tick(Duration::ZERO);
    });
    assert!(message.contains("period"), "{message}");
    assert!(message.contains("0ns"), "{message}");
    assert!(message.contains("hoare::time::tick"), "{message}");
}

#[test]
fn many_dropped_after_channels_do_not_break_later_timers() {
    for _ in 0..10_000 {
        drop(time::after(Duration::from_secs(3600)));
    }
    let timer = time::after(Duration::from_millis(2));
    assert!(hoare::block_on(time::timeout(Duration::from_secs(5), timer.recv())).is_ok());
}

#[test]
fn after_arm_times_out_a_select() {
    let (_sender, receiver) = hoare::chan::bounded::<u32>(0);
    let start = Instant::now();
    let outcome = hoare::block_on(async {
        hoare::select! {
            recv(receiver) -> _ => "message",
            recv(time::after(Duration::from_millis(10))) -> at => {
                assert!(at.unwrap() >= start + Duration::from_millis(10));
                "timeout"
            }
        }
    });
    assert_eq!(outcome, "timeout");
    assert!(start.elapsed() >= Duration::from_millis(10));
}

#[test]
fn fired_after_channel_does_not_turn_a_select_ready_again() {
    let timer = time::after(Duration::from_millis(2));
    hoare::block_on(async {
        hoare::select! {
            recv(timer) -> at => assert!(at.is_ok()),
        }
        // The timer's channel stays open and empty: it is never ready with
        // an error, so the other arm wins.
        for _ in 0..3 {
            let winner = hoare::select! {
                recv(timer) -> _ => "old timer",
                recv(time::after(Duration::from_millis(5))) -> _ => "new timer",
            };
            assert_eq!(winner, "new timer");
        }
    });
}

#[test]
fn tick_drives_a_select_loop_until_work_is_done() {
    let ticks = time::tick(Duration::from_millis(2));
    let (sender, receiver) = hoare::chan::unbounded::<u32>();
    let producer = std::thread::spawn(move || {
        for i in 0..5 {
            std::thread::sleep(Duration::from_millis(3));
            sender.send_blocking(i).unwrap();
        }
    });
    let (mut received, mut tick_count) = (Vec::new(), 0);
    hoare::block_on(async {
        loop {
            hoare::select! {
                recv(receiver) -> message => match message {
                    Ok(value) => received.push(value),
                    Err(_) => break,
                },
                recv(ticks) -> at => {
                    assert!(at.is_ok());
                    tick_count += 1;
                }
            }
        }
    });
    producer.join().unwrap();
    assert_eq!(received, vec![0, 1, 2, 3, 4]);
    assert!(tick_count >= 1, "the ticker ticked while waiting");
}
