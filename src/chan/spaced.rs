//! Keeping a ring's or a list's head and tail apart without over-aligning
//! the allocation.
//!
//! Senders write the tail of a queue and receivers its head; on the same
//! cache line, each write would take the line from the other core. x86's
//! adjacent-line prefetcher also fetches lines in aligned pairs, so
//! crossbeam's `CachePadded` aligns to 128 bytes there. An allocation
//! aligned to more than 16 bytes is a `posix_memalign` in glibc: measured
//! with callgrind on `hot_paths skynet` (one `bounded(10)` per ten
//! leaves), 860 instructions per channel, and the aligned chunk's
//! split-off remainder is freed at once, which the following `free`s
//! pay for again. With the padding below, the count fell by 83
//! instructions a leaf: some 830 per channel.
//!
//! [`Spaced`] pads instead of aligning: its value is followed by enough
//! bytes that, in a `repr(C)` struct, the next field starts at least
//! [`SPACING`] bytes after this one. Two fields at least 128 bytes apart
//! never fall in the same aligned 128-byte block, wherever the allocator
//! puts the struct, which is what the alignment bought. What it gives up:
//! the first spaced field may share its block with the allocator's
//! header and the block before it, and the last fields with the block
//! after; neither is written on a channel's hot path.

use std::mem::MaybeUninit;
use std::ops::Deref;

/// The least distance between the start of a spaced field and the field
/// after it.
pub(crate) const SPACING: usize = 128;

/// Padding after a value of at least a word: 120 bytes, so that the value
/// and its gap take at least [`SPACING`].
const GAP_WORDS: usize = SPACING / size_of::<usize>() - 1;

/// `T` followed by enough padding that the next field of a `repr(C)`
/// struct starts at least [`SPACING`] bytes after it, at `T`'s own
/// alignment.
#[repr(C)]
pub(crate) struct Spaced<T> {
    value: T,
    /// Never read or written.
    _gap: [MaybeUninit<usize>; GAP_WORDS],
}

impl<T> Spaced<T> {
    /// `value`, spaced.
    pub(crate) const fn new(value: T) -> Self {
        assert!(
            size_of::<T>() >= size_of::<usize>(),
            "a spaced value of less than a word would leave less than SPACING before the next field"
        );
        Spaced {
            value,
            _gap: [MaybeUninit::uninit(); GAP_WORDS],
        }
    }
}

impl<T> Deref for Spaced<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.value
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use std::mem::{align_of, size_of};

    use super::{Spaced, SPACING};
    use crate::chan::{array, list};

    /// Whether the words at byte offsets `a < b` of a struct can fall in
    /// one aligned 128-byte block, for some 8-aligned placement of the
    /// struct: exactly when they are less than 128 bytes apart. An
    /// 8-aligned word never straddles two blocks, so its first byte
    /// stands for all of it.
    fn can_share_a_block(a: usize, b: usize) -> bool {
        (0..SPACING)
            .step_by(8)
            .any(|base| (base + a) / SPACING == (base + b) / SPACING)
    }

    #[test]
    fn a_spaced_word_or_pair_takes_at_least_the_spacing_at_its_own_alignment() {
        assert_eq!(size_of::<Spaced<usize>>(), SPACING);
        assert_eq!(size_of::<Spaced<[usize; 2]>>(), SPACING + 8);
        assert_eq!(align_of::<Spaced<[usize; 2]>>(), align_of::<usize>());
    }

    #[test]
    fn a_rings_head_tail_and_the_rest_never_share_a_128_byte_block() {
        let [head, tail, rest] = array::spaced_offsets();
        assert!(!can_share_a_block(head, tail), "head {head}, tail {tail}");
        assert!(!can_share_a_block(tail, rest), "tail {tail}, rest {rest}");
        assert!(
            align_of::<array::Ring<u64>>() <= 16,
            "a ring's box needs no aligned allocation"
        );
    }

    #[test]
    fn a_lists_head_tail_and_the_rest_never_share_a_128_byte_block() {
        let [head, tail, rest] = list::spaced_offsets();
        assert!(!can_share_a_block(head, tail), "head {head}, tail {tail}");
        // The head's second word (its block) against the tail.
        assert!(
            !can_share_a_block(head + 8, tail),
            "head {head}, tail {tail}"
        );
        assert!(
            !can_share_a_block(tail + 8, rest),
            "tail {tail}, rest {rest}"
        );
        assert!(
            align_of::<list::Linked<u64>>() <= 16,
            "a list's box needs no aligned allocation"
        );
    }

    #[test]
    fn fields_less_than_the_spacing_apart_can_share_a_block() {
        assert!(can_share_a_block(0, SPACING - 8));
        assert!(!can_share_a_block(0, SPACING));
    }
}
