//! The web server: the JSON API under `/api/v1` and the embedded browser UI.
//!
//! [`router`] builds the whole app from an [`AppState`], so tests drive it with
//! `Router::oneshot` and [`serve`] runs the same router on a listener. Each resource has its
//! own module with its router, handlers and private types:
//!
//! | route | module |
//! |---|---|
//! | `GET/PUT /api/v1/bindings`, `POST /api/v1/bindings/bind`, `POST /api/v1/bindings/unbind` | [`bindings`] |
//! | `GET /api/v1/catalog` | [`catalog`] |
//! | `GET /api/v1/export?format=`: the file, or it for LiteLLM, LibreChat, Step Functions, IAM, CloudFormation | [`export`] |
//! | `POST /api/v1/import/preview` | [`transfer`] |
//! | `GET /api/v1/health` | [`health`] |
//! | `GET /api/v1/openapi.json`: the OpenAPI description of every route | [`openapi`] |
//! | `/api/v1/aws/…`: status, refresh, live catalog, test, check, profiles, bind-required | [`aws`] |
//! | `/api/v1/envs…`, `GET /api/v1/diff`, `POST /api/v1/promote`: environments, history, revert | [`envs`] |
//! | `GET /api/v1/envs/{env}/health`: what the scheduled check last found | [`env_health`] |
//! | `/api/v1/envs/{env}/requests…`: change requests on protected environments | [`requests`] |
//! | `GET /api/v1/envs/{env}/usage`, `…/usage/sparkline.svg`: calls per binding, from CloudWatch | [`usage`] |
//! | `GET /v1/envs/{env}/inference.txt`, `GET /v1/envs/{env}/resolve` (for apps) | [`read_api`] |
//! | `GET /signin`, `GET/POST/DELETE /api/v1/session`: signing in from a browser | [`session`] |
//! | everything else: the UI, with `index.html` for unknown paths | [`assets`] |
//!
//! Every route of the bindings half also exists as `/api/v1/envs/{env}/…` ([`env::per_env`]);
//! without an environment in the path a route acts on `default`.
//!
//! The server keeps nothing of the file between requests: every request reads it from disk,
//! so an edit made in an editor or by the CLI shows at once and a write made against an older
//! version is refused (412).

pub mod access;
mod assets;
mod aws;
mod bindings;
mod catalog;
mod conditional;
pub mod cors;
mod env;
mod env_health;
mod envs;
mod error;
mod export;
mod extract;
mod guard;
mod health;
pub mod openapi;
mod presets;
mod read_api;
mod requests;
mod session;
mod transfer;
mod usage;
mod write;

use std::future::Future;
use std::io;
use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware;
use bedrock_binder_shared::env_name::EnvName;
use bedrock_binder_shared::{Catalog, Document};
use tokio::net::TcpListener;
use tower::ServiceBuilder;
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{Predicate, SizeAbove};

use self::conditional::{Condition, ConditionalRead, none_match_names};
use crate::auth::Auth;
use crate::aws::{Aws, AwsSettings};
use crate::cost_guard::CostGuard;
use crate::dated_catalog::DatedCatalog;
use crate::envs::{Environments, SERVER_AUTHOR};
use crate::health::HealthBoard;
use crate::storage::ChangeMeta;
use crate::store::Snapshot;

pub use error::{AppError, InternalError};

/// The largest request body the API reads: 1 MiB.
pub const BODY_LIMIT: usize = 1 << 20;

/// What every handler shares ([`Shared`], read through `Deref`: `state.envs`), and what is
/// the request's own: the environment it acts on, who it is, and AWS in that environment's
/// account. Cheap to clone: axum clones it for every request, twice on most routes, so what
/// every request shares sits behind one `Arc` (each `Arc` cloned is an atomic counter that
/// the server's threads take turns to own, which the 304 path's throughput budget notices).
#[derive(Debug, Clone)]
pub struct AppState {
    shared: Arc<Shared>,
    /// The environment the request acts on: `default`, unless the route names one
    /// ([`env::InEnv`] sets it).
    pub env: EnvName,
    /// Who changes made through this request are recorded under: `local` without auth, else
    /// the caller ([`env::InEnv`] sets it).
    pub author: Arc<str>,
    /// AWS: credentials, clients and the discovery cache, loaded on first use; scoped to the
    /// environment's account by [`AppState::in_env_account`].
    pub aws: Aws,
}

/// What every request of a server shares.
#[derive(Debug, Clone)]
pub struct Shared {
    /// The environments; each request reads afresh the one it acts on.
    pub envs: Environments,
    /// Who may do what, when the server runs with an auth file; `None`: no authentication
    /// (and then the server listens on loopback only).
    pub auth: Option<Arc<Auth>>,
    /// The origins whose pages may call the API (`serve --cors-origin`); `None`: no
    /// cross-origin request is allowed, and no CORS header is sent.
    pub cors_origins: Option<Arc<[cors::CorsOrigin]>>,
    /// What test invocations may spend, shared by every request.
    pub cost_guard: Arc<CostGuard>,
    /// The model catalog the file is validated against, evaluated on today's date.
    pub catalog: DatedCatalog,
    /// What the scheduled health check last found per environment (empty while it is off).
    pub health: Arc<HealthBoard>,
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.shared
    }
}

