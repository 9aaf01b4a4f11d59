//! Resource limits of the whole front end (issue 7): text length and nesting depth
//! (`roster_odata::Options`, `roster_mongo::Options`, `roster_params::MAX_INPUT`), number of
//! terms, `in` list length and page size (`roster_check::CheckOptions`). Each is configurable, is an error with a stable code and a
//! span, and never a stack overflow — also for trees built by hand, which no parser limited.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use roster_ast::{CmpOp, Diagnostic, Expr, ExprKind, Literal, Page, Path, Query, Span};
use roster_check::{CheckOptions, check, check_with};
use roster_odata::{Options, parse_filter, parse_filter_with};

fn schema() -> roster_schema::Schema {
    roster_schema::profiles::identity::schema()
}

fn query(text: &str) -> Query {
    Query {
        filter: Some(parse_filter_with(text, &Options { max_len: 1 << 24, ..Options::default() }).unwrap()),
        ..Query::default()
    }
}

fn codes(errors: &[roster_check::CheckError]) -> Vec<&'static str> {
    errors.iter().map(Diagnostic::code).collect()
}

fn leaf() -> Expr {
    Expr::new(
        ExprKind::Compare {
            op: CmpOp::Eq,
            lhs: Box::new(Expr::path(Path::single("username", Span::new(0, 8)))),
            rhs: Box::new(Expr::literal(Literal::String("x".into()), Span::new(12, 15))),
        },
        Span::new(0, 15),
    )
}

#[test]
fn the_defaults_are_documented_values() {
    let c = CheckOptions::default();
    assert_eq!((c.max_depth, c.max_terms, c.max_in_list, c.max_limit), (256, 1000, 1000, None));
    let o = Options::default();
    assert_eq!((o.max_len, o.max_depth), (64 * 1024, 128));
}

#[test]
fn a_hundred_thousand_nested_parentheses_is_an_error_with_a_span() {
    let text = format!("{}username eq 'x'{}", "(".repeat(100_000), ")".repeat(100_000));
    let err = parse_filter_with(&text, &Options { max_len: 1 << 20, ..Options::default() }).unwrap_err();
    assert_eq!(err.code(), "nesting-too-deep");
    assert_eq!(err.span, Span::new(128, 129));
    // Over the default length limit, the length error comes first.
    assert_eq!(parse_filter(&text).unwrap_err().code(), "input-too-long");
}

/// Builds `not not … (username eq 'x')` or `((… and u) and u)` `n` levels deep, by hand.
fn hand_built(n: usize, and: bool) -> Expr {
    let mut e = leaf();
    for _ in 0..n {
        let kind =
            if and { ExprKind::And { operands: vec![e, leaf()] } } else { ExprKind::Not { operand: Box::new(e) } };
        e = Expr::new(kind, Span::new(0, 15));
    }
    e
}

#[test]
fn hand_built_trees_a_hundred_thousand_deep_check_print_and_drop() {
    // On a 1 MiB stack: nothing here may use stack in proportion to the depth.
    std::thread::Builder::new()
        .stack_size(1 << 20)
        .spawn(|| {
            let schema = schema();
            for and in [false, true] {
                let e = hand_built(100_000, and);
                let q = Query { filter: Some(e), ..Query::default() };
                let errors = check(&q, &schema).unwrap_err();
                // One error per branch that crosses the limit (a few, at the limit's level).
                assert!(!errors.is_empty() && errors.len() <= 4, "{errors:?}");
                assert!(codes(&errors).iter().all(|c| *c == "nesting-too-deep"));
                let printed = q.filter.as_ref().unwrap().to_string();
                if and {
                    assert_eq!(printed.matches(" and ").count(), 100_000);
                    assert_eq!(printed.matches('(').count(), 99_999);
                } else {
                    assert_eq!(printed.len(), 100_000 * 4 + "(username eq 'x')".len());
                    assert!(printed.starts_with("not not not "));
                }
                drop(q);
            }
            // The printed deep `not` chain is rejected by the parser, not overflowed on.
            let text = hand_built(100_000, false).to_string();
            let err = parse_filter_with(&text, &Options { max_len: 1 << 20, ..Options::default() }).unwrap_err();
            assert_eq!(err.code(), "nesting-too-deep");
        })
        .unwrap()
        .join()
        .unwrap();
}

