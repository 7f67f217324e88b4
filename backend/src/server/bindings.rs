//! `/api/v1/bindings`: read the file, replace it, bind and unbind a model.
//!
//! Every write is conditional: it needs `If-Match` with the version the client read (428
//! without), is checked against the file on disk (412 if it changed, with the current
//! version and text), is validated with the same shared code the browser runs (422 with the
//! diagnostics if it has errors; warnings pass), and is written atomically by the
//! [`FileStore`](crate::store::FileStore), which checks the version again under its lock.

use std::ops::Range;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use bedrock_binder_shared::api::{BindRequest, BindingsResponse, UnbindRequest};
use bedrock_binder_shared::diagnostic::Code;
use bedrock_binder_shared::model_id::ModelIdError;
use bedrock_binder_shared::profile_ref::{ProfileRefError, ProfileRefErrorKind};
use bedrock_binder_shared::validate::{has_errors, validate};
use bedrock_binder_shared::{Catalog, Diagnostic, Document, ModelId, ProfileRef, Version};

use super::conditional::{Condition, etag};
use super::error::AppError;
use super::extract::{self, PlainText};
use super::{AppState, blocking};
use crate::store::{Snapshot, StoreError};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/bindings", get(read).put(replace))
        .route("/bindings/bind", post(bind))
        .route("/bindings/unbind", post(unbind))
}

/// `GET /api/v1/bindings`: the file, parsed and validated. 304 when `If-None-Match` names
/// the current version.
async fn read(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, AppError> {
    let condition = Condition::if_none_match(&headers);
    // The UI polls with If-None-Match; when one `stat` proves the file is as last read,
    // answer at once instead of reading and hashing it on the blocking pool.
    if let Some(condition) = &condition
        && let Some(version) = state.store.unchanged_version()
        && condition.matches_weakly(&version, true)
    {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag(&version)), no_cache()]).into_response());
    }
    let answer = blocking(move || {
        let snapshot = state.store.load()?;
        if condition.is_some_and(|condition| condition.matches_weakly(&snapshot.version, snapshot.existed)) {
            return Ok(Read::NotModified(snapshot.version));
        }
        let document = Document::parse(&snapshot.text);
        let diagnostics = validate(&document, state.catalog);
        Ok(Read::Full(BindingsResponse::new(&document, snapshot.version, diagnostics, snapshot.existed)))
    })
    .await?;
    Ok(match answer {
        Read::NotModified(version) => {
            (StatusCode::NOT_MODIFIED, [(header::ETAG, etag(&version)), no_cache()]).into_response()
        }
        Read::Full(body) => respond(body),
    })
}

enum Read {
    NotModified(Version),
    Full(BindingsResponse),
}

/// `PUT /api/v1/bindings`: replace the whole file with a `text/plain` body.
async fn replace(
    State(state): State<AppState>,
    headers: HeaderMap,
    PlainText(text): PlainText,
) -> Result<Response, AppError> {
    let condition = Condition::if_match(&headers)?;
    write(state, condition, move |_, catalog| {
        let document = Document::parse(&text);
        let diagnostics = validate(&document, catalog);
        if has_errors(&diagnostics) {
            let errors = diagnostics.iter().filter(|d| d.is_error()).count();
            let noun = if errors == 1 { "error" } else { "errors" };
            return Err(AppError::Invalid {
                message: format!("the text has {errors} {noun}; nothing was written"),
                diagnostics,
            });
        }
        Ok(Edited { document, diagnostics })
    })
    .await
}

/// `POST /api/v1/bindings/bind`: bind a model to a profile (none or empty: direct).
async fn bind(
    State(state): State<AppState>,
    headers: HeaderMap,
    extract::Json(request): extract::Json<BindRequest>,
) -> Result<Response, AppError> {
    let condition = Condition::if_match(&headers)?;
    let model_text = request.model.trim();
    let model: ModelId = model_text.parse().map_err(|error: ModelIdError| {
        field_error("model", model_text, Code::MalformedModelId, error.span, error.message, None)
    })?;
    let profile_text = request.profile.as_deref().unwrap_or_default().trim();
    let profile: ProfileRef = profile_text.parse().map_err(|error: ProfileRefError| {
        let code = match error.kind {
            ProfileRefErrorKind::MalformedArn => Code::MalformedArn,
            ProfileRefErrorKind::MalformedProfileId => Code::MalformedProfileId,
        };
        field_error("profile", profile_text, code, error.span, error.message, error.help)
    })?;
    write(state, condition, move |snapshot, catalog| {
        edit_without_new_errors(&snapshot.text, catalog, |document| {
            document.bind(&model, &profile);
        })
    })
    .await
}

