//! Access scopes: what a caller may see, ANDed into a checked query so that no filter can
//! widen it.
//!
//! A [`TypedQuery`] selects a record only when its filter is *true*. [`restrict`] replaces
//! the filter `f` with `scope and f` (Kleene), which is true only where the scope is true, so
//! for every filter, sort and page the rows returned lie inside the scope — on every backend,
//! since the scope is part of the IR every backend runs (the workspace test `tests/scope.rs`
//! checks this for random filters in memory, on SQLite and on PostgreSQL). Apply the scope
//! after checking the user's query and before compiling it; nothing after `restrict` can
//! remove it, and counts (`roster_sql::count`, `Plan::count`) are scoped too.
//!
//! ```
//! use roster_ast::{CmpOp, Query};
//! use roster_check::{Operand, Pred, Scope, Value, check};
//! let schema = roster_schema::profiles::identity::schema();
//! let (status, _) = schema.field("userStatus").unwrap();
//! // The caller may only see users that are not DELETED (enum value 4).
//! let scope = Scope::from_pred(Pred::Cmp {
//!     op: CmpOp::Ne,
//!     lhs: Operand::Field(status),
//!     rhs: Operand::Literal(Value::Enum(4)),
//! });
//! let mut typed = check(&Query::default(), &schema).unwrap();
//! scope.apply(&mut typed);
//! assert_eq!(&typed.filter, scope.pred());
//! ```

use roster_ast::Expr;
use roster_schema::Schema;

use crate::check::{CheckOptions, check_filter_with};
use crate::error::CheckError;
use crate::typed::{Pred, TypedQuery};

/// A caller's access scope: a typed predicate that every returned record must satisfy.
#[derive(Debug, Clone, PartialEq)]
pub struct Scope {
    pred: Pred,
}

impl Scope {
    /// A scope from a typed predicate built by trusted code. It must keep the invariants of
    /// [`crate::typed`] (as the checker's output does); for a scope written as a filter, use
    /// [`Scope::from_filter`].
    pub fn from_pred(pred: Pred) -> Scope {
        Scope { pred }
    }

    /// A scope written as a filter (in any dialect's AST), checked against `schema` like a
    /// user's filter, with the default [`CheckOptions`].
    ///
    /// ```
    /// use roster_check::Scope;
    /// let schema = roster_schema::profiles::identity::schema();
    /// let filter = roster_ast::Expr::new(
    ///     roster_ast::ExprKind::Literal { value: roster_ast::Literal::Bool(false) },
    ///     roster_ast::Span::new(0, 5),
    /// );
    /// assert_eq!(Scope::from_filter(&filter, &schema).unwrap().pred(), &roster_check::Pred::Const(false));
    /// ```
    pub fn from_filter(filter: &Expr, schema: &Schema) -> Result<Scope, Vec<CheckError>> {
        check_filter_with(filter, schema, &CheckOptions::default()).map(Scope::from_pred)
    }

    /// The scope's predicate.
    pub fn pred(&self) -> &Pred {
        &self.pred
    }

    /// Restricts `query` to this scope (see [`restrict`]).
    pub fn apply(&self, query: &mut TypedQuery) {
        restrict(query, self.pred.clone());
    }
}

/// Replaces `query`'s filter `f` with `scope and f`, so that only records inside `scope` can
/// be selected, whatever `f` is. The result keeps the IR's invariants: `and`s are flattened
/// and constants folded (`true` is dropped; `false` absorbs, since `false and null` is
/// false). Sort, projection and page are unchanged, so paging happens within the scope.
///
/// ```
/// use roster_check::{Pred, TypedQuery, restrict};
/// let schema = roster_schema::profiles::identity::schema();
/// let mut q = roster_check::check(&roster_ast::Query::default(), &schema).unwrap();
/// restrict(&mut q, Pred::Const(false));
/// assert_eq!(q.filter, Pred::Const(false));
/// ```
pub fn restrict(query: &mut TypedQuery, scope: Pred) {
    let filter = std::mem::replace(&mut query.filter, Pred::Const(true));
    query.filter = conjoin(scope, filter);
}

fn conjoin(scope: Pred, filter: Pred) -> Pred {
    match (scope, filter) {
        (Pred::Const(false), _) | (_, Pred::Const(false)) => Pred::Const(false),
        (Pred::Const(true), f) => f,
        (s, Pred::Const(true)) => s,
        (Pred::And(mut a), Pred::And(b)) => {
            a.extend(b);
            Pred::And(a)
        }
        (Pred::And(mut a), f) => {
            a.push(f);
            Pred::And(a)
        }
        (s, Pred::And(b)) => {
            let mut all = Vec::with_capacity(b.len() + 1);
            all.push(s);
            all.extend(b);
            Pred::And(all)
        }
        (s, f) => Pred::And(vec![s, f]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use roster_ast::CmpOp;
    use roster_schema::{FieldId, Value};

    fn leaf(i: i64) -> Pred {
        Pred::Cmp { op: CmpOp::Eq, lhs: crate::Operand::Field(FieldId(0)), rhs: crate::Operand::Literal(Value::Int(i)) }
    }

    #[test]
    fn conjunction_keeps_the_invariants() {
        assert_eq!(conjoin(Pred::Const(true), leaf(1)), leaf(1));
        assert_eq!(conjoin(leaf(1), Pred::Const(true)), leaf(1));
        assert_eq!(conjoin(leaf(1), Pred::Const(false)), Pred::Const(false));
        assert_eq!(conjoin(Pred::Const(false), leaf(1)), Pred::Const(false));
        assert_eq!(conjoin(leaf(1), leaf(2)), Pred::And(vec![leaf(1), leaf(2)]));
        assert_eq!(
            conjoin(Pred::And(vec![leaf(1), leaf(2)]), Pred::And(vec![leaf(3), leaf(4)])),
            Pred::And(vec![leaf(1), leaf(2), leaf(3), leaf(4)])
        );
        assert_eq!(conjoin(leaf(0), Pred::And(vec![leaf(1), leaf(2)])), Pred::And(vec![leaf(0), leaf(1), leaf(2)]));
        // An `or` filter stays one operand: the scope is not distributed into it.
        let or = Pred::Or(vec![leaf(1), leaf(2)]);
        assert_eq!(conjoin(leaf(0), or.clone()), Pred::And(vec![leaf(0), or]));
    }
}
