//! # hoare
//!
//! CSP-style concurrency for Rust, in the line of Hoare's *Communicating
//! Sequential Processes*, occam's `ALT` and Go's goroutines: lightweight
//! **processes** that share nothing and talk over **typed channels**, a
//! **fair `select!`**, a **work-stealing scheduler**, and a
//! **deterministic simulation** that replays any run from its seed.
//!
//! ```
//! use hoare::chan;
//!
//! let (tx, rx) = chan::bounded::<u32>(1);
//! hoare::block_on(async move {
//!     tx.send(7).await.unwrap();
//!     assert_eq!(rx.recv().await, Ok(7));
//! });
//! ```
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

pub use runtime::{block_on, par, run, spawn, yield_now, Builder, JoinError, JoinHandle, Runtime};
pub use select::Select;
