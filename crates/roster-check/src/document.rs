//! Checking queries against document schemas ([`roster_schema::document`], profile `chat`)
//! into [`DocQuery`], the typed IR of MongoDB's semantics, which the in-memory engine
//! (`roster_eval::document`) and the SQL compiler (`roster_sql::document`) both implement.
//!
//! **The rules (MongoDB's, as documented), which every backend keeps:**
//!
//! | IR node | true for a document when |
//! |---|---|
//! | [`DocPred::Any`] | some value at the path passes the test; the values of an array field are its elements (one level deep), of `emails.address` the `address` of every element, of `customFields.k` the value under `k` |
//! | [`DocPred::Null`] (`{p: null}`) | the field is missing (null is stored as missing), or for `customFields.k` the key is absent; through an array of objects (`{"emails.verified": null}`) when `emails` is missing or some element lacks the member (an empty array does not match) |
//! | [`DocPred::Exists`] | the negation of `Null` for scalar fields and map keys; for `emails.verified`, some element has the member |
//! | [`DocPred::Size`] | the array field is present with exactly `len` elements |
//! | [`DocPred::ElemMatch`] | one element satisfies the whole predicate (paths [`DocPath::Elem`]) |
//! | [`DocPred::ArrayEq`] (`{"roles": ["admin", "user"]}`, `$eq`, an array in `$in`) | the array field holds exactly these elements in this order (MongoDB also matches an element equal to the whole array: impossible, no field holds nested arrays); `$ne`/`$nin` are its negation, missing included; `[]` is `$size: 0` (also for `emails`). An array for a scalar field, a member, a map key or an element, arrays of embedded documents (`{"emails": [{…}]}`) and nested arrays are errors: no such value can equal them, or Roster cannot say it (documents in arrays compare by field order, which the schema does not keep) |
//! | [`DocPred::And`], [`DocPred::Or`], [`DocPred::Not`] | two-valued logic |
//! | `$type` ([`Test::Type`], or decided here) | some value at the path has the type; an array field is also an `"array"` itself (present, even empty), the elements of `emails` are `"object"`s (non-empty), `customFields` is an `"object"` (present); an array of types is any of them. Where the schema fixes the type the checker decides: `{"name": {"$type": "string"}}` is `$exists`, `{"active": {"$type": "string"}}` is false. Numbers are doubles: `"double"`/`"number"` match every number, `"int"`/`"long"` an integral value in [-2^31, 2^31) / [-2^63, 2^63) (what MongoDB stores for a JSON integer). `"null"` matches nothing (a stored null is missing, and missing matches no type), nor do `"decimal"`, `"object"` on scalars and types Roster never stores (`objectId`, `regex`, `binData`, …); custom fields hold no dates |
//!
//! Hence `$ne` is `Not(Any(Eq))` ("no element equals", true when missing), `$nin` is
//! `Not(Any(In))`, and conditions on the same array path without `$elemMatch` are separate
//! `Any` nodes that different elements may satisfy. Comparisons apply within MongoDB's type
//! brackets only ([`Atom::cmp_within`]): `{"customFields.level": {"$gt": 2}}` never matches
//! a string or boolean `level`. `$gte`/`$lte` with `null` mean `{p: null}`, `$gt`/`$lt` with
//! `null` match nothing.
//!
//! **Where the schema decides** (errors, not silent falses): a literal of the wrong type for
//! a typed field (`{"active": "yes"}`, a string for a date: use `{"$date": …}`), ordering
//! operators on booleans (`$gt` on `active`), a condition on a whole array of objects or map
//! (`{"emails": "x"}`: use `emails.address` or `$elemMatch`), an array literal for a
//! field that holds no arrays (`{"name": ["x"]}`), `$size` on a non-array,
//! unknown fields and members, and regular expressions using features the `regex` crate
//! does not have (look-around, backreferences: MongoDB's PCRE has them, Roster matches in
//! linear time), too large, or with a repetition count above 255 (the largest PostgreSQL's
//! regex engine accepts).
//!
//! **Sorting** ([`DocSortKey`]): by MongoDB's order across brackets (missing < numbers <
//! strings < booleans < dates); an array sorts by its smallest element ascending and its
//! largest descending, an empty array before missing; `_id` ascending is appended as the
//! final tie-breaker.
//!
//! ```
//! use roster_ast::Query;
//! use roster_check::document::{check_document, DocPred};
//! let schema = roster_schema::profiles::chat::schema();
//! let filter = roster_mongo::parse_query(r#"{"roles": {"$ne": "admin"}, "emails.address": null}"#).unwrap();
//! let q = check_document(&Query { filter, ..Query::default() }, &schema).unwrap();
//! assert!(matches!(&q.filter, DocPred::And(parts) if matches!(parts[0], DocPred::Not(_)) && matches!(parts[1], DocPred::Null(_))));
//!
//! let bad = roster_mongo::parse_query(r#"{"active": {"$gt": false}}"#).unwrap();
//! let errors = check_document(&Query { filter: bad, ..Query::default() }, &schema).unwrap_err();
//! assert_eq!(errors[0].to_string(), "`$gt` does not apply to boolean field `active`; use equality (`{\"active\": true}`) or `$ne`");
//! ```

use roster_ast::{CmpOp, Direction, Expr, ExprKind, Func, Literal, Path, Projection, Quantifier, Query, Span};
use roster_schema::document::{
    Atom, DocField, DocProjection, DocSchema, DocType, MAX_EXACT_INT, Scalar, Selection, check_map_key,
};

use crate::error::{CheckError, CheckErrorKind};

