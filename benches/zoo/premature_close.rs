//! **Premature close.** Producers A and B each send two items into one
//! channel (capacity 1); the consumer counts what it receives until the
//! channel is closed and expects four. A closes the channel when it is
//! done, as if it were the last producer.
//!
//! Triggering schedule: A sends its items and closes while B still has an
//! item to send: B's send fails (its `expect` panics) and the consumer
//! counts fewer than four. A schedule in which B finishes before A closes
//! passes.
//!
//! Planted fault: A's close (marked `// PLANTED`); the fix is for each
//! producer to drop its sender, so the channel closes when the last is
//! gone.
//!
//! shuttle's `mpsc` has no close, so its version closes the way the same
//! protocol would over std channels: A sends an end marker, and the
//! consumer stops at it and drops the receiver.

use hoare::chan;

use super::{Bug, HoareProgram};

pub const BUG: Bug = Bug {
    name: "premature close",
    hoare: hoare_program,
    shuttle: Some(shuttle_program),
    control: false,
};

const ITEMS: usize = 2;

fn hoare_program() -> HoareProgram {
    Box::pin(async {
        let (tx, rx) = chan::bounded::<usize>(1);
        let producers: Vec<_> = (0..2)
            .map(|id| {
                let tx = tx.clone();
                hoare::spawn(async move {
                    for item in 0..ITEMS {
                        tx.send(item).await.expect("send on a closed channel");
                    }
                    if id == 0 {
                        tx.close(); // PLANTED
                    }
                })
            })
            .collect();
        drop(tx);
        let mut received = 0;
        while rx.recv().await.is_ok() {
            received += 1;
        }
        for producer in producers {
            producer.await.unwrap();
        }
        assert_eq!(received, 2 * ITEMS, "items lost");
    })
}

fn shuttle_program() {
    use shuttle::sync::mpsc;
    use shuttle::thread;

    let (tx, rx) = mpsc::sync_channel::<Option<usize>>(1);
    let producers: Vec<_> = (0..2)
        .map(|id| {
            let tx = tx.clone();
            thread::spawn(move || {
                for item in 0..ITEMS {
                    tx.send(Some(item)).expect("send on a closed channel");
                }
                if id == 0 {
                    tx.send(None).unwrap(); // PLANTED: "closed"
                }
            })
        })
        .collect();
    drop(tx);
    let mut received = 0;
    while let Ok(Some(_)) = rx.recv() {
        received += 1;
    }
    drop(rx);
    for producer in producers {
        producer.join().unwrap();
    }
    assert_eq!(received, 2 * ITEMS, "items lost");
}
