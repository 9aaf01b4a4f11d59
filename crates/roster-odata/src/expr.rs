//! Expressions: `boolCommonExpr` and its precedence levels, loosest first:
//!
//! ```text
//! orExpr          andExpr *( "or" andExpr )                          n-ary
//! andExpr         comparisonExpr *( "and" comparisonExpr )           n-ary
//! comparisonExpr  notExpr *( comparisonOp notExpr / "in" listExpr )  left-associative
//! notExpr         "not" notExpr / primaryExpr                        tightest
//! primaryExpr     parenExpr / primitiveLiteral / methodCallExpr / memberExpr
//! ```
//!
//! **No recursion.** The rules are run by one loop over an explicit stack of open groups
//! ([`Group`]: the whole filter, a `parenExpr`, a `listExpr` or a call's arguments), each
//! holding the `orExpr` being built inside it. So the parser's stack use does not depend on
//! the input; nesting is bounded by [`Options::max_depth`](crate::Options::max_depth) only to
//! bound the depth of the tree, which the printer and later stages walk recursively. Each
//! `(`, `not` and call is one level, and so is each comparison after the first in a chain
//! (`a eq b eq c` nests to the left).
//!
//! **Spans and parentheses.** A node spans its own text. Parentheses belong to the enclosing
//! construct: the node parsed from `(a eq 1)` spans `a eq 1`, and its parent (an `and`, a
//! `not`, a comparison) spans the parentheses too. So `(a eq 1)` alone gives a root spanning
//! `a eq 1`, and every child's span lies within its parent's.

use roster_ast::{CmpOp, Expr, ExprKind, Func, Path, Span};

use crate::error::{Closer, Expected, ParseError};
use crate::lexical::{Parser, identifier, is_reserved};

/// A parsed operand: the node, and the span of its text including any parentheses around
/// it (which parents must cover).
#[derive(Debug)]
struct Operand {
    expr: Expr,
    outer: Span,
    /// Written in parentheses: a finished group, not an operand waiting for an operator.
    parenthesised: bool,
}

impl Operand {
    fn bare(expr: Expr) -> Operand {
        let outer = expr.span;
        Operand { expr, outer, parenthesised: false }
    }
}

/// What opened a group, and what it needs to close it.
#[derive(Debug)]
enum Opener {
    /// The whole filter; closed by the end of the input.
    Top,
    /// `parenExpr`; closed by `)`.
    Paren { open: Span },
    /// `listExpr` after `lhs in`; elements separated by `,`, closed by `)`.
    List { lhs: Operand, items: Vec<Expr> },
    /// The arguments of `methodCallExpr`; separated by `,`, closed by `)`.
    Call { func: Func, name: Span, items: Vec<Expr> },
}

/// One open group and the `orExpr` being built inside it.
#[derive(Debug)]
struct Group {
    opener: Opener,
    /// Nesting levels around the group's contents.
    depth: usize,
    /// Finished `andExpr`s of the `orExpr`.
    ors: Vec<Operand>,
    /// Finished `comparisonExpr`s of the current `andExpr`.
    ands: Vec<Operand>,
    /// The current `comparisonExpr` so far, and the operator waiting for its right side.
    chain: Option<Operand>,
    pending: Option<CmpOp>,
    /// How many comparisons the current chain has.
    links: usize,
    /// `not`s read before the operand being parsed, outermost first.
    nots: Vec<Span>,
}

impl Group {
    fn new(opener: Opener, depth: usize) -> Group {
        Group {
            opener,
            depth,
            ors: Vec::new(),
            ands: Vec::new(),
            chain: None,
            pending: None,
            links: 0,
            nots: Vec::new(),
        }
    }

    /// Nesting levels around the operand being parsed (the group's and its `not`s).
    fn operand_depth(&self) -> usize {
        self.depth + self.nots.len()
    }

