//! What differs between the SQL backends, and nothing else: one small capability trait,
//! [`Dialect`], implemented once per [`Backend`]. The compiler ([`crate::compile`]) and the
//! DDL generator ask it; they never test which backend they are compiling for.

use sea_query::{
    Alias, BinOper, Expr, ExprTrait, Func, IndexCreateStatement, InsertStatement, MysqlQueryBuilder,
    PostgresQueryBuilder, SelectStatement, SqliteQueryBuilder, TableCreateStatement, Value, Values,
};

use roster_ast::CmpOp;
use roster_check::{CallFunc, StrOp};
use roster_schema::FieldType;

use crate::Backend;
use crate::direct::{Bin, NodeId, Nodes, Syntax};

/// The per-backend pieces of the compiler and of the DDL.
pub(crate) trait Dialect {
    /// Renders a query with this backend's quoting and placeholders.
    fn build_select(&self, stmt: &SelectStatement) -> (String, Values);
    /// Renders an insert with this backend's quoting and placeholders.
    fn build_insert(&self, stmt: &InsertStatement) -> (String, Values);
    /// Renders a `CREATE TABLE`.
    fn build_table(&self, stmt: &TableCreateStatement) -> String;
    /// Renders a `CREATE INDEX`.
    fn build_index(&self, stmt: &IndexCreateStatement) -> String;

    /// The column type (with its collation, for text) that stores a field of type `ty`.
    fn column_type(&self, ty: &FieldType) -> &'static str;
    /// Options written after the closing parenthesis of `CREATE TABLE`.
    fn table_options(&self) -> Option<&'static str> {
        None
    }
    /// Whether secondary indexes are declared inside `CREATE TABLE` (the backend has no
    /// `CREATE INDEX IF NOT EXISTS`) rather than as separate statements.
    fn inline_indexes(&self) -> bool {
        false
    }

    /// Identifier quotes and placeholders, for the direct renderer (`direct.rs`).
    fn syntax(&self) -> Syntax;
    /// A string test (`contains`, …) of two string nodes in the direct renderer's nodes,
    /// written exactly as [`Dialect::contains`] / [`Dialect::starts_with`] /
    /// [`Dialect::ends_with`] would be; `None` leaves the query to sea-query.
    fn direct_str_test(&self, n: &mut Nodes<'_>, op: StrOp, haystack: NodeId, needle: NodeId) -> Option<NodeId> {
        let _ = (n, op, haystack, needle);
        None
    }

    /// Whether `ORDER BY` needs an explicit `NULLS FIRST` (ascending) / `NULLS LAST`
    /// (descending) to sort nulls as Roster does; `false` when that is the default.
    fn explicit_null_order(&self) -> bool;

    /// ASCII-only lower-casing of a string expression.
    fn to_lower(&self, e: Expr) -> Expr;
    /// ASCII-only upper-casing of a string expression.
    fn to_upper(&self, e: Expr) -> Expr;
    /// The number of code points of a string expression, as a 64-bit integer.
    fn char_length(&self, e: Expr) -> Expr;
    /// `needle` occurs in `haystack`; null if either is null; case- and code-point-exact.
    fn contains(&self, haystack: Expr, needle: Expr) -> Expr;
    /// `haystack` starts with `needle`; null if either is null.
    fn starts_with(&self, haystack: Expr, needle: Expr) -> Expr;
    /// `haystack` ends with `needle`; null if either is null.
    fn ends_with(&self, haystack: Expr, needle: Expr) -> Expr;

    /// A bound 64-bit integer parameter, typed as such (PostgreSQL would otherwise infer
    /// `integer` for a parameter next to an untyped one).
    fn int_param(&self, i: i64) -> Expr {
        Func::cast_as(Expr::val(i), Alias::new("BIGINT")).into()
    }
    /// Integer division of 64-bit integers, truncating toward zero.
    fn int_div(&self, a: Expr, b: Expr) -> Expr {
        a.div(b)
    }
    /// A UTC calendar part (`Year` … `Second` of [`CallFunc`]) of whole seconds since 1970,
    /// as a 64-bit integer.
    fn date_part(&self, part: CallFunc, secs: Expr) -> Expr;
    /// `a || b`; null if either is null.
    fn concat(&self, a: Expr, b: Expr) -> Expr {
        a.binary(BinOper::Custom("||"), b)
    }
    /// The one-based code-point position of `needle` in `haystack`, 0 if absent, 1 for the
    /// empty needle; null if either is null.
    fn index_of(&self, haystack: Expr, needle: Expr) -> Expr;
    /// One element inside [`Dialect::every_element`]'s subquery.
    fn element(&self) -> Expr {
        Expr::cust("roster_e.e")
    }
    /// "Every element of the array whose storage text is `array`
    /// ([`roster_schema::encode_array`]) satisfies `cond`" (never null: `cond` is not null for
    /// an element), where `cond` reads the element as [`Dialect::element`]; true for the
    /// empty array. `None` when the backend cannot say it.
    fn every_element(&self, array: Expr, cond: Expr) -> Option<Expr> {
        let _ = (array, cond);
        None
    }
    /// `length` code points (all when `None`) from the one-based code-point `start`.
    fn substring(&self, s: Expr, start: Expr, len: Option<Expr>) -> Expr {
        call("substr", [s, start].into_iter().chain(len))
    }
}

