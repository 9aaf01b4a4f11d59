//! Shared pieces of Roster's benches: the workload (the filter, sort and page of issue 8),
//! typed queries built through the real front end, and the hand-written "vanilla" baseline
//! over plain column vectors that every engine figure is divided by.
//!
//! The baseline is what a careful engineer would write by hand for this one question and
//! these columns: no schema, no plan, no null rules beyond the one nullable column it reads.

use roster_check::TypedQuery;
use roster_schema::{Record, Schema, Value};

/// The filter of the reference figures in issue 8.
pub const FILTER: &str = "userStatus ne 'UNVERIFIED' and createdAt gt 2021-06-01T00:00:00Z";
/// The page's sort (`$orderby`).
pub const SORT: &str = "createdAt desc, id";
/// The page's size.
pub const LIMIT: u64 = 300;
/// `FILTER`'s instant, in UTC microseconds.
pub const AFTER: i64 = 1_622_505_600_000_000;
/// Asia/Kolkata's offset (no transitions since 1945), for the export.
pub const KOLKATA: i32 = 19_800;

/// Filters of the front-end bench: (name, OData text).
pub const FILTERS: &[(&str, &str)] = &[
    ("status_and_created", FILTER),
    ("last_login_null_rule", "lastLogin ne null and not (lastLogin lt 2021-01-01T00:00:00Z)"),
    ("contains_or_in", "contains(username, 'smith') or userStatus in ('BLOCKED', 'SUSPENDED')"),
    ("id_eq", "id eq 1dfdcec4-ec04-463f-92f9-9e761c6d8b30"),
];

/// Parses and checks `filter` with `sort` and `limit` into a typed query, like the CLI.
///
/// # Errors
///
/// A message when the filter or sort does not parse or check.
pub fn typed(schema: &Schema, filter: &str, sort: Option<&str>, limit: Option<u64>) -> Result<TypedQuery, String> {
    let filter = roster_odata::parse_filter(filter).map_err(|e| e.to_string())?;
    let sort = match sort {
        Some(s) => roster_odata::parse_orderby(s).map_err(|e| e.to_string())?,
        None => Vec::new(),
    };
    let query =
        roster_ast::Query { filter: Some(filter), sort, projection: None, page: roster_ast::Page { limit, offset: 0 } };
    roster_check::check(&query, schema)
        .map_err(|errors| errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))
}

/// The identity columns the baseline reads, as plain vectors.
#[derive(Debug, Default)]
pub struct Columns {
    /// `id` as a `u128`.
    pub id: Vec<u128>,
    /// `username`, one string per row.
    pub username: Vec<String>,
    /// `userStatus` as its code (0 is `UNVERIFIED`).
    pub status: Vec<u16>,
    /// `createdAt`, UTC microseconds.
    pub created: Vec<i64>,
    /// `updatedAt`, UTC microseconds.
    pub updated: Vec<i64>,
    /// `lastLogin`, UTC microseconds, `i64::MIN` for never.
    pub last_login: Vec<i64>,
}

