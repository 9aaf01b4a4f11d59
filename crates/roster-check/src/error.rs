//! Checker diagnostics: one [`CheckError`] per problem, each with a span, a stable code and a
//! message that says what was expected and, where one exists, a suggestion.

use std::fmt;

use roster_ast::{Diagnostic, Span};

/// One problem found by the checker.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind}")]
pub struct CheckError {
    /// What is wrong.
    pub kind: CheckErrorKind,
    /// Where, in the query text.
    pub span: Span,
}

/// What the checker found wrong. Each variant's doc shows an input (identity profile) that
/// triggers it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CheckErrorKind {
    /// `usrname eq 'x'`
    UnknownField {
        /// The name as written.
        name: String,
        /// The closest field name.
        suggestion: Option<String>,
    },
    /// A field the profile does not allow in this position (filter, sort or projection).
    NotAllowed {
        /// The field.
        field: String,
        /// `"filtered on"`, `"sorted by"` or `"returned"`.
        usage: &'static str,
    },
    /// `userStatus eq 'verified'`
    InvalidEnumValue {
        /// The field.
        field: String,
        /// The value as written.
        value: String,
        /// Every valid value.
        valid: Vec<String>,
        /// The closest valid value.
        suggestion: Option<String>,
    },
    /// `userStatus gt 'VERIFIED'`
    OperatorNotApplicable {
        /// The operator or function.
        op: String,
        /// The operand's description (`enum field userStatus`).
        operand: String,
        /// What applies instead.
        allowed: &'static str,
    },
    /// `username eq 5`, `createdAt lt username`
    TypeMismatch {
        /// What the context needs.
        expected: String,
        /// What was found.
        found: String,
    },
    /// `createdAt gt '2020-13-01'`
    InvalidTimestamp {
        /// The literal text.
        text: String,
        /// What the timestamp parser expected at the error.
        expected: &'static str,
    },
    /// `id eq 'abc'`
    InvalidUuid {
        /// The literal text.
        text: String,
    },
    /// `length(username) gt 2.5`
    InvalidNumber {
        /// Why.
        reason: String,
    },
    /// `username` (a value where a condition is needed); `not username`
    NotACondition {
        /// What was found.
        found: String,
    },
    /// `(username eq 'a') eq true`; `not userStatus eq 'VERIFIED'`
    NotAValue {
        /// What was found.
        found: String,
        /// A rewrite that probably says what was meant.
        hint: Option<String>,
    },
    /// `username/first eq 'a'`
    NoMembers {
        /// The field.
        field: String,
    },
    /// `length(null) eq 1`
    NullArgument {
        /// The function.
        func: &'static str,
    },
    /// A construct this schema cannot apply (regex, keyword search, array quantifiers on a
    /// schema without such fields).
    Unsupported {
        /// What.
        construct: String,
    },
    /// `createdAt desc, createdAt asc`
    DuplicateSortKey {
        /// The field.
        field: String,
    },
    /// A tree deeper than the checker's depth limit.
    TooDeep {
        /// The limit.
        limit: usize,
    },
    /// More terms (conditions other than `and`/`or`/`not`) than
    /// [`CheckOptions::max_terms`](crate::CheckOptions::max_terms); the span is the first term
    /// over the limit.
    TooManyTerms {
        /// The limit.
        limit: usize,
    },
    /// `userStatus in ('A', 'B', …)` with more values than
    /// [`CheckOptions::max_in_list`](crate::CheckOptions::max_in_list); the span covers the
    /// values over the limit.
    InListTooLong {
        /// How many values the list has.
        len: usize,
        /// The limit.
        limit: usize,
    },
    /// A page larger than [`CheckOptions::max_limit`](crate::CheckOptions::max_limit), or no
    /// page size at all when that limit is set. The AST's page has no position in a text, so
    /// the span is empty (`0..0`).
    PageTooLarge {
        /// The requested page size (`None`: all rows).
        limit: Option<u64>,
        /// The limit.
        max: u64,
    },
    /// `username eq 'a\u{0}b'`: a string literal containing U+0000, which no stored value
    /// can contain (PostgreSQL rejects it in text), so it is refused on every backend.
    NulInString,
    /// `{"name": {"$regex": "(?=a)"}}`: a regular expression that does not parse, uses a
    /// feature the `regex` crate lacks (look-around, backreferences) or is over a limit.
    InvalidRegex {
        /// What is wrong.
        message: String,
        /// What to do instead.
        help: Option<String>,
    },
}

