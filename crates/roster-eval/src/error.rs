//! Why a record does not fit a table, or a table does not fit a plan.

/// An error of the in-memory engine. Each variant names the field and what was expected, and
/// has a stable [`code`](EvalError::code).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EvalError {
    /// A record with more or fewer values than the schema has fields.
    #[error("a record of this schema has {expected} values, found {found}")]
    WrongArity {
        /// The number of fields in the schema.
        expected: usize,
        /// The number of values in the record.
        found: usize,
    },
    /// A value of the wrong type, e.g. `Value::Str` for a timestamp field.
    #[error("field `{field}` holds a {expected}, found a {found}")]
    TypeMismatch {
        /// The field.
        field: String,
        /// The field's type.
        expected: &'static str,
        /// The kind of value found.
        found: &'static str,
    },
    /// `Value::Null` in a field that is not nullable.
    #[error("field `{field}` may not be null")]
    NullNotAllowed {
        /// The field.
        field: String,
    },
    /// An enum index past the end of the field's values.
    #[error("field `{field}` has {count} enum values, found index {index}")]
    EnumOutOfRange {
        /// The field.
        field: String,
        /// The index found.
        index: u16,
        /// How many values the enum has.
        count: usize,
    },
    /// A plan run over a table built for another schema.
    #[error("the plan was compiled for schema `{plan}` but the table holds schema `{table}`")]
    SchemaMismatch {
        /// The plan's schema name.
        plan: String,
        /// The table's schema name.
        table: String,
    },
}

impl EvalError {
    /// A stable, kebab-case code for the error.
    pub fn code(&self) -> &'static str {
        match self {
            EvalError::WrongArity { .. } => "record-arity",
            EvalError::TypeMismatch { .. } => "record-type-mismatch",
            EvalError::NullNotAllowed { .. } => "record-null-not-allowed",
            EvalError::EnumOutOfRange { .. } => "record-enum-out-of-range",
            EvalError::SchemaMismatch { .. } => "schema-mismatch",
        }
    }
}
