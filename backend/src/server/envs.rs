//! Environments as resources: list, create, read, delete, settings, diff, promote, history
//! and revert. The environment's bindings are under `/api/v1/envs/{env}/bindings` and the rest
//! of the bindings half (see [`super::env::per_env`]).
//!
//! | route | what |
//! |---|---|
//! | `GET/POST /api/v1/envs` | list; create (empty, `from` another, or with `text`) |
//! | `GET/DELETE /api/v1/envs/{env}` | one summary; delete (`If-Match`: its text version) |
//! | `PUT /api/v1/envs/{env}/settings` | replace its settings (`If-Match`: their version) |
//! | `GET /api/v1/envs/{env}/history` | its committed changes, newest first |
//! | `POST /api/v1/envs/{env}/revert` | restore an earlier change's text (`If-Match`: current version) |
//! | `GET /api/v1/diff?from=A&to=B` | the binding diff and the line diff |
//! | `POST /api/v1/promote` | the preview and the promote gate; with `apply`, the write |

use axum::extract::Query;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use bedrock_binder_shared::api::{
    BindingsResponse, CreateEnvRequest, EnvDiffResponse, EnvListResponse, EnvSettings, EnvSummary, HistoryResponse,
    PromoteRequest, PromoteResponse, RevertRequest, SkippedModel,
};
use bedrock_binder_shared::diff::line_diff;
use bedrock_binder_shared::env_name::EnvName;
use bedrock_binder_shared::preset::preset_diff;
use bedrock_binder_shared::validate::validate;
use bedrock_binder_shared::{Document, Version};
use serde::Deserialize;

use super::conditional::{Condition, etag};
use super::env::{InEnv, parse_env};
use super::error::AppError;
use super::extract::JsonBody;
use super::write::{Edited, conflict};
use super::{AppState, blocking};
use crate::aws::gate::{promote_gate, promote_reason};
use crate::envs::{NewEnv, revert_reason};
use crate::requests::Proposal;
use crate::storage::ChangeKind;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/envs", get(list).post(create))
        .route("/api/v1/envs/{env}", get(summary).delete(remove))
        .route("/api/v1/envs/{env}/settings", put(settings))
        .route("/api/v1/envs/{env}/history", get(history))
        .route("/api/v1/envs/{env}/revert", post(revert))
        .route("/api/v1/diff", get(diff))
        .route("/api/v1/promote", post(promote))
}

/// The one version an `If-Match` names (428 without one; `*` or a list names none in
/// particular, so the current version is taken).
pub(super) fn if_match_version(headers: &HeaderMap) -> Result<Option<Version>, AppError> {
    let _ = Condition::if_match(headers)?;
    Ok(optional_if_match(headers))
}

/// The version an optional `If-Match` names, if it names exactly one.
fn optional_if_match(headers: &HeaderMap) -> Option<Version> {
    let value = headers.get(axum::http::header::IF_MATCH)?.to_str().ok()?.trim();
    let tag = value.strip_prefix('"')?.strip_suffix('"')?;
    (!tag.is_empty() && !tag.contains('"')).then(|| Version::from_token(tag.to_owned()))
}

/// A named environment from a request field, refused with the field's name.
fn field_env(field: &str, value: &str) -> Result<EnvName, AppError> {
    value.trim().parse().map_err(|error| AppError::InvalidRequest(format!("`{field}`: {error}")))
}

/// `GET /api/v1/envs`.
async fn list(InEnv(state): InEnv) -> Result<Json<EnvListResponse>, AppError> {
    let kind = state.envs.kind();
    let envs = blocking(move || Ok(state.envs.summaries()?)).await?;
    Ok(Json(EnvListResponse { store: kind, envs }))
}

