//! Typed Roster queries to SQL: sea-query statements for PostgreSQL, SQLite and MySQL, the
//! DDL of a schema's table, and loaders and executors for SQLite (`rusqlite`) and PostgreSQL
//! (`postgres`).
//!
//! [`select`] and [`count`] compile a [`TypedQuery`] into SQL text plus bound values
//! ([`Compiled`]); [`ddl`] gives the `CREATE TABLE` / `CREATE INDEX` statements;
//! [`sqlite`] and [`postgres`] create, load and query a database with them. The answers are
//! those of the in-memory engine (`roster-eval`) for the same query: same null rules, same
//! comparisons, same order.
//!
//! ```
//! use roster_ast::{CmpOp, Direction};
//! use roster_check::{Operand, Pred, TypedQuery, TypedSortKey};
//! use roster_schema::{FieldId, Timestamp, Value, profiles::identity};
//! use roster_sql::{Backend, select};
//!
//! let schema = identity::schema();
//! // not (lastLogin lt 2020-01-01T00:00:00Z), sorted by lastLogin desc, 10 rows.
//! let query = TypedQuery {
//!     filter: Pred::Not(Box::new(Pred::Cmp {
//!         op: CmpOp::Lt,
//!         lhs: Operand::Field(FieldId(5)),
//!         rhs: Operand::Literal(Value::Timestamp(Timestamp(1_577_836_800_000_000))),
//!     })),
//!     sort: vec![
//!         TypedSortKey { field: FieldId(5), direction: Direction::Desc },
//!         TypedSortKey { field: FieldId(0), direction: Direction::Asc },
//!     ],
//!     projection: vec![FieldId(0), FieldId(5)],
//!     limit: Some(10),
//!     offset: 0,
//! };
//! let pg = select(&schema, &query, Backend::Postgres)?;
//! assert_eq!(
//!     pg.sql,
//!     r#"SELECT "id", "lastLogin" FROM "identity_users" WHERE NOT ("lastLogin" < $1 AND "lastLogin" IS NOT NULL) ORDER BY "lastLogin" DESC NULLS LAST, "id" ASC LIMIT $2"#
//! );
//! assert_eq!(pg.values_json().to_string(), "[1577836800000000,10]");
//! assert_eq!(
//!     select(&schema, &query, Backend::Sqlite)?.sql,
//!     r#"SELECT "id", "lastLogin" FROM "identity_users" WHERE NOT ("lastLogin" < ? AND "lastLogin" IS NOT NULL) ORDER BY "lastLogin" DESC, "id" ASC LIMIT ?"#
//! );
//! assert_eq!(
//!     select(&schema, &query, Backend::MySql)?.sql,
//!     r#"SELECT `id`, `lastLogin` FROM `identity_users` WHERE NOT (`lastLogin` < ? AND `lastLogin` IS NOT NULL) ORDER BY `lastLogin` DESC, `id` ASC LIMIT ?"#
//! );
//! # Ok::<(), roster_sql::SqlError>(())
//! ```
//!
//! # Storage mapping
//!
//! The same on every backend, so that comparisons and sort orders agree with each other and
//! with the in-memory engine:
//!
//! | field type | column | notes |
//! |---|---|---|
//! | string | `TEXT` | compared by code point: PostgreSQL `COLLATE "C"`, SQLite's default `BINARY`, MySQL `VARCHAR(768)` `utf8mb4_0900_bin` |
//! | enum | as string, holding the value's text, plus `CHECK (col IN (…))` | enum literals (indices in the IR) are bound as their text |
//! | timestamp | `BIGINT` | UTC microseconds since 1970 |
//! | bool | `BOOLEAN` | SQLite: `INTEGER` 0/1 |
//! | integer | `BIGINT` | |
//! | uuid | `TEXT` (MySQL `CHAR(36)` ASCII binary) | lower-case 8-4-4-4-12 ([`roster_ast::format_guid`]); the order of that text is the order of the `u128` |
//! | array of strings | `TEXT` (as string), `NOT NULL`, no index | [`roster_schema::encode_array`]: each element after U+001F, plus a final U+001F; `AnyElement` is a substring test of that text (`strpos`/`instr`/`LOCATE`, on `lower(…)` when case-folding) |
//!
//! The table is `schema.name`, the columns `field.column`; a column is `NOT NULL` unless the
//! field is nullable; the schema's primary key is the `PRIMARY KEY` (SQLite tables are
//! `WITHOUT ROWID`); every other filterable or sortable field has an index named
//! `<table>_<column>_idx`. Strings must not contain U+0000 (PostgreSQL rejects it in text).
//!
//! # Semantics
//!
//! The null-rule table of [`roster_check::typed`] is the contract. Each node maps onto SQL's
//! three-valued logic so that the condition is true exactly when the rule says so:
//!
//! | node | SQL |
//! |---|---|
//! | `Cmp` (two-valued), neither side nullable | `a op b`, plain, so a comparison of an indexed column with a literal stays sargable |
//! | `Cmp` `gt ge lt le` / `eq`, a side nullable | `a op b AND a IS NOT NULL [AND b IS NOT NULL]` (`NULL AND FALSE` is `FALSE`); `eq` of two nullable sides also `OR (a IS NULL AND b IS NULL)` |
//! | `Cmp` `ne`, a side nullable | `a <> b OR a IS NULL` (one nullable side); `(a <> b OR a IS NULL OR b IS NULL) AND (a IS NOT NULL OR b IS NOT NULL)` (two) |
//! | `IsNull` | `a IS [NOT] NULL` |
//! | `In` (two-valued) | `a IN (?, …)`, plus `AND a IS NOT NULL` when `a` is nullable |
//! | `AnyElement` (two-valued) | a `StrTest`-style `contains` of the array text and [`roster_check::ElemTest::storage_needle`] (bound); array columns are never NULL |
//! | `AllElements` (two-valued) | `NOT EXISTS` an element failing the test, in a correlated subquery splitting the array text (PostgreSQL `unnest(string_to_array(…)) WITH ORDINALITY`, SQLite a recursive CTE); MySQL: an error |
//! | `StrTest` (three-valued) | PostgreSQL `strpos(h, n) > 0`, `starts_with(h, n)`, `right(h, char_length(n)) = n`; SQLite `instr`/`substr`; MySQL `LOCATE`/`LEFT`/`RIGHT`. Case-sensitive, and `%`, `_`, `\` are plain characters (no `LIKE`). NULL in, NULL out, unguarded |
//! | `And`, `Or`, `Not` (Kleene) | `AND`, `OR`, `NOT` |
//! | `Const` | folded away; a constant filter is no `WHERE` (true) or `WHERE FALSE` |
//!
//! Functions return NULL on NULL: `tolower`/`toupper` map ASCII letters only (`LOWER`/`UPPER`
//! under the C collation / SQLite's built-ins; 26 `REPLACE`s on MySQL), `trim` removes spaces
//! (U+0020, SQL `TRIM`), `length` counts code points (`CHAR_LENGTH`, SQLite `length`).
//! Row-independent parts (two literals compared, a function of a literal, `Const`) are
//! evaluated in Rust by the same rules and folded through `and`/`or`/`not`.
//!
//! Sorting puts nulls first ascending and last descending on every backend: explicit
//! `NULLS FIRST/LAST` on PostgreSQL for nullable fields, the default order on SQLite and MySQL.
//! `OFFSET` without `LIMIT` becomes `LIMIT 9223372036854775807 OFFSET n`.
//!
//! Backend differences live in one small capability trait (`dialect.rs`), one implementation
//! per [`Backend`]; the compiler never tests which backend it compiles for. Values are always
//! bound parameters; identifiers come only from the schema (quoted by sea-query).
#![forbid(unsafe_code)]

