//! The client of the server's `/api/v1`: one function per route, on the browser's `fetch`.
//!
//! web-sys `fetch` and serde_json instead of an HTTP client crate: the app needs six routes and
//! two headers, and every kilobyte of wasm is downloaded before the page can show anything.
//! Writes send the version they were made against as `If-Match: "<version>"`.

use bedrock_binder_shared::Version;
use bedrock_binder_shared::api::{
    BindRequest, BindingsResponse, CatalogResponse, Health, ImportPreview, UnbindRequest,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Request, RequestInit, Response};

pub use crate::state::error::ApiError;

/// Where the API lives, relative to the page's origin.
const BASE: &str = "/api/v1";

/// `GET /api/v1/bindings`.
pub async fn bindings() -> Result<BindingsResponse, ApiError> {
    json(send("GET", "/bindings", None, None).await?)
}

/// `PUT /api/v1/bindings`: replaces the whole file with `text`.
pub async fn replace(text: &str, version: &Version) -> Result<BindingsResponse, ApiError> {
    json(send("PUT", "/bindings", Some(("text/plain; charset=utf-8", text.to_owned())), Some(version)).await?)
}

/// `POST /api/v1/bindings/bind`.
pub async fn bind(request: &BindRequest, version: &Version) -> Result<BindingsResponse, ApiError> {
    json(send("POST", "/bindings/bind", Some(json_body(request)?), Some(version)).await?)
}

/// `POST /api/v1/bindings/unbind`.
pub async fn unbind(request: &UnbindRequest, version: &Version) -> Result<BindingsResponse, ApiError> {
    json(send("POST", "/bindings/unbind", Some(json_body(request)?), Some(version)).await?)
}

/// `GET /api/v1/catalog` with no filter: every model. The catalog page filters in the browser,
/// which answers a keystroke far faster than a round trip.
pub async fn catalog() -> Result<CatalogResponse, ApiError> {
    json(send("GET", "/catalog", None, None).await?)
}

/// `POST /api/v1/import/preview`: the diff and diagnostics of applying `text`.
pub async fn import_preview(text: &str) -> Result<ImportPreview, ApiError> {
    json(send("POST", "/import/preview", Some(("text/plain; charset=utf-8", text.to_owned())), None).await?)
}

/// `GET /api/v1/health`.
pub async fn health() -> Result<Health, ApiError> {
    json(send("GET", "/health", None, None).await?)
}

/// The link that downloads the file (`GET /api/v1/export`, an attachment).
pub const EXPORT_HREF: &str = "/api/v1/export";

fn json_body(value: &impl Serialize) -> Result<(&'static str, String), ApiError> {
    let body = serde_json::to_string(value).map_err(|error| ApiError::Decode(error.to_string()))?;
    Ok(("application/json", body))
}

fn json<T: DeserializeOwned>(body: String) -> Result<T, ApiError> {
    serde_json::from_str(&body).map_err(|error| ApiError::Decode(error.to_string()))
}

/// Sends one request and returns the body of a 2xx answer; any other answer becomes an
/// [`ApiError`] built from the server's error body.
async fn send(
    method: &str,
    path: &str,
    body: Option<(&str, String)>,
    if_match: Option<&Version>,
) -> Result<String, ApiError> {
    let network = |error: JsValue| ApiError::Network(js_message(&error));
    let init = RequestInit::new();
    init.set_method(method);
    let headers = web_sys::Headers::new().map_err(network)?;
    headers.set("Accept", "application/json").map_err(network)?;
    if let Some((content_type, text)) = &body {
        headers.set("Content-Type", content_type).map_err(network)?;
        init.set_body(&JsValue::from_str(text));
    }
    if let Some(version) = if_match {
        headers.set("If-Match", &format!("\"{}\"", version.as_str())).map_err(network)?;
    }
    init.set_headers(&headers);
    let request = Request::new_with_str_and_init(&format!("{BASE}{path}"), &init).map_err(network)?;
    let window = web_sys::window().ok_or_else(|| ApiError::Network("no window".to_owned()))?;
    let response: Response =
        JsFuture::from(window.fetch_with_request(&request)).await.map_err(network)?.dyn_into().map_err(network)?;
    let text = JsFuture::from(response.text().map_err(network)?).await.map_err(network)?;
    let text = text.as_string().unwrap_or_default();
    if response.ok() { Ok(text) } else { Err(ApiError::from_response(response.status(), &text)) }
}

/// The message of a thrown JS value (a `TypeError: Failed to fetch`, say).
pub fn js_message(value: &JsValue) -> String {
    value
        .dyn_ref::<js_sys::Error>()
        .map(|error| String::from(error.message()))
        .or_else(|| value.as_string())
        .unwrap_or_else(|| "unknown error".to_owned())
}
