//! Spawning, joining and the basic contract of `hoare::run`, `Runtime`
//! and `JoinHandle`.

mod support;

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use hoare::{JoinError, JoinHandle, Runtime};
use support::expect_panic;

fn assert_send_sync_unpin<T: Send + Sync + Unpin>() {}

#[test]
fn join_handle_and_join_error_have_the_promised_traits() {
    struct NotDebug;
    assert_send_sync_unpin::<JoinHandle<NotDebug>>();
    assert_send_sync_unpin::<JoinHandle<std::cell::Cell<u8>>>();
    fn error_traits<E: std::error::Error + Send + Sync + 'static>() {}
    error_traits::<JoinError>();
    let runtime = Runtime::builder().workers(1).build().unwrap();
    let handle = runtime.spawn(async { NotDebug });
    assert!(format!("{handle:?}").contains("JoinHandle"));
    runtime.block_on(handle).unwrap();
}

#[test]
fn run_returns_the_main_futures_output() {
    assert_eq!(hoare::run(async { 6 * 7 }), 42);
}

#[test]
fn spawned_process_output_comes_back_through_its_handle() {
    let answer = hoare::run(async {
        let child = hoare::spawn(async { hoare::spawn(async { 21 }).await.unwrap() * 2 });
        child.await.unwrap()
    });
    assert_eq!(answer, 42);
}

#[test]
fn spawn_and_join_many_trivial_processes() {
    // A million in an optimised build; fewer in a debug build, which is
    // slower by an order of magnitude, still far past every queue's size.
    let count: u64 = if cfg!(debug_assertions) {
        100_000
    } else {
        1_000_000
    };
    let total = hoare::run(async move {
        let handles: Vec<_> = (0..count).map(|i| hoare::spawn(async move { i })).collect();
        let mut total = 0;
        for handle in handles {
            total += handle.await.unwrap();
        }
        total
    });
    assert_eq!(total, count * (count - 1) / 2);
}

#[test]
fn processes_spawned_by_processes_all_complete() {
    let runtime = Runtime::builder().workers(2).build().unwrap();
    let done = Arc::new(AtomicUsize::new(0));
    let counter = done.clone();
    runtime.block_on(async move {
        let parents: Vec<_> = (0..100)
            .map(|_| {
                let counter = counter.clone();
                hoare::spawn(async move {
                    let children: Vec<_> = (0..100)
                        .map(|_| {
                            let counter = counter.clone();
                            hoare::spawn(async move {
                                counter.fetch_add(1, Ordering::Relaxed);
                            })
                        })
                        .collect();
                    for child in children {
                        child.await.unwrap();
                    }
                })
            })
            .collect();
        for parent in parents {
            parent.await.unwrap();
        }
    });
    assert_eq!(done.load(Ordering::Relaxed), 10_000);
}

#[test]
fn runtime_spawn_works_from_a_plain_os_thread() {
    let runtime = Runtime::builder().workers(2).build().unwrap();
    let handle =
        std::thread::scope(|scope| scope.spawn(|| runtime.spawn(async { 5 })).join().unwrap());
    assert_eq!(runtime.block_on(handle).unwrap(), 5);
}

#[test]
fn hoare_spawn_outside_a_runtime_panics_mentioning_runtime() {
    let message = expect_panic(|| drop(hoare::spawn(async {})));
    assert!(message.contains("runtime"), "{message}");
}

#[test]
fn zero_workers_is_invalid_input_naming_workers() {
    let error = Runtime::builder().workers(0).build().unwrap_err();
    assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput);
    assert!(error.to_string().contains("workers"), "{error}");
}

#[test]
fn builder_names_worker_threads() {
    let runtime = Runtime::builder()
        .workers(1)
        .thread_name("ring-worker")
        .stack_size(256 * 1024)
        .build()
        .unwrap();
    let name =
        runtime.block_on(runtime.spawn(async { std::thread::current().name().map(str::to_owned) }));
    assert_eq!(name.unwrap().as_deref(), Some("ring-worker"));
}

#[test]
fn block_on_from_inside_a_process_panics_pointing_to_await() {
    let runtime = Runtime::builder().workers(1).build().unwrap();
    let error = runtime
        .block_on(runtime.spawn(async { hoare::run(async {}) }))
        .unwrap_err();
    assert!(error.is_panic());
    let message = error.to_string();
    assert!(message.contains(".await"), "{message}");
}

#[test]
fn main_future_need_not_be_send() {
    let shared = Rc::new(5);
    let value = hoare::run(async move {
        let local = shared.clone();
        hoare::yield_now().await;
        *local + hoare::spawn(async { 1 }).await.unwrap()
    });
    assert_eq!(value, 6);
}

/// A future that completes once `flag` is set, woken by whoever sets it.
struct Flag {
    state: Arc<Mutex<(bool, Option<Waker>)>>,
}

impl Future for Flag {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut state = self.state.lock().unwrap();
        if state.0 {
            Poll::Ready(())
        } else {
            state.1 = Some(cx.waker().clone());
            Poll::Pending
        }
    }
}

#[test]
fn wake_from_a_foreign_os_thread_runs_the_process() {
    let runtime = Runtime::builder().workers(2).build().unwrap();
    let state = Arc::new(Mutex::new((false, None::<Waker>)));
    let handle = runtime.spawn(Flag {
        state: state.clone(),
    });
    let setter = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(20));
        let waker = {
            let mut state = state.lock().unwrap();
            state.0 = true;
            state.1.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    });
    runtime.block_on(handle).unwrap();
    setter.join().unwrap();
}

#[test]
fn main_future_woken_from_a_foreign_thread_completes() {
    let state = Arc::new(Mutex::new((false, None::<Waker>)));
    let remote = state.clone();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(20));
        let waker = {
            let mut state = remote.lock().unwrap();
            state.0 = true;
            state.1.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    });
    hoare::run(Flag { state });
}

#[test]
fn yield_now_returns_after_one_yield() {
    let runtime = Runtime::builder().workers(1).build().unwrap();
    let steps = runtime.block_on(runtime.spawn(async {
        for _ in 0..1000 {
            hoare::yield_now().await;
        }
        1000
    }));
    assert_eq!(steps.unwrap(), 1000);
}

#[test]
fn runtime_block_on_can_be_called_repeatedly() {
    let runtime = Runtime::builder().workers(2).build().unwrap();
    for i in 0..100 {
        assert_eq!(
            runtime.block_on(runtime.spawn(async move { i })).unwrap(),
            i
        );
    }
}
