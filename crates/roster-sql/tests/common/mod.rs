//! Shared by the execution tests: the data set, an oracle written directly from the null
//! rules of `roster_check::typed` (plain Rust over records, no SQL), hand-picked queries and
//! a generator of random queries.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::cmp::Ordering;

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use roster_ast::{CmpOp, Direction};
use roster_check::{Operand, Pred, ScalarFunc, StrOp, TypedQuery, TypedSortKey};
use roster_schema::{Field, FieldId, FieldType, Record, Schema, Timestamp, Value, profiles};

pub const ID: FieldId = FieldId(0);
pub const USERNAME: FieldId = FieldId(1);
pub const STATUS: FieldId = FieldId(2);
pub const CREATED: FieldId = FieldId(3);
pub const UPDATED: FieldId = FieldId(4);
pub const LAST_LOGIN: FieldId = FieldId(5);

/// 2021-01-01T00:00:00Z.
pub const T2021: i64 = 1_609_459_200_000_000;

pub fn schema() -> Schema {
    profiles::identity::schema()
}

/// Usernames that the generator does not produce: LIKE wildcards, a backslash, non-ASCII
/// letters in both cases, spaces at the ends, the empty string.
pub const SPECIAL_NAMES: &[&str] =
    &["100%_sure", "50%off", "x_y", "xay", "back\\slash", "ÉCOLE Ab", "école ab", "  padded ", "", "ZOË"];

/// 200 generated identity users (seed 1) and one user per special name, some never logged in.
pub fn dataset() -> Vec<Record> {
    let profile = profiles::by_name("identity").expect("identity profile");
    let mut records: Vec<Record> = profile.generate(200, 1).collect();
    for (i, name) in SPECIAL_NAMES.iter().enumerate() {
        let i = i as i64;
        let last_login = if i % 3 == 0 { Value::Null } else { Value::Timestamp(Timestamp(T2021 + i * 1_000_000)) };
        records.push(Record(vec![
            Value::Uuid(0xFEED_0000_0000_4000_8000_0000_0000_0000 + i as u128),
            Value::Str((*name).to_owned()),
            Value::Enum((i % 6) as u16),
            // Two specials share a creation instant (the sort needs the tie-breaker).
            Value::Timestamp(Timestamp(T2021 - (i / 2) * 86_400_000_000)),
            Value::Timestamp(Timestamp(T2021 + 86_400_000_000)),
            last_login,
        ]));
    }
    records
}

// ---- the oracle --------------------------------------------------------------------------

fn operand(r: &Record, o: &Operand) -> Value {
    match o {
        Operand::Field(id) => r.get(*id).clone(),
        Operand::Literal(v) => v.clone(),
        Operand::Func(f, arg) => match operand(r, arg) {
            Value::Str(s) => match f {
                ScalarFunc::ToLower => Value::Str(s.chars().map(|c| c.to_ascii_lowercase()).collect()),
                ScalarFunc::ToUpper => Value::Str(s.chars().map(|c| c.to_ascii_uppercase()).collect()),
                ScalarFunc::Trim => Value::Str(s.trim_start_matches(' ').trim_end_matches(' ').to_owned()),
                ScalarFunc::Length => Value::Int(s.chars().count() as i64),
            },
            _ => Value::Null,
        },
        Operand::Call(f, args) => {
            let values: Vec<Value> = args.iter().map(|a| operand(r, a)).collect();
            if values.contains(&Value::Null) { Value::Null } else { f.apply(&values) }
        }
    }
}

/// Order of two non-null values; enums by their text.
fn order(schema: &Schema, field: Option<FieldId>, a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::Int(x), Value::Int(y)) => x.cmp(y),
        (Value::Str(x), Value::Str(y)) => x.as_bytes().cmp(y.as_bytes()),
        (Value::Uuid(x), Value::Uuid(y)) => x.cmp(y),
        (Value::Timestamp(x), Value::Timestamp(y)) => x.cmp(y),
        (Value::Enum(x), Value::Enum(y)) => match field.map(|f| &schema.get(f).ty) {
            Some(FieldType::Enum(e)) => e.values[usize::from(*x)].cmp(&e.values[usize::from(*y)]),
            _ => x.cmp(y),
        },
        _ => panic!("oracle: comparing {a:?} with {b:?}"),
    }
}

