//! The compiled plan against a deliberately naive reference evaluator, written straight from
//! the null-rule table of `roster_check::typed` over `Value`s, on random predicates, sorts,
//! pages and projections: once over generated identity users, once over random tables of a
//! schema with every column type, nullable.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::cmp::Ordering;
use std::sync::{Arc, OnceLock};

use proptest::prelude::*;
use proptest::sample::{Index, select};
use proptest::test_runner::Config;
use roster_ast::{CmpOp, Direction};
use roster_check::{Operand, Pred, ScalarFunc, StrOp, TypedQuery, TypedSortKey};
use roster_eval::{Access, Table, compile};
use roster_schema::{EnumType, Field, FieldId, FieldType, Record, Schema, Timestamp, Value};

// ---------------------------------------------------------------------------------------------
// The reference: obviously correct, row by row, no cleverness.

fn value(r: &Record, o: &Operand) -> Value {
    match o {
        Operand::Field(id) => r.get(*id).clone(),
        Operand::Literal(v) => v.clone(),
        Operand::Func(f, arg) => match value(r, arg) {
            Value::Str(s) => f.apply(&s),
            _ => Value::Null,
        },
        Operand::Call(f, args) => {
            let values: Vec<Value> = args.iter().map(|a| value(r, a)).collect();
            if values.contains(&Value::Null) { Value::Null } else { f.apply(&values) }
        }
    }
}

/// The texts of an enum field operand.
fn texts<'s>(schema: &'s Schema, o: &Operand) -> Option<&'s [String]> {
    match o {
        Operand::Field(id) => match &schema.get(*id).ty {
            FieldType::Enum(e) => Some(&e.values),
            _ => None,
        },
        _ => None,
    }
}

/// How SQL orders two non-null values as stored: enums and UUIDs as their (lower-case) text,
/// strings by code point, timestamps as integers.
fn order(a: &Value, b: &Value, texts: Option<&[String]>) -> Ordering {
    match (a, b) {
        (Value::Bool(a), Value::Bool(b)) => a.cmp(b),
        (Value::Int(a), Value::Int(b)) => a.cmp(b),
        (Value::Str(a), Value::Str(b)) => a.chars().cmp(b.chars()),
        (Value::Uuid(a), Value::Uuid(b)) => uuid_text(*a).cmp(&uuid_text(*b)),
        (Value::Timestamp(a), Value::Timestamp(b)) => a.0.cmp(&b.0),
        (Value::Enum(a), Value::Enum(b)) => match texts {
            Some(t) => t[usize::from(*a)].cmp(&t[usize::from(*b)]),
            None => a.cmp(b),
        },
        _ => panic!("comparing {a:?} with {b:?}"),
    }
}

