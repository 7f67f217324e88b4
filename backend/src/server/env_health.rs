//! `GET /api/v1/envs/{env}/health`: what the scheduled check last found in the environment
//! ([`crate::health`]), for the Environments page and for monitoring. It makes no AWS call:
//! it answers from memory, so a monitor may poll it as often as it likes.

use axum::routing::get;
use axum::{Json, Router};
use bedrock_binder_shared::api::EnvHealth;

use super::env::InEnv;
use super::error::AppError;
use super::{AppState, blocking};

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/api/v1/envs/{env}/health", get(env_health))
}

/// The last check; `unchecked` before the first or with the checks off, and a 404 for an
/// environment that does not exist.
async fn env_health(InEnv(state): InEnv) -> Result<Json<EnvHealth>, AppError> {
    let (envs, env) = (state.envs.clone(), state.env.clone());
    blocking(move || Ok(envs.load(&env).map(drop)?)).await?;
    Ok(Json(state.health.health(&state.env)))
}
