//! Shared helpers of the workspace-level tests.
#![forbid(unsafe_code)]
// Test support: a malformed case file is a bug in the tests, reported by panicking.
#![allow(clippy::panic)]

use std::fmt::Write;

use roster_ast::{Expr, ExprKind};
use roster_schema::{Record, Schema};

/// A compact S-expression of an AST, with each node's span (`@start..end`) when `spans`:
/// small enough to review in a snapshot, precise enough to catch any change of shape.
pub fn sexpr(e: &Expr, spans: bool) -> String {
    let mut out = String::new();
    write_sexpr(e, spans, &mut out);
    out
}

fn write_sexpr(e: &Expr, spans: bool, out: &mut String) {
    let at = |out: &mut String| {
        if spans {
            let _ = write!(out, "@{}..{}", e.span.start, e.span.end);
        }
    };
    match &e.kind {
        ExprKind::Literal { value } => {
            let _ = write!(out, "{value:?}");
            at(out);
        }
        ExprKind::Path { path } => {
            out.push_str(&path.joined("/"));
            at(out);
        }
        kind => {
            out.push('(');
            let head = match kind {
                ExprKind::And { .. } => "and".to_owned(),
                ExprKind::Or { .. } => "or".to_owned(),
                ExprKind::Not { .. } => "not".to_owned(),
                ExprKind::Compare { op, .. } => op.keyword().to_owned(),
                ExprKind::In { .. } => "in".to_owned(),
                ExprKind::Call { func, .. } => func.name().to_owned(),
                ExprKind::Arith { op, .. } => op.keyword().to_owned(),
                ExprKind::Negate { .. } => "-".to_owned(),
                ExprKind::Has { .. } => "has".to_owned(),
                ExprKind::Array { .. } => "array".to_owned(),
                ExprKind::Exists { path, exists } => format!("exists {path} {exists}"),
                ExprKind::Regex { pattern, flags, .. } => format!("regex {pattern:?} {flags:?}"),
                ExprKind::Quantified { quantifier, path, var, .. } => format!("{quantifier:?} {path} {var}"),
                other => format!("{other:?}"),
            };
            out.push_str(&head);
            at(out);
            for c in e.children() {
                out.push(' ');
                write_sexpr(c, spans, out);
            }
            out.push(')');
        }
    }
}

/// The lines of a case file: `name | text`, skipping blank lines and `#` comments.
pub fn read_cases(path: &std::path::Path) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (name, body) = l.split_once(" | ").unwrap_or_else(|| panic!("case line without ` | `: {l}"));
            (name.trim().to_owned(), body.to_owned())
        })
        .collect()
}

/// A throwaway PostgreSQL holding `schema`'s table filled with `records`, or `None` when
/// `ROSTER_SKIP_POSTGRES` is set, which the run then says loudly (naming `what` runs
/// without PostgreSQL).
pub fn postgres_with(
    schema: &Schema,
    records: &[Record],
    what: &str,
) -> Option<(roster_testkit::TempPostgres, postgres::Client)> {
    if std::env::var_os("ROSTER_SKIP_POSTGRES").is_some() {
        eprintln!("!!! ROSTER_SKIP_POSTGRES is set: PostgreSQL is NOT part of {what}");
        return None;
    }
    let pg = roster_testkit::TempPostgres::start().unwrap_or_else(|e| {
        panic!("cannot start a throwaway PostgreSQL ({e}); set ROSTER_SKIP_POSTGRES=1 to run without it")
    });
    let mut client = postgres::Client::connect(&pg.url(), postgres::NoTls)
        .unwrap_or_else(|e| panic!("cannot connect to the throwaway PostgreSQL: {e}"));
    roster_sql::postgres::create(&mut client, schema).unwrap_or_else(|e| panic!("create: {e}"));
    roster_sql::postgres::load(&mut client, schema, records).unwrap_or_else(|e| panic!("load: {e}"));
    Some((pg, client))
}
