//! Every error: its code, its span and the exact message and help a person reads.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use roster_ast::{Diagnostic, Span};
use roster_odata::{Closer, Expected, LiteralKind, Options, ParseErrorKind, parse_filter, parse_filter_with};

/// The cases of `tests/corpus/errors.txt`: each is a line `> filter`, followed by what the
/// parser reports for it, as a person reads it: a caret line under the span with the code
/// and the byte range, the message, and the help when there is one. The file is the
/// expectation; run with `ROSTER_BLESS=1` to rewrite it from the parser's output, then
/// review the diff.
#[test]
fn error_cases_render_as_recorded() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus/errors.txt");
    let recorded = std::fs::read_to_string(path).unwrap();
    let mut rendered = String::new();
    for line in recorded.lines() {
        if line.starts_with('#') {
            rendered.push_str(line);
            rendered.push('\n');
        } else if line.is_empty() {
            // Each case's report ends with a blank line already.
            if !rendered.ends_with("\n\n") {
                rendered.push('\n');
            }
        } else if let Some(text) = line.strip_prefix("> ").or(line.strip_prefix(">")) {
            rendered.push_str(&render(text));
        }
    }
    while rendered.ends_with("\n\n") {
        rendered.pop();
    }
    if std::env::var_os("ROSTER_BLESS").is_some() {
        std::fs::write(path, &rendered).unwrap();
    } else if rendered != recorded {
        let (want, got) = recorded.lines().zip(rendered.lines()).find(|(a, b)| a != b).unwrap_or(("(end)", "(end)"));
        panic!(
            "tests/corpus/errors.txt is out of date (ROSTER_BLESS=1 rewrites it)\nrecorded: {want}\nnow:      {got}"
        );
    }
}

/// `> text`, a caret line under the span with `code [start..end]`, the message, the help.
fn render(text: &str) -> String {
    let err = match parse_filter(text) {
        Ok(e) => return format!("> {text}\nparses: {e}\n\n"),
        Err(err) => err,
    };
    let head = if text.is_empty() { ">".to_string() } else { format!("> {text}") };
    let r = err.span.range();
    assert!(r.end <= text.len(), "{text:?}: span {:?} past the end", err.span);
    let pad = text[..r.start].chars().count();
    let width = text[r.clone()].chars().count().max(1);
    let mut out =
        format!("{head}\n  {}{} {} [{}..{}]\n{err}\n", " ".repeat(pad), "^".repeat(width), err.code(), r.start, r.end);
    if let Some(help) = err.help() {
        out.push_str(&format!("help: {help}\n"));
    }
    out.push('\n');
    out
}

#[test]
fn white_space_alone_is_an_empty_filter() {
    let err = parse_filter(" \t\n ").unwrap_err();
    assert_eq!(err.span, Span::new(4, 4));
    assert_eq!(err.to_string(), "expected a value (literal, field or function call), found end of input");
}

#[test]
fn error_kinds_carry_data() {
    let err = parse_filter("username eq").unwrap_err();
    assert_eq!(err.kind, ParseErrorKind::Syntax { expected: Expected::Value, found: None });
    let err = parse_filter("(a").unwrap_err();
    assert_eq!(
        err.kind,
        ParseErrorKind::Syntax { expected: Expected::Continuation(Closer::Paren { open: 0 }), found: None }
    );
    let err = parse_filter("a eq 1e999").unwrap_err();
    assert!(matches!(err.kind, ParseErrorKind::InvalidLiteral { literal: LiteralKind::Number, .. }));
    let err = parse_filter("contains(a)").unwrap_err();
    assert!(matches!(err.kind, ParseErrorKind::WrongArity { expected: 2, found: 1, .. }));
}

#[test]
fn found_tokens_are_shown_safely() {
    let err = parse_filter("a eq 1 \u{7}x").unwrap_err();
    assert_eq!(err.to_string(), "expected `and`, `or` or end of input, found `\\u{7}`");
    let long = format!("a eq 1 {}", "x".repeat(100));
    let err = parse_filter(&long).unwrap_err();
    assert_eq!(err.to_string(), format!("expected `and`, `or` or end of input, found `{}…`", "x".repeat(40)));
    assert_eq!(err.span, Span::new(7, 107));
}

#[test]
fn nesting_too_deep() {
    let opts = Options { max_depth: 2, ..Options::default() };
    let cases = [
        ("((a))", "(((a)))", Span::new(2, 3)),
        ("not not a", "not not not a", Span::new(8, 11)),
        ("tolower(tolower(a))", "tolower(tolower(tolower(a)))", Span::new(16, 23)),
        ("a in ((1))", "a in (((1)))", Span::new(7, 8)),
        ("a eq b eq c eq d", "a eq b eq c eq d eq e", Span::new(17, 19)),
    ];
    for (ok, deep, span) in cases {
        parse_filter_with(ok, &opts).unwrap_or_else(|e| panic!("{ok}: {e}"));
        let err = parse_filter_with(deep, &opts).expect_err(deep);
        assert_eq!((err.code(), err.span), ("nesting-too-deep", span), "{deep}");
        assert_eq!(err.to_string(), "nesting too deep: more than 2 levels of parentheses, `not` and function calls");
        assert_eq!(err.help().as_deref(), Some("simplify the filter, or raise `Options::max_depth`"));
    }
}

#[test]
fn input_too_long() {
    let opts = Options { max_len: 10, ..Options::default() };
    parse_filter_with("abcdefghij", &opts).unwrap();
    let err = parse_filter_with("abcdefghijkl", &opts).unwrap_err();
    assert_eq!((err.code(), err.span), ("input-too-long", Span::new(10, 12)));
    assert_eq!(err.to_string(), "input too long: 12 bytes, the limit is 10");
    assert_eq!(err.kind, ParseErrorKind::InputTooLong { len: 12, max_len: 10 });
    // Checked before parsing: even text that would not parse gets this error.
    assert_eq!(parse_filter_with("((((((((((((", &opts).unwrap_err().code(), "input-too-long");
}
