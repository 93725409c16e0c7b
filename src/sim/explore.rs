//! `explore`: a depth-first search over a program's schedules, with a
//! bound on deviations and a partial-order reduction.
//!
//! # The search
//!
//! Every run records its choice points (see `schedule`): the options at
//! each, the default and the option taken. The search keeps the current
//! path of choice points; after a run it backtracks to the deepest point
//! with an option still to try whose deviations, counted along the path,
//! stay within `max_preemptions` (delay bounding: Emmi, Qadeer and
//! Rakamarić, "Delay-bounded scheduling", POPL 2011, with our defaults),
//! replays the path up to that point, takes the option, and lets the run
//! continue with default choices. The first run is the default schedule.
//!
//! # The reduction: DPOR
//!
//! At a choice of the next *process*, the search tries only the options in
//! the point's backtrack set, as in dynamic partial-order reduction
//! (Flanagan and Godefroid, "Dynamic partial-order reduction for model
//! checking software", POPL 2005). After each run, for each step `j` of a
//! process `p` it finds the earlier steps `i` of other processes that are
//! dependent with `j` (see `footprint`), may be reordered with it (no
//! time jump between them) and do not happen before `p`'s previous step
//! (vector clocks over the dependences, program order and spawning): each
//! such step after `p`'s previous step, and the latest one before it (see
//! below); then `p` joins the backtrack set of the choice before `i`, or,
//! if `p` was not runnable there, every runnable process does. A run that
//! ends with the main future's completion (dependent with everything) adds
//! every process still runnable before that last step. Other choices (a select's arm
//! order, same-instant timers, `buggify!`) have every option in their
//! backtrack set, and the step that makes one counts as dependent with
//! every other step; except a select's order that could not change the
//! outcome, which has only the option taken and leaves the step's
//! footprint as it is (see below).
//!
//! `races` finds these races in one forward pass over the run, with a
//! vector clock per process and the steps that touched each object, in
//! time near-linear in the run's length (its module doc says how); a
//! scan back over the run for every step, which it replaced, cost the
//! square (10 s a run of 10,000 steps in a debug build); it is kept under
//! `cfg(test)` to check it against, run by run.
//!
//! Departures and additions:
//!
//! * **The bound.** Under `max_preemptions(Some(p))`, reversing a race at
//!   step `i` by preempting `i`'s process may cost a deviation that the
//!   bound forbids, while running `p` before that process's whole run of
//!   steps would cost none. So, as Coons, Musuvathi and McKinley propose in
//!   "Bounded partial-order reduction" (OOPSLA 2013), `p` is also added
//!   where that run of steps began. Their soundness argument is for
//!   preemption bounding; we apply the rule to our deviation bound without
//!   a proof of our own, and test it against the unreduced search. That
//!   test found the rule too narrow: the cheap way into a reversed race
//!   can be a preemption at any earlier choice where `p` could run (at
//!   another process's yield, with the default choices after it doing
//!   the rest), so under a bound `p` is also added at every choice since
//!   its previous step where it was runnable.
//! * **Inert select orders.** A select's order decides only which of
//!   several ready arms wins, and where two of its arms wait in one
//!   channel's queue, which is served first. The selection reports, once
//!   it has used an order, whether another could have changed that (see
//!   `chan::choice`): not when the winner was the last enabled arm in the
//!   order (the arms before it were tried and were not ready, in any
//!   order), when no arm was ready and it waits on distinct channels
//!   (each registration sits at the same place in its queue whatever the
//!   order), or when it took `default`. Such an order's choice points are
//!   inert: every option gives the same run, so trying one is the whole
//!   class, and a select over independent channels does not multiply the
//!   schedules by the orders of its arms. (This plays the part of a sleep
//!   set for arm orders: the other options are known to repeat the run.)
//! * **Every race since the process's previous step.** Flanagan and
//!   Godefroid look for the latest race of a process's next step at every
//!   state of the run, not only where the step ran. So for step `j` of
//!   `p`, every race with a step after `p`'s previous step (or its
//!   spawning) is reversed, each of them the latest at the state just
//!   after it, and before that only the latest one. Reversing only the
//!   latest race of `j` loses schedules when `p` waited meanwhile (it
//!   could not run before the step that woke it, or before the steps of a
//!   process it joined): the generated programs of the tests found a send
//!   racing a close made after a join, and a main future's last step
//!   (dependent with every step) racing a close behind a yielding
//!   process's steps, where every run with the other order was missed.
//! * **No sleep sets** for process choices. The backtrack sets alone are
//!   sound; sleep sets would only save further runs.
//!
//! # What `complete()` guarantees
//!
//! `complete()` is true when the search ran out of options before
//! `max_schedules`. With `max_preemptions(None)` every equivalence class
//! of schedules (schedules that differ only in the order of independent
//! steps) was run at least once (the DPOR theorem, for programs whose runs
//! end). With a bound, the classes that contain a schedule within the
//! bound, to the extent the bounded rule above achieves it. Both assume
//! that the dependences the simulation sees are all there are: state shared
//! through `Arc<Mutex<_>>`, atomics or statics is invisible to the
//! reduction, and `explore` is then incomplete (use channels, or
//! `max_preemptions(None)` and check with `sim::check` as well).

