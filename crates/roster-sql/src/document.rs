//! Document profiles (`chat`, MongoDB's semantics) in SQLite and PostgreSQL: normalised child
//! tables, `EXISTS` subqueries, and the same answers as `roster_eval::document`.
//!
//! # Storage
//!
//! | document field | storage |
//! |---|---|
//! | scalar (string, bool, date, number) | a column of the main table `<schema.name>`, `NULL` when missing; strings `TEXT` (`COLLATE "C"` on PostgreSQL), dates `BIGINT` UTC microseconds, bools `BOOLEAN` (SQLite 0/1), numbers `DOUBLE PRECISION` / `REAL` |
//! | array of scalars (`roles`) | `<col>_len` in the main table (`NULL` when missing) and a child table `<table>__<col>(doc_id, pos, value)`, indexed on `(value, doc_id)` |
//! | array of objects (`emails`) | `<col>_len` and `<table>__<col>(doc_id, pos, <member>…)`, indexed on every member |
//! | map (`customFields`) | `<col>_len` (number of keys) and `<table>__<col>(doc_id, key, kind, num, str, bool)` with one typed value column per MongoDB bracket (`kind` 1 number, 2 string, 3 boolean), primary key `(doc_id, key)`, indexed on `(key, kind, num)` and `(key, kind, str)` |
//!
//! # Semantics
//!
//! Every node of [`DocPred`] becomes a condition that is never `NULL` (two-valued, so `NOT`
//! is MongoDB's negation): a test of a scalar column is guarded with `IS NOT NULL`; a test of
//! an array, member or map key is `EXISTS (SELECT 1 FROM <child> WHERE doc_id = d.id AND …)`
//! (some element passes); a map-key test names its bracket's column and `kind`, so values
//! of other brackets never compare; `Null` is `<col> IS NULL` / `<col>_len IS NULL` / `NOT
//! EXISTS` of the key (for an optional member, also `EXISTS` of an element lacking it);
//! `$type` on a custom field tests `kind` (and for `"int"`/`"long"` an integral `num` in
//! range: `num = ROUND(num)`), elsewhere the checker has already decided it;
//! whole-array equality is the `_len` column and one count of the child rows whose
//! `(pos, value)` is among the listed `(0, v0), (1, v1), …` (`(doc_id, pos)` is the key, so
//! the count is the length exactly when every position holds its value);
//! `$elemMatch` is one `EXISTS` whose condition covers the whole element (member tests
//! there guarded with `IS NOT NULL`, since they may sit under a `NOT`). Sorting: a scalar sorts `NULL`s first ascending (`col IS NULL DESC, col`); an
//! array by `MIN`/`MAX` of its child rows after a rank (empty 0, missing 1, values 2); a map
//! key by its bracket `kind` (missing 0) and then the bracket's column; `id` last.
//!
//! `$regex`: PostgreSQL runs `~` with the pattern translated from the `regex` crate's
//! syntax tree ([`postgres_regex`]: every character and class written out as `\U` escapes,
//! case-insensitivity already expanded into classes, `(?m)` anchors and `\b` as look-around),
//! so both engines agree; SQLite runs the `regex` crate itself through the function
//! `roster_regexp(pattern, text)`, which [`sqlite_register`] adds to a connection.
//!
//! The SQL is written here rather than through sea-query: it is a handful of fixed shapes
//! (`EXISTS` subqueries over child tables) around identifiers that come only from the
//! schema (quoted), and every value — keys, literals, patterns, page bounds — is a bound
//! parameter.

use std::fmt::Write as _;

use roster_ast::{CmpOp, Direction};
use roster_check::document::{DocPath, DocPred, DocQuery, Pattern, Test, TypeTest};
use roster_schema::document::{Atom, Doc, DocSchema, DocType, Scalar, Slot};

use crate::{Backend, SqlError};

/// A bound value.
#[derive(Debug, Clone, PartialEq)]
pub enum DocParam {
    /// A boolean (SQLite: 0/1).
    Bool(bool),
    /// An integer (dates as microseconds, lengths, kinds, page bounds).
    Int(i64),
    /// A double.
    Float(f64),
    /// Text.
    Text(String),
    /// NULL.
    Null,
}

/// A compiled statement: SQL text and its bound values in order.
#[derive(Debug, Clone, PartialEq)]
pub struct DocSql {
    /// The SQL.
    pub sql: String,
    /// The values.
    pub values: Vec<DocParam>,
}

fn quote(id: &str) -> String {
    format!("\"{}\"", id.replace('"', "\"\""))
}

fn child_table(schema: &DocSchema, column: &str) -> String {
    format!("{}__{}", schema.name, column)
}

/// The table of whole documents (`id`, `doc` as JSON text) that queries read their pages
/// from: the child tables answer filters and sorts, this table gives documents back
/// exactly as loaded.
fn json_table(schema: &DocSchema) -> String {
    format!("{}__json", schema.name)
}

fn kind_of(a: &Atom) -> i64 {
    match a {
        Atom::Num(_) => 1,
        Atom::Str(_) => 2,
        Atom::Bool(_) => 3,
        Atom::Time(_) => 4,
    }
}

fn map_column(kind: i64) -> &'static str {
    match kind {
        1 => "num",
        2 => "str",
        _ => "bool",
    }
}

fn param(a: &Atom) -> DocParam {
    match a {
        Atom::Num(x) => DocParam::Float(*x),
        Atom::Str(s) => DocParam::Text(s.clone()),
        Atom::Bool(b) => DocParam::Bool(*b),
        Atom::Time(t) => DocParam::Int(t.0),
    }
}

struct Builder<'a> {
    schema: &'a DocSchema,
    backend: Backend,
    values: Vec<DocParam>,
    aliases: usize,
}