    /// An operand is complete: wrap it in the `not`s before it (`notExpr`), and make it the
    /// chain's left side or the right side of the waiting operator (`comparisonExpr`).
    fn operand(&mut self, mut operand: Operand) {
        while let Some(kw) = self.nots.pop() {
            let span = kw.to(operand.outer);
            let not = ExprKind::Not { operand: Box::new(operand.expr) };
            operand = Operand::bare(Expr::new(not, span));
        }
        self.chain = Some(match (self.chain.take(), self.pending.take()) {
            (Some(lhs), Some(op)) => {
                let span = lhs.outer.to(operand.outer);
                let (lhs, rhs) = (Box::new(lhs.expr), Box::new(operand.expr));
                Operand::bare(Expr::new(ExprKind::Compare { op, lhs, rhs }, span))
            }
            _ => operand,
        });
    }

    /// `and` or the end of the group ends the `comparisonExpr`.
    fn end_comparison(&mut self) {
        self.ands.extend(self.chain.take());
        self.links = 0;
    }

    /// `or` or the end of the group ends the `andExpr`: one n-ary node for a whole chain.
    fn end_and(&mut self) {
        let ands = std::mem::take(&mut self.ands);
        self.ors.extend(junction(ands, |operands| ExprKind::And { operands }));
    }

    /// The end of the group ends the `orExpr`; `None` if it is empty (which the loop never
    /// lets happen: every group gets an operand before it can end).
    fn finish(&mut self) -> Option<Operand> {
        self.end_comparison();
        self.end_and();
        junction(std::mem::take(&mut self.ors), |operands| ExprKind::Or { operands })
    }

    /// Whether an operator is the likeliest thing missing after the chain: it is a lone
    /// operand (`username`), not a comparison, a parenthesised group or a condition.
    fn wants_operator(&self) -> bool {
        match &self.chain {
            Some(o) if self.links == 0 && !o.parenthesised => match &o.expr.kind {
                ExprKind::Not { .. } => false,
                ExprKind::Call { func, .. } => !matches!(func, Func::Contains | Func::StartsWith | Func::EndsWith),
                _ => true,
            },
            _ => false,
        }
    }
}

/// `and`/`or` over the operands: the operand itself if there is one, an n-ary node spanning
/// them all if there are more, `None` if there are none.
fn junction(operands: Vec<Operand>, kind: impl FnOnce(Vec<Expr>) -> ExprKind) -> Option<Operand> {
    let first = operands.first()?.outer;
    if operands.len() == 1 {
        return operands.into_iter().next();
    }
    let span = operands.iter().fold(first, |span, o| span.to(o.outer));
    let kind = kind(operands.into_iter().map(|o| o.expr).collect());
    Some(Operand::bare(Expr::new(kind, span)))
}

/// What starts an operand (`notExpr` / `primaryExpr`).
enum Start {
    /// `not`.
    Not(Span),
    /// `(` of a `parenExpr`.
    Paren(Span),
    /// A function name and `(`.
    Call(Func, Path),
    /// A literal or a member path: a whole operand.
    Leaf(Expr),
}

/// The comparison operators, as keywords.
const COMPARISON_OPS: [(&str, CmpOp); 6] =
    [("eq", CmpOp::Eq), ("ne", CmpOp::Ne), ("gt", CmpOp::Gt), ("ge", CmpOp::Ge), ("lt", CmpOp::Lt), ("le", CmpOp::Le)];

