//! `/api/v1/bindings`: read the file, replace it, bind and unbind a model.
//!
//! Every write is conditional: it needs `If-Match` with the version the client read (428
//! without), is checked against the file on disk (412 if it changed, with the current
//! version and text), is validated with the same shared code the browser runs (422 with the
//! diagnostics if it has errors; warnings pass), and is written atomically by the
//! [`FileStore`](crate::store::FileStore), which checks the version again under its lock.
//! All of that is [`write_edit`]'s work; the handlers here parse the request and say what
//! the edit is.

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use bedrock_binder_shared::api::{BindRequest, BindingsResponse, UnbindRequest};
use bedrock_binder_shared::validate::validate;
use bedrock_binder_shared::{Binding, Document, Unbinding};

use super::AppState;
use super::conditional::{Condition, ConditionalRead, etag, not_modified};
use super::env::{InEnv, per_env};
use super::error::AppError;
use super::extract::{JsonBody, PlainText};
use super::write::{Edited, write_edit};

pub(super) fn router() -> Router<AppState> {
    per_env(vec![
        ("/bindings", get(read).put(replace)),
        ("/bindings/bind", post(bind)),
        ("/bindings/unbind", post(unbind)),
    ])
}

/// `GET /api/v1/bindings`: the file, parsed and validated. 304 when `If-None-Match` names
/// the current version.
async fn read(InEnv(state): InEnv, request: Request) -> Result<Response, AppError> {
    let answer = state
        .read_unless_current(request.headers(), |snapshot, catalog| {
            let document = Document::parse(&snapshot.text);
            let diagnostics = validate(&document, catalog);
            BindingsResponse::new(&document, snapshot.version, diagnostics, snapshot.existed)
        })
        .await?;
    Ok(match answer {
        ConditionalRead::NotModified(version) => not_modified(&version),
        ConditionalRead::Read(body) => respond(body),
    })
}

/// `PUT /api/v1/bindings`: replace the whole file with a `text/plain` body.
async fn replace(InEnv(state): InEnv, headers: HeaderMap, PlainText(text): PlainText) -> Result<Response, AppError> {
    let condition = Condition::if_match(&headers)?;
    let body = write_edit(state, condition, move |_, catalog| Edited::replacement(&text, catalog)).await?;
    Ok(respond(body))
}

/// `POST /api/v1/bindings/bind`: bind a model to a profile (none or empty: direct).
async fn bind(
    InEnv(state): InEnv,
    headers: HeaderMap,
    JsonBody(request): JsonBody<BindRequest>,
) -> Result<Response, AppError> {
    let condition = Condition::if_match(&headers)?;
    let binding = Binding::try_from(&request)?;
    let body =
        write_edit(state, condition, move |snapshot, catalog| Edited::bind(&snapshot.text, catalog, &binding)).await?;
    Ok(respond(body))
}

/// `POST /api/v1/bindings/unbind`: remove every line that binds a model. Any key can be
/// unbound, even a malformed one, since removing a broken line is a way to fix it.
async fn unbind(
    InEnv(state): InEnv,
    headers: HeaderMap,
    JsonBody(request): JsonBody<UnbindRequest>,
) -> Result<Response, AppError> {
    let condition = Condition::if_match(&headers)?;
    let unbinding = Unbinding::try_from(&request)?;
    let body = write_edit(state, condition, move |snapshot, catalog| {
        Edited::without_new_errors(&snapshot.text, catalog, |document| {
            document.unbind(unbinding.key());
        })
    })
    .await?;
    Ok(respond(body))
}

/// 200 with the body, its version as the `ETag`, and no caching without revalidation.
fn respond(body: BindingsResponse) -> Response {
    let tag = etag(&body.version);
    ([(header::ETAG, tag), no_cache()], Json(body)).into_response()
}

fn no_cache() -> (header::HeaderName, HeaderValue) {
    (header::CACHE_CONTROL, HeaderValue::from_static("no-cache"))
}
