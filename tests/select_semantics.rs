//! `select!` and `Select`: the guarantees of `hoare::select`'s docs.

mod common;

use std::cell::RefCell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::Poll;
use std::thread;
use std::time::Duration;

use common::{channel, poll_once, Counted, FLAVOURS};
use hoare::chan::{self, RecvError, SendError, TryRecvError};
use hoare::select::{Select, Selected};

fn chi_square(counts: &[u64]) -> f64 {
    let total: u64 = counts.iter().sum();
    let expected = total as f64 / counts.len() as f64;
    counts
        .iter()
        .map(|&c| (c as f64 - expected).powi(2) / expected)
        .sum()
}

#[test]
fn four_always_ready_arms_are_chosen_uniformly() {
    let channels: Vec<_> = (0..4).map(|_| chan::bounded::<()>(1)).collect();
    let mut counts = [0u64; 4];
    hoare::block_on(async {
        for _ in 0..1_000_000 {
            for (tx, _) in &channels {
                let _ = tx.try_send(());
            }
            let index = hoare::select! {
                recv(channels[0].1) -> _ => 0,
                recv(channels[1].1) -> _ => 1,
                recv(channels[2].1) -> _ => 2,
                recv(channels[3].1) -> _ => 3,
            };
            counts[index] += 1;
        }
    });
    let chi = chi_square(&counts);
    println!("four ready arms, 1,000,000 selects: counts {counts:?}, chi-square {chi:.2}");
    assert!(
        chi < 21.11,
        "chi-square {chi:.2} over {counts:?} (3 degrees of freedom, p = 0.0001 bound 21.11)"
    );
}

#[test]
fn biased_select_follows_written_order() {
    let (tx1, rx1) = chan::bounded::<u8>(4);
    let (tx2, rx2) = chan::bounded::<u8>(4);
    hoare::block_on(async {
        for _ in 0..100 {
            tx1.try_send(1).unwrap();
            tx2.try_send(2).unwrap();
            let first = hoare::select! {
                biased;
                recv(rx1) -> m => m.unwrap(),
                recv(rx2) -> m => m.unwrap(),
            };
            assert_eq!(first, 1);
            assert_eq!(rx2.try_recv(), Ok(2));
        }
    });
}

#[test]
fn exactly_one_arm_happens_and_others_have_no_effect() {
    let drops = Arc::new(AtomicUsize::new(0));
    let (tx_a, rx_a) = chan::bounded::<Counted>(1);
    let (tx_b, rx_b) = chan::bounded::<Counted>(1);
    hoare::block_on(async {
        for round in 0..200 {
            let chosen = hoare::select! {
                send(tx_a, Counted::new(round, &drops)) -> r => { r.unwrap(); 'a' }
                send(tx_b, Counted::new(round, &drops)) -> r => { r.unwrap(); 'b' }
            };
            let (got_a, got_b) = (rx_a.try_recv(), rx_b.try_recv());
            match chosen {
                'a' => assert!(got_a.is_ok() && got_b.is_err()),
                _ => assert!(got_b.is_ok() && got_a.is_err()),
            }
        }
    });
    assert_eq!(
        drops.load(Ordering::SeqCst),
        400,
        "each unsent value dropped once, each sent one once"
    );
}

#[test]
fn unchosen_send_value_is_dropped_before_the_body_runs() {
    let drops = Arc::new(AtomicUsize::new(0));
    let (tx_full, _rx_full) = chan::bounded::<Counted>(0);
    let (tx, rx) = chan::bounded::<u8>(1);
    tx.try_send(1).unwrap();
    hoare::block_on(async {
        hoare::select! {
            send(tx_full, Counted::new(0, &drops)) -> _ => panic!("no receiver waits"),
            recv(rx) -> _ => assert_eq!(drops.load(Ordering::SeqCst), 1, "dropped before the body"),
        }
    });
}

