//! Memory: resident bytes per idle process, measured in a fresh OS
//! process each (the caller re-executes itself for every row).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

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

/// Bytes of resident memory per idle process, all `count` of them waiting
/// on one shared thing, so that only the runtime's overhead per waiting
/// process counts: for hoare, every process receives on one channel (its
/// receivers are cloneable); for tokio, whose mpsc has a single receiver,
/// every task awaits one shared `Notify`. Run it in a fresh OS process.
pub fn idle_process_bytes_shared(rt: Rt, count: usize) -> f64 {
    block_on(rt, async move {
        let started = Arc::new(AtomicUsize::new(0));
        spawn(rt, async {}).await;
        let (tx, rx) = hoare::chan::bounded::<u64>(1);
        let notify = Arc::new(tokio::sync::Notify::new());
        let mut joins = Vec::with_capacity(count);
        let before = resident_bytes();
        for _ in 0..count {
            let started = started.clone();
            match rt {
                Rt::Hoare => {
                    let rx = rx.clone();
                    joins.push(spawn(rt, async move {
                        started.fetch_add(1, Ordering::Relaxed);
                        let _ = rx.recv().await;
                    }));
                }
                Rt::Tokio => {
                    let notify = notify.clone();
                    joins.push(spawn(rt, async move {
                        let notified = notify.notified();
                        started.fetch_add(1, Ordering::Relaxed);
                        notified.await;
                    }));
                }
            }
        }
        while started.load(Ordering::Relaxed) < count {
            std::thread::sleep(Duration::from_millis(1));
        }
        let after = resident_bytes();
        drop(tx);
        notify.notify_waiters();
        for join in joins {
            join.await;
        }
        (after.saturating_sub(before)) as f64 / count as f64
    })
}

/// Bytes of resident memory per idle process, each blocked receiving on
/// its own channel of capacity 1 (`count` of them). Run it in a fresh OS
/// process so earlier allocations do not hide the growth.
pub fn idle_process_bytes<C: AsyncChannel>(rt: Rt, count: usize) -> f64 {
    block_on(rt, async move {
        let started = Arc::new(AtomicUsize::new(0));
        // Warm the runtime and the allocator up first.
        spawn(rt, async {}).await;
        let mut senders = Vec::with_capacity(count);
        let mut joins = Vec::with_capacity(count);
        let before = resident_bytes();
        for _ in 0..count {
            let (tx, mut rx) = C::channel(Some(1)).expect("capacity");
            senders.push(tx);
            let started = started.clone();
            joins.push(spawn(rt, async move {
                started.fetch_add(1, Ordering::Relaxed);
                C::recv(&mut rx).await;
            }));
        }
        while started.load(Ordering::Relaxed) < count {
            std::thread::sleep(Duration::from_millis(1));
        }
        let after = resident_bytes();
        for tx in &senders {
            C::send(tx, 0).await;
        }
        for join in joins {
            join.await;
        }
        (after.saturating_sub(before)) as f64 / count as f64
    })
}
