//! The channel contract, one property per test.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::Poll;
use std::thread;
use std::time::Duration;

use hoare::chan::{self, RecvError, SendError, TryRecvError, TrySendError};
use support::{channel, counting_waker, poll_once, poll_with, DropCounter, FLAVOURS};

#[test]
fn rendezvous_send_waits_for_a_receiver() {
    let (tx, rx) = chan::bounded::<u32>(0);
    let mut send = Box::pin(tx.send(1));
    assert!(
        poll_once(&mut send).is_pending(),
        "a rendezvous send must wait for a receiver"
    );
    assert_eq!(
        rx.try_recv(),
        Ok(1),
        "the waiting sender's value is taken by try_recv"
    );
    assert_eq!(poll_once(&mut send), Poll::Ready(Ok(())));
}

#[test]
fn rendezvous_try_send_succeeds_exactly_when_a_receiver_waits() {
    let (tx, rx) = chan::bounded::<u32>(0);
    assert_eq!(tx.try_send(1), Err(TrySendError::Full(1)));
    let mut recv = Box::pin(rx.recv());
    assert!(poll_once(&mut recv).is_pending());
    assert_eq!(tx.try_send(2), Ok(()));
    assert_eq!(poll_once(&mut recv), Poll::Ready(Ok(2)));
    assert_eq!(tx.try_send(3), Err(TrySendError::Full(3)));
}

#[test]
fn rendezvous_try_recv_succeeds_exactly_when_a_sender_waits() {
    let (tx, rx) = chan::bounded::<u32>(0);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    let mut send = Box::pin(tx.send(5));
    assert!(poll_once(&mut send).is_pending());
    assert_eq!(rx.try_recv(), Ok(5));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
}

#[test]
fn rendezvous_value_of_dropped_matched_receive_stays_buffered() {
    let (tx, rx) = chan::bounded::<u32>(0);
    let mut recv = Box::pin(rx.recv());
    assert!(poll_once(&mut recv).is_pending());
    assert_eq!(tx.try_send(9), Ok(()), "the waiting receive is matched");
    drop(recv);
    assert_eq!(
        rx.len(),
        1,
        "the value the dropped receive held is buffered"
    );
    assert_eq!(tx.try_send(10), Err(TrySendError::Full(10)));
    assert_eq!(rx.try_recv(), Ok(9));
    assert_eq!(rx.len(), 0);
}

#[test]
fn rendezvous_value_of_dropped_matched_receive_goes_to_next_receiver() {
    let (tx, rx) = chan::bounded::<u32>(0);
    let mut first = Box::pin(rx.recv());
    let mut second = Box::pin(rx.recv());
    assert!(poll_once(&mut first).is_pending());
    assert!(poll_once(&mut second).is_pending());
    tx.try_send(4).unwrap();
    drop(first);
    assert_eq!(rx.len(), 0);
    assert_eq!(poll_once(&mut second), Poll::Ready(Ok(4)));
}

#[test]
fn rendezvous_values_of_three_dropped_receives_stay_buffered_in_the_order_given_back() {
    let (tx, rx) = chan::bounded::<u32>(0);
    let [mut first, mut second, mut third] = [(); 3].map(|()| Box::pin(rx.recv()));
    for receive in [&mut first, &mut second, &mut third] {
        assert!(poll_once(receive).is_pending());
    }
    // Each send is matched with the oldest waiting receive: 1, 2, 3.
    for value in 1..=3 {
        assert_eq!(tx.try_send(value), Ok(()), "a receive waits for {value}");
    }
    // Given back in the order the receives are dropped, no receive
    // waiting: all three stay in the channel.
    drop(third);
    drop(first);
    drop(second);
    assert_eq!(rx.len(), 3);
    assert_eq!(tx.try_send(4), Err(TrySendError::Full(4)));
    let drained: Vec<u32> = std::iter::from_fn(|| rx.try_recv().ok()).collect();
    assert_eq!(drained, [3, 1, 2]);
    assert_eq!(rx.len(), 0);
}

#[test]
fn rendezvous_leftover_is_received_before_waiting_senders() {
    let (tx, rx) = chan::bounded::<u32>(0);
    let mut recv = Box::pin(rx.recv());
    assert!(poll_once(&mut recv).is_pending());
    tx.try_send(1).unwrap();
    drop(recv);
    let mut send = Box::pin(tx.send(2));
    assert!(poll_once(&mut send).is_pending());
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(rx.try_recv(), Ok(2));
}

