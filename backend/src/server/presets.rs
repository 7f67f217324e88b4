//! Each binding's preset (its inference parameters), per environment.
//!
//! | route | what |
//! |---|---|
//! | `GET /api/v1/envs/{env}/presets` | every preset, with the settings version as `ETag` |
//! | `PUT /api/v1/envs/{env}/presets/{model}` | set one (`If-Match`: the settings version) |
//! | `DELETE /api/v1/envs/{env}/presets/{model}` | clear one (`If-Match` likewise) |
//!
//! The same routes without `/envs/{env}` act on `default`. Presets are stored in the
//! environment's settings, so their version is the settings' version; on a protected
//! environment a change becomes a change request, as a binding's does.

use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bedrock_binder_shared::ModelId;
use bedrock_binder_shared::api::PresetsResponse;
use bedrock_binder_shared::preset::{Preset, PresetFields};
use serde::Deserialize;

use super::conditional::etag;
use super::env::{InEnv, per_env};
use super::error::AppError;
use super::extract::{JsonBody, Path};
use super::{AppState, blocking};
use crate::envs::PresetWriteError;
use crate::requests::Proposal;
use crate::storage::{ChangeKind, StorageError};

pub(super) fn router() -> axum::Router<AppState> {
    per_env(vec![("/presets", get(list)), ("/presets/{model}", axum::routing::put(set).delete(clear))])
}

/// The model in the path, by name: the path may have `{env}` too.
#[derive(Debug, Deserialize)]
struct ModelPath {
    model: String,
}

impl From<PresetWriteError> for AppError {
    fn from(error: PresetWriteError) -> AppError {
        match error {
            PresetWriteError::Storage(error) => error.into(),
            not_bound @ PresetWriteError::NotBound { .. } => AppError::InvalidRequest(not_bound.to_string()),
        }
    }
}

fn answer(presets: PresetsResponse) -> Response {
    ([(header::ETAG, etag(&presets.version))], axum::Json(presets)).into_response()
}

/// `GET …/presets`.
async fn list(InEnv(state): InEnv) -> Result<Response, AppError> {
    Ok(answer(blocking(move || Ok(state.envs.presets(&state.env)?)).await?))
}

/// `PUT …/presets/{model}`: the preset's JSON (`{"maxTokens":512,…}`); an empty object clears it.
async fn set(
    InEnv(state): InEnv,
    Path(path): Path<ModelPath>,
    headers: HeaderMap,
    JsonBody(fields): JsonBody<PresetFields>,
) -> Result<Response, AppError> {
    let preset = Preset::try_from(fields).map_err(|error| AppError::InvalidRequest(error.to_string()))?;
    write(state, path.model, Some(preset), &headers).await
}

/// `DELETE …/presets/{model}`.
async fn clear(InEnv(state): InEnv, Path(path): Path<ModelPath>, headers: HeaderMap) -> Result<Response, AppError> {
    write(state, path.model, None, &headers).await
}

async fn write(
    state: AppState,
    model: String,
    preset: Option<Preset>,
    headers: &HeaderMap,
) -> Result<Response, AppError> {
    let model: ModelId = model.parse().map_err(|error| AppError::InvalidRequest(format!("model: {error}")))?;
    let expected = super::envs::if_match_version(headers)?;
    let presets = blocking(move || {
        let model = model.as_str();
        if state.must_propose()? {
            let (presets, stored) = state.envs.preset_change(&state.env, model, preset, expected)?;
            if presets.before == presets.after {
                return Ok(state.envs.presets(&state.env)?);
            }
            let proposal = Proposal {
                kind: ChangeKind::Preset,
                base: stored.state.text,
                base_text: stored.text.clone(),
                text: stored.text,
                from: None,
                gate: None,
                presets: Some(presets),
            };
            return Err(state.propose_instead(proposal, None));
        }
        match state.envs.set_preset(&state.env, model, preset, expected, state.meta(None)) {
            Ok(presets) => Ok(presets),
            Err(PresetWriteError::Storage(StorageError::Conflict { .. })) => {
                Err(AppError::Conflict { current_version: state.envs.presets(&state.env)?.version, current_text: None })
            }
            Err(error) => Err(error.into()),
        }
    })
    .await?;
    Ok(answer(presets))
}
