//! `$orderby`: fields, directions (case-insensitive, `asc` by default), spans and errors.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use roster_ast::{Diagnostic, Direction, Span};
use roster_odata::parse_orderby;

fn keys(text: &str) -> Vec<(String, Direction, Span)> {
    parse_orderby(text)
        .unwrap_or_else(|e| panic!("{text}: {e}"))
        .into_iter()
        .map(|k| (k.path.joined("/"), k.direction, k.span))
        .collect()
}

#[test]
fn fields_and_directions() {
    assert_eq!(
        keys("createdAt desc, id"),
        [("createdAt".into(), Direction::Desc, Span::new(0, 14)), ("id".into(), Direction::Asc, Span::new(16, 18)),]
    );
    assert_eq!(keys("username")[0].1, Direction::Asc);
    assert_eq!(keys("username asc")[0].1, Direction::Asc);
    assert_eq!(keys("username ASC")[0].1, Direction::Asc);
    assert_eq!(keys("username Desc")[0].1, Direction::Desc);
    assert_eq!(keys("  a/b  desc ,c,d asc  ")[0], ("a/b".into(), Direction::Desc, Span::new(2, 11)));
    assert_eq!(keys("a,b,c").len(), 3);
    assert_eq!(keys("a\tdesc")[0].1, Direction::Desc);
}

/// OData sorts by any expression; Roster keeps one as its canonical text, which the checker
/// reports as unsupported.
#[test]
fn expression_keys_are_kept_as_text() {
    assert_eq!(keys("1 desc")[0], ("1".into(), Direction::Desc, Span::new(0, 6)));
    assert_eq!(keys("Cost ge Revenue asc, id")[0], ("Cost ge Revenue".into(), Direction::Asc, Span::new(0, 19)));
    assert_eq!(keys("tolower(name) DESC")[0], ("tolower(name)".into(), Direction::Desc, Span::new(0, 18)));
    assert_eq!(keys("concat(a, ',') desc,b")[1].0, "b");
}

#[test]
fn a_parenthesised_path_is_the_path() {
    // Found by the odata_orderby fuzz target: kept as one segment `t/sgaa`, it printed as
    // `t/sgaa asc` and read back as the two segments `t`, `sgaa`.
    let parsed = parse_orderby("(t/sgaa) desc, ((id))").unwrap();
    assert_eq!(parsed[0].path.segments, ["t", "sgaa"]);
    assert_eq!(
        (parsed[0].direction, parsed[0].span, parsed[0].path.span),
        (Direction::Desc, Span::new(0, 13), Span::new(0, 8))
    );
    assert_eq!(parsed[1].path.segments, ["id"]);
    let printed: Vec<String> = parsed.iter().map(ToString::to_string).collect();
    assert_eq!(printed, ["t/sgaa desc", "id asc"]);
    let again = parse_orderby(&printed.join(", ")).unwrap();
    assert_eq!(again[0].path.segments, ["t", "sgaa"]);
}

#[test]
fn sort_keys_print_back() {
    let printed: Vec<String> = parse_orderby("createdAt DESC, id").unwrap().iter().map(ToString::to_string).collect();
    assert_eq!(printed, ["createdAt desc", "id asc"]);
}

fn err(text: &str) -> (String, &'static str, Span) {
    let e = parse_orderby(text).unwrap_err();
    assert!(e.span.end as usize <= text.len());
    (e.to_string(), e.code(), e.span)
}

#[test]
fn errors() {
    assert_eq!(err(""), ("expected a field name, found end of input".into(), "syntax", Span::new(0, 0)));
    assert_eq!(err("a,"), ("expected a field name, found end of input".into(), "syntax", Span::new(2, 2)));
    assert_eq!(
        err("createdAt down"),
        ("expected `asc`, `desc`, `,` or end of input, found `down`".into(), "syntax", Span::new(10, 14))
    );
    assert_eq!(
        err("createdAt desc id"),
        ("expected `,` or end of input, found `id`".into(), "syntax", Span::new(15, 17))
    );
    assert_eq!(err("a eq").2, Span::new(4, 4));
    assert_eq!(err("x, tolower(").2, Span::new(11, 11));
    assert_eq!(err("a/ desc").0, "expected a field name, found white space");
    let long = "a".repeat(70_000);
    assert_eq!(err(&long).1, "input-too-long");
}
