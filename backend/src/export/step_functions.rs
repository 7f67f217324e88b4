//! `step-functions`: an Amazon States Language state machine with, for each binding, a task
//! state for `arn:aws:states:::bedrock:invokeModel` whose `ModelId` is the binding's full ARN
//! (a system profile id becomes its ARN in the environment's account and region) and whose
//! `Body` carries the preset in the model's own InvokeModel request format.
//!
//! A `Choice` state routes an execution to its model's task by the input's `model`; the prompt
//! comes from the input too (`$.messages`, `$.prompt` or `$.message`, as the model's format
//! names it). What a model's body cannot carry — a service tier, a latency setting, request
//! metadata (InvokeModel takes them as headers, not in the body), or any preset of a model
//! whose format is not known here (its whole body then comes from `$.body`) — is said in the
//! task's `Comment`.

use bedrock_binder_shared::preset::Preset;
use serde_json::{Map, Value, json};

use super::{Bound, ExportError, Input, to_json};

/// The optimized integration's resource.
pub const INVOKE_MODEL: &str = "arn:aws:states:::bedrock:invokeModel";

/// The state executions of an unbound model end in.
const UNKNOWN_MODEL: &str = "UnknownModel";

/// The state that routes by `$.model`.
const CHOOSE: &str = "ChooseModel";

/// The state machine of `input`, as JSON.
pub fn render(input: &Input) -> Result<String, ExportError> {
    to_json(&state_machine(input)?)
}

/// The state machine of `input`.
pub fn state_machine(input: &Input) -> Result<Value, ExportError> {
    if input.bindings.is_empty() {
        return Err(ExportError::Missing(format!("{} has no bindings: a state machine needs a state", input.label)));
    }
    let mut states = Map::new();
    let mut choices = Vec::new();
    let mut names: Vec<String> = vec![CHOOSE.to_owned(), UNKNOWN_MODEL.to_owned()];
    for bound in &input.bindings {
        let name = state_name(&bound.model, &names);
        names.push(name.clone());
        choices.push(json!({ "Variable": "$.model", "StringEquals": bound.model, "Next": name }));
        states.insert(name, task(input, bound)?);
    }
    states.insert(CHOOSE.to_owned(), json!({ "Type": "Choice", "Choices": choices, "Default": UNKNOWN_MODEL }));
    states.insert(
        UNKNOWN_MODEL.to_owned(),
        json!({
            "Type": "Fail",
            "Error": "UnknownModel",
            "Cause": format!("$.model is not a model bound in {}", input.label),
        }),
    );
    Ok(json!({
        "Comment": format!(
            "The bindings of {} (bedrock-binder export --format step-functions): start with {{\"model\": MODEL ID, …the prompt}}",
            input.label
        ),
        "StartAt": CHOOSE,
        "States": states,
    }))
}

/// A state name for `model`: its characters outside `[A-Za-z0-9._-]` as `-`, at most 80
/// characters (the ASL limit), made unique among `taken`.
fn state_name(model: &str, taken: &[String]) -> String {
    let cleaned: String = model
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') { c } else { '-' })
        .take(72)
        .collect();
    let base = format!("Invoke-{cleaned}");
    let mut name = base.clone();
    let mut n = 2;
    while taken.contains(&name) {
        name = format!("{base}-{n}");
        n += 1;
    }
    name
}

fn task(input: &Input, bound: &Bound) -> Result<Value, ExportError> {
    let model_id = input.target_arn(bound, "step-functions")?;
    let base = input.base_model(bound).unwrap_or_else(|| bound.model.clone());
    let empty = Preset::default();
    let preset = bound.preset.as_ref().unwrap_or(&empty);
    let mut left_out = Vec::new();
    let body = match Format::of(&base) {
        Some(format) => {
            let (body, not_carried) = format.body(preset);
            left_out = not_carried;
            Some(body)
        }
        None => {
            if bound.preset.is_some() {
                left_out.push(format!("the preset (the InvokeModel body of {base} is not known here)"));
            }
            None
        }
    };
    left_out.extend(headers_only(preset));
    let mut parameters = Map::new();
    parameters.insert("ModelId".to_owned(), json!(model_id));
    match body {
        Some(body) => parameters.insert("Body".to_owned(), body),
        None => parameters.insert("Body.$".to_owned(), json!("$.body")),
    };
    let mut comment = format!(
        "{} (line {}): {}",
        bound.model,
        bound.line,
        if bound.value.is_empty() { "direct" } else { &bound.value }
    );
    if !left_out.is_empty() {
        comment.push_str(&format!(". Not carried: {}", left_out.join("; ")));
    }
    Ok(json!({
        "Type": "Task",
        "Comment": comment,
        "Resource": INVOKE_MODEL,
        "Parameters": parameters,
        "End": true,
    }))
}

