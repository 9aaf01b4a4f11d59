//! The columnar [`Table`]: one column per schema field.

use roster_schema::{FieldId, FieldType, Record, Schema, Timestamp, Value};

use crate::EvalError;

/// Presence bits of a nullable column.
#[derive(Debug, Clone, Default)]
pub(crate) struct Bitmap {
    words: Vec<u64>,
}

impl Bitmap {
    /// Appends the bit of row `row` (which must be the current length).
    fn push(&mut self, row: usize, bit: bool) {
        if row.is_multiple_of(64) {
            self.words.push(0);
        }
        if bit && let Some(last) = self.words.last_mut() {
            *last |= 1 << (row % 64);
        }
    }

    /// Whether row `row` holds a value.
    pub(crate) fn get(&self, row: usize) -> bool {
        self.words[row / 64] >> (row % 64) & 1 == 1
    }

    /// The words covering rows `64 * first ..`, at most `count` of them.
    pub(crate) fn words(&self, first: usize, count: usize) -> &[u64] {
        let end = (first + count).min(self.words.len());
        &self.words[first.min(end)..end]
    }
}

/// The strings of a column, back to back.
#[derive(Debug, Clone)]
pub(crate) struct StrColumn {
    buf: String,
    /// `len + 1` offsets into `buf`, starting at 0.
    offsets: Vec<usize>,
}

impl StrColumn {
    fn new() -> StrColumn {
        StrColumn { buf: String::new(), offsets: vec![0] }
    }

    fn push(&mut self, s: &str) {
        self.buf.push_str(s);
        self.offsets.push(self.buf.len());
    }

    /// The string of row `row`.
    pub(crate) fn get(&self, row: usize) -> &str {
        &self.buf[self.offsets[row]..self.offsets[row + 1]]
    }

    /// The UTF-8 bytes of row `row`.
    pub(crate) fn bytes(&self, row: usize) -> &[u8] {
        &self.buf.as_bytes()[self.offsets[row]..self.offsets[row + 1]]
    }
}

/// The values of one column.
#[derive(Debug, Clone)]
pub(crate) enum Data {
    Bool(Vec<bool>),
    Int(Vec<i64>),
    Timestamp(Vec<i64>),
    Uuid(Vec<u128>),
    Enum(Vec<u16>),
    Str(StrColumn),
}

/// One column: values plus, for a nullable field, its validity.
#[derive(Debug, Clone)]
pub(crate) struct Column {
    pub(crate) data: Data,
    pub(crate) validity: Option<Bitmap>,
}

impl Column {
    /// Whether row `row` holds a value.
    pub(crate) fn is_valid(&self, row: usize) -> bool {
        self.validity.as_ref().is_none_or(|v| v.get(row))
    }

    /// The 64-bit integers (integers and timestamps) of rows `range`, if that is this column's kind.
    pub(crate) fn i64s(&self, range: std::ops::Range<usize>) -> Option<&[i64]> {
        match &self.data {
            Data::Int(v) | Data::Timestamp(v) => Some(&v[range]),
            _ => None,
        }
    }
}

/// Users held in memory, one column per schema field. Rows are numbered from 0 in insertion
/// order.
///
/// | field type | values | one row costs |
/// |---|---|---|
/// | timestamp | `Vec<i64>`, UTC microseconds | 8 bytes |
/// | integer | `Vec<i64>` | 8 bytes |
/// | uuid | `Vec<u128>` | 16 bytes |
/// | enum | `Vec<u16>`, the index into the field's [`EnumType`](roster_schema::EnumType) values (its dictionary) | 2 bytes |
/// | bool | `Vec<bool>` | 1 byte |
/// | string | one contiguous UTF-8 buffer plus `len + 1` byte offsets (`usize`); row `i` is `buf[off[i]..off[i + 1]]` | its bytes + 8 |
/// | string array | as a string, holding the array's storage text ([`roster_schema::encode_array`]), so element tests run as substring tests, exactly as in SQL | its text + 8 |
///
/// A nullable field also has a validity bitmap (bit `i % 64` of word `i / 64` set when row `i`
/// holds a value); a null row stores the type's zero (`0`, `false`, code 0, the empty string)
/// in the values, so kernels can compare every slot and mask the result with the bitmap.
///
/// The table does not enforce primary-key uniqueness; sorts fall back to insertion order
/// when every sort key ties, so results are deterministic either way.
#[derive(Debug, Clone)]
pub struct Table {
    schema: Schema,
    columns: Vec<Column>,
    len: usize,
    /// Built on first use (see [`Table::build_indexes`]), dropped by [`Table::push`].
    indexes: crate::index::Indexes,
    /// A number no other table's schema instance has (a clone shares it, and its schema):
    /// plans remember the last table they checked by it.
    id: u64,
}

