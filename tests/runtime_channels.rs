//! The runtime with hoare's own channels: rings, hand-offs, budget.

use std::time::Instant;

use hoare::chan;
use hoare::Runtime;

/// Passes a token around a ring of `size` processes linked by channels of
/// capacity `cap`, `rounds` times. Returns hops per second.
fn channel_ring(workers: usize, size: usize, cap: usize, rounds: u64) -> f64 {
    let runtime = Runtime::builder().workers(workers).build().unwrap();
    let (first_tx, mut previous_rx) = chan::bounded::<u64>(cap);
    let mut handles = Vec::new();
    for _ in 1..size {
        let (tx, rx) = chan::bounded::<u64>(cap);
        let inbox = std::mem::replace(&mut previous_rx, rx);
        handles.push(runtime.spawn(async move {
            while let Ok(token) = inbox.recv().await {
                if tx.send(token + 1).await.is_err() {
                    break;
                }
            }
        }));
    }
    let last_rx = previous_rx;
    let total = size as u64 * rounds;
    let started = Instant::now();
    let hops = runtime.block_on(async move {
        let mut token = 0;
        first_tx.send(token).await.unwrap();
        for _ in 0..rounds {
            token = last_rx.recv().await.unwrap();
            if token + (size as u64) < total {
                first_tx.send(token).await.unwrap();
            } else {
                break;
            }
        }
        drop(first_tx);
        token
    });
    let elapsed = started.elapsed();
    runtime.block_on(async {
        for handle in handles {
            handle.await.unwrap();
        }
    });
    assert!(hops >= size as u64 - 1);
    hops as f64 / elapsed.as_secs_f64()
}

#[test]
fn a_ring_of_a_thousand_processes_passes_a_token_over_rendezvous_channels() {
    let rounds = if cfg!(debug_assertions) { 20 } else { 1000 };
    let rate = channel_ring(2, 1000, 0, rounds);
    eprintln!(
        "channel ring (cap 0) of 1000 on 2 workers: {:.2} M hops/s",
        rate / 1e6
    );
}

#[test]
fn a_ring_of_a_thousand_processes_passes_a_token_over_buffered_channels() {
    let rounds = if cfg!(debug_assertions) { 20 } else { 1000 };
    let rate = channel_ring(2, 1000, 1, rounds);
    eprintln!(
        "channel ring (cap 1) of 1000 on 2 workers: {:.2} M hops/s",
        rate / 1e6
    );
}

#[test]
fn processes_ping_pong_over_channels() {
    let runtime = Runtime::builder().workers(2).build().unwrap();
    let trips = if cfg!(debug_assertions) {
        10_000
    } else {
        200_000
    };
    let (ping_tx, ping_rx) = chan::bounded::<u32>(1);
    let (pong_tx, pong_rx) = chan::bounded::<u32>(1);
    let echo = runtime.spawn(async move {
        while let Ok(value) = ping_rx.recv().await {
            pong_tx.send(value).await.unwrap();
        }
    });
    let elapsed = runtime
        .block_on(runtime.spawn(async move {
            let started = Instant::now();
            for i in 0..trips {
                ping_tx.send(i).await.unwrap();
                assert_eq!(pong_rx.recv().await.unwrap(), i);
            }
            started.elapsed()
        }))
        .unwrap();
    runtime.block_on(echo).unwrap();
    eprintln!(
        "process <-> process round trip over bounded(1): {:?}",
        elapsed / trips
    );
}

#[test]
fn a_sender_whose_channel_is_always_ready_yields_to_others() {
    // The receiver's process could loop forever on an unbounded channel
    // that always has a message; the budget makes it yield so that the
    // other process on the one worker runs.
    let runtime = Runtime::builder().workers(1).build().unwrap();
    let (tx, rx) = chan::unbounded::<u32>();
    for i in 0..10_000 {
        tx.try_send(i).unwrap();
    }
    let (done_tx, done_rx) = chan::bounded::<()>(1);
    let busy = runtime.spawn(async move {
        let mut received = 0;
        while let Ok(value) = rx.recv().await {
            received += 1;
            let _ = tx.try_send(value);
            if received > 1_000_000 {
                return false;
            }
            if done_rx.try_recv().is_ok() {
                return true;
            }
        }
        false
    });
    let other = runtime.spawn(async move { done_tx.send(()).await.unwrap() });
    runtime.block_on(other).unwrap();
    assert!(
        runtime.block_on(busy).unwrap(),
        "the other process ran while the busy one looped"
    );
}

#[test]
fn a_process_that_panics_closes_its_channels() {
    let runtime = Runtime::builder().workers(2).build().unwrap();
    let (tx, rx) = chan::bounded::<u32>(0);
    let sender = runtime.spawn(async move {
        let _tx = tx;
        panic!("sender fails");
    });
    assert!(runtime.block_on(async { rx.recv().await }).is_err());
    assert!(runtime.block_on(sender).unwrap_err().is_panic());
}

#[test]
fn processes_blocked_forever_on_channels_do_not_keep_the_runtime_alive() {
    let runtime = Runtime::builder().workers(2).build().unwrap();
    let mut keep = Vec::new();
    for _ in 0..1000 {
        let (tx, rx) = chan::bounded::<u8>(0);
        drop(runtime.spawn(async move {
            let _ = rx.recv().await;
        }));
        keep.push(tx);
    }
    drop(runtime);
    // Every receiver was dropped: the channels are closed.
    assert!(keep.iter().all(|tx| tx.is_closed()));
}

/// The main future of `run` may use the `_blocking` forms. A process that
/// such a call wakes must not wait in the main thread's hand-off slot while
/// the main thread goes on to block on something else: it runs on a
/// worker. (A blocking send that completes at once, in its first tries,
/// woke the receiving process into that slot and stranded it there.)
#[test]
fn a_process_woken_by_a_blocking_call_of_the_main_future_runs_while_main_blocks() {
    use std::sync::mpsc;
    use std::time::Duration;

    for cap in [1, 4] {
        hoare::run(async move {
            let (tx, rx) = chan::bounded::<u32>(cap);
            let (done_tx, done_rx) = mpsc::channel();
            let receiver = hoare::spawn(async move {
                let value = rx.recv().await.unwrap();
                done_tx.send(value).unwrap();
            });
            // Let the process start and wait on the empty channel.
            hoare::time::sleep(Duration::from_millis(50)).await;
            tx.send_blocking(7).unwrap();
            assert_eq!(
                done_rx.recv_timeout(Duration::from_secs(10)),
                Ok(7),
                "cap {cap}: the woken process did not run while the main thread blocked"
            );
            receiver.await.unwrap();
        });
    }
}