/// The `strftime`/`EXTRACT` name of a date part.
fn part_name(part: CallFunc) -> (&'static str, &'static str) {
    match part {
        CallFunc::Year => ("%Y", "YEAR"),
        CallFunc::Month => ("%m", "MONTH"),
        CallFunc::Day => ("%d", "DAY"),
        CallFunc::Hour => ("%H", "HOUR"),
        CallFunc::Minute => ("%M", "MINUTE"),
        _ => ("%S", "SECOND"),
    }
}

/// The dialect of a backend.
pub(crate) fn dialect(backend: Backend) -> &'static dyn Dialect {
    match backend {
        Backend::Postgres => &Postgres,
        Backend::Sqlite => &Sqlite,
        Backend::MySql => &MySql,
    }
}

/// A string written into the SQL text (a constant of the compiler, never input).
fn text(s: &'static str) -> Expr {
    Expr::Constant(Value::String(Some(s.into())))
}

/// An integer written into the SQL text (a constant of the compiler, never input).
fn int(i: i32) -> Expr {
    Expr::Constant(Value::Int(Some(i)))
}

/// `f(args…)` for a function name of the compiler's own.
fn call(name: &'static str, args: impl IntoIterator<Item = Expr>) -> Expr {
    Expr::FunctionCall(Func::cust(name).args(args))
}

/// `substr(h, 1, len(n)) = n` — a prefix test from `substr` and a length function.
fn prefix_by_substr(haystack: Expr, needle: Expr, len: impl Fn(Expr) -> Expr) -> Expr {
    call("substr", [haystack, int(1), len(needle.clone())]).eq(needle)
}

/// `lower`/`upper` by 26 case-sensitive `REPLACE`s: ASCII-only whatever the collation says.
fn replace_ascii(e: Expr, upper_to_lower: bool) -> Expr {
    (b'A'..=b'Z').fold(e, |acc, c| {
        let (from, to) = if upper_to_lower { (c, c.to_ascii_lowercase()) } else { (c.to_ascii_lowercase(), c) };
        call(
            "REPLACE",
            [
                acc,
                Expr::Constant(Value::String(Some(char::from(from).to_string()))),
                Expr::Constant(Value::String(Some(char::from(to).to_string()))),
            ],
        )
    })
}

/// PostgreSQL (15+). Text columns are `COLLATE "C"`, under which `<` compares bytes and
/// `lower`/`upper` map ASCII letters only (checked on PostgreSQL 15 with a UTF-8 database:
/// `lower('É' COLLATE "C")` is `É`). Nulls sort last ascending by default, hence explicit
/// `NULLS FIRST/LAST`. `char_length` returns `integer`, cast to `bigint` so that it meets
/// 64-bit parameters.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Postgres;

