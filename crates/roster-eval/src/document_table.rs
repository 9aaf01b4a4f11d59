//! The fast path of the document evaluator: a columnar side-structure ([`DocTable`]) built
//! once when documents are loaded, and a [`DocPlan`] bound to it per run, with exactly the
//! answers of the per-document walk in [`crate::document`] (the reference, which the
//! workspace tests hold this path to).
//!
//! - **Columns.** Every top-level field whose slots all fit its schema type gets a column:
//!   a scalar field one value per document, an array of scalars its elements flattened with
//!   per-document offsets, an array of objects its elements' offsets and one value column
//!   per member (with a has-member flag). A value is a `u64` key that orders as MongoDB
//!   orders values within the field's single type bracket: strings are codes into the
//!   column's sorted dictionary of distinct strings (so byte order is code order), dates
//!   their microseconds, numbers their IEEE bits made monotone, booleans 0/1. Maps
//!   (`customFields`, mixed types per key) and any field with a slot of the wrong shape stay
//!   per document.
//! - **Binding.** Per run, each test of the plan becomes a test of keys: `$eq` one key (a
//!   string absent from the dictionary matches nothing), `$gt` and friends a key range,
//!   `$in` a key set, `$regex` a bit set over the dictionary (a `^literal` prefix is a code
//!   range found by binary search; other patterns run once per distinct string, not once per
//!   document), `$type` a constant. What cannot be bound (map keys, `"int"`/`"long"` on
//!   numbers, `$elemMatch` over other paths) runs the reference walk on the candidates only.
//! - **Filter.** 4,096 documents at a time into bit masks: `and` evaluates its parts
//!   cheapest first, each only on the documents still selected; `or` each part only on
//!   those not yet selected; scalar tests are branch-free over the block, array tests visit
//!   the candidates' elements.
//! - **Page.** When the page ends before the last match, the first sort key (encoded with
//!   its rank — empty array < missing < value — and negated when descending) selects the
//!   `offset + limit`-th smallest with `select_nth_unstable`; only the matches up to it
//!   (ties included) get their full keys and are sorted, with the document's position as the
//!   final tie-breaker, which is what the reference's stable sort keeps.

use std::cmp::Ordering;

use roster_ast::{CmpOp, Direction};
use roster_check::document::{DocPath, DocSortKey, TypeTest};
use roster_schema::document::{Atom, Doc, DocSchema, DocType, Scalar, Slot};

use crate::document::{DocPlan, Leaf, Node, SortValue, eval, sort_value};

/// Words of a block's bit masks (64 documents each).
const BLOCK_WORDS: usize = 64;
/// Documents per block.
const BLOCK: usize = BLOCK_WORDS * 64;

/// The distinct strings of one column, sorted by bytes: a string's key is its position.
#[derive(Debug, Clone, Default)]
struct Dict(Vec<String>);

impl Dict {
    fn code(&self, s: &str) -> Option<u64> {
        self.0.binary_search_by(|d| d.as_str().cmp(s)).ok().map(|c| c as u64)
    }

    /// How many strings sort before `s` (`or_equal`: before or equal to it).
    fn rank(&self, s: &str, or_equal: bool) -> u64 {
        (if or_equal {
            self.0.partition_point(|d| d.as_str() <= s)
        } else {
            self.0.partition_point(|d| d.as_str() < s)
        }) as u64
    }

    fn len(&self) -> u64 {
        self.0.len() as u64
    }
}

/// One value per document (scalar fields) or per element (arrays, members): its key, and
/// whether there is a value at all.
#[derive(Debug, Clone)]
struct Values {
    ty: Scalar,
    dict: Dict,
    keys: Vec<u64>,
    has: Vec<bool>,
}

/// A number's key: monotone in the number (0 and -0 are one key).
fn num_key(x: f64) -> u64 {
    let x = if x == 0.0 { 0.0 } else { x };
    let b = x.to_bits();
    if b >> 63 == 1 { !b } else { b | 1 << 63 }
}

fn time_key(t: i64) -> u64 {
    (t as u64) ^ (1 << 63)
}

fn bracket(ty: Scalar) -> u8 {
    match ty {
        Scalar::Number => 1,
        Scalar::String => 2,
        Scalar::Bool => 3,
        Scalar::Timestamp => 4,
    }
}

