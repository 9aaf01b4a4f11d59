//! Properties: printing any tree this grammar can express and parsing it back gives the
//! same tree; parse → print → parse is a fixed point on the corpus and on whatever random
//! text happens to parse; and no input (arbitrary, token soup, mutated valid filters) makes
//! the parser panic or report a span outside the text.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{assert_spans, corpus, unspanned};
use proptest::prelude::*;
use proptest::sample::select;
use roster_ast::time::Timestamp;
use roster_ast::{
    ArithOp, CmpOp, Diagnostic, Duration, Expr, ExprKind, Func, Literal, Member, PICOS_PER_SEC, Path, Quantifier, Span,
    TimeOfDay,
};
use roster_odata::{ParseErrorKind, parse_filter, parse_orderby};

/// Words that cannot be a field name (the first segment of a path).
const RESERVED: [&str; 13] = ["and", "or", "not", "eq", "ne", "gt", "ge", "lt", "le", "in", "null", "true", "false"];

fn segment() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[A-Za-z_][A-Za-z0-9_]{0,7}",
        1 => "[\\p{L}_][\\p{L}\\p{N}_]{0,4}",
        1 => select(&["and", "or", "not", "eq", "in", "null", "true", "Eq", "x"][..]).prop_map(str::to_string),
    ]
}

fn path() -> impl Strategy<Value = Path> {
    (segment(), prop::collection::vec(segment(), 0..3))
        .prop_filter("the first segment is not a reserved word or a literal", |(first, _)| {
            !RESERVED.iter().any(|r| r.eq_ignore_ascii_case(first)) && first != "INF" && first != "NaN"
        })
        .prop_map(|(first, rest)| {
            let mut segments = vec![first];
            segments.extend(rest);
            Path { segments, span: Span::default() }
        })
}

fn literal() -> impl Strategy<Value = Literal> {
    prop_oneof![
        Just(Literal::Null),
        any::<bool>().prop_map(Literal::Bool),
        any::<i64>().prop_map(Literal::Int),
        (-1000i64..1000).prop_map(Literal::Int),
        any::<f64>().prop_filter("finite", |x| x.is_finite()).prop_map(Literal::Float),
        (-1e3f64..1e3).prop_map(Literal::Float),
        any::<String>().prop_map(Literal::String),
        "[a-z' ]{0,8}".prop_map(Literal::String),
        any::<u128>().prop_map(Literal::Guid),
        (Timestamp::MIN.0..=Timestamp::MAX.0).prop_map(|t| Literal::DateTime(Timestamp(t))),
        (0i64..4_000_000_000).prop_map(|s| Literal::DateTime(Timestamp(s * 1_000_000))),
        Just(Literal::Float(f64::INFINITY)),
        Just(Literal::Float(f64::NEG_INFINITY)),
        (0..86_400 * PICOS_PER_SEC).prop_map(|p| Literal::TimeOfDay(TimeOfDay(p))),
        (0u64..86_400).prop_map(|s| Literal::TimeOfDay(TimeOfDay(s * PICOS_PER_SEC))),
        (-(1i128 << 100)..(1i128 << 100)).prop_map(|p| Literal::Duration(Duration(p))),
        (-1_000_000i128..1_000_000).prop_map(|s| Literal::Duration(Duration(s * i128::from(PICOS_PER_SEC)))),
        prop::collection::vec(any::<u8>(), 0..8).prop_map(Literal::Binary),
        (
            "[A-Z][a-z]{0,4}\\.[A-Z][a-z]{0,4}",
            prop::collection::vec(prop_oneof!["[A-Za-z_][A-Za-z0-9_]{0,5}", "[+-]?[0-9]{1,4}"], 1..3)
        )
            .prop_map(|(type_name, members)| Literal::Enum { type_name, value: members.join(",") }),
        (any::<bool>(), 0u32..100_000, geo_shape()).prop_map(|(geography, srid, shape)| Literal::Geo {
            geography,
            srid,
            shape
        }),
    ]
}

