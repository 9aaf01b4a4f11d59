//! The responses of the REST endpoints: the `directory` CSV, the `admin` CSV with its
//! preamble, the `accounts` JSON envelope, and timestamps in a requested IANA zone.
//!
//! Time zones come from the IANA database compiled into `jiff` (`tzdb-bundle-always`), so
//! output never depends on the machine's zoneinfo. The CSV writers stream: each record is
//! written as it comes, nothing is held but the current row.

use std::io::{self, Write};

use jiff::tz::TimeZone;
use roster_schema::{FieldId, FieldType, Record, Schema, Timestamp, Value};
use serde_json::{Map, Value as Json, json};

/// `2025-02-25T12:23:24.062+05:30`: an instant in `zone`, to the millisecond, with its
/// offset there (which follows daylight saving time).
///
/// ```
/// use roster_schema::Timestamp;
/// let kolkata = jiff::tz::TimeZone::get("Asia/Kolkata").unwrap();
/// let t = Timestamp::parse("2025-02-25T06:53:24.062Z").unwrap();
/// assert_eq!(roster_render::endpoint::in_zone(t, &kolkata), "2025-02-25T12:23:24.062+05:30");
/// ```
pub fn in_zone(t: Timestamp, zone: &TimeZone) -> String {
    match jiff::Timestamp::from_microsecond(t.0) {
        Ok(ts) => ts.to_zoned_datetime(zone.clone()).strftime("%Y-%m-%dT%H:%M:%S%.3f%:z").to_string(),
        // Beyond jiff's range (years -9999..=9999): the UTC form.
        Err(_) => t.to_string(),
    }
}

/// `[A, B]`: a list cell, as the `admin` seed writes them (also used by `directory`).
pub fn list_cell(items: &[String]) -> String {
    format!("[{}]", items.join(", "))
}

/// The text of a value in a CSV cell: empty for null, `true`/`false`, enum text, list cells,
/// timestamps in `zone`.
fn cell(ty: &FieldType, v: &Value, zone: &TimeZone) -> String {
    match (ty, v) {
        (_, Value::Null) => String::new(),
        (_, Value::Timestamp(t)) => in_zone(*t, zone),
        (_, Value::StrArray(items)) => list_cell(items),
        (_, Value::Str(s)) => s.clone(),
        (ty, v) => match roster_schema::encode_value(ty, v) {
            Json::String(s) => s,
            Json::Null => String::new(),
            other => other.to_string(),
        },
    }
}

/// Streams the `directory` CSV: a header of the field names (the seed's `_fields` names),
/// then one row per record, timestamps in the requested zone; quoted only where needed.
#[derive(Debug)]
pub struct DirectoryCsv<'s, W: Write> {
    out: csv::Writer<W>,
    schema: &'s Schema,
    fields: Vec<FieldId>,
    zone: TimeZone,
    row: Vec<String>,
}

impl<'s, W: Write> DirectoryCsv<'s, W> {
    /// Writes the header.
    pub fn new(out: W, schema: &'s Schema, fields: &[FieldId], zone: &TimeZone) -> io::Result<Self> {
        let mut out = csv::Writer::from_writer(out);
        out.write_record(fields.iter().map(|id| schema.get(*id).name.as_str())).map_err(crate::csv_io)?;
        Ok(DirectoryCsv { out, schema, fields: fields.to_vec(), zone: zone.clone(), row: Vec::new() })
    }

    /// Writes one record.
    pub fn write(&mut self, r: &Record) -> io::Result<()> {
        self.row.clear();
        for id in &self.fields {
            self.row.push(cell(&self.schema.get(*id).ty, r.get(*id), &self.zone));
        }
        self.out.write_record(&self.row).map_err(crate::csv_io)
    }

