//! The benchmark scenarios, shared by the criterion bench
//! (`benches/channels.rs`) and the runner (`examples/versus.rs`).
//!
//! Every scenario is a plain function that sets up its runtime or
//! threads, runs the measured part, and returns how long that part took
//! (set-up and runtime start-up are not timed). Each is written once per
//! library, side by side, so hoare and the peers do the same work:
//!
//! * **Channel throughput**, in the shapes of crossbeam-channel's own
//!   benchmark suite: `seq` (one process sends N, then receives N),
//!   `spsc`, `mpsc` (4 producers), `mpmc` (4 producers, 4 consumers),
//!   `select_rx` (4 producers on 4 channels, one receiver selecting),
//!   `select_both` (4 senders selecting over 4 channels' sends, 4
//!   receivers selecting over their receives), at capacities 0, 1, 1024
//!   and unbounded. Three settings:
//!   - *own runtimes*: hoare on `hoare::Runtime` (2 workers) against tokio
//!     mpsc on tokio's multi-thread runtime (2 workers);
//!   - *on tokio*: hoare's channels, tokio mpsc, flume, kanal and
//!     async-channel all on the same tokio runtime (the pure channel
//!     comparison);
//!   - *OS threads*: hoare's `_blocking` forms against crossbeam-channel.
//! * **Runtime**: spawn-and-join, a ring passing a token, skynet, and
//!   ping-pong round-trip latency (median and p99) in the *process shape*
//!   (both sides spawned) and the *main shape* (one side is the future
//!   given to `block_on`).
//! * **Memory**: bytes per idle process blocked on its own channel.
//!
//! A peer without a feature (tokio has no rendezvous channel and a single
//! consumer; async-channel has no rendezvous) has no entry for it.
#![allow(dead_code)]

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Workers in every runtime, hoare's and tokio's.
pub const WORKERS: usize = 2;
/// Producers (and consumers) in the multi-party shapes.
pub const PARTIES: usize = 4;

/// A channel capacity: `Some(n)` bounded, `None` unbounded.
pub type Cap = Option<usize>;

/// The capacities every shape runs at.
pub const CAPS: [Cap; 4] = [Some(0), Some(1), Some(1024), None];

/// How a capacity reads in a table.
pub fn cap_name(cap: Cap) -> String {
    match cap {
        Some(n) => format!("cap {n}"),
        None => "unbounded".to_string(),
    }
}

// ---------------------------------------------------------------------
// Runtimes
// ---------------------------------------------------------------------

/// Which runtime runs the processes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rt {
    Hoare,
    Tokio,
}

/// A boxed future, for joining processes of either runtime alike.
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// Spawns `future` on the runtime `rt` (from inside it) and gives back a
/// future that joins it.
pub fn spawn<F>(rt: Rt, future: F) -> BoxFuture<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    match rt {
        Rt::Hoare => {
            let handle = hoare::spawn(future);
            Box::pin(async move { handle.await.expect("hoare process panicked") })
        }
        Rt::Tokio => {
            let handle = tokio::spawn(future);
            Box::pin(async move { handle.await.expect("tokio task panicked") })
        }
    }
}

/// Runs `main` as the main future of a fresh `rt` runtime with
/// [`WORKERS`] workers.
pub fn block_on<F: Future>(rt: Rt, main: F) -> F::Output {
    match rt {
        Rt::Hoare => {
            let runtime = hoare::Runtime::builder()
                .workers(WORKERS)
                .build()
                .expect("hoare runtime");
            runtime.block_on(main)
        }
        Rt::Tokio => {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(WORKERS)
                .enable_all()
                .build()
                .expect("tokio runtime");
            runtime.block_on(main)
        }
    }
}

/// Runs `main` on `rt` and returns the time the main future took.
pub fn timed<F: Future<Output = ()>>(rt: Rt, main: F) -> Duration {
    block_on(rt, async move {
        let start = Instant::now();
        main.await;
        start.elapsed()
    })
}

// ---------------------------------------------------------------------
// Async channels, one trait over every library
// ---------------------------------------------------------------------

