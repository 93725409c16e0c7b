//! Race detection: the backtrack points one run adds to the search's path.
//!
//! The rule is the module doc's of `explore`: for step `j` of process `p`,
//! a *race* is an earlier step `i` of another process that is dependent
//! with `j` (see `footprint`), lies after the latest virtual-time jump at
//! or before `j`, and does not happen before `p`'s previous step (or its
//! spawning). Every race after `p`'s previous step is reversed, and of
//! the races before it, the latest one. Reversing `i` adds `p` to the
//! backtrack set of the choice before `i` (or every runnable process, if
//! `p` was not one); under a bound, also where `i`'s run of steps of its
//! process began, and at every choice since `p`'s previous step, up to
//! the latest race, where `p` was runnable. A run ending with the main
//! future's completion adds every process runnable before that step.
//!
//! # Near-linear, as in the DPOR literature
//!
//! Flanagan and Godefroid (POPL 2005) keep a vector clock per step and,
//! per object, the last step that touched it. A scan back over the run
//! for every step costs the square of the run's length; this pass goes
//! forward once, keeping:
//!
//! * **Vector clocks** (`Clock`): for each process, one more than the
//!   index of its latest step that happens before (program order,
//!   spawning, dependence, and time jumps, which order everything before
//!   them before everything after). A step's clock is its process's
//!   previous clock (or its spawner's at the spawn) joined with the
//!   clocks of the latest step on each object it touches, of the latest
//!   global step and of everything before the latest jump (a global step
//!   joins every earlier step: the running maximum). Every step that
//!   shares an object with `j` happens before that object's latest step,
//!   so these few joins are the join over every dependent earlier step.
//! * **Accesses per object** (and the list of global steps), in run order.
//!   The steps dependent with a non-global `j` are those lists' entries;
//!   each list is a chain in happens-before (its steps are pairwise
//!   dependent). So, walking a list back from `j`: an entry that happens
//!   before `p`'s previous step, or is `p`'s own, ends the walk (every
//!   earlier entry happens before it), and the first entry at or before
//!   that previous step ends it too, as the latest race there on that
//!   list. A global `j` is dependent with every step: it walks the steps
//!   since `p`'s previous one, and takes the latest race before it from
//!   each process's latest step there (the same chain argument, by
//!   program order).
//! * **Where each run of one process's steps began**, computed once.
//!
//! A step's walk covers only entries after its process's previous step
//! plus one per list, and each entry falls in one window of each process:
//! the work is linear in the run's length times the number of processes
//! and objects a step touches, plus the backtrack points the rule adds.
//! The scanning implementation this replaces is kept for the tests
//! (`reference`), which compare the two on every run of many searches.

use std::collections::BTreeMap;
use std::rc::Rc;

use super::Node;
use crate::sim::footprint::{Footprints, Object, StepRecord};
use crate::sim::schedule::{ChoicePoint, Kind};

/// For each process (by number), one more than the index of its latest
/// step that happens before; 0 for none.
type Clock = Vec<usize>;

/// The steps that touched one object, and the clock of the latest.
struct Accesses {
    steps: Vec<usize>,
    latest: Rc<Clock>,
}

/// Adds the backtrack points of the races in one run (see the module
/// doc); returns the work done (list entries and clock entries visited),
/// which the tests bound.
pub(super) fn add_backtracks(
    path: &mut [Node],
    points: &[ChoicePoint],
    footprints: &Footprints,
    bounded: bool,
) -> u64 {
    let mut races = Races::new(path, points, footprints, bounded);
    for j in 0..footprints.steps.len() {
        races.step(j);
    }
    races.main_completion();
    races.work
}

