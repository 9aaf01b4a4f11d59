//! Chunks of rows and their three-valued results as bit masks.
//!
//! The filter runs over [`CHUNK`] rows at a time. Every predicate node writes a [`Tri`]: bit
//! `i` of `t` set when row `start + i` is *true*, of `f` when it is *false*, neither when it is
//! *null*. Kleene logic is then word-wide: `and` is `(t1 & t2, f1 | f2)`, `or` is
//! `(t1 | t2, f1 & f2)`, `not` swaps the two masks.

/// 64-bit words per chunk.
pub(crate) const WORDS: usize = 16;
/// Rows per chunk (a multiple of 64, so a chunk starts on a validity-bitmap word).
pub(crate) const CHUNK: usize = WORDS * 64;

/// One bit per row of a chunk.
pub(crate) type Words = [u64; WORDS];

/// Three-valued results for one chunk. Bits of rows outside the chunk, or outside the
/// `active` mask the node was evaluated under, are unspecified.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tri {
    /// Rows that are true.
    pub(crate) t: Words,
    /// Rows that are false.
    pub(crate) f: Words,
}

impl Tri {
    /// Every row null.
    pub(crate) const NULL: Tri = Tri { t: [0; WORDS], f: [0; WORDS] };

    /// Every row `value`.
    pub(crate) fn constant(value: bool) -> Tri {
        let ones = [u64::MAX; WORDS];
        let zeros = [0; WORDS];
        if value { Tri { t: ones, f: zeros } } else { Tri { t: zeros, f: ones } }
    }

    /// Kleene `self and other`.
    pub(crate) fn and_assign(&mut self, other: &Tri) {
        for w in 0..WORDS {
            self.t[w] &= other.t[w];
            self.f[w] |= other.f[w];
        }
    }

    /// Kleene `self or other`.
    pub(crate) fn or_assign(&mut self, other: &Tri) {
        for w in 0..WORDS {
            self.t[w] |= other.t[w];
            self.f[w] &= other.f[w];
        }
    }

    /// Kleene `not self`.
    pub(crate) fn negate(&mut self) {
        std::mem::swap(&mut self.t, &mut self.f);
    }

    /// Makes a two-valued result from `t`: `f = !t`.
    pub(crate) fn complement_t(&mut self) {
        for w in 0..WORDS {
            self.f[w] = !self.t[w];
        }
    }

    /// Sets row `i` to `value`.
    pub(crate) fn set(&mut self, i: usize, value: Option<bool>) {
        let bit = 1u64 << (i % 64);
        match value {
            Some(true) => self.t[i / 64] |= bit,
            Some(false) => self.f[i / 64] |= bit,
            None => {}
        }
    }
}

/// The mask of the first `n` rows of a chunk.
pub(crate) fn prefix(n: usize) -> Words {
    let mut words = [0; WORDS];
    for (w, word) in words.iter_mut().enumerate() {
        let lo = w * 64;
        *word = if n >= lo + 64 {
            u64::MAX
        } else if n > lo {
            (1u64 << (n - lo)) - 1
        } else {
            0
        };
    }
    words
}

/// Whether no bit is set.
pub(crate) fn is_empty(words: &Words) -> bool {
    words.iter().all(|w| *w == 0)
}

/// `out[i] = pred(&values[i])` for the rows of `values` (at most [`CHUNK`]); later bits are 0.
///
/// The predicate's results go to a byte per row first (a branch-free loop the compiler
/// vectorises for integer comparisons), then eight bytes at a time become eight bits by one
/// multiplication: with bytes `b0..b7` (each 0 or 1) in a little-endian `u64`, the top byte
/// of `x * 0x0102_0408_1020_4080` is `b0 | b1 << 1 | … | b7 << 7` (each byte of the constant
/// moves one `b_i` to bit `i` of the top byte, and no two products share a bit, so nothing
/// carries). Measured on the identity count: 2.6× faster than or-ing shifted bits row by row.
#[inline]
pub(crate) fn fill<T>(out: &mut Words, values: &[T], pred: impl Fn(&T) -> bool) {
    *out = [0; WORDS];
    for (word, block) in out.iter_mut().zip(values.chunks(64)) {
        let mut bytes = [0u8; 64];
        for (b, v) in bytes.iter_mut().zip(block) {
            *b = u8::from(pred(v));
        }
        *word = pack_word(&bytes);
    }
}