    /// Flushes everything written.
    pub fn finish(mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// The `admin` CSV column label of each field, as the seed's header row has them.
pub const ADMIN_LABELS: &[(&str, &str)] = &[
    ("username", "USERNAME"),
    ("firstName", "First Name"),
    ("lastName", "Last Name"),
    ("email", "Email Address"),
    ("modules", "MODULE"),
    ("roles", "Roles"),
    ("tags", "Tags"),
    ("status", "STATUS"),
    ("externalId", "External ID"),
    ("superUser", "Super User"),
    ("samlStatus", "SAML Status"),
];

/// The lines above the `admin` CSV's header: who downloaded what, when.
#[derive(Debug, Clone)]
pub struct AdminPreamble {
    /// When the file was generated.
    pub generated_at: Timestamp,
    /// The zone the generation time is written in.
    pub zone: TimeZone,
    /// The number of records in the file.
    pub records: u64,
    /// The account line: company, state, country, customer id.
    pub account: [String; 4],
    /// The requesting user line: name, username.
    pub requester: [String; 2],
}

/// The note the seed's first line carries.
pub const ADMIN_NOTE: &str = "Note: User download is having limit of 1000 records. Try Using pagination API.";

/// Streams the `admin` CSV: the preamble (the note, `"User Data"` with the generation time
/// and the record count, the account line, the requesting user line), the header of the
/// seed's labels, one row per record; every field quoted, lists as `[A, B]`.
#[derive(Debug)]
pub struct AdminCsv<'s, W: Write> {
    out: csv::Writer<W>,
    schema: &'s Schema,
    fields: Vec<FieldId>,
    row: Vec<String>,
}

impl<'s, W: Write> AdminCsv<'s, W> {
    /// Writes the preamble and the header.
    pub fn new(out: W, schema: &'s Schema, fields: &[FieldId], preamble: &AdminPreamble) -> io::Result<Self> {
        let mut out = csv::WriterBuilder::new().flexible(true).quote_style(csv::QuoteStyle::Always).from_writer(out);
        out.write_record([ADMIN_NOTE]).map_err(crate::csv_io)?;
        let records = preamble.records.to_string();
        out.write_record(["User Data", &in_zone(preamble.generated_at, &preamble.zone), &records])
            .map_err(crate::csv_io)?;
        out.write_record(&preamble.account).map_err(crate::csv_io)?;
        out.write_record(&preamble.requester).map_err(crate::csv_io)?;
        out.write_record(fields.iter().map(|id| {
            let name = schema.get(*id).name.as_str();
            ADMIN_LABELS.iter().find(|(f, _)| *f == name).map_or(name, |(_, label)| label)
        }))
        .map_err(crate::csv_io)?;
        Ok(AdminCsv { out, schema, fields: fields.to_vec(), row: Vec::new() })
    }

    /// Writes one record.
    pub fn write(&mut self, r: &Record) -> io::Result<()> {
        self.row.clear();
        for id in &self.fields {
            self.row.push(cell(&self.schema.get(*id).ty, r.get(*id), &TimeZone::UTC));
        }
        self.out.write_record(&self.row).map_err(crate::csv_io)
    }

    /// Flushes everything written.
    pub fn finish(mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// How the `accounts` envelope writes `created_at` and `updated_at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EpochStyle {
    /// Epoch seconds: `1448444349`.
    Int,
    /// `2015/11/25 09:39:09`, UTC.
    Str,
}

/// The fields `timestamp_format` applies to; other timestamps (`confirmed_at`) are always
/// `2015-11-04T09:08:01.247Z`, as in the seed.
pub const ACCOUNTS_FORMATTED: &[&str] = &["created_at", "updated_at"];

fn accounts_value(name: &str, ty: &FieldType, v: &Value, style: EpochStyle) -> Json {
    match v {
        Value::Timestamp(t) if ACCOUNTS_FORMATTED.contains(&name) => match style {
            EpochStyle::Int => Json::from(t.0.div_euclid(1_000_000)),
            EpochStyle::Str => match jiff::Timestamp::from_microsecond(t.0) {
                Ok(ts) => Json::String(ts.strftime("%Y/%m/%d %H:%M:%S").to_string()),
                Err(_) => Json::String(t.to_string()),
            },
        },
        Value::Timestamp(t) => match jiff::Timestamp::from_microsecond(t.0) {
            Ok(ts) => Json::String(ts.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()),
            Err(_) => Json::String(t.to_string()),
        },
        v => roster_schema::encode_value(ty, v),
    }
}

/// Writes the `accounts` envelope `{"total_count", "page", "users"}`, each user with the
/// fields of `fields` in that order; indented when `pretty`.
#[allow(clippy::too_many_arguments)]
pub fn write_accounts<'a>(
    out: &mut impl Write,
    schema: &Schema,
    fields: &[FieldId],
    records: impl IntoIterator<Item = &'a Record>,
    total: u64,
    page: &Json,
    style: EpochStyle,
    pretty: bool,
) -> io::Result<()> {
    let users: Vec<Json> = records
        .into_iter()
        .map(|r| {
            let obj: Map<String, Json> = fields
                .iter()
                .map(|id| {
                    let f = schema.get(*id);
                    (f.name.clone(), accounts_value(&f.name, &f.ty, r.get(*id), style))
                })
                .collect();
            Json::Object(obj)
        })
        .collect();
    let envelope = json!({ "total_count": total, "page": page, "users": users });
    if pretty {
        serde_json::to_writer_pretty(&mut *out, &envelope)?;
    } else {
        serde_json::to_writer(&mut *out, &envelope)?;
    }
    out.write_all(b"\n")
}