/// `POST /api/v1/envs`: 201 with the new environment's summary.
async fn create(InEnv(state): InEnv, JsonBody(request): JsonBody<CreateEnvRequest>) -> Result<Response, AppError> {
    let name = field_env("name", &request.name)?;
    let from = request.from.as_deref().map(|from| field_env("from", from)).transpose()?;
    let meta = state.meta(None);
    let summary = blocking(move || {
        let new = match (from, request.text) {
            (Some(_), Some(_)) => {
                return Err(AppError::InvalidRequest("give `from` or `text`, not both".to_owned()));
            }
            (Some(from), None) => {
                let source = state.envs.read(&from)?;
                NewEnv { text: source.text, settings: request.settings.unwrap_or(source.settings) }
            }
            (None, text) => {
                let text = text.unwrap_or_default();
                Edited::replacement(&text, &state.catalog.current())?;
                NewEnv { text, settings: request.settings.unwrap_or_default() }
            }
        };
        Ok(state.envs.create(&name, new, meta)?)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(summary)).into_response())
}

/// `GET /api/v1/envs/{env}`.
async fn summary(InEnv(state): InEnv) -> Result<Json<EnvSummary>, AppError> {
    Ok(Json(blocking(move || Ok(state.envs.summary(&state.env)?)).await?))
}

