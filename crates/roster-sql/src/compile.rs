//! The compiler: a [`TypedQuery`] to a sea-query `SELECT`.
//!
//! Each [`Pred`] becomes a SQL condition that has the truth value the null-rule table of
//! [`roster_check::typed`] prescribes, using SQL's own three-valued logic:
//!
//! - `Cmp` is two-valued: plain `a op b` when neither operand can be null (so comparisons on
//!   indexed columns stay sargable); otherwise `IS [NOT] NULL` guards turn SQL's NULL into
//!   the rule's answer (`NULL AND FALSE` is `FALSE`, `NULL OR TRUE` is `TRUE`).
//! - `IsNull` is `IS [NOT] NULL`; `In` is `a IN (…)`, guarded like `eq`.
//! - `StrTest` and functions are three-valued, and SQL's functions already return NULL on a
//!   NULL argument, so they are left unguarded.
//! - `And`/`Or`/`Not` are SQL's (Kleene) `AND`/`OR`/`NOT`.
//!
//! Parts of the query that do not depend on a row (a comparison of two literals, a function of
//! a literal, `Const`) are evaluated here, in Rust, with the same rules, and folded through
//! `And`/`Or`/`Not` by Kleene logic; only a query that is constant as a whole keeps a
//! constant (`WHERE FALSE`, or no `WHERE` at all for true). Literals are always bound
//! parameters; identifiers come only from the schema.

use std::borrow::Cow;
use std::cmp::Ordering;

use roster_ast::{CmpOp, Direction};
use roster_check::{CallFunc, ElemOp, ElemTest, Operand, Pred, ScalarFunc, StrOp, TypedQuery, ValueType};
use roster_schema::{Field, FieldId, FieldType, Schema, Value};
use sea_query::{Asterisk, DynIden, Expr, ExprTrait, Func, NullOrdering, Order, Query, SelectStatement};

use crate::dialect::Dialect;
use crate::value::encode_value;
use crate::{Param, SqlError};

/// Compiles typed queries over one schema for one dialect.
pub(crate) struct Compiler<'a> {
    pub(crate) schema: &'a Schema,
    pub(crate) dialect: &'a dyn Dialect,
}

/// A compiled operand: a value known now, or a SQL expression of the row.
enum Opnd {
    Lit(Value),
    Sql { expr: Expr, nullable: bool, ty: ValueType },
}

/// A compiled predicate: a truth value known now (`None`: null), or a SQL condition.
enum Cond {
    Known(Option<bool>),
    Sql(Expr),
}

/// A 64-bit integer constant of the compiler itself (never input), written into the SQL.
fn constant(i: i64) -> Expr {
    Expr::Constant(sea_query::Value::BigInt(Some(i)))
}

/// A schema identifier (quoted and escaped by sea-query, as an `Alias` is), made with one
/// allocation where `Alias` makes two.
fn iden(name: &str) -> DynIden {
    DynIden::from(name.to_owned())
}

fn invalid(reason: impl Into<String>) -> SqlError {
    SqlError::InvalidQuery { reason: reason.into() }
}

