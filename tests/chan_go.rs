//! Port of Go's channel tests (`test/chan/*.go`, `runtime/chan_test.go`) to
//! hoare processes: goroutines become `hoare::spawn`, `chan T` becomes
//! `bounded`, nil channels become guarded-off arms.

mod support;

use std::cell::RefCell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use hoare::chan::{bounded, unbounded, Receiver, RecvError, Sender, TryRecvError, TrySendError};
use support::{scale, within};

fn run<T: Send + 'static>(f: impl std::future::Future<Output = T> + Send + 'static) -> T {
    within(60, move || hoare::run(f))
}

#[test]
fn test_chan_matrix() {
    // runtime TestChan, for capacities 0..20.
    run(async {
        for cap in 0..20usize {
            // receive from an empty channel blocks
            let (tx, rx) = bounded::<usize>(cap);
            assert!(hoare::time::timeout(Duration::from_millis(1), rx.recv())
                .await
                .is_err());
            assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
            // send to a full channel blocks
            for i in 0..cap {
                tx.send(i).await.unwrap();
            }
            assert!(hoare::time::timeout(Duration::from_millis(1), tx.send(99))
                .await
                .is_err());
            assert!(matches!(tx.try_send(100), Err(TrySendError::Full(100))));
            // FIFO
            for i in 0..cap {
                assert_eq!(rx.recv().await, Ok(i));
            }
            // close unblocks a receive
            let rx2 = rx.clone();
            let h = hoare::spawn(async move { rx2.recv().await });
            hoare::yield_now().await;
            tx.close();
            assert_eq!(h.await.unwrap(), Err(RecvError));
            // receive from closed returns the zero value: here Err, again and again
            for _ in 0..3 {
                assert_eq!(rx.recv().await, Err(RecvError));
            }
            // FIFO across processes, with a close at the end
            let (tx, rx) = bounded::<usize>(cap);
            hoare::spawn(async move {
                for i in 0..100 {
                    tx.send(i).await.unwrap();
                }
            });
            for i in 0..100 {
                assert_eq!(rx.recv().await, Ok(i));
            }
            assert_eq!(rx.recv().await, Err(RecvError));
            // len and capacity
            let (tx, rx) = bounded::<usize>(cap);
            assert_eq!(tx.capacity(), Some(cap));
            for i in 0..cap {
                tx.try_send(i).unwrap();
                assert_eq!(rx.len(), i + 1);
            }
        }
    });
}

#[test]
fn test_multi_consumer() {
    // runtime TestMultiConsumer: 4 consumers, 1000 values, sum and count.
    run(async {
        let nwork = 23;
        let niter = 2000;
        let (q_tx, q_rx) = bounded::<usize>(nwork * 3);
        let (r_tx, r_rx) = bounded::<usize>(nwork * 3);
        for _ in 0..nwork {
            let (q_rx, r_tx) = (q_rx.clone(), r_tx.clone());
            hoare::spawn(async move {
                while let Ok(v) = q_rx.recv().await {
                    r_tx.send(v).await.unwrap();
                }
            });
        }
        drop((q_rx, r_tx));
        let expect: usize = (0..niter).sum();
        hoare::spawn(async move {
            for i in 0..niter {
                q_tx.send(i).await.unwrap();
            }
        });
        let (mut n, mut s) = (0, 0);
        while let Ok(v) = r_rx.recv().await {
            n += 1;
            s += v;
        }
        assert_eq!((n, s), (niter, expect));
    });
}

#[test]
fn daisy_chain_goroutines() {
    // test/chan/goroutines.go: a chain of processes passing one value.
    let n = scale(100_000).min(10_000);
    let v = run(async move {
        let (first_tx, mut rx) = bounded::<usize>(0);
        for _ in 0..n {
            let (tx, next_rx) = bounded::<usize>(0);
            let left = rx;
            hoare::spawn(async move {
                let v = left.recv().await.unwrap();
                tx.send(v + 1).await.unwrap();
            });
            rx = next_rx;
        }
        first_tx.send(0).await.unwrap();
        rx.recv().await.unwrap()
    });
    assert_eq!(v, n);
}

#[test]
fn fifo_sync_and_async() {
    // test/chan/fifo.go
    run(async {
        let n = 10;
        let (tx, rx) = bounded::<usize>(n);
        for i in 0..n {
            tx.send(i).await.unwrap();
        }
        for i in 0..n {
            assert_eq!(rx.recv().await, Ok(i));
        }
        // synchronous: a chain of processes, each waiting for its turn
        let (start_tx, mut prev) = bounded::<()>(0);
        let (out_tx, out_rx) = bounded::<usize>(0);
        for i in 0..n {
            let (tx, next) = bounded::<()>(0);
            let (prev_rx, out_tx) = (prev, out_tx.clone());
            hoare::spawn(async move {
                prev_rx.recv().await.unwrap();
                out_tx.send(i).await.unwrap();
                tx.send(()).await.unwrap();
            });
            prev = next;
        }
        start_tx.send(()).await.unwrap();
        for i in 0..n {
            assert_eq!(out_rx.recv().await, Ok(i));
        }
        prev.recv().await.unwrap();
    });
}

