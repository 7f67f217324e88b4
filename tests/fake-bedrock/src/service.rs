//! The HTTP side: routing, authentication, scripted failures and latency, and the operations.
//!
//! One fallback handler serves every AWS request, so that the operation, the region and the
//! decoded identifier are known before anything else happens: the request log, the failure
//! rules and the latency rules all need them. Paths are matched on the raw, still
//! percent-encoded path, so an ARN sent as one segment (`/` as `%2F`) stays one segment.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State as AxumState};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::data::{FakeModel, FakeProfile, Lifecycle, PROFILE_ACTIVE, ProfileType, RegionData, Tag};
use crate::script::{ControlScript, LatencyRule, Operation, RequestRecord, Rule};
use crate::wire::{self, Arn, Auth};
use crate::{FakeError, eventstream, sts};

/// The largest request body read.
const MAX_BODY: usize = 16 * 1024 * 1024;

/// The suffix AWS puts after Bedrock's error types in `x-amzn-errortype`
/// (aws-samples/amazon-bedrock-client-for-mac#112 shows
/// `ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/`). SDKs keep only
/// the part before the `:`.
const BEDROCK_ERROR_SUFFIX: &str = ":http://internal.amazon.com/coral/com.amazon.bedrock/";

/// The suffix of errors raised by AWS's front door rather than Bedrock (authentication).
const CORAL_ERROR_SUFFIX: &str = ":http://internal.amazon.com/coral/com.amazon.coral.service/";

/// `x-amzn-requestid`, sent on every answer.
const REQUEST_ID_HEADER: &str = "x-amzn-requestid";

/// The state shared by the server and every [`crate::FakeHandle`].
pub(crate) type Shared = Arc<Mutex<State>>;

/// Locks the state. A panic while it was held (a bug in a test's closure) leaves data that is
/// still consistent enough for a fake, so poisoning is ignored.
pub(crate) fn lock(shared: &Shared) -> MutexGuard<'_, State> {
    shared.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The configuration a fake starts from, kept for [`State::reset`].
#[derive(Debug, Clone)]
pub(crate) struct Initial {
    pub(crate) regions: BTreeMap<String, RegionData>,
    pub(crate) rules: Vec<Rule>,
    pub(crate) latency: Vec<LatencyRule>,
}

/// A CreateInferenceProfile answered before under a `clientRequestToken`.
#[derive(Debug, Clone)]
struct Created {
    /// The request's parameters: a retry must repeat them.
    parameters: Value,
    /// The ARN answered.
    arn: String,
}

/// Everything the fake knows and has seen.
#[derive(Debug)]
pub(crate) struct State {
    pub(crate) account: String,
    /// The region of requests authenticated with a bearer token, which names none.
    pub(crate) default_region: String,
    pub(crate) initial: Initial,
    pub(crate) regions: BTreeMap<String, RegionData>,
    pub(crate) rules: Vec<Rule>,
    pub(crate) latency: Vec<LatencyRule>,
    pub(crate) requests: Vec<RequestRecord>,
    /// Keyed by region and token.
    created: HashMap<(String, String), Created>,
    /// Counts requests (for request ids) and created profiles (for their ids).
    counter: u64,
}

impl State {
    pub(crate) fn new(account: String, default_region: String, initial: Initial) -> State {
        State {
            account,
            default_region,
            regions: initial.regions.clone(),
            rules: initial.rules.clone(),
            latency: initial.latency.clone(),
            initial,
            requests: Vec::new(),
            created: HashMap::new(),
            counter: 0,
        }
    }

    /// Back to the configuration the fake started with: data, rules and latency; the request
    /// log and idempotency tokens are cleared.
    pub(crate) fn reset(&mut self) {
        self.regions = self.initial.regions.clone();
        self.rules = self.initial.rules.clone();
        self.latency = self.initial.latency.clone();
        self.requests.clear();
        self.created.clear();
    }

