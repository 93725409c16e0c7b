//! The selection loop shared by `select!`, [`Select`](super::Select) and
//! the receiver's stream (a one-arm selection). The plain futures wait
//! inline (see `inline_waiter`).
//!
//! # Protocol
//!
//! A poll of a waiting selection runs:
//!
//! 1. **Try.** Attempt every enabled arm's operation once, in a uniformly
//!    random order (written order when biased). The first that completes
//!    wins; the operations of the others never happened. Fairness follows:
//!    with several arms ready, each is first in the order with equal
//!    probability.
//! 2. **Register.** If none completed, take a [`Token`] (the thread's
//!    recycled one, or a new one) and register it on every enabled arm's
//!    channel, in the same random order.
//!    Each channel re-checks its state as it registers (see
//!    [`WaitQueue`](crate::chan::waiter::WaitQueue)); if an arm turned out
//!    ready, withdraw the token and go back to 1 — unless the withdrawal
//!    fails, which means a counterpart selected the token meanwhile.
//! 3. **Wait.** Return `Pending`. On every later poll, store the newest
//!    waker and look at the token: once a counterpart has selected it for
//!    arm `i`, remove the other arms' entries and let arm `i` finish (take
//!    the handed-off value, or retry a buffered operation). If a buffered
//!    retry finds the channel taken by someone faster, go back to 1.
//!
//! A `select!` without `default` runs step 1 once before it makes its
//! future ([`first_try`]): a select whose arm is ready at once (the
//! common case on a busy channel) completes there, never making the
//! future, polling it or dropping it (a fifth of such a select's
//! instructions went there). If no arm was ready, the
//! future's first poll goes straight to step 2, whose registration looks
//! at each channel again. Inside a simulation the first try is skipped, so
//! the simulation sees one order per poll, as before.
//!
//! Dropping a waiting selection withdraws its token; if that fails, the
//! selected arm *passes on* what it was given (a handed-off value goes back
//! to its channel, a notification goes to the next waiter), so nothing is
//! lost and no wake-up vanishes.
//!
//! With a `default` arm, [`select_now`] replaces 2 and 3 by a **double
//! collect**: it reads every enabled channel's version before the try pass
//! and again after it; if no version moved, there was an instant (between
//! the two reads) at which no arm was ready, so taking `default` is
//! linearizable. If one moved, it tries again.
//!
//! Once an arm is chosen, every other arm is *discarded* (an unsent value
//! is dropped) before the caller runs the chosen arm's body: by the
//! `select!` expansion, which calls each arm's own `discard` (nothing, for
//! a receive), or here for the dynamic `Select` ([`poll_select`]'s
//! `discard`).

use std::task::{Context, Poll};

use super::waiter::Token;
use crate::runtime::wait::Wait;
use crate::runtime::{budget, hooks};
use crate::sync::Arc;

use super::choice;

/// One operation of a selection, as the driver sees it.
pub trait Arm {
    /// Whether the arm takes part (its guard was true).
    fn enabled(&self) -> bool;
    /// Tries the operation without waiting; `true` if it completed (its
    /// result is stored in the arm). A disabled arm attempts nothing and
    /// returns `false`, so a try pass asks each arm once.
    fn attempt(&mut self) -> bool;
    /// The channel's state version, for the double collect.
    fn version(&self) -> (usize, usize);
    /// Registers under `token` as arm `index`; `false` (not registered) if
    /// the operation could proceed now.
    fn register(&mut self, token: &Arc<Token>, index: usize) -> bool;
    /// Removes the registration of `token`'s operation, if any. Idempotent.
    fn unregister(&mut self, token: &Token);
    /// The token was selected for this arm: complete the operation.
    /// `false` if it must be tried again from the start.
    fn finish(&mut self) -> bool;
    /// The token was selected for this arm, but the selection is going
    /// away: hand back what was given.
    fn pass_on(&mut self);
    /// Another arm was chosen: drop any value this arm did not send.
    fn discard(&mut self);
    /// The operation the arm waits on, for dumps and deadlock reports;
    /// `None` when the arm is disabled.
    fn wait(&self) -> Option<Wait>;
}

