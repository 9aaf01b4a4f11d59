//! `directory` (seed 000, `GET /api/v2/users/download`): every user matching the filters,
//! as CSV in the requested zone.
//!
//! | parameter | meaning |
//! |---|---|
//! | `name`, `loginName`, `mail` | the text occurs in `fullname`, `userid`, `email`, ignoring ASCII case; empty is no filter |
//! | `accountStatus` | one or more of `Enabled`, `Disabled`, `Enabled*`, `Disabled*` (case-sensitive; repeated, comma-separated or a JSON array): any of them |
//! | `mfa`, `emailVerified` | `true` or `false` exactly |
//! | `orgId`, `siteId` | equal to the text (exact) |
//! | `groupName` | the user is in that group (exact) |
//! | `lastLoggedIn` | `Never`: never logged in |
//! | `lastLoggedInFromDate`/`ToDate`, `passwordExpiryFromDate`/`ToDate`, `scheduleAccessExpiryFromDate`/`ToDate` | inclusive bounds on `lastloggedin`, `passwordexpiry`, `scheduleaccessend`; a From after its To is an error; a null date is outside every bound |
//! | `tags` | the user carries every tag given (repeated, comma-separated or a JSON array) |
//! | `sort` | `field:asc\|desc` items, repeated, comma-separated or a JSON array; the field defaults to `whenCreated`, the direction to `DESC` (either case); fields `name`, `loginName`, `lastLoggedIn`, `pwdExpiryDays` (sorts as the expiry date), `whenCreated`, `whenChanged`, `scheduleAccessEndDate`; default `whenCreated:DESC` |
//! | `_fields` | the CSV columns, among the seed's 17 (repeated, comma-separated or a JSON array); default all, in the seed's order |
//! | `timezone` | IANA zone of the CSV's timestamps; default `UTC` |
//!
//! Several parameters combine with `and`. Every matching user is returned (no paging).

use roster_ast::{CmpOp, Direction, Literal, Page, Path, Projection, Query, SortKey};

use crate::Request;
use crate::args::{Arg, Args, closest, time_zone};
use crate::ast;
use crate::error::{ParamsError, ParamsErrorKind};

/// The endpoint's parameters.
pub const PARAMETERS: &[&str] = &[
    "timezone",
    "name",
    "loginName",
    "mail",
    "accountStatus",
    "mfa",
    "emailVerified",
    "orgId",
    "groupName",
    "sort",
    "lastLoggedIn",
    "lastLoggedInFromDate",
    "lastLoggedInToDate",
    "passwordExpiryFromDate",
    "passwordExpiryToDate",
    "scheduleAccessExpiryFromDate",
    "scheduleAccessExpiryToDate",
    "tags",
    "siteId",
    "_fields",
];

/// The `accountStatus` values.
pub const STATUSES: &[&str] = &["Enabled", "Disabled", "Enabled*", "Disabled*"];

/// `sort` field names and the fields they sort by.
pub const SORT_FIELDS: &[(&str, &str)] = &[
    ("name", "fullname"),
    ("loginName", "userid"),
    ("lastLoggedIn", "lastloggedin"),
    ("pwdExpiryDays", "passwordexpiry"),
    ("whenCreated", "createdat"),
    ("whenChanged", "whenchanged"),
    ("scheduleAccessEndDate", "scheduleaccessend"),
];

/// The `_fields` names: the CSV columns, in their default order.
pub const FIELDS: &[&str] = &[
    "firstname",
    "lastname",
    "fullname",
    "userid",
    "email",
    "status",
    "lastloggedin",
    "passwordexpiry",
    "phone",
    "authdomain",
    "mfa",
    "emailverified",
    "createdat",
    "scheduleaccessstart",
    "scheduleaccessend",
    "scheduleaccesstimezone",
    "tags",
];

fn backticked(items: impl IntoIterator<Item = impl AsRef<str>>) -> String {
    items.into_iter().map(|s| format!("`{}`", s.as_ref())).collect::<Vec<_>>().join(", ")
}

