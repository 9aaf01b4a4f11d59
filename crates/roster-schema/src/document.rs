//! Document schemas: profiles whose users are documents rather than flat rows — arrays of
//! scalars (`roles`), arrays of objects (`emails[{address, verified}]`) and open maps of
//! custom fields (`customFields.*`) — queried with MongoDB's semantics (profile `chat`,
//! seed 004).
//!
//! A [`Doc`] holds one [`Slot`] per field of its [`DocSchema`], in schema order. Null and
//! missing are the same thing in storage ([`Slot::Missing`]): a JSON `null` is read as a
//! missing field and written by leaving the field out, as the seed's responses do. Scalars
//! are [`Atom`]s, ordered first by MongoDB's type bracket (numbers < strings < booleans <
//! dates) and then by value within the bracket (strings by code point).
//!
//! ```
//! use roster_schema::document::{decode_doc, encode_doc, Slot};
//! use roster_schema::profiles::chat;
//! let s = chat::schema();
//! let text = r#"{"_id":"u1","username":"ciel","emails":[{"address":"c@x.org","verified":false}],"type":"user","status":"offline","active":true,"roles":["user"],"createdAt":"2023-05-16T20:50:33.579Z","customFields":{"clearance":"High","level":3}}"#;
//! let doc = decode_doc(&s, text).unwrap();
//! assert_eq!(doc.0[s.field("name").unwrap().0], Slot::Missing);
//! assert_eq!(serde_json::to_string(&encode_doc(&s, &doc, None)).unwrap(), text);
//! ```

use std::cmp::Ordering;

use serde_json::{Map, Value as Json};

use crate::{DecodeError, Timestamp};

/// The type of a scalar value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scalar {
    /// A string, compared by code point.
    String,
    /// `true` / `false`.
    Bool,
    /// A UTC instant at millisecond precision; written as an RFC 3339 string with
    /// milliseconds ([`format_date`]).
    Timestamp,
    /// A double-precision number (integers exact up to 2^53).
    Number,
}

impl Scalar {
    /// A short name for diagnostics.
    pub fn name(self) -> &'static str {
        match self {
            Scalar::String => "string",
            Scalar::Bool => "boolean",
            Scalar::Timestamp => "date",
            Scalar::Number => "number",
        }
    }
}

/// The shape of a document field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocType {
    /// One scalar.
    Scalar(Scalar),
    /// An array of scalars of one type (`roles`).
    Array(Scalar),
    /// An array of objects, each with exactly these scalar members (`emails`).
    Objects(Vec<Member>),
    /// An open map from keys to strings, numbers or booleans (`customFields`).
    Map,
}

/// A member of the objects of an [`DocType::Objects`] field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// Its name.
    pub name: String,
    /// Its type.
    pub ty: Scalar,
    /// Whether every element has it (else an element may lack it; null is read as missing).
    pub required: bool,
}

/// One field of a document schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocField {
    /// The name callers use.
    pub name: String,
    /// Its shape.
    pub ty: DocType,
    /// Whether every document has it (not null, not missing).
    pub required: bool,
    /// Its SQL column, or for arrays and maps the suffix of its child table (identifiers
    /// from the schema, never from input).
    pub column: String,
}

impl DocField {
    /// A required field stored under its own name.
    pub fn new(name: &str, ty: DocType) -> DocField {
        DocField { name: name.to_owned(), ty, required: true, column: name.to_owned() }
    }

    /// The same field, optional (may be missing or null).
    pub fn optional(mut self) -> DocField {
        self.required = false;
        self
    }

    /// The same field stored under another column name.
    pub fn column(mut self, column: &str) -> DocField {
        self.column = column.to_owned();
        self
    }
}

/// The fields of a document profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocSchema {
    /// Profile name, also the SQL table name (child tables add a suffix).
    pub name: String,
    /// The fields, in output order.
    pub fields: Vec<DocField>,
    /// The primary key: a required string scalar, the final sort tie-breaker.
    pub primary_key: usize,
}

impl DocSchema {
    /// Looks a field up by its exact name.
    pub fn field(&self, name: &str) -> Option<(usize, &DocField)> {
        self.fields.iter().enumerate().find(|(_, f)| f.name == name)
    }

    /// The field name closest to `name`, if one is a likely typo.
    pub fn suggest(&self, name: &str) -> Option<&str> {
        crate::closest(name, self.fields.iter().map(|f| f.name.as_str()))
    }
}