/// A selection's arms, however they are held.
pub trait Arms {
    /// How many arms there are.
    fn count(&self) -> usize;
    /// Arm `index`.
    fn arm(&mut self, index: usize) -> &mut dyn Arm;
    /// Arm `index`, shared.
    fn arm_ref(&self, index: usize) -> &dyn Arm;
}

impl Arms for [&mut dyn Arm] {
    fn count(&self) -> usize {
        self.len()
    }
    fn arm(&mut self, index: usize) -> &mut dyn Arm {
        &mut *self[index]
    }
    fn arm_ref(&self, index: usize) -> &dyn Arm {
        &*self[index]
    }
}

impl Arms for [&mut (dyn Arm + Send)] {
    fn count(&self) -> usize {
        self.len()
    }
    fn arm(&mut self, index: usize) -> &mut dyn Arm {
        &mut *self[index]
    }
    fn arm_ref(&self, index: usize) -> &dyn Arm {
        &*self[index]
    }
}

/// A selection of one arm, for the general functions ([`cancel`],
/// the simulation's description) when a plain `send` future or the
/// receiver's stream uses them: no dynamic dispatch, and the future is
/// `Send` exactly when the message is. Their polls use [`poll_one`].
pub(crate) struct One<'x, A>(pub(crate) &'x mut A);

impl<A: Arm> Arms for One<'_, A> {
    fn count(&self) -> usize {
        1
    }
    fn arm(&mut self, _index: usize) -> &mut dyn Arm {
        self.0
    }
    fn arm_ref(&self, _index: usize) -> &dyn Arm {
        &*self.0
    }
}

/// The waiting state of one selection between polls.
#[derive(Debug, Default)]
pub(crate) struct Waiting {
    token: Option<Arc<Token>>,
}

impl Waiting {
    /// Not registered anywhere.
    pub(crate) const fn new() -> Self {
        Waiting { token: None }
    }
}

/// The order in which arms are tried and registered, and whether a
/// simulation chose it (it is then told whether the order mattered).
///
/// Outside a simulation the order is drawn as it is used: a forward
/// Fisher-Yates shuffle that places a position only when the try pass
/// reaches it ([`Order::at`]), each a uniform choice among the arms not
/// yet placed. A selection whose first arm tried is ready (the common
/// case on a busy channel) draws one random number instead of one per
/// arm, and the positions it never reached hold the arms never tried,
/// which is all [`Order::mattered_for_winner`] asks of them. The order is
/// a uniform permutation however far it was drawn. A simulation's source
/// chooses the whole order up front.
///
/// Up to [`Order::PACKED`] arms the order is one word of 4-bit indices,
/// not an array: a value that lives in registers, where an array on the
/// stack was written element by element and then copied whole, and the
/// copy's wide loads waited for the element stores (a load spanning
/// several stores is not forwarded from them).
struct Order {
    /// Up to `PACKED` arms: the arm at position `p` in bits `4p..4p + 4`.
    packed: u64,
    /// More arms: the arm at each position (empty, unallocated, otherwise).
    heap: Vec<usize>,
    len: usize,
    /// Positions `..placed` hold their arms for good; the arms at
    /// `placed..` have not been placed yet (in no particular order).
    placed: usize,
    simulated: bool,
}

impl Order {
    /// The most arms an order packs into one word.
    const PACKED: usize = 16;
    /// The identity order of up to `PACKED` arms.
    const IDENTITY: u64 = 0xFEDC_BA98_7654_3210;

    /// Made from scalars in one struct expression at the end, with no
    /// borrow of the value being built: a value that was borrowed is
    /// built on the stack and copied out, which the word's design avoids.
    #[inline(always)]
    fn new(len: usize, biased: bool) -> Self {
        let mut heap = if len <= Order::PACKED {
            Vec::new()
        } else {
            (0..len).collect()
        };
        let (packed, placed, simulated) = if biased || len < 2 {
            (Order::IDENTITY, len, false)
        } else if choice::simulating() {
            let (packed, simulated) = Order::simulate(len, &mut heap);
            (packed, len, simulated)
        } else {
            (Order::IDENTITY, 0, false)
        };
        Order {
            packed,
            heap,
            len,
            placed,
            simulated,
        }
    }

