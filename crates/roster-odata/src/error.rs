//! Parse errors: what went wrong ([`ParseErrorKind`]), where ([`Span`], byte offsets into
//! the text), a stable machine code and, where one exists, a suggestion.
//!
//! Rendering (caret, JSON) lives in `roster-render`; this module only describes.

use std::fmt;

use roster_ast::{Diagnostic, Func, Span};

use crate::functions::signature;

/// Why a filter or `$orderby` text could not be parsed.
///
/// `Display` is the message ("expected X, found Y"); [`Diagnostic::code`] is a stable
/// kebab-case code and [`Diagnostic::help`] a suggestion.
///
/// ```
/// use roster_ast::{Diagnostic, Span};
/// let err = roster_odata::parse_filter("username eq").unwrap_err();
/// assert_eq!(err.code(), "syntax");
/// assert_eq!(err.span, Span::new(11, 11));
/// assert_eq!(
///     err.to_string(),
///     "expected a value (literal, field or function call), found end of input"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{kind}")]
pub struct ParseError {
    /// What is wrong.
    pub kind: ParseErrorKind,
    /// Where: for syntax errors, the token at the furthest point the parser reached (empty
    /// at the end of the input), so a caret can be drawn under it.
    pub span: Span,
}

impl ParseError {
    pub(crate) fn new(kind: ParseErrorKind, span: Span) -> ParseError {
        ParseError { kind, span }
    }
}

/// What is wrong. Each variant's doc shows an input that triggers it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ParseErrorKind {
    /// The text does not follow the grammar: `username eq` (a value is missing),
    /// `username equals 'x'` (not an operator), `(a eq 1` (unclosed parenthesis).
    Syntax {
        /// What the grammar allows at that point.
        expected: Expected,
        /// The token found there, as written; `None` at the end of the input.
        found: Option<String>,
    },
    /// `username eq 'abc` — a string literal without its closing quote. The span is the
    /// opening quote.
    UnterminatedString,
    /// `createdAt gt 2021-13-01`, `length(username) gt 1e999`, `id eq 12ab`: a literal that
    /// starts like a number, GUID or date-time but is not a valid one.
    InvalidLiteral {
        /// What kind of literal it looked like.
        literal: LiteralKind,
        /// The literal as written.
        text: String,
        /// What was wrong, phrased as what was expected ("a month from 01 to 12").
        expected: &'static str,
    },
    /// `containz(username, 'a')` — a name followed by `(` that is not a supported function.
    UnknownFunction {
        /// The name as written.
        name: String,
        /// The closest supported function, if one is close.
        suggestion: Option<Func>,
    },
    /// `contains(username)` — a call with the wrong number of arguments. The span is the
    /// whole call.
    WrongArity {
        /// The function.
        func: Func,
        /// How many arguments it takes (at least).
        expected: usize,
        /// How many it takes at most (`substring` takes 2 or 3).
        at_most: usize,
        /// How many were given.
        found: usize,
    },
    /// `X'1a2b'`, `Edm'x'` — a literal with a prefix that OData does not have. The span is
    /// the prefix.
    UnsupportedLiteral {
        /// The prefix as written.
        prefix: String,
    },
    /// `((((…))))` or `not not not …` deeper than [`Options::max_depth`]. The span is the
    /// token that opened one level too many.
    ///
    /// [`Options::max_depth`]: crate::Options::max_depth
    NestingTooDeep {
        /// The limit.
        max_depth: usize,
    },
    /// A text longer than [`Options::max_len`] bytes; checked before parsing. The span runs
    /// from the limit to the end of the text.
    ///
    /// [`Options::max_len`]: crate::Options::max_len
    InputTooLong {
        /// The length of the text, in bytes.
        len: usize,
        /// The limit, in bytes.
        max_len: usize,
    },
}

