//! **Premature close.** Producers A and B each send two items into one
//! channel (capacity 1); the consumer counts the items it receives until
//! the stream ends and expects four. A ends the stream when it is done,
//! as if it were the last producer: it sends an end marker (`None`), and
//! the consumer stops at the marker and drops its receiver, which closes
//! the channel.
//!
//! Triggering schedule: A's marker is sent before B's last item: the
//! consumer stops early, B's item is lost or B's next send fails on the
//! closed channel (its `expect` panics, seen through its `JoinHandle`),
//! and the consumer counts fewer than four. A schedule in which B's items
//! are all sent before A's marker passes.
//!
//! Planted fault: A's marker (marked `// PLANTED`); the fix is for each
//! producer to drop its sender, so the stream ends when the last is gone.
//!
//! A second row, `premature close (B ends)`, is the same program with the
//! marker sent by B, the producer spawned second. A strategy that treats
//! the producers alike finds the two rows equally often; one that favours
//! the process spawned first (shuttle's spawn is a switch point, so A may
//! run before B exists) finds the first more often and the second less.
//!
//! The two versions are the same program, operation for operation: the
//! same processes, the same sends and receives on one channel of capacity
//! 1, the end marker, the receiver dropped at the marker. (shuttle's
//! `mpsc` has no close, so the hoare version does not use `close` either.)

use hoare::chan;

use super::{Bug, HoareProgram};

pub const BUG: Bug = Bug {
    name: "premature close",
    hoare: || hoare_program(0),
    shuttle: Some(|| shuttle_program(0)),
    control: false,
};

pub const LATER_ENDS: Bug = Bug {
    name: "premature close (B ends)",
    hoare: || hoare_program(1),
    shuttle: Some(|| shuttle_program(1)),
    control: false,
};

const ITEMS: usize = 2;

/// Producer `ender` (0: A, 1: B) ends the stream.
fn hoare_program(ender: usize) -> HoareProgram {
    Box::pin(async move {
        let (tx, rx) = chan::bounded::<Option<usize>>(1);
        let producers: Vec<_> = (0..2)
            .map(|id| {
                let tx = tx.clone();
                hoare::spawn(async move {
                    for item in 0..ITEMS {
                        tx.send(Some(item)).await.expect("send on a closed channel");
                    }
                    if id == ender {
                        tx.send(None).await.unwrap(); // PLANTED: "closed"
                    }
                })
            })
            .collect();
        drop(tx);
        let mut received = 0;
        while let Ok(Some(_)) = rx.recv().await {
            received += 1;
        }
        drop(rx);
        for producer in producers {
            producer.await.unwrap();
        }
        assert_eq!(received, 2 * ITEMS, "items lost");
    })
}

/// Producer `ender` (0: A, 1: B) ends the stream.
fn shuttle_program(ender: usize) {
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
                if id == ender {
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
