//! A differential test against a real peer: mingo (the npm package, pinned by
//! `tests/mingo/package-lock.json`, run by node) over the same chat documents and Mongo
//! queries as Roster, comparing ids in order.
//!
//! 1. The data-driven cases of `tests/cases/chat/cases.txt` (expected ids from MongoDB's
//!    documented rules): Roster must give the expected ids (`chat_cases` checks that on
//!    every engine), and mingo must too, except for the documented divergences in
//!    [`KNOWN_DIVERGENCES`], where mingo departs from MongoDB and this test asserts that it
//!    still does (so a fixed mingo shows up here).
//! 2. Random queries over generated users (the `chat_differential` generator, sorted by
//!    scalar fields plus `_id`, every email with a `verified`): Roster in memory and mingo
//!    must agree.
//!
//! The test installs mingo with `npm ci` when `tests/mingo/node_modules` is missing. Without
//! node or npm it is skipped, loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "chat_common.rs"]
mod common;

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use common::{Engines, Pools, Request, check, fixture_cases, fixture_docs, random_request};
use roster_schema::document::{Atom, Doc, Slot, encode_doc};
use roster_schema::rng::Rng;
use serde_json::{Value as Json, json};

/// Cases where mingo (7.2.7) departs from MongoDB's documented behaviour; Roster follows
/// MongoDB there (`chat_cases` asserts it on every engine). Each: the case name and what
/// mingo does. Five kinds: `{"a.b": null}` through an array whose element lacks `b`;
/// `$lte`/`$gte` with null; sorting by an array (MongoDB: smallest element ascending,
/// largest descending, an element lacking the member counting as null); `$type` on an
/// array or a member path through one (MongoDB tests the elements, mingo only the array);
/// `$in`/`$nin` with an array member (MongoDB: the whole array may equal it).
const KNOWN_DIVERGENCES: &[(&str, &str)] = &[
    (
        "null-through-element-lacking-member",
        "mingo's `{\"a.b\": null}` does not match an array with an element lacking `b` (`[{b: 1}, {}]`); MongoDB's does",
    ),
    (
        "sort-member-lacking-ascending",
        "mingo does not sort by an array's smallest member (null for an element lacking it) ascending",
    ),
    ("sort-member-lacking-descending", "mingo does not sort by an array's largest member descending"),
    (
        "lte-null-is-eq-null",
        "mingo's `$lte: null` / `$gte: null` match only explicit nulls; MongoDB's match missing fields too, like `$eq: null`",
    ),
    ("sort-array-descending-by-max", "mingo does not sort arrays descending by their largest element, as MongoDB does"),
    (
        "type-array-elements",
        "mingo's `$type` tests an array field as a whole (only `\"array\"` matches); MongoDB's also matches when some element has the type",
    ),
    ("type-object-elements", "mingo's `$type: \"object\"` does not look at the elements of an array of objects"),
    (
        "type-member-through-array",
        "mingo's `$type` on `a.b` through an array tests the array of members, not each member",
    ),
    (
        "array-in-with-array-members",
        "mingo's `$in` compares an array member with the field's elements only, never with the whole array",
    ),
    ("array-nin-with-array-members", "mingo's `$nin` is the negation of its `$in`, so the same divergence"),
];

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("mingo")
}

/// Whether node and npm run, installing mingo first if needed.
fn ready() -> bool {
    let runs = |cmd: &str| Command::new(cmd).arg("--version").output().is_ok_and(|o| o.status.success());
    if !runs("node") || !runs("npm") {
        eprintln!("!!! node or npm is not available: the mingo differential test is SKIPPED");
        return false;
    }
    if !dir().join("node_modules/mingo/package.json").exists() {
        let status = Command::new("npm")
            .args(["ci", "--ignore-scripts", "--no-audit", "--no-fund"])
            .current_dir(dir())
            .status()
            .expect("npm ci");
        assert!(status.success(), "`npm ci` in tests/mingo failed");
    }
    true
}

