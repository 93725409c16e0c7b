//! A FIFO queue whose oldest item lives inline: the waiter queues of the
//! channels (the locked flavour's queues of senders and receivers, the
//! ring's and the list's [`WaitQueue`](super::waiter::WaitQueue)s), and
//! the locked flavour's buffer of values (`bounded(1)`, `bounded(2)`).
//!
//! Most of those queues never hold more than one waiter (a process parked
//! on its own channel, one side of a ping-pong, a consumer waiting for
//! its producer), so the common wait allocates nothing and its push and
//! pop touch no memory beyond the queue's own. Later items go to a
//! `VecDeque` boxed behind one word, allocated when a second item comes
//! and kept (as a `VecDeque` keeps its capacity): the queue is two words
//! plus an item, where a `VecDeque` alone is four words and an
//! allocation at the first push.

use std::collections::VecDeque;

/// A FIFO queue whose oldest item is inline (module docs). Invariant:
/// `first` is empty only if `rest` is.
pub(super) struct Fifo<W> {
    first: Option<W>,
    // Boxed on purpose: one word here instead of a `VecDeque`'s four.
    #[allow(clippy::box_collection)]
    rest: Option<Box<VecDeque<W>>>,
}

impl<W> Fifo<W> {
    /// An empty queue; allocates nothing.
    pub(super) const fn new() -> Self {
        Fifo {
            first: None,
            rest: None,
        }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.first.is_none()
    }

    pub(super) fn len(&self) -> usize {
        usize::from(self.first.is_some()) + self.rest.as_ref().map_or(0, |rest| rest.len())
    }

    /// Appends the newest item.
    #[inline]
    pub(super) fn push_back(&mut self, item: W) {
        if self.first.is_none() {
            self.first = Some(item);
        } else {
            self.rest_mut().push_back(item);
        }
    }

    /// Puts `item` before every other (a waiter that keeps its place).
    pub(super) fn push_front(&mut self, item: W) {
        if let Some(older) = self.first.replace(item) {
            self.rest_mut().push_front(older);
        }
    }

    /// Takes the oldest item out.
    #[inline]
    pub(super) fn pop_front(&mut self) -> Option<W> {
        let oldest = self.first.take()?;
        if let Some(rest) = &mut self.rest {
            self.first = rest.pop_front();
        }
        Some(oldest)
    }

    /// Keeps the items for which `keep` holds, in order (asked once each,
    /// oldest first); drops the others.
    pub(super) fn retain(&mut self, mut keep: impl FnMut(&W) -> bool) {
        let Some(first) = &self.first else {
            return;
        };
        let keep_first = keep(first);
        if let Some(rest) = &mut self.rest {
            rest.retain(&mut keep);
        }
        if !keep_first {
            self.first = self.rest.as_mut().and_then(|rest| rest.pop_front());
        }
    }

    /// The items, oldest first.
    pub(super) fn iter(&self) -> impl Iterator<Item = &W> {
        self.first
            .iter()
            .chain(self.rest.iter().flat_map(|rest| rest.iter()))
    }

    /// Takes every item out, oldest first.
    pub(super) fn take_all(&mut self) -> impl Iterator<Item = W> {
        let first = self.first.take();
        let rest = self.rest.as_mut().map(|rest| std::mem::take(&mut **rest));
        first.into_iter().chain(rest.into_iter().flatten())
    }

    /// The queue behind the first item, allocated at its first use.
    #[cold]
    fn rest_mut(&mut self) -> &mut VecDeque<W> {
        self.rest.get_or_insert_with(Box::default)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn items(queue: &Fifo<u32>) -> Vec<u32> {
        queue.iter().copied().collect()
    }

    #[test]
    fn one_item_allocates_nothing() {
        let mut queue = Fifo::new();
        queue.push_back(1);
        assert!(queue.rest.is_none());
        assert_eq!(queue.pop_front(), Some(1));
        queue.push_front(2);
        assert!(queue.rest.is_none());
        assert_eq!(items(&queue), [2]);
    }

    #[test]
    fn items_leave_in_the_order_they_came_and_front_pushes_go_first() {
        let mut queue = Fifo::new();
        assert!(queue.is_empty() && queue.pop_front().is_none());
        assert_eq!(queue.len(), 0);
        for item in 0..4 {
            queue.push_back(item);
        }
        queue.push_front(9);
        assert_eq!(items(&queue), [9, 0, 1, 2, 3]);
        assert_eq!(queue.len(), 5);
        assert_eq!(queue.pop_front(), Some(9));
        assert_eq!(queue.pop_front(), Some(0));
        queue.push_back(4);
        assert_eq!(items(&queue), [1, 2, 3, 4]);
        let all: Vec<_> = queue.take_all().collect();
        assert_eq!(all, [1, 2, 3, 4]);
        assert!(queue.is_empty() && queue.pop_front().is_none());
        assert_eq!(queue.len(), 0);
        queue.push_back(5);
        assert_eq!(items(&queue), [5], "usable again after take_all");
    }

    #[test]
    fn retain_keeps_the_order_and_asks_each_item_once_oldest_first() {
        let mut queue = Fifo::new();
        queue.retain(|_| panic!("an empty queue has nothing to ask about"));
        for item in 0..6 {
            queue.push_back(item);
        }
        let mut asked = Vec::new();
        queue.retain(|&item| {
            asked.push(item);
            item % 2 == 1
        });
        assert_eq!(asked, [0, 1, 2, 3, 4, 5]);
        assert_eq!(items(&queue), [1, 3, 5]);
        queue.retain(|&item| item == 3);
        assert_eq!(items(&queue), [3]);
        queue.retain(|_| false);
        assert!(queue.is_empty());
        assert_eq!(queue.len(), 0);
    }

    #[test]
    fn items_let_go_of_are_dropped_once_and_the_rest_with_the_queue() {
        let items: Vec<_> = (0..3).map(Arc::new).collect();
        let mut queue = Fifo::new();
        for item in &items {
            queue.push_back(item.clone());
        }
        queue.retain(|item| !Arc::ptr_eq(item, &items[0]));
        assert_eq!(Arc::strong_count(&items[0]), 1, "the first, let go of");
        assert_eq!(Arc::strong_count(&items[1]), 2, "kept");
        drop(queue);
        assert!(items.iter().all(|item| Arc::strong_count(item) == 1));
    }
}
