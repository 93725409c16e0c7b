//! `Runtime::dump`, `hoare::runtime::dump`, named processes and stall
//! reports: what a dump says of a process blocked in each kind of wait.
//!
//! Every wait for a process to block has a deadline, so a test that goes
//! wrong fails with the last dump instead of hanging.

mod support;

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hoare::chan;
use hoare::runtime::{Dump, ProcessBuilder, ProcessInfo};
use hoare::Runtime;
use support::channel_id;

/// How long a process may take to block before the test fails.
const DEADLINE: Duration = Duration::from_secs(10);

/// The process named `name` once `dump` shows it blocked.
fn blocked(dump: impl Fn() -> Dump, name: &str) -> ProcessInfo {
    let start = Instant::now();
    loop {
        let snapshot = dump();
        let found = snapshot
            .processes()
            .iter()
            .find(|p| p.name() == Some(name) && p.is_blocked());
        if let Some(process) = found {
            return process.clone();
        }
        assert!(
            start.elapsed() < DEADLINE,
            "{name} did not block within {DEADLINE:?}; last dump:\n{snapshot}"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
}

fn runtime() -> Runtime {
    Runtime::builder().workers(2).build().unwrap()
}

/// Spawns `future` named `name` on `runtime`; gives the line of the spawn.
macro_rules! spawn_named {
    ($runtime:expr, $name:expr, $future:expr) => {{
        let future = $future;
        $runtime.block_on(async move {
            let builder = ProcessBuilder::new().name($name);
            (builder.spawn(future), line!())
        })
    }};
}

#[test]
fn rendezvous_recv_names_its_channel_its_name_and_its_spawn_site() {
    let runtime = runtime();
    let (_tx, rx) = chan::bounded::<u8>(0);
    let id = channel_id(&rx);
    let (_handle, line) = spawn_named!(runtime, "receiver", async move { rx.recv().await });
    let process = blocked(|| runtime.dump(), "receiver");
    assert_eq!(
        process.waits_on(),
        [format!("recv on channel #{id} (rendezvous)")]
    );
    assert_eq!(process.spawned_at().file(), file!());
    assert_eq!(process.spawned_at().line(), line);
}

#[test]
fn send_on_a_full_bounded_channel_names_the_channel_and_capacity() {
    let runtime = runtime();
    let (tx, _rx) = chan::bounded::<u8>(1);
    tx.try_send(1).unwrap();
    let id = channel_id(&tx);
    let (_handle, _) = spawn_named!(runtime, "sender", async move { tx.send(2).await });
    let process = blocked(|| runtime.dump(), "sender");
    assert_eq!(
        process.waits_on(),
        [format!("send on channel #{id} (bounded(1))")]
    );
}

/// A capacity too large for the one word a wait records (more than 16
/// bits) takes the other path through the records: the same words.
#[test]
fn a_receive_on_a_very_large_channel_names_its_capacity() {
    let runtime = runtime();
    let (_tx, rx) = chan::bounded::<u8>(100_000);
    let id = channel_id(&rx);
    let (_handle, _) = spawn_named!(runtime, "receiver", async move { rx.recv().await });
    let process = blocked(|| runtime.dump(), "receiver");
    assert_eq!(
        process.waits_on(),
        [format!("recv on channel #{id} (bounded(100000))")]
    );
    let dump = runtime.dump();
    let channel = dump.channels().iter().find(|c| c.id() == id).unwrap();
    assert_eq!(
        (channel.capacity(), channel.len()),
        (Some(100_000), Some(0))
    );
}

#[test]
fn select_over_several_channels_gives_one_entry_per_enabled_arm() {
    let runtime = runtime();
    let (_a_tx, a_rx) = chan::bounded::<u8>(0);
    let (_b_tx, b_rx) = chan::unbounded::<u8>();
    let (c_tx, _c_rx) = chan::bounded::<u8>(0);
    let (_d_tx, d_rx) = chan::bounded::<u8>(0);
    let ids = [channel_id(&a_rx), channel_id(&b_rx), channel_id(&c_tx)];
    let (_handle, _) = spawn_named!(runtime, "selector", async move {
        let off = false;
        hoare::select! {
            recv(a_rx) -> _ => {},
            recv(b_rx) -> _ => {},
            send(c_tx, 1) -> _ => {},
            recv(d_rx) -> _ if off => {},
        }
    });
    let process = blocked(|| runtime.dump(), "selector");
    let mut waits = process.waits_on().to_vec();
    waits.sort();
    let mut expected = vec![
        format!("recv on channel #{} (rendezvous)", ids[0]),
        format!("recv on channel #{} (unbounded)", ids[1]),
        format!("send on channel #{} (rendezvous)", ids[2]),
    ];
    expected.sort();
    assert_eq!(waits, expected, "the disabled arm is not listed");
}

#[test]
fn sleep_says_how_long_is_left() {
    let runtime = runtime();
    let nap = hoare::time::sleep(Duration::from_secs(3600));
    let (_handle, _) = spawn_named!(runtime, "sleeper", nap);
    let process = blocked(|| runtime.dump(), "sleeper");
    let [wait] = process.waits_on() else {
        panic!("one wait expected: {:?}", process.waits_on());
    };
    assert!(
        wait.starts_with("sleep with ") && wait.ends_with(" left"),
        "{wait}"
    );
}

#[test]
fn join_names_the_process_awaited() {
    let runtime = runtime();
    let (_tx, rx) = chan::bounded::<u8>(0);
    let (inner, _) = spawn_named!(runtime, "inner", async move { rx.recv().await });
    let inner_id = blocked(|| runtime.dump(), "inner").id();
    let (_outer, _) = spawn_named!(runtime, "outer", inner);
    let process = blocked(|| runtime.dump(), "outer");
    assert_eq!(process.waits_on(), [format!("join of p{inner_id}")]);
}

#[test]
fn select_with_every_arm_disabled_waits_forever() {
    let runtime = runtime();
    let (_tx, rx) = chan::bounded::<u8>(0);
    let (_handle, _) = spawn_named!(runtime, "guarded", async move {
        let off = false;
        hoare::select! { recv(rx) -> _ if off => () }
    });
    let process = blocked(|| runtime.dump(), "guarded");
    assert_eq!(
        process.waits_on(),
        ["select with every arm disabled (forever)"]
    );
}

#[test]
fn an_empty_select_waits_forever() {
    let runtime = runtime();
    let (_handle, _) = spawn_named!(runtime, "empty", async move {
        hoare::select! {}
    });
    let process = blocked(|| runtime.dump(), "empty");
    assert_eq!(
        process.waits_on(),
        ["select with every arm disabled (forever)"]
    );
    let report = hoare::sim::Builder::new()
        .seed(0)
        .try_run(async {
            let empty = ProcessBuilder::new().name("empty");
            empty
                .spawn(async {
                    hoare::select! {}
                })
                .await
                .unwrap()
        })
        .unwrap_err()
        .to_string();
    assert!(
        report.contains("select with every arm disabled (forever)"),
        "the deadlock report uses the same words:\n{report}"
    );
}

#[test]
fn a_future_outside_hoare_is_unknown() {
    let runtime = runtime();
    let (_handle, _) = spawn_named!(runtime, "foreign", std::future::pending::<()>());
    let process = blocked(|| runtime.dump(), "foreign");
    assert_eq!(process.waits_on(), ["unknown (a future outside hoare)"]);
}

#[test]
fn a_finished_process_whose_handle_is_not_awaited_is_not_listed() {
    let runtime = runtime();
    let (done, _) = spawn_named!(runtime, "done", async { 7 });
    let start = Instant::now();
    while !done.is_finished() {
        assert!(start.elapsed() < DEADLINE, "the process never finished");
        std::thread::sleep(Duration::from_millis(1));
    }
    let dump = runtime.dump();
    assert!(dump.processes().is_empty(), "{dump}");
    drop(done);
}

#[test]
fn a_process_not_polled_yet_is_runnable_and_waits_on_nothing() {
    let runtime = Runtime::builder().workers(1).build().unwrap();
    let (hog_started, started) = chan::bounded::<()>(1);
    // Occupy the only worker so the next process cannot be polled.
    let _hog = runtime.spawn(async move {
        hog_started.try_send(()).unwrap();
        std::thread::sleep(Duration::from_millis(500));
    });
    started.recv_blocking().unwrap();
    let _waiting = runtime.spawn(async {});
    let dump = runtime.dump();
    assert_eq!(dump.processes().len(), 2, "{dump}");
    for process in dump.processes() {
        assert!(!process.is_blocked(), "{dump}");
        assert!(process.waits_on().is_empty(), "{dump}");
    }
}

#[test]
fn a_woken_process_not_polled_again_yet_is_not_blocked() {
    let runtime = Runtime::builder().workers(1).build().unwrap();
    let (to_waiter, inbox) = chan::bounded::<u8>(1);
    let (waiter, _) = spawn_named!(runtime, "waiter", async move { inbox.recv().await });
    blocked(|| runtime.dump(), "waiter");
    // Occupy the only worker, then wake the waiter: it stays unpolled.
    let (hog_started, started) = chan::bounded::<()>(1);
    let (release, released) = std::sync::mpsc::channel::<()>();
    let hog = runtime.spawn(async move {
        hog_started.try_send(()).unwrap();
        let _ = released.recv_timeout(DEADLINE);
    });
    started.recv_blocking().unwrap();
    to_waiter.try_send(7).unwrap();
    let dump = runtime.dump();
    let waiter_info = dump
        .processes()
        .iter()
        .find(|p| p.name() == Some("waiter"))
        .unwrap_or_else(|| panic!("the waiter is listed:\n{dump}"));
    assert!(
        !waiter_info.is_blocked(),
        "woken since its last poll:\n{dump}"
    );
    assert!(waiter_info.waits_on().is_empty(), "{dump}");
    assert_eq!(waiter_info.blocked_for(), None, "{dump}");
    release.send(()).unwrap();
    runtime.block_on(hog).unwrap();
    assert_eq!(runtime.block_on(waiter).unwrap(), Ok(7));
}

#[test]
fn a_process_that_keeps_yielding_is_never_blocked() {
    let runtime = runtime();
    let (_busy, _) = spawn_named!(runtime, "busy", async {
        loop {
            hoare::yield_now().await;
        }
    });
    for _ in 0..200 {
        let dump = runtime.dump();
        let busy = &dump.processes()[0];
        assert!(!busy.is_blocked() && busy.waits_on().is_empty(), "{dump}");
    }
}

#[test]
fn display_has_one_block_per_process_with_name_site_and_waits() {
    let runtime = runtime();
    let (_tx, rx) = chan::bounded::<u8>(0);
    let id = channel_id(&rx);
    let (_handle, line) = spawn_named!(runtime, "shown", async move { rx.recv().await });
    let process = blocked(|| runtime.dump(), "shown");
    let text = runtime.dump().to_string();
    let head = format!(
        "p{} \"shown\", spawned at {}:{line}, blocked for ",
        process.id(),
        file!()
    );
    let (_, rest) = text.split_once(&head).unwrap_or_else(|| panic!("{text}"));
    let (duration, waits) = rest.split_once('\n').unwrap_or_else(|| panic!("{text}"));
    assert!(duration.ends_with(" on"), "{text}");
    let wait = format!("    recv on channel #{id} (rendezvous)\n");
    assert!(waits.starts_with(&wait), "{text}");
}

#[test]
fn dump_inside_a_process_sees_its_runtime_and_not_the_main_future() {
    let runtime = runtime();
    let ids = runtime.block_on(async {
        let (_tx, rx) = chan::bounded::<u8>(0);
        let _blocked = ProcessBuilder::new()
            .name("peer")
            .spawn(async move { rx.recv().await });
        let asker = hoare::spawn(async {
            let dump = hoare::runtime::dump();
            dump.processes().iter().map(|p| p.id()).collect::<Vec<_>>()
        });
        asker.await.unwrap()
    });
    assert_eq!(
        ids,
        [1, 2],
        "both processes, in spawn order; no main future"
    );
}

#[test]
fn dump_outside_a_runtime_panics_with_what_to_do() {
    let payload =
        std::panic::catch_unwind(hoare::runtime::dump).expect_err("dump outside a runtime panics");
    let message = match payload.downcast_ref::<&str>() {
        Some(text) => text.to_string(),
        None => payload
            .downcast_ref::<String>()
            .cloned()
            .unwrap_or_default(),
    };
    assert!(
        message.contains("outside a runtime") && message.contains("Runtime::dump"),
        "{message}"
    );
}

#[test]
fn dump_inside_a_simulation_lists_its_processes_in_the_same_words() {
    let (dump, id) = hoare::sim::Builder::new().seed(3).run(async {
        let (_tx, rx) = chan::bounded::<u8>(0);
        let id = channel_id(&rx);
        let named = ProcessBuilder::new().name("simmed");
        let _handle = named.spawn(async move { rx.recv().await });
        hoare::time::sleep(Duration::from_millis(1)).await;
        (hoare::runtime::dump(), id)
    });
    let process = &dump.processes()[0];
    assert_eq!(process.name(), Some("simmed"));
    assert_eq!(
        process.waits_on(),
        [format!("recv on channel #{id} (rendezvous)")]
    );
}

#[test]
fn a_simulated_deadlock_names_the_process_in_the_dump_words() {
    let error = hoare::sim::Builder::new()
        .seed(1)
        .try_run(async {
            let (_tx, rx) = chan::bounded::<u8>(0);
            let named = ProcessBuilder::new().name("stuck");
            named.spawn(async move { rx.recv().await }).await.unwrap()
        })
        .unwrap_err();
    let text = error.to_string();
    assert!(
        text.contains("deadlock") && text.contains("\"stuck\""),
        "{text}"
    );
    assert!(text.contains("recv on channel #1 (rendezvous)"), "{text}");
    assert!(text.contains("join of p1"), "{text}");
}

#[test]
fn a_simulation_trace_names_a_named_process_at_its_spawn() {
    let (_, trace) = hoare::sim::Builder::new().seed(2).run_traced(async {
        let named = ProcessBuilder::new().name("traced");
        named.spawn(async {}).await.unwrap();
    });
    let spawn = trace
        .to_string()
        .lines()
        .find(|line| line.starts_with("spawn p1 "))
        .map(str::to_owned);
    let spawn = spawn.expect("the trace has p1's spawn");
    assert!(spawn.ends_with("(\"traced\")"), "{spawn}");
    assert!(spawn.contains(file!()), "{spawn}");
}

#[test]
fn join_error_display_names_the_process() {
    let error = hoare::run(async {
        let named = ProcessBuilder::new().name("doomed");
        named
            .spawn(async { panic!("on purpose") })
            .await
            .unwrap_err()
    });
    assert_eq!(
        error.to_string(),
        "process 1 \"doomed\" panicked: on purpose"
    );
}

/// A runtime that reports stalls of 50 ms to a counter.
fn counting_stalls() -> (Runtime, Arc<AtomicUsize>) {
    let stalls = Arc::new(AtomicUsize::new(0));
    let counter = stalls.clone();
    let runtime = Runtime::builder()
        .workers(2)
        .stall_report(Duration::from_millis(50))
        .on_stall(move |dump| {
            assert!(dump.processes().iter().any(ProcessInfo::is_blocked));
            counter.fetch_add(1, Ordering::SeqCst);
        })
        .build()
        .unwrap();
    (runtime, stalls)
}

#[test]
fn stall_callback_fires_once_for_a_stalled_runtime() {
    let (runtime, stalls) = counting_stalls();
    let (_tx, rx) = chan::bounded::<u8>(0);
    let _stuck = runtime.spawn(async move { rx.recv().await });
    let start = Instant::now();
    while stalls.load(Ordering::SeqCst) == 0 {
        assert!(start.elapsed() < DEADLINE, "no stall reported");
        std::thread::sleep(Duration::from_millis(5));
    }
    std::thread::sleep(Duration::from_millis(400));
    assert_eq!(stalls.load(Ordering::SeqCst), 1, "once per stall");
}

#[test]
fn stall_callback_does_not_fire_for_a_busy_runtime() {
    let (runtime, stalls) = counting_stalls();
    let (_tx, rx) = chan::bounded::<u8>(0);
    let _stuck = runtime.spawn(async move { rx.recv().await });
    let _busy = runtime.spawn(async {
        loop {
            hoare::time::sleep(Duration::from_millis(5)).await;
        }
    });
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(stalls.load(Ordering::SeqCst), 0);
}

#[test]
fn a_sleep_due_within_the_stall_duration_is_not_a_stall() {
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let dumps = seen.clone();
    let runtime = Runtime::builder()
        .workers(2)
        .stall_report(Duration::from_millis(200))
        .on_stall(move |dump| dumps.lock().unwrap().push(dump.clone()))
        .build()
        .unwrap();
    let (_tx, rx) = chan::bounded::<u8>(0);
    let _napper = runtime.spawn(async move {
        // Quiet for longer than the stall duration, but the timer is due
        // before another stall duration passes: not a stall.
        hoare::time::sleep(Duration::from_millis(300)).await;
        rx.recv().await
    });
    let start = Instant::now();
    while seen.lock().unwrap().is_empty() {
        assert!(
            start.elapsed() < DEADLINE,
            "the stall on recv was never reported"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    let first = seen.lock().unwrap()[0].clone();
    let waits = first.processes()[0].waits_on();
    assert!(waits[0].starts_with("recv on channel #"), "{first}");
}

#[test]
fn channel_ids_are_unique_across_threads() {
    let threads: Vec<_> = (0..4)
        .map(|_| {
            std::thread::spawn(|| {
                (0..500)
                    .map(|_| {
                        let (tx, rx) = chan::bounded::<u8>(1);
                        assert_eq!(channel_id(&tx), channel_id(&rx));
                        channel_id(&tx)
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut seen = HashSet::new();
    for thread in threads {
        for id in thread.join().unwrap() {
            assert!(seen.insert(id), "channel id {id} handed out twice");
        }
    }
    assert_eq!(seen.len(), 2000);
}
