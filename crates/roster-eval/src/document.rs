//! In-memory evaluation of [`DocQuery`]s (document profiles, MongoDB's semantics) over a
//! slice of [`Doc`]s: the reference implementation of the rules in
//! [`roster_check::document`], which the SQL compiler must agree with.
//!
//! Documents are evaluated one at a time against the predicate tree: a path's values are
//! the field's atom, an array's elements, every element's member, or a map key's value, and
//! a test is true when some value passes it. Regular expressions run on the `regex` crate
//! (linear time, with a compiled-size limit). Sorting computes one key per document and sort
//! key (the smallest array element ascending, the largest descending, an element lacking
//! the member counting as null; an empty array before missing, missing before every value,
//! values by MongoDB's bracket order), then sorts
//! stably; `_id` ends every sort, so the order is total.
//!
//! This walk is the reference. Repeated queries over the same documents take the fast path:
//! a [`DocTable`] built once at load, then [`DocPlan::count_in`] and [`DocPlan::run_in`]
//! (columns, bound key tests, top-k; `document_table.rs`), with the same answers (the
//! workspace test `chat_fast_path` and every chat test hold them equal).
//!
//! ```
//! use roster_ast::Query;
//! use roster_schema::profiles::chat;
//! let schema = chat::schema();
//! let docs: Vec<_> = chat::generate(500, 1).collect();
//! let filter = roster_mongo::parse_query(r#"{"roles": "admin", "emails.verified": true}"#).unwrap();
//! let sort = roster_mongo::parse_sort(r#"{"createdAt": -1}"#).unwrap();
//! let q = roster_check::document::check_document(&Query { filter, sort, ..Query::default() }, &schema).unwrap();
//! let plan = roster_eval::document::DocPlan::new(&schema, &q).unwrap();
//! let hits = plan.run(&docs);
//! assert!(!hits.is_empty());
//! ```

use std::cmp::Ordering;

use roster_ast::{CmpOp, Direction};
use roster_check::document::{DocPath, DocPred, DocQuery, DocSortKey, Test, TypeTest};
use roster_schema::document::{Atom, Doc, DocSchema, Slot};

pub use crate::document_table::DocTable;

/// The largest compiled size of one regular expression (bytes of the `regex` crate's
/// automata).
pub const REGEX_SIZE_LIMIT: usize = roster_check::document::MAX_REGEX_COMPILED;

/// Why a query cannot run in memory.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`$regex` {pattern:?}: {message}")]
pub struct DocEvalError {
    /// The pattern.
    pub pattern: String,
    /// What the `regex` crate said (the compiled-size limit, in practice).
    pub message: String,
}

/// A predicate with its regular expressions compiled.
#[derive(Debug, Clone)]
pub(crate) enum Node {
    Const(bool),
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
    Any(DocPath, Leaf),
    Null(DocPath),
    Exists(DocPath),
    Size(usize, u64),
    ArrayEq(usize, Vec<Atom>),
    ElemMatch(usize, Box<Node>),
}

#[derive(Debug, Clone)]
pub(crate) enum Leaf {
    Eq(Atom),
    Cmp(CmpOp, Atom),
    In(Vec<Atom>),
    Regex(regex::Regex),
    Type(TypeTest),
}

/// A compiled document query.
#[derive(Debug, Clone)]
pub struct DocPlan {
    pub(crate) filter: Node,
    pub(crate) sort: Vec<DocSortKey>,
    pub(crate) limit: Option<u64>,
    pub(crate) offset: u64,
}

