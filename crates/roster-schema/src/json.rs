//! The canonical JSON form of a record: an object keyed by the profile's field names,
//! timestamps as RFC 3339 UTC strings, UUIDs in lower-case 8-4-4-4-12 form, enums as their
//! text, string arrays as JSON arrays of strings (null or missing is the empty array; an
//! element may not hold U+001F), null for a null field. `decode_record` is strict: an unknown key, a missing
//! non-nullable field, a wrong type or an unknown enum value is an error naming the field.

use serde_json::{Map, Value as Json};

use crate::{FieldId, FieldType, Record, Schema, Timestamp, Value};

/// Why a JSON object is not a valid record of a schema.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The text is not JSON.
    #[error("not valid JSON: {0}")]
    Syntax(String),
    /// The JSON is not an object.
    #[error("a record must be a JSON object")]
    NotAnObject,
    /// A key the schema does not have.
    #[error("unknown field `{field}`{}", suggestion.as_ref().map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default())]
    UnknownField {
        /// The key.
        field: String,
        /// The closest field name.
        suggestion: Option<String>,
    },
    /// A non-nullable field is missing or null.
    #[error("field `{field}` is required and may not be null")]
    Missing {
        /// The field.
        field: String,
    },
    /// A value of the wrong type or form.
    #[error("field `{field}`: expected {expected}, found {found}")]
    Invalid {
        /// The field.
        field: String,
        /// What the schema wants.
        expected: String,
        /// What was there.
        found: String,
    },
}

fn describe(v: &Json) -> String {
    let s = v.to_string();
    if s.len() > 60 {
        let mut end = 57;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}...", &s[..end])
    } else {
        s
    }
}

fn decode_value(field: &crate::Field, v: &Json) -> Result<Value, DecodeError> {
    let invalid = |expected: String| DecodeError::Invalid { field: field.name.clone(), expected, found: describe(v) };
    if v.is_null() {
        if field.ty == FieldType::StringArray {
            return Ok(Value::StrArray(Vec::new()));
        }
        return if field.nullable { Ok(Value::Null) } else { Err(DecodeError::Missing { field: field.name.clone() }) };
    }
    match &field.ty {
        FieldType::String => v.as_str().map(|s| Value::Str(s.to_owned())).ok_or_else(|| invalid("a string".into())),
        FieldType::Enum(e) => {
            let s = v.as_str().ok_or_else(|| invalid(format!("one of {}", e.values.join(", "))))?;
            e.lookup(s).map(Value::Enum).ok_or_else(|| invalid(format!("one of {}", e.values.join(", "))))
        }
        FieldType::Timestamp => v
            .as_str()
            .and_then(|s| Timestamp::parse(s).ok())
            .map(Value::Timestamp)
            .ok_or_else(|| invalid("an ISO 8601 timestamp string".into())),
        FieldType::Bool => v.as_bool().map(Value::Bool).ok_or_else(|| invalid("true or false".into())),
        FieldType::Int => v.as_i64().map(Value::Int).ok_or_else(|| invalid("a 64-bit integer".into())),
        FieldType::Uuid => {
            v.as_str().and_then(roster_ast::parse_guid).map(Value::Uuid).ok_or_else(|| invalid("a UUID string".into()))
        }
        FieldType::StringArray => {
            let items = v
                .as_array()
                .and_then(|a| a.iter().map(|i| i.as_str().map(str::to_owned)).collect::<Option<Vec<_>>>())
                .ok_or_else(|| invalid("an array of strings".into()))?;
            crate::check_array(&items).map_err(invalid)?;
            Ok(Value::StrArray(items))
        }
    }
}

/// Decodes one JSON object (as text) into a record of `schema`.
pub fn decode_record(schema: &Schema, text: &str) -> Result<Record, DecodeError> {
    let json: Json = serde_json::from_str(text).map_err(|e| DecodeError::Syntax(e.to_string()))?;
    let Json::Object(map) = json else {
        return Err(DecodeError::NotAnObject);
    };
    decode_object(schema, &map)
}

/// Decodes a JSON object into a record of `schema`.
pub fn decode_object(schema: &Schema, map: &Map<String, Json>) -> Result<Record, DecodeError> {
    for key in map.keys() {
        if schema.field(key).is_none() {
            return Err(DecodeError::UnknownField {
                field: key.clone(),
                suggestion: schema.suggest(key).map(str::to_owned),
            });
        }
    }
    let values = schema
        .fields
        .iter()
        .map(|f| decode_value(f, map.get(&f.name).unwrap_or(&Json::Null)))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Record(values))
}

/// The canonical JSON value of one field value.
pub fn encode_value(ty: &FieldType, v: &Value) -> Json {
    match v {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(i) => Json::from(*i),
        Value::Str(s) => Json::String(s.clone()),
        Value::Uuid(u) => Json::String(roster_ast::format_guid(*u)),
        Value::Timestamp(t) => Json::String(t.to_string()),
        Value::StrArray(items) => Json::Array(items.iter().map(|i| Json::String(i.clone())).collect()),
        Value::Enum(i) => match ty {
            FieldType::Enum(e) => e.values.get(usize::from(*i)).map_or(Json::Null, |s| Json::String(s.clone())),
            _ => Json::Null,
        },
    }
}

/// The canonical JSON object of a record, with the fields in `fields` (in that order).
pub fn encode_record(schema: &Schema, record: &Record, fields: &[FieldId]) -> Map<String, Json> {
    fields
        .iter()
        .map(|&id| {
            let f = schema.get(id);
            (f.name.clone(), encode_value(&f.ty, record.get(id)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profiles::identity;

    #[test]
    fn decode_encode_round_trip() {
        let s = identity::schema();
        let text = r#"{"id":"7600415a-8876-5722-9f3c-b0fd11112283","username":"user@example.com","userStatus":"VERIFIED","createdAt":"2020-09-21T14:19:09.769747Z","updatedAt":"2021-01-01T00:00:00Z","lastLogin":null}"#;
        let r = decode_record(&s, text).unwrap();
        let all: Vec<_> = s.ids().collect();
        let back = serde_json::to_string(&encode_record(&s, &r, &all)).unwrap();
        assert_eq!(back, text);
    }

    #[test]
    fn strict_errors_name_the_field() {
        let s = identity::schema();
        let base = r#""id":"7600415a-8876-5722-9f3c-b0fd11112283","username":"u","createdAt":"2020-09-21T14:19:09Z","updatedAt":"2020-09-21T14:19:09Z""#;
        let bad_status = format!(r#"{{{base},"userStatus":"verified"}}"#);
        let e = decode_record(&s, &bad_status).unwrap_err();
        assert!(matches!(&e, DecodeError::Invalid { field, .. } if field == "userStatus"), "{e}");
        let unknown = format!(r#"{{{base},"userStatus":"VERIFIED","usrname":"x"}}"#);
        assert_eq!(
            decode_record(&s, &unknown).unwrap_err().to_string(),
            "unknown field `usrname` (did you mean `username`?)"
        );
        let missing = format!(r#"{{{base}}}"#);
        assert_eq!(decode_record(&s, &missing).unwrap_err(), DecodeError::Missing { field: "userStatus".into() });
        assert!(matches!(decode_record(&s, "[1]"), Err(DecodeError::NotAnObject)));
        assert!(matches!(decode_record(&s, "{"), Err(DecodeError::Syntax(_))));
    }
}
