//! Replaying a concurrency bug from its seed.
//!
//! An account process owns a balance and answers two requests over
//! channels: "what is the balance?" and "set the balance". Two clients each
//! withdraw 80 from 100 by asking first and setting afterwards — a
//! check-then-act race: if both ask before either sets, both withdraw and
//! the account pays out 160 from 100. Most schedules are fine, so the bug
//! hides in ordinary tests. `hoare::sim::check` runs the program under many
//! seeds, finds a failing one, and that seed replays the very same run.
//!
//! Run with `cargo run --release --example replay`.

use std::panic;

use hoare::chan::{self, Receiver, Sender};
use hoare::sim;

enum Request {
    Balance(Sender<i64>),
    Set(i64),
}

async fn account(requests: Receiver<Request>) {
    let mut balance = 100;
    while let Ok(request) = requests.recv().await {
        match request {
            Request::Balance(reply) => {
                let _ = reply.send(balance).await;
            }
            Request::Set(value) => balance = value,
        }
    }
}

async fn balance(account: &Sender<Request>) -> i64 {
    let (reply_tx, reply_rx) = chan::bounded(1);
    account.send(Request::Balance(reply_tx)).await.unwrap();
    reply_rx.recv().await.unwrap()
}

/// Withdraws `amount` if the balance allows it; the bug: the check and the
/// update are two separate messages.
async fn withdraw(account: Sender<Request>, amount: i64) -> bool {
    let seen = balance(&account).await;
    if seen < amount {
        return false;
    }
    account.send(Request::Set(seen - amount)).await.unwrap();
    true
}

async fn program() {
    let (account_tx, account_rx) = chan::bounded(0);
    let server = hoare::spawn(account(account_rx));
    let first = hoare::spawn(withdraw(account_tx.clone(), 80));
    let second = hoare::spawn(withdraw(account_tx.clone(), 80));
    let paid = [first.await.unwrap(), second.await.unwrap()]
        .iter()
        .filter(|&&ok| ok)
        .count() as i64;
    let left = balance(&account_tx).await;
    drop(account_tx);
    server.await.unwrap();
    assert!(
        paid * 80 <= 100,
        "overdraft: paid out {} from 100, balance says {left}",
        paid * 80
    );
}

/// What the search found and the two replays of it.
pub struct Replayed {
    /// The failing seed `check` reported.
    pub seed: u64,
    /// `check`'s report, which names the seed.
    pub report: String,
    /// The two runs of that seed and their traces.
    pub runs: [(Result<(), sim::SimError>, sim::Trace); 2],
}

/// Searches 1000 seeds for an overdraft with `sim::check`; if one fails,
/// runs its seed twice more. `None`: no seed failed.
pub fn find_and_replay() -> Option<Replayed> {
    // 1. Search: `check` runs seeds 0, 1, 2, ... and stops at the first failure.
    std::env::set_var("HOARE_SIM_ITERS", "1000");
    let quiet = panic::take_hook();
    panic::set_hook(Box::new(|_| {}));
    let found = panic::catch_unwind(|| sim::check(program));
    panic::set_hook(quiet);
    let report = match found {
        Ok(()) => return None,
        Err(payload) => payload
            .downcast_ref::<String>()
            .cloned()
            .unwrap_or_default(),
    };
    let seed: u64 = report
        .split("HOARE_SEED=")
        .nth(1)
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|digits| digits.parse().ok())
        .expect("the report names the seed");

    // 2. Replay: the same seed gives the same run, event for event.
    let quiet = panic::take_hook();
    panic::set_hook(Box::new(|_| {}));
    let first = sim::Builder::new().seed(seed).try_run_traced(program());
    let second = sim::Builder::new().seed(seed).try_run_traced(program());
    panic::set_hook(quiet);
    Some(Replayed {
        seed,
        report,
        runs: [first, second],
    })
}

pub fn main() {
    let Some(Replayed { seed, report, runs }) = find_and_replay() else {
        println!("no failing seed in 1000 runs");
        return;
    };
    println!("sim::check found a failing schedule:\n{report}\n");
    let [(first, trace), (second, again)] = runs;
    println!("replaying HOARE_SEED={seed}:");
    println!(
        "  run 1: {}",
        first
            .as_ref()
            .map(|_| "ok".to_string())
            .unwrap_or_else(|e| e.to_string())
    );
    println!(
        "  run 2: {}",
        second
            .as_ref()
            .map(|_| "ok".to_string())
            .unwrap_or_else(|e| e.to_string())
    );
    println!(
        "  trace fingerprints: {:#018x} and {:#018x} ({} events each){}",
        trace.fingerprint(),
        again.fingerprint(),
        trace.events().len(),
        if trace == again {
            ", identical"
        } else {
            ", DIFFERENT"
        }
    );
    println!("\nthe failing schedule, step by step:");
    for event in trace.events() {
        println!("  {event}");
    }
}
