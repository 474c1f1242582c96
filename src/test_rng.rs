//! A small deterministic generator for the randomised tests, so that a failure can be
//! replayed from its seed.

/// xorshift64: seeded with any non-zero value.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    /// The next value below `n` (`n` > 0).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}
