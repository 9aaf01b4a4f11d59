//! Raw parameters: a query string (percent-decoded, `+` as space) and a JSON body, merged
//! into one list of named arguments that each endpoint takes apart with typed getters.

use roster_ast::{Span, Timestamp};
use serde_json::Value as Json;

use crate::error::{Origin, ParamsError, ParamsErrorKind};

/// Longest accepted query string or body (bytes).
pub const MAX_INPUT: usize = 64 * 1024;

/// A value as given.
#[derive(Debug, Clone)]
pub(crate) enum Raw {
    /// From the query string, decoded.
    Text(String),
    /// From the JSON body.
    Json(Json),
}

/// One named argument.
#[derive(Debug, Clone)]
pub(crate) struct Arg {
    pub(crate) name: String,
    pub(crate) raw: Raw,
    pub(crate) origin: Origin,
}

/// The arguments of one request.
#[derive(Debug)]
pub(crate) struct Args {
    items: Vec<Arg>,
}

fn syntax(param: &str, reason: impl Into<String>, origin: Origin) -> ParamsError {
    ParamsError::new(param, ParamsErrorKind::Syntax { reason: reason.into() }, origin)
}

/// Decodes `%XX` escapes and `+` (a space), as in `application/x-www-form-urlencoded`
/// query strings; `None` on a malformed escape or invalid UTF-8.
///
/// ```
/// assert_eq!(roster_params::percent_decode("a+b%2Bc%7B%22"), Some("a b+c{\"".to_owned()));
/// assert_eq!(roster_params::percent_decode("%zz"), None);
/// ```
pub fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let hex = b.get(i + 1..i + 3)?;
                let hi = char::from(hex[0]).to_digit(16)?;
                let lo = char::from(hex[1]).to_digit(16)?;
                out.push((hi * 16 + lo) as u8);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

fn pointer_escape(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}

