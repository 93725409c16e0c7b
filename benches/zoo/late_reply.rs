//! **Late reply with timers** (hoare only: shuttle has no timers and no
//! select). A server serves requests one at a time, 6 ms each, and sends
//! each answer to the reply channel that came with the request. Client A
//! sends two numbered requests on its one reply channel and waits for
//! each answer with a timeout of 10 ms (a `select!` with a
//! `hoare::time::after` arm), moving on to the next request on a timeout.
//! Client B sends one request of its own.
//!
//! Triggering schedule: B's request reaches the server before A's first:
//! A's answer comes at 12 ms, after A gave up at 10 ms and sent request 2,
//! and A takes it as the answer to request 2: the assertion fails. A
//! schedule in which A's first request is served first passes (its second
//! request then times out behind B's, and A takes no answer for it).
//!
//! Planted fault: A takes whatever is on its reply channel as the answer
//! to the current request (marked `// PLANTED`); the fix is to tag each
//! reply with its request number and drop stale ones.

use std::time::Duration;

use hoare::chan;

use super::{Bug, HoareProgram};

pub const BUG: Bug = Bug {
    name: "late reply (timers)",
    hoare: hoare_program,
    shuttle: None,
    control: false,
};

const WORK: Duration = Duration::from_millis(6);
const TIMEOUT: Duration = Duration::from_millis(10);

type Request = (u64, chan::Sender<u64>);

fn hoare_program() -> HoareProgram {
    Box::pin(async {
        let (requests, inbox) = chan::unbounded::<Request>();
        hoare::spawn(async move {
            while let Ok((n, reply)) = inbox.recv().await {
                hoare::time::sleep(WORK).await;
                let _ = reply.send(n * 10).await; // the client may be gone
            }
        });
        let client_a = {
            let requests = requests.clone();
            hoare::spawn(async move {
                let (reply, replies) = chan::unbounded();
                for n in 1..=2 {
                    requests.send((n, reply.clone())).await.unwrap();
                    hoare::select! {
                        recv(replies) -> answer => {
                            assert_eq!(answer.unwrap(), n * 10, "answer to another request"); // PLANTED
                        }
                        recv(hoare::time::after(TIMEOUT)) -> _ => {} // timed out: next request
                    }
                }
            })
        };
        let client_b = hoare::spawn(async move {
            let (reply, replies) = chan::bounded(1);
            requests.send((100, reply)).await.unwrap();
            assert_eq!(replies.recv().await.unwrap(), 1000);
        });
        client_a.await.unwrap();
        client_b.await.unwrap();
    })
}
