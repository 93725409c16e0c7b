//! The hot paths of hoare, one at a time, for a profiler.
//!
//! `benches/versus.rs` compares libraries; this runs a single hoare shape
//! for a given number of operations and prints the time per operation, so
//! that `perf record` or callgrind see nothing else. Cargo runs it through
//! a target runner, so a profiler goes in front of it that way:
//!
//! ```text
//! cargo bench --bench hot_paths -- ping-pong-1 1000000
//! CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUNNER="valgrind --tool=callgrind" \
//!     cargo bench --bench hot_paths -- ping-pong-1 100000
//! CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUNNER="perf record -g" \
//!     cargo bench --bench hot_paths -- spsc-unbounded 5000000
//! ```
//!
//! Under callgrind the threads run one at a time, so the instruction count
//! divided by the operations is a repeatable measure of the work per
//! operation. It includes any spinning, so compare runs of the same shape
//! only.
//!
//! Shapes:
//!
//! * `ping-pong-0`, `ping-pong-1`, `ping-pong-3`: two processes exchange a
//!   value over two channels of capacity 0, 1 or 3; per round trip. Each
//!   receive waits: capacities 0 and 1 in the locked flavour, 3 in the
//!   ring's queue of receives.
//! * `seq`: the main future of `run` sends 100,000 messages into an
//!   unbounded channel, then receives them; per message.
//! * `spsc-1`, `spsc-4`, `spsc-1024`, `spsc-unbounded`: a producer process
//!   and a consumer process; per message. On `bounded(4)`, a ring, both
//!   wait in turn: the producer for room, the consumer for a message.
//! * `mpsc-1`: four producer processes and one consumer process on one
//!   `bounded(1)` channel (the "mpsc cap 1" row of `versus`); per message.
//! * `mpmc-1`: four producer and four consumer processes on one
//!   `bounded(1)` channel (the "mpmc cap 1" row of `versus`); per message.
//! * `spsc-1-os`, `mpsc-1-os`, `mpmc-1-os`: `spsc-1`, `mpsc-1` and
//!   `mpmc-1` on OS threads with `send_blocking` and `recv_blocking` (the
//!   "OS threads (_blocking)" rows of `versus`); per message.
//! * `mpsc-unbounded-os`: `mpsc-1-os` on an unbounded channel; per
//!   message.
//! * `spawn-join`: the main future of `run` spawns empty processes, then
//!   awaits each (the "spawn + join" row of `versus`); per process.
//! * `skynet`: a tree of processes with ten children each, the leaves'
//!   numbers summed up the tree over `bounded(10)` channels (the "skynet"
//!   row of `versus`; the count is rounded to a power of ten); per leaf.
//! * `ring-0`, `ring-1`: a ring of 1000 processes passing a token over
//!   channels of capacity 0 or 1 (the "ring" rows of `versus`); per hop.
//! * `spsc-1-tokio`, `mpsc-1-tokio`: `spsc-1` and `mpsc-1` as tokio tasks
//!   on tokio's multi-thread runtime with two workers (the "on tokio" rows
//!   of `versus`); per message.
//! * `mpsc-1024`: `mpsc-1` on `bounded(1024)` (the "mpsc cap 1024, own
//!   runtimes" row of `versus`); per message.
//! * `select-1`, `select-1024`: four producer processes each send on
//!   their own `bounded(1)` or `bounded(1024)` channel, one consumer
//!   process receives with a `select!` over the four (the "select_rx cap
//!   1" and "cap 1024, own runtimes" rows); per message.
//! * `turns-100ns`, `turns-1us`, `turns-10us`: a process spawns two
//!   processes that compute in turns of about that long each, with a
//!   `yield_now` after every turn; per turn. They show what the stealing
//!   rule (`src/runtime/scheduler/watch.rs`) costs: turns much shorter
//!   than its 2 µs share one worker.
//! * `select-blocking`: four OS threads send on four unbounded channels
//!   with `send_blocking`, one thread receives with a `select!` in
//!   `hoare::block_on`; per message.
//! * `select-seq`: the main future of `run` fills four unbounded channels
//!   with 25,000 messages each (`try_send`), then receives them with a
//!   `select!` over the four, 100,000 at a time; per message (the fill
//!   included). One thread, nothing waits: under callgrind the count is
//!   the select's own work, with no spinning in it.

