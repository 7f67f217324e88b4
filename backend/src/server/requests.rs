//! Change requests on protected environments ([`crate::requests`]), and the rule that turns a
//! change to a protected environment into one.
//!
//! | route | what |
//! |---|---|
//! | `GET /api/v1/envs/{env}/requests` | every request, newest first |
//! | `POST /api/v1/envs/{env}/requests` | propose a promote (`from`) or a whole text (`text`, `If-Match`) |
//! | `GET /api/v1/envs/{env}/requests/{id}` | one request |
//! | `POST /api/v1/envs/{env}/requests/{id}/approve` | apply it against the version it was made against |
//! | `POST /api/v1/envs/{env}/requests/{id}/reject` | close it; nothing changes |
//! | `POST /api/v1/envs/{env}/requests/{id}/rebase` | make it again on the current version, as a new request |
//!
//! With auth on, every other route that changes a protected environment's text (bind, unbind,
//! `PUT /bindings`, bind-required, promote, revert) proposes instead of writing: it answers
//! 202 `change-requested`, naming the request, with its address in `Location`
//! ([`AppState::propose_instead`]).
//! Without auth there is nobody to approve, so `protected` is only shown.

use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use bedrock_binder_shared::api::{
    ChangeKind, ChangeRequest, ChangeRequestList, DecideRequest, GateSeverity, ProposeRequest,
};
use bedrock_binder_shared::env_name::EnvName;
use serde::Deserialize;

use super::env::InEnv;
use super::error::AppError;
use super::extract::{JsonBody, Path};
use super::write::Edited;
use super::{AppState, blocking};
use crate::aws::gate::promote_gate;
use crate::requests::Proposal;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/envs/{env}/requests", get(list).post(propose))
        .route("/api/v1/envs/{env}/requests/{id}", get(one))
        .route("/api/v1/envs/{env}/requests/{id}/approve", post(approve))
        .route("/api/v1/envs/{env}/requests/{id}/reject", post(reject))
        .route("/api/v1/envs/{env}/requests/{id}/rebase", post(rebase))
}

impl AppState {
    /// Whether a change to this request's environment must become a change request: it is
    /// protected, and the server has identities to approve with. Blocking.
    pub(super) fn must_propose(&self) -> Result<bool, AppError> {
        Ok(self.auth.is_some() && self.envs.is_protected(&self.env)?)
    }

    /// Records `proposal` as a change request by the caller, and answers the 202 that says so.
    /// Blocking.
    pub(super) fn propose_instead(&self, proposal: Proposal, reason: Option<String>) -> AppError {
        match self.envs.propose(&self.env, proposal, self.meta(reason)) {
            Ok(request) => AppError::ChangeRequested(Box::new(request)),
            Err(error) => error.into(),
        }
    }
}

/// The request's number in the path, by name: the path has `{env}` too.
#[derive(Debug, Deserialize)]
struct RequestPath {
    id: u64,
}

fn comment(request: DecideRequest) -> Option<String> {
    request.comment.map(|comment| comment.trim().to_owned()).filter(|comment| !comment.is_empty())
}

/// `GET /api/v1/envs/{env}/requests`.
async fn list(InEnv(state): InEnv) -> Result<Json<ChangeRequestList>, AppError> {
    Ok(Json(blocking(move || Ok(state.envs.requests(&state.env)?)).await?))
}

/// `GET /api/v1/envs/{env}/requests/{id}`.
async fn one(
    InEnv(state): InEnv,
    Path(RequestPath { id }): Path<RequestPath>,
) -> Result<Json<ChangeRequest>, AppError> {
    Ok(Json(blocking(move || Ok(state.envs.request(&state.env, id)?)).await?))
}

/// `POST /api/v1/envs/{env}/requests/{id}/approve`: the request, now applied.
async fn approve(
    InEnv(state): InEnv,
    Path(RequestPath { id }): Path<RequestPath>,
    JsonBody(request): JsonBody<DecideRequest>,
) -> Result<Json<ChangeRequest>, AppError> {
    let comment = comment(request);
    Ok(Json(blocking(move || Ok(state.envs.approve(&state.env, id, &state.author, comment)?)).await?))
}

