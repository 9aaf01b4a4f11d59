//! Shared by the chat profile's tests (`chat_cases`, `chat_differential`, `mingo`): the case
//! file reader, the three engines (memory, SQLite, throwaway PostgreSQL) loaded with the
//! same documents, and a generator of random Mongo queries over the chat schema.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use roster_ast::{Diagnostic, Page, Query};
use roster_check::document::{DocQuery, check_document};
use roster_eval::document::{DocPlan, DocTable};
use roster_schema::document::{Doc, DocSchema, decode_doc, encode_doc};
use roster_schema::rng::Rng;
use serde_json::{Value as Json, json};

/// One Mongo request: query, sort and fields documents (JSON text) and a page.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub filter: String,
    pub sort: Option<String>,
    pub fields: Option<String>,
    pub limit: Option<u64>,
    pub offset: u64,
}

/// A case of `tests/cases/chat/cases.txt`.
#[derive(Debug, Clone, Default)]
pub struct Case {
    pub name: String,
    pub rule: String,
    pub request: Request,
    pub expect: Option<Vec<String>>,
    pub output: Vec<String>,
    pub error: Option<String>,
}

pub fn read_cases(text: &str) -> Vec<Case> {
    let mut cases = Vec::new();
    for block in text.split("\n\n") {
        let mut c = Case::default();
        for line in block.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
            let (key, value) = line.split_once(": ").unwrap_or_else(|| panic!("bad case line {line:?}"));
            let value = value.trim().to_owned();
            match key {
                "name" => c.name = value,
                "rule" => c.rule = value,
                "filter" => c.request.filter = value,
                "sort" => c.request.sort = Some(value),
                "fields" => c.request.fields = Some(value),
                "limit" => c.request.limit = Some(value.parse().unwrap()),
                "offset" => c.request.offset = value.parse().unwrap(),
                "expect" if value == "-" => c.expect = Some(Vec::new()),
                "expect" => c.expect = Some(value.split_whitespace().map(str::to_owned).collect()),
                "output" => c.output.push(value),
                "error" => c.error = Some(value),
                _ => panic!("unknown case key {key:?}"),
            }
        }
        if !c.name.is_empty() {
            cases.push(c);
        }
    }
    cases
}

/// Parses and checks a request; `Err` carries the first diagnostic's code and message.
pub fn check(schema: &DocSchema, r: &Request) -> Result<DocQuery, String> {
    let diag = |d: &dyn Diagnostic| format!("{}: {d}", d.code());
    let filter =
        if r.filter.trim().is_empty() { None } else { roster_mongo::parse_query(&r.filter).map_err(|e| diag(&e))? };
    let sort = match &r.sort {
        Some(s) => roster_mongo::parse_sort(s).map_err(|e| diag(&e))?,
        None => Vec::new(),
    };
    let projection = match &r.fields {
        Some(f) => roster_mongo::parse_fields(f).map_err(|e| diag(&e))?,
        None => None,
    };
    let q = Query { filter, sort, projection, page: Page { limit: r.limit, offset: r.offset } };
    check_document(&q, schema).map_err(|e| diag(&e[0]))
}

pub struct Engines {
    pub schema: DocSchema,
    pub docs: Vec<Doc>,
    /// The same documents with the fast path's columns.
    pub table: DocTable,
    pub sqlite: rusqlite::Connection,
    pub postgres: Option<(roster_testkit::TempPostgres, std::cell::RefCell<postgres::Client>)>,
}

