//! Access paths: how a [`Plan`] reaches its rows.
//!
//! - **Scan**: the filter's kernels over every chunk of [`CHUNK`] rows, on one thread or split
//!   into contiguous ranges of chunks over several (`std::thread::scope`); the parts are joined
//!   in table order, so the answer does not depend on the thread count.
//! - **Index count**: a filter that is one indexed leaf (`createdAt gt T`, `userStatus ne
//!   'X'`, `flag eq true`) is counted from the index alone: a binary search in the sorted
//!   permutation, or a sum of per-value row counts.
//! - **Index candidates**: in an `and`, an indexed leaf that selects few rows names the only
//!   rows that can match; they are gathered in table order and the whole filter is tested on
//!   each of them alone.
//! - **Index walk**: a page sorted first by an indexed integer or timestamp field walks the
//!   sorted permutation from the right end, tests each row, and stops once `offset + limit`
//!   rows matched; rows tying on the first key are ordered by the remaining keys, then table
//!   order, exactly as the full sort would.
//!
//! [`Access::Auto`] picks by estimated selectivity: exact match counts of the index leaves
//! for candidates, and for a walk the fraction of matches in a sample of evenly spaced chunks
//! (a walk that then runs far past its estimate gives up and scans). [`Access::Scan`] and
//! [`Access::Index`] force a path (an index is still used only where one applies), which is
//! how the tests hold every path to the same answers, in the same order.

use std::ops::Range;

use roster_ast::CmpOp;

use crate::bits::{CHUNK, Tri, WORDS, Words, for_each_set, prefix};
use crate::general::holds;
use crate::index::{ColumnIndex, range};
use crate::plan::Plan;
use crate::pred::Node;
use crate::table::{Data, Table};

/// Which access path a [`Plan`] takes (see [`Plan::with_access`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Access {
    /// An index where the estimated selectivity makes it cheaper than a scan, else a scan.
    #[default]
    Auto,
    /// Always scan every row.
    Scan,
    /// An index wherever one applies, whatever the selectivity.
    Index,
}

/// Walking the index costs about this many scanned rows per walked row (the row's values
/// are random accesses); measured on the identity profile.
const WALK_COST: usize = 16;
/// Testing one candidate row costs about this many scanned rows.
const CANDIDATE_COST: usize = 16;
/// The fewest chunks a scan thread gets: below about 32 chunks (32K rows) starting a thread
/// costs more than it saves (measured: 2 threads took 176 µs to count 20K rows that 1 thread
/// counts in 11 µs). Unit tests lower it to 1 to run the parallel path on small tables.
const MIN_CHUNKS_PER_THREAD: usize = if cfg!(test) { 1 } else { 32 };
/// Chunks sampled to estimate a filter's selectivity.
const SAMPLE_CHUNKS: usize = 4;

/// Whether row `row` of `t` passes `filter` (is true), evaluated alone.
fn row_matches(filter: &Node, t: &Table, row: usize, out: &mut Tri) -> bool {
    row_value(filter, t, row, out) == Some(true)
}

