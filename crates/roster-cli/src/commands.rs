//! The commands. Each reads its inputs, runs the pipeline (parse -> check -> SQL or eval)
//! and writes its output; every user mistake becomes a [`CliError`] with exit status 2.

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, IsTerminal, Write};
use std::path::Path as FsPath;

use indicatif::{ProgressBar, ProgressStyle};
use roster_ast::{Page, Path, Projection, Query, Span};
use roster_check::{TypedQuery, filter_to_odata, sort_to_odata};
use roster_schema::profiles::{self, Profile};
use roster_schema::{FieldId, Record, Schema};

use crate::args::{BackendArg, Cli, Command, Dialect, Format, QueryArgs};
use crate::error::CliError;

/// `println!` that returns an error instead of panicking when standard output fails (a
/// closed pipe becomes [`CliError::Closed`]).
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), $($arg)*)?
    }};
}
pub(crate) use outln;

#[path = "params.rs"]
mod params;

#[path = "chat.rs"]
pub(crate) mod chat;

/// Runs one command.
pub fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Generate { profile, users, seed, format, output } if chat::is_document_profile(&profile) => {
            chat::generate(users, seed, format, output.as_deref())
        }
        Command::Generate { profile, users, seed, format, output } => {
            generate(&profile, users, seed, format, output.as_deref())
        }
        Command::Parse { dialect, text } => parse(dialect, &text),
        Command::Check(q) => {
            let p = profile(&q.profile)?;
            let typed = build(&q, &p.schema)?;
            outln!("{}", filter_to_odata(&p.schema, &typed.filter));
            if q.sort.is_some() {
                outln!("orderby: {}", sort_to_odata(&p.schema, &typed));
            }
            Ok(())
        }
        Command::Sql { query, backend } => {
            let p = profile(&query.profile)?;
            let typed = build(&query, &p.schema)?;
            let backend = match backend {
                BackendArg::Postgres => roster_sql::Backend::Postgres,
                BackendArg::Sqlite => roster_sql::Backend::Sqlite,
                BackendArg::Mysql => roster_sql::Backend::MySql,
            };
            let compiled =
                roster_sql::select(&p.schema, &typed, backend).map_err(|e| CliError::Runtime(e.to_string()))?;
            outln!("{}", compiled.sql);
            outln!("{}", compiled.values_json());
            Ok(())
        }
        Command::Query { query, data, db, format } if chat::is_document_profile(&query.profile) => {
            chat::query(&query, data.as_deref(), db.as_deref(), format)
        }
        Command::Load { profile: name, data, db } if chat::is_document_profile(&name) => chat::load(&data, &db),
        Command::Query { query, data, db, format } if query.dialect == Dialect::Params => {
            params::query(&query, data, db, format)
        }
        Command::Query { query, data, db, format } => {
            let p = profile(&query.profile)?;
            let typed = build(&query, &p.schema)?;
            let records = match (data, db) {
                (Some(path), _) => {
                    let table = read_table(&p.schema, &path)?;
                    roster_eval::compile(&p.schema, &typed).records(&table)
                }
                (None, Some(url)) => query_db(&p.schema, &typed, &url)?,
                (None, None) => return Err(CliError::Usage("give --data FILE.jsonl or --db URL".into())),
            };
            write_records(format, &p.schema, &typed.projection, &records, &mut io::stdout().lock())
        }
        Command::Translate { query, to } => crate::translate::run(&query, to),
        Command::Load { profile: name, data, db } => load(&name, &data, &db),
        Command::Bench(args) => crate::bench::run(args),
        Command::Serve { db, users, seed, addr, data_dir, access, per_minute } => {
            roster_server::run(roster_server::ServeOptions { addr, db, users, seed, data_dir, access, per_minute })
                .map_err(CliError::Runtime)
        }
    }
}

pub(crate) fn profile(name: &str) -> Result<Profile, CliError> {
    if chat::is_document_profile(name) {
        return Err(CliError::Usage(format!(
            "`{name}` is a document profile (MongoDB semantics): it supports `generate`, `load`, `query --dialect mongo (--data FILE.jsonl | --db URL)` and `bench --dialect mongo`"
        )));
    }
    profiles::by_name(name).ok_or_else(|| {
        let all: Vec<&str> = profiles::NAMES.iter().chain(profiles::DOCUMENT_NAMES).copied().collect();
        CliError::Usage(format!("unknown profile `{name}`; the profiles are: {}", all.join(", ")))
    })
}