/// The edit distance of two names, ignoring ASCII case.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().map(|c| c.to_ascii_lowercase()).collect();
    let b: Vec<char> = b.chars().map(|c| c.to_ascii_lowercase()).collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            cur[j] = (prev[j - 1] + usize::from(a[i - 1] != b[j - 1])).min(prev[j] + 1).min(cur[j - 1] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The candidate closest to `word`, if within a third of its length in edits (at least 1).
pub(crate) fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let limit = (word.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|c| (distance(word, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c.to_owned())
}

impl Args {
    /// Collects the parameters of a query string and an optional JSON body (an object),
    /// rejecting any name not in `accepted`.
    pub(crate) fn collect(query: &str, body: Option<&str>, accepted: &[&'static str]) -> Result<Args, ParamsError> {
        if query.len() > MAX_INPUT {
            return Err(syntax("query string", format!("longer than {MAX_INPUT} bytes"), Origin::Request));
        }
        let mut items = Vec::new();
        let (query, mut start) = match query.strip_prefix('?') {
            Some(q) => (q, 1),
            None => (query, 0),
        };
        for piece in query.split('&') {
            let span = Span::new(start as u32, (start + piece.len()) as u32);
            start += piece.len() + 1;
            if piece.is_empty() {
                continue;
            }
            let (name, value) = piece.split_once('=').unwrap_or((piece, ""));
            let origin = Origin::Query(span);
            let name = percent_decode(name).ok_or_else(|| {
                syntax(name, "malformed percent-encoding or invalid UTF-8 in the name", origin.clone())
            })?;
            let value = percent_decode(value).ok_or_else(|| {
                syntax(&name, "malformed percent-encoding or invalid UTF-8 in the value", origin.clone())
            })?;
            items.push(Arg { name, raw: Raw::Text(value), origin });
        }
        if let Some(body) = body.filter(|b| !b.trim().is_empty()) {
            if body.len() > MAX_INPUT {
                return Err(syntax("body", format!("longer than {MAX_INPUT} bytes"), Origin::Request));
            }
            let json: Json = serde_json::from_str(body)
                .map_err(|e| syntax("body", format!("not valid JSON ({e})"), Origin::Request))?;
            let Json::Object(map) = json else {
                return Err(syntax("body", "expected a JSON object of parameters", Origin::Request));
            };
            for (name, v) in map {
                let origin = Origin::Body(format!("/{}", pointer_escape(&name)));
                items.push(Arg { name, raw: Raw::Json(v), origin });
            }
        }
        if let Some(unknown) = items.iter().find(|a| !accepted.contains(&a.name.as_str())) {
            return Err(ParamsError::new(
                &unknown.name,
                ParamsErrorKind::UnknownParameter {
                    accepted: accepted.to_vec(),
                    suggestion: closest(&unknown.name, accepted.iter().copied()),
                },
                unknown.origin.clone(),
            ));
        }
        Ok(Args { items })
    }

    /// The argument `name`, which may be given at most once (in either place).
    pub(crate) fn one(&mut self, name: &str) -> Result<Option<Arg>, ParamsError> {
        let mut found = self.all(name);
        if let Some(second) = found.get(1) {
            return Err(ParamsError::new(name, ParamsErrorKind::Repeated, second.origin.clone()));
        }
        Ok(found.pop())
    }

    /// Every occurrence of `name`, in order (query string first, then body).
    pub(crate) fn all(&mut self, name: &str) -> Vec<Arg> {
        let (taken, kept) = std::mem::take(&mut self.items).into_iter().partition(|a| a.name == name);
        self.items = kept;
        taken
    }
}

impl Arg {
    /// The value as a person would write it, for messages.
    pub(crate) fn shown(&self) -> String {
        let s = match &self.raw {
            Raw::Text(s) => s.clone(),
            Raw::Json(Json::String(s)) => s.clone(),
            Raw::Json(j) => j.to_string(),
        };
        if s.chars().count() > 60 { format!("{}...", s.chars().take(57).collect::<String>()) } else { s }
    }

    /// An invalid-value error for this argument.
    pub(crate) fn invalid(&self, expected: impl Into<String>, suggestion: Option<String>) -> ParamsError {
        self.invalid_part(&self.shown(), expected, suggestion)
    }

    /// An invalid-value error about one part (`found`) of this argument.
    pub(crate) fn invalid_part(
        &self,
        found: &str,
        expected: impl Into<String>,
        suggestion: Option<String>,
    ) -> ParamsError {
        ParamsError::new(
            &self.name,
            ParamsErrorKind::InvalidValue { found: found.to_owned(), expected: expected.into(), suggestion },
            self.origin.clone(),
        )
    }

    /// The span of the argument in the query string (empty for the body).
    pub(crate) fn span(&self) -> Span {
        match self.origin {
            Origin::Query(s) => s,
            _ => Span::default(),
        }
    }

    fn checked(&self, s: String) -> Result<String, ParamsError> {
        if s.contains('\0') { Err(self.invalid("text without NUL characters", None)) } else { Ok(s) }
    }

    /// A text value (a JSON number counts as its text).
    pub(crate) fn text(&self) -> Result<String, ParamsError> {
        match &self.raw {
            Raw::Text(s) | Raw::Json(Json::String(s)) => self.checked(s.clone()),
            Raw::Json(Json::Number(n)) => Ok(n.to_string()),
            Raw::Json(_) => Err(self.invalid("a string", None)),
        }
    }

    /// A list: a JSON array of strings, or text holding a JSON array (`["a","b"]`) or
    /// comma-separated items (blank items dropped, white space around items trimmed).
    pub(crate) fn list(&self) -> Result<Vec<String>, ParamsError> {
        let from_json = |items: &Vec<Json>| -> Result<Vec<String>, ParamsError> {
            items
                .iter()
                .map(|i| match i {
                    Json::String(s) => self.checked(s.clone()),
                    other => Err(self.invalid_part(&other.to_string(), "a list of strings", None)),
                })
                .collect()
        };
        match &self.raw {
            Raw::Json(Json::Array(items)) => from_json(items),
            Raw::Text(s) | Raw::Json(Json::String(s)) if s.trim_start().starts_with('[') => {
                match serde_json::from_str::<Json>(s) {
                    Ok(Json::Array(items)) => from_json(&items),
                    _ => Err(self.invalid("a JSON array of strings such as `[\"a\",\"b\"]`, or a,b", None)),
                }
            }
            Raw::Text(s) | Raw::Json(Json::String(s)) => {
                let s = self.checked(s.clone())?;
                Ok(s.split(',').map(str::trim).filter(|p| !p.is_empty()).map(str::to_owned).collect())
            }
            Raw::Json(_) => Err(self.invalid("a list of strings", None)),
        }
    }

    /// An integer in `lo..=hi` (a JSON number, or text of decimal digits: `"per":"2"`).
    pub(crate) fn int(&self, lo: u64, hi: u64) -> Result<u64, ParamsError> {
        let expected = || format!("an integer from {lo} to {hi}");
        let n = match &self.raw {
            Raw::Text(s) | Raw::Json(Json::String(s)) => {
                let t = s.trim();
                if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(self.invalid(expected(), None));
                }
                t.parse::<u64>().map_err(|_| self.invalid(expected(), None))?
            }
            Raw::Json(Json::Number(n)) => n.as_u64().ok_or_else(|| self.invalid(expected(), None))?,
            Raw::Json(_) => return Err(self.invalid(expected(), None)),
        };
        if n < lo || n > hi {
            return Err(self.invalid(expected(), None));
        }
        Ok(n)
    }

    /// `true` or `false`, exactly (a JSON boolean, or that text).
    pub(crate) fn boolean(&self) -> Result<bool, ParamsError> {
        match &self.raw {
            Raw::Json(Json::Bool(b)) => Ok(*b),
            Raw::Text(s) | Raw::Json(Json::String(s)) if s == "true" => Ok(true),
            Raw::Text(s) | Raw::Json(Json::String(s)) if s == "false" => Ok(false),
            _ => Err(self.invalid("`true` or `false`", None)),
        }
    }

    /// An ISO 8601 timestamp such as `2021-05-06T10:50:35+0000`.
    pub(crate) fn timestamp(&self) -> Result<Timestamp, ParamsError> {
        let s = self.text()?;
        Timestamp::parse(s.trim()).map_err(|e| {
            self.invalid(format!("an ISO 8601 timestamp such as `2021-05-06T10:50:35+0000` ({})", e.expected), None)
        })
    }

    /// One of `values`, compared ignoring ASCII case; returns its index.
    pub(crate) fn choice_ci(&self, values: &[&str]) -> Result<usize, ParamsError> {
        let s = self.text()?;
        values.iter().position(|v| v.eq_ignore_ascii_case(s.trim())).ok_or_else(|| {
            let list: Vec<String> = values.iter().map(|v| format!("`{v}`")).collect();
            self.invalid(format!("one of {}", list.join(", ")), None)
        })
    }

    /// A JSON object (or text holding one), members in order.
    pub(crate) fn object(&self) -> Result<serde_json::Map<String, Json>, ParamsError> {
        let expected = "a JSON object such as `{\"username\":\"ASC\"}`";
        match &self.raw {
            Raw::Json(Json::Object(m)) => Ok(m.clone()),
            Raw::Text(s) | Raw::Json(Json::String(s)) => match serde_json::from_str::<Json>(s) {
                Ok(Json::Object(m)) => Ok(m),
                _ => Err(self.invalid(expected, None)),
            },
            Raw::Json(_) => Err(self.invalid(expected, None)),
        }
    }

    /// The member `key` of this (object) argument, as an argument of its own named
    /// `name.key` at `pointer/key` in the body.
    pub(crate) fn member(&self, key: &str, value: Json) -> Arg {
        let origin = match &self.origin {
            Origin::Body(p) => Origin::Body(format!("{p}/{}", pointer_escape(key))),
            other => other.clone(),
        };
        Arg { name: format!("{}.{key}", self.name), raw: Raw::Json(value), origin }
    }
}

/// An IANA time zone from the bundled database.
pub(crate) fn time_zone(arg: Option<&Arg>) -> Result<jiff::tz::TimeZone, ParamsError> {
    let Some(arg) = arg else { return Ok(jiff::tz::TimeZone::UTC) };
    let name = arg.text()?;
    jiff::tz::TimeZone::get(name.trim()).map_err(|_| {
        let names: Vec<String> = jiff::tz::db().available().map(|n| n.to_string()).collect();
        let suggestion = closest(name.trim(), names.iter().map(String::as_str));
        arg.invalid("an IANA time zone name such as `Asia/Kolkata` or `UTC`", suggestion)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_strings_decode_with_spans() {
        let mut a = Args::collect("a=x%20y&b=1+2&&c", None, &["a", "b", "c"]).unwrap();
        let x = a.one("a").unwrap().unwrap();
        assert_eq!(x.text().unwrap(), "x y");
        assert_eq!(x.span(), Span::new(0, 7));
        let b = a.one("b").unwrap().unwrap();
        assert_eq!(b.text().unwrap(), "1 2");
        assert_eq!(b.span(), Span::new(8, 13));
        assert_eq!(a.one("c").unwrap().unwrap().text().unwrap(), "");
        assert!(Args::collect("a=%zz", None, &["a"]).is_err());
        assert!(Args::collect("a=%ff", None, &["a"]).is_err(), "invalid UTF-8");
    }

    #[test]
    fn body_and_query_merge_and_repeats_are_caught() {
        let mut a = Args::collect("per=2", Some(r#"{"per":"3"}"#), &["per"]).unwrap();
        let e = a.one("per").unwrap_err();
        assert_eq!(e.kind, ParamsErrorKind::Repeated);
        assert_eq!(e.origin, Origin::Body("/per".into()));
        let e = Args::collect("pre=2", None, &["per", "page"]).unwrap_err();
        assert_eq!(e.to_string(), "unknown parameter `pre`; the parameters of this endpoint are per, page");
        assert!(Args::collect("", Some("[1]"), &["per"]).is_err());
    }

    #[test]
    fn typed_getters() {
        let arg = |v: Json| Arg { name: "x".into(), raw: Raw::Json(v), origin: Origin::Request };
        let text = |s: &str| Arg { name: "x".into(), raw: Raw::Text(s.into()), origin: Origin::Request };
        assert_eq!(arg(Json::from("2")).int(1, 5).unwrap(), 2);
        assert_eq!(arg(Json::from(2)).int(1, 5).unwrap(), 2);
        assert!(text("0").int(1, 5).is_err());
        assert!(text("-1").int(0, 5).is_err());
        assert!(text("2.0").int(0, 5).is_err());
        assert!(text("99999999999999999999999").int(0, u64::MAX).is_err());
        assert!(text("yes").boolean().is_err());
        assert!(text("True").boolean().is_err());
        assert!(text("false").boolean().is_ok_and(|b| !b));
        assert_eq!(text(" a, b ,,c").list().unwrap(), ["a", "b", "c"]);
        assert_eq!(text(r#"["a,b","c"]"#).list().unwrap(), ["a,b", "c"]);
        assert!(text("[1,2]").list().is_err());
        assert!(text("a\0b").text().is_err());
    }

    #[test]
    fn zones_are_iana_names_with_suggestions() {
        let text = |s: &str| Arg { name: "timezone".into(), raw: Raw::Text(s.into()), origin: Origin::Request };
        assert!(time_zone(Some(&text("Asia/Kolkata"))).is_ok());
        let e = time_zone(Some(&text("Asia/Kolkatta"))).unwrap_err();
        assert_eq!(roster_ast::Diagnostic::help(&e).as_deref(), Some("did you mean `Asia/Kolkata`?"));
        assert!(time_zone(Some(&text("Mars/Olympus"))).is_err());
    }
}
