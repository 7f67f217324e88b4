//! The AWS page's model table: one [`LiveRow`] per model of a region, with the binding in
//! force, where its facts come from, and the filter.

use std::collections::HashMap;

use bedrock_binder_shared::api::RegionCatalog;
use bedrock_binder_shared::catalog::Lifecycle;
use bedrock_binder_shared::date::CalendarDate;
use bedrock_binder_shared::fact_source::{FactSource, describe_embedded, describe_live};
use bedrock_binder_shared::profile_suggestion::ProfileSuggestion;

/// Where facts fetched in `region` (or not) come from, in the words the CLI uses too:
/// "live, us-east-1, 5 minutes ago" or "embedded catalog of 2026-12-01". `now` and `fetched_at`
/// are seconds since the Unix epoch; `compiled_on` is the embedded catalog's date.
pub fn source_label(
    source: FactSource,
    region: &str,
    fetched_at: Option<u64>,
    compiled_on: Option<CalendarDate>,
    now: u64,
) -> String {
    match (source, fetched_at) {
        (FactSource::Live, Some(at)) => describe_live(region, at, now),
        (FactSource::Live, None) => format!("live, {region}"),
        (FactSource::Offline, _) => describe_embedded(compiled_on),
    }
}

/// One model of a region, as the AWS page's table shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveRow {
    /// The model id.
    pub id: String,
    /// Its display name.
    pub name: String,
    /// Whether the region serves it only through a profile; `None` when unknown.
    pub requires_profile: Option<bool>,
    /// Its lifecycle.
    pub lifecycle: Lifecycle,
    /// Live or offline, and when fetched.
    pub source: FactSource,
    /// When fetched.
    pub fetched_at: Option<u64>,
    /// The region the facts are of.
    pub region: String,
    /// The embedded catalog's date, for an offline row.
    pub compiled_on: Option<CalendarDate>,
    /// The binding in force for it, if the file has one (empty: direct).
    pub bound: Option<String>,
    /// The profiles to bind it to, best first.
    pub suggestions: Vec<ProfileSuggestion>,
    haystack: String,
}

impl LiveRow {
    /// Whether the model needs a binding it does not have: profile-only and unbound (or bound
    /// to be called directly).
    pub fn needs_binding(&self) -> bool {
        self.requires_profile == Some(true) && self.bound.as_deref().is_none_or(str::is_empty)
    }

    /// Where the row's facts come from ([`source_label`]).
    pub fn source_label(&self, now: u64) -> String {
        source_label(self.source, &self.region, self.fetched_at, self.compiled_on, now)
    }

    /// A key that changes when anything the row shows changes, for keyed rendering.
    pub fn render_key(&self) -> String {
        let requires = match self.requires_profile {
            Some(true) => "requires",
            Some(false) => "on-demand",
            None => "unknown",
        };
        let mut key = format!("{}\u{0}{}\u{0}{requires}\u{0}", self.id, self.region);
        key.push_str(self.bound.as_deref().unwrap_or("\u{1}"));
        key.push('\u{0}');
        key.push_str(&self.fetched_at.unwrap_or_default().to_string());
        for suggestion in &self.suggestions {
            key.push('\u{0}');
            key.push_str(&suggestion.profile);
        }
        key
    }
}

/// The rows of a region's catalog, with the file's bindings (model → value); `compiled_on` is the
/// embedded catalog's date (`AwsCatalogResponse::compiled_on`).
pub fn live_rows(
    catalog: &RegionCatalog,
    compiled_on: Option<CalendarDate>,
    bindings: &HashMap<String, String>,
) -> Vec<LiveRow> {
    catalog
        .models
        .iter()
        .map(|model| LiveRow {
            id: model.id.clone(),
            name: model.name.clone(),
            requires_profile: model.requires_profile,
            lifecycle: model.lifecycle,
            source: model.source,
            fetched_at: model.fetched_at,
            region: catalog.region.clone(),
            compiled_on,
            bound: bindings.get(&model.id).cloned(),
            suggestions: model.suggestions.clone(),
            haystack: format!("{}\n{}\n{}", model.id, model.name, model.provider).to_ascii_lowercase(),
        })
        .collect()
}