/// The three-valued result of `node` for row `row` alone: straight from the columns for
/// logic and the integer, enum, bool and null kernels (the same rules as their chunk
/// kernels), and for any other node by running its chunk kernel on the aligned 64-row window
/// holding the row, with only that row active.
fn row_value(node: &Node, t: &Table, row: usize, out: &mut Tri) -> Option<bool> {
    match node {
        Node::Const(b) => Some(*b),
        Node::And(children) => {
            let mut result = Some(true);
            for c in children {
                match row_value(c, t, row, out) {
                    Some(false) => return Some(false),
                    None => result = None,
                    Some(true) => {}
                }
            }
            result
        }
        Node::Or(children) => {
            let mut result = Some(false);
            for c in children {
                match row_value(c, t, row, out) {
                    Some(true) => return Some(true),
                    None => result = None,
                    Some(false) => {}
                }
            }
            result
        }
        Node::Not(inner) => row_value(inner, t, row, out).map(|b| !b),
        Node::IsNull { col, negated } => Some(t.column(*col).is_valid(row) == *negated),
        Node::I64 { col, op, lit, on_null } => {
            let column = t.column(*col);
            match &column.data {
                _ if !column.is_valid(row) => Some(*on_null),
                Data::Int(v) | Data::Timestamp(v) => Some(holds(*op, v[row].cmp(lit))),
                _ => window(node, t, row, out),
            }
        }
        Node::Enum { col, accept, on_null } => {
            let column = t.column(*col);
            match &column.data {
                _ if !column.is_valid(row) => Some(*on_null),
                Data::Enum(v) => {
                    let c = usize::from(v[row]);
                    Some(accept.get(c / 64).is_some_and(|w| (w >> (c % 64)) & 1 == 1))
                }
                _ => window(node, t, row, out),
            }
        }
        Node::Bool { col, accept, on_null } => {
            let column = t.column(*col);
            match &column.data {
                _ if !column.is_valid(row) => Some(*on_null),
                Data::Bool(v) => Some(accept[usize::from(v[row])]),
                _ => window(node, t, row, out),
            }
        }
        _ => window(node, t, row, out),
    }
}

/// `node` for row `row` by its chunk kernel over the row's aligned 64-row window.
fn window(node: &Node, t: &Table, row: usize, out: &mut Tri) -> Option<bool> {
    let start = row - row % 64;
    let n = (t.len() - start).min(64);
    let bit = 1u64 << (row - start);
    let mut active = [0u64; WORDS];
    active[0] = bit;
    node.eval(t, start, n, &active, out);
    if out.t[0] & bit != 0 {
        Some(true)
    } else if out.f[0] & bit != 0 {
        Some(false)
    } else {
        None
    }
}

/// Runs the filter over chunks `chunks`, passing each chunk's start row and selected rows.
fn scan_chunks(filter: &Node, t: &Table, chunks: Range<usize>, mut on_chunk: impl FnMut(usize, &Words)) {
    let mut out = Tri::NULL;
    for c in chunks {
        let start = c * CHUNK;
        let n = CHUNK.min(t.len() - start);
        let active = prefix(n);
        filter.eval(t, start, n, &active, &mut out);
        let mut selected = [0; WORDS];
        for ((s, t), a) in selected.iter_mut().zip(&out.t).zip(&active) {
            *s = t & a;
        }
        on_chunk(start, &selected);
    }
}

/// `part` over up to `threads` contiguous ranges of the table's chunks, in table order.
fn parts<R: Send>(t: &Table, threads: usize, part: impl Fn(Range<usize>) -> R + Sync) -> Vec<R> {
    let chunks = t.len().div_ceil(CHUNK);
    let k = threads.clamp(1, (chunks / MIN_CHUNKS_PER_THREAD).max(1));
    if k == 1 {
        return vec![part(0..chunks)];
    }
    let per = chunks.div_ceil(k);
    let ranges: Vec<Range<usize>> = (0..k).map(|i| (i * per).min(chunks)..((i + 1) * per).min(chunks)).collect();
    std::thread::scope(|s| {
        let part = &part;
        let handles: Vec<_> = ranges.into_iter().map(|r| s.spawn(move || part(r))).collect();
        // A part panics only if the plan does; pass that panic on unchanged.
        handles.into_iter().map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).collect()
    })
}

fn scan_count(plan: &Plan, t: &Table) -> usize {
    parts(t, plan.threads, |chunks| {
        let mut count = 0;
        scan_chunks(&plan.filter, t, chunks, |_, s| count += s.iter().map(|w| w.count_ones() as usize).sum::<usize>());
        count
    })
    .into_iter()
    .sum()
}

fn scan_matching(plan: &Plan, t: &Table) -> Vec<usize> {
    let parts = parts(t, plan.threads, |chunks| {
        let mut rows = Vec::new();
        scan_chunks(&plan.filter, t, chunks, |start, s| for_each_set(s, |i| rows.push(start + i)));
        rows
    });
    let mut rows = Vec::with_capacity(parts.iter().map(Vec::len).sum());
    for p in parts {
        rows.extend(p);
    }
    rows
}

