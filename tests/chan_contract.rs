//! The channel contract, sentence by sentence, where `chan_semantics`
//! does not already cover it: capacity limits, error texts, the value a
//! rendezvous leaves behind when its matched receive is dropped, close
//! from either side, streams and iterators ending, `Debug` output.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::Poll;

use hoare::chan::{bounded, unbounded, RecvError, SendError, TryRecvError, TrySendError};
use support::{next, poll_once, within, DropCounter};

#[test]
#[should_panic(expected = "capacity")]
fn huge_capacity_panics_naming_it() {
    let _ = bounded::<u64>(usize::MAX / 2);
}

#[test]
fn error_display_texts_name_the_condition() {
    assert!(SendError(1).to_string().contains("closed"));
    assert!(TrySendError::Full(1).to_string().contains("full"));
    assert!(TrySendError::Closed(1).to_string().contains("closed"));
    assert!(RecvError.to_string().contains("closed"));
    assert!(TryRecvError::Empty.to_string().contains("empty"));
    assert!(TryRecvError::Closed.to_string().contains("closed"));
    assert_ne!(TryRecvError::Empty, TryRecvError::Closed);
    assert_eq!(TrySendError::Full(2).into_inner(), 2);
    assert_eq!(TrySendError::Closed(3).into_inner(), 3);
    assert!(TryRecvError::Empty.is_empty() && !TryRecvError::Empty.is_closed());
    // `?` into Box<dyn Error>
    fn f() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let (tx, rx) = bounded::<String>(0);
        drop(rx);
        tx.try_send("x".into())?;
        Ok(())
    }
    assert!(f().unwrap_err().to_string().contains("closed"));
}

#[test]
fn rendezvous_value_of_a_dropped_matched_receive_is_never_lost() {
    let (tx, rx) = bounded::<i32>(0);
    let mut fut = Box::pin(rx.recv());
    assert!(poll_once(&mut fut).is_pending());
    assert_eq!(tx.try_send(9), Ok(()));
    drop(fut);
    assert_eq!(rx.len(), 1, "left in the channel");
    assert_eq!(tx.len(), 1);
    assert_eq!(rx.try_recv(), Ok(9));
    assert_eq!(rx.len(), 0);
    // with a second waiting receiver it goes there
    let mut a = Box::pin(rx.recv());
    let mut b = Box::pin(rx.recv());
    assert!(poll_once(&mut a).is_pending());
    assert!(poll_once(&mut b).is_pending());
    tx.try_send(10).unwrap();
    drop(a);
    match poll_once(&mut b) {
        Poll::Ready(v) => assert_eq!(v, Ok(10)),
        Poll::Pending => {
            drop(b);
            assert_eq!(rx.try_recv(), Ok(10));
        }
    }
}

#[test]
fn leftover_is_dropped_once_when_the_channel_goes() {
    let drops = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = bounded::<DropCounter>(0);
    let mut fut = Box::pin(rx.recv());
    assert!(poll_once(&mut fut).is_pending());
    assert!(tx.try_send(DropCounter::new(1, &drops)).is_ok());
    drop(fut);
    assert_eq!(drops.load(Ordering::SeqCst), 0);
    drop(rx);
    assert_eq!(drops.load(Ordering::SeqCst), 1);
    drop(tx);
    assert_eq!(drops.load(Ordering::SeqCst), 1);
}

#[test]
fn close_from_either_side_and_clones() {
    for cap in [Some(0usize), Some(2), None] {
        let (tx, rx) = support::channel::<i32>(cap);
        let tx2 = tx.clone();
        drop(tx);
        assert!(!rx.is_closed(), "one sender remains");
        if cap != Some(0) {
            tx2.try_send(1).unwrap();
        }
        assert!(rx.close());
        assert!(!tx2.close());
        assert!(tx2.is_closed());
        if cap != Some(0) {
            assert_eq!(rx.try_recv(), Ok(1));
        }
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
        assert_eq!(tx2.try_send(2), Err(TrySendError::Closed(2)));
    }
}

