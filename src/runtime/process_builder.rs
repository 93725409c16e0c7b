//! [`ProcessBuilder`]: spawning a process with a name.

use std::future::Future;
use std::panic::Location;

use super::task::{JoinHandle, Origin};

/// Spawns a process with options: for now, a name. The name appears in
/// [`dump`](super::dump)s, in a simulation's deadlock reports and traces,
/// and in the `Display` of a [`JoinError`](super::JoinError) for the
/// process.
///
/// ```
/// hoare::run(async {
///     let fetcher = hoare::runtime::ProcessBuilder::new()
///         .name("fetcher")
///         .spawn(async { 7 });
///     assert_eq!(fetcher.await.unwrap(), 7);
/// });
/// ```
#[derive(Clone, Debug, Default)]
pub struct ProcessBuilder {
    name: Option<String>,
}

impl ProcessBuilder {
    /// A builder for an unnamed process (like `hoare::spawn`).
    pub fn new() -> ProcessBuilder {
        ProcessBuilder::default()
    }

    /// Names the process.
    pub fn name(mut self, name: impl Into<String>) -> ProcessBuilder {
        self.name = Some(name.into());
        self
    }

    /// Spawns `future` as a process on the current runtime or simulation,
    /// as [`hoare::spawn`](crate::spawn) does; its spawn site is the
    /// caller of this method.
    ///
    /// # Panics
    ///
    /// Outside a runtime or simulation: start one with `hoare::run` or
    /// `Runtime::block_on`.
    #[track_caller]
    pub fn spawn<F>(self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let origin = Origin::new(Location::caller(), self.name.as_deref());
        super::spawn_here("hoare::runtime::ProcessBuilder::spawn", future, origin)
    }
}
