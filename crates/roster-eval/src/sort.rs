//! Sorting and paging of the matching rows.
//!
//! Order: each key ascending with nulls first, or descending with nulls last (the reverse of
//! ascending-nulls-first); strings by bytes, enums by their text, UUIDs as `u128`, `false <
//! true`; rows equal on every key keep table order, so the order is total and stable even if
//! the sort list does not end with a unique key.
//!
//! Every row gets an [`Entry`]: its first key normalised to `(null rank, u128)`, so most
//! comparisons are two integer comparisons (a string key holds its first 16 bytes, big-endian,
//! and ties fall back to the full comparison). When the page ends well before the last match,
//! only the first `k = offset + limit` entries are kept, by selection over a bounded buffer
//! ([`top`]), and only those are sorted.

use std::cmp::Ordering;

use roster_ast::Direction;
use roster_check::TypedSortKey;
use roster_schema::{FieldType, Schema};

use crate::table::{Data, Table};

/// How to order the entries; [`Method::Auto`] picks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    /// Top-k when the page ends before half of the matches, else a full sort.
    Auto,
    /// Sort every match.
    #[cfg(test)]
    FullSort,
    /// Select the first `offset + limit`, then sort them.
    #[cfg(test)]
    TopK,
}

#[derive(Debug, Clone)]
struct Key {
    col: usize,
    desc: bool,
    /// For an enum field: the rank of each code's text among the enum's texts.
    ranks: Vec<u16>,
}

impl Key {
    fn rank(&self, code: u16) -> u16 {
        self.ranks.get(usize::from(code)).copied().unwrap_or(code)
    }

    /// Ascending with nulls first, reversed when descending.
    fn cmp(&self, t: &Table, a: usize, b: usize) -> Ordering {
        let column = t.column(self.col);
        let ord = match (column.is_valid(a), column.is_valid(b)) {
            (false, false) => Ordering::Equal,
            (false, true) => Ordering::Less,
            (true, false) => Ordering::Greater,
            (true, true) => match &column.data {
                Data::Bool(v) => v[a].cmp(&v[b]),
                Data::Int(v) | Data::Timestamp(v) => v[a].cmp(&v[b]),
                Data::Uuid(v) => v[a].cmp(&v[b]),
                Data::Enum(v) => self.rank(v[a]).cmp(&self.rank(v[b])),
                Data::Str(s) => s.bytes(a).cmp(s.bytes(b)),
            },
        };
        if self.desc { ord.reverse() } else { ord }
    }
}

/// One matching row with its normalised first key.
#[derive(Debug, Clone, Copy)]
struct Entry {
    null: u8,
    key: u128,
    row: usize,
}

/// The compiled sort of a plan.
#[derive(Debug, Clone)]
pub(crate) struct Sorter {
    keys: Vec<Key>,
}

/// The rank of each value of an enum among the values' texts (equal texts, equal ranks).
fn text_ranks(values: &[String]) -> Vec<u16> {
    let mut sorted: Vec<&str> = values.iter().map(String::as_str).collect();
    sorted.sort_unstable();
    sorted.dedup();
    values
        .iter()
        .map(|v| sorted.binary_search(&v.as_str()).ok().and_then(|r| u16::try_from(r).ok()).unwrap_or(u16::MAX))
        .collect()
}

impl Sorter {
    pub(crate) fn new(schema: &Schema, keys: &[TypedSortKey]) -> Sorter {
        let keys = keys
            .iter()
            .map(|k| Key {
                col: k.field.index(),
                desc: k.direction == Direction::Desc,
                ranks: match &schema.get(k.field).ty {
                    FieldType::Enum(e) => text_ranks(&e.values),
                    _ => Vec::new(),
                },
            })
            .collect();
        Sorter { keys }
    }

