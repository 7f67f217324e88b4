//! The catalog as the browser holds it ([`CatalogData`]: the server's answer, a [`Catalog`]
//! for validation, and a search index) and the catalog page's filters.
//!
//! The page lists models in [`display_order`] (active first, by provider, newest first), while
//! [`CatalogData::models`] stays sorted by id as validation needs; the search text is laid out in
//! display order, so a search yields its matches already in that order, with no sort per keystroke.
//!
//! Filtering runs on every keystroke and must stay far below a frame (16 ms) for 2,000 models.
//! The searchable text of every model (id, name, provider) is lowercased once, up front, into
//! one string, and a keystroke searches that string in a single pass: one substring searcher
//! for the whole catalog instead of one per model. ASCII lowercasing: ids are ASCII, and
//! Unicode case tables would add ~10 KB to the wasm for names that are ASCII too.

use bedrock_binder_shared::api::CatalogResponse;
use bedrock_binder_shared::catalog::{CatalogModel, Lifecycle};
use bedrock_binder_shared::date::CalendarDate;
use bedrock_binder_shared::fact_source::describe_embedded;
use bedrock_binder_shared::{Catalog, Region};

/// The catalog the server sent, ready for validation and search.
#[derive(Debug, Clone)]
pub struct CatalogData {
    /// The catalog file's header: what it is, its as-of dates and its sources.
    pub source: String,
    /// The day the embedded catalog was compiled.
    pub compiled_on: Option<CalendarDate>,
    /// Said once to the user when the embedded catalog is old and nothing live is cached.
    pub notice: Option<String>,
    /// Every region, for the region filter.
    pub regions: Vec<String>,
    /// Every provider display name, for the provider filter.
    pub providers: Vec<String>,
    /// The models, indexed; validation uses it exactly as the server does.
    pub catalog: Catalog,
    /// Every model's lowercased id, name and provider (`\n` between them), in display order,
    /// each followed by a `\0`.
    text: String,
    /// Where each model's part of `text` starts.
    starts: Vec<usize>,
    /// The index (into [`CatalogData::models`]) of the model of each part of `text`.
    order: Vec<usize>,
}

/// Ends each model's part of the search text; the search box cannot type it, so no match
/// spans two models.
const SEPARATOR: char = '\0';

impl CatalogData {
    /// Indexes the answer of `GET /api/v1/catalog` (with no filter: every model).
    pub fn new(response: CatalogResponse) -> CatalogData {
        let catalog = Catalog::from_models(response.models);
        let models = catalog.models();
        let mut order: Vec<usize> = (0..models.len()).collect();
        order.sort_by_key(|&index| models[index].display_key());
        let mut text = String::new();
        let mut starts = Vec::with_capacity(models.len());
        for model in order.iter().map(|&index| &models[index]) {
            starts.push(text.len());
            for (i, part) in [model.id.as_str(), &model.name, &model.provider].into_iter().enumerate() {
                if i > 0 {
                    text.push('\n');
                }
                // Without the separator, so a name that contains it cannot end its model early.
                text.extend(part.chars().filter(|&c| c != SEPARATOR).map(|c| c.to_ascii_lowercase()));
            }
            text.push(SEPARATOR);
        }
        CatalogData {
            source: response.source,
            compiled_on: response.compiled_on,
            notice: response.notice,
            regions: response.regions,
            providers: response.providers,
            catalog,
            text,
            starts,
            order,
        }
    }

    /// Where the catalog's facts come from, as every page and the CLI say it: "embedded
    /// catalog of 2026-12-01".
    pub fn source_line(&self) -> String {
        describe_embedded(self.compiled_on)
    }

    /// The indices of the models whose id, name or provider contains `query` (lowercased), in
    /// display order.
    fn search(&self, query: &str) -> Vec<usize> {
        if query.is_empty() {
            return self.order.clone();
        }
        if query.contains(SEPARATOR) {
            return Vec::new();
        }
        let mut found: Vec<usize> = Vec::new();
        for (offset, _) in self.text.match_indices(query) {
            let model = self.order[self.starts.partition_point(|&start| start <= offset) - 1];
            if found.last() != Some(&model) {
                found.push(model);
            }
        }
        found
    }

    /// Every model, sorted by id.
    pub fn models(&self) -> &[CatalogModel] {
        self.catalog.models()
    }