use std::time::{Duration, Instant};

use hoare::chan::{self, Receiver, Sender};

const SHAPES: &str =
    "ping-pong-0 ping-pong-1 ping-pong-3 seq spsc-1 spsc-4 spsc-1024 spsc-unbounded mpsc-1 mpmc-1 \
     mpsc-1024 select-1 select-1024 turns-100ns turns-1us turns-10us spsc-1-os mpsc-1-os mpmc-1-os \
     mpsc-unbounded-os spsc-1-tokio mpsc-1-tokio spawn-join skynet ring-0 ring-1 select-blocking \
     select-seq";

fn ping_pong(cap: usize, rounds: usize) -> Duration {
    let start = Instant::now();
    hoare::run(async move {
        let (ping_tx, ping_rx) = chan::bounded::<usize>(cap);
        let (pong_tx, pong_rx) = chan::bounded::<usize>(cap);
        let ponger = hoare::spawn(async move {
            while let Ok(value) = ping_rx.recv().await {
                if pong_tx.send(value).await.is_err() {
                    break;
                }
            }
        });
        let pinger = hoare::spawn(async move {
            for round in 0..rounds {
                ping_tx.send(round).await.expect("the ponger is alive");
                pong_rx.recv().await.expect("the ponger answers");
            }
        });
        pinger.await.expect("the pinger finishes");
        ponger.await.expect("the ponger finishes");
    });
    start.elapsed()
}

fn seq(messages: usize) -> Duration {
    const CHUNK: usize = 100_000;
    let start = Instant::now();
    hoare::run(async move {
        for _ in 0..messages.div_ceil(CHUNK) {
            let (tx, rx) = chan::unbounded::<usize>();
            for value in 0..CHUNK {
                tx.send(value).await.expect("the receiver is here");
            }
            for _ in 0..CHUNK {
                rx.recv().await.expect("a message is buffered");
            }
        }
    });
    start.elapsed()
}

fn spsc((tx, rx): (Sender<usize>, Receiver<usize>), messages: usize) -> Duration {
    let start = Instant::now();
    hoare::run(async move {
        let producer = hoare::spawn(async move {
            for value in 0..messages {
                tx.send(value).await.expect("the consumer is alive");
            }
        });
        let consumer = hoare::spawn(async move {
            for _ in 0..messages {
                rx.recv().await.expect("the producer sends enough");
            }
        });
        producer.await.expect("the producer finishes");
        consumer.await.expect("the consumer finishes");
    });
    start.elapsed()
}

fn mpsc(cap: usize, messages: usize) -> Duration {
    mpmc(cap, 1, messages)
}

fn mpmc(cap: usize, consumers: usize, messages: usize) -> Duration {
    const PRODUCERS: usize = 4;
    let per_producer = messages / PRODUCERS;
    let per_consumer = per_producer * PRODUCERS / consumers;
    let start = Instant::now();
    hoare::run(async move {
        let (tx, rx) = chan::bounded::<usize>(cap);
        let producers: Vec<_> = (0..PRODUCERS)
            .map(|_| {
                let tx = tx.clone();
                hoare::spawn(async move {
                    for value in 0..per_producer {
                        tx.send(value).await.expect("the consumer is alive");
                    }
                })
            })
            .collect();
        drop(tx);
        let consumers: Vec<_> = (0..consumers)
            .map(|_| {
                let rx = rx.clone();
                hoare::spawn(async move {
                    for _ in 0..per_consumer {
                        rx.recv().await.expect("the producers send enough");
                    }
                })
            })
            .collect();
        drop(rx);
        for producer in producers {
            producer.await.expect("a producer finishes");
        }
        for consumer in consumers {
            consumer.await.expect("a consumer finishes");
        }
    });
    start.elapsed()
}

