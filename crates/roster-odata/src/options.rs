//! OData query options: a whole URL query string (`$filter=…&$orderby=…&$top=…`) parsed into
//! one [`Query`].
//!
//! - Options: `$filter`, `$orderby`, `$select`, `$top`, `$skip`, `$count`, `$search`, also
//!   without the `$` (OData 4.01), names case-insensitive. Each at most once. An unknown
//!   name is an error with a did-you-mean (a typo such as `fitler` must not be silently
//!   ignored); `$expand`, `$apply`, `$compute` and the other system options that make no
//!   sense for a flat user list are `unsupported-option`. Empty pairs (`a&&b`) are skipped.
//! - Percent-decoding (`%27` → `'`, `%20` → space) applies to names and values; `+` is *not*
//!   a space (OData uses `+` in numbers and offsets: `2021-05-06T10:50:35+05:30`). Decoded
//!   bytes must be UTF-8.
//! - Spans of the resulting AST and of every error point into the *original, encoded* text.
//! - `$select`: comma-separated paths, or `*` for every field. `$top`/`$skip`: non-negative
//!   integers. `$count`: `true`/`false` (the caller decides what to do with it).
//! - `$search`: OData 4.01 search expressions (words, `"phrases"`, `AND`, `OR`, `NOT`,
//!   parentheses; `search.rs`), as keyword searches combined with `and`/`or`/`not`.
//! - A name must be followed by `=` (a `&` inside a value must be written `%26`) and must
//!   not hold white space; a `$filter` or `$orderby` value must start right after `=`.
//!
//! ```
//! let q = roster_odata::parse_query_options("$filter=userStatus%20eq%20%27VERIFIED%27&$orderby=createdAt desc&$top=10&skip=20").unwrap();
//! assert_eq!(q.query.filter.unwrap().to_string(), "userStatus eq 'VERIFIED'");
//! assert_eq!(q.query.sort[0].to_string(), "createdAt desc");
//! assert_eq!((q.query.page.limit, q.query.page.offset), (Some(10), 20));
//! let e = roster_odata::parse_query_options("$filter=username eq 'a'&$fitler=x").unwrap_err();
//! assert_eq!(roster_ast::Diagnostic::code(&e), "unknown-option");
//! ```

use std::fmt;

use roster_ast::{Diagnostic, Expr, ExprKind, Path, Projection, Query, Span};

use crate::{Options, ParseError, parse_filter_with, parse_orderby_with};

/// The options of one query string.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct QueryOptions {
    /// `$filter` (AND-ed with `$search` when both are given), `$orderby`, `$select`, `$top`
    /// and `$skip`.
    pub query: Query,
    /// `$count`, if given.
    pub count: Option<bool>,
}

/// Why a query string could not be parsed.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum OptionsError {
    /// An option's value did not parse; the span points into the encoded text.
    Parse(ParseError),
    /// `$fitler=…`
    UnknownOption {
        /// The name, decoded.
        name: String,
        /// The closest known option.
        suggestion: Option<&'static str>,
        /// Where.
        span: Span,
    },
    /// `$expand=…`
    UnsupportedOption {
        /// The name, decoded.
        name: String,
        /// Where.
        span: Span,
    },
    /// `$top=1&$top=2`
    DuplicateOption {
        /// The name, decoded.
        name: String,
        /// The second occurrence.
        span: Span,
    },
    /// `$top=-1`, `$count=yes`, `$select=a,,b`, `$search=(a OR b)`
    InvalidValue {
        /// The option.
        name: &'static str,
        /// What it accepts.
        expected: &'static str,
        /// Where.
        span: Span,
    },
    /// `$search=more&more`: a name without `=` (here, the rest of a value after an
    /// unencoded `&`). The span is the end of the name.
    MissingEquals {
        /// The name, decoded.
        name: String,
        /// Where `=` should be.
        span: Span,
    },
    /// `$filter =true`: white space in an option's name. The span is the white space.
    SpaceInName {
        /// The name, decoded.
        name: String,
        /// Where.
        span: Span,
    },
    /// `%zz`, or decoded bytes that are not UTF-8.
    BadEncoding {
        /// What is wrong.
        reason: &'static str,
        /// Where.
        span: Span,
    },
}

