//! The Mongo-style front end of Roster (seed 004, `GET /api/v1/users.list`): `query`,
//! `fields` and `sort` JSON documents parsed into the common [`roster_ast`] tree.
//!
//! The JSON is read by a small reader of its own ([`json`]) because Mongo needs what
//! `serde_json::Value` drops: object keys in input order (sort keys are ordered), duplicate
//! keys (an error here, never silently merged) and the byte span of every value, so that
//! errors point into the text. Every error also carries the RFC 6901 JSON pointer of the
//! value it is about.
//!
//! | Mongo | AST |
//! |---|---|
//! | `{"a": v}` (implicit equality), `{"a": {"$eq": v}}` | `a eq v` |
//! | `{"a": ["x", "y"]}`, `$eq`/`$ne`/`$in`/`$nin` with arrays of literals | `a eq ["x","y"]` ([`ExprKind::Array`]: whole-array equality; arrays nested in arrays and arrays of embedded documents are errors) |
//! | `$ne $gt $gte $lt $lte` | `ne gt ge lt le` |
//! | `$in: [..]`, `$nin: [..]` | `a in (..)`, `not (a in (..))` |
//! | `$exists: true/false` | [`ExprKind::Exists`] |
//! | `$regex` (+ `$options` of `i m s x`) | [`ExprKind::Regex`] |
//! | `$size: n` | `length(a) eq n` |
//! | `$type: "string"` / `2` / `["int", "bool"]` | `isof(a, 'string')`, one per type joined by `or`; names canonical ([`TYPES`]: numeric codes and `"number"` to their alias) |
//! | `$all: [v1, v2]` | `a eq v1 and a eq v2` (each: some element equals) |
//! | `$elemMatch: {...}` | [`ExprKind::Quantified`] `any` over the array, variable `elem` |
//! | `$not: {...}`, `$nor: [...]` | `not (...)`, `not (... or ...)` |
//! | `$and`, `$or` (non-empty arrays) | `and`, `or` |
//! | `{"$date": "2023-05-16T20:50:33.579Z"}` (Extended JSON) | a timestamp literal |
//! | dotted paths `emails.address`, `customFields.clearance` | multi-segment [`Path`] |
//!
//! What the operators *mean* on arrays, nulls and missing fields (MongoDB's rules: implicit
//! array matching, `null` matching missing, `$ne`/`$nin` including missing) is decided by
//! the checker against a schema, not here: this crate only reads the documents faithfully.
//! `$comment` is accepted and ignored. `$expr`, `$where`, `$text`, `$mod`, geo and
//! bitwise operators are rejected with `unsupported-operator`; anything else starting with
//! `$` is `unknown-operator`, with a suggestion when one is close.
//!
//! ```
//! use roster_ast::Diagnostic;
//! let q = roster_mongo::parse_query(r#"{"name": {"$regex": "g", "$options": "i"}, "active": true}"#).unwrap().unwrap();
//! assert_eq!(q.to_string(), "matchesPattern(name, '(?i)g') and active eq true");
//!
//! let sort = roster_mongo::parse_sort(r#"{"value": -1, "_id": 1}"#).unwrap();
//! assert_eq!(sort.iter().map(ToString::to_string).collect::<Vec<_>>(), ["value desc", "_id asc"]);
//!
//! let err = roster_mongo::parse_query(r#"{"name": {"$regx": "g"}}"#).unwrap_err();
//! assert_eq!(err.code(), "unknown-operator");
//! assert_eq!(err.pointer, "/name/$regx");
//! assert_eq!(err.help().as_deref(), Some("did you mean `$regex`? (at JSON pointer `/name/$regx`)"));
//! ```
#![forbid(unsafe_code)]

mod error;
pub mod json;

pub use error::{MongoError, MongoErrorKind};
use json::{Json, JsonKind, Key};
use roster_ast::{
    CmpOp, Direction, Expr, ExprKind, Func, Literal, Path, Projection, Quantifier, SortKey, Span, Timestamp,
};

/// One of the three documents of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The query (filter) document.
    Query,
    /// The sort document.
    Sort,
    /// The fields (projection) document.
    Fields,
}

