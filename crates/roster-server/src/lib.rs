//! The reference HTTP server of Roster: the seed endpoints, answered by the same pipeline
//! the library offers (parse → check → scope → SQL), over an embedded SQLite database by
//! default or PostgreSQL.
//!
//! - Data: on first start every profile's table is created and filled with deterministic
//!   generated users (`--users`, default 100,000 per profile; a progress bar on a terminal).
//!   Tables that already hold users are used as they are, so an existing PostgreSQL loaded
//!   with `roster load` is served untouched.
//! - Access: tokens, workspaces, permissions, scopes and hidden fields come from a JSON file
//!   ([`config`]); a demo file is written on first start and its tokens printed. A caller's
//!   scope is ANDed into the checked query ([`roster_check::Scope`]), so no filter can widen
//!   it; fields hidden from a caller cannot be filtered, sorted or returned (a filter on one
//!   is an error, not an oracle). Tokens are compared in constant time.
//! - Operations: `/openapi.json` is generated from the endpoint definitions; every request
//!   is logged (`tracing`) with a request id (also sent back as `x-request-id`), status and
//!   latency; requests time out after 30 s; bodies are limited to 64 KiB; SIGINT/SIGTERM shut
//!   down gracefully.
//!
//! Endpoints: `GET /identity/v1/users` ([`identity`]); `GET /api/v2/users/download`,
//! `POST /adminui/user-management/v1/users/download` and `GET /api/v3/users` ([`rest`]);
//! the Mongo-style `GET /api/v1/users.list` over the `chat` documents ([`chat`]).
#![forbid(unsafe_code)]

pub mod chat;
pub mod config;
pub mod error;
pub mod identity;
pub mod openapi;
pub mod rate;
pub mod rest;
pub mod store;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use roster_check::Scope;
use roster_schema::profiles::{self, Profile};
use roster_schema::{FieldId, Schema};

pub use config::{AccessConfig, Principal};
use error::ApiError;
pub use store::Store;

/// Everything a request needs.
#[derive(Debug)]
pub struct AppState {
    /// Who may call.
    pub access: AccessConfig,
    /// Where the users are.
    pub store: Store,
    /// The served profiles.
    pub profiles: Vec<Profile>,
    /// Requests per minute per workspace.
    pub limiter: rate::RateLimiter,
    next_id: AtomicU64,
}

/// An authenticated caller.
#[derive(Debug)]
pub struct Caller<'a> {
    /// Who.
    pub principal: &'a Principal,
}

impl AppState {
    /// A state.
    pub fn new(access: AccessConfig, store: Store, profiles: Vec<Profile>, per_minute: u32) -> AppState {
        AppState {
            access,
            store,
            profiles,
            limiter: rate::RateLimiter::new(per_minute, Duration::from_secs(60)),
            next_id: AtomicU64::new(1),
        }
    }

    /// The caller named by an `Authorization: Bearer …` header, or 401.
    pub fn bearer(&self, headers: &HeaderMap) -> Result<Caller<'_>, ApiError> {
        let token = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(str::trim);
        match token.and_then(|t| self.access.authenticate(t)) {
            Some(principal) => Ok(Caller { principal }),
            None => Err(ApiError::plain(StatusCode::UNAUTHORIZED, "Not authenticated")),
        }
    }

    /// Counts a request against the caller's workspace, or 429 with `Retry-After`.
    pub fn rate_limit(&self, caller: &Caller<'_>) -> Result<(), ApiError> {
        self.limiter.check(&caller.principal.workspace, Instant::now()).map_err(|secs| ApiError {
            retry_after: Some(secs),
            ..ApiError::plain(
                StatusCode::TOO_MANY_REQUESTS,
                "Rate limit exceeded: 300 requests per minute per workspace",
            )
        })
    }

    /// A served profile.
    pub fn profile(&self, name: &str) -> Result<&Profile, ApiError> {
        self.profiles
            .iter()
            .find(|p| p.name == name)
            .ok_or_else(|| ApiError::internal(&format!("profile {name} is not served")))
    }
}

impl Caller<'_> {
    /// The schema as this caller sees it: hidden fields can be neither filtered, sorted nor
    /// returned.
    pub fn schema_for(&self, schema: &Schema, profile: &str) -> Schema {
        let mut s = schema.clone();
        if let Some(hidden) = self.principal.hidden_fields.get(profile) {
            for f in &mut s.fields {
                if hidden.contains(&f.name) {
                    f.filterable = false;
                    f.sortable = false;
                    f.projectable = false;
                }
            }
        }
        s
    }

    /// The caller's scope on a profile, checked against the full schema.
    pub fn scope(&self, profile: &str, schema: &Schema) -> Result<Option<Scope>, ApiError> {
        let Some(text) = self.principal.scopes.get(profile) else { return Ok(None) };
        let expr = roster_odata::parse_filter(text)
            .map_err(|e| ApiError::internal(&format!("scope of {}: {e}", self.principal.name)))?;
        Scope::from_filter(&expr, schema)
            .map(Some)
            .map_err(|e| ApiError::internal(&format!("scope of {}: {:?}", self.principal.name, e)))
    }
}