impl Columns {
    /// The columns of identity `records`.
    pub fn new<'a>(records: impl IntoIterator<Item = &'a Record>) -> Columns {
        let mut c = Columns::default();
        for r in records {
            let ts = |v: &Value| if let Value::Timestamp(t) = v { t.0 } else { i64::MIN };
            c.id.push(if let Value::Uuid(u) = r.0[0] { u } else { 0 });
            c.username.push(if let Value::Str(s) = &r.0[1] { s.clone() } else { String::new() });
            c.status.push(if let Value::Enum(e) = r.0[2] { e } else { 0 });
            c.created.push(ts(&r.0[3]));
            c.updated.push(ts(&r.0[4]));
            c.last_login.push(ts(&r.0[5]));
        }
        c
    }

    /// Whether row `i` matches [`FILTER`].
    #[inline]
    pub fn matches(&self, i: usize) -> bool {
        self.status[i] != 0 && self.created[i] > AFTER
    }

    /// The count, branch-free.
    pub fn count(&self) -> usize {
        self.status.iter().zip(&self.created).map(|(s, c)| usize::from((*s != 0) & (*c > AFTER))).sum()
    }

    /// The page by a bounded heap over all rows: the [`LIMIT`] latest `createdAt`, ties by
    /// `id` ascending. Once the heap is full, a row must reach the heap's worst `createdAt`
    /// to be looked at further, so most rows cost one predictable comparison.
    pub fn page_heap(&self) -> Vec<usize> {
        use std::cmp::Reverse;
        use std::collections::BinaryHeap;
        let k = LIMIT as usize;
        // The heap's top is the worst kept row: the smallest createdAt, then the largest id.
        let mut heap: BinaryHeap<(Reverse<i64>, u128, usize)> = BinaryHeap::with_capacity(k + 1);
        let mut floor = AFTER + 1;
        for (i, &created) in self.created.iter().enumerate() {
            if created < floor || self.status[i] == 0 {
                continue;
            }
            let entry = (Reverse(created), self.id[i], i);
            if heap.len() < k {
                heap.push(entry);
            } else if heap.peek().is_some_and(|top| entry < *top) {
                heap.pop();
                heap.push(entry);
            }
            if heap.len() == k {
                floor = heap.peek().map_or(floor, |top| top.0.0);
            }
        }
        heap.into_sorted_vec().into_iter().map(|(_, _, i)| i).collect()
    }

    /// The rows sorted by `createdAt desc, id`: the baseline's prebuilt index.
    pub fn sorted_index(&self) -> Vec<u32> {
        let mut perm: Vec<u32> = (0..self.created.len() as u32).collect();
        perm.sort_unstable_by(|&a, &b| {
            let (a, b) = (a as usize, b as usize);
            self.created[b].cmp(&self.created[a]).then(self.id[a].cmp(&self.id[b]))
        });
        perm
    }

    /// The page by walking the prebuilt index.
    pub fn page_index(&self, index: &[u32]) -> Vec<usize> {
        index.iter().map(|&i| i as usize).filter(|&i| self.matches(i)).take(LIMIT as usize).collect()
    }

    /// Every match as CSV (all six fields, timestamps at +05:30), into `out`.
    pub fn export(&self, out: &mut Vec<u8>) {
        out.clear();
        out.extend_from_slice(b"id,username,userStatus,createdAt,updatedAt,lastLogin\n");
        const STATUS: [&str; 6] = ["UNVERIFIED", "VERIFIED", "BLOCKED", "DELETE_IN_PROGRESS", "DELETED", "SUSPENDED"];
        for i in 0..self.status.len() {
            if !self.matches(i) {
                continue;
            }
            let id = self.id[i];
            const HEX: &[u8; 16] = b"0123456789abcdef";
            for (n, shift) in (0..32).rev().map(|n| n * 4).enumerate() {
                if matches!(n, 8 | 12 | 16 | 20) {
                    out.push(b'-');
                }
                out.push(HEX[((id >> shift) & 0xF) as usize]);
            }
            out.push(b',');
            let name = self.username[i].as_bytes();
            if name.iter().any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r')) {
                out.push(b'"');
                for &b in name {
                    if b == b'"' {
                        out.push(b'"');
                    }
                    out.push(b);
                }
                out.push(b'"');
            } else {
                out.extend_from_slice(name);
            }
            out.push(b',');
            out.extend_from_slice(STATUS[usize::from(self.status[i]) % 6].as_bytes());
            for t in [self.created[i], self.updated[i], self.last_login[i]] {
                out.push(b',');
                if t != i64::MIN {
                    local_time(out, t, KOLKATA);
                }
            }
            out.push(b'\n');
        }
    }
}

/// `YYYY-MM-DDThh:mm:ss[.ffffff]±hh:mm`, by hand.
fn local_time(out: &mut Vec<u8>, micros: i64, offset: i32) {
    let local = micros + i64::from(offset) * 1_000_000;
    let secs = local.div_euclid(1_000_000);
    let frac = local.rem_euclid(1_000_000) as u32;
    let (y, m, d) = roster_ast::time::civil_from_days(secs.div_euclid(86_400));
    let sod = secs.rem_euclid(86_400) as u32;
    let two = |out: &mut Vec<u8>, v: u32| out.extend_from_slice(&[b'0' + (v / 10) as u8, b'0' + (v % 10) as u8]);
    let y = y as u32;
    two(out, y / 100);
    two(out, y % 100);
    out.push(b'-');
    two(out, m);
    out.push(b'-');
    two(out, d);
    out.push(b'T');
    two(out, sod / 3600);
    out.push(b':');
    two(out, sod % 3600 / 60);
    out.push(b':');
    two(out, sod % 60);
    if frac != 0 {
        out.push(b'.');
        two(out, frac / 10_000);
        two(out, frac / 100 % 100);
        two(out, frac % 100);
    }
    let abs = offset.unsigned_abs();
    out.push(if offset < 0 { b'-' } else { b'+' });
    two(out, abs / 3600);
    out.push(b':');
    two(out, abs % 3600 / 60);
}
