//! `CREATE TABLE` / `CREATE INDEX` for a schema, and the `INSERT` the loaders prepare.

use roster_schema::{FieldType, Schema};
use sea_query::{Alias, ColumnDef, ColumnType, Expr, ExprTrait, Index, Query, Table, Value};

use crate::SqlError;
use crate::dialect::Dialect;

/// The statements that create the table of `schema` and its indexes, idempotently.
pub(crate) fn ddl(schema: &Schema, dialect: &dyn Dialect) -> Vec<String> {
    let table = Alias::new(&schema.name);
    let mut create = Table::create();
    create.table(table.clone()).if_not_exists();
    for (i, field) in schema.fields.iter().enumerate() {
        let column = Alias::new(&field.column);
        let mut def = ColumnDef::new_with_type(column.clone(), ColumnType::custom(dialect.column_type(&field.ty)));
        if !field.nullable {
            def.not_null();
        }
        if i == schema.primary_key.index() {
            def.primary_key();
        }
        if let FieldType::Enum(e) = &field.ty {
            // Inlined by the schema builder: DDL has no parameters. The texts come from the
            // schema and are quoted by sea-query.
            let values = e.values.iter().map(|v| Expr::Constant(Value::String(Some(v.clone()))));
            def.check(Expr::col(column).is_in(values));
        }
        create.col(def);
    }
    if let Some(options) = dialect.table_options() {
        create.extra(options);
    }
    let mut indexes = Vec::new();
    for (i, field) in schema.fields.iter().enumerate() {
        // The primary key has its own index.
        // An array is searched by substring, which a b-tree cannot help with.
        if i == schema.primary_key.index()
            || !(field.filterable || field.sortable)
            || field.ty == FieldType::StringArray
        {
            continue;
        }
        let mut index = Index::create();
        index.name(format!("{}_{}_idx", schema.name, field.column)).table(table.clone()).col(Alias::new(&field.column));
        if dialect.inline_indexes() {
            create.index(&mut index);
        } else {
            index.if_not_exists();
            indexes.push(dialect.build_index(&index));
        }
    }
    // A range on a timestamp together with a test of an enum (`createdAt gt T and userStatus
    // ne 'X'`) is the typical user-list filter; with only the timestamp's index the count of a
    // wide range fetches every matching row from the table to test the enum (1.2 s for 326,235
    // of 1M users on SQLite, benches/RESULTS.md). A composite index per (timestamp, enum) pair
    // makes that count an index-only scan (30-40 ms). The single-column indexes stay: a sort by
    // the timestamp then the primary key reads them in order.
    let filterable = |ty: fn(&FieldType) -> bool| {
        schema
            .fields
            .iter()
            .enumerate()
            .filter(move |(i, f)| *i != schema.primary_key.index() && f.filterable && ty(&f.ty))
            .map(|(_, f)| f)
    };
    for time in filterable(|t| *t == FieldType::Timestamp) {
        for category in filterable(|t| matches!(t, FieldType::Enum(_))) {
            let mut index = Index::create();
            index
                .name(format!("{}_{}_{}_idx", schema.name, time.column, category.column))
                .table(table.clone())
                .col(Alias::new(&time.column))
                .col(Alias::new(&category.column));
            if dialect.inline_indexes() {
                create.index(&mut index);
            } else {
                index.if_not_exists();
                indexes.push(dialect.build_index(&index));
            }
        }
    }
    let mut out = vec![dialect.build_table(&create)];
    out.extend(indexes);
    out
}

/// `INSERT INTO <table> (<every column>) VALUES (…), …` for `rows` rows, with placeholders.
pub(crate) fn insert(schema: &Schema, dialect: &dyn Dialect, rows: usize) -> Result<String, SqlError> {
    let mut stmt = Query::insert();
    stmt.into_table(Alias::new(&schema.name)).columns(schema.fields.iter().map(|f| Alias::new(&f.column)));
    for _ in 0..rows {
        // Placeholders only: the values are bound when the prepared statement runs.
        let row = schema.fields.iter().map(|_| Expr::val(Value::String(None)));
        stmt.values(row).map_err(|e| SqlError::InvalidQuery { reason: e.to_string() })?;
    }
    Ok(dialect.build_insert(&stmt).0)
}
