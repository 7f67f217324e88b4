//! Live discovery: for each region, ListFoundationModels plus ListInferenceProfiles for
//! `SYSTEM_DEFINED` and for `APPLICATION` (asked separately: with no type, only system
//! profiles come back), following every `nextToken`.
//!
//! Regions are fetched concurrently under [`AwsSettings::concurrency`](super::AwsSettings), and
//! a region's three listings run at once too, so a refresh costs about one round trip
//! however many regions it covers. Results are cached per region for the TTL; the latest
//! refresh's per-region progress is kept for `GET /api/v1/aws/refresh`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use aws_sdk_bedrock::types::{FoundationModelSummary, InferenceProfileSummary, InferenceProfileType};
use bedrock_binder_shared::api::{
    DiscoveredProfile, InferenceProfileType as ProfileType, RefreshProgress, RegionProgress, RegionState,
};
use bedrock_binder_shared::aws_failure::{AwsFailure, CallContext};
use bedrock_binder_shared::fact_source::FactSource;
use bedrock_binder_shared::{Arn, ArnResource, Region};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::error::CallError;
use super::{Aws, RegionClients, lock, now_epoch_seconds};

/// A foundation model as a region listed it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LiveModel {
    /// `modelId`.
    pub id: String,
    /// `modelArn`.
    pub arn: String,
    /// `modelName`.
    pub name: String,
    /// `providerName`.
    pub provider: String,
    /// `inferenceTypesSupported`, as AWS wrote them: `INFERENCE_PROFILE` is not in the SDK's
    /// enum, so each is read with `as_str()`.
    pub inference_types: Vec<String>,
    /// `modelLifecycle.status` (`ACTIVE`, `LEGACY`).
    pub lifecycle: Option<String>,
    /// `responseStreamingSupported`.
    pub streaming: Option<bool>,
}

impl LiveModel {
    /// Whether the model can be called here only through a profile: no `ON_DEMAND`.
    pub fn requires_profile(&self) -> bool {
        !self.inference_types.iter().any(|t| t == "ON_DEMAND")
    }

    fn from_summary(summary: &FoundationModelSummary) -> LiveModel {
        LiveModel {
            id: summary.model_id().to_owned(),
            arn: summary.model_arn().to_owned(),
            name: summary.model_name().unwrap_or_default().to_owned(),
            provider: summary.provider_name().unwrap_or_default().to_owned(),
            inference_types: summary.inference_types_supported().iter().map(|t| t.as_str().to_owned()).collect(),
            lifecycle: summary.model_lifecycle().map(|l| l.status().as_str().to_owned()),
            streaming: summary.response_streaming_supported(),
        }
    }
}

/// One region's live data.
#[derive(Debug, Clone)]
pub struct RegionSnapshot {
    /// The region.
    pub region: Region,
    /// When it was fetched, in seconds since the Unix epoch. Also what the TTL is measured
    /// from, since a snapshot may have been saved by an earlier process.
    pub fetched_at: u64,
    /// The foundation models, in the order listed.
    pub models: Vec<LiveModel>,
    /// The system and application profiles, sorted by id.
    pub profiles: Vec<DiscoveredProfile>,
}

impl RegionSnapshot {
    /// The listed model with this id.
    pub fn model(&self, id: &str) -> Option<&LiveModel> {
        self.models.iter().find(|model| model.id == id)
    }
}