impl Builder<'_> {
    fn bind(&mut self, p: DocParam) -> String {
        self.values.push(p);
        match self.backend {
            Backend::Postgres => format!("${}", self.values.len()),
            _ => "?".to_owned(),
        }
    }

    fn alias(&mut self) -> String {
        self.aliases += 1;
        format!("c{}", self.aliases)
    }

    fn id(&self) -> String {
        format!("d.{}", quote(&self.schema.fields[self.schema.primary_key].column))
    }

    fn col(&self, i: usize) -> String {
        format!("d.{}", quote(&self.schema.fields[i].column))
    }

    fn len_col(&self, i: usize) -> String {
        format!("d.{}", quote(&format!("{}_len", self.schema.fields[i].column)))
    }

    /// `EXISTS (SELECT 1 FROM child alias WHERE alias.doc_id = d.id AND cond(alias))`.
    fn exists(
        &mut self,
        field: usize,
        cond: impl FnOnce(&mut Self, &str) -> Result<String, SqlError>,
    ) -> Result<String, SqlError> {
        let alias = self.alias();
        let table = quote(&child_table(self.schema, &self.schema.fields[field].column));
        let id = self.id();
        let inner = cond(self, &alias)?;
        Ok(format!("EXISTS (SELECT 1 FROM {table} {alias} WHERE {alias}.\"doc_id\" = {id} AND {inner})"))
    }

    /// A test of a typed (non-NULL) column expression.
    fn test(&mut self, col: &str, test: &Test) -> Result<String, SqlError> {
        Ok(match test {
            Test::Eq(a) => format!("{col} = {}", self.bind(param(a))),
            Test::Cmp(op, a) => format!("{col} {} {}", op_sql(*op), self.bind(param(a))),
            Test::In(list) => {
                let items: Vec<String> = list.iter().map(|a| self.bind(param(a))).collect();
                format!("{col} IN ({})", items.join(", "))
            }
            Test::Regex(p) => self.regex(col, p)?,
            // A typed column: only `int`/`long` depend on the value.
            Test::Type(t) => self.integral(col, *t),
        })
    }

    /// `$type` `"int"`/`"long"` on a number column: an integral value in the type's range
    /// (`ROUND` is exact on doubles on both engines); other types: true.
    fn integral(&mut self, col: &str, t: TypeTest) -> String {
        match t.int_range() {
            Some((lo, hi)) => {
                let (lo, hi) = (self.bind(DocParam::Float(lo)), self.bind(DocParam::Float(hi)));
                format!("({col} >= {lo} AND {col} < {hi} AND {col} = ROUND({col}))")
            }
            None => "1 = 1".into(),
        }
    }

    fn regex(&mut self, col: &str, p: &Pattern) -> Result<String, SqlError> {
        match self.backend {
            Backend::Postgres => {
                let hir = p.hir().map_err(|reason| SqlError::InvalidQuery { reason })?;
                let translated = postgres_regex(&hir).map_err(|reason| SqlError::InvalidQuery { reason })?;
                Ok(format!("{col} ~ {}", self.bind(DocParam::Text(translated))))
            }
            _ => Ok(format!("roster_regexp({}, {col}) = 1", self.bind(DocParam::Text(p.source.clone())))),
        }
    }

    /// A test on a map key's value: only values of the literal's bracket.
    fn key_test(&mut self, alias: &str, test: &Test) -> Result<String, SqlError> {
        if let Test::Type(t) = test {
            let kind = match t {
                TypeTest::Number | TypeTest::Int | TypeTest::Long => 1,
                TypeTest::String => 2,
                TypeTest::Bool => 3,
                // Custom fields hold no dates.
                TypeTest::Date => return Ok("1 = 0".into()),
            };
            let num = self.integral(&format!("{alias}.\"num\""), *t);
            return Ok(format!("({alias}.\"kind\" = {kind} AND {num})"));
        }
        let mut groups: Vec<(i64, Test)> = Vec::new();
        match test {
            Test::In(list) => {
                for a in list {
                    let k = kind_of(a);
                    match groups.iter_mut().find(|(g, _)| *g == k) {
                        Some((_, Test::In(v))) => v.push(a.clone()),
                        _ => groups.push((k, Test::In(vec![a.clone()]))),
                    }
                }
            }
            Test::Eq(a) | Test::Cmp(_, a) => groups.push((kind_of(a), test.clone())),
            Test::Regex(_) => groups.push((2, test.clone())),
            Test::Type(_) => {}
        }
        let mut parts = Vec::with_capacity(groups.len());
        for (k, t) in groups {
            let col = format!("{alias}.\"{}\"", map_column(k));
            let cond = self.test(&col, &t)?;
            parts.push(format!("({alias}.\"kind\" = {k} AND {cond})"));
        }
        Ok(if parts.len() == 1 { parts.remove(0) } else { format!("({})", parts.join(" OR ")) })
    }

    fn member_col(&self, alias: &str, field: usize, member: Option<usize>) -> Result<String, SqlError> {
        match (&self.schema.fields[field].ty, member) {
            (DocType::Array(_), None) => Ok(format!("{alias}.\"value\"")),
            (DocType::Objects(members), Some(j)) => match members.get(j) {
                Some(m) => Ok(format!("{alias}.{}", quote(&m.name))),
                None => Err(invalid("member out of range")),
            },
            _ => Err(invalid("element path does not fit its array")),
        }
    }

    fn pred(&mut self, p: &DocPred, elem: Option<(usize, &str)>) -> Result<String, SqlError> {
        Ok(match p {
            DocPred::Const(true) => "1 = 1".into(),
            DocPred::Const(false) => "1 = 0".into(),
            DocPred::And(v) => {
                let parts = v.iter().map(|x| self.pred(x, elem)).collect::<Result<Vec<_>, _>>()?;
                format!("({})", parts.join(" AND "))
            }
            DocPred::Or(v) => {
                let parts = v.iter().map(|x| self.pred(x, elem)).collect::<Result<Vec<_>, _>>()?;
                format!("({})", parts.join(" OR "))
            }
            DocPred::Not(x) => format!("NOT ({})", self.pred(x, elem)?),
            DocPred::Any { path, test } => match path {
                DocPath::Field(i) => match &self.schema.fields.get(*i).ok_or_else(|| invalid("field"))?.ty {
                    DocType::Scalar(_) => {
                        let col = self.col(*i);
                        let cond = self.test(&col, test)?;
                        format!("({col} IS NOT NULL AND {cond})")
                    }
                    DocType::Array(_) => self.exists(*i, |b, a| b.test(&format!("{a}.\"value\""), test))?,
                    _ => "1 = 0".into(),
                },
                DocPath::Member(i, j) => {
                    let (i, j) = (*i, *j);
                    self.exists(i, |b, a| {
                        let col = b.member_col(a, i, Some(j))?;
                        b.test(&col, test)
                    })?
                }
                DocPath::Key(i, k) => {
                    let k = k.clone();
                    self.exists(*i, |b, a| {
                        let key = b.bind(DocParam::Text(k));
                        let cond = b.key_test(a, test)?;
                        Ok(format!("{a}.\"key\" = {key} AND {cond}"))
                    })?
                }
                DocPath::Elem(member) => {
                    let (field, alias) = elem.ok_or_else(|| invalid("element path outside $elemMatch"))?;
                    // Guarded: an element may lack an optional member, and the test may sit
                    // under a `NOT` inside the `$elemMatch`.
                    let col = self.member_col(alias, field, *member)?;
                    let cond = self.test(&col, test)?;
                    format!("({col} IS NOT NULL AND {cond})")
                }
            },
            DocPred::Null(path) => self.null(path, elem)?,
            DocPred::Exists(path) => match path {
                DocPath::Member(i, j) if self.member_required(*i, *j) => {
                    format!("COALESCE({}, 0) > 0", self.len_col(*i))
                }
                DocPath::Member(i, j) => {
                    let (i, j) = (*i, *j);
                    self.exists(i, |b, a| Ok(format!("{} IS NOT NULL", b.member_col(a, i, Some(j))?)))?
                }
                p => format!("NOT ({})", self.null(p, elem)?),
            },
            DocPred::Size { field, len } => {
                let n = self.bind(DocParam::Int(i64::try_from(*len).unwrap_or(i64::MAX)));
                format!("COALESCE({}, -1) = {n}", self.len_col(*field))
            }
            DocPred::ArrayEq { field, items } => self.array_eq(*field, items)?,
            DocPred::ElemMatch { field, pred } => {
                let field = *field;
                self.exists(field, |b, a| b.pred(pred, Some((field, a))))?
            }
        })
    }

    /// Whole-array equality: the length, and as many child rows at the positions `0..n`
    /// with the listed values as there are values (`(doc_id, pos)` is the child's key), in
    /// one subquery: `COALESCE(len, -1) = n AND (SELECT COUNT(*) FROM child c WHERE
    /// c.doc_id = d.id AND (c.pos, c.value) IN (VALUES (0, ?), (1, ?), …)) = n`.
    fn array_eq(&mut self, field: usize, items: &[Atom]) -> Result<String, SqlError> {
        let f = self.schema.fields.get(field).ok_or_else(|| invalid("field"))?;
        let DocType::Array(ty) = f.ty else {
            return Err(invalid("whole-array equality on a field that is not an array of scalars"));
        };
        // PostgreSQL types a parameter in VALUES as text unless told.
        let cast = match (self.backend, ty) {
            (Backend::Postgres, Scalar::Bool) => "::BOOLEAN",
            (Backend::Postgres, Scalar::Number) => "::DOUBLE PRECISION",
            (Backend::Postgres, Scalar::Timestamp) => "::BIGINT",
            _ => "",
        };
        let table = quote(&child_table(self.schema, &f.column));
        let (len, id, c) = (self.len_col(field), self.id(), self.alias());
        let n = self.bind(DocParam::Int(items.len() as i64));
        let rows: Vec<String> =
            items.iter().enumerate().map(|(pos, a)| format!("({pos}, {}{cast})", self.bind(param(a)))).collect();
        let count = self.bind(DocParam::Int(items.len() as i64));
        Ok(format!(
            "(COALESCE({len}, -1) = {n} AND (SELECT COUNT(*) FROM {table} {c} WHERE {c}.\"doc_id\" = {id} AND ({c}.\"pos\", {c}.\"value\") IN (VALUES {})) = {count})",
            rows.join(", ")
        ))
    }

    fn member_required(&self, field: usize, j: usize) -> bool {
        match &self.schema.fields[field].ty {
            DocType::Objects(members) => members.get(j).is_none_or(|m| m.required),
            _ => true,
        }
    }

    fn null(&mut self, path: &DocPath, elem: Option<(usize, &str)>) -> Result<String, SqlError> {
        Ok(match path {
            DocPath::Field(i) => match &self.schema.fields.get(*i).ok_or_else(|| invalid("field"))?.ty {
                DocType::Scalar(_) => format!("{} IS NULL", self.col(*i)),
                _ => format!("{} IS NULL", self.len_col(*i)),
            },
            DocPath::Member(i, j) => {
                let len = self.len_col(*i);
                if self.member_required(*i, *j) {
                    format!("{len} IS NULL")
                } else {
                    let (i, j) = (*i, *j);
                    let e = self.exists(i, |b, a| Ok(format!("{} IS NULL", b.member_col(a, i, Some(j))?)))?;
                    format!("({len} IS NULL OR {e})")
                }
            }
            DocPath::Key(i, k) => {
                let k = k.clone();
                let e = self.exists(*i, |b, a| Ok(format!("{a}.\"key\" = {}", b.bind(DocParam::Text(k)))))?;
                format!("NOT {e}")
            }
            DocPath::Elem(m) => match elem {
                Some((field, alias)) => format!("{} IS NULL", self.member_col(alias, field, *m)?),
                None => "1 = 0".into(),
            },
        })
    }

    /// The ORDER BY terms of one sort key.
    fn order(&mut self, path: &DocPath, dir: Direction) -> Result<Vec<String>, SqlError> {
        let d = if dir == Direction::Asc { "ASC" } else { "DESC" };
        let agg = if dir == Direction::Asc { "MIN" } else { "MAX" };
        Ok(match path {
            DocPath::Field(i) => {
                let f = self.schema.fields.get(*i).ok_or_else(|| invalid("field"))?;
                match &f.ty {
                    DocType::Scalar(_) => {
                        let col = self.col(*i);
                        let nulls = if dir == Direction::Asc { "DESC" } else { "ASC" };
                        vec![format!("({col} IS NULL) {nulls}"), format!("{col} {d}")]
                    }
                    DocType::Array(ty) => self.array_order(*i, "\"value\"", *ty, agg, d),
                    _ => return Err(invalid("sort by a whole array of objects or map")),
                }
            }
            DocPath::Member(i, j) => {
                let DocType::Objects(members) = &self.schema.fields[*i].ty else {
                    return Err(invalid("member of a non-object array"));
                };
                let m = members.get(*j).ok_or_else(|| invalid("member"))?;
                let (col, ty) = (quote(&m.name), m.ty);
                self.array_order(*i, &col, ty, agg, d)
            }
            DocPath::Key(i, k) => {
                let table = quote(&child_table(self.schema, &self.schema.fields[*i].column));
                let id = self.id();
                let sub = |b: &mut Self, expr: &str| {
                    let key = b.bind(DocParam::Text(k.clone()));
                    format!("(SELECT {expr} FROM {table} c WHERE c.\"doc_id\" = {id} AND c.\"key\" = {key})")
                };
                let kind = sub(self, "c.\"kind\"");
                let num = sub(self, "c.\"num\"");
                let text = sub(self, "c.\"str\"");
                let flag = sub(self, "CASE WHEN c.\"bool\" THEN 1 ELSE 0 END");
                vec![
                    format!("COALESCE({kind}, 0) {d}"),
                    format!("{num} {d}"),
                    format!("{text} {d}"),
                    format!("{flag} {d}"),
                ]
            }
            DocPath::Elem(_) => return Err(invalid("sort by an element path")),
        })
    }

    /// An array's sort key: a rank (empty 0, missing 1, values 2), then the smallest
    /// (ascending) or largest (descending) element, NULL unless the rank is 2. An element
    /// lacking the member counts as null: the smallest, so ascending it makes the key
    /// missing; descending only when every element lacks it.
    fn array_order(&mut self, field: usize, col: &str, ty: Scalar, agg: &str, d: &str) -> Vec<String> {
        let table = quote(&child_table(self.schema, &self.schema.fields[field].column));
        let len = self.len_col(field);
        let id = self.id();
        let value = if ty == Scalar::Bool {
            format!("CASE WHEN c.{col} IS NULL THEN NULL WHEN c.{col} THEN 1 ELSE 0 END")
        } else {
            format!("c.{col}")
        };
        let present = format!("(SELECT COUNT(c.{col}) FROM {table} c WHERE c.\"doc_id\" = {id})");
        let lacking = if agg == "MIN" { format!("{present} < {len}") } else { format!("{present} = 0") };
        let rank = format!("(CASE WHEN {len} IS NULL THEN 1 WHEN {len} = 0 THEN 0 WHEN {lacking} THEN 1 ELSE 2 END)");
        vec![
            format!("{rank} {d}"),
            format!(
                "(CASE WHEN {rank} = 2 THEN (SELECT {agg}({value}) FROM {table} c WHERE c.\"doc_id\" = {id}) END) {d}"
            ),
        ]
    }
}

