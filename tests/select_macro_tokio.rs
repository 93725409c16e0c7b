//! Port of tokio's `select!` macro shape tests (`tests/macros_select.rs`)
//! to `hoare::select!`: many arms, nesting, loops with a break value,
//! block bodies followed by commas, moved operands.

mod support;

use std::time::Duration;

use hoare::chan::{bounded, unbounded};
use support::within;

#[test]
fn select_with_many_arms_and_block_bodies_with_commas() {
    let chans: Vec<_> = (0..16).map(|_| unbounded::<usize>()).collect();
    chans[13].0.try_send(13).unwrap();
    let got = hoare::block_on(async {
        hoare::select! {
            recv(chans[0].1) -> m => { m.unwrap() },
            recv(chans[1].1) -> m => { m.unwrap() },
            recv(chans[2].1) -> m => { m.unwrap() }
            recv(chans[3].1) -> m => m.unwrap(),
            recv(chans[4].1) -> m => m.unwrap(),
            recv(chans[5].1) -> m => m.unwrap(),
            recv(chans[6].1) -> m => m.unwrap(),
            recv(chans[7].1) -> m => m.unwrap(),
            recv(chans[8].1) -> m => m.unwrap(),
            recv(chans[9].1) -> m => m.unwrap(),
            recv(chans[10].1) -> m => m.unwrap(),
            recv(chans[11].1) -> m => m.unwrap(),
            recv(chans[12].1) -> m => m.unwrap(),
            recv(chans[13].1) -> m => m.unwrap(),
            recv(chans[14].1) -> m => m.unwrap(),
            recv(chans[15].1) -> m => m.unwrap()
        }
    });
    assert_eq!(got, 13);
}

#[test]
fn nested_select_and_select_in_loop_with_break_value() {
    let (tx1, rx1) = unbounded::<i32>();
    let (tx2, rx2) = unbounded::<i32>();
    tx2.try_send(2).unwrap();
    let v = hoare::block_on(async {
        hoare::select! {
            recv(rx1) -> _ => 0,
            default => hoare::select! {
                recv(rx2) -> m => m.unwrap() * 10,
                default => -1,
            },
        }
    });
    assert_eq!(v, 20);
    for i in 0..5 {
        tx1.try_send(i).unwrap();
    }
    drop(tx1);
    let total = hoare::block_on(async {
        let mut total = 0;
        let r = loop {
            hoare::select! {
                recv(rx1) -> m => match m {
                    Ok(v) => total += v,
                    Err(_) => break total,
                },
            }
        };
        r
    });
    assert_eq!(total, 10);
}

#[test]
fn select_in_processes_with_moved_operands_and_sleep_arm() {
    within(20, || {
        hoare::run(async {
            let (tx, rx) = bounded::<u8>(0);
            let h = hoare::spawn(async move {
                let mut n = 0;
                loop {
                    hoare::select! {
                        recv(rx) -> m => match m { Ok(_) => n += 1, Err(_) => return n },
                        recv(hoare::time::after(Duration::from_secs(20))) -> _ => return 999,
                    }
                }
            });
            for i in 0..10 {
                tx.send(i).await.unwrap();
            }
            drop(tx);
            assert_eq!(h.await.unwrap(), 10);
        });
    });
}
