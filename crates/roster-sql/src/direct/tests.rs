//! The direct path writes exactly what the sea-query path writes: the same SQL bytes and the
//! same parameters, for generated typed queries over every built-in profile, on every backend.
//! Queries the direct path leaves to sea-query are generated too (functions, arrays, constant
//! folds, type errors), so the test also checks that it declines rather than guesses.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use roster_ast::{CmpOp, Direction};
use roster_check::{ElemOp, ElemTest, Operand, Pred, ScalarFunc, StrOp, TypedQuery, TypedSortKey};
use roster_schema::{FieldId, FieldType, Schema, Timestamp, Value, profiles};

use crate::compile::Compiler;
use crate::dialect::dialect;
use crate::{Backend, select_with_sea_query};

fn schemas() -> Vec<Schema> {
    ["identity", "directory", "admin", "accounts"]
        .into_iter()
        .map(|name| profiles::by_name(name).expect("built-in profile").schema)
        .collect()
}

/// A literal for a field of type `ty` (sometimes of another type or null, which the
/// compilers must treat alike: fold, fall back or fail).
fn literal(ty: &FieldType, clean: bool) -> BoxedStrategy<Value> {
    let right = match ty {
        FieldType::String | FieldType::StringArray => {
            prop::sample::select(vec!["", "smith", "O'Brien", "a\"b", "%_\\", "Ünï"])
                .prop_map(|s| Value::Str(s.into()))
                .boxed()
        }
        FieldType::Enum(e) => (0..e.values.len() as u16 + 1).prop_map(Value::Enum).boxed(),
        FieldType::Timestamp => (-1i64..3).prop_map(|k| Value::Timestamp(Timestamp(k * 1_622_505_600_000_000))).boxed(),
        FieldType::Bool => any::<bool>().prop_map(Value::Bool).boxed(),
        FieldType::Int => (-3i64..3).prop_map(Value::Int).boxed(),
        FieldType::Uuid => any::<u128>().prop_map(Value::Uuid).boxed(),
    };
    if clean {
        return right;
    }
    prop_oneof![
        8 => right,
        1 => Just(Value::Null),
        1 => prop_oneof![Just(Value::Int(1)), Just(Value::Str("x".into())), Just(Value::Bool(true))],
    ]
    .boxed()
}

fn field(schema: &Schema) -> impl Strategy<Value = FieldId> + use<> {
    (0..schema.fields.len() as u16 + 1).prop_map(FieldId)
}

fn operand(schema: &Schema, id: FieldId, clean: bool) -> BoxedStrategy<Operand> {
    let ty = schema.fields.get(id.index()).map_or(FieldType::Int, |f| f.ty.clone());
    prop_oneof![
        6 => Just(Operand::Field(id)),
        3 => literal(&ty, clean).prop_map(Operand::Literal),
        u32::from(!clean) => Just(Operand::Func(ScalarFunc::ToLower, Box::new(Operand::Field(id)))),
    ]
    .boxed()
}

fn cmp_op() -> impl Strategy<Value = CmpOp> {
    prop::sample::select(vec![CmpOp::Eq, CmpOp::Ne, CmpOp::Gt, CmpOp::Ge, CmpOp::Lt, CmpOp::Le])
}

fn leaf(schema: &Schema, clean: bool) -> BoxedStrategy<Pred> {
    let s = schema.clone();
    let ids = if clean { (0..schema.fields.len() as u16).prop_map(FieldId).boxed() } else { field(schema).boxed() };
    let by_field = ids.prop_flat_map(move |id| {
        let ty = s.fields.get(id.index()).map_or(FieldType::Int, |f| f.ty.clone());
        let other = (0..s.fields.len() as u16).prop_map(FieldId);
        prop_oneof![
            4 => (cmp_op(), operand(&s, id, clean), operand(&s, id, clean), any::<bool>()).prop_map(|(op, a, b, swap)| {
                let (lhs, rhs) = if swap { (b, a) } else { (a, b) };
                Pred::Cmp { op, lhs, rhs }
            }),
            1 => (cmp_op(), other).prop_map(move |(op, b)| Pred::Cmp { op, lhs: Operand::Field(id), rhs: Operand::Field(b) }),
            2 => (operand(&s, id, clean), any::<bool>()).prop_map(|(operand, negated)| Pred::IsNull { operand, negated }),
            2 => (operand(&s, id, clean), prop::collection::vec(literal(&ty, clean), 0..4))
                .prop_map(|(operand, values)| Pred::In { operand, values }),
            2 => (prop::sample::select(vec![StrOp::Contains, StrOp::StartsWith, StrOp::EndsWith]), operand(&s, id, clean), literal(&FieldType::String, clean))
                .prop_map(|(op, haystack, needle)| Pred::StrTest { op, haystack, needle: Operand::Literal(needle) }),
            u32::from(!clean) => Just(Pred::AnyElement { field: id, test: ElemTest { op: ElemOp::Eq, value: "a".into(), fold_case: false } }),
        ]
    });
    prop_oneof![9 => by_field, u32::from(!clean) => any::<bool>().prop_map(Pred::Const)].boxed()
}

