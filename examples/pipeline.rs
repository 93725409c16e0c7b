//! Fan-out, fan-in, graceful shutdown.
//!
//! A source process sends jobs into one channel; a pool of workers takes
//! them from it (fan-out: an MPMC channel shares the work); each worker
//! reports on its own results channel, and a collector waits on all of them
//! at once with the dynamic `Select` (fan-in). Shutdown needs no flags:
//! the source closes the jobs channel by dropping it, each worker finishes
//! and drops its results sender, and the collector stops when every results
//! channel is closed.
//!
//! Run with `cargo run --release --example pipeline`.

use hoare::chan::{self, Receiver};
use hoare::select::{Select, Selected};

/// Checks whether `n` is a prime, slowly: the work of a job.
fn is_prime(n: u64) -> bool {
    n >= 2
        && (2..)
            .take_while(|d| d * d <= n)
            .all(|d| !n.is_multiple_of(d))
}

/// Runs `jobs` jobs on `workers` workers; returns (primes found, per worker).
pub fn run_pipeline(jobs: u64, workers: usize) -> (u64, Vec<u64>) {
    hoare::run(async move {
        let (jobs_tx, jobs_rx) = chan::bounded::<u64>(64);
        hoare::spawn(async move {
            for n in 0..jobs {
                jobs_tx.send(n).await.unwrap();
            }
            // `jobs_tx` drops here: the workers see the channel close.
        });
        let mut results: Vec<Receiver<bool>> = Vec::new();
        for _ in 0..workers {
            let jobs_rx = jobs_rx.clone();
            let (result_tx, result_rx) = chan::bounded(16);
            hoare::spawn(async move {
                while let Ok(n) = jobs_rx.recv().await {
                    result_tx.send(is_prime(n)).await.unwrap();
                }
            });
            results.push(result_rx);
        }
        drop(jobs_rx);
        let mut open = vec![true; workers];
        let mut per_worker = vec![0u64; workers];
        let mut primes = 0;
        while open.iter().any(|&o| o) {
            let mut select = Select::new();
            let mut index_of = Vec::new();
            for (worker, rx) in results.iter().enumerate().filter(|(w, _)| open[*w]) {
                select.recv(rx);
                index_of.push(worker);
            }
            let (index, outcome) = select.select().await;
            let worker = index_of[index];
            match outcome {
                Selected::Recv(Ok(prime)) => {
                    per_worker[worker] += 1;
                    primes += u64::from(prime);
                }
                Selected::Recv(Err(_)) => open[worker] = false,
                Selected::Send(_) => unreachable!("only receives were added"),
            }
        }
        (primes, per_worker)
    })
}

pub fn main() {
    let (primes, per_worker) = run_pipeline(20_000, 4);
    println!("pipeline: 4 workers checked 20000 numbers and found {primes} primes");
    println!("jobs done per worker: {per_worker:?}");
}
