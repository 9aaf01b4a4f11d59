//! Result rows back into [`Record`]s.

use roster_schema::{FieldId, Record, Schema, Value};

use crate::SqlError;
use crate::value::{Cell, decode};

/// Turns rows holding the projected columns (in projection order) into records in schema
/// field order, with the fields outside the projection null.
pub(crate) struct Decoder<'a> {
    schema: &'a Schema,
    projection: &'a [FieldId],
    row: u64,
}

impl<'a> Decoder<'a> {
    pub(crate) fn new(schema: &'a Schema, projection: &'a [FieldId]) -> Self {
        Decoder { schema, projection, row: 0 }
    }

    /// Decodes the next row; `cell(i)` reads its `i`-th column.
    pub(crate) fn record<'r>(
        &mut self,
        mut cell: impl FnMut(usize) -> Result<Cell<'r>, SqlError>,
    ) -> Result<Record, SqlError> {
        let mut values = vec![Value::Null; self.schema.fields.len()];
        for (i, id) in self.projection.iter().enumerate() {
            let (Some(field), Some(slot)) = (self.schema.fields.get(id.index()), values.get_mut(id.index())) else {
                return Err(SqlError::InvalidQuery { reason: format!("projected field #{} does not exist", id.0) });
            };
            let relabel = |e: SqlError| match e {
                SqlError::Decode { reason, .. } => {
                    SqlError::Decode { row: self.row, column: field.column.clone(), reason }
                }
                e => e,
            };
            let value = decode(field, cell(i).map_err(relabel)?).map_err(|reason| SqlError::Decode {
                row: self.row,
                column: field.column.clone(),
                reason,
            })?;
            *slot = value;
        }
        self.row += 1;
        Ok(Record(values))
    }
}
