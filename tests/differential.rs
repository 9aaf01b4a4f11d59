//! The differential test: random filters, sorts and pages over generated users must give
//! identical ids in identical order in memory, on SQLite and on a throwaway PostgreSQL.
//!
//! Filters are generated as ASTs, printed as OData text, then parsed and checked, so the
//! whole pipeline is exercised. `ROSTER_DIFF_CASES` sets the number of cases (default 300);
//! the ignored test `long_differential` runs 100,000 (`cargo test --release -p roster-tests
//! --test differential -- --ignored`). A mismatch is shrunk by proptest and reported as a
//! reproducer: the OData `$filter`, `$orderby`, limit and offset.
//! `ROSTER_SKIP_POSTGRES=1` leaves PostgreSQL out (the run says so loudly).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestError, TestRunner};
use roster_ast::{
    ArithOp, CmpOp, Direction, Expr, ExprKind, Func, Literal, Page, Path, Query, SortKey, Span, Timestamp,
};
use roster_schema::{Record, Schema, Value};

const USERS: u64 = 3000;
const SEED: u64 = 20_240_601;

fn path(name: &str) -> Expr {
    Expr::path(Path::single(name, Span::default()))
}
fn lit(l: Literal) -> Expr {
    Expr::literal(l, Span::default())
}
fn node(kind: ExprKind) -> Expr {
    Expr::new(kind, Span::default())
}
fn cmp(op: CmpOp, a: Expr, b: Expr) -> Expr {
    node(ExprKind::Compare { op, lhs: Box::new(a), rhs: Box::new(b) })
}
fn call(func: Func, args: Vec<Expr>) -> Expr {
    node(ExprKind::Call { func, args })
}

fn any_op() -> impl Strategy<Value = CmpOp> {
    prop::sample::select(CmpOp::ALL.to_vec())
}

/// Instants around the generated data (2014..2026), sometimes on whole days (which the
/// generator also uses, so equality gets hits).
fn instant(samples: Vec<i64>) -> impl Strategy<Value = Timestamp> {
    prop_oneof![
        (1_388_534_400_000_000i64..1_767_225_600_000_000).prop_map(Timestamp),
        (16_071i64..20_454).prop_map(|d| Timestamp(d * 86_400_000_000)),
        prop::sample::select(samples).prop_map(Timestamp),
    ]
}

fn timestamp_literal(samples: Vec<i64>) -> impl Strategy<Value = Expr> {
    (instant(samples), any::<bool>())
        .prop_map(|(t, quoted)| if quoted { lit(Literal::String(t.to_string())) } else { lit(Literal::DateTime(t)) })
}

fn string_pool() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "",
        "a",
        "alice",
        "ALICE",
        "user-1",
        "user-10",
        "o'brien",
        "O'Neil",
        "zoë",
        "José",
        "@example.com",
        ".io",
        "%",
        "_",
        "\\",
        "smith",
        "Mü",
        "m",
        " ",
        "LI",
        "garcía",
    ])
    .prop_map(str::to_owned)
}

fn string_operand() -> impl Strategy<Value = Expr> {
    prop_oneof![
        4 => Just(path("username")),
        1 => Just(call(Func::ToLower, vec![path("username")])),
        1 => Just(call(Func::ToUpper, vec![path("username")])),
        1 => Just(call(Func::Trim, vec![path("username")])),
    ]
}

/// Integer-valued operands: date parts of timestamps, `length`/`indexof` of strings, and
/// arithmetic over them and small literals (issue 3).
fn int_operand() -> impl Strategy<Value = Expr> {
    let ts_field = prop::sample::select(vec!["createdAt", "updatedAt", "lastLogin"]);
    let part = prop::sample::select(vec![Func::Year, Func::Month, Func::Day, Func::Hour, Func::Minute, Func::Second]);
    let base = prop_oneof![
        (part, ts_field).prop_map(|(f, t)| call(f, vec![path(t)])),
        Just(call(Func::Length, vec![path("username")])),
        string_pool().prop_map(|s| call(Func::IndexOf, vec![path("username"), lit(Literal::String(s))])),
        (-30i64..30).prop_map(|i| lit(Literal::Int(i))),
    ];
    base.prop_recursive(2, 6, 2, |inner| {
        prop_oneof![
            (
                inner.clone(),
                prop::sample::select(vec![ArithOp::Add, ArithOp::Sub, ArithOp::Div, ArithOp::Mod]),
                inner.clone()
            )
                .prop_map(|(l, op, r)| node(ExprKind::Arith { op, lhs: Box::new(l), rhs: Box::new(r) })),
            // By a small literal only, so that no product can overflow (the checker rejects
            // arithmetic that could).
            (inner.clone(), -30i64..30).prop_map(|(l, k)| node(ExprKind::Arith {
                op: ArithOp::Mul,
                lhs: Box::new(l),
                rhs: Box::new(lit(Literal::Int(k)))
            })),
            inner.prop_map(|e| node(ExprKind::Negate { operand: Box::new(e) })),
        ]
    })
}