fn parse(dialect: Dialect, text: &str) -> Result<(), CliError> {
    match dialect {
        Dialect::Odata => {
            let expr = roster_odata::parse_filter(text).map_err(|e| CliError::diag("filter", text, e))?;
            let json = serde_json::to_string_pretty(&expr).map_err(|e| CliError::Runtime(e.to_string()))?;
            outln!("{json}");
            Ok(())
        }
        Dialect::OdataUrl => {
            let options =
                roster_odata::parse_query_options(text).map_err(|e| CliError::diag("query string", text, e))?;
            let json = serde_json::to_string_pretty(&options.query).map_err(|e| CliError::Runtime(e.to_string()))?;
            outln!("{json}");
            Ok(())
        }
        Dialect::Params => Err(CliError::Usage(
            "REST parameters belong to a profile: use `roster check --profile P --dialect params --params '...'`"
                .into(),
        )),
        Dialect::Mongo => {
            let expr = roster_mongo::parse_query(text).map_err(|e| CliError::diag("filter", text, e))?;
            let json = serde_json::to_string_pretty(&expr).map_err(|e| CliError::Runtime(e.to_string()))?;
            outln!("{json}");
            Ok(())
        }
    }
}

/// Parses `--filter`, `--sort` and `--fields` as Mongo documents; an error is rendered
/// against the text it points into.
pub(crate) fn mongo_documents(
    q: &QueryArgs,
    opts: &roster_mongo::Options,
) -> Result<roster_mongo::Documents, CliError> {
    roster_mongo::parse_documents(Some(&q.filter), q.sort.as_deref(), q.fields.as_deref(), opts).map_err(|(part, e)| {
        let (origin, text) = match part {
            roster_mongo::Part::Query => ("filter", q.filter.as_str()),
            roster_mongo::Part::Sort => ("sort", q.sort.as_deref().unwrap_or_default()),
            roster_mongo::Part::Fields => ("fields", q.fields.as_deref().unwrap_or_default()),
        };
        CliError::diag(origin, text, e)
    })
}

/// Parses the `--fields` list: names separated by commas (white space around them allowed).
fn parse_fields(text: &str) -> Result<Projection, CliError> {
    let mut paths = Vec::new();
    let mut start = 0usize;
    for part in text.split(',') {
        let trimmed = part.trim();
        let lead = part.len() - part.trim_start().len();
        let s = (start + lead) as u32;
        let span = Span::new(s, s + trimmed.len() as u32);
        if trimmed.is_empty() || !trimmed.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '/') {
            return Err(CliError::diag("fields", text, FieldsError(span)));
        }
        paths.push(Path { segments: trimmed.split('/').map(str::to_owned).collect(), span });
        start += part.len() + 1;
    }
    Ok(Projection::Include(paths))
}

/// A malformed `--fields` list.
#[derive(Debug)]
struct FieldsError(Span);

impl std::fmt::Display for FieldsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("expected a field name")
    }
}

impl roster_ast::Diagnostic for FieldsError {
    fn code(&self) -> &'static str {
        "syntax"
    }
    fn span(&self) -> Span {
        self.0
    }
    fn help(&self) -> Option<String> {
        Some("list field names separated by commas, e.g. `id,username`".into())
    }
}

/// Parses and checks the query arguments into a typed query.
pub(crate) fn build(q: &QueryArgs, schema: &Schema) -> Result<TypedQuery, CliError> {
    let (filter, sort, projection) = match q.dialect {
        Dialect::Params => return params::build(q, schema).map(|(_, typed)| typed),
        Dialect::Odata => {
            let filter = if q.filter.trim().is_empty() {
                None
            } else {
                Some(roster_odata::parse_filter(&q.filter).map_err(|e| CliError::diag("filter", &q.filter, e))?)
            };
            let sort = match &q.sort {
                Some(s) => roster_odata::parse_orderby(s).map_err(|e| CliError::diag("sort", s, e))?,
                None => Vec::new(),
            };
            (filter, sort, q.fields.as_deref().map(parse_fields).transpose()?)
        }
        Dialect::OdataUrl => {
            if q.sort.is_some() || q.fields.is_some() {
                return Err(CliError::Usage(
                    "with --dialect odata-url, give $orderby and $select inside the query string".into(),
                ));
            }
            let options = roster_odata::parse_query_options(&q.filter)
                .map_err(|e| CliError::diag("query string", &q.filter, e))?;
            let Query { filter, sort, projection, page } = options.query;
            let query = Query {
                filter,
                sort,
                projection,
                page: Page { limit: q.limit.or(page.limit), offset: if q.offset > 0 { q.offset } else { page.offset } },
            };
            return check_query(&query, [("query string", q.filter.as_str()); 3], schema);
        }
        Dialect::Mongo => {
            // The implicit `_id` of an inclusion projection is the profile's primary key.
            let opts = roster_mongo::Options {
                id_field: Some(schema.get(schema.primary_key).name.clone()),
                ..roster_mongo::Options::default()
            };
            let d = mongo_documents(q, &opts)?;
            (d.filter, d.sort, d.projection)
        }
    };
    let query = Query { filter, sort, projection, page: Page { limit: q.limit, offset: q.offset } };
    let sources = [
        ("filter", q.filter.as_str()),
        ("sort", q.sort.as_deref().unwrap_or_default()),
        ("fields", q.fields.as_deref().unwrap_or_default()),
    ];
    check_query(&query, sources, schema)
}

