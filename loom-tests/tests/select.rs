//! Loom models of the dynamic `Select` waiting, and of the selections that
//! do not wait: `select!` with a `default` arm and the dynamic
//! `Select::try_select`, unbiased (the order
//! of an unbiased select is seeded with a constant under loom) and biased
//! (`biased;`, `Select::biased`) with the arm that empties last written
//! first: the order in which a select that skipped the double collect
//! would wrongly answer `default`. (Written the other way round, the
//! check of the emptied arm comes first, when the other is ready already,
//! and no breakage of `select_now` could show.)
#![cfg(loom)]

use hoare::chan::{self, Receiver};
use hoare::select::{Select, Selected};
use loom::thread;

/// How the select of [`moving_message_never_lets_default_win`] is written.
#[derive(Clone, Copy)]
enum Form {
    Macro,
    MacroBiasedBFirst,
    Dynamic,
    DynamicBiasedBFirst,
}

/// Receives from `a` or `b` without waiting: the value, or `None` for the
/// `default` arm (or `Select::try_select`'s `None`). The biased forms put
/// `b` first.
fn select_now(form: Form, a: &Receiver<u32>, b: &Receiver<u32>) -> Option<u32> {
    let dynamic = |biased: bool| {
        let mut select = if biased {
            Select::new().biased()
        } else {
            Select::new()
        };
        if biased {
            select.recv(b);
            select.recv(a);
        } else {
            select.recv(a);
            select.recv(b);
        }
        select.try_select().map(|(_, selected)| match selected {
            Selected::Recv(message) => message.unwrap(),
            Selected::Send(_) => unreachable!("the select has no send"),
        })
    };
    match form {
        Form::Macro => hoare::block_on(async {
            hoare::select! {
                recv(a) -> m => Some(m.unwrap()),
                recv(b) -> m => Some(m.unwrap()),
                default => None,
            }
        }),
        Form::MacroBiasedBFirst => hoare::block_on(async {
            hoare::select! {
                biased;
                recv(b) -> m => Some(m.unwrap()),
                recv(a) -> m => Some(m.unwrap()),
                default => None,
            }
        }),
        Form::Dynamic => dynamic(false),
        Form::DynamicBiasedBFirst => dynamic(true),
    }
}

/// `default` is linearizable: while a select with `default` looks at
/// channels A and B, another thread moves the message from one to the
/// other, putting a message in the second *before* taking the one from the
/// first, so at every instant one arm is ready. The select never takes
/// `default`: a pass that found both empty (the second looked at before
/// the put, the first after the take) sees a channel's version change and
/// looks again (the double collect of `select_now`). Whichever message it
/// takes, the mover gets the other, so none is lost.
///
/// `from_a`: the message moves from A to B, which a select that looks at B
/// first (before the put) and A second (after the take) would get wrong;
/// else from B to A, the same for a select that looks at A first. An
/// unbiased select's order comes from a generator seeded with a constant
/// under loom, so a model sees one order only: the unbiased forms run
/// both directions, and whichever order the generator gives, one of them
/// is the order that a select trusting its first pass gets wrong.
///
/// Shown able to fail: making `select_now` trust its first pass
/// (`if unchanged {` always true) lets it return `default` (the model's
/// assertion), in each form.
fn moving_message_never_lets_default_win(form: Form, from_a: bool) {
    loom::model(move || {
        let (tx_a, rx_a) = chan::bounded::<u32>(1);
        let (tx_b, rx_b) = chan::bounded::<u32>(1);
        let (tx_from, rx_from, tx_to, rx_to) = if from_a {
            (tx_a, rx_a.clone(), tx_b, rx_b.clone())
        } else {
            (tx_b, rx_b.clone(), tx_a, rx_a.clone())
        };
        tx_from.try_send(1).unwrap();
        let mover = {
            let rx_from = rx_from.clone();
            thread::spawn(move || {
                tx_to.try_send(2).unwrap();
                rx_from.try_recv().ok()
            })
        };
        let chosen = select_now(form, &rx_a, &rx_b);
        let moved = mover.join().unwrap();
        match chosen {
            Some(1) => assert_eq!((moved, rx_to.try_recv().ok()), (None, Some(2))),
            Some(2) => assert_eq!((moved, rx_to.try_recv().ok()), (Some(1), None)),
            other => panic!("the select took {other:?} while one arm was always ready"),
        }
    });
}

#[test]
fn moving_message_never_lets_default_win_in_select_macro() {
    moving_message_never_lets_default_win(Form::Macro, true);
    moving_message_never_lets_default_win(Form::Macro, false);
}

#[test]
fn moving_message_never_lets_default_win_in_select_macro_biased_b_first() {
    moving_message_never_lets_default_win(Form::MacroBiasedBFirst, true);
}

#[test]
fn moving_message_never_lets_try_select_return_none() {
    moving_message_never_lets_default_win(Form::Dynamic, true);
    moving_message_never_lets_default_win(Form::Dynamic, false);
}

#[test]
fn moving_message_never_lets_biased_try_select_return_none() {
    moving_message_never_lets_default_win(Form::DynamicBiasedBFirst, true);
}

/// The waiting dynamic `Select` (`Select::select().await`) with a receive
/// on rendezvous channel A and a send on rendezvous channel B, while one
/// thread sends on A and another receives on B: exactly one of the two
/// operations happens, the future reports the one that did (its index and
/// outcome), and the party of the other channel is served afterwards by
/// a plain operation, so no value is lost or delivered twice and nobody is
/// stranded (loom would report a deadlock).
///
/// Shown able to fail: `loom-tests/mutations.toml` entry
/// `waiting_dynamic_select_reports_the_first_arm` (the future takes the
/// outcome of operation 0 whichever completed) makes the model panic when
/// the send wins.
#[test]
fn waiting_dynamic_select_completes_exactly_one_operation() {
    loom::model(|| {
        let (tx_a, rx_a) = chan::bounded::<u32>(0);
        let (tx_b, rx_b) = chan::bounded::<u32>(0);
        let sender = thread::spawn(move || tx_a.send_blocking(1));
        let receiver = thread::spawn(move || rx_b.recv_blocking());
        let (index, op) = hoare::block_on(async {
            let mut select = Select::new();
            select.recv(&rx_a);
            select.send(&tx_b, 2);
            select.select().await
        });
        match (index, op) {
            (0, Selected::Recv(Ok(1))) => assert_eq!(tx_b.send_blocking(3), Ok(())),
            (1, Selected::Send(Ok(()))) => assert_eq!(rx_a.recv_blocking(), Ok(1)),
            (index, op) => panic!("operation {index} completed with {op:?}"),
        }
        assert_eq!(sender.join().unwrap(), Ok(()));
        let received = receiver.join().unwrap();
        assert_eq!(received, Ok(if index == 0 { 3 } else { 2 }));
    });
}