impl Table {
    /// An empty table for `schema`.
    pub fn new(schema: &Schema) -> Table {
        let columns = schema
            .fields
            .iter()
            .map(|f| Column {
                data: match &f.ty {
                    // An array is held as its storage text (`roster_schema::encode_array`).
                    FieldType::String | FieldType::StringArray => Data::Str(StrColumn::new()),
                    FieldType::Enum(_) => Data::Enum(Vec::new()),
                    FieldType::Timestamp => Data::Timestamp(Vec::new()),
                    FieldType::Bool => Data::Bool(Vec::new()),
                    FieldType::Int => Data::Int(Vec::new()),
                    FieldType::Uuid => Data::Uuid(Vec::new()),
                },
                validity: f.nullable.then(Bitmap::default),
            })
            .collect();
        let indexes = crate::index::Indexes::new(schema.fields.len());
        static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let id = NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Table { schema: schema.clone(), columns, len: 0, indexes, id }
    }

    /// A table holding `records`, in order. Fails on the first record that does not fit the
    /// schema (see [`Table::push`]).
    ///
    /// ```
    /// let profile = roster_schema::profiles::by_name("identity").unwrap();
    /// let table = roster_eval::Table::from_records(&profile.schema, profile.generate(100, 7)).unwrap();
    /// assert_eq!(table.len(), 100);
    /// ```
    pub fn from_records(schema: &Schema, records: impl IntoIterator<Item = Record>) -> Result<Table, EvalError> {
        let mut table = Table::new(schema);
        for record in records {
            table.push(&record)?;
        }
        Ok(table)
    }

    /// Appends a record. Fails, leaving the table unchanged, when the record has the wrong
    /// number of values, a value of the wrong type, a null in a non-nullable field, or an
    /// enum index out of range.
    pub fn push(&mut self, record: &Record) -> Result<(), EvalError> {
        self.validate(record)?;
        self.indexes.invalidate();
        let row = self.len;
        for (column, value) in self.columns.iter_mut().zip(&record.0) {
            if let Some(validity) = &mut column.validity {
                validity.push(row, !matches!(value, Value::Null));
            }
            match (&mut column.data, value) {
                (Data::Bool(v), Value::Bool(b)) => v.push(*b),
                (Data::Int(v), Value::Int(i)) => v.push(*i),
                (Data::Timestamp(v), Value::Timestamp(t)) => v.push(t.0),
                (Data::Uuid(v), Value::Uuid(u)) => v.push(*u),
                (Data::Enum(v), Value::Enum(e)) => v.push(*e),
                (Data::Str(v), Value::Str(s)) => v.push(s),
                (Data::Str(v), Value::StrArray(items)) => v.push(&roster_schema::encode_array(items)),
                // Validated: anything else is a null in a nullable column.
                (Data::Bool(v), _) => v.push(false),
                (Data::Int(v) | Data::Timestamp(v), _) => v.push(0),
                (Data::Uuid(v), _) => v.push(0),
                (Data::Enum(v), _) => v.push(0),
                (Data::Str(v), _) => v.push(""),
            }
        }
        self.len += 1;
        Ok(())
    }

    fn validate(&self, record: &Record) -> Result<(), EvalError> {
        if record.0.len() != self.schema.fields.len() {
            return Err(EvalError::WrongArity { expected: self.schema.fields.len(), found: record.0.len() });
        }
        for (field, value) in self.schema.fields.iter().zip(&record.0) {
            let fits = match (&field.ty, value) {
                (_, Value::Null) if field.nullable => true,
                (_, Value::Null) => {
                    return Err(EvalError::NullNotAllowed { field: field.name.clone() });
                }
                (FieldType::Enum(e), Value::Enum(i)) => {
                    if usize::from(*i) >= e.values.len() {
                        return Err(EvalError::EnumOutOfRange {
                            field: field.name.clone(),
                            index: *i,
                            count: e.values.len(),
                        });
                    }
                    true
                }
                (FieldType::String, Value::Str(_))
                | (FieldType::Timestamp, Value::Timestamp(_))
                | (FieldType::Bool, Value::Bool(_))
                | (FieldType::Int, Value::Int(_))
                | (FieldType::Uuid, Value::Uuid(_)) => true,
                (FieldType::StringArray, Value::StrArray(items)) => {
                    if roster_schema::check_array(items).is_err() {
                        return Err(EvalError::TypeMismatch {
                            field: field.name.clone(),
                            expected: "string array without U+001F",
                            found: "string array with U+001F in an element",
                        });
                    }
                    true
                }
                _ => false,
            };
            if !fits {
                return Err(EvalError::TypeMismatch {
                    field: field.name.clone(),
                    expected: field.ty.name(),
                    found: value_kind(value),
                });
            }
        }
        Ok(())
    }