async fn generate(tx: Sender<u32>) {
    let mut i = 2;
    while tx.send(i).await.is_ok() {
        i += 1;
    }
}

async fn filter(rx: Receiver<u32>, tx: Sender<u32>, prime: u32) {
    while let Ok(i) = rx.recv().await {
        if i % prime != 0 && tx.send(i).await.is_err() {
            return;
        }
    }
}

#[test]
fn sieve_of_processes() {
    // test/chan/sieve1.go
    let primes = run(async {
        let (tx, mut rx) = bounded::<u32>(0);
        hoare::spawn(generate(tx));
        let mut out = Vec::new();
        for _ in 0..25 {
            let prime = rx.recv().await.unwrap();
            out.push(prime);
            let (tx1, rx1) = bounded::<u32>(0);
            hoare::spawn(filter(rx, tx1, prime));
            rx = rx1;
        }
        out
    });
    assert_eq!(
        primes,
        vec![
            2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83,
            89, 97
        ]
    );
}

#[test]
fn select6_no_lost_wakeup() {
    // test/chan/select6.go (issue 2075)
    run(async {
        let (c1_tx, c1_rx) = bounded::<bool>(0);
        let (c2_tx, c2_rx) = bounded::<bool>(0);
        let (c3_tx, c3_rx) = bounded::<bool>(0);
        let r = c1_rx.clone();
        hoare::spawn(async move {
            r.recv().await.unwrap();
        });
        let r = c1_rx.clone();
        hoare::spawn(async move {
            hoare::select! {
                recv(r) -> _ => panic!("dummy"),
                recv(c2_rx) -> _ => c3_tx.send(true).await.unwrap(),
            }
            r.recv().await.unwrap();
        });
        hoare::spawn(async move { c2_tx.send(true).await.unwrap() });
        c3_rx.recv().await.unwrap();
        c1_tx.send(true).await.unwrap();
        c1_tx.send(true).await.unwrap();
    });
}

#[test]
fn select3_nil_and_closed_channels() {
    // test/chan/select3.go: a nil channel (guarded-off arm) never
    // proceeds; a closed channel always does.
    hoare::block_on(async {
        let (tx, rx) = bounded::<i32>(1);
        tx.try_send(1).unwrap();
        let nil = false;
        // A disabled arm whose channel is ready is never chosen.
        for _ in 0..100 {
            let r = hoare::select! {
                recv(rx) -> _ if nil => "nil",
                default => "default",
            };
            assert_eq!(r, "default");
        }
        // Closed channel: receive proceeds with Err, repeatedly.
        let (ctx, crx) = bounded::<i32>(0);
        drop(ctx);
        for _ in 0..10 {
            let r = hoare::select! {
                recv(crx) -> v => v,
                default => Ok(-1),
            };
            assert_eq!(r, Err(RecvError));
        }
        // Send on a closed channel: Go panics; hoare hands back the value.
        let (stx, srx) = bounded::<i32>(4);
        drop(srx);
        let r = hoare::select! { send(stx, 5) -> r => r };
        assert_eq!(r.unwrap_err().into_inner(), 5);
    });
    // All arms disabled, no default: waits forever (like nil channels).
    let r = hoare::block_on(hoare::time::timeout(Duration::from_millis(5), async {
        let (_tx, rx) = bounded::<i32>(1);
        let off = false;
        hoare::select! { recv(rx) -> _ if off => () }
    }));
    assert!(r.is_err());
}

#[test]
fn nonblock_go() {
    // test/chan/nonblock.go: non-blocking ops on unbuffered and buffered
    // channels succeed eventually against a blocking partner.
    run(async {
        for cap in [0usize, 1, 10] {
            let (tx, rx) = bounded::<i32>(cap);
            let r2 = rx.clone();
            let first = hoare::spawn(async move {
                assert_eq!(r2.recv().await, Ok(123));
            });
            let mut v = 123;
            loop {
                match tx.try_send(v) {
                    Ok(()) => break,
                    Err(TrySendError::Full(b)) => {
                        v = b;
                        hoare::yield_now().await;
                    }
                    Err(e) => panic!("{e}"),
                }
            }
            first.await.unwrap();
            let t2 = tx.clone();
            hoare::spawn(async move { t2.send(456).await.unwrap() });
            let got = loop {
                let r = hoare::select! {
                    recv(rx) -> v => Some(v.unwrap()),
                    default => None,
                };
                match r {
                    Some(v) => break v,
                    None => hoare::yield_now().await,
                }
            };
            assert_eq!(got, 456);
        }
    });
}

