//! The client of the server's `/api/v1`: one function per route, on the browser's `fetch`.
//!
//! web-sys `fetch` and serde_json instead of an HTTP client crate: the app needs a handful of
//! routes and two headers, and every kilobyte of wasm is downloaded before the page can show anything.
//! Writes send the version they were made against as `If-Match: "<version>"`, and every
//! request but a `GET` sends `X-Requested-With: bedrock-binder` ([`CSRF_HEADER`]), without which
//! the server refuses a change the session cookie signs in. A 401 sends the browser to the
//! sign-in page, which brings it back here.
//! Every route that acts on one environment's file (bindings, import, export, AWS) is called
//! in the page's environment, through [`in_env`], the one place that builds those paths.
//! The streaming test reads its `text/event-stream` body chunk by chunk
//! ([`crate::state::sse`]), since `EventSource` cannot POST.

use bedrock_binder_shared::api::{
    AwsCatalogResponse, AwsStatus, BindRequest, BindRequiredPreview, BindRequiredRequest, BindingsResponse,
    CatalogResponse, ChangeRequest, ChangeRequestList, CheckRequest, CheckResponse, CreateEnvRequest,
    CreateProfileRequest, CreateProfileResponse, DecideRequest, DeleteProfileResponse, EnvDiffResponse,
    EnvListResponse, EnvSummary, HistoryResponse, ImportPreview, PresetsResponse, ProfilesResponse, PromoteRequest,
    PromoteResponse, ProposeRequest, RefreshProgress, RefreshRequest, RevertRequest, SessionInfo, TestRequest,
    TestStreamEvent, UnbindRequest,
};
use bedrock_binder_shared::api::{CSRF_HEADER, CSRF_HEADER_VALUE};
use bedrock_binder_shared::env_name::EnvName;
use bedrock_binder_shared::preset::PresetFields;
use bedrock_binder_shared::{Diagnostic, Document, Version};
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{ReadableStreamDefaultReader, Request, RequestInit, Response};

pub use crate::state::error::ApiError;

use crate::state::sse::{SseParser, test_event};

/// Where the API lives, relative to the page's origin.
const BASE: &str = "/api/v1";

/// The path of `route` in environment `env`: `/envs/{env}{route}`. An [`EnvName`] is
/// lower-case letters, digits and `-`, so it needs no escaping in a path.
fn in_env(env: &EnvName, route: &str) -> String {
    format!("/envs/{env}{route}")
}

/// `GET /api/v1/envs/{env}/bindings`.
pub async fn bindings(env: &EnvName) -> Result<BindingsResponse, ApiError> {
    file(send("GET", &in_env(env, "/bindings"), None, None).await?)
}

/// `PUT /api/v1/envs/{env}/bindings`: replaces the whole file with `text`.
pub async fn replace(env: &EnvName, text: &str, version: &Version) -> Result<BindingsResponse, ApiError> {
    let body = Some(("text/plain; charset=utf-8", text.to_owned()));
    file(send("PUT", &in_env(env, "/bindings"), body, Some(version)).await?)
}

/// `POST /api/v1/envs/{env}/bindings/bind`.
pub async fn bind(env: &EnvName, request: &BindRequest, version: &Version) -> Result<BindingsResponse, ApiError> {
    file(send("POST", &in_env(env, "/bindings/bind"), Some(json_body(request)?), Some(version)).await?)
}

/// `POST /api/v1/envs/{env}/bindings/unbind`.
pub async fn unbind(env: &EnvName, request: &UnbindRequest, version: &Version) -> Result<BindingsResponse, ApiError> {
    file(send("POST", &in_env(env, "/bindings/unbind"), Some(json_body(request)?), Some(version)).await?)
}

/// `GET /api/v1/envs/{env}/presets`: every binding's preset, with the settings version that
/// a preset's write sends as `If-Match`.
pub async fn presets(env: &EnvName) -> Result<PresetsResponse, ApiError> {
    json(send("GET", &in_env(env, "/presets"), None, None).await?)
}

/// `PUT /api/v1/envs/{env}/presets/{model}` (with `fields` empty, the server clears it), or
/// with `None` `DELETE` it; made against the settings `version`.
pub async fn write_preset(
    env: &EnvName,
    model: &str,
    fields: Option<&PresetFields>,
    version: &Version,
) -> Result<PresetsResponse, ApiError> {
    let route = in_env(env, &format!("/presets/{}", String::from(js_sys::encode_uri_component(model))));
    let (method, body) = match fields {
        Some(fields) => ("PUT", Some(json_body(fields)?)),
        None => ("DELETE", None),
    };
    json(send(method, &route, body, Some(version)).await?)
}