impl AppState {
    /// State for the environments `envs` checked against `catalog`, with AWS through the
    /// default credential chain (loaded only when an `/aws/` route is first used).
    pub fn new(envs: Environments, catalog: &'static Catalog) -> Self {
        let shared = Shared {
            envs,
            auth: None,
            cors_origins: None,
            cost_guard: Arc::default(),
            catalog: DatedCatalog::new(catalog),
            health: Arc::default(),
        };
        AppState {
            shared: Arc::new(shared),
            env: EnvName::default(),
            author: Arc::from(SERVER_AUTHOR),
            aws: Aws::from_chain(AwsSettings::default()),
        }
    }

    /// The environment's text as it is now, read on the blocking pool.
    async fn load_file(&self) -> Result<Snapshot, AppError> {
        let state = self.clone();
        blocking(move || Ok(state.envs.load(&state.env)?)).await
    }

    /// The same state with AWS in the environment's account: its settings' named profile and
    /// region, else the server's own.
    async fn in_env_account(mut self) -> Result<AppState, AppError> {
        let state = self.clone();
        let settings = blocking(move || Ok(state.envs.read(&state.env)?.settings)).await?;
        self.aws = self.aws.scoped(settings.aws_profile, settings.region);
        Ok(self)
    }

    /// Who a change made through this request is recorded under.
    fn meta(&self, reason: Option<String>) -> ChangeMeta {
        ChangeMeta { author: self.author.to_string(), reason, approval: None }
    }

    /// The file, unless `headers`' `If-None-Match` names its current version. When one `stat`
    /// proves the file is as last read, that is answered at once, from the headers as they are
    /// (the path the UI and `pull` poll); otherwise the file is read and `then` makes the
    /// answer of it, both on the blocking pool.
    async fn read_unless_current<T, F>(&self, headers: &HeaderMap, then: F) -> Result<ConditionalRead<T>, AppError>
    where
        T: Send + 'static,
        F: FnOnce(Snapshot, &Catalog) -> T + Send + 'static,
    {
        if let Some(version) = self.envs.storage().unchanged_text_version(&self.env)
            && none_match_names(headers, &version)
        {
            return Ok(ConditionalRead::NotModified(version));
        }
        let condition = Condition::if_none_match(headers);
        let state = self.clone();
        blocking(move || {
            let snapshot = state.envs.load(&state.env)?;
            if condition.is_some_and(|condition| condition.matches_weakly(&snapshot.version, snapshot.existed)) {
                return Ok(ConditionalRead::NotModified(snapshot.version));
            }
            Ok(ConditionalRead::Read(then(snapshot, &state.catalog.current())))
        })
        .await
    }

    /// The file as it is now, parsed.
    async fn load_document(&self) -> Result<Document, AppError> {
        Ok(Document::parse(&self.load_file().await?.text))
    }

    /// The same state with the catalog evaluated by another clock (tests fix the date).
    #[must_use]
    pub fn with_catalog(mut self, catalog: DatedCatalog) -> Self {
        Arc::make_mut(&mut self.shared).catalog = catalog;
        self
    }

    /// The same state with authentication: every request must prove who it is, and its role
    /// must allow it ([`access::RULES`]).
    #[must_use]
    pub fn with_auth(mut self, auth: Auth) -> Self {
        Arc::make_mut(&mut self.shared).auth = Some(Arc::new(auth));
        self
    }

    /// The same state with cross-origin requests allowed from `origins` (none: CORS stays off).
    #[must_use]
    pub fn with_cors_origins(mut self, origins: Vec<cors::CorsOrigin>) -> Self {
        Arc::make_mut(&mut self.shared).cors_origins = (!origins.is_empty()).then(|| origins.into());
        self
    }

    /// The same state with limits on what test invocations may spend.
    #[must_use]
    pub fn with_cost_guard(mut self, guard: CostGuard) -> Self {
        Arc::make_mut(&mut self.shared).cost_guard = Arc::new(guard);
        self
    }

    /// The same state without authentication.
    #[must_use]
    pub fn without_auth(mut self) -> Self {
        Arc::make_mut(&mut self.shared).auth = None;
        self
    }

    /// The same state with the board the scheduled health check writes.
    #[must_use]
    pub fn with_health(mut self, board: Arc<HealthBoard>) -> Self {
        Arc::make_mut(&mut self.shared).health = board;
        self
    }

    /// The same state with another AWS handle (tests point one at the fake Bedrock).
    #[must_use]
    pub fn with_aws(mut self, aws: Aws) -> Self {
        self.aws = aws;
        self
    }
}

