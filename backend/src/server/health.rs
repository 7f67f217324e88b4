//! `GET /api/v1/health`: whether the server is up, and its version.

use axum::routing::get;
use axum::{Json, Router};
use bedrock_binder_shared::api::Health;

use super::AppState;

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/api/v1/health", get(health))
}

/// Always `ok` while the server answers: it needs no AWS credentials and reads the file only
/// when asked for it.
async fn health() -> Json<Health> {
    Json(Health { status: "ok".to_owned(), version: env!("CARGO_PKG_VERSION").to_owned() })
}
