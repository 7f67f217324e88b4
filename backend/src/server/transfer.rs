//! `POST /api/v1/import/preview`: a text in as a preview of what applying it would change
//! (the file out, `GET /api/v1/export`, is [`super::export`]).

use axum::routing::post;
use axum::{Json, Router};
use bedrock_binder_shared::Document;
use bedrock_binder_shared::api::ImportPreview;
use bedrock_binder_shared::diff::line_diff;
use bedrock_binder_shared::validate::{has_errors, validate};

use super::env::{InEnv, per_env};
use super::error::AppError;
use super::extract::PlainText;
use super::{AppState, blocking};

pub(super) fn router() -> Router<AppState> {
    per_env(vec![("/import/preview", post(preview))])
}

/// The line diff from the file to a `text/plain` body, and the body's diagnostics. Writes
/// nothing; the client applies the text with `PUT /api/v1/bindings` and the version given.
async fn preview(InEnv(state): InEnv, PlainText(text): PlainText) -> Result<Json<ImportPreview>, AppError> {
    let preview = blocking(move || {
        let snapshot = state.envs.load(&state.env)?;
        let diagnostics = validate(&Document::parse(&text), &state.catalog.current());
        Ok(ImportPreview {
            version: snapshot.version,
            diff: line_diff(&snapshot.text, &text),
            has_errors: has_errors(&diagnostics),
            diagnostics,
        })
    })
    .await?;
    Ok(Json(preview))
}
