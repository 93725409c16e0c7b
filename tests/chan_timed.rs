//! The timed blocking forms: `send_timeout`, `send_deadline`,
//! `recv_timeout`, `recv_deadline` and their errors.

mod support;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use hoare::chan::{self, RecvTimeoutError, SendTimeoutError};
use support::{channel, panic_message, FLAVOURS};

/// Long enough that a test that should not wait this long fails instead
/// of hanging.
const PATIENCE: Duration = Duration::from_secs(10);
const SHORT: Duration = Duration::from_millis(20);

#[test]
fn send_timeout_on_a_full_channel_returns_timeout_with_the_value_no_earlier_than_asked() {
    for cap in [0, 1, 4] {
        let (tx, rx) = chan::bounded(cap);
        for i in 0..cap {
            tx.try_send(i).unwrap();
        }
        let start = Instant::now();
        assert_eq!(
            tx.send_timeout(99, SHORT),
            Err(SendTimeoutError::Timeout(99))
        );
        assert!(start.elapsed() >= SHORT, "cap {cap}: returned early");
        // Not sent: only the values put there before are buffered.
        assert_eq!(
            rx.try_iter().collect::<Vec<_>>(),
            (0..cap).collect::<Vec<_>>()
        );
    }
}

#[test]
fn recv_timeout_on_an_empty_channel_returns_timeout_no_earlier_than_asked() {
    for cap in FLAVOURS {
        let (_tx, rx) = channel::<u8>(cap);
        let start = Instant::now();
        assert_eq!(rx.recv_timeout(SHORT), Err(RecvTimeoutError::Timeout));
        assert!(start.elapsed() >= SHORT, "{cap:?}: returned early");
    }
}

#[test]
fn deadlines_are_not_reached_before_the_deadline_instant() {
    let (tx, rx) = chan::bounded::<u8>(0);
    let deadline = Instant::now() + SHORT;
    assert_eq!(
        tx.send_deadline(1, deadline),
        Err(SendTimeoutError::Timeout(1))
    );
    assert!(Instant::now() >= deadline);
    let deadline = Instant::now() + SHORT;
    assert_eq!(rx.recv_deadline(deadline), Err(RecvTimeoutError::Timeout));
    assert!(Instant::now() >= deadline);
}

#[test]
fn timed_forms_try_the_operation_before_the_clock() {
    let past = Instant::now() - Duration::from_millis(1);
    for cap in [Some(2), Some(4), None] {
        let (tx, rx) = channel(cap);
        assert_eq!(tx.send_deadline(1, past), Ok(()));
        assert_eq!(tx.send_timeout(2, Duration::ZERO), Ok(()));
        assert_eq!(rx.recv_deadline(past), Ok(1));
        assert_eq!(rx.recv_timeout(Duration::ZERO), Ok(2));
    }
    // Closed: the close is seen however short the time.
    for cap in FLAVOURS {
        let (tx, rx) = channel::<u8>(cap);
        rx.close();
        assert_eq!(tx.send_deadline(3, past), Err(SendTimeoutError::Closed(3)));
        assert_eq!(
            tx.send_timeout(4, Duration::ZERO),
            Err(SendTimeoutError::Closed(4))
        );
        assert_eq!(rx.recv_deadline(past), Err(RecvTimeoutError::Closed));
        assert_eq!(
            rx.recv_timeout(Duration::ZERO),
            Err(RecvTimeoutError::Closed)
        );
    }
}

#[test]
fn rendezvous_send_timeout_meets_a_waiting_receiver_even_with_a_past_deadline() {
    let (tx, rx) = chan::bounded(0);
    let receiver = thread::spawn(move || rx.recv_timeout(PATIENCE));
    // Wait until the receiver waits, then send with a deadline already gone.
    let start = Instant::now();
    loop {
        match tx.send_deadline(5, Instant::now() - Duration::from_millis(1)) {
            Ok(()) => break,
            Err(SendTimeoutError::Timeout(5)) => {}
            Err(other) => panic!("unexpected {other:?}"),
        }
        assert!(start.elapsed() < PATIENCE, "the receiver never waited");
        thread::yield_now();
    }
    assert_eq!(receiver.join().unwrap(), Ok(5));
}

