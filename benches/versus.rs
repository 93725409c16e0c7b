//! hoare versus tokio and the other channel crates: runs a short version
//! of every benchmark scenario and prints one Markdown table.
//!
//! ```text
//! cargo bench --bench versus               # everything (a few minutes)
//! cargo bench --bench versus -- spsc ring  # rows whose name contains "spsc" or "ring"
//! ```
//!
//! Each cell is the median of a few runs; times are nanoseconds per
//! message (channel rows), per process (spawn), per hop (ring), per leaf
//! (skynet) or per round trip (ping-pong, p50 and p99); memory is bytes
//! per idle process. A peer's cell shows its figure and the ratio
//! peer / hoare: above 1 means hoare is faster (or smaller).
//!
//! The scenarios live in `benches/scenarios/`, shared with the criterion
//! benches. The memory rows run this same program again, once per cell,
//! with `--memory RUNTIME SHAPE`, so that each measures a fresh process.

mod scenarios;

use std::process::Command;
use std::time::Duration;

use scenarios::{channels::*, latency::*, memory::*, runtime::*, throughput::*, *};

/// Messages per channel-throughput run.
const MESSAGES: u64 = 100_000;
/// Runs per cell; the median is reported.
const REPETITIONS: usize = 5;
const SPAWNS: usize = 1_000_000;
const RING_SIZE: usize = 1_000;
const RING_HOPS: u64 = 1_000_000;
const SKYNET_LEAVES: u64 = 1_000_000;
const ROUND_TRIPS: usize = 20_000;
const IDLE_PROCESSES: usize = 100_000;

/// The peer columns, in order.
const PEERS: [&str; 5] = ["tokio", "flume", "kanal", "async-channel", "crossbeam"];

