//! The canonical printer: OData `$filter` syntax that the OData parser reads back to the same
//! tree. Parentheses are printed exactly where the tree needs them (an `and` inside an `or`
//! needs none; an `and` inside an `and` is kept, with parentheses, so nesting survives).
//!
//! Nodes that OData has no syntax for print in a documented extension form that the OData
//! parser does not accept: `search(all,'kw',...)`; `Exists` prints as the equivalent null
//! test and `Regex` as OData 4.01 `matchesPattern` with inline flags.

use std::fmt::{self, Display, Formatter, Write};

use crate::{
    ArithOp, CmpOp, Direction, Duration, Expr, ExprKind, Literal, PICOS_PER_SEC, Path, Projection, SearchScope,
    SortKey, StepKind, TimeOfDay,
};

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
            Literal::Float(x) if x.is_nan() => f.write_str("NaN"),
            Literal::Float(x) if x.is_infinite() => f.write_str(if *x > 0.0 { "INF" } else { "-INF" }),
            // `Debug` keeps a `.0` or an exponent, so the literal reads back as a decimal.
            Literal::Float(x) => write!(f, "{x:?}"),
            Literal::String(s) => write_quoted(f, s),
            Literal::Guid(g) => write_guid(f, *g),
            Literal::DateTime(t) => write!(f, "{t}"),
            Literal::TimeOfDay(t) => write!(f, "{t}"),
            Literal::Duration(d) => write!(f, "duration'{d}'"),
            Literal::Binary(bytes) => {
                f.write_str("binary'")?;
                write_base64url(f, bytes)?;
                f.write_char('\'')
            }
            Literal::Enum { type_name, value } => {
                f.write_str(type_name)?;
                write_quoted(f, value)
            }
            Literal::Geo { geography, srid, shape } => {
                let prefix = if *geography { "geography" } else { "geometry" };
                write!(f, "{prefix}'SRID={srid};{shape}'")
            }
        }
    }
}

/// Writes the fraction of a second (`picos` below one second) as `.ddd`, without trailing
/// zeros; nothing when it is zero.
fn write_fraction(f: &mut Formatter<'_>, picos: u64) -> fmt::Result {
    if picos == 0 {
        return Ok(());
    }
    let digits = format!("{picos:012}");
    write!(f, ".{}", digits.trim_end_matches('0'))
}

/// `hh:mm:ss` and the fraction, if any: `13:05:00.25`.
impl Display for TimeOfDay {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let secs = self.0 / PICOS_PER_SEC;
        write!(f, "{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)?;
        write_fraction(f, self.0 % PICOS_PER_SEC)
    }
}

/// The XML Schema day-time duration form, `[-]P[nD][T[nH][nM][n[.f]S]]`, with only the
/// non-zero parts (`PT0S` for zero): `-P1DT2H0.5S` prints as `-P1DT2H0.5S`.
impl Display for Duration {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if self.0 < 0 {
            f.write_char('-')?;
        }
        let total = self.0.unsigned_abs();
        let per_sec = u128::from(PICOS_PER_SEC);
        let secs = total / per_sec;
        // Below one second, so it fits.
        let frac = u64::try_from(total % per_sec).unwrap_or(0);
        let (days, h, m, s) = (secs / 86_400, secs / 3600 % 24, secs / 60 % 60, secs % 60);
        f.write_char('P')?;
        if days > 0 {
            write!(f, "{days}D")?;
        }
        if h > 0 || m > 0 || s > 0 || frac > 0 || days == 0 {
            f.write_char('T')?;
            if h > 0 {
                write!(f, "{h}H")?;
            }
            if m > 0 {
                write!(f, "{m}M")?;
            }
            if s > 0 || frac > 0 || (days == 0 && h == 0 && m == 0) {
                write!(f, "{s}")?;
                write_fraction(f, frac)?;
                f.write_char('S')?;
            }
        }
        Ok(())
    }
}

