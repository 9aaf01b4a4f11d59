//! Parameter errors: which parameter, where it was given, what was wrong and what is accepted.

use std::fmt;

use roster_ast::{Diagnostic, Span};

/// Where a parameter came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// The query string; the span is the byte range of the `name=value` pair in it.
    Query(Span),
    /// The JSON body; a JSON pointer to the member (`/sortFilter/username`).
    Body(String),
    /// The request as a whole (a missing parameter, a body that is not a JSON object).
    Request,
}

/// One problem with a request's parameters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.message())]
pub struct ParamsError {
    /// The parameter, as the endpoint names it (`sort`, `mfa`, `sortFilter`).
    pub param: String,
    /// What is wrong.
    pub kind: ParamsErrorKind,
    /// Where the parameter was given.
    pub origin: Origin,
}

/// What is wrong with a parameter. Each variant's doc shows a request that triggers it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParamsErrorKind {
    /// `name=%zz` (bad percent-encoding), a body that is not a JSON object.
    Syntax {
        /// Why.
        reason: String,
    },
    /// `colour=red` on an endpoint without `colour`.
    UnknownParameter {
        /// Every parameter of the endpoint.
        accepted: Vec<&'static str>,
        /// The closest one.
        suggestion: Option<String>,
    },
    /// `mfa=true&mfa=false`, or `per` in both the query string and the body.
    Repeated,
    /// `mfa=yes`, `sort=colour:asc`, `timezone=Mars/Olympus`.
    InvalidValue {
        /// The value as given.
        found: String,
        /// What is accepted, as a phrase (`` `true` or `false` ``).
        expected: String,
        /// The closest accepted value.
        suggestion: Option<String>,
    },
    /// `lastLoggedInFromDate` after `lastLoggedInToDate`; `lastLoggedIn=Never` with a date.
    Conflict {
        /// The other parameter.
        other: String,
        /// Why they do not go together.
        reason: String,
    },
    /// `is_oem=true` without `child_organisation_key`.
    Missing {
        /// Why it is needed.
        reason: String,
    },
}

impl ParamsError {
    pub(crate) fn new(param: &str, kind: ParamsErrorKind, origin: Origin) -> ParamsError {
        ParamsError { param: param.to_owned(), kind, origin }
    }

    fn message(&self) -> String {
        let p = &self.param;
        let mut m = match &self.kind {
            ParamsErrorKind::Syntax { reason } => format!("`{p}`: {reason}"),
            ParamsErrorKind::UnknownParameter { accepted, .. } => {
                format!("unknown parameter `{p}`; the parameters of this endpoint are {}", accepted.join(", "))
            }
            ParamsErrorKind::Repeated => format!("`{p}` is given more than once; give it once"),
            ParamsErrorKind::InvalidValue { found, expected, .. } => {
                format!("`{p}`: expected {expected}, found `{found}`")
            }
            ParamsErrorKind::Conflict { other, reason } => format!("`{p}` conflicts with `{other}`: {reason}"),
            ParamsErrorKind::Missing { reason } => format!("`{p}` is required: {reason}"),
        };
        if let Origin::Body(pointer) = &self.origin {
            m.push_str(&format!(" (in the body at `{pointer}`)"));
        }
        m
    }
}

impl Diagnostic for ParamsError {
    fn code(&self) -> &'static str {
        match self.kind {
            ParamsErrorKind::Syntax { .. } => "params-syntax",
            ParamsErrorKind::UnknownParameter { .. } => "unknown-parameter",
            ParamsErrorKind::Repeated => "repeated-parameter",
            ParamsErrorKind::InvalidValue { .. } => "invalid-parameter-value",
            ParamsErrorKind::Conflict { .. } => "conflicting-parameters",
            ParamsErrorKind::Missing { .. } => "missing-parameter",
        }
    }

    fn span(&self) -> Span {
        match self.origin {
            Origin::Query(span) => span,
            Origin::Body(_) | Origin::Request => Span::default(),
        }
    }

    fn help(&self) -> Option<String> {
        match &self.kind {
            ParamsErrorKind::UnknownParameter { suggestion: Some(s), .. }
            | ParamsErrorKind::InvalidValue { suggestion: Some(s), .. } => Some(format!("did you mean `{s}`?")),
            _ => None,
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Query(s) => write!(f, "query string bytes {}..{}", s.start, s.end),
            Origin::Body(p) => write!(f, "body {p}"),
            Origin::Request => f.write_str("request"),
        }
    }
}
