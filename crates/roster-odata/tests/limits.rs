//! Resource limits: deep nesting is an error, never a stack overflow; long flat chains parse
//! with loops; the length limit is checked first. These run in debug builds on ordinary test
//! threads.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use roster_ast::{Diagnostic, ExprKind, Span};
use roster_odata::{Options, parse_filter, parse_filter_with};

/// Generous enough for the long inputs below; the depth limit stays the default.
fn long() -> Options {
    Options { max_len: 4 << 20, ..Options::default() }
}

#[test]
fn defaults() {
    let opts = Options::default();
    assert_eq!(opts.max_len, 64 * 1024);
    assert_eq!(opts.max_depth, 128);
}

#[test]
fn a_hundred_thousand_open_parentheses() {
    let text = "(".repeat(100_000);
    let err = parse_filter_with(&text, &long()).unwrap_err();
    assert_eq!(err.code(), "nesting-too-deep");
    // The 129th parenthesis opens one level too many.
    assert_eq!(err.span, Span::new(128, 129));
}

#[test]
fn a_hundred_thousand_nots() {
    let text = "not ".repeat(100_000) + "a";
    let err = parse_filter_with(&text, &long()).unwrap_err();
    assert_eq!(err.code(), "nesting-too-deep");
    assert_eq!(err.span, Span::new(128 * 4, 128 * 4 + 3));
}

#[test]
fn deep_mixtures() {
    for unit in ["not (", "tolower(", "a in (", "(not "] {
        let text = unit.repeat(20_000);
        let err = parse_filter_with(&text, &long()).unwrap_err();
        assert_eq!(err.code(), "nesting-too-deep", "{unit}");
    }
    let text = "a eq ".repeat(20_000) + "a";
    assert_eq!(parse_filter_with(&text, &long()).unwrap_err().code(), "nesting-too-deep");
}

#[test]
fn exactly_the_limit_is_accepted() {
    let depth = Options::default().max_depth;
    let ok = format!("{}a{}", "(".repeat(depth), ")".repeat(depth));
    parse_filter(&ok).unwrap();
    let deep = format!("({ok})");
    assert_eq!(parse_filter(&deep).unwrap_err().code(), "nesting-too-deep");
    let ok = format!("{}a", "not ".repeat(depth));
    let e = parse_filter(&ok).unwrap();
    // Printing and dropping the deepest accepted tree is fine too.
    assert_eq!(e.to_string(), ok);
}

#[test]
fn long_flat_chains_are_loops() {
    let terms = 20_000;
    let and = vec!["a eq 1"; terms].join(" and ");
    let e = parse_filter_with(&and, &long()).unwrap();
    let ExprKind::And { operands } = &e.kind else { panic!("not an and") };
    assert_eq!(operands.len(), terms);
    assert_eq!(e.span, Span::new(0, u32::try_from(and.len()).unwrap()));
    assert_eq!(e.to_string(), and);

    let or = vec!["a eq 1 and b ne 'x'"; terms].join(" or ");
    let e = parse_filter_with(&or, &long()).unwrap();
    let ExprKind::Or { operands } = &e.kind else { panic!("not an or") };
    assert_eq!(operands.len(), terms);

    let list = format!("a in ({})", vec!["1"; terms].join(", "));
    let e = parse_filter_with(&list, &long()).unwrap();
    assert_eq!(e.children().len(), terms + 1);
}

#[test]
fn the_default_length_limit() {
    let max = Options::default().max_len;
    let fits = format!("a eq '{}'", "x".repeat(max - 7));
    assert_eq!(fits.len(), max);
    parse_filter(&fits).unwrap();
    let over = format!("a eq '{}'", "x".repeat(max - 6));
    let err = parse_filter(&over).unwrap_err();
    assert_eq!(err.code(), "input-too-long");
    assert_eq!(err.span, Span::new(65_536, 65_537));
}

#[test]
fn the_parser_does_not_recurse() {
    // With the depth limit lifted, a 100,000-deep tree parses on a small stack: the parser's
    // stack use does not grow with nesting (and `Expr`'s `Drop` is iterative too).
    let opts = Options { max_len: usize::MAX, max_depth: usize::MAX };
    let n = 100_000;
    let texts = [
        format!("{}a{}", "(".repeat(n), ")".repeat(n)),
        format!("{}a", "not ".repeat(n)),
        format!("{}a{}", "tolower(".repeat(n), ")".repeat(n)),
        format!("{}a{}", "x in (".repeat(n), ")".repeat(n)),
        "a eq ".repeat(n) + "a",
    ];
    std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(move || {
            for text in texts {
                let e = parse_filter_with(&text, &opts).unwrap_or_else(|err| panic!("{err}"));
                assert!(e.span.end as usize <= text.len());
            }
        })
        .unwrap()
        .join()
        .unwrap();
}

#[test]
fn deeply_nested_geo_collections() {
    let nested = |n: usize| {
        format!("geo.length(geography'SRID=0;{}Point(1 2){}')", "GeometryCollection(".repeat(n), ")".repeat(n))
    };
    // Each collection is one level, counted from the literal's own level (a call: 1).
    let depth = Options::default().max_depth;
    let ok = nested(depth - 1);
    assert_eq!(parse_filter(&ok).unwrap().to_string(), ok);
    let err = parse_filter(&nested(depth)).unwrap_err();
    assert_eq!(err.code(), "nesting-too-deep");
    let at = u32::try_from("geo.length(geography'SRID=0;".len() + (depth - 1) * "GeometryCollection(".len()).unwrap();
    assert_eq!(err.span, Span::new(at, at + 18));
    // 100,000 levels: an error, not a stack overflow.
    let err = parse_filter_with(&nested(100_000), &long()).unwrap_err();
    assert_eq!(err.code(), "nesting-too-deep");
    // A raised limit reads them all with a loop; the literal is flat text.
    let wide = Options { max_depth: usize::MAX, ..long() };
    let e = parse_filter_with(&nested(100_000), &wide).unwrap();
    drop(e);
}
