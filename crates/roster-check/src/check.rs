//! Lowering of the untyped AST into the typed IR.

use std::borrow::Cow;

use roster_ast::{
    ArithOp, CmpOp, Expr, ExprKind, Func, Literal, Path, Projection, Query, Span, Step, StepKind, Timestamp,
};
use roster_schema::{FieldId, FieldType, Schema, Value};

use crate::error::{CheckError, CheckErrorKind};
use crate::typed::{CallFunc, Operand, Pred, ScalarFunc, StrOp, TypedQuery, TypedSortKey, ValueType, field_value_type};

#[path = "search.rs"]
mod search;

#[path = "regex_lit.rs"]
mod regex_lit;

/// Checker limits: resource bounds on untrusted queries, each reported as an error with its
/// own code and a span (the text-level limits, length and parser depth, are the parsers' own
/// options, e.g. `roster_odata::Options`).
///
/// ```
/// use roster_ast::{Diagnostic, Page, Query};
/// use roster_check::{CheckOptions, check_with};
/// let schema = roster_schema::profiles::identity::schema();
/// let opts = CheckOptions { max_limit: Some(600), ..CheckOptions::default() };
/// let query = Query { page: Page { limit: Some(601), offset: 0 }, ..Query::default() };
/// let errors = check_with(&query, &schema, &opts).unwrap_err();
/// assert_eq!(errors[0].code(), "page-too-large");
/// ```
#[derive(Debug, Clone, Copy)]
pub struct CheckOptions {
    /// Maximum nesting depth of the filter tree (the parsers have their own, lower limits;
    /// this one protects library callers that build trees by hand). Default 256; deeper is
    /// `nesting-too-deep`.
    pub max_depth: usize,
    /// Maximum number of terms in the filter: conditions other than `and`, `or` and `not`
    /// (comparisons, `in`, `contains`/`startswith`/`endswith`, bare boolean fields, existence
    /// tests, constants). Default 1,000; more is `too-many-terms`, at the first term over.
    pub max_terms: usize,
    /// Maximum number of values in one `in` list. Default 1,000; more is `in-list-too-long`.
    pub max_in_list: usize,
    /// The largest page a query may ask for (`Page::limit`). `None` (the default): any size,
    /// and no limit at all means every row. When set, a larger page and a query without a
    /// limit (which asks for every row) are both `page-too-large`.
    pub max_limit: Option<u64>,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions { max_depth: 256, max_terms: 1000, max_in_list: 1000, max_limit: None }
    }
}

/// Checks a whole query against a schema: every problem is reported, not just the first.
///
/// ```
/// use roster_ast::{Query};
/// use roster_check::check;
/// let schema = roster_schema::profiles::identity::schema();
/// let typed = check(&Query::default(), &schema).unwrap();
/// assert_eq!(typed.sort.len(), 1); // the primary-key tie-breaker
/// ```
pub fn check(query: &Query, schema: &Schema) -> Result<TypedQuery, Vec<CheckError>> {
    check_with(query, schema, &CheckOptions::default())
}

/// [`check`] with explicit limits.
pub fn check_with(query: &Query, schema: &Schema, opts: &CheckOptions) -> Result<TypedQuery, Vec<CheckError>> {
    let mut cx = Checker::new(schema, opts);
    let filter = match &query.filter {
        Some(e) => cx.pred(e, 0),
        None => Some(Pred::Const(true)),
    };
    let sort = cx.sort(query);
    let projection = cx.projection(query.projection.as_ref());
    if let Some(max) = opts.max_limit
        && query.page.limit.is_none_or(|n| n > max)
    {
        cx.err(Span::default(), CheckErrorKind::PageTooLarge { limit: query.page.limit, max });
    }
    match (filter, cx.errors.is_empty()) {
        (Some(filter), true) => {
            Ok(TypedQuery { filter, sort, projection, limit: query.page.limit, offset: query.page.offset })
        }
        _ => Err(cx.errors),
    }
}

/// Checks a filter alone.
pub fn check_filter(filter: &Expr, schema: &Schema) -> Result<Pred, Vec<CheckError>> {
    check_filter_with(filter, schema, &CheckOptions::default())
}

/// [`check_filter`] with explicit limits (`max_limit` does not apply to a filter alone).
pub fn check_filter_with(filter: &Expr, schema: &Schema, opts: &CheckOptions) -> Result<Pred, Vec<CheckError>> {
    let mut cx = Checker::new(schema, opts);
    match cx.pred(filter, 0) {
        Some(p) if cx.errors.is_empty() => Ok(p),
        _ => Err(cx.errors),
    }
}

/// A checked value-position expression.
#[derive(Debug)]
enum Val {
    /// A typed, non-literal operand (field or function of one).
    Typed(Operand, ValueType),
    /// A literal, typed only once its context is known.
    Lit(Literal),
}

/// A side of a comparison: [`Val`], with a literal borrowed from the tree when it can be.
enum Side<'e> {
    Typed(Operand, ValueType),
    Lit(Cow<'e, Literal>),
}

struct Checker<'s> {
    schema: &'s Schema,
    errors: Vec<CheckError>,
    max_depth: usize,
    max_terms: usize,
    max_in_list: usize,
    /// Terms seen so far (see [`CheckOptions::max_terms`]).
    terms: usize,
}

