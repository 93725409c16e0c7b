//! The one door to synchronisation primitives.
//!
//! Every atomic, `UnsafeCell`, lock, condition variable, thread-local and
//! spin hint used by hoare comes from this module, never from `std` or
//! `parking_lot` directly. Normally it re-exports `std` and `parking_lot`;
//! under `--cfg loom` it re-exports `loom`'s instrumented versions so the
//! models in `loom-tests/` explore every interleaving of the real code.
//!
//! The few API differences between the two worlds are smoothed here:
//!
//! * [`UnsafeCell`] always has loom's closure API (`with`, `with_mut`), so
//!   loom can check that no access to a cell overlaps a conflicting one.
//! * [`Mutex::lock`] returns the guard directly (parking_lot's shape);
//!   loom's poisoning `Result` is unwrapped here.
//! * The real clock is the OS monotonic clock, or a model clock that only
//!   a model moves: see [`clock_nanos`].
//! * Sizes that loom models must keep small (the local run queue, the
//!   spin of a `_blocking` channel operation) are chosen here and nowhere
//!   else: see [`LOCAL_QUEUE_CAPACITY`] and [`BLOCKING_SPINS`].

#[cfg(loom)]
pub(crate) use loom::sync::Arc;
#[cfg(not(loom))]
pub(crate) use std::sync::Arc;

/// Atomic types and orderings.
#[allow(unused_imports)]
pub(crate) mod atomic {
    #[cfg(not(loom))]
    pub(crate) use std::sync::atomic::{
        fence, AtomicBool, AtomicPtr, AtomicU32, AtomicU64, AtomicU8, AtomicUsize, Ordering,
    };

    #[cfg(loom)]
    pub(crate) use loom::sync::atomic::{
        fence, AtomicBool, AtomicPtr, AtomicU32, AtomicU64, AtomicU8, AtomicUsize, Ordering,
    };
}