/// The operations the throughput shapes need, for one channel library.
pub trait AsyncChannel: 'static {
    /// The name in the table.
    const NAME: &'static str;
    /// Whether several receivers may share the channel.
    const MULTI_CONSUMER: bool;
    /// Whether its futures may be dropped in a `select` without losing
    /// or duplicating a message.
    const SELECTABLE: bool;
    type Tx: Clone + Send + Sync + 'static;
    type Rx: Send + 'static;
    /// A channel of capacity `cap`, or `None` if the library has none.
    fn channel(cap: Cap) -> Option<(Self::Tx, Self::Rx)>;
    /// Another handle on a multi-consumer channel's receiving end.
    fn clone_rx(rx: &Self::Rx) -> Self::Rx;
    fn send(tx: &Self::Tx, value: u64) -> impl Future<Output = ()> + Send + '_;
    fn recv(rx: &mut Self::Rx) -> impl Future<Output = u64> + Send + '_;
    /// Receives from whichever of four channels is ready first.
    fn select_recv(rxs: &mut [Self::Rx; 4]) -> impl Future<Output = u64> + Send + '_;
}

/// hoare's channels.
pub struct Hoare;

impl AsyncChannel for Hoare {
    const NAME: &'static str = "hoare";
    const MULTI_CONSUMER: bool = true;
    const SELECTABLE: bool = true;
    type Tx = hoare::chan::Sender<u64>;
    type Rx = hoare::chan::Receiver<u64>;
    fn channel(cap: Cap) -> Option<(Self::Tx, Self::Rx)> {
        Some(match cap {
            Some(n) => hoare::chan::bounded(n),
            None => hoare::chan::unbounded(),
        })
    }
    fn clone_rx(rx: &Self::Rx) -> Self::Rx {
        rx.clone()
    }
    async fn send(tx: &Self::Tx, value: u64) {
        tx.send(value).await.expect("hoare send");
    }
    async fn recv(rx: &mut Self::Rx) -> u64 {
        rx.recv().await.expect("hoare recv")
    }
    async fn select_recv(rxs: &mut [Self::Rx; 4]) -> u64 {
        let [a, b, c, d] = &*rxs;
        let got = hoare::select! {
            recv(a) -> v => v,
            recv(b) -> v => v,
            recv(c) -> v => v,
            recv(d) -> v => v,
        };
        got.expect("hoare select recv")
    }
}

/// tokio's mpsc (single consumer, no rendezvous).
pub struct Tokio;

/// A tokio mpsc sender, bounded or not.
pub enum TokioTx {
    Bounded(tokio::sync::mpsc::Sender<u64>),
    Unbounded(tokio::sync::mpsc::UnboundedSender<u64>),
}

impl Clone for TokioTx {
    fn clone(&self) -> Self {
        match self {
            TokioTx::Bounded(tx) => TokioTx::Bounded(tx.clone()),
            TokioTx::Unbounded(tx) => TokioTx::Unbounded(tx.clone()),
        }
    }
}

/// A tokio mpsc receiver, bounded or not.
pub enum TokioRx {
    Bounded(tokio::sync::mpsc::Receiver<u64>),
    Unbounded(tokio::sync::mpsc::UnboundedReceiver<u64>),
}

impl TokioRx {
    async fn recv(&mut self) -> Option<u64> {
        match self {
            TokioRx::Bounded(rx) => rx.recv().await,
            TokioRx::Unbounded(rx) => rx.recv().await,
        }
    }
}

impl AsyncChannel for Tokio {
    const NAME: &'static str = "tokio";
    const MULTI_CONSUMER: bool = false;
    const SELECTABLE: bool = true;
    type Tx = TokioTx;
    type Rx = TokioRx;
    fn channel(cap: Cap) -> Option<(Self::Tx, Self::Rx)> {
        match cap {
            Some(0) => None,
            Some(n) => {
                let (tx, rx) = tokio::sync::mpsc::channel(n);
                Some((TokioTx::Bounded(tx), TokioRx::Bounded(rx)))
            }
            None => {
                let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
                Some((TokioTx::Unbounded(tx), TokioRx::Unbounded(rx)))
            }
        }
    }
    fn clone_rx(_: &Self::Rx) -> Self::Rx {
        unreachable!("tokio mpsc has one consumer")
    }
    async fn send(tx: &Self::Tx, value: u64) {
        match tx {
            TokioTx::Bounded(tx) => tx.send(value).await.expect("tokio send"),
            TokioTx::Unbounded(tx) => tx.send(value).expect("tokio send"),
        }
    }
    async fn recv(rx: &mut Self::Rx) -> u64 {
        rx.recv().await.expect("tokio recv")
    }
    async fn select_recv(rxs: &mut [Self::Rx; 4]) -> u64 {
        let [a, b, c, d] = rxs;
        let got = tokio::select! {
            v = a.recv() => v,
            v = b.recv() => v,
            v = c.recv() => v,
            v = d.recv() => v,
        };
        got.expect("tokio select recv")
    }
}

/// flume, async side.
pub struct Flume;