#[test]
fn the_checker_depth_limit_is_configurable() {
    let schema = schema();
    let q = Query { filter: Some(hand_built(10, false)), ..Query::default() };
    let tight = CheckOptions { max_depth: 5, ..CheckOptions::default() };
    let errors = check_with(&q, &schema, &tight).unwrap_err();
    assert_eq!(codes(&errors), ["nesting-too-deep"]);
    assert_eq!(errors[0].to_string(), "the query is nested more than 5 levels deep");
    check_with(&q, &schema, &CheckOptions { max_depth: 11, ..CheckOptions::default() }).unwrap();
}

#[test]
fn the_number_of_terms_is_limited() {
    let schema = schema();
    let term = "username eq 'x'";
    let at_limit = vec![term; 1000].join(" or ");
    check(&query(&at_limit), &schema).unwrap();
    let over = vec![term; 1001].join(" or ");
    let errors = check(&query(&over), &schema).unwrap_err();
    assert_eq!(codes(&errors), ["too-many-terms"], "reported once");
    // The span is the 1001st term.
    let start = 1000 * (term.len() + 4);
    assert_eq!(errors[0].span.range(), start..start + term.len());
    assert_eq!(&over[errors[0].span.range()], term);
    assert_eq!(errors[0].to_string(), "the filter has more than 1000 conditions");
    // Configurable; `not` and the junctions do not count, function tests do.
    let tight = CheckOptions { max_terms: 2, ..CheckOptions::default() };
    let q = query("not (username eq 'a' and (contains(username, 'b')))");
    check_with(&q, &schema, &tight).unwrap();
    let q = query("username eq 'a' and contains(username, 'b') or lastLogin eq null");
    let errors = check_with(&q, &schema, &tight).unwrap_err();
    assert_eq!(codes(&errors), ["too-many-terms"]);
    assert_eq!(errors[0].span, Span::new(47, 64));
}

#[test]
fn in_lists_are_limited() {
    let schema = schema();
    let list = |n: usize| format!("username in ({})", (0..n).map(|i| format!("'u{i}'")).collect::<Vec<_>>().join(", "));
    check(&query(&list(1000)), &schema).unwrap();
    let text = list(1003);
    let errors = check(&query(&text), &schema).unwrap_err();
    assert_eq!(codes(&errors), ["in-list-too-long"]);
    assert_eq!(&text[errors[0].span.range()], "'u1000', 'u1001', 'u1002'");
    assert_eq!(errors[0].to_string(), "the `in` list has 1003 values; at most 1000 are allowed");
    let tight = CheckOptions { max_in_list: 2, ..CheckOptions::default() };
    let errors = check_with(&query("userStatus in ('VERIFIED', 'BLOCKED', 'DELETED')"), &schema, &tight).unwrap_err();
    assert_eq!(codes(&errors), ["in-list-too-long"]);
}

#[test]
fn page_size_is_limited_when_configured() {
    let schema = schema();
    let opts = CheckOptions { max_limit: Some(600), ..CheckOptions::default() };
    let paged = |limit| Query { page: Page { limit, offset: 5 }, ..Query::default() };
    assert_eq!(check_with(&paged(Some(600)), &schema, &opts).unwrap().limit, Some(600));
    let errors = check_with(&paged(Some(601)), &schema, &opts).unwrap_err();
    assert_eq!(codes(&errors), ["page-too-large"]);
    assert_eq!(errors[0].span, Span::default());
    assert_eq!(errors[0].to_string(), "a page of 601 rows is too large; at most 600 rows per page are allowed");
    // No limit asks for every row, which the limit forbids.
    let errors = check_with(&paged(None), &schema, &opts).unwrap_err();
    assert_eq!(codes(&errors), ["page-too-large"]);
    // By default any page is allowed.
    check(&paged(Some(u64::MAX)), &schema).unwrap();
    check(&paged(None), &schema).unwrap();
}

#[test]
fn several_limits_are_reported_together() {
    let schema = schema();
    let opts = CheckOptions { max_limit: Some(10), max_in_list: 1, ..CheckOptions::default() };
    let mut q = query("userStatus in ('VERIFIED', 'BLOCKED')");
    q.page.limit = Some(11);
    let errors = check_with(&q, &schema, &opts).unwrap_err();
    assert_eq!(codes(&errors), ["in-list-too-long", "page-too-large"]);
}

