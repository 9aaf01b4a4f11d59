//! Never panic (issue 7): every public parse, check and compile function returns a `Result`
//! for any input: the OData `$filter`, `$orderby` and query-option parsers, the Mongo query,
//! fields and sort parsers, the REST parameter parser (`roster_params::parse`, first line as
//! the query string, the rest as the body, for each REST profile), the checker (against
//! every built-in profile, and the document checker against `chat`), the SQL compiler for
//! every backend, the in-memory engines and the Mongo printer. Fed:
//! the fuzz corpora (`fuzz/corpus/*`, `fuzz/regressions`, `fuzz/seeds`, when present), the
//! workspace's case files and the OData test corpus, adversarial texts
//! (deep nesting, long inputs, control characters), and random bytes and random token soups
//! from proptest. A panic in any stage fails the test with the input that caused it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use roster_ast::{Page, Query};
use roster_check::{CheckOptions, Scope};
use roster_schema::Schema;
use roster_sql::Backend;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every file of the fuzz corpora and every line of the test data.
fn corpus() -> Vec<Vec<u8>> {
    let ws = workspace();
    let mut out = Vec::new();
    let mut dirs = vec![ws.join("fuzz/regressions")];
    if let Ok(targets) = std::fs::read_dir(ws.join("fuzz/corpus")) {
        dirs.extend(targets.flatten().map(|e| e.path()));
    }
    for dir in dirs {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            if let Ok(bytes) = std::fs::read(entry.path()) {
                out.push(bytes);
            }
        }
    }
    let mut line_files: Vec<PathBuf> =
        ["crates/roster-odata/tests/corpus/valid.txt", "crates/roster-odata/tests/corpus/errors.txt"]
            .iter()
            .map(|f| ws.join(f))
            .collect();
    // Every profile's case files and every seeds file, as other profiles and dialects land.
    for dir in std::fs::read_dir(ws.join("tests/cases"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .chain([ws.join("fuzz/seeds")])
    {
        let files = std::fs::read_dir(&dir).into_iter().flatten().flatten().map(|e| e.path());
        line_files.extend(files.filter(|p| p.extension().is_some_and(|x| x == "txt")));
    }
    for f in line_files {
        let text = std::fs::read_to_string(&f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        for line in text.lines() {
            let line = line.split_once(" | ").map_or(line, |(_, t)| t);
            let line = line.strip_prefix("> ").unwrap_or(line);
            out.push(line.replace("\\n", "\n").into_bytes());
        }
    }
    out
}

fn adversarial() -> Vec<String> {
    let n = 100_000;
    vec![
        "(".repeat(n),
        ")".repeat(n),
        format!("{}username eq 'x'{}", "(".repeat(n), ")".repeat(n)),
        "not ".repeat(n) + "username eq 'x'",
        "tolower(".repeat(n) + "username",
        "username eq ".repeat(n) + "'x'",
        vec!["username eq 'x'"; 5000].join(" and "),
        vec!["username eq 'x'"; 5000].join(" or "),
        format!("username in ({})", vec!["'x'"; 5000].join(",")),
        format!("username eq '{}'", "'".repeat(60_000)),
        "'".repeat(n),
        "\0".repeat(1000),
        "createdAt gt 9999-12-31T23:59:59.999999+23:59".into(),
        "createdAt gt 0001-01-01T00:00:00-23:59".into(),
        "length(username) gt 9223372036854775807 or length(username) lt -9223372036854775808".into(),
        "length(username) gt 99999999999999999999999 or length(username) eq 1e308".into(),
        "username eq 'x'\ncreatedAt desc, id, username, lastLogin\n18446744073709551615 18446744073709551615".into(),
        "\u{FEFF}username eq '\u{10FFFF}'".into(),
    ]
}

/// Runs every public entry point on `input`; returns whether the input checked as a query,
/// or a description of the panic.
fn exercise(input: &[u8], profiles: &[(Schema, roster_eval::Table)]) -> Result<bool, String> {
    let (schema, table) = (&profiles[0].0, &profiles[0].1);
    let text = String::from_utf8_lossy(input);
    let mut lines = text.splitn(3, '\n');
    let (filter_text, sort_text, page_text) = (lines.next().unwrap_or(""), lines.next(), lines.next());
    catch_unwind(AssertUnwindSafe(|| {
        let tight = roster_odata::Options { max_len: 100, max_depth: 2 };
        let _ = roster_odata::parse_filter_with(&text, &tight);
        let _ = roster_odata::parse_orderby(&text);
        let _ = roster_odata::parse_orderby_with(&text, &tight);
        let _ = roster_odata::parse_filter(&text);
        // The other front ends, then every profile, for what parses.
        let mut others: Vec<Query> = Vec::new();
        if let Ok(q) = roster_odata::parse_query_options(&text) {
            others.push(q.query);
        }
        let _ = roster_mongo::parse_fields(&text);
        let _ = roster_mongo::parse_sort(&text);
        if let Ok(filter) = roster_mongo::parse_query(filter_text) {
            let sort = sort_text.and_then(|s| roster_mongo::parse_sort(s).ok()).unwrap_or_default();
            others.push(Query { filter, sort, ..Query::default() });
        }
        for q in &others {
            // The document profile (chat): checker, in-memory engine, SQL of both backends.
            let (chat, docs) = &*CHAT;
            if let Ok(typed) = roster_check::document::check_document(q, chat)
                && let Ok(plan) = roster_eval::document::DocPlan::new(chat, &typed)
            {
                let _ = plan.run(docs);
                let _ = plan.count(docs);
                for backend in Backend::ALL {
                    let _ = roster_sql::document::select_ids(chat, &typed, backend);
                    let _ = roster_sql::document::select_count(chat, &typed, backend);
                }
            }
            for (schema, table) in profiles {
                if let Ok(typed) = roster_check::check(q, schema) {
                    for backend in Backend::ALL {
                        let _ = roster_sql::select(schema, &typed, backend);
                    }
                    let _ = roster_eval::compile(schema, &typed).records(table);
                }
            }
        }
        // REST parameters: the first line as a query string, the rest as a JSON body.
        let (params_query, params_body) = text.split_once('\n').map_or((&*text, None), |(q, b)| (q, Some(b)));
        for name in roster_params::PROFILES {
            let Ok(req) = roster_params::parse(name, params_query, params_body, &roster_params::Caller::default())
            else {
                continue;
            };
            if let Some((schema, table)) = profiles.iter().find(|(s, _)| s.name == *name)
                && let Ok(typed) = roster_check::check(&req.query, schema)
            {
                for backend in Backend::ALL {
                    let _ = roster_sql::select(schema, &typed, backend);
                }
                let _ = roster_eval::compile(schema, &typed).records(table);
            }
        }
        let Ok(filter) = roster_odata::parse_filter(filter_text) else { return false };
        let sort = sort_text.and_then(|s| roster_odata::parse_orderby(s).ok()).unwrap_or_default();
        let mut nums = page_text.unwrap_or("").split_whitespace().map(|n| n.parse::<u64>().ok());
        let page = Page { limit: nums.next().flatten(), offset: nums.next().flatten().unwrap_or(0) };
        let query = Query { filter: Some(filter), sort, projection: None, page };
        let _ = query.filter.as_ref().map(ToString::to_string);
        let _ = roster_check::check_filter(query.filter.as_ref().unwrap(), schema);
        let tight = CheckOptions { max_depth: 3, max_terms: 2, max_in_list: 2, max_limit: Some(10) };
        let _ = roster_check::check_with(&query, schema, &tight);
        let Ok(mut typed) = roster_check::check(&query, schema) else { return false };
        let _ = roster_check::filter_to_odata(schema, &typed.filter);
        let _ = roster_check::sort_to_odata(schema, &typed);
        let _ = roster_check::filter_to_mongo(schema, &typed.filter);
        let _ = roster_check::sort_to_mongo(schema, &typed);
        for backend in Backend::ALL {
            let _ = roster_sql::select(schema, &typed, backend);
            let _ = roster_sql::count(schema, &typed, backend);
        }
        let plan = roster_eval::compile(schema, &typed);
        let _ = plan.count(table);
        let _ = plan.records(table);
        // And under a scope built from the same filter.
        if let Ok(scope) = Scope::from_filter(query.filter.as_ref().unwrap(), schema) {
            scope.apply(&mut typed);
            let _ = roster_sql::select(schema, &typed, Backend::Postgres);
            let _ = roster_eval::compile(schema, &typed).count(table);
        }
        true
    }))
    .map_err(|payload| {
        let msg = payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_default();
        let shown: String = text.chars().take(200).collect();
        format!("panic on {shown:?}: {msg}")
    })
}

/// The chat schema and a few generated documents.
static CHAT: std::sync::LazyLock<(roster_schema::document::DocSchema, Vec<roster_schema::document::Doc>)> =
    std::sync::LazyLock::new(|| {
        (roster_schema::profiles::chat::schema(), roster_schema::profiles::chat::generate(200, 3).collect())
    });

/// Every built-in profile with a small table, identity first.
fn setup() -> Vec<(Schema, roster_eval::Table)> {
    assert_eq!(roster_schema::profiles::NAMES[0], "identity");
    roster_schema::profiles::NAMES
        .iter()
        .map(|name| {
            let profile = roster_schema::profiles::by_name(name).unwrap();
            let table = roster_eval::Table::from_records(&profile.schema, profile.generate(200, 3)).unwrap();
            (profile.schema.clone(), table)
        })
        .collect()
}

#[test]
fn corpora_and_adversarial_inputs_never_panic() {
    let profiles = setup();
    let corpus = corpus();
    assert!(corpus.len() > 100, "only {} corpus inputs", corpus.len());
    let mut checked = 0;
    for input in corpus.iter().map(Vec::as_slice).chain(adversarial().iter().map(String::as_bytes)) {
        match exercise(input, &profiles) {
            Ok(ok) => checked += usize::from(ok),
            Err(e) => panic!("{e}"),
        }
    }
    // The corpus reaches every stage, not only the parser's error paths.
    assert!(checked > 50, "only {checked} of {} inputs checked", corpus.len());
}

/// Token soups: grammar words, operators, literals and junk glued at random.
fn soup() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        prop::sample::select(vec![
            "username",
            "userStatus",
            "createdAt",
            "updatedAt",
            "lastLogin",
            "id",
            "nope",
            " eq ",
            " ne ",
            " gt ",
            " le ",
            " in ",
            " and ",
            " or ",
            "not ",
            "(",
            ")",
            ",",
            "'",
            "''",
            "'VERIFIED'",
            "null",
            "true",
            "contains(",
            "startswith(",
            "tolower(",
            "length(",
            "trim(",
            "2020-01-01",
            "2021-05-06T10:50:35+05:30",
            "7600415a-8876-5722-9f3c-b0fd11112283",
            "1",
            "-1",
            "1.5",
            "1e999",
            "9223372036854775808",
            "/",
            " ",
            "\n",
            "desc",
            "asc",
            "\0",
            "é",
            "%",
            "_",
            "\\",
        ])
        .prop_map(str::to_owned),
        any::<String>(),
    ];
    prop::collection::vec(token, 0..24).prop_map(|v| v.concat())
}

#[test]
fn random_bytes_and_token_soups_never_panic() {
    let profiles = setup();
    let cases: u32 = std::env::var("ROSTER_NEVER_PANIC_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(2000);
    let mut runner = TestRunner::new(Config { cases, failure_persistence: None, ..Config::default() });
    let strategy = prop_oneof![prop::collection::vec(any::<u8>(), 0..200), soup().prop_map(String::into_bytes)];
    let result = runner.run(&strategy, |input| exercise(&input, &profiles).map(drop).map_err(TestCaseError::fail));
    if let Err(e) = result {
        panic!("{e}");
    }
}
