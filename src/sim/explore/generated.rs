//! The reduction against the full search on generated programs.
//!
//! A small deterministic generator (splitmix64 from a fixed seed) writes
//! CSP programs: the main future and 2-4 processes over 1-3 channels of
//! mixed flavours (`bounded(0)`, `bounded(1)`, `bounded(2)`, `unbounded`),
//! each running a straight-line script of 1-4 operations: send, recv,
//! try_send, try_recv, a select over 2-3 recv and send arms (sometimes
//! biased, sometimes with a default), closing a channel, dropping a
//! handle, a yield, joining a process. Every participant logs what each
//! operation observed in a log of its own, and the main future, after its
//! script, joins the processes nobody else joins (with a timeout, or in a
//! quarter of the programs without one, so that a deadlock fails the run)
//! and returns all the logs. A log has one writer and is read in the main
//! future's last step, which is dependent with every step, so the logs
//! hide no dependence from the reduction.
//!
//! For each program and each bound (0, 1, 2 deviations, none), the
//! reduced search must find exactly the results of the full one, in no
//! more runs, or fail the same way (the same `SimError` variant: a search
//! stops at its first failing run). The programs are the seeds `0..300`,
//! or `0..HOARE_REDUCTION_PROGRAMS` for a longer local run; a program
//! whose full search passes `LIMIT` runs at some bound is skipped from
//! that bound on, and counted.

use std::collections::BTreeSet;
use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::{search, Outcome};
use crate::chan::{self, Receiver, Sender, TryRecvError, TrySendError};
use crate::select::{Select, Selected};
use crate::sim::executor::Config;
use crate::sim::SimError;

/// splitmix64.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Flavour {
    Bounded(usize),
    Unbounded,
}

/// Which end of a channel an operation uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum End {
    Tx,
    Rx,
}

#[derive(Clone, Debug)]
enum Op {
    Send(usize),
    Recv(usize),
    TrySend(usize),
    TryRecv(usize),
    /// Arms: the end (`Tx` sends) and the channel.
    Select {
        arms: Vec<(End, usize)>,
        biased: bool,
        default: bool,
    },
    Close(End, usize),
    Drop(End, usize),
    Yield,
    /// Joins process `n` (1-based; only by a participant numbered lower).
    Join(usize),
}

/// A generated program: participant 0 is the main future.
#[derive(Clone)]
pub(super) struct Program {
    channels: Vec<Flavour>,
    scripts: Vec<Vec<Op>>,
    /// Whether the main future joins the processes left to it without a
    /// timeout (a deadlock then fails the run).
    main_waits: bool,
}

impl fmt::Debug for Program {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "channels: {:?}", self.channels)?;
        writeln!(f, "main joins without a timeout: {}", self.main_waits)?;
        for (who, script) in self.scripts.iter().enumerate() {
            writeln!(f, "participant {who}: {script:?}")?;
        }
        Ok(())
    }
}

pub(super) fn generate(seed: u64) -> Program {
    let mut rng = Rng(seed);
    let channel_count = 1 + rng.below(3);
    let channels = (0..channel_count)
        .map(|_| match rng.below(4) {
            0 => Flavour::Bounded(0),
            1 => Flavour::Bounded(1),
            2 => Flavour::Bounded(2),
            _ => Flavour::Unbounded,
        })
        .collect();
    let processes = 2 + rng.below(3);
    let mut joined = vec![false; processes + 1];
    let mut scripts = Vec::new();
    for who in 0..=processes {
        let length = 1 + rng.below(4);
        let mut script = Vec::new();
        for _ in 0..length {
            let end = |rng: &mut Rng| if rng.one_in(2) { End::Tx } else { End::Rx };
            let op = match rng.below(20) {
                0..=2 => Op::Send(rng.below(channel_count)),
                3..=5 => Op::Recv(rng.below(channel_count)),
                6..=7 => Op::TrySend(rng.below(channel_count)),
                8..=9 => Op::TryRecv(rng.below(channel_count)),
                10..=13 => {
                    let count = 2 + rng.below(2);
                    let arms = (0..count)
                        .map(|_| (end(&mut rng), rng.below(channel_count)))
                        .collect();
                    Op::Select {
                        arms,
                        biased: rng.one_in(4),
                        default: rng.one_in(4),
                    }
                }
                14..=15 => Op::Close(end(&mut rng), rng.below(channel_count)),
                16 => Op::Drop(end(&mut rng), rng.below(channel_count)),
                17 => Op::Yield,
                _ => {
                    // A process numbered higher that nobody joins yet.
                    let free: Vec<usize> = (who + 1..=processes).filter(|&p| !joined[p]).collect();
                    if free.is_empty() {
                        Op::Yield
                    } else {
                        let target = free[rng.below(free.len())];
                        joined[target] = true;
                        Op::Join(target)
                    }
                }
            };
            script.push(op);
        }
        scripts.push(script);
    }
    Program {
        channels,
        scripts,
        main_waits: rng.one_in(4),
    }
}