/// Where a value lives in a document.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DocPath {
    /// A top-level field (scalar, array, array of objects or map).
    Field(usize),
    /// A member of every object of an array-of-objects field (`emails.address`).
    Member(usize, usize),
    /// A key of a map field (`customFields.clearance`).
    Key(usize, String),
    /// Inside [`DocPred::ElemMatch`]: the element itself (`None`, arrays of scalars) or one
    /// of its members (`Some(j)`, arrays of objects).
    Elem(Option<usize>),
}

/// A test of one scalar value.
#[derive(Debug, Clone, PartialEq)]
pub enum Test {
    /// Equal (same bracket, same value; numbers compare numerically).
    Eq(Atom),
    /// Ordered comparison (`Gt Ge Lt Le`) within the atom's bracket.
    Cmp(CmpOp, Atom),
    /// Equal to one of these (non-empty, no duplicates).
    In(Vec<Atom>),
    /// A string that the regular expression matches somewhere.
    Regex(Pattern),
    /// A value of this type (`$type`; only where the schema leaves the type open, or for
    /// `"int"`/`"long"`, which depend on the value).
    Type(TypeTest),
}

/// What `$type` asks of one scalar value. Roster's numbers are doubles ([`Atom::Num`]); a
/// JSON integer loaded into MongoDB is an `int` (or a `long` beyond 32 bits), so `"int"`
/// and `"long"` match numbers with an integral value in their range, while `"double"` and
/// `"number"` match every number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TypeTest {
    /// Any number (`"double"`, `"number"`, code 1).
    Number,
    /// A number with an integral value in [-2^31, 2^31) (`"int"`, code 16).
    Int,
    /// A number with an integral value in [-2^63, 2^63) (`"long"`, code 18).
    Long,
    /// A string (`"string"`, code 2).
    String,
    /// A boolean (`"bool"`, code 8).
    Bool,
    /// A date (`"date"`, code 9).
    Date,
}

impl TypeTest {
    /// The inclusive lower and exclusive upper bound of an integral type's values.
    pub fn int_range(self) -> Option<(f64, f64)> {
        match self {
            TypeTest::Int => Some((-2_147_483_648.0, 2_147_483_648.0)),
            TypeTest::Long => Some((-9_223_372_036_854_775_808.0, 9_223_372_036_854_775_808.0)),
            _ => None,
        }
    }

    /// Whether a value has this type.
    pub fn matches(self, a: &Atom) -> bool {
        match (self, a) {
            (TypeTest::Number, Atom::Num(_))
            | (TypeTest::String, Atom::Str(_))
            | (TypeTest::Bool, Atom::Bool(_))
            | (TypeTest::Date, Atom::Time(_)) => true,
            (TypeTest::Int | TypeTest::Long, Atom::Num(x)) => {
                self.int_range().is_some_and(|(lo, hi)| x.fract() == 0.0 && *x >= lo && *x < hi)
            }
            _ => false,
        }
    }

    /// Whether values of a schema type have this type (`int`/`long`: some of them may).
    fn fits(self, s: Scalar) -> bool {
        matches!(
            (self, s),
            (TypeTest::Number | TypeTest::Int | TypeTest::Long, Scalar::Number)
                | (TypeTest::String, Scalar::String)
                | (TypeTest::Bool, Scalar::Bool)
                | (TypeTest::Date, Scalar::Timestamp)
        )
    }
}

/// A checked regular expression in `regex` crate syntax, flags included as a prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    /// The pattern, e.g. `(?i)^jack`: what `regex::Regex::new` takes.
    pub source: String,
}

impl Pattern {
    /// The pattern's syntax tree (it parsed when it was checked).
    pub fn hir(&self) -> Result<regex_syntax::hir::Hir, String> {
        parse_regex(&self.source).map_err(|(msg, _)| msg)
    }
}

/// A predicate over one document, with MongoDB's semantics (see the module docs).
#[derive(Debug, Clone, PartialEq)]
pub enum DocPred {
    /// Always true or false.
    Const(bool),
    /// All of (two or more).
    And(Vec<DocPred>),
    /// Any of (two or more).
    Or(Vec<DocPred>),
    /// Not.
    Not(Box<DocPred>),
    /// Some value at the path passes the test.
    Any {
        /// Where.
        path: DocPath,
        /// The test.
        test: Test,
    },
    /// `{path: null}`: null or missing.
    Null(DocPath),
    /// `{path: {$exists: true}}`.
    Exists(DocPath),
    /// An array field with exactly `len` elements.
    Size {
        /// The array field.
        field: usize,
        /// The length.
        len: u64,
    },
    /// The array-of-scalars field equals exactly these elements, in this order (non-empty;
    /// `[]` is `Size` 0).
    ArrayEq {
        /// The array field.
        field: usize,
        /// The elements.
        items: Vec<Atom>,
    },
    /// Some element of the array field satisfies `pred` (whose paths are [`DocPath::Elem`]).
    ElemMatch {
        /// The array field.
        field: usize,
        /// The predicate over one element.
        pred: Box<DocPred>,
    },
}

/// One sort key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocSortKey {
    /// A scalar field, an array of scalars, a member path or a map key.
    pub path: DocPath,
    /// The direction.
    pub direction: Direction,
}

/// A checked query over a document schema.
#[derive(Debug, Clone, PartialEq)]
pub struct DocQuery {
    /// The filter (`Const(true)` when there is none).
    pub filter: DocPred,
    /// Sort keys, ending with the primary key ascending.
    pub sort: Vec<DocSortKey>,
    /// The returned fields (`None`: all).
    pub projection: Option<DocProjection>,
    /// At most this many documents.
    pub limit: Option<u64>,
    /// Documents to skip.
    pub offset: u64,
}