use std::collections::BTreeSet;
use std::fmt;
use std::future::Future;

use super::assertions::Coverage;
use super::check::{env_schedule, report_coverage, shrink_if_enabled};
use super::executor::{self, Config};
use super::schedule::{ChoicePoint, Deviation, Kind};
use super::{Builder, SimError, Trace};

/// The result of a finished [`explore`](super::explore): how many
/// schedules ran, and whether the search was exhaustive.
///
/// ```
/// let explored = hoare::sim::explore(|| async {
///     let (tx, rx) = hoare::chan::bounded(0);
///     hoare::spawn(async move { tx.send(1).await.unwrap() });
///     assert_eq!(rx.recv().await, Ok(1));
/// });
/// assert!(explored.complete());
/// println!("{explored}"); // explored 2 schedules, all within 2 deviations
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Explored {
    schedules: u64,
    complete: bool,
    max_preemptions: Option<usize>,
}

impl Explored {
    /// How many complete runs the search made.
    pub fn schedules(&self) -> u64 {
        self.schedules
    }

    /// Whether every schedule the search covers was run before
    /// `max_schedules` (see [`explore`](super::explore) for what that
    /// covers).
    pub fn complete(&self) -> bool {
        self.complete
    }
}

impl fmt::Display for Explored {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bound = match self.max_preemptions {
            Some(bound) => format!("within {bound} deviations"),
            None => "with no bound on deviations".to_string(),
        };
        if self.complete {
            write!(f, "explored {} schedules, all {bound}", self.schedules)
        } else {
            write!(
                f,
                "explored {} schedules {bound} and stopped at Builder::max_schedules: the \
                 search is not complete",
                self.schedules
            )
        }
    }
}

/// Why an `explore` failed.
pub(crate) enum Failure {
    /// A run failed: its error and trace (shrunk unless `HOARE_SHRINK=0`),
    /// and what shrinking did.
    Run(Box<(SimError, Trace, Option<String>)>),
    /// An `assert_sometimes!` never held ([`SimError::Coverage`]).
    Coverage(SimError),
}

/// `Builder::explore` and `try_explore`: the search, or the one schedule
/// `HOARE_SCHEDULE` names, and the coverage record over all the runs.
pub(crate) fn explore_with<F, Fut>(builder: &Builder, make: &F) -> Result<Explored, Failure>
where
    F: Fn() -> Fut,
    Fut: Future,
{
    let coverage = Coverage::start();
    let config = builder.config();
    if let Some(token) = env_schedule() {
        let replay = builder.clone().replay(&token);
        let (result, trace) = executor::run(replay.config(), make());
        if let Err(error) = result {
            return Err(Failure::Run(Box::new((error, trace, None))));
        }
        report_coverage(&coverage, true);
        return Ok(Explored {
            schedules: 1,
            complete: false,
            max_preemptions: config.max_preemptions,
        });
    }
    match search(config, make, &mut |_| {}) {
        Outcome::Failed(error, trace) => {
            let (error, trace, summary) = shrink_if_enabled(config, make, error, *trace);
            Err(Failure::Run(Box::new((error, trace, summary))))
        }
        Outcome::Done(explored) => match coverage.never_held() {
            Some((name, tally)) => Err(Failure::Coverage(SimError::Coverage {
                name: name.to_string(),
                executed: tally.executed,
            })),
            None => {
                report_coverage(&coverage, false);
                Ok(explored)
            }
        },
    }
}

