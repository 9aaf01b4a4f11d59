//! Kernel and null-rule tests over a small hand-built table. Expected rows are written from
//! the rules of `roster_check::typed`, not computed.

use roster_ast::{CmpOp, Direction};
use roster_check::{Operand, Pred, ScalarFunc, StrOp, TypedQuery, TypedSortKey};
use roster_schema::{EnumType, Field, FieldId, FieldType, Record, Schema, Timestamp, Value};

use crate::pred::{Map, Node};
use crate::sort::Method;
use crate::{Table, compile};

fn schema() -> Schema {
    Schema {
        name: "sink".into(),
        fields: vec![
            Field::new("id", FieldType::Int),
            Field::new("name", FieldType::String).nullable(),
            Field::new("flag", FieldType::Bool).nullable(),
            Field::new("score", FieldType::Int).nullable(),
            // Declared out of text order: "C" < "a" < "b".
            Field::new(
                "kind",
                FieldType::Enum(EnumType { values: vec!["b".into(), "a".into(), "C".into()], case_sensitive: true }),
            )
            .nullable(),
            Field::new("at", FieldType::Timestamp).nullable(),
            Field::new("until", FieldType::Timestamp).nullable(),
            Field::new("uid", FieldType::Uuid).nullable(),
        ],
        primary_key: FieldId(0),
    }
}

const N: Value = Value::Null;

fn s(v: &str) -> Value {
    Value::Str(v.into())
}

fn ts(v: i64) -> Value {
    Value::Timestamp(Timestamp(v))
}

/// Row `i` has `id = i`.
fn table() -> Table {
    use Value::{Bool as B, Enum as E, Int as I, Uuid as U};
    let rows = vec![
        vec![I(0), s("Alice"), B(true), I(10), E(0), ts(100), ts(100), U(5)],
        vec![I(1), N, B(false), N, E(1), N, N, N],
        vec![I(2), s("bob"), N, I(-3), N, ts(200), N, U(1)],
        vec![I(3), s(""), B(true), I(10), E(2), ts(100), ts(50), U(9)],
        vec![I(4), s(" alice "), B(false), I(7), E(1), N, ts(400), U(5)],
        vec![I(5), s("zoë"), N, N, E(0), ts(300), ts(300), N],
    ];
    Table::from_records(&schema(), rows.into_iter().map(Record)).unwrap()
}

fn id(name: &str) -> FieldId {
    schema().field(name).unwrap().0
}

fn field(name: &str) -> Operand {
    Operand::Field(id(name))
}

fn lit(v: Value) -> Operand {
    Operand::Literal(v)
}

fn func(f: ScalarFunc, arg: Operand) -> Operand {
    Operand::Func(f, Box::new(arg))
}

fn cmp(op: CmpOp, lhs: Operand, rhs: Operand) -> Pred {
    Pred::Cmp { op, lhs, rhs }
}

fn not(p: Pred) -> Pred {
    Pred::Not(Box::new(p))
}

fn str_test(op: StrOp, haystack: Operand, needle: Operand) -> Pred {
    Pred::StrTest { op, haystack, needle }
}

fn query(filter: Pred) -> TypedQuery {
    TypedQuery {
        filter,
        sort: vec![TypedSortKey { field: FieldId(0), direction: Direction::Asc }],
        projection: schema().ids().collect(),
        limit: None,
        offset: 0,
    }
}

/// The selected rows (= ids), checking `count` and `matching` agree with them.
fn select(filter: Pred) -> Vec<usize> {
    let t = table();
    let plan = compile(&schema(), &query(filter));
    let rows = plan.rows(&t);
    assert_eq!(plan.count(&t), rows.len());
    assert_eq!(plan.matching(&t), rows);
    rows
}

/// The kernel `filter` compiles to.
fn kernel(filter: Pred) -> Node {
    compile(&schema(), &query(filter)).filter
}

#[test]
fn timestamp_comparisons_are_two_valued() {
    let at = || field("at");
    // Rows' `at`: 100, null, 200, 100, null, 300.
    assert_eq!(select(cmp(CmpOp::Eq, at(), lit(ts(100)))), [0, 3]);
    assert_eq!(select(cmp(CmpOp::Ne, at(), lit(ts(100)))), [1, 2, 4, 5], "ne is true on null");
    assert_eq!(select(cmp(CmpOp::Gt, at(), lit(ts(100)))), [2, 5]);
    assert_eq!(select(cmp(CmpOp::Ge, at(), lit(ts(200)))), [2, 5]);
    assert_eq!(select(cmp(CmpOp::Lt, at(), lit(ts(200)))), [0, 3]);
    assert_eq!(select(cmp(CmpOp::Le, at(), lit(ts(100)))), [0, 3]);
    assert_eq!(select(not(cmp(CmpOp::Lt, at(), lit(ts(200))))), [1, 2, 4, 5], "not (null lt T) is true");
    assert!(matches!(kernel(cmp(CmpOp::Lt, at(), lit(ts(200)))), Node::I64 { lit: 200, .. }));
}

