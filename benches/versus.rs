//! hoare versus tokio and the other channel crates: runs a short version
//! of every benchmark scenario and prints one Markdown table.
//!
//! ```text
//! cargo bench --bench versus               # everything (a few minutes)
//! cargo bench --bench versus -- spsc ring  # rows whose name contains "spsc" or "ring"
//! ```
//!
//! The method, for every row:
//!
//! * **Interleaved runs.** The libraries of a row take turns: one warm-up
//!   run each (discarded), then [`REPETITIONS`] rounds in which each runs
//!   once, the order rotating by one library every round, so that a
//!   change of the machine's load falls on all of them alike.
//! * **Median and spread.** A cell gives the median and, in brackets, the
//!   minimum and maximum of its runs. Times are nanoseconds per message
//!   (channel rows), per process (spawn), per hop (ring), per leaf
//!   (skynet) or per round trip (ping-pong, p50, p99 and p99.9); memory is bytes
//!   per idle process.
//! * **CPU time beside wall time.** `cpu` is the user plus system time of
//!   the whole run (`getrusage(RUSAGE_SELF)`: every thread, set-up and
//!   runtime start included) per the same unit, the median over the runs.
//!   Where a library spins instead of parking, its CPU time shows it.
//! * **Ratios only where the runs separate.** A peer's cell ends in the
//!   ratio peer / hoare of the medians (above 1: hoare is faster or
//!   smaller) and the same ratio of CPU times; when the two spreads
//!   overlap the time ratio is replaced by "level".
//! * **Peers as their users configure them.** tokio's runtime is built
//!   without `enable_all()` (no scenario uses I/O or timers); the main
//!   shapes have a row against tokio's `current_thread` runtime too.
//! * **Like with like.** tokio has no rendezvous channel; where its
//!   capacity 1 stands in for a rendezvous (ring, ping-pong, memory), its
//!   cell says "cap 1:".
//! * **Memory net of the benchmark.** Each memory figure is measured in a
//!   fresh OS process (this program runs itself again with `--memory`),
//!   once with the processes and once with only the benchmark's own
//!   bookkeeping (the same loop, no channel, no process); the cell is the
//!   difference.
//!
//! The scenarios live in `benches/scenarios/`, shared with the criterion
//! benches.

mod scenarios;

use std::process::Command;
use std::time::Duration;

use scenarios::{channels::*, latency::*, memory::*, runtime::*, throughput::*, *};

/// Messages per channel-throughput run.
const MESSAGES: u64 = 100_000;
/// Measured runs per cell, after one warm-up run.
const REPETITIONS: usize = 5;
const SPAWNS: usize = 1_000_000;
const RING_SIZE: usize = 1_000;
const RING_HOPS: u64 = 1_000_000;
const SKYNET_LEAVES: u64 = 1_000_000;
const ROUND_TRIPS: usize = 20_000;
const IDLE_PROCESSES: usize = 100_000;

/// The peer columns, in order.
const PEERS: [&str; 5] = ["tokio", "flume", "kanal", "async-channel", "crossbeam"];

/// The CPU time this OS process has used so far, every thread (live or
/// ended) included: user plus system time from `getrusage(RUSAGE_SELF)`.
fn cpu_time() -> Duration {
    // SAFETY: `getrusage` only writes the `rusage` we pass, which is a
    // plain C struct for which all zeroes is a valid value.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    let time = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
    };
    time(usage.ru_utime) + time(usage.ru_stime)
}

/// What one run measured, per unit (message, hop, round trip...): its
/// figures in ns (one for throughput, p50, p99 and p99.9 for latency) and the
/// CPU time of the whole run in ns.
struct Sample {
    figures: Vec<f64>,
    cpu: f64,
}

/// A throughput run: `run` gives the measured part's duration for `per`
/// units, or `None` if the library cannot run the shape.
fn per_unit(per: u64, mut run: impl FnMut() -> Option<Duration>) -> impl FnMut() -> Option<Sample> {
    move || {
        let cpu = cpu_time();
        let wall = run()?;
        let cpu = cpu_time() - cpu;
        Some(Sample {
            figures: vec![wall.as_nanos() as f64 / per as f64],
            cpu: cpu.as_nanos() as f64 / per as f64,
        })
    }
}

