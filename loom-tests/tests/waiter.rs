//! Loom models of the waiter protocol itself: a buffered channel's wait
//! queue and the token that decides which counterpart completes a waiting
//! operation.
#![cfg(loom)]

use std::task::Waker;

use hoare::__loom::{Token, WaitQueue};
use loom::sync::atomic::{AtomicBool, Ordering};
use loom::sync::Arc;
use loom::thread;
use loom_tests::ThreadWaker;

/// The store-buffer race of `WaitQueue`: a waiter registers, then
/// re-checks the channel state (a relaxed flag here, so only the queue's
/// own fences order it); a counterpart changes the state, then notifies.
/// Either the waiter sees the change, or the counterpart sees the
/// registration and selects and wakes it - never neither.
///
/// Shown able to fail: removing the `fence(SeqCst)` at the start of
/// `WaitQueue::notify_one` lets both sides read stale values; the waiter
/// sleeps forever (loom deadlock).
#[test]
fn registration_racing_a_notify_is_never_missed() {
    loom::model(|| {
        let queue = Arc::new(WaitQueue::new());
        let changed = Arc::new(AtomicBool::new(false));
        let counterpart = {
            let (queue, changed) = (queue.clone(), changed.clone());
            thread::spawn(move || {
                // Relaxed on purpose: the queue's fences must order it.
                changed.store(true, Ordering::Relaxed);
                queue.notify_one();
            })
        };
        let (woken, waker) = ThreadWaker::for_current_thread();
        let token = Token::new(&waker);
        queue.register(&token, 0);
        if changed.load(Ordering::Relaxed) {
            let _ = token.try_abort();
            queue.unregister(&token);
        } else {
            woken.park_until(|woken| woken.wakes() == 1);
            assert_eq!(token.selected(), Some(0));
        }
        counterpart.join().unwrap();
    });
}

/// `notify_one` racing a waiter that withdraws: the notification is not
/// swallowed by the withdrawn entry. Exactly one of the two waiters is
/// selected, and it is the second one whenever the first withdrew in time.
///
/// Shown able to fail: making `notify_one` stop after the first entry it
/// pops even when that entry's claim fails swallows the notification:
/// neither waiter is selected (the model's assertion).
#[test]
fn notify_skips_a_withdrawn_waiter() {
    loom::model(|| {
        let queue = Arc::new(WaitQueue::new());
        let first = Arc::new(Token::new(Waker::noop()));
        let second = Token::new(Waker::noop());
        queue.register(&first, 0);
        queue.register(&second, 1);
        let withdrawer = {
            let (queue, first) = (queue.clone(), first.clone());
            thread::spawn(move || {
                let withdrew = first.try_abort().is_ok();
                queue.unregister(&first);
                withdrew
            })
        };
        queue.notify_one();
        let first_withdrew = withdrawer.join().unwrap();
        let selected = [first.selected(), second.selected()];
        if first_withdrew {
            assert_eq!(selected, [None, Some(1)]);
        } else {
            assert_eq!(selected, [Some(0), None]);
        }
    });
}

/// The owner replaces its waker (a later poll with another waker, as the
/// `_blocking` forms do after their no-op first try) while a counterpart
/// selects and wakes the token. The waker lives in a plain cell guarded
/// by the token's `UPDATING` state: either the owner sees the selection
/// after its update, or the wake reaches the new waker; exactly one wake
/// happens, and loom's cell tracking checks that the owner's write and the
/// counterpart's take never overlap.
///
/// Shown able to fail: making `try_select` give up when it finds the
/// owner updating (`Err(UPDATING) => return false`) loses the selection:
/// the queue drops the entry, the owner sees its token still waiting and
/// sleeps forever (loom deadlock).
#[test]
fn waker_replaced_during_a_selection_is_never_lost() {
    loom::model(|| {
        let queue = Arc::new(WaitQueue::new());
        let (old_woken, old_waker) = ThreadWaker::for_current_thread();
        let (new_woken, new_waker) = ThreadWaker::for_current_thread();
        let token = Token::new(&old_waker);
        queue.register(&token, 0);
        let counterpart = {
            let queue = queue.clone();
            thread::spawn(move || queue.notify_one())
        };
        token.set_waker(&new_waker);
        if token.selected().is_none() {
            new_woken.park_until(|woken| woken.wakes() == 1);
        }
        counterpart.join().unwrap();
        assert_eq!(token.selected(), Some(0));
        assert_eq!(old_woken.wakes() + new_woken.wakes(), 1);
    });
}
