//! `roster bench`: whole-workload timings of one query on one engine.
//!
//! Loads the data once (the load time, and for the memory engine the index build, reported
//! apart), runs the count, the page and the export once untimed, then `--reps` timed times
//! each, and writes JSON: the load time, every repetition's time, the medians, the match
//! count, the page's ids in order, the export path and the process's peak resident memory.
//! Criterion (`benches/`) stays the tool for micro-benchmarks.
//!
//! One driver ([`measure`]) times every profile; what differs is a [`Workloads`]
//! implementation: [`Flat`] for the flat profiles (columnar memory engine, SQL), the
//! document profiles' in `bench_doc.rs`. Document profiles (`chat`) have no export: their
//! users are documents, which Roster writes as JSON only (`roster query --profile chat`
//! refuses CSV), so their report says the export is not applicable instead of timing
//! something else under that name.

use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::{Path as FsPath, PathBuf};
use std::time::Instant;

use clap::ValueEnum;
use indicatif::{ProgressBar, ProgressStyle};
use roster_check::TypedQuery;
use roster_eval::{Plan, Table, Zone};
use roster_schema::{Schema, Value};
use serde_json::{Value as Json, json};

use crate::args::QueryArgs;
use crate::commands::{Db, build, connect, profile, read_table};
use crate::error::CliError;

#[path = "bench_doc.rs"]
mod doc;

/// Where the query runs.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Engine {
    /// The in-memory engine (roster-eval: columnar for flat profiles, the document
    /// evaluator for `chat`), data from `--data`.
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
    /// database's order in SQL) to this file. Flat profiles only: document profiles have
    /// no CSV export.
    #[arg(long)]
    pub export: Option<PathBuf>,
    /// The IANA time zone of the export's timestamps (default UTC).
    #[arg(long)]
    pub tz: Option<String>,
    /// Threads for the memory engine's scans and export (flat profiles; the document
    /// evaluator runs on one).
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
    /// Timed repetitions of each workload.
    #[arg(long, default_value_t = 10)]
    pub reps: usize,
    /// Where to write the JSON report (default stdout).
    #[arg(long)]
    pub json: Option<PathBuf>,
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

/// The three workloads of one query on one loaded engine.
trait Workloads {
    /// The page as the engine hands it over; turning it into ids is not timed.
    type Page;
    /// How many users match (sort and page ignored).
    fn count(&mut self) -> Result<usize, CliError>;
    /// The page: matches sorted, offset and limited.
    fn page(&mut self) -> Result<Self::Page, CliError>;
    /// The page's primary keys, in order, as their JSON text.
    fn ids(&self, page: &Self::Page) -> Vec<Json>;
    /// Writes every match to `path`; how many rows.
    fn export(&mut self, path: &FsPath) -> Result<usize, CliError>;
}

/// What the export workload is in a run.
enum Export<'a> {
    /// Not asked for (no `--export`): the report has no `export` key.
    Off,
    /// Time [`Workloads::export`] into this file; `tz` is reported.
    To(&'a FsPath, &'a str),
    /// The profile has no export; the report says why.
    NotApplicable(&'static str),
}

/// A progress bar on a terminal, nothing otherwise.
fn progress(steps: usize) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(steps as u64);
    if let Ok(style) = ProgressStyle::with_template("bench {msg} [{bar:40}] {pos}/{len}") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// Runs `work` once untimed (its answer is returned), then `reps` timed times.
fn repeat<T>(
    reps: usize,
    bar: &ProgressBar,
    name: &'static str,
    mut work: impl FnMut() -> Result<T, CliError>,
) -> Result<(T, Vec<f64>), CliError> {
    bar.set_message(name);
    let answer = work()?;
    bar.inc(1);
    let mut times = Vec::with_capacity(reps);
    for _ in 0..reps {
        times.push(timed(&mut work)?.0);
        bar.inc(1);
    }
    Ok((answer, times))
}

/// What every report states about the run besides the workloads.
struct Run<'a> {
    profile: &'a str,
    threads: usize,
    load_ms: f64,
    index_ms: Option<f64>,
}

