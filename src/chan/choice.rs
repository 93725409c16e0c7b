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
//! A simulation installs its own seeded [`Source`] with [`with_source`]
//! (and records each draw itself), so every choice replays from its seed.

use std::cell::{Cell, RefCell};

use crate::sync::thread_local;

/// A source of random numbers that a simulation can install.
pub(crate) trait Source {
    /// The next 64 random bits.
    fn next_u64(&mut self) -> u64;
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
/// in order, looking the thread's source up once (a `select!` draws
/// several per shuffle). Under a simulation the source is its seeded one.
fn draw(count: usize, mut take: impl FnMut(u64)) {
    let overridden = OVERRIDE.with(|slot| match slot.borrow_mut().as_mut() {
        Some(source) => {
            for _ in 0..count {
                take(source.next_u64());
            }
            true
        }
        None => false,
    });
    if overridden {
        return;
    }
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
/// (Fisher-Yates).
pub(crate) fn shuffle(order: &mut [usize]) {
    for (index, slot) in order.iter_mut().enumerate() {
        *slot = index;
    }
    let mut last = order.len();
    draw(order.len().saturating_sub(1), |value| {
        last -= 1;
        order.swap(last, scale(value, last + 1));
    });
}
