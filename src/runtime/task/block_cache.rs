//! A per-thread cache of freed task blocks, so that spawning on a thread
//! that recently freed a block of the same layout skips the allocator.
//!
//! A process is one allocation (`raw::Cell<F>`), and programs spawn in
//! bursts: a node of a tree spawns its ten children at once, a server a
//! process per connection. glibc's per-thread cache holds 7 chunks of a
//! size, so a burst goes to the arena, and a block freed on another thread
//! than the one that allocated it goes back to that thread's arena under
//! its lock. Measured on the 2-core VM (`hot_paths skynet`, a million
//! leaves): raising glibc's cache to 256 chunks a size
//! (`GLIBC_TUNABLES=glibc.malloc.tcache_count=256`) took a leaf from
//! 840-890 ns to 490-640. This cache does the same for task blocks only,
//! whatever the allocator: `farm-bench` A/B of `hot_paths skynet`, 0.78x
//! the wall time (median of 14 pairs; 0.68-1.25).
//!
//! Each thread keeps up to [`PER_LAYOUT`] blocks for each of up to
//! [`LAYOUTS`] layouts (exact size and alignment: a process's future type
//! decides its block's size, and a program spawns few types in bulk) of
//! at most [`MAX_SIZE`] bytes. A block freed when its layout's list is
//! full, when every list holds blocks of other layouts, or larger than
//! that, goes back to the allocator; so does every cached block when its
//! thread exits. At most 4 × 128 blocks a thread stay allocated while
//! idle: 150 KB for blocks of 300 bytes, 512 KiB at most.
//!
//! Under loom the cache is off: a model allocates and frees directly.

use std::alloc::Layout;
use std::ptr::NonNull;

/// Layouts cached per thread.
#[cfg(not(loom))]
const LAYOUTS: usize = 4;
/// Blocks cached per layout and thread.
#[cfg(not(loom))]
const PER_LAYOUT: usize = 128;
/// The largest block cached: larger ones (a process holding a big
/// future) go straight back to the allocator, so a thread's cache stays
/// under `LAYOUTS * PER_LAYOUT * MAX_SIZE` = 512 KiB.
#[cfg(not(loom))]
const MAX_SIZE: usize = 1024;

/// Freed blocks of one layout.
#[cfg(not(loom))]
struct List {
    /// The layout's size and alignment; `size == 0` while unused (no task
    /// block is zero-sized: it starts with its header).
    size: usize,
    align: usize,
    blocks: Vec<NonNull<u8>>,
}

#[cfg(not(loom))]
impl List {
    const fn new() -> Self {
        List {
            size: 0,
            align: 0,
            blocks: Vec::new(),
        }
    }

    fn holds(&self, layout: Layout) -> bool {
        self.size == layout.size() && self.align == layout.align()
    }
}

#[cfg(not(loom))]
struct Cache {
    lists: [List; LAYOUTS],
}

#[cfg(not(loom))]
impl Cache {
    /// A cached block of `layout`, if any.
    fn take(&mut self, layout: Layout) -> Option<NonNull<u8>> {
        self.lists
            .iter_mut()
            .find(|list| list.holds(layout))
            .and_then(|list| list.blocks.pop())
    }

    /// Keeps `block` of `layout` if there is room; gives it back if not.
    fn keep(&mut self, block: NonNull<u8>, layout: Layout) -> Result<(), NonNull<u8>> {
        if layout.size() > MAX_SIZE {
            return Err(block);
        }
        let list = match self.lists.iter().position(|list| list.holds(layout)) {
            Some(index) => &mut self.lists[index],
            // A list that holds nothing may change layout.
            None => match self.lists.iter_mut().find(|list| list.blocks.is_empty()) {
                Some(list) => {
                    list.size = layout.size();
                    list.align = layout.align();
                    list
                }
                None => return Err(block),
            },
        };
        if list.blocks.len() == PER_LAYOUT {
            return Err(block);
        }
        if list.blocks.capacity() == 0 {
            list.blocks.reserve_exact(PER_LAYOUT);
        }
        list.blocks.push(block);
        Ok(())
    }
}

#[cfg(not(loom))]
impl Drop for Cache {
    fn drop(&mut self) {
        for list in &mut self.lists {
            if list.blocks.is_empty() {
                continue;
            }
            let layout = Layout::from_size_align(list.size, list.align)
                .expect("the layout of blocks that were allocated with it");
            for block in list.blocks.drain(..) {
                // SAFETY: `block` was allocated by `allocate` with `layout`
                // (the list's), and freed by its process: no one uses it.
                unsafe { std::alloc::dealloc(block.as_ptr(), layout) };
            }
        }
    }
}