    /// The indices (into [`CatalogData::models`]) of the models that pass `filter`, in display
    /// order ([`bedrock_binder_shared::catalog::display_order`]).
    pub fn matching(&self, filter: &CatalogFilter) -> Vec<usize> {
        let query = filter.query.trim().to_ascii_lowercase();
        let region: Option<Region> = filter.region.parse().ok();
        let models = self.models();
        let mut found = self.search(&query);
        found.retain(|&index| {
            let model = &models[index];
            (filter.provider.is_empty() || model.provider == filter.provider)
                && region.as_ref().is_none_or(|region| model.offered_in(region))
                && filter.requires_profile.is_none_or(|wanted| model.requires_profile == Some(wanted))
                && filter.lifecycle.is_none_or(|wanted| model.lifecycle == wanted)
        });
        found
    }
}

/// The catalog page's filters; empty strings and `None` mean "any".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CatalogFilter {
    /// Case-insensitive substring of the id, name or provider (as the server's `q`).
    pub query: String,
    /// A provider display name, exactly.
    pub provider: String,
    /// Only models offered in this region, on demand or through a profile.
    pub region: String,
    /// Only models that do (`true`) or do not (`false`) require a profile.
    pub requires_profile: Option<bool>,
    /// Only models with this lifecycle.
    pub lifecycle: Option<Lifecycle>,
}

/// What the "requires profile" badge says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileNeed {
    /// Only callable through an inference profile (in the region, if one is chosen).
    Required,
    /// Callable directly, on demand.
    OnDemand,
    /// The catalog does not know (or does not list the model in the region).
    Unknown,
}

impl ProfileNeed {
    /// The badge for `model`, for one region when the region filter names one.
    pub fn of(model: &CatalogModel, region: &str) -> ProfileNeed {
        let need = match region.parse::<Region>() {
            Ok(region) => model.requires_profile_in(&region),
            Err(_) => model.requires_profile,
        };
        match need {
            Some(true) => ProfileNeed::Required,
            Some(false) => ProfileNeed::OnDemand,
            None => ProfileNeed::Unknown,
        }
    }

    /// The badge text.
    pub fn label(self) -> &'static str {
        match self {
            ProfileNeed::Required => "requires profile",
            ProfileNeed::OnDemand => "on demand",
            ProfileNeed::Unknown => "unknown",
        }
    }

    /// A CSS class suffix.
    pub fn class(self) -> &'static str {
        match self {
            ProfileNeed::Required => "warn",
            ProfileNeed::OnDemand => "ok",
            ProfileNeed::Unknown => "muted",
        }
    }
}

