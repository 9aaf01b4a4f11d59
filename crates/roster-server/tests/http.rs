//! End-to-end tests: the server on a loopback port, a real HTTP client, SQLite and a
//! throwaway PostgreSQL. Expected answers are computed here from the generated records,
//! independently of the server's SQL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Server, agent, start};
use roster_schema::{Record, Value};
use serde_json::Value as Json;

const USERS: u64 = 1500;

impl Server {
    fn get(&self, who: Option<&str>, query: &[(&str, &str)]) -> (u16, Json, Option<String>) {
        let mut req = agent().get(format!("http://{}/identity/v1/users", self.addr));
        for (k, v) in query {
            req = req.query(*k, *v);
        }
        if let Some(who) = who {
            req = req.header("Authorization", format!("Bearer {}", self.tokens[who]));
        }
        let mut resp = req.call().unwrap();
        let status = resp.status().as_u16();
        let retry = resp.headers().get("retry-after").map(|v| v.to_str().unwrap().to_owned());
        let body: Json = serde_json::from_str(&resp.body_mut().read_to_string().unwrap()).unwrap();
        (status, body, retry)
    }
}

/// The generated users, read directly from the generator.
fn users() -> Vec<Record> {
    roster_schema::profiles::by_name("identity").unwrap().generate(USERS, 1).collect()
}

fn id(r: &Record) -> String {
    match r.0[0] {
        Value::Uuid(u) => roster_ast::format_guid(u),
        _ => panic!(),
    }
}

fn status(r: &Record) -> &'static str {
    match r.0[2] {
        Value::Enum(i) => roster_schema::profiles::identity::STATUSES[usize::from(i)],
        _ => panic!(),
    }
}

fn ids(body: &Json) -> Vec<String> {
    body["items"].as_array().unwrap().iter().map(|u| u["id"].as_str().unwrap().to_owned()).collect()
}

fn happy_paths(s: &Server) {
    let all = users();
    // No filter: the default page of 300, ordered by id.
    let (code, body, _) = s.get(Some("admin"), &[]);
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["total"], USERS);
    assert_eq!(body["count"], 300);
    assert_eq!(body["offset"], 0);
    let mut sorted: Vec<String> = all.iter().map(id).collect();
    sorted.sort();
    assert_eq!(ids(&body), sorted[..300]);
    let keys: Vec<&str> = body["items"][0].as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["id", "username", "userStatus", "createdAt", "updatedAt", "lastLogin"]);

    // The seed's example filter, paged: offset counts pages.
    let t = roster_ast::Timestamp::parse("2020-09-21T14:19:09.769747").unwrap();
    let mut expected: Vec<String> = all
        .iter()
        .filter(|r| status(r) != "UNVERIFIED" && matches!(r.0[3], Value::Timestamp(c) if c > t))
        .map(id)
        .collect();
    expected.sort();
    let filter = "userStatus ne 'UNVERIFIED' and createdAt gt '2020-09-21T14:19:09.769747'";
    let (code, body, _) = s.get(Some("admin"), &[("filter", filter), ("limit", "10"), ("offset", "2")]);
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["total"], expected.len());
    assert_eq!(body["offset"], 2);
    assert_eq!(body["count"], 10);
    assert_eq!(ids(&body), expected[20..30]);

    // lastLogin ne T includes never-logged-in users.
    let never = all.iter().filter(|r| r.0[5] == Value::Null).count();
    let (_, body, _) = s.get(Some("admin"), &[("filter", "lastLogin ne '2021-01-01T00:00:00Z'"), ("limit", "1")]);
    assert!(body["total"].as_u64().unwrap() as usize >= never);
    let (_, body, _) = s.get(Some("admin"), &[("filter", "lastLogin eq null"), ("limit", "600")]);
    assert_eq!(body["total"], never);
}

fn error_paths(s: &Server) {
    let (code, body, _) = s.get(None, &[]);
    assert_eq!((code, body), (401, serde_json::json!({"detail": "Not authenticated"})));
    let mut bad = s.tokens["admin"].clone();
    bad.pop();
    let resp = agent()
        .get(format!("http://{}/identity/v1/users", s.addr))
        .header("Authorization", format!("Bearer {bad}"))
        .call()
        .unwrap();
    assert_eq!(resp.status().as_u16(), 401);
    let (code, _, _) = s.get(Some("guest"), &[]);
    assert_eq!(code, 403);
    for (k, v) in [("limit", "0"), ("limit", "601"), ("limit", "x"), ("offset", "-1"), ("fitler", "a")] {
        let (code, body, _) = s.get(Some("admin"), &[(k, v)]);
        assert_eq!(code, 422, "{k}={v}: {body}");
        assert_eq!(body["detail"][0]["loc"][1], k, "{body}");
    }
    let (code, body, _) = s.get(Some("admin"), &[("filter", "username eq")]);
    assert_eq!(code, 400);
    assert_eq!(body["detail"][0]["type"], "syntax");
    assert_eq!(body["detail"][0]["span"]["start"], 11);
    let (code, body, _) = s.get(Some("admin"), &[("filter", "userStatus eq 'verified'")]);
    assert_eq!(code, 422);
    assert_eq!(body["detail"][0]["help"], "did you mean `VERIFIED`?");
    let resp = agent().get(format!("http://{}/nowhere", s.addr)).call().unwrap();
    assert_eq!(resp.status().as_u16(), 404);
}