#[test]
fn debug_output_of_handles() {
    let (tx, rx) = bounded::<Vec<u8>>(3);
    let s = format!("{tx:?} {rx:?}");
    assert!(!s.is_empty());
}

fn leftover_channel() -> (hoare::chan::Sender<i32>, hoare::chan::Receiver<i32>) {
    let (tx, rx) = bounded::<i32>(0);
    let mut fut = Box::pin(rx.recv());
    assert!(poll_once(&mut fut).is_pending());
    tx.try_send(1).unwrap();
    drop(fut);
    assert_eq!(rx.len(), 1);
    (tx, rx)
}

#[test]
fn rendezvous_leftover_survives_close_and_is_received_first() {
    let (tx, rx) = leftover_channel();
    assert!(!rx.is_empty(), "len() is 1, so not empty");
    assert!(tx.close());
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));

    // the next receive takes the leftover before a waiting sender's value
    let (tx, rx) = leftover_channel();
    let mut send = Box::pin(tx.send(2));
    assert!(poll_once(&mut send).is_pending());
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(rx.try_recv(), Ok(2));
    assert_eq!(poll_once(&mut send), Poll::Ready(Ok(())));

    // recv future and stream take it too
    let (_tx, rx) = leftover_channel();
    assert_eq!(hoare::block_on(rx.recv()), Ok(1));
    let (tx, mut rx) = leftover_channel();
    drop(tx);
    hoare::block_on(async {
        assert_eq!(next(&mut rx).await, Some(1));
        assert_eq!(next(&mut rx).await, None);
    });
}

#[test]
fn rendezvous_leftover_taken_by_a_select() {
    let (_tx, rx) = leftover_channel();
    let (_tx2, rx2) = bounded::<i32>(0);
    let got = hoare::block_on(async {
        hoare::select! {
            recv(rx2) -> _ => -1,
            recv(rx) -> m => m.unwrap(),
            default => -2,
        }
    });
    assert_eq!(got, 1);
}

#[test]
fn close_wakes_a_sender_blocked_on_a_full_buffer() {
    let (tx, rx) = bounded::<i32>(1);
    tx.try_send(1).unwrap();
    let mut fut = Box::pin(tx.send(2));
    assert!(poll_once(&mut fut).is_pending());
    rx.close();
    assert_eq!(poll_once(&mut fut), Poll::Ready(Err(SendError(2))));
    assert_eq!(rx.try_recv(), Ok(1), "buffered before the close");
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

#[test]
fn stream_is_terminated_only_after_end() {
    use futures_core::stream::FusedStream;
    let (tx, mut rx) = unbounded::<u8>();
    assert!(!rx.is_terminated());
    tx.try_send(1).unwrap();
    drop(tx);
    assert!(!rx.is_terminated(), "a buffered message remains");
    hoare::block_on(async {
        assert_eq!(next(&mut rx).await, Some(1));
        assert_eq!(next(&mut rx).await, None);
    });
    assert!(rx.is_terminated());
}

#[test]
fn iter_on_threads_ends_when_closed_and_empty() {
    within(20, || {
        let (tx, rx) = bounded::<u32>(2);
        let h = std::thread::spawn(move || rx.iter().sum::<u32>());
        for i in 0..100 {
            tx.send_blocking(i).unwrap();
        }
        drop(tx);
        assert_eq!(h.join().unwrap(), (0..100).sum());
    });
}

/// The send and receive futures are `Send + Sync` when the message is, so
/// a process holding one across an `.await` can move between workers.
/// (They may be `!Unpin`: a rendezvous wait lives inside them.)
#[test]
fn send_and_recv_futures_are_send_and_sync_for_a_send_message() {
    fn is_send_sync<T: Send + Sync>() {}
    is_send_sync::<hoare::chan::SendFuture<'static, u8>>();
    is_send_sync::<hoare::chan::RecvFuture<'static, u8>>();
}