/// Reads a profile summary: its base model and destinations come from `models[].modelArn`,
/// never from its id.
pub fn profile_from_summary(summary: &ProfileFields<'_>, fetched_at: u64) -> DiscoveredProfile {
    let model_arns: Vec<String> = summary.model_arns.iter().map(|arn| (*arn).to_owned()).collect();
    let parsed: Vec<Arn> = model_arns.iter().filter_map(|arn| arn.parse().ok()).collect();
    let base_model = parsed.iter().find_map(|arn| match arn.resource() {
        ArnResource::FoundationModel(id) => Some(id.as_str().to_owned()),
        _ => None,
    });
    let mut destination_regions: Vec<String> = parsed.iter().map(|arn| arn.region().to_string()).collect();
    destination_regions.dedup();
    DiscoveredProfile {
        id: summary.id.to_owned(),
        arn: summary.arn.to_owned(),
        name: summary.name.to_owned(),
        description: summary.description.map(str::to_owned),
        profile_type: if summary.profile_type == "APPLICATION" {
            ProfileType::Application
        } else {
            ProfileType::SystemDefined
        },
        status: summary.status.to_owned(),
        model_arns,
        base_model,
        destination_regions,
        source: FactSource::Live,
        fetched_at: Some(fetched_at),
    }
}

/// The members of a profile summary (ListInferenceProfiles and GetInferenceProfile answer
/// the same ones in different types).
#[derive(Debug, Clone)]
pub struct ProfileFields<'a> {
    /// `inferenceProfileId`.
    pub id: &'a str,
    /// `inferenceProfileArn`.
    pub arn: &'a str,
    /// `inferenceProfileName`.
    pub name: &'a str,
    /// `description`.
    pub description: Option<&'a str>,
    /// `type`.
    pub profile_type: &'a str,
    /// `status`.
    pub status: &'a str,
    /// `models[].modelArn`.
    pub model_arns: Vec<&'a str>,
}

impl<'a> From<&'a InferenceProfileSummary> for ProfileFields<'a> {
    fn from(summary: &'a InferenceProfileSummary) -> Self {
        ProfileFields {
            id: summary.inference_profile_id(),
            arn: summary.inference_profile_arn(),
            name: summary.inference_profile_name(),
            description: summary.description(),
            profile_type: summary.r#type().as_str(),
            status: summary.status().as_str(),
            model_arns: summary.models().iter().filter_map(|m| m.model_arn()).collect(),
        }
    }
}

/// The discovery cache and the latest refresh's progress.
#[derive(Debug, Default)]
pub struct Discovery {
    cache: Mutex<HashMap<Region, Arc<RegionSnapshot>>>,
    /// The last failure of each region whose latest refresh failed.
    failures: Mutex<HashMap<Region, AwsFailure>>,
    /// The progress of the latest refresh asked for (not of the fetches made on the way to
    /// something else, such as a diagnosis's suggestions). The inner value is what that
    /// refresh's tasks update; a new refresh swaps in its own.
    progress: Mutex<Arc<Mutex<RefreshProgress>>>,
    /// Held while a region is fetched for [`Aws::snapshot`], so that checks running side by
    /// side fetch a missing region once rather than once each.
    fetching: tokio::sync::Mutex<()>,
}

impl Discovery {
    /// The cached snapshot of a region, however old.
    pub fn cached(&self, region: &Region) -> Option<Arc<RegionSnapshot>> {
        lock(&self.cache).get(region).cloned()
    }

    /// Whether any region's live data is cached (fetched now or saved by an earlier run).
    pub fn any_cached(&self) -> bool {
        !lock(&self.cache).is_empty()
    }

    /// Why the latest refresh of a region failed, if it did.
    pub fn failure(&self, region: &Region) -> Option<AwsFailure> {
        lock(&self.failures).get(region).cloned()
    }

    /// The latest refresh's progress.
    pub fn progress(&self) -> RefreshProgress {
        let current = Arc::clone(&lock(&self.progress));
        lock(&current).clone()
    }
}

impl Aws {
    /// Puts the snapshots saved by earlier runs into the cache, where the catalog shows them
    /// with their age and the TTL treats them by it.
    pub(super) fn load_saved(&self) {
        let Some(saved) = &self.settings().saved_discoveries else { return };
        let mut cache = lock(&self.discovery().cache);
        for snapshot in saved.load_all() {
            cache.insert(snapshot.region.clone(), Arc::new(snapshot));
        }
    }

