//! What an idle process parked on its own channel costs, part by part:
//! `cargo test --lib footprint -- --nocapture` prints the sizes that make
//! up the memory rows of the `versus` benchmark. The test pins the
//! channel allocation's bounds (see [`allocation`]) so that a change which
//! grows it is seen.

use std::mem::{align_of, size_of, size_of_val};

use super::waiter::{Entry, Registration, Token};
use super::{array, list, zero, Channel};
use crate::runtime::task::raw::{Cell, Header};
use crate::sync::Arc;

/// Bytes the allocator is asked for by an `Arc<X>`: the two counts, then
/// `X` at its alignment.
fn arc_bytes<X>() -> usize {
    let counts = 2 * size_of::<usize>();
    counts.next_multiple_of(align_of::<X>()) + size_of::<X>()
}

/// The bytes each flavour's channel asks the allocator for, before a
/// message is sent: the `Arc`, and the boxed ring or list.
fn allocation() -> [(&'static str, usize); 4] {
    let shared = arc_bytes::<Channel<u64>>();
    [
        ("bounded(0)", shared),
        // Capacity 1 is the rendezvous state with a buffer, allocated by
        // the first buffered send.
        ("bounded(1)", shared),
        (
            "bounded(1024)",
            shared + size_of::<array::Ring<u64>>() + 1024 * (size_of::<u64>() + size_of::<usize>()),
        ),
        ("unbounded", shared + size_of::<list::Linked<u64>>()),
    ]
}

/// Bytes of the task block that would hold `future`.
fn cell_bytes<F: std::future::Future>(_future: &F) -> usize {
    size_of::<Cell<F>>()
}

#[test]
fn idle_process_footprint() {
    let (tx, rx) = super::bounded::<u64>(1);
    let process = async move {
        let _ = rx.recv().await;
    };
    let (_other_tx, other_rx) = super::bounded::<u64>(1);
    let recv_future = size_of_val(&other_rx.recv());
    println!("task header: {} B", size_of::<Header>());
    println!(
        "task block for a process holding a receiver and awaiting recv: {} B (header, future {} B, \
         and the stage's tag; recv future {} B, Receiver {} B)",
        cell_bytes(&process),
        size_of_val(&process),
        recv_future,
        size_of::<super::Receiver<u64>>(),
    );
    println!(
        "Channel<u64>: {} B, align {}; Arc allocation {} B",
        size_of::<Channel<u64>>(),
        align_of::<Channel<u64>>(),
        arc_bytes::<Channel<u64>>()
    );
    println!(
        "  flavours: Rendezvous (capacities 0 to {}) {} B, Ring {} B (align {}), Linked {} B (align {})",
        zero::SMALL_CAPACITY,
        size_of::<zero::Rendezvous<u64>>(),
        size_of::<array::Ring<u64>>(),
        align_of::<array::Ring<u64>>(),
        size_of::<list::Linked<u64>>(),
        align_of::<list::Linked<u64>>(),
    );
    println!(
        "  buffer, bounded(1): {} B in a second allocation, from the first buffered send",
        size_of::<u64>()
    );
    println!(
        "waiter: Registration {} B (in the wait queue's VecDeque of capacity 1), Arc<Entry<u64>> {} B (a select arm on a rendezvous), Arc<Token> {} B; a plain rendezvous wait: InlineWaiter<u64> {} B inside the future",
        size_of::<Registration>(),
        arc_bytes::<Entry<u64>>(),
        arc_bytes::<Token>(),
        size_of::<super::inline_waiter::InlineWaiter<u64>>(),
    );
    for (flavour, bytes) in allocation() {
        println!("channel allocation, {flavour}: {bytes} B");
    }
    drop((tx, Arc::new(())));
    // A rendezvous channel pays for no ring: its `Arc` needs no
    // over-alignment and is smaller than a cache-padded ring alone.
    assert!(align_of::<Channel<u64>>() <= 16);
    assert!(arc_bytes::<Channel<u64>>() < size_of::<array::Ring<u64>>());
}
