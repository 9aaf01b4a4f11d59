//! Fused conjunctions: the fixed-width, two-valued leaves of an `and` (integer, timestamp,
//! UUID, bool and enum fields against literals, and null tests) run as one kernel.
//!
//! A chunk's answer is built in a byte mask, one byte per row, that every leaf narrows in its
//! own branch-free loop over its column (`mask[i] &= value[i] > lit`), with the operator and
//! the literal fixed outside the loop, so the compiler vectorises each pass and the mask stays
//! in L1. A count sums the bytes; a chunk kernel packs them into bits once. Against the
//! general `and` (a three-valued result per child, a bit mask per child, the undecided rows
//! passed on between children) this saves a pack, the `false` masks and the bookkeeping per
//! child, which is what a hand-written loop does not pay either.
//!
//! Every leaf is two-valued (comparisons with a non-null literal are false on null, `ne` true,
//! `in` false; a null test is never null), so their conjunction is two-valued too and needs no
//! Kleene logic. For a row walked alone (an index walk, a candidate), [`Fused::bind_except`]
//! resolves each leaf's column once and [`Bound::test`] reads one value per leaf.

use roster_ast::CmpOp;
use roster_schema::{FieldType, Schema};

use crate::bits::{CHUNK, Words, pack};
use crate::general::holds;
use crate::pred::Node;
use crate::table::{Bitmap, Data, Table};

/// One leaf: a test of column `col`, `on_null` for its null rows.
#[derive(Debug, Clone)]
pub(crate) struct Leaf {
    col: usize,
    test: Test,
    on_null: bool,
}

#[derive(Debug, Clone)]
enum Test {
    /// The same result for every non-null row (a null test).
    Const(bool),
    I64(CmpOp, i64),
    /// A sorted set.
    I64In(Vec<i64>),
    Uuid(CmpOp, u128),
    UuidIn(Vec<u128>),
    /// The result for `false` and for `true`.
    Bool([bool; 2]),
    EnumEq(u16),
    EnumNe(u16),
    /// Accepted codes, as a bitset of one word (fewer than 64 codes).
    EnumWord(u64),
    /// Accepted codes, as a bitset.
    EnumWords(Vec<u64>),
}

/// A conjunction of leaves (at least one).
#[derive(Debug, Clone)]
pub(crate) struct Fused {
    leaves: Vec<Leaf>,
}

impl Leaf {
    /// The leaf of a compiled node, when it is a fixed-width two-valued kernel.
    pub(crate) fn of(schema: &Schema, node: &Node) -> Option<Leaf> {
        let leaf = |col, test, on_null| Some(Leaf { col, test, on_null });
        match node {
            Node::IsNull { col, negated } => leaf(*col, Test::Const(*negated), !*negated),
            Node::I64 { col, op, lit, on_null } => leaf(*col, Test::I64(*op, *lit), *on_null),
            Node::I64In { col, set } => leaf(*col, Test::I64In(set.clone()), false),
            Node::Uuid { col, op, lit, on_null } => leaf(*col, Test::Uuid(*op, *lit), *on_null),
            Node::UuidIn { col, set } => leaf(*col, Test::UuidIn(set.clone()), false),
            Node::Bool { col, accept, on_null } => leaf(*col, Test::Bool(*accept), *on_null),
            Node::Enum { col, accept, on_null } => {
                let codes = match &schema.fields.get(*col)?.ty {
                    FieldType::Enum(e) => e.values.len(),
                    _ => return None,
                };
                let test = match accept.as_slice() {
                    [word] if codes < 64 => {
                        let all = (1u64 << codes) - 1;
                        let (yes, no) = (word & all, !word & all);
                        if yes.count_ones() == 1 {
                            Test::EnumEq(yes.trailing_zeros() as u16)
                        } else if no.count_ones() == 1 {
                            Test::EnumNe(no.trailing_zeros() as u16)
                        } else {
                            Test::EnumWord(yes)
                        }
                    }
                    words => Test::EnumWords(words.to_vec()),
                };
                leaf(*col, test, *on_null)
            }
            _ => None,
        }
    }

    /// Runs the leaf over rows `start..start + mask.len()` in `mode`.
    fn run(&self, t: &Table, start: usize, mask: &mut [u8], scratch: &mut [u8; CHUNK], mode: Mode) -> usize {
        let column = t.column(self.col);
        let n = mask.len();
        let rows = start..start + n;
        match (&column.validity, mode) {
            // No nulls: straight into the mask.
            (None, _) => self.apply(&column.data, rows, mask, mode),
            (Some(validity), Mode::Set) => {
                self.apply(&column.data, rows, mask, Mode::Set);
                with_validity(mask, validity, start, self.on_null);
                0
            }
            (Some(validity), Mode::And | Mode::Count) => {
                let tmp = &mut scratch[..n];
                self.apply(&column.data, rows, tmp, Mode::Set);
                with_validity(tmp, validity, start, self.on_null);
                let mut count = 0;
                for (m, v) in mask.iter_mut().zip(tmp.iter()) {
                    *m &= v;
                    count += usize::from(*m);
                }
                count
            }
        }
    }