impl Values {
    /// `None` when a value is not of type `ty` or is a NaN (which compares with nothing).
    fn build(ty: Scalar, atoms: &[Option<&Atom>]) -> Option<Values> {
        let dict = if ty == Scalar::String {
            let mut v: Vec<&str> = atoms
                .iter()
                .flatten()
                .filter_map(|a| match a {
                    Atom::Str(s) => Some(s.as_str()),
                    _ => None,
                })
                .collect();
            v.sort_unstable();
            v.dedup();
            Dict(v.into_iter().map(str::to_owned).collect())
        } else {
            Dict::default()
        };
        let mut out = Values { ty, dict, keys: Vec::with_capacity(atoms.len()), has: Vec::with_capacity(atoms.len()) };
        for a in atoms {
            match a {
                None => {
                    out.keys.push(0);
                    out.has.push(false);
                }
                Some(a) if a.bracket() == bracket(ty) => {
                    let k = out.key(a)?;
                    out.keys.push(k);
                    out.has.push(true);
                }
                Some(_) => return None,
            }
        }
        Some(out)
    }

    /// The key of a value of this column's bracket; `None` for a string not in the
    /// dictionary, a NaN, or another bracket.
    fn key(&self, a: &Atom) -> Option<u64> {
        match (self.ty, a) {
            (Scalar::String, Atom::Str(s)) => self.dict.code(s),
            (Scalar::Number, Atom::Num(x)) if !x.is_nan() => Some(num_key(*x)),
            (Scalar::Bool, Atom::Bool(b)) => Some(u64::from(*b)),
            (Scalar::Timestamp, Atom::Time(t)) => Some(time_key(t.0)),
            _ => None,
        }
    }
}

/// One field's column.
#[derive(Debug, Clone)]
enum Col {
    /// Evaluated per document (maps; a slot of another shape than the schema's).
    Docs,
    /// A scalar field: one value per document (`has`: present).
    Scalar(Values),
    /// An array of scalars: document `r`'s elements are `elems[starts[r]..starts[r + 1]]`.
    Array { present: Vec<bool>, starts: Vec<usize>, elems: Values },
    /// An array of objects: document `r`'s elements are `starts[r]..starts[r + 1]`, in every
    /// member's values.
    Objects { present: Vec<bool>, starts: Vec<usize>, members: Vec<Values> },
}

static MISSING: Slot = Slot::Missing;

fn slot(doc: &Doc, i: usize) -> &Slot {
    doc.0.get(i).unwrap_or(&MISSING)
}

fn build_col(docs: &[Doc], i: usize, ty: &DocType) -> Option<Col> {
    match ty {
        DocType::Scalar(ty) => {
            let atoms = docs
                .iter()
                .map(|d| match slot(d, i) {
                    Slot::Missing => Some(None),
                    Slot::Atom(a) => Some(Some(a)),
                    _ => None,
                })
                .collect::<Option<Vec<_>>>()?;
            Some(Col::Scalar(Values::build(*ty, &atoms)?))
        }
        DocType::Array(ty) => {
            let (mut present, mut starts, mut atoms) = (Vec::with_capacity(docs.len()), vec![0], Vec::new());
            for d in docs {
                match slot(d, i) {
                    Slot::Missing => present.push(false),
                    Slot::Array(items) => {
                        present.push(true);
                        atoms.extend(items.iter().map(Some));
                    }
                    _ => return None,
                }
                starts.push(atoms.len());
            }
            Some(Col::Array { present, starts, elems: Values::build(*ty, &atoms)? })
        }
        DocType::Objects(members) => {
            let (mut present, mut starts) = (Vec::with_capacity(docs.len()), vec![0]);
            let mut atoms: Vec<Vec<Option<&Atom>>> = vec![Vec::new(); members.len()];
            for d in docs {
                match slot(d, i) {
                    Slot::Missing => present.push(false),
                    Slot::Objects(items) => {
                        present.push(true);
                        for item in items {
                            if item.len() != members.len() {
                                return None;
                            }
                            for (col, v) in atoms.iter_mut().zip(item) {
                                col.push(v.as_ref());
                            }
                        }
                    }
                    _ => return None,
                }
                starts.push(starts.last().copied().unwrap_or(0) + slot_len(slot(d, i)));
            }
            let members = members.iter().zip(&atoms).map(|(m, a)| Values::build(m.ty, a)).collect::<Option<_>>()?;
            Some(Col::Objects { present, starts, members })
        }
        DocType::Map => None,
    }
}

fn slot_len(s: &Slot) -> usize {
    match s {
        Slot::Objects(items) => items.len(),
        _ => 0,
    }
}