fn scope_and_hidden_fields(s: &Server) {
    let all = users();
    let visible = all.iter().filter(|r| !matches!(status(r), "DELETED" | "DELETE_IN_PROGRESS")).count();
    let (code, body, _) = s.get(Some("auditor"), &[("limit", "600")]);
    assert_eq!(code, 200);
    assert_eq!(body["total"], visible);
    assert!(body["items"][0].get("lastLogin").is_none(), "hidden field returned: {body}");
    // A filter cannot widen the scope, whatever it says.
    for filter in [
        "userStatus eq 'DELETED'",
        "userStatus eq 'DELETED' or userStatus ne 'DELETED'",
        "not (userStatus in ('VERIFIED'))",
        "true",
        "createdAt gt 2000-01-01T00:00:00Z or username eq 'x'",
    ] {
        let (code, body, _) = s.get(Some("auditor"), &[("filter", filter), ("limit", "600")]);
        assert_eq!(code, 200, "{filter}: {body}");
        for u in body["items"].as_array().unwrap() {
            let st = u["userStatus"].as_str().unwrap();
            assert!(st != "DELETED" && st != "DELETE_IN_PROGRESS", "{filter} leaked {u}");
        }
        assert!(body["total"].as_u64().unwrap() as usize <= visible);
    }
    // A hidden field is an error whatever the value: no oracle.
    let a = s.get(Some("auditor"), &[("filter", "lastLogin eq null")]);
    let b = s.get(Some("auditor"), &[("filter", "lastLogin gt 2021-01-01T00:00:00Z")]);
    assert_eq!((a.0, b.0), (422, 422));
    assert_eq!(a.1["detail"][0]["type"], b.1["detail"][0]["type"]);
}

#[test]
fn identity_endpoint_on_sqlite() {
    let s = start(None, USERS, 10_000);
    happy_paths(&s);
    error_paths(&s);
    scope_and_hidden_fields(&s);
    let resp = agent().get(format!("http://{}/openapi.json", s.addr)).call().unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let doc: Json = serde_json::from_str(&resp.into_body().read_to_string().unwrap()).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let params: Vec<&str> = doc["paths"]["/identity/v1/users"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(params, ["filter", "limit", "offset"]);
}

#[test]
fn identity_endpoint_on_postgres() {
    if std::env::var_os("ROSTER_SKIP_POSTGRES").is_some() {
        eprintln!("!!! ROSTER_SKIP_POSTGRES is set: the PostgreSQL server test did NOT run");
        return;
    }
    let pg = roster_testkit::TempPostgres::start().unwrap();
    let s = start(Some(pg.url()), USERS, 10_000);
    happy_paths(&s);
    scope_and_hidden_fields(&s);
}

#[test]
fn rate_limit_per_workspace_answers_429_with_retry_after() {
    let s = start(None, USERS, 5);
    for _ in 0..5 {
        assert_eq!(s.get(Some("admin"), &[("limit", "1")]).0, 200);
    }
    let (code, body, retry) = s.get(Some("auditor"), &[("limit", "1")]);
    assert_eq!(code, 429, "the auditor shares the admin's workspace: {body}");
    let secs: u64 = retry.expect("Retry-After").parse().unwrap();
    assert!((1..=60).contains(&secs));
    // Another workspace is not affected (its guest lacks the permission: 403, not 429).
    assert_eq!(s.get(Some("guest"), &[]).0, 403);
}

/// For random filters, no row outside the auditor's scope is ever returned, and the total
/// never exceeds the scope's size.
#[test]
fn random_filters_never_leave_the_scope() {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};
    let s = start(None, USERS, 1_000_000);
    let visible = users().iter().filter(|r| !matches!(status(r), "DELETED" | "DELETE_IN_PROGRESS")).count() as u64;
    let statuses = roster_schema::profiles::identity::STATUSES.to_vec();
    let atom = prop_oneof![
        (prop::sample::select(statuses.clone()), any::<bool>())
            .prop_map(|(st, eq)| format!("userStatus {} '{st}'", if eq { "eq" } else { "ne" })),
        prop::collection::vec(prop::sample::select(statuses), 1..4).prop_map(|v| format!(
            "userStatus in ({})",
            v.iter().map(|s| format!("'{s}'")).collect::<Vec<_>>().join(", ")
        )),
        (2015i32..2026, prop::sample::select(vec!["gt", "lt", "ge", "le", "eq", "ne"]))
            .prop_map(|(y, op)| format!("createdAt {op} {y}-06-01T00:00:00Z")),
        prop::sample::select(vec!["a", "user", "o'", "@"])
            .prop_map(|n| format!("contains(username, '{}')", n.replace('\'', "''"))),
        Just("true".to_owned()),
        Just("false".to_owned()),
    ];
    let filter = atom.prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}) or ({b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}) and ({b})")),
            inner.prop_map(|a| format!("not ({a})")),
        ]
    });
    let mut runner = TestRunner::new(Config { cases: 60, failure_persistence: None, ..Config::default() });
    runner
        .run(&filter, |f| {
            let (code, body, _) = s.get(Some("auditor"), &[("filter", f.as_str()), ("limit", "600")]);
            prop_assert_eq!(code, 200, "{}: {}", f, body);
            for u in body["items"].as_array().unwrap() {
                let st = u["userStatus"].as_str().unwrap();
                prop_assert!(st != "DELETED" && st != "DELETE_IN_PROGRESS", "{} leaked {}", f, u);
            }
            prop_assert!(body["total"].as_u64().unwrap() <= visible, "{}: total {}", f, body["total"]);
            Ok(())
        })
        .unwrap();
}
