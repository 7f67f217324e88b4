//! Routing: which operation a request is, then authentication, injected latency, scripted
//! failures and the operation itself, in that order, with every request logged.
//!
//! One fallback handler serves every AWS request, so that the operation, the region and the
//! decoded identifier are known before anything else happens: the request log, the failure
//! rules and the latency rules all need them. Paths are matched on the raw, still
//! percent-encoded path, so an ARN sent as one segment (`/` as `%2F`) stays one segment.

use std::collections::BTreeMap;
use std::time::Instant;

use axum::extract::{Request, State as AxumState};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};

use super::errors::{LoggedErrorType, auth_error, error_response, invalid_sts_action, logged, unknown_operation};
use super::state::{Shared, lock};
use super::{control_plane, runtime};
use crate::cloudwatch::{self, CloudWatchError, Metrics, Protocol};
use crate::data::RegionData;
use crate::script::{ControlScript, Operation, RequestRecord};
use crate::sts;
use crate::wire::{self, Auth};

/// The largest request body read.
const MAX_BODY: usize = 16 * 1024 * 1024;

/// `x-amzn-requestid`, sent on every answer.
const REQUEST_ID_HEADER: &str = "x-amzn-requestid";

/// Routes a request by method and raw path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Target {
    /// A Bedrock operation and the decoded identifier of its path, if it has one.
    Bedrock(Operation, Option<String>),
    /// `POST /`: an STS (awsQuery) call; the action is in the form body.
    Sts,
    /// A CloudWatch call in its protocol, with the operation name it sent: RPC v2 CBOR names
    /// it in the path, awsJson 1.0 in `X-Amz-Target` on `POST /`.
    CloudWatch(Protocol, String),
    /// Nothing the fake serves.
    Unknown,
}

pub(super) fn route(method: &Method, path: &str) -> Target {
    let segments: Vec<&str> = path.strip_prefix('/').unwrap_or(path).split('/').collect();
    let id = |segment: &str| Some(wire::percent_decode(segment, false));
    let bedrock = |operation, identifier| Target::Bedrock(operation, identifier);
    match (method.as_str(), segments.as_slice()) {
        ("POST", [""]) => Target::Sts,
        ("POST", ["service", cloudwatch::SERVICE, "operation", name]) => {
            Target::CloudWatch(Protocol::Cbor, (*name).to_owned())
        }
        ("GET", ["foundation-models"]) => bedrock(Operation::ListFoundationModels, None),
        ("GET", ["foundation-models", model]) if !model.is_empty() => bedrock(Operation::GetFoundationModel, id(model)),
        ("GET", ["foundation-model-availability", model]) if !model.is_empty() => {
            bedrock(Operation::GetFoundationModelAvailability, id(model))
        }
        ("GET", ["inference-profiles"]) => bedrock(Operation::ListInferenceProfiles, None),
        ("POST", ["inference-profiles"]) => bedrock(Operation::CreateInferenceProfile, None),
        ("GET", ["inference-profiles", profile]) if !profile.is_empty() => {
            bedrock(Operation::GetInferenceProfile, id(profile))
        }
        ("DELETE", ["inference-profiles", profile]) if !profile.is_empty() => {
            bedrock(Operation::DeleteInferenceProfile, id(profile))
        }
        ("POST", ["listTagsForResource"]) => bedrock(Operation::ListTagsForResource, None),
        ("POST", ["model", model, "converse"]) if !model.is_empty() => bedrock(Operation::Converse, id(model)),
        ("POST", ["model", model, "converse-stream"]) if !model.is_empty() => {
            bedrock(Operation::ConverseStream, id(model))
        }
        _ => Target::Unknown,
    }
}

/// The router: the control endpoints under `/__fake/`, and every other request to the fake.
pub(crate) fn router(shared: Shared) -> Router {
    Router::new()
        .route("/__fake/script", post(control_script))
        .route("/__fake/reset", post(control_reset))
        .route("/__fake/requests", get(control_requests))
        .route("/__fake/regions", get(control_regions))
        .fallback(serve_aws)
        .with_state(shared)
}