/// The fields a projection returns, for documentation.
pub fn field_names(schema: &Schema, fields: &[FieldId]) -> Vec<String> {
    fields.iter().map(|f| schema.get(*f).name.clone()).collect()
}

/// The documented endpoints, in order.
pub fn endpoints() -> Vec<openapi::EndpointDoc> {
    let mut docs = vec![identity::doc()];
    docs.extend(rest::docs());
    docs.push(chat::doc());
    docs
}

async fn log_requests(State(st): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let id = st.next_id.fetch_add(1, Ordering::Relaxed);
    let (method, path) = (req.method().clone(), req.uri().path().to_owned());
    let start = Instant::now();
    let mut resp = next.run(req).await;
    let micros = start.elapsed().as_micros() as u64;
    tracing::info!(request_id = id, %method, path, status = resp.status().as_u16(), latency_us = micros, "request");
    if let Ok(v) = HeaderValue::from_str(&id.to_string()) {
        resp.headers_mut().insert("x-request-id", v);
    }
    resp
}

async fn openapi_json() -> Response {
    axum::Json(openapi::document(&endpoints())).into_response()
}

async fn not_found() -> Response {
    ApiError::plain(StatusCode::NOT_FOUND, "Not Found").into_response()
}

/// The router over a state.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route(identity::PATH, get(identity::handler))
        .route(rest::DIRECTORY, get(rest::directory))
        .route(rest::ADMIN, post(rest::admin))
        .route(rest::ACCOUNTS, get(rest::accounts))
        .route(chat::PATH, get(chat::handler))
        .route("/openapi.json", get(openapi_json))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(64 * 1024))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(30),
        ))
        .layer(middleware::from_fn_with_state(Arc::clone(&state), log_requests))
        .with_state(state)
}

/// How to serve.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Where to listen.
    pub addr: SocketAddr,
    /// `sqlite:PATH` or `postgres://…`; default an SQLite file in `data_dir`.
    pub db: Option<String>,
    /// Users generated per profile into empty tables.
    pub users: u64,
    /// The generator seed.
    pub seed: u64,
    /// Where the default database and the access file live.
    pub data_dir: PathBuf,
    /// The access file; default `data_dir/access.json` (written with demo principals when
    /// missing).
    pub access: Option<PathBuf>,
    /// Requests per minute per workspace.
    pub per_minute: u32,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            db: None,
            users: 100_000,
            seed: 1,
            data_dir: PathBuf::from("roster-data"),
            access: None,
            per_minute: 300,
        }
    }
}

/// Prepares the data and the access file, and builds the state.
pub fn prepare(opts: &ServeOptions) -> Result<Arc<AppState>, String> {
    std::fs::create_dir_all(&opts.data_dir).map_err(|e| format!("{}: {e}", opts.data_dir.display()))?;
    let access_path = opts.access.clone().unwrap_or_else(|| opts.data_dir.join("access.json"));
    let access = if access_path.exists() {
        AccessConfig::load(&access_path)?
    } else {
        let demo = AccessConfig::demo()?;
        demo.save(&access_path)?;
        eprintln!("wrote demo access file {} with these tokens:", access_path.display());
        for p in &demo.principals {
            eprintln!("  {:<8} {}  (workspace {}, permissions {:?})", p.name, p.token, p.workspace, p.permissions);
        }
        demo
    };
    let store = Store::open(opts.db.as_deref(), &opts.data_dir)?;
    let served: Vec<Profile> =
        ["identity", "directory", "admin", "accounts"].iter().filter_map(|n| profiles::by_name(n)).collect();
    store.prepare(&served, opts.users, opts.seed)?;
    store.prepare_docs(chat::PROFILE, &chat::SCHEMA, opts.users, opts.seed)?;
    Ok(Arc::new(AppState::new(access, store, served, opts.per_minute)))
}

/// Binds `opts.addr` and serves until `shutdown` completes.
pub async fn serve_until(
    state: Arc<AppState>,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), String> {
    axum::serve(listener, router(state)).with_graceful_shutdown(shutdown).await.map_err(|e| e.to_string())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! { () = ctrl_c => {}, () = term => {} }
    tracing::info!("shutting down");
}

/// `roster serve`: prepares, then serves until SIGINT/SIGTERM.
pub fn run(opts: ServeOptions) -> Result<(), String> {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .try_init();
    let state = prepare(&opts)?;
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| e.to_string())?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(opts.addr).await.map_err(|e| format!("{}: {e}", opts.addr))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        eprintln!("roster serving on http://{addr} (OpenAPI at http://{addr}/openapi.json)");
        serve_until(state, listener, shutdown_signal()).await
    })
}