#[test]
fn guarded_off_arm_is_never_chosen_and_not_evaluated() {
    let (tx, rx) = chan::bounded::<u8>(1);
    tx.try_send(1).unwrap();
    let evaluated = RefCell::new(Vec::new());
    let operand = |name: &'static str, rx: &chan::Receiver<u8>| {
        evaluated.borrow_mut().push(name);
        rx.clone()
    };
    hoare::block_on(async {
        let ready = false;
        let chosen = hoare::select! {
            recv(operand("off", &rx)) -> _ if ready => "off",
            default => "default",
        };
        assert_eq!(chosen, "default");
    });
    assert!(
        evaluated.borrow().is_empty(),
        "a disabled arm's operand was evaluated"
    );
    assert_eq!(rx.try_recv(), Ok(1));
}

#[test]
fn guards_then_operands_evaluated_once_in_written_order() {
    let (tx1, rx1) = chan::bounded::<u8>(1);
    let (tx2, _rx2) = chan::bounded::<u8>(1);
    tx1.try_send(9).unwrap();
    let log = RefCell::new(Vec::new());
    let note = |what: &'static str| log.borrow_mut().push(what);
    hoare::block_on(async {
        hoare::select! {
            recv({ note("rx1"); &rx1 }) -> _ if { note("guard1"); true } => {}
            send({ note("tx2"); &tx2 }, { note("value2"); 5 }) -> _ if { note("guard2"); true } => {}
        }
    });
    assert_eq!(
        *log.borrow(),
        vec!["guard1", "guard2", "rx1", "tx2", "value2"]
    );
}

#[test]
fn default_only_when_nothing_is_ready() {
    let (tx, rx) = chan::bounded::<u8>(1);
    hoare::block_on(async {
        let empty = hoare::select! { recv(rx) -> _ => false, default => true };
        assert!(empty);
        tx.try_send(3).unwrap();
        let got = hoare::select! { recv(rx) -> m => m.unwrap(), default => 0 };
        assert_eq!(got, 3);
    });
}

#[test]
fn default_is_not_taken_while_any_enabled_arm_holds_a_message() {
    let (tx_a, rx_a) = chan::bounded::<u8>(1);
    let (tx_b, rx_b) = chan::bounded::<u8>(1);
    tx_a.try_send(0).unwrap();
    hoare::block_on(async {
        for round in 0..1000 {
            let v = hoare::select! {
                recv(rx_a) -> m => m.unwrap(),
                recv(rx_b) -> m => m.unwrap(),
                default => panic!("default taken in round {round} while a message was buffered"),
            };
            if round % 2 == 0 {
                tx_b.try_send(v).unwrap()
            } else {
                tx_a.try_send(v).unwrap()
            }
        }
    });
}

#[test]
fn closed_channels_make_arms_ready_with_errors() {
    let (tx, rx) = chan::bounded::<String>(1);
    rx.close();
    hoare::block_on(async {
        let r = hoare::select! { recv(rx) -> m => m };
        assert_eq!(r, Err(RecvError));
        let r = hoare::select! { send(tx, "x".to_string()) -> r => r };
        assert_eq!(r, Err(SendError("x".to_string())));
    });
}

#[test]
fn select_in_a_loop_over_a_channel_closed_midway() {
    let (tx, rx) = chan::bounded::<u32>(2);
    let (_keep, never) = chan::bounded::<u32>(0);
    let producer = thread::spawn(move || {
        for i in 0..100 {
            tx.send_blocking(i).unwrap();
        }
    });
    let mut got = Vec::new();
    hoare::block_on(async {
        loop {
            hoare::select! {
                recv(rx) -> m => match m {
                    Ok(v) => got.push(v),
                    Err(_) => break,
                },
                recv(never) -> _ => unreachable!(),
            }
        }
    });
    producer.join().unwrap();
    assert_eq!(got, (0..100).collect::<Vec<_>>());
}

