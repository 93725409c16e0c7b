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
//!   head and length, sleeps a window, and looks again. If at the rate the
//!   owner popped meanwhile the last of the processes it saw would wait
//!   longer than [`MAX_WAIT`] (popped `p` in `t` with `n` queued:
//!   `n * t / p > MAX_WAIT`), they are taken. A worker stuck in a long
//!   poll pops nothing and is relieved at the second look; a chain whose
//!   processes run in turns of a microsecond keeps its worker.
//!
//! The window starts at [`WINDOW`] and doubles, up to [`MAX_WINDOW`], each
//! time a look finds the owner popping fast enough, so a worker watching a
//! long-lived chain wakes a few thousand times a second rather than twenty
//! thousand; it is back to [`WINDOW`] once the queue empties or is taken
//! from. A worker that starts a long poll after a long chain is so
//! relieved within two long windows (under a millisecond).
//!
//! `MAX_WAIT` is about what waking a sleeping worker costs on these
//! machines: a process that would wait less than that gains nothing from
//! moving. What the rule gives up: processes that compute in parallel in
//! turns much shorter than `MAX_WAIT`, a few to a queue, share one worker.
//! Go's scheduler makes a smaller bet of the same kind: a thief backs off
//! about 3 µs before it takes the process its victim just woke
//! (`runqgrab`'s `usleep(3)`), so that a pair that wake each other stay
//! together. The rule is in time: in a debug build, where channel
//! operations are some ten times slower, a chain's turns are long enough
//! for an idle worker to take part of it.
//!
//! Under loom there is no time: every look takes at once (the stealing
//! the loom models check), except in a model that asks for every short
//! queue to be watched until something wakes the watcher
//! (`__loom::Workers::watching`).

use std::time::{Duration, Instant};

/// A queue this long is taken from at once.
pub(crate) const TAKE_AT_LEN: u32 = 16;

/// How long an idle worker first sleeps between two looks at a short
/// queue.
pub(crate) const WINDOW: Duration = Duration::from_micros(50);

/// The longest window, reached while the owner keeps popping fast.
#[cfg_attr(loom, allow(dead_code))]
pub(crate) const MAX_WINDOW: Duration = Duration::from_micros(400);

/// How long the last of a short queue's processes may wait, at the
/// owner's pop rate, before they are taken.
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
    /// again after [`Watch::window`].
    Young,
}

/// An idle worker's notes on one victim's queue.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Watch {
    /// The look that started this watch: the queue's head index, its
    /// length, and when.
    #[cfg_attr(loom, allow(dead_code))]
    first: Option<(u32, u32, Instant)>,
    /// How long to wait before the next look.
    window: Duration,
}

impl Default for Watch {
    fn default() -> Self {
        Watch {
            first: None,
            window: WINDOW,
        }
    }
}

impl Watch {
    /// Looks at a queue whose owner (and thieves) have taken processes up
    /// to index `head` and that holds `len`; `now` is called only for a
    /// short queue.
    #[cfg(not(loom))]
    pub(crate) fn look(&mut self, head: u32, len: u32, now: impl FnOnce() -> Instant) -> Verdict {
        if len == 0 {
            *self = Watch::default();
            return Verdict::Empty;
        }
        if len >= TAKE_AT_LEN {
            return Verdict::Take;
        }
        let now = now();
        let Some((first_head, first_len, at)) = self.first else {
            self.first = Some((head, len, now));
            return Verdict::Young;
        };
        let elapsed = now.saturating_duration_since(at);
        if elapsed < self.window {
            return Verdict::Young;
        }
        // However long ago the first look was: while the queue was not
        // empty it could only lose processes by its head moving, so
        // nothing popped means the processes seen are still waiting.
        if waited_too_long(head.wrapping_sub(first_head), first_len, elapsed) {
            // The watch ends at `taken`, so a failed steal retries at the
            // next look.
            return Verdict::Take;
        }
        self.first = Some((head, len, now));
        self.window = (self.window * 2).min(MAX_WINDOW);
        Verdict::Young
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

    /// The idle worker took from the queue after a `Take`: the watch ends.
    pub(crate) fn taken(&mut self) {
        *self = Watch::default();
    }

    /// How long to sleep before the next look after a `Young`.
    pub(crate) fn window(&self) -> Duration {
        self.window
    }
}

/// Whether the last of `queued` processes, of which the owner popped
/// `popped` in `elapsed`, waits longer than [`MAX_WAIT`]: the owner pops
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
    fn a_stuck_owner_is_relieved_at_the_second_look_a_window_later() {
        let start = Instant::now();
        let mut watch = Watch::default();
        assert_eq!(watch.look(7, 1, || start), Verdict::Young);
        assert_eq!(watch.look(7, 1, || start + WINDOW / 2), Verdict::Young);
        assert_eq!(watch.look(7, 1, || start + WINDOW), Verdict::Take);
    }

    #[test]
    fn a_stuck_owner_is_relieved_however_long_ago_the_first_look_was() {
        let start = Instant::now();
        let mut watch = Watch::default();
        assert_eq!(watch.look(0, 2, || start), Verdict::Young);
        assert_eq!(watch.look(0, 2, || start + 1000 * WINDOW), Verdict::Take);
    }

    #[test]
    fn one_process_popped_every_microsecond_stays_with_its_owner() {
        let start = Instant::now();
        let mut watch = Watch::default();
        assert_eq!(watch.look(0, 1, || start), Verdict::Young);
        assert_eq!(watch.look(50, 1, || start + WINDOW), Verdict::Young);
    }

    #[test]
    fn the_third_of_three_popped_every_microsecond_waits_too_long() {
        let start = Instant::now();
        let mut watch = Watch::default();
        assert_eq!(watch.look(0, 3, || start), Verdict::Young);
        assert_eq!(watch.look(50, 3, || start + WINDOW), Verdict::Take);
    }

    #[test]
    fn the_rule_is_the_last_ones_wait_at_the_pop_rate_against_max_wait() {
        let t = Duration::from_micros(100);
        // 4 queued, popped 200 in 100 µs: one every 0.5 µs, the fourth
        // waits 2 µs, not over MAX_WAIT.
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
    fn the_window_doubles_while_the_owner_pops_fast_up_to_the_longest() {
        let mut at = Instant::now();
        let mut head = 0u32;
        let mut watch = Watch::default();
        assert_eq!(watch.look(head, 1, || at), Verdict::Young);
        let mut windows = Vec::new();
        for _ in 0..6 {
            let window = watch.window();
            windows.push(window);
            at += window;
            // One pop every 100 ns: far faster than MAX_WAIT.
            head = head.wrapping_add((window.as_nanos() / 100) as u32);
            assert_eq!(watch.look(head, 1, || at), Verdict::Young);
        }
        assert_eq!(
            windows,
            [50, 100, 200, 400, 400, 400].map(Duration::from_micros)
        );
        // Emptying ends the watch and the long window with it.
        assert_eq!(watch.look(head, 0, || at), Verdict::Empty);
        assert_eq!(watch.window(), WINDOW);
    }

    #[test]
    fn a_failed_steal_keeps_the_watch_and_a_successful_one_ends_it() {
        let start = Instant::now();
        let mut watch = Watch::default();
        assert_eq!(watch.look(0, 2, || start), Verdict::Young);
        assert_eq!(watch.look(0, 2, || start + WINDOW), Verdict::Take);
        // The steal failed (another thief was copying): the next look
        // takes again without a new window.
        assert_eq!(watch.look(0, 2, || start + WINDOW), Verdict::Take);
        watch.taken();
        assert_eq!(watch.look(0, 2, || start + WINDOW), Verdict::Young);
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
