//! `/api/v1/aws/…`: everything that talks to Bedrock, done by the server with its own
//! credentials (the browser never sees a secret).
//!
//! | route | what |
//! |---|---|
//! | `GET /aws/status?fresh=` | credentials found?, profile, region, account; or why not (reused briefly) |
//! | `POST /aws/refresh` | fetch regions now; answers with each region's outcome |
//! | `GET /aws/refresh` | the latest refresh's per-region progress, while it runs |
//! | `GET /aws/catalog?regions=&live=&requires_profile=&q=` | live data over the offline catalog |
//! | `POST /aws/test` | Converse with the model's resolved id; the reply, or a diagnosis |
//! | `POST /aws/test/stream` | the same through ConverseStream, as server-sent events |
//! | `POST /aws/check` | check bindings without invoking a model |
//! | `GET /aws/profiles?region=` | the account's application profiles and the lines using each |
//! | `POST /aws/profiles` | create an application profile (and, with `bind` and `If-Match`, bind it) |
//! | `DELETE /aws/profiles/{id or ARN}?region=&confirm=true` | delete one; 409 without `confirm` |
//! | `POST /aws/bind-required` | preview binding every unbound profile-only model (apply: `PUT /bindings`) |
//!
//! Handlers parse and delegate to [`crate::aws`]; an AWS failure that stops a request is a 424
//! with the diagnosis in the details.

use std::convert::Infallible;

use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, Sse};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use bedrock_binder_shared::api::{
    ApplicationProfile, AwsCatalogQuery, AwsCatalogResponse, AwsStatus, BindRequiredPreview, BindRequiredRequest,
    BindingsResponse, CheckRequest, CheckResponse, CreateProfileRequest, CreateProfileResponse, DeleteProfileQuery,
    DeleteProfileResponse, InferenceProfileType, ProfilesResponse, RefreshProgress, RefreshRequest, RegionCatalog,
    TestRequest, TestResponse, TestStreamEvent,
};
use bedrock_binder_shared::diff::line_diff;
use bedrock_binder_shared::model_id::ModelIdError;
use bedrock_binder_shared::{Binding, Document, ModelId, Region};
use futures_util::Stream;
use serde::Deserialize;

use super::conditional::Condition;
use super::env::{InEnv, per_env};
use super::error::AppError;
use super::extract::{JsonBody, Path, Query};
use super::write::{self, Edited, write_edit};
use super::{AppState, blocking};
use crate::aws::bind_required::plan;
use crate::aws::invoke::{DEFAULT_PROMPT, Invocation};
use crate::aws::merge::region_catalog;
use crate::aws::profiles::{Created, NotSent, references};
use crate::aws::{Aws, DEFAULT_MAX_TOKENS};

pub(super) fn router() -> Router<AppState> {
    per_env(vec![
        ("/aws/status", get(status)),
        ("/aws/refresh", get(progress).post(refresh)),
        ("/aws/catalog", get(catalog)),
        ("/aws/test", post(test)),
        ("/aws/test/stream", post(test_stream)),
        ("/aws/check", post(check)),
        ("/aws/profiles", get(list_profiles).post(create_profile)),
        ("/aws/profiles/{profile}", delete(delete_profile)),
        ("/aws/bind-required", post(bind_required)),
    ])
}

/// `GET /api/v1/aws/status?fresh=true`: the status, reused for a short while (the settings'
/// `status_ttl`) unless `fresh` asks anew.
async fn status(InEnv(state): InEnv, Query(query): Query<StatusQuery>) -> Result<Json<AwsStatus>, AppError> {
    let state = state.in_env_account().await?;
    Ok(Json(state.aws.status_cached(query.fresh == Some(true)).await))
}

/// The query of `GET /aws/status`.
#[derive(Debug, Default, Deserialize)]
struct StatusQuery {
    #[serde(default)]
    fresh: Option<bool>,
}

