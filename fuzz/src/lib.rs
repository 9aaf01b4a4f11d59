//! The bodies of Roster's fuzz targets, one function per target, so that the libFuzzer
//! binaries (`fuzz_targets/`) and the plain corpus test (`tests/corpora.rs`, stable Rust) run
//! exactly the same checks.
//!
//! Every body takes arbitrary bytes, must never panic on its own account, and panics (the
//! fuzzer's "crash") only when a property of Roster fails:
//!
//! - [`odata_filter`]: `$filter` parsing returns a result for any text, under the default and
//!   under tight limits; spans lie inside the text and every child's inside its parent's.
//! - [`odata_orderby`]: the same for `$orderby`, and the printed keys parse back to the same.
//! - [`check`]: parse and check against every built-in profile; a checked query compiles to
//!   SQL for every backend and to an in-memory plan, and (identity) its canonical print (what
//!   `roster check` shows) parses and checks back to the same typed query. Diagnostics have
//!   spans inside the text.
//! - [`odata_query`]: a whole OData query string (`$filter=…&$orderby=…&$top=…`), then the
//!   checks of [`check`] for every profile.
//! - [`mongo`]: a Mongo `query` document, `fields` and `sort` (one per line), then the checks
//!   of [`check`] for every profile.
//! - [`roundtrip`]: parse → print → parse gives the same tree (ignoring spans), and printing
//!   is a fixed point.
//! - [`differential`]: in memory and SQLite return the same ids in the same order, and the
//!   same count, on a small fixed data set.
//! - [`params`]: REST parameters (`roster-params`): a query string and an optional JSON body,
//!   parsed for every REST profile (`directory`, `admin`, `accounts`); a request checks
//!   against its profile, compiles for every backend, runs in memory and renders as the
//!   endpoint's response (CSV or JSON, in the requested zone); error spans lie in the query
//!   string.
//!
//! Input format of `check` and `differential`: the `$filter` on the first line, an optional
//! `$orderby` on the second, an optional `limit offset` (decimal) on the third. Of `params`:
//! the query string on the first line, the JSON body (if any) after it.
#![forbid(unsafe_code)]
#![allow(clippy::panic)]

use std::cell::RefCell;

use roster_ast::{Diagnostic, Expr, ExprKind, Page, Query, Span};
use roster_odata::Options;
use roster_schema::{Record, Schema, Value};

