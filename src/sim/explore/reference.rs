//! The race detection `races` replaced, kept for the tests: for every
//! step, a scan back over the run, and vector clocks built by comparing
//! every pair of steps. Quadratic in the run's length; the tests compare
//! `races` with it, backtrack set by backtrack set, on many runs.

use std::collections::BTreeMap;

use super::Node;
use crate::sim::footprint::Footprints;
use crate::sim::schedule::{ChoicePoint, Kind};

/// Adds the backtrack points of the races in one run (see `explore`'s
/// module doc); returns the work done (steps visited), as `races` does.
pub(super) fn add_backtracks(
    path: &mut [Node],
    points: &[ChoicePoint],
    footprints: &Footprints,
    bounded: bool,
) -> u64 {
    let mut work = 0;
    // The choice of the process polled at each step, by step number.
    let node_at_step: BTreeMap<u64, usize> = points
        .iter()
        .enumerate()
        .filter(|(_, point)| point.kind == Kind::Process)
        .map(|(index, point)| (point.step, index))
        .collect();
    let steps = &footprints.steps;
    let clocks = happens_before(footprints, &mut work);
    let add_at = |path: &mut [Node], step_index: usize, process: u64| {
        if let Some(&node) = node_at_step.get(&(step_index as u64 + 1)) {
            path[node].add_backtrack(process);
        }
    };
    let mut previous_of: BTreeMap<u64, usize> = BTreeMap::new();
    for (j, step) in steps.iter().enumerate() {
        let process = step.process;
        // What `process` had seen before step `j`.
        let seen = match previous_of.get(&process) {
            Some(&previous) => Some(&clocks[previous]),
            None => footprints
                .spawned_during
                .get(&process)
                .filter(|&&during| during > 0)
                .map(|&during| &clocks[during as usize - 1]),
        };
        // The steps after `process`'s previous step (or its spawning).
        let window = match previous_of.get(&process) {
            Some(&previous) => previous,
            None => footprints
                .spawned_during
                .get(&process)
                .map_or(0, |&during| during as usize)
                .saturating_sub(1),
        };
        for i in (0..j).rev() {
            work += 1;
            if steps[i + 1].after_jump {
                break;
            }
            let other = &steps[i];
            if other.process == process || !other.footprint.depends_on(&step.footprint) {
                continue;
            }
            let before_process =
                seen.is_some_and(|clock| clock.get(&other.process).is_some_and(|&last| last > i));
            if before_process {
                continue;
            }
            add_at(path, i, process);
            if bounded {
                let mut start = i;
                while start > 0
                    && steps[start - 1].process == other.process
                    && !steps[start].after_jump
                {
                    start -= 1;
                }
                if start < i {
                    add_at(path, start, process);
                }
                // And wherever `process` was runnable between its
                // previous step and `i`: a preemption there may be the
                // cheaper way into the reversed race (at a yield of
                // another process, say, with the default choices after it
                // doing the rest).
                for k in window + 1..i {
                    work += 1;
                    if let Some(&node) = node_at_step.get(&(k as u64 + 1)) {
                        if path[node].options.contains(&process) {
                            path[node].backtrack.insert(process);
                        }
                    }
                }
            }
            // Flanagan and Godefroid look for the latest race of
            // `process`'s next step at every state of the run, not only
            // where the step ran: so every race with a step after
            // `process`'s previous one counts (at the state just after
            // it, it was the latest), and before that, the latest one.
            if i <= window {
                break;
            }
        }
        previous_of.insert(process, j);
    }
    // The main future's completion drops every live process: any process
    // runnable before it could have run first.
    if let Some(last) = steps.last().filter(|step| step.footprint.global) {
        if let Some(&node) = node_at_step.get(&(steps.len() as u64)) {
            let options = path[node].options.clone();
            for option in options {
                if option != last.process {
                    path[node].add_backtrack(option);
                }
            }
        }
    }
    work
}