impl Engines {
    /// Loads `docs` into SQLite and (unless `ROSTER_SKIP_POSTGRES` is set) a throwaway
    /// PostgreSQL.
    pub fn new(docs: Vec<Doc>) -> Engines {
        let schema = roster_schema::profiles::chat::schema();
        let mut sqlite = rusqlite::Connection::open_in_memory().unwrap();
        roster_sql::document::sqlite::create(&sqlite, &schema).unwrap();
        roster_sql::document::sqlite::load(&mut sqlite, &schema, &docs).unwrap();
        let postgres = if std::env::var_os("ROSTER_SKIP_POSTGRES").is_some() {
            eprintln!("!!! ROSTER_SKIP_POSTGRES is set: PostgreSQL is NOT part of this run");
            None
        } else {
            let pg = roster_testkit::TempPostgres::start().unwrap_or_else(|e| {
                panic!("cannot start a throwaway PostgreSQL ({e}); set ROSTER_SKIP_POSTGRES=1 to run without it")
            });
            let mut client = postgres::Client::connect(&pg.url(), postgres::NoTls).unwrap();
            roster_sql::document::postgres::create(&mut client, &schema).unwrap();
            roster_sql::document::postgres::load(&mut client, &schema, &docs).unwrap();
            Some((pg, std::cell::RefCell::new(client)))
        };
        let table = DocTable::new(&schema, docs.clone());
        Engines { schema, docs, table, sqlite, postgres }
    }

    /// The ids in memory. Also checks that the columnar fast path (`DocTable`) gives the
    /// reference walk's page and count.
    pub fn memory(&self, q: &DocQuery) -> Vec<String> {
        let plan = DocPlan::new(&self.schema, q).unwrap();
        let page = plan.run(&self.docs);
        assert_eq!(plan.run_in(&self.table), page, "memory: the columnar page differs from the reference walk's");
        assert_eq!(
            plan.count_in(&self.table),
            plan.count(&self.docs),
            "memory: the columnar count differs from the reference walk's"
        );
        page.into_iter().map(|i| self.docs[i].id(&self.schema).to_owned()).collect()
    }

    /// The projected documents in memory, as JSON text.
    pub fn output(&self, q: &DocQuery) -> Vec<String> {
        let plan = DocPlan::new(&self.schema, q).unwrap();
        plan.run(&self.docs)
            .into_iter()
            .map(|i| Json::Object(encode_doc(&self.schema, &self.docs[i], q.projection.as_ref())).to_string())
            .collect()
    }

    /// The ids on SQLite. Also checks that the documents read back from SQLite (the page,
    /// projected) and the count are those of memory.
    pub fn sqlite(&self, q: &DocQuery) -> Vec<String> {
        let ids = roster_sql::document::sqlite::query_ids(&self.sqlite, &self.schema, q).unwrap();
        let (docs, total) = roster_sql::document::sqlite::query(&self.sqlite, &self.schema, q).unwrap();
        self.same_documents("SQLite", q, &ids, &docs, total);
        ids
    }

    /// The ids on PostgreSQL, if it runs (documents and count checked as for SQLite).
    pub fn postgres(&self, q: &DocQuery) -> Option<Vec<String>> {
        self.postgres.as_ref().map(|(_, c)| {
            let mut client = c.borrow_mut();
            let ids = roster_sql::document::postgres::query_ids(&mut client, &self.schema, q).unwrap();
            let (docs, total) = roster_sql::document::postgres::query(&mut client, &self.schema, q).unwrap();
            self.same_documents("PostgreSQL", q, &ids, &docs, total);
            ids
        })
    }

    /// The documents a database returned for `ids` are the stored ones, and when the ids are
    /// memory's, the projected page and the count are memory's too.
    fn same_documents(&self, engine: &str, q: &DocQuery, ids: &[String], docs: &[Doc], total: u64) {
        let got: Vec<&str> = docs.iter().map(|d| d.id(&self.schema)).collect();
        assert_eq!(got, ids, "{engine}: documents read back in another order than their ids");
        if ids == self.memory(q) {
            let out: Vec<String> = docs
                .iter()
                .map(|d| Json::Object(encode_doc(&self.schema, d, q.projection.as_ref())).to_string())
                .collect();
            assert_eq!(out, self.output(q), "{engine}: documents read back differ from memory's");
        }
        let plan = DocPlan::new(&self.schema, q).unwrap();
        assert_eq!(total, plan.count(&self.docs) as u64, "{engine}: count differs from memory's");
    }
}