mod compile;
mod ddl;
mod dialect;
mod direct;
pub mod document;
pub mod postgres;
mod rows;
pub mod sqlite;
mod value;

use std::fmt;
use std::str::FromStr;

use roster_check::TypedQuery;
use roster_schema::Schema;

pub use value::Param;

use compile::Compiler;
use dialect::dialect;

/// A SQL backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    /// PostgreSQL 15 or later.
    Postgres,
    /// SQLite 3.30 or later (bundled with `rusqlite`).
    Sqlite,
    /// MySQL 8.0.17 or later (SQL and DDL only: this crate has no MySQL executor).
    MySql,
}

impl Backend {
    /// Every backend.
    pub const ALL: [Backend; 3] = [Backend::Postgres, Backend::Sqlite, Backend::MySql];

    /// The name used on the command line: `postgres`, `sqlite` or `mysql`.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Postgres => "postgres",
            Backend::Sqlite => "sqlite",
            Backend::MySql => "mysql",
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A backend name that is not `postgres`, `sqlite` or `mysql`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown SQL backend `{0}`; expected one of postgres, sqlite, mysql")]
pub struct UnknownBackend(pub String);

impl FromStr for Backend {
    type Err = UnknownBackend;

    fn from_str(s: &str) -> Result<Backend, UnknownBackend> {
        Backend::ALL.into_iter().find(|b| b.name() == s).ok_or_else(|| UnknownBackend(s.to_owned()))
    }
}

/// A compiled statement: SQL text with placeholders (`$1…` on PostgreSQL, `?` elsewhere) and
/// the values to bind to them, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compiled {
    /// The statement.
    pub sql: String,
    /// The bound values, one per placeholder.
    pub values: Vec<Param>,
}

impl Compiled {
    /// The bound values as a JSON array (`roster sql` prints it).
    pub fn values_json(&self) -> serde_json::Value {
        serde_json::Value::Array(self.values.iter().map(Param::to_json).collect())
    }
}

