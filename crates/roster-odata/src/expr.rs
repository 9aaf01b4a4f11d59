//! Expressions: `boolCommonExpr` / `commonExpr` and OData's operator precedence table,
//! loosest first:
//!
//! ```text
//! or                          n-ary
//! and                         n-ary
//! eq ne                       left-associative
//! gt ge lt le                 left-associative
//! add sub                     left-associative
//! mul div divby mod           left-associative
//! not  -  (prefix)            unary
//! has  in                     left-associative, tightest
//! primary: literal, member path, call, lambda, (…), […], {…}
//! ```
//!
//! **No recursion.** The rules are run by one loop over an explicit stack of open groups
//! ([`Group`]: the whole filter, a `parenExpr`, a `listExpr`, a call's arguments, a JSON
//! array or object, a lambda's predicate). Inside a group, operators are combined by
//! precedence with an operator stack (shunting-yard): an operator first applies the pending
//! ones that bind at least as tightly. So the parser's stack use does not depend on the
//! input; nesting is bounded by [`Options::max_depth`](crate::Options::max_depth) only to
//! bound the depth of the tree, which later stages walk. Each `(`, `[`, `{`, `not`, `-`,
//! call and lambda is one level, and so is each binary operation (other than `and`/`or`)
//! whose operand is itself one, as in the chain `a eq b eq c`.
//!
//! **Spans and parentheses.** A node spans its own text. Parentheses belong to the enclosing
//! construct: the node parsed from `(a eq 1)` spans `a eq 1`, and its parent (an `and`, a
//! `not`, a comparison) spans the parentheses too. So `(a eq 1)` alone gives a root spanning
//! `a eq 1`, and every child's span lies within its parent's.

use roster_ast::{ArithOp, CmpOp, Expr, ExprKind, Func, Literal, Member, Path, Quantifier, Span};

use crate::error::{Closer, Expected, ParseError, ParseErrorKind};
use crate::lexical::{Parser, is_ident_continue, is_reserved};
use crate::navigation::{LambdaBody, Nav, NavGroup, NavNext};

/// A parsed operand: the node, and the span of its text including any parentheses around
/// it (which parents must cover).
#[derive(Debug)]
struct Operand {
    expr: Expr,
    outer: Span,
    /// Written in parentheses: a finished group, not an operand waiting for an operator.
    parenthesised: bool,
    /// Levels of binary operations nested inside it within its group (see the module doc).
    levels: usize,
    /// Whether the node itself is such a binary operation.
    counted: bool,
}

impl Operand {
    fn bare(expr: Expr) -> Operand {
        let outer = expr.span;
        Operand { expr, outer, parenthesised: false, levels: 0, counted: false }
    }

    /// The levels it adds below a parent operation.
    fn weight(&self) -> usize {
        self.levels + usize::from(self.counted)
    }
}

/// An operator waiting for its right operand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Or,
    And,
    Cmp(CmpOp),
    Arith(ArithOp),
    Has,
    /// `in` followed by anything but `(` (a JSON array, a path).
    In,
    Not,
    Neg,
}

impl Op {
    /// Binding strength: OData's precedence table, loosest first.
    fn prec(self) -> u8 {
        match self {
            Op::Or => 1,
            Op::And => 2,
            Op::Cmp(CmpOp::Eq | CmpOp::Ne) => 3,
            Op::Cmp(_) => 4,
            Op::Arith(op) if op.is_multiplicative() => 6,
            Op::Arith(_) => 5,
            Op::Not | Op::Neg => 7,
            Op::Has | Op::In => 8,
        }
    }

    fn is_prefix(self) -> bool {
        matches!(self, Op::Not | Op::Neg)
    }
}

/// The precedence of `has` and `in`.
const PRIMARY: u8 = 8;

#[derive(Debug)]
struct Pending {
    op: Op,
    at: Span,
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
    /// A JSON array; items separated by `,`, closed by `]`.
    Array { open: Span, items: Vec<Expr> },
    /// A JSON object; the group holds the value of the member `name`.
    Object { open: Span, members: Vec<Member>, name: String },
    /// The predicate of a lambda `path/any(var: …)`; closed by `)`.
    Lambda { quantifier: Quantifier, path: Path, var: String, open: Span },
    /// An expression inside a navigation path (a parameter value, a `$filter(…)`
    /// condition, a lambda after a call): `navigation.rs`.
    Nav(NavGroup),
}