/// The truth value of `p` on `r`: `None` is null.
pub fn eval(schema: &Schema, r: &Record, p: &Pred) -> Option<bool> {
    match p {
        Pred::Const(b) => Some(*b),
        Pred::And(ps) => {
            let vs: Vec<_> = ps.iter().map(|p| eval(schema, r, p)).collect();
            if vs.contains(&Some(false)) {
                Some(false)
            } else if vs.contains(&None) {
                None
            } else {
                Some(true)
            }
        }
        Pred::Or(ps) => {
            let vs: Vec<_> = ps.iter().map(|p| eval(schema, r, p)).collect();
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
            let (a, b) = (operand(r, lhs), operand(r, rhs));
            let (an, bn) = (a == Value::Null, b == Value::Null);
            Some(match op {
                CmpOp::Eq => (an && bn) || (!an && !bn && a == b),
                CmpOp::Ne => !((an && bn) || (!an && !bn && a == b)),
                _ if an || bn => false,
                _ => {
                    let field = match lhs {
                        Operand::Field(f) => Some(*f),
                        _ => None,
                    };
                    let o = order(schema, field, &a, &b);
                    match op {
                        CmpOp::Gt => o.is_gt(),
                        CmpOp::Ge => o.is_ge(),
                        CmpOp::Lt => o.is_lt(),
                        _ => o.is_le(),
                    }
                }
            })
        }
        Pred::IsNull { operand: o, negated } => Some((operand(r, o) == Value::Null) != *negated),
        Pred::In { operand: o, values } => {
            let v = operand(r, o);
            Some(v != Value::Null && values.contains(&v))
        }
        Pred::StrTest { op, haystack, needle } => match (operand(r, haystack), operand(r, needle)) {
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

/// The answer to `q`: filter (true only), sort (nulls first ascending, last descending),
/// page, projection (other fields null).
pub fn answer(schema: &Schema, records: &[Record], q: &TypedQuery) -> Vec<Record> {
    let mut hits: Vec<&Record> = records.iter().filter(|r| eval(schema, r, &q.filter) == Some(true)).collect();
    hits.sort_by(|a, b| {
        for key in &q.sort {
            let (x, y) = (a.get(key.field), b.get(key.field));
            let asc = match (x == &Value::Null, y == &Value::Null) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Less,
                (false, true) => Ordering::Greater,
                (false, false) => order(schema, Some(key.field), x, y),
            };
            let o = if key.direction == Direction::Desc { asc.reverse() } else { asc };
            if o.is_ne() {
                return o;
            }
        }
        Ordering::Equal
    });
    hits.into_iter()
        .skip(usize::try_from(q.offset).unwrap_or(usize::MAX))
        .take(q.limit.map_or(usize::MAX, |l| usize::try_from(l).unwrap_or(usize::MAX)))
        .map(|r| {
            let mut values = vec![Value::Null; r.0.len()];
            for id in &q.projection {
                values[id.index()] = r.get(*id).clone();
            }
            Record(values)
        })
        .collect()
}

// ---- hand-picked queries -----------------------------------------------------------------

pub fn field(id: FieldId) -> Operand {
    Operand::Field(id)
}
pub fn ts(micros: i64) -> Operand {
    Operand::Literal(Value::Timestamp(Timestamp(micros)))
}
pub fn text(s: &str) -> Operand {
    Operand::Literal(Value::Str(s.to_owned()))
}
pub fn cmp(op: CmpOp, lhs: Operand, rhs: Operand) -> Pred {
    Pred::Cmp { op, lhs, rhs }
}
pub fn func(f: ScalarFunc, arg: Operand) -> Operand {
    Operand::Func(f, Box::new(arg))
}
pub fn str_test(op: StrOp, haystack: Operand, needle: Operand) -> Pred {
    Pred::StrTest { op, haystack, needle }
}
pub fn not(p: Pred) -> Pred {
    Pred::Not(Box::new(p))
}
pub fn asc(field: FieldId) -> TypedSortKey {
    TypedSortKey { field, direction: Direction::Asc }
}
pub fn desc(field: FieldId) -> TypedSortKey {
    TypedSortKey { field, direction: Direction::Desc }
}

/// A query returning every field, sorted by the primary key.
pub fn query(filter: Pred) -> TypedQuery {
    TypedQuery { filter, sort: vec![asc(ID)], projection: (0..6).map(FieldId).collect(), limit: None, offset: 0 }
}

/// Named queries covering each null rule and each function, with what they exercise.
pub fn named_queries() -> Vec<(&'static str, TypedQuery)> {
    let statuses = |ix: &[u16]| ix.iter().map(|i| Value::Enum(*i)).collect::<Vec<_>>();
    vec![
        ("lastLogin ne T includes nulls", query(cmp(CmpOp::Ne, field(LAST_LOGIN), ts(T2021)))),
        ("not (lastLogin lt T) includes nulls", query(not(cmp(CmpOp::Lt, field(LAST_LOGIN), ts(T2021))))),
        ("lastLogin ge T excludes nulls", query(cmp(CmpOp::Ge, field(LAST_LOGIN), ts(T2021)))),
        ("lastLogin eq null", query(Pred::IsNull { operand: field(LAST_LOGIN), negated: false })),
        ("lastLogin ne null", query(Pred::IsNull { operand: field(LAST_LOGIN), negated: true })),
        ("lastLogin eq lastLogin (both null is true)", query(cmp(CmpOp::Eq, field(LAST_LOGIN), field(LAST_LOGIN)))),
        ("lastLogin ne lastLogin (always false)", query(cmp(CmpOp::Ne, field(LAST_LOGIN), field(LAST_LOGIN)))),
        ("lastLogin gt createdAt (field vs field)", query(cmp(CmpOp::Gt, field(LAST_LOGIN), field(CREATED)))),
        ("not (lastLogin le updatedAt)", query(not(cmp(CmpOp::Le, field(LAST_LOGIN), field(UPDATED))))),
        ("createdAt ne lastLogin (one nullable side)", query(cmp(CmpOp::Ne, field(CREATED), field(LAST_LOGIN)))),
        ("userStatus in (VERIFIED, BLOCKED)", query(Pred::In { operand: field(STATUS), values: statuses(&[1, 2]) })),
        ("not (userStatus in (UNVERIFIED))", query(not(Pred::In { operand: field(STATUS), values: statuses(&[0]) }))),
        (
            "not (lastLogin in (…)) includes nulls",
            query(not(Pred::In {
                operand: field(LAST_LOGIN),
                values: vec![Value::Timestamp(Timestamp(T2021 + 1_000_000))],
            })),
        ),
        ("userStatus eq DELETED", query(cmp(CmpOp::Eq, field(STATUS), Operand::Literal(Value::Enum(4))))),
        ("contains(username, '%') is literal", query(str_test(StrOp::Contains, field(USERNAME), text("%")))),
        ("contains(username, '_') is literal", query(str_test(StrOp::Contains, field(USERNAME), text("_")))),
        ("contains(username, '\\') is literal", query(str_test(StrOp::Contains, field(USERNAME), text("\\")))),
        ("startswith(username, '100%')", query(str_test(StrOp::StartsWith, field(USERNAME), text("100%")))),
        ("endswith(username, '_y')", query(str_test(StrOp::EndsWith, field(USERNAME), text("_y")))),
        ("endswith(username, '') is true", query(str_test(StrOp::EndsWith, field(USERNAME), text("")))),
        ("contains is case-sensitive", query(str_test(StrOp::Contains, field(USERNAME), text("ALICE")))),
        ("not contains(username, 'e')", query(not(str_test(StrOp::Contains, field(USERNAME), text("e"))))),
        ("contains(literal, username)", query(str_test(StrOp::Contains, text("xx100%_sure and x_y"), field(USERNAME)))),
        (
            "tolower is ASCII-only (ÉCOLE Ab -> École ab)",
            query(cmp(CmpOp::Eq, func(ScalarFunc::ToLower, field(USERNAME)), text("École ab"))),
        ),
        (
            "tolower does not fold É",
            query(cmp(CmpOp::Eq, func(ScalarFunc::ToLower, field(USERNAME)), text("école ab"))),
        ),
        ("toupper is ASCII-only", query(cmp(CmpOp::Eq, func(ScalarFunc::ToUpper, field(USERNAME)), text("éCOLE AB")))),
        (
            "contains(tolower(username), 'zoë')",
            query(str_test(StrOp::Contains, func(ScalarFunc::ToLower, field(USERNAME)), text("zoë"))),
        ),
        ("trim removes spaces only", query(cmp(CmpOp::Eq, func(ScalarFunc::Trim, field(USERNAME)), text("padded")))),
        (
            "length counts code points",
            query(cmp(CmpOp::Eq, func(ScalarFunc::Length, field(USERNAME)), Operand::Literal(Value::Int(8)))),
        ),
        ("username lt 'b' (byte order)", query(cmp(CmpOp::Lt, field(USERNAME), text("b")))),
        ("username gt 'z' (non-ASCII sorts last)", query(cmp(CmpOp::Gt, field(USERNAME), text("z")))),
        (
            "id le a UUID (text order = u128 order)",
            query(cmp(CmpOp::Le, field(ID), Operand::Literal(Value::Uuid(0x8000_0000_0000_4000_8000_0000_0000_0000)))),
        ),
        ("false", query(Pred::Const(false))),
        (
            "null and false is false; not null is null",
            query(Pred::Or(vec![
                not(Pred::And(vec![
                    str_test(StrOp::Contains, Operand::Literal(Value::Null), text("x")),
                    str_test(StrOp::Contains, field(USERNAME), text("a")),
                ])),
                cmp(CmpOp::Eq, field(STATUS), Operand::Literal(Value::Enum(2))),
            ])),
        ),
        (
            "sort lastLogin asc (nulls first), page",
            TypedQuery { sort: vec![asc(LAST_LOGIN), asc(ID)], limit: Some(30), offset: 0, ..query(Pred::Const(true)) },
        ),
        (
            "sort lastLogin desc (nulls last), last page",
            TypedQuery {
                sort: vec![desc(LAST_LOGIN), asc(ID)],
                limit: Some(40),
                offset: 190,
                ..query(Pred::Const(true))
            },
        ),
        (
            "sort userStatus (by text) desc, createdAt, offset only",
            TypedQuery {
                sort: vec![desc(STATUS), asc(CREATED), asc(ID)],
                limit: None,
                offset: 17,
                projection: vec![LAST_LOGIN, STATUS],
                ..query(Pred::Const(true))
            },
        ),
        (
            "sort username desc, limit 0",
            TypedQuery { sort: vec![desc(USERNAME), asc(ID)], limit: Some(0), ..query(Pred::Const(true)) },
        ),
        (
            "empty projection",
            TypedQuery { projection: vec![], limit: Some(3), ..query(cmp(CmpOp::Gt, field(CREATED), ts(T2021))) },
        ),
    ]
}

// ---- random queries ----------------------------------------------------------------------

/// Literals drawn from the data, so that random comparisons hit.
struct Pools {
    timestamps: Vec<i64>,
    ids: Vec<u128>,
    names: Vec<String>,
    needles: Vec<String>,
}

fn pools(records: &[Record]) -> Pools {
    let mut p = Pools { timestamps: vec![T2021], ids: vec![0, u128::MAX], names: vec![], needles: vec![] };
    for r in records.iter().step_by(7) {
        for v in &r.0 {
            match v {
                Value::Timestamp(t) => p.timestamps.push(t.0),
                Value::Uuid(u) => p.ids.push(*u),
                Value::Str(s) => {
                    p.names.push(s.clone());
                    let chars: Vec<char> = s.chars().collect();
                    p.needles.push(chars.iter().take(3).collect());
                    p.needles.push(chars.iter().skip(chars.len().saturating_sub(4)).collect());
                }
                _ => {}
            }
        }
    }
    for s in SPECIAL_NAMES {
        p.names.push((*s).to_owned());
    }
    p.needles.extend(
        ["%", "_", "\\", "", "a", "E", "é", "É", "ë", ".", "@example.com", "user-", "  ", "ab"].map(str::to_owned),
    );
    p
}

fn op() -> impl Strategy<Value = CmpOp> {
    prop::sample::select(CmpOp::ALL.to_vec())
}

fn string_func() -> impl Strategy<Value = Option<ScalarFunc>> {
    prop::sample::select(vec![None, Some(ScalarFunc::ToLower), Some(ScalarFunc::ToUpper), Some(ScalarFunc::Trim)])
}

fn maybe_func(f: Option<ScalarFunc>, o: Operand) -> Operand {
    match f {
        Some(f) => func(f, o),
        None => o,
    }
}

/// Random filters over the identity schema, in the shapes the checker produces (plus a
/// literal on the left, which the compiler must flip).
pub fn pred_strategy(records: &[Record]) -> BoxedStrategy<Pred> {
    let p = pools(records);
    let ts_field = prop::sample::select(vec![CREATED, UPDATED, LAST_LOGIN]);
    let timestamps = prop::sample::select(p.timestamps.clone());
    let leaf = prop_oneof![
        (op(), ts_field.clone(), timestamps.clone()).prop_map(|(op, f, t)| cmp(op, field(f), ts(t))),
        (op(), ts_field.clone(), ts_field.clone()).prop_map(|(op, a, b)| cmp(op, field(a), field(b))),
        (op(), timestamps.clone()).prop_map(|(op, t)| cmp(op, ts(t), field(LAST_LOGIN))),
        (op(), prop::sample::select(p.ids.clone())).prop_map(|(op, u)| cmp(
            op,
            field(ID),
            Operand::Literal(Value::Uuid(u))
        )),
        (op(), string_func(), prop::sample::select(p.names.clone())).prop_map(|(op, f, s)| cmp(
            op,
            maybe_func(f, field(USERNAME)),
            text(&s)
        )),
        (op(), 0..30i64).prop_map(|(op, n)| cmp(
            op,
            func(ScalarFunc::Length, field(USERNAME)),
            Operand::Literal(Value::Int(n))
        )),
        (prop::bool::ANY, 0..6u16).prop_map(|(eq, s)| cmp(
            if eq { CmpOp::Eq } else { CmpOp::Ne },
            field(STATUS),
            Operand::Literal(Value::Enum(s))
        )),
        prop::bool::ANY.prop_map(|negated| Pred::IsNull { operand: field(LAST_LOGIN), negated }),
        prop::sample::subsequence((0..6u16).collect::<Vec<_>>(), 1..4)
            .prop_map(|s| Pred::In { operand: field(STATUS), values: s.into_iter().map(Value::Enum).collect() }),
        (prop::sample::select(vec![CREATED, LAST_LOGIN]), prop::sample::subsequence(p.timestamps.clone(), 1..4))
            .prop_map(|(f, ts)| Pred::In {
                operand: field(f),
                values: ts.into_iter().map(|t| Value::Timestamp(Timestamp(t))).collect()
            }),
        (
            prop::sample::select(vec![StrOp::Contains, StrOp::StartsWith, StrOp::EndsWith]),
            string_func(),
            prop::sample::select(p.needles.clone())
        )
            .prop_map(|(op, f, n)| str_test(op, maybe_func(f, field(USERNAME)), text(&n))),
        (
            prop::sample::select(vec![StrOp::Contains, StrOp::StartsWith, StrOp::EndsWith]),
            prop::sample::select(p.names.clone())
        )
            .prop_map(|(op, h)| str_test(op, text(&h), field(USERNAME))),
        prop::bool::ANY.prop_map(Pred::Const),
    ];
    leaf.prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 2..4).prop_map(Pred::And),
            prop::collection::vec(inner.clone(), 2..4).prop_map(Pred::Or),
            inner.prop_map(not),
        ]
    })
    .boxed()
}

