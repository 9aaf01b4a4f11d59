//! Prints a typed query as Mongo `query` and `sort` documents, exactly: the document matches
//! a record if and only if the typed filter is *true* for it.
//!
//! Mongo's conditions are two-valued while the IR's `and`/`or`/`not` are Kleene, so the
//! printer works in two polarities: [`filter_to_mongo`] prints "the filter is true", and
//! under a `not` it prints "the operand is false" (pushing the negation down, De Morgan
//! style). Each leaf has an exact form in both polarities:
//!
//! | IR | true | false |
//! |---|---|---|
//! | `f eq v` (two-valued) | `{f: v}` | `{f: {$ne: v}}` (Mongo's `$ne` matches missing, like OData's `ne` matches null) |
//! | `f gt v` … | `{f: {$gt: v}}` | `{f: {$not: {$gt: v}}}` |
//! | `f eq null` | `{f: null}` | `{f: {$ne: null}}` |
//! | `f in (..)` | `{f: {$in: [..]}}` | `{f: {$nin: [..]}}` |
//! | `contains(f, 'x')` (null when `f` is) | `{f: {$regex: "x"}}` (escaped; `^x`, `x\z` for starts/ends with) | `{f: {$ne: null, $not: {$regex: "x"}}}` |
//! | string-array element equals `x` | `{f: "x"}` (implicit array match) | `{f: {$ne: "x"}}` |
//!
//! What Mongo cannot say is an error naming the construct: comparing two fields (needs
//! `$expr`), functions of fields (`tolower`, `length`, …), and case-folded element tests.
//! Timestamps print as Extended JSON `{"$date": "…"}`, UUIDs and enums as strings.

use roster_ast::{CmpOp, Direction};
use roster_schema::{FieldId, FieldType, Schema, Value};
use serde_json::{Map, Value as Json, json};

use crate::typed::{ElemOp, Operand, Pred, StrOp, TypedQuery};

/// A construct Mongo's query language cannot express.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot be written as a Mongo query: {what}")]
pub struct NotExpressible {
    /// What, in words.
    pub what: String,
}

fn no(what: impl Into<String>) -> NotExpressible {
    NotExpressible { what: what.into() }
}

/// The filter as a Mongo query document.
///
/// ```
/// use roster_ast::Query;
/// let schema = roster_schema::profiles::identity::schema();
/// let filter = roster_odata::parse_filter("not (lastLogin lt 2021-01-01T00:00:00Z) and contains(username, 'a.b')").unwrap();
/// let typed = roster_check::check(&Query { filter: Some(filter), ..Query::default() }, &schema).unwrap();
/// let mongo = roster_check::filter_to_mongo(&schema, &typed.filter).unwrap();
/// assert_eq!(
///     mongo.to_string(),
///     r#"{"$and":[{"lastLogin":{"$not":{"$lt":{"$date":"2021-01-01T00:00:00Z"}}}},{"username":{"$regex":"a\\.b"}}]}"#
/// );
/// ```
pub fn filter_to_mongo(schema: &Schema, pred: &Pred) -> Result<Json, NotExpressible> {
    doc(schema, pred, true)
}

/// The sort as a Mongo sort document (the primary-key tie-breaker included).
pub fn sort_to_mongo(schema: &Schema, q: &TypedQuery) -> Json {
    let mut m = Map::new();
    for k in &q.sort {
        m.insert(schema.get(k.field).name.clone(), json!(if k.direction == Direction::Asc { 1 } else { -1 }));
    }
    Json::Object(m)
}

fn field_name(schema: &Schema, op: &Operand, what: &str) -> Result<(FieldId, String), NotExpressible> {
    match op {
        Operand::Field(id) => Ok((*id, schema.get(*id).name.clone())),
        _ => Err(no(format!("{what} of a computed value (Mongo compares fields with literals only)"))),
    }
}