    /// The whole order of `len` arms as the installed simulation source
    /// chooses it: the packed word (or `heap`, rearranged in place, for
    /// more than `PACKED` arms), and whether a source chose it.
    #[cold]
    fn simulate(len: usize, heap: &mut [usize]) -> (u64, bool) {
        if len > Order::PACKED {
            return (Order::IDENTITY, choice::simulated_shuffle(heap));
        }
        let mut slots = [0; Order::PACKED];
        let slots = &mut slots[..len];
        for (position, slot) in slots.iter_mut().enumerate() {
            *slot = position;
        }
        let simulated = choice::simulated_shuffle(slots);
        let packed = slots
            .iter()
            .enumerate()
            .fold(0, |packed, (position, &arm)| {
                packed | (arm as u64) << (4 * position)
            });
        (packed, simulated)
    }

    /// The arm at `position`, placed or not.
    #[inline(always)]
    fn get(&self, position: usize) -> usize {
        if self.len <= Order::PACKED {
            ((self.packed >> (4 * position)) & 0xF) as usize
        } else {
            self.heap[position]
        }
    }

    /// Exchanges the arms at positions `a` and `b`.
    #[inline(always)]
    fn swap(&mut self, a: usize, b: usize) {
        if self.len <= Order::PACKED {
            let difference = ((self.packed >> (4 * a)) ^ (self.packed >> (4 * b))) & 0xF;
            self.packed ^= (difference << (4 * a)) | (difference << (4 * b));
        } else {
            self.heap.swap(a, b);
        }
    }

    /// The arm at `position`, placing it first if the shuffle has not
    /// reached it yet. Positions are visited in order, from 0.
    #[inline(always)]
    fn at(&mut self, position: usize) -> usize {
        if position >= self.placed {
            debug_assert_eq!(
                position, self.placed,
                "an order's positions are visited in turn"
            );
            let remaining = self.len - position;
            if remaining > 1 {
                self.swap(position, position + choice::below(remaining));
            }
            self.placed = position + 1;
        }
        self.get(position)
    }

    /// Tells the simulation that chose this order whether another order
    /// could have changed the outcome (`mattered` is evaluated only then).
    #[inline]
    fn settle(&self, mattered: impl FnOnce() -> bool) {
        if self.simulated {
            choice::settled(mattered());
        }
    }

    /// Whether another order could have let another arm win than
    /// `winner`: an enabled arm after it was never attempted and may have
    /// been ready. (The arms before it were attempted and were not; a
    /// failed attempt changes nothing, so they are not ready in any order.)
    fn mattered_for_winner(&self, arms: &(impl Arms + ?Sized), winner: usize) -> bool {
        let position = (0..self.len).find(|&position| self.get(position) == winner);
        position.is_none_or(|position| {
            (position + 1..self.len).any(|position| arms.arm_ref(self.get(position)).enabled())
        })
    }
}

/// Whether the order in which a waiting selection registered its arms
/// could matter: it does when two enabled arms wait in one channel's queue
/// (the one registered first is served first), or when an arm's wait is
/// not a channel operation (a simulation then assumes it does). Arms on
/// distinct channels sit in distinct queues, each at the same place
/// whatever the order, since the selection registers them all in one go.
fn registration_order_mattered(arms: &(impl Arms + ?Sized)) -> bool {
    let mut channels = Vec::new();
    for index in 0..arms.count() {
        let arm = arms.arm_ref(index);
        if !arm.enabled() {
            continue;
        }
        match arm.wait() {
            Some(Wait::Recv(facts) | Wait::Send(facts)) if !channels.contains(&facts.id()) => {
                channels.push(facts.id());
            }
            _ => return true,
        }
    }
    false
}

/// Arm `chosen` won: discard the others.
fn choose(arms: &mut (impl Arms + ?Sized), chosen: usize) -> usize {
    for index in 0..arms.count() {
        if index != chosen {
            arms.arm(index).discard();
        }
    }
    chosen
}

/// One try pass (step 1); the winning arm's index.
#[inline(always)]
fn try_pass(arms: &mut (impl Arms + ?Sized), order: &mut Order) -> Option<usize> {
    (0..order.len)
        .map(|position| order.at(position))
        .find(|&index| arms.arm(index).attempt())
}

