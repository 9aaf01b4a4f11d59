//! A small JSON reader (RFC 8259) that keeps what `serde_json::Value` drops and Mongo
//! needs: the byte span of every value and key, object keys in input order, and duplicate
//! keys (reported, never silently merged). Nesting is bounded by a depth limit.

use roster_ast::Span;

use crate::error::{MongoError, MongoErrorKind};

/// A JSON value with its span.
#[derive(Debug, Clone, PartialEq)]
pub struct Json {
    /// The value.
    pub kind: JsonKind,
    /// Its bytes in the input.
    pub span: Span,
}

/// The kinds of JSON value.
#[derive(Debug, Clone, PartialEq)]
pub enum JsonKind {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer that fits in `i64`.
    Int(i64),
    /// Any other (finite) number.
    Float(f64),
    /// A string, unescaped.
    String(String),
    /// An array.
    Array(Vec<Json>),
    /// An object, keys in input order.
    Object(Vec<(Key, Json)>),
}

/// An object key with its span (including the quotes).
#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    /// The key, unescaped.
    pub name: String,
    /// Its bytes in the input.
    pub span: Span,
}

impl Json {
    /// A short description for messages.
    pub fn describe(&self) -> &'static str {
        match self.kind {
            JsonKind::Null => "null",
            JsonKind::Bool(_) => "a boolean",
            JsonKind::Int(_) | JsonKind::Float(_) => "a number",
            JsonKind::String(_) => "a string",
            JsonKind::Array(_) => "an array",
            JsonKind::Object(_) => "an object",
        }
    }
}

/// Parses one JSON document (surrounding white space allowed) within `max_depth`.
pub fn parse(text: &str, max_depth: usize) -> Result<Json, MongoError> {
    let mut r = Reader { s: text.as_bytes(), text, i: 0, max_depth, path: Vec::new() };
    r.ws();
    let v = r.value(0)?;
    r.ws();
    if r.i != r.s.len() {
        return Err(r.err(MongoErrorKind::Syntax { expected: "end of input", found: r.found() }, 1));
    }
    Ok(v)
}

struct Reader<'a> {
    s: &'a [u8],
    text: &'a str,
    i: usize,
    max_depth: usize,
    /// The JSON pointer tokens of the value being read, for errors.
    path: Vec<String>,
}

