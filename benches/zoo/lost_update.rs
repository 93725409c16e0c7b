//! **Lost update.** A server process holds a counter and answers `Get`
//! and `Set` messages; two clients each add one by a read-modify-write
//! (`Get`, then `Set(v + 1)`), and the main process checks the total is 2.
//!
//! Triggering schedule: the server answers both `Get`s before it receives
//! either `Set` (both clients read 0); both write 1. A schedule that lets
//! one client finish its round trip before the other's `Get` passes.
//!
//! Planted fault: the client's `Set(v + 1)` (marked `// PLANTED`) writes a
//! value computed from a read that may be stale; the fix is an `Add`
//! message, done by the server in one step.

use hoare::chan;

use super::{Bug, HoareProgram};

pub const BUG: Bug = Bug {
    name: "lost update",
    hoare: hoare_program,
    shuttle: Some(shuttle_program),
    control: false,
};

enum Request<Reply> {
    Get(Reply),
    Set(u64),
}

fn hoare_program() -> HoareProgram {
    Box::pin(async {
        let (requests, inbox) = chan::unbounded::<Request<chan::Sender<u64>>>();
        let server = hoare::spawn(async move {
            let mut counter = 0;
            while let Ok(request) = inbox.recv().await {
                match request {
                    Request::Get(reply) => reply.send(counter).await.unwrap(),
                    Request::Set(value) => counter = value,
                }
            }
            counter
        });
        let clients: Vec<_> = (0..2)
            .map(|_| {
                let requests = requests.clone();
                hoare::spawn(async move {
                    let (reply, answer) = chan::bounded(1);
                    requests.send(Request::Get(reply)).await.unwrap();
                    let value = answer.recv().await.unwrap();
                    requests.send(Request::Set(value + 1)).await.unwrap(); // PLANTED
                })
            })
            .collect();
        drop(requests);
        for client in clients {
            client.await.unwrap();
        }
        assert_eq!(server.await.unwrap(), 2, "lost update");
    })
}

fn shuttle_program() {
    use shuttle::sync::mpsc;
    use shuttle::thread;

    let (requests, inbox) = mpsc::channel::<Request<mpsc::Sender<u64>>>();
    let server = thread::spawn(move || {
        let mut counter = 0;
        while let Ok(request) = inbox.recv() {
            match request {
                Request::Get(reply) => reply.send(counter).unwrap(),
                Request::Set(value) => counter = value,
            }
        }
        counter
    });
    let clients: Vec<_> = (0..2)
        .map(|_| {
            let requests = requests.clone();
            thread::spawn(move || {
                let (reply, answer) = mpsc::channel();
                requests.send(Request::Get(reply)).unwrap();
                let value = answer.recv().unwrap();
                requests.send(Request::Set(value + 1)).unwrap(); // PLANTED
            })
        })
        .collect();
    drop(requests);
    for client in clients {
        client.join().unwrap();
    }
    assert_eq!(server.join().unwrap(), 2, "lost update");
}
