//! The runtime (`bedrock-runtime`): Converse and ConverseStream, from the model a call
//! reaches to the fixed answer in JSON or as an event stream, and a stream that fails midway.

use std::time::Instant;

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::errors::{logged, malformed_body};
use super::response::{json_response, stream_response};
use super::state::{Shared, State, lock};
use crate::data::{FakeModel, FakeProfile, Lifecycle, ProfileType};
use crate::error::FakeError;
use crate::eventstream;
use crate::script::Operation;
use crate::wire::Arn;

/// Converse or ConverseStream (`operation`) on `identifier` in `region`. The state is locked
/// only to resolve the model, after the body has been checked.
pub(super) fn converse(
    shared: &Shared,
    operation: Operation,
    region: &str,
    identifier: &str,
    body: &[u8],
    started: Instant,
) -> Result<Response, FakeError> {
    let resolved = check_converse_body(body)
        .and_then(|request| Ok((request, resolve_invocation(&lock(shared), region, identifier)?)));
    resolved.map(|(request, model_id)| {
        let conversation = Conversation::new(&request, &model_id, identifier, region);
        let latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX).max(1);
        if operation == Operation::Converse {
            json_response(StatusCode::OK, &conversation.converse_json(latency_ms))
        } else {
            stream_response(conversation.stream_bytes(latency_ms))
        }
    })
}

/// The model a Converse call reaches, or the error AWS gives for it:
/// - a bare model id (or foundation-model ARN) without `ON_DEMAND` here → the on-demand
///   ValidationException; one at its end of life → ResourceNotFoundException;
/// - a system profile id or ARN, or an application profile ARN, of this region → its model;
/// - anything this region does not have → "The provided model identifier is invalid."
fn resolve_invocation(state: &State, region: &str, identifier: &str) -> Result<String, FakeError> {
    let data = state.region(region).ok_or(FakeError::InvalidModelIdentifier)?;
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
                direct(state.lookup_model(region, identifier).ok_or(FakeError::InvalidModelIdentifier)?)
            }
            "inference-profile" | "application-inference-profile" => {
                via_profile(state.lookup_profile(region, identifier).ok_or(FakeError::InvalidModelIdentifier)?)
            }
            _ => Err(FakeError::InvalidModelIdentifier),
        },
        None => {
            // An application profile is called by its ARN; a bare id names a system profile
            // or a model.
            if let Some(profile) = data.profile(identifier).filter(|p| p.profile_type == ProfileType::SystemDefined) {
                return via_profile(profile);
            }
            direct(data.model(identifier).ok_or(FakeError::InvalidModelIdentifier)?)
        }
    }
}

/// A stream that starts, then fails with `error` as an exception event, as Bedrock does when
/// throttled or unavailable mid-stream (aws-samples/foundation-model-benchmarking-tool#247
/// quotes such a `serviceUnavailableException` event).
pub(super) fn failing_stream(error: &FakeError) -> Response {
    let mut bytes = eventstream::event("messageStart", &json!({ "role": "assistant", "p": padding(1) }));
    bytes.extend(eventstream::event(
        "contentBlockDelta",
        &json!({ "contentBlockIndex": 0, "delta": { "text": "Partial " }, "p": padding(2) }),
    ));
    bytes.extend(eventstream::exception(error.stream_exception_type(), &error.message(None)));
    logged(stream_response(bytes), error.error_type())
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