/// Writes bytes in base64url (RFC 4648 §5) with `=` padding.
pub fn write_base64url(f: &mut impl Write, bytes: &[u8]) -> fmt::Result {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], chunk.get(1).copied().unwrap_or(0), chunk.get(2).copied().unwrap_or(0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                f.write_char(char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63]))?;
            } else {
                f.write_char('=')?;
            }
        }
    }
    Ok(())
}

/// Writes `s` as a JSON string: double quotes, with `"`, `\` and control characters escaped.
fn write_json_string(f: &mut impl Write, s: &str) -> fmt::Result {
    f.write_char('"')?;
    for c in s.chars() {
        match c {
            '"' => f.write_str("\\\"")?,
            '\\' => f.write_str("\\\\")?,
            '\n' => f.write_str("\\n")?,
            '\r' => f.write_str("\\r")?,
            '\t' => f.write_str("\\t")?,
            c if u32::from(c) < 0x20 => write!(f, "\\u{:04x}", u32::from(c))?,
            c => f.write_char(c)?,
        }
    }
    f.write_char('"')
}

impl Display for Path {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(&self.segments.join("/"))
    }
}

/// Binding strength, loosest first: OData's operator precedence table.
#[derive(PartialEq, Eq, PartialOrd, Ord, Clone, Copy)]
enum Prec {
    Or,
    And,
    /// `eq ne`.
    Equality,
    /// `gt ge lt le`.
    Relational,
    /// `add sub`.
    Additive,
    /// `mul div divby mod`.
    Multiplicative,
    /// `not`, `-`.
    Unary,
    /// `has`, `in`.
    Primary,
    Atom,
}

fn prec(e: &Expr) -> Prec {
    match &e.kind {
        ExprKind::Or { .. } => Prec::Or,
        ExprKind::And { .. } => Prec::And,
        // `Exists` prints as a null comparison (`path ne null`), so it binds like one.
        ExprKind::Compare { op: CmpOp::Eq | CmpOp::Ne, .. } | ExprKind::Exists { .. } => Prec::Equality,
        ExprKind::Compare { .. } => Prec::Relational,
        ExprKind::Arith { op, .. } if op.is_multiplicative() => Prec::Multiplicative,
        ExprKind::Arith { .. } => Prec::Additive,
        ExprKind::Not { .. } | ExprKind::Negate { .. } => Prec::Unary,
        ExprKind::In { .. } | ExprKind::Has { .. } => Prec::Primary,
        _ => Prec::Atom,
    }
}

