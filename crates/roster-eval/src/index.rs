//! Column indexes: built once per column, on first use or all at once by
//! [`Table::build_indexes`], and dropped when a row is pushed.
//!
//! - A **sorted permutation** for integer and timestamp columns: every row number, nulls first
//!   (in table order), then by value ascending, ties by the primary key ascending, then in
//!   table order — the order of the common sort `column, primary key`, so that a walk for it
//!   needs no sorting of tied rows (see [`crate::access`]). A range filter
//!   (`createdAt gt T`) is a slice of it found by binary search, so its match count costs
//!   `O(log n)`, and a page sorted by the column is a walk from either end that stops after
//!   `offset + limit` matches (see [`crate::access`]).
//! - **Per-value bitmaps** for enum and bool columns: one bitmap per code (bool: `false`,
//!   `true`) over all rows, and each code's row count; null rows are in none of them.
//!
//! - An **inverted index** for string-array columns (`roles`, `tags`): each distinct element,
//!   sorted, with the rows holding it in table order. An "some element equals" test
//!   (`tags/any(t: t eq 'vpn')`, `{"tags": "vpn"}`) is a lookup, its count the list's length;
//!   the case-folded test (`tolower(t) eq 'vpn'`) merges the lists of the elements that fold
//!   to the value.
//!
//! Strings and UUIDs have no index: their filters are substring tests and equality on a
//! primary key, both cheap to scan.
//!
//! Row numbers are stored as `u32`; a table of more than `u32::MAX` rows has no indexes and
//! is always scanned.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::OnceLock;

use roster_ast::CmpOp;
use roster_schema::FieldType;

use crate::sort::Sorter;
use crate::table::{Data, Table};

/// The index of one column.
#[derive(Debug, Clone)]
pub(crate) enum ColumnIndex {
    /// Rows of an `i64` column: the first `nulls` are the null rows, the rest ascend by value;
    /// `keys[i]` is the value of row `perm[nulls + i]`, so that binary searches and the
    /// grouping of equal values during a walk read memory in order (8 bytes more per row).
    Sorted { perm: Vec<u32>, nulls: usize, keys: Vec<i64> },
    /// Per code, a bitmap of the rows holding it (bit `r % 64` of word `r / 64`) and their count.
    Bitmaps { maps: Vec<Vec<u64>>, counts: Vec<usize> },
    /// A string-array column: its distinct elements, sorted, and for each the rows holding it,
    /// ascending, each row once.
    Elements { values: Vec<Box<str>>, rows: Vec<Vec<u32>> },
}

/// The indexes of a table's columns, each built lazily.
#[derive(Debug, Clone, Default)]
pub(crate) struct Indexes {
    columns: Vec<OnceLock<Option<ColumnIndex>>>,
}

impl Indexes {
    pub(crate) fn new(columns: usize) -> Indexes {
        Indexes { columns: (0..columns).map(|_| OnceLock::new()).collect() }
    }

    /// Drops every built index (the table changed).
    pub(crate) fn invalidate(&mut self) {
        for c in &mut self.columns {
            if c.get().is_some() {
                c.take();
            }
        }
    }
}

impl Table {
    /// Builds the index of every indexable column now (integers and timestamps: a sorted
    /// permutation; enums and bools: per-value bitmaps), rather than on the first query that
    /// uses it. Loaders call this so that load time includes index building and query
    /// timings do not. Pushing a row drops the indexes again.
    ///
    /// ```
    /// let profile = roster_schema::profiles::by_name("identity").unwrap();
    /// let table = roster_eval::Table::from_records(&profile.schema, profile.generate(1000, 7)).unwrap();
    /// table.build_indexes();
    /// ```
    pub fn build_indexes(&self) {
        for col in 0..self.schema().fields.len() {
            self.index(col);
        }
    }

    /// The index of column `col`, built on first use; `None` when the column has no index.
    pub(crate) fn index(&self, col: usize) -> Option<&ColumnIndex> {
        let cell = self.indexes().columns.get(col)?;
        cell.get_or_init(|| build(self, col)).as_ref()
    }
}

