//! The REST-parameter endpoints (seeds 000, 002, 003): parameters parsed by
//! `roster-params`, checked against the caller's view of the schema, scoped, run, and written
//! by `roster-render` exactly as the CLI's `--dialect params` writes them.
//!
//! | endpoint | auth | answer | error body |
//! |---|---|---|---|
//! | `GET /api/v2/users/download` (`directory`) | `Authorization: Bearer` | CSV in `timezone` | the seed's `{error_code, error_message, error_status}` |
//! | `POST /adminui/user-management/v1/users/download` (`admin`) | `Authorization: Bearer` | CSV with the seed's preamble | `{error_code, error_message, error_status}` (the seed shows none; Roster uses seed 000's) |
//! | `GET /api/v3/users` (`accounts`) | `X-Auth-Token` | `{total_count, page, users}` | `{error_code, error_message, error_status}` (likewise) |
//!
//! Invalid parameters are 400 (none of these seeds lists 422), with the parameter named in
//! `error_message` and, as extra members, `param`, `code`, and `help` when there is one. The
//! caller needs the `users:view_all` permission (else 403).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use roster_ast::Diagnostic;
use roster_render::endpoint::{AdminCsv, AdminPreamble, DirectoryCsv, EpochStyle, write_accounts};
use roster_schema::Timestamp;
use serde_json::json;

use crate::error::ApiError;
use crate::openapi::{EndpointDoc, ParamDoc};
use crate::{AppState, Caller};

/// `directory`'s path.
pub const DIRECTORY: &str = "/api/v2/users/download";
/// `admin`'s path.
pub const ADMIN: &str = "/adminui/user-management/v1/users/download";
/// `accounts`' path.
pub const ACCOUNTS: &str = "/api/v3/users";

fn rest_error(status: StatusCode, message: String, extra: serde_json::Value) -> ApiError {
    let mut body = json!({ "error_code": status.as_u16(), "error_message": message, "error_status": true });
    if let (Some(obj), Some(more)) = (body.as_object_mut(), extra.as_object()) {
        obj.extend(more.clone());
    }
    ApiError { status, body, retry_after: None }
}

fn unauthorized() -> ApiError {
    rest_error(StatusCode::UNAUTHORIZED, "Unauthorized".into(), json!({}))
}

fn caller_by_header<'a>(st: &'a AppState, headers: &HeaderMap, name: &str) -> Result<Caller<'a>, ApiError> {
    let token = headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    match token.and_then(|t| st.access.authenticate(t)) {
        Some(principal) => Ok(Caller { principal }),
        None => Err(unauthorized()),
    }
}

// The request's parts, passed on by `handle` once the caller is known.
#[allow(clippy::too_many_arguments)]
async fn answer(
    st: Arc<AppState>,
    profile: &'static str,
    caller_name: String,
    query: String,
    body: Option<String>,
    organisation: String,
    hidden: Vec<String>,
    scope: Option<roster_check::Scope>,
) -> Result<Response, ApiError> {
    let p = st.profile(profile)?.clone();
    let params_caller = roster_params::Caller { organisation_key: organisation.clone() };
    let req = roster_params::parse(profile, &query, body.as_deref(), &params_caller).map_err(|e| {
        let mut extra = json!({ "param": e.param, "code": e.code() });
        if let (Some(help), Some(obj)) = (e.help(), extra.as_object_mut()) {
            obj.insert("help".into(), json!(help));
        }
        rest_error(StatusCode::BAD_REQUEST, e.to_string(), extra)
    })?;
    let mut view = p.schema.clone();
    for f in &mut view.fields {
        if hidden.contains(&f.name) {
            f.filterable = false;
            f.sortable = false;
            f.projectable = false;
        }
    }
    let mut typed = roster_check::check(&req.query, &view).map_err(|errors| {
        let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
        let codes: Vec<&str> = errors.iter().map(|e| e.code()).collect();
        rest_error(
            StatusCode::BAD_REQUEST,
            messages.join("; "),
            json!({ "code": codes.first().copied().unwrap_or("invalid") }),
        )
    })?;
    if let Some(scope) = scope {
        scope.apply(&mut typed);
    }
    if profile == "directory" {
        return Ok(stream_directory_csv(st, p.schema.clone(), typed, req.time_zone.clone()).await);
    }
    let schema = p.schema.clone();
    let st2 = Arc::clone(&st);
    let typed2 = typed.clone();
    let (records, total) = tokio::task::spawn_blocking(move || st2.store.run(&schema, &typed2))
        .await
        .map_err(|e| ApiError::internal(&e.to_string()))?
        .map_err(|e| ApiError::internal(&e))?;
    let mut out: Vec<u8> = Vec::new();
    let io = |e: std::io::Error| ApiError::internal(&e.to_string());
    let content_type = match profile {
        "directory" => {
            let mut w = DirectoryCsv::new(&mut out, &p.schema, &typed.projection, &req.time_zone).map_err(io)?;
            for r in &records {
                w.write(r).map_err(io)?;
            }
            w.finish().map_err(io)?;
            "text/csv; charset=utf-8"
        }
        "admin" => {
            let preamble = AdminPreamble {
                generated_at: now(),
                zone: req.time_zone.clone(),
                records: records.len() as u64,
                account: [organisation, String::new(), String::new(), String::new()],
                requester: [caller_name.clone(), caller_name],
            };
            let mut w = AdminCsv::new(&mut out, &p.schema, &typed.projection, &preamble).map_err(io)?;
            for r in &records {
                w.write(r).map_err(io)?;
            }
            w.finish().map_err(io)?;
            "text/csv; charset=utf-8"
        }
        _ => {
            let style = match req.timestamp_format {
                roster_params::TimestampFormat::Int => EpochStyle::Int,
                roster_params::TimestampFormat::Str => EpochStyle::Str,
            };
            write_accounts(&mut out, &p.schema, &typed.projection, &records, total, &req.page_echo, style, req.pretty)
                .map_err(io)?;
            "application/json"
        }
    };
    Ok(([(header::CONTENT_TYPE, content_type)], out).into_response())
}