/// The longest accepted `$regex` pattern, in bytes.
pub const MAX_REGEX_LEN: usize = 1024;
/// The largest repetition count in a `$regex` (PostgreSQL's regex engine allows 255).
pub const MAX_REPEAT: u32 = 255;
/// The largest compiled size of a `$regex` (bytes of the `regex` crate's automata; the
/// in-memory engine and SQLite's `roster_regexp` compile with the same limit).
pub const MAX_REGEX_COMPILED: usize = 1 << 20;
const MAX_DEPTH: usize = 256;
const MAX_TERMS: usize = 1000;
const MAX_IN: usize = 1000;

/// Parses a pattern (flags included) as the `regex` crate does, with Roster's limits.
fn parse_regex(source: &str) -> Result<regex_syntax::hir::Hir, (String, Option<String>)> {
    use regex_syntax::ast::ErrorKind as K;
    if source.len() > MAX_REGEX_LEN {
        return Err((
            format!("the regular expression is {} bytes long; at most {MAX_REGEX_LEN} are allowed", source.len()),
            None,
        ));
    }
    let mut parser = regex_syntax::ast::parse::ParserBuilder::new().nest_limit(64).build();
    let ast = parser.parse(source).map_err(|e| match e.kind() {
        K::UnsupportedLookAround => (
            "look-around (`(?=`, `(?!`, `(?<=`, `(?<!`) is not supported in `$regex`".to_owned(),
            Some("Roster matches regular expressions in linear time with the `regex` crate, which has no look-around; rewrite the condition with `$not`, `$and` or several `$regex`".to_owned()),
        ),
        K::UnsupportedBackreference => (
            "backreferences (`\\1`) are not supported in `$regex`".to_owned(),
            Some("Roster matches regular expressions in linear time with the `regex` crate, which has no backreferences".to_owned()),
        ),
        _ => (format!("invalid regular expression: {}", e.kind()), None),
    })?;
    let hir = regex_syntax::hir::translate::TranslatorBuilder::new()
        .build()
        .translate(source, &ast)
        .map_err(|e| (format!("invalid regular expression: {}", e.kind()), None))?;
    let mut stack = vec![&hir];
    while let Some(h) = stack.pop() {
        use regex_syntax::hir::HirKind;
        match h.kind() {
            HirKind::Repetition(r) => {
                if r.min > MAX_REPEAT || r.max.is_some_and(|m| m > MAX_REPEAT) {
                    return Err((format!("a repetition count above {MAX_REPEAT} is not supported in `$regex`"), None));
                }
                stack.push(&r.sub);
            }
            HirKind::Capture(c) => stack.push(&c.sub),
            HirKind::Concat(v) | HirKind::Alternation(v) => stack.extend(v.iter()),
            HirKind::Look(look) => {
                use regex_syntax::hir::Look as L;
                if !matches!(
                    look,
                    L::Start
                        | L::End
                        | L::StartLF
                        | L::EndLF
                        | L::WordAscii
                        | L::WordAsciiNegate
                        | L::WordUnicode
                        | L::WordUnicodeNegate
                ) {
                    return Err((
                        format!("the assertion `{}` is not supported in `$regex`", look_text(*look)),
                        Some("use `^`, `$`, `\\b` or `\\B` (with `(?m)` for line anchors)".to_owned()),
                    ));
                }
            }
            HirKind::Empty | HirKind::Literal(_) | HirKind::Class(_) => {}
        }
    }
    // Repetitions within bounds can still multiply (`(\w{255}){255}`): compile once with the
    // engines' size limit.
    regex::RegexBuilder::new(source).size_limit(MAX_REGEX_COMPILED).build().map_err(|e| match e {
        regex::Error::CompiledTooBig(limit) => (
            format!("the regular expression compiles to more than {limit} bytes"),
            Some("use fewer or smaller repetitions, or narrower classes (`[a-z]` rather than `\\w`)".to_owned()),
        ),
        other => (format!("invalid regular expression: {other}"), None),
    })?;
    Ok(hir)
}

/// How an assertion is written, for errors.
fn look_text(look: regex_syntax::hir::Look) -> &'static str {
    use regex_syntax::hir::Look as L;
    match look {
        L::StartCRLF | L::EndCRLF => "(?R) line anchor",
        L::WordStartAscii | L::WordStartUnicode => "\\<",
        L::WordEndAscii | L::WordEndUnicode => "\\>",
        L::WordStartHalfAscii | L::WordStartHalfUnicode => "\\b{start-half}",
        L::WordEndHalfAscii | L::WordEndHalfUnicode => "\\b{end-half}",
        _ => "assertion",
    }
}

/// Checks a query against a document schema: every error, or the typed query.
pub fn check_document(query: &Query, schema: &DocSchema) -> Result<DocQuery, Vec<CheckError>> {
    let mut c = Checker { schema, errors: Vec::new(), terms: 0 };
    let filter = match &query.filter {
        Some(e) => c.pred(e, None, 0),
        None => DocPred::Const(true),
    };
    let sort = c.sort(&query.sort);
    let projection = query.projection.as_ref().map(|p| c.projection(p));
    if c.errors.is_empty() {
        Ok(DocQuery { filter, sort, projection, limit: query.page.limit, offset: query.page.offset })
    } else {
        Err(c.errors)
    }
}

/// What a path resolves to, with the scalar type of its values.
enum Resolved {
    /// A path with scalar values of a known type (or of any type: map keys).
    Values(DocPath, Option<Scalar>),
    /// A whole array of objects or map: no scalar values.
    Composite(DocPath, &'static str),
}

struct Checker<'a> {
    schema: &'a DocSchema,
    errors: Vec<CheckError>,
    terms: usize,
}