/// Unregisters every arm but `except` from `token`'s operation.
fn unregister_all(arms: &mut (impl Arms + ?Sized), token: &Token, except: Option<usize>) {
    for index in 0..arms.count() {
        if Some(index) != except {
            arms.arm(index).unregister(token);
        }
    }
}

/// Completes a selection without waiting: `Some(arm)` if an arm was
/// ready, `None` if, at some instant during the call, none was (the
/// `default` case; see the double collect in the module docs). Never
/// touches the cooperative budget. Does not discard the other arms.
pub(crate) fn select_now(arms: &mut (impl Arms + ?Sized), biased: bool) -> Option<usize> {
    const INLINE: usize = 32;
    let mut before = [(0usize, 0usize); INLINE];
    let mut before_heap = Vec::new();
    loop {
        let count = arms.count();
        if !(0..count).any(|index| arms.arm_ref(index).enabled()) {
            return None;
        }
        let versions: &mut [(usize, usize)] = if count <= INLINE {
            &mut before[..count]
        } else {
            before_heap.resize(count, (0, 0));
            &mut before_heap
        };
        for (index, slot) in versions.iter_mut().enumerate() {
            let arm = arms.arm_ref(index);
            if arm.enabled() {
                *slot = arm.version();
            }
        }
        let mut order = Order::new(count, biased);
        if let Some(index) = try_pass(arms, &mut order) {
            order.settle(|| order.mattered_for_winner(arms, index));
            return Some(index);
        }
        // No arm was ready: nothing happened, in any order.
        order.settle(|| false);
        let unchanged = versions.iter().enumerate().all(|(index, version)| {
            let arm = arms.arm_ref(index);
            !arm.enabled() || arm.version() == *version
        });
        if unchanged {
            return None;
        }
    }
}

/// Whether a waiting selection's token was selected, and for which arm.
/// If not yet, stores the newest waker first and looks again: a
/// counterpart that took the old waker before the store has woken that
/// one, and its selection is seen by the second look.
fn selected_after_waker(token: &Token, cx: &Context<'_>) -> Option<usize> {
    token.selected().or_else(|| {
        token.set_waker(cx.waker());
        token.selected()
    })
}

/// Arm `index` was selected on `token`: withdraws the other arms'
/// registrations, lets the arm finish, and keeps the token for the
/// thread's next wait. `true` if the arm completed, `false` if the
/// selection must start over (a buffered retry lost to someone faster).
fn complete(arms: &mut (impl Arms + ?Sized), token: Arc<Token>, index: usize) -> bool {
    unregister_all(arms, &token, Some(index));
    let finished = arms.arm(index).finish();
    Token::recycle(token);
    finished
}

/// What a `select!`'s [`first_try`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FirstTry {
    /// This arm completed; the select is done.
    Chosen(usize),
    /// A try pass found no arm ready: the select's first poll goes
    /// straight to registering (which looks at each channel again).
    NoneReady,
    /// Nothing was tried (a spent budget, or a simulation): the select's
    /// first poll starts from step 1.
    Untried,
}

/// Step 1 of a `select!` without `default`, run before its future is
/// made: a select whose arm is ready at once (the common case on a busy
/// channel) completes here, without the future's state and without its
/// drop. The budget is checked as a poll checks it, but a spent budget
/// only sends the select on to its future, whose poll yields. Inside a
/// simulation nothing is tried here, so the simulation sees the same
/// choices (one order per poll) whether or not the select waits.
#[inline]
pub(crate) fn first_try(arms: &mut (impl Arms + ?Sized), biased: bool) -> FirstTry {
    if budget::spent() || choice::simulating() {
        return FirstTry::Untried;
    }
    let mut order = Order::new(arms.count(), biased);
    match try_pass(arms, &mut order) {
        Some(index) => {
            budget::consume();
            FirstTry::Chosen(index)
        }
        None => FirstTry::NoneReady,
    }
}

