//! `litellm`: a LiteLLM proxy `model_list` fragment. Each binding is a deployment named by its
//! model id (what the application asks for) that calls the bound value through Bedrock. An
//! ARN goes through LiteLLM's Converse route (`bedrock/converse/<ARN>`), the form LiteLLM
//! handles for application profiles, whose ARN names no model. The preset becomes
//! `litellm_params` under LiteLLM's names (`max_tokens`, `temperature`, `top_p`, `stop`,
//! `service_tier`), and the Converse fields LiteLLM passes through as they are
//! (`performanceConfig`, `requestMetadata`). A known base model is written as
//! `model_info.base_model`, which LiteLLM prices an opaque ARN by.

use bedrock_binder_shared::ProfileRef;
use bedrock_binder_shared::preset::Preset;
use serde_json::{Value, json};

use super::yaml::Yaml;
use super::{Bound, Input};

/// The `model_list` YAML of `input`.
pub fn render(input: &Input) -> String {
    let mut yaml = Yaml::default();
    yaml.comment(&format!(
        "LiteLLM proxy model_list for {} (bedrock-binder export --format litellm).\n\
         Merge it into the proxy's config.yaml; each model_name is the model id an application asks for.",
        input.label
    ));
    if input.bindings.is_empty() {
        yaml.entry(0, "model_list", &json!([]));
        return yaml.finish();
    }
    yaml.open(0, "model_list");
    for bound in &input.bindings {
        yaml.item(2, "model_name", &json!(bound.model));
        yaml.open(4, "litellm_params");
        yaml.entry(6, "model", &json!(route(bound)));
        if let Some(region) = bound.arn_region().or(input.region.as_ref()) {
            yaml.entry(6, "aws_region_name", &json!(region.as_str()));
        }
        if let Some(preset) = &bound.preset {
            for (key, value) in params(preset) {
                yaml.entry(6, key, &value);
            }
        }
        if let Some(base) = input.base_model(bound) {
            yaml.open(4, "model_info");
            yaml.entry(6, "base_model", &json!(format!("bedrock/{base}")));
        }
    }
    yaml.finish()
}

/// LiteLLM's `model` for a binding.
fn route(bound: &Bound) -> String {
    match &bound.target {
        Some(ProfileRef::Arn(arn)) => format!("bedrock/converse/{arn}"),
        Some(ProfileRef::Direct) | None => format!("bedrock/{}", bound.model),
        Some(_) => format!("bedrock/{}", bound.value),
    }
}

/// The preset as `litellm_params` entries.
fn params(preset: &Preset) -> Vec<(&'static str, Value)> {
    let mut params = Vec::new();
    if let Some(max_tokens) = preset.max_tokens {
        params.push(("max_tokens", json!(max_tokens.get())));
    }
    if let Some(temperature) = preset.temperature {
        params.push(("temperature", json!(temperature.get())));
    }
    if let Some(top_p) = preset.top_p {
        params.push(("top_p", json!(top_p.get())));
    }
    if !preset.stop_sequences.is_empty() {
        let stop: Vec<&str> = preset.stop_sequences.iter().map(|stop| stop.as_str()).collect();
        params.push(("stop", json!(stop)));
    }
    if let Some(tier) = preset.service_tier {
        params.push(("service_tier", json!(tier.as_str())));
    }
    if let Some(latency) = preset.latency {
        params.push(("performanceConfig", json!({ "latency": latency.as_str() })));
    }
    if !preset.request_metadata.is_empty() {
        let metadata: serde_json::Map<String, Value> = preset
            .request_metadata
            .iter()
            .map(|(key, value)| (key.as_str().to_owned(), json!(value.as_str())))
            .collect();
        params.push(("requestMetadata", Value::Object(metadata)));
    }
    params
}

#[cfg(test)]
mod tests {
    use super::super::test_input::input;
    use super::*;

    const APP: &str = "arn:aws:bedrock:us-west-2:123456789012:application-inference-profile/abc123def456";

    #[test]
    fn an_application_profile_goes_through_the_converse_route_in_its_own_region() {
        let input = input(&format!("anthropic.claude-sonnet-4-5-20250929-v1:0={APP}\n"), &[]);
        let yaml = render(&input);
        assert!(yaml.contains(&format!("      model: \"bedrock/converse/{APP}\"\n")), "{yaml}");
        assert!(yaml.contains("      aws_region_name: \"us-west-2\"\n"), "{yaml}");
        assert!(!yaml.contains("model_info"), "no base model is known of an unseen application profile: {yaml}");
    }

    #[test]
    fn a_preset_becomes_litellm_params() {
        let input = input(
            "amazon.nova-pro-v1:0=us.amazon.nova-pro-v1:0\n",
            &[(
                "amazon.nova-pro-v1:0",
                r#"{"maxTokens":512,"temperature":0.2,"topP":0.9,"stopSequences":["END"],"serviceTier":"flex",
                    "performanceConfig":{"latency":"optimized"},"requestMetadata":{"team":"search"}}"#,
            )],
        );
        assert_eq!(
            render(&input).lines().skip(2).collect::<Vec<_>>().join("\n"),
            [
                "model_list:",
                "  - model_name: \"amazon.nova-pro-v1:0\"",
                "    litellm_params:",
                "      model: \"bedrock/us.amazon.nova-pro-v1:0\"",
                "      aws_region_name: \"us-east-1\"",
                "      max_tokens: 512",
                "      temperature: 0.2",
                "      top_p: 0.9",
                "      stop: [\"END\"]",
                "      service_tier: \"flex\"",
                "      performanceConfig: {\"latency\":\"optimized\"}",
                "      requestMetadata: {\"team\":\"search\"}",
                "    model_info:",
                "      base_model: \"bedrock/amazon.nova-pro-v1:0\"",
            ]
            .join("\n")
        );
    }

    #[test]
    fn no_bindings_is_an_empty_model_list() {
        assert!(render(&input("# nothing bound\n", &[])).ends_with("model_list: []\n"));
    }
}