#[cfg(not(loom))]
std::thread_local! {
    static CACHE: std::cell::RefCell<Cache> = const {
        std::cell::RefCell::new(Cache {
            lists: [const { List::new() }; LAYOUTS],
        })
    };
}

/// Memory for a task block of `layout` (non-zero size): a cached block
/// of this thread, or a fresh allocation.
pub(crate) fn allocate(layout: Layout) -> NonNull<u8> {
    debug_assert!(layout.size() > 0, "a task block holds at least its header");
    #[cfg(not(loom))]
    {
        // `try_with`: during this thread's exit the cache may be gone.
        let cached = CACHE
            .try_with(|cache| cache.try_borrow_mut().ok()?.take(layout))
            .ok()
            .flatten();
        if let Some(block) = cached {
            return block;
        }
    }
    // SAFETY: the layout has a non-zero size (a header at least).
    let block = unsafe { std::alloc::alloc(layout) };
    NonNull::new(block).unwrap_or_else(|| std::alloc::handle_alloc_error(layout))
}

/// Frees a task block: keeps it in this thread's cache if there is room.
///
/// # Safety
///
/// `block` came from [`allocate`] with this `layout`, its contents are
/// dropped, and no one will use it again.
pub(crate) unsafe fn free(block: NonNull<u8>, layout: Layout) {
    #[cfg(not(loom))]
    let block = match CACHE.try_with(|cache| match cache.try_borrow_mut() {
        Ok(mut cache) => cache.keep(block, layout),
        Err(_) => Err(block),
    }) {
        Ok(Ok(())) => return,
        Ok(Err(block)) => block,
        Err(_) => block,
    };
    // SAFETY: the caller's contract: allocated with `layout`, unused.
    unsafe { std::alloc::dealloc(block.as_ptr(), layout) };
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    /// The blocks this thread's cache holds, all layouts together.
    fn cached() -> usize {
        CACHE.with(|cache| {
            cache
                .borrow()
                .lists
                .iter()
                .map(|list| list.blocks.len())
                .sum()
        })
    }

    /// Blocks freed on a thread come back to that thread's next
    /// allocations of the same layout; a block over `MAX_SIZE`, the
    /// 129th block of a layout and a fifth layout go back to the
    /// allocator.
    #[test]
    fn freed_blocks_are_reused_by_layout_up_to_the_bounds() {
        // A thread of its own: a fresh, empty cache.
        std::thread::spawn(|| {
            let small = Layout::from_size_align(96, 8).unwrap();
            let large = Layout::from_size_align(416, 16).unwrap();
            let a = allocate(small);
            let b = allocate(large);
            // SAFETY: the block came from `allocate` with that layout and
            // is not used after.
            unsafe {
                free(a, small);
                free(b, large);
            }
            assert_eq!(allocate(large), b, "the freed block of that layout");
            assert_eq!(allocate(small), a, "the freed block of that layout");
            assert_eq!(cached(), 0);

            let huge = Layout::from_size_align(MAX_SIZE + 16, 8).unwrap();
            // SAFETY: the block came from `allocate` with that layout and
            // is not used after.
            unsafe { free(allocate(huge), huge) };
            assert_eq!(cached(), 0, "a block over MAX_SIZE is not kept");

            // SAFETY: the block came from `allocate` with that layout and
            // is not used after.
            unsafe { free(a, small) };
            let blocks: Vec<_> = (0..=PER_LAYOUT).map(|_| allocate(small)).collect();
            assert_eq!(blocks[0], a, "the cached block first");
            for &block in &blocks {
                // SAFETY: the block came from `allocate` with that layout and
                // is not used after.
                unsafe { free(block, small) };
            }
            assert_eq!(cached(), PER_LAYOUT, "the block past the bound went back");

            // `small` holds one list and `large` (still allocated, `b`)
            // another with nothing in it; the two other lists are unused.
            // Of five new layouts, three get a list: the two unused ones
            // and `large`'s, empty; the other two are not kept.
            let mut kept = 0;
            for n in 1..=LAYOUTS + 1 {
                let layout = Layout::from_size_align(100 + 16 * n, 8).unwrap();
                let before = cached();
                // SAFETY: the block came from `allocate` with that layout and
                // is not used after.
                unsafe { free(allocate(layout), layout) };
                kept += cached() - before;
            }
            assert_eq!(kept, LAYOUTS - 1);
            // `large`'s list now holds another layout; every list holds
            // blocks, so `b` goes back to the allocator.
            // SAFETY: the block came from `allocate` with that layout and
            // is not used after.
            unsafe { free(b, large) };
            assert_eq!(cached(), PER_LAYOUT + LAYOUTS - 1);
        })
        .join()
        .unwrap();
    }
}
