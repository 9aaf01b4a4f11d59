//! The common AST of Roster: every filter, sort, projection and paging dialect parses into
//! [`Query`], and nothing downstream knows which dialect a query came from.
//!
//! The AST is *untyped*: names are not resolved and literals are not coerced (that is the
//! checker's job, in `roster-check`). Every node carries a [`Span`], the byte range of the
//! input it came from. [`Expr`]'s `Display` prints canonical OData `$filter` syntax, which
//! the OData parser reads back to the same tree.
//!
//! ```
//! use roster_ast::{CmpOp, Expr, ExprKind, Literal, Path, Span};
//! let e = Expr::new(
//!     ExprKind::Compare {
//!         op: CmpOp::Ne,
//!         lhs: Box::new(Expr::path(Path::single("userStatus", Span::new(0, 10)))),
//!         rhs: Box::new(Expr::literal(Literal::String("UNVERIFIED".into()), Span::new(14, 26))),
//!     },
//!     Span::new(0, 26),
//! );
//! assert_eq!(e.to_string(), "userStatus ne 'UNVERIFIED'");
//! ```
#![forbid(unsafe_code)]

mod display;
pub mod time;

pub use time::Timestamp;

/// A byte range `[start, end)` in the input text of a dialect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Span {
    /// First byte.
    pub start: u32,
    /// One past the last byte.
    pub end: u32,
}

impl Span {
    /// A span from byte offsets. Inputs are length-limited far below `u32::MAX`.
    pub const fn new(start: u32, end: u32) -> Span {
        Span { start, end }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span { start: self.start.min(other.start), end: self.end.max(other.end) }
    }

    /// Whether `inner` lies within `self`.
    pub fn contains(self, inner: Span) -> bool {
        self.start <= inner.start && inner.end <= self.end
    }

    /// The range as `usize`, for slicing the input.
    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// A whole query: what to select, in which order, which fields, which page.
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Query {
    /// The filter; `None` selects every record.
    pub filter: Option<Expr>,
    /// Sort keys, most significant first.
    pub sort: Vec<SortKey>,
    /// Which fields to return; `None` returns the profile's default fields.
    pub projection: Option<Projection>,
    /// Which rows of the sorted result to return.
    pub page: Page,
}

/// A dotted member path such as `username`, `emails/address` or `customFields.clearance`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Path {
    /// The segments, outermost first. Never empty.
    pub segments: Vec<String>,
    /// Where the whole path stands in the input.
    pub span: Span,
}

impl Path {
    /// A one-segment path.
    pub fn single(name: impl Into<String>, span: Span) -> Path {
        Path { segments: vec![name.into()], span }
    }

    /// The segments joined with `sep`.
    pub fn joined(&self, sep: &str) -> String {
        self.segments.join(sep)
    }
}

/// A literal value as written, before any schema gives it a type.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(tag = "type", content = "value", rename_all = "snake_case"))]
pub enum Literal {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer that fits in 64 bits.
    Int(i64),
    /// A decimal or floating-point number; non-finite only as written `NaN`, `INF` or
    /// `-INF` (OData `nanInfinity`).
    Float(f64),
    /// A quoted string, unescaped.
    String(String),
    /// A GUID written without quotes, as 16 bytes in textual (big-endian) order.
    Guid(u128),
    /// An unquoted date-time-offset literal, converted to UTC.
    DateTime(Timestamp),
    /// A time of day, `13:20:00.5` (OData `timeOfDayLiteral`).
    TimeOfDay(TimeOfDay),
    /// A duration, `duration'P1DT2H'` (OData `durationLiteral`, a day-time duration).
    Duration(Duration),
    /// Binary data, `binary'AQID'` (base64url, OData `binaryLiteral`).
    Binary(Vec<u8>),
    /// An enumeration literal qualified by its type, `Sales.Pattern'Yellow'` or
    /// `Sales.Pattern'Solid,Yellow'` (flag members, or integers, comma-separated).
    Enum {
        /// The qualified type name, `Sales.Pattern`.
        type_name: String,
        /// The members as written between the quotes, without percent-encoding.
        value: String,
    },
    /// A geography or geometry literal, `geography'SRID=4326;Point(-122.1 47.6)'` (OData
    /// `geographyPoint` … `geometryCollection`), as validated by the front end. No user
    /// schema has a geospatial field, so the checker rejects it; it is kept as validated
    /// text because nothing evaluates it. The text is flat, so no shape nests in the tree.
    Geo {
        /// `geography` (round-earth coordinates) rather than `geometry` (flat).
        geography: bool,
        /// The spatial reference system, `SRID=…` (at most 5 digits).
        srid: u32,
        /// The shape after `SRID=…;`, canonical: shape names spelt as in the OData ABNF
        /// (`Point LineString Polygon MultiPoint MultiLineString MultiPolygon
        /// GeometryCollection`), coordinates as written, no percent-encoding, e.g.
        /// `LineString(142.1 64.1,3.14 2.78)`.
        shape: String,
    },
}

