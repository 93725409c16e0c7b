//! The random choices of a selection: the order in which its arms are
//! tried and registered, and so which ready arm wins.
//!
//! A per-thread xorshift64* generator is fast (a few arithmetic
//! operations) and good enough for a uniform choice among a handful of
//! arms; the selection draws from it one position at a time, only as far
//! as its try pass goes ([`below`]; see `Order` in `selection.rs`). Each
//! thread seeds it on first use from std's `RandomState`, whose keys are
//! random per process and advance per call, so threads start from
//! different states. Under `cfg(loom)` the seed is a constant: a
//! loom model must make the same choices in every execution it explores,
//! or loom cannot replay its interleavings.
//!
//! A simulation installs its own [`Source`] with [`with_source`]. It
//! builds the order one position at a time: for each position but the
//! last, it chooses which of the arms not yet placed comes next (`0`: the
//! first of them in written order). Uniform choices give a uniform
//! permutation, so a simulated select is as fair among ready arms as a
//! real one; a simulation that records the choices replays the selection
//! exactly; and all defaults give the written order.
//!
//! Once the selection has used an order it reports, through [`settled`],
//! whether another order could have changed what happened (an arm after
//! the winner was enabled and might have been ready, or two arms wait in
//! one channel's queue, where the order of registration decides), so that
//! `explore` does not try orders that all give the same run.

use std::cell::{Cell, RefCell};

use crate::sync::thread_local;

/// The choices of a simulation's selections.
pub(crate) trait Source {
    /// Which of the `remaining` (`>= 2`) arms not yet placed, counted in
    /// written order, goes next: a number in `0..remaining`.
    fn next(&mut self, remaining: usize) -> usize;
    /// The selection that drew the last order has used it: `mattered` is
    /// `false` when every order would have given the same outcome.
    fn settled(&mut self, mattered: bool);
}

thread_local! {
    static STATE: Cell<u64> = Cell::new(0);
    static OVERRIDE: RefCell<Option<Box<dyn Source>>> = RefCell::new(None);
    /// Whether `OVERRIDE` holds a source: a flag with no destructor, so
    /// that every selection's look at it is a plain thread-local read.
    static SIMULATING: Cell<bool> = Cell::new(false);
}

/// Whether a simulation's [`Source`] chooses this thread's orders.
#[inline]
pub(crate) fn simulating() -> bool {
    SIMULATING.with(Cell::get)
}

/// Runs `f` with `source` providing this thread's select choices, and
/// gives the source back.
pub(crate) fn with_source<R>(
    source: Box<dyn Source>,
    f: impl FnOnce() -> R,
) -> (R, Box<dyn Source>) {
    struct Restore(Option<Box<dyn Source>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let previous = self.0.take();
            SIMULATING.with(|flag| flag.set(previous.is_some()));
            OVERRIDE.with(|slot| *slot.borrow_mut() = previous);
        }
    }
    let previous = OVERRIDE.with(|slot| slot.borrow_mut().replace(source));
    SIMULATING.with(|flag| flag.set(true));
    let restore = Restore(previous);
    let result = f();
    let installed = OVERRIDE
        .with(|slot| slot.borrow_mut().take())
        .expect("hoare: the select random source vanished");
    drop(restore);
    (result, installed)
}

#[cfg(loom)]
fn seed() -> u64 {
    0x9E37_79B9_7F4A_7C15
}

#[cfg(not(loom))]
#[cold]
#[inline(never)]
fn seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    // std's `RandomState` is randomly keyed per process and its keys
    // advance per call, so every thread starts from a different state.
    std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish()
        | 1
}

/// A uniform number in `0..n` (`n > 0`) from this thread's generator.
///
/// Two small thread-local accesses rather than one closure around the
/// whole step: a select's try pass calls this on every poll, and LLVM
/// inlines the small ones reliably (it left the larger closure out of
/// line in some callers, a call per select).
#[inline(always)]
pub(crate) fn below(n: usize) -> usize {
    let mut x = STATE.with(Cell::get);
    if x == 0 {
        x = seed();
    }
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    STATE.with(|state| state.set(x));
    scale(x.wrapping_mul(0x2545_F491_4F6C_DD1D), n)
}

/// A uniform number in `0..n` (`n > 0`) from the random `value`, by
/// Lemire's multiply-shift.
fn scale(value: u64, n: usize) -> usize {
    (((value >> 32) * (n as u64)) >> 32) as usize
}

/// Rearranges `order` (the identity permutation) into the one the
/// installed simulation source chooses; `false` (order unchanged) if no
/// source is installed. The selection then reports to [`settled`].
pub(crate) fn simulated_shuffle(order: &mut [usize]) -> bool {
    OVERRIDE.with(|slot| {
        let mut slot = slot.borrow_mut();
        let Some(source) = slot.as_mut() else {
            return false;
        };
        // `order[position..]` holds the arms not yet placed, in written
        // order; the chosen one moves to `position`, the others keep
        // their order behind it.
        for position in 0..order.len().saturating_sub(1) {
            let chosen = source.next(order.len() - position);
            order[position..=position + chosen].rotate_right(1);
        }
        true
    })
}

/// Tells the simulation's source whether the order its last choices made
/// could have changed the selection's outcome (see the module docs).
/// Called only for an order [`simulated_shuffle`] took from a source.
pub(crate) fn settled(mattered: bool) {
    OVERRIDE.with(|slot| {
        if let Some(source) = slot.borrow_mut().as_mut() {
            source.settled(mattered);
        }
    });
}
