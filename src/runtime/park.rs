//! Parking a thread until it is woken: the one blocking primitive.
//!
//! A [`Parker`] holds a sticky wake-up token in an atomic state word
//! (`EMPTY`, `PARKED`, `NOTIFIED`), with a mutex and condition variable
//! for the actual sleep, as std's generic thread parker does. `unpark`
//! sets the token; `park` consumes it, sleeping until it is set. An
//! `unpark` that comes before `park` leaves the token set and `park`
//! returns at once, so no wake-up is lost. While the thread is not asleep
//! an `unpark` is a single atomic swap (no lock, no system call): the
//! `run` caller's thread is woken this way by processes it talks to.
//!
//! `hoare::block_on` and the `_blocking` channel methods park on one of
//! these through a [`Waker`] built from it; the runtime's idle workers and
//! the `run` caller's thread park on their own.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc as StdArc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use super::blocked_threads;
use super::task::wait_slot::WaitSlot;

use crate::sync::atomic::{AtomicUsize, Ordering};
use crate::sync::{Arc, Condvar, Mutex};

/// No token, nobody asleep.
const EMPTY: usize = 0;
/// The owner is asleep (or about to be) on the condition variable.
const PARKED: usize = 1;
/// A wake-up token is waiting to be consumed.
const NOTIFIED: usize = 2;

/// Rounds of [`Parker::park_spinning`] before it sleeps. None under
/// loom: a spin is only a delay, and loom would explore every round.
#[cfg(not(loom))]
const SPIN_ROUNDS: u32 = 200;
#[cfg(loom)]
const SPIN_ROUNDS: u32 = 0;
/// The first rounds busy-wait (doubling up to 64 pause instructions); the
/// rest yield the core.
const SPIN_ONLY_ROUNDS: u32 = 10;
/// How long a blocking wait may spin before it lists its thread for dumps
/// ([`ThreadParker::sleep`]). On an idle machine the whole spin takes well
/// under this; on a loaded one each yield may give the core away for a
/// time slice, and the spin can last a few hundred milliseconds.
const LIST_WHEN_SPINNING_FOR: Duration = Duration::from_millis(1);

/// A thread parker with a sticky wake-up token.
#[derive(Debug, Default)]
pub(crate) struct Parker {
    state: AtomicUsize,
    lock: Mutex<()>,
    condvar: Condvar,
}

impl Parker {
    /// A parker with no pending wake-up.
    pub(crate) fn new() -> Self {
        Parker {
            state: AtomicUsize::new(EMPTY),
            lock: Mutex::new(()),
            condvar: Condvar::new(),
        }
    }

    /// Consumes a pending token without sleeping. Returns whether there was one.
    fn try_consume(&self) -> bool {
        // Acquire: pairs with the Release in `unpark`, so the parked thread
        // sees what the waker did before waking it.
        self.state
            .compare_exchange(NOTIFIED, EMPTY, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
    }

    /// Blocks until [`Parker::unpark`] has been called since the last
    /// return from `park` (returns at once if it already was).
    pub(crate) fn park(&self) {
        self.park_inner(None);
    }

    /// Like [`Parker::park`], but first spins briefly waiting for the
    /// token. A thread talking to another thread is usually woken within
    /// a microsecond; sleeping on the condition variable and being woken
    /// through the kernel costs several, on both sides. Spinning keeps the
    /// waker's `unpark` a single atomic swap too (no lock, no system
    /// call), since the owner never reaches `PARKED`.
    pub(crate) fn park_spinning(&self) {
        if !self.spin() {
            self.park_inner(None);
        }
    }

    /// The spin of [`Parker::park_spinning`] alone: whether the token came
    /// (and was consumed) while spinning. A caller that gets `false` parks.
    pub(crate) fn spin(&self) -> bool {
        self.spin_then(Duration::MAX, || {})
    }

    /// [`Parker::spin`], calling `slow` once if the rounds that yield the
    /// core have lasted `after` (a loaded machine).
    fn spin_then(&self, after: Duration, mut slow: impl FnMut()) -> bool {
        let mut yielding_since = None;
        let mut slow_called = false;
        // The range is empty under loom, on purpose (see `SPIN_ROUNDS`).
        #[allow(clippy::reversed_empty_ranges)]
        for round in 0..SPIN_ROUNDS {
            if self.try_consume() {
                return true;
            }
            if round < SPIN_ONLY_ROUNDS {
                for _ in 0..(1 << round.min(6)) {
                    crate::sync::spin_loop();
                }
            } else {
                let since = *yielding_since.get_or_insert_with(std::time::Instant::now);
                if !slow_called && since.elapsed() >= after {
                    slow_called = true;
                    slow();
                }
                // Let the thread we wait for run if it shares our core.
                std::thread::yield_now();
            }
        }
        false
    }

    /// Like [`Parker::park`], but returns after `timeout` at the latest.
    /// Returns whether it was woken (rather than timed out).
    pub(crate) fn park_timeout(&self, timeout: Duration) -> bool {
        self.park_inner(Some(timeout))
    }

    fn park_inner(&self, timeout: Option<Duration>) -> bool {
        if self.try_consume() {
            return true;
        }
        let mut guard = self.lock.lock();
        // Acquire on success or failure: a NOTIFIED seen here pairs with
        // `unpark`'s Release.
        match self
            .state
            .compare_exchange(EMPTY, PARKED, Ordering::Acquire, Ordering::Acquire)
        {
            Ok(_) => {}
            Err(NOTIFIED) => {
                // Relaxed: the failed exchange above acquired the token;
                // only this thread resets it.
                self.state.store(EMPTY, Ordering::Relaxed);
                return true;
            }
            Err(other) => unreachable!("hoare: parker in state {other} while its owner parks"),
        }
        loop {
            guard = match timeout {
                None => self.condvar.wait(guard),
                Some(timeout) => self.condvar.wait_for(guard, timeout),
            };
            if self.try_consume() {
                return true;
            }
            if timeout.is_some() {
                // Timed out (or spurious): withdraw. A racing unpark may
                // have set NOTIFIED just now; take it then.
                // Acquire: pairs with `unpark`'s Release.
                let woken = self.state.swap(EMPTY, Ordering::Acquire) == NOTIFIED;
                drop(guard);
                return woken;
            }
        }
    }

    /// Wakes the parked thread, or makes its next `park` return at once.
    pub(crate) fn unpark(&self) {
        // Release: publishes the waker's writes to the parked thread (its
        // Acquire in `try_consume`).
        match self.state.swap(NOTIFIED, Ordering::Release) {
            EMPTY | NOTIFIED => {}
            PARKED => {
                // Taking the lock orders this notify after the parked
                // thread's wait began (it holds the lock until it waits).
                drop(self.lock.lock());
                self.condvar.notify_one();
            }
            other => unreachable!("hoare: parker in state {other}"),
        }
    }
}

/// A [`Waker`] that unparks one [`Parker`].
pub(crate) struct ParkWaker(pub(crate) Arc<Parker>);

impl Wake for ParkWaker {
    fn wake(self: StdArc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &StdArc<Self>) {
        self.0.unpark();
    }
}

/// A parker and a waker for it, built once per thread and reused by each
/// blocking wait on that thread (`hoare::block_on`, the `_blocking` channel
/// methods) instead of allocating both per wait.
pub(crate) struct ThreadParker {
    pub(crate) parker: Arc<Parker>,
    pub(crate) waker: Waker,
    /// What the blocking wait using it waits on, for dumps (see
    /// `blocked_threads`).
    pub(crate) waiting: WaitSlot,
}

impl ThreadParker {
    fn new() -> Self {
        let parker = Arc::new(Parker::new());
        let waker = waker_for(parker.clone());
        ThreadParker {
            parker,
            waker,
            waiting: WaitSlot::new(),
        }
    }