/// The kinds of literal an [`ParseErrorKind::InvalidLiteral`] can be about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LiteralKind {
    /// `12ab`, `1.`, `1e999`.
    Number,
    /// `2021-02-30`, `2021-01-01T25:00Z`.
    DateTime,
    /// `7600415a-8876-5722-9f3c-b0fd1111228` (one digit short).
    Guid,
    /// `24:00:00`, `12:60`.
    TimeOfDay,
    /// `duration'P1Y'` (years are not day-time), `duration'PT'`.
    Duration,
    /// `binary'Zh=='` (non-zero unused bits), `binary'a+b'`.
    Binary,
    /// `Sales.Pattern'Yellow Green'`.
    Enum,
    /// `["a\q"]`: a bad escape in a JSON string.
    JsonString,
    /// `geography'SRID=0;Point(1)'` (one coordinate), `geometry'SRID=0;Polygon((0 0,1 1))'`
    /// (a ring that does not end where it starts).
    Geo,
    /// `0` where only `true` or `false` may stand ([`crate::parse_literal`]).
    Boolean,
}

impl LiteralKind {
    fn noun(self) -> &'static str {
        match self {
            LiteralKind::Number => "number",
            LiteralKind::DateTime => "date-time",
            LiteralKind::Guid => "GUID",
            LiteralKind::TimeOfDay => "time of day",
            LiteralKind::Duration => "duration",
            LiteralKind::Binary => "binary literal",
            LiteralKind::Enum => "enum literal",
            LiteralKind::JsonString => "JSON string",
            LiteralKind::Geo => "geospatial literal",
            LiteralKind::Boolean => "boolean",
        }
    }
}

/// What the grammar allows where a syntax error was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Expected {
    /// An operand: `username eq` (end of input), `username eq )`.
    Value,
    /// A comparison operator after an operand: `username equals 'x'`.
    Operator,
    /// `and`, `or` or what closes the current group: `userStatus eq 'A' 42`.
    Continuation(Closer),
    /// `,` or `)` inside an argument or `in` list: `contains(username 'a')`.
    ListSeparator,
    /// `(` after `in`: `userStatus in 'A'`.
    ListOpen,
    /// A literal in an `in` list of more than one item: `a in (1, b)`.
    ListLiteral,
    /// `)` after the first item of an `in` list that is not a literal: `a in (b, c)`.
    ListEnd,
    /// `,` or `]` in a JSON array: `[1 2]`.
    ArraySeparator,
    /// `,` or `}` in a JSON object: `{"a": 1 "b": 2}`.
    ObjectSeparator,
    /// A member name in double quotes in a JSON object: `{a: 1}`.
    MemberName,
    /// `:` after a JSON member name or a lambda variable: `{"a" 1}`, `any(x x eq 1)`.
    Colon,
    /// A lambda variable: `tags/any(: true)`, `tags/all()`.
    LambdaVariable,
    /// A field name: `a/` and in `$orderby`, `, createdAt`.
    Field,
    /// In `$orderby`, after a field: `asc`, `desc`, `,` or the end (`createdAt down`).
    SortDirection,
    /// In `$orderby`, after a direction: `,` or the end (`createdAt desc id`).
    SortSeparator,
    /// `any(` or `all(` without a collection before it: `any()`.
    LambdaPath,
    /// `$filter=` inside `$count(…)`: `Items/$count(x)`.
    CountFilter,
    /// `name=` before a function parameter: `Model.F(a=1, 2)`.
    ParamName,
}

/// What closes the group an [`Expected::Continuation`] is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Closer {
    /// The top level: the end of the input.
    EndOfInput,
    /// A parenthesised group opened at this byte offset.
    Paren {
        /// Byte offset of the `(`.
        open: u32,
    },
}

impl fmt::Display for Expected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Expected::Value => "a value (literal, field or function call)",
            Expected::Operator => "an operator (eq, ne, gt, ge, lt, le, in)",
            Expected::Continuation(Closer::EndOfInput) => "`and`, `or` or end of input",
            Expected::Continuation(Closer::Paren { .. }) => "`and`, `or` or `)`",
            Expected::ListSeparator => "`,` or `)`",
            Expected::ListOpen => "`(` to start the list after `in`",
            Expected::ListLiteral => "a literal (an `in` list of more than one item holds literals only)",
            Expected::ListEnd => "`)` (an `in` list of more than one item holds literals only)",
            Expected::ArraySeparator => "`,` or `]`",
            Expected::ObjectSeparator => "`,` or `}`",
            Expected::MemberName => "a member name in double quotes",
            Expected::Colon => "`:`",
            Expected::LambdaVariable => "a lambda variable (`any(x: x eq 1)`)",
            Expected::Field => "a field name",
            Expected::SortDirection => "`asc`, `desc`, `,` or end of input",
            Expected::SortSeparator => "`,` or end of input",
            Expected::LambdaPath => "a collection before `any`/`all`, as in `tags/any(t: t eq 'x')`",
            Expected::CountFilter => "`$filter=` inside `$count(…)`",
            Expected::ParamName => "a parameter name and `=` (`color='red'`)",
        })
    }
}