/// The filter, sort and projection of a request's three documents.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Documents {
    /// The filter (`None`: everything).
    pub filter: Option<Expr>,
    /// The sort keys, in the document's order.
    pub sort: Vec<SortKey>,
    /// The projection (`None`: every field).
    pub projection: Option<Projection>,
}

/// Parses a request's `query`, `sort` and `fields` documents; an absent or blank one is no
/// filter, no sort, every field. On failure, says which document the error points into.
///
/// ```
/// use roster_mongo::{Options, Part, parse_documents};
/// let d = parse_documents(Some(r#"{"a": 1}"#), None, Some(" "), &Options::default()).unwrap();
/// assert!(d.filter.is_some() && d.sort.is_empty() && d.projection.is_none());
/// let (part, _) = parse_documents(None, Some("{"), None, &Options::default()).unwrap_err();
/// assert_eq!(part, Part::Sort);
/// ```
pub fn parse_documents(
    query: Option<&str>,
    sort: Option<&str>,
    fields: Option<&str>,
    opts: &Options,
) -> Result<Documents, (Part, MongoError)> {
    fn given(t: Option<&str>) -> Option<&str> {
        t.filter(|t| !t.trim().is_empty())
    }
    Ok(Documents {
        filter: match given(query) {
            Some(t) => parse_query_with(t, opts).map_err(|e| (Part::Query, e))?,
            None => None,
        },
        sort: match given(sort) {
            Some(t) => parse_sort_with(t, opts).map_err(|e| (Part::Sort, e))?,
            None => Vec::new(),
        },
        projection: match given(fields) {
            Some(t) => parse_fields_with(t, opts).map_err(|e| (Part::Fields, e))?,
            None => None,
        },
    })
}

/// Resource limits of one document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// The longest accepted text in bytes (default 64 KiB).
    pub max_len: usize,
    /// The deepest accepted nesting of objects and arrays (default 64).
    pub max_depth: usize,
    /// The primary-key field that an inclusion projection returns unless it is excluded
    /// (MongoDB's `_id` rule); `None` turns the rule off.
    pub id_field: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options { max_len: 64 * 1024, max_depth: 64, id_field: Some("_id".into()) }
    }
}

/// The operators Roster knows, for suggestions.
const KNOWN: &[&str] = &[
    "$eq",
    "$ne",
    "$gt",
    "$gte",
    "$lt",
    "$lte",
    "$in",
    "$nin",
    "$exists",
    "$regex",
    "$options",
    "$size",
    "$type",
    "$all",
    "$elemMatch",
    "$not",
    "$and",
    "$or",
    "$nor",
    "$comment",
];

/// Real MongoDB operators that Roster does not run.
const UNSUPPORTED: &[&str] = &[
    "$expr",
    "$where",
    "$text",
    "$mod",
    "$jsonSchema",
    "$geoWithin",
    "$geoIntersects",
    "$near",
    "$nearSphere",
    "$bitsAllSet",
    "$bitsAnySet",
    "$bitsAllClear",
    "$bitsAnyClear",
    "$slice",
    "$meta",
    "$rand",
    "$sampleRate",
];

/// MongoDB's BSON type aliases with their numeric codes, as `$type` accepts them (`"number"`
/// has no code: any numeric type). The checker decides what each means for Roster's values.
pub const TYPES: &[(&str, Option<i64>)] = &[
    ("double", Some(1)),
    ("string", Some(2)),
    ("object", Some(3)),
    ("array", Some(4)),
    ("binData", Some(5)),
    ("undefined", Some(6)),
    ("objectId", Some(7)),
    ("bool", Some(8)),
    ("date", Some(9)),
    ("null", Some(10)),
    ("regex", Some(11)),
    ("dbPointer", Some(12)),
    ("javascript", Some(13)),
    ("symbol", Some(14)),
    ("javascriptWithScope", Some(15)),
    ("int", Some(16)),
    ("timestamp", Some(17)),
    ("long", Some(18)),
    ("decimal", Some(19)),
    ("minKey", Some(-1)),
    ("maxKey", Some(127)),
    ("number", None),
];

/// The variable that `$elemMatch` binds to one array element.
pub const ELEM: &str = "elem";

/// Parses a `query` document; `{}` (match everything) gives `None`.
pub fn parse_query(text: &str) -> Result<Option<Expr>, MongoError> {
    parse_query_with(text, &Options::default())
}

