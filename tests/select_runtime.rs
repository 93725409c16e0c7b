//! `select!` inside hoare processes: the select future is `Send`, works on
//! the work-stealing runtime, and keeps its guarantees there.

use std::time::Duration;

use hoare::chan;

#[test]
fn select_in_spawned_processes_delivers_each_message_once() {
    let total = hoare::run(async {
        let (tx_a, rx_a) = chan::bounded::<u64>(0);
        let (tx_b, rx_b) = chan::bounded::<u64>(1);
        let mut producers = Vec::new();
        for p in 0..4u64 {
            let (tx_a, tx_b) = (tx_a.clone(), tx_b.clone());
            producers.push(hoare::spawn(async move {
                for i in 0..2_000 {
                    let v = p * 10_000 + i;
                    hoare::select! {
                        send(tx_a, v) -> r => r.unwrap(),
                        send(tx_b, v) -> r => r.unwrap(),
                    }
                }
            }));
        }
        drop((tx_a, tx_b));
        let mut consumers = Vec::new();
        for _ in 0..3 {
            let (rx_a, rx_b) = (rx_a.clone(), rx_b.clone());
            consumers.push(hoare::spawn(async move {
                let (mut sum, mut a_open, mut b_open) = (0u64, true, true);
                while a_open || b_open {
                    hoare::select! {
                        recv(rx_a) -> m if a_open => match m { Ok(v) => sum += v, Err(_) => a_open = false },
                        recv(rx_b) -> m if b_open => match m { Ok(v) => sum += v, Err(_) => b_open = false },
                    }
                }
                sum
            }));
        }
        for producer in producers {
            producer.await.unwrap();
        }
        let mut total = 0;
        for consumer in consumers {
            total += consumer.await.unwrap();
        }
        total
    });
    let expected: u64 = (0..4u64)
        .map(|p| (0..2_000).map(|i| p * 10_000 + i).sum::<u64>())
        .sum();
    assert_eq!(total, expected);
}

#[test]
fn select_timeout_arm_fires_inside_a_process() {
    let chosen = hoare::run(async {
        hoare::spawn(async {
            let (_tx, rx) = chan::bounded::<u8>(0);
            hoare::select! {
                recv(rx) -> _ => "message",
                recv(hoare::time::after(Duration::from_millis(10))) -> _ => "timeout",
            }
        })
        .await
        .unwrap()
    });
    assert_eq!(chosen, "timeout");
}

#[test]
fn an_always_ready_select_loop_does_not_starve_other_processes() {
    hoare::Runtime::builder()
        .workers(1)
        .build()
        .unwrap()
        .block_on(async {
            let (tx, rx) = chan::unbounded::<u8>();
            let (stop_tx, stop_rx) = chan::bounded::<()>(1);
            let spinner = hoare::spawn(async move {
                let mut spins = 0u64;
                loop {
                    let _ = tx.try_send(0);
                    let stop = hoare::select! {
                        recv(rx) -> _ => false,
                        recv(stop_rx) -> _ => true,
                    };
                    spins += 1;
                    if stop {
                        return spins;
                    }
                }
            });
            // This process only runs if the spinner's budget makes it yield.
            let other = hoare::spawn(async move {
                stop_tx.send(()).await.unwrap();
            });
            other.await.unwrap();
            assert!(spinner.await.unwrap() > 0);
        });
}