/// String-valued operands built by `concat` and `substring` (issue 3).
fn computed_string() -> impl Strategy<Value = Expr> {
    prop_oneof![
        (string_operand(), string_pool()).prop_map(|(a, s)| call(Func::Concat, vec![a, lit(Literal::String(s))])),
        (string_pool(), string_operand()).prop_map(|(s, a)| call(Func::Concat, vec![lit(Literal::String(s)), a])),
        (string_operand(), 0i64..8).prop_map(|(a, i)| call(Func::Substring, vec![a, lit(Literal::Int(i))])),
        (string_operand(), 0i64..8, 0i64..6)
            .prop_map(|(a, i, n)| call(Func::Substring, vec![a, lit(Literal::Int(i)), lit(Literal::Int(n))])),
    ]
}

fn leaf(ids: Vec<u128>, instants: Vec<i64>) -> impl Strategy<Value = Expr> {
    let ts_field = prop::sample::select(vec!["createdAt", "updatedAt", "lastLogin"]);
    let statuses = prop::sample::select(roster_schema::profiles::identity::STATUSES.to_vec());
    prop_oneof![
        (ts_field.clone(), any_op(), timestamp_literal(instants.clone())).prop_map(|(f, op, v)| cmp(op, path(f), v)),
        (ts_field.clone(), any_op(), ts_field.clone()).prop_map(|(a, op, b)| cmp(op, path(a), path(b))),
        (ts_field.clone(), any_op()).prop_map(|(f, op)| cmp(op, path(f), lit(Literal::Null))),
        (any::<bool>(), statuses.clone()).prop_map(|(eq, s)| cmp(
            if eq { CmpOp::Eq } else { CmpOp::Ne },
            path("userStatus"),
            lit(Literal::String(s.to_owned()))
        )),
        (prop::collection::vec(statuses, 1..4), any::<bool>()).prop_map(|(ss, null)| {
            let mut list: Vec<Expr> = ss.into_iter().map(|s| lit(Literal::String(s.to_owned()))).collect();
            if null {
                list.push(lit(Literal::Null));
            }
            node(ExprKind::In { lhs: Box::new(path("userStatus")), list })
        }),
        (prop::collection::vec(instant(instants.clone()), 1..3), any::<bool>()).prop_map(|(ts, null)| {
            let mut list: Vec<Expr> = ts.into_iter().map(|t| lit(Literal::DateTime(t))).collect();
            if null {
                list.push(lit(Literal::Null));
            }
            node(ExprKind::In { lhs: Box::new(path("lastLogin")), list })
        }),
        (string_operand(), any_op(), string_pool()).prop_map(|(a, op, s)| cmp(op, a, lit(Literal::String(s)))),
        (prop::sample::select(vec![Func::Contains, Func::StartsWith, Func::EndsWith]), string_operand(), string_pool())
            .prop_map(|(f, a, s)| call(f, vec![a, lit(Literal::String(s))])),
        (any_op(), 0i64..40).prop_map(|(op, n)| cmp(
            op,
            call(Func::Length, vec![path("username")]),
            lit(Literal::Int(n))
        )),
        (int_operand(), any_op(), prop_oneof![(-40i64..2100).prop_map(|i| lit(Literal::Int(i))), int_operand()])
            .prop_map(|(a, op, b)| cmp(op, a, b)),
        (
            computed_string(),
            any_op(),
            prop_oneof![string_pool().prop_map(|s| lit(Literal::String(s))), string_operand()]
        )
            .prop_map(|(a, op, b)| cmp(op, a, b)),
        (
            prop::sample::select(vec![Func::Contains, Func::StartsWith, Func::EndsWith]),
            computed_string(),
            string_pool()
        )
            .prop_map(|(f, a, s)| call(f, vec![a, lit(Literal::String(s))])),
        (any_op(), prop::sample::select(ids)).prop_map(|(op, id)| cmp(op, path("id"), lit(Literal::Guid(id)))),
        (any_op(), any::<u128>()).prop_map(|(op, id)| cmp(op, path("id"), lit(Literal::Guid(id)))),
    ]
}

