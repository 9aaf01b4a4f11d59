//! SQL injection (issue 7): classic payloads — quotes, comments, `;`, `UNION`, backslashes,
//! NUL, Unicode quotes and homoglyphs, LIKE wildcards — sent through the OData, the Mongo and
//! the REST-parameter dialects into SQLite and a throwaway PostgreSQL. Each query either returns exactly the rows a literal
//! comparison computed here in Rust selects, or is rejected with a diagnostic; afterwards the
//! tables, their row counts and a canary table are unchanged (nothing else ran).
//!
//! The oracle is independent of Roster: it compares the payload with each stored username as
//! Rust strings (`==`, `str::contains`, `starts_with`, `ends_with`, byte order).
//! `ROSTER_SKIP_POSTGRES=1` leaves PostgreSQL out (the run says so loudly).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use roster_ast::{Diagnostic, Query};
use roster_schema::{Record, Schema, Value};

/// The payloads. Each is also stored as a username (below), so equality tests hit.
const PAYLOADS: &[&str] = &[
    "'",
    "''",
    "' OR '1'='1",
    "' OR 1=1 --",
    "admin'--",
    "admin' #",
    "admin'/*",
    "'; DROP TABLE identity_users; --",
    "\"; DROP TABLE identity_users; --",
    "1; DELETE FROM identity_users",
    "x'; UPDATE identity_users SET username = 'pwned'; --",
    "' UNION SELECT id, username, userStatus, createdAt, updatedAt, lastLogin FROM identity_users --",
    "' UNION ALL SELECT NULL, NULL, NULL, NULL, NULL, NULL --",
    "') OR ('a'='a",
    "' AND 1=(SELECT COUNT(*) FROM pg_tables) AND ''='",
    "'; SELECT pg_sleep(5); --",
    "$$; DROP TABLE identity_users; $$",
    "E'\\x27 OR 1=1'",
    "\\",
    "\\'",
    "\\\\'",
    "\\' OR 1=1 --",
    "%",
    "%%",
    "_",
    "%_%",
    "a%",
    "_dmin",
    "\\%",
    "\\_",
    "[a-z]%",
    "/* comment */",
    "-- comment",
    "#",
    "`",
    "$1",
    "?",
    ":name",
    "@p1",
    "'||'",
    "' || (SELECT username FROM identity_users LIMIT 1) || '",
    "CHAR(39)",
    "0x27",
    "\u{2019} OR \u{2019}1\u{2019}=\u{2019}1",
    "\u{02BC} OR 1=1 --",
    "\u{FF07} OR \u{FF07}1\u{FF07}=\u{FF07}1",
    "\u{2032}",
    "\u{FF44}\u{FF52}\u{FF4F}\u{FF50}",
    "\u{0430}dmin",
    "admin\u{200B}",
    "e\u{0301}",
    "\u{00E9}",
    "\u{FEFF}admin",
    "line\r\nbreak",
    "tab\there",
    "\u{1F600}",
    "\u{10FFFF}",
    "admin",
    "Admin",
    " admin ",
    "",
];

/// Usernames stored besides the payloads: near misses of the wildcards and homoglyphs.
const NEAR_MISSES: &[&str] =
    &["admin", "ADMIN", "a%b", "a_b", "axb", "50% off", "under_score", "back\\slash", "pwned", "dmin", "o'brien"];

struct Db {
    schema: Schema,
    records: Vec<Record>,
    table: roster_eval::Table,
    sqlite: rusqlite::Connection,
    postgres: Option<(roster_testkit::TempPostgres, postgres::Client)>,
}

fn username(r: &Record) -> &str {
    match &r.0[1] {
        Value::Str(s) => s,
        v => panic!("username is {v:?}"),
    }
}

fn id(r: &Record) -> u128 {
    match r.0[0] {
        Value::Uuid(u) => u,
        ref v => panic!("id is {v:?}"),
    }
}

