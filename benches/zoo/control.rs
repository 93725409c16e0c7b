//! **Control** (no bug). A ponger process answers each ping with the next
//! number over two rendezvous channels; the main process plays three
//! rounds and checks every answer, then closes the pings and joins the
//! ponger. Every schedule passes: each step has exactly one possible
//! partner.

use hoare::chan;

use super::{Bug, HoareProgram};

pub const BUG: Bug = Bug {
    name: "control: ping-pong",
    hoare: hoare_program,
    shuttle: Some(shuttle_program),
    control: true,
};

const ROUNDS: u64 = 3;

fn hoare_program() -> HoareProgram {
    Box::pin(async {
        let (ping, pings) = chan::bounded::<u64>(0);
        let (pong, pongs) = chan::bounded::<u64>(0);
        let ponger = hoare::spawn(async move {
            while let Ok(n) = pings.recv().await {
                pong.send(n + 1).await.unwrap();
            }
        });
        for n in 0..ROUNDS {
            ping.send(2 * n).await.unwrap();
            assert_eq!(pongs.recv().await.unwrap(), 2 * n + 1);
        }
        drop(ping);
        ponger.await.unwrap();
    })
}

fn shuttle_program() {
    use shuttle::sync::mpsc;
    use shuttle::thread;

    let (ping, pings) = mpsc::sync_channel::<u64>(0);
    let (pong, pongs) = mpsc::sync_channel::<u64>(0);
    let ponger = thread::spawn(move || {
        while let Ok(n) = pings.recv() {
            pong.send(n + 1).unwrap();
        }
    });
    for n in 0..ROUNDS {
        ping.send(2 * n).unwrap();
        assert_eq!(pongs.recv().unwrap(), 2 * n + 1);
    }
    drop(ping);
    ponger.join().unwrap();
}