/// A stack that keeps its first `N` items inline and only the rest on the heap: a group
/// rarely holds more than a few operands and operators at once, so most parses allocate
/// nothing for them.
#[derive(Debug)]
struct Stack<T, const N: usize> {
    inline: [Option<T>; N],
    len: usize,
    spill: Vec<T>,
}

impl<T, const N: usize> Stack<T, N> {
    fn new() -> Self {
        Stack { inline: std::array::from_fn(|_| None), len: 0, spill: Vec::new() }
    }

    fn push(&mut self, item: T) {
        match self.inline.get_mut(self.len) {
            Some(slot) => *slot = Some(item),
            None => self.spill.push(item),
        }
        self.len += 1;
    }

    fn pop(&mut self) -> Option<T> {
        self.len = self.len.checked_sub(1)?;
        match self.inline.get_mut(self.len) {
            Some(slot) => slot.take(),
            None => self.spill.pop(),
        }
    }

    fn last(&self) -> Option<&T> {
        let i = self.len.checked_sub(1)?;
        match self.inline.get(i) {
            Some(slot) => slot.as_ref(),
            None => self.spill.last(),
        }
    }

    fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn iter(&self) -> impl Iterator<Item = &T> {
        self.inline.iter().flatten().chain(&self.spill)
    }
}

/// One open group: its operands and pending operators.
#[derive(Debug)]
struct Group {
    opener: Opener,
    /// Nesting levels around the group's contents.
    depth: usize,
    operands: Stack<Operand, 4>,
    ops: Stack<Pending, 4>,
}

impl Group {
    fn new(opener: Opener, depth: usize) -> Group {
        Group { opener, depth, operands: Stack::new(), ops: Stack::new() }
    }

    /// Nesting levels around the operand being parsed (the group's and its prefixes').
    fn operand_depth(&self) -> usize {
        self.depth + self.ops.iter().filter(|p| p.op.is_prefix()).count()
    }

    /// Applies the pending operators that bind at least as tightly as `prec`.
    fn reduce(&mut self, p: &Parser<'_>, prec: u8) -> Result<(), ParseError> {
        while let Some(top) = self.ops.last()
            && top.op.prec() >= prec
        {
            let Some(pending) = self.ops.pop() else { break };
            self.apply(p, pending)?;
        }
        Ok(())
    }

    fn pop(&mut self, p: &Parser<'_>) -> Result<Operand, ParseError> {
        // The loop pushes an operand after every operator, so this never fails; should it,
        // it is a syntax error rather than a panic.
        self.operands.pop().ok_or_else(|| p.expected(Expected::Value))
    }

    fn apply(&mut self, p: &Parser<'_>, Pending { op, at }: Pending) -> Result<(), ParseError> {
        let rhs = self.pop(p)?;
        if op.is_prefix() {
            let span = at.to(rhs.outer);
            let operand = Box::new(rhs.expr);
            let kind = if op == Op::Not { ExprKind::Not { operand } } else { ExprKind::Negate { operand } };
            let levels = rhs.levels + usize::from(rhs.counted);
            self.operands.push(Operand { levels, ..Operand::bare(Expr::new(kind, span)) });
            return Ok(());
        }
        let lhs = self.pop(p)?;
        let span = lhs.outer.to(rhs.outer);
        if let Op::And | Op::Or = op {
            let is_and = op == Op::And;
            let levels = lhs.weight().max(rhs.weight());
            // A chain `a and b and c` is one n-ary node; `(a and b) and c` stays nested.
            let extend = !lhs.parenthesised
                && matches!((&lhs.expr.kind, is_and), (ExprKind::And { .. }, true) | (ExprKind::Or { .. }, false));
            let mut node = if extend {
                lhs.expr
            } else {
                let mut operands = Vec::with_capacity(4);
                operands.push(lhs.expr);
                Expr::new(if is_and { ExprKind::And { operands } } else { ExprKind::Or { operands } }, span)
            };
            if let ExprKind::And { operands } | ExprKind::Or { operands } = &mut node.kind {
                operands.push(rhs.expr);
            }
            node.span = span;
            self.operands.push(Operand { levels, ..Operand::bare(node) });
            return Ok(());
        }
        let levels = lhs.weight().max(rhs.weight());
        if levels > 0 {
            p.enter(self.depth + levels - 1, at)?;
        }
        let (l, r) = (Box::new(lhs.expr), Box::new(rhs.expr));
        let kind = match op {
            Op::Cmp(op) => ExprKind::Compare { op, lhs: l, rhs: r },
            Op::Arith(op) => ExprKind::Arith { op, lhs: l, rhs: r },
            Op::Has => ExprKind::Has { lhs: l, rhs: r },
            _ => ExprKind::In { lhs: l, list: vec![*r] },
        };
        self.operands.push(Operand { levels, counted: true, ..Operand::bare(Expr::new(kind, span)) });
        Ok(())
    }

