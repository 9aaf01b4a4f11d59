//! The canonical printer: OData `$filter` syntax that the OData parser reads back to the same
//! tree. Parentheses are printed exactly where the tree needs them (an `and` inside an `or`
//! needs none; an `and` inside an `and` is kept, with parentheses, so nesting survives).
//!
//! Nodes that OData has no syntax for print in a documented extension form that the OData
//! parser does not accept: `search(all,'kw',...)`; `Exists` prints as the equivalent null
//! test and `Regex` as OData 4.01 `matchesPattern` with inline flags.

use std::fmt::{self, Display, Formatter, Write};

use crate::{Direction, Expr, ExprKind, Literal, Path, Projection, SearchScope, SortKey};

/// Writes `s` as an OData string literal: single quotes, `'` doubled.
pub fn write_quoted(f: &mut impl Write, s: &str) -> fmt::Result {
    f.write_char('\'')?;
    for (i, part) in s.split('\'').enumerate() {
        if i > 0 {
            f.write_str("''")?;
        }
        f.write_str(part)?;
    }
    f.write_char('\'')
}

/// Writes a GUID in its 8-4-4-4-12 lower-case form.
pub fn write_guid(f: &mut impl Write, g: u128) -> fmt::Result {
    let h = format!("{g:032x}");
    write!(f, "{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

impl Display for Literal {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Null => f.write_str("null"),
            Literal::Bool(b) => write!(f, "{b}"),
            Literal::Int(i) => write!(f, "{i}"),
            // `Debug` keeps a `.0` or an exponent, so the literal reads back as a decimal.
            Literal::Float(x) => write!(f, "{x:?}"),
            Literal::String(s) => write_quoted(f, s),
            Literal::Guid(g) => write_guid(f, *g),
            Literal::DateTime(t) => write!(f, "{t}"),
        }
    }
}

impl Display for Path {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(&self.segments.join("/"))
    }
}

/// Binding strength, loosest first.
#[derive(PartialEq, Eq, PartialOrd, Ord, Clone, Copy)]
enum Prec {
    Or,
    And,
    Cmp,
    Unary,
    Atom,
}

fn prec(e: &Expr) -> Prec {
    match &e.kind {
        ExprKind::Or { .. } => Prec::Or,
        ExprKind::And { .. } => Prec::And,
        // `Exists` prints as a null comparison (`path ne null`), so it binds like one.
        ExprKind::Compare { .. } | ExprKind::In { .. } | ExprKind::Exists { .. } => Prec::Cmp,
        ExprKind::Not { .. } => Prec::Unary,
        _ => Prec::Atom,
    }
}

/// One piece of pending output of the printer.
enum Item<'a> {
    /// Text as is.
    Str(&'a str),
    /// A node, in parentheses when the flag is set.
    Node(&'a Expr, bool),
    /// A path.
    Path(&'a Path),
    /// A regular expression with its flags, as a quoted string.
    Pattern(&'a str, &'a str),
}

/// Prints with an explicit stack rather than recursion, so that any tree, however deep (a
/// hand-built one is not bounded by a parser's depth limit), prints without overflowing the
/// stack.
impl Display for Expr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let mut stack = vec![Item::Node(self, false)];
        let mut seq: Vec<Item<'_>> = Vec::new();
        while let Some(item) = stack.pop() {
            let e = match item {
                Item::Str(s) => {
                    f.write_str(s)?;
                    continue;
                }
                Item::Path(p) => {
                    write!(f, "{p}")?;
                    continue;
                }
                Item::Pattern(pattern, flags) => {
                    if flags.is_empty() {
                        write_quoted(f, pattern)?;
                    } else {
                        write_quoted(f, &format!("(?{flags}){pattern}"))?;
                    }
                    continue;
                }
                Item::Node(e, true) => {
                    f.write_str("(")?;
                    stack.push(Item::Str(")"));
                    e
                }
                Item::Node(e, false) => e,
            };
            // The node's pieces in output order, then pushed in reverse.
            seq.clear();
            match &e.kind {
                ExprKind::Literal { value } => write!(f, "{value}")?,
                ExprKind::Path { path } => write!(f, "{path}")?,
                ExprKind::And { operands } | ExprKind::Or { operands } => {
                    let (word, me) = match e.kind {
                        ExprKind::And { .. } => (" and ", Prec::And),
                        _ => (" or ", Prec::Or),
                    };
                    for (i, o) in operands.iter().enumerate() {
                        if i > 0 {
                            seq.push(Item::Str(word));
                        }
                        seq.push(Item::Node(o, prec(o) <= me));
                    }
                }
                ExprKind::Not { operand } => {
                    seq.push(Item::Str("not "));
                    seq.push(Item::Node(operand, prec(operand) <= Prec::Cmp));
                }
                ExprKind::Compare { op, lhs, rhs } => {
                    seq.push(Item::Node(lhs, prec(lhs) <= Prec::Cmp));
                    seq.extend([Item::Str(" "), Item::Str(op.keyword()), Item::Str(" ")]);
                    seq.push(Item::Node(rhs, prec(rhs) <= Prec::Cmp));
                }
                ExprKind::In { lhs, list } => {
                    seq.push(Item::Node(lhs, prec(lhs) <= Prec::Cmp));
                    seq.push(Item::Str(" in ("));
                    for (i, v) in list.iter().enumerate() {
                        if i > 0 {
                            seq.push(Item::Str(", "));
                        }
                        seq.push(Item::Node(v, false));
                    }
                    seq.push(Item::Str(")"));
                }
                ExprKind::Call { func, args } => {
                    seq.extend([Item::Str(func.name()), Item::Str("(")]);
                    for (i, a) in args.iter().enumerate() {
                        if i > 0 {
                            seq.push(Item::Str(", "));
                        }
                        seq.push(Item::Node(a, false));
                    }
                    seq.push(Item::Str(")"));
                }
                ExprKind::Exists { path, exists } => write!(f, "{path} {} null", if *exists { "ne" } else { "eq" })?,
                ExprKind::Regex { target, pattern, flags } => {
                    seq.extend([Item::Str("matchesPattern("), Item::Node(target, false), Item::Str(", ")]);
                    seq.extend([Item::Pattern(pattern, flags), Item::Str(")")]);
                }
                ExprKind::Search { keywords, scope, fields } => {
                    f.write_str(match scope {
                        SearchScope::All => "search(all",
                        SearchScope::Any => "search(any",
                    })?;
                    for k in keywords {
                        f.write_str(", ")?;
                        write_quoted(f, k)?;
                    }
                    if let Some(fields) = fields {
                        f.write_str("; ")?;
                        for (i, p) in fields.iter().enumerate() {
                            if i > 0 {
                                f.write_str(", ")?;
                            }
                            write!(f, "{p}")?;
                        }
                    }
                    f.write_str(")")?
                }
                ExprKind::Quantified { quantifier, path, var, predicate } => {
                    let q = match quantifier {
                        crate::Quantifier::Any => "/any(",
                        crate::Quantifier::All => "/all(",
                    };
                    seq.extend([Item::Path(path), Item::Str(q), Item::Str(var), Item::Str(": ")]);
                    seq.extend([Item::Node(predicate, false), Item::Str(")")]);
                }
            }
            stack.extend(seq.drain(..).rev());
        }
        Ok(())
    }
}