/// Random queries: a random filter, sort, projection and page.
pub fn query_strategy(records: &[Record]) -> BoxedStrategy<TypedQuery> {
    let key = (1..6u16, prop::bool::ANY).prop_map(|(f, d)| if d { desc(FieldId(f)) } else { asc(FieldId(f)) });
    (
        pred_strategy(records),
        prop::collection::vec(key, 0..3),
        prop::bool::ANY,
        prop::sample::subsequence((0..6u16).map(FieldId).collect::<Vec<_>>(), 0..=6),
        prop::option::of(0..60u64),
        prop::sample::select(vec![0u64, 0, 1, 5, 50, 205, 300]),
    )
        .prop_map(|(filter, mut sort, pk_desc, projection, limit, offset)| {
            sort.push(if pk_desc { desc(ID) } else { asc(ID) });
            TypedQuery { filter, sort, projection, limit, offset }
        })
        .boxed()
}

/// `n` random queries, the same on every run.
pub fn fixed_random_queries(records: &[Record], n: usize) -> Vec<TypedQuery> {
    let strategy = query_strategy(records);
    let mut runner = TestRunner::deterministic();
    (0..n).map(|_| strategy.new_tree(&mut runner).expect("a query").current()).collect()
}

// ---- a schema with nullable strings, booleans and integers -------------------------------