fn uuid_text(u: u128) -> String {
    let h = format!("{u:032x}");
    format!("{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..])
}

/// `Some(true)`, `Some(false)` or `None` (null).
fn eval(schema: &Schema, r: &Record, p: &Pred) -> Option<bool> {
    match p {
        Pred::Const(b) => Some(*b),
        Pred::And(ps) => {
            let vs: Vec<Option<bool>> = ps.iter().map(|p| eval(schema, r, p)).collect();
            if vs.contains(&Some(false)) {
                Some(false)
            } else if vs.contains(&None) {
                None
            } else {
                Some(true)
            }
        }
        Pred::Or(ps) => {
            let vs: Vec<Option<bool>> = ps.iter().map(|p| eval(schema, r, p)).collect();
            if vs.contains(&Some(true)) {
                Some(true)
            } else if vs.contains(&None) {
                None
            } else {
                Some(false)
            }
        }
        Pred::Not(p) => eval(schema, r, p).map(|b| !b),
        Pred::Cmp { op, lhs, rhs } => {
            let (a, b) = (value(r, lhs), value(r, rhs));
            Some(match (&a, &b) {
                (Value::Null, Value::Null) => *op == CmpOp::Eq,
                (Value::Null, _) | (_, Value::Null) => *op == CmpOp::Ne,
                _ => {
                    let o = order(&a, &b, texts(schema, lhs).or(texts(schema, rhs)));
                    match op {
                        CmpOp::Eq => o == Ordering::Equal,
                        CmpOp::Ne => o != Ordering::Equal,
                        CmpOp::Gt => o == Ordering::Greater,
                        CmpOp::Ge => o != Ordering::Less,
                        CmpOp::Lt => o == Ordering::Less,
                        CmpOp::Le => o != Ordering::Greater,
                    }
                }
            })
        }
        Pred::IsNull { operand, negated } => Some((value(r, operand) == Value::Null) != *negated),
        Pred::In { operand, values } => {
            let v = value(r, operand);
            Some(v != Value::Null && values.contains(&v))
        }
        Pred::StrTest { op, haystack, needle } => match (value(r, haystack), value(r, needle)) {
            (Value::Str(h), Value::Str(n)) => Some(match op {
                StrOp::Contains => h.contains(&n),
                StrOp::StartsWith => h.starts_with(&n),
                StrOp::EndsWith => h.ends_with(&n),
            }),
            _ => None,
        },
        Pred::AllElements { field, test } => match &r.0[field.index()] {
            Value::StrArray(items) => Some(items.iter().all(|item| test.matches(item))),
            _ => Some(false),
        },
        Pred::AnyElement { field, test } => match &r.0[field.index()] {
            Value::StrArray(items) => Some(items.iter().any(|item| {
                let e = if test.fold_case { item.to_ascii_lowercase() } else { item.clone() };
                match test.op {
                    roster_check::ElemOp::Eq => e == test.value,
                    roster_check::ElemOp::Contains => e.contains(&test.value),
                    roster_check::ElemOp::StartsWith => e.starts_with(&test.value),
                    roster_check::ElemOp::EndsWith => e.ends_with(&test.value),
                }
            })),
            _ => Some(false),
        },
    }
}

/// Matching rows, stably sorted (nulls first ascending, last descending), then paged.
fn reference_rows(schema: &Schema, records: &[Record], q: &TypedQuery) -> (Vec<usize>, usize) {
    let mut rows: Vec<usize> =
        (0..records.len()).filter(|&i| eval(schema, &records[i], &q.filter) == Some(true)).collect();
    let count = rows.len();
    rows.sort_by(|&a, &b| {
        for key in &q.sort {
            let (va, vb) = (records[a].get(key.field), records[b].get(key.field));
            let desc = key.direction == Direction::Desc;
            let o = match (va, vb) {
                (Value::Null, Value::Null) => Ordering::Equal,
                (Value::Null, _) => {
                    if desc {
                        Ordering::Greater
                    } else {
                        Ordering::Less
                    }
                }
                (_, Value::Null) => {
                    if desc {
                        Ordering::Less
                    } else {
                        Ordering::Greater
                    }
                }
                _ => {
                    let o = order(va, vb, texts(schema, &Operand::Field(key.field)));
                    if desc { o.reverse() } else { o }
                }
            };
            if o != Ordering::Equal {
                return o;
            }
        }
        Ordering::Equal
    });
    let offset = usize::try_from(q.offset).unwrap_or(usize::MAX);
    let limit = q.limit.map_or(usize::MAX, |l| usize::try_from(l).unwrap_or(usize::MAX));
    (rows.into_iter().skip(offset).take(limit).collect(), count)
}

fn project(r: &Record, fields: &[FieldId]) -> Record {
    let mut values = vec![Value::Null; r.0.len()];
    for f in fields {
        values[f.index()] = r.get(*f).clone();
    }
    Record(values)
}

// ---------------------------------------------------------------------------------------------
// Random queries over a world: a schema, its records, and literal pools drawn from the data.

#[derive(Debug)]
struct World {
    schema: Schema,
    records: Vec<Record>,
    table: Table,
    /// Per field: non-null values that occur, plus a few that do not.
    pools: Vec<Vec<Value>>,
    /// Substrings of the data and some strangers, for substring tests.
    needles: Vec<String>,
    string_fields: Vec<FieldId>,
}

impl World {
    fn new(schema: Schema, records: Vec<Record>) -> World {
        let table = Table::from_records(&schema, records.clone()).unwrap();
        let mut pools: Vec<Vec<Value>> = vec![Vec::new(); schema.fields.len()];
        for r in records.iter().step_by((records.len() / 40).max(1)) {
            for (pool, v) in pools.iter_mut().zip(&r.0) {
                if *v != Value::Null && !pool.contains(v) {
                    pool.push(v.clone());
                }
            }
        }
        let mut needles: Vec<String> =
            ["", "a", "A", "smith", "@", ".", "ë", " ", "%", "_", "user-1", "ALICE", "alice"].map(String::from).into();
        for (pool, field) in pools.iter_mut().zip(&schema.fields) {
            let extras = match &field.ty {
                FieldType::String => vec![Value::Str(String::new()), Value::Str("m".into()), Value::Str("Zz".into())],
                FieldType::Enum(e) => (0..e.values.len()).map(|c| Value::Enum(c as u16)).collect(),
                FieldType::Timestamp => {
                    vec![Value::Timestamp(Timestamp(i64::MIN)), Value::Timestamp(Timestamp(1_600_000_000_000_000))]
                }
                FieldType::Bool => vec![Value::Bool(false), Value::Bool(true)],
                FieldType::Int => vec![Value::Int(-1), Value::Int(0), Value::Int(i64::MAX)],
                FieldType::Uuid => vec![Value::Uuid(0), Value::Uuid(u128::MAX), Value::Uuid(1 << 127)],
                // The reference schemas have no arrays; arrays have their own tests.
                FieldType::StringArray => Vec::new(),
            };
            for v in extras {
                if !pool.contains(&v) {
                    pool.push(v);
                }
            }
            for v in pool.iter() {
                if let Value::Str(s) = v {
                    let chars: Vec<char> = s.chars().collect();
                    let n = chars.len();
                    for (from, to) in
                        [(0, n.min(3)), (n / 2, n), (n / 3, (2 * n / 3).max(n / 3)), (n.saturating_sub(4), n)]
                    {
                        let sub: String = chars[from..to].iter().collect();
                        if !needles.contains(&sub) {
                            needles.push(sub);
                        }
                    }
                }
            }
        }
        let string_fields = schema.ids().filter(|id| schema.get(*id).ty == FieldType::String).collect();
        World { schema, records, table, pools, needles, string_fields }
    }

    fn fields(&self) -> Vec<FieldId> {
        self.schema.ids().collect()
    }
}

const FUNCS: [ScalarFunc; 3] = [ScalarFunc::ToLower, ScalarFunc::ToUpper, ScalarFunc::Trim];
const STR_OPS: [StrOp; 3] = [StrOp::Contains, StrOp::StartsWith, StrOp::EndsWith];

fn func(f: ScalarFunc, arg: Operand) -> Operand {
    Operand::Func(f, Box::new(arg))
}

fn dedup(values: impl IntoIterator<Item = Value>) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    for v in values {
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

/// Builds one leaf from random choices.
#[allow(clippy::too_many_arguments)]
fn leaf(w: &World, f: Index, o: Index, l: Index, op: CmpOp, kind: u8, flag: bool, more: &[Index]) -> Pred {
    let fields = w.fields();
    let id = *f.get(&fields);
    let ty = &w.schema.get(id).ty;
    let is_enum = matches!(ty, FieldType::Enum(_));
    let cmp_op = if is_enum && op.is_ordering() { if flag { CmpOp::Eq } else { CmpOp::Ne } } else { op };
    let pool = &w.pools[id.index()];
    let lit = || Operand::Literal(l.get(pool).clone());
    let field = Operand::Field(id);
    let needle = || Operand::Literal(Value::Str(l.get(&w.needles).clone()));
    let str_op = STR_OPS[more[0].index(3)];
    let string_field = w.string_fields.get(o.index(w.string_fields.len().max(1))).map(|s| Operand::Field(*s));
    match (kind, string_field) {
        (0..=5, _) => Pred::Cmp { op: cmp_op, lhs: field, rhs: lit() },
        (6, _) => {
            // Another field of the same type (an enum only against itself).
            let same: Vec<FieldId> = fields
                .iter()
                .copied()
                .filter(|g| if is_enum { *g == id } else { w.schema.get(*g).ty == *ty })
                .collect();
            Pred::Cmp { op: cmp_op, lhs: field, rhs: Operand::Field(*o.get(&same)) }
        }
        (7, _) => Pred::Cmp { op: cmp_op, lhs: lit(), rhs: field },
        // Beyond the checker's invariants: a null literal, and two literals.
        (8, _) => Pred::Cmp { op: cmp_op, lhs: field, rhs: Operand::Literal(Value::Null) },
        (9, _) => Pred::Cmp { op: cmp_op, lhs: lit(), rhs: Operand::Literal(more[0].get(pool).clone()) },
        (10..=12, _) => Pred::In { operand: field, values: dedup(more.iter().map(|i| i.get(pool).clone())) },
        (13 | 14, _) => Pred::IsNull { operand: field, negated: flag },
        (15, Some(s)) => Pred::StrTest { op: str_op, haystack: s, needle: needle() },
        (16, Some(s)) => Pred::StrTest { op: str_op, haystack: func(FUNCS[more[0].index(3)], s), needle: needle() },
        (17, Some(s)) => {
            let hay = Operand::Literal(Value::Str(o.get(&w.needles).clone()));
            if flag {
                Pred::StrTest { op: str_op, haystack: hay, needle: s }
            } else {
                Pred::StrTest { op: str_op, haystack: s.clone(), needle: func(ScalarFunc::Trim, s) }
            }
        }
        (18, Some(s)) => {
            let f = FUNCS[more[0].index(3)];
            let text = match l.get(&w.needles) {
                t if flag => f.apply(t),
                t => Value::Str(t.clone()),
            };
            Pred::Cmp { op, lhs: func(f, s), rhs: Operand::Literal(text) }
        }
        (19, Some(s)) => {
            Pred::Cmp { op, lhs: func(ScalarFunc::Length, s), rhs: Operand::Literal(Value::Int(l.index(14) as i64)) }
        }
        (20, Some(s)) => {
            let other = Operand::Field(*more[0].get(&w.string_fields));
            Pred::Cmp { op, lhs: func(FUNCS[l.index(3)], s), rhs: func(FUNCS[o.index(3)], other) }
        }
        (21, Some(s)) => {
            let values = more.iter().map(|i| ScalarFunc::ToLower.apply(i.get::<String>(&w.needles)));
            Pred::In { operand: func(ScalarFunc::ToLower, s), values: dedup(values) }
        }
        (22, Some(s)) => Pred::IsNull { operand: func(FUNCS[l.index(3)], s), negated: flag },
        _ => Pred::Const(flag),
    }
}

fn pred(w: Arc<World>) -> impl Strategy<Value = Pred> {
    let leaves = (
        any::<Index>(),
        any::<Index>(),
        any::<Index>(),
        select(CmpOp::ALL.to_vec()),
        0u8..24,
        any::<bool>(),
        prop::collection::vec(any::<Index>(), 1..4),
    )
        .prop_map(move |(f, o, l, op, kind, flag, more)| leaf(&w, f, o, l, op, kind, flag, &more));
    leaves.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 2..4).prop_map(Pred::And),
            prop::collection::vec(inner.clone(), 2..4).prop_map(Pred::Or),
            inner.prop_map(|p| Pred::Not(Box::new(p))),
        ]
    })
}

