//! Schemas and record values.
//!
//! The engine knows no user model of its own: a [`Schema`] lists the fields of one profile
//! (name, [`FieldType`], nullability, what it may be used for, its SQL column), and a
//! [`Record`] is one user as a row of [`Value`]s in schema field order. The built-in profiles
//! live in [`profiles`], each with a deterministic generator.
//!
//! ```
//! use roster_schema::{profiles, FieldType};
//! let schema = profiles::identity::schema();
//! let (_, field) = schema.field("userStatus").unwrap();
//! assert!(matches!(field.ty, FieldType::Enum(_)));
//! assert_eq!(schema.suggest("userstatus"), Some("userStatus"));
//! ```
#![forbid(unsafe_code)]

pub mod document;
mod json;
pub mod profiles;
pub mod rng;

pub use json::{DecodeError, decode_object, decode_record, encode_record, encode_value};
pub use roster_ast::Timestamp;

/// Index of a field in its schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FieldId(pub u16);

impl FieldId {
    /// As a `usize` index into `Schema::fields` and `Record::0`.
    pub fn index(self) -> usize {
        usize::from(self.0)
    }
}

/// A closed set of values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnumType {
    /// The values, in declaration order. A value is stored as its index here.
    pub values: Vec<String>,
    /// Whether values compare case-sensitively (the identity seed says `userStatus` does).
    pub case_sensitive: bool,
}

impl EnumType {
    /// The index of `text`, honouring case sensitivity.
    pub fn lookup(&self, text: &str) -> Option<u16> {
        let pos = if self.case_sensitive {
            self.values.iter().position(|v| v == text)
        } else {
            self.values.iter().position(|v| v.eq_ignore_ascii_case(text))
        };
        pos.and_then(|i| u16::try_from(i).ok())
    }

    /// The value whose text is closest to `text` (for "did you mean").
    pub fn suggest(&self, text: &str) -> Option<&str> {
        closest(text, self.values.iter().map(String::as_str))
    }
}

/// The type of a field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldType {
    /// A string compared by code point.
    String,
    /// One of a closed set of values.
    Enum(EnumType),
    /// A UTC instant at microsecond precision.
    Timestamp,
    /// `true` / `false`.
    Bool,
    /// A 64-bit signed integer.
    Int,
    /// A UUID.
    Uuid,
    /// An array of strings (tags, roles, groups). Never null: no value is the empty array.
    /// Elements may not contain U+001F (the storage separator, see [`encode_array`]).
    StringArray,
}

impl FieldType {
    /// A short name for diagnostics.
    pub fn name(&self) -> &'static str {
        match self {
            FieldType::String => "string",
            FieldType::Enum(_) => "enum",
            FieldType::Timestamp => "timestamp",
            FieldType::Bool => "boolean",
            FieldType::Int => "integer",
            FieldType::Uuid => "uuid",
            FieldType::StringArray => "string array",
        }
    }
}

/// One field of a schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// The name callers use (API field name).
    pub name: String,
    /// Its type.
    pub ty: FieldType,
    /// Whether it may be null (or missing).
    pub nullable: bool,
    /// May appear in filters.
    pub filterable: bool,
    /// May appear in sort keys.
    pub sortable: bool,
    /// Returned by default and may be projected.
    pub projectable: bool,
    /// Its SQL column (an identifier from the schema, never from input).
    pub column: String,
    /// Searched by a keyword search that names no fields (`search=Jack Mike`).
    pub searchable: bool,
}

impl Field {
    /// A filterable, sortable, projectable, non-null field stored in a column of its name.
    pub fn new(name: &str, ty: FieldType) -> Field {
        Field {
            name: name.to_owned(),
            ty,
            nullable: false,
            filterable: true,
            sortable: true,
            projectable: true,
            column: name.to_owned(),
            searchable: false,
        }
    }

    /// The same field, nullable.
    pub fn nullable(mut self) -> Field {
        self.nullable = true;
        self
    }

    /// The same field, searched by keyword searches.
    pub fn searchable(mut self) -> Field {
        self.searchable = true;
        self
    }

    /// The same field, neither sortable nor returned: it may only be filtered on.
    pub fn filter_only(mut self) -> Field {
        self.sortable = false;
        self.projectable = false;
        self
    }
}

/// The fields of one profile and where they live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schema {
    /// Profile name, also the SQL table name.
    pub name: String,
    /// The fields, in output order.
    pub fields: Vec<Field>,
    /// The primary key: unique, non-null, the final sort tie-breaker.
    pub primary_key: FieldId,
}

impl Schema {
    /// Looks a field up by its exact name.
    pub fn field(&self, name: &str) -> Option<(FieldId, &Field)> {
        self.fields
            .iter()
            .position(|f| f.name == name)
            .and_then(|i| u16::try_from(i).ok())
            .map(|i| (FieldId(i), &self.fields[usize::from(i)]))
    }

