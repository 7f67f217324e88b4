//! Test invocations: Converse (or ConverseStream) with the id the binding resolves to, and a
//! diagnosis when it fails.
//!
//! The id sent is what TPipe would send: the binding's value, or the model itself when the
//! binding is direct or the file has none. The answer reports that exact `modelId`, so a user
//! sees what was called, not what was meant.

use std::collections::HashMap;
use std::time::Instant;

use aws_sdk_bedrockruntime::error::SdkError;
use aws_sdk_bedrockruntime::types::error::ConverseStreamOutputError;
use aws_sdk_bedrockruntime::types::{
    ContentBlock, ContentBlockDelta, ConversationRole, ConverseOutput, ConverseStreamOutput, InferenceConfiguration,
    Message, PerformanceConfigLatency, PerformanceConfiguration, ServiceTier, ServiceTierType, TokenUsage,
};
use bedrock_binder_shared::api::TestResponse;
use bedrock_binder_shared::aws_failure::{AwsFailureCode, CallContext};
use bedrock_binder_shared::preset::{Preset, Probability};
use bedrock_binder_shared::profile_suggestion::ProfileSuggestion;
use bedrock_binder_shared::{Document, ModelId, Region};

use super::Aws;
use super::error::CallError;
use super::profile_suggestions;

/// The prompt when none is given: short, so a test costs a handful of tokens.
pub const DEFAULT_PROMPT: &str = "Reply with one short sentence: which model are you?";

/// One test call, resolved and validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    /// The model tested (the binding's key).
    pub model: ModelId,
    /// The exact `modelId` to send.
    pub sent: String,
    /// The binding's value in force; `None` when the file has no line for the model.
    pub binding: Option<String>,
    /// The region to call.
    pub region: Region,
    /// The prompt.
    pub prompt: String,
    /// `maxTokens`.
    pub max_tokens: u32,
    /// The binding's preset: every field but `maxTokens` (which the caller has settled
    /// against the cost guard's ceiling) is sent as it is.
    pub preset: Preset,
}

impl Invocation {
    /// Resolves `model` in `document` as TPipe does: the last line for the key wins, and an
    /// empty value (or no line) means the model is called directly.
    pub fn resolve(document: &Document, model: ModelId, region: Region, prompt: String, max_tokens: u32) -> Self {
        let binding = document.get(model.as_str()).map(|resolved| resolved.value.to_owned());
        let sent = match binding.as_deref() {
            Some(value) if !value.is_empty() => value.to_owned(),
            _ => model.to_string(),
        };
        Invocation { model, sent, binding, region, prompt, max_tokens, preset: Preset::default() }
    }

    /// The same call with the binding's preset.
    pub fn with_preset(self, preset: Preset) -> Self {
        Invocation { preset, ..self }
    }

    fn service_tier(&self) -> Option<ServiceTier> {
        let tier = self.preset.service_tier?;
        ServiceTier::builder().r#type(ServiceTierType::from(tier.as_str())).build().ok()
    }

    fn performance_config(&self) -> Option<PerformanceConfiguration> {
        let latency = self.preset.latency?;
        Some(PerformanceConfiguration::builder().latency(PerformanceConfigLatency::from(latency.as_str())).build())
    }

    fn request_metadata(&self) -> Option<HashMap<String, String>> {
        let metadata = &self.preset.request_metadata;
        (!metadata.is_empty())
            .then(|| metadata.iter().map(|(key, value)| (key.as_str().to_owned(), value.as_str().to_owned())).collect())
    }

    fn response(&self) -> TestResponse {
        TestResponse {
            model: self.model.to_string(),
            model_id_sent: self.sent.clone(),
            region: self.region.to_string(),
            binding: self.binding.clone(),
            max_tokens: self.max_tokens,
            ..TestResponse::default()
        }
    }

    fn message(&self) -> Result<Message, CallError> {
        Message::builder()
            .role(ConversationRole::User)
            .content(ContentBlock::Text(self.prompt.clone()))
            .build()
            .map_err(|error| {
                CallError::Service(bedrock_binder_shared::aws_failure::AwsErrorInfo {
                    error_type: "ClientError".to_owned(),
                    message: error.to_string(),
                    status: None,
                })
            })
    }