/// Up to three distinct keys, then the primary key (as the checker guarantees).
fn sort(w: &World) -> impl Strategy<Value = Vec<TypedSortKey>> + use<> {
    let fields = w.fields();
    let pk = w.schema.primary_key;
    (prop::collection::vec((any::<Index>(), any::<bool>()), 0..4), any::<bool>()).prop_map(move |(keys, pk_desc)| {
        let dir = |desc: bool| {
            if desc { Direction::Desc } else { Direction::Asc }
        };
        let mut out: Vec<TypedSortKey> = Vec::new();
        for (i, desc) in keys {
            let field = *i.get(&fields);
            if field != pk && !out.iter().any(|k| k.field == field) {
                out.push(TypedSortKey { field, direction: dir(desc) });
            }
        }
        out.push(TypedSortKey { field: pk, direction: dir(pk_desc) });
        out
    })
}

fn page() -> impl Strategy<Value = (Option<u64>, u64)> {
    (prop::option::of(prop_oneof![0u64..20, 0u64..3000, Just(u64::MAX)]), prop_oneof![Just(0u64), 0u64..50, 0u64..3000])
}

fn projection(w: &World) -> impl Strategy<Value = Vec<FieldId>> + use<> {
    let fields = w.fields();
    prop::collection::vec(any::<Index>(), 0..5).prop_map(move |picks| {
        let mut out: Vec<FieldId> = Vec::new();
        for i in picks {
            let f = *i.get(&fields);
            if !out.contains(&f) {
                out.push(f);
            }
        }
        out
    })
}

