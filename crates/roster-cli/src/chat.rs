//! The document profiles (`chat`, seed 004): generate and query documents with MongoDB's
//! semantics (`roster_schema::document`).

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::path::Path as FsPath;

use roster_ast::Query;
use roster_check::document::{DocQuery, check_document};
use roster_eval::document::DocPlan;
use roster_schema::document::{Doc, DocSchema, decode_doc, encode_doc};
use roster_schema::profiles::chat;
use serde_json::Value as Json;

use crate::args::{Dialect, Format, QueryArgs};
use crate::error::CliError;

/// Whether `name` is a document profile.
pub(crate) fn is_document_profile(name: &str) -> bool {
    roster_schema::profiles::DOCUMENT_NAMES.contains(&name)
}

/// `roster generate --profile chat`: JSON Lines, one document per line.
pub(crate) fn generate(users: u64, seed: u64, format: Format, output: Option<&FsPath>) -> Result<(), CliError> {
    if format != Format::Jsonl {
        return Err(CliError::Usage("the chat profile's users are documents: use --format jsonl".into()));
    }
    let schema = chat::schema();
    let mut out: Box<dyn Write> = match output {
        Some(path) => Box::new(BufWriter::new(
            File::create(path).map_err(|e| CliError::Runtime(format!("{}: {e}", path.display())))?,
        )),
        None => Box::new(BufWriter::new(io::stdout().lock())),
    };
    for doc in chat::generate(users, seed) {
        let line =
            serde_json::to_string(&encode_doc(&schema, &doc, None)).map_err(|e| CliError::Runtime(e.to_string()))?;
        writeln!(out, "{line}")?;
    }
    out.flush()?;
    Ok(())
}

/// Parses the Mongo `--filter`, `--sort` and `--fields` documents and checks them against
/// the document schema; errors are rendered against the text they point into.
pub(crate) fn build(q: &QueryArgs, schema: &DocSchema) -> Result<DocQuery, CliError> {
    if q.dialect != Dialect::Mongo {
        return Err(CliError::Usage(
            "the chat profile takes Mongo query, sort and fields documents: use --dialect mongo".into(),
        ));
    }
    let opts = roster_mongo::Options {
        id_field: Some(schema.fields[schema.primary_key].name.clone()),
        ..roster_mongo::Options::default()
    };
    let roster_mongo::Documents { filter, sort, projection } = super::mongo_documents(q, &opts)?;
    let parts = [
        ("filter", q.filter.clone(), Query { filter, ..Query::default() }),
        ("sort", q.sort.clone().unwrap_or_default(), Query { sort, ..Query::default() }),
        ("fields", q.fields.clone().unwrap_or_default(), Query { projection, ..Query::default() }),
    ];
    let mut groups = Vec::new();
    let mut checked = Vec::new();
    for (origin, source, part) in parts {
        match check_document(&part, schema) {
            Ok(c) => checked.push(c),
            Err(errors) => groups.push(CliError::Diagnostics {
                origin,
                source,
                errors: errors.into_iter().map(|e| Box::new(e) as Box<dyn roster_ast::Diagnostic>).collect(),
            }),
        }
    }
    if !groups.is_empty() {
        return Err(CliError::Group(groups));
    }
    let mut it = checked.into_iter();
    match (it.next(), it.next(), it.next()) {
        (Some(f), Some(s), Some(p)) => {
            Ok(DocQuery { filter: f.filter, sort: s.sort, projection: p.projection, limit: q.limit, offset: q.offset })
        }
        _ => Err(CliError::Runtime("internal: a checked part is missing".into())),
    }
}