/// A time of day in picoseconds since midnight (OData fractional seconds have up to 12
/// digits), below 24 hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct TimeOfDay(pub u64);

/// A day-time duration in picoseconds (negative for `-P…`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Duration(pub i128);

/// Picoseconds per second, for [`TimeOfDay`] and [`Duration`].
pub const PICOS_PER_SEC: u64 = 1_000_000_000_000;

/// Comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum CmpOp {
    /// Equal.
    Eq,
    /// Not equal.
    Ne,
    /// Greater than.
    Gt,
    /// Greater than or equal.
    Ge,
    /// Less than.
    Lt,
    /// Less than or equal.
    Le,
}

impl CmpOp {
    /// The OData keyword.
    pub fn keyword(self) -> &'static str {
        match self {
            CmpOp::Eq => "eq",
            CmpOp::Ne => "ne",
            CmpOp::Gt => "gt",
            CmpOp::Ge => "ge",
            CmpOp::Lt => "lt",
            CmpOp::Le => "le",
        }
    }

    /// The operator with its operands swapped: `a < b` ⇔ `b > a`.
    pub fn flipped(self) -> CmpOp {
        match self {
            CmpOp::Gt => CmpOp::Lt,
            CmpOp::Ge => CmpOp::Le,
            CmpOp::Lt => CmpOp::Gt,
            CmpOp::Le => CmpOp::Ge,
            op => op,
        }
    }

    /// Whether the operator orders its operands (`gt ge lt le`).
    pub fn is_ordering(self) -> bool {
        !matches!(self, CmpOp::Eq | CmpOp::Ne)
    }

    /// All operators, in keyword order.
    pub const ALL: [CmpOp; 6] = [CmpOp::Eq, CmpOp::Ne, CmpOp::Gt, CmpOp::Ge, CmpOp::Lt, CmpOp::Le];
}

/// Arithmetic operators (OData `add sub mul div divby mod`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum ArithOp {
    /// `add`.
    Add,
    /// `sub`.
    Sub,
    /// `mul`.
    Mul,
    /// `div` (integer division on integers).
    Div,
    /// `divby` (always a decimal division).
    DivBy,
    /// `mod`.
    Mod,
}

impl ArithOp {
    /// The OData keyword.
    pub fn keyword(self) -> &'static str {
        match self {
            ArithOp::Add => "add",
            ArithOp::Sub => "sub",
            ArithOp::Mul => "mul",
            ArithOp::Div => "div",
            ArithOp::DivBy => "divby",
            ArithOp::Mod => "mod",
        }
    }

    /// Whether it is multiplicative (`mul div divby mod`, binding tighter than `add sub`).
    pub fn is_multiplicative(self) -> bool {
        !matches!(self, ArithOp::Add | ArithOp::Sub)
    }

    /// All operators.
    pub const ALL: [ArithOp; 6] =
        [ArithOp::Add, ArithOp::Sub, ArithOp::Mul, ArithOp::Div, ArithOp::DivBy, ArithOp::Mod];
}

/// One member of a JSON object in an expression: `"name": value`.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Member {
    /// The name, unescaped.
    pub name: String,
    /// The value.
    pub value: Expr,
}

/// One step of an [`ExprKind::Navigate`] path.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Step {
    /// What the step is.
    #[cfg_attr(feature = "serde", serde(flatten))]
    pub kind: StepKind,
    /// Where it stands in the input (without the `/` before it).
    pub span: Span,
}

