//! The JSON request bodies of the API: any bytes either fail to deserialise or give a value
//! that reads back equal from its own JSON, and the shared parsing each handler then does with
//! the fields (bindings, regions, environment names, profile fields, texts) never panics and
//! keeps what it accepts as written (trimmed). Fuzz target `api_json`; the input is one byte
//! choosing the request type (the byte modulo [`REQUEST_TYPES`], in that order), then the body.

use std::fmt::Debug;
use std::str::FromStr;

use bedrock_binder_shared::api::{
    BindRequest, BindRequiredRequest, CheckRequest, CreateEnvRequest, CreateProfileRequest, DecideRequest, EnvSettings,
    PromoteRequest, ProposeRequest, RefreshRequest, RevertRequest, SignInRequest, TestRequest, UnbindRequest,
};
use bedrock_binder_shared::application_profile::{ProfileDescription, ProfileName, check_tags};
use bedrock_binder_shared::env_name::EnvName;
use bedrock_binder_shared::validate::validate;
use bedrock_binder_shared::{Arn, Binding, Catalog, Document, ModelId, Region, Unbinding};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The request types, in the order the first input byte picks them.
pub(crate) const REQUEST_TYPES: [&str; 14] = [
    "BindRequest",
    "UnbindRequest",
    "RefreshRequest",
    "TestRequest",
    "CheckRequest",
    "CreateProfileRequest",
    "BindRequiredRequest",
    "CreateEnvRequest",
    "EnvSettings",
    "PromoteRequest",
    "RevertRequest",
    "DecideRequest",
    "ProposeRequest",
    "SignInRequest",
];

/// Checks the property for one input; panics where it does not hold.
pub(crate) fn check(data: &[u8]) {
    let Some((&selector, body)) = data.split_first() else { return };
    match usize::from(selector) % REQUEST_TYPES.len() {
        0 => read::<BindRequest>(body).iter().for_each(check_bind),
        1 => read::<UnbindRequest>(body).iter().for_each(check_unbind),
        2 => read::<RefreshRequest>(body)
            .iter()
            .flat_map(|request| &request.regions)
            .map(String::as_str)
            .for_each(trimmed::<Region>),
        3 => {
            if let Some(request) = read::<TestRequest>(body) {
                trimmed::<ModelId>(&request.model);
                request.region.as_deref().into_iter().for_each(trimmed::<Region>);
            }
        }
        4 => {
            read::<CheckRequest>(body).iter().flat_map(|request| request.region.as_deref()).for_each(trimmed::<Region>)
        }
        5 => read::<CreateProfileRequest>(body).iter().for_each(check_new_profile),
        6 => read::<BindRequiredRequest>(body)
            .iter()
            .flat_map(|request| request.region.as_deref())
            .for_each(trimmed::<Region>),
        7 => {
            if let Some(request) = read::<CreateEnvRequest>(body) {
                trimmed::<EnvName>(&request.name);
                request.from.as_deref().into_iter().for_each(trimmed::<EnvName>);
                request.text.as_deref().into_iter().for_each(validates);
            }
        }
        8 => {
            read::<EnvSettings>(body);
        }
        9 => {
            if let Some(request) = read::<PromoteRequest>(body) {
                trimmed::<EnvName>(&request.from);
                trimmed::<EnvName>(&request.to);
            }
        }
        10 => {
            read::<RevertRequest>(body);
        }
        11 => {
            read::<DecideRequest>(body);
        }
        12 => {
            if let Some(request) = read::<ProposeRequest>(body) {
                request.from.as_deref().into_iter().for_each(trimmed::<EnvName>);
                request.text.as_deref().into_iter().for_each(validates);
            }
        }
        _ => {
            read::<SignInRequest>(body);
        }
    }
}

/// Deserialises as the server's JSON extractor does; what it accepts must read back equal
/// from its own JSON.
fn read<T: Serialize + DeserializeOwned + PartialEq + Debug>(body: &[u8]) -> Option<T> {
    let value: T = serde_json::from_slice(body).ok()?;
    let json = serde_json::to_vec(&value).expect("a request serialises");
    let again: T = serde_json::from_slice(&json).expect("a request reads back from its own JSON");
    assert_eq!(again, value, "the request changed on its way through its own JSON");
    Some(value)
}

/// A field the handler trims and parses: what parses prints back as the trimmed text.
fn trimmed<T: FromStr + ToString>(text: &str) {
    if let Ok(value) = text.trim().parse::<T>() {
        assert_eq!(value.to_string(), text.trim(), "a field does not print back as it was sent");
    }
}

/// A whole binding text, as a request carries one.
fn validates(text: &str) {
    let _ = validate(&Document::parse(text), Catalog::embedded());
}

/// A bind request parses to a binding that makes the same request again.
fn check_bind(request: &BindRequest) {
    match Binding::try_from(request) {
        Ok(binding) => {
            assert_eq!(binding.model.as_str(), request.model.trim());
            assert_eq!(binding.profile.to_string(), request.profile.as_deref().unwrap_or_default().trim());
            let again = BindRequest::from(&binding);
            assert_eq!(Binding::try_from(&again).as_ref(), Ok(&binding), "a binding's own request differs");
        }
        Err(invalid) => {
            let width = invalid.text.chars().count();
            let diagnostic = &invalid.diagnostic;
            assert!(
                1 <= diagnostic.column
                    && diagnostic.column <= diagnostic.end_column
                    && diagnostic.end_column <= width + 1,
                "{diagnostic:?} is not within the field {:?}",
                invalid.text
            );
        }
    }
}

/// An unbind request is refused only for a blank model, and its unbinding makes it again.
fn check_unbind(request: &UnbindRequest) {
    match Unbinding::try_from(request) {
        Ok(unbinding) => {
            assert_eq!(unbinding.key(), request.model.trim());
            let again = UnbindRequest::from(&unbinding);
            assert_eq!(Unbinding::try_from(&again).as_ref(), Ok(&unbinding), "an unbinding's own request differs");
        }
        Err(_) => assert!(request.model.trim().is_empty(), "the model {:?} was refused", request.model),
    }
}

/// The fields of a new application profile, checked as the server checks them.
fn check_new_profile(request: &CreateProfileRequest) {
    if let Ok(name) = request.name.parse::<ProfileName>() {
        assert_eq!(name.as_str(), request.name.trim());
    }
    let description = request.description.as_deref().unwrap_or_default();
    if let Ok(parsed) = description.parse::<ProfileDescription>() {
        assert_eq!(parsed.as_deref().unwrap_or_default(), description.trim());
    }
    let _ = check_tags(&request.tags);
    trimmed::<Arn>(&request.copy_from);
    request.region.as_deref().into_iter().for_each(trimmed::<Region>);
}
