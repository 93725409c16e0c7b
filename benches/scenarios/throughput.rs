//! Channel throughput in the shapes of crossbeam-channel's benchmark
//! suite (`seq`, `spsc`, `mpsc`, `mpmc`, `select_rx`, `select_both`), on
//! a runtime with the async forms and on OS threads with the blocking ones.

use std::time::{Duration, Instant};

use super::channels::*;
use super::*;

// ---- on a runtime, the async forms ----

/// The throughput shapes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    Seq,
    Spsc,
    /// spsc with the main future as the producer.
    SpscMain,
    Mpsc,
    Mpmc,
    SelectRx,
    SelectBoth,
}

impl Shape {
    pub const ALL: [Shape; 7] = [
        Shape::Seq,
        Shape::Spsc,
        Shape::SpscMain,
        Shape::Mpsc,
        Shape::Mpmc,
        Shape::SelectRx,
        Shape::SelectBoth,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Shape::Seq => "seq",
            Shape::Spsc => "spsc",
            Shape::SpscMain => "spsc main",
            Shape::Mpsc => "mpsc",
            Shape::Mpmc => "mpmc",
            Shape::SelectRx => "select_rx",
            Shape::SelectBoth => "select_both",
        }
    }
}

/// Runs `shape` with `messages` messages over `C` on `rt`; `None` if `C`
/// cannot do it (no such capacity, one consumer, no safe select, or `seq`
/// on a channel too small to hold the messages).
pub fn run_async<C: AsyncChannel>(
    rt: Rt,
    shape: Shape,
    cap: Cap,
    messages: u64,
) -> Option<Duration> {
    C::channel(cap)?;
    match shape {
        Shape::Seq => {
            if cap.is_some_and(|n| (n as u64) < messages) {
                return None;
            }
            Some(timed(rt, seq::<C>(cap, messages)))
        }
        Shape::Spsc => Some(timed(rt, spsc::<C>(rt, cap, messages))),
        Shape::SpscMain => Some(timed(rt, spsc_main::<C>(rt, cap, messages))),
        Shape::Mpsc => Some(timed(rt, mpsc::<C>(rt, cap, messages))),
        Shape::Mpmc => {
            if !C::MULTI_CONSUMER {
                return None;
            }
            Some(timed(rt, mpmc::<C>(rt, cap, messages)))
        }
        Shape::SelectRx => {
            if !C::SELECTABLE {
                return None;
            }
            Some(timed(rt, select_rx::<C>(rt, cap, messages)))
        }
        // Only hoare's select may drop a send arm without losing or
        // duplicating its value; the peers' futures may not.
        Shape::SelectBoth => None,
    }
}

async fn seq<C: AsyncChannel>(cap: Cap, messages: u64) {
    let (tx, mut rx) = C::channel(cap).expect("capacity");
    for i in 0..messages {
        C::send(&tx, i).await;
    }
    for _ in 0..messages {
        C::recv(&mut rx).await;
    }
}

async fn spsc<C: AsyncChannel>(rt: Rt, cap: Cap, messages: u64) {
    let (tx, mut rx) = C::channel(cap).expect("capacity");
    let producer = spawn(rt, async move {
        for i in 0..messages {
            C::send(&tx, i).await;
        }
    });
    let consumer = spawn(rt, async move {
        for _ in 0..messages {
            C::recv(&mut rx).await;
        }
    });
    producer.await;
    consumer.await;
}

async fn spsc_main<C: AsyncChannel>(rt: Rt, cap: Cap, messages: u64) {
    let (tx, mut rx) = C::channel(cap).expect("capacity");
    let consumer = spawn(rt, async move {
        for _ in 0..messages {
            C::recv(&mut rx).await;
        }
    });
    for i in 0..messages {
        C::send(&tx, i).await;
    }
    consumer.await;
}