    /// Adds a control script's rules, latency and data changes; a script with a profile patch
    /// for a profile that does not exist changes nothing and says which.
    pub(crate) fn apply(&mut self, script: ControlScript) -> Result<(), String> {
        if let Some(patch) = script.profiles.iter().find(|p| {
            // A model patch cannot add a profile, so checking before applying anything is exact.
            self.region(&p.region).and_then(|data| data.profile(&p.profile_id)).is_none()
        }) {
            return Err(format!("{} has no inference profile `{}`", patch.region, patch.profile_id));
        }
        self.rules.extend(script.rules);
        self.latency.extend(script.latency);
        for patch in script.models {
            let data = self.regions.entry(patch.region).or_default();
            if patch.remove {
                data.models.retain(|m| m.model_id != patch.model_id);
                continue;
            }
            if data.model(&patch.model_id).is_none() {
                data.models.push(FakeModel::new(patch.model_id.clone()));
            }
            if let Some(model) = data.model_mut(&patch.model_id) {
                if let Some(types) = patch.inference_types {
                    model.inference_types = types;
                }
                if let Some(lifecycle) = patch.lifecycle {
                    model.lifecycle = lifecycle;
                }
            }
        }
        for patch in script.profiles {
            let profile = self.regions.get_mut(&patch.region).and_then(|data| data.profile_mut(&patch.profile_id));
            if let (Some(profile), Some(status)) = (profile, patch.status) {
                profile.status = status;
            }
        }
        Ok(())
    }

    fn next_count(&mut self) -> u64 {
        self.counter += 1;
        self.counter
    }

    /// The delay of the first matching latency rule.
    fn latency_for(&self, operation: Operation, region: &str) -> Option<Duration> {
        self.latency
            .iter()
            .find(|rule| rule.matches(operation, region))
            .map(|rule| Duration::from_millis(rule.delay_ms))
    }

    /// The first matching failure rule, using up one of its `times`.
    fn take_rule(&mut self, operation: Operation, identifier: Option<&str>, region: &str) -> Option<Rule> {
        let index = self.rules.iter().position(|rule| rule.matches(operation, identifier, region))?;
        let rule = self.rules[index].clone();
        if let Some(times) = &mut self.rules[index].times {
            *times = times.saturating_sub(1);
            if *times == 0 {
                self.rules.remove(index);
            }
        }
        Some(rule)
    }

    fn region(&self, region: &str) -> Option<&RegionData> {
        self.regions.get(region)
    }

    /// A model by id or foundation-model ARN of this region.
    fn lookup_model(&self, region: &str, identifier: &str) -> Option<&FakeModel> {
        let model_id = match Arn::parse(identifier) {
            Some(arn) if arn.resource_type == "foundation-model" && arn.region == region && arn.account.is_empty() => {
                arn.resource_id
            }
            Some(_) => return None,
            None => identifier,
        };
        self.region(region)?.model(model_id)
    }

    /// A profile by id or ARN of this region and account.
    fn lookup_profile(&self, region: &str, identifier: &str) -> Option<&FakeProfile> {
        let data = self.region(region)?;
        match Arn::parse(identifier) {
            Some(arn) => {
                if arn.region != region || arn.account != self.account {
                    return None;
                }
                data.profile(arn.resource_id).filter(|p| p.profile_type.arn_resource_type() == arn.resource_type)
            }
            None => data.profile(identifier),
        }
    }

    // --- control plane (bedrock) ---------------------------------------------------------

    fn list_foundation_models(&self, region: &str, query: &[(String, String)]) -> Result<Response, FakeError> {
        let by_provider = wire::form_value(query, "byProvider");
        let by_output = enum_param(query, "byOutputModality", &["TEXT", "IMAGE", "EMBEDDING"])?;
        let by_inference = enum_param(query, "byInferenceType", &["ON_DEMAND", "PROVISIONED"])?;
        let by_customization =
            enum_param(query, "byCustomizationType", &["FINE_TUNING", "CONTINUED_PRE_TRAINING", "DISTILLATION"])?;
        let models = self.region(region).map(|data| data.models.as_slice()).unwrap_or_default();
        let summaries: Vec<Value> = models
            .iter()
            .filter(|m| by_provider.is_none_or(|p| m.provider_name.eq_ignore_ascii_case(p)))
            .filter(|m| by_output.is_none_or(|o| m.output_modalities.iter().any(|x| x == o)))
            .filter(|m| by_inference.is_none_or(|t| m.inference_types.iter().any(|x| x.as_str() == t)))
            .filter(|m| by_customization.is_none_or(|c| m.customizations_supported.iter().any(|x| x == c)))
            .map(|m| m.summary(region))
            .collect();
        Ok(json_response(StatusCode::OK, &json!({ "modelSummaries": summaries })))
    }

