//! The environment a request acts on: [`InEnv`] reads `{env}` from `/api/v1/envs/{env}/…` (or
//! `/v1/envs/{env}/…`), and [`per_env`] registers each route of the bindings half twice, with
//! and without that prefix, so the routes without one keep acting on `default`.

use std::sync::Arc;

use axum::Router;
use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::request::Parts;
use axum::routing::MethodRouter;
use bedrock_binder_shared::env_name::EnvName;

use super::AppState;
use super::error::AppError;
use crate::auth::Identity;

/// The app's state with [`AppState::env`] set to the environment the route names (`default`
/// when it names none). Whether the environment exists is found when it is read.
pub(super) struct InEnv(pub AppState);

impl FromRequestParts<AppState> for InEnv {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let mut state = state.clone();
        if let Some(identity) = parts.extensions.get::<Identity>() {
            state.author = Arc::from(identity.name.as_str());
        }
        // A route without parameters has none to read, which is the same as no `{env}`.
        if let Ok(params) = RawPathParams::from_request_parts(parts, &state).await
            && let Some((_, name)) = params.iter().find(|(key, _)| *key == "env")
        {
            state.env = parse_env(name)?;
        }
        Ok(InEnv(state))
    }
}

/// An environment's name from a path or a query, refused with the rule it breaks.
pub(super) fn parse_env(name: &str) -> Result<EnvName, AppError> {
    name.parse().map_err(|error| AppError::InvalidQuery(format!("environment: {error}")))
}

/// `routes` (paths under `/api/v1`, such as `/bindings`) at `/api/v1{path}`, acting on
/// `default`, and at `/api/v1/envs/{env}{path}`.
pub(super) fn per_env(routes: Vec<(&'static str, MethodRouter<AppState>)>) -> Router<AppState> {
    routes.into_iter().fold(Router::new(), |router, (path, method_router)| {
        router
            .route(&format!("/api/v1{path}"), method_router.clone())
            .route(&format!("/api/v1/envs/{{env}}{path}"), method_router)
    })
}