fn invalid(reason: &str) -> SqlError {
    SqlError::InvalidQuery { reason: format!("document query: {reason}") }
}

fn op_sql(op: CmpOp) -> &'static str {
    match op {
        CmpOp::Eq => "=",
        CmpOp::Ne => "<>",
        CmpOp::Gt => ">",
        CmpOp::Ge => ">=",
        CmpOp::Lt => "<",
        CmpOp::Le => "<=",
    }
}

/// The `SELECT` of the ids of the page of `q`, in order (SQLite or PostgreSQL).
pub fn select_ids(schema: &DocSchema, q: &DocQuery, backend: Backend) -> Result<DocSql, SqlError> {
    if backend == Backend::MySql {
        return Err(invalid("document profiles run on SQLite and PostgreSQL"));
    }
    let mut b = Builder { schema, backend, values: Vec::new(), aliases: 0 };
    let id = b.id();
    let mut sql = format!("SELECT {id} FROM {} d", quote(&schema.name));
    if q.filter != DocPred::Const(true) {
        let w = b.pred(&q.filter, None)?;
        let _ = write!(sql, " WHERE {w}");
    }
    let mut order = Vec::new();
    for k in &q.sort {
        order.extend(b.order(&k.path, k.direction)?);
    }
    if !order.is_empty() {
        let _ = write!(sql, " ORDER BY {}", order.join(", "));
    }
    let limit = b.bind(DocParam::Int(q.limit.and_then(|l| i64::try_from(l).ok()).unwrap_or(i64::MAX)));
    let offset = b.bind(DocParam::Int(i64::try_from(q.offset).unwrap_or(i64::MAX)));
    let _ = write!(sql, " LIMIT {limit} OFFSET {offset}");
    Ok(DocSql { sql, values: b.values })
}

