//! The random choices of a selection: the order in which its arms are
//! tried and registered, and so which ready arm wins.
//!
//! A per-thread xorshift64* generator is fast (a few arithmetic
//! operations) and good enough for a uniform choice among a handful of
//! arms. Each thread seeds it on first use from std's `RandomState`, whose
//! keys are random per process and advance per call, so threads start
//! from different states. Under `cfg(loom)` the seed is a constant: a
//! loom model must make the same choices in every execution it explores,
//! or loom cannot replay its interleavings.
//!
//! A simulation installs its own [`Source`] with [`with_source`]. It makes
//! one choice per selection, the arm tried first, and the others follow in
//! rotation (`first, first + 1, ..., 0, ..., first - 1`): the order is a
//! function of that one number, so a simulation that records it replays the
//! selection exactly, and its default, `0`, is the written order.

use std::cell::{Cell, RefCell};

use crate::sync::thread_local;

/// The choices of a simulation's selections.
pub(crate) trait Source {
    /// Which of `arms` (`>= 2`) arms is tried first, in `0..arms`.
    fn first(&mut self, arms: usize) -> usize;
}

thread_local! {
    static STATE: Cell<u64> = Cell::new(0);
    static OVERRIDE: RefCell<Option<Box<dyn Source>>> = RefCell::new(None);
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
            OVERRIDE.with(|slot| *slot.borrow_mut() = previous);
        }
    }
    let previous = OVERRIDE.with(|slot| slot.borrow_mut().replace(source));
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
fn seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    // std's `RandomState` is randomly keyed per process and its keys
    // advance per call, so every thread starts from a different state.
    std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish()
        | 1
}

/// Draws `count` random numbers for this thread and hands each to `take`,
/// in order.
fn draw(count: usize, mut take: impl FnMut(u64)) {
    STATE.with(|state| {
        let mut x = state.get();
        if x == 0 {
            x = seed();
        }
        for _ in 0..count {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            take(x.wrapping_mul(0x2545_F491_4F6C_DD1D));
        }
        state.set(x);
    });
}

/// A uniform number in `0..n` (`n > 0`) from the random `value`, by
/// Lemire's multiply-shift.
fn scale(value: u64, n: usize) -> usize {
    (((value >> 32) * (n as u64)) >> 32) as usize
}

/// Fills `order` with a uniformly random permutation of `0..order.len()`
/// (Fisher-Yates), or, under a simulation's source, with the rotation
/// that starts at the arm it chooses.
pub(crate) fn shuffle(order: &mut [usize]) {
    let len = order.len();
    let first = OVERRIDE.with(|slot| slot.borrow_mut().as_mut().map(|source| source.first(len)));
    if let Some(first) = first {
        for (index, slot) in order.iter_mut().enumerate() {
            *slot = (first + index) % len;
        }
        return;
    }
    for (index, slot) in order.iter_mut().enumerate() {
        *slot = index;
    }
    let mut last = order.len();
    draw(order.len().saturating_sub(1), |value| {
        last -= 1;
        order.swap(last, scale(value, last + 1));
    });
}
