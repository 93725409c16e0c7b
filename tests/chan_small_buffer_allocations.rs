//! The small buffered channels keep their first buffered value inside the
//! channel: a `bounded(1)` channel sends and receives without a single
//! allocation, and a `bounded(2)` one allocates only when its second
//! place is first used (a queue it keeps).
//!
//! Its own binary: the allocator counts the calls of the thread that
//! makes them, and would otherwise reach every other test.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

/// The system allocator, counting each thread's allocations.
struct Counting;

std::thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

fn count() {
    // `try_with`: a thread being torn down may allocate after its
    // counter is gone.
    let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
}

/// Allocations this thread has made so far.
fn allocations() -> usize {
    ALLOCATIONS.with(Cell::get)
}

// SAFETY: every call goes to `System` unchanged; the counter is a side
// effect (a const-initialized thread-local, which allocates nothing).
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: the caller's contract, passed on.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract, passed on.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: the caller's contract, passed on.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        // SAFETY: the caller's contract, passed on.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Polls `future` once with a waker that does nothing; it must be ready.
fn ready<F: Future>(future: F) -> F::Output {
    match pin!(future).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("the operation had to wait"),
    }
}

#[test]
fn bounded_one_sends_and_receives_without_allocating() {
    let (tx, rx) = hoare::chan::bounded::<u64>(1);
    let before = allocations();
    for i in 0..1_000 {
        tx.try_send(i).unwrap();
        assert!(tx.try_send(i).unwrap_err().is_full());
        assert_eq!(rx.try_recv(), Ok(i));
        ready(tx.send(i)).unwrap();
        assert_eq!(ready(rx.recv()), Ok(i));
    }
    assert_eq!(
        allocations() - before,
        0,
        "a bounded(1) channel allocated while sending and receiving"
    );
}

#[test]
fn bounded_two_allocates_only_when_its_second_place_is_first_used() {
    let (tx, rx) = hoare::chan::bounded::<u64>(2);
    let before = allocations();
    tx.try_send(0).unwrap();
    assert_eq!(rx.try_recv(), Ok(0));
    assert_eq!(allocations() - before, 0, "one buffered value allocated");
    tx.try_send(1).unwrap();
    tx.try_send(2).unwrap();
    let after_first_fill = allocations();
    assert!(
        after_first_fill > before,
        "the second buffered value allocated nothing: is the buffer two values inline now?"
    );
    assert_eq!((rx.try_recv(), rx.try_recv()), (Ok(1), Ok(2)));
    for i in 0..1_000 {
        ready(tx.send(i)).unwrap();
        tx.try_send(i + 1).unwrap();
        assert_eq!((ready(rx.recv()), rx.try_recv()), (Ok(i), Ok(i + 1)));
    }
    assert_eq!(
        allocations(),
        after_first_fill,
        "a bounded(2) channel allocated again after its first fill"
    );
}