/// The value of the "requires profile" select: `""`, `"yes"` or `"no"`.
pub fn parse_requires_profile(value: &str) -> Option<bool> {
    match value {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bedrock_binder_shared::ModelId;

    fn data() -> CatalogData {
        let catalog = crate::state::bindings::tests::test_catalog();
        CatalogData::new(CatalogResponse {
            source: "test".into(),
            regions: vec!["us-east-1".into()],
            providers: vec!["Amazon".into(), "Anthropic".into()],
            models: catalog.models().to_vec(),
            compiled_on: None,
            notice: None,
        })
    }

    /// Catalog data of just `models`, with no filters' lists.
    fn only(models: Vec<CatalogModel>) -> CatalogData {
        CatalogData::new(CatalogResponse {
            source: String::new(),
            regions: vec![],
            providers: vec![],
            models,
            compiled_on: None,
            notice: None,
        })
    }

    fn ids(data: &CatalogData, filter: &CatalogFilter) -> Vec<String> {
        data.matching(filter).into_iter().map(|i| data.models()[i].id.to_string()).collect()
    }

    #[test]
    fn no_filter_matches_every_model_active_first_by_provider() {
        let data = data();
        assert_eq!(
            ids(&data, &CatalogFilter::default()),
            [
                "amazon.nova-pro-v1:0",
                "anthropic.claude-sonnet-4-5-20250929-v1:0",
                "anthropic.claude-3-haiku-20240307-v1:0"
            ],
            "the end-of-life Haiku after both active models"
        );
        assert_eq!(data.models()[0].id.as_str(), "amazon.nova-pro-v1:0", "models() stays in id order");
    }

    #[test]
    fn within_a_provider_the_newest_model_is_listed_first_and_a_search_keeps_the_order() {
        let mut models = data().models().to_vec();
        for (model, launched) in models.iter_mut().zip(["2024-12-03", "2024-03-07", "2025-09-29"]) {
            model.lifecycle = Lifecycle::Active;
            model.launched = launched.parse().ok();
        }
        let data = only(models);
        let newest_first = ["anthropic.claude-sonnet-4-5-20250929-v1:0", "anthropic.claude-3-haiku-20240307-v1:0"];
        assert_eq!(ids(&data, &CatalogFilter { query: "anthropic".into(), ..Default::default() }), newest_first);
        assert_eq!(ids(&data, &CatalogFilter { provider: "Anthropic".into(), ..Default::default() }), newest_first);
    }

    #[test]
    fn the_source_line_names_the_embedded_catalog_and_its_date() {
        let mut response = CatalogResponse {
            source: "bedrock-binder offline model catalog …".into(),
            regions: vec![],
            providers: vec![],
            models: vec![],
            compiled_on: "2026-12-01".parse().ok(),
            notice: None,
        };
        assert_eq!(CatalogData::new(response.clone()).source_line(), "embedded catalog of 2026-12-01");
        response.compiled_on = None;
        assert_eq!(CatalogData::new(response).source_line(), "embedded catalog");
    }

    #[test]
    fn search_is_a_case_insensitive_substring_of_id_name_or_provider() {
        let data = data();
        let search = |query: &str| ids(&data, &CatalogFilter { query: query.into(), ..Default::default() });
        assert_eq!(search("SONNET"), ["anthropic.claude-sonnet-4-5-20250929-v1:0"]);
        assert_eq!(search("nova pro"), ["amazon.nova-pro-v1:0"], "the display name is searched");
        assert_eq!(search("anthropic").len(), 2);
        assert!(search("llama").is_empty());
    }

    #[test]
    fn the_one_pass_search_finds_what_a_search_per_model_finds() {
        let data = data();
        for query in ["", "a", "an", "nova", "v1:0", "claude-3", "\nanthropic", "haiku\nanthropic", "0\u{0}anth", "zz"]
        {
            let models = data.models();
            let expected: Vec<usize> = data
                .order
                .iter()
                .copied()
                .filter(|&i| {
                    let m = &models[i];
                    format!("{}\n{}\n{}", m.id, m.name, m.provider).to_ascii_lowercase().contains(query)
                })
                .collect();
            assert_eq!(data.search(query), expected, "{query:?}");
        }
    }

    #[test]
    fn provider_region_profile_need_and_lifecycle_narrow_the_list() {
        let data = data();
        let only = |filter: CatalogFilter| ids(&data, &filter);
        assert_eq!(only(CatalogFilter { provider: "Amazon".into(), ..Default::default() }), ["amazon.nova-pro-v1:0"]);
        assert_eq!(only(CatalogFilter { region: "eu-west-1".into(), ..Default::default() }), ["amazon.nova-pro-v1:0"]);
        assert_eq!(
            only(CatalogFilter { requires_profile: Some(true), ..Default::default() }),
            ["anthropic.claude-sonnet-4-5-20250929-v1:0"]
        );
        assert_eq!(
            only(CatalogFilter { lifecycle: Some(Lifecycle::Eol), ..Default::default() }),
            ["anthropic.claude-3-haiku-20240307-v1:0"]
        );
    }

    #[test]
    fn the_badge_is_regional_when_a_region_is_chosen() {
        let data = data();
        let nova = data.catalog.get("amazon.nova-pro-v1:0").expect("nova");
        assert_eq!(ProfileNeed::of(nova, ""), ProfileNeed::OnDemand);
        assert_eq!(ProfileNeed::of(nova, "us-west-2"), ProfileNeed::Required, "only through a profile there");
        assert_eq!(ProfileNeed::of(nova, "ap-south-1"), ProfileNeed::Unknown);
        assert_eq!(parse_requires_profile("yes"), Some(true));
        assert_eq!(parse_requires_profile(""), None);
    }

    #[test]
    fn two_thousand_models_filter_correctly() {
        let template = data().models()[0].clone();
        let models: Vec<CatalogModel> = (0..2_000)
            .map(|i| {
                let mut model = template.clone();
                model.id = format!("acme.model-{i}-v1:0").parse::<ModelId>().expect("id");
                model.system_profiles.clear();
                model.name = format!("Model {i}");
                model
            })
            .collect();
        let data = only(models);
        let filter = CatalogFilter { query: "MODEL-19".into(), ..Default::default() };
        // model-19, model-190..199, model-1900..1999
        assert_eq!(data.matching(&filter).len(), 1 + 10 + 100);
    }
}
