//! The fast path of the document evaluator: a columnar side-structure ([`DocTable`]) built
//! once when documents are loaded, and a [`DocPlan`] bound to it per run, with exactly the
//! answers of the per-document walk in [`crate::document`] (the reference, which the
//! workspace tests hold this path to).
//!
//! - **Columns.** Every top-level field whose slots all fit its schema type gets columns:
//!   a scalar field one value per document, an array of scalars its elements flattened with
//!   per-document offsets (each element knowing its document), an array of objects its
//!   elements' offsets and one value column per member (with a has-member flag). A value is
//!   a `u64` key that orders as MongoDB orders values within the field's single type
//!   bracket: strings are codes into the column's sorted dictionary of distinct strings
//!   (one buffer with offsets; byte order is code order), dates their microseconds, numbers
//!   their IEEE bits made monotone, booleans 0/1. Element values with at most 64 keys
//!   (booleans, `roles`) also keep each document's key set as bits; arrays and members keep
//!   each document's sort key per direction. A map (`customFields`) gets one column per key
//!   (up to 256): has-key, the value's bracket, its key within the bracket. A field with a
//!   slot of the wrong shape (or a NaN) stays per document.
//! - **Binding.** Per run, each test of the plan becomes a test of keys: `$eq` one key (a
//!   string absent from the dictionary matches nothing), `$gt` and friends a key range,
//!   `$in` a key set, `$regex` a bit set over the dictionary (literal text decided on the
//!   dictionary: `^lit` a code range by binary search, `lit`/`lit$` by `memmem` over its
//!   buffer; other patterns run once per distinct string, not once per document), `$type` a
//!   constant (`"int"`/`"long"` on numbers: the decoded value); a map key binds one test per
//!   bracket. "Some element passes" on a key set is one AND with the test's mask over the
//!   domain. `$elemMatch` first filters on each conjunct that tests one value (it holds for
//!   some element alone), then runs whole on the documents left. What cannot be bound (a
//!   misshapen field, `$elemMatch` over other paths) runs the reference walk on the
//!   candidates only.
//! - **Filter.** 4,096 documents at a time into bit masks: `and` evaluates its parts
//!   cheapest first, each only on the documents still selected; `or` each part only on
//!   those not yet selected; scalar tests are branch-free over the block; element tests walk
//!   the block's elements in order when most documents are candidates, else visit the
//!   candidates' elements.
//! - **Page.** When the page ends before the last match, the first sort key (encoded with
//!   its rank — empty array < missing < value — above a map value's bracket, and negated
//!   when descending) selects the `offset + limit`-th smallest with `select_nth_unstable`;
//!   only the matches up to it (ties included) get their full keys and are sorted, with the
//!   document's position as the final tie-breaker, which is what the reference's stable
//!   sort keeps.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use roster_ast::{CmpOp, Direction};
use roster_check::document::{DocPath, DocSortKey, TypeTest};
use roster_schema::document::{Atom, Doc, DocSchema, DocType, Scalar, Slot};

use crate::document::{DocPlan, Leaf, Node, SortValue, eval, sort_value};

/// Words of a block's bit masks (64 documents each).
const BLOCK_WORDS: usize = 64;
/// Documents per block.
const BLOCK: usize = BLOCK_WORDS * 64;

/// The distinct strings of one column, sorted by bytes, in one buffer: a string's key is
/// its position.
#[derive(Debug, Clone)]
struct Dict {
    text: String,
    /// `text[starts[c]..starts[c + 1]]` is string `c`.
    starts: Vec<usize>,
}

impl Default for Dict {
    fn default() -> Dict {
        Dict { text: String::new(), starts: vec![0] }
    }
}

impl Dict {
    /// The dictionary of some strings, and the code of each, in their order.
    fn build<'a>(strings: impl Iterator<Item = &'a str>) -> (Dict, Vec<u64>) {
        // The first eight bytes, big-endian, order as the strings do up to a tie.
        let prefix = |s: &str| {
            let mut b = [0u8; 8];
            let n = s.len().min(8);
            b[..n].copy_from_slice(&s.as_bytes()[..n]);
            u64::from_be_bytes(b)
        };
        let mut v: Vec<(u64, &str, usize)> = strings.enumerate().map(|(i, s)| (prefix(s), s, i)).collect();
        v.sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(b.1)));
        let mut codes = vec![0; v.len()];
        let mut d = Dict::default();
        let mut last = None;
        for (_, s, i) in v {
            if last != Some(s) {
                d.text.push_str(s);
                d.starts.push(d.text.len());
                last = Some(s);
            }
            codes[i] = d.len() - 1;
        }
        (d, codes)
    }

    fn len(&self) -> u64 {
        (self.starts.len() - 1) as u64
    }

    fn get(&self, c: usize) -> &str {
        self.text.get(self.starts[c]..self.starts[c + 1]).unwrap_or_default()
    }

    /// The first code whose string fails `pred` (which holds for a prefix of the codes).
    fn partition(&self, pred: impl Fn(&str) -> bool) -> u64 {
        let (mut lo, mut hi) = (0, self.starts.len() - 1);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if pred(self.get(mid)) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo as u64
    }

    fn code(&self, s: &str) -> Option<u64> {
        let c = self.partition(|d| d < s);
        (c < self.len() && self.get(c as usize) == s).then_some(c)
    }

    /// How many strings sort before `s` (`or_equal`: before or equal to it).
    fn rank(&self, s: &str, or_equal: bool) -> u64 {
        if or_equal { self.partition(|d| d <= s) } else { self.partition(|d| d < s) }
    }

    /// The codes of the strings `re` matches.
    fn regex(&self, re: &regex::Regex) -> KeyTest {
        let n = self.len();
        let Some(lit) = Literal::of(re.as_str()) else {
            let mut mask = vec![0u64; (n as usize).div_ceil(64)];
            for c in 0..n as usize {
                if re.is_match(self.get(c)) {
                    mask[c / 64] |= 1 << (c % 64);
                }
            }
            return KeyTest::Mask(mask);
        };
        let text = lit.text.as_str();
        match (lit.start, lit.end) {
            (true, true) => self.code(text).map_or(KeyTest::Never, KeyTest::Eq),
            (true, false) => {
                let lo = self.rank(text, false);
                // Among the strings from `text` on, those starting with it come first.
                let hi = self.partition(|d| d < text || d.starts_with(text));
                KeyTest::range(lo, hi)
            }
            _ if text.is_empty() => KeyTest::range(0, n),
            (false, end) => {
                // Every occurrence in the buffer, kept when it lies within one string (and
                // ends it, for `lit$`).
                let mut mask = vec![0u64; (n as usize).div_ceil(64)];
                // Occurrences come in order: the string holding one is found by moving on.
                let mut c = 0;
                for at in memchr::memmem::find_iter(self.text.as_bytes(), text.as_bytes()) {
                    while self.starts[c + 1] <= at {
                        c += 1;
                    }
                    let (stop, limit) = (at + text.len(), self.starts[c + 1]);
                    if stop <= limit && (!end || stop == limit) {
                        mask[c / 64] |= 1 << (c % 64);
                    }
                }
                KeyTest::Mask(mask)
            }
        }
    }
}

