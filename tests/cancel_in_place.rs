//! A process cancelled while it waits in `select!` is dropped where it
//! lies, never moved first.
//!
//! A `select!` keeps its arms and the selection that points at them in
//! one async frame, so a process future that was moved after its first
//! poll and then dropped would withdraw the arms through stale pointers
//! (a use-after-free in safe code). Each cancellation path is covered:
//! `JoinHandle::abort`, dropping a `Runtime`, the end of a simulation, a
//! `select!` inside `par` and inside `time::timeout`, on every flavour,
//! with receive and send arms, guards and `default`.
//!
//! Two oracles watch each test. A [`PinSentinel`] held in the process's
//! own frame records its address when first polled and counts a move if
//! it is dropped anywhere else, so a moved frame fails the test even
//! without a memory checker. And CI runs this file under valgrind
//! (`.ci/run`), which reports the stale reads themselves.

use std::marker::PhantomPinned;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use hoare::chan::{self, Receiver, Sender};
use hoare::time;

/// Counts a move of the pinned value that holds it.
struct PinSentinel {
    /// The address recorded at [`PinSentinel::settle`]; 0 before.
    home: AtomicUsize,
    moves: Arc<AtomicUsize>,
    _pinned: PhantomPinned,
}

impl PinSentinel {
    fn new(moves: &Arc<AtomicUsize>) -> Self {
        PinSentinel {
            home: AtomicUsize::new(0),
            moves: moves.clone(),
            _pinned: PhantomPinned,
        }
    }

    /// Records where the sentinel is pinned.
    fn settle(self: Pin<&mut Self>) {
        let address = &*self as *const Self as usize;
        self.home.store(address, Ordering::SeqCst);
    }
}

impl Drop for PinSentinel {
    fn drop(&mut self) {
        let home = self.home.load(Ordering::SeqCst);
        if home != 0 && home != self as *const Self as usize {
            self.moves.fetch_add(1, Ordering::SeqCst);
        }
    }
}

