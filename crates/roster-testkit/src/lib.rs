//! Test support: a throwaway PostgreSQL cluster per test.
//!
//! [`TempPostgres::start`] creates a private temporary directory, runs `initdb` into
//! `DIR/data` (trust authentication, superuser `postgres`, UTF-8 encoding, C locale) and
//! starts a server with `pg_ctl` on a free TCP port of 127.0.0.1, with its Unix socket in
//! `DIR` and `fsync=off`. When the tests run as root, both commands run as the `postgres` user
//! through `runuser -u postgres --`, and `DIR` is handed to that user first. Dropping the
//! value stops the server (`pg_ctl -m fast stop`) and removes `DIR`.
//!
//! `initdb` and `pg_ctl` are looked up on `PATH` (PostgreSQL 15 is what CI has). Each instance
//! has its own directory and port, so tests may start clusters concurrently.
//!
//! ```no_run
//! let pg = roster_testkit::TempPostgres::start().unwrap();
//! // e.g. postgres::Client::connect(&pg.url(), postgres::NoTls)
//! assert!(pg.url().starts_with("host=127.0.0.1 port="));
//! ```
#![forbid(unsafe_code)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// A running throwaway PostgreSQL server; stopped and deleted on drop.
#[derive(Debug)]
pub struct TempPostgres {
    dir: PathBuf,
    port: u16,
    pg_ctl: PathBuf,
    as_postgres: bool,
}

/// How many times `start` retries on a port another process took between probing and binding.
const START_ATTEMPTS: usize = 5;

impl TempPostgres {
    /// Initialises and starts a fresh cluster. The error says what failed and includes the
    /// command's output (or the server log).
    pub fn start() -> Result<TempPostgres, String> {
        let initdb = find_on_path("initdb")?;
        let pg_ctl = find_on_path("pg_ctl")?;
        let as_postgres = running_as_root()?;
        let dir = make_temp_dir()?;
        // From here on `Drop` cleans up, also on the error paths.
        let mut pg = TempPostgres { dir, port: 0, pg_ctl, as_postgres };
        if as_postgres {
            let out = Command::new("chown")
                .arg("-R")
                .arg("postgres:")
                .arg(&pg.dir)
                .output()
                .map_err(|e| format!("cannot run chown: {e}"))?;
            check_output("chown -R postgres:", &out)?;
        }
        let data = pg.dir.join("data");
        let mut init = pg.command(&initdb);
        init.arg("-D").arg(&data).args(["-A", "trust", "-U", "postgres", "--encoding=UTF8", "--locale=C", "--no-sync"]);
        let out = init.output().map_err(|e| format!("cannot run {}: {e}", initdb.display()))?;
        check_output("initdb", &out)?;

        let mut last_error = String::new();
        for _ in 0..START_ATTEMPTS {
            pg.port = free_port()?;
            let options = format!("-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off", pg.port, pg.dir.display());
            let mut start = pg.command(&pg.pg_ctl);
            start.arg("-D").arg(&data).arg("-o").arg(options).arg("-l").arg(pg.dir.join("log")).args(["-w", "start"]);
            let out = start.output().map_err(|e| format!("cannot run pg_ctl: {e}"))?;
            if out.status.success() {
                return Ok(pg);
            }
            let log = std::fs::read_to_string(pg.dir.join("log")).unwrap_or_default();
            last_error = format!("pg_ctl start failed: {}\nserver log:\n{log}", describe(&out));
            if !log.contains("could not bind") && !log.contains("already in use") {
                break;
            }
        }
        Err(last_error)
    }

    /// A libpq-style connection string: `host=127.0.0.1 port=P user=postgres dbname=postgres`.
    pub fn url(&self) -> String {
        format!("host=127.0.0.1 port={} user=postgres dbname=postgres", self.port)
    }

    /// The TCP port the server listens on (127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The cluster's private directory (data in `data/`, log in `log`, socket here).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// A command running `program`, as `postgres` when we are root, from inside `DIR` (so a
    /// `postgres` process never starts in a directory it cannot read).
    fn command(&self, program: &Path) -> Command {
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(program);
            c
        } else {
            Command::new(program)
        };
        cmd.current_dir(&self.dir);
        cmd
    }
}

impl Drop for TempPostgres {
    fn drop(&mut self) {
        let data = self.dir.join("data");
        if self.port != 0 && data.join("postmaster.pid").exists() {
            let mut stop = self.command(&self.pg_ctl);
            stop.arg("-D").arg(&data).args(["-m", "fast", "-w", "stop"]);
            // Nothing useful can be done about a failure while dropping.
            let _ = stop.output();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The full path of `name` on `PATH`, or an error that says PostgreSQL is missing.
fn find_on_path(name: &str) -> Result<PathBuf, String> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path).map(|dir| dir.join(name)).find(|candidate| candidate.is_file()).ok_or_else(|| {
        format!(
            "`{name}` was not found on PATH: the PostgreSQL tests need PostgreSQL 15's \
                 server binaries (initdb, pg_ctl) on PATH"
        )
    })
}

fn running_as_root() -> Result<bool, String> {
    let out = Command::new("id").arg("-u").output().map_err(|e| format!("cannot run `id -u`: {e}"))?;
    check_output("id -u", &out)?;
    Ok(String::from_utf8_lossy(&out.stdout).trim() == "0")
}

/// A new, empty directory under the system temp dir, unique to this process and call.
fn make_temp_dir() -> Result<PathBuf, String> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let base = std::env::temp_dir();
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    let mut last = String::new();
    for _ in 0..16 {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let dir = base.join(format!("roster-pg-{}-{n}-{nanos}", std::process::id()));
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) => last = format!("cannot create {}: {e}", dir.display()),
        }
    }
    Err(last)
}

/// A TCP port that was free on 127.0.0.1 a moment ago.
fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("cannot bind 127.0.0.1:0: {e}"))?;
    let port = listener.local_addr().map_err(|e| format!("cannot read the bound port: {e}"))?.port();
    Ok(port)
}

fn check_output(what: &str, out: &Output) -> Result<(), String> {
    if out.status.success() { Ok(()) } else { Err(format!("{what} failed: {}", describe(out))) }
}

fn describe(out: &Output) -> String {
    format!(
        "{}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_and_cleans_up() {
        let pg = match TempPostgres::start() {
            Ok(pg) => pg,
            Err(e) => panic!("{e}"),
        };
        let dir = pg.dir().to_path_buf();
        assert!(dir.join("data/PG_VERSION").exists());
        assert!(std::net::TcpStream::connect(("127.0.0.1", pg.port())).is_ok());
        drop(pg);
        assert!(!dir.exists());
    }

    #[test]
    fn missing_binary_is_named() {
        let err = find_on_path("surely-not-a-postgres-binary").unwrap_err();
        assert!(err.contains("surely-not-a-postgres-binary"), "{err}");
    }
}