/// A schema with nullable strings, integers and booleans: three-valued substring tests and
/// functions, guards on both sides, booleans stored as integers.
pub fn nullable_schema() -> Schema {
    Schema {
        name: "things".into(),
        fields: vec![
            Field::new("id", FieldType::Int),
            Field::new("nick", FieldType::String).nullable(),
            Field::new("alias", FieldType::String).nullable(),
            Field::new("flag", FieldType::Bool).nullable(),
            Field::new("score", FieldType::Int).nullable(),
        ],
        primary_key: FieldId(0),
    }
}

pub fn nullable_records() -> Vec<Record> {
    let nicks = [Some("Ann"), None, Some("bob"), Some(""), Some("ann"), None, Some("100%")];
    let aliases = [Some("ann"), None, None, Some(""), Some("bob"), Some("x"), Some("100%")];
    (0..7)
        .map(|i| {
            let s = |o: Option<&str>| o.map_or(Value::Null, |s| Value::Str(s.into()));
            Record(vec![
                Value::Int(i as i64),
                s(nicks[i]),
                s(aliases[i]),
                if i % 3 == 0 { Value::Null } else { Value::Bool(i % 2 == 0) },
                if i % 4 == 1 { Value::Null } else { Value::Int(i as i64 * 10 - 20) },
            ])
        })
        .collect()
}