impl Compiler<'_> {
    /// `SELECT <projection> FROM <table> [WHERE …] ORDER BY … [LIMIT …] [OFFSET …]`.
    pub(crate) fn select(&self, q: &TypedQuery) -> Result<SelectStatement, SqlError> {
        let mut stmt = Query::select();
        stmt.from(iden(&self.schema.name));
        if q.projection.is_empty() {
            stmt.expr(Expr::Constant(1i32.into()));
        }
        for id in &q.projection {
            stmt.column(iden(&self.field(*id)?.column));
        }
        self.filter_into(&mut stmt, &q.filter)?;
        for key in &q.sort {
            let field = self.field(key.field)?;
            let (order, nulls) = match key.direction {
                Direction::Asc => (Order::Asc, NullOrdering::First),
                Direction::Desc => (Order::Desc, NullOrdering::Last),
            };
            let column = iden(&field.column);
            if field.nullable && self.dialect.explicit_null_order() {
                stmt.order_by_with_nulls(column, order, nulls);
            } else {
                stmt.order_by(column, order);
            }
        }
        // OFFSET needs a LIMIT on SQLite and MySQL; i64::MAX rows is no limit. Values beyond
        // i64::MAX mean the same and would not bind as 64-bit integers.
        let clamp = |n: u64| Ord::min(n, i64::MAX as u64);
        match (q.limit, q.offset) {
            (Some(limit), offset) => {
                stmt.limit(clamp(limit));
                if offset > 0 {
                    stmt.offset(clamp(offset));
                }
            }
            (None, 0) => {}
            (None, offset) => {
                stmt.limit(clamp(u64::MAX));
                stmt.offset(clamp(offset));
            }
        }
        Ok(stmt)
    }

    /// `SELECT COUNT(*) FROM <table> [WHERE …]`: the number of matches, ignoring sort and page.
    pub(crate) fn count(&self, q: &TypedQuery) -> Result<SelectStatement, SqlError> {
        let mut stmt = Query::select();
        stmt.from(iden(&self.schema.name)).expr(Func::count(Expr::col(Asterisk)));
        self.filter_into(&mut stmt, &q.filter)?;
        Ok(stmt)
    }

    fn filter_into(&self, stmt: &mut SelectStatement, filter: &Pred) -> Result<(), SqlError> {
        match self.pred(filter)? {
            Cond::Known(Some(true)) => {}
            // A row is selected only when the filter is true.
            Cond::Known(_) => {
                stmt.and_where(Expr::Constant(false.into()));
            }
            Cond::Sql(e) => {
                stmt.and_where(e);
            }
        }
        Ok(())
    }

    pub(crate) fn field(&self, id: FieldId) -> Result<&Field, SqlError> {
        self.schema
            .fields
            .get(id.index())
            .ok_or_else(|| invalid(format!("field #{} does not exist in schema `{}`", id.0, self.schema.name)))
    }

    fn pred(&self, p: &Pred) -> Result<Cond, SqlError> {
        Ok(match p {
            Pred::Const(b) => Cond::Known(Some(*b)),
            Pred::And(ps) => self.junction(ps, false)?,
            Pred::Or(ps) => self.junction(ps, true)?,
            Pred::Not(p) => match self.pred(p)? {
                Cond::Known(b) => Cond::Known(b.map(|b| !b)),
                Cond::Sql(e) => Cond::Sql(e.not()),
            },
            Pred::Cmp { op, lhs, rhs } => self.cmp(*op, lhs, rhs)?,
            Pred::IsNull { operand, negated } => match self.operand(operand)? {
                Opnd::Lit(v) => Cond::Known(Some(matches!(v, Value::Null) != *negated)),
                Opnd::Sql { expr, .. } => Cond::Sql(if *negated { expr.is_not_null() } else { expr.is_null() }),
            },
            Pred::In { operand, values } => self.is_in(operand, values)?,
            Pred::StrTest { op, haystack, needle } => self.str_test(*op, haystack, needle)?,
            Pred::AnyElement { field, test } => self.any_element(*field, test)?,
            Pred::AllElements { field, test } => self.all_elements(*field, test)?,
        })
    }

    /// Kleene `AND` (`or == false`) or `OR` of `ps`, folding known operands: the absorbing
    /// value (false for AND, true for OR) decides; the neutral one drops out; a known null
    /// stays, as SQL `NULL`, unless nothing else is left.
    fn junction(&self, ps: &[Pred], or: bool) -> Result<Cond, SqlError> {
        let mut exprs = Vec::with_capacity(ps.len());
        let mut unknown = false;
        for p in ps {
            match self.pred(p)? {
                Cond::Known(Some(b)) if b == or => return Ok(Cond::Known(Some(or))),
                Cond::Known(Some(_)) => {}
                Cond::Known(None) => unknown = true,
                Cond::Sql(e) => exprs.push(e),
            }
        }
        if exprs.is_empty() {
            return Ok(Cond::Known(if unknown { None } else { Some(!or) }));
        }
        if unknown {
            exprs.push(Expr::Constant(sea_query::Value::Bool(None)));
        }
        let mut it = exprs.into_iter();
        let first = it.next().ok_or_else(|| invalid("empty junction"))?;
        Ok(Cond::Sql(it.fold(first, |acc, e| if or { acc.or(e) } else { acc.and(e) })))
    }

    fn operand(&self, o: &Operand) -> Result<Opnd, SqlError> {
        Ok(match o {
            Operand::Literal(v) => Opnd::Lit(v.clone()),
            Operand::Field(id) => {
                let field = self.field(*id)?;
                let ty = roster_check::value_type_of(*id, &field.ty);
                Opnd::Sql { expr: Expr::col(iden(&field.column)), nullable: field.nullable, ty }
            }
            Operand::Func(f, arg) => match self.operand(arg)? {
                Opnd::Lit(Value::Null) => Opnd::Lit(Value::Null),
                Opnd::Lit(Value::Str(s)) => Opnd::Lit(f.apply(&s)),
                Opnd::Lit(v) => return Err(invalid(format!("{f:?} applied to the non-string literal {v:?}"))),
                Opnd::Sql { expr, nullable, ty: ValueType::String } => {
                    let (expr, ty) = match f {
                        ScalarFunc::ToLower => (self.dialect.to_lower(expr), ValueType::String),
                        ScalarFunc::ToUpper => (self.dialect.to_upper(expr), ValueType::String),
                        ScalarFunc::Trim => (Func::cust("TRIM").arg(expr).into(), ValueType::String),
                        ScalarFunc::Length => (self.dialect.char_length(expr), ValueType::Int),
                    };
                    Opnd::Sql { expr, nullable, ty }
                }
                Opnd::Sql { ty, .. } => return Err(invalid(format!("{f:?} applied to a {} operand", ty.name()))),
            },
            Operand::Call(f, args) => self.call(*f, args)?,
        })
    }

    /// `f(args…)`: folded when every argument is known, else SQL in which a literal argument
    /// is a bound parameter. Null propagates through SQL's operators and functions; `div` and
    /// `mod` divide by `NULLIF(b, 0)`, so that division by zero is null as in Rust.
    fn call(&self, f: CallFunc, args: &[Operand]) -> Result<Opnd, SqlError> {
        let compiled = args.iter().map(|a| self.operand(a)).collect::<Result<Vec<_>, _>>()?;
        if compiled.iter().all(|o| matches!(o, Opnd::Lit(_))) {
            let values: Vec<Value> = compiled
                .into_iter()
                .filter_map(|o| match o {
                    Opnd::Lit(v) => Some(v),
                    Opnd::Sql { .. } => None,
                })
                .collect();
            return Ok(Opnd::Lit(if values.contains(&Value::Null) { Value::Null } else { f.apply(&values) }));
        }
        let mut nullable = false;
        let mut exprs = Vec::with_capacity(compiled.len());
        for o in compiled {
            exprs.push(match o {
                Opnd::Lit(Value::Null) => {
                    nullable = true;
                    Expr::val(sea_query::Value::BigInt(None))
                }
                Opnd::Lit(Value::Int(i)) => self.dialect.int_param(i),
                Opnd::Lit(Value::Str(s)) => Expr::val(s),
                Opnd::Lit(Value::Timestamp(t)) => self.dialect.int_param(t.0),
                Opnd::Lit(v) => return Err(invalid(format!("`{}` of the literal {v:?}", f.name()))),
                Opnd::Sql { expr, nullable: n, .. } => {
                    nullable |= n;
                    expr
                }
            });
        }
        let arg =
            |i: usize| exprs.get(i).cloned().ok_or_else(|| invalid(format!("`{}` without argument {i}", f.name())));
        let d = self.dialect;
        let expr = match f {
            CallFunc::Year | CallFunc::Month | CallFunc::Day | CallFunc::Hour | CallFunc::Minute | CallFunc::Second => {
                // Whole seconds by floor division (timestamps before 1970 are negative).
                let micros = arg(0)?;
                let million = || constant(1_000_000);
                let floor_mod = micros.clone().modulo(million()).add(million()).modulo(million());
                let secs = d.int_div(micros.sub(floor_mod), million());
                d.date_part(f, secs)
            }
            CallFunc::Concat => d.concat(arg(0)?, arg(1)?),
            CallFunc::IndexOf => d.index_of(arg(0)?, arg(1)?).sub(constant(1)),
            CallFunc::Substring => {
                // 32-bit positions (SQL's `substr` takes `integer`); past any real string a
                // larger value means the same.
                let int32 = |i: i64| d.int_param(Ord::min(i, i64::from(i32::MAX)));
                let start = match args.get(1) {
                    Some(Operand::Literal(Value::Int(i))) => int32(i.saturating_add(1)),
                    _ => return Err(invalid("substring without a literal start")),
                };
                let len = match args.get(2) {
                    Some(Operand::Literal(Value::Int(n))) => Some(int32(*n)),
                    Some(_) => return Err(invalid("substring without a literal length")),
                    None => None,
                };
                d.substring(arg(0)?, start, len)
            }
            CallFunc::Add => arg(0)?.add(arg(1)?),
            CallFunc::Sub => arg(0)?.sub(arg(1)?),
            CallFunc::Mul => arg(0)?.mul(arg(1)?),
            CallFunc::Div | CallFunc::Mod => {
                // A literal divisor other than 0 needs no NULLIF (and makes no null).
                let divisor = match args.get(1) {
                    Some(Operand::Literal(Value::Int(k))) if *k != 0 => arg(1)?,
                    _ => {
                        nullable = true;
                        Func::cust("NULLIF").args([arg(1)?, constant(0)]).into()
                    }
                };
                if f == CallFunc::Div { d.int_div(arg(0)?, divisor) } else { arg(0)?.modulo(divisor) }
            }
            CallFunc::Neg => constant(0).sub(arg(0)?),
        };
        let ty = if f.returns_string() { ValueType::String } else { ValueType::Int };
        Ok(Opnd::Sql { expr, nullable, ty })
    }

    /// A literal as a bound parameter next to an operand of type `ty` (which gives an enum
    /// index its text).
    fn bind(&self, v: &Value, ty: ValueType) -> Result<Expr, SqlError> {
        Ok(match self.param(v, ty)? {
            Param::Null => Expr::val(sea_query::Value::String(None)),
            Param::Bool(b) => Expr::val(b),
            Param::Int(i) => Expr::val(i),
            Param::Text(s) => Expr::val(s),
        })
    }

    /// A literal's parameter next to an operand of type `ty`.
    pub(crate) fn param(&self, v: &Value, ty: ValueType) -> Result<Param, SqlError> {
        let field_type = match ty {
            ValueType::Enum(id) => Cow::Borrowed(&self.field(id)?.ty),
            ValueType::String => Cow::Owned(FieldType::String),
            ValueType::Timestamp => Cow::Owned(FieldType::Timestamp),
            ValueType::Bool => Cow::Owned(FieldType::Bool),
            ValueType::Int => Cow::Owned(FieldType::Int),
            ValueType::Uuid => Cow::Owned(FieldType::Uuid),
        };
        encode_value(&field_type, v).map_err(invalid)
    }

    fn cmp(&self, op: CmpOp, lhs: &Operand, rhs: &Operand) -> Result<Cond, SqlError> {
        let (l, r) = (self.operand(lhs)?, self.operand(rhs)?);
        // Put the row-dependent side first: `lit op x` is `x op' lit`.
        let (op, l, r) = match (l, r) {
            (l @ Opnd::Lit(_), r @ Opnd::Sql { .. }) => (op.flipped(), r, l),
            pair => (op, pair.0, pair.1),
        };
        Ok(match (l, r) {
            (Opnd::Lit(a), Opnd::Lit(b)) => Cond::Known(Some(eval_cmp(op, &a, &b)?)),
            // Null literals break the checker's invariants, but have a meaning all the same.
            (Opnd::Sql { expr, .. }, Opnd::Lit(Value::Null)) => match op {
                CmpOp::Eq => Cond::Sql(expr.is_null()),
                CmpOp::Ne => Cond::Sql(expr.is_not_null()),
                _ => Cond::Known(Some(false)),
            },
            (Opnd::Sql { expr, nullable, ty }, Opnd::Lit(v)) => {
                let value = self.bind(&v, ty)?;
                Cond::Sql(two_valued(op, expr, nullable, value, false))
            }
            (Opnd::Sql { expr: a, nullable: na, ty: ta }, Opnd::Sql { expr: b, nullable: nb, ty: tb }) => {
                if ta != tb {
                    return Err(invalid(format!("comparison of a {} with a {}", ta.name(), tb.name())));
                }
                Cond::Sql(two_valued(op, a, na, b, nb))
            }
            (Opnd::Lit(_), Opnd::Sql { .. }) => return Err(invalid("unordered comparison")),
        })
    }

    fn is_in(&self, operand: &Operand, values: &[Value]) -> Result<Cond, SqlError> {
        Ok(match self.operand(operand)? {
            Opnd::Lit(Value::Null) => Cond::Known(Some(false)),
            Opnd::Lit(v) => {
                let mut found = false;
                for c in values {
                    found |= !matches!(c, Value::Null) && eval_cmp(CmpOp::Eq, &v, c)?;
                }
                Cond::Known(Some(found))
            }
            Opnd::Sql { expr, nullable, ty } => {
                let binds = values
                    .iter()
                    .filter(|v| !matches!(v, Value::Null))
                    .map(|v| self.bind(v, ty))
                    .collect::<Result<Vec<_>, _>>()?;
                if binds.is_empty() {
                    return Ok(Cond::Known(Some(false)));
                }
                Cond::Sql(if nullable { expr.clone().is_in(binds).and(expr.is_not_null()) } else { expr.is_in(binds) })
            }
        })
    }

    /// Some element passes `test`: a substring test of the array's storage text (see
    /// [`ElemTest::storage_needle`]), on `lower(text)` when the test folds case. Two-valued,
    /// since array columns are `NOT NULL`.
    fn any_element(&self, field: FieldId, test: &ElemTest) -> Result<Cond, SqlError> {
        let f = self.field(field)?;
        if f.ty != FieldType::StringArray {
            return Err(invalid(format!("an element test on `{}`, which is not an array", f.name)));
        }
        let Some(needle) = test.storage_needle() else { return Ok(Cond::Known(Some(false))) };
        let column = Expr::col(iden(&f.column));
        let haystack = if test.fold_case { self.dialect.to_lower(column) } else { column };
        Ok(Cond::Sql(self.dialect.contains(haystack, Expr::val(needle))))
    }

    /// Every element passes: no element fails, tested element by element in a correlated
    /// subquery over the split storage text (the substring trick of `any_element` has no
    /// negated form).
    fn all_elements(&self, field: FieldId, test: &ElemTest) -> Result<Cond, SqlError> {
        let f = self.field(field)?;
        if f.ty != FieldType::StringArray {
            return Err(invalid(format!("an element test on `{}`, which is not an array", f.name)));
        }
        let e = self.dialect.element();
        let e = if test.fold_case { self.dialect.to_lower(e) } else { e };
        let v = Expr::val(test.value.clone());
        let passes = match test.op {
            ElemOp::Eq => e.eq(v),
            ElemOp::Contains => self.dialect.contains(e, v),
            ElemOp::StartsWith => self.dialect.starts_with(e, v),
            ElemOp::EndsWith => self.dialect.ends_with(e, v),
        };
        let column = Expr::col(iden(&f.column));
        self.dialect
            .every_element(column, passes)
            .map(Cond::Sql)
            .ok_or_else(|| invalid("`all` over an array is not supported on this backend"))
    }

    fn str_test(&self, op: StrOp, haystack: &Operand, needle: &Operand) -> Result<Cond, SqlError> {
        let (h, n) = (self.operand(haystack)?, self.operand(needle)?);
        let sql = |o: Opnd| -> Result<Option<Expr>, SqlError> {
            match o {
                Opnd::Lit(Value::Null) => Ok(None),
                Opnd::Lit(v) => self.bind(&v, ValueType::String).map(Some),
                Opnd::Sql { expr, ty: ValueType::String, .. } => Ok(Some(expr)),
                Opnd::Sql { ty, .. } => Err(invalid(format!("substring test on a {} operand", ty.name()))),
            }
        };
        Ok(match (h, n) {
            (Opnd::Lit(h), Opnd::Lit(n)) => Cond::Known(eval_str_test(op, &h, &n)?),
            (h, n) => match (sql(h)?, sql(n)?) {
                (Some(h), Some(n)) => Cond::Sql(match op {
                    StrOp::Contains => self.dialect.contains(h, n),
                    StrOp::StartsWith => self.dialect.starts_with(h, n),
                    StrOp::EndsWith => self.dialect.ends_with(h, n),
                }),
                _ => Cond::Known(None),
            },
        })
    }
}