#[test]
fn capacity_len_and_fullness_per_flavour() {
    let (tx, rx) = chan::bounded::<u8>(0);
    assert_eq!(
        (tx.capacity(), tx.len(), tx.is_empty(), tx.is_full()),
        (Some(0), 0, true, true)
    );
    assert_eq!(
        (rx.capacity(), rx.len(), rx.is_empty(), rx.is_full()),
        (Some(0), 0, true, true)
    );

    let (tx, rx) = chan::bounded::<u8>(2);
    assert_eq!(
        (tx.capacity(), tx.is_empty(), tx.is_full()),
        (Some(2), true, false)
    );
    tx.try_send(1).unwrap();
    assert_eq!((rx.len(), rx.is_empty(), rx.is_full()), (1, false, false));
    tx.try_send(2).unwrap();
    assert_eq!((rx.len(), rx.is_full()), (2, true));
    assert!(tx.try_send(3).unwrap_err().is_full());

    let (tx, rx) = chan::unbounded::<u8>();
    assert_eq!(tx.capacity(), None);
    for i in 0..100 {
        tx.try_send(i).unwrap();
    }
    assert_eq!((rx.len(), rx.is_full()), (100, false));
}

#[test]
fn ring_wraps_around_many_laps() {
    let (tx, rx) = chan::bounded::<usize>(3);
    for i in 0..1000 {
        tx.try_send(i).unwrap();
        if i % 2 == 1 {
            assert_eq!(rx.try_recv(), Ok(i - 1));
            assert_eq!(rx.try_recv(), Ok(i));
        }
        assert!(rx.len() <= 3);
    }
}

#[test]
fn messages_from_one_sender_arrive_in_order() {
    for cap in FLAVOURS {
        let (tx, rx) = channel::<(usize, usize)>(cap);
        let producers: Vec<_> = (0..4)
            .map(|p| {
                let tx = tx.clone();
                thread::spawn(move || {
                    for i in 0..2000 {
                        tx.send_blocking((p, i)).unwrap();
                    }
                })
            })
            .collect();
        drop(tx);
        let mut next = [0usize; 4];
        for (p, i) in rx.iter() {
            assert_eq!(i, next[p], "sender {p} out of order on {cap:?}");
            next[p] += 1;
        }
        assert_eq!(next, [2000; 4]);
        producers.into_iter().for_each(|h| h.join().unwrap());
    }
}

#[test]
fn waiting_receivers_are_served_in_arrival_order() {
    for cap in FLAVOURS {
        let (tx, rx) = channel::<u32>(cap);
        let mut receives: Vec<_> = (0..3).map(|_| Box::pin(rx.recv())).collect();
        for recv in &mut receives {
            assert!(poll_once(recv).is_pending());
        }
        for value in 0..3 {
            if cap == Some(0) || cap == Some(1) {
                tx.try_send(value).unwrap();
                // Let the woken receiver take it before the next send.
                let index = value as usize;
                assert_eq!(
                    poll_once(&mut receives[index]),
                    Poll::Ready(Ok(value)),
                    "{cap:?}"
                );
            } else {
                tx.try_send(value).unwrap();
            }
        }
        if !(cap == Some(0) || cap == Some(1)) {
            for (index, recv) in receives.iter_mut().enumerate() {
                assert_eq!(poll_once(recv), Poll::Ready(Ok(index as u32)), "{cap:?}");
            }
        }
    }
}

#[test]
fn waiting_receivers_are_woken_in_arrival_order() {
    for cap in [Some(1), Some(16), None] {
        let (tx, rx) = channel::<u32>(cap);
        let wakers: Vec<_> = (0..3).map(|_| counting_waker()).collect();
        let mut receives: Vec<_> = (0..3).map(|_| Box::pin(rx.recv())).collect();
        for (recv, (_, waker)) in receives.iter_mut().zip(&wakers) {
            assert!(poll_with(recv, waker).is_pending());
        }
        tx.try_send(1).unwrap();
        let woken: Vec<usize> = wakers
            .iter()
            .map(|(count, _)| count.wakes.load(Ordering::SeqCst))
            .collect();
        assert_eq!(
            woken,
            vec![1, 0, 0],
            "{cap:?}: the oldest waiting receiver is woken first"
        );
    }
}