/// A message that counts its drops.
struct Counted(Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// What every test checks at the end: no frame moved, every message made
/// was dropped exactly once.
#[derive(Clone, Default)]
struct Ledger {
    moves: Arc<AtomicUsize>,
    made: Arc<AtomicUsize>,
    dropped: Arc<AtomicUsize>,
}

impl Ledger {
    fn message(&self) -> Counted {
        self.made.fetch_add(1, Ordering::SeqCst);
        Counted(self.dropped.clone())
    }

    fn assert_clean(&self, what: &str) {
        assert_eq!(
            self.moves.load(Ordering::SeqCst),
            0,
            "{what}: a pinned process frame was moved before it was dropped"
        );
        assert_eq!(
            self.made.load(Ordering::SeqCst),
            self.dropped.load(Ordering::SeqCst),
            "{what}: every message made is dropped exactly once"
        );
    }
}

const FLAVOURS: [Option<usize>; 3] = [Some(0), Some(1), None];

fn channel<T>(cap: Option<usize>) -> (Sender<T>, Receiver<T>) {
    match cap {
        Some(cap) => chan::bounded(cap),
        None => chan::unbounded(),
    }
}

/// The shapes of a waiting `select!` each test cancels.
#[derive(Clone, Copy, Debug)]
enum Shape {
    /// Two receive arms on empty channels.
    Recv,
    /// A receive arm and a send arm on a channel that cannot take it (a
    /// rendezvous nobody receives on, or a full buffer; an unbounded
    /// channel always takes a send, so its send arm goes to a full
    /// bounded(1)), and an arm guarded off.
    SendAndGuard,
    /// A loop of `select!` with `default`, cancelled while its `default`
    /// body sleeps, with a guarded-off arm.
    Default,
}

const SHAPES: [Shape; 3] = [Shape::Recv, Shape::SendAndGuard, Shape::Default];

/// A process body that pins a sentinel in its frame, says it started,
/// and then waits in a `select!` of `shape` on channels of `cap` forever
/// (it owns a sender of every channel it receives on, so none closes).
async fn wait_in_select(cap: Option<usize>, shape: Shape, ledger: Ledger, started: Sender<()>) {
    let sentinel = pin!(PinSentinel::new(&ledger.moves));
    sentinel.settle();
    // `_tx_a` (not `_`) keeps the sender alive: channel a never closes.
    let (_tx_a, rx_a) = channel::<Counted>(cap);
    let (tx_b, rx_b) = channel::<Counted>(cap);
    started.send(()).await.expect("the test keeps its receiver");
    match shape {
        Shape::Recv => {
            hoare::select! {
                recv(rx_a) -> _ => unreachable!("nothing is sent on a"),
                recv(rx_b) -> _ => unreachable!("nothing is sent on b"),
            }
        }
        Shape::SendAndGuard => {
            let (full_tx, _full_rx) = match cap {
                None => chan::bounded::<Counted>(1),
                Some(_) => (tx_b.clone(), rx_b.clone()),
            };
            for _ in 0..full_tx.capacity().unwrap_or(0) {
                full_tx.try_send(ledger.message()).expect("room to fill");
            }
            let off = false;
            hoare::select! {
                recv(rx_a) -> _ => unreachable!("nothing is sent on a"),
                send(full_tx, ledger.message()) -> _ => unreachable!("nobody receives"),
                recv(rx_b) -> _ if off => unreachable!("guarded off"),
            }
        }
        Shape::Default => loop {
            let off = false;
            hoare::select! {
                recv(rx_a) -> _ => unreachable!("nothing is sent on a"),
                recv(rx_b) -> _ if off => unreachable!("guarded off"),
                default => time::sleep(Duration::from_millis(1)).await,
            }
        },
    }
}

/// Waits until `count` processes said they started, then gives them a
/// moment to reach their `select!` and register.
async fn until_started(started: &Receiver<()>, count: usize) {
    for _ in 0..count {
        started
            .recv()
            .await
            .expect("the processes keep their senders until they start");
    }
    time::sleep(Duration::from_millis(10)).await;
}

#[test]
fn aborting_a_process_waiting_in_select_drops_it_in_place() {
    for cap in FLAVOURS {
        for shape in SHAPES {
            let ledger = Ledger::default();
            let process_ledger = ledger.clone();
            hoare::run(async move {
                let (started_tx, started) = chan::unbounded();
                let handle = hoare::spawn(wait_in_select(cap, shape, process_ledger, started_tx));
                until_started(&started, 1).await;
                handle.abort();
                let error = handle
                    .await
                    .expect_err("the process never finishes by itself");
                assert!(error.is_cancelled(), "{cap:?} {shape:?}: {error}");
            });
            ledger.assert_clean(&format!("abort, capacity {cap:?}, {shape:?}"));
        }
    }
}

#[test]
fn dropping_a_runtime_drops_processes_waiting_in_select_in_place() {
    let ledger = Ledger::default();
    let runtime = hoare::Runtime::builder().workers(2).build().unwrap();
    let (started_tx, started) = chan::unbounded();
    let mut count = 0;
    for cap in FLAVOURS {
        for shape in SHAPES {
            drop(runtime.spawn(wait_in_select(
                cap,
                shape,
                ledger.clone(),
                started_tx.clone(),
            )));
            count += 1;
        }
    }
    runtime.block_on(until_started(&started, count));
    drop(runtime);
    ledger.assert_clean("runtime drop");
}

#[test]
fn a_simulation_that_ends_drops_processes_waiting_in_select_in_place() {
    for seed in 0..20 {
        let ledger = Ledger::default();
        let process_ledger = ledger.clone();
        hoare::sim::Builder::new().seed(seed).run(async move {
            let (started_tx, started) = chan::unbounded();
            let mut count = 0;
            for cap in FLAVOURS {
                for shape in SHAPES {
                    let body =
                        wait_in_select(cap, shape, process_ledger.clone(), started_tx.clone());
                    drop(hoare::spawn(body));
                    count += 1;
                }
            }
            until_started(&started, count).await;
        });
        ledger.assert_clean(&format!("end of simulation, seed {seed}"));
    }
}

#[test]
fn a_par_dropped_while_its_processes_wait_in_select_drops_them_in_place() {
    for cap in FLAVOURS {
        let ledger = Ledger::default();
        let process_ledger = ledger.clone();
        hoare::run(async move {
            let (started_tx, started) = chan::unbounded();
            let group = hoare::par(SHAPES.map(|shape| {
                wait_in_select(cap, shape, process_ledger.clone(), started_tx.clone())
            }));
            let outcome = time::timeout(Duration::from_millis(50), group).await;
            assert!(
                outcome.is_err(),
                "the group waits forever, so the timeout fires"
            );
            // `par` aborted its processes when it was dropped; they are
            // dropped by the time they would have run again.
            drop(started_tx);
            while started.recv().await.is_ok() {}
            time::sleep(Duration::from_millis(10)).await;
        });
        ledger.assert_clean(&format!("par, capacity {cap:?}"));
    }
}

#[test]
fn a_timeout_around_a_waiting_select_drops_it_in_place() {
    for cap in FLAVOURS {
        for shape in SHAPES {
            let ledger = Ledger::default();
            let process_ledger = ledger.clone();
            hoare::run(async move {
                let (started_tx, _started) = chan::unbounded();
                let body = wait_in_select(cap, shape, process_ledger, started_tx);
                let outcome = time::timeout(Duration::from_millis(10), body).await;
                assert!(
                    outcome.is_err(),
                    "the select waits forever, so the timeout fires"
                );
            });
            ledger.assert_clean(&format!("timeout, capacity {cap:?}, {shape:?}"));
        }
    }
}

/// The sentinel itself can fail: a future moved after its first poll and
/// dropped elsewhere (what the harness once did) is counted.
#[test]
fn the_pin_sentinel_counts_a_moved_frame() {
    let moves = Arc::new(AtomicUsize::new(0));
    let mut first = Box::new(PinSentinel::new(&moves));
    // SAFETY: deliberately breaks the pin promise below, to show the
    // sentinel notices; nothing else refers to the value.
    unsafe { Pin::new_unchecked(&mut *first) }.settle();
    let moved: PinSentinel = *first;
    drop(moved);
    assert_eq!(moves.load(Ordering::SeqCst), 1);
}
