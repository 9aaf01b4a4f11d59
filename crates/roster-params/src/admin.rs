//! `admin` (seed 002, `POST /adminui/user-management/v1/users/download`): one page of users
//! as CSV, at most 1000 per download.
//!
//! | parameter | meaning |
//! |---|---|
//! | `format` | `CSV` (either case), the default and the only format |
//! | `timezone` | IANA zone of the preamble's generation time; default `UTC` |
//! | `limit` | records in this download, 1 to 1000; default 1000 |
//! | `offset` | records to skip first; default 0 |
//! | `sortFilter` | an object of sortable fields to `ASC`/`DESC` (either case), most significant first: `{"username":"ASC"}`; fields `username`, `firstName`, `lastName`, `email`, `status`, `externalId`, `superUser`, `samlStatus`; default `{"username":"ASC"}` |
//! | `filter` | an object; its one member `role` is a role or several, comma-separated or a JSON array: users holding any of them (exact match) |
//!
//! The seed sends `format` and `timezone` in the query string and the rest in the JSON
//! body; either place is accepted for each.

use roster_ast::{Direction, Page, Path, Query, SortKey};
use serde_json::Value as Json;

use crate::Request;
use crate::args::{Args, closest, time_zone};
use crate::ast;
use crate::error::ParamsError;

/// The endpoint's parameters.
pub const PARAMETERS: &[&str] = &["format", "timezone", "limit", "offset", "sortFilter", "filter"];
/// The most records one download holds.
pub const MAX_RECORDS: u64 = 1000;
/// The fields `sortFilter` accepts.
pub const SORT_FIELDS: &[&str] =
    &["username", "firstName", "lastName", "email", "status", "externalId", "superUser", "samlStatus"];
/// The members `filter` accepts.
pub const FILTERS: &[&str] = &["role"];

/// Parses the endpoint's parameters.
pub fn parse(query: &str, body: Option<&str>) -> Result<Request, ParamsError> {
    let mut args = Args::collect(query, body, PARAMETERS)?;
    if let Some(arg) = args.one("format")? {
        arg.choice_ci(&["CSV"])?;
    }
    let zone = time_zone(args.one("timezone")?.as_ref())?;
    let limit = args.one("limit")?.map(|a| a.int(1, MAX_RECORDS)).transpose()?.unwrap_or(MAX_RECORDS);
    let offset = args.one("offset")?.map(|a| a.int(0, i64::MAX as u64)).transpose()?.unwrap_or(0);
    let mut sort: Vec<SortKey> = Vec::new();
    if let Some(arg) = args.one("sortFilter")? {
        for (key, value) in arg.object()? {
            let member = arg.member(&key, value.clone());
            if !SORT_FIELDS.contains(&key.as_str()) {
                let suggestion = closest(&key, SORT_FIELDS.iter().copied());
                let list: Vec<String> = SORT_FIELDS.iter().map(|f| format!("`{f}`")).collect();
                return Err(member.invalid_part(&key, format!("a sort field: one of {}", list.join(", ")), suggestion));
            }
            let direction = match member.choice_ci(&["ASC", "DESC"])? {
                0 => Direction::Asc,
                _ => Direction::Desc,
            };
            sort.push(SortKey { path: Path::single(key, member.span()), direction, span: member.span() });
        }
    }
    if sort.is_empty() {
        sort.push(SortKey {
            path: Path::single("username", Default::default()),
            direction: Direction::Asc,
            span: Default::default(),
        });
    }
    let mut filter = None;
    if let Some(arg) = args.one("filter")? {
        for (key, value) in arg.object()? {
            let member = arg.member(&key, value);
            if key != "role" {
                return Err(member.invalid_part(&key, "a filter on `role`", closest(&key, FILTERS.iter().copied())));
            }
            let roles = match &member.raw {
                crate::args::Raw::Json(Json::Null) => Vec::new(),
                _ => member.list()?,
            };
            let tests: Vec<_> = roles.iter().map(|r| ast::has_element("roles", r, member.span())).collect();
            if tests.is_empty() {
                return Err(member.invalid("one or more roles, e.g. `READER` or `READER, SCANNER`", None));
            }
            filter = ast::junction(tests, false);
        }
    }
    let query = Query { filter, sort, projection: None, page: Page { limit: Some(limit), offset } };
    let mut req = Request::new(query);
    req.time_zone = zone;
    Ok(req)
}