    /// Saves a fetched snapshot for the next run. A failure costs only that, so it is logged.
    async fn save(&self, snapshot: &Arc<RegionSnapshot>) {
        let Some(saved) = self.settings().saved_discoveries.clone() else { return };
        let snapshot = Arc::clone(snapshot);
        let region = snapshot.region.clone();
        let outcome = tokio::task::spawn_blocking(move || saved.save(&snapshot)).await;
        if let Ok(Err(error)) = outcome {
            tracing::warn!(%region, "the discovered models were not saved for the next start: {error}");
        }
    }

    /// The cached snapshot of `region` if it is younger than the TTL.
    pub fn fresh(&self, region: &Region) -> Option<Arc<RegionSnapshot>> {
        let ttl = self.settings().cache_ttl.as_secs();
        self.discovery().cached(region).filter(|snapshot| now_epoch_seconds().saturating_sub(snapshot.fetched_at) < ttl)
    }

    /// Drops a region's cached data (after a change to its profiles), so the next use fetches
    /// it anew.
    pub fn forget(&self, region: &Region) {
        lock(&self.discovery().cache).remove(region);
    }

    /// A region's live data: the cached snapshot if fresh, else fetched now (and cached).
    pub async fn snapshot(&self, region: &Region) -> Result<Arc<RegionSnapshot>, AwsFailure> {
        if let Some(snapshot) = self.fresh(region) {
            return Ok(snapshot);
        }
        let _fetching = self.discovery().fetching.lock().await;
        if let Some(snapshot) = self.fresh(region) {
            return Ok(snapshot);
        }
        self.fetch(std::slice::from_ref(region), true, false, |_| {}).await;
        self.discovery().cached(region).ok_or_else(|| {
            self.discovery().failure(region).unwrap_or_else(|| AwsFailure::unreachable("the region was not fetched"))
        })
    }

    /// Fetches `regions` concurrently (those with fresh data are reused when `use_cache`),
    /// calling `on_done` as each region finishes, in the order they finish. Returns the
    /// progress of every region, in the order given.
    pub async fn refresh(
        &self,
        regions: &[Region],
        use_cache: bool,
        on_done: impl FnMut(&RegionProgress),
    ) -> RefreshProgress {
        self.fetch(regions, use_cache, true, on_done).await
    }

