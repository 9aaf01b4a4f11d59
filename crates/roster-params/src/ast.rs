//! Building `roster_ast` nodes for the parameters. Every node carries the span of the
//! parameter it came from (empty for parameters from the JSON body).

use roster_ast::{CmpOp, Expr, ExprKind, Func, Literal, Path, Quantifier, Span};

pub(crate) fn path(name: &str, span: Span) -> Expr {
    Expr::path(Path::single(name, span))
}

pub(crate) fn string(s: &str, span: Span) -> Expr {
    Expr::literal(Literal::String(s.to_owned()), span)
}

pub(crate) fn cmp(op: CmpOp, field: &str, value: Literal, span: Span) -> Expr {
    Expr::new(
        ExprKind::Compare { op, lhs: Box::new(path(field, span)), rhs: Box::new(Expr::literal(value, span)) },
        span,
    )
}

/// `contains(tolower(field), 'text')` with `text` lower-cased: a substring test that ignores
/// ASCII case.
pub(crate) fn contains_ci(field: &str, text: &str, span: Span) -> Expr {
    let lowered = Expr::new(ExprKind::Call { func: Func::ToLower, args: vec![path(field, span)] }, span);
    Expr::new(
        ExprKind::Call { func: Func::Contains, args: vec![lowered, string(&text.to_ascii_lowercase(), span)] },
        span,
    )
}

/// `field/any(e: e eq 'value')`: the array holds `value`.
pub(crate) fn has_element(field: &str, value: &str, span: Span) -> Expr {
    let predicate = Expr::new(
        ExprKind::Compare { op: CmpOp::Eq, lhs: Box::new(path("e", span)), rhs: Box::new(string(value, span)) },
        span,
    );
    Expr::new(
        ExprKind::Quantified {
            quantifier: Quantifier::Any,
            path: Path::single(field, span),
            var: "e".into(),
            predicate: Box::new(predicate),
        },
        span,
    )
}

/// `field in ('a', 'b')`.
pub(crate) fn in_list(field: &str, values: &[String], span: Span) -> Expr {
    let list = values.iter().map(|v| string(v, span)).collect();
    Expr::new(ExprKind::In { lhs: Box::new(path(field, span)), list }, span)
}

/// The conjunction (`and`) or disjunction of `parts`; `None` when there are none.
pub(crate) fn junction(mut parts: Vec<Expr>, and: bool) -> Option<Expr> {
    match parts.len() {
        0 => None,
        1 => parts.pop(),
        _ => {
            let span = parts.iter().map(|e| e.span).reduce(Span::to).unwrap_or_default();
            let kind = if and { ExprKind::And { operands: parts } } else { ExprKind::Or { operands: parts } };
            Some(Expr::new(kind, span))
        }
    }
}
