//! Bad input fails at the call with a message, never with an abort.

use hoare::chan;

#[test]
#[should_panic(expected = "bounded(1099511627776)")]
fn a_bounded_buffer_that_cannot_be_allocated_panics_naming_the_capacity() {
    // 16 TiB of slots: within isize::MAX bytes, beyond any allocator.
    let _ = chan::bounded::<u64>(1 << 40);
}

#[test]
#[should_panic(expected = "capacity")]
fn a_bounded_buffer_that_cannot_be_allocated_says_what_to_do() {
    let _ = chan::bounded::<[u8; 64]>(1 << 40);
}
