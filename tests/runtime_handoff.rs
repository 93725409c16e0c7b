//! Where a woken process runs: on the thread that woke it, as soon as that
//! thread has nothing else to do (its LIFO slot), whether the waker is a
//! process on a worker or the main future of `hoare::run` on the caller's
//! thread. Each test plays many round trips and checks the thread of each
//! hop; a few hops may land elsewhere (the first, while the partner is
//! still being placed; one a searching worker steals), so each asserts a
//! large fraction, [`AT_LEAST_PERCENT`], not all.

mod support;

use std::thread::{self, ThreadId};
use std::time::{Duration, Instant};

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

/// A process that the main future wakes runs when the main future yields
/// for its cooperative budget, not only when it waits: a main future that
/// keeps sending on an unbounded channel and never waits would otherwise
/// leave the process in the caller's LIFO slot, where no worker sees it.
#[test]
fn a_process_woken_by_a_main_future_that_never_waits_still_runs() {
    let answered = within(60, || {
        hoare::run(async {
            let (ready_tx, ready_rx) = chan::bounded::<()>(0);
            let (data_tx, data_rx) = chan::unbounded::<u64>();
            let (ack_tx, ack_rx) = chan::unbounded::<()>();
            let consumer = hoare::spawn(async move {
                ready_tx.send(()).await.unwrap();
                data_rx.recv().await.unwrap();
                ack_tx.send(()).await.unwrap();
                // Keeps the channel open until the main future is done.
                while data_rx.recv().await.is_ok() {}
            });
            ready_rx.recv().await.unwrap();
            // Long enough for the consumer to wait on the empty channel, so
            // that the first send below wakes it from the main future.
            hoare::time::sleep(Duration::from_millis(20)).await;
            let start = Instant::now();
            let mut answered = false;
            while start.elapsed() < Duration::from_secs(5) {
                data_tx.send(1).await.unwrap();
                if ack_rx.try_recv().is_ok() {
                    answered = true;
                    break;
                }
            }
            drop(data_tx);
            consumer.await.unwrap();
            answered
        })
    });
    assert!(
        answered,
        "the woken consumer never ran in 5 s of sends by a main future that yields only for its budget"
    );
}
