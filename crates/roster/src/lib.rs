//! Roster: the filter languages of user-listing APIs, parsed into one AST, type-checked
//! against a schema, and compiled to SQL or evaluated in memory with identical answers.
//!
//! This facade re-exports the stages, in pipeline order:
//! [`ast`] (the common AST) → [`odata`] (a dialect parser) → [`check`] (schema + typed IR) →
//! [`sql`] (PostgreSQL / SQLite / MySQL) or [`eval`] (in memory) → [`render`] (output).
//!
//! ```
//! use roster::{ast::Query, check, eval, odata, schema::profiles, sql};
//!
//! let profile = profiles::by_name("identity").unwrap();
//! let filter = odata::parse_filter("userStatus ne 'UNVERIFIED' and lastLogin lt 2021-01-01T00:00:00Z").unwrap();
//! let query = Query { filter: Some(filter), ..Query::default() };
//! let typed = check::check(&query, &profile.schema).unwrap();
//!
//! // SQL with bound values, for any backend:
//! let pg = sql::select(&profile.schema, &typed, sql::Backend::Postgres).unwrap();
//! assert!(pg.sql.contains("\"lastLogin\" < $"));
//!
//! // The same query in memory:
//! let table = eval::Table::from_records(&profile.schema, profile.generate(1000, 7)).unwrap();
//! let matches = eval::compile(&profile.schema, &typed).count(&table);
//! assert!(matches > 0 && matches < 1000);
//! ```
#![forbid(unsafe_code)]

pub use roster_ast as ast;
pub use roster_check as check;
pub use roster_eval as eval;
pub use roster_odata as odata;
pub use roster_render as render;
pub use roster_schema as schema;
pub use roster_sql as sql;