    fn get_foundation_model(&self, region: &str, identifier: &str) -> Result<Response, FakeError> {
        let model = self.lookup_model(region, identifier).ok_or(FakeError::InvalidModelIdentifier)?;
        Ok(json_response(StatusCode::OK, &json!({ "modelDetails": model.summary(region) })))
    }

    fn get_foundation_model_availability(&self, region: &str, model_id: &str) -> Result<Response, FakeError> {
        let model = self.region(region).and_then(|d| d.model(model_id)).ok_or(FakeError::InvalidModelIdentifier)?;
        Ok(json_response(StatusCode::OK, &model.availability_json()))
    }

    fn list_inference_profiles(&self, region: &str, query: &[(String, String)]) -> Result<Response, FakeError> {
        // With no `type`, only system-defined profiles come back.
        let profile_type = match enum_param(query, "type", &["SYSTEM_DEFINED", "APPLICATION"])? {
            Some("APPLICATION") => ProfileType::Application,
            _ => ProfileType::SystemDefined,
        };
        let max_results = match wire::form_value(query, "maxResults") {
            None => 1000,
            Some(text) => {
                let value: i64 = text.parse().map_err(|_| {
                    constraint_error("maxResults", text, "Member must be a number") // not a real AWS wording
                })?;
                if value < 1 {
                    return Err(constraint_error(
                        "maxResults",
                        text,
                        "Member must have value greater than or equal to 1",
                    ));
                }
                if value > 1000 {
                    return Err(constraint_error(
                        "maxResults",
                        text,
                        "Member must have value less than or equal to 1000",
                    ));
                }
                usize::try_from(value).unwrap_or(1000)
            }
        };
        let profiles: Vec<&FakeProfile> = self
            .region(region)
            .map(|d| d.profiles.iter().filter(|p| p.profile_type == profile_type).collect())
            .unwrap_or_default();
        let start = match wire::form_value(query, "nextToken") {
            None => 0,
            Some(token) => decode_token(token, profile_type)
                .filter(|&start| start <= profiles.len())
                .ok_or_else(|| FakeError::Validation("The pagination token is invalid.".to_owned()))?,
        };
        let end = start.saturating_add(max_results).min(profiles.len());
        let mut body = json!({
            "inferenceProfileSummaries":
                profiles[start..end].iter().map(|p| p.summary(region, &self.account)).collect::<Vec<_>>(),
        });
        if end < profiles.len()
            && let Some(object) = body.as_object_mut()
        {
            object.insert("nextToken".to_owned(), json!(encode_token(end, profile_type)));
        }
        Ok(json_response(StatusCode::OK, &body))
    }

    fn get_inference_profile(&self, region: &str, identifier: &str) -> Result<Response, FakeError> {
        let profile = self.lookup_profile(region, identifier).ok_or_else(|| profile_not_found(identifier))?;
        Ok(json_response(StatusCode::OK, &profile.summary(region, &self.account)))
    }