fn value(schema: &Schema, field: FieldId, v: &Value) -> Json {
    match v {
        Value::Null => Json::Null,
        Value::Bool(b) => json!(b),
        Value::Int(i) => json!(i),
        Value::Str(s) => json!(s),
        Value::Uuid(u) => json!(roster_ast::format_guid(*u)),
        Value::Timestamp(t) => json!({ "$date": t.to_string() }),
        Value::Enum(i) => match &schema.get(field).ty {
            FieldType::Enum(e) => json!(e.values.get(usize::from(*i)).cloned().unwrap_or_default()),
            _ => Json::Null,
        },
        // Array literals never occur in typed queries; shown as their elements.
        Value::StrArray(items) => json!(items),
    }
}

fn literal(op: &Operand) -> Result<&Value, NotExpressible> {
    match op {
        Operand::Literal(v) => Ok(v),
        _ => Err(no("a comparison of two fields (it needs `$expr`)")),
    }
}

fn one(name: String, cond: Json) -> Json {
    let mut m = Map::new();
    m.insert(name, cond);
    Json::Object(m)
}

/// Escapes regular-expression metacharacters so the pattern matches `s` literally.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn doc(schema: &Schema, p: &Pred, truth: bool) -> Result<Json, NotExpressible> {
    Ok(match p {
        Pred::Const(b) => {
            if *b == truth {
                json!({})
            } else {
                // Matches nothing: no record has a primary key in the empty set.
                one(schema.get(schema.primary_key).name.clone(), json!({ "$in": [] }))
            }
        }
        Pred::And(ps) | Pred::Or(ps) => {
            let all = matches!(p, Pred::And(_)) == truth;
            let parts = ps.iter().map(|c| doc(schema, c, truth)).collect::<Result<Vec<_>, _>>()?;
            json!({ (if all { "$and" } else { "$or" }): parts })
        }
        Pred::Not(inner) => doc(schema, inner, !truth)?,
        Pred::Cmp { op, lhs, rhs } => {
            let (field, name) = field_name(schema, lhs, "a comparison")?;
            let v = value(schema, field, literal(rhs)?);
            let key = match op {
                CmpOp::Eq => "$eq",
                CmpOp::Ne => "$ne",
                CmpOp::Gt => "$gt",
                CmpOp::Ge => "$gte",
                CmpOp::Lt => "$lt",
                CmpOp::Le => "$lte",
            };
            let cond = match (op, truth) {
                (CmpOp::Eq, true) => v,
                (CmpOp::Eq, false) => json!({ "$ne": v }),
                (CmpOp::Ne, true) => json!({ "$ne": v }),
                (CmpOp::Ne, false) => v,
                (_, true) => json!({ key: v }),
                (_, false) => json!({ "$not": { key: v } }),
            };
            one(name, cond)
        }
        Pred::IsNull { operand, negated } => {
            let (_, name) = field_name(schema, operand, "a null test")?;
            one(name, if *negated != truth { Json::Null } else { json!({ "$ne": null }) })
        }
        Pred::In { operand, values } => {
            let (field, name) = field_name(schema, operand, "an `in` test")?;
            let list: Vec<Json> = values.iter().map(|v| value(schema, field, v)).collect();
            one(name, json!({ (if truth { "$in" } else { "$nin" }): list }))
        }
        Pred::StrTest { op, haystack, needle } => {
            let (_, name) = field_name(schema, haystack, "a substring test")?;
            let Value::Str(n) = literal(needle)? else { return Err(no("a substring test with a non-string needle")) };
            let pattern = match op {
                StrOp::Contains => escape(n),
                StrOp::StartsWith => format!("^{}", escape(n)),
                // `\z`, not `$`: PCRE's `$` also matches before a final newline.
                StrOp::EndsWith => format!("{}\\z", escape(n)),
            };
            // `^` anchors the start of the whole string without the `m` flag, which is unset.
            let regex = json!({ "$regex": pattern });
            one(name, if truth { regex } else { json!({ "$ne": null, "$not": regex }) })
        }
        Pred::AnyElement { field, test } => {
            let name = schema.get(*field).name.clone();
            if test.fold_case || test.op != ElemOp::Eq {
                return Err(no("a case-insensitive or substring test of array elements"));
            }
            one(name, if truth { json!(test.value) } else { json!({ "$ne": test.value }) })
        }
        Pred::AllElements { .. } => {
            return Err(no(
                "`all()` over an array (a test of every element; Roster reads no `$elemMatch` back on this profile)",
            ));
        }
    })
}
