//! The benchmark scenarios, shared by the criterion bench
//! (`benches/channels.rs`) and the table printer (`benches/versus.rs`),
//! one file per kind: the channel libraries behind one interface
//! (`channels`), throughput (`throughput`), the runtime (`runtime`),
//! round-trip latency (`latency`) and memory (`memory`).
//!
//! Every scenario is a plain function that sets up its runtime or
//! threads, runs the measured part, and returns how long that part took
//! (set-up and runtime start-up are not timed). Each is written once per
//! library, side by side, so hoare and the peers do the same work:
//!
//! * **Channel throughput**, in the shapes of crossbeam-channel's own
//!   benchmark suite: `seq` (one process sends N, then receives N),
//!   `spsc`, `mpsc` (4 producers), `mpmc` (4 producers, 4 consumers),
//!   `select_rx` (4 producers on 4 channels, one receiver selecting),
//!   `select_both` (4 senders selecting over 4 channels' sends, 4
//!   receivers selecting over their receives), at capacities 0, 1, 1024
//!   and unbounded. Three settings:
//!   - *own runtimes*: hoare on `hoare::Runtime` (2 workers) against tokio
//!     mpsc on tokio's multi-thread runtime (2 workers);
//!   - *on tokio*: hoare's channels, tokio mpsc, flume, kanal and
//!     async-channel all on the same tokio runtime (the pure channel
//!     comparison);
//!   - *OS threads*: hoare's `_blocking` forms against crossbeam-channel.
//! * **Runtime**: spawn-and-join, a ring passing a token, skynet, and
//!   ping-pong round-trip latency (median and p99) in the *process shape*
//!   (both sides spawned) and the *main shape* (one side is the future
//!   given to `block_on`).
//! * **Memory**: bytes per idle process blocked on its own channel.
//!
//! A peer without a feature (tokio has no rendezvous channel and a single
//! consumer; async-channel has no rendezvous) has no entry for it.
#![allow(dead_code)]

pub mod channels;
pub mod latency;
pub mod memory;
pub mod runtime;
pub mod throughput;

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

/// Workers in every runtime, hoare's and tokio's.
pub const WORKERS: usize = 2;
/// Producers (and consumers) in the multi-party shapes.
pub const PARTIES: usize = 4;

/// A channel capacity: `Some(n)` bounded, `None` unbounded.
pub type Cap = Option<usize>;

/// The capacities every shape runs at.
pub const CAPS: [Cap; 4] = [Some(0), Some(1), Some(1024), None];

/// How a capacity reads in a table.
pub fn cap_name(cap: Cap) -> String {
    match cap {
        Some(n) => format!("cap {n}"),
        None => "unbounded".to_string(),
    }
}

// ---------------------------------------------------------------------
// Runtimes
// ---------------------------------------------------------------------

/// Which runtime runs the processes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rt {
    Hoare,
    /// tokio's multi-thread runtime with [`WORKERS`] workers.
    Tokio,
    /// tokio's `current_thread` runtime: every task on the thread of
    /// `block_on`, as a user with one main loop would configure it.
    TokioCurrentThread,
}

/// A boxed future, for joining processes of either runtime alike.
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// Spawns `future` on the runtime `rt` (from inside it) and gives back a
/// future that joins it.
pub fn spawn<F>(rt: Rt, future: F) -> BoxFuture<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    match rt {
        Rt::Hoare => {
            let handle = hoare::spawn(future);
            Box::pin(async move { handle.await.expect("hoare process panicked") })
        }
        Rt::Tokio | Rt::TokioCurrentThread => {
            let handle = tokio::spawn(future);
            Box::pin(async move { handle.await.expect("tokio task panicked") })
        }
    }
}

/// Runs `main` as the main future of a fresh `rt` runtime with
/// [`WORKERS`] workers (one thread for tokio's `current_thread`). tokio is
/// built as its users would for this work: no scenario uses I/O or
/// timers, so neither driver is enabled (no `enable_all`).
pub fn block_on<F: Future>(rt: Rt, main: F) -> F::Output {
    match rt {
        Rt::Hoare => {
            let runtime = hoare::Runtime::builder()
                .workers(WORKERS)
                .build()
                .expect("hoare runtime");
            runtime.block_on(main)
        }
        Rt::Tokio => {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(WORKERS)
                .build()
                .expect("tokio runtime");
            runtime.block_on(main)
        }
        Rt::TokioCurrentThread => {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .build()
                .expect("tokio runtime");
            runtime.block_on(main)
        }
    }
}

/// Runs `main` on `rt` and returns the time the main future took.
pub fn timed<F: Future<Output = ()>>(rt: Rt, main: F) -> Duration {
    block_on(rt, async move {
        let start = Instant::now();
        main.await;
        start.elapsed()
    })
}