/// A latency run: `run` gives every round trip's time, sorted; the
/// figures are the p50, p99 and p99.9 (of [`ROUND_TRIPS`] round trips: the
/// p99.9 is the 20th slowest).
fn round_trips(mut run: impl FnMut() -> Option<Vec<Duration>>) -> impl FnMut() -> Option<Sample> {
    move || {
        let cpu = cpu_time();
        let times = run()?;
        let cpu = cpu_time() - cpu;
        Some(Sample {
            figures: vec![
                quantile(&times, 0.5).as_nanos() as f64,
                quantile(&times, 0.99).as_nanos() as f64,
                quantile(&times, 0.999).as_nanos() as f64,
            ],
            cpu: cpu.as_nanos() as f64 / times.len() as f64,
        })
    }
}

/// One library's runs in a row.
struct Contender<'a> {
    /// The column: "hoare" or a peer in [`PEERS`].
    name: &'static str,
    /// Said before the figure, e.g. "cap 1" where a peer's capacity 1
    /// stands in for a rendezvous.
    note: Option<&'static str>,
    run: Box<dyn FnMut() -> Option<Sample> + 'a>,
}

fn contender<'a>(name: &'static str, run: impl FnMut() -> Option<Sample> + 'a) -> Contender<'a> {
    Contender {
        name,
        note: None,
        run: Box::new(run),
    }
}

/// The median, minimum and maximum of one figure over the runs.
#[derive(Clone, Copy, Debug)]
struct Spread {
    median: f64,
    min: f64,
    max: f64,
}

impl Spread {
    fn of(mut values: Vec<f64>) -> Spread {
        values.sort_by(|a, b| a.total_cmp(b));
        Spread {
            median: values[values.len() / 2],
            min: values[0],
            max: values[values.len() - 1],
        }
    }

    fn overlaps(&self, other: &Spread) -> bool {
        self.min <= other.max && other.min <= self.max
    }
}

/// One library's figure in a row.
#[derive(Clone, Copy, Debug)]
struct Cell {
    value: Spread,
    /// Median CPU time per unit; `None` for memory.
    cpu: Option<f64>,
    note: Option<&'static str>,
}

/// How long one run may take before the watchdog calls it hung. The
/// slowest run of the table takes a few seconds.
const HUNG_AFTER: Duration = Duration::from_secs(120);

/// The run in progress, watched: what it is, and when it started.
static WATCHED: std::sync::Mutex<Option<(String, std::time::Instant)>> =
    std::sync::Mutex::new(None);

/// Watches the runs from a thread of its own (started once): a run that
/// takes longer than [`HUNG_AFTER`] ends the benchmark with a message
/// naming the row and the library, instead of a table that never
/// finishes and does not say why (a lost wake-up in any library leaves
/// every thread asleep).
fn watch(what: Option<String>) {
    static WATCHDOG: std::sync::Once = std::sync::Once::new();
    WATCHDOG.call_once(|| {
        std::thread::spawn(|| loop {
            std::thread::sleep(Duration::from_secs(1));
            let watched = WATCHED.lock().unwrap_or_else(|e| e.into_inner());
            if let Some((what, since)) = &*watched {
                if since.elapsed() > HUNG_AFTER {
                    eprintln!(
                        "versus: {what} has run for {} s: hung (every thread asleep is a lost \
                         wake-up in that library); stopping",
                        since.elapsed().as_secs()
                    );
                    std::process::exit(2);
                }
            }
        });
    });
    *WATCHED.lock().unwrap_or_else(|e| e.into_inner()) =
        what.map(|what| (what, std::time::Instant::now()));
}

