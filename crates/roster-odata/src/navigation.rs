//! Navigation paths: member paths whose steps are more than names (`ExprKind::Navigate`):
//!
//! ```text
//! boundFunctionExpr      Products/Model.BestProduct()/Name, Model.Available(), $it/Ns.F(n=5 add 3)
//! functionExprParameter  color='green', colors=["red","green"], complex={"a":1}, color=@color
//! keyPredicate           Items(1), Products/$filter(Age gt 3)(ID='Sugar')
//! filterExpr             Addresses/$filter(endswith(Street,'St'))/$count
//! collectionPathExpr     Products/$count($filter=Price gt 5.00)
//! anyExpr / allExpr      Products/Model.BestProduct()/EmailAddresses/any()
//! ```
//!
//! Which names are functions, navigation properties or keys is a service's metadata; the
//! parser reads the syntax and the checker reports what a user schema cannot resolve. A
//! name followed by `(` is a function call when its parameters are named (or there are
//! none), and a key predicate when a single value stands alone.
//!
//! The expressions inside a path (parameter values, filter conditions, lambda predicates)
//! are groups of the expression loop in `expr.rs`, so a path nests without recursion and
//! each `(` counts against the depth limit.

use roster_ast::{Expr, ExprKind, Literal, Member, Path, Quantifier, Span, Step, StepKind};

use crate::error::{Expected, ParseError, ParseErrorKind};
use crate::lexical::{Parser, identifier, is_reserved};

/// A navigation path being read: its steps so far and where it starts.
#[derive(Debug)]
pub(crate) struct Nav {
    steps: Vec<Step>,
    start: usize,
}

/// A group the expression loop runs for an expression inside a path.
#[derive(Debug)]
pub(crate) enum NavGroup {
    /// The value of a parameter (`pname=…`) or of a key part (`pname` empty); `member` is
    /// the name before `(` (`None` for a key after a filter segment).
    Param { nav: Nav, member: Option<Step>, open: Span, params: Vec<Member>, pname: String },
    /// `$filter(…)`, from the `$` at `at`.
    Filter { nav: Nav, at: usize },
    /// `$count($filter=…)`, from the `$` at `at`.
    Count { nav: Nav, at: usize },
    /// `any(var: …)` / `all(var: …)`, from the name at `at`.
    Lambda { nav: Nav, quantifier: Quantifier, var: String, at: usize },
}

/// What follows a step.
#[derive(Debug)]
pub(crate) enum NavNext {
    /// The path is complete.
    Done(Expr),
    /// An expression inside the path comes next; the span is what opens its group.
    Open(NavGroup, Span),
}

/// What a lambda's parentheses hold.
pub(crate) enum LambdaBody {
    /// `any()`, closed at this span.
    Empty(Span),
    /// A variable, after which `:` has been read.
    Var(String),
}

impl Nav {
    /// The steps of a plain path, one member per segment (the segments are written with
    /// nothing between them but `/`).
    pub(crate) fn from_path(path: &Path) -> Nav {
        let start = path.span.start as usize;
        let mut at = path.span.start;
        let steps = path
            .segments
            .iter()
            .map(|name| {
                let len = u32::try_from(name.len()).unwrap_or(u32::MAX);
                let span = Span::new(at, at.saturating_add(len));
                at = span.end.saturating_add(1);
                Step { kind: StepKind::Member { name: name.clone() }, span }
            })
            .collect();
        Nav { steps, start }
    }

    fn push(&mut self, kind: StepKind, span: Span) {
        self.steps.push(Step { kind, span });
    }

    fn expr(self, p: &Parser<'_>, end: usize) -> Expr {
        let span = p.span(self.start, end);
        if self.steps.iter().all(|s| matches!(s.kind, StepKind::Member { .. })) {
            let segments = self
                .steps
                .into_iter()
                .map(|s| match s.kind {
                    StepKind::Member { name } => name,
                    _ => String::new(),
                })
                .collect();
            return Expr::path(Path { segments, span });
        }
        Expr::new(ExprKind::Navigate { steps: self.steps }, span)
    }
}