#[test]
fn waiting_senders_are_served_in_arrival_order() {
    for cap in [Some(0), Some(1)] {
        let (tx, rx) = channel::<u32>(cap);
        if cap == Some(1) {
            tx.try_send(100).unwrap();
        }
        let mut sends: Vec<_> = (0..3).map(|i| Box::pin(tx.send(i))).collect();
        for send in &mut sends {
            assert!(poll_once(send).is_pending());
        }
        if cap == Some(1) {
            assert_eq!(rx.try_recv(), Ok(100));
        }
        for (index, send) in sends.iter_mut().enumerate() {
            if cap == Some(0) {
                assert_eq!(rx.try_recv(), Ok(index as u32), "{cap:?}");
                assert_eq!(poll_once(send), Poll::Ready(Ok(())));
            } else {
                assert_eq!(
                    poll_once(send),
                    Poll::Ready(Ok(())),
                    "{cap:?}: sender {index} woken in order"
                );
                assert_eq!(rx.try_recv(), Ok(index as u32));
            }
        }
    }
}

#[test]
fn close_lets_receivers_drain_then_fails() {
    for cap in [Some(4), None] {
        for closer_is_sender in [true, false] {
            let (tx, rx) = channel::<u32>(cap);
            tx.try_send(1).unwrap();
            tx.try_send(2).unwrap();
            let closed_now = if closer_is_sender {
                tx.close()
            } else {
                rx.close()
            };
            assert!(closed_now);
            assert!(!tx.close(), "a second close reports false");
            assert!(tx.is_closed() && rx.is_closed());
            assert_eq!(tx.try_send(3), Err(TrySendError::Closed(3)));
            assert_eq!(rx.try_recv(), Ok(1));
            assert_eq!(rx.recv_blocking(), Ok(2));
            assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
            assert_eq!(rx.recv_blocking(), Err(RecvError));
        }
    }
}

#[test]
fn close_wakes_waiting_senders_with_their_values() {
    for cap in [Some(0), Some(1)] {
        let (tx, rx) = channel::<String>(cap);
        if cap == Some(1) {
            tx.try_send("filler".into()).unwrap();
        }
        let (count, waker) = counting_waker();
        let mut send = Box::pin(tx.send("mine".to_string()));
        assert!(poll_with(&mut send, &waker).is_pending());
        rx.close();
        assert_eq!(
            count.wakes.load(Ordering::SeqCst),
            1,
            "close wakes the waiting sender"
        );
        match poll_once(&mut send) {
            Poll::Ready(Err(SendError(value))) => assert_eq!(value, "mine"),
            other => panic!("expected the value back, got {other:?}"),
        }
    }
}

#[test]
fn close_wakes_waiting_receivers() {
    for cap in FLAVOURS {
        let (tx, rx) = channel::<u32>(cap);
        let (count, waker) = counting_waker();
        let mut recv = Box::pin(rx.recv());
        assert!(poll_with(&mut recv, &waker).is_pending());
        tx.close();
        assert_eq!(count.wakes.load(Ordering::SeqCst), 1);
        assert_eq!(poll_once(&mut recv), Poll::Ready(Err(RecvError)));
    }
}

#[test]
fn dropping_the_last_sender_closes() {
    for cap in FLAVOURS {
        let (tx, rx) = channel::<u32>(cap);
        let tx2 = tx.clone();
        drop(tx);
        assert!(!rx.is_closed(), "one sender is still alive");
        let waiter = thread::spawn(move || rx.recv_blocking());
        thread::sleep(Duration::from_millis(20));
        drop(tx2);
        assert_eq!(waiter.join().unwrap(), Err(RecvError));
    }
}

#[test]
fn dropping_the_last_receiver_closes_and_drops_buffered_messages_once() {
    for cap in [Some(8), None, Some(0)] {
        let drops = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = channel::<DropCounter>(cap);
        if cap == Some(0) {
            // A rendezvous channel buffers only a dropped receive's value.
            let mut recv = Box::pin(rx.recv());
            assert!(poll_once(&mut recv).is_pending());
            tx.try_send(DropCounter::new(0, &drops)).unwrap();
            drop(recv);
        } else {
            for i in 0..5 {
                tx.try_send(DropCounter::new(i, &drops)).unwrap();
            }
        }
        let rx2 = rx.clone();
        drop(rx);
        assert_eq!(drops.load(Ordering::SeqCst), 0, "a receiver is still alive");
        drop(rx2);
        let expected = if cap == Some(0) { 1 } else { 5 };
        assert_eq!(drops.load(Ordering::SeqCst), expected, "{cap:?}");
        assert!(tx.is_closed());
        match tx.try_send(DropCounter::new(99, &drops)) {
            Err(TrySendError::Closed(value)) => assert_eq!(value.id, 99),
            other => panic!("{other:?}"),
        }
        drop(tx);
        assert_eq!(drops.load(Ordering::SeqCst), expected + 1);
    }
}