/// [`parse_query`] with explicit limits.
pub fn parse_query_with(text: &str, opts: &Options) -> Result<Option<Expr>, MongoError> {
    let doc = read(text, opts)?;
    let mut t = Translator { ptr: Vec::new() };
    let JsonKind::Object(members) = &doc.kind else {
        return Err(t.err(&doc, MongoErrorKind::NotADocument { found: doc.describe() }));
    };
    if members.is_empty() {
        return Ok(None);
    }
    t.query_doc(members, doc.span, &[]).map(Some)
}

/// Parses a `fields` projection document; `{}` gives `None` (the default fields).
pub fn parse_fields(text: &str) -> Result<Option<Projection>, MongoError> {
    parse_fields_with(text, &Options::default())
}

/// [`parse_fields`] with explicit options.
pub fn parse_fields_with(text: &str, opts: &Options) -> Result<Option<Projection>, MongoError> {
    let doc = read(text, opts)?;
    let mut t = Translator { ptr: Vec::new() };
    let JsonKind::Object(members) = &doc.kind else {
        return Err(t.err(&doc, MongoErrorKind::NotADocument { found: doc.describe() }));
    };
    if members.is_empty() {
        return Ok(None);
    }
    let id = opts.id_field.as_deref();
    let (mut include, mut exclude) = (Vec::new(), Vec::new());
    let mut id_rule: Option<bool> = None;
    for (key, v) in members {
        t.ptr.push(key.name.clone());
        let on = match v.kind {
            JsonKind::Bool(b) => b,
            JsonKind::Int(i) => i != 0,
            JsonKind::Float(x) => x != 0.0,
            _ => {
                return Err(t.err(
                    v,
                    MongoErrorKind::InvalidValue {
                        message: format!("a projection value must be 1 or 0 (or true/false), found {}", v.describe()),
                    },
                ));
            }
        };
        let path = t.path(key, &[])?;
        if Some(key.name.as_str()) == id {
            id_rule = Some(on);
        } else if on {
            if !exclude.is_empty() {
                return Err(t.err_span(key.span, MongoErrorKind::MixedProjection));
            }
            include.push(path);
        } else {
            if !include.is_empty() {
                return Err(t.err_span(key.span, MongoErrorKind::MixedProjection));
            }
            exclude.push(path);
        }
        t.ptr.pop();
    }
    let all: Vec<&Path> = include.iter().chain(exclude.iter()).collect();
    for (i, a) in all.iter().enumerate() {
        for b in &all[..i] {
            let (short, long) = if a.segments.len() <= b.segments.len() { (a, b) } else { (b, a) };
            if long.segments.starts_with(&short.segments) {
                return Err(MongoError {
                    kind: MongoErrorKind::PathCollision { path: a.joined("."), with: b.joined(".") },
                    span: a.span,
                    pointer: json::pointer(&[a.joined(".")]),
                });
            }
        }
    }
    let id_path = |span| id.map(|name| Path::single(name, span));
    Ok(Some(if !include.is_empty() || (exclude.is_empty() && id_rule == Some(true)) {
        // Inclusion: the id comes along unless excluded.
        if id_rule != Some(false)
            && let Some(p) = id_path(Span::new(doc.span.start, doc.span.start))
        {
            include.insert(0, p);
        }
        Projection::Include(include)
    } else {
        if id_rule == Some(false)
            && let Some(p) = id_path(Span::new(doc.span.start, doc.span.start))
        {
            exclude.push(p);
        }
        Projection::Exclude(exclude)
    }))
}

/// Parses a `sort` document: keys in order, values `1` (ascending) or `-1` (descending).
pub fn parse_sort(text: &str) -> Result<Vec<SortKey>, MongoError> {
    parse_sort_with(text, &Options::default())
}

