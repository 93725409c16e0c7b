//! Every example runs as a test, so none can rot: each example's `main`
//! is called, and the functions the examples are built from are checked
//! against known answers.

mod support;

use std::sync::Mutex;

use support::within;

#[path = "../examples/philosophers.rs"]
mod philosophers;
#[path = "../examples/pipeline.rs"]
mod pipeline;
#[path = "../examples/replay.rs"]
mod replay;
#[path = "../examples/sieve.rs"]
mod sieve;
#[path = "../examples/stuck.rs"]
mod stuck;
#[path = "../examples/timeouts.rs"]
mod timeouts;
#[path = "../examples/tokio_interop.rs"]
mod tokio_interop;
#[path = "../examples/tour.rs"]
mod tour;

/// `replay` sets `HOARE_SIM_ITERS` and swaps the panic hook; the examples
/// run one at a time so that nothing else sees either.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[test]
fn tour_runs() {
    let _one = serial();
    tour::main();
}

#[test]
fn sieve_finds_the_first_primes() {
    let _one = serial();
    assert_eq!(sieve::primes(10), [2, 3, 5, 7, 11, 13, 17, 19, 23, 29]);
    let many = sieve::primes(100);
    assert_eq!(many.len(), 100);
    assert_eq!(many[99], 541);
    sieve::main();
}

#[test]
fn pipeline_counts_primes_below_a_bound_with_every_job_done_once() {
    let _one = serial();
    let (primes, per_worker) = pipeline::run_pipeline(1000, 3);
    assert_eq!(primes, 168, "there are 168 primes below 1000");
    assert_eq!(per_worker.len(), 3);
    assert_eq!(
        per_worker.iter().sum::<u64>(),
        1000,
        "every job is done exactly once"
    );
    pipeline::main();
}

#[test]
fn philosophers_all_eat_on_the_runtime_and_in_simulation() {
    let _one = serial();
    assert_eq!(hoare::run(philosophers::dinner(4)), 20);
    assert_eq!(
        hoare::sim::Builder::new()
            .seed(7)
            .run(philosophers::dinner(2)),
        10
    );
    philosophers::main();
}

#[test]
fn timeouts_heartbeat_gives_up_after_the_idle_timeout() {
    let _one = serial();
    let (jobs, beats) = hoare::sim::Builder::new()
        .seed(3)
        .run(timeouts::worker_with_heartbeat());
    assert_eq!(jobs, 5);
    // Five jobs 7 ms apart (35 ms), then 50 ms of silence: ticks at
    // 10, 20, ..., 80 ms on virtual time.
    assert_eq!(beats, 8);
    timeouts::main();
}

#[test]
fn replay_finds_and_replays_the_overdraft() {
    let _one = serial();
    let replayed = within(120, replay::find_and_replay)
        .expect("sim::check finds the overdraft within 1000 seeds");
    let [(first, trace), (second, again)] = &replayed.runs;
    let first = first
        .as_ref()
        .expect_err("the reported seed fails when replayed");
    let second = second.as_ref().expect_err("and fails again");
    assert!(
        first.to_string().contains("overdraft"),
        "the replay fails with the overdraft: {first}"
    );
    assert_eq!(
        first.to_string(),
        second.to_string(),
        "both replays fail alike"
    );
    assert!(trace == again, "both replays take the same schedule");
    assert!(!trace.events().is_empty());
    within(120, replay::main);
}

#[test]
fn tokio_interop_runs() {
    let _one = serial();
    tokio_interop::main();
}

#[test]
fn stuck_dump_shows_each_process_waiting_on_the_channel_only_the_other_sends_on() {
    let _one = serial();
    let found = stuck::stuck();
    let processes = found.dump.processes();
    assert_eq!(processes.len(), 2, "{}", found.dump);
    let waits = |name: &str| {
        let process = processes.iter().find(|p| p.name() == Some(name));
        let process = process.unwrap_or_else(|| panic!("no {name} in\n{}", found.dump));
        assert!(process.is_blocked());
        assert!(process.spawned_at().file().ends_with("stuck.rs"));
        process.waits_on().to_vec()
    };
    let recv_on = |id: u64| vec![format!("recv on channel #{id} (rendezvous)")];
    assert_eq!(waits("left"), recv_on(found.to_left));
    assert_eq!(waits("right"), recv_on(found.to_right));
    let text = found.dump.to_string();
    assert!(
        text.contains("\"left\"") && text.contains("\"right\""),
        "{text}"
    );
    stuck::main();
}