    fn create_inference_profile(&mut self, region: &str, body: &[u8]) -> Result<Response, FakeError> {
        let request: Value = serde_json::from_slice(body).map_err(|_| malformed_body())?;
        let name = required_str(&request, "inferenceProfileName")?;
        if !valid_profile_name(name) {
            return Err(constraint_error(
                "inferenceProfileName",
                name,
                "Member must satisfy regular expression pattern: ([0-9a-zA-Z][ _-]?)+",
            ));
        }
        let description = request.get("description").and_then(Value::as_str);
        if description.is_some_and(|d| d.is_empty() || d.chars().count() > 200) {
            return Err(constraint_error(
                "description",
                description.unwrap_or_default(),
                "Member must have length between 1 and 200",
            ));
        }
        let copy_from = request.get("modelSource").and_then(|s| s.get("copyFrom")).and_then(Value::as_str);
        let Some(copy_from) = copy_from else {
            return Err(FakeError::Validation(
                "1 validation error detected: Value null at 'modelSource' failed to satisfy constraint: Member must \
                 not be null"
                    .to_owned(),
            ));
        };
        let tags = parse_tags(request.get("tags"))?;
        let parameters =
            json!({ "name": name, "description": description, "copyFrom": copy_from, "tags": request.get("tags") });

        let token = request.get("clientRequestToken").and_then(Value::as_str);
        if let Some(token) = token
            && let Some(earlier) = self.created.get(&(region.to_owned(), token.to_owned()))
        {
            if earlier.parameters == parameters {
                return Ok(created_response(&earlier.arn));
            }
            // Not a verified AWS wording.
            return Err(FakeError::Conflict(
                "The clientRequestToken was already used with different request parameters.".to_owned(),
            ));
        }
        let data = self.region(region);
        if data.is_some_and(|d| d.profiles.iter().any(|p| p.profile_type == ProfileType::Application && p.name == name))
        {
            // Not a verified AWS wording.
            return Err(FakeError::Conflict(format!("An inference profile with the name {name} already exists.")));
        }
        let model_arns = self.source_models(region, copy_from).ok_or(FakeError::InvalidModelIdentifier)?;

        let mut id = wire::short_id(self.next_count());
        while self.region(region).is_some_and(|d| d.profile(&id).is_some()) {
            id = wire::short_id(self.next_count());
        }
        let now = wire::now_epoch_seconds();
        let profile = FakeProfile {
            id,
            name: name.to_owned(),
            description: description.map(str::to_owned),
            profile_type: ProfileType::Application,
            model_arns,
            created_at: now,
            updated_at: now,
            tags,
            status: PROFILE_ACTIVE.to_owned(),
        };
        let arn = profile.arn(region, &self.account);
        self.regions.entry(region.to_owned()).or_default().profiles.push(profile);
        if let Some(token) = token {
            self.created.insert((region.to_owned(), token.to_owned()), Created { parameters, arn: arn.clone() });
        }
        Ok(created_response(&arn))
    }

    /// The destination model ARNs of a `copyFrom`: a foundation-model ARN of this region, or a
    /// system-defined profile ARN of this region and account.
    fn source_models(&self, region: &str, copy_from: &str) -> Option<Vec<String>> {
        let arn = Arn::parse(copy_from)?;
        if arn.region != region {
            return None;
        }
        match arn.resource_type {
            "foundation-model" => {
                let model = self.lookup_model(region, copy_from)?;
                Some(vec![wire::foundation_model_arn(region, &model.model_id)])
            }
            "inference-profile" => {
                let profile = self.lookup_profile(region, copy_from)?;
                Some(profile.model_arns.clone())
            }
            _ => None,
        }
    }

    fn delete_inference_profile(&mut self, region: &str, identifier: &str) -> Result<Response, FakeError> {
        let profile = self.lookup_profile(region, identifier).ok_or_else(|| profile_not_found(identifier))?;
        if profile.profile_type == ProfileType::SystemDefined {
            // Not a verified AWS wording.
            return Err(FakeError::Validation("System-defined inference profiles can't be deleted.".to_owned()));
        }
        let id = profile.id.clone();
        if let Some(data) = self.regions.get_mut(region) {
            data.profiles.retain(|p| p.id != id);
        }
        Ok(json_response(StatusCode::OK, &json!({})))
    }

    // --- runtime (bedrock-runtime) -------------------------------------------------------

    /// The model a Converse call reaches, or the error AWS gives for it:
    /// - a bare model id (or foundation-model ARN) without `ON_DEMAND` here → the on-demand
    ///   ValidationException; one at its end of life → ResourceNotFoundException;
    /// - a system profile id or ARN, or an application profile ARN, of this region → its model;
    /// - anything this region does not have → "The provided model identifier is invalid."
    fn resolve_invocation(&self, region: &str, identifier: &str) -> Result<String, FakeError> {
        let data = self.region(region).ok_or(FakeError::InvalidModelIdentifier)?;
        let direct = |model: &FakeModel| {
            if model.lifecycle == Lifecycle::EndOfLife {
                Err(FakeError::EndOfLife)
            } else if !model.on_demand() {
                Err(FakeError::OnDemandNotSupported)
            } else {
                Ok(model.model_id.clone())
            }
        };
        let via_profile = |profile: &FakeProfile| {
            let model_id = profile.first_model_id().ok_or(FakeError::InvalidModelIdentifier)?;
            if data.model(model_id).is_some_and(|m| m.lifecycle == Lifecycle::EndOfLife) {
                return Err(FakeError::EndOfLife);
            }
            Ok(model_id.to_owned())
        };
        match Arn::parse(identifier) {
            Some(arn) => match arn.resource_type {
                "foundation-model" => {
                    direct(self.lookup_model(region, identifier).ok_or(FakeError::InvalidModelIdentifier)?)
                }
                "inference-profile" | "application-inference-profile" => {
                    via_profile(self.lookup_profile(region, identifier).ok_or(FakeError::InvalidModelIdentifier)?)
                }
                _ => Err(FakeError::InvalidModelIdentifier),
            },
            None => {
                // An application profile is called by its ARN; a bare id names a system profile
                // or a model.
                if let Some(profile) = data.profile(identifier).filter(|p| p.profile_type == ProfileType::SystemDefined)
                {
                    return via_profile(profile);
                }
                direct(data.model(identifier).ok_or(FakeError::InvalidModelIdentifier)?)
            }
        }
    }
}

