//! Issue 8: on PostgreSQL, the SQL Roster compiles for representative filters is answered
//! through the indexes of the generated DDL, never by a sequential scan. (The SQLite
//! counterpart is `sqlite_exec.rs`'s `createdat_gt_uses_an_index`.)
//!
//! 20,000 generated identity users are loaded into a throwaway PostgreSQL (roster-testkit)
//! and analysed; each query's `EXPLAIN` (with its bound values, so the planner sees the real
//! selectivity) must name the expected index and contain no `Seq Scan`. The selective
//! bounds are read off the data (the newest 1% of `createdAt`, the oldest 1% of
//! `lastLogin`), so the test does not depend on the generator's distribution.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use postgres::Client;
use postgres::types::ToSql;
use roster_ast::CmpOp;
use roster_check::{Pred, TypedQuery};
use roster_schema::{Record, Value, profiles};
use roster_sql::{Backend, Compiled, Param, postgres as pg};
use roster_testkit::TempPostgres;

const USERS: u64 = 20_000;

/// `EXPLAIN` of a compiled statement with its values bound, one line per plan row.
fn explain(client: &mut Client, c: &Compiled) -> String {
    let params: Vec<&(dyn ToSql + Sync)> = c
        .values
        .iter()
        .map(|p| -> &(dyn ToSql + Sync) {
            match p {
                Param::Bool(b) => b,
                Param::Int(i) => i,
                Param::Text(s) => s,
                Param::Null => panic!("queries never bind null"),
            }
        })
        .collect();
    let rows = client.query(format!("EXPLAIN {}", c.sql).as_str(), &params).unwrap();
    rows.iter().map(|r| r.get::<_, String>(0)).collect::<Vec<_>>().join("\n")
}

/// The `q`-quantile of the non-null timestamps of field `i`.
fn quantile(records: &[Record], i: usize, q: f64) -> i64 {
    let mut ts: Vec<i64> = records
        .iter()
        .filter_map(|r| match r.0[i] {
            Value::Timestamp(t) => Some(t.0),
            _ => None,
        })
        .collect();
    ts.sort_unstable();
    ts[((ts.len() - 1) as f64 * q) as usize]
}

fn uses(plan: &str, index: &str) -> bool {
    plan.contains(index) && !plan.contains("Seq Scan")
}

#[test]
fn representative_filters_use_an_index_on_postgres() {
    let server = TempPostgres::start().unwrap_or_else(|e| panic!("cannot start PostgreSQL: {e}"));
    let mut client = pg::connect(&server.url()).unwrap();
    let profile = profiles::by_name("identity").unwrap();
    let schema = profile.schema.clone();
    let records: Vec<Record> = profile.generate(USERS, 1).collect();
    pg::create(&mut client, &schema).unwrap();
    pg::load(&mut client, &schema, &records).unwrap();
    client.batch_execute("ANALYZE").unwrap();

    let recent = quantile(&records, CREATED.index(), 0.99);
    let early_login = quantile(&records, LAST_LOGIN.index(), 0.01);
    let unverified = match schema.get(STATUS).ty {
        roster_schema::FieldType::Enum(ref e) => e.values.iter().position(|v| v == "UNVERIFIED").unwrap() as u16,
        _ => panic!("userStatus is an enum"),
    };
    let some_id = records[USERS as usize / 2].0[ID.index()].clone();
    let some_name = records[7].0[USERNAME.index()].clone();

    let page = |filter: Pred, sort| TypedQuery { sort, limit: Some(300), ..query(filter) };
    let count = |q: &TypedQuery| roster_sql::count(&schema, q, Backend::Postgres).unwrap();
    let select = |q: &TypedQuery| roster_sql::select(&schema, q, Backend::Postgres).unwrap();
    let issue8 = Pred::And(vec![
        cmp(CmpOp::Ne, field(STATUS), roster_check::Operand::Literal(Value::Enum(unverified))),
        cmp(CmpOp::Gt, field(CREATED), ts(recent)),
    ]);
    let cases: Vec<(&str, Compiled, &str)> = vec![
        (
            "count of createdAt gt (newest 1%)",
            count(&query(cmp(CmpOp::Gt, field(CREATED), ts(recent)))),
            "identity_users_createdAt_idx",
        ),
        (
            "the issue-8 page: userStatus ne 'UNVERIFIED' and createdAt gt T, createdAt desc, id; 300",
            select(&page(issue8, vec![desc(CREATED), asc(ID)])),
            "identity_users_createdAt_idx",
        ),
        (
            "page of everything sorted by createdAt desc, id; 300",
            select(&page(Pred::Const(true), vec![desc(CREATED), asc(ID)])),
            "identity_users_createdAt_idx",
        ),
        (
            "lastLogin lt T (a nullable column, guarded) (oldest 1%)",
            select(&query(cmp(CmpOp::Lt, field(LAST_LOGIN), ts(early_login)))),
            // Its own index, or the composite (lastLogin, userStatus) one that leads with it.
            "identity_users_lastLogin_",
        ),
        (
            "id eq a key",
            select(&query(cmp(CmpOp::Eq, field(ID), roster_check::Operand::Literal(some_id)))),
            "identity_users_pkey",
        ),
        (
            "username eq a name",
            select(&query(cmp(CmpOp::Eq, field(USERNAME), roster_check::Operand::Literal(some_name)))),
            "identity_users_username_idx",
        ),
    ];
    let mut failures = Vec::new();
    for (name, compiled, index) in &cases {
        let plan = explain(&mut client, compiled);
        eprintln!("{name}\n  {}\n{plan}\n", compiled.sql);
        if !uses(&plan, index) {
            failures.push(format!("{name}: expected {index} and no Seq Scan\n  {}\n{plan}", compiled.sql));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
