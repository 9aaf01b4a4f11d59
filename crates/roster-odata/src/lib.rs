//! The OData `$filter` and `$orderby` front end of Roster: the expression language of OData
//! 4.01, parsed with [nom] into the dialect-neutral [`roster_ast`] tree, with a span on
//! every node.
//!
//! The grammar is `grammar/odata-filter.abnf` at the root of the workspace; each rule there
//! is one parser function here, named after it. In short:
//!
//! - comparisons `eq ne gt ge lt le`, `in (v1, v2, …)` / `in [..]`, `has`, `and`, `or`,
//!   `not`, arithmetic `add sub mul div divby mod` and unary `-`, parentheses, lambdas
//!   `path/any(x: …)` / `path/all(x: …)`, JSON arrays and objects, and every function of
//!   OData 4.01 (`contains`, `concat`, `substring`, `year`, `round`, `cast`, … see
//!   [`roster_ast::Func`]); which of them a schema can run is the checker's business;
//! - precedence, OData's table, tightest first: `has`/`in`, `not`/`-`, `mul div divby mod`,
//!   `add sub`, `gt ge lt le`, `eq ne`, `and`, `or`. So `not a eq b` is
//!   `(not a) eq b`, as in the OData specification; the checker reports it. A chain
//!   `a and b and c` is one n-ary [`ExprKind::And`] node; `(a and b) and c` stays nested;
//! - keywords, function names and `null`/`true`/`false` are case-insensitive (OData 4.01);
//! - literals: `null`, `true`, `false`, integers (`i64`; larger ones become floats),
//!   decimals (`1.5`, `-2.5e-3`), `NaN`, `INF`, `-INF`, strings in single quotes
//!   (`'O''Brien'`), GUIDs (`7600415a-8876-5722-9f3c-b0fd11112283`), date-times
//!   (`2020-09-21T14:19:09.769747Z`, `2021-05-06T10:50:35+05:30`, `2020-09-21`), times of
//!   day (`13:20:05.5`), `duration'P1DT2H'`, `binary'AQID'`, enum literals
//!   (`Sales.Pattern'Yellow'`) and geography/geometry literals of every shape
//!   (`geography'SRID=4326;Point(-122.1 47.6)'`, `geometry'SRID=0;GeometryCollection(…)'`);
//! - member paths `a/b/c`, namespace-qualified segments, `$it`, `$this`, `$root`, `$count`;
//! - [`parse_filter_url`] and [`parse_query_options`] decode `%27`-style percent-encoding
//!   first, with spans into the encoded text.
//!
//! Parsing is bounded: a text longer than [`Options::max_len`] is rejected before parsing,
//! and nesting deeper than [`Options::max_depth`] is an error, never a stack overflow. The
//! parser does not recurse at all (one loop over an explicit stack of open groups), and
//! `and`/`or` chains are n-ary nodes, so long flat filters make shallow trees.
//!
//! Spans are byte offsets into the text. Parentheses belong to the enclosing construct: the
//! node parsed from `(a eq 1)` spans `a eq 1`, and its parent spans the parentheses too, so
//! every child's span lies within its parent's.
//!
//! [`Expr`]'s `Display` is the canonical printer; it prints text this parser reads back to
//! the same tree:
//!
//! ```
//! use roster_ast::{ExprKind, Span};
//!
//! let text = "userStatus NE 'UNVERIFIED' AND (createdAt gt 2020-09-21T14:19:09Z OR id eq null)";
//! let filter = roster_odata::parse_filter(text)?;
//! assert!(matches!(filter.kind, ExprKind::And { .. }));
//! assert_eq!(filter.span, Span::new(0, 80));
//! assert_eq!(filter.children()[0].span, Span::new(0, 26)); // userStatus NE 'UNVERIFIED'
//! let printed = filter.to_string();
//! assert_eq!(
//!     printed,
//!     "userStatus ne 'UNVERIFIED' and (createdAt gt 2020-09-21T14:19:09Z or id eq null)",
//! );
//! assert_eq!(roster_odata::parse_filter(&printed)?.to_string(), printed);
//!
//! let keys = roster_odata::parse_orderby("createdAt desc, id")?;
//! assert_eq!(keys.len(), 2);
//! # Ok::<(), roster_odata::ParseError>(())
//! ```
//!
//! Errors say what was expected and what was found, with a span, a stable code and, where
//! one exists, a suggestion ([`roster_ast::Diagnostic`]):
//!
//! ```
//! use roster_ast::{Diagnostic, Span};
//!
//! let err = roster_odata::parse_filter("username equals 'x'").unwrap_err();
//! assert_eq!(err.code(), "syntax");
//! assert_eq!(err.span, Span::new(9, 15));
//! assert_eq!(
//!     err.to_string(),
//!     "expected an operator (eq, ne, gt, ge, lt, le, in), found `equals`"
//! );
//! assert_eq!(err.help().as_deref(), Some("did you mean `eq`?"));
//! ```
#![forbid(unsafe_code)]

