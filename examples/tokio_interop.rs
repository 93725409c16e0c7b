//! hoare channels and `select!` inside a tokio application.
//!
//! hoare's channels need no hoare runtime: their futures work in any
//! executor, and `select!` works in any async code. Here tokio tasks talk
//! over hoare channels, a plain OS thread joins in with the blocking
//! methods, and a `select!` mixes a hoare channel with a hoare timer.
//!
//! Run with `cargo run --release --example tokio_interop`.

use std::time::Duration;

use hoare::chan;

pub fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let total = runtime.block_on(async {
        let (tx, rx) = chan::bounded::<u64>(0);
        let (done_tx, done_rx) = chan::bounded::<()>(1);
        // Producers: two tokio tasks and an OS thread.
        for base in [0u64, 1000] {
            let tx = tx.clone();
            tokio::spawn(async move {
                for i in 0..100 {
                    tx.send(base + i).await.unwrap();
                }
            });
        }
        let thread_tx = tx.clone();
        std::thread::spawn(move || {
            for i in 0..100 {
                thread_tx.send_blocking(2000 + i).unwrap();
            }
        });
        drop(tx);
        // The consumer: a tokio task selecting over the data and a timer.
        let consumer = tokio::spawn(async move {
            let mut sum = 0;
            loop {
                hoare::select! {
                    recv(rx) -> message => match message {
                        Ok(value) => sum += value,
                        Err(_) => break,
                    },
                    recv(hoare::time::after(Duration::from_secs(5))) -> _ => panic!("stalled"),
                }
            }
            done_tx.send(()).await.unwrap();
            sum
        });
        done_rx.recv().await.unwrap();
        consumer.await.unwrap()
    });
    let expected: u64 = (0..100).sum::<u64>() * 3 + 100 * 1000 + 100 * 2000;
    assert_eq!(total, expected);
    println!("tokio interop: two tokio tasks and an OS thread sent 300 values over a hoare rendezvous; sum {total}");
}
