//! Time in a select loop: a heartbeat with `tick`, an idle timeout with
//! `after`, `default` for a non-blocking poll, and `timeout` around a
//! future.
//!
//! Run with `cargo run --release --example timeouts`.

use std::time::Duration;

use hoare::chan;
use hoare::time::{self, Instant};

/// A worker that reports a heartbeat every 10 ms while it processes jobs,
/// and gives up after 50 ms without a job. Returns (jobs, heartbeats).
pub async fn worker_with_heartbeat() -> (u32, u32) {
    let (jobs_tx, jobs_rx) = chan::bounded::<u32>(4);
    hoare::spawn(async move {
        for job in 0..5 {
            time::sleep(Duration::from_millis(7)).await;
            if jobs_tx.send(job).await.is_err() {
                return; // the worker gave up first (a slow machine)
            }
        }
        // Then silence: the worker's idle timeout ends it.
        time::sleep(Duration::from_secs(3600)).await;
        drop(jobs_tx);
    });
    let heartbeat = time::tick(Duration::from_millis(10));
    let (mut jobs, mut beats) = (0, 0);
    // The idle timeout is reset by a job, not by a heartbeat.
    let mut idle = time::after(Duration::from_millis(50));
    loop {
        hoare::select! {
            recv(jobs_rx) -> job => {
                if job.is_err() {
                    break;
                }
                jobs += 1;
                idle = time::after(Duration::from_millis(50));
            }
            recv(heartbeat) -> _ => beats += 1,
            recv(idle) -> _ => break,
        }
    }
    (jobs, beats)
}

pub fn main() {
    hoare::run(async {
        let start = Instant::now();
        let (jobs, beats) = worker_with_heartbeat().await;
        println!(
            "heartbeat: {jobs} jobs, {beats} heartbeats, idle timeout after {:?}",
            start.elapsed()
        );

        let (tx, rx) = chan::bounded::<&str>(1);
        let polled = hoare::select! { recv(rx) -> m => m.unwrap(), default => "nothing yet" };
        println!("default: a non-blocking poll of an empty channel gives {polled:?}");
        tx.try_send("hello").unwrap();
        let polled = hoare::select! { recv(rx) -> m => m.unwrap(), default => "nothing yet" };
        println!("default: after a send it gives {polled:?}");

        let slow = time::timeout(
            Duration::from_millis(20),
            time::sleep(Duration::from_secs(5)),
        )
        .await;
        let fast = time::timeout(Duration::from_millis(20), async { 42 }).await;
        println!("timeout: a 5 s sleep under 20 ms gives {slow:?}; a ready future gives {fast:?}");
    });

    // The same heartbeat loop on virtual time: an hour of it takes no time.
    let wall = std::time::Instant::now();
    let (jobs, beats) = hoare::sim::Builder::new()
        .seed(1)
        .run(worker_with_heartbeat());
    println!(
        "simulated: {jobs} jobs and {beats} heartbeats on virtual time, in {:?} of wall time",
        wall.elapsed()
    );
}