#[test]
fn literal_on_the_left_is_flipped() {
    // 150 lt at  <=>  at gt 150
    assert_eq!(select(cmp(CmpOp::Lt, lit(ts(150)), field("at"))), [2, 5]);
    assert!(matches!(kernel(cmp(CmpOp::Lt, lit(ts(150)), field("at"))), Node::I64 { op: CmpOp::Gt, .. }));
}

#[test]
fn eq_on_two_nullable_operands() {
    // at:    100, null, 200,  100, null, 300
    // until: 100, null, null, 50,  400,  300
    let (at, until) = (|| field("at"), || field("until"));
    assert_eq!(select(cmp(CmpOp::Eq, at(), until())), [0, 1, 5], "eq is true when both are null");
    assert_eq!(select(cmp(CmpOp::Ne, at(), until())), [2, 3, 4], "ne is true when exactly one is null");
    assert_eq!(select(not(cmp(CmpOp::Eq, at(), until()))), [2, 3, 4]);
    assert_eq!(select(cmp(CmpOp::Gt, at(), until())), [3]);
    assert_eq!(select(cmp(CmpOp::Le, at(), until())), [0, 5], "ordering is false on null");
    assert!(matches!(kernel(cmp(CmpOp::Eq, at(), until())), Node::General(_)));
}

#[test]
fn integer_kernels() {
    // score: 10, null, -3, 10, 7, null
    assert_eq!(select(cmp(CmpOp::Ge, field("score"), lit(Value::Int(7)))), [0, 3, 4]);
    assert_eq!(select(cmp(CmpOp::Ne, field("score"), lit(Value::Int(10)))), [1, 2, 4, 5]);
    let values = vec![Value::Int(10), Value::Int(-3)];
    assert_eq!(select(Pred::In { operand: field("score"), values: values.clone() }), [0, 2, 3]);
    assert_eq!(select(not(Pred::In { operand: field("score"), values })), [1, 4, 5], "in is false on null");
    let many: Vec<Value> = (-20..20).map(Value::Int).collect();
    assert_eq!(select(Pred::In { operand: field("score"), values: many }), [0, 2, 3, 4], "binary-search sets");
}

#[test]
fn uuid_kernels() {
    // uid: 5, null, 1, 9, 5, null
    let uid = || field("uid");
    assert_eq!(select(cmp(CmpOp::Eq, uid(), lit(Value::Uuid(5)))), [0, 4]);
    assert_eq!(select(cmp(CmpOp::Ne, uid(), lit(Value::Uuid(5)))), [1, 2, 3, 5]);
    assert_eq!(select(cmp(CmpOp::Gt, uid(), lit(Value::Uuid(4)))), [0, 3, 4]);
    assert_eq!(select(Pred::In { operand: uid(), values: vec![Value::Uuid(1), Value::Uuid(9)] }), [2, 3]);
    assert!(matches!(kernel(cmp(CmpOp::Eq, uid(), lit(Value::Uuid(5)))), Node::Uuid { .. }));
}

#[test]
fn bool_kernels() {
    // flag: true, false, null, true, false, null
    let flag = || field("flag");
    assert_eq!(select(cmp(CmpOp::Eq, flag(), lit(Value::Bool(true)))), [0, 3]);
    assert_eq!(select(cmp(CmpOp::Ne, flag(), lit(Value::Bool(true)))), [1, 2, 4, 5]);
    assert_eq!(select(cmp(CmpOp::Gt, flag(), lit(Value::Bool(false)))), [0, 3], "false < true");
    assert_eq!(select(cmp(CmpOp::Lt, flag(), lit(Value::Bool(true)))), [1, 4]);
    assert_eq!(select(cmp(CmpOp::Ge, flag(), lit(Value::Bool(false)))), [0, 1, 3, 4]);
    assert_eq!(select(Pred::In { operand: flag(), values: vec![Value::Bool(false)] }), [1, 4]);
}

