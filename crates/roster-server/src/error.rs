//! HTTP errors. The identity seed lists 400, 401, 403, 412, 422, 429 and 500 without a body
//! shape; Roster answers them in the shape such APIs use (FastAPI's): `{"detail": "…"}` for
//! auth, permission, rate-limit and server errors, and `{"detail": [{loc, msg, type, …}]}`
//! for invalid parameters, each item naming the parameter, the message, the stable error
//! code, and, for filter errors, the span in the filter text and a suggestion.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use roster_ast::Diagnostic;
use serde_json::{Value as Json, json};

/// An error answer.
#[derive(Debug)]
pub struct ApiError {
    /// The status.
    pub status: StatusCode,
    /// The JSON body.
    pub body: Json,
    /// `Retry-After` seconds, for 429.
    pub retry_after: Option<u64>,
}

impl ApiError {
    /// A plain `{"detail": message}` error.
    pub fn plain(status: StatusCode, message: &str) -> ApiError {
        ApiError { status, body: json!({ "detail": message }), retry_after: None }
    }

    /// One invalid parameter.
    pub fn param(status: StatusCode, name: &str, message: String, code: &str) -> ApiError {
        ApiError {
            status,
            body: json!({ "detail": [{ "loc": ["query", name], "msg": message, "type": code }] }),
            retry_after: None,
        }
    }

    /// Diagnostics about a parameter's text (filter syntax or check errors).
    pub fn diagnostics(status: StatusCode, name: &str, errors: &[&dyn Diagnostic]) -> ApiError {
        let items: Vec<Json> = errors
            .iter()
            .map(|e| {
                let span = e.span();
                let mut item = json!({
                    "loc": ["query", name],
                    "msg": e.to_string(),
                    "type": e.code(),
                    "span": { "start": span.start, "end": span.end },
                });
                if let (Some(help), Some(obj)) = (e.help(), item.as_object_mut()) {
                    obj.insert("help".into(), json!(help));
                }
                item
            })
            .collect();
        ApiError { status, body: json!({ "detail": items }), retry_after: None }
    }

    /// An internal error: logged, answered without details.
    pub fn internal(message: &str) -> ApiError {
        tracing::error!(error = message, "internal error");
        ApiError::plain(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error")
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut resp = (self.status, axum::Json(self.body)).into_response();
        if let Some(secs) = self.retry_after
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        resp
    }
}
