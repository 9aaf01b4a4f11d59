//! The common shapes of a `SELECT` written straight to text, byte for byte as the sea-query
//! path ([`crate::compile`]) writes them, without building and cloning a sea-query statement
//! (which took about 22,000 instructions and 40 allocations for a two-comparison filter, more
//! than parsing and checking together).
//!
//! It covers fields and literals compared, tested for null, listed with `IN` or string-tested
//! (where the backend's [`Dialect::direct_str_test`] says how), joined by `AND`/`OR`/`NOT`,
//! with a projection, a sort and a page. Anything else — functions of fields, arrays, constant
//! folds that leave a constant behind, an empty projection, and every error — answers `None`,
//! and the query goes through sea-query as before. So this module never decides what a query
//! means: it repeats [`crate::compile::Compiler`]'s rules (folding, null guards, binding) and
//! sea-query's parenthesisation, and the test at the bottom compares both paths over generated
//! typed queries on every backend.
//!
//! Values are bound parameters, as on the sea-query path; identifiers come from the schema and
//! are quoted and escaped as sea-query quotes them.

use roster_ast::{CmpOp, Direction};
use roster_check::{Operand, Pred, StrOp, TypedQuery, ValueType};
use roster_schema::Value;
use sea_query::QueryBuilder;

use crate::compile::{Compiler, eval_cmp, eval_str_test};
use crate::{Compiled, Param};

/// What the direct renderer needs of a backend's syntax: sea-query's identifier quotes and
/// placeholders for it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Syntax {
    quote: (char, char),
    placeholder: &'static str,
    numbered: bool,
}

impl Syntax {
    /// The syntax of a sea-query builder, as that builder reports it.
    pub(crate) fn of(builder: &impl QueryBuilder) -> Syntax {
        let q = builder.quote();
        let (placeholder, numbered) = builder.placeholder();
        Syntax { quote: (q.left(), q.right()), placeholder, numbered }
    }
}

/// A binary operator of the node tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Bin {
    Cmp(CmpOp),
    In,
    Is,
    IsNot,
    And,
    Or,
}

impl Bin {
    fn text(self) -> &'static str {
        match self {
            Bin::Cmp(CmpOp::Eq) => "=",
            Bin::Cmp(CmpOp::Ne) => "<>",
            Bin::Cmp(CmpOp::Gt) => ">",
            Bin::Cmp(CmpOp::Ge) => ">=",
            Bin::Cmp(CmpOp::Lt) => "<",
            Bin::Cmp(CmpOp::Le) => "<=",
            Bin::In => "IN",
            Bin::Is => "IS",
            Bin::IsNot => "IS NOT",
            Bin::And => "AND",
            Bin::Or => "OR",
        }
    }

    fn is_logical(self) -> bool {
        matches!(self, Bin::And | Bin::Or)
    }
}

/// The index of a node in [`Nodes`].
pub(crate) type NodeId = usize;

/// A node of the expression being written: the few shapes of sea-query's `Expr` the direct
/// path uses.
#[derive(Debug)]
enum Node<'q> {
    /// A quoted column.
    Col(&'q str),
    /// A bound parameter.
    Param(Param),
    /// A keyword or constant of the compiler, written as is (`NULL`, `0`).
    Keyword(&'static str),
    /// `name(args…)`, the arguments being the next `len` entries of `Nodes::args` from `at`.
    Call {
        name: &'static str,
        at: usize,
        len: usize,
    },
    /// `(items…)` after `IN`, as `Call`'s arguments.
    Tuple {
        at: usize,
        len: usize,
    },
    Bin(NodeId, Bin, NodeId),
    Not(NodeId),
}

/// The nodes of one expression.
#[derive(Debug, Default)]
pub(crate) struct Nodes<'q> {
    nodes: Vec<Node<'q>>,
    args: Vec<NodeId>,
}

impl<'q> Nodes<'q> {
    fn push(&mut self, n: Node<'q>) -> NodeId {
        self.nodes.push(n);
        self.nodes.len() - 1
    }

    /// `a op b`.
    pub(crate) fn bin(&mut self, a: NodeId, op: Bin, b: NodeId) -> NodeId {
        self.push(Node::Bin(a, op, b))
    }

