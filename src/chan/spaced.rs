//! Keeping a channel's hot fields apart without over-aligning it.
//!
//! The head (written by receivers) and the tail (written by senders) of a
//! buffered channel must not share a cache line, or every send would steal
//! the line every receive is using. crossbeam's `CachePadded` does that by
//! aligning each field to 128 bytes (x86's adjacent-line prefetcher pulls
//! lines in pairs), which makes the whole channel 128-aligned: with the
//! `Arc`'s counters in front, a bounded channel took about 1 KiB of
//! memory, most of it alignment waste. [`Spaced`] gets the same
//! separation from distance instead of alignment: a field followed by
//! padding, so in a `#[repr(C)]` struct the next field starts at least
//! [`SPACING`] bytes after it, and two addresses that far apart never fall
//! in the same 128-byte pair of lines, wherever the allocation starts.

use std::ops::Deref;

/// The distance between the start of a spaced field and the next field.
pub(crate) const SPACING: usize = 128;

/// `value`, followed by `SPACING - 8` bytes of padding: for values of 8 to
/// 16 bytes (checked at compile time), the next field is then at least
/// [`SPACING`] bytes on.
#[repr(C)]
pub(crate) struct Spaced<T> {
    value: T,
    _padding: [u8; SPACING - 8],
}

impl<T> Spaced<T> {
    const FITS: () = assert!(
        std::mem::size_of::<T>() >= 8
            && std::mem::size_of::<T>() <= 16
            && std::mem::align_of::<T>() <= 16,
        "hoare: a spaced field must be 8 to 16 bytes"
    );

    pub(crate) const fn new(value: T) -> Self {
        #[allow(clippy::let_unit_value)]
        let () = Self::FITS;
        Spaced {
            value,
            _padding: [0; SPACING - 8],
        }
    }
}

impl<T> Deref for Spaced<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_field_starts_at_least_spacing_bytes_on() {
        #[repr(C)]
        struct Pair {
            head: Spaced<u64>,
            tail: Spaced<[u64; 2]>,
            rest: u8,
        }
        assert!(std::mem::offset_of!(Pair, tail) >= SPACING);
        assert!(std::mem::offset_of!(Pair, rest) - std::mem::offset_of!(Pair, tail) >= SPACING);
        assert!(std::mem::align_of::<Pair>() <= 16);
    }
}