/// The state of the forward pass.
struct Races<'a> {
    path: &'a mut [Node],
    steps: &'a [StepRecord],
    spawned_during: &'a BTreeMap<u64, u64>,
    bounded: bool,
    /// The process choice before each step, by step index.
    node_at_step: Vec<Option<usize>>,
    /// Where the run of one process's steps containing each step began.
    run_start: Vec<usize>,
    /// The processes spawned during each step, by step index.
    spawned_at: BTreeMap<usize, Vec<usize>>,
    /// The number of processes: every clock's length.
    width: usize,
    /// Each process's clock after its latest step, or at its spawning.
    clock_of: Vec<Option<Rc<Clock>>>,
    previous_of: Vec<Option<usize>>,
    /// Each process's steps so far.
    steps_of: Vec<Vec<usize>>,
    objects: BTreeMap<Object, Accesses>,
    globals: Vec<usize>,
    global_clock: Option<Rc<Clock>>,
    /// The join of every step's clock so far.
    everything: Clock,
    /// The index of the latest time jump, and the join of every step
    /// before it.
    jump: Option<(usize, Clock)>,
    /// Races of the current step after its process's previous step.
    after: Vec<usize>,
    work: u64,
}

impl<'a> Races<'a> {
    fn new(
        path: &'a mut [Node],
        points: &[ChoicePoint],
        footprints: &'a Footprints,
        bounded: bool,
    ) -> Self {
        let steps = &footprints.steps[..];
        let mut node_at_step = vec![None; steps.len()];
        for (index, point) in points.iter().enumerate() {
            let step = point.step as usize;
            if point.kind == Kind::Process && (1..=steps.len()).contains(&step) {
                node_at_step[step - 1] = Some(index);
            }
        }
        let mut run_start = Vec::with_capacity(steps.len());
        for (i, step) in steps.iter().enumerate() {
            let continues = i > 0 && steps[i - 1].process == step.process && !step.after_jump;
            run_start.push(if continues { run_start[i - 1] } else { i });
        }
        let mut spawned_at: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for (&process, &during) in &footprints.spawned_during {
            if during > 0 {
                spawned_at
                    .entry(during as usize - 1)
                    .or_default()
                    .push(process as usize);
            }
        }
        let width = steps
            .iter()
            .map(|step| step.process)
            .chain(footprints.spawned_during.keys().copied())
            .max()
            .map_or(0, |process| process as usize + 1);
        Races {
            path,
            steps,
            spawned_during: &footprints.spawned_during,
            bounded,
            node_at_step,
            run_start,
            spawned_at,
            width,
            clock_of: vec![None; width],
            previous_of: vec![None; width],
            steps_of: vec![Vec::new(); width],
            objects: BTreeMap::new(),
            globals: Vec::new(),
            global_clock: None,
            everything: vec![0; width],
            jump: None,
            after: Vec::new(),
            work: 0,
        }
    }

    fn step(&mut self, j: usize) {
        if self.steps[j].after_jump {
            self.jump = Some((j, self.everything.clone()));
            self.work += self.width as u64;
        }
        self.reverse_races(j);
        self.record(j);
    }

    /// The steps after `process`'s previous step (or its spawning) start
    /// after this index.
    fn window(&self, process: usize) -> usize {
        match self.previous_of[process] {
            Some(previous) => previous,
            None => self
                .spawned_during
                .get(&(process as u64))
                .map_or(0, |&during| during as usize)
                .saturating_sub(1),
        }
    }