pub fn fixture_docs() -> Vec<Doc> {
    let schema = roster_schema::profiles::chat::schema();
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/cases/chat/docs.jsonl")).unwrap();
    text.lines().filter(|l| !l.trim().is_empty()).map(|l| decode_doc(&schema, l).unwrap()).collect()
}

pub fn fixture_cases() -> Vec<Case> {
    read_cases(&std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/cases/chat/cases.txt")).unwrap())
}

/// Values seen in the data, for literals that match something.
pub struct Pools {
    pub ids: Vec<String>,
    pub usernames: Vec<String>,
    pub names: Vec<String>,
    pub addresses: Vec<String>,
    pub dates: Vec<String>,
    /// Whole `roles` arrays, for whole-array equality.
    pub role_arrays: Vec<Json>,
}

impl Pools {
    pub fn of(schema: &DocSchema, docs: &[Doc]) -> Pools {
        let mut p = Pools {
            ids: vec![],
            usernames: vec![],
            names: vec![],
            addresses: vec![],
            dates: vec![],
            role_arrays: vec![],
        };
        for d in docs.iter().step_by(37) {
            let j = Json::Object(encode_doc(schema, d, None));
            p.ids.push(j["_id"].as_str().unwrap().to_owned());
            p.usernames.push(j["username"].as_str().unwrap().to_owned());
            if let Some(n) = j["name"].as_str() {
                p.names.push(n.to_owned());
            }
            if let Some(e) = j["emails"].as_array().and_then(|a| a.first()) {
                p.addresses.push(e["address"].as_str().unwrap().to_owned());
            }
            if let Some(t) = j["lastLogin"].as_str() {
                p.dates.push(t.to_owned());
            }
            p.dates.push(j["createdAt"].as_str().unwrap().to_owned());
            p.role_arrays.push(j["roles"].clone());
        }
        p
    }
}

fn pick<'a, T>(rng: &mut Rng, items: &'a [T]) -> &'a T {
    rng.pick(items)
}

fn string_value(rng: &mut Rng, pool: &[String]) -> Json {
    match rng.below(4) {
        0 => json!(pick(rng, &["", "a", "m", "zzz", "Jack", "user-1", "é"])),
        _ if pool.is_empty() => json!("x"),
        _ => json!(pick(rng, pool)),
    }
}

/// Regular expressions whose meaning is the same in the `regex` crate, PostgreSQL and
/// JavaScript on the generated data (no `\w`, `\d`, `\b`: Unicode-aware in Rust only).
const PATTERNS: &[&str] = &[
    "^j",
    "a",
    "son$",
    "^user-",
    "[0-9]{3}",
    "gmail\\.com$",
    "^(jack|jane)\\.",
    "O'N",
    "ü",
    "^$",
    "e.e",
    "^[a-f]+\\.",
    "(bot|app)",
    "x{0}y?",
    "^.{5}$",
];

/// Patterns whose meaning differs in JavaScript (Unicode `\w`, `\d`, `\b` in Rust), for
/// the engine differential only (set [`ENGINE_PATTERNS`]).
const ENGINE_ONLY_PATTERNS: &[&str] =
    &["\\bj", "(?m)^a", "\\w+@", "(?i)ü", "\\d{2}", "(?s)a.b", "", "\\Bo", "[^a-z.@]", "(?x) j a c k # comment"];

/// Whether the generator may use forms where mingo departs from MongoDB (the engine
/// differential only): [`ENGINE_ONLY_PATTERNS`], `$type` on arrays and `"decimal"`.
pub static ENGINE_PATTERNS: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

