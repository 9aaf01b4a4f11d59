//! The OASIS OData ABNF conformance suite (`odata-abnf-testcases.yaml`, OData 4.01) run
//! against Roster's OData parser.
//!
//! The suite lives in `shared/conformance/odata/` beside the repository (CI always has it);
//! when it is absent this test says that it SKIPPED and passes.
//!
//! Every case names an ABNF rule, an input and, for a negative case, `FailAt`: the byte
//! offset where the invalid part starts. Each rule is either
//!
//! - **in scope**, run through the entry point of Roster that implements it (a `$filter`
//!   expression, a literal, a member path, a whole query string, ...): a positive case
//!   passes when the input is accepted (and, for a literal rule, is a literal of that
//!   kind); a negative case passes when it is rejected, and its error offset is recorded
//!   when it equals `FailAt`; or
//! - **out of scope**, with the reason (service paths, headers, `$expand`, ...).
//!
//! A summary table is printed per rule. The test fails when a rule passes fewer cases (or
//! agrees on fewer error offsets) than `odata_conformance.thresholds` records; thresholds
//! only go up: when the table shows more, raise them in the same commit.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use roster_ast::{Diagnostic, ExprKind, Literal};
use yaml_rust2::parser::{Event, EventReceiver, Parser};

// ---------------------------------------------------------------- loading

/// A YAML node with every scalar kept as the string written (no implicit typing: the suite
/// has date-like and numeric inputs that must stay text).
#[derive(Debug)]
enum Node {
    Scalar(String),
    Seq(Vec<Node>),
    Map(Vec<(String, Node)>),
}

impl Node {
    fn get(&self, key: &str) -> Option<&Node> {
        match self {
            Node::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    fn str(&self) -> Option<&str> {
        match self {
            Node::Scalar(s) => Some(s),
            _ => None,
        }
    }
}

/// Builds [`Node`]s from the parser's events.
#[derive(Default)]
struct Builder {
    /// Open collections; a map holds its pending key.
    stack: Vec<(Node, Option<String>)>,
    root: Option<Node>,
}

impl Builder {
    fn push_value(&mut self, value: Node) {
        match self.stack.last_mut() {
            None => self.root = Some(value),
            Some((Node::Seq(items), _)) => items.push(value),
            Some((Node::Map(entries), key)) => match key.take() {
                Some(k) => entries.push((k, value)),
                None => match value {
                    Node::Scalar(s) => *key = Some(s),
                    other => panic!("a mapping key that is not a scalar: {other:?}"),
                },
            },
            Some((Node::Scalar(_), _)) => unreachable!("scalars are never open"),
        }
    }
}

impl EventReceiver for Builder {
    fn on_event(&mut self, ev: Event) {
        match ev {
            Event::Scalar(s, ..) => self.push_value(Node::Scalar(s)),
            Event::SequenceStart(..) => self.stack.push((Node::Seq(Vec::new()), None)),
            Event::MappingStart(..) => self.stack.push((Node::Map(Vec::new()), None)),
            Event::SequenceEnd | Event::MappingEnd => {
                let (node, _) = self.stack.pop().expect("balanced YAML events");
                self.push_value(node);
            }
            Event::Alias(_) => panic!("the suite uses no YAML aliases"),
            Event::Nothing | Event::StreamStart | Event::StreamEnd | Event::DocumentStart | Event::DocumentEnd => {}
        }
    }
}

#[derive(Debug)]
struct Case {
    name: String,
    rule: String,
    input: String,
    fail_at: Option<usize>,
}

/// The suite: its cases, and the names its `Constraints` declare as functions (the data
/// model a service's metadata would give).
fn load(path: &Path) -> (Vec<Case>, Vec<String>) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut builder = Builder::default();
    Parser::new_from_str(&text).load(&mut builder, false).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let root = builder.root.expect("a YAML document");
    let Some(Node::Seq(cases)) = root.get("TestCases") else { panic!("no TestCases sequence") };
    let mut functions = Vec::new();
    if let Some(Node::Map(kinds)) = root.get("Constraints") {
        for (kind, names) in kinds {
            if let (true, Node::Seq(names)) = (kind.ends_with("Function"), names) {
                functions.extend(names.iter().filter_map(Node::str).map(str::to_owned));
            }
        }
    }
    let cases = cases
        .iter()
        .map(|c| {
            let field = |k: &str| c.get(k).and_then(Node::str).map(str::to_owned);
            Case {
                name: field("Name").unwrap_or_default(),
                rule: field("Rule").expect("every case has a Rule"),
                input: field("Input").unwrap_or_default(),
                fail_at: field("FailAt").map(|s| s.parse().unwrap_or_else(|_| panic!("FailAt {s:?}"))),
            }
        })
        .collect();
    (cases, functions)
}

// ---------------------------------------------------------------- running

/// What Roster made of one input: accepted (with whether it has the shape the rule asks
/// for), or rejected at an offset of the case's input.
#[derive(Debug)]
enum Outcome {
    Accepted { fits_rule: bool },
    Rejected { at: Option<usize> },
}

/// Why a rule is not run.
fn out_of_scope(rule: &str) -> Option<&'static str> {
    Some(match rule {
        "odataRelativeUri" | "odataUri" | "resourcePath" | "entitySetName" | "functionParameter" => {
            "service and resource paths: Roster parses query options, not service URLs"
        }
        "context" => "context URLs of response payloads",
        "header"
        | "prefer"
        | "preference"
        | "request-id"
        | "includeAnnotationsPreference"
        | "maxpagesizePreference" => "HTTP headers, preferences and batch requests",
        "expand" => "$expand: user lists have no navigation properties",
        "compute" => "$compute is not supported (no computed properties)",
        "customQueryOption" => "custom query options: Roster rejects unknown options so a typo is never ignored",
        "skiptoken" | "deltatoken" => "server-driven paging tokens ($skiptoken, $deltatoken) are not supported",
        "booleanValue" | "durationValue" | "enumValue" | "binaryValue" | "primitiveValue" => {
            "payload/CSDL value syntax (bare, case-sensitive, unquoted), not URL literal syntax"
        }
        "stringInUrl" => "a JSON string on its own; JSON strings are covered inside arrays and objects",
        _ => return None,
    })
}

