//! Port of crossbeam-channel's `tests/after.rs` and `tests/tick.rs` to
//! `hoare::time::{after, tick}` (Go's `time.After` / `Ticker` semantics).

mod support;

use std::thread;
use std::time::Duration;

use hoare::chan::TryRecvError;
use hoare::time::{after, tick, Instant};
use support::within;

const MS: Duration = Duration::from_millis(1);

#[test]
fn after_fires_once() {
    within(20, || {
        let start = Instant::now();
        let r = after(5 * MS);
        let fired = r.recv_blocking().unwrap();
        assert!(fired >= start + 5 * MS);
        assert!(start.elapsed() >= 5 * MS);
        assert_eq!(r.try_recv(), Err(TryRecvError::Empty));
        let timed = hoare::block_on(hoare::time::timeout(5 * MS, r.recv()));
        assert!(timed.is_err(), "no second value, and no close");
    });
}

#[test]
fn after_and_tick_capacity_len_empty_full() {
    within(20, || {
        let later = after(Duration::from_secs(100));
        assert_eq!(later.capacity(), Some(1));
        assert!(later.is_empty() && !later.is_full());
        let r = after(MS);
        while r.is_empty() {
            thread::sleep(MS);
        }
        assert_eq!(r.len(), 1);
        assert!(!r.is_empty() && r.is_full());
        r.try_recv().unwrap();
        assert!(r.is_empty());
        let t = tick(MS);
        assert_eq!(t.capacity(), Some(1));
        while t.is_empty() {
            thread::sleep(MS);
        }
        thread::sleep(10 * MS);
        assert_eq!(t.len(), 1, "a slow receiver sees one tick, not a backlog");
    });
}

#[test]
fn after_try_recv() {
    within(20, || {
        let r = after(Duration::from_secs(100));
        assert_eq!(r.try_recv(), Err(TryRecvError::Empty));
        let r = after(5 * MS);
        while r.is_empty() {
            thread::sleep(MS);
        }
        assert!(r.try_recv().is_ok());
        assert_eq!(r.try_recv(), Err(TryRecvError::Empty));
    });
}

#[test]
fn after_recv_race_earlier_wins() {
    within(20, || {
        let r1 = after(MS);
        let r2 = after(Duration::from_secs(10));
        let first = hoare::block_on(async {
            hoare::select! {
                recv(r1) -> _ => 1,
                recv(r2) -> _ => 2,
            }
        });
        assert_eq!(first, 1);
    });
}

#[test]
fn after_shared_by_two_threads_delivers_once() {
    within(20, || {
        let r = after(2 * MS);
        let got: usize = thread::scope(|s| {
            let hs: Vec<_> = (0..2)
                .map(|_| {
                    let r = &r;
                    s.spawn(move || {
                        hoare::block_on(async {
                            hoare::select! {
                                recv(r) -> _ => 1usize,
                                recv(after(Duration::from_secs(1))) -> _ => 0,
                            }
                        })
                    })
                })
                .collect();
            hs.into_iter().map(|h| h.join().unwrap()).sum()
        });
        assert_eq!(got, 1);
    });
}

#[test]
fn stress_default_with_many_afters() {
    within(20, || {
        for _ in 0..200 {
            let r = after(Duration::from_secs(100));
            let d = hoare::block_on(async {
                hoare::select! {
                    recv(r) -> _ => false,
                    default => true,
                }
            });
            assert!(d);
        }
    });
}

#[test]
fn tick_fires_with_spacing_and_keeps_going() {
    within(20, || {
        let start = Instant::now();
        let t = tick(2 * MS);
        let mut last = t.recv_blocking().unwrap();
        assert!(last >= start);
        for _ in 0..5 {
            let at = t.recv_blocking().unwrap();
            assert!(at > last, "ticks move forward");
            last = at;
        }
        assert!(!t.is_closed());
    });
}

#[test]
fn tick_intervals_with_a_slow_receiver() {
    within(20, || {
        let start = Instant::now();
        let t = tick(5 * MS);
        let a = t.recv_blocking().unwrap();
        thread::sleep(30 * MS);
        assert!(t.len() <= 1, "a stale tick is kept, just one");
        let b = t.recv_blocking().unwrap();
        let c = t.recv_blocking().unwrap();
        assert!(a >= start + 5 * MS);
        assert!(b > a);
        assert!(c > b);
    });
}

#[test]
fn select_over_several_tickers() {
    within(20, || {
        let t1 = tick(MS);
        let t2 = tick(2 * MS);
        let mut hits = [0; 2];
        hoare::block_on(async {
            for _ in 0..20 {
                hoare::select! {
                    recv(t1) -> m => { m.unwrap(); hits[0] += 1 }
                    recv(t2) -> m => { m.unwrap(); hits[1] += 1 }
                }
            }
        });
        assert_eq!(hits[0] + hits[1], 20);
    });
}

/// Dropping the receivers of live timers is quiet: nothing panics, and
/// the timer thread goes on serving the next timer. (That a dropped tick
/// stops is not visible through the public API: the unit test
/// `tick_on_the_timer_thread_stops_when_receiver_dropped` in
/// `src/time/channel.rs` checks it on the driver's count of timers.)
#[test]
fn dropped_tick_and_after_receivers_leave_the_timer_thread_serving() {
    within(20, || {
        for _ in 0..100 {
            drop(tick(MS));
            drop(after(MS));
        }
        thread::sleep(10 * MS);
        let start = Instant::now();
        let fired = after(MS).recv_blocking().unwrap();
        assert!(fired >= start + MS);
    });
}