/// The handles one participant holds: those its script names.
struct Handles {
    senders: Vec<Option<Sender<u32>>>,
    receivers: Vec<Option<Receiver<u32>>>,
}

impl Handles {
    fn for_script(script: &[Op], senders: &[Sender<u32>], receivers: &[Receiver<u32>]) -> Self {
        let mut handles = Handles {
            senders: vec![None; senders.len()],
            receivers: vec![None; receivers.len()],
        };
        let mut need = |end: End, channel: usize| match end {
            End::Tx => handles.senders[channel] = Some(senders[channel].clone()),
            End::Rx => handles.receivers[channel] = Some(receivers[channel].clone()),
        };
        for op in script {
            match op {
                Op::Send(c) | Op::TrySend(c) => need(End::Tx, *c),
                Op::Recv(c) | Op::TryRecv(c) => need(End::Rx, *c),
                Op::Select { arms, .. } => arms.iter().for_each(|&(end, c)| need(end, c)),
                Op::Close(end, c) | Op::Drop(end, c) => need(*end, *c),
                Op::Yield | Op::Join(_) => {}
            }
        }
        handles
    }
}

// What operations observed, in a participant's log (values sent are 100
// and up: `100 + 10 * participant + operation`).
const SENT: u32 = 1;
const SEND_CLOSED: u32 = 2;
const RECV_CLOSED: u32 = 3;
const FULL: u32 = 4;
const EMPTY: u32 = 5;
const CLOSED_NOW: u32 = 6;
const CLOSED_BEFORE: u32 = 7;
const NO_HANDLE: u32 = 8;
const DEFAULT: u32 = 9;
const JOINED: u32 = 10;
const JOIN_FAILED: u32 = 11;
const TIMED_OUT: u32 = 12;
/// A select's arm `i` adds `ARM * (i + 1)` to what the arm observed.
const ARM: u32 = 1000;

type Joins = Vec<Option<crate::JoinHandle<()>>>;

/// Runs one participant's script, logging into `log`.
async fn run_script(
    who: usize,
    script: Vec<Op>,
    mut handles: Handles,
    mut joins: Joins,
    log: Arc<Mutex<Vec<u32>>>,
) {
    let note = |value: u32| log.lock().unwrap().push(value);
    for (index, op) in script.into_iter().enumerate() {
        let value = 100 + 10 * who as u32 + index as u32;
        match op {
            Op::Send(c) => match &handles.senders[c] {
                Some(tx) => note(if tx.send(value).await.is_ok() {
                    SENT
                } else {
                    SEND_CLOSED
                }),
                None => note(NO_HANDLE),
            },
            Op::Recv(c) => match &handles.receivers[c] {
                Some(rx) => note(rx.recv().await.unwrap_or(RECV_CLOSED)),
                None => note(NO_HANDLE),
            },
            Op::TrySend(c) => match &handles.senders[c] {
                Some(tx) => note(match tx.try_send(value) {
                    Ok(()) => SENT,
                    Err(TrySendError::Full(_)) => FULL,
                    Err(TrySendError::Closed(_)) => SEND_CLOSED,
                }),
                None => note(NO_HANDLE),
            },
            Op::TryRecv(c) => match &handles.receivers[c] {
                Some(rx) => note(match rx.try_recv() {
                    Ok(v) => v,
                    Err(TryRecvError::Empty) => EMPTY,
                    Err(TryRecvError::Closed) => RECV_CLOSED,
                }),
                None => note(NO_HANDLE),
            },
            Op::Select {
                arms,
                biased,
                default,
            } => {
                let mut select = Select::new();
                if biased {
                    select = select.biased();
                }
                // The arms whose handles are still held, by position.
                let mut positions = Vec::new();
                for (position, &(end, c)) in arms.iter().enumerate() {
                    let added = match end {
                        End::Tx => handles.senders[c].as_ref().map(|tx| select.send(tx, value)),
                        End::Rx => handles.receivers[c].as_ref().map(|rx| select.recv(rx)),
                    };
                    if added.is_some() {
                        positions.push(position);
                    }
                }
                if positions.is_empty() {
                    note(NO_HANDLE);
                    continue;
                }
                let chosen = if default {
                    select.try_select()
                } else {
                    Some(select.select().await)
                };
                note(match chosen {
                    None => DEFAULT,
                    Some((index, selected)) => {
                        let observed = match selected {
                            Selected::Recv(Ok(v)) => v,
                            Selected::Recv(Err(_)) => RECV_CLOSED,
                            Selected::Send(Ok(())) => SENT,
                            Selected::Send(Err(_)) => SEND_CLOSED,
                        };
                        ARM * (positions[index] as u32 + 1) + observed
                    }
                });
            }
            Op::Close(end, c) => {
                let closed = match end {
                    End::Tx => handles.senders[c].as_ref().map(|tx| tx.close()),
                    End::Rx => handles.receivers[c].as_ref().map(|rx| rx.close()),
                };
                note(match closed {
                    Some(true) => CLOSED_NOW,
                    Some(false) => CLOSED_BEFORE,
                    None => NO_HANDLE,
                });
            }
            Op::Drop(end, c) => match end {
                End::Tx => drop(handles.senders[c].take()),
                End::Rx => drop(handles.receivers[c].take()),
            },
            Op::Yield => crate::yield_now().await,
            Op::Join(p) => {
                let handle = joins[p].take().expect("each process is joined once");
                note(if handle.await.is_ok() {
                    JOINED
                } else {
                    JOIN_FAILED
                });
            }
        }
    }
    drop(handles);
}

