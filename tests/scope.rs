//! Scope (issue 7): a caller's access scope ANDed into a checked query
//! (`roster_check::restrict` / `Scope`) cannot be widened by any filter. For random filters
//! (in OData, and again as their Mongo translation where Mongo can say them) and scopes, in
//! memory, on SQLite and on a throwaway PostgreSQL:
//!
//! - every returned row satisfies the scope, judged by a Rust oracle independent of Roster;
//! - more precisely, the scoped query returns exactly the unscoped query's rows that are
//!   inside the scope, in the same order (so no row of the scope is lost either);
//! - counts are scoped too.
//!
//! `ROSTER_SCOPE_CASES` sets the number of cases (default 200); `ROSTER_SKIP_POSTGRES=1`
//! leaves PostgreSQL out (the run says so loudly).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use roster_ast::{Page, Query};
use roster_check::{Scope, TypedQuery};
use roster_schema::{Record, Schema, Value};

/// 2021-01-01T00:00:00Z in microseconds.
const T2021: i64 = 1_609_459_200_000_000;

/// Scopes as OData text (checked like a filter) with an oracle over a record's fields
/// `[id, username, userStatus, createdAt, updatedAt, lastLogin]`.
type ScopeOracle = fn(&Record) -> bool;
const SCOPES: &[(&str, ScopeOracle)] = &[
    ("userStatus in ('VERIFIED', 'BLOCKED')", |r| matches!(r.0[2], Value::Enum(1 | 2))),
    ("createdAt lt 2021-01-01T00:00:00Z", |r| matches!(r.0[3], Value::Timestamp(t) if t.0 < T2021)),
    ("lastLogin ne null", |r| !matches!(r.0[5], Value::Null)),
    // Includes users who never logged in (a comparison with null is false, so `not` is true).
    ("not (lastLogin lt 2021-01-01T00:00:00Z)", |r| !matches!(r.0[5], Value::Timestamp(t) if t.0 < T2021)),
    ("contains(username, '@example.com') and userStatus ne 'DELETED'", |r| {
        matches!(&r.0[1], Value::Str(s) if s.contains("@example.com")) && !matches!(r.0[2], Value::Enum(4))
    }),
    ("false", |_| false),
    ("true", |_| true),
];

/// Random filters as OData text, including ones that try to widen: `or true`, negations of
/// the scope, null tests.
fn filter() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("true".to_owned()),
        Just("false".to_owned()),
        Just("lastLogin eq null".to_owned()),
        Just("lastLogin ne null".to_owned()),
        Just("createdAt lt updatedAt".to_owned()),
        prop::sample::select(roster_schema::profiles::identity::STATUSES.to_vec())
            .prop_map(|s| format!("userStatus eq '{s}'")),
        (
            prop::sample::select(vec!["createdAt", "updatedAt", "lastLogin"]),
            prop::sample::select(vec!["lt", "ge", "eq", "ne"]),
            2015i32..2026
        )
            .prop_map(|(f, op, y)| format!("{f} {op} {y}-01-01T00:00:00Z")),
        prop::sample::select(vec!["a", "@example.com", ".io", "user-1", "o'brien", "%", "_"])
            .prop_map(|s| format!("contains(username, '{}')", s.replace('\'', "''"))),
        Just("userStatus in ('VERIFIED', 'BLOCKED') or userStatus ne 'VERIFIED'".to_owned()),
    ];
    leaf.prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 2..4).prop_map(|v| format!("({})", v.join(" and "))),
            prop::collection::vec(inner.clone(), 2..4).prop_map(|v| format!("({})", v.join(" or "))),
            inner.prop_map(|e| format!("not ({e})")),
        ]
    })
}

struct Engines {
    schema: Schema,
    records: Vec<Record>,
    table: roster_eval::Table,
    sqlite: rusqlite::Connection,
    postgres: Option<(roster_testkit::TempPostgres, std::cell::RefCell<postgres::Client>)>,
}

fn engines() -> Engines {
    let profile = roster_schema::profiles::by_name("identity").unwrap();
    let schema = profile.schema.clone();
    let records: Vec<Record> = profile.generate(1500, 5).collect();
    let table = roster_eval::Table::from_records(&schema, records.clone()).unwrap();
    let mut sqlite = rusqlite::Connection::open_in_memory().unwrap();
    roster_sql::sqlite::create(&sqlite, &schema).unwrap();
    roster_sql::sqlite::load(&mut sqlite, &schema, &records).unwrap();
    let postgres = roster_tests::postgres_with(&schema, &records, "this scope test")
        .map(|(pg, client)| (pg, std::cell::RefCell::new(client)));
    Engines { schema, records, table, sqlite, postgres }
}

fn id(r: &Record) -> u128 {
    match r.0[0] {
        Value::Uuid(u) => u,
        ref v => panic!("id is {v:?}"),
    }
}