/// Polls a waiting selection (steps 1-3 of the module docs). `Ready(i)`:
/// arm `i` completed, and if `discard`, every other arm was discarded
/// (`select!` passes `false` and discards the others itself, each with
/// its own type's `discard`, which for a receive is nothing). `tried`: a
/// try pass (a `select!`'s [`first_try`]) found no arm ready just before
/// this first poll, so it registers without trying again.
pub(crate) fn poll_select(
    arms: &mut (impl Arms + ?Sized),
    waiting: &mut Waiting,
    biased: bool,
    discard: bool,
    tried: &mut bool,
    cx: &mut Context<'_>,
) -> Poll<usize> {
    if budget::poll_proceed(cx).is_pending() {
        return Poll::Pending;
    }
    if let Some(token) = &waiting.token {
        // The token stays in `waiting` while the waker is stored: a
        // waker's `clone` that panics leaves the selection registered, and
        // the future's drop withdraws it.
        let Some(index) = selected_after_waker(token, cx) else {
            note_waiting(arms, cx);
            return Poll::Pending;
        };
        let token = waiting.token.take().expect("the token is in `waiting`");
        if complete(arms, token, index) {
            budget::consume();
            return Poll::Ready(if discard { choose(arms, index) } else { index });
        }
    }
    loop {
        let mut order = Order::new(arms.count(), biased);
        // A try pass that found nothing just now leaves the order to be
        // drawn as the arms register (its positions are placed in turn).
        if !std::mem::take(tried) {
            if let Some(index) = try_pass(arms, &mut order) {
                order.settle(|| order.mattered_for_winner(arms, index));
                budget::consume();
                return Poll::Ready(if discard { choose(arms, index) } else { index });
            }
        }
        if !(0..arms.count()).any(|index| arms.arm_ref(index).enabled()) {
            // Every arm is guarded off: wait forever, like Go's nil channels.
            order.settle(|| false);
            hooks::note_waiting(cx.waker(), || [Wait::Forever]);
            return Poll::Pending;
        }
        let token = Token::acquire(cx.waker());
        let mut all_waiting = true;
        for position in 0..order.len {
            let index = order.at(position);
            let arm = arms.arm(index);
            if arm.enabled() && !arm.register(&token, index) {
                all_waiting = false;
                break;
            }
        }
        if all_waiting {
            order.settle(|| registration_order_mattered(arms));
            waiting.token = Some(token);
            note_waiting(arms, cx);
            return Poll::Pending;
        }
        // An arm turned ready as it registered: what follows may depend on
        // the order.
        order.settle(|| true);
        match token.try_abort() {
            Ok(()) => {
                unregister_all(arms, &token, None);
                Token::recycle(token);
            }
            Err(index) => {
                if complete(arms, token, index) {
                    budget::consume();
                    return Poll::Ready(if discard { choose(arms, index) } else { index });
                }
            }
        }
    }
}

/// Polls a one-arm selection (the receiver's stream): [`poll_select`]'s
/// protocol for the one arm, with no order to draw and no other arms to
/// unregister or discard. When the channel is ready, a poll is one budget
/// check and one attempt, inline in the caller; waiting, and a poll after
/// a wait, are out of line. `Ready` once the arm completed.
#[inline(always)]
pub(crate) fn poll_one<A: Arm>(
    arm: &mut A,
    waiting: &mut Waiting,
    cx: &mut Context<'_>,
) -> Poll<()> {
    if budget::poll_proceed(cx).is_pending() {
        return Poll::Pending;
    }
    if waiting.token.is_some() {
        return poll_one_selected(arm, waiting, cx);
    }
    attempt_or_wait(arm, waiting, cx)
}

/// One attempt; if it fails, [`wait_one`].
#[inline(always)]
fn attempt_or_wait<A: Arm>(arm: &mut A, waiting: &mut Waiting, cx: &mut Context<'_>) -> Poll<()> {
    if arm.attempt() {
        budget::consume();
        return Poll::Ready(());
    }
    wait_one(arm, waiting, cx)
}

/// [`poll_one`] for an arm that waits: registered under `waiting`'s
/// token at an earlier poll.
#[inline(never)]
fn poll_one_selected<A: Arm>(arm: &mut A, waiting: &mut Waiting, cx: &mut Context<'_>) -> Poll<()> {
    if let Some(token) = &waiting.token {
        // As in `poll_select`: the token stays in `waiting` meanwhile.
        let Some(index) = selected_after_waker(token, cx) else {
            hooks::note_waiting(cx.waker(), || arm.wait());
            return Poll::Pending;
        };
        let token = waiting.token.take().expect("the token is in `waiting`");
        if complete(&mut One(arm), token, index) {
            budget::consume();
            return Poll::Ready(());
        }
    }
    attempt_or_wait(arm, waiting, cx)
}