/// The kinds of [`Step`].
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(tag = "step", rename_all = "snake_case"))]
pub enum StepKind {
    /// A name: a property, a qualified type cast (`Model.Manager`), `$it`, `$this`, `$root`,
    /// `$count`, or an annotation or parameter alias (`@Core.Messages`, `@color`).
    Member {
        /// The name as written (percent-decoded).
        name: String,
    },
    /// A function call with named parameters: `Model.BestProduct()`,
    /// `ProductsByColor(color='green')`.
    Call {
        /// The function's name, optionally namespace-qualified.
        name: String,
        /// The parameters, `name=value`.
        params: Vec<Member>,
    },
    /// A key predicate on the collection before it: `Items(1)`, `$filter(…)(ID='Sugar')`;
    /// a compound key names its parts.
    Key {
        /// The key values; a `name=value` part is a [`Member`], a lone value has an empty name.
        values: Vec<Member>,
    },
    /// A filter segment: `Products/$filter(Age gt 3)`.
    Filter {
        /// The condition on each member of the collection.
        predicate: Box<Expr>,
    },
    /// `$count($filter=…)`: the number of members that satisfy the filter.
    Count {
        /// The filter.
        filter: Box<Expr>,
    },
    /// A lambda over the collection before it: `any(x: …)`, `all(x: …)`; `any()` has an empty
    /// `var` and the predicate `true`.
    Lambda {
        /// `any` or `all`.
        quantifier: Quantifier,
        /// The lambda variable.
        var: String,
        /// The predicate over one element.
        predicate: Box<Expr>,
    },
}

impl Step {
    /// The expressions directly inside the step.
    pub fn exprs(&self) -> Vec<&Expr> {
        match &self.kind {
            StepKind::Member { .. } => Vec::new(),
            StepKind::Call { params: m, .. } | StepKind::Key { values: m } => m.iter().map(|m| &m.value).collect(),
            StepKind::Filter { predicate: e }
            | StepKind::Count { filter: e }
            | StepKind::Lambda { predicate: e, .. } => {
                vec![e]
            }
        }
    }

    /// The expressions directly inside the step, mutably.
    pub fn exprs_mut(&mut self) -> Vec<&mut Expr> {
        match &mut self.kind {
            StepKind::Member { .. } => Vec::new(),
            StepKind::Call { params: m, .. } | StepKind::Key { values: m } => {
                m.iter_mut().map(|m| &mut m.value).collect()
            }
            StepKind::Filter { predicate: e }
            | StepKind::Count { filter: e }
            | StepKind::Lambda { predicate: e, .. } => {
                vec![&mut **e]
            }
        }
    }
}

/// Built-in functions that dialects can call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Func {
    /// `contains(s, sub)`: bool.
    Contains,
    /// `startswith(s, prefix)`: bool.
    StartsWith,
    /// `endswith(s, suffix)`: bool.
    EndsWith,
    /// `tolower(s)`: string.
    ToLower,
    /// `toupper(s)`: string.
    ToUpper,
    /// `length(s)`: integer (code points).
    Length,
    /// `trim(s)`: string without leading/trailing white space.
    Trim,
    /// `concat(a, b)`: string (or collection) concatenation.
    Concat,
    /// `indexof(s, sub)`: zero-based index of the first occurrence, -1 if none.
    IndexOf,
    /// `substring(s, start)` / `substring(s, start, length)`: zero-based.
    Substring,
    /// `matchesPattern(s, pattern)`: bool (ECMAScript regular expression).
    MatchesPattern,
    /// `hassubset(collection, collection)`: bool.
    HasSubset,
    /// `hassubsequence(collection, collection)`: bool.
    HasSubsequence,
    /// `year(t)`.
    Year,
    /// `month(t)`.
    Month,
    /// `day(t)`.
    Day,
    /// `hour(t)`.
    Hour,
    /// `minute(t)`.
    Minute,
    /// `second(t)`.
    Second,
    /// `fractionalseconds(t)`.
    FractionalSeconds,
    /// `totalseconds(duration)`.
    TotalSeconds,
    /// `date(t)`.
    Date,
    /// `time(t)`.
    Time,
    /// `totaloffsetminutes(t)`.
    TotalOffsetMinutes,
    /// `now()`.
    Now,
    /// `mindatetime()`.
    MinDateTime,
    /// `maxdatetime()`.
    MaxDateTime,
    /// `round(x)`.
    Round,
    /// `floor(x)`.
    Floor,
    /// `ceiling(x)`.
    Ceiling,
    /// `cast(Type)` / `cast(x, Type)`: the type is a (qualified) name as a path argument.
    Cast,
    /// `isof(Type)` / `isof(x, Type)`: bool.
    IsOf,
    /// `geo.distance(a, b)`.
    GeoDistance,
    /// `geo.length(a)`.
    GeoLength,
    /// `geo.intersects(a, b)`: bool.
    GeoIntersects,
}