    /// A constant of the compiler's own (never input).
    pub(crate) fn keyword(&mut self, k: &'static str) -> NodeId {
        self.push(Node::Keyword(k))
    }

    /// `name(args…)` for a function name of the compiler's own.
    pub(crate) fn call(&mut self, name: &'static str, args: &[NodeId]) -> NodeId {
        let at = self.args.len();
        self.args.extend_from_slice(args);
        self.push(Node::Call { name, at, len: args.len() })
    }

    /// Whether sea-query writes `inner` without parentheses as an operand of `outer`
    /// (`None`: `NOT`): its `common_inner_expr_well_known_greater_precedence` for these shapes.
    fn binds_tighter(&self, inner: NodeId, outer: Option<Bin>) -> bool {
        match &self.nodes[inner] {
            Node::Col(_) | Node::Param(_) | Node::Keyword(_) | Node::Call { .. } | Node::Tuple { .. } => true,
            Node::Bin(_, op, _) if !op.is_logical() => outer.is_none_or(Bin::is_logical),
            Node::Bin(..) | Node::Not(_) => false,
        }
    }

    /// Writes `id` as sea-query's `prepare_expr` does, taking its parameters in order.
    fn write(&mut self, id: NodeId, w: &mut Writer<'_>) {
        match &mut self.nodes[id] {
            Node::Col(name) => w.iden(name),
            Node::Param(p) => {
                let p = std::mem::replace(p, Param::Null);
                w.param(p);
            }
            Node::Keyword(k) => w.sql.push_str(k),
            &mut Node::Call { name, at, len } => {
                w.sql.push_str(name);
                self.write_list(at, len, w);
            }
            &mut Node::Tuple { at, len } => self.write_list(at, len, w),
            &mut Node::Bin(a, op, b) => {
                let left_assoc = op.is_logical() && matches!(self.nodes[a], Node::Bin(_, inner, _) if inner == op);
                let left_paren = !self.binds_tighter(a, Some(op)) && !left_assoc;
                self.write_paren(a, left_paren, w);
                w.sql.push(' ');
                w.sql.push_str(op.text());
                w.sql.push(' ');
                let right_paren = !self.binds_tighter(b, Some(op));
                self.write_paren(b, right_paren, w);
            }
            &mut Node::Not(a) => {
                w.sql.push_str("NOT ");
                let paren = !self.binds_tighter(a, None);
                self.write_paren(a, paren, w);
            }
        }
    }

    fn write_paren(&mut self, id: NodeId, paren: bool, w: &mut Writer<'_>) {
        if paren {
            w.sql.push('(');
        }
        self.write(id, w);
        if paren {
            w.sql.push(')');
        }
    }

    fn write_list(&mut self, at: usize, len: usize, w: &mut Writer<'_>) {
        w.sql.push('(');
        for i in 0..len {
            if i > 0 {
                w.sql.push_str(", ");
            }
            let arg = self.args[at + i];
            self.write(arg, w);
        }
        w.sql.push(')');
    }
}

/// The text and parameters being written.
struct Writer<'s> {
    syntax: &'s Syntax,
    sql: String,
    values: Vec<Param>,
}

impl Writer<'_> {
    /// A quoted identifier; the closing quote character is doubled inside it, as sea-query
    /// does for identifiers that are not static.
    fn iden(&mut self, name: &str) {
        let (open, close) = self.syntax.quote;
        self.sql.push(open);
        if name.contains(close) {
            for c in name.chars() {
                if c == close {
                    self.sql.push(c);
                }
                self.sql.push(c);
            }
        } else {
            self.sql.push_str(name);
        }
        self.sql.push(close);
    }

    fn param(&mut self, p: Param) {
        self.values.push(p);
        self.sql.push_str(self.syntax.placeholder);
        if self.syntax.numbered {
            push_usize(&mut self.sql, self.values.len());
        }
    }
}

fn push_usize(s: &mut String, n: usize) {
    use std::fmt::Write as _;
    // Writing to a String cannot fail.
    let _ = write!(s, "{n}");
}

/// A compiled operand: a known value, or a node of the row with its nullability and type.
enum Opnd<'q> {
    Lit(&'q Value),
    Sql { node: NodeId, nullable: bool, ty: ValueType },
}