    /// The field at `id`.
    pub fn get(&self, id: FieldId) -> &Field {
        &self.fields[id.index()]
    }

    /// Every field id, in order.
    pub fn ids(&self) -> impl Iterator<Item = FieldId> + '_ {
        (0..self.fields.len()).filter_map(|i| u16::try_from(i).ok()).map(FieldId)
    }

    /// The field name closest to `name`, if one is close enough to be a likely typo.
    pub fn suggest(&self, name: &str) -> Option<&str> {
        closest(name, self.fields.iter().map(|f| f.name.as_str()))
    }
}

/// One value of a record.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Null or missing.
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A string (also for case-insensitive strings).
    Str(String),
    /// A UUID.
    Uuid(u128),
    /// An instant.
    Timestamp(Timestamp),
    /// An enum value, as its index in the field's [`EnumType`].
    Enum(u16),
    /// An array of strings.
    StrArray(Vec<String>),
}

/// One user: values in schema field order.
#[derive(Debug, Clone, PartialEq)]
pub struct Record(pub Vec<Value>);

impl Record {
    /// The value of a field.
    pub fn get(&self, id: FieldId) -> &Value {
        &self.0[id.index()]
    }
}

/// The separator of array elements in storage.
pub const ARRAY_SEPARATOR: char = '\u{1F}';

/// The storage text of a string array, the same in SQL and in memory: empty for `[]`, else
/// every element preceded by U+001F plus a final U+001F (`["a", "b"]` is `"\u{1F}a\u{1F}b\u{1F}"`).
/// Since elements never contain U+001F, "some element equals `x`" is "the text contains
/// U+001F x U+001F", and a substring test of one element is a substring test of the text
/// with a needle free of U+001F; so every backend runs array tests as string tests.
///
/// ```
/// use roster_schema::{decode_array, encode_array};
/// let a = vec!["a".to_owned(), String::new()];
/// assert_eq!(encode_array(&a), "\u{1F}a\u{1F}\u{1F}");
/// assert_eq!(decode_array(&encode_array(&a)), a);
/// assert_eq!(decode_array(&encode_array(&[])), Vec::<String>::new());
/// ```
pub fn encode_array(items: &[String]) -> String {
    if items.is_empty() {
        return String::new();
    }
    let mut s = String::with_capacity(items.iter().map(|i| i.len() + 1).sum::<usize>() + 1);
    for item in items {
        s.push(ARRAY_SEPARATOR);
        s.push_str(item);
    }
    s.push(ARRAY_SEPARATOR);
    s
}

/// The elements of an array's storage text (see [`encode_array`]).
pub fn decode_array(text: &str) -> Vec<String> {
    if text.is_empty() {
        return Vec::new();
    }
    let inner = text.strip_prefix(ARRAY_SEPARATOR).unwrap_or(text);
    let inner = inner.strip_suffix(ARRAY_SEPARATOR).unwrap_or(inner);
    inner.split(ARRAY_SEPARATOR).map(str::to_owned).collect()
}

/// Why an array value cannot be stored, if it cannot.
pub fn check_array(items: &[String]) -> Result<(), String> {
    match items.iter().find(|i| i.contains(ARRAY_SEPARATOR)) {
        Some(i) => Err(format!("array element {i:?} contains U+001F, which arrays cannot hold")),
        None => Ok(()),
    }
}

/// Levenshtein distance on ASCII-lower-cased chars: case differences cost nothing, so
/// `verified` is at distance 0 from `VERIFIED`.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().map(|c| c.to_ascii_lowercase()).collect();
    let b: Vec<char> = b.chars().map(|c| c.to_ascii_lowercase()).collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let sub = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j - 1] + sub).min(prev[j] + 1).min(cur[j - 1] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// The candidate closest to `word`, if within a third of its length in edits (at least one).
pub fn closest<'a>(word: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(1);
    candidates.map(|c| (distance(word, c), c)).filter(|(d, _)| *d <= limit).min_by_key(|(d, _)| *d).map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_only_differences_are_close() {
        assert_eq!(distance("verified", "VERIFIED"), 0);
        assert_eq!(distance("usrname", "username"), 1);
        let e = EnumType { values: vec!["UNVERIFIED".into(), "VERIFIED".into()], case_sensitive: true };
        assert_eq!(e.suggest("verified"), Some("VERIFIED"));
        assert_eq!(e.lookup("verified"), None);
        assert_eq!(e.lookup("VERIFIED"), Some(1));
    }

    #[test]
    fn far_names_get_no_suggestion() {
        let s = profiles::identity::schema();
        assert_eq!(s.suggest("usrname"), Some("username"));
        assert_eq!(s.suggest("zzzzzzzz"), None);
    }
}
