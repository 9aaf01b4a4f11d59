//! End-to-end tests of the `roster` binary: every command of the CLI contract, its output
//! and its exit status.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value as Json;

fn roster(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_roster")).args(args).output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

fn ok(args: &[&str]) -> String {
    let o = roster(args);
    assert!(o.status.success(), "roster {args:?} failed: {}", stderr(&o));
    stdout(&o)
}

fn generate(dir: &Path, users: u64) -> PathBuf {
    let path = dir.join("users.jsonl");
    ok(&[
        "generate",
        "--profile",
        "identity",
        "--users",
        &users.to_string(),
        "--seed",
        "5",
        "-o",
        path.to_str().unwrap(),
    ]);
    path
}

fn lines(text: &str) -> Vec<Json> {
    text.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

#[test]
fn generate_is_deterministic_and_complete() {
    let a = ok(&["generate", "--users", "500", "--seed", "9"]);
    let b = ok(&["generate", "--users", "500", "--seed", "9"]);
    let c = ok(&["generate", "--users", "500", "--seed", "10"]);
    assert_eq!(a, b);
    assert_ne!(a, c);
    let users = lines(&a);
    assert_eq!(users.len(), 500);
    let keys: Vec<&str> = users[0].as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["id", "username", "userStatus", "createdAt", "updatedAt", "lastLogin"]);
    assert!(users.iter().any(|u| u["lastLogin"].is_null()));
    let csv = ok(&["generate", "--users", "3", "--format", "csv"]);
    assert_eq!(csv.lines().next(), Some("id,username,userStatus,createdAt,updatedAt,lastLogin"));
    assert_eq!(csv.lines().count(), 4);
}

#[test]
fn parse_prints_the_ast_and_reports_syntax_errors() {
    let out = ok(&["parse", "--dialect", "odata", "userStatus eq 'VERIFIED'"]);
    let ast: Json = serde_json::from_str(&out).unwrap();
    assert_eq!(ast["kind"], "compare");
    assert_eq!(ast["op"], "eq");
    assert_eq!(ast["span"], serde_json::json!({"start": 0, "end": 24}));

    let o = roster(&["parse", "--dialect", "odata", "username eq"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.starts_with("error[syntax]: expected"), "{err}");
    assert!(err.contains("1 | username eq\n"), "{err}");

    let o = roster(&["parse", "--error-format", "json", "--dialect", "odata", "username eq"]);
    assert_eq!(o.status.code(), Some(2));
    let e: Json = serde_json::from_str(stderr(&o).lines().next().unwrap()).unwrap();
    assert_eq!(e["code"], "syntax");
    assert_eq!(e["span"]["start"], 11);
    assert!(e["message"].as_str().unwrap().contains("expected"));
}

#[test]
fn check_prints_the_canonical_form_or_every_error() {
    let out = ok(&[
        "check",
        "--profile",
        "identity",
        "--dialect",
        "odata",
        "--filter",
        "createdAt gt '2020-09-21T14:19:09.769747'",
    ]);
    assert_eq!(out, "createdAt gt 2020-09-21T14:19:09.769747Z\n");

    let o = roster(&["check", "--profile", "identity", "--filter", "userStatus eq 'verified' and usrname eq 'a'"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("error[invalid-enum-value]"), "{err}");
    assert!(err.contains("did you mean `VERIFIED`?"), "{err}");
    assert!(err.contains("error[unknown-field]: unknown field `usrname`"), "{err}");
    assert!(err.contains("did you mean `username`?"), "{err}");

    let o = roster(&["check", "--error-format", "json", "--filter", "userStatus gt 'VERIFIED'"]);
    let e: Json = serde_json::from_str(stderr(&o).lines().next().unwrap()).unwrap();
    assert_eq!(e["code"], "operator-not-applicable");
}

#[test]
fn sql_prints_statement_and_bound_values() {
    for backend in ["postgres", "sqlite", "mysql"] {
        let out = ok(&[
            "sql",
            "--profile",
            "identity",
            "--backend",
            backend,
            "--filter",
            "userStatus eq 'VERIFIED'",
            "--limit",
            "10",
        ]);
        let mut it = out.lines();
        let sql = it.next().unwrap();
        assert!(sql.starts_with("SELECT "), "{sql}");
        assert!(!sql.contains("VERIFIED"), "values must be bound, not inlined: {sql}");
        let values: Json = serde_json::from_str(it.next().unwrap()).unwrap();
        assert!(values.to_string().contains("VERIFIED"), "{values}");
    }
}

#[test]
fn query_in_memory_and_on_sqlite_agree_with_a_direct_reading_of_the_data() {
    let dir = tempfile::tempdir().unwrap();
    let data = generate(dir.path(), 2000);
    let all = lines(&std::fs::read_to_string(&data).unwrap());
    // The oracle: the JSON read directly.
    let mut expected: Vec<&Json> = all.iter().filter(|u| u["userStatus"] == "BLOCKED").collect();
    expected.sort_by(|a, b| {
        b["createdAt"].as_str().cmp(&a["createdAt"].as_str()).then(a["id"].as_str().cmp(&b["id"].as_str()))
    });
    let expected_ids: Vec<&str> = expected.iter().take(25).map(|u| u["id"].as_str().unwrap()).collect();

    let args = [
        "query",
        "--profile",
        "identity",
        "--dialect",
        "odata",
        "--filter",
        "userStatus eq 'BLOCKED'",
        "--sort",
        "createdAt desc",
        "--limit",
        "25",
        "--format",
        "jsonl",
    ];
    let mut mem_args = args.to_vec();
    mem_args.extend(["--data", data.to_str().unwrap()]);
    let mem = ok(&mem_args);
    let got: Vec<String> = lines(&mem).iter().map(|u| u["id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(got, expected_ids);

    let db = format!("sqlite:{}", dir.path().join("users.db").display());
    let loaded = roster(&["load", "--profile", "identity", "--data", data.to_str().unwrap(), "--db", &db]);
    assert!(loaded.status.success(), "{}", stderr(&loaded));
    let mut db_args = args.to_vec();
    db_args.extend(["--db", &db]);
    assert_eq!(ok(&db_args), mem);

    // Without --limit every match is printed; projection keeps the requested fields.
    let mut all_args =
        vec!["query", "--data", data.to_str().unwrap(), "--filter", "lastLogin eq null", "--fields", "id,lastLogin"];
    let out = ok(&all_args);
    let nulls = all.iter().filter(|u| u["lastLogin"].is_null()).count();
    assert_eq!(out.lines().count(), nulls);
    assert_eq!(lines(&out)[0].as_object().unwrap().len(), 2);
    all_args.extend(["--format", "csv"]);
    assert_eq!(ok(&all_args).lines().next(), Some("id,lastLogin"));
}

#[test]
fn invalid_records_are_reported_with_line_numbers_and_nothing_is_output() {
    let dir = tempfile::tempdir().unwrap();
    let data = generate(dir.path(), 3);
    let mut text = std::fs::read_to_string(&data).unwrap();
    text.push_str("{\"id\": 1}\nnot json\n");
    text.push_str(&text.lines().next().unwrap().replace("\"userStatus\":\"", "\"userStatus\":\"x"));
    text.push('\n');
    std::fs::write(&data, text).unwrap();
    let o = roster(&["query", "--data", data.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(o.stdout.is_empty());
    let err = stderr(&o);
    assert!(err.contains("users.jsonl:4: "), "{err}");
    assert!(err.contains("users.jsonl:5: not valid JSON"), "{err}");
    assert!(err.contains("users.jsonl:6: field `userStatus`"), "{err}");
    let db = format!("sqlite:{}", dir.path().join("u.db").display());
    let o = roster(&["load", "--data", data.to_str().unwrap(), "--db", &db]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!dir.path().join("u.db").exists(), "nothing may be written when the data is invalid");
}

#[test]
fn unknown_profile_and_database_are_usage_errors() {
    let o = roster(&["check", "--profile", "nope", "--filter", "a eq 1"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("unknown profile `nope`"));
    let o = roster(&["query", "--db", "mysql://x", "--filter", ""]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("sqlite:PATH"));
}

#[test]
fn odata_url_and_mongo_dialects_reach_the_same_pipeline() {
    let dir = tempfile::tempdir().unwrap();
    let data = generate(dir.path(), 500);
    let data = data.to_str().unwrap();
    let odata = ok(&[
        "query",
        "--data",
        data,
        "--filter",
        "userStatus eq 'BLOCKED' and lastLogin eq null",
        "--sort",
        "createdAt desc",
        "--fields",
        "id,username",
    ]);
    let url = ok(&[
        "query",
        "--dialect",
        "odata-url",
        "--data",
        data,
        "--filter",
        "$filter=userStatus%20eq%20%27BLOCKED%27%20and%20lastLogin%20eq%20null&$orderby=createdAt desc&$select=id,username",
    ]);
    let mongo = ok(&[
        "query",
        "--dialect",
        "mongo",
        "--data",
        data,
        "--filter",
        r#"{"userStatus": "BLOCKED", "lastLogin": null}"#,
        "--sort",
        r#"{"createdAt": -1}"#,
        "--fields",
        r#"{"username": 1}"#,
    ]);
    assert!(!odata.is_empty());
    assert_eq!(url, odata);
    assert_eq!(mongo, odata);

    // Each error is shown against the text it points into.
    let o = roster(&["check", "--filter", "userStatus eq 'verified'", "--sort", "usrname"]);
    let err = stderr(&o);
    assert!(err.contains("--> filter:1:15"), "{err}");
    assert!(err.contains("--> sort:1:1"), "{err}");
    let o = roster(&["check", "--dialect", "odata-url", "--filter", "$filter=usrname%20eq%201"]);
    assert!(stderr(&o).contains("--> query string:1:9"), "{}", stderr(&o));
    let o = roster(&["parse", "--dialect", "mongo", r#"{"name": {"$regx": "g"}}"#]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("did you mean `$regex`?"), "{}", stderr(&o));
}

/// `roster translate`: the expected documents are written from the rules in
/// `roster_check::print_mongo` and OData's syntax, not captured from the output.
#[test]
fn translate_odata_to_mongo_and_back() {
    let out = ok(&[
        "translate",
        "--from",
        "odata",
        "--to",
        "mongo",
        "--filter",
        "userStatus ne 'UNVERIFIED' and not (lastLogin lt 2021-01-01T00:00:00Z) and endswith(username, '.x')",
        "--sort",
        "createdAt desc",
        "--fields",
        "username",
        "--limit",
        "5",
        "--offset",
        "10",
    ]);
    let got: Json = serde_json::from_str(&out).unwrap();
    let want: Json = serde_json::from_str(
        r#"{"query": {"$and": [
                {"userStatus": {"$ne": "UNVERIFIED"}},
                {"lastLogin": {"$not": {"$lt": {"$date": "2021-01-01T00:00:00Z"}}}},
                {"username": {"$regex": "\\.x\\z"}}]},
            "sort": {"createdAt": -1, "id": 1},
            "fields": {"username": 1, "id": 0},
            "count": 5, "offset": 10}"#,
    )
    .unwrap();
    assert_eq!(got, want);
    // Key order of the sort document is the sort order.
    assert!(out.contains(r#""sort":{"createdAt":-1,"id":1}"#), "{out}");

    let back = ok(&[
        "translate",
        "--from",
        "mongo",
        "--to",
        "odata",
        "--filter",
        &got["query"].to_string(),
        "--sort",
        &got["sort"].to_string(),
    ]);
    let back: Json = serde_json::from_str(&back).unwrap();
    assert_eq!(
        back,
        serde_json::json!({
            "$filter": "userStatus ne 'UNVERIFIED' and not (lastLogin lt 2021-01-01T00:00:00Z) and endswith(username, '.x')",
            "$orderby": "createdAt desc, id asc"
        })
    );
}

#[test]
fn translate_refuses_what_mongo_cannot_say() {
    let o = roster(&["translate", "--to", "mongo", "--filter", "createdAt lt updatedAt"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("cannot be written as a Mongo query: a comparison of two fields"), "{}", stderr(&o));
    assert!(o.stdout.is_empty());
    // A checking error comes first, rendered against the text.
    let o = roster(&["translate", "--to", "mongo", "--filter", "userStatus eq 'verified'"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("did you mean `VERIFIED`"), "{}", stderr(&o));
}

/// A reader that stops early (`roster … | head -1`) ends the command quietly with status 0:
/// no panic, no error message.
#[test]
fn a_closed_pipe_ends_output_quietly() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let dir = tempfile::tempdir().unwrap();
    let data = generate(dir.path(), 20_000);
    for args in [
        vec!["generate", "--users", "200000"],
        vec!["query", "--data", data.to_str().unwrap(), "--format", "csv"],
        vec!["sql", "--filter", "userStatus eq 'VERIFIED'"],
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_roster"))
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
        assert!(!first.is_empty(), "{args:?}");
        // The reader is gone (stdout dropped with the BufReader).
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        assert!(out.stderr.is_empty(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
}
