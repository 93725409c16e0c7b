//! Port of crossbeam-channel's `tests/select.rs` / `select_macro.rs` and of
//! the select tests in Go's `runtime/chan_test.go` to `hoare::select!` and
//! the dynamic `Select`.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::Poll;
use std::thread;
use std::time::Duration;

use hoare::chan::{bounded, unbounded, RecvError, SendError, TryRecvError};
use hoare::select::{Select, Selected};
use hoare::time::{after, timeout};
use support::{channel, poll_once, scale, within};

const MS: Duration = Duration::from_millis(1);

fn block<T>(f: impl std::future::Future<Output = T>) -> T {
    hoare::block_on(f)
}

#[test]
fn smoke_one_ready_of_two_and_five() {
    let (tx1, rx1) = unbounded::<i32>();
    let (_tx2, rx2) = unbounded::<i32>();
    tx1.try_send(1).unwrap();
    block(async {
        hoare::select! {
            recv(rx1) -> v => assert_eq!(v, Ok(1)),
            recv(rx2) -> _ => panic!(),
        }
    });
    let chans: Vec<_> = (0..5).map(|_| unbounded::<i32>()).collect();
    chans[4].0.try_send(5).unwrap();
    block(async {
        hoare::select! {
            recv(chans[0].1) -> _ => panic!(),
            recv(chans[1].1) -> _ => panic!(),
            recv(chans[2].1) -> _ => panic!(),
            recv(chans[3].1) -> _ => panic!(),
            recv(chans[4].1) -> v => assert_eq!(v, Ok(5)),
        }
    });
}

#[test]
fn closed_channel_arms_are_ready() {
    let (tx1, rx1) = unbounded::<i32>();
    let (tx2, rx2) = unbounded::<i32>();
    drop(tx1);
    drop(tx2);
    block(async {
        hoare::select! {
            recv(rx1) -> v => assert_eq!(v, Err(RecvError)),
            recv(rx2) -> v => assert_eq!(v, Err(RecvError)),
            recv(after(Duration::from_secs(60))) -> _ => panic!("timed out"),
        }
    });
    // A send arm on a closed channel is ready with its value back.
    let (tx, rx) = bounded::<String>(0);
    drop(rx);
    block(async {
        hoare::select! {
            send(tx, "x".to_string()) -> r => assert_eq!(r, Err(SendError("x".to_string()))),
            default => panic!("a closed send arm is ready"),
        }
    });
}

#[test]
fn default_taken_only_when_nothing_ready() {
    let (tx, rx) = unbounded::<i32>();
    let took_default = block(async {
        hoare::select! {
            recv(rx) -> _ => false,
            default => true,
        }
    });
    assert!(took_default);
    tx.try_send(1).unwrap();
    let got = block(async {
        hoare::select! {
            recv(rx) -> v => v.ok(),
            default => None,
        }
    });
    assert_eq!(got, Some(1));
    drop(tx);
    let got = block(async {
        hoare::select! {
            recv(rx) -> v => Some(v),
            default => None,
        }
    });
    assert_eq!(got, Some(Err(RecvError)), "closed beats default");
    // Full bounded: send arm not ready, default taken; value dropped.
    let (tx, _rx) = bounded::<i32>(1);
    tx.try_send(0).unwrap();
    let d = block(async {
        hoare::select! {
            send(tx, 1) -> _ => false,
            default => true,
        }
    });
    assert!(d);
    assert_eq!(tx.len(), 1);
}

#[test]
fn default_only_and_empty_with_timeout() {
    assert_eq!(
        block(async {
            hoare::select! { default => 3 }
        }),
        3
    );
    let r = block(timeout(5 * MS, async {
        hoare::select! {}
    }));
    assert!(r.is_err(), "select! {{}} never completes");
}

