//! The storage mapping of [`Value`]s: what a value is bound as, and how a column reads back.

use roster_ast::{format_guid, parse_guid};
use roster_schema::{Field, FieldType, Record, Schema, Timestamp, Value, check_array, decode_array, encode_array};

use crate::SqlError;

/// A bound parameter: the SQL-side form of a [`Value`] under the storage mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Param {
    /// SQL `NULL` (only when loading a null field; queries never bind null).
    Null,
    /// A boolean (`BOOLEAN`; SQLite stores it as the integer 0 or 1).
    Bool(bool),
    /// A 64-bit integer: integers, timestamps (UTC microseconds), `LIMIT` and `OFFSET`.
    Int(i64),
    /// Text: strings, UUIDs (lower-case 8-4-4-4-12), enum values (their text).
    Text(String),
}

impl Param {
    /// The parameter as JSON (`null`, a boolean, a number or a string).
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Param::Null => serde_json::Value::Null,
            Param::Bool(b) => serde_json::Value::Bool(*b),
            Param::Int(i) => serde_json::Value::from(*i),
            Param::Text(s) => serde_json::Value::String(s.clone()),
        }
    }
}

/// Stores `value` of `field` as a parameter, or says why it does not fit the field.
pub(crate) fn encode(field: &Field, value: &Value) -> Result<Param, String> {
    match value {
        Value::Null if field.nullable => Ok(Param::Null),
        Value::Null => Err("null in a non-nullable field".into()),
        v => encode_value(&field.ty, v),
    }
}

/// Stores a non-null `value` of type `ty` as a parameter, or says why it is not of that type.
pub(crate) fn encode_value(ty: &FieldType, value: &Value) -> Result<Param, String> {
    Ok(match (ty, value) {
        (FieldType::String, Value::Str(s)) => Param::Text(s.clone()),
        (FieldType::Enum(e), Value::Enum(i)) => match e.values.get(usize::from(*i)) {
            Some(text) => Param::Text(text.clone()),
            None => return Err(format!("enum index {i} out of range (the field has {} values)", e.values.len())),
        },
        (FieldType::Timestamp, Value::Timestamp(t)) => Param::Int(t.0),
        (FieldType::Bool, Value::Bool(b)) => Param::Bool(*b),
        (FieldType::Int, Value::Int(i)) => Param::Int(*i),
        (FieldType::Uuid, Value::Uuid(u)) => Param::Text(format_guid(*u)),
        (FieldType::StringArray, Value::StrArray(items)) => {
            check_array(items)?;
            Param::Text(encode_array(items))
        }
        (ty, v) => return Err(format!("a value of type {} in a field of type {}", value_kind(v), ty.name())),
    })
}

/// Every field of `record`, in schema order, as parameters; `index` numbers the record in
/// errors.
pub(crate) fn encode_record(schema: &Schema, record: &Record, index: u64) -> Result<Vec<Param>, SqlError> {
    if record.0.len() != schema.fields.len() {
        return Err(SqlError::Encode {
            record: index,
            field: String::new(),
            reason: format!("{} values for {} fields", record.0.len(), schema.fields.len()),
        });
    }
    schema
        .fields
        .iter()
        .zip(&record.0)
        .map(|(field, value)| {
            encode(field, value).map_err(|reason| SqlError::Encode { record: index, field: field.name.clone(), reason })
        })
        .collect()
}

/// One cell of a result row, as a driver hands it over.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Cell<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Text(&'a str),
}

/// Reads a cell of `field`'s column back into a [`Value`].
pub(crate) fn decode(field: &Field, cell: Cell<'_>) -> Result<Value, String> {
    Ok(match (&field.ty, cell) {
        (_, Cell::Null) => Value::Null,
        (FieldType::String, Cell::Text(s)) => Value::Str(s.to_owned()),
        (FieldType::StringArray, Cell::Text(s)) => Value::StrArray(decode_array(s)),
        (FieldType::Enum(e), Cell::Text(s)) => match e.values.iter().position(|v| v == s) {
            Some(i) => Value::Enum(u16::try_from(i).map_err(|_| "enum index beyond u16".to_owned())?),
            None => return Err(format!("`{s}` is not one of the enum's values")),
        },
        (FieldType::Uuid, Cell::Text(s)) => match parse_guid(s) {
            Some(u) => Value::Uuid(u),
            None => return Err(format!("`{s}` is not a UUID")),
        },
        (FieldType::Timestamp, Cell::Int(i)) => Value::Timestamp(Timestamp(i)),
        (FieldType::Int, Cell::Int(i)) => Value::Int(i),
        (FieldType::Bool, Cell::Bool(b)) => Value::Bool(b),
        // SQLite stores booleans as integers.
        (FieldType::Bool, Cell::Int(0)) => Value::Bool(false),
        (FieldType::Bool, Cell::Int(1)) => Value::Bool(true),
        (ty, cell) => return Err(format!("{cell:?} cannot be read as {}", ty.name())),
    })
}

fn value_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Int(_) => "integer",
        Value::Str(_) => "string",
        Value::Uuid(_) => "uuid",
        Value::Timestamp(_) => "timestamp",
        Value::Enum(_) => "enum",
        Value::StrArray(_) => "array",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use roster_schema::profiles::identity;

    #[test]
    fn every_identity_value_round_trips() {
        let profile = roster_schema::profiles::by_name("identity").unwrap();
        let schema = identity::schema();
        for (n, record) in profile.generate(50, 3).enumerate() {
            let params = encode_record(&schema, &record, n as u64).unwrap();
            for ((field, param), value) in schema.fields.iter().zip(&params).zip(&record.0) {
                let cell = match param {
                    Param::Null => Cell::Null,
                    Param::Bool(b) => Cell::Bool(*b),
                    Param::Int(i) => Cell::Int(*i),
                    Param::Text(s) => Cell::Text(s),
                };
                assert_eq!(&decode(field, cell).unwrap(), value);
            }
        }
    }

    #[test]
    fn uuids_are_stored_lower_case_and_ordered_as_u128() {
        let field = Field::new("id", FieldType::Uuid);
        let small = encode(&field, &Value::Uuid(0xA)).unwrap();
        let big = encode(&field, &Value::Uuid(u128::MAX - 1)).unwrap();
        assert_eq!(small, Param::Text("00000000-0000-0000-0000-00000000000a".into()));
        assert_eq!(big, Param::Text("ffffffff-ffff-ffff-ffff-fffffffffffe".into()));
        assert!(small.to_json().as_str() < big.to_json().as_str());
    }

    #[test]
    fn misfits_are_explained() {
        let schema = identity::schema();
        let status = &schema.fields[2];
        assert!(encode(status, &Value::Enum(6)).unwrap_err().contains("out of range"));
        assert!(encode(status, &Value::Null).unwrap_err().contains("non-nullable"));
        assert!(encode(status, &Value::Int(1)).unwrap_err().contains("type integer in a field of type enum"));
        assert!(decode(status, Cell::Text("verified")).unwrap_err().contains("not one of"));
        assert!(decode(&schema.fields[0], Cell::Text("x")).unwrap_err().contains("not a UUID"));
    }
}