/// Whether the operand of `not` or `-` needs parentheses: any binary operation does (also
/// `has`/`in`, which bind tighter, for readability); a nested `not` or `-` does not
/// (`--a`, `-not a`, `not -a`): parentheses there would add a nesting level per operator, so
/// a chain of negations within the parser's depth limit would print as text beyond it.
fn unary_parens(operand: &Expr, negate: bool) -> bool {
    match prec(operand) {
        Prec::Unary => false,
        // `-5` would read back as the literal -5, not the negation of 5.
        Prec::Atom => negate && matches!(operand.kind, ExprKind::Literal { .. }),
        _ => true,
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
    /// A JSON object member's name and the colon after it.
    Name(&'a str),
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
                Item::Name(name) => {
                    write_json_string(f, name)?;
                    f.write_str(": ")?;
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
                    seq.push(Item::Node(operand, unary_parens(operand, false)));
                }
                ExprKind::Negate { operand } => {
                    seq.push(Item::Str("-"));
                    seq.push(Item::Node(operand, unary_parens(operand, true)));
                }
                ExprKind::Compare { op, lhs, rhs } => {
                    // Nested comparisons are always parenthesised, whatever their level.
                    seq.push(Item::Node(lhs, prec(lhs) <= Prec::Relational));
                    seq.extend([Item::Str(" "), Item::Str(op.keyword()), Item::Str(" ")]);
                    seq.push(Item::Node(rhs, prec(rhs) <= Prec::Relational));
                }
                ExprKind::Arith { op, lhs, rhs } => {
                    // Left-associative: an equal level needs no parentheses on the left.
                    let me = prec(e);
                    seq.push(Item::Node(lhs, prec(lhs) < me));
                    seq.extend([Item::Str(" "), Item::Str(ArithOp::keyword(*op)), Item::Str(" ")]);
                    seq.push(Item::Node(rhs, prec(rhs) <= me));
                }
                ExprKind::Has { lhs, rhs } => {
                    seq.push(Item::Node(lhs, prec(lhs) <= Prec::Primary));
                    seq.push(Item::Str(" has "));
                    seq.push(Item::Node(rhs, prec(rhs) <= Prec::Primary));
                }
                ExprKind::Array { items } => {
                    seq.push(Item::Str("["));
                    for (i, v) in items.iter().enumerate() {
                        if i > 0 {
                            seq.push(Item::Str(", "));
                        }
                        seq.push(Item::Node(v, false));
                    }
                    seq.push(Item::Str("]"));
                }
                ExprKind::Object { members } => {
                    seq.push(Item::Str("{"));
                    for (i, m) in members.iter().enumerate() {
                        if i > 0 {
                            seq.push(Item::Str(", "));
                        }
                        seq.push(Item::Name(&m.name));
                        seq.push(Item::Node(&m.value, false));
                    }
                    seq.push(Item::Str("}"));
                }
                ExprKind::In { lhs, list } => {
                    seq.push(Item::Node(lhs, prec(lhs) <= Prec::Primary));
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
                ExprKind::Navigate { steps } => {
                    for (i, step) in steps.iter().enumerate() {
                        if i > 0 && !matches!(step.kind, StepKind::Key { .. }) {
                            seq.push(Item::Str("/"));
                        }
                        match &step.kind {
                            StepKind::Member { name } => seq.push(Item::Str(name)),
                            StepKind::Call { params, .. } | StepKind::Key { values: params } => {
                                if let StepKind::Call { name, .. } = &step.kind {
                                    seq.push(Item::Str(name));
                                }
                                seq.push(Item::Str("("));
                                for (i, m) in params.iter().enumerate() {
                                    if i > 0 {
                                        seq.push(Item::Str(","));
                                    }
                                    if !m.name.is_empty() {
                                        seq.extend([Item::Str(&m.name), Item::Str("=")]);
                                    }
                                    seq.push(Item::Node(&m.value, false));
                                }
                                seq.push(Item::Str(")"));
                            }
                            StepKind::Filter { predicate } => {
                                seq.extend([Item::Str("$filter("), Item::Node(predicate, false), Item::Str(")")]);
                            }
                            StepKind::Count { filter } => {
                                seq.extend([Item::Str("$count($filter="), Item::Node(filter, false), Item::Str(")")]);
                            }
                            StepKind::Lambda { quantifier, var, predicate } => {
                                seq.push(Item::Str(match quantifier {
                                    crate::Quantifier::Any => "any(",
                                    crate::Quantifier::All => "all(",
                                }));
                                if !var.is_empty() {
                                    seq.extend([Item::Str(var), Item::Str(": "), Item::Node(predicate, false)]);
                                }
                                seq.push(Item::Str(")"));
                            }
                        }
                    }
                }
                ExprKind::Quantified { quantifier, path, var, predicate } => {
                    let q = match quantifier {
                        crate::Quantifier::Any => "/any(",
                        crate::Quantifier::All => "/all(",
                    };
                    if var.is_empty() {
                        // OData `any()`: the collection is not empty.
                        seq.extend([Item::Path(path), Item::Str(q), Item::Str(")")]);
                    } else {
                        seq.extend([Item::Path(path), Item::Str(q), Item::Str(var), Item::Str(": ")]);
                        seq.extend([Item::Node(predicate, false), Item::Str(")")]);
                    }
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
    fn geo_literals_name_their_prefix_and_srid() {
        let geo = |geography| Literal::Geo { geography, srid: 4326, shape: "Point(-122.1 47.6)".into() };
        assert_eq!(geo(true).to_string(), "geography'SRID=4326;Point(-122.1 47.6)'");
        assert_eq!(geo(false).to_string(), "geometry'SRID=4326;Point(-122.1 47.6)'");
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