#[test]
fn after_arm_times_out_then_value_wins() {
    let (tx, rx) = unbounded::<i32>();
    let chosen = block(async {
        hoare::select! {
            recv(rx) -> _ => "recv",
            recv(after(5 * MS)) -> _ => "timeout",
        }
    });
    assert_eq!(chosen, "timeout");
    within(30, move || {
        thread::scope(|s| {
            s.spawn(|| {
                thread::sleep(2 * MS);
                tx.send_blocking(1).unwrap();
            });
            let chosen = block(async {
                hoare::select! {
                    recv(rx) -> v => { assert_eq!(v, Ok(1)); "recv" }
                    recv(after(Duration::from_secs(20))) -> _ => "timeout",
                }
            });
            assert_eq!(chosen, "recv");
        });
    });
}

#[test]
fn blocked_select_unblocks_on_send_and_on_receive() {
    within(20, || {
        let (tx1, rx1) = bounded::<i32>(0);
        let (tx2, rx2) = bounded::<i32>(0);
        thread::scope(|s| {
            s.spawn(|| {
                thread::yield_now();
                tx2.send_blocking(1).unwrap();
            });
            block(async {
                hoare::select! {
                    recv(rx1) -> _ => panic!(),
                    recv(rx2) -> v => assert_eq!(v, Ok(1)),
                }
            });
        });
        thread::scope(|s| {
            s.spawn(|| {
                thread::yield_now();
                assert_eq!(rx1.recv_blocking(), Ok(1));
            });
            block(async {
                hoare::select! {
                    send(tx1, 1) -> r => r.unwrap(),
                    send(tx2, 2) -> _ => panic!(),
                }
            });
        });
    });
}

#[test]
fn both_ready_arms_each_complete_once() {
    within(20, || {
        let (tx1, rx1) = bounded::<i32>(0);
        let (tx2, rx2) = bounded::<i32>(0);
        thread::scope(|s| {
            s.spawn(|| {
                thread::yield_now();
                tx1.send_blocking(1).unwrap();
                assert_eq!(rx2.recv_blocking(), Ok(2));
            });
            let mut got = Vec::new();
            for _ in 0..2 {
                block(async {
                    hoare::select! {
                        recv(rx1) -> v => { assert_eq!(v, Ok(1)); got.push(1) }
                        send(tx2, 2) -> r => { r.unwrap(); got.push(2) }
                    }
                });
            }
            got.sort();
            assert_eq!(got, vec![1, 2]);
        });
    });
}

#[test]
fn loop_try_with_default() {
    let runs = scale(200);
    within(60, move || {
        for _ in 0..runs {
            let (tx1, rx1) = bounded::<i32>(0);
            let (tx2, rx2) = bounded::<i32>(0);
            let (end_tx, end_rx) = bounded::<()>(0);
            thread::scope(|s| {
                s.spawn(|| loop {
                    if tx1.try_send(1).is_ok() {
                        break;
                    }
                    if end_rx.try_recv().is_ok() {
                        break;
                    }
                    thread::yield_now();
                });
                s.spawn(|| loop {
                    if let Ok(x) = rx2.try_recv() {
                        assert_eq!(x, 2);
                        break;
                    }
                    if end_rx.try_recv().is_ok() {
                        break;
                    }
                    thread::yield_now();
                });
                s.spawn(|| {
                    thread::yield_now();
                    block(async {
                        hoare::select! {
                            recv(rx1) -> v => assert_eq!(v, Ok(1)),
                            send(tx2, 2) -> r => r.unwrap(),
                            recv(after(Duration::from_secs(10))) -> _ => panic!("timed out"),
                        }
                    });
                    end_tx.send_blocking(()).unwrap();
                });
            });
        }
    });
}