async fn mpsc<C: AsyncChannel>(rt: Rt, cap: Cap, messages: u64) {
    let (tx, mut rx) = C::channel(cap).expect("capacity");
    let per = messages / PARTIES as u64;
    let mut joins = Vec::new();
    for _ in 0..PARTIES {
        let tx = tx.clone();
        joins.push(spawn(rt, async move {
            for i in 0..per {
                C::send(&tx, i).await;
            }
        }));
    }
    drop(tx);
    joins.push(spawn(rt, async move {
        for _ in 0..per * PARTIES as u64 {
            C::recv(&mut rx).await;
        }
    }));
    for join in joins {
        join.await;
    }
}

async fn mpmc<C: AsyncChannel>(rt: Rt, cap: Cap, messages: u64) {
    let (tx, rx) = C::channel(cap).expect("capacity");
    let per = messages / PARTIES as u64;
    let mut joins = Vec::new();
    for _ in 0..PARTIES {
        let tx = tx.clone();
        joins.push(spawn(rt, async move {
            for i in 0..per {
                C::send(&tx, i).await;
            }
        }));
        let mut rx = C::clone_rx(&rx);
        joins.push(spawn(rt, async move {
            for _ in 0..per {
                C::recv(&mut rx).await;
            }
        }));
    }
    drop((tx, rx));
    for join in joins {
        join.await;
    }
}

async fn select_rx<C: AsyncChannel>(rt: Rt, cap: Cap, messages: u64) {
    let per = messages / PARTIES as u64;
    let mut joins = Vec::new();
    let mut rxs = Vec::new();
    // Senders kept open until the end: a closed channel is ready in a
    // select, and the receiver must not see a finished producer's close.
    let mut open = Vec::new();
    for _ in 0..PARTIES {
        let (tx, rx) = C::channel(cap).expect("capacity");
        open.push(tx.clone());
        rxs.push(rx);
        joins.push(spawn(rt, async move {
            for i in 0..per {
                C::send(&tx, i).await;
            }
        }));
    }
    let mut rxs: [C::Rx; 4] = rxs.try_into().ok().expect("four receivers");
    joins.push(spawn(rt, async move {
        for _ in 0..per * PARTIES as u64 {
            C::select_recv(&mut rxs).await;
        }
    }));
    for join in joins {
        join.await;
    }
    drop(open);
}

/// hoare only: 4 senders each selecting over the sends of 4 channels,
/// 4 receivers each selecting over their receives.
pub fn run_hoare_select_both(rt: Rt, cap: Cap, messages: u64) -> Duration {
    timed(rt, async move {
        let per = messages / PARTIES as u64;
        let (txs, rxs): (Vec<_>, Vec<_>) = (0..PARTIES)
            .map(|_| Hoare::channel(cap).expect("capacity"))
            .unzip();
        let mut joins = Vec::new();
        for _ in 0..PARTIES {
            let [a, b, c, d]: [hoare::chan::Sender<u64>; 4] =
                txs.clone().try_into().expect("four senders");
            joins.push(spawn(rt, async move {
                for i in 0..per {
                    hoare::select! {
                        send(a, i) -> r => r.expect("send"),
                        send(b, i) -> r => r.expect("send"),
                        send(c, i) -> r => r.expect("send"),
                        send(d, i) -> r => r.expect("send"),
                    }
                }
            }));
            let [a, b, c, d]: [hoare::chan::Receiver<u64>; 4] =
                rxs.clone().try_into().expect("four receivers");
            joins.push(spawn(rt, async move {
                for _ in 0..per {
                    let got = hoare::select! {
                        recv(a) -> v => v,
                        recv(b) -> v => v,
                        recv(c) -> v => v,
                        recv(d) -> v => v,
                    };
                    got.expect("recv");
                }
            }));
        }
        // Kept open until the end: a closed channel is ready in a select.
        for join in joins {
            join.await;
        }
        drop((txs, rxs));
    })
}

// ---- on OS threads: hoare's `_blocking` forms against crossbeam-channel ----