fn filter(ids: Vec<u128>, instants: Vec<i64>) -> impl Strategy<Value = Expr> {
    leaf(ids, instants).prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 2..4).prop_map(|operands| node(ExprKind::And { operands })),
            prop::collection::vec(inner.clone(), 2..4).prop_map(|operands| node(ExprKind::Or { operands })),
            inner.prop_map(|e| node(ExprKind::Not { operand: Box::new(e) })),
        ]
    })
}

fn sort() -> impl Strategy<Value = Vec<SortKey>> {
    let fields = vec!["username", "userStatus", "createdAt", "updatedAt", "lastLogin", "id"];
    prop::sample::subsequence(fields, 0..3).prop_flat_map(|fs| {
        let n = fs.len();
        (Just(fs), prop::collection::vec(any::<bool>(), n)).prop_map(|(fs, dirs)| {
            fs.into_iter()
                .zip(dirs)
                .map(|(f, asc)| SortKey {
                    path: Path::single(f, Span::default()),
                    direction: if asc { Direction::Asc } else { Direction::Desc },
                    span: Span::default(),
                })
                .collect()
        })
    })
}

fn page() -> impl Strategy<Value = Page> {
    (prop::option::of(0u64..400), prop_oneof![Just(0u64), 0u64..3100])
        .prop_map(|(limit, offset)| Page { limit, offset })
}

fn ids_of(records: &[Record]) -> Vec<u128> {
    records
        .iter()
        .map(|r| match r.0[0] {
            Value::Uuid(u) => u,
            ref v => panic!("id is {v:?}"),
        })
        .collect()
}

struct Engines {
    schema: Schema,
    table: roster_eval::Table,
    sqlite: rusqlite::Connection,
    postgres: Option<(roster_testkit::TempPostgres, std::cell::RefCell<postgres::Client>)>,
}

fn engines() -> Engines {
    let profile = roster_schema::profiles::by_name("identity").unwrap();
    let schema = profile.schema.clone();
    let records: Vec<Record> = profile.generate(USERS, SEED).collect();
    let table = roster_eval::Table::from_records(&schema, records.clone()).unwrap();
    let mut sqlite = rusqlite::Connection::open_in_memory().unwrap();
    roster_sql::sqlite::create(&sqlite, &schema).unwrap();
    roster_sql::sqlite::load(&mut sqlite, &schema, &records).unwrap();
    let postgres = roster_tests::postgres_with(&schema, &records, "this differential run")
        .map(|(pg, client)| (pg, std::cell::RefCell::new(client)));
    Engines { schema, table, sqlite, postgres }
}

/// The `$orderby` text of sort keys.
fn orderby(sort: &[SortKey]) -> String {
    sort.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
}