/// `GET /api/v1/catalog` with no filter: every model. The catalog page filters in the browser,
/// which answers a keystroke far faster than a round trip.
pub async fn catalog() -> Result<CatalogResponse, ApiError> {
    json(send("GET", "/catalog", None, None).await?)
}

/// `POST /api/v1/envs/{env}/import/preview`: the diff and diagnostics of applying `text`.
pub async fn import_preview(env: &EnvName, text: &str) -> Result<ImportPreview, ApiError> {
    let body = Some(("text/plain; charset=utf-8", text.to_owned()));
    json(send("POST", &in_env(env, "/import/preview"), body, None).await?)
}

/// `GET /api/v1/envs/{env}/aws/status`; with `fresh`, `?fresh=true`: the server asks AWS
/// again instead of answering from its short-lived cache ("Check again").
pub async fn aws_status(env: &EnvName, fresh: bool) -> Result<AwsStatus, ApiError> {
    let route = if fresh { "/aws/status?fresh=true" } else { "/aws/status" };
    json(send("GET", &in_env(env, route), None, None).await?)
}

/// `POST /api/v1/envs/{env}/aws/refresh`: fetches `regions` now; answers when every region
/// is done.
pub async fn refresh(env: &EnvName, regions: Vec<String>) -> Result<RefreshProgress, ApiError> {
    let request = RefreshRequest { regions, use_cache: false };
    json(send("POST", &in_env(env, "/aws/refresh"), Some(json_body(&request)?), None).await?)
}

/// `GET /api/v1/envs/{env}/aws/refresh`: the progress of the refresh that is running (or the
/// last one).
pub async fn refresh_progress(env: &EnvName) -> Result<RefreshProgress, ApiError> {
    json(send("GET", &in_env(env, "/aws/refresh"), None, None).await?)
}

/// `GET /api/v1/envs/{env}/aws/catalog?regions=`: the regions' catalogs, from the server's
/// cache (or the offline catalog for a region not fetched yet).
pub async fn aws_catalog(env: &EnvName, regions: &[String]) -> Result<AwsCatalogResponse, ApiError> {
    let regions = String::from(js_sys::encode_uri_component(&regions.join(",")));
    json(send("GET", &in_env(env, &format!("/aws/catalog?regions={regions}")), None, None).await?)
}

/// `POST /api/v1/envs/{env}/aws/test/stream`: calls `on_event` for each event as it arrives.
/// Returns once the stream ends; a refused request is an error before any event.
pub async fn test_stream(
    env: &EnvName,
    request: &TestRequest,
    mut on_event: impl FnMut(TestStreamEvent),
) -> Result<(), ApiError> {
    let response = fetch("POST", &in_env(env, "/aws/test/stream"), Some(json_body(request)?), None).await?;
    if !response.ok() {
        return Err(error_of(response).await);
    }
    let network = |error: JsValue| ApiError::Network(js_message(&error));
    let body = response.body().ok_or_else(|| ApiError::Decode("the answer has no body".to_owned()))?;
    let reader: ReadableStreamDefaultReader = body.get_reader().unchecked_into();
    let mut parser = SseParser::new();
    loop {
        let chunk = JsFuture::from(reader.read()).await.map_err(network)?;
        let done = js_sys::Reflect::get(&chunk, &JsValue::from_str("done")).map_err(network)?;
        if done.as_bool().unwrap_or(true) {
            return Ok(());
        }
        let value = js_sys::Reflect::get(&chunk, &JsValue::from_str("value")).map_err(network)?;
        let bytes = js_sys::Uint8Array::new(&value).to_vec();
        for event in parser.push(&bytes) {
            on_event(test_event(&event).map_err(ApiError::Decode)?);
        }
    }
}

/// `POST /api/v1/envs/{env}/aws/check`.
pub async fn check(env: &EnvName, request: &CheckRequest) -> Result<CheckResponse, ApiError> {
    json(send("POST", &in_env(env, "/aws/check"), Some(json_body(request)?), None).await?)
}

/// `GET /api/v1/envs/{env}/aws/profiles?region=`.
pub async fn profiles(env: &EnvName, region: &str) -> Result<ProfilesResponse, ApiError> {
    let region = String::from(js_sys::encode_uri_component(region));
    json(send("GET", &in_env(env, &format!("/aws/profiles?region={region}")), None, None).await?)
}

/// `POST /api/v1/envs/{env}/aws/profiles`; binding the new profile needs the file's `version`.
pub async fn create_profile(
    env: &EnvName,
    request: &CreateProfileRequest,
    version: Option<&Version>,
) -> Result<CreateProfileResponse, ApiError> {
    json(send("POST", &in_env(env, "/aws/profiles"), Some(json_body(request)?), version).await?)
}