fn query(w: Arc<World>) -> impl Strategy<Value = TypedQuery> {
    (pred(w.clone()), sort(&w), page(), projection(&w))
        .prop_map(|(filter, sort, (limit, offset), projection)| TypedQuery { filter, sort, projection, limit, offset })
}

fn agree(w: &World, q: &TypedQuery) -> Result<(), TestCaseError> {
    let (want, count) = reference_rows(&w.schema, &w.records, q);
    let mut matching: Vec<usize> =
        (0..w.records.len()).filter(|&i| eval(&w.schema, &w.records[i], &q.filter) == Some(true)).collect();
    matching.sort_unstable();
    // Every access path and thread count: same count, same rows in the same order.
    for access in [Access::Auto, Access::Scan, Access::Index] {
        for threads in [1, 3] {
            let plan = compile(&w.schema, q).with_access(access).with_threads(threads);
            let how = format!("{access:?}, {threads} thread(s)");
            prop_assert_eq!(plan.count(&w.table), count, "count, {}", how);
            prop_assert_eq!(plan.matching(&w.table), matching.clone(), "matching, {}", how);
            let rows = plan.rows(&w.table);
            prop_assert_eq!(&rows, &want, "rows, {}", how);
        }
    }
    let plan = compile(&w.schema, q);
    let records: Vec<Record> = want.iter().map(|&r| project(&w.records[r], &q.projection)).collect();
    prop_assert_eq!(plan.records(&w.table), records, "records");
    Ok(())
}

