//! The public API of DESIGN.md as the compiler sees it: every name and
//! signature that code outside the crate relies on, used once with its
//! types spelled out. Copy this file to `tests/api_surface.rs`; if it stops
//! compiling, the crate has drifted from DESIGN.md (or DESIGN.md should be
//! changed, with a reason in the issue note). The function below is only
//! type-checked, never run.
#![allow(warnings, clippy::all)]

use std::any::Any;
use std::future::Future;
use std::time::Duration;

use hoare::chan::{self, Receiver, RecvError, SendError, Sender, TryRecvError, TrySendError};
use hoare::select::{Select, Selected};
use hoare::time::{self, Elapsed, Instant};

fn is_send_sync<T: Send + Sync>() {}
fn is_error<E: std::error::Error + Send + Sync + 'static>() {}
fn is_stream<S: futures_core::stream::FusedStream<Item = T> + Unpin, T>() {}
fn is_debug_unpin<T: std::fmt::Debug + Unpin>() {}

async fn surface() {
    // section 2 (runtime) joins when the runtime lands.

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

    // section 6 (simulation) joins when the simulation lands.
}

#[test]
fn design_api_compiles() {
    // Type-checking `surface` is the test; constructing its future proves
    // the signatures line up without running anything.
    let fut = surface();
    drop(fut);
}