/// A non-null scalar value.
#[derive(Debug, Clone, PartialEq)]
pub enum Atom {
    /// A number.
    Num(f64),
    /// A string.
    Str(String),
    /// A boolean.
    Bool(bool),
    /// An instant.
    Time(Timestamp),
}

impl Atom {
    /// MongoDB's type bracket for comparison and sorting: numbers 1, strings 2, booleans 3,
    /// dates 4 (null and missing are 0, below every value).
    pub fn bracket(&self) -> u8 {
        match self {
            Atom::Num(_) => 1,
            Atom::Str(_) => 2,
            Atom::Bool(_) => 3,
            Atom::Time(_) => 4,
        }
    }

    /// Compares two atoms of the same bracket; `None` across brackets (MongoDB compares
    /// only within a type bracket).
    pub fn cmp_within(&self, other: &Atom) -> Option<Ordering> {
        match (self, other) {
            (Atom::Num(a), Atom::Num(b)) => a.partial_cmp(b),
            (Atom::Str(a), Atom::Str(b)) => Some(a.as_bytes().cmp(b.as_bytes())),
            (Atom::Bool(a), Atom::Bool(b)) => Some(a.cmp(b)),
            (Atom::Time(a), Atom::Time(b)) => Some(a.cmp(b)),
            _ => None,
        }
    }

    /// The sort order of MongoDB across brackets: bracket first, then value.
    pub fn sort_cmp(&self, other: &Atom) -> Ordering {
        self.bracket().cmp(&other.bracket()).then_with(|| self.cmp_within(other).unwrap_or(Ordering::Equal))
    }

    /// The JSON form.
    pub fn to_json(&self) -> Json {
        match self {
            Atom::Num(x) => number_json(*x),
            Atom::Str(s) => Json::String(s.clone()),
            Atom::Bool(b) => Json::Bool(*b),
            Atom::Time(t) => Json::String(format_date(*t)),
        }
    }
}

/// A date as MongoDB and JavaScript write it: RFC 3339 UTC with milliseconds,
/// `2023-05-16T20:50:33.579Z`. Dates of document profiles have millisecond precision.
pub fn format_date(t: Timestamp) -> String {
    let c = t.civil(0);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        c.year,
        c.month,
        c.day,
        c.hour,
        c.minute,
        c.second,
        c.micros / 1000
    )
}

/// The largest magnitude up to which every integer is exact in a double.
pub const MAX_EXACT_INT: f64 = 9_007_199_254_740_992.0;

fn number_json(x: f64) -> Json {
    if x.fract() == 0.0 && x.abs() <= MAX_EXACT_INT {
        Json::from(x as i64)
    } else {
        serde_json::Number::from_f64(x).map_or(Json::Null, Json::Number)
    }
}

/// The value of one field of a document.
#[derive(Debug, Clone, PartialEq)]
pub enum Slot {
    /// Missing or null.
    Missing,
    /// A scalar.
    Atom(Atom),
    /// An array of scalars.
    Array(Vec<Atom>),
    /// An array of objects, each a vector of member values in schema order (`None`: the
    /// element lacks that optional member).
    Objects(Vec<Vec<Option<Atom>>>),
    /// An open map, in input order; keys are unique.
    Map(Vec<(String, Atom)>),
}

/// One document: a [`Slot`] per schema field.
#[derive(Debug, Clone, PartialEq)]
pub struct Doc(pub Vec<Slot>);

impl Doc {
    /// The primary key's text (empty if the document is not valid for `schema`).
    pub fn id<'a>(&'a self, schema: &DocSchema) -> &'a str {
        match self.0.get(schema.primary_key) {
            Some(Slot::Atom(Atom::Str(s))) => s,
            _ => "",
        }
    }
}

/// One element of a projection (see [`DocProjection`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// A whole field.
    Field(usize),
    /// One member of every object of an array-of-objects field (`emails.address`).
    Member(usize, usize),
    /// One key of a map field (`customFields.clearance`).
    Key(usize, String),
}

/// Which fields a query returns, with MongoDB's projection rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocProjection {
    /// Only these (in schema order in the output). A selected member keeps the array with
    /// only that member in each object; a selected key keeps the map with only that key
    /// (an empty map when the document lacks the key).
    Include(Vec<Selection>),
    /// Everything but these.
    Exclude(Vec<Selection>),
}