#[test]
fn enum_kernels_use_code_sets() {
    // kind: b, a, null, C, a, b  (codes 0, 1, -, 2, 1, 0)
    let kind = || field("kind");
    assert_eq!(select(cmp(CmpOp::Eq, kind(), lit(Value::Enum(1)))), [1, 4]);
    assert_eq!(select(cmp(CmpOp::Ne, kind(), lit(Value::Enum(1)))), [0, 2, 3, 5]);
    let in_b_c = || Pred::In { operand: kind(), values: vec![Value::Enum(0), Value::Enum(2)] };
    assert_eq!(select(in_b_c()), [0, 3, 5]);
    assert_eq!(select(not(in_b_c())), [1, 2, 4]);
    assert!(matches!(kernel(in_b_c()), Node::Enum { on_null: false, .. }));
    assert!(matches!(kernel(cmp(CmpOp::Ne, kind(), lit(Value::Enum(1)))), Node::Enum { on_null: true, .. }));
    // Ordering never reaches an enum after checking, but would compare texts as SQL does.
    assert_eq!(select(cmp(CmpOp::Lt, kind(), lit(Value::Enum(1)))), [3], "\"C\" < \"a\"");
}

#[test]
fn is_null_kernels() {
    let is_null = |operand, negated| Pred::IsNull { operand, negated };
    assert_eq!(select(is_null(field("at"), false)), [1, 4]);
    assert_eq!(select(is_null(field("at"), true)), [0, 2, 3, 5]);
    assert!(matches!(kernel(is_null(field("id"), false)), Node::Const(false)));
    assert!(matches!(kernel(is_null(field("id"), true)), Node::Const(true)));
    assert_eq!(select(is_null(func(ScalarFunc::ToLower, field("name")), false)), [1]);
}

#[test]
fn string_comparisons_are_by_bytes() {
    // name: "Alice", null, "bob", "", " alice ", "zoë"
    let name = || field("name");
    assert_eq!(select(cmp(CmpOp::Gt, name(), lit(s("a")))), [2, 5]);
    assert_eq!(select(cmp(CmpOp::Lt, name(), lit(s("a")))), [0, 3, 4]);
    assert_eq!(select(cmp(CmpOp::Ne, name(), lit(s("bob")))), [0, 1, 3, 4, 5]);
    assert_eq!(select(cmp(CmpOp::Eq, name(), lit(s("")))), [3]);
    assert_eq!(select(Pred::In { operand: name(), values: vec![s("zoë"), s("bob")] }), [2, 5]);
}

#[test]
fn substring_tests_are_three_valued() {
    let name = || field("name");
    let contains_li = || str_test(StrOp::Contains, name(), lit(s("li")));
    assert_eq!(select(contains_li()), [0, 4]);
    assert_eq!(select(not(contains_li())), [2, 3, 5], "not contains(null, …) is null");
    assert_eq!(select(str_test(StrOp::Contains, name(), lit(s("")))), [0, 2, 3, 4, 5], "the empty needle");
    assert_eq!(select(str_test(StrOp::StartsWith, name(), lit(s("A")))), [0], "case-sensitive");
    assert_eq!(select(str_test(StrOp::EndsWith, name(), lit(s(" ")))), [4]);
    assert_eq!(select(str_test(StrOp::EndsWith, name(), lit(s("ë")))), [5]);
    assert_eq!(select(str_test(StrOp::Contains, name(), lit(s("%")))), Vec::<usize>::new(), "no wildcards");
    assert!(matches!(kernel(contains_li()), Node::StrTest { .. }));
    // Field needles and function haystacks take the general path.
    assert_eq!(select(str_test(StrOp::StartsWith, lit(s("bobby")), name())), [2, 3]);
    let upper = || func(ScalarFunc::ToUpper, name());
    assert_eq!(select(not(str_test(StrOp::Contains, upper(), lit(s("ALICE"))))), [2, 3, 5]);
    assert!(matches!(kernel(str_test(StrOp::Contains, upper(), lit(s("A")))), Node::StrTest { map: Map::Upper, .. }));
    let nested = func(ScalarFunc::Trim, upper());
    assert!(matches!(kernel(str_test(StrOp::EndsWith, nested.clone(), lit(s("E")))), Node::General(_)));
    assert_eq!(select(str_test(StrOp::EndsWith, nested, lit(s("E")))), [0, 4]);
}

