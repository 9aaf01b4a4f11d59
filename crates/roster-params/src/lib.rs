//! The REST parameter styles of Roster's seed endpoints, parsed into one
//! [`roster_ast::Query`] plus the output options the endpoint's response needs.
//!
//! Three endpoints filter with plain request parameters rather than an expression language:
//!
//! | endpoint | module | parameters |
//! |---|---|---|
//! | `directory` (seed 000, `GET /api/v2/users/download`) | [`directory`] | per-field filters, `sort` array of `field:asc\|desc`, `_fields`, `timezone` |
//! | `admin` (seed 002, `POST /adminui/user-management/v1/users/download`) | [`admin`] | `format`, `timezone`; body `limit`, `offset`, `sortFilter {"username":"ASC"}`, `filter {"role":"READER"}` |
//! | `accounts` (seed 003, `GET /api/v3/users`) | [`accounts`] | `page`/`per`, `order_by`/`order`, `search` + `scope`, `field_list`, `timestamp_format`, `pretty`, `is_oem` + `child_organisation_key` |
//!
//! Parameters come from the query string (percent-decoded, `+` is a space) and, for every
//! endpoint, from a JSON body object as well (the seeds send them either way); a parameter
//! given twice, in one place or across both, is an error unless the endpoint takes a list.
//! Values typed as strings where numbers are expected (`"per":"2"`) are accepted. Unknown
//! parameters are errors that list the endpoint's parameters; every error names the
//! parameter, what was found and what is accepted ([`ParamsError`]).
//!
//! Like every front end this crate knows field *names* but not the schema: it emits paths,
//! literals, `contains(tolower(f), 'x')` for case-insensitive matching, `f/any(e: e eq 'x')`
//! for array membership and [`roster_ast::ExprKind::Search`] for keyword search; the checker
//! resolves and types them.
//!
//! ```
//! use roster_params::{Caller, parse};
//! let req = parse("directory", "mfa=true&sort=name:asc&tags=vpn&timezone=Asia/Kolkata", None, &Caller::default())?;
//! assert_eq!(req.query.filter.unwrap().to_string(), "mfa eq true and tags/any(e: e eq 'vpn')");
//! assert_eq!(req.query.sort[0].path.segments, ["fullname"]);
//! assert_eq!(req.time_zone.iana_name(), Some("Asia/Kolkata"));
//! # Ok::<(), roster_params::ParamsError>(())
//! ```
#![forbid(unsafe_code)]

pub mod accounts;
pub mod admin;
mod args;
mod ast;
pub mod directory;
mod error;

pub use args::{MAX_INPUT, percent_decode};
pub use error::{Origin, ParamsError, ParamsErrorKind};

/// How the `accounts` endpoint writes timestamps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TimestampFormat {
    /// Epoch seconds (`1448444349`); the default.
    #[default]
    Int,
    /// `2015/11/25 09:39:09` (UTC).
    Str,
}

/// Who is asking: the account the request is scoped to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The caller's organisation (`accounts`: users outside it are invisible unless
    /// `is_oem=true` names a child organisation).
    pub organisation_key: String,
}

impl Default for Caller {
    /// The organisation of the built-in generated data.
    fn default() -> Caller {
        Caller { organisation_key: "acme0org01".into() }
    }
}

/// A parsed request: the query, and what the response needs to be written.
#[derive(Debug, Clone)]
pub struct Request {
    /// Filter, sort, projection and page, in the common AST.
    pub query: roster_ast::Query,
    /// The zone timestamps are written in (`directory`, `admin`; UTC elsewhere).
    pub time_zone: jiff::tz::TimeZone,
    /// `accounts`: how timestamps are written.
    pub timestamp_format: TimestampFormat,
    /// `accounts`: indent the JSON.
    pub pretty: bool,
    /// `accounts`: the `page` member of the response, echoed as given (`"page": "2"` when
    /// the body said `"page":"2"`, as the seed shows), else the number.
    pub page_echo: serde_json::Value,
}

impl Request {
    fn new(query: roster_ast::Query) -> Request {
        Request {
            query,
            time_zone: jiff::tz::TimeZone::UTC,
            timestamp_format: TimestampFormat::Int,
            pretty: false,
            page_echo: serde_json::Value::from(1),
        }
    }
}

/// The profiles whose endpoints take REST parameters.
pub const PROFILES: &[&str] = &["directory", "admin", "accounts"];

/// Parses the parameters of `profile`'s endpoint: a query string (with or without the
/// leading `?`) and an optional JSON body.
pub fn parse(profile: &str, query: &str, body: Option<&str>, caller: &Caller) -> Result<Request, ParamsError> {
    match profile {
        "directory" => directory::parse(query, body),
        "admin" => admin::parse(query, body),
        "accounts" => accounts::parse(query, body, caller),
        other => Err(ParamsError::new(
            "profile",
            ParamsErrorKind::InvalidValue {
                found: other.to_owned(),
                expected: format!("a profile with REST parameters: {}", PROFILES.join(", ")),
                suggestion: args::closest(other, PROFILES.iter().copied()),
            },
            Origin::Request,
        )),
    }
}