impl fmt::Display for OptionsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OptionsError::Parse(e) => write!(f, "{e}"),
            OptionsError::UnknownOption { name, .. } => write!(f, "unknown query option `{name}`"),
            OptionsError::UnsupportedOption { name, .. } => write!(f, "the query option `{name}` is not supported"),
            OptionsError::DuplicateOption { name, .. } => write!(f, "the query option `{name}` is given twice"),
            OptionsError::InvalidValue { name, expected, .. } => write!(f, "`{name}` takes {expected}"),
            OptionsError::BadEncoding { reason, .. } => f.write_str(reason),
            OptionsError::MissingEquals { name, .. } => write!(f, "expected `=` after the query option `{name}`"),
            OptionsError::SpaceInName { name, .. } => write!(f, "white space in the query option name `{name}`"),
        }
    }
}

impl std::error::Error for OptionsError {}

impl Diagnostic for OptionsError {
    fn code(&self) -> &'static str {
        match self {
            OptionsError::Parse(e) => e.code(),
            OptionsError::UnknownOption { .. } => "unknown-option",
            OptionsError::UnsupportedOption { .. } => "unsupported-option",
            OptionsError::DuplicateOption { .. } => "duplicate-option",
            OptionsError::InvalidValue { .. } => "invalid-value",
            OptionsError::BadEncoding { .. } => "bad-encoding",
            OptionsError::MissingEquals { .. } => "missing-equals",
            OptionsError::SpaceInName { .. } => "space-in-name",
        }
    }

    fn span(&self) -> Span {
        match self {
            OptionsError::Parse(e) => e.span,
            OptionsError::UnknownOption { span, .. }
            | OptionsError::UnsupportedOption { span, .. }
            | OptionsError::DuplicateOption { span, .. }
            | OptionsError::InvalidValue { span, .. }
            | OptionsError::BadEncoding { span, .. }
            | OptionsError::MissingEquals { span, .. }
            | OptionsError::SpaceInName { span, .. } => *span,
        }
    }

    fn help(&self) -> Option<String> {
        match self {
            OptionsError::Parse(e) => e.help(),
            OptionsError::UnknownOption { suggestion: Some(s), .. } => Some(format!("did you mean `{s}`?")),
            OptionsError::UnknownOption { .. } => {
                Some(format!("the supported options are {}", KNOWN.map(|k| format!("${k}")).join(", ")))
            }
            OptionsError::MissingEquals { .. } => {
                Some("write `name=value`; a `&` inside a value must be percent-encoded as `%26`".into())
            }
            OptionsError::SpaceInName { .. } => Some("remove the white space around `=`".into()),
            _ => None,
        }
    }
}

const KNOWN: [&str; 7] = ["filter", "orderby", "select", "top", "skip", "count", "search"];
const UNSUPPORTED: [&str; 10] =
    ["expand", "apply", "compute", "format", "skiptoken", "deltatoken", "levels", "index", "schemaversion", "id"];

/// Text decoded from a slice of the query string, with the encoded offset of every byte.
pub(crate) struct Decoded {
    pub(crate) text: String,
    /// `origin[i]` is the offset in the encoded text of decoded byte `i`; one extra entry for
    /// the end.
    origin: Vec<u32>,
}

impl Decoded {
    pub(crate) fn map(&self, s: Span) -> Span {
        let at =
            |i: u32| self.origin.get(i as usize).copied().unwrap_or_else(|| self.origin.last().copied().unwrap_or(0));
        Span::new(at(s.start), at(s.end))
    }
}

fn decode(raw: &str, base: usize) -> Result<Decoded, OptionsError> {
    let b = raw.as_bytes();
    let mut bytes = Vec::with_capacity(b.len());
    let mut origin = Vec::with_capacity(b.len() + 1);
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = |c: u8| (c as char).to_digit(16);
            match (b.get(i + 1).copied().and_then(hex), b.get(i + 2).copied().and_then(hex)) {
                (Some(h), Some(l)) => {
                    bytes.push((h * 16 + l) as u8);
                    origin.push((base + i) as u32);
                    i += 3;
                }
                _ => {
                    let end = (i + 3).min(b.len());
                    return Err(OptionsError::BadEncoding {
                        reason: "`%` must be followed by two hexadecimal digits",
                        span: Span::new((base + i) as u32, (base + end) as u32),
                    });
                }
            }
        } else {
            bytes.push(b[i]);
            origin.push((base + i) as u32);
            i += 1;
        }
    }
    origin.push((base + b.len()) as u32);
    match String::from_utf8(bytes) {
        Ok(text) => Ok(Decoded { text, origin }),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let start = origin.get(at).copied().unwrap_or(base as u32);
            Err(OptionsError::BadEncoding {
                reason: "the percent-decoded text is not UTF-8",
                span: Span::new(start, start + 3),
            })
        }
    }
}

