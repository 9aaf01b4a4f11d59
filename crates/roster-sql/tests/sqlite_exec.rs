//! Execution on SQLite (in memory): loading, the hand-picked queries and random queries,
//! each checked against the oracle in `common`, and index use.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use proptest::prelude::*;
use roster_ast::CmpOp;
use roster_check::{Pred, TypedQuery};
use roster_schema::{Record, Schema, Value};
use roster_sql::{Backend, SqlError, sqlite};
use rusqlite::Connection;

fn loaded(schema: &Schema, records: &[Record]) -> Connection {
    let mut conn = sqlite::open_in_memory().unwrap();
    sqlite::create(&conn, schema).unwrap();
    // Creating twice is harmless.
    sqlite::create(&conn, schema).unwrap();
    assert_eq!(sqlite::load(&mut conn, schema, records).unwrap(), records.len() as u64);
    conn
}

fn check(conn: &Connection, schema: &Schema, records: &[Record], name: &str, q: &TypedQuery) {
    let expected = answer(schema, records, q);
    let got = sqlite::query(conn, schema, q).unwrap_or_else(|e| panic!("{name}: {e}\n{q:#?}"));
    assert_eq!(got, expected, "{name}: {q:#?}");
    let mut first = Vec::new();
    sqlite::for_each(conn, schema, q, |r| {
        first.push(r);
        false
    })
    .unwrap();
    assert_eq!(first, expected.iter().take(1).cloned().collect::<Vec<_>>(), "{name}: for_each stops");
    let total = records.iter().filter(|r| eval(schema, r, &q.filter) == Some(true)).count() as u64;
    assert_eq!(sqlite::count(conn, schema, q).unwrap(), total, "{name}: count");
}

#[test]
fn named_queries_match_the_oracle() {
    let (schema, records) = (schema(), dataset());
    let conn = loaded(&schema, &records);
    for (name, q) in named_queries() {
        check(&conn, &schema, &records, name, &q);
    }
}

#[test]
fn the_named_queries_are_not_trivial() {
    // Guard the oracle comparisons against vacuous agreement.
    let (schema, records) = (schema(), dataset());
    let hits = |name: &str| {
        let (_, q) = named_queries().into_iter().find(|(n, _)| *n == name).unwrap();
        answer(&schema, &records, &TypedQuery { limit: None, offset: 0, ..q })
    };
    let nulls = records.iter().filter(|r| r.get(LAST_LOGIN) == &Value::Null).count();
    assert!(nulls > 10);
    assert!(
        hits("lastLogin ne T includes nulls").iter().filter(|r| r.get(LAST_LOGIN) == &Value::Null).count() == nulls
    );
    let percent = hits("contains(username, '%') is literal");
    assert_eq!(percent.len(), 2, "{percent:?}");
    assert_eq!(hits("contains(username, '_') is literal").len(), 2);
    assert_eq!(hits("tolower is ASCII-only (ÉCOLE Ab -> École ab)")[0].get(USERNAME), &Value::Str("ÉCOLE Ab".into()));
    assert_eq!(hits("tolower does not fold É").len(), 1);
    assert_eq!(hits("lastLogin eq lastLogin (both null is true)").len(), records.len());
    assert!(hits("lastLogin ne lastLogin (always false)").is_empty());
}