/// The preset's fields InvokeModel takes as request headers, which the body cannot carry.
fn headers_only(preset: &Preset) -> Vec<String> {
    let mut fields = Vec::new();
    if let Some(tier) = preset.service_tier {
        fields.push(format!("serviceTier {}", tier.as_str()));
    }
    if let Some(latency) = preset.latency {
        fields.push(format!("performanceConfig.latency {}", latency.as_str()));
    }
    if !preset.request_metadata.is_empty() {
        fields.push("requestMetadata (Converse only)".to_owned());
    }
    fields
}

/// A model family's InvokeModel request body: where the prompt goes and what its inference
/// parameters are called (from each provider's model parameters page in the Bedrock user guide).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Format {
    /// The prompt's field and the input path it is read from.
    prompt: (&'static str, &'static str),
    /// An object the parameters are nested in (`inferenceConfig`), if any.
    nest: Option<&'static str>,
    max_tokens: &'static str,
    /// Whether the model refuses a request without `max_tokens` (Anthropic's Messages API).
    max_tokens_required: bool,
    temperature: &'static str,
    top_p: &'static str,
    /// `None`: the format has no stop sequences.
    stop: Option<&'static str>,
    /// Fields every request carries.
    fixed: &'static [(&'static str, &'static str)],
}

const MESSAGES: (&str, &str) = ("messages", "$.messages");
const PROMPT: (&str, &str) = ("prompt", "$.prompt");

impl Format {
    /// The format of a base model id, by its family.
    fn of(base: &str) -> Option<Format> {
        let openai_like = Format {
            prompt: MESSAGES,
            nest: None,
            max_tokens: "max_tokens",
            max_tokens_required: false,
            temperature: "temperature",
            top_p: "top_p",
            stop: Some("stop"),
            fixed: &[],
        };
        let text = Format { prompt: PROMPT, ..openai_like };
        Some(if base.starts_with("anthropic.") {
            Format {
                max_tokens_required: true,
                stop: Some("stop_sequences"),
                fixed: &[("anthropic_version", "bedrock-2023-05-31")],
                ..openai_like
            }
        } else if [
            "amazon.nova-micro",
            "amazon.nova-lite",
            "amazon.nova-pro",
            "amazon.nova-premier",
            "amazon.nova-2-lite",
        ]
        .iter()
        .any(|family| base.starts_with(family))
        {
            Format {
                nest: Some("inferenceConfig"),
                max_tokens: "maxTokens",
                temperature: "temperature",
                top_p: "topP",
                stop: Some("stopSequences"),
                ..openai_like
            }
        } else if base.starts_with("amazon.titan-text") {
            Format {
                prompt: ("inputText", "$.prompt"),
                nest: Some("textGenerationConfig"),
                max_tokens: "maxTokenCount",
                top_p: "topP",
                stop: Some("stopSequences"),
                ..openai_like
            }
        } else if base.starts_with("meta.llama") {
            Format { max_tokens: "max_gen_len", stop: None, ..text }
        } else if base.starts_with("cohere.command-r") {
            Format { prompt: ("message", "$.message"), top_p: "p", stop: Some("stop_sequences"), ..openai_like }
        } else if base.starts_with("mistral.mistral-large-2407") || base.starts_with("mistral.pixtral") {
            openai_like
        } else if base.starts_with("mistral.") || base.starts_with("deepseek.") {
            text
        } else if base.starts_with("ai21.jamba") {
            openai_like
        } else if base.starts_with("openai.") {
            Format { max_tokens: "max_completion_tokens", ..openai_like }
        } else {
            return None;
        })
    }