fn err(kind: CheckErrorKind, span: Span) -> CheckError {
    CheckError { kind, span }
}

/// The element context of an `$elemMatch`: the array field.
type Elem = Option<usize>;

impl Checker<'_> {
    fn fail(&mut self, kind: CheckErrorKind, span: Span) -> DocPred {
        self.errors.push(err(kind, span));
        DocPred::Const(false)
    }

    fn field(&self, path: &Path) -> Result<(usize, &DocField), CheckError> {
        let name = &path.segments[0];
        self.schema.field(name).ok_or_else(|| {
            err(
                CheckErrorKind::UnknownField {
                    name: name.clone(),
                    suggestion: self.schema.suggest(name).map(str::to_owned),
                },
                path.span,
            )
        })
    }

    /// Resolves a path; inside `$elemMatch` (`elem` is the array field) the path starts with
    /// the element variable.
    fn resolve(&self, path: &Path, elem: Elem) -> Result<Resolved, CheckError> {
        let full = path.joined(".");
        if let Some(array) = elem {
            let field = &self.schema.fields[array];
            let rest = path.segments.get(1..).unwrap_or_default();
            return match (&field.ty, rest) {
                (DocType::Array(ty), []) => Ok(Resolved::Values(DocPath::Elem(None), Some(*ty))),
                (DocType::Objects(members), [m]) => match members.iter().position(|x| &x.name == m) {
                    Some(j) => Ok(Resolved::Values(DocPath::Elem(Some(j)), Some(members[j].ty))),
                    None => Err(self.unknown_member(field, m, path.span)),
                },
                (DocType::Objects(_), []) => Err(err(
                    CheckErrorKind::TypeMismatch {
                        expected: format!("conditions on members of the elements of `{}`", field.name),
                        found: "a condition on the whole element".into(),
                    },
                    path.span,
                )),
                _ => Err(err(
                    CheckErrorKind::NoMembers { field: format!("{}.{}", field.name, rest.join(".")) },
                    path.span,
                )),
            };
        }
        let (i, field) = self.field(path)?;
        let rest = &path.segments[1..];
        match (&field.ty, rest) {
            (DocType::Scalar(ty) | DocType::Array(ty), []) => Ok(Resolved::Values(DocPath::Field(i), Some(*ty))),
            (DocType::Objects(_), []) => Ok(Resolved::Composite(DocPath::Field(i), "an array of objects")),
            (DocType::Map, []) => Ok(Resolved::Composite(DocPath::Field(i), "a map of custom fields")),
            (DocType::Objects(members), [m]) => match members.iter().position(|x| &x.name == m) {
                Some(j) => Ok(Resolved::Values(DocPath::Member(i, j), Some(members[j].ty))),
                None if m.parse::<u64>().is_ok() => Err(err(
                    CheckErrorKind::Unsupported { construct: format!("the array position in `{full}`") },
                    path.span,
                )),
                None => Err(self.unknown_member(field, m, path.span)),
            },
            (DocType::Map, [k]) => match check_map_key(k) {
                Ok(()) => Ok(Resolved::Values(DocPath::Key(i, k.clone()), None)),
                Err(why) => {
                    Err(err(CheckErrorKind::Unsupported { construct: format!("the key `{k}` ({why})") }, path.span))
                }
            },
            _ => Err(err(CheckErrorKind::NoMembers { field: full }, path.span)),
        }
    }

    fn unknown_member(&self, field: &DocField, m: &str, span: Span) -> CheckError {
        let suggestion = match &field.ty {
            DocType::Objects(members) => roster_schema::closest(m, members.iter().map(|x| x.name.as_str()))
                .map(|s| format!("{}.{s}", field.name)),
            _ => None,
        };
        err(CheckErrorKind::UnknownField { name: format!("{}.{m}", field.name), suggestion }, span)
    }

    /// A literal as an atom of the path's type (`None` type: a map key, any of string,
    /// number, boolean). `Ok(None)` for `null`.
    fn atom(&self, lit: &Literal, ty: Option<Scalar>, what: &str, span: Span) -> Result<Option<Atom>, CheckError> {
        let mismatch = |expected: String| err(CheckErrorKind::TypeMismatch { expected, found: describe(lit) }, span);
        let atom = match lit {
            Literal::Null => return Ok(None),
            Literal::Bool(b) => Atom::Bool(*b),
            Literal::Int(i) => {
                if (*i as f64).abs() > MAX_EXACT_INT {
                    return Err(err(
                        CheckErrorKind::InvalidNumber {
                            reason: format!("{i} is not exact as a double (integers up to 2^53)"),
                        },
                        span,
                    ));
                }
                Atom::Num(*i as f64)
            }
            Literal::Float(x) if x.is_finite() => Atom::Num(if *x == 0.0 { 0.0 } else { *x }),
            Literal::String(s) => {
                if s.contains('\0') {
                    return Err(err(CheckErrorKind::NulInString, span));
                }
                Atom::Str(s.clone())
            }
            Literal::DateTime(t) => Atom::Time(*t),
            _ => return Err(mismatch(format!("a value for {what}"))),
        };
        let ok = match ty {
            None => !matches!(atom, Atom::Time(_)),
            Some(Scalar::String) => matches!(atom, Atom::Str(_)),
            Some(Scalar::Bool) => matches!(atom, Atom::Bool(_)),
            Some(Scalar::Number) => matches!(atom, Atom::Num(_)),
            Some(Scalar::Timestamp) => matches!(atom, Atom::Time(_)),
        };
        if ok {
            return Ok(Some(atom));
        }
        Err(match ty {
            None => mismatch(format!("a string, number or boolean for {what} (custom fields hold no dates)")),
            Some(Scalar::Timestamp) => err(
                CheckErrorKind::TypeMismatch {
                    expected: format!("a date for {what}, written {{\"$date\": \"2023-05-16T20:50:33.579Z\"}}"),
                    found: describe(lit),
                },
                span,
            ),
            Some(t) => mismatch(format!("a {} for {what}", t.name())),
        })
    }

    fn path_name(&self, path: &Path) -> String {
        format!("field `{}`", path.joined("."))
    }

    fn count_term(&mut self, span: Span) -> bool {
        self.terms += 1;
        if self.terms == MAX_TERMS + 1 {
            self.errors.push(err(CheckErrorKind::TooManyTerms { limit: MAX_TERMS }, span));
        }
        self.terms <= MAX_TERMS
    }

    fn pred(&mut self, e: &Expr, elem: Elem, depth: usize) -> DocPred {
        if depth > MAX_DEPTH {
            return self.fail(CheckErrorKind::TooDeep { limit: MAX_DEPTH }, e.span);
        }
        match &e.kind {
            ExprKind::Literal { value: Literal::Bool(b) } => DocPred::Const(*b),
            ExprKind::And { operands } => and(operands.iter().map(|o| self.pred(o, elem, depth + 1)).collect()),
            ExprKind::Or { operands } => or(operands.iter().map(|o| self.pred(o, elem, depth + 1)).collect()),
            ExprKind::Not { operand } => not(self.pred(operand, elem, depth + 1)),
            _ if !self.count_term(e.span) => DocPred::Const(false),
            ExprKind::Compare { op, lhs, rhs } => match (&lhs.kind, &rhs.kind) {
                (ExprKind::Path { path }, ExprKind::Literal { value }) => {
                    self.compare(*op, path, value, rhs.span, elem)
                }
                (ExprKind::Path { path }, ExprKind::Array { items }) if matches!(op, CmpOp::Eq | CmpOp::Ne) => {
                    let p = self.array_eq(path, items, elem);
                    if *op == CmpOp::Eq { p } else { not(p) }
                }
                (ExprKind::Call { func: Func::Length, args }, ExprKind::Literal { value: Literal::Int(n) })
                    if *op == CmpOp::Eq && args.len() == 1 =>
                {
                    match &args[0].kind {
                        ExprKind::Path { path } => self.size(path, *n, elem),
                        _ => self.unsupported("this `$size`", e.span),
                    }
                }
                _ => self.unsupported("this comparison (Mongo queries compare a field with a literal)", e.span),
            },
            ExprKind::In { lhs, list } => match &lhs.kind {
                ExprKind::Path { path } => self.in_list(path, list, elem, e.span),
                _ => self.unsupported("this `$in`", e.span),
            },
            ExprKind::Exists { path, exists } => match self.resolve(path, elem) {
                Ok(Resolved::Values(p, _) | Resolved::Composite(p, _)) => {
                    let p = self.fold_elem_exists(p, elem);
                    if *exists { p } else { not(p) }
                }
                Err(x) => {
                    self.errors.push(x);
                    DocPred::Const(false)
                }
            },
            ExprKind::Regex { target, pattern, flags } => match &target.kind {
                ExprKind::Path { path } => self.regex(path, pattern, flags, elem, e.span),
                _ => self.unsupported("this `$regex`", e.span),
            },
            ExprKind::Quantified { quantifier: Quantifier::Any, path, predicate, .. } if elem.is_none() => {
                match self.resolve(path, None) {
                    Ok(Resolved::Values(DocPath::Field(i), _) | Resolved::Composite(DocPath::Field(i), _))
                        if matches!(self.schema.fields[i].ty, DocType::Array(_) | DocType::Objects(_)) =>
                    {
                        let inner = self.pred(predicate, Some(i), depth + 1);
                        DocPred::ElemMatch { field: i, pred: Box::new(inner) }
                    }
                    Ok(_) => self.fail(
                        CheckErrorKind::OperatorNotApplicable {
                            op: "$elemMatch".into(),
                            operand: format!("{}, which is not an array", self.path_name(path)),
                            allowed: "direct conditions",
                        },
                        path.span,
                    ),
                    Err(x) => {
                        self.errors.push(x);
                        DocPred::Const(false)
                    }
                }
            }
            ExprKind::Quantified { .. } => {
                self.unsupported("`$elemMatch` inside `$elemMatch` (no nested arrays)", e.span)
            }
            ExprKind::Call { func: Func::IsOf, args } if args.len() == 2 => match (&args[0].kind, &args[1].kind) {
                (ExprKind::Path { path }, ExprKind::Literal { value: Literal::String(name) }) => {
                    self.type_test(path, name, elem)
                }
                _ => self.unsupported("this `$type`", e.span),
            },
            _ => self.unsupported("this condition", e.span),
        }
    }

    /// Whether a path inside `$elemMatch` always has a value: the element itself, or a
    /// required member.
    fn elem_always(&self, p: &DocPath, elem: Elem) -> bool {
        match (p, elem.map(|i| &self.schema.fields[i].ty)) {
            (DocPath::Elem(Some(j)), Some(DocType::Objects(members))) => members.get(*j).is_none_or(|m| m.required),
            _ => true,
        }
    }

    /// `$exists`: inside `$elemMatch`, an element and its required members always exist.
    fn fold_elem_exists(&self, p: DocPath, elem: Elem) -> DocPred {
        match p {
            DocPath::Elem(_) if self.elem_always(&p, elem) => DocPred::Const(true),
            p => DocPred::Exists(p),
        }
    }

    fn null(&self, p: DocPath, elem: Elem) -> DocPred {
        match p {
            // Elements and their required members are never null.
            DocPath::Elem(_) if self.elem_always(&p, elem) => DocPred::Const(false),
            p => DocPred::Null(p),
        }
    }

    fn unsupported(&mut self, what: &str, span: Span) -> DocPred {
        self.fail(CheckErrorKind::Unsupported { construct: what.to_owned() }, span)
    }

    /// The path as one with scalar values, or an error for whole arrays of objects and maps.
    fn values(&mut self, path: &Path, elem: Elem) -> Option<(DocPath, Option<Scalar>)> {
        match self.resolve(path, elem) {
            Ok(Resolved::Values(p, ty)) => Some((p, ty)),
            Ok(Resolved::Composite(_, what)) => {
                let hint = match what {
                    "an array of objects" => {
                        format!("a condition on a member (`{0}.address`) or `$elemMatch`", path.joined("."))
                    }
                    _ => format!("a condition on a key (`{0}.clearance`)", path.joined(".")),
                };
                self.errors.push(err(
                    CheckErrorKind::TypeMismatch {
                        expected: hint,
                        found: format!("a condition on `{}`, {what}", path.joined(".")),
                    },
                    path.span,
                ));
                None
            }
            Err(x) => {
                self.errors.push(x);
                None
            }
        }
    }

    fn compare(&mut self, op: CmpOp, path: &Path, lit: &Literal, span: Span, elem: Elem) -> DocPred {
        if *lit == Literal::Null
            && let Ok(Resolved::Composite(p, _)) = self.resolve(path, elem)
        {
            // `{"emails": null}`: a whole array or map is null only when missing.
            return match op {
                CmpOp::Eq | CmpOp::Ge | CmpOp::Le => self.null(p, elem),
                CmpOp::Ne => not(self.null(p, elem)),
                CmpOp::Gt | CmpOp::Lt => DocPred::Const(false),
            };
        }
        let Some((p, ty)) = self.values(path, elem) else {
            return DocPred::Const(false);
        };
        let what = self.path_name(path);
        let atom = match self.atom(lit, ty, &what, span) {
            Ok(a) => a,
            Err(x) => {
                self.errors.push(x);
                return DocPred::Const(false);
            }
        };
        let Some(atom) = atom else {
            return match op {
                CmpOp::Eq | CmpOp::Ge | CmpOp::Le => self.null(p, elem),
                CmpOp::Ne => not(self.null(p, elem)),
                CmpOp::Gt | CmpOp::Lt => DocPred::Const(false),
            };
        };
        if op.is_ordering() && matches!(atom, Atom::Bool(_)) {
            let field = path.joined(".");
            let mongo = match op {
                CmpOp::Gt => "$gt",
                CmpOp::Ge => "$gte",
                CmpOp::Lt => "$lt",
                _ => "$lte",
            };
            return self.fail(
                CheckErrorKind::OperatorNotApplicable {
                    op: mongo.into(),
                    operand: if ty.is_some() {
                        format!("boolean field `{field}`")
                    } else {
                        format!("a boolean value of `{field}`")
                    },
                    allowed: if ty.is_some() {
                        "equality (`{\"active\": true}`) or `$ne`"
                    } else {
                        "equality or `$ne` with a boolean"
                    },
                },
                span,
            );
        }
        match op {
            CmpOp::Eq => DocPred::Any { path: p, test: Test::Eq(atom) },
            CmpOp::Ne => not(DocPred::Any { path: p, test: Test::Eq(atom) }),
            _ => DocPred::Any { path: p, test: Test::Cmp(op, atom) },
        }
    }

    /// Whole-array equality: the array field holds exactly `items`, in order (MongoDB would
    /// also match an element equal to the array, but no field holds nested arrays).
    fn array_eq(&mut self, path: &Path, items: &[Expr], elem: Elem) -> DocPred {
        let resolved = match self.resolve(path, elem) {
            Ok(r) => r,
            Err(x) => {
                self.errors.push(x);
                return DocPred::Const(false);
            }
        };
        let what = self.path_name(path);
        let mismatch =
            |expected: String| err(CheckErrorKind::TypeMismatch { expected, found: "an array".into() }, path.span);
        match resolved {
            Resolved::Values(DocPath::Field(i), Some(ty)) if matches!(self.schema.fields[i].ty, DocType::Array(_)) => {
                if items.len() > MAX_IN {
                    return self.fail(CheckErrorKind::InListTooLong { len: items.len(), limit: MAX_IN }, path.span);
                }
                let element = format!("an element of {what}");
                let mut atoms = Vec::with_capacity(items.len());
                for item in items {
                    let ExprKind::Literal { value } = &item.kind else {
                        return self.unsupported("a non-literal in an array", item.span);
                    };
                    match self.atom(value, Some(ty), &element, item.span) {
                        Ok(Some(a)) => atoms.push(a),
                        Ok(None) => {
                            return self.fail(
                                CheckErrorKind::TypeMismatch {
                                    expected: format!("a {} for {element} (arrays hold no nulls)", ty.name()),
                                    found: "null".into(),
                                },
                                item.span,
                            );
                        }
                        Err(x) => {
                            self.errors.push(x);
                            return DocPred::Const(false);
                        }
                    }
                }
                if atoms.is_empty() {
                    DocPred::Size { field: i, len: 0 }
                } else {
                    DocPred::ArrayEq { field: i, items: atoms }
                }
            }
            // `{"emails": []}`: the empty array; its elements are objects, never scalars.
            Resolved::Composite(DocPath::Field(i), _) if matches!(self.schema.fields[i].ty, DocType::Objects(_)) => {
                if items.is_empty() {
                    DocPred::Size { field: i, len: 0 }
                } else {
                    let x = mismatch(format!(
                        "`[]`, `$size`, `$elemMatch` or a member path (`{}.address`) for {what}, an array of objects",
                        path.joined(".")
                    ));
                    self.errors.push(x);
                    DocPred::Const(false)
                }
            }
            _ => {
                let x = mismatch(format!("a single value for {what}, which holds no arrays"));
                self.errors.push(x);
                DocPred::Const(false)
            }
        }
    }

    fn in_list(&mut self, path: &Path, list: &[Expr], elem: Elem, span: Span) -> DocPred {
        if list.len() > MAX_IN {
            return self.fail(CheckErrorKind::InListTooLong { len: list.len(), limit: MAX_IN }, span);
        }
        // Array members are whole-array equalities; the rest one `In` test.
        let (arrays, scalars): (Vec<&Expr>, Vec<&Expr>) =
            list.iter().partition(|i| matches!(i.kind, ExprKind::Array { .. }));
        let mut parts = Vec::new();
        for a in &arrays {
            if let ExprKind::Array { items } = &a.kind {
                parts.push(self.array_eq(path, items, elem));
            }
        }
        if !scalars.is_empty() || arrays.is_empty() {
            parts.push(self.scalar_in(path, &scalars, elem));
        }
        or(parts)
    }

    fn scalar_in(&mut self, path: &Path, list: &[&Expr], elem: Elem) -> DocPred {
        let Some((p, ty)) = self.values(path, elem) else {
            return DocPred::Const(false);
        };
        let what = self.path_name(path);
        let (mut atoms, mut null) = (Vec::new(), false);
        for item in list {
            let ExprKind::Literal { value } = &item.kind else {
                return self.unsupported("a non-literal in `$in`", item.span);
            };
            match self.atom(value, ty, &what, item.span) {
                Ok(Some(a)) => {
                    if !atoms.iter().any(|b: &Atom| {
                        b.bracket() == a.bracket() && b.cmp_within(&a) == Some(std::cmp::Ordering::Equal)
                    }) {
                        atoms.push(a);
                    }
                }
                Ok(None) => null = true,
                Err(x) => self.errors.push(x),
            }
        }
        let mut parts = Vec::new();
        if null {
            parts.push(self.null(p.clone(), elem));
        }
        if !atoms.is_empty() {
            parts.push(DocPred::Any { path: p, test: Test::In(atoms) });
        }
        // `$in: []` matches nothing.
        or(parts)
    }

    /// `$type` (`name` is a canonical alias of `roster_mongo::TYPES`): decided here where
    /// the schema fixes the type, a [`Test::Type`] where values decide.
    fn type_test(&mut self, path: &Path, name: &str, elem: Elem) -> DocPred {
        let resolved = match self.resolve(path, elem) {
            Ok(r) => r,
            Err(x) => {
                self.errors.push(x);
                return DocPred::Const(false);
            }
        };
        let scalar = match name {
            "double" | "number" => Some(TypeTest::Number),
            "int" => Some(TypeTest::Int),
            "long" => Some(TypeTest::Long),
            "string" => Some(TypeTest::String),
            "bool" => Some(TypeTest::Bool),
            "date" => Some(TypeTest::Date),
            _ => None,
        };
        match resolved {
            // The whole array of objects (its elements are objects) or map (an object).
            Resolved::Composite(DocPath::Field(i), _) => match (&self.schema.fields[i].ty, name) {
                (DocType::Objects(_), "array") | (DocType::Map, "object") => DocPred::Exists(DocPath::Field(i)),
                (DocType::Objects(_), "object") => self.some_value(DocPath::Field(i), elem),
                _ => DocPred::Const(false),
            },
            Resolved::Composite(..) => DocPred::Const(false),
            // An array field is itself an "array"; members, keys and elements hold scalars.
            Resolved::Values(p, _) if name == "array" => match p {
                DocPath::Field(i) if matches!(self.schema.fields[i].ty, DocType::Array(_)) => DocPred::Exists(p),
                _ => DocPred::Const(false),
            },
            Resolved::Values(p, ty) => match (scalar, ty) {
                // "null" (a stored null is missing), "object", "decimal" and the types no
                // Roster value has match nothing; custom fields hold no dates.
                (None, _) | (Some(TypeTest::Date), None) => DocPred::Const(false),
                (Some(t), None) => DocPred::Any { path: p, test: Test::Type(t) },
                (Some(t), Some(s)) if !t.fits(s) => DocPred::Const(false),
                (Some(t @ (TypeTest::Int | TypeTest::Long)), Some(_)) => DocPred::Any { path: p, test: Test::Type(t) },
                (Some(_), Some(_)) => self.some_value(p, elem),
            },
        }
    }

    /// Some value is at the path: a scalar field present, an array non-empty, some element
    /// with the member.
    fn some_value(&self, p: DocPath, elem: Elem) -> DocPred {
        match p {
            DocPath::Field(i) if matches!(self.schema.fields[i].ty, DocType::Scalar(_) | DocType::Map) => {
                DocPred::Exists(p)
            }
            DocPath::Field(i) => and(vec![DocPred::Exists(p), not(DocPred::Size { field: i, len: 0 })]),
            DocPath::Elem(_) => self.fold_elem_exists(p, elem),
            p => DocPred::Exists(p),
        }
    }

    fn size(&mut self, path: &Path, n: i64, elem: Elem) -> DocPred {
        if elem.is_some() {
            return self.unsupported("`$size` inside `$elemMatch` (no nested arrays)", path.span);
        }
        match self.resolve(path, None) {
            Ok(Resolved::Values(DocPath::Field(i), _) | Resolved::Composite(DocPath::Field(i), _))
                if matches!(self.schema.fields[i].ty, DocType::Array(_) | DocType::Objects(_)) =>
            {
                DocPred::Size { field: i, len: u64::try_from(n).unwrap_or(0) }
            }
            Ok(_) => self.fail(
                CheckErrorKind::OperatorNotApplicable {
                    op: "$size".into(),
                    operand: format!("{}, which is not an array", self.path_name(path)),
                    allowed: "`$size` on `roles` or `emails`",
                },
                path.span,
            ),
            Err(x) => {
                self.errors.push(x);
                DocPred::Const(false)
            }
        }
    }

    fn regex(&mut self, path: &Path, pattern: &str, flags: &str, elem: Elem, span: Span) -> DocPred {
        let Some((p, ty)) = self.values(path, elem) else {
            return DocPred::Const(false);
        };
        if let Some(t) = ty.filter(|t| *t != Scalar::String) {
            return self.fail(
                CheckErrorKind::OperatorNotApplicable {
                    op: "$regex".into(),
                    operand: format!("{} field `{}`", t.name(), path.joined(".")),
                    allowed: "`$regex` on string fields",
                },
                span,
            );
        }
        if pattern.contains('\0') {
            return self.fail(CheckErrorKind::NulInString, span);
        }
        let source = if flags.is_empty() { pattern.to_owned() } else { format!("(?{flags}){pattern}") };
        match parse_regex(&source) {
            Ok(_) => DocPred::Any { path: p, test: Test::Regex(Pattern { source }) },
            Err((message, help)) => self.fail(CheckErrorKind::InvalidRegex { message, help }, span),
        }
    }

    fn sort(&mut self, keys: &[roster_ast::SortKey]) -> Vec<DocSortKey> {
        let mut out: Vec<DocSortKey> = Vec::with_capacity(keys.len() + 1);
        for k in keys {
            let path = match self.resolve(&k.path, None) {
                Ok(Resolved::Values(p, _)) => p,
                Ok(Resolved::Composite(_, what)) => {
                    self.errors.push(err(
                        CheckErrorKind::NotAllowed {
                            field: format!("{} ({what}; sort by a member or key)", k.path.joined(".")),
                            usage: "sorted by",
                        },
                        k.path.span,
                    ));
                    continue;
                }
                Err(x) => {
                    self.errors.push(x);
                    continue;
                }
            };
            if out.iter().any(|o| o.path == path) {
                self.errors.push(err(CheckErrorKind::DuplicateSortKey { field: k.path.joined(".") }, k.span));
                continue;
            }
            out.push(DocSortKey { path, direction: k.direction });
        }
        let pk = DocPath::Field(self.schema.primary_key);
        if !out.iter().any(|k| k.path == pk) {
            out.push(DocSortKey { path: pk, direction: Direction::Asc });
        }
        out
    }

    fn projection(&mut self, p: &Projection) -> DocProjection {
        let (paths, include) = match p {
            Projection::Include(paths) => (paths, true),
            Projection::Exclude(paths) => (paths, false),
        };
        let mut sel = Vec::with_capacity(paths.len());
        for path in paths {
            match self.resolve(path, None) {
                Ok(Resolved::Values(DocPath::Field(i), _) | Resolved::Composite(DocPath::Field(i), _)) => {
                    sel.push(Selection::Field(i))
                }
                Ok(Resolved::Values(DocPath::Member(i, j), _)) => sel.push(Selection::Member(i, j)),
                Ok(Resolved::Values(DocPath::Key(i, k), _)) => sel.push(Selection::Key(i, k)),
                Ok(_) => {}
                Err(x) => self.errors.push(x),
            }
        }
        if include { DocProjection::Include(sel) } else { DocProjection::Exclude(sel) }
    }
}

