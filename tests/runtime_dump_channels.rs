//! What a dump says beyond each process's waits: how long a process has
//! been blocked, the OS threads asleep in blocking calls, the channels
//! waited on (shape, length, who waits on each side); and which timers
//! keep a quiet runtime from being reported as stalled.
//!
//! Every wait has a deadline, so a test that goes wrong fails with the
//! last dump instead of hanging; waits sleep rather than spin (valgrind
//! runs these).

mod support;

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hoare::chan;
use hoare::runtime::{ChannelInfo, Dump, Party, ProcessBuilder, ProcessInfo};
use hoare::{JoinHandle, Runtime};
use support::channel_id;

/// How long a condition may take to come true before the test fails.
const DEADLINE: Duration = Duration::from_secs(10);

fn runtime() -> Runtime {
    Runtime::builder().workers(2).build().unwrap()
}

/// Spawns `future` on `runtime` as a process named `name`.
fn spawn_named<T: Send + 'static>(
    runtime: &Runtime,
    name: &str,
    future: impl Future<Output = T> + Send + 'static,
) -> JoinHandle<T> {
    let builder = ProcessBuilder::new().name(name);
    // In a tuple: a handle is itself a future, which clippy would take for
    // one forgotten.
    let (handle,) = runtime.block_on(async move { (builder.spawn(future),) });
    handle
}

