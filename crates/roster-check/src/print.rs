//! Prints a typed query back in canonical OData syntax, after resolution and coercion: what
//! `roster check` shows. Literals appear in their typed form (`createdAt gt
//! '2020-09-21T14:19:09.769747'` prints as `createdAt gt 2020-09-21T14:19:09.769747Z`), the
//! primary-key tie-breaker is visible in the sort, and folded constants are gone.

use std::fmt::Write;

use roster_ast::{Direction, Literal};
use roster_schema::{FieldType, Schema, Value};

use crate::typed::{CallFunc, ElemOp, Operand, Pred, ScalarFunc, StrOp, TypedQuery};

/// The filter of a typed query in OData syntax.
pub fn filter_to_odata(schema: &Schema, pred: &Pred) -> String {
    let mut out = String::new();
    pred_into(schema, pred, &mut out, 0);
    out
}

/// The sort of a typed query in OData `$orderby` syntax.
pub fn sort_to_odata(schema: &Schema, q: &TypedQuery) -> String {
    q.sort
        .iter()
        .map(|k| {
            let name = &schema.get(k.field).name;
            match k.direction {
                Direction::Asc => format!("{name} asc"),
                Direction::Desc => format!("{name} desc"),
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn value_into(schema: &Schema, op: &Operand, v: &Value, out: &mut String) {
    let lit = match v {
        Value::Null => Literal::Null,
        Value::Bool(b) => Literal::Bool(*b),
        Value::Int(i) => Literal::Int(*i),
        Value::Str(s) => Literal::String(s.clone()),
        Value::Uuid(u) => Literal::Guid(*u),
        Value::Timestamp(t) => Literal::DateTime(*t),
        // Array literals never occur in typed queries; shown as their elements, for debugging.
        Value::StrArray(items) => Literal::String(items.join(", ")),
        Value::Enum(i) => {
            let text = match op {
                Operand::Field(id) => match &schema.get(*id).ty {
                    FieldType::Enum(e) => e.values.get(usize::from(*i)).cloned(),
                    _ => None,
                },
                _ => None,
            };
            Literal::String(text.unwrap_or_default())
        }
    };
    let _ = write!(out, "{lit}");
}

fn operand_into(schema: &Schema, op: &Operand, context: &Operand, out: &mut String) {
    match op {
        Operand::Field(id) => out.push_str(&schema.get(*id).name),
        Operand::Literal(v) => value_into(schema, context, v, out),
        Operand::Func(f, arg) => {
            out.push_str(match f {
                ScalarFunc::ToLower => "tolower(",
                ScalarFunc::ToUpper => "toupper(",
                ScalarFunc::Trim => "trim(",
                ScalarFunc::Length => "length(",
            });
            operand_into(schema, arg, arg, out);
            out.push(')');
        }
        Operand::Call(CallFunc::Neg, args) => {
            out.push_str("-(");
            args.iter().for_each(|a| operand_into(schema, a, a, out));
            out.push(')');
        }
        Operand::Call(f @ (CallFunc::Add | CallFunc::Sub | CallFunc::Mul | CallFunc::Div | CallFunc::Mod), args) => {
            // Always parenthesised: no precedence to get wrong.
            out.push('(');
            for (i, a) in args.iter().enumerate() {
                if i > 0 {
                    let _ = write!(out, " {} ", f.name());
                }
                operand_into(schema, a, a, out);
            }
            out.push(')');
        }
        Operand::Call(f, args) => {
            let _ = write!(out, "{}(", f.name());
            for (i, a) in args.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                operand_into(schema, a, a, out);
            }
            out.push(')');
        }
    }
}

/// Precedence levels: 0 or, 1 and, 2 comparison / atom.
fn level(p: &Pred) -> u8 {
    match p {
        Pred::Or(_) => 0,
        Pred::And(_) => 1,
        _ => 2,
    }
}

fn pred_into(schema: &Schema, p: &Pred, out: &mut String, parent: u8) {
    let wrap = level(p) < parent;
    if wrap {
        out.push('(');
    }
    match p {
        Pred::Const(b) => out.push_str(if *b { "true" } else { "false" }),
        Pred::And(ps) | Pred::Or(ps) => {
            let (word, me) = if matches!(p, Pred::And(_)) { (" and ", 1) } else { (" or ", 0) };
            for (i, c) in ps.iter().enumerate() {
                if i > 0 {
                    out.push_str(word);
                }
                pred_into(schema, c, out, me + 1);
            }
        }
        Pred::Not(inner) => {
            out.push_str("not ");
            let needs = !matches!(
                **inner,
                Pred::Const(_)
                    | Pred::StrTest { .. }
                    | Pred::Not(_)
                    | Pred::AnyElement { .. }
                    | Pred::AllElements { .. }
            );
            if needs {
                out.push('(');
            }
            pred_into(schema, inner, out, 0);
            if needs {
                out.push(')');
            }
        }
        Pred::Cmp { op, lhs, rhs } => {
            operand_into(schema, lhs, rhs, out);
            let _ = write!(out, " {} ", op.keyword());
            operand_into(schema, rhs, lhs, out);
        }
        Pred::IsNull { operand, negated } => {
            operand_into(schema, operand, operand, out);
            out.push_str(if *negated { " ne null" } else { " eq null" });
        }
        Pred::In { operand, values } => {
            operand_into(schema, operand, operand, out);
            out.push_str(" in (");
            for (i, v) in values.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                value_into(schema, operand, v, out);
            }
            out.push(')');
        }
        Pred::StrTest { op, haystack, needle } => {
            out.push_str(match op {
                StrOp::Contains => "contains(",
                StrOp::StartsWith => "startswith(",
                StrOp::EndsWith => "endswith(",
            });
            operand_into(schema, haystack, haystack, out);
            out.push_str(", ");
            operand_into(schema, needle, needle, out);
            out.push(')');
        }
        Pred::AnyElement { field, test } | Pred::AllElements { field, test } => {
            let q = if matches!(p, Pred::AnyElement { .. }) { "any" } else { "all" };
            let var = if test.fold_case { "tolower(e)" } else { "e" };
            let value = Literal::String(test.value.clone());
            let name = &schema.get(*field).name;
            let _ = match test.op {
                ElemOp::Eq => write!(out, "{name}/{q}(e: {var} eq {value})"),
                ElemOp::Contains => write!(out, "{name}/{q}(e: contains({var}, {value}))"),
                ElemOp::StartsWith => write!(out, "{name}/{q}(e: startswith({var}, {value}))"),
                ElemOp::EndsWith => write!(out, "{name}/{q}(e: endswith({var}, {value}))"),
            };
        }
    }
    if wrap {
        out.push(')');
    }
}
