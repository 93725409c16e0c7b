//! Helpers for the `port_*` test files (ports of peer crates' suites).
#![allow(dead_code)]

pub mod shapes;

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::task::{Context, Poll, Wake, Waker};
use std::thread;
use std::time::Duration;

/// Scales iteration counts down in debug builds.
pub fn scale(release: usize) -> usize {
    if cfg!(debug_assertions) {
        (release / 10).max(1)
    } else {
        release
    }
}

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
                Err(payload) => std::panic::resume_unwind(payload),
                Ok(()) => unreachable!(),
            }
        }
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("test hung for {secs} s"),
    }
}

pub fn channel<T>(cap: Option<usize>) -> (hoare::chan::Sender<T>, hoare::chan::Receiver<T>) {
    match cap {
        Some(cap) => hoare::chan::bounded(cap),
        None => hoare::chan::unbounded(),
    }
}

/// A message that counts its drops in a shared counter.
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

struct NoopWake;
impl Wake for NoopWake {
    fn wake(self: Arc<Self>) {}
}

pub fn noop_waker() -> Waker {
    Waker::from(Arc::new(NoopWake))
}

/// Polls a future once with a no-op waker.
pub fn poll_once<F: Future + Unpin>(future: &mut F) -> Poll<F::Output> {
    let waker = noop_waker();
    Pin::new(future).poll(&mut Context::from_waker(&waker))
}

/// Polls a pinned-on-heap future once with a no-op waker.
pub fn poll_boxed<T>(future: &mut Pin<Box<dyn Future<Output = T> + '_>>) -> Poll<T> {
    let waker = noop_waker();
    future.as_mut().poll(&mut Context::from_waker(&waker))
}

/// The next item of a stream.
pub async fn next<S: futures_core::Stream + Unpin>(stream: &mut S) -> Option<S::Item> {
    std::future::poll_fn(|cx| Pin::new(&mut *stream).poll_next(cx)).await
}

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

/// Rendezvous, bounded small, bounded large, unbounded.
pub const FLAVS: [Option<usize>; 4] = [Some(0), Some(1), Some(16), None];

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
