//! Any query string and any body give a request or an error, never a panic; error spans lie
//! within the query string; and every request the parameters produce passes the checker of
//! its profile (the front end only emits what the schema accepts).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proptest::prelude::*;
use roster_params::{Caller, Origin, PROFILES, parse};

/// Fragments of real parameters, so that random strings reach deep into each endpoint.
fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "name",
            "loginName",
            "mail",
            "accountStatus",
            "mfa",
            "emailVerified",
            "orgId",
            "groupName",
            "sort",
            "lastLoggedIn",
            "lastLoggedInFromDate",
            "lastLoggedInToDate",
            "passwordExpiryFromDate",
            "tags",
            "siteId",
            "_fields",
            "timezone",
            "format",
            "limit",
            "offset",
            "sortFilter",
            "filter",
            "page",
            "per",
            "order_by",
            "order",
            "search",
            "scope",
            "timestamp_format",
            "pretty",
            "field_list",
            "is_oem",
            "child_organisation_key",
            "=",
            "&",
            "%",
            "%2",
            "%C3%A9",
            "%FF",
            "+",
            ":",
            ",",
            "[",
            "]",
            "\"",
            "{",
            "}",
            "true",
            "false",
            "Never",
            "Enabled*",
            "name:asc",
            "asc",
            "DESC",
            "UTC",
            "Asia/Kolkata",
            "2021-05-06T10:50:35+0000",
            "0",
            "1",
            "1001",
            "-1",
            "99999999999999999999",
            "\u{0}",
            "\u{1F}",
            "é",
        ])
        .prop_map(str::to_owned),
        "[ -~]{0,6}",
    ]
}

fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(fragment(), 0..12).prop_map(|v| v.concat())
}

fn body() -> impl Strategy<Value = Option<String>> {
    let value = prop_oneof![
        Just("1".to_owned()),
        Just("\"2\"".to_owned()),
        Just("true".to_owned()),
        Just("null".to_owned()),
        Just("[\"a\",1]".to_owned()),
        Just("{\"username\":\"ASC\"}".to_owned()),
        Just("{\"role\":[\"READER\"]}".to_owned()),
        Just("{\"x\":{}}".to_owned()),
        "[ -~]{0,5}".prop_map(|s| serde_json::Value::String(s).to_string()),
    ];
    let member = (fragment(), value).prop_map(|(k, v)| format!("{}:{v}", serde_json::Value::String(k)));
    prop::option::of(prop_oneof![
        prop::collection::vec(member, 0..5).prop_map(|m| format!("{{{}}}", m.join(","))),
        text(),
    ])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn never_panics_and_requests_always_check(
        profile in prop::sample::select(PROFILES.to_vec()),
        query in text(),
        body in body(),
    ) {
        match parse(profile, &query, body.as_deref(), &Caller::default()) {
            Ok(req) => {
                let schema = roster_schema::profiles::by_name(profile).unwrap().schema;
                let checked = roster_check::check(&req.query, &schema);
                prop_assert!(checked.is_ok(), "{} `{}` {:?}: {:?}", profile, query, body, checked.err());
            }
            Err(e) => {
                if let Origin::Query(span) = e.origin {
                    prop_assert!(span.start <= span.end && span.end as usize <= query.len(), "{}", e);
                }
                prop_assert!(!e.to_string().is_empty());
            }
        }
    }
}