/// Query options a `queryOptions` case may use to be in scope.
const SUPPORTED_OPTIONS: [&str; 7] = ["filter", "orderby", "select", "top", "skip", "count", "search"];

/// Why one case of an otherwise in-scope query-option rule is out of scope.
fn case_out_of_scope(case: &Case, functions: &[String]) -> Option<String> {
    if matches!(case.rule.as_str(), "date" | "dateTimeOffsetValue")
        && case.input.strip_prefix('-').is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit()))
    {
        return Some(
            "a year before 0000: Roster's timestamps (roster_ast::Timestamp) cover the years 0000-9999, \
             the range every backend and the time-zone renderer share"
                .into(),
        );
    }
    // `Ns.Name` alone is a type-cast path unless metadata says `Name` is a function, which
    // must then be called with `()`.
    if case.fail_at.is_some()
        && !case.input.contains(['(', '/'])
        && case.input.rsplit_once('.').is_some_and(|(_, name)| functions.iter().any(|f| f == name))
    {
        return Some(
            "needs the service's metadata: the suite's Constraints declare the name a function, so it must be \
             called with `()`; without metadata `Ns.Name` is a qualified member path"
                .into(),
        );
    }
    let query_rule = matches!(case.rule.as_str(), "queryOptions" | "systemQueryOption");
    if !query_rule {
        return None;
    }
    for pair in case.input.split('&') {
        let name = pair.split('=').next().unwrap_or("");
        if name.starts_with('@') {
            return Some("parameter aliases (@name) are not supported".into());
        }
        let bare = name.strip_prefix('$').unwrap_or(name).to_ascii_lowercase();
        if SUPPORTED_OPTIONS.contains(&bare.as_str()) {
            continue;
        }
        // A negative case may name something that is not an option at all (the tail of an
        // unencoded `&`); it is run: Roster must reject it too.
        if case.fail_at.is_some() && !name.starts_with('$') {
            continue;
        }
        return Some(format!("uses the query option `{name}`, which Roster does not support"));
    }
    None
}

