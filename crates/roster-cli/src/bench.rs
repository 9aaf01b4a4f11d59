//! `roster bench`: whole-workload timings of one query on one engine.
//!
//! Loads the data once (the load time, and for the memory engine the index build, reported
//! apart), runs the count, the page and the export once untimed, then `--reps` timed times
//! each, and writes JSON: the load time, every repetition's time, the medians, the match
//! count, the page's ids in order, the export path and the process's peak resident memory.
//! Criterion (`benches/`) stays the tool for micro-benchmarks.

use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::PathBuf;
use std::time::Instant;

use clap::ValueEnum;
use indicatif::{ProgressBar, ProgressStyle};
use roster_check::TypedQuery;
use roster_eval::{Table, Zone};
use roster_schema::{Record, Schema};
use serde_json::json;

use crate::args::QueryArgs;
use crate::commands::{Db, build, connect, profile, read_table};
use crate::error::CliError;

/// Where the query runs.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Engine {
    /// The in-memory columnar engine (roster-eval), data from `--data`.
    Memory,
    /// SQLite: `--db sqlite:PATH` already loaded (`roster load`), or `--data` loaded into an
    /// in-memory database with the profile's indexes.
    Sqlite,
    /// PostgreSQL: `--db postgres://…`, already loaded with `roster load`.
    Postgres,
}

/// `roster bench` arguments.
#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    #[command(flatten)]
    pub query: QueryArgs,
    /// A JSON Lines file of users (memory engine; SQLite loads it into an in-memory database).
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// A database for the SQL engines: `sqlite:PATH` or `postgres://...`.
    #[arg(long)]
    pub db: Option<String>,
    /// The engine.
    #[arg(long, value_enum, default_value_t = Engine::Memory)]
    pub engine: Engine,
    /// Also time a CSV export of every match (`--fields`; table order in memory, the
    /// database's order in SQL) to this file.
    #[arg(long)]
    pub export: Option<PathBuf>,
    /// The IANA time zone of the export's timestamps (default UTC).
    #[arg(long)]
    pub tz: Option<String>,
    /// Threads for the memory engine's scans and export.
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
    /// Timed repetitions of each workload.
    #[arg(long, default_value_t = 10)]
    pub reps: usize,
    /// Where to write the JSON report (default stdout).
    #[arg(long)]
    pub json: Option<PathBuf>,
}

/// A loaded engine.
enum Loaded {
    Memory(Table),
    Sql(Db),
}

fn rt(e: impl std::fmt::Display) -> CliError {
    CliError::Runtime(e.to_string())
}

/// Milliseconds of `f`, and its result.
fn timed<T>(f: impl FnOnce() -> Result<T, CliError>) -> Result<(f64, T), CliError> {
    let start = Instant::now();
    let value = f()?;
    Ok((start.elapsed().as_secs_f64() * 1e3, value))
}