fn describe(lit: &Literal) -> String {
    match lit {
        Literal::Null => "null".into(),
        Literal::Bool(b) => format!("boolean {b}"),
        Literal::Int(i) => format!("number {i}"),
        Literal::Float(x) => format!("number {x}"),
        Literal::String(s) => format!("string {s:?}"),
        Literal::DateTime(t) => format!("date {t}"),
        _ => "a literal".into(),
    }
}

/// Conjunction, flattening constants.
pub fn and(parts: Vec<DocPred>) -> DocPred {
    let mut out = Vec::with_capacity(parts.len());
    for p in parts {
        match p {
            DocPred::Const(true) => {}
            DocPred::Const(false) => return DocPred::Const(false),
            DocPred::And(inner) => out.extend(inner),
            p => out.push(p),
        }
    }
    match out.len() {
        0 => DocPred::Const(true),
        1 => out.pop().unwrap_or(DocPred::Const(true)),
        _ => DocPred::And(out),
    }
}

/// Disjunction, flattening constants (`or([])` is false).
pub fn or(parts: Vec<DocPred>) -> DocPred {
    let mut out = Vec::with_capacity(parts.len());
    for p in parts {
        match p {
            DocPred::Const(false) => {}
            DocPred::Const(true) => return DocPred::Const(true),
            DocPred::Or(inner) => out.extend(inner),
            p => out.push(p),
        }
    }
    match out.len() {
        0 => DocPred::Const(false),
        1 => out.pop().unwrap_or(DocPred::Const(false)),
        _ => DocPred::Or(out),
    }
}

/// Negation, folding constants and double negations.
pub fn not(p: DocPred) -> DocPred {
    match p {
        DocPred::Const(b) => DocPred::Const(!b),
        DocPred::Not(inner) => *inner,
        p => DocPred::Not(Box::new(p)),
    }
}
