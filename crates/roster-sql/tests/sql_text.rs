//! The exact SQL and bound values for representative typed queries, on each backend.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use roster_ast::CmpOp;
use roster_check::{Operand, Pred, ScalarFunc, StrOp, TypedQuery};
use roster_schema::{FieldId, Value};
use roster_sql::{Backend, SqlError, count, ddl, select};

const PG: Backend = Backend::Postgres;
const LITE: Backend = Backend::Sqlite;
const MY: Backend = Backend::MySql;

/// The `WHERE` condition of `filter` (sorted by id, every field) and the bound values as JSON.
fn cond(filter: Pred, backend: Backend) -> (String, String) {
    let c = select(&schema(), &query(filter), backend).unwrap();
    let from = c.sql.find(" WHERE ").map_or(c.sql.len(), |i| i + 7);
    let to = c.sql.find(" ORDER BY ").unwrap();
    (c.sql[from.min(to)..to].to_owned(), c.values_json().to_string())
}

fn lit_enum(i: u16) -> Operand {
    Operand::Literal(Value::Enum(i))
}

#[test]
fn full_statement_on_each_backend() {
    let q = TypedQuery {
        filter: cmp(CmpOp::Gt, field(CREATED), ts(T2021)),
        sort: vec![desc(LAST_LOGIN), asc(ID)],
        projection: vec![ID, USERNAME, LAST_LOGIN],
        limit: Some(20),
        offset: 40,
    };
    let c = select(&schema(), &q, PG).unwrap();
    assert_eq!(
        c.sql,
        r#"SELECT "id", "username", "lastLogin" FROM "identity_users" WHERE "createdAt" > $1 ORDER BY "lastLogin" DESC NULLS LAST, "id" ASC LIMIT $2 OFFSET $3"#
    );
    assert_eq!(c.values_json().to_string(), "[1609459200000000,20,40]");
    let c = select(&schema(), &q, LITE).unwrap();
    assert_eq!(
        c.sql,
        r#"SELECT "id", "username", "lastLogin" FROM "identity_users" WHERE "createdAt" > ? ORDER BY "lastLogin" DESC, "id" ASC LIMIT ? OFFSET ?"#
    );
    assert_eq!(c.values_json().to_string(), "[1609459200000000,20,40]");
    let c = select(&schema(), &q, MY).unwrap();
    assert_eq!(
        c.sql,
        "SELECT `id`, `username`, `lastLogin` FROM `identity_users` WHERE `createdAt` > ? ORDER BY `lastLogin` DESC, `id` ASC LIMIT ? OFFSET ?"
    );
}