/// `POST /api/v1/envs/{env}/requests/{id}/reject`: the request, now rejected.
async fn reject(
    InEnv(state): InEnv,
    Path(RequestPath { id }): Path<RequestPath>,
    JsonBody(request): JsonBody<DecideRequest>,
) -> Result<Json<ChangeRequest>, AppError> {
    let comment = comment(request);
    Ok(Json(blocking(move || Ok(state.envs.reject(&state.env, id, &state.author, comment)?)).await?))
}

/// `POST /api/v1/envs/{env}/requests/{id}/rebase`: 201 with the new request.
async fn rebase(InEnv(state): InEnv, Path(RequestPath { id }): Path<RequestPath>) -> Result<Response, AppError> {
    let request = blocking(move || Ok(state.envs.rebase(&state.env, id, &state.author)?)).await?;
    Ok((StatusCode::CREATED, Json(request)).into_response())
}

/// `POST /api/v1/envs/{env}/requests`: 201 with the new request. For any environment, protected
/// or not: proposing is how an editor asks for a promote they may not make themselves.
async fn propose(
    InEnv(state): InEnv,
    headers: HeaderMap,
    JsonBody(request): JsonBody<ProposeRequest>,
) -> Result<Response, AppError> {
    let reason = request.reason.as_deref().map(str::trim).filter(|reason| !reason.is_empty()).map(str::to_owned);
    let proposal = match (request.from.as_deref(), request.text) {
        (Some(from), None) => promotion(&state, from, request.models, reason.as_deref()).await?,
        (None, Some(text)) => {
            let condition = super::conditional::Condition::if_match(&headers)?;
            let reader = state.clone();
            blocking(move || {
                let snapshot = reader.envs.load(&reader.env)?;
                if !condition.matches_strongly(&snapshot.version, snapshot.existed) {
                    return Err(super::write::conflict(snapshot));
                }
                let edited = Edited::replacement(&text, &reader.catalog.current())?;
                Ok(Proposal {
                    kind: ChangeKind::Edit,
                    base: snapshot.version,
                    base_text: snapshot.text,
                    text: edited.text().to_owned(),
                    from: None,
                    gate: None,
                    presets: None,
                })
            })
            .await?
        }
        _ => {
            return Err(AppError::InvalidRequest(
                "propose either a promote (`from`, and `models` or none for all) or a whole text (`text`)".to_owned(),
            ));
        }
    };
    let proposed = blocking(move || Ok(state.envs.propose(&state.env, proposal, state.meta(reason))?)).await?;
    Ok((StatusCode::CREATED, Json(proposed)).into_response())
}

/// The proposal of a promote from `from` into the request's environment, with the promote
/// gate's findings against its account. Findings that are errors need a reason, as a forced
/// promote does: the approver decides with them in view.
async fn promotion(
    state: &AppState,
    from: &str,
    models: Vec<String>,
    reason: Option<&str>,
) -> Result<Proposal, AppError> {
    let from: EnvName = from.trim().parse().map_err(|error| AppError::InvalidRequest(format!("`from`: {error}")))?;
    if from == state.env {
        return Err(AppError::InvalidRequest("`from`: promote from another environment".to_owned()));
    }
    let planner = state.clone();
    let source = from.clone();
    let preview = blocking(move || Ok(planner.envs.promote_plan(&source, &planner.env, &models)?)).await?;
    let (plan, target, presets) = (preview.plan, preview.target, preview.presets);
    if plan.changes.is_empty() && presets.before == presets.after {
        return Err(AppError::InvalidRequest(format!("`{}` has every binding of `{from}` already", state.env)));
    }
    let account = state.clone().in_env_account().await?;
    let gate = promote_gate(&account.aws, &state.catalog.current(), &plan.changes, &plan.text).await;
    if !gate.ok && reason.is_none() {
        let errors = gate.findings.iter().filter(|finding| finding.severity == GateSeverity::Error).count();
        return Err(AppError::PromoteGateFailed(format!(
            "the promote gate found {errors} error(s); give a `reason` to propose it anyway, for the approver to weigh"
        )));
    }
    Ok(Proposal {
        kind: ChangeKind::Promote,
        base: target.version,
        base_text: target.text,
        text: plan.text,
        from: Some(from),
        gate: Some(gate),
        presets: Some(presets),
    })
}