/// Runs the contenders interleaved (see the module docs) and gives, for
/// each that could run the shape, one cell per figure. `row` names the
/// row for the watchdog.
fn measure(row: &str, mut contenders: Vec<Contender<'_>>) -> Vec<(&'static str, Vec<Cell>)> {
    let count = contenders.len();
    let mut samples: Vec<Option<Vec<Sample>>> = (0..count).map(|_| Some(Vec::new())).collect();
    for round in 0..=REPETITIONS {
        for turn in 0..count {
            let index = (turn + round) % count;
            let Some(runs) = &mut samples[index] else {
                continue;
            };
            watch(Some(format!(
                "row {row:?}, {} (round {round})",
                contenders[index].name
            )));
            let sample = (contenders[index].run)();
            watch(None);
            match sample {
                // Round 0 is the warm-up: run, but keep nothing.
                Some(sample) if round > 0 => runs.push(sample),
                Some(_) => {}
                None => samples[index] = None,
            }
        }
    }
    contenders
        .iter_mut()
        .zip(samples)
        .filter_map(|(contender, runs)| {
            let runs = runs?;
            let cpu = Spread::of(runs.iter().map(|s| s.cpu).collect()).median;
            let cells = (0..runs[0].figures.len())
                .map(|figure| Cell {
                    value: Spread::of(runs.iter().map(|s| s.figures[figure]).collect()),
                    cpu: Some(cpu),
                    note: contender.note,
                })
                .collect();
            Some((contender.name, cells))
        })
        .collect()
}

struct Row {
    scenario: String,
    hoare: Option<Cell>,
    peers: Vec<(&'static str, Cell)>,
}

struct Table {
    /// Row-name substrings; a row runs if it contains any (all if none).
    filters: Vec<String>,
    rows: Vec<Row>,
}

impl Table {
    fn wants(&self, scenario: &str) -> bool {
        self.filters.is_empty() || self.filters.iter().any(|f| scenario.contains(f.as_str()))
    }

    /// Measures `contenders` (hoare first) and adds one row per figure,
    /// named by `names`.
    fn measure(&mut self, names: &[String], contenders: Vec<Contender<'_>>) {
        let results = measure(&names[0], contenders);
        for (figure, name) in names.iter().enumerate() {
            let mut hoare = None;
            let mut peers = Vec::new();
            for (library, cells) in &results {
                match *library {
                    "hoare" => hoare = Some(cells[figure]),
                    peer => peers.push((peer, cells[figure])),
                }
            }
            self.push(name.clone(), hoare, peers);
        }
    }

