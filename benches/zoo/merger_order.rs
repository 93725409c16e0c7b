//! **Merger ordering.** Stream A sends `a1, a2` and stream B sends
//! `b1, b2`, each on its own rendezvous channel; a merger forwards both to
//! one output. The consumer assumes the merge interleaves: that A's first
//! item comes before B's last (B must not run entirely ahead of A).
//!
//! Triggering schedule: both of B's items reach the output before `a1`
//! (B's producer and the merger run twice before A's producer sends once).
//! Every other order passes.
//!
//! Planted fault: the consumer's assertion of an order that the merge
//! never promised (marked `// PLANTED`); a merge only keeps each stream's
//! own order.
//!
//! The hoare merger is one process with a `select!` over both inputs;
//! shuttle has no select, so its merger is one forwarding thread per input
//! (Go's merge idiom), into one `mpsc` output.

use hoare::chan;

use super::{Bug, HoareProgram};

pub const BUG: Bug = Bug {
    name: "merger ordering",
    hoare: hoare_program,
    shuttle: Some(shuttle_program),
    control: false,
};

const A: [&str; 2] = ["a1", "a2"];
const B: [&str; 2] = ["b1", "b2"];

fn check(order: &[&str]) {
    let first_a = order.iter().position(|&item| item == A[0]).unwrap();
    let last_b = order.iter().position(|&item| item == B[1]).unwrap();
    assert!(first_a < last_b, "B ran ahead of A: {order:?}"); // PLANTED
}

fn hoare_program() -> HoareProgram {
    Box::pin(async {
        let (a_tx, a_rx) = chan::bounded::<&str>(0);
        let (b_tx, b_rx) = chan::bounded::<&str>(0);
        let (out_tx, out_rx) = chan::unbounded();
        for (tx, items) in [(a_tx, A), (b_tx, B)] {
            hoare::spawn(async move {
                for item in items {
                    tx.send(item).await.unwrap();
                }
            });
        }
        hoare::spawn(async move {
            let (mut a_open, mut b_open) = (true, true);
            while a_open || b_open {
                let (from_a, item) = hoare::select! {
                    recv(a_rx) -> item if a_open => (true, item),
                    recv(b_rx) -> item if b_open => (false, item),
                };
                match item {
                    Ok(item) => out_tx.send(item).await.unwrap(),
                    Err(_) if from_a => a_open = false,
                    Err(_) => b_open = false,
                }
            }
        });
        let mut order = Vec::new();
        while let Ok(item) = out_rx.recv().await {
            order.push(item);
        }
        check(&order);
    })
}

fn shuttle_program() {
    use shuttle::sync::mpsc;
    use shuttle::thread;

    let (out_tx, out_rx) = mpsc::channel();
    for items in [A, B] {
        let (tx, rx) = mpsc::sync_channel::<&str>(0);
        thread::spawn(move || {
            for item in items {
                tx.send(item).unwrap();
            }
        });
        let out_tx = out_tx.clone();
        thread::spawn(move || {
            for item in rx.iter() {
                out_tx.send(item).unwrap();
            }
        });
    }
    drop(out_tx);
    let order: Vec<&str> = out_rx.iter().collect();
    check(&order);
}