/// Writes a found token in backticks, with control characters escaped.
fn write_token(f: &mut fmt::Formatter<'_>, token: &str) -> fmt::Result {
    const MAX_CHARS: usize = 40;
    f.write_str("`")?;
    for (i, c) in token.chars().enumerate() {
        if i == MAX_CHARS {
            f.write_str("…")?;
            break;
        }
        if c.is_control() {
            write!(f, "{}", c.escape_default())?;
        } else {
            write!(f, "{c}")?;
        }
    }
    f.write_str("`")
}

impl fmt::Display for ParseErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseErrorKind::Syntax { expected, found } => {
                write!(f, "expected {expected}, found ")?;
                match found {
                    Some(token) if token.trim().is_empty() => f.write_str("white space"),
                    Some(token) => write_token(f, token),
                    None => f.write_str("end of input"),
                }
            }
            ParseErrorKind::UnterminatedString => f.write_str("unterminated string"),
            ParseErrorKind::InvalidLiteral { literal, text, expected } => {
                write!(f, "invalid {} ", literal.noun())?;
                write_token(f, text)?;
                write!(f, ": expected {expected}")
            }
            ParseErrorKind::UnknownFunction { name, .. } => {
                f.write_str("unknown function ")?;
                write_token(f, name)
            }
            ParseErrorKind::WrongArity { func, expected, at_most, found } => {
                let plural = if *at_most == 1 { "" } else { "s" };
                if at_most == expected {
                    write!(f, "`{}` takes {expected} argument{plural}, found {found}", func.name())
                } else {
                    write!(f, "`{}` takes {expected} to {at_most} arguments, found {found}", func.name())
                }
            }
            ParseErrorKind::UnsupportedLiteral { prefix } => {
                f.write_str("unsupported literal prefix ")?;
                write_token(f, prefix)
            }
            ParseErrorKind::NestingTooDeep { max_depth } => write!(
                f,
                "nesting too deep: more than {max_depth} levels of parentheses, `not` and \
                 function calls"
            ),
            ParseErrorKind::InputTooLong { len, max_len } => {
                write!(f, "input too long: {len} bytes, the limit is {max_len}")
            }
        }
    }
}

impl Diagnostic for ParseError {
    fn code(&self) -> &'static str {
        match self.kind {
            ParseErrorKind::Syntax { .. } => "syntax",
            ParseErrorKind::UnterminatedString => "unterminated-string",
            ParseErrorKind::InvalidLiteral { .. } => "invalid-literal",
            ParseErrorKind::UnknownFunction { .. } => "unknown-function",
            ParseErrorKind::WrongArity { .. } => "wrong-arity",
            ParseErrorKind::UnsupportedLiteral { .. } => "unsupported-literal",
            ParseErrorKind::NestingTooDeep { .. } => "nesting-too-deep",
            ParseErrorKind::InputTooLong { .. } => "input-too-long",
        }
    }

    fn span(&self) -> Span {
        self.span
    }

    fn help(&self) -> Option<String> {
        match &self.kind {
            ParseErrorKind::Syntax { expected, found } => syntax_help(*expected, found.as_deref()),
            ParseErrorKind::UnterminatedString => {
                Some("close the string with `'`; write `''` for a quote inside it".into())
            }
            ParseErrorKind::InvalidLiteral { literal, .. } => Some(
                match literal {
                    LiteralKind::Number => "write numbers like `42`, `-1.5` or `2.5e-3`",
                    LiteralKind::DateTime => {
                        "write date-times like `2020-09-21T14:19:09Z`, \
                         `2021-05-06T10:50:35+05:30` or `2020-09-21`"
                    }
                    LiteralKind::Guid => {
                        "write GUIDs as 8-4-4-4-12 hexadecimal digits, like \
                         `7600415a-8876-5722-9f3c-b0fd11112283`"
                    }
                    LiteralKind::TimeOfDay => "write times of day like `13:20`, `13:20:05` or `13:20:05.125`",
                    LiteralKind::Duration => "write durations like `duration'P1DT2H30M'` or `duration'-PT0.5S'`",
                    LiteralKind::Binary => "write binary data in base64url: `binary'AQID'`",
                    LiteralKind::Enum => "write enum literals like `Namespace.Type'Member'` or `Namespace.Type'A,B'`",
                    LiteralKind::JsonString => "in JSON strings escape `\"` and `\\` with a backslash",
                    LiteralKind::Geo => {
                        "write geospatial literals like `geography'SRID=4326;Point(-122.1 47.6)'` or \
                         `geometry'SRID=0;LineString(0 0,1 1)'`: no spaces but one between coordinates"
                    }
                    LiteralKind::Boolean => "write `true` or `false`",
                }
                .into(),
            ),
            ParseErrorKind::UnknownFunction { name, suggestion } => Some(unknown_function_help(name, *suggestion)),
            ParseErrorKind::WrongArity { func, .. } => Some(format!("call it as `{}`", signature(*func))),
            ParseErrorKind::UnsupportedLiteral { prefix } => Some(format!(
                "`{prefix}` is not a literal prefix; OData has `binary'…'`, `duration'…'`, `geography'…'`, \
                 `geometry'…'` and enum literals `Namespace.Type'Member'`; quote a string without a prefix: 'text'"
            )),
            ParseErrorKind::NestingTooDeep { .. } => Some("simplify the filter, or raise `Options::max_depth`".into()),
            ParseErrorKind::InputTooLong { .. } => Some("shorten the filter, or raise `Options::max_len`".into()),
        }
    }
}

