//! Live data merged over the offline catalog, one region at a time.
//!
//! A model the region listed live is a live entry: its requires-profile flag comes from
//! `inferenceTypesSupported` (no `ON_DEMAND`), its lifecycle from `modelLifecycle`, and its
//! suggestions from the profiles discovered in the region. A model only the offline catalog
//! places in the region stays, marked offline, with the catalog's facts and profiles. Every
//! entry says where it came from and when it was fetched.

use bedrock_binder_shared::api::{DiscoveredProfile, InferenceProfileType, RegionCatalog, RegionModel};
use bedrock_binder_shared::aws_failure::AwsFailure;
use bedrock_binder_shared::catalog::{Catalog, CatalogModel, Lifecycle};
use bedrock_binder_shared::fact_source::FactSource;
use bedrock_binder_shared::{GeoPrefix, Region};

use super::discovery::{LiveModel, RegionSnapshot};
use super::profile_suggestions;

/// The region's catalog: `live` (if fetched) over the offline catalog.
pub fn region_catalog(
    region: &Region,
    offline: &Catalog,
    live: Option<&RegionSnapshot>,
    error: Option<AwsFailure>,
) -> RegionCatalog {
    let mut models: Vec<RegionModel> = Vec::new();
    let mut profiles: Vec<DiscoveredProfile> = Vec::new();
    if let Some(live) = live {
        profiles.extend(live.profiles.iter().cloned());
        for model in &live.models {
            models.push(live_model(model, offline.get(&model.id), region, live));
        }
    }
    for model in offline.models_in_region(region) {
        if live.is_some_and(|live| live.model(model.id.as_str()).is_some()) {
            continue;
        }
        models.push(offline_model(model, region));
    }
    if live.is_none() {
        profiles.extend(offline_profiles(offline, region));
    }
    models.sort_by(|a, b| a.id.cmp(&b.id));
    profiles.sort_by(|a, b| a.id.cmp(&b.id));
    RegionCatalog {
        region: region.to_string(),
        source: if live.is_some() { FactSource::Live } else { FactSource::Offline },
        fetched_at: live.map(|live| live.fetched_at),
        error,
        models,
        profiles,
    }
}

fn live_model(model: &LiveModel, known: Option<&CatalogModel>, region: &Region, live: &RegionSnapshot) -> RegionModel {
    // Live `LEGACY` covers both legacy and past-end-of-life; the catalog tells them apart.
    let lifecycle = match model.lifecycle.as_deref() {
        Some("LEGACY") if known.is_some_and(|k| k.lifecycle == Lifecycle::Eol) => Lifecycle::Eol,
        Some("LEGACY") => Lifecycle::Legacy,
        Some("ACTIVE") => Lifecycle::Active,
        _ => known.map_or(Lifecycle::Unknown, |k| k.lifecycle),
    };
    RegionModel {
        id: model.id.clone(),
        name: if model.name.is_empty() {
            known.map(|k| k.name.clone()).unwrap_or_default()
        } else {
            model.name.clone()
        },
        provider: if model.provider.is_empty() {
            known.map(|k| k.provider.clone()).unwrap_or_default()
        } else {
            model.provider.clone()
        },
        requires_profile: Some(model.requires_profile()),
        lifecycle,
        inference_types: model.inference_types.clone(),
        streaming: model.streaming,
        source: FactSource::Live,
        fetched_at: Some(live.fetched_at),
        suggestions: profile_suggestions::live(&model.id, region, &live.profiles),
    }
}

fn offline_model(model: &CatalogModel, region: &Region) -> RegionModel {
    RegionModel {
        id: model.id.to_string(),
        name: model.name.clone(),
        provider: model.provider.clone(),
        requires_profile: model.requires_profile_in(region),
        lifecycle: model.lifecycle,
        inference_types: model.inference_types.iter().map(|t| t.as_str().to_owned()).collect(),
        streaming: None,
        source: FactSource::Offline,
        fetched_at: None,
        suggestions: profile_suggestions::offline(model, region),
    }
}