fn db() -> Db {
    let profile = roster_schema::profiles::by_name("identity").unwrap();
    let schema = profile.schema.clone();
    let names: Vec<&str> = PAYLOADS.iter().chain(NEAR_MISSES).copied().collect();
    let mut records: Vec<Record> = profile.generate(names.len() as u64 + 100, 99).collect();
    for (r, name) in records.iter_mut().zip(&names) {
        r.0[1] = Value::Str((*name).to_owned());
    }
    let table = roster_eval::Table::from_records(&schema, records.clone()).unwrap();
    let mut sqlite = rusqlite::Connection::open_in_memory().unwrap();
    roster_sql::sqlite::create(&sqlite, &schema).unwrap();
    roster_sql::sqlite::load(&mut sqlite, &schema, &records).unwrap();
    sqlite.execute_batch("CREATE TABLE canary (note TEXT); INSERT INTO canary VALUES ('alive');").unwrap();
    let postgres = roster_tests::postgres_with(&schema, &records, "this injection test").map(|(pg, mut client)| {
        client.batch_execute("CREATE TABLE canary (note TEXT); INSERT INTO canary VALUES ('alive');").unwrap();
        (pg, client)
    });
    Db { schema, records, table, sqlite, postgres }
}

/// An OData string literal: single quotes, `'` doubled.
fn quoted(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

type Oracle = fn(&str, &str) -> bool;

/// Filter templates (`{}` is the quoted payload) and the Rust oracle of each: does a user
/// with this username match this payload?
const FORMS: &[(&str, Oracle)] = &[
    ("username eq {}", |u, p| u == p),
    ("username ne {}", |u, p| u != p),
    ("username gt {}", |u, p| u.as_bytes() > p.as_bytes()),
    ("username le {}", |u, p| u.as_bytes() <= p.as_bytes()),
    ("contains(username, {})", |u, p| u.contains(p)),
    ("startswith(username, {})", |u, p| u.starts_with(p)),
    ("endswith(username, {})", |u, p| u.ends_with(p)),
    ("username in ({}, 'nobody')", |u, p| u == p || u == "nobody"),
    ("not (username eq {}) and not contains(username, {})", |u, p| u != p && !u.contains(p)),
    ("tolower(username) eq {}", |u, p| u.to_ascii_lowercase() == p),
];

impl Db {
    /// Runs `text` everywhere; `Ok(ids)` when it checks (and every backend agrees with
    /// memory), `Err(code)` when it is rejected.
    fn run(&mut self, text: &str) -> Result<Vec<u128>, &'static str> {
        let filter = roster_odata::parse_filter(text).map_err(|e| e.code())?;
        let query = Query { filter: Some(filter), ..Query::default() };
        let typed = roster_check::check(&query, &self.schema).map_err(|e| e[0].code())?;
        let plan = roster_eval::compile(&self.schema, &typed);
        let mem: Vec<u128> = plan.records(&self.table).iter().map(id).collect();
        let lite: Vec<u128> = roster_sql::sqlite::query(&self.sqlite, &self.schema, &typed)
            .unwrap_or_else(|e| panic!("{text}: {e}"))
            .iter()
            .map(id)
            .collect();
        assert_eq!(lite, mem, "SQLite vs memory on {text}");
        if let Some((_, client)) = &mut self.postgres {
            let pg: Vec<u128> = roster_sql::postgres::query(client, &self.schema, &typed)
                .unwrap_or_else(|e| panic!("{text}: {e}"))
                .iter()
                .map(id)
                .collect();
            assert_eq!(pg, mem, "PostgreSQL vs memory on {text}");
        }
        Ok(mem)
    }

    /// [`Db::run`] for a Mongo query document.
    fn run_mongo(&mut self, json: &str) -> Result<Vec<u128>, &'static str> {
        let filter = roster_mongo::parse_query(json).map_err(|e| e.code())?;
        let query = Query { filter, ..Query::default() };
        let typed = roster_check::check(&query, &self.schema).map_err(|e| e[0].code())?;
        let mem: Vec<u128> = roster_eval::compile(&self.schema, &typed).records(&self.table).iter().map(id).collect();
        let lite: Vec<u128> = roster_sql::sqlite::query(&self.sqlite, &self.schema, &typed)
            .unwrap_or_else(|e| panic!("{json}: {e}"))
            .iter()
            .map(id)
            .collect();
        assert_eq!(lite, mem, "SQLite vs memory on {json}");
        if let Some((_, client)) = &mut self.postgres {
            let pg: Vec<u128> = roster_sql::postgres::query(client, &self.schema, &typed)
                .unwrap_or_else(|e| panic!("{json}: {e}"))
                .iter()
                .map(id)
                .collect();
            assert_eq!(pg, mem, "PostgreSQL vs memory on {json}");
        }
        Ok(mem)
    }

    fn expected(&self, oracle: Oracle, payload: &str) -> Vec<u128> {
        let mut ids: Vec<u128> = self.records.iter().filter(|r| oracle(username(r), payload)).map(id).collect();
        ids.sort_unstable();
        ids
    }

    fn assert_intact(&mut self) {
        let n = self.records.len() as i64;
        let count: i64 = self.sqlite.query_row("SELECT COUNT(*) FROM identity_users", [], |r| r.get(0)).unwrap();
        assert_eq!(count, n, "SQLite row count changed");
        let pwned: i64 = self
            .sqlite
            .query_row("SELECT COUNT(*) FROM identity_users WHERE username = 'pwned'", [], |r| r.get(0))
            .unwrap();
        assert_eq!(pwned, 1, "SQLite rows were updated");
        let note: String = self.sqlite.query_row("SELECT note FROM canary", [], |r| r.get(0)).unwrap();
        assert_eq!(note, "alive");
        let tables: i64 =
            self.sqlite.query_row("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'", [], |r| r.get(0)).unwrap();
        assert_eq!(tables, 2, "SQLite tables were created or dropped");
        if let Some((_, client)) = &mut self.postgres {
            let count: i64 = client.query_one("SELECT COUNT(*) FROM identity_users", &[]).unwrap().get(0);
            assert_eq!(count, n, "PostgreSQL row count changed");
            let pwned: i64 =
                client.query_one("SELECT COUNT(*) FROM identity_users WHERE username = 'pwned'", &[]).unwrap().get(0);
            assert_eq!(pwned, 1, "PostgreSQL rows were updated");
            let note: String = client.query_one("SELECT note FROM canary", &[]).unwrap().get(0);
            assert_eq!(note, "alive");
            let tables: i64 =
                client.query_one("SELECT COUNT(*) FROM pg_tables WHERE schemaname = 'public'", &[]).unwrap().get(0);
            assert_eq!(tables, 2, "PostgreSQL tables were created or dropped");
        }
    }
}

