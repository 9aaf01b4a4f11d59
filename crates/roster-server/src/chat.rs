//! `GET /api/v1/users.list` (seed 004, profile `chat`): Mongo-style `query`, `fields` and
//! `sort` JSON documents with MongoDB's semantics, `count` and `offset`, answered from the
//! document tables of the store (`roster_sql::document`).
//!
//! Decisions where the seed is silent:
//!
//! - **Auth**: `X-Auth-Token` names the principal (compared in constant time); `X-User-Id`
//!   must be present and non-empty. Either missing or a wrong token is the seed's 401 body
//!   `{"status": "error", "message": "You must be logged in to do this."}`. Without the
//!   `users:view_all` permission: 403.
//! - **Other errors** use the failure shape of the API the seed documents:
//!   `{"success": false, "error": message, "errorType": code}`, plus `param`, and for a JSON
//!   document the byte `span` in it, the JSON `pointer` and a `help` when there is one.
//!   Unknown or repeated parameters are errors (a typo is never ignored).
//! - **Paging**: `count` 1..=1000, default 50; `offset` ≥ 0, default 0. The answer's `count`
//!   is the number of users returned, `total` the number matching.
//! - **Scope and hidden fields**: a principal's `scopes.chat` is a Mongo query ANDed into
//!   every request after checking; `hidden_fields.chat` names top-level fields the principal
//!   can neither filter, sort nor project on (400), and that are removed from every answer.

use std::sync::{Arc, LazyLock};

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use roster_ast::{Diagnostic, Expr, ExprKind, Page, Path, Projection, Query};
use roster_check::document::{DocPred, DocQuery, check_document};
use roster_schema::document::{DocSchema, encode_doc};
use serde_json::{Value as Json, json};

use crate::error::ApiError;
use crate::openapi::{EndpointDoc, ParamDoc};
use crate::{AppState, Caller};

/// The path.
pub const PATH: &str = "/api/v1/users.list";
/// The profile name (access-file key).
pub const PROFILE: &str = "chat";
/// The parameters.
pub const PARAMETERS: &[&str] = &["query", "fields", "sort", "count", "offset"];
/// `count` when not given.
pub const DEFAULT_COUNT: u64 = 50;
/// The largest `count`.
pub const MAX_COUNT: u64 = 1000;

/// The chat schema, built once.
pub static SCHEMA: LazyLock<DocSchema> = LazyLock::new(roster_schema::profiles::chat::schema);

fn failure(status: StatusCode, message: String, code: &str, extra: Json) -> ApiError {
    let mut body = json!({ "success": false, "error": message, "errorType": code });
    if let (Some(obj), Some(more)) = (body.as_object_mut(), extra.as_object()) {
        obj.extend(more.clone());
    }
    ApiError { status, body, retry_after: None }
}

fn not_logged_in() -> ApiError {
    ApiError {
        status: StatusCode::UNAUTHORIZED,
        body: json!({ "status": "error", "message": "You must be logged in to do this." }),
        retry_after: None,
    }
}

fn bad_param(param: &str, message: String, code: &str) -> ApiError {
    failure(StatusCode::BAD_REQUEST, message, code, json!({ "param": param }))
}

/// A 400 for diagnostics about one JSON parameter.
fn diagnostics(param: &str, errors: &[&dyn Diagnostic], pointer: Option<&str>) -> ApiError {
    let message = errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ");
    let first = errors.first();
    let mut extra = json!({ "param": param });
    if let (Some(e), Some(obj)) = (first, extra.as_object_mut()) {
        obj.insert("span".into(), json!({ "start": e.span().start, "end": e.span().end }));
        if let Some(help) = e.help() {
            obj.insert("help".into(), json!(help));
        }
        if let Some(p) = pointer {
            obj.insert("pointer".into(), json!(p));
        }
    }
    failure(StatusCode::BAD_REQUEST, message, first.map_or("invalid", |e| e.code()), extra)
}

fn caller<'a>(st: &'a AppState, headers: &HeaderMap) -> Result<Caller<'a>, ApiError> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim).filter(|v| !v.is_empty());
    let (Some(token), Some(_user)) = (header("x-auth-token"), header("x-user-id")) else {
        return Err(not_logged_in());
    };
    st.access.authenticate(token).map(|principal| Caller { principal }).ok_or_else(not_logged_in)
}

/// The request's parameters.
#[derive(Debug, Default)]
struct Params {
    query: Option<String>,
    fields: Option<String>,
    sort: Option<String>,
    count: Option<String>,
    offset: Option<String>,
}

