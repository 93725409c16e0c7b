use hoare::chan::{self, RecvError};
use hoare::select::{Select, Selected};

#[test]
fn forms() {
    let (tx, rx) = chan::bounded::<u32>(1);
    let (tx2, rx2) = chan::bounded::<u32>(0);
    hoare::block_on(async {
        let r = hoare::select! {
            recv(rx) -> m => m.unwrap_or(0),
            send(tx, 5) -> r => { r.unwrap(); 1 }
        };
        assert_eq!(r, 1);
        let r = hoare::select! {
            recv(rx) -> m => m.unwrap(),
            recv(&rx2) -> _m => 99,
            default => 7,
        };
        assert_eq!(r, 5);
        let r: u32 = hoare::select! { default => 3 };
        assert_eq!(r, 3);
        let g = false;
        let r = hoare::select! {
            biased;
            send(&&tx, 9) -> _ => 1,
            recv(rx) -> _ if g => 2,
        };
        assert_eq!(r, 1);
        let r = hoare::select! {
            recv(rx) -> v => v.unwrap(),
        };
        assert_eq!(r, 9);
        for i in 0..3 {
            let _ = hoare::select! {
                recv(rx) -> _ => { continue }
                default => { if i == 2 { break } }
            };
        }
        drop(tx2);
        let r = hoare::select! { recv(rx2) -> m => m };
        assert_eq!(r, Err(RecvError));
        let mut sel = Select::new();
        sel.recv(&rx);
        let i = sel.send(&tx, 4);
        let (idx, op) = sel.select().await;
        assert_eq!(idx, i);
        assert!(matches!(op, Selected::Send(Ok(()))));
    });
}

#[test]
fn rendezvous_selects_meet() {
    for _ in 0..200 {
        let (tx, rx) = chan::bounded::<u32>(0);
        let (tx2, rx2) = (tx.clone(), rx.clone());
        let a = std::thread::spawn(move || hoare::block_on(async { hoare::select! { send(tx2, 1) -> r => r.is_ok() } }));
        let b = std::thread::spawn(move || hoare::block_on(async { hoare::select! { recv(rx2) -> m => m.unwrap() } }));
        assert!(a.join().unwrap());
        assert_eq!(b.join().unwrap(), 1);
        drop((tx, rx));
    }
}

#[test]
fn fairness_quick() {
    let chans: Vec<_> = (0..4).map(|_| chan::unbounded::<u8>()).collect();
    let mut counts = [0u32; 4];
    hoare::block_on(async {
        for _ in 0..100_000 {
            for (tx, _) in &chans { if tx.is_empty() { tx.try_send(0).unwrap(); } }
            let i = hoare::select! {
                recv(chans[0].1) -> _ => 0,
                recv(chans[1].1) -> _ => 1,
                recv(chans[2].1) -> _ => 2,
                recv(chans[3].1) -> _ => 3,
            };
            counts[i] += 1;
        }
    });
    let e = 25_000.0;
    let chi: f64 = counts.iter().map(|&c| (c as f64 - e).powi(2) / e).sum();
    assert!(chi < 21.11, "{counts:?} {chi}");
}
