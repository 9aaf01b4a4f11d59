use roster_ast::{Diagnostic, Expr, Projection};

use super::*;

fn q(text: &str) -> String {
    parse_query(text).unwrap().map(|e| e.to_string()).unwrap_or_default()
}

fn err(text: &str) -> MongoError {
    parse_query(text).unwrap_err()
}

fn spans_nest(e: &Expr) {
    for c in e.children() {
        assert!(e.span.contains(c.span), "{:?} not within {:?} in {e}", c.span, e.span);
        spans_nest(c);
    }
}

#[test]
fn the_seed_examples() {
    assert_eq!(q(r#"{ "name": { "$regex": "g" } }"#), "matchesPattern(name, 'g')");
    assert_eq!(q(r#"{"customFields.clearance" : "High"}"#), "customFields/clearance eq 'High'");
    assert_eq!(parse_query("{}").unwrap(), None);
}

#[test]
fn comparison_operators_and_implicit_equality() {
    assert_eq!(
        q(r#"{"a": 1, "b": {"$ne": null}, "c": {"$gt": 1.5, "$lte": 9}, "d": {"$gte": -3, "$lt": "x"}}"#),
        "a eq 1 and b ne null and (c gt 1.5 and c le 9) and (d ge -3 and d lt 'x')"
    );
    assert_eq!(q(r#"{"a": {"$eq": true}}"#), "a eq true");
    assert_eq!(
        q(r#"{"lastLogin": {"$gt": {"$date": "2023-05-16T20:50:33.579Z"}}}"#),
        "lastLogin gt 2023-05-16T20:50:33.579000Z"
    );
    assert_eq!(q(r#"{"lastLogin": {"$date": "2023-05-16T00:00:00Z"}}"#), "lastLogin eq 2023-05-16T00:00:00Z");
}

#[test]
fn membership_existence_size_all() {
    assert_eq!(q(r#"{"roles": {"$in": ["bot", null]}}"#), "roles in ('bot', null)");
    assert_eq!(q(r#"{"roles": {"$nin": []}}"#), "not (roles in ())");
    assert_eq!(q(r#"{"name": {"$exists": false}}"#), "name eq null");
    assert_eq!(q(r#"{"roles": {"$size": 2}}"#), "length(roles) eq 2");
    assert_eq!(q(r#"{"roles": {"$all": ["bot", "user"]}}"#), "roles eq 'bot' and roles eq 'user'");
    assert_eq!(q(r#"{"roles": {"$all": []}}"#), "false");
}

#[test]
fn logical_operators() {
    assert_eq!(q(r#"{"$or": [{"a": 1}, {"b": 2, "c": 3}]}"#), "a eq 1 or b eq 2 and c eq 3");
    assert_eq!(q(r#"{"$and": [{"a": 1}]}"#), "a eq 1");
    assert_eq!(q(r#"{"$nor": [{"a": 1}, {"b": 2}]}"#), "not (a eq 1 or b eq 2)");
    assert_eq!(q(r#"{"a": {"$not": {"$gt": 5}}}"#), "not (a gt 5)");
    assert_eq!(q(r#"{"a": 1, "$comment": "why"}"#), "a eq 1");
    assert_eq!(err(r#"{"$or": []}"#).code(), "invalid-value");
    assert_eq!(err(r#"{"$and": {}}"#).code(), "invalid-value");
    assert_eq!(err(r#"{"$or": [1]}"#).code(), "not-a-document");
    assert_eq!(err(r#"{"a": {"$not": 5}}"#).code(), "invalid-value");
}

#[test]
fn regex_and_options() {
    assert_eq!(q(r#"{"name": {"$regex": "^a.b$", "$options": "si"}}"#), "matchesPattern(name, '(?is)^a.b$')");
    assert_eq!(q(r#"{"name": {"$options": "i", "$regex": "x"}}"#), "matchesPattern(name, '(?i)x')");
    let e = err(r#"{"name": {"$regex": "x", "$options": "q"}}"#);
    assert_eq!(e.pointer, "/name/$options");
    assert_eq!(err(r#"{"name": {"$options": "i"}}"#).code(), "invalid-value");
    assert_eq!(err(r#"{"name": {"$regex": 5}}"#).code(), "invalid-value");
}

#[test]
fn elem_match_binds_one_element() {
    assert_eq!(
        q(r#"{"emails": {"$elemMatch": {"address": "a@b.c", "verified": true}}}"#),
        "emails/any(elem: elem/address eq 'a@b.c' and elem/verified eq true)"
    );
    assert_eq!(
        q(r#"{"roles": {"$elemMatch": {"$gt": "a", "$lt": "c"}}}"#),
        "roles/any(elem: elem gt 'a' and elem lt 'c')"
    );
    assert_eq!(err(r#"{"roles": {"$elemMatch": {}}}"#).code(), "invalid-value");
}

#[test]
fn errors_name_the_operator_and_the_place() {
    let e = err(r#"{"name": {"$regx": "g"}}"#);
    assert_eq!(e.code(), "unknown-operator");
    assert_eq!(e.span, Span::new(10, 17));
    let e = err(r#"{"a": {"$where": "1"}}"#);
    assert_eq!(e.code(), "unsupported-operator");
    let e = err(r#"{"$not": {"a": 1}}"#);
    assert_eq!(e.code(), "unknown-operator");
    let e = err(r#"{"a": {"$gt": 1, "b": 2}}"#);
    assert_eq!(e.code(), "mixed-operator-document");
    let e = err(r#"{"a": {"b": 1}}"#);
    assert_eq!(e.code(), "invalid-value");
    let e = err(r#"{"a": [1, [2]]}"#);
    assert_eq!(e.code(), "invalid-value");
    let e = err(r#"[1]"#);
    assert_eq!(e.code(), "not-a-document");
    let e = err(r#"{"a..b": 1}"#);
    assert_eq!(e.code(), "invalid-value");
    let e = err(r#"{"a": {"$in": [1, {"x": 1}]}}"#);
    assert_eq!(e.pointer, "/a/$in/1");
    let e = err(r#"{"a": 1,}"#);
    assert_eq!(e.code(), "syntax");
    assert_eq!(e.to_string(), "expected a key in double quotes, found `}`");
    let e = parse_query_with("{}", &Options { max_len: 1, ..Options::default() }).unwrap_err();
    assert_eq!(e.code(), "input-too-long");
}

#[test]
fn spans_cover_children_and_point_into_the_text() {
    let text = r#"{"$or": [{"emails.address": {"$in": ["x", "y"]}}, {"roles": {"$elemMatch": {"$eq": "bot"}}}], "a": {"$not": {"$regex": "q"}}}"#;
    let e = parse_query(text).unwrap().unwrap();
    spans_nest(&e);
    assert_eq!(e.span, Span::new(0, text.len() as u32));
    let ExprKind::And { operands } = &e.kind else { panic!() };
    let ExprKind::Or { operands: ors } = &operands[0].kind else { panic!() };
    let ExprKind::In { lhs, .. } = &ors[0].kind else { panic!() };
    assert_eq!(&text[lhs.span.range()], "emails.address");
}

#[test]
fn fields_projection_rules() {
    let p = |t: &str| parse_fields(t).unwrap().map(|p| p.to_string());
    assert_eq!(p(r#"{"username": 1}"#).as_deref(), Some("_id,username"));
    assert_eq!(p(r#"{"username": 1, "_id": 0}"#).as_deref(), Some("username"));
    assert_eq!(p(r#"{"customFields": 0}"#).as_deref(), Some("-customFields"));
    assert_eq!(p(r#"{"_id": 0}"#).as_deref(), Some("-_id"));
    assert_eq!(p(r#"{"_id": 1}"#).as_deref(), Some("_id"));
    assert_eq!(p(r#"{"emails.address": true}"#).as_deref(), Some("_id,emails/address"));
    assert_eq!(p("{}"), None);
    let e = parse_fields(r#"{"a": 1, "b": 0}"#).unwrap_err();
    assert_eq!(e.code(), "mixed-projection");
    let e = parse_fields(r#"{"emails": 1, "emails.address": 1}"#).unwrap_err();
    assert_eq!(e.code(), "path-collision");
    let e = parse_fields(r#"{"a": "yes"}"#).unwrap_err();
    assert_eq!(e.pointer, "/a");
    let no_id = Options { id_field: None, ..Options::default() };
    assert_eq!(
        parse_fields_with(r#"{"username": 1}"#, &no_id).unwrap(),
        Some(Projection::Include(vec![Path::single("username", Span::new(2, 10))]))
    );
}

#[test]
fn sort_keeps_key_order() {
    let keys = parse_sort(r#"{"value": -1, "_id": 1, "emails.address": 1}"#).unwrap();
    let shown: Vec<String> = keys.iter().map(ToString::to_string).collect();
    assert_eq!(shown, ["value desc", "_id asc", "emails/address asc"]);
    assert!(parse_sort("{}").unwrap().is_empty());
    assert_eq!(parse_sort(r#"{"a": 2}"#).unwrap_err().code(), "invalid-value");
    assert_eq!(parse_sort(r#"{"a": 1, "a": -1}"#).unwrap_err().code(), "duplicate-key");
}

proptest::proptest! {
    #[test]
    fn never_panics_on_arbitrary_text(s in "\\PC{0,80}") {
        let _ = parse_query(&s);
        let _ = parse_fields(&s);
        let _ = parse_sort(&s);
    }

    #[test]
    fn never_panics_on_jsonish_text(s in r#"[{}\[\]":,$a-z0-9 .\-]{0,60}"#) {
        if let Ok(Some(e)) = parse_query(&s) {
            spans_nest(&e);
        }
        let _ = parse_fields(&s);
        let _ = parse_sort(&s);
    }
}

#[test]
fn type_names_codes_and_arrays() {
    assert_eq!(q(r#"{"a": {"$type": "string"}}"#), "isof(a, 'string')");
    assert_eq!(q(r#"{"a": {"$type": 16}}"#), "isof(a, 'int')");
    assert_eq!(q(r#"{"a": {"$type": ["bool", 9]}}"#), "isof(a, 'bool') or isof(a, 'date')");
    assert_eq!(q(r#"{"a": {"$not": {"$type": "number"}}}"#), "not isof(a, 'number')");
    let e = err(r#"{"a": {"$type": ["int", "strng"]}}"#);
    assert_eq!(e.code(), "unknown-type");
    assert_eq!(e.pointer, "/a/$type/1");
    assert_eq!(e.to_string(), "unknown `$type` `strng`");
    assert_eq!(e.help().as_deref(), Some("did you mean `\"string\"`? (at JSON pointer `/a/$type/1`)"));
    assert_eq!(err(r#"{"a": {"$type": 99}}"#).code(), "unknown-type");
    assert_eq!(err(r#"{"a": {"$type": []}}"#).code(), "invalid-value");
    assert_eq!(err(r#"{"a": {"$type": true}}"#).code(), "invalid-value");
}

#[test]
fn whole_array_equality() {
    assert_eq!(q(r#"{"roles": ["admin", "user"]}"#), r#"roles eq ['admin', 'user']"#);
    assert_eq!(q(r#"{"roles": {"$ne": []}}"#), "roles ne []");
    assert_eq!(q(r#"{"roles": {"$in": [["a"], "b"]}}"#), "roles in (['a'], 'b')");
    let e = err(r#"{"roles": [["a"]]}"#);
    assert_eq!((e.code(), e.pointer.as_str()), ("invalid-value", "/roles/0"));
    assert_eq!(err(r#"{"emails": [{"address": "x"}]}"#).code(), "invalid-value");
    assert_eq!(err(r#"{"roles": {"$gt": ["a"]}}"#).code(), "invalid-value");
    assert_eq!(err(r#"{"roles": {"$all": [["a"]]}}"#).code(), "invalid-value");
}