impl AsyncChannel for Flume {
    const NAME: &'static str = "flume";
    const MULTI_CONSUMER: bool = true;
    const SELECTABLE: bool = true;
    type Tx = flume::Sender<u64>;
    type Rx = flume::Receiver<u64>;
    fn channel(cap: Cap) -> Option<(Self::Tx, Self::Rx)> {
        Some(match cap {
            Some(n) => flume::bounded(n),
            None => flume::unbounded(),
        })
    }
    fn clone_rx(rx: &Self::Rx) -> Self::Rx {
        rx.clone()
    }
    async fn send(tx: &Self::Tx, value: u64) {
        tx.send_async(value).await.expect("flume send");
    }
    async fn recv(rx: &mut Self::Rx) -> u64 {
        rx.recv_async().await.expect("flume recv")
    }
    async fn select_recv(rxs: &mut [Self::Rx; 4]) -> u64 {
        let [a, b, c, d] = rxs;
        let got = tokio::select! {
            v = a.recv_async() => v,
            v = b.recv_async() => v,
            v = c.recv_async() => v,
            v = d.recv_async() => v,
        };
        got.expect("flume select recv")
    }
}

/// kanal, async side. Its receive futures are not used in a select.
pub struct Kanal;

impl AsyncChannel for Kanal {
    const NAME: &'static str = "kanal";
    const MULTI_CONSUMER: bool = true;
    const SELECTABLE: bool = false;
    type Tx = kanal::AsyncSender<u64>;
    type Rx = kanal::AsyncReceiver<u64>;
    fn channel(cap: Cap) -> Option<(Self::Tx, Self::Rx)> {
        Some(match cap {
            Some(n) => kanal::bounded_async(n),
            None => kanal::unbounded_async(),
        })
    }
    fn clone_rx(rx: &Self::Rx) -> Self::Rx {
        rx.clone()
    }
    async fn send(tx: &Self::Tx, value: u64) {
        tx.send(value).await.expect("kanal send");
    }
    async fn recv(rx: &mut Self::Rx) -> u64 {
        rx.recv().await.expect("kanal recv")
    }
    async fn select_recv(_: &mut [Self::Rx; 4]) -> u64 {
        unreachable!("kanal is not selected over")
    }
}

/// async-channel (no rendezvous).
pub struct AsyncChan;

impl AsyncChannel for AsyncChan {
    const NAME: &'static str = "async-channel";
    const MULTI_CONSUMER: bool = true;
    const SELECTABLE: bool = true;
    type Tx = async_channel::Sender<u64>;
    type Rx = async_channel::Receiver<u64>;
    fn channel(cap: Cap) -> Option<(Self::Tx, Self::Rx)> {
        match cap {
            Some(0) => None,
            Some(n) => Some(async_channel::bounded(n)),
            None => Some(async_channel::unbounded()),
        }
    }
    fn clone_rx(rx: &Self::Rx) -> Self::Rx {
        rx.clone()
    }
    async fn send(tx: &Self::Tx, value: u64) {
        tx.send(value).await.expect("async-channel send");
    }
    async fn recv(rx: &mut Self::Rx) -> u64 {
        rx.recv().await.expect("async-channel recv")
    }
    async fn select_recv(rxs: &mut [Self::Rx; 4]) -> u64 {
        let [a, b, c, d] = rxs;
        let got = tokio::select! {
            v = a.recv() => v,
            v = b.recv() => v,
            v = c.recv() => v,
            v = d.recv() => v,
        };
        got.expect("async-channel select recv")
    }
}

// ---------------------------------------------------------------------
// Throughput shapes, async
// ---------------------------------------------------------------------

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

// ---------------------------------------------------------------------
// Throughput shapes, OS threads: hoare's `_blocking` forms against
// crossbeam-channel
// ---------------------------------------------------------------------

/// Which blocking channel runs on the OS threads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Blocking {
    Hoare,
    Crossbeam,
}

/// A blocking channel of either library.
#[derive(Clone)]
enum BTx {
    Hoare(hoare::chan::Sender<u64>),
    Crossbeam(crossbeam_channel::Sender<u64>),
}

#[derive(Clone)]
enum BRx {
    Hoare(hoare::chan::Receiver<u64>),
    Crossbeam(crossbeam_channel::Receiver<u64>),
}

impl BTx {
    fn send(&self, value: u64) {
        match self {
            BTx::Hoare(tx) => tx.send_blocking(value).expect("send"),
            BTx::Crossbeam(tx) => tx.send(value).expect("send"),
        }
    }
}

impl BRx {
    fn recv(&self) -> u64 {
        match self {
            BRx::Hoare(rx) => rx.recv_blocking().expect("recv"),
            BRx::Crossbeam(rx) => rx.recv().expect("recv"),
        }
    }
}

