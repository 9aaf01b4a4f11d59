//! Streaming CSV export straight from the columns: no [`Record`](roster_schema::Record) or
//! `Value` per row, timestamps formatted by hand in a [`Zone`], rows written in batches
//! (formatted on up to [`Plan::with_threads`] threads, written in order), so memory stays at
//! one batch per thread whatever the number of rows.
//!
//! In UTC the bytes are exactly those of `roster_render::write_csv` over
//! [`Plan::records`] (a test holds the two to that): a header of field names, RFC 4180
//! quoting where a value holds `,`, `"`, CR or LF, an empty cell for null, timestamps as
//! RFC 3339 with a fraction only when it is not zero. In another zone a timestamp is the local
//! time followed by its offset (`2021-06-01T05:30:00+05:30`).

use std::io::{self, Write};

use roster_ast::time::civil_from_days;
use roster_schema::FieldType;

use crate::plan::Plan;
use crate::table::{Data, Table};

/// Rows formatted per thread before a batch is written.
const BATCH: usize = 16 * 1024;

/// A time zone as its UTC offsets over time: `offsets[i]` (seconds east of UTC) applies
/// from instant `starts[i]` (UTC microseconds) up to the next start, `initial` before the
/// first. Build it from any time-zone database (the CLI uses the system's, through `jiff`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Zone {
    initial: i32,
    starts: Vec<i64>,
    offsets: Vec<i32>,
}

impl Zone {
    /// UTC: timestamps end in `Z`.
    pub fn utc() -> Zone {
        Zone::fixed(0)
    }

    /// A zone that is always `offset_seconds` east of UTC.
    pub fn fixed(offset_seconds: i32) -> Zone {
        Zone { initial: offset_seconds, starts: Vec::new(), offsets: Vec::new() }
    }

    /// A zone at `initial` seconds east of UTC until the first of `transitions`, each an
    /// instant (UTC microseconds) and the offset from then on. Transitions are sorted here.
    pub fn with_transitions(initial: i32, mut transitions: Vec<(i64, i32)>) -> Zone {
        transitions.sort_unstable();
        let (starts, offsets) = transitions.into_iter().unzip();
        Zone { initial, starts, offsets }
    }

    /// The offset in force at `micros`.
    fn offset(&self, micros: i64) -> i32 {
        match self.starts.partition_point(|s| *s <= micros) {
            0 => self.initial,
            i => self.offsets.get(i - 1).copied().unwrap_or(self.initial),
        }
    }

    fn is_utc(&self) -> bool {
        self.initial == 0 && self.offsets.iter().all(|o| *o == 0)
    }
}

/// Two decimal digits of `v` (below 100).
#[inline]
fn two(out: &mut Vec<u8>, v: u64) {
    out.extend_from_slice(&[b'0' + (v / 10 % 10) as u8, b'0' + (v % 10) as u8]);
}

fn digits(out: &mut Vec<u8>, mut v: u64, width: usize) {
    let mut buf = [b'0'; 20];
    let mut i = buf.len();
    while v > 0 || buf.len() - i < width {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
    }
    out.extend_from_slice(&buf[i..]);
}

/// `YYYY-MM-DDThh:mm:ss[.ffffff]` then `Z` (UTC) or `±hh:mm`.
fn timestamp(out: &mut Vec<u8>, micros: i64, zone: &Zone, utc: bool) {
    let offset = if utc { 0 } else { zone.offset(micros) };
    let local = micros.saturating_add(i64::from(offset) * 1_000_000);
    let secs = local.div_euclid(1_000_000);
    let frac = local.rem_euclid(1_000_000) as u64;
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let sod = secs.rem_euclid(86_400) as u64;
    if (0..10_000).contains(&y) {
        two(out, y as u64 / 100);
        two(out, y as u64 % 100);
    } else {
        if y < 0 {
            out.push(b'-');
        }
        digits(out, y.unsigned_abs(), 4);
    }
    out.push(b'-');
    two(out, u64::from(m));
    out.push(b'-');
    two(out, u64::from(d));
    out.push(b'T');
    two(out, sod / 3600);
    out.push(b':');
    two(out, sod % 3600 / 60);
    out.push(b':');
    two(out, sod % 60);
    if frac != 0 {
        out.push(b'.');
        two(out, frac / 10_000);
        two(out, frac / 100 % 100);
        two(out, frac % 100);
    }
    if utc {
        out.push(b'Z');
    } else {
        out.push(if offset < 0 { b'-' } else { b'+' });
        let abs = offset.unsigned_abs();
        two(out, u64::from(abs / 3600));
        out.push(b':');
        two(out, u64::from(abs % 3600 / 60));
    }
}

