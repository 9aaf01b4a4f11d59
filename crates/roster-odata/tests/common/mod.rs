//! Helpers shared by the integration tests: span-insensitive comparison, a compact
//! s-expression form for precedence tests, the span invariants, and the corpus.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use roster_ast::{Expr, ExprKind, Literal, Span, StepKind};

/// Sets every span in the tree to the default, for comparisons that ignore positions.
pub fn erase_spans(e: &mut Expr) {
    e.span = Span::default();
    match &mut e.kind {
        ExprKind::Path { path } => path.span = Span::default(),
        ExprKind::Exists { path, .. } => path.span = Span::default(),
        ExprKind::Quantified { path, predicate, .. } => {
            path.span = Span::default();
            erase_spans(predicate);
        }
        ExprKind::Search { fields: Some(fields), .. } => fields.iter_mut().for_each(|p| p.span = Span::default()),
        ExprKind::And { operands } | ExprKind::Or { operands } => operands.iter_mut().for_each(erase_spans),
        ExprKind::Call { args, .. } => args.iter_mut().for_each(erase_spans),
        ExprKind::Not { operand } => erase_spans(operand),
        ExprKind::Compare { lhs, rhs, .. } | ExprKind::Arith { lhs, rhs, .. } | ExprKind::Has { lhs, rhs } => {
            erase_spans(lhs);
            erase_spans(rhs);
        }
        ExprKind::Negate { operand } => erase_spans(operand),
        ExprKind::Array { items } => items.iter_mut().for_each(erase_spans),
        ExprKind::Object { members } => members.iter_mut().for_each(|m| erase_spans(&mut m.value)),
        ExprKind::In { lhs, list } => {
            erase_spans(lhs);
            list.iter_mut().for_each(erase_spans);
        }
        ExprKind::Regex { target, .. } => erase_spans(target),
        ExprKind::Navigate { steps } => {
            for step in steps {
                step.span = Span::default();
                step.exprs_mut().into_iter().for_each(erase_spans);
            }
        }
        ExprKind::Literal { .. } | ExprKind::Search { .. } => {}
    }
}

/// A copy of the tree without spans.
pub fn unspanned(e: &Expr) -> Expr {
    let mut e = e.clone();
    erase_spans(&mut e);
    e
}

/// Parses, panicking with the error.
pub fn parse(text: &str) -> Expr {
    roster_odata::parse_filter(text).unwrap_or_else(|e| panic!("{text:?}: {e}"))
}

/// A compact, fully parenthesised form: `(and (eq a 1) (not b))`.
pub fn sexpr(e: &Expr) -> String {
    let list = |head: &str, items: &[&Expr]| {
        let mut s = format!("({head}");
        for i in items {
            s.push(' ');
            s.push_str(&sexpr(i));
        }
        s.push(')');
        s
    };
    match &e.kind {
        ExprKind::Literal { value: Literal::String(s) } => format!("{s:?}"),
        ExprKind::Literal { value } => value.to_string(),
        ExprKind::Path { path } => path.joined("/"),
        ExprKind::And { .. } => list("and", &e.children()),
        ExprKind::Or { .. } => list("or", &e.children()),
        ExprKind::Not { .. } => list("not", &e.children()),
        ExprKind::Compare { op, .. } => list(op.keyword(), &e.children()),
        ExprKind::In { .. } => list("in", &e.children()),
        ExprKind::Call { func, .. } => list(func.name(), &e.children()),
        ExprKind::Arith { op, .. } => list(op.keyword(), &e.children()),
        ExprKind::Negate { .. } => list("-", &e.children()),
        ExprKind::Has { .. } => list("has", &e.children()),
        ExprKind::Array { .. } => list("array", &e.children()),
        ExprKind::Quantified { quantifier, path, var, .. } => {
            list(&format!("{} {path} {var}", format!("{quantifier:?}").to_lowercase()), &e.children())
        }
        ExprKind::Navigate { .. } => format!("(navigate {e})"),
        other => format!("{other:?}"),
    }
}

/// Parses and returns the s-expression.
pub fn tree(text: &str) -> String {
    sexpr(&parse(text))
}

/// The span invariants: every span lies within the text, on character boundaries, and
/// within its parent's; leaves span exactly their own text.
pub fn assert_spans(e: &Expr, text: &str) {
    let root = Span::new(0, u32::try_from(text.len()).unwrap());
    check(e, root, text);
}

fn check(e: &Expr, parent: Span, text: &str) {
    let r = e.span.range();
    assert!(parent.contains(e.span), "{:?} of `{e}` is outside its parent {parent:?} in {text:?}", e.span);
    assert!(
        text.is_char_boundary(r.start) && text.is_char_boundary(r.end),
        "{:?} splits a character in {text:?}",
        e.span
    );
    let own = &text[r];
    match &e.kind {
        ExprKind::Path { path } => {
            assert_eq!(path.span, e.span);
            assert_eq!(own, path.joined("/"), "path span in {text:?}");
        }
        ExprKind::Literal { value } => {
            let alone =
                roster_odata::parse_filter(own).unwrap_or_else(|err| panic!("literal span {own:?} in {text:?}: {err}"));
            assert_eq!(alone.kind, ExprKind::Literal { value: value.clone() }, "literal span in {text:?}");
        }
        // `any()`: the implied predicate `true` has no text of its own.
        ExprKind::Quantified { var, .. } if var.is_empty() => return,
        ExprKind::Navigate { steps } => {
            for step in steps {
                assert!(e.span.contains(step.span), "step {:?} outside {:?} in {text:?}", step.span, e.span);
                if matches!(&step.kind, StepKind::Lambda { var, .. } if var.is_empty()) {
                    continue;
                }
                for c in step.exprs() {
                    check(c, step.span, text);
                }
            }
            return;
        }
        _ => assert!(!own.trim().is_empty()),
    }
    for c in e.children() {
        check(c, e.span, text);
    }
}

/// The hand-written corpus of valid filters (`tests/corpus/valid.txt`), one per line;
/// `#` starts a comment line.
pub fn corpus() -> Vec<String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus/valid.txt");
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}