/// The rows an indexed leaf selects: a slice of a sorted permutation, or bitmaps of codes.
enum Driver<'t> {
    Range { perm: &'t [u32] },
    Codes { maps: Vec<&'t [u64]>, count: usize },
}

impl Driver<'_> {
    fn count(&self) -> usize {
        match self {
            Driver::Range { perm } => perm.len(),
            Driver::Codes { count, .. } => *count,
        }
    }

    /// The selected rows in table order.
    fn rows(&self) -> Vec<usize> {
        match self {
            Driver::Range { perm } => {
                let mut rows: Vec<usize> = perm.iter().map(|r| *r as usize).collect();
                rows.sort_unstable();
                rows
            }
            Driver::Codes { maps, count } => {
                let mut rows = Vec::with_capacity(*count);
                let words = maps.first().map_or(0, |m| m.len());
                for w in 0..words {
                    let mut bits = maps.iter().fold(0u64, |acc, m| acc | m.get(w).copied().unwrap_or(0));
                    while bits != 0 {
                        rows.push(w * 64 + bits.trailing_zeros() as usize);
                        bits &= bits - 1;
                    }
                }
                rows
            }
        }
    }
}

/// The driver of a leaf, when the leaf is exactly "the rows some index selects".
fn driver<'t>(node: &Node, t: &'t Table) -> Option<Driver<'t>> {
    // A row whose value is null must not match, unless the column has no nulls.
    let no_null_rows = |col: usize, on_null: bool| !on_null || t.column(col).validity.is_none();
    match node {
        Node::I64 { col, op, lit, on_null: false } if *op != CmpOp::Ne => {
            let Some(ColumnIndex::Sorted { perm, nulls, keys }) = t.index(*col) else { return None };
            let (lo, hi) = range(keys, *nulls, *op, *lit)?;
            Some(Driver::Range { perm: perm.get(lo..hi)? })
        }
        Node::Enum { col, accept, on_null } if no_null_rows(*col, *on_null) => {
            let Some(ColumnIndex::Bitmaps { maps, counts }) = t.index(*col) else { return None };
            let chosen: Vec<usize> =
                (0..maps.len()).filter(|c| accept.get(c / 64).is_some_and(|w| (w >> (c % 64)) & 1 == 1)).collect();
            Some(Driver::Codes {
                maps: chosen.iter().filter_map(|c| maps.get(*c).map(Vec::as_slice)).collect(),
                count: chosen.iter().filter_map(|c| counts.get(*c)).sum(),
            })
        }
        Node::Bool { col, accept, on_null } if no_null_rows(*col, *on_null) => {
            let Some(ColumnIndex::Bitmaps { maps, counts }) = t.index(*col) else { return None };
            let chosen: Vec<usize> = (0..2).filter(|c| accept[*c]).collect();
            Some(Driver::Codes {
                maps: chosen.iter().filter_map(|c| maps.get(*c).map(Vec::as_slice)).collect(),
                count: chosen.iter().filter_map(|c| counts.get(*c)).sum(),
            })
        }
        _ => None,
    }
}

/// The most selective driver among the filter (a leaf) or its `and` children, and whether
/// the filter is that leaf alone.
fn best_driver<'t>(filter: &Node, t: &'t Table) -> Option<(Driver<'t>, bool)> {
    match filter {
        Node::And(children) => {
            children.iter().filter_map(|c| driver(c, t)).min_by_key(Driver::count).map(|d| (d, false))
        }
        leaf => driver(leaf, t).map(|d| (d, true)),
    }
}

/// The candidates' rows that pass the whole filter, in table order, when an index makes
/// that cheaper than a scan (or [`Access::Index`] asks for it).
fn candidates<'t>(plan: &Plan, t: &'t Table) -> Option<(Driver<'t>, bool)> {
    if plan.access == Access::Scan {
        return None;
    }
    let (driver, alone) = best_driver(&plan.filter, t)?;
    let cheap = driver.count().saturating_mul(CANDIDATE_COST) < t.len();
    (alone || cheap || plan.access == Access::Index).then_some((driver, alone))
}