/// [`parse_sort`] with explicit limits.
pub fn parse_sort_with(text: &str, opts: &Options) -> Result<Vec<SortKey>, MongoError> {
    let doc = read(text, opts)?;
    let mut t = Translator { ptr: Vec::new() };
    let JsonKind::Object(members) = &doc.kind else {
        return Err(t.err(&doc, MongoErrorKind::NotADocument { found: doc.describe() }));
    };
    let mut keys = Vec::with_capacity(members.len());
    for (key, v) in members {
        t.ptr.push(key.name.clone());
        let direction = match v.kind {
            JsonKind::Int(1) => Direction::Asc,
            JsonKind::Int(-1) => Direction::Desc,
            _ => {
                return Err(t.err(
                    v,
                    MongoErrorKind::InvalidValue {
                        message: "a sort direction must be 1 (ascending) or -1 (descending)".into(),
                    },
                ));
            }
        };
        let path = t.path(key, &[])?;
        keys.push(SortKey { path, direction, span: key.span.to(v.span) });
        t.ptr.pop();
    }
    Ok(keys)
}

fn read(text: &str, opts: &Options) -> Result<Json, MongoError> {
    let max_len = opts.max_len.min(u32::MAX as usize);
    if text.len() > max_len {
        return Err(MongoError {
            kind: MongoErrorKind::TooLong { len: text.len(), max_len },
            span: Span::new(max_len as u32, text.len().min(u32::MAX as usize) as u32),
            pointer: String::new(),
        });
    }
    json::parse(text, opts.max_depth)
}

struct Translator {
    ptr: Vec<String>,
}

fn node(kind: ExprKind, span: Span) -> Expr {
    Expr::new(kind, span)
}

fn and_of(mut parts: Vec<Expr>, span: Span) -> Expr {
    match parts.len() {
        0 => Expr::literal(Literal::Bool(true), span),
        1 => parts.pop().unwrap_or_else(|| Expr::literal(Literal::Bool(true), span)),
        _ => node(ExprKind::And { operands: parts }, span),
    }
}

impl Translator {
    fn err(&self, at: &Json, kind: MongoErrorKind) -> MongoError {
        self.err_span(at.span, kind)
    }

    fn err_span(&self, span: Span, kind: MongoErrorKind) -> MongoError {
        MongoError { kind, span, pointer: json::pointer(&self.ptr) }
    }

    /// A dotted key as a path, under `prefix` (the `$elemMatch` variable).
    fn path(&self, key: &Key, prefix: &[&str]) -> Result<Path, MongoError> {
        let inner = Span::new(key.span.start + 1, key.span.end.saturating_sub(1).max(key.span.start + 1));
        if key.name.split('.').any(str::is_empty) {
            return Err(self.err_span(
                key.span,
                MongoErrorKind::InvalidValue { message: format!("`{}` is not a field path: empty segment", key.name) },
            ));
        }
        let segments = prefix.iter().map(|s| (*s).to_owned()).chain(key.name.split('.').map(str::to_owned)).collect();
        Ok(Path { segments, span: inner })
    }

    fn literal(&self, v: &Json) -> Result<Literal, MongoError> {
        Ok(match &v.kind {
            JsonKind::Null => Literal::Null,
            JsonKind::Bool(b) => Literal::Bool(*b),
            JsonKind::Int(i) => Literal::Int(*i),
            JsonKind::Float(x) => Literal::Float(*x),
            JsonKind::String(s) => Literal::String(s.clone()),
            JsonKind::Object(m) if m.len() == 1 && m[0].0.name == "$date" => match &m[0].1.kind {
                JsonKind::String(s) => match Timestamp::parse(s) {
                    Ok(t) => Literal::DateTime(t),
                    Err(e) => {
                        return Err(self.err(
                            &m[0].1,
                            MongoErrorKind::InvalidValue {
                                message: format!("`{s}` is not an ISO 8601 date: expected {}", e.expected),
                            },
                        ));
                    }
                },
                _ => {
                    return Err(self.err(
                        &m[0].1,
                        MongoErrorKind::InvalidValue { message: "`$date` takes an ISO 8601 string".into() },
                    ));
                }
            },
            JsonKind::Object(_) => {
                return Err(self.err(v, MongoErrorKind::InvalidValue {
                    message: "comparing with a whole embedded document is not supported; use dotted paths (`emails.address`) or operators".into(),
                }));
            }
            JsonKind::Array(_) => {
                return Err(self.err(
                    v,
                    MongoErrorKind::InvalidValue {
                        message: "a whole array is compared only by equality (`{\"roles\": [..]}`, `$eq`, `$ne`, `$in`, `$nin`); use `$elemMatch` or `$all`"
                            .into(),
                    },
                ));
            }
        })
    }