/// `producers` OS threads send `messages` in all with `send_blocking` on one
/// `bounded(cap)` channel (unbounded for `None`), `consumers` OS threads
/// receive them with `recv_blocking`.
fn os_threads(cap: Option<usize>, producers: usize, consumers: usize, messages: usize) -> Duration {
    let per_producer = messages / producers;
    let per_consumer = per_producer * producers / consumers;
    let (tx, rx) = cap.map_or_else(chan::unbounded::<usize>, chan::bounded);
    let start = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..producers {
            scope.spawn(|| {
                for value in 0..per_producer {
                    tx.send_blocking(value).expect("the consumers are alive");
                }
            });
        }
        for _ in 0..consumers {
            scope.spawn(|| {
                for _ in 0..per_consumer {
                    rx.recv_blocking().expect("the producers send enough");
                }
            });
        }
    });
    start.elapsed()
}

/// `producers` tokio tasks send `messages` in all on one `bounded(cap)`
/// channel, one tokio task receives them, on tokio's multi-thread runtime
/// with two workers (the "on tokio" rows of `versus`).
fn on_tokio(cap: usize, producers: usize, messages: usize) -> Duration {
    let per_producer = messages / producers;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .expect("a tokio runtime");
    let start = Instant::now();
    runtime.block_on(async move {
        let (tx, rx) = chan::bounded::<usize>(cap);
        let mut tasks = Vec::new();
        for _ in 0..producers {
            let tx = tx.clone();
            tasks.push(tokio::spawn(async move {
                for value in 0..per_producer {
                    tx.send(value).await.expect("the consumer is alive");
                }
            }));
        }
        tasks.push(tokio::spawn(async move {
            for _ in 0..per_producer * producers {
                rx.recv().await.expect("the producers send enough");
            }
        }));
        for task in tasks {
            task.await.expect("a task finishes");
        }
    });
    start.elapsed()
}

/// The main future spawns `count` empty processes, then awaits each
/// (the "spawn + join" row of `versus`).
fn spawn_join(count: usize) -> Duration {
    let start = Instant::now();
    hoare::run(async move {
        let joins: Vec<_> = (0..count).map(|_| hoare::spawn(async {})).collect();
        for join in joins {
            join.await.expect("an empty process finishes");
        }
    });
    start.elapsed()
}

