//! More sentences of the documented contract: rendezvous leftovers and close, misuse inside
//! a simulation, selects meeting selects, fused streams.

mod port_util;

use std::any::Any;
use std::panic::{self, AssertUnwindSafe};
use std::task::Poll;
use std::time::Duration;

use hoare::chan::{bounded, unbounded, RecvError, SendError, TryRecvError};
use hoare::sim::{self, SimError};
use port_util::{next, poll_once, within};

fn msg(payload: Box<dyn Any + Send>) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        String::new()
    }
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
fn close_completes_a_waiting_select_send_arm_with_its_value() {
    let (tx, rx) = bounded::<String>(0);
    let (_tx2, rx2) = bounded::<String>(0);
    let mut fut = Box::pin(async {
        hoare::select! {
            send(tx, "mine".to_string()) -> r => r.map_err(|e| e.into_inner()),
            recv(rx2) -> _ => Ok(()),
        }
    });
    assert!(poll_once(&mut fut).is_pending());
    rx.close();
    assert_eq!(poll_once(&mut fut), Poll::Ready(Err("mine".to_string())));
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
fn blocking_calls_inside_a_simulation_panic_pointing_to_await() {
    for which in 0..4 {
        let r = sim::Builder::new().seed(1).try_run(async move {
            let (tx, rx) = unbounded::<u8>();
            tx.try_send(1).unwrap();
            match which {
                0 => drop(rx.recv_blocking()),
                1 => drop(tx.send_blocking(1)),
                2 => hoare::block_on(async {}),
                _ => drop(rx.iter().next()),
            }
        });
        match r {
            Err(SimError::Panic { message, .. }) => {
                assert!(message.contains(".await"), "case {which}: {message}")
            }
            other => panic!("case {which}: expected a panic error, got {other:?}"),
        }
    }
}

#[test]
fn selects_meet_on_a_rendezvous_in_a_simulation() {
    for seed in 0..50 {
        let (a, b) = sim::Builder::new().seed(seed).run(async {
            let (tx, rx) = bounded::<u32>(0);
            let (_tx2, rx2) = bounded::<u32>(0);
            let (tx3, _rx3) = bounded::<u32>(0);
            let h = hoare::spawn(async move {
                hoare::select! {
                    recv(rx) -> m => m.unwrap(),
                    recv(rx2) -> _ => 0,
                }
            });
            let sent = hoare::select! {
                send(tx, 7) -> r => { r.unwrap(); 7 }
                send(tx3, 8) -> _ => 8,
            };
            (sent, h.await.unwrap())
        });
        assert_eq!((a, b), (7, 7), "seed {seed}");
    }
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

#[test]
fn timers_in_a_simulation_do_not_sleep_for_real() {
    within(20, || {
        let v = sim::Builder::new().seed(9).run(async {
            let (tx, rx) = bounded::<u8>(0);
            hoare::spawn(async move {
                hoare::time::sleep(Duration::from_secs(86_400)).await;
                tx.send(1).await.unwrap();
            });
            hoare::select! {
                recv(rx) -> m => m.unwrap(),
                recv(hoare::time::after(Duration::from_secs(2 * 86_400))) -> _ => 0,
            }
        });
        assert_eq!(v, 1);
    });
}

#[test]
fn spawn_in_simulation_and_joins() {
    let v = sim::Builder::new().seed(10).run(async {
        let hs: Vec<_> = (0..20u32)
            .map(|i| hoare::spawn(async move { i * i }))
            .collect();
        let mut s = 0;
        for h in hs {
            s += h.await.unwrap();
        }
        s
    });
    assert_eq!(v, (0..20u32).map(|i| i * i).sum());
}

#[test]
fn a_process_that_panics_closes_its_senders_in_a_simulation() {
    let r = sim::Builder::new().seed(11).try_run(async {
        let (tx, rx) = bounded::<u8>(0);
        let h = hoare::spawn(async move {
            let _tx = tx;
            panic!("bye");
        });
        let got = rx.recv().await;
        let _ = h.await;
        got
    });
    assert_eq!(r.ok(), Some(Err(RecvError)));
}

#[test]
fn spawn_panic_message_is_clear_in_plain_thread_too() {
    let m =
        msg(panic::catch_unwind(AssertUnwindSafe(|| drop(hoare::spawn(async {})))).unwrap_err());
    assert!(m.contains("runtime"));
}

#[test]
fn try_ops_and_default_selects_never_hit_the_budget() {
    within(20, || {
        hoare::run(async {
            let h = hoare::spawn(async {
                let (tx, rx) = unbounded::<u32>();
                for i in 0..20_000 {
                    tx.try_send(i).unwrap();
                    let got = hoare::select! {
                        recv(rx) -> m => m.unwrap(),
                        default => panic!("default taken at {i} with a ready arm (budget?)"),
                    };
                    assert_eq!(got, i);
                    tx.try_send(i).unwrap();
                    assert_eq!(rx.try_recv(), Ok(i), "try_recv must not see Empty");
                }
            });
            h.await.unwrap();
        });
    });
}

#[test]
fn dropping_a_join_handle_detaches() {
    within(20, || {
        hoare::run(async {
            let (tx, rx) = bounded::<u8>(0);
            drop(hoare::spawn(async move {
                hoare::time::sleep(Duration::from_millis(2)).await;
                tx.send(5).await.unwrap();
            }));
            assert_eq!(rx.recv().await, Ok(5));
        });
    });
}

#[test]
fn dropping_a_par_future_aborts_its_processes() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    within(20, || {
        hoare::run(async {
            let drops = Arc::new(AtomicUsize::new(0));
            let futs: Vec<_> = (0..4)
                .map(|i| {
                    let d = port_util::DropCounter::new(i, &drops);
                    async move {
                        let _d = d;
                        std::future::pending::<()>().await
                    }
                })
                .collect();
            let r = hoare::time::timeout(Duration::from_millis(5), hoare::par(futs)).await;
            assert!(r.is_err());
            let deadline = std::time::Instant::now() + Duration::from_secs(10);
            while drops.load(Ordering::SeqCst) < 4 {
                assert!(
                    std::time::Instant::now() < deadline,
                    "par's processes not aborted"
                );
                hoare::time::sleep(Duration::from_millis(1)).await;
            }
        });
    });
}

#[test]
fn abort_a_process_blocked_on_a_rendezvous_send_unsends_the_value() {
    within(20, || {
        hoare::run(async {
            let (tx, rx) = bounded::<u8>(0);
            let h = hoare::spawn(async move {
                let _ = tx.send(1).await;
                std::future::pending::<()>().await;
            });
            hoare::time::sleep(Duration::from_millis(2)).await;
            h.abort();
            assert!(h.await.unwrap_err().is_cancelled());
            assert_eq!(
                rx.recv().await,
                Err(RecvError),
                "the sender went with the process"
            );
        });
    });
}

#[test]
fn a_waiting_select_chooses_fairly_among_arms_completed_later() {
    for cap in [Some(0usize), Some(1), None] {
        let (tx, rx) = port_util::channel::<u8>(cap);
        let mut hits = [0usize; 2];
        for _ in 0..2000 {
            let mut fut = Box::pin(async {
                hoare::select! {
                    recv(rx) -> _ => 0,
                    recv(rx) -> _ => 1,
                }
            });
            assert!(poll_once(&mut fut).is_pending());
            tx.try_send(1).unwrap();
            match poll_once(&mut fut) {
                Poll::Ready(i) => hits[i] += 1,
                Poll::Pending => panic!("woken select must complete"),
            }
        }
        assert!(hits[0] > 700 && hits[1] > 700, "flavour {cap:?}: {hits:?}");
    }
}

#[test]
fn timed_out_selects_send_nothing_and_drop_their_values_once() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    let drops = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = bounded::<port_util::DropCounter>(1);
    tx.try_send(port_util::DropCounter::new(0, &drops)).unwrap();
    hoare::block_on(async {
        let mut sel = hoare::Select::new();
        sel.send(&tx, port_util::DropCounter::new(1, &drops));
        let r = hoare::time::timeout(Duration::from_millis(2), sel.select()).await;
        assert!(r.is_err());
        assert_eq!(drops.load(Ordering::SeqCst), 1);
        let r = hoare::time::timeout(Duration::from_millis(2), async {
            hoare::select! {
                send(tx, port_util::DropCounter::new(2, &drops)) -> _ => (),
            }
        })
        .await;
        assert!(r.is_err());
        assert_eq!(drops.load(Ordering::SeqCst), 2);
    });
    assert_eq!(rx.len(), 1);
    assert_eq!(rx.try_recv().unwrap().id, 0);
    assert_eq!(rx.try_recv().map(|m| m.id), Err(TryRecvError::Empty));
}