/// The whole app: the API under `/api/v1`, the UI everywhere else.
pub fn router(state: AppState) -> Router {
    let json_api = Router::new()
        .merge(bindings::router())
        .merge(catalog::router())
        .merge(transfer::router())
        .merge(export::router())
        .merge(health::router())
        .merge(aws::router())
        .merge(envs::router())
        .merge(env_health::router())
        .merge(requests::router())
        .merge(usage::router())
        .merge(presets::router())
        .merge(session::router())
        .merge(openapi::router())
        // Applies to every route registered above.
        .method_not_allowed_fallback(method_not_allowed)
        // Only the JSON API: the UI's assets carry their own Content-Encoding, and the apps'
        // read API serves text that must reach them byte for byte, mostly as 304s, whose
        // throughput budget notices every layer.
        .layer(compress_json());
    let read_api = read_api::router().method_not_allowed_fallback(method_not_allowed);
    // Each `Router::layer` call wraps every route once more, and axum clones each wrapping per
    // request; one call with the layers every route needs keeps that to one.
    let authorize = state.auth.clone().map(|auth| middleware::from_fn_with_state(auth, access::authorize));
    // Outside `authorize`: a preflight carries no credentials, and is answered before it.
    let cors = state.cors_origins.as_deref().map(cors::layer);
    let layers = ServiceBuilder::new().layer(guard::GuardLayer).option_layer(cors).option_layer(authorize);
    Router::new()
        // Merged, not nested: each route names its whole path, since `nest` rebuilds the URI
        // of every request it strips, a cost the 304 path's throughput budget notices.
        .merge(json_api)
        .merge(read_api)
        // Unknown paths: a JSON 404 under /api, the UI's index.html elsewhere.
        .fallback(assets::fallback)
        .layer(layers)
        .with_state(state)
}

/// Compresses JSON answers with gzip for a client that accepts it: a catalog is about 100 KB
/// of JSON and compresses about tenfold. Not brotli: on these answers it is no smaller than
/// gzip (docs/benchmarks.md, issue 10), and each brotli encoder's 4 MiB window, freed but kept
/// by the allocator, doubled the server's resident memory. Only JSON: the UI's assets are
/// precompressed at build time (brotli included), an export must reach `curl` byte for byte,
/// and server-sent events must not wait in a compressor's buffer. Small bodies (a 304 has
/// none) are sent as they are.
fn compress_json() -> CompressionLayer<impl Predicate> {
    let is_json = |_: StatusCode, _: axum::http::Version, headers: &HeaderMap, _: &axum::http::Extensions| {
        headers
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.starts_with("application/json"))
    };
    CompressionLayer::new().no_br().no_deflate().no_zstd().compress_when(SizeAbove::new(1024).and(is_json))
}

/// Serves the app on `listener` until `shutdown` completes, then finishes the requests in
/// flight and returns.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    // The peer's address is what decides whether a proxy's identity header is trusted.
    let app = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await
}

/// Completes on Ctrl-C (SIGINT) or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            // Without a SIGINT handler, only SIGTERM can stop the server.
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}

async fn method_not_allowed() -> AppError {
    AppError::MethodNotAllowed
}

/// Headers every response carries: no framing (clickjacking), no `<base>` or plugins, no
/// guessing of content types, and no referrer leaving the app.
pub(super) fn add_security_headers(headers: &mut HeaderMap) {
    // A page carries its own, stricter policy (`assets`); everything else gets this one.
    headers
        .entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static("frame-ancestors 'none'; base-uri 'none'; object-src 'none'"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
}

/// Runs blocking file I/O (and the parse and validation that go with it) off the async
/// workers. A panic in `work` becomes a 500.
async fn blocking<T, F>(work: F) -> Result<T, AppError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, AppError> + Send + 'static,
{
    tokio::task::spawn_blocking(work).await?
}

#[cfg(test)]
mod tests {
    use axum::body::{Body, to_bytes};
    use axum::extract::Request;
    use axum::http::StatusCode;
    use axum::routing::get;
    use bedrock_binder_shared::api::ErrorBody;
    use tower::ServiceExt;

    use super::*;

    async fn boom() -> &'static str {
        panic!("secret detail")
    }

    #[tokio::test]
    async fn a_panicking_handler_answers_the_generic_500_instead_of_dropping_the_connection() {
        let app = Router::new().route("/boom", get(boom)).layer(guard::GuardLayer);
        let request = Request::get("/boom").body(Body::empty()).expect("request");
        let response = app.oneshot(request).await.expect("a response, not a dropped connection");
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = to_bytes(response.into_body(), usize::MAX).await.expect("body");
        let error: ErrorBody = serde_json::from_slice(&body).expect("the JSON error body");
        assert_eq!(error.code, "internal");
        assert!(!error.message.contains("secret detail"), "the panic's message is only logged: {}", error.message);
    }

    #[tokio::test]
    async fn every_response_forbids_framing_sniffing_and_referrers() {
        let app = Router::new().route("/ok", get(|| async { "ok" })).layer(guard::GuardLayer);
        let response = app.oneshot(Request::get("/ok").body(Body::empty()).expect("request")).await.expect("response");
        let header =
            |name: header::HeaderName| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        assert!(header(header::CONTENT_SECURITY_POLICY).is_some_and(|csp| csp.contains("frame-ancestors 'none'")));
        assert_eq!(header(header::X_CONTENT_TYPE_OPTIONS).as_deref(), Some("nosniff"));
        assert_eq!(header(header::REFERRER_POLICY).as_deref(), Some("no-referrer"));
    }
}
