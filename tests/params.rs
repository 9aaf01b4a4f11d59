//! Data-driven cases of the REST parameter dialects: `cases/<profile>/params.txt` and
//! `params_err.txt`, one case per line (`name | query string [| JSON body]`).
//!
//! For each valid case the snapshot holds the query as the front end built it (canonical
//! AST print), as the checker typed it (filter, sort, projection, page), and the SQL with
//! bound values for PostgreSQL and SQLite; the harness also runs it over generated users in
//! memory and on SQLite, requires identical records, and requires that it selects someone
//! (unless its name starts with `none-`: the seed's own example of an empty result). For
//! each invalid case the snapshot holds the rendered diagnostics. Review every new snapshot.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fmt::Write;
use std::path::Path;

use roster_ast::Diagnostic;
use roster_params::{Caller, Origin};
use roster_schema::Record;
use roster_sql::Backend;

const USERS: u64 = 2000;
const SEED: u64 = 7;

/// `(name, query string, body)` lines of a case file.
fn cases(file: &str) -> Vec<(String, String, Option<String>)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("cases").join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let mut parts = l.splitn(3, " |");
            let name = parts.next().unwrap().trim().to_owned();
            let query = parts.next().unwrap_or_else(|| panic!("no ` |` in {l}")).trim().to_owned();
            let body = parts.next().map(|b| b.trim().to_owned()).filter(|b| !b.is_empty());
            (name, query, body)
        })
        .collect()
}

fn sort_names(q: &roster_ast::Query) -> String {
    let keys: Vec<String> = q
        .sort
        .iter()
        .map(|k| {
            let dir = if k.direction == roster_ast::Direction::Asc { "asc" } else { "desc" };
            format!("{} {dir}", k.path.joined("/"))
        })
        .collect();
    keys.join(", ")
}

fn valid(profile: &str) {
    let p = roster_schema::profiles::by_name(profile).unwrap();
    let schema = &p.schema;
    let records: Vec<Record> = p.generate(USERS, SEED).collect();
    let table = roster_eval::Table::from_records(schema, records.clone()).unwrap();
    let mut sqlite = roster_sql::sqlite::open_in_memory().unwrap();
    roster_sql::sqlite::create(&sqlite, schema).unwrap();
    roster_sql::sqlite::load(&mut sqlite, schema, &records).unwrap();
    for (name, query, body) in cases(&format!("{profile}/params.txt")) {
        let req = roster_params::parse(profile, &query, body.as_deref(), &Caller::default())
            .unwrap_or_else(|e| panic!("{profile}/{name}: {e}"));
        let typed = roster_check::check(&req.query, schema).unwrap_or_else(|e| {
            panic!("{profile}/{name}: {:?}", e.iter().map(ToString::to_string).collect::<Vec<_>>())
        });
        let mut snap = String::new();
        writeln!(snap, "params:    {query}").unwrap();
        if let Some(b) = &body {
            writeln!(snap, "body:      {b}").unwrap();
        }
        let filter = req.query.filter.as_ref().map_or_else(|| "(none)".to_owned(), ToString::to_string);
        writeln!(snap, "filter:    {filter}").unwrap();
        writeln!(snap, "sort:      {}", sort_names(&req.query)).unwrap();
        writeln!(snap, "checked:   {}", roster_check::filter_to_odata(schema, &typed.filter)).unwrap();
        writeln!(snap, "orderby:   {}", roster_check::sort_to_odata(schema, &typed)).unwrap();
        let fields: Vec<&str> = typed.projection.iter().map(|id| schema.get(*id).name.as_str()).collect();
        writeln!(snap, "fields:    {}", fields.join(", ")).unwrap();
        writeln!(snap, "page:      limit {:?} offset {}", typed.limit, typed.offset).unwrap();
        writeln!(snap, "zone:      {}", req.time_zone.iana_name().unwrap_or("?")).unwrap();
        for (label, backend) in [("postgres", Backend::Postgres), ("sqlite", Backend::Sqlite)] {
            let c = roster_sql::select(schema, &typed, backend).unwrap();
            writeln!(snap, "{label}:{}{}", " ".repeat(10 - label.len()), c.sql).unwrap();
            writeln!(snap, "  values:  {}", c.values_json()).unwrap();
        }
        // Memory and SQLite agree, and the case selects someone.
        let plan = roster_eval::compile(schema, &typed);
        let mem = plan.records(&table);
        let lite = roster_sql::sqlite::query(&sqlite, schema, &typed).unwrap();
        assert_eq!(mem, lite, "{profile}/{name}: memory vs SQLite");
        let count = plan.count(&table);
        assert_eq!(count as u64, roster_sql::sqlite::count(&sqlite, schema, &typed).unwrap(), "{profile}/{name}");
        if name.starts_with("none-") {
            assert_eq!(count, 0, "{profile}/{name}: expected no match");
        } else {
            assert!(count > 0, "{profile}/{name}: selects nobody out of {USERS}");
        }
        insta::assert_snapshot!(format!("{profile}_params__{name}"), snap);
    }
}

fn invalid(profile: &str) {
    for (name, query, body) in cases(&format!("{profile}/params_err.txt")) {
        let mut out = String::new();
        writeln!(out, "params: {query}").unwrap();
        if let Some(b) = &body {
            writeln!(out, "body:   {b}").unwrap();
        }
        match roster_params::parse(profile, &query, body.as_deref(), &Caller::default()) {
            Err(e) => {
                let (origin, source) = match e.origin {
                    Origin::Query(span) => {
                        assert!(span.end as usize <= query.len(), "{profile}/{name}: span outside the text");
                        ("params", query.as_str())
                    }
                    _ => ("body", body.as_deref().unwrap_or("")),
                };
                out.push_str(&roster_render::human(&e, source, origin));
                writeln!(out, "{}", roster_render::json(&e)).unwrap();
            }
            Ok(req) => {
                let p = roster_schema::profiles::by_name(profile).unwrap();
                let errors = roster_check::check(&req.query, &p.schema).err().unwrap_or_else(|| {
                    panic!("{profile}/{name}: expected an error");
                });
                for e in &errors {
                    out.push_str(&roster_render::human(e, &query, "params"));
                    writeln!(out, "{}", roster_render::json(e as &dyn Diagnostic)).unwrap();
                }
            }
        }
        insta::assert_snapshot!(format!("{profile}_params_err__{name}"), out);
    }
}

#[test]
fn directory_parameters() {
    valid("directory");
}

#[test]
fn directory_parameter_errors() {
    invalid("directory");
}

#[test]
fn admin_parameters() {
    valid("admin");
}

#[test]
fn admin_parameter_errors() {
    invalid("admin");
}

#[test]
fn accounts_parameters() {
    valid("accounts");
}

#[test]
fn accounts_parameter_errors() {
    invalid("accounts");
}