/// Routes a request by method and raw path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// A Bedrock operation and the decoded identifier of its path, if it has one.
    Bedrock(Operation, Option<String>),
    /// `POST /`: an STS (awsQuery) call; the action is in the form body.
    Sts,
    /// Nothing the fake serves.
    Unknown,
}

pub(crate) fn route(method: &Method, path: &str) -> Target {
    let segments: Vec<&str> = path.strip_prefix('/').unwrap_or(path).split('/').collect();
    let id = |segment: &str| Some(wire::percent_decode(segment, false));
    let bedrock = |operation, identifier| Target::Bedrock(operation, identifier);
    match (method.as_str(), segments.as_slice()) {
        ("POST", [""]) => Target::Sts,
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

/// The error type an answer carried, for the request log.
#[derive(Debug, Clone)]
struct LoggedErrorType(String);

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
    let target = route(&parts.method, &path);
    let form = if target == Target::Sts { wire::parse_form(&String::from_utf8_lossy(&body)) } else { Vec::new() };
    let (operation, identifier) = match &target {
        Target::Bedrock(operation, identifier) => (Some(*operation), identifier.clone()),
        Target::Sts => {
            let is_identity = wire::form_value(&form, "Action") == Some(Operation::GetCallerIdentity.name());
            (is_identity.then_some(Operation::GetCallerIdentity), None)
        }
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
    if *call.target == Target::Unknown {
        return rest_error(StatusCode::NOT_FOUND, "UnknownOperationException", BEDROCK_ERROR_SUFFIX, "message", "");
    }
    let Some(region) = call.region else {
        return auth_error(call.auth, sts, call.request_id);
    };
    let Some(operation) = call.operation else {
        let action = wire::form_value(call.form, "Action").unwrap_or_default();
        let message = format!("Could not find operation {action} for version 2011-06-15");
        return logged(
            sts::error(StatusCode::BAD_REQUEST, "InvalidAction", &message, call.request_id),
            "InvalidAction",
        );
    };

    let delay = lock(shared).latency_for(operation, region);
    if let Some(delay) = delay {
        tokio::time::sleep(delay).await;
    }
    let rule = lock(shared).take_rule(operation, call.identifier, region);
    if let Some(rule) = rule {
        if rule.mid_stream && operation == Operation::ConverseStream {
            return failing_stream(&rule.error);
        }
        return error_response(&rule.error, call.identifier, sts, call.request_id);
    }

    let identifier = call.identifier.unwrap_or_default();
    let result = match operation {
        Operation::ListFoundationModels => lock(shared).list_foundation_models(region, call.query),
        Operation::GetFoundationModel => lock(shared).get_foundation_model(region, identifier),
        Operation::GetFoundationModelAvailability => lock(shared).get_foundation_model_availability(region, identifier),
        Operation::ListInferenceProfiles => lock(shared).list_inference_profiles(region, call.query),
        Operation::GetInferenceProfile => lock(shared).get_inference_profile(region, identifier),
        Operation::CreateInferenceProfile => lock(shared).create_inference_profile(region, call.body),
        Operation::DeleteInferenceProfile => lock(shared).delete_inference_profile(region, identifier),
        Operation::Converse | Operation::ConverseStream => {
            let resolved = check_converse_body(call.body)
                .and_then(|request| Ok((request, lock(shared).resolve_invocation(region, identifier)?)));
            resolved.map(|(request, model_id)| {
                let conversation = Conversation::new(&request, &model_id, identifier, region);
                let latency_ms = u64::try_from(call.started.elapsed().as_millis()).unwrap_or(u64::MAX).max(1);
                if operation == Operation::Converse {
                    json_response(StatusCode::OK, &conversation.converse_json(latency_ms))
                } else {
                    stream_response(conversation.stream_bytes(latency_ms))
                }
            })
        }
        Operation::GetCallerIdentity => {
            let account = lock(shared).account.clone();
            Ok(sts::get_caller_identity(&account, call.request_id))
        }
    };
    result.unwrap_or_else(|error| error_response(&error, call.identifier, sts, call.request_id))
}

/// The 403 for a request without usable credentials.
///
/// With no `Authorization` header at all, Bedrock answers 403 with
/// `x-amzn-ErrorType: AccessDeniedException:http://internal.amazon.com/coral/com.amazon.coral.service/`
/// and the body `{"Message":"Authorization header is missing"}` (capital `M`): the raw response
/// is quoted in karthink/gptel#1397 and anthropics/claude-code#45000 (bedrock-runtime, 2026).
/// It is no longer `MissingAuthenticationTokenException`, since Bedrock accepts API keys.
/// STS, an awsQuery service, still answers `MissingAuthenticationToken`. A header without a
/// usable credential scope is `IncompleteSignature`: 403 in the REST-JSON services' common
/// errors (e.g. AWS Signer's API reference), 400 in the awsQuery ones' (e.g. RDS's).
fn auth_error(auth: &Auth, sts: bool, request_id: &str) -> Response {
    match (auth, sts) {
        (Auth::Missing, false) => rest_error(
            StatusCode::FORBIDDEN,
            "AccessDeniedException",
            CORAL_ERROR_SUFFIX,
            "Message",
            "Authorization header is missing",
        ),
        (_, false) => rest_error(
            StatusCode::FORBIDDEN,
            "IncompleteSignatureException",
            CORAL_ERROR_SUFFIX,
            "message",
            "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' \
             parameter. Authorization header requires 'SignedHeaders' parameter.",
        ),
        (Auth::Missing, true) => logged(
            sts::error(
                StatusCode::FORBIDDEN,
                "MissingAuthenticationToken",
                "Request is missing Authentication Token",
                request_id,
            ),
            "MissingAuthenticationToken",
        ),
        (_, true) => logged(
            sts::error(
                StatusCode::BAD_REQUEST,
                "IncompleteSignature",
                "Authorization header requires 'Credential' parameter.",
                request_id,
            ),
            "IncompleteSignature",
        ),
    }
}

/// An error in the caller's protocol: REST-JSON for Bedrock, awsQuery XML for STS.
fn error_response(error: &FakeError, identifier: Option<&str>, sts: bool, request_id: &str) -> Response {
    let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::BAD_REQUEST);
    if sts {
        let (code, message) = error.sts_code_and_message();
        return logged(sts::error(status, &code, &message, request_id), &code);
    }
    let suffix = if error.is_credential_error() { CORAL_ERROR_SUFFIX } else { BEDROCK_ERROR_SUFFIX };
    rest_error(status, error.error_type(), suffix, "message", &error.message(identifier))
}

/// A REST-JSON error: the status, `x-amzn-errortype: TYPE{suffix}` and `{message_key: message}`.
fn rest_error(status: StatusCode, error_type: &str, suffix: &str, message_key: &str, message: &str) -> Response {
    let mut body = serde_json::Map::new();
    body.insert(message_key.to_owned(), json!(message));
    let response = (
        status,
        [
            (header::CONTENT_TYPE, "application/json".to_owned()),
            (header::HeaderName::from_static("x-amzn-errortype"), format!("{error_type}{suffix}")),
        ],
        Value::Object(body).to_string(),
    )
        .into_response();
    logged(response, error_type)
}

fn logged(mut response: Response, error_type: &str) -> Response {
    response.extensions_mut().insert(LoggedErrorType(error_type.to_owned()));
    response
}

fn json_response(status: StatusCode, body: &Value) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
}