    fn push(&mut self, scenario: String, hoare: Option<Cell>, peers: Vec<(&'static str, Cell)>) {
        eprintln!("{scenario}: hoare {hoare:?}, {peers:?}");
        if hoare.is_none() && peers.is_empty() {
            // Nobody has this shape (`seq` needs room for every message).
            return;
        }
        self.rows.push(Row {
            scenario,
            hoare,
            peers,
        });
    }

    fn print(&self) {
        print!("| scenario | hoare |");
        for peer in PEERS {
            print!(" {peer} |");
        }
        println!();
        print!("| --- | ---: |");
        for _ in PEERS {
            print!(" ---: |");
        }
        println!();
        for row in &self.rows {
            let hoare = row
                .hoare
                .as_ref()
                .map_or("–".to_string(), |h| cell(h, None));
            print!("| {} | {hoare} |", row.scenario);
            for peer in PEERS {
                match row.peers.iter().find(|(name, _)| *name == peer) {
                    Some((_, value)) => print!(" {} |", cell(value, row.hoare.as_ref())),
                    None => print!(" – |"),
                }
            }
            println!();
        }
    }
}

fn number(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// A cell: "median (min–max) cpu C", and for a peer beside hoare, the
/// ratios peer / hoare of time ("level" if the spreads overlap) and CPU.
fn cell(cell: &Cell, hoare: Option<&Cell>) -> String {
    let mut text = String::new();
    if let Some(note) = cell.note {
        text += &format!("{note}: ");
    }
    let v = &cell.value;
    text += &format!("{} ({}–{})", number(v.median), number(v.min), number(v.max));
    if let Some(cpu) = cell.cpu {
        text += &format!(" cpu {}", number(cpu));
    }
    if let Some(hoare) = hoare.filter(|h| h.value.median > 0.0) {
        if v.overlaps(&hoare.value) {
            text += ": level";
        } else {
            text += &format!(": {:.2}x", v.median / hoare.value.median);
        }
        if let (Some(cpu), Some(hoare_cpu)) = (cell.cpu, hoare.cpu.filter(|c| *c > 0.0)) {
            text += &format!(", cpu {:.2}x", cpu / hoare_cpu);
        }
    }
    text
}

/// A throughput contender: library `C` on runtime `rt`.
fn async_contender<C: AsyncChannel>(rt: Rt, shape: Shape, cap: Cap) -> Contender<'static> {
    let run = move || {
        if shape == Shape::SelectBoth && C::NAME == "hoare" {
            return Some(run_hoare_select_both(rt, cap, MESSAGES));
        }
        run_async::<C>(rt, shape, cap, MESSAGES)
    };
    contender(C::NAME, per_unit(MESSAGES, run))
}

fn blocking_contender(lib: Blocking, shape: Shape, cap: Cap) -> Contender<'static> {
    let name = match lib {
        Blocking::Hoare => "hoare",
        Blocking::Crossbeam => "crossbeam",
    };
    contender(
        name,
        per_unit(MESSAGES, move || run_blocking(lib, shape, cap, MESSAGES)),
    )
}

fn channel_rows(table: &mut Table) {
    for shape in Shape::ALL {
        for cap in CAPS {
            let what = format!("{} {}", shape.name(), cap_name(cap));
            // hoare on its runtime against tokio on its multi-thread one,
            // and for the main shape on its `current_thread` one too.
            let own_runtimes = [
                ("own runtimes", Rt::Tokio, true),
                (
                    "own runtimes, tokio current_thread",
                    Rt::TokioCurrentThread,
                    shape == Shape::SpscMain && cap != Some(0),
                ),
            ];
            for (setting, tokio_rt, applies) in own_runtimes {
                let name = format!("{what}, {setting}");
                if applies && table.wants(&name) {
                    table.measure(
                        &[name],
                        vec![
                            async_contender::<Hoare>(Rt::Hoare, shape, cap),
                            async_contender::<Tokio>(tokio_rt, shape, cap),
                        ],
                    );
                }
            }
            let name = format!("{what}, on tokio");
            if table.wants(&name) && shape != Shape::SelectBoth {
                table.measure(
                    &[name],
                    vec![
                        async_contender::<Hoare>(Rt::Tokio, shape, cap),
                        async_contender::<Tokio>(Rt::Tokio, shape, cap),
                        async_contender::<Flume>(Rt::Tokio, shape, cap),
                        async_contender::<Kanal>(Rt::Tokio, shape, cap),
                        async_contender::<AsyncChan>(Rt::Tokio, shape, cap),
                    ],
                );
            }
            let name = format!("{what}, OS threads (_blocking)");
            if table.wants(&name) && shape != Shape::SpscMain {
                table.measure(
                    &[name],
                    vec![
                        blocking_contender(Blocking::Hoare, shape, cap),
                        blocking_contender(Blocking::Crossbeam, shape, cap),
                    ],
                );
            }
        }
    }
}

/// tokio has no rendezvous channel: where the row is capacity 0, its
/// capacity 1 stands in, and the cell says so.
fn tokio_stand_in(cap: Cap, mut tokio: Contender<'static>) -> Contender<'static> {
    if cap == Some(0) {
        tokio.note = Some("cap 1");
    }
    tokio
}

/// The capacity tokio runs at for a row of capacity `cap`.
fn tokio_cap(cap: Cap) -> Cap {
    if cap == Some(0) {
        Some(1)
    } else {
        cap
    }
}

fn runtime_rows(table: &mut Table) {
    let name = format!("spawn + join {SPAWNS} (per process)");
    if table.wants(&name) {
        table.measure(
            &[name],
            vec![
                contender(
                    "hoare",
                    per_unit(SPAWNS as u64, || Some(spawn_join(Rt::Hoare, SPAWNS))),
                ),
                contender(
                    "tokio",
                    per_unit(SPAWNS as u64, || Some(spawn_join(Rt::Tokio, SPAWNS))),
                ),
            ],
        );
    }
    for cap in [Some(0), Some(1)] {
        let name = format!(
            "ring {RING_SIZE} x {RING_HOPS} hops, {} (per hop)",
            cap_name(cap)
        );
        if table.wants(&name) {
            let tokio = contender(
                "tokio",
                per_unit(RING_HOPS, move || {
                    ring::<Tokio>(Rt::Tokio, RING_SIZE, tokio_cap(cap), RING_HOPS)
                }),
            );
            table.measure(
                &[name],
                vec![
                    contender(
                        "hoare",
                        per_unit(RING_HOPS, move || {
                            ring::<Hoare>(Rt::Hoare, RING_SIZE, cap, RING_HOPS)
                        }),
                    ),
                    tokio_stand_in(cap, tokio),
                ],
            );
        }
    }
    let name = format!("skynet {SKYNET_LEAVES} leaves (per leaf)");
    if table.wants(&name) {
        table.measure(
            &[name],
            vec![
                contender(
                    "hoare",
                    per_unit(SKYNET_LEAVES, || {
                        Some(skynet::<Hoare>(Rt::Hoare, SKYNET_LEAVES))
                    }),
                ),
                contender(
                    "tokio",
                    per_unit(SKYNET_LEAVES, || {
                        Some(skynet::<Tokio>(Rt::Tokio, SKYNET_LEAVES))
                    }),
                ),
            ],
        );
    }
}

/// The three rows (p50, p99 and p99.9) of a ping-pong named `name`.
fn latency_names(name: &str) -> [String; 3] {
    [
        format!("{name}, p50 round trip"),
        format!("{name}, p99 round trip"),
        format!("{name}, p99.9 round trip"),
    ]
}

/// A ping-pong contender: library `C` on runtime `rt` (a peer's async
/// channel on the tokio runtime of the row's tokio column).
fn latency_contender<C: AsyncChannel>(rt: Rt, cap: Cap, main_side: bool) -> Contender<'static> {
    contender(
        C::NAME,
        round_trips(move || ping_pong::<C>(rt, cap, main_side, ROUND_TRIPS)),
    )
}

fn ping_pong_rows(table: &mut Table) {
    let shapes = [
        (false, "process shape", Rt::Tokio),
        (true, "main shape", Rt::Tokio),
        (
            true,
            "main shape, tokio current_thread",
            Rt::TokioCurrentThread,
        ),
    ];
    for (main_side, shape, tokio_rt) in shapes {
        for cap in [Some(0), Some(1)] {
            let names = latency_names(&format!("ping-pong {shape}, {}", cap_name(cap)));
            if !names.iter().any(|name| table.wants(name)) {
                continue;
            }
            let tokio = contender(
                "tokio",
                round_trips(move || {
                    ping_pong::<Tokio>(tokio_rt, tokio_cap(cap), main_side, ROUND_TRIPS)
                }),
            );
            table.measure(
                &names,
                vec![
                    contender(
                        "hoare",
                        round_trips(move || {
                            ping_pong::<Hoare>(Rt::Hoare, cap, main_side, ROUND_TRIPS)
                        }),
                    ),
                    tokio_stand_in(cap, tokio),
                    latency_contender::<Flume>(tokio_rt, cap, main_side),
                    latency_contender::<Kanal>(tokio_rt, cap, main_side),
                    latency_contender::<AsyncChan>(tokio_rt, cap, main_side),
                ],
            );
        }
    }
    for cap in [Some(0), Some(1)] {
        let names = latency_names(&format!(
            "ping-pong OS threads (_blocking), {}",
            cap_name(cap)
        ));
        if !names.iter().any(|name| table.wants(name)) {
            continue;
        }
        table.measure(
            &names,
            vec![
                contender(
                    "hoare",
                    round_trips(move || Some(ping_pong_threads(Blocking::Hoare, cap, ROUND_TRIPS))),
                ),
                contender(
                    "crossbeam",
                    round_trips(move || {
                        Some(ping_pong_threads(Blocking::Crossbeam, cap, ROUND_TRIPS))
                    }),
                ),
            ],
        );
    }
}

/// Runs this program again as `--memory LIBRARY SHAPE` and reads the
/// figure it prints.
fn memory_run(library: &str, shape: &str) -> Option<f64> {
    let exe = std::env::current_exe().ok()?;
    let output = Command::new(exe)
        .args(["--memory", library, shape])
        .output()
        .ok()?;
    String::from_utf8(output.stdout).ok()?.trim().parse().ok()
}

/// The bytes per process of `library` in `shape`, net of the benchmark's
/// own bookkeeping: each run measures both in fresh OS processes.
fn memory_contender(library: &'static str, shape: &'static str) -> Contender<'static> {
    let bookkeeping = if shape == "shared" {
        "bookkeeping-shared"
    } else {
        "bookkeeping-own"
    };
    contender(library, move || {
        let gross = memory_run(library, shape)?;
        let own = memory_run(library, bookkeeping)?;
        Some(Sample {
            figures: vec![gross - own],
            cpu: 0.0,
        })
    })
}

