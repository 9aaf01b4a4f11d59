//! `accounts` (seed 003, `GET /api/v3/users`): a page of users as `{total_count, page,
//! users}`.
//!
//! | parameter | meaning |
//! |---|---|
//! | `page` | page number from 1; default 1 |
//! | `per` | users per page, 1 to 500; default 20 |
//! | `order_by` | the sort field (any returned field but the arrays); default `created_at` |
//! | `order` | `asc` (default) or `desc`, either case |
//! | `search` | keywords separated by white space; each matches when it occurs, ignoring ASCII case, in `user_key`, `first_name`, `last_name`, an element of `tags` or of `user_defined_properties` |
//! | `scope` | `all` (default: every keyword matches) or `any` |
//! | `timestamp_format` | `int` (epoch seconds, default) or `str` (`2015/11/25 09:39:09`, UTC) for `created_at`/`updated_at` |
//! | `pretty` | `true` or `false` (default): indent the JSON |
//! | `field_list` | the returned fields (a JSON array, or comma-separated); default the seed's fifteen |
//! | `is_oem` | `true`: list the users of the child account `child_organisation_key` (then required) instead of the caller's |
//! | `child_organisation_key` | see `is_oem` |
//!
//! Every request is scoped to one organisation: the caller's, or the child's with `is_oem`.

use roster_ast::{CmpOp, Direction, Expr, ExprKind, Literal, Page, Path, Projection, Query, SearchScope, SortKey};

use crate::args::{Args, Raw, closest};
use crate::ast;
use crate::error::{Origin, ParamsError, ParamsErrorKind};
use crate::{Caller, Request, TimestampFormat};

/// The endpoint's parameters.
pub const PARAMETERS: &[&str] = &[
    "page",
    "per",
    "order_by",
    "order",
    "search",
    "scope",
    "timestamp_format",
    "pretty",
    "field_list",
    "is_oem",
    "child_organisation_key",
];
/// The largest `per`.
pub const MAX_PER: u64 = 500;
/// The fields returned by default, in the seed's order.
pub const DEFAULT_FIELDS: &[&str] = &[
    "address",
    "city",
    "confirmed_at",
    "country",
    "email",
    "first_name",
    "last_name",
    "phone",
    "role",
    "time_zone",
    "user_key",
    "created_at",
    "updated_at",
    "role_name",
    "role_key",
];
/// Fields returned only when `field_list` asks for them.
pub const EXTRA_FIELDS: &[&str] = &["tags", "user_defined_properties"];

fn all_fields() -> impl Iterator<Item = &'static str> + Clone {
    DEFAULT_FIELDS.iter().chain(EXTRA_FIELDS).copied()
}

fn backticked(items: impl IntoIterator<Item = impl AsRef<str>>) -> String {
    items.into_iter().map(|s| format!("`{}`", s.as_ref())).collect::<Vec<_>>().join(", ")
}