impl Func {
    /// Every function, for lookup and property tests.
    pub const ALL: [Func; 35] = [
        Func::Contains,
        Func::StartsWith,
        Func::EndsWith,
        Func::ToLower,
        Func::ToUpper,
        Func::Length,
        Func::Trim,
        Func::Concat,
        Func::IndexOf,
        Func::Substring,
        Func::MatchesPattern,
        Func::HasSubset,
        Func::HasSubsequence,
        Func::Year,
        Func::Month,
        Func::Day,
        Func::Hour,
        Func::Minute,
        Func::Second,
        Func::FractionalSeconds,
        Func::TotalSeconds,
        Func::Date,
        Func::Time,
        Func::TotalOffsetMinutes,
        Func::Now,
        Func::MinDateTime,
        Func::MaxDateTime,
        Func::Round,
        Func::Floor,
        Func::Ceiling,
        Func::Cast,
        Func::IsOf,
        Func::GeoDistance,
        Func::GeoLength,
        Func::GeoIntersects,
    ];

    /// The canonical (OData, lower-case) name.
    pub fn name(self) -> &'static str {
        match self {
            Func::Contains => "contains",
            Func::StartsWith => "startswith",
            Func::EndsWith => "endswith",
            Func::ToLower => "tolower",
            Func::ToUpper => "toupper",
            Func::Length => "length",
            Func::Trim => "trim",
            Func::Concat => "concat",
            Func::IndexOf => "indexof",
            Func::Substring => "substring",
            Func::MatchesPattern => "matchesPattern",
            Func::HasSubset => "hassubset",
            Func::HasSubsequence => "hassubsequence",
            Func::Year => "year",
            Func::Month => "month",
            Func::Day => "day",
            Func::Hour => "hour",
            Func::Minute => "minute",
            Func::Second => "second",
            Func::FractionalSeconds => "fractionalseconds",
            Func::TotalSeconds => "totalseconds",
            Func::Date => "date",
            Func::Time => "time",
            Func::TotalOffsetMinutes => "totaloffsetminutes",
            Func::Now => "now",
            Func::MinDateTime => "mindatetime",
            Func::MaxDateTime => "maxdatetime",
            Func::Round => "round",
            Func::Floor => "floor",
            Func::Ceiling => "ceiling",
            Func::Cast => "cast",
            Func::IsOf => "isof",
            Func::GeoDistance => "geo.distance",
            Func::GeoLength => "geo.length",
            Func::GeoIntersects => "geo.intersects",
        }
    }

    /// Looks a name up case-insensitively (OData 4.01).
    pub fn from_name(name: &str) -> Option<Func> {
        Func::ALL.into_iter().find(|f| f.name().eq_ignore_ascii_case(name))
    }

    /// How many arguments the function takes: at least the first, at most the second.
    pub fn arity(self) -> (usize, usize) {
        match self {
            Func::Now | Func::MinDateTime | Func::MaxDateTime => (0, 0),
            Func::Substring => (2, 3),
            Func::Cast | Func::IsOf => (1, 2),
            Func::Contains
            | Func::StartsWith
            | Func::EndsWith
            | Func::Concat
            | Func::IndexOf
            | Func::MatchesPattern
            | Func::HasSubset
            | Func::HasSubsequence
            | Func::GeoDistance
            | Func::GeoIntersects => (2, 2),
            Func::ToLower
            | Func::ToUpper
            | Func::Length
            | Func::Trim
            | Func::Year
            | Func::Month
            | Func::Day
            | Func::Hour
            | Func::Minute
            | Func::Second
            | Func::FractionalSeconds
            | Func::TotalSeconds
            | Func::Date
            | Func::Time
            | Func::TotalOffsetMinutes
            | Func::Round
            | Func::Floor
            | Func::Ceiling
            | Func::GeoLength => (1, 1),
        }
    }

    /// Whether the function is a geospatial one (`geo.distance geo.length geo.intersects`).
    pub fn is_geo(self) -> bool {
        matches!(self, Func::GeoDistance | Func::GeoLength | Func::GeoIntersects)
    }

    /// Whether the function returns a boolean, so a call is a condition on its own.
    pub fn is_boolean(self) -> bool {
        matches!(
            self,
            Func::Contains
                | Func::StartsWith
                | Func::EndsWith
                | Func::MatchesPattern
                | Func::HasSubset
                | Func::HasSubsequence
                | Func::IsOf
                | Func::GeoIntersects
        )
    }
}

