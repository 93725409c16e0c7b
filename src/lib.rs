//! # hoare
//!
//! CSP-style concurrency for Rust, in the line of Hoare's *Communicating
//! Sequential Processes*, occam's `ALT` and Go's goroutines: lightweight
//! **processes** that share nothing and talk over **typed channels**, a
//! **fair `select!`**, a **work-stealing scheduler**, and a
//! **deterministic simulation** that replays any run from its seed.
//!
//! **Pick hoare** over tokio's channels, crossbeam-channel or flume for CSP: rendezvous and MPMC
//! channels, a fair exactly-once `select!` with send arms, async and threads on one channel, replay.
//! **Don't** if tokio's mpsc inside tokio is all you need, or only thread-to-thread speed counts.
//!
//! # Quick start
//!
//! ```
//! use hoare::chan;
//! use std::time::Duration;
//!
//! let total = hoare::run(async {
//!     let (jobs_tx, jobs) = chan::bounded::<u64>(16);
//!     let (results_tx, results) = chan::unbounded::<u64>();
//!     // A pool of three worker processes.
//!     for _ in 0..3 {
//!         let (jobs, results_tx) = (jobs.clone(), results_tx.clone());
//!         hoare::spawn(async move {
//!             while let Ok(n) = jobs.recv().await {
//!                 results_tx.send(n * n).await.unwrap();
//!             }
//!         });
//!     }
//!     drop(results_tx);
//!     for n in 1..=10 {
//!         jobs_tx.send(n).await.unwrap();
//!     }
//!     jobs_tx.close(); // the workers drain the queue, then stop
//!     let mut total = 0;
//!     loop {
//!         hoare::select! {
//!             recv(results) -> square => match square {
//!                 Ok(square) => total += square,
//!                 Err(_) => break, // every worker is done
//!             },
//!             recv(hoare::time::after(Duration::from_secs(10))) -> _ => panic!("stuck"),
//!         }
//!     }
//!     total
//! });
//! assert_eq!(total, 385);
//! ```
//!
//! # Map of the crate
//!
//! | Module | What it holds |
//! |---|---|
//! | [`chan`] | [`bounded`](chan::bounded) (`0` = rendezvous) and [`unbounded`](chan::unbounded) MPMC channels; async, `try_` and `_blocking` forms; errors |
//! | [`select!`] / [`select`](mod@select) | the fair `select!` over send and receive arms with guards, `default` and `biased;`; the dynamic [`Select`] for run-time sets |
//! | [`runtime`] | [`Runtime`], [`Builder`], [`run`], [`spawn`], [`JoinHandle`], [`par`], [`yield_now`]; [`block_on`] for one future on an OS thread; [`spawn_blocking`] for blocking code |
//! | [`time`] | [`sleep`](time::sleep), [`timeout`](time::timeout), and the channels [`after`](time::after) and [`tick`](time::tick), usable as select arms |
//! | [`sim`] | the deterministic simulation: seeded schedules, virtual time, deadlock reports, [`check`](sim::check) over many seeds, PCT |
//!
//! Channels, `select!` and timers need no runtime: they work in hoare
//! processes, in tokio (or any executor's) tasks, in [`block_on`], and on
//! OS threads through the `_blocking` methods, all mixed on one channel.
//!
//! # Coming from Go
//!
//! | Go | hoare |
//! |---|---|
//! | `go f()` | `hoare::spawn(f())` (inside [`run`]) |
//! | `make(chan T)` | `chan::bounded::<T>(0)` (rendezvous) |
//! | `make(chan T, n)` | `chan::bounded::<T>(n)` |
//! | a goroutine feeding an unbounded slice | `chan::unbounded::<T>()` |
//! | `ch <- v`, `v, ok := <-ch` | `tx.send(v).await`, `rx.recv().await` (`Err` once closed and drained) |
//! | `close(ch)` | `tx.close()`, or drop every `Sender` |
//! | `for v := range ch` | `while let Ok(v) = rx.recv().await`, or `rx.iter()` on a thread |
//! | `select { case v := <-a: .. case b <- x: .. default: .. }` | `select! { recv(a) -> v => .., send(b, x) -> _ => .., default => .. }` |
//! | a `nil` channel to disable a case | a guard: `recv(a) -> v if enabled => ..` |
//! | `time.After(d)`, `time.NewTicker(d)` | [`time::after(d)`](time::after), [`time::tick(d)`](time::tick) |
//! | `time.Sleep(d)` | `time::sleep(d).await` |
//! | `select` with `time.After` around a send, on a thread | [`send_timeout`](chan::Sender::send_timeout), [`recv_timeout`](chan::Receiver::recv_timeout) |
//! | `sync.WaitGroup` | [`par`] (results in order, first failure aborts the rest), or awaiting each [`JoinHandle`] |
//! | `runtime.Gosched()` | [`yield_now().await`](yield_now) |
//! | `fatal error: all goroutines are asleep - deadlock!` | [`sim::SimError::Deadlock`], listing each blocked process and what it waits on |
//!
//! # Coming from tokio
//!
//! | tokio | hoare |
//! |---|---|
//! | `#[tokio::main]`, `Runtime::block_on` | [`hoare::run`](run), [`Runtime::block_on`] |
//! | `tokio::spawn`, `JoinHandle`, `abort` | [`hoare::spawn`](spawn), [`JoinHandle`], [`JoinHandle::abort`] |
//! | `tokio::sync::mpsc::channel(n)` | `chan::bounded(n)`; also MPMC (`Receiver: Clone`) and `n = 0` rendezvous |
//! | `mpsc::unbounded_channel()` | `chan::unbounded()` |
//! | `oneshot` | `chan::bounded(1)` used once |
//! | `tokio::select!` (futures, random branch order) | `hoare::select!` over channel operations: exactly one happens, nothing is lost in the arms not chosen |
//! | `JoinSet` | [`par`] for a fixed group, or a `Vec<JoinHandle>` |
//! | `tokio::time::{sleep, timeout, interval}` | [`time::sleep`], [`time::timeout`](fn@time::timeout), [`time::tick`] (a channel) |
//! | `blocking_send` / `blocking_recv` | [`send_blocking`](chan::Sender::send_blocking) / [`recv_blocking`](chan::Receiver::recv_blocking) |
//! | `recv_many`, `Sender::closed`, `WeakSender` | [`recv_many`](chan::Receiver::recv_many), [`closed`](chan::Sender::closed), [`WeakSender`](chan::WeakSender) |
//! | `tokio::task::spawn_blocking` | [`spawn_blocking`] |
//! | `tokio::task::yield_now` | [`yield_now`] |
//! | loom for tests, `turmoil` for simulation | [`sim::Builder`] and [`sim::check`] replay any schedule from its seed |
//!
//! hoare's channels and `select!` also run inside a tokio application
//! unchanged (see `examples/tokio_interop.rs`).
//!
//! # Guarantees
//!
//! Every message sent successfully is received exactly once or dropped
//! exactly once, also when futures or selects are dropped mid-wait. A
//! `select!` performs exactly one operation, chooses uniformly among ready
//! arms, and takes `default` only when no arm was ready at some instant.
//! The lock-free parts are model-checked with loom (`loom-tests/`), and a
//! simulation run is a function of its seed.
#![deny(missing_docs)]
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(clippy::undocumented_unsafe_blocks)]
// loom's `thread_local!` has no `const { .. }` initialiser form, and the
// facade gives both builds one spelling.
#![allow(clippy::missing_const_for_thread_local)]

