//! `primitiveLiteral`: `null`, `true`, `false`, numbers (and `NaN`, `INF`, `-INF`), strings,
//! GUIDs, date-times, times of day; and the literals written with a prefix before a quoted
//! body (`binary'…'`, `duration'…'`, enum literals `Ns.Type'Member'`, `geography'…'` and
//! `geometry'…'`, whose body geo.rs reads), read once the prefix has been read as a name; and JSON strings (`"…"`) inside JSON arrays and objects.
//!
//! Which literal comes next is decided from its first characters, most specific first: a
//! GUID (which may start with a letter, `abcdef01-…`, or a digit), a date-time (four digits
//! and `-`), a time of day (two digits and `:`), a number, then the keyword literals.
//! Grammar: `grammar/odata-filter.abnf`.

use nom::character::complete::{char, digit1, one_of};
use nom::combinator::{opt, recognize};
use nom::{IResult, Parser as _};
use roster_ast::time::Timestamp;
use roster_ast::{Duration, Expr, ExprKind, Literal, PICOS_PER_SEC, Path, TimeOfDay, parse_guid};

use crate::error::{LiteralKind, ParseError, ParseErrorKind};
use crate::geo::{GeoError, full_geo_literal};
use crate::lexical::{Parser, is_word_char};

/// `guidValue = 8HEXDIG "-" 4HEXDIG "-" 4HEXDIG "-" 4HEXDIG "-" 12HEXDIG`, not followed by
/// another word character.
fn guid_value(input: &str) -> IResult<&str, &str> {
    let fail = || Err(nom::Err::Error(nom::error::Error::new(input, nom::error::ErrorKind::Verify)));
    if guid_mismatch(input).is_some_and(|at| at < 36) || input.len() < 36 {
        return fail();
    }
    let (guid, rest) = input.split_at(36);
    if rest.starts_with(is_word_char) {
        return fail();
    }
    Ok((rest, guid))
}

/// The start of `dateTimeOffsetValue`: four digits and `-` (`2020-`).
fn date_start(input: &str) -> bool {
    let b = input.as_bytes();
    b.len() >= 5 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-'
}

/// `numberValue = [ SIGN ] 1*DIGIT [ "." 1*DIGIT ] [ "e" [ SIGN ] 1*DIGIT ]`.
fn number_value(input: &str) -> IResult<&str, &str> {
    recognize((opt(one_of("+-")), digit1, opt((char('.'), digit1)), opt((one_of("eE"), opt(one_of("+-")), digit1))))
        .parse(input)
}

/// `stringLiteral = SQUOTE *( SQUOTE-in-string / pchar-no-SQUOTE ) SQUOTE`, unescaped.
/// Fails at the closing quote (reported as unterminated) or before the opening one.
fn string_literal(input: &str) -> IResult<&str, String> {
    let fail = || Err(nom::Err::Error(nom::error::Error::new(input, nom::error::ErrorKind::Char)));
    let Some(body) = input.strip_prefix('\'') else { return fail() };
    // Mostly there is no `''` inside: the body is copied once, at its size.
    if let Some(quote) = body.find('\'')
        && !body[quote + 1..].starts_with('\'')
    {
        return Ok((&body[quote + 1..], body[..quote].to_string()));
    }
    let mut out = String::new();
    let mut rest = body;
    loop {
        let Some(quote) = rest.find('\'') else { return fail() };
        out.push_str(&rest[..quote]);
        let after = &rest[quote + 1..];
        match after.strip_prefix('\'') {
            // `''` is one quote inside the string.
            Some(more) => {
                out.push('\'');
                rest = more;
            }
            None => return Ok((after, out)),
        }
    }
}

/// The start of `timeOfDayValue`: two digits and `:`.
fn time_start(rest: &str) -> bool {
    let b = rest.as_bytes();
    b.len() >= 3 && b[0].is_ascii_digit() && b[1].is_ascii_digit() && b[2] == b':'
}

