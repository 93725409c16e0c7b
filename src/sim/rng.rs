//! The simulation's pseudo-random generator: hoare's own, fixed algorithm.
//!
//! SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number
//! generators", OOPSLA 2014): a 64-bit counter advanced by the golden-ratio
//! increment and passed through a bijective mixing function. It is tiny,
//! passes BigCrush, and — the property that matters here — is defined by
//! this file alone, so a seed means the same schedule on every platform and
//! every version of the standard library.

/// A seeded SplitMix64 stream.
#[derive(Clone, Debug)]
pub(crate) struct SimRng {
    state: u64,
}

impl SimRng {
    /// A stream determined by `seed` (and by `stream`, so one seed can feed
    /// several independent streams: scheduling, select choices, timers,
    /// `buggify!`).
    pub(crate) fn new(seed: u64, stream: u64) -> Self {
        let mut rng = SimRng {
            state: seed ^ stream.wrapping_mul(0xD1B5_4A32_D192_ED03),
        };
        // Discard one output so nearby seeds diverge at once.
        rng.next_u64();
        rng
    }

    /// The next 64 bits.
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform number in `0..n` (`n > 0`), without modulo bias.
    pub(crate) fn below(&mut self, n: usize) -> usize {
        assert!(n > 0, "hoare: SimRng::below(0)");
        let n = n as u64;
        // Rejection sampling over the largest multiple of n.
        let zone = u64::MAX - (u64::MAX % n);
        loop {
            let value = self.next_u64();
            if value < zone {
                return (value % n) as usize;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::SimRng;

    #[test]
    fn the_stream_is_fixed_by_the_seed() {
        let a: Vec<u64> = {
            let mut rng = SimRng::new(42, 0);
            (0..5).map(|_| rng.next_u64()).collect()
        };
        let b: Vec<u64> = {
            let mut rng = SimRng::new(42, 0);
            (0..5).map(|_| rng.next_u64()).collect()
        };
        assert_eq!(a, b);
        let mut other = SimRng::new(43, 0);
        assert_ne!(a[0], other.next_u64());
        let mut other_stream = SimRng::new(42, 1);
        assert_ne!(a[0], other_stream.next_u64());
    }

    #[test]
    fn splitmix_matches_its_published_output() {
        // SplitMix64 seeded with 0 (no discard): the reference sequence.
        let mut rng = SimRng { state: 0 };
        assert_eq!(rng.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(rng.next_u64(), 0x6E78_9E6A_A1B9_65F4);
    }

    #[test]
    fn below_is_roughly_uniform() {
        let mut rng = SimRng::new(7, 0);
        let mut counts = [0u32; 3];
        for _ in 0..30_000 {
            counts[rng.below(3)] += 1;
        }
        assert!(
            counts.iter().all(|&c| (9_000..11_000).contains(&c)),
            "{counts:?}"
        );
    }
}