/// `GET /api/v1/aws/refresh`: the latest refresh's progress.
async fn progress(InEnv(state): InEnv) -> Result<Json<RefreshProgress>, AppError> {
    let state = state.in_env_account().await?;
    Ok(Json(state.aws.discovery().progress()))
}

/// `POST /api/v1/aws/refresh`: fetches the regions (concurrently), answering when all are
/// done. A region that fails is reported in its entry; the request itself succeeds.
async fn refresh(
    InEnv(state): InEnv,
    JsonBody(request): JsonBody<RefreshRequest>,
) -> Result<Json<RefreshProgress>, AppError> {
    let state = state.in_env_account().await?;
    let regions = parse_regions(request.regions.iter().map(String::as_str), AppError::InvalidRequest)?;
    let regions = regions_or_default(&state.aws, regions).await?;
    Ok(Json(state.aws.refresh(&regions, request.use_cache, |_| {}).await))
}

/// `GET /api/v1/aws/catalog`: per region, the live data (if fetched) over the offline catalog.
async fn catalog(
    InEnv(state): InEnv,
    Query(query): Query<AwsCatalogQuery>,
) -> Result<Json<AwsCatalogResponse>, AppError> {
    let state = state.in_env_account().await?;
    let names = query.regions.as_deref().unwrap_or_default().split(',').map(str::trim).filter(|r| !r.is_empty());
    let regions = parse_regions(names, |message| AppError::InvalidQuery(format!("regions: {message}")))?;
    let regions = regions_or_default(&state.aws, regions).await?;
    if query.live == Some(true) {
        state.aws.refresh(&regions, true, |_| {}).await;
    }
    let needle = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty()).map(str::to_lowercase);
    let regions = regions
        .iter()
        .map(|region| {
            let live = state.aws.discovery().cached(region);
            let mut catalog = region_catalog(
                region,
                &state.catalog.current(),
                live.as_deref(),
                state.aws.discovery().failure(region),
            );
            filter(&mut catalog, query.requires_profile, needle.as_deref());
            catalog
        })
        .collect();
    Ok(Json(AwsCatalogResponse {
        regions,
        ttl_seconds: state.aws.settings().cache_ttl.as_secs(),
        compiled_on: state.catalog.current().compiled_on(),
    }))
}

/// `POST /api/v1/aws/test`: Converse with the id the model's binding resolves to. A failed
/// call is a 200 with `ok: false` and the diagnosis: the test ran, and its outcome is the answer.
async fn test(InEnv(state): InEnv, JsonBody(request): JsonBody<TestRequest>) -> Result<Json<TestResponse>, AppError> {
    let state = state.in_env_account().await?;
    let invocation = invocation(&state, request).await?;
    admit(&state, &invocation)?;
    let response = state.aws.converse(&invocation).await;
    state.cost_guard.record(&state.env, tokens_used(&response));
    Ok(Json(response))
}

/// Lets a test call through the cost guard, or refuses it (429) before it reaches Bedrock.
fn admit(state: &AppState, invocation: &Invocation) -> Result<(), AppError> {
    state.cost_guard.admit(&state.author, &state.env, invocation.max_tokens).map_err(|refusal| {
        AppError::LimitExceeded { message: refusal.message, retry_after_secs: refusal.retry_after_secs }
    })
}

/// The tokens a call used, as the guard counts them.
fn tokens_used(response: &TestResponse) -> u64 {
    u64::from(response.input_tokens.unwrap_or(0)) + u64::from(response.output_tokens.unwrap_or(0))
}

