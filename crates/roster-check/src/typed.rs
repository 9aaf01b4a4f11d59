//! The typed query: the IR between the checker and the backends (SQL, in-memory).
//!
//! Names are resolved to [`FieldId`]s, literals are coerced to the field's [`Value`] type
//! (an enum literal is its index, a timestamp its UTC microseconds), and every dialect's null
//! rule has been lowered into explicit nodes, so backends never guess:
//!
//! | node | logic | on null |
//! |---|---|---|
//! | [`Pred::Cmp`] | two-valued | `eq`: true iff both null; `ne`: true iff exactly one null; `gt ge lt le`: false |
//! | [`Pred::IsNull`] | two-valued | tests for null |
//! | [`Pred::In`] | two-valued | false |
//! | [`Pred::StrTest`] | three-valued | null when either operand is null |
//! | [`Pred::AnyElement`] | two-valued | array fields are never null; false for the empty array |
//! | [`Pred::And`], [`Pred::Or`], [`Pred::Not`] | Kleene | `null and false` = false, `null or true` = true, `not null` = null |
//!
//! A record is selected when the filter is *true* (not false, not null).
//!
//! Invariants the checker guarantees (backends may rely on them):
//! - no [`Operand::Literal`] holds [`Value::Null`] (null tests are [`Pred::IsNull`]; ordering
//!   comparisons with null are folded to [`Pred::Const`]`(false)`);
//! - both operands of a [`Pred::Cmp`] have the same [`ValueType`], and ordering operators
//!   (`gt ge lt le`) never apply to enums;
//! - in a [`Pred::Cmp`] the left operand is never a literal when the right one is not;
//! - [`Pred::And`] and [`Pred::Or`] have at least two operands; [`Pred::In`] at least one value,
//!   all non-null, of the operand's type, without duplicates;
//! - [`Pred::AnyElement`] names a string-array field, and its [`ElemTest`] value holds no
//!   ASCII upper-case letter when `fold_case` is set; array fields appear nowhere else (not as
//!   operands, not in sorts);
//! - `sort` ends with the primary key, so every order is total.

use roster_ast::{CmpOp, Direction};
use roster_schema::{FieldId, FieldType, Schema, Value};

/// The type of a typed operand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValueType {
    /// A string, compared by code point (byte order of UTF-8).
    String,
    /// An enum value of the given field's enum type.
    Enum(FieldId),
    /// A UTC instant (microseconds).
    Timestamp,
    /// A boolean (`false < true`).
    Bool,
    /// A 64-bit integer.
    Int,
    /// A UUID, ordered as its 16 bytes (= its lower-case text).
    Uuid,
}

impl ValueType {
    /// A short name for diagnostics.
    pub fn name(self) -> &'static str {
        match self {
            ValueType::String => "string",
            ValueType::Enum(_) => "enum",
            ValueType::Timestamp => "timestamp",
            ValueType::Bool => "boolean",
            ValueType::Int => "integer",
            ValueType::Uuid => "uuid",
        }
    }
}

/// String-valued and integer-valued functions of one argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScalarFunc {
    /// ASCII lower-casing (`A-Z` only; other characters unchanged, as SQL `lower` under a C
    /// collation). String -> string.
    ToLower,
    /// ASCII upper-casing. String -> string.
    ToUpper,
    /// Removes leading and trailing spaces (U+0020), as SQL `TRIM`. String -> string.
    Trim,
    /// Number of Unicode code points. String -> integer.
    Length,
}

/// A value-producing expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    /// A field of the record.
    Field(FieldId),
    /// A constant (never [`Value::Null`]).
    Literal(Value),
    /// A function of one operand; null in, null out.
    Func(ScalarFunc, Box<Operand>),
}

impl Operand {
    /// Whether the operand can be null for some record.
    pub fn nullable(&self, schema: &Schema) -> bool {
        match self {
            Operand::Field(id) => schema.get(*id).nullable,
            Operand::Literal(v) => matches!(v, Value::Null),
            Operand::Func(_, arg) => arg.nullable(schema),
        }
    }

