//! Geospatial literals: the body of `geography'…'` and `geometry'…'` (`fullPointLiteral`,
//! `fullLineStringLiteral`, `fullPolygonLiteral`, `fullMultiPointLiteral`,
//! `fullMultiLineStringLiteral`, `fullMultiPolygonLiteral`, `fullCollectionLiteral` of the
//! OASIS ABNF), read once the prefix and its quote have been read (`prefixed_literal` in
//! literals.rs). Percent-encoding (`%27`, `%28`, `%2C`, `%3B` …) has been decoded before.
//!
//! As in the ABNF, `SRID` and the shape names match in any case (`point(1 2)` is a
//! `Point`), there is no white space but the one space between coordinates, and a ring
//! ends with exactly the text of its first position. `GeometryCollection(` may nest; the
//! nesting is read by a loop with a counter, not by recursion, and each level counts
//! against [`Options::max_depth`](crate::Options::max_depth).
//!
//! Grammar: `grammar/odata-filter.abnf` (`fullGeoLiteral` and the rules after it); each
//! rule is the function of its name in snake case.

/// Why a geo body is invalid; offsets are bytes into the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GeoError {
    /// The character at this offset cannot continue the literal; what was expected there.
    At(usize, &'static str),
    /// The `GeometryCollection` name at this offset (and of this length) opens one level
    /// of nesting too many.
    TooDeep(usize, usize),
}

/// The shapes, by the name that starts them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Point,
    LineString,
    Polygon,
    MultiPoint,
    MultiLineString,
    MultiPolygon,
    Collection,
}

/// The shape names as the ABNF spells them, which the canonical text uses.
const SHAPES: [(&str, Shape); 7] = [
    ("Point", Shape::Point),
    ("LineString", Shape::LineString),
    ("Polygon", Shape::Polygon),
    ("MultiPoint", Shape::MultiPoint),
    ("MultiLineString", Shape::MultiLineString),
    ("MultiPolygon", Shape::MultiPolygon),
    ("GeometryCollection", Shape::Collection),
];

const SHAPE_NAME: &str =
    "a shape: Point, LineString, Polygon, MultiPoint, MultiLineString, MultiPolygon or GeometryCollection";
const COORDINATE: &str = "a coordinate: a number such as `-122.1` or `2.5e-3`, or `NaN`, `INF`, `-INF`";
const SEPARATOR: &str = "`,` or `)`";

/// `fullGeoLiteral = sridLiteral geoLiteral`: the SRID and the canonical text of the shape.
/// `depth` is the nesting level of the literal; each `GeometryCollection(` opens one more,
/// up to `max_depth`.
pub(crate) fn full_geo_literal(body: &str, depth: usize, max_depth: usize) -> Result<(u32, String), GeoError> {
    let mut r = Reader { b: body.as_bytes(), at: 0, names: Vec::new() };
    let srid = r.srid_literal()?;
    let shape_start = r.at;
    r.geo_literal(depth, max_depth)?;
    if r.at != r.b.len() {
        return Err(GeoError::At(r.at, "the end of the literal (`'`)"));
    }
    let mut shape = body[shape_start..].to_string();
    for (at, name) in r.names {
        // Matched ASCII case-insensitively, so the canonical name has the same length.
        shape.replace_range(at - shape_start..at - shape_start + name.len(), name);
    }
    Ok((srid, shape))
}

/// A cursor over the body.
struct Reader<'a> {
    b: &'a [u8],
    at: usize,
    /// Where each shape name starts, with its canonical spelling.
    names: Vec<(usize, &'static str)>,
}