pub(crate) fn count(plan: &Plan, t: &Table) -> usize {
    match candidates(plan, t) {
        Some((driver, true)) => driver.count(),
        Some((driver, false)) => {
            let mut out = Tri::NULL;
            driver.rows().into_iter().filter(|&r| row_matches(&plan.filter, t, r, &mut out)).count()
        }
        None => scan_count(plan, t),
    }
}

pub(crate) fn matching(plan: &Plan, t: &Table) -> Vec<usize> {
    match candidates(plan, t) {
        // A lone leaf's driver is exact; but its rows are only cheaper than a scan when few.
        Some((driver, true)) if plan.access == Access::Index || driver.count() * CANDIDATE_COST < t.len() => {
            driver.rows()
        }
        Some((driver, false)) => {
            let mut out = Tri::NULL;
            driver.rows().into_iter().filter(|&r| row_matches(&plan.filter, t, r, &mut out)).collect()
        }
        _ => scan_matching(plan, t),
    }
}

/// The fraction of rows passing the filter in [`SAMPLE_CHUNKS`] evenly spaced chunks.
fn sampled_selectivity(filter: &Node, t: &Table) -> f64 {
    let chunks = t.len().div_ceil(CHUNK);
    let step = (chunks / SAMPLE_CHUNKS).max(1);
    let (mut seen, mut hits) = (0usize, 0usize);
    for c in (0..chunks).step_by(step).take(SAMPLE_CHUNKS) {
        seen += CHUNK.min(t.len() - c * CHUNK);
        scan_chunks(filter, t, c..c + 1, |_, s| hits += s.iter().map(|w| w.count_ones() as usize).sum::<usize>());
    }
    if seen == 0 { 0.0 } else { hits as f64 / seen as f64 }
}