impl Dialect for Postgres {
    fn build_select(&self, stmt: &SelectStatement) -> (String, Values) {
        stmt.build(PostgresQueryBuilder)
    }
    fn syntax(&self) -> Syntax {
        Syntax::of(&PostgresQueryBuilder)
    }
    fn direct_str_test(&self, n: &mut Nodes<'_>, op: StrOp, haystack: NodeId, needle: NodeId) -> Option<NodeId> {
        Some(match op {
            // strpos(h, n) > 0
            StrOp::Contains => {
                let (pos, zero) = (n.call("strpos", &[haystack, needle]), n.keyword("0"));
                n.bin(pos, Bin::Cmp(CmpOp::Gt), zero)
            }
            StrOp::StartsWith => n.call("starts_with", &[haystack, needle]),
            // right(h, CHAR_LENGTH(n)) = n
            StrOp::EndsWith => {
                let len = n.call("CHAR_LENGTH", &[needle]);
                let right = n.call("right", &[haystack, len]);
                let again = n.again(needle)?;
                n.bin(right, Bin::Cmp(CmpOp::Eq), again)
            }
        })
    }
    fn build_insert(&self, stmt: &InsertStatement) -> (String, Values) {
        stmt.build(PostgresQueryBuilder)
    }
    fn build_table(&self, stmt: &TableCreateStatement) -> String {
        stmt.build(PostgresQueryBuilder)
    }
    fn build_index(&self, stmt: &IndexCreateStatement) -> String {
        stmt.build(PostgresQueryBuilder)
    }
    fn column_type(&self, ty: &FieldType) -> &'static str {
        match ty {
            FieldType::String | FieldType::Enum(_) | FieldType::Uuid | FieldType::StringArray => "TEXT COLLATE \"C\"",
            FieldType::Timestamp | FieldType::Int => "BIGINT",
            FieldType::Bool => "BOOLEAN",
        }
    }
    fn explicit_null_order(&self) -> bool {
        true
    }
    fn to_lower(&self, e: Expr) -> Expr {
        Func::lower(e).into()
    }
    fn to_upper(&self, e: Expr) -> Expr {
        Func::upper(e).into()
    }
    fn char_length(&self, e: Expr) -> Expr {
        Func::cast_as(Func::char_length(e), Alias::new("BIGINT")).into()
    }
    fn contains(&self, haystack: Expr, needle: Expr) -> Expr {
        call("strpos", [haystack, needle]).gt(int(0))
    }
    fn starts_with(&self, haystack: Expr, needle: Expr) -> Expr {
        call("starts_with", [haystack, needle])
    }
    fn ends_with(&self, haystack: Expr, needle: Expr) -> Expr {
        call("right", [haystack, Func::char_length(needle.clone()).into()]).eq(needle)
    }
    fn every_element(&self, array: Expr, cond: Expr) -> Option<Expr> {
        // The storage text split on U+001F is ['', e1, …, en, '']: the elements are the
        // positions strictly inside (none for the empty text, whose split is empty).
        Some(Expr::cust_with_exprs(
            "NOT EXISTS (SELECT 1 FROM unnest(string_to_array($1, chr(31))) WITH ORDINALITY AS roster_e(e, i) \
             WHERE roster_e.i > 1 AND roster_e.i < cardinality(string_to_array($2, chr(31))) AND NOT ($3))",
            [array.clone(), array, cond],
        ))
    }
    fn date_part(&self, part: CallFunc, secs: Expr) -> Expr {
        // PostgreSQL counts 1 BC as year -1 (no year 0); Roster's calendar has a year 0.
        let (_, field) = part_name(part);
        // date_part('year', timezone('UTC', to_timestamp(secs))): the UTC calendar; the
        // seconds are whole, so the double it returns is exact.
        let utc = call("timezone", [text("UTC"), call("to_timestamp", [secs])]);
        let e: Expr = Func::cast_as(call("date_part", [text(field), utc]), Alias::new("BIGINT")).into();
        if part == CallFunc::Year {
            let bc: Expr = Expr::case(e.clone().lt(int(1)), int(1)).finally(int(0)).into();
            e.add(bc)
        } else {
            e
        }
    }
    fn index_of(&self, haystack: Expr, needle: Expr) -> Expr {
        Func::cast_as(Func::cust("strpos").args([haystack, needle]), Alias::new("BIGINT")).into()
    }
    fn substring(&self, s: Expr, start: Expr, len: Option<Expr>) -> Expr {
        // `substr(text, integer, integer)`: the 64-bit parameters are narrowed in SQL.
        let int4 = |e: Expr| -> Expr { Func::cast_as(e, Alias::new("INTEGER")).into() };
        call("substr", [s, int4(start)].into_iter().chain(len.map(int4)))
    }
}

/// SQLite (3.30+). Text compares with the default `BINARY` collation (bytes); `lower` and
/// `upper` are ASCII-only without the ICU extension; `length` counts characters of text;
/// nulls are the smallest values, which is Roster's order in both directions; `LIKE` is
/// case-insensitive, so substring tests use `instr`/`substr`. Booleans are `INTEGER` 0/1.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sqlite;