    /// The number of rows.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the table has no rows.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The schema the table was built for.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// The value of `field` in row `row`.
    ///
    /// # Panics
    ///
    /// When `row >= self.len()` or `field` is not a field of the schema, like slice indexing.
    pub fn value(&self, row: usize, field: FieldId) -> Value {
        let column = &self.columns[field.index()];
        assert!(row < self.len, "row {row} out of range for a table of {} rows", self.len);
        if !column.is_valid(row) {
            return Value::Null;
        }
        match &column.data {
            Data::Bool(v) => Value::Bool(v[row]),
            Data::Int(v) => Value::Int(v[row]),
            Data::Timestamp(v) => Value::Timestamp(Timestamp(v[row])),
            Data::Uuid(v) => Value::Uuid(v[row]),
            Data::Enum(v) => Value::Enum(v[row]),
            Data::Str(v) if self.schema.fields[field.index()].ty == FieldType::StringArray => {
                Value::StrArray(roster_schema::decode_array(v.get(row)))
            }
            Data::Str(v) => Value::Str(v.get(row).to_owned()),
        }
    }

    /// Row `row` as a record in schema field order, holding the values of `fields` and
    /// [`Value::Null`] everywhere else.
    ///
    /// # Panics
    ///
    /// When `row >= self.len()` or a field is not a field of the schema, like slice indexing.
    pub fn record(&self, row: usize, fields: &[FieldId]) -> Record {
        let mut values = vec![Value::Null; self.columns.len()];
        for &field in fields {
            values[field.index()] = self.value(row, field);
        }
        Record(values)
    }

    /// See the `id` field: equal ids, equal schemas.
    pub(crate) fn id(&self) -> u64 {
        self.id
    }

    pub(crate) fn column(&self, field: usize) -> &Column {
        &self.columns[field]
    }

    pub(crate) fn indexes(&self) -> &crate::index::Indexes {
        &self.indexes
    }
}

/// The kind of a value, for diagnostics.
fn value_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Int(_) => "integer",
        Value::Str(_) => "string",
        Value::Uuid(_) => "uuid",
        Value::Timestamp(_) => "timestamp",
        Value::Enum(_) => "enum",
        Value::StrArray(_) => "string array",
    }
}

#[cfg(test)]
mod tests {
    use roster_schema::{EnumType, Field};

    use super::*;

    fn schema() -> Schema {
        Schema {
            name: "t".into(),
            fields: vec![
                Field::new("id", FieldType::Int),
                Field::new("name", FieldType::String).nullable(),
                Field::new(
                    "kind",
                    FieldType::Enum(EnumType { values: vec!["b".into(), "a".into()], case_sensitive: true }),
                ),
            ],
            primary_key: FieldId(0),
        }
    }

    #[test]
    fn round_trips_values_and_nulls() {
        let records = vec![
            Record(vec![Value::Int(1), Value::Str("zoë".into()), Value::Enum(1)]),
            Record(vec![Value::Int(2), Value::Null, Value::Enum(0)]),
            Record(vec![Value::Int(3), Value::Str(String::new()), Value::Enum(0)]),
        ];
        let table = Table::from_records(&schema(), records.clone()).unwrap();
        assert_eq!(table.len(), 3);
        let all: Vec<_> = table.schema().ids().collect();
        for (i, r) in records.iter().enumerate() {
            assert_eq!(&table.record(i, &all), r);
        }
        assert_eq!(table.record(0, &[FieldId(2)]), Record(vec![Value::Null, Value::Null, Value::Enum(1)]));
    }

    #[test]
    fn validity_spans_many_words() {
        let s = schema();
        let records = (0..200).map(|i| {
            let name = if i % 3 == 0 { Value::Null } else { Value::Str(format!("n{i}")) };
            Record(vec![Value::Int(i), name, Value::Enum(0)])
        });
        let table = Table::from_records(&s, records).unwrap();
        for i in 0..200 {
            assert_eq!(table.value(i, FieldId(1)) == Value::Null, i % 3 == 0, "row {i}");
        }
    }

    #[test]
    fn rejects_records_that_do_not_fit() {
        let mut table = Table::new(&schema());
        let cases = [
            (Record(vec![Value::Int(1)]), "record-arity"),
            (Record(vec![Value::Null, Value::Null, Value::Enum(0)]), "record-null-not-allowed"),
            (Record(vec![Value::Int(1), Value::Int(2), Value::Enum(0)]), "record-type-mismatch"),
            (Record(vec![Value::Int(1), Value::Null, Value::Enum(2)]), "record-enum-out-of-range"),
        ];
        for (record, code) in cases {
            let err = table.push(&record).unwrap_err();
            assert_eq!(err.code(), code, "{err}");
        }
        assert!(table.is_empty());
        let err = table.push(&Record(vec![Value::Int(1), Value::Bool(true), Value::Enum(0)])).unwrap_err();
        assert_eq!(err.to_string(), "field `name` holds a string, found a boolean");
    }
}