fn blocking_channel(lib: Blocking, cap: Cap) -> (BTx, BRx) {
    match lib {
        Blocking::Hoare => {
            let (tx, rx) = Hoare::channel(cap).expect("capacity");
            (BTx::Hoare(tx), BRx::Hoare(rx))
        }
        Blocking::Crossbeam => {
            let (tx, rx) = match cap {
                Some(n) => crossbeam_channel::bounded(n),
                None => crossbeam_channel::unbounded(),
            };
            (BTx::Crossbeam(tx), BRx::Crossbeam(rx))
        }
    }
}

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

// ---------------------------------------------------------------------
// Runtime scenarios
// ---------------------------------------------------------------------

/// Spawns `count` empty processes from the main future and joins them.
pub fn spawn_join(rt: Rt, count: usize) -> Duration {
    timed(rt, async move {
        match rt {
            Rt::Hoare => {
                let joins: Vec<_> = (0..count).map(|_| hoare::spawn(async {})).collect();
                for join in joins {
                    join.await.expect("hoare process panicked");
                }
            }
            Rt::Tokio => {
                let joins: Vec<_> = (0..count).map(|_| tokio::spawn(async {})).collect();
                for join in joins {
                    join.await.expect("tokio task panicked");
                }
            }
        }
    })
}

/// A ring of `size` processes passing a token `hops` times over channels
/// of capacity `cap`. The process that receives the spent token reports
/// on `done`; the others are left waiting and cancelled with the runtime.
pub fn ring<C: AsyncChannel>(rt: Rt, size: usize, cap: Cap, hops: u64) -> Option<Duration> {
    C::channel(cap)?;
    Some(timed(rt, async move {
        let (txs, rxs): (Vec<_>, Vec<_>) = (0..size)
            .map(|_| C::channel(cap).expect("capacity"))
            .unzip();
        let (done_tx, mut done_rx) = C::channel(Some(1)).expect("capacity");
        for (index, mut rx) in rxs.into_iter().enumerate() {
            let next = txs[(index + 1) % size].clone();
            let done = done_tx.clone();
            drop(spawn(rt, async move {
                loop {
                    let token = C::recv(&mut rx).await;
                    if token == 0 {
                        C::send(&done, 0).await;
                        return;
                    }
                    C::send(&next, token - 1).await;
                }
            }));
        }
        C::send(&txs[0], hops).await;
        C::recv(&mut done_rx).await;
    }))
}

/// Skynet: a tree of processes, ten children each, `leaves` leaves; each
/// leaf sends its number up, each inner node sums its children's.
pub fn skynet<C: AsyncChannel>(rt: Rt, leaves: u64) -> Duration {
    timed(rt, async move {
        let (tx, mut rx) = C::channel(Some(1)).expect("capacity");
        spawn(rt, skynet_node::<C>(rt, tx, 0, leaves)).await;
        let sum = C::recv(&mut rx).await;
        assert_eq!(sum, leaves * (leaves - 1) / 2, "skynet sum");
    })
}

fn skynet_node<C: AsyncChannel>(rt: Rt, parent: C::Tx, number: u64, size: u64) -> BoxFuture<()> {
    Box::pin(async move {
        if size == 1 {
            C::send(&parent, number).await;
            return;
        }
        let (tx, mut rx) = C::channel(Some(10)).expect("capacity");
        let child = size / 10;
        for i in 0..10 {
            // Detached: the parent waits for the sums, not the processes.
            drop(spawn(
                rt,
                skynet_node::<C>(rt, tx.clone(), number + i * child, child),
            ));
        }
        drop(tx);
        let mut sum = 0;
        for _ in 0..10 {
            sum += C::recv(&mut rx).await;
        }
        C::send(&parent, sum).await;
    })
}

/// Round-trip latencies of a ping-pong between two processes over
/// channels of capacity `cap`; `main_side` makes the main future the
/// pinging side. Returns every round trip's time, sorted.
pub fn ping_pong<C: AsyncChannel>(
    rt: Rt,
    cap: Cap,
    main_side: bool,
    rounds: usize,
) -> Option<Vec<Duration>> {
    C::channel(cap)?;
    Some(block_on(rt, async move {
        let (ping_tx, mut ping_rx) = C::channel(cap).expect("capacity");
        let (pong_tx, mut pong_rx) = C::channel(cap).expect("capacity");
        let ponger = spawn(rt, async move {
            for _ in 0..rounds {
                let v = C::recv(&mut ping_rx).await;
                C::send(&pong_tx, v).await;
            }
        });
        let pinger = async move {
            let mut times = Vec::with_capacity(rounds);
            for i in 0..rounds {
                let start = Instant::now();
                C::send(&ping_tx, i as u64).await;
                C::recv(&mut pong_rx).await;
                times.push(start.elapsed());
            }
            times
        };
        let mut times = if main_side {
            pinger.await
        } else {
            spawn(rt, pinger).await
        };
        ponger.await;
        times.sort_unstable();
        times
    }))
}

