//! CLI errors and how they are reported.

use roster_ast::Diagnostic;

use crate::args::ErrorFormat;

/// Why a command failed.
pub enum CliError {
    /// Diagnostics about a text the user gave (exit 2).
    Diagnostics {
        /// Where the text came from (`filter`, `sort`, `fields`).
        origin: &'static str,
        /// The text.
        source: String,
        /// The errors, rendered in order.
        errors: Vec<Box<dyn Diagnostic>>,
    },
    /// Invalid records in a data file (exit 2).
    Data(Vec<String>),
    /// Invalid usage the argument parser could not see (exit 2).
    Usage(String),
    /// Anything else: I/O, database (exit 1).
    Runtime(String),
    /// Several groups of diagnostics, each about its own text (exit 2).
    Group(Vec<CliError>),
    /// Standard output was closed by its reader (`roster … | head`): nothing is reported
    /// and the exit status is 0, as for other Unix filters.
    Closed,
}

impl std::fmt::Debug for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CliError::Diagnostics { origin, errors, .. } => {
                let codes: Vec<_> = errors.iter().map(|e| format!("{}: {e}", e.code())).collect();
                write!(f, "Diagnostics({origin}: {codes:?})")
            }
            CliError::Data(l) => write!(f, "Data({l:?})"),
            CliError::Usage(m) => write!(f, "Usage({m:?})"),
            CliError::Runtime(m) => write!(f, "Runtime({m:?})"),
            CliError::Group(g) => f.debug_list().entries(g).finish(),
            CliError::Closed => write!(f, "Closed"),
        }
    }
}

impl CliError {
    /// One diagnostic about `source`.
    pub fn diag(origin: &'static str, source: &str, d: impl Diagnostic + 'static) -> CliError {
        CliError::Diagnostics { origin, source: source.to_owned(), errors: vec![Box::new(d)] }
    }

    /// The process exit code.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Runtime(_) => 1,
            CliError::Closed => 0,
            _ => 2,
        }
    }

    /// Prints the error on stderr in the requested format.
    pub fn report(&self, format: ErrorFormat) {
        match (self, format) {
            (CliError::Closed, _) => {}
            (CliError::Group(groups), _) => groups.iter().for_each(|g| g.report(format)),
            (CliError::Diagnostics { origin, source, errors }, ErrorFormat::Human) => {
                for e in errors {
                    eprint!("{}", roster_render::human(e.as_ref(), source, origin));
                }
            }
            (CliError::Diagnostics { errors, .. }, ErrorFormat::Json) => {
                for e in errors {
                    eprintln!("{}", roster_render::json(e.as_ref()));
                }
            }
            (CliError::Data(lines), ErrorFormat::Human) => {
                for l in lines {
                    eprintln!("error[invalid-record]: {l}");
                }
            }
            (CliError::Usage(m), ErrorFormat::Human) => eprintln!("error[usage]: {m}"),
            (CliError::Runtime(m), ErrorFormat::Human) => eprintln!("error: {m}"),
            (CliError::Data(lines), ErrorFormat::Json) => {
                for l in lines {
                    eprintln!("{}", serde_json::json!({"code": "invalid-record", "message": l}));
                }
            }
            (CliError::Usage(m), ErrorFormat::Json) => {
                eprintln!("{}", serde_json::json!({"code": "usage", "message": m}));
            }
            (CliError::Runtime(m), ErrorFormat::Json) => {
                eprintln!("{}", serde_json::json!({"code": "runtime", "message": m}));
            }
        }
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        if broken_pipe(&e) {
            return CliError::Closed;
        }
        CliError::Runtime(e.to_string())
    }
}

/// Whether `e`, or an error it wraps (a CSV writer's error around the socket's, say), is a
/// closed pipe.
fn broken_pipe(e: &std::io::Error) -> bool {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = current {
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            if io.kind() == std::io::ErrorKind::BrokenPipe {
                return true;
            }
            if let Some(inner) = io.get_ref() {
                current = Some(inner);
                continue;
            }
        }
        current = err.source();
    }
    false
}
