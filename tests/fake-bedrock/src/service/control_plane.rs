//! The control plane (`bedrock`): ListFoundationModels, GetFoundationModel,
//! GetFoundationModelAvailability, ListInferenceProfiles, GetInferenceProfile,
//! CreateInferenceProfile, DeleteInferenceProfile and ListTagsForResource (of a profile), with
//! their parameter checks.
//!
//! Each operation reads or changes the [`State`] the router has locked and returns the answer
//! or the [`FakeError`] the router turns into an error response.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::errors::malformed_body;
use super::response::json_response;
use super::state::{Created, State};
use crate::data::{FakeProfile, PROFILE_ACTIVE, ProfileType, Tag};
use crate::error::FakeError;
use crate::wire::{self, Arn};

pub(super) fn list_foundation_models(
    state: &State,
    region: &str,
    query: &[(String, String)],
) -> Result<Response, FakeError> {
    let by_provider = wire::form_value(query, "byProvider");
    let by_output = enum_param(query, "byOutputModality", &["TEXT", "IMAGE", "EMBEDDING"])?;
    let by_inference = enum_param(query, "byInferenceType", &["ON_DEMAND", "PROVISIONED"])?;
    let by_customization =
        enum_param(query, "byCustomizationType", &["FINE_TUNING", "CONTINUED_PRE_TRAINING", "DISTILLATION"])?;
    let models = state.region(region).map(|data| data.models.as_slice()).unwrap_or_default();
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

pub(super) fn get_foundation_model(state: &State, region: &str, identifier: &str) -> Result<Response, FakeError> {
    let model = state.lookup_model(region, identifier).ok_or(FakeError::InvalidModelIdentifier)?;
    Ok(json_response(StatusCode::OK, &json!({ "modelDetails": model.summary(region) })))
}

pub(super) fn get_foundation_model_availability(
    state: &State,
    region: &str,
    model_id: &str,
) -> Result<Response, FakeError> {
    let model = state.region(region).and_then(|d| d.model(model_id)).ok_or(FakeError::InvalidModelIdentifier)?;
    Ok(json_response(StatusCode::OK, &model.availability_json()))
}

pub(super) fn list_inference_profiles(
    state: &State,
    region: &str,
    query: &[(String, String)],
) -> Result<Response, FakeError> {
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
                return Err(constraint_error("maxResults", text, "Member must have value greater than or equal to 1"));
            }
            if value > 1000 {
                return Err(constraint_error("maxResults", text, "Member must have value less than or equal to 1000"));
            }
            usize::try_from(value).unwrap_or(1000)
        }
    };
    let profiles: Vec<&FakeProfile> = state
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
            profiles[start..end].iter().map(|p| p.summary(region, &state.account)).collect::<Vec<_>>(),
    });
    if end < profiles.len()
        && let Some(object) = body.as_object_mut()
    {
        object.insert("nextToken".to_owned(), json!(encode_token(end, profile_type)));
    }
    Ok(json_response(StatusCode::OK, &body))
}

pub(super) fn get_inference_profile(state: &State, region: &str, identifier: &str) -> Result<Response, FakeError> {
    let profile = state.lookup_profile(region, identifier).ok_or_else(|| profile_not_found(identifier))?;
    Ok(json_response(StatusCode::OK, &profile.summary(region, &state.account)))
}

/// ListTagsForResource of an inference profile (`resourceARN`): the tags it was created with.
pub(super) fn list_tags_for_resource(state: &State, region: &str, body: &[u8]) -> Result<Response, FakeError> {
    let request: Value = serde_json::from_slice(body).map_err(|_| malformed_body())?;
    let arn = required_str(&request, "resourceARN")?;
    let profile = state.lookup_profile(region, arn).ok_or_else(|| profile_not_found(arn))?;
    let tags: Vec<Value> = profile.tags.iter().map(|tag| json!({ "key": tag.key, "value": tag.value })).collect();
    Ok(json_response(StatusCode::OK, &json!({ "tags": tags })))
}

pub(super) fn create_inference_profile(state: &mut State, region: &str, body: &[u8]) -> Result<Response, FakeError> {
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
        && let Some(earlier) = state.created.get(&(region.to_owned(), token.to_owned()))
    {
        if earlier.parameters == parameters {
            return Ok(created_response(&earlier.arn));
        }
        // Not a verified AWS wording.
        return Err(FakeError::Conflict(
            "The clientRequestToken was already used with different request parameters.".to_owned(),
        ));
    }
    let data = state.region(region);
    if data.is_some_and(|d| d.profiles.iter().any(|p| p.profile_type == ProfileType::Application && p.name == name)) {
        // Not a verified AWS wording.
        return Err(FakeError::Conflict(format!("An inference profile with the name {name} already exists.")));
    }
    let model_arns = source_models(state, region, copy_from).ok_or(FakeError::InvalidModelIdentifier)?;

    let mut id = wire::short_id(state.next_count());
    while state.region(region).is_some_and(|d| d.profile(&id).is_some()) {
        id = wire::short_id(state.next_count());
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
    let arn = profile.arn(region, &state.account);
    state.regions.entry(region.to_owned()).or_default().profiles.push(profile);
    if let Some(token) = token {
        state.created.insert((region.to_owned(), token.to_owned()), Created { parameters, arn: arn.clone() });
    }
    Ok(created_response(&arn))
}

/// The destination model ARNs of a `copyFrom`: a foundation-model ARN of this region, or a
/// system-defined profile ARN of this region and account.
fn source_models(state: &State, region: &str, copy_from: &str) -> Option<Vec<String>> {
    let arn = Arn::parse(copy_from)?;
    if arn.region != region {
        return None;
    }
    match arn.resource_type {
        "foundation-model" => {
            let model = state.lookup_model(region, copy_from)?;
            Some(vec![wire::foundation_model_arn(region, &model.model_id)])
        }
        "inference-profile" => {
            let profile = state.lookup_profile(region, copy_from)?;
            Some(profile.model_arns.clone())
        }
        _ => None,
    }
}

pub(super) fn delete_inference_profile(
    state: &mut State,
    region: &str,
    identifier: &str,
) -> Result<Response, FakeError> {
    let profile = state.lookup_profile(region, identifier).ok_or_else(|| profile_not_found(identifier))?;
    if profile.profile_type == ProfileType::SystemDefined {
        // Not a verified AWS wording.
        return Err(FakeError::Validation("System-defined inference profiles can't be deleted.".to_owned()));
    }
    let id = profile.id.clone();
    if let Some(data) = state.regions.get_mut(region) {
        data.profiles.retain(|p| p.id != id);
    }
    Ok(json_response(StatusCode::OK, &json!({})))
}

/// CreateInferenceProfile's 201.
fn created_response(arn: &str) -> Response {
    json_response(StatusCode::CREATED, &json!({ "inferenceProfileArn": arn, "status": PROFILE_ACTIVE }))
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

fn required_str<'a>(request: &'a Value, member: &str) -> Result<&'a str, FakeError> {
    request.get(member).and_then(Value::as_str).ok_or_else(|| {
        FakeError::Validation(format!(
            "1 validation error detected: Value null at '{member}' failed to satisfy constraint: Member must not be null"
        ))
    })
}

/// `([0-9a-zA-Z][ _-]?)+`, 1 to 64 characters: alphanumerics, each optionally followed by one
/// space, `_` or `-`.
pub(super) fn valid_profile_name(name: &str) -> bool {
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