impl Engines {
    /// The ids each engine returns, and each engine's count.
    fn run(&self, q: &TypedQuery) -> Vec<(&'static str, Vec<u128>, u64)> {
        let plan = roster_eval::compile(&self.schema, q);
        let mut out =
            vec![("memory", plan.records(&self.table).iter().map(id).collect(), plan.count(&self.table) as u64)];
        out.push((
            "SQLite",
            roster_sql::sqlite::query(&self.sqlite, &self.schema, q).unwrap().iter().map(id).collect(),
            roster_sql::sqlite::count(&self.sqlite, &self.schema, q).unwrap(),
        ));
        if let Some((_, client)) = &self.postgres {
            let mut client = client.borrow_mut();
            out.push((
                "PostgreSQL",
                roster_sql::postgres::query(&mut client, &self.schema, q).unwrap().iter().map(id).collect(),
                roster_sql::postgres::count(&mut client, &self.schema, q).unwrap(),
            ));
        }
        out
    }
}

#[test]
fn no_filter_widens_a_scope() {
    let e = engines();
    let by_id: std::collections::HashMap<u128, &Record> = e.records.iter().map(|r| (id(r), r)).collect();
    let cases: u32 = std::env::var("ROSTER_SCOPE_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(200);
    let strategy = (filter(), 0..SCOPES.len(), prop::option::of(0u64..50), 0u64..20);
    let mut runner = TestRunner::new(Config { cases, failure_persistence: None, ..Config::default() });
    let nonempty = std::cell::Cell::new(0u32);
    let result = runner.run(&strategy, |(text, scope_index, limit, offset)| {
        let (scope_text, in_scope) = SCOPES[scope_index];
        let scope = Scope::from_filter(&roster_odata::parse_filter(scope_text).unwrap(), &e.schema).unwrap();
        let filter = roster_odata::parse_filter(&text).map_err(|err| TestCaseError::fail(format!("{text}: {err}")))?;
        let query = Query { filter: Some(filter), page: Page { limit, offset }, ..Query::default() };
        let odata =
            roster_check::check(&query, &e.schema).map_err(|err| TestCaseError::fail(format!("{text}: {}", err[0])))?;
        // The same filter in every dialect that can say it: as written (OData) and as its
        // Mongo translation, parsed and checked anew.
        let mut dialects = vec![("OData", odata.clone())];
        if let Ok(mongo) = roster_check::filter_to_mongo(&e.schema, &odata.filter) {
            let opts = roster_mongo::Options { id_field: Some("id".into()), ..roster_mongo::Options::default() };
            let parsed = roster_mongo::parse_query_with(&mongo.to_string(), &opts)
                .map_err(|err| TestCaseError::fail(format!("{mongo}: {err}")))?;
            let q = Query { filter: parsed, page: Page { limit, offset }, ..Query::default() };
            let typed = roster_check::check(&q, &e.schema)
                .map_err(|err| TestCaseError::fail(format!("{mongo}: {}", err[0])))?;
            dialects.push(("Mongo", typed));
        }
        for (dialect, unscoped) in dialects {
            let mut scoped = unscoped.clone();
            scope.apply(&mut scoped);
            // Unpaged, unscoped: the reference from which the scoped page is cut.
            let mut all = unscoped.clone();
            (all.limit, all.offset) = (None, 0);
            let reference = e.run(&all);
            for ((engine, rows, count), (_, all_rows, _)) in e.run(&scoped).into_iter().zip(reference) {
                for r in &rows {
                    prop_assert!(
                        in_scope(by_id[r]),
                        "{engine}: `{text}` ({dialect}) under scope `{scope_text}` returned a row outside it"
                    );
                }
                let inside: Vec<u128> = all_rows.into_iter().filter(|r| in_scope(by_id[r])).collect();
                prop_assert_eq!(count, inside.len() as u64, "{} count of `{}` under `{}`", engine, text, scope_text);
                let page: Vec<u128> =
                    inside.into_iter().skip(offset as usize).take(limit.map_or(usize::MAX, |l| l as usize)).collect();
                prop_assert_eq!(
                    &rows,
                    &page,
                    "{} rows of `{}` under `{}` limit {:?} offset {}",
                    engine,
                    text,
                    scope_text,
                    limit,
                    offset
                );
                if !rows.is_empty() {
                    nonempty.set(nonempty.get() + 1);
                }
            }
        }
        Ok(())
    });
    if let Err(err) = result {
        panic!("{err}");
    }
    assert!(nonempty.get() > cases / 4, "only {} non-empty results in {cases} cases", nonempty.get());
}

#[test]
fn widening_attempts_stay_inside() {
    let e = engines();
    for (scope_text, in_scope) in SCOPES {
        let scope = Scope::from_filter(&roster_odata::parse_filter(scope_text).unwrap(), &e.schema).unwrap();
        let expected: Vec<u128> = {
            let mut v: Vec<u128> = e.records.iter().filter(|r| in_scope(r)).map(id).collect();
            v.sort_unstable();
            v
        };
        for text in [
            "true",
            "not false",
            "userStatus eq 'VERIFIED' or true",
            "lastLogin eq null or lastLogin ne null",
            &format!("not ({scope_text}) or ({scope_text})"),
        ] {
            let query = Query { filter: Some(roster_odata::parse_filter(text).unwrap()), ..Query::default() };
            let mut typed = roster_check::check(&query, &e.schema).unwrap();
            scope.apply(&mut typed);
            for (engine, rows, count) in e.run(&typed) {
                assert_eq!(rows, expected, "{engine}: `{text}` under `{scope_text}`");
                assert_eq!(count, expected.len() as u64);
            }
        }
    }
}
