//! The profile picker: the choices the catalog offers for a model, and the check of what is
//! typed, which decides whether Save is enabled.
//!
//! The check is `Binding::parse` from `shared`, the parser the server runs on the same bind
//! request, so the browser refuses exactly what the server would refuse, with the same
//! diagnostic, and a valid value is sent as the [`Binding`] it was parsed into.

use bedrock_binder_shared::Catalog;
use bedrock_binder_shared::binding::{Binding, BindingField, InvalidBinding};
use bedrock_binder_shared::profile_ref::{ProfileKind, ProfileRef};

/// One ready-made choice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PickerOption {
    /// What goes into the input (empty: direct).
    pub value: String,
    /// The choice's text.
    pub label: String,
    /// A line of detail: where it can be called from.
    pub detail: String,
    /// Its badge.
    pub kind: ProfileKind,
}

/// The choices for `model`: calling it directly, then every system profile the catalog lists
/// for it (for a profile id used as a key, the profiles of its model).
pub fn options(model: &str, catalog: Option<&Catalog>) -> Vec<PickerOption> {
    let entry = catalog.and_then(|catalog| catalog.model_named_by(model));
    let direct_detail = match entry.map(|entry| entry.requires_profile) {
        Some(Some(true)) => "not offered on demand: a direct call fails".to_owned(),
        Some(Some(false)) => format!("on demand in {}", regions_text(entry.map_or(&[][..], |e| &e.regions_on_demand))),
        _ => "call the model id itself".to_owned(),
    };
    let mut options = vec![PickerOption {
        value: String::new(),
        label: "Direct".to_owned(),
        detail: direct_detail,
        kind: ProfileKind::Direct,
    }];
    if let Some(entry) = entry {
        options.extend(entry.system_profiles.iter().map(|profile| PickerOption {
            value: profile.id.to_string(),
            label: profile.id.to_string(),
            detail: if profile.source_regions.is_empty() {
                "source regions not documented".to_owned()
            } else {
                format!("from {}", regions_text(&profile.source_regions))
            },
            kind: ProfileKind::SystemProfile,
        }));
    }
    options
}

fn regions_text<T: std::fmt::Display>(regions: &[T]) -> String {
    const SHOWN: usize = 3;
    if regions.is_empty() {
        return "no documented region".to_owned();
    }
    let mut text = regions.iter().take(SHOWN).map(ToString::to_string).collect::<Vec<_>>().join(", ");
    if regions.len() > SHOWN {
        text.push_str(&format!(" and {} more", regions.len() - SHOWN));
    }
    text
}

/// What is typed in the picker, checked: the typed binding to send, or why it cannot be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckedInput {
    /// It cannot be saved: the error the server would answer for the same bind request.
    Invalid(InvalidBinding),
    /// It can be saved.
    Valid {
        /// The binding to send, parsed once here.
        binding: Binding,
        /// Warnings that do not block saving (as the server's warnings do not).
        notes: Vec<String>,
    },
}

impl CheckedInput {
    /// Whether Save is enabled.
    pub fn can_save(&self) -> bool {
        matches!(self, CheckedInput::Valid { .. })
    }

    /// The badge of a valid value.
    pub fn kind(&self) -> Option<ProfileKind> {
        match self {
            CheckedInput::Valid { binding, .. } => Some(binding.profile.kind()),
            CheckedInput::Invalid(_) => None,
        }
    }
}

/// The inline error of a refused value: the diagnostic's sentence, and its help. A bad key cannot
/// be fixed in the picker, so its message says where it can.
pub fn inline_error(error: &InvalidBinding) -> (String, Option<String>) {
    match error.field {
        BindingField::Model => (format!("{}; fix the key in the raw editor", error.diagnostic.message), None),
        BindingField::Profile => (error.diagnostic.message.clone(), error.diagnostic.help.clone()),
    }
}

