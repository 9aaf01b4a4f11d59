//! `orderby = orderbyItem *( BWS "," BWS orderbyItem )`, where
//! `orderbyItem = commonExpr [ RWS ( "asc" / "desc" ) ]` (case-insensitive, `asc` by default).
//!
//! A key is usually a member path. A key that is another expression (`Cost ge Revenue`,
//! `tolower(name)`) is parsed as one and kept as its canonical text in a one-segment path,
//! which the checker reports as unsupported (user lists sort by fields).

use roster_ast::{Direction, Path, SortKey};

use crate::Options;
use crate::error::{Expected, ParseError};
use crate::lexical::Parser;

/// The words after a path that make the key an expression rather than a field.
const OPERATORS: [&str; 16] =
    ["eq", "ne", "gt", "ge", "lt", "le", "add", "sub", "mul", "div", "divby", "mod", "has", "in", "and", "or"];

impl Parser<'_> {
    /// `orderby`: one or more sort keys, most significant first. Each key spans its field
    /// and, when written, its direction.
    pub(crate) fn orderby(&mut self) -> Result<Vec<SortKey>, ParseError> {
        let mut keys = Vec::new();
        loop {
            self.skip_ws();
            let key_start = self.pos;
            let path = match self.member_expr(Expected::Field) {
                Ok(path) if !self.at_expression_tail() => path,
                Ok(_) => self.expression_key(key_start)?,
                // Not a path from its first character: a literal, `-x`, `(…)`.
                Err(e) if e.span.start as usize == key_start && !matches!(self.peek(), None | Some(',')) => {
                    self.expression_key(key_start)?
                }
                Err(e) => return Err(e),
            };
            let after_path = self.pos;
            self.skip_ws();
            let written = if self.pos == after_path {
                None
            } else if let Some(span) = self.keyword("asc") {
                Some((Direction::Asc, span))
            } else {
                self.keyword("desc").map(|span| (Direction::Desc, span))
            };
            let (direction, span) = match written {
                Some((direction, word)) => (direction, path.span.to(word)),
                None => (Direction::Asc, path.span),
            };
            keys.push(SortKey { path, direction, span });
            self.skip_ws();
            if self.eat(',').is_some() {
                continue;
            }
            if self.at_end() {
                return Ok(keys);
            }
            return Err(self.expected(if written.is_some() {
                Expected::SortSeparator
            } else {
                Expected::SortDirection
            }));
        }
    }

    /// After a path: whether an operator or `(` follows, so the key is an expression.
    fn at_expression_tail(&self) -> bool {
        let rest = self.rest();
        let trimmed = rest.trim_start();
        if trimmed.starts_with('(') && trimmed.len() == rest.len() {
            return true;
        }
        let word_len = trimmed.find(|c: char| !c.is_alphanumeric()).unwrap_or(trimmed.len());
        let word = &trimmed[..word_len];
        trimmed.len() < rest.len() && OPERATORS.iter().any(|op| op.eq_ignore_ascii_case(word))
    }

    /// A sort key that is an expression, from `start` to the `,` that ends it (outside
    /// parentheses and quotes) or the end, less a trailing direction; read by the filter
    /// parser and kept as its canonical text.
    fn expression_key(&mut self, start: usize) -> Result<Path, ParseError> {
        let rest = &self.text[start..];
        let (mut depth, mut quoted, mut end) = (0usize, false, rest.len());
        for (i, c) in rest.char_indices() {
            match c {
                '\'' => quoted = !quoted,
                '(' | '[' | '{' if !quoted => depth += 1,
                ')' | ']' | '}' if !quoted => depth = depth.saturating_sub(1),
                ',' if !quoted && depth == 0 => {
                    end = i;
                    break;
                }
                _ => {}
            }
        }
        let mut item = rest[..end].trim_end();
        for dir in ["asc", "desc"] {
            let cut = item.len().saturating_sub(dir.len());
            if let (Some(head), Some(tail)) = (item.get(..cut), item.get(cut..))
                && tail.eq_ignore_ascii_case(dir)
                && head.ends_with(crate::lexical::is_ws)
            {
                item = head.trim_end();
            }
        }
        let opts = Options { max_len: usize::MAX, max_depth: self.max_depth };
        let expr = crate::parse_filter_with(item, &opts).map_err(|e| {
            let shift = |x: u32| x.saturating_add(u32::try_from(start).unwrap_or(u32::MAX));
            ParseError { span: roster_ast::Span::new(shift(e.span.start), shift(e.span.end)), ..e }
        })?;
        self.pos = start + item.len();
        let span = self.span(start, self.pos);
        Ok(match &expr.kind {
            // A member path in parentheses (`(address/city)`) is that path: kept as one
            // segment of canonical text, it would print as `address/city` and read back as
            // two segments.
            roster_ast::ExprKind::Path { path } => Path { segments: path.segments.clone(), span },
            _ => Path::single(expr.to_string(), span),
        })
    }
}