/// For each step, the latest step of each process that happens before it
/// (1-based, so `last > i` means step `i` happens before): program order,
/// spawning, dependence, and time jumps (which order everything).
fn happens_before(footprints: &Footprints, work: &mut u64) -> Vec<BTreeMap<u64, usize>> {
    let steps = &footprints.steps;
    let mut clocks: Vec<BTreeMap<u64, usize>> = Vec::with_capacity(steps.len());
    let mut previous_of: BTreeMap<u64, usize> = BTreeMap::new();
    let mut last_jump = 0;
    for (j, step) in steps.iter().enumerate() {
        if step.after_jump {
            last_jump = j;
        }
        let mut clock = match previous_of.get(&step.process) {
            Some(&previous) => clocks[previous].clone(),
            None => match footprints.spawned_during.get(&step.process) {
                Some(&during) if during > 0 => clocks[during as usize - 1].clone(),
                _ => BTreeMap::new(),
            },
        };
        for (i, other) in steps[..j].iter().enumerate() {
            *work += 1;
            if i < last_jump || other.footprint.depends_on(&step.footprint) {
                for (&process, &last) in &clocks[i] {
                    let entry = clock.entry(process).or_insert(0);
                    *entry = (*entry).max(last);
                }
                let entry = clock.entry(other.process).or_insert(0);
                *entry = (*entry).max(i + 1);
            }
        }
        clock.insert(step.process, j + 1);
        previous_of.insert(step.process, j);
        clocks.push(clock);
    }
    clocks
}

#[cfg(test)]
mod tests {
    use std::future::Future;
    use std::time::Duration;

    use super::super::generated::{generate, run_program};
    use super::super::{races, search, Node, Outcome};
    use crate::chan;
    use crate::sim::executor::{self, Config};
    use crate::sim::{Builder, Trace};

    /// The backtrack sets each race detection adds to a path fresh from
    /// the run's choice points, with and without a bound; and the work
    /// each did (the bounded pass's).
    fn backtracks(trace: &Trace) -> [(Vec<Vec<u64>>, u64); 2] {
        let points = trace.points();
        let footprints = trace.footprints().expect("footprints recorded");
        let detections = [races::add_backtracks, super::add_backtracks];
        let mut found = detections.map(|_| (Vec::new(), 0));
        for bounded in [false, true] {
            for (detect, found) in detections.iter().zip(&mut found) {
                let mut path: Vec<Node> = points.iter().map(Node::new).collect();
                found.1 = detect(&mut path, points, footprints, bounded);
                found.0.extend(
                    path.iter()
                        .map(|node| node.backtrack.iter().copied().collect()),
                );
            }
        }
        found
    }

    /// Asserts the two race detections agree on `trace`.
    fn assert_same_backtracks(trace: &Trace, what: &str) {
        let [(fast, _), (scan, _)] = backtracks(trace);
        assert!(!fast.is_empty() || trace.points().is_empty());
        if let Some(at) = (0..fast.len()).find(|&at| fast[at] != scan[at]) {
            panic!(
                "{what}: at choice {at} of {} (the second half bounded), the forward pass \
                 added {:?}, the scan {:?}",
                fast.len(),
                fast[at],
                scan[at]
            );
        }
    }

    /// Runs `future` as `config` says, recording footprints.
    fn traced<F: Future>(config: &Config, future: F) -> Trace {
        let mut config = config.clone();
        config.footprints = true;
        let (result, trace) = executor::run(&config, future);
        assert!(result.is_ok(), "the run failed");
        trace
    }

    /// The default schedule, as `explore`'s first run makes it.
    fn default_schedule<F: Future>(future: F) -> Trace {
        let mut config = Builder::new().config().clone();
        config.prefix = Some(Vec::new());
        traced(&config, future)
    }

    /// Compares the two on every run of the reduced search of `make`.
    fn compare_on_search<F, Fut>(bound: Option<usize>, limit: u64, make: &F, what: &str) -> u64
    where
        F: Fn() -> Fut,
        Fut: Future,
    {
        let config = Builder::new()
            .max_preemptions(bound)
            .max_schedules(limit)
            .config()
            .clone();
        let mut runs = 0;
        let outcome = search(&config, make, &mut |trace| {
            assert_same_backtracks(trace, &format!("{what}, bound {bound:?}, run {runs}"));
            runs += 1;
        });
        assert!(matches!(outcome, Outcome::Done(_)), "{what}: a run failed");
        runs
    }

    #[test]
    fn the_forward_pass_adds_the_scans_backtracks_on_every_run_of_generated_programs() {
        let mut runs = 0;
        for seed in 0..150 {
            let program = generate(seed);
            for bound in [Some(1), Some(2), None] {
                let make = || {
                    let run = run_program(&program);
                    async {
                        run.await;
                    }
                };
                let config = Builder::new()
                    .max_preemptions(bound)
                    .max_schedules(200)
                    .config()
                    .clone();
                // A program whose search fails (a planted deadlock) is
                // compared on the runs before the failing one.
                let what = format!("program {seed}, bound {bound:?}, run {runs}");
                search(&config, &make, &mut |trace| {
                    assert_same_backtracks(trace, &what);
                    runs += 1;
                });
            }
        }
        assert!(runs > 3_000, "too few runs compared: {runs}");
    }