/// The program as a future: what every participant logged, participant
/// by participant (each log after a separator `10_000 + participant`).
pub(super) fn run_program(program: &Program) -> impl Future<Output = Vec<u32>> {
    let program = program.clone();
    async move {
        let mut senders = Vec::new();
        let mut receivers = Vec::new();
        for flavour in &program.channels {
            let (tx, rx) = match *flavour {
                Flavour::Bounded(cap) => chan::bounded(cap),
                Flavour::Unbounded => chan::unbounded(),
            };
            senders.push(tx);
            receivers.push(rx);
        }
        let participants = program.scripts.len();
        let logs: Vec<Arc<Mutex<Vec<u32>>>> = (0..participants).map(|_| Arc::default()).collect();
        // Spawned highest first, so that a process can be given the
        // handles of the processes it joins.
        let mut joins: Joins = (0..participants).map(|_| None).collect();
        for who in (1..participants).rev() {
            let script = program.scripts[who].clone();
            let handles = Handles::for_script(&script, &senders, &receivers);
            let mut own: Joins = (0..participants).map(|_| None).collect();
            for op in &script {
                if let Op::Join(p) = op {
                    own[*p] = joins[*p].take();
                }
            }
            let log = logs[who].clone();
            joins[who] = Some(crate::spawn(run_script(who, script, handles, own, log)));
        }
        let script = program.scripts[0].clone();
        let handles = Handles::for_script(&script, &senders, &receivers);
        drop((senders, receivers));
        let mut own: Joins = (0..participants).map(|_| None).collect();
        for op in &script {
            if let Op::Join(p) = op {
                own[*p] = joins[*p].take();
            }
        }
        run_script(0, script, handles, own, logs[0].clone()).await;
        for handle in joins.into_iter().flatten() {
            let outcome = if program.main_waits {
                Ok(handle.await)
            } else {
                crate::time::timeout(Duration::from_secs(1), handle).await
            };
            logs[0].lock().unwrap().push(match outcome {
                Ok(Ok(())) => JOINED,
                Ok(Err(_)) => JOIN_FAILED,
                Err(_) => TIMED_OUT,
            });
        }
        let mut out = Vec::new();
        for (who, log) in logs.iter().enumerate() {
            out.push(10_000 + who as u32);
            out.extend(log.lock().unwrap().iter().copied());
        }
        out
    }
}

/// What one search found: every result and the number of runs, or how
/// the first failing run failed.
#[derive(Debug, PartialEq, Eq)]
enum Found {
    Results(BTreeSet<Vec<u32>>, u64),
    Failed(String),
    /// The search stopped at `max_schedules`.
    Incomplete,
}