/// A target: its name (the `fuzz_targets/` binary) and its body.
pub type Target = (&'static str, fn(&[u8]));

/// Every target.
pub const TARGETS: [Target; 8] = [
    ("odata_filter", odata_filter),
    ("odata_orderby", odata_orderby),
    ("odata_query", odata_query),
    ("mongo", mongo),
    ("check", check),
    ("roundtrip", roundtrip),
    ("differential", differential),
    ("params", params),
];

/// Tight limits, so that the limit paths are exercised as often as the rest.
const TIGHT: Options = Options { max_len: 200, max_depth: 3 };

fn text(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}

/// Asserts that every span lies within the text and each child's within its parent's.
fn assert_spans(e: &Expr, len: usize) {
    let mut stack = vec![e];
    while let Some(e) = stack.pop() {
        assert!(e.span.start <= e.span.end && e.span.end as usize <= len, "span {:?} outside the text", e.span);
        for c in e.children() {
            assert!(e.span.contains(c.span), "child span {:?} outside its parent's {:?}", c.span, e.span);
            stack.push(c);
        }
    }
}

fn assert_error_span(span: Span, len: usize, what: &dyn std::fmt::Display) {
    assert!(span.start <= span.end && span.end as usize <= len, "error span {span:?} outside the text: {what}");
}

/// `$filter` parsing under the default and tight limits.
pub fn odata_filter(data: &[u8]) {
    let Some(text) = text(data) else { return };
    for opts in [Options::default(), TIGHT] {
        match roster_odata::parse_filter_with(text, &opts) {
            Ok(e) => {
                assert!(text.len() <= opts.max_len);
                assert_spans(&e, text.len());
                let _ = e.to_string();
            }
            Err(err) => {
                assert!(!err.code().is_empty());
                if err.code() != "input-too-long" {
                    assert_error_span(err.span, text.len(), &err);
                }
                let _ = (err.to_string(), err.help());
            }
        }
    }
}

/// `$orderby` parsing; printed keys parse back to the same keys.
pub fn odata_orderby(data: &[u8]) {
    let Some(text) = text(data) else { return };
    match roster_odata::parse_orderby(text) {
        Ok(keys) => {
            for k in &keys {
                assert!(k.span.end as usize <= text.len() && k.span.contains(k.path.span), "{k:?}");
            }
            if keys.is_empty() {
                return;
            }
            let printed = keys.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
            let again = roster_odata::parse_orderby(&printed)
                .unwrap_or_else(|e| panic!("printed $orderby `{printed}` does not parse: {e}"));
            let shape = |ks: &[roster_ast::SortKey]| {
                ks.iter().map(|k| (k.path.segments.clone(), k.direction)).collect::<Vec<_>>()
            };
            assert_eq!(shape(&keys), shape(&again), "`{text}` printed as `{printed}`");
        }
        Err(err) => {
            if err.code() != "input-too-long" {
                assert_error_span(err.span, text.len(), &err);
            }
            let _ = (err.to_string(), err.help());
        }
    }
}

/// Splits an input into a query: filter, optional `$orderby`, optional `limit offset`.
/// `None` when the text is not UTF-8 or a part does not parse.
fn query_of(data: &[u8]) -> Option<(String, Query)> {
    let text = text(data)?;
    let mut lines = text.splitn(3, '\n');
    let filter_text = lines.next().unwrap_or_default();
    let filter = roster_odata::parse_filter(filter_text).ok()?;
    let sort = match lines.next() {
        Some(s) if !s.trim().is_empty() => roster_odata::parse_orderby(s).ok()?,
        _ => Vec::new(),
    };
    let page = match lines.next() {
        Some(p) => {
            let mut nums = p.split_whitespace().map(str::parse::<u64>);
            let limit = nums.next().and_then(Result::ok);
            let offset = nums.next().and_then(Result::ok).unwrap_or(0);
            Page { limit, offset }
        }
        None => Page::default(),
    };
    Some((filter_text.to_owned(), Query { filter: Some(filter), sort, projection: None, page }))
}

thread_local! {
    static SCHEMA: Schema = roster_schema::profiles::identity::schema();
    /// Every built-in profile's schema (new profiles are fuzzed as they land).
    static SCHEMAS: Vec<(&'static str, Schema)> = roster_schema::profiles::NAMES
        .iter()
        .filter_map(|n| roster_schema::profiles::by_name(n))
        .map(|p| (p.name, p.schema))
        .collect();
}

/// Checks `query` against every profile: a checked query compiles for every backend and to
/// an in-memory plan; diagnostics have spans within `len` bytes.
fn check_everywhere(query: &Query, len: usize, what: &str) {
    SCHEMAS.with(|schemas| {
        for (profile, schema) in schemas {
            match roster_check::check(query, schema) {
                Ok(typed) => {
                    for backend in roster_sql::Backend::ALL {
                        roster_sql::select(schema, &typed, backend).unwrap_or_else(|e| {
                            panic!("`{what}` checks for {profile} but does not compile for {backend}: {e}")
                        });
                        roster_sql::count(schema, &typed, backend).unwrap_or_else(|e| {
                            panic!("`{what}` checks for {profile} but its count does not compile: {e}")
                        });
                    }
                    let _ = roster_eval::compile(schema, &typed);
                    let _ = roster_check::filter_to_odata(schema, &typed.filter);
                }
                Err(errors) => {
                    assert!(!errors.is_empty());
                    for e in &errors {
                        assert_error_span(e.span, len, e);
                        let _ = (e.code(), e.help());
                    }
                }
            }
        }
    });
}

/// A whole OData query string, then every profile.
pub fn odata_query(data: &[u8]) {
    let Some(text) = text(data) else { return };
    for opts in [Options::default(), TIGHT] {
        match roster_odata::parse_query_options_with(text, &opts) {
            Ok(q) => {
                if let Some(f) = &q.query.filter {
                    assert_spans(f, text.len());
                }
                check_everywhere(&q.query, text.len(), text);
            }
            Err(err) => {
                if err.code() != "input-too-long" {
                    assert_error_span(err.span(), text.len(), &err);
                }
                let _ = (err.to_string(), err.help());
            }
        }
    }
}

/// A Mongo `query` document, `fields` and `sort` (one per line), then every profile.
pub fn mongo(data: &[u8]) {
    let Some(text) = text(data) else { return };
    let mut lines = text.splitn(3, '\n');
    let (q, fields, sort) = (lines.next().unwrap_or_default(), lines.next(), lines.next());
    let tight = roster_mongo::Options { max_len: 200, max_depth: 3, ..roster_mongo::Options::default() };
    let _ = roster_mongo::parse_query_with(q, &tight);
    let filter = match roster_mongo::parse_query(q) {
        Ok(f) => f,
        Err(err) => {
            let _ = (err.to_string(), err.code(), err.help());
            return;
        }
    };
    if let Some(f) = &filter {
        assert_spans(f, q.len());
    }
    let projection = match fields.map(roster_mongo::parse_fields) {
        Some(Ok(p)) => p,
        Some(Err(_)) => return,
        None => None,
    };
    let sort = match sort.map(roster_mongo::parse_sort) {
        Some(Ok(s)) => s,
        Some(Err(_)) => return,
        None => Vec::new(),
    };
    let longest = text.splitn(3, '\n').map(str::len).max().unwrap_or(0);
    check_everywhere(&Query { filter, sort, projection, page: Page::default() }, longest, q);
}

/// Parse and check against every profile; for identity, the canonical form round-trips.
pub fn check(data: &[u8]) {
    let Some(text) = text(data) else { return };
    let first_line = text.split('\n').next().unwrap_or_default();
    let longest_line = text.splitn(3, '\n').map(str::len).max().unwrap_or(0);
    let Some((_, query)) = query_of(data) else { return };
    check_everywhere(&query, longest_line, first_line);
    SCHEMA.with(|schema| match roster_check::check(&query, schema) {
        Ok(typed) => {
            for backend in roster_sql::Backend::ALL {
                roster_sql::select(schema, &typed, backend)
                    .unwrap_or_else(|e| panic!("`{first_line}` checks but does not compile for {backend}: {e}"));
                roster_sql::count(schema, &typed, backend)
                    .unwrap_or_else(|e| panic!("`{first_line}` checks but its count does not compile: {e}"));
            }
            // What `roster check` shows is a query that means the same.
            let canonical = roster_check::filter_to_odata(schema, &typed.filter);
            let reparsed = roster_odata::parse_filter(&canonical)
                .unwrap_or_else(|e| panic!("canonical form `{canonical}` of `{first_line}` does not parse: {e}"));
            let again = roster_check::check_filter(&reparsed, schema)
                .unwrap_or_else(|e| panic!("canonical form `{canonical}` of `{first_line}` does not check: {}", e[0]));
            assert_eq!(again, typed.filter, "`{first_line}` printed as `{canonical}`");
        }
        Err(errors) => {
            assert!(!errors.is_empty());
            for e in &errors {
                // Filter errors point into the first line, sort errors into the second and
                // page errors nowhere (an empty span at 0): all lie within the longest line.
                assert_error_span(e.span, longest_line, e);
                let _ = (e.code(), e.help());
            }
        }
    });
}

/// Sets every span to the default, iteratively.
fn erase_spans(e: &mut Expr) {
    let mut stack = vec![e];
    while let Some(e) = stack.pop() {
        e.span = Span::default();
        match &mut e.kind {
            ExprKind::Path { path } | ExprKind::Exists { path, .. } => path.span = Span::default(),
            ExprKind::Quantified { path, predicate, .. } => {
                path.span = Span::default();
                stack.push(predicate);
            }
            ExprKind::Search { fields, .. } => {
                fields.iter_mut().flatten().for_each(|p| p.span = Span::default());
            }
            ExprKind::And { operands } | ExprKind::Or { operands } => stack.extend(operands.iter_mut()),
            ExprKind::Call { args, .. } => stack.extend(args.iter_mut()),
            ExprKind::Not { operand } => stack.push(operand),
            ExprKind::Compare { lhs, rhs, .. } | ExprKind::Arith { lhs, rhs, .. } | ExprKind::Has { lhs, rhs } => {
                stack.push(lhs);
                stack.push(rhs);
            }
            ExprKind::Negate { operand } => stack.push(operand),
            ExprKind::Array { items } => stack.extend(items.iter_mut()),
            ExprKind::Object { members } => stack.extend(members.iter_mut().map(|m| &mut m.value)),
            ExprKind::In { lhs, list } => {
                stack.push(lhs);
                stack.extend(list.iter_mut());
            }
            ExprKind::Regex { target, .. } => stack.push(target),
            ExprKind::Navigate { steps } => {
                for step in steps.iter_mut() {
                    step.span = Span::default();
                }
                stack.extend(steps.iter_mut().flat_map(roster_ast::Step::exprs_mut));
            }
            ExprKind::Literal { .. } => {}
        }
    }
}

/// parse → print → parse is the identity (ignoring spans); printing is a fixed point.
pub fn roundtrip(data: &[u8]) {
    let Some(text) = text(data) else { return };
    let Ok(mut first) = roster_odata::parse_filter(text) else { return };
    let printed = first.to_string();
    let mut second = roster_odata::parse_filter(&printed)
        .unwrap_or_else(|e| panic!("`{text}` printed as `{printed}`, which does not parse: {e}"));
    assert_eq!(second.to_string(), printed, "printing `{text}` is not a fixed point");
    erase_spans(&mut first);
    erase_spans(&mut second);
    // Compared through `Debug`, which prints every node and every float exactly: `==` on the
    // trees is IEEE equality for float literals, under which `NaN` differs from itself
    // (fuzz/regressions/roundtrip-nan-literal).
    let (a, b) = (format!("{first:?}"), format!("{second:?}"));
    assert!(a == b, "`{text}` printed as `{printed}` parses to another tree:\n{a}\n{b}");
}

/// The fixed data set of the differential target: 300 generated identity users.
struct Engines {
    table: roster_eval::Table,
    sqlite: rusqlite::Connection,
}

fn engines(schema: &Schema) -> Engines {
    let profile = roster_schema::profiles::by_name("identity").unwrap_or_else(|| panic!("no identity profile"));
    let records: Vec<Record> = profile.generate(300, 7).collect();
    let table = roster_eval::Table::from_records(schema, records.clone()).unwrap_or_else(|e| panic!("{e}"));
    let mut sqlite = roster_sql::sqlite::open_in_memory().unwrap_or_else(|e| panic!("{e}"));
    roster_sql::sqlite::create(&sqlite, schema).unwrap_or_else(|e| panic!("{e}"));
    roster_sql::sqlite::load(&mut sqlite, schema, &records).unwrap_or_else(|e| panic!("{e}"));
    Engines { table, sqlite }
}

thread_local! {
    static ENGINES: RefCell<Option<Engines>> = const { RefCell::new(None) };
}

fn ids(records: &[Record], schema: &Schema) -> Vec<Value> {
    records.iter().map(|r| r.get(schema.primary_key).clone()).collect()
}

/// In memory = SQLite on a small fixed data set: same ids, same order, same count.
pub fn differential(data: &[u8]) {
    let Some((text, query)) = query_of(data) else { return };
    SCHEMA.with(|schema| {
        let Ok(typed) = roster_check::check(&query, schema) else { return };
        ENGINES.with(|cell| {
            let mut slot = cell.borrow_mut();
            let e = slot.get_or_insert_with(|| engines(schema));
            let plan = roster_eval::compile(schema, &typed);
            let mem = ids(&plan.records(&e.table), schema);
            let lite = roster_sql::sqlite::query(&e.sqlite, schema, &typed)
                .unwrap_or_else(|err| panic!("SQLite fails on `{text}`: {err}"));
            let sort = roster_check::sort_to_odata(schema, &typed);
            assert_eq!(mem, ids(&lite, schema), "memory vs SQLite on `{text}` sort `{sort}` page {:?}", query.page);
            let count = plan.count(&e.table) as u64;
            let lite_count = roster_sql::sqlite::count(&e.sqlite, schema, &typed)
                .unwrap_or_else(|err| panic!("SQLite count fails on `{text}`: {err}"));
            assert_eq!(count, lite_count, "count on `{text}`");
        });
    });
}

/// The REST profiles with a small generated table each, for [`params`].
struct RestProfile {
    name: &'static str,
    schema: Schema,
    table: roster_eval::Table,
}

thread_local! {
    static REST: Vec<RestProfile> = roster_params::PROFILES
        .iter()
        .map(|name| {
            let p = roster_schema::profiles::by_name(name).unwrap_or_else(|| panic!("no profile {name}"));
            let table = roster_eval::Table::from_records(&p.schema, p.generate(60, 11)).unwrap_or_else(|e| panic!("{e}"));
            RestProfile { name: p.name, schema: p.schema, table }
        })
        .collect();
}

/// Writes `req`'s response for `rows` of `p` the way the endpoint does (the server's and the
/// CLI's writers), into memory.
fn render(p: &RestProfile, req: &roster_params::Request, typed: &roster_check::TypedQuery, rows: &[usize], total: u64) {
    use roster_render::endpoint::{AdminCsv, AdminPreamble, DirectoryCsv, EpochStyle, write_accounts};
    let records: Vec<Record> = rows.iter().map(|&r| p.table.record(r, &typed.projection)).collect();
    let fields = &typed.projection;
    let mut out = Vec::new();
    let written = match p.name {
        "directory" => DirectoryCsv::new(&mut out, &p.schema, fields, &req.time_zone).and_then(|mut w| {
            records.iter().try_for_each(|r| w.write(r))?;
            w.finish()
        }),
        "admin" => {
            let preamble = AdminPreamble {
                generated_at: roster_schema::Timestamp(1_700_000_000_123_456),
                zone: req.time_zone.clone(),
                records: records.len() as u64,
                account: ["Acme", "California", "USA", "205656"].map(str::to_owned),
                requester: ["John Doe", "quays_wy40"].map(str::to_owned),
            };
            AdminCsv::new(&mut out, &p.schema, fields, &preamble).and_then(|mut w| {
                records.iter().try_for_each(|r| w.write(r))?;
                w.finish()
            })
        }
        _ => {
            let style = match req.timestamp_format {
                roster_params::TimestampFormat::Int => EpochStyle::Int,
                roster_params::TimestampFormat::Str => EpochStyle::Str,
            };
            write_accounts(&mut out, &p.schema, fields, &records, total, &req.page_echo, style, req.pretty)
        }
    };
    written.unwrap_or_else(|e| panic!("writing the {} response into memory fails: {e}", p.name));
    assert!(std::str::from_utf8(&out).is_ok(), "the {} response is not UTF-8", p.name);
}

/// REST parameters: the query string (first line) and the JSON body (the rest, if any), for
/// every REST profile. A request checks against its profile (the front end emits only what
/// the schema accepts), compiles for every backend, runs in memory and renders as the
/// endpoint's response; an error names a parameter and its span lies in the query string.
pub fn params(data: &[u8]) {
    let Some(text) = text(data) else { return };
    let (query, body) = match text.split_once('\n') {
        Some((q, b)) => (q, Some(b)),
        None => (text, None),
    };
    let caller = roster_params::Caller::default();
    REST.with(|profiles| {
        for p in profiles {
            match roster_params::parse(p.name, query, body, &caller) {
                Ok(req) => {
                    if let Some(f) = &req.query.filter {
                        assert_spans(f, query.len());
                        let _ = f.to_string();
                    }
                    let typed = roster_check::check(&req.query, &p.schema).unwrap_or_else(|e| {
                        panic!(
                            "{} parameters `{query}` body {body:?} give a query that does not check: {}",
                            p.name, e[0]
                        )
                    });
                    for backend in roster_sql::Backend::ALL {
                        roster_sql::select(&p.schema, &typed, backend).unwrap_or_else(|e| {
                            panic!("{} parameters `{query}` check but do not compile for {backend}: {e}", p.name)
                        });
                        roster_sql::count(&p.schema, &typed, backend).unwrap_or_else(|e| {
                            panic!("{} parameters `{query}` check but their count does not compile: {e}", p.name)
                        });
                    }
                    let plan = roster_eval::compile(&p.schema, &typed);
                    let rows = plan.rows(&p.table);
                    let total = plan.count(&p.table) as u64;
                    assert!(rows.len() as u64 <= total, "{} `{query}`: a page longer than the count", p.name);
                    render(p, &req, &typed, &rows, total);
                }
                Err(e) => {
                    assert!(!e.code().is_empty() && !e.to_string().is_empty(), "{e:?}");
                    if let roster_params::Origin::Query(span) = e.origin {
                        assert_error_span(span, query.len(), &e);
                    }
                    let _ = (e.to_string(), e.help());
                }
            }
        }
    });
}