impl<'s> Checker<'s> {
    fn new(schema: &'s Schema, opts: &CheckOptions) -> Checker<'s> {
        Checker {
            schema,
            errors: Vec::new(),
            max_depth: opts.max_depth,
            max_terms: opts.max_terms,
            max_in_list: opts.max_in_list,
            terms: 0,
        }
    }
}

fn describe(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Literal { value: Literal::Null } => "null".into(),
        ExprKind::Literal { value: Literal::String(_) } => "a string".into(),
        ExprKind::Literal { value: Literal::Bool(_) } => "a boolean".into(),
        ExprKind::Literal { value: Literal::Int(_) } => "an integer".into(),
        ExprKind::Literal { value: Literal::Float(_) } => "a decimal number".into(),
        ExprKind::Literal { value: Literal::Guid(_) } => "a GUID".into(),
        ExprKind::Literal { value: Literal::DateTime(_) } => "a timestamp".into(),
        ExprKind::Path { path } => format!("field `{path}`"),
        ExprKind::And { .. } | ExprKind::Or { .. } | ExprKind::Not { .. } => "a logical expression".into(),
        ExprKind::Compare { .. } | ExprKind::In { .. } => "a comparison".into(),
        ExprKind::Call { func, .. } => format!("a call of `{}`", func.name()),
        ExprKind::Exists { .. } => "an existence test".into(),
        ExprKind::Regex { .. } => "a regular-expression match".into(),
        ExprKind::Search { .. } => "a keyword search".into(),
        ExprKind::Quantified { .. } => "an array quantifier".into(),
        ExprKind::Arith { op, .. } => format!("an arithmetic expression (`{}`)", op.keyword()),
        ExprKind::Negate { .. } => "an arithmetic negation".into(),
        ExprKind::Has { .. } => "a `has` test".into(),
        ExprKind::Array { .. } => "a JSON array".into(),
        ExprKind::Object { .. } => "a JSON object".into(),
        ExprKind::Navigate { steps } => navigation(steps),
        ExprKind::Literal { value } => literal_type_name(value).into(),
    }
}

/// Names the first step of an OData navigation path that a user schema cannot resolve.
fn navigation(steps: &[Step]) -> String {
    let step = steps.iter().find(|s| !matches!(s.kind, StepKind::Member { .. }));
    match step.map(|s| &s.kind) {
        Some(StepKind::Call { name, .. }) => format!("the function call `{name}(…)` (user schemas have no functions)"),
        Some(StepKind::Key { .. }) => "a key predicate `(…)` (user lists have no keyed collections)".into(),
        Some(StepKind::Filter { .. }) => "a `$filter(…)` path segment".into(),
        Some(StepKind::Count { .. }) => "`$count($filter=…)`".into(),
        Some(StepKind::Lambda { .. }) => "a lambda after a function call or filter segment".into(),
        Some(StepKind::Member { .. }) | None => "a navigation path".into(),
    }
}

fn literal_type_name(l: &Literal) -> &'static str {
    match l {
        Literal::Null => "null",
        Literal::Bool(_) => "a boolean",
        Literal::Int(_) => "an integer",
        Literal::Float(_) => "a decimal number",
        Literal::String(_) => "a string",
        Literal::Guid(_) => "a GUID",
        Literal::DateTime(_) => "a timestamp",
        Literal::TimeOfDay(_) => "a time of day",
        Literal::Duration(_) => "a duration",
        Literal::Binary(_) => "binary data",
        Literal::Enum { .. } => "an enum literal",
        Literal::Geo { geography: true, .. } => "a geography literal",
        Literal::Geo { geography: false, .. } => "a geometry literal",
    }
}

/// A geospatial literal or a call of a geo function, which no user schema can run: what it
/// is, for the `unsupported` error.
fn geo_construct(e: &Expr) -> Option<String> {
    let what = match &e.kind {
        ExprKind::Literal { value: value @ Literal::Geo { .. } } => literal_type_name(value).to_owned(),
        ExprKind::Call { func, .. } if func.is_geo() => format!("`{}`", func.name()),
        _ => return None,
    };
    Some(format!("{what} (user schemas have no geography/geometry fields)"))
}

