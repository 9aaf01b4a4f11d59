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
//! | [`Pred::AllElements`] | two-valued | true for the empty array |
//! | [`Operand::Func`], [`Operand::Call`] | value | null when an argument is null; `div`/`mod` by zero is null |
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
//! - [`Pred::AnyElement`] and [`Pred::AllElements`] name a string-array field, and its [`ElemTest`] value holds no
//!   ASCII upper-case letter when `fold_case` is set; array fields appear nowhere else (not as
//!   operands, not in sorts);
//! - [`Operand::Call`] has the arity of its [`CallFunc`], arguments of the types it takes,
//!   at least one argument that is not a literal (constants are folded), `substring`'s
//!   start and length are non-negative integer literals, and no integer arithmetic can
//!   overflow 64 bits for any row (the checker bounds every operand), so backends need no
//!   overflow rule;
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

/// Functions of one or more operands beyond [`ScalarFunc`], each with exactly one meaning on
/// every backend ([`CallFunc::apply`] is the reference).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CallFunc {
    /// UTC calendar year of a timestamp (proleptic Gregorian, year 0 exists). Integer.
    Year,
    /// UTC month 1-12. Integer.
    Month,
    /// UTC day of the month 1-31. Integer.
    Day,
    /// UTC hour 0-23. Integer.
    Hour,
    /// UTC minute 0-59. Integer.
    Minute,
    /// UTC second 0-59. Integer.
    Second,
    /// `concat(a, b)`: string concatenation.
    Concat,
    /// `indexof(s, sub)`: zero-based code-point index of the first occurrence, -1 if none, 0
    /// for the empty `sub`.
    IndexOf,
    /// `substring(s, start)` / `substring(s, start, length)`: code points, zero-based;
    /// empty past the end.
    Substring,
    /// Integer `a + b`.
    Add,
    /// Integer `a - b`.
    Sub,
    /// Integer `a * b`.
    Mul,
    /// Integer division truncating toward zero; null when `b` is 0.
    Div,
    /// Remainder with the sign of `a` (truncated division); null when `b` is 0.
    Mod,
    /// Integer `-a`.
    Neg,
}

impl CallFunc {
    /// Whether the result is a string (else an integer).
    pub fn returns_string(self) -> bool {
        matches!(self, CallFunc::Concat | CallFunc::Substring)
    }

    /// The OData name of the function or operator.
    pub fn name(self) -> &'static str {
        match self {
            CallFunc::Year => "year",
            CallFunc::Month => "month",
            CallFunc::Day => "day",
            CallFunc::Hour => "hour",
            CallFunc::Minute => "minute",
            CallFunc::Second => "second",
            CallFunc::Concat => "concat",
            CallFunc::IndexOf => "indexof",
            CallFunc::Substring => "substring",
            CallFunc::Add => "add",
            CallFunc::Sub => "sub",
            CallFunc::Mul => "mul",
            CallFunc::Div => "div",
            CallFunc::Mod => "mod",
            CallFunc::Neg => "-",
        }
    }

    /// The function on non-null arguments of the right types, with the semantics every
    /// backend implements; `Value::Null` for division by zero, for an overflow (which the
    /// checker rules out) and for arguments of the wrong types.
    ///
    /// ```
    /// use roster_check::{CallFunc, Value};
    /// use roster_ast::Timestamp;
    /// let t = Value::Timestamp(Timestamp::parse("2021-05-06T10:50:35Z").unwrap());
    /// assert_eq!(CallFunc::Month.apply(&[t]), Value::Int(5));
    /// assert_eq!(CallFunc::IndexOf.apply(&[Value::Str("zoë!".into()), Value::Str("!".into())]), Value::Int(3));
    /// assert_eq!(CallFunc::Substring.apply(&[Value::Str("zoë!".into()), Value::Int(2), Value::Int(1)]), Value::Str("ë".into()));
    /// assert_eq!(CallFunc::Mod.apply(&[Value::Int(-7), Value::Int(3)]), Value::Int(-1));
    /// assert_eq!(CallFunc::Div.apply(&[Value::Int(7), Value::Int(0)]), Value::Null);
    /// ```
    pub fn apply(self, args: &[Value]) -> Value {
        use CallFunc::*;
        let int = |i: usize| match args.get(i) {
            Some(Value::Int(x)) => Some(*x),
            _ => None,
        };
        let text = |i: usize| match args.get(i) {
            Some(Value::Str(s)) => Some(s.as_str()),
            _ => None,
        };
        let out = match self {
            Year | Month | Day | Hour | Minute | Second => match args.first() {
                Some(Value::Timestamp(t)) => Some(Value::Int(date_part(self, t.0))),
                _ => None,
            },
            Concat => text(0).zip(text(1)).map(|(a, b)| Value::Str(format!("{a}{b}"))),
            IndexOf => text(0).zip(text(1)).map(|(h, n)| Value::Int(index_of(h, n))),
            Substring => text(0).zip(int(1)).map(|(s, start)| {
                let skip = usize::try_from(start).unwrap_or(usize::MAX);
                let chars = s.chars().skip(skip);
                Value::Str(match int(2) {
                    Some(len) => chars.take(usize::try_from(len).unwrap_or(0)).collect(),
                    None => chars.collect(),
                })
            }),
            Add => int(0).zip(int(1)).and_then(|(a, b)| a.checked_add(b)).map(Value::Int),
            Sub => int(0).zip(int(1)).and_then(|(a, b)| a.checked_sub(b)).map(Value::Int),
            Mul => int(0).zip(int(1)).and_then(|(a, b)| a.checked_mul(b)).map(Value::Int),
            Div => int(0).zip(int(1)).and_then(|(a, b)| a.checked_div(b)).map(Value::Int),
            Mod => int(0).zip(int(1)).and_then(|(a, b)| a.checked_rem(b)).map(Value::Int),
            Neg => int(0).and_then(i64::checked_neg).map(Value::Int),
        };
        out.unwrap_or(Value::Null)
    }
}