struct Row {
    scenario: String,
    hoare: Option<f64>,
    peers: Vec<(&'static str, f64)>,
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

    fn push(&mut self, scenario: String, hoare: Option<f64>, peers: Vec<(&'static str, f64)>) {
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
            print!("| {} | {} |", row.scenario, cell(row.hoare));
            for peer in PEERS {
                match row.peers.iter().find(|(name, _)| *name == peer) {
                    Some(&(_, value)) => match row.hoare {
                        Some(hoare) if hoare > 0.0 => {
                            print!(" {} ({:.2}x) |", cell(Some(value)), value / hoare)
                        }
                        _ => print!(" {} |", cell(Some(value))),
                    },
                    None => print!(" – |"),
                }
            }
            println!();
        }
    }
}

fn cell(value: Option<f64>) -> String {
    match value {
        None => "–".to_string(),
        Some(v) if v >= 100.0 => format!("{v:.0}"),
        Some(v) => format!("{v:.1}"),
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    values[values.len() / 2]
}

/// The median over [`REPETITIONS`] runs of `run`, in ns per `per` units.
fn ns_per(per: u64, mut run: impl FnMut() -> Option<Duration>) -> Option<f64> {
    let mut values = Vec::new();
    for _ in 0..REPETITIONS {
        values.push(run()?.as_nanos() as f64 / per as f64);
    }
    Some(median(values))
}

fn async_cell<C: AsyncChannel>(rt: Rt, shape: Shape, cap: Cap) -> Option<f64> {
    if shape == Shape::SelectBoth && C::NAME == "hoare" {
        return ns_per(MESSAGES, || Some(run_hoare_select_both(rt, cap, MESSAGES)));
    }
    ns_per(MESSAGES, || run_async::<C>(rt, shape, cap, MESSAGES))
}

fn peer(name: &'static str, value: Option<f64>) -> Option<(&'static str, f64)> {
    value.map(|v| (name, v))
}

fn channel_rows(table: &mut Table) {
    for shape in Shape::ALL {
        for cap in CAPS {
            let what = format!("{} {}", shape.name(), cap_name(cap));
            let name = format!("{what}, own runtimes");
            if table.wants(&name) {
                let hoare = async_cell::<Hoare>(Rt::Hoare, shape, cap);
                let peers = [peer("tokio", async_cell::<Tokio>(Rt::Tokio, shape, cap))];
                table.push(name, hoare, peers.into_iter().flatten().collect());
            }
            let name = format!("{what}, on tokio");
            if table.wants(&name) && shape != Shape::SelectBoth {
                let hoare = async_cell::<Hoare>(Rt::Tokio, shape, cap);
                let peers = [
                    peer("tokio", async_cell::<Tokio>(Rt::Tokio, shape, cap)),
                    peer("flume", async_cell::<Flume>(Rt::Tokio, shape, cap)),
                    peer("kanal", async_cell::<Kanal>(Rt::Tokio, shape, cap)),
                    peer(
                        "async-channel",
                        async_cell::<AsyncChan>(Rt::Tokio, shape, cap),
                    ),
                ];
                table.push(name, hoare, peers.into_iter().flatten().collect());
            }
            let name = format!("{what}, OS threads (_blocking)");
            if table.wants(&name) && shape != Shape::SpscMain {
                let hoare = ns_per(MESSAGES, || {
                    run_blocking(Blocking::Hoare, shape, cap, MESSAGES)
                });
                let crossbeam = ns_per(MESSAGES, || {
                    run_blocking(Blocking::Crossbeam, shape, cap, MESSAGES)
                });
                let peers = [peer("crossbeam", crossbeam)];
                table.push(name, hoare, peers.into_iter().flatten().collect());
            }
        }
    }
}

fn runtime_rows(table: &mut Table) {
    let name = format!("spawn + join {SPAWNS} (per process)");
    if table.wants(&name) {
        let hoare = ns_per(SPAWNS as u64, || Some(spawn_join(Rt::Hoare, SPAWNS)));
        let tokio = ns_per(SPAWNS as u64, || Some(spawn_join(Rt::Tokio, SPAWNS)));
        table.push(name, hoare, peer("tokio", tokio).into_iter().collect());
    }
    for cap in [Some(0), Some(1)] {
        let name = format!(
            "ring {RING_SIZE} x {RING_HOPS} hops, {} (per hop)",
            cap_name(cap)
        );
        if table.wants(&name) {
            let hoare = ns_per(RING_HOPS, || {
                ring::<Hoare>(Rt::Hoare, RING_SIZE, cap, RING_HOPS)
            });
            // tokio has no rendezvous channel: its capacity-1 ring stands in.
            let tokio = ns_per(RING_HOPS, || {
                ring::<Tokio>(Rt::Tokio, RING_SIZE, Some(1), RING_HOPS)
            });
            table.push(name, hoare, peer("tokio", tokio).into_iter().collect());
        }
    }
    let name = format!("skynet {SKYNET_LEAVES} leaves (per leaf)");
    if table.wants(&name) {
        let hoare = ns_per(SKYNET_LEAVES, || {
            Some(skynet::<Hoare>(Rt::Hoare, SKYNET_LEAVES))
        });
        let tokio = ns_per(SKYNET_LEAVES, || {
            Some(skynet::<Tokio>(Rt::Tokio, SKYNET_LEAVES))
        });
        table.push(name, hoare, peer("tokio", tokio).into_iter().collect());
    }
}

/// Median over repetitions of the p50 and p99 round trips, in ns.
fn latency(mut run: impl FnMut() -> Option<Vec<Duration>>) -> Option<(f64, f64)> {
    let mut p50 = Vec::new();
    let mut p99 = Vec::new();
    for _ in 0..REPETITIONS {
        let times = run()?;
        p50.push(quantile(&times, 0.5).as_nanos() as f64);
        p99.push(quantile(&times, 0.99).as_nanos() as f64);
    }
    Some((median(p50), median(p99)))
}

fn ping_pong_rows(table: &mut Table) {
    for (main_side, shape) in [(false, "process shape"), (true, "main shape")] {
        for cap in [Some(0), Some(1)] {
            let name = format!("ping-pong {shape}, {} (round trip)", cap_name(cap));
            if !table.wants(&name) {
                continue;
            }
            let hoare = latency(|| ping_pong::<Hoare>(Rt::Hoare, cap, main_side, ROUND_TRIPS));
            // tokio has no rendezvous channel: capacity 1 stands in.
            let tokio = latency(|| ping_pong::<Tokio>(Rt::Tokio, Some(1), main_side, ROUND_TRIPS));
            push_latency(table, &name, hoare, "tokio", tokio);
        }
    }
    for cap in [Some(0), Some(1)] {
        let name = format!(
            "ping-pong OS threads (_blocking), {} (round trip)",
            cap_name(cap)
        );
        if !table.wants(&name) {
            continue;
        }
        let hoare = latency(|| Some(ping_pong_threads(Blocking::Hoare, cap, ROUND_TRIPS)));
        let crossbeam = latency(|| Some(ping_pong_threads(Blocking::Crossbeam, cap, ROUND_TRIPS)));
        push_latency(table, &name, hoare, "crossbeam", crossbeam);
    }
}

fn push_latency(
    table: &mut Table,
    name: &str,
    hoare: Option<(f64, f64)>,
    peer_name: &'static str,
    other: Option<(f64, f64)>,
) {
    let name = name.replace(" (round trip)", "");
    table.push(
        format!("{name}, p50 round trip"),
        hoare.map(|h| h.0),
        peer(peer_name, other.map(|o| o.0)).into_iter().collect(),
    );
    table.push(
        format!("{name}, p99 round trip"),
        hoare.map(|h| h.1),
        peer(peer_name, other.map(|o| o.1)).into_iter().collect(),
    );
}

/// Measures memory in a fresh OS process each (see `--memory`).
fn memory_rows(table: &mut Table) {
    let rows = [
        (
            "own",
            format!("memory: bytes per idle process ({IDLE_PROCESSES}, each blocked on recv on its own channel)"),
        ),
        (
            "shared",
            format!(
                "memory: bytes per idle process ({IDLE_PROCESSES}, all waiting on one channel; tokio: one Notify)"
            ),
        ),
    ];
    for (shape, name) in rows {
        if !table.wants(&name) {
            continue;
        }
        let measure = |which: &str| -> Option<f64> {
            let exe = std::env::current_exe().ok()?;
            let values: Vec<f64> = (0..REPETITIONS)
                .filter_map(|_| {
                    let output = Command::new(&exe)
                        .args(["--memory", which, shape])
                        .output()
                        .ok()?;
                    String::from_utf8(output.stdout).ok()?.trim().parse().ok()
                })
                .collect();
            (!values.is_empty()).then(|| median(values))
        };
        let hoare = measure("hoare");
        let tokio = measure("tokio");
        table.push(name, hoare, peer("tokio", tokio).into_iter().collect());
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
        let rt = match args.get(1).map(String::as_str) {
            Some("tokio") => Rt::Tokio,
            _ => Rt::Hoare,
        };
        let bytes = match (rt, args.get(2).map(String::as_str)) {
            (rt, Some("shared")) => idle_process_bytes_shared(rt, IDLE_PROCESSES),
            (Rt::Tokio, _) => idle_process_bytes::<Tokio>(Rt::Tokio, IDLE_PROCESSES),
            (Rt::Hoare, _) => idle_process_bytes::<Hoare>(Rt::Hoare, IDLE_PROCESSES),
        };
        println!("{bytes:.0}");
        return;
    }
    let mut table = Table {
        filters: args,
        rows: Vec::new(),
    };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    eprintln!("versus: {cores} cores, {WORKERS} workers per runtime, median of {REPETITIONS}");
    channel_rows(&mut table);
    runtime_rows(&mut table);
    ping_pong_rows(&mut table);
    memory_rows(&mut table);
    println!(
        "ns per message / process / hop / leaf / round trip; bytes for memory. \
         Cells: peer time (peer / hoare). {cores} cores, {WORKERS} workers per runtime, \
         median of {REPETITIONS}."
    );
    println!();
    table.print();
}