impl Reader<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.at).copied()
    }

    fn eat(&mut self, c: u8) -> bool {
        let found = self.peek() == Some(c);
        self.at += usize::from(found);
        found
    }

    fn expect(&mut self, c: u8, expected: &'static str) -> Result<(), GeoError> {
        if self.eat(c) { Ok(()) } else { Err(GeoError::At(self.at, expected)) }
    }

    /// Consumes a run of ASCII digits; returns how many.
    fn digits(&mut self) -> usize {
        let n = self.b[self.at..].iter().take_while(|c| c.is_ascii_digit()).count();
        self.at += n;
        n
    }

    /// `sridLiteral = "SRID" EQ 1*5DIGIT SEMI`.
    fn srid_literal(&mut self) -> Result<u32, GeoError> {
        const EXPECTED: &str = "`SRID=`, a number of at most 5 digits and `;` (`SRID=4326;`)";
        for (i, c) in b"SRID=".iter().enumerate() {
            if !self.b.get(i).is_some_and(|b| b.eq_ignore_ascii_case(c)) {
                return Err(GeoError::At(i, EXPECTED));
            }
        }
        self.at = 5;
        let n = self.digits();
        if n == 0 {
            return Err(GeoError::At(self.at, EXPECTED));
        }
        if n > 5 {
            return Err(GeoError::At(5 + 5, "at most 5 digits in the SRID"));
        }
        // At most 5 digits: fits.
        let srid = self.b[5..5 + n].iter().fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0'));
        self.expect(b';', "`;` after the SRID")?;
        Ok(srid)
    }

    /// A shape name, recorded for the canonical text. An unknown name is reported at its
    /// first character that no shape name continues with.
    fn shape_name(&mut self) -> Result<Shape, GeoError> {
        let start = self.at;
        let len = self.b[start..].iter().take_while(|c| c.is_ascii_alphabetic()).count();
        let word = &self.b[start..start + len];
        let Some(&(name, shape)) = SHAPES.iter().find(|(name, _)| name.as_bytes().eq_ignore_ascii_case(word)) else {
            let matched = SHAPES
                .iter()
                .map(|(name, _)| name.bytes().zip(word).take_while(|(a, b)| a.eq_ignore_ascii_case(b)).count())
                .max()
                .unwrap_or(0);
            return Err(GeoError::At(start + matched, SHAPE_NAME));
        };
        self.at += len;
        self.names.push((start, name));
        Ok(shape)
    }

    /// `geoLiteral`: one shape. `GeometryCollection ( geoLiteral *( "," geoLiteral ) )`
    /// nests; the open collections are counted in `open`, so no input can exhaust the stack.
    fn geo_literal(&mut self, depth: usize, max_depth: usize) -> Result<(), GeoError> {
        let mut open = 0usize;
        loop {
            let start = self.at;
            match self.shape_name()? {
                Shape::Collection => {
                    if depth + open >= max_depth {
                        return Err(GeoError::TooDeep(start, self.at - start));
                    }
                    self.expect(b'(', "`(` and the collection's shapes")?;
                    open += 1;
                    continue;
                }
                Shape::Point => self.point_data()?,
                Shape::LineString => self.line_string_data()?,
                Shape::Polygon => self.polygon_data()?,
                Shape::MultiPoint => self.multi(Self::point_data)?,
                Shape::MultiLineString => self.multi(Self::line_string_data)?,
                Shape::MultiPolygon => self.multi(Self::polygon_data)?,
            }
            // Close the collections that end here; after a `,` the next member follows.
            loop {
                if open == 0 {
                    return Ok(());
                }
                if self.eat(b',') {
                    break;
                }
                self.expect(b')', SEPARATOR)?;
                open -= 1;
            }
        }
    }

    /// `pointData = "(" positionLiteral ")"`.
    fn point_data(&mut self) -> Result<(), GeoError> {
        self.expect(b'(', "`(` and a position")?;
        self.position_literal()?;
        self.expect(b')', "`)`: a point has one position")
    }

    /// `lineStringData = "(" positionLiteral 1*( "," positionLiteral ) ")"`.
    fn line_string_data(&mut self) -> Result<(), GeoError> {
        self.expect(b'(', "`(` and the line string's positions")?;
        self.position_literal()?;
        self.expect(b',', "`,` and a second position: a line string has at least two")?;
        self.position_literal()?;
        while self.eat(b',') {
            self.position_literal()?;
        }
        self.expect(b')', SEPARATOR)
    }

    /// `polygonData = "(" ringLiteral *( "," ringLiteral ) ")"`.
    fn polygon_data(&mut self) -> Result<(), GeoError> {
        self.expect(b'(', "`(` and the polygon's rings")?;
        self.ring_literal()?;
        while self.eat(b',') {
            self.ring_literal()?;
        }
        self.expect(b')', SEPARATOR)
    }

    /// `ringLiteral = "(" positionLiteral *( "," positionLiteral ) ")"`, whose last
    /// position is the text of its first.
    fn ring_literal(&mut self) -> Result<(), GeoError> {
        self.expect(b'(', "`(` and the ring's positions")?;
        let first = self.position_literal()?;
        let mut last = first.clone();
        while self.eat(b',') {
            last = self.position_literal()?;
        }
        if self.b[first] != self.b[last.clone()] {
            return Err(GeoError::At(last.start, "the ring's first position again: a ring ends where it starts"));
        }
        self.expect(b')', SEPARATOR)
    }

    /// The data of `MultiPoint`, `MultiLineString`, `MultiPolygon`:
    /// `"(" [ item *( "," item ) ] ")"`.
    fn multi(&mut self, mut item: impl FnMut(&mut Self) -> Result<(), GeoError>) -> Result<(), GeoError> {
        self.expect(b'(', "`(` and the shape's members")?;
        if self.eat(b')') {
            return Ok(());
        }
        loop {
            item(self)?;
            if !self.eat(b',') {
                return self.expect(b')', SEPARATOR);
            }
        }
    }

    /// `positionLiteral = doubleValue SP doubleValue [ SP doubleValue ] [ SP doubleValue ]`;
    /// returns the byte range of its text.
    fn position_literal(&mut self) -> Result<std::ops::Range<usize>, GeoError> {
        let start = self.at;
        self.double_value()?;
        self.expect(b' ', "one space and the second coordinate")?;
        self.double_value()?;
        for _ in 0..2 {
            if !self.eat(b' ') {
                return Ok(start..self.at);
            }
            self.double_value()?;
        }
        if self.peek() == Some(b' ') {
            return Err(GeoError::At(self.at, "the end of the position: at most 4 coordinates (x y z m)"));
        }
        Ok(start..self.at)
    }

    /// `doubleValue = [ "+" / "-" ] 1*DIGIT [ "." 1*DIGIT ] [ "e" [ "+" / "-" ] 1*DIGIT ]
    /// / nanInfinity`, finite unless written as `NaN`, `INF` or `-INF` (case-sensitive).
    fn double_value(&mut self) -> Result<(), GeoError> {
        let start = self.at;
        let rest = &self.b[start..];
        if let Some(word) = [&b"NaN"[..], b"-INF", b"INF"].into_iter().find(|w| rest.starts_with(w)) {
            self.at += word.len();
            return Ok(());
        }
        if matches!(self.peek(), Some(b'+' | b'-')) {
            self.at += 1;
        }
        if self.digits() == 0 {
            return Err(GeoError::At(self.at, COORDINATE));
        }
        if self.eat(b'.') && self.digits() == 0 {
            return Err(GeoError::At(self.at, "digits after `.`"));
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.at += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.at += 1;
            }
            if self.digits() == 0 {
                return Err(GeoError::At(self.at, "the exponent's digits"));
            }
        }
        // ASCII digits, signs, `.` and `e` only: valid UTF-8 and a valid Rust float.
        let finite = std::str::from_utf8(&self.b[start..self.at])
            .ok()
            .and_then(|t| t.parse::<f64>().ok())
            .is_some_and(f64::is_finite);
        if !finite {
            return Err(GeoError::At(start, "a finite coordinate (at most about 1.8e308)"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn geo(body: &str) -> Result<(u32, String), GeoError> {
        full_geo_literal(body, 0, 128)
    }

    #[test]
    fn every_shape_reads_and_names_are_canonical() {
        assert_eq!(geo("SRID=0;Point(142.1 64.1)"), Ok((0, "Point(142.1 64.1)".into())));
        assert_eq!(geo("srid=4326;point(1 2 3 -4)"), Ok((4326, "Point(1 2 3 -4)".into())));
        assert_eq!(
            geo("SRID=99999;LINESTRING(1 2,NaN INF,-INF +1e5)").map(|g| g.1),
            Ok("LineString(1 2,NaN INF,-INF +1e5)".into())
        );
        assert!(geo("SRID=0;Polygon((1 1,1 1),(1 1,2 2,3 3,1 1))").is_ok());
        assert!(geo("SRID=0;MultiPoint()").is_ok());
        assert!(geo("SRID=0;MultiPoint((1 2),(3 4))").is_ok());
        assert!(geo("SRID=0;MultiLineString((1 2,3 4),(5 6,7 8))").is_ok());
        assert!(geo("SRID=0;MultiPolygon(((1 1,1 1)),((0 0,1 1,0 0),(2 2,2 2)))").is_ok());
        assert_eq!(
            geo("SRID=0;geometrycollection(point(1 2),GeometryCollection(multipoint()))").map(|g| g.1),
            Ok("GeometryCollection(Point(1 2),GeometryCollection(MultiPoint()))".into())
        );
    }

    #[test]
    fn errors_are_at_the_first_character_that_cannot_continue() {
        let at = |body: &str| match geo(body) {
            Err(GeoError::At(at, _)) => at,
            other => panic!("{body}: {other:?}"),
        };
        assert_eq!(at("SRDI=0;Point(1 2)"), 2);
        assert_eq!(at("SRID=;Point(1 2)"), 5);
        assert_eq!(at("SRID=123456;Point(1 2)"), 10);
        assert_eq!(at("SRID=0,Point(1 2)"), 6);
        assert_eq!(at("SRID=0;Pont(1 2)"), 9);
        assert_eq!(at("SRID=0;Points(1 2)"), 12);
        assert_eq!(at("SRID=0;Point (1 2)"), 12);
        assert_eq!(at("SRID=0;Point(1)"), 14);
        assert_eq!(at("SRID=0;Point(1  2)"), 15);
        assert_eq!(at("SRID=0;Point(1 2 3 4 5)"), 20);
        assert_eq!(at("SRID=0;Point(1 2,3 4)"), 16);
        assert_eq!(at("SRID=0;Point(1. 2)"), 15);
        assert_eq!(at("SRID=0;Point(1e 2)"), 15);
        assert_eq!(at("SRID=0;Point(nan 2)"), 13);
        assert_eq!(at("SRID=0;Point(1e999 2)"), 13);
        assert_eq!(at("SRID=0;LineString(1 2)"), 21);
        assert_eq!(at("SRID=0;LineString(1 2, 3 4)"), 22);
        assert_eq!(at("SRID=0;Polygon((1 1,2 2,1 1.0))"), 24);
        assert_eq!(at("SRID=0;Polygon()"), 15);
        assert_eq!(at("SRID=0;MultiPoint(1 2)"), 18);
        assert_eq!(at("SRID=0;GeometryCollection()"), 26);
        assert_eq!(at("SRID=0;GeometryCollection(Point(1 2)"), 36);
        assert_eq!(at("SRID=0;Point(1 2))"), 17);
        assert_eq!(at("SRID=0;"), 7);
    }

    #[test]
    fn collections_nest_up_to_the_depth_limit_without_recursion() {
        let nested = |n: usize| format!("SRID=0;{}Point(1 2){}", "GeometryCollection(".repeat(n), ")".repeat(n));
        assert!(full_geo_literal(&nested(3), 0, 3).is_ok());
        assert_eq!(full_geo_literal(&nested(3), 1, 3), Err(GeoError::TooDeep(7 + 2 * 19, 18)));
        let deep = nested(200_000);
        assert_eq!(full_geo_literal(&deep, 0, 128), Err(GeoError::TooDeep(7 + 128 * 19, 18)));
        assert!(full_geo_literal(&deep, 0, usize::MAX).is_ok());
    }
}