/// `POST /api/v1/bindings/unbind`: remove every line that binds a model. Any key can be
/// unbound, even a malformed one, since removing a broken line is a way to fix it.
async fn unbind(
    State(state): State<AppState>,
    headers: HeaderMap,
    extract::Json(request): extract::Json<UnbindRequest>,
) -> Result<Response, AppError> {
    let condition = Condition::if_match(&headers)?;
    let model = request.model.trim().to_owned();
    if model.is_empty() {
        return Err(field_error("model", "", Code::MalformedModelId, 0..0, "the model id is empty".to_owned(), None));
    }
    write(state, condition, move |snapshot, catalog| {
        edit_without_new_errors(&snapshot.text, catalog, |document| {
            document.unbind(&model);
        })
    })
    .await
}

/// A new text and its diagnostics, ready to save.
pub(super) struct Edited {
    document: Document,
    diagnostics: Vec<Diagnostic>,
}

/// Applies `edit` to the file and refuses the result only if it has more errors than the
/// file had. Validating the whole result the way `PUT` does would let an error on some other
/// line (one the user has not fixed yet, perhaps one they are fixing in another tab) block
/// every bind; validating only the touched line would miss an edit's effect on other lines.
/// Counting errors before and after catches both: an edit may leave errors it did not make,
/// never add one. (With typed `ModelId` and `ProfileRef` inputs none should ever be added;
/// this is the check that keeps it so.)
pub(super) fn edit_without_new_errors(
    text: &str,
    catalog: &Catalog,
    edit: impl FnOnce(&mut Document),
) -> Result<Edited, AppError> {
    let mut document = Document::parse(text);
    let errors_before = validate(&document, catalog).iter().filter(|d| d.is_error()).count();
    edit(&mut document);
    let diagnostics = validate(&document, catalog);
    let errors_after = diagnostics.iter().filter(|d| d.is_error()).count();
    if errors_after > errors_before {
        return Err(AppError::Invalid {
            message: "the edit would add an error to the file; nothing was written".to_owned(),
            diagnostics: diagnostics.into_iter().filter(Diagnostic::is_error).collect(),
        });
    }
    Ok(Edited { document, diagnostics })
}

/// The write path shared by `PUT`, bind and unbind: load, check the precondition, edit,
/// save against the version loaded, answer with the new file.
async fn write<F>(state: AppState, condition: Condition, edit: F) -> Result<Response, AppError>
where
    F: FnOnce(&Snapshot, &Catalog) -> Result<Edited, AppError> + Send + 'static,
{
    Ok(respond(write_body(state, condition, edit).await?))
}

/// [`write`]'s work, answering with the new file rather than a response, for routes that
/// write the file as one step of something else (binding a profile just created).
pub(super) async fn write_body<F>(state: AppState, condition: Condition, edit: F) -> Result<BindingsResponse, AppError>
where
    F: FnOnce(&Snapshot, &Catalog) -> Result<Edited, AppError> + Send + 'static,
{
    blocking(move || {
        let snapshot = state.store.load()?;
        if !condition.matches_strongly(&snapshot.version, snapshot.existed) {
            return Err(conflict(snapshot));
        }
        let Edited { document, diagnostics } = edit(&snapshot, state.catalog)?;
        if document.as_str() == snapshot.text {
            // Nothing to write; a missing file stays missing.
            return Ok(BindingsResponse::new(&document, snapshot.version, diagnostics, snapshot.existed));
        }
        let version = match state.store.save(&snapshot.version, document.as_str()) {
            Ok(version) => version,
            // Another writer got in between our load and the store's locked re-check.
            Err(StoreError::Conflict { current, .. }) => {
                return Err(match state.store.load() {
                    Ok(now) => conflict(now),
                    Err(_) => AppError::Conflict { current_version: current, current_text: None },
                });
            }
            Err(error) => return Err(error.into()),
        };
        Ok(BindingsResponse::new(&document, version, diagnostics, true))
    })
    .await
}

/// 412 with what is on disk now, so the client can show both sides.
pub(super) fn conflict(snapshot: Snapshot) -> AppError {
    AppError::Conflict { current_version: snapshot.version, current_text: Some(snapshot.text) }
}

/// 200 with the body, its version as the `ETag`, and no caching without revalidation.
fn respond(body: BindingsResponse) -> Response {
    let tag = etag(&body.version);
    ([(header::ETAG, tag), no_cache()], Json(body)).into_response()
}

fn no_cache() -> (header::HeaderName, HeaderValue) {
    (header::CACHE_CONTROL, HeaderValue::from_static("no-cache"))
}

/// A 422 for a malformed request field, with a diagnostic over the field's text whose message
/// names the field.
fn field_error(
    field: &str,
    text: &str,
    code: Code,
    span: Range<usize>,
    message: String,
    help: Option<String>,
) -> AppError {
    let mut diagnostic =
        Diagnostic::new(code, 1, text, span.start, span.end, format!("the `{field}` field: {message}"));
    diagnostic.help = help;
    AppError::Invalid { message: format!("the `{field}` field is not valid: {message}"), diagnostics: vec![diagnostic] }
}