fn regex_cond(rng: &mut Rng) -> Json {
    let p = if ENGINE_PATTERNS.load(std::sync::atomic::Ordering::Relaxed) && rng.chance(40) {
        *pick(rng, ENGINE_ONLY_PATTERNS)
    } else {
        *pick(rng, PATTERNS)
    };
    if rng.chance(30) { json!({"$regex": p, "$options": "i"}) } else { json!({"$regex": p}) }
}

fn date(rng: &mut Rng, pools: &Pools) -> Json {
    let t = if pools.dates.is_empty() || rng.chance(30) {
        pick(rng, &["2019-06-01T00:00:00Z", "2021-01-01T00:00:00Z", "2022-07-15T12:00:00Z", "2024-06-01T00:00:00Z"])
            .to_string()
    } else {
        pick(rng, &pools.dates).clone()
    };
    json!({"$date": t})
}

/// A `$type` operand: a name, a code or an array of them (`"decimal"` only for the engine
/// differential: mingo counts every number as a decimal).
fn type_cond(rng: &mut Rng) -> Json {
    let names = [
        json!("string"),
        json!("number"),
        json!("double"),
        json!("int"),
        json!("long"),
        json!("bool"),
        json!("date"),
        json!("null"),
        json!("array"),
        json!("object"),
        json!(2),
        json!(16),
        json!(["string", "bool"]),
        json!(["int", 9]),
    ];
    let t = if ENGINE_PATTERNS.load(std::sync::atomic::Ordering::Relaxed) && rng.chance(10) {
        json!("decimal")
    } else {
        pick(rng, &names).clone()
    };
    if rng.chance(25) { json!({"$not": {"$type": t}}) } else { json!({"$type": t}) }
}

const ORDERING: [&str; 4] = ["$gt", "$gte", "$lt", "$lte"];

fn ordering(rng: &mut Rng) -> &'static str {
    ORDERING[rng.below(4) as usize]
}

/// A condition (the value of a member) on a scalar string field.
fn string_cond(rng: &mut Rng, pool: &[String]) -> Json {
    match rng.below(12) {
        11 => type_cond(rng),
        0 | 1 => string_value(rng, pool),
        2 => json!({"$ne": string_value(rng, pool)}),
        3 => json!({ordering(rng): string_value(rng, pool)}),
        4 => json!({"$in": [string_value(rng, pool), string_value(rng, pool)]}),
        5 => json!({"$nin": [string_value(rng, pool), null]}),
        6 | 7 => regex_cond(rng),
        8 => Json::Null,
        9 => json!({"$exists": rng.chance(50)}),
        _ => json!({"$not": regex_cond(rng)}),
    }
}

fn bool_cond(rng: &mut Rng) -> Json {
    match rng.below(7) {
        6 => type_cond(rng),
        0 | 1 => json!(rng.chance(50)),
        2 => json!({"$ne": rng.chance(50)}),
        3 => Json::Null,
        4 => json!({"$exists": rng.chance(50)}),
        _ => json!({"$in": [rng.chance(50)]}),
    }
}

fn date_cond(rng: &mut Rng, pools: &Pools) -> Json {
    match rng.below(7) {
        6 => type_cond(rng),
        0 | 1 => json!({ordering(rng): date(rng, pools)}),
        2 => json!({"$gte": date(rng, pools), "$lt": date(rng, pools)}),
        3 => Json::Null,
        4 => json!({"$ne": null}),
        _ => json!({"$in": [date(rng, pools), null]}),
    }
}

const ROLES: &[&str] = &["user", "admin", "bot", "anonymous", "moderator", "livechat-agent", "guest"];