#[test]
fn waiting_timed_forms_complete_when_a_counterpart_arrives() {
    for cap in FLAVOURS {
        let (tx, rx) = channel::<u32>(cap);
        let sender = thread::spawn({
            let tx = tx.clone();
            move || {
                thread::sleep(SHORT);
                tx.send_timeout(7, PATIENCE)
            }
        });
        assert_eq!(rx.recv_timeout(PATIENCE), Ok(7), "{cap:?}");
        assert_eq!(sender.join().unwrap(), Ok(()));
    }
    let (tx, rx) = chan::bounded(1);
    tx.try_send(0).unwrap();
    let receiver = thread::spawn(move || {
        thread::sleep(SHORT);
        (rx.recv_timeout(PATIENCE), rx.recv_timeout(PATIENCE))
    });
    assert_eq!(tx.send_timeout(1, PATIENCE), Ok(()));
    assert_eq!(receiver.join().unwrap(), (Ok(0), Ok(1)));
}

#[test]
fn a_close_while_waiting_ends_the_wait_with_closed() {
    for cap in [0, 1] {
        let (tx, rx) = chan::bounded(cap);
        for i in 0..cap {
            tx.try_send(i).unwrap();
        }
        let closer = thread::spawn({
            let rx = rx.clone();
            move || {
                thread::sleep(SHORT);
                rx.close();
            }
        });
        let start = Instant::now();
        assert_eq!(
            tx.send_timeout(9, PATIENCE),
            Err(SendTimeoutError::Closed(9))
        );
        assert!(start.elapsed() < PATIENCE);
        closer.join().unwrap();
    }
    for cap in FLAVOURS {
        let (tx, rx) = channel::<u8>(cap);
        let closer = thread::spawn(move || {
            thread::sleep(SHORT);
            drop(tx);
        });
        assert_eq!(rx.recv_timeout(PATIENCE), Err(RecvTimeoutError::Closed));
        closer.join().unwrap();
    }
}

#[test]
fn huge_timeouts_do_not_overflow() {
    let (tx, rx) = chan::bounded(1);
    assert_eq!(tx.send_timeout(1, Duration::MAX), Ok(()));
    assert_eq!(rx.recv_timeout(Duration::MAX), Ok(1));
}

#[test]
fn timeout_errors_have_the_promised_traits_and_messages() {
    struct Opaque;
    fn error<E: std::error::Error + Send + Sync + 'static>() {}
    error::<SendTimeoutError<Opaque>>();
    error::<RecvTimeoutError>();
    assert_eq!(
        format!("{:?}", SendTimeoutError::Timeout(Opaque)),
        "Timeout(..)"
    );
    assert_eq!(
        format!("{:?}", SendTimeoutError::Closed(Opaque)),
        "Closed(..)"
    );
    assert_eq!(
        SendTimeoutError::Timeout(1).to_string(),
        "timed out waiting on a send"
    );
    assert_eq!(
        SendTimeoutError::Closed(1).to_string(),
        "sending on a closed channel"
    );
    assert_eq!(
        RecvTimeoutError::Timeout.to_string(),
        "timed out waiting on a receive"
    );
    assert_eq!(
        RecvTimeoutError::Closed.to_string(),
        "receiving on a closed and empty channel"
    );
    assert_eq!(SendTimeoutError::Timeout(3).into_inner(), 3);
    assert_eq!(SendTimeoutError::Closed(4).into_inner(), 4);
    assert!(SendTimeoutError::Timeout(()).is_timeout() && SendTimeoutError::Closed(()).is_closed());
    assert!(RecvTimeoutError::Timeout.is_timeout() && RecvTimeoutError::Closed.is_closed());
    assert_ne!(SendTimeoutError::Timeout(1), SendTimeoutError::Closed(1));
}

