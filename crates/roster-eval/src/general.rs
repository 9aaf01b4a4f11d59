//! The general path: any [`Operand`] (fields against fields, functions, literals on either
//! side), evaluated row by row over borrowed [`Scalar`]s.
//!
//! Slower than the typed kernels of [`crate::pred`] but correct for every query the checker can
//! produce. Values mean what they mean in SQL storage: timestamps and integers are 64-bit
//! integers, an enum is its text, a UUID a `u128` (ordered as its lower-case text).

use std::borrow::Cow;
use std::cmp::Ordering;

use roster_ast::CmpOp;
use roster_check::{CallFunc, Operand, ScalarFunc, StrOp};
use roster_schema::{EnumType, FieldType, Schema, Value};

use crate::table::{Data, Table};

/// A constant of the general path.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Lit {
    Null,
    Bool(bool),
    Int(i64),
    Uuid(u128),
    Str(Box<[u8]>),
    /// An enum index whose enum type was not known from the context (compared by index).
    Code(u16),
}

impl Lit {
    /// The literal `value`; an enum index becomes its text when `ctx` is its enum type.
    pub(crate) fn new(value: &Value, ctx: Option<&EnumType>) -> Lit {
        match value {
            Value::Null => Lit::Null,
            Value::Bool(b) => Lit::Bool(*b),
            Value::Int(i) => Lit::Int(*i),
            Value::Timestamp(t) => Lit::Int(t.0),
            Value::Uuid(u) => Lit::Uuid(*u),
            Value::Str(s) => Lit::Str(s.as_bytes().into()),
            // Never in a typed query; its storage text, as the table holds it.
            Value::StrArray(items) => Lit::Str(roster_schema::encode_array(items).into_bytes().into()),
            Value::Enum(code) => match ctx.and_then(|e| e.values.get(usize::from(*code))) {
                Some(text) => Lit::Str(text.as_bytes().into()),
                None => Lit::Code(*code),
            },
        }
    }

    pub(crate) fn scalar(&self) -> Scalar<'_> {
        match self {
            Lit::Null => Scalar::Null,
            Lit::Bool(b) => Scalar::Bool(*b),
            Lit::Int(i) => Scalar::Int(*i),
            Lit::Uuid(u) => Scalar::Uuid(*u),
            Lit::Str(s) => Scalar::Str(Cow::Borrowed(s)),
            Lit::Code(c) => Scalar::Code(*c),
        }
    }
}

/// One value of one row, borrowed from the table or the plan where possible.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Scalar<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Uuid(u128),
    Str(Cow<'a, [u8]>),
    Code(u16),
}

impl Scalar<'_> {
    /// The order of two non-null values of one kind; `None` for null or mixed kinds.
    fn order(&self, other: &Scalar<'_>) -> Option<Ordering> {
        match (self, other) {
            (Scalar::Bool(a), Scalar::Bool(b)) => Some(a.cmp(b)),
            (Scalar::Int(a), Scalar::Int(b)) => Some(a.cmp(b)),
            (Scalar::Uuid(a), Scalar::Uuid(b)) => Some(a.cmp(b)),
            (Scalar::Str(a), Scalar::Str(b)) => Some(a.as_ref().cmp(b.as_ref())),
            (Scalar::Code(a), Scalar::Code(b)) => Some(a.cmp(b)),
            _ => None,
        }
    }
}

/// Whether `a op b` holds for two non-null operands in order `ord`.
pub(crate) fn holds(op: CmpOp, ord: Ordering) -> bool {
    match op {
        CmpOp::Eq => ord == Ordering::Equal,
        CmpOp::Ne => ord != Ordering::Equal,
        CmpOp::Gt => ord == Ordering::Greater,
        CmpOp::Ge => ord != Ordering::Less,
        CmpOp::Lt => ord == Ordering::Less,
        CmpOp::Le => ord != Ordering::Greater,
    }
}

/// The two-valued comparison of typed.rs: `eq` true iff both null, `ne` true iff exactly one
/// null, ordering false on null. Values of different kinds (impossible after checking) are
/// unequal and unordered.
pub(crate) fn compare(op: CmpOp, a: &Scalar<'_>, b: &Scalar<'_>) -> bool {
    match (a, b) {
        (Scalar::Null, Scalar::Null) => op == CmpOp::Eq,
        (Scalar::Null, _) | (_, Scalar::Null) => op == CmpOp::Ne,
        _ => match a.order(b) {
            Some(ord) => holds(op, ord),
            None => op == CmpOp::Ne,
        },
    }
}

/// A substring test on two non-null strings (case-sensitive, byte-exact; the empty needle
/// always matches).
pub(crate) fn str_test(op: StrOp, haystack: &[u8], needle: &[u8]) -> bool {
    match op {
        StrOp::Contains => memchr::memmem::find(haystack, needle).is_some(),
        StrOp::StartsWith => haystack.starts_with(needle),
        StrOp::EndsWith => haystack.ends_with(needle),
    }
}

