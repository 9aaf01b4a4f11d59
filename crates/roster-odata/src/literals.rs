//! `primitiveLiteral`: `null`, `true`, `false`, numbers, strings, GUIDs and date-times.
//!
//! Which literal comes next is decided from its first characters, most specific first: a
//! GUID (which may start with a letter, `abcdef01-…`, or a digit), a date-time (four digits
//! and `-`), a number, then the keyword literals. Grammar: `grammar/odata-filter.abnf`.

use nom::branch::alt;
use nom::bytes::complete::{is_not, tag, take_while_m_n};
use nom::character::complete::{char, digit1, one_of, satisfy};
use nom::combinator::{not, opt, peek, recognize, value};
use nom::multi::fold_many0;
use nom::{IResult, Parser as _};
use roster_ast::time::Timestamp;
use roster_ast::{Expr, Literal, parse_guid};

use crate::error::{LiteralKind, ParseError, ParseErrorKind};
use crate::lexical::{Parser, is_word_char};

/// `guidValue = 8HEXDIG "-" 4HEXDIG "-" 4HEXDIG "-" 4HEXDIG "-" 12HEXDIG`, not followed by
/// another word character.
fn guid_value(input: &str) -> IResult<&str, &str> {
    let hex = |n: usize| take_while_m_n(n, n, |c: char| c.is_ascii_hexdigit());
    recognize((
        hex(8),
        char('-'),
        hex(4),
        char('-'),
        hex(4),
        char('-'),
        hex(4),
        char('-'),
        hex(12),
        not(peek(satisfy(is_word_char))),
    ))
    .parse(input)
}

/// The start of `dateTimeOffsetValue`: four digits and `-` (`2020-`).
fn date_start(input: &str) -> IResult<&str, &str> {
    recognize((take_while_m_n(4, 4, |c: char| c.is_ascii_digit()), char('-'))).parse(input)
}

/// `numberValue = [ SIGN ] 1*DIGIT [ "." 1*DIGIT ] [ "e" [ SIGN ] 1*DIGIT ]`.
fn number_value(input: &str) -> IResult<&str, &str> {
    recognize((opt(one_of("+-")), digit1, opt((char('.'), digit1)), opt((one_of("eE"), opt(one_of("+-")), digit1))))
        .parse(input)
}

/// `stringLiteral = SQUOTE *( SQUOTE-in-string / pchar-no-SQUOTE ) SQUOTE`, unescaped.
/// Fails at the closing quote (reported as unterminated) or before the opening one.
fn string_literal(input: &str) -> IResult<&str, String> {
    let (input, _) = char('\'').parse(input)?;
    let (input, body) = fold_many0(alt((is_not("'"), value("'", tag("''")))), String::new, |mut acc, part| {
        acc.push_str(part);
        acc
    })
    .parse(input)?;
    let (input, _) = char('\'').parse(input)?;
    Ok((input, body))
}

/// A word-like run that fails as a number but has the shape of a GUID (`7600415a-88…`).
fn looks_like_guid(run: &str) -> bool {
    run.find('-') == Some(8) && run.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
}