fn select_recv_blocking(rxs: &[BRx]) -> u64 {
    match rxs {
        [BRx::Hoare(a), BRx::Hoare(b), BRx::Hoare(c), BRx::Hoare(d)] => {
            let got = hoare::block_on(async {
                hoare::select! {
                    recv(a) -> v => v,
                    recv(b) -> v => v,
                    recv(c) -> v => v,
                    recv(d) -> v => v,
                }
            });
            got.expect("recv")
        }
        [BRx::Crossbeam(a), BRx::Crossbeam(b), BRx::Crossbeam(c), BRx::Crossbeam(d)] => {
            let got = crossbeam_channel::select! {
                recv(a) -> v => v,
                recv(b) -> v => v,
                recv(c) -> v => v,
                recv(d) -> v => v,
            };
            got.expect("recv")
        }
        _ => unreachable!("four receivers of one library"),
    }
}

fn select_send_blocking(txs: &[BTx], value: u64) {
    match txs {
        [BTx::Hoare(a), BTx::Hoare(b), BTx::Hoare(c), BTx::Hoare(d)] => {
            let sent = hoare::block_on(async {
                hoare::select! {
                    send(a, value) -> r => r,
                    send(b, value) -> r => r,
                    send(c, value) -> r => r,
                    send(d, value) -> r => r,
                }
            });
            sent.expect("send");
        }
        [BTx::Crossbeam(a), BTx::Crossbeam(b), BTx::Crossbeam(c), BTx::Crossbeam(d)] => {
            let sent = crossbeam_channel::select! {
                send(a, value) -> r => r,
                send(b, value) -> r => r,
                send(c, value) -> r => r,
                send(d, value) -> r => r,
            };
            sent.expect("send");
        }
        _ => unreachable!("four senders of one library"),
    }
}

/// Runs `shape` on OS threads with `lib`'s blocking channel.
pub fn run_blocking(lib: Blocking, shape: Shape, cap: Cap, messages: u64) -> Option<Duration> {
    let per = messages / PARTIES as u64;
    let start = Instant::now();
    match shape {
        Shape::Seq => {
            if cap.is_some_and(|n| (n as u64) < messages) {
                return None;
            }
            let (tx, rx) = blocking_channel(lib, cap);
            for i in 0..messages {
                tx.send(i);
            }
            for _ in 0..messages {
                rx.recv();
            }
        }
        Shape::Spsc => {
            let (tx, rx) = blocking_channel(lib, cap);
            std::thread::scope(|s| {
                s.spawn(|| {
                    for i in 0..messages {
                        tx.send(i);
                    }
                });
                s.spawn(|| {
                    for _ in 0..messages {
                        rx.recv();
                    }
                });
            });
        }
        Shape::SpscMain => return None,
        Shape::Mpsc | Shape::Mpmc => {
            let (tx, rx) = blocking_channel(lib, cap);
            let consumers = if shape == Shape::Mpsc { 1 } else { PARTIES };
            let per_consumer = per * PARTIES as u64 / consumers as u64;
            std::thread::scope(|s| {
                for _ in 0..PARTIES {
                    s.spawn(|| {
                        for i in 0..per {
                            tx.send(i);
                        }
                    });
                }
                for _ in 0..consumers {
                    s.spawn(|| {
                        for _ in 0..per_consumer {
                            rx.recv();
                        }
                    });
                }
            });
        }
        Shape::SelectRx | Shape::SelectBoth => {
            let (txs, rxs): (Vec<_>, Vec<_>) =
                (0..PARTIES).map(|_| blocking_channel(lib, cap)).unzip();
            std::thread::scope(|s| {
                for (index, tx) in txs.iter().enumerate() {
                    let txs = &txs;
                    let rxs = &rxs;
                    s.spawn(move || {
                        for i in 0..per {
                            if shape == Shape::SelectRx {
                                tx.send(i);
                            } else {
                                select_send_blocking(txs, i);
                            }
                        }
                    });
                    if shape == Shape::SelectBoth || index == 0 {
                        let count = if shape == Shape::SelectRx {
                            per * PARTIES as u64
                        } else {
                            per
                        };
                        s.spawn(move || {
                            for _ in 0..count {
                                select_recv_blocking(rxs);
                            }
                        });
                    }
                }
            });
        }
    }
    Some(start.elapsed())
}
