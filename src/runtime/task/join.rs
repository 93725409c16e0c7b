//! [`JoinHandle`]: the owner's view of a spawned process, and [`JoinError`].
//!
//! The handle owns one reference to the task block. Awaiting it reads the
//! output once the process is complete; until then it parks its waker in
//! the block's join-waker slot under the `JOIN_WAKER` protocol of
//! `state.rs` (the handle writes the slot only while the bit is clear, the
//! completing thread reads it only while the bit is set). Dropping the
//! handle detaches the process.

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::ptr::NonNull;
use std::task::{Context, Poll, Waker};

use super::raw::Header;
use super::waker::CompactWaker;
use super::Notified;
use super::Owner;
use crate::runtime::hooks;
use crate::runtime::wait::Wait;

/// An owned permission to await a spawned process's result.
///
/// Awaiting gives `Ok(output)`, or a [`JoinError`] if the process panicked
/// or was cancelled (by [`JoinHandle::abort`], or because its runtime was
/// dropped). Dropping the handle detaches the process: it runs on, and its
/// output is dropped when it finishes.
///
/// ```
/// hoare::run(async {
///     let handle = hoare::spawn(async { "output" });
///     assert_eq!(handle.await.unwrap(), "output");
///
///     let failing = hoare::spawn(async { panic!("boom") });
///     assert!(failing.await.unwrap_err().is_panic());
/// });
/// ```
pub struct JoinHandle<T> {
    header: NonNull<Header>,
    _output: PhantomData<T>,
}

// SAFETY: the handle may move to another thread with its output type: it
// reads the output (a `T: Send`) once, on whatever thread awaits it.
unsafe impl<T: Send> Send for JoinHandle<T> {}
// SAFETY: the only `&self` operations (`abort`, `is_finished`, `Debug`) are
// atomic transitions of the state word; the output is only reached
// through `&mut self` (poll) or by value (drop).
unsafe impl<T: Send> Sync for JoinHandle<T> {}

impl<T> Unpin for JoinHandle<T> {}

impl<T> JoinHandle<T> {
    /// Takes over the `JoinHandle` reference of a new block.
    ///
    /// # Safety
    ///
    /// `header` is a live block whose future's output is `T`, and this is
    /// its one join reference (`JOIN_INTEREST` set for it).
    pub(crate) unsafe fn from_raw(header: NonNull<Header>) -> Self {
        JoinHandle {
            header,
            _output: PhantomData,
        }
    }

    fn header(&self) -> &Header {
        // SAFETY: our reference keeps the block alive.
        unsafe { self.header.as_ref() }
    }

    /// Cancels the process at its next yield (its next `Pending`). If it
    /// already finished, nothing happens and awaiting the handle still
    /// gives `Ok`. A cancelled process's future is dropped on a worker.
    ///
    /// ```
    /// hoare::run(async {
    ///     let (_tx, rx) = hoare::chan::bounded::<()>(0);
    ///     let stuck = hoare::spawn(async move { rx.recv().await });
    ///     stuck.abort();
    ///     assert!(stuck.await.unwrap_err().is_cancelled());
    /// });
    /// ```
    pub fn abort(&self) {
        hooks::touch(hooks::Touched::Join(self.header().id));
        if self.header().state.transition_to_notified_and_cancel() {
            // SAFETY: the transition counted a Notified reference for us.
            let task = unsafe { Notified::from_raw(self.header) };
            Owner::schedule(task, false);
        }
    }

    /// Whether the process has finished (completed, panicked or been
    /// cancelled); awaiting the handle then returns at once.
    ///
    /// ```
    /// hoare::run(async {
    ///     let (tx, rx) = hoare::chan::bounded::<()>(0);
    ///     let waiting = hoare::spawn(async move { rx.recv().await });
    ///     assert!(!waiting.is_finished());
    ///     drop(tx); // closes the channel: the process's recv fails and it ends
    ///     assert!(waiting.await.unwrap().is_err());
    /// });
    /// ```
    pub fn is_finished(&self) -> bool {
        hooks::touch(hooks::Touched::Join(self.header().id));
        self.header().state.load().is_complete()
    }

    /// The process's number (`p<id>` in reports).
    pub(crate) fn id(&self) -> u64 {
        self.header().id
    }

    /// Leaves `waker` to be woken when the process completes, without
    /// taking the output (a `join` arm of `select!` waits this way);
    /// `false` if it has completed already. `&mut self`: the handle is the
    /// one writer of the join-waker slot.
    pub(crate) fn wake_on_completion(&mut self, waker: &Waker) -> bool {
        !can_read_output(self.header(), waker)
    }