impl Reader<'_> {
    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(start as u32, end as u32)
    }

    fn err(&self, kind: MongoErrorKind, width: usize) -> MongoError {
        let end = (self.i + width).min(self.s.len());
        MongoError { kind, span: self.span(self.i, end), pointer: pointer(&self.path) }
    }

    fn found(&self) -> String {
        match self.text.get(self.i..).and_then(|rest| rest.chars().next()) {
            None => "end of input".into(),
            Some(c) => format!("`{c}`"),
        }
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.s.get(self.i) {
            self.i += 1;
        }
    }

    fn value(&mut self, depth: usize) -> Result<Json, MongoError> {
        let start = self.i;
        let kind = match self.s.get(self.i) {
            Some(b'{') | Some(b'[') if depth >= self.max_depth => {
                return Err(self.err(MongoErrorKind::TooDeep { limit: self.max_depth }, 1));
            }
            Some(b'{') => self.object(depth)?,
            Some(b'[') => self.array(depth)?,
            Some(b'"') => JsonKind::String(self.string()?),
            Some(b't') => self.word("true", JsonKind::Bool(true))?,
            Some(b'f') => self.word("false", JsonKind::Bool(false))?,
            Some(b'n') => self.word("null", JsonKind::Null)?,
            Some(b'-' | b'0'..=b'9') => self.number()?,
            _ => return Err(self.err(MongoErrorKind::Syntax { expected: "a JSON value", found: self.found() }, 1)),
        };
        Ok(Json { kind, span: self.span(start, self.i) })
    }

    fn word(&mut self, w: &'static str, kind: JsonKind) -> Result<JsonKind, MongoError> {
        if self.s[self.i..].starts_with(w.as_bytes()) {
            self.i += w.len();
            Ok(kind)
        } else {
            Err(self.err(MongoErrorKind::Syntax { expected: "a JSON value", found: self.found() }, 1))
        }
    }

    fn number(&mut self) -> Result<JsonKind, MongoError> {
        let start = self.i;
        let digits = |r: &mut Self| {
            let s = r.i;
            while let Some(b'0'..=b'9') = r.s.get(r.i) {
                r.i += 1;
            }
            r.i > s
        };
        if self.s.get(self.i) == Some(&b'-') {
            self.i += 1;
        }
        let int_start = self.i;
        if !digits(self) {
            return Err(self.err(MongoErrorKind::Syntax { expected: "a digit", found: self.found() }, 1));
        }
        if self.s[int_start] == b'0' && self.i - int_start > 1 {
            self.i = int_start + 1;
            return Err(self.err(MongoErrorKind::Syntax { expected: "no leading zeros", found: self.found() }, 1));
        }
        let mut float = false;
        if self.s.get(self.i) == Some(&b'.') {
            self.i += 1;
            float = true;
            if !digits(self) {
                return Err(self.err(MongoErrorKind::Syntax { expected: "a digit after `.`", found: self.found() }, 1));
            }
        }
        if let Some(b'e' | b'E') = self.s.get(self.i) {
            self.i += 1;
            float = true;
            if let Some(b'+' | b'-') = self.s.get(self.i) {
                self.i += 1;
            }
            if !digits(self) {
                return Err(self.err(MongoErrorKind::Syntax { expected: "exponent digits", found: self.found() }, 1));
            }
        }
        let text = &self.text[start..self.i];
        if !float && let Ok(i) = text.parse::<i64>() {
            return Ok(JsonKind::Int(i));
        }
        match text.parse::<f64>() {
            Ok(x) if x.is_finite() => Ok(JsonKind::Float(x)),
            _ => Err(MongoError {
                kind: MongoErrorKind::InvalidValue { message: format!("the number {text} is out of range") },
                span: self.span(start, self.i),
                pointer: pointer(&self.path),
            }),
        }
    }

    fn hex4(&mut self) -> Result<u32, MongoError> {
        let mut v = 0;
        for _ in 0..4 {
            let d = self.s.get(self.i).and_then(|c| (*c as char).to_digit(16));
            let Some(d) = d else {
                return Err(self.err(MongoErrorKind::Syntax { expected: "four hex digits", found: self.found() }, 1));
            };
            v = v * 16 + d;
            self.i += 1;
        }
        Ok(v)
    }

    fn string(&mut self) -> Result<String, MongoError> {
        let open = self.i;
        self.i += 1;
        let mut out = String::new();
        loop {
            let run = self.i;
            while let Some(&c) = self.s.get(self.i) {
                if c == b'"' || c == b'\\' || c < 0x20 {
                    break;
                }
                self.i += 1;
            }
            out.push_str(&self.text[run..self.i]);
            match self.s.get(self.i) {
                Some(b'"') => {
                    self.i += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.i += 1;
                    let c = match self.s.get(self.i) {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => {
                            self.i += 1;
                            let hi = self.hex4()?;
                            let code = if (0xD800..0xDC00).contains(&hi) {
                                if !self.s[self.i..].starts_with(b"\\u") {
                                    return Err(self.err(
                                        MongoErrorKind::Syntax {
                                            expected: "a low surrogate `\\uDC00`..`\\uDFFF`",
                                            found: self.found(),
                                        },
                                        1,
                                    ));
                                }
                                self.i += 2;
                                let lo = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&lo) {
                                    return Err(self.err(
                                        MongoErrorKind::Syntax {
                                            expected: "a low surrogate",
                                            found: format!("\\u{lo:04X}"),
                                        },
                                        0,
                                    ));
                                }
                                0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                            } else {
                                hi
                            };
                            match char::from_u32(code) {
                                Some(c) => {
                                    out.push(c);
                                    continue;
                                }
                                None => {
                                    return Err(self.err(
                                        MongoErrorKind::Syntax {
                                            expected: "a valid code point",
                                            found: format!("\\u{code:04X}"),
                                        },
                                        0,
                                    ));
                                }
                            }
                        }
                        _ => {
                            return Err(self.err(
                                MongoErrorKind::Syntax {
                                    expected: "an escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)",
                                    found: self.found(),
                                },
                                1,
                            ));
                        }
                    };
                    out.push(c);
                    self.i += 1;
                }
                Some(_) => {
                    return Err(self.err(
                        MongoErrorKind::Syntax { expected: "an escaped control character", found: self.found() },
                        1,
                    ));
                }
                None => {
                    self.i = open;
                    return Err(self
                        .err(MongoErrorKind::Syntax { expected: "a closing `\"`", found: "end of input".into() }, 1));
                }
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<JsonKind, MongoError> {
        self.i += 1;
        let mut items = Vec::new();
        self.ws();
        if self.s.get(self.i) == Some(&b']') {
            self.i += 1;
            return Ok(JsonKind::Array(items));
        }
        loop {
            self.ws();
            self.path.push(items.len().to_string());
            let v = self.value(depth + 1)?;
            self.path.pop();
            items.push(v);
            self.ws();
            match self.s.get(self.i) {
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    return Ok(JsonKind::Array(items));
                }
                _ => return Err(self.err(MongoErrorKind::Syntax { expected: "`,` or `]`", found: self.found() }, 1)),
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<JsonKind, MongoError> {
        self.i += 1;
        let mut members: Vec<(Key, Json)> = Vec::new();
        self.ws();
        if self.s.get(self.i) == Some(&b'}') {
            self.i += 1;
            return Ok(JsonKind::Object(members));
        }
        loop {
            self.ws();
            if self.s.get(self.i) != Some(&b'"') {
                return Err(
                    self.err(MongoErrorKind::Syntax { expected: "a key in double quotes", found: self.found() }, 1)
                );
            }
            let start = self.i;
            let name = self.string()?;
            let key = Key { name, span: self.span(start, self.i) };
            if members.iter().any(|(k, _)| k.name == key.name) {
                return Err(MongoError {
                    kind: MongoErrorKind::DuplicateKey { key: key.name.clone() },
                    span: key.span,
                    pointer: pointer(&self.path),
                });
            }
            self.ws();
            if self.s.get(self.i) != Some(&b':') {
                return Err(self.err(MongoErrorKind::Syntax { expected: "`:`", found: self.found() }, 1));
            }
            self.i += 1;
            self.ws();
            self.path.push(key.name.clone());
            let v = self.value(depth + 1)?;
            self.path.pop();
            members.push((key, v));
            self.ws();
            match self.s.get(self.i) {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    return Ok(JsonKind::Object(members));
                }
                _ => return Err(self.err(MongoErrorKind::Syntax { expected: "`,` or `}`", found: self.found() }, 1)),
            }
        }
    }
}

/// An RFC 6901 JSON pointer from reference tokens.
pub fn pointer(tokens: &[String]) -> String {
    tokens.iter().map(|t| format!("/{}", t.replace('~', "~0").replace('/', "~1"))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_spans_and_order() {
        let v = parse(r#" {"b": [1, -2.5e1, "x\u00e9\ud83d\ude00"], "a": {"n": null, "t": true}} "#, 8).unwrap();
        let JsonKind::Object(m) = &v.kind else { panic!() };
        assert_eq!(m[0].0.name, "b");
        assert_eq!(m[1].0.name, "a");
        assert_eq!(v.span, Span::new(1, 71));
        let JsonKind::Array(items) = &m[0].1.kind else { panic!() };
        assert_eq!(items[0].kind, JsonKind::Int(1));
        assert_eq!(items[1].kind, JsonKind::Float(-25.0));
        assert_eq!(items[2].kind, JsonKind::String("xé😀".into()));
        assert_eq!(m[0].0.span, Span::new(2, 5));
    }

    #[test]
    fn errors_carry_position_and_pointer() {
        let e = parse(r#"{"a": {"b": [1, }]}}"#, 8).unwrap_err();
        assert_eq!(e.pointer, "/a/b/1");
        assert_eq!(e.span.start, 16);
        let e = parse(r#"{"a": 1, "a": 2}"#, 8).unwrap_err();
        assert!(matches!(e.kind, MongoErrorKind::DuplicateKey { .. }));
        assert_eq!(e.span, Span::new(9, 12));
        let e = parse(r#"{"a": "x"#, 8).unwrap_err();
        assert_eq!(e.span.start, 6);
        assert!(parse("01", 8).is_err());
        assert!(parse("1e999", 8).is_err());
        assert!(parse("[1,]", 8).is_err());
        assert!(parse("\"\\ud800\"", 8).is_err());
        assert!(parse("{} x", 8).is_err());
        assert_eq!(parse("9223372036854775808", 8).unwrap().kind, JsonKind::Float(9.223372036854776e18));
    }

    #[test]
    fn depth_is_limited_without_recursion_trouble() {
        let deep = "[".repeat(100_000);
        let e = parse(&deep, 64).unwrap_err();
        assert!(matches!(e.kind, MongoErrorKind::TooDeep { limit: 64 }));
        assert_eq!(e.span.start, 64);
    }

    #[test]
    fn pointer_escapes() {
        assert_eq!(pointer(&["a/b".into(), "m~n".into()]), "/a~1b/m~0n");
    }
}