    /// Polls `future` with this parker's waker, recording what it waits
    /// on in [`ThreadParker::waiting`] (a [`Recording`] must be running).
    pub(crate) fn poll<F: Future>(&self, future: Pin<&mut F>) -> Poll<F::Output> {
        self.waiting.begin_poll();
        future.poll(&mut Context::from_waker(&self.waker))
    }

    /// Sleeps until woken: spins briefly, then lists the thread for dumps
    /// and parks; unlisted again once woken. A spin that lasts (a loaded
    /// machine) lists the thread while it spins.
    pub(crate) fn sleep(&self) {
        let mut listed = None;
        let list = || blocked_threads::list(&self.waiting);
        let woken = self
            .parker
            .spin_then(LIST_WHEN_SPINNING_FOR, || listed = Some(list()));
        if !woken {
            listed.get_or_insert_with(list);
            self.parker.park();
        }
        if let Some(listed) = listed {
            // Counted before the thread leaves the list: a dump that no
            // longer lists it is then sure to see the wake (the list's
            // lock orders the two), so a stall watchdog never mistakes
            // the moment between for quiet.
            blocked_threads::woke();
            drop(listed);
        }
    }

    /// Like [`ThreadParker::sleep`], but returns after `timeout` at the
    /// latest (no spin: a timed wait parks at once).
    pub(crate) fn sleep_timeout(&self, timeout: Duration) {
        let listed = blocked_threads::list(&self.waiting);
        self.parker.park_timeout(timeout);
        // Counted before unlisting, as in `sleep`.
        blocked_threads::woke();
        drop(listed);
    }
}

/// This thread's cached parker, kept where it lies while a blocking wait
/// borrows it (moving it in and out of the thread-local was a fifth of
/// a `block_on` that does not wait).
struct ParkerSlot {
    parker: std::cell::OnceCell<ThreadParker>,
    /// A blocking wait borrows `parker`.
    in_use: std::cell::Cell<bool>,
}

crate::sync::thread_local! {
    static THREAD_PARKER: ParkerSlot = ParkerSlot {
        parker: std::cell::OnceCell::new(),
        in_use: std::cell::Cell::new(false),
    };
}

/// Clears [`ParkerSlot::in_use`] when the wait ends, also by a panic: the
/// parker stays fit for the next wait (a wake-up token left in it costs
/// that wait one extra poll; each poll starts its `waiting` afresh).
struct Release<'a>(&'a std::cell::Cell<bool>);

impl Drop for Release<'_> {
    fn drop(&mut self) {
        self.0.set(false);
    }
}

/// Runs `f` with this thread's cached parker, or with a fresh one when a
/// nested wait (a `block_on` inside a `block_on`'s future) is already
/// using it, or the thread is exiting: a shared parker would let the
/// inner wait swallow the outer one's wake-up. A wake-up token left over
/// from a finished wait only costs the next wait one extra poll.
#[inline]
pub(crate) fn with_thread_parker<R>(f: impl FnOnce(&ThreadParker) -> R) -> R {
    let mut f = Some(f);
    let cached = THREAD_PARKER.try_with(|slot| {
        if slot.in_use.replace(true) {
            return None;
        }
        let _release = Release(&slot.in_use);
        let f = f.take().expect("`f` is called once");
        Some(f(slot.parker.get_or_init(ThreadParker::new)))
    });
    match cached {
        Ok(Some(output)) => output,
        _ => (f.take().expect("`f` is called once"))(&ThreadParker::new()),
    }
}

/// A waker that unparks `parker`.
pub(crate) fn waker_for(parker: Arc<Parker>) -> Waker {
    Waker::from(StdArc::new(ParkWaker(parker)))
}