/// The indices of the rows that match the search (id, name or provider, any case) and, with
/// `requires_only`, require a profile.
pub fn filter_live(rows: &[LiveRow], query: &str, requires_only: bool) -> Vec<usize> {
    let query = query.trim().to_ascii_lowercase();
    rows.iter()
        .enumerate()
        .filter(|(_, row)| row.haystack.contains(&query) && (!requires_only || row.requires_profile == Some(true)))
        .map(|(index, _)| index)
        .collect()
}

#[cfg(test)]
mod tests {
    use bedrock_binder_shared::api::RegionModel;
    use bedrock_binder_shared::profile_suggestion::ProfileSuggestionKind;

    use super::*;

    #[test]
    fn the_source_says_live_with_the_region_and_age_or_the_embedded_catalog_with_its_date() {
        let compiled = "2026-12-01".parse().ok();
        let label = |source, fetched_at, now| source_label(source, "us-east-1", fetched_at, compiled, now);
        assert_eq!(label(FactSource::Live, Some(1_000), 1_012), "live, us-east-1, just now");
        assert_eq!(label(FactSource::Live, Some(1_000), 1_000 + 300), "live, us-east-1, 5 minutes ago");
        assert_eq!(label(FactSource::Offline, None, 5), "embedded catalog of 2026-12-01");
    }

    #[test]
    fn a_row_says_where_its_facts_come_from_in_its_region() {
        let rows = live_rows(&region_catalog(), None, &HashMap::new());
        assert_eq!(rows[0].source_label(7 + 2 * 3_600), "live, us-east-1, 2 hours ago");
    }

    fn region_catalog() -> RegionCatalog {
        let model = |id: &str, requires: Option<bool>, suggestion: Option<&str>| RegionModel {
            id: id.to_owned(),
            name: id.to_owned(),
            provider: "Amazon".to_owned(),
            requires_profile: requires,
            lifecycle: Lifecycle::Active,
            inference_types: Vec::new(),
            streaming: None,
            source: FactSource::Live,
            fetched_at: Some(7),
            suggestions: suggestion
                .map(|profile| ProfileSuggestion {
                    profile: profile.to_owned(),
                    arn: None,
                    kind: ProfileSuggestionKind::Geo,
                    rank: 1,
                    reason: "keeps requests in the US".to_owned(),
                    source: FactSource::Live,
                })
                .into_iter()
                .collect(),
        };
        RegionCatalog {
            region: "us-east-1".to_owned(),
            source: FactSource::Live,
            fetched_at: Some(7),
            error: None,
            models: vec![
                model("amazon.nova-lite-v1:0", Some(false), None),
                model("amazon.nova-pro-v1:0", Some(true), Some("us.amazon.nova-pro-v1:0")),
                model("amazon.titan-x", None, None),
            ],
            profiles: Vec::new(),
        }
    }

    #[test]
    fn live_rows_carry_the_binding_and_the_filter_keeps_profile_only_models() {
        let bindings: HashMap<String, String> = [("amazon.nova-lite-v1:0".to_owned(), String::new())].into();
        let rows = live_rows(&region_catalog(), None, &bindings);
        assert_eq!(rows[0].bound.as_deref(), Some(""));
        assert!(rows[1].needs_binding(), "profile-only and unbound");
        assert!(!rows[0].needs_binding() && !rows[2].needs_binding());
        assert_eq!(filter_live(&rows, "", false), [0, 1, 2]);
        assert_eq!(filter_live(&rows, " NOVA ", false), [0, 1]);
        assert_eq!(filter_live(&rows, "nova", true), [1]);
    }

    #[test]
    fn the_render_key_follows_the_binding() {
        let unbound = live_rows(&region_catalog(), None, &HashMap::new()).remove(1);
        let bindings = [("amazon.nova-pro-v1:0".to_owned(), "us.amazon.nova-pro-v1:0".to_owned())].into();
        let bound = live_rows(&region_catalog(), None, &bindings).remove(1);
        assert_ne!(unbound.render_key(), bound.render_key());
        assert!(!bound.needs_binding());
    }
}
