//! Running Roster on PostgreSQL (15+) through the synchronous `postgres` client.
//!
//! ```no_run
//! use roster_sql::postgres as pg;
//! let profile = roster_schema::profiles::by_name("identity").unwrap();
//! let mut client = pg::connect("host=127.0.0.1 user=postgres dbname=postgres")?;
//! pg::create(&mut client, &profile.schema)?;
//! pg::load(&mut client, &profile.schema, profile.generate(10_000, 1))?;
//! # Ok::<(), roster_sql::SqlError>(())
//! ```

use std::borrow::Borrow;

use postgres::types::ToSql;
use postgres::{Client, NoTls, Row};

use roster_check::TypedQuery;
use roster_schema::{Field, FieldType, Record, Schema};

use crate::value::{Cell, encode_record};
use crate::{Backend, Param, SqlError, count as compile_count, ddl, dialect, rows, select};

/// Rows per multi-row `INSERT` when loading (PostgreSQL allows 65535 parameters).
const BATCH_ROWS: usize = 500;

static NULL_BIGINT: Option<i64> = None;
static NULL_BOOLEAN: Option<bool> = None;
static NULL_TEXT: Option<String> = None;

/// Connects without TLS, e.g. to `host=127.0.0.1 port=5432 user=postgres dbname=postgres` or
/// `postgres://user@host/db`.
pub fn connect(url: &str) -> Result<Client, SqlError> {
    Ok(Client::connect(url, NoTls)?)
}

/// Creates the table of `schema` and its indexes, unless they exist.
pub fn create(client: &mut Client, schema: &Schema) -> Result<(), SqlError> {
    for stmt in ddl(schema, Backend::Postgres) {
        client.batch_execute(&stmt)?;
    }
    Ok(())
}

/// Inserts `records` in one transaction with prepared multi-row `INSERT`s of up to 500 rows
/// and returns how many were inserted. Nothing is inserted if any record does not fit the
/// schema or an insert fails.
pub fn load<I>(client: &mut Client, schema: &Schema, records: I) -> Result<u64, SqlError>
where
    I: IntoIterator,
    I::Item: Borrow<Record>,
{
    let batch_rows = BATCH_ROWS.min(65_535 / schema.fields.len().max(1)).max(1);
    let mut tx = client.transaction()?;
    let full = tx.prepare(&ddl::insert(schema, dialect(Backend::Postgres), batch_rows)?)?;
    let mut batch: Vec<Param> = Vec::with_capacity(batch_rows * schema.fields.len());
    let mut n: u64 = 0;
    let mut pending = 0;
    for record in records {
        batch.extend(encode_record(schema, record.borrow(), n)?);
        n += 1;
        pending += 1;
        if pending == batch_rows {
            tx.execute(&full, &load_params(schema, &batch))?;
            batch.clear();
            pending = 0;
        }
    }
    if pending > 0 {
        let sql = ddl::insert(schema, dialect(Backend::Postgres), pending)?;
        tx.execute(sql.as_str(), &load_params(schema, &batch))?;
    }
    tx.commit()?;
    Ok(n)
}

/// Runs `q` and returns the matching records in order, each in schema field order with the
/// fields outside the projection set to null.
pub fn query(client: &mut Client, schema: &Schema, q: &TypedQuery) -> Result<Vec<Record>, SqlError> {
    let compiled = select(schema, q, Backend::Postgres)?;
    let rows = client.query(compiled.sql.as_str(), &query_params(&compiled.values))?;
    let mut decoder = rows::Decoder::new(schema, &q.projection);
    let projected: Vec<Option<&Field>> = q.projection.iter().map(|id| schema.fields.get(id.index())).collect();
    rows.iter().map(|row| decoder.record(|i| cell(row, i, projected.get(i).copied().flatten()))).collect()
}

/// Runs `q` and hands each matching record to `each` as the server sends it, in order, so
/// that a result of any size streams in constant memory; `each` returning `false` stops.
pub fn for_each(
    client: &mut Client,
    schema: &Schema,
    q: &TypedQuery,
    mut each: impl FnMut(Record) -> bool,
) -> Result<(), SqlError> {
    use postgres::fallible_iterator::FallibleIterator;
    let compiled = select(schema, q, Backend::Postgres)?;
    let params = query_params(&compiled.values);
    let mut rows = client.query_raw(compiled.sql.as_str(), params.iter().copied())?;
    let mut decoder = rows::Decoder::new(schema, &q.projection);
    let projected: Vec<Option<&Field>> = q.projection.iter().map(|id| schema.fields.get(id.index())).collect();
    while let Some(row) = rows.next()? {
        let record = decoder.record(|i| cell(&row, i, projected.get(i).copied().flatten()))?;
        if !each(record) {
            break;
        }
    }
    Ok(())
}

/// The number of records matching `q`'s filter (sort and page ignored).
pub fn count(client: &mut Client, schema: &Schema, q: &TypedQuery) -> Result<u64, SqlError> {
    let compiled = compile_count(schema, q, Backend::Postgres)?;
    let row = client.query_one(compiled.sql.as_str(), &query_params(&compiled.values))?;
    let n: i64 = row.try_get(0)?;
    u64::try_from(n).map_err(|_| SqlError::Decode { row: 0, column: "COUNT(*)".into(), reason: format!("{n}") })
}

/// Reads column `i` of `row`, stored for `field`.
fn cell<'r>(row: &'r Row, i: usize, field: Option<&Field>) -> Result<Cell<'r>, SqlError> {
    let ty = field.map(|f| &f.ty);
    Ok(match ty {
        Some(FieldType::Timestamp | FieldType::Int) => row.try_get::<_, Option<i64>>(i)?.map_or(Cell::Null, Cell::Int),
        Some(FieldType::Bool) => row.try_get::<_, Option<bool>>(i)?.map_or(Cell::Null, Cell::Bool),
        Some(FieldType::String | FieldType::Enum(_) | FieldType::Uuid | FieldType::StringArray) | None => {
            row.try_get::<_, Option<&str>>(i)?.map_or(Cell::Null, Cell::Text)
        }
    })
}

/// Query parameters: never null.
fn query_params(values: &[Param]) -> Vec<&(dyn ToSql + Sync)> {
    values
        .iter()
        .map(|p| -> &(dyn ToSql + Sync) {
            match p {
                Param::Null => &NULL_TEXT,
                Param::Bool(b) => b,
                Param::Int(i) => i,
                Param::Text(s) => s,
            }
        })
        .collect()
}

/// Rows of `schema.fields.len()` parameters; a null is typed after its column.
fn load_params<'a>(schema: &Schema, values: &'a [Param]) -> Vec<&'a (dyn ToSql + Sync)> {
    values
        .iter()
        .zip(schema.fields.iter().cycle())
        .map(|(p, field)| -> &(dyn ToSql + Sync) {
            match (p, &field.ty) {
                (Param::Null, FieldType::Timestamp | FieldType::Int) => &NULL_BIGINT,
                (Param::Null, FieldType::Bool) => &NULL_BOOLEAN,
                (Param::Null, _) => &NULL_TEXT,
                (Param::Bool(b), _) => b,
                (Param::Int(i), _) => i,
                (Param::Text(s), _) => s,
            }
        })
        .collect()
}