fn unknown_function_help(name: &str, suggestion: Option<Func>) -> String {
    if let Some(func) = suggestion {
        return format!("did you mean `{}`?", func.name());
    }
    let last = name.rsplit('/').next().unwrap_or(name);
    if last.eq_ignore_ascii_case("any") || last.eq_ignore_ascii_case("all") {
        return format!("`{last}` follows a collection: `tags/{last}(t: t eq 'x')`");
    }
    let names: Vec<&str> = Func::ALL.iter().map(|f| f.name()).collect();
    format!("the supported functions are {}", names.join(", "))
}

/// Operators people write from other languages, and the OData word for each.
const FOREIGN_OPERATORS: [(&str, &str); 14] = [
    ("=", "eq"),
    ("==", "eq"),
    ("===", "eq"),
    ("!=", "ne"),
    ("<>", "ne"),
    (">", "gt"),
    (">=", "ge"),
    ("<", "lt"),
    ("<=", "le"),
    ("&&", "and"),
    ("&", "and"),
    ("||", "or"),
    ("|", "or"),
    ("!", "not"),
];

/// The comparison operator words, for "did you mean" on a misspelt one.
const COMPARISON_WORDS: [&str; 7] = ["eq", "ne", "gt", "ge", "lt", "le", "in"];

fn syntax_help(expected: Expected, found: Option<&str>) -> Option<String> {
    let Some(found) = found else {
        return match expected {
            Expected::Continuation(Closer::Paren { open }) => Some(format!("add `)` to close the `(` at byte {open}")),
            _ => None,
        };
    };
    if let Some((_, word)) = FOREIGN_OPERATORS.iter().find(|(sym, _)| *sym == found) {
        return Some(format!("OData writes this operator as `{word}`"));
    }
    if found.starts_with('"') {
        return Some("strings are written in single quotes: 'text'".into());
    }
    match expected {
        Expected::Operator | Expected::Continuation(_) => {
            let lower = found.to_ascii_lowercase();
            if lower == "equals" || lower == "is" {
                return Some("did you mean `eq`?".into());
            }
            if lower == "like" {
                return Some("use `contains(field, 'text')`, `startswith` or `endswith` instead".into());
            }
            let words: &[&str] = match expected {
                Expected::Operator => &COMPARISON_WORDS,
                _ => &["and", "or"],
            };
            if let Some(word) = crate::functions::closest(&lower, words.iter().copied()) {
                return Some(format!("did you mean `{word}`?"));
            }
            if found == "(" && expected == Expected::Operator {
                return Some("to call a function, write `(` right after its name: `tolower(username)`".into());
            }
            if found == ")" && expected == Expected::Continuation(Closer::EndOfInput) {
                return Some("this `)` has no matching `(`".into());
            }
            None
        }
        _ => None,
    }
}