fn params(raw: &str) -> Result<Params, ApiError> {
    if raw.len() > roster_params::MAX_INPUT {
        return Err(bad_param(
            "query string",
            format!("the query string is longer than {} bytes", roster_params::MAX_INPUT),
            "too-long",
        ));
    }
    let mut p = Params::default();
    for piece in raw.split('&').filter(|s| !s.is_empty()) {
        let (name, value) = piece.split_once('=').unwrap_or((piece, ""));
        let bad = |what: &str| {
            bad_param(name, format!("`{name}`: malformed percent-encoding or invalid UTF-8 in the {what}"), "syntax")
        };
        let name = roster_params::percent_decode(name).ok_or_else(|| bad("name"))?;
        let value = roster_params::percent_decode(value).ok_or_else(|| bad("value"))?;
        let slot = match name.as_str() {
            "query" => &mut p.query,
            "fields" => &mut p.fields,
            "sort" => &mut p.sort,
            "count" => &mut p.count,
            "offset" => &mut p.offset,
            _ => {
                return Err(bad_param(
                    &name,
                    format!("unknown parameter `{name}`; the parameters are {}", PARAMETERS.join(", ")),
                    "unknown-parameter",
                ));
            }
        };
        if slot.is_some() {
            return Err(bad_param(&name, format!("`{name}` is given twice"), "repeated-parameter"));
        }
        *slot = Some(value);
    }
    Ok(p)
}

fn integer(name: &str, text: Option<&str>, min: u64, max: u64, default: u64) -> Result<u64, ApiError> {
    let Some(text) = text else { return Ok(default) };
    match text.trim().parse::<u64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(bad_param(
            name,
            format!("`{name}` must be an integer from {min} to {max}, found `{text}`"),
            "out-of-range",
        )),
    }
}

/// The top-level field names an expression mentions.
fn mentioned(e: &Expr, out: &mut Vec<String>) {
    let mut stack = vec![e];
    while let Some(e) = stack.pop() {
        let path = match &e.kind {
            ExprKind::Path { path } | ExprKind::Exists { path, .. } | ExprKind::Quantified { path, .. } => Some(path),
            _ => None,
        };
        if let Some(first) = path.and_then(|p| p.segments.first()) {
            out.push(first.clone());
        }
        stack.extend(e.children());
    }
}

fn first_segments(paths: &[Path]) -> impl Iterator<Item = String> + '_ {
    paths.iter().filter_map(|p| p.segments.first().cloned())
}

/// Parses and checks the request into a document query, the caller's scope ANDed in.
fn build(p: &Params, hidden: &[String], scope: Option<&str>) -> Result<DocQuery, ApiError> {
    let opts = roster_mongo::Options { id_field: Some("_id".into()), ..roster_mongo::Options::default() };
    let mongo = |param: &str, e: roster_mongo::MongoError| {
        let pointer = e.pointer.clone();
        diagnostics(param, &[&e], Some(&pointer))
    };
    let roster_mongo::Documents { filter, sort, projection } =
        roster_mongo::parse_documents(p.query.as_deref(), p.sort.as_deref(), p.fields.as_deref(), &opts).map_err(
            |(part, e)| {
                let param = match part {
                    roster_mongo::Part::Query => "query",
                    roster_mongo::Part::Sort => "sort",
                    roster_mongo::Part::Fields => "fields",
                };
                mongo(param, e)
            },
        )?;
    let count = integer("count", p.count.as_deref(), 1, MAX_COUNT, DEFAULT_COUNT)?;
    let offset = integer("offset", p.offset.as_deref(), 0, u64::MAX, 0)?;
    if !hidden.is_empty() {
        let mut names = Vec::new();
        if let Some(f) = &filter {
            mentioned(f, &mut names);
        }
        let mut uses = vec![("query", names)];
        uses.push(("sort", sort.iter().filter_map(|k| k.path.segments.first().cloned()).collect()));
        if let Some(Projection::Include(paths) | Projection::Exclude(paths)) = &projection {
            uses.push(("fields", first_segments(paths).collect()));
        }
        for (param, names) in uses {
            if let Some(name) = names.iter().find(|n| hidden.contains(n)) {
                return Err(bad_param(
                    param,
                    format!("field `{name}` is not available to this caller"),
                    "hidden-field",
                ));
            }
        }
    }
    let query = Query { filter, sort, projection, page: Page { limit: Some(count), offset } };
    let check = |param: &str, q: &Query| {
        check_document(q, &SCHEMA).map_err(|errors| {
            let errors: Vec<&dyn Diagnostic> = errors.iter().map(|e| e as &dyn Diagnostic).collect();
            diagnostics(param, &errors, None)
        })
    };
    // Checked part by part so that each error names the parameter whose text it points into.
    let mut typed = match check_document(&query, &SCHEMA) {
        Ok(t) => t,
        Err(_) => {
            check("query", &Query { filter: query.filter.clone(), ..Query::default() })?;
            check("sort", &Query { sort: query.sort.clone(), ..Query::default() })?;
            check("fields", &Query { projection: query.projection.clone(), ..Query::default() })?;
            check("query", &query)?
        }
    };
    if let Some(text) = scope {
        let internal = |e: String| ApiError::internal(&format!("scope of the caller: {e}"));
        let expr = roster_mongo::parse_query_with(text, &opts).map_err(|e| internal(e.to_string()))?;
        let scoped = check_document(&Query { filter: expr, ..Query::default() }, &SCHEMA)
            .map_err(|e| internal(format!("{e:?}")))?;
        let filter = std::mem::replace(&mut typed.filter, DocPred::Const(true));
        typed.filter = DocPred::And(vec![scoped.filter, filter]);
    }
    Ok(typed)
}