/// How much CSV is buffered before it is sent.
const CHUNK: usize = 64 * 1024;

/// A `Write` that sends what is written to a channel in chunks of [`CHUNK`] bytes; a closed
/// channel (the client went away) is a `BrokenPipe` error, which stops the scan.
struct ChunkSender {
    buf: Vec<u8>,
    tx: tokio::sync::mpsc::Sender<Result<Bytes, std::io::Error>>,
}

impl ChunkSender {
    fn send(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK)));
        self.tx.blocking_send(Ok(chunk)).map_err(|_| std::io::Error::from(std::io::ErrorKind::BrokenPipe))
    }
}

impl std::io::Write for ChunkSender {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.send()
    }
}

/// The `directory` download streams: rows go from the database through the CSV writer to
/// the socket in 64 KiB chunks, so memory stays flat whatever the number of users. An error
/// before the first chunk is a 500; a later one ends the (already started) body early.
async fn stream_directory_csv(
    st: Arc<AppState>,
    schema: roster_schema::Schema,
    typed: roster_check::TypedQuery,
    zone: jiff::tz::TimeZone,
) -> Response {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    let errors = tx.clone();
    tokio::task::spawn_blocking(move || {
        let mut sink = ChunkSender { buf: Vec::with_capacity(CHUNK), tx };
        let result = (|| -> Result<(), String> {
            let mut w = DirectoryCsv::new(&mut sink, &schema, &typed.projection, &zone).map_err(|e| e.to_string())?;
            let mut failed = None;
            st.store.for_each(&schema, &typed, |r| match w.write(&r) {
                Ok(()) => true,
                Err(e) => {
                    failed = Some(e.to_string());
                    false
                }
            })?;
            if let Some(e) = failed {
                return Err(e);
            }
            w.finish().map_err(|e| e.to_string())
        })();
        if let Err(e) = result {
            tracing::error!(error = e, "directory download failed");
            let _ = errors.blocking_send(Err(std::io::Error::other(e)));
        }
    });
    let first = match rx.recv().await {
        Some(Ok(chunk)) => chunk,
        Some(Err(e)) => return ApiError::internal(&e.to_string()).into_response(),
        None => Bytes::new(),
    };
    let rest = futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|item| (item, rx)) });
    let body = futures_util::stream::once(async move { Ok::<_, std::io::Error>(first) }).chain(rest);
    ([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], axum::body::Body::from_stream(body)).into_response()
}

fn now() -> Timestamp {
    let micros = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX));
    Timestamp(micros)
}