/// One element of an array, inside `$elemMatch`.
#[derive(Clone, Copy)]
pub(crate) enum Elem<'a> {
    Scalar(&'a Atom),
    Object(&'a [Option<Atom>]),
}

fn compile(p: &DocPred) -> Result<Node, DocEvalError> {
    Ok(match p {
        DocPred::Const(b) => Node::Const(*b),
        DocPred::And(v) => Node::And(v.iter().map(compile).collect::<Result<_, _>>()?),
        DocPred::Or(v) => Node::Or(v.iter().map(compile).collect::<Result<_, _>>()?),
        DocPred::Not(inner) => Node::Not(Box::new(compile(inner)?)),
        DocPred::Any { path, test } => Node::Any(
            path.clone(),
            match test {
                Test::Eq(a) => Leaf::Eq(a.clone()),
                Test::Cmp(op, a) => Leaf::Cmp(*op, a.clone()),
                Test::In(v) => Leaf::In(v.clone()),
                Test::Type(t) => Leaf::Type(*t),
                Test::Regex(pattern) => Leaf::Regex(
                    regex::RegexBuilder::new(&pattern.source)
                        .size_limit(REGEX_SIZE_LIMIT)
                        .build()
                        .map_err(|e| DocEvalError { pattern: pattern.source.clone(), message: e.to_string() })?,
                ),
            },
        ),
        DocPred::Null(p) => Node::Null(p.clone()),
        DocPred::Exists(p) => Node::Exists(p.clone()),
        DocPred::Size { field, len } => Node::Size(*field, *len),
        DocPred::ArrayEq { field, items } => Node::ArrayEq(*field, items.clone()),
        DocPred::ElemMatch { field, pred } => Node::ElemMatch(*field, Box::new(compile(pred)?)),
    })
}

/// Whether `x` equals `a` in MongoDB's sense (same bracket, same value).
pub fn atom_eq(x: &Atom, a: &Atom) -> bool {
    x.cmp_within(a) == Some(Ordering::Equal)
}

impl Leaf {
    fn test(&self, x: &Atom) -> bool {
        match self {
            Leaf::Eq(a) => atom_eq(x, a),
            Leaf::Cmp(op, a) => match x.cmp_within(a) {
                Some(o) => match op {
                    CmpOp::Gt => o == Ordering::Greater,
                    CmpOp::Ge => o != Ordering::Less,
                    CmpOp::Lt => o == Ordering::Less,
                    CmpOp::Le => o != Ordering::Greater,
                    CmpOp::Eq => o == Ordering::Equal,
                    CmpOp::Ne => o != Ordering::Equal,
                },
                None => false,
            },
            Leaf::In(list) => list.iter().any(|a| atom_eq(x, a)),
            Leaf::Regex(re) => matches!(x, Atom::Str(s) if re.is_match(s)),
            Leaf::Type(t) => t.matches(x),
        }
    }
}

fn map_get<'a>(entries: &'a [(String, Atom)], key: &str) -> Option<&'a Atom> {
    entries.iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

/// Whether some value at `path` satisfies `f`.
fn any_value(doc: &Doc, elem: Option<Elem<'_>>, path: &DocPath, f: &dyn Fn(&Atom) -> bool) -> bool {
    match path {
        DocPath::Field(i) => match doc.0.get(*i) {
            Some(Slot::Atom(a)) => f(a),
            Some(Slot::Array(items)) => items.iter().any(f),
            _ => false,
        },
        DocPath::Member(i, j) => match doc.0.get(*i) {
            Some(Slot::Objects(items)) => items.iter().any(|o| member(o, *j).is_some_and(f)),
            _ => false,
        },
        DocPath::Key(i, k) => match doc.0.get(*i) {
            Some(Slot::Map(m)) => map_get(m, k).is_some_and(f),
            _ => false,
        },
        DocPath::Elem(m) => match (elem, m) {
            (Some(Elem::Scalar(a)), None) => f(a),
            (Some(Elem::Object(o)), Some(j)) => member(o, *j).is_some_and(f),
            _ => false,
        },
    }
}

/// An element's member, `None` when the element lacks it.
fn member(o: &[Option<Atom>], j: usize) -> Option<&Atom> {
    o.get(j).and_then(Option::as_ref)
}

fn is_null(doc: &Doc, elem: Option<Elem<'_>>, path: &DocPath) -> bool {
    match path {
        DocPath::Field(i) => matches!(doc.0.get(*i), Some(Slot::Missing) | None),
        // Missing, or some element lacks the member (an empty array has no such element).
        DocPath::Member(i, j) => match doc.0.get(*i) {
            Some(Slot::Objects(items)) => items.iter().any(|o| member(o, *j).is_none()),
            Some(Slot::Missing) | None => true,
            _ => false,
        },
        DocPath::Key(i, k) => match doc.0.get(*i) {
            Some(Slot::Map(m)) => map_get(m, k).is_none(),
            _ => true,
        },
        DocPath::Elem(m) => match (elem, m) {
            (Some(Elem::Object(o)), Some(j)) => member(o, *j).is_none(),
            _ => false,
        },
    }
}

fn exists(doc: &Doc, elem: Option<Elem<'_>>, path: &DocPath) -> bool {
    match path {
        DocPath::Member(i, j) => {
            matches!(doc.0.get(*i), Some(Slot::Objects(items)) if items.iter().any(|o| member(o, *j).is_some()))
        }
        p => !is_null(doc, elem, p),
    }
}

pub(crate) fn eval(node: &Node, doc: &Doc, elem: Option<Elem<'_>>) -> bool {
    match node {
        Node::Const(b) => *b,
        Node::And(v) => v.iter().all(|n| eval(n, doc, elem)),
        Node::Or(v) => v.iter().any(|n| eval(n, doc, elem)),
        Node::Not(n) => !eval(n, doc, elem),
        Node::Any(path, leaf) => any_value(doc, elem, path, &|x| leaf.test(x)),
        Node::Null(path) => is_null(doc, elem, path),
        Node::Exists(path) => exists(doc, elem, path),
        Node::Size(i, len) => match doc.0.get(*i) {
            Some(Slot::Array(items)) => items.len() as u64 == *len,
            Some(Slot::Objects(items)) => items.len() as u64 == *len,
            _ => false,
        },
        Node::ArrayEq(i, want) => match doc.0.get(*i) {
            Some(Slot::Array(items)) => items.len() == want.len() && items.iter().zip(want).all(|(x, a)| atom_eq(x, a)),
            _ => false,
        },
        Node::ElemMatch(i, inner) => match doc.0.get(*i) {
            Some(Slot::Array(items)) => items.iter().any(|a| eval(inner, doc, Some(Elem::Scalar(a)))),
            Some(Slot::Objects(items)) => items.iter().any(|o| eval(inner, doc, Some(Elem::Object(o)))),
            _ => false,
        },
    }
}