/// Kinds of literal a literal rule accepts.
fn literal_fits(rule: &str, lit: &Literal) -> bool {
    let number = matches!(lit, Literal::Int(_) | Literal::Float(_));
    match rule {
        "primitiveLiteral" => true,
        "null" => matches!(lit, Literal::Null),
        "boolean" => matches!(lit, Literal::Bool(_)),
        "guid" => matches!(lit, Literal::Guid(_)),
        "stringLiteral" => matches!(lit, Literal::String(_)),
        "decimalLiteral" | "doubleLiteral" | "singleLiteral" | "decimalValue" | "doubleValue" | "singleValue" => number,
        "sbyteLiteral" | "int16Literal" | "int32Literal" | "int64Literal" | "byteValue" | "sbyteValue"
        | "int16Value" | "int32Value" | "int64Value" => matches!(lit, Literal::Int(_)),
        // Roster reads a date alone as a date-time at midnight UTC.
        "date" | "dateValue" | "dateTimeOffsetValue" | "dateTimeOffsetLiteral" | "dateTimeOffsetValueInUrl" => {
            matches!(lit, Literal::DateTime(_))
        }
        other => extra_literal_fits(other, lit),
    }
}

/// Literal rules for the literal forms beyond the core ones. A duration or enum literal
/// without its prefix is a string, which the checker coerces.
fn extra_literal_fits(rule: &str, lit: &Literal) -> bool {
    match rule {
        "timeOfDayValue" | "timeOfDayLiteral" => matches!(lit, Literal::TimeOfDay(_)),
        "durationLiteral" => matches!(lit, Literal::Duration(_) | Literal::String(_)),
        "binaryLiteral" => matches!(lit, Literal::Binary(_)),
        "enumLiteral" => matches!(lit, Literal::Enum { .. } | Literal::String(_)),
        other => geo_literal_fits(other, lit),
    }
}

/// The geospatial literal rules (`geographyPoint` … `geometryCollection`): the prefix and
/// the outer shape the rule names.
fn geo_literal_fits(rule: &str, lit: &Literal) -> bool {
    let Literal::Geo { geography, shape, .. } = lit else { return false };
    let (kind, want_geography) = match (rule.strip_prefix("geography"), rule.strip_prefix("geometry")) {
        (Some(kind), _) => (kind, true),
        (_, Some(kind)) => (kind, false),
        _ => return false,
    };
    let name = if kind == "Collection" { "GeometryCollection" } else { kind };
    *geography == want_geography && shape.strip_prefix(name).is_some_and(|rest| rest.starts_with('('))
}

/// Literal rules of one kind, run through `parse_literal` so that a literal of another
/// kind (`1` for `boolean`, `INF` for `date`) is rejected where this kind goes wrong.
fn literal_kind(rule: &str) -> Option<roster_odata::LiteralKind> {
    use roster_odata::LiteralKind;
    Some(match rule {
        "boolean" => LiteralKind::Boolean,
        "guid" => LiteralKind::Guid,
        "decimalValue" | "doubleValue" | "singleValue" => LiteralKind::Number,
        "date" | "dateValue" | "dateTimeOffsetValue" => LiteralKind::DateTime,
        _ => return None,
    })
}

fn is_literal_rule(rule: &str) -> bool {
    matches!(
        rule,
        "primitiveLiteral"
            | "null"
            | "boolean"
            | "guid"
            | "stringLiteral"
            | "decimalLiteral"
            | "doubleLiteral"
            | "singleLiteral"
            | "decimalValue"
            | "doubleValue"
            | "singleValue"
            | "sbyteLiteral"
            | "int16Literal"
            | "int32Literal"
            | "int64Literal"
            | "byteValue"
            | "sbyteValue"
            | "int16Value"
            | "int32Value"
            | "int64Value"
            | "date"
            | "dateValue"
            | "dateTimeOffsetValue"
            | "dateTimeOffsetLiteral"
            | "dateTimeOffsetValueInUrl"
            | "timeOfDayValue"
            | "timeOfDayLiteral"
            | "durationLiteral"
            | "binaryLiteral"
            | "enumLiteral"
    ) || is_geo_literal_rule(rule)
}

fn is_geo_literal_rule(rule: &str) -> bool {
    const SHAPES: [&str; 7] =
        ["Point", "LineString", "Polygon", "MultiPoint", "MultiLineString", "MultiPolygon", "Collection"];
    let kind = rule.strip_prefix("geography").or_else(|| rule.strip_prefix("geometry"));
    kind.is_some_and(|k| SHAPES.contains(&k))
}

/// Rules whose text is a payload value: no percent-decoding applies.
fn is_payload_rule(rule: &str) -> bool {
    rule.ends_with("Value")
}

