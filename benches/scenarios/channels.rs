//! One interface over every channel library: [`AsyncChannel`] for the
//! async sides (hoare, tokio mpsc, flume, kanal, async-channel) and a
//! small blocking pair for OS threads (hoare's `_blocking` forms and
//! crossbeam-channel), so each scenario is written once for all of them.

use std::future::Future;

use super::*;

// ---- async: every library ----

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
    /// Receives, or `None` once the channel is closed and empty (a
    /// process that outlives the measured part ends quietly).
    fn recv_or_end(rx: &mut Self::Rx) -> impl Future<Output = Option<u64>> + Send + '_;
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
    async fn recv_or_end(rx: &mut Self::Rx) -> Option<u64> {
        rx.recv().await.ok()
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
    async fn recv_or_end(rx: &mut Self::Rx) -> Option<u64> {
        rx.recv().await
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
    async fn recv_or_end(rx: &mut Self::Rx) -> Option<u64> {
        rx.recv_async().await.ok()
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
    async fn recv_or_end(rx: &mut Self::Rx) -> Option<u64> {
        rx.recv().await.ok()
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
    async fn recv_or_end(rx: &mut Self::Rx) -> Option<u64> {
        rx.recv().await.ok()
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

// ---- blocking: hoare and crossbeam-channel, for OS threads ----

/// Which blocking channel runs on the OS threads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Blocking {
    Hoare,
    Crossbeam,
}

/// A blocking channel of either library.
#[derive(Clone)]
pub(super) enum BTx {
    Hoare(hoare::chan::Sender<u64>),
    Crossbeam(crossbeam_channel::Sender<u64>),
}

#[derive(Clone)]
pub(super) enum BRx {
    Hoare(hoare::chan::Receiver<u64>),
    Crossbeam(crossbeam_channel::Receiver<u64>),
}

impl BTx {
    pub(super) fn send(&self, value: u64) {
        match self {
            BTx::Hoare(tx) => tx.send_blocking(value).expect("send"),
            BTx::Crossbeam(tx) => tx.send(value).expect("send"),
        }
    }
}

impl BRx {
    pub(super) fn recv(&self) -> u64 {
        match self {
            BRx::Hoare(rx) => rx.recv_blocking().expect("recv"),
            BRx::Crossbeam(rx) => rx.recv().expect("recv"),
        }
    }
}

pub(super) fn blocking_channel(lib: Blocking, cap: Cap) -> (BTx, BRx) {
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
