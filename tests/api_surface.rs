//! The crate's public API as the compiler sees it: every name and signature
//! that code outside the crate relies on, used once with its types spelled
//! out. If this stops compiling, the public API has changed: deliberately
//! (say so in the changelog) or by accident. The function below is only
//! type-checked, never run.
#![allow(warnings, clippy::all)]

use std::any::Any;
use std::future::Future;
use std::io;
use std::time::Duration;

use hoare::chan::{self, Receiver, RecvError, SendError, Sender, TryRecvError, TrySendError};
use hoare::select::{Select, Selected};
use hoare::sim::{self, SimError, Strategy, Trace};
use hoare::time::{self, Elapsed, Instant};
use hoare::{JoinError, JoinHandle, Runtime};

fn is_send_sync<T: Send + Sync>() {}
fn is_error<E: std::error::Error + Send + Sync + 'static>() {}
fn is_stream<S: futures_core::stream::FusedStream<Item = T> + Unpin, T>() {}
fn is_debug_unpin<T: std::fmt::Debug + Unpin>() {}

async fn surface() {
    // section 2: runtime
    let x: u32 = hoare::run(async { 1u32 });
    let rt: io::Result<Runtime> = Runtime::new();
    let rt: Runtime = Runtime::builder().workers(2).build().unwrap();
    let y: u8 = rt.block_on(async { 1u8 });
    let h: JoinHandle<u8> = rt.spawn(async { 1u8 });
    let h: JoinHandle<String> = hoare::spawn(async { String::new() });
    h.abort();
    let done: bool = h.is_finished();
    let r: Result<String, JoinError> = h.await;
    if let Err(e) = r {
        let (p, c): (bool, bool) = (e.is_panic(), e.is_cancelled());
        let payload: Box<dyn Any + Send + 'static> = e.into_panic();
    }
    hoare::yield_now().await;
    let z: i64 = hoare::block_on(async { 1i64 });
    let all: Result<Vec<u8>, JoinError> = hoare::par((0..4u8).map(|i| async move { i })).await;
    is_send_sync::<JoinHandle<u8>>();
    is_error::<JoinError>();

    // section 3: channels
    let (tx, rx): (Sender<u8>, Receiver<u8>) = chan::bounded(0);
    let (tx, rx): (Sender<u8>, Receiver<u8>) = chan::unbounded();
    let (tx2, rx2) = (tx.clone(), rx.clone());
    let r: Result<(), SendError<u8>> = tx.send(1).await;
    let r: Result<(), TrySendError<u8>> = tx.try_send(1);
    let r: Result<(), SendError<u8>> = tx.send_blocking(1);
    let r: Result<u8, RecvError> = rx.recv().await;
    let r: Result<u8, TryRecvError> = rx.try_recv();
    let r: Result<u8, RecvError> = rx.recv_blocking();
    let v: Vec<u8> = rx.iter().collect();
    is_stream::<Receiver<u8>, u8>();
    let closed_now: bool = tx.close();
    let closed_now: bool = rx.close();
    let facts: (bool, usize, bool, bool, Option<usize>) = (
        tx.is_closed(),
        tx.len(),
        tx.is_empty(),
        tx.is_full(),
        tx.capacity(),
    );
    let facts: (bool, usize, bool, bool, Option<usize>) = (
        rx.is_closed(),
        rx.len(),
        rx.is_empty(),
        rx.is_full(),
        rx.capacity(),
    );
    is_send_sync::<Sender<u8>>();
    is_send_sync::<Receiver<u8>>();
    struct Opaque;
    is_debug_unpin::<Sender<Opaque>>();
    is_debug_unpin::<Receiver<Opaque>>();
    is_debug_unpin::<JoinHandle<Opaque>>();
    let e = SendError(5u8);
    let v: u8 = e.0;
    let v: u8 = SendError(5u8).into_inner();
    let v: u8 = TrySendError::Full(5u8).into_inner();
    let b: bool = TrySendError::Closed(5u8).is_closed() && TrySendError::Full(5u8).is_full();
    let b: bool = TryRecvError::Empty.is_empty() && TryRecvError::Closed.is_closed();
    assert_eq!(RecvError, RecvError);
    assert_eq!(SendError(1u8), SendError(1u8));
    struct NoDebug;
    let _ = format!("{:?} {}", SendError(NoDebug), SendError(NoDebug));
    let _ = format!(
        "{:?} {}",
        TrySendError::Full(NoDebug),
        TrySendError::Closed(NoDebug)
    );
    is_error::<SendError<NoDebug>>();
    is_error::<TrySendError<NoDebug>>();
    is_error::<RecvError>();
    is_error::<TryRecvError>();

    // section 4: select
    let go_on = true;
    let out: &str = hoare::select! {
        recv(rx) -> msg => { let m: Result<u8, RecvError> = msg; "recv" }
        send(tx, 7) -> res => { let r: Result<(), SendError<u8>> = res; "send" }
        recv(rx2) -> msg if go_on => "guarded",
        recv(time::after(Duration::from_millis(5))) -> _ => "timeout",
        default => "default",
    };
    let first: u8 = hoare::select! {
        biased;
        recv(rx) -> m => m.unwrap(),
        recv(&rx2) -> m => m.unwrap(),
        recv(&&rx2) -> m if false => m.unwrap(),
    };
    // operands are borrowed, not moved: rx is still usable here
    let again: Result<u8, TryRecvError> = rx.try_recv();
    let only_default: u8 = hoare::select! { default => 3 };
    let rxs: Vec<Receiver<u8>> = Vec::new();
    let mut sel: Select<'_, u8> = Select::new();
    for r in &rxs {
        let index: usize = sel.recv(r);
    }
    let index: usize = sel.send(&tx2, 9);
    let (index, op): (usize, Selected<u8>) = sel.select().await;
    match op {
        Selected::Recv(r) => {
            let r: Result<u8, RecvError> = r;
        }
        Selected::Send(r) => {
            let r: Result<(), SendError<u8>> = r;
        }
    }
    let mut sel: Select<'_, u8> = Select::new().biased();
    let index: usize = sel.recv(&rx);
    let maybe: Option<(usize, Selected<u8>)> = sel.try_select();
    let (index, op): (usize, Selected<u8>) = sel.select().await;
    let r: Result<(usize, Selected<u8>), Elapsed> =
        time::timeout(Duration::from_millis(1), Select::new().select()).await;
    let also: hoare::Select<'_, u8> = hoare::select::Select::new();

    // section 5: time
    time::sleep(Duration::from_millis(1)).await;
    let r: Result<u8, Elapsed> = time::timeout(Duration::from_millis(1), async { 1u8 }).await;
    let a: Receiver<Instant> = time::after(Duration::from_millis(1));
    let t: Receiver<Instant> = time::tick(Duration::from_millis(1));
    let now: Instant = Instant::now();
    let d: Duration = now.elapsed();
    let d: Duration = Instant::now().duration_since(now);
    let later: Instant = now + Duration::from_secs(1);
    let d: Duration = later - now;
    assert!(later > now);
    is_error::<Elapsed>();

    // section 6: simulation
    let v: u8 = sim::Builder::new().seed(42).run(async { 1u8 });
    let r: Result<u8, SimError> = sim::Builder::new()
        .seed(1)
        .strategy(Strategy::Random)
        .max_steps(10_000)
        .try_run(async { 1u8 });
    let r: Result<u8, SimError> = sim::Builder::new()
        .strategy(Strategy::Pct { depth: 2 })
        .try_run(async { 1u8 });
    let (v, trace): (u8, Trace) = sim::Builder::new().seed(7).run_traced(async { 1u8 });
    let fp: u64 = trace.fingerprint();
    let n: usize = trace.events().len();
    let text: String = trace.to_string();
    let lines: Vec<String> = trace.events().iter().map(|e| e.to_string()).collect();
    if let Err(e) = r {
        let report: String = e.to_string();
        match e {
            SimError::Deadlock { .. } => {}
            SimError::Panic { message, .. } => {
                let m: String = message;
            }
            _ => {}
        }
    }
    is_error::<SimError>();
    sim::check(|| async {});

    // section 10.1: exploration, replay tokens, shrinking
    let ex: sim::Explored = sim::explore(|| async {});
    let ex: sim::Explored = sim::Builder::new()
        .max_preemptions(Some(2))
        .max_schedules(1000)
        .explore(|| async {});
    let r: Result<sim::Explored, SimError> = sim::Builder::new().try_explore(|| async {});
    let (count, complete): (u64, bool) = (ex.schedules(), ex.complete());
    let text: String = ex.to_string();
    let token: String = trace.schedule();
    let (p, s): (u64, u64) = (trace.preemptions(), trace.steps());
    let v: u8 = sim::Builder::new().replay(&token).run(async { 1u8 });
    let (r, t): (Result<u8, SimError>, Trace) =
        sim::Builder::new().seed(3).try_run_traced(async { 1u8 });
    let shrunk: Option<Trace> = sim::Builder::new().seed(3).shrink(|| async {});
    if let Err(SimError::Assertion { .. }) = r {}
    if let Err(e) = sim::Builder::new().try_explore(|| async {}) {
        let token: Option<&str> = e.schedule();
        let seed: u64 = e.seed();
        match e {
            SimError::Coverage { .. } | SimError::ReplayMismatch { .. } => {}
            _ => {}
        }
    }

    // section 10.2: coverage assertions, buggify
    hoare::assert_always!(true, "always");
    hoare::assert_always!(x == 1, "always with args {}", x);
    hoare::assert_sometimes!(x == 1, "sometimes");
    if x == 0 {
        hoare::assert_unreachable!("unreachable");
    }
    let b: bool = hoare::buggify!();

    // section 10.3: observability
    let dump: hoare::runtime::Dump = rt.dump();
    let dump: hoare::runtime::Dump = hoare::runtime::dump();
    let text: String = dump.to_string();
    for p in dump.processes() {
        let p: &hoare::runtime::ProcessInfo = p;
        let (id, name, at, blocked, waits): (
            u64,
            Option<&str>,
            &'static std::panic::Location<'static>,
            bool,
            &[String],
        ) = (
            p.id(),
            p.name(),
            p.spawned_at(),
            p.is_blocked(),
            p.waits_on(),
        );
    }
    is_send_sync::<hoare::runtime::Dump>();
    let h: JoinHandle<u8> = hoare::runtime::ProcessBuilder::new()
        .name("worker")
        .spawn(async { 1u8 });
    let rt: Runtime = Runtime::builder()
        .workers(2)
        .stall_report(Duration::from_secs(5))
        .on_stall(|dump: &hoare::runtime::Dump| eprintln!("{dump}"))
        .build()
        .unwrap();

    // section 10.4: the calls users reach for
    let (tx, rx): (Sender<u8>, Receiver<u8>) = chan::bounded(1);
    let r: Result<(), chan::SendTimeoutError<u8>> = tx.send_timeout(1, Duration::from_millis(1));
    let r: Result<(), chan::SendTimeoutError<u8>> = tx.send_deadline(1, std::time::Instant::now());
    if let Err(e) = r {
        let v: u8 = e.into_inner();
    }
    let r: Result<u8, chan::RecvTimeoutError> = rx.recv_timeout(Duration::from_millis(1));
    let r: Result<u8, chan::RecvTimeoutError> = rx.recv_deadline(std::time::Instant::now());
    is_error::<chan::SendTimeoutError<u8>>();
    is_error::<chan::RecvTimeoutError>();
    let ready: Vec<u8> = rx.try_iter().collect();
    for v in &rx {}
    let same: bool = tx.same_channel(&tx.clone()) && rx.same_channel(&rx.clone());
    let mut buf: Vec<u8> = Vec::new();
    let n: usize = rx.recv_many(&mut buf, 8).await;
    let n: usize = rx.try_recv_many(&mut buf, 8);
    tx.closed().await;
    let weak: chan::WeakSender<u8> = tx.downgrade();
    let strong: Option<Sender<u8>> = weak.clone().upgrade();
    let h: JoinHandle<u32> = hoare::spawn_blocking(|| 1u32);
    let all: Vec<u8> = rx.into_iter().collect();
}

#[test]
fn design_api_compiles() {
    // Type-checking `surface` is the test; constructing its future proves
    // the signatures line up without running anything.
    let fut = surface();
    drop(fut);
}
