//! **Stale cache.** A store process holds a value; a cache process answers
//! reads from its own copy, which the store refreshes by a separate
//! `Update` message after each write. The main process writes 1, waits
//! for the store's acknowledgement, then reads through the cache and
//! expects 1 (read-your-writes).
//!
//! Triggering schedule: the cache serves the read before it has taken the
//! store's `Update`: the read returns the old 0. A schedule in which the
//! update reaches the cache first passes.
//!
//! Planted fault: the store acknowledges the write before it refreshes the
//! cache (the `ack` line, marked `// PLANTED`); the fix is to send the
//! update first and acknowledge after the cache has it. The store does
//! some other work (a yield) between the two, in both versions.
//!
//! The hoare cache is a process with a `select!` over its two inputs
//! (reads and updates); shuttle has no select, so its cache takes both
//! kinds of message from one `mpsc` channel. Without the yield the hoare
//! version still fails (its select may serve a read while an update
//! waits) and the shuttle version never does (its one channel keeps the
//! update, sent first, ahead of the read).

use hoare::chan;

use super::{Bug, HoareProgram};

pub const BUG: Bug = Bug {
    name: "stale cache",
    hoare: hoare_program,
    shuttle: Some(shuttle_program),
    control: false,
};

fn hoare_program() -> HoareProgram {
    Box::pin(async {
        let (write_tx, write_rx) = chan::unbounded::<(u64, chan::Sender<()>)>();
        let (update_tx, update_rx) = chan::unbounded::<u64>();
        let (read_tx, read_rx) = chan::unbounded::<chan::Sender<u64>>();
        hoare::spawn(async move {
            while let Ok((value, ack)) = write_rx.recv().await {
                ack.send(()).await.unwrap(); // PLANTED
                hoare::yield_now().await; // other work before the refresh
                update_tx.send(value).await.unwrap();
            }
        });
        hoare::spawn(async move {
            let mut copy = 0;
            loop {
                hoare::select! {
                    recv(update_rx) -> new => match new {
                        Ok(new) => copy = new,
                        Err(_) => break,
                    },
                    recv(read_rx) -> reply => match reply {
                        Ok(reply) => reply.send(copy).await.unwrap(),
                        Err(_) => break,
                    },
                }
            }
        });
        let (ack, acked) = chan::bounded(1);
        write_tx.send((1, ack)).await.unwrap();
        acked.recv().await.unwrap();
        let (reply, answer) = chan::bounded(1);
        read_tx.send(reply).await.unwrap();
        assert_eq!(answer.recv().await.unwrap(), 1, "stale read");
    })
}

enum CacheMessage {
    Update(u64),
    Read(shuttle::sync::mpsc::Sender<u64>),
}

fn shuttle_program() {
    use shuttle::sync::mpsc;
    use shuttle::thread;

    let (write_tx, write_rx) = mpsc::channel::<(u64, mpsc::Sender<()>)>();
    let (cache_tx, cache_rx) = mpsc::channel::<CacheMessage>();
    let update_tx = cache_tx.clone();
    let store = thread::spawn(move || {
        while let Ok((value, ack)) = write_rx.recv() {
            ack.send(()).unwrap(); // PLANTED
            thread::yield_now(); // other work before the refresh
            update_tx.send(CacheMessage::Update(value)).unwrap();
        }
    });
    let cache = thread::spawn(move || {
        let mut copy = 0;
        while let Ok(message) = cache_rx.recv() {
            match message {
                CacheMessage::Update(new) => copy = new,
                CacheMessage::Read(reply) => reply.send(copy).unwrap(),
            }
        }
    });
    let (ack, acked) = mpsc::channel();
    write_tx.send((1, ack)).unwrap();
    acked.recv().unwrap();
    let (reply, answer) = mpsc::channel();
    cache_tx.send(CacheMessage::Read(reply)).unwrap();
    let read = answer.recv().unwrap();
    drop((write_tx, cache_tx));
    store.join().unwrap();
    cache.join().unwrap();
    assert_eq!(read, 1, "stale read");
}