/// A compiled predicate: a truth value known now, or a node.
enum Cond {
    Known(Option<bool>),
    Sql(NodeId),
}

/// `SELECT` of `q` written directly, or `None` when the query has a shape this module leaves
/// to sea-query (see the module doc).
pub(crate) fn select(c: &Compiler<'_>, q: &TypedQuery) -> Option<Compiled> {
    if q.projection.is_empty() {
        return None;
    }
    let mut nodes = Nodes { nodes: Vec::with_capacity(16), args: Vec::new() };
    let direct = Direct { c };
    let filter = match direct.pred(&mut nodes, &q.filter)? {
        Cond::Known(Some(true)) => None,
        // `WHERE FALSE`: a constant, which sea-query writes per backend.
        Cond::Known(_) => return None,
        Cond::Sql(id) => Some(id),
    };
    let syntax = c.dialect.syntax();
    let mut w = Writer { syntax: &syntax, sql: String::with_capacity(256), values: Vec::with_capacity(4) };
    w.sql.push_str("SELECT ");
    for (i, id) in q.projection.iter().enumerate() {
        if i > 0 {
            w.sql.push_str(", ");
        }
        w.iden(&c.field(*id).ok()?.column);
    }
    w.sql.push_str(" FROM ");
    w.iden(&c.schema.name);
    if let Some(id) = filter {
        w.sql.push_str(" WHERE ");
        nodes.write(id, &mut w);
    }
    for (i, key) in q.sort.iter().enumerate() {
        w.sql.push_str(if i == 0 { " ORDER BY " } else { ", " });
        let field = c.field(key.field).ok()?;
        w.iden(&field.column);
        let nulls = field.nullable && c.dialect.explicit_null_order();
        w.sql.push_str(match (key.direction, nulls) {
            (Direction::Asc, false) => " ASC",
            (Direction::Desc, false) => " DESC",
            (Direction::Asc, true) => " ASC NULLS FIRST",
            (Direction::Desc, true) => " DESC NULLS LAST",
        });
    }
    // As `Compiler::select`: OFFSET needs a LIMIT on SQLite and MySQL.
    let clamp = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    let (limit, offset) = match (q.limit, q.offset) {
        (Some(limit), offset) => (Some(clamp(limit)), (offset > 0).then(|| clamp(offset))),
        (None, 0) => (None, None),
        (None, offset) => (Some(i64::MAX), Some(clamp(offset))),
    };
    if let Some(limit) = limit {
        w.sql.push_str(" LIMIT ");
        w.param(Param::Int(limit));
    }
    if let Some(offset) = offset {
        w.sql.push_str(" OFFSET ");
        w.param(Param::Int(offset));
    }
    Some(Compiled { sql: w.sql, values: w.values })
}

/// The predicate compiler of the direct path: [`Compiler`]'s rules, into [`Nodes`].
struct Direct<'c, 'q> {
    c: &'c Compiler<'q>,
}