/// `a op b` with guards so that the result is never NULL and follows the two-valued rules:
/// `eq` is true iff both are null or both equal, `ne` is its negation, orderings are false
/// on null. `na`/`nb` say whether each side can be null.
fn two_valued(op: CmpOp, a: Expr, na: bool, b: Expr, nb: bool) -> Expr {
    // The sides are cloned only when a guard needs them again.
    let plain = |a: Expr, b: Expr| match op {
        CmpOp::Eq => a.eq(b),
        CmpOp::Ne => a.ne(b),
        CmpOp::Gt => a.gt(b),
        CmpOp::Ge => a.gte(b),
        CmpOp::Lt => a.lt(b),
        CmpOp::Le => a.lte(b),
    };
    match op {
        // (a = b AND a IS NOT NULL AND b IS NOT NULL) OR (a IS NULL AND b IS NULL)
        CmpOp::Eq if na && nb => {
            let both_null = a.clone().is_null().and(b.clone().is_null());
            plain(a.clone(), b.clone()).and(a.is_not_null()).and(b.is_not_null()).or(both_null)
        }
        // (a <> b OR a IS NULL OR b IS NULL) AND (a IS NOT NULL OR b IS NOT NULL)
        CmpOp::Ne if na && nb => {
            let not_both_null = a.clone().is_not_null().or(b.clone().is_not_null());
            plain(a.clone(), b.clone()).or(a.is_null()).or(b.is_null()).and(not_both_null)
        }
        // a <> b [OR a IS NULL] [OR b IS NULL]: true when exactly one side is null.
        CmpOp::Ne => match (na, nb) {
            (false, false) => plain(a, b),
            (true, false) => plain(a.clone(), b).or(a.is_null()),
            (false, true) => plain(a, b.clone()).or(b.is_null()),
            (true, true) => plain(a.clone(), b.clone()).or(a.is_null()).or(b.is_null()),
        },
        // a op b [AND a IS NOT NULL] [AND b IS NOT NULL]: NULL AND FALSE is FALSE.
        _ => match (na, nb) {
            (false, false) => plain(a, b),
            (true, false) => plain(a.clone(), b).and(a.is_not_null()),
            (false, true) => plain(a, b.clone()).and(b.is_not_null()),
            (true, true) => plain(a.clone(), b.clone()).and(a.is_not_null()).and(b.is_not_null()),
        },
    }
}