/// A document's sort key for one path: an empty array sorts before missing, missing before
/// every value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SortValue<'a> {
    /// An empty array (or an empty array of objects, for a member path).
    EmptyArray,
    /// Missing or null.
    Missing,
    /// A value.
    Value(&'a Atom),
}

impl SortValue<'_> {
    /// MongoDB's sort order.
    pub fn mongo_cmp(&self, other: &SortValue<'_>) -> Ordering {
        let rank = |v: &SortValue<'_>| match v {
            SortValue::EmptyArray => 0,
            SortValue::Missing => 1,
            SortValue::Value(_) => 2,
        };
        match (self, other) {
            (SortValue::Value(a), SortValue::Value(b)) => a.sort_cmp(b),
            _ => rank(self).cmp(&rank(other)),
        }
    }
}

/// The sort key of `doc` for `key`: the smallest value ascending, the largest descending.
pub fn sort_value<'a>(doc: &'a Doc, key: &DocSortKey) -> SortValue<'a> {
    let pick = |mut it: Box<dyn Iterator<Item = &'a Atom> + 'a>| -> SortValue<'a> {
        let Some(first) = it.next() else {
            return SortValue::EmptyArray;
        };
        let best = it.fold(first, |best, x| {
            let o = x.sort_cmp(best);
            let better = match key.direction {
                Direction::Asc => o == Ordering::Less,
                Direction::Desc => o == Ordering::Greater,
            };
            if better { x } else { best }
        });
        SortValue::Value(best)
    };
    match &key.path {
        DocPath::Field(i) => match doc.0.get(*i) {
            Some(Slot::Atom(a)) => SortValue::Value(a),
            Some(Slot::Array(items)) => pick(Box::new(items.iter())),
            _ => SortValue::Missing,
        },
        DocPath::Member(i, j) => match doc.0.get(*i) {
            Some(Slot::Objects(items)) => {
                let j = *j;
                let lacking = items.iter().any(|o| member(o, j).is_none());
                match key.direction {
                    // An element without the member contributes null, the smallest key.
                    Direction::Asc if lacking && !items.is_empty() => SortValue::Missing,
                    Direction::Desc if !items.is_empty() && items.iter().all(|o| member(o, j).is_none()) => {
                        SortValue::Missing
                    }
                    _ => pick(Box::new(items.iter().filter_map(move |o| member(o, j)))),
                }
            }
            _ => SortValue::Missing,
        },
        DocPath::Key(i, k) => match doc.0.get(*i) {
            Some(Slot::Map(m)) => map_get(m, k).map_or(SortValue::Missing, SortValue::Value),
            _ => SortValue::Missing,
        },
        DocPath::Elem(_) => SortValue::Missing,
    }
}

impl DocPlan {
    /// Compiles a checked query for `schema` (regular expressions included).
    pub fn new(_schema: &DocSchema, q: &DocQuery) -> Result<DocPlan, DocEvalError> {
        Ok(DocPlan { filter: compile(&q.filter)?, sort: q.sort.clone(), limit: q.limit, offset: q.offset })
    }

    /// Whether one document matches the filter.
    pub fn matches(&self, doc: &Doc) -> bool {
        eval(&self.filter, doc, None)
    }

    /// How many documents match.
    pub fn count(&self, docs: &[Doc]) -> usize {
        docs.iter().filter(|d| self.matches(d)).count()
    }

    /// The indices into `docs` of the page: matching documents, sorted, offset and limited.
    pub fn run(&self, docs: &[Doc]) -> Vec<usize> {
        let mut hits: Vec<(usize, Vec<SortValue<'_>>)> = docs
            .iter()
            .enumerate()
            .filter(|(_, d)| self.matches(d))
            .map(|(i, d)| (i, self.sort.iter().map(|k| sort_value(d, k)).collect()))
            .collect();
        hits.sort_by(|(_, a), (_, b)| {
            for ((x, y), k) in a.iter().zip(b).zip(&self.sort) {
                let o = x.mongo_cmp(y);
                let o = if k.direction == Direction::Desc { o.reverse() } else { o };
                if o != Ordering::Equal {
                    return o;
                }
            }
            Ordering::Equal
        });
        let skip = usize::try_from(self.offset).unwrap_or(usize::MAX);
        let take = self.limit.map_or(usize::MAX, |l| usize::try_from(l).unwrap_or(usize::MAX));
        hits.into_iter().skip(skip).take(take).map(|(i, _)| i).collect()
    }
}