    /// Takes back a waker left by [`JoinHandle::wake_on_completion`] or by
    /// a poll, unless the process completed meanwhile (then the completing
    /// thread wakes and releases it).
    pub(crate) fn forget_waker(&mut self) {
        let header = self.header();
        let snapshot = header.state.load();
        if snapshot.is_complete() || !snapshot.is_join_waker_set() {
            return;
        }
        if header.state.unset_join_waker().is_ok() {
            // SAFETY: JOIN_WAKER is clear and the process is not complete,
            // so the JoinHandle (us) owns the slot.
            header.join_waker.with_mut(|slot| unsafe { *slot = None });
        }
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        hooks::touch(hooks::Touched::Join(self.header().id));
        let mut output: Poll<Result<T, JoinError>> = Poll::Pending;
        let header = self.header;
        // SAFETY: the block's output type is `T` (`from_raw`), `output` has
        // the type `try_read_output` writes, and we are the JoinHandle.
        unsafe {
            (header.as_ref().vtable.try_read_output)(
                header,
                &mut output as *mut Poll<Result<T, JoinError>> as *mut (),
                cx.waker(),
            );
        }
        let header = self.header();
        match &output {
            Poll::Ready(Err(error)) if error.is_panic() => {
                if let Some(supervisor) = header.owner.supervisor() {
                    supervisor.on_panic_observed(header.id);
                }
            }
            Poll::Pending => {
                let process = header.id;
                hooks::note_waiting(cx.waker(), || [Wait::Join { process }]);
            }
            Poll::Ready(_) => {}
        }
        output
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        hooks::touch(hooks::Touched::Join(self.header().id));
        if let Some(supervisor) = self.header().owner.supervisor() {
            supervisor.on_join_dropped(self.header().id);
        }
        // SAFETY: we are the JoinHandle and give up its reference.
        unsafe { (self.header().vtable.drop_join_handle)(self.header) }
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("id", &self.header().id)
            .field("finished", &self.is_finished())
            .finish()
    }
}

/// Whether the JoinHandle (the caller) may take the output now. If not,
/// `waker` is left in the join-waker slot to be woken on completion.
pub(crate) fn can_read_output(header: &Header, waker: &Waker) -> bool {
    let snapshot = header.state.load();
    if snapshot.is_complete() {
        return true;
    }
    let stored = if !snapshot.is_join_waker_set() {
        store_join_waker(header, waker)
    } else {
        let same = header.join_waker.with(|slot| {
            // SAFETY: JOIN_WAKER is set, so nobody writes the slot; reading
            // it while the completing thread also reads it is fine.
            unsafe { &*slot }
                .as_ref()
                .is_some_and(|w| w.will_wake(waker))
        });
        if same {
            return false;
        }
        match header.state.unset_join_waker() {
            Ok(_) => store_join_waker(header, waker),
            Err(_) => false,
        }
    };
    if stored {
        return false;
    }
    debug_assert!(header.state.load().is_complete());
    true
}

/// Writes `waker` into the slot and publishes it with `JOIN_WAKER`.
/// Returns whether it was stored (false: the process completed first).
fn store_join_waker(header: &Header, waker: &Waker) -> bool {
    // SAFETY: JOIN_WAKER is clear and the process is not complete, so the
    // JoinHandle (us) owns the slot.
    header
        .join_waker
        .with_mut(|slot| unsafe { *slot = Some(CompactWaker::new(waker)) });
    match header.state.set_join_waker() {
        Ok(_) => true,
        Err(_) => {
            // SAFETY: completed before we published: the slot is still ours.
            header.join_waker.with_mut(|slot| unsafe { *slot = None });
            false
        }
    }
}

/// Why a process gave no output: it panicked, or it was cancelled.
///
/// ```
/// hoare::run(async {
///     let err = hoare::spawn(async { panic!("out of cheese") }).await.unwrap_err();
///     assert!(err.is_panic() && !err.is_cancelled());
///     assert_eq!(err.into_panic().downcast_ref::<&str>(), Some(&"out of cheese"));
/// });
/// ```
pub struct JoinError {
    id: u64,
    /// The process's name, if it was spawned with one.
    name: Option<Box<str>>,
    repr: Repr,
}

enum Repr {
    Cancelled,
    Panic {
        payload: SyncPayload,
        message: Option<String>,
    },
}

