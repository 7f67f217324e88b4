//! `GET /api/v1/export` and `POST /api/v1/import/preview`: the file out as it is, and a
//! text in as a preview of what applying it would change.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use bedrock_binder_shared::Document;
use bedrock_binder_shared::api::ImportPreview;
use bedrock_binder_shared::diff::line_diff;
use bedrock_binder_shared::validate::{has_errors, validate};

use super::conditional::etag;
use super::env::{InEnv, per_env};
use super::error::AppError;
use super::extract::PlainText;
use super::{AppState, blocking};

pub(super) fn router() -> Router<AppState> {
    per_env(vec![("/export", get(export)), ("/import/preview", post(preview))])
}

/// The file byte for byte, as a download named `inference.txt` (empty if there is no file).
async fn export(InEnv(state): InEnv) -> Result<Response, AppError> {
    let snapshot = state.load_file().await?;
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8")),
        (header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=\"inference.txt\"")),
        (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        (header::ETAG, etag(&snapshot.version)),
    ];
    Ok((headers, snapshot.text).into_response())
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
