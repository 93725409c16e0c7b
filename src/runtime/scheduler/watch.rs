//! When an idle worker takes processes from a busy worker's queue.
//!
//! Go's and tokio's schedulers steal as soon as a worker is idle and
//! another's queue is not empty. For processes that talk over channels
//! that is usually a loss on few cores: a producer and its consumer, or
//! four senders and a receiver, form a *chain* in which each process wakes
//! the next, and a chain runs fastest on one worker, where a hand-off is
//! a LIFO-slot push of a few nanoseconds. Split over two workers, every
//! message moves the channel's cache lines between cores and wakes cost
//! microseconds; both cores run flat out and the chain goes slower than
//! on one (measured with `benches/hot_paths.rs` on 2 cores: four senders
//! and a receiver on `bounded(1)` 266 ns a message on two workers, 128 ns
//! on one; a `select!` over four `bounded(1024)` channels 256 against 74).
//!
//! So an idle worker takes from a busy worker's queue only when what
//! waits there would otherwise wait long:
//!
//! * the queue holds [`TAKE_AT_LEN`] processes or more (a burst of spawns,
//!   a fan-out): taken at once, as before;
//! * otherwise the idle worker *watches* the queue: it notes the queue's
//!   head and length, sleeps up to [`WINDOW`], and looks again. If the
//!   owner popped fewer processes meanwhile than would keep each of those
//!   it saw waiting under [`MAX_WAIT`] on average (popped `p` in `t` with
//!   `n` queued: `p * MAX_WAIT < n * t`), they are taken. A worker stuck
//!   in a long poll pops nothing and is relieved after one window; a chain
//!   whose processes run in turns of a microsecond keeps its worker.
//!
//! `MAX_WAIT` is about what waking a sleeping worker costs on these
//! machines: a process that would wait less than that gains nothing from
//! moving. What the rule gives up: processes that compute in parallel in
//! polls much shorter than `MAX_WAIT`, a few to a queue, share one worker.
//! Go's scheduler makes a smaller bet of the same kind: a thief backs off
//! about 3 µs before it takes the process its victim just woke
//! (`runqgrab`'s `usleep(3)`), so that a pair that wake each other stay
//! together.
//!
//! Under loom there is no time: every look takes at once (the stealing
//! the loom models check), and a worker never watches.

use std::time::{Duration, Instant};

/// A queue this long is taken from at once.
pub(crate) const TAKE_AT_LEN: u32 = 16;

/// How long an idle worker sleeps between two looks at a short queue.
pub(crate) const WINDOW: Duration = Duration::from_micros(50);

/// The average wait in a short queue above which its processes are taken.
#[cfg_attr(loom, allow(dead_code))]
pub(crate) const MAX_WAIT: Duration = Duration::from_micros(2);

/// What a look at a victim's queue decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Nothing queued.
    Empty,
    /// Take half of the queue now.
    Take,
    /// Queued processes that are likely to run soon where they are: look
    /// again after a window.
    Young,
}

/// An idle worker's notes on one victim's queue.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Watch {
    /// The look that started this watch: the queue's head index, its
    /// length, and when.
    #[cfg_attr(loom, allow(dead_code))]
    first: Option<(u32, u32, Instant)>,
}

impl Watch {
    /// Looks at a queue whose owner has popped up to index `head` and that
    /// holds `len` processes; `now` is called only for a short queue.
    #[cfg(not(loom))]
    pub(crate) fn look(&mut self, head: u32, len: u32, now: impl FnOnce() -> Instant) -> Verdict {
        if len == 0 {
            self.first = None;
            return Verdict::Empty;
        }
        if len >= TAKE_AT_LEN {
            self.first = None;
            return Verdict::Take;
        }
        let now = now();
        match self.first {
            Some((first_head, first_len, at)) => {
                let elapsed = now.saturating_duration_since(at);
                if elapsed < WINDOW {
                    return Verdict::Young;
                }
                self.first = Some((head, len, now));
                // A look from long ago says nothing about the queue now:
                // it starts a new watch.
                if elapsed <= 4 * WINDOW
                    && waited_too_long(head.wrapping_sub(first_head), first_len, elapsed)
                {
                    self.first = None;
                    Verdict::Take
                } else {
                    Verdict::Young
                }
            }
            None => {
                self.first = Some((head, len, now));
                Verdict::Young
            }
        }
    }