/// Skynet: a tree of processes, ten children each, `leaves` leaves; each
/// leaf sends its number to its parent on a `bounded(10)` channel, each
/// parent sums its children's and sends the sum up (the "skynet" row of
/// `versus`).
fn skynet(leaves: usize) -> Duration {
    fn node(
        parent: Sender<usize>,
        number: usize,
        size: usize,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> {
        Box::pin(async move {
            if size == 1 {
                parent.send(number).await.expect("the parent waits");
                return;
            }
            let (tx, rx) = chan::bounded(10);
            let child = size / 10;
            for i in 0..10 {
                drop(hoare::spawn(node(tx.clone(), number + i * child, child)));
            }
            drop(tx);
            let mut sum = 0;
            for _ in 0..10 {
                sum += rx.recv().await.expect("a child answers");
            }
            parent.send(sum).await.expect("the parent waits");
        })
    }
    let leaves = 10usize.pow(leaves.max(1).ilog10());
    let start = Instant::now();
    hoare::run(async move {
        let (tx, rx) = chan::bounded(1);
        hoare::spawn(node(tx, 0, leaves))
            .await
            .expect("the root finishes");
        let sum = rx.recv().await.expect("the root answers");
        assert_eq!(sum, leaves * (leaves - 1) / 2, "skynet sum");
    });
    start.elapsed()
}

/// A ring of 1000 processes passing a token `hops` times over channels of
/// capacity `cap` (the "ring" rows of `versus`).
fn ring(cap: usize, hops: usize) -> Duration {
    const SIZE: usize = 1000;
    let start = Instant::now();
    hoare::run(async move {
        let (txs, rxs): (Vec<_>, Vec<_>) = (0..SIZE).map(|_| chan::bounded::<usize>(cap)).unzip();
        let (done_tx, done_rx) = chan::bounded(1);
        for (index, rx) in rxs.into_iter().enumerate() {
            let next = txs[(index + 1) % SIZE].clone();
            let done = done_tx.clone();
            // Once the token is spent, its last holder returns and drops
            // its sender, which closes the next channel, and so on around
            // the ring as the runtime shuts down: a closed channel ends a
            // process quietly (a panic's report would be timed with the
            // shutdown that `run` includes).
            drop(hoare::spawn(async move {
                while let Ok(token) = rx.recv().await {
                    if token == 0 {
                        done.send(()).await.expect("the main future waits");
                        return;
                    }
                    if next.send(token - 1).await.is_err() {
                        return;
                    }
                }
            }));
        }
        txs[0].send(hops).await.expect("the ring is whole");
        done_rx.recv().await.expect("the token comes back");
    });
    start.elapsed()
}

fn select_processes(cap: usize, messages: usize) -> Duration {
    let per_producer = messages / 4;
    let start = Instant::now();
    hoare::run(async move {
        let mut receivers = Vec::new();
        let mut producers = Vec::new();
        // Kept open to the end: a finished producer's close would make its
        // channel ready in the select.
        let mut open = Vec::new();
        for _ in 0..4 {
            let (tx, rx) = chan::bounded::<usize>(cap);
            open.push(tx.clone());
            receivers.push(rx);
            producers.push(hoare::spawn(async move {
                for value in 0..per_producer {
                    tx.send(value).await.expect("the consumer is alive");
                }
            }));
        }
        let consumer = hoare::spawn(async move {
            let [a, b, c, d] = [&receivers[0], &receivers[1], &receivers[2], &receivers[3]];
            for _ in 0..per_producer * 4 {
                hoare::select! {
                    recv(a) -> got => got,
                    recv(b) -> got => got,
                    recv(c) -> got => got,
                    recv(d) -> got => got,
                }
                .expect("the producers send enough");
            }
        });
        for producer in producers {
            producer.await.expect("a producer finishes");
        }
        consumer.await.expect("the consumer finishes");
        drop(open);
    });
    start.elapsed()
}

/// About `units` times 100 dependent multiply-adds: a turn's work.
fn work(units: u64) -> u64 {
    let mut x = units;
    for i in 0..units * 100 {
        x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(i));
    }
    x
}

/// Two processes, spawned by a process (so both start on its worker's own
/// queue), compute in `turns` turns in all of `units` of work each, with a
/// `yield_now` after every turn.
fn turns(units: u64, turns: usize) -> Duration {
    let start = Instant::now();
    hoare::run(async move {
        hoare::spawn(async move {
            let computers: Vec<_> = (0..2)
                .map(|_| {
                    hoare::spawn(async move {
                        let mut acc = 0u64;
                        for _ in 0..turns / 2 {
                            acc ^= work(units);
                            hoare::yield_now().await;
                        }
                        acc
                    })
                })
                .collect();
            for computer in computers {
                std::hint::black_box(computer.await.expect("a computer finishes"));
            }
        })
        .await
        .expect("the parent finishes");
    });
    start.elapsed()
}

fn select_seq(messages: usize) -> Duration {
    const CHUNK: usize = 100_000;
    let start = Instant::now();
    hoare::run(async move {
        for _ in 0..messages.div_ceil(CHUNK) {
            let channels: Vec<_> = (0..4).map(|_| chan::unbounded::<usize>()).collect();
            for (tx, _) in &channels {
                for value in 0..CHUNK / 4 {
                    tx.try_send(value).expect("an unbounded channel has room");
                }
            }
            let [a, b, c, d] = [
                &channels[0].1,
                &channels[1].1,
                &channels[2].1,
                &channels[3].1,
            ];
            for _ in 0..CHUNK {
                hoare::select! {
                    recv(a) -> got => got,
                    recv(b) -> got => got,
                    recv(c) -> got => got,
                    recv(d) -> got => got,
                }
                .expect("every message was sent");
            }
        }
    });
    start.elapsed()
}