fn body_text(body: &Bytes) -> Result<Option<String>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    String::from_utf8(body.to_vec()).map(Some).map_err(|_| {
        rest_error(StatusCode::BAD_REQUEST, "the request body is not UTF-8 text".into(), json!({"param": "body"}))
    })
}

async fn handle(
    st: Arc<AppState>,
    profile: &'static str,
    headers: HeaderMap,
    raw: Option<String>,
    body: Bytes,
    auth_header: &'static str,
) -> Response {
    let result = async {
        let caller = if auth_header == "authorization" {
            st.bearer(&headers).map_err(|_| unauthorized())?
        } else {
            caller_by_header(&st, &headers, auth_header)?
        };
        if !caller.principal.permissions.iter().any(|p| p == crate::config::VIEW_ALL) {
            return Err(rest_error(
                StatusCode::FORBIDDEN,
                "The users:view_all permission is required".into(),
                json!({}),
            ));
        }
        let p = st.profile(profile)?;
        let scope = caller.scope(profile, &p.schema)?;
        let hidden = caller.principal.hidden_fields.get(profile).cloned().unwrap_or_default();
        let organisation =
            caller.principal.organisation.clone().unwrap_or_else(|| roster_params::Caller::default().organisation_key);
        let name = caller.principal.name.clone();
        let body = body_text(&body)?;
        answer(Arc::clone(&st), profile, name, raw.unwrap_or_default(), body, organisation, hidden, scope).await
    }
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}

/// `GET /api/v2/users/download`.
pub async fn directory(
    State(st): State<Arc<AppState>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Response {
    handle(st, "directory", headers, raw, body, "authorization").await
}

/// `POST /adminui/user-management/v1/users/download`.
pub async fn admin(
    State(st): State<Arc<AppState>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Response {
    handle(st, "admin", headers, raw, body, "authorization").await
}

/// `GET /api/v3/users`.
pub async fn accounts(
    State(st): State<Arc<AppState>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Response {
    handle(st, "accounts", headers, raw, body, "x-auth-token").await
}

fn params_doc(names: &[&'static str]) -> Vec<ParamDoc> {
    names
        .iter()
        .map(|n| ParamDoc {
            name: n,
            location: "query",
            required: false,
            description: "See the seed document.",
            schema: json!({"type": "string"}),
        })
        .collect()
}

fn rest_responses(
    ok: &'static str,
    ok_schema: serde_json::Value,
) -> Vec<(u16, &'static str, Option<serde_json::Value>)> {
    let err = json!({"type": "object", "required": ["error_code", "error_message", "error_status"], "properties": {
        "error_code": {"type": ["integer", "null"]}, "error_message": {"type": ["string", "null"]}, "error_status": {"type": "boolean"}
    }});
    vec![
        (200, ok, Some(ok_schema)),
        (400, "Bad Request (invalid parameters)", Some(err.clone())),
        (401, "Unauthorized", Some(err.clone())),
        (403, "Forbidden", Some(err)),
    ]
}

/// The three endpoints' documentation.
pub fn docs() -> Vec<EndpointDoc> {
    vec![
        EndpointDoc {
            method: "get",
            path: DIRECTORY,
            summary: "Download a list of all users",
            description: "CSV of the users matching the per-field filters, sorted by `sort` (field:asc|desc), columns by `_fields`, times in `timezone`.",
            security: "bearer",
            params: params_doc(roster_params::directory::PARAMETERS),
            responses: rest_responses("CSV", json!({"type": "string"})),
            ok_type: "text/csv",
        },
        EndpointDoc {
            method: "post",
            path: ADMIN,
            summary: "Download Users CSV",
            description: "CSV with the seed's preamble; JSON body limit, offset, sortFilter, filter.role; query format, timezone. At most 1000 records.",
            security: "bearer",
            params: params_doc(&["format", "timezone"]),
            responses: rest_responses("CSV", json!({"type": "string"})),
            ok_type: "text/csv",
        },
        EndpointDoc {
            method: "get",
            path: ACCOUNTS,
            summary: "List users",
            description: "Paged users (page, per), keyword search with scope all|any, order_by/order, field_list, timestamp_format; parameters in the query string or a JSON body. Authenticated by X-Auth-Token.",
            security: "token",
            params: params_doc(roster_params::accounts::PARAMETERS),
            responses: rest_responses("Users", json!({"type": "object", "required": ["total_count", "page", "users"]})),
            ok_type: "application/json",
        },
    ]
}