/// Measures memory in fresh OS processes (see `--memory`).
fn memory_rows(table: &mut Table) {
    let rows = [
        (
            "own-0",
            "own-1",
            "each blocked on recv on its own bounded(0) channel",
        ),
        (
            "own-1",
            "own-1",
            "each blocked on recv on its own bounded(1) channel",
        ),
        (
            "shared",
            "shared",
            "all waiting on one channel; tokio: one Notify",
        ),
    ];
    for (hoare_shape, tokio_shape, what) in rows {
        let name = format!(
            "memory: bytes per idle process ({IDLE_PROCESSES}, {what}), net of the benchmark's own"
        );
        if !table.wants(&name) {
            continue;
        }
        let mut tokio = memory_contender("tokio", tokio_shape);
        if hoare_shape != tokio_shape {
            tokio.note = Some("cap 1");
        }
        let mut results = measure(&name, vec![memory_contender("hoare", hoare_shape), tokio]);
        for (_, cells) in &mut results {
            cells[0].cpu = None;
        }
        let mut hoare = None;
        let mut peers = Vec::new();
        for (library, cells) in results {
            match library {
                "hoare" => hoare = Some(cells[0]),
                peer => peers.push((peer, cells[0])),
            }
        }
        table.push(name, hoare, peers);
    }
}