/// Takes dumps until `found` finds something in one, sleeping between.
fn wait_for<R>(what: &str, dump: impl Fn() -> Dump, found: impl Fn(&Dump) -> Option<R>) -> R {
    let start = Instant::now();
    loop {
        let snapshot = dump();
        if let Some(result) = found(&snapshot) {
            return result;
        }
        assert!(
            start.elapsed() < DEADLINE,
            "{what} not seen within {DEADLINE:?}; last dump:\n{snapshot}"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
}

fn blocked_process(dump: &Dump, name: &str) -> Option<ProcessInfo> {
    let process = dump.processes().iter().find(|p| p.name() == Some(name))?;
    process.is_blocked().then(|| process.clone())
}

fn channel(dump: &Dump, id: u64) -> Option<ChannelInfo> {
    dump.channels().iter().find(|c| c.id() == id).cloned()
}

#[test]
fn blocked_for_grows_and_is_at_least_the_time_slept_while_blocked() {
    let runtime = runtime();
    let (_tx, rx) = chan::bounded::<u8>(0);
    let _waiter = spawn_named(&runtime, "waiter", async move { rx.recv().await });
    let first = wait_for(
        "waiter blocked",
        || runtime.dump(),
        |d| blocked_process(d, "waiter"),
    );
    let slept = Duration::from_millis(100);
    std::thread::sleep(slept);
    let second = blocked_process(&runtime.dump(), "waiter").expect("still blocked");
    let (before, after) = (first.blocked_for().unwrap(), second.blocked_for().unwrap());
    assert!(
        after >= before + slept,
        "blocked for {before:?}, then {after:?} after sleeping {slept:?}"
    );
    let text = runtime.dump().to_string();
    assert!(text.contains("\"waiter\", spawned at "), "{text}");
    assert!(text.contains(", blocked for "), "{text}");
}

#[test]
fn a_runnable_process_has_no_blocked_duration() {
    let runtime = runtime();
    let dump = runtime.block_on(async {
        let _never_polled = hoare::spawn(async {});
        hoare::runtime::dump()
    });
    for process in dump.processes() {
        if !process.is_blocked() {
            assert_eq!(process.blocked_for(), None, "{dump}");
        }
    }
}

#[test]
fn blocked_for_inside_a_simulation_is_virtual_time() {
    hoare::sim::Builder::new().seed(1).run(async {
        let (_tx, rx) = chan::bounded::<u8>(0);
        let _waiter = ProcessBuilder::new()
            .name("waiter")
            .spawn(async move { rx.recv().await });
        hoare::time::sleep(Duration::from_secs(5)).await;
        let dump = hoare::runtime::dump();
        let waiter = blocked_process(&dump, "waiter").expect("blocked");
        assert_eq!(waiter.blocked_for(), Some(Duration::from_secs(5)), "{dump}");
    });
}

#[test]
fn channel_section_lists_a_blocked_receiver_process_and_a_blocked_sender_thread() {
    let runtime = runtime();
    // A rendezvous channel a process waits to receive on.
    let (_to_process, inbox) = chan::bounded::<u8>(0);
    let inbox_id = channel_id(&inbox);
    let _receiver = spawn_named(&runtime, "receiver", async move { inbox.recv().await });
    let receiver = wait_for(
        "receiver blocked",
        || runtime.dump(),
        |d| blocked_process(d, "receiver"),
    );
    // A full bounded(2) channel an OS thread waits to send on.
    let (tx, rx) = chan::bounded::<u8>(2);
    let full_id = channel_id(&tx);
    tx.try_send(1).unwrap();
    tx.try_send(2).unwrap();
    let feeder = std::thread::Builder::new()
        .name("feeder".into())
        .spawn(move || tx.send_blocking(3))
        .unwrap();
    let full = wait_for(
        "the feeder thread waiting to send",
        || runtime.dump(),
        |d| channel(d, full_id).filter(|c| !c.senders_waiting().is_empty()),
    );
    let dump = runtime.dump();

    let inbox = channel(&dump, inbox_id).expect("the inbox is listed");
    assert_eq!(inbox.flavour(), "rendezvous");
    assert_eq!(
        (inbox.capacity(), inbox.len()),
        (Some(0), Some(0)),
        "{dump}"
    );
    assert_eq!(inbox.receivers_waiting(), [Party::Process(receiver.id())]);
    assert!(inbox.senders_waiting().is_empty(), "{dump}");

    assert_eq!(full.flavour(), "bounded");
    assert_eq!((full.capacity(), full.len()), (Some(2), Some(2)), "{dump}");
    assert!(full.receivers_waiting().is_empty(), "{dump}");
    let [Party::Thread { name, .. }] = full.senders_waiting() else {
        panic!("one thread waits to send:\n{dump}");
    };
    assert_eq!(name.as_deref(), Some("feeder"));

    let thread = dump
        .threads()
        .iter()
        .find(|t| t.name() == Some("feeder"))
        .expect("the feeder is listed among the threads");
    assert_eq!(
        thread.waits_on(),
        [format!("send on channel #{full_id} (bounded(2))")]
    );
    let text = dump.to_string();
    let inbox_line = format!(
        "channel #{inbox_id} (rendezvous), 0 buffered; receivers waiting: p{}; senders \
         waiting: none\n",
        receiver.id()
    );
    let full_line = format!(
        "channel #{full_id} (bounded(2)), 2 of 2 buffered; receivers waiting: none; senders \
         waiting: thread \"feeder\"\n"
    );
    assert!(text.contains(&inbox_line), "{text}");
    assert!(text.contains(&full_line), "{text}");
    assert!(text.contains("thread \"feeder\", blocked for "), "{text}");

    assert_eq!(rx.recv_blocking(), Ok(1));
    assert_eq!(feeder.join().unwrap(), Ok(()));
    let after = runtime.dump();
    assert!(
        after.threads().iter().all(|t| t.name() != Some("feeder")),
        "a thread whose call returned is not listed:\n{after}"
    );
}

#[test]
fn a_simulation_dump_lists_its_channels_with_their_lengths() {
    hoare::sim::Builder::new().seed(3).run(async {
        let (tx, rx) = chan::bounded::<u8>(1);
        tx.send(7).await.unwrap();
        let id = channel_id(&tx);
        let _sender = ProcessBuilder::new()
            .name("sender")
            .spawn(async move { tx.send(8).await });
        hoare::time::sleep(Duration::from_millis(1)).await;
        let dump = hoare::runtime::dump();
        let full = channel(&dump, id).expect("listed");
        assert_eq!((full.capacity(), full.len()), (Some(1), Some(1)), "{dump}");
        let sender = blocked_process(&dump, "sender").expect("blocked");
        assert_eq!(full.senders_waiting(), [Party::Process(sender.id())]);
        assert!(dump.threads().is_empty(), "{dump}");
        drop(rx);
    });
}

/// The stalls reported, each with the time of its report.
type Reports = Arc<Mutex<Vec<(Instant, Dump)>>>;

/// A runtime reporting stalls of `after` into a list.
fn recording_stalls(after: Duration) -> (Runtime, Reports) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let reports = seen.clone();
    let runtime = Runtime::builder()
        .workers(2)
        .stall_report(after)
        .on_stall(move |dump| reports.lock().unwrap().push((Instant::now(), dump.clone())))
        .build()
        .unwrap();
    (runtime, seen)
}

/// The first stall reported, waiting (sleeping) for it up to the deadline.
fn first_stall(seen: &Mutex<Vec<(Instant, Dump)>>) -> (Instant, Dump) {
    let start = Instant::now();
    loop {
        if let Some(first) = seen.lock().unwrap().first() {
            return first.clone();
        }
        assert!(start.elapsed() < DEADLINE, "no stall reported");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The stall rule: a timer due before the quiet duration would pass again
/// is progress on its way. `stall_report(200 ms)`, and an `after(300 ms)`
/// in the only process's select: when the runtime has been quiet for
/// 200 ms the timer is due within the next 200 ms, so no report comes
/// until it fired and the process, run again, is stuck for good.
#[test]
fn an_after_timer_due_within_the_stall_duration_is_not_a_stall_until_it_fired() {
    let (runtime, seen) = recording_stalls(Duration::from_millis(200));
    let (_tx, rx) = chan::bounded::<u8>(0);
    let start = Instant::now();
    let fired = Duration::from_millis(300);
    let _waiter = runtime.spawn(async move {
        let timer = hoare::time::after(fired);
        hoare::select! {
            recv(rx) -> _ => {},
            recv(timer) -> _ => {},
        }
        // Stuck for good now.
        let (_keep, never) = chan::bounded::<u8>(0);
        never.recv().await
    });
    let (reported_at, dump) = first_stall(&seen);
    assert!(
        reported_at.duration_since(start) >= fired,
        "reported {:?} after the start, while the after({fired:?}) was pending:\n{dump}",
        reported_at.duration_since(start)
    );
    let waits = dump.processes()[0].waits_on();
    assert_eq!(waits.len(), 1, "only the last recv is waited on:\n{dump}");
}

/// The same rule for a `tick`: ticks 300 ms apart against
/// `stall_report(200 ms)` keep a quiet select loop from being reported
/// (each quiet stretch ends with a tick due within the duration); once
/// the loop ends and the process is stuck, it is.
#[test]
fn a_tick_due_within_the_stall_duration_keeps_a_quiet_select_loop_from_being_a_stall() {
    let (runtime, seen) = recording_stalls(Duration::from_millis(200));
    let (_tx, rx) = chan::bounded::<u8>(0);
    let start = Instant::now();
    let ticks = 3;
    let _ticker = runtime.spawn(async move {
        let ticker = hoare::time::tick(Duration::from_millis(300));
        for _ in 0..ticks {
            hoare::select! {
                recv(rx) -> _ => {},
                recv(ticker) -> _ => {},
            }
        }
        let (_keep, never) = chan::bounded::<u8>(0);
        never.recv().await
    });
    let (reported_at, dump) = first_stall(&seen);
    assert!(
        reported_at.duration_since(start) >= Duration::from_millis(300 * ticks),
        "reported {:?} after the start, during the ticks:\n{dump}",
        reported_at.duration_since(start)
    );
}

/// A timer due long after the quiet duration does not hide a stall: one
/// process is stuck for good while another sleeps for a minute and a
/// third waits in a select with an `after` of a minute; the stall is
/// reported all the same (within the test's deadline, long before the
/// minute is up).
#[test]
fn a_timer_due_long_after_the_stall_duration_does_not_hide_a_stall() {
    let (runtime, seen) = recording_stalls(Duration::from_millis(100));
    let (_keep, never) = chan::bounded::<u8>(0);
    let (_tx, rx) = chan::bounded::<u8>(0);
    let _stuck = runtime.spawn(async move { never.recv().await });
    let _sleeper = runtime.spawn(hoare::time::sleep(Duration::from_secs(60)));
    let _waiter = runtime.spawn(async move {
        hoare::select! {
            recv(rx) -> _ => {},
            recv(hoare::time::after(Duration::from_secs(60))) -> _ => {},
        }
    });
    let (_, dump) = first_stall(&seen);
    assert_eq!(dump.processes().len(), 3, "{dump}");
    assert!(dump.processes().iter().all(|p| p.is_blocked()), "{dump}");
}

#[test]
fn a_poll_that_runs_longer_than_the_stall_duration_is_reported_naming_the_process() {
    let (runtime, seen) = recording_stalls(Duration::from_millis(100));
    let (_keep, never) = chan::bounded::<u8>(0);
    let _blocked = runtime.spawn(async move { never.recv().await });
    let _hog = spawn_named(&runtime, "hog", async {
        // Blocks its worker thread inside one poll, never yielding.
        std::thread::sleep(Duration::from_millis(800));
    });
    let (_, dump) = first_stall(&seen);
    assert!(dump.processes().iter().any(|p| p.is_blocked()), "{dump}");
    let hog = dump.processes().iter().find(|p| p.name() == Some("hog"));
    let hog = hog.unwrap_or_else(|| panic!("the hog is listed:\n{dump}"));
    assert!(hog.is_running() && !hog.is_blocked(), "{dump}");
    let text = dump.to_string();
    assert!(
        text.contains("\"hog\", spawned at ") && text.contains(", running\n"),
        "{text}"
    );
}

/// A poll that runs longer than the stall duration while nothing is
/// blocked is busy work, not a stall: no report.
#[test]
fn a_long_poll_with_nothing_blocked_is_not_a_stall() {
    let (runtime, seen) = recording_stalls(Duration::from_millis(100));
    let hog = runtime.spawn(async {
        std::thread::sleep(Duration::from_millis(600));
    });
    runtime.block_on(hog).unwrap();
    assert!(seen.lock().unwrap().is_empty(), "a stall was reported");
}

/// A thread asleep in a blocking call with a timer due soon (a
/// `block_on` that sleeps, then sends) is progress on its way for the
/// process that waits on it: no report while the sleep is due within the
/// duration.
#[test]
fn a_thread_sleeping_within_the_stall_duration_is_progress_on_its_way() {
    let (runtime, seen) = recording_stalls(Duration::from_millis(200));
    let (tx, rx) = chan::bounded::<u8>(0);
    let waiter = runtime.spawn(async move { rx.recv().await });
    let feeder = std::thread::spawn(move || {
        hoare::block_on(async move {
            hoare::time::sleep(Duration::from_millis(300)).await;
            tx.send(1).await.unwrap();
        })
    });
    assert_eq!(runtime.block_on(waiter).unwrap(), Ok(1));
    feeder.join().unwrap();
    if let Some((_, dump)) = seen.lock().unwrap().first() {
        panic!("a stall was reported:\n{dump}");
    };
}

/// Channels waited on come and go (the last handle of each dropped by the
/// process or thread that waited on it, on its own thread) while another
/// thread takes dumps without pause. A dump reads only live channels
/// (valgrind, which runs this suite, reports any read of a freed one),
/// and every length it gives is one the channel could have had.
#[test]
fn dumps_taken_while_waited_on_channels_are_dropped_read_only_live_channels() {
    use std::sync::atomic::{AtomicBool, Ordering};
    support::within(120, || {
        let runtime = Arc::new(runtime());
        let stop = Arc::new(AtomicBool::new(false));
        let dumper = {
            let (runtime, stop) = (runtime.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut dumps = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    let dump = runtime.dump();
                    for channel in dump.channels() {
                        assert!(channel.len().is_none_or(|len| len <= 1), "{dump}");
                    }
                    dumps += 1;
                    // Back to back, but letting the other threads run: under
                    // valgrind, which runs one thread at a time, a dumper
                    // that never yields starves the thread that must list
                    // itself as waiting.
                    std::thread::yield_now();
                }
                dumps
            })
        };
        for round in 0..100u64 {
            let (tx, rx) = chan::bounded::<Box<u64>>(round as usize % 2);
            let id = channel_id(&tx);
            let waiter = runtime.spawn(async move { rx.recv().await });
            let (thread_tx, thread_rx) = chan::bounded::<Box<u64>>(1);
            let thread_id = channel_id(&thread_tx);
            let sleeper = std::thread::spawn(move || thread_rx.recv_blocking());
            wait_for(
                "both waiting",
                || runtime.dump(),
                |dump| {
                    let waiting = |id| channel(dump, id).is_some_and(|c| c.len() == Some(0));
                    (waiting(id) && waiting(thread_id)).then_some(())
                },
            );
            tx.send_blocking(Box::new(round)).unwrap();
            thread_tx.send_blocking(Box::new(round)).unwrap();
            drop((tx, thread_tx));
            assert_eq!(runtime.block_on(waiter).unwrap().map(|b| *b), Ok(round));
            assert_eq!(sleeper.join().unwrap().map(|b| *b), Ok(round));
        }
        stop.store(true, Ordering::Relaxed);
        assert!(dumper.join().unwrap() > 0);
    });
}