#[test]
fn payloads_match_literally_or_are_rejected_and_nothing_else_runs() {
    let mut db = db();
    db.assert_intact();
    let mut checked = 0;
    for payload in PAYLOADS {
        for (form, oracle) in FORMS {
            let text = form.replace("{}", &quoted(payload));
            let rows = db.run(&text).unwrap_or_else(|code| panic!("{text:?} rejected ({code})"));
            assert_eq!(rows, db.expected(*oracle, payload), "{text:?}");
            checked += 1;
        }
    }
    // The wildcards are literal: each matches only names that contain it as written.
    assert_eq!(db.run("contains(username, '%')").unwrap().len(), 8);
    assert_eq!(db.run("contains(username, '_dmin')").unwrap().len(), 1);
    assert_eq!(db.run("username eq '_dmin'").unwrap().len(), 1);
    assert!(db.run("startswith(username, '_')").unwrap().len() == 2);
    db.assert_intact();
    assert_eq!(checked, PAYLOADS.len() * FORMS.len());
}

#[test]
fn payloads_spliced_raw_into_the_filter_are_rejected_or_mean_what_odata_says() {
    let mut db = db();
    let mut rejected = 0;
    for payload in PAYLOADS {
        for form in ["username eq '{}'", "username eq {}", "contains(username, '{}')", "{}"] {
            let text = form.replace("{}", payload);
            // Either a diagnostic, or a query whose rows all engines agree on (`run`
            // compares SQLite and PostgreSQL with the in-memory engine).
            if db.run(&text).is_err() {
                rejected += 1;
            }
        }
    }
    // A classic: the quote closes the literal, and the rest is not OData.
    assert_eq!(db.run("username eq '' OR '1'='1'"), Err("syntax"));
    assert_eq!(db.run("username eq 'x'; DROP TABLE identity_users; --'"), Err("syntax"));
    assert_eq!(db.run("username eq 'x' -- comment"), Err("syntax"));
    assert!(rejected > PAYLOADS.len(), "only {rejected} raw payloads were rejected");
    db.assert_intact();
}