/// The `SELECT COUNT(*)` of the documents `q`'s filter matches (its sort and page ignored).
pub fn select_count(schema: &DocSchema, q: &DocQuery, backend: Backend) -> Result<DocSql, SqlError> {
    if backend == Backend::MySql {
        return Err(invalid("document profiles run on SQLite and PostgreSQL"));
    }
    let mut b = Builder { schema, backend, values: Vec::new(), aliases: 0 };
    let mut sql = format!("SELECT COUNT(*) FROM {} d", quote(&schema.name));
    if q.filter != DocPred::Const(true) {
        let w = b.pred(&q.filter, None)?;
        let _ = write!(sql, " WHERE {w}");
    }
    Ok(DocSql { sql, values: b.values })
}

/// The documents of `ids`, in that order, decoded from the JSON table (a missing id is an
/// error: ids come from the same database).
fn docs_in_order(schema: &DocSchema, ids: &[String], found: Vec<(String, String)>) -> Result<Vec<Doc>, SqlError> {
    let mut by_id: std::collections::HashMap<String, String> = found.into_iter().collect();
    ids.iter()
        .map(|id| {
            let text = by_id.remove(id).ok_or_else(|| invalid(&format!("document `{id}` has no JSON row")))?;
            roster_schema::document::decode_doc(schema, &text)
                .map_err(|e| invalid(&format!("stored document `{id}` does not decode: {e}")))
        })
        .collect()
}

