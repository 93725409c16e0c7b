use hoare::chan;
use std::thread;
#[test]
fn smoke() {
    for cap in [None, Some(0), Some(1), Some(16)] {
        let (tx, rx) = match cap { None => chan::unbounded(), Some(c) => chan::bounded(c) };
        let mut hs = vec![];
        for p in 0..4u64 {
            let tx = tx.clone();
            hs.push(thread::spawn(move || for i in 0..10000u64 { tx.send_blocking(p * 100000 + i).unwrap(); }));
        }
        drop(tx);
        let mut cs = vec![];
        for _ in 0..4 {
            let rx = rx.clone();
            cs.push(thread::spawn(move || { let mut s = 0u64; let mut n = 0; for v in rx.iter() { s += v; n += 1; } (s, n) }));
        }
        drop(rx);
        for h in hs { h.join().unwrap(); }
        let (mut s, mut n) = (0, 0);
        for c in cs { let (a, b) = c.join().unwrap(); s += a; n += b; }
        assert_eq!(n, 40000, "cap {cap:?}");
        let expect: u64 = (0..4u64).map(|p| (0..10000u64).map(|i| p*100000+i).sum::<u64>()).sum();
        assert_eq!(s, expect);
    }
}