#[test]
fn dropping_both_ends_drops_buffered_messages_once() {
    for cap in [Some(8), None] {
        let drops = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = channel::<DropCounter>(cap);
        for i in 0..6 {
            tx.try_send(DropCounter::new(i, &drops)).unwrap();
        }
        assert_eq!(rx.try_recv().unwrap().id, 0);
        assert_eq!(drops.load(Ordering::SeqCst), 1);
        drop(tx);
        drop(rx);
        assert_eq!(drops.load(Ordering::SeqCst), 6);
    }
}

#[test]
fn failed_sends_hand_the_value_back() {
    let (tx, rx) = chan::bounded::<Vec<u8>>(1);
    tx.try_send(vec![1]).unwrap();
    assert_eq!(tx.try_send(vec![2]).unwrap_err().into_inner(), vec![2]);
    drop(rx);
    assert_eq!(tx.send_blocking(vec![3]).unwrap_err().into_inner(), vec![3]);
    assert_eq!(hoare::block_on(tx.send(vec![4])), Err(SendError(vec![4])));
}

#[test]
fn errors_display_and_debug_without_debug_messages() {
    struct Opaque;
    let error = SendError(Opaque);
    assert_eq!(format!("{error:?}"), "SendError(..)");
    assert!(error.to_string().contains("closed"));
    assert!(format!("{:?}", TrySendError::Full(Opaque)).contains("Full"));
    assert!(TrySendError::Closed(Opaque).to_string().contains("closed"));
    assert!(TryRecvError::Empty.to_string().contains("empty"));
    assert!(RecvError.to_string().contains("closed"));
    let (tx, rx) = chan::bounded::<Opaque>(3);
    assert!(format!("{tx:?}").contains("bounded"));
    assert!(format!("{rx:?}").contains("capacity"));
}

#[test]
#[should_panic(expected = "capacity")]
fn capacity_beyond_isize_max_bytes_panics_with_a_clear_message() {
    let _ = chan::bounded::<[u64; 1024]>(usize::MAX / 1024);
}

#[test]
fn iter_ends_when_closed_and_empty() {
    let (tx, rx) = chan::bounded::<u32>(2);
    let producer = thread::spawn(move || {
        for i in 0..10 {
            tx.send_blocking(i).unwrap();
        }
    });
    let got: Vec<u32> = rx.iter().collect();
    assert_eq!(got, (0..10).collect::<Vec<_>>());
    producer.join().unwrap();
}

#[test]
fn receiver_is_a_fused_stream_ending_when_closed_and_empty() {
    use futures_core::stream::{FusedStream, Stream};
    use std::pin::Pin;
    use std::task::Context;

    let (tx, mut rx) = chan::bounded::<u32>(0);
    let (_count, waker) = counting_waker();
    let mut cx = Context::from_waker(&waker);
    assert!(Pin::new(&mut rx).poll_next(&mut cx).is_pending());
    tx.try_send(1).unwrap();
    assert_eq!(Pin::new(&mut rx).poll_next(&mut cx), Poll::Ready(Some(1)));
    assert!(!rx.is_terminated());
    drop(tx);
    assert_eq!(Pin::new(&mut rx).poll_next(&mut cx), Poll::Ready(None));
    assert!(rx.is_terminated());
    assert_eq!(Pin::new(&mut rx).poll_next(&mut cx), Poll::Ready(None));
}

#[test]
fn a_pending_stream_registration_does_not_lose_a_handed_value() {
    use futures_core::stream::Stream;
    use std::pin::Pin;
    use std::task::Context;

    let (tx, mut rx) = chan::bounded::<u32>(0);
    let rx2 = rx.clone();
    let (_count, waker) = counting_waker();
    let mut cx = Context::from_waker(&waker);
    assert!(Pin::new(&mut rx).poll_next(&mut cx).is_pending());
    tx.try_send(7).unwrap();
    drop(rx);
    assert_eq!(
        rx2.try_recv(),
        Ok(7),
        "the dropped stream's value went back to the channel"
    );
}

#[test]
fn the_newest_waker_is_woken() {
    let (tx, rx) = chan::bounded::<u32>(1);
    let (old, old_waker) = counting_waker();
    let (new, new_waker) = counting_waker();
    let mut recv = Box::pin(rx.recv());
    assert!(poll_with(&mut recv, &old_waker).is_pending());
    assert!(poll_with(&mut recv, &new_waker).is_pending());
    tx.try_send(1).unwrap();
    assert_eq!(old.wakes.load(Ordering::SeqCst), 0);
    assert_eq!(new.wakes.load(Ordering::SeqCst), 1);
}

