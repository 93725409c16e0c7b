//! A first tour of hoare: channels, `select!`, and cancellation-safe waiting.
//!
//! Run with `cargo run --release --example tour`.

use std::thread;
use std::time::Instant;

use hoare::chan;
use hoare::select::{Select, Selected};

fn main() {
    rendezvous();
    pipeline();
    fair_select();
    fan_in();
}

/// A rendezvous channel: each send meets a receive.
fn rendezvous() {
    let (ping_tx, ping_rx) = chan::bounded::<u64>(0);
    let (pong_tx, pong_rx) = chan::bounded::<u64>(0);
    let echo = thread::spawn(move || {
        for n in ping_rx.iter() {
            pong_tx.send_blocking(n + 1).unwrap();
        }
    });
    let trips = 20_000;
    let start = Instant::now();
    for n in 0..trips {
        ping_tx.send_blocking(n).unwrap();
        assert_eq!(pong_rx.recv_blocking(), Ok(n + 1));
    }
    let per_trip = start.elapsed() / trips as u32;
    drop(ping_tx);
    echo.join().unwrap();
    println!("rendezvous: {trips} ping-pong round trips between two OS threads, {per_trip:?} each");
}

/// A pipeline of stages connected by bounded channels; closing flows down.
fn pipeline() {
    let (numbers_tx, numbers_rx) = chan::bounded::<u64>(16);
    let (squares_tx, squares_rx) = chan::bounded::<u64>(16);
    let source = thread::spawn(move || {
        for n in 1..=1000 {
            numbers_tx.send_blocking(n).unwrap();
        }
        // Dropping the last sender closes the channel.
    });
    let square = thread::spawn(move || {
        for n in numbers_rx.iter() {
            squares_tx.send_blocking(n * n).unwrap();
        }
    });
    let total: u64 = squares_rx.iter().sum();
    source.join().unwrap();
    square.join().unwrap();
    println!("pipeline: sum of the first 1000 squares = {total}");
}

/// `select!` chooses uniformly among ready arms.
fn fair_select() {
    let (a_tx, a_rx) = chan::bounded::<()>(1);
    let (b_tx, b_rx) = chan::bounded::<()>(1);
    let mut counts = [0u32; 2];
    hoare::block_on(async {
        for _ in 0..100_000 {
            let _ = a_tx.try_send(());
            let _ = b_tx.try_send(());
            let arm = hoare::select! {
                recv(a_rx) -> _ => 0,
                recv(b_rx) -> _ => 1,
            };
            counts[arm] += 1;
        }
    });
    println!(
        "fair select: two always-ready arms chosen {} and {} times",
        counts[0], counts[1]
    );
}

/// The dynamic `Select` fans in over a run-time set of channels.
fn fan_in() {
    let channels: Vec<_> = (0..4).map(|_| chan::bounded::<String>(1)).collect();
    let workers: Vec<_> = channels
        .iter()
        .enumerate()
        .map(|(id, (tx, _))| {
            let tx = tx.clone();
            thread::spawn(move || tx.send_blocking(format!("hello from worker {id}")).unwrap())
        })
        .collect();
    let receivers: Vec<_> = channels.into_iter().map(|(_, rx)| rx).collect();
    let mut heard = 0;
    hoare::block_on(async {
        while heard < receivers.len() {
            let mut select = Select::new();
            for rx in &receivers {
                select.recv(rx);
            }
            if let (index, Selected::Recv(Ok(message))) = select.select().await {
                println!("fan-in: channel {index}: {message}");
                heard += 1;
            }
        }
    });
    workers.into_iter().for_each(|w| w.join().unwrap());
}