/// Reads two digits at `at` no greater than `max`; the error offset is the first digit that
/// cannot start or continue such a number.
fn two_digits(b: &[u8], at: usize, max: u8, what: &'static str) -> Result<u8, (usize, &'static str)> {
    let d = |i: usize| b.get(i).filter(|c| c.is_ascii_digit()).map(|c| c - b'0');
    let Some(hi) = d(at) else { return Err((at, what)) };
    if hi > max / 10 {
        return Err((at, what));
    }
    let Some(lo) = d(at + 1) else { return Err((at + 1, what)) };
    if hi * 10 + lo > max {
        return Err((at + 1, what));
    }
    Ok(hi * 10 + lo)
}

/// Up to 12 fraction digits at `at` (after a `.`), as picoseconds; returns the end offset.
fn fraction(b: &[u8], at: usize) -> Result<(u64, usize), (usize, &'static str)> {
    let n = b[at..].iter().take_while(|c| c.is_ascii_digit()).count();
    if n == 0 {
        return Err((at, "digits after `.`"));
    }
    if n > 12 {
        return Err((at + 12, "at most 12 fraction digits"));
    }
    let mut picos = 0u64;
    for (i, c) in b[at..at + n].iter().enumerate() {
        picos += u64::from(c - b'0') * 10u64.pow(11 - i as u32);
    }
    Ok((picos, at + n))
}

/// `hh:mm[:ss[.fff]]` as a [`TimeOfDay`]; errors are `(offset, expected)`.
pub(crate) fn parse_time_of_day(text: &str) -> Result<TimeOfDay, (usize, &'static str)> {
    let b = text.as_bytes();
    let h = two_digits(b, 0, 23, "an hour from 00 to 23")?;
    if b.get(2) != Some(&b':') {
        return Err((2, "`:` after the hour"));
    }
    let m = two_digits(b, 3, 59, "minutes from 00 to 59")?;
    let mut secs = u64::from(h) * 3600 + u64::from(m) * 60;
    let mut picos = 0;
    let mut at = 5;
    if b.get(at) == Some(&b':') {
        secs += u64::from(two_digits(b, at + 1, 59, "seconds from 00 to 59")?);
        at += 3;
        if b.get(at) == Some(&b'.') {
            (picos, at) = fraction(b, at + 1)?;
        }
    }
    if at != b.len() {
        return Err((at, "the end of the time of day"));
    }
    Ok(TimeOfDay(secs * PICOS_PER_SEC + picos))
}

/// `durationValue = [ "-" ] "P" [ 1*DIGIT "D" ] [ "T" [ 1*DIGIT "H" ] [ 1*DIGIT "M" ]
/// [ 1*DIGIT [ "." 1*DIGIT ] "S" ] ]`, with at least one part and at most 12 fraction
/// digits, as picoseconds.
pub(crate) fn parse_duration(text: &str) -> Result<Duration, (usize, &'static str)> {
    let b = text.as_bytes();
    let mut at = 0;
    let negative = b.first() == Some(&b'-');
    if negative {
        at = 1;
    }
    if b.get(at) != Some(&b'P') {
        return Err((at, "`P` to start a duration (`P1DT2H3M4.5S`)"));
    }
    at += 1;
    let overflow = (at, "a duration that fits in 64-bit seconds");
    let mut total: i128 = 0;
    let mut parts = 0;
    let mut in_time = false;
    // Units allowed next, in order: D, then after T: H, M, S.
    let mut next_unit = 0;
    while at < b.len() {
        if b[at] == b'T' && !in_time {
            in_time = true;
            next_unit = 1;
            at += 1;
            if at == b.len() {
                return Err((at, "hours, minutes or seconds after `T`"));
            }
            continue;
        }
        let digits = b[at..].iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return Err((at, "digits followed by D, or T and digits followed by H, M or S"));
        }
        let n: i128 = text[at..at + digits].parse().map_err(|_| overflow)?;
        let unit_at = at + digits;
        let mut frac = 0u64;
        let mut end = unit_at;
        if b.get(unit_at) == Some(&b'.') {
            (frac, end) = fraction(b, unit_at + 1)?;
            if b.get(end) != Some(&b'S') {
                return Err((end, "`S` after fractional seconds"));
            }
        }
        let (unit, secs) = match (b.get(end), in_time) {
            (Some(b'D'), false) => (0, 86_400),
            (Some(b'H'), true) => (1, 3600),
            (Some(b'M'), true) => (2, 60),
            (Some(b'S'), true) => (3, 1),
            _ => {
                return Err((end, "D before `T`, or H, M or S after it (years and months are not day-time durations)"));
            }
        };
        if unit < next_unit {
            return Err((end, "the parts in the order D, T, H, M, S"));
        }
        next_unit = unit + 1;
        let picos = n
            .checked_mul(secs * i128::from(PICOS_PER_SEC))
            .and_then(|p| p.checked_add(i128::from(frac)))
            .and_then(|p| total.checked_add(p))
            .filter(|t| *t <= i128::from(i64::MAX) * i128::from(PICOS_PER_SEC))
            .ok_or(overflow)?;
        total = picos;
        parts += 1;
        at = end + 1;
    }
    if parts == 0 {
        return Err((at, "at least one part: days, hours, minutes or seconds"));
    }
    Ok(Duration(if negative { -total } else { total }))
}

