//! `hoare::time::timeout`: polls the future before the clock, gives
//! `Err(Elapsed)` for a future that is still pending, and drops it.

use std::future::{pending, Future};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use hoare::time::{self, Elapsed, Instant};

/// Pending forever; sets its flag when dropped.
struct PendingWithDropFlag(Arc<AtomicBool>);

impl Future for PendingWithDropFlag {
    type Output = ();
    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        Poll::Pending
    }
}

impl Drop for PendingWithDropFlag {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

#[test]
fn timeout_is_ok_for_a_ready_future_even_with_zero_duration() {
    assert_eq!(
        hoare::block_on(time::timeout(Duration::ZERO, async { 42 })),
        Ok(42)
    );
    let past = Instant::now() - Duration::from_secs(1);
    assert_eq!(
        hoare::block_on(time::timeout_at(past, std::future::ready("x"))),
        Ok("x")
    );
}

#[test]
fn timeout_is_elapsed_for_a_pending_future() {
    let start = Instant::now();
    let result = hoare::block_on(time::timeout(Duration::from_millis(10), pending::<u8>()));
    assert!(matches!(result, Err(Elapsed { .. })));
    assert!(start.elapsed() >= Duration::from_millis(10));
    assert!(hoare::block_on(time::timeout(Duration::ZERO, pending::<u8>())).is_err());
}

#[test]
fn timeout_drops_the_inner_future_when_it_elapses() {
    let dropped = Arc::new(AtomicBool::new(false));
    let future = PendingWithDropFlag(dropped.clone());
    let result = hoare::block_on(async {
        let result = time::timeout(Duration::from_millis(5), future).await;
        // Dropped by the time the timeout's result is out, not later.
        assert!(dropped.load(Ordering::SeqCst));
        result
    });
    assert!(result.is_err());
}

#[test]
fn timeout_is_ok_for_a_future_that_finishes_in_time() {
    let result = hoare::block_on(time::timeout(Duration::from_secs(5), async {
        time::sleep(Duration::from_millis(5)).await;
        "done"
    }));
    assert_eq!(result, Ok("done"));
}

#[test]
fn timeout_accepts_into_future() {
    struct Seven;
    impl std::future::IntoFuture for Seven {
        type Output = u32;
        type IntoFuture = std::future::Ready<u32>;
        fn into_future(self) -> Self::IntoFuture {
            std::future::ready(7)
        }
    }
    assert_eq!(hoare::block_on(time::timeout(Duration::ZERO, Seven)), Ok(7));
}

#[test]
fn elapsed_is_a_displayable_shareable_error() {
    fn assert_error<E: std::error::Error + Send + Sync + Clone + PartialEq + 'static>(_: &E) {}
    let error = hoare::block_on(time::timeout(Duration::ZERO, pending::<()>())).unwrap_err();
    assert_error(&error);
    assert_eq!(error.to_string(), "deadline has elapsed");
    assert_eq!(error.clone(), error);
    assert!(format!("{error:?}").contains("Elapsed"));
}

#[test]
fn timeout_future_is_send_for_send_futures() {
    fn assert_send<T: Send>(_: &T) {}
    let future = time::timeout(Duration::from_millis(1), async { 1 });
    assert_send(&future);
}

#[test]
fn timed_out_dynamic_select_loses_no_message() {
    let (sender, receiver) = hoare::chan::bounded::<u32>(1);
    let mut select = hoare::Select::new();
    select.recv(&receiver);
    let result = hoare::block_on(time::timeout(Duration::from_millis(5), select.select()));
    assert!(result.is_err());
    sender.try_send(9).unwrap();
    assert_eq!(receiver.try_recv(), Ok(9));
}

#[test]
fn timeout_of_a_recv_gives_the_message_when_it_comes_in_time() {
    let (sender, receiver) = hoare::chan::bounded::<u32>(0);
    let producer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(5));
        sender.send_blocking(1).unwrap();
    });
    let result = hoare::block_on(time::timeout(Duration::from_secs(5), receiver.recv()));
    assert_eq!(result, Ok(Ok(1)));
    producer.join().unwrap();
}
