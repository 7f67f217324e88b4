//! `/api/v1/envs/{env}/usage…`: each binding's calls, tokens, throttles and errors, read from
//! CloudWatch in the environment's account and region.
//!
//! | route | what |
//! |---|---|
//! | `GET /envs/{env}/usage?since=7d` | the report: every binding, and the calls that went around them |
//! | `GET /envs/{env}/usage/sparkline.svg?model=M&since=7d` | one binding's usage as a small SVG, for the bindings page |
//!
//! Both read through the account's usage cache, so the page's sparklines (one request per row)
//! make one CloudWatch read between them. An AWS failure is a 424 with the diagnosis for the
//! report; the sparkline draws "—" with the diagnosis as its title instead, since an image is
//! all the row can show.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use bedrock_binder_shared::api::{SparklineQuery, UsageQuery, UsageResponse, UsageSpan};

use super::AppState;
use super::env::InEnv;
use super::error::AppError;
use super::extract::Query;
use crate::usage::aggregate::bound_targets;
use crate::usage::fetch::usage_report;
use crate::usage::sparkline;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/envs/{env}/usage", get(report))
        .route("/api/v1/envs/{env}/usage/sparkline.svg", get(sparkline_svg))
}

/// The policy of the image, a document of its own: its inline styles and nothing else, and
/// framed only by the app's own pages (every other answer may not be framed at all).
const SPARKLINE_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'";

/// `GET /api/v1/envs/{env}/usage?since=7d`.
async fn report(InEnv(state): InEnv, Query(query): Query<UsageQuery>) -> Result<Json<UsageResponse>, AppError> {
    Ok(Json(usage(state, query.since.unwrap_or_default()).await?))
}

/// `GET /api/v1/envs/{env}/usage/sparkline.svg?model=M&since=7d`: 200 with the image, also
/// when AWS cannot be read (the image says so); 404, still an image, for a model the
/// environment does not bind.
async fn sparkline_svg(InEnv(state): InEnv, Query(query): Query<SparklineQuery>) -> Result<Response, AppError> {
    let model = query.model.trim().to_owned();
    let env = state.env.clone();
    match usage(state, query.since.unwrap_or_default()).await {
        Ok(report) => Ok(match report.bindings.iter().find(|binding| binding.model == model) {
            Some(binding) => svg(StatusCode::OK, sparkline::render(binding, &report)),
            None => svg(
                StatusCode::NOT_FOUND,
                sparkline::unavailable("not bound", &format!("`{model}` has no binding in `{env}`")),
            ),
        }),
        Err(AppError::Aws(failure)) => {
            let why = format!("Usage unavailable: {} {}", failure.explanation, failure.remedy);
            Ok(svg(StatusCode::OK, sparkline::unavailable("—", &why)))
        }
        Err(other) => Err(other),
    }
}

/// The environment's report over `span`: its bindings in force, read from the file now, and
/// CloudWatch in its account's region.
async fn usage(state: AppState, span: UsageSpan) -> Result<UsageResponse, AppError> {
    let state = state.in_env_account().await?;
    let document = state.load_document().await?;
    let bindings = bound_targets(&document);
    let region = state.aws.region_or_default(None).await?;
    Ok(usage_report(&state.aws, state.env.as_str(), &region, &bindings, span).await?)
}

/// An SVG answer: reused by the browser for a minute (a row drawn again, after a bind, does
/// not ask again), private to the signed-in user.
fn svg(status: StatusCode, body: String) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("image/svg+xml")),
            (header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=60")),
            (header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(SPARKLINE_CSP)),
        ],
        body,
    )
        .into_response()
}