/// Times the workloads and writes the report (`--json` or stdout).
fn measure<W: Workloads>(w: &mut W, args: &BenchArgs, run: Run<'_>, export: Export<'_>) -> Result<(), CliError> {
    let workloads = if matches!(export, Export::To(..)) { 3 } else { 2 };
    let bar = progress(workloads * (args.reps + 1));
    let (matches, count_ms) = repeat(args.reps, &bar, "count", || w.count())?;
    let (page, page_ms) = repeat(args.reps, &bar, "page", || w.page())?;
    let page_ids = w.ids(&page);
    drop(page);
    let mut report = json!({
        "profile": run.profile,
        "dialect": args.query.dialect.to_possible_value().map(|v| v.get_name().to_owned()),
        "engine": args.engine.to_possible_value().map(|v| v.get_name().to_owned()),
        "threads": run.threads,
        "filter": args.query.filter,
        "sort": args.query.sort,
        "limit": args.query.limit,
        "offset": args.query.offset,
        "reps": args.reps,
        "load_ms": run.load_ms,
        "index_ms": run.index_ms,
        "count": { "matches": matches, "times_ms": count_ms, "median_ms": median(&count_ms) },
        "page": { "ids": page_ids, "times_ms": page_ms, "median_ms": median(&page_ms) },
    });
    let export = match export {
        Export::Off => None,
        Export::To(path, tz) => {
            let (rows, export_ms) = repeat(args.reps, &bar, "export", || w.export(path))?;
            Some(json!({
                "path": path.display().to_string(),
                "rows": rows,
                "tz": tz,
                "times_ms": export_ms,
                "median_ms": median(&export_ms),
            }))
        }
        Export::NotApplicable(why) => Some(json!({ "applicable": false, "why": why })),
    };
    bar.finish_and_clear();
    if let Some(obj) = report.as_object_mut() {
        if let Some(export) = export {
            obj.insert("export".into(), export);
        }
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

pub(crate) fn run(args: BenchArgs) -> Result<(), CliError> {
    if args.reps == 0 {
        return Err(CliError::Usage("--reps must be at least 1".into()));
    }
    if crate::commands::chat::is_document_profile(&args.query.profile) {
        return doc::run(&args);
    }
    flat(&args)
}

/// A flat profile's engine, loaded.
enum Loaded {
    Memory(Table),
    Sql(Db),
}

/// The workloads of a flat profile: the count ignores sort and page; the export is every
/// match in table order.
struct Flat<'a> {
    schema: &'a Schema,
    loaded: Loaded,
    count_q: TypedQuery,
    page_q: TypedQuery,
    export_q: TypedQuery,
    count_plan: Plan,
    page_plan: Plan,
    export_plan: Plan,
    zone: Zone,
}

impl Workloads for Flat<'_> {
    /// The page's primary keys, in order: what a caller of each engine gets back for the
    /// page (from memory, without building a record per row; from SQL, the fetched records'
    /// keys).
    type Page = Vec<Value>;

    fn count(&mut self) -> Result<usize, CliError> {
        let (schema, q) = (self.schema, &self.count_q);
        let n = match &mut self.loaded {
            Loaded::Memory(t) => return Ok(self.count_plan.count(t)),
            Loaded::Sql(Db::Sqlite(conn)) => roster_sql::sqlite::count(conn, schema, q).map_err(rt)?,
            Loaded::Sql(Db::Postgres(client)) => roster_sql::postgres::count(client, schema, q).map_err(rt)?,
        };
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    fn page(&mut self) -> Result<Vec<Value>, CliError> {
        let (schema, q) = (self.schema, &self.page_q);
        let pk = schema.primary_key;
        let records = match &mut self.loaded {
            Loaded::Memory(t) => return Ok(self.page_plan.rows(t).into_iter().map(|r| t.value(r, pk)).collect()),
            Loaded::Sql(Db::Sqlite(conn)) => roster_sql::sqlite::query(conn, schema, q).map_err(rt)?,
            Loaded::Sql(Db::Postgres(client)) => roster_sql::postgres::query(client, schema, q).map_err(rt)?,
        };
        Ok(records
            .into_iter()
            .map(|mut r| r.0.get_mut(pk.index()).map_or(Value::Null, |v| std::mem::replace(v, Value::Null)))
            .collect())
    }

    fn ids(&self, page: &Vec<Value>) -> Vec<Json> {
        let ty = &self.schema.get(self.schema.primary_key).ty;
        page.iter().map(|v| roster_schema::encode_value(ty, v)).collect()
    }

    fn export(&mut self, path: &FsPath) -> Result<usize, CliError> {
        let file = File::create(path).map_err(|e| CliError::Runtime(format!("{}: {e}", path.display())))?;
        let mut out = BufWriter::with_capacity(1 << 20, file);
        let (schema, q) = (self.schema, &self.export_q);
        let n = match &mut self.loaded {
            Loaded::Memory(t) => self.export_plan.write_csv(t, &self.zone, &mut out)?,
            Loaded::Sql(db) => {
                // The rows come back as records; they are rendered by the same CSV writer.
                let records = match db {
                    Db::Sqlite(conn) => roster_sql::sqlite::query(conn, schema, q).map_err(rt)?,
                    Db::Postgres(client) => roster_sql::postgres::query(client, schema, q).map_err(rt)?,
                };
                let table = Table::from_records(schema, records).map_err(rt)?;
                roster_eval::compile(schema, q).write_csv(&table, &self.zone, &mut out)?
            }
        };
        out.flush()?;
        Ok(n)
    }
}

/// `roster bench` on a flat profile.
fn flat(args: &BenchArgs) -> Result<(), CliError> {
    let p = profile(&args.query.profile)?;
    let schema = &p.schema;
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
    let mut w = Flat {
        schema,
        loaded,
        count_plan: memory_plan(&count_q),
        page_plan: memory_plan(&page_q),
        export_plan: memory_plan(&export_q),
        count_q,
        page_q,
        export_q,
        zone,
    };
    let export = match &args.export {
        Some(path) => Export::To(path, args.tz.as_deref().unwrap_or("UTC")),
        None => Export::Off,
    };
    measure(&mut w, args, Run { profile: p.name, threads, load_ms, index_ms }, export)
}
