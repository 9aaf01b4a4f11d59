//! `$search`: OData 4.01's search expressions.
//!
//! ```text
//! search     = ( "$search" / "search" ) EQ BWS ( searchExpr / searchExpr-incomplete )
//! searchExpr = ( "(" BWS searchExpr BWS ")" / "NOT" RWS searchExpr / phrase / word )
//!              [ RWS "OR" RWS searchExpr / RWS [ "AND" RWS ] searchExpr ]
//! ```
//!
//! - A word is a run of characters other than white space, `(`, `)`, `"` and a literal `;`
//!   (`#` and `&` must be percent-encoded); a phrase is `"…"` (at least one character). A
//!   phrase must be followed by white space, `)` or the end.
//! - `NOT`, `AND`, `OR` (upper case) are operators only where an operator can stand: `NOT`
//!   before a search expression, `AND`/`OR` between two. Elsewhere they are words:
//!   `$search=AND OR NOT` finds items matching `AND` or `NOT`.
//! - Precedence: `NOT`, then `AND` (also implied by white space), then `OR`.
//! - `'…'` (OData's `searchExpr-incomplete`, for type-ahead) is one phrase, taken as
//!   written (`''` is a quote).
//!
//! Each word or phrase becomes a keyword search ([`ExprKind::Search`], every keyword matched
//! case-insensitively as a substring of some searchable field), combined with `and`, `or`
//! and `not`; terms joined only by `AND` (or only by `OR`) make one search with scope `all`
//! (`any`). No recursion: an operator stack, with `(` and `NOT` counted against
//! [`Options::max_depth`](crate::Options::max_depth).

use roster_ast::{Expr, ExprKind, SearchScope, Span};

use crate::options::{Decoded, OptionsError};

