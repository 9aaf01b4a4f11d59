//! `roster bench`: the JSON report's shape, and that every engine answers like `roster query`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::{Command, Output};

use serde_json::Value as Json;

fn roster(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_roster")).args(args).output().unwrap()
}

fn ok(args: &[&str]) -> String {
    let o = roster(args);
    assert!(o.status.success(), "roster {args:?} failed: {}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap()
}

const FILTER: &str = "userStatus ne 'UNVERIFIED' and createdAt gt 2021-06-01T00:00:00Z";

#[test]
fn reports_every_rep_and_agrees_with_query_on_memory_and_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("users.jsonl");
    let data = data.to_str().unwrap();
    ok(&["generate", "--profile", "identity", "--users", "3000", "--seed", "9", "-o", data]);
    let page_ids: Vec<Json> = ok(&[
        "query",
        "--profile",
        "identity",
        "--data",
        data,
        "--filter",
        FILTER,
        "--sort",
        "createdAt desc, id",
        "--limit",
        "25",
        "--fields",
        "id",
    ])
    .lines()
    .map(|l| serde_json::from_str::<Json>(l).unwrap()["id"].clone())
    .collect();
    assert_eq!(page_ids.len(), 25);
    let mut exports = Vec::new();
    for (engine, threads) in [("memory", "1"), ("memory", "2"), ("sqlite", "1")] {
        let export = dir.path().join(format!("export-{engine}-{threads}.csv"));
        let report = dir.path().join("report.json");
        ok(&[
            "bench",
            "--profile",
            "identity",
            "--engine",
            engine,
            "--data",
            data,
            "--filter",
            FILTER,
            "--sort",
            "createdAt desc, id",
            "--limit",
            "25",
            "--export",
            export.to_str().unwrap(),
            "--tz",
            "Asia/Kolkata",
            "--threads",
            threads,
            "--reps",
            "3",
            "--json",
            report.to_str().unwrap(),
        ]);
        let r: Json = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
        assert_eq!(r["engine"], engine);
        assert!(r["load_ms"].as_f64().unwrap() > 0.0);
        for workload in ["count", "page", "export"] {
            let times = r[workload]["times_ms"].as_array().unwrap();
            assert_eq!(times.len(), 3, "{engine} {workload}");
            assert!(r[workload]["median_ms"].as_f64().is_some());
        }
        assert_eq!(r["page"]["ids"].as_array().unwrap(), &page_ids, "{engine}");
        let matches = r["count"]["matches"].as_u64().unwrap();
        assert_eq!(r["export"]["rows"].as_u64(), Some(matches));
        assert!(r["peak_rss_kib"].as_u64().is_some_and(|k| k > 0));
        let csv = std::fs::read_to_string(&export).unwrap();
        assert_eq!(csv.lines().count() as u64, matches + 1);
        assert!(csv.lines().nth(1).unwrap().contains("+05:30"));
        // Memory exports in table order, SQL in the database's order: compare the rows.
        let mut lines: Vec<String> = csv.lines().map(str::to_owned).collect();
        lines.sort();
        exports.push(lines);
    }
    assert!(exports.windows(2).all(|w| w[0] == w[1]), "engines export the same rows");
}

#[test]
fn refuses_an_unknown_zone_and_zero_reps() {
    let o = roster(&["bench", "--data", "nope.jsonl", "--tz", "Mars/Olympus"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("Mars/Olympus"));
    let o = roster(&["bench", "--data", "nope.jsonl", "--reps", "0"]);
    assert_eq!(o.status.code(), Some(2));
}

const CHAT_FILTER: &str = r#"{"active": true, "roles": "admin", "emails.verified": true, "createdAt": {"$gt": {"$date": "2021-06-01T00:00:00Z"}}}"#;
const CHAT_SORT: &str = r#"{"createdAt": -1, "_id": 1}"#;

/// `roster bench --profile chat` with `engine_args`: the report, parsed.
fn chat_bench(dir: &std::path::Path, engine_args: &[&str]) -> Json {
    let report = dir.join("chat-report.json");
    let mut args = vec!["bench", "--profile", "chat", "--dialect", "mongo"];
    args.extend_from_slice(engine_args);
    args.extend_from_slice(&["--filter", CHAT_FILTER, "--sort", CHAT_SORT, "--limit", "25", "--offset", "3"]);
    args.extend_from_slice(&["--reps", "2", "--json", report.to_str().unwrap()]);
    ok(&args);
    serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap()
}

/// The chat filter and sort computed by hand over the JSON of the generated documents
/// (dates are `YYYY-MM-DDTHH:MM:SS.mmmZ` text, so their text order is their time order):
/// the match count and the ids of the page (offset 3, limit 25).
fn chat_by_hand(data: &str) -> (usize, Vec<Json>) {
    let mut hits: Vec<(String, String)> = std::fs::read_to_string(data)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Json>(l).unwrap())
        .filter(|d| {
            d["active"] == Json::Bool(true)
                && d["roles"].as_array().unwrap().iter().any(|r| r == "admin")
                && d.get("emails").and_then(Json::as_array).is_some_and(|e| e.iter().any(|x| x["verified"] == true))
                && d["createdAt"].as_str().unwrap() > "2021-06-01T00:00:00.000Z"
        })
        .map(|d| (d["createdAt"].as_str().unwrap().to_owned(), d["_id"].as_str().unwrap().to_owned()))
        .collect();
    hits.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    let page = hits.iter().skip(3).take(25).map(|(_, id)| Json::String(id.clone())).collect();
    (hits.len(), page)
}