    /// The entry of a row, and whether entries order rows exactly on the first key (false
    /// when it is a string prefix).
    fn encoder<'a>(&'a self, t: &'a Table) -> (Box<dyn Fn(usize) -> Entry + Send + 'a>, bool) {
        let Some(key) = self.keys.first() else {
            return (Box::new(|row| Entry { null: 0, key: 0, row }), true);
        };
        let column = t.column(key.col);
        let (present, missing) = if key.desc { (0, 1) } else { (1, 0) };
        let entry = move |row: usize, value: u128| {
            if column.is_valid(row) {
                let key = if key.desc { !value } else { value };
                Entry { null: present, key, row }
            } else {
                Entry { null: missing, key: 0, row }
            }
        };
        match &column.data {
            Data::Bool(v) => (Box::new(move |row| entry(row, u128::from(v[row]))), true),
            Data::Int(v) | Data::Timestamp(v) => {
                let encode = move |row: usize| u128::from(v[row].cast_unsigned() ^ (1 << 63));
                (Box::new(move |row| entry(row, encode(row))), true)
            }
            Data::Uuid(v) => (Box::new(move |row| entry(row, v[row])), true),
            Data::Enum(v) => (Box::new(move |row| entry(row, u128::from(key.rank(v[row])))), true),
            Data::Str(s) => {
                let encode = move |row: usize| {
                    let bytes = s.bytes(row);
                    let mut prefix = [0u8; 16];
                    let n = bytes.len().min(16);
                    prefix[..n].copy_from_slice(&bytes[..n]);
                    u128::from_be_bytes(prefix)
                };
                (Box::new(move |row| entry(row, encode(row))), false)
            }
        }
    }

    /// The order of `schema`'s primary key, ascending.
    pub(crate) fn primary_key(schema: &Schema) -> Sorter {
        Sorter::new(schema, &[TypedSortKey { field: schema.primary_key, direction: Direction::Asc }])
    }

    /// Orders two rows by every key (not by table order).
    pub(crate) fn cmp_rows(&self, t: &Table, a: usize, b: usize) -> Ordering {
        self.keys.iter().map(|k| k.cmp(t, a, b)).find(|o| o.is_ne()).unwrap_or(Ordering::Equal)
    }

    /// Whether the keys are a first key then the primary key ascending: ties on the first key
    /// are then in a sorted permutation's order ([`crate::index`]).
    pub(crate) fn is_first_then_primary_key(&self, schema: &Schema) -> bool {
        matches!(self.keys.as_slice(), [_, k] if k.col == schema.primary_key.index() && !k.desc)
    }

    /// The first key's column and whether it is descending.
    pub(crate) fn first(&self) -> Option<(usize, bool)> {
        self.keys.first().map(|k| (k.col, k.desc))
    }

    /// Orders two rows that tie on the first key: by the other keys, then in table order.
    pub(crate) fn cmp_after_first(&self, t: &Table, a: usize, b: usize) -> Ordering {
        let rest = self.keys.get(1..).unwrap_or_default();
        rest.iter().map(|k| k.cmp(t, a, b)).find(|o| o.is_ne()).unwrap_or_else(|| a.cmp(&b))
    }

    /// `rows` (in table order) sorted, then `offset` skipped and at most `limit` kept.
    pub(crate) fn page(
        &self,
        t: &Table,
        rows: &[usize],
        offset: u64,
        limit: Option<u64>,
        method: Method,
    ) -> Vec<usize> {
        let m = rows.len();
        let offset = usize::try_from(offset).unwrap_or(usize::MAX).min(m);
        let end = match limit {
            None => m,
            Some(limit) => offset.saturating_add(usize::try_from(limit).unwrap_or(usize::MAX)).min(m),
        };
        if end <= offset {
            return Vec::new();
        }
        let top_k = match method {
            Method::Auto => end <= m / 2,
            #[cfg(test)]
            Method::FullSort => false,
            #[cfg(test)]
            Method::TopK => end < m,
        };
        let mut top = TopK::new(self, t, if top_k { end } else { usize::MAX });
        for &row in rows {
            top.push(row);
        }
        top.finish(offset, end)
    }
}

