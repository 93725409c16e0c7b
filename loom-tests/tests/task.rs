//! Loom models of the task harness: the state word, wakers, `JoinHandle`
//! and abort.
//!
//! The model is the worker: a `Scheduler` without worker threads queues
//! every spawn and every wake on its injection queue, and the model's main
//! thread pops and runs them. Wakes, aborts and `JoinHandle` drops come
//! from other loom threads, some spawned from inside a poll so they race
//! the poll itself.
#![cfg(loom)]

use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use hoare::__loom::Scheduler;
use hoare::JoinHandle;
use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::sync::{Arc, Mutex};
use loom::thread;
use loom_tests::DropCounter;

/// Threads spawned from inside a poll, joined by the model afterwards.
#[derive(Clone, Default)]
struct Spawned(Arc<Mutex<Vec<thread::JoinHandle<()>>>>);

impl Spawned {
    fn spawn(&self, body: impl FnOnce() + Send + 'static) {
        self.0.lock().unwrap().push(thread::spawn(body));
    }

    fn join_all(&self) {
        let threads = std::mem::take(&mut *self.0.lock().unwrap());
        for thread in threads {
            thread.join().unwrap();
        }
    }
}

/// The handle's result, if the process has finished.
fn try_join<T>(handle: &mut JoinHandle<T>) -> Option<Result<T, hoare::JoinError>> {
    match Pin::new(handle).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(result) => Some(result),
        Poll::Pending => None,
    }
}

/// A wake from another thread while the process is being polled (or just
/// after) makes it run again: it is polled exactly twice and completes.
///
/// Shown able to fail: making `transition_to_idle` ignore `NOTIFIED`
/// (treat a wake during the poll as if none came) loses the wake-up; the
/// process is never polled again and the model's assertion fails.
#[test]
fn wake_during_poll_runs_the_process_again() {
    loom::model(|| {
        let scheduler = Scheduler::new();
        let spawned = Spawned::default();
        let polls = Arc::new(AtomicUsize::new(0));
        let mut handle = scheduler.spawn({
            let (spawned, polls) = (spawned.clone(), polls.clone());
            poll_fn(move |cx| {
                if polls.fetch_add(1, Ordering::SeqCst) == 0 {
                    let waker = cx.waker().clone();
                    spawned.spawn(move || waker.wake());
                    return Poll::Pending;
                }
                Poll::Ready(())
            })
        });
        scheduler.run_until_idle();
        spawned.join_all();
        scheduler.run_until_idle();
        assert_eq!(polls.load(Ordering::SeqCst), 2);
        assert!(matches!(try_join(&mut handle), Some(Ok(()))));
    });
}

/// A wake racing the process's completion does nothing: the process is
/// not polled again, its future is dropped exactly once, and its result
/// is the one it returned.
///
/// Shown able to fail: completion is guarded twice, so it takes two
/// changes: letting `transition_to_notified_by_val` queue a complete
/// process (dropping `is_complete()` from its "do nothing" branch) *and*
/// letting `transition_to_running` run one gets the finished process
/// polled again, through a stage that then holds its output, not a
/// future (the stage has no tag to check: `raw.rs`, `Stage`). Either
/// change alone is absorbed by the other check, so this is the one model
/// without an entry in `mutations.toml` (whose entries are one-line
/// changes).
#[test]
fn wake_after_completion_is_ignored() {
    loom::model(|| {
        let scheduler = Scheduler::new();
        let spawned = Spawned::default();
        let polls = Arc::new(AtomicUsize::new(0));
        let future_drops = DropCounter::new();
        let mut handle = scheduler.spawn({
            let (spawned, polls) = (spawned.clone(), polls.clone());
            let guard = future_drops.value();
            poll_fn(move |cx| {
                let _keep = &guard;
                polls.fetch_add(1, Ordering::SeqCst);
                let waker = cx.waker().clone();
                spawned.spawn(move || waker.wake());
                Poll::Ready(5)
            })
        });
        scheduler.run_until_idle();
        spawned.join_all();
        scheduler.run_until_idle();
        assert_eq!(polls.load(Ordering::SeqCst), 1);
        assert_eq!(future_drops.drops(), 1);
        assert!(matches!(try_join(&mut handle), Some(Ok(5))));
        assert!(scheduler.pop().is_none());
    });
}

/// Two wakes from two threads (one by reference, one by value), racing
/// each other and the poll, queue the process once: it is polled exactly
/// twice and nothing is left queued.
///
/// Shown able to fail: making `transition_to_notified_by_ref` queue the
/// process even when `NOTIFIED` is already set counts a second `Notified`
/// reference; the process is queued twice (loom: the model's assertion).
#[test]
fn concurrent_wakes_queue_the_process_once() {
    loom_tests::model_with_bound(2, || {
        let scheduler = Scheduler::new();
        let spawned = Spawned::default();
        let polls = Arc::new(AtomicUsize::new(0));
        let mut handle = scheduler.spawn({
            let (spawned, polls) = (spawned.clone(), polls.clone());
            poll_fn(move |cx| {
                if polls.fetch_add(1, Ordering::SeqCst) == 0 {
                    let by_ref = cx.waker().clone();
                    spawned.spawn(move || by_ref.wake_by_ref());
                    let by_val = cx.waker().clone();
                    spawned.spawn(move || by_val.wake());
                    return Poll::Pending;
                }
                Poll::Ready(())
            })
        });
        scheduler.run_until_idle();
        spawned.join_all();
        let later_runs = scheduler.run_until_idle();
        assert!(later_runs <= 1, "the process was queued {later_runs} times");
        assert_eq!(polls.load(Ordering::SeqCst), 2);
        assert!(matches!(try_join(&mut handle), Some(Ok(()))));
    });
}