/// The number of code points of valid UTF-8: the bytes that do not continue a sequence.
pub(crate) fn code_points(bytes: &[u8]) -> i64 {
    bytes.iter().filter(|b| (**b & 0xC0) != 0x80).count() as i64
}

/// `f(arg)` with the semantics of [`ScalarFunc::apply`]; null in, null out.
fn apply<'a>(f: ScalarFunc, arg: Scalar<'a>) -> Scalar<'a> {
    let Scalar::Str(s) = arg else {
        // Null, or a non-string (which the checker never passes to a string function).
        return Scalar::Null;
    };
    match f {
        ScalarFunc::ToLower if s.iter().any(u8::is_ascii_uppercase) => Scalar::Str(Cow::Owned(s.to_ascii_lowercase())),
        ScalarFunc::ToUpper if s.iter().any(u8::is_ascii_lowercase) => Scalar::Str(Cow::Owned(s.to_ascii_uppercase())),
        ScalarFunc::ToLower | ScalarFunc::ToUpper => Scalar::Str(s),
        ScalarFunc::Trim => {
            let start = s.iter().position(|b| *b != b' ').unwrap_or(s.len());
            let end = s.iter().rposition(|b| *b != b' ').map_or(start, |i| i + 1);
            Scalar::Str(match s {
                Cow::Borrowed(b) => Cow::Borrowed(&b[start..end]),
                Cow::Owned(b) => Cow::Owned(b[start..end].to_vec()),
            })
        }
        ScalarFunc::Length => Scalar::Int(code_points(&s)),
    }
}

/// A compiled operand.
#[derive(Debug, Clone)]
pub(crate) enum Expr {
    /// The column of this field index.
    Field(usize),
    Lit(Lit),
    Func(ScalarFunc, Box<Expr>),
    /// A [`CallFunc`] of its arguments (null in, null out).
    Call(CallFunc, Vec<Expr>),
}

/// `f(args)` with the semantics of [`CallFunc::apply`] (the reference); null in, null out.
/// Timestamps are their microseconds here, as in storage.
fn call<'a>(f: CallFunc, args: Vec<Scalar<'a>>) -> Scalar<'a> {
    if args.contains(&Scalar::Null) {
        return Scalar::Null;
    }
    let values: Vec<Value> = args
        .into_iter()
        .map(|a| match a {
            Scalar::Int(i)
                if matches!(
                    f,
                    CallFunc::Year
                        | CallFunc::Month
                        | CallFunc::Day
                        | CallFunc::Hour
                        | CallFunc::Minute
                        | CallFunc::Second
                ) =>
            {
                Value::Timestamp(roster_ast::Timestamp(i))
            }
            Scalar::Int(i) => Value::Int(i),
            Scalar::Str(s) => Value::Str(String::from_utf8_lossy(&s).into_owned()),
            _ => Value::Null,
        })
        .collect();
    match f.apply(&values) {
        Value::Int(i) => Scalar::Int(i),
        Value::Str(s) => Scalar::Str(Cow::Owned(s.into_bytes())),
        _ => Scalar::Null,
    }
}

impl Expr {
    /// Compiles `operand`; `ctx` is the enum type an enum literal belongs to, when known.
    pub(crate) fn new(operand: &Operand, ctx: Option<&EnumType>) -> Expr {
        match operand {
            Operand::Field(id) => Expr::Field(id.index()),
            Operand::Literal(v) => Expr::Lit(Lit::new(v, ctx)),
            Operand::Func(f, arg) => Expr::Func(*f, Box::new(Expr::new(arg, None))),
            Operand::Call(f, args) => Expr::Call(*f, args.iter().map(|a| Expr::new(a, None)).collect()),
        }
    }

    /// The value for row `row` of `t`.
    pub(crate) fn eval<'a>(&'a self, t: &'a Table, row: usize) -> Scalar<'a> {
        match self {
            Expr::Field(col) => field_scalar(t, *col, row),
            Expr::Lit(lit) => lit.scalar(),
            Expr::Func(f, arg) => apply(*f, arg.eval(t, row)),
            Expr::Call(f, args) => call(*f, args.iter().map(|a| a.eval(t, row)).collect()),
        }
    }

    /// The value when the expression does not depend on a row.
    pub(crate) fn constant(&self) -> Option<Scalar<'_>> {
        match self {
            Expr::Field(_) => None,
            Expr::Lit(lit) => Some(lit.scalar()),
            Expr::Func(f, arg) => arg.constant().map(|a| apply(*f, a)),
            Expr::Call(f, args) => args.iter().map(Expr::constant).collect::<Option<Vec<_>>>().map(|a| call(*f, a)),
        }
    }
}

