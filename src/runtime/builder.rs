//! [`Builder`]: the knobs of a [`Runtime`].

use std::fmt;
use std::io;

use super::context;
use super::scheduler::idle::MAX_WORKERS;
use super::scheduler::worker;
use super::scheduler::Scheduler;
use super::Runtime;

/// Configures and starts a [`Runtime`].
///
/// ```
/// let runtime = hoare::Runtime::builder().workers(2).thread_name("my-worker").build().unwrap();
/// assert_eq!(runtime.block_on(async { 6 * 7 }), 42);
/// ```
#[derive(Clone, Default)]
pub struct Builder {
    workers: Option<usize>,
    thread_name: Option<String>,
    stack_size: Option<usize>,
}

impl Builder {
    /// A builder with the defaults: one worker per core
    /// (`std::thread::available_parallelism`), threads named
    /// `hoare-worker`, the platform's default stack size.
    ///
    /// ```
    /// let runtime = hoare::Builder::new().build().unwrap();
    /// assert_eq!(runtime.block_on(async { "ready" }), "ready");
    /// ```
    pub fn new() -> Builder {
        Builder::default()
    }

    /// The number of worker threads (at least one; `build` refuses 0).
    ///
    /// ```
    /// assert!(hoare::Builder::new().workers(0).build().is_err());
    /// let one = hoare::Builder::new().workers(1).build().unwrap();
    /// assert_eq!(one.block_on(async { 1 + 1 }), 2);
    /// ```
    pub fn workers(mut self, workers: usize) -> Builder {
        self.workers = Some(workers);
        self
    }

    /// The name of every worker thread.
    ///
    /// ```
    /// let runtime = hoare::Builder::new().workers(1).thread_name("csp").build().unwrap();
    /// let name = runtime.block_on(async {
    ///     hoare::spawn(async { std::thread::current().name().map(String::from) }).await.unwrap()
    /// });
    /// assert_eq!(name.as_deref(), Some("csp"));
    /// ```
    pub fn thread_name(mut self, name: impl Into<String>) -> Builder {
        self.thread_name = Some(name.into());
        self
    }

    /// The stack size of every worker thread, in bytes.
    ///
    /// ```
    /// let runtime = hoare::Builder::new().stack_size(4 << 20).build().unwrap();
    /// assert_eq!(runtime.block_on(async { 3 }), 3);
    /// ```
    pub fn stack_size(mut self, bytes: usize) -> Builder {
        self.stack_size = Some(bytes);
        self
    }

    /// Starts the worker threads.
    ///
    /// ```
    /// let runtime = hoare::Builder::new().workers(2).build().expect("threads start");
    /// let sum = runtime.block_on(async {
    ///     let a = hoare::spawn(async { 20 });
    ///     let b = hoare::spawn(async { 22 });
    ///     a.await.unwrap() + b.await.unwrap()
    /// });
    /// assert_eq!(sum, 42);
    /// ```
    ///
    /// # Errors
    ///
    /// `io::ErrorKind::InvalidInput` if `workers` is 0 (or beyond what the
    /// scheduler can count); the operating system's error if a thread
    /// cannot be started.
    ///
    /// # Panics
    ///
    /// Inside a hoare simulation, which is a closed world: spawn processes
    /// there with `hoare::spawn` instead.
    #[track_caller]
    pub fn build(self) -> io::Result<Runtime> {
        context::assert_not_in_simulation("hoare::Runtime::new (or Builder::build)");
        let workers = match self.workers {
            Some(0) => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "hoare::Runtime::builder().workers(0): a runtime needs at least one worker \
                     thread; pass workers(n) with n >= 1, or leave it unset for one per core",
                ))
            }
            Some(n) if n > MAX_WORKERS => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("hoare::Runtime::builder().workers({n}): at most {MAX_WORKERS} workers are supported"),
                ))
            }
            Some(n) => n,
            None => std::thread::available_parallelism().map_or(1, |n| n.get()).min(MAX_WORKERS),
        };
        let (shared, locals) = Scheduler::new(workers);
        let mut runtime = Runtime {
            shared,
            threads: Vec::with_capacity(workers),
        };
        for (index, local) in locals.into_iter().enumerate() {
            let shared = runtime.shared.clone();
            let body = move || worker::run(shared, index, local);
            // On failure `runtime` is dropped here, stopping the workers
            // already started.
            runtime.threads.push(self.spawn_thread(body)?);
        }
        Ok(runtime)
    }

    #[cfg(not(loom))]
    fn spawn_thread(
        &self,
        body: impl FnOnce() + Send + 'static,
    ) -> io::Result<crate::sync::thread::JoinHandle<()>> {
        let name = self
            .thread_name
            .clone()
            .unwrap_or_else(|| "hoare-worker".to_owned());
        let mut builder = crate::sync::thread::Builder::new().name(name);
        if let Some(bytes) = self.stack_size {
            builder = builder.stack_size(bytes);
        }
        builder.spawn(body)
    }

    #[cfg(loom)]
    fn spawn_thread(
        &self,
        body: impl FnOnce() + Send + 'static,
    ) -> io::Result<crate::sync::thread::JoinHandle<()>> {
        Ok(crate::sync::thread::spawn(body))
    }
}

impl fmt::Debug for Builder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("workers", &self.workers)
            .field("thread_name", &self.thread_name)
            .field("stack_size", &self.stack_size)
            .finish()
    }
}