/// Dropping the `JoinHandle` on another thread while the process completes:
/// the output is dropped exactly once, by the handle's drop or by the
/// completing thread, never both, and never concurrently.
///
/// Shown able to fail: making `drop_join_handle` decide whether the
/// output is its own from a fresh `state.load()` instead of the snapshot
/// its transition returned lets both sides touch the stage; loom reports
/// a concurrent access to the stage's `UnsafeCell`.
#[test]
fn join_handle_drop_racing_completion_drops_the_output_once() {
    loom::model(|| {
        let scheduler = Scheduler::new();
        let output_drops = DropCounter::new();
        let handle = scheduler.spawn({
            let output_drops = output_drops.clone();
            async move { output_drops.value() }
        });
        let dropper = thread::spawn(move || drop(handle));
        scheduler.run_until_idle();
        dropper.join().unwrap();
        assert_eq!(output_drops.drops(), 1);
        drop(scheduler);
        assert_eq!(output_drops.drops(), 1);
    });
}

/// `abort` on another thread racing the process's only poll: the handle
/// gives either the output (abort too late) or a cancellation (the future
/// dropped unpolled); the future is dropped once and the output at most
/// once, and only when it was produced.
///
/// Shown able to fail: storing no cancellation error in `cancel` (the
/// stage left holding `None`, as if taken) makes the handle panic in the
/// interleavings where the abort wins. Not shown: ignoring `CANCELLED` in
/// `transition_to_running` - the process then completes with its output,
/// which this model cannot tell from an abort that came too late.
#[test]
fn abort_racing_completion_gives_output_or_cancellation() {
    loom::model(|| {
        let scheduler = Scheduler::new();
        let future_drops = DropCounter::new();
        let output_drops = DropCounter::new();
        let polled = Arc::new(AtomicUsize::new(0));
        let handle = scheduler.spawn({
            let (guard, output_drops, polled) =
                (future_drops.value(), output_drops.clone(), polled.clone());
            async move {
                let _keep = guard;
                polled.fetch_add(1, Ordering::SeqCst);
                output_drops.value()
            }
        });
        let handle = Arc::new(handle);
        let aborter = {
            let handle = handle.clone();
            thread::spawn(move || handle.abort())
        };
        scheduler.run_until_idle();
        aborter.join().unwrap();
        scheduler.run_until_idle();
        let mut handle = Arc::try_unwrap(handle).ok().unwrap();
        let result = try_join(&mut handle).expect("finished");
        assert_eq!(future_drops.drops(), 1);
        match result {
            Ok(output) => {
                assert_eq!(polled.load(Ordering::SeqCst), 1);
                drop(output);
                assert_eq!(output_drops.drops(), 1);
            }
            Err(error) => {
                assert!(error.is_cancelled());
                assert_eq!(polled.load(Ordering::SeqCst), 0);
                assert_eq!(output_drops.drops(), 0);
            }
        }
    });
}

/// `abort` of a waiting process racing a wake of it: whichever comes
/// first, the process is queued, and it ends either completed (the wake's
/// poll won) or cancelled; its future is dropped exactly once.
///
/// Shown able to fail: making `transition_to_notified_and_cancel` not
/// queue an idle process (return `false` in its last branch) leaves the
/// aborted process waiting forever: the handle never finishes.
#[test]
fn abort_of_a_waiting_process_racing_a_wake_cancels_or_completes_it() {
    loom_tests::model_with_bound(2, || {
        let scheduler = Scheduler::new();
        let spawned = Spawned::default();
        let future_drops = DropCounter::new();
        let waker_slot: Arc<Mutex<Option<Waker>>> = Arc::default();
        let handle = scheduler.spawn({
            let (guard, waker_slot) = (future_drops.value(), waker_slot.clone());
            let mut first = true;
            poll_fn(move |cx| {
                let _keep = &guard;
                if std::mem::take(&mut first) {
                    *waker_slot.lock().unwrap() = Some(cx.waker().clone());
                    return Poll::Pending;
                }
                Poll::Ready(())
            })
        });
        scheduler.run_until_idle();
        let waker = waker_slot.lock().unwrap().take().unwrap();
        let handle = Arc::new(handle);
        let aborter = {
            let handle = handle.clone();
            thread::spawn(move || handle.abort())
        };
        spawned.spawn(move || waker.wake());
        scheduler.run_until_idle();
        aborter.join().unwrap();
        spawned.join_all();
        scheduler.run_until_idle();
        let mut handle = Arc::try_unwrap(handle).ok().unwrap();
        let result = try_join(&mut handle).expect("the process finished");
        assert!(result.is_ok() || result.unwrap_err().is_cancelled());
        assert_eq!(future_drops.drops(), 1);
    });
}

/// A `JoinHandle` awaited on another thread while the process completes:
/// the awaiting thread is woken and gets the output (the join-waker slot
/// is handed between the two sides by `JOIN_WAKER` without a lost wake).
///
/// Shown able to fail: removing the `wake_by_ref` of the join waker in
/// `complete` leaves the awaiting thread parked forever (loom deadlock).
#[test]
fn join_handle_awaited_racing_completion_gets_the_output() {
    loom::model(|| {
        let scheduler = Scheduler::new();
        let handle = scheduler.spawn(async { 11 });
        let joiner = thread::spawn(move || loom::future::block_on(handle));
        scheduler.run_until_idle();
        assert_eq!(joiner.join().unwrap().unwrap(), 11);
    });
}
