//! The lowering of keyword search and of `any()` over string arrays (`search.rs`): the exact
//! typed predicates, their canonical print, and the errors for what cannot be lowered.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use roster_ast::{CmpOp, Diagnostic, Expr, ExprKind, Func, Literal, Path, Quantifier, Query, SearchScope, Span};
use roster_check::{ElemOp, ElemTest, Operand, Pred, ScalarFunc, StrOp, check, filter_to_odata};
use roster_schema::{FieldId, Schema, Value};

fn node(kind: ExprKind) -> Expr {
    Expr::new(kind, Span::new(0, 1))
}
fn path(name: &str) -> Expr {
    Expr::path(Path::single(name, Span::new(0, 1)))
}
fn string(s: &str) -> Expr {
    Expr::literal(Literal::String(s.into()), Span::new(0, 1))
}
fn any(field: &str, predicate: Expr) -> Expr {
    node(ExprKind::Quantified {
        quantifier: Quantifier::Any,
        path: Path::single(field, Span::new(0, 1)),
        var: "t".into(),
        predicate: Box::new(predicate),
    })
}
fn search(words: &[&str], scope: SearchScope, fields: Option<&[&str]>) -> Expr {
    node(ExprKind::Search {
        keywords: words.iter().map(|w| (*w).to_owned()).collect(),
        scope,
        fields: fields.map(|fs| fs.iter().map(|f| Path::single(*f, Span::new(0, 1))).collect()),
    })
}
fn checked(schema: &Schema, e: Expr) -> Result<Pred, Vec<String>> {
    check(&Query { filter: Some(e), ..Query::default() }, schema)
        .map(|q| q.filter)
        .map_err(|errs| errs.iter().map(|e| format!("{}: {e}", e.code())).collect())
}
fn id(schema: &Schema, name: &str) -> FieldId {
    schema.field(name).unwrap().0
}

#[test]
fn element_tests_lower_to_any_element() {
    let s = roster_schema::profiles::directory::schema();
    let tags = id(&s, "tags");
    let eq = checked(
        &s,
        any("tags", node(ExprKind::Compare { op: CmpOp::Eq, lhs: Box::new(path("t")), rhs: Box::new(string("vpn")) })),
    )
    .unwrap();
    assert_eq!(
        eq,
        Pred::AnyElement { field: tags, test: ElemTest { op: ElemOp::Eq, value: "vpn".into(), fold_case: false } }
    );
    assert_eq!(filter_to_odata(&s, &eq), "tags/any(e: e eq 'vpn')");
    // The literal may stand on the left.
    let flipped = checked(
        &s,
        any("tags", node(ExprKind::Compare { op: CmpOp::Eq, lhs: Box::new(string("vpn")), rhs: Box::new(path("t")) })),
    )
    .unwrap();
    assert_eq!(flipped, eq);
    let lowered = node(ExprKind::Call { func: Func::ToLower, args: vec![path("t")] });
    let starts = checked(
        &s,
        any("groups", node(ExprKind::Call { func: Func::StartsWith, args: vec![lowered.clone(), string("dev")] })),
    )
    .unwrap();
    assert_eq!(
        starts,
        Pred::AnyElement {
            field: id(&s, "groups"),
            test: ElemTest { op: ElemOp::StartsWith, value: "dev".into(), fold_case: true }
        }
    );
    assert_eq!(filter_to_odata(&s, &starts), "groups/any(e: startswith(tolower(e), 'dev'))");
    // tolower(e) never holds an upper-case letter, and no element holds U+001F.
    let never =
        checked(&s, any("tags", node(ExprKind::Call { func: Func::Contains, args: vec![lowered, string("VPN")] })))
            .unwrap();
    assert_eq!(never, Pred::Const(false));
    let sep = checked(
        &s,
        any("tags", node(ExprKind::Call { func: Func::EndsWith, args: vec![path("t"), string("a\u{1F}")] })),
    )
    .unwrap();
    assert_eq!(sep, Pred::Const(false));
}

