//! `librechat`: LibreChat's `endpoints.bedrock` fragment. `models` lists every bound model id
//! (LibreChat offers only what is listed there), and `inferenceProfiles` maps each model bound
//! to a profile id or ARN to it, so LibreChat keeps reading the model's capabilities from its
//! id while calling the profile. `availableRegions` is the environment's region. LibreChat's
//! endpoint has no per-model parameters, so presets are not carried; the header says so.

use serde_json::json;

use super::Input;
use super::yaml::Yaml;

/// The `endpoints.bedrock` YAML of `input`.
pub fn render(input: &Input) -> String {
    let mut yaml = Yaml::default();
    yaml.comment(&format!(
        "LibreChat endpoints.bedrock for {} (bedrock-binder export --format librechat).\n\
         Merge it into librechat.yaml.",
        input.label
    ));
    let with_preset: Vec<&str> =
        input.bindings.iter().filter(|bound| bound.preset.is_some()).map(|bound| bound.model.as_str()).collect();
    if !with_preset.is_empty() {
        yaml.comment(&format!(
            "Not carried: the presets of {} (LibreChat's bedrock endpoint takes no per-model parameters).",
            with_preset.join(", ")
        ));
    }
    yaml.open(0, "endpoints");
    yaml.open(2, "bedrock");
    if let Some(region) = &input.region {
        yaml.entry(4, "availableRegions", &json!([region.as_str()]));
    }
    if input.bindings.is_empty() {
        yaml.entry(4, "models", &json!([]));
    } else {
        yaml.open(4, "models");
        for bound in &input.bindings {
            yaml.element(6, &json!(bound.model));
        }
    }
    let profiles: Vec<_> = input.bindings.iter().filter(|bound| !bound.value.is_empty()).collect();
    if profiles.is_empty() {
        yaml.entry(4, "inferenceProfiles", &json!({}));
    } else {
        yaml.open(4, "inferenceProfiles");
        for bound in profiles {
            yaml.entry(6, &bound.model, &json!(bound.value));
        }
    }
    yaml.finish()
}

#[cfg(test)]
mod tests {
    use super::super::test_input::input;
    use super::*;

    #[test]
    fn every_key_is_a_model_and_every_profile_is_mapped() {
        let input = input(
            "amazon.nova-pro-v1:0=us.amazon.nova-pro-v1:0\namazon.nova-lite-v1:0=\n",
            &[("amazon.nova-pro-v1:0", r#"{"maxTokens":512}"#)],
        );
        let yaml = render(&input);
        let body: Vec<&str> = yaml.lines().filter(|line| !line.starts_with('#')).collect();
        assert_eq!(
            body,
            [
                "endpoints:",
                "  bedrock:",
                "    availableRegions: [\"us-east-1\"]",
                "    models:",
                "      - \"amazon.nova-lite-v1:0\"",
                "      - \"amazon.nova-pro-v1:0\"",
                "    inferenceProfiles:",
                "      \"amazon.nova-pro-v1:0\": \"us.amazon.nova-pro-v1:0\"",
            ]
        );
        assert!(yaml.contains("# Not carried: the presets of amazon.nova-pro-v1:0"), "{yaml}");
    }
}
