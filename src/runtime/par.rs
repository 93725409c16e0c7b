//! `hoare::par`: occam's `PAR`, run processes in parallel and wait for all.
//!
//! Each future is spawned as its own process (on the first poll of the
//! `par` future, on the runtime of the thread polling it). The results
//! come back in input order. On the first failure (a panic, or a process
//! cancelled from elsewhere), the others are aborted, and `par` returns
//! the error once all of them are finished, so nothing of the group is
//! still running when it returns. Dropping the `par` future aborts every
//! process still running.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::task::{JoinError, JoinHandle};

/// Nothing starts until the returned future is awaited: then it runs every
/// future of `futures` as a process, in parallel, and returns all their
/// outputs in input order, or the first failure.
///
/// `Ok(vec![])` for no futures. On a failure the other processes are
/// aborted and `par` returns once they are finished. Dropping the
/// returned future aborts them all.
///
/// ```
/// let squares = hoare::run(hoare::par((1..=4u64).map(|n| async move { n * n })));
/// assert_eq!(squares.unwrap(), vec![1, 4, 9, 16]);
/// ```
///
/// # Panics
///
/// When first polled outside a hoare runtime (it spawns its processes
/// with `hoare::spawn`).
pub fn par<I, F>(futures: I) -> impl Future<Output = Result<Vec<F::Output>, JoinError>> + Send
where
    I: IntoIterator<Item = F>,
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let futures: Vec<F> = futures.into_iter().collect();
    async move {
        let handles: Vec<Option<JoinHandle<F::Output>>> = futures
            .into_iter()
            .map(|future| Some(super::spawn(future)))
            .collect();
        let results = handles.iter().map(|_| None).collect();
        let pending = handles.len();
        Par {
            handles,
            results,
            pending,
            failure: None,
        }
        .await
    }
}

/// Waits for a group of processes; aborts the rest when dropped.
struct Par<T> {
    /// `None` once the process's result was taken.
    handles: Vec<Option<JoinHandle<T>>>,
    results: Vec<Option<T>>,
    /// Handles not yet finished.
    pending: usize,
    /// The first failure; the group is being wound down.
    failure: Option<JoinError>,
}

// `Par` never pins its outputs; they are only moved out by value.
impl<T> Unpin for Par<T> {}

impl<T> Par<T> {
    fn abort_all(&self) {
        for handle in self.handles.iter().flatten() {
            handle.abort();
        }
    }
}

impl<T> Future for Par<T> {
    type Output = Result<Vec<T>, JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        for index in 0..this.handles.len() {
            let Some(handle) = &mut this.handles[index] else {
                continue;
            };
            let Poll::Ready(result) = Pin::new(handle).poll(cx) else {
                continue;
            };
            this.handles[index] = None;
            this.pending -= 1;
            match result {
                Ok(value) if this.failure.is_none() => this.results[index] = Some(value),
                Ok(_) => {}
                Err(error) => {
                    if this.failure.is_none() {
                        this.failure = Some(error);
                        this.abort_all();
                    }
                }
            }
        }
        if this.pending > 0 {
            return Poll::Pending;
        }
        Poll::Ready(match this.failure.take() {
            Some(error) => Err(error),
            None => Ok(this
                .results
                .drain(..)
                .map(|value| value.expect("every process finished"))
                .collect()),
        })
    }
}

impl<T> Drop for Par<T> {
    fn drop(&mut self) {
        self.abort_all();
    }
}