    /// The leaf over `data[rows]` in `mode`, ignoring nulls.
    fn apply(&self, data: &Data, rows: std::ops::Range<usize>, mask: &mut [u8], mode: Mode) -> usize {
        match (&self.test, data) {
            (Test::Const(b), _) => each(mode, mask, &NO_VALUES[..mask.len()], |()| *b),
            (Test::I64(op, lit), Data::Int(v) | Data::Timestamp(v)) => each_cmp(mode, mask, &v[rows], *op, *lit),
            (Test::I64In(set), Data::Int(v) | Data::Timestamp(v)) => each(mode, mask, &v[rows], |x| in_set(set, x)),
            (Test::Uuid(op, lit), Data::Uuid(v)) => each_cmp(mode, mask, &v[rows], *op, *lit),
            (Test::UuidIn(set), Data::Uuid(v)) => each(mode, mask, &v[rows], |x| in_set(set, x)),
            (Test::Bool([if_false, if_true]), Data::Bool(v)) => match (if_false, if_true) {
                (false, true) => each(mode, mask, &v[rows], |b| *b),
                (true, false) => each(mode, mask, &v[rows], |b| !*b),
                (all, _) => each(mode, mask, &v[rows], |_| *all),
            },
            (Test::EnumEq(code), Data::Enum(v)) => each(mode, mask, &v[rows], |c| c == code),
            (Test::EnumNe(code), Data::Enum(v)) => each(mode, mask, &v[rows], |c| c != code),
            (Test::EnumWord(word), Data::Enum(v)) => each(mode, mask, &v[rows], |c| (word >> (c & 63)) & 1 == 1),
            (Test::EnumWords(words), Data::Enum(v)) => each(mode, mask, &v[rows], |c| bit(words, *c)),
            // A leaf is built from a node over its own column's kind.
            _ => each(mode, mask, &NO_VALUES[..mask.len()], |()| false),
        }
    }
}

/// Sets the null rows of `tmp` (rows `start..` of a column with `validity`) to `on_null`.
fn with_validity(tmp: &mut [u8], validity: &Bitmap, start: usize, on_null: bool) {
    let words = validity.words(start / 64, tmp.len().div_ceil(64));
    for (block, &valid) in tmp.chunks_mut(64).zip(words) {
        for (j, b) in block.iter_mut().enumerate() {
            let v = ((valid >> j) & 1) as u8;
            // valid: keep; null: on_null.
            *b = (*b & v) | (u8::from(on_null) & (v ^ 1));
        }
    }
}

fn bit(words: &[u64], code: u16) -> bool {
    let c = usize::from(code);
    words.get(c / 64).is_some_and(|w| (w >> (c % 64)) & 1 == 1)
}

/// Membership in a sorted set: a scan for small sets, binary search for larger ones.
#[inline]
pub(crate) fn in_set<T: Ord>(set: &[T], v: &T) -> bool {
    if set.len() <= 8 { set.contains(v) } else { set.binary_search(v).is_ok() }
}

/// The "values" of a test that reads none (a constant): one unit per row of a chunk.
const NO_VALUES: [(); CHUNK] = [(); CHUNK];

/// Rows per step of a leaf's pass.
const BLOCK: usize = 16;

/// How a leaf's results meet the mask.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// `mask[i] = leaf(i)` (the first leaf).
    Set,
    /// `mask[i] &= leaf(i)`.
    And,
    /// Counts the rows where `mask[i] & leaf(i)`, leaving the mask as it was (the last leaf
    /// of a count).
    Count,
}