fn config(cases: u32) -> Config {
    Config { cases, failure_persistence: None, ..Config::default() }
}

// ---------------------------------------------------------------------------------------------
// Generated identity users.

fn identity() -> Arc<World> {
    static WORLD: OnceLock<Arc<World>> = OnceLock::new();
    WORLD
        .get_or_init(|| {
            let profile = roster_schema::profiles::by_name("identity").unwrap();
            let records: Vec<Record> = profile.generate(2500, 7).collect();
            Arc::new(World::new(profile.schema, records))
        })
        .clone()
}

proptest! {
    #![proptest_config(config(400))]

    #[test]
    fn plan_equals_reference_on_identity_users(q in query(identity())) {
        agree(&identity(), &q)?;
    }
}

// ---------------------------------------------------------------------------------------------
// Random tables with every column type, all nullable but the key.

fn sink_schema() -> Schema {
    let enum_type = EnumType { values: ["b", "a", "C", "a2"].map(String::from).into(), case_sensitive: true };
    Schema {
        name: "sink".into(),
        fields: vec![
            Field::new("id", FieldType::Int),
            Field::new("name", FieldType::String).nullable(),
            Field::new("nick", FieldType::String).nullable(),
            Field::new("flag", FieldType::Bool).nullable(),
            Field::new("score", FieldType::Int).nullable(),
            Field::new("kind", FieldType::Enum(enum_type)).nullable(),
            Field::new("at", FieldType::Timestamp).nullable(),
            Field::new("until", FieldType::Timestamp),
            Field::new("uid", FieldType::Uuid).nullable(),
        ],
        primary_key: FieldId(0),
    }
}

fn maybe<T: std::fmt::Debug>(s: impl Strategy<Value = T>) -> impl Strategy<Value = Option<T>> {
    prop::option::weighted(0.8, s)
}

fn sink_row() -> impl Strategy<Value = Vec<Value>> {
    const STRINGS: [&str; 14] =
        ["", "a", "A", "ab", " a ", "Zoë", "zoë", "ÉCOLE", "x%y", "a_b", "bob", "BOB", "  ", "a\u{0}"];
    let string = || maybe(select(STRINGS.to_vec())).prop_map(|s| s.map_or(Value::Null, |s| Value::Str(s.into())));
    (
        string(),
        string(),
        maybe(any::<bool>()).prop_map(|b| b.map_or(Value::Null, Value::Bool)),
        maybe(-3i64..4).prop_map(|i| i.map_or(Value::Null, Value::Int)),
        maybe(0u16..4).prop_map(|e| e.map_or(Value::Null, Value::Enum)),
        maybe(-2i64..4).prop_map(|t| t.map_or(Value::Null, |t| Value::Timestamp(Timestamp(t * 1000)))),
        (-2i64..4).prop_map(|t| Value::Timestamp(Timestamp(t * 1000))),
        maybe(select(vec![0u128, 1, 5, 1 << 127, u128::MAX])).prop_map(|u| u.map_or(Value::Null, Value::Uuid)),
    )
        .prop_map(|(name, nick, flag, score, kind, at, until, uid)| vec![name, nick, flag, score, kind, at, until, uid])
}

fn sink() -> impl Strategy<Value = (Arc<World>, TypedQuery)> {
    prop_oneof![
        4 => prop::collection::vec(sink_row(), 0..80),
        1 => prop::collection::vec(sink_row(), 900..1400),
    ]
    .prop_flat_map(|rows| {
        let records = rows
            .into_iter()
            .enumerate()
            .map(|(i, mut values)| {
                values.insert(0, Value::Int(i as i64));
                Record(values)
            })
            .collect();
        let w = Arc::new(World::new(sink_schema(), records));
        (Just(w.clone()), query(w))
    })
}

proptest! {
    #![proptest_config(config(400))]

    #[test]
    fn plan_equals_reference_on_every_column_type((w, q) in sink()) {
        agree(&w, &q)?;
    }
}