/// The canonical text of a geospatial shape, one collection deep at most.
fn geo_shape() -> impl Strategy<Value = String> {
    let position = prop::collection::vec("-?[0-9]{1,3}(\\.[0-9]{1,2})?|[+-][0-9]e-?[0-9]|NaN|INF|-INF", 2..=4)
        .prop_map(|c| c.join(" "));
    let positions = move |n: std::ops::Range<usize>| prop::collection::vec(position.clone(), n);
    let ring = (positions(1..2), positions(0..3)).prop_map(|(first, mid)| {
        let first = &first[0];
        let inner: Vec<&str> = mid.iter().map(String::as_str).collect();
        let middle = if inner.is_empty() { String::new() } else { format!(",{}", inner.join(",")) };
        format!("({first}{middle},{first})")
    });
    let parens = |items: Vec<String>| items.iter().map(|i| format!("({i})")).collect::<Vec<_>>().join(",");
    let simple = prop_oneof![
        positions(1..2).prop_map(|p| format!("Point({})", p[0])),
        positions(2..4).prop_map(|p| format!("LineString({})", p.join(","))),
        prop::collection::vec(ring.clone(), 1..3).prop_map(|r| format!("Polygon({})", r.join(","))),
        positions(0..3).prop_map(move |p| format!("MultiPoint({})", parens(p))),
        prop::collection::vec(positions(2..3), 0..3)
            .prop_map(move |ls| format!("MultiLineString({})", parens(ls.into_iter().map(|l| l.join(",")).collect()))),
        prop::collection::vec(prop::collection::vec(ring, 1..3), 0..2)
            .prop_map(move |ps| format!("MultiPolygon({})", parens(ps.into_iter().map(|r| r.join(",")).collect()))),
    ];
    prop_oneof![
        3 => simple.clone(),
        1 => prop::collection::vec(simple, 1..3).prop_map(|items| format!("GeometryCollection({})", items.join(","))),
    ]
}

/// A literal that may stand in an `in` list of several items.
fn list_literal() -> impl Strategy<Value = Expr> {
    literal().prop_map(|l| Expr::literal(l, Span::default()))
}

fn node(kind: ExprKind) -> Expr {
    Expr::new(kind, Span::default())
}

/// Any tree the OData grammar can express.
fn expr() -> impl Strategy<Value = Expr> {
    let leaf = prop_oneof![literal().prop_map(|l| Expr::literal(l, Span::default())), path().prop_map(Expr::path),];
    leaf.prop_recursive(6, 48, 4, |inner| {
        prop_oneof![
            (inner.clone(), select(&CmpOp::ALL[..]), inner.clone())
                .prop_map(|(l, op, r)| { node(ExprKind::Compare { op, lhs: Box::new(l), rhs: Box::new(r) }) }),
            // `listExpr` holds literals; one item in parentheses may be any expression.
            (inner.clone(), prop::collection::vec(list_literal(), 0..4))
                .prop_map(|(l, list)| node(ExprKind::In { lhs: Box::new(l), list })),
            (inner.clone(), inner.clone())
                .prop_map(|(l, item)| node(ExprKind::In { lhs: Box::new(l), list: vec![item] })),
            (inner.clone(), select(&ArithOp::ALL[..]), inner.clone()).prop_map(|(l, op, r)| node(ExprKind::Arith {
                op,
                lhs: Box::new(l),
                rhs: Box::new(r)
            })),
            inner.clone().prop_map(|e| node(ExprKind::Negate { operand: Box::new(e) })),
            (inner.clone(), inner.clone())
                .prop_map(|(l, r)| node(ExprKind::Has { lhs: Box::new(l), rhs: Box::new(r) })),
            prop::collection::vec(inner.clone(), 0..3).prop_map(|items| node(ExprKind::Array { items })),
            prop::collection::vec((any::<String>(), inner.clone()), 0..3).prop_map(|members| node(ExprKind::Object {
                members: members.into_iter().map(|(name, value)| Member { name, value }).collect()
            })),
            (select(&[Quantifier::Any, Quantifier::All][..]), path(), "[a-z][a-z0-9]{0,3}", inner.clone())
                .prop_filter("the variable is not a reserved word", |(_, _, var, _)| !RESERVED.contains(&var.as_str()))
                .prop_map(|(quantifier, path, var, predicate)| {
                    node(ExprKind::Quantified { quantifier, path, var, predicate: Box::new(predicate) })
                }),
            path().prop_map(|path| node(ExprKind::Quantified {
                quantifier: Quantifier::Any,
                path,
                var: String::new(),
                predicate: Box::new(Expr::literal(Literal::Bool(true), Span::default())),
            })),
            prop::collection::vec(inner.clone(), 2..5).prop_map(|operands| node(ExprKind::And { operands })),
            prop::collection::vec(inner.clone(), 2..5).prop_map(|operands| node(ExprKind::Or { operands })),
            inner.clone().prop_map(|e| node(ExprKind::Not { operand: Box::new(e) })),
            (select(&Func::ALL[..]), prop::collection::vec(inner, 2)).prop_map(|(func, mut args)| {
                args.truncate(func.arity().1);
                node(ExprKind::Call { func, args })
            }),
        ]
    })
}