/// The page by walking the first sort key's sorted permutation, or `None` when no index
/// applies or a scan is estimated (or turns out) to be cheaper.
pub(crate) fn walk(plan: &Plan, t: &Table, offset: usize, end: usize) -> Option<Vec<usize>> {
    if plan.access == Access::Scan {
        return None;
    }
    let (col, desc) = plan.sorter.first()?;
    let Some(ColumnIndex::Sorted { perm, nulls, keys }) = t.index(col) else { return None };
    let budget = match plan.access {
        Access::Index => usize::MAX,
        _ => {
            let selectivity = match plan.filter {
                Node::Const(_) => 1.0,
                _ => sampled_selectivity(&plan.filter, t),
            };
            if selectivity <= 0.0 {
                return None;
            }
            let expected = end as f64 / selectivity;
            if expected * WALK_COST as f64 >= t.len() as f64 {
                return None;
            }
            // Give up at four times the expected walk: the estimate was wrong.
            (expected * 4.0) as usize + 1024
        }
    };
    let (null_rows, sorted) = perm.split_at(*nulls);
    let mut out: Vec<usize> = Vec::with_capacity(end.min(t.len()));
    let mut walked = 0usize;
    let mut group: Vec<usize> = Vec::new();
    let mut tri = Tri::NULL;
    let filter = &plan.filter;
    // Adds one group of rows tying on the first key, ordered by the other keys.
    let mut take = |rows: &[u32], out: &mut Vec<usize>, tri: &mut Tri| {
        group.clear();
        group.extend(rows.iter().map(|r| *r as usize).filter(|&r| row_matches(filter, t, r, tri)));
        group.sort_unstable_by(|a, b| plan.sorter.cmp_after_first(t, *a, *b));
        out.extend(group.iter().take(end - out.len()));
    };
    // Nulls first ascending, last descending.
    if !desc {
        take(null_rows, &mut out, &mut tri);
        walked += null_rows.len();
    }
    let n = sorted.len();
    // Position `i` of the walk, from the chosen end.
    let at = |i: usize| if desc { n - 1 - i } else { i };
    let mut i = 0;
    while out.len() < end && i < n {
        let p = at(i);
        let same = |q: usize| keys.get(q) == keys.get(p);
        if i + 1 == n || !same(at(i + 1)) {
            // A group of one, the common case: no sorting.
            let r = sorted[p] as usize;
            if row_matches(filter, t, r, &mut tri) {
                out.push(r);
            }
            i += 1;
            walked += 1;
        } else {
            let mut j = i + 1;
            while j < n && same(at(j)) {
                j += 1;
            }
            let rows = if desc { &sorted[n - j..n - i] } else { &sorted[i..j] };
            take(rows, &mut out, &mut tri);
            walked += j - i;
            i = j;
        }
        if walked > budget {
            return None;
        }
    }
    if out.len() < end && desc {
        take(null_rows, &mut out, &mut tri);
    }
    Some(out.get(offset..).map(<[usize]>::to_vec).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use roster_ast::CmpOp;
    use roster_check::{Operand, Pred, TypedQuery, TypedSortKey};
    use roster_schema::{Timestamp, Value};

    use super::*;
    use crate::compile;

    /// Every path and thread count gives the scan's answer (the integration tests cover the
    /// same with a naive reference, on tables too small for threads outside unit tests).
    #[test]
    fn paths_and_threads_agree_on_identity_users() {
        let profile = roster_schema::profiles::by_name("identity").unwrap();
        let schema = &profile.schema;
        let table = Table::from_records(schema, profile.generate(9_000, 2)).unwrap();
        let id = |name: &str| schema.field(name).unwrap().0;
        let created = |op, micros| Pred::Cmp {
            op,
            lhs: Operand::Field(id("createdAt")),
            rhs: Operand::Literal(Value::Timestamp(Timestamp(micros))),
        };
        let status = |op, code| Pred::Cmp {
            op,
            lhs: Operand::Field(id("userStatus")),
            rhs: Operand::Literal(Value::Enum(code)),
        };
        let filters = [
            Pred::Const(true),
            created(CmpOp::Gt, 1_622_505_600_000_000),
            created(CmpOp::Le, 1_430_000_000_000_000),
            status(CmpOp::Eq, 3),
            status(CmpOp::Ne, 0),
            Pred::And(vec![status(CmpOp::Ne, 0), created(CmpOp::Gt, 1_622_505_600_000_000)]),
            Pred::And(vec![status(CmpOp::Eq, 3), created(CmpOp::Ge, 1_740_000_000_000_000)]),
            Pred::Or(vec![status(CmpOp::Eq, 2), created(CmpOp::Lt, 1_430_000_000_000_000)]),
        ];
        for filter in filters {
            for (field, desc) in [("createdAt", true), ("lastLogin", false), ("username", true)] {
                let direction = if desc { roster_ast::Direction::Desc } else { roster_ast::Direction::Asc };
                let q = TypedQuery {
                    filter: filter.clone(),
                    sort: vec![
                        TypedSortKey { field: id(field), direction },
                        TypedSortKey { field: schema.primary_key, direction: roster_ast::Direction::Asc },
                    ],
                    projection: vec![],
                    limit: Some(40),
                    offset: 7,
                };
                let base = compile(schema, &q).with_access(Access::Scan);
                let (count, matching, rows) = (base.count(&table), base.matching(&table), base.rows(&table));
                for access in [Access::Auto, Access::Scan, Access::Index] {
                    for threads in [1, 2, 5] {
                        let plan = compile(schema, &q).with_access(access).with_threads(threads);
                        assert_eq!(plan.count(&table), count, "{filter:?} {access:?} {threads}");
                        assert_eq!(plan.matching(&table), matching, "{filter:?} {access:?} {threads}");
                        assert_eq!(plan.rows(&table), rows, "{filter:?} {field} {access:?} {threads}");
                    }
                }
            }
        }
    }
}