/// `DELETE /api/v1/envs/{env}/aws/profiles/{arn}?region=&confirm=`. Without `confirm` the
/// server answers 409 with the binding lines that point at the profile.
pub async fn delete_profile(
    env: &EnvName,
    arn: &str,
    region: &str,
    confirm: bool,
) -> Result<DeleteProfileResponse, ApiError> {
    let route = format!(
        "/aws/profiles/{}?region={}&confirm={confirm}",
        String::from(js_sys::encode_uri_component(arn)),
        String::from(js_sys::encode_uri_component(region)),
    );
    json(send("DELETE", &in_env(env, &route), None, None).await?)
}

/// `POST /api/v1/envs/{env}/aws/bind-required`: the preview; nothing is written.
pub async fn bind_required(env: &EnvName, region: &str) -> Result<BindRequiredPreview, ApiError> {
    let request = BindRequiredRequest { region: Some(region.to_owned()) };
    json(send("POST", &in_env(env, "/aws/bind-required"), Some(json_body(&request)?), None).await?)
}

/// The link that downloads `env`'s file (`GET /api/v1/envs/{env}/export`, an attachment).
pub fn export_href(env: &EnvName) -> String {
    format!("{BASE}{}", in_env(env, "/export"))
}

/// `GET /api/v1/session`, read for the name only (the header shows it in every bundle; the
/// grants would cost the bindings page's wasm their decoding): who is signed in. A server
/// without auth names nobody, which reads as an error.
pub async fn signed_in_name() -> Result<String, ApiError> {
    /// [`bedrock_binder_shared::api::SessionInfo`] without the grants. The same shape as
    /// [`env_names`]' own, so the optimiser keeps one copy of the code that reads both.
    #[derive(serde::Deserialize)]
    struct Named {
        name: String,
    }
    Ok(json::<Named>(send("GET", "/session", None, None).await?)?.name)
}

/// `GET /api/v1/session`: who the session is, with their grants (the environment pages hide
/// what the role does not allow).
pub async fn session() -> Result<SessionInfo, ApiError> {
    json(send("GET", "/session", None, None).await?)
}

/// `DELETE /api/v1/session`: signs out (the server tells the browser to drop the cookie).
pub async fn sign_out() -> Result<(), ApiError> {
    send("DELETE", "/session", None, None).await.map(drop)
}

/// `GET /api/v1/envs`, read for the names only: the header's switcher, which is in every
/// bundle. Reading whole [`EnvSummary`]s (settings, versions, last change) costs the bindings
/// page's wasm about 10 KB brotli for fields it never shows, and the budget cannot spare that.
pub async fn env_names() -> Result<Vec<String>, ApiError> {
    /// [`EnvListResponse`] without what the switcher does not show.
    #[derive(serde::Deserialize)]
    struct Names {
        envs: Vec<Named>,
    }
    #[derive(serde::Deserialize)]
    struct Named {
        name: String,
    }
    let names: Names = json(send("GET", "/envs", None, None).await?)?;
    Ok(names.envs.into_iter().map(|env| env.name).collect())
}

/// `GET /api/v1/envs`: every environment, and where the server keeps them.
pub async fn envs() -> Result<EnvListResponse, ApiError> {
    json(send("GET", "/envs", None, None).await?)
}

/// `POST /api/v1/envs`: creates an environment.
pub async fn create_env(request: &CreateEnvRequest) -> Result<EnvSummary, ApiError> {
    json(send("POST", "/envs", Some(json_body(request)?), None).await?)
}

/// `DELETE /api/v1/envs/{env}`, made against its text `version`.
pub async fn delete_env(env: &EnvName, version: &Version) -> Result<(), ApiError> {
    send("DELETE", &in_env(env, ""), None, Some(version)).await.map(drop)
}

/// `GET /api/v1/diff?from=&to=`: what differs between two environments.
pub async fn env_diff(from: &EnvName, to: &EnvName) -> Result<EnvDiffResponse, ApiError> {
    json(send("GET", &format!("/diff?from={from}&to={to}"), None, None).await?)
}

/// `POST /api/v1/promote`: the preview (`apply: false`), or the write, made against the
/// target's `version` from the preview.
pub async fn promote(request: &PromoteRequest, version: Option<&Version>) -> Result<PromoteResponse, ApiError> {
    json(send("POST", "/promote", Some(json_body(request)?), version).await?)
}

/// `GET /api/v1/envs/{env}/history`: its changes, newest first.
pub async fn history(env: &EnvName) -> Result<HistoryResponse, ApiError> {
    json(send("GET", &in_env(env, "/history"), None, None).await?)
}

/// `GET /api/v1/envs/{env}/health`: what the server's scheduled check last found.
pub async fn env_health(env: &EnvName) -> Result<bedrock_binder_shared::api::EnvHealth, ApiError> {
    json(send("GET", &in_env(env, "/health"), None, None).await?)
}