    fn inference_config(&self) -> InferenceConfiguration {
        let preset = &self.preset;
        let stops: Vec<String> = preset.stop_sequences.iter().map(|stop| stop.as_str().to_owned()).collect();
        InferenceConfiguration::builder()
            .max_tokens(i32::try_from(self.max_tokens).unwrap_or(i32::MAX))
            .set_temperature(preset.temperature.map(Probability::as_f32))
            .set_top_p(preset.top_p.map(Probability::as_f32))
            .set_stop_sequences((!stops.is_empty()).then_some(stops))
            .build()
    }
}

fn elapsed_ms(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}

fn set_usage(response: &mut TestResponse, usage: Option<&TokenUsage>) {
    if let Some(usage) = usage {
        response.input_tokens = u32::try_from(usage.input_tokens()).ok();
        response.output_tokens = u32::try_from(usage.output_tokens()).ok();
    }
}

impl Aws {
    /// Calls Converse and reports the outcome, a failure included.
    pub async fn converse(&self, invocation: &Invocation) -> TestResponse {
        let mut response = invocation.response();
        let clients = self.clients(&invocation.region).await;
        let message = match invocation.message() {
            Ok(message) => message,
            Err(error) => return self.failed(invocation, response, error).await,
        };
        let started = Instant::now();
        let result = clients
            .runtime
            .converse()
            .model_id(&invocation.sent)
            .messages(message)
            .inference_config(invocation.inference_config())
            .set_service_tier(invocation.service_tier())
            .set_performance_config(invocation.performance_config())
            .set_request_metadata(invocation.request_metadata())
            .send()
            .await;
        response.latency_ms = elapsed_ms(started);
        match result {
            Ok(output) => {
                response.ok = true;
                if let Some(ConverseOutput::Message(message)) = output.output() {
                    response.reply = message
                        .content()
                        .iter()
                        .filter_map(|block| match block {
                            ContentBlock::Text(text) => Some(text.as_str()),
                            _ => None,
                        })
                        .collect();
                }
                response.stop_reason = Some(output.stop_reason().as_str().to_owned());
                set_usage(&mut response, output.usage());
                response.service_latency_ms = output.metrics().and_then(|m| u64::try_from(m.latency_ms()).ok());
                response
            }
            Err(error) => self.failed(invocation, response, CallError::from_sdk(error)).await,
        }
    }

    /// Calls ConverseStream, handing each piece of text to `on_text` as it arrives, and reports
    /// the outcome. A failure mid-stream keeps the text received so far.
    pub async fn converse_stream(&self, invocation: &Invocation, mut on_text: impl FnMut(&str)) -> TestResponse {
        let mut response = invocation.response();
        let clients = self.clients(&invocation.region).await;
        let message = match invocation.message() {
            Ok(message) => message,
            Err(error) => return self.failed(invocation, response, error).await,
        };
        let started = Instant::now();
        let result = clients
            .runtime
            .converse_stream()
            .model_id(&invocation.sent)
            .messages(message)
            .inference_config(invocation.inference_config())
            .set_service_tier(invocation.service_tier())
            .set_performance_config(invocation.performance_config())
            .set_request_metadata(invocation.request_metadata())
            .send()
            .await;
        let mut output = match result {
            Ok(output) => output,
            Err(error) => {
                response.latency_ms = elapsed_ms(started);
                return self.failed(invocation, response, CallError::from_sdk(error)).await;
            }
        };
        loop {
            match output.stream.recv().await {
                Ok(Some(ConverseStreamOutput::ContentBlockDelta(event))) => {
                    if let Some(ContentBlockDelta::Text(text)) = event.delta() {
                        on_text(text);
                        response.reply.push_str(text);
                    }
                }
                Ok(Some(ConverseStreamOutput::MessageStop(event))) => {
                    response.stop_reason = Some(event.stop_reason().as_str().to_owned());
                }
                Ok(Some(ConverseStreamOutput::Metadata(event))) => {
                    set_usage(&mut response, event.usage());
                    response.service_latency_ms = event.metrics().and_then(|m| u64::try_from(m.latency_ms()).ok());
                }
                Ok(Some(_)) => {}
                Ok(None) => break,
                Err(error) => {
                    response.latency_ms = elapsed_ms(started);
                    return self.failed(invocation, response, stream_failure(error)).await;
                }
            }
        }
        response.latency_ms = elapsed_ms(started);
        response.ok = true;
        response
    }