#[test]
fn bodies_can_use_question_mark_return_and_continue() {
    fn first_even(rx: &chan::Receiver<u32>) -> Result<u32, RecvError> {
        hoare::block_on(async {
            loop {
                hoare::select! {
                    recv(rx) -> m => {
                        let v = m?;
                        if v % 2 == 1 {
                            continue;
                        }
                        return Ok(v);
                    }
                }
            }
        })
    }
    let (tx, rx) = chan::unbounded();
    for v in [1, 3, 4, 5] {
        tx.try_send(v).unwrap();
    }
    assert_eq!(first_even(&rx), Ok(4));
    drop(tx);
    assert_eq!(
        first_even(&rx),
        Err(RecvError),
        "5 is skipped, then `?` propagates the close"
    );
}

#[test]
fn a_select_never_meets_itself() {
    let (tx, rx) = chan::bounded::<u8>(0);
    let mut fut = Box::pin(async {
        hoare::select! {
            send(tx, 1) -> _ => "sent",
            recv(rx) -> _ => "received",
        }
    });
    assert!(
        poll_once(&mut fut).is_pending(),
        "its own send must not complete its own recv"
    );
    assert!(poll_once(&mut fut).is_pending());
}

#[test]
fn waiting_select_with_send_arm_is_completed_by_a_later_receiver() {
    for cap in [Some(0), Some(1)] {
        let (tx, rx) = channel::<u8>(cap);
        if cap == Some(1) {
            tx.try_send(0).unwrap();
        }
        let (_other_tx, other_rx) = chan::bounded::<u8>(0);
        let selector = thread::spawn(move || {
            hoare::block_on(async {
                hoare::select! {
                    send(tx, 7) -> r => r.is_ok(),
                    recv(other_rx) -> _ => false,
                }
            })
        });
        thread::sleep(Duration::from_millis(20));
        if cap == Some(1) {
            assert_eq!(rx.recv_blocking(), Ok(0));
        }
        assert_eq!(rx.recv_blocking(), Ok(7));
        assert!(selector.join().unwrap());
    }
}

#[test]
fn a_sending_select_meets_a_receiving_select_on_a_rendezvous() {
    for _ in 0..300 {
        let (tx, rx) = chan::bounded::<u32>(0);
        let (_unused_tx, unused_rx) = chan::bounded::<u32>(0);
        let (unused_tx2, _unused_rx2) = chan::bounded::<u32>(0);
        let sender = thread::spawn(move || {
            hoare::block_on(async {
                hoare::select! {
                    send(tx, 11) -> r => r.is_ok(),
                    recv(unused_rx) -> _ => false,
                }
            })
        });
        let receiver = thread::spawn(move || {
            hoare::block_on(async {
                hoare::select! {
                    recv(rx) -> m => m.unwrap(),
                    send(unused_tx2, 0) -> _ => 0,
                }
            })
        });
        assert!(sender.join().unwrap());
        assert_eq!(receiver.join().unwrap(), 11);
    }
}

/// Selects crosswise over send and recv arms on rendezvous and bounded(1)
/// channels from several threads: the totals add up exactly.
#[test]
fn crosswise_selects_complete_each_operation_exactly_once() {
    for cap in [Some(0), Some(1)] {
        let (tx_a, rx_a) = channel::<u64>(cap);
        let (tx_b, rx_b) = channel::<u64>(cap);
        const PER_THREAD: u64 = 2_000;
        let senders: Vec<_> = (0..2u64)
            .map(|t| {
                let (tx_a, tx_b) = (tx_a.clone(), tx_b.clone());
                thread::spawn(move || {
                    hoare::block_on(async {
                        for i in 0..PER_THREAD {
                            let v = t * 1_000_000 + i;
                            hoare::select! {
                                send(tx_a, v) -> r => r.unwrap(),
                                send(tx_b, v) -> r => r.unwrap(),
                            }
                        }
                    })
                })
            })
            .collect();
        drop((tx_a, tx_b));
        let receivers: Vec<_> = (0..2)
            .map(|_| {
                let (rx_a, rx_b) = (rx_a.clone(), rx_b.clone());
                thread::spawn(move || {
                    hoare::block_on(async {
                        let (mut sum, mut count, mut a_open, mut b_open) = (0u64, 0u64, true, true);
                        while a_open || b_open {
                            hoare::select! {
                                recv(rx_a) -> m if a_open => match m { Ok(v) => { sum += v; count += 1 } Err(_) => a_open = false },
                                recv(rx_b) -> m if b_open => match m { Ok(v) => { sum += v; count += 1 } Err(_) => b_open = false },
                            }
                        }
                        (sum, count)
                    })
                })
            })
            .collect();
        drop((rx_a, rx_b));
        senders.into_iter().for_each(|h| h.join().unwrap());
        let (sum, count) = receivers
            .into_iter()
            .map(|h| h.join().unwrap())
            .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
        let expected: u64 = (0..2u64)
            .map(|t| (0..PER_THREAD).map(|i| t * 1_000_000 + i).sum::<u64>())
            .sum();
        println!("crosswise selects, capacity {cap:?}: received {count} messages summing to {sum} (sent {} summing to {expected})", 2 * PER_THREAD);
        assert_eq!((sum, count), (expected, 2 * PER_THREAD), "{cap:?}");
    }
}

