//! Which profile to bind a model to, from one source region, ranked with the reason.
//!
//! Only profiles *discovered in that region* are suggested live: which profiles a region
//! offers, and where they route, depend on the region, and an id built by adding a geo prefix
//! breaks in accounts whose SCPs deny one of its destinations. A profile counts as containing
//! a model when one of its `models[].modelArn` is that model's foundation-model ARN.
//!
//! The ranking, best first:
//! 1. a geo profile (`us.`, `eu.`, …): requests stay in the geography, and IAM and SCPs need
//!    to allow only its few destination regions;
//! 2. a `global.` profile: the most capacity, but requests may go to any commercial region;
//! 3. an application profile of the account: it works, but it was made for a purpose (cost
//!    tracking, tags) that a blanket binding may not share.
//!
//! Within a kind, fewer destinations first, then the id.

use bedrock_binder_shared::api::{DiscoveredProfile, InferenceProfileType};
use bedrock_binder_shared::catalog::CatalogModel;
use bedrock_binder_shared::fact_source::FactSource;
use bedrock_binder_shared::profile_suggestion::{ProfileSuggestion, ProfileSuggestionKind};
use bedrock_binder_shared::{GeoPrefix, ModelId, Region};

/// Whether a discovered profile routes to `model`.
pub fn contains_model(profile: &DiscoveredProfile, model: &str) -> bool {
    profile.base_model.as_deref() == Some(model)
        || profile.model_arns.iter().any(|arn| arn.rsplit_once("foundation-model/").is_some_and(|(_, id)| id == model))
}

/// The live suggestions for `model` from `region`, whose discovered profiles are `profiles`.
pub fn live(model: &str, region: &Region, profiles: &[DiscoveredProfile]) -> Vec<ProfileSuggestion> {
    let mut candidates: Vec<(ProfileSuggestionKind, &DiscoveredProfile)> = profiles
        .iter()
        .filter(|profile| profile.status.is_empty() || profile.status == "ACTIVE")
        .filter(|profile| contains_model(profile, model))
        .map(|profile| (kind_of(profile), profile))
        .collect();
    candidates.sort_by(|(kind_a, a), (kind_b, b)| {
        kind_a.cmp(kind_b).then(a.destination_regions.len().cmp(&b.destination_regions.len())).then(a.id.cmp(&b.id))
    });
    candidates
        .into_iter()
        .zip(1..)
        .map(|((kind, profile), rank)| ProfileSuggestion {
            // Application profiles are called by ARN; system ones by the id the region gave.
            profile: if kind == ProfileSuggestionKind::Application { profile.arn.clone() } else { profile.id.clone() },
            arn: Some(profile.arn.clone()).filter(|arn| !arn.is_empty()),
            kind,
            rank,
            reason: reason(kind, profile, region),
            source: FactSource::Live,
        })
        .collect()
}

/// The offline catalog's system profiles for `model` that may be called from `region`, for a
/// region not fetched yet. They come from AWS's documentation, not from the account.
pub fn offline(model: &CatalogModel, region: &Region) -> Vec<ProfileSuggestion> {
    let mut profiles: Vec<_> = model.profiles_in(region).collect();
    profiles.sort_by_key(|profile| (u8::from(profile.geo == GeoPrefix::Global), profile.id.clone()));
    profiles
        .into_iter()
        .zip(1..)
        .map(|(profile, rank)| ProfileSuggestion {
            profile: profile.id.to_string(),
            arn: None,
            kind: if profile.geo == GeoPrefix::Global {
                ProfileSuggestionKind::Global
            } else {
                ProfileSuggestionKind::Geo
            },
            rank,
            reason: format!(
                "the offline catalog lists it for {region}; refresh {region} to confirm it in this account"
            ),
            source: FactSource::Offline,
        })
        .collect()
}

fn kind_of(profile: &DiscoveredProfile) -> ProfileSuggestionKind {
    match profile.profile_type {
        InferenceProfileType::Application => ProfileSuggestionKind::Application,
        InferenceProfileType::SystemDefined => {
            let geo = profile.id.parse::<ModelId>().ok().and_then(|id| id.geo_prefix());
            if geo == Some(GeoPrefix::Global) { ProfileSuggestionKind::Global } else { ProfileSuggestionKind::Geo }
        }
    }
}