/// Runs a filter expression written as in a URL (percent-encoded or not); offsets point
/// into the case's input.
fn url_filter(input: &str) -> Result<roster_ast::Expr, Option<usize>> {
    roster_odata::parse_filter_url(input).map_err(|e| Some(e.span().start as usize))
}

fn run(case: &Case) -> Outcome {
    let rule = case.rule.as_str();
    let input = case.input.as_str();
    let rejected = |at: Option<usize>| Outcome::Rejected { at };
    let accepted = |fits_rule: bool| Outcome::Accepted { fits_rule };
    match rule {
        "commonExpr" | "boolCommonExpr" | "boolcommonExpr" | "notExpr" | "isofExpr" => match url_filter(input) {
            Ok(_) => accepted(true),
            Err(at) => rejected(at),
        },
        "firstMemberExpr" | "propertyPathExpr" => match url_filter(input) {
            Ok(e) => accepted(matches!(
                e.kind,
                ExprKind::Path { .. } | ExprKind::Quantified { .. } | ExprKind::Navigate { .. }
            )),
            Err(at) => rejected(at),
        },
        // Roster's `identifier` is the first part of a member path; a dot starts a
        // namespace qualification, which is another rule.
        "odataIdentifier" => match roster_odata::parse_filter(input) {
            Ok(e) => match &e.kind {
                ExprKind::Path { path } if path.segments.len() == 1 => match path.segments[0].find(['.', '$']) {
                    Some(at) => rejected(Some(at)),
                    None => accepted(true),
                },
                _ => accepted(false),
            },
            Err(e) => rejected(Some(e.span.start as usize)),
        },
        "anyExpr" => {
            // The lambda on its own: run as a segment of the implicit variable.
            const PREFIX: &str = "$it/";
            match url_filter(&format!("{PREFIX}{input}")) {
                Ok(e) => accepted(matches!(e.kind, ExprKind::Quantified { .. })),
                Err(at) => rejected(at.map(|a| a.saturating_sub(PREFIX.len()))),
            }
        }
        "searchExpr" => {
            const PREFIX: &str = "$search=";
            match roster_odata::parse_query_options(&format!("{PREFIX}{input}")) {
                Ok(_) => accepted(true),
                Err(e) => rejected(Some((e.span().start as usize).saturating_sub(PREFIX.len()))),
            }
        }
        "filter" | "orderby" | "orderBy" | "select" | "search" | "queryOptions" | "systemQueryOption" => {
            match roster_odata::parse_query_options(input) {
                Ok(_) => accepted(true),
                Err(e) => rejected(Some(e.span().start as usize)),
            }
        }
        r if let Some(kind) = literal_kind(r) => match roster_odata::parse_literal(input, kind) {
            Ok(e) => accepted(matches!(&e.kind, ExprKind::Literal { value } if literal_fits(r, value))),
            Err(e) => rejected(Some(e.span.start as usize)),
        },
        r if is_literal_rule(r) => {
            let parsed = if is_payload_rule(r) {
                roster_odata::parse_filter(input).map_err(|e| Some(e.span.start as usize))
            } else {
                url_filter(input)
            };
            match parsed {
                Ok(e) => accepted(matches!(&e.kind, ExprKind::Literal { value } if literal_fits(r, value))),
                Err(at) => rejected(at),
            }
        }
        other => panic!("rule `{other}` is neither run nor listed as out of scope: classify it"),
    }
}

// ---------------------------------------------------------------- the test

#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    positive: usize,
    negative: usize,
    passed: usize,
    /// Negative cases rejected at exactly `FailAt`.
    offsets: usize,
}

fn suite_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance/odata/odata-abnf-testcases.yaml")
}

fn thresholds() -> BTreeMap<String, (usize, usize)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("odata_conformance.thresholds");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let parts: Vec<&str> = l.split_whitespace().collect();
            let [rule, passed, offsets] = parts[..] else { panic!("threshold line `{l}`: rule passed offsets") };
            (rule.to_owned(), (passed.parse().unwrap(), offsets.parse().unwrap()))
        })
        .collect()
}