mod sync;

/// Internals driven by the loom models in `loom-tests/`; not public API.
#[cfg(loom)]
#[doc(hidden)]
pub mod __loom;

pub mod chan;
pub mod runtime;
pub mod select;
pub mod sim;
pub mod time;

/// The README's Rust examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

pub use runtime::{
    block_on, par, run, spawn, spawn_blocking, yield_now, Builder, JoinError, JoinHandle, Runtime,
};
pub use select::Select;

/// Asserts that `cond` holds in every run: `assert_always!(cond, "name")`,
/// or with format arguments after the name, which is then the format
/// string (the name stays the key; the arguments only add to the message).
///
/// Inside a simulation a false condition fails the run with
/// [`sim::SimError::Assertion`], also when the panic it raises to stop the
/// process is caught or awaited through a `JoinHandle`. Outside a
/// simulation it behaves like `debug_assert!`.
///
/// ```
/// use hoare::sim::{Builder, SimError};
///
/// let balance = 10;
/// hoare::assert_always!(balance >= 0, "balance is never negative");
///
/// let error = Builder::new()
///     .try_run(async {
///         let child = hoare::spawn(async {
///             let paid = 3;
///             hoare::assert_always!(paid <= 2, "paid at most twice, paid {}", paid);
///         });
///         let _ = child.await; // a JoinError here; the run fails all the same
///     })
///     .unwrap_err();
/// assert!(matches!(error, SimError::Assertion { .. }));
/// assert!(error.to_string().contains("paid at most twice, paid 3"));
/// ```
#[macro_export]
macro_rules! assert_always {
    ($cond:expr, $name:literal $(,)?) => {
        $crate::sim::__private::always(
            $cond,
            $name,
            ::core::option::Option::None,
            ::core::cfg!(debug_assertions),
        )
    };
    ($cond:expr, $name:literal, $($arg:tt)+) => {
        $crate::sim::__private::always(
            $cond,
            $name,
            ::core::option::Option::Some(::core::format_args!($name, $($arg)+)),
            ::core::cfg!(debug_assertions),
        )
    };
}