/// The value of a field in one row; an enum is its text.
fn field_scalar(t: &Table, col: usize, row: usize) -> Scalar<'_> {
    let column = t.column(col);
    if !column.is_valid(row) {
        return Scalar::Null;
    }
    match &column.data {
        Data::Bool(v) => Scalar::Bool(v[row]),
        Data::Int(v) | Data::Timestamp(v) => Scalar::Int(v[row]),
        Data::Uuid(v) => Scalar::Uuid(v[row]),
        Data::Str(s) => Scalar::Str(Cow::Borrowed(s.bytes(row))),
        Data::Enum(v) => match &t.schema().fields[col].ty {
            FieldType::Enum(e) => match e.values.get(usize::from(v[row])) {
                Some(text) => Scalar::Str(Cow::Borrowed(text.as_bytes())),
                None => Scalar::Code(v[row]),
            },
            _ => Scalar::Code(v[row]),
        },
    }
}

/// The enum type of `operand` when it is an enum field.
pub(crate) fn enum_type<'s>(schema: &'s Schema, operand: &Operand) -> Option<&'s EnumType> {
    match operand {
        Operand::Field(id) => match &schema.get(*id).ty {
            FieldType::Enum(e) => Some(e),
            _ => None,
        },
        _ => None,
    }
}

/// A leaf predicate on the general path.
#[derive(Debug, Clone)]
pub(crate) enum General {
    Cmp { op: CmpOp, lhs: Expr, rhs: Expr },
    IsNull { operand: Expr, negated: bool },
    In { operand: Expr, values: Vec<Lit> },
    StrTest { op: StrOp, haystack: Expr, needle: Expr },
}

impl General {
    /// The three-valued result for row `row` (`None` is null).
    pub(crate) fn eval(&self, t: &Table, row: usize) -> Option<bool> {
        self.eval_with(|e| e.eval(t, row))
    }

    /// The result when no operand depends on the row.
    pub(crate) fn constant(&self) -> Option<Option<bool>> {
        let mut is_constant = true;
        let value = self.eval_with(|e| {
            e.constant().unwrap_or_else(|| {
                is_constant = false;
                Scalar::Null
            })
        });
        is_constant.then_some(value)
    }

    fn eval_with<'a>(&'a self, mut value: impl FnMut(&'a Expr) -> Scalar<'a>) -> Option<bool> {
        match self {
            General::Cmp { op, lhs, rhs } => Some(compare(*op, &value(lhs), &value(rhs))),
            General::IsNull { operand, negated } => Some((value(operand) == Scalar::Null) != *negated),
            General::In { operand, values } => {
                let v = value(operand);
                Some(v != Scalar::Null && values.iter().any(|lit| compare(CmpOp::Eq, &v, &lit.scalar())))
            }
            General::StrTest { op, haystack, needle } => match (value(haystack), value(needle)) {
                (Scalar::Null, _) | (_, Scalar::Null) => None,
                (Scalar::Str(h), Scalar::Str(n)) => Some(str_test(*op, &h, &n)),
                _ => Some(false),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str) -> Scalar<'_> {
        Scalar::Str(Cow::Borrowed(text.as_bytes()))
    }

    #[test]
    fn functions_match_scalar_func_apply() {
        for text in ["", "  ", " ÉCOLE Ab ", "zoë", "\ta b\t", "MiXeD-123", "  x"] {
            for f in [ScalarFunc::ToLower, ScalarFunc::ToUpper, ScalarFunc::Trim, ScalarFunc::Length] {
                let want = match f.apply(text) {
                    Value::Str(v) => Scalar::Str(Cow::Owned(v.into_bytes())),
                    Value::Int(i) => Scalar::Int(i),
                    v => panic!("{v:?}"),
                };
                assert_eq!(apply(f, s(text)), want, "{f:?}({text:?})");
            }
            assert_eq!(apply(ScalarFunc::Length, Scalar::Null), Scalar::Null);
        }
    }

    #[test]
    fn two_valued_comparisons_on_null() {
        let x = Scalar::Int(1);
        for op in CmpOp::ALL {
            assert_eq!(compare(op, &Scalar::Null, &Scalar::Null), op == CmpOp::Eq, "{op:?} null null");
            assert_eq!(compare(op, &Scalar::Null, &x), op == CmpOp::Ne, "{op:?} null 1");
            assert_eq!(compare(op, &x, &Scalar::Null), op == CmpOp::Ne, "{op:?} 1 null");
        }
        assert!(compare(CmpOp::Lt, &s("Z"), &s("a")));
        assert!(compare(CmpOp::Lt, &s("z"), &s("é")), "byte order is code point order");
    }

    #[test]
    fn substring_tests() {
        assert!(str_test(StrOp::Contains, b"abc", b""));
        assert!(str_test(StrOp::StartsWith, b"", b""));
        assert!(!str_test(StrOp::Contains, b"abc", b"B"));
        assert!(str_test(StrOp::EndsWith, b"a%c", b"%c"));
    }
}