    /// The operand's type. Literals report the type of their value; an enum literal reports
    /// `Enum(FieldId(u16::MAX))` since it is only meaningful next to its field.
    pub fn ty(&self, schema: &Schema) -> ValueType {
        match self {
            Operand::Field(id) => field_value_type(schema, *id),
            Operand::Literal(v) => match v {
                Value::Bool(_) => ValueType::Bool,
                Value::Int(_) => ValueType::Int,
                Value::Uuid(_) => ValueType::Uuid,
                Value::Timestamp(_) => ValueType::Timestamp,
                Value::Enum(_) => ValueType::Enum(FieldId(u16::MAX)),
                // Array literals never occur in typed queries.
                Value::Null | Value::Str(_) | Value::StrArray(_) => ValueType::String,
            },
            Operand::Func(ScalarFunc::Length, _) => ValueType::Int,
            Operand::Func(_, _) => ValueType::String,
        }
    }
}

/// The scalar [`ValueType`] of a field.
pub fn field_value_type(schema: &Schema, id: FieldId) -> ValueType {
    match &schema.get(id).ty {
        FieldType::String => ValueType::String,
        FieldType::Enum(_) => ValueType::Enum(id),
        FieldType::Timestamp => ValueType::Timestamp,
        FieldType::Bool => ValueType::Bool,
        FieldType::Int => ValueType::Int,
        FieldType::Uuid => ValueType::Uuid,
        // Array fields are never operands (the checker only uses them in `AnyElement`);
        // their storage form is text.
        FieldType::StringArray => ValueType::String,
    }
}

/// Substring tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StrOp {
    /// `needle` occurs in `haystack` (the empty needle always does).
    Contains,
    /// `haystack` starts with `needle`.
    StartsWith,
    /// `haystack` ends with `needle`.
    EndsWith,
}

/// How an element of a string array is tested against [`ElemTest::value`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ElemOp {
    /// The element equals the value.
    Eq,
    /// The value occurs in the element.
    Contains,
    /// The element starts with the value.
    StartsWith,
    /// The element ends with the value.
    EndsWith,
}

/// A test of one element of a string array.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ElemTest {
    /// Which test.
    pub op: ElemOp,
    /// The value tested for; lower-case (ASCII) when `fold_case`.
    pub value: String,
    /// Whether the element is ASCII-lower-cased before the test (`tolower(e)`), which makes
    /// the test case-insensitive for ASCII letters.
    pub fold_case: bool,
}

impl ElemTest {
    /// The substring to look for in an array's storage text (see
    /// [`roster_schema::encode_array`]) so that the text contains it exactly when some
    /// element passes the test; `None` when no element can pass (the value holds the
    /// separator U+001F, which elements never do). An empty value still needs an element,
    /// hence a lone separator.
    ///
    /// ```
    /// use roster_check::{ElemOp, ElemTest};
    /// let t = |op, v: &str| ElemTest { op, value: v.into(), fold_case: false }.storage_needle();
    /// assert_eq!(t(ElemOp::Eq, "vpn").as_deref(), Some("\u{1F}vpn\u{1F}"));
    /// assert_eq!(t(ElemOp::StartsWith, "vp").as_deref(), Some("\u{1F}vp"));
    /// assert_eq!(t(ElemOp::Contains, "").as_deref(), Some("\u{1F}"));
    /// assert_eq!(t(ElemOp::Contains, "a\u{1F}b"), None);
    /// ```
    pub fn storage_needle(&self) -> Option<String> {
        let sep = roster_schema::ARRAY_SEPARATOR;
        let v = &self.value;
        if v.contains(sep) {
            return None;
        }
        Some(match self.op {
            ElemOp::Eq => format!("{sep}{v}{sep}"),
            ElemOp::StartsWith => format!("{sep}{v}"),
            ElemOp::EndsWith => format!("{v}{sep}"),
            ElemOp::Contains if v.is_empty() => sep.to_string(),
            ElemOp::Contains => v.clone(),
        })
    }