/// Checks a query; on failure, re-checks its filter, sort and projection one by one so that
/// every error is rendered against the text it points into (`sources`: origin and text of
/// each part, in that order).
fn check_query(query: &Query, sources: [(&'static str, &str); 3], schema: &Schema) -> Result<TypedQuery, CliError> {
    roster_check::check(query, schema).map_err(|_| {
        let parts = [
            Query { filter: query.filter.clone(), ..Query::default() },
            Query { sort: query.sort.clone(), ..Query::default() },
            Query { projection: query.projection.clone(), ..Query::default() },
        ];
        let groups = parts
            .iter()
            .zip(sources)
            .filter_map(|(part, (origin, source))| {
                roster_check::check(part, schema).err().map(|errors| CliError::Diagnostics {
                    origin,
                    source: source.to_owned(),
                    errors: errors.into_iter().map(|e| Box::new(e) as Box<dyn roster_ast::Diagnostic>).collect(),
                })
            })
            .collect();
        CliError::Group(groups)
    })
}

/// How many invalid records are listed before the rest are only counted.
const MAX_LISTED: usize = 20;

/// Streams a JSON Lines file through `each`, validating every line against the schema.
/// Blank lines are skipped. Returns the number of records, or every problem with its line
/// number (the first [`MAX_LISTED`], then a count).
fn scan_jsonl(schema: &Schema, path: &FsPath, mut each: impl FnMut(Record)) -> Result<u64, CliError> {
    let file = File::open(path).map_err(|e| CliError::Runtime(format!("{}: {e}", path.display())))?;
    let mut reader = BufReader::with_capacity(1 << 16, file);
    let mut line = String::new();
    let (mut n, mut count) = (0u64, 0u64);
    let mut problems = Vec::new();
    let mut more = 0usize;
    loop {
        line.clear();
        let read = reader.read_line(&mut line).map_err(|e| CliError::Runtime(format!("{}: {e}", path.display())))?;
        if read == 0 {
            break;
        }
        n += 1;
        if line.trim().is_empty() {
            continue;
        }
        match roster_schema::decode_record(schema, &line) {
            Ok(r) => {
                count += 1;
                if problems.is_empty() {
                    each(r);
                }
            }
            Err(e) if problems.len() < MAX_LISTED => problems.push(format!("{}:{n}: {e}", path.display())),
            Err(_) => more += 1,
        }
    }
    if problems.is_empty() {
        return Ok(count);
    }
    if more > 0 {
        problems.push(format!("... and {more} more invalid records"));
    }
    Err(CliError::Data(problems))
}

pub(crate) fn read_table(schema: &Schema, path: &FsPath) -> Result<roster_eval::Table, CliError> {
    let mut table = roster_eval::Table::new(schema);
    let mut failure = None;
    scan_jsonl(schema, path, |r| {
        if failure.is_none()
            && let Err(e) = table.push(&r)
        {
            failure = Some(e.to_string());
        }
    })?;
    match failure {
        Some(e) => Err(CliError::Runtime(e)),
        None => Ok(table),
    }
}

/// A database named on the command line.
pub(crate) enum Db {
    Sqlite(rusqlite::Connection),
    Postgres(Box<postgres::Client>),
}

pub(crate) fn connect(url: &str) -> Result<Db, CliError> {
    if let Some(path) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
        let conn = rusqlite::Connection::open(path).map_err(|e| CliError::Runtime(format!("{url}: {e}")))?;
        Ok(Db::Sqlite(conn))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") || url.contains("host=") {
        let client =
            postgres::Client::connect(url, postgres::NoTls).map_err(|e| CliError::Runtime(format!("{url}: {e}")))?;
        Ok(Db::Postgres(Box::new(client)))
    } else {
        Err(CliError::Usage(format!(
            "unrecognised database `{url}`; use `sqlite:PATH` or `postgres://user@host:port/db`"
        )))
    }
}

fn query_db(schema: &Schema, q: &TypedQuery, url: &str) -> Result<Vec<Record>, CliError> {
    let rt = |e: roster_sql::SqlError| CliError::Runtime(e.to_string());
    match connect(url)? {
        Db::Sqlite(conn) => roster_sql::sqlite::query(&conn, schema, q).map_err(rt),
        Db::Postgres(mut client) => roster_sql::postgres::query(&mut client, schema, q).map_err(rt),
    }
}

fn progress(total: u64, what: &str) -> ProgressBar {
    if !io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    if let Ok(style) = ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({per_sec}, {eta})") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(what.to_owned());
    bar
}

/// The records of a JSON Lines file that [`scan_jsonl`] has already validated, read again
/// one at a time so that loading needs no more memory than one record. A line that no longer
/// decodes (the file changed in between) ends the stream and is kept in `problem`.
struct Validated {
    reader: BufReader<File>,
    schema: Schema,
    line: String,
    problem: std::rc::Rc<std::cell::RefCell<Option<String>>>,
}

impl Iterator for Validated {
    type Item = Record;
    fn next(&mut self) -> Option<Record> {
        loop {
            self.line.clear();
            match self.reader.read_line(&mut self.line) {
                Ok(0) => return None,
                Ok(_) if self.line.trim().is_empty() => continue,
                Ok(_) => match roster_schema::decode_record(&self.schema, &self.line) {
                    Ok(r) => return Some(r),
                    Err(e) => *self.problem.borrow_mut() = Some(e.to_string()),
                },
                Err(e) => *self.problem.borrow_mut() = Some(e.to_string()),
            }
            return None;
        }
    }
}

fn load(name: &str, data: &FsPath, url: &str) -> Result<(), CliError> {
    let p = profile(name)?;
    // First pass: validate every record, so that invalid data loads nothing at all.
    let total = scan_jsonl(&p.schema, data, |_| {})?;
    let mut db = connect(url)?;
    let bar = progress(total, "loading");
    let problem = std::rc::Rc::new(std::cell::RefCell::new(None));
    let file = File::open(data).map_err(|e| CliError::Runtime(format!("{}: {e}", data.display())))?;
    let records = Validated {
        reader: BufReader::with_capacity(1 << 16, file),
        schema: p.schema.clone(),
        line: String::new(),
        problem: problem.clone(),
    }
    .inspect(|_| bar.inc(1));
    let rt = |e: roster_sql::SqlError| CliError::Runtime(e.to_string());
    let loaded = match &mut db {
        Db::Sqlite(conn) => {
            roster_sql::sqlite::create(conn, &p.schema).map_err(rt)?;
            roster_sql::sqlite::load(conn, &p.schema, records).map_err(rt)?
        }
        Db::Postgres(client) => {
            roster_sql::postgres::create(client, &p.schema).map_err(rt)?;
            roster_sql::postgres::load(client, &p.schema, records).map_err(rt)?
        }
    };
    bar.finish_and_clear();
    if let Some(e) = problem.borrow().as_ref() {
        return Err(CliError::Runtime(format!(
            "{} changed while loading ({e}); {loaded} of {total} records were loaded",
            data.display()
        )));
    }
    eprintln!("loaded {loaded} {} users into {url}", p.name);
    Ok(())
}

fn generate(name: &str, users: u64, seed: u64, format: Format, output: Option<&FsPath>) -> Result<(), CliError> {
    let p = profile(name)?;
    let fields: Vec<FieldId> = p.schema.ids().collect();
    let bar = if output.is_some() { progress(users, "generating") } else { ProgressBar::hidden() };
    let mut out: Box<dyn Write> = match output {
        Some(path) => Box::new(BufWriter::new(
            File::create(path).map_err(|e| CliError::Runtime(format!("{}: {e}", path.display())))?,
        )),
        None => Box::new(BufWriter::new(io::stdout().lock())),
    };
    // One record at a time: memory stays flat for any N.
    match format {
        Format::Jsonl => {
            for (i, r) in p.generate(users, seed).enumerate() {
                roster_render::write_jsonl(&mut out, &p.schema, &fields, [&r])?;
                if i % 4096 == 0 {
                    bar.set_position(i as u64);
                }
            }
        }
        Format::Csv => {
            let mut w = roster_render::CsvWriter::new(&mut out, &p.schema, &fields)?;
            for (i, r) in p.generate(users, seed).enumerate() {
                w.write(&r)?;
                if i % 4096 == 0 {
                    bar.set_position(i as u64);
                }
            }
            w.finish()?;
        }
        Format::Json => return Err(CliError::Usage("generate writes jsonl or csv; use --format jsonl".into())),
    }
    out.flush()?;
    bar.finish_and_clear();
    Ok(())
}

fn write_records(
    format: Format,
    schema: &Schema,
    fields: &[FieldId],
    records: &[Record],
    out: &mut impl Write,
) -> Result<(), CliError> {
    let mut w = BufWriter::new(out);
    match format {
        Format::Json => roster_render::write_json_array(&mut w, schema, fields, records)?,
        Format::Jsonl => roster_render::write_jsonl(&mut w, schema, fields, records)?,
        Format::Csv => roster_render::write_csv(&mut w, schema, fields, records)?,
    }
    w.flush()?;
    Ok(())
}