impl Parser<'_> {
    /// `boolCommonExpr`: the whole filter, with white space around it allowed.
    pub(crate) fn bool_common_expr(&mut self) -> Result<Expr, ParseError> {
        let mut groups = vec![Group::new(Opener::Top, 0)];
        loop {
            // notExpr / primaryExpr: `not`s and `(`s until a whole operand.
            let operand = loop {
                self.skip_ws();
                let group = self.top(&mut groups)?;
                let depth = group.operand_depth();
                match self.primary_expr()? {
                    Start::Not(kw) => {
                        self.enter(depth, kw)?;
                        group.nots.push(kw);
                    }
                    Start::Paren(open) => {
                        let depth = self.enter(depth, open)?;
                        groups.push(Group::new(Opener::Paren { open }, depth));
                    }
                    Start::Call(func, name) => {
                        let depth = self.enter(depth, name.span)?;
                        self.skip_ws();
                        match self.eat(')') {
                            Some(close) => break self.call(func, name.span, Vec::new(), close)?,
                            None => groups
                                .push(Group::new(Opener::Call { func, name: name.span, items: Vec::new() }, depth)),
                        }
                    }
                    Start::Leaf(e) => break Operand::bare(e),
                }
            };
            self.top(&mut groups)?.operand(operand);
            // What follows an operand: an operator, `and`, `or`, or the end of a group.
            if let Some(filter) = self.after_operand(&mut groups)? {
                return Ok(filter);
            }
        }
    }

    /// The innermost open group. The stack is never empty while the loop runs (the root
    /// group is only popped to return the filter); should it be, that is reported as a
    /// syntax error here rather than a panic.
    fn top<'g>(&self, groups: &'g mut [Group]) -> Result<&'g mut Group, ParseError> {
        groups.last_mut().ok_or_else(|| self.expected(Expected::Value))
    }

    /// After an operand: reads operators and closes groups until another operand is due
    /// (`Ok(None)`) or the whole filter is done (`Ok(Some(filter))`).
    fn after_operand(&mut self, groups: &mut Vec<Group>) -> Result<Option<Expr>, ParseError> {
        loop {
            self.skip_ws();
            let group = self.top(groups)?;
            // comparisonExpr: another link of the chain.
            if let Some((op, kw)) = self.comparison_op() {
                self.chain_link(group, kw)?;
                group.pending = Some(op);
                return Ok(None);
            }
            if let Some(kw) = self.keyword("in") {
                self.chain_link(group, kw)?;
                self.skip_ws();
                let Some(open) = self.eat('(') else {
                    return Err(self.expected(Expected::ListOpen));
                };
                let depth = self.enter(group.depth, open)?;
                let Some(lhs) = group.chain.take() else {
                    return Err(self.expected(Expected::Value));
                };
                groups.push(Group::new(Opener::List { lhs, items: Vec::new() }, depth));
                return Ok(None);
            }
            // andExpr, orExpr: another operand of the chain.
            if self.keyword("and").is_some() {
                group.end_comparison();
                return Ok(None);
            }
            if self.keyword("or").is_some() {
                group.end_comparison();
                group.end_and();
                return Ok(None);
            }
            // Otherwise the group must end here.
            let wants_operator = group.wants_operator();
            let Some(mut group) = groups.pop() else {
                return Err(self.expected(Expected::Value));
            };
            let Some(value) = group.finish() else {
                return Err(self.expected(Expected::Value));
            };
            match group.opener {
                Opener::Top => {
                    if self.at_end() {
                        return Ok(Some(value.expr));
                    }
                    return Err(self.continuation_error(Closer::EndOfInput, wants_operator));
                }
                Opener::Paren { open } => {
                    let Some(close) = self.eat(')') else {
                        let closer = Closer::Paren { open: open.start };
                        return Err(self.continuation_error(closer, wants_operator));
                    };
                    let outer = open.to(close);
                    let operand = Operand { expr: value.expr, outer, parenthesised: true };
                    self.top(groups)?.operand(operand);
                }
                Opener::List { lhs, mut items } => {
                    items.push(value.expr);
                    if self.eat(',').is_some() {
                        let depth = group.depth;
                        groups.push(Group::new(Opener::List { lhs, items }, depth));
                        return Ok(None);
                    }
                    let Some(close) = self.eat(')') else {
                        return Err(self.expected(Expected::ListSeparator));
                    };
                    let span = lhs.outer.to(close);
                    let in_list = ExprKind::In { lhs: Box::new(lhs.expr), list: items };
                    // `in` was counted as a link of the parent's chain when it was read.
                    self.top(groups)?.chain = Some(Operand::bare(Expr::new(in_list, span)));
                }
                Opener::Call { func, name, mut items } => {
                    items.push(value.expr);
                    if self.eat(',').is_some() {
                        let depth = group.depth;
                        groups.push(Group::new(Opener::Call { func, name, items }, depth));
                        return Ok(None);
                    }
                    let Some(close) = self.eat(')') else {
                        return Err(self.expected(Expected::ListSeparator));
                    };
                    let call = self.call(func, name, items, close)?;
                    self.top(groups)?.operand(call);
                }
            }
        }
    }

    /// `notExpr` / `primaryExpr`: what starts the next operand. A leaf (literal or path) is
    /// read whole; `not`, `(` and a function name are reported so the loop can open them.
    fn primary_expr(&mut self) -> Result<Start, ParseError> {
        if let Some(kw) = self.keyword("not") {
            return Ok(Start::Not(kw));
        }
        if let Some(open) = self.eat('(') {
            return Ok(Start::Paren(open));
        }
        if let Some(literal) = self.primitive_literal()? {
            return Ok(Start::Leaf(literal));
        }
        let start = self.pos;
        let path = self.member_expr(Expected::Value)?;
        if self.peek() == Some('(') {
            let func = self.function_name(&path)?;
            let _ = self.eat('(');
            return Ok(Start::Call(func, path));
        }
        if self.peek() == Some('-')
            && let Some(err) = self.malformed_guid(start)
        {
            return Err(err);
        }
        Ok(Start::Leaf(Expr::path(path)))
    }

    /// `comparisonOp = "eq" / "ne" / "gt" / "ge" / "lt" / "le"`, case-insensitive.
    fn comparison_op(&mut self) -> Option<(CmpOp, Span)> {
        let word = self.word()?;
        let &(_, op) = COMPARISON_OPS.iter().find(|(kw, _)| kw.eq_ignore_ascii_case(word))?;
        Some((op, self.advance(word.len())))
    }

    /// Another comparison in the group's chain; each after the first nests the tree one
    /// level deeper.
    fn chain_link(&self, group: &mut Group, at: Span) -> Result<(), ParseError> {
        if group.links > 0 {
            self.enter(group.depth + group.links - 1, at)?;
        }
        group.links += 1;
        Ok(())
    }

    /// `memberExpr = identifier *( "/" identifier )`; the first identifier is not a reserved
    /// word (`and`, `eq`, `null`, …). `expected` words the error when no identifier comes.
    pub(crate) fn member_expr(&mut self, expected: Expected) -> Result<Path, ParseError> {
        let start = self.pos;
        let first = match self.lex(identifier) {
            Some((name, _)) if !is_reserved(name) => name,
            _ => {
                self.pos = start;
                return Err(self.expected(expected));
            }
        };
        let mut segments = vec![first.to_string()];
        while self.eat('/').is_some() {
            match self.lex(identifier) {
                Some((name, _)) => segments.push(name.to_string()),
                None => return Err(self.expected(Expected::Field)),
            }
        }
        Ok(Path { segments, span: self.span(start, self.pos) })
    }

    /// The error when a group (the whole filter or a parenthesised one) should end or
    /// continue with `and`/`or`, but something else follows. After a lone operand
    /// (`username equals 'x'`) an operator is what was most likely meant.
    fn continuation_error(&self, closer: Closer, wants_operator: bool) -> ParseError {
        let ends_group = matches!(self.peek(), None | Some(')' | ','));
        if wants_operator && !ends_group {
            self.expected(Expected::Operator)
        } else {
            self.expected(Expected::Continuation(closer))
        }
    }

    /// A finished call as an operand (arity checked).
    fn call(&self, func: Func, name: Span, args: Vec<Expr>, close: Span) -> Result<Operand, ParseError> {
        self.method_call_expr(func, name, args, close).map(Operand::bare)
    }
}