fn invalid(field: &str, expected: impl Into<String>, found: &Json) -> DecodeError {
    let mut s = found.to_string();
    if s.len() > 60 {
        let mut end = 57;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
        s.push_str("...");
    }
    DecodeError::Invalid { field: field.to_owned(), expected: expected.into(), found: s }
}

fn decode_string(field: &str, v: &Json) -> Result<String, DecodeError> {
    match v.as_str() {
        Some(s) if s.contains('\0') => Err(invalid(field, "a string without NUL (U+0000)", v)),
        Some(s) => Ok(s.to_owned()),
        None => Err(invalid(field, "a string", v)),
    }
}

fn decode_number(field: &str, v: &Json) -> Result<f64, DecodeError> {
    match v {
        Json::Number(n) => {
            let x = n.as_f64().ok_or_else(|| invalid(field, "a number", v))?;
            let exact = n.as_i64().is_none_or(|i| (i as f64).abs() <= MAX_EXACT_INT)
                && n.as_u64().is_none_or(|u| (u as f64) <= MAX_EXACT_INT);
            if !exact || !x.is_finite() {
                return Err(invalid(field, "a number exact as a double (integers up to 2^53)", v));
            }
            // -0 and 0 are the same number everywhere.
            Ok(if x == 0.0 { 0.0 } else { x })
        }
        _ => Err(invalid(field, "a number", v)),
    }
}

fn decode_atom(field: &str, ty: Scalar, v: &Json) -> Result<Atom, DecodeError> {
    match ty {
        Scalar::String => decode_string(field, v).map(Atom::Str),
        Scalar::Bool => v.as_bool().map(Atom::Bool).ok_or_else(|| invalid(field, "true or false", v)),
        Scalar::Timestamp => match v.as_str().and_then(|s| Timestamp::parse(s).ok()) {
            Some(t) if t.0 % 1000 == 0 => Ok(Atom::Time(t)),
            Some(_) => Err(invalid(field, "a date with at most millisecond precision (as MongoDB stores)", v)),
            None => Err(invalid(field, "an ISO 8601 timestamp string", v)),
        },
        Scalar::Number => decode_number(field, v).map(Atom::Num),
    }
}

/// Why a custom-field key cannot be stored or queried, if it cannot: it must be non-empty,
/// hold no `.` (a path separator), not start with `$` (an operator) and hold no NUL.
pub fn check_map_key(key: &str) -> Result<(), &'static str> {
    if key.is_empty() {
        Err("a key may not be empty")
    } else if key.contains('.') {
        Err("a key may not contain `.`")
    } else if key.starts_with('$') {
        Err("a key may not start with `$`")
    } else if key.contains('\0') {
        Err("a key may not contain NUL (U+0000)")
    } else {
        Ok(())
    }
}