fn fetch_sql(schema: &DocSchema, n: usize, backend: Backend) -> String {
    let marks: Vec<String> =
        (1..=n).map(|i| if backend == Backend::Postgres { format!("${i}") } else { "?".to_owned() }).collect();
    format!("SELECT \"id\", \"doc\" FROM {} WHERE \"id\" IN ({})", quote(&json_table(schema)), marks.join(", "))
}

/// The `CREATE TABLE` and `CREATE INDEX` statements of a document schema.
pub fn ddl(schema: &DocSchema, backend: Backend) -> Vec<String> {
    let pg = backend == Backend::Postgres;
    let text = if pg { "TEXT COLLATE \"C\"" } else { "TEXT" };
    let ty = |s: Scalar| match s {
        Scalar::String => text,
        Scalar::Bool => "BOOLEAN",
        Scalar::Timestamp => "BIGINT",
        Scalar::Number => {
            if pg {
                "DOUBLE PRECISION"
            } else {
                "REAL"
            }
        }
    };
    let table = quote(&schema.name);
    let pk = quote(&schema.fields[schema.primary_key].column);
    let mut cols = Vec::new();
    let mut after = Vec::new();
    for (i, f) in schema.fields.iter().enumerate() {
        let null = if f.required { " NOT NULL" } else { "" };
        match &f.ty {
            DocType::Scalar(s) => {
                let key = if i == schema.primary_key { " PRIMARY KEY" } else { "" };
                cols.push(format!("{} {}{null}{key}", quote(&f.column), ty(*s)));
                if i != schema.primary_key {
                    after.push(format!(
                        "CREATE INDEX IF NOT EXISTS {} ON {table} ({})",
                        quote(&format!("{}_{}_idx", schema.name, f.column)),
                        quote(&f.column)
                    ));
                }
            }
            shape => {
                cols.push(format!("{} INTEGER{null}", quote(&format!("{}_len", f.column))));
                let child_name = child_table(schema, &f.column);
                let child = quote(&child_name);
                let fk = format!("\"doc_id\" {text} NOT NULL REFERENCES {table} ({pk})");
                let idx = |what: &str, cols: &str| {
                    format!(
                        "CREATE INDEX IF NOT EXISTS {} ON {child} ({cols})",
                        quote(&format!("{child_name}_{what}_idx"))
                    )
                };
                match shape {
                    DocType::Array(s) => {
                        after.push(format!(
                            "CREATE TABLE IF NOT EXISTS {child} ({fk}, \"pos\" INTEGER NOT NULL, \"value\" {} NOT NULL, PRIMARY KEY (\"doc_id\", \"pos\"))",
                            ty(*s)
                        ));
                        after.push(idx("value", "\"value\", \"doc_id\""));
                    }
                    DocType::Objects(members) => {
                        let m: Vec<String> = members
                            .iter()
                            .map(|m| {
                                format!("{} {}{}", quote(&m.name), ty(m.ty), if m.required { " NOT NULL" } else { "" })
                            })
                            .collect();
                        after.push(format!(
                            "CREATE TABLE IF NOT EXISTS {child} ({fk}, \"pos\" INTEGER NOT NULL, {}, PRIMARY KEY (\"doc_id\", \"pos\"))",
                            m.join(", ")
                        ));
                        for m in members {
                            after.push(idx(&m.name, &format!("{}, \"doc_id\"", quote(&m.name))));
                        }
                    }
                    _ => {
                        after.push(format!(
                            "CREATE TABLE IF NOT EXISTS {child} ({fk}, \"key\" {text} NOT NULL, \"kind\" INTEGER NOT NULL, \"num\" {}, \"str\" {text}, \"bool\" BOOLEAN, PRIMARY KEY (\"doc_id\", \"key\"))",
                            ty(Scalar::Number)
                        ));
                        after.push(idx("num", "\"key\", \"kind\", \"num\""));
                        after.push(idx("str", "\"key\", \"kind\", \"str\""));
                    }
                }
            }
        }
    }
    let mut out = vec![format!("CREATE TABLE IF NOT EXISTS {table} ({})", cols.join(", "))];
    out.extend(after);
    out.push(format!(
        "CREATE TABLE IF NOT EXISTS {} (\"id\" {text} PRIMARY KEY, \"doc\" TEXT NOT NULL)",
        quote(&json_table(schema))
    ));
    out
}

/// The rows of one document: the main row, then `(child table, row)` pairs.
type Rows = (Vec<DocParam>, Vec<(String, Vec<DocParam>)>);