    /// Fills in the diagnosis of a failed call. For the failures a profile can fix (the model
    /// needs one here, the id is wrong for the region, throttling) the region's profiles are
    /// discovered first, so the fix offered is one that exists there.
    async fn failed(&self, invocation: &Invocation, mut response: TestResponse, error: CallError) -> TestResponse {
        let first = error.diagnose(&context(invocation, &[]));
        let suggestions = if matches!(
            first.code,
            AwsFailureCode::OnDemandNotSupported | AwsFailureCode::InvalidModelIdentifier | AwsFailureCode::Throttled
        ) {
            self.suggestions(invocation.model.base(), &invocation.region).await
        } else {
            Vec::new()
        };
        response.ok = false;
        response.diagnosis = Some(error.diagnose(&context(invocation, &suggestions)));
        response
    }

    /// The live suggestions for `model` from `region` (fetching the region if its data is not
    /// fresh); none if the region cannot be fetched.
    pub async fn suggestions(&self, model: &str, region: &Region) -> Vec<ProfileSuggestion> {
        match self.snapshot(region).await {
            Ok(snapshot) => profile_suggestions::live(model, region, &snapshot.profiles),
            Err(_) => Vec::new(),
        }
    }
}

/// A failure inside the stream. An exception event carries no error code the SDK exposes, so
/// its type is named from the variant.
fn stream_failure<R>(error: SdkError<ConverseStreamOutputError, R>) -> CallError
where
    R: std::fmt::Debug + Send + Sync + 'static,
{
    let named = match &error {
        SdkError::ServiceError(context) => match context.err() {
            ConverseStreamOutputError::ThrottlingException(_) => Some("ThrottlingException"),
            ConverseStreamOutputError::ValidationException(_) => Some("ValidationException"),
            ConverseStreamOutputError::InternalServerException(_) => Some("InternalServerException"),
            ConverseStreamOutputError::ServiceUnavailableException(_) => Some("ServiceUnavailableException"),
            ConverseStreamOutputError::ModelStreamErrorException(_) => Some("ModelStreamErrorException"),
            _ => None,
        },
        _ => None,
    };
    let mut call = CallError::from_any(error, |_| None);
    if let (CallError::Service(info), Some(named)) = (&mut call, named)
        && info.error_type == "UnknownError"
    {
        named.clone_into(&mut info.error_type);
    }
    call
}

fn context<'a>(invocation: &'a Invocation, suggestions: &'a [ProfileSuggestion]) -> CallContext<'a> {
    CallContext {
        model: Some(invocation.model.as_str()),
        sent: Some(invocation.sent.as_str()),
        region: Some(invocation.region.as_str()),
        suggestions,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invocation(text: &str, model: &str) -> Invocation {
        Invocation::resolve(
            &Document::parse(text),
            model.parse().expect("model"),
            "us-east-1".parse().expect("region"),
            DEFAULT_PROMPT.to_owned(),
            64,
        )
    }

    #[test]
    fn a_bound_model_sends_its_binding() {
        let call = invocation("amazon.nova-pro-v1:0=us.amazon.nova-pro-v1:0\n", "amazon.nova-pro-v1:0");
        assert_eq!(call.sent, "us.amazon.nova-pro-v1:0");
        assert_eq!(call.binding.as_deref(), Some("us.amazon.nova-pro-v1:0"));
    }

    #[test]
    fn a_direct_or_unbound_model_sends_itself() {
        let direct = invocation("amazon.nova-pro-v1:0=\n", "amazon.nova-pro-v1:0");
        assert_eq!((direct.sent.as_str(), direct.binding.as_deref()), ("amazon.nova-pro-v1:0", Some("")));
        let unbound = invocation("", "amazon.nova-pro-v1:0");
        assert_eq!((unbound.sent.as_str(), unbound.binding), ("amazon.nova-pro-v1:0", None));
    }

    #[test]
    fn the_last_line_for_a_key_wins_as_in_tpipe() {
        let text = "amazon.nova-pro-v1:0=eu.amazon.nova-pro-v1:0\namazon.nova-pro-v1:0=us.amazon.nova-pro-v1:0\n";
        assert_eq!(invocation(text, "amazon.nova-pro-v1:0").sent, "us.amazon.nova-pro-v1:0");
    }
}