impl fmt::Display for CheckErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use CheckErrorKind::*;
        match self {
            UnknownField { name, .. } => write!(f, "unknown field `{name}`"),
            NotAllowed { field, usage } => write!(f, "field `{field}` cannot be {usage}"),
            InvalidEnumValue { field, value, valid, .. } => write!(
                f,
                "`{value}` is not a valid value of `{field}`; expected one of {} (case-sensitive)",
                valid.join(", ")
            ),
            OperatorNotApplicable { op, operand, allowed } => {
                write!(f, "`{op}` does not apply to {operand}; use {allowed}")
            }
            TypeMismatch { expected, found } => write!(f, "expected {expected}, found {found}"),
            InvalidTimestamp { text, expected } => {
                write!(f, "`{text}` is not a valid timestamp: expected {expected}")
            }
            InvalidUuid { text } => {
                write!(f, "`{text}` is not a valid UUID: expected 8-4-4-4-12 hexadecimal digits")
            }
            InvalidNumber { reason } => f.write_str(reason),
            NotACondition { found } => write!(f, "expected a condition, found {found}"),
            NotAValue { found, .. } => write!(f, "expected a value, found {found}"),
            NoMembers { field } => write!(f, "field `{field}` has no members"),
            NullArgument { func } => write!(f, "`{func}` does not take a null literal argument"),
            Unsupported { construct } => write!(f, "{construct} is not supported here"),
            DuplicateSortKey { field } => write!(f, "`{field}` appears twice in the sort"),
            TooDeep { limit } => write!(f, "the query is nested more than {limit} levels deep"),
            TooManyTerms { limit } => write!(f, "the filter has more than {limit} conditions"),
            InListTooLong { len, limit } => {
                write!(f, "the `in` list has {len} values; at most {limit} are allowed")
            }
            PageTooLarge { limit: Some(n), max } => {
                write!(f, "a page of {n} rows is too large; at most {max} rows per page are allowed")
            }
            PageTooLarge { limit: None, max } => {
                write!(f, "no page size given; at most {max} rows per page are allowed")
            }
            NulInString => f.write_str("a string literal contains the NUL character (U+0000)"),
            InvalidRegex { message, .. } => f.write_str(message),
        }
    }
}

impl Diagnostic for CheckError {
    fn code(&self) -> &'static str {
        use CheckErrorKind::*;
        match &self.kind {
            UnknownField { .. } => "unknown-field",
            NotAllowed { .. } => "field-not-allowed",
            InvalidEnumValue { .. } => "invalid-enum-value",
            OperatorNotApplicable { .. } => "operator-not-applicable",
            TypeMismatch { .. } => "type-mismatch",
            InvalidTimestamp { .. } => "invalid-timestamp",
            InvalidUuid { .. } => "invalid-uuid",
            InvalidNumber { .. } => "invalid-number",
            NotACondition { .. } => "not-a-condition",
            NotAValue { .. } => "not-a-value",
            NoMembers { .. } => "no-members",
            NullArgument { .. } => "null-argument",
            Unsupported { .. } => "unsupported",
            DuplicateSortKey { .. } => "duplicate-sort-key",
            TooDeep { .. } => "nesting-too-deep",
            TooManyTerms { .. } => "too-many-terms",
            InListTooLong { .. } => "in-list-too-long",
            PageTooLarge { .. } => "page-too-large",
            NulInString => "nul-in-string",
            InvalidRegex { .. } => "invalid-regex",
        }
    }

    fn span(&self) -> Span {
        self.span
    }

    fn help(&self) -> Option<String> {
        use CheckErrorKind::*;
        match &self.kind {
            UnknownField { suggestion: Some(s), .. } => Some(format!("did you mean `{s}`?")),
            InvalidEnumValue { suggestion: Some(s), .. } => Some(format!("did you mean `{s}`?")),
            NotAValue { hint: Some(h), .. } => Some(format!("did you mean `{h}`?")),
            InvalidTimestamp { .. } => {
                Some("write an ISO 8601 timestamp such as '2020-09-21T14:19:09.769747Z'; no offset means UTC".into())
            }
            TooManyTerms { .. } => Some("split the query, or raise `CheckOptions::max_terms`".into()),
            InListTooLong { .. } => Some("split the list, or raise `CheckOptions::max_in_list`".into()),
            PageTooLarge { max, .. } => Some(format!("ask for at most {max} rows and page with the offset")),
            NulInString => Some("remove the NUL character: no stored string contains one".into()),
            InvalidRegex { help, .. } => help.clone(),
            _ => None,
        }
    }
}
