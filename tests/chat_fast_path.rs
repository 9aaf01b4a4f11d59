//! The document evaluator's fast path (`DocTable`: columns, bound key tests, top-k pages)
//! against its reference (`DocPlan::run`/`count`, the per-document walk): random Mongo
//! queries, sorts and pages — every form the chat generator makes, the engine-only regular
//! expressions and `$type`s included — must give the same count and the same page, in the
//! same order, on generated documents and on documents whose slots do not fit the schema or
//! with a map of too many keys (those fields fall back to the walk).
//! `ROSTER_CHAT_FAST_CASES` sets the number of cases (default 3000).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "chat_common.rs"]
mod common;

use common::{Pools, Request, SORT_KEYS, check, random_request};
use roster_eval::document::{DocPlan, DocTable};
use roster_schema::document::{Atom, Doc, DocSchema, Slot};
use roster_schema::rng::Rng;

/// Generated documents, some of them with slots of another shape than the schema says (a
/// scalar field holding an array, an array field holding a scalar, an object element with
/// too few members, a document with too few slots), one with 300 custom fields.
fn misshapen(schema: &DocSchema, mut docs: Vec<Doc>) -> Vec<Doc> {
    let field = |name| schema.field(name).unwrap().0;
    let (username, roles, emails) = (field("username"), field("roles"), field("emails"));
    for (i, d) in docs.iter_mut().enumerate() {
        if i % 50 == 3 {
            d.0[username] = Slot::Array(vec![Atom::Str("jack".into()), Atom::Str("zoe".into())]);
        }
        if i % 70 == 5 {
            d.0[roles] = Slot::Atom(Atom::Str("admin".into()));
        }
        if i % 60 == 7
            && let Slot::Objects(items) = &mut d.0[emails]
            && let Some(first) = items.first_mut()
        {
            first.truncate(1);
        }
        if i % 90 == 11 {
            d.0.truncate(6);
        }
    }
    // More distinct custom-field keys than the table keeps columns for: the map is walked.
    if let Some(d) = docs.get_mut(1) {
        let keys = (0..300).map(|k| (format!("k{k}"), Atom::Num(f64::from(k)))).collect();
        d.0[schema.field("customFields").unwrap().0] = Slot::Map(keys);
    }
    docs
}

fn compare(schema: &DocSchema, docs: &[Doc], table: &DocTable, r: &Request, what: &str) -> usize {
    let q = match check(schema, r) {
        Ok(q) => q,
        Err(msg) => {
            assert!(msg.starts_with("operator-not-applicable"), "{msg}: {r:?}");
            return 0;
        }
    };
    let plan = DocPlan::new(schema, &q).unwrap();
    let reference = plan.run(docs);
    assert_eq!(plan.run_in(table), reference, "{what}: page differs for {r:?}");
    assert_eq!(plan.count_in(table), plan.count(docs), "{what}: count differs for {r:?}");
    usize::from(!reference.is_empty())
}

#[test]
fn chat_fast_path_equals_the_reference_walk() {
    let cases: u64 = std::env::var("ROSTER_CHAT_FAST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(3000);
    common::ENGINE_PATTERNS.store(true, std::sync::atomic::Ordering::Relaxed);
    let schema = roster_schema::profiles::chat::schema();
    let docs: Vec<Doc> = roster_schema::profiles::chat::generate(2000, 7).collect();
    let odd = misshapen(&schema, docs.clone());
    let (table, odd_table) = (DocTable::new(&schema, docs.clone()), DocTable::new(&schema, odd.clone()));
    let pools = Pools::of(&schema, &docs);
    let mut keys = SORT_KEYS.to_vec();
    keys.extend(["_id", "type", "nameInsensitive", "customFields.team", "customFields.remote"]);
    let mut nonempty = 0;
    for i in 0..cases {
        let mut rng = Rng::new(0xFA57_0000 ^ i);
        let mut r = random_request(&mut rng, &pools, &keys);
        if rng.chance(30) {
            // Pages deep into the matches, and pages past them.
            r.limit = Some(rng.below(400));
            r.offset = rng.below(1500);
        }
        nonempty += compare(&schema, &docs, &table, &r, "generated documents");
        compare(&schema, &odd, &odd_table, &r, "misshapen documents");
    }
    assert!(nonempty as u64 > cases / 4, "too few cases select anything: {nonempty} of {cases}");
}

#[test]
fn chat_fast_path_pages_of_typical_queries() {
    let schema = roster_schema::profiles::chat::schema();
    let docs: Vec<Doc> = roster_schema::profiles::chat::generate(5000, 1).collect();
    let table = DocTable::new(&schema, docs.clone());
    let sort = Some(r#"{"createdAt": -1, "_id": 1}"#.to_owned());
    let filters = [
        r#"{"active": true, "roles": "admin", "emails.verified": true, "createdAt": {"$gt": {"$date": "2021-06-01T00:00:00Z"}}}"#,
        r#"{"username": {"$regex": "^jack"}}"#,
        r#"{"username": {"$regex": "^"}}"#,
        r#"{"username": {"$regex": "^zzzz"}}"#,
        r#"{"username": {"$regex": "^user-1", "$options": "i"}}"#,
        r#"{"roles": {"$in": ["moderator", "livechat-agent"]}, "status": {"$ne": "offline"}}"#,
        r#"{"emails": {"$elemMatch": {"verified": true, "address": {"$regex": "example"}}}}"#,
        r#"{"lastLogin": {"$exists": true}, "customFields.level": {"$gt": 3}}"#,
        r#"{"roles": {"$nin": ["admin", "bot"]}, "type": {"$ne": "bot"}}"#,
        r#"{"emails.address": {"$regex": "gmail"}, "name": {"$gte": "M"}}"#,
        r#"{"emails.verified": null}"#,
        r#"{"name": {"$regex": "son"}}"#,
        r#"{"name": {"$regex": "son$"}}"#,
        r#"{"emails.address": {"$regex": "acme\\.co$"}}"#,
        r#"{"nameInsensitive": {"$regex": "^$"}}"#,
        r#"{"name": {"$regex": "^Jack Smith$"}}"#,
        r#"{"emails.address": {"$regex": "example\\.org$"}, "customFields.level": {"$type": "int"}}"#,
        r#"{"customFields.clearance": {"$in": ["High", "high"]}, "customFields.level": {"$lte": 3}}"#,
        r#"{"$or": [{"roles": {"$size": 0}}, {"emails": {"$exists": false}}]}"#,
        r#"{"username": {"$lt": "b"}, "name": {"$nin": [null, "Jack Smith"]}}"#,
    ];
    let sorts = [sort, Some(r#"{"emails.address": 1}"#.into()), Some(r#"{"roles": -1}"#.into()), None];
    for filter in filters {
        for sort in &sorts {
            for (limit, offset) in [(Some(300), 0), (Some(25), 100), (None, 0), (Some(1), 4990)] {
                let r = Request { filter: filter.into(), sort: sort.clone(), fields: None, limit, offset };
                compare(&schema, &docs, &table, &r, "typical query");
            }
        }
    }
}