/// Two selects race for one message at a time: each message goes to one.
#[test]
fn two_selects_racing_for_one_message_take_it_once() {
    for cap in FLAVOURS {
        let (tx, rx) = channel::<u64>(cap);
        let (_tx2, rx2) = channel::<u64>(cap);
        let racers: Vec<_> = (0..2)
            .map(|_| {
                let (rx, rx2) = (rx.clone(), rx2.clone());
                thread::spawn(move || {
                    hoare::block_on(async {
                        let mut sum = 0;
                        loop {
                            hoare::select! {
                                recv(rx) -> m => match m { Ok(v) => sum += v, Err(_) => return sum },
                                recv(rx2) -> _ => unreachable!(),
                            }
                        }
                    })
                })
            })
            .collect();
        for i in 1..=3000u64 {
            tx.send_blocking(i).unwrap();
        }
        drop(tx);
        let total: u64 = racers.into_iter().map(|h| h.join().unwrap()).sum();
        assert_eq!(total, 3000 * 3001 / 2, "{cap:?}");
    }
}

/// Selects dropped while being completed: a value handed to a dropped
/// select goes back to the channel; nothing is lost or doubled.
#[test]
fn dropped_waiting_selects_lose_nothing() {
    for cap in FLAVOURS {
        let drops = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = channel::<Counted>(cap);
        let (_keep, other) = channel::<Counted>(Some(0));
        let received = Arc::new(AtomicUsize::new(0));
        const SENDS: usize = 3000;
        let sender = {
            let drops = drops.clone();
            thread::spawn(move || {
                for i in 0..SENDS {
                    tx.send_blocking(Counted::new(i, &drops)).unwrap();
                }
            })
        };
        let abandoners: Vec<_> = (0..2)
            .map(|_| {
                let (rx, other, received) = (rx.clone(), other.clone(), received.clone());
                thread::spawn(move || loop {
                    let mut fut = Box::pin(async {
                        hoare::select! {
                            recv(rx) -> m => m.is_ok(),
                            recv(other) -> _ => unreachable!(),
                        }
                    });
                    match poll_once(&mut fut) {
                        Poll::Ready(true) => {
                            received.fetch_add(1, Ordering::SeqCst);
                        }
                        Poll::Ready(false) => break,
                        Poll::Pending => {
                            drop(fut);
                            match rx.try_recv() {
                                Ok(_) => {
                                    received.fetch_add(1, Ordering::SeqCst);
                                }
                                Err(TryRecvError::Closed) => break,
                                Err(TryRecvError::Empty) => thread::yield_now(),
                            }
                        }
                    }
                })
            })
            .collect();
        sender.join().unwrap();
        abandoners.into_iter().for_each(|h| h.join().unwrap());
        let buffered = rx.len();
        drop(rx);
        assert_eq!(received.load(Ordering::SeqCst) + buffered, SENDS, "{cap:?}");
        assert_eq!(drops.load(Ordering::SeqCst), SENDS, "{cap:?}");
    }
}