/// Moves every span of `e` from decoded offsets to encoded ones.
fn remap(e: &mut Expr, d: &Decoded) {
    e.span = d.map(e.span);
    match &mut e.kind {
        ExprKind::Path { path } => path.span = d.map(path.span),
        ExprKind::Exists { path, .. } | ExprKind::Quantified { path, .. } => path.span = d.map(path.span),
        ExprKind::Search { fields: Some(fields), .. } => fields.iter_mut().for_each(|p| p.span = d.map(p.span)),
        _ => {}
    }
    match &mut e.kind {
        ExprKind::And { operands } | ExprKind::Or { operands } => operands.iter_mut().for_each(|c| remap(c, d)),
        ExprKind::Call { args, .. } => args.iter_mut().for_each(|c| remap(c, d)),
        ExprKind::In { lhs, list } => {
            remap(lhs, d);
            list.iter_mut().for_each(|c| remap(c, d));
        }
        ExprKind::Not { operand } => remap(operand, d),
        ExprKind::Compare { lhs, rhs, .. } | ExprKind::Arith { lhs, rhs, .. } | ExprKind::Has { lhs, rhs } => {
            remap(lhs, d);
            remap(rhs, d);
        }
        ExprKind::Negate { operand } => remap(operand, d),
        ExprKind::Array { items } => items.iter_mut().for_each(|c| remap(c, d)),
        ExprKind::Object { members } => members.iter_mut().for_each(|m| remap(&mut m.value, d)),
        ExprKind::Regex { target, .. } => remap(target, d),
        ExprKind::Quantified { predicate, .. } => remap(predicate, d),
        ExprKind::Navigate { steps } => {
            for step in steps {
                step.span = d.map(step.span);
                step.exprs_mut().into_iter().for_each(|c| remap(c, d));
            }
        }
        ExprKind::Literal { .. } | ExprKind::Path { .. } | ExprKind::Exists { .. } | ExprKind::Search { .. } => {}
    }
}

fn mapped(e: ParseError, d: &Decoded) -> OptionsError {
    OptionsError::Parse(ParseError { span: d.map(e.span), ..e })
}

/// Parses a `$filter` expression as written in a URL, percent-encoded where the OData ABNF
/// allows it (`maxdatetime%28%29`, `name eq %27O%27%27Neil%27`), with the default
/// [`Options`]. `+` is not a space. Spans of the tree and of errors point into the encoded
/// text.
///
/// ```
/// let e = roster_odata::parse_filter_url("name%20eq%20%27O''Neil%27").unwrap();
/// assert_eq!(e.to_string(), "name eq 'O''Neil'");
/// assert_eq!(e.span, roster_ast::Span::new(0, 25));
/// ```
pub fn parse_filter_url(text: &str) -> Result<Expr, OptionsError> {
    parse_filter_url_with(text, &Options::default())
}

/// [`parse_filter_url`] within the limits of `opts`.
pub fn parse_filter_url_with(text: &str, opts: &Options) -> Result<Expr, OptionsError> {
    let value = decode(text, 0)?;
    let mut e = parse_filter_with(&value.text, opts).map_err(|e| mapped(e, &value))?;
    remap(&mut e, &value);
    Ok(e)
}

/// Parses a URL query string of OData options with the default [`Options`].
pub fn parse_query_options(text: &str) -> Result<QueryOptions, OptionsError> {
    parse_query_options_with(text, &Options::default())
}