/// Parses the endpoint's parameters for `caller`.
pub fn parse(query: &str, body: Option<&str>, caller: &Caller) -> Result<Request, ParamsError> {
    let mut args = Args::collect(query, body, PARAMETERS)?;
    let page_arg = args.one("page")?;
    let page = page_arg.as_ref().map(|a| a.int(1, u32::MAX.into())).transpose()?.unwrap_or(1);
    let per = args.one("per")?.map(|a| a.int(1, MAX_PER)).transpose()?.unwrap_or(20);
    let page_echo = match page_arg.as_ref().map(|a| &a.raw) {
        Some(Raw::Json(serde_json::Value::String(s))) => serde_json::Value::String(s.clone()),
        _ => serde_json::Value::from(page),
    };
    let order_by = args.one("order_by")?;
    let field = match &order_by {
        Some(arg) => {
            let name = arg.text()?;
            if !DEFAULT_FIELDS.contains(&name.as_str()) {
                let suggestion = closest(&name, DEFAULT_FIELDS.iter().copied());
                return Err(arg.invalid(format!("a sort field: one of {}", backticked(DEFAULT_FIELDS)), suggestion));
            }
            (name, arg.span())
        }
        None => ("created_at".to_owned(), Default::default()),
    };
    let direction = match args.one("order")? {
        Some(arg) => match arg.choice_ci(&["asc", "desc"])? {
            0 => Direction::Asc,
            _ => Direction::Desc,
        },
        None => Direction::Asc,
    };
    let sort = vec![SortKey { path: Path::single(field.0, field.1), direction, span: field.1 }];

    let mut filters = Vec::new();
    let is_oem = args.one("is_oem")?;
    let child = args.one("child_organisation_key")?;
    let oem = is_oem.as_ref().map(|a| a.boolean()).transpose()?.unwrap_or(false);
    let organisation = match (oem, &child) {
        (true, Some(c)) => {
            let key = c.text()?;
            if key.trim().is_empty() {
                return Err(c.invalid("the key of a child organisation", None));
            }
            (key, c.span())
        }
        (true, None) => {
            return Err(ParamsError::new(
                "child_organisation_key",
                ParamsErrorKind::Missing {
                    reason: "`is_oem=true` lists the users of a child organisation; name it".into(),
                },
                is_oem.map_or(Origin::Request, |a| a.origin),
            ));
        }
        (false, Some(c)) => {
            return Err(ParamsError::new(
                &c.name,
                ParamsErrorKind::Conflict {
                    other: "is_oem".into(),
                    reason: "a child organisation is only listed with `is_oem=true`".into(),
                },
                c.origin.clone(),
            ));
        }
        (false, None) => (caller.organisation_key.clone(), Default::default()),
    };
    filters.push(ast::cmp(CmpOp::Eq, "organisation_key", Literal::String(organisation.0), organisation.1));

    let scope = match args.one("scope")? {
        Some(arg) => match arg.choice_ci(&["all", "any"])? {
            0 => SearchScope::All,
            _ => SearchScope::Any,
        },
        None => SearchScope::All,
    };
    if let Some(arg) = args.one("search")? {
        let keywords: Vec<String> = arg.text()?.split_whitespace().map(str::to_owned).collect();
        if !keywords.is_empty() {
            filters.push(Expr::new(ExprKind::Search { keywords, scope, fields: None }, arg.span()));
        }
    }

    let timestamp_format = match args.one("timestamp_format")? {
        Some(arg) => match arg.choice_ci(&["int", "str"])? {
            0 => TimestampFormat::Int,
            _ => TimestampFormat::Str,
        },
        None => TimestampFormat::Int,
    };
    let pretty = args.one("pretty")?.map(|a| a.boolean()).transpose()?.unwrap_or(false);
    let mut fields: Vec<Path> = Vec::new();
    if let Some(arg) = args.one("field_list")? {
        for name in arg.list()? {
            if !all_fields().any(|f| f == name) {
                let suggestion = closest(&name, all_fields());
                return Err(arg.invalid_part(
                    &name,
                    format!("field names among {}", backticked(all_fields())),
                    suggestion,
                ));
            }
            if !fields.iter().any(|p| p.segments[0] == name) {
                fields.push(Path::single(name, arg.span()));
            }
        }
    }
    if fields.is_empty() {
        fields = DEFAULT_FIELDS.iter().map(|f| Path::single(*f, Default::default())).collect();
    }
    let offset = (page - 1).checked_mul(per).ok_or_else(|| {
        ParamsError::new(
            "page",
            ParamsErrorKind::InvalidValue {
                found: page.to_string(),
                expected: "a page whose first user is within range".into(),
                suggestion: None,
            },
            Origin::Request,
        )
    })?;
    let query = Query {
        filter: ast::junction(filters, true),
        sort,
        projection: Some(Projection::Include(fields)),
        page: Page { limit: Some(per), offset },
    };
    let mut req = Request::new(query);
    req.timestamp_format = timestamp_format;
    req.pretty = pretty;
    req.page_echo = page_echo;
    Ok(req)
}
