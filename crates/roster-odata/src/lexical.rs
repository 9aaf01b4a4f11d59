//! The lexical layer: white space, keywords with word boundaries, identifiers, and the
//! cursor every grammar area advances. Tokens are recognised with nom combinators over the
//! rest of the text; the grammar areas (`expr`, `literals`, `functions`, `orderby`) call them.
//!
//! Grammar: `grammar/odata-filter.abnf` (`RWS`, `BWS`, `identifier`, keywords).

use nom::bytes::complete::take_while;
use nom::character::complete::satisfy;
use nom::combinator::recognize;
use nom::{IResult, Parser as _};
use roster_ast::Span;

use crate::Options;
use crate::error::{Expected, ParseError, ParseErrorKind};

/// `WSP`: the white space OData allows between tokens.
pub(crate) fn is_ws(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

/// First character of an identifier: a letter (any script) or `_`.
pub(crate) fn is_ident_start(c: char) -> bool {
    c == '_' || c.is_alphabetic()
}

/// Later characters of an identifier: letters, digits (any script) or `_`.
pub(crate) fn is_ident_continue(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

/// The length in bytes of the white space (`BWS`) at the start of `input`.
fn ws_len(input: &str) -> usize {
    input.bytes().position(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r')).unwrap_or(input.len())
}

/// `identifier = identStart *identContinue`.
///
/// Most identifiers are ASCII, so those are scanned byte by byte; at the first non-ASCII
/// byte the general rule (letters and digits of any script) takes over.
pub(crate) fn identifier(input: &str) -> IResult<&str, &str> {
    match ascii_identifier_len(input) {
        Some(n) => Ok((&input[n..], &input[..n])),
        None => recognize((satisfy(is_ident_start), take_while(is_ident_continue))).parse(input),
    }
}

/// The length of the identifier at the start of `input` when it is ASCII and ends before an
/// ASCII character (or the end); `None` when the general rule must decide.
fn ascii_identifier_len(input: &str) -> Option<usize> {
    let b = input.as_bytes();
    let first = *b.first()?;
    if !(first.is_ascii_alphabetic() || first == b'_') {
        return None;
    }
    let n = b.iter().position(|&c| !(c.is_ascii_alphanumeric() || c == b'_')).unwrap_or(b.len());
    if b.get(n).is_some_and(|c| !c.is_ascii()) {
        return None;
    }
    Some(n)
}

/// The words that cannot start an operand because they are operators or literals.
pub(crate) const RESERVED: [&str; 13] =
    ["and", "or", "not", "eq", "ne", "gt", "ge", "lt", "le", "in", "null", "true", "false"];

/// Whether `word` is reserved (case-insensitively), so cannot be the first segment of a path.
pub(crate) fn is_reserved(word: &str) -> bool {
    RESERVED.iter().any(|r| r.eq_ignore_ascii_case(word))
}

/// The offending token at the start of `rest`, for "found …" in messages: a string literal,
/// a word-like run (identifier, number, date-time, GUID), a run of operator symbols, or one
/// character. Empty at the end of the input.
pub(crate) fn token_len(rest: &str) -> usize {
    let mut chars = rest.chars();
    let Some(first) = chars.next() else {
        return 0;
    };
    let run = |pred: &dyn Fn(char) -> bool| rest.find(|c: char| !pred(c)).unwrap_or(rest.len());
    match first {
        '\'' => {
            // Up to the closing quote, stepping over doubled quotes.
            let bytes = rest.as_bytes();
            let mut i = 1;
            while i < bytes.len() {
                if bytes[i] == b'\'' {
                    if bytes.get(i + 1) == Some(&b'\'') {
                        i += 2;
                        continue;
                    }
                    return i + 1;
                }
                i += 1;
            }
            rest.len()
        }
        '"' => rest[1..].find('"').map_or(rest.len(), |i| i + 2),
        c if is_word_char(c) => run(&is_word_char),
        c if is_ws(c) => run(&is_ws),
        c if is_symbol(c) => run(&is_symbol),
        c => c.len_utf8(),
    }
}

/// Characters of a word-like token: identifiers, numbers, GUIDs, date-times.
pub(crate) fn is_word_char(c: char) -> bool {
    is_ident_continue(c) || matches!(c, '-' | '+' | '.' | ':')
}

fn is_symbol(c: char) -> bool {
    matches!(c, '=' | '!' | '<' | '>' | '&' | '|')
}

/// A cursor over the text being parsed, with the limits in force.
#[derive(Debug)]
pub(crate) struct Parser<'a> {
    /// The whole text.
    pub(crate) text: &'a str,
    /// Byte offset of the next unread character.
    pub(crate) pos: usize,
    /// How deep `(`, `not` and calls may nest.
    pub(crate) max_depth: usize,
}

impl<'a> Parser<'a> {
    pub(crate) fn new(text: &'a str, opts: &Options) -> Parser<'a> {
        Parser { text, pos: 0, max_depth: opts.max_depth }
    }

    /// The unread rest of the text.
    pub(crate) fn rest(&self) -> &'a str {
        self.text.get(self.pos..).unwrap_or("")
    }

    /// Whether the whole text has been read.
    pub(crate) fn at_end(&self) -> bool {
        self.pos >= self.text.len()
    }

    /// The next character, if any.
    pub(crate) fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    /// A span from byte offsets. The length limit (at most `u32::MAX`) keeps offsets in
    /// range; the conversion saturates rather than wraps all the same.
    pub(crate) fn span(&self, start: usize, end: usize) -> Span {
        let clamp = |x: usize| u32::try_from(x).unwrap_or(u32::MAX);
        Span::new(clamp(start), clamp(end))
    }

    /// Runs a nom recogniser on the rest of the text; on success advances past what it
    /// consumed and returns its output with the span it covered.
    pub(crate) fn lex<O>(&mut self, mut recogniser: impl FnMut(&'a str) -> IResult<&'a str, O>) -> Option<(O, Span)> {
        let rest = self.rest();
        let (after, out) = recogniser(rest).ok()?;
        let start = self.pos;
        self.pos += rest.len() - after.len();
        Some((out, self.span(start, self.pos)))
    }

    /// Skips white space (`BWS`).
    pub(crate) fn skip_ws(&mut self) {
        self.pos += ws_len(self.rest());
    }

    /// The identifier-like word at the cursor, if any (not consumed).
    pub(crate) fn word(&self) -> Option<&'a str> {
        let rest = self.rest();
        match ascii_identifier_len(rest) {
            Some(n) => rest.get(..n),
            // An ASCII byte that cannot start an identifier (a quote, a digit, `(`): none.
            None if rest.as_bytes().first().is_none_or(|&b| b.is_ascii() && b != b'_' && !b.is_ascii_alphabetic()) => {
                None
            }
            None => identifier(rest).ok().map(|(_, word)| word),
        }
    }

    /// Consumes the identifier at the cursor, if any, and returns it.
    pub(crate) fn eat_identifier(&mut self) -> Option<&'a str> {
        let word = self.word()?;
        self.pos += word.len();
        Some(word)
    }

    /// Consumes the keyword `word` if it comes next: the whole identifier-like word at the
    /// cursor, compared case-insensitively. So `aeqb` and `notx` are identifiers, while in
    /// `eq'x'` and `not(` the keyword ends where the identifier characters do.
    pub(crate) fn keyword(&mut self, word: &'static str) -> Option<Span> {
        let next = self.word()?;
        next.eq_ignore_ascii_case(word).then(|| self.advance(next.len()))
    }

    /// The span of the one character at byte `at` (empty at the end of the text).
    pub(crate) fn one_char(&self, at: usize) -> Span {
        let len = self.text.get(at..).and_then(|r| r.chars().next()).map_or(0, char::len_utf8);
        self.span(at, at + len)
    }

    /// Consumes `len` bytes and returns their span.
    pub(crate) fn advance(&mut self, len: usize) -> Span {
        let start = self.pos;
        self.pos += len;
        self.span(start, self.pos)
    }

    /// Consumes the character `c` if it comes next.
    pub(crate) fn eat(&mut self, c: char) -> Option<Span> {
        (self.peek() == Some(c)).then(|| self.advance(c.len_utf8()))
    }

    /// Enters one more level of nesting opened by the token at `at`.
    pub(crate) fn enter(&self, depth: usize, at: Span) -> Result<usize, ParseError> {
        if depth >= self.max_depth {
            Err(ParseError::new(ParseErrorKind::NestingTooDeep { max_depth: self.max_depth }, at))
        } else {
            Ok(depth + 1)
        }
    }

    /// A syntax error at the current position: `expected`, found the token that is there.
    pub(crate) fn expected(&self, expected: Expected) -> ParseError {
        let rest = self.rest();
        let len = token_len(rest);
        let found = (len > 0).then(|| rest[..len].to_string());
        ParseError::new(ParseErrorKind::Syntax { expected, found }, self.span(self.pos, self.pos + len))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Options;

    #[test]
    fn keywords_need_a_boundary_after_them() {
        let opts = Options::default();
        let kw = |text: &str, word| Parser::new(text, &opts).keyword(word);
        assert_eq!(kw("eq 'x'", "eq"), Some(Span::new(0, 2)));
        assert_eq!(kw("EQ'x'", "eq"), Some(Span::new(0, 2)));
        assert_eq!(kw("eqb", "eq"), None);
        assert_eq!(kw("not(", "not"), Some(Span::new(0, 3)));
        assert_eq!(kw("not_", "not"), None);
        assert_eq!(kw("noté", "not"), None);
        assert_eq!(kw(" not", "not"), None);
    }

    #[test]
    fn identifiers_allow_letters_of_any_script() {
        assert_eq!(identifier("größe eq 1"), Ok((" eq 1", "größe")));
        assert_eq!(identifier("_a1/b"), Ok(("/b", "_a1")));
        assert!(identifier("1a").is_err());
    }

    #[test]
    fn found_tokens() {
        assert_eq!(token_len("equals 'x'"), 6);
        assert_eq!(token_len("'it''s' and"), 7);
        assert_eq!(token_len("'open"), 5);
        assert_eq!(token_len(">= 3"), 2);
        assert_eq!(token_len("2021-01-01T10:00:00Z)"), 20);
        assert_eq!(token_len(")"), 1);
        assert_eq!(token_len("\"x\" y"), 3);
        assert_eq!(token_len(""), 0);
    }
}
