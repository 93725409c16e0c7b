//! Runtime scenarios: spawn-and-join, a ring passing a token, skynet.

use std::time::Duration;

use super::channels::*;
use super::*;

/// Spawns `count` empty processes from the main future and joins them.
pub fn spawn_join(rt: Rt, count: usize) -> Duration {
    timed(rt, async move {
        match rt {
            Rt::Hoare => {
                let joins: Vec<_> = (0..count).map(|_| hoare::spawn(async {})).collect();
                for join in joins {
                    join.await.expect("hoare process panicked");
                }
            }
            Rt::Tokio | Rt::TokioCurrentThread => {
                let joins: Vec<_> = (0..count).map(|_| tokio::spawn(async {})).collect();
                for join in joins {
                    join.await.expect("tokio task panicked");
                }
            }
        }
    })
}

/// A ring of `size` processes passing a token `hops` times over channels
/// of capacity `cap`. The process that receives the spent token reports
/// on `done`; the others are left waiting and cancelled with the runtime.
pub fn ring<C: AsyncChannel>(rt: Rt, size: usize, cap: Cap, hops: u64) -> Option<Duration> {
    C::channel(cap)?;
    Some(timed(rt, async move {
        let (txs, rxs): (Vec<_>, Vec<_>) = (0..size)
            .map(|_| C::channel(cap).expect("capacity"))
            .unzip();
        let (done_tx, mut done_rx) = C::channel(Some(1)).expect("capacity");
        for (index, mut rx) in rxs.into_iter().enumerate() {
            let next = txs[(index + 1) % size].clone();
            let done = done_tx.clone();
            drop(spawn(rt, async move {
                // The processes the token no longer reaches end when the
                // measured part drops the ring's senders.
                while let Some(token) = C::recv_or_end(&mut rx).await {
                    if token == 0 {
                        C::send(&done, 0).await;
                        return;
                    }
                    C::send(&next, token - 1).await;
                }
            }));
        }
        C::send(&txs[0], hops).await;
        C::recv(&mut done_rx).await;
    }))
}

/// Skynet: a tree of processes, ten children each, `leaves` leaves; each
/// leaf sends its number up, each inner node sums its children's.
pub fn skynet<C: AsyncChannel>(rt: Rt, leaves: u64) -> Duration {
    timed(rt, async move {
        let (tx, mut rx) = C::channel(Some(1)).expect("capacity");
        spawn(rt, skynet_node::<C>(rt, tx, 0, leaves)).await;
        let sum = C::recv(&mut rx).await;
        assert_eq!(sum, leaves * (leaves - 1) / 2, "skynet sum");
    })
}

fn skynet_node<C: AsyncChannel>(rt: Rt, parent: C::Tx, number: u64, size: u64) -> BoxFuture<()> {
    Box::pin(async move {
        if size == 1 {
            C::send(&parent, number).await;
            return;
        }
        let (tx, mut rx) = C::channel(Some(10)).expect("capacity");
        let child = size / 10;
        for i in 0..10 {
            // Detached: the parent waits for the sums, not the processes.
            drop(spawn(
                rt,
                skynet_node::<C>(rt, tx.clone(), number + i * child, child),
            ));
        }
        drop(tx);
        let mut sum = 0;
        for _ in 0..10 {
            sum += C::recv(&mut rx).await;
        }
        C::send(&parent, sum).await;
    })
}