/// Whole-array equality on `roles`: an array seen in the data, reversed, or made up.
fn roles_array_cond(rng: &mut Rng, pools: &Pools) -> Json {
    let array = |rng: &mut Rng| match rng.below(4) {
        0 => json!([]),
        1 => json!([pick(rng, ROLES), pick(rng, ROLES)]),
        _ if pools.role_arrays.is_empty() => json!(["user"]),
        2 => {
            let mut a = pick(rng, &pools.role_arrays).clone();
            if let Some(items) = a.as_array_mut() {
                items.reverse();
            }
            a
        }
        _ => pick(rng, &pools.role_arrays).clone(),
    };
    // mingo's `$in`/`$nin` compare array members with the elements only (MongoDB: also the
    // whole array), so those only for the engine differential.
    let engine = ENGINE_PATTERNS.load(std::sync::atomic::Ordering::Relaxed);
    match rng.below(if engine { 5 } else { 3 }) {
        0 => array(rng),
        1 => json!({"$eq": array(rng)}),
        2 => json!({"$ne": array(rng)}),
        3 => json!({"$in": [array(rng), pick(rng, ROLES)]}),
        _ => json!({"$nin": [array(rng), array(rng)]}),
    }
}

fn roles_cond(rng: &mut Rng, pools: &Pools) -> Json {
    let role = |rng: &mut Rng| json!(pick(rng, ROLES));
    if rng.chance(15) {
        return roles_array_cond(rng, pools);
    }
    // mingo tests `$type` against the whole array, MongoDB against its elements too.
    if ENGINE_PATTERNS.load(std::sync::atomic::Ordering::Relaxed) && rng.chance(10) {
        return type_cond(rng);
    }
    match rng.below(10) {
        0 | 1 => role(rng),
        2 => json!({"$ne": role(rng)}),
        3 => json!({"$in": [role(rng), role(rng)]}),
        4 => json!({"$nin": [role(rng), role(rng)]}),
        5 => json!({"$all": [role(rng), role(rng)]}),
        6 => json!({"$size": rng.below(4)}),
        7 => json!({"$elemMatch": {"$gt": role(rng), "$lt": role(rng)}}),
        8 => json!({ordering(rng): role(rng)}),
        _ => json!({"$not": {"$size": rng.below(3)}}),
    }
}

fn level_value(rng: &mut Rng) -> Json {
    match rng.below(6) {
        0 => json!(rng.below(6)),
        1 => json!(rng.below(60) as f64 / 10.0),
        2 => json!(rng.below(6).to_string()),
        3 => json!(rng.chance(50)),
        4 => json!(-1),
        _ => json!(3),
    }
}

fn level_cond(rng: &mut Rng) -> Json {
    match rng.below(10) {
        8 | 9 => type_cond(rng),
        0 | 1 => level_value(rng),
        2 => json!({"$ne": level_value(rng)}),
        3 => {
            let v = if rng.chance(70) { json!(rng.below(6)) } else { json!(rng.below(6).to_string()) };
            json!({ordering(rng): v})
        }
        4 => json!({"$in": [level_value(rng), level_value(rng)]}),
        5 => json!({"$nin": [level_value(rng), null]}),
        6 => Json::Null,
        _ => json!({"$exists": rng.chance(50)}),
    }
}

/// A condition on a member path: no `$type` unless the generator may use engine-only forms.
fn member_cond(rng: &mut Rng, f: impl Fn(&mut Rng) -> Json) -> Json {
    loop {
        let c = f(rng);
        if ENGINE_PATTERNS.load(std::sync::atomic::Ordering::Relaxed) || !c.to_string().contains("$type") {
            return c;
        }
    }
}

fn emails_cond(rng: &mut Rng, pools: &Pools) -> (String, Json) {
    if ENGINE_PATTERNS.load(std::sync::atomic::Ordering::Relaxed) && rng.chance(10) {
        let path = *pick(rng, &["emails", "emails.address", "emails.verified"]);
        return (path.into(), type_cond(rng));
    }
    match rng.below(8) {
        0 if rng.chance(20) => ("emails".into(), if rng.chance(50) { json!([]) } else { json!({"$ne": []}) }),
        0 => ("emails".into(), json!({"$size": rng.below(3)})),
        1 => ("emails".into(), json!({"$elemMatch": {"address": regex_cond(rng), "verified": rng.chance(50)}})),
        2 => ("emails".into(), if rng.chance(50) { Json::Null } else { json!({"$exists": rng.chance(50)}) }),
        // mingo tests `$type` on a member path against the array of members.
        3 | 4 => ("emails.address".into(), member_cond(rng, |rng| string_cond(rng, &pools.addresses))),
        _ => ("emails.verified".into(), member_cond(rng, bool_cond)),
    }
}