fn median(times: &[f64]) -> f64 {
    let mut sorted = times.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => 0.0,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

/// The process's peak resident set (`VmHWM` of /proc/self/status), in KiB, where there is one.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The offsets of IANA zone `name` as a [`Zone`], with every transition from 1800 to 2200
/// (instants outside keep the nearest offset).
fn zone(name: &str) -> Result<Zone, CliError> {
    let tz = jiff::tz::TimeZone::get(name)
        .map_err(|_| CliError::Usage(format!("unknown time zone `{name}`; use an IANA name such as Asia/Kolkata")))?;
    let from = jiff::Timestamp::from_second(-5_364_662_400).map_err(rt)?; // 1800-01-01
    let until = 7_258_118_400_i64 * 1_000_000; // 2200-01-01
    let initial = tz.to_offset(from).seconds();
    let transitions = tz
        .following(from)
        .map(|t| (t.timestamp().as_microsecond(), t.offset().seconds()))
        .take_while(|(at, _)| *at < until)
        .collect();
    Ok(Zone::with_transitions(initial, transitions))
}

/// The page's primary keys as their JSON text.
fn ids(schema: &Schema, records: &[Record]) -> Vec<serde_json::Value> {
    let pk = schema.primary_key;
    records.iter().map(|r| roster_schema::encode_value(&schema.get(pk).ty, r.get(pk))).collect()
}

pub(crate) fn run(args: BenchArgs) -> Result<(), CliError> {
    let p = profile(&args.query.profile)?;
    let schema = &p.schema;
    if args.reps == 0 {
        return Err(CliError::Usage("--reps must be at least 1".into()));
    }
    // The three workloads: the count ignores sort and page; the export is every match in
    // table order.
    let page_q = build(&args.query, schema)?;
    let mut count_q = page_q.clone();
    count_q.limit = None;
    count_q.offset = 0;
    let mut export_q = count_q.clone();
    export_q.sort.clear();
    let zone = match &args.tz {
        Some(name) => zone(name)?,
        None => Zone::utc(),
    };
    let threads = args.threads.max(1);

    let load_start = Instant::now();
    let (loaded, index_ms) = match (args.engine, &args.data, &args.db) {
        (Engine::Memory, Some(path), _) => {
            let table = read_table(schema, path)?;
            let (ms, ()) = timed(|| {
                table.build_indexes();
                Ok(())
            })?;
            (Loaded::Memory(table), Some(ms))
        }
        (Engine::Memory, None, _) => return Err(CliError::Usage("the memory engine needs --data FILE.jsonl".into())),
        (Engine::Sqlite, _, Some(url)) => (Loaded::Sql(connect(url)?), None),
        (Engine::Sqlite, Some(path), None) => {
            let mut conn = rusqlite::Connection::open_in_memory().map_err(rt)?;
            roster_sql::sqlite::create(&conn, schema).map_err(rt)?;
            let table = read_table(schema, path)?;
            let all: Vec<_> = schema.ids().collect();
            roster_sql::sqlite::load(&mut conn, schema, (0..table.len()).map(|r| table.record(r, &all))).map_err(rt)?;
            (Loaded::Sql(Db::Sqlite(conn)), None)
        }
        (Engine::Postgres, None, Some(url)) => (Loaded::Sql(connect(url)?), None),
        (Engine::Sqlite, None, None) | (Engine::Postgres, _, _) => {
            return Err(CliError::Usage(
                "SQLite needs --db sqlite:PATH or --data FILE.jsonl; PostgreSQL needs --db postgres://… loaded with `roster load` (and no --data)".into(),
            ));
        }
    };
    let load_ms = load_start.elapsed().as_secs_f64() * 1e3;

    let memory_plan = |q: &TypedQuery| roster_eval::compile(schema, q).with_threads(threads);
    let (count_plan, page_plan, export_plan) = (memory_plan(&count_q), memory_plan(&page_q), memory_plan(&export_q));
    let sql_query = |db: &mut Db, q: &TypedQuery| -> Result<Vec<Record>, CliError> {
        match db {
            Db::Sqlite(conn) => roster_sql::sqlite::query(conn, schema, q).map_err(rt),
            Db::Postgres(client) => roster_sql::postgres::query(client, schema, q).map_err(rt),
        }
    };
    let count_sql_of = |db: &mut Db| -> Result<usize, CliError> {
        match db {
            Db::Sqlite(conn) => roster_sql::sqlite::count(conn, schema, &count_q).map_err(rt),
            Db::Postgres(client) => roster_sql::postgres::count(client, schema, &count_q).map_err(rt),
        }
        .map(|n| usize::try_from(n).unwrap_or(usize::MAX))
    };
    let mut loaded = loaded;
    let count = |loaded: &mut Loaded| -> Result<usize, CliError> {
        match loaded {
            Loaded::Memory(t) => Ok(count_plan.count(t)),
            Loaded::Sql(db) => count_sql_of(db),
        }
    };
    let page = |loaded: &mut Loaded| -> Result<Vec<Record>, CliError> {
        match loaded {
            Loaded::Memory(t) => {
                let pk = [schema.primary_key];
                Ok(page_plan.rows(t).into_iter().map(|r| t.record(r, &pk)).collect())
            }
            Loaded::Sql(db) => sql_query(db, &page_q),
        }
    };
    let export = |loaded: &mut Loaded, path: &PathBuf| -> Result<usize, CliError> {
        let file = File::create(path).map_err(|e| CliError::Runtime(format!("{}: {e}", path.display())))?;
        let mut out = BufWriter::with_capacity(1 << 20, file);
        let n = match loaded {
            Loaded::Memory(t) => export_plan.write_csv(t, &zone, &mut out)?,
            Loaded::Sql(db) => {
                // The rows come back as records; they are rendered by the same CSV writer.
                let records = match db {
                    Db::Sqlite(conn) => roster_sql::sqlite::query(conn, schema, &export_q).map_err(rt)?,
                    Db::Postgres(client) => roster_sql::postgres::query(client, schema, &export_q).map_err(rt)?,
                };
                let table = Table::from_records(schema, records).map_err(rt)?;
                roster_eval::compile(schema, &export_q).write_csv(&table, &zone, &mut out)?
            }
        };
        out.flush()?;
        Ok(n)
    };

    let workloads = if args.export.is_some() { 3 } else { 2 };
    let bar = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new((workloads * (args.reps + 1)) as u64);
        if let Ok(style) = ProgressStyle::with_template("bench {msg} [{bar:40}] {pos}/{len}") {
            bar.set_style(style.progress_chars("=> "));
        }
        bar
    } else {
        ProgressBar::hidden()
    };

    bar.set_message("count");
    let matches = count(&mut loaded)?;
    bar.inc(1);
    let mut count_ms = Vec::with_capacity(args.reps);
    for _ in 0..args.reps {
        count_ms.push(timed(|| count(&mut loaded))?.0);
        bar.inc(1);
    }
    bar.set_message("page");
    let page_records = page(&mut loaded)?;
    bar.inc(1);
    let mut page_ms = Vec::with_capacity(args.reps);
    for _ in 0..args.reps {
        page_ms.push(timed(|| page(&mut loaded))?.0);
        bar.inc(1);
    }
    let mut report = json!({
        "profile": p.name,
        "engine": args.engine.to_possible_value().map(|v| v.get_name().to_owned()),
        "threads": threads,
        "filter": args.query.filter,
        "sort": args.query.sort,
        "limit": args.query.limit,
        "offset": args.query.offset,
        "reps": args.reps,
        "load_ms": load_ms,
        "index_ms": index_ms,
        "count": { "matches": matches, "times_ms": count_ms, "median_ms": median(&count_ms) },
        "page": { "ids": ids(schema, &page_records), "times_ms": page_ms, "median_ms": median(&page_ms) },
    });
    if let Some(path) = &args.export {
        bar.set_message("export");
        let rows = export(&mut loaded, path)?;
        bar.inc(1);
        let mut export_ms = Vec::with_capacity(args.reps);
        for _ in 0..args.reps {
            export_ms.push(timed(|| export(&mut loaded, path))?.0);
            bar.inc(1);
        }
        if let Some(obj) = report.as_object_mut() {
            obj.insert(
                "export".into(),
                json!({
                    "path": path.display().to_string(),
                    "rows": rows,
                    "tz": args.tz.as_deref().unwrap_or("UTC"),
                    "times_ms": export_ms,
                    "median_ms": median(&export_ms),
                }),
            );
        }
    }
    bar.finish_and_clear();
    if let Some(obj) = report.as_object_mut() {
        obj.insert("peak_rss_kib".into(), json!(peak_rss_kib()));
    }
    let text = serde_json::to_string_pretty(&report).map_err(rt)?;
    match &args.json {
        Some(path) => {
            std::fs::write(path, text + "\n").map_err(|e| CliError::Runtime(format!("{}: {e}", path.display())))?
        }
        None => crate::commands::outln!("{text}"),
    }
    Ok(())
}