impl Parser<'_> {
    /// Whether a navigation step other than a name follows a plain path: `/$filter(`,
    /// `/$count(`.
    pub(crate) fn at_nav_segment(&self) -> bool {
        let rest = self.rest();
        rest.starts_with("/$filter(") || rest.starts_with("/$count(")
    }

    /// For an unqualified name that is not a built-in function, followed by `(`: whether
    /// the parentheses hold a key predicate or named parameters (`Items(1)`, `X(a=1)`), so
    /// the name is a navigation step rather than a misspelt function. Reads nothing.
    pub(crate) fn looks_like_key_or_params(&mut self) -> bool {
        let start = self.pos;
        let _ = self.eat('(');
        self.skip_ws();
        let yes = self.param_name().is_some()
            || (matches!(self.primitive_literal(), Ok(Some(_))) && {
                self.skip_ws();
                self.peek() == Some(')')
            });
        self.pos = start;
        yes
    }

    /// `parameterName EQ`: reads `name=` (and the white space after it) if it comes next.
    fn param_name(&mut self) -> Option<String> {
        let start = self.pos;
        if let Some((name, _)) = self.lex(identifier) {
            self.skip_ws();
            if self.peek() == Some('=') {
                self.pos += 1;
                self.skip_ws();
                return Some(name.to_string());
            }
        }
        self.pos = start;
        None
    }

    /// After `any(` / `all(`: `)` (only for `any`), or a variable and `:`.
    pub(crate) fn lambda_body(&mut self, quantifier: Quantifier) -> Result<LambdaBody, ParseError> {
        self.skip_ws();
        if quantifier == Quantifier::Any
            && let Some(close) = self.eat(')')
        {
            return Ok(LambdaBody::Empty(close));
        }
        if quantifier == Quantifier::All && self.peek() == Some(')') {
            // `all()`: the grammar needs a lambda, so the text ends wrongly after `)`.
            let after = self.pos + 1;
            let kind = ParseErrorKind::Syntax { expected: Expected::LambdaVariable, found: Some("()".into()) };
            return Err(ParseError::new(kind, self.span(after, after)));
        }
        let var = match self.lex(identifier) {
            Some((name, _)) if !is_reserved(name) => name.to_string(),
            _ => return Err(self.expected(Expected::LambdaVariable)),
        };
        self.skip_ws();
        if self.eat(':').is_none() {
            return Err(self.expected(Expected::Colon));
        }
        Ok(LambdaBody::Var(var))
    }

    /// Reads what follows the steps read so far: more names, a call's or key's `(`, a
    /// `$filter(`, `$count(` or lambda, or nothing (the path is complete).
    pub(crate) fn nav_continue(&mut self, mut nav: Nav) -> Result<NavNext, ParseError> {
        loop {
            let at = self.pos;
            if self.rest().starts_with("/$filter(") {
                self.pos += "/$filter".len();
                let open = self.advance(1);
                return Ok(NavNext::Open(NavGroup::Filter { nav, at: at + 1 }, open));
            }
            if self.rest().starts_with("/$count(") {
                self.pos += "/$count".len();
                let open = self.advance(1);
                self.skip_ws();
                let rest = self.rest();
                let prefix = ["$filter=", "filter="].into_iter().find(|p| rest.starts_with(p));
                let Some(prefix) = prefix else {
                    return Err(self.expected(Expected::CountFilter));
                };
                self.pos += prefix.len();
                return Ok(NavNext::Open(NavGroup::Count { nav, at: at + 1 }, open));
            }
            if let Some((quantifier, open)) = self.lambda_start() {
                let name_at = at + 1;
                return match self.lambda_body(quantifier)? {
                    LambdaBody::Empty(close) => {
                        let predicate = Box::new(Expr::literal(Literal::Bool(true), open.to(close)));
                        let kind = StepKind::Lambda { quantifier, var: String::new(), predicate };
                        nav.push(kind, self.span(name_at, close.end as usize));
                        Ok(NavNext::Done(nav.expr(self, close.end as usize)))
                    }
                    LambdaBody::Var(var) => {
                        Ok(NavNext::Open(NavGroup::Lambda { nav, quantifier, var, at: name_at }, open))
                    }
                };
            }
            if self.peek() == Some('(') {
                // A name's parameters or key, or a key after a filter segment.
                let member = match nav.steps.last().map(|s| &s.kind) {
                    Some(StepKind::Member { name }) if !name.starts_with('$') || name == "$root" => nav.steps.pop(),
                    Some(StepKind::Filter { .. }) => None,
                    _ => return Ok(NavNext::Done(nav.expr(self, at))),
                };
                let open = self.advance(1);
                self.skip_ws();
                if let Some(close) = self.eat(')') {
                    let Some(Step { kind: StepKind::Member { name }, span }) = member else {
                        self.pos = close.start as usize;
                        return Err(self.expected(Expected::Value));
                    };
                    nav.push(StepKind::Call { name, params: Vec::new() }, span.to(close));
                    continue;
                }
                let pname = self.param_name().unwrap_or_default();
                return Ok(NavNext::Open(NavGroup::Param { nav, member, open, params: Vec::new(), pname }, open));
            }
            if self.peek() == Some('/') {
                self.pos += 1;
                let seg_at = self.pos;
                match self.path_segment() {
                    Some(name) => {
                        let span = self.span(seg_at, self.pos);
                        nav.push(StepKind::Member { name }, span);
                        continue;
                    }
                    None => return Err(self.expected(Expected::Field)),
                }
            }
            return Ok(NavNext::Done(nav.expr(self, at)));
        }
    }

    /// Ends `$filter(…)` (`filter`) or `$count($filter=…)` with its condition.
    fn nav_condition(&mut self, mut nav: Nav, at: usize, value: Expr, filter: bool) -> Result<NavNext, ParseError> {
        let Some(close) = self.eat(')') else {
            return Err(self.expected(Expected::ListSeparator));
        };
        let span = self.span(at, close.end as usize);
        let condition = Box::new(value);
        let kind =
            if filter { StepKind::Filter { predicate: condition } } else { StepKind::Count { filter: condition } };
        nav.push(kind, span);
        self.nav_continue(nav)
    }

    /// Ends the group of an expression inside a path, whose value is `value`; the cursor is
    /// after it (and white space).
    pub(crate) fn nav_close(&mut self, group: NavGroup, value: Expr) -> Result<NavNext, ParseError> {
        match group {
            NavGroup::Param { mut nav, member, open, mut params, pname } => {
                params.push(Member { name: pname, value });
                if let Some(comma) = self.eat(',') {
                    self.skip_ws();
                    let pname = self.param_name().unwrap_or_default();
                    return Ok(NavNext::Open(NavGroup::Param { nav, member, open, params, pname }, comma));
                }
                let Some(close) = self.eat(')') else {
                    return Err(self.expected(Expected::ListSeparator));
                };
                let named = params.iter().filter(|p| !p.name.is_empty()).count();
                match member {
                    // Named parameters: a function call (or a compound key; only metadata
                    // tells them apart, and neither applies to a user schema).
                    Some(Step { kind: StepKind::Member { name }, span }) if named == params.len() => {
                        nav.push(StepKind::Call { name, params }, span.to(close));
                    }
                    Some(step) if named == 0 && params.len() == 1 => {
                        nav.steps.push(step);
                        nav.push(StepKind::Key { values: params }, open.to(close));
                    }
                    None if named == 0 && params.len() == 1 || named == params.len() => {
                        nav.push(StepKind::Key { values: params }, open.to(close));
                    }
                    _ => {
                        let at = params.iter().find(|p| p.name.is_empty()).map_or(open, |p| p.value.span);
                        let kind = ParseErrorKind::Syntax { expected: Expected::ParamName, found: None };
                        return Err(ParseError::new(kind, at));
                    }
                }
                self.nav_continue(nav)
            }
            NavGroup::Filter { nav, at } => self.nav_condition(nav, at, value, true),
            NavGroup::Count { nav, at } => self.nav_condition(nav, at, value, false),
            NavGroup::Lambda { mut nav, quantifier, var, at } => {
                let Some(close) = self.eat(')') else {
                    return Err(self.expected(Expected::ListSeparator));
                };
                let span = self.span(at, close.end as usize);
                nav.push(StepKind::Lambda { quantifier, var, predicate: Box::new(value) }, span);
                Ok(NavNext::Done(nav.expr(self, close.end as usize)))
            }
        }
    }
}