#[test]
fn send_and_recv_on_same_rendezvous_never_meet() {
    let (tx, rx) = bounded::<i32>(0);
    let chosen = block(async {
        hoare::select! {
            send(tx, 0) -> _ => "send",
            recv(rx) -> _ => "recv",
            recv(after(20 * MS)) -> _ => "timeout",
        }
    });
    assert_eq!(chosen, "timeout");
    // On an unbounded channel the send arm is ready and the recv is not.
    let (tx, rx) = unbounded::<i32>();
    let chosen = block(async {
        hoare::select! {
            send(tx, 0) -> _ => "send",
            recv(rx) -> _ => "recv",
            default => "default",
        }
    });
    assert_eq!(chosen, "send");
    assert_eq!(rx.try_recv(), Ok(0));
}

#[test]
fn self_select_go_test_never_receives_own_value() {
    // Go's TestSelfSelect: two goroutines both select send/recv on one
    // unbuffered channel; each value received must be the other's.
    let rounds = scale(10_000);
    within(60, move || {
        let (tx, rx) = bounded::<usize>(0);
        thread::scope(|s| {
            for p in 0..2usize {
                let (tx, rx) = (&tx, &rx);
                s.spawn(move || {
                    block(async {
                        for _ in 0..rounds {
                            hoare::select! {
                                send(tx, p) -> r => r.unwrap(),
                                recv(rx) -> v => assert_ne!(v.unwrap(), p, "a select met itself"),
                            }
                        }
                    });
                });
            }
        });
    });
}

#[test]
fn matching_selects_pair_up() {
    let threads = 44;
    within(30, move || {
        let (tx, rx) = bounded::<usize>(0);
        thread::scope(|s| {
            for i in 0..threads {
                let (tx, rx) = (&tx, &rx);
                s.spawn(move || {
                    block(async {
                        hoare::select! {
                            recv(rx) -> v => assert_ne!(v, Ok(i)),
                            send(tx, i) -> r => r.unwrap(),
                        }
                    });
                });
            }
        });
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    });
}

#[test]
fn matching_with_leftover_sender() {
    let threads = 55;
    within(30, move || {
        let (tx, rx) = bounded::<usize>(0);
        thread::scope(|s| {
            for i in 0..threads {
                let (tx, rx) = (&tx, &rx);
                s.spawn(move || {
                    block(async {
                        hoare::select! {
                            recv(rx) -> v => assert_ne!(v, Ok(i)),
                            send(tx, i) -> r => r.unwrap(),
                        }
                    });
                });
            }
            s.spawn(|| tx.send_blocking(!0).unwrap());
        });
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    });
}

#[test]
fn linearizable_default_crossbeam() {
    // A value moves between two channels; at every instant one holds it,
    // so `default` must never be taken.
    let count = scale(50_000);
    for flavour in [Some(1), None] {
        within(60, move || {
            let (start_tx, start_rx) = bounded::<()>(0);
            let (end_tx, end_rx) = bounded::<()>(0);
            let (tx1, rx1) = channel::<i32>(flavour);
            let (tx2, rx2) = channel::<i32>(flavour);
            thread::scope(|s| {
                s.spawn(|| {
                    for _ in 0..count {
                        start_tx.send_blocking(()).unwrap();
                        tx1.send_blocking(1).unwrap();
                        block(async {
                            hoare::select! {
                                recv(rx1) -> _ => {}
                                recv(rx2) -> _ => {}
                                default => panic!("default taken while a value was always present"),
                            }
                        });
                        end_tx.send_blocking(()).unwrap();
                        let _ = rx2.try_recv();
                    }
                });
                for _ in 0..count {
                    start_rx.recv_blocking().unwrap();
                    tx2.send_blocking(1).unwrap();
                    let _ = rx1.try_recv();
                    end_rx.recv_blocking().unwrap();
                }
            });
        });
    }
}