mod error;
mod expr;
mod functions;
mod geo;
mod lexical;
mod literals;
mod navigation;
mod options;
mod orderby;
mod search;

pub use error::{Closer, Expected, LiteralKind, ParseError, ParseErrorKind};
pub use options::{
    OptionsError, QueryOptions, parse_filter_url, parse_filter_url_with, parse_query_options, parse_query_options_with,
};
use roster_ast::{Expr, SortKey};

use crate::lexical::Parser;

#[cfg(doc)]
use roster_ast::ExprKind;

/// Resource limits of one parse.
///
/// ```
/// use roster_ast::Diagnostic;
/// let tight = roster_odata::Options { max_depth: 2, ..Default::default() };
/// assert!(roster_odata::parse_filter_with("not (a eq 1)", &tight).is_ok());
/// let err = roster_odata::parse_filter_with("not not (a eq 1)", &tight).unwrap_err();
/// assert_eq!(err.code(), "nesting-too-deep");
/// assert_eq!(err.span, roster_ast::Span::new(8, 9)); // the `(` one level too deep
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// The longest accepted text, in bytes; longer texts are rejected (`input-too-long`)
    /// before parsing. Default 64 KiB. Values above `u32::MAX` act as `u32::MAX`, so that
    /// spans always fit.
    pub max_len: usize,
    /// How many levels may nest: each parenthesised group, `in` list, `not` and function
    /// call is one level, and so is each comparison after the first in a chain
    /// (`a eq b eq c` nests to the left). Deeper input is rejected (`nesting-too-deep`) at
    /// the token that opens the level too many. Default 128.
    ///
    /// The parser itself does not recurse (its stack use is the same for any input); the
    /// limit bounds the depth of the tree, which the printer, the checker and the backends
    /// walk recursively. Raise it with care: those stages need stack in proportion.
    pub max_depth: usize,
}

impl Default for Options {
    fn default() -> Options {
        Options { max_len: 64 * 1024, max_depth: 128 }
    }
}

/// Parses an OData `$filter` expression with the default [`Options`].
///
/// ```
/// let e = roster_odata::parse_filter("contains(username, '@example.com')").unwrap();
/// assert_eq!(e.to_string(), "contains(username, '@example.com')");
/// ```
pub fn parse_filter(text: &str) -> Result<Expr, ParseError> {
    parse_filter_with(text, &Options::default())
}

/// Parses an OData `$filter` expression (`boolCommonExpr`, surrounded by optional white
/// space) within the limits of `opts`.
pub fn parse_filter_with(text: &str, opts: &Options) -> Result<Expr, ParseError> {
    start(text, opts)?.bool_common_expr()
}

/// Parses an OData `$orderby` value with the default [`Options`]: comma-separated fields,
/// each optionally followed by `asc` (the default) or `desc`, case-insensitive.
///
/// ```
/// use roster_ast::Direction;
/// let keys = roster_odata::parse_orderby("createdAt DESC, id").unwrap();
/// assert_eq!(keys[0].path.segments, ["createdAt"]);
/// assert_eq!(keys[0].direction, Direction::Desc);
/// assert_eq!(keys[1].direction, Direction::Asc);
/// ```
pub fn parse_orderby(text: &str) -> Result<Vec<SortKey>, ParseError> {
    parse_orderby_with(text, &Options::default())
}

/// Parses an OData `$orderby` value within the length limit of `opts`.
pub fn parse_orderby_with(text: &str, opts: &Options) -> Result<Vec<SortKey>, ParseError> {
    start(text, opts)?.orderby()
}

/// Parses `text` as one literal of the given kind and nothing else: `LiteralKind::Boolean`
/// (`true`, `false`), `Number`, `DateTime` (a date or date-time-offset), `Guid`; any other
/// kind reads any primitive literal. Errors point at the first character that cannot
/// continue the literal, as the OASIS ABNF test cases expect.
///
/// ```
/// use roster_odata::LiteralKind;
/// assert!(roster_odata::parse_literal("2012-09-03", LiteralKind::DateTime).is_ok());
/// let err = roster_odata::parse_literal("01234g67-89ab-cdef-0123-456789abcdef", LiteralKind::Guid).unwrap_err();
/// assert_eq!(err.span.start, 5);
/// assert_eq!(roster_odata::parse_literal("42.", LiteralKind::Number).unwrap_err().span.start, 3);
/// assert_eq!(roster_odata::parse_literal("1", LiteralKind::Boolean).unwrap_err().span.start, 0);
/// ```
pub fn parse_literal(text: &str, kind: LiteralKind) -> Result<Expr, ParseError> {
    start(text, &Options::default())?.literal_of(kind)
}

/// Checks the length limit and makes a parser.
fn start<'a>(text: &'a str, opts: &Options) -> Result<Parser<'a>, ParseError> {
    let max_len = opts.max_len.min(u32::MAX as usize);
    let p = Parser::new(text, opts);
    if text.len() > max_len {
        return Err(ParseError::new(
            ParseErrorKind::InputTooLong { len: text.len(), max_len },
            p.span(max_len, text.len()),
        ));
    }
    Ok(p)
}
