//! Predicate compilation: each [`Pred`] becomes, once per query, a tree of typed kernels
//! ([`Node`]) that runs a chunk of rows at a time and writes a three-valued [`Tri`].
//!
//! A field compared with a literal compiles to a kernel over the raw column with the literal
//! captured as a machine value: timestamps and integers compare `i64`s, UUIDs `u128`s, an enum
//! becomes a bitset of the accepted codes (ordering by the values' text is decided at compile
//! time), a bool a two-entry truth table. These kernels compare every slot of the chunk in a
//! branch-free loop and mask the result with the validity bitmap, which is how the two-valued
//! null rules apply (`ne` is true on null, everything else false). String kernels (a string
//! field, or `tolower`/`toupper`/`trim` of one, against a literal; `contains` through a
//! prebuilt `memmem::Finder`) run row by row without allocating; the general path
//! ([`General`]) handles any other operands. Both run only over the rows still undecided:
//! `and`/`or` pass each child the rows their earlier children have not settled, cheapest
//! children first.

use roster_ast::CmpOp;
use roster_check::{ElemTest, Operand, Pred, ScalarFunc, StrOp};
use roster_schema::{FieldType, Schema, Value};

use crate::bits::{Tri, WORDS, Words, fill, for_each_set, is_empty};
use crate::fused::{Fused, Leaf, in_set};
use crate::general::{Expr, General, Lit, enum_type, holds};
use crate::table::{Column, Data, Table};

/// A compiled predicate.
#[derive(Debug, Clone)]
pub(crate) enum Node {
    Const(bool),
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
    /// A nullable field is (not) null.
    IsNull {
        col: usize,
        negated: bool,
    },
    /// An integer or timestamp field against a literal; `on_null` is the result for a null row.
    I64 {
        col: usize,
        op: CmpOp,
        lit: i64,
        on_null: bool,
    },
    /// An integer or timestamp field in a sorted set; false on null.
    I64In {
        col: usize,
        set: Vec<i64>,
    },
    Uuid {
        col: usize,
        op: CmpOp,
        lit: u128,
        on_null: bool,
    },
    UuidIn {
        col: usize,
        set: Vec<u128>,
    },
    /// A bool field: `accept[v]` is the result for value `v`.
    Bool {
        col: usize,
        accept: [bool; 2],
        on_null: bool,
    },
    /// An enum field: bit `c` of `accept` is the result for code `c` (any comparison or `in`).
    Enum {
        col: usize,
        accept: Vec<u64>,
        on_null: bool,
    },
    /// A string field, or a case mapping or trim of one, against a literal.
    Str {
        col: usize,
        map: Map,
        op: CmpOp,
        lit: Box<[u8]>,
        on_null: bool,
    },
    /// A (mapped) string field in a sorted set; false on null.
    StrIn {
        col: usize,
        map: Map,
        set: Vec<Box<[u8]>>,
    },
    /// A substring test of a (mapped) string field with a literal needle; null on null.
    StrTest {
        col: usize,
        map: Map,
        needle: Needle,
    },
    /// Every element of a string-array field passes the test (true for `[]`), element by
    /// element over the storage text, without allocating per row.
    AllElements {
        col: usize,
        test: ElemBytes,
    },
    General(General),
    /// Some element of a string-array field equals `value` (ASCII-case-folded when `fold`):
    /// evaluated by `test` (a substring test of the storage text), and answerable from the
    /// column's inverted index ([`crate::index`]).
    HasElement {
        col: usize,
        value: Box<str>,
        fold: bool,
        test: Box<Node>,
    },
    /// Two or more fixed-width, two-valued leaves of an `and`, run as one kernel
    /// ([`crate::fused`]); `nodes` are the leaves as nodes, for the index paths.
    Fused {
        nodes: Vec<Node>,
        fused: Fused,
    },
}

/// An [`ElemTest`] prepared for the bytes of an array's storage text
/// ([`roster_schema::encode_array`]): the same answers as [`ElemTest::matches`] on each
/// decoded element, decided once per query where it can be (a case-folded test of a value
/// with an upper-case letter never passes).
#[derive(Debug, Clone)]
pub(crate) struct ElemBytes {
    op: roster_check::ElemOp,
    value: Box<[u8]>,
    fold: bool,
    never: bool,
}