fn rows(schema: &DocSchema, doc: &Doc) -> Result<Rows, SqlError> {
    let id = DocParam::Text(doc.id(schema).to_owned());
    let mut main = Vec::new();
    let mut children = Vec::new();
    for (f, slot) in schema.fields.iter().zip(&doc.0) {
        let child = child_table(schema, &f.column);
        match (&f.ty, slot) {
            (DocType::Scalar(_), Slot::Missing) => main.push(DocParam::Null),
            (DocType::Scalar(_), Slot::Atom(a)) => main.push(param(a)),
            (_, Slot::Missing) => main.push(DocParam::Null),
            (DocType::Array(_), Slot::Array(items)) => {
                main.push(DocParam::Int(items.len() as i64));
                for (pos, a) in items.iter().enumerate() {
                    children.push((child.clone(), vec![id.clone(), DocParam::Int(pos as i64), param(a)]));
                }
            }
            (DocType::Objects(_), Slot::Objects(items)) => {
                main.push(DocParam::Int(items.len() as i64));
                for (pos, o) in items.iter().enumerate() {
                    let mut row = vec![id.clone(), DocParam::Int(pos as i64)];
                    row.extend(o.iter().map(|m| m.as_ref().map_or(DocParam::Null, param)));
                    children.push((child.clone(), row));
                }
            }
            (DocType::Map, Slot::Map(entries)) => {
                main.push(DocParam::Int(entries.len() as i64));
                for (k, a) in entries {
                    let kind = kind_of(a);
                    let mut row = vec![id.clone(), DocParam::Text(k.clone()), DocParam::Int(kind)];
                    for c in 1..=3 {
                        row.push(if c == kind { param(a) } else { DocParam::Null });
                    }
                    children.push((child.clone(), row));
                }
            }
            _ => {
                return Err(SqlError::Encode {
                    record: 0,
                    field: f.name.clone(),
                    reason: "value does not fit the field's shape".into(),
                });
            }
        }
    }
    let json = serde_json::Value::Object(roster_schema::document::encode_doc(schema, doc, None)).to_string();
    children.push((json_table(schema), vec![id, DocParam::Text(json)]));
    Ok((main, children))
}

fn insert_sql(table: &str, n: usize, backend: Backend) -> String {
    let marks: Vec<String> =
        (1..=n).map(|i| if backend == Backend::Postgres { format!("${i}") } else { "?".to_owned() }).collect();
    format!("INSERT INTO {} VALUES ({})", quote(table), marks.join(", "))
}

/// SQLite: create, load, register `roster_regexp`, query.
pub mod sqlite {
    use std::collections::HashMap;

    use rusqlite::functions::FunctionFlags;
    use rusqlite::types::{ToSqlOutput, ValueRef};
    use rusqlite::{Connection, ToSql, params_from_iter};

    use super::*;

