//! End-to-end tests of the REST-parameter endpoints (seeds 000, 002, 003) on a loopback
//! server over SQLite. Expected counts come from the generated records, read here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{agent, start};
use roster_schema::Value;
use serde_json::Value as Json;

const USERS: u64 = 800;

fn read(resp: ureq::http::Response<ureq::Body>) -> (u16, String) {
    let status = resp.status().as_u16();
    (status, resp.into_body().read_to_string().unwrap())
}

/// How many generated users of `profile` satisfy `f`.
fn count(profile: &str, f: impl Fn(&roster_schema::Schema, &roster_schema::Record) -> bool) -> usize {
    let p = roster_schema::profiles::by_name(profile).unwrap();
    p.generate(USERS, 1).filter(|r| f(&p.schema, r)).count()
}

fn field<'r>(schema: &roster_schema::Schema, r: &'r roster_schema::Record, name: &str) -> &'r Value {
    r.get(schema.field(name).unwrap().0)
}

#[test]
fn directory_admin_and_accounts_endpoints() {
    let s = start(None, USERS, 10_000);
    let (admin, guest) = (s.tokens["admin"].clone(), s.tokens["guest"].clone());
    let base = format!("http://{}", s.addr);

    // directory: CSV of every matching user; booleans are strict.
    let (code, body) = read(
        agent()
            .get(format!("{base}/api/v2/users/download"))
            .query("mfa", "true")
            .query("timezone", "Asia/Kolkata")
            .header("Authorization", format!("Bearer {}", admin))
            .call()
            .unwrap(),
    );
    assert_eq!(code, 200, "{body}");
    let expected = count("directory", |sc, r| field(sc, r, "mfa") == &Value::Bool(true));
    assert!(expected > 0);
    assert_eq!(body.lines().count(), expected + 1, "header + one line per user");
    assert!(body.contains("+05:30"), "timestamps in the requested zone");
    let (code, body) = read(
        agent()
            .get(format!("{base}/api/v2/users/download?mfa=yes"))
            .header("Authorization", format!("Bearer {}", admin))
            .call()
            .unwrap(),
    );
    assert_eq!(code, 400);
    let err: Json = serde_json::from_str(&body).unwrap();
    assert_eq!(err["error_status"], true);
    assert_eq!(err["param"], "mfa");
    let (code, body) = read(agent().get(format!("{base}/api/v2/users/download")).call().unwrap());
    assert_eq!(code, 401);
    assert_eq!(serde_json::from_str::<Json>(&body).unwrap()["error_code"], 401);
    let (code, _) = read(
        agent()
            .get(format!("{base}/api/v2/users/download"))
            .header("Authorization", format!("Bearer {}", guest))
            .call()
            .unwrap(),
    );
    assert_eq!(code, 403);

    // admin: the preamble, then at most `limit` rows.
    let (code, body) = read(
        agent()
            .post(format!("{base}/adminui/user-management/v1/users/download?format=CSV&timezone=Asia%2FKolkata"))
            .header("Authorization", format!("Bearer {}", admin))
            .header("Content-Type", "application/json")
            .send(r#"{"limit": 5, "offset": 0, "sortFilter": {"username": "ASC"}, "filter": {"role": "READER"}}"#)
            .unwrap(),
    );
    assert_eq!(code, 200, "{body}");
    let lines: Vec<&str> = body.lines().collect();
    assert_eq!(lines[0], "\"Note: User download is having limit of 1000 records. Try Using pagination API.\"");
    assert!(lines[1].starts_with("\"User Data\",\"") && lines[1].contains("+05:30"), "{}", lines[1]);
    assert!(lines.len() <= 5 + 5, "{body}");

    // accounts: X-Auth-Token, parameters in a JSON body, the envelope.
    let (code, body) = read(
        agent()
            .get(format!("{base}/api/v3/users"))
            .header("X-Auth-Token", &admin)
            .force_send_body()
            .send(r#"{"per":"2", "page":"2"}"#)
            .unwrap(),
    );
    assert_eq!(code, 200, "{body}");
    let v: Json = serde_json::from_str(&body).unwrap();
    assert_eq!(v["page"], "2");
    assert_eq!(v["users"].as_array().unwrap().len(), 2);
    assert!(v["total_count"].as_u64().unwrap() > 2);
    let (code, _) = read(agent().get(format!("{base}/api/v3/users")).call().unwrap());
    assert_eq!(code, 401);
    let (code, body) =
        read(agent().get(format!("{base}/api/v3/users?per=0")).header("X-Auth-Token", &admin).call().unwrap());
    assert_eq!(code, 400, "{body}");

    // The OpenAPI document lists every served endpoint.
    let (_, doc) = read(agent().get(format!("{base}/openapi.json")).call().unwrap());
    let doc: Json = serde_json::from_str(&doc).unwrap();
    for path in
        ["/identity/v1/users", "/api/v2/users/download", "/adminui/user-management/v1/users/download", "/api/v3/users"]
    {
        assert!(doc["paths"].get(path).is_some(), "{path} missing from /openapi.json");
    }
}