#[test]
fn memory_sqlite_and_postgres_agree_on_random_queries() {
    differential(std::env::var("ROSTER_DIFF_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(300));
}

/// The long mode: 100,000 cases (run it in release).
#[test]
#[ignore = "long: 100,000 cases; run with --release -- --ignored"]
fn long_differential() {
    differential(std::env::var("ROSTER_DIFF_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(100_000));
}

fn differential(cases: u32) {
    let e = engines();
    let ids: Vec<u128> = ids_of(&e.table_records()).into_iter().step_by(97).collect();
    let instants = e.instants();
    let strategy = (filter(ids, instants), sort(), page());
    let mut runner = TestRunner::new(Config { cases, failure_persistence: None, ..Config::default() });
    let nonempty = std::cell::Cell::new(0u32);
    let in_mongo = std::cell::Cell::new(0u32);
    let result = runner.run(&strategy, |(f, sort, page)| {
        let text = f.to_string();
        let parsed = roster_odata::parse_filter(&text).map_err(|err| TestCaseError::fail(format!("{text}: {err}")))?;
        let query = Query { filter: Some(parsed), sort, projection: None, page };
        let typed = roster_check::check(&query, &e.schema).map_err(|errs| {
            TestCaseError::fail(format!("{text}: {:?}", errs.iter().map(ToString::to_string).collect::<Vec<_>>()))
        })?;
        let plan = roster_eval::compile(&e.schema, &typed);
        let mem = ids_of(&plan.records(&e.table));
        let lite = ids_of(&roster_sql::sqlite::query(&e.sqlite, &e.schema, &typed).unwrap());
        let sort = orderby(&query.sort);
        prop_assert_eq!(&mem, &lite, "memory vs SQLite on `{}` $orderby `{}` {:?}", text, sort, query.page);
        if let Some((_, client)) = &e.postgres {
            let pg = ids_of(&roster_sql::postgres::query(&mut client.borrow_mut(), &e.schema, &typed).unwrap());
            prop_assert_eq!(&mem, &pg, "memory vs PostgreSQL on `{}` $orderby `{}` {:?}", text, sort, query.page);
        }
        // Counts agree too.
        let count = plan.count(&e.table) as u64;
        let lite_count = roster_sql::sqlite::count(&e.sqlite, &e.schema, &typed).unwrap();
        prop_assert_eq!(count, lite_count, "count on `{}`", text);
        // Translations mean the same: the typed filter printed as OData, and as Mongo where
        // Mongo can say it, parses and checks again into a query selecting the same records.
        let again = |parsed: Option<Expr>, dialect: &str, printed: &str| -> Result<(), TestCaseError> {
            let q = Query { filter: parsed, sort: query.sort.clone(), projection: None, page: query.page };
            let typed = roster_check::check(&q, &e.schema).map_err(|errs| {
                TestCaseError::fail(format!("{dialect} `{printed}` of `{text}` does not check: {errs:?}"))
            })?;
            let ids = ids_of(&roster_eval::compile(&e.schema, &typed).records(&e.table));
            prop_assert_eq!(&mem, &ids, "{} translation `{}` of `{}` selects other records", dialect, printed, text);
            Ok(())
        };
        let odata = roster_check::filter_to_odata(&e.schema, &typed.filter);
        let parsed = roster_odata::parse_filter(&odata)
            .map_err(|err| TestCaseError::fail(format!("OData translation `{odata}` of `{text}`: {err}")))?;
        again(Some(parsed), "OData", &odata)?;
        if let Ok(mongo) = roster_check::filter_to_mongo(&e.schema, &typed.filter) {
            let mongo = mongo.to_string();
            let opts = roster_mongo::Options { id_field: Some("id".into()), ..roster_mongo::Options::default() };
            let parsed = roster_mongo::parse_query_with(&mongo, &opts)
                .map_err(|err| TestCaseError::fail(format!("Mongo translation `{mongo}` of `{text}`: {err}")))?;
            again(parsed, "Mongo", &mongo)?;
            in_mongo.set(in_mongo.get() + 1);
        }
        if !mem.is_empty() {
            nonempty.set(nonempty.get() + 1);
        }
        Ok(())
    });
    match result {
        Err(TestError::Fail(reason, (f, sort, page))) => panic!(
            "minimal failing case:\n  $filter={f}\n  $orderby={}\n  limit={:?} offset={}\n{reason}",
            orderby(&sort),
            page.limit,
            page.offset
        ),
        Err(err) => panic!("{err}"),
        Ok(()) => {}
    }
    // The generator must produce interesting queries, not only empty results.
    let nonempty = nonempty.get();
    assert!(nonempty > cases / 4, "only {nonempty} of {cases} queries matched anything");
    // Mongo cannot say everything (functions of fields), but most generated filters.
    let in_mongo = in_mongo.get();
    assert!(in_mongo > cases / 5, "only {in_mongo} of {cases} filters could be written as Mongo");
}

impl Engines {
    fn table_records(&self) -> Vec<Record> {
        let all: Vec<_> = self.schema.ids().collect();
        (0..self.table.len()).map(|i| self.table.record(i, &all)).collect()
    }

    /// Some instants that occur in the data, so equality comparisons hit.
    fn instants(&self) -> Vec<i64> {
        self.table_records()
            .iter()
            .step_by(101)
            .flat_map(|r| {
                r.0[3..]
                    .iter()
                    .filter_map(|v| if let Value::Timestamp(t) = v { Some(t.0) } else { None })
                    .collect::<Vec<_>>()
            })
            .collect()
    }
}
