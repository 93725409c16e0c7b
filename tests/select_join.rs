//! The `join` arm of `select!`: a process's end as a select operation,
//! under every select rule.

mod support;

use std::time::Duration;

use hoare::{chan, time};
use support::{expect_panic, within};

#[test]
fn join_arm_yields_the_output_of_a_finished_process() {
    within(20, || {
        hoare::run(async {
            let handle = hoare::spawn(async { 7u32 });
            let result = hoare::select! {
                join(handle) -> result => result,
            };
            assert_eq!(result.unwrap(), 7);
        })
    });
}

#[test]
fn waiting_join_arm_wakes_when_the_process_finishes() {
    within(20, || {
        hoare::run(async {
            let (go_tx, go) = chan::bounded::<u32>(0);
            let (_idle_tx, idle) = chan::bounded::<u32>(0);
            let handle = hoare::spawn(async move { go.recv().await.unwrap() * 2 });
            let releaser = hoare::spawn(async move {
                time::sleep(Duration::from_millis(5)).await;
                go_tx.send(21).await.unwrap();
            });
            let got = hoare::select! {
                join(handle) -> result => result.unwrap(),
                recv(idle) -> _ => unreachable!("nothing is sent on idle"),
            };
            assert_eq!(got, 42);
            releaser.await.unwrap();
        })
    });
}

#[test]
fn join_arm_not_chosen_leaves_the_handle_with_its_result() {
    within(20, || {
        hoare::run(async {
            let (go_tx, go) = chan::bounded::<()>(0);
            let (ready_tx, ready) = chan::bounded::<u8>(1);
            ready_tx.try_send(1).unwrap();
            let mut handle = hoare::spawn(async move {
                go.recv().await.unwrap();
                "late"
            });
            let picked = hoare::select! {
                join(&mut handle) -> _ => "join",
                recv(ready) -> _ => "channel",
            };
            assert_eq!(picked, "channel", "the process cannot have finished yet");
            go_tx.send(()).await.unwrap();
            assert_eq!(handle.await.unwrap(), "late");
        })
    });
}

#[test]
fn join_arm_that_lost_to_a_timeout_withdraws_and_the_handle_still_works() {
    within(20, || {
        hoare::run(async {
            let (go_tx, go) = chan::bounded::<()>(0);
            let mut handle = hoare::spawn(async move {
                go.recv().await.unwrap();
                5u8
            });
            for _ in 0..3 {
                let timed_out = hoare::select! {
                    join(&mut handle) -> _ => false,
                    recv(time::after(Duration::from_millis(2))) -> _ => true,
                };
                assert!(timed_out);
            }
            go_tx.send(()).await.unwrap();
            let result = hoare::select! {
                join(&mut handle) -> result => result,
            };
            assert_eq!(result.unwrap(), 5);
        })
    });
}

#[test]
fn join_arm_reports_a_panic_and_a_cancellation() {
    within(20, || {
        hoare::run(async {
            let panicking = hoare::spawn(async { panic!("worker failed") });
            let error = hoare::select! { join(panicking) -> result => result.unwrap_err() };
            assert!(error.is_panic());

            let (_never_tx, never) = chan::bounded::<()>(0);
            let stuck = hoare::spawn(async move { never.recv().await });
            stuck.abort();
            let error = hoare::select! { join(stuck) -> result => result.unwrap_err() };
            assert!(error.is_cancelled());
        })
    });
}

#[test]
fn finished_process_and_ready_channel_are_chosen_fairly() {
    within(60, || {
        hoare::run(async {
            const TRIALS: usize = 400;
            let mut joins = 0;
            for _ in 0..TRIALS {
                let handle = hoare::spawn(async {});
                // Sleep, not yield: a spinning main future would keep a
                // serialising runner (valgrind) from giving the worker time.
                while !handle.is_finished() {
                    time::sleep(Duration::from_millis(1)).await;
                }
                let (tx, rx) = chan::bounded::<()>(1);
                tx.try_send(()).unwrap();
                joins += hoare::select! {
                    join(handle) -> _ => 1,
                    recv(rx) -> _ => 0,
                };
            }
            // Binomial(400, 1/2): sd 10; 100..=300 is ten sd either side.
            assert!(
                (100..=300).contains(&joins),
                "join chosen {joins} times of {TRIALS}: not uniform between two ready arms"
            );
        })
    });
}

#[test]
fn biased_select_prefers_a_finished_join_written_first() {
    within(20, || {
        hoare::run(async {
            for _ in 0..50 {
                let handle = hoare::spawn(async { 1u8 });
                // Sleep, not yield: a spinning main future would keep a
                // serialising runner (valgrind) from giving the worker time.
                while !handle.is_finished() {
                    time::sleep(Duration::from_millis(1)).await;
                }
                let (tx, rx) = chan::bounded::<u8>(1);
                tx.try_send(2).unwrap();
                let got = hoare::select! {
                    biased;
                    join(handle) -> result => result.unwrap(),
                    recv(rx) -> message => message.unwrap(),
                };
                assert_eq!(got, 1);
            }
        })
    });
}

#[test]
fn guarded_off_join_arm_is_not_evaluated() {
    within(20, || {
        hoare::run(async {
            let evaluated = std::cell::Cell::new(false);
            let handle_expr = || {
                evaluated.set(true);
                hoare::spawn(async {})
            };
            let picked = hoare::select! {
                join(handle_expr()) -> _ if false => "join",
                default => "default",
            };
            assert_eq!(picked, "default");
            assert!(
                !evaluated.get(),
                "a disabled arm's operand is not evaluated"
            );
        })
    });
}

#[test]
fn join_arm_on_a_handle_that_already_returned_panics_saying_so() {
    let message = expect_panic(|| {
        hoare::run(async {
            let mut handle = hoare::spawn(async { 1u8 });
            assert_eq!((&mut handle).await.unwrap(), 1);
            hoare::select! { join(&mut handle) -> _ => () }
        })
    });
    assert!(
        message.contains("after it returned its result"),
        "the panic says why: {message}"
    );
}

#[test]
fn join_arm_in_a_simulation_waits_and_is_reported_in_a_deadlock() {
    let outcome = hoare::sim::Builder::new().seed(3).try_run(async {
        let (_tx, rx) = chan::bounded::<()>(0);
        let handle = hoare::spawn(async move { rx.recv().await });
        hoare::select! { join(handle) -> _ => () }
    });
    let report = outcome.unwrap_err().to_string();
    assert!(report.contains("deadlock"), "{report}");
    assert!(
        report.contains("join of p1"),
        "the main future waits on p1: {report}"
    );

    let value = hoare::sim::Builder::new().seed(3).run(async {
        let handle = hoare::spawn(async {
            hoare::yield_now().await;
            9u8
        });
        hoare::select! { join(handle) -> result => result.unwrap() }
    });
    assert_eq!(value, 9);
}
