//! [`Builder`]: the knobs of a [`Runtime`].

use std::fmt;
use std::io;
use std::time::Duration;

use super::context;
use super::dump::Dump;
use super::scheduler::idle::MAX_WORKERS;
use super::scheduler::worker;
use super::scheduler::Scheduler;
use super::stall;
use super::Runtime;
use crate::sync::Arc;

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
    /// How long without progress makes a stall (`stall_report`).
    stall_after: Option<Duration>,
    /// What to do with a stall's dump (`on_stall`).
    on_stall: Option<stall::OnStall>,
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

    /// Reports stalls: when for `after` no process of the runtime has been
    /// polled, at least one is blocked, and no timer that would wake a
    /// blocked process is due less than `after` away (a `sleep`'s
    /// deadline, the next delivery of an `after` or `tick` channel it
    /// receives on), the runtime's [`Dump`] is written to
    /// standard error, once (again only after some process ran). A
    /// watchdog thread does the watching; it stops with the runtime. It
    /// never panics or aborts.
    ///
    /// ```
    /// use std::time::Duration;
    /// let runtime = hoare::Runtime::builder()
    ///     .stall_report(Duration::from_secs(30))
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(runtime.block_on(async { 1 }), 1);
    /// ```
    pub fn stall_report(mut self, after: Duration) -> Builder {
        self.stall_after = Some(after);
        self
    }

    /// Calls `report` with the dump of each stall instead of writing it to
    /// standard error (see [`Builder::stall_report`], which sets how long
    /// makes a stall; alone, 10 seconds). A panic in `report` is caught.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use std::sync::Arc;
    /// use std::time::Duration;
    ///
    /// let stalls = Arc::new(AtomicUsize::new(0));
    /// let seen = stalls.clone();
    /// let runtime = hoare::Runtime::builder()
    ///     .stall_report(Duration::from_millis(50))
    ///     .on_stall(move |dump| {
    ///         seen.fetch_add(dump.processes().len(), Ordering::SeqCst);
    ///     })
    ///     .build()
    ///     .unwrap();
    /// let (_tx, rx) = hoare::chan::bounded::<()>(0);
    /// runtime.spawn(async move { rx.recv().await });
    /// let start = std::time::Instant::now();
    /// while stalls.load(Ordering::SeqCst) == 0 {
    ///     assert!(start.elapsed() < Duration::from_secs(10), "no stall reported");
    ///     std::thread::sleep(Duration::from_millis(10));
    /// }
    /// assert_eq!(stalls.load(Ordering::SeqCst), 1, "one blocked process, one report");
    /// ```
    pub fn on_stall(mut self, report: impl Fn(&Dump) + Send + Sync + 'static) -> Builder {
        self.on_stall = Some(std::sync::Arc::new(report));
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
            watchdog: None,
        };
        for (index, local) in locals.into_iter().enumerate() {
            let shared = runtime.shared.clone();
            let body = move || worker::run(shared, index, local);
            // On failure `runtime` is dropped here, stopping the workers
            // already started.
            runtime.threads.push(self.spawn_thread(body)?);
        }
        runtime.watchdog = self.start_watchdog(&runtime.shared);
        Ok(runtime)
    }

    /// The stall watchdog, if a stall report was asked for. (No loom
    /// model asks: the watchdog is a plain thread.)
    fn start_watchdog(&self, shared: &Arc<Scheduler>) -> Option<stall::Watchdog> {
        let (after, report) = match (self.stall_after, &self.on_stall) {
            (None, None) => return None,
            (after, Some(report)) => (after.unwrap_or(stall::DEFAULT_STALL), report.clone()),
            (Some(after), None) => (after, stall::report_to_stderr(after)),
        };
        stall::Watchdog::start(shared.clone(), after, report)
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
            .field("stall_after", &self.stall_after)
            .field("on_stall", &self.on_stall.is_some())
            .finish()
    }
}