/// One choice point of the current path.
struct Node {
    kind: Kind,
    options: Vec<u64>,
    default: u64,
    taken: u64,
    tried: BTreeSet<u64>,
    backtrack: BTreeSet<u64>,
}

impl Node {
    fn new(point: &ChoicePoint) -> Self {
        let backtrack = match point.kind {
            Kind::Process => BTreeSet::from([point.taken]),
            _ if point.inert => BTreeSet::from([point.taken]),
            _ => point.options.iter().copied().collect(),
        };
        Node {
            kind: point.kind,
            options: point.options.clone(),
            default: point.default,
            taken: point.taken,
            tried: BTreeSet::from([point.taken]),
            backtrack,
        }
    }

    fn matches(&self, point: &ChoicePoint) -> bool {
        self.kind == point.kind && self.options == point.options && self.default == point.default
    }

    /// Marks `process` (or, if it is not an option here, every option) to
    /// be tried at this point.
    fn add_backtrack(&mut self, process: u64) {
        if self.options.contains(&process) {
            self.backtrack.insert(process);
        } else {
            self.backtrack.extend(self.options.iter().copied());
        }
    }
}

/// How a search ended.
pub(crate) enum Outcome {
    Done(Explored),
    Failed(SimError, Box<Trace>),
}

/// Runs the search for `config` (its bound and limit); `visit` sees the
/// trace of every passing run.
pub(crate) fn search<F, Fut>(config: &Config, make: &F, visit: &mut dyn FnMut(&Trace)) -> Outcome
where
    F: Fn() -> Fut,
    Fut: Future,
{
    let mut path: Vec<Node> = Vec::new();
    let mut prefix: Vec<Deviation> = Vec::new();
    let mut schedules = 0;
    let explored = |schedules, complete| Explored {
        schedules,
        complete,
        max_preemptions: config.max_preemptions,
    };
    loop {
        if schedules >= config.max_schedules {
            return Outcome::Done(explored(schedules, false));
        }
        let mut run = config.clone();
        run.replay = None;
        run.prefix = Some(prefix.clone());
        run.footprints = true;
        let (result, trace) = executor::run(&run, make());
        schedules += 1;
        if let Err(error) = result {
            if let SimError::ReplayMismatch { reason, .. } = &error {
                panic!(
                    "hoare::sim::explore: the program is not deterministic: replaying the \
                     choices of an earlier run did not fit ({reason}); a source of \
                     nondeterminism outside the simulation (threads, wall-clock time, HashMap \
                     order, I/O, state kept between runs) must go"
                );
            }
            return Outcome::Failed(error, Box::new(trace));
        }
        visit(&trace);
        let points = trace.points();
        if let Some(at) = path
            .iter()
            .zip(points)
            .position(|(node, point)| !node.matches(point))
            .or((points.len() < path.len()).then_some(points.len()))
        {
            panic!(
                "hoare::sim::explore: the program is not deterministic: replaying the same \
                 choices, choice {at} offered different options; a source of nondeterminism \
                 outside the simulation (threads, wall-clock time, HashMap order, I/O, state \
                 kept between runs) must go"
            );
        }
        for point in &points[path.len()..] {
            path.push(Node::new(point));
        }
        if !config.reduce {
            for node in &mut path {
                node.backtrack.extend(node.options.iter().copied());
            }
        } else if let Some(footprints) = trace.footprints() {
            races::add_backtracks(
                &mut path,
                points,
                footprints,
                config.max_preemptions.is_some(),
            );
        }
        match next_branch(&path, config.max_preemptions) {
            None => return Outcome::Done(explored(schedules, true)),
            Some((at, option)) => {
                path.truncate(at + 1);
                let node = &mut path[at];
                node.taken = option;
                node.tried.insert(option);
                prefix = path
                    .iter()
                    .enumerate()
                    .filter(|(_, node)| node.taken != node.default)
                    .map(|(index, node)| Deviation {
                        index: index as u64,
                        kind: node.kind,
                        value: node.taken,
                    })
                    .collect();
            }
        }
    }
}