#[test]
fn nonblock_select_race_go() {
    // Go's TestNonblockSelectRace and TestNonblockSelectRace2.
    let n = scale(20_000);
    within(60, move || {
        for second in [false, true] {
            for _ in 0..n {
                let (tx1, rx1) = bounded::<i32>(1);
                let (tx2, rx2) = bounded::<i32>(1);
                tx1.try_send(1).unwrap();
                let ok = thread::scope(|s| {
                    let h = s.spawn(|| {
                        block(async {
                            hoare::select! {
                                recv(rx1) -> _ => true,
                                recv(rx2) -> _ => true,
                                default => false,
                            }
                        })
                    });
                    if second {
                        tx2.close();
                    } else {
                        tx2.try_send(1).unwrap();
                    }
                    let _ = rx1.try_recv();
                    h.join().unwrap()
                });
                assert!(ok, "no channel was ready (second = {second})");
            }
        }
    });
}

#[test]
fn nonblock_recv_race_go() {
    // Go's TestNonblockRecvRace: a buffered value, then close; a select
    // with default must see the value or the close, never default.
    let n = scale(20_000);
    within(60, move || {
        for _ in 0..n {
            let (tx, rx) = bounded::<i32>(1);
            tx.try_send(1).unwrap();
            thread::scope(|s| {
                s.spawn(|| {
                    block(async {
                        hoare::select! {
                            recv(rx) -> _ => {}
                            default => panic!("chan is not ready"),
                        }
                    })
                });
                tx.close();
                let _ = rx.try_recv();
            });
        }
    });
}

#[test]
fn duplicate_channel_select_is_fully_dequeued_go() {
    // Go's TestSelectDuplicateChannel.
    within(20, || {
        let (c_tx, c_rx) = bounded::<i32>(0);
        let (d_tx, d_rx) = bounded::<i32>(0);
        let (e_tx, e_rx) = bounded::<i32>(0);
        thread::scope(|s| {
            s.spawn(|| {
                block(async {
                    hoare::select! {
                        recv(c_rx) -> _ => {}
                        recv(c_rx) -> _ => {}
                        recv(d_rx) -> _ => {}
                    }
                });
                e_tx.send_blocking(9).unwrap();
            });
            thread::sleep(MS);
            let plain = s.spawn(|| c_rx.recv_blocking());
            thread::sleep(MS);
            d_tx.send_blocking(7).unwrap();
            e_rx.recv_blocking().unwrap();
            c_tx.send_blocking(8).unwrap();
            assert_eq!(plain.join().unwrap(), Ok(8));
        });
    });
}

#[test]
fn pseudo_random_send_go() {
    // Go's TestPseudoRandomSend: both send arms on one channel are chosen.
    for cap in [0usize, 100] {
        let n = 100;
        within(20, move || {
            let (tx, rx) = bounded::<usize>(cap);
            thread::scope(|s| {
                let h = s.spawn(|| {
                    let mut hits = [0; 2];
                    for _ in 0..n {
                        hits[rx.recv_blocking().unwrap()] += 1;
                    }
                    hits
                });
                block(async {
                    for _ in 0..n {
                        hoare::select! {
                            send(tx, 0) -> r => r.unwrap(),
                            send(tx, 1) -> r => r.unwrap(),
                        }
                    }
                });
                let hits = h.join().unwrap();
                assert!(hits[0] > n / 10 && hits[1] > n / 10, "{hits:?}");
            });
        });
    }
}

#[test]
fn stress_mixed_send_recv_selects() {
    let count = scale(10_000);
    within(60, move || {
        let (tx1, rx1) = bounded::<usize>(0);
        let (tx2, rx2) = bounded::<usize>(0);
        thread::scope(|s| {
            s.spawn(|| {
                for i in 0..count {
                    tx1.send_blocking(i).unwrap();
                }
            });
            s.spawn(|| {
                for i in 0..count {
                    assert_eq!(rx2.recv_blocking(), Ok(i));
                }
            });
            block(async {
                for i in 0..count {
                    let (mut got, mut sent) = (false, false);
                    while !(got && sent) {
                        hoare::select! {
                            recv(rx1) -> v if !got => { assert_eq!(v, Ok(i)); got = true }
                            send(tx2, i) -> r if !sent => { r.unwrap(); sent = true }
                        }
                    }
                }
            });
        });
    });
}