fn pred(schema: &Schema, clean: bool) -> impl Strategy<Value = Pred> + use<> {
    leaf(schema, clean).prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 1..4).prop_map(Pred::And),
            prop::collection::vec(inner.clone(), 1..4).prop_map(Pred::Or),
            inner.prop_map(|p| Pred::Not(Box::new(p))),
        ]
    })
}

/// A query over one of the profiles; `clean`: only what the direct path is meant to take
/// (well-typed literals, fields and literals only), so that deep trees reach it too.
fn query(clean: bool) -> impl Strategy<Value = (usize, TypedQuery)> {
    (0..4usize).prop_flat_map(move |i| {
        let schema = schemas().swap_remove(i);
        let n = schema.fields.len() as u16;
        let key = (0..n, any::<bool>()).prop_map(|(f, desc)| TypedSortKey {
            field: FieldId(f),
            direction: if desc { Direction::Desc } else { Direction::Asc },
        });
        let page = prop_oneof![Just(None), (0u64..400).prop_map(Some), Just(Some(u64::MAX))];
        let offset = prop_oneof![Just(0u64), 1u64..50, Just(u64::MAX)];
        (
            Just(i),
            pred(&schema, clean),
            prop::collection::vec(key, 0..3),
            prop::collection::vec((0..n).prop_map(FieldId), 0..4),
            page,
            offset,
        )
            .prop_map(|(i, filter, sort, projection, limit, offset)| {
                (i, TypedQuery { filter, sort, projection, limit, offset })
            })
    })
}

/// Both paths on every backend; returns how many backends took the direct path.
fn compare(schema: &Schema, q: &TypedQuery) -> usize {
    let mut direct_count = 0;
    for backend in Backend::ALL {
        let compiler = Compiler { schema, dialect: dialect(backend) };
        if let Some(direct) = super::select(&compiler, q) {
            let reference = select_with_sea_query(&compiler, q)
                .unwrap_or_else(|e| panic!("{backend}: direct path answered where sea-query fails ({e}): {q:?}"));
            assert_eq!(direct, reference, "{backend}: {q:?}");
            direct_count += 1;
        }
    }
    direct_count
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4000, ..ProptestConfig::default() })]

    #[test]
    fn direct_path_writes_what_sea_query_writes((i, q) in query(false)) {
        compare(&schemas()[i], &q);
    }

    #[test]
    fn direct_path_writes_what_sea_query_writes_for_deep_trees((i, q) in query(true)) {
        compare(&schemas()[i], &q);
    }
}

/// The shapes of the front-end bench, which must not fall back (that is what makes them fast).
#[test]
fn bench_shapes_take_the_direct_path() {
    let schema = profiles::by_name("identity").unwrap().schema;
    let id = |name: &str| schema.field(name).unwrap().0;
    let status = |s: &str| match &schema.get(id("userStatus")).ty {
        FieldType::Enum(e) => Value::Enum(e.lookup(s).unwrap()),
        _ => unreachable!(),
    };
    let ts = |t: i64| Operand::Literal(Value::Timestamp(Timestamp(t)));
    let all: Vec<FieldId> = (0..schema.fields.len() as u16).map(FieldId).collect();
    let sort = vec![TypedSortKey { field: id("id"), direction: Direction::Asc }];
    let filters = [
        Pred::And(vec![
            Pred::Cmp {
                op: CmpOp::Ne,
                lhs: Operand::Field(id("userStatus")),
                rhs: Operand::Literal(status("UNVERIFIED")),
            },
            Pred::Cmp { op: CmpOp::Gt, lhs: Operand::Field(id("createdAt")), rhs: ts(1_622_505_600_000_000) },
        ]),
        Pred::And(vec![
            Pred::IsNull { operand: Operand::Field(id("lastLogin")), negated: true },
            Pred::Not(Box::new(Pred::Cmp {
                op: CmpOp::Lt,
                lhs: Operand::Field(id("lastLogin")),
                rhs: ts(1_609_459_200_000_000),
            })),
        ]),
        Pred::Or(vec![
            Pred::StrTest {
                op: StrOp::Contains,
                haystack: Operand::Field(id("username")),
                needle: Operand::Literal(Value::Str("smith".into())),
            },
            Pred::In {
                operand: Operand::Field(id("userStatus")),
                values: vec![status("BLOCKED"), status("SUSPENDED")],
            },
        ]),
        Pred::Cmp { op: CmpOp::Eq, lhs: Operand::Field(id("id")), rhs: Operand::Literal(Value::Uuid(7)) },
    ];
    for filter in filters {
        let q = TypedQuery { filter, sort: sort.clone(), projection: all.clone(), limit: None, offset: 0 };
        assert_eq!(compare(&schema, &q), 3, "{q:?}");
    }
}

/// The generator reaches the direct path often (else the comparison above proves little).
#[test]
fn generated_queries_often_take_the_direct_path() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let schemas = schemas();
    let mut runner = TestRunner::deterministic();
    let (mut direct, mut total) = (0, 0);
    for _ in 0..2000 {
        let (i, q) = query(true).new_tree(&mut runner).unwrap().current();
        direct += compare(&schemas[i], &q);
        total += 3;
    }
    eprintln!("direct path: {direct} of {total}");
    assert!(direct * 4 > total, "only {direct} of {total} took the direct path");
}