#[test]
fn nul_in_a_string_literal_is_rejected_before_any_backend() {
    let mut db = db();
    for text in [
        "username eq 'a\0b'",
        "username eq '\0'",
        "contains(username, '\0')",
        "startswith(tolower(username), 'x\0')",
        "username in ('ok', '\0')",
        "'\0' eq username",
        "tolower('\0') eq username",
    ] {
        assert_eq!(db.run(text), Err("nul-in-string"), "{text:?}");
        let filter = roster_odata::parse_filter(text).unwrap();
        let errors = roster_check::check(&Query { filter: Some(filter), ..Query::default() }, &db.schema).unwrap_err();
        let span = errors[0].span;
        assert!(text[span.range()].contains('\0'), "{text:?}: the span {span:?} is the literal");
        assert_eq!(errors[0].to_string(), "a string literal contains the NUL character (U+0000)");
    }
    // Comparing two literals is folded in Rust and reaches no backend: no error.
    assert_eq!(db.run("'\0' eq '\0'").map(|r| r.len()), Ok(db.records.len()));
    db.assert_intact();
}

/// Mongo query templates (`{}` is the payload as a JSON string) and their oracles.
const MONGO_FORMS: &[(&str, Oracle)] = &[
    (r#"{"username": {}}"#, |u, p| u == p),
    (r#"{"username": {"$eq": {}}}"#, |u, p| u == p),
    (r#"{"username": {"$ne": {}}}"#, |u, p| u != p),
    (r#"{"username": {"$gt": {}}}"#, |u, p| u.as_bytes() > p.as_bytes()),
    (r#"{"username": {"$lte": {}}}"#, |u, p| u.as_bytes() <= p.as_bytes()),
    (r#"{"username": {"$in": [{}, "nobody"]}}"#, |u, p| u == p || u == "nobody"),
    (r#"{"username": {"$nin": [{}]}}"#, |u, p| u != p),
    (r#"{"$or": [{"username": {}}, {"username": "nobody"}]}"#, |u, p| u == p || u == "nobody"),
    (r#"{"$nor": [{"username": {}}]}"#, |u, p| u != p),
];

#[test]
fn mongo_payloads_match_literally_or_are_rejected_and_nothing_else_runs() {
    let mut db = db();
    db.assert_intact();
    let mut checked = 0;
    for payload in PAYLOADS {
        let literal = serde_json::Value::String((*payload).to_owned()).to_string();
        for (form, oracle) in MONGO_FORMS {
            let json = form.replace("{}", &literal);
            let rows = db.run_mongo(&json).unwrap_or_else(|code| panic!("{json} rejected ({code})"));
            let mut sorted = rows.clone();
            sorted.sort_unstable();
            assert_eq!(sorted, db.expected(*oracle, payload), "{json}");
            checked += 1;
        }
    }
    // Payloads spliced raw into the document: a JSON syntax error, or a query that every
    // engine answers alike (`run_mongo` compares them).
    let mut rejected = 0;
    for payload in PAYLOADS {
        for form in [r#"{"username": "{}"}"#, r#"{"username": {}}"#, "{}"] {
            if db.run_mongo(&form.replace("{}", payload)).is_err() {
                rejected += 1;
            }
        }
    }
    assert!(rejected > PAYLOADS.len(), "only {rejected} raw payloads were rejected");
    // NUL in a string is rejected before any backend, as in OData.
    assert!(db.run_mongo(r#"{"username": "a\u0000b"}"#).is_err());
    db.assert_intact();
    assert_eq!(checked, PAYLOADS.len() * MONGO_FORMS.len());
}

/// `%XX` for every byte that is not an ASCII letter or digit.
fn form_encode(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

/// The REST-parameter dialect (`directory`, seed 000): every payload as the `name` and
/// `mail` parameters (case-insensitive substring tests, ASCII case folding) over users whose
/// full names and e-mail addresses are the payloads. Each request returns exactly the users
/// the Rust oracle selects, in memory, on SQLite and on PostgreSQL, or is rejected; the
/// tables are intact afterwards.
#[test]
fn rest_parameter_payloads_match_literally_or_are_rejected() {
    let profile = roster_schema::profiles::by_name("directory").unwrap();
    let schema = profile.schema.clone();
    let names: Vec<&str> = PAYLOADS.iter().chain(NEAR_MISSES).copied().collect();
    let (fullname, email, userid) =
        (schema.field("fullname").unwrap().0, schema.field("email").unwrap().0, schema.field("userid").unwrap().0);
    let mut records: Vec<Record> = profile.generate(names.len() as u64 + 50, 7).collect();
    for (r, name) in records.iter_mut().zip(&names) {
        r.0[fullname.index()] = Value::Str((*name).to_owned());
        r.0[email.index()] = Value::Str(format!("{name}@example.com"));
    }
    let text = |r: &Record, f: roster_schema::FieldId| match r.get(f) {
        Value::Str(s) => s.clone(),
        _ => String::new(),
    };
    let table = roster_eval::Table::from_records(&schema, records.clone()).unwrap();
    let mut sqlite = rusqlite::Connection::open_in_memory().unwrap();
    roster_sql::sqlite::create(&sqlite, &schema).unwrap();
    roster_sql::sqlite::load(&mut sqlite, &schema, &records).unwrap();
    let mut postgres = roster_tests::postgres_with(&schema, &records, "this injection test");
    let ids = |rs: &[Record]| {
        let mut v: Vec<String> = rs.iter().map(|r| text(r, userid)).collect();
        v.sort();
        v
    };
    let (mut answered, mut rejected) = (0, 0);
    for payload in PAYLOADS {
        for (param, field) in [("name", fullname), ("mail", email)] {
            let query = format!("{param}={}", form_encode(payload));
            let typed = match roster_params::parse("directory", &query, None, &roster_params::Caller::default())
                .map_err(|e| e.code().to_owned())
                .and_then(|req| roster_check::check(&req.query, &schema).map_err(|e| e[0].code().to_owned()))
            {
                Ok(t) => t,
                Err(_) => {
                    rejected += 1;
                    continue;
                }
            };
            let folded = payload.to_ascii_lowercase();
            let expected: Vec<String> = {
                let mut v: Vec<String> = records
                    .iter()
                    .filter(|r| payload.is_empty() || text(r, field).to_ascii_lowercase().contains(&folded))
                    .map(|r| text(r, userid))
                    .collect();
                v.sort();
                v
            };
            let mem = ids(&roster_eval::compile(&schema, &typed).records(&table));
            assert_eq!(mem, expected, "memory on {query}");
            let lite = ids(&roster_sql::sqlite::query(&sqlite, &schema, &typed).unwrap());
            assert_eq!(lite, expected, "SQLite on {query}");
            if let Some((_, client)) = &mut postgres {
                let pg = ids(&roster_sql::postgres::query(client, &schema, &typed).unwrap());
                assert_eq!(pg, expected, "PostgreSQL on {query}");
            }
            answered += 1;
        }
    }
    assert!(
        answered >= PAYLOADS.len(),
        "most payloads are valid parameter values ({answered} answered, {rejected} rejected)"
    );
    let n: i64 = sqlite.query_row("SELECT COUNT(*) FROM directory_users", [], |r| r.get(0)).unwrap();
    assert_eq!(n as usize, records.len(), "SQLite rows changed");
    if let Some((_, client)) = &mut postgres {
        let n: i64 = client.query_one("SELECT COUNT(*) FROM directory_users", &[]).unwrap().get(0);
        assert_eq!(n as usize, records.len(), "PostgreSQL rows changed");
    }
}