#[test]
fn a_woken_receive_that_is_dropped_passes_the_wake_on() {
    for cap in [Some(1), Some(4), None] {
        let (tx, rx) = channel::<u32>(cap);
        let (first_count, first_waker) = counting_waker();
        let (second_count, second_waker) = counting_waker();
        let mut first = Box::pin(rx.recv());
        let mut second = Box::pin(rx.recv());
        assert!(poll_with(&mut first, &first_waker).is_pending());
        assert!(poll_with(&mut second, &second_waker).is_pending());
        tx.try_send(1).unwrap();
        assert_eq!(first_count.wakes.load(Ordering::SeqCst), 1);
        drop(first);
        assert_eq!(
            second_count.wakes.load(Ordering::SeqCst),
            1,
            "{cap:?}: the wake went on"
        );
        assert_eq!(poll_once(&mut second), Poll::Ready(Ok(1)));
    }
}

#[test]
fn a_woken_send_that_is_dropped_was_sent_and_the_next_waits_its_turn() {
    // On a bounded channel the receive that frees a slot moves the first
    // waiting sender's value into it (Go's rule): that send is complete
    // even if its future is dropped before it is polled again.
    let (tx, rx) = chan::bounded::<u32>(1);
    tx.try_send(0).unwrap();
    let (first_count, first_waker) = counting_waker();
    let (second_count, second_waker) = counting_waker();
    let mut first = Box::pin(tx.send(1));
    let mut second = Box::pin(tx.send(2));
    assert!(poll_with(&mut first, &first_waker).is_pending());
    assert!(poll_with(&mut second, &second_waker).is_pending());
    assert_eq!(rx.try_recv(), Ok(0));
    assert_eq!(first_count.wakes.load(Ordering::SeqCst), 1);
    drop(first);
    assert_eq!(
        second_count.wakes.load(Ordering::SeqCst),
        0,
        "no room for it yet"
    );
    assert_eq!(rx.try_recv(), Ok(1), "the dropped send was sent");
    assert_eq!(second_count.wakes.load(Ordering::SeqCst), 1);
    assert_eq!(poll_once(&mut second), Poll::Ready(Ok(())));
    assert_eq!(rx.try_recv(), Ok(2));
}

#[test]
fn dropping_a_pending_send_leaves_the_value_unsent() {
    for cap in [Some(0), Some(1)] {
        let drops = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = channel::<DropCounter>(cap);
        if cap == Some(1) {
            tx.try_send(DropCounter::new(0, &drops)).unwrap();
        }
        let mut send = Box::pin(tx.send(DropCounter::new(1, &drops)));
        assert!(poll_once(&mut send).is_pending());
        drop(send);
        assert_eq!(
            drops.load(Ordering::SeqCst),
            1,
            "the unsent value is dropped with its future"
        );
        if cap == Some(1) {
            assert_eq!(rx.try_recv().unwrap().id, 0);
        }
        assert!(rx.try_recv().is_err(), "nothing else arrives");
    }
}

#[test]
fn channels_need_no_runtime_and_mix_threads_block_on_and_tokio() {
    for cap in FLAVOURS {
        let (tx, rx) = channel::<u64>(cap);
        let tokio = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap();
        let mut handles = Vec::new();
        // Producers: an OS thread, a block_on caller, a tokio task.
        let tx_thread = tx.clone();
        handles.push(thread::spawn(move || {
            for i in 0..500 {
                tx_thread.send_blocking(i).unwrap();
            }
        }));
        let tx_block = tx.clone();
        handles.push(thread::spawn(move || {
            hoare::block_on(async {
                for i in 500..1000 {
                    tx_block.send(i).await.unwrap();
                }
            })
        }));
        let tx_tokio = tx.clone();
        let tokio_producer = tokio.spawn(async move {
            for i in 1000..1500 {
                tx_tokio.send(i).await.unwrap();
            }
        });
        drop(tx);
        // Consumers: a tokio task and an OS thread.
        let rx_tokio = rx.clone();
        let tokio_consumer = tokio.spawn(async move {
            let mut sum = 0u64;
            while let Ok(v) = rx_tokio.recv().await {
                sum += v;
            }
            sum
        });
        let thread_sum: u64 = rx.iter().sum();
        handles.into_iter().for_each(|h| h.join().unwrap());
        tokio.block_on(tokio_producer).unwrap();
        let tokio_sum = tokio.block_on(tokio_consumer).unwrap();
        assert_eq!(thread_sum + tokio_sum, (0..1500).sum::<u64>(), "{cap:?}");
    }
}
