//! Output: diagnostics for people (a caret under the span) and for programs (one JSON object
//! per error), and records as JSON Lines with the profile's field names.
//!
//! ```
//! use roster_ast::{Diagnostic, Span};
//! struct E;
//! impl std::fmt::Display for E {
//!     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str("unknown field `usrname`") }
//! }
//! impl Diagnostic for E {
//!     fn code(&self) -> &'static str { "unknown-field" }
//!     fn span(&self) -> Span { Span::new(0, 7) }
//!     fn help(&self) -> Option<String> { Some("did you mean `username`?".into()) }
//! }
//! let text = roster_render::human(&E, "usrname eq 'a'", "filter");
//! assert_eq!(text, "\
//! error[unknown-field]: unknown field `usrname`
//!  --> filter:1:1
//!   |
//! 1 | usrname eq 'a'
//!   | ^^^^^^^
//!   = help: did you mean `username`?
//! ");
//! ```
#![forbid(unsafe_code)]

pub mod endpoint;

use std::io::{self, Write};

use roster_ast::Diagnostic;
use roster_schema::{FieldId, Record, Schema, encode_record};
use serde_json::json;

/// The line (1-based), column (1-based, in chars) and the line's byte range of `offset`.
fn locate(source: &str, offset: usize) -> (usize, usize, std::ops::Range<usize>) {
    let offset = floor_char_boundary(source, offset.min(source.len()));
    let start = source[..offset].rfind('\n').map_or(0, |i| i + 1);
    let end = source[offset..].find('\n').map_or(source.len(), |i| offset + i);
    let line = source[..start].matches('\n').count() + 1;
    let col = source[start..offset].chars().count() + 1;
    (line, col, start..end)
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Renders a diagnostic for people: the code and message, where (`origin:line:col`), the
/// source line with carets under the span, and the help line if there is one.
pub fn human(d: &dyn Diagnostic, source: &str, origin: &str) -> String {
    let span = d.span();
    let (line_no, col, line) = locate(source, span.start as usize);
    let text = &source[line.clone()];
    let start = floor_char_boundary(source, (span.start as usize).clamp(line.start, line.end));
    let end = floor_char_boundary(source, (span.end as usize).clamp(start, line.end));
    let pad: String = source[line.start..start].chars().map(|c| if c == '\t' { '\t' } else { ' ' }).collect();
    let width = source[start..end].chars().count().max(1);
    let gutter = " ".repeat(line_no.to_string().len());
    let mut out = format!("error[{}]: {}\n{gutter}--> {origin}:{line_no}:{col}\n", d.code(), d);
    // Control characters would break the picture; show them as spaces.
    let shown: String = text.chars().map(|c| if c.is_control() && c != '\t' { ' ' } else { c }).collect();
    out.push_str(&format!("{gutter} |\n{line_no} | {shown}\n{gutter} | {pad}{}\n", "^".repeat(width)));
    if let Some(help) = d.help() {
        out.push_str(&format!("{gutter} = help: {help}\n"));
    }
    out
}

/// A diagnostic as one JSON object: `code`, `message`, `span {start, end}`, and `help` when
/// there is one.
pub fn json(d: &dyn Diagnostic) -> serde_json::Value {
    let span = d.span();
    let mut v = json!({
        "code": d.code(),
        "message": d.to_string(),
        "span": { "start": span.start, "end": span.end },
    });
    if let (Some(help), Some(obj)) = (d.help(), v.as_object_mut()) {
        obj.insert("help".into(), json!(help));
    }
    v
}

/// Writes records as JSON Lines: one object per record with the fields of `fields`, in that
/// order, under the profile's names.
pub fn write_jsonl<'a>(
    out: &mut impl Write,
    schema: &Schema,
    fields: &[FieldId],
    records: impl IntoIterator<Item = &'a Record>,
) -> io::Result<()> {
    for r in records {
        serde_json::to_writer(&mut *out, &encode_record(schema, r, fields))?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// Writes records as one JSON array.
pub fn write_json_array<'a>(
    out: &mut impl Write,
    schema: &Schema,
    fields: &[FieldId],
    records: impl IntoIterator<Item = &'a Record>,
) -> io::Result<()> {
    out.write_all(b"[")?;
    for (i, r) in records.into_iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        out.write_all(b"\n  ")?;
        serde_json::to_writer(&mut *out, &encode_record(schema, r, fields))?;
    }
    out.write_all(b"\n]\n")
}