/// Round-trip latencies of a ping-pong between two OS threads.
pub fn ping_pong_threads(lib: Blocking, cap: Cap, rounds: usize) -> Vec<Duration> {
    let (ping_tx, ping_rx) = blocking_channel(lib, cap);
    let (pong_tx, pong_rx) = blocking_channel(lib, cap);
    let mut times = std::thread::scope(|s| {
        s.spawn(|| {
            for _ in 0..rounds {
                pong_tx.send(ping_rx.recv());
            }
        });
        let mut times = Vec::with_capacity(rounds);
        for i in 0..rounds {
            let start = Instant::now();
            ping_tx.send(i as u64);
            pong_rx.recv();
            times.push(start.elapsed());
        }
        times
    });
    times.sort_unstable();
    times
}

/// The `q`-quantile of sorted `times`.
pub fn quantile(times: &[Duration], q: f64) -> Duration {
    let index = ((times.len() as f64 - 1.0) * q).round() as usize;
    times[index]
}

// ---------------------------------------------------------------------
// Memory
// ---------------------------------------------------------------------

/// This process's resident set size in bytes (Linux `/proc/self/statm`).
pub fn resident_bytes() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: usize = statm
        .split_whitespace()
        .nth(1)
        .and_then(|field| field.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

/// Bytes of resident memory per idle process, all `count` of them waiting
/// on one shared thing, so that only the runtime's overhead per waiting
/// process counts: for hoare, every process receives on one channel (its
/// receivers are cloneable); for tokio, whose mpsc has a single receiver,
/// every task awaits one shared `Notify`. Run it in a fresh OS process.
pub fn idle_process_bytes_shared(rt: Rt, count: usize) -> f64 {
    block_on(rt, async move {
        let started = Arc::new(AtomicUsize::new(0));
        spawn(rt, async {}).await;
        let (tx, rx) = hoare::chan::bounded::<u64>(1);
        let notify = Arc::new(tokio::sync::Notify::new());
        let mut joins = Vec::with_capacity(count);
        let before = resident_bytes();
        for _ in 0..count {
            let started = started.clone();
            match rt {
                Rt::Hoare => {
                    let rx = rx.clone();
                    joins.push(spawn(rt, async move {
                        started.fetch_add(1, Ordering::Relaxed);
                        let _ = rx.recv().await;
                    }));
                }
                Rt::Tokio => {
                    let notify = notify.clone();
                    joins.push(spawn(rt, async move {
                        let notified = notify.notified();
                        started.fetch_add(1, Ordering::Relaxed);
                        notified.await;
                    }));
                }
            }
        }
        while started.load(Ordering::Relaxed) < count {
            std::thread::sleep(Duration::from_millis(1));
        }
        let after = resident_bytes();
        drop(tx);
        notify.notify_waiters();
        for join in joins {
            join.await;
        }
        (after.saturating_sub(before)) as f64 / count as f64
    })
}

/// Bytes of resident memory per idle process, each blocked receiving on
/// its own channel of capacity 1 (`count` of them). Run it in a fresh OS
/// process so earlier allocations do not hide the growth.
pub fn idle_process_bytes<C: AsyncChannel>(rt: Rt, count: usize) -> f64 {
    block_on(rt, async move {
        let started = Arc::new(AtomicUsize::new(0));
        // Warm the runtime and the allocator up first.
        spawn(rt, async {}).await;
        let mut senders = Vec::with_capacity(count);
        let mut joins = Vec::with_capacity(count);
        let before = resident_bytes();
        for _ in 0..count {
            let (tx, mut rx) = C::channel(Some(1)).expect("capacity");
            senders.push(tx);
            let started = started.clone();
            joins.push(spawn(rt, async move {
                started.fetch_add(1, Ordering::Relaxed);
                C::recv(&mut rx).await;
            }));
        }
        while started.load(Ordering::Relaxed) < count {
            std::thread::sleep(Duration::from_millis(1));
        }
        let after = resident_bytes();
        for tx in &senders {
            C::send(tx, 0).await;
        }
        for join in joins {
            join.await;
        }
        (after.saturating_sub(before)) as f64 / count as f64
    })
}