/// One leaf's pass over `values` in `mode`, 64 rows at a time: a fixed-length block lets the
/// compiler vectorise the comparison together with the store, `and` or sum (zipping two
/// slices of unknown length, it compared four 64-bit values per step and stored their bytes
/// one pair at a time). Returns the count in [`Mode::Count`], else 0.
#[inline]
fn each<T>(mode: Mode, mask: &mut [u8], values: &[T], pred: impl Fn(&T) -> bool) -> usize {
    let mut blocks = mask.chunks_exact_mut(BLOCK);
    let mut value_blocks = values.chunks_exact(BLOCK);
    let mut count = 0usize;
    for (m, v) in (&mut blocks).zip(&mut value_blocks) {
        let mut bytes = [0u8; BLOCK];
        for (b, v) in bytes.iter_mut().zip(v) {
            *b = u8::from(pred(v));
        }
        match mode {
            Mode::Set => m.copy_from_slice(&bytes),
            Mode::And => m.iter_mut().zip(bytes).for_each(|(m, b)| *m &= b),
            // At most `BLOCK`: the sum fits a byte lane.
            Mode::Count => count += usize::from(m.iter().zip(bytes).fold(0u8, |acc, (m, b)| acc + (m & b))),
        }
    }
    for (m, v) in blocks.into_remainder().iter_mut().zip(value_blocks.remainder()) {
        let b = u8::from(pred(v));
        match mode {
            Mode::Set => *m = b,
            Mode::And => *m &= b,
            Mode::Count => count += usize::from(*m & b),
        }
    }
    count
}

/// [`each`] for `values[i] op lit`, the operator dispatched outside the loop.
fn each_cmp<T: Ord + Copy>(mode: Mode, mask: &mut [u8], values: &[T], op: CmpOp, lit: T) -> usize {
    match op {
        CmpOp::Eq => each(mode, mask, values, |v| *v == lit),
        CmpOp::Ne => each(mode, mask, values, |v| *v != lit),
        CmpOp::Gt => each(mode, mask, values, |v| *v > lit),
        CmpOp::Ge => each(mode, mask, values, |v| *v >= lit),
        CmpOp::Lt => each(mode, mask, values, |v| *v < lit),
        CmpOp::Le => each(mode, mask, values, |v| *v <= lit),
    }
}

impl Fused {
    pub(crate) fn new(leaves: Vec<Leaf>) -> Fused {
        Fused { leaves }
    }

    /// Runs the leaves over rows `start..start + n` (`n` at most a chunk): the first sets the
    /// byte mask, the others narrow it; when `count`, the last counts instead of narrowing
    /// and the count is returned (the mask is then not the answer).
    fn run(&self, t: &Table, start: usize, n: usize, buf: &mut Buffers, count: bool) -> usize {
        let mask = &mut buf.mask[..n];
        let last = self.leaves.len().saturating_sub(1);
        for (k, leaf) in self.leaves.iter().enumerate() {
            let mode = match k {
                0 => Mode::Set,
                k if count && k == last => Mode::Count,
                _ => Mode::And,
            };
            let c = leaf.run(t, start, mask, &mut buf.scratch, mode);
            if mode == Mode::Count {
                return c;
            }
        }
        // One leaf (or none): count the mask.
        if count { mask.iter().map(|b| usize::from(*b)).sum() } else { 0 }
    }

    /// The rows of `start..start + n` that pass, as bits (later bits 0).
    pub(crate) fn eval(&self, t: &Table, start: usize, n: usize, out: &mut Words) {
        self.eval_with(t, start, n, out, &mut Buffers::new());
    }

    /// [`Fused::eval`] with buffers reused from chunk to chunk.
    pub(crate) fn eval_with(&self, t: &Table, start: usize, n: usize, out: &mut Words, buf: &mut Buffers) {
        if self.leaves.is_empty() {
            buf.mask[..n].fill(1);
        }
        self.run(t, start, n, buf, false);
        pack(&buf.mask[..n], out);
    }

    /// How many rows of `start..start + n` pass.
    pub(crate) fn count(&self, t: &Table, start: usize, n: usize, buf: &mut Buffers) -> usize {
        if self.leaves.is_empty() {
            return n;
        }
        self.run(t, start, n, buf, true)
    }

    /// The leaves resolved against `t`'s columns, to test rows one at a time.
    /// Without the leaves that are ranges of column `walked`, if given (see
    /// [`Fused::ranges_on`]): a walk of that column's index tests them by where it walks.
    pub(crate) fn bind_except<'t>(&'t self, t: &'t Table, walked: Option<usize>) -> Vec<Bound<'t>> {
        self.leaves
            .iter()
            .filter(|leaf| walked.is_none_or(|col| leaf.range_on(col).is_none()))
            .map(|leaf| {
                let column = t.column(leaf.col);
                Bound { leaf, data: &column.data, validity: column.validity.as_ref() }
            })
            .collect()
    }
}

impl Fused {
    /// The leaves that compare column `col` with a literal by an ordering or `eq` and are
    /// false on null: each holds exactly on a range of the column's sorted index.
    pub(crate) fn ranges_on(&self, col: usize) -> impl Iterator<Item = (CmpOp, i64)> + '_ {
        self.leaves.iter().filter_map(move |leaf| leaf.range_on(col))
    }
}