#[test]
fn chat_reports_count_and_page_like_query_and_a_hand_computation_on_memory_and_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("chat.jsonl");
    let data = data.to_str().unwrap();
    ok(&["generate", "--profile", "chat", "--users", "3000", "--seed", "5", "-o", data]);
    let (matches, page) = chat_by_hand(data);
    assert!(matches > 40, "the filter should keep a page's worth: {matches}");
    assert_eq!(page.len(), 25);
    // `roster query` agrees with the hand computation (every match, then the page).
    let query = |extra: &[&str]| -> Vec<Json> {
        let mut args = vec!["query", "--profile", "chat", "--dialect", "mongo", "--data", data];
        args.extend_from_slice(&["--filter", CHAT_FILTER, "--sort", CHAT_SORT, "--fields", r#"{"_id": 1}"#]);
        args.extend_from_slice(extra);
        ok(&args).lines().map(|l| serde_json::from_str::<Json>(l).unwrap()["_id"].clone()).collect()
    };
    assert_eq!(query(&[]).len(), matches);
    assert_eq!(query(&["--limit", "25", "--offset", "3"]), page);

    let db = dir.path().join("chat.db");
    let db_url = format!("sqlite:{}", db.to_str().unwrap());
    ok(&["load", "--profile", "chat", "--data", data, "--db", &db_url]);
    for engine_args in [
        &["--engine", "memory", "--data", data][..],
        &["--engine", "sqlite", "--data", data],
        &["--engine", "sqlite", "--db", &db_url],
    ] {
        let r = chat_bench(dir.path(), engine_args);
        assert_eq!(r["profile"], "chat");
        assert_eq!(r["engine"], engine_args[1]);
        assert_eq!(r["threads"], 1);
        assert!(r["load_ms"].as_f64().unwrap() > 0.0, "{engine_args:?}");
        for workload in ["count", "page"] {
            assert_eq!(r[workload]["times_ms"].as_array().unwrap().len(), 2, "{engine_args:?} {workload}");
            assert!(r[workload]["median_ms"].as_f64().is_some());
        }
        assert_eq!(r["count"]["matches"].as_u64(), Some(matches as u64), "{engine_args:?}");
        assert_eq!(r["page"]["ids"].as_array().unwrap(), &page, "{engine_args:?}");
        assert_eq!(r["export"]["applicable"], false, "{engine_args:?}");
        assert!(r["export"]["why"].as_str().unwrap().contains("no CSV export"));
        assert!(r["peak_rss_kib"].as_u64().is_some_and(|k| k > 0));
    }

    if std::env::var_os("ROSTER_SKIP_POSTGRES").is_some() {
        eprintln!("!!! ROSTER_SKIP_POSTGRES is set: PostgreSQL is NOT part of the chat bench test");
        return;
    }
    let pg = roster_testkit::TempPostgres::start().unwrap_or_else(|e| {
        panic!("cannot start a throwaway PostgreSQL ({e}); set ROSTER_SKIP_POSTGRES=1 to run without it")
    });
    ok(&["load", "--profile", "chat", "--data", data, "--db", &pg.url()]);
    let r = chat_bench(dir.path(), &["--engine", "postgres", "--db", &pg.url()]);
    assert_eq!(r["count"]["matches"].as_u64(), Some(matches as u64));
    assert_eq!(r["page"]["ids"].as_array().unwrap(), &page);
}

#[test]
fn chat_refuses_an_export_threads_and_other_dialects() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("chat.jsonl");
    let data = data.to_str().unwrap();
    ok(&["generate", "--profile", "chat", "--users", "10", "-o", data]);
    let base = ["bench", "--profile", "chat", "--data", data];
    for (extra, says) in [
        (&["--dialect", "mongo", "--export", "out.csv"][..], "no CSV export"),
        (&["--dialect", "mongo", "--tz", "Asia/Kolkata"], "no CSV export"),
        (&["--dialect", "mongo", "--threads", "2"], "one thread"),
        (&["--dialect", "odata"], "--dialect mongo"),
        (&["--dialect", "mongo", "--engine", "postgres"], "PostgreSQL needs --db"),
    ] {
        let args: Vec<&str> = base.iter().chain(extra).copied().collect();
        let o = roster(&args);
        assert_eq!(o.status.code(), Some(2), "{extra:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(says), "{extra:?}: {err}");
    }
}