/// Which rows may still enter a [`TopK`] whose first key is an integer or timestamp column:
/// every other row orders after its current `k` least on that key alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Admit {
    /// Null rows may enter.
    pub(crate) nulls: bool,
    /// Which non-null values may enter.
    pub(crate) values: Values,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Values {
    All,
    Nothing,
    AtMost(i64),
    AtLeast(i64),
}

/// The `k` least rows in sort order, fed one row at a time. Entries are gathered in a buffer
/// of about `2k`; whenever it fills, selection keeps its `k` least and their greatest becomes
/// a bound that later entries must beat to enter, so most rows cost one comparison and
/// memory stays `O(k)`. With `k = usize::MAX` it keeps every row (a full sort).
pub(crate) struct TopK<'a> {
    sorter: &'a Sorter,
    t: &'a Table,
    encode: Box<dyn Fn(usize) -> Entry + Send + 'a>,
    /// The keys compared after the normalised first key.
    rest: &'a [Key],
    k: usize,
    capacity: usize,
    buf: Vec<Entry>,
    bound: Option<Entry>,
}

impl<'a> TopK<'a> {
    pub(crate) fn new(sorter: &'a Sorter, t: &'a Table, k: usize) -> TopK<'a> {
        let (encode, exact) = sorter.encoder(t);
        let rest = if exact { sorter.keys.get(1..).unwrap_or_default() } else { &sorter.keys[..] };
        let k = k.max(1);
        let capacity = k.saturating_mul(2).max(k.saturating_add(64));
        TopK { sorter, t, encode, rest, k, capacity, buf: Vec::new(), bound: None }
    }

    fn cmp(&self, a: &Entry, b: &Entry) -> Ordering {
        order(self.rest, self.t, a, b)
    }

    /// Offers row `row`.
    #[inline]
    pub(crate) fn push(&mut self, row: usize) {
        let entry = (self.encode)(row);
        self.offer(entry);
    }

    /// Keeps `entry` if it beats the bound; selects when the buffer is full.
    #[inline]
    fn offer(&mut self, entry: Entry) {
        if self.bound.as_ref().is_some_and(|b| self.cmp(&entry, b).is_ge()) {
            return;
        }
        self.buf.push(entry);
        if self.buf.len() >= self.capacity {
            self.shrink();
            self.bound = self.buf.last().copied();
        }
    }

    /// Keeps the `k` least entries (unsorted; the greatest of them last).
    fn shrink(&mut self) {
        if self.buf.len() > self.k {
            let (rest, t) = (self.rest, self.t);
            self.buf.select_nth_unstable_by(self.k - 1, |a, b| order(rest, t, a, b));
            self.buf.truncate(self.k);
        }
    }

    /// The rows that may still enter, when the first key is an integer or timestamp column
    /// and a bound is set; `None` when any row may.
    pub(crate) fn admit(&self) -> Option<Admit> {
        let b = self.bound?;
        let key = self.sorter.keys.first()?;
        if !matches!(self.t.column(key.col).data, Data::Int(_) | Data::Timestamp(_)) {
            return None;
        }
        // As in `encoder`: (null rank, key), the key of a value its offset-binary bits,
        // complemented when descending.
        let (present, missing) = if key.desc { (0, 1) } else { (1, 0) };
        let decode = |k: u128| ((k as u64) ^ (1 << 63)).cast_signed();
        let values = match present.cmp(&b.null) {
            Ordering::Less => Values::All,
            Ordering::Greater => Values::Nothing,
            // Equal first keys may still enter on the later keys.
            Ordering::Equal if key.desc => Values::AtLeast(decode(!b.key)),
            Ordering::Equal => Values::AtMost(decode(b.key)),
        };
        Some(Admit { nulls: missing <= b.null, values })
    }

    /// Merges another selection's entries into this one.
    pub(crate) fn merge(&mut self, other: TopK<'_>) {
        for e in other.buf {
            self.offer(e);
        }
    }

    /// The rows at sorted positions `offset..end` of the selection.
    pub(crate) fn finish(mut self, offset: usize, end: usize) -> Vec<usize> {
        self.shrink();
        let (rest, t) = (self.rest, self.t);
        self.buf.sort_unstable_by(|a, b| order(rest, t, a, b));
        let end = end.min(self.buf.len());
        self.buf.get(offset..end).unwrap_or_default().iter().map(|e| e.row).collect()
    }
}