/// `POST /__fake/script`: adds a [`ControlScript`]'s rules, latency and data changes; 422 with
/// the reason, changing nothing, when a profile patch names a profile that does not exist.
async fn control_script(AxumState(shared): AxumState<Shared>, Json(script): Json<ControlScript>) -> Response {
    match lock(&shared).apply(script) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(message) => (StatusCode::UNPROCESSABLE_ENTITY, message).into_response(),
    }
}

/// `POST /__fake/reset`: back to the starting configuration, with an empty request log.
async fn control_reset(AxumState(shared): AxumState<Shared>) -> StatusCode {
    lock(&shared).reset();
    StatusCode::NO_CONTENT
}

/// `GET /__fake/requests`: the request log.
async fn control_requests(AxumState(shared): AxumState<Shared>) -> Json<Vec<RequestRecord>> {
    Json(lock(&shared).requests.clone())
}

/// `GET /__fake/regions`: the data of every region, as it is now.
async fn control_regions(AxumState(shared): AxumState<Shared>) -> Json<BTreeMap<String, RegionData>> {
    Json(lock(&shared).regions.clone())
}

/// What [`answer`] needs to know about a request.
struct Call<'a> {
    target: &'a Target,
    operation: Option<Operation>,
    identifier: Option<&'a str>,
    auth: &'a Auth,
    region: Option<&'a str>,
    query: &'a [(String, String)],
    form: &'a [(String, String)],
    body: &'a [u8],
    request_id: &'a str,
    started: Instant,
}

/// Every AWS request: answers it and logs it.
async fn serve_aws(AxumState(shared): AxumState<Shared>, request: Request) -> Response {
    let started = Instant::now();
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, MAX_BODY).await.unwrap_or_default();
    let path = parts.uri.path().to_owned();
    let raw_query = parts.uri.query().map(str::to_owned);
    let query = wire::parse_form(raw_query.as_deref().unwrap_or_default());
    let authorization = parts.headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    let auth = Auth::parse(authorization, &query);
    let target = match (route(&parts.method, &path), cloudwatch::json_target(&parts.headers)) {
        (Target::Sts, Some(name)) => Target::CloudWatch(Protocol::Json, name),
        (target, _) => target,
    };
    let form = if target == Target::Sts { wire::parse_form(&String::from_utf8_lossy(&body)) } else { Vec::new() };
    let (operation, identifier) = match &target {
        Target::Bedrock(operation, identifier) => (Some(*operation), identifier.clone()),
        Target::Sts => {
            let is_identity = wire::form_value(&form, "Action") == Some(Operation::GetCallerIdentity.name());
            (is_identity.then_some(Operation::GetCallerIdentity), None)
        }
        Target::CloudWatch(_, name) => (cloudwatch::operation(name), None),
        Target::Unknown => (None, None),
    };
    let (request_id, default_region) = {
        let mut state = lock(&shared);
        (wire::request_id(state.next_count()), state.default_region.clone())
    };
    let region = match &auth {
        Auth::SigV4 { region, .. } => Some(region.clone()),
        Auth::Bearer => Some(default_region),
        Auth::Missing | Auth::Incomplete => None,
    };

    let call = Call {
        target: &target,
        operation,
        identifier: identifier.as_deref(),
        auth: &auth,
        region: region.as_deref(),
        query: &query,
        form: &form,
        body: &body,
        request_id: &request_id,
        started,
    };
    let mut response = answer(&shared, &call).await;
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
    }

    let record = RequestRecord {
        method: parts.method.to_string(),
        path,
        query: raw_query,
        operation,
        region,
        model_id: identifier,
        access_key_id: auth.access_key_id().map(str::to_owned),
        status: response.status().as_u16(),
        error_type: response.extensions().get::<LoggedErrorType>().map(|t| t.0.clone()),
        body: String::from_utf8_lossy(&body).into_owned(),
    };
    lock(&shared).requests.push(record);
    response
}