/// Parses a URL query string of OData options; `opts` limits each option's value.
pub fn parse_query_options_with(text: &str, opts: &Options) -> Result<QueryOptions, OptionsError> {
    let (text, offset) = match text.strip_prefix('?') {
        Some(rest) => (rest, 1),
        None => (text, 0),
    };
    let mut out = QueryOptions::default();
    let mut seen: Vec<&'static str> = Vec::new();
    let mut search: Option<Expr> = None;
    let mut base = offset;
    for pair in text.split('&') {
        let start = base;
        base += pair.len() + 1;
        if pair.is_empty() {
            continue;
        }
        let (raw_name, raw_value, value_at) = match pair.split_once('=') {
            Some((n, v)) => (n, v, start + n.len() + 1),
            None => (pair, "", start + pair.len()),
        };
        let name = decode(raw_name, start)?;
        let name_span = Span::new(start as u32, (start + raw_name.len()) as u32);
        if let Some(at) = name.text.find(char::is_whitespace) {
            let at = name.map(Span::new(at as u32, at as u32 + 1));
            return Err(OptionsError::SpaceInName { name: name.text, span: at });
        }
        if !pair.contains('=') {
            let end = name_span.end;
            return Err(OptionsError::MissingEquals { name: name.text, span: Span::new(end, end) });
        }
        let bare = name.text.strip_prefix('$').unwrap_or(&name.text).to_ascii_lowercase();
        let Some(known) = KNOWN.iter().copied().find(|k| *k == bare) else {
            if UNSUPPORTED.contains(&bare.as_str()) {
                return Err(OptionsError::UnsupportedOption { name: name.text, span: name_span });
            }
            let suggestion = KNOWN.iter().copied().find(|k| near(k, &bare)).map(|k| match k {
                "filter" => "$filter",
                "orderby" => "$orderby",
                "select" => "$select",
                "top" => "$top",
                "skip" => "$skip",
                "count" => "$count",
                _ => "$search",
            });
            return Err(OptionsError::UnknownOption { name: name.text, suggestion, span: name_span });
        };
        if seen.contains(&known) {
            return Err(OptionsError::DuplicateOption { name: name.text, span: name_span });
        }
        seen.push(known);
        let value = decode(raw_value, value_at)?;
        let value_span = Span::new(value_at as u32, (value_at + raw_value.len()) as u32);
        let lead = value.text.len() - value.text.trim_start().len();
        if lead > 0 && matches!(known, "filter" | "orderby") && lead < value.text.len() {
            // OData has no white space between `=` and the value; point at the value.
            let end = value.text.len() as u32;
            return Err(OptionsError::InvalidValue {
                name: if known == "filter" { "$filter" } else { "$orderby" },
                expected: "its value right after `=`, without white space before it",
                span: value.map(Span::new(lead as u32, end)),
            });
        }
        match known {
            "filter" => {
                let mut e = parse_filter_with(&value.text, opts).map_err(|e| mapped(e, &value))?;
                remap(&mut e, &value);
                out.query.filter = Some(e);
            }
            "orderby" => {
                let mut keys = parse_orderby_with(&value.text, opts).map_err(|e| mapped(e, &value))?;
                for k in &mut keys {
                    k.span = value.map(k.span);
                    k.path.span = value.map(k.path.span);
                }
                out.query.sort = keys;
            }
            "select" => out.query.projection = select(&value, value_span)?,
            "top" | "skip" => {
                let n = value.text.parse::<u64>().map_err(|_| OptionsError::InvalidValue {
                    name: if known == "top" { "$top" } else { "$skip" },
                    expected: "a non-negative integer",
                    span: value_span,
                })?;
                if known == "top" {
                    out.query.page.limit = Some(n);
                } else {
                    out.query.page.offset = n;
                }
            }
            "count" => {
                out.count = Some(match value.text.to_ascii_lowercase().as_str() {
                    "true" => true,
                    "false" => false,
                    _ => {
                        return Err(OptionsError::InvalidValue {
                            name: "$count",
                            expected: "true or false",
                            span: value_span,
                        });
                    }
                });
            }
            _ => search = Some(crate::search::search_expr(&value, raw_value, value_at, opts.max_depth)?),
        }
    }
    out.query.filter = match (out.query.filter.take(), search) {
        (Some(f), Some(s)) => {
            let span = f.span.to(s.span);
            Some(Expr::new(ExprKind::And { operands: vec![f, s] }, span))
        }
        (f, s) => f.or(s),
    };
    Ok(out)
}

fn select(value: &Decoded, span: Span) -> Result<Option<Projection>, OptionsError> {
    let invalid = || OptionsError::InvalidValue {
        name: "$select",
        expected: "`*` or comma-separated field paths such as `id,username`",
        span,
    };
    if value.text.trim() == "*" {
        return Ok(None);
    }
    let mut paths = Vec::new();
    let mut at = 0usize;
    for part in split_top_level(&value.text, ',').ok_or_else(invalid)? {
        let lead = part.len() - part.trim_start().len();
        let item = part.trim();
        // Segments are names, namespace-qualified names (type casts: `Model.Manager/name`),
        // `Namespace.*` or annotations (`@Core.Messages`); the last may carry parentheses:
        // a function's parameter names or nested options (`Address($select=Street)`),
        // kept as written, which the checker reports as unsupported.
        let name = |s: &str| {
            let s = s.strip_prefix('@').unwrap_or(s);
            let s = s.split_once('#').map_or(s, |(term, qualifier)| if qualifier.is_empty() { "" } else { term });
            let mut c = s.chars();
            c.next().is_some_and(|f| f.is_alphabetic() || f == '_') && c.all(|x| x.is_alphanumeric() || x == '_')
        };
        let (head, parens) = match item.find('(') {
            Some(open) => (&item[..open], Some(&item[open..])),
            None => (item, None),
        };
        let ok = !head.is_empty()
            && head.split('/').all(|s| {
                let parts: Vec<&str> = s.split('.').collect();
                let (last, init) = parts.split_last().unwrap_or((&"", &[]));
                init.iter().all(|p| name(p)) && (name(last) || (*last == "*" && !init.is_empty()))
            })
            && parens.is_none_or(select_parens);
        if !ok {
            return Err(invalid());
        }
        let s = (at + lead) as u32;
        paths.push(Path {
            segments: item.split('/').map(str::to_owned).collect(),
            span: value.map(Span::new(s, s + item.len() as u32)),
        });
        at += part.len() + 1;
    }
    Ok(Some(Projection::Include(paths)))
}

