//! Data-driven cases: `cases/<profile>/ok.txt` and `err.txt`, one case per line
//! (`name | filter`). For each valid case the snapshot holds the AST (with spans), the
//! canonical print, the checked form and the SQL with bound values for every backend; for
//! each invalid case, the rendered diagnostics (human and JSON). Review every new snapshot.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fmt::Write;
use std::path::Path;

use roster_ast::{Diagnostic, Query};
use roster_sql::Backend;
use roster_tests::{read_cases, sexpr};

fn cases(file: &str) -> Vec<(String, String)> {
    read_cases(&Path::new(env!("CARGO_MANIFEST_DIR")).join("cases").join(file))
}

#[test]
fn identity_valid_filters() {
    let schema = roster_schema::profiles::identity::schema();
    for (name, text) in cases("identity/ok.txt") {
        let ast = roster_odata::parse_filter(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let printed = ast.to_string();
        // The canonical print parses back to the same tree.
        let again = roster_odata::parse_filter(&printed).unwrap_or_else(|e| panic!("{name}: reparse: {e}"));
        assert_eq!(sexpr(&again, false), sexpr(&ast, false), "{name}: print/parse round trip");
        assert_eq!(again.to_string(), printed, "{name}: printing is a fixed point");
        let query = Query { filter: Some(ast.clone()), ..Query::default() };
        let typed = roster_check::check(&query, &schema)
            .unwrap_or_else(|e| panic!("{name}: {:?}", e.iter().map(ToString::to_string).collect::<Vec<_>>()));
        let mut snap = String::new();
        writeln!(snap, "filter:    {text}").unwrap();
        writeln!(snap, "ast:       {}", sexpr(&ast, true)).unwrap();
        writeln!(snap, "canonical: {printed}").unwrap();
        writeln!(snap, "checked:   {}", roster_check::filter_to_odata(&schema, &typed.filter)).unwrap();
        for (label, backend) in
            [("postgres", Backend::Postgres), ("sqlite", Backend::Sqlite), ("mysql", Backend::MySql)]
        {
            let c = roster_sql::select(&schema, &typed, backend).unwrap();
            writeln!(snap, "{label}:{}{}", " ".repeat(10 - label.len()), c.sql).unwrap();
            writeln!(snap, "{}values:  {}", " ".repeat(2), c.values_json()).unwrap();
        }
        insta::assert_snapshot!(format!("identity_ok__{name}"), snap);
    }
}

fn render_all(text: &str, errors: &[&dyn Diagnostic]) -> String {
    let mut out = String::new();
    for e in errors {
        out.push_str(&roster_render::human(*e, text, "filter"));
        writeln!(out, "{}", roster_render::json(*e)).unwrap();
    }
    out
}

#[test]
fn identity_invalid_filters() {
    let schema = roster_schema::profiles::identity::schema();
    for (name, text) in cases("identity/err.txt") {
        let rendered = match roster_odata::parse_filter(&text) {
            Err(e) => {
                assert!(e.span().end as usize <= text.len(), "{name}: span out of the text");
                render_all(&text, &[&e])
            }
            Ok(ast) => {
                let query = Query { filter: Some(ast), ..Query::default() };
                let errors = roster_check::check(&query, &schema).expect_err(&name);
                for e in &errors {
                    assert!(e.span.end as usize <= text.len(), "{name}: span out of the text");
                }
                let refs: Vec<&dyn Diagnostic> = errors.iter().map(|e| e as &dyn Diagnostic).collect();
                render_all(&text, &refs)
            }
        };
        insta::assert_snapshot!(format!("identity_err__{name}"), format!("filter: {text}\n{rendered}"));
    }
}

/// Mongo query documents over the identity profile: the AST, its OData canonical form, the
/// checked form and the PostgreSQL statement; and the diagnostics of invalid documents.
#[test]
fn identity_mongo_queries() {
    let schema = roster_schema::profiles::identity::schema();
    for (name, text) in cases("identity/mongo_ok.txt") {
        let ast = roster_mongo::parse_query(&text).unwrap_or_else(|e| panic!("{name}: {e}")).expect(&name);
        let query = Query { filter: Some(ast.clone()), ..Query::default() };
        let typed = roster_check::check(&query, &schema)
            .unwrap_or_else(|e| panic!("{name}: {:?}", e.iter().map(ToString::to_string).collect::<Vec<_>>()));
        let c = roster_sql::select(&schema, &typed, Backend::Postgres).unwrap();
        let snap = format!(
            "query:     {text}\nast:       {}\ncanonical: {ast}\nchecked:   {}\npostgres:  {}\n  values:  {}\n",
            sexpr(&ast, true),
            roster_check::filter_to_odata(&schema, &typed.filter),
            c.sql,
            c.values_json()
        );
        insta::assert_snapshot!(format!("identity_mongo_ok__{name}"), snap);
    }
    for (name, text) in cases("identity/mongo_err.txt") {
        let rendered = match roster_mongo::parse_query(&text) {
            Err(e) => render_all(&text, &[&e]),
            Ok(ast) => {
                let query = Query { filter: ast, ..Query::default() };
                let errors = roster_check::check(&query, &schema).expect_err(&name);
                let refs: Vec<&dyn Diagnostic> = errors.iter().map(|e| e as &dyn Diagnostic).collect();
                render_all(&text, &refs)
            }
        };
        insta::assert_snapshot!(format!("identity_mongo_err__{name}"), format!("query: {text}\n{rendered}"));
    }
}
