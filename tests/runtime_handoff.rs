//! Where a woken process runs: on the thread that woke it, as soon as that
//! thread has nothing else to do (its LIFO slot), whether the waker is a
//! process on a worker or the main future of `hoare::run` on the caller's
//! thread. Each test plays many round trips and checks the thread of each
//! hop; a few hops may land elsewhere (the first, while the partner is
//! still being placed; one a searching worker steals), so each asserts a
//! large fraction, [`AT_LEAST_PERCENT`], not all.

mod support;

use std::thread::{self, ThreadId};

use hoare::chan;
use hoare::Runtime;
use support::within;

/// Round trips per test.
const TRIPS: usize = 10_000;

/// The share of hops that must run on the expected thread.
const AT_LEAST_PERCENT: usize = 95;

fn assert_mostly(expected: usize, what: &str) {
    assert!(
        expected * 100 >= TRIPS * AT_LEAST_PERCENT,
        "{what}: {expected} of {TRIPS} hops ({:.1}%), fewer than {AT_LEAST_PERCENT}%",
        expected as f64 * 100.0 / TRIPS as f64
    );
}

#[test]
fn the_caller_of_run_runs_the_processes_its_main_future_wakes() {
    let on_caller = within(120, || {
        let caller = thread::current().id();
        hoare::run(async move {
            let (ping_tx, ping_rx) = chan::bounded::<usize>(1);
            let (pong_tx, pong_rx) = chan::bounded::<ThreadId>(1);
            let echo = hoare::spawn(async move {
                while ping_rx.recv().await.is_ok() {
                    pong_tx.send(thread::current().id()).await.unwrap();
                }
            });
            let mut on_caller = 0;
            for trip in 0..TRIPS {
                ping_tx.send(trip).await.unwrap();
                if pong_rx.recv().await.unwrap() == caller {
                    on_caller += 1;
                }
            }
            drop(ping_tx);
            echo.await.unwrap();
            on_caller
        })
    });
    eprintln!(
        "process woken by the main future ran on the caller's thread: {on_caller} of {TRIPS}"
    );
    assert_mostly(
        on_caller,
        "the process woken by the main future ran on the caller's thread",
    );
}

/// One side of a ping-pong between two processes: receives `trips`
/// messages (starting with a send if `serves`), answering each, and counts
/// those it received on the thread that sent them.
async fn play(
    serves: bool,
    trips: usize,
    tx: chan::Sender<ThreadId>,
    rx: chan::Receiver<ThreadId>,
) -> usize {
    if serves {
        tx.send(thread::current().id()).await.unwrap();
    }
    let mut on_waker = 0;
    for trip in 0..trips {
        let sender = rx.recv().await.unwrap();
        if sender == thread::current().id() {
            on_waker += 1;
        }
        if serves && trip + 1 == trips {
            break;
        }
        tx.send(thread::current().id()).await.unwrap();
    }
    on_waker
}

#[test]
fn the_woken_process_runs_on_the_wakers_thread_when_that_thread_goes_idle() {
    let (serving, returning) = within(120, || {
        let runtime = Runtime::builder().workers(2).build().unwrap();
        let (a_tx, a_rx) = chan::bounded::<ThreadId>(1);
        let (b_tx, b_rx) = chan::bounded::<ThreadId>(1);
        let serving = runtime.spawn(play(true, TRIPS, a_tx, b_rx));
        let returning = runtime.spawn(play(false, TRIPS, b_tx, a_rx));
        (
            runtime.block_on(serving).unwrap(),
            runtime.block_on(returning).unwrap(),
        )
    });
    eprintln!(
        "woken process ran on its waker's thread: {serving} and {returning} of {TRIPS} per side"
    );
    assert_mostly(serving, "the serving process ran on its waker's thread");
    assert_mostly(returning, "the returning process ran on its waker's thread");
}