fn build(t: &Table, col: usize) -> Option<ColumnIndex> {
    let (column, len) = (t.column(col), t.len());
    if u32::try_from(len).is_err() {
        return None;
    }
    let valid = |row: usize| column.is_valid(row);
    match &column.data {
        Data::Int(v) | Data::Timestamp(v) => {
            let mut nulls: Vec<u32> = Vec::new();
            let mut pairs: Vec<(i64, u32)> = Vec::with_capacity(len);
            for (row, value) in v.iter().enumerate().take(len) {
                // `len` fits in u32 (checked above), so every row number does.
                let r = row as u32;
                if valid(row) { pairs.push((*value, r)) } else { nulls.push(r) }
            }
            pairs.sort_unstable();
            // Ties by primary key, then row (the pairs' order): stable within equal keys.
            let pk = Sorter::primary_key(t.schema());
            for group in pairs.chunk_by_mut(|a, b| a.0 == b.0).filter(|g| g.len() > 1) {
                group.sort_by(|a, b| pk.cmp_rows(t, a.1 as usize, b.1 as usize));
            }
            let null_count = nulls.len();
            nulls.extend(pairs.iter().map(|(_, r)| *r));
            let keys = pairs.into_iter().map(|(k, _)| k).collect();
            Some(ColumnIndex::Sorted { perm: nulls, nulls: null_count, keys })
        }
        Data::Enum(v) => {
            let codes = v.iter().map(|c| usize::from(*c)).max().map_or(0, |m| m + 1);
            Some(bitmaps(codes, len, v.iter().enumerate().map(|(row, c)| valid(row).then_some(usize::from(*c)))))
        }
        Data::Bool(v) => {
            Some(bitmaps(2, len, v.iter().enumerate().map(|(row, b)| valid(row).then_some(usize::from(*b)))))
        }
        Data::Str(strings) if t.schema().fields.get(col).is_some_and(|f| f.ty == FieldType::StringArray) => {
            let mut by_value: HashMap<String, Vec<u32>> = HashMap::new();
            for row in 0..len {
                for element in roster_schema::decode_array(strings.get(row)) {
                    let rows = by_value.entry(element).or_default();
                    // `len` fits in u32 (checked above); an element repeated in one array
                    // lists its row once.
                    if rows.last() != Some(&(row as u32)) {
                        rows.push(row as u32);
                    }
                }
            }
            let mut pairs: Vec<(String, Vec<u32>)> = by_value.into_iter().collect();
            pairs.sort_unstable_by(|a, b| a.0.cmp(&b.0));
            let (values, rows) = pairs.into_iter().map(|(v, r)| (v.into_boxed_str(), r)).unzip();
            Some(ColumnIndex::Elements { values, rows })
        }
        // Strings and UUIDs (and any column kind added later) are scanned.
        _ => None,
    }
}

fn bitmaps(codes: usize, len: usize, values: impl Iterator<Item = Option<usize>>) -> ColumnIndex {
    let words = len.div_ceil(64);
    let mut maps = vec![vec![0u64; words]; codes];
    let mut counts = vec![0usize; codes];
    for (row, code) in values.enumerate() {
        if let Some(c) = code
            && let Some(map) = maps.get_mut(c)
        {
            map[row / 64] |= 1 << (row % 64);
            counts[c] += 1;
        }
    }
    ColumnIndex::Bitmaps { maps, counts }
}

/// The positions `lo..hi` in a sorted permutation (`nulls` null rows, then rows whose values
/// are `keys`) of the non-null rows with `value op lit` (`op` is not `ne`, which is no
/// range), found by binary search.
pub(crate) fn range(keys: &[i64], nulls: usize, op: CmpOp, lit: i64) -> Option<(usize, usize)> {
    // First position whose value is >= lit, and first whose value is > lit; each binary
    // search only where the operator needs it.
    let lower = || nulls + keys.partition_point(|k| k.cmp(&lit) == Ordering::Less);
    let upper = || nulls + keys.partition_point(|k| *k <= lit);
    let end = nulls + keys.len();
    Some(match op {
        CmpOp::Eq => (lower(), upper()),
        CmpOp::Gt => (upper(), end),
        CmpOp::Ge => (lower(), end),
        CmpOp::Lt => (nulls, lower()),
        CmpOp::Le => (nulls, upper()),
        CmpOp::Ne => return None,
    })
}
