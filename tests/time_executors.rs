//! Time works outside any hoare runtime: on plain OS threads through
//! `hoare::block_on`, and inside a tokio runtime, all served by the one
//! process-wide timer thread.

use std::time::Duration;

use hoare::time::{self, Instant};

#[test]
fn sleep_works_from_many_plain_os_threads() {
    let threads: Vec<_> = (0..8u64)
        .map(|i| {
            std::thread::spawn(move || {
                let duration = Duration::from_millis(5 + i);
                let start = Instant::now();
                hoare::block_on(time::sleep(duration));
                assert!(start.elapsed() >= duration);
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
}

#[test]
fn after_is_received_from_another_os_thread() {
    let timer = time::after(Duration::from_millis(5));
    let receiver = std::thread::spawn(move || timer.recv_blocking());
    assert!(receiver.join().unwrap().is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn time_works_inside_a_tokio_multi_thread_runtime() {
    let start = Instant::now();
    time::sleep(Duration::from_millis(10)).await;
    assert!(start.elapsed() >= Duration::from_millis(10));

    assert!(
        time::timeout(Duration::from_millis(5), std::future::pending::<()>())
            .await
            .is_err()
    );
    assert_eq!(
        time::timeout(Duration::from_secs(5), async { 3 }).await,
        Ok(3)
    );

    let timer = time::after(Duration::from_millis(5));
    assert!(timer.recv().await.unwrap() >= start);

    let ticks = time::tick(Duration::from_millis(2));
    for _ in 0..3 {
        ticks.recv().await.unwrap();
    }
}

#[tokio::test(flavor = "current_thread")]
async fn sleeps_in_tokio_tasks_complete_in_deadline_order() {
    // Deadlines 100 ms apart, from a base far enough ahead that every task
    // has registered before the first is due, even on a loaded machine.
    let base = Instant::now() + Duration::from_millis(100);
    let (sender, mut receiver) = tokio::sync::mpsc::unbounded_channel();
    for millis in [200u64, 0, 100] {
        let sender = sender.clone();
        tokio::spawn(async move {
            time::sleep_until(base + Duration::from_millis(millis)).await;
            sender.send(millis).unwrap();
        });
    }
    drop(sender);
    let mut order = Vec::new();
    while let Some(millis) = receiver.recv().await {
        order.push(millis);
    }
    assert_eq!(order, vec![0, 100, 200]);
}