#[test]
fn oasis_abnf_test_cases() {
    let path = suite_path();
    if !path.exists() {
        println!("SKIPPED: the OData ABNF conformance suite is not at {}", path.display());
        return;
    }
    let (cases, functions) = load(&path);
    assert!(cases.len() > 800, "only {} cases loaded", cases.len());

    let mut tallies: BTreeMap<String, Tally> = BTreeMap::new();
    let mut skipped: BTreeMap<String, (usize, String)> = BTreeMap::new();
    let mut failures = String::new();
    for case in &cases {
        let reason = out_of_scope(&case.rule).map(str::to_owned).or_else(|| case_out_of_scope(case, &functions));
        if let Some(reason) = reason {
            let e = skipped.entry(format!("{} ({reason})", case.rule)).or_insert((0, reason));
            e.0 += 1;
            continue;
        }
        let tally = tallies.entry(case.rule.clone()).or_default();
        let outcome = run(case);
        let (passed, offset_ok) = match (&outcome, case.fail_at) {
            (Outcome::Accepted { fits_rule }, None) => (*fits_rule, false),
            (Outcome::Rejected { .. }, None) => (false, false),
            (Outcome::Accepted { fits_rule }, Some(_)) => (!fits_rule, false),
            (Outcome::Rejected { at }, Some(fail_at)) => (true, *at == Some(fail_at)),
        };
        if case.fail_at.is_some() {
            tally.negative += 1;
        } else {
            tally.positive += 1;
        }
        tally.passed += usize::from(passed);
        tally.offsets += usize::from(offset_ok);
        if !passed || (case.fail_at.is_some() && !offset_ok) {
            let expected = match case.fail_at {
                Some(at) => format!("reject at {at}"),
                None => "accept".into(),
            };
            let _ = writeln!(
                failures,
                "  {:<22} {:<28} expected {expected}, got {outcome:?}  [{}]",
                case.rule,
                format!("{:?}", case.input),
                case.name
            );
        }
    }

    let mut table = String::new();
    let _ = writeln!(table, "OData ABNF conformance ({} cases in {})", cases.len(), path.display());
    let _ = writeln!(
        table,
        "{:<26} {:>5} {:>5} {:>7} {:>7} {:>13}",
        "rule", "cases", "pos", "passed", "failed", "offsets(neg)"
    );
    let mut total = Tally::default();
    for (rule, t) in &tallies {
        let _ = writeln!(
            table,
            "{rule:<26} {:>5} {:>5} {:>7} {:>7} {:>7}/{:<5}",
            t.positive + t.negative,
            t.positive,
            t.passed,
            t.positive + t.negative - t.passed,
            t.offsets,
            t.negative
        );
        total.positive += t.positive;
        total.negative += t.negative;
        total.passed += t.passed;
        total.offsets += t.offsets;
    }
    let _ = writeln!(
        table,
        "{:<26} {:>5} {:>5} {:>7} {:>7} {:>7}/{:<5}",
        "TOTAL in scope",
        total.positive + total.negative,
        total.positive,
        total.passed,
        total.positive + total.negative - total.passed,
        total.offsets,
        total.negative
    );
    let out: usize = skipped.values().map(|(n, _)| n).sum();
    let _ = writeln!(table, "\nout of scope: {out} cases");
    for (label, (n, _)) in &skipped {
        let _ = writeln!(table, "  {n:>4}  {label}");
    }
    println!("{table}");
    println!("cases not passed (or rejected at another offset):\n{failures}");

    let limits = thresholds();
    let mut below = Vec::new();
    let mut above = Vec::new();
    for (rule, t) in &tallies {
        let (min_passed, min_offsets) = limits.get(rule).copied().unwrap_or((0, 0));
        if t.passed < min_passed || t.offsets < min_offsets {
            below.push(format!(
                "{rule}: passed {} (threshold {min_passed}), offsets {} (threshold {min_offsets})",
                t.passed, t.offsets
            ));
        } else if t.passed > min_passed || t.offsets > min_offsets {
            above.push(format!("{rule} {} {}", t.passed, t.offsets));
        }
    }
    for rule in limits.keys() {
        if !tallies.contains_key(rule) {
            below.push(format!("{rule}: has a threshold but no case was run"));
        }
    }
    if !above.is_empty() {
        println!("above the thresholds (raise them in odata_conformance.thresholds):\n  {}", above.join("\n  "));
    }
    assert!(below.is_empty(), "below the committed thresholds:\n  {}", below.join("\n  "));
}
