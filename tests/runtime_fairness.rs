//! Nothing starves: yields, LIFO hand-offs and the injection queue.

mod support;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hoare::Runtime;
use support::mailbox::Mailbox;
use support::within;

fn spinners(count: usize, stop: &Arc<AtomicBool>) {
    for _ in 0..count {
        let stop = stop.clone();
        drop(hoare::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                hoare::yield_now().await;
            }
        }));
    }
}

/// Spawns `spinning` processes that yield until stopped on a runtime of
/// `workers`, then spawns and joins 100 others one after another; returns
/// the sum of the others' results (4950 when each ran once), or fails the
/// test if they do not all finish within 30 s.
fn others_run_beside_spinners(workers: usize, spinning: usize) -> u64 {
    within(30, move || {
        let runtime = Runtime::builder().workers(workers).build().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let total = runtime.block_on(async {
            spinners(spinning, &stop);
            let mut total = 0;
            for i in 0..100u64 {
                total += hoare::spawn(async move { i }).await.unwrap();
            }
            total
        });
        stop.store(true, Ordering::Relaxed);
        total
    })
}

#[test]
fn a_process_spinning_on_yield_now_does_not_starve_others_on_one_worker() {
    assert_eq!(others_run_beside_spinners(1, 1), 4950);
}

#[test]
fn many_spinning_processes_do_not_starve_others_on_two_workers() {
    assert_eq!(others_run_beside_spinners(2, 8), 4950);
}

#[test]
fn two_processes_handing_off_forever_do_not_starve_a_third_on_one_worker() {
    // A and B wake each other through the LIFO slot forever; the cap on
    // consecutive LIFO runs lets the queue's other processes in.
    let runtime = Runtime::builder().workers(1).build().unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let (a, b) = (Mailbox::<u64>::new(), Mailbox::<u64>::new());
    for (inbox, outbox) in [(a.clone(), b.clone()), (b.clone(), a.clone())] {
        let stop = stop.clone();
        drop(runtime.spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let token = inbox.take().await;
                outbox.put(token + 1);
            }
        }));
    }
    a.put(0);
    let third = runtime.spawn(async { 3 });
    assert_eq!(runtime.block_on(third).unwrap(), 3);
    stop.store(true, Ordering::Relaxed);
}

#[test]
fn a_process_woken_from_outside_runs_while_workers_are_busy() {
    // The foreign wake goes to the injection queue; the worker, busy with a
    // yielding process, still looks there regularly.
    let runtime = Runtime::builder().workers(1).build().unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let mailbox = Mailbox::<u32>::new();
    let receiver = mailbox.clone();
    runtime.block_on(async { spinners(2, &stop) });
    let handle = runtime.spawn(async move { receiver.take().await });
    std::thread::sleep(Duration::from_millis(10));
    std::thread::spawn(move || mailbox.put(11)).join().unwrap();
    assert_eq!(runtime.block_on(handle).unwrap(), 11);
    stop.store(true, Ordering::Relaxed);
}

/// Passes a token around a ring of `size` processes `rounds` times.
/// Returns the hops per second.
fn ring(workers: usize, size: usize, rounds: u64) -> f64 {
    let runtime = Runtime::builder().workers(workers).build().unwrap();
    let boxes: Vec<Mailbox<u64>> = (0..size).map(|_| Mailbox::new()).collect();
    let hops = Arc::new(AtomicU64::new(0));
    let total = size as u64 * rounds;
    let mut handles = Vec::new();
    for i in 0..size {
        let inbox = boxes[i].clone();
        let outbox = boxes[(i + 1) % size].clone();
        let hops = hops.clone();
        handles.push(runtime.spawn(async move {
            loop {
                let token = inbox.take().await;
                hops.fetch_add(1, Ordering::Relaxed);
                if token >= total {
                    outbox.put(token);
                    return;
                }
                outbox.put(token + 1);
            }
        }));
    }
    let started = Instant::now();
    boxes[0].put(1);
    runtime.block_on(async {
        for handle in handles {
            handle.await.unwrap();
        }
    });
    let elapsed = started.elapsed();
    assert!(hops.load(Ordering::Relaxed) >= total);
    hops.load(Ordering::Relaxed) as f64 / elapsed.as_secs_f64()
}

#[test]
fn a_ring_of_a_thousand_processes_passes_a_token() {
    let rounds = if cfg!(debug_assertions) { 20 } else { 1000 };
    let rate = ring(2, 1000, rounds);
    eprintln!("ring of 1000 on 2 workers: {:.2} M hops/s", rate / 1e6);
}

#[test]
fn a_ring_of_a_thousand_processes_passes_a_token_on_one_worker() {
    let rounds = if cfg!(debug_assertions) { 20 } else { 1000 };
    let rate = ring(1, 1000, rounds);
    eprintln!("ring of 1000 on 1 worker: {:.2} M hops/s", rate / 1e6);
}

#[test]
fn main_future_blocking_on_a_process_it_woke_does_not_strand_it() {
    // The main future wakes a process (into its thread's LIFO slot) and
    // then blocks its thread waiting for that process: the slot must have
    // been handed to the workers.
    let runtime = Runtime::builder().workers(1).build().unwrap();
    let (request, reply) = (Mailbox::<u32>::new(), Mailbox::<u32>::new());
    let (inbox, outbox) = (request.clone(), reply.clone());
    let server = runtime.spawn(async move {
        let value = inbox.take().await;
        outbox.put(value * 2);
    });
    std::thread::sleep(Duration::from_millis(10));
    let answer = runtime.block_on(async {
        request.put(21);
        hoare::block_on(reply.take())
    });
    assert_eq!(answer, 42);
    runtime.block_on(server).unwrap();
}
