//! A program stuck in a wait cycle, and the dump that shows it.
//!
//! Two named processes, `left` and `right`, each wait to receive from the
//! other before sending anything: neither ever sends, and the program
//! hangs. `hoare::runtime::dump()` shows where: each process, where it was
//! spawned, how long it has been blocked and the channel it waits on, and
//! for each channel waited on who waits on which side (each has a
//! receiver waiting and no sender); the legend says who *would* send on
//! each channel, so the cycle is in plain sight:
//!
//! ```text
//! 2 live processes, 2 blocked
//! p1 "left", spawned at examples/stuck.rs:63, blocked for 1ms on
//!     recv on channel #1 (rendezvous)
//! p2 "right", spawned at examples/stuck.rs:69, blocked for 1ms on
//!     recv on channel #2 (rendezvous)
//! channels waited on:
//! channel #1 (rendezvous), 0 buffered; receivers waiting: p1; senders waiting: none
//! channel #2 (rendezvous), 0 buffered; receivers waiting: p2; senders waiting: none
//! channel #1: only right sends on it; left receives
//! channel #2: only left sends on it; right receives
//! left waits for right, right waits for left: a wait cycle
//! ```
//!
//! Run with `cargo run --release --example stuck`. (Dumps work on a live
//! program too: `Runtime::builder().stall_report(d)` prints one on
//! standard error when a runtime stops making progress.)

use std::fmt::Debug;
use std::time::{Duration, Instant};

use hoare::chan;
use hoare::runtime::{Dump, ProcessBuilder};

/// What [`stuck`] found: the dump, and the ids of the channel `left`
/// receives on (only `right` sends there) and of the one `right` receives
/// on (only `left` sends there).
pub struct Stuck {
    pub dump: Dump,
    pub to_left: u64,
    pub to_right: u64,
}

/// A channel's id, from its `Debug` (`Sender { id: 3, .. }`).
fn channel_id(channel: &impl Debug) -> u64 {
    let text = format!("{channel:?}");
    let digits: String = text
        .split("id: ")
        .nth(1)
        .expect("channels show their id in Debug")
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().expect("a channel id is a number")
}

/// Starts the two processes and takes a dump once both are blocked.
pub fn stuck() -> Stuck {
    hoare::run(async {
        let (to_left, left_inbox) = chan::bounded::<&str>(0);
        let (to_right, right_inbox) = chan::bounded::<&str>(0);
        let ids = (channel_id(&to_left), channel_id(&to_right));
        let _left = ProcessBuilder::new().name("left").spawn(async move {
            // Waits for right to speak first...
            let heard = left_inbox.recv().await;
            let _ = to_right.send("hello from left").await;
            heard
        });
        let _right = ProcessBuilder::new().name("right").spawn(async move {
            // ...and right waits for left.
            let heard = right_inbox.recv().await;
            let _ = to_left.send("hello from right").await;
            heard
        });
        let start = Instant::now();
        loop {
            let dump = hoare::runtime::dump();
            if dump.processes().iter().filter(|p| p.is_blocked()).count() == 2 {
                return Stuck {
                    dump,
                    to_left: ids.0,
                    to_right: ids.1,
                };
            }
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "the two processes did not block within 10 s:\n{dump}"
            );
            hoare::time::sleep(Duration::from_millis(1)).await;
        }
    })
}

pub fn main() {
    let Stuck {
        dump,
        to_left,
        to_right,
    } = stuck();
    print!("{dump}");
    println!("channel #{to_left}: only right sends on it; left receives");
    println!("channel #{to_right}: only left sends on it; right receives");
    println!("left waits for right, right waits for left: a wait cycle");
}
