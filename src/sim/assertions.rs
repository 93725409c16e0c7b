//! Coverage assertions and fault injection: what `assert_always!`,
//! `assert_sometimes!`, `assert_unreachable!` and `buggify!` do.
//!
//! The idea is the Antithesis/FoundationDB practice: a property that must
//! hold in every run (`always`), a state the tests must reach at least once
//! over many runs (`sometimes`), a path no run may take (`unreachable`), and
//! call sites that inject rare behaviour only under simulation (`buggify`).
//!
//! # Who records what
//!
//! * A failed `always` or a reached `unreachable` inside a simulation is
//!   recorded in the run first ([`executor::fail_assertion`]) and only then
//!   panics, so that the process stops where the property broke. The run
//!   fails with [`SimError::Assertion`](super::SimError::Assertion) from
//!   the record, whatever became of the panic: caught by `catch_unwind`,
//!   or turned into a `JoinError` for a parent that awaits the handle.
//! * `sometimes` counts, per name, how often it was executed and how often
//!   its condition held, into the record of the `check` or `explore` call
//!   running on this thread ([`Coverage`]); a plain run has no record and
//!   the assertion does nothing there. The record is a thread-local, so
//!   tests running in parallel on their own threads do not mix.
//! * Outside a simulation `always` and `unreachable` behave like
//!   `debug_assert!` (the macro passes the caller's `cfg!(debug_assertions)`),
//!   `sometimes` does nothing and `buggify` is `false`.
//!
//! Inside a simulation every evaluation of `always` and `sometimes` (its
//! name and whether it held) is also an observation of the run: it goes
//! into the trace's fingerprint, so `HOARE_CHECK_DETERMINISM` and the
//! replay check of a failing seed compare what the assertions saw, not
//! only the schedule.
//!
//! The name is the key: a name used as a format string keys the assertion
//! by the literal, and its arguments only add to the message.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt;

use super::executor;
use crate::sync::thread_local;

/// How often one `assert_sometimes!` was executed, and held.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Tally {
    pub(crate) executed: u64,
    pub(crate) held: u64,
}

thread_local! {
    /// The record of the `check`/`explore` call running on this thread.
    static RECORD: RefCell<Option<BTreeMap<&'static str, Tally>>> = RefCell::new(None);
}

/// The `assert_sometimes!` record of one `check` or `explore` call; the
/// previous record (of an enclosing call) comes back on drop.
pub(crate) struct Coverage {
    previous: Option<BTreeMap<&'static str, Tally>>,
}

impl Coverage {
    /// Starts an empty record on this thread.
    pub(crate) fn start() -> Self {
        let previous = RECORD.with(|record| record.borrow_mut().replace(BTreeMap::new()));
        Coverage { previous }
    }

    /// The tallies so far, by name.
    pub(crate) fn tallies(&self) -> BTreeMap<&'static str, Tally> {
        RECORD.with(|record| record.borrow().clone().unwrap_or_default())
    }

    /// The first assertion that was executed and never held.
    pub(crate) fn never_held(&self) -> Option<(&'static str, Tally)> {
        self.tallies()
            .into_iter()
            .find(|(_, tally)| tally.executed > 0 && tally.held == 0)
    }

    /// One line per assertion: how often it held.
    pub(crate) fn summary(&self) -> String {
        let mut text = String::new();
        for (name, tally) in self.tallies() {
            text.push_str(&format!(
                "  assert_sometimes!({name:?}) held {} of {} times\n",
                tally.held, tally.executed
            ));
        }
        text
    }
}

impl Drop for Coverage {
    fn drop(&mut self) {
        let previous = self.previous.take();
        RECORD.with(|record| *record.borrow_mut() = previous);
    }
}

/// The message of a failed assertion: the name, or the name formatted with
/// its arguments.
fn message(name: &str, arguments: Option<fmt::Arguments<'_>>) -> String {
    match arguments {
        Some(arguments) => arguments.to_string(),
        None => name.to_string(),
    }
}

/// `assert_always!`.
#[track_caller]
pub fn always(
    condition: bool,
    name: &'static str,
    arguments: Option<fmt::Arguments<'_>>,
    debug_assertions: bool,
) {
    executor::observe(|| format!("assert_always {name:?} {condition}"));
    if condition {
        return;
    }
    let message = message(name, arguments);
    if executor::fail_assertion(name, &message) {
        panic!("hoare: assert_always!({name:?}) failed: {message}");
    }
    if debug_assertions {
        panic!(
            "hoare: assert_always!({name:?}) failed: {message} (outside a simulation this is a \
             debug_assert!)"
        );
    }
}

/// `assert_unreachable!`.
#[track_caller]
pub fn unreachable(
    name: &'static str,
    arguments: Option<fmt::Arguments<'_>>,
    debug_assertions: bool,
) {
    let message = message(name, arguments);
    if executor::fail_assertion(name, &message) {
        panic!("hoare: assert_unreachable!({name:?}) was reached: {message}");
    }
    if debug_assertions {
        panic!(
            "hoare: assert_unreachable!({name:?}) was reached: {message} (outside a simulation \
             this is a debug_assert!)"
        );
    }
}

/// `assert_sometimes!`: counted in this thread's `check`/`explore` record,
/// inside a simulation only.
pub fn sometimes(condition: bool, name: &'static str) {
    if !executor::observe(|| format!("assert_sometimes {name:?} {condition}")) {
        return;
    }
    RECORD.with(|record| {
        if let Some(record) = record.borrow_mut().as_mut() {
            let tally = record.entry(name).or_default();
            tally.executed += 1;
            tally.held += u64::from(condition);
        }
    });
}

/// `buggify!`: `false` outside a simulation; inside, the run's choice for
/// the call site `file:line:column`.
pub fn buggify(file: &'static str, line: u32, column: u32) -> bool {
    executor::buggify(file, line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_coverage_record_is_per_call_and_restores_the_enclosing_one() {
        let outer = Coverage::start();
        RECORD.with(|record| {
            record.borrow_mut().as_mut().unwrap().insert(
                "outer",
                Tally {
                    executed: 1,
                    held: 0,
                },
            );
        });
        {
            let inner = Coverage::start();
            assert!(inner.tallies().is_empty());
        }
        assert_eq!(outer.never_held().map(|(name, _)| name), Some("outer"));
    }
}