/// Parses the endpoint's parameters.
pub fn parse(query: &str, body: Option<&str>) -> Result<Request, ParamsError> {
    let mut args = Args::collect(query, body, PARAMETERS)?;
    let zone = time_zone(args.one("timezone")?.as_ref())?;
    let mut filters = Vec::new();
    for (param, field) in [("name", "fullname"), ("loginName", "userid"), ("mail", "email")] {
        if let Some(arg) = args.one(param)? {
            let text = arg.text()?;
            if !text.is_empty() {
                filters.push(ast::contains_ci(field, &text, arg.span()));
            }
        }
    }
    let statuses = args.all("accountStatus");
    if let Some(first) = statuses.first() {
        let mut values: Vec<String> = Vec::new();
        for arg in &statuses {
            for v in arg.list()? {
                if !STATUSES.contains(&v.as_str()) {
                    let suggestion = closest(&v, STATUSES.iter().copied());
                    return Err(arg.invalid_part(
                        &v,
                        format!("one of {} (case-sensitive)", backticked(STATUSES)),
                        suggestion,
                    ));
                }
                if !values.contains(&v) {
                    values.push(v);
                }
            }
        }
        if !values.is_empty() {
            filters.push(ast::in_list("status", &values, first.span()));
        }
    }
    for (param, field) in [("mfa", "mfa"), ("emailVerified", "emailverified")] {
        if let Some(arg) = args.one(param)? {
            filters.push(ast::cmp(CmpOp::Eq, field, Literal::Bool(arg.boolean()?), arg.span()));
        }
    }
    if let Some(arg) = args.one("orgId")? {
        filters.push(ast::cmp(CmpOp::Eq, "orgid", Literal::String(arg.text()?), arg.span()));
    }
    if let Some(arg) = args.one("groupName")? {
        filters.push(ast::has_element("groups", &arg.text()?, arg.span()));
    }
    let never = args.one("lastLoggedIn")?;
    if let Some(arg) = &never {
        if arg.text()? != "Never" {
            return Err(arg.invalid("`Never` (users who never logged in)", None));
        }
        filters.push(ast::cmp(CmpOp::Eq, "lastloggedin", Literal::Null, arg.span()));
    }
    for (from, to, field) in [
        ("lastLoggedInFromDate", "lastLoggedInToDate", "lastloggedin"),
        ("passwordExpiryFromDate", "passwordExpiryToDate", "passwordexpiry"),
        ("scheduleAccessExpiryFromDate", "scheduleAccessExpiryToDate", "scheduleaccessend"),
    ] {
        let lo = args.one(from)?;
        let hi = args.one(to)?;
        if let (Some(n), Some(bound)) = (&never, lo.as_ref().or(hi.as_ref()))
            && field == "lastloggedin"
        {
            return Err(ParamsError::new(
                &bound.name,
                ParamsErrorKind::Conflict {
                    other: n.name.clone(),
                    reason: "`lastLoggedIn=Never` selects users without a login date, so no login date bound can hold"
                        .into(),
                },
                bound.origin.clone(),
            ));
        }
        let lo_t = lo.as_ref().map(Arg::timestamp).transpose()?;
        let hi_t = hi.as_ref().map(Arg::timestamp).transpose()?;
        if let (Some(a), Some(b), Some(lo_arg)) = (lo_t, hi_t, &lo)
            && a > b
        {
            return Err(ParamsError::new(
                from,
                ParamsErrorKind::Conflict {
                    other: to.into(),
                    reason: format!("the range starts at {a}, after its end {b}"),
                },
                lo_arg.origin.clone(),
            ));
        }
        if let (Some(t), Some(arg)) = (lo_t, &lo) {
            filters.push(ast::cmp(CmpOp::Ge, field, Literal::DateTime(t), arg.span()));
        }
        if let (Some(t), Some(arg)) = (hi_t, &hi) {
            filters.push(ast::cmp(CmpOp::Le, field, Literal::DateTime(t), arg.span()));
        }
    }
    for arg in args.all("tags") {
        for tag in arg.list()? {
            filters.push(ast::has_element("tags", &tag, arg.span()));
        }
    }
    if let Some(arg) = args.one("siteId")? {
        filters.push(ast::cmp(CmpOp::Eq, "siteid", Literal::String(arg.text()?), arg.span()));
    }
    let sort = sort(args.all("sort"))?;
    let projection = fields(args.all("_fields"))?;
    let query = Query { filter: ast::junction(filters, true), sort, projection, page: Page::default() };
    let mut req = Request::new(query);
    req.time_zone = zone;
    Ok(req)
}

/// One `sort` item: `field:dir`, `field` or `:dir`.
fn sort_key(arg: &Arg, item: &str) -> Result<(&'static str, Direction), ParamsError> {
    let (name, dir) = match item.rsplit_once(':') {
        Some((n, d)) => (n.trim(), Some(d.trim())),
        None => (item.trim(), None),
    };
    let field = if name.is_empty() {
        "createdat"
    } else {
        match SORT_FIELDS.iter().find(|(n, _)| *n == name) {
            Some((_, f)) => f,
            None => {
                let names = SORT_FIELDS.iter().map(|(n, _)| *n);
                let suggestion = closest(name, names.clone());
                return Err(arg.invalid_part(name, format!("a sort field: one of {}", backticked(names)), suggestion));
            }
        }
    };
    let direction = match dir {
        None | Some("") => Direction::Desc,
        Some(d) if d.eq_ignore_ascii_case("asc") => Direction::Asc,
        Some(d) if d.eq_ignore_ascii_case("desc") => Direction::Desc,
        Some(d) => return Err(arg.invalid_part(d, "a sort direction: `asc` or `desc`", None)),
    };
    Ok((field, direction))
}

fn sort(args: Vec<Arg>) -> Result<Vec<SortKey>, ParamsError> {
    let mut keys: Vec<SortKey> = Vec::new();
    for arg in &args {
        for item in arg.list()? {
            let (field, direction) = sort_key(arg, &item)?;
            if keys.iter().any(|k| k.path.segments[0] == field) {
                return Err(arg.invalid_part(&item, "each sort field at most once", None));
            }
            keys.push(SortKey { path: Path::single(field, arg.span()), direction, span: arg.span() });
        }
    }
    if keys.is_empty() {
        keys.push(SortKey {
            path: Path::single("createdat", Default::default()),
            direction: Direction::Desc,
            span: Default::default(),
        });
    }
    Ok(keys)
}

fn fields(args: Vec<Arg>) -> Result<Option<Projection>, ParamsError> {
    let mut paths: Vec<Path> = Vec::new();
    for arg in &args {
        for name in arg.list()? {
            if !FIELDS.contains(&name.as_str()) {
                let suggestion = closest(&name, FIELDS.iter().copied());
                return Err(arg.invalid_part(
                    &name,
                    format!("CSV field names among {}", backticked(FIELDS)),
                    suggestion,
                ));
            }
            if !paths.iter().any(|p| p.segments[0] == name) {
                paths.push(Path::single(name, arg.span()));
            }
        }
    }
    Ok((!paths.is_empty()).then_some(Projection::Include(paths)))
}