/// The parenthesised part of a `$select` item: parameter names (`(Location,Kind)`) or
/// `;`-separated options (`($select=Street;$top=5)`), balanced, with nothing after it.
fn select_parens(text: &str) -> bool {
    let Some(inner) = text.strip_prefix('(').and_then(|t| t.strip_suffix(')')) else {
        return false;
    };
    let Some(parts) = split_top_level(inner, ';') else {
        return false;
    };
    let ident = |s: &str| {
        let mut c = s.chars();
        c.next().is_some_and(|f| f.is_alphabetic() || f == '_') && c.all(|x| x.is_alphanumeric() || x == '_')
    };
    if parts.len() == 1 && inner.split(',').all(|p| ident(p.trim())) {
        return true;
    }
    const NESTED: [&str; 9] = ["select", "filter", "search", "count", "orderby", "skip", "top", "compute", "expand"];
    parts.iter().all(|p| match p.split_once('=') {
        Some((n, v)) => {
            NESTED.contains(&n.strip_prefix('$').unwrap_or(n).to_ascii_lowercase().as_str()) && !v.is_empty()
        }
        None => false,
    })
}

/// Splits `text` at `sep` outside parentheses and quotes; `None` when parentheses do not
/// balance.
fn split_top_level(text: &str, sep: char) -> Option<Vec<&str>> {
    let mut parts = Vec::new();
    let (mut depth, mut quoted, mut start) = (0usize, false, 0);
    for (i, c) in text.char_indices() {
        match c {
            '\'' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted => depth = depth.checked_sub(1)?,
            c if c == sep && !quoted && depth == 0 => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    (depth == 0).then(|| {
        parts.push(&text[start..]);
        parts
    })
}

/// Whether two option names are at most one edit apart.
fn near(a: &str, b: &str) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let (short, long) = if a.len() <= b.len() { (&a, &b) } else { (&b, &a) };
    match long.len() - short.len() {
        0 => {
            let diff: Vec<usize> = (0..a.len()).filter(|&i| a[i] != b[i]).collect();
            diff.len() == 1
                || (diff.len() == 2 && diff[1] == diff[0] + 1 && a[diff[0]] == b[diff[1]] && a[diff[1]] == b[diff[0]])
        }
        1 => (0..long.len())
            .any(|skip| long.iter().enumerate().filter(|(i, _)| *i != skip).map(|(_, c)| c).eq(short.iter())),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_options_and_spans_into_the_encoded_text() {
        let text = "$filter=username%20eq%20%27o%27%27b%27&$orderby=createdAt%20desc,id&$select=id,username&$top=5&$skip=10&$count=true";
        let q = parse_query_options(text).unwrap();
        let f = q.query.filter.unwrap();
        assert_eq!(f.to_string(), "username eq 'o''b'");
        assert_eq!(&text[f.span.range()], "username%20eq%20%27o%27%27b%27");
        let ExprKind::Compare { rhs, .. } = &f.kind else { panic!() };
        assert_eq!(&text[rhs.span.range()], "%27o%27%27b%27");
        assert_eq!(q.query.sort.len(), 2);
        assert_eq!(&text[q.query.sort[0].span.range()], "createdAt%20desc");
        assert_eq!(q.query.projection.unwrap().to_string(), "id,username");
        assert_eq!(q.query.page.limit, Some(5));
        assert_eq!(q.query.page.offset, 10);
        assert_eq!(q.count, Some(true));
    }

    #[test]
    fn plus_is_not_a_space_and_names_are_case_insensitive() {
        let q = parse_query_options("FILTER=createdAt gt 2021-05-06T10:50:35+05:30").unwrap();
        assert_eq!(q.query.filter.unwrap().to_string(), "createdAt gt 2021-05-06T05:20:35Z");
    }

    #[test]
    fn errors_point_into_the_encoded_text() {
        let text = "$top=1&$filter=username%20eq";
        let e = parse_query_options(text).unwrap_err();
        assert_eq!(e.code(), "syntax");
        assert_eq!(e.span(), Span::new(28, 28));
        let e = parse_query_options("$top=1&$top=2").unwrap_err();
        assert_eq!((e.code(), e.span()), ("duplicate-option", Span::new(7, 11)));
        let e = parse_query_options("$fitler=a").unwrap_err();
        assert_eq!(e.help().as_deref(), Some("did you mean `$filter`?"));
        assert_eq!(parse_query_options("$expand=x").unwrap_err().code(), "unsupported-option");
        assert_eq!(parse_query_options("$top=-1").unwrap_err().span(), Span::new(5, 7));
        assert_eq!(parse_query_options("$count=yes").unwrap_err().code(), "invalid-value");
        let e = parse_query_options("$filter=%zz").unwrap_err();
        assert_eq!((e.code(), e.span()), ("bad-encoding", Span::new(8, 11)));
        assert_eq!(parse_query_options("$filter=%ff").unwrap_err().code(), "bad-encoding");
        assert_eq!(parse_query_options("$select=a,,b").unwrap_err().code(), "invalid-value");
    }

    #[test]
    fn search_all_or_any() {
        let q = parse_query_options("$search=Jack Mike").unwrap();
        assert_eq!(q.query.filter.unwrap().to_string(), "search(all, 'Jack', 'Mike')");
        let q = parse_query_options("$search=Jack OR \"Mike P\"&$filter=a eq 1").unwrap();
        assert_eq!(q.query.filter.unwrap().to_string(), "a eq 1 and search(any, 'Jack', 'Mike P')");
        let search = |text: &str| parse_query_options(text).unwrap().query.filter.unwrap().to_string();
        // AND (also implied) binds tighter than OR.
        assert_eq!(search("$search=a OR b c"), "search(all, 'a') or search(all, 'b', 'c')");
        assert_eq!(search("$search=(a)"), "search(all, 'a')");
        assert_eq!(search("$search=NOT a"), "not search(all, 'a')");
        assert_eq!(
            search("$search=a AND (b OR c) AND NOT d"),
            "search(all, 'a') and search(any, 'b', 'c') and not search(all, 'd')"
        );
        // Keywords are words where no operator can stand.
        assert_eq!(search("$search=AND OR NOT"), "search(any, 'AND', 'NOT')");
        assert_eq!(search("$search=NOT NOT"), "not search(all, 'NOT')");
        assert_eq!(search("$search='\"blue'"), "search(all, '\"blue')");
        let err = |text: &str| parse_query_options(text).unwrap_err();
        assert_eq!((err("$search=\"blue").code(), err("$search=\"blue").span()), ("invalid-value", Span::new(13, 13)));
        assert_eq!(err("$search=a;b").span(), Span::new(9, 10));
        assert_eq!(err("$search=#1").span(), Span::new(8, 9));
        assert_eq!(err("$search=(a").span(), Span::new(8, 9));
        assert_eq!(err("$search=a)").span(), Span::new(9, 10));
        assert_eq!(
            (err("$search=more&more").code(), err("$search=more&more").span()),
            ("missing-equals", Span::new(17, 17))
        );
        let deep = format!("$search={}a{}", "(".repeat(100_000), ")".repeat(100_000));
        assert_eq!(err(&deep).code(), "invalid-value");
    }

    #[test]
    fn white_space_around_equals() {
        let e = parse_query_options("$filter =true").unwrap_err();
        assert_eq!((e.code(), e.span()), ("space-in-name", Span::new(7, 8)));
        let e = parse_query_options("$filter= true").unwrap_err();
        assert_eq!((e.code(), e.span()), ("invalid-value", Span::new(9, 13)));
    }

    #[test]
    fn empty_and_star() {
        let q = parse_query_options("").unwrap();
        assert_eq!(q, QueryOptions::default());
        let q = parse_query_options("?&$select=*&").unwrap();
        assert_eq!(q.query.projection, None);
        let text = "?$top=x";
        assert_eq!(&text[parse_query_options(text).unwrap_err().span().range()], "x");
    }
}