/// Queries over [`nullable_schema`]: three-valued substring tests and functions, guards on
/// both sides, booleans.
pub fn nullable_queries() -> Vec<TypedQuery> {
    let f = |i: u16| Operand::Field(FieldId(i));
    let queries = [
        str_test(StrOp::Contains, f(1), text("n")),
        not(str_test(StrOp::Contains, f(1), text("n"))),
        not(str_test(StrOp::StartsWith, f(1), f(2))),
        str_test(StrOp::EndsWith, f(2), f(1)),
        cmp(CmpOp::Eq, f(1), f(2)),
        cmp(CmpOp::Ne, f(1), f(2)),
        not(cmp(CmpOp::Lt, f(1), f(2))),
        cmp(CmpOp::Eq, func(ScalarFunc::ToLower, f(1)), text("ann")),
        not(cmp(CmpOp::Eq, func(ScalarFunc::ToLower, f(1)), text("ann"))),
        cmp(CmpOp::Ge, func(ScalarFunc::Length, f(1)), Operand::Literal(Value::Int(3))),
        cmp(CmpOp::Eq, f(3), Operand::Literal(Value::Bool(true))),
        cmp(CmpOp::Lt, f(3), Operand::Literal(Value::Bool(true))),
        cmp(CmpOp::Ne, f(3), Operand::Literal(Value::Bool(false))),
        cmp(CmpOp::Gt, f(4), Operand::Literal(Value::Int(0))),
        Pred::In { operand: f(4), values: vec![Value::Int(-20), Value::Int(40)] },
        not(Pred::In { operand: f(1), values: vec![Value::Str("Ann".into())] }),
        Pred::Or(vec![
            str_test(StrOp::Contains, f(1), text("%")),
            cmp(CmpOp::Eq, f(4), Operand::Literal(Value::Int(0))),
        ]),
    ];
    queries
        .into_iter()
        .map(|filter| TypedQuery {
            filter,
            sort: vec![desc(FieldId(3)), asc(FieldId(1)), asc(FieldId(0))],
            projection: (0..5).map(FieldId).collect(),
            limit: None,
            offset: 0,
        })
        .collect()
}