#[test]
fn functions_are_null_in_null_out() {
    let name = || field("name");
    assert_eq!(select(cmp(CmpOp::Eq, func(ScalarFunc::ToLower, name()), lit(s("alice")))), [0]);
    assert_eq!(select(cmp(CmpOp::Eq, func(ScalarFunc::Trim, name()), lit(s("alice")))), [4]);
    assert_eq!(select(cmp(CmpOp::Eq, func(ScalarFunc::Length, name()), lit(Value::Int(0)))), [3]);
    assert_eq!(
        select(cmp(CmpOp::Ge, func(ScalarFunc::Length, name()), lit(Value::Int(3)))),
        [0, 2, 4, 5],
        "code points"
    );
    // The comparison stays two-valued: null eq 'bob' is false, so `not` selects row 1.
    let lower_bob = cmp(CmpOp::Eq, func(ScalarFunc::ToLower, name()), lit(s("bob")));
    assert_eq!(select(not(lower_bob)), [0, 1, 3, 4, 5]);
    let lower_alice = cmp(CmpOp::Eq, func(ScalarFunc::ToLower, name()), lit(s("alice")));
    assert!(matches!(kernel(lower_alice), Node::Str { map: Map::Lower, .. }), "no allocation per row");
    let flipped = cmp(CmpOp::Gt, lit(s("b")), func(ScalarFunc::Trim, name()));
    assert!(matches!(kernel(flipped.clone()), Node::Str { map: Map::Trim, op: CmpOp::Lt, .. }));
    assert_eq!(select(flipped), [0, 3, 4], "trim(name) lt 'b'");
    let lower_in = Pred::In { operand: func(ScalarFunc::ToLower, name()), values: vec![s("bob"), s("alice")] };
    assert_eq!(select(lower_in), [0, 2]);
    // null eq null is true.
    assert_eq!(select(cmp(CmpOp::Eq, func(ScalarFunc::ToUpper, name()), name())), [1, 3]);
}

#[test]
fn kleene_logic() {
    // contains(name, 'li'): T N F F T F;  at eq 100: T F F T F F
    let contains = || str_test(StrOp::Contains, field("name"), lit(s("li")));
    let at100 = || cmp(CmpOp::Eq, field("at"), lit(ts(100)));
    assert_eq!(select(Pred::Or(vec![contains(), at100()])), [0, 3, 4]);
    assert_eq!(select(not(Pred::Or(vec![contains(), at100()]))), [2, 5], "null or false is null");
    assert_eq!(select(Pred::And(vec![contains(), not(at100())])), [4]);
    assert_eq!(select(not(Pred::And(vec![contains(), at100()]))), [1, 2, 3, 4, 5], "null and false is false");
    assert_eq!(select(Pred::Or(vec![contains(), Pred::Const(true)])), [0, 1, 2, 3, 4, 5], "null or true is true");
    assert_eq!(select(not(not(contains()))), [0, 4]);
    assert!(matches!(kernel(Pred::And(vec![contains(), Pred::Const(false)])), Node::Const(false)));
    // Cheap kernels run first.
    let Node::And(children) = kernel(Pred::And(vec![contains(), at100()])) else { panic!("not an and") };
    assert!(matches!(children[0], Node::I64 { .. }));
}

#[test]
fn constants() {
    assert_eq!(select(Pred::Const(true)), [0, 1, 2, 3, 4, 5]);
    assert_eq!(select(Pred::Const(false)), Vec::<usize>::new());
    assert!(matches!(kernel(cmp(CmpOp::Eq, lit(Value::Int(1)), lit(Value::Int(1)))), Node::Const(true)));
    let length = cmp(CmpOp::Eq, func(ScalarFunc::Length, lit(s("zoë"))), lit(Value::Int(3)));
    assert!(matches!(kernel(length), Node::Const(true)));
}

fn sorted(keys: &[(&str, Direction)], limit: Option<u64>, offset: u64) -> Vec<usize> {
    let mut q = query(Pred::Const(true));
    q.sort = keys.iter().map(|(name, direction)| TypedSortKey { field: id(name), direction: *direction }).collect();
    q.limit = limit;
    q.offset = offset;
    let t = table();
    let plan = compile(&schema(), &q);
    let rows = plan.rows(&t);
    assert_eq!(plan.rows_with(&t, Method::FullSort), rows);
    assert_eq!(plan.rows_with(&t, Method::TopK), rows);
    rows
}