/// Errors of compiling, loading and querying.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SqlError {
    /// The typed query breaks an invariant of `roster-check` (a field id outside the schema,
    /// an enum index out of range, operands of different types). Queries from the checker
    /// never do.
    #[error("invalid typed query: {reason}")]
    InvalidQuery {
        /// What is wrong.
        reason: String,
    },
    /// A record to load does not fit the schema.
    #[error("record {record}{}: {reason}", if field.is_empty() { String::new() } else { format!(", field `{field}`") })]
    Encode {
        /// The record's position in the input (from 0).
        record: u64,
        /// The field's name (empty when the record as a whole is wrong).
        field: String,
        /// What is wrong.
        reason: String,
    },
    /// A row read back does not decode under the storage mapping.
    #[error("row {row}, column `{column}`: {reason}")]
    Decode {
        /// The row's position in the result (from 0).
        row: u64,
        /// The column.
        column: String,
        /// What is wrong.
        reason: String,
    },
    /// An error of SQLite.
    #[error("SQLite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// An error of PostgreSQL or of the connection to it.
    #[error("PostgreSQL: {}", postgres_message(.0))]
    Postgres(#[from] ::postgres::Error),
}

/// The server's message (severity, text, SQLSTATE, detail), or the client error with its
/// causes: the client's own `Display` says only "db error".
fn postgres_message(e: &::postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        let mut s = format!("{}: {} (SQLSTATE {})", db.severity(), db.message(), db.code().code());
        if let Some(detail) = db.detail() {
            s.push_str("; ");
            s.push_str(detail);
        }
        return s;
    }
    let mut s = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        s.push_str(": ");
        s.push_str(&cause.to_string());
        source = cause.source();
    }
    s
}

impl SqlError {
    /// A stable, kebab-case code for the kind of error.
    pub fn code(&self) -> &'static str {
        match self {
            SqlError::InvalidQuery { .. } => "invalid-typed-query",
            SqlError::Encode { .. } => "record-does-not-fit",
            SqlError::Decode { .. } => "row-does-not-decode",
            SqlError::Sqlite(_) => "sqlite",
            SqlError::Postgres(_) => "postgres",
        }
    }
}

/// `SELECT` the projected columns of the records matching `q`, in `q`'s order, paged.
///
/// Common queries are written directly (`direct.rs`), the rest through sea-query; both write
/// the same bytes, which a test checks over generated queries.
pub fn select(schema: &Schema, q: &TypedQuery, backend: Backend) -> Result<Compiled, SqlError> {
    let compiler = Compiler { schema, dialect: dialect(backend) };
    match direct::select(&compiler, q) {
        Some(done) => Ok(done),
        None => select_with_sea_query(&compiler, q),
    }
}

/// [`select`] through sea-query alone.
fn select_with_sea_query(compiler: &Compiler<'_>, q: &TypedQuery) -> Result<Compiled, SqlError> {
    let stmt = compiler.select(q)?;
    compiled(compiler.dialect.build_select(&stmt))
}

/// `SELECT COUNT(*)` of the records matching `q`'s filter (for totals; sort and page ignored).
pub fn count(schema: &Schema, q: &TypedQuery, backend: Backend) -> Result<Compiled, SqlError> {
    let d = dialect(backend);
    let stmt = Compiler { schema, dialect: d }.count(q)?;
    compiled(d.build_select(&stmt))
}

/// `CREATE TABLE IF NOT EXISTS` for `schema`, then one `CREATE INDEX IF NOT EXISTS` per
/// filterable or sortable field other than the primary key, and one per (timestamp, enum)
/// pair of filterable fields, so that counting a time range with a category test reads the
/// index alone (MySQL, which lacks that statement, declares the indexes inside
/// `CREATE TABLE`).
pub fn ddl(schema: &Schema, backend: Backend) -> Vec<String> {
    ddl::ddl(schema, dialect(backend))
}

fn compiled((sql, values): (String, sea_query::Values)) -> Result<Compiled, SqlError> {
    let values = values
        .into_iter()
        .map(|v| match v {
            sea_query::Value::Bool(Some(b)) => Ok(Param::Bool(b)),
            sea_query::Value::BigInt(Some(i)) => Ok(Param::Int(i)),
            sea_query::Value::Int(Some(i)) => Ok(Param::Int(i64::from(i))),
            sea_query::Value::BigUnsigned(Some(u)) => Ok(Param::Int(i64::try_from(u).unwrap_or(i64::MAX))),
            sea_query::Value::String(Some(s)) => Ok(Param::Text(s)),
            other => Err(SqlError::InvalidQuery { reason: format!("unexpected parameter {other:?}") }),
        })
        .collect::<Result<_, _>>()?;
    Ok(Compiled { sql, values })
}