/// A regular expression that is literal text, optionally anchored at the start (`^`) and
/// the end (`$`, the end of the text: no flags, so no multi-line mode).
#[derive(Debug)]
struct Literal {
    start: bool,
    text: String,
    end: bool,
}

impl Literal {
    fn of(pattern: &str) -> Option<Literal> {
        let (start, rest) = match pattern.strip_prefix('^') {
            Some(rest) => (true, rest),
            None => (false, pattern),
        };
        let (end, rest) = match rest.strip_suffix('$') {
            Some(body) if !body.ends_with('\\') => (true, body),
            _ => (false, rest),
        };
        let mut text = String::with_capacity(rest.len());
        let mut chars = rest.chars();
        while let Some(ch) = chars.next() {
            match ch {
                '\\' => match chars.next() {
                    // An escaped ASCII punctuation character is itself.
                    Some(e) if e.is_ascii_punctuation() => text.push(e),
                    _ => return None,
                },
                c if c.is_ascii_alphanumeric() || "_-@ ,:/'\"%&!<>=~`#".contains(c) => text.push(c),
                _ => return None,
            }
        }
        Some(Literal { start, text, end })
    }
}

/// The strings among some values, in order.
fn strings<'a>(atoms: &'a [Option<&'a Atom>]) -> impl Iterator<Item = &'a str> {
    atoms.iter().flatten().filter_map(|a| match a {
        Atom::Str(s) => Some(s.as_str()),
        _ => None,
    })
}

/// One value per document (scalar fields) or per element (arrays, members): its key, and
/// whether there is a value at all.
#[derive(Debug, Clone)]
struct Values {
    ty: Scalar,
    dict: Dict,
    keys: Vec<u64>,
    has: Vec<bool>,
    /// Element values (arrays, members) with at most 64 distinct keys (booleans, strings
    /// of a small dictionary): per document, the set of its elements' keys as bits.
    sets: Option<Vec<u64>>,
    /// Element values: the document of each element.
    owners: Vec<usize>,
    /// Element values: per document, its sort key ascending and descending (before the
    /// descending negation), see [`element_sort_key`].
    extremes: [Vec<u128>; 2],
}

/// A number's key: monotone in the number (0 and -0 are one key).
fn num_key(x: f64) -> u64 {
    let x = if x == 0.0 { 0.0 } else { x };
    let b = x.to_bits();
    if b >> 63 == 1 { !b } else { b | 1 << 63 }
}

/// The number of a key made by [`num_key`].
fn key_num(k: u64) -> f64 {
    f64::from_bits(if k >> 63 == 1 { k & !(1 << 63) } else { !k })
}

fn time_key(t: i64) -> u64 {
    (t as u64) ^ (1 << 63)
}

fn bracket(ty: Scalar) -> u8 {
    match ty {
        Scalar::Number => 1,
        Scalar::String => 2,
        Scalar::Bool => 3,
        Scalar::Timestamp => 4,
    }
}

impl Values {
    /// `None` when a value is not of type `ty` or is a NaN (which compares with nothing).
    fn build(ty: Scalar, atoms: &[Option<&Atom>]) -> Option<Values> {
        let (dict, codes) = if ty == Scalar::String { Dict::build(strings(atoms)) } else { Default::default() };
        let mut codes = codes.into_iter();
        let mut out = Values {
            ty,
            dict,
            keys: Vec::with_capacity(atoms.len()),
            has: Vec::with_capacity(atoms.len()),
            sets: None,
            owners: Vec::new(),
            extremes: [Vec::new(), Vec::new()],
        };
        for a in atoms {
            match a {
                None => {
                    out.keys.push(0);
                    out.has.push(false);
                }
                Some(a) if a.bracket() == bracket(ty) => {
                    let k = if ty == Scalar::String { codes.next()? } else { out.key(a)? };
                    out.keys.push(k);
                    out.has.push(true);
                }
                Some(_) => return None,
            }
        }
        Some(out)
    }

    fn key(&self, a: &Atom) -> Option<u64> {
        atom_key(self.ty, a, &self.dict)
    }

    /// How many keys there can be, when at most 64.
    fn small_domain(&self) -> Option<u64> {
        match self.ty {
            Scalar::Bool => Some(2),
            Scalar::String if self.dict.len() <= 64 => Some(self.dict.len()),
            _ => None,
        }
    }

    /// Element values of documents delimited by `starts`: their owners, and their key sets
    /// when the domain is small.
    fn of_elements(mut self, present: &[bool], starts: &[usize]) -> Values {
        self.owners = starts.windows(2).enumerate().flat_map(|(r, w)| std::iter::repeat_n(r, w[1] - w[0])).collect();
        self.extremes = [false, true].map(|desc| {
            starts
                .windows(2)
                .zip(present)
                .map(|(w, &p)| element_sort_key(p, &self.has[w[0]..w[1]], &self.keys[w[0]..w[1]], desc))
                .collect()
        });
        if self.small_domain().is_some() {
            let sets = starts
                .windows(2)
                .map(|w| (w[0]..w[1]).filter(|&e| self.has[e]).fold(0u64, |set, e| set | 1u64 << (self.keys[e] & 63)))
                .collect();
            self.sets = Some(sets);
        }
        self
    }
}

/// The sort key of a document's elements (`has`, `keys`: of the member, for arrays of
/// objects), as [`sort_value`] has it: missing when the array is; an empty array first; an
/// element lacking the member is null, the smallest key (so ascending, the key is missing,
/// and descending only when no element has the member); else the smallest key ascending,
/// the largest descending.
fn element_sort_key(present: bool, has: &[bool], keys: &[u64], desc: bool) -> u128 {
    if !present {
        return MISSING_KEY;
    }
    if !has.is_empty() && (if desc { has.iter().all(|h| !h) } else { has.contains(&false) }) {
        return MISSING_KEY;
    }
    let values = keys.iter().zip(has).filter(|(_, h)| **h).map(|(k, _)| *k);
    let best = if desc { values.max() } else { values.min() };
    best.map_or(EMPTY, |k| VALUE | u128::from(k))
}

/// The key of a value of type `ty`; `None` for a string not in `dict`, a NaN, or another
/// type.
fn atom_key(ty: Scalar, a: &Atom, dict: &Dict) -> Option<u64> {
    match (ty, a) {
        (Scalar::String, Atom::Str(s)) => dict.code(s),
        (Scalar::Number, Atom::Num(x)) if !x.is_nan() => Some(num_key(*x)),
        (Scalar::Bool, Atom::Bool(b)) => Some(u64::from(*b)),
        (Scalar::Timestamp, Atom::Time(t)) => Some(time_key(t.0)),
        _ => None,
    }
}

/// One field's column.
#[derive(Debug, Clone)]
enum Col {
    /// Evaluated per document (maps; a slot of another shape than the schema's).
    Docs,
    /// A scalar field: one value per document (`has`: present).
    Scalar(Values),
    /// An array of scalars: document `r`'s elements are `elems[starts[r]..starts[r + 1]]`.
    Array { present: Vec<bool>, starts: Vec<usize>, elems: Values },
    /// An array of objects: document `r`'s elements are `starts[r]..starts[r + 1]`, in every
    /// member's values.
    Objects { present: Vec<bool>, starts: Vec<usize>, members: Vec<Values> },
    /// A map: one column per key seen.
    Map { present: Vec<bool>, keys: BTreeMap<String, MapKey> },
}

/// The value types of map values, by MongoDB bracket (index: bracket - 1).
const BRACKETS: [Scalar; 4] = [Scalar::Number, Scalar::String, Scalar::Bool, Scalar::Timestamp];

/// Beyond this many distinct keys, a map stays per document.
const MAX_MAP_KEYS: usize = 256;

/// One key of a map field: per document, whether the map has the key, its value's bracket
/// (index into [`BRACKETS`]) and its key within the bracket (`dict`: the strings).
#[derive(Debug, Clone)]
struct MapKey {
    has: Vec<bool>,
    brackets: Vec<u8>,
    keys: Vec<u64>,
    dict: Dict,
}

impl MapKey {
    /// `None` for a NaN.
    fn build(atoms: &[Option<&Atom>]) -> Option<MapKey> {
        let (dict, codes) = Dict::build(strings(atoms));
        let mut codes = codes.into_iter();
        let n = atoms.len();
        let mut out =
            MapKey { has: Vec::with_capacity(n), brackets: Vec::with_capacity(n), keys: Vec::with_capacity(n), dict };
        for a in atoms {
            let (b, k) = match a {
                None => (0, 0),
                Some(a) => {
                    let b = a.bracket().saturating_sub(1);
                    let k = if matches!(a, Atom::Str(_)) {
                        codes.next()?
                    } else {
                        atom_key(BRACKETS[usize::from(b)], a, &out.dict)?
                    };
                    (b, k)
                }
            };
            out.has.push(a.is_some());
            out.brackets.push(b);
            out.keys.push(k);
        }
        Some(out)
    }
}

static MISSING: Slot = Slot::Missing;

fn slot(doc: &Doc, i: usize) -> &Slot {
    doc.0.get(i).unwrap_or(&MISSING)
}

fn build_col(docs: &[Doc], i: usize, ty: &DocType) -> Option<Col> {
    match ty {
        DocType::Scalar(ty) => {
            let atoms = docs
                .iter()
                .map(|d| match slot(d, i) {
                    Slot::Missing => Some(None),
                    Slot::Atom(a) => Some(Some(a)),
                    _ => None,
                })
                .collect::<Option<Vec<_>>>()?;
            Some(Col::Scalar(Values::build(*ty, &atoms)?))
        }
        DocType::Array(ty) => {
            let (mut present, mut starts, mut atoms) = (Vec::with_capacity(docs.len()), vec![0], Vec::new());
            for d in docs {
                match slot(d, i) {
                    Slot::Missing => present.push(false),
                    Slot::Array(items) => {
                        present.push(true);
                        atoms.extend(items.iter().map(Some));
                    }
                    _ => return None,
                }
                starts.push(atoms.len());
            }
            let elems = Values::build(*ty, &atoms)?.of_elements(&present, &starts);
            Some(Col::Array { present, starts, elems })
        }
        DocType::Objects(members) => {
            let (mut present, mut starts) = (Vec::with_capacity(docs.len()), vec![0]);
            let mut atoms: Vec<Vec<Option<&Atom>>> = vec![Vec::new(); members.len()];
            for d in docs {
                match slot(d, i) {
                    Slot::Missing => present.push(false),
                    Slot::Objects(items) => {
                        present.push(true);
                        for item in items {
                            if item.len() != members.len() {
                                return None;
                            }
                            for (col, v) in atoms.iter_mut().zip(item) {
                                col.push(v.as_ref());
                            }
                        }
                    }
                    _ => return None,
                }
                starts.push(starts.last().copied().unwrap_or(0) + slot_len(slot(d, i)));
            }
            let members = members
                .iter()
                .zip(&atoms)
                .map(|(m, a)| Some(Values::build(m.ty, a)?.of_elements(&present, &starts)))
                .collect::<Option<_>>()?;
            Some(Col::Objects { present, starts, members })
        }
        DocType::Map => {
            let n = docs.len();
            let mut present = Vec::with_capacity(n);
            let mut by_key: BTreeMap<&str, Vec<Option<&Atom>>> = BTreeMap::new();
            for (r, d) in docs.iter().enumerate() {
                match slot(d, i) {
                    Slot::Missing => present.push(false),
                    Slot::Map(entries) => {
                        present.push(true);
                        for (k, a) in entries {
                            if by_key.len() >= MAX_MAP_KEYS && !by_key.contains_key(k.as_str()) {
                                return None;
                            }
                            let col = by_key.entry(k.as_str()).or_insert_with(|| vec![None; n]);
                            // The first of equal keys is the value (as `map_get` reads it).
                            if col[r].is_none() {
                                col[r] = Some(a);
                            }
                        }
                    }
                    _ => return None,
                }
            }
            let keys = by_key
                .into_iter()
                .map(|(k, atoms)| Some((k.to_owned(), MapKey::build(&atoms)?)))
                .collect::<Option<_>>()?;
            Some(Col::Map { present, keys })
        }
    }
}

fn slot_len(s: &Slot) -> usize {
    match s {
        Slot::Objects(items) => items.len(),
        _ => 0,
    }
}

/// Documents with a columnar side-structure for the document evaluator's fast path
/// ([`DocPlan::count_in`], [`DocPlan::run_in`]); built once, when the documents are loaded.
///
/// ```
/// use roster_ast::Query;
/// use roster_eval::document::{DocPlan, DocTable};
/// use roster_schema::profiles::chat;
/// let schema = chat::schema();
/// let docs: Vec<_> = chat::generate(500, 1).collect();
/// let filter = roster_mongo::parse_query(r#"{"roles": "admin", "emails.verified": true}"#).unwrap();
/// let sort = roster_mongo::parse_sort(r#"{"createdAt": -1}"#).unwrap();
/// let q = roster_check::document::check_document(&Query { filter, sort, ..Query::default() }, &schema).unwrap();
/// let plan = DocPlan::new(&schema, &q).unwrap();
/// let table = DocTable::new(&schema, docs.clone());
/// assert_eq!(plan.run_in(&table), plan.run(&docs));
/// assert_eq!(plan.count_in(&table), plan.count(&docs));
/// ```
#[derive(Debug, Clone)]
pub struct DocTable {
    docs: Vec<Doc>,
    cols: Vec<Col>,
}

impl DocTable {
    /// Builds the columns of `docs` (documents of `schema`).
    pub fn new(schema: &DocSchema, docs: Vec<Doc>) -> DocTable {
        let cols =
            schema.fields.iter().enumerate().map(|(i, f)| build_col(&docs, i, &f.ty).unwrap_or(Col::Docs)).collect();
        DocTable { docs, cols }
    }

    /// The documents, in load order (the indices [`DocPlan::run_in`] returns).
    pub fn docs(&self) -> &[Doc] {
        &self.docs
    }

    /// The documents, given back.
    pub fn into_docs(self) -> Vec<Doc> {
        self.docs
    }

    fn col(&self, i: usize) -> &Col {
        self.cols.get(i).unwrap_or(&Col::Docs)
    }
}

/// A test of one key.
#[derive(Debug, Clone)]
enum KeyTest {
    Never,
    Always,
    Eq(u64),
    Ne(u64),
    /// Inclusive.
    Range(u64, u64),
    /// Sorted.
    In(Vec<u64>),
    /// A bit per dictionary code.
    Mask(Vec<u64>),
    /// A number with an integral value in `[lo, hi)` (`$type` `"int"`, `"long"`).
    Integral(f64, f64),
}

impl KeyTest {
    #[inline]
    fn test(&self, k: u64) -> bool {
        match self {
            KeyTest::Never => false,
            KeyTest::Always => true,
            KeyTest::Eq(x) => k == *x,
            KeyTest::Ne(x) => k != *x,
            KeyTest::Range(lo, hi) => *lo <= k && k <= *hi,
            KeyTest::In(v) => v.binary_search(&k).is_ok(),
            KeyTest::Mask(m) => m.get((k / 64) as usize).is_some_and(|w| (w >> (k % 64)) & 1 == 1),
            KeyTest::Integral(lo, hi) => {
                let x = key_num(k);
                x.fract() == 0.0 && *lo <= x && x < *hi
            }
        }
    }

    /// Half-open `[lo, hi)`.
    fn range(lo: u64, hi: u64) -> KeyTest {
        if lo < hi { KeyTest::Range(lo, hi - 1) } else { KeyTest::Never }
    }
}

/// A leaf's test on the keys of `v`.
fn bind_leaf(leaf: &Leaf, v: &Values) -> Option<KeyTest> {
    Some(bind_typed(leaf, v.ty, &v.dict))
}

/// A leaf's test on the keys of values of type `ty` (`dict`: the strings, for strings).
fn bind_typed(leaf: &Leaf, ty: Scalar, dict: &Dict) -> KeyTest {
    let key = |a: &Atom| atom_key(ty, a, dict);
    match leaf {
        Leaf::Eq(a) => key(a).map_or(KeyTest::Never, KeyTest::Eq),
        Leaf::Cmp(_, a) if a.bracket() != bracket(ty) => KeyTest::Never,
        Leaf::Cmp(op, a) => match (ty, a) {
            (Scalar::String, Atom::Str(s)) => {
                let (below, upto, n) = (dict.rank(s, false), dict.rank(s, true), dict.len());
                match op {
                    CmpOp::Gt => KeyTest::range(upto, n),
                    CmpOp::Ge => KeyTest::range(below, n),
                    CmpOp::Lt => KeyTest::range(0, below),
                    CmpOp::Le => KeyTest::range(0, upto),
                    CmpOp::Eq => dict.code(s).map_or(KeyTest::Never, KeyTest::Eq),
                    CmpOp::Ne => dict.code(s).map_or(KeyTest::Always, KeyTest::Ne),
                }
            }
            _ => match (key(a), op) {
                // A NaN compares with nothing.
                (None, _) | (Some(u64::MAX), CmpOp::Gt) | (Some(0), CmpOp::Lt) => KeyTest::Never,
                (Some(k), CmpOp::Gt) => KeyTest::Range(k + 1, u64::MAX),
                (Some(k), CmpOp::Ge) => KeyTest::Range(k, u64::MAX),
                (Some(k), CmpOp::Lt) => KeyTest::Range(0, k - 1),
                (Some(k), CmpOp::Le) => KeyTest::Range(0, k),
                (Some(k), CmpOp::Eq) => KeyTest::Eq(k),
                (Some(k), CmpOp::Ne) => KeyTest::Ne(k),
            },
        },
        Leaf::In(list) => {
            let mut keys: Vec<u64> = list.iter().filter_map(key).collect();
            keys.sort_unstable();
            keys.dedup();
            if keys.is_empty() { KeyTest::Never } else { KeyTest::In(keys) }
        }
        Leaf::Regex(_) if ty != Scalar::String => KeyTest::Never,
        Leaf::Regex(re) => dict.regex(re),
        Leaf::Type(t) => match (t.int_range(), ty) {
            (Some((lo, hi)), Scalar::Number) => KeyTest::Integral(lo, hi),
            _ => {
                let fits = matches!(
                    (t, ty),
                    (TypeTest::Number, Scalar::Number)
                        | (TypeTest::String, Scalar::String)
                        | (TypeTest::Bool, Scalar::Bool)
                        | (TypeTest::Date, Scalar::Timestamp)
                );
                if fits { KeyTest::Always } else { KeyTest::Never }
            }
        },
    }
}

/// A filter node bound to a table's columns.
#[derive(Debug)]
enum Bound<'a> {
    Const(bool),
    And(Vec<Bound<'a>>),
    Or(Vec<Bound<'a>>),
    Not(Box<Bound<'a>>),
    /// A scalar field's value passes.
    Scalar(&'a Values, KeyTest),
    /// The field is present (`true`) or missing (`false`).
    Present(&'a [bool], bool),
    /// The map has the key, and its value passes the test of its bracket.
    MapKey(&'a MapKey, Box<[KeyTest; 4]>),
    /// Some element's key is in the mask (documents' key sets).
    AnyOf(&'a [u64], u64),
    /// Some element (of an array of scalars, or some element's member) passes.
    Elements(&'a [usize], &'a Values, KeyTest),
    /// The array of objects is missing or some element lacks the member.
    MemberNull(&'a [bool], &'a [usize], &'a Values),
    /// Some element has the member.
    MemberExists(&'a [usize], &'a Values),
    Size(&'a [bool], &'a [usize], u64),
    ArrayEq(&'a [bool], &'a [usize], &'a Values, Vec<u64>),
    ElemMatch(&'a [usize], ElemNode<'a>),
    /// The reference walk, per candidate document.
    Docs(&'a Node),
}

/// A predicate over one element (`$elemMatch`), bound.
#[derive(Debug)]
enum ElemNode<'a> {
    Const(bool),
    And(Vec<ElemNode<'a>>),
    Or(Vec<ElemNode<'a>>),
    Not(Box<ElemNode<'a>>),
    /// The element (or its member) has a value that passes.
    Any(&'a Values, KeyTest),
    /// The element lacks the member.
    Lacks(&'a Values),
}

/// What the elements of an `$elemMatch` are.
#[derive(Clone, Copy)]
enum ElemSrc<'a> {
    Scalars(&'a Values),
    Objects(&'a [Values]),
}

fn bind_elem<'a>(n: &'a Node, src: ElemSrc<'a>) -> Option<ElemNode<'a>> {
    let all = |v: &'a [Node]| v.iter().map(|n| bind_elem(n, src)).collect::<Option<Vec<_>>>();
    let values = |m: &Option<usize>| match (src, m) {
        (ElemSrc::Scalars(v), None) => Some(Some(v)),
        (ElemSrc::Objects(ms), Some(j)) => ms.get(*j).map(Some),
        _ => Some(None),
    };
    Some(match n {
        Node::Const(b) => ElemNode::Const(*b),
        Node::And(v) => ElemNode::And(all(v)?),
        Node::Or(v) => ElemNode::Or(all(v)?),
        Node::Not(x) => ElemNode::Not(Box::new(bind_elem(x, src)?)),
        Node::Any(DocPath::Elem(m), leaf) => match values(m)? {
            Some(v) => ElemNode::Any(v, bind_leaf(leaf, v)?),
            None => ElemNode::Const(false),
        },
        Node::Null(DocPath::Elem(m)) | Node::Exists(DocPath::Elem(m)) => {
            let lacks = match (src, m) {
                (ElemSrc::Objects(ms), Some(j)) => ms.get(*j).map_or(ElemNode::Const(true), ElemNode::Lacks),
                _ => ElemNode::Const(false),
            };
            if matches!(n, Node::Null(_)) { lacks } else { ElemNode::Not(Box::new(lacks)) }
        }
        _ => return None,
    })
}

impl ElemNode<'_> {
    fn test(&self, e: usize) -> bool {
        match self {
            ElemNode::Const(b) => *b,
            ElemNode::And(v) => v.iter().all(|n| n.test(e)),
            ElemNode::Or(v) => v.iter().any(|n| n.test(e)),
            ElemNode::Not(n) => !n.test(e),
            ElemNode::Any(v, t) => v.has[e] && t.test(v.keys[e]),
            ElemNode::Lacks(v) => !v.has[e],
        }
    }
}

fn bind<'a>(t: &'a DocTable, n: &'a Node) -> Bound<'a> {
    bind_columns(t, n).unwrap_or(Bound::Docs(n))
}

fn by_cost(mut v: Vec<Bound<'_>>) -> Vec<Bound<'_>> {
    v.sort_by_key(Bound::cost);
    v
}

/// Some element passes: a test of the document's key set when there is one.
fn elements<'a>(starts: &'a [usize], v: &'a Values, test: KeyTest) -> Bound<'a> {
    match (&v.sets, v.small_domain()) {
        (Some(sets), Some(n)) => {
            let mask = (0..n).filter(|&k| test.test(k)).fold(0u64, |m, k| m | 1 << k);
            Bound::AnyOf(sets, mask)
        }
        _ => Bound::Elements(starts, v, test),
    }
}

/// `$elemMatch`: its conjuncts that test one value (`{"verified": true}`) also hold for some
/// element alone, so they filter first (cheaply, on key sets or element by element), and
/// the whole predicate runs on the documents left; one such test alone is exact.
fn elem_match<'a>(starts: &'a [usize], inner: ElemNode<'a>) -> Bound<'a> {
    let implied = |n: &ElemNode<'a>| match n {
        ElemNode::Any(v, t) => Some(elements(starts, v, t.clone())),
        _ => None,
    };
    match &inner {
        ElemNode::Any(..) => implied(&inner).unwrap_or(Bound::ElemMatch(starts, inner)),
        ElemNode::And(parts) => {
            let mut all: Vec<Bound<'a>> = parts.iter().filter_map(implied).collect();
            all.push(Bound::ElemMatch(starts, inner));
            Bound::And(by_cost(all))
        }
        _ => Bound::ElemMatch(starts, inner),
    }
}

/// `None`: the reference walk.
fn bind_columns<'a>(t: &'a DocTable, n: &'a Node) -> Option<Bound<'a>> {
    let field = |i: &usize| t.col(*i);
    Some(match n {
        Node::Const(b) => Bound::Const(*b),
        Node::And(v) => Bound::And(by_cost(v.iter().map(|n| bind(t, n)).collect())),
        Node::Or(v) => Bound::Or(by_cost(v.iter().map(|n| bind(t, n)).collect())),
        Node::Not(x) => Bound::Not(Box::new(bind(t, x))),
        Node::Any(DocPath::Field(i), leaf) => match field(i) {
            Col::Docs => return None,
            Col::Scalar(v) => Bound::Scalar(v, bind_leaf(leaf, v)?),
            Col::Array { starts, elems, .. } => elements(starts, elems, bind_leaf(leaf, elems)?),
            Col::Objects { .. } | Col::Map { .. } => Bound::Const(false),
        },
        Node::Any(DocPath::Member(i, j), leaf) => match field(i) {
            Col::Docs => return None,
            Col::Objects { starts, members, .. } => match members.get(*j) {
                Some(v) => elements(starts, v, bind_leaf(leaf, v)?),
                None => Bound::Const(false),
            },
            Col::Scalar(_) | Col::Array { .. } | Col::Map { .. } => Bound::Const(false),
        },
        Node::Any(DocPath::Key(i, k), leaf) => match field(i) {
            Col::Docs => return None,
            Col::Map { keys, .. } => match keys.get(k) {
                Some(mk) => Bound::MapKey(mk, Box::new(BRACKETS.map(|ty| bind_typed(leaf, ty, &mk.dict)))),
                None => Bound::Const(false),
            },
            Col::Scalar(_) | Col::Array { .. } | Col::Objects { .. } => Bound::Const(false),
        },
        Node::Null(DocPath::Key(i, k)) | Node::Exists(DocPath::Key(i, k)) => {
            let want = matches!(n, Node::Exists(_));
            match field(i) {
                Col::Docs => return None,
                Col::Map { keys, .. } => keys.get(k).map_or(Bound::Const(!want), |mk| Bound::Present(&mk.has, want)),
                Col::Scalar(_) | Col::Array { .. } | Col::Objects { .. } => Bound::Const(!want),
            }
        }
        Node::Null(DocPath::Field(i)) | Node::Exists(DocPath::Field(i)) => {
            let want = matches!(n, Node::Exists(_));
            match field(i) {
                Col::Docs => return None,
                Col::Scalar(v) => Bound::Present(&v.has, want),
                Col::Array { present, .. } | Col::Objects { present, .. } | Col::Map { present, .. } => {
                    Bound::Present(present, want)
                }
            }
        }
        Node::Null(DocPath::Member(i, j)) => match field(i) {
            Col::Docs => return None,
            Col::Objects { present, starts, members } => Bound::MemberNull(present, starts, members.get(*j)?),
            Col::Scalar(v) => Bound::Present(&v.has, false),
            Col::Array { present, .. } | Col::Map { present, .. } => Bound::Present(present, false),
        },
        Node::Exists(DocPath::Member(i, j)) => match field(i) {
            Col::Docs => return None,
            Col::Objects { starts, members, .. } => Bound::MemberExists(starts, members.get(*j)?),
            Col::Scalar(_) | Col::Array { .. } | Col::Map { .. } => Bound::Const(false),
        },
        Node::Size(i, len) => match field(i) {
            Col::Docs => return None,
            Col::Scalar(_) | Col::Map { .. } => Bound::Const(false),
            Col::Array { present, starts, .. } | Col::Objects { present, starts, .. } => {
                Bound::Size(present, starts, *len)
            }
        },
        Node::ArrayEq(i, want) => match field(i) {
            Col::Docs => return None,
            Col::Array { present, starts, elems } => match want.iter().map(|a| elems.key(a)).collect() {
                Some(keys) => Bound::ArrayEq(present, starts, elems, keys),
                None => Bound::Const(false),
            },
            Col::Scalar(_) | Col::Objects { .. } | Col::Map { .. } => Bound::Const(false),
        },
        Node::ElemMatch(i, inner) => match field(i) {
            Col::Docs => return None,
            Col::Array { starts, elems, .. } => elem_match(starts, bind_elem(inner, ElemSrc::Scalars(elems))?),
            Col::Objects { starts, members, .. } => elem_match(starts, bind_elem(inner, ElemSrc::Objects(members))?),
            Col::Scalar(_) | Col::Map { .. } => Bound::Const(false),
        },
        Node::Any(DocPath::Elem(_), _) | Node::Null(DocPath::Elem(_)) | Node::Exists(DocPath::Elem(_)) => return None,
    })
}

/// Sets `out`'s bits for the candidates (`cand`) for which `f` holds, computing `f` for every
/// document of a word with a candidate (cheap, branch-free tests); `out` has no other bits.
#[inline]
fn dense(cand: &[u64], out: &mut [u64], base: usize, f: impl Fn(usize) -> bool) {
    for (w, (o, &c)) in out.iter_mut().zip(cand).enumerate() {
        if c == 0 {
            *o = 0;
            continue;
        }
        let r0 = base + w * 64;
        let top = 64 - c.leading_zeros() as usize;
        let mut bits = 0u64;
        for b in 0..top {
            bits |= u64::from(f(r0 + b)) << b;
        }
        *o = bits & c;
    }
}

/// As [`dense`], computing `f` only for the candidates.
#[inline]
fn sparse(cand: &[u64], out: &mut [u64], base: usize, f: impl Fn(usize) -> bool) {
    for (w, (o, &c)) in out.iter_mut().zip(cand).enumerate() {
        let mut bits = 0u64;
        let mut m = c;
        while m != 0 {
            let b = m.trailing_zeros();
            if f(base + w * 64 + b as usize) {
                bits |= 1 << b;
            }
            m &= m - 1;
        }
        *o = bits;
    }
}

fn none(words: &[u64]) -> bool {
    words.iter().all(|w| *w == 0)
}

impl Bound<'_> {
    /// A rough cost per document, to run cheap conjuncts first.
    fn cost(&self) -> u32 {
        match self {
            Bound::Const(_) => 0,
            Bound::Present(..) | Bound::AnyOf(..) => 1,
            Bound::Scalar(_, KeyTest::Eq(_) | KeyTest::Range(..) | KeyTest::Never | KeyTest::Always) => 2,
            Bound::Size(..) => 2,
            Bound::Scalar(..) => 3,
            Bound::MapKey(..) => 4,
            Bound::Elements(..) | Bound::MemberNull(..) | Bound::MemberExists(..) | Bound::ArrayEq(..) => 6,
            Bound::ElemMatch(..) => 12,
            Bound::Docs(_) => 60,
            Bound::Not(x) => x.cost() + 1,
            Bound::And(v) | Bound::Or(v) => v.iter().map(Bound::cost).sum::<u32>() + 1,
        }
    }

    /// `out`: the candidates of the block starting at document `base` for which the node
    /// holds.
    fn eval(&self, docs: &[Doc], base: usize, cand: &[u64], out: &mut [u64]) {
        match self {
            Bound::Const(b) => {
                for (o, c) in out.iter_mut().zip(cand) {
                    *o = if *b { *c } else { 0 };
                }
            }
            Bound::And(v) => {
                let mut cur = cand.to_vec();
                let mut tmp = vec![0u64; cand.len()];
                for n in v {
                    if none(&cur) {
                        break;
                    }
                    n.eval(docs, base, &cur, &mut tmp);
                    std::mem::swap(&mut cur, &mut tmp);
                }
                out.copy_from_slice(&cur);
            }
            Bound::Or(v) => {
                let mut rest = cand.to_vec();
                let mut tmp = vec![0u64; cand.len()];
                out.fill(0);
                for n in v {
                    if none(&rest) {
                        break;
                    }
                    n.eval(docs, base, &rest, &mut tmp);
                    for ((o, r), t) in out.iter_mut().zip(rest.iter_mut()).zip(&tmp) {
                        *o |= t;
                        *r &= !t;
                    }
                }
            }
            Bound::Not(n) => {
                n.eval(docs, base, cand, out);
                for (o, c) in out.iter_mut().zip(cand) {
                    *o = c & !*o;
                }
            }
            Bound::Scalar(v, t) => {
                let (has, keys) = (&v.has[..], &v.keys[..]);
                match t {
                    KeyTest::Eq(x) => dense(cand, out, base, |r| has[r] & (keys[r] == *x)),
                    KeyTest::Range(lo, hi) => dense(cand, out, base, |r| has[r] & (*lo <= keys[r]) & (keys[r] <= *hi)),
                    t => dense(cand, out, base, |r| has[r] && t.test(keys[r])),
                }
            }
            Bound::Present(p, want) => dense(cand, out, base, |r| p[r] == *want),
            Bound::AnyOf(sets, mask) => dense(cand, out, base, |r| sets[r] & mask != 0),
            Bound::MapKey(mk, tests) => {
                dense(cand, out, base, |r| mk.has[r] && tests[usize::from(mk.brackets[r])].test(mk.keys[r]))
            }
            Bound::Elements(starts, v, t) => {
                let selected: u32 = cand.iter().map(|w| w.count_ones()).sum();
                let end = (base + cand.len() * 64).min(starts.len() - 1);
                if selected as usize * 4 >= cand.len() * 64 && v.owners.len() == starts[starts.len() - 1] {
                    // Most documents are candidates: one pass over the block's elements.
                    out.fill(0);
                    for e in starts[base]..starts[end] {
                        if v.has[e] && t.test(v.keys[e]) {
                            let r = v.owners[e] - base;
                            out[r / 64] |= 1 << (r % 64);
                        }
                    }
                    for (o, c) in out.iter_mut().zip(cand) {
                        *o &= c;
                    }
                } else {
                    sparse(cand, out, base, |r| (starts[r]..starts[r + 1]).any(|e| v.has[e] && t.test(v.keys[e])))
                }
            }
            Bound::MemberNull(present, starts, v) => {
                sparse(cand, out, base, |r| !present[r] || (starts[r]..starts[r + 1]).any(|e| !v.has[e]))
            }
            Bound::MemberExists(starts, v) => sparse(cand, out, base, |r| (starts[r]..starts[r + 1]).any(|e| v.has[e])),
            Bound::Size(present, starts, len) => {
                dense(cand, out, base, |r| present[r] && (starts[r + 1] - starts[r]) as u64 == *len)
            }
            Bound::ArrayEq(present, starts, v, want) => {
                sparse(cand, out, base, |r| present[r] && v.keys[starts[r]..starts[r + 1]] == want[..])
            }
            Bound::ElemMatch(starts, inner) => {
                sparse(cand, out, base, |r| (starts[r]..starts[r + 1]).any(|e| inner.test(e)))
            }
            Bound::Docs(node) => sparse(cand, out, base, |r| eval(node, &docs[r], None)),
        }
    }
}

/// Runs `filter` over the table block by block, handing each block's first document and
/// match mask to `each`.
fn scan(t: &DocTable, filter: &Bound<'_>, mut each: impl FnMut(usize, &[u64])) {
    let n = t.docs.len();
    let mut cand = vec![0u64; BLOCK_WORDS];
    let mut out = vec![0u64; BLOCK_WORDS];
    let mut base = 0;
    while base < n {
        let rows = (n - base).min(BLOCK);
        let words = rows.div_ceil(64);
        for (w, c) in cand.iter_mut().enumerate() {
            let left = rows.saturating_sub(w * 64);
            *c = if left >= 64 { u64::MAX } else { (1u64 << left) - 1 };
        }
        filter.eval(&t.docs, base, &cand[..words], &mut out[..words]);
        each(base, &out[..words]);
        base += rows;
    }
}

/// A sort key bound to a column: its rank (empty array 0, missing 1, value 2) above its key.
#[derive(Debug)]
enum SortCol<'a> {
    Missing,
    Scalar(&'a Values),
    /// An array's elements, or a member of an array's objects.
    Elements(&'a Values),
    MapKey(&'a MapKey),
    Docs,
}

/// Sort keys: the rank (empty array, missing, value) above a map value's bracket above the
/// value's key.
const EMPTY: u128 = 0;
const MISSING_KEY: u128 = 1 << 72;
const VALUE: u128 = 2 << 72;

/// One document's key for one sort key.
#[derive(Debug, Clone, Copy)]
enum Key<'a> {
    /// Encoded, already negated when descending.
    Enc(u128),
    Val(SortValue<'a>),
}

struct SortKey<'a> {
    col: SortCol<'a>,
    key: &'a DocSortKey,
}

impl<'a> SortKey<'a> {
    fn bind(t: &'a DocTable, key: &'a DocSortKey) -> SortKey<'a> {
        let col = match &key.path {
            DocPath::Field(i) => match t.col(*i) {
                Col::Scalar(v) => SortCol::Scalar(v),
                Col::Array { elems, .. } => SortCol::Elements(elems),
                Col::Objects { .. } | Col::Map { .. } | Col::Docs => SortCol::Docs,
            },
            DocPath::Member(i, j) => match t.col(*i) {
                Col::Objects { members, .. } => match members.get(*j) {
                    Some(v) => SortCol::Elements(v),
                    None => SortCol::Docs,
                },
                _ => SortCol::Docs,
            },
            DocPath::Key(i, k) => match t.col(*i) {
                Col::Map { keys, .. } => keys.get(k).map_or(SortCol::Missing, SortCol::MapKey),
                Col::Docs => SortCol::Docs,
                Col::Scalar(_) | Col::Array { .. } | Col::Objects { .. } => SortCol::Missing,
            },
            DocPath::Elem(_) => SortCol::Missing,
        };
        SortKey { col, key }
    }

    fn desc(&self) -> bool {
        self.key.direction == Direction::Desc
    }

    fn encoded(&self, r: usize) -> Option<u128> {
        let k = match self.col {
            SortCol::Missing => MISSING_KEY,
            SortCol::Scalar(v) => {
                if v.has[r] {
                    VALUE | u128::from(v.keys[r])
                } else {
                    MISSING_KEY
                }
            }
            SortCol::Elements(v) => v.extremes[usize::from(self.desc())][r],
            SortCol::MapKey(mk) => {
                if mk.has[r] {
                    VALUE | u128::from(mk.brackets[r]) << 64 | u128::from(mk.keys[r])
                } else {
                    MISSING_KEY
                }
            }
            SortCol::Docs => return None,
        };
        Some(if self.desc() { !k } else { k })
    }

    fn get<'d>(&self, docs: &'d [Doc], r: usize) -> Key<'d>
    where
        'a: 'd,
    {
        match self.encoded(r) {
            Some(k) => Key::Enc(k),
            None => Key::Val(sort_value(&docs[r], self.key)),
        }
    }

    fn cmp(&self, a: &Key<'_>, b: &Key<'_>) -> Ordering {
        match (a, b) {
            (Key::Enc(x), Key::Enc(y)) => x.cmp(y),
            (Key::Val(x), Key::Val(y)) => {
                let o = x.mongo_cmp(y);
                if self.desc() { o.reverse() } else { o }
            }
            _ => Ordering::Equal,
        }
    }
}

impl DocPlan {
    /// How many documents of the table match (the fast path of [`DocPlan::count`]).
    pub fn count_in(&self, t: &DocTable) -> usize {
        let filter = bind(t, &self.filter);
        let mut n = 0;
        scan(t, &filter, |_, words| n += words.iter().map(|w| w.count_ones() as usize).sum::<usize>());
        n
    }

    /// The page's indices into [`DocTable::docs`] (the fast path of [`DocPlan::run`]).
    pub fn run_in(&self, t: &DocTable) -> Vec<usize> {
        let skip = usize::try_from(self.offset).unwrap_or(usize::MAX);
        let take = self.limit.map_or(usize::MAX, |l| usize::try_from(l).unwrap_or(usize::MAX));
        if take == 0 {
            return Vec::new();
        }
        let filter = bind(t, &self.filter);
        let mut hits = Vec::new();
        scan(t, &filter, |base, words| {
            for (w, &word) in words.iter().enumerate() {
                let mut m = word;
                while m != 0 {
                    hits.push(base + w * 64 + m.trailing_zeros() as usize);
                    m &= m - 1;
                }
            }
        });
        let keys: Vec<SortKey<'_>> = self.sort.iter().map(|k| SortKey::bind(t, k)).collect();
        let need = skip.saturating_add(take);
        if need < hits.len()
            && let Some(first) = keys.first()
            && !matches!(first.col, SortCol::Docs)
        {
            // Top-k: only the matches whose first key is at most the need-th smallest.
            let mut firsts: Vec<(u128, usize)> = hits.iter().filter_map(|&r| Some((first.encoded(r)?, r))).collect();
            if firsts.len() == hits.len() {
                let kth = firsts.select_nth_unstable_by_key(need - 1, |p| p.0).1.0;
                hits = firsts.into_iter().filter(|p| p.0 <= kth).map(|p| p.1).collect();
            }
        }
        let n = keys.len();
        let mut all: Vec<Key<'_>> = Vec::with_capacity(hits.len() * n);
        for &r in &hits {
            all.extend(keys.iter().map(|k| k.get(&t.docs, r)));
        }
        let mut order: Vec<usize> = (0..hits.len()).collect();
        order.sort_unstable_by(|&a, &b| {
            let (x, y) = (&all[a * n..a * n + n], &all[b * n..b * n + n]);
            for ((k, p), q) in keys.iter().zip(x).zip(y) {
                let o = k.cmp(p, q);
                if o != Ordering::Equal {
                    return o;
                }
            }
            hits[a].cmp(&hits[b])
        });
        order.into_iter().skip(skip).take(take).map(|i| hits[i]).collect()
    }
}