/// How a keyword search combines its keywords.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum SearchScope {
    /// Every keyword must match (some field).
    All,
    /// At least one keyword must match.
    Any,
}

/// Array quantifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Quantifier {
    /// Some element satisfies the predicate.
    Any,
    /// Every element satisfies the predicate.
    All,
}

/// An expression node with the span it came from.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Expr {
    /// What the node is.
    #[cfg_attr(feature = "serde", serde(flatten))]
    pub kind: ExprKind,
    /// Where it stands in the input.
    pub span: Span,
}

impl Expr {
    /// A node.
    pub fn new(kind: ExprKind, span: Span) -> Expr {
        Expr { kind, span }
    }
}

/// The kinds of expression node.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(tag = "kind", rename_all = "snake_case"))]
pub enum ExprKind {
    /// A literal value.
    Literal {
        /// The value.
        value: Literal,
    },
    /// A field (or member) reference.
    Path {
        /// The path.
        path: Path,
    },
    /// Conjunction of two or more operands (a chain `a and b and c` is one node).
    And {
        /// The operands, in input order.
        operands: Vec<Expr>,
    },
    /// Disjunction of two or more operands.
    Or {
        /// The operands, in input order.
        operands: Vec<Expr>,
    },
    /// Logical negation.
    Not {
        /// The negated expression.
        operand: Box<Expr>,
    },
    /// A comparison.
    Compare {
        /// The operator.
        op: CmpOp,
        /// Left operand.
        lhs: Box<Expr>,
        /// Right operand.
        rhs: Box<Expr>,
    },
    /// `lhs in (v1, v2, ...)`.
    In {
        /// The tested value.
        lhs: Box<Expr>,
        /// The candidates.
        list: Vec<Expr>,
    },
    /// A function call.
    Call {
        /// Which function.
        func: Func,
        /// The arguments.
        args: Vec<Expr>,
    },
    /// Whether a field is present (non-null). Mongo `$exists`.
    Exists {
        /// The field.
        path: Path,
        /// `true` for `$exists: true`.
        exists: bool,
    },
    /// A regular-expression match (`regex` crate syntax). Mongo `$regex`.
    Regex {
        /// The matched string.
        target: Box<Expr>,
        /// The pattern.
        pattern: String,
        /// Flags among `i m s x`.
        flags: String,
    },
    /// Keyword search over a set of fields (`search=Jack Mike&scope=any`).
    Search {
        /// The keywords, each matched case-insensitively as a substring.
        keywords: Vec<String>,
        /// How keywords combine.
        scope: SearchScope,
        /// The searched fields; `None` means the profile's default search fields.
        fields: Option<Vec<Path>>,
    },
    /// Arithmetic: `price add 2`, `a mod 5`.
    Arith {
        /// The operator.
        op: ArithOp,
        /// Left operand.
        lhs: Box<Expr>,
        /// Right operand.
        rhs: Box<Expr>,
    },
    /// Arithmetic negation: `-price`.
    Negate {
        /// The negated expression.
        operand: Box<Expr>,
    },
    /// Enumeration flag test: `style has Sales.Pattern'Yellow'`.
    Has {
        /// The tested value.
        lhs: Box<Expr>,
        /// The flags (an enum literal).
        rhs: Box<Expr>,
    },
    /// A JSON array: `["a", 1, [2]]`.
    Array {
        /// The items.
        items: Vec<Expr>,
    },
    /// A JSON object: `{"name": value}`.
    Object {
        /// The members, in input order.
        members: Vec<Member>,
    },
    /// A path that a plain [`Path`] cannot hold, because some step is more than a name:
    /// function calls (`Products/Model.BestProduct()/Name`, `Model.Available()`), key
    /// predicates (`Items(1)`), `$filter(…)` segments, `$count($filter=…)`, or a lambda after
    /// one of those. Resolving them needs a service's metadata (which names are functions,
    /// navigation properties, keys); user schemas have none of them.
    Navigate {
        /// The steps, outermost first; never empty.
        steps: Vec<Step>,
    },
    /// An array quantifier: `emails/any(e: e/verified eq true)`. OData's `any()` without a
    /// variable ("the collection is not empty") has an empty `var` and the predicate `true`.
    Quantified {
        /// `any` or `all`.
        quantifier: Quantifier,
        /// The array.
        path: Path,
        /// The lambda variable.
        var: String,
        /// The predicate over one element.
        predicate: Box<Expr>,
    },
}