#[test]
fn stress_recv_and_send_with_rx2_consumer() {
    let count = scale(10_000);
    within(60, move || {
        let (tx1, rx1) = unbounded::<usize>();
        let (tx2, rx2) = bounded::<usize>(5);
        let (tx3, rx3) = bounded::<()>(100);
        thread::scope(|s| {
            s.spawn(|| {
                for i in 0..count {
                    tx1.send_blocking(i).unwrap();
                    rx3.recv_blocking().unwrap();
                    tx2.send_blocking(i).unwrap();
                    rx3.recv_blocking().unwrap();
                }
            });
            block(async {
                for i in 0..count {
                    for _ in 0..2 {
                        hoare::select! {
                            recv(rx1) -> v => assert_eq!(v, Ok(i)),
                            recv(rx2) -> v => assert_eq!(v, Ok(i)),
                        }
                        tx3.send(()).await.unwrap();
                    }
                }
            });
        });
    });
}

#[test]
fn cloning_receiver_while_select_waits() {
    within(20, || {
        let (tx1, rx1) = unbounded::<i32>();
        let (_tx2, rx2) = unbounded::<i32>();
        let (tx3, rx3) = unbounded::<()>();
        thread::scope(|s| {
            s.spawn(|| {
                rx3.recv_blocking().unwrap();
                drop(tx1.clone());
                assert_eq!(rx3.try_recv(), Err(TryRecvError::Empty));
                tx1.send_blocking(1).unwrap();
                rx3.recv_blocking().unwrap();
            });
            tx3.send_blocking(()).unwrap();
            block(async {
                hoare::select! {
                    recv(rx1) -> _ => {}
                    recv(rx2) -> _ => {}
                }
            });
            tx3.send_blocking(()).unwrap();
        });
    });
}

#[test]
fn fairness_with_closed_and_ready_arms() {
    let count = 10_000;
    let (tx1, rx1) = bounded::<()>(count);
    let (tx2, rx2) = unbounded::<()>();
    let (tx3, rx3) = unbounded::<()>();
    drop(tx3); // always ready with Err
    for _ in 0..count {
        tx1.try_send(()).unwrap();
        tx2.try_send(()).unwrap();
    }
    let mut hits = [0usize; 3];
    block(async {
        for _ in 0..count {
            hoare::select! {
                recv(rx1) -> _ => hits[0] += 1,
                recv(rx2) -> _ => hits[1] += 1,
                recv(rx3) -> v => { assert!(v.is_err()); hits[2] += 1 }
            }
        }
    });
    assert!(hits.iter().all(|&h| h > count / 3 / 2), "{hits:?}");
}

#[test]
fn fairness_between_selects_on_both_sides() {
    // crossbeam's fairness2: a sending select that only offers on empty
    // buffers, against a receiving select.
    let count = scale(10_000).max(1000);
    within(60, move || {
        let (tx1, rx1) = unbounded::<()>();
        let (tx2, rx2) = bounded::<()>(1);
        let (tx3, rx3) = bounded::<()>(0);
        thread::scope(|s| {
            s.spawn(|| {
                block(async {
                    for _ in 0..count {
                        hoare::select! {
                            send(tx1, ()) -> r if tx1.is_empty() => r.unwrap(),
                            send(tx2, ()) -> r if tx2.is_empty() => r.unwrap(),
                            send(tx3, ()) -> r => r.unwrap(),
                        }
                    }
                });
            });
            let mut hits = [0usize; 3];
            block(async {
                for _ in 0..count {
                    hoare::select! {
                        recv(rx1) -> _ => hits[0] += 1,
                        recv(rx2) -> _ => hits[1] += 1,
                        recv(rx3) -> _ => hits[2] += 1,
                    }
                }
            });
            assert!(hits.iter().all(|&h| h > count / 3 / 50), "{hits:?}");
        });
    });
}

