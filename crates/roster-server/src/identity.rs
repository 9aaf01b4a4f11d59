//! `GET /identity/v1/users` (seed 001): OData `filter`, `limit` 1..600 (default 300),
//! `offset` = pages to skip; answers `{offset, count, total, items}`.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use roster_ast::{Diagnostic, Page, Query};
use serde_json::json;

use crate::AppState;
use crate::error::ApiError;
use crate::openapi::{EndpointDoc, ParamDoc};

/// The path.
pub const PATH: &str = "/identity/v1/users";
/// The largest page.
pub const MAX_LIMIT: u64 = 600;
/// The default page.
pub const DEFAULT_LIMIT: u64 = 300;
/// The largest `offset` (pages), so that `offset × limit` rows always fits.
pub const MAX_OFFSET: u64 = 1 << 40;
const PARAMS: [&str; 3] = ["filter", "limit", "offset"];

/// Its documentation, from which `/openapi.json` is built.
pub fn doc() -> EndpointDoc {
    EndpointDoc {
        method: "get",
        path: PATH,
        summary: "Get users",
        description: "Retrieve list of users with filtering, and pagination options. All users are returned when no \
                      filters are provided. Requires the users:view_all permission. Rate limit: 300 requests per \
                      minute per workspace (429 with Retry-After).",
        security: "bearer",
        params: vec![
            ParamDoc::query(
                "filter",
                "string",
                "An OData 4.01 $filter expression over id, username, userStatus, createdAt, updatedAt, lastLogin.",
                json!(""),
            ),
            ParamDoc::query_int(
                "limit",
                "Maximum number of entries per page.",
                1,
                Some(MAX_LIMIT as i64),
                DEFAULT_LIMIT as i64,
            ),
            ParamDoc::query_int("offset", "How many pages to skip.", 0, Some(MAX_OFFSET as i64), 0),
        ],
        responses: vec![
            (
                200,
                "Successful Response",
                Some(json!({
                    "type": "object",
                    "required": ["offset", "count", "total", "items"],
                    "properties": {
                        "offset": {"type": "integer"}, "count": {"type": "integer"}, "total": {"type": "integer"},
                        "items": {"type": "array", "items": {"type": "object", "properties": {
                            "id": {"type": "string", "format": "uuid"},
                            "username": {"type": "string"},
                            "userStatus": {"type": "string", "enum": roster_schema::profiles::identity::STATUSES},
                            "createdAt": {"type": "string", "format": "date-time"},
                            "updatedAt": {"type": "string", "format": "date-time"},
                            "lastLogin": {"type": ["string", "null"], "format": "date-time"}
                        }}}
                    }
                })),
            ),
            (400, "Bad Request (filter syntax)", None),
            (401, "Unauthorized", None),
            (403, "Forbidden", None),
            (422, "Unprocessable Entity", None),
            (429, "Too Many Requests", None),
            (500, "Internal Server Error", None),
        ],
        ok_type: "application/json",
    }
}

/// Parses the query string into (filter, limit, offset); unknown and repeated parameters are
/// errors, so a typo never silently widens the answer.
fn params(raw: Option<&str>) -> Result<(String, u64, u64), ApiError> {
    let (mut filter, mut limit, mut offset) = (None, None, None);
    for (k, v) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        let slot = match k.as_ref() {
            "filter" => &mut filter,
            "limit" => &mut limit,
            "offset" => &mut offset,
            other => {
                return Err(ApiError::param(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    other,
                    format!("unknown query parameter `{other}`; the parameters are {}", PARAMS.join(", ")),
                    "unknown-parameter",
                ));
            }
        };
        if slot.is_some() {
            return Err(ApiError::param(
                StatusCode::UNPROCESSABLE_ENTITY,
                &k,
                format!("`{k}` is given more than once"),
                "duplicate-parameter",
            ));
        }
        *slot = Some(v.into_owned());
    }
    let int = |name: &str, v: Option<String>, default: u64, min: u64, max: Option<u64>| -> Result<u64, ApiError> {
        let Some(v) = v else { return Ok(default) };
        let range = match max {
            Some(max) => format!("an integer from {min} to {max}"),
            None => format!("an integer of at least {min}"),
        };
        match v.trim().parse::<u64>() {
            Ok(n) if n >= min && max.is_none_or(|m| n <= m) => Ok(n),
            _ => Err(ApiError::param(
                StatusCode::UNPROCESSABLE_ENTITY,
                name,
                format!("`{name}` must be {range}, found `{v}`"),
                "out-of-range",
            )),
        }
    };
    let limit = int("limit", limit, DEFAULT_LIMIT, 1, Some(MAX_LIMIT))?;
    let offset = int("offset", offset, 0, 0, Some(MAX_OFFSET))?;
    Ok((filter.unwrap_or_default(), limit, offset))
}

/// The handler.
pub async fn handler(State(st): State<Arc<AppState>>, headers: HeaderMap, RawQuery(raw): RawQuery) -> Response {
    match run(&st, &headers, raw.as_deref()).await {
        Ok(body) => axum::Json(body).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn run(st: &Arc<AppState>, headers: &HeaderMap, raw: Option<&str>) -> Result<serde_json::Value, ApiError> {
    let caller = st.bearer(headers)?;
    if !caller.principal.permissions.iter().any(|p| p == crate::config::VIEW_ALL) {
        return Err(ApiError::plain(StatusCode::FORBIDDEN, "The users:view_all permission is required"));
    }
    st.rate_limit(&caller)?;
    let (filter_text, limit, offset) = params(raw)?;
    let profile = st.profile("identity")?;
    let schema = caller.schema_for(&profile.schema, "identity");
    let filter = if filter_text.trim().is_empty() {
        None
    } else {
        Some(
            roster_odata::parse_filter(&filter_text)
                .map_err(|e| ApiError::diagnostics(StatusCode::BAD_REQUEST, "filter", &[&e as &dyn Diagnostic]))?,
        )
    };
    let query =
        Query { filter, sort: Vec::new(), projection: None, page: Page { limit: Some(limit), offset: offset * limit } };
    let mut typed = roster_check::check(&query, &schema).map_err(|errors| {
        let refs: Vec<&dyn Diagnostic> = errors.iter().map(|e| e as &dyn Diagnostic).collect();
        ApiError::diagnostics(StatusCode::UNPROCESSABLE_ENTITY, "filter", &refs)
    })?;
    if let Some(scope) = caller.scope("identity", &profile.schema)? {
        scope.apply(&mut typed);
    }
    let st2 = Arc::clone(st);
    let typed2 = typed.clone();
    let full = profile.schema.clone();
    let (rows, total) = tokio::task::spawn_blocking(move || st2.store.run(&full, &typed2))
        .await
        .map_err(|e| ApiError::internal(&e.to_string()))?
        .map_err(|e| ApiError::internal(&e))?;
    let items: Vec<serde_json::Value> = rows
        .iter()
        .map(|r| serde_json::Value::Object(roster_schema::encode_record(&profile.schema, r, &typed.projection)))
        .collect();
    Ok(json!({ "offset": offset, "count": items.len(), "total": total, "items": items }))
}