impl<'q> Direct<'_, 'q> {
    fn pred(&self, n: &mut Nodes<'q>, p: &'q Pred) -> Option<Cond> {
        Some(match p {
            Pred::Const(b) => Cond::Known(Some(*b)),
            Pred::And(ps) => self.junction(n, ps, false)?,
            Pred::Or(ps) => self.junction(n, ps, true)?,
            Pred::Not(p) => match self.pred(n, p)? {
                Cond::Known(b) => Cond::Known(b.map(|b| !b)),
                Cond::Sql(e) => Cond::Sql(n.push(Node::Not(e))),
            },
            Pred::Cmp { op, lhs, rhs } => self.cmp(n, *op, lhs, rhs)?,
            Pred::IsNull { operand, negated } => match self.operand(n, operand)? {
                Opnd::Lit(v) => Cond::Known(Some(matches!(v, Value::Null) != *negated)),
                Opnd::Sql { node, .. } => {
                    let null = n.keyword("NULL");
                    Cond::Sql(n.bin(node, if *negated { Bin::IsNot } else { Bin::Is }, null))
                }
            },
            Pred::In { operand, values } => self.is_in(n, operand, values)?,
            Pred::StrTest { op, haystack, needle } => self.str_test(n, *op, haystack, needle)?,
            Pred::AnyElement { .. } | Pred::AllElements { .. } => return None,
        })
    }

    /// `Compiler::junction`; a known null left among SQL operands is left to sea-query.
    fn junction(&self, n: &mut Nodes<'q>, ps: &'q [Pred], or: bool) -> Option<Cond> {
        let mut acc: Option<NodeId> = None;
        let mut unknown = false;
        let op = if or { Bin::Or } else { Bin::And };
        for p in ps {
            match self.pred(n, p)? {
                Cond::Known(Some(b)) if b == or => return Some(Cond::Known(Some(or))),
                Cond::Known(Some(_)) => {}
                Cond::Known(None) => unknown = true,
                Cond::Sql(e) => acc = Some(acc.map_or(e, |a| n.bin(a, op, e))),
            }
        }
        match (acc, unknown) {
            (None, _) => Some(Cond::Known(if unknown { None } else { Some(!or) })),
            (Some(_), true) => None,
            (Some(e), false) => Some(Cond::Sql(e)),
        }
    }

    fn operand(&self, n: &mut Nodes<'q>, o: &'q Operand) -> Option<Opnd<'q>> {
        match o {
            Operand::Literal(v) => Some(Opnd::Lit(v)),
            Operand::Field(id) => {
                let field = self.c.schema.fields.get(id.index())?;
                let node = n.push(Node::Col(&field.column));
                Some(Opnd::Sql { node, nullable: field.nullable, ty: roster_check::value_type_of(*id, &field.ty) })
            }
            Operand::Func(..) | Operand::Call(..) => None,
        }
    }

    /// A literal as a parameter node; a null parameter is left to sea-query.
    fn param(&self, n: &mut Nodes<'q>, v: &Value, ty: ValueType) -> Option<NodeId> {
        match self.c.param(v, ty).ok()? {
            Param::Null => None,
            p => Some(n.push(Node::Param(p))),
        }
    }

    fn cmp(&self, n: &mut Nodes<'q>, op: CmpOp, lhs: &'q Operand, rhs: &'q Operand) -> Option<Cond> {
        let (l, r) = (self.operand(n, lhs)?, self.operand(n, rhs)?);
        let (op, l, r) = match (l, r) {
            (l @ Opnd::Lit(_), r @ Opnd::Sql { .. }) => (op.flipped(), r, l),
            pair => (op, pair.0, pair.1),
        };
        Some(match (l, r) {
            (Opnd::Lit(a), Opnd::Lit(b)) => Cond::Known(Some(eval_cmp(op, a, b).ok()?)),
            (Opnd::Sql { node, .. }, Opnd::Lit(Value::Null)) => match op {
                CmpOp::Eq | CmpOp::Ne => {
                    let null = n.keyword("NULL");
                    Cond::Sql(n.bin(node, if op == CmpOp::Eq { Bin::Is } else { Bin::IsNot }, null))
                }
                _ => Cond::Known(Some(false)),
            },
            (Opnd::Sql { node, nullable, ty }, Opnd::Lit(v)) => {
                let value = self.param(n, v, ty)?;
                Cond::Sql(two_valued(n, op, node, nullable, value, false)?)
            }
            (Opnd::Sql { node: a, nullable: na, ty: ta }, Opnd::Sql { node: b, nullable: nb, ty: tb }) => {
                if ta != tb {
                    return None;
                }
                Cond::Sql(two_valued(n, op, a, na, b, nb)?)
            }
            (Opnd::Lit(_), Opnd::Sql { .. }) => return None,
        })
    }

    fn is_in(&self, n: &mut Nodes<'q>, operand: &'q Operand, values: &'q [Value]) -> Option<Cond> {
        Some(match self.operand(n, operand)? {
            Opnd::Lit(Value::Null) => Cond::Known(Some(false)),
            Opnd::Lit(v) => {
                let mut found = false;
                for c in values {
                    found |= !matches!(c, Value::Null) && eval_cmp(CmpOp::Eq, v, c).ok()?;
                }
                Cond::Known(Some(found))
            }
            Opnd::Sql { node, nullable, ty } => {
                let at = n.args.len();
                for v in values.iter().filter(|v| !matches!(v, Value::Null)) {
                    let p = self.param(n, v, ty)?;
                    n.args.push(p);
                }
                let len = n.args.len() - at;
                if len == 0 {
                    return Some(Cond::Known(Some(false)));
                }
                let tuple = n.push(Node::Tuple { at, len });
                let test = n.bin(node, Bin::In, tuple);
                if nullable {
                    let (col, null) = (n.again(node)?, n.keyword("NULL"));
                    let guard = n.bin(col, Bin::IsNot, null);
                    Cond::Sql(n.bin(test, Bin::And, guard))
                } else {
                    Cond::Sql(test)
                }
            }
        })
    }

    fn str_test(&self, n: &mut Nodes<'q>, op: StrOp, haystack: &'q Operand, needle: &'q Operand) -> Option<Cond> {
        let (h, nd) = (self.operand(n, haystack)?, self.operand(n, needle)?);
        // `None` inside: a null side (the test is null); outer `None`: not for this path.
        let sql = |n: &mut Nodes<'q>, o: Opnd<'q>| -> Option<Option<NodeId>> {
            match o {
                Opnd::Lit(Value::Null) => Some(None),
                Opnd::Lit(v) => self.param(n, v, ValueType::String).map(Some),
                Opnd::Sql { node, ty: ValueType::String, .. } => Some(Some(node)),
                Opnd::Sql { .. } => None,
            }
        };
        Some(match (h, nd) {
            (Opnd::Lit(h), Opnd::Lit(nd)) => Cond::Known(eval_str_test(op, h, nd).ok()?),
            (h, nd) => match (sql(n, h)?, sql(n, nd)?) {
                (Some(h), Some(nd)) => Cond::Sql(self.c.dialect.direct_str_test(n, op, h, nd)?),
                _ => Cond::Known(None),
            },
        })
    }
}