/// The I/O error under a CSV writer's error (so that a closed pipe stays a
/// [`io::ErrorKind::BrokenPipe`] for the caller), or the CSV error itself as `Other`.
pub(crate) fn csv_io(e: csv::Error) -> io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => io::Error::other(format!("CSV: {other:?}")),
    }
}

/// Streams records as CSV (RFC 4180 quoting by the `csv` crate): a header row of the field
/// names, then one row per record; null is an empty cell, timestamps are RFC 3339 UTC.
pub struct CsvWriter<'s, W: Write> {
    out: csv::Writer<W>,
    schema: &'s Schema,
    fields: Vec<FieldId>,
    row: Vec<String>,
}

impl<W: Write> std::fmt::Debug for CsvWriter<'_, W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CsvWriter").field("fields", &self.fields).finish_non_exhaustive()
    }
}

impl<'s, W: Write> CsvWriter<'s, W> {
    /// Writes the header row.
    pub fn new(out: W, schema: &'s Schema, fields: &[FieldId]) -> io::Result<Self> {
        let mut out = csv::Writer::from_writer(out);
        out.write_record(fields.iter().map(|id| schema.get(*id).name.as_str())).map_err(csv_io)?;
        Ok(CsvWriter { out, schema, fields: fields.to_vec(), row: Vec::with_capacity(fields.len()) })
    }

    /// Writes one record.
    pub fn write(&mut self, r: &Record) -> io::Result<()> {
        self.row.clear();
        for id in &self.fields {
            let v = roster_schema::encode_value(&self.schema.get(*id).ty, r.get(*id));
            self.row.push(match v {
                serde_json::Value::Null => String::new(),
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            });
        }
        self.out.write_record(&self.row).map_err(csv_io)
    }

    /// Flushes everything written.
    pub fn finish(mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// Writes records as CSV with a header row (see [`CsvWriter`]).
pub fn write_csv<'a>(
    out: &mut impl Write,
    schema: &Schema,
    fields: &[FieldId],
    records: impl IntoIterator<Item = &'a Record>,
) -> io::Result<()> {
    let mut w = CsvWriter::new(out, schema, fields)?;
    for r in records {
        w.write(r)?;
    }
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use roster_ast::Span;

    struct D(Span);
    impl std::fmt::Display for D {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("boom")
        }
    }
    impl Diagnostic for D {
        fn code(&self) -> &'static str {
            "syntax"
        }
        fn span(&self) -> Span {
            self.0
        }
    }

    #[test]
    fn caret_at_end_of_input_and_on_later_lines() {
        let s = human(&D(Span::new(11, 11)), "username eq", "filter");
        assert!(s.contains("--> filter:1:12\n"), "{s}");
        assert!(s.ends_with("  |            ^\n"), "{s:?}");
        let s = human(&D(Span::new(8, 10)), "a eq\nbb cc", "f");
        assert_eq!(s, "error[syntax]: boom\n --> f:2:4\n  |\n2 | bb cc\n  |    ^^\n");
    }

    #[test]
    fn spans_inside_multibyte_text_do_not_panic() {
        let src = "username eq 'zoë'";
        for a in 0..=src.len() as u32 + 3 {
            for b in a..=src.len() as u32 + 3 {
                let _ = human(&D(Span::new(a, b)), src, "f");
            }
        }
    }

    #[test]
    fn json_shape() {
        let v = json(&D(Span::new(1, 2)));
        assert_eq!(v, json!({"code": "syntax", "message": "boom", "span": {"start": 1, "end": 2}}));
    }
}