/// CreateInferenceProfile's 201.
fn created_response(arn: &str) -> Response {
    json_response(StatusCode::CREATED, &json!({ "inferenceProfileArn": arn, "status": PROFILE_ACTIVE }))
}

fn stream_response(bytes: Vec<u8>) -> Response {
    (StatusCode::OK, [(header::CONTENT_TYPE, "application/vnd.amazon.eventstream")], Body::from(Bytes::from(bytes)))
        .into_response()
}

/// A stream that starts, then fails with `error` as an exception event, as Bedrock does when
/// throttled or unavailable mid-stream (aws-samples/foundation-model-benchmarking-tool#247
/// quotes such a `serviceUnavailableException` event).
fn failing_stream(error: &FakeError) -> Response {
    let mut bytes = eventstream::event("messageStart", &json!({ "role": "assistant", "p": padding(1) }));
    bytes.extend(eventstream::event(
        "contentBlockDelta",
        &json!({ "contentBlockIndex": 0, "delta": { "text": "Partial " }, "p": padding(2) }),
    ));
    bytes.extend(eventstream::exception(error.stream_exception_type(), &error.message(None)));
    logged(stream_response(bytes), error.error_type())
}

/// A `1 validation error detected: …` ValidationException, AWS's wording for a parameter that
/// breaks its shape's constraint.
fn constraint_error(member: &str, value: &str, constraint: &str) -> FakeError {
    FakeError::Validation(format!(
        "1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: {constraint}"
    ))
}