/// Checks `input` as the value for `model`, with [`Binding::parse`]: the parse the server runs
/// on the same bind request.
pub fn check_input(model: &str, input: &str, catalog: Option<&Catalog>) -> CheckedInput {
    let binding = match Binding::parse(model, Some(input)) {
        Ok(binding) => binding,
        Err(error) => return CheckedInput::Invalid(error),
    };
    let mut notes = Vec::new();
    let entry = catalog.and_then(|catalog| catalog.model_named_by(model));
    match &binding.profile {
        ProfileRef::Direct => {
            if entry.is_some_and(|entry| entry.requires_profile == Some(true)) {
                notes.push(format!(
                    "`{model}` is not offered on demand: a direct call fails with \"on-demand throughput isn't supported\""
                ));
            }
        }
        ProfileRef::SystemProfile(id) => {
            if let Some(catalog) = catalog
                && !catalog.contains(id.as_str())
            {
                notes.push(format!("`{id}` is not a profile the catalog knows"));
            }
        }
        ProfileRef::ModelAlias(_) | ProfileRef::Arn(_) => {}
    }
    if matches!(binding.profile, ProfileRef::SystemProfile(_) | ProfileRef::Arn(_))
        && let Some(called) = binding.profile.model()
        && called != binding.model.base()
    {
        notes.push(format!("`{}` calls `{called}`, not `{}`", binding.profile, binding.model.base()));
    }
    CheckedInput::Valid { binding, notes }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::bindings::tests::test_catalog;

    const NOVA: &str = "amazon.nova-pro-v1:0";
    const SONNET: &str = "anthropic.claude-sonnet-4-5-20250929-v1:0";

    #[test]
    fn the_options_are_direct_then_the_models_system_profiles() {
        let catalog = test_catalog();
        let options = options(NOVA, Some(&catalog));
        let values: Vec<&str> = options.iter().map(|o| o.value.as_str()).collect();
        assert_eq!(values, ["", "us.amazon.nova-pro-v1:0", "eu.amazon.nova-pro-v1:0"]);
        assert_eq!(options[0].detail, "on demand in us-east-1");
        assert_eq!(options[1].detail, "from us-east-1, us-west-2");
    }

    #[test]
    fn a_profile_only_model_warns_that_direct_fails() {
        let catalog = test_catalog();
        assert!(options(SONNET, Some(&catalog))[0].detail.contains("not offered on demand"));
        let verdict = check_input(SONNET, "", Some(&catalog));
        assert_eq!(verdict.kind(), Some(ProfileKind::Direct));
        let CheckedInput::Valid { notes, .. } = verdict else { panic!("direct is valid") };
        assert!(notes[0].contains("on-demand throughput"), "{notes:?}");
    }

    #[test]
    fn without_a_catalog_only_direct_is_offered() {
        assert_eq!(options(NOVA, None).len(), 1);
    }

    #[test]
    fn a_typed_profile_id_or_arn_is_accepted_with_its_badge() {
        let catalog = test_catalog();
        let check_kind = |input: &str| match check_input(NOVA, input, Some(&catalog)) {
            CheckedInput::Valid { binding, notes } => (binding.profile.kind(), notes.len()),
            CheckedInput::Invalid(error) => panic!("{input}: {error}"),
        };
        assert_eq!(check_kind(" us.amazon.nova-pro-v1:0 "), (ProfileKind::SystemProfile, 0));
        assert_eq!(
            check_kind("arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abcdef012345"),
            (ProfileKind::ApplicationProfile, 0)
        );
        assert_eq!(check_kind("apac.amazon.nova-pro-v1:0"), (ProfileKind::SystemProfile, 1), "unknown to the catalog");
    }

    #[test]
    fn a_malformed_value_is_an_inline_error_and_disables_save() {
        let verdict =
            check_input(NOVA, "arn:aws:bedrock:us-east-1:1234:inference-profile/us.amazon.nova-pro-v1:0", None);
        let CheckedInput::Invalid(error) = &verdict else { panic!("invalid") };
        let (message, _) = inline_error(error);
        assert!(message.contains("1234"), "{message}");
        assert!(!verdict.can_save());
        assert!(!check_input(NOVA, "nova pro", None).can_save());
    }

    #[test]
    fn a_profile_of_another_model_is_allowed_with_a_warning() {
        let CheckedInput::Valid { notes, .. } = check_input(NOVA, "us.amazon.nova-lite-v1:0", None) else {
            panic!("valid")
        };
        assert_eq!(notes, ["`us.amazon.nova-lite-v1:0` calls `amazon.nova-lite-v1:0`, not `amazon.nova-pro-v1:0`"]);
    }

    #[test]
    fn a_malformed_key_cannot_be_bound_here() {
        let verdict = check_input("Not A Model", "", None);
        assert!(!verdict.can_save());
        let CheckedInput::Invalid(error) = &verdict else { panic!("invalid") };
        assert!(inline_error(error).0.ends_with("; fix the key in the raw editor"), "{error}");
    }

    #[test]
    fn a_refused_value_carries_the_diagnostic_the_server_would_answer() {
        let value = "arn:aws:bedrock:us-east-2:52136900492:inference-profile/us.amazon.nova-pro-v1:0";
        let CheckedInput::Invalid(error) = check_input(NOVA, value, None) else { panic!("invalid") };
        let server = Binding::parse(NOVA, Some(value)).expect_err("the server refuses it too");
        assert_eq!(error, server);
        assert_eq!(error.field, BindingField::Profile);
    }

    #[test]
    fn a_valid_value_is_sent_as_the_binding_it_was_parsed_into() {
        let CheckedInput::Valid { binding, .. } = check_input(NOVA, " us.amazon.nova-pro-v1:0 ", None) else {
            panic!("valid")
        };
        assert_eq!(binding, Binding::parse(NOVA, Some("us.amazon.nova-pro-v1:0")).expect("valid"));
        let request = bedrock_binder_shared::api::BindRequest::from(&binding);
        assert_eq!(request.profile.as_deref(), Some("us.amazon.nova-pro-v1:0"), "trimmed once, sent as parsed");
    }
}