#[test]
fn all_is_lowered_and_what_cannot_be_is_an_error() {
    let s = roster_schema::profiles::directory::schema();
    let eq = |l: Expr, r: Expr| node(ExprKind::Compare { op: CmpOp::Eq, lhs: Box::new(l), rhs: Box::new(r) });
    let all = node(ExprKind::Quantified {
        quantifier: Quantifier::All,
        path: Path::single("tags", Span::new(0, 1)),
        var: "t".into(),
        predicate: Box::new(eq(path("t"), string("x"))),
    });
    // `all` is lowered like `any` (true for an empty array, so a test no element can pass
    // is not folded to a constant).
    let every = checked(&s, all).unwrap();
    assert_eq!(
        every,
        Pred::AllElements {
            field: id(&s, "tags"),
            test: ElemTest { op: ElemOp::Eq, value: "x".into(), fold_case: false }
        }
    );
    assert_eq!(filter_to_odata(&s, &every), "tags/all(e: e eq 'x')");
    let cases = [
        (any("fullname", eq(path("t"), string("x"))), "operator-not-applicable"),
        (
            any(
                "tags",
                node(ExprKind::Compare { op: CmpOp::Gt, lhs: Box::new(path("t")), rhs: Box::new(string("x")) }),
            ),
            "unsupported",
        ),
        (any("tags", eq(path("t"), Expr::literal(Literal::Int(3), Span::new(0, 1)))), "type-mismatch"),
        (
            eq(path("tags"), string("vpn")),
            "type-mismatch: expected a single value; an array field is tested element by element (`tags/any(e: e eq 'text')`), found the array field `tags`",
        ),
        (search(&["a"], SearchScope::All, Some(&["mfa"])), "operator-not-applicable"),
    ];
    for (expr, want) in cases {
        let text = expr.to_string();
        let errs = checked(&s, expr).unwrap_err();
        assert!(errs[0].starts_with(want), "{text}: {errs:?}");
    }
    // Identity has no searchable field.
    let identity = roster_schema::profiles::identity::schema();
    assert!(checked(&identity, search(&["a"], SearchScope::Any, None)).unwrap_err()[0].starts_with("unsupported"));
    // Sorting by an array is refused like any unsortable field.
    let q = Query {
        sort: vec![roster_ast::SortKey {
            path: Path::single("tags", Span::new(0, 4)),
            direction: roster_ast::Direction::Asc,
            span: Span::new(0, 4),
        }],
        ..Query::default()
    };
    assert_eq!(check(&q, &s).unwrap_err()[0].code(), "field-not-allowed");
}

#[test]
fn keyword_search_is_two_valued_and_case_folded() {
    let s = roster_schema::profiles::directory::schema();
    let (name, phone, tags) = (id(&s, "fullname"), id(&s, "phone"), id(&s, "tags"));
    let p = checked(&s, search(&["Ab", "c"], SearchScope::All, Some(&["fullname", "phone", "tags"]))).unwrap();
    let keyword = |k: &str| {
        let test = |f| Pred::StrTest {
            op: StrOp::Contains,
            haystack: Operand::Func(ScalarFunc::ToLower, Box::new(Operand::Field(f))),
            needle: Operand::Literal(Value::Str(k.into())),
        };
        Pred::Or(vec![
            test(name),
            // A null phone does not match: `phone ne null and ...` is false, never null.
            Pred::And(vec![Pred::IsNull { operand: Operand::Field(phone), negated: true }, test(phone)]),
            Pred::AnyElement { field: tags, test: ElemTest { op: ElemOp::Contains, value: k.into(), fold_case: true } },
        ])
    };
    assert_eq!(p, Pred::And(vec![keyword("ab"), keyword("c")]));
    // `any` is a disjunction of the keywords; none selects everyone; NUL matches nothing.
    let any = checked(&s, search(&["x", "y"], SearchScope::Any, Some(&["fullname"]))).unwrap();
    assert!(matches!(any, Pred::Or(ref v) if v.len() == 2));
    assert_eq!(checked(&s, search(&[], SearchScope::All, Some(&["fullname"]))).unwrap(), Pred::Const(true));
    assert_eq!(checked(&s, search(&["a\0"], SearchScope::All, Some(&["fullname"]))).unwrap(), Pred::Const(false));
    // Without fields: the profile's searchable fields (accounts: user_key, names, tags, properties).
    let a = roster_schema::profiles::accounts::schema();
    let printed = filter_to_odata(&a, &checked(&a, search(&["Pune"], SearchScope::All, None)).unwrap());
    assert_eq!(
        printed,
        "contains(tolower(first_name), 'pune') or contains(tolower(last_name), 'pune') or contains(tolower(user_key), 'pune') or tags/any(e: contains(tolower(e), 'pune')) or user_defined_properties/any(e: contains(tolower(e), 'pune'))"
    );
}