/// `thread_local!`. Under std the initialiser is evaluated at compile
/// time (`const { .. }`), so every access is a plain thread-local load with
/// no lazy-initialisation check (these sit on the channel and scheduler hot
/// paths); every initialiser must therefore be a constant expression.
/// Loom's version gives each modelled thread its own value and has no
/// `const` form, so it gets the initialiser as written.
#[cfg(not(loom))]
macro_rules! hoare_thread_local {
    ($($(#[$attr:meta])* static $name:ident: $ty:ty = $init:expr;)*) => {
        std::thread_local! { $($(#[$attr])* static $name: $ty = const { $init };)* }
    };
}
#[cfg(loom)]
macro_rules! hoare_thread_local {
    ($($(#[$attr:meta])* static $name:ident: $ty:ty = $init:expr;)*) => {
        loom::thread_local! { $($(#[$attr])* static $name: $ty = $init;)* }
    };
}
pub(crate) use hoare_thread_local as thread_local;

/// Process-wide lazily initialised statics (timer thread, id counters).
///
/// Under loom this is still `std`'s `OnceLock`: a model must not depend on
/// process-wide state, so the code paths that use one are not modelled; the
/// structures behind them are driven directly instead.
#[allow(unused_imports)]
pub(crate) use std::sync::OnceLock;

/// A process-wide counter handing out distinct numbers from 1 (channel
/// ids). A plain `std` atomic under loom too: like [`OnceLock`], it is
/// process-wide state that no model may depend on; models only rely on
/// the numbers being distinct.
pub(crate) struct ProcessCounter(std::sync::atomic::AtomicU64);

impl ProcessCounter {
    /// A counter whose first number is 1.
    pub(crate) const fn new() -> Self {
        ProcessCounter(std::sync::atomic::AtomicU64::new(1))
    }

    /// The next number. Relaxed: only distinctness matters, nothing is
    /// published with the number.
    pub(crate) fn next(&self) -> u64 {
        self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    }

    /// The next number [`ProcessCounter::next`] will give. Relaxed: a
    /// reading, publishing nothing.
    pub(crate) fn peek(&self) -> u64 {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// A process-wide value that only reports read (the coarse clock of
/// `runtime::coarse_clock`). A plain `std` atomic under loom too, like
/// [`ProcessCounter`]: no model may depend on it, and none reads it.
pub(crate) struct ProcessGauge(std::sync::atomic::AtomicU64);

impl ProcessGauge {
    /// A gauge reading `value`.
    pub(crate) const fn new(value: u64) -> Self {
        ProcessGauge(std::sync::atomic::AtomicU64::new(value))
    }

    /// The latest value set. Relaxed: a reading for reports, publishing
    /// nothing else.
    #[inline]
    pub(crate) fn get(&self) -> u64 {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Sets the value. Relaxed: as in `get`.
    #[inline]
    pub(crate) fn set(&self, value: u64) {
        self.0.store(value, std::sync::atomic::Ordering::Relaxed)
    }
}

/// A process-wide lock around a registry that dumps read (the channels
/// and OS threads waited on: `runtime::watched`). `parking_lot`'s under
/// loom too, like [`ProcessCounter`]: process-wide state that no model
/// may depend on; the paths that take it are not modelled.
pub(crate) struct ProcessLock<T>(parking_lot::Mutex<T>);

impl<T> ProcessLock<T> {
    /// A lock around `value`, usable in a `static`.
    pub(crate) const fn new(value: T) -> Self {
        ProcessLock(parking_lot::const_mutex(value))
    }

    /// Locks it.
    pub(crate) fn lock(&self) -> parking_lot::MutexGuard<'_, T> {
        self.0.lock()
    }
}

/// Nanoseconds on the monotonic clock since hoare first read it in this
/// process (the real clock of `time::Instant`).
#[cfg(not(loom))]
pub(crate) fn clock_nanos() -> u64 {
    static BASE: OnceLock<std::time::Instant> = OnceLock::new();
    let base = *BASE.get_or_init(std::time::Instant::now);
    u64::try_from(base.elapsed().as_nanos()).unwrap_or(u64::MAX)
}

#[cfg(loom)]
loom::lazy_static! {
    /// The model clock: zero at the start of each loom execution.
    static ref MODEL_CLOCK: loom::sync::atomic::AtomicU64 = loom::sync::atomic::AtomicU64::new(0);
}

/// Under loom the real clock is a model clock: it starts at zero in each
/// execution and moves only when a model calls [`advance_clock`], so what
/// a model's timers do depends on the interleaving alone, never on how
/// fast the machine runs it.
#[cfg(loom)]
pub(crate) fn clock_nanos() -> u64 {
    // SeqCst: one order of clock readings and advances across threads.
    MODEL_CLOCK.load(atomic::Ordering::SeqCst)
}

/// Moves the model clock forward by `nanos` (loom models only).
#[cfg(loom)]
pub(crate) fn advance_clock(nanos: u64) {
    // SeqCst: as in `clock_nanos`.
    MODEL_CLOCK.fetch_add(nanos, atomic::Ordering::SeqCst);
}

/// Hint that the caller is spinning; under loom, a yield so the model can
/// schedule the thread it waits for.
#[inline]
pub(crate) fn spin_loop() {
    #[cfg(not(loom))]
    std::hint::spin_loop();
    #[cfg(loom)]
    loom::thread::yield_now();
}

/// Capacity of a worker's local run queue (a power of two). Loom models
/// use a tiny one so that wrap-around and overflow are reached.
#[cfg(not(loom))]
pub(crate) const LOCAL_QUEUE_CAPACITY: usize = 256;
#[cfg(loom)]
pub(crate) const LOCAL_QUEUE_CAPACITY: usize = 4;

/// Extra tries a `_blocking` operation on a buffered channel makes before
/// it registers and parks (see `chan::spin`). Loom models keep one, so
/// the spin's hand-back of a failed try and its give-up are explored
/// without multiplying every model's interleavings.
#[cfg(not(loom))]
pub(crate) const BLOCKING_SPINS: u32 = 10;
#[cfg(loom)]
pub(crate) const BLOCKING_SPINS: u32 = 1;

/// The pause after try `round` of a `_blocking` operation (`chan::spin`):
/// doubling busy-waits for the first rounds, then a yield of the core.
/// A busy-wait ends early once `ready()` (a look at the channel without
/// its lock, checked after each pause instruction) says the next try may
/// succeed: the spinning thread then tries within a few nanoseconds of
/// the counterpart's change instead of up to 32 pauses later. `ready` is
/// only a hint: the next try decides. None under loom: it is a delay, not
/// a wait for another thread, and loom explores every order a delay could
/// let happen anyway (a yield per pause would only lengthen every model's
/// paths).
#[inline]
pub(crate) fn blocking_pause(round: u32, ready: impl Fn() -> bool) {
    #[cfg(not(loom))]
    if round < 6 {
        for _ in 0..1u32 << round {
            std::hint::spin_loop();
            if ready() {
                break;
            }
        }
    } else {
        std::thread::yield_now();
    }
    #[cfg(loom)]
    let _ = (round, ready);
}

/// A cell with loom's closure-based access API.
#[derive(Debug)]
pub(crate) struct UnsafeCell<T: ?Sized>(
    #[cfg(not(loom))] std::cell::UnsafeCell<T>,
    #[cfg(loom)] loom::cell::UnsafeCell<T>,
);

impl<T> UnsafeCell<T> {
    /// Wraps `value`.
    #[cfg(not(loom))]
    pub(crate) const fn new(value: T) -> Self {
        UnsafeCell(std::cell::UnsafeCell::new(value))
    }

    /// Wraps `value`.
    #[cfg(loom)]
    pub(crate) fn new(value: T) -> Self {
        UnsafeCell(loom::cell::UnsafeCell::new(value))
    }
}

impl<T: ?Sized> UnsafeCell<T> {
    /// Runs `f` with a shared raw pointer to the contents. The caller
    /// dereferences it only while no `with_mut` access can overlap.
    #[inline]
    pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
        #[cfg(not(loom))]
        return f(self.0.get());
        #[cfg(loom)]
        return self.0.with(f);
    }

    /// Runs `f` with a mutable raw pointer to the contents. The caller
    /// dereferences it only while it has exclusive access.
    #[inline]
    pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        #[cfg(not(loom))]
        return f(self.0.get());
        #[cfg(loom)]
        return self.0.with_mut(f);
    }
}

/// A mutual-exclusion lock (parking_lot's, or loom's).
#[derive(Debug, Default)]
pub(crate) struct Mutex<T: ?Sized>(
    #[cfg(not(loom))] parking_lot::Mutex<T>,
    #[cfg(loom)] loom::sync::Mutex<T>,
);

/// The guard of a [`Mutex`].
#[cfg(not(loom))]
pub(crate) type MutexGuard<'a, T> = parking_lot::MutexGuard<'a, T>;
/// The guard of a [`Mutex`].
#[cfg(loom)]
pub(crate) type MutexGuard<'a, T> = loom::sync::MutexGuard<'a, T>;

impl<T> Mutex<T> {
    /// A new unlocked mutex holding `value`.
    pub(crate) fn new(value: T) -> Self {
        #[cfg(not(loom))]
        return Mutex(parking_lot::Mutex::new(value));
        #[cfg(loom)]
        return Mutex(loom::sync::Mutex::new(value));
    }
}

impl<T: ?Sized> Mutex<T> {
    /// Locks, blocking the thread until the lock is free.
    #[inline]
    pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
        #[cfg(not(loom))]
        return self.0.lock();
        #[cfg(loom)]
        return self
            .0
            .lock()
            .expect("hoare: a thread panicked while holding an internal lock");
    }
}

/// How many spin hints a contended [`Mutex::lock_with_backoff`] waits,
/// at least, between two looks at the lock; each wait adds a random
/// amount up to twice this, so that two waiters do not retry in step.
/// About 1.3 to 4 µs on the 2-core VM the figures come from (a spin
/// hint costs 21 ns there; less on older cores, more on some newer).
#[cfg(not(loom))]
const LOCK_BACKOFF_PAUSES: u32 = 64;

/// How many backed-off looks a contended [`Mutex::lock_with_backoff`]
/// takes before it blocks in [`Mutex::lock`] (parking_lot's adaptive
/// spin, then a park).
#[cfg(not(loom))]
const LOCK_BACKOFF_ROUNDS: u32 = 2;

impl<T> Mutex<T> {
    /// Locks; if the lock is held, waits a randomized backoff of a few
    /// microseconds between looks before blocking in [`Self::lock`].
    ///
    /// For a lock that the threads of a runtime take in turn many times a
    /// microsecond (a busy channel's): a waiter that retries as soon as
    /// the lock is free takes it, and with it every cache line the
    /// protected state and its critical section touch, from the core that
    /// just released it, so each acquisition pays a round of cross-core
    /// misses. Backing off lets the holder's core take the lock again and
    /// again with those lines still in its cache. Measured on a 2-core VM
    /// (4 producers and 4 consumers on one `bounded(0)` channel, 2 tokio
    /// workers): 62 to 77% of acquisitions were contended and a critical
    /// section took about 430 cycles against 83 on one worker; with this
    /// backoff few acquisitions are contended and a message costs about
    /// 230 ns instead of 580.
    ///
    /// Under loom this is [`Self::lock`]: a delay, not a wait for another
    /// thread.
    #[inline]
    pub(crate) fn lock_with_backoff(&self) -> MutexGuard<'_, T> {
        #[cfg(not(loom))]
        if let Some(guard) = self.0.try_lock() {
            return guard;
        }
        self.lock_contended()
    }

    /// [`Self::lock_with_backoff`] once the lock was found held.
    #[cold]
    #[inline(never)]
    fn lock_contended(&self) -> MutexGuard<'_, T> {
        #[cfg(not(loom))]
        for _ in 0..LOCK_BACKOFF_ROUNDS {
            let pauses = LOCK_BACKOFF_PAUSES + backoff_random() % (2 * LOCK_BACKOFF_PAUSES + 1);
            for _ in 0..pauses {
                std::hint::spin_loop();
            }
            // Looked at before the compare-exchange, so that waiting does
            // not take the line from the holder.
            if !self.0.is_locked() {
                if let Some(guard) = self.0.try_lock() {
                    return guard;
                }
            }
        }
        self.lock()
    }
}

/// A cheap per-thread pseudo-random number (xorshift), for backoffs.
#[cfg(not(loom))]
fn backoff_random() -> u32 {
    std::thread_local! {
        static STATE: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
    }
    STATE.with(|state| {
        let mut x = state.get();
        if x == 0 {
            // Seeded from the cell's address: distinct per thread.
            x = (state as *const std::cell::Cell<u32> as usize as u32) | 1;
        }
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        state.set(x);
        x
    })
}

/// A condition variable paired with [`Mutex`].
#[derive(Debug, Default)]
pub(crate) struct Condvar(
    #[cfg(not(loom))] parking_lot::Condvar,
    #[cfg(loom)] loom::sync::Condvar,
);

impl Condvar {
    /// A new condition variable.
    pub(crate) fn new() -> Self {
        #[cfg(not(loom))]
        return Condvar(parking_lot::Condvar::new());
        #[cfg(loom)]
        return Condvar(loom::sync::Condvar::new());
    }

    /// Blocks until notified (spurious wake-ups possible), releasing the
    /// guard's lock meanwhile.
    #[cfg(not(loom))]
    pub(crate) fn wait<'a, T>(&self, mut guard: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
        self.0.wait(&mut guard);
        guard
    }

    /// Blocks until notified (spurious wake-ups possible), releasing the
    /// guard's lock meanwhile.
    #[cfg(loom)]
    pub(crate) fn wait<'a, T>(&self, guard: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
        self.0
            .wait(guard)
            .expect("hoare: a thread panicked while holding an internal lock")
    }

    /// Like [`Condvar::wait`], giving up after `timeout`. Loom has no time:
    /// there it waits as [`Condvar::wait`] does.
    #[cfg(not(loom))]
    pub(crate) fn wait_for<'a, T>(
        &self,
        mut guard: MutexGuard<'a, T>,
        timeout: std::time::Duration,
    ) -> MutexGuard<'a, T> {
        self.0.wait_for(&mut guard, timeout);
        guard
    }

    /// Like [`Condvar::wait`], giving up after `timeout`. Loom has no time:
    /// there it waits as [`Condvar::wait`] does.
    #[cfg(loom)]
    pub(crate) fn wait_for<'a, T>(
        &self,
        guard: MutexGuard<'a, T>,
        _timeout: std::time::Duration,
    ) -> MutexGuard<'a, T> {
        self.wait(guard)
    }

    /// Wakes one waiting thread.
    pub(crate) fn notify_one(&self) {
        self.0.notify_one();
    }
}

/// Threads: spawning is only used by the runtime and the timer thread.
#[allow(unused_imports)]
pub(crate) mod thread {
    #[cfg(loom)]
    pub(crate) use loom::thread::{current, spawn, JoinHandle};
    #[cfg(not(loom))]
    pub(crate) use std::thread::{current, spawn, Builder, JoinHandle};
}
