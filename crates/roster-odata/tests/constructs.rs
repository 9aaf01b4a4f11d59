//! Each construct of the grammar: literals, paths, calls, `in`, `not`, `and`/`or`,
//! precedence, case-insensitivity, white space, word boundaries and spans.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{parse, tree};
use roster_ast::time::Timestamp;
use roster_ast::{CmpOp, Expr, ExprKind, Func, Literal, Span};

/// The right-hand literal of `a eq <literal>`.
fn rhs_literal(literal: &str) -> Literal {
    let text = format!("a eq {literal}");
    match &parse(&text).kind {
        ExprKind::Compare { rhs, .. } => match &rhs.kind {
            ExprKind::Literal { value } => value.clone(),
            other => panic!("{text}: not a literal: {other:?}"),
        },
        other => panic!("{text}: not a comparison: {other:?}"),
    }
}

fn ts(s: &str) -> Literal {
    Literal::DateTime(Timestamp::parse(s).unwrap())
}

#[test]
fn seed_examples() {
    assert_eq!(
        tree("id eq '7600415a-8876-5722-9f3c-b0fd11112283'"),
        r#"(eq id "7600415a-8876-5722-9f3c-b0fd11112283")"#
    );
    assert_eq!(tree("username eq 'user@example.com'"), r#"(eq username "user@example.com")"#);
    assert_eq!(tree("userStatus ne 'UNVERIFIED'"), r#"(ne userStatus "UNVERIFIED")"#);
    assert_eq!(tree("createdAt gt '2020-09-21T14:19:09.769747'"), r#"(gt createdAt "2020-09-21T14:19:09.769747")"#);
    assert_eq!(tree("lastLogin lt '2020-09-21T14:19:09.769747'"), r#"(lt lastLogin "2020-09-21T14:19:09.769747")"#);
}

#[test]
fn keyword_literals() {
    assert_eq!(rhs_literal("null"), Literal::Null);
    assert_eq!(rhs_literal("true"), Literal::Bool(true));
    assert_eq!(rhs_literal("false"), Literal::Bool(false));
    assert_eq!(rhs_literal("Null"), Literal::Null);
    assert_eq!(rhs_literal("TRUE"), Literal::Bool(true));
    assert_eq!(rhs_literal("fAlSe"), Literal::Bool(false));
}

#[test]
fn integers() {
    assert_eq!(rhs_literal("0"), Literal::Int(0));
    assert_eq!(rhs_literal("42"), Literal::Int(42));
    assert_eq!(rhs_literal("-42"), Literal::Int(-42));
    assert_eq!(rhs_literal("+42"), Literal::Int(42));
    assert_eq!(rhs_literal("007"), Literal::Int(7));
    assert_eq!(rhs_literal("9223372036854775807"), Literal::Int(i64::MAX));
    assert_eq!(rhs_literal("-9223372036854775808"), Literal::Int(i64::MIN));
}

#[test]
fn integers_out_of_range_become_floats() {
    assert_eq!(rhs_literal("9223372036854775808"), Literal::Float(9.223_372_036_854_776e18));
    assert_eq!(rhs_literal("-99999999999999999999"), Literal::Float(-1e20));
}

#[test]
fn decimals_and_floats() {
    assert_eq!(rhs_literal("1.5"), Literal::Float(1.5));
    assert_eq!(rhs_literal("-2.5e-3"), Literal::Float(-2.5e-3));
    assert_eq!(rhs_literal("1e20"), Literal::Float(1e20));
    assert_eq!(rhs_literal("1E+2"), Literal::Float(100.0));
    assert_eq!(rhs_literal("3.0"), Literal::Float(3.0));
    assert_eq!(rhs_literal("1.7976931348623157e308"), Literal::Float(f64::MAX));
}

#[test]
fn strings() {
    assert_eq!(rhs_literal("'plain'"), Literal::String("plain".into()));
    assert_eq!(rhs_literal("''"), Literal::String(String::new()));
    assert_eq!(rhs_literal("'O''Brien'"), Literal::String("O'Brien".into()));
    assert_eq!(rhs_literal("''''''"), Literal::String("''".into()));
    assert_eq!(rhs_literal("'a\nb\tc'"), Literal::String("a\nb\tc".into()));
    assert_eq!(rhs_literal("'東京 😀 \"q\"'"), Literal::String("東京 😀 \"q\"".into()));
    assert_eq!(rhs_literal("'and or not eq ('"), Literal::String("and or not eq (".into()));
}

#[test]
fn guids_without_quotes() {
    let g = 0x7600415a_8876_5722_9f3c_b0fd11112283;
    assert_eq!(rhs_literal("7600415a-8876-5722-9f3c-b0fd11112283"), Literal::Guid(g));
    assert_eq!(rhs_literal("7600415A-8876-5722-9F3C-B0FD11112283"), Literal::Guid(g));
    // A GUID may start with letters; it is still not an identifier.
    assert_eq!(
        rhs_literal("abcdef01-2345-6789-abcd-ef0123456789"),
        Literal::Guid(0xabcdef01_2345_6789_abcd_ef0123456789)
    );
    assert_eq!(
        tree("id in (abcdef01-2345-6789-abcd-ef0123456789, 00000000-0000-0000-0000-00000000000a)"),
        "(in id abcdef01-2345-6789-abcd-ef0123456789 00000000-0000-0000-0000-00000000000a)"
    );
}

#[test]
fn date_times_without_quotes() {
    assert_eq!(rhs_literal("2020-09-21T14:19:09.769747Z"), ts("2020-09-21T14:19:09.769747Z"));
    assert_eq!(rhs_literal("2021-05-06T10:50:35+05:30"), ts("2021-05-06T05:20:35Z"));
    assert_eq!(rhs_literal("2021-05-06T10:50:35-0800"), ts("2021-05-06T18:50:35Z"));
    assert_eq!(rhs_literal("2020-09-21"), ts("2020-09-21T00:00:00Z"));
    assert_eq!(rhs_literal("2020-09-21T14:19"), ts("2020-09-21T14:19:00Z"));
    assert_eq!(rhs_literal("2020-09-21t14:19:09z"), ts("2020-09-21T14:19:09Z"));
    assert_eq!(
        tree("createdAt gt 2020-09-21T14:19:09Z and id eq 1"),
        "(and (gt createdAt 2020-09-21T14:19:09Z) (eq id 1))"
    );
}

#[test]
fn member_paths() {
    let e = parse("emails/address eq 'a'");
    let ExprKind::Compare { lhs, .. } = &e.kind else { panic!() };
    let ExprKind::Path { path } = &lhs.kind else { panic!() };
    assert_eq!(path.segments, ["emails", "address"]);
    assert_eq!(path.span, Span::new(0, 14));
    assert_eq!(tree("größe gt 1"), "(gt größe 1)");
    assert_eq!(tree("_a1/B_2/c eq 1"), "(eq _a1/B_2/c 1)");
    // Reserved words are only reserved as the first segment.
    assert_eq!(tree("a/in/null eq 1"), "(eq a/in/null 1)");
}

#[test]
fn a_lone_value_is_a_filter() {
    // Whether it is a condition is the checker's business.
    assert_eq!(tree("username"), "username");
    assert_eq!(tree("true"), "true");
    assert_eq!(tree("'x'"), r#""x""#);
}

#[test]
fn function_calls() {
    assert_eq!(tree("contains(username, 'x')"), r#"(contains username "x")"#);
    assert_eq!(tree("startswith(username,'a')"), r#"(startswith username "a")"#);
    assert_eq!(tree("endswith( username , 'a' )"), r#"(endswith username "a")"#);
    assert_eq!(tree("length(username) gt 3"), "(gt (length username) 3)");
    assert_eq!(tree("toupper(trim(tolower(username))) eq 'A'"), r#"(eq (toupper (trim (tolower username))) "A")"#);
    // Arguments are expressions.
    assert_eq!(tree("tolower(a eq 1 or b)"), "(tolower (or (eq a 1) b))");
    let e = parse("contains(a, 'b')");
    assert!(matches!(&e.kind, ExprKind::Call { func: Func::Contains, args } if args.len() == 2));
}

#[test]
fn function_names_any_case() {
    assert_eq!(tree("CONTAINS(username, 'x')"), r#"(contains username "x")"#);
    assert_eq!(tree("StartsWith(username, 'x')"), r#"(startswith username "x")"#);
    assert_eq!(tree("ToLower(username) eq 'x'"), r#"(eq (tolower username) "x")"#);
}

#[test]
fn in_lists() {
    assert_eq!(tree("userStatus in ('VERIFIED', 'BLOCKED')"), r#"(in userStatus "VERIFIED" "BLOCKED")"#);
    assert_eq!(tree("a in (1)"), "(in a 1)");
    assert_eq!(tree("a IN(1,2 , 3)"), "(in a 1 2 3)");
    assert_eq!(tree("a in ( null , -2 )"), "(in a null -2)");
    assert_eq!(tree("a in ()"), "(in a)");
    // A list of more than one item holds literals (OData `listExpr`); one item in
    // parentheses is a `parenExpr`, any expression.
    assert_eq!(tree("a in ((1))"), "(in a 1)");
    assert_eq!(tree("a in (b eq 1)"), "(in a (eq b 1))");
    assert!(roster_odata::parse_filter("a in (1, b)").is_err());
    assert!(roster_odata::parse_filter("a in (b, 1)").is_err());
    // `in` a JSON array or a collection.
    assert_eq!(tree("a in [1, 'x']"), r#"(in a (array 1 "x"))"#);
    assert_eq!(tree("a in b"), "(in a b)");
}

#[test]
fn not() {
    assert_eq!(tree("not a"), "(not a)");
    assert_eq!(tree("not (a eq 1)"), "(not (eq a 1))");
    assert_eq!(tree("not(a eq 1)"), "(not (eq a 1))");
    assert_eq!(tree("not not a"), "(not (not a))");
    assert_eq!(tree("NOT contains(a, 'b')"), r#"(not (contains a "b"))"#);
    assert_eq!(tree("not'x'"), r#"(not "x")"#);
}

#[test]
fn and_or_chains_are_one_node() {
    assert_eq!(tree("a and b and c"), "(and a b c)");
    assert_eq!(tree("a or b or c or d"), "(or a b c d)");
    let e = parse("a eq 1 and b eq 2 and c eq 3");
    let ExprKind::And { operands } = &e.kind else { panic!() };
    assert_eq!(operands.len(), 3);
}

#[test]
fn parentheses_keep_nesting() {
    assert_eq!(tree("(a and b) and c"), "(and (and a b) c)");
    assert_eq!(tree("a and (b and c)"), "(and a (and b c))");
    assert_eq!(tree("(a or b) or (c or d)"), "(or (or a b) (or c d))");
    assert_eq!(tree("((a))"), "a");
}

#[test]
fn precedence() {
    // and binds tighter than or.
    assert_eq!(tree("a or b and c"), "(or a (and b c))");
    assert_eq!(tree("a and b or c"), "(or (and a b) c)");
    assert_eq!(tree("a eq 1 or b eq 2 and c eq 3"), "(or (eq a 1) (and (eq b 2) (eq c 3)))");
    // Comparisons bind tighter than and.
    assert_eq!(tree("a eq 1 and b ne 2"), "(and (eq a 1) (ne b 2))");
    // not binds tighter than comparisons: `not a eq b` is `(not a) eq b`.
    assert_eq!(tree("not a eq b"), "(eq (not a) b)");
    // `has` and `in` bind tighter still (OData's table puts them with the primaries).
    assert_eq!(tree("not a in (1, 2)"), "(not (in a 1 2))");
    assert_eq!(tree("-a has b"), "(- (has a b))");
    assert_eq!(tree("a eq not b"), "(eq a (not b))");
    assert_eq!(tree("not a and b"), "(and (not a) b)");
    // Comparisons are left-associative, `in` included; relational ones bind tighter than
    // equality ones.
    assert_eq!(tree("a eq b eq c"), "(eq (eq a b) c)");
    assert_eq!(tree("a lt b ge c"), "(ge (lt a b) c)");
    assert_eq!(tree("a eq b gt c"), "(eq a (gt b c))");
    assert_eq!(tree("a gt b eq c"), "(eq (gt a b) c)");
    assert_eq!(tree("a in (1) eq true"), "(eq (in a 1) true)");
    assert_eq!(tree("a eq b in (true)"), "(eq a (in b true))");
    assert_eq!(tree("a in (1) in (true)"), "(in (in a 1) true)");
    // Arithmetic: multiplicative over additive over comparisons, left-associative; unary
    // minus tightest.
    assert_eq!(tree("a add b mul c eq d"), "(eq (add a (mul b c)) d)");
    assert_eq!(tree("a sub b sub c"), "(sub (sub a b) c)");
    assert_eq!(tree("a div b mod c divby d"), "(divby (mod (div a b) c) d)");
    assert_eq!(tree("-a add b"), "(add (- a) b)");
    assert_eq!(tree("- (a add b)"), "(- (add a b))");
    assert_eq!(tree("a sub -1"), "(sub a -1)");
    assert_eq!(tree("not a eq b add c"), "(eq (not a) (add b c))");
    assert_eq!(tree("a add b gt c and d"), "(and (gt (add a b) c) d)");
    // Parentheses override.
    assert_eq!(tree("a eq (b eq c)"), "(eq a (eq b c))");
    assert_eq!(tree("(a or b) and c"), "(and (or a b) c)");
    assert_eq!(tree("not (a eq b)"), "(not (eq a b))");
}

#[test]
fn every_comparison_operator() {
    for op in CmpOp::ALL {
        let text = format!("a {} 1", op.keyword());
        let e = parse(&text);
        assert!(matches!(e.kind, ExprKind::Compare { op: o, .. } if o == op), "{text}");
        let upper = format!("a {} 1", op.keyword().to_uppercase());
        assert_eq!(common::unspanned(&parse(&upper)), common::unspanned(&e));
    }
}

#[test]
fn operators_any_case() {
    assert_eq!(
        tree("userStatus EQ 'VERIFIED' AND NOT (createdAt Gt 2020-01-01T00:00:00Z)"),
        r#"(and (eq userStatus "VERIFIED") (not (gt createdAt 2020-01-01T00:00:00Z)))"#
    );
    assert_eq!(tree("a Eq 1 oR b nE 2"), "(or (eq a 1) (ne b 2))");
    assert_eq!(tree("a In (1)"), "(in a 1)");
}

#[test]
fn white_space() {
    assert_eq!(tree("(a eq 1)and(b eq 2)"), "(and (eq a 1) (eq b 2))");
    assert_eq!(tree("username eq'x'"), r#"(eq username "x")"#);
    assert_eq!(tree("'x'eq username"), r#"(eq "x" username)"#);
    assert_eq!(tree(" \t\r\n a \n eq\t1 \n"), "(eq a 1)");
    assert_eq!(tree("a eq 1\nand\nb eq 2"), "(and (eq a 1) (eq b 2))");
    assert_eq!(tree("( a eq 1 )"), "(eq a 1)");
    assert_eq!(tree("contains( a ,'b' )"), r#"(contains a "b")"#);
}

#[test]
fn keywords_need_word_boundaries() {
    assert_eq!(tree("aeqb"), "aeqb");
    assert_eq!(tree("notx eq 1"), "(eq notx 1)");
    assert_eq!(tree("andy eq 1 and orson eq 2"), "(and (eq andy 1) (eq orson 2))");
    assert_eq!(tree("nullable eq true_"), "(eq nullable true_)");
    assert_eq!(tree("a eq b and c"), "(and (eq a b) c)");
    assert!(roster_odata::parse_filter("a eq b andc").is_err());
}

#[test]
fn spans_of_leaves_and_nodes() {
    let text = "username eq 'x'";
    let e = parse(text);
    assert_eq!(e.span, Span::new(0, 15));
    let ExprKind::Compare { lhs, rhs, .. } = &e.kind else { panic!() };
    assert_eq!(lhs.span, Span::new(0, 8));
    assert_eq!(rhs.span, Span::new(12, 15));

    let e = parse("contains(a, 'b') and x in (1, 2)");
    assert_eq!(e.span, Span::new(0, 32));
    let kids = e.children();
    assert_eq!(kids[0].span, Span::new(0, 16));
    assert_eq!(kids[1].span, Span::new(21, 32));
    assert_eq!(kids[1].children()[2].span, Span::new(30, 31));

    let e = parse("not  a");
    assert_eq!(e.span, Span::new(0, 6));
    assert_eq!(e.children()[0].span, Span::new(5, 6));
}

#[test]
fn spans_around_parentheses() {
    // The node inside parentheses spans its own text; its parent spans the parentheses.
    let e = parse("(a eq 1) and b");
    assert_eq!(e.span, Span::new(0, 14));
    assert_eq!(e.children()[0].span, Span::new(1, 7));
    let e = parse("not ((a))");
    assert_eq!(e.span, Span::new(0, 9));
    assert_eq!(e.children()[0].span, Span::new(6, 7));
    let e = parse("x eq (y)");
    assert_eq!(e.span, Span::new(0, 8));
    assert_eq!(e.children()[1].span, Span::new(6, 7));
    // A parenthesised root spans what is inside.
    let e = parse(" (a eq 1) ");
    assert_eq!(e.span, Span::new(2, 8));
}

#[test]
fn span_invariants_on_the_corpus() {
    for text in common::corpus() {
        common::assert_spans(&parse(&text), &text);
    }
}

#[test]
fn deep_trees_drop_without_recursion() {
    // A tree built by hand, deeper than any the parser returns, still drops.
    let mut e = Expr::literal(Literal::Null, Span::default());
    for _ in 0..100_000 {
        e = Expr::new(ExprKind::Not { operand: Box::new(e) }, Span::default());
    }
    drop(e);
}

#[test]
fn new_literal_forms() {
    let lit = |text: &str| rhs_literal(text);
    assert!(matches!(lit("NaN"), Literal::Float(x) if x.is_nan()));
    assert_eq!(lit("INF"), Literal::Float(f64::INFINITY));
    assert_eq!(lit("-INF"), Literal::Float(f64::NEG_INFINITY));
    assert_eq!(parse("a eq NaN").to_string(), "a eq NaN");
    // Case-sensitive, whole words: `inf` and `NaNa` are fields.
    assert_eq!(tree("a eq inf"), "(eq a inf)");
    assert_eq!(tree("a eq NaNa"), "(eq a NaNa)");
    let picos = |h: u64, m: u64, s: u64| (h * 3600 + m * 60 + s) * roster_ast::PICOS_PER_SEC;
    assert_eq!(lit("13:20"), Literal::TimeOfDay(roster_ast::TimeOfDay(picos(13, 20, 0))));
    assert_eq!(lit("23:59:59.5"), Literal::TimeOfDay(roster_ast::TimeOfDay(picos(23, 59, 59) + 500_000_000_000)));
    assert_eq!(parse("a eq 07:05:00.250").to_string(), "a eq 07:05:00.25");
    assert_eq!(lit("duration'P1DT2H'"), Literal::Duration(roster_ast::Duration(i128::from(picos(26, 0, 0)))));
    assert_eq!(parse("a eq duration'-PT90M0.5S'").to_string(), "a eq duration'-PT1H30M0.5S'");
    assert_eq!(parse("a eq duration'P0D'").to_string(), "a eq duration'PT0S'");
    assert_eq!(lit("binary'Zm9vYg'"), Literal::Binary(b"foob".to_vec()));
    assert_eq!(parse("a eq BINARY'Zm9vYg'").to_string(), "a eq binary'Zm9vYg=='");
    assert_eq!(lit("binary''"), Literal::Binary(Vec::new()));
    assert_eq!(
        lit("Sales.Pattern'Solid,Yellow'"),
        Literal::Enum { type_name: "Sales.Pattern".into(), value: "Solid,Yellow".into() }
    );
    for bad in [
        "a eq 24:00:00",
        "a eq 12:60",
        "a eq duration'P1Y'",
        "a eq duration'PT'",
        "a eq duration'P1H'",
        "a eq binary'Zh=='",
        "a eq binary'a+b='",
        "a eq Sales.Pattern'a b'",
        "a eq X'1a2b'",
    ] {
        assert!(roster_odata::parse_filter(bad).is_err(), "{bad}");
    }
}

#[test]
fn geo_literals_of_every_shape() {
    let geo = |geography: bool, srid: u32, shape: &str| Literal::Geo { geography, srid, shape: shape.into() };
    let lit = |text: &str| rhs_literal(text);
    assert_eq!(lit("geography'SRID=0;Point(142.1 64.1)'"), geo(true, 0, "Point(142.1 64.1)"));
    assert_eq!(lit("geometry'SRID=4326;Point(1 2 3 -4)'"), geo(false, 4326, "Point(1 2 3 -4)"));
    assert_eq!(
        lit("geography'SRID=0;LineString(142.1 64.1,3.14 2.78)'"),
        geo(true, 0, "LineString(142.1 64.1,3.14 2.78)")
    );
    assert_eq!(
        lit("geometry'SRID=0;Polygon((1 1,1 1),(1 1,2 2,3 3,1 1))'"),
        geo(false, 0, "Polygon((1 1,1 1),(1 1,2 2,3 3,1 1))")
    );
    assert_eq!(lit("geography'SRID=0;MultiPoint()'"), geo(true, 0, "MultiPoint()"));
    assert_eq!(lit("geography'SRID=0;MultiPoint((142.1 64.1),(1 2))'"), geo(true, 0, "MultiPoint((142.1 64.1),(1 2))"));
    assert_eq!(
        lit("geography'SRID=0;MultiLineString((1 2,3 4),(5 6,7 8))'"),
        geo(true, 0, "MultiLineString((1 2,3 4),(5 6,7 8))")
    );
    assert_eq!(
        lit("geography'SRID=0;MultiPolygon(((1 1,1 1),(1 1,2 2,3 3,1 1)))'"),
        geo(true, 0, "MultiPolygon(((1 1,1 1),(1 1,2 2,3 3,1 1)))")
    );
    assert_eq!(lit("geometry'SRID=0;MultiPolygon()'"), geo(false, 0, "MultiPolygon()"));
    assert_eq!(lit("geometry'SRID=0;MultiLineString()'"), geo(false, 0, "MultiLineString()"));
    assert_eq!(
        lit(
            "geography'SRID=0;GeometryCollection(LineString(142.1 64.1,3.14 2.78),GeometryCollection(Point(NaN -INF)))'"
        ),
        geo(true, 0, "GeometryCollection(LineString(142.1 64.1,3.14 2.78),GeometryCollection(Point(NaN -INF)))")
    );
    // Coordinates: every doubleValue, kept as written.
    assert_eq!(
        lit("geometry'SRID=0;Point(+1.50E+3 -0.0e-2 INF NaN)'"),
        geo(false, 0, "Point(+1.50E+3 -0.0e-2 INF NaN)")
    );
    // The prefix, `SRID` and the shape names match in any case (ABNF strings); the canonical
    // form spells them as the ABNF does.
    let e = parse("geo.length(GEOGRAPHY'srid=00012;linestring(1 2,3 4)') gt 1");
    assert_eq!(e.to_string(), "geo.length(geography'SRID=12;LineString(1 2,3 4)') gt 1");
    assert_eq!(
        parse("a eq Geometry'Srid=0;geometrycollection(multipolygon(((0 0,0 0))),POINT(1 2))'").to_string(),
        "a eq geometry'SRID=0;GeometryCollection(MultiPolygon(((0 0,0 0))),Point(1 2))'"
    );
    // A literal spans from its prefix to its closing quote.
    let e = parse("geo.intersects(geometry'SRID=0;Point(1 2)', b)");
    assert_eq!(e.children()[0].span, Span::new(15, 42));
    assert_eq!(
        tree("geo.distance(a, geography'SRID=0;Point(1 2)') lt 10"),
        "(lt (geo.distance a geography'SRID=0;Point(1 2)') 10)"
    );
}

#[test]
fn geo_literals_percent_encoded() {
    // Every separator the ABNF writes as SQUOTE, OPEN, CLOSE, COMMA or SEMI may be encoded.
    let text = "geo.intersects(geometry%27SRID=0%3BPoint%28142.1%2064.1%29%27,geometry'SRID=0;Polygon((1 1,1 1),(1 1,2 2,3 3,1 1))')";
    let e = roster_odata::parse_filter_url(text).unwrap();
    assert_eq!(
        e.to_string(),
        "geo.intersects(geometry'SRID=0;Point(142.1 64.1)', geometry'SRID=0;Polygon((1 1,1 1),(1 1,2 2,3 3,1 1))')"
    );
    // Spans are into the encoded text.
    assert_eq!(e.children()[0].span, Span::new(15, 61));
    let q = roster_odata::parse_query_options(
        "$filter=geo.length(geography%27SRID%3D0%3BLineString(1%202%2C3%204)%27)%20gt%201",
    )
    .unwrap();
    assert_eq!(q.query.filter.unwrap().to_string(), "geo.length(geography'SRID=0;LineString(1 2,3 4)') gt 1");
}

#[test]
fn invalid_geo_literals_fail_where_the_abnf_does() {
    // (input, offset of the first character that cannot continue the literal)
    for (text, at) in [
        ("a eq geography'SRID=0;Point(1)'", 29),
        ("a eq geography'SRID=0;Point(1 2,3 4)'", 31),
        ("a eq geography'SRID=0;Point( 1 2)'", 28),
        ("a eq geography'SRID=0; Point(1 2)'", 22),
        ("a eq geography'SRID=0;Point(1 2 3 4 5)'", 35),
        ("a eq geography'SRID=0;Pointe(1 2)'", 27),
        ("a eq geography'SRID=0;Circle(1 2)'", 22),
        ("a eq geography'Point(1 2)'", 15),
        ("a eq geography'SRID=123456;Point(1 2)'", 25),
        ("a eq geography'SRID=0;LineString(1 2)'", 36),
        ("a eq geography'SRID=0;Polygon((0 0,1 1,0 0.0))'", 39),
        ("a eq geography'SRID=0;GeometryCollection()'", 41),
        ("a eq geography'SRID=0;MultiPoint(1 2)'", 33),
        ("a eq geography'SRID=0;Point(1 2)x'", 32),
        ("a eq geography'SRID=0;Point(1 nan)'", 30),
        ("a eq geography'SRID=0;Point(1 1e400)'", 30),
    ] {
        let err = roster_odata::parse_filter(text).unwrap_err();
        assert_eq!((roster_ast::Diagnostic::code(&err), err.span.start), ("invalid-literal", at), "{text}: {err}");
    }
    // The body ends at the first quote.
    let err = roster_odata::parse_filter("a eq geography'SRID=0;Point(1 2)").unwrap_err();
    assert_eq!(roster_ast::Diagnostic::code(&err), "unterminated-string");
    // Percent-encoded: the offset is into the encoded text.
    let err = roster_odata::parse_filter_url("a%20eq%20geography%27SRID=0%3BPoint%281%29%27").unwrap_err();
    assert_eq!(roster_ast::Diagnostic::span(&err).start, 39);
}

#[test]
fn json_arrays_and_objects() {
    assert_eq!(tree(r#"a in ["x", 'y', 1]"#), r#"(in a (array "x" "y" 1))"#);
    let e = parse(r#"{"a\"b": [], "c": {}} eq x"#);
    assert_eq!(e.to_string(), r#"{"a\"b": [], "c": {}} eq x"#);
    assert!(roster_odata::parse_filter(r#""x" eq a"#).is_err(), "JSON strings only inside JSON");
    assert!(roster_odata::parse_filter("[1 2]").is_err());
    assert!(roster_odata::parse_filter("{a: 1}").is_err());
    assert!(roster_odata::parse_filter(r#"["\q"]"#).is_err());
}

#[test]
fn lambdas_and_variables() {
    assert_eq!(tree("tags/any(t: t eq 'a')"), r#"(any tags t (eq t "a"))"#);
    assert_eq!(tree("a/b/ALL(x:x/c)"), "(all a/b x x/c)");
    assert_eq!(tree("tags/any()"), "(any tags  true)");
    assert_eq!(parse("tags/any( )").to_string(), "tags/any()");
    assert_eq!(
        tree("$it/a eq $this and $root/People/$count gt 0"),
        "(and (eq $it/a $this) (gt $root/People/$count 0))"
    );
    assert!(roster_odata::parse_filter("tags/all()").is_err());
    assert!(roster_odata::parse_filter("tags/any(t t eq 1)").is_err());
    assert!(roster_odata::parse_filter("any(t: true)").is_err());
}

#[test]
fn new_functions_and_arities() {
    assert_eq!(tree("substring(a, 1)"), "(substring a 1)");
    assert_eq!(tree("substring(a, 1, 2)"), "(substring a 1 2)");
    assert!(roster_odata::parse_filter("substring(a)").is_err());
    assert_eq!(tree("now()"), "(now)");
    assert_eq!(tree("geo.distance(a, b)"), "(geo.distance a b)");
    assert_eq!(tree("MatchesPattern(a, '^x')"), r#"(matchesPattern a "^x")"#);
    assert_eq!(tree("cast(Edm.Int32)"), "(cast Edm.Int32)");
    let err = roster_odata::parse_filter("substring(a)").unwrap_err();
    assert_eq!(err.to_string(), "`substring` takes 2 to 3 arguments, found 1");
}