#[test]
fn timed_forms_inside_a_process_panic_pointing_to_await() {
    let runtime = hoare::Runtime::builder().workers(1).build().unwrap();
    let (tx, rx) = chan::bounded::<u8>(1);
    let calls: [Box<dyn FnOnce() + Send>; 4] = [
        Box::new({
            let tx = tx.clone();
            move || {
                let _ = tx.send_timeout(1, SHORT);
            }
        }),
        Box::new({
            let tx = tx.clone();
            move || {
                let _ = tx.send_deadline(1, Instant::now());
            }
        }),
        Box::new({
            let rx = rx.clone();
            move || {
                let _ = rx.recv_timeout(SHORT);
            }
        }),
        Box::new({
            let rx = rx.clone();
            move || {
                let _ = rx.recv_deadline(Instant::now());
            }
        }),
    ];
    for call in calls {
        let handle = runtime.spawn(async move { call() });
        let error = runtime
            .block_on(hoare::time::timeout(PATIENCE, handle))
            .unwrap()
            .unwrap_err();
        let message = panic_message(&*error.into_panic());
        assert!(
            message.contains("hoare process") && message.contains(".await"),
            "{message}"
        );
    }
}

#[test]
#[should_panic(expected = "simulation")]
fn timed_forms_inside_a_simulation_panic() {
    hoare::sim::Builder::new().run(async {
        let (_tx, rx) = chan::bounded::<u8>(1);
        let _ = rx.recv_timeout(SHORT);
    });
}

/// Every value offered by a timed send is either received once (the send
/// said `Ok`) or handed back once (the send said `Timeout` or `Closed`):
/// never both, never neither. Timeouts are short so that many of them
/// race a receiver taking the value at the last moment (the rendezvous
/// hand-off and the bounded ring's moved value). That last-moment case is
/// also driven step by step by the unit tests of `src/chan/timed.rs`.
#[test]
fn timed_sends_and_receives_lose_and_duplicate_nothing_under_stress() {
    const SENDERS: usize = 3;
    const PER_SENDER: usize = 2_000;
    for cap in [0, 1, 3] {
        let (tx, rx) = chan::bounded::<usize>(cap);
        let handed_back = Arc::new(Mutex::new(Vec::new()));
        let sent_ok = Arc::new(Mutex::new(Vec::new()));
        let start = Instant::now();
        let senders: Vec<_> = (0..SENDERS)
            .map(|s| {
                let tx = tx.clone();
                let (handed_back, sent_ok) = (handed_back.clone(), sent_ok.clone());
                thread::spawn(move || {
                    for i in 0..PER_SENDER {
                        let value = s * PER_SENDER + i;
                        let timeout = Duration::from_micros((i % 7) as u64 * 20);
                        match tx.send_timeout(value, timeout) {
                            Ok(()) => sent_ok.lock().unwrap().push(value),
                            Err(e) => handed_back.lock().unwrap().push(e.into_inner()),
                        }
                        assert!(start.elapsed() < PATIENCE * 3, "stress test stalled");
                    }
                })
            })
            .collect();
        drop(tx);
        let receivers: Vec<_> = (0..2)
            .map(|r| {
                let rx = rx.clone();
                thread::spawn(move || {
                    let mut got = Vec::new();
                    let mut round = 0u64;
                    loop {
                        round += 1;
                        let timeout = Duration::from_micros((round + r) % 5 * 15);
                        match rx.recv_timeout(timeout) {
                            Ok(value) => got.push(value),
                            Err(RecvTimeoutError::Timeout) => {}
                            Err(RecvTimeoutError::Closed) => return got,
                        }
                        assert!(start.elapsed() < PATIENCE * 3, "stress test stalled");
                    }
                })
            })
            .collect();
        drop(rx);
        for sender in senders {
            sender.join().unwrap();
        }
        let received: Vec<usize> = receivers
            .into_iter()
            .flat_map(|r| r.join().unwrap())
            .collect();
        let handed_back = handed_back.lock().unwrap().clone();
        let sent_ok = sent_ok.lock().unwrap().clone();
        assert_eq!(
            received.len() + handed_back.len(),
            SENDERS * PER_SENDER,
            "cap {cap}: received + handed back != sent"
        );
        let received_set: HashSet<usize> = received.iter().copied().collect();
        assert_eq!(
            received_set.len(),
            received.len(),
            "cap {cap}: a value was received twice"
        );
        let ok_set: HashSet<usize> = sent_ok.iter().copied().collect();
        assert_eq!(
            received_set, ok_set,
            "cap {cap}: Ok sends and receives differ"
        );
        assert!(
            handed_back.iter().all(|v| !received_set.contains(v)),
            "cap {cap}: a value was both handed back and received"
        );
    }
}