/// The order of two entries: the normalised first key, then `rest`, then table order.
fn order(rest: &[Key], t: &Table, a: &Entry, b: &Entry) -> Ordering {
    (a.null, a.key).cmp(&(b.null, b.key)).then_with(|| {
        rest.iter().map(|k| k.cmp(t, a.row, b.row)).find(|o| o.is_ne()).unwrap_or_else(|| a.row.cmp(&b.row))
    })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use roster_schema::FieldId;

    use super::*;

    #[test]
    fn enum_ranks_follow_text() {
        let values: Vec<String> = ["UNVERIFIED", "VERIFIED", "BLOCKED", "DELETED", "a", "B"].map(String::from).into();
        assert_eq!(text_ranks(&values), vec![3, 4, 1, 2, 5, 0]);
    }

    fn identity(n: u64, seed: u64) -> (Schema, Table) {
        let profile = roster_schema::profiles::by_name("identity").unwrap();
        let table = Table::from_records(&profile.schema, profile.generate(n, seed)).unwrap();
        (profile.schema, table)
    }

    fn sort_key() -> impl Strategy<Value = TypedSortKey> {
        (0u16..6, any::<bool>()).prop_map(|(f, desc)| TypedSortKey {
            field: FieldId(f),
            direction: if desc { Direction::Desc } else { Direction::Asc },
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 200, failure_persistence: None, ..ProptestConfig::default() })]

        /// Top-k selection and a full sort give the same page, whatever the keys and paging.
        #[test]
        fn top_k_equals_full_sort(
            n in 0u64..700,
            seed in 0u64..4,
            keys in prop::collection::vec(sort_key(), 0..3),
            with_pk in any::<bool>(),
            every in 1usize..4,
            offset in prop_oneof![Just(0u64), 0u64..800, Just(u64::MAX)],
            limit in prop::option::of(prop_oneof![0u64..50, 0u64..800, Just(u64::MAX)]),
        ) {
            let (schema, table) = identity(n, seed);
            let mut keys = keys;
            if with_pk {
                keys.push(TypedSortKey { field: schema.primary_key, direction: Direction::Asc });
            }
            let sorter = Sorter::new(&schema, &keys);
            let rows: Vec<usize> = (0..table.len()).step_by(every).collect();
            let full = sorter.page(&table, &rows, offset, limit, Method::FullSort);
            let top = sorter.page(&table, &rows, offset, limit, Method::TopK);
            let auto = sorter.page(&table, &rows, offset, limit, Method::Auto);
            prop_assert_eq!(&full, &top);
            prop_assert_eq!(&full, &auto);
            // And the full sort is the reference order: keys, then table order.
            let mut reference = rows.clone();
            reference.sort_by(|&a, &b| {
                keys.iter()
                    .map(|k| Key { col: k.field.index(), desc: k.direction == Direction::Desc, ranks: sorter_ranks(&schema, k.field) }.cmp(&table, a, b))
                    .find(|o| o.is_ne())
                    .unwrap_or(Ordering::Equal)
            });
            let offset = usize::try_from(offset).unwrap_or(usize::MAX).min(reference.len());
            let expected: Vec<usize> = reference.into_iter().skip(offset).take(limit.map_or(usize::MAX, |l| usize::try_from(l).unwrap_or(usize::MAX))).collect();
            prop_assert_eq!(full, expected);
        }
    }

    fn sorter_ranks(schema: &Schema, field: FieldId) -> Vec<u16> {
        match &schema.get(field).ty {
            FieldType::Enum(e) => text_ranks(&e.values),
            _ => Vec::new(),
        }
    }
}