#[test]
fn createdat_gt_uses_an_index() {
    let (schema, records) = (schema(), dataset());
    let conn = loaded(&schema, &records);
    let select = |q: &TypedQuery| roster_sql::select(&schema, q, Backend::Sqlite).unwrap();
    let count = |q: &TypedQuery| roster_sql::count(&schema, q, Backend::Sqlite).unwrap();
    let plan = |c: roster_sql::Compiled| sqlite::explain(&conn, &c).unwrap().join("\n");

    // The total of `createdAt gt ?` is a range search of the index alone.
    let gt = query(cmp(CmpOp::Gt, field(CREATED), ts(T2021)));
    let p = plan(count(&gt));
    assert_eq!(p, "SEARCH identity_users USING COVERING INDEX identity_users_createdAt_idx (createdAt>?)");
    // Sorted by createdAt, the same range search also yields the order: no sort step. (Sorted
    // by the primary key, SQLite prefers scanning the table in key order: it is the table's
    // own b-tree, and the sort is avoided.)
    let p = plan(select(&TypedQuery { sort: vec![asc(CREATED), asc(ID)], ..gt }));
    assert_eq!(p, "SEARCH identity_users USING INDEX identity_users_createdAt_idx (createdAt>?)");

    // The guarded comparison on a nullable column is still a range search.
    let lt = query(cmp(CmpOp::Lt, field(LAST_LOGIN), ts(T2021)));
    let p = plan(count(&lt));
    assert_eq!(
        p,
        "SEARCH identity_users USING COVERING INDEX identity_users_lastLogin_idx (lastLogin>? AND lastLogin<?)"
    );
    // A wide range with an enum test (the issue-8 filter): an index-only search of the
    // composite (createdAt, userStatus) index, no lookup of each row in the table.
    let unverified =
        Pred::Cmp { op: CmpOp::Ne, lhs: field(STATUS), rhs: roster_check::Operand::Literal(Value::Enum(0)) };
    let wide = query(Pred::And(vec![unverified, cmp(CmpOp::Gt, field(CREATED), ts(T2021))]));
    let p = plan(count(&wide));
    assert_eq!(p, "SEARCH identity_users USING COVERING INDEX identity_users_createdAt_userStatus_idx (createdAt>?)");
    // Nulls first ascending is SQLite's own index order.
    let p = plan(select(&TypedQuery { sort: vec![asc(LAST_LOGIN), asc(ID)], ..query(Pred::Const(true)) }));
    assert!(!p.contains("TEMP B-TREE"), "{p}");
    let p = plan(select(&TypedQuery { sort: vec![desc(LAST_LOGIN), asc(ID)], ..query(Pred::Const(true)) }));
    assert!(p.contains("identity_users_lastLogin_idx"), "{p}");
}

#[test]
fn a_failed_load_inserts_nothing() {
    let (schema, mut records) = (schema(), dataset());
    let mut conn = sqlite::open_in_memory().unwrap();
    sqlite::create(&conn, &schema).unwrap();
    records[150].0[2] = Value::Enum(99);
    let err = sqlite::load(&mut conn, &schema, &records).unwrap_err();
    assert!(matches!(err, SqlError::Encode { record: 150, .. }), "{err}");
    assert_eq!(err.to_string(), "record 150, field `userStatus`: enum index 99 out of range (the field has 6 values)");
    assert_eq!(sqlite::count(&conn, &schema, &query(Pred::Const(true))).unwrap(), 0);
    // A duplicate primary key is SQLite's error, and also rolls back.
    let twice = [records[0].clone(), records[0].clone()];
    assert!(matches!(sqlite::load(&mut conn, &schema, &twice), Err(SqlError::Sqlite(_))));
    assert_eq!(sqlite::count(&conn, &schema, &query(Pred::Const(true))).unwrap(), 0);
}

#[test]
fn nullable_strings_booleans_and_integers() {
    let (schema, records) = (nullable_schema(), nullable_records());
    let conn = loaded(&schema, &records);
    for (i, q) in nullable_queries().iter().enumerate() {
        check(&conn, &schema, &records, &format!("nullable query #{i}"), q);
    }
}

#[test]
fn fixed_random_queries_match_the_oracle() {
    let (schema, records) = (schema(), dataset());
    let conn = loaded(&schema, &records);
    let queries = fixed_random_queries(&records, 300);
    for (i, q) in queries.iter().enumerate() {
        check(&conn, &schema, &records, &format!("random query #{i}"), q);
    }
    // The filters are not trivial: many select some rows but not all.
    let selective = queries
        .iter()
        .filter(|q| {
            let n = records.iter().filter(|r| eval(&schema, r, &q.filter) == Some(true)).count();
            n > 0 && n < records.len()
        })
        .count();
    assert!(selective > 100, "only {selective} of 300 random filters are selective");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Random filters, sorts, projections and pages give the oracle's answer.
    #[test]
    fn random_queries_match_the_oracle(q in query_strategy(&dataset())) {
        thread_local! {
            static DB: (Schema, Vec<Record>, Connection) = {
                let (schema, records) = (schema(), dataset());
                let conn = loaded(&schema, &records);
                (schema, records, conn)
            };
        }
        DB.with(|(schema, records, conn)| {
            let got = sqlite::query(conn, schema, &q).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(got, answer(schema, records, &q));
            Ok(())
        })?;
    }
}
