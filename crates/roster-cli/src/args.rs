//! Command-line arguments (clap derive).

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// Roster: filter-language compiler and query engine for user-listing APIs.
#[derive(Debug, Parser)]
#[command(name = "roster", version, about)]
pub struct Cli {
    /// How errors are printed on stderr: for people (a caret under the span) or one JSON
    /// object per error.
    #[arg(long, value_enum, global = true, default_value_t = ErrorFormat::Human)]
    pub error_format: ErrorFormat,
    #[command(subcommand)]
    pub command: Command,
}

/// Error output formats.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ErrorFormat {
    /// Rendered for people.
    Human,
    /// One JSON object per error: `code`, `message`, `span {start, end}`, `help`.
    Json,
}

/// Filter dialects.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Dialect {
    /// OData 4.01 `$filter` expressions (with `--sort` in `$orderby` syntax).
    Odata,
    /// A whole OData query string: `--filter '$filter=...&$orderby=...&$top=...&$skip=...'`
    /// (also `$select`, `$count`, `$search`; percent-encoding allowed).
    OdataUrl,
    /// Mongo-style JSON: `--filter` is a query document, `--sort` a sort document
    /// (`{"createdAt": -1}`), `--fields` a projection document (`{"username": 1}`).
    Mongo,
    /// The profile's own REST parameters (`directory`, `admin`, `accounts`): `--params` is
    /// the query string, `--body` the JSON body; `query --format csv` (directory, admin) or
    /// `--format json` (accounts) prints the endpoint's response.
    Params,
}

/// Dialects `roster translate` writes.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum TranslateTarget {
    /// OData query options: `$filter`, `$orderby`, `$select`, `$top`, `$skip`.
    Odata,
    /// Mongo-style JSON: `query`, `sort`, `fields` documents, `count`, `offset`.
    Mongo,
}

/// SQL backends.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum BackendArg {
    /// PostgreSQL.
    Postgres,
    /// SQLite.
    Sqlite,
    /// MySQL.
    Mysql,
}

/// Record formats.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Format {
    /// One JSON array.
    Json,
    /// One JSON object per line.
    Jsonl,
    /// CSV with a header row.
    Csv,
}

/// What to query, shared by `check`, `sql` and `query`.
#[derive(Debug, clap::Args)]
pub struct QueryArgs {
    /// The profile (schema) to check against.
    #[arg(long, default_value = "identity")]
    pub profile: String,
    /// The dialect of `--filter` and `--sort` (`--from` in `roster translate`).
    #[arg(long, visible_alias = "from", value_enum, default_value_t = Dialect::Odata)]
    pub dialect: Dialect,
    /// The filter; empty selects everything.
    #[arg(long, default_value = "")]
    pub filter: String,
    /// Sort keys, e.g. `createdAt desc, id` (OData `$orderby`).
    #[arg(long)]
    pub sort: Option<String>,
    /// Fields to return, comma-separated (OData `$select`); default all.
    #[arg(long)]
    pub fields: Option<String>,
    /// Return at most this many rows.
    #[arg(long)]
    pub limit: Option<u64>,
    /// Skip this many rows first.
    #[arg(long, default_value_t = 0)]
    pub offset: u64,
    /// With `--dialect params`: the endpoint's query string, e.g. `mfa=true&sort=name:asc`.
    #[arg(long)]
    pub params: Option<String>,
    /// With `--dialect params`: the endpoint's JSON body, e.g. `{"per":"2","page":"2"}`.
    #[arg(long)]
    pub body: Option<String>,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Writes N deterministic users of a profile.
    Generate {
        /// The profile.
        #[arg(long, default_value = "identity")]
        profile: String,
        /// How many users.
        #[arg(long, default_value_t = 1000)]
        users: u64,
        /// The seed; the same seed gives the same users.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Jsonl)]
        format: Format,
        /// Output file (default stdout).
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Parses a filter and prints its AST as JSON (no schema involved).
    Parse {
        /// The dialect.
        #[arg(long, value_enum, default_value_t = Dialect::Odata)]
        dialect: Dialect,
        /// The filter text.
        text: String,
    },
    /// Parses and checks a query against a profile; prints its canonical form.
    Check(QueryArgs),
    /// Prints the SQL and the bound values (JSON) of a query for a backend.
    Sql {
        #[command(flatten)]
        query: QueryArgs,
        /// The SQL backend.
        #[arg(long, value_enum, default_value_t = BackendArg::Postgres)]
        backend: BackendArg,
    },
    /// Checks a query in one dialect (`--from`) and prints it in another (`--to`), exactly:
    /// one JSON object of the target's parameters, or an error naming what the target
    /// dialect cannot express.
    Translate {
        #[command(flatten)]
        query: QueryArgs,
        /// The dialect to write.
        #[arg(long, value_enum)]
        to: TranslateTarget,
    },
    /// Runs a query over a JSONL file in memory, or over a database.
    Query {
        #[command(flatten)]
        query: QueryArgs,
        /// A JSON Lines file of users (one object per line, the profile's field names).
        #[arg(long, conflicts_with = "db", required_unless_present = "db")]
        data: Option<PathBuf>,
        /// A database: `sqlite:PATH` or `postgres://...` (loaded with `roster load`).
        #[arg(long)]
        db: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Jsonl)]
        format: Format,
    },
    /// Times one query's count, page and CSV export on an engine (JSON report; see
    /// `benches/RESULTS.md`).
    Bench(crate::bench::BenchArgs),
    /// Creates the profile's table and indexes in a database and bulk-loads a JSONL file.
    Load {
        /// The profile.
        #[arg(long, default_value = "identity")]
        profile: String,
        /// A JSON Lines file of users.
        #[arg(long)]
        data: PathBuf,
        /// The database: `sqlite:PATH` or `postgres://...`.
        #[arg(long)]
        db: String,
    },
    /// Serves the seed endpoints over HTTP (embedded SQLite by default).
    Serve {
        /// A database (`sqlite:PATH` or `postgres://...`); default `DATA_DIR/roster.db`.
        #[arg(long)]
        db: Option<String>,
        /// Users generated per profile into empty tables on first start.
        #[arg(long, default_value_t = 100_000)]
        users: u64,
        /// Generator seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Where to listen.
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: std::net::SocketAddr,
        /// Directory of the default database and the access file.
        #[arg(long, default_value = "roster-data")]
        data_dir: PathBuf,
        /// Access file (tokens, permissions, scopes); default `DATA_DIR/access.json`, written
        /// with demo principals when missing.
        #[arg(long)]
        access: Option<PathBuf>,
        /// Requests per minute per workspace.
        #[arg(long, default_value_t = 300)]
        per_minute: u32,
    },
}