/// Sort direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Direction {
    /// Ascending; nulls first.
    Asc,
    /// Descending; nulls last.
    Desc,
}

/// One sort key.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SortKey {
    /// The sorted field.
    pub path: Path,
    /// The direction.
    pub direction: Direction,
    /// The whole key in the input.
    pub span: Span,
}

/// A projection: which fields to return.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(tag = "mode", content = "fields", rename_all = "snake_case"))]
pub enum Projection {
    /// Only these fields.
    Include(Vec<Path>),
    /// Every default field but these.
    Exclude(Vec<Path>),
}

/// Which rows of the sorted result to return, counted in rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Page {
    /// At most this many rows; `None` for all.
    pub limit: Option<u64>,
    /// Skip this many rows first.
    pub offset: u64,
}

impl Expr {
    /// Visits every direct child expression.
    pub fn children(&self) -> Vec<&Expr> {
        match &self.kind {
            ExprKind::Literal { .. } | ExprKind::Path { .. } | ExprKind::Exists { .. } | ExprKind::Search { .. } => {
                Vec::new()
            }
            ExprKind::And { operands } | ExprKind::Or { operands } => operands.iter().collect(),
            ExprKind::Not { operand } => vec![operand],
            ExprKind::Compare { lhs, rhs, .. } => vec![lhs, rhs],
            ExprKind::In { lhs, list } => std::iter::once(&**lhs).chain(list.iter()).collect(),
            ExprKind::Call { args, .. } => args.iter().collect(),
            ExprKind::Regex { target, .. } => vec![target],
            ExprKind::Quantified { predicate, .. } => vec![predicate],
            ExprKind::Arith { lhs, rhs, .. } | ExprKind::Has { lhs, rhs } => vec![lhs, rhs],
            ExprKind::Negate { operand } => vec![operand],
            ExprKind::Array { items } => items.iter().collect(),
            ExprKind::Object { members } => members.iter().map(|m| &m.value).collect(),
            ExprKind::Navigate { steps } => steps.iter().flat_map(Step::exprs).collect(),
        }
    }
}

