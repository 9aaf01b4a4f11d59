//! End-to-end tests of `--dialect params`: the three REST profiles run from the command
//! line, in memory and through SQLite, printing what their endpoints return.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
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

/// Generates `users` users of `profile` and loads them into SQLite too: `(jsonl, sqlite url)`.
fn data(dir: &Path, profile: &str, users: u64) -> (PathBuf, String) {
    let path = dir.join(format!("{profile}.jsonl"));
    let p = path.to_str().unwrap();
    ok(&["generate", "--profile", profile, "--users", &users.to_string(), "--seed", "11", "-o", p]);
    let db = format!("sqlite:{}", dir.join(format!("{profile}.db")).display());
    ok(&["load", "--profile", profile, "--data", p, "--db", &db]);
    (path, db)
}

fn both(profile: &str, data: &(PathBuf, String), params: &str, body: Option<&str>, format: &str) -> String {
    let mut args = vec!["query", "--profile", profile, "--dialect", "params", "--params", params, "--format", format];
    if let Some(b) = body {
        args.extend(["--body", b]);
    }
    let mem = ok(&[args.as_slice(), &["--data", data.0.to_str().unwrap()]].concat());
    let lite = ok(&[args.as_slice(), &["--db", &data.1]].concat());
    assert_eq!(mem, lite, "memory and SQLite differ for {profile} `{params}`");
    mem
}

#[test]
fn directory_csv_in_a_zone_from_memory_and_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let d = data(dir.path(), "directory", 400);
    let csv = both(
        "directory",
        &d,
        "mfa=true&tags=vpn&sort=name:asc&_fields=userid,fullname,mfa,createdat,tags&timezone=Asia/Kolkata",
        None,
        "csv",
    );
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("userid,fullname,mfa,createdat,tags"));
    let rows: Vec<&str> = lines.collect();
    assert!(!rows.is_empty());
    let mut names = Vec::new();
    for row in &rows {
        let cells: Vec<&str> = row.splitn(5, ',').collect();
        assert_eq!(cells[2], "true", "{row}");
        assert!(cells[3].ends_with("+05:30"), "{row}");
        assert!(cells[4].contains("vpn"), "{row}");
        names.push(cells[1].to_owned());
    }
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "sorted by name");
}

#[test]
fn admin_csv_has_the_preamble_and_at_most_limit_rows() {
    let dir = tempfile::tempdir().unwrap();
    let d = data(dir.path(), "admin", 300);
    let body =
        r#"{"limit": 4, "offset": 2, "sortFilter": {"username": "DESC"}, "filter": {"role": "READER, SCANNER"}}"#;
    let out = ok(&[
        "query",
        "--profile",
        "admin",
        "--dialect",
        "params",
        "--params",
        "format=CSV&timezone=Asia%2FKolkata",
        "--body",
        body,
        "--format",
        "csv",
        "--data",
        d.0.to_str().unwrap(),
    ]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], r#""Note: User download is having limit of 1000 records. Try Using pagination API.""#);
    assert!(lines[1].starts_with(r#""User Data",""#) && lines[1].ends_with(r#"+05:30","4""#), "{}", lines[1]);
    assert_eq!(lines[2], r#""Acme","California","USA","205656""#);
    assert!(lines[4].starts_with(r#""USERNAME","First Name""#));
    assert_eq!(lines.len(), 5 + 4);
    for row in &lines[5..] {
        assert!(row.contains("READER") || row.contains("SCANNER"), "{row}");
    }
}

#[test]
fn accounts_envelope_pages_and_searches() {
    let dir = tempfile::tempdir().unwrap();
    let d = data(dir.path(), "accounts", 300);
    let all: Json = serde_json::from_str(&both("accounts", &d, "per=500", None, "json")).unwrap();
    let total = all["total_count"].as_u64().unwrap();
    assert_eq!(all["users"].as_array().unwrap().len() as u64, total);
    // Page 2 of 2 per page is users 3 and 4 of the full, ordered list.
    let page: Json =
        serde_json::from_str(&both("accounts", &d, "", Some(r#"{"per":"2","page":"2"}"#), "json")).unwrap();
    assert_eq!(page["page"], Json::from("2"));
    assert_eq!(page["users"][0], all["users"][2]);
    assert_eq!(page["users"][1], all["users"][3]);
    // `any` finds at least what each keyword finds alone; `all` at most.
    let count = |params: &str| -> u64 {
        let v: Json = serde_json::from_str(&both("accounts", &d, params, None, "json")).unwrap();
        v["total_count"].as_u64().unwrap()
    };
    let (a, b) = (count("search=night"), count("search=mumbai"));
    let any = count("search=night%20mumbai&scope=any");
    let every = count("search=night%20mumbai");
    assert!(a > 0 && b > 0);
    assert!(any >= a.max(b) && any <= a + b);
    assert!(every <= a.min(b));
    assert_eq!(any + every, a + b, "inclusion-exclusion");
}

#[test]
fn bad_parameters_exit_2_naming_the_parameter() {
    let dir = tempfile::tempdir().unwrap();
    let d = data(dir.path(), "directory", 10);
    for (params, needle) in [
        ("sort=colour:asc", "`sort`: expected a sort field"),
        ("mfa=yes", "`mfa`: expected `true` or `false`, found `yes`"),
        ("timezone=Mars/Olympus", "`timezone`: expected an IANA time zone name"),
    ] {
        let o = roster(&[
            "query",
            "--profile",
            "directory",
            "--dialect",
            "params",
            "--params",
            params,
            "--data",
            d.0.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(2), "{params}");
        let err = String::from_utf8(o.stderr).unwrap();
        assert!(err.contains(needle), "{params}: {err}");
    }
    let a = data(dir.path(), "accounts", 10);
    let o = roster(&[
        "query",
        "--profile",
        "accounts",
        "--dialect",
        "params",
        "--body",
        r#"{"per": 0}"#,
        "--error-format",
        "json",
        "--data",
        a.0.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err: Json = serde_json::from_str(String::from_utf8(o.stderr).unwrap().lines().next().unwrap()).unwrap();
    assert_eq!(err["code"], "invalid-parameter-value");
    assert!(err["message"].as_str().unwrap().contains("`per`: expected an integer from 1 to 500"));
}