/// `POST /api/v1/aws/test/stream`: ConverseStream, as `text/event-stream`. Events, each with a
/// [`TestStreamEvent`] as JSON data: `start` (what is sent where), a `delta` per piece of text as
/// it arrives, then `done` with the whole outcome as `POST /aws/test` answers it (a failure,
/// before or during the stream, included). A malformed request is refused before the stream
/// starts, with the usual JSON error.
async fn test_stream(
    InEnv(state): InEnv,
    JsonBody(request): JsonBody<TestRequest>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, AppError> {
    let state = state.in_env_account().await?;
    let invocation = invocation(&state, request).await?;
    admit(&state, &invocation)?;
    let (guard, env) = (state.cost_guard.clone(), state.env.clone());
    // Unbounded: the text of one reply is small, and the SDK's callback cannot wait.
    let (sender, receiver) = tokio::sync::mpsc::unbounded_channel::<TestStreamEvent>();
    let aws = state.aws.clone();
    tokio::spawn(async move {
        // A send fails only when the client has gone; the call then finishes unobserved.
        let _ = sender.send(TestStreamEvent::Start {
            model: invocation.model.to_string(),
            model_id_sent: invocation.sent.clone(),
            region: invocation.region.to_string(),
        });
        let response = aws
            .converse_stream(&invocation, |text| {
                let _ = sender.send(TestStreamEvent::Delta { text: text.to_owned() });
            })
            .await;
        guard.record(&env, tokens_used(&response));
        let _ = sender.send(TestStreamEvent::Done(Box::new(response)));
    });
    let events = futures_util::stream::unfold(receiver, |mut receiver| async move {
        let event = receiver.recv().await?;
        Some((Ok(sse_event(&event)), receiver))
    });
    Ok(Sse::new(events))
}

/// One server-sent event: the variant's name as `event`, its JSON as `data`.
fn sse_event(event: &TestStreamEvent) -> Event {
    let name = match event {
        TestStreamEvent::Start { .. } => "start",
        TestStreamEvent::Delta { .. } => "delta",
        TestStreamEvent::Done(_) => "done",
    };
    // Serialising these plain structs cannot fail; an empty event would only lose a delta.
    Event::default().event(name).json_data(event).unwrap_or_default()
}

/// `POST /api/v1/aws/check`: checks every binding (or the `models` listed) in the region.
/// Failed checks are findings, so the answer is a 200 with `ok: false`.
async fn check(
    InEnv(state): InEnv,
    JsonBody(request): JsonBody<CheckRequest>,
) -> Result<Json<CheckResponse>, AppError> {
    let state = state.in_env_account().await?;
    let region = body_region(&state, request.region.as_deref()).await?;
    let models: Vec<String> = request.models.iter().map(|model| model.trim().to_owned()).collect();
    let document = state.load_document().await?;
    Ok(Json(state.aws.check(&document, &region, &models).await))
}

/// The region of a query string.
#[derive(Debug, Default, Deserialize)]
struct RegionQuery {
    #[serde(default)]
    region: Option<String>,
}

/// `GET /api/v1/aws/profiles?region=`: the account's application profiles, each with its
/// base model (from `models[].modelArn`) and the binding lines that use it.
async fn list_profiles(
    InEnv(state): InEnv,
    Query(query): Query<RegionQuery>,
) -> Result<Json<ProfilesResponse>, AppError> {
    let state = state.in_env_account().await?;
    let region = query_region(&state, query.region.as_deref()).await?;
    let profiles = state.aws.application_profiles(&region).await?;
    let document = state.load_document().await?;
    let profiles = profiles
        .into_iter()
        .map(|profile| ApplicationProfile { references: references(&document, &profile), profile })
        .collect();
    Ok(Json(ProfilesResponse { region: region.to_string(), profiles }))
}

/// `POST /api/v1/aws/profiles`: creates an application profile, 201. With `bind`, the request
/// needs `If-Match`, checked before anything is created; the new ARN is then bound to its
/// model through the same write path as `POST /bindings/bind`. Should the file change in
/// between (412), sending the request again with the same `client_request_token` gets the
/// same profile back, and binds it.
async fn create_profile(
    InEnv(state): InEnv,
    headers: HeaderMap,
    JsonBody(request): JsonBody<CreateProfileRequest>,
) -> Result<(StatusCode, Json<CreateProfileResponse>), AppError> {
    let state = state.in_env_account().await?;
    let region = body_region(&state, request.region.as_deref()).await?;
    let condition = if request.bind { Some(Condition::if_match(&headers)?) } else { None };
    if let Some(condition) = &condition {
        write::ensure_current(&state, condition).await?;
    }
    let new = state.aws.new_profile(request, region.clone()).await.map_err(|refused| match refused {
        NotSent::Invalid(message) => AppError::InvalidRequest(message),
        NotSent::Aws(failure) => AppError::from(*failure),
    })?;
    let created = state.aws.create_profile(&new).await?;
    let bindings = match condition {
        Some(condition) => Some(bind_created(&state, condition, &created).await?),
        None => None,
    };
    let response = CreateProfileResponse {
        arn: created.arn,
        status: created.status,
        region: region.to_string(),
        model: created.model,
        bindings,
    };
    Ok((StatusCode::CREATED, Json(response)))
}

/// Binds a new profile's ARN to its model.
async fn bind_created(state: &AppState, condition: Condition, created: &Created) -> Result<BindingsResponse, AppError> {
    let unknown = || {
        AppError::InvalidRequest(format!(
            "`{}` was created, but its model is unknown, so it was not bound",
            created.arn
        ))
    };
    let binding =
        Binding::parse(created.model.as_deref().ok_or_else(unknown)?, Some(&created.arn)).map_err(|_| unknown())?;
    write_edit(state.clone(), condition, move |snapshot, catalog| Edited::bind(&snapshot.text, catalog, &binding)).await
}

/// `DELETE /api/v1/aws/profiles/{id or ARN}?region=&confirm=true`. Without `confirm=true`,
/// a 409 `confirmation-required` listing the binding lines that point at the profile (they
/// break when it goes). Only application profiles can be deleted.
/// The profile named in the path; by name, since the per-environment route has `{env}` too.
#[derive(Debug, Deserialize)]
struct ProfilePath {
    profile: String,
}

async fn delete_profile(
    InEnv(state): InEnv,
    Path(ProfilePath { profile: identifier }): Path<ProfilePath>,
    Query(query): Query<DeleteProfileQuery>,
) -> Result<Json<DeleteProfileResponse>, AppError> {
    let state = state.in_env_account().await?;
    let region = query_region(&state, query.region.as_deref()).await?;
    let profile = state.aws.get_profile(&region, &identifier).await?;
    if profile.profile_type != InferenceProfileType::Application {
        return Err(AppError::InvalidRequest(format!(
            "`{}` is a system-defined profile; only application profiles can be deleted",
            profile.id
        )));
    }
    let document = state.load_document().await?;
    let references = references(&document, &profile);
    if query.confirm != Some(true) {
        let warning = match references.len() {
            0 => String::new(),
            1 => "; 1 binding points at it and will break".to_owned(),
            n => format!("; {n} bindings point at it and will break"),
        };
        return Err(AppError::ConfirmationRequired {
            message: format!(
                "deleting the profile `{}` cannot be undone{warning}; send confirm=true to delete it",
                profile.name
            ),
            references,
        });
    }
    state.aws.delete_profile(&region, &profile.arn).await?;
    Ok(Json(DeleteProfileResponse { arn: profile.arn, references }))
}

/// `POST /api/v1/aws/bind-required`: the preview of binding every unbound profile-only model
/// of the region (fetched live if its data is not fresh) to its top discovered profile. Nothing
/// is written: the client sends `text` with `PUT /api/v1/bindings` and `If-Match: version`.
async fn bind_required(
    InEnv(state): InEnv,
    JsonBody(request): JsonBody<BindRequiredRequest>,
) -> Result<Json<BindRequiredPreview>, AppError> {
    let state = state.in_env_account().await?;
    let region = body_region(&state, request.region.as_deref()).await?;
    let live = state.aws.snapshot(&region).await?;
    let catalog = region_catalog(&region, &state.catalog.current(), Some(&live), None);
    let snapshot = state.load_file().await?;
    let plan = plan(&Document::parse(&snapshot.text), &catalog);
    Ok(Json(BindRequiredPreview {
        version: snapshot.version,
        region: region.to_string(),
        diff: line_diff(&snapshot.text, &plan.text),
        text: plan.text,
        changes: plan.changes,
        skipped: plan.skipped,
    }))
}

/// The region of a query, or the server's.
async fn query_region(state: &AppState, region: Option<&str>) -> Result<Region, AppError> {
    let region = region
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(|name| name.parse::<Region>().map_err(|error| AppError::InvalidQuery(format!("region: {error}"))))
        .transpose()?;
    Ok(state.aws.region_or_default(region).await?)
}

/// Validates a test request and resolves the model's binding in the file on disk.
async fn invocation(state: &AppState, request: TestRequest) -> Result<Invocation, AppError> {
    let model: ModelId = request
        .model
        .trim()
        .parse()
        .map_err(|error: ModelIdError| AppError::InvalidRequest(format!("the `model` field: {}", error.message)))?;
    let region = body_region(state, request.region.as_deref()).await?;
    let reader = state.clone();
    let key = model.to_string();
    let preset =
        blocking(move || Ok(reader.envs.read(&reader.env)?.settings.presets.get(&key).cloned().unwrap_or_default()))
            .await?;
    let ceiling = state.aws.settings().max_tokens_ceiling;
    // The binding's preset stands in for an absent `max_tokens`, but never past the cost
    // guard's ceiling; an explicit `max_tokens` above it is refused as before.
    let preset_max = preset.max_tokens.map_or(DEFAULT_MAX_TOKENS, |max| max.get());
    let max_tokens = request.max_tokens.unwrap_or(preset_max.min(ceiling));
    if max_tokens == 0 || max_tokens > ceiling {
        return Err(AppError::InvalidRequest(format!(
            "the `max_tokens` field must be between 1 and {ceiling} (this server's ceiling); it is {max_tokens}"
        )));
    }
    let prompt = request.prompt.filter(|prompt| !prompt.trim().is_empty()).unwrap_or_else(|| DEFAULT_PROMPT.to_owned());
    let document = state.load_document().await?;
    Ok(Invocation::resolve(&document, model, region, prompt, max_tokens).with_preset(preset))
}

/// The `region` field of a request body, or the server's region when it is absent.
async fn body_region(state: &AppState, region: Option<&str>) -> Result<Region, AppError> {
    let region = region.map(|name| parse_region(name, "region")).transpose()?;
    Ok(state.aws.region_or_default(region).await?)
}

/// Parses one region of a JSON field.
pub(super) fn parse_region(name: &str, field: &str) -> Result<Region, AppError> {
    name.trim().parse().map_err(|error: bedrock_binder_shared::region::RegionError| {
        AppError::InvalidRequest(format!("the `{field}` field: {error}"))
    })
}

/// Keeps the models that pass the filters.
fn filter(catalog: &mut RegionCatalog, requires_profile: Option<bool>, needle: Option<&str>) {
    catalog.models.retain(|model| {
        requires_profile.is_none_or(|wanted| model.requires_profile == Some(wanted))
            && needle.is_none_or(|needle| {
                [&model.id, &model.name, &model.provider].iter().any(|text| text.to_lowercase().contains(needle))
            })
    });
}

/// Parses region names; `invalid` wraps the message for a malformed one.
pub(super) fn parse_regions<'a>(
    names: impl Iterator<Item = &'a str>,
    invalid: impl Fn(String) -> AppError,
) -> Result<Vec<Region>, AppError> {
    names.map(|name| name.trim().parse::<Region>().map_err(|error| invalid(error.to_string()))).collect()
}

/// The regions asked for, or the server's region when none were; a 424 when there is none.
pub(super) async fn regions_or_default(aws: &Aws, regions: Vec<Region>) -> Result<Vec<Region>, AppError> {
    if !regions.is_empty() {
        return Ok(regions);
    }
    let region = aws.region_or_default(None).await?;
    Ok(vec![region])
}
