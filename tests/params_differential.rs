//! The differential test of the REST parameter profiles: random requests of `directory`,
//! `admin` and `accounts` (parameters drawn from each endpoint's own vocabulary, plus
//! hand-built keyword searches and `any()`/`all()` element tests on `directory`, negated at random)
//! must give identical records in identical order, and identical counts, in memory, on
//! SQLite and on a throwaway PostgreSQL.
//!
//! `ROSTER_DIFF_CASES` sets the number of cases per profile (default 200);
//! `ROSTER_SKIP_POSTGRES=1` leaves PostgreSQL out (the run says so loudly).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::cell::RefCell;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use roster_ast::{CmpOp, Expr, ExprKind, Func, Literal, Path, Quantifier, SearchScope, Span};
use roster_params::{Caller, ParamsErrorKind};
use roster_schema::{Record, Schema};

const USERS: u64 = 2500;
const SEED: u64 = 20_251_125;

struct Profile {
    schema: Schema,
    table: roster_eval::Table,
}

struct Engines {
    sqlite: rusqlite::Connection,
    postgres: Option<(roster_testkit::TempPostgres, RefCell<postgres::Client>)>,
    profiles: Vec<(&'static str, Profile)>,
}

fn engines() -> Engines {
    let mut sqlite = rusqlite::Connection::open_in_memory().unwrap();
    let mut postgres = if std::env::var_os("ROSTER_SKIP_POSTGRES").is_some() {
        eprintln!("!!! ROSTER_SKIP_POSTGRES is set: PostgreSQL is NOT part of this differential run");
        None
    } else {
        let pg = roster_testkit::TempPostgres::start().unwrap_or_else(|e| {
            panic!("cannot start a throwaway PostgreSQL ({e}); set ROSTER_SKIP_POSTGRES=1 to run without it")
        });
        let client = postgres::Client::connect(&pg.url(), postgres::NoTls).unwrap();
        Some((pg, RefCell::new(client)))
    };
    let mut profiles = Vec::new();
    for name in ["directory", "admin", "accounts"] {
        let p = roster_schema::profiles::by_name(name).unwrap();
        let records: Vec<Record> = p.generate(USERS, SEED).collect();
        roster_sql::sqlite::create(&sqlite, &p.schema).unwrap();
        roster_sql::sqlite::load(&mut sqlite, &p.schema, &records).unwrap();
        if let Some((_, client)) = &mut postgres {
            roster_sql::postgres::create(client.get_mut(), &p.schema).unwrap();
            roster_sql::postgres::load(client.get_mut(), &p.schema, &records).unwrap();
        }
        let table = roster_eval::Table::from_records(&p.schema, records).unwrap();
        profiles.push((name, Profile { schema: p.schema, table }));
    }
    Engines { sqlite, postgres, profiles }
}

/// `(parameter, values)`: a request takes a random subset of parameters, each with one of
/// its values.
fn vocabulary(profile: &str) -> Vec<(&'static str, Vec<&'static str>)> {
    match profile {
        "directory" => vec![
            ("name", vec!["a", "SMITH", "zo", "o'n", "josé", "li"]),
            ("loginName", vec!["john", ".d", "9", "MARIA"]),
            ("mail", vec!["gmail", "ACME.CO", "@"]),
            ("accountStatus", vec!["Enabled", "Disabled*", "Enabled,Disabled", "Enabled*,Disabled*"]),
            ("mfa", vec!["true", "false"]),
            ("emailVerified", vec!["true", "false"]),
            ("orgId", vec!["org-1001", "org-2001", "org-9"]),
            ("groupName", vec!["Developers", "Interns", "developers"]),
            ("lastLoggedIn", vec!["Never"]),
            ("lastLoggedInFromDate", vec!["2020-01-01T00:00:00Z", "2024-06-01T12:00:00%2B0530"]),
            ("lastLoggedInToDate", vec!["2022-01-01T00:00:00Z", "2025-10-01T00:00:00Z"]),
            ("passwordExpiryFromDate", vec!["2023-01-01T00:00:00Z"]),
            ("passwordExpiryToDate", vec!["2025-01-01T00:00:00Z", "2026-06-01T00:00:00Z"]),
            ("scheduleAccessExpiryFromDate", vec!["2021-01-01T00:00:00Z"]),
            ("scheduleAccessExpiryToDate", vec!["2024-01-01T00:00:00Z"]),
            ("tags", vec!["vpn", "vpn,remote", "finance", "Finance", "hr"]),
            ("siteId", vec!["site-pune", "site-nyc"]),
            (
                "sort",
                vec![
                    "name:asc",
                    "loginName:desc",
                    "lastLoggedIn:asc",
                    "lastLoggedIn:desc",
                    "pwdExpiryDays:asc,name:desc",
                    "scheduleAccessEndDate",
                    "whenChanged:asc",
                    ":asc",
                ],
            ),
            ("_fields", vec!["userid,tags,lastloggedin", "status,mfa"]),
        ],
        "admin" => vec![
            ("limit", vec!["1", "7", "50", "1000"]),
            ("offset", vec!["0", "3", "100", "2490"]),
            (
                "sortFilter",
                vec![
                    r#"{"username":"ASC"}"#,
                    r#"{"lastName":"desc"}"#,
                    r#"{"status":"ASC","firstName":"DESC"}"#,
                    r#"{"externalId":"asc"}"#,
                    r#"{"superUser":"DESC","email":"ASC"}"#,
                ],
            ),
            (
                "filter",
                vec![r#"{"role":"READER"}"#, r#"{"role":"SCANNER, PC User"}"#, r#"{"role":["VM User","reader"]}"#],
            ),
        ],
        _ => vec![
            ("page", vec!["1", "2", "7"]),
            ("per", vec!["1", "20", "100", "500"]),
            ("order_by", vec!["first_name", "confirmed_at", "role", "user_key", "updated_at", "city"]),
            ("order", vec!["asc", "DESC"]),
            ("search", vec!["a", "priya plant", "NIGHT", "shift=day mumbai", "0000", "zz qq", "ë"]),
            ("scope", vec!["all", "any"]),
            ("is_oem", vec!["false"]),
            ("field_list", vec!["user_key,tags", "user_defined_properties,confirmed_at"]),
        ],
    }
}

fn request(profile: &'static str) -> impl Strategy<Value = String> {
    let vocab = vocabulary(profile);
    let n = vocab.len();
    prop::collection::vec((0..n, any::<prop::sample::Index>()), 0..5).prop_map(move |picks| {
        let mut seen = Vec::new();
        let mut parts = Vec::new();
        for (i, which) in picks {
            if seen.contains(&i) {
                continue;
            }
            seen.push(i);
            let (name, values) = &vocab[i];
            let value = which.get(values);
            let encoded = value.replace('%', "%25").replace('&', "%26").replace('+', "%2B").replace(' ', "%20");
            // The date samples carry their own escapes.
            let encoded = if name.ends_with("Date") { (*value).to_owned() } else { encoded };
            parts.push(format!("{name}={encoded}"));
        }
        parts.join("&")
    })
}

fn node(kind: ExprKind) -> Expr {
    Expr::new(kind, Span::default())
}

/// Extra conditions on `directory` that its parameters do not produce: keyword search over
/// chosen fields (including the nullable `phone`), `any()` and `all()` element tests with each operator,
/// case-folded or not, and negations.
fn extra() -> impl Strategy<Value = Option<Expr>> {
    let words = prop::sample::select(vec!["a", "SMITH", "vpn", "91", "", "Dev", "ë", "e ", "finance"]);
    let search = (
        prop::collection::vec(words.clone(), 0..3),
        any::<bool>(),
        prop::sample::subsequence(vec!["fullname", "phone", "tags", "groups", "email"], 1..4),
    )
        .prop_map(|(keywords, all, fields)| {
            node(ExprKind::Search {
                keywords: keywords.into_iter().map(str::to_owned).collect(),
                scope: if all { SearchScope::All } else { SearchScope::Any },
                fields: Some(fields.into_iter().map(|f| Path::single(f, Span::default())).collect()),
            })
        });
    let element = (
        prop::sample::select(vec!["tags", "groups"]),
        prop::sample::select(vec![Func::Contains, Func::StartsWith, Func::EndsWith]),
        any::<bool>(),
        any::<bool>(),
        words,
        any::<bool>(),
    )
        .prop_map(|(field, func, eq, fold, word, every)| {
            let var = Expr::path(Path::single("t", Span::default()));
            let var = if fold { node(ExprKind::Call { func: Func::ToLower, args: vec![var] }) } else { var };
            let value = Expr::literal(Literal::String(word.to_owned()), Span::default());
            let predicate = if eq {
                node(ExprKind::Compare { op: CmpOp::Eq, lhs: Box::new(var), rhs: Box::new(value) })
            } else {
                node(ExprKind::Call { func, args: vec![var, value] })
            };
            node(ExprKind::Quantified {
                quantifier: if every { Quantifier::All } else { Quantifier::Any },
                path: Path::single(field, Span::default()),
                var: "t".into(),
                predicate: Box::new(predicate),
            })
        });
    let leaf = prop_oneof![search, element];
    prop::option::of(
        (leaf, any::<bool>()).prop_map(
            |(e, negate)| {
                if negate { node(ExprKind::Not { operand: Box::new(e) }) } else { e }
            },
        ),
    )
}

/// The same records in the same order; on a difference, a short report: the primary keys,
/// and the first record that differs.
fn same(schema: &Schema, a: &[Record], b: &[Record], what: &str) -> Result<(), TestCaseError> {
    let keys = |rs: &[Record]| rs.iter().map(|r| format!("{:?}", r.get(schema.primary_key))).collect::<Vec<_>>();
    let (ka, kb) = (keys(a), keys(b));
    if ka != kb {
        let first = ka.iter().zip(&kb).position(|(x, y)| x != y).unwrap_or(ka.len().min(kb.len()));
        return Err(TestCaseError::fail(format!(
            "{what}: {} vs {} records, first difference at #{first}: {:?} vs {:?}",
            ka.len(),
            kb.len(),
            ka.get(first),
            kb.get(first)
        )));
    }
    if let Some(i) = a.iter().zip(b).position(|(x, y)| x != y) {
        return Err(TestCaseError::fail(format!("{what}: record #{i} differs: {:?} vs {:?}", a[i], b[i])));
    }
    Ok(())
}

#[test]
fn memory_sqlite_and_postgres_agree_on_random_parameter_requests() {
    let e = engines();
    let cases: u32 = std::env::var("ROSTER_DIFF_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(200);
    for (name, profile) in &e.profiles {
        let mut runner = TestRunner::new(Config { cases, failure_persistence: None, ..Config::default() });
        let nonempty = std::cell::Cell::new(0u32);
        let result = runner.run(&(request(name), extra()), |(params, extra)| {
            let mut req = match roster_params::parse(name, &params, None, &Caller::default()) {
                Ok(r) => r,
                // `lastLoggedIn=Never` with a login date bound is an error by design.
                Err(err) if matches!(err.kind, ParamsErrorKind::Conflict { .. }) => return Ok(()),
                Err(err) => return Err(TestCaseError::fail(format!("{name} `{params}`: {err}"))),
            };
            if *name == "directory"
                && let Some(x) = extra
            {
                req.query.filter = Some(match req.query.filter.take() {
                    Some(f) => node(ExprKind::And { operands: vec![f, x] }),
                    None => x,
                });
            }
            let text = format!("{params} + {}", req.query.filter.as_ref().map_or(String::new(), ToString::to_string));
            let typed = roster_check::check(&req.query, &profile.schema).map_err(|errs| {
                TestCaseError::fail(format!(
                    "{name} `{text}`: {:?}",
                    errs.iter().map(ToString::to_string).collect::<Vec<_>>()
                ))
            })?;
            let plan = roster_eval::compile(&profile.schema, &typed);
            let mem = plan.records(&profile.table);
            let lite = roster_sql::sqlite::query(&e.sqlite, &profile.schema, &typed).unwrap();
            same(&profile.schema, &mem, &lite, &format!("{name} memory vs SQLite on `{text}`"))?;
            let count = plan.count(&profile.table) as u64;
            prop_assert_eq!(
                count,
                roster_sql::sqlite::count(&e.sqlite, &profile.schema, &typed).unwrap(),
                "{} count on `{}`",
                name,
                text
            );
            if let Some((_, client)) = &e.postgres {
                let mut client = client.borrow_mut();
                let pg = roster_sql::postgres::query(&mut client, &profile.schema, &typed).unwrap();
                same(&profile.schema, &mem, &pg, &format!("{name} memory vs PostgreSQL on `{text}`"))?;
                let pg_count = roster_sql::postgres::count(&mut client, &profile.schema, &typed).unwrap();
                prop_assert_eq!(count, pg_count, "{} PostgreSQL count on `{}`", name, text);
            }
            if !mem.is_empty() {
                nonempty.set(nonempty.get() + 1);
            }
            Ok(())
        });
        if let Err(err) = result {
            panic!("{err}");
        }
        let nonempty = nonempty.get();
        assert!(nonempty > cases / 3, "{name}: only {nonempty} of {cases} requests matched anything");
    }
}
