//! Navigation paths (`ExprKind::Navigate`): bound and qualified function calls, key
//! predicates, `$filter` and `$count` segments, annotations; their canonical print, spans
//! and depth limit.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{assert_spans, parse};
use roster_ast::{Diagnostic, ExprKind, StepKind};

#[test]
fn calls_keys_and_segments_print_back() {
    for text in [
        "Model.Available()",
        "Products/Model.BestProduct()/Name",
        "Products/Model.ProductsByColor(color='green')/Model.MostPopularName()",
        "Products/Model.ProductsByColor(colors=[\"red\", \"green\"])",
        "Model.Available(complex={\"Name\": \"Value\"})",
        "Model.PhoneticallySimilar(Word1=Name,Word2=Supplier/Name)",
        "$it/Model.PhoneticallySimilar(Number=5 add 3)",
        "Items(1)",
        "Products/$filter(Age gt 3)(ID='Sugar')",
        "Addresses/$filter(endswith(Street, 'St'))/$count lt 10",
        "Products/$count($filter=Price gt 5.0) gt 2",
        "Products/Model.BestProduct()/EmailAddresses/any()",
        "Products/Model.ProductsByColor()/all(x: x/Price gt 1)",
        "Products/Model.ProductsByColor(color=@color)",
    ] {
        let e = parse(text);
        // (The span helper re-reads literals alone, which a JSON string is not.)
        if !text.contains('"') {
            assert_spans(&e, text);
        }
        let printed = e.to_string();
        assert_eq!(parse(&printed).to_string(), printed, "{text}");
        let navigate = |e: &roster_ast::Expr| matches!(e.kind, ExprKind::Navigate { .. });
        assert!(navigate(&e) || e.children().iter().any(|c| navigate(c)), "{text}: {e:?}");
    }
}

#[test]
fn steps_have_their_kinds() {
    let e = parse("Products/$filter(Age gt 3)(ID='Sugar')");
    let ExprKind::Navigate { steps } = &e.kind else { panic!("{e:?}") };
    assert!(matches!(&steps[0].kind, StepKind::Member { name } if name == "Products"));
    assert!(matches!(steps[1].kind, StepKind::Filter { .. }));
    assert!(matches!(&steps[2].kind, StepKind::Key { values } if values[0].name == "ID"));
    let e = parse("Items(1)");
    let ExprKind::Navigate { steps } = &e.kind else { panic!("{e:?}") };
    assert!(matches!(&steps[1].kind, StepKind::Key { values } if values[0].name.is_empty()));
}

#[test]
fn annotations_are_path_segments() {
    let e = parse("Price/@Measures.Currency#Reporting eq 'EUR'");
    let ExprKind::Compare { lhs, .. } = &e.kind else { panic!("{e:?}") };
    let ExprKind::Path { path } = &lhs.kind else { panic!("{lhs:?}") };
    assert_eq!(path.segments, ["Price", "@Measures.Currency#Reporting"]);
}

#[test]
fn misspelt_functions_and_bare_lambdas_stay_errors() {
    let e = roster_odata::parse_filter("containz(username, 'a')").unwrap_err();
    assert_eq!(e.code(), "unknown-function");
    let e = roster_odata::parse_filter("any()").unwrap_err();
    assert_eq!((e.code(), e.span.start), ("syntax", 3));
    assert!(e.to_string().contains("a collection before `any`/`all`"), "{e}");
    let e = roster_odata::parse_filter("Model.F(a=1, 2)").unwrap_err();
    assert_eq!(e.span.start, 13);
}

#[test]
fn nested_parameters_and_json_are_depth_limited() {
    let n = 100_000;
    let calls = format!("{}1{}", "Model.F(a=".repeat(n), ")".repeat(n));
    let json = format!("Model.F(a={}1{})", "[".repeat(n), "]".repeat(n));
    let filters = format!("{}true{}", "a/$filter(".repeat(n), ")".repeat(n));
    let opts = roster_odata::Options { max_len: usize::MAX, ..Default::default() };
    for text in [calls, json, filters] {
        let e = roster_odata::parse_filter_with(&text, &opts).unwrap_err();
        assert_eq!(e.code(), "nesting-too-deep");
    }
}