    /// Under loom: take whatever is queued (see the module docs).
    #[cfg(loom)]
    pub(crate) fn look(&mut self, _head: u32, len: u32, _now: impl FnOnce() -> Instant) -> Verdict {
        if len == 0 {
            Verdict::Empty
        } else {
            Verdict::Take
        }
    }
}

/// Whether `queued` processes, of which the owner popped `popped` in
/// `elapsed`, waited longer than [`MAX_WAIT`] on average: the owner pops
/// one every `elapsed / popped`, so the `queued`th waits `queued` times
/// that.
#[cfg_attr(loom, allow(dead_code))]
fn waited_too_long(popped: u32, queued: u32, elapsed: Duration) -> bool {
    let max_wait = MAX_WAIT.as_nanos();
    u128::from(popped) * max_wait < u128::from(queued) * elapsed.as_nanos()
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn a_stuck_owner_is_relieved_after_one_window() {
        assert!(waited_too_long(0, 1, WINDOW));
        let start = Instant::now();
        let mut watch = Watch::default();
        assert_eq!(watch.look(7, 1, || start), Verdict::Young);
        assert_eq!(watch.look(7, 1, || start + WINDOW / 2), Verdict::Young);
        assert_eq!(watch.look(7, 1, || start + WINDOW), Verdict::Take);
    }

    #[test]
    fn a_queue_popped_every_microsecond_stays_with_its_owner() {
        // One popped a microsecond. With 1 queued, it waits about 1 µs:
        // kept. With 3 queued, the last waits about 3 µs: taken.
        let start = Instant::now();
        let mut watch = Watch::default();
        assert_eq!(watch.look(0, 1, || start), Verdict::Young);
        assert_eq!(watch.look(50, 1, || start + WINDOW), Verdict::Young);
        assert_eq!(watch.look(100, 1, || start + 2 * WINDOW), Verdict::Young);
        let mut watch = Watch::default();
        assert_eq!(watch.look(0, 3, || start), Verdict::Young);
        assert_eq!(watch.look(50, 3, || start + WINDOW), Verdict::Take);
    }

    #[test]
    fn the_rule_is_the_average_wait_against_max_wait() {
        let t = Duration::from_micros(100);
        // 4 queued, popped 200 in 100 µs: 2 µs each, not over MAX_WAIT.
        assert!(!waited_too_long(200, 4, t));
        assert!(waited_too_long(199, 4, t));
        assert!(!waited_too_long(50, 1, t));
        assert!(waited_too_long(49, 1, t));
    }

    #[test]
    fn a_long_queue_is_taken_at_once_and_an_empty_one_never() {
        let mut watch = Watch::default();
        let never = || -> Instant { panic!("no clock for a long or an empty queue") };
        assert_eq!(watch.look(0, TAKE_AT_LEN, never), Verdict::Take);
        assert_eq!(watch.look(0, 0, never), Verdict::Empty);
    }

    #[test]
    fn a_look_from_long_ago_starts_a_new_watch() {
        let start = Instant::now();
        let mut watch = Watch::default();
        assert_eq!(watch.look(0, 2, || start), Verdict::Young);
        // Nothing popped, but the first look is 10 windows old: a worker
        // that was busy elsewhere learns nothing from it.
        let later = start + 10 * WINDOW;
        assert_eq!(watch.look(0, 2, || later), Verdict::Young);
        assert_eq!(watch.look(0, 2, || later + WINDOW), Verdict::Take);
    }

    #[test]
    fn emptying_ends_the_watch() {
        let start = Instant::now();
        let mut watch = Watch::default();
        assert_eq!(watch.look(0, 1, || start), Verdict::Young);
        assert_eq!(watch.look(1, 0, || start), Verdict::Empty);
        // A new non-empty queue a window later is a new watch, not a stuck
        // owner.
        assert_eq!(watch.look(1, 1, || start + WINDOW), Verdict::Young);
    }
}
