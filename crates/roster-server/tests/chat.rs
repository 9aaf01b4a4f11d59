//! End-to-end tests of `GET /api/v1/users.list` (seed 004, profile `chat`) on a loopback
//! server over SQLite. Expected answers are computed here from the generated documents by
//! plain scans, independently of Roster's query engines.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{agent, start};
use roster_schema::document::{Atom, Doc, Slot};
use serde_json::Value as Json;

const USERS: u64 = 600;

fn docs() -> Vec<Doc> {
    roster_schema::profiles::chat::generate(USERS, 1).collect()
}

fn slot<'d>(d: &'d Doc, name: &str) -> &'d Slot {
    let schema = roster_schema::profiles::chat::schema();
    let (i, _) = schema.field(name).unwrap();
    &d.0[i]
}

fn text<'d>(d: &'d Doc, name: &str) -> Option<&'d str> {
    match slot(d, name) {
        Slot::Atom(Atom::Str(s)) => Some(s),
        _ => None,
    }
}

struct Call<'a> {
    base: String,
    token: &'a str,
}

impl Call<'_> {
    fn get(&self, params: &[(&str, &str)]) -> (u16, Json) {
        let mut req = agent()
            .get(format!("{}/api/v1/users.list", self.base))
            .header("X-Auth-Token", self.token)
            .header("X-User-Id", "aobEdbYhXfu5hkeqG");
        for (k, v) in params {
            req = req.query(*k, *v);
        }
        let resp = req.call().unwrap();
        let status = resp.status().as_u16();
        let body = resp.into_body().read_to_string().unwrap();
        (status, serde_json::from_str(&body).unwrap_or_else(|e| panic!("{body}: {e}")))
    }
}

