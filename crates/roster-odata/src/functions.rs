//! `methodCallExpr`: calls of the built-in functions ([`Func`]), looked up case-insensitively,
//! with their arity checked; and the "did you mean" used by the error messages.

use roster_ast::{Expr, ExprKind, Func, Path, Span};

use crate::error::{ParseError, ParseErrorKind};
use crate::lexical::Parser;

impl Parser<'_> {
    /// `functionName`: the function a name followed by `(` calls, looked up
    /// case-insensitively. An unknown name is reported at the name, with the closest
    /// function when one is close.
    pub(crate) fn function_name(&self, name: &Path) -> Result<Func, ParseError> {
        let func = match name.segments.as_slice() {
            [single] => Func::from_name(single),
            _ => None,
        };
        func.ok_or_else(|| {
            let written = name.joined("/");
            let lower = written.to_ascii_lowercase();
            let suggestion = closest(&lower, Func::ALL.iter().map(|f| f.name())).and_then(Func::from_name);
            ParseError::new(ParseErrorKind::UnknownFunction { name: written, suggestion }, name.span)
        })
    }

    /// `methodCallExpr = functionName "(" BWS [ boolCommonExpr *( BWS "," BWS
    /// boolCommonExpr ) ] BWS ")"`, once its arguments are read: checks the arity, and
    /// reports a wrong one at the whole call (from the name to the `)`).
    pub(crate) fn method_call_expr(
        &self,
        func: Func,
        name: Span,
        args: Vec<Expr>,
        close: Span,
    ) -> Result<Expr, ParseError> {
        let span = name.to(close);
        let (min, max) = func.arity();
        if args.len() < min || args.len() > max {
            return Err(ParseError::new(
                ParseErrorKind::WrongArity { func, expected: min, at_most: max, found: args.len() },
                span,
            ));
        }
        Ok(Expr::new(ExprKind::Call { func, args }, span))
    }
}

/// How a function is called, for help texts.
pub(crate) fn signature(func: Func) -> &'static str {
    match func {
        Func::Contains => "contains(text, substring)",
        Func::StartsWith => "startswith(text, prefix)",
        Func::EndsWith => "endswith(text, suffix)",
        Func::ToLower => "tolower(text)",
        Func::ToUpper => "toupper(text)",
        Func::Length => "length(text)",
        Func::Trim => "trim(text)",
        Func::Concat => "concat(text, text)",
        Func::IndexOf => "indexof(text, substring)",
        Func::Substring => "substring(text, start) or substring(text, start, length)",
        Func::MatchesPattern => "matchesPattern(text, 'pattern')",
        Func::HasSubset => "hassubset(collection, collection)",
        Func::HasSubsequence => "hassubsequence(collection, collection)",
        Func::Year => "year(timestamp)",
        Func::Month => "month(timestamp)",
        Func::Day => "day(timestamp)",
        Func::Hour => "hour(timestamp)",
        Func::Minute => "minute(timestamp)",
        Func::Second => "second(timestamp)",
        Func::FractionalSeconds => "fractionalseconds(timestamp)",
        Func::TotalSeconds => "totalseconds(duration)",
        Func::Date => "date(timestamp)",
        Func::Time => "time(timestamp)",
        Func::TotalOffsetMinutes => "totaloffsetminutes(timestamp)",
        Func::Now => "now()",
        Func::MinDateTime => "mindatetime()",
        Func::MaxDateTime => "maxdatetime()",
        Func::Round => "round(number)",
        Func::Floor => "floor(number)",
        Func::Ceiling => "ceiling(number)",
        Func::Cast => "cast(Type) or cast(value, Type)",
        Func::IsOf => "isof(Type) or isof(value, Type)",
        Func::GeoDistance => "geo.distance(point, point)",
        Func::GeoLength => "geo.length(line)",
        Func::GeoIntersects => "geo.intersects(point, polygon)",
    }
}

/// The candidate closest to `word` (already lower-case), if it is close: at most one edit
/// for short candidates, two for longer ones. Edits are insertions, deletions, substitutions
/// and swaps of adjacent characters.
pub(crate) fn closest<'c>(word: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    if word.chars().count() > 32 {
        return None;
    }
    candidates
        .into_iter()
        .filter(|c| *c != word)
        .map(|c| (edit_distance(word, c), c))
        .filter(|&(d, c)| d <= if c.len() <= 3 { 1 } else { 2 })
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c)
}

/// Optimal-string-alignment distance (Levenshtein plus adjacent swaps), over chars.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // rows[i][j]: distance between a[..i] and b[..j]; three rows are enough.
    let width = b.len() + 1;
    let mut before: Vec<usize> = vec![0; width];
    let mut prev: Vec<usize> = (0..width).collect();
    let mut cur: Vec<usize> = vec![0; width];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..width {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(before[j - 2] + 1);
            }
            cur[j] = d;
        }
        std::mem::swap(&mut before, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(edit_distance("containz", "contains"), 1);
        assert_eq!(edit_distance("adn", "and"), 1);
        assert_eq!(edit_distance("", "or"), 2);
        assert_eq!(edit_distance("startwith", "startswith"), 1);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn suggestions_only_when_close() {
        let funcs = || Func::ALL.iter().map(|f| f.name());
        assert_eq!(closest("containz", funcs()), Some("contains"));
        assert_eq!(closest("substringof", funcs()), Some("substring"));
        assert_eq!(closest("frobnicate", funcs()), None);
        assert_eq!(closest("adn", ["and", "or"]), Some("and"));
        assert_eq!(closest("id", ["and", "or"]), None);
        assert_eq!(closest("and", ["and", "or"]), None);
    }
}