impl ElemBytes {
    fn new(test: &ElemTest) -> ElemBytes {
        ElemBytes {
            op: test.op,
            value: test.value.as_bytes().into(),
            fold: test.fold_case,
            never: test.fold_case && test.value.bytes().any(|b| b.is_ascii_uppercase()),
        }
    }

    /// Whether every element of the storage text `stored` passes (true for `[]`).
    fn all(&self, stored: &[u8], scratch: &mut Vec<u8>) -> bool {
        // `\x1F e1 \x1F … en \x1F`, or empty for `[]`.
        let Some(inner) = stored.get(1..stored.len().saturating_sub(1)) else { return true };
        inner.split(|b| *b == 0x1F).all(|e| {
            if self.never {
                return false;
            }
            let e = if self.fold {
                scratch.clear();
                scratch.extend(e.iter().map(u8::to_ascii_lowercase));
                scratch.as_slice()
            } else {
                e
            };
            let v = &*self.value;
            match self.op {
                roster_check::ElemOp::Eq => e == v,
                roster_check::ElemOp::StartsWith => e.starts_with(v),
                roster_check::ElemOp::EndsWith => e.ends_with(v),
                roster_check::ElemOp::Contains => memchr::memmem::find(e, v).is_some(),
            }
        })
    }
}

/// A string function applied to a string column without allocating per row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Map {
    /// The value itself.
    Id,
    /// [`ScalarFunc::ToLower`].
    Lower,
    /// [`ScalarFunc::ToUpper`].
    Upper,
    /// [`ScalarFunc::Trim`].
    Trim,
}

impl Map {
    /// The column and map of `field` or `f(field)` for a string field and a string-valued `f`.
    fn of(schema: &Schema, operand: &Operand) -> Option<(usize, Map)> {
        let (map, arg) = match operand {
            Operand::Func(ScalarFunc::ToLower, arg) => (Map::Lower, &**arg),
            Operand::Func(ScalarFunc::ToUpper, arg) => (Map::Upper, &**arg),
            Operand::Func(ScalarFunc::Trim, arg) => (Map::Trim, &**arg),
            other => (Map::Id, other),
        };
        match arg {
            Operand::Field(id) if schema.get(*id).ty == FieldType::String => Some((id.index(), map)),
            _ => None,
        }
    }

    /// The mapped bytes: `bytes` or a part of them when nothing changes case, else a copy in
    /// `scratch`.
    #[inline]
    fn apply<'a>(self, bytes: &'a [u8], scratch: &'a mut Vec<u8>) -> &'a [u8] {
        let case = |scratch: &'a mut Vec<u8>, upper: bool| -> &'a [u8] {
            scratch.clear();
            scratch.extend_from_slice(bytes);
            if upper {
                scratch.make_ascii_uppercase();
            } else {
                scratch.make_ascii_lowercase();
            }
            scratch
        };
        match self {
            Map::Id => bytes,
            Map::Lower if bytes.iter().any(u8::is_ascii_uppercase) => case(scratch, false),
            Map::Upper if bytes.iter().any(u8::is_ascii_lowercase) => case(scratch, true),
            Map::Lower | Map::Upper => bytes,
            Map::Trim => {
                let start = bytes.iter().position(|b| *b != b' ').unwrap_or(bytes.len());
                let end = bytes.iter().rposition(|b| *b != b' ').map_or(start, |i| i + 1);
                &bytes[start..end]
            }
        }
    }
}

/// A literal needle, prepared once.
#[derive(Debug, Clone)]
pub(crate) enum Needle {
    Contains(Box<memchr::memmem::Finder<'static>>),
    StartsWith(Box<[u8]>),
    EndsWith(Box<[u8]>),
}

impl Needle {
    fn new(op: StrOp, needle: &str) -> Needle {
        match op {
            StrOp::Contains => Needle::Contains(Box::new(memchr::memmem::Finder::new(needle.as_bytes()).into_owned())),
            StrOp::StartsWith => Needle::StartsWith(needle.as_bytes().into()),
            StrOp::EndsWith => Needle::EndsWith(needle.as_bytes().into()),
        }
    }