#[test]
fn count_ignores_sort_and_page() {
    let q = TypedQuery {
        limit: Some(5),
        offset: 10,
        sort: vec![asc(USERNAME), asc(ID)],
        ..query(Pred::IsNull { operand: field(LAST_LOGIN), negated: false })
    };
    let c = count(&schema(), &q, PG).unwrap();
    assert_eq!(c.sql, r#"SELECT COUNT(*) FROM "identity_users" WHERE "lastLogin" IS NULL"#);
    assert!(c.values.is_empty());
    assert_eq!(
        count(&schema(), &query(Pred::Const(true)), LITE).unwrap().sql,
        r#"SELECT COUNT(*) FROM "identity_users""#
    );
}

#[test]
fn non_nullable_comparisons_stay_plain() {
    for (op, sql) in [(CmpOp::Eq, "="), (CmpOp::Ne, "<>"), (CmpOp::Ge, ">="), (CmpOp::Lt, "<"), (CmpOp::Le, "<=")] {
        assert_eq!(cond(cmp(op, field(CREATED), ts(5)), PG), (format!(r#""createdAt" {sql} $1"#), "[5]".into()));
    }
    // Enum literals bind their text; UUIDs their lower-case text.
    assert_eq!(
        cond(cmp(CmpOp::Ne, field(STATUS), lit_enum(1)), LITE),
        (r#""userStatus" <> ?"#.into(), r#"["VERIFIED"]"#.into())
    );
    assert_eq!(
        cond(cmp(CmpOp::Eq, field(ID), Operand::Literal(Value::Uuid(0xABC))), MY),
        ("`id` = ?".into(), r#"["00000000-0000-0000-0000-000000000abc"]"#.into())
    );
    assert_eq!(cond(cmp(CmpOp::Lt, field(CREATED), field(UPDATED)), PG).0, r#""createdAt" < "updatedAt""#);
}

#[test]
fn nullable_comparisons_are_two_valued() {
    let last = || field(LAST_LOGIN);
    let c = |p| cond(p, LITE).0;
    assert_eq!(c(cmp(CmpOp::Gt, last(), ts(1))), r#""lastLogin" > ? AND "lastLogin" IS NOT NULL"#);
    assert_eq!(c(cmp(CmpOp::Eq, last(), ts(1))), r#""lastLogin" = ? AND "lastLogin" IS NOT NULL"#);
    assert_eq!(c(cmp(CmpOp::Ne, last(), ts(1))), r#""lastLogin" <> ? OR "lastLogin" IS NULL"#);
    assert_eq!(c(not(cmp(CmpOp::Lt, last(), ts(1)))), r#"NOT ("lastLogin" < ? AND "lastLogin" IS NOT NULL)"#);
    // Only the right side nullable.
    assert_eq!(c(cmp(CmpOp::Ne, field(CREATED), last())), r#""createdAt" <> "lastLogin" OR "lastLogin" IS NULL"#);
    assert_eq!(c(cmp(CmpOp::Le, field(CREATED), last())), r#""createdAt" <= "lastLogin" AND "lastLogin" IS NOT NULL"#);
    // Both sides nullable.
    assert_eq!(
        c(cmp(CmpOp::Eq, last(), last())),
        r#"("lastLogin" = "lastLogin" AND "lastLogin" IS NOT NULL AND "lastLogin" IS NOT NULL) OR ("lastLogin" IS NULL AND "lastLogin" IS NULL)"#
    );
    assert_eq!(
        c(cmp(CmpOp::Ne, last(), last())),
        r#"("lastLogin" <> "lastLogin" OR "lastLogin" IS NULL OR "lastLogin" IS NULL) AND ("lastLogin" IS NOT NULL OR "lastLogin" IS NOT NULL)"#
    );
    // A literal on the left is flipped.
    assert_eq!(c(cmp(CmpOp::Lt, ts(1), last())), r#""lastLogin" > ? AND "lastLogin" IS NOT NULL"#);
}

#[test]
fn null_tests_and_membership() {
    assert_eq!(cond(Pred::IsNull { operand: field(LAST_LOGIN), negated: true }, PG).0, r#""lastLogin" IS NOT NULL"#);
    assert_eq!(
        cond(Pred::In { operand: field(STATUS), values: vec![Value::Enum(0), Value::Enum(5)] }, PG),
        (r#""userStatus" IN ($1, $2)"#.into(), r#"["UNVERIFIED","SUSPENDED"]"#.into())
    );
    assert_eq!(
        cond(
            not(Pred::In { operand: field(LAST_LOGIN), values: vec![Value::Timestamp(roster_schema::Timestamp(7))] }),
            LITE
        ),
        (r#"NOT ("lastLogin" IN (?) AND "lastLogin" IS NOT NULL)"#.into(), "[7]".into())
    );
}

#[test]
fn substring_tests_match_literally() {
    let needle = || text("50%_\\");
    let contains = str_test(StrOp::Contains, field(USERNAME), needle());
    let starts = str_test(StrOp::StartsWith, field(USERNAME), needle());
    let ends = str_test(StrOp::EndsWith, field(USERNAME), needle());
    assert_eq!(cond(contains.clone(), PG), (r#"strpos("username", $1) > 0"#.into(), r#"["50%_\\"]"#.into()));
    assert_eq!(cond(starts.clone(), PG).0, r#"starts_with("username", $1)"#);
    assert_eq!(cond(ends.clone(), PG).0, r#"right("username", CHAR_LENGTH($1)) = $2"#);
    assert_eq!(cond(contains.clone(), LITE).0, r#"instr("username", ?) > 0"#);
    assert_eq!(cond(starts.clone(), LITE).0, r#"substr("username", 1, LENGTH(?)) = ?"#);
    assert_eq!(cond(ends.clone(), LITE).0, r#"substr("username", (LENGTH("username") - LENGTH(?)) + 1) = ?"#);
    assert_eq!(cond(contains, MY).0, "LOCATE(?, `username`) > 0");
    assert_eq!(cond(starts, MY).0, "LEFT(`username`, CHAR_LENGTH(?)) = ?");
    assert_eq!(cond(ends, MY).0, "RIGHT(`username`, CHAR_LENGTH(?)) = ?");
    // Three-valued: no guard, so `not` of a null test stays null.
    assert_eq!(
        cond(not(str_test(StrOp::Contains, field(USERNAME), text("a"))), LITE).0,
        r#"NOT instr("username", ?) > 0"#
    );
}

#[test]
fn functions_per_backend() {
    let lower = cmp(CmpOp::Eq, func(ScalarFunc::ToLower, field(USERNAME)), text("école"));
    assert_eq!(cond(lower.clone(), PG).0, r#"LOWER("username") = $1"#);
    assert_eq!(cond(lower.clone(), LITE).0, r#"LOWER("username") = ?"#);
    let my = cond(lower, MY).0;
    assert!(my.starts_with("REPLACE(REPLACE("), "{my}");
    assert!(my.ends_with("`username`, 'A', 'a'), 'B', 'b'), 'C', 'c'), 'D', 'd'), 'E', 'e'), 'F', 'f'), 'G', 'g'), 'H', 'h'), 'I', 'i'), 'J', 'j'), 'K', 'k'), 'L', 'l'), 'M', 'm'), 'N', 'n'), 'O', 'o'), 'P', 'p'), 'Q', 'q'), 'R', 'r'), 'S', 's'), 'T', 't'), 'U', 'u'), 'V', 'v'), 'W', 'w'), 'X', 'x'), 'Y', 'y'), 'Z', 'z') = ?"), "{my}");
    let upper = cmp(CmpOp::Eq, func(ScalarFunc::ToUpper, field(USERNAME)), text("X"));
    assert_eq!(cond(upper, PG).0, r#"UPPER("username") = $1"#);
    let len = cmp(
        CmpOp::Ge,
        func(ScalarFunc::Length, func(ScalarFunc::Trim, field(USERNAME))),
        Operand::Literal(Value::Int(3)),
    );
    assert_eq!(cond(len.clone(), PG), (r#"CAST(CHAR_LENGTH(TRIM("username")) AS BIGINT) >= $1"#.into(), "[3]".into()));
    assert_eq!(cond(len.clone(), LITE).0, r#"LENGTH(TRIM("username")) >= ?"#);
    assert_eq!(cond(len, MY).0, "CHAR_LENGTH(TRIM(`username`)) >= ?");
}

#[test]
fn logic_and_constants() {
    let a = || cmp(CmpOp::Gt, field(CREATED), ts(1));
    let b = || cmp(CmpOp::Ne, field(LAST_LOGIN), ts(2));
    let c = || Pred::IsNull { operand: field(LAST_LOGIN), negated: false };
    assert_eq!(
        cond(Pred::And(vec![a(), Pred::Or(vec![b(), c()]), not(Pred::And(vec![a(), c()]))]), PG).0,
        r#""createdAt" > $1 AND ("lastLogin" <> $2 OR "lastLogin" IS NULL OR "lastLogin" IS NULL) AND (NOT ("createdAt" > $3 AND "lastLogin" IS NULL))"#
    );
    // Constants fold by Kleene logic; a constant filter is no WHERE, or WHERE FALSE.
    assert_eq!(cond(Pred::Const(true), PG), (String::new(), "[]".into()));
    assert_eq!(cond(Pred::Const(false), LITE).0, "FALSE");
    assert_eq!(cond(Pred::And(vec![a(), Pred::Const(true)]), PG).0, r#""createdAt" > $1"#);
    assert_eq!(cond(Pred::Or(vec![a(), Pred::Const(true)]), PG).0, "");
    assert_eq!(cond(not(Pred::Or(vec![Pred::Const(false), Pred::Const(false)])), PG).0, "");
    // Row-independent comparisons are evaluated now, with the same null rules.
    assert_eq!(cond(cmp(CmpOp::Lt, ts(1), ts(2)), PG).0, "");
    assert_eq!(cond(cmp(CmpOp::Eq, text("a"), func(ScalarFunc::ToUpper, text("A"))), MY).0, "FALSE");
    // A null literal (outside the checker's invariants) still means what the rules say.
    let null = || Operand::Literal(Value::Null);
    assert_eq!(cond(cmp(CmpOp::Eq, field(LAST_LOGIN), null()), PG).0, r#""lastLogin" IS NULL"#);
    assert_eq!(cond(cmp(CmpOp::Ge, field(LAST_LOGIN), null()), PG).0, "FALSE");
    let unknown = str_test(StrOp::Contains, null(), text("x"));
    assert_eq!(cond(not(unknown.clone()), PG).0, "FALSE");
    assert_eq!(cond(Pred::And(vec![unknown.clone(), a()]), PG).0, r#""createdAt" > $1 AND NULL"#);
    assert_eq!(cond(Pred::Or(vec![unknown, a()]), LITE).0, r#""createdAt" > ? OR NULL"#);
}

#[test]
fn sorting_puts_nulls_first_ascending() {
    let q = TypedQuery { sort: vec![asc(LAST_LOGIN), desc(USERNAME), asc(ID)], ..query(Pred::Const(true)) };
    let order = |b| {
        let sql = select(&schema(), &q, b).unwrap().sql;
        sql[sql.find("ORDER BY").unwrap()..].to_owned()
    };
    assert_eq!(order(PG), r#"ORDER BY "lastLogin" ASC NULLS FIRST, "username" DESC, "id" ASC"#);
    assert_eq!(order(LITE), r#"ORDER BY "lastLogin" ASC, "username" DESC, "id" ASC"#);
    assert_eq!(order(MY), "ORDER BY `lastLogin` ASC, `username` DESC, `id` ASC");
}

#[test]
fn paging_and_projection_edges() {
    let q = TypedQuery { offset: 3, projection: vec![], ..query(Pred::Const(true)) };
    for b in [PG, LITE] {
        let c = select(&schema(), &q, b).unwrap();
        assert!(c.sql.starts_with(r#"SELECT 1 FROM "identity_users""#), "{}", c.sql);
        // OFFSET needs a LIMIT on SQLite and MySQL: i64::MAX is none.
        assert_eq!(c.values_json().to_string(), "[9223372036854775807,3]");
    }
    let q = TypedQuery { limit: Some(u64::MAX), ..query(Pred::Const(true)) };
    assert_eq!(select(&schema(), &q, LITE).unwrap().values_json().to_string(), "[9223372036854775807]");
}

#[test]
fn invalid_typed_queries_are_errors() {
    let bad_enum = query(cmp(CmpOp::Eq, field(STATUS), lit_enum(6)));
    let err = select(&schema(), &bad_enum, PG).unwrap_err();
    assert!(matches!(err, SqlError::InvalidQuery { .. }), "{err}");
    assert_eq!(err.to_string(), "invalid typed query: enum index 6 out of range (the field has 6 values)");
    let bad_field = TypedQuery { projection: vec![FieldId(9)], ..query(Pred::Const(true)) };
    assert_eq!(
        select(&schema(), &bad_field, LITE).unwrap_err().to_string(),
        "invalid typed query: field #9 does not exist in schema `identity_users`"
    );
    let bad_type = query(cmp(CmpOp::Eq, field(CREATED), text("2020")));
    assert_eq!(select(&schema(), &bad_type, MY).unwrap_err().code(), "invalid-typed-query");
}

#[test]
fn ddl_per_backend() {
    let s = schema();
    let pg = ddl(&s, PG);
    assert_eq!(
        pg[0],
        r#"CREATE TABLE IF NOT EXISTS "identity_users" ( "id" TEXT COLLATE "C" NOT NULL PRIMARY KEY, "username" TEXT COLLATE "C" NOT NULL, "userStatus" TEXT COLLATE "C" NOT NULL CHECK ("userStatus" IN ('UNVERIFIED', 'VERIFIED', 'BLOCKED', 'DELETE_IN_PROGRESS', 'DELETED', 'SUSPENDED')), "createdAt" BIGINT NOT NULL, "updatedAt" BIGINT NOT NULL, "lastLogin" BIGINT )"#
    );
    assert_eq!(
        pg[1..6],
        ["username", "userStatus", "createdAt", "updatedAt", "lastLogin"]
            .map(|c| format!(r#"CREATE INDEX IF NOT EXISTS "identity_users_{c}_idx" ON "identity_users" ("{c}")"#))
    );
    // One composite index per (timestamp, enum) pair, for counts of a range and a category.
    assert_eq!(
        pg[6..],
        ["createdAt", "updatedAt", "lastLogin"].map(|c| format!(
            r#"CREATE INDEX IF NOT EXISTS "identity_users_{c}_userStatus_idx" ON "identity_users" ("{c}", "userStatus")"#
        ))
    );
    let lite = ddl(&s, LITE);
    assert_eq!(
        lite[0],
        r#"CREATE TABLE IF NOT EXISTS "identity_users" ( "id" TEXT NOT NULL PRIMARY KEY, "username" TEXT NOT NULL, "userStatus" TEXT NOT NULL CHECK ("userStatus" IN ('UNVERIFIED', 'VERIFIED', 'BLOCKED', 'DELETE_IN_PROGRESS', 'DELETED', 'SUSPENDED')), "createdAt" BIGINT NOT NULL, "updatedAt" BIGINT NOT NULL, "lastLogin" BIGINT ) WITHOUT ROWID"#
    );
    assert_eq!(lite.len(), 9);
    let my = ddl(&s, MY);
    assert_eq!(my.len(), 1);
    assert!(
        my[0].contains("`username` VARCHAR(768) CHARACTER SET utf8mb4 COLLATE utf8mb4_0900_bin NOT NULL"),
        "{}",
        my[0]
    );
    assert!(my[0].contains("KEY `identity_users_lastLogin_idx` (`lastLogin`)"), "{}", my[0]);
    assert!(
        my[0].ends_with("KEY `identity_users_lastLogin_userStatus_idx` (`lastLogin`, `userStatus`) )"),
        "{}",
        my[0]
    );
}

#[test]
fn backend_names() {
    for b in Backend::ALL {
        assert_eq!(b.to_string().parse::<Backend>().unwrap(), b);
    }
    assert_eq!(
        "oracle".parse::<Backend>().unwrap_err().to_string(),
        "unknown SQL backend `oracle`; expected one of postgres, sqlite, mysql"
    );
}