/// `POST /api/v1/envs/{env}/revert`, made against the file's current `version`.
pub async fn revert(env: &EnvName, request: &RevertRequest, version: &Version) -> Result<BindingsResponse, ApiError> {
    file(send("POST", &in_env(env, "/revert"), Some(json_body(request)?), Some(version)).await?)
}

/// `GET /api/v1/envs/{env}/requests`: its change requests, newest first.
pub async fn change_requests(env: &EnvName) -> Result<ChangeRequestList, ApiError> {
    json(send("GET", &in_env(env, "/requests"), None, None).await?)
}

/// `POST /api/v1/envs/{env}/requests`: proposes a change (a promote into `env`) for another
/// admin to approve.
pub async fn propose(env: &EnvName, request: &ProposeRequest) -> Result<ChangeRequest, ApiError> {
    json(send("POST", &in_env(env, "/requests"), Some(json_body(request)?), None).await?)
}

/// `POST /api/v1/envs/{env}/requests/{id}/{verb}`: `approve`, `reject` or `rebase` request `id`.
pub async fn decide(env: &EnvName, id: u64, verb: &str, request: &DecideRequest) -> Result<ChangeRequest, ApiError> {
    json(send("POST", &in_env(env, &format!("/requests/{id}/{verb}")), Some(json_body(request)?), None).await?)
}

fn json_body(value: &impl Serialize) -> Result<(&'static str, String), ApiError> {
    let body = serde_json::to_string(value).map_err(|error| ApiError::Decode(error.to_string()))?;
    Ok(("application/json", body))
}

/// A [`BindingsResponse`] as the browser reads it: only what it cannot work out itself (the
/// version, the text, the server's diagnostics, made against its catalog, and whether the file
/// exists). The lines and bindings are parsed from the text by [`BindingsResponse::new`], the
/// code the server ran to send them, so they come out the same, and the bindings page's wasm
/// carries no decoder for them (about 7 KB brotli).
fn file(body: String) -> Result<BindingsResponse, ApiError> {
    #[derive(serde::Deserialize)]
    struct File {
        version: Version,
        text: String,
        diagnostics: Vec<Diagnostic>,
        #[serde(default)]
        exists: bool,
    }
    let File { version, text, diagnostics, exists } = json(body)?;
    Ok(BindingsResponse::new(&Document::parse(&text), version, diagnostics, exists))
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
    let response = fetch(method, path, body, if_match).await?;
    // A 202 from a write means it was not made: the environment is protected and the change
    // became a change request, which the error body names.
    if !response.ok() || response.status() == 202 {
        return Err(error_of(response).await);
    }
    text_of(&response).await
}

/// Sends one request and returns the answer, whatever its status.
async fn fetch(
    method: &str,
    path: &str,
    body: Option<(&str, String)>,
    if_match: Option<&Version>,
) -> Result<Response, ApiError> {
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
    if method != "GET" {
        headers.set(CSRF_HEADER, CSRF_HEADER_VALUE).map_err(network)?;
    }
    init.set_headers(&headers);
    let request = Request::new_with_str_and_init(&format!("{BASE}{path}"), &init).map_err(network)?;
    let window = web_sys::window().ok_or_else(|| ApiError::Network("no window".to_owned()))?;
    JsFuture::from(window.fetch_with_request(&request)).await.map_err(network)?.dyn_into().map_err(network)
}

async fn text_of(response: &Response) -> Result<String, ApiError> {
    let network = |error: JsValue| ApiError::Network(js_message(&error));
    let text = JsFuture::from(response.text().map_err(network)?).await.map_err(network)?;
    Ok(text.as_string().unwrap_or_default())
}

/// The [`ApiError`] of an answer with an error status, from its body. A 401 (no session, or
/// one that ended) also sends the browser to the sign-in page.
async fn error_of(response: Response) -> ApiError {
    if response.status() == 401 {
        sign_in_again();
    }
    match text_of(&response).await {
        Ok(text) => ApiError::from_response(response.status(), &text),
        Err(error) => error,
    }
}

/// Loads the sign-in page, which comes back to this address (path, query and hash) after.
fn sign_in_again() {
    let Some(location) = web_sys::window().map(|window| window.location()) else { return };
    let here = [location.pathname(), location.search(), location.hash()].map(Result::unwrap_or_default).concat();
    let _ = location.set_href(&format!("/signin?next={}", String::from(js_sys::encode_uri_component(&here))));
}

/// The message of a thrown JS value (a `TypeError: Failed to fetch`, say).
pub fn js_message(value: &JsValue) -> String {
    value
        .dyn_ref::<js_sys::Error>()
        .map(|error| String::from(error.message()))
        .or_else(|| value.as_string())
        .unwrap_or_else(|| "unknown error".to_owned())
}