    /// A query document: the conjunction of its members.
    fn query_doc(&mut self, members: &[(Key, Json)], span: Span, prefix: &[&str]) -> Result<Expr, MongoError> {
        let mut parts = Vec::with_capacity(members.len());
        for (key, v) in members {
            self.ptr.push(key.name.clone());
            if key.name.starts_with('$') {
                if let Some(e) = self.top_operator(key, v, prefix)? {
                    parts.push(e);
                }
            } else {
                let path = self.path(key, prefix)?;
                parts.push(self.field_condition(path, key, v)?);
            }
            self.ptr.pop();
        }
        Ok(and_of(parts, span))
    }

    fn top_operator(&mut self, key: &Key, v: &Json, prefix: &[&str]) -> Result<Option<Expr>, MongoError> {
        let span = key.span.to(v.span);
        match key.name.as_str() {
            "$and" | "$or" | "$nor" => {
                let JsonKind::Array(items) = &v.kind else {
                    return Err(self.err(
                        v,
                        MongoErrorKind::InvalidValue {
                            message: format!(
                                "`{}` takes a non-empty array of query documents, found {}",
                                key.name,
                                v.describe()
                            ),
                        },
                    ));
                };
                if items.is_empty() {
                    return Err(self.err(
                        v,
                        MongoErrorKind::InvalidValue {
                            message: format!("`{}` takes a non-empty array; `[]` matches nothing meaningful", key.name),
                        },
                    ));
                }
                let mut operands = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    self.ptr.push(i.to_string());
                    let JsonKind::Object(m) = &item.kind else {
                        return Err(self.err(item, MongoErrorKind::NotADocument { found: item.describe() }));
                    };
                    operands.push(self.query_doc(m, item.span, prefix)?);
                    self.ptr.pop();
                }
                let combined = match (key.name.as_str(), operands.len()) {
                    ("$and", 1) | ("$or", 1) => {
                        operands.pop().unwrap_or_else(|| Expr::literal(Literal::Bool(true), span))
                    }
                    ("$and", _) => node(ExprKind::And { operands }, span),
                    ("$or", _) => node(ExprKind::Or { operands }, span),
                    (_, 1) => node(
                        ExprKind::Not {
                            operand: Box::new(
                                operands.pop().unwrap_or_else(|| Expr::literal(Literal::Bool(false), span)),
                            ),
                        },
                        span,
                    ),
                    _ => node(ExprKind::Not { operand: Box::new(node(ExprKind::Or { operands }, span)) }, span),
                };
                Ok(Some(combined))
            }
            "$comment" => Ok(None),
            _ => Err(self.unknown(key)),
        }
    }

    fn unknown(&self, key: &Key) -> MongoError {
        if UNSUPPORTED.contains(&key.name.as_str()) {
            return self.err_span(key.span, MongoErrorKind::UnsupportedOperator { op: key.name.clone() });
        }
        let suggestion = KNOWN.iter().copied().find(|k| close(k, &key.name));
        self.err_span(key.span, MongoErrorKind::UnknownOperator { op: key.name.clone(), suggestion })
    }

    /// The condition on one field: an operator document or an implicit equality.
    fn field_condition(&mut self, path: Path, key: &Key, v: &Json) -> Result<Expr, MongoError> {
        match &v.kind {
            JsonKind::Object(m) if m.first().is_some_and(|(k, _)| k.name.starts_with('$') && k.name != "$date") => {
                if let Some((k, _)) = m.iter().find(|(k, _)| !k.name.starts_with('$')) {
                    return Err(self.err_span(k.span, MongoErrorKind::MixedOperatorDocument));
                }
                self.operators(&path, m, v.span)
            }
            _ => {
                let value = self.value(v)?;
                Ok(self.compare_expr(CmpOp::Eq, &path, value, key.span.to(v.span)))
            }
        }
    }

    /// An operand of equality and `$in`: a literal, or an array of literals (whole-array
    /// equality) as [`ExprKind::Array`].
    fn value(&mut self, v: &Json) -> Result<Expr, MongoError> {
        let JsonKind::Array(items) = &v.kind else {
            return Ok(Expr::literal(self.literal(v)?, v.span));
        };
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            self.ptr.push(i.to_string());
            let nested = match &item.kind {
                JsonKind::Array(_) => {
                    Some("an array nested in an array is not supported: no field holds nested arrays")
                }
                JsonKind::Object(m) if !(m.len() == 1 && m[0].0.name == "$date") => Some(
                    "comparing with an array of embedded documents is not supported; use `$size`, `$elemMatch` or dotted paths (`emails.address`)",
                ),
                _ => None,
            };
            if let Some(message) = nested {
                return Err(self.err(item, MongoErrorKind::InvalidValue { message: message.into() }));
            }
            out.push(Expr::literal(self.literal(item)?, item.span));
            self.ptr.pop();
        }
        Ok(node(ExprKind::Array { items: out }, v.span))
    }

    fn compare(&self, op: CmpOp, path: &Path, value: Literal, span: Span, value_span: Span) -> Expr {
        self.compare_expr(op, path, Expr::literal(value, value_span), span)
    }

    fn compare_expr(&self, op: CmpOp, path: &Path, value: Expr, span: Span) -> Expr {
        node(ExprKind::Compare { op, lhs: Box::new(Expr::path(path.clone())), rhs: Box::new(value) }, span)
    }

    /// An operator document `{"$gt": 1, "$lt": 5}` on `path`: the conjunction of its
    /// operators.
    fn operators(&mut self, path: &Path, members: &[(Key, Json)], span: Span) -> Result<Expr, MongoError> {
        let mut parts = Vec::with_capacity(members.len());
        let options = members.iter().find(|(k, _)| k.name == "$options");
        let has_regex = members.iter().any(|(k, _)| k.name == "$regex");
        for (key, v) in members {
            self.ptr.push(key.name.clone());
            // A condition's span runs from its field to its value, so it covers its children.
            let op_span = path.span.to(key.span).to(v.span);
            let cmp = match key.name.as_str() {
                "$eq" => Some(CmpOp::Eq),
                "$ne" => Some(CmpOp::Ne),
                "$gt" => Some(CmpOp::Gt),
                "$gte" => Some(CmpOp::Ge),
                "$lt" => Some(CmpOp::Lt),
                "$lte" => Some(CmpOp::Le),
                _ => None,
            };
            if let Some(op) = cmp {
                // `$eq`/`$ne` with an array: whole-array equality.
                let value = if matches!(op, CmpOp::Eq | CmpOp::Ne) {
                    self.value(v)?
                } else {
                    Expr::literal(self.literal(v)?, v.span)
                };
                parts.push(self.compare_expr(op, path, value, op_span));
                self.ptr.pop();
                continue;
            }
            match key.name.as_str() {
                "$in" | "$nin" => {
                    let JsonKind::Array(items) = &v.kind else {
                        return Err(self.err(
                            v,
                            MongoErrorKind::InvalidValue {
                                message: format!("`{}` takes an array, found {}", key.name, v.describe()),
                            },
                        ));
                    };
                    let mut list = Vec::with_capacity(items.len());
                    for (i, item) in items.iter().enumerate() {
                        self.ptr.push(i.to_string());
                        list.push(self.value(item)?);
                        self.ptr.pop();
                    }
                    let inn = node(ExprKind::In { lhs: Box::new(Expr::path(path.clone())), list }, op_span);
                    parts.push(if key.name == "$in" {
                        inn
                    } else {
                        node(ExprKind::Not { operand: Box::new(inn) }, op_span)
                    });
                }
                "$exists" => {
                    let exists = match v.kind {
                        JsonKind::Bool(b) => b,
                        JsonKind::Int(i) => i != 0,
                        _ => {
                            return Err(self.err(
                                v,
                                MongoErrorKind::InvalidValue {
                                    message: format!("`$exists` takes true or false, found {}", v.describe()),
                                },
                            ));
                        }
                    };
                    parts.push(node(ExprKind::Exists { path: path.clone(), exists }, op_span));
                }
                "$regex" => {
                    let JsonKind::String(pattern) = &v.kind else {
                        return Err(self.err(
                            v,
                            MongoErrorKind::InvalidValue {
                                message: format!("`$regex` takes a string, found {}", v.describe()),
                            },
                        ));
                    };
                    let flags = match options {
                        None => String::new(),
                        Some((ok, ov)) => match &ov.kind {
                            JsonKind::String(f) if f.chars().all(|c| matches!(c, 'i' | 'm' | 's' | 'x')) => {
                                let mut fl: Vec<char> = f.chars().collect();
                                fl.sort_unstable();
                                fl.dedup();
                                fl.into_iter().collect()
                            }
                            _ => {
                                self.ptr.pop();
                                self.ptr.push(ok.name.clone());
                                return Err(self.err(
                                    ov,
                                    MongoErrorKind::InvalidValue {
                                        message: "`$options` takes a string of the flags i, m, s and x".into(),
                                    },
                                ));
                            }
                        },
                    };
                    parts.push(node(
                        ExprKind::Regex { target: Box::new(Expr::path(path.clone())), pattern: pattern.clone(), flags },
                        op_span,
                    ));
                }
                "$options" => {
                    if !has_regex {
                        return Err(self.err_span(
                            key.span,
                            MongoErrorKind::InvalidValue { message: "`$options` needs a `$regex` beside it".into() },
                        ));
                    }
                }
                "$size" => {
                    let n = match v.kind {
                        JsonKind::Int(n) if n >= 0 => n,
                        _ => {
                            return Err(self.err(
                                v,
                                MongoErrorKind::InvalidValue {
                                    message: format!("`$size` takes a non-negative integer, found {}", v.describe()),
                                },
                            ));
                        }
                    };
                    let len = node(
                        ExprKind::Call { func: Func::Length, args: vec![Expr::path(path.clone())] },
                        path.span.to(key.span),
                    );
                    parts.push(node(
                        ExprKind::Compare {
                            op: CmpOp::Eq,
                            lhs: Box::new(len),
                            rhs: Box::new(Expr::literal(Literal::Int(n), v.span)),
                        },
                        op_span,
                    ));
                }
                "$type" => {
                    let items: Vec<&Json> = match &v.kind {
                        JsonKind::Array(items) => items.iter().collect(),
                        _ => vec![v],
                    };
                    if items.is_empty() {
                        return Err(self.err(
                            v,
                            MongoErrorKind::InvalidValue {
                                message: "`$type` takes a type name, a type code or a non-empty array of them".into(),
                            },
                        ));
                    }
                    let array = matches!(v.kind, JsonKind::Array(_));
                    let mut each = Vec::with_capacity(items.len());
                    for (i, item) in items.iter().enumerate() {
                        if array {
                            self.ptr.push(i.to_string());
                        }
                        let name = self.type_name(item)?;
                        let test = node(
                            ExprKind::Call {
                                func: Func::IsOf,
                                args: vec![
                                    Expr::path(path.clone()),
                                    Expr::literal(Literal::String(name.to_owned()), item.span),
                                ],
                            },
                            path.span.to(item.span),
                        );
                        each.push(test);
                        if array {
                            self.ptr.pop();
                        }
                    }
                    parts.push(match each.len() {
                        1 => each.pop().unwrap_or_else(|| Expr::literal(Literal::Bool(false), op_span)),
                        _ => node(ExprKind::Or { operands: each }, op_span),
                    });
                }
                "$all" => {
                    let JsonKind::Array(items) = &v.kind else {
                        return Err(self.err(
                            v,
                            MongoErrorKind::InvalidValue {
                                message: format!("`$all` takes an array, found {}", v.describe()),
                            },
                        ));
                    };
                    if items.is_empty() {
                        // MongoDB: `$all: []` matches no document.
                        parts.push(Expr::literal(Literal::Bool(false), op_span));
                    } else {
                        let mut each = Vec::with_capacity(items.len());
                        for (i, item) in items.iter().enumerate() {
                            self.ptr.push(i.to_string());
                            let value = self.literal(item)?;
                            each.push(self.compare(CmpOp::Eq, path, value, path.span.to(item.span), item.span));
                            self.ptr.pop();
                        }
                        parts.push(and_of(each, op_span));
                    }
                }
                "$elemMatch" => {
                    let JsonKind::Object(m) = &v.kind else {
                        return Err(self.err(
                            v,
                            MongoErrorKind::InvalidValue {
                                message: format!("`$elemMatch` takes a query document, found {}", v.describe()),
                            },
                        ));
                    };
                    if m.is_empty() {
                        return Err(self.err(
                            v,
                            MongoErrorKind::InvalidValue {
                                message: "`$elemMatch` takes a non-empty query document".into(),
                            },
                        ));
                    }
                    let predicate =
                        if m[0].0.name.starts_with('$') && !matches!(m[0].0.name.as_str(), "$and" | "$or" | "$nor") {
                            if let Some((k, _)) = m.iter().find(|(k, _)| !k.name.starts_with('$')) {
                                return Err(self.err_span(k.span, MongoErrorKind::MixedOperatorDocument));
                            }
                            // The element variable stands at the start of the `$elemMatch` document.
                            let elem = Path::single(ELEM, Span::new(v.span.start, v.span.start));
                            self.operators(&elem, m, v.span)?
                        } else {
                            self.query_doc(m, v.span, &[ELEM])?
                        };
                    parts.push(node(
                        ExprKind::Quantified {
                            quantifier: Quantifier::Any,
                            path: path.clone(),
                            var: ELEM.into(),
                            predicate: Box::new(predicate),
                        },
                        op_span,
                    ));
                }
                "$not" => {
                    let JsonKind::Object(m) = &v.kind else {
                        return Err(self.err(
                            v,
                            MongoErrorKind::InvalidValue {
                                message: format!(
                                    "`$not` takes an operator document such as {{\"$gt\": 5}}, found {}",
                                    v.describe()
                                ),
                            },
                        ));
                    };
                    if m.is_empty() || m.iter().any(|(k, _)| !k.name.starts_with('$')) {
                        return Err(self.err(
                            v,
                            MongoErrorKind::InvalidValue {
                                message: "`$not` takes a non-empty operator document such as {\"$gt\": 5}".into(),
                            },
                        ));
                    }
                    let inner = self.operators(path, m, v.span)?;
                    parts.push(node(ExprKind::Not { operand: Box::new(inner) }, op_span));
                }
                _ => return Err(self.unknown(key)),
            }
            self.ptr.pop();
        }
        Ok(and_of(parts, path.span.to(span)))
    }
}