/// `binaryValue`: base64url (`A-Z a-z 0-9 - _`), padding optional, unused bits zero.
pub(crate) fn decode_base64url(text: &str) -> Result<Vec<u8>, (usize, &'static str)> {
    let body = text.trim_end_matches('=');
    let pad = text.len() - body.len();
    let rem = body.len() % 4;
    if rem == 1 || (pad > 0 && !(body.len() + pad).is_multiple_of(4)) || pad > 2 {
        return Err((body.len().saturating_sub(1), "base64url in groups of 4 characters (`=` padding optional)"));
    }
    let value = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'-' => Some(62),
        b'_' => Some(63),
        _ => None,
    };
    let mut out = Vec::with_capacity(body.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for (i, c) in body.bytes().enumerate() {
        let v = value(c).ok_or((i, "base64url characters: A-Z, a-z, 0-9, `-` and `_`"))?;
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    if acc != 0 {
        return Err((body.len() - 1, "a last character whose unused bits are zero"));
    }
    Ok(out)
}

/// The body of an enum literal: members (identifiers) or integers, comma-separated.
fn check_enum_members(body: &str) -> Result<(), (usize, &'static str)> {
    let mut at = 0;
    for member in body.split(',') {
        let ok = match member.strip_prefix(['+', '-']) {
            Some(digits) => !digits.is_empty() && digits.bytes().all(|c| c.is_ascii_digit()),
            None => {
                (member.starts_with(|c: char| c.is_ascii_digit()) && member.bytes().all(|c| c.is_ascii_digit()))
                    || crate::lexical::identifier(member).is_ok_and(|(rest, _)| rest.is_empty())
            }
        };
        if !ok {
            return Err((at, "enum members (names or integers) separated by `,`"));
        }
        at += member.len() + 1;
    }
    Ok(())
}

/// A word-like run that fails as a number but has the shape of a GUID (`7600415a-88…`).
/// Where `text` stops having the shape of a GUID (8-4-4-4-12 hexadecimal digits), if it does.
fn guid_mismatch(text: &str) -> Option<usize> {
    let b = text.as_bytes();
    for i in 0..36 {
        let fits = match b.get(i) {
            None => false,
            Some(&c) if matches!(i, 8 | 13 | 18 | 23) => c == b'-',
            Some(c) => c.is_ascii_hexdigit(),
        };
        if !fits {
            return Some(i);
        }
    }
    (b.len() > 36).then_some(36)
}

fn looks_like_guid(run: &str) -> bool {
    run.find('-') == Some(8) && run.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
}

impl Parser<'_> {
    /// `primitiveLiteral`, if one comes next; `Ok(None)` when the next token is not a
    /// literal (a field, a call, a parenthesis …), so the caller can try those.
    pub(crate) fn primitive_literal(&mut self) -> Result<Option<Expr>, ParseError> {
        let word = self.word();
        self.primitive_literal_at(word)
    }

    /// [`Parser::primitive_literal`], given the identifier-like word at the cursor
    /// ([`Parser::word`]), which the caller has already read.
    pub(crate) fn primitive_literal_at(&mut self, word: Option<&str>) -> Result<Option<Expr>, ParseError> {
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
        if date_start(self.rest()) {
            return self.date_time_offset_value().map(Some);
        }
        if time_start(self.rest()) {
            return self.time_of_day_value().map(Some);
        }
        for (word, value) in [("NaN", f64::NAN), ("INF", f64::INFINITY), ("-INF", f64::NEG_INFINITY)] {
            // `nanInfinity` is case-sensitive and a whole word.
            let rest = self.rest();
            if rest.starts_with(word) && !rest[word.len()..].starts_with(is_word_char) {
                let span = self.advance(word.len());
                return Ok(Some(Expr::literal(Literal::Float(value), span)));
            }
        }
        let signed_digit = matches!(first, '+' | '-') && self.rest()[1..].starts_with(|c: char| c.is_ascii_digit());
        if first.is_ascii_digit() || signed_digit {
            return self.number().map(Some);
        }
        // The keyword literals, case-insensitive and whole words.
        let Some(word) = word else { return Ok(None) };
        let value = if word.eq_ignore_ascii_case("null") {
            Literal::Null
        } else if word.eq_ignore_ascii_case("true") {
            Literal::Bool(true)
        } else if word.eq_ignore_ascii_case("false") {
            Literal::Bool(false)
        } else {
            return Ok(None);
        };
        let span = self.advance(word.len());
        Ok(Some(Expr::literal(value, span)))
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
    /// [`Timestamp::parse`]; its error offset is mapped into the text. A leap second
    /// (`23:59:60`, which the OData ABNF allows) is read as the first second of the next
    /// minute, as PostgreSQL does.
    fn date_time_offset_value(&mut self) -> Result<Expr, ParseError> {
        let start = self.pos;
        let end = self.word_end(start);
        let text = &self.text[start..end];
        match Timestamp::parse(text) {
            Ok(t) => {
                self.pos = end;
                Ok(Expr::literal(Literal::DateTime(t), self.span(start, end)))
            }
            Err(e) if e.expected == "seconds from 00 to 59" && text.get(e.at..e.at + 2) == Some("60") => {
                let mut before = text.to_string();
                before.replace_range(e.at..e.at + 2, "59");
                match Timestamp::parse(&before) {
                    Ok(t) => {
                        self.pos = end;
                        let next = Timestamp(t.0.saturating_add(1_000_000));
                        Ok(Expr::literal(Literal::DateTime(next), self.span(start, end)))
                    }
                    Err(_) => Err(self.invalid_literal(LiteralKind::DateTime, start, end)),
                }
            }
            Err(e) => {
                // Underline the digits where it went wrong (or one character); an hour
                // `24`..`29` goes wrong at its second digit.
                let mut at = (start + e.at).min(end);
                if e.expected == "an hour from 00 to 23" && self.text[at..].starts_with('2') {
                    at += 1;
                }
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

    /// `timeOfDayValue = hour ":" minute [ ":" second [ "." fractionalSeconds ] ]`, with
    /// hours 00-23, minutes and seconds 00-59 and 1 to 12 fraction digits.
    fn time_of_day_value(&mut self) -> Result<Expr, ParseError> {
        let start = self.pos;
        let end = self.word_end(start);
        let text = &self.text[start..end];
        match parse_time_of_day(text) {
            Ok(t) => {
                self.pos = end;
                Ok(Expr::literal(Literal::TimeOfDay(t), self.span(start, end)))
            }
            Err((at, expected)) => Err(ParseError::new(
                ParseErrorKind::InvalidLiteral { literal: LiteralKind::TimeOfDay, text: text.to_string(), expected },
                self.one_char(start + at),
            )),
        }
    }

    /// A literal written as a prefix name and a quoted body, once the name (`path`) has been
    /// read and a `'` follows: `binaryLiteral`, `durationLiteral`, `enumLiteral`, and the
    /// geospatial literals (`geographyPoint` … `geometryCollection`, geo.rs), whose
    /// collections nest from `depth` on.
    pub(crate) fn prefixed_literal(&mut self, path: &Path, depth: usize) -> Result<Expr, ParseError> {
        let start = path.span.start as usize;
        let prefix = match path.segments.as_slice() {
            [single] => single.as_str(),
            _ => "",
        };
        let body_start = self.pos + 1;
        let Some(len) = self.text[body_start..].find('\'') else {
            return Err(ParseError::new(ParseErrorKind::UnterminatedString, self.span(self.pos, body_start)));
        };
        let body = &self.text[body_start..body_start + len];
        let end = body_start + len + 1;
        let span = self.span(start, end);
        let invalid = |literal, at: usize, expected| {
            ParseError::new(
                ParseErrorKind::InvalidLiteral { literal, text: self.text[start..end].to_string(), expected },
                self.one_char(body_start + at),
            )
        };
        let literal = if prefix.eq_ignore_ascii_case("binary") {
            let bytes = decode_base64url(body).map_err(|(at, e)| invalid(LiteralKind::Binary, at, e))?;
            Literal::Binary(bytes)
        } else if prefix.eq_ignore_ascii_case("duration") {
            Literal::Duration(parse_duration(body).map_err(|(at, e)| invalid(LiteralKind::Duration, at, e))?)
        } else if prefix.eq_ignore_ascii_case("geography") || prefix.eq_ignore_ascii_case("geometry") {
            let (srid, shape) = full_geo_literal(body, depth, self.max_depth).map_err(|e| match e {
                GeoError::At(at, expected) => invalid(LiteralKind::Geo, at, expected),
                GeoError::TooDeep(at, len) => ParseError::new(
                    ParseErrorKind::NestingTooDeep { max_depth: self.max_depth },
                    self.span(body_start + at, body_start + at + len),
                ),
            })?;
            Literal::Geo { geography: prefix.eq_ignore_ascii_case("geography"), srid, shape }
        } else if !prefix.is_empty() && prefix.contains('.') && !prefix.starts_with('$') {
            check_enum_members(body).map_err(|(at, e)| invalid(LiteralKind::Enum, at, e))?;
            Literal::Enum { type_name: prefix.to_string(), value: body.to_string() }
        } else {
            return Err(ParseError::new(
                ParseErrorKind::UnsupportedLiteral { prefix: path.joined("/") },
                self.span(start, self.pos),
            ));
        };
        self.pos = end;
        Ok(Expr::literal(literal, span))
    }

    /// A JSON string (`stringInUrl`, inside JSON arrays and objects): double quotes, with
    /// the JSON escapes `\" \\ \/ \b \f \n \r \t \uXXXX`.
    pub(crate) fn json_string(&mut self) -> Result<(String, roster_ast::Span), ParseError> {
        let start = self.pos;
        let bytes = self.text.as_bytes();
        let mut out = String::new();
        let mut i = start + 1;
        let bad_escape = |p: &Self, at: usize| {
            ParseError::new(
                ParseErrorKind::InvalidLiteral {
                    literal: LiteralKind::JsonString,
                    text: p.text[start..p.word_end(at).max(at + 1).min(p.text.len())].to_string(),
                    expected: "a JSON escape: \\\", \\\\, \\/, \\b, \\f, \\n, \\r, \\t or \\u and four hexadecimal digits",
                },
                p.span(at, p.one_char(at + 1).end as usize),
            )
        };
        while i < bytes.len() {
            match bytes[i] {
                b'"' => {
                    self.pos = i + 1;
                    return Ok((out, self.span(start, i + 1)));
                }
                b'\\' => {
                    let c = match bytes.get(i + 1) {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => {
                            let hex = self.text.get(i + 2..i + 6).filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()));
                            let c = hex.and_then(|h| u32::from_str_radix(h, 16).ok()).and_then(char::from_u32);
                            let Some(c) = c else { return Err(bad_escape(self, i)) };
                            out.push(c);
                            i += 6;
                            continue;
                        }
                        _ => return Err(bad_escape(self, i)),
                    };
                    out.push(c);
                    i += 2;
                }
                _ => {
                    let rest = &self.text[i..];
                    let len = rest.find(['"', '\\']).unwrap_or(rest.len());
                    out.push_str(&rest[..len]);
                    i += len;
                }
            }
        }
        Err(ParseError::new(ParseErrorKind::UnterminatedString, self.span(start, start + 1)))
    }

    /// The end of the word-like run (identifier, number, GUID or date-time characters)
    /// starting at `start`.
    pub(crate) fn word_end(&self, start: usize) -> usize {
        let rest = &self.text[start..];
        // ASCII first, byte by byte; at the first other byte the general rule decides.
        let ascii = rest
            .bytes()
            .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'+' | b'.' | b':')))
            .unwrap_or(rest.len());
        let tail = &rest[ascii..];
        if tail.as_bytes().first().is_none_or(u8::is_ascii) {
            return start + ascii;
        }
        start + ascii + tail.find(|c: char| !is_word_char(c)).unwrap_or(tail.len())
    }

    /// If the word-like run at `start` has the shape of a GUID but is not one (an identifier
    /// such as `abcdef01` followed by `-`), the error for it.
    pub(crate) fn malformed_guid(&self, start: usize) -> Option<ParseError> {
        let end = self.word_end(start);
        looks_like_guid(&self.text[start..end]).then(|| self.invalid_literal(LiteralKind::Guid, start, end))
    }

    /// A literal of one kind and nothing else ([`crate::parse_literal`]); an error is at
    /// the first character that cannot continue it.
    pub(crate) fn literal_of(&mut self, kind: LiteralKind) -> Result<Expr, ParseError> {
        let start = self.pos;
        let fail = |p: &Parser<'_>, at: usize, expected: &'static str| {
            let kind = ParseErrorKind::InvalidLiteral { literal: kind, text: p.text.to_string(), expected };
            ParseError::new(kind, p.one_char(at))
        };
        let e = match kind {
            LiteralKind::Boolean => match self.keyword("true").or_else(|| self.keyword("false")) {
                Some(span) => Expr::literal(Literal::Bool(self.text[span.range()].eq_ignore_ascii_case("true")), span),
                None => return Err(fail(self, start, "`true` or `false`")),
            },
            LiteralKind::Guid => {
                if let Some(at) = guid_mismatch(self.rest()) {
                    return Err(fail(self, start + at, "8-4-4-4-12 hexadecimal digits"));
                }
                match self.primitive_literal()? {
                    Some(e) => e,
                    None => return Err(fail(self, start, "8-4-4-4-12 hexadecimal digits")),
                }
            }
            LiteralKind::DateTime => {
                let digits_at = start + usize::from(self.rest().starts_with('-'));
                if !self.text[digits_at..].starts_with(|c: char| c.is_ascii_digit()) {
                    return Err(fail(self, digits_at, "a date `YYYY-MM-DD`, optionally with a time and an offset"));
                }
                if digits_at > start {
                    return Err(fail(self, start, "a year from 0000 to 9999"));
                }
                self.date_time_offset_value()?
            }
            LiteralKind::Number => {
                let number = self.primitive_literal().ok().flatten();
                match number {
                    Some(e) if matches!(e.kind, ExprKind::Literal { value: Literal::Int(_) | Literal::Float(_) }) => e,
                    _ => {
                        self.pos = start;
                        let end = match self.lex(number_value) {
                            Some((_, span)) => span.range().end,
                            None => start,
                        };
                        // `42.` goes wrong after the dot, where a digit must come.
                        let at = if end > start && self.text[end..].starts_with('.') { end + 1 } else { end };
                        return Err(fail(self, at, "a number such as `42`, `-1.5` or `2.5e-3`"));
                    }
                }
            }
            _ => match self.primitive_literal()? {
                Some(e) => e,
                None => return Err(self.expected(crate::Expected::Value)),
            },
        };
        if !self.at_end() {
            let expected = match (kind, self.peek()) {
                (LiteralKind::Number, Some('.')) => {
                    let at = self.pos + 1;
                    return Err(fail(self, at, "digits after `.`"));
                }
                (LiteralKind::Number, _) => "at most one `.` fraction and one `e` exponent",
                _ => "the end of the literal",
            };
            return Err(fail(self, self.pos, expected));
        }
        Ok(e)
    }

    fn invalid_literal(&self, literal: LiteralKind, start: usize, end: usize) -> ParseError {
        let end = end.max(self.word_end(start));
        let expected = match literal {
            LiteralKind::Number => "only digits, a `.` fraction and an `e` exponent",
            LiteralKind::Guid => "8-4-4-4-12 hexadecimal digits",
            LiteralKind::DateTime => "a date-time",
            _ => "a literal",
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
            ExprKind::Literal { value } => (value.clone(), e.span),
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
