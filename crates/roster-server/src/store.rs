//! Where the users live: an embedded SQLite file (the default) or an existing PostgreSQL.
//! Queries run on blocking threads (`spawn_blocking`), so the async workers never wait on
//! the database.

use std::path::PathBuf;
use std::sync::Mutex;

use indicatif::{ProgressBar, ProgressStyle};
use roster_check::TypedQuery;
use roster_check::document::DocQuery;
use roster_schema::document::{Doc, DocSchema};
use roster_schema::profiles::Profile;
use roster_schema::{Record, Schema};
use roster_sql::document;

/// A database.
pub enum Store {
    /// An SQLite file; each request opens its own read-only connection.
    Sqlite(PathBuf),
    /// A PostgreSQL server, through a small pool of connections.
    Postgres {
        /// The connection string.
        url: String,
        /// Idle connections.
        pool: Mutex<Vec<postgres::Client>>,
    },
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Store::Sqlite(path) => f.debug_tuple("Sqlite").field(path).finish(),
            Store::Postgres { url, .. } => f.debug_struct("Postgres").field("url", url).finish_non_exhaustive(),
        }
    }
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

impl Store {
    /// Opens the store named by `db` (`sqlite:PATH` or `postgres://...`), or the default
    /// SQLite file under `data_dir`.
    pub fn open(db: Option<&str>, data_dir: &std::path::Path) -> Result<Store, String> {
        match db {
            None => {
                std::fs::create_dir_all(data_dir).map_err(|e| format!("{}: {e}", data_dir.display()))?;
                Ok(Store::Sqlite(data_dir.join("roster.db")))
            }
            Some(url) => {
                if let Some(path) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
                    Ok(Store::Sqlite(PathBuf::from(path)))
                } else if url.starts_with("postgres://") || url.starts_with("postgresql://") || url.contains("host=") {
                    Ok(Store::Postgres { url: url.to_owned(), pool: Mutex::new(Vec::new()) })
                } else {
                    Err(format!("unrecognised database `{url}`; use `sqlite:PATH` or `postgres://user@host:port/db`"))
                }
            }
        }
    }

    /// Makes sure every profile's table exists and holds users: an empty or missing table is
    /// created and filled with `users` deterministic users (seed `seed`), with a progress bar
    /// on a terminal. Tables that already hold users are used as they are.
    pub fn prepare(&self, profiles: &[Profile], users: u64, seed: u64) -> Result<(), String> {
        for p in profiles {
            let empty = match self {
                Store::Sqlite(path) => {
                    let conn = rusqlite::Connection::open(path).map_err(err)?;
                    roster_sql::sqlite::create(&conn, &p.schema).map_err(err)?;
                    let sql = format!("SELECT EXISTS (SELECT 1 FROM \"{}\")", p.schema.name);
                    let any: bool = conn.query_row(&sql, [], |r| r.get(0)).map_err(err)?;
                    !any
                }
                Store::Postgres { .. } => {
                    let mut client = self.postgres()?;
                    roster_sql::postgres::create(&mut client, &p.schema).map_err(err)?;
                    let sql = format!("SELECT EXISTS (SELECT 1 FROM \"{}\")", p.schema.name);
                    let any: bool = client.query_one(sql.as_str(), &[]).map_err(err)?.get(0);
                    self.give_back(client);
                    !any
                }
            };
            if !empty {
                tracing::info!(profile = p.name, "using the users already stored");
                continue;
            }
            let bar = progress(users, p.name);
            let records = p.generate(users, seed).inspect(|_| bar.inc(1));
            let loaded = match self {
                Store::Sqlite(path) => {
                    let mut conn = rusqlite::Connection::open(path).map_err(err)?;
                    roster_sql::sqlite::load(&mut conn, &p.schema, records).map_err(err)?
                }
                Store::Postgres { .. } => {
                    let mut client = self.postgres()?;
                    let n = roster_sql::postgres::load(&mut client, &p.schema, records).map_err(err)?;
                    self.give_back(client);
                    n
                }
            };
            bar.finish_and_clear();
            tracing::info!(profile = p.name, users = loaded, "generated users");
        }
        Ok(())
    }

    /// Like [`Store::prepare`] for a document profile (`chat`): creates its tables and fills
    /// them with `users` generated documents when empty.
    pub fn prepare_docs(&self, name: &str, schema: &DocSchema, users: u64, seed: u64) -> Result<(), String> {
        let sql = format!("SELECT EXISTS (SELECT 1 FROM \"{}\")", schema.name);
        let empty = match self {
            Store::Sqlite(path) => {
                let conn = rusqlite::Connection::open(path).map_err(err)?;
                document::sqlite::create(&conn, schema).map_err(err)?;
                let any: bool = conn.query_row(&sql, [], |r| r.get(0)).map_err(err)?;
                !any
            }
            Store::Postgres { .. } => {
                let mut client = self.postgres()?;
                document::postgres::create(&mut client, schema).map_err(err)?;
                let any: bool = client.query_one(sql.as_str(), &[]).map_err(err)?.get(0);
                self.give_back(client);
                !any
            }
        };
        if !empty {
            tracing::info!(profile = name, "using the users already stored");
            return Ok(());
        }
        let bar = progress(users, name);
        // Loaded in batches so memory stays flat for any number of users.
        let mut docs = roster_schema::profiles::chat::generate(users, seed).inspect(|_| bar.inc(1)).peekable();
        let mut loaded = 0;
        while docs.peek().is_some() {
            let batch: Vec<_> = docs.by_ref().take(10_000).collect();
            loaded += match self {
                Store::Sqlite(path) => {
                    let mut conn = rusqlite::Connection::open(path).map_err(err)?;
                    document::sqlite::load(&mut conn, schema, &batch).map_err(err)?
                }
                Store::Postgres { .. } => {
                    let mut client = self.postgres()?;
                    let n = document::postgres::load(&mut client, schema, &batch).map_err(err)?;
                    self.give_back(client);
                    n
                }
            };
        }
        bar.finish_and_clear();
        tracing::info!(profile = name, users = loaded, "generated users");
        Ok(())
    }

    /// The page of documents a document query selects, in order, and the total number of
    /// matches.
    pub fn run_docs(&self, schema: &DocSchema, q: &DocQuery) -> Result<(Vec<Doc>, u64), String> {
        match self {
            Store::Sqlite(path) => {
                let conn = read_only(path)?;
                document::sqlite::sqlite_register(&conn).map_err(err)?;
                document::sqlite::query(&conn, schema, q).map_err(err)
            }
            Store::Postgres { .. } => {
                let mut client = self.postgres()?;
                let result = document::postgres::query(&mut client, schema, q).map_err(err);
                self.give_back(client);
                result
            }
        }
    }

    fn postgres(&self) -> Result<postgres::Client, String> {
        let Store::Postgres { url, pool } = self else { return Err("not a PostgreSQL store".into()) };
        if let Some(c) = pool.lock().map_err(err)?.pop() {
            return Ok(c);
        }
        postgres::Client::connect(url, postgres::NoTls).map_err(err)
    }

    fn give_back(&self, client: postgres::Client) {
        if let Store::Postgres { pool, .. } = self
            && let Ok(mut idle) = pool.lock()
            && idle.len() < 16
        {
            idle.push(client);
        }
    }

    /// Hands each record a typed query selects to `each`, in order, as the database
    /// returns it (constant memory); `each` returning `false` stops the scan.
    pub fn for_each(&self, schema: &Schema, q: &TypedQuery, each: impl FnMut(Record) -> bool) -> Result<(), String> {
        match self {
            Store::Sqlite(path) => {
                let conn = read_only(path)?;
                roster_sql::sqlite::for_each(&conn, schema, q, each).map_err(err)
            }
            Store::Postgres { .. } => {
                let mut client = self.postgres()?;
                let result = roster_sql::postgres::for_each(&mut client, schema, q, each).map_err(err);
                // A scan stopped early leaves the connection usable: the portal is dropped.
                self.give_back(client);
                result
            }
        }
    }

    /// The page of records a typed query selects, and the total number of matches.
    pub fn run(&self, schema: &Schema, q: &TypedQuery) -> Result<(Vec<Record>, u64), String> {
        match self {
            Store::Sqlite(path) => {
                let conn = read_only(path)?;
                let rows = roster_sql::sqlite::query(&conn, schema, q).map_err(err)?;
                let total = roster_sql::sqlite::count(&conn, schema, q).map_err(err)?;
                Ok((rows, total))
            }
            Store::Postgres { .. } => {
                let mut client = self.postgres()?;
                let rows = roster_sql::postgres::query(&mut client, schema, q).map_err(err)?;
                let total = roster_sql::postgres::count(&mut client, schema, q).map_err(err)?;
                self.give_back(client);
                Ok((rows, total))
            }
        }
    }
}

/// A read-only connection of one request to the SQLite file.
fn read_only(path: &std::path::Path) -> Result<rusqlite::Connection, String> {
    rusqlite::Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(err)
}

fn progress(total: u64, what: &str) -> ProgressBar {
    use std::io::IsTerminal;
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    if let Ok(style) = ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({per_sec}, {eta})") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(format!("generating {what} users"));
    bar
}