impl Leaf {
    fn range_on(&self, col: usize) -> Option<(CmpOp, i64)> {
        match self.test {
            Test::I64(op, lit) if self.col == col && !self.on_null && op != CmpOp::Ne => Some((op, lit)),
            _ => None,
        }
    }
}

/// Per-chunk buffers of a fused kernel.
pub(crate) struct Buffers {
    mask: [u8; CHUNK],
    scratch: [u8; CHUNK],
}

impl Buffers {
    pub(crate) fn new() -> Buffers {
        Buffers { mask: [0; CHUNK], scratch: [0; CHUNK] }
    }
}

/// A leaf with its column resolved.
pub(crate) struct Bound<'t> {
    leaf: &'t Leaf,
    data: &'t Data,
    validity: Option<&'t Bitmap>,
}

impl Bound<'_> {
    /// The leaf's result for row `row`.
    #[inline]
    pub(crate) fn test(&self, row: usize) -> bool {
        if self.validity.is_some_and(|v| !v.get(row)) {
            return self.leaf.on_null;
        }
        match (&self.leaf.test, self.data) {
            (Test::Const(b), _) => *b,
            (Test::I64(op, lit), Data::Int(v) | Data::Timestamp(v)) => holds(*op, v[row].cmp(lit)),
            (Test::I64In(set), Data::Int(v) | Data::Timestamp(v)) => in_set(set, &v[row]),
            (Test::Uuid(op, lit), Data::Uuid(v)) => holds(*op, v[row].cmp(lit)),
            (Test::UuidIn(set), Data::Uuid(v)) => in_set(set, &v[row]),
            (Test::Bool(accept), Data::Bool(v)) => accept[usize::from(v[row])],
            (Test::EnumEq(code), Data::Enum(v)) => v[row] == *code,
            (Test::EnumNe(code), Data::Enum(v)) => v[row] != *code,
            (Test::EnumWord(word), Data::Enum(v)) => (word >> (v[row] & 63)) & 1 == 1,
            (Test::EnumWords(words), Data::Enum(v)) => bit(words, v[row]),
            _ => false,
        }
    }
}

impl Bound<'_> {
    /// `mask[i] &= self.test(rows[i])`, with the leaf's kind dispatched once, so the loads of
    /// the rows (random accesses on an index walk) overlap instead of waiting one by one.
    pub(crate) fn and_gather(&self, rows: &[usize], mask: &mut [u8]) {
        fn each<T>(mask: &mut [u8], rows: &[usize], v: &[T], f: impl Fn(&T) -> bool) {
            for (m, &r) in mask.iter_mut().zip(rows) {
                *m &= u8::from(f(&v[r]));
            }
        }
        match (&self.leaf.test, self.data) {
            // A nullable column: row by row, through `test`'s null rule.
            _ if self.validity.is_some() => {
                for (m, &r) in mask.iter_mut().zip(rows) {
                    *m &= u8::from(self.test(r));
                }
            }
            (Test::Const(b), _) => {
                if !b {
                    mask.fill(0);
                }
            }
            (Test::I64(op, lit), Data::Int(v) | Data::Timestamp(v)) => {
                let lit = *lit;
                match op {
                    CmpOp::Eq => each(mask, rows, v, |x| *x == lit),
                    CmpOp::Ne => each(mask, rows, v, |x| *x != lit),
                    CmpOp::Gt => each(mask, rows, v, |x| *x > lit),
                    CmpOp::Ge => each(mask, rows, v, |x| *x >= lit),
                    CmpOp::Lt => each(mask, rows, v, |x| *x < lit),
                    CmpOp::Le => each(mask, rows, v, |x| *x <= lit),
                }
            }
            (Test::EnumEq(code), Data::Enum(v)) => each(mask, rows, v, |c| c == code),
            (Test::EnumNe(code), Data::Enum(v)) => each(mask, rows, v, |c| c != code),
            (Test::EnumWord(word), Data::Enum(v)) => each(mask, rows, v, |c| (word >> (c & 63)) & 1 == 1),
            (Test::Bool(accept), Data::Bool(v)) => each(mask, rows, v, |b| accept[usize::from(*b)]),
            _ => {
                for (m, &r) in mask.iter_mut().zip(rows) {
                    *m &= u8::from(self.test(r));
                }
            }
        }
    }
}

/// Whether every bound leaf holds for `row`.
#[inline]
pub(crate) fn all(bound: &[Bound<'_>], row: usize) -> bool {
    bound.iter().all(|b| b.test(row))
}