impl Checker<'_> {
    fn err(&mut self, span: Span, kind: CheckErrorKind) {
        self.errors.push(CheckError { kind, span });
    }

    fn field(&mut self, path: &Path, usage: &'static str) -> Option<FieldId> {
        let name = &path.segments[0];
        if let Some(at) = path.segments.iter().find(|s| s.starts_with('@')) {
            let construct = format!("the annotation or parameter alias `{at}`");
            self.err(path.span, CheckErrorKind::Unsupported { construct });
            return None;
        }
        // An OData sort key that is an expression, or a `$select` item with options or a
        // function signature, arrives as written in one segment.
        let not_a_name = |s: &&String| match usage {
            "sorted by" => {
                s.contains(['(', ' ', '\'']) || !s.starts_with(|c: char| c.is_alphabetic() || c == '_' || c == '$')
            }
            "filtered on" => false,
            _ => s.contains('('),
        };
        if let Some(text) = path.segments.iter().find(not_a_name) {
            let construct = match usage {
                "sorted by" => format!("sorting by an expression (`{text}`)"),
                _ => format!("a projection item with options or parameters (`{text}`)"),
            };
            self.err(path.span, CheckErrorKind::Unsupported { construct });
            return None;
        }
        let Some((id, field)) = self.schema.field(name) else {
            let suggestion = self.schema.suggest(name).map(str::to_owned);
            self.err(path.span, CheckErrorKind::UnknownField { name: path.joined("/"), suggestion });
            return None;
        };
        if path.segments.len() > 1 {
            self.err(path.span, CheckErrorKind::NoMembers { field: field.name.clone() });
            return None;
        }
        let allowed = match usage {
            "filtered on" => field.filterable,
            "sorted by" => field.sortable,
            _ => field.projectable,
        };
        if !allowed {
            self.err(path.span, CheckErrorKind::NotAllowed { field: field.name.clone(), usage });
            return None;
        }
        Some(id)
    }

    // ---- predicates -------------------------------------------------------------------

    fn pred(&mut self, e: &Expr, depth: usize) -> Option<Pred> {
        if depth > self.max_depth {
            self.err(e.span, CheckErrorKind::TooDeep { limit: self.max_depth });
            return None;
        }
        if !matches!(e.kind, ExprKind::And { .. } | ExprKind::Or { .. } | ExprKind::Not { .. }) {
            self.terms += 1;
            if self.terms > self.max_terms {
                // Reported once, at the first term over the limit.
                if self.terms == self.max_terms + 1 {
                    self.err(e.span, CheckErrorKind::TooManyTerms { limit: self.max_terms });
                }
                return None;
            }
        }
        if let Some(construct) = geo_construct(e) {
            self.err(e.span, CheckErrorKind::Unsupported { construct });
            return None;
        }
        match &e.kind {
            ExprKind::And { operands } | ExprKind::Or { operands } => {
                let is_and = matches!(e.kind, ExprKind::And { .. });
                let mut parts = Vec::with_capacity(operands.len());
                let mut ok = true;
                for o in operands {
                    match self.pred(o, depth + 1) {
                        Some(p) => parts.push(p),
                        None => ok = false,
                    }
                }
                ok.then(|| junction(is_and, parts))
            }
            ExprKind::Not { operand } => {
                let inner = self.pred(operand, depth + 1)?;
                Some(match inner {
                    Pred::Const(b) => Pred::Const(!b),
                    Pred::Not(p) => *p,
                    p => Pred::Not(Box::new(p)),
                })
            }
            ExprKind::Compare { op, lhs, rhs } => self.compare(*op, lhs, rhs, e.span, depth),
            ExprKind::In { lhs, list } => self.in_list(lhs, list, depth),
            ExprKind::Call { func, args } => match func {
                Func::Contains | Func::StartsWith | Func::EndsWith => {
                    let op = match func {
                        Func::Contains => StrOp::Contains,
                        Func::StartsWith => StrOp::StartsWith,
                        _ => StrOp::EndsWith,
                    };
                    self.str_test(*func, op, args, e.span, depth)
                }
                _ => {
                    self.err(e.span, CheckErrorKind::NotACondition { found: describe(e) });
                    None
                }
            },
            ExprKind::Literal { value: Literal::Bool(b) } => Some(Pred::Const(*b)),
            ExprKind::Path { path } => {
                let id = self.field(path, "filtered on")?;
                if matches!(self.schema.get(id).ty, FieldType::Bool) {
                    // A bare boolean field is `field eq true` (false when null).
                    Some(Pred::Cmp { op: CmpOp::Eq, lhs: Operand::Field(id), rhs: Operand::Literal(Value::Bool(true)) })
                } else {
                    self.err(e.span, CheckErrorKind::NotACondition { found: describe(e) });
                    None
                }
            }
            ExprKind::Exists { path, exists } => {
                let id = self.field(path, "filtered on")?;
                Some(Pred::IsNull { operand: Operand::Field(id), negated: *exists })
            }
            ExprKind::Literal { .. } => {
                self.err(e.span, CheckErrorKind::NotACondition { found: describe(e) });
                None
            }
            ExprKind::Search { keywords, scope, fields } => self.search(keywords, *scope, fields.as_deref(), e.span),
            ExprKind::Quantified { quantifier, path, var, predicate } => {
                self.quantified(*quantifier, path, var, predicate, e.span, depth)
            }
            ExprKind::Regex { target, pattern, flags } => self.regex(target, pattern, flags, e.span, depth),
            ExprKind::Navigate { steps } => {
                self.err(e.span, CheckErrorKind::Unsupported { construct: navigation(steps) });
                None
            }
            ExprKind::Has { .. } => {
                // `has` tests flags of a flag enum; no schema declares one.
                self.err(e.span, CheckErrorKind::Unsupported { construct: "`has` (flag enums)".into() });
                None
            }
            ExprKind::Arith { .. } | ExprKind::Negate { .. } | ExprKind::Array { .. } | ExprKind::Object { .. } => {
                self.err(e.span, CheckErrorKind::NotACondition { found: describe(e) });
                None
            }
        }
    }

    fn compare(&mut self, op: CmpOp, lhs: &Expr, rhs: &Expr, span: Span, depth: usize) -> Option<Pred> {
        if let ExprKind::Not { operand } = &lhs.kind {
            // `not` binds tighter than comparisons: `not a eq b` is `(not a) eq b`.
            let hint = format!("not ({operand} {} {rhs})", op.keyword());
            self.err(lhs.span, CheckErrorKind::NotAValue { found: describe(lhs), hint: Some(hint) });
            return None;
        }
        let l = self.side(lhs, depth + 1);
        let r = self.side(rhs, depth + 1);
        let (l, r) = (l?, r?);
        match (l, r) {
            (Side::Typed(a, ta), Side::Typed(b, tb)) => {
                if !same_type(ta, tb) {
                    self.err(
                        span,
                        CheckErrorKind::TypeMismatch {
                            expected: format!("{} on both sides of `{}`", self.type_desc(ta), op.keyword()),
                            found: format!("{} and {}", self.type_desc(ta), self.type_desc(tb)),
                        },
                    );
                    return None;
                }
                self.check_ordering(op, ta, lhs, span)?;
                Some(Pred::Cmp { op, lhs: a, rhs: b })
            }
            (Side::Typed(a, ta), Side::Lit(lit)) => self.compare_lit(op, a, ta, lhs, &lit, rhs.span, span),
            (Side::Lit(lit), Side::Typed(b, tb)) => self.compare_lit(op.flipped(), b, tb, rhs, &lit, lhs.span, span),
            (Side::Lit(a), Side::Lit(b)) => self.compare_consts(op, &a, &b, span),
        }
    }

    /// [`Checker::value`] for a side of a comparison, borrowing a literal written as such
    /// rather than copying it (the checks `value` makes first, depth and geo literals, are
    /// made all the same).
    fn side<'e>(&mut self, e: &'e Expr, depth: usize) -> Option<Side<'e>> {
        if let ExprKind::Literal { value } = &e.kind
            && depth <= self.max_depth
            && !matches!(value, Literal::Geo { .. })
        {
            return Some(Side::Lit(Cow::Borrowed(value)));
        }
        Some(match self.value(e, depth)? {
            Val::Typed(operand, ty) => Side::Typed(operand, ty),
            Val::Lit(lit) => Side::Lit(Cow::Owned(lit)),
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn compare_lit(
        &mut self,
        op: CmpOp,
        operand: Operand,
        ty: ValueType,
        operand_expr: &Expr,
        lit: &Literal,
        lit_span: Span,
        span: Span,
    ) -> Option<Pred> {
        self.check_ordering(op, ty, operand_expr, span)?;
        if matches!(lit, Literal::Null) {
            return Some(match op {
                CmpOp::Eq => Pred::IsNull { operand, negated: false },
                CmpOp::Ne => Pred::IsNull { operand, negated: true },
                // A comparison with a null operand is false.
                _ => Pred::Const(false),
            });
        }
        let value = self.coerce(lit, lit_span, ty, operand_expr)?;
        Some(Pred::Cmp { op, lhs: operand, rhs: Operand::Literal(value) })
    }

    fn compare_consts(&mut self, op: CmpOp, a: &Literal, b: &Literal, span: Span) -> Option<Pred> {
        use std::cmp::Ordering;
        let ord: Option<Ordering> = match (a, b) {
            (Literal::Null, Literal::Null) => return Some(Pred::Const(op == CmpOp::Eq)),
            (Literal::Null, _) | (_, Literal::Null) => return Some(Pred::Const(op == CmpOp::Ne)),
            (Literal::Bool(x), Literal::Bool(y)) => Some(x.cmp(y)),
            (Literal::Int(x), Literal::Int(y)) => Some(x.cmp(y)),
            (Literal::Float(x), Literal::Float(y)) => x.partial_cmp(y),
            (Literal::Int(x), Literal::Float(y)) => (*x as f64).partial_cmp(y),
            (Literal::Float(x), Literal::Int(y)) => x.partial_cmp(&(*y as f64)),
            (Literal::String(x), Literal::String(y)) => Some(x.as_bytes().cmp(y.as_bytes())),
            (Literal::Guid(x), Literal::Guid(y)) => Some(x.cmp(y)),
            (Literal::DateTime(x), Literal::DateTime(y)) => Some(x.cmp(y)),
            _ => {
                self.err(
                    span,
                    CheckErrorKind::TypeMismatch {
                        expected: "two values of the same type".into(),
                        found: format!("{} and {}", literal_type_name(a), literal_type_name(b)),
                    },
                );
                return None;
            }
        };
        let Some(ord) = ord else { return Some(Pred::Const(false)) };
        Some(Pred::Const(match op {
            CmpOp::Eq => ord == Ordering::Equal,
            CmpOp::Ne => ord != Ordering::Equal,
            CmpOp::Gt => ord == Ordering::Greater,
            CmpOp::Ge => ord != Ordering::Less,
            CmpOp::Lt => ord == Ordering::Less,
            CmpOp::Le => ord != Ordering::Greater,
        }))
    }

    fn check_ordering(&mut self, op: CmpOp, ty: ValueType, operand: &Expr, span: Span) -> Option<()> {
        if op.is_ordering() && matches!(ty, ValueType::Enum(_)) {
            self.err(
                span,
                CheckErrorKind::OperatorNotApplicable {
                    op: op.keyword().into(),
                    operand: format!("enum {}", describe(operand)),
                    allowed: "eq, ne or in",
                },
            );
            return None;
        }
        Some(())
    }

    fn in_list(&mut self, lhs: &Expr, list: &[Expr], depth: usize) -> Option<Pred> {
        if let (Some(first), Some(last)) = (list.get(self.max_in_list), list.last()) {
            self.err(
                first.span.to(last.span),
                CheckErrorKind::InListTooLong { len: list.len(), limit: self.max_in_list },
            );
            return None;
        }
        let geo: Vec<_> = list.iter().filter_map(|item| Some((item.span, geo_construct(item)?))).collect();
        if !geo.is_empty() {
            for (span, construct) in geo {
                self.err(span, CheckErrorKind::Unsupported { construct });
            }
            return None;
        }
        let l = self.value(lhs, depth + 1)?;
        let mut values: Vec<Value> = Vec::with_capacity(list.len());
        let mut has_null = false;
        let mut ok = true;
        let Val::Typed(operand, ty) = l else {
            // A literal on the left: fold each comparison.
            let Val::Lit(a) = l else { return None };
            let mut any = false;
            for item in list {
                match &item.kind {
                    ExprKind::Literal { value } => match self.compare_consts(CmpOp::Eq, &a, value, item.span)? {
                        Pred::Const(b) => any |= b,
                        _ => return None,
                    },
                    _ => {
                        self.err(
                            item.span,
                            CheckErrorKind::TypeMismatch {
                                expected: "a literal in the `in` list".into(),
                                found: describe(item),
                            },
                        );
                        ok = false;
                    }
                }
            }
            return ok.then_some(Pred::Const(any));
        };
        for item in list {
            match &item.kind {
                ExprKind::Literal { value: Literal::Null } => has_null = true,
                ExprKind::Literal { value } => match self.coerce(value, item.span, ty, lhs) {
                    Some(v) => {
                        if !values.contains(&v) {
                            values.push(v);
                        }
                    }
                    None => ok = false,
                },
                _ => {
                    self.err(
                        item.span,
                        CheckErrorKind::TypeMismatch {
                            expected: "a literal in the `in` list".into(),
                            found: describe(item),
                        },
                    );
                    ok = false;
                }
            }
        }
        if !ok {
            return None;
        }
        // `x in (null, a)` is `x eq null or x eq a`.
        let members = (!values.is_empty()).then(|| Pred::In { operand: operand.clone(), values });
        Some(match (members, has_null) {
            (Some(m), true) => Pred::Or(vec![Pred::IsNull { operand, negated: false }, m]),
            (Some(m), false) => m,
            (None, true) => Pred::IsNull { operand, negated: false },
            (None, false) => Pred::Const(false),
        })
    }

    /// A Mongo `$regex` on a flat schema: anchored literal text only (see `regex_lit`), as
    /// exact string tests. Two-valued like every Mongo condition: false (not null) when the
    /// field is null, so `$not` of it selects the nulls, as MongoDB does.
    fn regex(&mut self, target: &Expr, pattern: &str, flags: &str, span: Span, depth: usize) -> Option<Pred> {
        let operand = match self.value(target, depth + 1)? {
            Val::Typed(op @ Operand::Field(_), ValueType::String) => op,
            _ => {
                let operand = describe(target);
                let allowed = "string fields";
                self.err(target.span, CheckErrorKind::OperatorNotApplicable { op: "$regex".into(), operand, allowed });
                return None;
            }
        };
        let lit = match regex_lit::parse(pattern, flags) {
            Ok(lit) => lit,
            Err(construct) => {
                self.err(span, CheckErrorKind::Unsupported { construct });
                return None;
            }
        };
        let text = |s: String| Operand::Literal(Value::Str(s));
        let test = |op: StrOp, s: String| Pred::StrTest { op, haystack: operand.clone(), needle: text(s) };
        let eq = |s: String| Pred::Cmp { op: CmpOp::Eq, lhs: operand.clone(), rhs: text(s) };
        let with_newline = format!("{}\n", lit.text);
        let test = match (lit.start, lit.end) {
            (false, regex_lit::End::Free) => test(StrOp::Contains, lit.text),
            (true, regex_lit::End::Free) => test(StrOp::StartsWith, lit.text),
            (false, regex_lit::End::Absolute) => test(StrOp::EndsWith, lit.text),
            (false, regex_lit::End::BeforeFinalNewline) => {
                Pred::Or(vec![test(StrOp::EndsWith, lit.text), test(StrOp::EndsWith, with_newline)])
            }
            (true, regex_lit::End::Absolute) => eq(lit.text),
            (true, regex_lit::End::BeforeFinalNewline) => Pred::Or(vec![eq(lit.text), eq(with_newline)]),
        };
        if !operand.nullable(self.schema) {
            return Some(test);
        }
        Some(Pred::And(vec![Pred::IsNull { operand, negated: true }, test]))
    }

    fn str_test(&mut self, func: Func, op: StrOp, args: &[Expr], span: Span, depth: usize) -> Option<Pred> {
        let [h, n] = args else {
            self.err(
                span,
                CheckErrorKind::TypeMismatch {
                    expected: format!("2 arguments for `{}`", func.name()),
                    found: format!("{}", args.len()),
                },
            );
            return None;
        };
        let hs = self.string_arg(func, h, depth);
        let ns = self.string_arg(func, n, depth);
        let (haystack, needle) = (hs?, ns?);
        if let (Operand::Literal(Value::Str(a)), Operand::Literal(Value::Str(b))) = (&haystack, &needle) {
            return Some(Pred::Const(match op {
                StrOp::Contains => a.contains(b.as_str()),
                StrOp::StartsWith => a.starts_with(b.as_str()),
                StrOp::EndsWith => a.ends_with(b.as_str()),
            }));
        }
        Some(Pred::StrTest { op, haystack, needle })
    }

    /// A string-typed argument of a string function: a string field, a string literal or a
    /// string function of one.
    fn string_arg(&mut self, func: Func, e: &Expr, depth: usize) -> Option<Operand> {
        match self.value(e, depth + 1)? {
            Val::Typed(op, ValueType::String) => Some(op),
            Val::Lit(Literal::String(s)) if s.contains('\0') => {
                self.err(e.span, CheckErrorKind::NulInString);
                None
            }
            Val::Lit(Literal::String(s)) => Some(Operand::Literal(Value::Str(s))),
            Val::Lit(Literal::Null) => {
                self.err(e.span, CheckErrorKind::NullArgument { func: func.name() });
                None
            }
            Val::Typed(_, ty) => {
                self.err(
                    e.span,
                    CheckErrorKind::OperatorNotApplicable {
                        op: func.name().into(),
                        operand: format!("{} ({})", describe(e), self.type_desc(ty)),
                        allowed: "a string field or a quoted string",
                    },
                );
                None
            }
            Val::Lit(l) => {
                self.err(
                    e.span,
                    CheckErrorKind::TypeMismatch {
                        expected: format!("a string argument for `{}`", func.name()),
                        found: literal_type_name(&l).into(),
                    },
                );
                None
            }
        }
    }

    // ---- values ----------------------------------------------------------------------

    fn value(&mut self, e: &Expr, depth: usize) -> Option<Val> {
        if depth > self.max_depth {
            self.err(e.span, CheckErrorKind::TooDeep { limit: self.max_depth });
            return None;
        }
        if let Some(construct) = geo_construct(e) {
            self.err(e.span, CheckErrorKind::Unsupported { construct });
            return None;
        }
        match &e.kind {
            ExprKind::Literal { value } => Some(Val::Lit(value.clone())),
            ExprKind::Path { path } => {
                let id = self.field(path, "filtered on")?;
                if self.schema.get(id).ty == FieldType::StringArray {
                    self.array_as_value(path);
                    return None;
                }
                Some(Val::Typed(Operand::Field(id), field_value_type(self.schema, id)))
            }
            ExprKind::Call { func, args } => {
                let f = match func {
                    Func::ToLower => ScalarFunc::ToLower,
                    Func::ToUpper => ScalarFunc::ToUpper,
                    Func::Trim => ScalarFunc::Trim,
                    Func::Length => ScalarFunc::Length,
                    Func::Contains | Func::StartsWith | Func::EndsWith => {
                        self.err(e.span, CheckErrorKind::NotAValue { found: describe(e), hint: None });
                        return None;
                    }
                    Func::Year => return self.date_part(CallFunc::Year, *func, args, e, depth),
                    Func::Month => return self.date_part(CallFunc::Month, *func, args, e, depth),
                    Func::Day => return self.date_part(CallFunc::Day, *func, args, e, depth),
                    Func::Hour => return self.date_part(CallFunc::Hour, *func, args, e, depth),
                    Func::Minute => return self.date_part(CallFunc::Minute, *func, args, e, depth),
                    Func::Second => return self.date_part(CallFunc::Second, *func, args, e, depth),
                    Func::Concat | Func::IndexOf | Func::Substring => return self.string_call(*func, args, e, depth),
                    other => return self.unsupported_call(*other, args, e, depth),
                };
                let [arg] = args.as_slice() else {
                    self.err(
                        e.span,
                        CheckErrorKind::TypeMismatch {
                            expected: format!("1 argument for `{}`", func.name()),
                            found: format!("{}", args.len()),
                        },
                    );
                    return None;
                };
                let arg = self.string_arg(*func, arg, depth)?;
                let ty = if f == ScalarFunc::Length { ValueType::Int } else { ValueType::String };
                Some(match arg {
                    // Fold constants, with the same function every backend implements.
                    Operand::Literal(Value::Str(s)) => Val::Lit(match f.apply(&s) {
                        Value::Int(i) => Literal::Int(i),
                        Value::Str(s) => Literal::String(s),
                        _ => return None,
                    }),
                    arg => Val::Typed(Operand::Func(f, Box::new(arg)), ty),
                })
            }
            ExprKind::Arith { op, lhs, rhs } => {
                let f = match op {
                    ArithOp::Add => CallFunc::Add,
                    ArithOp::Sub => CallFunc::Sub,
                    ArithOp::Mul => CallFunc::Mul,
                    ArithOp::Div => CallFunc::Div,
                    ArithOp::Mod => CallFunc::Mod,
                    ArithOp::DivBy => {
                        let construct = "`divby` (decimal division; no schema has decimal fields)".into();
                        self.err(e.span, CheckErrorKind::Unsupported { construct });
                        return None;
                    }
                };
                let l = self.int_arg(f.name(), lhs, depth);
                let r = self.int_arg(f.name(), rhs, depth);
                self.computed(f, vec![l?, r?], e)
            }
            ExprKind::Negate { operand } => {
                let arg = self.int_arg("-", operand, depth)?;
                self.computed(CallFunc::Neg, vec![arg], e)
            }
            ExprKind::Navigate { steps } => {
                self.err(e.span, CheckErrorKind::Unsupported { construct: navigation(steps) });
                None
            }
            _ => {
                self.err(e.span, CheckErrorKind::NotAValue { found: describe(e), hint: None });
                None
            }
        }
    }

    /// An integer operand of arithmetic: an integer field, an integer-valued function or an
    /// integer literal.
    fn int_arg(&mut self, op: &str, e: &Expr, depth: usize) -> Option<Operand> {
        match self.value(e, depth + 1)? {
            Val::Typed(o, ValueType::Int) => Some(o),
            Val::Lit(Literal::Int(i)) => Some(Operand::Literal(Value::Int(i))),
            // A constant that folded to null (`0 div 0`) is null, as at run time; only a
            // `null` written as an argument is refused.
            Val::Lit(Literal::Null) if !matches!(e.kind, ExprKind::Literal { .. }) => {
                Some(Operand::Literal(Value::Null))
            }
            Val::Lit(Literal::Null) => {
                self.err(e.span, CheckErrorKind::NullArgument { func: if op == "-" { "-" } else { "arithmetic" } });
                None
            }
            Val::Typed(_, ty) => {
                self.err(
                    e.span,
                    CheckErrorKind::OperatorNotApplicable {
                        op: op.into(),
                        operand: format!("{} of type {}", describe(e), self.type_desc(ty)),
                        allowed: "integer fields, integer-valued functions (length, indexof, year, ...) and integers",
                    },
                );
                None
            }
            Val::Lit(l) => {
                self.err(
                    e.span,
                    CheckErrorKind::TypeMismatch {
                        expected: format!("an integer operand for `{op}`"),
                        found: literal_type_name(&l).into(),
                    },
                );
                None
            }
        }
    }

    /// `year(t)` … `second(t)` of a timestamp field or literal.
    fn date_part(&mut self, f: CallFunc, func: Func, args: &[Expr], e: &Expr, depth: usize) -> Option<Val> {
        let [arg] = args else {
            self.err(
                e.span,
                CheckErrorKind::TypeMismatch {
                    expected: format!("1 argument for `{}`", func.name()),
                    found: args.len().to_string(),
                },
            );
            return None;
        };
        let operand = match self.value(arg, depth + 1)? {
            Val::Typed(o, ValueType::Timestamp) => o,
            Val::Lit(Literal::DateTime(t)) => Operand::Literal(Value::Timestamp(t)),
            Val::Lit(Literal::String(s)) => match Timestamp::parse(&s) {
                Ok(t) => Operand::Literal(Value::Timestamp(t)),
                Err(err) => {
                    self.err(arg.span, CheckErrorKind::InvalidTimestamp { text: s, expected: err.expected });
                    return None;
                }
            },
            Val::Lit(Literal::Null) => {
                self.err(arg.span, CheckErrorKind::NullArgument { func: func.name() });
                return None;
            }
            Val::Typed(_, ty) => {
                self.err(
                    arg.span,
                    CheckErrorKind::OperatorNotApplicable {
                        op: func.name().into(),
                        operand: format!("{} of type {}", describe(arg), self.type_desc(ty)),
                        allowed: "a timestamp field or a date-time",
                    },
                );
                return None;
            }
            Val::Lit(l) => {
                self.err(
                    arg.span,
                    CheckErrorKind::TypeMismatch {
                        expected: format!("a timestamp argument for `{}`", func.name()),
                        found: literal_type_name(&l).into(),
                    },
                );
                return None;
            }
        };
        self.computed(f, vec![operand], e)
    }

    /// `concat(a, b)`, `indexof(s, sub)`, `substring(s, start[, length])`.
    fn string_call(&mut self, func: Func, args: &[Expr], e: &Expr, depth: usize) -> Option<Val> {
        let f = match func {
            Func::Concat => CallFunc::Concat,
            Func::IndexOf => CallFunc::IndexOf,
            _ => CallFunc::Substring,
        };
        let Some((first, rest)) = args.split_first() else {
            self.err(
                e.span,
                CheckErrorKind::TypeMismatch {
                    expected: format!("arguments for `{}`", func.name()),
                    found: "none".into(),
                },
            );
            return None;
        };
        let mut ok = true;
        let mut operands = Vec::with_capacity(args.len());
        match self.string_arg(func, first, depth) {
            Some(o) => operands.push(o),
            None => ok = false,
        }
        for arg in rest {
            if f == CallFunc::Substring {
                // Start and length: non-negative integer literals, so that every backend
                // agrees (SQL engines differ on negative positions).
                match &arg.kind {
                    ExprKind::Literal { value: Literal::Int(i) } if *i >= 0 => {
                        operands.push(Operand::Literal(Value::Int(*i)))
                    }
                    _ => {
                        self.err(
                            arg.span,
                            CheckErrorKind::TypeMismatch {
                                expected: "a non-negative integer literal as the start or length of `substring`".into(),
                                found: describe(arg),
                            },
                        );
                        ok = false;
                    }
                }
            } else {
                match self.string_arg(func, arg, depth) {
                    Some(o) => operands.push(o),
                    None => ok = false,
                }
            }
        }
        if !ok {
            return None;
        }
        self.computed(f, operands, e)
    }

    /// A checked call: folded when every argument is a literal, rejected when integer
    /// arithmetic could overflow for some row.
    fn computed(&mut self, f: CallFunc, args: Vec<Operand>, e: &Expr) -> Option<Val> {
        // Every function is null when an argument is: a null from folding (`0 div 0`) makes
        // the whole call null, whatever the other arguments.
        if args.iter().any(|a| matches!(a, Operand::Literal(Value::Null))) {
            return Some(Val::Lit(Literal::Null));
        }
        if args.iter().all(|a| matches!(a, Operand::Literal(_))) {
            let values: Vec<Value> = args
                .into_iter()
                .filter_map(|a| match a {
                    Operand::Literal(v) => Some(v),
                    _ => None,
                })
                .collect();
            return match f.apply(&values) {
                Value::Int(i) => Some(Val::Lit(Literal::Int(i))),
                Value::Str(s) => Some(Val::Lit(Literal::String(s))),
                _ if matches!(f, CallFunc::Div | CallFunc::Mod) && matches!(values.get(1), Some(Value::Int(0))) => {
                    Some(Val::Lit(Literal::Null))
                }
                _ => {
                    self.err(
                        e.span,
                        CheckErrorKind::InvalidNumber { reason: format!("`{}` overflows 64-bit integers", e) },
                    );
                    None
                }
            };
        }
        let operand = Operand::Call(f, args);
        if !f.returns_string() && magnitude(&operand) > u128::from(i64::MAX.unsigned_abs()) {
            self.err(
                e.span,
                CheckErrorKind::Unsupported {
                    construct: format!("`{e}`, which can overflow 64-bit integers for some values,"),
                },
            );
            return None;
        }
        let ty = if f.returns_string() { ValueType::String } else { ValueType::Int };
        Some(Val::Typed(operand, ty))
    }

    /// A call the typed IR cannot express: a clear error naming the function and, when an
    /// argument is a field, that field and its type.
    fn unsupported_call(&mut self, func: Func, args: &[Expr], e: &Expr, depth: usize) -> Option<Val> {
        let field_arg = args.iter().find_map(|a| match &a.kind {
            ExprKind::Path { path } => Some(path),
            _ => None,
        });
        if let Some(path) = field_arg
            && let Some(Val::Typed(_, ty)) = self.value(&Expr::path(path.clone()), depth + 1)
        {
            self.err(
                e.span,
                CheckErrorKind::OperatorNotApplicable {
                    op: func.name().into(),
                    operand: format!("field `{path}` of type {}", self.type_desc(ty)),
                    allowed: "the functions Roster evaluates on every backend (see README: the OData surface)",
                },
            );
        } else if field_arg.is_none() {
            self.err(e.span, CheckErrorKind::Unsupported { construct: format!("`{}`", func.name()) });
        }
        None
    }

    fn type_desc(&self, ty: ValueType) -> String {
        match ty {
            ValueType::Enum(id) if usize::from(id.0) < self.schema.fields.len() => {
                format!("enum `{}`", self.schema.get(id).name)
            }
            t => t.name().to_owned(),
        }
    }

    /// Gives a literal the type its context needs.
    fn coerce(&mut self, lit: &Literal, span: Span, ty: ValueType, context: &Expr) -> Option<Value> {
        let mismatch = |this: &mut Self, expected: String| {
            this.err(span, CheckErrorKind::TypeMismatch { expected, found: literal_type_name(lit).into() });
            None
        };
        match (ty, lit) {
            (ValueType::String, Literal::String(s)) if s.contains('\0') => {
                self.err(span, CheckErrorKind::NulInString);
                None
            }
            (ValueType::String, Literal::String(s)) => Some(Value::Str(s.clone())),
            (ValueType::Enum(id), Literal::String(s)) => {
                let field = self.schema.get(id);
                let FieldType::Enum(e) = &field.ty else { return None };
                if let Some(i) = e.lookup(s) {
                    return Some(Value::Enum(i));
                }
                let kind = CheckErrorKind::InvalidEnumValue {
                    field: field.name.clone(),
                    value: s.clone(),
                    valid: e.values.clone(),
                    suggestion: e.suggest(s).map(str::to_owned),
                };
                self.err(span, kind);
                None
            }
            (ValueType::Timestamp, Literal::DateTime(t)) => Some(Value::Timestamp(*t)),
            (ValueType::Timestamp, Literal::String(s)) => match Timestamp::parse(s) {
                Ok(t) => Some(Value::Timestamp(t)),
                Err(err) => {
                    // Point at the offending byte inside the quotes when the literal was
                    // written without escapes; otherwise at the whole literal.
                    let inner = Span::new(span.start + 1, span.end.saturating_sub(1));
                    let at = if (inner.end - inner.start) as usize == s.len() {
                        let p = inner.start + err.at as u32;
                        Span::new(p, (p + 1).min(inner.end.max(p)))
                    } else {
                        span
                    };
                    self.err(at, CheckErrorKind::InvalidTimestamp { text: s.clone(), expected: err.expected });
                    None
                }
            },
            (ValueType::Uuid, Literal::Guid(g)) => Some(Value::Uuid(*g)),
            (ValueType::Uuid, Literal::String(s)) => match roster_ast::parse_guid(s) {
                Some(g) => Some(Value::Uuid(g)),
                None => {
                    self.err(span, CheckErrorKind::InvalidUuid { text: s.clone() });
                    None
                }
            },
            (ValueType::Int, Literal::Int(i)) => Some(Value::Int(*i)),
            (ValueType::Int, Literal::Float(x)) => {
                if x.fract() == 0.0 && *x >= -9.2e18 && *x <= 9.2e18 {
                    Some(Value::Int(*x as i64))
                } else {
                    self.err(
                        span,
                        CheckErrorKind::InvalidNumber {
                            reason: format!("`{x:?}` is not an integer, and {} is an integer", describe(context)),
                        },
                    );
                    None
                }
            }
            (ValueType::Bool, Literal::Bool(b)) => Some(Value::Bool(*b)),
            (ty, _) => {
                let want = match ty {
                    ValueType::String => format!("a quoted string to compare with {}", describe(context)),
                    ValueType::Enum(_) => format!("a quoted enum value to compare with {}", describe(context)),
                    ValueType::Timestamp => format!("a timestamp to compare with {}", describe(context)),
                    ValueType::Uuid => format!("a UUID to compare with {}", describe(context)),
                    ValueType::Int => format!("an integer to compare with {}", describe(context)),
                    ValueType::Bool => format!("true or false to compare with {}", describe(context)),
                };
                mismatch(self, want)
            }
        }
    }

    // ---- sort and projection -----------------------------------------------------------

    fn sort(&mut self, q: &Query) -> Vec<TypedSortKey> {
        let mut keys: Vec<TypedSortKey> = Vec::with_capacity(q.sort.len() + 1);
        for k in &q.sort {
            let Some(field) = self.field(&k.path, "sorted by") else { continue };
            if keys.iter().any(|x| x.field == field) {
                self.err(k.span, CheckErrorKind::DuplicateSortKey { field: self.schema.get(field).name.clone() });
                continue;
            }
            keys.push(TypedSortKey { field, direction: k.direction });
        }
        let pk = self.schema.primary_key;
        if !keys.iter().any(|k| k.field == pk) {
            keys.push(TypedSortKey { field: pk, direction: roster_ast::Direction::Asc });
        }
        keys
    }

    fn projection(&mut self, p: Option<&Projection>) -> Vec<FieldId> {
        let all = || self.schema.ids().filter(|id| self.schema.get(*id).projectable);
        match p {
            None => {
                let mut ids = Vec::with_capacity(self.schema.fields.len());
                ids.extend(all());
                ids
            }
            Some(Projection::Include(paths)) => {
                let mut out = Vec::new();
                for path in paths {
                    if let Some(id) = self.field(path, "returned")
                        && !out.contains(&id)
                    {
                        out.push(id);
                    }
                }
                out
            }
            Some(Projection::Exclude(paths)) => {
                let excluded: Vec<FieldId> = paths.iter().filter_map(|p| self.field(p, "returned")).collect();
                let all: Vec<FieldId> = all().collect();
                all.into_iter().filter(|id| !excluded.contains(id)).collect()
            }
        }
    }
}

/// An upper bound of the absolute value of an integer operand over every possible row.
fn magnitude(o: &Operand) -> u128 {
    const TEXT: u128 = 1 << 32; // lengths and indexes of strings (far above any real text)
    match o {
        Operand::Literal(Value::Int(i)) => u128::from(i.unsigned_abs()),
        Operand::Literal(_) => 0,
        Operand::Field(_) => u128::from(i64::MIN.unsigned_abs()),
        Operand::Func(_, _) => TEXT,
        Operand::Call(f, args) => {
            let m = |i: usize| args.get(i).map_or(0, magnitude);
            match f {
                CallFunc::Year | CallFunc::Month | CallFunc::Day => 10_000,
                CallFunc::Hour | CallFunc::Minute | CallFunc::Second => 60,
                CallFunc::IndexOf => TEXT,
                CallFunc::Concat | CallFunc::Substring => 0,
                CallFunc::Add | CallFunc::Sub => m(0).saturating_add(m(1)),
                CallFunc::Mul => m(0).saturating_mul(m(1)),
                CallFunc::Div | CallFunc::Mod => m(0),
                // `-i64::MIN` overflows: negation needs a bound strictly below it.
                CallFunc::Neg => m(0).saturating_add(1),
            }
        }
    }
}

fn same_type(a: ValueType, b: ValueType) -> bool {
    match (a, b) {
        (ValueType::Enum(x), ValueType::Enum(y)) => x == y,
        (a, b) => a == b,
    }
}

/// Builds a Kleene conjunction or disjunction: flattens nested ones of the same kind, drops
/// neutral constants and short-circuits on absorbing ones (`false and null` is false).
fn junction(is_and: bool, parts: Vec<Pred>) -> Pred {
    // Mostly there is nothing to flatten or drop: then the parts are the node.
    let plain = |p: &Pred| match p {
        Pred::Const(_) => false,
        Pred::And(_) => !is_and,
        Pred::Or(_) => is_and,
        _ => true,
    };
    if parts.len() > 1 && parts.iter().all(plain) {
        return if is_and { Pred::And(parts) } else { Pred::Or(parts) };
    }
    let mut out = Vec::with_capacity(parts.len());
    for p in parts {
        match p {
            Pred::Const(b) if b == is_and => {}
            Pred::Const(b) => return Pred::Const(b),
            Pred::And(inner) if is_and => out.extend(inner),
            Pred::Or(inner) if !is_and => out.extend(inner),
            p => out.push(p),
        }
    }
    match out.len() {
        0 => Pred::Const(is_and),
        1 => out.pop().unwrap_or(Pred::Const(is_and)),
        _ if is_and => Pred::And(out),
        _ => Pred::Or(out),
    }
}
