//! **Lost notify in a select.** A flag process holds a flag and answers
//! `IsSet` and `Set`. A waiter asks whether the flag is set and, if not,
//! waits for a notification on a rendezvous channel. The notifier sets
//! the flag, then notifies with a `select!` that has a `default` arm, so
//! that it does not block when nobody waits.
//!
//! Triggering schedule: the waiter's `IsSet` is answered "no", then the
//! notifier sets the flag and its select finds no waiter on the notify
//! channel and takes `default` (the notification is dropped), then the
//! waiter waits: forever. The run deadlocks (the failure). A schedule in
//! which the waiter reads the flag after `Set`, or is already waiting when
//! the notifier selects, passes.
//!
//! Planted fault: the `default` arm (marked `// PLANTED`) drops a
//! notification the waiter may still be on its way to; the fix is a
//! buffered notify channel of capacity 1 (a sticky signal).
//!
//! shuttle has no select; its notifier uses `try_send` on a rendezvous
//! `sync_channel(0)`, which has the same meaning (fails unless a receiver
//! is waiting).

use hoare::chan;

use super::{Bug, HoareProgram};

pub const BUG: Bug = Bug {
    name: "lost notify",
    hoare: hoare_program,
    shuttle: Some(shuttle_program),
    control: false,
};

enum Request<Reply> {
    IsSet(Reply),
    Set,
}

fn hoare_program() -> HoareProgram {
    Box::pin(async {
        let (requests, inbox) = chan::unbounded::<Request<chan::Sender<bool>>>();
        let (notify_tx, notify_rx) = chan::bounded::<()>(0);
        hoare::spawn(async move {
            let mut flag = false;
            while let Ok(request) = inbox.recv().await {
                match request {
                    Request::IsSet(reply) => reply.send(flag).await.unwrap(),
                    Request::Set => flag = true,
                }
            }
        });
        let waiter = {
            let requests = requests.clone();
            hoare::spawn(async move {
                let (reply, answer) = chan::bounded(1);
                requests.send(Request::IsSet(reply)).await.unwrap();
                drop(requests);
                if !answer.recv().await.unwrap() {
                    notify_rx.recv().await.unwrap();
                }
            })
        };
        let notifier = hoare::spawn(async move {
            requests.send(Request::Set).await.unwrap();
            drop(requests);
            hoare::select! {
                send(notify_tx, ()) -> sent => sent.unwrap(),
                default => {} // PLANTED
            }
            // The sender stays open until the end, like a long-lived
            // notifier's: the waiter is not woken by a close either.
            notify_tx
        });
        let _notify_tx = notifier.await.unwrap();
        waiter.await.unwrap();
    })
}

fn shuttle_program() {
    use shuttle::sync::mpsc;
    use shuttle::thread;

    let (requests, inbox) = mpsc::channel::<Request<mpsc::Sender<bool>>>();
    let (notify_tx, notify_rx) = mpsc::sync_channel::<()>(0);
    let flag_process = thread::spawn(move || {
        let mut flag = false;
        while let Ok(request) = inbox.recv() {
            match request {
                Request::IsSet(reply) => reply.send(flag).unwrap(),
                Request::Set => flag = true,
            }
        }
    });
    let waiter = {
        let requests = requests.clone();
        thread::spawn(move || {
            let (reply, answer) = mpsc::channel();
            requests.send(Request::IsSet(reply)).unwrap();
            drop(requests);
            if !answer.recv().unwrap() {
                notify_rx.recv().unwrap();
            }
        })
    };
    let notifier = thread::spawn(move || {
        requests.send(Request::Set).unwrap();
        drop(requests);
        let _ = notify_tx.try_send(()); // PLANTED
        notify_tx
    });
    let _notify_tx = notifier.join().unwrap();
    waiter.join().unwrap();
    flag_process.join().unwrap();
}
