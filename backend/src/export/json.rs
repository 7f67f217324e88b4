//! `json`: the bindings in force with their kinds, base models and presets
//! ([`ExportedBindings`]), for scripts.

use bedrock_binder_shared::api::{ExportedBinding, ExportedBindings};

use super::{ExportError, Input, to_json};

/// The document of `input`.
pub fn document(input: &Input) -> ExportedBindings {
    let bindings = input
        .bindings
        .iter()
        .map(|bound| ExportedBinding {
            model: bound.model.clone(),
            profile: bound.value.clone(),
            kind: bound.target.as_ref().map(|target| target.kind()),
            line: bound.line,
            base_model: input.base_model(bound),
            preset: bound.preset.clone(),
        })
        .collect();
    ExportedBindings { file: input.label.clone(), version: input.version.clone(), bindings }
}

/// The document as pretty JSON.
pub fn render(input: &Input) -> Result<String, ExportError> {
    to_json(&document(input))
}

#[cfg(test)]
mod tests {
    use bedrock_binder_shared::profile_ref::ProfileKind;

    use super::super::test_input::input;
    use super::*;

    #[test]
    fn each_binding_has_its_kind_base_model_and_preset() {
        let input = input(
            "amazon.nova-pro-v1:0=us.amazon.nova-pro-v1:0\namazon.nova-lite-v1:0=\n",
            &[("amazon.nova-pro-v1:0", r#"{"maxTokens":512,"serviceTier":"flex"}"#)],
        );
        let document = document(&input);
        let lite = &document.bindings[0];
        assert_eq!((lite.model.as_str(), lite.kind), ("amazon.nova-lite-v1:0", Some(ProfileKind::Direct)));
        assert_eq!(lite.base_model.as_deref(), Some("amazon.nova-lite-v1:0"));
        assert_eq!(lite.preset, None);
        let pro = &document.bindings[1];
        assert_eq!(pro.kind, Some(ProfileKind::SystemProfile));
        assert_eq!(pro.base_model.as_deref(), Some("amazon.nova-pro-v1:0"));
        let json = render(&input).expect("JSON");
        assert!(json.contains(r#""preset": {"#) && json.contains(r#""serviceTier": "flex""#), "{json}");
        let back: ExportedBindings = serde_json::from_str(&json).expect("reads back");
        assert_eq!(back, document);
    }
}