fn decode_slot(field: &DocField, v: &Json) -> Result<Slot, DecodeError> {
    let name = field.name.as_str();
    if v.is_null() {
        return if field.required { Err(DecodeError::Missing { field: name.to_owned() }) } else { Ok(Slot::Missing) };
    }
    match &field.ty {
        DocType::Scalar(ty) => decode_atom(name, *ty, v).map(Slot::Atom),
        DocType::Array(ty) => {
            let items = v.as_array().ok_or_else(|| invalid(name, format!("an array of {}s", ty.name()), v))?;
            items.iter().map(|i| decode_atom(name, *ty, i)).collect::<Result<_, _>>().map(Slot::Array)
        }
        DocType::Objects(members) => {
            let expected = || {
                format!(
                    "an array of objects with {}",
                    members
                        .iter()
                        .map(|m| format!(
                            "`{}` ({}{})",
                            m.name,
                            m.ty.name(),
                            if m.required { "" } else { ", optional" }
                        ))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            let items = v.as_array().ok_or_else(|| invalid(name, expected(), v))?;
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                let obj = item.as_object().ok_or_else(|| invalid(name, expected(), item))?;
                if obj.keys().any(|k| !members.iter().any(|m| &m.name == k)) {
                    return Err(invalid(name, expected(), item));
                }
                let mut values = Vec::with_capacity(members.len());
                for m in members {
                    match obj.get(&m.name).filter(|mv| !mv.is_null()) {
                        Some(mv) => values.push(Some(decode_atom(&format!("{name}.{}", m.name), m.ty, mv)?)),
                        None if m.required => return Err(invalid(name, expected(), item)),
                        None => values.push(None),
                    }
                }
                out.push(values);
            }
            Ok(Slot::Objects(out))
        }
        DocType::Map => {
            let obj = v.as_object().ok_or_else(|| invalid(name, "an object of strings, numbers and booleans", v))?;
            let mut out = Vec::with_capacity(obj.len());
            for (k, mv) in obj {
                let path = format!("{name}.{k}");
                check_map_key(k)
                    .map_err(|why| invalid(name, format!("valid keys ({why})"), &Json::String(k.clone())))?;
                let atom = match mv {
                    Json::String(_) => decode_atom(&path, Scalar::String, mv)?,
                    Json::Number(_) => decode_atom(&path, Scalar::Number, mv)?,
                    Json::Bool(b) => Atom::Bool(*b),
                    _ => return Err(invalid(&path, "a string, number or boolean", mv)),
                };
                out.push((k.clone(), atom));
            }
            Ok(Slot::Map(out))
        }
    }
}

/// Decodes one JSON object (as text) into a document of `schema`.
pub fn decode_doc(schema: &DocSchema, text: &str) -> Result<Doc, DecodeError> {
    let json: Json = serde_json::from_str(text).map_err(|e| DecodeError::Syntax(e.to_string()))?;
    let Json::Object(map) = json else {
        return Err(DecodeError::NotAnObject);
    };
    decode_doc_object(schema, &map)
}

/// Decodes a JSON object into a document of `schema`. Strict: unknown keys, wrong types and
/// missing required fields are errors naming the field.
pub fn decode_doc_object(schema: &DocSchema, map: &Map<String, Json>) -> Result<Doc, DecodeError> {
    for key in map.keys() {
        if schema.field(key).is_none() {
            return Err(DecodeError::UnknownField {
                field: key.clone(),
                suggestion: schema.suggest(key).map(str::to_owned),
            });
        }
    }
    schema
        .fields
        .iter()
        .map(|f| decode_slot(f, map.get(&f.name).unwrap_or(&Json::Null)))
        .collect::<Result<Vec<_>, _>>()
        .map(Doc)
}

fn slot_json(field: &DocField, slot: &Slot, keep: &dyn Fn(&Selection) -> bool, fid: usize) -> Option<Json> {
    match (slot, &field.ty) {
        (Slot::Missing, _) => None,
        (Slot::Atom(a), _) => Some(a.to_json()),
        (Slot::Array(items), _) => Some(Json::Array(items.iter().map(Atom::to_json).collect())),
        (Slot::Objects(items), DocType::Objects(members)) => Some(Json::Array(
            items
                .iter()
                .map(|values| {
                    Json::Object(
                        members
                            .iter()
                            .zip(values)
                            .enumerate()
                            .filter(|(j, _)| keep(&Selection::Member(fid, *j)))
                            .filter_map(|(_, (m, v))| v.as_ref().map(|v| (m.name.clone(), v.to_json())))
                            .collect(),
                    )
                })
                .collect(),
        )),
        (Slot::Map(entries), _) => Some(Json::Object(
            entries
                .iter()
                .filter(|(k, _)| keep(&Selection::Key(fid, k.clone())))
                .map(|(k, v)| (k.clone(), v.to_json()))
                .collect(),
        )),
        (Slot::Objects(_), _) => None,
    }
}

/// The JSON object of a document: every field in schema order, missing ones left out, or
/// the projected ones (MongoDB's rules, see [`DocProjection`]).
pub fn encode_doc(schema: &DocSchema, doc: &Doc, projection: Option<&DocProjection>) -> Map<String, Json> {
    let mut out = Map::new();
    for (i, (field, slot)) in schema.fields.iter().zip(&doc.0).enumerate() {
        let keep_sub: Box<dyn Fn(&Selection) -> bool> = match projection {
            None => Box::new(|_| true),
            Some(DocProjection::Include(sel)) => {
                if sel.contains(&Selection::Field(i)) {
                    Box::new(|_| true)
                } else if sel.iter().any(|s| matches!(s, Selection::Member(f, _) | Selection::Key(f, _) if *f == i)) {
                    let sel = sel.clone();
                    Box::new(move |s| sel.contains(s))
                } else {
                    continue;
                }
            }
            Some(DocProjection::Exclude(sel)) => {
                if sel.contains(&Selection::Field(i)) {
                    continue;
                }
                let sel = sel.clone();
                Box::new(move |s| !sel.contains(s))
            }
        };
        if let Some(v) = slot_json(field, slot, &*keep_sub, i) {
            out.insert(field.name.clone(), v);
        }
    }
    out
}
