//! A tour of hoare: processes, channels, `select!`, `par`, timers, and a
//! deterministic simulation.
//!
//! Run with `cargo run --release --example tour`.

use std::time::{Duration, Instant};

use hoare::chan;
use hoare::select::{Select, Selected};
use hoare::sim;

pub fn main() {
    hoare::run(async {
        ping_pong().await;
        pipeline().await;
        parallel().await;
        fair_select().await;
        timeouts().await;
        fan_in().await;
    });
    simulation();
}

/// Two processes meet on rendezvous channels; the hand-off stays on one
/// worker, so a round trip costs well under a microsecond.
async fn ping_pong() {
    let (ping_tx, ping_rx) = chan::bounded::<u64>(0);
    let (pong_tx, pong_rx) = chan::bounded::<u64>(0);
    let echo = hoare::spawn(async move {
        while let Ok(n) = ping_rx.recv().await {
            pong_tx.send(n + 1).await.unwrap();
        }
    });
    let trips = 100_000;
    let start = Instant::now();
    for n in 0..trips {
        ping_tx.send(n).await.unwrap();
        assert_eq!(pong_rx.recv().await, Ok(n + 1));
    }
    let per_trip = start.elapsed() / trips as u32;
    drop(ping_tx);
    echo.await.unwrap();
    println!(
        "ping-pong: {trips} round trips between the main future and a process, {per_trip:?} each"
    );
}

/// A pipeline of processes connected by bounded channels; closing a
/// channel (dropping its last sender) flows down the pipeline.
async fn pipeline() {
    let (numbers_tx, numbers_rx) = chan::bounded::<u64>(16);
    let (squares_tx, squares_rx) = chan::bounded::<u64>(16);
    hoare::spawn(async move {
        for n in 1..=1000 {
            numbers_tx.send(n).await.unwrap();
        }
    });
    hoare::spawn(async move {
        while let Ok(n) = numbers_rx.recv().await {
            squares_tx.send(n * n).await.unwrap();
        }
    });
    let mut total = 0;
    while let Ok(square) = squares_rx.recv().await {
        total += square;
    }
    println!("pipeline: sum of the first 1000 squares = {total}");
}

/// occam's PAR: run processes side by side, results in input order.
async fn parallel() {
    let sums = hoare::par(
        (0..8u64).map(|part| async move { (part * 1000..(part + 1) * 1000).sum::<u64>() }),
    )
    .await
    .unwrap();
    println!(
        "par: 8 processes summed their ranges; total {}",
        sums.iter().sum::<u64>()
    );
}

/// `select!` chooses uniformly among ready arms.
async fn fair_select() {
    let (a_tx, a_rx) = chan::bounded::<()>(1);
    let (b_tx, b_rx) = chan::bounded::<()>(1);
    let mut counts = [0u32; 2];
    for _ in 0..100_000 {
        let _ = a_tx.try_send(());
        let _ = b_tx.try_send(());
        let arm = hoare::select! {
            recv(a_rx) -> _ => 0,
            recv(b_rx) -> _ => 1,
        };
        counts[arm] += 1;
    }
    println!(
        "fair select: two always-ready arms chosen {} and {} times",
        counts[0], counts[1]
    );
}

/// Timers are channels too: a select with an `after` arm times out.
async fn timeouts() {
    let (_quiet_tx, quiet_rx) = chan::bounded::<u8>(0);
    let start = Instant::now();
    let outcome = hoare::select! {
        recv(quiet_rx) -> _ => "a message",
        recv(hoare::time::after(Duration::from_millis(20))) -> _ => "the timeout",
    };
    println!(
        "timeouts: select chose {outcome} after {:?}",
        start.elapsed()
    );
    let slow = hoare::time::timeout(
        Duration::from_millis(10),
        hoare::time::sleep(Duration::from_secs(10)),
    )
    .await;
    println!("timeouts: a 10 s sleep under a 10 ms timeout gives {slow:?}");
}

/// The dynamic `Select` fans in over a run-time set of channels.
async fn fan_in() {
    let mut receivers = Vec::new();
    for id in 0..4 {
        let (tx, rx) = chan::bounded::<String>(1);
        hoare::spawn(async move {
            hoare::time::sleep(Duration::from_millis(5 * (4 - id))).await;
            tx.send(format!("hello from process {id}")).await.unwrap();
        });
        receivers.push(rx);
    }
    let mut heard = 0;
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
}

/// The same program under the simulation: one thread, virtual time, and a
/// seed that fixes the schedule.
fn simulation() {
    let program = || async {
        let (tx, rx) = chan::unbounded::<u32>();
        for id in 0..3 {
            let tx = tx.clone();
            hoare::spawn(async move {
                hoare::time::sleep(Duration::from_secs(60)).await;
                tx.send(id).await.unwrap();
            });
        }
        drop(tx);
        let mut order = Vec::new();
        while let Ok(id) = rx.recv().await {
            order.push(id);
        }
        order
    };
    let wall = Instant::now();
    let (order, trace) = sim::Builder::new().seed(42).run_traced(program());
    let (again, replay) = sim::Builder::new().seed(42).run_traced(program());
    println!(
        "simulation: seed 42 ran three one-minute sleeps in {:?} of wall time; arrival order {order:?}, \
         replayed {again:?}, fingerprints equal: {}",
        wall.elapsed(),
        trace.fingerprint() == replay.fingerprint()
    );
}
