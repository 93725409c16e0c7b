//! **Check-then-act.** A bank process holds a balance of 100 and answers
//! `Balance` and `Withdraw` messages; three clients each withdraw 40
//! after checking that the balance covers it. The main process checks
//! that the balance never went below zero.
//!
//! Triggering schedule: all three checks are answered before the second
//! withdrawal arrives (each client sees at least 60); all three withdraw
//! and the balance ends at -20. A schedule in which two withdrawals land
//! before the third client's check passes (it sees 20 and gives up).
//!
//! Planted fault: the client's `Withdraw` (marked `// PLANTED`) acts on a
//! check made one message earlier; the fix is a `WithdrawIfCovered`
//! message that the bank checks and applies in one step.

use hoare::chan;

use super::{Bug, HoareProgram};

pub const BUG: Bug = Bug {
    name: "check-then-act",
    hoare: hoare_program,
    shuttle: Some(shuttle_program),
    control: false,
};

const OPENING: i64 = 100;
const AMOUNT: i64 = 40;
const CLIENTS: usize = 3;

enum Request<Reply> {
    Balance(Reply),
    Withdraw(i64),
}

fn hoare_program() -> HoareProgram {
    Box::pin(async {
        let (requests, inbox) = chan::unbounded::<Request<chan::Sender<i64>>>();
        let bank = hoare::spawn(async move {
            let mut balance = OPENING;
            while let Ok(request) = inbox.recv().await {
                match request {
                    Request::Balance(reply) => reply.send(balance).await.unwrap(),
                    Request::Withdraw(amount) => balance -= amount,
                }
            }
            balance
        });
        let clients: Vec<_> = (0..CLIENTS)
            .map(|_| {
                let requests = requests.clone();
                hoare::spawn(async move {
                    let (reply, answer) = chan::bounded(1);
                    requests.send(Request::Balance(reply)).await.unwrap();
                    if answer.recv().await.unwrap() >= AMOUNT {
                        requests.send(Request::Withdraw(AMOUNT)).await.unwrap();
                        // PLANTED
                    }
                })
            })
            .collect();
        drop(requests);
        for client in clients {
            client.await.unwrap();
        }
        let balance = bank.await.unwrap();
        assert!(balance >= 0, "overdrawn: {balance}");
    })
}

fn shuttle_program() {
    use shuttle::sync::mpsc;
    use shuttle::thread;

    let (requests, inbox) = mpsc::channel::<Request<mpsc::Sender<i64>>>();
    let bank = thread::spawn(move || {
        let mut balance = OPENING;
        while let Ok(request) = inbox.recv() {
            match request {
                Request::Balance(reply) => reply.send(balance).unwrap(),
                Request::Withdraw(amount) => balance -= amount,
            }
        }
        balance
    });
    let clients: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let requests = requests.clone();
            thread::spawn(move || {
                let (reply, answer) = mpsc::channel();
                requests.send(Request::Balance(reply)).unwrap();
                if answer.recv().unwrap() >= AMOUNT {
                    requests.send(Request::Withdraw(AMOUNT)).unwrap(); // PLANTED
                }
            })
        })
        .collect();
    drop(requests);
    for client in clients {
        client.join().unwrap();
    }
    let balance = bank.join().unwrap();
    assert!(balance >= 0, "overdrawn: {balance}");
}