    fn test(&self, haystack: &[u8]) -> bool {
        match self {
            Needle::Contains(finder) => finder.find(haystack).is_some(),
            Needle::StartsWith(prefix) => haystack.starts_with(prefix),
            Needle::EndsWith(suffix) => haystack.ends_with(suffix),
        }
    }
}

/// Compiles a predicate against `schema`.
///
/// Relies on the checker's depth limit: the recursion is as deep as the predicate.
pub(crate) fn compile(schema: &Schema, pred: &Pred) -> Node {
    match pred {
        Pred::Const(b) => Node::Const(*b),
        Pred::And(preds) => junction(schema, preds, true),
        Pred::Or(preds) => junction(schema, preds, false),
        Pred::Not(p) => match compile(schema, p) {
            Node::Const(b) => Node::Const(!b),
            Node::Not(inner) => *inner,
            node => Node::Not(Box::new(node)),
        },
        Pred::Cmp { op, lhs, rhs } => cmp(schema, *op, lhs, rhs),
        Pred::IsNull { operand, negated } => is_null(schema, operand, *negated),
        Pred::In { operand, values } => member(schema, operand, values),
        Pred::AnyElement { field, test } => any_element(schema, *field, test),
        Pred::AllElements { field, test } => match &schema.get(*field).ty {
            FieldType::StringArray => Node::AllElements { col: field.index(), test: ElemBytes::new(test) },
            // The checker never quantifies over a non-array.
            _ => Node::Const(false),
        },
        Pred::StrTest { op, haystack, needle } => match (Map::of(schema, haystack), needle) {
            (Some((col, map)), Operand::Literal(Value::Str(n))) => {
                Node::StrTest { col, map, needle: Needle::new(*op, n) }
            }
            _ => general(General::StrTest {
                op: *op,
                haystack: Expr::new(haystack, None),
                needle: Expr::new(needle, None),
            }),
        },
    }
}

/// Some element of an array field passes `test`: a substring test of the column's storage
/// text, lower-cased when the test folds case (see [`ElemTest::storage_needle`]).
fn any_element(schema: &Schema, field: roster_schema::FieldId, test: &ElemTest) -> Node {
    match (test.storage_needle(), &schema.get(field).ty) {
        (Some(needle), FieldType::StringArray) => {
            let node = Node::StrTest {
                col: field.index(),
                map: if test.fold_case { Map::Lower } else { Map::Id },
                needle: Needle::new(StrOp::Contains, &needle),
            };
            if test.op == roster_check::ElemOp::Eq {
                Node::HasElement {
                    col: field.index(),
                    value: test.value.as_str().into(),
                    fold: test.fold_case,
                    test: Box::new(node),
                }
            } else {
                node
            }
        }
        // No element holds the separator; and the checker never tests a non-array.
        _ => Node::Const(false),
    }
}

/// A general leaf, folded to a constant when it depends on no row.
fn general(g: General) -> Node {
    match g.constant() {
        Some(Some(b)) => Node::Const(b),
        // A null constant: `Not` keeps it null, `And`/`Or` treat it as unknown, the root
        // rejects it; the general node computes exactly that.
        Some(None) | None => Node::General(g),
    }
}

/// `and` (`is_and`) or `or` of `preds`: flattened, constants folded, cheapest first.
fn junction(schema: &Schema, preds: &[Pred], is_and: bool) -> Node {
    let mut children = Vec::with_capacity(preds.len());
    for p in preds {
        match compile(schema, p) {
            // The identity element drops out; the absorbing one decides.
            Node::Const(b) if b == is_and => {}
            Node::Const(b) => return Node::Const(b),
            // An `and` inside an `and` is flattened, its fused leaves too, to be fused again
            // with their new siblings.
            Node::And(inner) if is_and => {
                for c in inner {
                    match c {
                        Node::Fused { nodes, .. } => children.extend(nodes),
                        c => children.push(c),
                    }
                }
            }
            Node::Fused { nodes, .. } if is_and => children.extend(nodes),
            Node::Or(inner) if !is_and => children.extend(inner),
            node => children.push(node),
        }
    }
    children.sort_by_key(Node::cost);
    if is_and {
        children = fuse(schema, children);
    }
    match children.len() {
        0 => Node::Const(is_and),
        1 => children.pop().unwrap_or(Node::Const(is_and)),
        _ if is_and => Node::And(children),
        _ => Node::Or(children),
    }
}

/// The children of an `and` (cheapest first) with their fixed-width leaves, when there are
/// two or more, fused into one node that runs first.
fn fuse(schema: &Schema, children: Vec<Node>) -> Vec<Node> {
    let (leaves, rest): (Vec<(Node, Leaf)>, Vec<Node>) =
        children.into_iter().fold((Vec::new(), Vec::new()), |(mut leaves, mut rest), node| {
            match Leaf::of(schema, &node) {
                Some(leaf) => leaves.push((node, leaf)),
                None => rest.push(node),
            }
            (leaves, rest)
        });
    if leaves.len() < 2 {
        return leaves.into_iter().map(|(node, _)| node).chain(rest).collect();
    }
    let (nodes, leaves): (Vec<Node>, Vec<Leaf>) = leaves.into_iter().unzip();
    let mut out = vec![Node::Fused { nodes, fused: Fused::new(leaves) }];
    out.extend(rest);
    out
}

fn cmp(schema: &Schema, op: CmpOp, lhs: &Operand, rhs: &Operand) -> Node {
    if matches!(lhs, Operand::Literal(_)) && !matches!(rhs, Operand::Literal(_)) {
        return cmp(schema, op.flipped(), rhs, lhs);
    }
    // Against a non-null literal: eq and ordering are false on null, ne is true.
    let on_null = op == CmpOp::Ne;
    if let (Some((col, map)), Operand::Literal(Value::Str(v))) = (Map::of(schema, lhs), rhs) {
        let lit = v.as_bytes().into();
        return Node::Str { col, map, op, lit, on_null };
    }
    if let (Operand::Field(id), Operand::Literal(lit)) = (lhs, rhs) {
        let col = id.index();
        match (&schema.get(*id).ty, lit) {
            (FieldType::Int, Value::Int(v)) => {
                return Node::I64 { col, op, lit: *v, on_null };
            }
            (FieldType::Timestamp, Value::Timestamp(t)) => {
                return Node::I64 { col, op, lit: t.0, on_null };
            }
            (FieldType::Uuid, Value::Uuid(v)) => {
                return Node::Uuid { col, op, lit: *v, on_null };
            }
            (FieldType::Bool, Value::Bool(v)) => {
                let accept = [holds(op, false.cmp(v)), holds(op, true.cmp(v))];
                return Node::Bool { col, accept, on_null };
            }
            (FieldType::Enum(e), Value::Enum(code)) => {
                if let Some(text) = e.values.get(usize::from(*code)) {
                    // SQL stores the text, so every operator compares texts.
                    let accept = code_set(e.values.len(), |c| {
                        e.values.get(c).is_some_and(|v| holds(op, v.as_bytes().cmp(text.as_bytes())))
                    });
                    return Node::Enum { col, accept, on_null };
                }
            }
            _ => {}
        }
    }
    general(General::Cmp {
        op,
        lhs: Expr::new(lhs, enum_type(schema, rhs)),
        rhs: Expr::new(rhs, enum_type(schema, lhs)),
    })
}

/// A bitset over `count` enum codes.
fn code_set(count: usize, accept: impl Fn(usize) -> bool) -> Vec<u64> {
    let mut words = vec![0u64; count.div_ceil(64).max(1)];
    for c in (0..count).filter(|c| accept(*c)) {
        words[c / 64] |= 1 << (c % 64);
    }
    words
}

fn is_null(schema: &Schema, operand: &Operand, negated: bool) -> Node {
    match operand {
        Operand::Field(id) if schema.get(*id).nullable => Node::IsNull { col: id.index(), negated },
        Operand::Field(_) => Node::Const(negated),
        Operand::Literal(v) => Node::Const(matches!(v, Value::Null) != negated),
        Operand::Func(..) | Operand::Call(..) => {
            general(General::IsNull { operand: Expr::new(operand, None), negated })
        }
    }
}

fn member(schema: &Schema, operand: &Operand, values: &[Value]) -> Node {
    let bytes = |v: &Value| {
        if let Value::Str(s) = v { Some(Box::<[u8]>::from(s.as_bytes())) } else { None }
    };
    if let (Some((col, map)), Some(set)) = (Map::of(schema, operand), sorted(values, bytes)) {
        return Node::StrIn { col, map, set };
    }
    if let Operand::Field(id) = operand {
        let col = id.index();
        match &schema.get(*id).ty {
            FieldType::Int => {
                if let Some(set) = sorted(values, |v| if let Value::Int(i) = v { Some(*i) } else { None }) {
                    return Node::I64In { col, set };
                }
            }
            FieldType::Timestamp => {
                if let Some(set) = sorted(values, |v| if let Value::Timestamp(t) = v { Some(t.0) } else { None }) {
                    return Node::I64In { col, set };
                }
            }
            FieldType::Uuid => {
                if let Some(set) = sorted(values, |v| if let Value::Uuid(u) = v { Some(*u) } else { None }) {
                    return Node::UuidIn { col, set };
                }
            }
            FieldType::String | FieldType::StringArray => {}
            FieldType::Bool => {
                if let Some(set) = sorted(values, |v| if let Value::Bool(b) = v { Some(*b) } else { None }) {
                    let accept = [set.contains(&false), set.contains(&true)];
                    return Node::Bool { col, accept, on_null: false };
                }
            }
            FieldType::Enum(e) => {
                if let Some(set) = sorted(values, |v| if let Value::Enum(c) = v { Some(*c) } else { None }) {
                    // Codes out of range match no stored value; texts are distinct per code
                    // unless the enum repeats a value, which then matches as in SQL.
                    let texts: Vec<&str> =
                        set.iter().filter_map(|c| e.values.get(usize::from(*c))).map(String::as_str).collect();
                    let accept =
                        code_set(e.values.len(), |c| e.values.get(c).is_some_and(|v| texts.contains(&v.as_str())));
                    return Node::Enum { col, accept, on_null: false };
                }
            }
        }
    }
    let ctx = enum_type(schema, operand);
    general(General::In { operand: Expr::new(operand, ctx), values: values.iter().map(|v| Lit::new(v, ctx)).collect() })
}

/// The values converted by `get`, sorted and deduplicated; `None` if one does not convert.
fn sorted<T: Ord>(values: &[Value], get: impl Fn(&Value) -> Option<T>) -> Option<Vec<T>> {
    let mut set = values.iter().map(get).collect::<Option<Vec<T>>>()?;
    set.sort_unstable();
    set.dedup();
    Some(set)
}

/// `out = values op lit`, with the operator dispatched outside the loop.
fn fill_cmp<T: Ord + Copy>(out: &mut Words, values: &[T], op: CmpOp, lit: T) {
    match op {
        CmpOp::Eq => fill(out, values, |v| *v == lit),
        CmpOp::Ne => fill(out, values, |v| *v != lit),
        CmpOp::Gt => fill(out, values, |v| *v > lit),
        CmpOp::Ge => fill(out, values, |v| *v >= lit),
        CmpOp::Lt => fill(out, values, |v| *v < lit),
        CmpOp::Le => fill(out, values, |v| *v <= lit),
    }
}

/// Applies the two-valued null rule to `out.t` (computed on every slot) and sets `out.f`.
fn two_valued(out: &mut Tri, column: &Column, start: usize, on_null: bool) {
    if let Some(validity) = &column.validity {
        for (t, valid) in out.t.iter_mut().zip(validity.words(start / 64, WORDS)) {
            *t = if on_null { *t | !valid } else { *t & valid };
        }
    }
    out.complement_t();
}

impl Node {
    /// A rough per-row cost, to run cheap children of `and`/`or` first.
    fn cost(&self) -> u32 {
        match self {
            Node::Const(_) => 0,
            Node::IsNull { .. } => 1,
            Node::I64 { .. } | Node::Uuid { .. } | Node::Bool { .. } | Node::Enum { .. } => 2,
            Node::I64In { .. } | Node::UuidIn { .. } => 4,
            Node::Str { .. } | Node::StrIn { .. } => 16,
            Node::StrTest { .. } | Node::HasElement { .. } => 24,
            Node::AllElements { .. } => 48,
            Node::General(_) => 64,
            Node::Not(inner) => inner.cost(),
            Node::And(children) | Node::Or(children) | Node::Fused { nodes: children, .. } => {
                children.iter().map(Node::cost).sum()
            }
        }
    }

