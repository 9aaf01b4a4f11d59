//! Errors of the Mongo front end: each has a span (bytes of the JSON text), the JSON pointer
//! of the value it is about, and a stable code.

use std::fmt;

use roster_ast::{Diagnostic, Span};

/// One error in a Mongo query, fields or sort document.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{kind}")]
pub struct MongoError {
    /// What is wrong.
    pub kind: MongoErrorKind,
    /// Where, in bytes of the JSON text.
    pub span: Span,
    /// The RFC 6901 JSON pointer of the offending value (`/name/$regex`).
    pub pointer: String,
}

/// What is wrong. Each variant's doc shows a document that triggers it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum MongoErrorKind {
    /// `{"a": }`: not JSON.
    Syntax {
        /// What was expected.
        expected: &'static str,
        /// What was found.
        found: String,
    },
    /// `{"a": 1, "a": 2}`
    DuplicateKey {
        /// The key.
        key: String,
    },
    /// A document nested deeper than the limit.
    TooDeep {
        /// The limit.
        limit: usize,
    },
    /// The text is longer than the limit.
    TooLong {
        /// The length.
        len: usize,
        /// The limit.
        max_len: usize,
    },
    /// `{"a": {"$foo": 1}}`
    UnknownOperator {
        /// The operator.
        op: String,
        /// The closest known operator.
        suggestion: Option<&'static str>,
    },
    /// `{"a": {"$where": "..."}}`: a real MongoDB operator Roster does not run.
    UnsupportedOperator {
        /// The operator.
        op: String,
    },
    /// `{"$and": []}`, `{"a": {"$in": 1}}`, `{"a": {"$exists": "yes"}}`
    InvalidValue {
        /// What is wrong and what is expected.
        message: String,
    },
    /// `{"a": 1}` where a document was needed, e.g. the whole query is an array.
    NotADocument {
        /// What the value is.
        found: &'static str,
    },
    /// `{"a": {"$gt": 1, "b": 2}}`
    MixedOperatorDocument,
    /// `{"emails": 1, "emails.address": 1}`
    PathCollision {
        /// The path that collides.
        path: String,
        /// The path it collides with.
        with: String,
    },
    /// `{"a": 1, "b": 0}` (neither is `_id`).
    MixedProjection,
    /// `{"a": {"$type": "strng"}}`, `{"a": {"$type": 99}}`: not one of MongoDB's type names
    /// or codes.
    UnknownType {
        /// The name or code as written.
        found: String,
        /// The closest type name.
        suggestion: Option<&'static str>,
    },
}

impl fmt::Display for MongoErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use MongoErrorKind::*;
        match self {
            Syntax { expected, found } => write!(f, "expected {expected}, found {found}"),
            DuplicateKey { key } => write!(f, "duplicate key `{key}`"),
            TooDeep { limit } => write!(f, "the document is nested more than {limit} levels deep"),
            TooLong { len, max_len } => write!(f, "the document is {len} bytes long; at most {max_len} are accepted"),
            UnknownOperator { op, .. } => write!(f, "unknown operator `{op}`"),
            UnsupportedOperator { op } => write!(f, "the operator `{op}` is not supported"),
            InvalidValue { message } => f.write_str(message),
            NotADocument { found } => write!(f, "expected a JSON object, found {found}"),
            MixedOperatorDocument => {
                f.write_str("an object mixes operators (`$...`) with field names; use one or the other")
            }
            PathCollision { path, with } => write!(f, "path collision: `{path}` overlaps `{with}`"),
            MixedProjection => f.write_str("a projection cannot both include and exclude fields (except `_id`)"),
            UnknownType { found, .. } => write!(f, "unknown `$type` `{found}`"),
        }
    }
}

impl Diagnostic for MongoError {
    fn code(&self) -> &'static str {
        use MongoErrorKind::*;
        match self.kind {
            Syntax { .. } => "syntax",
            DuplicateKey { .. } => "duplicate-key",
            TooDeep { .. } => "nesting-too-deep",
            TooLong { .. } => "input-too-long",
            UnknownOperator { .. } => "unknown-operator",
            UnsupportedOperator { .. } => "unsupported-operator",
            InvalidValue { .. } => "invalid-value",
            NotADocument { .. } => "not-a-document",
            MixedOperatorDocument => "mixed-operator-document",
            PathCollision { .. } => "path-collision",
            MixedProjection => "mixed-projection",
            UnknownType { .. } => "unknown-type",
        }
    }

    fn span(&self) -> Span {
        self.span
    }

    fn help(&self) -> Option<String> {
        let at = if self.pointer.is_empty() { String::new() } else { format!("at JSON pointer `{}`", self.pointer) };
        let extra = match &self.kind {
            MongoErrorKind::UnknownOperator { suggestion: Some(s), .. } => Some(format!("did you mean `{s}`?")),
            MongoErrorKind::MixedProjection => Some("use only 1s (include) or only 0s (exclude)".to_owned()),
            MongoErrorKind::UnknownType { suggestion: Some(s), .. } => Some(format!("did you mean `\"{s}\"`?")),
            MongoErrorKind::UnknownType { suggestion: None, .. } => Some(
                "use a MongoDB type name (`\"string\"`, `\"number\"`, `\"double\"`, `\"int\"`, `\"long\"`, `\"bool\"`, `\"date\"`, `\"array\"`, `\"object\"`, `\"null\"`, …) or its code".to_owned(),
            ),
            _ => None,
        };
        match (at.is_empty(), extra) {
            (true, None) => None,
            (true, Some(e)) => Some(e),
            (false, None) => Some(at),
            (false, Some(e)) => Some(format!("{e} ({at})")),
        }
    }
}