/// The offline catalog's system profiles callable from `region`.
fn offline_profiles<'a>(offline: &'a Catalog, region: &'a Region) -> impl Iterator<Item = DiscoveredProfile> + 'a {
    offline.models().iter().flat_map(move |model| {
        model.profiles_in(region).map(move |profile| DiscoveredProfile {
            id: profile.id.to_string(),
            arn: String::new(),
            name: format!(
                "{} {}",
                if profile.geo == GeoPrefix::Global {
                    "Global".to_owned()
                } else {
                    profile.geo.as_str().to_uppercase()
                },
                model.name
            ),
            description: None,
            profile_type: InferenceProfileType::SystemDefined,
            status: String::new(),
            model_arns: Vec::new(),
            base_model: Some(model.id.to_string()),
            destination_regions: Vec::new(),
            source: FactSource::Offline,
            fetched_at: None,
        })
    })
}

#[cfg(test)]
mod tests {

    use super::*;

    const NOVA: &str = "amazon.nova-pro-v1:0";

    fn region(name: &str) -> Region {
        name.parse().expect("region")
    }

    fn snapshot(models: Vec<LiveModel>, profiles: Vec<DiscoveredProfile>) -> RegionSnapshot {
        RegionSnapshot { region: region("us-east-1"), fetched_at: 1_700_000_000, models, profiles }
    }

    fn live(id: &str, types: &[&str], lifecycle: &str) -> LiveModel {
        LiveModel {
            id: id.to_owned(),
            arn: format!("arn:aws:bedrock:us-east-1::foundation-model/{id}"),
            name: String::new(),
            provider: "Amazon".to_owned(),
            inference_types: types.iter().map(|t| (*t).to_owned()).collect(),
            lifecycle: Some(lifecycle.to_owned()),
            streaming: Some(true),
        }
    }

    #[test]
    fn a_live_model_without_on_demand_requires_a_profile_there() {
        let snapshot = snapshot(vec![live(NOVA, &["INFERENCE_PROFILE"], "ACTIVE")], Vec::new());
        let merged = region_catalog(&region("us-east-1"), Catalog::embedded(), Some(&snapshot), None);
        let nova = merged.models.iter().find(|m| m.id == NOVA).expect("nova");
        assert_eq!(nova.requires_profile, Some(true));
        assert_eq!(nova.source, FactSource::Live);
        assert_eq!(nova.fetched_at, Some(1_700_000_000));
        assert_eq!(nova.name, "Nova Pro", "the catalog fills a missing name");
        assert_eq!(merged.source, FactSource::Live);
    }

    #[test]
    fn models_only_the_offline_catalog_knows_stay_marked_offline() {
        let snapshot = snapshot(vec![live(NOVA, &["ON_DEMAND"], "ACTIVE")], Vec::new());
        let merged = region_catalog(&region("us-east-1"), Catalog::embedded(), Some(&snapshot), None);
        assert!(merged.models.iter().any(|m| m.source == FactSource::Offline));
        assert!(merged.models.windows(2).all(|pair| pair[0].id < pair[1].id), "sorted by id");
        assert_eq!(merged.models.iter().filter(|m| m.id == NOVA).count(), 1, "live replaces offline");
    }

    #[test]
    fn live_legacy_is_end_of_life_where_the_catalog_says_so() {
        let haiku = "anthropic.claude-3-haiku-20240307-v1:0";
        let snapshot =
            snapshot(vec![live(haiku, &["ON_DEMAND"], "LEGACY"), live(NOVA, &["ON_DEMAND"], "LEGACY")], vec![]);
        let merged = region_catalog(&region("us-east-1"), Catalog::embedded(), Some(&snapshot), None);
        let lifecycle = |id: &str| merged.models.iter().find(|m| m.id == id).map(|m| m.lifecycle);
        assert_eq!(lifecycle(haiku), Some(Lifecycle::Eol));
        assert_eq!(lifecycle(NOVA), Some(Lifecycle::Legacy));
    }

    #[test]
    fn an_unfetched_region_is_the_offline_catalog_with_its_profiles() {
        let merged = region_catalog(&region("us-east-1"), Catalog::embedded(), None, None);
        assert_eq!(merged.source, FactSource::Offline);
        assert!(merged.models.iter().all(|m| m.source == FactSource::Offline));
        assert!(merged.profiles.iter().any(|p| p.id == format!("us.{NOVA}")));
    }
}