/// Asserts that `cond` holds in at least one run of a
/// [`sim::check`](crate::sim::check) or [`sim::explore`](crate::sim::explore):
/// `assert_sometimes!(cond, "name")`.
///
/// Over all the runs of one `check`/`explore` call, an assertion that was
/// executed but never held fails the call, naming it; `check` prints how
/// often each one held. In a single run (`Builder::run`) and outside a
/// simulation it does nothing.
///
/// ```
/// hoare::sim::check(|| async {
///     let (tx, rx) = hoare::chan::bounded(1);
///     hoare::spawn(async move { tx.send(1).await.unwrap() });
///     hoare::yield_now().await;
///     let early = rx.try_recv().is_ok();
///     hoare::assert_sometimes!(early, "the value was there before we looked");
///     hoare::assert_sometimes!(!early, "we looked before the value was there");
/// });
/// ```
#[macro_export]
macro_rules! assert_sometimes {
    ($cond:expr, $name:literal $(,)?) => {
        $crate::sim::__private::sometimes($cond, $name)
    };
    ($cond:expr, $name:literal, $($arg:tt)+) => {{
        let _ = ::core::format_args!($name, $($arg)+);
        $crate::sim::__private::sometimes($cond, $name)
    }};
}

/// Asserts that this point is never reached: `assert_unreachable!("name")`,
/// or with format arguments after the name.
///
/// Inside a simulation reaching it fails the run with
/// [`sim::SimError::Assertion`]; outside, it behaves like a
/// `debug_assert!(false)`.
///
/// ```
/// let error = hoare::sim::Builder::new()
///     .try_run(async {
///         let (tx, rx) = hoare::chan::bounded::<u8>(1);
///         drop(tx);
///         if rx.recv().await.is_ok() {
///             hoare::assert_unreachable!("a value from a dropped sender");
///         }
///         hoare::assert_unreachable!("the end of the program");
///     })
///     .unwrap_err();
/// assert!(error.to_string().contains("the end of the program"));
/// ```
#[macro_export]
macro_rules! assert_unreachable {
    ($name:literal $(,)?) => {
        $crate::sim::__private::unreachable(
            $name,
            ::core::option::Option::None,
            ::core::cfg!(debug_assertions),
        )
    };
    ($name:literal, $($arg:tt)+) => {
        $crate::sim::__private::unreachable(
            $name,
            ::core::option::Option::Some(::core::format_args!($name, $($arg)+)),
            ::core::cfg!(debug_assertions),
        )
    };
}

/// Fault injection: `true` now and then inside a simulation, never
/// outside, so rare paths (a lost message, a slow reply) get exercised.
///
/// A call site is the macro's `file:line:column`. In a seeded run each site
/// is enabled for the run with probability 1/2, decided at its first draw,
/// and an enabled site returns `true` with probability 1/4 per call; the
/// same seed gives the same answers. Under `explore` both are choices whose
/// default is `false`.
///
/// ```
/// assert!(!hoare::buggify!()); // outside a simulation
/// let fired = (0..20u64)
///     .filter(|&seed| {
///         hoare::sim::Builder::new()
///             .seed(seed)
///             .run(async { (0..8).any(|_| hoare::buggify!()) })
///     })
///     .count();
/// assert!(fired > 0 && fired < 20);
/// ```
#[macro_export]
macro_rules! buggify {
    () => {
        $crate::sim::__private::buggify(::core::file!(), ::core::line!(), ::core::column!())
    };
}
