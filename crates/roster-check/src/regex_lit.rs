//! Regular expressions that are literal text with anchors, lowered to exact string tests.
//!
//! Mongo's `$regex` follows PCRE. On the flat (SQL-table) profiles Roster supports the subset
//! that every backend can run exactly without a regex engine: an optional start anchor (`^`
//! or `\A`), literal text (any character but `\ . + * ? ( ) | [ ] { } ^ $`, or a backslash
//! before a character that is not a letter or digit, which PCRE always reads literally), and
//! an optional end anchor. PCRE's `$` and `\Z` match at the very end *or before a newline at
//! the end*; `\z` only at the very end. So:
//!
//! | pattern | meaning |
//! |---|---|
//! | `lit` | `contains(f, 'lit')` |
//! | `^lit` | `startswith(f, 'lit')` |
//! | `lit\z` | `endswith(f, 'lit')` |
//! | `lit$` | `endswith(f, 'lit') or endswith(f, 'lit\n')` |
//! | `^lit\z` | `f eq 'lit'` |
//! | `^lit$` | `f eq 'lit' or f eq 'lit\n'` |
//!
//! Flags: `s` changes only `.`, which a literal pattern has none of, so it is allowed; `i`, `m`
//! and `x` change what literal text or anchors mean and are rejected here. Anything else is
//! rejected with a clear error; nothing is approximated.

/// Where a literal pattern must end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum End {
    /// Anywhere.
    Free,
    /// At the very end (`\z`).
    Absolute,
    /// At the end or before a final newline (`$`, `\Z`).
    BeforeFinalNewline,
}

/// A pattern that is anchored literal text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Literal {
    /// Anchored at the start.
    pub start: bool,
    /// The text to find.
    pub text: String,
    /// How it is anchored at the end.
    pub end: End,
}

/// Why a pattern is outside the literal subset, for the error message.
pub(crate) fn parse(pattern: &str, flags: &str) -> Result<Literal, String> {
    if let Some(f) = flags.chars().find(|f| *f != 's') {
        return Err(format!("the regular-expression option `{f}` (only `s` is supported on this profile)"));
    }
    let (start, mut rest) = if let Some(r) = pattern.strip_prefix('^') {
        (true, r)
    } else if let Some(r) = pattern.strip_prefix("\\A") {
        (true, r)
    } else {
        (false, pattern)
    };
    let mut text = String::with_capacity(rest.len());
    let mut end = End::Free;
    while let Some(c) = rest.chars().next() {
        rest = &rest[c.len_utf8()..];
        match c {
            '$' if rest.is_empty() => end = End::BeforeFinalNewline,
            '\\' => match rest.chars().next() {
                Some('z') if rest.len() == 1 => {
                    end = End::Absolute;
                    rest = "";
                }
                Some('Z') if rest.len() == 1 => {
                    end = End::BeforeFinalNewline;
                    rest = "";
                }
                Some(e) if !e.is_ascii_alphanumeric() => {
                    text.push(e);
                    rest = &rest[e.len_utf8()..];
                }
                Some(e) => return Err(format!("a regular expression with the escape `\\{e}`")),
                None => return Err("a regular expression ending in a lone backslash".into()),
            },
            '.' | '+' | '*' | '?' | '(' | ')' | '|' | '[' | ']' | '{' | '}' | '^' | '$' => {
                return Err(format!(
                    "a regular expression with `{c}` (only literal text with `^`/`$` anchors is supported on this \
                     profile; escape it as `\\{c}` to match it literally)"
                ));
            }
            c => text.push(c),
        }
    }
    Ok(Literal { start, text, end })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(start: bool, text: &str, end: End) -> Result<Literal, String> {
        Ok(Literal { start, text: text.into(), end })
    }

    #[test]
    fn anchors_and_escapes() {
        assert_eq!(parse("abc", ""), lit(false, "abc", End::Free));
        assert_eq!(parse("^ab", "s"), lit(true, "ab", End::Free));
        assert_eq!(parse("\\Aab\\z", ""), lit(true, "ab", End::Absolute));
        assert_eq!(parse("ab$", ""), lit(false, "ab", End::BeforeFinalNewline));
        assert_eq!(parse("ab\\Z", ""), lit(false, "ab", End::BeforeFinalNewline));
        assert_eq!(parse("a\\.b\\$\\\\", ""), lit(false, "a.b$\\", End::Free));
        assert_eq!(parse("", ""), lit(false, "", End::Free));
        assert_eq!(parse("^", ""), lit(true, "", End::Free));
        assert_eq!(parse("zoë\\€", ""), lit(false, "zoë€", End::Free));
    }

    #[test]
    fn everything_else_is_refused() {
        for (p, f) in
            [("a.b", ""), ("a*", ""), ("a$b", ""), ("\\d", ""), ("a\\", ""), ("ab", "i"), ("ab", "m"), ("(a)", "")]
        {
            assert!(parse(p, f).is_err(), "{p:?} /{f}");
        }
    }
}