#[test]
fn doubleselect_every_value_once() {
    // test/chan/doubleselect.go: a sender selects over four channels; a
    // multiplexer and receivers make sure every value arrives exactly once.
    let n = scale(10_000);
    run(async move {
        let chans: Vec<_> = (0..4).map(|_| bounded::<usize>(0)).collect();
        let (txs, rxs): (Vec<_>, Vec<_>) = chans.into_iter().unzip();
        hoare::spawn(async move {
            for i in 1..=n {
                hoare::select! {
                    send(txs[0], i) -> r => r.unwrap(),
                    send(txs[1], i) -> r => r.unwrap(),
                    send(txs[2], i) -> r => r.unwrap(),
                    send(txs[3], i) -> r => r.unwrap(),
                }
            }
        });
        let (mux_tx, mux_rx) = bounded::<usize>(0);
        for rx in rxs {
            let mux_tx = mux_tx.clone();
            hoare::spawn(async move {
                while let Ok(v) = rx.recv().await {
                    mux_tx.send(v).await.unwrap();
                }
            });
        }
        drop(mux_tx);
        let mut seen = vec![false; n + 1];
        while let Ok(v) = mux_rx.recv().await {
            assert!(!seen[v], "{v} received twice");
            seen[v] = true;
        }
        assert!(seen[1..].iter().all(|&s| s));
    });
}

