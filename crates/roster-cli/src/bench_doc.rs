//! `roster bench` on a document profile (`chat`): the same driver and report as the flat
//! profiles, over the document evaluator (`roster_eval::document`) or the document tables
//! (`roster_sql::document`).
//!
//! The count is the filter's matches (sort and page ignored); the page is the matching
//! documents sorted, offset and limited, as the engine hands them over (in memory the
//! indices of the loaded documents, in SQL the page's ids selected and their stored
//! documents read back, as `roster query --profile chat --db` does). In memory, the load
//! includes building the evaluator's columns (`DocTable`), which count and page then use. There is no export:
//! chat users are documents, which Roster writes only as JSON (`roster query` refuses CSV),
//! and a JSON Lines dump of projected documents is a different workload from the flat
//! profiles' CSV export, so the report says `"export": {"applicable": false, ...}` and
//! `--export`/`--tz` are refused.

use std::path::Path as FsPath;
use std::time::Instant;

use roster_check::document::DocQuery;
use roster_eval::document::{DocPlan, DocTable};
use roster_schema::document::{Doc, DocSchema};
use roster_schema::profiles::chat;
use serde_json::Value as Json;

use super::{BenchArgs, Engine, Export, Run, Workloads, measure, rt};
use crate::commands::chat::{build, read_docs};
use crate::commands::{Db, connect};
use crate::error::CliError;

/// Why a document profile's report has no export figures.
const NO_EXPORT: &str = "document profiles have no CSV export (their users are documents, written as JSON only), so there is no export workload to time";

/// A document profile's engine, loaded.
enum Loaded {
    /// The documents with the evaluator's columns (built as part of the load).
    Memory(DocTable),
    Sql(Db),
}

/// A page as an engine hands it over.
enum Page {
    /// Indices into the loaded documents.
    Indices(Vec<usize>),
    /// Documents read back from the database.
    Docs(Vec<Doc>),
}

struct Documents<'a> {
    schema: &'a DocSchema,
    loaded: Loaded,
    count_q: DocQuery,
    page_q: DocQuery,
    count_plan: DocPlan,
    page_plan: DocPlan,
}

impl Workloads for Documents<'_> {
    type Page = Page;

    fn count(&mut self) -> Result<usize, CliError> {
        let (schema, q) = (self.schema, &self.count_q);
        let n = match &mut self.loaded {
            Loaded::Memory(table) => return Ok(self.count_plan.count_in(table)),
            Loaded::Sql(Db::Sqlite(conn)) => roster_sql::document::sqlite::count(conn, schema, q).map_err(rt)?,
            Loaded::Sql(Db::Postgres(client)) => {
                roster_sql::document::postgres::count(client, schema, q).map_err(rt)?
            }
        };
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    fn page(&mut self) -> Result<Page, CliError> {
        use roster_sql::document::{postgres, sqlite};
        let (schema, q) = (self.schema, &self.page_q);
        Ok(match &mut self.loaded {
            Loaded::Memory(table) => Page::Indices(self.page_plan.run_in(table)),
            Loaded::Sql(Db::Sqlite(conn)) => {
                let ids = sqlite::query_ids(conn, schema, q).map_err(rt)?;
                Page::Docs(sqlite::fetch_docs(conn, schema, &ids).map_err(rt)?)
            }
            Loaded::Sql(Db::Postgres(client)) => {
                let ids = postgres::query_ids(client, schema, q).map_err(rt)?;
                Page::Docs(postgres::fetch_docs(client, schema, &ids).map_err(rt)?)
            }
        })
    }

    fn ids(&self, page: &Page) -> Vec<Json> {
        let id = |d: &Doc| Json::String(d.id(self.schema).to_owned());
        match (page, &self.loaded) {
            (Page::Indices(indices), Loaded::Memory(table)) => {
                indices.iter().filter_map(|&i| table.docs().get(i)).map(id).collect()
            }
            (Page::Docs(docs), _) => docs.iter().map(id).collect(),
            (Page::Indices(_), Loaded::Sql(_)) => Vec::new(),
        }
    }

    fn export(&mut self, _path: &FsPath) -> Result<usize, CliError> {
        Err(CliError::Usage(NO_EXPORT.into()))
    }
}

/// `roster bench` on a document profile.
pub(super) fn run(args: &BenchArgs) -> Result<(), CliError> {
    let name = args.query.profile.as_str();
    if args.export.is_some() || args.tz.is_some() {
        return Err(CliError::Usage(format!(
            "`{name}` has no export to time: {NO_EXPORT}; drop --export and --tz (the count and the page are timed)"
        )));
    }
    if args.threads > 1 {
        return Err(CliError::Usage(format!(
            "the document evaluator of `{name}` runs on one thread: drop --threads {}",
            args.threads
        )));
    }
    let schema = chat::schema();
    let page_q = build(&args.query, &schema)?;
    let mut count_q = page_q.clone();
    count_q.limit = None;
    count_q.offset = 0;
    count_q.sort.clear();
    let plan = |q: &DocQuery| DocPlan::new(&schema, q).map_err(|e| CliError::Usage(e.to_string()));
    let (count_plan, page_plan) = (plan(&count_q)?, plan(&page_q)?);

    let load_start = Instant::now();
    let loaded = match (args.engine, &args.data, &args.db) {
        (Engine::Memory, Some(path), _) => Loaded::Memory(DocTable::new(&schema, read_docs(&schema, path)?)),
        (Engine::Memory, None, _) => {
            return Err(CliError::Usage("the memory engine needs --data FILE.jsonl".into()));
        }
        (Engine::Sqlite, _, Some(url)) => match connect(url)? {
            Db::Sqlite(conn) => {
                roster_sql::document::sqlite::sqlite_register(&conn).map_err(rt)?;
                Loaded::Sql(Db::Sqlite(conn))
            }
            Db::Postgres(_) => {
                return Err(CliError::Usage(format!("--engine sqlite needs --db sqlite:PATH, not `{url}`")));
            }
        },
        (Engine::Sqlite, Some(path), None) => {
            let docs = read_docs(&schema, path)?;
            let mut conn = rusqlite::Connection::open_in_memory().map_err(rt)?;
            roster_sql::document::sqlite::create(&conn, &schema).map_err(rt)?;
            roster_sql::document::sqlite::load(&mut conn, &schema, &docs).map_err(rt)?;
            Loaded::Sql(Db::Sqlite(conn))
        }
        (Engine::Postgres, None, Some(url)) => match connect(url)? {
            Db::Postgres(client) => Loaded::Sql(Db::Postgres(client)),
            Db::Sqlite(_) => {
                return Err(CliError::Usage(format!("--engine postgres needs --db postgres://…, not `{url}`")));
            }
        },
        (Engine::Sqlite, None, None) | (Engine::Postgres, _, _) => {
            return Err(CliError::Usage(format!(
                "SQLite needs --db sqlite:PATH (loaded with `roster load --profile {name}`) or --data FILE.jsonl; PostgreSQL needs --db postgres://… loaded with `roster load --profile {name}` (and no --data)"
            )));
        }
    };
    let load_ms = load_start.elapsed().as_secs_f64() * 1e3;
    let mut w = Documents { schema: &schema, loaded, count_q, page_q, count_plan, page_plan };
    measure(&mut w, args, Run { profile: name, threads: 1, load_ms, index_ms: None }, Export::NotApplicable(NO_EXPORT))
}