/// Reads a JSON Lines file of documents, reporting invalid lines with their numbers.
pub(crate) fn read_docs(schema: &DocSchema, path: &FsPath) -> Result<Vec<Doc>, CliError> {
    let file = File::open(path).map_err(|e| CliError::Runtime(format!("{}: {e}", path.display())))?;
    let mut docs = Vec::new();
    let mut problems = Vec::new();
    let mut more = 0usize;
    for (n, line) in BufReader::with_capacity(1 << 16, file).lines().enumerate() {
        let line = line.map_err(|e| CliError::Runtime(format!("{}: {e}", path.display())))?;
        if line.trim().is_empty() {
            continue;
        }
        match decode_doc(schema, &line) {
            Ok(d) => docs.push(d),
            Err(e) if problems.len() < 20 => problems.push(format!("{}:{}: {e}", path.display(), n + 1)),
            Err(_) => more += 1,
        }
    }
    if problems.is_empty() {
        let mut ids = std::collections::HashSet::new();
        for (n, d) in docs.iter().enumerate() {
            if !ids.insert(d.id(schema)) {
                problems.push(format!("{}: document {}: duplicate _id `{}`", path.display(), n + 1, d.id(schema)));
                break;
            }
        }
    }
    if problems.is_empty() {
        return Ok(docs);
    }
    if more > 0 {
        problems.push(format!("... and {more} more invalid records"));
    }
    Err(CliError::Data(problems))
}

/// `roster load --profile chat --data FILE --db URL`: validates every document first (so
/// invalid data loads nothing), then creates the document tables and loads them in one
/// transaction.
pub(crate) fn load(data: &FsPath, url: &str) -> Result<(), CliError> {
    let schema = chat::schema();
    let docs = read_docs(&schema, data)?;
    let rt = |e: roster_sql::SqlError| CliError::Runtime(e.to_string());
    let loaded = match crate::commands::connect(url)? {
        crate::commands::Db::Sqlite(mut conn) => {
            roster_sql::document::sqlite::create(&conn, &schema).map_err(rt)?;
            roster_sql::document::sqlite::load(&mut conn, &schema, &docs).map_err(rt)?
        }
        crate::commands::Db::Postgres(mut client) => {
            roster_sql::document::postgres::create(&mut client, &schema).map_err(rt)?;
            roster_sql::document::postgres::load(&mut client, &schema, &docs).map_err(rt)?
        }
    };
    eprintln!("loaded {loaded} chat users into {url}");
    Ok(())
}

/// `roster query --profile chat --dialect mongo (--data FILE | --db URL)`: the projected
/// page, in order, in memory or from the document tables of a loaded database.
pub(crate) fn query(q: &QueryArgs, data: Option<&FsPath>, db: Option<&str>, format: Format) -> Result<(), CliError> {
    let schema = chat::schema();
    let typed = build(q, &schema)?;
    let rt = |e: roster_sql::SqlError| CliError::Runtime(e.to_string());
    let docs: Vec<Doc> = match (data, db) {
        (Some(path), _) => {
            let docs = read_docs(&schema, path)?;
            let plan = DocPlan::new(&schema, &typed).map_err(|e| CliError::Usage(e.to_string()))?;
            let page = plan.run(&docs);
            let mut docs: Vec<Option<Doc>> = docs.into_iter().map(Some).collect();
            page.iter().filter_map(|&i| docs.get_mut(i).and_then(Option::take)).collect()
        }
        (None, Some(url)) => match crate::commands::connect(url)? {
            crate::commands::Db::Sqlite(conn) => {
                roster_sql::document::sqlite::sqlite_register(&conn).map_err(rt)?;
                roster_sql::document::sqlite::query(&conn, &schema, &typed).map_err(rt)?.0
            }
            crate::commands::Db::Postgres(mut client) => {
                roster_sql::document::postgres::query(&mut client, &schema, &typed).map_err(rt)?.0
            }
        },
        (None, None) => return Err(CliError::Usage("give --data FILE.jsonl or --db URL".into())),
    };
    let mut out = BufWriter::new(io::stdout().lock());
    let rows = docs.iter().map(|d| Json::Object(encode_doc(&schema, d, typed.projection.as_ref())));
    match format {
        Format::Jsonl => {
            for row in rows {
                writeln!(out, "{row}")?;
            }
        }
        Format::Json => {
            let all: Vec<Json> = rows.collect();
            writeln!(out, "{}", Json::Array(all))?;
        }
        Format::Csv => {
            return Err(CliError::Usage("chat users are documents: use --format jsonl or json".into()));
        }
    }
    out.flush()?;
    Ok(())
}
