//! Lowering of keyword search and of array quantifiers into the typed IR, so that backends
//! never see either: a keyword search becomes `and`/`or` of case-insensitive substring tests
//! ([`Pred::StrTest`] on `tolower(field)`, [`Pred::AnyElement`] with `fold_case` on arrays);
//! `tags/any(t: t eq 'x')` and its substring forms become [`Pred::AnyElement`].
//!
//! Keyword search is two-valued: a keyword matches a record when it occurs, ignoring ASCII
//! case, in some searched field; a null field does not match (it never makes the result
//! null). `scope` `all` needs every keyword to match, `any` one. No keywords select
//! everything. A keyword holding U+0000 or U+001F, which stored strings never hold, matches
//! nothing.

use roster_ast::{CmpOp, Expr, ExprKind, Func, Literal, Path, Quantifier, SearchScope, Span};
use roster_schema::{ARRAY_SEPARATOR, FieldId, FieldType};

use super::{Checker, Val, describe, junction, literal_type_name};
use crate::error::CheckErrorKind;
use crate::typed::{ElemOp, ElemTest, Operand, Pred, ScalarFunc, StrOp};

impl Checker<'_> {
    /// `ExprKind::Search`.
    pub(super) fn search(
        &mut self,
        keywords: &[String],
        scope: SearchScope,
        fields: Option<&[Path]>,
        span: Span,
    ) -> Option<Pred> {
        let ids: Vec<FieldId> = match fields {
            None => self.schema.ids().filter(|id| self.schema.get(*id).searchable).collect(),
            Some(paths) => {
                let mut ids = Vec::new();
                for p in paths {
                    let id = self.field(p, "filtered on")?;
                    if !matches!(self.schema.get(id).ty, FieldType::String | FieldType::StringArray) {
                        self.err(
                            p.span,
                            CheckErrorKind::OperatorNotApplicable {
                                op: "keyword search".into(),
                                operand: format!("field `{}` ({})", p.joined("/"), self.schema.get(id).ty.name()),
                                allowed: "string or string-array fields",
                            },
                        );
                        return None;
                    }
                    ids.push(id);
                }
                ids
            }
        };
        if ids.is_empty() {
            self.err(span, CheckErrorKind::Unsupported { construct: "a keyword search (no searchable fields)".into() });
            return None;
        }
        let per_keyword: Vec<Pred> = keywords
            .iter()
            .map(|k| {
                if k.contains(['\0', ARRAY_SEPARATOR]) {
                    return Pred::Const(false);
                }
                let needle = k.to_ascii_lowercase();
                let tests = ids.iter().map(|&id| self.keyword_in(id, &needle)).collect();
                junction(false, tests)
            })
            .collect();
        Some(junction(scope == SearchScope::All, per_keyword))
    }

    /// `needle` (lower-case) occurs in field `id`, ignoring ASCII case; false when null.
    fn keyword_in(&self, id: FieldId, needle: &str) -> Pred {
        let field = self.schema.get(id);
        if field.ty == FieldType::StringArray {
            let test = ElemTest { op: ElemOp::Contains, value: needle.to_owned(), fold_case: true };
            return Pred::AnyElement { field: id, test };
        }
        let test = Pred::StrTest {
            op: StrOp::Contains,
            haystack: Operand::Func(ScalarFunc::ToLower, Box::new(Operand::Field(id))),
            needle: Operand::Literal(roster_schema::Value::Str(needle.to_owned())),
        };
        if field.nullable {
            // `not null and null` is false: a null field does not match.
            Pred::And(vec![Pred::IsNull { operand: Operand::Field(id), negated: true }, test])
        } else {
            test
        }
    }

    /// `ExprKind::Quantified` over a string-array field.
    pub(super) fn quantified(
        &mut self,
        quantifier: Quantifier,
        path: &Path,
        var: &str,
        predicate: &Expr,
        _span: Span,
        depth: usize,
    ) -> Option<Pred> {
        let id = self.field(path, "filtered on")?;
        if self.schema.get(id).ty != FieldType::StringArray {
            self.err(
                path.span,
                CheckErrorKind::OperatorNotApplicable {
                    op: "any".into(),
                    operand: format!("field `{}` ({})", path.joined("/"), self.schema.get(id).ty.name()),
                    allowed: "a comparison of the field itself",
                },
            );
            return None;
        }
        let is_var = |e: &Expr| matches!(&e.kind, ExprKind::Path { path } if path.segments == [var]);
        let lowered_var = |e: &Expr| match &e.kind {
            ExprKind::Call { func: Func::ToLower, args } => args.len() == 1 && is_var(&args[0]),
            _ => false,
        };
        let (op, fold_case, value_expr) = match &predicate.kind {
            ExprKind::Compare { op: CmpOp::Eq, lhs, rhs } if is_var(lhs) => (ElemOp::Eq, false, &**rhs),
            ExprKind::Compare { op: CmpOp::Eq, lhs, rhs } if is_var(rhs) => (ElemOp::Eq, false, &**lhs),
            ExprKind::Compare { op: CmpOp::Eq, lhs, rhs } if lowered_var(lhs) => (ElemOp::Eq, true, &**rhs),
            ExprKind::Call { func: f @ (Func::Contains | Func::StartsWith | Func::EndsWith), args }
                if args.len() == 2 && (is_var(&args[0]) || lowered_var(&args[0])) =>
            {
                let op = match f {
                    Func::Contains => ElemOp::Contains,
                    Func::StartsWith => ElemOp::StartsWith,
                    _ => ElemOp::EndsWith,
                };
                (op, lowered_var(&args[0]), &args[1])
            }
            _ => {
                self.err(
                    predicate.span,
                    CheckErrorKind::Unsupported {
                        construct: format!(
                            "this condition on an element (use `{var} eq 'text'` or contains/startswith/endswith of `{var}` or `tolower({var})` with a quoted string)"
                        ),
                    },
                );
                return None;
            }
        };
        let value = match self.value(value_expr, depth + 1)? {
            Val::Lit(Literal::String(s)) => s,
            other => {
                let found = match &other {
                    Val::Lit(l) => literal_type_name(l).to_owned(),
                    Val::Typed(..) => describe(value_expr),
                };
                self.err(
                    value_expr.span,
                    CheckErrorKind::TypeMismatch {
                        expected: "a quoted string to test array elements against".into(),
                        found,
                    },
                );
                return None;
            }
        };
        let test = ElemTest { op, value, fold_case };
        if quantifier == Quantifier::All {
            return Some(Pred::AllElements { field: id, test });
        }
        if test.value.contains(['\0', ARRAY_SEPARATOR])
            || (test.fold_case && test.value.bytes().any(|b| b.is_ascii_uppercase()))
        {
            // No stored element holds these characters, and a lower-cased element holds no
            // upper-case letter.
            return Some(Pred::Const(false));
        }
        Some(Pred::AnyElement { field: id, test })
    }

    /// The error for an array field used as a plain value.
    pub(super) fn array_as_value(&mut self, path: &Path) {
        let name = path.joined("/");
        self.err(
            path.span,
            CheckErrorKind::TypeMismatch {
                expected: format!(
                    "a single value; an array field is tested element by element (`{name}/any(e: e eq 'text')`)"
                ),
                found: format!("the array field `{name}`"),
            },
        );
    }
}
