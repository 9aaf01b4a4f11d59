//! Running Roster on SQLite through `rusqlite` (SQLite bundled, 3.30+ features).
//!
//! ```
//! use roster_sql::sqlite;
//! let profile = roster_schema::profiles::by_name("identity").unwrap();
//! let mut conn = sqlite::open_in_memory()?;
//! sqlite::create(&conn, &profile.schema)?;
//! assert_eq!(sqlite::load(&mut conn, &profile.schema, profile.generate(100, 1))?, 100);
//! # Ok::<(), roster_sql::SqlError>(())
//! ```

use std::borrow::Borrow;
use std::path::Path;

use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, ToSql, params_from_iter};

use roster_check::TypedQuery;
use roster_schema::{Record, Schema};

use crate::value::{Cell, encode_record};
use crate::{Backend, Compiled, Param, SqlError, count as compile_count, ddl, dialect, rows, select};

impl ToSql for Param {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Param::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Param::Bool(b) => ToSqlOutput::Borrowed(ValueRef::Integer(i64::from(*b))),
            Param::Int(i) => ToSqlOutput::Borrowed(ValueRef::Integer(*i)),
            Param::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
        })
    }
}

/// Opens (or creates) a database file.
pub fn open(path: impl AsRef<Path>) -> Result<Connection, SqlError> {
    Ok(Connection::open(path)?)
}

/// Opens a private in-memory database.
pub fn open_in_memory() -> Result<Connection, SqlError> {
    Ok(Connection::open_in_memory()?)
}

/// Creates the table of `schema` and its indexes, unless they exist.
pub fn create(conn: &Connection, schema: &Schema) -> Result<(), SqlError> {
    for stmt in ddl(schema, Backend::Sqlite) {
        conn.execute_batch(&stmt)?;
    }
    Ok(())
}

/// Inserts `records` in one transaction through one prepared statement and returns how many
/// were inserted. Nothing is inserted if any record does not fit the schema or the insert
/// fails (e.g. a duplicate primary key).
pub fn load<I>(conn: &mut Connection, schema: &Schema, records: I) -> Result<u64, SqlError>
where
    I: IntoIterator,
    I::Item: Borrow<Record>,
{
    let sql = ddl::insert(schema, dialect(Backend::Sqlite), 1)?;
    let tx = conn.transaction()?;
    let mut n = 0;
    {
        let mut stmt = tx.prepare(&sql)?;
        for record in records {
            let params = encode_record(schema, record.borrow(), n)?;
            stmt.execute(params_from_iter(params.iter()))?;
            n += 1;
        }
    }
    tx.commit()?;
    Ok(n)
}

/// Runs `q` and returns the matching records in order, each in schema field order with the
/// fields outside the projection set to null.
pub fn query(conn: &Connection, schema: &Schema, q: &TypedQuery) -> Result<Vec<Record>, SqlError> {
    let mut out = Vec::new();
    for_each(conn, schema, q, |r| {
        out.push(r);
        true
    })?;
    Ok(out)
}

/// Runs `q` and hands each matching record to `each` as it is read, in order, so that a
/// result of any size streams in constant memory; `each` returning `false` stops the scan.
pub fn for_each(
    conn: &Connection,
    schema: &Schema,
    q: &TypedQuery,
    mut each: impl FnMut(Record) -> bool,
) -> Result<(), SqlError> {
    let compiled = select(schema, q, Backend::Sqlite)?;
    let mut stmt = conn.prepare(&compiled.sql)?;
    let mut result = stmt.query(params_from_iter(compiled.values.iter()))?;
    let mut decoder = rows::Decoder::new(schema, &q.projection);
    while let Some(row) = result.next()? {
        let record = decoder.record(|i| {
            Ok(match row.get_ref(i)? {
                ValueRef::Null => Cell::Null,
                ValueRef::Integer(v) => Cell::Int(v),
                ValueRef::Text(t) => Cell::Text(std::str::from_utf8(t).map_err(|e| decoder_error(i, e))?),
                other => return Err(decoder_error(i, format!("unexpected {:?} value", other.data_type()))),
            })
        })?;
        if !each(record) {
            break;
        }
    }
    Ok(())
}

/// The number of records matching `q`'s filter (sort and page ignored).
pub fn count(conn: &Connection, schema: &Schema, q: &TypedQuery) -> Result<u64, SqlError> {
    let compiled = compile_count(schema, q, Backend::Sqlite)?;
    let n: i64 = conn.query_row(&compiled.sql, params_from_iter(compiled.values.iter()), |row| row.get(0))?;
    u64::try_from(n).map_err(|_| SqlError::Decode { row: 0, column: "COUNT(*)".into(), reason: format!("{n}") })
}

/// SQLite's plan for a compiled statement (`EXPLAIN QUERY PLAN`), one line per step, e.g.
/// `SEARCH identity_users USING INDEX identity_users_createdAt_idx (createdAt>?)`.
pub fn explain(conn: &Connection, compiled: &Compiled) -> Result<Vec<String>, SqlError> {
    let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {}", compiled.sql))?;
    let lines = stmt
        .query_map(params_from_iter(compiled.values.iter()), |row| row.get::<_, String>(3))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(lines)
}

fn decoder_error(column: usize, reason: impl std::fmt::Display) -> SqlError {
    SqlError::Decode { row: 0, column: format!("#{column}"), reason: reason.to_string() }
}