/// Runs requests through mingo: the ids of each, or its error.
fn mingo(
    schema: &roster_schema::document::DocSchema,
    docs: &[Doc],
    requests: &[Request],
) -> Vec<Result<Vec<String>, String>> {
    let docs: Vec<Json> = docs.iter().map(|d| Json::Object(encode_doc(schema, d, None))).collect();
    let cases: Vec<Json> = requests
        .iter()
        .map(|r| {
            let mut sort: serde_json::Map<String, Json> =
                r.sort.as_deref().map(|s| serde_json::from_str(s).unwrap()).unwrap_or_default();
            sort.entry("_id").or_insert(json!(1));
            json!({
                "filter": serde_json::from_str::<Json>(if r.filter.trim().is_empty() { "{}" } else { &r.filter }).unwrap(),
                "sort": sort,
                "limit": r.limit,
                "offset": r.offset,
            })
        })
        .collect();
    let input = json!({"docs": docs, "cases": cases}).to_string();
    let mut child = Command::new("node")
        .arg(dir().join("run.js"))
        .current_dir(dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("node");
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "node run.js failed");
    let results: Vec<Json> = serde_json::from_slice(&out.stdout).unwrap();
    results
        .into_iter()
        .map(|r| match r.get("ids") {
            Some(ids) => Ok(ids.as_array().unwrap().iter().map(|i| i.as_str().unwrap().to_owned()).collect()),
            None => Err(r["error"].to_string()),
        })
        .collect()
}

#[test]
fn mingo_agrees_with_mongodb_rules_except_known_divergences() {
    if !ready() {
        return;
    }
    let schema = roster_schema::profiles::chat::schema();
    let docs = fixture_docs();
    let cases: Vec<_> = fixture_cases().into_iter().filter(|c| c.error.is_none()).collect();
    let requests: Vec<Request> = cases.iter().map(|c| c.request.clone()).collect();
    let answers = mingo(&schema, &docs, &requests);
    let mut failures = Vec::new();
    for (c, answer) in cases.iter().zip(answers) {
        let expect = c.expect.clone().unwrap_or_default();
        let known = KNOWN_DIVERGENCES.iter().find(|(name, _)| *name == c.name);
        match (known, answer) {
            (None, Ok(ids)) if ids == expect => {}
            (None, got) => {
                failures.push(format!("{} ({}): mingo gave {got:?}, MongoDB's rule gives {expect:?}", c.name, c.rule))
            }
            (Some((_, what)), Ok(ids)) if ids == expect => {
                failures.push(format!("{}: documented divergence ({what}) no longer diverges: remove it", c.name))
            }
            (Some(_), _) => {}
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn roster_and_mingo_agree_on_random_queries() {
    if !ready() {
        return;
    }
    let schema = roster_schema::profiles::chat::schema();
    // Every email gets a `verified` here: mingo's `{"a.b": null}` divergence on elements
    // lacking a member is covered, and asserted, by the rule cases above.
    let docs: Vec<Doc> = roster_schema::profiles::chat::generate(400, 11)
        .map(|mut d| {
            for slot in &mut d.0 {
                if let Slot::Objects(items) = slot {
                    for member in items.iter_mut().flatten().filter(|m| m.is_none()) {
                        *member = Some(Atom::Bool(false));
                    }
                }
            }
            d
        })
        .collect();
    let pools = Pools::of(&schema, &docs);
    let scalar_keys = ["username", "createdAt", "status", "type"];
    let mut requests = Vec::new();
    for i in 0..400u64 {
        let mut rng = Rng::new(0x0A1B_2C3D ^ i);
        let mut r = random_request(&mut rng, &pools, &scalar_keys);
        // MongoDB (and mingo) read a limit of 0 as "no limit".
        r.limit = r.limit.map(|l| l.max(1));
        requests.push(r);
    }
    let answers = mingo(&schema, &docs, &requests);
    let engines = Engines {
        schema: schema.clone(),
        docs: docs.clone(),
        table: roster_eval::document::DocTable::new(&schema, docs.clone()),
        sqlite: rusqlite::Connection::open_in_memory().unwrap(),
        postgres: None,
    };
    let mut failures = Vec::new();
    for (r, answer) in requests.iter().zip(answers) {
        let q = check(&schema, r).unwrap_or_else(|e| panic!("{e}: {r:?}"));
        let ours = engines.memory(&q);
        if answer.as_ref() != Ok(&ours) {
            failures.push(format!(
                "filter {} sort {:?} limit {:?} offset {}:\n  roster {ours:?}\n  mingo  {answer:?}",
                r.filter, r.sort, r.limit, r.offset
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} random queries differ:\n{}",
        failures.len(),
        requests.len(),
        failures.join("\n")
    );
}
