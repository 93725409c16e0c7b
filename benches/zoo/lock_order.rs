//! **Lock-order deadlock through token channels.** Two locks are channels
//! of capacity 1 holding one token each: taking the token (`recv`) locks,
//! giving it back (`send`) unlocks. Process P takes A then B, process Q
//! takes B then A; each does some work (a yield) between the two takes.
//!
//! Triggering schedule: P takes A, Q takes B, then each waits for the
//! other's token: a deadlock (the failure). A schedule in which one
//! process takes its first token after the other has taken both passes.
//!
//! Planted fault: Q's order (marked `// PLANTED`); the fix is one global
//! order, A before B, in both processes.
//!
//! The shuttle version shares each lock's receiver between the two threads
//! behind a `shuttle::sync::Mutex` (its `mpsc` receiver is single-consumer),
//! held only for the `recv`.

use hoare::chan;

use super::{Bug, HoareProgram};

pub const BUG: Bug = Bug {
    name: "lock-order deadlock",
    hoare: hoare_program,
    shuttle: Some(shuttle_program),
    control: false,
};

fn hoare_program() -> HoareProgram {
    Box::pin(async {
        let (a_give, a_take) = chan::bounded::<()>(1);
        let (b_give, b_take) = chan::bounded::<()>(1);
        a_give.try_send(()).unwrap();
        b_give.try_send(()).unwrap();
        let worker = |first: (chan::Sender<()>, chan::Receiver<()>),
                      second: (chan::Sender<()>, chan::Receiver<()>)| {
            hoare::spawn(async move {
                first.1.recv().await.unwrap();
                hoare::yield_now().await; // work while holding the first lock
                second.1.recv().await.unwrap();
                second.0.send(()).await.unwrap();
                first.0.send(()).await.unwrap();
            })
        };
        let a = (a_give, a_take);
        let b = (b_give, b_take);
        let p = worker(a.clone(), b.clone());
        let q = worker(b, a); // PLANTED
        p.await.unwrap();
        q.await.unwrap();
    })
}

fn shuttle_program() {
    use shuttle::sync::mpsc::{sync_channel, Receiver, SyncSender};
    use shuttle::sync::{Arc, Mutex};
    use shuttle::thread;

    type Lock = (SyncSender<()>, Arc<Mutex<Receiver<()>>>);
    let lock = || -> Lock {
        let (give, take) = sync_channel(1);
        give.send(()).unwrap();
        (give, Arc::new(Mutex::new(take)))
    };
    let worker = |first: Lock, second: Lock| {
        thread::spawn(move || {
            first.1.lock().unwrap().recv().unwrap();
            thread::yield_now(); // work while holding the first lock
            second.1.lock().unwrap().recv().unwrap();
            second.0.send(()).unwrap();
            first.0.send(()).unwrap();
        })
    };
    let a = lock();
    let b = lock();
    let p = worker(a.clone(), b.clone());
    let q = worker(b, a); // PLANTED
    p.join().unwrap();
    q.join().unwrap();
}