/// Documents with a columnar side-structure for the document evaluator's fast path
/// ([`DocPlan::count_in`], [`DocPlan::run_in`]); built once, when the documents are loaded.
///
/// ```
/// use roster_ast::Query;
/// use roster_eval::document::{DocPlan, DocTable};
/// use roster_schema::profiles::chat;
/// let schema = chat::schema();
/// let docs: Vec<_> = chat::generate(500, 1).collect();
/// let filter = roster_mongo::parse_query(r#"{"roles": "admin", "emails.verified": true}"#).unwrap();
/// let sort = roster_mongo::parse_sort(r#"{"createdAt": -1}"#).unwrap();
/// let q = roster_check::document::check_document(&Query { filter, sort, ..Query::default() }, &schema).unwrap();
/// let plan = DocPlan::new(&schema, &q).unwrap();
/// let table = DocTable::new(&schema, docs.clone());
/// assert_eq!(plan.run_in(&table), plan.run(&docs));
/// assert_eq!(plan.count_in(&table), plan.count(&docs));
/// ```
#[derive(Debug, Clone)]
pub struct DocTable {
    docs: Vec<Doc>,
    cols: Vec<Col>,
}

impl DocTable {
    /// Builds the columns of `docs` (documents of `schema`).
    pub fn new(schema: &DocSchema, docs: Vec<Doc>) -> DocTable {
        let cols =
            schema.fields.iter().enumerate().map(|(i, f)| build_col(&docs, i, &f.ty).unwrap_or(Col::Docs)).collect();
        DocTable { docs, cols }
    }

    /// The documents, in load order (the indices [`DocPlan::run_in`] returns).
    pub fn docs(&self) -> &[Doc] {
        &self.docs
    }

    /// The documents, given back.
    pub fn into_docs(self) -> Vec<Doc> {
        self.docs
    }

    fn col(&self, i: usize) -> &Col {
        self.cols.get(i).unwrap_or(&Col::Docs)
    }
}

/// A test of one key.
#[derive(Debug, Clone)]
enum KeyTest {
    Never,
    Always,
    Eq(u64),
    Ne(u64),
    /// Inclusive.
    Range(u64, u64),
    /// Sorted.
    In(Vec<u64>),
    /// A bit per dictionary code.
    Mask(Vec<u64>),
}

impl KeyTest {
    #[inline]
    fn test(&self, k: u64) -> bool {
        match self {
            KeyTest::Never => false,
            KeyTest::Always => true,
            KeyTest::Eq(x) => k == *x,
            KeyTest::Ne(x) => k != *x,
            KeyTest::Range(lo, hi) => *lo <= k && k <= *hi,
            KeyTest::In(v) => v.binary_search(&k).is_ok(),
            KeyTest::Mask(m) => m.get((k / 64) as usize).is_some_and(|w| (w >> (k % 64)) & 1 == 1),
        }
    }

    /// Half-open `[lo, hi)`.
    fn range(lo: u64, hi: u64) -> KeyTest {
        if lo < hi { KeyTest::Range(lo, hi - 1) } else { KeyTest::Never }
    }
}

/// `Some(prefix)` when `pattern` matches exactly the strings starting with `prefix`: `^`
/// then characters that are literal in every context.
fn literal_prefix(pattern: &str) -> Option<&str> {
    let rest = pattern.strip_prefix('^')?;
    rest.bytes().all(|b| b.is_ascii_alphanumeric() || b"_-@ ,:/'\"%&!<>=~`#".contains(&b)).then_some(rest)
}