/// The zero-based code-point index of `needle` in `haystack`, -1 if absent.
pub fn index_of(haystack: &str, needle: &str) -> i64 {
    match haystack.find(needle) {
        Some(byte) => haystack[..byte].chars().count() as i64,
        None => -1,
    }
}

/// A UTC calendar part (`Year` … `Second`) of UTC microseconds; other functions give 0.
pub fn date_part(part: CallFunc, micros: i64) -> i64 {
    let secs = micros.div_euclid(1_000_000);
    let (days, sod) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Days to a civil date (Howard Hinnant's algorithm, proleptic Gregorian).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    match part {
        CallFunc::Year => year,
        CallFunc::Month => month,
        CallFunc::Day => day,
        CallFunc::Hour => sod / 3600,
        CallFunc::Minute => sod / 60 % 60,
        CallFunc::Second => sod % 60,
        _ => 0,
    }
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
    /// A function or arithmetic operator of its arguments; null when an argument is null.
    Call(CallFunc, Vec<Operand>),
}

impl Operand {
    /// Whether the operand can be null for some record.
    pub fn nullable(&self, schema: &Schema) -> bool {
        match self {
            Operand::Field(id) => schema.get(*id).nullable,
            Operand::Literal(v) => matches!(v, Value::Null),
            Operand::Func(_, arg) => arg.nullable(schema),
            Operand::Call(CallFunc::Div | CallFunc::Mod, _) => true,
            Operand::Call(_, args) => args.iter().any(|a| a.nullable(schema)),
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
            Operand::Call(f, _) if f.returns_string() => ValueType::String,
            Operand::Call(_, _) => ValueType::Int,
        }
    }
}

/// The scalar [`ValueType`] of a field.
pub fn field_value_type(schema: &Schema, id: FieldId) -> ValueType {
    value_type_of(id, &schema.get(id).ty)
}

/// The scalar [`ValueType`] of field `id`, of type `ty`.
pub fn value_type_of(id: FieldId, ty: &FieldType) -> ValueType {
    match ty {
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
    /// Two-valued: every element of a string-array field passes the test (true for `[]`):
    /// OData's `field/all(e: …)`.
    AllElements {
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

#[cfg(test)]
mod call_tests {
    use super::*;
    use roster_ast::Timestamp;

    /// `date_part` against an independent oracle: the parts of the timestamp's own ISO 8601
    /// text (`roster_ast::time`, a different civil-date algorithm), across years 0..9999.
    #[test]
    fn date_parts_match_the_printed_calendar() {
        let (min, max) = (Timestamp::MIN.0, Timestamp::MAX.0);
        let step = (max - min) / 20_011;
        let mut t = min;
        while t <= max {
            for micros in [t, t + 999_999, t - 1] {
                if !(min..=max).contains(&micros) {
                    continue;
                }
                let text = Timestamp(micros).to_string();
                let num = |r: std::ops::Range<usize>| text[r].parse::<i64>().unwrap();
                let expected = [num(0..4), num(5..7), num(8..10), num(11..13), num(14..16), num(17..19)];
                let parts = [
                    CallFunc::Year,
                    CallFunc::Month,
                    CallFunc::Day,
                    CallFunc::Hour,
                    CallFunc::Minute,
                    CallFunc::Second,
                ];
                let got = parts.map(|p| date_part(p, micros));
                assert_eq!(got, expected, "{text}");
            }
            t += step;
        }
    }

    #[test]
    fn string_functions_count_code_points() {
        let s = |x: &str| Value::Str(x.into());
        assert_eq!(CallFunc::IndexOf.apply(&[s("aé€😀b"), s("b")]), Value::Int(4));
        assert_eq!(CallFunc::IndexOf.apply(&[s("abc"), s("")]), Value::Int(0));
        assert_eq!(CallFunc::IndexOf.apply(&[s("abc"), s("x")]), Value::Int(-1));
        assert_eq!(CallFunc::Substring.apply(&[s("aé€😀b"), Value::Int(1), Value::Int(2)]), s("é€"));
        assert_eq!(CallFunc::Substring.apply(&[s("abc"), Value::Int(7)]), s(""));
        assert_eq!(CallFunc::Concat.apply(&[s("a"), s("é")]), s("aé"));
    }

    #[test]
    fn integer_arithmetic_truncates_and_nulls_division_by_zero() {
        let i = Value::Int;
        assert_eq!(CallFunc::Div.apply(&[i(-7), i(2)]), i(-3));
        assert_eq!(CallFunc::Mod.apply(&[i(7), i(-3)]), i(1));
        assert_eq!(CallFunc::Mod.apply(&[i(7), i(0)]), Value::Null);
        assert_eq!(CallFunc::Add.apply(&[i(i64::MAX), i(1)]), Value::Null);
        assert_eq!(CallFunc::Neg.apply(&[i(5)]), i(-5));
    }
}