#[test]
fn users_list_answers_mongo_queries_as_the_seed_shows() {
    let s = start(None, USERS, 10_000);
    let base = format!("http://{}", s.addr);
    let admin = Call { base: base.clone(), token: &s.tokens["admin"] };
    let all = docs();

    // The seed's custom-field example: query and fields.
    let (code, body) =
        admin.get(&[("query", r#"{"customFields.clearance" : "High"}"#), ("fields", r#"{"customFields" : 1}"#)]);
    assert_eq!(code, 200, "{body}");
    let high: Vec<&str> = all
        .iter()
        .filter(|d| matches!(slot(d, "customFields"), Slot::Map(m) if m.iter().any(|(k, v)| k == "clearance" && *v == Atom::Str("High".into()))))
        .map(|d| text(d, "_id").unwrap())
        .collect();
    assert!(!high.is_empty(), "the generator gives some users clearance High");
    assert_eq!(body["total"], high.len());
    assert_eq!(body["success"], true);
    assert_eq!(body["offset"], 0);
    let users = body["users"].as_array().unwrap();
    assert_eq!(users.len(), high.len().min(50), "default count 50");
    assert_eq!(body["count"], users.len());
    for u in users {
        let keys: Vec<&str> = u.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, ["_id", "customFields"], "{u}");
        assert_eq!(u["customFields"]["clearance"], "High");
        assert!(high.contains(&u["_id"].as_str().unwrap()));
    }

    // The seed's regex example, sorted and paged: names containing "g", by username.
    let (code, body) = admin.get(&[
        ("query", r#"{ "name": { "$regex": "g" } }"#),
        ("sort", r#"{"username": 1}"#),
        ("fields", r#"{"username": 1, "name": 1, "_id": 0}"#),
        ("count", "5"),
        ("offset", "2"),
    ]);
    assert_eq!(code, 200, "{body}");
    let mut with_g: Vec<(&str, &str)> = all
        .iter()
        .filter(|d| text(d, "name").is_some_and(|n| n.contains('g')))
        .map(|d| (text(d, "username").unwrap(), text(d, "_id").unwrap()))
        .collect();
    with_g.sort();
    assert_eq!(body["total"], with_g.len());
    let got: Vec<&str> = body["users"].as_array().unwrap().iter().map(|u| u["username"].as_str().unwrap()).collect();
    let want: Vec<&str> = with_g.iter().skip(2).take(5).map(|(u, _)| *u).collect();
    assert_eq!(got, want);
    assert!(body["users"][0].get("_id").is_none(), "_id excluded");
    assert_eq!(body["offset"], 2);

    // Descending sort on an array (MongoDB: by each document's largest element), then _id.
    let (code, body) =
        admin.get(&[("sort", r#"{"roles": -1, "_id": 1}"#), ("fields", r#"{"roles": 1}"#), ("count", "20")]);
    assert_eq!(code, 200, "{body}");
    let mut by_max: Vec<(String, &str)> = all
        .iter()
        .map(|d| {
            let max = match slot(d, "roles") {
                Slot::Array(items) => items
                    .iter()
                    .filter_map(|a| if let Atom::Str(s) = a { Some(s.clone()) } else { None })
                    .max()
                    .unwrap_or_default(),
                _ => String::new(),
            };
            (max, text(d, "_id").unwrap())
        })
        .collect();
    by_max.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
    let got: Vec<&str> = body["users"].as_array().unwrap().iter().map(|u| u["_id"].as_str().unwrap()).collect();
    let want: Vec<&str> = by_max.iter().take(20).map(|(_, id)| *id).collect();
    assert_eq!(got, want);
}

#[test]
fn users_list_errors_auth_and_scope() {
    let s = start(None, USERS, 10_000);
    let base = format!("http://{}", s.addr);
    let admin = Call { base: base.clone(), token: &s.tokens["admin"] };

    // 401 exactly as the seed shows, for a missing user id, a missing or a wrong token.
    let logged_out = serde_json::json!({"status": "error", "message": "You must be logged in to do this."});
    for req in [
        agent().get(format!("{base}/api/v1/users.list")).header("X-Auth-Token", &s.tokens["admin"]),
        agent().get(format!("{base}/api/v1/users.list")).header("X-User-Id", "u1"),
        agent().get(format!("{base}/api/v1/users.list")).header("X-Auth-Token", "nope").header("X-User-Id", "u1"),
    ] {
        let resp = req.call().unwrap();
        assert_eq!(resp.status().as_u16(), 401);
        let body: Json = serde_json::from_str(&resp.into_body().read_to_string().unwrap()).unwrap();
        assert_eq!(body, logged_out);
    }
    let guest = Call { base: base.clone(), token: &s.tokens["guest"] };
    let (code, body) = guest.get(&[]);
    assert_eq!((code, &body["success"]), (403, &Json::Bool(false)), "{body}");

    // Invalid parameters: 400 with the parameter, the code and where in the JSON.
    let (code, body) = admin.get(&[("query", r#"{"name": {"$regx": "g"}}"#)]);
    assert_eq!(code, 400, "{body}");
    assert_eq!(body["success"], false);
    assert_eq!(body["param"], "query");
    assert_eq!(body["pointer"], "/name/$regx");
    assert_eq!(body["span"]["start"], 10);
    assert!(body["error"].as_str().unwrap().contains("$regx"), "{body}");
    let (code, body) = admin.get(&[("query", r#"{"active": {"$gt": false}}"#)]);
    assert_eq!((code, &body["param"]), (400, &Json::from("query")), "{body}");
    let (code, body) = admin.get(&[("query", r#"{"name": {"$regex": "(?<=a)b"}}"#)]);
    assert_eq!(code, 400, "look-behind is rejected: {body}");
    let (code, body) = admin.get(&[("count", "0")]);
    assert_eq!((code, &body["param"]), (400, &Json::from("count")), "{body}");
    let (code, body) = admin.get(&[("count", "1001")]);
    assert_eq!(code, 400, "{body}");
    let (code, body) = admin.get(&[("qurey", "{}")]);
    assert_eq!((code, &body["errorType"]), (400, &Json::from("unknown-parameter")), "{body}");
    let (code, body) = admin.get(&[("count", "5"), ("count", "6")]);
    assert_eq!((code, &body["errorType"]), (400, &Json::from("repeated-parameter")), "{body}");
    let (code, body) = admin.get(&[("fields", r#"{"username": 1, "emails": 0}"#)]);
    assert_eq!((code, &body["param"]), (400, &Json::from("fields")), "mixed projection: {body}");

    // The demo auditor sees active users only, never their custom fields.
    let auditor = Call { base, token: &s.tokens["auditor"] };
    let (code, body) = auditor.get(&[("count", "1000")]);
    assert_eq!(code, 200, "{body}");
    let active: Vec<Doc> = docs().into_iter().filter(|d| *slot(d, "active") == Slot::Atom(Atom::Bool(true))).collect();
    assert!(active.len() < USERS as usize, "some generated users are inactive");
    assert_eq!(body["total"], active.len());
    for u in body["users"].as_array().unwrap() {
        assert_eq!(u["active"], true);
        assert!(u.get("customFields").is_none(), "{u}");
    }
    // A filter cannot widen the scope.
    let (code, body) = auditor.get(&[("query", r#"{"$or": [{"active": false}, {"active": true}]}"#)]);
    assert_eq!((code, &body["total"]), (200, &Json::from(active.len())), "{body}");
    let (code, body) = auditor.get(&[("query", r#"{"customFields.clearance": "High"}"#)]);
    assert_eq!((code, &body["errorType"]), (400, &Json::from("hidden-field")), "{body}");
}
