//! "Bind all required": every model the region offers only through a profile, and which the
//! file does not bind (no line, or an empty value, which calls it directly and fails), bound
//! to its top *live* suggestion: a profile discovered in the region, never an id made up or
//! taken from the offline catalog.
//!
//! The result is a preview (the new text and its diff against the file); applying it is a
//! plain `PUT /api/v1/bindings` with `If-Match`, so the usual conflict check guards it.

use bedrock_binder_shared::api::{PlannedBinding, RegionCatalog, SkippedModel};
use bedrock_binder_shared::catalog::Lifecycle;
use bedrock_binder_shared::fact_source::FactSource;
use bedrock_binder_shared::{Document, ModelId, ProfileRef};

/// What binding every required model would change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The whole new text.
    pub text: String,
    /// The bindings added or changed, in model order.
    pub changes: Vec<PlannedBinding>,
    /// Profile-only models left alone, and why.
    pub skipped: Vec<SkippedModel>,
}

/// Plans the bindings for `catalog` (one region, live data merged over offline) in `document`.
pub fn plan(document: &Document, catalog: &RegionCatalog) -> Plan {
    let mut edited = document.clone();
    let mut changes = Vec::new();
    let mut skipped = Vec::new();
    let skip = |skipped: &mut Vec<SkippedModel>, model: &str, reason: String| {
        skipped.push(SkippedModel { model: model.to_owned(), reason });
    };
    for model in catalog.models.iter().filter(|m| m.source == FactSource::Live && m.requires_profile == Some(true)) {
        if document.get(&model.id).is_some_and(|binding| !binding.value.is_empty()) {
            continue;
        }
        if model.lifecycle == Lifecycle::Eol {
            skip(&mut skipped, &model.id, "it has reached its end of life".to_owned());
            continue;
        }
        let Some(top) = model.suggestions.iter().find(|s| s.source == FactSource::Live) else {
            skip(&mut skipped, &model.id, format!("no profile containing it was discovered in {}", catalog.region));
            continue;
        };
        let (Ok(id), Ok(profile)) = (model.id.parse::<ModelId>(), top.profile.parse::<ProfileRef>()) else {
            skip(&mut skipped, &model.id, format!("`{}` or `{}` does not parse", model.id, top.profile));
            continue;
        };
        edited.bind(&id, &profile);
        changes.push(PlannedBinding {
            model: model.id.clone(),
            profile: top.profile.clone(),
            reason: top.reason.clone(),
        });
    }
    Plan { text: edited.as_str().to_owned(), changes, skipped }
}

#[cfg(test)]
mod tests {
    use bedrock_binder_shared::api::RegionModel;
    use bedrock_binder_shared::profile_suggestion::{ProfileSuggestion, ProfileSuggestionKind};

    use super::*;

    fn model(id: &str, requires: bool, lifecycle: Lifecycle, suggestion: Option<(&str, FactSource)>) -> RegionModel {
        RegionModel {
            id: id.to_owned(),
            name: String::new(),
            provider: String::new(),
            requires_profile: Some(requires),
            lifecycle,
            inference_types: Vec::new(),
            streaming: None,
            source: FactSource::Live,
            fetched_at: Some(1),
            suggestions: suggestion
                .map(|(profile, source)| ProfileSuggestion {
                    profile: profile.to_owned(),
                    arn: None,
                    kind: ProfileSuggestionKind::Geo,
                    rank: 1,
                    reason: "the reason".to_owned(),
                    source,
                })
                .into_iter()
                .collect(),
        }
    }

    fn catalog(models: Vec<RegionModel>) -> RegionCatalog {
        RegionCatalog {
            region: "us-east-1".to_owned(),
            source: FactSource::Live,
            fetched_at: Some(1),
            error: None,
            models,
            profiles: Vec::new(),
        }
    }

    #[test]
    fn unbound_and_direct_profile_only_models_get_their_top_live_suggestion() {
        let document = Document::parse("# keep me\na.direct-v1=\nb.bound-v1=us.b.bound-v1\n");
        let plan = plan(
            &document,
            &catalog(vec![
                model("a.direct-v1", true, Lifecycle::Active, Some(("us.a.direct-v1", FactSource::Live))),
                model("b.bound-v1", true, Lifecycle::Active, Some(("global.b.bound-v1", FactSource::Live))),
                model("c.new-v1", true, Lifecycle::Legacy, Some(("us.c.new-v1", FactSource::Live))),
                model("d.ondemand-v1", false, Lifecycle::Active, Some(("us.d.ondemand-v1", FactSource::Live))),
            ]),
        );
        assert_eq!(
            plan.text,
            "# keep me\na.direct-v1=us.a.direct-v1\nb.bound-v1=us.b.bound-v1\nc.new-v1=us.c.new-v1\n"
        );
        let models: Vec<&str> = plan.changes.iter().map(|c| c.model.as_str()).collect();
        assert_eq!(models, ["a.direct-v1", "c.new-v1"]);
        assert_eq!(plan.changes[0].reason, "the reason");
        assert!(plan.skipped.is_empty());
    }

    #[test]
    fn models_without_a_live_suggestion_or_past_their_end_of_life_are_skipped_with_a_reason() {
        let plan = plan(
            &Document::parse(""),
            &catalog(vec![
                model("a.offline-v1", true, Lifecycle::Active, Some(("us.a.offline-v1", FactSource::Offline))),
                model("b.none-v1", true, Lifecycle::Active, None),
                model("c.eol-v1", true, Lifecycle::Eol, Some(("us.c.eol-v1", FactSource::Live))),
            ]),
        );
        assert_eq!(plan.text, "");
        let reasons: Vec<&str> = plan.skipped.iter().map(|s| s.reason.as_str()).collect();
        assert_eq!(
            reasons,
            [
                "no profile containing it was discovered in us-east-1",
                "no profile containing it was discovered in us-east-1",
                "it has reached its end of life"
            ]
        );
    }
}