    /// Whether one element passes, by the definition (the oracle the storage form meets).
    pub fn matches(&self, element: &str) -> bool {
        let lowered;
        let e = if self.fold_case {
            lowered = element.to_ascii_lowercase();
            lowered.as_str()
        } else {
            element
        };
        match self.op {
            ElemOp::Eq => e == self.value,
            ElemOp::Contains => e.contains(self.value.as_str()),
            ElemOp::StartsWith => e.starts_with(self.value.as_str()),
            ElemOp::EndsWith => e.ends_with(self.value.as_str()),
        }
    }
}

/// A typed predicate. See the module docs for the null rules.
#[derive(Debug, Clone, PartialEq)]
pub enum Pred {
    /// Always true or always false.
    Const(bool),
    /// Kleene conjunction (two or more operands).
    And(Vec<Pred>),
    /// Kleene disjunction (two or more operands).
    Or(Vec<Pred>),
    /// Kleene negation.
    Not(Box<Pred>),
    /// Two-valued comparison.
    Cmp {
        /// The operator.
        op: CmpOp,
        /// Left operand (not a literal unless `rhs` is one too).
        lhs: Operand,
        /// Right operand.
        rhs: Operand,
    },
    /// Two-valued null test: `operand is null` (or `is not null` when `negated`).
    IsNull {
        /// The tested operand.
        operand: Operand,
        /// `true` for "is not null".
        negated: bool,
    },
    /// Two-valued membership: false when `operand` is null.
    In {
        /// The tested operand.
        operand: Operand,
        /// The candidates: non-null, same type, no duplicates, at least one.
        values: Vec<Value>,
    },
    /// Three-valued substring test: null when either operand is null.
    StrTest {
        /// Which test.
        op: StrOp,
        /// The searched string.
        haystack: Operand,
        /// The searched-for string.
        needle: Operand,
    },
    /// Two-valued: some element of a string-array field passes the test (false for `[]`).
    AnyElement {
        /// The array field.
        field: FieldId,
        /// The test of one element.
        test: ElemTest,
    },
}

/// One resolved sort key. Nulls sort first ascending and last descending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TypedSortKey {
    /// The field.
    pub field: FieldId,
    /// The direction.
    pub direction: Direction,
}

/// A checked query, ready for any backend.
#[derive(Debug, Clone, PartialEq)]
pub struct TypedQuery {
    /// The filter (`Const(true)` when there is none).
    pub filter: Pred,
    /// Sort keys, ending with the primary key.
    pub sort: Vec<TypedSortKey>,
    /// The returned fields, in output order.
    pub projection: Vec<FieldId>,
    /// At most this many rows (`None`: all).
    pub limit: Option<u64>,
    /// Rows to skip.
    pub offset: u64,
}

impl ScalarFunc {
    /// Applies the function to a non-null string, with exactly the semantics every backend
    /// implements (ASCII-only case mapping, U+0020-only trimming, code-point length).
    ///
    /// ```
    /// use roster_check::{ScalarFunc, Value};
    /// assert_eq!(ScalarFunc::ToLower.apply("ÉCOLE Ab"), Value::Str("École ab".into()));
    /// assert_eq!(ScalarFunc::Trim.apply(" \ta "), Value::Str("\ta".into()));
    /// assert_eq!(ScalarFunc::Length.apply("zoë"), Value::Int(3));
    /// ```
    pub fn apply(self, s: &str) -> Value {
        match self {
            ScalarFunc::ToLower => Value::Str(s.to_ascii_lowercase()),
            ScalarFunc::ToUpper => Value::Str(s.to_ascii_uppercase()),
            ScalarFunc::Trim => Value::Str(s.trim_matches(' ').to_owned()),
            ScalarFunc::Length => Value::Int(s.chars().count() as i64),
        }
    }
}