/// What must hold for any text: an error has a span inside the text, on character
/// boundaries (but for `input-too-long`, whose span starts at the byte limit), and a
/// message; a success satisfies the span invariants and prints to text that parses back to
/// the same tree, which prints the same again.
fn check_any_text(text: &str) {
    match parse_filter(text) {
        Ok(e) => {
            assert_spans(&e, text);
            let printed = e.to_string();
            let again = parse_filter(&printed).unwrap_or_else(|err| panic!("{text:?} printed as {printed:?}: {err}"));
            assert_eq!(unspanned(&again), unspanned(&e), "{text:?} printed as {printed:?}");
            assert_eq!(again.to_string(), printed);
        }
        Err(err) => {
            let r = err.span.range();
            assert!(r.start <= r.end && r.end <= text.len(), "{text:?}: {:?}", err.span);
            if !matches!(err.kind, ParseErrorKind::InputTooLong { .. }) {
                assert!(text.is_char_boundary(r.start) && text.is_char_boundary(r.end), "{text:?}: {:?}", err.span);
            }
            assert!(!err.to_string().is_empty() && !err.code().is_empty());
        }
    }
    if let Ok(keys) = parse_orderby(text) {
        for k in keys {
            assert!(k.span.contains(k.path.span) && k.span.end as usize <= text.len());
        }
    }
}

/// Pieces of filters, valid and broken, for token soup.
const TOKENS: &[&str] = &[
    "a",
    "b/c",
    "eq",
    "NE",
    "gt",
    "in",
    "and",
    "OR",
    "not",
    "(",
    ")",
    ",",
    "'x'",
    "'it''s'",
    "'",
    "''",
    "1",
    "-2.5",
    "1e3",
    "null",
    "true",
    "contains(",
    "tolower(",
    "length(",
    "2020-01-01",
    "2020-09-21T14:19:09.769747Z",
    "7600415a-8876-5722-9f3c-b0fd11112283",
    "/",
    "=",
    "\"",
    "é",
    "😀",
    "\t",
    "\n",
    "12ab",
    "abcdef01-",
    ":",
    "+",
    "-",
];

fn soup() -> impl Strategy<Value = String> {
    prop::collection::vec((select(TOKENS), select(&["", " ", " ", "  "][..])), 0..16)
        .prop_map(|parts| parts.into_iter().map(|(t, sep)| format!("{t}{sep}")).collect())
}

/// One edit of a text: insert, delete or replace around a character position.
#[derive(Debug, Clone)]
enum Edit {
    Insert(usize, char),
    Delete(usize, usize),
    Replace(usize, char),
}

fn edit() -> impl Strategy<Value = Edit> {
    let chars = prop_oneof![
        select(&['(', ')', '\'', ',', ' ', '/', '-', '.', 'a', 'e', '0', ':', 'T', 'Z', '"', 'é'][..]),
        any::<char>(),
    ];
    prop_oneof![
        (any::<usize>(), chars.clone()).prop_map(|(i, c)| Edit::Insert(i, c)),
        (any::<usize>(), 1usize..6).prop_map(|(i, n)| Edit::Delete(i, n)),
        (any::<usize>(), chars).prop_map(|(i, c)| Edit::Replace(i, c)),
    ]
}

