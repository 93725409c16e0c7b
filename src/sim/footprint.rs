//! What each step of a run touched, for `explore`'s partial-order
//! reduction.
//!
//! Two steps are *dependent* when they touch a common object: a channel
//! (any operation on it, its closing, a snapshot of its state), a
//! process's `JoinHandle` (awaiting it, `is_finished`, `abort`, dropping
//! it, and the process's completion), or a process (waking it, which is
//! how two steps race to complete the same waiting select, and the
//! process's own step). A step is dependent with every other step
//! (*global*) when it completes the main future (which drops every live
//! process) or makes a choice of its own (a select's arm order, a
//! `buggify!` draw): its footprint then depends on that choice, and
//! treating it as global keeps the reduction sound without knowing the
//! footprints of the alternatives. A virtual-time jump between two steps
//! orders everything before it before everything after it. A timer is
//! used only by the future that owns it between jumps and fires only at a
//! jump, so timers need no object of their own (a timer channel such as
//! `time::after` is a channel). Allocating process and channel numbers and
//! yielding are not dependences.
//!
//! Only what reaches the simulation through `runtime::hooks` is seen:
//! state shared through `Arc<Mutex<_>>`, atomics or statics is invisible,
//! and steps that race only through it count as independent.

use std::collections::{BTreeMap, BTreeSet};

use crate::runtime::hooks::Touched;

/// An object a step can touch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Object {
    Channel(u64),
    Join(u64),
    Process(u64),
}

impl From<Touched> for Object {
    fn from(touched: Touched) -> Self {
        match touched {
            Touched::Channel(id) => Object::Channel(id),
            Touched::Join(process) => Object::Join(process),
        }
    }
}

/// What one step touched.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Footprint {
    pub(crate) global: bool,
    pub(crate) objects: BTreeSet<Object>,
}

impl Footprint {
    /// Whether the two steps must keep their order: the definition that
    /// `explore`'s race detection implements through per-object lists of
    /// steps, and that its tests' reference implementation applies pair
    /// by pair.
    #[cfg(test)]
    pub(crate) fn depends_on(&self, other: &Footprint) -> bool {
        self.global || other.global || !self.objects.is_disjoint(&other.objects)
    }
}

/// One step of a run, as the reduction sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct StepRecord {
    /// The process polled.
    pub(crate) process: u64,
    pub(crate) footprint: Footprint,
    /// Virtual time jumped just before this step.
    pub(crate) after_jump: bool,
}

/// The steps of a run and the step during which each process was spawned
/// (`0`: before the first step).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Footprints {
    pub(crate) steps: Vec<StepRecord>,
    pub(crate) spawned_during: BTreeMap<u64, u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touching(objects: &[Object]) -> Footprint {
        Footprint {
            global: false,
            objects: objects.iter().copied().collect(),
        }
    }

    #[test]
    fn steps_depend_when_they_share_an_object_or_one_is_global() {
        let a = touching(&[Object::Channel(1)]);
        let b = touching(&[Object::Channel(2), Object::Process(3)]);
        let c = touching(&[Object::Channel(2)]);
        assert!(!a.depends_on(&b));
        assert!(b.depends_on(&c));
        let global = Footprint {
            global: true,
            objects: BTreeSet::new(),
        };
        assert!(global.depends_on(&a) && a.depends_on(&global));
    }
}
