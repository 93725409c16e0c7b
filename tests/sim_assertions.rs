//! Coverage assertions and `buggify!`: what each does inside a
//! simulation, over a `check`, and outside.

use std::panic::{catch_unwind, AssertUnwindSafe};

use hoare::sim::{self, Builder, SimError};

fn panic_text(payload: Box<dyn std::any::Any + Send>) -> String {
    if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_string()
    } else {
        String::new()
    }
}

#[test]
fn a_false_always_in_an_awaited_process_fails_the_run_not_the_join() {
    let result = Builder::new().seed(1).try_run(async {
        let child = hoare::spawn(async {
            hoare::assert_always!(1 + 1 == 3, "arithmetic holds");
        });
        child.await.is_err()
    });
    match result {
        Err(error @ SimError::Assertion { .. }) => {
            let text = error.to_string();
            assert!(text.contains("arithmetic holds"), "{text}");
            assert!(text.contains("process p1"), "{text}");
        }
        other => panic!("expected SimError::Assertion, got {other:?}"),
    }
}

#[test]
fn a_false_always_whose_panic_is_caught_still_fails_the_run() {
    let result = Builder::new().try_run(async {
        let caught = catch_unwind(|| hoare::assert_always!(false, "never caught away"));
        caught.is_err()
    });
    assert!(
        matches!(&result, Err(SimError::Assertion { name, .. }) if name == "never caught away"),
        "{result:?}"
    );
}

#[test]
fn the_name_is_the_key_and_format_arguments_add_to_the_message() {
    let result = Builder::new().try_run(async {
        let seen = 7;
        hoare::assert_always!(seen < 5, "seen below five, was {}", seen);
    });
    match result {
        Err(SimError::Assertion { name, message, .. }) => {
            assert_eq!(name, "seen below five, was {}");
            assert_eq!(message, "seen below five, was 7");
        }
        other => panic!("expected SimError::Assertion, got {other:?}"),
    }
}

#[test]
fn a_reached_unreachable_fails_the_run_naming_it() {
    let result = Builder::new().try_run(async {
        hoare::spawn(async { hoare::assert_unreachable!("the child's dead end") });
        hoare::yield_now().await;
        hoare::yield_now().await;
    });
    match result {
        Err(error @ SimError::Assertion { .. }) => {
            assert!(error.to_string().contains("the child's dead end"))
        }
        other => panic!("expected SimError::Assertion, got {other:?}"),
    }
}

#[test]
fn a_true_always_and_an_unreached_unreachable_pass() {
    Builder::new().run(async {
        hoare::assert_always!(true, "true");
        if false {
            hoare::assert_unreachable!("dead code");
        }
    });
}

#[cfg(debug_assertions)]
#[test]
fn outside_a_simulation_always_and_unreachable_are_debug_asserts() {
    let always = catch_unwind(|| hoare::assert_always!(false, "outside"));
    assert!(panic_text(always.unwrap_err()).contains("outside"));
    let unreachable = catch_unwind(|| hoare::assert_unreachable!("outside too"));
    assert!(panic_text(unreachable.unwrap_err()).contains("outside too"));
    hoare::assert_always!(true, "a true one passes");
    hoare::assert_sometimes!(false, "does nothing outside");
}

#[test]
fn check_fails_naming_a_sometimes_that_never_held() {
    let outcome = catch_unwind(|| {
        Builder::new().check(|| async {
            hoare::assert_sometimes!(false, "the impossible state");
        })
    });
    let text = panic_text(outcome.expect_err("check must fail on a never-held sometimes"));
    assert!(text.contains("the impossible state"), "{text}");
}

#[test]
fn check_passes_when_each_sometimes_held_in_some_run() {
    sim::check(|| async {
        let (tx, rx) = hoare::chan::bounded(1);
        hoare::spawn(async move { tx.send(1).await.unwrap() });
        hoare::yield_now().await;
        let early = rx.try_recv().is_ok();
        hoare::assert_sometimes!(early, "the value came first");
        hoare::assert_sometimes!(!early, "the look came first");
    });
}

#[test]
fn a_sometimes_outside_check_does_not_fail_a_single_run() {
    Builder::new().run(async {
        hoare::assert_sometimes!(false, "only counted by check");
    });
}

#[test]
fn concurrent_checks_on_their_own_threads_keep_their_own_records() {
    let failing = std::thread::spawn(|| {
        catch_unwind(AssertUnwindSafe(|| {
            Builder::new().check(|| async { hoare::assert_sometimes!(false, "shared name") })
        }))
        .is_err()
    });
    let passing = std::thread::spawn(|| {
        catch_unwind(AssertUnwindSafe(|| {
            Builder::new().check(|| async { hoare::assert_sometimes!(true, "shared name") })
        }))
        .is_ok()
    });
    assert!(failing.join().unwrap(), "the never-held check must fail");
    assert!(passing.join().unwrap(), "the held check must pass");
}

#[test]
fn buggify_is_false_outside_a_simulation() {
    assert!((0..100).all(|_| !hoare::buggify!()));
}

fn buggify_draws(seed: u64) -> Vec<bool> {
    Builder::new()
        .seed(seed)
        .run(async { (0..40).map(|_| hoare::buggify!()).collect() })
}

#[test]
fn buggify_gives_the_same_answers_for_the_same_seed() {
    for seed in 0..20 {
        assert_eq!(buggify_draws(seed), buggify_draws(seed), "seed {seed}");
    }
}

#[test]
fn buggify_enables_about_half_the_sites_and_fires_a_quarter_of_their_calls() {
    let runs: Vec<Vec<bool>> = (0..400).map(buggify_draws).collect();
    let enabled = runs.iter().filter(|draws| draws.iter().any(|&b| b)).count();
    // 40 draws at 1/4 miss all with probability (3/4)^40 ~ 1e-5.
    assert!(
        (150..250).contains(&enabled),
        "{enabled} of 400 runs had the site enabled"
    );
    let fired: usize = runs.iter().flatten().filter(|&&b| b).count();
    let per_enabled_call = fired as f64 / (enabled * 40) as f64;
    assert!((0.2..0.3).contains(&per_enabled_call), "{per_enabled_call}");
}