#[test]
fn a_hundred_thousand_nested_mongo_and_arrays_is_an_error_with_a_span() {
    let n = 100_000;
    let text = format!("{}{}{}", r#"{"$and": ["#.repeat(n), r#"{"username": "x"}"#, "]}".repeat(n));
    let opts = roster_mongo::Options { max_len: usize::MAX, ..roster_mongo::Options::default() };
    let err = roster_mongo::parse_query_with(&text, &opts).unwrap_err();
    assert_eq!(err.code(), "nesting-too-deep");
    assert_eq!(err.to_string(), "the document is nested more than 64 levels deep");
    assert!(err.span.start > 0 && (err.span.end as usize) <= text.len(), "{:?}", err.span);
    // Within the limit it parses, checks, and is dropped without trouble.
    let ok = format!("{}{}{}", r#"{"$and": ["#.repeat(20), r#"{"username": "x"}"#, "]}".repeat(20));
    let filter = roster_mongo::parse_query(&ok).unwrap();
    assert!(check(&Query { filter, ..Query::default() }, &schema()).is_ok());
    // The default text limit is 64 KiB.
    let long = format!(r#"{{"username": "{}"}}"#, "a".repeat(64 * 1024));
    assert_eq!(roster_mongo::parse_query(&long).unwrap_err().code(), "input-too-long");
}

#[test]
fn rest_parameters_are_limited_to_64_kib_per_query_string_and_body() {
    let caller = roster_params::Caller::default();
    let max = roster_params::MAX_INPUT;
    assert_eq!(max, 64 * 1024);
    let query = format!("name={}", "a".repeat(max));
    let err = roster_params::parse("directory", &query, None, &caller).unwrap_err();
    assert_eq!((err.code(), err.to_string()), ("params-syntax", format!("`query string`: longer than {max} bytes")));
    let body = format!(r#"{{"search": "{}"}}"#, "a".repeat(max));
    let err = roster_params::parse("accounts", "", Some(&body), &caller).unwrap_err();
    assert_eq!((err.code(), err.to_string()), ("params-syntax", format!("`body`: longer than {max} bytes")));
    // Just under the limit is accepted.
    let query = format!("name={}", "a".repeat(max - 5));
    assert!(roster_params::parse("directory", &query, None, &caller).is_ok());
}

/// The chat profile's `$regex` limits: pattern length, nesting, repetition counts and the
/// compiled size are each a check error with a message and a span into the query, never a
/// failure when the query runs (the in-memory engine and SQLite compile with the same size
/// limit, PostgreSQL runs the translation of an accepted pattern).
#[test]
fn chat_regex_limits_are_check_errors() {
    use roster_check::document::{MAX_REGEX_COMPILED, MAX_REGEX_LEN, MAX_REPEAT, check_document};
    let schema = roster_schema::profiles::chat::schema();
    let run = |pattern: &str| {
        let json = serde_json::json!({ "username": { "$regex": pattern } }).to_string();
        let filter = roster_mongo::parse_query(&json).unwrap();
        check_document(&Query { filter, ..Query::default() }, &schema).map(|_| ()).map_err(|errors| {
            let e = &errors[0];
            assert!(e.span().end as usize <= json.len() && e.span().start < e.span().end, "{json}: {e}");
            e.to_string()
        })
    };
    // At the limits, accepted.
    run(&"a".repeat(MAX_REGEX_LEN)).unwrap();
    run(&format!("{}a{}", "(".repeat(60), ")".repeat(60))).unwrap();
    run(&format!("a{{{MAX_REPEAT}}}")).unwrap();
    // Past them, refused, each saying why.
    let long = run(&"a".repeat(MAX_REGEX_LEN + 1)).unwrap_err();
    assert!(long.contains(&format!("at most {MAX_REGEX_LEN}")), "{long}");
    let deep = run(&format!("{}a{}", "(".repeat(100), ")".repeat(100))).unwrap_err();
    assert!(deep.contains("invalid regular expression"), "{deep}");
    let repeat = run(&format!("a{{{}}}", MAX_REPEAT + 1)).unwrap_err();
    assert!(repeat.contains(&format!("above {MAX_REPEAT}")), "{repeat}");
    // Bounded repetitions that multiply into a huge automaton.
    let big = run(r"(\w{255}){255}").unwrap_err();
    assert!(big.contains(&format!("more than {MAX_REGEX_COMPILED} bytes")), "{big}");
}
