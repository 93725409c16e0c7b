//! What the integration tests share, one of each: a deadline that turns a
//! hang into a failure, the channel of each flavour, polling by hand,
//! drop counting, panic messages, and small processes' plumbing.
//!
//! Each test file includes it with `mod support;`; a file uses only part
//! of it, hence `dead_code` is allowed here.
#![allow(dead_code)]

pub mod ledger;
pub mod mailbox;
pub mod shapes;

use std::any::Any;
use std::future::Future;
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::task::{Context, Poll, Wake, Waker};
use std::thread;
use std::time::Duration;

use hoare::chan::{Receiver, Sender};

// ---- channel ids ----

/// The channel id in a `Sender`'s or `Receiver`'s `Debug`.
pub fn channel_id(channel: &impl std::fmt::Debug) -> u64 {
    let text = format!("{channel:?}");
    let digits = text
        .split("id: ")
        .nth(1)
        .unwrap_or_else(|| panic!("no id in {text}"));
    let end = digits
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(digits.len());
    digits[..end].parse().unwrap()
}

// ---- deadlines and sizes ----

/// Runs `f` on its own thread and fails the test if it has not finished
/// within `secs` seconds (a hang is a failure, never a stuck suite).
pub fn within<T: Send + 'static>(secs: u64, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    let handle = thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(Duration::from_secs(secs)) {
        Ok(value) => {
            handle.join().unwrap();
            value
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            // The closure panicked: re-raise its panic here.
            match handle.join() {
                Err(payload) => panic::resume_unwind(payload),
                Ok(()) => unreachable!(),
            }
        }
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("test hung for {secs} s"),
    }
}

/// Polls `condition` every millisecond until it holds; fails the test if
/// it does not within 5 s.
pub fn wait_until(mut condition: impl FnMut() -> bool) {
    let give_up = std::time::Instant::now() + Duration::from_secs(5);
    while !condition() {
        assert!(
            std::time::Instant::now() < give_up,
            "not reached within 5 s"
        );
        thread::sleep(Duration::from_millis(1));
    }
}

/// Scales iteration counts down in debug builds.
pub fn scale(release: usize) -> usize {
    if cfg!(debug_assertions) {
        (release / 10).max(1)
    } else {
        release
    }
}

/// How many seeds a simulated test runs per flavour and strategy:
/// `HOARE_SIM_SEEDS` if set (CI runs the release build with 200), else
/// `scale(default)`.
pub fn sim_seeds(default: usize) -> u64 {
    match std::env::var("HOARE_SIM_SEEDS") {
        Ok(seeds) => seeds
            .parse()
            .unwrap_or_else(|_| panic!("HOARE_SIM_SEEDS={seeds:?} is not a number of seeds")),
        Err(_) => scale(default) as u64,
    }
}

// ---- channels ----

/// Rendezvous, bounded small, bounded large, unbounded: for table-driven
/// tests over every flavour.
pub const FLAVOURS: [Option<usize>; 4] = [Some(0), Some(1), Some(16), None];

/// A channel of capacity `cap`, or unbounded for `None`.
pub fn channel<T>(cap: Option<usize>) -> (Sender<T>, Receiver<T>) {
    match cap {
        Some(cap) => hoare::chan::bounded(cap),
        None => hoare::chan::unbounded(),
    }
}

/// The next item of a stream.
pub async fn next<S: futures_core::Stream + Unpin>(stream: &mut S) -> Option<S::Item> {
    std::future::poll_fn(|cx| Pin::new(&mut *stream).poll_next(cx)).await
}

// ---- polling by hand ----

/// A waker that counts its wake-ups.
#[derive(Default)]
pub struct CountingWaker {
    pub wakes: AtomicUsize,
}

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.wakes.fetch_add(1, Ordering::SeqCst);
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.wakes.fetch_add(1, Ordering::SeqCst);
    }
}

/// A counting waker and the `Waker` for it.
pub fn counting_waker() -> (Arc<CountingWaker>, Waker) {
    let counter = Arc::new(CountingWaker::default());
    (counter.clone(), Waker::from(counter))
}

/// Polls `future` once with `waker`.
pub fn poll_with<F: Future + Unpin>(future: &mut F, waker: &Waker) -> Poll<F::Output> {
    Pin::new(future).poll(&mut Context::from_waker(waker))
}

/// Polls `future` once with a waker nobody watches.
pub fn poll_once<F: Future + Unpin>(future: &mut F) -> Poll<F::Output> {
    poll_with(future, Waker::noop())
}

/// Polls a pinned-on-heap future once with a waker nobody watches.
pub fn poll_boxed<T>(future: &mut Pin<Box<dyn Future<Output = T> + '_>>) -> Poll<T> {
    future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
}

// ---- drop counting ----

/// A value that counts the drops of its family in a shared counter.
#[derive(Debug)]
pub struct DropCounter {
    pub id: usize,
    drops: Arc<AtomicUsize>,
}

impl DropCounter {
    pub fn new(id: usize, drops: &Arc<AtomicUsize>) -> Self {
        DropCounter {
            id,
            drops: drops.clone(),
        }
    }
}

impl Drop for DropCounter {
    fn drop(&mut self) {
        self.drops.fetch_add(1, Ordering::SeqCst);
    }
}

/// Counts drops into `drops`, fails on a second drop of the same value, and
/// panics on its drop when `panics` is set (crossbeam's panic-on-drop tests).
pub struct PanicOnDrop {
    pub drops: Arc<AtomicUsize>,
    pub panics: bool,
}

impl Drop for PanicOnDrop {
    fn drop(&mut self) {
        let before = self.drops.fetch_add(1, Ordering::SeqCst);
        assert_eq!(before, 0, "double drop");
        if self.panics {
            panic!("first drop");
        }
    }
}

// ---- panics ----

/// The message of a panic payload (empty if it is not a string).
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_default()
}

/// Runs `f`, which must panic, and returns its panic's message.
pub fn expect_panic(f: impl FnOnce()) -> String {
    let payload = panic::catch_unwind(AssertUnwindSafe(f)).expect_err("expected a panic");
    panic_message(&*payload)
}

// ---- test data ----

/// A simple deterministic generator (xorshift) for test data.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}