/// A token of a search expression, with its span in the decoded text.
#[derive(Debug, Clone, PartialEq)]
enum Token {
    Term(String),
    Open,
    Close,
    /// An upper-case keyword, or a word that may be one.
    Word(&'static str),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Or,
    And,
    Not,
    Open,
}

fn invalid(expected: &'static str, span: Span) -> OptionsError {
    OptionsError::InvalidValue { name: "$search", expected, span }
}

/// Splits the decoded value into tokens, each with its decoded byte range. `raw` is the
/// encoded value, to tell a literal `;` from an encoded one.
fn tokens(value: &Decoded, raw: &str, value_at: usize) -> Result<Vec<(Token, usize, usize)>, OptionsError> {
    let text = value.text.as_str();
    let map = |s: usize, e: usize| value.map(Span::new(s as u32, e as u32));
    let mut out = Vec::new();
    let mut i = 0;
    while i < text.len() {
        let rest = &text[i..];
        let c = rest.chars().next().unwrap_or(' ');
        if c.is_whitespace() {
            i += c.len_utf8();
            continue;
        }
        match c {
            '(' => {
                out.push((Token::Open, i, i + 1));
                i += 1;
            }
            ')' => {
                out.push((Token::Close, i, i + 1));
                i += 1;
            }
            '"' => {
                let Some(len) = rest[1..].find('"') else {
                    let end = text.len();
                    return Err(invalid("a phrase closed with `\"`", map(end, end)));
                };
                if len == 0 {
                    return Err(invalid("a phrase of at least one character", map(i, i + 2)));
                }
                let end = i + len + 2;
                out.push((Token::Term(rest[1..=len].to_string()), i, end));
                if let Some(next) = text[end..].chars().next()
                    && !next.is_whitespace()
                    && next != ')'
                {
                    return Err(invalid("white space, `)` or the end after a phrase", map(end, end + 1)));
                }
                i = end;
            }
            _ => {
                let len = rest.find(|c: char| c.is_whitespace() || matches!(c, '(' | ')' | '"')).unwrap_or(rest.len());
                let word = &rest[..len];
                // A literal `;` ends the query option in some servers; OData excludes it.
                for (k, ch) in word.char_indices() {
                    let origin = value.map(Span::new((i + k) as u32, (i + k + 1) as u32)).start as usize;
                    if ch == ';' && raw.as_bytes().get(origin - value_at) == Some(&b';') {
                        return Err(invalid("words without a literal `;` (write `%3B`)", map(i + k, i + k + 1)));
                    }
                }
                let token = match word {
                    "NOT" => Token::Word("NOT"),
                    "AND" => Token::Word("AND"),
                    "OR" => Token::Word("OR"),
                    w => Token::Term(w.to_string()),
                };
                out.push((token, i, i + len));
                i += len;
            }
        }
    }
    Ok(out)
}

/// Parses a `$search` value. `value_at` is the offset of the encoded value in the query
/// string, `raw` the encoded value.
pub(crate) fn search_expr(value: &Decoded, raw: &str, value_at: usize, max_depth: usize) -> Result<Expr, OptionsError> {
    let whole = value.map(Span::new(0, value.text.len() as u32));
    if let Some(at) = raw.find('#') {
        let at = (value_at + at) as u32;
        return Err(invalid("words without a literal `#` (write `%23`)", Span::new(at, at + 1)));
    }
    let trimmed = value.text.trim_start();
    let lead = value.text.len() - trimmed.len();
    if trimmed.starts_with('\'') {
        return incomplete(value, lead);
    }
    let toks = tokens(value, raw, value_at)?;
    if toks.is_empty() {
        return Err(invalid("at least one word", whole));
    }
    let span_of = |s: usize, e: usize| value.map(Span::new(s as u32, e as u32));
    // Classify keywords, and insert the implied AND between adjacent expressions.
    let starts =
        |t: Option<&(Token, usize, usize)>| matches!(t, Some((Token::Term(_) | Token::Open | Token::Word(_), ..)));
    let mut ops: Vec<(Op, Span)> = Vec::new();
    let mut operands: Vec<Expr> = Vec::new();
    let mut ended = false; // the last item ended an expression
    for (k, (tok, s, e)) in toks.iter().enumerate() {
        let span = span_of(*s, *e);
        let next = toks.get(k + 1);
        let as_op = match tok {
            Token::Word("NOT") if !ended && starts(next) && !matches!(next, Some((Token::Close, ..))) => Some(Op::Not),
            Token::Word("AND") if ended && starts(next) => Some(Op::And),
            Token::Word("OR") if ended && starts(next) => Some(Op::Or),
            _ => None,
        };
        match (as_op, tok) {
            (Some(op), _) => {
                if op != Op::Not {
                    reduce(&mut ops, &mut operands, prec(op));
                }
                if op == Op::Not {
                    nest(&ops, max_depth, span)?;
                }
                ops.push((op, span));
                ended = false;
            }
            (None, Token::Open) => {
                if ended {
                    reduce(&mut ops, &mut operands, prec(Op::And));
                    ops.push((Op::And, span));
                }
                nest(&ops, max_depth, span)?;
                ops.push((Op::Open, span));
                ended = false;
            }
            (None, Token::Close) => {
                if !ended {
                    return Err(invalid("a word, a phrase or `(` before `)`", span));
                }
                reduce(&mut ops, &mut operands, prec(Op::Or));
                if !matches!(ops.pop(), Some((Op::Open, _))) {
                    return Err(invalid("`(` before this `)`", span));
                }
                ended = true;
            }
            (None, Token::Term(_) | Token::Word(_)) => {
                if ended {
                    reduce(&mut ops, &mut operands, prec(Op::And));
                    ops.push((Op::And, span));
                }
                let word = match tok {
                    Token::Term(w) => w.clone(),
                    Token::Word(w) => (*w).to_string(),
                    _ => String::new(),
                };
                operands.push(leaf(word, span));
                ended = true;
            }
        }
    }
    if !ended {
        let end = value.text.len();
        return Err(invalid("a word or phrase after the operator", span_of(end, end)));
    }
    reduce(&mut ops, &mut operands, prec(Op::Or));
    if let Some((_, open)) = ops.iter().find(|(op, _)| *op == Op::Open) {
        return Err(invalid("`)` to close this `(`", *open));
    }
    match (operands.pop(), operands.is_empty()) {
        (Some(e), true) => Ok(e),
        _ => Err(invalid("one search expression", whole)),
    }
}

fn prec(op: Op) -> u8 {
    match op {
        Op::Open => 0,
        Op::Or => 1,
        Op::And => 2,
        Op::Not => 3,
    }
}

/// The `(` and `NOT` already open must leave room for one more level.
fn nest(ops: &[(Op, Span)], max_depth: usize, span: Span) -> Result<(), OptionsError> {
    if ops.iter().filter(|(op, _)| matches!(op, Op::Open | Op::Not)).count() >= max_depth {
        return Err(invalid("less deeply nested parentheses and NOT", span));
    }
    Ok(())
}

fn leaf(word: String, span: Span) -> Expr {
    Expr::new(ExprKind::Search { keywords: vec![word], scope: SearchScope::All, fields: None }, span)
}

/// Applies the pending operators that bind at least as tightly as `min` (never `(`).
fn reduce(ops: &mut Vec<(Op, Span)>, operands: &mut Vec<Expr>, min: u8) {
    while let Some(&(op, at)) = ops.last() {
        if op == Op::Open || prec(op) < min {
            break;
        }
        ops.pop();
        let Some(rhs) = operands.pop() else { break };
        if op == Op::Not {
            let span = at.to(rhs.span);
            operands.push(Expr::new(ExprKind::Not { operand: Box::new(rhs) }, span));
            continue;
        }
        let Some(lhs) = operands.pop() else {
            operands.push(rhs);
            break;
        };
        operands.push(join(op == Op::And, lhs, rhs));
    }
}

/// `lhs AND rhs` / `lhs OR rhs`: keyword searches of one scope merge into one search; other
/// chains extend an n-ary node.
fn join(and: bool, mut lhs: Expr, rhs: Expr) -> Expr {
    let span = lhs.span.to(rhs.span);
    let scope = if and { SearchScope::All } else { SearchScope::Any };
    let words = |e: &Expr| match &e.kind {
        ExprKind::Search { keywords, scope: s, fields: None } if *s == scope || keywords.len() == 1 => {
            Some(keywords.clone())
        }
        _ => None,
    };
    if let (Some(mut a), Some(b)) = (words(&lhs), words(&rhs)) {
        a.extend(b);
        return Expr::new(ExprKind::Search { keywords: a, scope, fields: None }, span);
    }
    match (&mut lhs.kind, and) {
        (ExprKind::And { operands }, true) | (ExprKind::Or { operands }, false) => {
            operands.push(rhs);
            lhs.span = span;
            lhs
        }
        _ => {
            let operands = vec![lhs, rhs];
            Expr::new(if and { ExprKind::And { operands } } else { ExprKind::Or { operands } }, span)
        }
    }
}

/// `searchExpr-incomplete = SQUOTE *( SQUOTE-in-string / … / SP ) SQUOTE`: one phrase.
fn incomplete(value: &Decoded, lead: usize) -> Result<Expr, OptionsError> {
    let text = value.text.trim_end();
    let body = &text[lead + 1..];
    let span = value.map(Span::new(lead as u32, text.len() as u32));
    let Some(inner) = body.strip_suffix('\'') else {
        return Err(invalid(
            "a closing `'` after a quoted search",
            value.map(Span::new(text.len() as u32, text.len() as u32)),
        ));
    };
    if inner.replace("''", "").contains('\'') {
        return Err(invalid("`''` for a quote inside a quoted search", span));
    }
    let word = inner.replace("''", "'");
    if word.is_empty() {
        return Err(invalid("at least one character between the quotes", span));
    }
    Ok(leaf(word, span))
}