    impl ToSql for DocParam {
        fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
            Ok(match self {
                DocParam::Null => ToSqlOutput::Borrowed(ValueRef::Null),
                DocParam::Bool(b) => ToSqlOutput::Borrowed(ValueRef::Integer(i64::from(*b))),
                DocParam::Int(i) => ToSqlOutput::Borrowed(ValueRef::Integer(*i)),
                DocParam::Float(x) => ToSqlOutput::Borrowed(ValueRef::Real(*x)),
                DocParam::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            })
        }
    }

    /// Adds `roster_regexp(pattern, text)` to the connection: 1 when the `regex` crate's
    /// `pattern` matches somewhere in `text`, 0 when not, NULL when `text` is NULL. The
    /// compiled pattern is cached per statement.
    pub fn sqlite_register(conn: &Connection) -> Result<(), SqlError> {
        conn.create_scalar_function(
            "roster_regexp",
            2,
            FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
            |ctx| {
                let re = ctx.get_or_create_aux(0, |v| -> Result<regex::Regex, String> {
                    let p = v.as_str().map_err(|e| e.to_string())?;
                    regex::RegexBuilder::new(p).size_limit(1 << 20).build().map_err(|e| e.to_string())
                })?;
                Ok(match ctx.get_raw(1) {
                    ValueRef::Text(t) => Some(i64::from(re.is_match(&String::from_utf8_lossy(t)))),
                    _ => None,
                })
            },
        )?;
        Ok(())
    }

    /// Creates the tables and indexes and registers `roster_regexp`.
    pub fn create(conn: &Connection, schema: &DocSchema) -> Result<(), SqlError> {
        for stmt in ddl(schema, Backend::Sqlite) {
            conn.execute_batch(&stmt)?;
        }
        sqlite_register(conn)
    }

    /// Loads documents in one transaction; returns how many.
    pub fn load<'a>(
        conn: &mut Connection,
        schema: &DocSchema,
        docs: impl IntoIterator<Item = &'a Doc>,
    ) -> Result<u64, SqlError> {
        let tx = conn.transaction()?;
        let mut n = 0;
        {
            let mut cache: HashMap<(String, usize), rusqlite::Statement<'_>> = HashMap::new();
            for doc in docs {
                let (main, children) = rows(schema, doc)?;
                for (table, row) in std::iter::once((schema.name.clone(), main)).chain(children) {
                    let key = (table.clone(), row.len());
                    if !cache.contains_key(&key) {
                        let stmt = tx.prepare(&insert_sql(&table, row.len(), Backend::Sqlite))?;
                        cache.insert(key.clone(), stmt);
                    }
                    if let Some(stmt) = cache.get_mut(&key) {
                        stmt.execute(params_from_iter(row.iter()))?;
                    }
                }
                n += 1;
            }
        }
        tx.commit()?;
        Ok(n)
    }

    /// The ids of the page of `q`, in order.
    pub fn query_ids(conn: &Connection, schema: &DocSchema, q: &DocQuery) -> Result<Vec<String>, SqlError> {
        let c = select_ids(schema, q, Backend::Sqlite)?;
        let mut stmt = conn.prepare(&c.sql)?;
        let rows = stmt.query_map(params_from_iter(c.values.iter()), |r| r.get::<_, String>(0))?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// How many documents `q`'s filter matches.
    pub fn count(conn: &Connection, schema: &DocSchema, q: &DocQuery) -> Result<u64, SqlError> {
        let c = select_count(schema, q, Backend::Sqlite)?;
        let n: i64 = conn.query_row(&c.sql, params_from_iter(c.values.iter()), |r| r.get(0))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// The stored documents of `ids`, in that order.
    pub fn fetch_docs(conn: &Connection, schema: &DocSchema, ids: &[String]) -> Result<Vec<Doc>, SqlError> {
        let mut found = Vec::with_capacity(ids.len());
        // In chunks below SQLite's default limit of bound parameters.
        for chunk in ids.chunks(500) {
            let mut stmt = conn.prepare(&fetch_sql(schema, chunk.len(), Backend::Sqlite))?;
            let rows = stmt.query_map(params_from_iter(chunk.iter()), |r| Ok((r.get(0)?, r.get(1)?)))?;
            for row in rows {
                found.push(row?);
            }
        }
        docs_in_order(schema, ids, found)
    }

    /// The page of `q` as documents, in order, and how many documents the filter matches.
    pub fn query(conn: &Connection, schema: &DocSchema, q: &DocQuery) -> Result<(Vec<Doc>, u64), SqlError> {
        let ids = query_ids(conn, schema, q)?;
        Ok((fetch_docs(conn, schema, &ids)?, count(conn, schema, q)?))
    }
}

/// PostgreSQL: create, load, query.
pub mod postgres {
    use std::collections::HashMap;

    use ::postgres::types::{ToSql, Type};
    use ::postgres::{Client, Statement};

    use super::*;

    /// One value, typed after the statement's parameter type (PostgreSQL infers each
    /// parameter's type from its use, NULLs included).
    fn typed(v: &DocParam, t: &Type) -> Box<dyn ToSql + Sync> {
        match v {
            DocParam::Null if *t == Type::BOOL => Box::new(None::<bool>),
            DocParam::Null if *t == Type::INT8 => Box::new(None::<i64>),
            DocParam::Null if *t == Type::INT4 => Box::new(None::<i32>),
            DocParam::Null if *t == Type::FLOAT8 => Box::new(None::<f64>),
            DocParam::Null => Box::new(None::<String>),
            DocParam::Int(i) if *t == Type::INT4 => Box::new(i32::try_from(*i).unwrap_or(i32::MAX)),
            DocParam::Bool(b) => Box::new(*b),
            DocParam::Int(i) => Box::new(*i),
            DocParam::Float(x) => Box::new(*x),
            DocParam::Text(s) => Box::new(s.clone()),
        }
    }

    fn typed_params(row: &[DocParam], stmt: &Statement) -> Vec<Box<dyn ToSql + Sync>> {
        row.iter().zip(stmt.params()).map(|(v, t)| typed(v, t)).collect()
    }

    /// Creates the tables and indexes.
    pub fn create(client: &mut Client, schema: &DocSchema) -> Result<(), SqlError> {
        for stmt in ddl(schema, Backend::Postgres) {
            client.batch_execute(&stmt)?;
        }
        Ok(())
    }

    /// Loads documents in one transaction; returns how many.
    pub fn load<'a>(
        client: &mut Client,
        schema: &DocSchema,
        docs: impl IntoIterator<Item = &'a Doc>,
    ) -> Result<u64, SqlError> {
        let mut tx = client.transaction()?;
        let mut cache: HashMap<(String, usize), Statement> = HashMap::new();
        let mut n = 0;
        for doc in docs {
            let (main, children) = rows(schema, doc)?;
            for (table, row) in std::iter::once((schema.name.clone(), main)).chain(children) {
                let key = (table, row.len());
                let stmt = match cache.get(&key) {
                    Some(s) => s.clone(),
                    None => {
                        let s = tx.prepare(&insert_sql(&key.0, key.1, Backend::Postgres))?;
                        cache.insert(key, s.clone());
                        s
                    }
                };
                let owned = typed_params(&row, &stmt);
                let refs: Vec<&(dyn ToSql + Sync)> = owned.iter().map(|b| b.as_ref()).collect();
                tx.execute(&stmt, &refs)?;
            }
            n += 1;
        }
        tx.commit()?;
        Ok(n)
    }

    /// The ids of the page of `q`, in order.
    pub fn query_ids(client: &mut Client, schema: &DocSchema, q: &DocQuery) -> Result<Vec<String>, SqlError> {
        let c = select_ids(schema, q, Backend::Postgres)?;
        let stmt = client.prepare(&c.sql)?;
        let owned = typed_params(&c.values, &stmt);
        let refs: Vec<&(dyn ToSql + Sync)> = owned.iter().map(|b| b.as_ref()).collect();
        let rows = client.query(&stmt, &refs)?;
        rows.iter().map(|r| r.try_get::<_, String>(0).map_err(SqlError::from)).collect()
    }

    /// How many documents `q`'s filter matches.
    pub fn count(client: &mut Client, schema: &DocSchema, q: &DocQuery) -> Result<u64, SqlError> {
        let c = select_count(schema, q, Backend::Postgres)?;
        let stmt = client.prepare(&c.sql)?;
        let owned = typed_params(&c.values, &stmt);
        let refs: Vec<&(dyn ToSql + Sync)> = owned.iter().map(|b| b.as_ref()).collect();
        let n: i64 = client.query_one(&stmt, &refs)?.try_get(0)?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// The stored documents of `ids`, in that order.
    pub fn fetch_docs(client: &mut Client, schema: &DocSchema, ids: &[String]) -> Result<Vec<Doc>, SqlError> {
        let mut found = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let stmt = client.prepare(&fetch_sql(schema, chunk.len(), Backend::Postgres))?;
            let refs: Vec<&(dyn ToSql + Sync)> = chunk.iter().map(|s| s as &(dyn ToSql + Sync)).collect();
            for r in client.query(&stmt, &refs)? {
                found.push((r.try_get(0)?, r.try_get(1)?));
            }
        }
        docs_in_order(schema, ids, found)
    }

    /// The page of `q` as documents, in order, and how many documents the filter matches.
    pub fn query(client: &mut Client, schema: &DocSchema, q: &DocQuery) -> Result<(Vec<Doc>, u64), SqlError> {
        let ids = query_ids(client, schema, q)?;
        let docs = fetch_docs(client, schema, &ids)?;
        Ok((docs, count(client, schema, q)?))
    }
}

