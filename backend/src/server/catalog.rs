//! `GET /api/v1/catalog`: the offline model catalog, filtered.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use bedrock_binder_shared::Region;
use bedrock_binder_shared::api::{CatalogQuery, CatalogResponse};
use bedrock_binder_shared::catalog::CatalogModel;
use bedrock_binder_shared::fact_source::stale_embedded_notice;
use bedrock_binder_shared::region::RegionError;

use super::AppState;
use super::error::AppError;
use super::extract::Query;

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/api/v1/catalog", get(list))
}

/// The models that pass every filter given, sorted by id. `region` must look like a region
/// name (400 otherwise); a well-formed region the catalog does not know simply has no models.
/// With a `region`, `requires_profile` asks about that region; without, about all regions.
async fn list(
    State(state): State<AppState>,
    Query(query): Query<CatalogQuery>,
) -> Result<Json<CatalogResponse>, AppError> {
    let region = query
        .region
        .as_deref()
        .map(str::trim)
        .filter(|region| !region.is_empty())
        .map(str::parse::<Region>)
        .transpose()
        .map_err(|error: RegionError| AppError::InvalidQuery(format!("region: {error}")))?;
    let filter = Filter {
        needle: query.q.as_deref().map(str::trim).filter(|q| !q.is_empty()).map(str::to_lowercase),
        provider: query.provider.as_deref().map(str::trim).filter(|p| !p.is_empty()).map(str::to_lowercase),
        region,
        requires_profile: query.requires_profile,
        lifecycle: query.lifecycle,
    };
    let catalog = state.catalog.current();
    let mut providers: Vec<String> = catalog.models().iter().map(|model| model.provider.clone()).collect();
    providers.sort_unstable_by_key(|name| name.to_lowercase());
    providers.dedup();
    Ok(Json(CatalogResponse {
        source: catalog.header().to_owned(),
        regions: catalog.regions().iter().map(ToString::to_string).collect(),
        providers,
        models: catalog.models().iter().filter(|model| filter.accepts(model)).cloned().collect(),
        compiled_on: catalog.compiled_on(),
        notice: catalog.compiled_on().zip(catalog.today()).and_then(|(compiled, today)| {
            stale_embedded_notice(compiled, today, || state.aws.discovery().any_cached())
        }),
    }))
}

/// The query, normalised once: lowercase text, a parsed region.
struct Filter {
    needle: Option<String>,
    provider: Option<String>,
    region: Option<Region>,
    requires_profile: Option<bool>,
    lifecycle: Option<bedrock_binder_shared::catalog::Lifecycle>,
}

impl Filter {
    fn accepts(&self, model: &CatalogModel) -> bool {
        let contains = |text: &str, needle: &str| text.to_lowercase().contains(needle);
        self.needle.as_deref().is_none_or(|needle| {
            contains(model.id.as_str(), needle) || contains(&model.name, needle) || contains(&model.provider, needle)
        }) && self.provider.as_deref().is_none_or(|provider| {
            // At a dot boundary: `a` is not `amazon`. The display name counts too.
            model.id.provider() == provider || model.provider.to_lowercase() == provider
        }) && self.region.as_ref().is_none_or(|region| model.offered_in(region))
            && self.requires_profile.is_none_or(|wanted| {
                let requires = match &self.region {
                    Some(region) => model.requires_profile_in(region),
                    None => model.requires_profile,
                };
                requires == Some(wanted)
            })
            && self.lifecycle.is_none_or(|lifecycle| model.lifecycle == lifecycle)
    }
}