/// A panic payload that is `Sync` because nothing can reach it through a
/// shared reference: it is only ever moved out (`into_panic`).
struct SyncPayload(Box<dyn Any + Send + 'static>);

// SAFETY: `SyncPayload` has no `&self` method and its field is private;
// the payload is only accessed by value, so sharing `&SyncPayload` between
// threads gives no access to the (possibly `!Sync`) payload.
unsafe impl Sync for SyncPayload {}

impl JoinError {
    pub(crate) fn cancelled(header: &Header) -> JoinError {
        JoinError {
            id: header.id,
            name: header.origin.name().map(Box::from),
            repr: Repr::Cancelled,
        }
    }

    pub(crate) fn panic(header: &Header, payload: Box<dyn Any + Send + 'static>) -> JoinError {
        let message = if let Some(text) = payload.downcast_ref::<&'static str>() {
            Some((*text).to_owned())
        } else {
            payload.downcast_ref::<String>().cloned()
        };
        JoinError {
            id: header.id,
            name: header.origin.name().map(Box::from),
            repr: Repr::Panic {
                payload: SyncPayload(payload),
                message,
            },
        }
    }

    /// The panic's message, if it was a panic (for simulation reports).
    pub(crate) fn panic_message(&self) -> Option<String> {
        match &self.repr {
            Repr::Panic { message, .. } => Some(
                message
                    .clone()
                    .unwrap_or_else(|| "a panic with a non-string payload".to_string()),
            ),
            Repr::Cancelled => None,
        }
    }

    /// Whether the process panicked.
    ///
    /// ```
    /// let err = hoare::run(async { hoare::spawn(async { panic!() }).await.unwrap_err() });
    /// assert!(err.is_panic());
    /// ```
    pub fn is_panic(&self) -> bool {
        matches!(self.repr, Repr::Panic { .. })
    }

    /// Whether the process was cancelled (aborted, or its runtime dropped).
    ///
    /// ```
    /// let runtime = hoare::Runtime::new().unwrap();
    /// let (_tx, rx) = hoare::chan::bounded::<()>(0);
    /// let handle = runtime.spawn(async move { rx.recv().await });
    /// drop(runtime); // cancels the blocked process
    /// assert!(hoare::block_on(handle).unwrap_err().is_cancelled());
    /// ```
    pub fn is_cancelled(&self) -> bool {
        matches!(self.repr, Repr::Cancelled)
    }

    /// The panic payload, for `std::panic::resume_unwind`.
    ///
    /// # Panics
    ///
    /// If the process was cancelled rather than panicking: check
    /// [`JoinError::is_panic`] first.
    ///
    /// ```
    /// let err = hoare::run(async { hoare::spawn(async { panic!("{}", 7) }).await.unwrap_err() });
    /// let payload = err.into_panic();
    /// assert_eq!(payload.downcast_ref::<String>().map(String::as_str), Some("7"));
    /// ```
    #[track_caller]
    pub fn into_panic(self) -> Box<dyn Any + Send + 'static> {
        match self.repr {
            Repr::Panic { payload, .. } => payload.0,
            Repr::Cancelled => panic!(
                "JoinError::into_panic called on a cancelled process (id {}): \
                 check JoinError::is_panic first",
                self.id
            ),
        }
    }
}

/// How a `JoinError` names its process: `process 3`, or `process 3
/// "fetcher"` for a named one.
struct Process<'a>(&'a JoinError);

impl fmt::Display for Process<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0.name {
            Some(name) => write!(f, "process {} {name:?}", self.0.id),
            None => write!(f, "process {}", self.0.id),
        }
    }
}

/// `process 3 was cancelled`, `process 3 "fetcher" panicked: boom`.
///
/// ```
/// hoare::run(async {
///     let named = hoare::runtime::ProcessBuilder::new().name("fetcher");
///     let err = named.spawn(async { panic!("boom") }).await.unwrap_err();
///     assert!(err.to_string().ends_with(r#""fetcher" panicked: boom"#), "{err}");
/// });
/// ```
impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let process = Process(self);
        match &self.repr {
            Repr::Cancelled => write!(f, "{process} was cancelled"),
            Repr::Panic {
                message: Some(message),
                ..
            } => write!(f, "{process} panicked: {message}"),
            Repr::Panic { message: None, .. } => write!(f, "{process} panicked"),
        }
    }
}

impl fmt::Debug for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.repr {
            Repr::Cancelled => write!(f, "JoinError::Cancelled({})", Process(self)),
            Repr::Panic { message, .. } => {
                write!(
                    f,
                    "JoinError::Panic({}, {:?})",
                    Process(self),
                    message.as_deref().unwrap_or("...")
                )
            }
        }
    }
}

impl std::error::Error for JoinError {}