/// `DELETE /api/v1/envs/{env}`: 204. `If-Match` names the text version the deletion was
/// confirmed against.
async fn remove(InEnv(state): InEnv, headers: HeaderMap) -> Result<StatusCode, AppError> {
    let expected = if_match_version(&headers)?;
    let meta = state.meta(None);
    blocking(move || Ok(state.envs.delete(&state.env, expected, meta)?)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `PUT /api/v1/envs/{env}/settings`.
async fn settings(
    InEnv(state): InEnv,
    headers: HeaderMap,
    JsonBody(settings): JsonBody<EnvSettings>,
) -> Result<Json<EnvSummary>, AppError> {
    let expected = if_match_version(&headers)?;
    let meta = state.meta(None);
    Ok(Json(blocking(move || Ok(state.envs.set_settings(&state.env, expected, settings, meta)?)).await?))
}

/// `GET /api/v1/envs/{env}/history`.
async fn history(InEnv(state): InEnv) -> Result<Json<HistoryResponse>, AppError> {
    Ok(Json(blocking(move || Ok(state.envs.history(&state.env)?)).await?))
}

/// `POST /api/v1/envs/{env}/revert`: the environment as it now is, with the new `ETag`.
async fn revert(
    InEnv(state): InEnv,
    headers: HeaderMap,
    JsonBody(request): JsonBody<RevertRequest>,
) -> Result<Response, AppError> {
    let expected = if_match_version(&headers)?;
    let meta = state.meta(request.reason.clone());
    let body = blocking(move || {
        if state.must_propose()? {
            let (text, stored) = state.envs.revert_text(&state.env, request.seq, request.undo)?;
            if expected.as_ref().is_some_and(|expected| *expected != stored.state.text) {
                return Err(conflict(state.envs.load(&state.env)?));
            }
            let proposal = Proposal {
                kind: ChangeKind::Revert,
                base: stored.state.text,
                base_text: stored.text,
                text,
                from: None,
                gate: None,
                presets: None,
            };
            return Err(state.propose_instead(proposal, revert_reason(request.seq, request.undo, request.reason)));
        }
        match state.envs.revert(&state.env, request.seq, request.undo, expected, meta) {
            Ok(_) => {}
            Err(error) if error.is_conflict() => return Err(conflict(state.envs.load(&state.env)?)),
            Err(error) => return Err(error.into()),
        }
        let snapshot = state.envs.load(&state.env)?;
        let document = Document::parse(&snapshot.text);
        let diagnostics = validate(&document, &state.catalog.current());
        Ok(BindingsResponse::new(&document, snapshot.version, diagnostics, snapshot.existed))
    })
    .await?;
    Ok(([(axum::http::header::ETAG, etag(&body.version))], Json(body)).into_response())
}

/// The query of `diff`.
#[derive(Debug, Deserialize)]
struct DiffQuery {
    from: Option<String>,
    to: Option<String>,
}

/// `GET /api/v1/diff?from=A&to=B`.
async fn diff(InEnv(state): InEnv, Query(query): Query<DiffQuery>) -> Result<Json<EnvDiffResponse>, AppError> {
    let name = |value: Option<String>, field: &str| {
        let value = value.ok_or_else(|| AppError::InvalidQuery(format!("{field}: name an environment")))?;
        parse_env(&value)
    };
    let (from, to) = (name(query.from, "from")?, name(query.to, "to")?);
    Ok(Json(blocking(move || Ok(state.envs.diff(&from, &to)?)).await?))
}

/// `POST /api/v1/promote`: the preview and the gate's findings; with `apply`, the write (an
/// optional `If-Match` pins it to the target's version the preview showed).
async fn promote(
    InEnv(state): InEnv,
    headers: HeaderMap,
    JsonBody(request): JsonBody<PromoteRequest>,
) -> Result<Json<PromoteResponse>, AppError> {
    let from = field_env("from", &request.from)?;
    let to = field_env("to", &request.to)?;
    if from == to {
        return Err(AppError::InvalidRequest("`to`: promote into another environment than `from`".to_owned()));
    }
    let reason = request.reason.as_deref().map(str::trim).filter(|reason| !reason.is_empty()).map(str::to_owned);
    if request.force && reason.is_none() {
        return Err(AppError::InvalidRequest("`reason`: a forced promote needs a reason, for the history".to_owned()));
    }
    let pinned = optional_if_match(&headers);
    let planning = state.clone();
    let (from_name, to_name, models) = (from.clone(), to.clone(), request.models.clone());
    let preview = blocking(move || Ok(planning.envs.promote_plan(&from_name, &to_name, &models)?)).await?;
    let (plan, target, presets) = (preview.plan, preview.target, preview.presets);
    if let Some(pinned) = &pinned
        && *pinned != target.version
    {
        return Err(conflict(target));
    }
    let target_state = AppState { env: to.clone(), ..state.clone() }.in_env_account().await?;
    let gate = promote_gate(&target_state.aws, &state.catalog.current(), &plan.changes, &plan.text).await;
    let mut response = PromoteResponse {
        from: from.to_string(),
        to: to.to_string(),
        lines: line_diff(&target.text, &plan.text),
        changes: plan.changes,
        presets: preset_diff(&presets.before, &presets.after),
        skipped: plan.skipped.into_iter().map(|(model, reason)| SkippedModel { model, reason }).collect(),
        gate,
        version: target.version.clone(),
        applied: false,
        change: None,
    };
    if !request.apply || (response.changes.is_empty() && response.presets.is_empty()) {
        return Ok(Json(response));
    }
    if !response.gate.ok && !request.force {
        let errors =
            response.gate.findings.iter().filter(|f| f.severity == bedrock_binder_shared::api::GateSeverity::Error);
        let list: Vec<String> = errors.map(|finding| format!("{}: {}", finding.model, finding.message)).collect();
        return Err(AppError::PromoteGateFailed(format!(
            "the promote gate found {} error(s); nothing was written. {}",
            list.len(),
            list.join("; ")
        )));
    }
    let meta = state.meta(promote_reason(reason.as_deref(), &response.gate));
    let text = plan.text;
    let writer = AppState { env: to.clone(), ..state.clone() };
    let expected = target.version;
    // A protected target gets a change request, with the gate's findings, instead.
    let (proposer, gate, reason) = (writer.clone(), response.gate.clone(), meta.reason.clone());
    let (base, base_text, proposed, source) = (expected.clone(), target.text, text.clone(), from.clone());
    let promoted_presets = presets.clone();
    blocking(move || {
        if !proposer.must_propose()? {
            return Ok(());
        }
        let proposal = Proposal {
            kind: ChangeKind::Promote,
            base,
            base_text,
            text: proposed,
            from: Some(source),
            gate: Some(gate),
            presets: Some(promoted_presets),
        };
        Err(proposer.propose_instead(proposal, reason))
    })
    .await?;
    let (version, change) = blocking(move || {
        // The bindings, then the presets that travel with them: two commits, each conditional
        // on what the preview read.
        let version = match writer.envs.save(&to, &expected, &text, ChangeKind::Promote, meta.clone()) {
            Ok(version) => version,
            Err(error) if error.is_conflict() => return Err(conflict(writer.envs.load(&to)?)),
            Err(error) => return Err(error.into()),
        };
        writer.envs.save_promoted_presets(&to, &presets, meta)?;
        Ok((version, writer.envs.summary(&to)?.last_change))
    })
    .await?;
    response.version = version;
    response.applied = true;
    response.change = change;
    Ok(Json(response))
}
