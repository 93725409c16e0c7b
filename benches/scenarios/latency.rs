//! Round-trip latency: ping-pong between two processes (either spawned
//! or one of them the main future) or two OS threads, and quantiles.

use std::time::{Duration, Instant};

use super::channels::*;
use super::*;

/// Round-trip latencies of a ping-pong between two processes over
/// channels of capacity `cap`; `main_side` makes the main future the
/// pinging side. Returns every round trip's time, sorted.
pub fn ping_pong<C: AsyncChannel>(
    rt: Rt,
    cap: Cap,
    main_side: bool,
    rounds: usize,
) -> Option<Vec<Duration>> {
    C::channel(cap)?;
    Some(block_on(rt, async move {
        let (ping_tx, mut ping_rx) = C::channel(cap).expect("capacity");
        let (pong_tx, mut pong_rx) = C::channel(cap).expect("capacity");
        let ponger = spawn(rt, async move {
            for _ in 0..rounds {
                let v = C::recv(&mut ping_rx).await;
                C::send(&pong_tx, v).await;
            }
        });
        let pinger = async move {
            let mut times = Vec::with_capacity(rounds);
            for i in 0..rounds {
                let start = Instant::now();
                C::send(&ping_tx, i as u64).await;
                C::recv(&mut pong_rx).await;
                times.push(start.elapsed());
            }
            times
        };
        let mut times = if main_side {
            pinger.await
        } else {
            spawn(rt, pinger).await
        };
        ponger.await;
        times.sort_unstable();
        times
    }))
}

/// Round-trip latencies of a ping-pong between two OS threads.
pub fn ping_pong_threads(lib: Blocking, cap: Cap, rounds: usize) -> Vec<Duration> {
    let (ping_tx, ping_rx) = blocking_channel(lib, cap);
    let (pong_tx, pong_rx) = blocking_channel(lib, cap);
    let mut times = std::thread::scope(|s| {
        s.spawn(|| {
            for _ in 0..rounds {
                pong_tx.send(ping_rx.recv());
            }
        });
        let mut times = Vec::with_capacity(rounds);
        for i in 0..rounds {
            let start = Instant::now();
            ping_tx.send(i as u64);
            pong_rx.recv();
            times.push(start.elapsed());
        }
        times
    });
    times.sort_unstable();
    times
}

/// The `q`-quantile of sorted `times`.
pub fn quantile(times: &[Duration], q: f64) -> Duration {
    let index = ((times.len() as f64 - 1.0) * q).round() as usize;
    times[index]
}