/// One member of a query document: a field path and its condition.
fn leaf(rng: &mut Rng, pools: &Pools) -> (String, Json) {
    match rng.below(16) {
        0 => ("username".into(), string_cond(rng, &pools.usernames)),
        1 => ("name".into(), string_cond(rng, &pools.names)),
        2 => ("nameInsensitive".into(), string_cond(rng, &[])),
        3 => ("type".into(), string_cond(rng, &["user".into(), "bot".into(), "app".into()])),
        4 => ("status".into(), string_cond(rng, &["online".into(), "offline".into(), "away".into()])),
        5 => ("active".into(), bool_cond(rng)),
        6 => ("lastLogin".into(), date_cond(rng, pools)),
        7 => ("createdAt".into(), date_cond(rng, pools)),
        8 | 9 => ("roles".into(), roles_cond(rng, pools)),
        10 | 11 => emails_cond(rng, pools),
        12 | 13 => ("customFields.level".into(), level_cond(rng)),
        14 if rng.chance(10) => ("customFields".into(), type_cond(rng)),
        14 => {
            let key = *pick(rng, &["clearance", "team", "remote", "absent"]);
            let c = match key {
                "remote" => bool_cond(rng),
                "absent" => json!({"$exists": rng.chance(50)}),
                _ => string_cond(rng, &["High".into(), "high".into(), "Queen".into(), "Low".into()]),
            };
            (format!("customFields.{key}"), c)
        }
        _ => ("_id".into(), json!({"$in": [pick(rng, &pools.ids), pick(rng, &pools.ids)]})),
    }
}

/// A random query document.
pub fn query_doc(rng: &mut Rng, pools: &Pools, depth: u32) -> Json {
    let mut m = serde_json::Map::new();
    let n = 1 + rng.below(3);
    for _ in 0..n {
        if depth < 2 && rng.chance(20) {
            let op = *pick(rng, &["$and", "$or", "$nor"]);
            let k = 1 + rng.below(3);
            let items: Vec<Json> = (0..k).map(|_| query_doc(rng, pools, depth + 1)).collect();
            m.insert(op.into(), Json::Array(items));
        } else {
            let (k, v) = leaf(rng, pools);
            m.insert(k, v);
        }
    }
    Json::Object(m)
}

/// Sort keys for the engine differential (every sortable shape).
pub const SORT_KEYS: &[&str] = &[
    "username",
    "name",
    "createdAt",
    "lastLogin",
    "active",
    "status",
    "roles",
    "emails.address",
    "emails.verified",
    "customFields.level",
    "customFields.clearance",
];

/// A random request: filter, sort over `keys`, page.
pub fn random_request(rng: &mut Rng, pools: &Pools, keys: &[&str]) -> Request {
    let filter = if rng.chance(5) { "{}".to_owned() } else { query_doc(rng, pools, 0).to_string() };
    let mut sort = serde_json::Map::new();
    for _ in 0..rng.below(3) {
        sort.insert((*pick(rng, keys)).to_owned(), json!(if rng.chance(50) { 1 } else { -1 }));
    }
    let limit = if rng.chance(50) { Some(rng.below(40)) } else { None };
    let offset = if rng.chance(30) { rng.below(20) } else { 0 };
    Request {
        filter,
        sort: if sort.is_empty() { None } else { Some(Json::Object(sort).to_string()) },
        fields: None,
        limit,
        offset,
    }
}