    /// The group's value once everything is applied; `None` if it is empty (which the loop
    /// never lets happen: every group gets an operand before it can end).
    fn finish(&mut self, p: &Parser<'_>) -> Result<Operand, ParseError> {
        self.reduce(p, 0)?;
        let value = self.pop(p)?;
        if !self.operands.is_empty() {
            return Err(p.expected(Expected::Value));
        }
        Ok(value)
    }

    /// Whether an operator is the likeliest thing missing after the last operand: it is a
    /// lone operand (`username`), not a comparison, a parenthesised group or a condition,
    /// and starts a term (nothing or `and`/`or` before it).
    fn wants_operator(&self) -> bool {
        let starts_term = matches!(self.ops.last(), None | Some(Pending { op: Op::And | Op::Or, .. }));
        match self.operands.last() {
            Some(o) if starts_term && !o.parenthesised && !o.counted => match &o.expr.kind {
                ExprKind::Not { .. } | ExprKind::Quantified { .. } => false,
                ExprKind::Call { func, .. } => !func.is_boolean(),
                _ => true,
            },
            _ => false,
        }
    }
}

/// The stack of open groups. The innermost is kept apart from the ones around it, so a
/// filter without parentheses, lists or calls allocates nothing for the stack.
struct Groups {
    /// The innermost group; `None` once the root has been popped.
    top: Option<Group>,
    /// The groups around it, outermost first.
    outer: Vec<Group>,
}

impl Groups {
    fn push(&mut self, group: Group) {
        if let Some(parent) = self.top.replace(group) {
            self.outer.push(parent);
        }
    }

    fn pop(&mut self) -> Option<Group> {
        let group = self.top.take()?;
        self.top = self.outer.pop();
        Some(group)
    }
}

/// What starts an operand (`notExpr` / `negateExpr` / `primaryExpr`).
enum Start {
    /// `not` or `-`.
    Prefix(Op, Span),
    /// `(` of a `parenExpr`.
    Paren(Span),
    /// `[` of a JSON array.
    Array(Span),
    /// `{` of a JSON object.
    Object(Span),
    /// A function name and `(`.
    Call(Func, Path),
    /// `path/any(` or `path/all(`; the span is the `(`.
    Lambda(Quantifier, Path, Span),
    /// A navigation path (`navigation.rs`), whole or up to a group it opens.
    Nav(NavNext),
    /// A literal or a member path: a whole operand.
    Leaf(Expr),
}

/// The binary operator (other than `in`) that `word` spells, case-insensitively.
fn binary_op(word: &str) -> Option<Op> {
    let mut lower = [0u8; 5];
    let lower = lower.get_mut(..word.len())?;
    for (l, b) in lower.iter_mut().zip(word.bytes()) {
        *l = b.to_ascii_lowercase();
    }
    Some(match &*lower {
        b"or" => Op::Or,
        b"and" => Op::And,
        b"eq" => Op::Cmp(CmpOp::Eq),
        b"ne" => Op::Cmp(CmpOp::Ne),
        b"gt" => Op::Cmp(CmpOp::Gt),
        b"ge" => Op::Cmp(CmpOp::Ge),
        b"lt" => Op::Cmp(CmpOp::Lt),
        b"le" => Op::Cmp(CmpOp::Le),
        b"add" => Op::Arith(ArithOp::Add),
        b"sub" => Op::Arith(ArithOp::Sub),
        b"mul" => Op::Arith(ArithOp::Mul),
        b"div" => Op::Arith(ArithOp::Div),
        b"divby" => Op::Arith(ArithOp::DivBy),
        b"mod" => Op::Arith(ArithOp::Mod),
        b"has" => Op::Has,
        _ => return None,
    })
}