impl Dialect for Sqlite {
    fn build_select(&self, stmt: &SelectStatement) -> (String, Values) {
        stmt.build(SqliteQueryBuilder)
    }
    fn syntax(&self) -> Syntax {
        Syntax::of(&SqliteQueryBuilder)
    }
    fn direct_str_test(&self, n: &mut Nodes<'_>, op: StrOp, haystack: NodeId, needle: NodeId) -> Option<NodeId> {
        // instr(h, n) > 0; the prefix and suffix tests are left to sea-query.
        (op == StrOp::Contains).then(|| {
            let (pos, zero) = (n.call("instr", &[haystack, needle]), n.keyword("0"));
            n.bin(pos, Bin::Cmp(CmpOp::Gt), zero)
        })
    }
    fn build_insert(&self, stmt: &InsertStatement) -> (String, Values) {
        stmt.build(SqliteQueryBuilder)
    }
    fn build_table(&self, stmt: &TableCreateStatement) -> String {
        stmt.build(SqliteQueryBuilder)
    }
    fn build_index(&self, stmt: &IndexCreateStatement) -> String {
        stmt.build(SqliteQueryBuilder)
    }
    fn column_type(&self, ty: &FieldType) -> &'static str {
        match ty {
            FieldType::String | FieldType::Enum(_) | FieldType::Uuid | FieldType::StringArray => "TEXT",
            FieldType::Timestamp | FieldType::Int => "BIGINT",
            FieldType::Bool => "INTEGER",
        }
    }
    fn table_options(&self) -> Option<&'static str> {
        // The primary key is the table's b-tree: no separate rowid and key index.
        Some("WITHOUT ROWID")
    }
    fn explicit_null_order(&self) -> bool {
        false
    }
    fn to_lower(&self, e: Expr) -> Expr {
        Func::lower(e).into()
    }
    fn to_upper(&self, e: Expr) -> Expr {
        Func::upper(e).into()
    }
    fn char_length(&self, e: Expr) -> Expr {
        Func::char_length(e).into()
    }
    fn contains(&self, haystack: Expr, needle: Expr) -> Expr {
        call("instr", [haystack, needle]).gt(int(0))
    }
    fn every_element(&self, array: Expr, cond: Expr) -> Option<Expr> {
        // The storage text is U+001F e1 U+001F … en U+001F: a recursive split of the text
        // after its first separator yields e1 … en (a NULL seed row marks the start).
        // SQLite's placeholders for the expressions are `?`, in order.
        Some(Expr::cust_with_exprs(
            "NOT EXISTS (WITH RECURSIVE roster_e(e, rest) AS (SELECT NULL, substr(?, 2) WHERE ? <> '' \
             UNION ALL SELECT substr(rest, 1, instr(rest, char(31)) - 1), substr(rest, instr(rest, char(31)) + 1) \
             FROM roster_e WHERE rest <> '') SELECT 1 FROM roster_e WHERE roster_e.e IS NOT NULL AND NOT (?))",
            [array.clone(), array, cond],
        ))
    }
    fn starts_with(&self, haystack: Expr, needle: Expr) -> Expr {
        prefix_by_substr(haystack, needle, |e| self.char_length(e))
    }
    fn ends_with(&self, haystack: Expr, needle: Expr) -> Expr {
        // substr(h, length(h) - length(n) + 1) = n. When n is longer than h the start is
        // <= 0 and substr returns at most length(h) characters, so the test is false; when n
        // is empty the start is one past the end and substr returns '' (true).
        let start = self.char_length(haystack.clone()).sub(self.char_length(needle.clone())).add(int(1));
        call("substr", [haystack, start]).eq(needle)
    }
    fn date_part(&self, part: CallFunc, secs: Expr) -> Expr {
        let (format, _) = part_name(part);
        let text = call(
            "strftime",
            [
                Expr::Constant(Value::String(Some(format.into()))),
                secs,
                Expr::Constant(Value::String(Some("unixepoch".into()))),
            ],
        );
        Func::cast_as(text, Alias::new("INTEGER")).into()
    }
    fn index_of(&self, haystack: Expr, needle: Expr) -> Expr {
        call("instr", [haystack, needle])
    }
}

/// MySQL (8.0.17+). Text columns are `utf8mb4` with the `utf8mb4_0900_bin` collation:
/// code-point order and, unlike `utf8mb4_bin`, NO PAD (so `'a' <> 'a '` as everywhere else).
/// `LOWER`/`UPPER` follow Unicode there, so ASCII-only case mapping is 26 `REPLACE`s.
/// `VARCHAR(768)` keeps strings indexable (768 × 4 bytes = InnoDB's 3072-byte key limit);
/// MySQL has no `CREATE INDEX IF NOT EXISTS`, so indexes are declared in `CREATE TABLE`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct MySql;

