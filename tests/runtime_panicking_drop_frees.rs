//! A process whose output panics when dropped still frees its task block.
//!
//! When the last reference to a finished process goes, the runtime drops
//! the stage (the output) and then the header, and frees the block. A
//! destructor in the stage that panics must not skip the rest: a drop
//! guard finishes the job while the panic unwinds. This binary counts
//! the bytes the process holds from the allocator and checks that
//! thousands of such processes leave no more behind than a few.
//!
//! Its own binary: the counting allocator and the silenced panic hook
//! would otherwise reach every other test.

mod support;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, AtomicUsize, Ordering};
use std::sync::Arc;

/// The system allocator, counting the bytes live.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: every call goes to `System` unchanged; the counter is a side
// effect.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: the caller's contract, passed on.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: the caller's contract, passed on.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: the caller's contract, passed on.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(
            new_size as isize - layout.size() as isize,
            Ordering::Relaxed,
        );
        // SAFETY: the caller's contract, passed on.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// An output whose drop counts itself, then panics.
struct PanicOnDrop(Arc<AtomicUsize>);

impl Drop for PanicOnDrop {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
        panic!("drop panics");
    }
}

/// Spawns `count` processes that return a [`PanicOnDrop`], waits for
/// each to finish and drops its handle, which drops the output (the
/// panic is caught); returns the bytes live afterwards.
async fn spawn_and_drop(count: usize, drops: &Arc<AtomicUsize>) -> isize {
    for _ in 0..count {
        let d = drops.clone();
        let handle = hoare::spawn(async move { PanicOnDrop(d) });
        while !handle.is_finished() {
            hoare::yield_now().await;
        }
        let dropped = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(handle)));
        assert!(dropped.is_err(), "the output's drop panics");
    }
    LIVE.load(Ordering::Relaxed)
}

#[test]
fn processes_whose_output_panics_on_drop_leave_no_block_behind() {
    // Thousands of expected panics: keep their messages out of the log.
    std::panic::set_hook(Box::new(|_| {}));
    let (drops, warm, after) = support::within(120, || {
        let drops = Arc::new(AtomicUsize::new(0));
        let d = drops.clone();
        let (warm, after) = hoare::Runtime::builder()
            .workers(1)
            .build()
            .expect("a runtime")
            .block_on(async move {
                // Warm-up: the runtime's caches and queues reach their size.
                let warm = spawn_and_drop(200, &d).await;
                let after = spawn_and_drop(5_000, &d).await;
                (warm, after)
            });
        (drops, warm, after)
    });
    let _ = std::panic::take_hook();
    assert_eq!(
        drops.load(Ordering::SeqCst),
        5_200,
        "every output dropped once"
    );
    // A leaked block per process would be 5,000 blocks of well over 100
    // bytes: hundreds of kilobytes.
    let grown = after - warm;
    assert!(
        grown < 16 * 1024,
        "{grown} bytes more live after 5,000 more processes whose output panics on drop: \
         their task blocks leak"
    );
}