fn apply(text: &str, edits: &[Edit]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for e in edits {
        let n = chars.len();
        match *e {
            Edit::Insert(i, c) => chars.insert(i % (n + 1), c),
            Edit::Delete(i, k) if n > 0 => {
                let i = i % n;
                chars.drain(i..(i + k).min(n));
            }
            Edit::Replace(i, c) if n > 0 => chars[i % n] = c,
            _ => {}
        }
    }
    chars.into_iter().collect()
}

proptest! {
    #[test]
    fn print_then_parse_gives_the_same_tree(e in expr()) {
        let text = e.to_string();
        let parsed = parse_filter(&text).map_err(|err| {
            TestCaseError::fail(format!("{text:?}: {err} at {:?}", err.span))
        })?;
        prop_assert_eq!(unspanned(&parsed), unspanned(&e), "{:?}", text);
        prop_assert_eq!(parsed.to_string(), text.clone());
        assert_spans(&parsed, &text);
    }

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        check_any_text(&text);
    }

    #[test]
    fn token_soup_never_panics(text in soup()) {
        check_any_text(&text);
    }

    #[test]
    fn mutated_filters_never_panic(
        pick in any::<prop::sample::Index>(),
        edits in prop::collection::vec(edit(), 1..4),
    ) {
        let corpus = corpus();
        let text = apply(&corpus[pick.index(corpus.len())], &edits);
        check_any_text(&text);
    }
}

#[test]
fn the_corpus_is_a_fixed_point() {
    for text in corpus() {
        let first = parse_filter(&text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
        let printed = first.to_string();
        let second = parse_filter(&printed).unwrap_or_else(|e| panic!("{printed:?}: {e}"));
        assert_eq!(unspanned(&second), unspanned(&first), "{text:?} printed as {printed:?}");
        assert_eq!(second.to_string(), printed, "{text:?}");
        assert_spans(&first, &text);
        assert_spans(&second, &printed);
    }
}

#[test]
fn canonical_prints() {
    let cases = [
        ("a EQ 1 AND b", "a eq 1 and b"),
        ("(a and b) and c", "(a and b) and c"),
        ("((a eq 1))", "a eq 1"),
        ("not(a)", "not a"),
        ("not a eq b", "not a eq b"),
        ("not (a eq b)", "not (a eq b)"),
        ("a eq b eq c", "(a eq b) eq c"),
        ("a add b mul c", "a add b mul c"),
        ("(a add b) mul c", "(a add b) mul c"),
        ("a sub (b sub c)", "a sub (b sub c)"),
        ("(a sub b) sub c", "a sub b sub c"),
        ("- ( a )", "-a"),
        ("-(5)", "-(5)"),
        ("-(-a)", "--a"),
        ("- - a", "--a"),
        ("-(-(5))", "--(5)"),
        ("-(not a)", "-not a"),
        ("not (-a)", "not -a"),
        ("not a in (1,2)", "not (a in (1, 2))"),
        ("a In ['x',\"y\"]", "a in (['x', 'y'])"),
        ("Tags/ANY(t:t eq 1)", "Tags/any(t: t eq 1)"),
        ("SUBSTRING(a,1)", "substring(a, 1)"),
        ("CONTAINS(a,'x')", "contains(a, 'x')"),
        ("a in(1,2)", "a in (1, 2)"),
        ("x eq 1.50", "x eq 1.5"),
        ("x eq +7", "x eq 7"),
        ("x eq 2021-05-06T10:50:35+05:30", "x eq 2021-05-06T05:20:35Z"),
        ("x eq 2020-09-21", "x eq 2020-09-21T00:00:00Z"),
        ("x eq ABCDEF01-2345-6789-ABCD-EF0123456789", "x eq abcdef01-2345-6789-abcd-ef0123456789"),
        ("x eq 'O''Brien'", "x eq 'O''Brien'"),
    ];
    for (text, canonical) in cases {
        assert_eq!(common::parse(text).to_string(), canonical, "{text}");
    }
}