impl Parser<'_> {
    /// `primitiveLiteral`, if one comes next; `Ok(None)` when the next token is not a
    /// literal (a field, a call, a parenthesis …), so the caller can try those.
    pub(crate) fn primitive_literal(&mut self) -> Result<Option<Expr>, ParseError> {
        let start = self.pos;
        let Some(first) = self.peek() else {
            return Ok(None);
        };
        if first == '\'' {
            return self.string_value().map(Some);
        }
        if let Some((text, span)) = self.lex(guid_value) {
            // `guid_value` only recognises the 8-4-4-4-12 form, which `parse_guid` accepts.
            return match parse_guid(text) {
                Some(g) => Ok(Some(Expr::literal(Literal::Guid(g), span))),
                None => Err(self.invalid_literal(LiteralKind::Guid, start, span.range().end)),
            };
        }
        if date_start(self.rest()).is_ok() {
            return self.date_time_offset_value().map(Some);
        }
        let signed_digit = matches!(first, '+' | '-') && self.rest()[1..].starts_with(|c: char| c.is_ascii_digit());
        if first.is_ascii_digit() || signed_digit {
            return self.number().map(Some);
        }
        for (word, value) in [("null", Literal::Null), ("true", Literal::Bool(true)), ("false", Literal::Bool(false))] {
            if let Some(span) = self.keyword(word) {
                return Ok(Some(Expr::literal(value, span)));
            }
        }
        Ok(None)
    }

    /// `stringLiteral`; an unterminated one is reported at its opening quote.
    fn string_value(&mut self) -> Result<Expr, ParseError> {
        let start = self.pos;
        match self.lex(string_literal) {
            Some((s, span)) => Ok(Expr::literal(Literal::String(s), span)),
            None => Err(ParseError::new(ParseErrorKind::UnterminatedString, self.span(start, start + 1))),
        }
    }

    /// `numberValue`: an `i64` when it has neither fraction nor exponent and fits, else a
    /// finite `f64`.
    fn number(&mut self) -> Result<Expr, ParseError> {
        let start = self.pos;
        let Some((text, span)) = self.lex(number_value) else {
            return Err(self.invalid_literal(LiteralKind::Number, start, start));
        };
        if self.peek().is_some_and(is_word_char) {
            let end = self.word_end(start);
            let run = &self.text[start..end];
            let kind = if looks_like_guid(run) { LiteralKind::Guid } else { LiteralKind::Number };
            return Err(self.invalid_literal(kind, start, end));
        }
        let integral = !text.contains(['.', 'e', 'E']);
        if integral && let Ok(i) = text.parse::<i64>() {
            return Ok(Expr::literal(Literal::Int(i), span));
        }
        match text.parse::<f64>() {
            Ok(x) if x.is_finite() => Ok(Expr::literal(Literal::Float(x), span)),
            _ => Err(ParseError::new(
                ParseErrorKind::InvalidLiteral {
                    literal: LiteralKind::Number,
                    text: text.to_string(),
                    expected: "a finite number (at most about 1.8e308)",
                },
                span,
            )),
        }
    }

    /// `dateTimeOffsetValue`: the word-like run starting with `YYYY-`, read by
    /// [`Timestamp::parse`]; its error offset is mapped into the text.
    fn date_time_offset_value(&mut self) -> Result<Expr, ParseError> {
        let start = self.pos;
        let end = self.word_end(start);
        let text = &self.text[start..end];
        match Timestamp::parse(text) {
            Ok(t) => {
                self.pos = end;
                Ok(Expr::literal(Literal::DateTime(t), self.span(start, end)))
            }
            Err(e) => {
                // Underline the digits where it went wrong (or one character).
                let at = (start + e.at).min(end);
                let bad = &self.text[at..end];
                let len = match bad.find(|c: char| !c.is_ascii_digit()) {
                    Some(0) => bad.chars().next().map_or(0, char::len_utf8),
                    Some(n) => n,
                    None => bad.len(),
                };
                Err(ParseError::new(
                    ParseErrorKind::InvalidLiteral {
                        literal: LiteralKind::DateTime,
                        text: text.to_string(),
                        expected: e.expected,
                    },
                    self.span(at, at + len),
                ))
            }
        }
    }

    /// The end of the word-like run (identifier, number, GUID or date-time characters)
    /// starting at `start`.
    pub(crate) fn word_end(&self, start: usize) -> usize {
        let rest = &self.text[start..];
        start + rest.find(|c: char| !is_word_char(c)).unwrap_or(rest.len())
    }

    /// If the word-like run at `start` has the shape of a GUID but is not one (an identifier
    /// such as `abcdef01` followed by `-`), the error for it.
    pub(crate) fn malformed_guid(&self, start: usize) -> Option<ParseError> {
        let end = self.word_end(start);
        looks_like_guid(&self.text[start..end]).then(|| self.invalid_literal(LiteralKind::Guid, start, end))
    }

    fn invalid_literal(&self, literal: LiteralKind, start: usize, end: usize) -> ParseError {
        let end = end.max(self.word_end(start));
        let expected = match literal {
            LiteralKind::Number => "only digits, a `.` fraction and an `e` exponent",
            LiteralKind::Guid => "8-4-4-4-12 hexadecimal digits",
            LiteralKind::DateTime => "a date-time",
        };
        ParseError::new(
            ParseErrorKind::InvalidLiteral { literal, text: self.text[start..end].to_string(), expected },
            self.span(start, end),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Options;
    use roster_ast::Span;

    fn lit(text: &str) -> Result<Option<(Literal, Span)>, ParseError> {
        let opts = Options::default();
        let mut p = Parser::new(text, &opts);
        Ok(p.primitive_literal()?.map(|e| match &e.kind {
            roster_ast::ExprKind::Literal { value } => (value.clone(), e.span),
            _ => unreachable!("primitive_literal returns literals"),
        }))
    }

    #[test]
    fn numbers() {
        assert_eq!(lit("42").unwrap(), Some((Literal::Int(42), Span::new(0, 2))));
        assert_eq!(lit("-7").unwrap().unwrap().0, Literal::Int(-7));
        assert_eq!(lit("+7").unwrap().unwrap().0, Literal::Int(7));
        assert_eq!(lit("1.5").unwrap().unwrap().0, Literal::Float(1.5));
        assert_eq!(lit("-2.5e-3").unwrap().unwrap().0, Literal::Float(-2.5e-3));
        assert_eq!(lit("1e20").unwrap().unwrap().0, Literal::Float(1e20));
        assert_eq!(lit("-9223372036854775808").unwrap().unwrap().0, Literal::Int(i64::MIN));
        assert_eq!(lit("9223372036854775808").unwrap().unwrap().0, Literal::Float(9_223_372_036_854_775_808.0));
    }

    #[test]
    fn strings_unescape_doubled_quotes() {
        assert_eq!(lit("'O''Brien' x").unwrap(), Some((Literal::String("O'Brien".into()), Span::new(0, 10))));
        assert_eq!(lit("''").unwrap().unwrap().0, Literal::String(String::new()));
        assert_eq!(lit("''''").unwrap().unwrap().0, Literal::String("'".into()));
        assert_eq!(lit("'é\n😀'").unwrap().unwrap().0, Literal::String("é\n😀".into()));
    }

    #[test]
    fn guids_before_identifiers_and_numbers() {
        let g = "abcdef01-2345-6789-abcd-ef0123456789";
        assert_eq!(lit(g).unwrap().unwrap().0, Literal::Guid(0xabcdef01_2345_6789_abcd_ef0123456789));
        let g = "7600415A-8876-5722-9F3C-B0FD11112283";
        assert_eq!(lit(g).unwrap().unwrap().0, Literal::Guid(0x7600415a_8876_5722_9f3c_b0fd11112283));
    }

    #[test]
    fn date_times() {
        let t = |s: &str| Literal::DateTime(Timestamp::parse(s).unwrap());
        assert_eq!(lit("2020-09-21T14:19:09.769747Z").unwrap().unwrap().0, t("2020-09-21T14:19:09.769747Z"));
        assert_eq!(lit("2020-09-21").unwrap().unwrap().0, t("2020-09-21T00:00:00Z"));
        assert_eq!(lit("2021-05-06T10:50:35+05:30)").unwrap().unwrap(), (t("2021-05-06T05:20:35Z"), Span::new(0, 25)));
    }

    #[test]
    fn keyword_literals_any_case() {
        assert_eq!(lit("NULL").unwrap().unwrap().0, Literal::Null);
        assert_eq!(lit("True").unwrap().unwrap().0, Literal::Bool(true));
        assert_eq!(lit("false").unwrap().unwrap().0, Literal::Bool(false));
        assert_eq!(lit("nullable").unwrap(), None);
        assert_eq!(lit("username").unwrap(), None);
    }
}