#[test]
fn slow_producer_arm_is_not_starved_by_a_fast_one() {
    let (fast_tx, fast_rx) = chan::bounded::<u8>(64);
    let (slow_tx, slow_rx) = chan::bounded::<u8>(1);
    let stop = Arc::new(AtomicUsize::new(0));
    let fast = {
        let stop = stop.clone();
        thread::spawn(move || {
            while stop.load(Ordering::SeqCst) == 0 {
                let _ = fast_tx.try_send(0);
            }
        })
    };
    let slow = thread::spawn(move || {
        for _ in 0..20 {
            slow_tx.send_blocking(1).unwrap();
            thread::sleep(Duration::from_millis(1));
        }
    });
    let mut slow_seen = 0;
    hoare::block_on(async {
        while slow_seen < 20 {
            hoare::select! {
                recv(fast_rx) -> _ => {}
                recv(slow_rx) -> _ => slow_seen += 1,
            }
        }
    });
    stop.store(1, Ordering::SeqCst);
    fast.join().unwrap();
    slow.join().unwrap();
    assert_eq!(slow_seen, 20);
}

#[test]
fn select_with_no_enabled_arm_and_no_default_waits_forever() {
    let (_tx, rx) = chan::bounded::<u8>(1);
    let off = false;
    let mut fut = Box::pin(async {
        hoare::select! { recv(rx) -> _ if off => () }
    });
    assert!(poll_once(&mut fut).is_pending());
    let mut nothing = Box::pin(async {
        hoare::select! {}
    });
    assert!(poll_once(&mut nothing).is_pending());
    let mut empty = Box::pin(Select::<u8>::new().select());
    assert!(poll_once(&mut empty).is_pending());
}

#[test]
fn only_default_evaluates_it() {
    let v: u8 = hoare::block_on(async {
        hoare::select! { default => 3 }
    });
    assert_eq!(v, 3);
}

#[test]
fn dynamic_select_fans_in_over_a_vector_of_receivers() {
    let channels: Vec<_> = (0..8).map(|_| chan::bounded::<usize>(1)).collect();
    let producers: Vec<_> = channels
        .iter()
        .enumerate()
        .map(|(i, (tx, _))| {
            let tx = tx.clone();
            thread::spawn(move || {
                for k in 0..50 {
                    tx.send_blocking(i * 1000 + k).unwrap();
                }
            })
        })
        .collect();
    let receivers: Vec<_> = channels.iter().map(|(_, rx)| rx.clone()).collect();
    drop(channels);
    let mut per_source = [0usize; 8];
    hoare::block_on(async {
        let mut open = 8;
        let mut closed = [false; 8];
        while open > 0 {
            let mut sel = Select::new();
            let mut map = Vec::new();
            for (i, rx) in receivers.iter().enumerate() {
                if !closed[i] {
                    map.push(i);
                    sel.recv(rx);
                }
            }
            let (index, op) = sel.select().await;
            match op {
                Selected::Recv(Ok(v)) => {
                    assert_eq!(v / 1000, map[index]);
                    per_source[map[index]] += 1;
                }
                Selected::Recv(Err(_)) => {
                    closed[map[index]] = true;
                    open -= 1;
                }
                Selected::Send(_) => unreachable!(),
            }
        }
    });
    producers.into_iter().for_each(|h| h.join().unwrap());
    assert_eq!(per_source, [50; 8]);
}

#[test]
fn dynamic_try_select_keeps_send_values_for_later() {
    let (tx, rx) = chan::bounded::<String>(0);
    let mut sel = Select::new();
    let index = sel.send(&tx, "kept".to_string());
    assert!(sel.try_select().is_none(), "no receiver waits");
    let receiver = thread::spawn(move || rx.recv_blocking());
    let (chosen, op) = hoare::block_on(sel.select());
    assert_eq!(chosen, index);
    assert!(matches!(op, Selected::Send(Ok(()))));
    assert_eq!(receiver.join().unwrap().unwrap(), "kept");
}

