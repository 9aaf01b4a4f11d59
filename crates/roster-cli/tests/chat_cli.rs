//! End-to-end tests of the `chat` profile from the command line: generate, query with
//! projection, sort and paging, and errors with positions and exit status 2.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::{Command, Output};

use serde_json::Value as Json;

fn roster(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_roster")).args(args).output().unwrap()
}

fn data(dir: &std::path::Path) -> String {
    let path = dir.join("chat.jsonl");
    let p = path.to_str().unwrap().to_owned();
    let o = roster(&["generate", "--profile", "chat", "--users", "800", "--seed", "3", "-o", &p]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    p
}

#[test]
fn query_prints_projected_users_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let p = data(dir.path());
    let o = roster(&[
        "query",
        "--profile",
        "chat",
        "--dialect",
        "mongo",
        "--data",
        &p,
        "--format",
        "jsonl",
        "--filter",
        r#"{"roles": "admin", "customFields.level": {"$gte": 1}}"#,
        "--fields",
        r#"{"username": 1, "emails.address": 1, "customFields.level": 1}"#,
        "--sort",
        r#"{"customFields.level": -1, "username": 1}"#,
        "--limit",
        "5",
        "--offset",
        "1",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let rows: Vec<Json> =
        String::from_utf8(o.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(rows.len(), 5);
    let mut prev: Option<(f64, String)> = None;
    for r in &rows {
        let keys: Vec<&str> = r.as_object().unwrap().keys().map(String::as_str).collect();
        assert!(keys.iter().all(|k| ["_id", "username", "emails", "customFields"].contains(k)), "{r}");
        assert_eq!(r["customFields"].as_object().unwrap().len(), 1, "{r}");
        // Only numbers are in the bracket of `$gte: 1`, and descending order holds.
        let level = r["customFields"]["level"].as_f64().expect("a number");
        assert!(level >= 1.0);
        if let Some(e) = r.get("emails") {
            assert!(e.as_array().unwrap().iter().all(|x| x.as_object().unwrap().keys().eq(["address"].iter())));
        }
        let key = (level, r["username"].as_str().unwrap().to_owned());
        if let Some(p) = &prev {
            assert!(p.0 > key.0 || (p.0 == key.0 && p.1 <= key.1), "{p:?} before {key:?}");
        }
        prev = Some(key);
    }
}

#[test]
fn errors_point_into_the_json_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let p = data(dir.path());
    let o = roster(&[
        "--error-format",
        "json",
        "query",
        "--profile",
        "chat",
        "--dialect",
        "mongo",
        "--data",
        &p,
        "--filter",
        r#"{"active": {"$gt": true}, "name": {"$regex": "(?=a)"}}"#,
    ]);
    assert_eq!(o.status.code(), Some(2));
    let errors: Vec<Json> =
        String::from_utf8(o.stderr).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let codes: Vec<&str> = errors.iter().map(|e| e["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["operator-not-applicable", "invalid-regex"]);
    assert_eq!(errors[0]["span"]["start"], 19);
    let o = roster(&["query", "--profile", "chat", "--dialect", "odata", "--data", &p, "--filter", "x eq 1"]);
    assert_eq!(o.status.code(), Some(2));
    let o = roster(&["check", "--profile", "chat", "--filter", "{}"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("document profile"));
}

/// `roster load --profile chat` then `query --db`: the same projected pages as in memory.
#[test]
fn load_into_sqlite_and_query_it_like_memory() {
    let dir = tempfile::tempdir().unwrap();
    let p = data(dir.path());
    let db = format!("sqlite:{}", dir.path().join("chat.db").display());
    let o = roster(&["load", "--profile", "chat", "--data", &p, "--db", &db]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains("loaded 800 chat users"));
    for (filter, fields, sort) in [
        (r#"{"emails.address": {"$regex": "^[a-m]"}, "active": true}"#, r#"{"emails": 1}"#, r#"{"lastLogin": -1}"#),
        (r#"{"customFields.clearance": {"$in": ["High", "Low"]}}"#, r#"{"roles": 0}"#, r#"{"roles": 1, "_id": -1}"#),
        (r#"{"lastLogin": null}"#, r#"{"username": 1}"#, r#"{"username": 1}"#),
    ] {
        let args = |source: &str, value: &str| {
            roster(&[
                "query",
                "--profile",
                "chat",
                "--dialect",
                "mongo",
                source,
                value,
                "--filter",
                filter,
                "--fields",
                fields,
                "--sort",
                sort,
                "--limit",
                "40",
                "--offset",
                "3",
            ])
        };
        let (memory, sql) = (args("--data", &p), args("--db", &db));
        assert!(memory.status.success() && sql.status.success(), "{}", String::from_utf8_lossy(&sql.stderr));
        assert!(!memory.stdout.is_empty(), "{filter} matches something");
        assert_eq!(String::from_utf8_lossy(&memory.stdout), String::from_utf8_lossy(&sql.stdout), "{filter}");
    }
}
