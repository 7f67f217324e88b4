//! The profile picker: the choices the catalog offers for a model, and the check of what is
//! typed, which decides whether Save is enabled.
//!
//! The check is `ProfileRef::from_str` from `shared`, the parser the server runs on the same
//! value, so the browser refuses exactly what the server would refuse.

use bedrock_binder_shared::profile_ref::{ProfileKind, ProfileRef};
use bedrock_binder_shared::{Catalog, ModelId};

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
    let entry = catalog.and_then(|catalog| catalog.get(model).or_else(|| catalog.profile(model).map(|(m, _)| m)));
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

/// The verdict on what is typed in the picker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    /// It cannot be saved; `message` says why (shown inline).
    Invalid {
        /// A sentence quoting the bad text.
        message: String,
        /// A suggested fix, where known.
        help: Option<String>,
    },
    /// It can be saved.
    Valid {
        /// The trimmed value to send.
        value: String,
        /// Its badge.
        kind: ProfileKind,
        /// Warnings that do not block saving (as the server's warnings do not).
        notes: Vec<String>,
    },
}

impl Check {
    /// Whether Save is enabled.
    pub fn can_save(&self) -> bool {
        matches!(self, Check::Valid { .. })
    }
}

/// Checks `input` as the value for `model`.
pub fn check(model: &str, input: &str, catalog: Option<&Catalog>) -> Check {
    let model_id = match model.parse::<ModelId>() {
        Ok(id) => id,
        Err(error) => {
            return Check::Invalid { message: format!("{}; fix the key in the raw editor", error.message), help: None };
        }
    };
    let value = input.trim();
    let profile = match value.parse::<ProfileRef>() {
        Ok(profile) => profile,
        Err(error) => return Check::Invalid { message: error.message, help: error.help },
    };
    let mut notes = Vec::new();
    let entry = catalog.and_then(|c| c.get(model).or_else(|| c.profile(model).map(|(m, _)| m)));
    match &profile {
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
    if matches!(profile, ProfileRef::SystemProfile(_) | ProfileRef::Arn(_))
        && let Some(called) = profile.model()
        && called != model_id.base()
    {
        notes.push(format!("`{value}` calls `{called}`, not `{}`", model_id.base()));
    }
    Check::Valid { value: value.to_owned(), kind: profile.kind(), notes }
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
        let Check::Valid { notes, kind, .. } = check(SONNET, "", Some(&catalog)) else { panic!("direct is valid") };
        assert_eq!(kind, ProfileKind::Direct);
        assert!(notes[0].contains("on-demand throughput"), "{notes:?}");
    }

    #[test]
    fn without_a_catalog_only_direct_is_offered() {
        assert_eq!(options(NOVA, None).len(), 1);
    }

    #[test]
    fn a_typed_profile_id_or_arn_is_accepted_with_its_badge() {
        let catalog = test_catalog();
        let check_kind = |input: &str| match check(NOVA, input, Some(&catalog)) {
            Check::Valid { kind, notes, .. } => (kind, notes.len()),
            Check::Invalid { message, .. } => panic!("{input}: {message}"),
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
        let verdict = check(NOVA, "arn:aws:bedrock:us-east-1:1234:inference-profile/us.amazon.nova-pro-v1:0", None);
        let Check::Invalid { message, .. } = &verdict else { panic!("invalid") };
        assert!(message.contains("1234"), "{message}");
        assert!(!verdict.can_save());
        assert!(!check(NOVA, "nova pro", None).can_save());
    }

    #[test]
    fn a_profile_of_another_model_is_allowed_with_a_warning() {
        let Check::Valid { notes, .. } = check(NOVA, "us.amazon.nova-lite-v1:0", None) else { panic!("valid") };
        assert_eq!(notes, ["`us.amazon.nova-lite-v1:0` calls `amazon.nova-lite-v1:0`, not `amazon.nova-pro-v1:0`"]);
    }

    #[test]
    fn a_malformed_key_cannot_be_bound_here() {
        let verdict = check("Not A Model", "", None);
        assert!(!verdict.can_save());
    }
}
