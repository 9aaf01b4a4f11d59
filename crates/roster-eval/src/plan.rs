//! [`Plan`]: a typed query compiled once, run over any [`Table`] of its schema.

use roster_check::TypedQuery;
use roster_schema::{FieldId, Record, Schema};

use crate::EvalError;
use crate::access::{self, Access};
use crate::pred::{self, Node};
use crate::sort::{Method, Sorter};
use crate::table::Table;

/// A compiled query: filter kernels, sort keys, paging and projection.
///
/// Cheap to run many times over many tables; build it with [`compile`].
#[derive(Debug, Clone)]
pub struct Plan {
    schema: Schema,
    pub(crate) filter: Node,
    pub(crate) sorter: Sorter,
    projection: Vec<FieldId>,
    limit: Option<u64>,
    offset: u64,
    pub(crate) access: Access,
    pub(crate) threads: usize,
    /// The id of the last table whose schema was found equal to the plan's (0: none), so that
    /// running the plan again over it skips comparing the schemas field by field.
    checked: Checked,
}

/// [`Plan::checked`]: an atomic, so plans stay `Sync`; a clone starts afresh.
#[derive(Debug, Default)]
struct Checked(std::sync::atomic::AtomicU64);

impl Clone for Checked {
    fn clone(&self) -> Checked {
        Checked::default()
    }
}

/// Compiles `query`, checked against `schema`, into a [`Plan`].
///
/// # Panics
///
/// When `query` names a field `schema` does not have (it was checked against another schema).
pub fn compile(schema: &Schema, query: &TypedQuery) -> Plan {
    Plan {
        schema: schema.clone(),
        filter: pred::compile(schema, &query.filter),
        sorter: Sorter::new(schema, &query.sort),
        projection: query.projection.clone(),
        limit: query.limit,
        offset: query.offset,
        access: Access::Auto,
        threads: 1,
        checked: Checked::default(),
    }
}

impl Plan {
    /// The plan taking access path `access`: [`Access::Auto`] (the default) chooses between
    /// a scan and the table's indexes by estimated selectivity; the others force one. Every
    /// path gives the same answers in the same order.
    pub fn with_access(mut self, access: Access) -> Plan {
        self.access = access;
        self
    }

    /// The plan scanning with up to `threads` threads (default 1; 0 counts as 1), each over
    /// a contiguous range of chunks; results are joined in table order, so they do not depend
    /// on the thread count.
    pub fn with_threads(mut self, threads: usize) -> Plan {
        self.threads = threads.max(1);
        self
    }

    /// The number of rows of `t` the filter selects (is true for), ignoring limit and offset.
    ///
    /// # Panics
    ///
    /// When `t` was built for a schema other than the plan's (see [`Plan::check_table`]).
    pub fn count(&self, t: &Table) -> usize {
        self.assert_table(t);
        match self.filter {
            Node::Const(true) => t.len(),
            Node::Const(false) => 0,
            _ => access::count(self, t),
        }
    }

    /// The rows of `t` the filter selects, in table order, before sorting and paging.
    ///
    /// # Panics
    ///
    /// When `t` was built for a schema other than the plan's (see [`Plan::check_table`]).
    pub fn matching(&self, t: &Table) -> Vec<usize> {
        self.assert_table(t);
        match self.filter {
            Node::Const(true) => (0..t.len()).collect(),
            Node::Const(false) => Vec::new(),
            _ => access::matching(self, t),
        }
    }

    /// The selected rows of `t` in result order: sorted, then `offset` skipped and at most
    /// `limit` kept. When the page ends well before the last match, only its rows are sorted.
    ///
    /// # Panics
    ///
    /// When `t` was built for a schema other than the plan's (see [`Plan::check_table`]).
    pub fn rows(&self, t: &Table) -> Vec<usize> {
        self.rows_with(t, Method::Auto)
    }

    pub(crate) fn rows_with(&self, t: &Table, method: Method) -> Vec<usize> {
        if self.limit == Some(0) {
            self.assert_table(t);
            return Vec::new();
        }
        self.assert_table(t);
        let offset = usize::try_from(self.offset).unwrap_or(usize::MAX);
        if let (Some(limit), Method::Auto) = (self.limit, method) {
            let end = offset.saturating_add(usize::try_from(limit).unwrap_or(usize::MAX));
            if self.sorter.first().is_none() {
                // No sort keys: table order is the order, and the scan can stop early.
                let rows = match self.filter {
                    Node::Const(false) => Vec::new(),
                    Node::Const(true) => (0..t.len().min(end)).collect(),
                    _ => access::first_matches(self, t, end),
                };
                return rows.get(offset..).map(<[usize]>::to_vec).unwrap_or_default();
            }
            if let Some(page) = access::walk(self, t, offset, end) {
                return page;
            }
            if let Some(page) = access::scan_top(self, t, offset, end) {
                return page;
            }
        }
        let rows = self.matching(t);
        if self.sorter.first().is_none() {
            // No sort keys: table order is the order.
            let offset = offset.min(rows.len());
            let limit = self.limit.map_or(usize::MAX, |l| usize::try_from(l).unwrap_or(usize::MAX));
            return rows.into_iter().skip(offset).take(limit).collect();
        }
        self.sorter.page(t, &rows, self.offset, self.limit, method)
    }

    /// [`Plan::rows`] as records holding the projected fields (the others are
    /// [`Value::Null`](roster_schema::Value::Null)).
    ///
    /// # Panics
    ///
    /// When `t` was built for a schema other than the plan's (see [`Plan::check_table`]).
    pub fn records(&self, t: &Table) -> Vec<Record> {
        self.rows(t).into_iter().map(|row| t.record(row, &self.projection)).collect()
    }

    /// The projected fields, in output order.
    pub fn projection(&self) -> &[FieldId] {
        &self.projection
    }

    /// Whether the plan may run over `t`: `t` must be built for a schema equal to the plan's.
    pub fn check_table(&self, t: &Table) -> Result<(), EvalError> {
        use std::sync::atomic::Ordering::Relaxed;
        if self.checked.0.load(Relaxed) == t.id() {
            return Ok(());
        }
        if *t.schema() == self.schema {
            self.checked.0.store(t.id(), Relaxed);
            Ok(())
        } else {
            Err(EvalError::SchemaMismatch { plan: self.schema.name.clone(), table: t.schema().name.clone() })
        }
    }

    fn assert_table(&self, t: &Table) {
        let result = self.check_table(t);
        assert!(result.is_ok(), "{}", result.map_or_else(|e| e.to_string(), |()| String::new()));
    }
}