    /// [`Aws::refresh`]; `publish` makes its progress the one `GET /api/v1/aws/refresh` shows.
    async fn fetch(
        &self,
        regions: &[Region],
        use_cache: bool,
        publish: bool,
        mut on_done: impl FnMut(&RegionProgress),
    ) -> RefreshProgress {
        let started = Instant::now();
        let mut seen = std::collections::HashSet::new();
        let regions: Vec<Region> = regions.iter().filter(|region| seen.insert(*region)).cloned().collect();
        let pending = |region: &Region| RegionProgress::pending(region.as_str());
        let progress = Arc::new(Mutex::new(RefreshProgress {
            running: true,
            regions: regions.iter().map(pending).collect(),
            elapsed_ms: None,
        }));
        if publish {
            *lock(&self.discovery().progress) = Arc::clone(&progress);
        }
        let update = |index: usize, change: &dyn Fn(&mut RegionProgress)| {
            if let Some(entry) = lock(&progress).regions.get_mut(index) {
                change(entry);
            }
        };

        let limit = Arc::new(Semaphore::new(self.settings().concurrency.max(1)));
        let mut tasks = JoinSet::new();
        for (index, region) in regions.iter().enumerate() {
            if use_cache && let Some(snapshot) = self.fresh(region) {
                update(index, &|entry| {
                    entry.state = RegionState::Done;
                    entry.cached = true;
                    entry.models = snapshot.models.len();
                    entry.profiles = snapshot.profiles.len();
                    entry.elapsed_ms = Some(0);
                });
                if let Some(entry) = lock(&progress).regions.get(index) {
                    on_done(entry);
                }
                continue;
            }
            let aws = self.clone();
            let region = region.clone();
            let limit = Arc::clone(&limit);
            let progress = Arc::clone(&progress);
            tasks.spawn(async move {
                // The semaphore is never closed, so acquiring fails only if it were.
                let _permit = limit.acquire_owned().await.ok();
                if let Some(entry) = lock(&progress).regions.get_mut(index) {
                    entry.state = RegionState::Running;
                }
                let began = Instant::now();
                let clients = aws.clients(&region).await;
                let result = fetch_region(&clients, &region, aws.settings().page_size).await;
                (index, region, result, began.elapsed())
            });
        }

        while let Some(joined) = tasks.join_next().await {
            // A panic in a fetch is a bug; the other regions still finish.
            let Ok((index, region, result, elapsed)) = joined else { continue };
            let elapsed_ms = u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX);
            match result {
                Ok(snapshot) => {
                    let (models, profiles) = (snapshot.models.len(), snapshot.profiles.len());
                    let snapshot = Arc::new(snapshot);
                    self.save(&snapshot).await;
                    lock(&self.discovery().cache).insert(region.clone(), snapshot);
                    lock(&self.discovery().failures).remove(&region);
                    update(index, &|entry| {
                        entry.state = RegionState::Done;
                        entry.models = models;
                        entry.profiles = profiles;
                        entry.elapsed_ms = Some(elapsed_ms);
                    });
                }
                Err(diagnosis) => {
                    lock(&self.discovery().failures).insert(region.clone(), diagnosis.clone());
                    update(index, &|entry| {
                        entry.state = RegionState::Failed;
                        entry.error = Some(diagnosis.clone());
                        entry.elapsed_ms = Some(elapsed_ms);
                    });
                }
            }
            if let Some(entry) = lock(&progress).regions.get(index) {
                on_done(entry);
            }
        }
        let mut progress = lock(&progress);
        progress.running = false;
        progress.elapsed_ms = Some(u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX));
        progress.clone()
    }
}

/// One region's three listings, at once.
async fn fetch_region(
    clients: &RegionClients,
    region: &Region,
    page_size: Option<i32>,
) -> Result<RegionSnapshot, AwsFailure> {
    let context = CallContext { region: Some(region.as_str()), ..CallContext::default() };
    let diagnose = |error: CallError| error.diagnose(&context);
    let models = async {
        let output = clients.bedrock.list_foundation_models().send().await.map_err(CallError::from_sdk)?;
        Ok::<_, CallError>(output.model_summaries().iter().map(LiveModel::from_summary).collect::<Vec<_>>())
    };
    let system = list_profiles(clients, InferenceProfileType::SystemDefined, page_size);
    let application = list_profiles(clients, InferenceProfileType::Application, page_size);
    let (models, system, application) = tokio::try_join!(models, system, application).map_err(diagnose)?;
    let fetched_at = now_epoch_seconds();
    let mut profiles: Vec<DiscoveredProfile> = system
        .iter()
        .chain(application.iter())
        .map(|summary| profile_from_summary(&ProfileFields::from(summary), fetched_at))
        .collect();
    profiles.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(RegionSnapshot { region: region.clone(), fetched_at, models, profiles })
}

/// Every profile of one type, following `nextToken` to the last page.
pub(crate) async fn list_profiles(
    clients: &RegionClients,
    profile_type: InferenceProfileType,
    page_size: Option<i32>,
) -> Result<Vec<InferenceProfileSummary>, CallError> {
    // A service that kept answering with a token would loop forever; no account has a
    // thousand pages of profiles.
    const MAX_PAGES: usize = 1000;
    let mut summaries = Vec::new();
    let mut token: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let output = clients
            .bedrock
            .list_inference_profiles()
            .type_equals(profile_type.clone())
            .set_max_results(page_size)
            .set_next_token(token.take())
            .send()
            .await
            .map_err(CallError::from_sdk)?;
        summaries.extend(output.inference_profile_summaries().iter().cloned());
        match output.next_token() {
            Some(next) if !next.is_empty() => token = Some(next.to_owned()),
            _ => break,
        }
    }
    Ok(summaries)
}