/// [`poll_one`] once an attempt failed: registers the arm, or, if the
/// channel turned ready meanwhile, attempts again.
#[inline(never)]
fn wait_one<A: Arm>(arm: &mut A, waiting: &mut Waiting, cx: &mut Context<'_>) -> Poll<()> {
    loop {
        // An attempt just failed. A disabled arm attempts nothing, and
        // only the waiting path needs to tell it apart: the one disabled
        // plain arm is a send that already completed (it holds no value).
        if !arm.enabled() {
            // Only a completed future's arm is disabled: it stays pending.
            note_waiting(&One(arm), cx);
            return Poll::Pending;
        }
        let token = Token::acquire(cx.waker());
        if arm.register(&token, 0) {
            waiting.token = Some(token);
            hooks::note_waiting(cx.waker(), || arm.wait());
            return Poll::Pending;
        }
        match token.try_abort() {
            Ok(()) => {
                arm.unregister(&token);
                Token::recycle(token);
            }
            Err(index) => {
                if complete(&mut One(arm), token, index) {
                    budget::consume();
                    return Poll::Ready(());
                }
            }
        }
        if arm.attempt() {
            budget::consume();
            return Poll::Ready(());
        }
    }
}

/// Records what this waiting selection waits on: each enabled arm's
/// operation (slow path only: the selection is about to return `Pending`).
fn note_waiting(arms: &(impl Arms + ?Sized), cx: &Context<'_>) {
    hooks::note_waiting(cx.waker(), || {
        (0..arms.count())
            .map(|index| arms.arm_ref(index))
            .filter(|arm| arm.enabled())
            .filter_map(|arm| arm.wait())
    });
}

/// Withdraws a waiting selection that is being dropped, passing on
/// whatever a counterpart gave it meanwhile. Inline, so that dropping a
/// selection that never waited (most plain `send` futures) costs
/// one check.
#[inline]
pub(crate) fn cancel(arms: &mut (impl Arms + ?Sized), waiting: &mut Waiting) {
    if waiting.token.is_some() {
        withdraw(arms, waiting);
    }
}

/// [`cancel`] for a selection that is registered.
#[inline(never)]
fn withdraw(arms: &mut (impl Arms + ?Sized), waiting: &mut Waiting) {
    let Some(token) = waiting.token.take() else {
        return;
    };
    match token.try_abort() {
        Ok(()) => unregister_all(arms, &token, None),
        Err(index) => {
            unregister_all(arms, &token, Some(index));
            arms.arm(index).pass_on();
        }
    }
    Token::recycle(token);
}

#[cfg(test)]
mod tests {
    use super::{first_try, Arm, FirstTry, Order};
    use crate::chan::operation::RecvArm;
    use crate::runtime::budget;

    /// Runs `first_try` over receives on `receivers` with a budget of one
    /// operation, `spend_first` spending it beforehand; gives what it
    /// found, each arm's result, and whether the budget was spent after.
    fn first_try_on(
        receivers: &[&crate::chan::Receiver<u8>],
        spend_first: bool,
    ) -> (FirstTry, Vec<Option<u8>>, bool) {
        let mut arms: Vec<RecvArm<'_, u8>> = receivers
            .iter()
            .map(|rx| RecvArm::new(Some(rx.shared())))
            .collect();
        let ((found, spent), _) = budget::with_budget_of(1, || {
            if spend_first {
                budget::consume();
            }
            let mut refs: Vec<&mut dyn Arm> =
                arms.iter_mut().map(|arm| arm as &mut dyn Arm).collect();
            let found = first_try(&mut refs[..], false);
            (found, budget::spent())
        });
        let results = arms
            .iter_mut()
            .map(|arm| arm.take_result().map(|result| result.expect("open")))
            .collect();
        (found, results, spent)
    }

