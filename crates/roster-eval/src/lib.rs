//! In-memory evaluation of typed queries: a columnar [`Table`] of users, and a [`Plan`] that
//! [`compile`] builds once per [`TypedQuery`](roster_check::TypedQuery) and runs over any table
//! of the same schema, with exactly the answers SQLite and PostgreSQL give for the same query
//! (a workspace differential test holds the three engines to that).
//!
//! - **Table** ([`table`](crate::Table)): one column per field — timestamps and integers as
//!   `i64`, UUIDs as `u128`, enums as `u16` codes into the field's values, bools, strings in one
//!   contiguous buffer with offsets — plus a validity bitmap for nullable fields.
//! - **Filter**: each predicate becomes a tree of typed kernels evaluated 1024 rows at a time
//!   into true/false bit masks, with Kleene `and`/`or`/`not` as word operations. A field
//!   compared with a literal compares machine integers (an enum `in` is a bitset over codes);
//!   `contains` uses a prebuilt `memchr::memmem::Finder`; anything else (field against field,
//!   functions) takes a general row-by-row path. The null rules are exactly those of
//!   [`roster_check::typed`]: comparisons and `in` are two-valued (`eq` true iff both sides
//!   are null, `ne` true iff exactly one is, everything else false on null), substring tests
//!   and functions are null on null, and a row is selected only when its filter is true.
//! - **Sort**: keys in order, ascending with nulls first or descending with nulls last;
//!   strings by bytes (= code point order), enums by their text (as SQL stores them), UUIDs as
//!   their lower-case text, `false < true`; remaining ties keep table order. A page that ends
//!   well before the last match is found by top-k selection rather than a full sort.
//! - **Page**: `offset` rows skipped, then at most `limit` kept.
//!
//! ```
//! use roster_ast::{CmpOp, Direction};
//! use roster_check::{Operand, Pred, TypedQuery, TypedSortKey};
//! use roster_eval::{Table, compile};
//! use roster_schema::{Timestamp, Value, profiles};
//!
//! let profile = profiles::by_name("identity").unwrap();
//! let schema = &profile.schema;
//! let table = Table::from_records(schema, profile.generate(10_000, 1))?;
//! let id = |name| schema.field(name).unwrap().0;
//!
//! // userStatus ne 'UNVERIFIED' and not (lastLogin lt 2020-01-01T00:00:00Z),
//! // sorted by lastLogin desc, returning id and lastLogin, 5 per page.
//! let before_2020 = Value::Timestamp(Timestamp(1_577_836_800_000_000));
//! let mut query = TypedQuery {
//!     filter: Pred::And(vec![
//!         Pred::Cmp { op: CmpOp::Ne, lhs: Operand::Field(id("userStatus")), rhs: Operand::Literal(Value::Enum(0)) },
//!         Pred::Not(Box::new(Pred::Cmp {
//!             op: CmpOp::Lt,
//!             lhs: Operand::Field(id("lastLogin")),
//!             rhs: Operand::Literal(before_2020),
//!         })),
//!     ]),
//!     sort: vec![
//!         TypedSortKey { field: id("lastLogin"), direction: Direction::Desc },
//!         TypedSortKey { field: schema.primary_key, direction: Direction::Asc },
//!     ],
//!     projection: vec![id("id"), id("lastLogin")],
//!     limit: Some(5),
//!     offset: 0,
//! };
//! let plan = compile(schema, &query);
//! let page = plan.records(&table);
//! assert_eq!(page.len(), 5);
//! assert!(matches!(page[0].get(id("lastLogin")), Value::Timestamp(_)));
//! assert_eq!(page[0].get(id("username")), &Value::Null); // not projected
//!
//! // `lastLogin lt T` is false for users who never logged in, so the `not` selects them;
//! // descending, their nulls sort last.
//! let total = plan.count(&table);
//! query.offset = total as u64 - 1;
//! let last = compile(schema, &query).records(&table);
//! assert_eq!(last[0].get(id("lastLogin")), &Value::Null);
//! # Ok::<(), roster_eval::EvalError>(())
//! ```
#![forbid(unsafe_code)]

mod access;
mod bits;
pub mod document;
mod document_table;
mod error;
mod export;
mod fused;
mod general;
mod index;
mod plan;
mod pred;
mod sort;
mod table;

pub use access::Access;
pub use error::EvalError;
pub use export::Zone;
pub use plan::{Plan, compile};
pub use table::Table;

#[cfg(test)]
mod tests;
