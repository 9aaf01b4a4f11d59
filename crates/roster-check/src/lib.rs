//! The type checker: an untyped [`roster_ast::Query`] and a [`Schema`] in, a
//! [`TypedQuery`] (see [`typed`]) or every diagnostic out.
#![forbid(unsafe_code)]

pub mod typed;

pub use roster_schema::{FieldId, Schema, Value};
pub use typed::*;