    /// Evaluates rows `start..start + n` of `t` (`n` at most a chunk) into `out`. Only the
    /// rows set in `active` (a subset of the first `n`) need a correct result.
    pub(crate) fn eval(&self, t: &Table, start: usize, n: usize, active: &Words, out: &mut Tri) {
        let rows = start..start + n;
        match self {
            Node::Const(b) => *out = Tri::constant(*b),
            Node::And(children) | Node::Or(children) => {
                let is_and = matches!(self, Node::And(_));
                *out = Tri::constant(is_and);
                let mut undecided = *active;
                let mut child = Tri::NULL;
                for node in children {
                    node.eval(t, start, n, &undecided, &mut child);
                    // Rows the child settled for good (false for `and`, true for `or`) need no
                    // further children.
                    let settled = if is_and {
                        out.and_assign(&child);
                        &out.f
                    } else {
                        out.or_assign(&child);
                        &out.t
                    };
                    for (u, s) in undecided.iter_mut().zip(settled) {
                        *u &= !s;
                    }
                    if is_empty(&undecided) {
                        break;
                    }
                }
            }
            Node::Not(inner) => {
                inner.eval(t, start, n, active, out);
                out.negate();
            }
            Node::IsNull { col, negated } => {
                let column = t.column(*col);
                out.t = [0; WORDS];
                if let Some(validity) = &column.validity {
                    for (o, valid) in out.t.iter_mut().zip(validity.words(start / 64, WORDS)) {
                        *o = if *negated { *valid } else { !valid };
                    }
                } else if *negated {
                    out.t = [u64::MAX; WORDS];
                }
                out.complement_t();
            }
            Node::I64 { col, op, lit, on_null } => {
                let column = t.column(*col);
                match column.i64s(rows) {
                    Some(values) => fill_cmp(&mut out.t, values, *op, *lit),
                    None => *out = Tri::NULL,
                }
                two_valued(out, column, start, *on_null);
            }
            Node::I64In { col, set } => {
                let column = t.column(*col);
                match column.i64s(rows) {
                    Some(values) => fill(&mut out.t, values, |v| in_set(set, v)),
                    None => *out = Tri::NULL,
                }
                two_valued(out, column, start, false);
            }
            Node::Uuid { col, op, lit, on_null } => {
                let column = t.column(*col);
                match &column.data {
                    Data::Uuid(v) => fill_cmp(&mut out.t, &v[rows], *op, *lit),
                    _ => *out = Tri::NULL,
                }
                two_valued(out, column, start, *on_null);
            }
            Node::UuidIn { col, set } => {
                let column = t.column(*col);
                match &column.data {
                    Data::Uuid(v) => fill(&mut out.t, &v[rows], |v| in_set(set, v)),
                    _ => *out = Tri::NULL,
                }
                two_valued(out, column, start, false);
            }
            Node::Bool { col, accept, on_null } => {
                let column = t.column(*col);
                let [if_false, if_true] = *accept;
                match &column.data {
                    Data::Bool(v) => fill(&mut out.t, &v[rows], |b| if *b { if_true } else { if_false }),
                    _ => *out = Tri::NULL,
                }
                two_valued(out, column, start, *on_null);
            }
            Node::Enum { col, accept, on_null } => {
                let column = t.column(*col);
                let codes = match &t.schema().fields[*col].ty {
                    FieldType::Enum(e) => e.values.len(),
                    _ => 0,
                };
                match (&column.data, accept.as_slice()) {
                    // One code accepted (`eq`) or all but one (`ne`): a plain comparison,
                    // which vectorises where a bit lookup per row does not.
                    (Data::Enum(v), [word]) if codes < 64 && (word & ((1 << codes) - 1)).count_ones() == 1 => {
                        let code = word.trailing_zeros() as u16;
                        fill(&mut out.t, &v[rows], |c| *c == code);
                    }
                    (Data::Enum(v), [word]) if codes < 64 && (!word & ((1 << codes) - 1)).count_ones() == 1 => {
                        let code = (!word).trailing_zeros() as u16;
                        fill(&mut out.t, &v[rows], |c| *c != code);
                    }
                    (Data::Enum(v), [word]) => {
                        let word = *word;
                        fill(&mut out.t, &v[rows], |c| (word >> (c & 63)) & 1 == 1);
                    }
                    (Data::Enum(v), words) => fill(&mut out.t, &v[rows], |c| {
                        let c = usize::from(*c);
                        words.get(c / 64).is_some_and(|w| (w >> (c % 64)) & 1 == 1)
                    }),
                    _ => *out = Tri::NULL,
                }
                two_valued(out, column, start, *on_null);
            }
            Node::Str { col, map, op, lit, on_null } => {
                let column = t.column(*col);
                *out = Tri::NULL;
                let mut scratch = Vec::new();
                if let Data::Str(s) = &column.data {
                    for_each_set(active, |i| {
                        let row = start + i;
                        let v = if column.is_valid(row) {
                            holds(*op, map.apply(s.bytes(row), &mut scratch).cmp(lit))
                        } else {
                            *on_null
                        };
                        out.set(i, Some(v));
                    });
                }
            }
            Node::StrIn { col, map, set } => {
                let column = t.column(*col);
                *out = Tri::NULL;
                let mut scratch = Vec::new();
                if let Data::Str(s) = &column.data {
                    for_each_set(active, |i| {
                        let row = start + i;
                        let v = column.is_valid(row) && {
                            let value = map.apply(s.bytes(row), &mut scratch);
                            set.binary_search_by(|p| p.as_ref().cmp(value)).is_ok()
                        };
                        out.set(i, Some(v));
                    });
                }
            }
            Node::StrTest { col, map, needle } => {
                let column = t.column(*col);
                *out = Tri::NULL;
                let mut scratch = Vec::new();
                if let Data::Str(s) = &column.data {
                    for_each_set(active, |i| {
                        let row = start + i;
                        if column.is_valid(row) {
                            let value = map.apply(s.bytes(row), &mut scratch);
                            out.set(i, Some(needle.test(value)));
                        }
                    });
                }
            }
            Node::AllElements { col, test } => {
                let column = t.column(*col);
                *out = Tri::NULL;
                let mut scratch = Vec::new();
                if let Data::Str(s) = &column.data {
                    for_each_set(active, |i| out.set(i, Some(test.all(s.bytes(start + i), &mut scratch))));
                }
            }
            Node::General(g) => {
                *out = Tri::NULL;
                for_each_set(active, |i| out.set(i, g.eval(t, start + i)));
            }
            Node::Fused { fused, .. } => {
                fused.eval(t, start, n, &mut out.t);
                out.complement_t();
            }
            Node::HasElement { test, .. } => test.eval(t, start, n, active, out),
        }
    }
}

#[cfg(test)]
mod elem_bytes_tests {
    use roster_check::{ElemOp, ElemTest};