/// `GET /api/v1/users.list`.
pub async fn handler(State(st): State<Arc<AppState>>, headers: HeaderMap, RawQuery(raw): RawQuery) -> Response {
    let result = async {
        let caller = caller(&st, &headers)?;
        if !caller.principal.permissions.iter().any(|p| p == crate::config::VIEW_ALL) {
            return Err(failure(
                StatusCode::FORBIDDEN,
                "User does not have the permissions required for this action".into(),
                "error-unauthorized",
                json!({}),
            ));
        }
        st.rate_limit(&caller).map_err(|e| {
            let message = "Error, too many requests. Please slow down.".to_owned();
            ApiError {
                body: json!({ "success": false, "error": message, "errorType": "error-too-many-requests" }),
                ..e
            }
        })?;
        let hidden = caller.principal.hidden_fields.get(PROFILE).cloned().unwrap_or_default();
        let scope = caller.principal.scopes.get(PROFILE).cloned();
        let p = params(raw.as_deref().unwrap_or_default())?;
        let typed = build(&p, &hidden, scope.as_deref())?;
        let st2 = Arc::clone(&st);
        let typed2 = typed.clone();
        let (docs, total) = tokio::task::spawn_blocking(move || st2.store.run_docs(&SCHEMA, &typed2))
            .await
            .map_err(|e| ApiError::internal(&e.to_string()))?
            .map_err(|e| ApiError::internal(&e))?;
        let users: Vec<Json> = docs
            .iter()
            .map(|d| {
                let mut m = encode_doc(&SCHEMA, d, typed.projection.as_ref());
                m.retain(|k, _| !hidden.contains(k));
                Json::Object(m)
            })
            .collect();
        let body = json!({
            "users": users,
            "count": users.len(),
            "offset": typed.offset,
            "total": total,
            "success": true,
        });
        Ok(axum::Json(body).into_response())
    }
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}

/// The endpoint's documentation.
pub fn doc() -> EndpointDoc {
    let json_param = |name: &'static str, description: &'static str| ParamDoc {
        name,
        location: "query",
        required: false,
        description,
        schema: json!({"type": "string"}),
    };
    let failure_schema = json!({"type": "object", "required": ["success", "error"], "properties": {
        "success": {"const": false}, "error": {"type": "string"}, "errorType": {"type": "string"}
    }});
    EndpointDoc {
        method: "get",
        path: PATH,
        summary: "Get Users List",
        description: "Users matching a MongoDB query document (MongoDB's semantics: implicit array matching, null = missing, type brackets), projected by `fields`, ordered by `sort` (key order matters), paged by `count` and `offset`. Authenticated by X-Auth-Token and X-User-Id.",
        security: "token",
        params: vec![
            json_param("query", "MongoDB query operators, e.g. {\"name\": {\"$regex\": \"g\"}}."),
            json_param("fields", "Projection: {\"username\": 1} (include) or {\"emails\": 0} (exclude)."),
            json_param("sort", "Ordered sort document: {\"createdAt\": -1, \"_id\": 1}."),
            ParamDoc::query_int("count", "How many users to return.", 1, Some(MAX_COUNT as i64), DEFAULT_COUNT as i64),
            ParamDoc::query_int("offset", "How many matching users to skip.", 0, None, 0),
            ParamDoc {
                name: "X-User-Id",
                location: "header",
                required: true,
                description: "The authenticated user ID.",
                schema: json!({"type": "string", "minLength": 1}),
            },
        ],
        responses: vec![
            (
                200,
                "OK",
                Some(
                    json!({"type": "object", "required": ["users", "count", "offset", "total", "success"], "properties": {
                        "users": {"type": "array", "items": {"type": "object"}},
                        "count": {"type": "integer"}, "offset": {"type": "integer"}, "total": {"type": "integer"},
                        "success": {"const": true}
                    }}),
                ),
            ),
            (400, "Bad Request (invalid parameters)", Some(failure_schema.clone())),
            (
                401,
                "Unauthorized",
                Some(json!({"type": "object", "required": ["status", "message"], "properties": {
                    "status": {"const": "error"}, "message": {"type": "string"}
                }})),
            ),
            (403, "Forbidden", Some(failure_schema.clone())),
            (429, "Too Many Requests", Some(failure_schema)),
        ],
        ok_type: "application/json",
    }
}
