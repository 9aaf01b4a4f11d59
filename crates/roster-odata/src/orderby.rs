//! `orderby = orderbyItem *( BWS "," BWS orderbyItem )`, where
//! `orderbyItem = memberExpr [ RWS ( "asc" / "desc" ) ]` (case-insensitive, `asc` by default).

use roster_ast::{Direction, SortKey};

use crate::error::{Expected, ParseError};
use crate::lexical::Parser;

impl Parser<'_> {
    /// `orderby`: one or more sort keys, most significant first. Each key spans its field
    /// and, when written, its direction.
    pub(crate) fn orderby(&mut self) -> Result<Vec<SortKey>, ParseError> {
        let mut keys = Vec::new();
        loop {
            self.skip_ws();
            let path = self.member_expr(Expected::Field)?;
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
}