/// `compile::two_valued` in nodes. A guard repeats a side as a new node of its own: a column
/// again, or a parameter bound once more (sea-query clones the expression, and so the value).
fn two_valued(n: &mut Nodes<'_>, op: CmpOp, a: NodeId, na: bool, b: NodeId, nb: bool) -> Option<NodeId> {
    let plain = n.bin(a, Bin::Cmp(op), b);
    let is = |n: &mut Nodes<'_>, x: NodeId, not: bool| -> Option<NodeId> {
        let again = n.again(x)?;
        let null = n.keyword("NULL");
        Some(n.bin(again, if not { Bin::IsNot } else { Bin::Is }, null))
    };
    Some(match op {
        CmpOp::Eq if na && nb => {
            let (an, bn) = (is(n, a, false)?, is(n, b, false)?);
            let both_null = n.bin(an, Bin::And, bn);
            let (ann, bnn) = (is(n, a, true)?, is(n, b, true)?);
            let e = n.bin(plain, Bin::And, ann);
            let e = n.bin(e, Bin::And, bnn);
            n.bin(e, Bin::Or, both_null)
        }
        CmpOp::Ne if na && nb => {
            let (ann, bnn) = (is(n, a, true)?, is(n, b, true)?);
            let not_both_null = n.bin(ann, Bin::Or, bnn);
            let (an, bn) = (is(n, a, false)?, is(n, b, false)?);
            let e = n.bin(plain, Bin::Or, an);
            let e = n.bin(e, Bin::Or, bn);
            n.bin(e, Bin::And, not_both_null)
        }
        CmpOp::Ne => {
            let mut e = plain;
            for (x, nullable) in [(a, na), (b, nb)] {
                if nullable {
                    let g = is(n, x, false)?;
                    e = n.bin(e, Bin::Or, g);
                }
            }
            e
        }
        _ => {
            let mut e = plain;
            for (x, nullable) in [(a, na), (b, nb)] {
                if nullable {
                    let g = is(n, x, true)?;
                    e = n.bin(e, Bin::And, g);
                }
            }
            e
        }
    })
}

impl Nodes<'_> {
    /// A copy of a column or parameter node (what a guard repeats); `None` for other shapes.
    pub(crate) fn again(&mut self, x: NodeId) -> Option<NodeId> {
        let copy = match &self.nodes[x] {
            Node::Col(c) => Node::Col(c),
            Node::Param(p) => Node::Param(p.clone()),
            _ => return None,
        };
        Some(self.push(copy))
    }
}

#[cfg(test)]
mod tests;