/// A query parameter that must be one of `allowed` (or absent).
fn enum_param<'a>(query: &'a [(String, String)], name: &str, allowed: &[&str]) -> Result<Option<&'a str>, FakeError> {
    match wire::form_value(query, name) {
        Some(value) if !allowed.contains(&value) => {
            // AWS names the member, which for `type` is `typeEquals`.
            let member = if name == "type" { "typeEquals" } else { name };
            Err(constraint_error(
                member,
                value,
                &format!("Member must satisfy enum value set: [{}]", allowed.join(", ")),
            ))
        }
        value => Ok(value),
    }
}

/// Pagination tokens: opaque to clients, tied to the profile type they were issued for.
fn encode_token(offset: usize, profile_type: ProfileType) -> String {
    format!("fake-{}-{offset}", profile_type.as_str())
}

fn decode_token(token: &str, profile_type: ProfileType) -> Option<usize> {
    token.strip_prefix("fake-")?.strip_prefix(profile_type.as_str())?.strip_prefix('-')?.parse().ok()
}

fn profile_not_found(identifier: &str) -> FakeError {
    // Not a verified AWS wording.
    FakeError::ResourceNotFound(format!("The inference profile {identifier} was not found."))
}

fn malformed_body() -> FakeError {
    FakeError::Validation("Malformed input request, please reformat your input and try again.".to_owned())
}

fn required_str<'a>(request: &'a Value, member: &str) -> Result<&'a str, FakeError> {
    request.get(member).and_then(Value::as_str).ok_or_else(|| {
        FakeError::Validation(format!(
            "1 validation error detected: Value null at '{member}' failed to satisfy constraint: Member must not be null"
        ))
    })
}

/// `([0-9a-zA-Z][ _-]?)+`, 1 to 64 characters: alphanumerics, each optionally followed by one
/// space, `_` or `-`.
fn valid_profile_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 64
        && bytes[0].is_ascii_alphanumeric()
        && bytes.iter().all(|b| b.is_ascii_alphanumeric() || matches!(b, b' ' | b'_' | b'-'))
        && bytes.windows(2).all(|pair| pair[0].is_ascii_alphanumeric() || pair[1].is_ascii_alphanumeric())
}

fn parse_tags(tags: Option<&Value>) -> Result<Vec<Tag>, FakeError> {
    let Some(tags) = tags else { return Ok(Vec::new()) };
    let list = tags.as_array().ok_or_else(malformed_body)?;
    if list.len() > 200 {
        return Err(FakeError::Custom {
            status: 400,
            error_type: "TooManyTagsException".to_owned(),
            message: "The request contains more tags than can be associated with a resource (200 tags per resource)."
                .to_owned(),
        });
    }
    list.iter()
        .map(|tag| {
            let key = tag.get("key").and_then(Value::as_str).filter(|k| !k.is_empty() && k.len() <= 128);
            let value = tag.get("value").and_then(Value::as_str).filter(|v| v.len() <= 256);
            match (key, value) {
                (Some(key), Some(value)) => Ok(Tag { key: key.to_owned(), value: value.to_owned() }),
                _ => Err(malformed_body()),
            }
        })
        .collect()
}