#[test]
fn dynamic_biased_select_follows_insertion_order() {
    let (tx1, rx1) = chan::bounded::<u8>(1);
    let (tx2, rx2) = chan::bounded::<u8>(1);
    for _ in 0..50 {
        tx1.try_send(1).unwrap();
        tx2.try_send(2).unwrap();
        let mut sel = Select::new().biased();
        sel.recv(&rx2);
        sel.recv(&rx1);
        let (index, _) = sel.try_select().unwrap();
        assert_eq!(index, 0);
        let _ = rx1.try_recv();
    }
}

#[test]
fn select_works_inside_tokio_tasks() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let (tx, rx) = chan::bounded::<u32>(0);
    let (tx2, rx2) = chan::bounded::<u32>(0);
    let a = rt.spawn(async move {
        let mut sum = 0;
        for _ in 0..100 {
            sum += hoare::select! { recv(rx) -> m => m.unwrap(), recv(rx2) -> m => m.unwrap() };
        }
        sum
    });
    let b = rt.spawn(async move {
        for i in 0..100 {
            hoare::select! { send(tx, i) -> r => r.unwrap(), send(tx2, i) -> r => r.unwrap() }
        }
    });
    rt.block_on(b).unwrap();
    assert_eq!(rt.block_on(a).unwrap(), (0..100).sum::<u32>());
}

#[test]
fn operands_are_borrowed_and_temporaries_live_for_the_select() {
    let (tx, rx) = chan::bounded::<u8>(1);
    tx.try_send(1).unwrap();
    hoare::block_on(async {
        hoare::select! {
            recv(rx) -> _ => {}
            recv(chan::bounded::<u8>(1).1) -> _ => {}
        }
    });
    // `rx` and `tx` were borrowed, not moved.
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    tx.try_send(2).unwrap();
}

#[test]
fn thirty_two_arms() {
    let channels: Vec<_> = (0..32).map(|_| chan::bounded::<usize>(1)).collect();
    channels[31].0.try_send(31).unwrap();
    let r = &channels;
    let got = hoare::block_on(async {
        hoare::select! {
            recv(r[0].1) -> m => m.unwrap(), recv(r[1].1) -> m => m.unwrap(), recv(r[2].1) -> m => m.unwrap(), recv(r[3].1) -> m => m.unwrap(),
            recv(r[4].1) -> m => m.unwrap(), recv(r[5].1) -> m => m.unwrap(), recv(r[6].1) -> m => m.unwrap(), recv(r[7].1) -> m => m.unwrap(),
            recv(r[8].1) -> m => m.unwrap(), recv(r[9].1) -> m => m.unwrap(), recv(r[10].1) -> m => m.unwrap(), recv(r[11].1) -> m => m.unwrap(),
            recv(r[12].1) -> m => m.unwrap(), recv(r[13].1) -> m => m.unwrap(), recv(r[14].1) -> m => m.unwrap(), recv(r[15].1) -> m => m.unwrap(),
            recv(r[16].1) -> m => m.unwrap(), recv(r[17].1) -> m => m.unwrap(), recv(r[18].1) -> m => m.unwrap(), recv(r[19].1) -> m => m.unwrap(),
            recv(r[20].1) -> m => m.unwrap(), recv(r[21].1) -> m => m.unwrap(), recv(r[22].1) -> m => m.unwrap(), recv(r[23].1) -> m => m.unwrap(),
            recv(r[24].1) -> m => m.unwrap(), recv(r[25].1) -> m => m.unwrap(), recv(r[26].1) -> m => m.unwrap(), recv(r[27].1) -> m => m.unwrap(),
            recv(r[28].1) -> m => m.unwrap(), recv(r[29].1) -> m => m.unwrap(), recv(r[30].1) -> m => m.unwrap(), recv(r[31].1) -> m => m.unwrap(),
        }
    });
    assert_eq!(got, 31);
}