impl Translator {
    /// A `$type` operand as its canonical alias: a name of [`TYPES`] or its numeric code.
    fn type_name(&self, v: &Json) -> Result<&'static str, MongoError> {
        let code = match v.kind {
            JsonKind::Int(i) => Some(i),
            JsonKind::Float(x) if x.fract() == 0.0 && x.abs() < 1e9 => Some(x as i64),
            _ => None,
        };
        let found = match (&v.kind, code) {
            (JsonKind::String(s), _) => match TYPES.iter().find(|(n, _)| n == s) {
                Some((n, _)) => return Ok(n),
                None => s.clone(),
            },
            (_, Some(c)) => match TYPES.iter().find(|(_, k)| *k == Some(c)) {
                Some((n, _)) => return Ok(n),
                None => c.to_string(),
            },
            _ => {
                return Err(self.err(
                    v,
                    MongoErrorKind::InvalidValue {
                        message: format!("`$type` takes a type name or code, found {}", v.describe()),
                    },
                ));
            }
        };
        let suggestion = TYPES.iter().map(|(n, _)| *n).find(|n| close(n, &found));
        Err(self.err(v, MongoErrorKind::UnknownType { found, suggestion }))
    }
}

/// Whether two operator names are one edit apart (ASCII, case-insensitive).
fn close(a: &str, b: &str) -> bool {
    let (a, b): (Vec<char>, Vec<char>) =
        (a.chars().map(|c| c.to_ascii_lowercase()).collect(), b.chars().map(|c| c.to_ascii_lowercase()).collect());
    if a == b {
        return true;
    }
    let (short, long) = if a.len() <= b.len() { (&a, &b) } else { (&b, &a) };
    match long.len() - short.len() {
        0 => a.iter().zip(&b).filter(|(x, y)| x != y).count() == 1,
        1 => (0..long.len())
            .any(|skip| long.iter().enumerate().filter(|(i, _)| *i != skip).map(|(_, c)| c).eq(short.iter())),
        _ => false,
    }
}

#[cfg(test)]
mod tests;