/// A leaf's test on the keys of `v`; `None` when it cannot be one (`"int"`/`"long"` on
/// numbers depend on the value).
fn bind_leaf(leaf: &Leaf, v: &Values) -> Option<KeyTest> {
    let same = |a: &Atom| a.bracket() == bracket(v.ty);
    Some(match leaf {
        Leaf::Eq(a) => v.key(a).map_or(KeyTest::Never, KeyTest::Eq),
        Leaf::Cmp(_, a) if !same(a) => KeyTest::Never,
        Leaf::Cmp(op, a) => match (v.ty, a) {
            (Scalar::Number, Atom::Num(x)) if x.is_nan() => KeyTest::Never,
            (Scalar::String, Atom::Str(s)) => {
                let (below, upto, n) = (v.dict.rank(s, false), v.dict.rank(s, true), v.dict.len());
                match op {
                    CmpOp::Gt => KeyTest::range(upto, n),
                    CmpOp::Ge => KeyTest::range(below, n),
                    CmpOp::Lt => KeyTest::range(0, below),
                    CmpOp::Le => KeyTest::range(0, upto),
                    CmpOp::Eq => v.dict.code(s).map_or(KeyTest::Never, KeyTest::Eq),
                    CmpOp::Ne => v.dict.code(s).map_or(KeyTest::Always, KeyTest::Ne),
                }
            }
            _ => {
                let k = v.key(a)?;
                match op {
                    CmpOp::Gt if k == u64::MAX => KeyTest::Never,
                    CmpOp::Gt => KeyTest::Range(k + 1, u64::MAX),
                    CmpOp::Ge => KeyTest::Range(k, u64::MAX),
                    CmpOp::Lt if k == 0 => KeyTest::Never,
                    CmpOp::Lt => KeyTest::Range(0, k - 1),
                    CmpOp::Le => KeyTest::Range(0, k),
                    CmpOp::Eq => KeyTest::Eq(k),
                    CmpOp::Ne => KeyTest::Ne(k),
                }
            }
        },
        Leaf::In(list) => {
            let mut keys: Vec<u64> = list.iter().filter_map(|a| v.key(a)).collect();
            keys.sort_unstable();
            keys.dedup();
            if keys.is_empty() { KeyTest::Never } else { KeyTest::In(keys) }
        }
        Leaf::Regex(_) if v.ty != Scalar::String => KeyTest::Never,
        Leaf::Regex(re) => match literal_prefix(re.as_str()) {
            Some(p) => {
                let lo = v.dict.rank(p, false);
                let tail = v.dict.0.get(lo as usize..).unwrap_or_default();
                KeyTest::range(lo, lo + tail.partition_point(|d| d.starts_with(p)) as u64)
            }
            None => {
                let mut mask = vec![0u64; v.dict.0.len().div_ceil(64)];
                for (c, s) in v.dict.0.iter().enumerate() {
                    if re.is_match(s) {
                        mask[c / 64] |= 1 << (c % 64);
                    }
                }
                KeyTest::Mask(mask)
            }
        },
        Leaf::Type(TypeTest::Int | TypeTest::Long) if v.ty == Scalar::Number => return None,
        Leaf::Type(t) => {
            let fits = matches!(
                (t, v.ty),
                (TypeTest::Number, Scalar::Number)
                    | (TypeTest::String, Scalar::String)
                    | (TypeTest::Bool, Scalar::Bool)
                    | (TypeTest::Date, Scalar::Timestamp)
            );
            if fits { KeyTest::Always } else { KeyTest::Never }
        }
    })
}