/// A CSV cell, quoted when it holds a delimiter, a quote or a line break.
fn cell(out: &mut Vec<u8>, text: &[u8]) {
    if text.iter().any(|b| matches!(b, b',' | b'"' | b'\r' | b'\n')) {
        out.push(b'"');
        for &b in text {
            if b == b'"' {
                out.push(b'"');
            }
            out.push(b);
        }
        out.push(b'"');
    } else {
        out.extend_from_slice(text);
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

fn uuid(out: &mut Vec<u8>, u: u128) {
    for (i, shift) in (0..32).rev().map(|n| n * 4).enumerate() {
        if matches!(i, 8 | 12 | 16 | 20) {
            out.push(b'-');
        }
        out.push(HEX[((u >> shift) & 0xF) as usize]);
    }
}

/// How a column is written.
#[derive(Debug, Clone, Copy)]
enum Kind<'s> {
    /// From the raw column; an enum with its texts.
    Fast(Option<&'s [String]>),
    /// Through the field's JSON encoding, as `roster_render` writes it.
    General(&'s FieldType),
}

/// Appends one row of `cols` to `out`.
fn row(out: &mut Vec<u8>, t: &Table, r: usize, cols: &[(usize, Kind<'_>)], zone: &Zone, utc: bool) {
    for (i, (col, kind)) in cols.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        let column = t.column(*col);
        if !column.is_valid(r) {
            // A lone empty cell would be an empty line; the csv crate writes `""`.
            if cols.len() == 1 {
                out.extend_from_slice(b"\"\"");
            }
            continue;
        }
        let texts = match kind {
            Kind::Fast(texts) => *texts,
            Kind::General(ty) => {
                let id = roster_schema::FieldId(u16::try_from(*col).unwrap_or(u16::MAX));
                match roster_schema::encode_value(ty, &t.value(r, id)) {
                    serde_json::Value::Null => {}
                    serde_json::Value::String(s) => cell(out, s.as_bytes()),
                    other => cell(out, other.to_string().as_bytes()),
                }
                continue;
            }
        };
        match &column.data {
            Data::Str(s) => {
                let bytes = s.bytes(r);
                if bytes.is_empty() && cols.len() == 1 {
                    out.extend_from_slice(b"\"\"");
                } else {
                    cell(out, bytes);
                }
            }
            Data::Timestamp(v) => timestamp(out, v[r], zone, utc),
            Data::Int(v) => out.extend_from_slice(v[r].to_string().as_bytes()),
            Data::Bool(v) => out.extend_from_slice(if v[r] { b"true" } else { b"false" }),
            Data::Uuid(v) => uuid(out, v[r]),
            Data::Enum(v) => {
                if let Some(text) = texts.and_then(|t| t.get(usize::from(v[r]))) {
                    cell(out, text.as_bytes());
                }
            }
            // Field types are mapped to kinds below; nothing else reaches here.
            #[allow(unreachable_patterns)]
            _ => {}
        }
    }
    out.push(b'\n');
}

impl Plan {
    /// Writes [`Plan::rows`] as CSV with the projected fields, timestamps in `zone`; returns
    /// the number of rows written. See the [module docs](crate::export) for the format.
    ///
    /// ```
    /// use roster_check::{Pred, TypedQuery};
    /// use roster_eval::{Table, Zone, compile};
    ///
    /// let profile = roster_schema::profiles::by_name("identity").unwrap();
    /// let table = Table::from_records(&profile.schema, profile.generate(100, 7))?;
    /// let fields = vec![profile.schema.field("createdAt").unwrap().0];
    /// let query = TypedQuery { filter: Pred::Const(true), sort: vec![], projection: fields, limit: Some(2), offset: 0 };
    /// let mut out = Vec::new();
    /// let n = compile(&profile.schema, &query).write_csv(&table, &Zone::fixed(19_800), &mut out)?;
    /// assert_eq!(n, 2);
    /// let text = String::from_utf8(out).unwrap();
    /// assert!(text.starts_with("createdAt\n") && text.lines().nth(1).unwrap().ends_with("+05:30"), "{text}");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn write_csv(&self, t: &Table, zone: &Zone, out: &mut impl Write) -> io::Result<usize> {
        let rows = self.rows(t);
        let schema = t.schema();
        let cols: Vec<(usize, Kind<'_>)> = self
            .projection()
            .iter()
            .map(|id| {
                let ty = &schema.get(*id).ty;
                #[allow(unreachable_patterns)]
                let kind = match ty {
                    FieldType::Enum(e) => Kind::Fast(Some(e.values.as_slice())),
                    FieldType::String | FieldType::Timestamp | FieldType::Bool | FieldType::Int | FieldType::Uuid => {
                        Kind::Fast(None)
                    }
                    // Field types added later go through their JSON encoding.
                    _ => Kind::General(ty),
                };
                (id.index(), kind)
            })
            .collect();
        let mut header = Vec::new();
        for (i, id) in self.projection().iter().enumerate() {
            if i > 0 {
                header.push(b',');
            }
            cell(&mut header, schema.get(*id).name.as_bytes());
        }
        header.push(b'\n');
        out.write_all(&header)?;
        let utc = zone.is_utc();
        let threads = self.threads.max(1);
        let format = |part: &[usize], buf: &mut Vec<u8>| {
            buf.clear();
            for &r in part {
                row(buf, t, r, &cols, zone, utc);
            }
        };
        if threads == 1 || rows.len() < 2 * BATCH {
            let mut buf = Vec::new();
            for batch in rows.chunks(BATCH) {
                format(batch, &mut buf);
                out.write_all(&buf)?;
            }
            return Ok(rows.len());
        }
        // A pipeline: worker `w` formats batches `w`, `w + threads`, … and hands each over
        // through its own channel of one buffer, while this thread writes them in order (and
        // sends the emptied buffers back for reuse), so formatting and writing overlap and
        // memory stays at about three batches per worker.
        let batches: Vec<&[usize]> = rows.chunks(BATCH).collect();
        std::thread::scope(|s| -> io::Result<()> {
            let mut workers = Vec::with_capacity(threads);
            for w in 0..threads {
                let (full_tx, full_rx) = std::sync::mpsc::sync_channel::<Vec<u8>>(1);
                let (empty_tx, empty_rx) = std::sync::mpsc::channel::<Vec<u8>>();
                let (format, batches) = (&format, &batches);
                s.spawn(move || {
                    let mut buf = Vec::new();
                    for batch in batches.iter().skip(w).step_by(threads) {
                        format(batch, &mut buf);
                        // The writer hung up (a write failed): stop.
                        if full_tx.send(buf).is_err() {
                            return;
                        }
                        // A buffer the writer is done with, or a new one: never wait for it.
                        buf = empty_rx.try_recv().unwrap_or_default();
                    }
                });
                workers.push((full_rx, empty_tx));
            }
            for i in 0..batches.len() {
                let (full, empty) = &workers[i % threads];
                let Ok(buf) = full.recv() else {
                    return Err(io::Error::other("an export worker stopped"));
                };
                out.write_all(&buf)?;
                // The worker may have finished its batches: then nobody takes the buffer back.
                let _ = empty.send(buf);
            }
            Ok(())
        })?;
        Ok(rows.len())
    }
}
