//! Memory: resident bytes per idle process, measured in a fresh OS
//! process each (the caller re-executes itself for every figure).
//!
//! The processes are detached (their join handles dropped at once) and
//! report their start and end on two counters, so the benchmark keeps
//! nothing per process but what the shape needs: for the "own channel"
//! shape, the sending end of each process's channel in a `Vec`. That
//! bookkeeping is measured, not assumed: [`bookkeeping_bytes`] runs the
//! same loop and fills the same `Vec` without creating a channel or a
//! process, and the table subtracts its figure.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use super::channels::*;
use super::*;

/// This process's resident set size in bytes (Linux `/proc/self/statm`).
pub fn resident_bytes() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: usize = statm
        .split_whitespace()
        .nth(1)
        .and_then(|field| field.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

/// Counts processes reaching a point (started, finished) and wakes the
/// main future when all `target` of them have. A `Notify` and not a sleep
/// loop: hoare's main future runs the processes it wakes on its own
/// thread, so it must not block while they are to run.
struct Arrivals {
    count: AtomicUsize,
    target: usize,
    all_here: tokio::sync::Notify,
}

impl Arrivals {
    fn new(target: usize) -> Arc<Self> {
        Arc::new(Arrivals {
            count: AtomicUsize::new(0),
            target,
            all_here: tokio::sync::Notify::new(),
        })
    }

    fn arrive(&self) {
        if self.count.fetch_add(1, Ordering::AcqRel) + 1 == self.target {
            // `notify_one` keeps a permit if the main future is not yet
            // waiting.
            self.all_here.notify_one();
        }
    }

    async fn all(&self) {
        if self.count.load(Ordering::Acquire) < self.target {
            self.all_here.notified().await;
        }
    }
}

/// Which memory shape to measure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemoryShape {
    /// Each process receives on its own channel of this capacity.
    Own(usize),
    /// Every process waits on one shared thing (see
    /// [`idle_process_bytes_shared`]).
    Shared,
}

/// Bytes of resident memory per idle process, all `count` of them waiting
/// on one shared thing, so that only the runtime's overhead per waiting
/// process counts: for hoare, every process receives on one channel (its
/// receivers are cloneable); for tokio, whose mpsc has a single receiver,
/// every task awaits one shared `Notify`. Run it in a fresh OS process.
pub fn idle_process_bytes_shared(rt: Rt, count: usize) -> f64 {
    block_on(rt, async move {
        let started = Arrivals::new(count);
        let finished = Arrivals::new(count);
        spawn(rt, async {}).await;
        let (tx, rx) = hoare::chan::bounded::<u64>(1);
        let notify = Arc::new(tokio::sync::Notify::new());
        let before = resident_bytes();
        for _ in 0..count {
            let started = started.clone();
            let finished = finished.clone();
            match rt {
                Rt::Hoare => {
                    let rx = rx.clone();
                    drop(spawn(rt, async move {
                        started.arrive();
                        let _ = rx.recv().await;
                        finished.arrive();
                    }));
                }
                Rt::Tokio | Rt::TokioCurrentThread => {
                    let notify = notify.clone();
                    drop(spawn(rt, async move {
                        let notified = notify.notified();
                        started.arrive();
                        notified.await;
                        finished.arrive();
                    }));
                }
            }
        }
        started.all().await;
        let after = resident_bytes();
        drop(tx);
        notify.notify_waiters();
        finished.all().await;
        (after.saturating_sub(before)) as f64 / count as f64
    })
}

/// Bytes of resident memory per idle process, each blocked receiving on
/// its own channel of capacity `cap` (`count` of them). Run it in a fresh
/// OS process so earlier allocations do not hide the growth.
pub fn idle_process_bytes<C: AsyncChannel>(rt: Rt, cap: usize, count: usize) -> Option<f64> {
    C::channel(Some(cap))?;
    Some(block_on(rt, async move {
        let started = Arrivals::new(count);
        let finished = Arrivals::new(count);
        // Warm the runtime and the allocator up first.
        spawn(rt, async {}).await;
        let mut senders = Vec::with_capacity(count);
        let before = resident_bytes();
        for _ in 0..count {
            let (tx, mut rx) = C::channel(Some(cap)).expect("capacity");
            senders.push(tx);
            let started = started.clone();
            let finished = finished.clone();
            drop(spawn(rt, async move {
                started.arrive();
                C::recv(&mut rx).await;
                finished.arrive();
            }));
        }
        started.all().await;
        let after = resident_bytes();
        for tx in &senders {
            C::send(tx, 0).await;
        }
        finished.all().await;
        (after.saturating_sub(before)) as f64 / count as f64
    }))
}

/// The benchmark's own bytes per process in `shape`: the same loop, the
/// same `Vec` filled with senders of the same type (clones of one), the
/// same counters cloned, but no channel created and no process spawned.
pub fn bookkeeping_bytes<C: AsyncChannel>(rt: Rt, shape: MemoryShape, count: usize) -> f64 {
    block_on(rt, async move {
        let started = Arrivals::new(count);
        let finished = Arrivals::new(count);
        spawn(rt, async {}).await;
        let (tx, _rx) = C::channel(Some(1)).expect("capacity 1");
        let mut senders = Vec::with_capacity(count);
        let before = resident_bytes();
        for _ in 0..count {
            if let MemoryShape::Own(_) = shape {
                senders.push(tx.clone());
            }
            std::hint::black_box((started.clone(), finished.clone()));
        }
        let after = resident_bytes();
        std::hint::black_box(&senders);
        (after.saturating_sub(before)) as f64 / count as f64
    })
}