fn select_blocking(messages: usize) -> Duration {
    let per_producer = messages / 4;
    let channels: Vec<_> = (0..4).map(|_| chan::unbounded::<usize>()).collect();
    let start = Instant::now();
    std::thread::scope(|scope| {
        for (tx, _) in &channels {
            scope.spawn(move || {
                for value in 0..per_producer {
                    tx.send_blocking(value).expect("the receiver is alive");
                }
            });
        }
        let [a, b, c, d] = [
            &channels[0].1,
            &channels[1].1,
            &channels[2].1,
            &channels[3].1,
        ];
        for _ in 0..per_producer * 4 {
            hoare::block_on(async {
                hoare::select! {
                    recv(a) -> got => got,
                    recv(b) -> got => got,
                    recv(c) -> got => got,
                    recv(d) -> got => got,
                }
            })
            .expect("the producers send enough");
        }
    });
    start.elapsed()
}

fn main() {
    // `cargo bench` passes `--bench` to a `harness = false` target: it is
    // not a shape.
    let mut args = std::env::args().skip(1).filter(|arg| arg != "--bench");
    let shape = args.next().unwrap_or_else(|| "ping-pong-1".to_string());
    let count: usize = match args.next() {
        Some(count) => count
            .parse()
            .unwrap_or_else(|_| panic!("hot_paths: the count must be a number, got {count:?}")),
        None => 1_000_000,
    };
    let (elapsed, unit) = match shape.as_str() {
        "ping-pong-0" => (ping_pong(0, count), "round trip"),
        "ping-pong-1" => (ping_pong(1, count), "round trip"),
        "ping-pong-3" => (ping_pong(3, count), "round trip"),
        "seq" => (seq(count), "message"),
        "spsc-1" => (spsc(chan::bounded(1), count), "message"),
        "spsc-1024" => (spsc(chan::bounded(1024), count), "message"),
        "spsc-4" => (spsc(chan::bounded(4), count), "message"),
        "spsc-unbounded" => (spsc(chan::unbounded(), count), "message"),
        "mpsc-1" => (mpsc(1, count), "message"),
        "mpmc-1" => (mpmc(1, 4, count), "message"),
        "mpsc-1024" => (mpsc(1024, count), "message"),
        "turns-100ns" => (turns(1, count), "turn"),
        "turns-1us" => (turns(10, count), "turn"),
        "turns-10us" => (turns(100, count), "turn"),
        "select-1" => (select_processes(1, count), "message"),
        "select-1024" => (select_processes(1024, count), "message"),
        "spsc-1-os" => (os_threads(Some(1), 1, 1, count), "message"),
        "mpsc-1-os" => (os_threads(Some(1), 4, 1, count), "message"),
        "mpmc-1-os" => (os_threads(Some(1), 4, 4, count), "message"),
        "mpsc-unbounded-os" => (os_threads(None, 4, 1, count), "message"),
        "spsc-1-tokio" => (on_tokio(1, 1, count), "message"),
        "spawn-join" => (spawn_join(count), "process"),
        "skynet" => (skynet(count), "leaf"),
        "ring-0" => (ring(0, count), "hop"),
        "ring-1" => (ring(1, count), "hop"),
        "mpsc-1-tokio" => (on_tokio(1, 4, count), "message"),
        "select-blocking" => (select_blocking(count), "message"),
        "select-seq" => (select_seq(count), "message"),
        other => panic!("hot_paths: unknown shape {other:?}; the shapes are: {SHAPES}"),
    };
    let count = match shape.as_str() {
        "seq" | "select-seq" => count.div_ceil(100_000) * 100_000,
        "select-blocking" | "select-1" | "select-1024" | "mpsc-1" | "mpsc-1024" | "mpmc-1"
        | "mpsc-1-os" | "mpmc-1-os" | "mpsc-unbounded-os" | "mpsc-1-tokio" => count / 4 * 4,
        "turns-100ns" | "turns-1us" | "turns-10us" => count / 2 * 2,
        "skynet" => 10usize.pow(count.max(1).ilog10()),
        _ => count,
    };
    println!(
        "{shape}: {count} in {elapsed:?}, {:?} per {unit}",
        elapsed / count.max(1) as u32
    );
}
