//! The stall report's contract, sentence by sentence: `stall_report(d)`
//! writes the dump to standard error once per stall, and again only after
//! progress; `on_stall(f)` calls `f` instead, alone with a duration of
//! 10 s; a report never panics or aborts, even when `f` panics.
//!
//! Every wait has a deadline: a test that goes wrong fails, it never
//! hangs.

mod support;

use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hoare::chan;
use hoare::runtime::ProcessBuilder;
use hoare::Runtime;

/// How long a condition may take to come true before the test fails.
const DEADLINE: Duration = Duration::from_secs(10);

/// Set in the child process that [`stall_report_alone_writes_the_dump_to_standard_error_once`]
/// runs: the child makes the stall, the parent reads its standard error.
const CHILD: &str = "HOARE_TEST_STALL_CHILD";

/// Sleeps until `done` holds, failing after [`DEADLINE`].
fn until(what: &str, done: impl Fn() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < DEADLINE,
            "{what}: not within {DEADLINE:?}"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// A runtime whose stalls of `after` (or of the default, for `None`) are
/// counted.
fn counting(after: Option<Duration>) -> (Runtime, Arc<AtomicUsize>) {
    let stalls = Arc::new(AtomicUsize::new(0));
    let counter = stalls.clone();
    let mut builder = Runtime::builder().workers(2);
    if let Some(after) = after {
        builder = builder.stall_report(after);
    }
    let runtime = builder
        .on_stall(move |_| {
            counter.fetch_add(1, Ordering::SeqCst);
        })
        .build()
        .unwrap();
    (runtime, stalls)
}

/// The child's part: a runtime with `stall_report(50 ms)` and nothing
/// else, one process stuck on a receive for longer than several stall
/// durations. Does nothing unless run as the child.
#[test]
fn stall_report_child() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let runtime = Runtime::builder()
        .workers(2)
        .stall_report(Duration::from_millis(50))
        .build()
        .unwrap();
    let (_tx, rx) = chan::bounded::<u8>(0);
    let _stuck = runtime.block_on(async move {
        (ProcessBuilder::new()
            .name("stuck-on-recv")
            .spawn(async move { rx.recv().await }),)
    });
    std::thread::sleep(Duration::from_millis(600));
}

#[test]
fn stall_report_alone_writes_the_dump_to_standard_error_once() {
    let output = support::within(60, || {
        Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "stall_report_child", "--nocapture"])
            .env(CHILD, "1")
            .output()
            .unwrap()
    });
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "the child failed:\n{stderr}");
    assert_eq!(
        stderr.matches("hoare: stall:").count(),
        1,
        "one report for one stall:\n{stderr}"
    );
    assert!(
        stderr.contains("\"stuck-on-recv\"") && stderr.contains("recv on channel #"),
        "the report is the dump:\n{stderr}"
    );
}

#[test]
fn a_second_stall_is_reported_only_after_progress() {
    let (runtime, stalls) = counting(Some(Duration::from_millis(50)));
    let (tx, rx) = chan::bounded::<u8>(0);
    let _waiter = runtime.spawn(async move {
        // Blocked, woken once (progress), then blocked for good.
        rx.recv().await.unwrap();
        rx.recv().await
    });
    until("the first stall reported", || {
        stalls.load(Ordering::SeqCst) == 1
    });
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        stalls.load(Ordering::SeqCst),
        1,
        "no second report without progress"
    );
    tx.send_blocking(1).unwrap();
    until("the second stall reported after progress", || {
        stalls.load(Ordering::SeqCst) == 2
    });
}

#[test]
fn on_stall_alone_reports_after_the_default_of_ten_seconds() {
    let (runtime, stalls) = counting(None);
    let (_tx, rx) = chan::bounded::<u8>(0);
    let start = Instant::now();
    let _stuck = runtime.spawn(async move { rx.recv().await });
    std::thread::sleep(Duration::from_secs(9));
    assert_eq!(
        stalls.load(Ordering::SeqCst),
        0,
        "no report before 10 s of stall"
    );
    let deadline = Duration::from_secs(20);
    while stalls.load(Ordering::SeqCst) == 0 {
        assert!(start.elapsed() < deadline, "no report within {deadline:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(start.elapsed() >= Duration::from_secs(10));
}

#[test]
fn a_panicking_on_stall_neither_aborts_nor_stops_later_reports() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let runtime = Runtime::builder()
        .workers(2)
        .stall_report(Duration::from_millis(50))
        .on_stall(move |_| {
            counter.fetch_add(1, Ordering::SeqCst);
            panic!("a report that panics");
        })
        .build()
        .unwrap();
    let (tx, rx) = chan::bounded::<u8>(0);
    let echo = runtime.spawn(async move {
        rx.recv().await.unwrap();
        rx.recv().await
    });
    until("the first report", || calls.load(Ordering::SeqCst) == 1);
    // The runtime still runs its processes, and reports the next stall.
    tx.send_blocking(1).unwrap();
    until("the second report", || calls.load(Ordering::SeqCst) == 2);
    tx.send_blocking(2).unwrap();
    assert_eq!(runtime.block_on(echo).unwrap(), Ok(2));
}