/// The deepest point with an option to try within `bound`, and the option.
fn next_branch(path: &[Node], bound: Option<usize>) -> Option<(usize, u64)> {
    let mut deviations_before: Vec<usize> = Vec::with_capacity(path.len());
    let mut count = 0;
    for node in path {
        deviations_before.push(count);
        count += usize::from(node.taken != node.default);
    }
    (0..path.len()).rev().find_map(|at| {
        let node = &path[at];
        node.options
            .iter()
            .copied()
            .filter(|option| node.backtrack.contains(option) && !node.tried.contains(option))
            .find(|&option| {
                let cost = deviations_before[at] + usize::from(option != node.default);
                bound.is_none_or(|bound| cost <= bound)
            })
            .map(|option| (at, option))
    })
}

mod races;

#[cfg(test)]
mod generated;

#[cfg(test)]
mod reference;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chan;
    use std::collections::BTreeSet;

    /// The distinct results of every schedule of `make`'s search.
    fn results<F, Fut>(config: &Config, make: F) -> (BTreeSet<Vec<u32>>, u64)
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Vec<u32>>,
    {
        let seen = std::cell::RefCell::new(BTreeSet::new());
        let make = || {
            let fut = make();
            async {
                let out = fut.await;
                seen.borrow_mut().insert(out);
            }
        };
        match search(config, &make, &mut |_| {}) {
            Outcome::Done(explored) => {
                assert!(explored.complete());
                (seen.into_inner(), explored.schedules())
            }
            Outcome::Failed(error, _) => panic!("{error}"),
        }
    }

    /// Two senders on one channel, one of them twice and once on another,
    /// and a select over both channels.
    async fn racing_senders() -> Vec<u32> {
        let (tx, rx) = chan::unbounded();
        let (other, other_rx) = chan::bounded(1);
        for i in 0..2u32 {
            let tx = tx.clone();
            let other = other.clone();
            crate::spawn(async move {
                tx.send(i).await.unwrap();
                if i == 1 {
                    crate::yield_now().await;
                    let _ = other.try_send(10);
                    tx.send(i + 10).await.unwrap();
                }
            });
        }
        drop((tx, other));
        let mut order = vec![crate::select! {
            recv(rx) -> v => v.unwrap_or(99),
            recv(other_rx) -> v => v.unwrap_or(98),
        }];
        while let Ok(v) = rx.recv().await {
            order.push(v);
        }
        order.push(other_rx.try_recv().unwrap_or(0));
        order
    }

    /// A rendezvous hand-off, a biased select over two senders (no choice
    /// of its own, so its steps are not global), a join handle, a channel
    /// closed by a process's end, and a process that only yields.
    async fn rendezvous_and_joins() -> Vec<u32> {
        let (tx, rx) = chan::bounded::<u32>(0);
        let (other, other_rx) = chan::bounded::<u32>(1);
        let sender = {
            let tx = tx.clone();
            crate::spawn(async move {
                tx.send(1).await.unwrap();
                2
            })
        };
        crate::spawn(async move {
            let _ = other.send(3).await;
        });
        crate::spawn(async {
            crate::yield_now().await;
            crate::yield_now().await;
        });
        drop(tx);
        let mut order = Vec::new();
        for _ in 0..2 {
            crate::select! {
                biased;
                recv(rx) -> v => order.push(v.unwrap_or(90)),
                recv(other_rx) -> v => order.push(v.unwrap_or(80)),
            }
        }
        order.push(rx.recv().await.unwrap_or(70));
        order.push(sender.await.unwrap());
        order
    }

    #[test]
    fn the_reduction_finds_every_result_of_handoffs_selects_and_joins() {
        assert_reduction_keeps_results(
            rendezvous_and_joins,
            &[Some(0), Some(1), Some(2), Some(3), None],
        );
    }

    /// Three producers, each sending one value on its own channel, and a
    /// process that selects over the three channels until it has a value
    /// from each (a guard turns an arm off once its value is in).
    async fn select_over_independent_channels() -> Vec<u32> {
        let mut receivers = Vec::new();
        for i in 0..3u32 {
            let (tx, rx) = chan::bounded(1);
            crate::spawn(async move { tx.send(i).await.unwrap() });
            receivers.push(rx);
        }
        let mut got = [false; 3];
        let mut order = Vec::new();
        while order.len() < 3 {
            let value = crate::select! {
                recv(receivers[0]) -> v if !got[0] => v.unwrap(),
                recv(receivers[1]) -> v if !got[1] => v.unwrap(),
                recv(receivers[2]) -> v if !got[2] => v.unwrap(),
            };
            got[value as usize] = true;
            order.push(value);
        }
        order
    }

    /// A select with two arms on one channel: which arm a sender serves
    /// depends on the order the arms registered in.
    async fn two_arms_on_one_channel() -> Vec<u32> {
        let (tx, rx) = chan::bounded::<u32>(0);
        crate::spawn(async move { tx.send(7).await.unwrap() });
        let arm = crate::select! {
            recv(rx) -> _ => 1,
            recv(rx) -> _ => 2,
        };
        vec![arm]
    }

    #[test]
    fn a_select_over_independent_channels_runs_each_arrival_order_once() {
        assert_reduction_keeps_results(
            select_over_independent_channels,
            &[Some(0), Some(1), Some(2), None],
        );
        let (orders, runs) = results(&config(None, true), select_over_independent_channels);
        assert_eq!(
            orders.len(),
            6,
            "every order of the three values: {orders:?}"
        );
        // Exact, as every count of a deterministic search: 66 schedules
        // against the full search's 5184 (which tries every arm order of
        // every select, as the reduction did while any select's step
        // counted as dependent with every other).
        let (_, full_runs) = results(&config(None, false), select_over_independent_channels);
        assert_eq!((runs, full_runs), (66, 5184));
    }

    #[test]
    fn arms_registered_on_one_channel_keep_their_order_as_a_choice() {
        assert_reduction_keeps_results(two_arms_on_one_channel, &[Some(0), Some(1), None]);
        let (arms, _) = results(&config(None, true), two_arms_on_one_channel);
        assert_eq!(arms.len(), 2, "both arms can win: {arms:?}");
    }

    /// The reduced search finds the same results as the full one, in no
    /// more runs, for each bound.
    fn assert_reduction_keeps_results<F, Fut>(make: F, bounds: &[Option<usize>])
    where
        F: Fn() -> Fut + Copy,
        Fut: Future<Output = Vec<u32>>,
    {
        for &bound in bounds {
            let (full, full_runs) = results(&config(bound, false), make);
            let (reduced, reduced_runs) = results(&config(bound, true), make);
            assert_eq!(reduced, full, "bound {bound:?}");
            assert!(
                reduced_runs <= full_runs,
                "bound {bound:?}: {reduced_runs} > {full_runs}"
            );
        }
    }

    fn config(bound: Option<usize>, reduce: bool) -> Config {
        let mut config = crate::sim::Builder::new()
            .max_preemptions(bound)
            .max_schedules(20_000)
            .config()
            .clone();
        config.reduce = reduce;
        config
    }

    /// Found by the generated programs (`generated`): the main future's
    /// send races a close that a process can make only once a join
    /// returns, and the joined process's end is in turn ordered by a race
    /// on a second channel. Every run where the close comes first has the
    /// two closes of the second channel in the other order too.
    async fn a_close_behind_a_join_racing_a_send() -> Vec<u32> {
        let (tx, rx) = chan::bounded::<u32>(1);
        let (other_tx, other_rx) = chan::bounded::<u32>(1);
        let first = crate::spawn(async move { other_rx.close() });
        let second = crate::spawn(async move { other_tx.close() });
        let third = crate::spawn(async move {
            let first = first.await.unwrap();
            (first, rx.close())
        });
        let second = second.await.unwrap();
        let sent = tx.send(1).await.is_ok();
        let (first, third) = third.await.unwrap();
        [sent, first, second, third].map(u32::from).to_vec()
    }

    #[test]
    fn a_step_enabled_by_a_join_still_races_the_steps_before_the_join() {
        assert_reduction_keeps_results(
            a_close_behind_a_join_racing_a_send,
            &[Some(0), Some(1), Some(2), None],
        );
    }

    /// Found by the generated programs too: the main future waits for a
    /// process that only yields, then sends on a channel that another
    /// process closes, in its last step. The race of that step with the
    /// close lies behind the yielding process's steps, which the last
    /// step (dependent with every step) also races with.
    async fn a_send_behind_a_join_of_a_yielding_process() -> Vec<u32> {
        let (tx, _rx) = chan::bounded::<u32>(1);
        let closer = {
            let tx = tx.clone();
            crate::spawn(async move { tx.close() })
        };
        let yielder = crate::spawn(async {
            crate::yield_now().await;
            crate::yield_now().await;
        });
        yielder.await.unwrap();
        let sent = tx.try_send(1).is_ok();
        let closed = closer.await.unwrap();
        [sent, closed].map(u32::from).to_vec()
    }

    #[test]
    fn a_step_races_every_step_made_while_its_process_waited() {
        assert_reduction_keeps_results(
            a_send_behind_a_join_of_a_yielding_process,
            &[Some(0), Some(1), Some(2), None],
        );
    }

    /// Found by the generated programs (seed 1886), at bound 2 only. The
    /// run that matters preempts `P1` at its yield for `P2` (whose
    /// `try_recv` is the only receiver of `a`, so its end closes `a`
    /// before the main future's send on it), and then needs no third
    /// deviation: the main future fills `b` and waits, and `P3`, the
    /// lowest-numbered process, takes `P1`'s value. `P2` races with no
    /// step at that yield; it races with the main future's later send.
    async fn a_race_reached_by_preempting_at_an_earlier_yield() -> Vec<u32> {
        let (a_tx, a_rx) = chan::bounded::<u32>(2);
        let (b_tx, b_rx) = chan::bounded::<u32>(2);
        let p3 = {
            let b_rx = b_rx.clone();
            crate::spawn(async move { b_rx.recv().await.unwrap_or(0) })
        };
        let p2 = crate::spawn(async move { a_rx.try_recv().unwrap_or(0) });
        let p1 = {
            let (a_tx, b_tx) = (a_tx.clone(), b_tx.clone());
            crate::spawn(async move {
                let arm = crate::select! {
                    send(b_tx, 110) -> _ => 1,
                    send(a_tx, 110) -> _ => 2,
                };
                crate::yield_now().await;
                (arm, b_rx.recv().await.unwrap_or(0))
            })
        };
        crate::yield_now().await;
        b_tx.send(101).await.unwrap();
        b_tx.send(102).await.unwrap();
        let sent = u32::from(a_tx.send(103).await.is_ok());
        drop((a_tx, b_tx));
        let (arm, got) = p1.await.unwrap();
        vec![sent, arm, got, p2.await.unwrap(), p3.await.unwrap()]
    }

    #[test]
    fn under_a_bound_a_race_is_also_reversed_at_the_earlier_choices() {
        assert_reduction_keeps_results(
            a_race_reached_by_preempting_at_an_earlier_yield,
            &[Some(0), Some(1), Some(2), Some(3), None],
        );
    }

    #[test]
    fn the_reduction_finds_every_result_the_full_search_finds() {
        assert_reduction_keeps_results(racing_senders, &[Some(0), Some(1), Some(2), None]);
    }

    #[test]
    fn no_schedule_exceeds_the_bound() {
        for bound in [0, 1, 2, 3] {
            let mut most = 0;
            let mut runs = 0;
            let outcome = search(&config(Some(bound), false), &racing_senders, &mut |trace| {
                most = most.max(trace.preemptions());
                runs += 1;
            });
            assert!(matches!(outcome, Outcome::Done(_)));
            assert!(
                most <= bound as u64,
                "bound {bound}: a schedule had {most} deviations"
            );
            assert!(runs > 1 || bound == 0);
        }
    }

    #[test]
    fn next_branch_skips_options_beyond_the_bound_and_tried_ones() {
        let point = ChoicePoint {
            kind: Kind::Arm,
            step: 1,
            options: vec![0, 1, 2],
            default: 0,
            taken: 0,
            inert: false,
        };
        let mut path = vec![Node::new(&point), Node::new(&point)];
        assert_eq!(next_branch(&path, Some(1)), Some((1, 1)));
        path[0].taken = 1;
        path[0].tried.insert(1);
        path[1].tried.extend([1, 2]);
        assert_eq!(next_branch(&path, Some(1)), Some((0, 2)), "node 1 is spent");
        assert_eq!(
            next_branch(&path, Some(0)),
            None,
            "every option left deviates"
        );
    }
}