fn reason(kind: ProfileSuggestionKind, profile: &DiscoveredProfile, region: &Region) -> String {
    let destinations = match profile.destination_regions.len() {
        0 => "unlisted regions".to_owned(),
        1..=6 => profile.destination_regions.join(", "),
        n => format!("{n} regions"),
    };
    match kind {
        ProfileSuggestionKind::Geo => {
            let geo = profile
                .id
                .parse::<ModelId>()
                .ok()
                .and_then(|id| id.geo_prefix())
                .map(|geo| format!("the `{geo}.` cross-region profile"))
                .unwrap_or_else(|| "a cross-region profile".to_owned());
            format!(
                "{geo} discovered in {region}: requests stay in its geography ({destinations}), so IAM and SCPs \
                 need to allow only those regions"
            )
        }
        ProfileSuggestionKind::Global => format!(
            "the global profile discovered in {region}: the most capacity, but requests may be served by any \
             commercial region ({destinations})"
        ),
        ProfileSuggestionKind::Application => {
            format!("the application profile `{}` of this account in {region}, routing to {destinations}", profile.name)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOVA: &str = "amazon.nova-pro-v1:0";

    fn region(name: &str) -> Region {
        name.parse().expect("region")
    }

    fn profile(id: &str, kind: InferenceProfileType, destinations: &[&str]) -> DiscoveredProfile {
        DiscoveredProfile {
            id: id.to_owned(),
            arn: format!("arn:aws:bedrock:us-east-1:123456789012:inference-profile/{id}"),
            name: format!("{id} name"),
            description: None,
            profile_type: kind,
            status: "ACTIVE".to_owned(),
            model_arns: destinations.iter().map(|r| format!("arn:aws:bedrock:{r}::foundation-model/{NOVA}")).collect(),
            base_model: Some(NOVA.to_owned()),
            destination_regions: destinations.iter().map(|r| (*r).to_owned()).collect(),
            source: FactSource::Live,
            fetched_at: Some(1),
        }
    }

    #[test]
    fn geo_comes_before_global_before_application_each_with_a_reason() {
        let profiles = [
            profile("abcdef123456", InferenceProfileType::Application, &["us-east-1"]),
            profile(&format!("global.{NOVA}"), InferenceProfileType::SystemDefined, &["us-east-1", "eu-west-1"]),
            profile(&format!("us.{NOVA}"), InferenceProfileType::SystemDefined, &["us-east-1", "us-west-2"]),
        ];
        let suggestions = live(NOVA, &region("us-east-1"), &profiles);
        let kinds: Vec<ProfileSuggestionKind> = suggestions.iter().map(|s| s.kind).collect();
        assert_eq!(
            kinds,
            [ProfileSuggestionKind::Geo, ProfileSuggestionKind::Global, ProfileSuggestionKind::Application]
        );
        assert_eq!(suggestions[0].profile, format!("us.{NOVA}"));
        assert_eq!(suggestions[0].rank, 1);
        assert!(suggestions[0].reason.contains("us-east-1, us-west-2"), "{}", suggestions[0].reason);
        assert!(suggestions[1].reason.contains("any commercial region"), "{}", suggestions[1].reason);
        assert!(suggestions[2].profile.starts_with("arn:"), "application profiles are bound by ARN");
    }

    #[test]
    fn profiles_of_other_models_and_inactive_ones_are_not_suggested() {
        let mut other = profile("us.amazon.nova-lite-v1:0", InferenceProfileType::SystemDefined, &["us-east-1"]);
        other.base_model = Some("amazon.nova-lite-v1:0".to_owned());
        other.model_arns = vec!["arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0".to_owned()];
        let mut inactive = profile(&format!("us.{NOVA}"), InferenceProfileType::SystemDefined, &["us-east-1"]);
        inactive.status = "DISABLED".to_owned();
        assert!(live(NOVA, &region("us-east-1"), &[other, inactive]).is_empty());
    }

    #[test]
    fn offline_suggestions_say_they_are_unconfirmed() {
        let sonnet = bedrock_binder_shared::Catalog::embedded()
            .get("anthropic.claude-sonnet-4-5-20250929-v1:0")
            .expect("in the catalog");
        let suggestions = offline(sonnet, &region("us-east-1"));
        assert!(!suggestions.is_empty());
        assert!(suggestions.iter().all(|s| s.source == FactSource::Offline));
        assert_eq!(suggestions[0].kind, ProfileSuggestionKind::Geo);
        assert!(suggestions[0].reason.contains("confirm"), "{}", suggestions[0].reason);
    }
}