#[test]
fn dynamic_select_fan_in_and_indices() {
    let chans: Vec<_> = (0..8)
        .map(|i| channel::<usize>(support::FLAVOURS[i % 4]))
        .collect();
    let mut sel = Select::new();
    for (i, (_, rx)) in chans.iter().enumerate() {
        assert_eq!(sel.recv(rx), i);
    }
    assert!(sel.try_select().is_none());
    chans[5].0.try_send(55).unwrap_or_else(|_| {
        // rendezvous: no receiver yet; use a buffered one instead
        chans[6].0.try_send(55).unwrap();
    });
    match sel.try_select() {
        Some((i, Selected::Recv(Ok(55)))) => assert!(i == 5 || i == 6),
        other => panic!("unexpected {:?}", other.map(|(i, _)| i)),
    }
}

#[test]
fn dynamic_select_keeps_unsent_values_for_a_later_try() {
    let drops = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = bounded::<support::DropCounter>(1);
    tx.try_send(support::DropCounter::new(0, &drops)).unwrap();
    let mut sel = Select::new();
    let i = sel.send(&tx, support::DropCounter::new(1, &drops));
    assert_eq!(i, 0);
    assert!(sel.try_select().is_none());
    assert_eq!(drops.load(Ordering::SeqCst), 0, "the value is kept");
    drop(rx.try_recv().unwrap());
    match sel.try_select() {
        Some((0, Selected::Send(Ok(())))) => {}
        _ => panic!("send arm should complete now"),
    }
    assert_eq!(rx.try_recv().unwrap().id, 1);
    drop(sel);
    assert_eq!(drops.load(Ordering::SeqCst), 2);
}

#[test]
fn dynamic_select_waits_and_is_woken() {
    within(20, || {
        let rxs: Vec<_> = (0..4).map(|_| bounded::<i32>(0)).collect();
        thread::scope(|s| {
            s.spawn(|| rxs[2].0.send_blocking(2).unwrap());
            let (i, op) = block(async {
                let mut sel = Select::new();
                for (_, rx) in &rxs {
                    sel.recv(rx);
                }
                sel.select().await
            });
            assert_eq!(i, 2);
            assert!(matches!(op, Selected::Recv(Ok(2))));
        });
    });
}

#[test]
fn dynamic_select_biased_follows_order_and_empty_waits_forever() {
    let (tx1, rx1) = unbounded::<i32>();
    let (tx2, rx2) = unbounded::<i32>();
    for _ in 0..50 {
        tx1.try_send(1).unwrap();
        tx2.try_send(2).unwrap();
        let mut sel = Select::new().biased();
        sel.recv(&rx1);
        sel.recv(&rx2);
        let (i, op) = block(sel.select());
        assert_eq!(i, 0);
        assert!(matches!(op, Selected::Recv(Ok(1))));
        assert_eq!(rx2.try_recv(), Ok(2));
    }
    let r = block(timeout(5 * MS, Select::<i32>::new().select()));
    assert!(r.is_err());
}

#[test]
fn dynamic_select_dropped_while_pending_loses_nothing() {
    let (tx, rx) = bounded::<i32>(0);
    let (tx2, rx2) = bounded::<i32>(0);
    {
        let mut sel = Select::new();
        sel.recv(&rx);
        sel.send(&tx2, 5);
        let mut fut = Box::pin(sel.select());
        assert!(poll_once(&mut fut).is_pending());
    }
    // Nothing waits any more: try_send fails, no value arrives on rx2.
    assert!(tx.try_send(1).is_err());
    assert_eq!(rx2.try_recv(), Err(TryRecvError::Empty));
    // And a fresh receiver works.
    let mut fut = Box::pin(rx.recv());
    assert!(poll_once(&mut fut).is_pending());
    tx.try_send(3).unwrap();
    assert_eq!(poll_once(&mut fut), Poll::Ready(Ok(3)));
}