impl Parser<'_> {
    /// `boolCommonExpr`: the whole filter, with white space around it allowed.
    pub(crate) fn bool_common_expr(&mut self) -> Result<Expr, ParseError> {
        let mut groups = Groups { top: Some(Group::new(Opener::Top, 0)), outer: Vec::new() };
        loop {
            // Prefixes and openers until a whole operand.
            let operand = loop {
                self.skip_ws();
                let group = self.top(&mut groups)?;
                let depth = group.operand_depth();
                let json = matches!(group.opener, Opener::Array { .. } | Opener::Object { .. });
                match self.primary_expr(json, depth)? {
                    Start::Prefix(op, at) => {
                        self.enter(depth, at)?;
                        group.ops.push(Pending { op, at });
                    }
                    Start::Paren(open) => {
                        let depth = self.enter(depth, open)?;
                        groups.push(Group::new(Opener::Paren { open }, depth));
                    }
                    Start::Array(open) => {
                        let depth = self.enter(depth, open)?;
                        self.skip_ws();
                        match self.eat(']') {
                            Some(close) => {
                                break Operand::bare(Expr::new(ExprKind::Array { items: Vec::new() }, open.to(close)));
                            }
                            None => groups.push(Group::new(Opener::Array { open, items: Vec::new() }, depth)),
                        }
                    }
                    Start::Object(open) => {
                        let depth = self.enter(depth, open)?;
                        self.skip_ws();
                        if let Some(close) = self.eat('}') {
                            break Operand::bare(Expr::new(ExprKind::Object { members: Vec::new() }, open.to(close)));
                        }
                        let name = self.member_name()?;
                        groups.push(Group::new(Opener::Object { open, members: Vec::new(), name }, depth));
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
                    Start::Lambda(quantifier, path, open) => {
                        let depth = self.enter(depth, open)?;
                        match self.lambda_body(quantifier)? {
                            LambdaBody::Empty(close) => {
                                // `any()`: the collection is not empty.
                                let predicate = Box::new(Expr::literal(Literal::Bool(true), open.to(close)));
                                let span = path.span.to(close);
                                let kind = ExprKind::Quantified { quantifier, path, var: String::new(), predicate };
                                break Operand::bare(Expr::new(kind, span));
                            }
                            LambdaBody::Var(var) => {
                                groups.push(Group::new(Opener::Lambda { quantifier, path, var, open }, depth));
                            }
                        }
                    }
                    Start::Nav(NavNext::Done(e)) => break Operand::bare(e),
                    Start::Nav(NavNext::Open(nav, open)) => {
                        let depth = self.enter(depth, open)?;
                        groups.push(Group::new(Opener::Nav(nav), depth));
                    }
                    Start::Leaf(e) => break Operand::bare(e),
                }
            };
            self.top(&mut groups)?.operands.push(operand);
            // What follows an operand: an operator, or the end of a group.
            if let Some(filter) = self.after_operand(&mut groups)? {
                return Ok(filter);
            }
        }
    }

    /// The innermost open group. The stack is never empty while the loop runs (the root
    /// group is only popped to return the filter); should it be, that is reported as a
    /// syntax error here rather than a panic.
    fn top<'g>(&self, groups: &'g mut Groups) -> Result<&'g mut Group, ParseError> {
        groups.top.as_mut().ok_or_else(|| self.expected(Expected::Value))
    }

    /// After an operand: reads operators and closes groups until another operand is due
    /// (`Ok(None)`) or the whole filter is done (`Ok(Some(filter))`).
    fn after_operand(&mut self, groups: &mut Groups) -> Result<Option<Expr>, ParseError> {
        loop {
            self.skip_ws();
            let group = self.top(groups)?;
            // The word after the operand, read once: an operator keyword or `in`.
            let word = self.word().unwrap_or("");
            if let Some(op) = binary_op(word) {
                let at = self.advance(word.len());
                group.reduce(self, op.prec())?;
                group.ops.push(Pending { op, at });
                return Ok(None);
            }
            if word.eq_ignore_ascii_case("in") {
                let at = self.advance(word.len());
                group.reduce(self, PRIMARY)?;
                self.skip_ws();
                let Some(open) = self.eat('(') else {
                    // `in` a JSON array or another collection-valued operand.
                    group.ops.push(Pending { op: Op::In, at });
                    return Ok(None);
                };
                let depth = self.enter(group.operand_depth(), open)?;
                let lhs = group.pop(self)?;
                self.skip_ws();
                if let Some(close) = self.eat(')') {
                    let span = lhs.outer.to(close);
                    let levels = lhs.weight();
                    let kind = ExprKind::In { lhs: Box::new(lhs.expr), list: Vec::new() };
                    group.operands.push(Operand { levels, counted: true, ..Operand::bare(Expr::new(kind, span)) });
                    continue;
                }
                groups.push(Group::new(Opener::List { lhs, items: Vec::new() }, depth));
                return Ok(None);
            }
            // Otherwise the group must end here.
            let wants_operator = group.wants_operator();
            let Some(mut group) = groups.pop() else {
                return Err(self.expected(Expected::Value));
            };
            let value = group.finish(self)?;
            let operand = match group.opener {
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
                    Operand { outer: open.to(close), parenthesised: true, ..Operand::bare(value.expr) }
                }
                Opener::List { lhs, mut items } => {
                    // listExpr holds primitive literals; `(x)` alone is a parenExpr.
                    let literal = matches!(value.expr.kind, ExprKind::Literal { .. });
                    if !literal && !items.is_empty() {
                        let found = self.text[value.outer.range()].to_string();
                        let kind = ParseErrorKind::Syntax { expected: Expected::ListLiteral, found: Some(found) };
                        return Err(ParseError::new(kind, value.outer));
                    }
                    items.push(value.expr);
                    if self.peek() == Some(',') {
                        if !literal {
                            return Err(self.expected(Expected::ListEnd));
                        }
                        let _ = self.eat(',');
                        groups.push(Group::new(Opener::List { lhs, items }, group.depth));
                        return Ok(None);
                    }
                    let Some(close) = self.eat(')') else {
                        return Err(self.expected(Expected::ListSeparator));
                    };
                    let span = lhs.outer.to(close);
                    let levels = lhs.weight();
                    let parent = self.top(groups)?;
                    if levels > 0 {
                        self.enter(parent.depth + levels - 1, span)?;
                    }
                    let kind = ExprKind::In { lhs: Box::new(lhs.expr), list: items };
                    Operand { levels, counted: true, ..Operand::bare(Expr::new(kind, span)) }
                }
                Opener::Call { func, name, mut items } => {
                    items.push(value.expr);
                    if self.eat(',').is_some() {
                        groups.push(Group::new(Opener::Call { func, name, items }, group.depth));
                        return Ok(None);
                    }
                    let Some(close) = self.eat(')') else {
                        return Err(self.expected(Expected::ListSeparator));
                    };
                    self.call(func, name, items, close)?
                }
                Opener::Array { open, mut items } => {
                    items.push(value.expr);
                    if self.eat(',').is_some() {
                        groups.push(Group::new(Opener::Array { open, items }, group.depth));
                        return Ok(None);
                    }
                    let Some(close) = self.eat(']') else {
                        return Err(self.expected(Expected::ArraySeparator));
                    };
                    Operand::bare(Expr::new(ExprKind::Array { items }, open.to(close)))
                }
                Opener::Object { open, mut members, name } => {
                    members.push(Member { name, value: value.expr });
                    if self.eat(',').is_some() {
                        self.skip_ws();
                        let name = self.member_name()?;
                        groups.push(Group::new(Opener::Object { open, members, name }, group.depth));
                        return Ok(None);
                    }
                    let Some(close) = self.eat('}') else {
                        return Err(self.expected(Expected::ObjectSeparator));
                    };
                    Operand::bare(Expr::new(ExprKind::Object { members }, open.to(close)))
                }
                Opener::Nav(nav) => match self.nav_close(nav, value.expr)? {
                    NavNext::Done(e) => Operand::bare(e),
                    NavNext::Open(nav, _) => {
                        groups.push(Group::new(Opener::Nav(nav), group.depth));
                        return Ok(None);
                    }
                },
                Opener::Lambda { quantifier, path, var, open } => {
                    let Some(close) = self.eat(')') else {
                        return Err(self.continuation_error(Closer::Paren { open: open.start }, wants_operator));
                    };
                    let span = path.span.to(close);
                    let predicate = Box::new(value.expr);
                    Operand::bare(Expr::new(ExprKind::Quantified { quantifier, path, var, predicate }, span))
                }
            };
            self.top(groups)?.operands.push(operand);
        }
    }

    /// `notExpr` / `negateExpr` / `primaryExpr`: what starts the next operand. A leaf
    /// (literal or path) is read whole; prefixes and openers are reported so the loop can
    /// open them. `json`: inside a JSON array or object, where `"strings"` are values;
    /// `depth`: the nesting level of the operand (collections in a geo literal nest on).
    fn primary_expr(&mut self, json: bool, depth: usize) -> Result<Start, ParseError> {
        // The identifier-like word at the cursor, read once for every keyword test below.
        let word = self.word();
        if let Some(w) = word
            && w.eq_ignore_ascii_case("not")
        {
            return Ok(Start::Prefix(Op::Not, self.advance(w.len())));
        }
        if let Some(open) = self.eat('(') {
            return Ok(Start::Paren(open));
        }
        if let Some(open) = self.eat('[') {
            return Ok(Start::Array(open));
        }
        if let Some(open) = self.eat('{') {
            return Ok(Start::Object(open));
        }
        if json && self.peek() == Some('"') {
            let (s, span) = self.json_string()?;
            return Ok(Start::Leaf(Expr::literal(Literal::String(s), span)));
        }
        if let Some(literal) = self.primitive_literal_at(word)? {
            return Ok(Start::Leaf(literal));
        }
        if let Some(minus) = self.eat('-') {
            return Ok(Start::Prefix(Op::Neg, minus));
        }
        let start = self.pos;
        let path = self.member_expr(Expected::Value)?;
        if let Some((quantifier, open)) = self.lambda_start() {
            return Ok(Start::Lambda(quantifier, path, open));
        }
        if self.at_nav_segment() {
            return self.nav_continue(Nav::from_path(&path)).map(Start::Nav);
        }
        match self.peek() {
            Some('(') => {
                if let [single] = path.segments.as_slice() {
                    if let Some(func) = Func::from_name(single) {
                        let _ = self.eat('(');
                        return Ok(Start::Call(func, path));
                    }
                    if single.eq_ignore_ascii_case("any") || single.eq_ignore_ascii_case("all") {
                        return Err(self.expected(Expected::LambdaPath));
                    }
                }
                // A bound or namespace-qualified function, or a key predicate; an
                // unqualified name first is one only with a key or named parameters, else
                // it is reported as an unknown (misspelt) function.
                let nested = match path.segments.as_slice() {
                    [single] => single.contains(['.', '$', '@']),
                    _ => true,
                };
                if nested || self.looks_like_key_or_params() {
                    return self.nav_continue(Nav::from_path(&path)).map(Start::Nav);
                }
                return Err(self.function_name(&path).err().unwrap_or_else(|| self.expected(Expected::Value)));
            }
            Some('\'') => return self.prefixed_literal(&path, depth).map(Start::Leaf),
            Some('-') => {
                if let Some(err) = self.malformed_guid(start) {
                    return Err(err);
                }
            }
            _ => {}
        }
        Ok(Start::Leaf(Expr::path(path)))
    }

    /// `/any(` or `/all(` after a path (case-insensitive): consumes it and returns the
    /// quantifier and the span of `(`.
    pub(crate) fn lambda_start(&mut self) -> Option<(Quantifier, Span)> {
        let rest = self.rest().strip_prefix('/')?;
        let word = rest.get(..3)?;
        let quantifier = if word.eq_ignore_ascii_case("any") {
            Quantifier::Any
        } else if word.eq_ignore_ascii_case("all") {
            Quantifier::All
        } else {
            return None;
        };
        if !rest[3..].starts_with('(') {
            return None;
        }
        self.pos += 4;
        let open = self.advance(1);
        Some((quantifier, open))
    }

    /// `memberExpr`: segments separated by `/`. The first is `$it`, `$this` or `$root`, or
    /// a name that is not a reserved word (`and`, `eq`, `null`, …); later ones are names or
    /// `$count`. A name may be namespace-qualified (`Model.Customer`). The path stops before
    /// `/any(` and `/all(`. `expected` words the error when no name comes.
    pub(crate) fn member_expr(&mut self, expected: Expected) -> Result<Path, ParseError> {
        let start = self.pos;
        let first = match self.variable().or_else(|| self.annotation()).or_else(|| self.qualified_name()) {
            Some(name) if !is_reserved(&name) => name,
            _ => {
                self.pos = start;
                return Err(self.expected(expected));
            }
        };
        let mut segments = vec![first];
        loop {
            let before = self.pos;
            if self.lambda_start().is_some() {
                self.pos = before;
                break;
            }
            if self.at_nav_segment() || self.eat('/').is_none() {
                break;
            }
            match self.path_segment() {
                Some(name) => segments.push(name),
                None => return Err(self.expected(Expected::Field)),
            }
        }
        Ok(Path { segments, span: self.span(start, self.pos) })
    }

    /// A segment after `/`: `$count`, an annotation (`@Core.Messages`) or a name, possibly
    /// namespace-qualified.
    pub(crate) fn path_segment(&mut self) -> Option<String> {
        if self.rest().starts_with("$count") && !self.rest()[6..].starts_with(is_ident_continue) {
            self.pos += 6;
            return Some("$count".to_string());
        }
        self.annotation().or_else(|| self.qualified_name())
    }

    /// `annotationInQuery = "@" [ namespace "." ] termName [ "#" annotationQualifier ]`, or a
    /// parameter alias `@name` (the same text; which one it is depends on the service).
    fn annotation(&mut self) -> Option<String> {
        let start = self.pos;
        self.eat('@')?;
        if self.qualified_name().is_none() {
            self.pos = start;
            return None;
        }
        if self.rest().starts_with('#') {
            let before = self.pos;
            self.pos += 1;
            if self.eat_identifier().is_none() {
                self.pos = before;
            }
        }
        Some(self.text[start..self.pos].to_string())
    }

    /// `implicitVariableExpr` (`$it`, `$this`) or `$root`, case-sensitive.
    fn variable(&mut self) -> Option<String> {
        let rest = self.rest();
        ["$it", "$this", "$root"].into_iter().find_map(|v| {
            (rest.starts_with(v) && !rest[v.len()..].starts_with(is_ident_continue)).then(|| {
                self.pos += v.len();
                v.to_string()
            })
        })
    }

    /// An identifier, or a namespace-qualified one (`Model.Customer`, `geo.distance`).
    fn qualified_name(&mut self) -> Option<String> {
        let start = self.pos;
        self.eat_identifier()?;
        while self.rest().starts_with('.') {
            let before = self.pos;
            self.pos += 1;
            if self.eat_identifier().is_none() {
                self.pos = before;
                break;
            }
        }
        Some(self.text[start..self.pos].to_string())
    }

    /// A JSON object member's name and the `:` after it.
    fn member_name(&mut self) -> Result<String, ParseError> {
        if self.peek() != Some('"') {
            return Err(self.expected(Expected::MemberName));
        }
        let (name, _) = self.json_string()?;
        self.skip_ws();
        if self.eat(':').is_none() {
            return Err(self.expected(Expected::Colon));
        }
        Ok(name)
    }

    /// The error when a group (the whole filter or a parenthesised one) should end or
    /// continue with an operator, but something else follows. After a lone operand
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