impl Dialect for MySql {
    fn build_select(&self, stmt: &SelectStatement) -> (String, Values) {
        stmt.build(MysqlQueryBuilder)
    }
    fn syntax(&self) -> Syntax {
        Syntax::of(&MysqlQueryBuilder)
    }
    fn direct_str_test(&self, n: &mut Nodes<'_>, op: StrOp, haystack: NodeId, needle: NodeId) -> Option<NodeId> {
        Some(match op {
            // LOCATE(n, h) > 0
            StrOp::Contains => {
                let (pos, zero) = (n.call("LOCATE", &[needle, haystack]), n.keyword("0"));
                n.bin(pos, Bin::Cmp(CmpOp::Gt), zero)
            }
            // LEFT(h, CHAR_LENGTH(n)) = n / RIGHT(…) = n
            StrOp::StartsWith | StrOp::EndsWith => {
                let len = n.call("CHAR_LENGTH", &[needle]);
                let name = if op == StrOp::StartsWith { "LEFT" } else { "RIGHT" };
                let part = n.call(name, &[haystack, len]);
                let again = n.again(needle)?;
                n.bin(part, Bin::Cmp(CmpOp::Eq), again)
            }
        })
    }
    fn build_insert(&self, stmt: &InsertStatement) -> (String, Values) {
        stmt.build(MysqlQueryBuilder)
    }
    fn build_table(&self, stmt: &TableCreateStatement) -> String {
        stmt.build(MysqlQueryBuilder)
    }
    fn build_index(&self, stmt: &IndexCreateStatement) -> String {
        stmt.build(MysqlQueryBuilder)
    }
    fn column_type(&self, ty: &FieldType) -> &'static str {
        match ty {
            FieldType::String | FieldType::Enum(_) => "VARCHAR(768) CHARACTER SET utf8mb4 COLLATE utf8mb4_0900_bin",
            FieldType::Uuid => "CHAR(36) CHARACTER SET ascii COLLATE ascii_bin",
            FieldType::StringArray => "TEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_0900_bin",
            FieldType::Timestamp | FieldType::Int => "BIGINT",
            FieldType::Bool => "BOOLEAN",
        }
    }
    fn inline_indexes(&self) -> bool {
        true
    }
    fn explicit_null_order(&self) -> bool {
        false
    }
    fn to_lower(&self, e: Expr) -> Expr {
        replace_ascii(e, true)
    }
    fn to_upper(&self, e: Expr) -> Expr {
        replace_ascii(e, false)
    }
    fn char_length(&self, e: Expr) -> Expr {
        Func::char_length(e).into()
    }
    fn contains(&self, haystack: Expr, needle: Expr) -> Expr {
        call("LOCATE", [needle, haystack]).gt(int(0))
    }
    fn starts_with(&self, haystack: Expr, needle: Expr) -> Expr {
        call("LEFT", [haystack, Func::char_length(needle.clone()).into()]).eq(needle)
    }
    fn ends_with(&self, haystack: Expr, needle: Expr) -> Expr {
        call("RIGHT", [haystack, Func::char_length(needle.clone()).into()]).eq(needle)
    }
    fn int_param(&self, i: i64) -> Expr {
        Func::cast_as(Expr::val(i), Alias::new("SIGNED")).into()
    }
    fn int_div(&self, a: Expr, b: Expr) -> Expr {
        a.binary(BinOper::Custom("DIV"), b)
    }
    fn date_part(&self, part: CallFunc, secs: Expr) -> Expr {
        // YEAR(CONVERT_TZ(FROM_UNIXTIME(secs), @@session.time_zone, '+00:00')): UTC whatever
        // the session's zone. FROM_UNIXTIME has no instants before 1970 (null there).
        let (_, field) = part_name(part);
        let local = call("FROM_UNIXTIME", [secs]);
        let utc = call("CONVERT_TZ", [local, Expr::cust("@@session.time_zone"), text("+00:00")]);
        Expr::FunctionCall(Func::cust(field).arg(utc))
    }
    fn concat(&self, a: Expr, b: Expr) -> Expr {
        call("CONCAT", [a, b])
    }
    fn index_of(&self, haystack: Expr, needle: Expr) -> Expr {
        call("LOCATE", [needle, haystack])
    }
}