/// A filter node bound to a table's columns.
#[derive(Debug)]
enum Bound<'a> {
    Const(bool),
    And(Vec<Bound<'a>>),
    Or(Vec<Bound<'a>>),
    Not(Box<Bound<'a>>),
    /// A scalar field's value passes.
    Scalar(&'a Values, KeyTest),
    /// The field is present (`true`) or missing (`false`).
    Present(&'a [bool], bool),
    /// Some element (of an array of scalars, or some element's member) passes.
    Elements(&'a [usize], &'a Values, KeyTest),
    /// The array of objects is missing or some element lacks the member.
    MemberNull(&'a [bool], &'a [usize], &'a Values),
    /// Some element has the member.
    MemberExists(&'a [usize], &'a Values),
    Size(&'a [bool], &'a [usize], u64),
    ArrayEq(&'a [bool], &'a [usize], &'a Values, Vec<u64>),
    ElemMatch(&'a [usize], ElemNode<'a>),
    /// The reference walk, per candidate document.
    Docs(&'a Node),
}

/// A predicate over one element (`$elemMatch`), bound.
#[derive(Debug)]
enum ElemNode<'a> {
    Const(bool),
    And(Vec<ElemNode<'a>>),
    Or(Vec<ElemNode<'a>>),
    Not(Box<ElemNode<'a>>),
    /// The element (or its member) has a value that passes.
    Any(&'a Values, KeyTest),
    /// The element lacks the member.
    Lacks(&'a Values),
}

/// What the elements of an `$elemMatch` are.
#[derive(Clone, Copy)]
enum ElemSrc<'a> {
    Scalars(&'a Values),
    Objects(&'a [Values]),
}

fn bind_elem<'a>(n: &'a Node, src: ElemSrc<'a>) -> Option<ElemNode<'a>> {
    let all = |v: &'a [Node]| v.iter().map(|n| bind_elem(n, src)).collect::<Option<Vec<_>>>();
    let values = |m: &Option<usize>| match (src, m) {
        (ElemSrc::Scalars(v), None) => Some(Some(v)),
        (ElemSrc::Objects(ms), Some(j)) => ms.get(*j).map(Some),
        _ => Some(None),
    };
    Some(match n {
        Node::Const(b) => ElemNode::Const(*b),
        Node::And(v) => ElemNode::And(all(v)?),
        Node::Or(v) => ElemNode::Or(all(v)?),
        Node::Not(x) => ElemNode::Not(Box::new(bind_elem(x, src)?)),
        Node::Any(DocPath::Elem(m), leaf) => match values(m)? {
            Some(v) => ElemNode::Any(v, bind_leaf(leaf, v)?),
            None => ElemNode::Const(false),
        },
        Node::Null(DocPath::Elem(m)) | Node::Exists(DocPath::Elem(m)) => {
            let lacks = match (src, m) {
                (ElemSrc::Objects(ms), Some(j)) => ms.get(*j).map_or(ElemNode::Const(true), ElemNode::Lacks),
                _ => ElemNode::Const(false),
            };
            if matches!(n, Node::Null(_)) { lacks } else { ElemNode::Not(Box::new(lacks)) }
        }
        _ => return None,
    })
}

impl ElemNode<'_> {
    fn test(&self, e: usize) -> bool {
        match self {
            ElemNode::Const(b) => *b,
            ElemNode::And(v) => v.iter().all(|n| n.test(e)),
            ElemNode::Or(v) => v.iter().any(|n| n.test(e)),
            ElemNode::Not(n) => !n.test(e),
            ElemNode::Any(v, t) => v.has[e] && t.test(v.keys[e]),
            ElemNode::Lacks(v) => !v.has[e],
        }
    }
}

fn bind<'a>(t: &'a DocTable, n: &'a Node) -> Bound<'a> {
    bind_columns(t, n).unwrap_or(Bound::Docs(n))
}

fn by_cost(mut v: Vec<Bound<'_>>) -> Vec<Bound<'_>> {
    v.sort_by_key(Bound::cost);
    v
}

/// `None`: the reference walk.
fn bind_columns<'a>(t: &'a DocTable, n: &'a Node) -> Option<Bound<'a>> {
    let field = |i: &usize| t.col(*i);
    Some(match n {
        Node::Const(b) => Bound::Const(*b),
        Node::And(v) => Bound::And(by_cost(v.iter().map(|n| bind(t, n)).collect())),
        Node::Or(v) => Bound::Or(by_cost(v.iter().map(|n| bind(t, n)).collect())),
        Node::Not(x) => Bound::Not(Box::new(bind(t, x))),
        Node::Any(DocPath::Field(i), leaf) => match field(i) {
            Col::Docs => return None,
            Col::Scalar(v) => Bound::Scalar(v, bind_leaf(leaf, v)?),
            Col::Array { starts, elems, .. } => Bound::Elements(starts, elems, bind_leaf(leaf, elems)?),
            Col::Objects { .. } => Bound::Const(false),
        },
        Node::Any(DocPath::Member(i, j), leaf) => match field(i) {
            Col::Docs => return None,
            Col::Objects { starts, members, .. } => match members.get(*j) {
                Some(v) => Bound::Elements(starts, v, bind_leaf(leaf, v)?),
                None => Bound::Const(false),
            },
            Col::Scalar(_) | Col::Array { .. } => Bound::Const(false),
        },
        Node::Null(DocPath::Field(i)) | Node::Exists(DocPath::Field(i)) => {
            let want = matches!(n, Node::Exists(_));
            match field(i) {
                Col::Docs => return None,
                Col::Scalar(v) => Bound::Present(&v.has, want),
                Col::Array { present, .. } | Col::Objects { present, .. } => Bound::Present(present, want),
            }
        }
        Node::Null(DocPath::Member(i, j)) => match field(i) {
            Col::Docs => return None,
            Col::Objects { present, starts, members } => Bound::MemberNull(present, starts, members.get(*j)?),
            Col::Scalar(v) => Bound::Present(&v.has, false),
            Col::Array { present, .. } => Bound::Present(present, false),
        },
        Node::Exists(DocPath::Member(i, j)) => match field(i) {
            Col::Docs => return None,
            Col::Objects { starts, members, .. } => Bound::MemberExists(starts, members.get(*j)?),
            Col::Scalar(_) | Col::Array { .. } => Bound::Const(false),
        },
        Node::Size(i, len) => match field(i) {
            Col::Docs => return None,
            Col::Scalar(_) => Bound::Const(false),
            Col::Array { present, starts, .. } | Col::Objects { present, starts, .. } => {
                Bound::Size(present, starts, *len)
            }
        },
        Node::ArrayEq(i, want) => match field(i) {
            Col::Docs => return None,
            Col::Array { present, starts, elems } => match want.iter().map(|a| elems.key(a)).collect() {
                Some(keys) => Bound::ArrayEq(present, starts, elems, keys),
                None => Bound::Const(false),
            },
            Col::Scalar(_) | Col::Objects { .. } => Bound::Const(false),
        },
        Node::ElemMatch(i, inner) => match field(i) {
            Col::Docs => return None,
            Col::Array { starts, elems, .. } => Bound::ElemMatch(starts, bind_elem(inner, ElemSrc::Scalars(elems))?),
            Col::Objects { starts, members, .. } => {
                Bound::ElemMatch(starts, bind_elem(inner, ElemSrc::Objects(members))?)
            }
            Col::Scalar(_) => Bound::Const(false),
        },
        Node::Any(DocPath::Key(..) | DocPath::Elem(_), _)
        | Node::Null(DocPath::Key(..) | DocPath::Elem(_))
        | Node::Exists(DocPath::Key(..) | DocPath::Elem(_)) => return None,
    })
}

/// Sets `out`'s bits for the candidates (`cand`) for which `f` holds, computing `f` for every
/// document of a word with a candidate (cheap, branch-free tests); `out` has no other bits.
#[inline]
fn dense(cand: &[u64], out: &mut [u64], base: usize, f: impl Fn(usize) -> bool) {
    for (w, (o, &c)) in out.iter_mut().zip(cand).enumerate() {
        if c == 0 {
            *o = 0;
            continue;
        }
        let r0 = base + w * 64;
        let top = 64 - c.leading_zeros() as usize;
        let mut bits = 0u64;
        for b in 0..top {
            bits |= u64::from(f(r0 + b)) << b;
        }
        *o = bits & c;
    }
}

/// As [`dense`], computing `f` only for the candidates.
#[inline]
fn sparse(cand: &[u64], out: &mut [u64], base: usize, f: impl Fn(usize) -> bool) {
    for (w, (o, &c)) in out.iter_mut().zip(cand).enumerate() {
        let mut bits = 0u64;
        let mut m = c;
        while m != 0 {
            let b = m.trailing_zeros();
            if f(base + w * 64 + b as usize) {
                bits |= 1 << b;
            }
            m &= m - 1;
        }
        *o = bits;
    }
}

fn none(words: &[u64]) -> bool {
    words.iter().all(|w| *w == 0)
}

impl Bound<'_> {
    /// A rough cost per document, to run cheap conjuncts first.
    fn cost(&self) -> u32 {
        match self {
            Bound::Const(_) => 0,
            Bound::Present(..) => 1,
            Bound::Scalar(_, KeyTest::Eq(_) | KeyTest::Range(..) | KeyTest::Never | KeyTest::Always) => 2,
            Bound::Size(..) => 2,
            Bound::Scalar(..) => 3,
            Bound::Elements(..) | Bound::MemberNull(..) | Bound::MemberExists(..) | Bound::ArrayEq(..) => 6,
            Bound::ElemMatch(..) => 12,
            Bound::Docs(_) => 60,
            Bound::Not(x) => x.cost() + 1,
            Bound::And(v) | Bound::Or(v) => v.iter().map(Bound::cost).sum::<u32>() + 1,
        }
    }

    /// `out`: the candidates of the block starting at document `base` for which the node
    /// holds.
    fn eval(&self, docs: &[Doc], base: usize, cand: &[u64], out: &mut [u64]) {
        match self {
            Bound::Const(b) => {
                for (o, c) in out.iter_mut().zip(cand) {
                    *o = if *b { *c } else { 0 };
                }
            }
            Bound::And(v) => {
                let mut cur = cand.to_vec();
                let mut tmp = vec![0u64; cand.len()];
                for n in v {
                    if none(&cur) {
                        break;
                    }
                    n.eval(docs, base, &cur, &mut tmp);
                    std::mem::swap(&mut cur, &mut tmp);
                }
                out.copy_from_slice(&cur);
            }
            Bound::Or(v) => {
                let mut rest = cand.to_vec();
                let mut tmp = vec![0u64; cand.len()];
                out.fill(0);
                for n in v {
                    if none(&rest) {
                        break;
                    }
                    n.eval(docs, base, &rest, &mut tmp);
                    for ((o, r), t) in out.iter_mut().zip(rest.iter_mut()).zip(&tmp) {
                        *o |= t;
                        *r &= !t;
                    }
                }
            }
            Bound::Not(n) => {
                n.eval(docs, base, cand, out);
                for (o, c) in out.iter_mut().zip(cand) {
                    *o = c & !*o;
                }
            }
            Bound::Scalar(v, t) => {
                let (has, keys) = (&v.has[..], &v.keys[..]);
                match t {
                    KeyTest::Eq(x) => dense(cand, out, base, |r| has[r] & (keys[r] == *x)),
                    KeyTest::Range(lo, hi) => dense(cand, out, base, |r| has[r] & (*lo <= keys[r]) & (keys[r] <= *hi)),
                    t => dense(cand, out, base, |r| has[r] && t.test(keys[r])),
                }
            }
            Bound::Present(p, want) => dense(cand, out, base, |r| p[r] == *want),
            Bound::Elements(starts, v, t) => {
                sparse(cand, out, base, |r| (starts[r]..starts[r + 1]).any(|e| v.has[e] && t.test(v.keys[e])))
            }
            Bound::MemberNull(present, starts, v) => {
                sparse(cand, out, base, |r| !present[r] || (starts[r]..starts[r + 1]).any(|e| !v.has[e]))
            }
            Bound::MemberExists(starts, v) => sparse(cand, out, base, |r| (starts[r]..starts[r + 1]).any(|e| v.has[e])),
            Bound::Size(present, starts, len) => {
                dense(cand, out, base, |r| present[r] && (starts[r + 1] - starts[r]) as u64 == *len)
            }
            Bound::ArrayEq(present, starts, v, want) => {
                sparse(cand, out, base, |r| present[r] && v.keys[starts[r]..starts[r + 1]] == want[..])
            }
            Bound::ElemMatch(starts, inner) => {
                sparse(cand, out, base, |r| (starts[r]..starts[r + 1]).any(|e| inner.test(e)))
            }
            Bound::Docs(node) => sparse(cand, out, base, |r| eval(node, &docs[r], None)),
        }
    }
}

/// Runs `filter` over the table block by block, handing each block's first document and
/// match mask to `each`.
fn scan(t: &DocTable, filter: &Bound<'_>, mut each: impl FnMut(usize, &[u64])) {
    let n = t.docs.len();
    let mut cand = vec![0u64; BLOCK_WORDS];
    let mut out = vec![0u64; BLOCK_WORDS];
    let mut base = 0;
    while base < n {
        let rows = (n - base).min(BLOCK);
        let words = rows.div_ceil(64);
        for (w, c) in cand.iter_mut().enumerate() {
            let left = rows.saturating_sub(w * 64);
            *c = if left >= 64 { u64::MAX } else { (1u64 << left) - 1 };
        }
        filter.eval(&t.docs, base, &cand[..words], &mut out[..words]);
        each(base, &out[..words]);
        base += rows;
    }
}

/// A sort key bound to a column: its rank (empty array 0, missing 1, value 2) above its key.
#[derive(Debug)]
enum SortCol<'a> {
    Missing,
    Scalar(&'a Values),
    Array(&'a [bool], &'a [usize], &'a Values),
    Member(&'a [bool], &'a [usize], &'a Values),
    Docs,
}

const EMPTY: u128 = 0;
const MISSING_KEY: u128 = 1 << 64;
const VALUE: u128 = 2 << 64;

/// One document's key for one sort key.
#[derive(Debug, Clone, Copy)]
enum Key<'a> {
    /// Encoded, already negated when descending.
    Enc(u128),
    Val(SortValue<'a>),
}

struct SortKey<'a> {
    col: SortCol<'a>,
    key: &'a DocSortKey,
}

impl<'a> SortKey<'a> {
    fn bind(t: &'a DocTable, key: &'a DocSortKey) -> SortKey<'a> {
        let col = match &key.path {
            DocPath::Field(i) => match t.col(*i) {
                Col::Scalar(v) => SortCol::Scalar(v),
                Col::Array { present, starts, elems } => SortCol::Array(present, starts, elems),
                Col::Objects { .. } | Col::Docs => SortCol::Docs,
            },
            DocPath::Member(i, j) => match t.col(*i) {
                Col::Objects { present, starts, members } => match members.get(*j) {
                    Some(v) => SortCol::Member(present, starts, v),
                    None => SortCol::Docs,
                },
                _ => SortCol::Docs,
            },
            DocPath::Key(..) => SortCol::Docs,
            DocPath::Elem(_) => SortCol::Missing,
        };
        SortKey { col, key }
    }

    fn desc(&self) -> bool {
        self.key.direction == Direction::Desc
    }

    /// The extreme (smallest ascending, largest descending) of some keys.
    fn pick(&self, keys: impl Iterator<Item = u64>) -> u128 {
        let best = if self.desc() { keys.max() } else { keys.min() };
        best.map_or(EMPTY, |k| VALUE | u128::from(k))
    }

    fn encoded(&self, r: usize) -> Option<u128> {
        let k = match self.col {
            SortCol::Missing => MISSING_KEY,
            SortCol::Scalar(v) => {
                if v.has[r] {
                    VALUE | u128::from(v.keys[r])
                } else {
                    MISSING_KEY
                }
            }
            SortCol::Array(present, starts, v) => {
                if present[r] {
                    self.pick(v.keys[starts[r]..starts[r + 1]].iter().copied())
                } else {
                    MISSING_KEY
                }
            }
            SortCol::Member(present, starts, v) => {
                let range = starts[r]..starts[r + 1];
                let (has, keys) = (&v.has[range.clone()], &v.keys[range]);
                if !present[r] {
                    MISSING_KEY
                } else if !has.is_empty() && (if self.desc() { has.iter().all(|h| !h) } else { has.contains(&false) }) {
                    // An element without the member contributes null, the smallest key.
                    MISSING_KEY
                } else {
                    self.pick(keys.iter().zip(has).filter(|(_, h)| **h).map(|(k, _)| *k))
                }
            }
            SortCol::Docs => return None,
        };
        Some(if self.desc() { !k } else { k })
    }

    fn get<'d>(&self, docs: &'d [Doc], r: usize) -> Key<'d>
    where
        'a: 'd,
    {
        match self.encoded(r) {
            Some(k) => Key::Enc(k),
            None => Key::Val(sort_value(&docs[r], self.key)),
        }
    }

    fn cmp(&self, a: &Key<'_>, b: &Key<'_>) -> Ordering {
        match (a, b) {
            (Key::Enc(x), Key::Enc(y)) => x.cmp(y),
            (Key::Val(x), Key::Val(y)) => {
                let o = x.mongo_cmp(y);
                if self.desc() { o.reverse() } else { o }
            }
            _ => Ordering::Equal,
        }
    }
}

impl DocPlan {
    /// How many documents of the table match (the fast path of [`DocPlan::count`]).
    pub fn count_in(&self, t: &DocTable) -> usize {
        let filter = bind(t, &self.filter);
        let mut n = 0;
        scan(t, &filter, |_, words| n += words.iter().map(|w| w.count_ones() as usize).sum::<usize>());
        n
    }

    /// The page's indices into [`DocTable::docs`] (the fast path of [`DocPlan::run`]).
    pub fn run_in(&self, t: &DocTable) -> Vec<usize> {
        let skip = usize::try_from(self.offset).unwrap_or(usize::MAX);
        let take = self.limit.map_or(usize::MAX, |l| usize::try_from(l).unwrap_or(usize::MAX));
        if take == 0 {
            return Vec::new();
        }
        let filter = bind(t, &self.filter);
        let mut hits = Vec::new();
        scan(t, &filter, |base, words| {
            for (w, &word) in words.iter().enumerate() {
                let mut m = word;
                while m != 0 {
                    hits.push(base + w * 64 + m.trailing_zeros() as usize);
                    m &= m - 1;
                }
            }
        });
        let keys: Vec<SortKey<'_>> = self.sort.iter().map(|k| SortKey::bind(t, k)).collect();
        let need = skip.saturating_add(take);
        if need < hits.len()
            && let Some(first) = keys.first()
            && !matches!(first.col, SortCol::Docs)
        {
            // Top-k: only the matches whose first key is at most the need-th smallest.
            let mut k1: Vec<u128> = hits.iter().filter_map(|&r| first.encoded(r)).collect();
            if k1.len() == hits.len() {
                let (_, kth, _) = k1.select_nth_unstable(need - 1);
                let kth = *kth;
                hits.retain(|&r| first.encoded(r).is_some_and(|k| k <= kth));
            }
        }
        let n = keys.len();
        let mut all: Vec<Key<'_>> = Vec::with_capacity(hits.len() * n);
        for &r in &hits {
            all.extend(keys.iter().map(|k| k.get(&t.docs, r)));
        }
        let mut order: Vec<usize> = (0..hits.len()).collect();
        order.sort_unstable_by(|&a, &b| {
            let (x, y) = (&all[a * n..a * n + n], &all[b * n..b * n + n]);
            for ((k, p), q) in keys.iter().zip(x).zip(y) {
                let o = k.cmp(p, q);
                if o != Ordering::Equal {
                    return o;
                }
            }
            hits[a].cmp(&hits[b])
        });
        order.into_iter().skip(skip).take(take).map(|i| hits[i]).collect()
    }
}
