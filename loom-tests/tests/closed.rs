//! Loom models of `Sender::closed()` (`src/chan/closed.rs`): a future
//! registering its waker while another thread closes the channel is
//! woken, or sees the close on its second look; the close waiters' list
//! is installed once however many futures race to make it.
#![cfg(loom)]

use hoare::chan;
use loom::thread;

/// `closed()` awaited while the last `Receiver` is dropped on another
/// thread: the future completes (a lost wake-up would leave the waiting
/// thread parked forever, which loom reports as a deadlock). The race is
/// the store-buffering pattern: the future installs the list and then
/// looks for the close mark, the closer sets the mark and then looks for
/// the list.
///
/// Shown able to fail: removing the closer's `SeqCst` fence in
/// `CloseWaiters::wake_all` lets it miss the list installed by the
/// future while the future misses the close mark (loom deadlock).
#[test]
fn closed_future_is_woken_by_the_last_receiver_drop() {
    loom::model(|| {
        let (tx, rx) = chan::bounded::<u32>(1);
        let dropper = thread::spawn(move || drop(rx));
        hoare::block_on(tx.closed());
        assert!(tx.is_closed());
        dropper.join().unwrap();
    });
}

/// Two `closed()` futures on two threads race to make the list while a
/// third thread calls `close()`: both complete, and the list made by the
/// loser of the installation race is freed (loom checks every allocation
/// is freed by the end of each execution).
///
/// Shown able to fail: removing the registering future's `SeqCst` fence
/// in `Closed::poll` lets it miss the close mark while the closer misses
/// its list (loom deadlock).
#[test]
fn two_closed_futures_race_to_make_the_list_against_close() {
    loom::model(|| {
        let (tx, rx) = chan::bounded::<u32>(0);
        let other = tx.clone();
        let watcher = thread::spawn(move || hoare::block_on(other.closed()));
        let closer = thread::spawn(move || {
            rx.close();
        });
        hoare::block_on(tx.closed());
        watcher.join().unwrap();
        closer.join().unwrap();
    });
}