#[test]
fn select_evaluation_order_go_spec() {
    // Go spec: channel operands and send values are evaluated once, in
    // source order, on entry; guards come first; disabled arms are not
    // evaluated; an unchosen send value is dropped before the body runs.
    let log = RefCell::new(Vec::<&str>::new());
    let (tx_a, rx_a) = bounded::<i32>(1);
    let (tx_b, _rx_b) = bounded::<i32>(0);
    let (_tx_c, rx_c) = bounded::<i32>(0);
    let drops = Arc::new(AtomicUsize::new(0));
    struct Noted(Arc<AtomicUsize>);
    impl Drop for Noted {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    let (tx_n, _rx_n) = bounded::<Noted>(0);
    tx_a.try_send(1).unwrap();
    hoare::block_on(async {
        let guard = |name| {
            log.borrow_mut().push(name);
            true
        };
        let off = || {
            log.borrow_mut().push("guard-off");
            false
        };
        let r = hoare::select! {
            recv({ log.borrow_mut().push("ch1"); &rx_a }) -> v if guard("g1") => {
                assert_eq!(drops.load(Ordering::SeqCst), 1, "unchosen send value dropped before the body");
                v.unwrap()
            }
            send({ log.borrow_mut().push("ch2"); &tx_b }, { log.borrow_mut().push("val2"); 2 }) -> _ if guard("g2") => -2,
            recv({ log.borrow_mut().push("ch3-disabled"); &rx_c }) -> _ if off() => -3,
            send({ log.borrow_mut().push("ch4"); &tx_n }, { log.borrow_mut().push("val4"); Noted(drops.clone()) }) -> _ => -4,
        };
        assert_eq!(r, 1);
    });
    let log = log.into_inner();
    let pos = |s| {
        log.iter()
            .position(|&x| x == s)
            .unwrap_or_else(|| panic!("{s} missing in {log:?}"))
    };
    assert!(!log.contains(&"ch3-disabled"), "{log:?}");
    for name in ["ch1", "ch2", "val2", "ch4", "val4"] {
        assert_eq!(
            log.iter().filter(|&&x| x == name).count(),
            1,
            "{name} once: {log:?}"
        );
    }
    for g in ["g1", "g2", "guard-off"] {
        assert!(pos(g) < pos("ch1"), "guards first: {log:?}");
    }
    assert!(
        pos("ch1") < pos("ch2")
            && pos("ch2") < pos("val2")
            && pos("val2") < pos("ch4")
            && pos("ch4") < pos("val4"),
        "{log:?}"
    );
}

#[test]
fn select_body_control_flow_like_match() {
    fn with_question(rx: &Receiver<i32>) -> Result<i32, RecvError> {
        hoare::block_on(async {
            let v = hoare::select! {
                recv(rx) -> v => v?,
            };
            Ok(v * 2)
        })
    }
    let (tx, rx) = unbounded::<i32>();
    tx.try_send(4).unwrap();
    assert_eq!(with_question(&rx), Ok(8));
    drop(tx);
    assert_eq!(with_question(&rx), Err(RecvError));

    let (tx, rx) = unbounded::<i32>();
    for i in 0..10 {
        tx.try_send(i).unwrap();
    }
    drop(tx);
    let sum = hoare::block_on(async {
        let mut sum = 0;
        loop {
            hoare::select! {
                recv(rx) -> v => match v {
                    Ok(3) => continue,
                    Ok(v) => sum += v,
                    Err(_) => break,
                },
            }
        }
        sum
    });
    assert_eq!(sum, 45 - 3);
    let early = hoare::block_on(async {
        let (_tx, rx) = bounded::<i32>(0);
        let _ = hoare::select! {
            recv(rx) -> _ => 0,
            default => return "returned",
        };
        "fell through"
    });
    assert_eq!(early, "returned");
}

#[test]
fn goroutine_panic_closes_its_senders() {
    run(async {
        let (tx, rx) = bounded::<i32>(0);
        let h = hoare::spawn(async move {
            let _tx = tx;
            panic!("boom");
        });
        assert_eq!(rx.recv().await, Err(RecvError));
        let e = h.await.unwrap_err();
        assert!(e.is_panic());
    });
}

#[test]
fn select_stress_go() {
    // runtime TestSelectStress: four channels (two unbuffered, two
    // buffered), senders and receivers via selects that drop channels
    // (guard off) once they have done their share.
    let n = scale(20_000);
    run(async move {
        let chans: Vec<_> = [0usize, 0, 2, 3]
            .iter()
            .map(|&c| bounded::<usize>(c))
            .collect();
        let mut hs = Vec::new();
        for (k, (tx, rx)) in chans.iter().enumerate() {
            let tx = tx.clone();
            hs.push(hoare::spawn(async move {
                for _ in 0..n {
                    tx.send(k).await.unwrap();
                }
            }));
            let rx = rx.clone();
            hs.push(hoare::spawn(async move {
                for _ in 0..n {
                    assert_eq!(rx.recv().await, Ok(k));
                }
            }));
        }
        // a select sender
        let txs: Vec<_> = chans.iter().map(|c| c.0.clone()).collect();
        hs.push(hoare::spawn(async move {
            let mut left = [n; 4];
            while left.iter().any(|&l| l > 0) {
                hoare::select! {
                    send(txs[0], 0) -> r if left[0] > 0 => { r.unwrap(); left[0] -= 1 }
                    send(txs[1], 1) -> r if left[1] > 0 => { r.unwrap(); left[1] -= 1 }
                    send(txs[2], 2) -> r if left[2] > 0 => { r.unwrap(); left[2] -= 1 }
                    send(txs[3], 3) -> r if left[3] > 0 => { r.unwrap(); left[3] -= 1 }
                }
            }
        }));
        let rxs: Vec<_> = chans.iter().map(|c| c.1.clone()).collect();
        hs.push(hoare::spawn(async move {
            let mut left = [n; 4];
            while left.iter().any(|&l| l > 0) {
                hoare::select! {
                    recv(rxs[0]) -> v if left[0] > 0 => { assert_eq!(v, Ok(0)); left[0] -= 1 }
                    recv(rxs[1]) -> v if left[1] > 0 => { assert_eq!(v, Ok(1)); left[1] -= 1 }
                    recv(rxs[2]) -> v if left[2] > 0 => { assert_eq!(v, Ok(2)); left[2] -= 1 }
                    recv(rxs[3]) -> v if left[3] > 0 => { assert_eq!(v, Ok(3)); left[3] -= 1 }
                }
            }
        }));
        for h in hs {
            h.await.unwrap();
        }
    });
}

#[test]
fn go_programs_under_the_simulation() {
    // The same Go-style programs run unchanged in a simulation, and the
    // seed replays them.
    let prog = || async {
        let (tx, mut rx) = bounded::<u32>(0);
        hoare::spawn(generate(tx));
        let mut out = Vec::new();
        for _ in 0..10 {
            let prime = rx.recv().await.unwrap();
            out.push(prime);
            let (tx1, rx1) = bounded::<u32>(0);
            hoare::spawn(filter(rx, tx1, prime));
            rx = rx1;
        }
        out
    };
    for seed in 0..5 {
        let (a, ta) = hoare::sim::Builder::new().seed(seed).run_traced(prog());
        let (b, tb) = hoare::sim::Builder::new().seed(seed).run_traced(prog());
        assert_eq!(a, vec![2, 3, 5, 7, 11, 13, 17, 19, 23, 29]);
        assert_eq!(a, b);
        assert_eq!(ta.fingerprint(), tb.fingerprint());
    }
}