    use super::ElemBytes;

    /// Against the definition: every decoded element passes `ElemTest::matches`.
    #[test]
    fn all_agrees_with_the_decoded_elements() {
        let words = ["", "a", "A", "ab", "Ab", "ba", "é", "aé", "x\u{1F}"];
        let mut arrays: Vec<Vec<String>> = vec![vec![]];
        for a in words.iter().filter(|w| !w.contains('\u{1F}')) {
            arrays.push(vec![(*a).to_owned()]);
            for b in words.iter().filter(|w| !w.contains('\u{1F}')) {
                arrays.push(vec![(*a).to_owned(), (*b).to_owned()]);
            }
        }
        let mut scratch = Vec::new();
        for op in [ElemOp::Eq, ElemOp::Contains, ElemOp::StartsWith, ElemOp::EndsWith] {
            for value in words {
                for fold_case in [false, true] {
                    let test = ElemTest { op, value: value.to_owned(), fold_case };
                    let prepared = ElemBytes::new(&test);
                    for items in &arrays {
                        let stored = roster_schema::encode_array(items);
                        let want = items.iter().all(|e| test.matches(e));
                        assert_eq!(prepared.all(stored.as_bytes(), &mut scratch), want, "{test:?} {items:?}");
                    }
                }
            }
        }
    }
}