    #[test]
    fn first_try_completes_the_ready_arm_and_counts_it_against_the_budget() {
        let (_idle_tx, idle) = crate::chan::unbounded::<u8>();
        let (tx, ready) = crate::chan::unbounded::<u8>();
        tx.try_send(7).unwrap();
        let (found, results, spent) = first_try_on(&[&idle, &ready], false);
        assert_eq!(found, FirstTry::Chosen(1));
        assert_eq!(results, [None, Some(7)]);
        assert!(spent, "the completed arm used the budget's one operation");
    }

    #[test]
    fn first_try_with_no_arm_ready_reports_it_and_spends_nothing() {
        let (_a_tx, a) = crate::chan::unbounded::<u8>();
        let (_b_tx, b) = crate::chan::bounded::<u8>(0);
        let (found, results, spent) = first_try_on(&[&a, &b], false);
        assert_eq!(found, FirstTry::NoneReady);
        assert_eq!(results, [None, None]);
        assert!(!spent);
    }

    #[test]
    fn first_try_with_the_budget_spent_tries_nothing() {
        let (tx, ready) = crate::chan::unbounded::<u8>();
        tx.try_send(7).unwrap();
        let (found, results, _) = first_try_on(&[&ready], true);
        assert_eq!(found, FirstTry::Untried);
        assert_eq!(results, [None]);
        assert_eq!(ready.try_recv(), Ok(7), "the message is still buffered");
    }

    /// The arms of a whole order, position by position.
    fn drawn(len: usize) -> Vec<usize> {
        let mut order = Order::new(len, false);
        (0..len).map(|position| order.at(position)).collect()
    }

    /// Pearson's chi-square statistic of `counts` against equal shares.
    fn chi_square(counts: &[u64]) -> f64 {
        let total: u64 = counts.iter().sum();
        let expected = total as f64 / counts.len() as f64;
        counts
            .iter()
            .map(|&count| (count as f64 - expected).powi(2) / expected)
            .sum()
    }

    #[test]
    fn each_order_of_three_arms_is_drawn_about_equally_often() {
        const PERMUTATIONS: [[usize; 3]; 6] = [
            [0, 1, 2],
            [0, 2, 1],
            [1, 0, 2],
            [1, 2, 0],
            [2, 0, 1],
            [2, 1, 0],
        ];
        let mut counts = [0u64; 6];
        for _ in 0..60_000 {
            let order = drawn(3);
            let which = PERMUTATIONS
                .iter()
                .position(|permutation| permutation[..] == order[..])
                .expect("an order is a permutation");
            counts[which] += 1;
        }
        // 5 degrees of freedom: 35.9 is exceeded by chance once in a
        // million runs.
        let statistic = chi_square(&counts);
        assert!(statistic < 35.9, "chi-square {statistic}: {counts:?}");
    }

    #[test]
    fn orders_of_sixteen_and_of_twenty_arms_are_permutations_with_a_uniform_first_arm() {
        // 16: the most arms packed in one word; 20: the allocated form.
        for len in [16, 20] {
            let mut first = vec![0u64; len];
            for _ in 0..40_000 {
                let mut order = drawn(len);
                first[order[0]] += 1;
                order.sort_unstable();
                assert_eq!(order, (0..len).collect::<Vec<_>>(), "{len} arms");
            }
            // 15 or 19 degrees of freedom: exceeded by chance once in a
            // million runs.
            let limit = if len == 16 { 56.5 } else { 63.7 };
            let statistic = chi_square(&first);
            assert!(
                statistic < limit,
                "{len} arms: chi-square {statistic}: {first:?}"
            );
        }
    }

    #[test]
    fn positions_not_yet_placed_hold_the_arms_not_yet_tried() {
        for len in [2, 5, 16, 20] {
            let mut order = Order::new(len, false);
            let tried = order.at(0);
            let mut rest: Vec<usize> = (1..len).map(|position| order.get(position)).collect();
            rest.push(tried);
            rest.sort_unstable();
            assert_eq!(rest, (0..len).collect::<Vec<_>>(), "{len} arms");
        }
    }

    #[test]
    fn a_biased_order_is_the_written_order() {
        for len in [1, 3, 16, 20] {
            let mut order = Order::new(len, true);
            let arms: Vec<usize> = (0..len).map(|position| order.at(position)).collect();
            assert_eq!(arms, (0..len).collect::<Vec<_>>(), "{len} arms");
        }
    }
}