    /// The body for `preset`, and what of it the format cannot carry.
    fn body(self, preset: &Preset) -> (Value, Vec<String>) {
        let mut left_out = Vec::new();
        let mut params = Map::new();
        match preset.max_tokens {
            Some(max) => {
                params.insert(self.max_tokens.to_owned(), json!(max.get()));
            }
            // Anthropic refuses a request without it; the execution's input gives it.
            None if self.max_tokens_required => {
                params.insert(format!("{}.$", self.max_tokens), json!("$.max_tokens"));
            }
            None => {}
        }
        if let Some(temperature) = preset.temperature {
            params.insert(self.temperature.to_owned(), json!(temperature.get()));
        }
        if let Some(top_p) = preset.top_p {
            params.insert(self.top_p.to_owned(), json!(top_p.get()));
        }
        if !preset.stop_sequences.is_empty() {
            let stops: Vec<&str> = preset.stop_sequences.iter().map(|stop| stop.as_str()).collect();
            match self.stop {
                Some(field) => {
                    params.insert(field.to_owned(), json!(stops));
                }
                None => left_out.push("stopSequences (this model's InvokeModel body has none)".to_owned()),
            }
        }
        let mut body = Map::new();
        for (field, value) in self.fixed {
            body.insert((*field).to_owned(), json!(value));
        }
        body.insert(format!("{}.$", self.prompt.0), json!(self.prompt.1));
        match self.nest {
            Some(nest) if !params.is_empty() => {
                body.insert(nest.to_owned(), Value::Object(params));
            }
            Some(_) => {}
            None => body.extend(params),
        }
        (Value::Object(body), left_out)
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_input::input;
    use super::*;

    #[test]
    fn a_system_profile_task_invokes_its_arn_with_the_preset_in_the_models_body() {
        let input = input(
            "amazon.nova-pro-v1:0=us.amazon.nova-pro-v1:0\n",
            &[(
                "amazon.nova-pro-v1:0",
                r#"{"maxTokens":512,"temperature":0.2,"stopSequences":["END"],"serviceTier":"flex"}"#,
            )],
        );
        let machine = state_machine(&input).expect("a state machine");
        assert_eq!(machine["StartAt"], CHOOSE);
        let task = &machine["States"]["Invoke-amazon.nova-pro-v1-0"];
        assert_eq!(task["Resource"], INVOKE_MODEL);
        assert_eq!(
            task["Parameters"]["ModelId"],
            "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.amazon.nova-pro-v1:0"
        );
        assert_eq!(
            task["Parameters"]["Body"],
            json!({
                "messages.$": "$.messages",
                "inferenceConfig": { "maxTokens": 512, "temperature": 0.2, "stopSequences": ["END"] },
            })
        );
        assert!(task["Comment"].as_str().is_some_and(|c| c.contains("Not carried: serviceTier flex")), "{task}");
        assert_eq!(machine["States"][CHOOSE]["Choices"][0]["StringEquals"], "amazon.nova-pro-v1:0");
    }

    #[test]
    fn anthropic_takes_max_tokens_from_the_input_when_the_preset_has_none() {
        let input = input("anthropic.claude-3-haiku-20240307-v1:0=\n", &[]);
        let machine = state_machine(&input).expect("a state machine");
        let body = &machine["States"]["Invoke-anthropic.claude-3-haiku-20240307-v1-0"]["Parameters"]["Body"];
        assert_eq!(
            body,
            &json!({ "anthropic_version": "bedrock-2023-05-31", "messages.$": "$.messages", "max_tokens.$": "$.max_tokens" })
        );
    }

    #[test]
    fn a_model_of_an_unknown_format_takes_its_body_from_the_input_and_says_the_preset_is_not_carried() {
        let input = input("zzz.custom-model-v1:0=\n", &[("zzz.custom-model-v1:0", r#"{"maxTokens":5}"#)]);
        let machine = state_machine(&input).expect("a state machine");
        let task = &machine["States"]["Invoke-zzz.custom-model-v1-0"];
        assert_eq!(task["Parameters"]["Body.$"], "$.body");
        assert!(task["Comment"].as_str().is_some_and(|c| c.contains("the preset (the InvokeModel body")), "{task}");
    }

    #[test]
    fn state_names_are_unique() {
        let taken = vec!["Invoke-a-b".to_owned()];
        assert_eq!(state_name("a:b", &taken), "Invoke-a-b-2");
    }
}