fn error_kind(error: &SimError) -> String {
    let text = format!("{error:?}");
    text.split([' ', '{', '(']).next().unwrap_or("").to_string()
}

fn found(program: &Program, bound: Option<usize>, reduce: bool, limit: u64) -> Found {
    let mut config = crate::sim::Builder::new()
        .max_preemptions(bound)
        .max_schedules(limit)
        .config()
        .clone();
    config.reduce = reduce;
    explore_results(&config, program)
}

fn explore_results(config: &Config, program: &Program) -> Found {
    let seen = std::cell::RefCell::new(BTreeSet::new());
    let make = || {
        let fut = run_program(program);
        async {
            let out = fut.await;
            seen.borrow_mut().insert(out);
        }
    };
    match search(config, &make, &mut |_| {}) {
        Outcome::Done(explored) if explored.complete() => {
            Found::Results(seen.into_inner(), explored.schedules())
        }
        Outcome::Done(_) => Found::Incomplete,
        Outcome::Failed(error, _) => Found::Failed(error_kind(&error)),
    }
}

const BOUNDS: [Option<usize>; 4] = [Some(0), Some(1), Some(2), None];

/// What the comparisons of one or more programs add up to.
#[derive(Default)]
struct Tally {
    /// (program, bound) pairs compared.
    compared: usize,
    /// Pairs skipped: the full search passed the limit.
    skipped: usize,
    /// Runs of the full and of the reduced searches that completed.
    full_runs: u64,
    reduced_runs: u64,
    /// Pairs where both searches failed the same way.
    failed: usize,
}

/// Compares the two searches of `program` for every bound, adding to
/// `tally`; the first mismatch, described.
fn compare(program: &Program, limit: u64, tally: &mut Tally) -> Result<(), String> {
    for (index, bound) in BOUNDS.into_iter().enumerate() {
        let full = found(program, bound, false, limit);
        if full == Found::Incomplete {
            // A larger bound only adds schedules: skip it as well.
            tally.skipped += BOUNDS.len() - index;
            return Ok(());
        }
        let reduced = found(program, bound, true, limit);
        let agree = match (&full, &reduced) {
            (Found::Results(full, full_runs), Found::Results(reduced, runs)) => {
                tally.full_runs += full_runs;
                tally.reduced_runs += runs;
                full == reduced && runs <= full_runs
            }
            (Found::Failed(full), Found::Failed(reduced)) => {
                tally.failed += 1;
                full == reduced
            }
            _ => false,
        };
        if !agree {
            return Err(format!(
                "bound {bound:?}:\nfull search: {full:?}\nreduced search: {reduced:?}\n\
                 program:\n{program:?}"
            ));
        }
        tally.compared += 1;
    }
    Ok(())
}

/// How many programs the test runs: `HOARE_REDUCTION_PROGRAMS`, or 300.
fn program_count() -> u64 {
    std::env::var("HOARE_REDUCTION_PROGRAMS")
        .ok()
        .and_then(|count| count.parse().ok())
        .unwrap_or(300)
}

/// The full search stops there; programs (bounds) it does not finish are
/// skipped and counted.
const LIMIT: u64 = 2_000;

#[test]
fn the_reduction_finds_every_result_of_generated_programs() {
    let count = program_count();
    let mut tally = Tally::default();
    let mut mismatches = Vec::new();
    for seed in 0..count {
        let program = generate(seed);
        if let Err(mismatch) = compare(&program, LIMIT, &mut tally) {
            mismatches.push((seed, mismatch));
        }
    }
    println!(
        "{count} programs: {} (program, bound) pairs compared ({} failing alike in both \
         searches), {} skipped (the full search passed {LIMIT} runs); {} runs of the full \
         search, {} of the reduced one; {} mismatches",
        tally.compared,
        tally.failed,
        tally.skipped,
        tally.full_runs,
        tally.reduced_runs,
        mismatches.len()
    );
    if let Some((seed, mismatch)) = mismatches.first() {
        let seeds: Vec<u64> = mismatches.iter().map(|(seed, _)| *seed).collect();
        panic!(
            "{} of {count} programs differ (seeds {seeds:?}); the first, seed {seed}, {mismatch}",
            mismatches.len()
        );
    }
    // The generator must keep producing programs the full search can
    // finish, or the test proves little.
    assert!(
        tally.compared >= count as usize * 3,
        "too few comparisons: {}",
        tally.compared
    );
}