#[test]
fn sort_nulls_first_ascending_last_descending() {
    use Direction::{Asc, Desc};
    // at: 100, null, 200, 100, null, 300
    assert_eq!(sorted(&[("at", Asc), ("id", Asc)], None, 0), [1, 4, 0, 3, 2, 5]);
    assert_eq!(sorted(&[("at", Desc), ("id", Asc)], None, 0), [5, 2, 0, 3, 1, 4]);
    // name: "Alice", null, "bob", "", " alice ", "zoë"
    assert_eq!(sorted(&[("name", Asc), ("id", Asc)], None, 0), [1, 3, 4, 0, 2, 5]);
    assert_eq!(sorted(&[("name", Desc), ("id", Asc)], None, 0), [5, 2, 0, 4, 3, 1]);
    // score: 10, null, -3, 10, 7, null; ties by id descending.
    assert_eq!(sorted(&[("score", Desc), ("id", Desc)], None, 0), [3, 0, 4, 2, 5, 1]);
    // flag: true, false, null, true, false, null
    assert_eq!(sorted(&[("flag", Asc), ("id", Asc)], None, 0), [2, 5, 1, 4, 0, 3]);
    // uid: 5, null, 1, 9, 5, null
    assert_eq!(sorted(&[("uid", Asc), ("id", Asc)], None, 0), [1, 5, 2, 0, 4, 3]);
}

#[test]
fn enums_sort_by_text() {
    use Direction::{Asc, Desc};
    // kind: b, a, null, C, a, b; text order C < a < b.
    assert_eq!(sorted(&[("kind", Asc), ("id", Asc)], None, 0), [2, 3, 1, 4, 0, 5]);
    assert_eq!(sorted(&[("kind", Desc), ("id", Asc)], None, 0), [0, 5, 1, 4, 3, 2]);
}

#[test]
fn ties_keep_table_order_without_a_final_key() {
    use Direction::Asc;
    assert_eq!(sorted(&[("flag", Asc)], None, 0), [2, 5, 1, 4, 0, 3]);
    assert_eq!(sorted(&[], None, 0), [0, 1, 2, 3, 4, 5]);
}

#[test]
fn paging_is_offset_then_limit() {
    use Direction::Asc;
    let keys = [("at", Asc), ("id", Asc)];
    assert_eq!(sorted(&keys, Some(3), 2), [0, 3, 2]);
    assert_eq!(sorted(&keys, Some(1), 0), [1]);
    assert_eq!(sorted(&keys, None, 4), [2, 5]);
    assert_eq!(sorted(&keys, Some(10), 5), [5]);
    assert_eq!(sorted(&keys, Some(0), 0), Vec::<usize>::new());
    assert_eq!(sorted(&keys, None, 6), Vec::<usize>::new());
    assert_eq!(sorted(&keys, Some(u64::MAX), u64::MAX), Vec::<usize>::new());
}

#[test]
fn records_hold_the_projection_only() {
    let mut q = query(cmp(CmpOp::Eq, field("name"), lit(s("bob"))));
    q.projection = vec![id("score"), id("name")];
    let plan = compile(&schema(), &q);
    let t = table();
    assert_eq!(plan.records(&t), vec![Record(vec![N, s("bob"), N, Value::Int(-3), N, N, N, N])]);
    assert_eq!(plan.projection(), &[id("score"), id("name")]);
}

#[test]
fn a_table_of_another_schema_is_refused() {
    let plan = compile(&schema(), &query(Pred::Const(true)));
    let other = Table::new(&roster_schema::profiles::identity::schema());
    let err = plan.check_table(&other).unwrap_err();
    assert_eq!(err.code(), "schema-mismatch");
    let good = table();
    assert!(plan.check_table(&good).is_ok());
    // The plan remembers the table it checked, not "some table passed".
    assert_eq!(plan.check_table(&other).unwrap_err().code(), "schema-mismatch");
    assert!(plan.check_table(&good).is_ok());
    assert!(plan.clone().check_table(&good).is_ok());
    let caught = std::panic::catch_unwind(|| plan.count(&other));
    assert!(caught.is_err());
}

#[test]
fn chunks_past_the_first() {
    // 3000 rows: every third has a null `at`, `at = row` otherwise.
    let rows = (0..3000i64).map(|i| {
        let at = if i % 3 == 0 { N } else { ts(i) };
        let kind = Value::Enum((i % 3) as u16);
        Record(vec![Value::Int(i), s(&format!("n{i}")), N, N, kind, at, N, N])
    });
    let t = Table::from_records(&schema(), rows).unwrap();
    let q = query(Pred::And(vec![
        cmp(CmpOp::Ne, field("at"), lit(ts(2500))),
        str_test(StrOp::EndsWith, field("name"), lit(s("7"))),
    ]));
    let plan = compile(&schema(), &q);
    let want: Vec<usize> = (0..3000).filter(|i| i % 10 == 7).collect();
    assert_eq!(plan.rows(&t), want);
    assert_eq!(plan.count(&t), want.len());
}

#[test]
fn plans_and_tables_are_shareable_across_threads() {
    fn shareable<T: Send + Sync>() {}
    shareable::<crate::Plan>();
    shareable::<Table>();
}