/// The `--memory LIBRARY SHAPE` mode: one memory figure, in this fresh
/// OS process.
fn memory_mode(library: Option<&str>, shape: Option<&str>) -> Option<f64> {
    let shape = match shape? {
        "own-0" => MemoryShape::Own(0),
        "own-1" => MemoryShape::Own(1),
        "shared" => MemoryShape::Shared,
        "bookkeeping-own" => {
            return Some(match library? {
                "tokio" => {
                    bookkeeping_bytes::<Tokio>(Rt::Tokio, MemoryShape::Own(1), IDLE_PROCESSES)
                }
                _ => bookkeeping_bytes::<Hoare>(Rt::Hoare, MemoryShape::Own(1), IDLE_PROCESSES),
            })
        }
        "bookkeeping-shared" => {
            return Some(match library? {
                "tokio" => {
                    bookkeeping_bytes::<Tokio>(Rt::Tokio, MemoryShape::Shared, IDLE_PROCESSES)
                }
                _ => bookkeeping_bytes::<Hoare>(Rt::Hoare, MemoryShape::Shared, IDLE_PROCESSES),
            })
        }
        _ => return None,
    };
    match (library?, shape) {
        ("tokio", MemoryShape::Shared) => {
            Some(idle_process_bytes_shared(Rt::Tokio, IDLE_PROCESSES))
        }
        (_, MemoryShape::Shared) => Some(idle_process_bytes_shared(Rt::Hoare, IDLE_PROCESSES)),
        ("tokio", MemoryShape::Own(cap)) => {
            idle_process_bytes::<Tokio>(Rt::Tokio, cap, IDLE_PROCESSES)
        }
        (_, MemoryShape::Own(cap)) => idle_process_bytes::<Hoare>(Rt::Hoare, cap, IDLE_PROCESSES),
    }
}

fn main() {
    // `cargo bench` passes `--bench` to a `harness = false` target: it is
    // not a filter.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|arg| arg != "--bench")
        .collect();
    if args.first().map(String::as_str) == Some("--memory") {
        let bytes = memory_mode(
            args.get(1).map(String::as_str),
            args.get(2).map(String::as_str),
        );
        if let Some(bytes) = bytes {
            println!("{bytes:.0}");
        }
        return;
    }
    let mut table = Table {
        filters: args,
        rows: Vec::new(),
    };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    eprintln!("versus: {cores} cores, {WORKERS} workers per runtime, 1 warm-up + {REPETITIONS} interleaved runs");
    channel_rows(&mut table);
    runtime_rows(&mut table);
    ping_pong_rows(&mut table);
    memory_rows(&mut table);
    println!(
        "ns per message / process / hop / leaf / round trip (wall time of the measured part), \
         cpu: user+system time of the whole run per the same unit; bytes for memory. \
         Cells: median (min–max) of {REPETITIONS} interleaved runs after a warm-up; peers: \
         peer / hoare ratios of time (\"level\" where the spreads overlap) and of CPU. \
         {cores} cores, {WORKERS} workers per runtime."
    );
    println!();
    table.print();
}