    /// Four processes over three channels of different flavours, a select
    /// relaying two of them into a rendezvous with the main future,
    /// yields, `try_send`s, joins, and (if `timers`) sleeps that jump
    /// virtual time: about 7 steps per round.
    async fn long_program(rounds: u32, timers: bool) -> u64 {
        let (a_tx, a_rx) = chan::bounded::<u32>(1);
        let (b_tx, b_rx) = chan::bounded::<u32>(0);
        let (c_tx, c_rx) = chan::unbounded::<u32>();
        let producer = crate::spawn(async move {
            for i in 0..rounds {
                a_tx.send(i).await.unwrap();
                if i % 3 == 0 {
                    crate::yield_now().await;
                }
            }
        });
        {
            let c_tx = c_tx.clone();
            crate::spawn(async move {
                for i in 0..rounds {
                    c_tx.send(i).await.unwrap();
                    if timers && i % 5 == 0 {
                        crate::time::sleep(Duration::from_millis(1)).await;
                    }
                }
            });
        }
        let relay = crate::spawn(async move {
            let (mut a_done, mut c_done, mut relayed) = (false, false, 0u32);
            while !(a_done && c_done) {
                let value = crate::select! {
                    recv(a_rx) -> v if !a_done => v.map_err(|_| a_done = true).ok(),
                    recv(c_rx) -> v if !c_done => v.map_err(|_| c_done = true).ok(),
                };
                if let Some(value) = value {
                    b_tx.send(value).await.unwrap();
                    relayed += 1;
                }
            }
            relayed
        });
        crate::spawn(async move {
            for i in 0..rounds / 2 {
                crate::yield_now().await;
                let _ = c_tx.try_send(1_000 + i);
            }
        });
        let mut sum = 0;
        while let Ok(value) = b_rx.recv().await {
            sum += u64::from(value);
        }
        producer.await.unwrap();
        sum + u64::from(relay.await.unwrap())
    }

    #[test]
    fn the_forward_pass_adds_the_scans_backtracks_on_long_runs() {
        for timers in [false, true] {
            for seed in 0..10 {
                let config = Builder::new().seed(seed).config().clone();
                let trace = traced(&config, long_program(40, timers));
                assert!(trace.steps() > 200, "{} steps", trace.steps());
                assert_same_backtracks(&trace, &format!("seed {seed}, timers {timers}"));
            }
            let make = || long_program(15, timers);
            for bound in [Some(2), None] {
                let runs = compare_on_search(bound, 60, &make, &format!("timers {timers}"));
                assert_eq!(runs, 60);
            }
        }
    }

    /// The work each race detection did on the default schedule of
    /// `long_program` at 30 and at 300 rounds (about ten times the
    /// steps): `[forward pass, scan]`, each as `(short, long)`.
    fn work_at_ten_times_the_steps() -> [(u64, u64); 2] {
        let short = default_schedule(long_program(30, false));
        let long = default_schedule(long_program(300, false));
        let steps = [short.steps(), long.steps()];
        assert!(steps[1] >= 9 * steps[0], "steps {steps:?}");
        let [(_, fast_short), (_, scan_short)] = backtracks(&short);
        let [(_, fast_long), (_, scan_long)] = backtracks(&long);
        println!(
            "steps {steps:?}: race detection's work {fast_short} -> {fast_long}, the scan's \
             {scan_short} -> {scan_long}"
        );
        [(fast_short, fast_long), (scan_short, scan_long)]
    }

    #[test]
    fn race_detection_work_grows_linearly_with_the_run() {
        let [(short, long), _] = work_at_ten_times_the_steps();
        assert!(
            long <= 20 * short,
            "ten times the steps: the race detection's work went from {short} to {long}"
        );
    }

    /// The bound above can fail: the same measure on the replaced scan
    /// grows with the square of the run.
    #[test]
    fn the_work_measure_sees_the_replaced_scan_grow_quadratically() {
        let [_, (short, long)] = work_at_ten_times_the_steps();
        assert!(
            long > 50 * short,
            "ten times the steps: the scan's work went from {short} to {long}"
        );
    }
}
