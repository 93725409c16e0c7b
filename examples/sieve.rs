//! The concurrent prime sieve of Hoare's CSP paper (and of Go's talks): a
//! generator process feeds 2, 3, 4, ... into a chain of filter processes,
//! one per prime found so far, each passing on only the numbers its prime
//! does not divide. Every link is a rendezvous channel.
//!
//! Run with `cargo run --release --example sieve [N]` (default: 30 primes).

use hoare::chan::{self, Receiver, Sender};

/// Sends 2, 3, 4, ... until the receiving end goes away.
async fn generate(numbers: Sender<u64>) {
    for n in 2.. {
        if numbers.send(n).await.is_err() {
            return;
        }
    }
}

/// Passes on the numbers that `prime` does not divide.
async fn filter(input: Receiver<u64>, output: Sender<u64>, prime: u64) {
    while let Ok(n) = input.recv().await {
        if n % prime != 0 && output.send(n).await.is_err() {
            return;
        }
    }
}

/// The first `count` primes.
pub fn primes(count: usize) -> Vec<u64> {
    hoare::run(async move {
        let (numbers_tx, mut numbers) = chan::bounded(0);
        hoare::spawn(generate(numbers_tx));
        let mut primes = Vec::with_capacity(count);
        for _ in 0..count {
            let prime = numbers.recv().await.expect("the chain never ends");
            primes.push(prime);
            let (next_tx, next) = chan::bounded(0);
            hoare::spawn(filter(numbers, next_tx, prime));
            numbers = next;
        }
        // Returning drops the chain's head; the runtime drops the rest.
        primes
    })
}

pub fn main() {
    let count = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(30);
    let primes = primes(count);
    println!("the first {count} primes, from a chain of {count} filter processes:");
    println!("{primes:?}");
}