    /// Finds the races of step `j` and adds their backtrack points.
    fn reverse_races(&mut self, j: usize) {
        let step = &self.steps[j];
        let process = step.process as usize;
        let window = self.window(process);
        let lowest = self.jump.as_ref().map_or(0, |&(jump, _)| jump);
        let seen = self.clock_of[process].clone();
        let steps = self.steps;
        // `i` is a race of `j` if it is dependent (the caller's to know),
        // of another process, and not before `process`'s previous step.
        let is_race = |i: usize| {
            let other = steps[i].process as usize;
            other != process && seen.as_ref().is_none_or(|clock| clock[other] <= i)
        };
        self.after.clear();
        let mut latest_before = None;
        if step.footprint.global {
            for i in (lowest.max(window + 1)..j).rev() {
                self.work += 1;
                if is_race(i) {
                    self.after.push(i);
                }
            }
            for steps_of in &self.steps_of {
                self.work += 1;
                let count = steps_of.partition_point(|&i| i <= window);
                if let Some(&i) = count.checked_sub(1).map(|last| &steps_of[last]) {
                    if i >= lowest && is_race(i) {
                        latest_before = latest_before.max(Some(i));
                    }
                }
            }
        } else {
            let lists = step
                .footprint
                .objects
                .iter()
                .filter_map(|object| self.objects.get(object))
                .map(|accesses| &accesses.steps)
                .chain([&self.globals]);
            for list in lists {
                for &i in list.iter().rev() {
                    self.work += 1;
                    if i < lowest || !is_race(i) {
                        break;
                    }
                    if i > window {
                        self.after.push(i);
                    } else {
                        latest_before = latest_before.max(Some(i));
                        break;
                    }
                }
            }
        }
        let after = std::mem::take(&mut self.after);
        for &i in after.iter().chain(&latest_before) {
            self.add_at(i, process as u64);
            if self.bounded && self.run_start[i] < i {
                self.add_at(self.run_start[i], process as u64);
            }
        }
        if self.bounded {
            // Wherever `process` was runnable between its previous step
            // and its latest race: a preemption there may be the cheaper
            // way into the reversed race (at a yield of another process,
            // say, with the default choices after it doing the rest).
            let latest = after.iter().copied().max().unwrap_or(0);
            for k in window + 1..latest {
                self.work += 1;
                if let Some(node) = self.node_at_step[k] {
                    let node = &mut self.path[node];
                    if node.options.contains(&(process as u64)) {
                        node.backtrack.insert(process as u64);
                    }
                }
            }
        }
        self.after = after;
    }

    /// Adds `process` at the choice before step `i`.
    fn add_at(&mut self, i: usize, process: u64) {
        if let Some(node) = self.node_at_step[i] {
            self.path[node].add_backtrack(process);
        }
    }

    /// Step `j`'s clock, and the state the later steps read.
    fn record(&mut self, j: usize) {
        let step = &self.steps[j];
        let process = step.process as usize;
        let mut clock = match &self.clock_of[process] {
            Some(clock) => Clock::clone(clock),
            None => vec![0; self.width],
        };
        let mut join = |from: &Clock| {
            self.work += from.len() as u64;
            for (entry, &other) in clock.iter_mut().zip(from) {
                *entry = (*entry).max(other);
            }
        };
        if let Some((_, before_jump)) = &self.jump {
            join(before_jump);
        }
        if step.footprint.global {
            join(&self.everything);
        } else {
            for object in &step.footprint.objects {
                if let Some(accesses) = self.objects.get(object) {
                    join(&accesses.latest);
                }
            }
            if let Some(global) = &self.global_clock {
                join(global);
            }
        }
        clock[process] = j + 1;
        let clock = Rc::new(clock);
        for object in &step.footprint.objects {
            let accesses = self.objects.entry(*object).or_insert_with(|| Accesses {
                steps: Vec::new(),
                latest: clock.clone(),
            });
            accesses.steps.push(j);
            accesses.latest = clock.clone();
        }
        if step.footprint.global {
            self.globals.push(j);
            self.global_clock = Some(clock.clone());
        }
        self.everything[process] = j + 1;
        self.steps_of[process].push(j);
        self.previous_of[process] = Some(j);
        for &child in self.spawned_at.get(&j).into_iter().flatten() {
            self.clock_of[child] = Some(clock.clone());
        }
        self.clock_of[process] = Some(clock);
    }

    /// The main future's completion drops every live process: any process
    /// runnable before it could have run first.
    fn main_completion(&mut self) {
        let Some(last) = self.steps.last().filter(|step| step.footprint.global) else {
            return;
        };
        if let Some(node) = self.node_at_step[self.steps.len() - 1] {
            let options = self.path[node].options.clone();
            for option in options {
                if option != last.process {
                    self.path[node].add_backtrack(option);
                }
            }
        }
    }
}
