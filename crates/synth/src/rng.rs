//! Seeded randomness whose output is fixed by the seed, not by library versions or thread timing.
//!
//! Every stream is a ChaCha8 generator keyed by a hash of (region seed, stream kind, facility,
//! patient). ChaCha8's output is fixed by its specification, and all mapping from `u64` to ranges,
//! probabilities and weighted choices is done here with integer arithmetic and exact float
//! comparisons, so a seed keeps meaning the same region across `rand` releases and thread counts.

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};

/// What a stream is used for; part of the key so that streams never overlap.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Stream {
    /// Who a person is: name, birth date, address, chronic conditions.
    Person = 1,
    /// What happened to one patient record at one facility: visits, orders, results.
    Chart = 2,
    /// Whether a patient slot is a person already registered at the previous facility.
    Visitor = 3,
    /// What a next day changes in an existing region (`next_day.rs`), keyed by the change seed.
    NextDay = 4,
    /// The people of a matching trap (`traps.rs`), keyed by the case.
    Trap = 5,
}

/// SplitMix64 finaliser: a cheap, well-mixed bijection on `u64`.
pub(crate) fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A stable hash of a stream key, for yes/no decisions that need no generator.
pub(crate) fn hash_key(seed: u64, stream: Stream, a: u64, b: u64) -> u64 {
    mix(mix(mix(seed) ^ stream as u64) ^ a.rotate_left(21) ^ mix(b))
}

/// A random source for one stream.
pub(crate) struct Draw(ChaCha8Rng);

impl Draw {
    pub(crate) fn new(seed: u64, stream: Stream, a: u64, b: u64) -> Self {
        let mut key = [0u8; 32];
        let mut h = hash_key(seed, stream, a, b);
        for chunk in key.chunks_exact_mut(8) {
            h = mix(h);
            chunk.copy_from_slice(&h.to_le_bytes());
        }
        Draw(ChaCha8Rng::from_seed(key))
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// Uniform in `0..n` (Lemire's multiply-shift with rejection, so no modulo bias). `n == 0` gives 0.
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            return 0;
        }
        let threshold = n.wrapping_neg() % n;
        loop {
            let product = u128::from(self.next_u64()) * u128::from(n);
            if (product as u64) >= threshold {
                return (product >> 64) as u64;
            }
        }
    }

    /// Uniform in `lo..=hi`.
    pub(crate) fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        lo + self.below((hi - lo) as u64 + 1) as i64
    }

    /// A uniform float in `[0, 1)` built from 53 random bits.
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// True with probability `p`.
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// An approximately normal value (Irwin–Hall sum of four uniforms), using only exact arithmetic
    /// so results cannot drift with the platform's `ln`/`cos`.
    pub(crate) fn normal(&mut self, mean: f64, sd: f64) -> f64 {
        let sum: f64 = (0..4).map(|_| self.unit()).sum();
        // Sum of 4 uniforms: mean 2, variance 4/12.
        mean + (sum - 2.0) * sd * 1.732_050_807_568_877_2
    }

    /// One element, uniformly. Generator tables are never empty (tested in each table module).
    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        let i = self.below(items.len() as u64) as usize;
        &items[i.min(items.len().saturating_sub(1))]
    }

    /// A copy of one element, uniformly (for tables of `&str` and numbers).
    pub(crate) fn one_of<T: Copy>(&mut self, items: &[T]) -> T {
        *self.pick(items)
    }

    /// One element, with probability proportional to `weight(item)`.
    pub(crate) fn weighted<'a, T>(&mut self, items: &'a [T], weight: impl Fn(&T) -> u32) -> &'a T {
        let total: u64 = items.iter().map(|t| u64::from(weight(t))).sum();
        let mut target = self.below(total);
        for item in items {
            let w = u64::from(weight(item));
            if target < w {
                return item;
            }
            target -= w;
        }
        self.pick(items)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_key_gives_the_same_stream_and_other_keys_differ() {
        let mut a = Draw::new(7, Stream::Chart, 0, 3);
        let mut b = Draw::new(7, Stream::Chart, 0, 3);
        let mut c = Draw::new(7, Stream::Chart, 0, 4);
        let mut d = Draw::new(7, Stream::Person, 0, 3);
        let xs: Vec<u64> = (0..4).map(|_| a.next_u64()).collect();
        let ys: Vec<u64> = (0..4).map(|_| b.next_u64()).collect();
        assert_eq!(xs, ys);
        assert_ne!(xs[0], c.next_u64());
        assert_ne!(xs[0], d.next_u64());
    }

    #[test]
    fn stream_is_pinned_to_chacha8_output() {
        // Guards against an accidental change of generator or key derivation, which would
        // silently change every region generated from a given seed.
        let mut draw = Draw::new(2026, Stream::Person, 0, 0);
        let first = draw.next_u64();
        let mut again = Draw::new(2026, Stream::Person, 0, 0);
        assert_eq!(first, again.next_u64());
        assert_eq!(first, PINNED_FIRST_VALUE);
    }

    const PINNED_FIRST_VALUE: u64 = 2_288_200_595_564_885_888;

    #[test]
    fn below_and_range_stay_in_bounds() {
        let mut draw = Draw::new(1, Stream::Chart, 2, 3);
        for n in 1..50u64 {
            assert!(draw.below(n) < n);
        }
        for _ in 0..1000 {
            let v = draw.range(-3, 3);
            assert!((-3..=3).contains(&v));
        }
        assert_eq!(draw.range(5, 5), 5);
    }

    #[test]
    fn weighted_choice_never_picks_zero_weight() {
        let mut draw = Draw::new(1, Stream::Chart, 2, 3);
        let items = [(1, 0u32), (2, 5), (3, 0)];
        for _ in 0..200 {
            assert_eq!(draw.weighted(&items, |t| t.1).0, 2);
        }
    }

    #[test]
    fn normal_has_roughly_the_requested_mean() {
        let mut draw = Draw::new(9, Stream::Chart, 0, 0);
        let n = 20_000;
        let mean: f64 = (0..n).map(|_| draw.normal(10.0, 2.0)).sum::<f64>() / n as f64;
        assert!((mean - 10.0).abs() < 0.1, "mean {mean}");
    }
}
