//! The type checker: an untyped [`roster_ast::Query`] and a [`Schema`] in, a
//! [`TypedQuery`] (the IR of [`typed`]) or every diagnostic out.
//!
//! What it does, in order: resolves every path to a field of the schema (unknown names get a
//! "did you mean"); checks the field may be used where it is (filter, sort, projection);
//! coerces literals to the field's type (a quoted string next to a timestamp field is parsed
//! as an ISO 8601 timestamp, no offset meaning UTC; next to an enum it must be one of the
//! values, case-sensitively; next to a UUID it must be a UUID); rejects operators that do not
//! apply (`gt` on an enum); lowers each null rule into explicit nodes (`x eq null` is
//! [`Pred::IsNull`], `x gt null` is `false`); folds constant sub-expressions; and appends the
//! primary key as the final sort key. All errors are collected, each with a span and a code.
//!
//! ```
//! use roster_ast::{CmpOp, Expr, ExprKind, Literal, Path, Query, Span};
//! use roster_check::{check, CheckErrorKind, Pred};
//! let schema = roster_schema::profiles::identity::schema();
//! let filter = Expr::new(
//!     ExprKind::Compare {
//!         op: CmpOp::Eq,
//!         lhs: Box::new(Expr::path(Path::single("userStatus", Span::new(0, 10)))),
//!         rhs: Box::new(Expr::literal(Literal::String("verified".into()), Span::new(14, 24))),
//!     },
//!     Span::new(0, 24),
//! );
//! let errors = check(&Query { filter: Some(filter), ..Query::default() }, &schema).unwrap_err();
//! assert!(matches!(&errors[0].kind, CheckErrorKind::InvalidEnumValue { suggestion: Some(s), .. } if s == "VERIFIED"));
//! assert_eq!(errors[0].span, Span::new(14, 24));
//! ```
#![forbid(unsafe_code)]

mod check;
pub mod document;
mod error;
mod print;
mod print_mongo;
mod scope;
pub mod typed;

pub use check::{CheckOptions, check, check_filter, check_filter_with, check_with};
pub use error::{CheckError, CheckErrorKind};
pub use print::{filter_to_odata, sort_to_odata};
pub use print_mongo::{NotExpressible, filter_to_mongo, sort_to_mongo};
pub use roster_schema::{FieldId, Schema, Value};
pub use scope::{Scope, restrict};
pub use typed::*;