/// The order of two non-null values of the same type, as every backend orders them.
fn order(a: &Value, b: &Value) -> Result<Ordering, SqlError> {
    Ok(match (a, b) {
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::Int(x), Value::Int(y)) => x.cmp(y),
        // Byte order of UTF-8 = code-point order.
        (Value::Str(x), Value::Str(y)) => x.as_bytes().cmp(y.as_bytes()),
        (Value::Uuid(x), Value::Uuid(y)) => x.cmp(y),
        (Value::Timestamp(x), Value::Timestamp(y)) => x.cmp(y),
        // Two literals of one enum field: only equality is meaningful.
        (Value::Enum(x), Value::Enum(y)) => x.cmp(y),
        _ => return Err(invalid(format!("comparison of {a:?} with {b:?}"))),
    })
}

/// A two-valued comparison of two known values.
pub(crate) fn eval_cmp(op: CmpOp, a: &Value, b: &Value) -> Result<bool, SqlError> {
    let (an, bn) = (matches!(a, Value::Null), matches!(b, Value::Null));
    if an || bn {
        return Ok(match op {
            CmpOp::Eq => an && bn,
            CmpOp::Ne => an != bn,
            _ => false,
        });
    }
    let ord = order(a, b)?;
    Ok(match op {
        CmpOp::Eq => ord.is_eq(),
        CmpOp::Ne => ord.is_ne(),
        CmpOp::Gt => ord.is_gt(),
        CmpOp::Ge => ord.is_ge(),
        CmpOp::Lt => ord.is_lt(),
        CmpOp::Le => ord.is_le(),
    })
}

/// A three-valued substring test of two known values.
pub(crate) fn eval_str_test(op: StrOp, h: &Value, n: &Value) -> Result<Option<bool>, SqlError> {
    Ok(match (h, n) {
        (Value::Null, _) | (_, Value::Null) => None,
        (Value::Str(h), Value::Str(n)) => Some(match op {
            StrOp::Contains => h.contains(n.as_str()),
            StrOp::StartsWith => h.starts_with(n.as_str()),
            StrOp::EndsWith => h.ends_with(n.as_str()),
        }),
        _ => return Err(invalid(format!("substring test on {h:?} and {n:?}"))),
    })
}
