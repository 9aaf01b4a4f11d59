//! `--dialect params`: a profile's own REST parameters (`--params 'a=b&c=d'`, `--body JSON`),
//! run as the endpoint would run them, and its response printed as the endpoint writes it.

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

use roster_check::TypedQuery;
use roster_params::{Caller, Origin, Request, TimestampFormat};
use roster_render::endpoint::{AdminCsv, AdminPreamble, DirectoryCsv, EpochStyle, write_accounts};
use roster_schema::{Record, Schema, Timestamp};

use super::{Db, check_query, connect, profile, read_table, write_records};
use crate::args::{Format, QueryArgs};
use crate::error::CliError;

/// The account and requesting user the CLI writes into the `admin` preamble (the seed's
/// example values; a server writes the session's).
const ACCOUNT: [&str; 4] = ["Acme", "California", "USA", "205656"];
const REQUESTER: [&str; 2] = ["John Doe", "quays_wy40"];

/// Parses the parameters of `q` for `schema`'s profile and checks the query.
pub(super) fn build(q: &QueryArgs, schema: &Schema) -> Result<(Request, TypedQuery), CliError> {
    if !q.filter.is_empty() || q.sort.is_some() || q.fields.is_some() || q.limit.is_some() || q.offset > 0 {
        return Err(CliError::Usage(
            "with --dialect params, give every parameter in --params (and --body), not --filter/--sort/--fields/--limit/--offset".into(),
        ));
    }
    let text = q.params.clone().unwrap_or_default();
    let req = roster_params::parse(&q.profile, &text, q.body.as_deref(), &Caller::default()).map_err(|e| {
        match (&e.origin, &q.body) {
            (Origin::Body(_), Some(body)) => CliError::diag("body", body, e),
            (Origin::Request, _) if e.param == "body" => CliError::diag("body", q.body.as_deref().unwrap_or(""), e),
            _ => CliError::diag("params", &text, e),
        }
    })?;
    let typed = check_query(&req.query, [("params", text.as_str()); 3], schema)?;
    Ok((req, typed))
}

/// `roster query --dialect params`.
pub(super) fn query(q: &QueryArgs, data: Option<PathBuf>, db: Option<String>, format: Format) -> Result<(), CliError> {
    let p = profile(&q.profile)?;
    let (req, typed) = build(q, &p.schema)?;
    let rt = |e: roster_sql::SqlError| CliError::Runtime(e.to_string());
    let mut sink = match (p.name, format) {
        ("directory", Format::Csv) => {
            let out = BufWriter::new(io::stdout().lock());
            Sink::Directory(Box::new(DirectoryCsv::new(out, &p.schema, &typed.projection, &req.time_zone)?))
        }
        _ => Sink::Collect(Vec::new()),
    };
    // Records reach the sink one at a time, from memory (sorted row numbers) or from the
    // database (a streaming cursor), so a directory download of a million users never holds
    // them all. The other responses are pages of at most 1000 (admin) or 500 (accounts).
    let mut failure: Option<io::Error> = None;
    let mut push = |r: Record| match sink.push(r) {
        Ok(()) => true,
        Err(e) => {
            failure = Some(e);
            false
        }
    };
    let total = match (data, db) {
        (Some(path), _) => {
            let table = read_table(&p.schema, &path)?;
            let plan = roster_eval::compile(&p.schema, &typed);
            for row in plan.rows(&table) {
                if !push(table.record(row, &typed.projection)) {
                    break;
                }
            }
            plan.count(&table) as u64
        }
        (None, Some(url)) => match connect(&url)? {
            Db::Sqlite(conn) => {
                roster_sql::sqlite::for_each(&conn, &p.schema, &typed, &mut push).map_err(rt)?;
                roster_sql::sqlite::count(&conn, &p.schema, &typed).map_err(rt)?
            }
            Db::Postgres(mut client) => {
                roster_sql::postgres::for_each(&mut client, &p.schema, &typed, &mut push).map_err(rt)?;
                roster_sql::postgres::count(&mut client, &p.schema, &typed).map_err(rt)?
            }
        },
        (None, None) => return Err(CliError::Usage("give --data FILE.jsonl or --db URL".into())),
    };
    if let Some(e) = failure {
        return Err(e.into());
    }
    let records = match sink {
        // Finishing the CSV flushes it through to stdout.
        Sink::Directory(w) => return Ok(w.finish()?),
        Sink::Collect(records) => records,
    };
    let mut out = BufWriter::new(io::stdout().lock());
    match (p.name, format) {
        ("admin", Format::Csv) => {
            let preamble = AdminPreamble {
                generated_at: now(),
                zone: req.time_zone.clone(),
                records: records.len() as u64,
                account: ACCOUNT.map(str::to_owned),
                requester: REQUESTER.map(str::to_owned),
            };
            let mut w = AdminCsv::new(&mut out, &p.schema, &typed.projection, &preamble)?;
            for r in &records {
                w.write(r)?;
            }
            w.finish()?;
        }
        ("accounts", Format::Json) => {
            let style = match req.timestamp_format {
                TimestampFormat::Int => EpochStyle::Int,
                TimestampFormat::Str => EpochStyle::Str,
            };
            write_accounts(&mut out, &p.schema, &typed.projection, &records, total, &req.page_echo, style, req.pretty)?;
        }
        (_, format) => return write_records(format, &p.schema, &typed.projection, &records, &mut out),
    }
    out.flush()?;
    Ok(())
}

/// Where the records of a response go as they arrive.
enum Sink<'s, W: Write> {
    /// Straight into the directory CSV.
    Directory(Box<DirectoryCsv<'s, W>>),
    /// Kept, for responses that need the count first (admin preamble) or are one JSON value.
    Collect(Vec<Record>),
}

impl<W: Write> Sink<'_, W> {
    fn push(&mut self, r: Record) -> io::Result<()> {
        match self {
            Sink::Directory(w) => w.write(&r),
            Sink::Collect(v) => {
                v.push(r);
                Ok(())
            }
        }
    }
}

/// Now, to the microsecond.
fn now() -> Timestamp {
    let micros = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX));
    Timestamp(micros)
}