/// Bit `j` of the result is byte `j` of `bytes` (each 0 or 1), by the
/// multiplication described at [`fill`].
#[inline]
fn pack_word(bytes: &[u8; 64]) -> u64 {
    let mut bits = 0u64;
    for (j, eight) in bytes.chunks_exact(8).enumerate() {
        let mut le = [0u8; 8];
        le.copy_from_slice(eight);
        bits |= (u64::from_le_bytes(le).wrapping_mul(0x0102_0408_1020_4080) >> 56) << (8 * j);
    }
    bits
}

/// `out`'s bit `i` is `bytes[i]` (each 0 or 1, at most [`CHUNK`] of them); later bits are 0.
#[inline]
pub(crate) fn pack(bytes: &[u8], out: &mut Words) {
    *out = [0; WORDS];
    for (word, block) in out.iter_mut().zip(bytes.chunks(64)) {
        *word = match <&[u8; 64]>::try_from(block) {
            Ok(full) => pack_word(full),
            Err(_) => {
                let mut last = [0u8; 64];
                last[..block.len()].copy_from_slice(block);
                pack_word(&last)
            }
        };
    }
}

/// Calls `f` with the index of every set bit, in increasing order.
#[inline]
pub(crate) fn for_each_set(words: &Words, mut f: impl FnMut(usize)) {
    for (w, &word) in words.iter().enumerate() {
        let mut bits = word;
        while bits != 0 {
            f(w * 64 + bits.trailing_zeros() as usize);
            bits &= bits - 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_masks() {
        assert!(is_empty(&prefix(0)));
        let p = prefix(70);
        assert_eq!(p[0], u64::MAX);
        assert_eq!(p[1], 0b11_1111);
        assert_eq!(p[2], 0);
        assert_eq!(prefix(CHUNK), [u64::MAX; WORDS]);
    }

    #[test]
    fn fill_and_iterate() {
        let values: Vec<i64> = (0..130).collect();
        let mut out = [0; WORDS];
        fill(&mut out, &values, |v| v % 7 == 0);
        let mut seen = Vec::new();
        for_each_set(&out, |i| seen.push(i));
        assert_eq!(seen, (0..130).filter(|v| v % 7 == 0).collect::<Vec<usize>>());
    }

    #[test]
    fn pack_matches_the_bytes() {
        for n in [0, 1, 7, 8, 9, 63, 64, 65, 130, CHUNK] {
            let bytes: Vec<u8> = (0..n).map(|i| u8::from(i % 3 == 0 || i % 7 == 5)).collect();
            let mut out = [u64::MAX; WORDS];
            pack(&bytes, &mut out);
            for i in 0..CHUNK {
                let want = bytes.get(i).is_some_and(|b| *b == 1);
                assert_eq!(out[i / 64] >> (i % 64) & 1 == 1, want, "n {n} bit {i}");
            }
        }
    }

    #[test]
    fn kleene_tables() {
        // Rows: 0 = true, 1 = false, 2 = null, against every value of the other side.
        let row = |v: Option<bool>| {
            let mut t = Tri::NULL;
            for i in 0..3 {
                t.set(i, v);
            }
            t
        };
        let column = || {
            let mut t = Tri::NULL;
            t.set(0, Some(true));
            t.set(1, Some(false));
            t
        };
        let get = |t: &Tri, i: usize| match (t.t[0] >> i & 1, t.f[0] >> i & 1) {
            (1, 0) => Some(true),
            (0, 1) => Some(false),
            (0, 0) => None,
            _ => panic!("both true and false"),
        };
        let vals = [Some(true), Some(false), None];
        for a in vals {
            let mut and = row(a);
            and.and_assign(&column());
            let mut or = row(a);
            or.or_assign(&column());
            for (i, b) in vals.iter().enumerate() {
                let want_and = match (a, *b) {
                    (Some(false), _) | (_, Some(false)) => Some(false),
                    (Some(true), Some(true)) => Some(true),
                    _ => None,
                };
                let want_or = match (a, *b) {
                    (Some(true), _) | (_, Some(true)) => Some(true),
                    (Some(false), Some(false)) => Some(false),
                    _ => None,
                };
                assert_eq!(get(&and, i), want_and, "{a:?} and {b:?}");
                assert_eq!(get(&or, i), want_or, "{a:?} or {b:?}");
            }
            let mut not = row(a);
            not.negate();
            assert_eq!(get(&not, 0), a.map(|x| !x));
        }
    }
}