/// Translates a pattern's syntax tree (the `regex` crate's) into an equivalent PostgreSQL
/// advanced regular expression: characters and classes as `\U` escapes (code point ranges,
/// so case-insensitivity and Unicode classes are already expanded), groups as `(?:…)`,
/// `(?m)` anchors and word boundaries as look-around. Greediness is dropped: `~` only asks
/// whether there is a match.
///
/// ```
/// let hir = regex_syntax::parse("(?i)^a.b$").unwrap();
/// assert_eq!(
///     roster_sql::document::postgres_regex(&hir).unwrap(),
///     r"^[\U00000041\U00000061][\U00000001-\U00000009\U0000000b-\U0010ffff][\U00000042\U00000062]$"
/// );
/// ```
pub fn postgres_regex(hir: &regex_syntax::hir::Hir) -> Result<String, String> {
    let mut out = String::new();
    write_hir(hir, &mut out)?;
    Ok(out)
}

fn esc(c: u32) -> String {
    if char::from_u32(c).is_some_and(|c| c.is_ascii_alphanumeric()) {
        char::from_u32(c).map(String::from).unwrap_or_default()
    } else {
        format!("\\U{c:08x}")
    }
}

fn write_ranges(ranges: impl Iterator<Item = (u32, u32)>, out: &mut String) {
    let mut body = String::new();
    for (lo, hi) in ranges {
        // NUL never occurs in stored text (PostgreSQL cannot hold it).
        let lo = lo.max(1);
        if lo > hi {
            continue;
        }
        if lo == hi {
            let _ = write!(body, "\\U{lo:08x}");
        } else {
            let _ = write!(body, "\\U{lo:08x}-\\U{hi:08x}");
        }
    }
    if body.is_empty() {
        // An empty class matches nothing: only NUL, which no text holds.
        out.push_str("[^\\U00000001-\\U0010ffff]");
    } else {
        let _ = write!(out, "[{body}]");
    }
}

fn word_class() -> Result<String, String> {
    let hir = regex_syntax::parse(r"\w").map_err(|e| e.to_string())?;
    let mut s = String::new();
    write_hir(&hir, &mut s)?;
    Ok(s)
}

fn write_hir(hir: &regex_syntax::hir::Hir, out: &mut String) -> Result<(), String> {
    use regex_syntax::hir::{Class, HirKind, Look};
    match hir.kind() {
        HirKind::Empty => out.push_str("(?:)"),
        HirKind::Literal(lit) => {
            let s = std::str::from_utf8(&lit.0).map_err(|_| "a non-UTF-8 literal".to_owned())?;
            for c in s.chars() {
                out.push_str(&esc(c as u32));
            }
        }
        HirKind::Class(Class::Unicode(c)) => {
            write_ranges(c.ranges().iter().map(|r| (r.start() as u32, r.end() as u32)), out)
        }
        HirKind::Class(Class::Bytes(c)) => {
            if c.ranges().iter().any(|r| r.end() > 0x7F) {
                return Err("byte classes beyond ASCII (`(?-u)`) are not supported on PostgreSQL".into());
            }
            write_ranges(c.ranges().iter().map(|r| (u32::from(r.start()), u32::from(r.end()))), out)
        }
        HirKind::Look(look) => match look {
            Look::Start => out.push('^'),
            Look::End => out.push('$'),
            Look::StartLF => out.push_str("(?:^|(?<=\\U0000000a))"),
            Look::EndLF => out.push_str("(?:$|(?=\\U0000000a))"),
            Look::WordAscii | Look::WordAsciiNegate | Look::WordUnicode | Look::WordUnicodeNegate => {
                let w = match look {
                    Look::WordAscii | Look::WordAsciiNegate => "[0-9A-Z\\U0000005fa-z]".to_owned(),
                    _ => word_class()?,
                };
                if matches!(look, Look::WordAscii | Look::WordUnicode) {
                    let _ = write!(out, "(?:(?<={w})(?!{w})|(?<!{w})(?={w}))");
                } else {
                    let _ = write!(out, "(?:(?<={w})(?={w})|(?<!{w})(?!{w}))");
                }
            }
            other => return Err(format!("the assertion {other:?} is not supported on PostgreSQL")),
        },
        HirKind::Repetition(r) => {
            out.push_str("(?:");
            write_hir(&r.sub, out)?;
            out.push(')');
            match (r.min, r.max) {
                (0, None) => out.push('*'),
                (1, None) => out.push('+'),
                (0, Some(1)) => out.push('?'),
                (m, None) => {
                    let _ = write!(out, "{{{m},}}");
                }
                (m, Some(n)) if m == n => {
                    let _ = write!(out, "{{{m}}}");
                }
                (m, Some(n)) => {
                    let _ = write!(out, "{{{m},{n}}}");
                }
            }
        }
        HirKind::Capture(c) => {
            out.push_str("(?:");
            write_hir(&c.sub, out)?;
            out.push(')');
        }
        HirKind::Concat(v) => {
            for h in v {
                write_hir(h, out)?;
            }
        }
        HirKind::Alternation(v) => {
            out.push_str("(?:");
            for (i, h) in v.iter().enumerate() {
                if i > 0 {
                    out.push('|');
                }
                write_hir(h, out)?;
            }
            out.push(')');
        }
    }
    Ok(())
}
