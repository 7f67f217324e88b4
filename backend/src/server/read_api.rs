//! `/v1/envs/{env}/…`: the read API for the apps that consume bindings, outside `/api/v1`
//! (the UI's API) so that it can be versioned and granted on its own.
//!
//! | route | what |
//! |---|---|
//! | `GET /v1/envs/{env}/inference.txt` | the environment's file, byte for byte, with a strong `ETag`; 304 on `If-None-Match` |
//! | `GET /v1/envs/{env}/resolve?model=ID` | `{model, value, kind, line}`, resolved exactly as TPipe resolves it |
//!
//! Without a store the server has one environment, `default`: the file it serves.

use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use bedrock_binder_shared::api::ResolveResponse;
use serde::Deserialize;

use super::AppState;
use super::conditional::{ConditionalRead, etag, not_modified};
use super::env::InEnv;
use super::error::AppError;
use super::extract::Query;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/envs/{env}/inference.txt", get(inference_txt))
        .route("/v1/envs/{env}/resolve", get(resolve))
}

/// `GET /v1/envs/{env}/inference.txt`: `text/plain`, the stored bytes as they are.
async fn inference_txt(InEnv(state): InEnv, request: Request) -> Result<Response, AppError> {
    let answer = state.read_unless_current(request.headers(), |snapshot, _| snapshot).await?;
    let snapshot = match answer {
        ConditionalRead::NotModified(version) => return Ok(not_modified(&version)),
        ConditionalRead::Read(snapshot) => snapshot,
    };
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8")),
        (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        (header::ETAG, etag(&snapshot.version)),
    ];
    Ok((headers, snapshot.text).into_response())
}

/// The query of `resolve`.
#[derive(Debug, Deserialize)]
struct ResolveQuery {
    model: Option<String>,
}

/// `GET /v1/envs/{env}/resolve?model=ID`.
async fn resolve(InEnv(state): InEnv, Query(query): Query<ResolveQuery>) -> Result<Json<ResolveResponse>, AppError> {
    let model = query.model.as_deref().map(str::trim).filter(|model| !model.is_empty());
    let model =
        model.ok_or_else(|| AppError::InvalidQuery("model: give the model id to resolve".to_owned()))?.to_owned();
    let document = state.load_document().await?;
    Ok(Json(ResolveResponse::resolve(&document, &model)))
}

#[cfg(test)]
mod tests {
    use bedrock_binder_shared::Document;
    use bedrock_binder_shared::api::ResolvedKind;

    use super::*;

    fn resolve_text(text: &str, model: &str) -> ResolveResponse {
        ResolveResponse::resolve(&Document::parse(text), model)
    }

    #[test]
    fn resolution_follows_tpipe_last_duplicate_wins_and_an_empty_value_is_direct() {
        let text = "# c\nm.a=us.m.a\nm.a = eu.m.a \nm.b=\nm.b=us.m.b\nm.c=us.m.c\nm.c=\n";
        let a = resolve_text(text, " m.a ");
        assert_eq!((a.value.as_str(), a.kind, a.line), ("eu.m.a", ResolvedKind::Profile, Some(3)));
        let b = resolve_text(text, "m.b");
        assert_eq!((b.value.as_str(), b.kind, b.line), ("us.m.b", ResolvedKind::Profile, Some(5)));
        let c = resolve_text(text, "m.c");
        assert_eq!((c.value.as_str(), c.kind, c.line), ("m.c", ResolvedKind::Direct, Some(7)));
        let d = resolve_text(text, "m.d");
        assert_eq!((d.value.as_str(), d.kind, d.line), ("m.d", ResolvedKind::Unbound, None));
    }
}
