//! `hoare::time::sleep` on the real clock: sleeps at least its duration,
//! fires in deadline order, registers and cancels cheaply, never fires
//! once dropped.

mod support;

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::task::{Wake, Waker};
use std::time::Duration;

use hoare::time::{self, Instant, Sleep};
use support::{poll_with, wait_until, within, CountingWaker};

/// A waker that appends its id to a shared log when woken.
struct Recorder {
    id: usize,
    log: Arc<Mutex<Vec<usize>>>,
}

impl Wake for Recorder {
    fn wake(self: Arc<Self>) {
        self.log.lock().unwrap().push(self.id);
    }
}

#[test]
fn sleep_sleeps_at_least_the_duration() {
    for millis in [1, 10, 30] {
        let duration = Duration::from_millis(millis);
        let start = Instant::now();
        let std_start = std::time::Instant::now();
        hoare::block_on(time::sleep(duration));
        assert!(
            start.elapsed() >= duration,
            "hoare clock: {:?} < {duration:?}",
            start.elapsed()
        );
        assert!(
            std_start.elapsed() >= duration,
            "std clock: {:?} < {duration:?}",
            std_start.elapsed()
        );
        assert!(std_start.elapsed() < Duration::from_secs(5));
    }
}

#[test]
fn zero_sleep_is_ready_on_first_poll() {
    let waker = Waker::from(Arc::new(CountingWaker::default()));
    let mut sleep = time::sleep(Duration::ZERO);
    assert!(poll_with(&mut sleep, &waker).is_ready());
    let mut past = time::sleep_until(Instant::now() - Duration::from_secs(1));
    assert!(poll_with(&mut past, &waker).is_ready());
}

/// Far enough ahead that every sleep is registered before the first one is
/// due, even on a loaded machine; the order observed is then the timer
/// thread's alone.
const REGISTRATION_SLACK: Duration = Duration::from_millis(250);

#[test]
fn timers_fire_in_deadline_order() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let base = Instant::now() + REGISTRATION_SLACK;
    let offsets = [50u64, 10, 40, 20, 30, 15, 45, 5];
    let mut sleeps: Vec<Sleep> = offsets
        .iter()
        .map(|&millis| time::sleep_until(base + Duration::from_millis(millis)))
        .collect();
    for (id, sleep) in sleeps.iter_mut().enumerate() {
        let waker = Waker::from(Arc::new(Recorder {
            id,
            log: log.clone(),
        }));
        assert!(poll_with(sleep, &waker).is_pending());
    }
    wait_until(|| log.lock().unwrap().len() == offsets.len());
    let mut expected: Vec<usize> = (0..offsets.len()).collect();
    expected.sort_by_key(|&id| offsets[id]);
    assert_eq!(*log.lock().unwrap(), expected);
}

#[test]
fn timers_due_together_fire_in_registration_order() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let deadline = Instant::now() + REGISTRATION_SLACK;
    let mut sleeps: Vec<Sleep> = (0..200).map(|_| time::sleep_until(deadline)).collect();
    for (id, sleep) in sleeps.iter_mut().enumerate() {
        let waker = Waker::from(Arc::new(Recorder {
            id,
            log: log.clone(),
        }));
        assert!(poll_with(sleep, &waker).is_pending());
    }
    wait_until(|| log.lock().unwrap().len() == 200);
    assert_eq!(*log.lock().unwrap(), (0..200).collect::<Vec<_>>());
}

#[test]
fn threads_sleeping_different_durations_each_wake_after_their_deadline() {
    // When each thread runs after its wake-up is up to the OS scheduler, so
    // the order is checked on wakers above; here each thread checks its own
    // deadline.
    let start = Instant::now();
    let threads: Vec<_> = [120u64, 40, 80]
        .into_iter()
        .map(|millis| {
            std::thread::spawn(move || {
                let deadline = start + Duration::from_millis(millis);
                hoare::block_on(time::sleep_until(deadline));
                assert!(Instant::now() >= deadline);
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    assert!(start.elapsed() >= Duration::from_millis(120));
}

#[test]
fn hundred_thousand_pending_timers_register_and_cancel() {
    let counter = Arc::new(CountingWaker::default());
    let waker = Waker::from(counter.clone());
    let start = Instant::now();
    let mut sleeps: Vec<Sleep> = (0..100_000u64)
        .map(|i| {
            time::sleep_until(start + Duration::from_secs(3600) + Duration::from_micros(i % 1000))
        })
        .collect();
    for sleep in &mut sleeps {
        assert!(poll_with(sleep, &waker).is_pending());
    }
    // Re-polling with the same waker neither registers again nor clones.
    for sleep in sleeps.iter_mut().take(1000) {
        assert!(poll_with(sleep, &waker).is_pending());
    }
    drop(sleeps);
    assert_eq!(counter.wakes.load(Ordering::SeqCst), 0);
    // The timer thread still serves new timers promptly (a 5 ms sleep
    // within a second).
    let short = Instant::now();
    within(10, || {
        hoare::block_on(time::sleep(Duration::from_millis(5)))
    });
    assert!(short.elapsed() < Duration::from_secs(1));
}

#[test]
fn dropped_sleep_never_fires() {
    let counter = Arc::new(CountingWaker::default());
    let waker = Waker::from(counter.clone());
    let mut sleep = time::sleep(REGISTRATION_SLACK);
    assert!(poll_with(&mut sleep, &waker).is_pending());
    drop(sleep);
    std::thread::sleep(REGISTRATION_SLACK + Duration::from_millis(50));
    assert_eq!(counter.wakes.load(Ordering::SeqCst), 0);
}

#[test]
fn sleep_wakes_the_newest_waker() {
    let first = Arc::new(CountingWaker::default());
    let second = Arc::new(CountingWaker::default());
    let mut sleep = time::sleep(REGISTRATION_SLACK);
    assert!(poll_with(&mut sleep, &Waker::from(first.clone())).is_pending());
    assert!(poll_with(&mut sleep, &Waker::from(second.clone())).is_pending());
    wait_until(|| second.wakes.load(Ordering::SeqCst) == 1);
    assert_eq!(first.wakes.load(Ordering::SeqCst), 0);
    assert!(poll_with(&mut sleep, &Waker::from(second)).is_ready());
}

#[test]
fn huge_sleep_does_not_overflow_and_never_completes() {
    for duration in [
        Duration::MAX,
        Duration::from_secs(u64::MAX / 2),
        Duration::from_secs(1 << 40),
    ] {
        let sleep = time::sleep(duration);
        assert!(sleep.deadline() > Instant::now());
        let result = hoare::block_on(time::timeout(Duration::from_millis(5), sleep));
        assert!(result.is_err(), "sleep({duration:?}) completed");
    }
}

#[test]
fn sleep_reset_reuses_a_completed_sleep() {
    let mut sleep = time::sleep(Duration::ZERO);
    hoare::block_on(&mut sleep);
    let start = Instant::now();
    sleep.reset(start + REGISTRATION_SLACK);
    assert!(!sleep.is_elapsed());
    hoare::block_on(&mut sleep);
    assert!(start.elapsed() >= REGISTRATION_SLACK);
}
