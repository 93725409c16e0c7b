//! Dining philosophers with a waiter, in the CSP style.
//!
//! Five philosophers share five forks. Each fork is a process-free
//! resource: a channel of capacity one holding a token. Taking both forks
//! one after the other can deadlock (everyone holds a left fork); the
//! classic CSP cure is a *waiter* process that lets at most four sit at the
//! table at once. The waiter is a `select!` loop whose "sit down" arm is
//! guarded by the number already seated — a guard does what a condition
//! variable would do elsewhere.
//!
//! The program runs once on the real runtime and then under the
//! deterministic simulation for 200 seeds: every schedule the simulation
//! tries finishes, none deadlocks (a deadlock would be reported with the
//! blocked processes and what each waits on).
//!
//! Run with `cargo run --release --example philosophers`.

use hoare::chan::{self, Receiver, Sender};
use hoare::sim;

const PHILOSOPHERS: usize = 5;

/// The waiter: seats at most `PHILOSOPHERS - 1` at a time.
async fn waiter(sit: Receiver<()>, leave: Receiver<()>) {
    let mut seated = 0;
    loop {
        hoare::select! {
            recv(sit) -> request if seated < PHILOSOPHERS - 1 => match request {
                Ok(()) => seated += 1,
                Err(_) => return,
            },
            recv(leave) -> left => match left {
                Ok(()) => seated -= 1,
                Err(_) => return, // every philosopher has gone home
            },
        }
    }
}

async fn philosopher(
    meals: usize,
    left: (Sender<()>, Receiver<()>),
    right: (Sender<()>, Receiver<()>),
    sit: Sender<()>,
    leave: Sender<()>,
) {
    for _ in 0..meals {
        sit.send(()).await.unwrap(); // meets the waiter only when a seat is free
        left.1.recv().await.unwrap(); // pick up the left fork
        right.1.recv().await.unwrap(); // and the right one
        hoare::yield_now().await; // eat
        left.0.send(()).await.unwrap(); // put the forks back
        right.0.send(()).await.unwrap();
        leave.send(()).await.unwrap();
    }
}

/// The whole dinner; returns the meals eaten.
pub async fn dinner(meals: usize) -> usize {
    let forks: Vec<(Sender<()>, Receiver<()>)> = (0..PHILOSOPHERS)
        .map(|_| {
            let fork = chan::bounded(1);
            fork.0.try_send(()).unwrap();
            fork
        })
        .collect();
    let (sit_tx, sit_rx) = chan::bounded(0);
    let (leave_tx, leave_rx) = chan::bounded(0);
    let waiter = hoare::spawn(waiter(sit_rx, leave_rx));
    let mut diners = Vec::new();
    for seat in 0..PHILOSOPHERS {
        let left = forks[seat].clone();
        let right = forks[(seat + 1) % PHILOSOPHERS].clone();
        diners.push(hoare::spawn(philosopher(
            meals,
            left,
            right,
            sit_tx.clone(),
            leave_tx.clone(),
        )));
    }
    drop(sit_tx);
    let mut eaten = 0;
    for diner in diners {
        diner.await.unwrap();
        eaten += meals;
    }
    drop(leave_tx);
    waiter.await.unwrap();
    eaten
}

pub fn main() {
    let eaten = hoare::run(dinner(100));
    println!("philosophers: {eaten} meals eaten on the runtime, no deadlock");
    for seed in 0..200 {
        let eaten = sim::Builder::new().seed(seed).run(dinner(3));
        assert_eq!(eaten, 3 * PHILOSOPHERS);
    }
    println!("philosophers: 200 simulated schedules (seeds 0..200), every one finished");
}