/// The answer to one request: authentication, then injected latency, then scripted failures,
/// then the operation itself.
async fn answer(shared: &Shared, call: &Call<'_>) -> Response {
    let sts = *call.target == Target::Sts;
    let cloudwatch = match call.target {
        Target::CloudWatch(protocol, _) => Some(*protocol),
        _ => None,
    };
    if *call.target == Target::Unknown {
        return unknown_operation();
    }
    let Some(region) = call.region else {
        if let Some(protocol) = cloudwatch {
            return cloudwatch_error(CloudWatchError::unauthenticated(call.auth), protocol);
        }
        return auth_error(call.auth, sts, call.request_id);
    };
    let Some(operation) = call.operation else {
        if let Target::CloudWatch(protocol, name) = call.target {
            return cloudwatch_error(CloudWatchError::unknown_operation(name), *protocol);
        }
        let action = wire::form_value(call.form, "Action").unwrap_or_default();
        return invalid_sts_action(action, call.request_id);
    };

    let delay = lock(shared).latency_for(operation, region);
    if let Some(delay) = delay {
        tokio::time::sleep(delay).await;
    }
    let rule = lock(shared).take_rule(operation, call.identifier, region);
    if let Some(rule) = rule {
        if let Some(protocol) = cloudwatch {
            let account = lock(shared).account.clone();
            return cloudwatch_error(CloudWatchError::scripted(&rule.error, operation, &account), protocol);
        }
        if rule.mid_stream && operation == Operation::ConverseStream {
            return runtime::failing_stream(&rule.error);
        }
        return error_response(&rule.error, call.identifier, sts, call.request_id);
    }

    let identifier = call.identifier.unwrap_or_default();
    let result = match operation {
        Operation::ListFoundationModels => control_plane::list_foundation_models(&lock(shared), region, call.query),
        Operation::GetFoundationModel => control_plane::get_foundation_model(&lock(shared), region, identifier),
        Operation::GetFoundationModelAvailability => {
            control_plane::get_foundation_model_availability(&lock(shared), region, identifier)
        }
        Operation::ListInferenceProfiles => control_plane::list_inference_profiles(&lock(shared), region, call.query),
        Operation::GetInferenceProfile => control_plane::get_inference_profile(&lock(shared), region, identifier),
        Operation::CreateInferenceProfile => {
            control_plane::create_inference_profile(&mut lock(shared), region, call.body)
        }
        Operation::DeleteInferenceProfile => {
            control_plane::delete_inference_profile(&mut lock(shared), region, identifier)
        }
        Operation::ListTagsForResource => control_plane::list_tags_for_resource(&lock(shared), region, call.body),
        Operation::Converse | Operation::ConverseStream => {
            runtime::converse(shared, operation, region, identifier, call.body, call.started)
        }
        Operation::GetCallerIdentity => {
            let account = lock(shared).account.clone();
            Ok(sts::get_caller_identity(&account, call.request_id))
        }
        Operation::GetMetricData | Operation::ListMetrics => {
            let protocol = cloudwatch.unwrap_or(Protocol::Cbor);
            let state = lock(shared);
            let metrics = Metrics {
                series: &state.metrics,
                region,
                now: wire::now_epoch_seconds(),
                page_limit: state.metrics_page_limit,
            };
            let served = cloudwatch::serve(protocol, operation, &metrics, call.body);
            return served.unwrap_or_else(|error| cloudwatch_error(error, protocol));
        }
    };
    result.unwrap_or_else(|error| error_response(&error, call.identifier, sts, call.request_id))
}

/// A CloudWatch error in the caller's protocol, marked for the request log.
fn cloudwatch_error(error: CloudWatchError, protocol: Protocol) -> Response {
    let code = error.code().to_owned();
    logged(error.into_response(protocol), &code)
}