impl Display for SortKey {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self.direction {
            Direction::Asc => write!(f, "{} asc", self.path),
            Direction::Desc => write!(f, "{} desc", self.path),
        }
    }
}

impl Display for Projection {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let (prefix, paths) = match self {
            Projection::Include(p) => ("", p),
            Projection::Exclude(p) => ("-", p),
        };
        for (i, p) in paths.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{prefix}{p}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CmpOp, Span};

    fn p(name: &str) -> Expr {
        Expr::path(Path::single(name, Span::default()))
    }
    fn lit(l: Literal) -> Expr {
        Expr::literal(l, Span::default())
    }
    fn cmp(a: Expr, op: CmpOp, b: Expr) -> Expr {
        Expr::new(ExprKind::Compare { op, lhs: Box::new(a), rhs: Box::new(b) }, Span::default())
    }

    #[test]
    fn quotes_are_doubled() {
        assert_eq!(Literal::String("O'Brien".into()).to_string(), "'O''Brien'");
        assert_eq!(Literal::String("''".into()).to_string(), "''''''");
    }

    #[test]
    fn floats_keep_their_kind() {
        assert_eq!(Literal::Float(1.0).to_string(), "1.0");
        assert_eq!(Literal::Float(1e20).to_string(), "1e20");
        assert_eq!(Literal::Int(-3).to_string(), "-3");
    }

    #[test]
    fn guid_form() {
        assert_eq!(
            Literal::Guid(0x7600415a_8876_5722_9f3c_b0fd11112283).to_string(),
            "7600415a-8876-5722-9f3c-b0fd11112283"
        );
    }

    #[test]
    fn parentheses_only_where_needed() {
        let a = cmp(p("a"), CmpOp::Eq, lit(Literal::Int(1)));
        let b = cmp(p("b"), CmpOp::Eq, lit(Literal::Int(2)));
        let c = cmp(p("c"), CmpOp::Eq, lit(Literal::Int(3)));
        let and = Expr::new(ExprKind::And { operands: vec![a.clone(), b.clone()] }, Span::default());
        let or = Expr::new(ExprKind::Or { operands: vec![and.clone(), c.clone()] }, Span::default());
        assert_eq!(or.to_string(), "a eq 1 and b eq 2 or c eq 3");
        let and2 = Expr::new(ExprKind::And { operands: vec![or.clone(), c.clone()] }, Span::default());
        assert_eq!(and2.to_string(), "(a eq 1 and b eq 2 or c eq 3) and c eq 3");
        let not = Expr::new(ExprKind::Not { operand: Box::new(a) }, Span::default());
        assert_eq!(not.to_string(), "not (a eq 1)");
        let nested = Expr::new(ExprKind::And { operands: vec![and, c] }, Span::default());
        assert_eq!(nested.to_string(), "(a eq 1 and b eq 2) and c eq 3");
    }
}