/// Deeply nested trees are dropped with an explicit stack, so that dropping a tree that a
/// depth-limited parser was still allowed to build can never overflow the stack.
impl Drop for Expr {
    fn drop(&mut self) {
        /// Leaves own no expressions: they are dropped where they are found, so the stack
        /// holds inner nodes only (and a node whose children are all leaves needs none).
        fn is_leaf(kind: &ExprKind) -> bool {
            matches!(
                kind,
                ExprKind::Literal { .. } | ExprKind::Path { .. } | ExprKind::Exists { .. } | ExprKind::Search { .. }
            )
        }
        /// Whether every child is a leaf. Such a node is dropped where it is found too: its
        /// own `drop` finds nothing to take, so this nests one level at most, and shallow
        /// trees (the common case) need no stack at all.
        fn is_shallow(kind: &ExprKind) -> bool {
            match kind {
                ExprKind::And { operands: items }
                | ExprKind::Or { operands: items }
                | ExprKind::Call { args: items, .. }
                | ExprKind::Array { items } => items.iter().all(|e| is_leaf(&e.kind)),
                ExprKind::In { lhs, list } => is_leaf(&lhs.kind) && list.iter().all(|e| is_leaf(&e.kind)),
                ExprKind::Not { operand } | ExprKind::Negate { operand } => is_leaf(&operand.kind),
                ExprKind::Object { members } => members.iter().all(|m| is_leaf(&m.value.kind)),
                ExprKind::Compare { lhs, rhs, .. } | ExprKind::Arith { lhs, rhs, .. } | ExprKind::Has { lhs, rhs } => {
                    is_leaf(&lhs.kind) && is_leaf(&rhs.kind)
                }
                ExprKind::Regex { target, .. } => is_leaf(&target.kind),
                ExprKind::Quantified { predicate, .. } => is_leaf(&predicate.kind),
                ExprKind::Navigate { .. } => false,
                ExprKind::Literal { .. }
                | ExprKind::Path { .. }
                | ExprKind::Exists { .. }
                | ExprKind::Search { .. } => true,
            }
        }
        fn keep(e: Expr, out: &mut Vec<Expr>) {
            if !is_shallow(&e.kind) {
                out.push(e);
            }
        }
        fn take(e: &mut Expr, out: &mut Vec<Expr>) {
            if !is_shallow(&e.kind) {
                out.push(std::mem::replace(e, Expr::leaf()));
            }
        }
        fn take_children(kind: &mut ExprKind, out: &mut Vec<Expr>) {
            match kind {
                ExprKind::And { operands: items }
                | ExprKind::Or { operands: items }
                | ExprKind::Call { args: items, .. }
                | ExprKind::Array { items } => items.drain(..).for_each(|e| keep(e, out)),
                ExprKind::In { lhs, list } => {
                    list.drain(..).for_each(|e| keep(e, out));
                    take(lhs, out);
                }
                ExprKind::Not { operand } | ExprKind::Negate { operand } => take(operand, out),
                ExprKind::Object { members } => members.iter_mut().for_each(|m| take(&mut m.value, out)),
                ExprKind::Compare { lhs, rhs, .. } | ExprKind::Arith { lhs, rhs, .. } | ExprKind::Has { lhs, rhs } => {
                    take(lhs, out);
                    take(rhs, out);
                }
                ExprKind::Regex { target, .. } => take(target, out),
                ExprKind::Quantified { predicate, .. } => take(predicate, out),
                ExprKind::Navigate { steps } => {
                    for step in steps {
                        step.exprs_mut().into_iter().for_each(|e| take(e, out));
                    }
                }
                ExprKind::Literal { .. }
                | ExprKind::Path { .. }
                | ExprKind::Exists { .. }
                | ExprKind::Search { .. } => {}
            }
        }
        if is_shallow(&self.kind) {
            return;
        }
        let mut stack = Vec::new();
        take_children(&mut self.kind, &mut stack);
        while let Some(mut e) = stack.pop() {
            take_children(&mut e.kind, &mut stack);
        }
    }
}

impl Expr {
    fn leaf() -> Expr {
        Expr { kind: ExprKind::Literal { value: Literal::Null }, span: Span::default() }
    }

    /// A literal node.
    pub fn literal(value: Literal, span: Span) -> Expr {
        Expr::new(ExprKind::Literal { value }, span)
    }

    /// A path node.
    pub fn path(path: Path) -> Expr {
        let span = path.span;
        Expr::new(ExprKind::Path { path }, span)
    }
}

/// Parses a GUID in its 8-4-4-4-12 hexadecimal form (either case) into 16 big-endian bytes.
///
/// ```
/// assert_eq!(roster_ast::parse_guid("00000000-0000-0000-0000-00000000000A"), Some(10));
/// assert_eq!(roster_ast::parse_guid("0000"), None);
/// ```
pub fn parse_guid(s: &str) -> Option<u128> {
    let b = s.as_bytes();
    if b.len() != 36 {
        return None;
    }
    let mut v: u128 = 0;
    for (i, &c) in b.iter().enumerate() {
        if matches!(i, 8 | 13 | 18 | 23) {
            if c != b'-' {
                return None;
            }
            continue;
        }
        let d = (c as char).to_digit(16)?;
        v = (v << 4) | u128::from(d);
    }
    Some(v)
}

/// The canonical lower-case 8-4-4-4-12 text of a GUID.
pub fn format_guid(g: u128) -> String {
    let mut s = String::with_capacity(36);
    // Writing to a String cannot fail.
    let _ = display::write_guid(&mut s, g);
    s
}

/// What every stage's error offers for rendering: a stable machine code, a span in the input,
/// a message (its `Display`), and optionally a suggestion. Rendering (caret, JSON) lives in
/// `roster-render`; the stages only describe.
pub trait Diagnostic: std::fmt::Display {
    /// A stable, kebab-case code such as `unknown-field`; never changes once released.
    fn code(&self) -> &'static str;
    /// The bytes of the input the error is about.
    fn span(&self) -> Span;
    /// A suggestion a person can act on ("did you mean `VERIFIED`?").
    fn help(&self) -> Option<String> {
        None
    }
}