/// Converse and ConverseStream need a JSON body whose conversation starts with a user message.
fn check_converse_body(body: &[u8]) -> Result<Value, FakeError> {
    let request: Value = serde_json::from_slice(body).map_err(|_| malformed_body())?;
    let first_role =
        request.get("messages").and_then(Value::as_array).and_then(|m| m.first()).and_then(|m| m.get("role"));
    if first_role.and_then(Value::as_str) != Some("user") {
        return Err(FakeError::Validation(
            "A conversation must start with a user message. Try again with a conversation that starts with a user \
             message."
                .to_owned(),
        ));
    }
    Ok(request)
}

/// The fake's answer to a conversation: a fixed sentence naming what answered, with token
/// counts from whitespace-separated words.
struct Conversation {
    reply: String,
    input_tokens: u64,
    output_tokens: u64,
}

impl Conversation {
    fn new(request: &Value, model_id: &str, identifier: &str, region: &str) -> Conversation {
        let reply = if identifier == model_id {
            format!("Hello from the fake Bedrock: {model_id} answered in {region}.")
        } else {
            format!("Hello from the fake Bedrock: {model_id} answered through {identifier} in {region}.")
        };
        let mut input_tokens = 0;
        count_words(request.get("messages"), &mut input_tokens);
        count_words(request.get("system"), &mut input_tokens);
        let output_tokens = reply.split_whitespace().count() as u64;
        Conversation { reply, input_tokens: input_tokens.max(1), output_tokens }
    }

    fn usage(&self) -> Value {
        json!({
            "inputTokens": self.input_tokens,
            "outputTokens": self.output_tokens,
            "totalTokens": self.input_tokens + self.output_tokens,
        })
    }

    fn converse_json(&self, latency_ms: u64) -> Value {
        json!({
            "output": { "message": { "role": "assistant", "content": [{ "text": self.reply }] } },
            "stopReason": "end_turn",
            "usage": self.usage(),
            "metrics": { "latencyMs": latency_ms },
        })
    }

    /// messageStart, one contentBlockDelta per word, contentBlockStop, messageStop, metadata.
    /// Like Bedrock, each payload has a `p` member of varying length (padding that hides the
    /// size of the text); clients ignore it.
    fn stream_bytes(&self, latency_ms: u64) -> Vec<u8> {
        let mut bytes = eventstream::event("messageStart", &json!({ "role": "assistant", "p": padding(3) }));
        for (i, chunk) in self.reply.split_inclusive(' ').enumerate() {
            bytes.extend(eventstream::event(
                "contentBlockDelta",
                &json!({ "contentBlockIndex": 0, "delta": { "text": chunk }, "p": padding(i) }),
            ));
        }
        bytes.extend(eventstream::event("contentBlockStop", &json!({ "contentBlockIndex": 0, "p": padding(5) })));
        bytes.extend(eventstream::event("messageStop", &json!({ "stopReason": "end_turn", "p": padding(7) })));
        bytes.extend(eventstream::event(
            "metadata",
            &json!({ "usage": self.usage(), "metrics": { "latencyMs": latency_ms }, "p": padding(11) }),
        ));
        bytes
    }
}

/// `abcd…` of a length that varies with `n`.
fn padding(n: usize) -> &'static str {
    const LETTERS: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    &LETTERS[..(n * 7) % LETTERS.len() + 1]
}

/// Adds the words of every `text` member under `value`.
fn count_words(value: Option<&Value>, count: &mut u64) {
    match value {
        Some(Value::Object(object)) => {
            for (key, member) in object {
                match (key.as_str(), member) {
                    ("text", Value::String(text)) => *count += text.split_whitespace().count() as u64,
                    _ => count_words(Some(member), count),
                }
            }
        }
        Some(Value::Array(items)) => items.iter().for_each(|item| count_words(Some(item), count)),
        _ => {}
    }
}

#[cfg(test)]
mod tests;
