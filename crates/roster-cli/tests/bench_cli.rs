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
